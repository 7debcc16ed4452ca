"""Shared pieces of the integration tests: labkit import, standard configs,
pool checks and a raw DHCP option reader for captures."""
import ipaddress
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "tools"))
import labkit  # noqa: E402
from labkit import server as srv  # noqa: E402
import pytest  # noqa: E402

SERVER_IP = "198.18.0.1"
POOL = ("198.18.0.100", "198.18.0.250")
DOMAIN = "lab.dpdhcp.test"


def direct_config(port, *, valid=3600, renew=None, rebind=None, extra_interfaces=(),
                  extra_subnets=(), **globals_):
    """One interface (lab0, 198.18.0.1/24) on `port` and its subnet 1
    198.18.0.0/24, pool 198.18.0.100-250, router and DNS 198.18.0.1."""
    interfaces = [srv.interface("lab0", port, f"{SERVER_IP}/24"), *extra_interfaces]
    subnets = [srv.subnet(1, "198.18.0.0/24", POOL, interface="lab0", domain=DOMAIN,
                          valid=valid, renew=renew, rebind=rebind), *extra_subnets]
    return srv.config(interfaces, subnets, **globals_)


def in_range(address, first, last):
    a = ipaddress.ip_address(address)
    return ipaddress.ip_address(first) <= a <= ipaddress.ip_address(last)


def leases_of(result, mac):
    return [lease for lease in result.leases if lease.hwaddr == mac.lower()]


def dhcp_options(bootp: bytes):
    """[(code, value bytes)] from the options field of a raw BOOTP/DHCP
    message (after the 236-byte header and the magic cookie), in wire order."""
    out, i = [], 240
    while i < len(bootp):
        code = bootp[i]
        if code == 255:
            break
        if code == 0:
            i += 1
            continue
        length = bootp[i + 1]
        out.append((code, bytes(bootp[i + 2:i + 2 + length])))
        i += 2 + length
    return out


def option(bootp: bytes, code: int):
    for c, value in dhcp_options(bootp):
        if c == code:
            return value
    return None


def counters_text(result):
    """The server's counters, for assertion messages."""
    return "\n".join(f"worker {w} {k} {v}" for w, c in sorted(result.counters.items())
                     for k, v in sorted(c.items()))


def need(*tools):
    """Skips the test when a client or tool is not installed."""
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        pytest.skip(f"missing {', '.join(missing)} (tools/install-deps.sh installs them)")
