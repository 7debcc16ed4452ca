"""Shared pieces of the perf/system scripts: labkit import (namespaces,
processes and links removed on every way out, signals included), binaries,
process pinning, markdown tables, plots, and the load generators.

Run the scripts as root with /usr/bin/python3 (scapy and matplotlib are
Debian's). Every figure is measured in the run that prints it.
"""
from __future__ import annotations

import datetime
import json
import os
import platform
import re
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
sys.path.insert(0, str(ROOT / "tools" / "pktgen"))
import labkit  # noqa: E402
from labkit import server as srv  # noqa: E402,F401  (re-exported to the scripts)
from labkit.netns import LabError  # noqa: E402

RESULTS = ROOT / "perf" / "results"
if os.environ.get("BUILD") and not os.environ.get("DPDHCPD"):
    os.environ["DPDHCPD"] = str(Path(os.environ["BUILD"]) / "src" / "app" / "dpdhcpd")


def build_dir() -> Path:
    """$BUILD (default build/) holding dpdhcpd, dhcpgen and the benches."""
    return Path(os.environ.get("BUILD") or ROOT / "build")


def binary(rel: str, env: str | None = None) -> Path:
    path = Path(os.environ.get(env) or build_dir() / rel) if env else build_dir() / rel
    if not os.access(path, os.X_OK):
        raise LabError(f"{path} not found (build it: ninja -C {build_dir()} {rel}"
                       + (f", or set ${env}" if env else "") + ")")
    return path


def need_root() -> None:
    if os.geteuid() != 0:
        sys.exit(f"{sys.argv[0]}: needs root (network namespaces, DPDK)")


def need_tools(*names: str) -> None:
    missing = [n for n in names if shutil.which(n) is None]
    if missing:
        raise LabError(f"missing {', '.join(missing)}: tools/install-deps.sh --perf installs them")


def start_lab(name: str) -> "labkit.Lab":
    """A Lab whose folder is kept (logs) under /tmp; SIGTERM/SIGHUP/SIGINT
    unwind it like Ctrl-C, so namespaces and processes always go."""
    labkit.cleanup.install_signal_handlers()
    stale = labkit.netns.sweep_stale()
    if stale:
        print(f"removed namespaces of dead runs: {stale}", file=sys.stderr)
    work = Path(f"/tmp/dpdhcp-perf-{name}-{os.getpid()}")
    return labkit.Lab(workdir=work, keep_workdir=True)


def machine() -> str:
    model = ""
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # The load average says how much else was running: the dev machine is
    # shared, and a busy-polling core loses whatever the scheduler gives away.
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    return (f"{os.cpu_count()} CPUs ({model}), Linux {platform.release()}, "
            f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
            f"load average at the end {load}")


def median(values):
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


def fmt(value, digits: int = 0) -> str:
    if value is None:
        return "—"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{value:,.0f}" if isinstance(value, (int, float)) else str(value)


def table(header: list[str], rows: list[list]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def write_result(name: str, text: str) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{name}.md"
    path.write_text(text)
    print(f"wrote {path}")
    return path


# --- dpdhcpd's periodic rate lines -------------------------------------------------

_RATE = re.compile(r"^dpdhcpd: rates over [0-9.]+ s: (.*), leases (\d+)$")


def parse_rate_line(line: str) -> dict[str, float] | None:
    """{'rx': .., 'dhcp': .., 'offer': .., 'ack': .., ...} from a
    --stats-interval line, None for any other line."""
    m = _RATE.match(line.strip())
    if not m:
        return None
    out = {}
    for part in m.group(1).split(", "):
        name, _, value = part.partition(" ")
        try:
            out[name] = float(value.rstrip("/s"))
        except ValueError:
            continue
    out["leases"] = float(m.group(2))
    return out


# --- plots -------------------------------------------------------------------------

def plot_curves(path: Path, title: str, series: dict[str, list[tuple[float, float, float]]],
                latency_label: str) -> Path | None:
    """Two panels against offered rate: throughput and latency, one line per
    series of (offered, achieved, latency_us). Needs python3-matplotlib."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("matplotlib missing (tools/install-deps.sh --perf): no plot", file=sys.stderr)
        return None
    fig, (ax1, ax2) = plt.subplots(1, 2, figsize=(11, 4.2))
    for name, points in series.items():
        points = sorted(points)
        xs = [p[0] for p in points]
        ax1.plot(xs, [p[1] for p in points], marker="o", label=name)
        lat = [(p[0], p[2]) for p in points if p[2] is not None]
        if lat:
            ax2.plot([p[0] for p in lat], [p[1] for p in lat], marker="o", label=name)
    top = max((p[0] for pts in series.values() for p in pts), default=1)
    ax1.plot([0, top], [0, top], color="grey", linestyle=":", linewidth=1, label="offered")
    for ax in (ax1, ax2):
        ax.set_xscale("log")
        ax.set_xlabel("offered rate (DORA/s)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    ax1.set_yscale("log")
    ax1.set_ylabel("completed DORA/s")
    ax2.set_yscale("log")
    ax2.set_ylabel(latency_label)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    print(f"wrote {path}")
    return path


# --- dhcpgen ---------------------------------------------------------------------

def dhcpgen_binary() -> Path | None:
    path = Path(os.environ.get("DHCPGEN") or build_dir() / "tools" / "dhcpgen" / "dhcpgen")
    return path if os.access(path, os.X_OK) else None


def run_dhcpgen(ns, port: str, pools: list[str], workdir: Path, *, clients: int,
                rate: float = 0, duration: float | None = None,
                transactions: int | None = None, cpu: int = 1, extra: list[str] = (),
                timeout: float = 600, name: str = "dhcpgen") -> dict:
    """Runs tools/dhcpgen in `ns` on `port`; returns its --json result
    (keys: clients, offered_rate, duration_s, transactions, tps, dora_per_s,
    latency_us{p50,p99,p999}, timeouts, naks, invalid, duplicates) plus
    'exit' and 'output'."""
    exe = dhcpgen_binary()
    if exe is None:
        raise LabError("dhcpgen not built (ninja -C build tools/dhcpgen/dhcpgen, or $DHCPGEN)")
    out = workdir / f"{name}.json"
    out.unlink(missing_ok=True)
    argv = [str(exe), "--port", port, "--clients", str(clients), "--rate", str(rate),
            "--json", str(out)]
    for p in pools:
        argv += ["--pool", p]
    if duration is not None:
        argv += ["--duration", str(duration)]
    if transactions is not None:
        argv += ["--transactions", str(transactions)]
    argv += list(extra)
    argv += ["--", "--no-huge", "-m", "512", "--no-pci", "--lcores", f"0@{cpu}",
             "--file-prefix", f"dhcpgen-{os.getpid()}-{name}"]
    res = ns.run(argv, check=False, timeout=timeout)
    text = res.stdout + res.stderr
    (workdir / f"{name}.log").write_text(text)
    if not out.exists():
        raise LabError(f"dhcpgen exited {res.returncode} without a result; its output:\n"
                       + text[-3000:])
    result = json.loads(out.read_text())
    result["exit"] = res.returncode
    result["output"] = text
    return result
