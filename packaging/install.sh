#!/usr/bin/env bash
# Installs subflowd from a SwiftPM build folder: `make install` runs it (and `make deb`, into
# its staging root). Environment:
#   BIN_DIR        the build folder (swift build -c release --show-bin-path) — required
#   DESTDIR        staging root, prepended to every path (default: none)
#   PREFIX         /usr/local; the Debian package uses /usr
#   SYSCONFDIR     /etc (subflowd's default configuration is /etc/subflowd/subflowd.conf)
#   UNITDIR        /lib/systemd/system with PREFIX=/usr, else PREFIX/lib/systemd/system
#   MANDIR DOCDIR  PREFIX/share/man, PREFIX/share/doc/subflowd
#   SWIFT_RUNTIME  bundle (default): copy the Swift runtime libraries the products use into
#                  PREFIX/lib/subflowd/swift, so that no toolchain is needed at run time;
#                  toolchain: point RUNPATH at the toolchain's runtime folder instead
#   STRIP          yes (default): strip debug information from the installed copies
#   INSTALL_TOOLS  yes (default): install subflow-traffic in PREFIX/lib/subflowd/tools
#
# Layout (PREFIX=/usr):
#   /usr/bin/subflowd, /usr/bin/subflowctl          RUNPATH $ORIGIN/../lib/subflowd:$ORIGIN/../lib/subflowd/swift
#   /usr/lib/subflowd/libSubflowPolicy.so           the policy SDK, one copy for the daemon and every plugin
#   /usr/lib/subflowd/NAME.so                       policy plugins (subflowd's default plugin directory)
#   /usr/lib/subflowd/swift/*.so                    the Swift runtime the products need
#   /usr/lib/subflowd/tools/subflow-traffic         MPTCP test-traffic tool, not on PATH
#   /etc/subflowd/subflowd.conf                     kept if it exists already
#   /lib/systemd/system/subflowd.service            ExecStart= rewritten for PREFIX and SYSCONFDIR
#   /usr/share/man/man{5,8}/*.gz, /usr/share/doc/subflowd/
#   /usr/share/bash-completion/completions/NAME, /usr/share/zsh/vendor-completions/_NAME,
#   /usr/share/fish/vendor_completions.d/NAME.fish   for subflowd and subflowctl
set -euo pipefail
source "$(dirname "$0")/layout.sh"

BIN_DIR=${BIN_DIR:?BIN_DIR must name the build folder (swift build -c release --show-bin-path)}
SWIFT_RUNTIME=${SWIFT_RUNTIME:-bundle}
STRIP=${STRIP:-yes}
INSTALL_TOOLS=${INSTALL_TOOLS:-yes}
[[ $SWIFT_RUNTIME == bundle || $SWIFT_RUNTIME == toolchain ]] || { echo "install: SWIFT_RUNTIME must be bundle or toolchain" >&2; exit 2; }
command -v patchelf >/dev/null || { echo "install: patchelf is needed (apt-get install patchelf, or scripts/install-deps.sh)" >&2; exit 1; }

say() { echo "install: $*"; }
products=("${EXECUTABLES[@]/#/$BIN_DIR/}" "$BIN_DIR/$SDK_LIBRARY")
for p in "${PLUGINS[@]}"; do products+=("$BIN_DIR/lib$p.so"); done
[[ $INSTALL_TOOLS == yes ]] && products+=("${TOOLS[@]/#/$BIN_DIR/}")
for f in "${products[@]}"; do
    [[ -f $f ]] || { echo "install: $f is missing: build first (make build, or swift build -c release)" >&2; exit 1; }
done

# The Swift runtime the products were linked against: the folder ldd resolves libswiftCore.so to.
resolved() { env -u LD_LIBRARY_PATH ldd "$1" | awk '$2 == "=>" && $3 ~ /^\// { print $1, $3 }'; }
swift_core=$(resolved "$BIN_DIR/subflowd" | awk '$1 == "libswiftCore.so" { print $2 }')
[[ -n $swift_core ]] || { echo "install: cannot find the Swift runtime of $BIN_DIR/subflowd (ldd)" >&2; exit 1; }
swift_runtime_dir=$(dirname "$(readlink -f "$swift_core")")

D=$DESTDIR
install -d -m 0755 "$D$BINDIR" "$D$PKGLIBDIR" "$D$UNITDIR" "$D$MANDIR" "$D$DOCDIR" "$D$SYSCONFDIR/subflowd"

# Copy to a temporary name in the target folder, strip, set RUNPATH, then rename into place:
# a running subflowd keeps the file it mapped, and nobody ever sees a half-written binary.
place() { # place SOURCE DEST MODE RUNPATH
    local tmp
    tmp=$(mktemp "$(dirname "$2")/.install.XXXXXX")
    cp "$1" "$tmp"
    [[ $STRIP == yes ]] && strip --strip-debug "$tmp"
    [[ -n $4 ]] && patchelf --set-rpath "$4" "$tmp"
    chmod "$3" "$tmp"
    mv -f "$tmp" "$2"
}

# The tools sit in PKGLIBDIR/tools and use the SDK's library (its address types) like the daemon.
if [[ $SWIFT_RUNTIME == bundle ]]; then
    rt_exe="\$ORIGIN/../lib/subflowd:\$ORIGIN/../lib/subflowd/swift"
    rt_sdk="\$ORIGIN/swift"
    rt_plugin="\$ORIGIN:\$ORIGIN/swift"
    rt_tool="\$ORIGIN/..:\$ORIGIN/../swift"
else
    rt_exe="\$ORIGIN/../lib/subflowd:$swift_runtime_dir"
    rt_sdk="$swift_runtime_dir"
    rt_plugin="\$ORIGIN:$swift_runtime_dir"
    rt_tool="\$ORIGIN/..:$swift_runtime_dir"
fi

for exe in "${EXECUTABLES[@]}"; do place "$BIN_DIR/$exe" "$D$BINDIR/$exe" 0755 "$rt_exe"; done
place "$BIN_DIR/$SDK_LIBRARY" "$D$PKGLIBDIR/$SDK_LIBRARY" 0644 "$rt_sdk"
# Plugins as NAME.so (the loader tries NAME.so, then libNAME.so).
for p in "${PLUGINS[@]}"; do place "$BIN_DIR/lib$p.so" "$D$PKGLIBDIR/$p.so" 0644 "$rt_plugin"; done
if [[ $INSTALL_TOOLS == yes ]]; then
    install -d -m 0755 "$D$TOOLSDIR"
    for t in "${TOOLS[@]}"; do place "$BIN_DIR/$t" "$D$TOOLSDIR/$t" 0755 "$rt_tool"; done
fi

if [[ $SWIFT_RUNTIME == bundle ]]; then
    # Every library any product resolves into the toolchain's runtime folder (the closure:
    # ldd lists indirect dependencies too). A previous bundle is replaced as a whole.
    mapfile -t runtime < <(for f in "${products[@]}"; do resolved "$f"; done \
        | awk -v dir="$swift_runtime_dir/" 'index($2, dir) == 1 { print $1 }' | sort -u)
    rm -rf "$D$SWIFTLIBDIR.new"
    install -d -m 0755 "$D$SWIFTLIBDIR.new"
    for lib in "${runtime[@]}"; do install -m 0644 "$swift_runtime_dir/$lib" "$D$SWIFTLIBDIR.new/$lib"; done
    toolchain_usr=$(cd "$swift_runtime_dir/../../.." && pwd)
    [[ -f $toolchain_usr/share/swift/LICENSE.txt ]] && install -m 0644 "$toolchain_usr/share/swift/LICENSE.txt" "$D$SWIFTLIBDIR.new/LICENSE.txt"
    version=$(cat "$BIN_DIR"/swift-version-*.txt 2>/dev/null | head -n 1 || true)
    [[ -n $version ]] || version=$("$toolchain_usr/bin/swift" --version 2>/dev/null | head -n 1 || true)
    printf '%s\n' "${version:-unknown Swift version}" > "$D$SWIFTLIBDIR.new/VERSION"
    chmod 0644 "$D$SWIFTLIBDIR.new/VERSION"
    rm -rf "$D$SWIFTLIBDIR"
    mv "$D$SWIFTLIBDIR.new" "$D$SWIFTLIBDIR"
fi

# Every installed binary must resolve every library, and a bundled install must not touch the
# toolchain's runtime folder.
installed=("${EXECUTABLES[@]/#/$D$BINDIR/}" "$D$PKGLIBDIR/$SDK_LIBRARY")
for p in "${PLUGINS[@]}"; do installed+=("$D$PKGLIBDIR/$p.so"); done
[[ $INSTALL_TOOLS == yes ]] && installed+=("${TOOLS[@]/#/$D$TOOLSDIR/}")
for f in "${installed[@]}"; do
    deps=$(env -u LD_LIBRARY_PATH ldd "$f")
    if grep -q "not found" <<<"$deps"; then echo "install: $f: unresolved libraries:" >&2; grep "not found" <<<"$deps" >&2; exit 1; fi
    if [[ $SWIFT_RUNTIME == bundle ]] && grep -qF "$swift_runtime_dir/" <<<"$deps"; then
        echo "install: $f still loads from $swift_runtime_dir:" >&2; grep -F "$swift_runtime_dir/" <<<"$deps" >&2; exit 1
    fi
done

# Configuration: never overwrite the administrator's file.
if [[ -e $D$CONFFILE ]]; then
    if ! cmp -s "$REPO/conf/subflowd.conf" "$D$CONFFILE"; then
        say "kept $D$CONFFILE (it differs from conf/subflowd.conf; compare them with diff)"
    fi
else
    install -m 0644 "$REPO/conf/subflowd.conf" "$D$CONFFILE"
fi

# The unit, pointed at this PREFIX and SYSCONFDIR.
sed -e "s#/usr/bin/subflowd#$BINDIR/subflowd#g" -e "s#/etc/subflowd/#$SYSCONFDIR/subflowd/#g" \
    "$REPO/conf/subflowd.service" > "$D$UNITDIR/subflowd.service.tmp"
chmod 0644 "$D$UNITDIR/subflowd.service.tmp"
mv -f "$D$UNITDIR/subflowd.service.tmp" "$D$UNITDIR/subflowd.service"

for page in "${MANPAGES[@]}"; do
    section=${page##*.}
    install -d -m 0755 "$D$MANDIR/man$section"
    gzip -9n -c "$REPO/man/$page" > "$D$MANDIR/man$section/$page.gz"
    chmod 0644 "$D$MANDIR/man$section/$page.gz"
done

# Completions from the build folder's executables (they run there with the toolchain's runtime).
for exe in "${EXECUTABLES[@]}"; do
    for shell in "${COMPLETION_SHELLS[@]}"; do
        target=$D$(completion_path "$shell" "$exe")
        install -d -m 0755 "$(dirname "$target")"
        "$BIN_DIR/$exe" --generate-completion-script "$shell" > "$target.tmp" \
            || { echo "install: $BIN_DIR/$exe could not generate its $shell completion" >&2; exit 1; }
        chmod 0644 "$target.tmp"
        mv -f "$target.tmp" "$target"
    done
done

for doc in "${DOCS[@]}"; do install -m 0644 "$REPO/$doc" "$D$DOCDIR/$(basename "$doc")"; done
install -d -m 0755 "$D$DOCDIR/examples"
install -m 0644 "$REPO/packaging/examples/"* "$D$DOCDIR/examples/"

say "installed into ${D:-/} (PREFIX=$PREFIX, SYSCONFDIR=$SYSCONFDIR, units in $UNITDIR, Swift runtime: $SWIFT_RUNTIME)"
if [[ -z $D && -d /run/systemd/system ]]; then
    say "run 'systemctl daemon-reload' to make systemd see the unit; see $DOCDIR/install.md before enabling it"
fi
