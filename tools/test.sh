#!/usr/bin/env bash
# The whole test suite, from a fresh Debian 12 machine: installs what is
# missing, builds, runs unit and scenario tests, the same under ASan+UBSan,
# replays the fuzz corpora and fuzzes each target for a bounded time.
#   FUZZ_SECONDS=N  seconds of fuzzing per target (default 60; 0 = replay only)
set -euo pipefail
cd "$(dirname "$0")/.."
top=$PWD

tools/install-deps.sh

jobs=$(nproc)
fuzz_seconds=${FUZZ_SECONDS:-60}

setup() {  # setup DIR [meson options...]
  local dir=$1; shift
  if [[ -d $dir ]]; then meson setup --reconfigure "$dir" "$@" >/dev/null
  else meson setup "$dir" "$@" >/dev/null; fi
}

echo "== build (debugoptimized)"
setup build
ninja -C build
echo "== unit + scenario tests"
meson test -C build --num-processes "$jobs" --print-errorlogs

echo "== integration tests: dpdhcpd with real clients and a relay, in network namespaces"
# Each test skips, saying why, when not root, without ip netns, or without the binary.
/usr/bin/python3 -m pytest tests/integration -v -rs -p no:cacheprovider \
  --junitxml=build/integration.junit.xml

echo "== unit + scenario tests under AddressSanitizer + UndefinedBehaviorSanitizer"
setup build-asan -Dbuildtype=debug -Db_sanitize=address,undefined -Db_lundef=false -Dperf=false
ninja -C build-asan
UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
  meson test -C build-asan --num-processes "$jobs" --print-errorlogs --timeout-multiplier 4

echo "== fuzz targets (clang + libFuzzer): replay corpora, then ${fuzz_seconds}s each"
CXX=clang++ setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
  -Dperf=false -Dtests=true
ninja -C build-fuzz $(cd build-fuzz && ninja -t targets all | grep -o '^tests/fuzz/fuzz_[a-z_]*' | sort -u)
for target in build-fuzz/tests/fuzz/fuzz_*; do
  [[ -f $target && -x $target ]] || continue  # skip the fuzz_*.p object folders
  name=$(basename "$target")
  corpus=$top/tests/fuzz/corpus/$name
  echo "-- $name: replay $(ls "$corpus" | wc -l) seeds"
  "$target" -runs=0 "$corpus" 2>&1 | tail -n 1
  if ((fuzz_seconds > 0)); then
    work=$(mktemp -d)
    cp -r "$corpus/." "$work/"
    echo "-- $name: fuzz ${fuzz_seconds}s"
    rc=0
    "$target" -max_total_time="$fuzz_seconds" -print_final_stats=1 -artifact_prefix="$work/" \
      "$work" >"$work.log" 2>&1 || rc=$?
    grep -E 'stat::number_of_executed_units|Done [0-9]+ runs' "$work.log" || true
    if ((rc != 0)); then
      echo "-- $name: FUZZER FAILED (exit $rc); its log ends:" >&2
      tail -n 40 "$work.log" >&2
      exit 1
    fi
    rm -rf "$work" "$work.log"
  fi
done

/usr/bin/python3 tools/test_summary.py build/meson-logs/testlog.junit.xml \
  build-asan/meson-logs/testlog.junit.xml build/integration.junit.xml
