#!/usr/bin/env bash
# Removes what packaging/install.sh installed (`make uninstall`), with the same DESTDIR,
# PREFIX, SYSCONFDIR, UNITDIR, MANDIR and DOCDIR. Policy plugins the administrator added to
# PREFIX/lib/subflowd, and a configuration file that differs from the shipped one, are kept
# (and named); everything else, the bundled Swift runtime included, is removed.
set -euo pipefail
source "$(dirname "$0")/layout.sh"
D=$DESTDIR
say() { echo "uninstall: $*"; }

rm -f "${EXECUTABLES[@]/#/$D$BINDIR/}" "$D$PKGLIBDIR/$SDK_LIBRARY" "${TOOLS[@]/#/$D$TOOLSDIR/}"
for p in "${PLUGINS[@]}"; do rm -f "$D$PKGLIBDIR/$p.so"; done
rm -rf "$D$SWIFTLIBDIR"
rm -f "$D$UNITDIR/subflowd.service"
for page in "${MANPAGES[@]}"; do rm -f "$D$MANDIR/man${page##*.}/$page.gz"; done
rm -rf "$D$DOCDIR"
for exe in "${EXECUTABLES[@]}"; do
    for shell in "${COMPLETION_SHELLS[@]}"; do rm -f "$D$(completion_path "$shell" "$exe")"; done
done

if [[ -f $D$CONFFILE ]]; then
    if cmp -s "$REPO/conf/subflowd.conf" "$D$CONFFILE"; then
        rm -f "$D$CONFFILE"
    else
        say "kept $D$CONFFILE: it was changed (remove it by hand if it is no longer wanted)"
    fi
fi

for dir in "$D$TOOLSDIR" "$D$PKGLIBDIR" "$D$SYSCONFDIR/subflowd"; do
    [[ -d $dir ]] || continue
    if ! rmdir "$dir" 2>/dev/null; then say "kept $dir, which holds files not installed by subflowd: $(ls -A "$dir" | tr '\n' ' ')"; fi
done
say "removed subflowd from ${D:-/} (PREFIX=$PREFIX)"
if [[ -z $D && -d /run/systemd/system ]]; then
    say "if subflowd.service was enabled or running: systemctl disable --now subflowd; systemctl daemon-reload"
fi
