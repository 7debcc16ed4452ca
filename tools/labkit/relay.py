"""ISC dhcrelay (isc-dhcp-relay) as the relay agent between a client link
and the server's link."""
from __future__ import annotations

import subprocess
import threading
import time
from pathlib import Path

from . import cleanup
from .netns import LabError, Namespace, _terminate, check_lab_address


class Dhcrelay:
    """dhcrelay -4 in the foreground: requests from `downstream` are relayed
    to `server` through `upstream`, giaddr = the downstream link's address.
    agent_info=True (-a) adds option 82 with the circuit-id = the downstream
    interface name (RFC 3046)."""

    def __init__(self, ns: Namespace, downstream: str, upstream: str, server: str,
                 workdir: Path, agent_info: bool = True):
        self.ns, self.downstream, self.upstream = ns, downstream, upstream
        self.server = check_lab_address(server)
        self.dir = Path(workdir)
        self.log_path = self.dir / "dhcrelay.log"
        self.argv = ["dhcrelay", "-4", "-d"] + (["-a"] if agent_info else []) + [
            "-pf", str(self.dir / "dhcrelay.pid"), "-id", downstream, "-iu", upstream, self.server]
        self.lines: list[str] = []
        self.proc: subprocess.Popen | None = None
        self._token: int | None = None

    def start(self, timeout: float = 15) -> "Dhcrelay":
        self.proc = self.ns.popen(self.argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                  text=True, bufsize=1)
        self._token = cleanup.register("dhcrelay", lambda: _terminate(self.proc))
        ready = threading.Event()

        def read() -> None:
            with open(self.log_path, "a") as log:
                for line in self.proc.stdout:
                    log.write(line)
                    log.flush()
                    self.lines.append(line.rstrip("\n"))
                    # The last interface line comes once both sides are open.
                    if line.startswith("Sending on") and self.upstream in line:
                        ready.set()
        threading.Thread(target=read, daemon=True).start()
        if not ready.wait(timeout):
            _terminate(self.proc)
            raise LabError("dhcrelay did not start: " + "\n".join(self.lines[-20:]))
        time.sleep(0.2)
        return self

    def stop(self) -> None:
        if self._token is not None:
            cleanup.run_one(self._token)
            self._token = None
