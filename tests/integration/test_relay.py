"""A real relay agent (ISC dhcrelay -a) between a client link and the
server's link: the client gets an address from the relayed subnet chosen by
giaddr (RFC 2131 §4.3.1), the server answers giaddr:67 at the relay's MAC
(§4.1) and echoes option 82 unchanged (RFC 3046 §2.2)."""
from scapy.layers.dhcp import BOOTP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from lab_helpers import SERVER_IP, counters_text, direct_config, in_range, leases_of, need, option
from lab_helpers import srv

RELAY_UP = "198.18.0.2"
RELAY_DOWN = "198.18.4.1"
RELAYED_POOL = ("198.18.4.10", "198.18.4.250")


def test_client_behind_dhcrelay_gets_relayed_subnet_and_option82_echoed(lab):
    need("dhcrelay", "dhclient", "tcpdump")
    server_ns, relay_ns, client_ns = (lab.namespace(t) for t in ("srv", "rly", "cli"))
    server_if, up_if = lab.veth(server_ns, relay_ns, tags=("s", "u"))
    down_if, client_if = lab.veth(relay_ns, client_ns, tags=("d", "c"))
    relay_ns.add_addr(up_if, f"{RELAY_UP}/24")
    relay_ns.add_addr(down_if, f"{RELAY_DOWN}/24")

    relayed = srv.subnet(2, "198.18.4.0/24", RELAYED_POOL, relay=[RELAY_DOWN],
                         routers=RELAY_DOWN, dns=SERVER_IP)
    server = lab.server(server_ns, direct_config(srv.af_packet_port(server_if),
                                                 extra_subnets=[relayed]))
    cap = lab.capture(relay_ns, up_if, "upstream", bpf="udp port 67")
    lab.relay(relay_ns, down_if, up_if, SERVER_IP)
    client = lab.dhclient(client_ns, client_if)
    client.obtain()
    cap.stop()

    bound = client.wait_for("BOUND", 1)
    assert in_range(bound["ip"], *RELAYED_POOL), bound
    assert bound["routers"] == RELAY_DOWN
    assert bound["mask"] == "255.255.255.0"

    relay_mac = relay_ns.mac(up_if)
    packets = [p for p in cap.packets() if p.haslayer(BOOTP)]
    to_server = {p[BOOTP].xid: p for p in packets
                 if p[IP].src == RELAY_UP and p[IP].dst == SERVER_IP and p[BOOTP].op == 1}
    replies = [p for p in packets if p[IP].src == SERVER_IP and p[BOOTP].op == 2]
    assert to_server and replies, [p.summary() for p in packets]
    for reply in replies:
        assert reply[IP].dst == RELAY_DOWN, reply.summary()  # giaddr
        assert reply[UDP].dport == 67 and reply[UDP].sport == 67
        assert reply[Ether].dst == relay_mac
        assert reply[BOOTP].giaddr == RELAY_DOWN
        request = to_server[reply[BOOTP].xid]
        sent82 = option(bytes(request[BOOTP]), 82)
        assert sent82 is not None, "dhcrelay -a sent no option 82"
        # Sub-option 1, the agent circuit-id, is the relay's interface name.
        assert sent82[0] == 1 and sent82[2:2 + sent82[1]] == down_if.encode()
        assert option(bytes(reply[BOOTP]), 82) == sent82, reply.summary()

    result = server.stop()
    mac = client_ns.mac(client_if)
    mine = leases_of(result, mac)
    assert [(lease.address, lease.subnet_id) for lease in mine] == [(bound["ip"], 2)]
    assert result.total("pkt4-ack-sent") >= 1, counters_text(result)
