"""The operator control plane against the real server (docs/control.md):
dpdhcpctl over the control socket after real clients leased — pools, lease
lookups, deletion (the client's renewal is NAKed and it starts over), a
DECLINE in the declined gauge, statistics equal to what the clients sent,
Prometheus metrics accepted by promtool, DPDK telemetry under /dpdhcp/, and
config reloads: a broken file changes nothing, an added subnet is served at
once, leases survive."""
import json
import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from scapy.layers.dhcp import BOOTP, DHCP
from scapy.layers.inet import IP, UDP
from scapy.layers.l2 import Ether

from lab_helpers import POOL, SERVER_IP, direct_config, in_range, labkit, need, srv

N_CLIENTS = 3
POOL_TOTAL = 151  # 198.18.0.100 - 198.18.0.250
DECLINER = "02:dc:00:00:00:01"
RELAY_UP = "198.18.0.2"
RELAY_DOWN = "198.18.6.1"
RELAYED_POOL = ("198.18.6.10", "198.18.6.20")


def ctl_binary() -> Path:
    """dpdhcpctl next to the dpdhcpd under test (build/src/ctl/dpdhcpctl)."""
    return Path(os.environ.get("DPDHCPCTL") or
                labkit.server.binary_path().parents[1] / "ctl" / "dpdhcpctl")


class Ctl:
    def __init__(self, socket):
        self.socket = str(socket)

    def run(self, *args, check=True):
        res = subprocess.run([str(ctl_binary()), "--socket", self.socket, *args],
                             capture_output=True, text=True, timeout=30)
        if check and res.returncode != 0:
            raise AssertionError(f"dpdhcpctl {' '.join(args)} exited {res.returncode}:\n"
                                 f"{res.stdout}{res.stderr}")
        return res

    def json(self, *args, check=True):
        return json.loads(self.run("--json", *args, check=check).stdout)


def control_config(port, workdir, **kw):
    return direct_config(port, control_socket={"socket-type": "unix",
                                               "socket-name": str(workdir / "ctl.sock")}, **kw)


def pool_rows(ctl):
    rs = ctl.json("pools")["result-set"]
    return [dict(zip(rs["columns"], row)) for row in rs["rows"]]


def message_type(packet):
    for opt in packet[DHCP].options:
        if isinstance(opt, tuple) and opt[0] == "message-type":
            return opt[1]
    return None


def client_frame(mac, options, ciaddr="0.0.0.0"):
    chaddr = bytes.fromhex(mac.replace(":", ""))
    return (Ether(src=mac, dst="ff:ff:ff:ff:ff:ff") / IP(src="0.0.0.0", dst="255.255.255.255") /
            UDP(sport=68, dport=67) /
            BOOTP(op=1, chaddr=chaddr, ciaddr=ciaddr, xid=0xDEC1, flags=0x8000) /
            DHCP(options=options + ["end"]))


@pytest.fixture
def ctl_ready():
    need("udhcpc", "tcpdump")
    if not os.access(ctl_binary(), os.X_OK):
        pytest.skip(f"dpdhcpctl not found at {ctl_binary()} (or set $DPDHCPCTL)")


def test_pools_leases_stats_metrics_decline_delete_telemetry(lab, ctl_ready):
    link = lab.direct_link()
    server = lab.server(link.server_ns, control_config(link.port(), lab.workdir, valid=600))
    ctl = Ctl(lab.workdir / "ctl.sock")
    cap = lab.capture(link.client_ns, link.client_if, "clients", bpf="udp port 67 or udp port 68")

    # N real clients, each on its own MAC (a macvlan per extra client).
    ifs = [link.client_if] + [link.client_ns.add_macvlan(link.client_if)
                              for _ in range(N_CLIENTS - 1)]
    clients = [lab.udhcpc(link.client_ns, i, name=f"udhcpc{n}").start() for n, i in enumerate(ifs)]
    bound = [c.wait_for("bound", 20) for c in clients]
    macs = [link.client_ns.mac(i) for i in ifs]
    for b in bound:
        assert in_range(b["ip"], *POOL), b
    time.sleep(0.5)
    cap.stop()

    # pools: exactly N assigned in subnet 1, the right total.
    rows = pool_rows(ctl)
    assert [(r["subnet-id"], r["total-addresses"], r["assigned-addresses"],
             r["declined-addresses"], r["free-addresses"]) for r in rows] == \
        [(1, POOL_TOTAL, N_CLIENTS, 0, POOL_TOTAL - N_CLIENTS)], rows
    screen = ctl.run("pools").stdout
    assert "198.18.0.100" in screen and all(len(line) <= 80 for line in screen.splitlines()), screen

    # lease get by IP and by MAC finds each client.
    for b, mac in zip(bound, macs):
        by_ip = ctl.json("lease", "get", b["ip"])
        assert by_ip["hw-address"] == mac and by_ip["subnet-id"] == 1, by_ip
        by_mac = ctl.json("lease", "get", mac)
        assert [l["ip-address"] for l in by_mac["leases"]] == [b["ip"]], by_mac

    # stats: the server counted exactly what the clients sent.
    sent = [p for p in cap.packets() if p.haslayer(BOOTP) and p[BOOTP].op == 1]
    discovers = sum(1 for p in sent if message_type(p) == 1)
    requests = sum(1 for p in sent if message_type(p) == 3)
    stats = {k: v[0][0] for k, v in
             ctl.json("command", "statistic-get-all")["arguments"].items()}
    assert stats["pkt4-received"] == len(sent), (stats, [p.summary() for p in sent])
    assert stats["pkt4-discover-received"] == discovers
    assert stats["pkt4-request-received"] == requests
    # A slow start may make a client retransmit: count the ACKs on the wire.
    acks = sum(1 for p in cap.packets() if p.haslayer(BOOTP) and p[BOOTP].op == 2
               and message_type(p) == 5)
    assert stats["pkt4-ack-sent"] == acks >= N_CLIENTS, (stats["pkt4-ack-sent"], acks)
    assert stats["subnet[1].assigned-addresses"] == N_CLIENTS
    assert "pkt4-received" in ctl.run("stats").stdout

    # metrics: valid Prometheus text exposition.
    if shutil.which("promtool"):
        metrics = ctl.run("metrics").stdout
        check = subprocess.run(["promtool", "check", "metrics"], input=metrics, text=True,
                               capture_output=True)
        assert check.returncode == 0, check.stdout + check.stderr
        assert 'dpdhcp_pkt4_received_total' in metrics or 'pkt4_received' in metrics, metrics[:2000]

    # DECLINE (RFC 2131 §4.3.3) of an offered address: quarantined, counted.
    labkit.capture.send_frames(link.client_ns, link.client_if,
                               [bytes(client_frame(DECLINER, [("message-type", "discover")]))],
                               workdir=lab.workdir)
    deadline = time.monotonic() + 5
    offered = None
    while offered is None and time.monotonic() < deadline:
        res = ctl.run("--json", "lease", "get", DECLINER, check=False)
        if res.returncode == 0:
            offered = json.loads(res.stdout)["leases"][0]["ip-address"]
        else:
            time.sleep(0.1)
    assert offered, "the crafted DISCOVER got no offer record"
    labkit.capture.send_frames(
        link.client_ns, link.client_if,
        [bytes(client_frame(DECLINER, [("message-type", "decline"), ("requested_addr", offered),
                                       ("server_id", SERVER_IP)]))], workdir=lab.workdir)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and pool_rows(ctl)[0]["declined-addresses"] != 1:
        time.sleep(0.1)
    row = pool_rows(ctl)[0]
    assert (row["assigned-addresses"], row["declined-addresses"]) == (N_CLIENTS, 1), row
    declined = ctl.json("command", "statistic-get",
                        json.dumps({"name": "subnet[1].declined-addresses"}))["arguments"]
    assert declined["subnet[1].declined-addresses"][0][0] == 1, declined

    # DPDK telemetry answers the same data under /dpdhcp/.
    if shutil.which("dpdk-telemetry.py"):
        tel = subprocess.run(["dpdk-telemetry.py", "-f", server.file_prefix],
                             input="/dpdhcp/pools\n/dpdhcp/stats\n/dpdhcp/status\n",
                             capture_output=True, text=True, timeout=20)
        assert tel.returncode == 0, tel.stdout + tel.stderr
        answers = [json.loads(line) for line in tel.stdout.splitlines()
                   if line.startswith("{") and "/dpdhcp/" in line]
        pools = next(a["/dpdhcp/pools"] for a in answers if "/dpdhcp/pools" in a)
        assert pools["result"] == 0 and pools["0/assigned_addresses"] == N_CLIENTS, pools
        assert pools["0/declined_addresses"] == 1, pools
        stats_tel = next(a["/dpdhcp/stats"] for a in answers if "/dpdhcp/stats" in a)
        assert stats_tel["pkt4_ack_sent"] >= N_CLIENTS, stats_tel
        status = next(a["/dpdhcp/status"] for a in answers if "/dpdhcp/status" in a)
        assert status["dpdhcp/workers"] == 1, status

    # lease del: the address is free at once; the client's next renewal is
    # NAKed (the server no longer has its binding) and it starts over.
    victim, victim_ip = clients[0], bound[0]["ip"]
    assert ctl.run("lease", "del", victim_ip).returncode == 0
    assert ctl.run("lease", "get", victim_ip, check=False).returncode == 3
    assert pool_rows(ctl)[0]["assigned-addresses"] == N_CLIENTS - 1
    n = len(victim.events())
    victim.renew()
    nak = victim.wait_for(("nak", "bound"), 20, after=n)
    assert nak["reason"] == "nak", victim.events()[n:]
    again = victim.wait_for("bound", 20, after=n)
    assert in_range(again["ip"], *POOL)
    assert pool_rows(ctl)[0]["assigned-addresses"] == N_CLIENTS

    result = server.stop()
    assert result.total("pkt4-nak-sent") >= 1
    assert sorted(l.address for l in result.leases if l.state == 0) == \
        sorted([again["ip"]] + [b["ip"] for b in bound[1:]])


def test_reload_broken_file_keeps_service_then_added_subnet_is_served(lab, ctl_ready):
    need("dhcrelay", "dhclient")
    server_ns, relay_ns, client_ns = (lab.namespace(t) for t in ("srv", "rly", "cli"))
    server_if, up_if = lab.veth(server_ns, relay_ns, tags=("s", "u"))
    down_if, relayed_if = lab.veth(relay_ns, client_ns, tags=("d", "c"))
    relay_ns.add_addr(up_if, f"{RELAY_UP}/24")
    relay_ns.add_addr(down_if, f"{RELAY_DOWN}/24")
    # The relay's own link to the server carries a directly served client too.
    direct_if = relay_ns.add_macvlan(up_if)

    # Two workers: the config swap parks both at a quiescent point.
    port = srv.af_packet_port(server_if, qpairs=2)
    cfg = control_config(port, lab.workdir, valid=600)
    server = lab.server(server_ns, cfg, eal_profile=srv.EAL_TWO_WORKERS)
    ctl = Ctl(lab.workdir / "ctl.sock")
    direct = lab.udhcpc(relay_ns, direct_if, name="direct").start()
    first = direct.wait_for("bound", 20)
    before = ctl.json("lease", "get", first["ip"])

    # A broken file: result 1 naming the JSON path; config, lease, service unchanged.
    good = json.loads(server.config_path.read_text())
    broken = json.loads(json.dumps(good))
    broken["Dhcp4"]["subnet4"][0]["pools"][0]["pool"] = "198.18.0.250 - 198.18.0.100"
    server.config_path.write_text(json.dumps(broken))
    res = ctl.run("reload", check=False)
    assert res.returncode == 1, res.stdout + res.stderr
    assert "Dhcp4.subnet4[0].pools[0]" in res.stdout + res.stderr, res.stdout + res.stderr
    assert ctl.json("lease", "get", first["ip"]) == before
    assert ctl.json("command", "config-get")["arguments"]["Dhcp4"]["subnet4"][0]["pools"] == \
        good["Dhcp4"]["subnet4"][0]["pools"]
    n = len(direct.events())
    direct.renew()
    assert direct.wait_for("renew", 15, after=n)["ip"] == first["ip"]
    before = ctl.json("lease", "get", first["ip"])  # renewed: a new cltt

    # A relayed subnet added by reload is served at once; the lease stays.
    lab.relay(relay_ns, down_if, up_if, SERVER_IP)
    added = json.loads(json.dumps(good))
    added["Dhcp4"]["subnet4"].append(
        srv.subnet(7, "198.18.6.0/24", RELAYED_POOL, relay=[RELAY_DOWN], routers=RELAY_DOWN))
    server.config_path.write_text(json.dumps(added))
    res = ctl.run("reload")
    assert "1 lease(s) kept" in res.stdout + res.stderr, res.stdout + res.stderr
    client = lab.dhclient(client_ns, relayed_if)
    client.obtain()
    got = client.wait_for("BOUND", 1)
    assert in_range(got["ip"], *RELAYED_POOL), got
    assert ctl.json("lease", "get", got["ip"])["subnet-id"] == 7
    assert ctl.json("lease", "get", first["ip"]) == before
    rows = {(r["subnet-id"]): r for r in pool_rows(ctl)}
    assert rows[7]["assigned-addresses"] == 1 and rows[1]["assigned-addresses"] == 1, rows
    n = len(direct.events())
    direct.renew()
    assert direct.wait_for("renew", 15, after=n)["ip"] == first["ip"]

    # A pool shrunk under a lease: the lease is kept and reported, its
    # renewal is NAKed and the client moves into the new pool.
    last_octet = int(first["ip"].split(".")[3])
    shrunk_pool = ("198.18.0.100", "198.18.0.174") if last_octet >= 175 else \
        ("198.18.0.176", "198.18.0.250")
    shrunk = json.loads(json.dumps(added))
    shrunk["Dhcp4"]["subnet4"][0]["pools"] = [{"pool": " - ".join(shrunk_pool)}]
    server.config_path.write_text(json.dumps(shrunk))
    res = ctl.run("reload")
    assert "1 lease(s) hold an address outside every pool" in res.stdout, res.stdout
    assert first["ip"] in res.stdout, res.stdout
    n = len(direct.events())
    direct.renew()
    assert direct.wait_for(("nak", "renew"), 15, after=n)["reason"] == "nak"
    moved = direct.wait_for("bound", 20, after=n)
    assert in_range(moved["ip"], *shrunk_pool), moved

    assert ctl.json("status")["dpdhcp"]["workers"] == 2
    # shutdown over the socket stops the server cleanly (exit 0, counters).
    assert ctl.run("shutdown").returncode == 0
    result = server.stop()
    bound_now = sorted((l.address, l.subnet_id) for l in result.leases if l.state == 0)
    assert bound_now == sorted([(moved["ip"], 1), (got["ip"], 7)]), result.leases
