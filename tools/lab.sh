#!/usr/bin/env bash
# The dpdhcp lab, from a fresh Debian 12 machine, as root: installs what is
# missing, builds, then runs dpdhcpd in network namespaces with real clients
# (dhclient, udhcpc, perfdhcp) until Ctrl-C (tools/lab.py; its options pass
# through, e.g. --duration 30). Everything it creates is removed on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $(id -u) -ne 0 ]]; then
  echo "lab: needs root (network namespaces, DPDK): sudo tools/lab.sh" >&2
  exit 1
fi
echo "== installing missing packages"
tools/install-deps.sh
echo "== building"
[[ -d build ]] || meson setup build
ninja -C build
exec /usr/bin/python3 tools/lab.py "$@"
