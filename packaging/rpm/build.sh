#!/usr/bin/env bash
# Builds the certsweep RPM from this checkout with rpmbuild -bb.
#
# On Fedora/RHEL the spec's BuildRequires are installed with
# `dnf builddep packaging/rpm/certsweep.spec` and this runs rpmbuild as is.
# On a Debian machine (CI) Fedora's -devel packages cannot be installed, so
# it passes --nodeps and, where the Fedora macro packages (meson's, systemd's)
# are missing, defines equivalents of the macros the spec uses
# (packaging/rpm/macros.fallback); the Debian libraries satisfy the build.
#
#   packaging/rpm/build.sh [OUTDIR]     the .rpm files go to OUTDIR (default .)
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-.}" && cd "${1:-.}" && pwd)
version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n 1)
spec_version=$(sed -n 's/^Version: *//p' "$top/packaging/rpm/certsweep.spec")
if [ "$version" != "$spec_version" ]; then
    echo "rpm/build.sh: meson.build says $version, certsweep.spec says $spec_version — update the spec" >&2
    exit 1
fi
command -v rpmbuild >/dev/null || { echo "rpm/build.sh: rpmbuild is missing (apt-get install rpm)" >&2; exit 1; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/certsweep-rpm.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{SOURCES,SPECS,BUILD,RPMS,SRPMS}
"$top/packaging/copy-tree.sh" "$top" "$tmp/stage/certsweep-$version"
tar -czf "$tmp/SOURCES/certsweep-$version.tar.gz" -C "$tmp/stage" "certsweep-$version"
cp "$top/packaging/rpm/certsweep.spec" "$tmp/SPECS/"
cp "$top/packaging/systemd/certsweep.sysusers" "$tmp/SOURCES/"

args=(--define "_topdir $tmp" -bb)
if [ "$(rpm --eval '%{?meson:yes}')" != yes ] || ! rpm -q systemd-rpm-macros >/dev/null 2>&1; then
    args=(--nodeps --load "$top/packaging/rpm/macros.fallback" "${args[@]}")
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(cd "$top" && git -c safe.directory="$top" log -1 --format=%ct 2>/dev/null || date +%s)}
if ! rpmbuild "${args[@]}" "$tmp/SPECS/certsweep.spec" >"$tmp/rpmbuild.log" 2>&1; then
    tail -n 60 "$tmp/rpmbuild.log" >&2
    echo "rpm/build.sh: rpmbuild failed (log above)" >&2
    exit 1
fi
find "$tmp/RPMS" -name '*.rpm' -exec cp {} "$out/" \;
ls "$out"/certsweep-*.rpm
