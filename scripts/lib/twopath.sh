# Shared by scripts/demo.sh and bench/run.sh: a client and a server namespace joined by two
# veth paths (A: 198.18.1.0/24, B: 198.18.2.0/24), each optionally shaped with tbf.
# Source it, set TP_TAG, call tp_create RATE, and make sure tp_destroy runs on exit.
#
# Routing: each side reaches the other's second subnet over either path with a higher metric,
# so a subflow bound to a device always has a route on that device.

TP_PIDS=()

tp_names() {
    TP_CLI="sfd-${TP_TAG}-cli-$$"
    TP_SRV="sfd-${TP_TAG}-srv-$$"
}

# tp_create RATE  (RATE like 100mbit, or "" for unshaped)
tp_create() {
    local rate=$1 p end ns dev
    tp_names
    ip netns add "$TP_CLI"
    ip netns add "$TP_SRV"
    for ns in "$TP_CLI" "$TP_SRV"; do
        ip -n "$ns" link set lo up
        ip netns exec "$ns" sysctl -qw net.mptcp.enabled=1
    done
    for p in 1 2; do
        ip link add "c$p" netns "$TP_CLI" type veth peer name "s$p" netns "$TP_SRV"
        ip -n "$TP_CLI" addr add "198.18.$p.1/24" dev "c$p"
        ip -n "$TP_SRV" addr add "198.18.$p.2/24" dev "s$p"
        ip -n "$TP_CLI" link set "c$p" up
        ip -n "$TP_SRV" link set "s$p" up
        if [[ -n $rate ]]; then
            for end in "$TP_CLI c$p" "$TP_SRV s$p"; do
                read -r ns dev <<<"$end"
                ip netns exec "$ns" tc qdisc add dev "$dev" root tbf rate "$rate" burst 256kb latency 20ms
            done
        fi
    done
    ip -n "$TP_CLI" route add 198.18.2.0/24 dev c1 metric 200
    ip -n "$TP_CLI" route add 198.18.1.0/24 dev c2 metric 200
    ip -n "$TP_SRV" route add 198.18.2.0/24 dev s1 metric 200
    ip -n "$TP_SRV" route add 198.18.1.0/24 dev s2 metric 200
}

# Background process inside a namespace; its PID is remembered for tp_destroy.
tp_spawn() {
    local ns=$1; shift
    ip netns exec "$ns" "$@" &
    TP_PIDS+=($!)
}

# Stops every process tp_spawn started (SIGTERM; SIGKILL after ~5 s for one that hangs, e.g. a
# daemon spinning under load) and deletes the namespaces.
tp_destroy() {
    local pid="" _
    for pid in "${TP_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for _ in $(seq 50); do
        for pid in "${TP_PIDS[@]}"; do kill -0 "$pid" 2>/dev/null && break; done
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
    done
    for pid in "${TP_PIDS[@]}"; do kill -KILL "$pid" 2>/dev/null || true; done
    for pid in "${TP_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    TP_PIDS=()
    [[ -n ${TP_CLI:-} ]] && ip netns del "$TP_CLI" 2>/dev/null || true
    [[ -n ${TP_SRV:-} ]] && ip netns del "$TP_SRV" 2>/dev/null || true
}

# Waits until FILE contains PATTERN (at most ~5 s); returns 1 otherwise.
tp_wait_for() {
    local file=$1 pattern=$2 _
    for _ in $(seq 100); do grep -q "$pattern" "$file" 2>/dev/null && return 0; sleep 0.05; done
    return 1
}

tp_tx_bytes() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_bytes"; }
