#!/usr/bin/env bash
# Installs what is missing, builds, and runs every test: the SDK's, then the package's
# (codec golden bytes, core and policy tests, plugin-loader fixtures, and — as root — the
# real-kernel tests in network namespaces; without root those are skipped with a message).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
scripts/install-deps.sh
# Formatting first: it takes seconds and needs nothing built (CONTRIBUTING.md, .swift-format).
scripts/format.sh --check
swift test --package-path sdk
# Build everything first: the loader tests dlopen the plugin products and the real-kernel
# tests run the subflowd and subflow-traffic executables.
swift build --build-tests
swift test --skip-build
# Every fuzz target for a few seconds, from its seed corpus (fuzz/README.md; campaigns: bench/fuzz.sh).
FUZZ_FRESH=1 bench/fuzz.sh "${SUBFLOWD_FUZZ_SECONDS:-3}"
