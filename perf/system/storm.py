#!/usr/bin/python3
"""perf/system script 5: a reconnect storm — M clients start DORA at once;
how long until every one of them is bound.

  sudo perf/system/storm.py [--clients 120000] [--window 4096] [--workers 1]
  sudo perf/system/storm.py --cgnat-pool --clients 1000000

dpdhcpd (workers on CPUs 0..W-1) and tools/dhcpgen (on the last CPU) are
joined by a DPDK memif pair: two processes, shared memory, no kernel
interface, so no frame of the run reaches any network. dhcpgen starts one
DORA per client (`--transactions M`, flat out, at most --window outstanding,
each exchange retried on a 1 s timeout as a CPE would), validates every reply
(xid, address in the pool, no address bound twice) and reports when the last
client is bound. Needs dhcpgen (ninja -C build tools/dhcpgen/dhcpgen).

The pool: by default the lab's benchmarking range 198.18.0.0/15 (RFC 2544),
which holds at most ~124,000 clients with the 5 % headroom below. A million
clients need a million addresses, more than that range: --cgnat-pool carves
the pool from RFC 6598 shared address space (100.64.0.0/10, what carriers
hand CPEs behind CGNAT). Use it only where that is allowed: over memif no
frame reaches any network, but the lab rule is to number everything from
198.18.0.0/15.

Writes perf/results/storm.md.
"""
from __future__ import annotations

import argparse
import ipaddress
import os
import time

import syslab
from syslab import fmt

CGNAT = ipaddress.ip_network("100.64.0.0/10")
LAB = ipaddress.ip_network("198.18.0.0/15")


def pool_for(net: ipaddress.IPv4Network, clients: int) -> tuple[str, str]:
    first = net.network_address + 256
    last = first + int(clients * 1.05) + 1024
    if last >= net.broadcast_address:
        raise SystemExit(f"{clients:,} clients do not fit {net} "
                         f"({net.num_addresses - 256:,} addresses)")
    return str(first), str(last)


def server_config(net, pool, port: str) -> dict:
    """Built by hand: labkit's helpers refuse anything outside the lab space,
    and this config's only port is a memif socket."""
    server_ip = str(net.network_address + 1)
    return {"Dhcp4": {
        "interfaces-config": {"interfaces": [
            {"name": "storm0", "port": port, "address": f"{server_ip}/{net.prefixlen}"}]},
        "valid-lifetime": 86400,
        "subnet4": [{"id": 1, "subnet": str(net), "interface": "storm0",
                     "pools": [{"pool": f"{pool[0]} - {pool[1]}"}],
                     "option-data": [{"name": "routers", "data": server_ip}]}]}}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--clients", type=int, default=120_000)
    ap.add_argument("--window", type=int, default=4096, help="DORAs in flight at most")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--cgnat-pool", action="store_true",
                    help="pool from 100.64.0.0/10 instead of 198.18.0.0/15 (for 1 M clients)")
    ap.add_argument("--timeout", type=float, default=1.0, help="per-exchange reply timeout")
    ap.add_argument("--retransmits", type=int, default=3)
    args = ap.parse_args()
    syslab.need_root()
    cpus = os.cpu_count() or 1
    if args.workers + 1 > cpus:
        raise SystemExit(f"{args.workers} workers + dhcpgen need {args.workers + 1} CPUs; "
                         f"this machine has {cpus}")
    if syslab.dhcpgen_binary() is None:
        raise SystemExit("storm.py needs dhcpgen: ninja -C build tools/dhcpgen/dhcpgen "
                         "(or point $DHCPGEN at it)")
    net = CGNAT if args.cgnat_pool else LAB
    pool = pool_for(net, args.clients)
    with syslab.start_lab("storm") as lab:
        ns = lab.namespace("storm")
        sock = lab.workdir / "storm.sock"
        # Rings of 2^14 slots (memif default 2^10): a storm window of thousands of
        # DISCOVERs must fit the ring or the first burst is lost.
        port = f"net_memif0,role=server,socket={sock},socket-abstract=no,rsize=14"
        lcores = ",".join(f"{w}@{w}" for w in range(args.workers))
        server = syslab.srv.Dpdhcpd(
            ns, server_config(net, pool, port), lab.workdir, eal_profile=None,
            workers=args.workers, lease_capacity=int(args.clients * 1.1) + 4096,
            stats_interval=1,
            extra_eal=["--no-huge", "-m", "1024", "--no-pci", "--lcores", lcores])
        lab.own("dpdhcpd storm", server._kill)
        server.start(timeout=120)
        t0 = time.monotonic()
        r = syslab.run_dhcpgen(
            ns, "net_memif0,role=client,socket=%s,socket-abstract=no,rsize=14" % sock,
            [f"{pool[0]}-{pool[1]}"], lab.workdir, clients=args.clients,
            transactions=args.clients, rate=0, cpu=args.workers, duration=3600,
            extra=["--window", str(args.window), "--timeout", str(args.timeout),
                   "--retransmits", str(args.retransmits), "--per-second",
                   "--mbufs", "65535"],
            timeout=3600, name="storm")
        wall = time.monotonic() - t0
        result = server.stop(timeout=120)
        print(f"logs in {lab.workdir}")
    # The dump of a million leases is ~100 MB: counted, then removed.
    server.lease_dump.unlink(missing_ok=True)
    bound_server = sum(1 for lease in result.leases if lease.state == 0)
    dup = len(result.leases) - len({lease.address for lease in result.leases})
    ok = (r["exit"] == 0 and r["bound"] == args.clients and bound_server == args.clients
          and dup == 0)
    lat = r["latency_us"]
    rows = [[fmt(args.clients), fmt(r["bound"]), fmt(bound_server), f"{r['duration_s']:.2f}",
             fmt(r["dora_per_s"]), fmt(lat["p50"]), fmt(lat["p99"]), fmt(lat["p999"]),
             fmt(r["timeouts"]), fmt(r["naks"]), fmt(r.get("invalid_total", 0)),
             fmt(r["duplicates"])]]
    text = (
        "# Reconnect storm: M clients DORA at once\n\n"
        f"Machine: {syslab.machine()}. Command: `sudo perf/system/storm.py --clients "
        f"{args.clients} --window {args.window} --workers {args.workers}"
        f"{' --cgnat-pool' if args.cgnat_pool else ''}`. dpdhcpd ({args.workers} worker(s), CPU "
        f"0{'..' + str(args.workers - 1) if args.workers > 1 else ''}) and dhcpgen (CPU "
        f"{args.workers}) over a memif pair; pool {pool[0]} – {pool[1]} ({net}); lease "
        "journal in the run's folder, durability strict (every ACK waits for its record's "
        "group commit).\n\n"
        + syslab.table(["clients", "bound (dhcpgen)", "bound (server lease dump)",
                        "seconds until all bound", "DORA/s", "p50 µs", "p99 µs", "p99.9 µs",
                        "timeouts", "NAKs", "invalid", "duplicate addresses"], rows)
        + f"\nVerdict: {'every client bound, no address given twice' if ok else 'NOT all bound or invalid replies: see the counts'}"
        f" (wall time of the generator run {wall:.1f} s, including its start-up).\n\n"
        "What bounds it: one worker decides every DORA (two messages, two replies, a lease "
        "record and a pool claim each); dhcpgen on the other CPU emulates all clients. With "
        "the window of outstanding exchanges large enough to keep the worker busy, the time "
        "is M / (DORA/s per worker); memif adds a copy per frame each way.\n")
    syslab.write_result("storm", text)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
