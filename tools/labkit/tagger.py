#!/usr/bin/python3
"""A userspace 802.1Q / QinQ access port, for kernels built without 802.1Q
(CONFIG_VLAN_8021Q unset: `ip link add ... type vlan` answers "Unknown device
type").

    tagger.py TAP TRUNK VID [OUTER_VID]

Run inside the namespace that holds both links. TAP is a persistent tap link
(`ip tuntap add mode tap`) on which a client runs as if on `TRUNK.VID`: every
frame the client sends leaves TRUNK with a C-tag VID (TPID 0x8100), under an
S-tag OUTER_VID (TPID 0x88a8) when one is given; every frame arriving on
TRUNK with exactly that tag stack is untagged and handed to TAP. Other frames
are left alone. The receive path rebuilds the outer tag that the kernel moves
out of the frame into packet metadata (PACKET_AUXDATA). Stdlib only; stops
on SIGTERM.
"""
import fcntl
import os
import select
import signal
import socket
import struct
import sys

ETH_P_ALL = 0x0003
TPID_C, TPID_S = 0x8100, 0x88A8
SOL_PACKET, PACKET_AUXDATA = 263, 8
TP_STATUS_VLAN_VALID, TP_STATUS_VLAN_TPID_VALID = 0x10, 0x40
PACKET_OUTGOING = 4
TUNSETIFF, IFF_TAP, IFF_NO_PI = 0x400454CA, 0x0002, 0x1000


def open_tap(name: str) -> int:
    fd = os.open("/dev/net/tun", os.O_RDWR)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def tag_stack(vid: int, outer: int | None) -> bytes:
    tags = b""
    if outer is not None:
        tags += struct.pack("!HH", TPID_S, outer)
    return tags + struct.pack("!HH", TPID_C, vid)


def main() -> int:
    tap_name, trunk, vid = sys.argv[1], sys.argv[2], int(sys.argv[3])
    outer = int(sys.argv[4]) if len(sys.argv) > 4 else None
    stack = tag_stack(vid, outer)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))

    tap = open_tap(tap_name)
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(ETH_P_ALL))
    sock.setsockopt(SOL_PACKET, PACKET_AUXDATA, 1)
    sock.bind((trunk, 0))
    print("tagger: ready", flush=True)
    while True:
        ready, _, _ = select.select([tap, sock], [], [])
        if tap in ready:
            frame = os.read(tap, 65536)
            if len(frame) >= 14:
                sock.send(frame[:12] + stack + frame[12:])
        if sock in ready:
            data, anc, _, addr = sock.recvmsg(65536, socket.CMSG_SPACE(20))
            if addr[2] == PACKET_OUTGOING or len(data) < 14:
                continue
            for level, kind, value in anc:
                if level == SOL_PACKET and kind == PACKET_AUXDATA and len(value) >= 20:
                    status, _, _, _, _, tci, tpid = struct.unpack("IIIHHHH", value[:20])
                    if status & TP_STATUS_VLAN_VALID:
                        if not status & TP_STATUS_VLAN_TPID_VALID:
                            tpid = TPID_C
                        data = data[:12] + struct.pack("!HH", tpid, tci) + data[12:]
            if data[12:12 + len(stack)] == stack:
                os.write(tap, data[:12] + data[12 + len(stack):])


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(0)
