#!/usr/bin/python3
"""Restart time of the real dpdhcpd with N leases (issue 4, DESIGN §8 target:
<= 5 s at 10 M).

1. writes a Kea memfile CSV of N bound leases (distinct MACs and addresses
   of a 10.0.0.0/8 pool);
2. dpdhcpd --import-kea-leases imports it into an empty journal directory
   and snapshots it; SIGTERM (shutdown snapshot);
3. dpdhcpd is started again on that directory: the figure is its
   "replayed N leases from DIR in X s" line (snapshot read + checked,
   leases installed in the shards, addresses claimed), and the time from exec
   to "serving" (EAL and port set-up included).

The port is net_null0: nothing is sent anywhere, so the pool may be any
range. Needs root only for what DPDK needs (--no-huge works unprivileged
too); memory: about 100 bytes per lease of pool bitmap, shard and snapshot.

  perf/journal_restart.py [--binary build/src/app/dpdhcpd] [--leases 1000000 10000000]
"""
import argparse
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPLAYED = re.compile(r"replayed (\d+) leases from \S+ in ([0-9.]+) s")
IMPORTED = re.compile(r"imported (\d+) leases from \S+ in ([0-9.]+) s")
SNAPSHOT = re.compile(r"journal: (\S+) snapshot of (\d+) leases \((\d+) bytes\) in ([0-9.]+) s")


def write_csv(path: Path, n: int) -> None:
    expire = int(time.time()) + 86400
    with open(path, "w") as f:
        f.write("address,hwaddr,client_id,valid_lifetime,expire,subnet_id,fqdn_fwd,fqdn_rev,"
                "hostname,state,user_context\n")
        lines = []
        for i in range(n):
            a = 0x0A000000 + 1 + i
            lines.append(f"{a >> 24}.{(a >> 16) & 255}.{(a >> 8) & 255}.{a & 255},"
                         f"02:00:{(i >> 24) & 255:02x}:{(i >> 16) & 255:02x}:{(i >> 8) & 255:02x}:"
                         f"{i & 255:02x},,86400,{expire},1,0,0,,0,\n")
            if len(lines) == 100_000:
                f.writelines(lines)
                lines.clear()
        f.writelines(lines)


def run_server(argv, until=("dpdhcpd: serving",), timeout=600):
    """Starts dpdhcpd, waits for the 'serving' line, SIGTERMs it; returns
    (seconds to serving, all output lines)."""
    start = time.monotonic()
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    lines, serving_at = [], None
    for line in proc.stdout:
        lines.append(line.rstrip())
        if line.strip() in until:
            serving_at = time.monotonic() - start
            proc.send_signal(signal.SIGTERM)
    proc.wait(timeout)
    if serving_at is None or proc.returncode != 0:
        sys.exit(f"dpdhcpd failed (exit {proc.returncode}):\n" + "\n".join(lines[-30:]))
    return serving_at, lines


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--binary", default=str(Path(__file__).resolve().parents[1] /
                                            "build/src/app/dpdhcpd"))
    ap.add_argument("--leases", type=int, nargs="+", default=[1_000_000, 10_000_000])
    ap.add_argument("--workdir", default=os.environ.get("DPDHCP_BENCH_DIR", "/tmp"))
    ap.add_argument("--workers", type=int, default=1,
                    help="workers (= lease shards, installed in parallel); lcores 0..N-1")
    args = ap.parse_args()
    for n in args.leases:
        work = Path(tempfile.mkdtemp(prefix="dpdhcp-restart-", dir=args.workdir))
        try:
            cfg = {"Dhcp4": {
                "interfaces-config": {"interfaces": [
                    {"name": "n0", "port": "net_null0", "address": "10.0.0.1/8"}]},
                "valid-lifetime": 86400,
                "lease-database": {"type": "journal", "name": str(work / "journal"),
                                   "lfc-interval": 0, "lfc-max-journal-mb": 0},
                "subnet4": [{"id": 1, "subnet": "10.0.0.0/8", "interface": "n0",
                             "pools": [{"pool": "10.0.0.2 - 10.255.255.254"}]}]}}
            (work / "dpdhcp.json").write_text(json.dumps(cfg))
            csv = work / "kea-leases4.csv"
            t = time.monotonic()
            write_csv(csv, n)
            print(f"{n} leases: CSV written in {time.monotonic() - t:.1f} s", flush=True)
            lcores = "0" if args.workers == 1 else f"0-{args.workers - 1}"
            base = [args.binary, "--config", str(work / "dpdhcp.json"), "--workers",
                    str(args.workers), "--", "--no-huge", "-m", "256", "--no-pci", "-l", lcores,
                    "--file-prefix", f"dpdhcp-restart-{os.getpid()}"]
            to_serving, lines = run_server(base[:3] + ["--import-kea-leases", str(csv)] + base[3:])
            for line in lines:
                if IMPORTED.search(line) or SNAPSHOT.search(line):
                    print("  " + line, flush=True)
            csv.unlink()
            for attempt in range(2):
                to_serving, lines = run_server(base)
                replay = next((REPLAYED.search(l) for l in lines if REPLAYED.search(l)), None)
                if replay is None:
                    sys.exit("no 'replayed' line:\n" + "\n".join(lines[-20:]))
                print(f"{n} leases, {args.workers} worker(s): restart {attempt + 1}: replayed "
                      f"{replay.group(1)} leases in {replay.group(2)} s; exec to serving "
                      f"{to_serving:.2f} s", flush=True)
                print("  " + replay.string.strip(), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
            shutil.rmtree(f"/var/run/dpdk/dpdhcp-restart-{os.getpid()}", ignore_errors=True)


if __name__ == "__main__":
    main()
