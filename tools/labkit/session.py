"""Lab: one owner for a set of namespaces, links, servers and clients, torn
down together (newest first) when the `with` block ends, whatever ended it.
"""
from __future__ import annotations

import dataclasses
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Callable

from . import capture, clients, netns, relay, server
from .netns import Namespace


@dataclasses.dataclass
class DirectLink:
    """A server namespace and a client namespace joined by a veth pair; the
    server's end has no address (dpdhcpd owns it through net_af_packet)."""
    server_ns: Namespace
    client_ns: Namespace
    server_if: str
    client_if: str

    def port(self, index: int = 0, qpairs: int | None = None) -> str:
        return server.af_packet_port(self.server_if, index, qpairs)


class Lab:
    """server_defaults: keyword arguments every server() of this lab gets
    unless the call gives its own (e.g. idle_sleep_us for a shared machine)."""

    def __init__(self, workdir: Path | None = None, keep_workdir: bool = False,
                 server_defaults: dict | None = None):
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="dpdhcp-lab-"))
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.keep_workdir = keep_workdir
        self.server_defaults = dict(server_defaults or {})
        self._teardown: list[tuple[str, Callable[[], object]]] = []
        self.servers: list[server.Dpdhcpd] = []

    def __enter__(self) -> "Lab":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def own(self, description: str, undo: Callable[[], object]) -> None:
        self._teardown.append((description, undo))

    def close(self) -> None:
        while self._teardown:
            description, undo = self._teardown.pop()
            try:
                undo()
            except BaseException as e:  # keep tearing down
                print(f"labkit: teardown '{description}' failed: {e!r}", file=sys.stderr)
        if not self.keep_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)

    # --- building blocks ---------------------------------------------------------
    def namespace(self, tag: str) -> Namespace:
        ns = Namespace(tag)
        self.own(f"netns {ns.name}", ns.delete)
        return ns

    def veth(self, a: Namespace, b: Namespace, mtu: int | None = None,
             tags: tuple[str, str] = ("s", "c")) -> tuple[str, str]:
        return netns.veth(a, b, mtu=mtu, tags=tags)  # removed with the namespaces

    def direct_link(self, mtu: int | None = None) -> DirectLink:
        s, c = self.namespace("srv"), self.namespace("cli")
        s_if, c_if = self.veth(s, c, mtu=mtu)
        return DirectLink(s, c, s_if, c_if)

    def server(self, ns: Namespace, cfg: dict, start: bool = True, **kw) -> server.Dpdhcpd:
        kw.setdefault("name", f"dpdhcpd{len(self.servers)}")
        for key, value in self.server_defaults.items():
            kw.setdefault(key, value)
        srv = server.Dpdhcpd(ns, cfg, self.workdir, **kw)
        self.own(f"dpdhcpd {srv.file_prefix}", srv._kill)
        self.servers.append(srv)
        return srv.start() if start else srv

    def dhclient(self, ns: Namespace, ifname: str, name: str | None = None) -> clients.Dhclient:
        c = clients.Dhclient(ns, ifname, self.workdir, name)
        self.own(c.name, c._stop_quietly)
        return c

    def udhcpc(self, ns: Namespace, ifname: str, name: str | None = None) -> clients.Udhcpc:
        c = clients.Udhcpc(ns, ifname, self.workdir, name)
        self.own(c.name, c.stop)
        return c

    def dhcpcd(self, ns: Namespace, ifname: str, name: str | None = None) -> clients.Dhcpcd:
        c = clients.Dhcpcd(ns, ifname, self.workdir, name)
        self.own(c.name, c._stop_quietly)
        return c

    def relay(self, ns: Namespace, downstream: str, upstream: str, server_ip: str,
              agent_info: bool = True) -> relay.Dhcrelay:
        r = relay.Dhcrelay(ns, downstream, upstream, server_ip, self.workdir, agent_info)
        self.own("dhcrelay", r.stop)
        return r.start()

    def capture(self, ns: Namespace, ifname: str, name: str = "capture",
                bpf: str = "udp port 67 or udp port 68 or arp") -> capture.Capture:
        cap = capture.Capture(ns, ifname, self.workdir / f"{name}.pcap", bpf)
        self.own(f"tcpdump {name}", cap.stop)
        return cap.start()
