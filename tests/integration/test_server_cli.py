"""dpdhcpd's command line: wrong arguments get a clear message and exit 1
before anything starts; --idle-sleep-us gives an idle worker's CPU back
while a busy-polling worker keeps it, and clients are served either way."""
import os
import subprocess
import time

import pytest

from lab_helpers import POOL, direct_config, in_range, need, srv

# One busy-polling worker burns a whole CPU (less when other work shares the
# machine); an idle one that sleeps 200 us per idle iteration uses a small
# fraction of one.
IDLE_MAX_SHARE = 0.35
SAMPLE_S = 2.0


@pytest.mark.parametrize("args, message", [
    (["--config", "x.json", "--idle-sleep-us", "20000"], "--idle-sleep-us 20000 is out of range"),
    (["--config", "x.json", "--workers", "two"], "workers"),
    (["--workers", "1"], "--config is required"),
    (["--config", "x.json", "stray"], 'unexpected argument "stray"'),
    (["--config", "/nonexistent/dpdhcp.json"], "/nonexistent/dpdhcp.json"),
], ids=["idle-sleep-out-of-range", "workers-not-a-number", "no-config", "stray-argument",
        "missing-config-file"])
def test_wrong_arguments_exit_1_with_the_reason(dpdhcpd_binary, args, message):
    run = subprocess.run([str(dpdhcpd_binary), *args], capture_output=True, text=True, timeout=30)
    assert run.returncode == 1, (run.stdout, run.stderr)
    assert message in run.stderr, run.stderr
    assert "serving" not in run.stdout


def cpu_share(pid: int, seconds: float) -> float:
    """The process's CPU time (all threads) over `seconds` of wall time, in
    CPUs (1.0: one CPU the whole time)."""
    def ticks():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return int(fields[11]) + int(fields[12])  # utime, stime
    hz = os.sysconf("SC_CLK_TCK")
    t0, c0 = time.monotonic(), ticks()
    time.sleep(seconds)
    return (ticks() - c0) / hz / (time.monotonic() - t0)


def test_idle_sleep_gives_the_cpu_back_and_still_serves(lab):
    """The same server busy-polling and then with the labs' --idle-sleep-us, each
    idle for SAMPLE_S and then serving a udhcpc: the sleeping one uses a small
    share of a CPU, and less than half of what the busy one used in this run
    (the machine may be loaded; the ratio holds all the same)."""
    need("udhcpc")
    link = lab.direct_link()
    shares = {}
    for idle_sleep_us in (0, srv.SHARED_MACHINE_IDLE_SLEEP_US):
        server = lab.server(link.server_ns, direct_config(link.port()),
                            idle_sleep_us=idle_sleep_us, name=f"idle{idle_sleep_us}")
        assert ("--idle-sleep-us" in server.argv) == (idle_sleep_us != 0)
        time.sleep(0.5)  # past start-up work (replay, first snapshot)
        shares[idle_sleep_us] = cpu_share(server._proc.pid, SAMPLE_S)

        client = lab.udhcpc(link.client_ns, link.client_if, name=f"udhcpc{idle_sleep_us}").start()
        bound = client.wait_for("bound", 20)
        assert in_range(bound["ip"], *POOL), client.events()
        client.stop()
        result = server.stop()
        assert result.total("pkt4-ack-sent") >= 1
        assert any(lease.address == bound["ip"] for lease in result.leases)

    busy, idle = shares[0], shares[srv.SHARED_MACHINE_IDLE_SLEEP_US]
    assert idle <= IDLE_MAX_SHARE and idle <= busy / 2, shares
