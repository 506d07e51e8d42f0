#!/usr/bin/env bash
# Runs every certsweep test on this machine: installs what is missing
# (scripts/deps.sh), builds with -Werror, runs the unit and integration
# suites, then again in an AddressSanitizer + UndefinedBehaviorSanitizer
# build.  The first build also runs the 'package' suite: it builds the .deb
# from this checkout, installs it, runs it and removes it again (skipped,
# and counted as skipped, when not root), and builds the RPM.  Ends with one
# line "N passed, M failed" (exit 0 only when M is 0).
#
#   scripts/test.sh                 everything
#   scripts/test.sh --no-sanitize   skip the sanitizer build
#   scripts/test.sh -- ARGS         extra arguments for `meson test` (e.g. a test name)
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

sanitize=1
extra=()
while [ $# -gt 0 ]; do
    case "$1" in
        --no-sanitize) sanitize=0 ;;
        --) shift; extra=("$@"); break ;;
        -h|--help) sed -n '2,10p' "$0"; exit 0 ;;
        *) echo "test.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
    esac
    shift
done

PY=$(scripts/deps.sh | tail -n 1) || { echo "0 passed, 1 failed"; exit 1; }
export PATH="$(dirname "$PY"):$PATH"

passed=0 failed=0 skipped=0
run_build() {   # name, extra `meson test` arguments (one word), meson setup options...
    local dir="$1" test_args="$2"; shift 2
    echo "=== build $dir ($*)"
    if [ ! -f "$dir/build.ninja" ]; then
        meson setup "$dir" --werror "$@" >"$dir.setup.log" 2>&1 ||
            { cat "$dir.setup.log"; failed=$((failed + 1)); return; }
    fi
    if ! meson compile -C "$dir" >"$dir.compile.log" 2>&1; then
        grep -E "error|warning" "$dir.compile.log" | head -40
        echo "build $dir failed (full log: $dir.compile.log)"
        failed=$((failed + 1))
        return
    fi
    echo "=== test $dir"
    # shellcheck disable=SC2086
    meson test -C "$dir" --print-errorlogs --num-processes 2 $test_args "${extra[@]}"
    local log="$dir/meson-logs/testlog.json"
    if [ -f "$log" ]; then
        local counts
        counts=$("$PY" - "$log" <<'PYEOF'
import json, sys
p = f = s = 0
for line in open(sys.argv[1]):
    r = json.loads(line).get("result")
    if r in ("OK", "EXPECTEDFAIL"): p += 1
    elif r == "SKIP": s += 1
    else: f += 1
print(p, f, s)
PYEOF
)
        set -- $counts
        passed=$((passed + $1)); failed=$((failed + $2)); skipped=$((skipped + $3))
    else
        failed=$((failed + 1))
    fi
}

run_build build-test ""
if [ "$sanitize" = 1 ]; then
    # tests/asan.supp: libesmtp's own (correct) short-string compares, which
    # strict_string_checks would flag; everything of certsweep stays checked.
    export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:strict_string_checks=1:suppressions=$top/tests/asan.supp"
    export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
    # The packages are built once, from the first build's run.
    run_build build-asan "--no-suite=package" -Db_sanitize=address,undefined -Db_lundef=false -Dbuildtype=debug
fi

echo "tests: $passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
