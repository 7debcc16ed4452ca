#!/usr/bin/env python3
"""DHCPv4 request streams as pcap files, for Pktgen-DPDK, tcpreplay, DPDK's
net_pcap PMD or any other replayer. Python 3 standard library only.

Writes DISCOVER, REQUEST or DISCOVER+REQUEST ("dora") frames for N distinct
clients, as a directly attached client sends them (0.0.0.0:68 ->
255.255.255.255:67, RFC 2131 §4.1) or as a relay agent forwards them (giaddr,
hops 1, unicast giaddr:67 -> server:67, option 82 with a circuit-id and a
remote-id per client, RFC 3046), untagged, 802.1Q-tagged or QinQ (802.1ad
S-tag over an 802.1Q C-tag). IPv4 header and UDP checksums are computed.

Client i has MAC base+i, xid xid_base+i and, when --first-address is given,
the planned address first+i: its DISCOVER asks for that address (option 50,
which a server may honour, §4.3.1) and its REQUEST is the SELECTING-state
REQUEST for it (options 50 and 54, same xid, ciaddr 0, §4.3.2). A stream of
REQUESTs alone is therefore answered with ACKs by a server whose pool holds
those addresses (the first pass grants them, later passes renew them).

  dhcp_pcap.py --clients 1000 --kind discover -o discover.pcap
  dhcp_pcap.py --clients 1000 --kind request --first-address 198.18.1.0 -o request.pcap
  dhcp_pcap.py --clients 1000 --kind dora --first-address 198.18.1.0 --vlan 100 \\
      --outer-vlan 200 -o dora-qinq.pcap
  dhcp_pcap.py --clients 1000 --kind discover --relay 198.18.64.1 \\
      --server-mac 02:dd:00:00:00:01 -o discover-relay.pcap
"""
from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import struct
import sys
from typing import Iterable, Iterator

# --- constants (RFC 2131 §2, RFC 2132, RFC 3046, IEEE 802.1Q/802.1ad) -------

ETH_IPV4 = 0x0800
TPID_8021Q = 0x8100
TPID_8021AD = 0x88A8
BOOTREQUEST = 1
HTYPE_ETHERNET = 1
MAGIC_COOKIE = 0x63825363
BROADCAST_FLAG = 0x8000  # §2: the client cannot receive unicast before it has an address
DHCPDISCOVER, DHCPREQUEST = 1, 3
OPT_REQUESTED_IP, OPT_MSG_TYPE, OPT_SERVER_ID, OPT_PRL = 50, 53, 54, 55
OPT_MAX_SIZE, OPT_CLIENT_ID, OPT_RELAY_AGENT, OPT_END = 57, 61, 82, 255
RAI_CIRCUIT_ID, RAI_REMOTE_ID = 1, 2
# dhclient's parameter request list (subnet mask, routers, DNS, domain name,
# broadcast, lease/renew/rebind times): what real CPE traffic asks for.
DEFAULT_PRL = bytes([1, 3, 6, 15, 28, 51, 58, 59])
BOOTP_MIN = 300  # RFC 1542 §2.1 / what dhclient pads to: 342-byte frames untagged
PCAP_MAGIC = 0xA1B2C3D4
LINKTYPE_ETHERNET = 1
KINDS = ("discover", "request", "dora")


class PcapError(ValueError):
    """Bad generator parameters or an unreadable pcap file."""


# --- small helpers ------------------------------------------------------------

def parse_mac(text: str) -> bytes:
    parts = text.replace("-", ":").split(":")
    if len(parts) != 6 or not all(len(p) in (1, 2) for p in parts):
        raise PcapError(f"not a MAC address: {text!r}")
    try:
        return bytes(int(p, 16) for p in parts)
    except ValueError as e:
        raise PcapError(f"not a MAC address: {text!r}") from e


def format_mac(mac: bytes) -> str:
    return ":".join(f"{b:02x}" for b in mac)


def client_mac(base: bytes, i: int) -> bytes:
    value = int.from_bytes(base, "big") + i
    if value >= 1 << 48:
        raise PcapError(f"client {i}: MAC base {format_mac(base)} + {i} overflows 48 bits")
    return value.to_bytes(6, "big")


def inet_checksum(data: bytes) -> int:
    """RFC 1071 one's-complement sum of 16-bit words, complemented."""
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack(f"!{len(data) // 2}H", data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def option(code: int, value: bytes) -> bytes:
    if len(value) > 255:
        raise PcapError(f"option {code}: value of {len(value)} bytes is longer than 255")
    return bytes([code, len(value)]) + value


# --- frame building ---------------------------------------------------------------

@dataclasses.dataclass
class StreamSpec:
    """What one pcap holds. Addresses are dotted-quad strings, MACs bytes."""
    clients: int
    kind: str = "discover"
    mac_base: bytes = bytes.fromhex("020000000000")
    xid_base: int = 0x10000000
    first_address: str | None = None   # planned address of client 0 (option 50)
    server_ip: str = "198.18.0.1"      # option 54 of REQUESTs; IP destination when relayed
    server_mac: bytes = b"\xff" * 6    # Ethernet destination when relayed
    vlan: int | None = None            # 802.1Q C-tag
    outer_vlan: int | None = None      # 802.1ad S-tag (QinQ); needs vlan
    outer_tpid: int = TPID_8021AD
    relay: str | None = None           # giaddr: frames come from a relay agent
    relay_mac: bytes = bytes.fromhex("025200000001")
    circuit_id: str = "port-{i}"       # option 82 sub-option 1, str.format(i=, mac=)
    remote_id: str = "cpe-{mac}"       # option 82 sub-option 2; "" leaves it out
    client_id: bool = False            # option 61: type 1 + MAC (RFC 2132 §9.14)
    broadcast_flag: bool = False
    prl: bytes = DEFAULT_PRL
    min_bootp: int = BOOTP_MIN

    def validate(self) -> None:
        if self.clients < 1:
            raise PcapError("--clients must be at least 1")
        if self.kind not in KINDS:
            raise PcapError(f"--kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.kind != "discover" and self.first_address is None:
            raise PcapError(f"--kind {self.kind} needs --first-address: a REQUEST names the "
                            "address it asks for (option 50)")
        if self.first_address is not None:
            last = ipaddress.IPv4Address(self.first_address) + (self.clients - 1)
            if last.is_multicast or last == ipaddress.IPv4Address("255.255.255.255"):
                raise PcapError(f"planned addresses run past unicast space ({last})")
        if self.outer_vlan is not None and self.vlan is None:
            raise PcapError("--outer-vlan (QinQ S-tag) needs --vlan (the C-tag)")
        for name, vid in (("vlan", self.vlan), ("outer-vlan", self.outer_vlan)):
            if vid is not None and not 1 <= vid <= 4094:
                raise PcapError(f"--{name} {vid} is not a VLAN id (1-4094)")
        if not 0 <= self.xid_base <= 0xFFFFFFFF:
            raise PcapError("--xid-base must fit 32 bits")
        if self.mac_base[0] & 1:
            raise PcapError(f"MAC base {format_mac(self.mac_base)} is a multicast address")
        last = client_mac(self.mac_base, self.clients - 1)
        if last[0] != self.mac_base[0]:
            # The first octet holds the multicast and locally-administered bits.
            raise PcapError(f"{self.clients} clients from MAC base {format_mac(self.mac_base)} "
                            f"run to {format_mac(last)}, which changes the first octet")
        ipaddress.IPv4Address(self.server_ip)
        if self.relay is not None:
            ipaddress.IPv4Address(self.relay)


def planned_address(spec: StreamSpec, i: int) -> ipaddress.IPv4Address | None:
    if spec.first_address is None:
        return None
    return ipaddress.IPv4Address(spec.first_address) + i


def agent_information(spec: StreamSpec, i: int, mac: bytes) -> bytes:
    """Option 82 (RFC 3046 §2.0): circuit-id and remote-id sub-options."""
    fields = {"i": i, "mac": format_mac(mac).replace(":", "")}
    sub = b""
    circuit = spec.circuit_id.format(**fields).encode()
    if not circuit:
        raise PcapError("--circuit-id expands to nothing; a relay agent always sends one")
    sub += bytes([RAI_CIRCUIT_ID, len(circuit)]) + circuit
    if spec.remote_id:
        remote = spec.remote_id.format(**fields).encode()
        sub += bytes([RAI_REMOTE_ID, len(remote)]) + remote
    return option(OPT_RELAY_AGENT, sub)


def bootp_message(spec: StreamSpec, i: int, msg_type: int) -> bytes:
    """A BOOTREQUEST carrying one DHCP message of client i (RFC 2131 §2)."""
    mac = client_mac(spec.mac_base, i)
    xid = (spec.xid_base + i) & 0xFFFFFFFF
    flags = BROADCAST_FLAG if spec.broadcast_flag else 0
    hops = 1 if spec.relay else 0  # RFC 1542 §4.1.1: the relay increments hops
    giaddr = ipaddress.IPv4Address(spec.relay or "0.0.0.0").packed
    header = struct.pack("!BBBBIHH4s4s4s4s16s64s128s", BOOTREQUEST, HTYPE_ETHERNET, 6, hops,
                         xid, 0, flags, b"\0" * 4, b"\0" * 4, b"\0" * 4, giaddr,
                         mac + b"\0" * 10, b"", b"")
    opts = option(OPT_MSG_TYPE, bytes([msg_type]))
    if spec.client_id:
        opts += option(OPT_CLIENT_ID, bytes([HTYPE_ETHERNET]) + mac)
    address = planned_address(spec, i)
    if address is not None:
        opts += option(OPT_REQUESTED_IP, address.packed)
    if msg_type == DHCPREQUEST:
        # §4.3.2 SELECTING: server identifier of the chosen server, ciaddr 0.
        opts += option(OPT_SERVER_ID, ipaddress.IPv4Address(spec.server_ip).packed)
    opts += option(OPT_MAX_SIZE, struct.pack("!H", 1500))
    opts += option(OPT_PRL, spec.prl)
    if spec.relay:
        # RFC 3046 §2.1: the relay agent appends option 82 last, before End.
        opts += agent_information(spec, i, mac)
    opts += bytes([OPT_END])
    message = header + struct.pack("!I", MAGIC_COOKIE) + opts
    if len(message) < spec.min_bootp:
        message += b"\0" * (spec.min_bootp - len(message))
    return message


def udp_ipv4(src: str, dst: str, sport: int, dport: int, payload: bytes, ident: int) -> bytes:
    """IPv4 (no options, TTL 64, DF clear) + UDP with both checksums."""
    s, d = ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed
    udp_len = 8 + len(payload)
    pseudo = s + d + struct.pack("!BBH", 0, 17, udp_len)
    udp = struct.pack("!HHHH", sport, dport, udp_len, 0) + payload
    csum = inet_checksum(pseudo + udp)
    udp = udp[:6] + struct.pack("!H", csum or 0xFFFF) + udp[8:]  # RFC 768: 0 means "none"
    total = 20 + udp_len
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, total, ident & 0xFFFF, 0, 64, 17, 0, s, d)
    ip = ip[:10] + struct.pack("!H", inet_checksum(ip)) + ip[12:]
    return ip + udp


def ethernet(spec: StreamSpec, dst: bytes, src: bytes) -> bytes:
    head = dst + src
    if spec.outer_vlan is not None:
        head += struct.pack("!HH", spec.outer_tpid, spec.outer_vlan)
    if spec.vlan is not None:
        head += struct.pack("!HH", TPID_8021Q, spec.vlan)
    return head + struct.pack("!H", ETH_IPV4)


def frame(spec: StreamSpec, i: int, msg_type: int) -> bytes:
    """The frame client i's DHCP message of msg_type travels in."""
    bootp = bootp_message(spec, i, msg_type)
    ident = i * 2 + (msg_type == DHCPREQUEST)
    if spec.relay:
        l3 = udp_ipv4(spec.relay, spec.server_ip, 67, 67, bootp, ident)
        return ethernet(spec, spec.server_mac, spec.relay_mac) + l3
    l3 = udp_ipv4("0.0.0.0", "255.255.255.255", 68, 67, bootp, ident)
    return ethernet(spec, b"\xff" * 6, client_mac(spec.mac_base, i)) + l3


def frames(spec: StreamSpec) -> Iterator[bytes]:
    """DISCOVERs, REQUESTs, or for "dora" client i's DISCOVER then its REQUEST."""
    spec.validate()
    for i in range(spec.clients):
        if spec.kind in ("discover", "dora"):
            yield frame(spec, i, DHCPDISCOVER)
        if spec.kind in ("request", "dora"):
            yield frame(spec, i, DHCPREQUEST)


# --- pcap files (libpcap classic format, microsecond timestamps) -------------------

def write_pcap(path: str, packets: Iterable[bytes], rate: float | None = None) -> int:
    """Writes packets; timestamps 1/rate apart (1 µs apart without a rate).
    Returns the number written."""
    step_us = 1.0 if not rate else 1e6 / rate
    count = 0
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", PCAP_MAGIC, 2, 4, 0, 0, 65535, LINKTYPE_ETHERNET))
        for n, pkt in enumerate(packets):
            t = int(n * step_us)
            f.write(struct.pack("<IIII", t // 1_000_000, t % 1_000_000, len(pkt), len(pkt)))
            f.write(pkt)
            count += 1
    return count


def read_pcap(path: str) -> list[bytes]:
    """The frames of a classic pcap file (either byte order, µs or ns)."""
    with open(path, "rb") as f:
        data = f.read()
    if len(data) < 24:
        raise PcapError(f"{path}: {len(data)} bytes, shorter than a pcap header")
    magic_le = struct.unpack("<I", data[:4])[0]
    if magic_le in (0xA1B2C3D4, 0xA1B23C4D):
        endian = "<"
    elif magic_le in (0xD4C3B2A1, 0x4D3CB2A1):
        endian = ">"
    else:
        raise PcapError(f"{path}: not a classic pcap file (magic {magic_le:#010x})")
    linktype = struct.unpack(endian + "I", data[20:24])[0]
    if linktype != LINKTYPE_ETHERNET:
        raise PcapError(f"{path}: link type {linktype}, want Ethernet (1)")
    out, pos = [], 24
    while pos < len(data):
        if pos + 16 > len(data):
            raise PcapError(f"{path}: truncated record header at byte {pos}")
        _, _, incl, _ = struct.unpack(endian + "IIII", data[pos:pos + 16])
        pos += 16
        if pos + incl > len(data):
            raise PcapError(f"{path}: truncated record at byte {pos}")
        out.append(data[pos:pos + incl])
        pos += incl
    return out


# --- command line ----------------------------------------------------------------

def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        description="Write DHCPv4 DISCOVER/REQUEST streams for N distinct clients to a pcap "
                    "file (plain, 802.1Q, QinQ, relayed with option 82).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("-o", "--output", required=True, help="pcap file to write")
    p.add_argument("--clients", type=int, required=True, help="distinct clients (MACs)")
    p.add_argument("--kind", choices=KINDS, default="discover",
                   help="DISCOVERs, SELECTING REQUESTs, or each client's DISCOVER then REQUEST")
    p.add_argument("--first-address", help="planned address of client 0 (client i: +i); "
                   "DISCOVERs ask for it, REQUESTs request it. Needed for request/dora")
    p.add_argument("--server-ip", default="198.18.0.1",
                   help="server identifier (option 54) and, relayed, the IP destination")
    p.add_argument("--server-mac", default="ff:ff:ff:ff:ff:ff",
                   help="Ethernet destination of relayed frames (the server port's MAC)")
    p.add_argument("--mac-base", default="02:00:00:00:00:00", help="MAC of client 0")
    p.add_argument("--xid-base", type=lambda s: int(s, 0), default=0x10000000,
                   help="xid of client 0 (client i: +i)")
    p.add_argument("--vlan", type=int, help="802.1Q C-tag VLAN id")
    p.add_argument("--outer-vlan", type=int, help="QinQ S-tag VLAN id (needs --vlan)")
    p.add_argument("--outer-tpid", type=lambda s: int(s, 0), default=TPID_8021AD,
                   help="S-tag TPID (0x88a8; some access gear uses 0x8100 or 0x9100)")
    p.add_argument("--relay", metavar="GIADDR",
                   help="relayed frames: giaddr, hops 1, GIADDR:67 -> server:67, option 82")
    p.add_argument("--relay-mac", default="02:52:00:00:00:01", help="the relay's MAC")
    p.add_argument("--circuit-id", default="port-{i}",
                   help="option 82 circuit-id, with {i} (client index) and {mac}")
    p.add_argument("--remote-id", default="cpe-{mac}",
                   help="option 82 remote-id ({i}, {mac}); empty: none")
    p.add_argument("--client-id", action="store_true",
                   help="send option 61 (type 1 + MAC)")
    p.add_argument("--broadcast-flag", action="store_true",
                   help="set the BOOTP broadcast flag (clients that cannot take unicast)")
    p.add_argument("--rate", type=float,
                   help="frames/s encoded in the pcap timestamps (for timestamp-honouring "
                        "replayers; Pktgen-DPDK sends at its own rate)")
    return p


def spec_from_args(args: argparse.Namespace) -> StreamSpec:
    return StreamSpec(
        clients=args.clients, kind=args.kind, mac_base=parse_mac(args.mac_base),
        xid_base=args.xid_base, first_address=args.first_address, server_ip=args.server_ip,
        server_mac=parse_mac(args.server_mac), vlan=args.vlan, outer_vlan=args.outer_vlan,
        outer_tpid=args.outer_tpid, relay=args.relay, relay_mac=parse_mac(args.relay_mac),
        circuit_id=args.circuit_id, remote_id=args.remote_id, client_id=args.client_id,
        broadcast_flag=args.broadcast_flag)


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        spec = spec_from_args(args)
        spec.validate()
        n = write_pcap(args.output, frames(spec), args.rate)
    except (PcapError, ValueError, KeyError, IndexError) as e:
        # KeyError/IndexError: a bad {field} in --circuit-id / --remote-id.
        print(f"dhcp_pcap: {e}", file=sys.stderr)
        return 2
    tags = ("QinQ " if spec.outer_vlan else "802.1Q " if spec.vlan else "")
    mode = f"relayed via {spec.relay}" if spec.relay else "direct"
    print(f"dhcp_pcap: wrote {n} {tags}{mode} {spec.kind} frames for {spec.clients} clients "
          f"to {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
