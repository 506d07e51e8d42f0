#!/bin/sh
# certsweep benchmark: builds the release binary (build-release/) when it is
# missing or stale, then runs bench/run.py with the given arguments, e.g.
#   bench/run.sh                         1000 accounts x 17 regions, 40 ms
#   bench/run.sh --scenario issue7       issue 7's 12 x 4 case
#   bench/run.sh --smoke                 20 x 2, about half a minute
#   bench/run.sh --help                  every option
#   bench/run.sh --probe [ARGS]          the served-certificate probe (bench/probe.py)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
if [ ! -d "$root/build-release" ]; then
    meson setup "$root/build-release" -Dbuildtype=release >/dev/null
fi
meson compile -C "$root/build-release" certsweep >/dev/null
if [ "${1:-}" = "--probe" ]; then
    shift
    exec python3 "$here/probe.py" --certsweep "$root/build-release/src/certsweep" "$@"
fi
exec python3 "$here/run.py" --certsweep "$root/build-release/src/certsweep" "$@"
