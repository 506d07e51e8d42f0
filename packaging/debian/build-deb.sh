#!/usr/bin/env bash
# Builds certsweep_VERSION_ARCH.deb from this checkout (its tracked and new,
# not ignored, files): copies the tree to a temporary directory, puts
# packaging/debian there as debian/, runs `dpkg-buildpackage -us -uc -b`
# and lintian, and leaves the .deb in OUTDIR (default: the current
# directory).  Needs the Build-Depends of packaging/debian/control
# (scripts/deps.sh installs them).
#
#   packaging/debian/build-deb.sh [OUTDIR]
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mkdir -p "${1:-.}" && cd "${1:-.}" && pwd)
version=$(sed -n "s/^ *version *: *'\([^']*\)'.*/\1/p" "$top/meson.build" | head -n 1)
deb_version=$(sed -n '1s/^certsweep (\([^)]*\)).*/\1/p' "$top/packaging/debian/changelog")
if [ "$version" != "$deb_version" ]; then
    echo "build-deb: meson.build says $version, packaging/debian/changelog says $deb_version — add a changelog entry for $version" >&2
    exit 1
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/certsweep-deb.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
src="$tmp/certsweep-$version"
"$top/packaging/copy-tree.sh" "$top" "$src"
rm -rf "$src/debian"
cp -r "$top/packaging/debian" "$src/debian"
rm -f "$src/debian/build-deb.sh"

export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(cd "$top" && git -c safe.directory="$top" log -1 --format=%ct 2>/dev/null || date +%s)}
export DEB_BUILD_OPTIONS="${DEB_BUILD_OPTIONS:-nocheck parallel=2}"
(cd "$src" && dpkg-buildpackage -us -uc -b) >"$tmp/build.log" 2>&1 || {
    tail -n 60 "$tmp/build.log" >&2
    echo "build-deb: dpkg-buildpackage failed (log above)" >&2
    exit 1
}
changes=$(ls "$tmp"/certsweep_*.changes)
if command -v lintian >/dev/null; then
    # Errors fail the build; warnings are listed (README, Packaging).
    lintian --tag-display-limit 0 "$changes" >"$tmp/lintian.log" 2>&1 || true
    cat "$tmp/lintian.log"
    if grep -q '^E: ' "$tmp/lintian.log"; then
        echo "build-deb: lintian reports errors" >&2
        exit 1
    fi
fi
cp "$tmp"/certsweep_*.deb "$out/"
ls "$out"/certsweep_*.deb
