#!/usr/bin/python3
"""perf/system script 3: dpdhcpd against kea-dhcp4, dnsmasq and ISC dhcpd
over one veth pair, same load generator, same client population, same run.

  sudo perf/system/peers.py [--generator perfdhcp|dhcpgen] [--servers kea,dnsmasq,dhcpd,dpdhcpd]
                            [--rates 250,500,...] [--duration 5] [--clients 10000]

For each server, in turn, in fresh namespaces (server and client joined by a
veth pair, 198.18.0.0/15 only): the server on CPU 0, the generator on CPU 1,
the offered DORA rate stepped up until the server no longer holds it. A step
is held when fewer than 0.1 % of the exchanges fail and the generator sent
at least 99 % of what was asked. When it sent less, or when most of the lost
exchanges are replies its own socket dropped (RcvbufErrors in the client
namespace), the generator, not the server, was the limit: the step says so
and the sweep ends there. Result: the highest held rate per server, its
ratio to Kea's, latency at that rate, and the whole sweep; a plot of
throughput and latency against offered rate.

The generator acts as a relay (giaddr 198.18.64.1, unicast to the server at
198.18.0.1, replies to giaddr:67): perfdhcp does nothing else, and it puts
every server on the same path (no broadcast replies, no neighbour-table
growth). perfdhcp (kea-admin) works for all servers but tops out near 30 k
DORA/s on this machine and reports only mean latency; dhcpgen (tools/dhcpgen,
DPDK over net_af_packet on the client veth) reports p50/p99/p99.9.

Servers (Debian 12 packages, tools/install-deps.sh --perf), all with lease
persistence on and no pre-offer ping:
  kea      kea-dhcp4 2.2, multi-threading on (2 threads), memfile persist
  dnsmasq  dnsmasq 2.90, lease file
  dhcpd    ISC dhcpd 4.4, leases file, ping-check false
  dpdhcpd  this tree, one worker, net_af_packet on the server veth
Every daemon runs in its namespace, bound to the lab veth only, and is
killed with it on every way out (labkit).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import syslab
from syslab import LabError, fmt, labkit, srv

SERVER_IP = "198.18.0.1"
GIADDR = "198.18.64.1"
NET = "198.18.64.0/18"
POOL = ("198.18.64.10", "198.18.127.250")  # 16,113 addresses
DEFAULT_RATES = [50, 100, 250, 500, 1000, 2000, 4000, 8000, 12000, 16000, 24000, 32000]
SERVERS = ["kea", "dnsmasq", "dhcpd", "dpdhcpd"]
LOSS = 0.001  # < 0.1 % failed exchanges


@dataclasses.dataclass
class Step:
    offered: int
    sent: int            # DORAs started
    completed: float     # DORAs completed per second
    failed_pct: float    # exchanges without a reply, % of started
    latency_us: float | None
    gen_bound: bool      # the generator, not the server, lost or could not send
    note: str = ""
    client_drops: int = 0  # replies the generator's own socket dropped (RcvbufErrors)

    @property
    def lossless(self) -> bool:
        return self.failed_pct < LOSS * 100

    @property
    def held(self) -> bool:
        return self.lossless and not self.gen_bound

    @property
    def verdict(self) -> str:
        if self.held:
            v = "held"
        elif self.gen_bound:
            v = ("generator-bound: its socket dropped "
                 f"{self.client_drops:,} replies" if self.client_drops else
                 "generator-bound: sent < 99 % of the offered rate")
        else:
            v = "not held"
        return v + (f" {self.note}" if self.note else "")


# --- generators ------------------------------------------------------------------

def short(sent: int, rate: int, duration: float) -> bool:
    """The generator sent under 99 % of the offered DORAs (a few exchanges of
    slack: at 50/s a 5 s step is only 250)."""
    return sent < 0.99 * rate * duration - 5


class Perfdhcp:
    name = "perfdhcp"
    latency = "mean DORA latency (µs)"
    bounds = ("perfdhcp uses ordinary blocking UDP sockets: it leaves the kernel's packet "
              "work (softirq) on its CPU room to run, so this table is the fair one for the "
              "kernel servers. Its own socket overflows first when a server answers faster "
              "than it reads (RcvbufErrors, 'generator-bound' above).")

    def __init__(self, clients: int, duration: float):
        self.clients, self.duration = clients, duration

    def prepare(self, link) -> None:
        # perfdhcp binds GIADDR:67 and unicasts to the server (shared/CLIENTS.md).
        link.client_ns.add_addr(link.client_if, f"{GIADDR}/18")
        link.client_ns.add_route(f"{SERVER_IP}/32", dev=link.client_if)

    def step(self, link, rate: int, workdir: Path) -> Step:
        before = link.client_ns.udp_stats().get("RcvbufErrors", 0)
        report = labkit.perfdhcp.run(link.client_ns, SERVER_IP, GIADDR, clients=self.clients,
                                     rate=rate, period=int(round(self.duration)), wait_us=2_000_000,
                                     timeout=self.duration + 120)
        (workdir / f"perfdhcp-{rate}.txt").write_text(report.text)
        sent = int(report.value("DISCOVER-OFFER", "sent packets"))
        acks = int(report.exchanges.get("REQUEST-ACK", {}).get("received packets", 0))
        failed = 100.0 * (sent - acks) / sent if sent else 100.0
        lat = None
        do = report.exchanges.get("DISCOVER-OFFER", {}).get("avg delay")
        ra = report.exchanges.get("REQUEST-ACK", {}).get("avg delay")
        if do is not None and ra is not None and acks:
            lat = (do + ra) * 1000.0  # ms -> µs
        completed = acks / self.duration  # perfdhcp's own Rate also counts its -W wait
        # Replies that reached the client namespace but overflowed perfdhcp's
        # socket were answered by the server: when they account for most of
        # the failed exchanges, the step measured perfdhcp.
        drops = link.client_ns.udp_stats().get("RcvbufErrors", 0) - before
        lost = sent - acks
        gen_bound = short(sent, rate, self.duration) or (lost > 0 and drops >= lost / 2)
        return Step(rate, sent, completed, failed, lat, gen_bound, client_drops=drops)


class Dhcpgen:
    name = "dhcpgen"
    latency = "p99 DORA latency (µs)"
    bounds = ("dhcpgen busy-polls CPU 1, and the kernel delivers a frame sent on a veth "
              "in softirq on the sending CPU: every request, to any server, can wait for "
              "the scheduler to take CPU 1 from the poller (and on this shared machine for "
              "everything else that runs there). On 2 CPUs this table measures that as "
              "much as the servers; with the same generator for all, its ratios are "
              "same-run ratios, but quote the perfdhcp table for the kernel servers. Where "
              "a step fails, dpdhcpd's own counts (the line under the table) say whether "
              "dpdhcpd lost anything or the loss was on the way.")

    def __init__(self, clients: int, duration: float):
        if syslab.dhcpgen_binary() is None:
            raise LabError("dhcpgen is not built: ninja -C build tools/dhcpgen/dhcpgen "
                           "(or use --generator perfdhcp)")
        self.clients, self.duration = clients, duration

    def prepare(self, link) -> None:
        # No kernel address on the client veth (the kernel would answer the
        # replies to GIADDR:67 with ICMP port unreachable); the kernel servers
        # learn the relay's MAC from the static neighbour entry sweep() adds.
        pass

    def step(self, link, rate: int, workdir: Path) -> Step:
        r = syslab.run_dhcpgen(
            link.client_ns, f"net_af_packet1,iface={link.client_if}", [f"{POOL[0]}-{POOL[1]}"],
            workdir, clients=self.clients, rate=rate, duration=self.duration, cpu=1,
            extra=["--relay", GIADDR, "--server-ip", SERVER_IP, "--timeout", "2"],
            name=f"dhcpgen-{rate}", timeout=self.duration + 120)
        started = int(r["started"]["dora"])
        failed = started - int(r["completed"]["dora"])  # timeouts, NAKs, invalid replies
        failed_pct = 100.0 * failed / started if started else 100.0
        note = "INVALID REPLIES" if r["exit"] == 3 else ""
        # dhcpgen's own dora_per_s divides by its whole run, the final wait for
        # late replies included; the offered rate is per second of sending.
        completed = int(r["completed"]["dora"]) / self.duration
        # With --window exchanges outstanding at most, a server that loses
        # replies also stalls the sending: short sending is the generator's
        # limit only when nothing was lost.
        gen_bound = short(started, rate, self.duration) and failed_pct < LOSS * 100
        return Step(rate, started, completed, failed_pct, r["latency_us"].get("p99"),
                    gen_bound, note)


# --- servers ---------------------------------------------------------------------

def kernel_side(link) -> None:
    """Kernel servers: the server address on the veth and the relay reachable."""
    link.server_ns.add_addr(link.server_if, f"{SERVER_IP}/24")
    link.server_ns.add_route(NET, dev=link.server_if)


def wait_udp67(ns, proc: subprocess.Popen, log: Path, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise LabError(f"server exited {proc.returncode}; log {log}:\n"
                           + log.read_text(errors="replace")[-2000:])
        if ":67 " in ns.run(["ss", "-lun"], check=False).stdout:
            time.sleep(0.5)
            return
        time.sleep(0.2)
    raise LabError(f"server did not open UDP port 67 within {timeout}s; log {log}")


def start_daemon(lab, link, name: str, argv: list[str], workdir: Path,
                 env: dict | None = None) -> subprocess.Popen:
    log = workdir / f"{name}.log"
    full_env = dict(os.environ, **(env or {}))
    proc = link.server_ns.popen(["taskset", "-c", "0", *argv], stdout=open(log, "w"),
                                stderr=subprocess.STDOUT, env=full_env)
    lab.own(name, lambda: _terminate(proc))
    wait_udp67(link.server_ns, proc, log)
    return proc


def _terminate(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def start_kea(lab, link, workdir: Path):
    kernel_side(link)
    cfg = {"Dhcp4": {
        "interfaces-config": {"interfaces": [link.server_if], "dhcp-socket-type": "udp"},
        "lease-database": {"type": "memfile", "persist": True, "lfc-interval": 0,
                           "name": str(workdir / "kea-leases4.csv")},
        "multi-threading": {"enable-multi-threading": True, "thread-pool-size": 2,
                            "packet-queue-size": 64},
        "valid-lifetime": 3600,
        "subnet4": [{"id": 3, "subnet": NET, "pools": [{"pool": f"{POOL[0]} - {POOL[1]}"}],
                     "option-data": [{"name": "routers", "data": GIADDR}]}],
        "loggers": [{"name": "kea-dhcp4", "severity": "WARN",
                     "output_options": [{"output": str(workdir / "kea.log.txt")}]}]}}
    path = workdir / "kea-dhcp4.json"
    path.write_text(json.dumps(cfg, indent=1))
    return start_daemon(lab, link, "kea", ["kea-dhcp4", "-c", str(path)], workdir,
                        env={"KEA_PIDFILE_DIR": str(workdir), "KEA_LOCKFILE_DIR": str(workdir)})


def start_dnsmasq(lab, link, workdir: Path):
    kernel_side(link)
    argv = ["dnsmasq", "--keep-in-foreground", "--conf-file=/dev/null", "--port=0",
            f"--interface={link.server_if}", "--bind-interfaces", "--no-ping",
            f"--dhcp-range={POOL[0]},{POOL[1]},255.255.192.0,1h", "--dhcp-authoritative",
            f"--dhcp-leasefile={workdir / 'dnsmasq.leases'}", "--dhcp-lease-max=200000",
            f"--pid-file={workdir / 'dnsmasq.pid'}", "--user=root", "--group=root",
            "--quiet-dhcp", f"--log-facility={workdir / 'dnsmasq.syslog'}"]
    return start_daemon(lab, link, "dnsmasq", argv, workdir)


def start_dhcpd(lab, link, workdir: Path):
    kernel_side(link)
    conf = workdir / "dhcpd.conf"
    conf.write_text(
        "authoritative;\nddns-update-style none;\nping-check false;\n"
        "default-lease-time 3600;\nmax-lease-time 3600;\n"
        "subnet 198.18.0.0 netmask 255.255.255.0 { }\n"
        f"subnet 198.18.64.0 netmask 255.255.192.0 {{\n  range {POOL[0]} {POOL[1]};\n"
        f"  option routers {GIADDR};\n}}\n")
    leases = workdir / "dhcpd.leases"
    leases.touch()
    argv = ["dhcpd", "-4", "-f", "-q", "-cf", str(conf), "-lf", str(leases),
            "-pf", str(workdir / "dhcpd.pid"), link.server_if]
    return start_daemon(lab, link, "dhcpd", argv, workdir)


def start_dpdhcpd(lab, link, workdir: Path):
    port = link.port()
    cfg = srv.config(
        [srv.interface("lab0", port, f"{SERVER_IP}/24")],
        [srv.subnet(1, "198.18.0.0/24", ("198.18.0.100", "198.18.0.250"), interface="lab0"),
         srv.subnet(3, NET, POOL, relay=[GIADDR], routers=GIADDR, valid=3600)])
    return lab.server(link.server_ns, cfg, eal_profile=srv.EAL_ONE_WORKER)


STARTERS = {"kea": start_kea, "dnsmasq": start_dnsmasq, "dhcpd": start_dhcpd,
            "dpdhcpd": start_dpdhcpd}
TOOLS = {"kea": "kea-dhcp4", "dnsmasq": "dnsmasq", "dhcpd": "dhcpd"}


SERVER_TOTALS: dict[str, str] = {}  # dpdhcpd's own account of the sweep


def sweep(lab, server: str, gen, rates: list[int], workdir: Path) -> list[Step]:
    """Steps the rate up until two steps in a row fail (or the list ends)."""
    sub = workdir / server
    sub.mkdir(parents=True, exist_ok=True)
    link = lab.direct_link()
    steps, misses = [], 0
    try:
        gen.prepare(link)
        # Static neighbours both ways, for every server alike: no ARP
        # resolution (and no packets dropped while one is pending) in the path.
        link.client_ns.ip("neigh", "replace", SERVER_IP, "lladdr",
                          link.server_ns.mac(link.server_if), "dev", link.client_if,
                          "nud", "permanent")
        link.server_ns.ip("neigh", "replace", GIADDR, "lladdr",
                          link.client_ns.mac(link.client_if), "dev", link.server_if,
                          "nud", "permanent")
        handle = STARTERS[server](lab, link, sub)
        for rate in rates:
            s = gen.step(link, rate, sub)
            steps.append(s)
            print(f"{server:8} offered {rate:>7,}/s: started {s.sent:>8,}, completed "
                  f"{s.completed:>9,.0f}/s, failed {s.failed_pct:6.3f} %, latency "
                  f"{fmt(s.latency_us)} µs -> {s.verdict}", flush=True)
            # A lossless step the generator could not fill still shows what the
            # server sustained: go on while the completed rate keeps rising.
            before = max((x.completed for x in steps[:-1] if x.lossless), default=0)
            if s.held or (s.lossless and s.completed > 1.05 * before):
                misses = 0
            else:
                misses += 1
            if misses >= 2 or (s.gen_bound and not s.lossless) or (
                    s.gen_bound and s.completed <= 1.05 * before):
                break
        if isinstance(handle, srv.Dpdhcpd):
            r = handle.stop()
            started = sum(x.sent for x in steps)
            got, sent = r.total("pkt4-received"), r.total("pkt4-sent")
            dropped = r.total("pkt4-receive-drop")
            verdict = ""
            if got == sent and dropped == 0 and any(not x.lossless for x in steps):
                verdict = (" It answered every message that reached it: the failed "
                           "exchanges were lost outside dpdhcpd (the generator, the veth or "
                           f"the kernel) — {max(0, started - r.total('pkt4-discover-received')):,}"
                           f" of the {started:,} DISCOVERs started never reached it.")
            SERVER_TOTALS[server] = (
                f"{server} received {got:,} DHCP messages over the sweep "
                f"and sent {sent:,} replies ({r.total('pkt4-offer-sent'):,} "
                f"OFFERs, {r.total('pkt4-ack-sent'):,} ACKs, {r.total('pkt4-nak-sent'):,} "
                f"NAKs); requests it dropped: {dropped:,}.{verdict}")
    finally:
        # This server's namespaces and processes go before the next starts.
        for ns in (link.client_ns, link.server_ns):
            ns.delete()
    return steps


def best(steps: list[Step]) -> Step | None:
    held = [s for s in steps if s.held]
    return max(held, key=lambda s: s.offered) if held else None


def best_lossless(steps: list[Step]) -> Step | None:
    """The step with the most DORA/s completed at < 0.1 % loss, whether or
    not the generator filled it: what the server sustained without loss."""
    ok = [s for s in steps if s.lossless]
    return max(ok, key=lambda s: s.completed) if ok else None


def report(args, gen, results: dict[str, list[Step]]) -> str:
    kea = best_lossless(results.get("kea", []))
    rows = []
    for server, steps in results.items():
        b = best(steps)
        top = best_lossless(steps)
        ratio = f"{top.completed / kea.completed:.1f} ×" if top and kea else "—"
        last = steps[-1] if steps else None
        bound = ("—" if last is None else "rate list" if last.held else
                 "generator" if last.gen_bound else "server (losses)")
        rows.append([server, fmt(b.offered) if b else "none",
                     fmt(top.completed) if top else "—", ratio,
                     fmt(top.latency_us) if top else "—", bound])
    sweep_rows = [[server, fmt(s.offered), fmt(s.sent), fmt(s.completed),
                   f"{s.failed_pct:.3f}", fmt(s.latency_us), s.verdict]
                  for server, steps in results.items() for s in steps]
    cmd = (f"sudo perf/system/peers.py --generator {gen.name} --servers "
           f"{','.join(results)} --duration {args.duration:g} --clients {args.clients} "
           f"--rates {','.join(map(str, args.rates))}")
    return (
        f"# Peers over one veth pair (generator: {gen.name})\n\n"
        f"Machine: {syslab.machine()}. Command: `{cmd}`. Servers on CPU 0, generator on "
        f"CPU 1; {args.clients:,} clients (relayed, giaddr {GIADDR}); {args.duration:g} s per "
        "step; a step is held at < 0.1 % failed exchanges with ≥ 99 % of the offered rate "
        "sent; it is generator-bound when the generator sent less, or when its own socket "
        f"dropped most of the lost replies. Plot: `{args.name}.png`.\n\n"
        "## Highest rate held\n\n"
        + syslab.table(["server", "highest offered DORA/s held", "most DORA/s completed "
                        "at < 0.1 % loss", "÷ Kea (that column)", gen.latency + " there",
                        "what stopped the sweep"], rows)
        + "\n## Every step\n\n"
        + syslab.table(["server", "offered/s", "DORAs started", "completed/s", "failed %",
                        gen.latency, "verdict"], sweep_rows)
        + "".join(f"\n{t}\n" for t in SERVER_TOTALS.values())
        + "\n## What bounds this comparison\n\n"
        "Everything crosses a kernel veth. The kernel servers receive through a UDP socket "
        "(one syscall and one copy per message each way; static neighbour entries on both "
        "sides keep ARP out of the path); dpdhcpd's port is net_af_packet on "
        "the same veth (a packet socket with a mmap ring, a sendto() per TX burst and a "
        "copy per frame), not a NIC queue, so its figure here is the veth/af_packet path's "
        "ceiling, far below its in-process rate (inprocess.md). The generator shares the "
        "machine (2 CPUs: the server's and the generator's, with the kernel's softirq work "
        "and whatever else runs — see the load average): perfdhcp peaks near 30 k DORA/s "
        "on an idle core (shared/CLIENTS.md) and much lower on a busy one. A server that "
        "outruns the generator shows 'generator' in the last column; its ratio to Kea is "
        "then a lower bound, not its capacity. dhcpgen (`--generator dhcpgen`, DPDK over "
        "net_af_packet) removes the client's socket from the path; on real NICs use "
        f"tools/pktgen.\n\nThis generator: {gen.bounds}\n")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--generator", choices=["perfdhcp", "dhcpgen"], default="perfdhcp")
    ap.add_argument("--servers", default=",".join(SERVERS))
    ap.add_argument("--rates", type=lambda s: [int(x) for x in s.split(",")],
                    default=DEFAULT_RATES, help="offered DORA/s, ascending")
    ap.add_argument("--duration", type=int, default=5, help="seconds per step (whole)")
    ap.add_argument("--clients", type=int, default=10000)
    ap.add_argument("--name", default="peers", help="results file stem in perf/results")
    args = ap.parse_args()
    syslab.need_root()
    servers = [s.strip() for s in args.servers.split(",") if s.strip()]
    unknown = [s for s in servers if s not in STARTERS]
    if unknown:
        raise SystemExit(f"unknown servers {unknown}; known: {', '.join(SERVERS)}")
    syslab.need_tools("taskset", "ss", *(TOOLS[s] for s in servers if s in TOOLS),
                      *(["perfdhcp"] if args.generator == "perfdhcp" else []))
    gen = (Perfdhcp if args.generator == "perfdhcp" else Dhcpgen)(args.clients, args.duration)
    results: dict[str, list[Step]] = {}
    with syslab.start_lab("peers") as lab:
        if args.generator == "perfdhcp":
            # perfdhcp runs in the client namespace; pin it (and its threads) to CPU 1.
            os.sched_setaffinity(0, {1})
        for server in servers:
            results[server] = sweep(lab, server, gen, args.rates, lab.workdir)
        print(f"logs in {lab.workdir}")
    text = report(args, gen, results)
    syslab.write_result(args.name, text)
    series = {s: [(st.offered, st.completed, st.latency_us) for st in steps]
              for s, steps in results.items() if steps}
    syslab.plot_curves(syslab.RESULTS / f"{args.name}.png",
                       f"DORA over a veth, generator {gen.name} (servers on CPU 0)", series,
                       gen.latency)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
