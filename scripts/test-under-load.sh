#!/usr/bin/env bash
# Runs the test suite on a busy machine, to prove it does not depend on machine speed: HOGS
# busy loops (default: one per core, at the suite's own priority, nice 0) keep every core
# occupied while scripts/test.sh — or the command given — runs. Each hog ends by itself after
# LIMIT seconds and is killed by PID when the suite ends, also on failure or Ctrl-C.
#
# Usage: scripts/test-under-load.sh [--hogs N] [--limit SECONDS] [COMMAND ARGS...]
#   e.g. scripts/test-under-load.sh
#        scripts/test-under-load.sh --hogs 4 swift test --skip-build --filter KernelTests
# Exit status: the command's.
set -euo pipefail
cd "$(dirname "$0")/.."
HOGS=$(nproc)
LIMIT=5400
while (($#)); do
    case $1 in
        --hogs) HOGS=${2:?--hogs needs a number}; shift 2 ;;
        --limit) LIMIT=${2:?--limit needs a number of seconds}; shift 2 ;;
        -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
        *) break ;;
    esac
done
[[ $HOGS =~ ^[0-9]+$ && $HOGS -le 64 ]] || { echo "test-under-load: --hogs must be 0-64, not '$HOGS'" >&2; exit 64; }
[[ $LIMIT =~ ^[0-9]+$ && $LIMIT -gt 0 ]] || { echo "test-under-load: --limit must be a number of seconds > 0, not '$LIMIT'" >&2; exit 64; }
(($#)) || set -- scripts/test.sh

HOG_PIDS=()
stop_hogs() {
    local pid
    for pid in "${HOG_PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${HOG_PIDS[@]}"; do wait "$pid" 2>/dev/null || true; done
    HOG_PIDS=()
}
trap stop_hogs EXIT
trap 'exit 130' INT TERM

for ((i = 0; i < HOGS; i++)); do
    # A subshell spinning until its own deadline: bounded even if this script is SIGKILLed.
    nice -n 0 bash -c 'end=$((SECONDS + $1)); while ((SECONDS < end)); do :; done' hog "$LIMIT" &
    HOG_PIDS+=($!)
done
echo "test-under-load: $HOGS CPU hogs (PIDs ${HOG_PIDS[*]:-none}, at most ${LIMIT}s) while running: $*"
start=$SECONDS
status=0
"$@" || status=$?
echo "test-under-load: '$*' exited with status $status after $((SECONDS - start))s under load (load average: $(cut -d' ' -f1-3 /proc/loadavg))"
exit "$status"
