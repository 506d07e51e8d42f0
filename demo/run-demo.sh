#!/usr/bin/env bash
# certsweep demo: a real `certsweep scan` of a small AWS Organization that
# lives in a local AWS emulator (moto) on 127.0.0.1.  Nothing else is needed
# and nothing leaves the machine.
#
#   demo/run-demo.sh [PATH-TO-certsweep] [scan options...]
#
# It starts moto (and the API Gateway client-certificate double that stands
# in for what moto lacks) on free loopback ports, seeds an organization with
# four accounts and certificates built to trip every rule
# (tests/integration/seed_demo.py), scans it with fake credentials as of the
# date the seed was built for, prints the report and stops the servers.
# Extra options go to `certsweep scan` (e.g. --format json).
#
# Exit status: 0 when the scan ran (its findings are the point of the demo),
# otherwise certsweep's own status (2 usage, 4 could not run) or 1 when the
# emulator could not be started.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
PY=${PYTHON:-python3}

bin=
if [ $# -gt 0 ] && [ -x "$1" ] && [ ! -d "$1" ]; then
    bin=$1
    shift
fi
if [ -z "$bin" ]; then
    for b in "$top/build-release/src/certsweep" "$top/build/src/certsweep"; do
        if [ -x "$b" ]; then bin=$b; break; fi
    done
fi
if [ -z "$bin" ]; then
    echo "run-demo.sh: no certsweep binary; build one (meson setup build && ninja -C build) or pass its path" >&2
    exit 1
fi
if ! "$PY" -c 'import moto.server, boto3, cryptography' 2>/dev/null; then
    echo "run-demo.sh: $PY lacks moto (pip install 'moto[server]'), or set PYTHON" >&2
    exit 1
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/certsweep-demo.XXXXXX")
pids=()
cleanup() {
    for p in "${pids[@]}"; do
        kill "$p" 2>/dev/null || true
    done
    for p in "${pids[@]}"; do
        wait "$p" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

free_port() {
    "$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
    "$PY" - "$1" <<'PYEOF'
import socket, sys, time
port = int(sys.argv[1])
deadline = time.time() + 30
while time.time() < deadline:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.1)
sys.exit(1)
PYEOF
}

moto_port=$(free_port)
# moto, plus the few calls it lacks (IAM ListServerCertificateTags)
MOTO_ACM_VALIDATION_WAIT=100000 "$PY" "$top/tests/doubles/moto_server.py" -H 127.0.0.1 -p "$moto_port" \
    >"$work/moto.log" 2>&1 &
pids+=($!)
double_port=$(free_port)
"$PY" "$top/tests/doubles/apigw_clientcert_double.py" --port "$double_port" \
    --upstream "http://127.0.0.1:$moto_port" >"$work/double.log" 2>&1 &
pids+=($!)
if ! wait_port "$moto_port" || ! wait_port "$double_port"; then
    echo "run-demo.sh: the local emulator did not start; its log:" >&2
    cat "$work/moto.log" "$work/double.log" >&2
    exit 1
fi

echo "run-demo.sh: seeding a demo organization in moto on 127.0.0.1:$moto_port ..." >&2
AWS_EC2_METADATA_DISABLED=true "$PY" "$top/tests/integration/seed_demo.py" \
    --endpoint "http://127.0.0.1:$moto_port" --double "http://127.0.0.1:$double_port" \
    >"$work/seed.json"
as_of=$("$PY" -c 'import json, sys; print(json.load(open(sys.argv[1]))["as_of"])' "$work/seed.json")
echo "run-demo.sh: scanning it as of $as_of (4 accounts; us-east-1, eu-west-1)" >&2
echo >&2

# The demo's own config: state in the temporary directory (never the
# system's /var/lib/certsweep), findings aggregated into the emulator's
# Security Hub in us-east-1.
cat >"$work/certsweep.conf" <<EOF
[securityhub]
region = us-east-1

[state]
dir = $work/state
EOF

set +e
env -i PATH="$PATH" HOME="$work" LANG=C.UTF-8 TERM="${TERM:-dumb}" \
    CERTSWEEP_CONFIG="$work/certsweep.conf" \
    AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE \
    AWS_SECRET_ACCESS_KEY=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 \
    AWS_REGION=us-east-1 AWS_EC2_METADATA_DISABLED=true \
    AWS_CONFIG_FILE=/nonexistent/aws-config AWS_SHARED_CREDENTIALS_FILE=/nonexistent/aws-credentials \
    AWS_ENDPOINT_URL="http://127.0.0.1:$moto_port" \
    AWS_ENDPOINT_URL_API_GATEWAY="http://127.0.0.1:$double_port" \
    "$bin" scan --as-of "$as_of" --regions us-east-1,eu-west-1 "$@"
rc=$?
set -e
case $rc in
    0|1|3) exit 0 ;;
    *) exit "$rc" ;;
esac
