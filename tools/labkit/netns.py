"""Network namespaces, veth pairs, VLAN / QinQ / macvlan links, commands run
inside a namespace.

Names are unique per process: namespaces are `dpl-<pid>-<n>-<tag>`, links
`d<tag><pid base36, 5 chars><n base36>` (at most 15 characters, the kernel's
IFNAMSIZ - 1, even with a `.<vid>` suffix). Both ends of every veth are
created directly inside namespaces (never in the root namespace), so deleting
the namespaces removes every link. Deleting a namespace first ends the
processes still living in it (`ip netns pids`).
"""
from __future__ import annotations

import ipaddress
import itertools
import json
import os
import signal
import subprocess
import time
from typing import Sequence

from . import cleanup

NS_PREFIX = "dpl-"
_counter = itertools.count(1)
# RFC 2544 benchmarking space: the only addresses the lab ever uses.
LAB_SPACE = ipaddress.ip_network("198.18.0.0/15")


class LabError(RuntimeError):
    """A lab step failed; the message says which and why."""


def check_lab_address(text: str) -> str:
    """Refuses any address or prefix outside 198.18.0.0/15; returns text."""
    net = ipaddress.ip_interface(text).network
    if net.version != 4 or not net.subnet_of(LAB_SPACE):
        raise LabError(f"{text} is outside the lab space {LAB_SPACE}")
    return text


def _base36(n: int) -> str:
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"
    out = ""
    while True:
        n, r = divmod(n, 36)
        out = digits[r] + out
        if n == 0:
            return out


def unique_ns_name(tag: str) -> str:
    return f"{NS_PREFIX}{os.getpid()}-{next(_counter)}-{tag}"


def unique_ifname(tag: str = "v") -> str:
    """A link name unique in this process: 'd' + 1-char tag + pid + counter,
    at most 10 characters so that '.4094' still fits in 15."""
    name = f"d{tag[:1]}{_base36(os.getpid()).rjust(5, '0')}{_base36(next(_counter))}"
    if len(name) > 10:
        raise LabError(f"link name {name} too long")
    return name


def run(argv: Sequence[str], *, check: bool = True, timeout: float = 60,
        input: str | None = None) -> subprocess.CompletedProcess:
    """Runs a command to completion, capturing its output as text."""
    try:
        proc = subprocess.run(list(argv), capture_output=True, text=True, timeout=timeout,
                              input=input, stdin=None if input is not None else subprocess.DEVNULL)
    except FileNotFoundError as e:
        raise LabError(f"command not found: {argv[0]}") from e
    except subprocess.TimeoutExpired as e:
        raise LabError(f"timed out after {timeout}s: {' '.join(argv)}") from e
    if check and proc.returncode != 0:
        raise LabError(f"'{' '.join(argv)}' exited {proc.returncode}: "
                       f"{(proc.stderr or proc.stdout).strip()}")
    return proc


def netns_available() -> tuple[bool, str]:
    """(usable, reason): root and a working `ip netns`."""
    if os.geteuid() != 0:
        return False, "needs root (network namespaces)"
    try:
        run(["ip", "netns", "list"], timeout=10)
    except LabError as e:
        return False, f"`ip netns` is unavailable: {e}"
    return True, ""


class Namespace:
    """A network namespace owned by this process. Use as a context manager or
    call delete(); it is also deleted by cleanup.run_all()."""

    def __init__(self, tag: str):
        self.name = unique_ns_name(tag)
        run(["ip", "netns", "add", self.name])
        self._token = cleanup.register(f"netns {self.name}", self._delete)
        self.run(["ip", "link", "set", "lo", "up"])
        # A quiet wire: no IPv6 autoconfiguration, router or neighbour
        # solicitations on lab links ('default' covers links created or moved
        # here later; set_link_quiet covers each link explicitly too).
        for key in ("net/ipv6/conf/all/disable_ipv6", "net/ipv6/conf/default/disable_ipv6"):
            self.sysctl(key, "1")

    def __repr__(self) -> str:
        return f"Namespace({self.name})"

    def __enter__(self) -> "Namespace":
        return self

    def __exit__(self, *exc) -> None:
        self.delete()

    def cmd(self, argv: Sequence[str]) -> list[str]:
        return ["ip", "netns", "exec", self.name, *argv]

    def run(self, argv: Sequence[str], **kw) -> subprocess.CompletedProcess:
        return run(self.cmd(argv), **kw)

    def popen(self, argv: Sequence[str], **kw) -> subprocess.Popen:
        """Starts a long-running process in its own session, so that a Ctrl-C
        in the terminal reaches only the lab, which stops it in order."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("start_new_session", True)
        return subprocess.Popen(self.cmd(argv), **kw)

    def sysctl(self, key: str, value: str) -> None:
        """key with '/' separators (link names may contain dots)."""
        self.run(["sh", "-c", f'echo {value} > "/proc/sys/{key}"'])

    def pids(self) -> list[int]:
        out = run(["ip", "netns", "pids", self.name], check=False).stdout
        return [int(p) for p in out.split()]

    def kill_all(self, grace: float = 3.0) -> None:
        """SIGTERM to every process in the namespace, SIGKILL to survivors."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, sig)
                except ProcessLookupError:
                    pass
            deadline = time.monotonic() + grace
            while time.monotonic() < deadline and self.pids():
                time.sleep(0.05)

    def delete(self) -> None:
        cleanup.run_one(self._token)

    def _delete(self) -> None:
        self.kill_all()
        run(["ip", "netns", "del", self.name], check=False)

    # --- links and addresses ---------------------------------------------
    def ip(self, *args: str, **kw) -> subprocess.CompletedProcess:
        return self.run(["ip", *args], **kw)

    def link_up(self, ifname: str, mtu: int | None = None) -> None:
        if mtu:
            self.ip("link", "set", ifname, "mtu", str(mtu))
        self.ip("link", "set", ifname, "up")

    def set_link_quiet(self, ifname: str) -> None:
        self.sysctl(f"net/ipv6/conf/{ifname}/disable_ipv6", "1")

    def kernel_checksums(self, ifname: str) -> None:
        """Makes the kernel write full IPv4/UDP checksums into frames leaving
        ifname. A veth otherwise hands the peer CHECKSUM_PARTIAL frames, and a
        packet socket on the peer (DPDK net_af_packet) sees a UDP checksum
        that covers only the pseudo-header."""
        self.run(["ethtool", "-K", ifname, "tx", "off"], check=False)

    def add_addr(self, ifname: str, cidr: str) -> None:
        self.ip("addr", "add", check_lab_address(cidr), "dev", ifname)

    def add_route(self, dest: str, via: str | None = None, dev: str | None = None) -> None:
        argv = ["route", "add", check_lab_address(dest)]
        if via:
            argv += ["via", check_lab_address(via)]
        if dev:
            argv += ["dev", dev]
        self.ip(*argv)

    def mac(self, ifname: str) -> str:
        info = json.loads(self.ip("-j", "link", "show", "dev", ifname).stdout)
        return info[0]["address"]

    def ipv4_addresses(self, ifname: str) -> list[str]:
        info = json.loads(self.ip("-j", "-4", "addr", "show", "dev", ifname).stdout)
        return [f"{a['local']}/{a['prefixlen']}" for i in info for a in i.get("addr_info", [])]

    def neighbours(self, ifname: str | None = None) -> list[dict]:
        argv = ["-j", "-4", "neigh", "show"] + (["dev", ifname] if ifname else [])
        return json.loads(self.ip(*argv).stdout or "[]")

    def udp_stats(self) -> dict[str, int]:
        """The namespace's UDP MIB (/proc/net/snmp), e.g. RcvbufErrors: the
        datagrams a full socket receive buffer dropped."""
        lines = [l.split() for l in self.run(["cat", "/proc/net/snmp"]).stdout.splitlines()
                 if l.startswith("Udp:")]
        return {k: int(v) for k, v in zip(lines[0][1:], lines[1][1:])} if len(lines) >= 2 else {}

    def add_vlan(self, parent: str, vid: int, proto: str = "802.1Q",
                 name: str | None = None) -> str:
        """An 802.1Q (or, proto='802.1ad', an S-tag) sub-interface, up."""
        name = name or (f"{parent}.{vid}" if len(f"{parent}.{vid}") <= 15 else unique_ifname("q"))
        self.ip("link", "add", "link", parent, "name", name, "type", "vlan",
                "proto", proto, "id", str(vid))
        self.set_link_quiet(name)
        self.kernel_checksums(name)
        self.link_up(name)
        return name

    def kernel_has_vlan(self) -> bool:
        """Whether this kernel can create 802.1Q links (CONFIG_VLAN_8021Q)."""
        probe = unique_ifname("p")
        res = self.ip("link", "add", "link", "lo", "name", probe, "type", "vlan", "id", "1",
                      check=False)
        if res.returncode == 0:
            self.ip("link", "del", probe, check=False)
            return True
        return "Unknown device type" not in res.stderr and "not supported" not in res.stderr

    def add_tagged_port(self, parent: str, vid: int, outer_vid: int | None = None) -> str:
        """A link whose frames leave parent tagged with C-tag vid (under an
        802.1ad S-tag outer_vid for QinQ) and from which the tags are removed
        on the way in. Uses kernel VLAN links when the kernel has them, else a
        tap link bridged by the userspace tagger (tagger.py). Returns its name."""
        if self.kernel_has_vlan():
            if outer_vid is None:
                return self.add_vlan(parent, vid)
            s_link = self.add_vlan(parent, outer_vid, proto="802.1ad")
            return self.add_vlan(s_link, vid)
        tap = unique_ifname("t")
        self.ip("tuntap", "add", "mode", "tap", "name", tap)
        self.set_link_quiet(tap)
        self.kernel_checksums(tap)
        argv = ["/usr/bin/python3", os.path.join(os.path.dirname(__file__), "tagger.py"),
                tap, parent, str(vid)] + ([str(outer_vid)] if outer_vid is not None else [])
        proc = self.popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        token = cleanup.register(f"tagger {tap}", lambda: _terminate(proc))
        line = proc.stdout.readline()
        if "tagger: ready" not in line:
            cleanup.run_one(token)
            raise LabError(f"tagger for {tap} did not start: {line.strip()}")
        self.link_up(tap)
        return tap

    def add_macvlan(self, parent: str, name: str | None = None, mac: str | None = None) -> str:
        """A macvlan on parent (bridge mode): a second MAC on the same wire."""
        name = name or unique_ifname("m")
        argv = ["link", "add", "link", parent, "name", name]
        if mac:
            argv += ["address", mac]
        self.ip(*argv, "type", "macvlan", "mode", "bridge")
        self.set_link_quiet(name)
        self.kernel_checksums(name)
        self.link_up(name)
        return name


def _terminate(proc: subprocess.Popen, timeout: float = 5.0) -> int | None:
    """SIGTERM, then SIGKILL after timeout; returns the exit code."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.returncode


def veth(ns_a: Namespace, ns_b: Namespace, *, mtu: int | None = None,
         tags: tuple[str, str] = ("s", "c")) -> tuple[str, str]:
    """A veth pair with one end in each namespace, both up with IPv6 off and
    no address. Returns (name in ns_a, name in ns_b)."""
    a, b = unique_ifname(tags[0]), unique_ifname(tags[1])
    run(["ip", "link", "add", a, "netns", ns_a.name, "type", "veth",
         "peer", "name", b, "netns", ns_b.name])
    for ns, name in ((ns_a, a), (ns_b, b)):
        ns.set_link_quiet(name)
        ns.kernel_checksums(name)
        ns.link_up(name, mtu)
    return a, b


def sweep_stale() -> list[str]:
    """Deletes namespaces left by lab processes that no longer exist (a
    SIGKILLed run); returns their names."""
    removed = []
    for line in run(["ip", "netns", "list"], check=False).stdout.splitlines():
        name = line.split()[0] if line.split() else ""
        if not name.startswith(NS_PREFIX):
            continue
        try:
            pid = int(name[len(NS_PREFIX):].split("-")[0])
        except ValueError:
            continue
        if pid == os.getpid() or cleanup.pid_alive(pid):
            continue
        for p in run(["ip", "netns", "pids", name], check=False).stdout.split():
            try:
                os.kill(int(p), signal.SIGKILL)
            except ProcessLookupError:
                pass
        run(["ip", "netns", "del", name], check=False)
        removed.append(name)
    return removed
