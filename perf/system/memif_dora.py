#!/usr/bin/python3
"""perf/system script 2: DORA/s and latency of dpdhcpd (1 worker) against
tools/dhcpgen, two processes over a DPDK memif pair.

  sudo perf/system/memif_dora.py [--rates 50000,...,600000,0] [--duration 8]
                                 [--clients 100000] [--window 512]
                                 [--database memory,strict] [--repeat 1]

dpdhcpd runs one worker on CPU 0 (`--lcores 0@0`), dhcpgen its poll loop on
CPU 1 (`--lcores 0@1`): one CPU each, no kernel interface between them
(memif: shared-memory rings, one copy per frame each way), so no frame of the
run reaches a network. For every database mode and offered rate (0 = flat
out, bounded by dhcpgen's --window) a fresh server serves `--clients`
directly attached clients for `--duration` seconds; dhcpgen runs DORA
(DISCOVER/OFFER, REQUEST/ACK), validates every reply (xid, chaddr, address
in the pool, no address bound to two clients, options 1/3/51/54) and reports
completed DORA/s and per-exchange latency p50/p99/p99.9. Once every client
is bound, clients start over from INIT (the server finds their binding and
offers the same address), so the steady state is DORA against existing
bindings after the first pass allocated them.

Database modes: `memory` (no persistence: the worker's fast path alone),
`relaxed` and `strict` (the lease journal in the run's folder; strict holds
every ACK until its record is fdatasync'ed, docs/journal.md). The journal
thread has no CPU of its own on a 2-CPU machine: it shares them with the two
pollers.

Target (docs/DESIGN.md §8): >= 1 M DORA/s per worker core over memif. Writes
perf/results/memif_dora.md and memif_dora.png.
"""
from __future__ import annotations

import argparse
import os
import time

import syslab
from syslab import fmt

SERVER_IP = "198.18.0.1"
SUBNET = "198.18.0.0/15"
POOL = ("198.18.0.10", "198.19.255.250")  # 131,057 addresses: the whole lab space
TARGET = 1_000_000


def server_config(port: str, database: str, workdir) -> dict:
    db = ({"type": "memory"} if database == "memory" else
          {"type": "journal", "name": str(workdir / f"journal-{time.monotonic_ns()}"),
           "durability": database})
    return syslab.srv.config(
        [syslab.srv.interface("lab0", port, f"{SERVER_IP}/15")],
        [syslab.srv.subnet(1, SUBNET, POOL, interface="lab0", valid=86400)],
        lease_database=db)


def run_point(lab, ns, database: str, rate: int, args, n: int) -> dict:
    sock = lab.workdir / f"memif-{n}.sock"
    port = f"net_memif0,role=server,id=0,socket={sock},socket-abstract=no,mac=02:53:00:00:00:01"
    server = lab.server(ns, server_config(port, database, lab.workdir), eal_profile=None,
                        workers=1, lease_capacity=200_000, stats_interval=1,
                        extra_eal=["--no-huge", "-m", "512", "--no-pci", "--lcores", "0@0"])
    r = syslab.run_dhcpgen(
        ns, f"net_memif0,role=client,id=0,socket={sock},socket-abstract=no,"
            "mac=02:67:00:00:00:01",
        [f"{POOL[0]}-{POOL[1]}"], lab.workdir, clients=args.clients, rate=rate,
        duration=args.duration, cpu=1,
        extra=["--window", str(args.window), "--timeout", "1", "--expect-options",
               "--per-second", "--mbufs", "16383"],
        timeout=args.duration + 120, name=f"dhcpgen-{database}-{rate}-{n}")
    served = server.stop(timeout=120)
    rx = [syslab.parse_rate_line(line) for line in served.output]
    rx = [x for x in rx if x]
    r["server_leases"] = sum(1 for lease in served.leases if lease.state == 0)
    r["server_dhcp_per_s"] = syslab.median([x.get("dhcp") for x in rx[1:-1]] or
                                           [x.get("dhcp") for x in rx])
    r["database"] = database
    return r


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rates", default="50000,100000,200000,300000,400000,600000,0",
                    help="offered DORA/s, comma separated; 0 = flat out (window-bound)")
    ap.add_argument("--duration", type=float, default=8)
    ap.add_argument("--clients", type=int, default=100_000)
    ap.add_argument("--window", type=int, default=512, help="DORAs in flight at most")
    ap.add_argument("--database", default="memory,strict",
                    help="comma separated: memory, relaxed, strict")
    ap.add_argument("--repeat", type=int, default=1, help="runs per point (median reported)")
    args = ap.parse_args()
    syslab.need_root()
    if (os.cpu_count() or 1) < 2:
        raise SystemExit("needs 2 CPUs: one for dpdhcpd's worker, one for dhcpgen")
    if syslab.dhcpgen_binary() is None:
        raise SystemExit("needs dhcpgen: ninja -C build tools/dhcpgen/dhcpgen (or $DHCPGEN)")
    rates = [int(x) for x in args.rates.split(",")]
    modes = args.database.split(",")

    rows, series, results, failures = [], {}, [], []
    load_before = os.getloadavg()[0]
    with syslab.start_lab("memif-dora") as lab:
        ns = lab.namespace("memif")
        n = 0
        for database in modes:
            for rate in rates:
                runs = []
                for _ in range(args.repeat):
                    n += 1
                    try:
                        r = run_point(lab, ns, database, rate, args, n)
                    except syslab.LabError as e:  # a failed point is a row, not the end
                        why = str(e).splitlines()[0][:200]
                        print(f"{database} offered {rate or 'flat out'}: FAILED: {why}", flush=True)
                        failures.append(f"{database} at {rate or 'flat out'}: {why}")
                        continue
                    runs.append(r)
                    results.append(r)
                    print(f"{database} offered {rate or 'flat out'}: {r['dora_per_s']:,.0f} DORA/s,"
                          f" p99 {r['latency_us']['p99']:.1f} us, timeouts {r['timeouts']},"
                          f" invalid {r['invalid_total']}", flush=True)
                if not runs:
                    continue
                med = lambda key: syslab.median([x[key] for x in runs])  # noqa: E731
                lat = lambda q: syslab.median([x["latency_us"][q] for x in runs])  # noqa: E731
                dora = med("dora_per_s")
                started = syslab.median([x["started"]["dora"] / x["duration_s"] for x in runs])
                rows.append([database, fmt(rate) if rate else f"flat out (window {args.window})",
                             fmt(started), fmt(dora), f"{dora / TARGET:.2f}", fmt(lat("p50"), 1),
                             fmt(lat("p99"), 1), fmt(lat("p999"), 1), fmt(med("timeouts")),
                             fmt(med("naks")), fmt(med("invalid_total")),
                             fmt(med("duplicates")), fmt(med("server_dhcp_per_s"))])
                if rate:  # the curve is against offered rate; flat out is in the table
                    series.setdefault(database, []).append((rate, dora, lat("p99")))
        print(f"logs in {lab.workdir}")

    text = (
        "# DORA over memif: dpdhcpd (1 worker) vs dhcpgen\n\n"
        f"Machine: {syslab.machine()}. Command: `sudo perf/system/memif_dora.py --rates "
        f"{args.rates} --duration {args.duration:g} --clients {args.clients} --window "
        f"{args.window} --database {args.database} --repeat {args.repeat}`.\n\n"
        "dpdhcpd: one worker on CPU 0; dhcpgen on CPU 1; a memif pair between them. "
        f"{args.clients:,} directly attached clients, pool {POOL[0]} – {POOL[1]}. "
        "Started DORA/s = DORAs dhcpgen began per second (below the offered rate when the "
        "generator itself could not keep up); DORA/s = completed DORAs (valid ACK) per "
        "second of the run; latency per exchange "
        "(DISCOVER→OFFER, REQUEST→ACK), from dhcpgen's TSC; server DHCP/s = the server's "
        "own per-second counter of DHCP messages received (median). Target ≥ 1,000,000 "
        "DORA/s per worker (DESIGN.md §8); the ratio column is DORA/s ÷ 1 M.\n\n"
        + f"Load average (1 min) before the run {load_before:.2f}, after {os.getloadavg()[0]:.2f}"
        " (the two pollers alone make 2.0; more means other work took their CPUs).\n\n"
        + syslab.table(["database", "offered DORA/s", "started DORA/s", "DORA/s", "÷ target",
                        "p50 µs", "p99 µs", "p99.9 µs", "timeouts", "NAKs", "invalid", "duplicates",
                        "server DHCP msg/s"], rows))
    if failures:
        text += "\nFailed points (see the run's logs):\n\n" + "".join(f"- {f}\n" for f in failures)
    syslab.write_result("memif_dora", text)
    syslab.plot_curves(syslab.RESULTS / "memif_dora.png",
                       "dpdhcpd (1 worker) vs dhcpgen over memif", series, "p99 latency (µs)")
    ok = not failures and all(r["invalid_total"] == 0 and r["duplicates"] == 0 for r in results)
    return 0 if ok else 3


if __name__ == "__main__":
    raise SystemExit(main())
