"""The pktgen kit (tools/pktgen): every frame of every pcap variant (plain,
802.1Q, QinQ, relayed with option 82; DISCOVER, REQUEST, DORA) parsed back
by scapy, checksums recomputed; then each pcap fed to the real dpdhcpd
through DPDK's pcap PMD (net_pcap rx_pcap/tx_pcap) and the replies it wrote
checked: one OFFER per DISCOVER, one ACK per REQUEST, same xid and client,
the planned address, tags and relay addressing kept. Last, the Pktgen-DPDK
Lua script run under a stand-in `pktgen` module (plain Lua 5.4) to check its
rate arithmetic and its result rows.

They live with the integration tests because the end-to-end half runs the
real dpdhcpd binary, inside a namespace of labkit's (no veth needed: the
port is a pcap file).
"""
import csv
import ipaddress
import shutil
import subprocess
import sys
import time

import pytest

from lab_helpers import ROOT, counters_text, option, srv

sys.path.insert(0, str(ROOT / "tools" / "pktgen"))
import dhcp_pcap  # noqa: E402

scapy_all = pytest.importorskip("scapy.all", reason="scapy is for /usr/bin/python3 "
                                "(python3-scapy)")
from scapy.layers.dhcp import BOOTP, DHCP  # noqa: E402
from scapy.layers.inet import IP, UDP  # noqa: E402
from scapy.layers.l2 import Dot1AD, Dot1Q, Ether  # noqa: E402

CLIENTS = 100
SERVER_IP = "198.18.0.1"
RELAY = "198.18.64.1"
RELAY_MAC = "02:52:00:00:00:01"
# name: (spec overrides, server address of the client's subnet, planned first address)
VARIANTS = {
    "plain": ({}, SERVER_IP, "198.18.0.100"),
    "dot1q": ({"vlan": 100}, "198.18.1.1", "198.18.1.100"),
    "qinq": ({"vlan": 100, "outer_vlan": 200}, "198.18.2.1", "198.18.2.100"),
    "relay": ({"relay": RELAY, "client_id": True}, SERVER_IP, "198.18.64.100"),
}


def spec_for(variant, kind, clients=CLIENTS):
    extra, server_ip, first = VARIANTS[variant]
    return dhcp_pcap.StreamSpec(clients=clients, kind=kind, first_address=first,
                                server_ip=server_ip, **extra)


def checksums_ok(pkt):
    """Both checksums as written equal what scapy computes afresh."""
    fresh = pkt.copy()
    del fresh[IP].chksum
    del fresh[UDP].chksum
    fresh = Ether(bytes(fresh))
    return pkt[IP].chksum == fresh[IP].chksum and pkt[UDP].chksum == fresh[UDP].chksum


def dhcp_opts(pkt):
    return {o[0]: o[1] for o in pkt[DHCP].options if isinstance(o, tuple)}


@pytest.mark.parametrize("kind", dhcp_pcap.KINDS)
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_every_generated_frame_parses_with_right_fields(tmp_path, variant, kind):
    spec = spec_for(variant, kind)
    path = tmp_path / f"{variant}-{kind}.pcap"
    n = dhcp_pcap.write_pcap(str(path), dhcp_pcap.frames(spec))
    per_client = 2 if kind == "dora" else 1
    assert n == CLIENTS * per_client
    packets = scapy_all.rdpcap(str(path))
    assert len(packets) == n
    macs, xids = set(), set()
    for idx, pkt in enumerate(packets):
        i = idx // per_client
        msg_type = 3 if kind == "request" or (kind == "dora" and idx % 2) else 1
        assert pkt.haslayer(BOOTP) and pkt.haslayer(DHCP), pkt.summary()
        assert checksums_ok(pkt), f"frame {idx}: bad checksum: {pkt.summary()}"
        # Tags, outermost first.
        if spec.outer_vlan:
            assert pkt[Ether].type == 0x88A8 and pkt[Dot1AD].vlan == 200
            assert pkt[Dot1AD].type == 0x8100 and pkt[Dot1Q].vlan == 100
        elif spec.vlan:
            assert pkt[Ether].type == 0x8100 and pkt[Dot1Q].vlan == 100
            assert not pkt.haslayer(Dot1AD)
        else:
            assert pkt[Ether].type == 0x0800
        bootp, opts = pkt[BOOTP], dhcp_opts(pkt)
        mac = bootp.chaddr[:6]
        assert mac == dhcp_pcap.client_mac(spec.mac_base, i)
        assert bootp.op == 1 and bootp.htype == 1 and bootp.hlen == 6
        assert bootp.xid == spec.xid_base + i
        assert opts["message-type"] == msg_type
        assert opts["requested_addr"] == str(ipaddress.ip_address(spec.first_address) + i)
        assert (msg_type == 3) == ("server_id" in opts)
        if msg_type == 3:
            assert opts["server_id"] == spec.server_ip and bootp.ciaddr == "0.0.0.0"
        assert len(bytes(bootp)) >= 300  # BOOTP minimum (RFC 1542 §2.1)
        if spec.relay:
            assert pkt[Ether].src == RELAY_MAC
            assert pkt[IP].src == RELAY and pkt[IP].dst == spec.server_ip
            assert pkt[UDP].sport == 67 and pkt[UDP].dport == 67
            assert bootp.giaddr == RELAY and bootp.hops == 1
            assert opts["client_id"] == b"\x01" + mac
            rai = option(bytes(bootp), 82)
            circuit = f"port-{i}".encode()
            remote = f"cpe-{mac.hex()}".encode()
            assert rai == bytes([1, len(circuit)]) + circuit + bytes([2, len(remote)]) + remote
            # RFC 3046 §2.1: option 82 is the last option before End.
            codes = [o[0] for o in pkt[DHCP].options if isinstance(o, tuple)]
            assert codes[-1] == "relay_agent_information", codes
        else:
            assert pkt[Ether].dst == "ff:ff:ff:ff:ff:ff" and pkt[Ether].src == \
                dhcp_pcap.format_mac(mac)
            assert pkt[IP].src == "0.0.0.0" and pkt[IP].dst == "255.255.255.255"
            assert pkt[UDP].sport == 68 and pkt[UDP].dport == 67
            assert bootp.giaddr == "0.0.0.0" and bootp.hops == 0
        macs.add(mac)
        xids.add(bootp.xid)
    assert len(macs) == CLIENTS and len(xids) == CLIENTS
    # The stdlib reader gives back exactly what scapy read.
    assert [bytes(p) for p in packets] == dhcp_pcap.read_pcap(str(path))


@pytest.mark.parametrize("argv, message", [
    (["--clients", "3", "--kind", "request"], "needs --first-address"),
    (["--clients", "0"], "at least 1"),
    (["--clients", "3", "--outer-vlan", "5"], "needs --vlan"),
    (["--clients", "3", "--vlan", "4095"], "not a VLAN id"),
    (["--clients", "3", "--mac-base", "01:00:00:00:00:00"], "multicast"),
    (["--clients", "3", "--mac-base", "ff:ff:ff:ff:ff:fe"], "multicast"),
    (["--clients", "3", "--mac-base", "02:ff:ff:ff:ff:ff"], "changes the first octet"),
    (["--clients", "3", "--relay", "198.18.64.1", "--circuit-id", "{nope}"], "nope"),
    (["--clients", "3", "--server-mac", "zz"], "not a MAC"),
])
def test_bad_parameters_are_refused_with_a_reason(tmp_path, capsys, argv, message):
    out = tmp_path / "x.pcap"
    assert dhcp_pcap.main(argv + ["-o", str(out)]) == 2
    assert message in capsys.readouterr().err


def test_unreadable_pcap_is_refused(tmp_path):
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"\0" * 40)
    with pytest.raises(dhcp_pcap.PcapError, match="not a classic pcap"):
        dhcp_pcap.read_pcap(str(bad))
    good = tmp_path / "good.pcap"
    dhcp_pcap.write_pcap(str(good), dhcp_pcap.frames(spec_for("plain", "discover", 2)))
    good.write_bytes(good.read_bytes()[:-5])
    with pytest.raises(dhcp_pcap.PcapError, match="truncated"):
        dhcp_pcap.read_pcap(str(good))


def pcap_server_config(port):
    """The four variants' subnets on one pcap port: untagged, VLAN 100,
    QinQ 200/100, and a relayed subnet chosen by giaddr."""
    interfaces = [srv.interface("lab0", port, f"{SERVER_IP}/24"),
                  srv.interface("vlan100", port, "198.18.1.1/24", vlan=100),
                  srv.interface("qinq", port, "198.18.2.1/24", vlan=100, outer_vlan=200)]
    subnets = [srv.subnet(1, "198.18.0.0/24", ("198.18.0.100", "198.18.0.250"),
                          interface="lab0"),
               srv.subnet(2, "198.18.1.0/24", ("198.18.1.100", "198.18.1.250"),
                          interface="vlan100", routers="198.18.1.1"),
               srv.subnet(3, "198.18.2.0/24", ("198.18.2.100", "198.18.2.250"),
                          interface="qinq", routers="198.18.2.1"),
               srv.subnet(4, "198.18.64.0/18", ("198.18.64.100", "198.18.64.250"),
                          relay=[RELAY], routers=RELAY)]
    return srv.config(interfaces, subnets)


def has_pcap_pmd():
    import glob
    return bool(glob.glob("/usr/lib/*/dpdk/pmds-*/librte_net_pcap.so*"))


@pytest.mark.parametrize("kind", ["discover", "dora"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_dpdhcpd_answers_every_frame_of_the_pcap(lab, tmp_path, variant, kind):
    if not has_pcap_pmd():
        pytest.skip("DPDK's pcap PMD (librte_net_pcap, Debian package dpdk) is not installed")
    spec = spec_for(variant, kind)
    rx, tx = tmp_path / "in.pcap", tmp_path / "out.pcap"
    sent = dhcp_pcap.write_pcap(str(rx), dhcp_pcap.frames(spec))
    ns = lab.namespace("pcap")
    server = lab.server(ns, pcap_server_config(f"net_pcap0,rx_pcap={rx},tx_pcap={tx}"))
    # The PMD reads the whole file at once; give the worker a moment, then
    # stop (the PMD flushes tx_pcap when the port closes).
    deadline = time.monotonic() + 10
    time.sleep(0.5)
    result = server.stop()
    while not tx.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    detail = counters_text(result)
    assert result.total("frames-received") == sent, detail
    replies = [p for p in scapy_all.rdpcap(str(tx)) if p.haslayer(BOOTP)]
    assert len(replies) == sent, detail

    _, server_ip, first = VARIANTS[variant]
    seen = {}
    for pkt in replies:
        bootp, opts = pkt[BOOTP], dhcp_opts(pkt)
        assert bootp.op == 2 and checksums_ok(pkt), pkt.summary()
        i = bootp.xid - spec.xid_base
        assert 0 <= i < CLIENTS, bootp.xid
        assert bootp.chaddr[:6] == dhcp_pcap.client_mac(spec.mac_base, i)
        # The server honoured the requested address (option 50, §4.3.1).
        assert bootp.yiaddr == str(ipaddress.ip_address(first) + i), pkt.summary()
        assert opts["server_id"] == server_ip
        seen.setdefault(i, []).append(opts["message-type"])
        if spec.outer_vlan:
            assert pkt[Dot1AD].vlan == 200 and pkt[Dot1Q].vlan == 100
        elif spec.vlan:
            assert pkt[Dot1Q].vlan == 100 and not pkt.haslayer(Dot1AD)
        else:
            assert not pkt.haslayer(Dot1Q)
        if spec.relay:
            # §4.1: to the relay, giaddr:67, at the relay's MAC; option 82 echoed
            # unchanged (RFC 3046 §2.2).
            assert pkt[IP].dst == RELAY and pkt[UDP].dport == 67
            assert pkt[Ether].dst == RELAY_MAC
            request = dhcp_pcap.bootp_message(spec, i, 1)
            assert option(bytes(bootp), 82) == option(request, 82)
        else:
            assert pkt[UDP].dport == 68
    want = [2] if kind == "discover" else [2, 5]  # OFFER; OFFER then ACK
    assert seen == {i: want for i in range(CLIENTS)}, detail
    assert result.total("pkt4-offer-sent") == CLIENTS, detail
    assert result.total("pkt4-ack-sent") == (CLIENTS if kind == "dora" else 0), detail
    bound = {lease.address for lease in result.leases if lease.state == 0}
    assert len(bound) == (CLIENTS if kind == "dora" else 0), detail


FAKE_PKTGEN = r"""
-- Stand-in for Pktgen-DPDK's Lua library: a 10 Gbit/s link whose server
-- answers `answer` of what is sent, and a log of the calls.
calls = {}
local sent, sending, rate = 0, false, 0
local function log(...) table.insert(calls, table.concat({...}, " ")) end
pktgen = {
  linkState = function(p) return {[tonumber(p)] = "<UP-10000-FD>"} end,
  pcap = function(p, s) log("pcap", p, s) end,
  set = function(p, what, v) log("set", p, what, string.format("%.3f", v)); if what == "rate" then rate = v end end,
  clr = function() log("clr"); sent = 0 end,
  start = function(p) log("start", p); sending = true end,
  stop = function(p) log("stop", p); sending = false end,
  delay = function(ms) if sending then sent = sent + math.floor(rate / 100 * 1e10 / ((342 + 24) * 8) * ms / 1000) end end,
  portStats = function(p, kind)
    local n = tonumber(p)
    if n == 0 then return {[0] = {opackets = sent, ipackets = 0, ierrors = 0, oerrors = 0, rx_nombuf = 0, imissed = 0}} end
    return {[n] = {opackets = 0, ipackets = math.floor(sent * answer), ierrors = 0, oerrors = 0, rx_nombuf = 0, imissed = 0}}
  end,
  quit = function() log("quit") end,
}
"""


def test_pktgen_lua_script_sets_rates_and_writes_reply_ratios(tmp_path):
    lua = shutil.which("lua5.4")
    if lua is None:
        pytest.skip("lua5.4 is not installed (tools/install-deps.sh installs it)")
    (tmp_path / "Pktgen.lua").write_text("answer = 0.5\n" + FAKE_PKTGEN)
    script = ROOT / "tools" / "pktgen" / "dhcp_replay.lua"
    result = tmp_path / "r.csv"
    env = {"PATH": "/usr/bin:/bin", "DHCP_RATES_PPS": "1000000,5000000", "DHCP_DURATION_S": "2",
           "DHCP_RESULT": str(result), "DHCP_TX_PORT": "0", "DHCP_RX_PORT": "1"}
    probe = ("dofile(%r); for _, c in ipairs(calls) do print('CALL ' .. c) end"
             % str(script))
    res = subprocess.run([lua, "-e", probe], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=30)
    assert res.returncode == 0, res.stdout + res.stderr
    calls = [l[5:] for l in res.stdout.splitlines() if l.startswith("CALL ")]
    # 1 Mpps of 342-byte frames (366 bytes on the wire) is 29.28 % of 10 Gbit/s;
    # 5 Mpps is past line rate and is capped at 100 %.
    assert "set 0 rate 29.280" in calls and "set 0 rate 100.000" in calls, calls
    assert calls[0] == "pcap 0 on" and calls[-1] == "quit", calls
    assert "more than" not in res.stdout and "is 146.4% of the" in res.stdout
    rows = list(csv.DictReader(result.open()))
    assert [int(r["offered_pps"]) for r in rows] == [1_000_000, 5_000_000]
    first = rows[0]
    assert int(first["tx_packets"]) == 2_000_000
    assert int(first["rx_packets"]) == 1_000_000
    assert float(first["reply_ratio"]) == pytest.approx(0.5)
    assert float(rows[1]["tx_pps"]) == pytest.approx(1e10 / (366 * 8), rel=1e-3)


def test_pktgen_lua_script_refuses_a_bad_rate(tmp_path):
    lua = shutil.which("lua5.4")
    if lua is None:
        pytest.skip("lua5.4 is not installed (tools/install-deps.sh installs it)")
    (tmp_path / "Pktgen.lua").write_text("answer = 1\n" + FAKE_PKTGEN)
    script = ROOT / "tools" / "pktgen" / "dhcp_replay.lua"
    env = {"PATH": "/usr/bin:/bin", "DHCP_RATES_PPS": "100,fast",
           "DHCP_RESULT": str(tmp_path / "r.csv")}
    res = subprocess.run([lua, str(script)], cwd=tmp_path, env=env, capture_output=True,
                         text=True, timeout=30)
    assert res.returncode != 0 and "not a positive rate: fast" in res.stderr
