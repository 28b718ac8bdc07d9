#!/usr/bin/env bash
# How long subflowd's own doctor checks take: prints figures, asserts nothing.
#
# Starts subflowd (debug log) in a fresh namespace, then adds ROUNDS addresses one after the
# other, each once the previous run is logged: every change makes the daemon run the static
# checks of `subflowctl doctor` (off its event loop, docs/troubleshooting.md). Prints the
# number of checks and the time of each run (the daemon's own "doctor: N check(s) in X µs"
# line) as min / median / max. The figure grows with the checks in the registry
# (Sources/SubflowDoctor/DoctorChecks.swift) and with the host (processes, sockets, rules).
#
# Usage: bench/doctor.sh [BIN_DIR] [ROUNDS]     (as root, after `swift build --product subflowd`)
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=${1:-$(swift build --show-bin-path)}
ROUNDS=${2:-20}
[[ $(id -u) -eq 0 ]] || { echo "bench: needs root (network namespaces)" >&2; exit 1; }
NS=sfd-bench-doctor-$$
WORK=$(mktemp -d /tmp/subflowd-bench.XXXXXX)
PID=
cleanup() {
    [[ -n $PID ]] && kill "$PID" 2>/dev/null && wait "$PID" 2>/dev/null || true
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
ip netns add "$NS"
ip -n "$NS" link set lo up
ip -n "$NS" link add b0 type veth peer name b1
ip -n "$NS" link set b0 up
ip -n "$NS" link set b1 up
ip netns exec "$NS" sysctl -qw net.mptcp.path_manager=userspace
ip netns exec "$NS" "$BIN/subflowd" --policy fullmesh --plugin-dir "$BIN" --log-level debug \
    --control-socket "$WORK/control.sock" 2>"$WORK/log" &
PID=$!
runs() { grep -c 'debug: doctor: ' "$WORK/log" || true; }
wait_runs() {
    local want=$1 deadline=$((SECONDS + 30))
    while (($(runs) < want)); do
        ((SECONDS < deadline)) || { echo "bench: no doctor run after 30 s; log:" >&2; cat "$WORK/log" >&2; exit 1; }
        sleep 0.05
    done
}
wait_runs 1
for i in $(seq 1 "$ROUNDS"); do
    ip -n "$NS" address add "198.18.$((100 + i / 250)).$((i % 250 + 1))/32" dev b0
    wait_runs $((i + 1))
done
grep 'debug: doctor: ' "$WORK/log" | sed -E 's/.*doctor: ([0-9]+) check\(s\) in ([0-9]+) µs.*/\1 \2/' | sort -n -k2 | awk '
    { checks = $1; t[NR] = $2 }
    END { printf "doctor: %d runs of %d check(s): min %d µs, median %d µs, max %d µs\n", NR, checks, t[1], t[int((NR + 1) / 2)], t[NR] }'
