"""Malformed and misdirected frames, crafted with scapy and sent from the
client namespace: each lands on its named drop counter, none changes a
lease, and a real client still gets served afterwards (DESIGN.md §5.4)."""
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether
from scapy.packet import Raw

from lab_helpers import POOL, SERVER_IP, counters_text, direct_config, in_range, labkit, need

BROADCAST = "ff:ff:ff:ff:ff:ff"
GIANT_MTU = 9000


def discover(mac, *, options=None, op=1, sport=68, dport=67, dst_ip="255.255.255.255",
             src_ip="0.0.0.0", file=b"", ip_kw=None, udp_kw=None):
    chaddr = bytes.fromhex(mac.replace(":", ""))
    opts = options if options is not None else [("message-type", "discover"), "end"]
    return (Ether(src=mac, dst=BROADCAST) / IP(src=src_ip, dst=dst_ip, **(ip_kw or {})) /
            UDP(sport=sport, dport=dport, **(udp_kw or {})) /
            BOOTP(op=op, chaddr=chaddr, xid=0x5EED0000 | int(mac[-2:], 16), flags=0x8000,
                  file=file) / DHCP(options=opts))


def with_raw_udp_payload(mac, payload):
    return (Ether(src=mac, dst=BROADCAST) / IP(src="0.0.0.0", dst="255.255.255.255") /
            UDP(sport=68, dport=67) / Raw(payload))


def corrupt_udp_checksum(frame):
    f = Ether(bytes(frame))  # checksums computed
    f[UDP].chksum ^= 0x5A5A
    return f


def giant_discover(mac, frame_size):
    """A DISCOVER padded with option 224 (site-specific) to frame_size bytes."""
    options = [("message-type", "discover")]
    frame = discover(mac, options=options + ["end"])
    missing = frame_size - len(frame)
    while missing > 0:
        chunk = min(255, missing - 2)
        options.append((224, b"\x00" * max(chunk, 0)))
        missing -= 2 + max(chunk, 0)
    return discover(mac, options=options + ["end"])


def malformed_frames():
    """(what, expected drop counter, frame bytes); MACs 02:bd:00:00:00:xx."""
    mac = "02:bd:00:00:00:{:02x}".format
    ip_len = len(discover(mac(0))[IP])
    cases = [
        ("truncated DHCP payload", "drop-dhcp-truncated",
         with_raw_udp_payload(mac(1), bytes(discover(mac(1))[BOOTP])[:100])),
        ("IP total length past the frame", "drop-bad-ip-total-length",
         discover(mac(2), ip_kw={"len": ip_len + 200})),
        ("bad IP header checksum", "drop-bad-ip-checksum",
         discover(mac(3), ip_kw={"chksum": 0x1234})),
        ("bad UDP checksum", "drop-bad-udp-checksum", corrupt_udp_checksum(discover(mac(4)))),
        ("UDP length past the IP payload", "drop-bad-udp-length",
         discover(mac(5), udp_kw={"len": ip_len - 20 + 64, "chksum": 0})),
        # Option 52 = 1: more options in 'file'; 'file' holds option 52 again.
        ("option overload loop", "drop-dhcp-overload-loop",
         discover(mac(6), options=[("message-type", "discover"), (52, b"\x01"), "end"],
                  file=b"\x34\x01\x01\xff")),
        ("no message type", "drop-dhcp-missing-message-type",
         discover(mac(7), options=[("hostname", b"nomsgtype"), "end"])),
        ("DHCPOFFER aimed at port 67", "drop-dhcp-server-message",
         discover(mac(9), op=2, sport=67, options=[("message-type", "offer"), "end"])),
        ("BOOTREPLY to the server's address", "drop-dhcp-server-message",
         discover(mac(10), op=2, sport=67, dst_ip=SERVER_IP, src_ip="198.18.0.77",
                  options=[("message-type", "ack"), "end"])),
    ]
    return [(what, counter, bytes(frame)) for what, counter, frame in cases]


def test_malformed_frames_land_on_named_counters_and_change_no_lease(lab):
    need("udhcpc")
    link = lab.direct_link()
    server = lab.server(link.server_ns, direct_config(link.port()))

    before = lab.udhcpc(link.client_ns, link.client_if, name="udhcpc-before")
    before.oneshot()
    first = before.wait_for("bound", 1)
    before_mac = link.client_ns.mac(link.client_if)

    frames = malformed_frames()
    labkit.capture.send_frames(link.client_ns, link.client_if, [raw for _, _, raw in frames],
                               workdir=lab.workdir)

    # A second real client, on its own MAC, is still served.
    after_if = link.client_ns.add_macvlan(link.client_if)
    after = lab.udhcpc(link.client_ns, after_if, name="udhcpc-after")
    after.oneshot()
    second = after.wait_for("bound", 1)
    assert in_range(second["ip"], *POOL) and second["ip"] != first["ip"]

    result = server.stop()
    detail = counters_text(result)
    expected = {}
    for _, counter, _ in frames:
        expected[counter] = expected.get(counter, 0) + 1
    for counter, count in expected.items():
        names = [n for n, c, _ in frames if c == counter]
        assert result.total(counter) == count, f"{names} -> {counter}\n{detail}"
    # No lease but the two real clients'.
    assert sorted((lease.hwaddr, lease.address) for lease in result.leases) == sorted(
        [(before_mac, first["ip"]), (link.client_ns.mac(after_if), second["ip"])]), result.leases
    assert result.total("pkt4-ack-sent") >= 2, detail


def test_giant_frame_is_dropped_as_oversized(lab):
    """A 9,014-byte frame (jumbo MTU on the wire) into a port with the
    default 1,500-byte MTU."""
    need("udhcpc")
    link = lab.direct_link(mtu=GIANT_MTU)
    server = lab.server(link.server_ns, direct_config(link.port()))
    giant = bytes(giant_discover("02:bd:00:00:01:01", GIANT_MTU + 14))
    assert len(giant) == GIANT_MTU + 14
    labkit.capture.send_frames(link.client_ns, link.client_if, [giant], workdir=lab.workdir)
    client = lab.udhcpc(link.client_ns, link.client_if)
    client.oneshot()
    bound = client.wait_for("bound", 1)

    result = server.stop()
    detail = counters_text(result)
    assert result.total("drop-oversized-frame") == 1, detail
    assert [(lease.hwaddr, lease.address) for lease in result.leases] == \
        [(link.client_ns.mac(link.client_if), bound["ip"])], result.leases
