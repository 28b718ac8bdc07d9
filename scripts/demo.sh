#!/usr/bin/env bash
# subflowd demo: two network namespaces joined by two 100 Mbit/s paths (veth + tbf).
# The server (in-kernel path manager) announces its second address; subflowd with the
# fullmesh policy in the client namespace turns the single-path MPTCP transfer into a mesh.
# Prints the subflows as the kernel reports them (ss) and the throughput of each path.
#
# Usage: scripts/demo.sh [BIN_DIR] [SECONDS]      (as root)
# Without BIN_DIR it installs the Debian packages it needs and builds a release first.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $(id -u) -eq 0 ]] || { echo "demo: needs root (it creates network namespaces)" >&2; exit 1; }
if [[ -z ${1:-} ]]; then
    export PATH="/opt/swift/usr/bin:$PATH"
    scripts/install-deps.sh
    echo "== building subflowd (release)"
    swift build -c release 2>&1 | grep -E "error|warning|Compiling|Build complete" | tail -n 3
fi
BIN=${1:-$(swift build -c release --show-bin-path)}
DURATION=${2:-8}
for exe in subflowd subflow-traffic; do
    [[ -x $BIN/$exe ]] || { echo "demo: $BIN/$exe not found: build first (make build)" >&2; exit 1; }
done
source scripts/lib/twopath.sh
TP_TAG=demo
WORK=$(mktemp -d /tmp/subflowd-demo.XXXXXX)
trap 'tp_destroy; rm -rf "$WORK"' EXIT
trap 'exit 130' INT TERM

echo "== building hosts: client and server namespaces, paths A and B at 100 Mbit/s each"
tp_create 100mbit
# Server: in-kernel path manager announcing 198.18.2.2, accepting up to 8 subflows.
ip -n "$TP_SRV" mptcp limits set subflows 8 add_addr_accepted 8
ip -n "$TP_SRV" mptcp endpoint add 198.18.2.2 dev s2 signal

echo "== starting subflowd --policy fullmesh in the client namespace"
tp_spawn "$TP_CLI" "$BIN/subflowd" --policy fullmesh --plugin-dir "$BIN" --set-path-manager \
    --control-socket "$WORK/control.sock" 2>"$WORK/subflowd.log"
tp_wait_for "$WORK/subflowd.log" "ready in" || { cat "$WORK/subflowd.log"; echo "demo: subflowd did not get ready" >&2; exit 1; }
sed 's/^/   subflowd| /' "$WORK/subflowd.log"

tp_spawn "$TP_SRV" "$BIN/subflow-traffic" serve --bind 0.0.0.0 --port 5201 --once >"$WORK/server.json"
tp_wait_for "$WORK/server.json" listening

a0=$(tp_tx_bytes "$TP_CLI" c1); b0=$(tp_tx_bytes "$TP_CLI" c2)
echo "== one MPTCP transfer 198.18.1.1 -> 198.18.1.2:5201 for ${DURATION}s"
tp_spawn "$TP_CLI" "$BIN/subflow-traffic" send --to 198.18.1.2 --port 5201 --seconds "$DURATION" >"$WORK/client.json"
client=${TP_PIDS[-1]}
sleep 2
echo "== subflows as the kernel reports them (ss in the client namespace):"
ip netns exec "$TP_CLI" ss -tnH state established '( dport = :5201 )' \
    | awk '{printf "   subflow %-24s -> %s\n", $3, $4}'
ip netns exec "$TP_CLI" ss -nMiH | grep -o "subflows:[0-9]*" | sed 's/^/   MPTCP connection: extra /' || true
echo "== the same connection as subflowd sees it (subflowctl connections):"
"$BIN/subflowctl" connections --socket "$WORK/control.sock" | sed 's/^/   /' || true
wait "$client"
a1=$(tp_tx_bytes "$TP_CLI" c1); b1=$(tp_tx_bytes "$TP_CLI" c2)
mbps() { awk -v b="$1" -v s="$DURATION" 'BEGIN { printf "%.1f", b * 8 / s / 1000000 }'; }
echo "== throughput per path (client transmit counters over the transfer):"
echo "   path A (c1 198.18.1.1): $(mbps $((a1 - a0))) Mbit/s"
echo "   path B (c2 198.18.2.1): $(mbps $((b1 - b0))) Mbit/s"
echo "   goodput (acknowledged data): $(grep '"type":"sent"' "$WORK/client.json" | grep -oE '"mbps":[0-9.]+' | cut -d: -f2) Mbit/s"
echo "== what subflowd decided:"
grep -E "fullmesh|handled by|closed" "$WORK/subflowd.log" | sed 's/^/   /'
