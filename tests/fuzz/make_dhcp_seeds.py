#!/usr/bin/env python3
"""Writes the seed corpus of fuzz_dhcp_message (DHCP UDP payloads).

Usage: tests/fuzz/make_dhcp_seeds.py [output_dir]
(default: tests/fuzz/corpus/fuzz_dhcp_message next to this script).

Seeds cover each message type a client sends, relayed messages with option 82,
option overload (RFC 2132 §9.3), RFC 3396 split options, and one malformed
message per family of drop reasons, so that the fuzzer starts from every
branch of the parser. The output is deterministic.
"""

import pathlib
import struct
import sys

COOKIE = bytes([99, 130, 83, 99])
MAC = bytes([0x02, 0x00, 0x5E, 0x10, 0x20, 0x30])
END = b"\xff"


def header(op=1, htype=1, hlen=6, hops=0, xid=0x3903F326, flags=0, ciaddr=0,
           giaddr=0, chaddr=MAC, sname=b"", file=b""):
    """The 236-byte BOOTP fixed part plus the magic cookie (RFC 2131 §2)."""
    fixed = struct.pack("!BBBBIHHIIII", op, htype, hlen, hops, xid, 0, flags,
                        ciaddr, 0, 0, giaddr)
    fixed += chaddr.ljust(16, b"\0") + sname.ljust(64, b"\0") + file.ljust(128, b"\0")
    assert len(fixed) == 236
    return fixed + COOKIE


def opt(code, value):
    assert len(value) <= 255
    return bytes([code, len(value)]) + value


def ip(text):
    return bytes(int(part) for part in text.split("."))


CLIENT_ID = opt(61, b"\x01" + MAC)
PRL = opt(55, bytes([1, 3, 6, 15, 26, 28, 42, 51, 54, 58, 59, 119, 121]))
HOST = opt(12, b"cpe-0001")
MMS = opt(57, struct.pack("!H", 1500))
RAI = opt(82, opt(1, b"olt1/0/3:101") + opt(2, MAC) + opt(5, ip("198.18.20.0"))
          + opt(6, b"sub-42") + opt(11, ip("198.18.20.1")) + opt(12, b"\x00\x01relay")
          + opt(19, b""))


def seeds():
    s = {}
    # --- valid client messages ---
    s["discover"] = header(flags=0x8000) + opt(53, b"\x01") + CLIENT_ID + PRL + HOST + MMS \
        + opt(60, b"udhcp 1.36.1") + END
    s["discover_minimal_no_end"] = header() + opt(53, b"\x01")
    s["request_selecting"] = header() + opt(53, b"\x03") + CLIENT_ID + opt(50, ip("198.18.0.77")) \
        + opt(54, ip("198.18.0.1")) + PRL + HOST + END
    s["request_renewing"] = header(ciaddr=0xC612004D) + opt(53, b"\x03") + CLIENT_ID + PRL + END
    s["request_init_reboot"] = header() + opt(53, b"\x03") + opt(50, ip("198.18.0.77")) \
        + opt(51, struct.pack("!I", 3600)) + END
    s["release"] = header(ciaddr=0xC612004D) + opt(53, b"\x07") + opt(54, ip("198.18.0.1")) \
        + CLIENT_ID + END
    s["decline"] = header() + opt(53, b"\x04") + opt(50, ip("198.18.0.77")) \
        + opt(54, ip("198.18.0.1")) + END
    s["inform"] = header(ciaddr=0xC6120063) + opt(53, b"\x08") + PRL + END
    s["relayed_discover_opt82"] = header(hops=1, giaddr=0xC6121401) + opt(53, b"\x01") \
        + CLIENT_ID + PRL + RAI + END
    s["relayed_request_opt82_subnet_selection"] = header(hops=1, giaddr=0xC6121401) \
        + opt(53, b"\x03") + opt(50, ip("198.18.20.9")) + opt(54, ip("198.18.20.1")) \
        + opt(118, ip("198.18.20.0")) + RAI + END
    s["overload_file"] = header(file=opt(12, b"in-file") + END) + opt(53, b"\x01") \
        + opt(52, b"\x01") + END
    s["overload_sname"] = header(sname=opt(15, b"example.net") + END) + opt(53, b"\x01") \
        + opt(52, b"\x02") + END
    s["overload_both_split_hostname"] = header(file=opt(12, b"ef") + END, sname=opt(12, b"gh") + END) \
        + opt(12, b"ab") + opt(53, b"\x03") + opt(52, b"\x03") + opt(12, b"cd") + END
    long_id = bytes([0xFF]) + bytes(range(256)) + bytes(43)
    s["split_client_id_300"] = header() + opt(53, b"\x01") + opt(61, long_id[:255]) \
        + opt(61, long_id[255:]) + END
    rai_value = RAI[2:]
    s["split_opt82"] = header(giaddr=0xC6121401) + opt(53, b"\x01") + opt(82, rai_value[:10]) \
        + opt(82, rai_value[10:]) + END
    s["pads_between_options_no_end"] = header() + b"\0\0" + opt(53, b"\x01") + b"\0" + HOST + b"\0\0\0"
    s["infiniband_no_chaddr"] = header(htype=32, hlen=0, chaddr=b"") + opt(53, b"\x01") \
        + opt(61, b"\xff" + bytes(range(20))) + END
    # --- malformed: one per family of drop reasons ---
    s["bad_truncated"] = header()[:239]
    s["bad_cookie"] = header()[:236] + b"\x63\x82\x53\x64" + opt(53, b"\x01") + END
    s["bad_bootreply_ack"] = header(op=2) + opt(53, b"\x05") + END
    s["bad_hlen"] = header(hlen=7) + opt(53, b"\x01") + END
    s["bad_option_overrun"] = header() + opt(53, b"\x01") + bytes([12, 40]) + b"short"
    s["bad_overload_loop"] = header(file=opt(52, b"\x02") + END) + opt(53, b"\x01") \
        + opt(52, b"\x01") + END
    s["bad_overload_value"] = header() + opt(53, b"\x01") + opt(52, b"\x04") + END
    s["bad_missing_type"] = header() + HOST + END
    s["bad_duplicate_type"] = header() + opt(53, b"\x01") + opt(53, b"\x03") + END
    s["bad_unknown_type"] = header() + opt(53, b"\x0a") + END
    s["bad_client_id"] = header() + opt(53, b"\x01") + opt(61, b"\x01") + END
    s["bad_opt82_overrun"] = header(giaddr=0xC6121401) + opt(53, b"\x01") \
        + opt(82, opt(1, b"x") + b"\x02\x09abc") + END
    return s


def main():
    out = pathlib.Path(sys.argv[1]) if len(sys.argv) > 1 else \
        pathlib.Path(__file__).resolve().parent / "corpus" / "fuzz_dhcp_message"
    out.mkdir(parents=True, exist_ok=True)
    for name, payload in sorted(seeds().items()):
        (out / name).write_bytes(payload)
    print(f"wrote {len(seeds())} seeds to {out}")


if __name__ == "__main__":
    main()
