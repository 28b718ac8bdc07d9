#!/usr/bin/env bash
# Failover benchmark: prints figures, asserts nothing. How long a running MPTCP transfer stalls
# when its primary link goes down and a backup path exists, measured at the RECEIVER:
#
#   kernel      in-kernel path manager, `ip mptcp endpoint add <backup addr> dev cli-b subflow backup`
#   standby     subflowd --policy backup-on-loss mode=standby   (backup subflow open, flagged backup)
#   on-demand   subflowd --policy backup-on-loss mode=on-demand (backup subflow opened on loss)
#
# Each round builds a fresh pair of namespaces per mode (interleaved, so the modes share the
# machine's noise): client and server joined by path A (cli-a 198.18.1.1 ⟷ srv-a 198.18.1.2) and
# path B (cli-b 198.18.2.1 ⟷ srv-b 198.18.2.2), both shaped to RATE with tbf. The client routes
# by source address (ip rules), like the real-kernel tests: a subflow lives and dies with its
# path. (scripts/lib/twopath.sh does not fit: its cross-path routes would let the kernel re-route
# the primary subflow over path B, which is not what a lost Wi-Fi or cable does.) The server
# runs the in-kernel PM. The client sends for SECONDS; after 1.5 s it sets cli-a down with
# `subflow-traffic link` (SIOCSIFFLAGS; "down" = CLOCK_MONOTONIC just before the call: the
# device stops transmitting at the start of it, the kernel's RTM_NEWLINK — what subflowd reacts
# to — is sent at its end). The server (`serve --gap-report`) reports every silence of 0.05 ms
# or more between two reads with their CLOCK_MONOTONIC times, the clock all namespaces share.
#
#   failover  = first read after "down", minus "down"
#   silence   = the silence around "down" as the receiver saw it (last read before → first after)
#   down call = how long the SIOCSIFFLAGS call took (up to when RTM_NEWLINK was sent)
#
# A failover well under 0.1 ms would mean the read still carried data the primary delivered
# just before the link went down: it is not an interruption the receiver noticed.
#
# Usage: bench/failover.sh [BIN_DIR] [ROUNDS] [RATE] [SECONDS]     (as root)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-$(swift build -c release --show-bin-path)}
ROUNDS=${2:-5}
RATE=${3:-100mbit}
SECONDS_SENT=${4:-4}
MODES=(kernel standby on-demand)
[[ $(id -u) -eq 0 ]] || { echo "failover: needs root (network namespaces)" >&2; exit 1; }
for tool in subflowd subflow-traffic libbackup-on-loss.so; do
    [[ -e $BIN/$tool ]] || { echo "failover: $BIN/$tool missing: build first (swift build -c release)" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/subflowd-failover.XXXXXX)
PIDS=()
NAMESPACES=()
# Everything this script started, by PID, and every namespace it made: also on failure.
cleanup() {
    local pid ns
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    PIDS=()
    for ns in "${NAMESPACES[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
    NAMESPACES=()
}
trap 'cleanup; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

spawn() {   # spawn NAMESPACE OUTFILE ERRFILE CMD… — background, PID remembered
    local ns=$1 out=$2 err=$3; shift 3
    ip netns exec "$ns" "$@" >"$out" 2>"$err" &
    PIDS+=($!)
}

# topology TAG → sets CLI and SRV
topology() {
    CLI="sfd-fo-$$-$1-cli"
    SRV="sfd-fo-$$-$1-srv"
    local ns p l
    for ns in "$CLI" "$SRV"; do
        ip netns add "$ns"
        NAMESPACES+=("$ns")
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.mptcp.enabled=1 net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0
    done
    for p in 1 2; do
        l=$([[ $p == 1 ]] && echo a || echo b)
        ip -n "$CLI" link add "cli-$l" type veth peer name "srv-$l" netns "$SRV"
        ip -n "$CLI" addr add "198.18.$p.1/24" dev "cli-$l"
        ip -n "$SRV" addr add "198.18.$p.2/24" dev "srv-$l"
        ip -n "$CLI" link set "cli-$l" up
        ip -n "$SRV" link set "srv-$l" up
        ip -n "$CLI" route add default via "198.18.$p.2" dev "cli-$l" table $((100 + p))
        ip -n "$CLI" rule add from "198.18.$p.1" lookup $((100 + p)) pref $((1000 + p))
        ip netns exec "$CLI" tc qdisc add dev "cli-$l" root tbf rate "$RATE" burst 64kb latency 20ms
        ip netns exec "$SRV" tc qdisc add dev "srv-$l" root tbf rate "$RATE" burst 64kb latency 20ms
    done
    ip -n "$SRV" mptcp limits set subflows 8 add_addr_accepted 8
}

wait_for() {   # wait_for FILE PATTERN — up to ~5 s
    local _
    for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

json() { { grep -oE "\"$2\":[0-9.]+" <<<"$1" | head -n1 | cut -d: -f2; } || true; }

# run_one MODE ROUND → appends "MODE failover_ms silence_ms complete backup_ready down_call_ms" to $WORK/results
run_one() {
    local mode=$1 round=$2 dir="$WORK/$round-$1"
    mkdir -p "$dir"
    topology "r$round-${mode:0:2}"
    case $mode in
        kernel)
            ip -n "$CLI" mptcp limits set subflows 8 add_addr_accepted 8
            ip -n "$CLI" mptcp endpoint add 198.18.2.1 dev cli-b subflow backup ;;
        standby|on-demand)
            spawn "$CLI" /dev/null "$dir/subflowd.log" "$BIN/subflowd" --policy backup-on-loss --plugin-dir "$BIN" \
                --set-path-manager --log-level info --control-socket none --set primary=cli-a --set backup=cli-b --set "mode=$mode"
            wait_for "$dir/subflowd.log" "ready in" || {
                echo "failover: subflowd did not start ($mode, round $round):" >&2
                tail -n 3 "$dir/subflowd.log" >&2
                exit 1
            } ;;
    esac
    spawn "$SRV" "$dir/server.json" "$dir/server.err" "$BIN/subflow-traffic" serve --port 5201 --once --gap-report 0.05
    wait_for "$dir/server.json" listening
    spawn "$CLI" "$dir/client.json" "$dir/client.err" "$BIN/subflow-traffic" send --to 198.18.1.2 --port 5201 \
        --seconds "$SECONDS_SENT"
    local client=${PIDS[-1]}
    sleep 1.5
    local ready=yes
    if [[ $mode != on-demand ]]; then
        ip netns exec "$CLI" ss -tni | grep -q 'cli-b.*' || ready=no   # the backup subflow is in place
    fi
    local link; link=$(ip netns exec "$CLI" "$BIN/subflow-traffic" link cli-a down)
    local down after
    down=$(json "$link" before_ns)
    after=$(json "$link" after_ns)
    wait "$client" || true
    sleep 0.3
    local sent received
    sent=$(json "$(grep '"type":"summary"' "$dir/client.json" || true)" bytes)
    received=$(json "$(grep '"type":"connection"' "$dir/server.json" || true)" bytes)
    local complete=no
    [[ -n $sent && $sent == "$received" ]] && complete=yes
    # The silence spanning "down": the first reported one that ends after it.
    awk -v down="$down" -v call="$(( (after - down) / 1000 ))" -v mode="$mode" -v complete="$complete" -v ready="$ready" '
        /"type":"gap"/ && !done {
            match($0, /"from_ns":[0-9]+/); from = substr($0, RSTART + 10, RLENGTH - 10)
            match($0, /"to_ns":[0-9]+/);   to = substr($0, RSTART + 8, RLENGTH - 8)
            if (to + 0 > down + 0) {
                printf "%s %.3f %.3f %s %s %.3f\n", mode, (to - down) / 1e6, (to - from) / 1e6, complete, ready, call / 1e3
                done = 1
            }
        }
        END { if (!done) printf "%s - - %s %s %.3f\n", mode, complete, ready, call / 1e3 }' "$dir/server.json" >>"$WORK/results"
    cleanup
}

echo "failover benchmark: 2 paths at $RATE, ${SECONDS_SENT}s transfers, primary link down at 1.5 s, $ROUNDS rounds (modes interleaved)"
for round in $(seq "$ROUNDS"); do
    for mode in "${MODES[@]}"; do run_one "$mode" "$round"; done
done

echo
printf "%-10s %5s   %-32s   %-32s\n" mode runs "link down -> first bytes (ms)" "receiver silence (ms)"
printf "%-10s %5s   %10s %10s %10s   %10s %10s %10s\n" "" "" median min max median min max
stats() {   # stats MODE COLUMN → "median min max" of that column over the runs that saw a failover
    awk -v m="$1" -v c="$2" '$1 == m && $c != "-" { print $c }' "$WORK/results" | sort -g | awk '
        { v[NR] = $1 }
        END {
            if (NR == 0) { printf "%10s %10s %10s", "-", "-", "-"; exit }
            med = (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
            printf "%10.1f %10.1f %10.1f", med, v[1], v[NR]
        }'
}
for mode in "${MODES[@]}"; do
    printf "%-10s %5d   %s   %s\n" "$mode" "$(awk -v m="$mode" '$1 == m' "$WORK/results" | wc -l)" "$(stats "$mode" 2)" "$(stats "$mode" 3)"
done
echo
echo "per run (mode failover_ms silence_ms all_bytes_delivered backup_subflow_before_loss down_call_ms):"
sed 's/^/  /' "$WORK/results"
