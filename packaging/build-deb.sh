#!/usr/bin/env bash
# Builds the Debian package from a SwiftPM build folder (`make deb` runs it). Environment:
#   BIN_DIR          the build folder (swift build -c release --show-bin-path) — required
#   DEB_DIR          where the .deb goes (default: build/ in the repository, git-ignored)
#   DEB_REVISION     Debian revision (default 1)
#   DEB_MAINTAINER   "Name <address>" (default: git config user.name/user.email)
#   DEB_COMPRESSION  xz (default), gzip, zstd or none
# It stages the files with packaging/install.sh (PREFIX=/usr, SYSCONFDIR=/etc, the Swift
# runtime bundled), adds the control data — Depends computed by dpkg-shlibdeps from the
# binaries, /etc/subflowd/subflowd.conf as a conffile, the maintainer scripts from
# packaging/debian — and writes DEB_DIR/subflowd_VERSION-REVISION_ARCH.deb with dpkg-deb
# (files owned by root). Prints the path of the package on its last line.
set -euo pipefail
umask 022
REPO=$(cd "$(dirname "$0")/.." && pwd)
BIN_DIR=${BIN_DIR:?BIN_DIR must name the build folder}
DEB_DIR=${DEB_DIR:-$REPO/build}
DEB_REVISION=${DEB_REVISION:-1}
DEB_COMPRESSION=${DEB_COMPRESSION:-xz}
if [[ -z ${DEB_MAINTAINER:-} ]]; then
    name=$(git -C "$REPO" config user.name 2>/dev/null || true)
    mail=$(git -C "$REPO" config user.email 2>/dev/null || true)
    DEB_MAINTAINER="${name:-subflowd maintainers} <${mail:-root@localhost}>"
fi
for tool in dpkg-deb dpkg-shlibdeps patchelf; do
    command -v "$tool" >/dev/null || { echo "deb: $tool is needed (scripts/install-deps.sh installs it)" >&2; exit 1; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/subflowd-deb.XXXXXX")
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -m 0755 "$root"

DESTDIR=$root PREFIX=/usr SYSCONFDIR=/etc UNITDIR=/lib/systemd/system SWIFT_RUNTIME=bundle \
    STRIP=yes INSTALL_TOOLS=yes BIN_DIR=$BIN_DIR "$REPO/packaging/install.sh" >/dev/null

# The version is what the staged daemon says it is (and so the staged daemon must run).
version_line=$("$root/usr/bin/subflowd" --version)
upstream=$(sed -n 's/^subflowd \([0-9][0-9A-Za-z.+~]*\).*/\1/p' <<<"$version_line")
[[ -n $upstream ]] || { echo "deb: cannot read a version from '$version_line'" >&2; exit 1; }
version=$upstream-$DEB_REVISION
arch=$(dpkg --print-architecture)
swift_version=$(sed -n 's/^\(Swift version [^ ]*\).*/\1/p' "$root/usr/lib/subflowd/swift/VERSION" | head -n 1)

doc=$root/usr/share/doc/subflowd
install -m 0644 "$REPO/packaging/debian/copyright" "$doc/copyright"
commit=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo unknown)
date=$(git -C "$REPO" log -1 --format=%aD 2>/dev/null || date -R)
printf 'subflowd (%s) unstable; urgency=medium\n\n  * Built from commit %s.\n\n -- %s  %s\n' \
    "$version" "$commit" "$DEB_MAINTAINER" "$date" | gzip -9n > "$doc/changelog.Debian.gz"
chmod 0644 "$doc/changelog.Debian.gz"

# Depends: from the ELF files' NEEDED entries, minus what the package itself carries
# (DEBIAN/ first: it lets dpkg-shlibdeps resolve $ORIGIN in the RUNPATHs).
mkdir -m 0755 "$root/DEBIAN"
mkdir -p "$work/shlibs/debian"
printf 'Source: subflowd\n\nPackage: subflowd\nArchitecture: any\n' > "$work/shlibs/debian/control"
mapfile -t elves < <(find "$root" -type f \( -perm -u+x -o -name '*.so' \) ! -path "$root/usr/lib/subflowd/swift/*" \
    -exec sh -c 'head -c 4 "$1" | grep -q ELF' _ {} \; -print | sort)
(cd "$work/shlibs" && dpkg-shlibdeps -O --ignore-missing-info -l"$root/usr/lib/subflowd" -l"$root/usr/lib/subflowd/swift" \
    "${elves[@]}" "$root"/usr/lib/subflowd/swift/*.so) > "$work/shlibs.out" 2> "$work/shlibs.err" \
    || { cat "$work/shlibs.err" >&2; exit 1; }
# Its warnings, but those about the bundled Swift runtime: no Debian package provides it, its
# sonames carry no version, and it is linked as the toolchain links it.
grep -v -e 'no dependency information found for' -e 'binaries to analyze should already be installed' \
    -e "can't extract name and version from library name" -e 'could avoid a useless dependency' \
    "$work/shlibs.err" | sed 's/^/deb: /' >&2 || true
depends=$(sed -n 's/^shlibs:Depends=//p' "$work/shlibs.out")
[[ -n $depends ]] || { echo "deb: dpkg-shlibdeps found no dependencies" >&2; cat "$work/shlibs.err" >&2; exit 1; }

installed_size=$(du -sk --apparent-size --exclude=DEBIAN "$root" | cut -f1)
sed -e "s|@VERSION@|$version|" -e "s|@ARCH@|$arch|" -e "s|@MAINTAINER@|$DEB_MAINTAINER|" \
    -e "s|@INSTALLED_SIZE@|$installed_size|" -e "s|@DEPENDS@|$depends|" -e "s|@SWIFT_VERSION@|${swift_version:-Swift 6}|" \
    "$REPO/packaging/debian/control.in" > "$root/DEBIAN/control"
echo /etc/subflowd/subflowd.conf > "$root/DEBIAN/conffiles"
for script in postinst prerm postrm; do install -m 0755 "$REPO/packaging/debian/$script" "$root/DEBIAN/$script"; done
(cd "$root" && find . -path ./DEBIAN -prune -o -type f -printf '%P\0' | sort -z | xargs -0 md5sum) > "$root/DEBIAN/md5sums"
chmod 0644 "$root/DEBIAN/control" "$root/DEBIAN/conffiles" "$root/DEBIAN/md5sums"

mkdir -p "$DEB_DIR"
deb=$DEB_DIR/subflowd_${version}_$arch.deb
dpkg-deb --root-owner-group -Z"$DEB_COMPRESSION" --build "$root" "$deb" >/dev/null
echo "deb: $(dpkg-deb -f "$deb" Package Version Architecture Installed-Size | tr '\n' ' ')"
echo "deb: Depends: $(dpkg-deb -f "$deb" Depends)"
echo "$deb"
