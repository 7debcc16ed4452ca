"""busybox udhcpc (USR1 renew, USR2 release) and dhcpcd (-n renew,
-k release) against dpdhcpd: lease, renewal, release."""
from lab_helpers import POOL, SERVER_IP, counters_text, direct_config, in_range, leases_of, need


def test_udhcpc_lease_renew_release(lab):
    need("udhcpc")
    link = lab.direct_link()
    server = lab.server(link.server_ns, direct_config(link.port(), valid=120))
    client = lab.udhcpc(link.client_ns, link.client_if).start()
    bound = client.wait_for("bound", 20)
    assert in_range(bound["ip"], *POOL), bound
    assert bound["routers"] == SERVER_IP and bound["dns"] == SERVER_IP
    assert bound["lease"] == "120" and bound["server"] == SERVER_IP
    assert client.addresses() == [f"{bound['ip']}/24"]

    n = len(client.events())
    client.renew()  # a unicast REQUEST from the bound address
    renewed = client.wait_for("renew", 15, after=n)
    assert renewed["ip"] == bound["ip"]
    assert renewed["lease"] == "120"

    n = len(client.events())
    client.release()
    client.wait_for("deconfig", 10, after=n)
    result = server.stop()
    mac = link.client_ns.mac(link.client_if)
    assert leases_of(result, mac) == [], result.leases
    assert result.total("pkt4-release-received") == 1, counters_text(result)
    assert result.total("pkt4-ack-sent") >= 2, counters_text(result)


def test_dhcpcd_lease_renew_release(lab):
    need("dhcpcd")
    link = lab.direct_link()
    server = lab.server(link.server_ns, direct_config(link.port(), valid=120))
    client = lab.dhcpcd(link.client_ns, link.client_if).start()
    bound = client.wait_for("BOUND", 1)
    assert in_range(bound["ip"], *POOL), bound
    assert bound["routers"] == SERVER_IP and bound["dns"] == SERVER_IP
    assert bound["lease"] == "120"
    assert f"{bound['ip']}/24" in client.addresses()

    n = len(client.events())
    res = client.renew()
    assert res.returncode == 0, res.stderr
    renewed = client.wait_for(("RENEW", "REBIND", "REBOOT", "BOUND", "EXPIRE", "NAK"), 20, after=n)
    assert renewed["reason"] in ("RENEW", "REBOOT", "BOUND"), client.reasons()
    assert renewed["ip"] == bound["ip"]

    # dhcpcd unicasts its RELEASE and removes the address at once: with no
    # neighbour entry for the server yet (its -n rebind was broadcast), the
    # RELEASE waiting for ARP resolution is sometimes lost with the address.
    # Resolve the server first (dpdhcpd answers ARP and echo itself).
    ping = link.client_ns.run(["ping", "-c", "1", "-W", "2", SERVER_IP], check=False)
    assert ping.returncode == 0, ping.stdout + ping.stderr
    n = len(client.events())
    res = client.release()
    assert res.returncode == 0, res.stderr
    client.wait_for(("RELEASE", "STOP"), 10, after=n)
    result = server.stop()
    mac = link.client_ns.mac(link.client_if)
    assert leases_of(result, mac) == [], result.leases
    assert result.total("pkt4-release-received") == 1, counters_text(result)
    assert result.total("pkt4-ack-sent") >= 2, counters_text(result)
