"""labkit: network-namespace lab for dpdhcpd and its integration tests.

Stdlib only (scapy, from Debian's python3-scapy, is imported lazily to read
captures). Run with /usr/bin/python3 as root. Everything created is removed
when its owner exits, also after a failure or a signal (cleanup.py).
"""
from . import capture, cleanup, clients, netns, perfdhcp, relay, server  # noqa: F401
from .netns import LabError, Namespace, check_lab_address, netns_available  # noqa: F401
from .session import DirectLink, Lab  # noqa: F401
