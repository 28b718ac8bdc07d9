#!/usr/bin/env bash
# Tracked-connection benchmark: prints figures, asserts nothing. Runs the unit test
# FullMeshScaleTests (PathManager + fullmesh on the simulated kernel and a manual clock, no root)
# at two sizes and reports what one more tracked connection costs:
#
#   each connection: CREATED, ESTABLISHED, an ADD_ADDR from the peer, 3 joins sent with their
#   join timers pending (so 3 × N timers at the peak), the joins of half of them established,
#   then 3/4 of them closed.
#
#   time per connection  = (wall time at N_LARGE − wall time at N_SMALL) / (N_LARGE − N_SMALL)
#   bytes per connection = (max RSS at N_LARGE − max RSS at N_SMALL) / (N_LARGE − N_SMALL)
#
# The RSS figure is an upper bound for the daemon: it also holds what the test keeps (every
# command the simulated kernel received, and the cancelled timers the manual clock's heap
# keeps until their due time).
#
# Usage: bench/connections.sh [CONFIGURATION] [N_SMALL] [N_LARGE]   (debug|release; 10000 100000)
set -euo pipefail
cd "$(dirname "$0")/.."
configuration=${1:-release}
small=${2:-10000}
large=${3:-100000}
export PATH=/opt/swift/usr/bin:$PATH

# Some test targets use @testable imports: a release build of the tests needs -enable-testing.
flags=(-c "$configuration")
[ "$configuration" = release ] && flags+=(-Xswiftc -enable-testing)
swift build "${flags[@]}" --build-tests >/dev/null
binary=$(swift build "${flags[@]}" --show-bin-path)/subflowdPackageTests.xctest

run() {   # N -> "seconds kilobytes"
    local out
    out=$(mktemp)
    SUBFLOWD_SCALE_CONNECTIONS=$1 /usr/bin/time -f "%e %M" -o "$out" \
        "$binary" --testing-library swift-testing --filter FullMeshScaleTests >/dev/null 2>&1 \
        || { echo "FullMeshScaleTests failed at N=$1" >&2; rm -f "$out"; exit 1; }
    tail -1 "$out"
    rm -f "$out"
}

read -r small_s small_kb < <(run "$small")
read -r large_s large_kb < <(run "$large")
awk -v c="$configuration" -v ns="$small" -v nl="$large" -v ts="$small_s" -v tl="$large_s" \
    -v ks="$small_kb" -v kl="$large_kb" 'BEGIN {
    printf "configuration          %s\n", c
    printf "N=%-7d              %.2f s, max RSS %.1f MiB\n", ns, ts, ks / 1024
    printf "N=%-7d              %.2f s, max RSS %.1f MiB\n", nl, tl, kl / 1024
    printf "time per connection    %.1f us\n", (tl - ts) * 1e6 / (nl - ns)
    printf "bytes per connection   %.0f B (upper bound, see the header)\n", (kl - ks) * 1024 / (nl - ns)
}'
