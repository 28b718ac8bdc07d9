#!/usr/bin/env bash
# Builds the plugin and puts it where `subflowd --plugin-dir ./plugins` finds it:
#   ./build.sh && sudo subflowd --plugin-dir ./plugins --policy ndiffports
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release
mkdir -p plugins
product=$(sed -n 's/.*\.library(name: "\([^"]*\)", type: \.dynamic.*/\1/p' Package.swift | head -n 1)
install -m 0644 "$(swift build -c release --show-bin-path)/lib$product.so" "plugins/$product.so"
chmod 0755 plugins
echo "built plugins/$product.so — load it with: subflowd --plugin-dir $(pwd)/plugins --policy $product"
