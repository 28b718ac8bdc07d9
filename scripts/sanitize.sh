#!/usr/bin/env bash
# Runs the unit and replay tests (every suite but the real-kernel KernelTests) under
# AddressSanitizer and ThreadSanitizer, each in its own scratch path.
#
#   scripts/sanitize.sh [address|thread ...]     # default: both
#
# Exits non-zero when a sanitizer reports anything (a report fails the test process).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
# The Swift runtime's crash handler reads the crashed thread's stack in a way ASan reports as
# an error of its own; let the sanitizer print its report instead.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}"
export LSAN_OPTIONS="${LSAN_OPTIONS:-suppressions=$PWD/scripts/lsan.supp:print_suppressions=0}"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"

sanitizers=("$@")
[[ ${#sanitizers[@]} -eq 0 ]] && sanitizers=(address thread)
status=0
for sanitizer in "${sanitizers[@]}"; do
    scratch=.build-$sanitizer
    start=$(date +%s)
    swift build --build-tests --sanitize="$sanitizer" --scratch-path "$scratch"
    built=$(date +%s)
    if swift test --skip-build --sanitize="$sanitizer" --scratch-path "$scratch" --skip KernelTests; then
        result=passed
    else
        result=FAILED; status=1
    fi
    echo "sanitize.sh: $sanitizer: build $(( built - start )) s, tests $(( $(date +%s) - built )) s: $result"
done
exit $status
