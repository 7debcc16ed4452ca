"""RFC 2131 §4.3.2: a client in INIT-REBOOT asking for an address on the
wrong network gets a DHCPNAK, restarts in INIT and gets a fresh lease."""
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP

from lab_helpers import POOL, SERVER_IP, counters_text, direct_config, in_range, leases_of, need

WRONG = "198.18.99.5"


def message_type(packet):
    for opt in packet[DHCP].options:
        if isinstance(opt, tuple) and opt[0] == "message-type":
            return opt[1]
    return None


def test_init_reboot_on_wrong_network_is_naked_then_rebinds_in_pool(lab):
    need("dhclient", "tcpdump")
    link = lab.direct_link()
    server = lab.server(link.server_ns, direct_config(link.port()))
    client = lab.dhclient(link.client_ns, link.client_if)
    client.seed_lease(WRONG, SERVER_IP)
    cap = lab.capture(link.client_ns, link.client_if, "client", bpf="udp port 67 or udp port 68")
    client.obtain()
    cap.stop()

    bound = client.wait_for("BOUND", 1)
    assert in_range(bound["ip"], *POOL), client.events()
    # On the wire: the INIT-REBOOT REQUEST for the wrong address, the NAK.
    packets = [p for p in cap.packets() if p.haslayer(DHCP)]
    requests = [p for p in packets if message_type(p) == 3 and p[BOOTP].op == 1
                and ("requested_addr", WRONG) in p[DHCP].options]
    naks = [p for p in packets if message_type(p) == 6 and p[IP].src == SERVER_IP]
    assert requests, [p.summary() for p in packets]
    assert naks, [p.summary() for p in packets]
    nak = naks[0]
    assert nak[UDP].sport == 67 and nak[UDP].dport == 68
    # RFC 2131 §4.1: giaddr 0 -> a DHCPNAK is broadcast.
    assert nak[IP].dst == "255.255.255.255"
    assert nak[BOOTP].xid == requests[0][BOOTP].xid
    assert nak[BOOTP].yiaddr == "0.0.0.0"

    result = server.stop()
    assert result.total("pkt4-nak-sent") >= 1, counters_text(result)
    mac = link.client_ns.mac(link.client_if)
    assert [lease.address for lease in leases_of(result, mac)] == [bound["ip"]]
    assert all(lease.address != WRONG for lease in result.leases)
