"""Three interfaces on one port, told apart by their tags: untagged, 802.1Q
VLAN 100, and QinQ (802.1ad S-tag 200 over C-tag 100), each with its own
subnet. Clients behind each get an address from their own subnet."""
import ipaddress

from lab_helpers import counters_text, leases_of, need, srv

NETS = {  # interface: (server address, subnet id, subnet, pool)
    "lab0": ("198.18.0.1", 1, "198.18.0.0/24", ("198.18.0.100", "198.18.0.250")),
    "vlan100": ("198.18.1.1", 2, "198.18.1.0/24", ("198.18.1.100", "198.18.1.250")),
    "qinq200-100": ("198.18.2.1", 3, "198.18.2.0/24", ("198.18.2.100", "198.18.2.250")),
}
TAGS = {"lab0": {}, "vlan100": {"vlan": 100}, "qinq200-100": {"vlan": 100, "outer_vlan": 200}}


def test_untagged_vlan_and_qinq_clients_get_their_own_subnets(lab):
    need("udhcpc")
    link = lab.direct_link()
    port = link.port()
    interfaces = [srv.interface(name, port, f"{address}/24", **TAGS[name])
                  for name, (address, _, _, _) in NETS.items()]
    subnets = [srv.subnet(sid, net, pool, interface=name, routers=address)
               for name, (address, sid, net, pool) in NETS.items()]
    server = lab.server(link.server_ns, srv.config(interfaces, subnets))

    ns = link.client_ns
    links = {"lab0": link.client_if,
             "vlan100": ns.add_tagged_port(link.client_if, 100),
             "qinq200-100": ns.add_tagged_port(link.client_if, 100, outer_vid=200)}
    got = {}
    for name, ifname in links.items():
        client = lab.udhcpc(ns, ifname, name=f"udhcpc-{name}")
        client.oneshot()
        got[name] = client.wait_for("bound", 1)

    result = server.stop()
    for name, (address, sid, net, pool) in NETS.items():
        bound = got[name]
        assert ipaddress.ip_address(bound["ip"]) in ipaddress.ip_network(net), (name, bound)
        assert bound["routers"] == address, (name, bound)
        assert bound["server"] == address, (name, bound)
        mine = leases_of(result, ns.mac(links[name]))
        assert [(lease.address, lease.subnet_id) for lease in mine] == [(bound["ip"], sid)], \
            (name, result.leases)
    assert result.total("pkt4-ack-sent") >= 3, counters_text(result)
    assert result.total("drop-no-interface") == 0, counters_text(result)
