#!/usr/bin/python3
"""The dpdhcp lab: dpdhcpd on a veth pair between two network namespaces,
served to real clients. Run through tools/lab.sh (installs, builds), as root.

  server namespace  dpdhcpd on net_af_packet over its veth end (no kernel IP)
  client namespace  the other veth end with three macvlans (three MACs):
                    dhclient, udhcpc, and perfdhcp (as a relay, 198.18.64.1)

The configuration is dpdk-config/lab.json with its port set to the lab veth.
Everything the lab creates is removed when it exits (Ctrl-C, failure, or the
end of --duration).
"""
import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import labkit  # noqa: E402
from labkit import server as srv  # noqa: E402
from labkit.netns import LabError  # noqa: E402

PERF_RELAY = "198.18.64.1"  # lab.json subnet 3 (relay.ip-addresses)


def say(text=""):
    print(text, flush=True)


def step(text):
    say(f"\n== {text}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--duration", type=float, default=None,
                    help="stop after this many seconds of serving (default: until Ctrl-C)")
    ap.add_argument("--perf-clients", type=int, default=1000)
    ap.add_argument("--perf-rate", type=int, default=500)
    ap.add_argument("--stats-interval", type=int, default=5)
    ap.add_argument("--keep", action="store_true", help="keep the lab folder (configs, logs)")
    args = ap.parse_args()

    ok, why = labkit.netns_available()
    if not ok:
        say(f"lab: cannot run: {why}")
        return 1
    binary = srv.binary_path()
    if not binary.exists():
        say(f"lab: no dpdhcpd at {binary}: build it first (tools/lab.sh does)")
        return 1
    labkit.cleanup.install_signal_handlers()
    for name in labkit.netns.sweep_stale():
        say(f"lab: removed namespace {name} left by an earlier run that died")

    current = "setting up"
    # The clients share the machine's cores with dpdhcpd: idle workers sleep.
    with labkit.Lab(keep_workdir=args.keep,
                    server_defaults={"idle_sleep_us": srv.SHARED_MACHINE_IDLE_SLEEP_US}) as lab:
        try:
            current = "creating namespaces and the veth pair"
            step(current)
            link = lab.direct_link()
            ns = link.client_ns
            say(f"server namespace {link.server_ns.name}: {link.server_if} (no kernel address; "
                f"dpdhcpd owns it)")
            say(f"client namespace {ns.name}: {link.client_if}")
            macs = {role: ns.add_macvlan(link.client_if) for role in ("dhclient", "udhcpc", "perf")}
            for role, ifname in macs.items():
                say(f"  {role:9s} on {ifname} ({ns.mac(ifname)})")
            ns.add_addr(macs["perf"], f"{PERF_RELAY}/18")
            ns.add_route("198.18.0.1/32", dev=macs["perf"])

            current = "starting dpdhcpd"
            step(current + f" (config: {srv.LAB_JSON} with port {link.port()})")
            cfg = srv.config_from_lab_json(link.port(), lab.workdir)
            server = lab.server(link.server_ns, cfg, stats_interval=args.stats_interval,
                                on_line=lambda line: say(f"  [dpdhcpd] {line}"))
            say(f"dpdhcpd is serving (log: {server.log_path})")

            current = "dhclient"
            step("dhclient (ISC) asks for a lease")
            dhclient = lab.dhclient(ns, macs["dhclient"], name="dhclient")
            dhclient.obtain()
            show_lease("dhclient", dhclient.wait_for("BOUND", 5))

            current = "udhcpc"
            step("udhcpc (busybox) asks for a lease")
            udhcpc = lab.udhcpc(ns, macs["udhcpc"], name="udhcpc")
            udhcpc.oneshot()
            show_lease("udhcpc", udhcpc.wait_for("bound", 5))

            current = "perfdhcp"
            step(f"perfdhcp: {args.perf_clients} clients at {args.perf_rate} DORA/s, relayed "
                 f"from {PERF_RELAY}")
            report = labkit.perfdhcp.run(ns, "198.18.0.1", PERF_RELAY, clients=args.perf_clients,
                                         rate=args.perf_rate, exchanges=args.perf_clients,
                                         timeout=args.perf_clients / args.perf_rate + 60)
            say(f"perfdhcp (exit {report.returncode}): {report.summary()}")

            current = "serving"
            step("dpdhcpd keeps serving; its rate line shows every "
                 f"{args.stats_interval}s. " +
                 ("Ctrl-C stops the lab." if args.duration is None
                  else f"Stopping in {args.duration:.0f}s."))
            say(f"  try: sudo ip netns exec {ns.name} ping -c 3 198.18.0.1")
            deadline = None if args.duration is None else time.monotonic() + args.duration
            while deadline is None or time.monotonic() < deadline:
                if not server.running():
                    raise LabError("dpdhcpd exited on its own")
                time.sleep(0.5)
        except KeyboardInterrupt:
            say("\nlab: interrupted")
        except LabError as e:
            say(f"\nlab: FAILED while {current}: {e}")
            stop_and_report(lab)
            say("lab: cleaning up")
            return 1
        stop_and_report(lab)
        say("lab: cleaning up (namespaces, links, processes)")
    say("lab: done")
    return 0


def show_lease(who, event):
    say(f"{who}: address {event.get('ip')}  mask {event.get('mask')}  router "
        f"{event.get('routers')}  dns {event.get('dns')}  domain {event.get('domain') or '-'}  "
        f"lease {event.get('lease')}s  "
        f"server {event.get('server')}")


def stop_and_report(lab):
    for server in lab.servers:
        if not server.running():
            continue
        step("stopping dpdhcpd (SIGTERM): its counters")
        server.on_line = None  # the parsed table below replaces the raw lines
        try:
            result = server.stop()
        except LabError as e:
            say(f"lab: {e}")
            continue
        for scope in sorted(result.counters, key=lambda w: (w == "total", w)):
            for name, value in sorted(result.counters[scope].items()):
                say(f"  worker {scope:5s} {name:36s} {value}")

        say(f"dpdhcpd exited {result.returncode}; lease dump: {len(result.leases)} leases "
            f"({server.lease_dump})")


if __name__ == "__main__":
    sys.exit(main())
