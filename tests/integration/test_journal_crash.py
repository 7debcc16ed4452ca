"""The lease journal through the real binary (docs/journal.md, DESIGN §5
invariants 1 and 2, §6):

- crash: perfdhcp runs DORAs, dpdhcpd is killed with SIGKILL at a random
  moment, restarted on the same journal directory, three times in a row;
  every ACK the client side captured (tcpdump in the client namespace: what
  really left the server) is still leased to that client afterwards, and no
  address is leased to two clients;
- a corrupt record in the middle of a segment makes dpdhcpd refuse to start
  with a message naming the file and the offset; --skip-corrupt-journal
  starts; after the clean stop's snapshot the flag is needed no more;
- disk full (a small tmpfs under the journal): strict mode stops ACKing,
  counts drop-journal-unavailable, and serves again once space is freed.

perfdhcp acts as a relay (shared/CLIENTS.md): it sends from 198.18.64.1:67
with giaddr set, and the server answers to 198.18.64.1:67.
"""
import os
import random
import re
import subprocess
import time
from pathlib import Path

import pytest

from lab_helpers import SERVER_IP, counters_text, direct_config, labkit, need, srv

RELAY = "198.18.64.1"
BIG_POOL = ("198.18.64.10", "198.18.127.250")
CLIENTS = 3000
RATE = 800  # DORAs/s perfdhcp starts: below its own socket's loss point here
ROUNDS = 3
_REPLAYED = re.compile(r"dpdhcpd: replayed (\d+) leases from (\S+) in ([0-9.]+) s")


def relay_lab(lab):
    link = lab.direct_link()
    link.client_ns.add_addr(link.client_if, f"{RELAY}/18")
    link.client_ns.add_route(f"{SERVER_IP}/32", dev=link.client_if)
    return link


def journal_config(link, journal_dir, **db):
    big = srv.subnet(3, "198.18.64.0/18", BIG_POOL, relay=[RELAY], routers=RELAY)
    cfg = direct_config(link.port(), extra_subnets=[big])
    cfg["Dhcp4"]["lease-database"] = {"type": "journal", "name": str(journal_dir), **db}
    return cfg


def start_perfdhcp(link, *, clients, rate, seconds):
    """perfdhcp in the background for at most `seconds` (killed earlier by
    the test when the server dies)."""
    argv = ["perfdhcp", "-4", "-g", "single", "-l", RELAY, "-R", str(clients), "-r", str(rate),
            "-p", str(seconds), "-W", "500000", SERVER_IP]
    return link.client_ns.popen(argv, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def stop_process(proc):
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    return proc.stdout.read() if proc.stdout else ""


def captured_acks(capture):
    """[(time, chaddr, yiaddr)] of every DHCPACK in the capture, in order."""
    from scapy.layers.dhcp import BOOTP, DHCP
    acks = []
    for p in capture.packets():
        if BOOTP not in p or DHCP not in p:
            continue
        kind = next((o[1] for o in p[DHCP].options
                     if isinstance(o, tuple) and o[0] == "message-type"), None)
        if kind not in (5, "ack"):
            continue
        mac = ":".join(f"{b:02x}" for b in bytes(p[BOOTP].chaddr)[:6])
        acks.append((float(p.time), mac, p[BOOTP].yiaddr))
    return acks


def replayed_count(server):
    for line in server.lines:
        m = _REPLAYED.search(line)
        if m:
            return int(m.group(1))
    raise AssertionError("no 'replayed N leases' line:\n" + "\n".join(server.lines[-20:]))


def test_sigkill_at_random_moments_loses_no_acknowledged_lease(lab):
    need("perfdhcp", "tcpdump")
    link = relay_lab(lab)
    journal_dir = lab.workdir / "journal"
    cfg = journal_config(link, journal_dir, durability="strict")
    seed = int(os.environ.get("DPDHCP_CRASH_SEED", time.time_ns() % 1_000_000))
    rng = random.Random(seed)
    latest: dict[str, str] = {}  # client MAC -> address of its last captured ACK
    history = []
    for round_ in range(ROUNDS):
        server = lab.server(link.server_ns, cfg, name=f"crash{round_}")
        replayed = replayed_count(server)
        # Every client that saw an ACK before the crash has a lease again.
        assert replayed >= len(latest), (f"seed {seed} round {round_}: replayed {replayed} "
                                         f"leases, {len(latest)} clients were ACKed")
        capture = lab.capture(link.client_ns, link.client_if, name=f"crash{round_}",
                              bpf="udp port 67")
        perf = start_perfdhcp(link, clients=CLIENTS, rate=RATE, seconds=30)
        delay = rng.uniform(1.0, 3.5)
        time.sleep(delay)
        server.crash()
        time.sleep(0.3)
        stop_process(perf)
        capture.stop()
        acks = captured_acks(capture)
        history.append((round_, round(delay, 2), len(acks)))
        assert acks, f"seed {seed} round {round_}: no ACK captured in {delay:.2f} s"
        for _, mac, address in acks:
            latest[mac] = address

    final = lab.server(link.server_ns, cfg, name="final")
    assert replayed_count(final) >= len(latest)
    # A few more DORAs (captured too): returning clients must get the address
    # they were ACKed before the crashes.
    capture = lab.capture(link.client_ns, link.client_if, name="final", bpf="udp port 67")
    labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=CLIENTS, rate=400,
                        exchanges=200, wait_us=2_000_000, timeout=60)
    capture.stop()
    for _, mac, address in captured_acks(capture):
        assert latest.get(mac, address) == address, (
            f"{mac} was ACKed {latest[mac]} before a crash and {address} after; seed {seed}")
        latest[mac] = address
    result = final.stop()
    detail = f"seed {seed}, rounds (round, kill after s, ACKs seen) {history}"
    bound = [lease for lease in result.leases if lease.state == 0]
    by_mac = {}
    for lease in bound:
        assert lease.hwaddr not in by_mac, f"{lease.hwaddr} holds two leases; {detail}"
        by_mac[lease.hwaddr] = lease.address
    lost = {mac: a for mac, a in latest.items() if by_mac.get(mac) != a}
    assert not lost, (f"{len(lost)} of {len(latest)} ACKed clients lost their address, e.g. "
                      f"{list(lost.items())[:5]} (dump has {[by_mac.get(m) for m in list(lost)[:5]]}); "
                      f"{detail}")
    addresses = [lease.address for lease in result.leases if lease.state in (0, 1)]
    assert len(addresses) == len(set(addresses)), f"an address is leased twice; {detail}"
    print(f"crash test: {detail}; {len(latest)} clients ACKed, {len(bound)} bound leases")


def segment_files(journal_dir: Path):
    return sorted(journal_dir.glob("stream-*.seg"), key=lambda p: p.stat().st_size)


def test_corrupt_middle_record_refuses_start_until_skipped(lab):
    need("perfdhcp")
    link = relay_lab(lab)
    journal_dir = lab.workdir / "journal"
    # No snapshot at all: the records stay in the segment.
    cfg = journal_config(link, journal_dir, **{"lfc-interval": 0, "lfc-max-journal-mb": 0})
    server = lab.server(link.server_ns, cfg, name="before")
    report = labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=200, rate=400,
                                 exchanges=200, wait_us=2_000_000, timeout=60)
    assert report.value("REQUEST-ACK", "received packets") > 100, report.text
    server.crash()  # no shutdown snapshot: the segment is what the next start reads

    seg = segment_files(journal_dir)[-1]
    size = seg.stat().st_size
    records = size // 64
    assert records >= 100, f"{seg}: {size} bytes"
    index = records // 2
    with open(seg, "r+b") as f:
        f.seek(index * 64 + 24)  # inside the lease: the CRC no longer matches
        byte = f.read(1)
        f.seek(index * 64 + 24)
        f.write(bytes([byte[0] ^ 0xFF]))

    refused = srv.Dpdhcpd(link.server_ns, cfg, lab.workdir, name="refused")
    with pytest.raises(labkit.LabError) as err:
        refused.start(timeout=30)
    message = str(err.value)
    assert f"{seg}: offset {index * 64}: corrupt record" in message, message
    assert "--skip-corrupt-journal" in message, message
    assert refused._proc.returncode == 1, message

    skipping = lab.server(link.server_ns, cfg, name="skipping",
                          extra_args=["--skip-corrupt-journal"])
    assert any("skipped 1 corrupt" in line for line in skipping.lines), skipping.lines[-20:]
    # One record lost, one client at most (a renewal's loss loses nothing):
    # the ~200 distinct clients perfdhcp bound are back but that one.
    acked = report.value("REQUEST-ACK", "received packets")
    assert replayed_count(skipping) >= min(acked, 200) - 3, (acked, skipping.lines[-10:])
    # The same clients again: each is answered (and renews) from its lease.
    labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=200, rate=400, exchanges=50,
                        wait_us=2_000_000, timeout=60)
    kept = skipping.stop()  # its shutdown snapshot covers the damaged segment, which goes
    bound = len([lease for lease in kept.leases if lease.state == 0])
    assert bound >= replayed_count(skipping)

    again = lab.server(link.server_ns, cfg, name="again")  # no flag needed any more
    assert replayed_count(again) == bound
    labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=200, rate=400, exchanges=20,
                        wait_us=2_000_000, timeout=60)
    again.stop()


@pytest.fixture
def small_tmpfs(lab):
    """A 2 MiB tmpfs for the journal, mounted before the server starts (the
    server's `ip netns exec` mount namespace copies it); unmounted after."""
    mnt = lab.workdir / "tmpfs"
    mnt.mkdir(parents=True, exist_ok=True)
    res = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "dpdhcp-test", str(mnt)],
                         capture_output=True, text=True)
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs: {res.stderr.strip()}")
    # The lab's teardown kills the server first (it was started later).
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(path: Path) -> int:
    """Writes zeros to path until the filesystem is full; returns bytes."""
    written = 0
    chunk = b"\0" * 4096
    with open(path, "wb", buffering=0) as f:
        try:
            while True:
                written += f.write(chunk)
        except OSError:
            pass
    return written


def test_disk_full_stops_acks_and_service_resumes(lab, small_tmpfs):
    need("perfdhcp")
    link = relay_lab(lab)
    journal_dir = small_tmpfs / "journal"
    cfg = journal_config(link, journal_dir, durability="strict",
                         **{"lfc-interval": 0, "lfc-max-journal-mb": 0})
    server = lab.server(link.server_ns, cfg, name="diskfull")
    ok = labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=100, rate=200,
                             exchanges=100, wait_us=1_000_000, timeout=60)
    assert ok.value("REQUEST-ACK", "received packets") >= 95, ok.text

    filler = small_tmpfs / "filler"
    fill(filler)
    full = labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=2000, rate=500,
                               period=3, wait_us=500_000, timeout=60)
    acked_full = full.value("REQUEST-ACK", "received packets")
    requests_full = full.value("REQUEST-ACK", "sent packets")
    # A few ACKs whose records were written before the first failing write
    # may still leave; then none.
    assert requests_full > 500 and acked_full <= 0.05 * requests_full, full.text
    assert any("dpdhcp journal:" in line for line in server.lines), server.lines[-20:]

    filler.unlink()
    time.sleep(1.0)  # the journal retries every 100 ms
    resumed = labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=100, rate=200,
                                  exchanges=100, wait_us=1_000_000, timeout=60)
    result = server.stop()
    detail = f"\n{counters_text(result)}\n{full.text}\n{resumed.text}"
    assert resumed.value("REQUEST-ACK", "received packets") >= 95, detail
    assert result.total("drop-journal-unavailable") > 0, detail


def test_kea_csv_import_then_dump_round_trip(lab):
    """Migration both ways through the binary: --import-kea-leases into an
    empty journal, the leases survive a restart, --lease-dump gives them back
    in Kea's format; a second import into the now non-empty journal is
    refused."""
    need("perfdhcp")
    link = relay_lab(lab)
    journal_dir = lab.workdir / "journal"
    cfg = journal_config(link, journal_dir)
    csv_path = lab.workdir / "kea-leases4.csv"
    expire = int(time.time()) + 3600
    rows = [",".join(srv.LEASE_HEADER)]
    imported = {}
    for i in range(50):
        mac, address = f"02:4b:45:41:00:{i:02x}", f"198.18.100.{i + 1}"
        imported[mac] = address
        rows.append(f"{address},{mac},,3600,{expire},3,0,0,kea-client-{i},0,")
    csv_path.write_text("\n".join(rows) + "\n")

    first = lab.server(link.server_ns, cfg, name="import",
                       extra_args=["--import-kea-leases", str(csv_path)])
    assert any("imported 50 leases from" in line for line in first.lines), first.lines[-10:]
    labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=20, rate=100, exchanges=20,
                        wait_us=2_000_000, timeout=60)
    first.stop()

    refused = srv.Dpdhcpd(link.server_ns, cfg, lab.workdir, name="reimport",
                          extra_args=["--import-kea-leases", str(csv_path)])
    with pytest.raises(labkit.LabError) as err:
        refused.start(timeout=30)
    assert "already holds a lease journal" in str(err.value), str(err.value)

    second = lab.server(link.server_ns, cfg, name="after-import")
    assert replayed_count(second) >= 50 + 1
    labkit.perfdhcp.run(link.client_ns, SERVER_IP, RELAY, clients=20, rate=100, exchanges=20,
                        wait_us=2_000_000, timeout=60)
    dumped = {lease.hwaddr: lease for lease in second.stop().leases}
    for mac, address in imported.items():
        assert mac in dumped and dumped[mac].address == address, (mac, dumped.get(mac))
        assert dumped[mac].state == 0 and dumped[mac].subnet_id == 3
