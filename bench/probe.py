#!/usr/bin/env python3
"""Benchmark of the served-certificate probe: `certsweep scan` with
[probe] hosts naming N endpoints (default 2,000) on loopback, each a
different name (SNI) served by TLS servers on 127.0.0.1 (several processes
sharing one port through SO_REUSEPORT, certificates chosen by SNI, chains
signed by a throwaway CA given as [probe] ca_file).  The AWS side is moto
with an empty account (the scan itself is a handful of calls): the run is
repeated without the probe to show what the probe adds.

Prints wall time and peak RSS of certsweep with and without the probe, the
handshakes the servers completed, and checks that every endpoint was read
(no finding, no coverage gap).

    bench/run.sh --probe                    (builds the release binary)
    bench/probe.py --certsweep build/src/certsweep [--endpoints 2000]
"""
import argparse
import datetime
import multiprocessing as mp
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.request

NAMES_PER_CERT = 100


def make_pki(d, n_names):
    """A CA and one leaf per NAMES_PER_CERT names (ECDSA P-256); returns
    the CA file and [(cert file, key file, [names])]."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "certsweep probe bench CA")])
    ca = (x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name)
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(days=1))
          .not_valid_after(now + datetime.timedelta(days=3650))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    ca_pem = ca.public_bytes(serialization.Encoding.PEM)
    ca_file = os.path.join(d, "ca.pem")
    with open(ca_file, "wb") as f:
        f.write(ca_pem)
    names = ["h%05d.bench.test" % i for i in range(n_names)]
    leaves = []
    for g in range(0, n_names, NAMES_PER_CERT):
        group = names[g:g + NAMES_PER_CERT]
        key = ec.generate_private_key(ec.SECP256R1())
        cert = (x509.CertificateBuilder()
                .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, group[0])]))
                .issuer_name(ca_name).public_key(key.public_key())
                .serial_number(x509.random_serial_number())
                .not_valid_before(now - datetime.timedelta(days=1))
                .not_valid_after(now + datetime.timedelta(days=300))
                .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in group]),
                               critical=False)
                .sign(ca_key, hashes.SHA256()))
        cf = os.path.join(d, "leaf%d.pem" % g)
        kf = os.path.join(d, "leaf%d.key" % g)
        with open(cf, "wb") as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM) + ca_pem)
        with open(kf, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        leaves.append((cf, kf, group))
    return ca_file, names, leaves


def serve(port, leaves, counter, ready, threads=8):
    """One server process: a socket on 127.0.0.1:port shared through
    SO_REUSEPORT, `threads` threads each accepting and completing the
    handshake in OpenSSL (the GIL is released meanwhile), the certificate
    chosen by SNI; counts handshakes."""
    import threading
    ctxs = {}
    for cf, kf, group in leaves:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cf, kf)
        for n in group:
            ctxs[n] = ctx
    default = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    default.load_cert_chain(leaves[0][0], leaves[0][1])

    def sni(sslobj, name, _ctx):
        c = ctxs.get(name)
        if c is not None:
            sslobj.context = c

    default.sni_callback = sni
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen(4096)

    def loop():
        while True:
            conn, _ = sock.accept()
            try:
                conn.settimeout(30)
                tls = default.wrap_socket(conn, server_side=True)
                with counter.get_lock():
                    counter.value += 1
                tls.close()
            except (OSError, ssl.SSLError):
                conn.close()

    for _ in range(threads):
        threading.Thread(target=loop, daemon=True).start()
    ready.set()
    threading.Event().wait()


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    p = s.getsockname()[1]
    s.close()
    return p


def wait_port(port, timeout=30):
    end = time.time() + timeout
    while time.time() < end:
        try:
            socket.create_connection(("127.0.0.1", port), 0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nothing listens on port %d" % port)


def run_certsweep(exe, conf, env):
    """(wall seconds, peak RSS MiB, rc, stderr, CPU seconds) of one scan."""
    t0 = time.monotonic()
    # GNU time measures certsweep alone (wait4's ru_maxrss would count the
    # forked Python before exec).
    gnu_time = shutil.which("time") or ("/usr/bin/time" if os.path.exists("/usr/bin/time") else None)
    pre = os.environ.get("PROBE_BENCH_WRAP", "").split()
    if not pre and gnu_time:
        pre = [gnu_time, "-f", "TIMEV:%M"]
    p = subprocess.Popen(pre + [exe, "scan", "--config", conf, "--no-securityhub", "--no-notify",
                          "--format", "json", "--output", conf + ".json", "-v"],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    err = p.stderr.read().decode(errors="replace")
    _, status, ru = os.wait4(p.pid, 0)
    wall = time.monotonic() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    m = re.search(r"^TIMEV:(\d+)$", err, re.M)
    rss = int(m.group(1)) / 1024.0 if m else float("nan")
    return wall, rss, p.returncode, err, ru.ru_utime + ru.ru_stime


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--certsweep", default=os.path.join(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))), "build", "src", "certsweep"))
    ap.add_argument("--endpoints", type=int, default=2000)
    ap.add_argument("--servers", type=int, default=4, help="TLS server processes")
    ap.add_argument("--concurrency", type=int, default=64, help="[probe] concurrency")
    ap.add_argument("--timeout", type=int, default=10, help="[probe] timeout (seconds)")
    a = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="certsweep-probe-bench-")
    procs = []
    try:
        t = time.monotonic()
        ca_file, names, leaves = make_pki(tmp, a.endpoints)
        print("certificates: %d leaves for %d names in %.1f s" % (len(leaves), len(names),
                                                                  time.monotonic() - t))
        port = free_port()
        counter = mp.Value("l", 0)
        for _ in range(a.servers):
            ready = mp.Event()
            p = mp.Process(target=serve, args=(port, leaves, counter, ready), daemon=True)
            p.start()
            procs.append(p)
            ready.wait(30)
        moto_port = free_port()
        moto = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p",
                                 str(moto_port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        procs.append(moto)
        wait_port(moto_port)
        env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        env.update(AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                   AWS_ENDPOINT_URL="http://127.0.0.1:%d" % moto_port, HOME=tmp,
                   AWS_CONFIG_FILE=os.path.join(tmp, "none"),
                   AWS_SHARED_CREDENTIALS_FILE=os.path.join(tmp, "none"))
        hosts = ", ".join("%s:%d@127.0.0.1" % (n, port) for n in names)
        results = {}
        # The first run warms moto up; it is not counted.
        for label, enabled in (("warm-up", False), ("scan without the probe", False),
                               ("scan with the probe", True)):
            conf = os.path.join(tmp, "probe-%s.conf" % ("on" if enabled else "off"))
            with open(conf, "w") as f:
                f.write("[aws]\nregion = us-east-1\n[scan]\nregions = us-east-1\n"
                        "collectors = acm\nfail_on = none\n[state]\ndir = %s\n"
                        "[probe]\nenabled = %s\nhosts = %s\nca_file = %s\n"
                        "concurrency = %d\ntimeout = %d\n"
                        % (os.path.join(tmp, "state"), "true" if enabled else "false", hosts,
                           ca_file, a.concurrency, a.timeout))
            before = counter.value
            wall, rss, rc, err, cpu = run_certsweep(a.certsweep, conf, env)
            hs = counter.value - before
            m = re.search(r"probe: (\d+) endpoints, (\d+) read, (\d+) unreachable", err)
            results[label] = (wall, rss, rc, hs, m.groups() if m else None, cpu)
            if os.environ.get("PROBE_BENCH_LOG"):
                print("\n".join(l for l in err.splitlines() if "probe:" in l or "TIMEV" in l)[-2000:])
            if rc != 0:
                print(err[-3000:], file=sys.stderr)
                raise SystemExit("certsweep exited %d (%s)" % (rc, label))
        print()
        print("| run | wall s | certsweep CPU s | peak RSS MiB | handshakes served | endpoints read |")
        print("|---|---|---|---|---|---|")
        for label, (wall, rss, rc, hs, probe, cpu) in results.items():
            if label == "warm-up":
                continue
            print("| %s | %.2f | %.2f | %.1f | %d | %s |" % (
                label, wall, cpu, rss, hs, "%s of %s (%s unreachable)" % (probe[1], probe[0], probe[2])
                if probe else "-"))
        on, off = results["scan with the probe"], results["scan without the probe"]
        print()
        print("%d endpoints, concurrency %d, %d server processes: the probe adds %.2f s"
              % (a.endpoints, a.concurrency, a.servers, on[0] - off[0]))
        probe = on[4]
        ok = probe is not None and int(probe[1]) == a.endpoints and int(probe[2]) == 0
        if not ok:
            raise SystemExit("not every endpoint was read: %s" % (probe,))
    finally:
        for p in procs:
            if isinstance(p, subprocess.Popen):
                p.terminate()
                p.wait()
            else:
                p.terminate()
                p.join(5)
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
