"""Fixtures of the dpdhcpd integration suite: the real server on a
net_af_packet port over a veth pair, in network namespaces each test creates
and always removes (labkit.Lab), with real clients and a real relay.

Skips the whole suite, with the reason, when not root, when `ip netns` does
not work, or when the dpdhcpd binary ($DPDHCPD, default
build/src/app/dpdhcpd) is missing.
"""
import os
import sys

import pytest

from lab_helpers import labkit, srv  # puts tools/ on sys.path


def pytest_configure(config):
    # SIGTERM/SIGHUP unwind like Ctrl-C: fixtures' finalizers remove the lab.
    labkit.cleanup.install_signal_handlers()


@pytest.fixture(scope="session")
def dpdhcpd_binary():
    ok, why = labkit.netns_available()
    if not ok:
        pytest.skip(f"integration tests need network namespaces: {why}")
    binary = labkit.server.binary_path()
    if not os.access(binary, os.X_OK):
        pytest.skip(f"dpdhcpd binary not found at {binary} (build it with `ninja -C build`, "
                    "or point $DPDHCPD at one)")
    stale = labkit.netns.sweep_stale()
    if stale:
        print(f"removed namespaces left by dead runs: {stale}", file=sys.stderr)
    return binary


@pytest.hookimpl(tryfirst=True, hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"rep_{report.when}", report)


@pytest.fixture
def lab(request, dpdhcpd_binary, tmp_path):
    """A Lab whose namespaces, processes and links go away after the test.
    Its folder (configs, server logs, client events, captures) stays under
    pytest's tmp_path; on failure the logs' tails are printed."""
    # The servers sleep when idle: CI has 2 cores for them, the clients and
    # the kernel, and a busy-polling pair of workers starves perfdhcp.
    with labkit.Lab(workdir=tmp_path / "lab", keep_workdir=True,
                    server_defaults={"idle_sleep_us": srv.SHARED_MACHINE_IDLE_SLEEP_US}) as the_lab:
        yield the_lab
        report = getattr(request.node, "rep_call", None)
        if report is not None and report.failed:
            for path in sorted(the_lab.workdir.rglob("*")):
                if path.suffix in (".log", ".out") and path.is_file():
                    lines = path.read_text(errors="replace").splitlines()[-40:]
                    print(f"--- {path} (last {len(lines)} lines)", file=sys.stderr)
                    print("\n".join(lines), file=sys.stderr)
