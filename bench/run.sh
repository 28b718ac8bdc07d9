#!/usr/bin/env bash
# subflowd benchmark: prints figures, asserts nothing. Machines are shared and noisy, so the
# three set-ups run side by side in one run, interleaved over ROUNDS rounds, and the figures
# to compare are the ratios between them.
#
#   tcp       plain TCP on path A
#   kernel    MPTCP, in-kernel path manager, fullmesh endpoints on both client addresses
#   subflowd  MPTCP, userspace path manager driven by subflowd --policy fullmesh
#
# Both paths are shaped to RATE (default 100mbit); the server announces its path-B address.
# Reported: goodput (acknowledged bytes / time), time from connect to the second subflow
# (sampled every millisecond from the client's MPTCP_INFO: the kernel's word), and
# subflowd's resident memory.
#
# Usage: bench/run.sh [BIN_DIR] [SECONDS] [ROUNDS] [RATE]     (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-$(swift build -c release --show-bin-path)}
DURATION=${2:-6}
ROUNDS=${3:-3}
RATE=${4:-100mbit}
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }
source scripts/lib/twopath.sh
WORK=$(mktemp -d /tmp/subflowd-bench.XXXXXX)
trap 'tp_destroy; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

# (|| true: head closes the pipe early, and pipefail would turn grep's SIGPIPE into a failure.)
json_field() { { grep "\"type\":\"$2\"" "$1" | head -n1 | grep -oE "\"$3\":[0-9.]+" | cut -d: -f2; } || true; }

# run_one MODE ROUND → appends "MODE goodput_mbps t2_ms rss_kb" to $WORK/results
run_one() {
    local mode=$1 round=$2 daemon_pid="" rss="-" t2="-"
    TP_TAG="b$round${mode:0:1}"
    tp_create "$RATE"
    ip -n "$TP_SRV" mptcp limits set subflows 8 add_addr_accepted 8
    ip -n "$TP_SRV" mptcp endpoint add 198.18.2.2 dev s2 signal
    local flags=()
    case $mode in
        tcp) flags=(--tcp) ;;
        kernel)
            ip -n "$TP_CLI" mptcp limits set subflows 8 add_addr_accepted 8
            ip -n "$TP_CLI" mptcp endpoint add 198.18.1.1 dev c1 subflow fullmesh
            ip -n "$TP_CLI" mptcp endpoint add 198.18.2.1 dev c2 subflow fullmesh ;;
        subflowd)
            tp_spawn "$TP_CLI" "$BIN/subflowd" --policy fullmesh --plugin-dir "$BIN" --set-path-manager --log-level warning --control-socket none 2>"$WORK/d.log"
            daemon_pid=${TP_PIDS[-1]}
            sleep 0.3 ;;
    esac
    tp_spawn "$TP_SRV" "$BIN/subflow-traffic" serve --bind 0.0.0.0 --port 5201 --once "${flags[@]}" >"$WORK/s.json"
    tp_wait_for "$WORK/s.json" listening
    ip netns exec "$TP_CLI" "$BIN/subflow-traffic" send --to 198.18.1.2 --port 5201 --seconds "$DURATION" \
        --report-interval 1 "${flags[@]}" >"$WORK/c.json"
    local goodput; goodput=$(json_field "$WORK/c.json" sent mbps)
    if [[ $mode != tcp ]]; then
        t2=$(grep '"type":"sample"' "$WORK/c.json" | grep -E '"subflows":([2-9]|[1-9][0-9])' | head -n1 \
            | grep -oE '"t":[0-9.]+' | cut -d: -f2 | awk '{ printf "%.0f", $1 * 1000 }' || true)
        [[ -n $t2 ]] || t2="never"
    fi
    if [[ -n $daemon_pid ]]; then rss=$(awk '/VmRSS/ { print $2 }' "/proc/$daemon_pid/status"); fi
    echo "$mode $goodput $t2 $rss" >>"$WORK/results"
    tp_destroy
}

echo "subflowd benchmark: 2 paths at $RATE, ${DURATION}s per transfer, $ROUNDS rounds (modes interleaved)"
for round in $(seq "$ROUNDS"); do
    for mode in tcp kernel subflowd; do run_one "$mode" "$round"; done
done

awk -v rate="$RATE" '
    { n[$1]++; g[$1] += $2; if ($3 ~ /^[0-9]+$/) { t[$1] += $3; tn[$1]++ } if ($4 ~ /^[0-9]+$/) { r[$1] = ($4 > r[$1] ? $4 : r[$1]) } }
    END {
        printf "\n%-10s %14s %14s %22s %14s\n", "mode", "goodput Mb/s", "vs tcp", "connect->2nd subflow", "RSS (max)"
        for (m in n) order[m] = m
        split("tcp kernel subflowd", modes, " ")
        for (i = 1; i <= 3; i++) {
            m = modes[i]; if (!(m in n)) continue
            avg = g[m] / n[m]
            printf "%-10s %14.1f %13.2fx %19s ms %11s kB\n", m, avg, avg / (g["tcp"] / n["tcp"]),
                (tn[m] ? sprintf("%.0f", t[m] / tn[m]) : "-"), (r[m] ? r[m] : "-")
        }
    }' "$WORK/results"
echo
echo "per run (mode goodput t2_ms rss_kB):"
sed 's/^/  /' "$WORK/results"
