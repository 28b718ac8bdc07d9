#!/usr/bin/env bash
# Trace benchmark: prints figures, asserts nothing.
#  1. Replay throughput: a generated scenario of CONNECTIONS connections (each: established,
#     a join, a peer announcement, two more joins, closed) replayed through fullmesh —
#     events per second through decode, state tracking and the policy.
#  2. Recording overhead on the live daemon: subflowd's CPU time (utime+stime from /proc)
#     while CONNS short MPTCP connections are served, with and without --record, interleaved
#     over ROUNDS rounds in one run (the ratio is the figure to read on a noisy machine).
#
# Usage: bench/replay.sh [BIN_DIR] [CONNECTIONS] [CONNS] [ROUNDS]     (part 2 needs root)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-$(swift build -c release --show-bin-path)}
CONNECTIONS=${2:-20000}
CONNS=${3:-200}
ROUNDS=${4:-3}
WORK=$(mktemp -d /tmp/subflowd-bench-trace.XXXXXX)
source scripts/lib/twopath.sh
trap 'tp_destroy; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

echo "== replay throughput ($CONNECTIONS connections through fullmesh)"
{
    echo "link eth0 index 2 up"; echo "link wlan0 index 3 up"
    echo "address 198.18.1.1/24 on eth0"; echo "address 198.18.2.1/24 on wlan0"
    for ((i = 1; i <= CONNECTIONS; i++)); do
        p=$((20000 + i % 40000))
        echo "connection $i established client 198.18.1.1:$p -> 198.18.1.2:443"
        echo "subflow established $i 198.18.2.1:$p -> 198.18.1.2:443 local-id 1 remote-id 0"
        echo "peer announces $i id 2 198.18.2.2:443"
        echo "subflow established $i 198.18.1.1:$p -> 198.18.2.2:443 local-id 0 remote-id 2"
        echo "subflow established $i 198.18.2.1:$((p + 1)) -> 198.18.2.2:443 local-id 1 remote-id 2"
        echo "connection $i closed"
    done
} >"$WORK/big.scenario"
"$BIN/subflowctl" trace build "$WORK/big.scenario" -o "$WORK/big.pcap" 2>/dev/null
events=$((CONNECTIONS * 7))
start=$(date +%s%N)
commands=$("$BIN/subflowctl" replay "$WORK/big.pcap" --policy fullmesh --plugin-dir "$BIN" | wc -l)
end=$(date +%s%N)
ms=$(((end - start) / 1000000))
echo "   $events events, $commands commands in $ms ms: $((events * 1000 / (ms > 0 ? ms : 1))) events/s (includes reading the $(du -h "$WORK/big.pcap" | cut -f1) file and process start)"

if [[ $(id -u) -ne 0 ]]; then echo "(recording overhead skipped: needs root)"; exit 0; fi
echo "== recording overhead ($CONNS connections per run, $ROUNDS rounds)"
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
run_one() {
    local mode=$1 extra=() pid before after
    TP_TAG="r${mode:0:1}"
    tp_create ""
    ip -n "$TP_SRV" mptcp limits set subflows 8 add_addr_accepted 8
    [[ $mode == record ]] && extra=(--record "$WORK/rec.pcap")
    tp_spawn "$TP_CLI" "$BIN/subflowd" --policy fullmesh --plugin-dir "$BIN" --set-path-manager --log-level warning --control-socket none "${extra[@]}" 2>"$WORK/d.log"
    pid=${TP_PIDS[-1]}
    sleep 0.3
    tp_spawn "$TP_SRV" "$BIN/subflow-traffic" serve --bind 0.0.0.0 --port 5201 >/dev/null
    sleep 0.2
    before=$(cpu_ticks "$pid")
    for ((c = 0; c < CONNS; c++)); do
        ip netns exec "$TP_CLI" "$BIN/subflow-traffic" send --to 198.18.1.2 --port 5201 --bytes 1k >/dev/null
    done
    sleep 0.3
    after=$(cpu_ticks "$pid")
    echo "$mode $((after - before))" >>"$WORK/overhead"
    tp_destroy
    rm -f "$WORK"/rec.pcap*
}
for _ in $(seq "$ROUNDS"); do run_one plain; run_one record; done
awk -v hz="$(getconf CLK_TCK)" -v conns="$CONNS" '
    { t[$1] += $2; n[$1]++ }
    END {
        for (m in t) printf "   %-7s subflowd CPU %.0f ms per %d connections (%.2f ms per connection)\n", m, t[m] / n[m] * 1000 / hz, conns, t[m] / n[m] * 1000 / hz / conns
        if (t["plain"] > 0) printf "   recording costs %.2fx the CPU of not recording\n", t["record"] / t["plain"]
    }' "$WORK/overhead"
