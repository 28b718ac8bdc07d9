#!/usr/bin/env bash
# Installs the Debian packages subflowd needs to build, test and run its demo.
# Idempotent: packages already present are left alone (no apt-get update when nothing is missing).
set -euo pipefail

packages=(libell-dev libmnl-dev pkg-config iproute2 procps kmod tshark patchelf dpkg-dev groff-base man-db systemd nftables iptables)

missing=()
for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if ((${#missing[@]})); then
    if [[ $(id -u) -ne 0 ]]; then
        echo "install-deps: missing Debian packages: ${missing[*]}; run as root (or: sudo apt-get install -y ${missing[*]})" >&2
        exit 1
    fi
    echo "install-deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        echo "install-deps: swift is at /opt/swift/usr/bin; add it to PATH" >&2
    else
        echo "install-deps: no Swift toolchain found (Swift 6.2 or newer is needed: https://www.swift.org/install/linux/)" >&2
    fi
    exit 1
fi
