#!/usr/bin/env bash
# Timer and watch throughput of the event loop: prints figures, asserts nothing.
#
# Runs the unit test that schedules 100,000 one-shot timers (random delays 0-1,499 ms) and
# drives the loop until all fired, and prints its figure line: wall time from the first
# schedule to the last fire, and the loop's descriptors (epoll sets, timerfds, signalfds)
# before and after (unchanged: timers cost no descriptor). The time is bounded below by the
# latest deadline (1.5 s); what is above it is scheduling and firing cost on this machine.
#
# Usage: bench/timers.sh [ROUNDS]     (after `swift build --build-tests`)
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-3}"
for round in $(seq 1 "$rounds"); do
    swift test --skip-build --filter "hundredThousandTimersFireInOrder" 2>&1 | grep '^timers:' | sed "s/^/round $round: /"
done
