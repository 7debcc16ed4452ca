"""ISC dhclient against dpdhcpd on a directly attached link: DORA with the
configured options, renewal at T1 (unicast, so it needs the server's ARP
reply), DHCPRELEASE, and INIT-REBOOT with a kept lease file."""
from lab_helpers import POOL, SERVER_IP, DOMAIN, counters_text, direct_config, in_range, \
    leases_of, need


def start(lab, **cfg):
    need("dhclient")
    link = lab.direct_link()
    server = lab.server(link.server_ns, direct_config(link.port(), **cfg))
    client = lab.dhclient(link.client_ns, link.client_if)
    return link, server, client


def test_dora_gets_configured_address_and_options(lab):
    link, server, client = start(lab, valid=600)
    client.obtain()
    bound = client.wait_for("BOUND", 1)
    assert in_range(bound["ip"], *POOL), bound
    assert bound["mask"] == "255.255.255.0"
    assert bound["routers"] == SERVER_IP
    assert bound["dns"] == SERVER_IP
    assert bound["domain"] == DOMAIN
    assert bound["lease"] == "600"
    assert bound["server"] == SERVER_IP
    assert client.addresses() == [f"{bound['ip']}/24"]
    # dpdhcpd answers ARP and ICMP echo for its own address itself.
    ping = link.client_ns.run(["ping", "-c", "2", "-i", "0.2", "-W", "2", SERVER_IP], check=False)
    assert ping.returncode == 0, ping.stdout + ping.stderr

    result = server.stop()
    assert result.returncode == 0
    mac = link.client_ns.mac(link.client_if)
    mine = leases_of(result, mac)
    assert [(lease.address, lease.state, lease.subnet_id) for lease in mine] == \
        [(bound["ip"], 0, 1)], result.leases
    assert mine[0].valid_lifetime == 600
    for name in ("pkt4-discover-received", "pkt4-offer-sent", "pkt4-request-received",
                 "pkt4-ack-sent", "arp-reply-sent", "icmp-echo-reply-sent"):
        assert result.total(name) >= 1, f"{name}\n{counters_text(result)}"
    assert result.total("pkt4-nak-sent") == 0, counters_text(result)


def test_renews_at_t1_by_unicast(lab):
    link, server, client = start(lab, valid=30, renew=10, rebind=20)
    client.obtain()
    bound = client.wait_for("BOUND", 1)
    assert bound["renew"] in ("10", ""), bound  # dhclient shows T1 when the server sends it
    n = len(client.events())
    renewed = client.wait_for(("RENEW", "REBIND", "EXPIRE", "FAIL"), 25, after=n)
    assert renewed["reason"] == "RENEW", client.reasons()
    assert renewed["ip"] == bound["ip"]
    # A unicast renewal needed the server's MAC: its ARP reply is in the cache.
    server_mac = link.server_ns.mac(link.server_if)
    neigh = {e["dst"]: e.get("lladdr") for e in link.client_ns.neighbours(link.client_if)}
    assert neigh.get(SERVER_IP) == server_mac, neigh

    result = server.stop()
    assert result.total("pkt4-request-received") >= 2, counters_text(result)
    assert result.total("pkt4-ack-sent") >= 2, counters_text(result)
    assert result.total("arp-reply-sent") >= 1, counters_text(result)
    assert [lease.address for lease in leases_of(result, link.client_ns.mac(link.client_if))] \
        == [bound["ip"]]


def test_release_frees_the_lease(lab):
    link, server, client = start(lab)
    client.obtain()
    bound = client.wait_for("BOUND", 1)
    res = client.release()
    assert res.returncode == 0, res.stderr
    assert "RELEASE" in client.reasons()
    assert client.addresses() == []

    result = server.stop()
    mac = link.client_ns.mac(link.client_if)
    assert leases_of(result, mac) == [], (bound, result.leases)
    assert result.total("pkt4-release-received") == 1, counters_text(result)


def test_restart_with_lease_file_init_reboots_to_same_address(lab):
    link, server, client = start(lab)
    client.obtain()
    first = client.wait_for("BOUND", 1)
    client.stop_keep()
    assert "STOP" in client.reasons()
    n = len(client.events())
    client.obtain()
    again = client.wait_for(("REBOOT", "BOUND"), 1, after=n)
    assert again["reason"] == "REBOOT", client.reasons()
    assert again["ip"] == first["ip"]

    result = server.stop()
    # The restart went straight to a REQUEST (dhclient's REBOOT) and got an ACK.
    assert result.total("pkt4-request-received") >= 2, counters_text(result)
    assert result.total("pkt4-ack-sent") >= 2, counters_text(result)
    assert result.total("pkt4-nak-sent") == 0, counters_text(result)
    assert [lease.address for lease in leases_of(result, link.client_ns.mac(link.client_if))] \
        == [first["ip"]]
