# Sourced by install.sh, uninstall.sh and build-deb.sh: where every file goes.
# Inputs (environment, all optional): DESTDIR, PREFIX (/usr/local), SYSCONFDIR (/etc),
# UNITDIR, MANDIR, DOCDIR. The plugin directory is always PREFIX/lib/subflowd: subflowd
# looks for its plugins in ../lib/subflowd beside its executable, and the executables find
# libSubflowPolicy.so and the Swift runtime there through their RUNPATH ($ORIGIN-relative).

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
DESTDIR=${DESTDIR:-}
PREFIX=${PREFIX:-/usr/local}
PREFIX=${PREFIX%/}
[[ -n $PREFIX && $PREFIX == /* ]] || { echo "PREFIX must be an absolute path (got '$PREFIX')" >&2; exit 2; }
SYSCONFDIR=${SYSCONFDIR:-/etc}
BINDIR=$PREFIX/bin
PKGLIBDIR=$PREFIX/lib/subflowd
SWIFTLIBDIR=$PKGLIBDIR/swift
TOOLSDIR=$PKGLIBDIR/tools
if [[ -z ${UNITDIR:-} ]]; then
    # Debian's own units live in /lib/systemd/system; systemd also reads /usr/local/lib/systemd/system.
    if [[ $PREFIX == /usr ]]; then UNITDIR=/lib/systemd/system; else UNITDIR=$PREFIX/lib/systemd/system; fi
fi
MANDIR=${MANDIR:-$PREFIX/share/man}
DOCDIR=${DOCDIR:-$PREFIX/share/doc/subflowd}
# Shell completions, generated from the argument parsers (`--generate-completion-script`), in
# the folders each shell reads by default for this PREFIX (Debian's zsh reads vendor-completions
# under /usr; /usr/local/share/zsh/site-functions is in every zsh's default fpath).
BASHCOMPDIR=$PREFIX/share/bash-completion/completions
if [[ $PREFIX == /usr ]]; then ZSHCOMPDIR=$PREFIX/share/zsh/vendor-completions; else ZSHCOMPDIR=$PREFIX/share/zsh/site-functions; fi
FISHCOMPDIR=$PREFIX/share/fish/vendor_completions.d
completion_path() { # completion_path SHELL COMMAND
    case $1 in
        bash) echo "$BASHCOMPDIR/$2" ;;
        zsh) echo "$ZSHCOMPDIR/_$2" ;;
        fish) echo "$FISHCOMPDIR/$2.fish" ;;
    esac
}
COMPLETION_SHELLS=(bash zsh fish)
CONFFILE=$SYSCONFDIR/subflowd/subflowd.conf

EXECUTABLES=(subflowd subflowctl)
TOOLS=(subflow-traffic)
SDK_LIBRARY=libSubflowPolicy.so
# The policy plugins: every dynamic library product of Package.swift but the test fixtures.
mapfile -t PLUGINS < <(sed -n 's/.*\.library(name: "\([a-z0-9_-]*\)", type: \.dynamic.*/\1/p' "$REPO/Package.swift" | grep -v '^fixture-')
((${#PLUGINS[@]})) || { echo "no plugin products found in $REPO/Package.swift" >&2; exit 2; }
MANPAGES=()
for page in "$REPO"/man/*.[1-9]; do [[ -f $page ]] && MANPAGES+=("$(basename "$page")"); done
DOCS=(README.md docs/install.md docs/control.md docs/security.md docs/troubleshooting.md)
