-- Pktgen-DPDK (23.x) script: replays the DHCP request pcap loaded on one port
-- at a series of rates and reads back the reply counters on the receiving
-- port. Run it as (see tools/pktgen/README.md for the whole setup):
--
--   DHCP_TX_PORT=0 DHCP_RX_PORT=1 DHCP_RATES_PPS=100000,500000,1000000 \
--   pktgen -l 0-2 -n 4 -a <pci0> -a <pci1> -- -P -T -m "[1].0,[2].1" \
--       -s 0:discover.pcap -f tools/pktgen/dhcp_replay.lua
--
-- Pktgen's Lua scripts take no arguments, so the settings are environment
-- variables (all optional):
--   DHCP_TX_PORT     port that replays the pcap (given with -s P:file.pcap)   0
--   DHCP_RX_PORT     port the server's replies arrive on                      1
--                    (the same as DHCP_TX_PORT when the server answers back
--                    on the link it was asked on)
--   DHCP_RATES_PPS   comma-separated offered rates, frames/s                  100000
--   DHCP_FRAME_BYTES frame length in the pcap (dhcp_pcap.py prints it;
--                    342 untagged, 346 802.1Q, 350 QinQ)                      342
--   DHCP_DURATION_S  seconds of sending per rate                              10
--   DHCP_DRAIN_MS    wait for late replies after each step                    1000
--   DHCP_RESULT      CSV file for the results (appended, one row per rate)    dhcp_replay.csv
--   DHCP_QUIT        "1": quit Pktgen when done (for unattended runs)         1
--
-- Every request the server accepts is answered by exactly one frame (OFFER
-- for a DISCOVER, ACK or NAK for a REQUEST), so the reply ratio is
-- rx_packets / tx_packets on the two ports; below 1 the server, the link or
-- the receiving port lost frames (the CSV keeps the port error counters to
-- tell which).
package.path = package.path .. ";?.lua;test/?.lua;app/?.lua;"
require "Pktgen"

local function env(name, default)
    local v = os.getenv(name)
    if v == nil or v == "" then return default end
    return v
end

local tx_port = env("DHCP_TX_PORT", "0")
local rx_port = env("DHCP_RX_PORT", "1")
local frame_bytes = tonumber(env("DHCP_FRAME_BYTES", "342"))
local duration_s = tonumber(env("DHCP_DURATION_S", "10"))
local drain_ms = tonumber(env("DHCP_DRAIN_MS", "1000"))
local result_path = env("DHCP_RESULT", "dhcp_replay.csv")
local quit_when_done = env("DHCP_QUIT", "1") == "1"

local rates = {}
for r in string.gmatch(env("DHCP_RATES_PPS", "100000"), "[^,]+") do
    local n = tonumber(r)
    if n == nil or n <= 0 then error("DHCP_RATES_PPS: not a positive rate: " .. r) end
    table.insert(rates, n)
end

-- Link speed in Mbit/s from linkState(), e.g. "<UP-10000-FD>".
local function link_mbps(port)
    local state = pktgen.linkState(port)[tonumber(port)]
    local speed = state and tonumber(string.match(state, "UP%-(%d+)%-"))
    if speed == nil or speed == 0 then
        error("port " .. port .. " link is not up: " .. tostring(state))
    end
    return speed
end

-- Pktgen's rate is a percentage of the link; on the wire every frame also
-- costs the preamble, SFD and inter-frame gap (20 bytes) and the FCS (4).
local function percent_for(pps, mbps)
    local bits = (frame_bytes + 24) * 8
    return pps * bits / (mbps * 1e6) * 100
end

local function stats(port)
    return pktgen.portStats(port, "port")[tonumber(port)]
end

local mbps = link_mbps(tx_port)
local out = io.open(result_path, "a")
if out == nil then error("cannot open " .. result_path) end
out:write("offered_pps,percent,seconds,tx_packets,rx_packets,reply_ratio,tx_pps,rx_pps," ..
          "rx_missed,rx_errors,rx_nombuf,tx_errors\n")

pktgen.pcap(tx_port, "on")        -- send the pcap loaded with -s, in a loop
pktgen.set(tx_port, "count", 0)   -- until stopped

for _, pps in ipairs(rates) do
    local pct = percent_for(pps, mbps)
    if pct > 100 then
        print(string.format("dhcp_replay: %d frames/s is %.1f%% of the %d Mbit/s link; sending "
                            .. "at 100%%", pps, pct, mbps))
        pct = 100
    end
    pktgen.stop(tx_port)
    pktgen.delay(drain_ms)
    pktgen.clr()
    pktgen.set(tx_port, "rate", pct)
    pktgen.start(tx_port)
    pktgen.delay(duration_s * 1000)
    pktgen.stop(tx_port)
    pktgen.delay(drain_ms)            -- replies still in flight
    local tx, rx = stats(tx_port), stats(rx_port)
    local sent, got = tx.opackets, rx.ipackets
    -- On a shared port the counters also hold the other direction.
    if rx_port == tx_port then got = tx.ipackets end
    local ratio = sent > 0 and got / sent or 0
    local line = string.format("%d,%.3f,%d,%d,%d,%.6f,%.0f,%.0f,%d,%d,%d,%d",
                               pps, pct, duration_s, sent, got, ratio, sent / duration_s,
                               got / duration_s, rx.imissed or 0, rx.ierrors, rx.rx_nombuf,
                               tx.oerrors)
    out:write(line .. "\n")
    out:flush()
    print("dhcp_replay: " .. line)
end
out:close()
print("dhcp_replay: results in " .. result_path)
if quit_when_done then pktgen.quit() end
