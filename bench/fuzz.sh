#!/usr/bin/env bash
# Coverage-guided fuzzing of every decoder of outside bytes (fuzz/README.md).
#
#   bench/fuzz.sh [SECONDS] [TARGET...]     # default: 60 seconds each, every target
#
# Builds the libFuzzer targets (SUBFLOWD_FUZZ=1, release, -sanitize=fuzzer,address, scratch
# path .build-fuzz), then runs each for SECONDS, one after the other, starting from the seed
# corpus in fuzz/corpus/TARGET; what it learns accumulates in .build-fuzz-work/corpus/TARGET,
# so repeated runs go deeper. Crashing inputs are saved in .build-fuzz-work/artifacts/TARGET/.
# Prints executions and crashes per target; exits 1 if any target crashed.
# Environment: FUZZ_SKIP_BUILD=1 reuses the built targets; FUZZ_FRESH=1 starts from the seeds
# alone, leaving the accumulated corpus alone (CI); FUZZ_JOBS=N runs N targets at a time (default 1: the machine is shared);
# FUZZ_SCRATCH=DIR builds elsewhere; FUZZ_RUNS=N stops a target after N executions (SECONDS is then the upper bound);
# FUZZ_FLAGS adds libFuzzer flags (e.g. -detect_leaks=0 for long campaigns: the leak check
# of inputs that allocate more than they free halves the rate; CI keeps it on).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

ALL_TARGETS=(mptcp-event mptcp-command netlink-reply rtnetlink nlctrl sock-diag pcap scenario config json
             control-request http-head)
seconds=${1:-60}
[[ $# -gt 0 ]] && shift
targets=("$@")
[[ ${#targets[@]} -eq 0 ]] && targets=("${ALL_TARGETS[@]}")
for target in "${targets[@]}"; do
    [[ -d fuzz/targets/$target ]] || { echo "fuzz.sh: unknown target '$target'; known: ${ALL_TARGETS[*]}" >&2; exit 64; }
done

scratch=${FUZZ_SCRATCH:-.build-fuzz}
# Corpus, crashing inputs and logs: beside the scratch path, not in it (SwiftPM owns that).
data=$scratch-work
build() {
    # lld: gold's error reporting crashes on ASan-instrumented Swift objects (internal error in
    # format_file_lineno) before it says anything useful.
    SUBFLOWD_FUZZ=1 swift build -c release --scratch-path "$scratch" \
        -Xswiftc -sanitize=fuzzer,address -Xswiftc -use-ld=lld --product "fuzz-$1"
}
if [[ ${FUZZ_SKIP_BUILD:-0} != 1 ]]; then
    start=$(date +%s)
    mkdir -p "$data"
    for target in "${targets[@]}"; do build "$target" >"$data/build.log" 2>&1 || { cat "$data/build.log" >&2; exit 1; }; done
    echo "fuzz.sh: built ${#targets[@]} targets in $(( $(date +%s) - start )) s"
fi

# The Swift runtime's crash handler reads the crashed stack in a way ASan flags as an error of
# its own, hiding the real report: libFuzzer and ASan report crashes here.
export SWIFT_BACKTRACE=enable=no

# The longest input per target: a few times the longest real one (events are about 120 bytes,
# a sock_diag message 512, a pcap of a short scenario 1.5 KiB). libFuzzer's default, 4 KiB,
# makes the netlink targets several times slower without reaching more code.
max_len() {
    case $1 in
        mptcp-event|mptcp-command) echo 512 ;;
        netlink-reply|nlctrl|json|control-request) echo 1024 ;;
        rtnetlink|sock-diag|http-head|config|scenario) echo 2048 ;;
        *) echo 4096 ;;
    esac
}

run() {
    local target=$1 work=$data/corpus/$1 artifacts=$data/artifacts/$1/ log=$data/logs/$1.log
    if [[ ! -d fuzz/corpus/$target ]] || [[ -z $(ls -A "fuzz/corpus/$target") ]]; then
        printf '%-16s no seed corpus: fuzz/corpus/%s is missing or empty (fuzz/make_corpus.py makes it)\n' "$target" "$target"
        return 1
    fi
    if [[ ${FUZZ_FRESH:-0} == 1 ]]; then work=$data/fresh/$1; rm -rf "$work"; fi
    mkdir -p "$work" "$artifacts" "$(dirname "$log")"
    local before; before=$(find "$artifacts" -type f 2>/dev/null | wc -l)
    local status=0 started; started=$(date +%s)
    # The first corpus directory receives new inputs; the seeds in the repository stay as they are.
    # shellcheck disable=SC2086  # FUZZ_FLAGS is a list of flags
    "$scratch/release/fuzz-$target" -max_total_time="$seconds" ${FUZZ_RUNS:+-runs=$FUZZ_RUNS} -timeout=20 \
        -max_len="$(max_len "$target")" -print_final_stats=1 -artifact_prefix="$artifacts" ${FUZZ_FLAGS:-} "$work" "fuzz/corpus/$target" >"$log" 2>&1 \
        || status=$?
    local runs crashes elapsed=$(( $(date +%s) - started ))
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    crashes=$(( $(find "$artifacts" -type f 2>/dev/null | wc -l) - before ))
    (( status != 0 && crashes == 0 )) && crashes=1   # died without an artifact (e.g. in start-up)
    printf '%-16s %8s s %12s runs %10s runs/s %3s crashes\n' "$target" "$elapsed" "${runs:-0}" \
        "$(( ${runs:-0} / (elapsed > 0 ? elapsed : 1) ))" "$crashes"
    if (( crashes > 0 )); then
        grep -E "^(==[0-9]+==ERROR|SUMMARY|.*Fatal error)" "$log" | head -3 | sed 's/^/    /'
        echo "    log: $log; inputs: $artifacts"
        return 1
    fi
}

failed=0
jobs=${FUZZ_JOBS:-1}
printf '%-16s %10s %17s %17s %11s\n' target time executions rate crashes
if (( jobs > 1 )); then
    pids=()
    for target in "${targets[@]}"; do
        run "$target" & pids+=($!)
        if (( ${#pids[@]} >= jobs )); then wait "${pids[0]}" || failed=1; pids=("${pids[@]:1}"); fi
    done
    for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
else
    for target in "${targets[@]}"; do run "$target" || failed=1; done
fi
exit $failed
