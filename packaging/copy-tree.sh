#!/usr/bin/env bash
# Copies the certsweep source tree at SRC to DEST (created): in a git
# checkout its tracked and new, not ignored, files (so uncommitted work is
# packaged as it is); elsewhere every file but build directories.  Used by
# packaging/debian/build-deb.sh and packaging/rpm/build.sh.
#
#   packaging/copy-tree.sh SRC DEST
set -euo pipefail
src=$1 dest=$2
mkdir -p "$dest"
cd "$src"
if git -c safe.directory="$src" rev-parse --is-inside-work-tree >/dev/null 2>&1; then
    git -c safe.directory="$src" ls-files -co --exclude-standard -z
else
    find . -type f -not -path './build*' -not -path './.venv/*' -not -path './.git/*' -printf '%P\0'
fi | grep -zv -E '^(build[^/]*|\.venv)/' | xargs -0 tar -cf - --no-recursion | tar -xf - -C "$dest"
