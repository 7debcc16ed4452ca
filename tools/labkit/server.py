"""dpdhcpd under test: configuration generation, start inside a namespace,
readiness, shutdown, counters and lease dump.

The CLI contract this follows:
  dpdhcpd --config PATH [--eal-profile FILE] [--workers N] [--lease-capacity N]
          [--lease-dump PATH] [--stats-interval SECONDS] [--idle-sleep-us N]
          [-- extra EAL args]
prints "dpdhcpd: serving" when ready; on SIGTERM prints
"worker <N|total> <counter-name> <value>" lines (non-zero counters only),
writes the lease dump (Kea memfile CSV) and exits 0. Unless the config names
one, the lease journal (Dhcp4.lease-database) goes to <workdir>/<name>.journal,
so a server started again with the same name replays its leases.
"""
from __future__ import annotations

import copy
import csv
import dataclasses
import ipaddress
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
from pathlib import Path
from typing import Callable, Iterable

from . import cleanup
from .netns import LabError, Namespace, check_lab_address

REPO = Path(__file__).resolve().parents[2]
DEFAULT_BINARY = REPO / "build" / "src" / "app" / "dpdhcpd"
EAL_ONE_WORKER = REPO / "dpdk-config" / "lab.eal"
EAL_TWO_WORKERS = REPO / "dpdk-config" / "lab-2workers.eal"
LAB_JSON = REPO / "dpdk-config" / "lab.json"
SERVING = "dpdhcpd: serving"
# --idle-sleep-us for servers sharing a small machine with their clients (the
# integration tests, the README's lab): an idle worker sleeps instead of
# spinning, so a perfdhcp or the kernel's veth path gets CPU time. Benchmarks
# leave it at 0, as production does.
SHARED_MACHINE_IDLE_SLEEP_US = 200
LEASE_HEADER = ["address", "hwaddr", "client_id", "valid_lifetime", "expire", "subnet_id",
                "fqdn_fwd", "fqdn_rev", "hostname", "state", "user_context"]
_COUNTER_LINE = re.compile(r"^worker\s+(\d+|total)\s+(\S+)\s+(\d+)\s*$")
_prefixes = itertools.count(1)


def binary_path() -> Path:
    """$DPDHCPD, else build/src/app/dpdhcpd in the repository."""
    return Path(os.environ.get("DPDHCPD") or DEFAULT_BINARY)


# --- configuration -----------------------------------------------------------

def af_packet_port(ifname: str, index: int = 0, qpairs: int | None = None) -> str:
    """DPDK devargs of a net_af_packet port on a (veth) link."""
    devargs = f"net_af_packet{index},iface={ifname}"
    return devargs + (f",qpairs={qpairs}" if qpairs else "")


def interface(name: str, port: str, address: str, vlan: int | None = None,
              outer_vlan: int | None = None) -> dict:
    entry = {"name": name, "port": port, "address": check_lab_address(address)}
    if vlan is not None:
        entry["vlan"] = vlan
    if outer_vlan is not None:
        entry["outer-vlan"] = outer_vlan
    return entry


def subnet(subnet_id: int, cidr: str, pool: tuple[str, str], *, interface: str | None = None,
           relay: Iterable[str] = (), routers: str | None = None, dns: str | None = None,
           domain: str | None = None, valid: int | None = None, renew: int | None = None,
           rebind: int | None = None, **extra) -> dict:
    """A subnet4 entry; routers/dns default to the first host of the subnet."""
    net = ipaddress.ip_network(check_lab_address(cidr))
    first_host = str(net.network_address + 1)
    for a in pool:
        if ipaddress.ip_address(check_lab_address(a)) not in net:
            raise LabError(f"pool bound {a} is outside {cidr}")
    entry: dict = {"id": subnet_id, "subnet": cidr, "pools": [{"pool": f"{pool[0]} - {pool[1]}"}]}
    if interface:
        entry["interface"] = interface
    relay = [check_lab_address(r) for r in relay]
    if relay:
        entry["relay"] = {"ip-addresses": relay}
    options = [{"name": "routers", "data": check_lab_address(routers or first_host)},
               {"name": "domain-name-servers", "data": check_lab_address(dns or first_host)}]
    if domain:
        options.append({"name": "domain-name", "data": domain})
    entry["option-data"] = options
    for key, value in (("valid-lifetime", valid), ("renew-timer", renew),
                       ("rebind-timer", rebind)):
        if value is not None:
            entry[key] = value
    entry.update(extra)
    return entry


def config(interfaces: list[dict], subnets: list[dict], **globals_) -> dict:
    """A whole config: {"Dhcp4": {...}}; keyword names use '_' for '-'."""
    dhcp4 = {"interfaces-config": {"interfaces": interfaces}, "subnet4": subnets}
    for key, value in globals_.items():
        dhcp4[key.replace("_", "-")] = value
    return {"Dhcp4": dhcp4}


def config_from_lab_json(port_devargs: str, workdir: Path, path: Path = LAB_JSON) -> dict:
    """dpdk-config/lab.json (the source of subnets and options) with every
    interface's port set to port_devargs and the control socket and lease
    database moved into workdir, so the lab writes nothing elsewhere."""
    cfg = json.loads(Path(path).read_text())
    dhcp4 = cfg["Dhcp4"]
    for itf in dhcp4["interfaces-config"]["interfaces"]:
        itf["port"] = port_devargs
        check_lab_address(itf["address"])
    for sub in dhcp4["subnet4"]:
        check_lab_address(sub["subnet"])
    if "control-socket" in dhcp4:
        dhcp4["control-socket"]["socket-name"] = str(workdir / "control.sock")
    if "lease-database" in dhcp4:
        dhcp4["lease-database"]["name"] = str(workdir / "leases")
    return cfg


# --- results -------------------------------------------------------------------

@dataclasses.dataclass
class Lease:
    address: str
    hwaddr: str
    client_id: str
    valid_lifetime: int
    expire: int
    subnet_id: int
    hostname: str
    state: int


def parse_lease_dump(path: Path) -> list[Lease]:
    """Reads a Kea memfile CSV lease dump; refuses another header."""
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    if not rows:
        raise LabError(f"{path}: empty lease dump (no header)")
    if rows[0] != LEASE_HEADER:
        raise LabError(f"{path}: header {rows[0]} is not {LEASE_HEADER}")
    leases = []
    for n, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(LEASE_HEADER):
            raise LabError(f"{path}:{n}: {len(row)} fields, want {len(LEASE_HEADER)}")
        r = dict(zip(LEASE_HEADER, row))
        leases.append(Lease(r["address"], r["hwaddr"].lower(), r["client_id"],
                            int(r["valid_lifetime"]), int(r["expire"]), int(r["subnet_id"]),
                            r["hostname"], int(r["state"])))
    return leases


def parse_counters(lines: Iterable[str]) -> dict[str, dict[str, int]]:
    """{"0": {"pkt4-received": 5, ...}, "total": {...}} from counter lines;
    a later line for the same worker and counter replaces an earlier one."""
    counters: dict[str, dict[str, int]] = {}
    for line in lines:
        m = _COUNTER_LINE.match(line.strip())
        if m:
            counters.setdefault(m.group(1), {})[m.group(2)] = int(m.group(3))
    return counters


@dataclasses.dataclass(repr=False)
class ServerResult:
    returncode: int
    output: list[str]
    counters: dict[str, dict[str, int]]
    leases: list[Lease]

    def __repr__(self) -> str:
        return (f"ServerResult(exit {self.returncode}, {len(self.leases)} leases, "
                f"workers {self.workers()})")

    def total(self, name: str) -> int:
        """A counter summed over the workers ('total' line when printed)."""
        if "total" in self.counters:
            return self.counters["total"].get(name, 0)
        return sum(c.get(name, 0) for w, c in self.counters.items())

    def worker(self, index: int, name: str) -> int:
        return self.counters.get(str(index), {}).get(name, 0)

    def workers(self) -> list[str]:
        return sorted(w for w in self.counters if w != "total")


# --- the process ---------------------------------------------------------------

class Dpdhcpd:
    """dpdhcpd running inside a namespace (`ip netns exec` execs it, so the
    Popen pid is the server's own)."""

    def __init__(self, ns: Namespace, cfg: dict, workdir: Path, *, binary: Path | None = None,
                 eal_profile: Path | None = EAL_ONE_WORKER, workers: int | None = None,
                 lease_capacity: int | None = None, stats_interval: int | None = None,
                 extra_eal: Iterable[str] = (), on_line: Callable[[str], None] | None = None,
                 name: str = "dpdhcpd", extra_args: Iterable[str] = (),
                 idle_sleep_us: int = 0):
        self.ns, self.cfg = ns, copy.deepcopy(cfg)
        self.workdir = Path(workdir)
        # The lease journal goes into the workdir unless the config names one:
        # the default (/var/lib/dpdhcp) would carry leases from test to test.
        self.cfg.setdefault("Dhcp4", {}).setdefault(
            "lease-database", {"type": "journal", "name": str(self.workdir / f"{name}.journal")})
        self.binary = Path(binary or binary_path())
        self.config_path = self.workdir / f"{name}.json"
        self.lease_dump = self.workdir / f"{name}.leases.csv"
        self.log_path = self.workdir / f"{name}.log"
        self.file_prefix = f"dpdhcp-{os.getpid()}-{next(_prefixes)}"
        self.argv = [str(self.binary), "--config", str(self.config_path),
                     "--lease-dump", str(self.lease_dump)]
        if eal_profile:
            self.argv += ["--eal-profile", str(eal_profile)]
        if workers:
            self.argv += ["--workers", str(workers)]
        if lease_capacity:
            self.argv += ["--lease-capacity", str(lease_capacity)]
        if stats_interval:
            self.argv += ["--stats-interval", str(stats_interval)]
        if idle_sleep_us:
            self.argv += ["--idle-sleep-us", str(idle_sleep_us)]
        self.argv += [*extra_args, "--", "--file-prefix", self.file_prefix, *extra_eal]
        self.on_line = on_line
        self.lines: list[str] = []
        self._lines_lock = threading.Lock()
        self._serving = threading.Event()
        self._proc: subprocess.Popen | None = None
        self._reader: threading.Thread | None = None
        self._token: int | None = None
        self.result: ServerResult | None = None

    def start(self, timeout: float = 60) -> "Dpdhcpd":
        if not os.access(self.binary, os.X_OK):
            raise LabError(f"dpdhcpd binary not found or not executable: {self.binary}")
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.config_path.write_text(json.dumps(self.cfg, indent=2) + "\n")
        self.lease_dump.unlink(missing_ok=True)
        self._proc = self.ns.popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                   text=True, bufsize=1)
        self._token = cleanup.register(f"dpdhcpd {self.file_prefix}", self._kill)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()
        deadline = time.monotonic() + timeout
        while not self._serving.wait(0.1):
            if self._proc.poll() is not None or time.monotonic() > deadline:
                time.sleep(0.2)  # let the reader drain the last lines
                why = (f"exited {self._proc.returncode}" if self._proc.poll() is not None
                       else f"did not print '{SERVING}' within {timeout}s")
                self._kill()
                raise LabError(f"dpdhcpd {why}; command: ip netns exec {self.ns.name} "
                               f"{' '.join(self.argv)}\n--- its output:\n" +
                               "\n".join(self.lines[-40:]))
        return self

    def _read(self) -> None:
        assert self._proc and self._proc.stdout
        with open(self.log_path, "a") as log:
            for line in self._proc.stdout:
                line = line.rstrip("\n")
                log.write(line + "\n")
                log.flush()
                with self._lines_lock:
                    self.lines.append(line)
                if self.on_line:
                    self.on_line(line)
                if line.strip() == SERVING:
                    self._serving.set()

    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def stop(self, timeout: float = 30, expect_dump: bool = True) -> ServerResult:
        """SIGTERM, wait for exit 0, parse the counters and the lease dump.
        Raises LabError when the server breaks the contract (another exit
        code, no counter lines, no dump)."""
        if self._proc is None:
            raise LabError("dpdhcpd was not started")
        if self.result is not None:
            return self.result
        if self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
        try:
            self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self._kill()
            raise LabError(f"dpdhcpd did not exit within {timeout}s of SIGTERM")
        assert self._reader is not None
        self._reader.join(5)  # the last lines (counters) are in the pipe
        self._finish()
        with self._lines_lock:
            lines = list(self.lines)
        # Counter lines come at shutdown (the last value of a counter wins, in
        # case periodic reports ever use the same form). A Ctrl-C in a terminal
        # may have stopped the server before SIGTERM did: all lines count.
        counters = parse_counters(lines)
        if self._proc.returncode != 0:
            raise LabError(f"dpdhcpd exited {self._proc.returncode} after SIGTERM (want 0); "
                           "its last lines:\n" + "\n".join(lines[-25:]))
        if not counters:
            raise LabError("dpdhcpd exited 0 but printed no counter lines of the form "
                           "'worker <N|total> <counter-name> <value>'; its last lines:\n" +
                           "\n".join(lines[-25:]))
        leases: list[Lease] = []
        if self.lease_dump.exists():
            leases = parse_lease_dump(self.lease_dump)
        elif expect_dump:
            raise LabError(f"dpdhcpd exited 0 but wrote no lease dump at {self.lease_dump}")
        self.result = ServerResult(self._proc.returncode, lines, counters, leases)
        return self.result

    def crash(self) -> None:
        """SIGKILL: no shutdown, no counters, no dump (crash tests)."""
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._reader is not None:
            self._reader.join(5)
        self._finish()

    def _kill(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.send_signal(signal.SIGTERM)
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._finish()

    def _finish(self) -> None:
        if self._token is not None:
            cleanup.unregister(self._token)
            self._token = None
        # EAL's runtime folder for this instance's --file-prefix.
        shutil.rmtree(f"/var/run/dpdk/{self.file_prefix}", ignore_errors=True)
