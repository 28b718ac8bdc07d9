#!/usr/bin/env bash
# Load test: prints figures, asserts nothing. As many short MPTCP connections a second as the
# machine allows, managed by subflowd --policy fullmesh, while control clients flood the
# daemon's (private) control socket with `status` and `metrics` requests. Two variants, each in
# a fresh pair of namespaces (scripts/lib/twopath.sh, paths unshaped):
#
#   working    both paths work; the server (in-kernel PM) announces 198.18.2.2, so every
#              connection should end with a mesh of 4 subflows
#   blackhole  the same, but the server namespace drops (nftables) every MP_JOIN SYN that
#              involves path B (arriving on s2, or to 198.18.2.2, or from 198.18.2.1): joins
#              stay unanswered, fullmesh's join timers and retries pile up
#
# `subflow-traffic storm` (CLIENTS processes side by side) opens connections for SECONDS, at
# RATE a second in total or as fast as they connect, each closed after --hold-ms; the newest
# --keep stay open. After the storm the load stops (storm and flood), the script waits --settle
# seconds, then compares the kept connections as the kernel sees them (`ss -tiM` in the client
# namespace) with `subflowctl connections --json`.
#
# Printed per variant (one column each; every figure is also in --raw FILE as
# "variant<TAB>figure<TAB>value" lines):
#   connections attempted/established (total, per second), control requests answered/failed
#   and their latency, events the daemon counted, event overruns and how many events it still
#   counted after the last one it answered about (the stronger evidence that an overrun was
#   survived: the kept connections, opened at the end of the storm, are known to the daemon
#   with their whole mesh), resyncs (n/a when the daemon has no such
#   counter), the kernel's netlink drops in the client namespace, the daemon's descriptors,
#   RSS (start/peak/end, sampled every 0.5 s; end = after the settle period), its CPU seconds
#   (utime+stime) and CPU per established connection, log volume, and the check: connections
#   whose subflows disagree with the kernel (unknown to the daemon, phantom, different
#   subflows), that exceed max-subflows, or that have two subflows on one address pair.
# Then a per-second series per variant (storm rate, daemon CPU, events/s, descriptors, RSS).
#
# Usage: bench/storm.sh [BIN_DIR] [SECONDS] [RATE|max] [--clients N] [--hold-ms MS] [--keep N]
#                       [--settle S] [--flood N] [--max-subflows N] [--variants "working blackhole"]
#                       [--raw FILE] [--work DIR]   (as root; defaults: release build, 10 s, max,
#                                                    2, 100, 100, 5, 2, 8, both)
# --work DIR keeps every file of the run (daemon log, ss output, answers, samples) in DIR.
# --keep N: the newest N connections (spread over the clients) are never closed by the storm.
# The daemon runs with --log-level warning. Its CPU includes answering the flood: --flood 0
# gives the event path alone. Each storm client is one process connecting one at a time
# (blocking connect, 2 s timeout); --clients adds parallel ones.
# Extending it: a figure is one `figure LABEL VALUE` line in record_figures (it appears in the
# table and in --raw); a per-second column goes into per_second_series.
# Exit status: 0 after printing the figures, whatever they are; 1 when the set-up fails.
# Everything it starts is stopped by PID, and the namespaces (with their nftables tables) are
# deleted on exit, also on failure or Ctrl-C.
set -euo pipefail
export LC_ALL=C
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
BIN=${1:-$(swift build -c release --show-bin-path)}
DURATION=${2:-10}
RATE=${3:-max}
shift $(($# < 3 ? $# : 3))
CLIENTS=2 HOLD_MS=100 KEEP=100 SETTLE=5 FLOOD=2 MAX_SUBFLOWS=8 VARIANTS="working blackhole" RAW="" KEEP_WORK=""
while (($#)); do
    (($# >= 2)) || { echo "storm: $1 needs a value" >&2; exit 1; }
    case $1 in
        --clients) CLIENTS=$2 ;;
        --hold-ms) HOLD_MS=$2 ;;
        --keep) KEEP=$2 ;;
        --settle) SETTLE=$2 ;;
        --flood) FLOOD=$2 ;;
        --max-subflows) MAX_SUBFLOWS=$2 ;;
        --variants) VARIANTS=$2 ;;
        --raw) RAW=$2 ;;
        --work) KEEP_WORK=$2 ;;
        *) echo "storm: unknown option $1 (see the header of $0)" >&2; exit 1 ;;
    esac
    shift 2
done

die() { echo "storm: $*" >&2; exit 1; }
[[ $(id -u) -eq 0 ]] || die "needs root (network namespaces)"
for n in "$DURATION" "$CLIENTS" "$HOLD_MS" "$KEEP" "$SETTLE" "$FLOOD" "$MAX_SUBFLOWS"; do
    [[ $n =~ ^[0-9]+$ ]] || die "'$n' is not a whole number (SECONDS and the options take whole numbers)"
done
[[ $RATE == max || $RATE =~ ^[0-9]+$ ]] || die "RATE must be a number of connections per second or 'max', not '$RATE'"
((DURATION > 0 && DURATION <= 3600 && CLIENTS > 0 && CLIENTS <= 64)) || die "SECONDS must be 1-3600 and --clients 1-64"
for variant in $VARIANTS; do [[ $variant == working || $variant == blackhole ]] || die "unknown variant '$variant' (working, blackhole)"; done
for tool in subflowd subflowctl subflow-traffic libfullmesh.so; do
    [[ -e $BIN/$tool ]] || die "$BIN/$tool missing: build first (swift build -c release)"
done
command -v jq >/dev/null || die "jq is missing (apt-get install jq)"
[[ $VARIANTS != *blackhole* ]] || command -v nft >/dev/null || die "nft is missing (apt-get install nftables)"
"$BIN/subflow-traffic" --help | grep -q "subflow-traffic storm" || die "$BIN/subflow-traffic has no storm mode: rebuild it"

source scripts/lib/twopath.sh
if [[ -n $KEEP_WORK ]]; then
    mkdir -p "$KEEP_WORK"
    WORK=$(mktemp -d "$KEEP_WORK/storm.XXXXXX")
    trap 'tp_destroy' EXIT
else
    WORK=$(mktemp -d /tmp/subflowd-storm.XXXXXX)
    trap 'tp_destroy || true; rm -rf "$WORK"' EXIT
fi
trap 'exit 130' INT TERM
TICKS=$(getconf CLK_TCK)
SAMPLE_INTERVAL=0.5
LOG_LIMIT=$((64 * 1024 * 1024))   # the daemon's log is emptied beyond this (it can log ~20 MB/s when failing)

now_us() { echo "${EPOCHREALTIME/./}"; }

# ---- figures: "label<TAB>value" lines per variant, printed side by side at the end -------------
figure() { printf '%s\t%s\n' "$1" "$2" >>"$DIR/figures"; }

# ---- the daemon's own numbers --------------------------------------------------------------------

# proc_sample PID → "fds rss_kB cpu_ticks" (empty if the process is gone)
proc_sample() {
    local pid=$1 fds rss cpu
    [[ -d /proc/$pid ]] || return 0
    fds=$(ls -U1 "/proc/$pid/fd" 2>/dev/null | wc -l)
    rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status" 2>/dev/null) || return 0
    cpu=$(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null) || return 0
    echo "$fds ${rss:-0} ${cpu:-0}"
}

# status_numbers FILE → "events overruns resyncs" from a `subflowctl status --json` answer
# ("n/a" for a counter this daemon does not have).
status_numbers() {
    jq -r '[([.counters.events[]?] | add // 0),
            (.counters.event_overruns // "n/a"),
            (.counters.event_resyncs // "n/a")]
           | map(tostring) | join(" ")' "$1" 2>/dev/null || echo "- - -"
}

request() {   # request TIMEOUT ARGS… — one subflowctl call on the private socket
    local limit=$1; shift
    timeout "$limit" "$BIN/subflowctl" "$@" --socket "$SOCKET" 2>/dev/null
}

# Background: `status --json` every second until STOP exists (bounded): "t_us events overruns resyncs".
status_sampler() {
    local n
    for ((n = 0; n < 3600; n++)); do
        [[ -e $DIR/stop-sampling ]] && break
        if request 2 status --json >"$DIR/status.tmp"; then
            echo "$(now_us) $(status_numbers "$DIR/status.tmp")" >>"$DIR/status.tsv"
        else
            echo "$(now_us) - - -" >>"$DIR/status.tsv"
        fi
        sleep 1
    done
}

# Background: one control client flooding requests until DEADLINE_US; "ok|failed latency_ms" lines.
flood_loop() {
    local deadline=$1 out=$2 n start kind
    for ((n = 0; n < 100000; n++)); do
        (($(now_us) < deadline)) || break
        if ((n % 2 == 0)); then kind=(status --json); else kind=(metrics); fi
        start=$(now_us)
        if request 5 "${kind[@]}" >/dev/null; then echo "ok $((($(now_us) - start) / 1000))"; else echo "failed $((($(now_us) - start) / 1000))"; fi
    done >"$out"
}

# ---- the check: the daemon's view of each connection against the kernel's ----------------------

# compare_views MAX → "name value" lines. Kernel: `ss -tinaH` subflows (token after the slash in
# tcp-ulp-mptcp's token:REMOTE(id)/LOCAL(id)) and `ss -MinaH` connections; daemon: connections --json.
compare_views() {
    ip netns exec "$TP_CLI" ss -tinaH >"$DIR/ss-subflows.txt"
    ip netns exec "$TP_CLI" ss -MinaH >"$DIR/ss-connections.txt"
    local answered=yes
    request 10 connections --json >"$DIR/connections.json" || { answered=no; echo '{"connections":[]}' >"$DIR/connections.json"; }
    {
        # K state local remote: one line per kernel subflow with an MPTCP token
        awk '/^[A-Z]/ { state = $1; local = $4; remote = $5; next }
             /tcp-ulp-mptcp/ && match($0, /token:[0-9a-f]+\(id:[0-9]+\)\/[0-9a-f]+/) {
                 t = substr($0, RSTART, RLENGTH); sub(/.*\//, "", t); sub(/^0+/, "", t)
                 sub(/%[^:]*:/, ":", local); sub(/%[^:]*:/, ":", remote)
                 print "K", t, state, local, remote }' "$DIR/ss-subflows.txt"
        # C token: one line per established kernel MPTCP connection
        awk '/^[A-Z]/ { state = $1; next }
             state == "ESTAB" && match($0, /token:[0-9a-f]+/) { t = substr($0, RSTART + 6, RLENGTH - 6); sub(/^0+/, "", t); print "C", t }' \
            "$DIR/ss-connections.txt"
        # D token local remote: one line per subflow the daemon lists; N token: every connection
        jq -r '.connections[] | "N \(.token)", (.token as $t | .subflows[] | "D \($t) \(.local.address):\(.local.port) \(.remote.address):\(.remote.port)")' \
            "$DIR/connections.json" | awk '{ $2 = sprintf("%x", $2); print }'
    } | awk -v max="$MAX_SUBFLOWS" -v answered="$answered" '
        function pair(a, b) { sub(/:[0-9]+$/, "", a); sub(/:[0-9]+$/, "", b); return a " " b }
        $1 == "K" && $3 != "TIME-WAIT" {
            live[$2]++
            if ($3 == "ESTAB") {
                est[$2]++; kset[$2] = kset[$2] "|" $4 ">" $5
                if (++kestpair[$2 " " pair($4, $5)] == 2) dup_est[$2] = 1
            }
            if (++kpair[$2 " " pair($4, $5)] == 2) dup_live[$2] = 1
        }
        $1 == "C" { kconn[$2] = 1 }
        $1 == "N" { dconn[$2] = 1 }
        $1 == "D" { dcount[$2]++; dset[$2] = dset[$2] "|" $3 ">" $4 }
        function sorted(s,   n, a, i, j, x, out) {
            n = split(substr(s, 2), a, "|")
            for (i = 2; i <= n; i++) { x = a[i]; for (j = i - 1; j > 0 && a[j] > x; j--) a[j + 1] = a[j]; a[j + 1] = x }
            out = ""; for (i = 1; i <= n; i++) out = out "|" a[i]
            return out
        }
        END {
            for (t in kconn) { nk++; if (!(t in dconn)) missed++ ; else if (sorted(kset[t]) != sorted(dset[t])) differ++
                               hist[est[t] + 0]++
                               if (live[t] > max || dcount[t] > max) exceed++
                               if (t in dup_est) dupe++
                               if (t in dup_live) dupl++ }
            for (t in dconn) { nd++; if (!(t in kconn)) phantom++ }
            h = ""; for (k = 0; k <= 64; k++) if (k in hist) h = h (h == "" ? "" : " ") k ":" hist[k]
            nd += 0; missed += 0; phantom += 0; differ += 0
            if (answered != "yes") nd = missed = phantom = differ = "no answer"
            printf "kernel_connections %d\ndaemon_connections %s\nmissed %s\nphantom %s\ndiffer %s\n", nk, nd, missed, phantom, differ
            printf "exceed %d\ndup_established %d\ndup_live %d\nhistogram %s\n", exceed, dupe, dupl, (h == "" ? "-" : h)
        }'
}

# ---- one variant ----------------------------------------------------------------------------------

run_variant() {
    local variant=$1 i c rule
    DIR="$WORK/$variant"
    mkdir -p "$DIR"
    SOCKET="$DIR/control.sock"
    TP_TAG="storm-${variant:0:1}"
    tp_create ""
    # Short connections close from the client side: their TIME_WAITs must not exhaust its ports.
    ip netns exec "$TP_CLI" sysctl -qw net.ipv4.ip_local_port_range="1024 65535" net.ipv4.tcp_tw_reuse=1
    ip -n "$TP_SRV" mptcp limits set subflows 8 add_addr_accepted 8
    ip -n "$TP_SRV" mptcp endpoint add 198.18.2.2 dev s2 signal
    if [[ $variant == blackhole ]]; then
        # MP_JOIN is MPTCP option subtype 1. The table lives and dies with the namespace.
        local match='tcp flags syn tcp option mptcp subtype 1'
        ip netns exec "$TP_SRV" nft add table inet subflowd_storm
        ip netns exec "$TP_SRV" nft add chain inet subflowd_storm input '{ type filter hook input priority 0; policy accept; }'
        for rule in 'iifname "s2"' 'ip daddr 198.18.2.2' 'ip saddr 198.18.2.1'; do
            ip netns exec "$TP_SRV" nft add rule inet subflowd_storm input "$match $rule counter drop"
        done
    fi

    tp_spawn "$TP_SRV" "$BIN/subflow-traffic" serve --port 5201 --backlog 4096 >"$DIR/server.json" 2>"$DIR/server.err"
    tp_wait_for "$DIR/server.json" listening || die "$variant: the server did not start: $(head -c 500 "$DIR/server.err")"
    # O_APPEND (>>), so the sampler can empty the file while the daemon writes to it.
    tp_spawn "$TP_CLI" "$BIN/subflowd" --policy fullmesh --plugin-dir "$BIN" --set-path-manager --log-level warning \
        --control-socket "$SOCKET" --set "max-subflows=$MAX_SUBFLOWS" 2>>"$DIR/daemon.log"
    local daemon=${TP_PIDS[-1]}
    for ((i = 0; i < 150; i++)); do
        request 2 status --json >"$DIR/status-start.json" && break
        kill -0 "$daemon" 2>/dev/null || die "$variant: subflowd exited at start: $(tail -n 5 "$DIR/daemon.log")"
        sleep 0.1
    done
    ((i < 150)) || die "$variant: subflowd did not answer on its control socket within 15 s: $(tail -n 5 "$DIR/daemon.log")"
    [[ $(cat "/proc/$daemon/comm" 2>/dev/null) == subflowd ]] || die "$variant: PID $daemon is not subflowd"

    local start; start=$(proc_sample "$daemon")
    NOFILE=$(awk '/^Max open files/ { print $4 }' "/proc/$daemon/limits")
    local start_status; start_status=$(status_numbers "$DIR/status-start.json")
    local drops_start; drops_start=$(netlink_drops)
    status_sampler &
    TP_PIDS+=($!)
    local t0; t0=$(now_us)
    local storm_end_us=$((t0 + DURATION * 1000000))
    for ((i = 0; i < FLOOD; i++)); do
        flood_loop "$storm_end_us" "$DIR/flood-$i.txt" &
        TP_PIDS+=($!)
    done
    local rate_args=() keep_each=$(((KEEP + CLIENTS - 1) / CLIENTS))
    [[ $RATE == max ]] || rate_args=(--rate "$(awk -v r="$RATE" -v c="$CLIENTS" 'BEGIN { printf "%.3f", r / c }')")
    local storm_pids=()
    for ((i = 0; i < CLIENTS; i++)); do
        tp_spawn "$TP_CLI" "$BIN/subflow-traffic" storm --to 198.18.1.2 --port 5201 --seconds "$DURATION" "${rate_args[@]}" \
            --hold-ms "$HOLD_MS" --keep "$keep_each" --keep-seconds $((SETTLE + 120)) --connect-timeout 2 \
            >"$DIR/storm-$i.json" 2>"$DIR/storm-$i.err"
        storm_pids+=("${TP_PIDS[-1]}")
    done

    # Sample until every storm client has finished its storm, then for the settle period.
    local sample log_bytes=0 size settle_until=0 done_clients
    for ((i = 0; i < (DURATION + SETTLE + 60) * 2; i++)); do
        sample=$(proc_sample "$daemon")
        [[ -z $sample ]] || echo "$(now_us) $sample" >>"$DIR/proc.tsv"
        size=$(stat -c %s "$DIR/daemon.log")
        if ((size > LOG_LIMIT)); then log_bytes=$((log_bytes + size)); : >"$DIR/daemon.log"; fi
        if ((settle_until == 0)); then
            done_clients=0
            for ((c = 0; c < CLIENTS; c++)); do
                if grep -q '"type":"kept"' "$DIR/storm-$c.json"; then
                    done_clients=$((done_clients + 1))
                elif ! kill -0 "${storm_pids[c]}" 2>/dev/null; then
                    die "$variant: storm client $c failed: $(head -c 500 "$DIR/storm-$c.err")"
                fi
            done
            ((done_clients < CLIENTS)) || settle_until=$(($(now_us) + SETTLE * 1000000))
        elif (($(now_us) >= settle_until)); then
            break
        fi
        sleep "$SAMPLE_INTERVAL"
    done
    ((settle_until > 0)) || die "$variant: the storm clients did not finish within $((DURATION + 60)) s"
    touch "$DIR/stop-sampling"

    # ---- end of the run: final numbers and the check
    local end; end=$(proc_sample "$daemon")
    local alive=yes
    kill -0 "$daemon" 2>/dev/null || alive="no: it exited during the run (see $DIR/daemon.log with --work)"
    local end_status="- - -" answered=yes
    if request 10 status --json >"$DIR/status-end.json"; then
        end_status=$(status_numbers "$DIR/status-end.json")
    else
        # No answer: the daemon's counters as of its last answer, if any, marked as such.
        answered="no$(awk -v t0="$t0" '$2 ~ /^[0-9]+$/ { t = ($1 - t0) / 1e6 } END { if (t != "") printf " (last answer at %.0f s)", t }' "$DIR/status.tsv" 2>/dev/null)"
        end_status=$(awk '$2 ~ /^[0-9]+$/ { last = $2 " " $3 " " $4 } END { print (last == "" ? "- - -" : last) }' "$DIR/status.tsv" 2>/dev/null)
    fi
    local drops_end; drops_end=$(netlink_drops)
    compare_views >"$DIR/check.txt"
    size=$(stat -c %s "$DIR/daemon.log")
    log_bytes=$((log_bytes + size))
    record_figures "$variant" "$start" "$end" "$start_status" "$end_status" "$answered" "$drops_start" "$drops_end" "$log_bytes" "$t0" "$alive"
    tp_destroy
}

# Sum of the Drops column of every netlink socket in the client namespace (the daemon's, mostly).
netlink_drops() {
    ip netns exec "$TP_CLI" awk 'NR > 1 { d += $9 } END { print d + 0 }' /proc/net/netlink
}

# ---- the figures of one variant -------------------------------------------------------------------

record_figures() {
    local variant=$1 start=$2 end=$3 start_status=$4 end_status=$5 answered=$6 drops_start=$7 drops_end=$8 log_bytes=$9 t0=${10} alive=${11}
    local fd0 rss0 cpu0 fd1 rss1 cpu1 ev0 ov0 rs0 ev1 ov1 rs1
    read -r fd0 rss0 cpu0 <<<"$start"
    read -r fd1 rss1 cpu1 <<<"${end:-- - -}"
    read -r ev0 ov0 rs0 <<<"$start_status"
    read -r ev1 ov1 rs1 <<<"$end_status"
    local storm; storm=$(cat "$DIR"/storm-*.json | grep '"type":"storm"')
    sum() { grep -oE "\"$1\":[0-9.]+" <<<"$storm" | cut -d: -f2 | awk '{ s += $1 } END { printf "%d", s }'; }
    local attempted established failed timed_out seconds
    attempted=$(sum attempted); established=$(sum established); failed=$(sum failed); timed_out=$(sum timed_out)
    seconds=$(grep -oE '"seconds":[0-9.]+' <<<"$storm" | cut -d: -f2 | sort -g | tail -n1)
    local peaks; peaks=$(awk 'NR == 1 || $2 > f { f = $2 } NR == 1 || $3 > r { r = $3 } END { print f + 0, r + 0 }' "$DIR/proc.tsv")
    local fdp rssp; read -r fdp rssp <<<"$peaks"
    local cpu_s="-" per_conn="-"
    if [[ $cpu1 =~ ^[0-9]+$ ]]; then
        cpu_s=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$TICKS" 'BEGIN { printf "%.2f", (b - a) / t }')
        ((established > 0)) && per_conn=$(awk -v a="$cpu0" -v b="$cpu1" -v t="$TICKS" -v n="$established" 'BEGIN { printf "%.0f", (b - a) / t * 1e6 / n }')
    fi
    local flood_ok flood_failed flood_lat
    flood_ok=$(cat "$DIR"/flood-*.txt 2>/dev/null | grep -c '^ok' || true)
    flood_failed=$(cat "$DIR"/flood-*.txt 2>/dev/null | grep -c '^failed' || true)
    flood_lat=$(cat "$DIR"/flood-*.txt 2>/dev/null | awk '{ print $2 }' | sort -n | awk '{ v[NR] = $1 }
        END { if (!NR) { print "-"; exit } p = int(NR * 0.99); if (p < 1) p = 1; printf "%d / %d / %d", v[int((NR + 1) / 2)], v[p], v[NR] }')
    # Events the daemon still counted after the last sample that showed a new overrun (known
    # only when it answered again later: "unknown" if the overrun showed in its last answer).
    local after_overrun; after_overrun=$(awk -v ov="$ov0" -v end="$ev1" '
        $3 ~ /^[0-9]+$/ { if ($3 + 0 > ov + 0) { at = $2; later = 0 } else if (at != "") later = 1; ov = $3 }
        END { if (at == "") print "-"; else if (!later) print "unknown (no answer after it)"; else if (end ~ /^[0-9]+$/) print end - at; else print "?" }' \
        "$DIR/status.tsv" 2>/dev/null || echo "-")
    declare -A check=()
    local key value
    while read -r key value; do check[$key]=$value; done <"$DIR/check.txt"
    local dropped_joins="-"
    [[ $variant == blackhole ]] && dropped_joins=$(ip netns exec "$TP_SRV" nft list table inet subflowd_storm 2>/dev/null | grep -oE 'packets [0-9]+' | awk '{ s += $2 } END { print s + 0 }')
    delta() { [[ $1 =~ ^[0-9]+$ && $2 =~ ^[0-9]+$ ]] && echo $(($2 - $1)) || echo "n/a"; }
    div() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0 && a ~ /^[0-9.]+$/) printf "%.1f", a / b; else print "-" }'; }

    figure "storm seconds" "$seconds"
    figure "connections attempted" "$attempted"
    figure "connections established" "$established"
    figure "connections failed (timed out)" "$failed ($timed_out)"
    figure "attempted / s" "$(div "$attempted" "$seconds")"
    figure "established / s" "$(div "$established" "$seconds")"
    figure "control requests ok / failed" "$flood_ok / $flood_failed"
    figure "control latency ms p50/p99/max" "$flood_lat"
    figure "daemon alive at end" "$alive"
    figure "daemon answered status at end" "$answered"
    figure "events counted" "$(delta "$ev0" "$ev1")"
    figure "events per connection" "$(div "$(delta "$ev0" "$ev1")" "$established")"
    figure "event overruns" "$(delta "$ov0" "$ov1")"
    figure "events after last overrun" "$after_overrun"
    figure "resyncs" "$(delta "$rs0" "$rs1")"
    figure "netlink drops (kernel)" "$((drops_end - drops_start))"
    figure "joins black-holed (nft)" "$dropped_joins"
    figure "descriptors start/peak/end" "$fd0 / $fdp / $fd1"
    figure "daemon open-files limit" "$NOFILE"
    figure "descriptors end - start" "$(delta "$fd0" "$fd1")"
    figure "RSS kB start/peak/end" "$rss0 / $rssp / $rss1"
    figure "daemon CPU s" "$cpu_s"
    figure "CPU per connection us" "$per_conn"
    figure "daemon log bytes" "$log_bytes"
    figure "kept: kernel / daemon conns" "${check[kernel_connections]:--} / ${check[daemon_connections]:--}"
    figure "kept: subflows per conn (n:count)" "${check[histogram]:--}"
    figure "disagree: unknown to daemon" "${check[missed]:--}"
    figure "disagree: phantom in daemon" "${check[phantom]:--}"
    figure "disagree: other subflows" "${check[differ]:--}"
    figure "exceed max-subflows ($MAX_SUBFLOWS)" "${check[exceed]:--}"
    figure "duplicate pairs (established)" "${check[dup_established]:--}"
    figure "duplicate pairs (incl. pending)" "${check[dup_live]:--}"

    per_second_series "$t0" >"$DIR/seconds.txt"
}

# One line per second since T0: storm attempts/establishments (all clients), the daemon's CPU
# in that second (%), events it counted in it, and its peak descriptors and RSS.
per_second_series() {
    local t0=$1
    {
        cat "$DIR"/storm-*.json | grep '"type":"storm_second"' | awk '{
            match($0, /"t":[0-9]+/); t = substr($0, RSTART + 4, RLENGTH - 4)
            match($0, /"attempted":[0-9]+/); a = substr($0, RSTART + 12, RLENGTH - 12)
            match($0, /"established":[0-9]+/); e = substr($0, RSTART + 14, RLENGTH - 14)
            print "S", t, a, e }'
        awk -v t0="$t0" '{ print "P", ($1 - t0) / 1e6, $2, $3, $4 }' "$DIR/proc.tsv"
        awk -v t0="$t0" '$2 ~ /^[0-9]+$/ { print "E", ($1 - t0) / 1e6, $2 }' "$DIR/status.tsv" 2>/dev/null || true
    } | awk -v ticks="$TICKS" '
        $1 == "S" { att[$2] += $3; est[$2] += $4; if ($2 > last) last = $2 }
        $1 == "P" { s = int($2) + 1; if ($3 > fd[s]) fd[s] = $3; if ($4 > rss[s]) rss[s] = $4; cpu[s] = $5
                    if (first == "") first = $5; if (s > last) last = s }
        $1 == "E" { s = int($2) + 1; ev[s] = $3; if (s > last) last = s }
        END {
            printf "  %4s %9s %9s %7s %9s %7s %9s\n", "s", "attempted", "estab.", "CPU%", "events", "fds", "RSS kB"
            prev = first; pev = ""
            for (s = 1; s <= last; s++) {
                c = (s in cpu) ? sprintf("%.0f", (cpu[s] - prev) * 100 / ticks) : "-"
                if (s in cpu) prev = cpu[s]
                e = (s in ev && pev != "") ? ev[s] - pev : "-"
                if (s in ev) pev = ev[s]
                printf "  %4d %9s %9s %7s %9s %7s %9s\n", s, (s in att) ? att[s] : "-", (s in est) ? est[s] : "-", c, e,
                    (s in fd) ? fd[s] : "-", (s in rss) ? rss[s] : "-"
            }
        }'
}

# ---- main -----------------------------------------------------------------------------------------

echo "subflowd storm: ${DURATION}s of short MPTCP connections (rate $RATE, $CLIENTS clients, hold ${HOLD_MS} ms, keep $KEEP)," \
    "$FLOOD control flooders, settle ${SETTLE}s; variants: $VARIANTS"
for variant in $VARIANTS; do
    echo "== $variant"
    run_variant "$variant"
done

echo
{
    printf '%s' "figure"
    for variant in $VARIANTS; do printf '\t%s' "$variant"; done
    echo
    paste $(for variant in $VARIANTS; do echo "$WORK/$variant/figures"; done) |
        awk -F'\t' '{ printf "%s", $1; for (i = 2; i <= NF; i += 2) printf "\t%s", $i; print "" }'
} | awk -F'\t' '{ printf "%-36s", $1; for (i = 2; i <= NF; i++) printf " %-28s", $i; print "" }'
for variant in $VARIANTS; do
    echo
    echo "per second ($variant; t from the start of the storm):"
    cat "$WORK/$variant/seconds.txt"
done
if [[ -n $RAW ]]; then
    for variant in $VARIANTS; do sed "s/^/$variant\t/" "$WORK/$variant/figures"; done >"$RAW"
    echo
    echo "figures written to $RAW"
fi
