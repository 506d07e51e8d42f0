#!/usr/bin/env bash
# Installs what certsweep needs to build and test on a fresh Debian machine:
# the Debian build and test packages (apt-get, as root or through sudo) and,
# for the integration tests and the demo, moto[server] + boto3 + cryptography
# for python3 (pip, only where they are missing).
#
# Prints the python3 to use for the tests on its last line.
set -eu

# nghttp2-server: nghttpd, the HTTP/2 server of tests/integration/test_transport.py.
# python3-aiosmtpd: the SMTP server of tests/integration/test_digests.py (run by
# /usr/bin/python3, Debian's own).
# libc-ares-dev: the resolver (dns/).  dnsmasq: the name server of
# tests/integration/test_dns.py.
# prometheus: promtool, which checks the metrics file in tests/integration/test_metrics.py.
# Packaging (tests/package): mandoc (man page lint), man-db (man -w),
# debhelper + dpkg-dev + lintian (the .deb), rpm (rpmbuild), systemd
# (systemd-analyze verify/security), bash-completion (the completion test).
DEBS="meson ninja-build pkg-config gcc libc6-dev libuv1-dev libcurl4-openssl-dev
      libssl-dev libjson-c-dev libexpat1-dev libsqlite3-dev libinih-dev
      libesmtp-dev libc-ares-dev libcmocka-dev python3 python3-venv ca-certificates
      nghttp2-server python3-aiosmtpd prometheus mandoc man-db debhelper dpkg-dev
      lintian rpm systemd bash-completion dnsmasq"

missing=""
for p in $DEBS; do
    dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing="$missing $p"
done
if [ -n "$missing" ]; then
    echo "deps: installing Debian packages:$missing" >&2
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -qq >&2
    # shellcheck disable=SC2086
    $SUDO apt-get install -y -qq --no-install-recommends $missing >&2
fi

# python3 with moto[server], boto3 and cryptography: the one on PATH when it
# has them; else a project venv (.venv) filled by pip.
have_py() { "$1" -c 'import moto.server, boto3, botocore, cryptography' >/dev/null 2>&1; }
top=$(cd "$(dirname "$0")/.." && pwd)
PY=$(command -v python3)
if ! have_py "$PY"; then
    if "$PY" -m pip --version >/dev/null 2>&1 &&
       "$PY" -m pip install -q 'moto[server]>=5' boto3 cryptography >&2 2>/dev/null &&
       have_py "$PY"; then
        :
    else
        echo "deps: installing moto[server] into $top/.venv" >&2
        [ -x "$top/.venv/bin/python3" ] || python3 -m venv "$top/.venv" >&2
        PY="$top/.venv/bin/python3"
        have_py "$PY" || "$PY" -m pip install -q 'moto[server]>=5' boto3 cryptography >&2
    fi
fi
have_py "$PY" || { echo "deps: python3 with moto[server] could not be set up" >&2; exit 1; }
echo "$PY"
