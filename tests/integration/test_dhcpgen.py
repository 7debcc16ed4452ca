"""dhcpgen against the real dpdhcpd, two processes joined by a DPDK memif
pair (the memif socket in the test's own folder), each poller on its own CPU
(dpdhcpd --lcores 0@0, dhcpgen --lcores 0@1): 10,000 clients each run one
DORA; every client ends bound, no reply is invalid, no address is given
twice, and the server's lease dump agrees. A second run drives the relay
path (giaddr, option 82, client-ids) with a mix of every transaction kind.

Both processes run inside a namespace the test creates (labkit), so that
nothing outlives the test; memif needs no link in it.
"""
import ipaddress
import json
import os
import subprocess
from pathlib import Path

import pytest

from lab_helpers import ROOT, counters_text, labkit, srv

DHCPGEN = Path(os.environ.get("DHCPGEN") or ROOT / "build" / "tools" / "dhcpgen" / "dhcpgen")
SERVER_IP = "198.18.0.1"
POOL = ("198.18.0.10", "198.18.63.250")  # 16,117 addresses in 198.18.0.0/18
RELAY = "198.18.64.1"
RELAY_POOL = ("198.18.64.10", "198.18.127.250")
SERVER_MAC = "02:53:00:00:00:01"
GEN_MAC = "02:67:00:00:00:01"
EAL_BASE = ["--no-huge", "-m", "256", "--no-pci"]


def memif(index_role: str, socket: Path, mac: str) -> str:
    return (f"net_memif0,role={index_role},id=0,socket={socket},socket-abstract=no,mac={mac}")


@pytest.fixture
def dhcpgen_binary():
    if not os.access(DHCPGEN, os.X_OK):
        pytest.skip(f"dhcpgen binary not found at {DHCPGEN} (build it with `ninja -C build`, "
                    "or point $DHCPGEN at one)")
    return DHCPGEN


def start_server(lab, ns, socket):
    interfaces = [srv.interface("lab0", memif("server", socket, SERVER_MAC), f"{SERVER_IP}/18")]
    subnets = [srv.subnet(1, "198.18.0.0/18", POOL, interface="lab0", valid=3600),
               srv.subnet(2, "198.18.64.0/18", RELAY_POOL, relay=[RELAY], routers=RELAY)]
    # No journal: this test is about the DHCP path and the generator; the
    # journal's durability has its own tests, and its thread would share the
    # two CPUs with the two pollers here.
    cfg = srv.config(interfaces, subnets, lease_database={"type": "memory"})
    return lab.server(ns, cfg, eal_profile=None,
                      extra_eal=[*EAL_BASE, "--lcores", "0@0"], lease_capacity=40_000)


def run_dhcpgen(ns, binary, workdir: Path, socket: Path, args: list[str], timeout: float = 60):
    out = workdir / "dhcpgen.json"
    argv = [str(binary), "--port", memif("client", socket, GEN_MAC), "--json", str(out),
            "--per-second", *args, "--", *EAL_BASE, "--lcores", "0@1",
            "--file-prefix", f"dhcpgen-test-{os.getpid()}"]
    proc = ns.run(argv, check=False, timeout=timeout)
    (workdir / "dhcpgen.log").write_text(proc.stdout + proc.stderr)
    detail = f"\ncommand: {' '.join(argv)}\n--- dhcpgen output:\n{proc.stdout}{proc.stderr}"
    assert out.exists(), f"dhcpgen wrote no JSON (exit {proc.returncode}){detail}"
    return proc.returncode, json.loads(out.read_text()), detail


def test_dhcpgen_10k_clients_dora_over_memif(lab, dhcpgen_binary):
    ns = lab.namespace("gen")
    socket = lab.workdir / "memif.sock"
    server = start_server(lab, ns, socket)
    code, result, detail = run_dhcpgen(
        ns, dhcpgen_binary, lab.workdir, socket,
        ["--clients", "10000", "--transactions", "10000", "--window", "256", "--timeout", "1",
         "--retransmits", "2", "--duration", "40", "--pool", f"{POOL[0]}-{POOL[1]}",
         "--expect-options"])
    served = server.stop()
    detail += "\n" + counters_text(served)

    assert code == 0, detail
    assert result["completed"]["dora"] == 10_000, detail
    assert result["bound"] == 10_000, detail
    assert result["invalid_total"] == 0 and result["duplicates"] == 0, detail
    assert sum(result["invalid"].values()) == 0, detail
    assert result["timeouts"] == 0 and result["naks"] == 0, detail
    assert result["latency_us"]["samples"] == 20_000, detail
    assert 0 < result["latency_us"]["p50"] <= result["latency_us"]["p99"], detail
    assert result["dora_per_s"] > 0 and result["transactions"] == 10_000, detail

    # The server agrees: 10,000 leases, one per client MAC, all distinct.
    bound = [lease for lease in served.leases if lease.state == 0]
    assert len(bound) == 10_000, detail
    assert len({lease.address for lease in bound}) == 10_000
    assert len({lease.hwaddr for lease in bound}) == 10_000
    lo, hi = (ipaddress.ip_address(a) for a in POOL)
    assert all(lo <= ipaddress.ip_address(lease.address) <= hi for lease in bound)
    assert {lease.hwaddr for lease in bound} >= {"02:00:00:00:00:00", "02:00:00:00:27:0f"}
    assert served.total("pkt4-ack-sent") == 10_000, detail


def test_dhcpgen_relay_mix_over_memif(lab, dhcpgen_binary):
    """Relayed (giaddr 198.18.64.1, option 82 echoed), client-ids, and every
    transaction kind: renewals and rebindings ACKed for the held address,
    releases and declines accepted, nothing invalid."""
    ns = lab.namespace("gen")
    socket = lab.workdir / "memif.sock"
    server = start_server(lab, ns, socket)
    code, result, detail = run_dhcpgen(
        ns, dhcpgen_binary, lab.workdir, socket,
        ["--clients", "2000", "--transactions", "8000", "--window", "64", "--client-id",
         "--relay", RELAY, "--server-ip", SERVER_IP,
         "--mix", "dora=4,renew=2,rebind=1,release=1,decline=1",
         "--duration", "40", "--pool", f"{RELAY_POOL[0]}-{RELAY_POOL[1]}", "--expect-options"])
    served = server.stop()
    detail += "\n" + counters_text(served)

    assert code == 0, detail
    assert result["invalid_total"] == 0 and result["duplicates"] == 0, detail
    assert result["timeouts"] == 0 and result["naks"] == 0, detail
    for kind in ("dora", "renew", "rebind", "release", "decline"):
        assert result["completed"][kind] > 0, f"{kind}{detail}"
        assert result["completed"][kind] == result["started"][kind], f"{kind}{detail}"
    assert sum(result["started"].values()) == 8000, detail
    assert served.total("pkt4-release-received") == result["completed"]["release"], detail
    assert served.total("pkt4-decline-received") == result["completed"]["decline"], detail
