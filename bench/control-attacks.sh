#!/usr/bin/env bash
# Control-socket and metrics-listener attacks: prints figures, asserts nothing. Each attack is
# what issue 8 reported against subflowd, run against one daemon (BIN_DIR/subflowd, fullmesh,
# --control-group nogroup, --metrics-listen :9638) in a namespace of its own:
#
#   pipeline  10, then 30 clients of the control group (nobody:nogroup) each pipeline 8,000
#             `metrics` requests and read nothing; meanwhile `subflowctl status` is run every
#             0.5 s: daemon CPU seconds, RSS peak, status answered / failed and its latency
#             (the status client is nobody too: with 30 attackers it is refused "busy" by
#             design, the 2 slots left being root's; so root's status is measured as well)
#   json      one 65,000-byte object with ~8,600 keys (answer time, daemon CPU), and one
#             70,000-byte line (must be refused, not served)
#   idle      34 idle clients of the control group; root's `subflowctl status` meanwhile
#   loris     16 connections from 127.0.0.2 dripping one byte every 5 s to the metrics port
#             for 30 s, one scrape a second from 127.0.0.1 (scrapes answered 200), then one
#             9,000-byte request head (must be 431)
#   warn      the socket loosened to 0666, uid 12345 connects in a loop for 5 s: log lines/s
#   emfile    the daemon's soft RLIMIT_NOFILE set to the number of descriptors it has open
#             (prlimit), clients connect for 10 s: log lines, log bytes, daemon CPU, clients
#             closed at once
#
# Usage: bench/control-attacks.sh [BIN_DIR] [ATTACKS]    (as root; ATTACKS comma-separated,
#        default all; BIN_DIR default .build/debug). Needs python3 and setpriv.
set -euo pipefail
cd "$(dirname "$0")/.."
BIN=$(realpath "${1:-.build/debug}")
STEPS=${2:-all}
PY="/usr/bin/env python3 -u"
ATTACK="$(pwd)/bench/control-attacks.py"
WORK=$(mktemp -d /tmp/subflowd-attacks.XXXXXX)
chmod 755 "$WORK"
cp "$ATTACK" "$WORK/attack.py"; chmod 644 "$WORK/attack.py"; A="$WORK/attack.py"
S="$WORK/control.sock"
CTL="$BIN/subflowctl"
NS="sfd-attacks-$$"
NB="setpriv --reuid=nobody --regid=nogroup --clear-groups"
PID=
cleanup() {
    [[ -n $PID ]] && { kill "$PID" 2>/dev/null || true; wait "$PID" 2>/dev/null || true; }
    ip netns del "$NS" 2>/dev/null || true
    rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
step() { [[ $STEPS == all || ",$STEPS," == *",$1,"* ]]; }

ip netns add "$NS"
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.mptcp.path_manager=userspace
ip netns exec "$NS" "$BIN/subflowd" --policy fullmesh --plugin-dir "$BIN" --control-socket "$S" \
    --control-group nogroup --metrics-listen :9638 --log-level info 2>"$WORK/daemon.log" >/dev/null &
PID=$!
for _ in $(seq 50); do grep -q "ready in" "$WORK/daemon.log" && break; sleep 0.2; done
echo "subflowd $BIN/subflowd, pid $PID"
$PY "$A" watch "$PID" "$CTL" "$S" 3

if step pipeline; then
    $NB $PY "$A" pipeline "$PID" "$CTL" "$S" 10 8000 20; sleep 2
    $NB $PY "$A" pipeline "$PID" "$CTL" "$S" 30 8000 15 & FLOOD=$!
    sleep 2; echo "(status as root during the 30-client flood:)"; $PY "$A" watch "$PID" "$CTL" "$S" 10; wait $FLOOD; sleep 2
fi
if step json; then
    $NB $PY "$A" bigjson "$PID" "$CTL" "$S"
    $NB $PY "$A" longline "$S" 70000
fi
if step idle; then
    $NB $PY "$A" idle "$PID" "$CTL" "$S" 34 8 & IDLE=$!
    sleep 2; echo "(status as root:)"; $PY "$A" watch "$PID" "$CTL" "$S" 4; wait $IDLE
fi
if step loris; then
    ip netns exec "$NS" $PY "$A" slowloris 9638 16 30
    ip netns exec "$NS" $PY "$A" bighead 9638 9000
fi
if step warn; then
    chmod 666 "$S"
    before=$(wc -l < "$WORK/daemon.log")
    setpriv --reuid=12345 --regid=12345 --clear-groups $PY -c "
import socket, time
end = time.monotonic() + 5
while time.monotonic() < end:
    try:
        s = socket.socket(socket.AF_UNIX); s.connect('$S'); s.close()
    except OSError: pass
"
    sleep 1
    echo "warning flood: $(( ($(wc -l < "$WORK/daemon.log") - before) / 5 )) log lines/s over 5 s"
    chmod 600 "$S"
fi
if step emfile; then
    open_now=$(ls "/proc/$PID/fd" | wc -l)
    prlimit --pid "$PID" --nofile="$open_now":
    lines=$(wc -l < "$WORK/daemon.log"); bytes=$(stat -c %s "$WORK/daemon.log"); cpu=$(awk '{print $14+$15}' "/proc/$PID/stat")
    $PY -c "
import socket, time
clients = []; refused = 0
end = time.monotonic() + 10
while time.monotonic() < end:
    for i in range(20):
        s = socket.socket(socket.AF_UNIX); s.setblocking(False)
        if s.connect_ex('$S') == 0: clients.append(s)
        else: refused += 1; s.close()
    time.sleep(0.1)
closed = 0
for s in clients:
    try:
        if s.recv(100) == b'': closed += 1
    except BlockingIOError: pass
    except OSError: closed += 1
print(f'EMFILE clients: {len(clients)} got into the backlog, {closed} of them closed by the daemon, {refused} found it full')
"
    echo "EMFILE (soft nofile = $open_now, the descriptors open, clients for 10 s): $(( $(wc -l < "$WORK/daemon.log") - lines )) log lines," \
         "$(( $(stat -c %s "$WORK/daemon.log") - bytes )) bytes, daemon CPU $(( $(awk '{print $14+$15}' "/proc/$PID/stat") - cpu ))/100 s"
    prlimit --pid "$PID" --nofile=1024:
    sleep 2
fi
$PY "$A" watch "$PID" "$CTL" "$S" 2
