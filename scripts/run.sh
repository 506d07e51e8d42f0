#!/usr/bin/env bash
# certsweep's main job from a fresh clone: installs what is missing, builds,
# and runs `certsweep scan`.
#
#   - With an AWS account configured (AWS_ACCESS_KEY_ID, AWS_PROFILE, a
#     ~/.aws/config or ~/.aws/credentials file, or container credentials),
#     it scans that account's organization: scripts/run.sh [scan options].
#   - Without one (or with CERTSWEEP_DEMO=1), it starts a local AWS emulator
#     (moto) on 127.0.0.1, seeds a small organization and scans that.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

PY=$(scripts/deps.sh | tail -n 1)
export PATH="$(dirname "$PY"):$PATH"

if [ ! -f build-release/build.ninja ]; then
    meson setup build-release -Dbuildtype=release -Dtests=disabled >/dev/null
fi
meson compile -C build-release >/dev/null
bin="$top/build-release/src/certsweep"

configured=0
if [ "${CERTSWEEP_DEMO:-0}" != 1 ]; then
    if [ -n "${AWS_ACCESS_KEY_ID:-}" ] || [ -n "${AWS_PROFILE:-}" ] ||
       [ -n "${AWS_CONTAINER_CREDENTIALS_RELATIVE_URI:-}" ] ||
       [ -n "${AWS_CONTAINER_CREDENTIALS_FULL_URI:-}" ] ||
       [ -f "${AWS_SHARED_CREDENTIALS_FILE:-$HOME/.aws/credentials}" ] ||
       [ -f "${AWS_CONFIG_FILE:-$HOME/.aws/config}" ]; then
        configured=1
    fi
fi

if [ "$configured" = 1 ]; then
    exec "$bin" scan "$@"
fi
echo "run.sh: no AWS account configured; running the demo against a local emulator (moto on 127.0.0.1)" >&2
exec demo/run-demo.sh "$bin" "$@"
