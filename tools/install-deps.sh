#!/usr/bin/env bash
# Installs the Debian 12 packages dpdhcp needs to build, test and run its lab,
# skipping what is already there. Runs as root, with no standard input (CI).
set -euo pipefail

build_pkgs=(
  meson ninja-build pkg-config g++ clang libclang-rt-14-dev
  libdpdk-dev dpdk libtbb-dev libabsl-dev nlohmann-json3-dev
  libgtest-dev libgmock-dev googletest libbenchmark-dev
)
# Real clients, relay and packet tools for the lab and the integration tests.
lab_pkgs=(
  iproute2 isc-dhcp-client udhcpc dhcpcd-base kea-admin isc-dhcp-relay python3-scapy
  python3-pytest tcpdump ethtool iputils-ping
  prometheus  # promtool: dpdhcpctl metrics checked in tests/unit/control
  dpdk-dev    # dpdk-telemetry.py: /dpdhcp/ telemetry checked in tests/integration
  lua5.4  # runs tools/pktgen/dhcp_replay.lua against a stand-in pktgen module
)
# --perf: the peer servers of perf/system/peers.py and the plots (not needed by
# CI). dnsmasq-base has no service; kea and isc-dhcp-server ship services that
# must not start on install (a policy-rc.d that denies them is put in place
# for the install when the machine has none).
perf_pkgs=(kea-dhcp4-server dnsmasq-base isc-dhcp-server kea-admin python3-matplotlib)

want=("${build_pkgs[@]}")
if [[ "${1:-}" != "--build-only" ]]; then want+=("${lab_pkgs[@]}"); fi
if [[ "${1:-}" == "--perf" ]]; then want+=("${perf_pkgs[@]}"); fi

missing=()
for p in "${want[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
if ((${#missing[@]} == 0)); then
  echo "install-deps: all ${#want[@]} packages present"
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  echo "install-deps: missing ${missing[*]}; run as root to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if [[ "${1:-}" == "--perf" && ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
  chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
fi
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
