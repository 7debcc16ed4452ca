#!/usr/bin/python3
"""sendframes.py IFNAME FILE [GAP_SECONDS]: sends the frames in FILE (each a
4-byte big-endian length then the frame) out of IFNAME, unchanged, through an
AF_PACKET socket. Run inside a namespace with `ip netns exec`. Stdlib only."""
import socket
import sys
import time


def main() -> int:
    ifname, path = sys.argv[1], sys.argv[2]
    gap = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
    data = open(path, "rb").read()
    sock = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    sock.bind((ifname, 0))
    off = n = 0
    while off < len(data):
        length = int.from_bytes(data[off:off + 4], "big")
        sock.send(data[off + 4:off + 4 + length])
        off += 4 + length
        n += 1
        if gap:
            time.sleep(gap)
    print(f"sent {n} frames on {ifname}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
