#!/usr/bin/env bash
# Formats the Swift code with swift-format and the repository's .swift-format (4 spaces,
# 120 columns, as swift-nio and swift-log do).
#
#   scripts/format.sh           # rewrite every file that is not formatted
#   scripts/format.sh --check   # change nothing; list the files that are not formatted and exit 1
#
# The test command runs --check first, so unformatted code fails CI before anything is built.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
command -v swift-format >/dev/null || {
    echo "format.sh: swift-format not found: it ships with the Swift toolchain (6.0 or later) in /opt/swift/usr/bin" >&2
    exit 69
}
# Every Swift file the project owns; build trees and fetched packages are not ours.
mapfile -t files < <(git ls-files --cached --others --exclude-standard -- '*.swift' 2>/dev/null || find . -name '*.swift' -not -path './.build*' -not -path '*/.build*')
if [[ ${1:-} != --check ]]; then
    swift-format format --in-place --parallel "${files[@]}"
    exit 0
fi
unformatted=()
for file in "${files[@]}"; do
    if ! swift-format format "$file" | cmp -s - "$file"; then unformatted+=("$file"); fi
done
if (( ${#unformatted[@]} > 0 )); then
    echo "format.sh: ${#unformatted[@]} file(s) not formatted as .swift-format says:" >&2
    printf '    %s\n' "${unformatted[@]}" >&2
    echo "Run scripts/format.sh to format them (or see what changes: swift-format format FILE | diff FILE -)." >&2
    exit 1
fi
echo "format.sh: ${#files[@]} files formatted"
