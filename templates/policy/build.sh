#!/usr/bin/env bash
# Builds the plugin into ./plugins. subflowd (as root) loads plugins only from paths that root
# owns all the way down, so install it there before loading it:
#   ./build.sh && sudo install -D -m 0644 plugins/ndiffports.so /usr/local/lib/subflowd-plugins/ndiffports.so
#   sudo subflowd --plugin-dir /usr/local/lib/subflowd-plugins --policy ndiffports
set -euo pipefail
cd "$(dirname "$0")"
swift build -c release
mkdir -p plugins
product=$(sed -n 's/.*\.library(name: "\([^"]*\)", type: \.dynamic.*/\1/p' Package.swift | head -n 1)
install -m 0644 "$(swift build -c release --show-bin-path)/lib$product.so" "plugins/$product.so"
chmod 0755 plugins
echo "built plugins/$product.so — as root, load it from a root-owned directory:"
echo "  sudo install -D -m 0644 plugins/$product.so /usr/local/lib/subflowd-plugins/$product.so"
echo "  sudo subflowd --plugin-dir /usr/local/lib/subflowd-plugins --policy $product"
