"""Real DHCP clients (dhclient, udhcpc, dhcpcd) run inside a namespace with
private hook scripts: each script only logs the event to a file of its own
and sets or removes the address on the client's link. The clients' default
scripts would rewrite the machine's /etc/resolv.conf and hostname
(../../shared/CLIENTS.md), so they never run.

Events are logged one per line as tab-separated key=value fields; events()
returns them as dicts ({"reason": "BOUND", "ip": ..., ...}).
"""
from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from . import cleanup
from .netns import LabError, Namespace, _terminate

# Fields every script logs, named alike for the three clients.
_DHCLIENT_SCRIPT = r"""#!/bin/sh
# labkit private dhclient script: log, set the address; nothing else.
printf 'reason=%s\tinterface=%s\tip=%s\tmask=%s\trouters=%s\tdns=%s\tdomain=%s\tlease=%s\trenew=%s\trebind=%s\tserver=%s\told_ip=%s\n' \
  "$reason" "$interface" "$new_ip_address" "$new_subnet_mask" "$new_routers" \
  "$new_domain_name_servers" "$new_domain_name" "$new_dhcp_lease_time" \
  "$new_dhcp_renewal_time" "$new_dhcp_rebinding_time" "$new_dhcp_server_identifier" \
  "$old_ip_address" >> "@LOG@"
case "$reason" in
  PREINIT) ip link set dev "$interface" up ;;
  BOUND|RENEW|REBIND|REBOOT)
    if [ -n "$old_ip_address" ] && [ "$old_ip_address" != "$new_ip_address" ]; then
      ip -4 addr flush dev "$interface"
    fi
    ip addr replace "$new_ip_address/$new_subnet_mask" dev "$interface" ;;
  EXPIRE|FAIL|RELEASE|STOP) ip -4 addr flush dev "$interface" ;;
esac
exit 0
"""

_DHCLIENT_CONF = """# labkit private dhclient.conf: short timers, no hostname sent.
timeout 30;
retry 5;
initial-interval 1;
request subnet-mask, broadcast-address, routers, domain-name, domain-name-servers;
"""

_UDHCPC_SCRIPT = r"""#!/bin/sh
# labkit private udhcpc script: log, set the address; nothing else.
printf 'reason=%s\tinterface=%s\tip=%s\tmask=%s\trouters=%s\tdns=%s\tdomain=%s\tlease=%s\tserver=%s\n' \
  "$1" "$interface" "$ip" "$subnet" "$router" "$dns" "$domain" "$lease" "$serverid" >> "@LOG@"
case "$1" in
  deconfig) ip -4 addr flush dev "$interface" ;;
  bound|renew) ip -4 addr flush dev "$interface"; ip addr add "$ip/${mask:-24}" dev "$interface" ;;
esac
exit 0
"""

_DHCPCD_SCRIPT = r"""#!/bin/sh
# labkit private dhcpcd script: log only (dhcpcd sets the address itself).
printf 'reason=%s\tinterface=%s\tip=%s\tmask=%s\trouters=%s\tdns=%s\tdomain=%s\tlease=%s\trenew=%s\trebind=%s\tserver=%s\told_ip=%s\n' \
  "$reason" "$interface" "$new_ip_address" "$new_subnet_mask" "$new_routers" \
  "$new_domain_name_servers" "$new_domain_name" "$new_dhcp_lease_time" \
  "$new_dhcp_renewal_time" "$new_dhcp_rebinding_time" "$new_dhcp_server_identifier" \
  "$old_ip_address" >> "@LOG@"
exit 0
"""

_DHCPCD_CONF = """# labkit private dhcpcd.conf: IPv4 only, no hooks, no hostname.
option subnet_mask, routers, domain_name_servers, domain_name
noipv6rs
nohook resolv.conf, hostname, timezone, ntp.conf
"""


def _write(path: Path, text: str, mode: int = 0o644) -> Path:
    path.write_text(text)
    os.chmod(path, mode)
    return path


class _Client:
    kind = "client"

    def __init__(self, ns: Namespace, ifname: str, workdir: Path, name: str | None = None):
        self.ns, self.ifname = ns, ifname
        self.name = name or f"{self.kind}-{ifname}"
        self.dir = Path(workdir) / self.name
        self.dir.mkdir(parents=True, exist_ok=True)
        self.log = self.dir / "events.log"
        self.log.touch()

    def events(self) -> list[dict]:
        out = []
        for line in self.log.read_text().splitlines():
            fields = dict(f.split("=", 1) for f in line.split("\t") if "=" in f)
            out.append(fields)
        return out

    def reasons(self) -> list[str]:
        return [e.get("reason", "") for e in self.events()]

    def wait_for(self, reasons: str | tuple[str, ...], timeout: float, after: int = 0) -> dict:
        """The first event with one of reasons among events[after:]; raises
        LabError with the events seen when none comes within timeout."""
        if isinstance(reasons, str):
            reasons = (reasons,)
        deadline = time.monotonic() + timeout
        while True:
            events = self.events()
            for e in events[after:]:
                if e.get("reason") in reasons:
                    return e
            if time.monotonic() > deadline:
                raise LabError(f"{self.name}: no {'/'.join(reasons)} event within {timeout}s; "
                               f"events: {[e.get('reason') for e in events]}")
            time.sleep(0.2)

    def addresses(self) -> list[str]:
        return self.ns.ipv4_addresses(self.ifname)


class Dhclient(_Client):
    """ISC dhclient with its own script, config, lease and pid files."""
    kind = "dhclient"

    def __init__(self, ns: Namespace, ifname: str, workdir: Path, name: str | None = None):
        super().__init__(ns, ifname, workdir, name)
        self.script = _write(self.dir / "script.sh",
                             _DHCLIENT_SCRIPT.replace("@LOG@", str(self.log)), 0o755)
        self.conf = _write(self.dir / "dhclient.conf", _DHCLIENT_CONF)
        self.lease_file = self.dir / "dhclient.leases"
        self.pid_file = self.dir / "dhclient.pid"
        self._token = cleanup.register(f"{self.name} stop", self._stop_quietly)

    def _argv(self, *flags: str) -> list[str]:
        return ["dhclient", "-4", *flags, "-v", "-cf", str(self.conf), "-sf", str(self.script),
                "-pf", str(self.pid_file), "-lf", str(self.lease_file), self.ifname]

    def obtain(self, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess:
        """One try (-1) for a lease; dhclient then daemonises and renews."""
        res = self.ns.run(self._argv("-1"), check=False, timeout=timeout)
        if check and res.returncode != 0:
            raise LabError(f"{self.name}: dhclient -1 exited {res.returncode}; events "
                           f"{self.reasons()}; output:\n{res.stderr[-3000:]}")
        return res

    def stop_keep(self) -> None:
        """-x: stop the daemon, keep the lease (the script sees STOP)."""
        self.ns.run(self._argv("-x"), check=False, timeout=30)

    def release(self) -> subprocess.CompletedProcess:
        """-r: DHCPRELEASE for the current lease, then stop."""
        return self.ns.run(self._argv("-r"), check=False, timeout=30)

    def daemon_pid(self) -> int | None:
        try:
            return int(self.pid_file.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def seed_lease(self, address: str, server: str, mask: str = "255.255.255.0",
                   lifetime: int = 3600) -> None:
        """Writes a lease file as if dhclient had held `address` (for an
        INIT-REBOOT on the next start)."""
        fmt = "%w %Y/%m/%d %H:%M:%S"
        now = time.time()

        def when(t: float) -> str:
            return time.strftime(fmt, time.gmtime(t))
        self.lease_file.write_text(
            "lease {\n"
            f'  interface "{self.ifname}";\n'
            f"  fixed-address {address};\n"
            f"  option subnet-mask {mask};\n"
            f"  option dhcp-lease-time {lifetime};\n"
            f"  option dhcp-server-identifier {server};\n"
            f"  renew {when(now + lifetime / 2)};\n"
            f"  rebind {when(now + lifetime * 7 / 8)};\n"
            f"  expire {when(now + lifetime)};\n"
            "}\n")

    def _stop_quietly(self) -> None:
        pid = self.daemon_pid()
        if pid:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass


class Udhcpc(_Client):
    """busybox udhcpc: one-shot, or a foreground client driven by signals
    (USR1 renew, USR2 release: busybox 1.35's `-q -R` sends no RELEASE)."""
    kind = "udhcpc"

    def __init__(self, ns: Namespace, ifname: str, workdir: Path, name: str | None = None):
        super().__init__(ns, ifname, workdir, name)
        self.script = _write(self.dir / "script.sh",
                             _UDHCPC_SCRIPT.replace("@LOG@", str(self.log)), 0o755)
        self.pid_file = self.dir / "udhcpc.pid"
        self.proc: subprocess.Popen | None = None
        self._token: int | None = None

    def oneshot(self, tries: int = 5, timeout: float = 60, check: bool = True,
                ) -> subprocess.CompletedProcess:
        res = self.ns.run(["udhcpc", "-f", "-q", "-n", "-i", self.ifname, "-s", str(self.script),
                           "-t", str(tries), "-T", "1"], check=False, timeout=timeout)
        if check and res.returncode != 0:
            raise LabError(f"{self.name}: udhcpc exited {res.returncode}: "
                           f"{(res.stderr + res.stdout)[-2000:]}")
        return res

    def start(self, tries: int = 10) -> "Udhcpc":
        self.proc = self.ns.popen(["udhcpc", "-f", "-i", self.ifname, "-s", str(self.script),
                                   "-p", str(self.pid_file), "-t", str(tries), "-T", "1"],
                                  stdout=open(self.dir / "udhcpc.out", "w"),
                                  stderr=subprocess.STDOUT)
        self._token = cleanup.register(f"{self.name}", lambda: _terminate(self.proc))
        return self

    def signal(self, sig: int) -> None:
        if self.proc is None or self.proc.poll() is not None:
            raise LabError(f"{self.name} is not running")
        self.proc.send_signal(sig)  # ip netns exec execs udhcpc: same pid

    def renew(self) -> None:
        self.signal(signal.SIGUSR1)

    def release(self) -> None:
        self.signal(signal.SIGUSR2)

    def stop(self) -> None:
        if self._token is not None:
            cleanup.run_one(self._token)
            self._token = None


class Dhcpcd(_Client):
    """dhcpcd 9 with a private script and config. Its state (DUID, lease
    files, control socket, pid file) goes to this client's own folder: every
    invocation bind-mounts it over /var/lib/dhcpcd and /run/dhcpcd inside the
    private mount namespace that `ip netns exec` creates."""
    kind = "dhcpcd"

    def __init__(self, ns: Namespace, ifname: str, workdir: Path, name: str | None = None):
        super().__init__(ns, ifname, workdir, name)
        self.script = _write(self.dir / "script.sh",
                             _DHCPCD_SCRIPT.replace("@LOG@", str(self.log)), 0o755)
        self.conf = _write(self.dir / "dhcpcd.conf", _DHCPCD_CONF)
        self.db_dir, self.run_dir = self.dir / "db", self.dir / "run"
        self.db_dir.mkdir(exist_ok=True)
        self.run_dir.mkdir(exist_ok=True)
        self.proc: subprocess.Popen | None = None
        self._proc_token: int | None = None
        self._token = cleanup.register(f"{self.name} stop", self._stop_quietly)

    def _wrap(self, *args: str) -> list[str]:
        for d in ("/var/lib/dhcpcd", "/run/dhcpcd"):
            if not os.path.isdir(d):  # mount point; dhcpcd would make it too
                os.makedirs(d)
                cleanup.register(f"rmdir {d}", lambda d=d: os.rmdir(d))
        wrapper = ('mount --bind "$1" /var/lib/dhcpcd && mount --bind "$2" /run/dhcpcd '
                   '&& shift 2 && exec dhcpcd "$@"')
        return ["sh", "-c", wrapper, "sh", str(self.db_dir), str(self.run_dir), *args]

    def _run(self, *args: str, timeout: float = 60) -> subprocess.CompletedProcess:
        return self.ns.run(self._wrap(*args), check=False, timeout=timeout)

    def start(self, timeout: float = 30) -> "Dhcpcd":
        """Runs the client in the foreground (-B, debug log in dhcpcd.out)
        and returns once it is bound. (Daemonised, dhcpcd 9.4.1 logs
        "sending RELEASE" on -k but no RELEASE reaches the wire.)"""
        argv = self._wrap("-4", "-B", "-d", "-A", "-t", str(int(timeout)), "-c", str(self.script),
                          "-f", str(self.conf), self.ifname)
        self.proc = self.ns.popen(argv, stdout=open(self.dir / "dhcpcd.out", "w"),
                                  stderr=subprocess.STDOUT)
        self._proc_token = cleanup.register(f"{self.name} process", lambda: _terminate(self.proc))
        deadline = time.monotonic() + timeout
        while "BOUND" not in self.reasons():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                out = (self.dir / "dhcpcd.out").read_text()[-2000:]
                raise LabError(f"{self.name}: not bound within {timeout}s (exit "
                               f"{self.proc.poll()}); events {self.reasons()}:\n{out}")
            time.sleep(0.1)
        return self

    def renew(self) -> subprocess.CompletedProcess:
        return self._run("-4", "-n", self.ifname)

    def release(self) -> subprocess.CompletedProcess:
        return self._run("-4", "-k", self.ifname)

    def stop(self) -> None:
        """-x: the client stops (script: STOP), keeping its lease."""
        if self.proc is not None and self.proc.poll() is None:
            self._run("-4", "-x", self.ifname)
        if self._proc_token is not None:
            cleanup.run_one(self._proc_token)
            self._proc_token = None

    def _stop_quietly(self) -> None:
        self.stop()
