"""Packet capture (tcpdump into a pcap, read back with scapy) and crafted
frames sent from inside a namespace (an AF_PACKET socket, see sendframes.py).
"""
from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

from . import cleanup
from .netns import LabError, Namespace, _terminate

_SENDER = Path(__file__).with_name("sendframes.py")


class Capture:
    """tcpdump -w on a link inside a namespace. Use as a context manager or
    start()/stop(); packets() reads the pcap with scapy."""

    def __init__(self, ns: Namespace, ifname: str, path: Path,
                 bpf: str = "udp port 67 or udp port 68 or arp", snaplen: int = 0):
        self.ns, self.ifname, self.path = ns, ifname, Path(path)
        # --immediate-mode: libpcap otherwise holds frames in a ring block until
        # it fills or its timeout passes, and a stop before that loses them.
        self.argv = ["tcpdump", "-i", ifname, "-n", "--immediate-mode", "-U", "-s", str(snaplen),
                     "-w", str(path),
                     *bpf.split()]
        self.proc: subprocess.Popen | None = None
        self._token: int | None = None

    def start(self, timeout: float = 10) -> "Capture":
        self.proc = self.ns.popen(self.argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                  text=True)
        self._token = cleanup.register(f"tcpdump {self.ifname}", lambda: _terminate(self.proc))
        listening = threading.Event()
        err: list[str] = []

        def read() -> None:
            for line in self.proc.stderr:
                err.append(line)
                if "listening on" in line:
                    listening.set()
        threading.Thread(target=read, daemon=True).start()
        if not listening.wait(timeout):
            self.stop()
            raise LabError(f"tcpdump on {self.ifname} did not start: {''.join(err)}")
        return self

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            time.sleep(0.3)  # the last frames of the exchange
            self.proc.send_signal(signal.SIGINT)  # tcpdump flushes its file
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                pass
        if self._token is not None:
            cleanup.run_one(self._token)
            self._token = None

    def __enter__(self) -> "Capture":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def packets(self) -> list:
        import scapy.layers.all  # noqa: F401  (Ether, IP, UDP, BOOTP, DHCP dissectors)
        from scapy.utils import rdpcap  # Debian's python3-scapy
        if not self.path.exists() or self.path.stat().st_size == 0:
            return []
        return list(rdpcap(str(self.path)))


def send_frames(ns: Namespace, ifname: str, frames: list[bytes], gap: float = 0.02,
                workdir: Path | None = None) -> None:
    """Sends raw Ethernet frames, byte for byte, out of ifname in ns."""
    path = Path(workdir or "/tmp") / f"frames-{os.getpid()}-{time.monotonic_ns()}.bin"
    with open(path, "wb") as f:
        for frame in frames:
            f.write(len(frame).to_bytes(4, "big") + frame)
    try:
        ns.run(["/usr/bin/python3", str(_SENDER), ifname, str(path), str(gap)], timeout=60)
    finally:
        path.unlink(missing_ok=True)
