#!/usr/bin/env bash
# subflowd demo: two network namespaces joined by two 100 Mbit/s paths (veth + tbf).
# The server (in-kernel path manager) announces its second address; subflowd with the
# fullmesh policy in the client namespace turns the single-path MPTCP transfer into a mesh.
# Prints the subflows as the kernel reports them (ss) and the throughput of each path.
#
# Usage: scripts/demo.sh [BIN_DIR] [SECONDS]      (as root; `make demo` builds first)
set -euo pipefail

BIN=${1:-$(swift build -c release --show-bin-path)}
SECONDS_TO_RUN=${2:-8}
[[ $(id -u) -eq 0 ]] || { echo "demo: needs root (it creates network namespaces)" >&2; exit 1; }
for exe in subflowd subflow-traffic; do
    [[ -x $BIN/$exe ]] || { echo "demo: $BIN/$exe not found: build first (make build)" >&2; exit 1; }
done

CLI=sfd-demo-cli-$$
SRV=sfd-demo-srv-$$
WORK=$(mktemp -d /tmp/subflowd-demo.XXXXXX)
PIDS=()

cleanup() {
    local pid
    for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    ip netns del "$CLI" 2>/dev/null || true
    ip netns del "$SRV" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

in_cli() { ip netns exec "$CLI" "$@"; }
in_srv() { ip netns exec "$SRV" "$@"; }

echo "== building hosts: $CLI (client) and $SRV (server), paths A and B at 100 Mbit/s"
ip netns add "$CLI"
ip netns add "$SRV"
for ns in "$CLI" "$SRV"; do
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sysctl -qw net.mptcp.enabled=1
done
in_srv sysctl -qw net.mptcp.path_manager=kernel
for p in 1 2; do
    ip link add "c$p" netns "$CLI" type veth peer name "s$p" netns "$SRV"
    ip -n "$CLI" addr add "198.18.$p.1/24" dev "c$p"
    ip -n "$SRV" addr add "198.18.$p.2/24" dev "s$p"
    ip -n "$CLI" link set "c$p" up
    ip -n "$SRV" link set "s$p" up
    for end in "$CLI c$p" "$SRV s$p"; do
        set -- $end
        ip netns exec "$1" tc qdisc add dev "$2" root tbf rate 100mbit burst 256kb latency 20ms
    done
done
# Each host reaches the other's second subnet over either path (a subflow bound to a
# device then has a route on that device; see README "Routing").
ip -n "$CLI" route add 198.18.2.0/24 dev c1 metric 200
ip -n "$CLI" route add 198.18.1.0/24 dev c2 metric 200
ip -n "$SRV" route add 198.18.2.0/24 dev s1 metric 200
ip -n "$SRV" route add 198.18.1.0/24 dev s2 metric 200
# Server: in-kernel path manager announcing 198.18.2.2, accepting up to 8 subflows.
ip -n "$SRV" mptcp limits set subflows 8 add_addr_accepted 8
ip -n "$SRV" mptcp endpoint add 198.18.2.2 dev s2 signal

echo "== starting subflowd --policy fullmesh in $CLI"
in_cli "$BIN/subflowd" --policy fullmesh --plugin-dir "$BIN" --set-path-manager >"$WORK/subflowd.log" 2>&1 &
PIDS+=($!)
for _ in $(seq 100); do grep -q "ready in" "$WORK/subflowd.log" && break; sleep 0.05; done
grep -q "ready in" "$WORK/subflowd.log" || { cat "$WORK/subflowd.log"; echo "demo: subflowd did not get ready" >&2; exit 1; }

in_srv "$BIN/subflow-traffic" serve --bind 0.0.0.0 --port 5201 --once >"$WORK/server.json" &
PIDS+=($!)
sleep 0.3

tx() { in_cli cat "/sys/class/net/$1/statistics/tx_bytes"; }
a0=$(tx c1); b0=$(tx c2)
echo "== MPTCP transfer 198.18.1.1 -> 198.18.1.2:5201 for ${SECONDS_TO_RUN}s"
in_cli "$BIN/subflow-traffic" send --to 198.18.1.2 --port 5201 --seconds "$SECONDS_TO_RUN" >"$WORK/client.json" &
client=$!
PIDS+=($client)
sleep 2
echo "== subflows as the kernel reports them (ss -tn in $CLI, MPTCP subflows only):"
in_cli ss -tnH state established '( dport = :5201 )' | awk '{printf "   %-22s -> %s\n", $3, $4}'
in_cli ss -nMiH | grep -o "subflows:[0-9]*" | sed 's/^/   mptcp connection: /' || true
wait "$client"
a1=$(tx c1); b1=$(tx c2)
mbps() { echo "scale=1; ($1) * 8 / $SECONDS_TO_RUN / 1000000" | bc 2>/dev/null || awk "BEGIN{printf \"%.1f\", ($1)*8/$SECONDS_TO_RUN/1000000}"; }
echo "== throughput per path (client transmit counters):"
echo "   path A (c1, 198.18.1.0/24): $(mbps "$a1 - $a0") Mbit/s"
echo "   path B (c2, 198.18.2.0/24): $(mbps "$b1 - $b0") Mbit/s"
echo "== transfer summary (client): $(tail -n 1 "$WORK/client.json")"
echo "== what subflowd decided:"
grep -E "fullmesh|connection|ready" "$WORK/subflowd.log" | sed 's/^/   /'
