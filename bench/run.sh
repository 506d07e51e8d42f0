#!/bin/sh
# certsweep benchmark: builds the release binary (build-release/) when it is
# missing or stale, then runs bench/run.py with the given arguments, e.g.
#   bench/run.sh                         1000 accounts x 17 regions, 40 ms
#   bench/run.sh --scenario issue7       issue 7's 12 x 4 case
#   bench/run.sh --smoke                 20 x 2, about half a minute
#   bench/run.sh --help                  every option
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if [ ! -d "$root/build-release" ]; then
    meson setup "$root/build-release" -Dbuildtype=release >/dev/null
fi
meson compile -C "$root/build-release" certsweep >/dev/null
exec python3 "$here/run.py" --certsweep "$root/build-release/src/certsweep" "$@"
