"""ISC perfdhcp (kea-admin): run it inside a namespace and parse its report.

perfdhcp -4 acts as a relay (../../shared/CLIENTS.md): it binds port 67 on
its own address, sets giaddr to it and unicasts to the server.
"""
from __future__ import annotations

import dataclasses
import re
import subprocess

from .netns import LabError, Namespace, check_lab_address

_SECTION = re.compile(r"^\*\*\*Statistics for: (\S+)\*\*\*")
_FIELD = re.compile(r"^([a-z][a-z ]*[a-z]):\s*(-?[0-9.]+)")
_RATE = re.compile(r"^Rate:\s*([0-9.]+)")


@dataclasses.dataclass
class PerfdhcpReport:
    returncode: int
    text: str
    # {"DISCOVER-OFFER": {"sent packets": 10000, "received packets": ..., "drops": ...}, ...}
    exchanges: dict[str, dict[str, float]]
    rate: float | None  # completed 4-way exchanges per second, as reported

    def value(self, exchange: str, field: str) -> float:
        try:
            return self.exchanges[exchange][field]
        except KeyError:
            raise LabError(f"perfdhcp report has no '{field}' for {exchange}:\n{self.text}")

    def drops(self) -> int:
        return int(sum(s.get("drops", 0) for s in self.exchanges.values()))

    def summary(self) -> str:
        parts = []
        for name, s in self.exchanges.items():
            parts.append(f"{name}: sent {int(s.get('sent packets', 0))}, received "
                         f"{int(s.get('received packets', 0))}, drops {int(s.get('drops', 0))}")
        rate = f"rate {self.rate:.0f} DORA/s; " if self.rate is not None else ""
        return rate + "; ".join(parts)


def parse_report(text: str, returncode: int = 0) -> PerfdhcpReport:
    exchanges: dict[str, dict[str, float]] = {}
    current: dict[str, float] | None = None
    rate = None
    for raw in text.splitlines():
        line = raw.strip()
        m = _SECTION.match(line)
        if m:
            current = exchanges.setdefault(m.group(1), {})
            continue
        m = _RATE.match(line)
        if m:
            rate = float(m.group(1))
            continue
        m = _FIELD.match(line)
        if m and current is not None:
            current[m.group(1)] = float(m.group(2))
    return PerfdhcpReport(returncode, text, exchanges, rate)


def run(ns: Namespace, server: str, local: str, *, clients: int, rate: int,
        exchanges: int | None = None, period: float | None = None, wait_us: int = 2_000_000,
        max_drops: int | None = None, extra: list[str] | None = None,
        timeout: float = 300) -> PerfdhcpReport:
    """DORA exchanges from `clients` distinct MACs at `rate`/s until
    `exchanges` (-n) have been initiated or `period` (-p) seconds passed.
    Single-threaded (-g single): its clean ceiling on 2 cores."""
    argv = ["perfdhcp", "-4", "-g", "single", "-l", check_lab_address(local),
            "-R", str(clients), "-r", str(rate), "-W", str(wait_us)]
    if exchanges is not None:
        argv += ["-n", str(exchanges)]
    if period is not None:
        argv += ["-p", str(period)]
    if max_drops is not None:
        argv += ["-D", str(max_drops)]
    argv += (extra or []) + [check_lab_address(server)]
    try:
        res = ns.run(argv, check=False, timeout=timeout)
    except LabError as e:
        raise LabError(f"perfdhcp: {e}") from e
    report = parse_report(res.stdout + "\n" + res.stderr, res.returncode)
    if not report.exchanges:
        raise LabError(f"perfdhcp printed no report (exit {res.returncode}):\n"
                       f"{res.stdout[-2000:]}\n{res.stderr[-2000:]}")
    return report
