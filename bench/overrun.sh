#!/usr/bin/env bash
# Overrun benchmark: prints figures, asserts nothing. What happens when the kernel drops MPTCP
# events because subflowd could not keep up (docs/recovery.md, "After lost events"):
#
#   overrun   subflowd --policy fullmesh in a client namespace with two paths (scripts/lib/twopath.sh:
#             c1 198.18.1.1, c2 198.18.2.1 ⟷ the server's 198.18.1.2 / 198.18.2.2). Four long-lived
#             connections get their path-B join; subflowd is stopped (SIGSTOP); two of them end,
#             two new ones open, and `subflow-traffic churn` opens and closes CHURN connections
#             at RATE per second; SIGCONT. Printed: events the kernel dropped (/proc/net/netlink),
#             whether both netlink sockets are still in an epoll set of the daemon, the time from
#             SIGCONT to the resync's log line, what the resync did, and — after two more
#             connections — subflowd's connections against `ss` (same tokens, same subflows,
#             none with more than 2 subflows, every live one with its join).
#   snapshot  for each N of SIZES: N idle connections (churn --hold) before subflowd starts;
#             the start-up recovery's time (full snapshot: sock_diag + one GET_ADDR per
#             connection), then an overrun and the resync's snapshot and total time.
#
# Works with any build of subflowd (BIN_DIR): one without resync shows the deafness (sockets no
# longer watched, new connections without their join). Needs subflow-traffic with `churn`
# (TOOLS_DIR, default BIN_DIR) and subflowctl.
#
# Usage: bench/overrun.sh [BIN_DIR] [CHURN] [RATE] [SIZES] [TOOLS_DIR]     (as root)
#   e.g. bench/overrun.sh .build/release 6000 1000 "1000 5000"
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-$(swift build -c release --show-bin-path)}")
CHURN=${2:-6000}
RATE=${3:-1000}
SIZES=${4:-1000 5000}
TOOLS=$(realpath "${5:-$BIN}")
[[ $(id -u) -eq 0 ]] || { echo "overrun: needs root (network namespaces)" >&2; exit 1; }
for tool in "$BIN/subflowd" "$BIN/libfullmesh.so" "$TOOLS/subflow-traffic" "$TOOLS/subflowctl"; do
    [[ -e $tool ]] || { echo "overrun: $tool missing: build first (swift build -c release)" >&2; exit 1; }
done

source scripts/lib/twopath.sh
WORK=$(mktemp -d /tmp/subflowd-overrun.XXXXXX)
cleanup() {
    local pid
    for pid in "${TP_PIDS[@]}"; do kill -CONT "$pid" 2>/dev/null || true; done
    tp_destroy
}
trap 'cleanup; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

topology() {   # topology TAG → sets CLI and SRV (scripts/lib/twopath.sh, unshaped)
    TP_TAG="or-$1"
    tp_create ""
    CLI=$TP_CLI SRV=$TP_SRV
    ip netns exec "$CLI" sysctl -qw net.mptcp.path_manager=userspace
    ip -n "$SRV" mptcp limits set subflows 8 add_addr_accepted 8
}

spawn() {   # spawn NAMESPACE OUTFILE CMD… — background, PID remembered for cleanup
    local ns=$1 out=$2; shift 2
    tp_spawn "$ns" "$@" >"$out" 2>&1
}

wait_for() {   # wait_for FILE PATTERN [TENTHS] — up to TENTHS/10 s (default 10 s)
    local _
    for _ in $(seq "${3:-100}"); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.1; done
    return 1
}

start_daemon() {   # start_daemon LOG → DAEMON (pid)
    spawn "$CLI" "$1" "$BIN/subflowd" --policy fullmesh --plugin-dir "$BIN" --log-level info \
        --control-socket "$WORK/control.sock"
    DAEMON=${TP_PIDS[-1]}
    wait_for "$1" "ready in" || { echo "overrun: subflowd did not start:" >&2; tail -n 3 "$1" >&2; exit 1; }
}

long_lived() {   # long_lived NAME — a connection that stays (1 byte, then idle)
    spawn "$CLI" "$WORK/$1.json" "$TOOLS/subflow-traffic" send --to 198.18.1.2 --port 5201 --bytes 1 --hold 300
    wait_for "$WORK/$1.json" connected
}

events_drops() {   # drops of the daemon's events socket (the generic-netlink one with groups)
    local inodes
    inodes=$(ls -l "/proc/$DAEMON/fd" | sed -n 's/.*socket:\[\([0-9]*\)\]/\1/p' | tr '\n' ' ')
    ip netns exec "$CLI" cat /proc/net/netlink | awk -v inodes="$inodes" '
        BEGIN { n = split(inodes, a, " "); for (i = 1; i <= n; i++) mine[a[i]] = 1 }
        NR > 1 && $2 == 16 && $4 != "00000000" && ($10 in mine) { print $9 }'
}

netlink_watched() {   # "yes" if every generic-netlink socket of the daemon is in one of its epoll sets
    local listing watched=" " netlink fd missing=0
    listing=$(ls -l "/proc/$DAEMON/fd")
    for fd in $(awk '/eventpoll/ { print $9 }' <<<"$listing"); do
        watched+="$(grep -o 'tfd: *[0-9]*' "/proc/$DAEMON/fdinfo/$fd" | awk '{ printf "%s ", $2 }')"
    done
    netlink=" $(ip netns exec "$CLI" awk 'NR > 1 && $2 == 16 { print $10 }' /proc/net/netlink | tr '\n' ' ') "
    for fd in $(awk -v netlink="$netlink" '$11 ~ /^socket:/ { inode = $11; gsub(/[^0-9]/, "", inode); if (index(netlink, " " inode " ")) print $9 }' <<<"$listing"); do
        [[ $watched == *" $fd "* ]] || missing=$((missing + 1))
    done
    [[ $missing -eq 0 ]] && echo yes || echo "no ($missing not watched)"
}

mesh() {   # token → established subflows, from ss
    ip netns exec "$CLI" ss -tni state established | grep -o 'token:[0-9a-f]*([^)]*)/[0-9a-f]*' | sed 's|.*/||' | sort | uniq -c
}

overrun() {
    echo "== overrun: $CHURN connections at $RATE/s while subflowd is stopped =="
    topology ov
    spawn "$SRV" "$WORK/server.json" "$TOOLS/subflow-traffic" serve --port 5201
    wait_for "$WORK/server.json" listening
    start_daemon "$WORK/overrun.log"
    for c in kept1 kept2 end1 end2; do long_lived "$c"; done
    sleep 2
    local ending=("${TP_PIDS[@]: -2}") before
    before=$(events_drops)
    kill -STOP "$DAEMON"
    kill "${ending[@]}"
    for c in new1 new2; do long_lived "$c"; done
    ip netns exec "$CLI" "$TOOLS/subflow-traffic" churn --to 198.18.1.2 --port 5201 --count "$CHURN" --rate "$RATE" | sed 's/^/churn: /'
    echo "events dropped by the kernel: $(( $(events_drops) - before ))"
    local started=$EPOCHREALTIME
    kill -CONT "$DAEMON"
    if wait_for "$WORK/overrun.log" "resync after lost events" 300; then
        echo "SIGCONT → resync logged: $(awk -v a="$started" -v b="$EPOCHREALTIME" 'BEGIN { printf "%.0f ms (polled every 100 ms)", (b - a) * 1000 }')"
        grep -o "resync after lost events: .*" "$WORK/overrun.log" | head -n 3
    else
        echo "no resync logged within 30 s"
    fi
    echo "netlink sockets still watched: $(netlink_watched)"
    for c in after1 after2; do long_lived "$c"; done
    sleep 3
    local kernel daemon_count
    kernel=$(mesh)
    echo "kernel (ss): $(wc -l <<<"$kernel") connections, subflows per connection: $(awk '{print $1}' <<<"$kernel" | sort | uniq -c | awk '{printf "%s×%s ", $1, $2}')"
    daemon_count=$("$TOOLS/subflowctl" connections --socket "$WORK/control.sock" --json 2>/dev/null | grep -o '"token":[0-9]*' | wc -l || true)
    echo "subflowd: $daemon_count connections"
    "$TOOLS/subflowctl" status --socket "$WORK/control.sock" 2>/dev/null | grep -E "^(connections|trouble|resyncs|commands):" || echo "status: no answer"
    cleanup
}

snapshot() {
    local n=$1
    echo "== snapshot: $n connections =="
    topology s$n
    spawn "$SRV" "$WORK/server-$n.json" "$TOOLS/subflow-traffic" serve --port 5201
    wait_for "$WORK/server-$n.json" listening
    spawn "$CLI" "$WORK/hold-$n.json" "$TOOLS/subflow-traffic" churn --to 198.18.1.2 --port 5201 --count "$n" --hold 600
    wait_for "$WORK/hold-$n.json" churn 1200 || { echo "overrun: $n connections did not open" >&2; return; }
    start_daemon "$WORK/snapshot-$n.log"
    grep -o "recovery: [0-9]* existing connection(s) adopted" "$WORK/snapshot-$n.log"
    grep -o "[0-9]* subflow(s) seen, in [0-9]* ms" "$WORK/snapshot-$n.log" | sed 's/^/start-up recovery (full snapshot): /'
    sleep 2
    kill -STOP "$DAEMON"
    ip netns exec "$CLI" "$TOOLS/subflow-traffic" churn --to 198.18.1.2 --port 5201 --count 6000 --rate "$RATE" >/dev/null
    kill -CONT "$DAEMON"
    wait_for "$WORK/snapshot-$n.log" "resync after lost events" 300 &&
        grep -o "resync after lost events: .*" "$WORK/snapshot-$n.log" | sed 's/.*; snapshot/resync: snapshot/'
    cleanup
}

overrun
for n in $SIZES; do snapshot "$n"; done
