#!/usr/bin/env python3
"""certsweep benchmark: a simulated AWS organization on 127.0.0.1 (TLS,
latency, AWS's rate limits), scanned by certsweep and by a boto3 peer; prints
a table of wall time against the lower bound, API calls, throttling, retries,
peak RSS, CPU and whether both found the same findings.

Run it with bench/run.sh (which builds the release binary first)."""
import argparse
import collections
import asyncio
import datetime
import json
import multiprocessing as mp
import os
import platform
import shlex
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import org as orgmod  # noqa: E402
import sim  # noqa: E402


# ---- TLS material -------------------------------------------------------------

def make_tls(d):
    """A throwaway CA and a server certificate for 127.0.0.1 / localhost."""
    import ipaddress
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.datetime.now(datetime.timezone.utc)

    def name(cn):
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("certsweep bench CA"))
          .issuer_name(name("certsweep bench CA")).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(hours=1))
          .not_valid_after(now + datetime.timedelta(days=2))
          .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
          .add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False),
                         critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (x509.CertificateBuilder().subject_name(name("127.0.0.1")).issuer_name(ca.subject)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .add_extension(x509.SubjectAlternativeName([
                x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]),
                critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]),
                           critical=False)
            .sign(ca_key, hashes.SHA256()))
    paths = {k: os.path.join(d, k + ".pem") for k in ("ca", "cert", "key")}
    with open(paths["ca"], "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(paths["cert"], "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(paths["key"], "wb") as f:
        f.write(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                  serialization.NoEncryption()))
    return paths


# ---- the simulator's self-test --------------------------------------------------

def selftest_client(port, cafile, requests, conns, seconds, result):
    """Keep-alive TLS connections sending real DescribeCertificate requests
    (marked to skip the latency) for `seconds`; result.value = answers."""
    async def one(ctx, reqs, stop, count):
        r, w = await asyncio.open_connection("127.0.0.1", port, ssl=ctx)
        i = 0
        while time.monotonic() < stop:
            w.write(reqs[i % len(reqs)])
            i += 1
            head = await r.readuntil(b"\r\n\r\n")
            n = 0
            for line in head.split(b"\r\n"):
                if line[:15].lower() == b"content-length:":
                    n = int(line[15:])
            await r.readexactly(n)
            count[0] += 1
        w.close()

    async def main():
        ctx = ssl.create_default_context(cafile=cafile)
        stop = time.monotonic() + seconds
        count = [0]
        await asyncio.gather(*(one(ctx, requests[k::conns] or requests, stop, count)
                               for k in range(conns)))
        result.value = count[0]
    asyncio.run(main())


def selftest_requests(o, limit=4000):
    reqs = []
    for a in o.accounts:
        for r in o.regions:
            for c in o.certificates(a, r)[:2]:
                body = json.dumps({"CertificateArn": c["CertificateArn"]}).encode()
                reqs.append(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: bench-selftest\r\n"
                            b"X-Amz-Target: CertificateManager.DescribeCertificate\r\n"
                            b"Content-Type: application/x-amz-json-1.1\r\nx-bench-selftest: 1\r\n"
                            b"Authorization: AWS4-HMAC-SHA256 Credential=ASIA%sBNCH/20260101/%s/acm/"
                            b"aws4_request, SignedHeaders=host, Signature=0\r\n"
                            b"Content-Length: %d\r\n\r\n%s" % (a.encode(), r.encode(), len(body), body))
                if len(reqs) >= limit:
                    return reqs
    return reqs


def measure_capacity(simu, o, cafile, seconds=3.0):
    """Served requests per second of simulator CPU, times the cores its
    workers can use: the request rate at which the simulator's workers
    would be saturated."""
    reqs = selftest_requests(o)
    if not reqs:
        return None
    ctx = mp.get_context("fork")
    nclients = 2
    results = [ctx.Value("q", 0) for _ in range(nclients)]
    cpu0 = simu.cpu_seconds()
    t0 = time.monotonic()
    procs = [ctx.Process(target=selftest_client, args=(simu.port, cafile, reqs[k::nclients] or reqs,
                                                       16, seconds, results[k]))
             for k in range(nclients)]
    for p in procs:
        p.start()
    for p in procs:
        p.join()
    wall = time.monotonic() - t0
    cpu = simu.cpu_seconds() - cpu0
    n = sum(r.value for r in results)
    cores = min(simu.workers, os.cpu_count() or 1)
    per_req = cpu / n if n else float("inf")
    time.sleep(1.2)   # let the buckets the self-test touched refill
    return {"requests": n, "wall": wall, "client_rate": n / wall if wall else 0,
            "cpu_per_request_us": per_req * 1e6, "cores": cores,
            "capacity": cores / per_req if n else 0}


# ---- running one scanner --------------------------------------------------------

class Sampler(threading.Thread):
    """Samples the simulator's counters and CPU every half second."""

    def __init__(self, simu):
        super().__init__(daemon=True)
        self.simu = simu
        self.stop_ev = threading.Event()
        self.peak_rate = 0.0
        self.peak_cpu = 0.0

    def total(self):
        return sum(v[0] for v in self.simu.shared.totals().values())

    def run(self):
        n0, c0, t0 = self.total(), self.simu.cpu_seconds(), time.monotonic()
        while not self.stop_ev.wait(0.5):
            n1, c1, t1 = self.total(), self.simu.cpu_seconds(), time.monotonic()
            dt = t1 - t0
            if dt > 0:
                self.peak_rate = max(self.peak_rate, (n1 - n0) / dt)
                self.peak_cpu = max(self.peak_cpu, (c1 - c0) / dt)
            n0, c0, t0 = n1, c1, t1


class PeakRSS(threading.Thread):
    """The process's own peak RSS (VmHWM of /proc/PID/status), read every
    20 ms while it runs.  Not ru_maxrss from wait4(): Linux carries the
    forking process's high-water mark across exec into it, so a scanner
    started from this (large) Python process would be charged this
    process's memory.  VmHWM only grows: what is missed is growth in the
    last 20 ms before exit."""

    def __init__(self, pid):
        super().__init__(daemon=True)
        self.pid = pid
        self.kib = 0
        self.stop_ev = threading.Event()

    def read(self):
        try:
            with open("/proc/%d/status" % self.pid) as f:
                for line in f:
                    if line.startswith("VmHWM:"):
                        self.kib = max(self.kib, int(line.split()[1]))
        except (OSError, ValueError):
            pass

    def run(self):
        while not self.stop_ev.wait(0.02):
            self.read()


def run_measured(argv, env, timeout, log):
    """Runs argv; returns (rc, wall, rusage of that child, peak RSS KiB)."""
    t0 = time.monotonic()
    with open(log, "wb") as lf:
        p = subprocess.Popen(argv, env=env, stdout=lf, stderr=subprocess.STDOUT)
        peak = PeakRSS(p.pid)
        peak.start()
        killer = threading.Timer(timeout, p.kill)
        killer.start()
        try:
            _, status, ru = os.wait4(p.pid, 0)
        finally:
            killer.cancel()
            peak.stop_ev.set()
            peak.join()
        p.returncode = os.waitstatus_to_exitcode(status)
    return p.returncode, time.monotonic() - t0, ru, peak.kib


def base_env(tmp, o):
    home = tempfile.mkdtemp(prefix="home-", dir=tmp)
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", "HOME": home,
        "STATE_DIRECTORY": os.path.join(home, "state"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "AKIA%sBNCH" % o.management,
        "AWS_SECRET_ACCESS_KEY": "bench-caller-secret-not-real",
    }


def scanner_run(name, argv, env, simu, timeout, log):
    before = simu.shared.totals()
    cpu0 = simu.cpu_seconds()
    sampler = Sampler(simu)
    sampler.start()
    rc, wall, ru, peak_kib = run_measured(argv, env, timeout, log)
    sampler.stop_ev.set()
    sampler.join()
    after = simu.shared.totals()
    cls = "certsweep" if name == "certsweep" else "boto3"
    d = [after[cls][i] - before[cls][i] for i in range(4)]
    return {"name": name, "rc": rc, "wall": wall, "cpu": ru.ru_utime + ru.ru_stime,
            "rss_mib": peak_kib / 1024.0, "sim_requests": d[0], "sim_throttled": d[1],
            "sim_describes": d[3],
            "sim_errors": d[2], "peak_rate": sampler.peak_rate, "peak_sim_cpu": sampler.peak_cpu,
            "sim_cpu": simu.cpu_seconds() - cpu0, "log": log}


def run_certsweep(a, o, simu, tls, tmp, env, run=1):
    """One certsweep scan; run 2 reuses run 1's env, so its state database
    (STATE_DIRECTORY) and the detail cache in it."""
    conf = os.path.join(tmp, "certsweep.conf")
    with open(conf, "w") as f:
        f.write("[aws]\nca_bundle = %s\nendpoint_url = https://127.0.0.1:%d\n\n"
                "[securityhub]\nenabled = false\n" % (tls["ca"], simu.port))
        if a.no_tags:
            f.write("\n[scan]\ntags = false\n")
    report = os.path.join(tmp, "certsweep-report-%d.json" % run)
    argv = shlex.split((a.certsweep_wrapper or "").replace("{run}", str(run))) + [
        a.certsweep, "scan", "--config", conf, "--format", "json", "--output", report,
        "--fail-on", "none", "-q"] + a.certsweep_arg
    for kv in a.certsweep_env:
        k, _, v = kv.partition("=")
        env = dict(env, **{k: v})
    r = scanner_run("certsweep", argv, env, simu, a.certsweep_time_limit,
                    os.path.join(tmp, "certsweep-%d.log" % run))
    r["run"] = run
    r["label"] = "certsweep" + ("" if not a.certsweep_arg else " " + " ".join(a.certsweep_arg))
    if a.second_run:
        r["label"] += " (first run)" if run == 1 else " (second run, same state)"
    try:
        with open(report) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        r["error"] = "no JSON report (%s); exit %s; see %s" % (e, r["rc"], r["log"])
        return r
    st = doc.get("stats", {})
    r.update(api_calls=st.get("api_calls"), retries=st.get("retries"), throttled=st.get("throttled"),
             describes=st.get("describes"), describes_saved=st.get("describes_saved"),
             cache_hits=st.get("detail_cache_hits"),
             gaps=len(doc.get("coverage_gaps", [])),
             gap_keys={(g.get("account_id"), g.get("region")) for g in doc.get("coverage_gaps", [])},
             gap_kinds=sorted(collections.Counter(
                 "%s %s" % (g.get("operation"), g.get("error_code"))
                 for g in doc.get("coverage_gaps", [])).items()),
             findings={(f["rule"], f["account_id"], f["region"], f["resource_id"],
                        f["severity"].lower()) for f in doc.get("findings", [])},
             complete=True)
    return r


def run_peer(a, o, simu, tls, tmp):
    out = os.path.join(tmp, "peer-report.json")
    argv = [sys.executable, os.path.join(HERE, "peer_boto3.py"), "--endpoint",
            "https://127.0.0.1:%d" % simu.port, "--ca-bundle", tls["ca"], "--threads",
            str(a.peer_threads), "--output", out]
    if a.peer_time_limit:
        argv += ["--time-limit", str(a.peer_time_limit)]
    r = scanner_run("peer", argv, base_env(tmp, o), simu, (a.peer_time_limit or 36000) + 600,
                    os.path.join(tmp, "peer.log"))
    r["label"] = "boto3 peer (%d threads, adaptive)" % a.peer_threads
    try:
        with open(out) as f:
            doc = json.load(f)
    except (OSError, ValueError) as e:
        r["error"] = "no peer report (%s); exit %s; see %s" % (e, r["rc"], r["log"])
        return r
    st, pr = doc["stats"], doc["progress"]
    r.update(api_calls=st["api_calls"], retries=st["retries"], throttled=None, gaps=st["errors"],
             first_errors=st.get("first_errors"),
             findings={(f["rule"], f["account_id"], f["region"], f["resource_id"], f["severity"])
                       for f in doc["findings"]},
             complete=pr["complete"], done=[tuple(x) for x in pr["account_regions_done"]],
             total_ar=pr["account_regions_total"], peer_seconds=pr["seconds"])
    if not r["complete"] and pr["account_regions_total"]:
        frac = len(r["done"]) / pr["account_regions_total"]
        r["fraction"] = frac
        r["projected_wall"] = r["wall"] / frac if frac else None
    return r


# ---- report ------------------------------------------------------------------------

# certsweep's assumed Organizations rate (aws/rates.c, organizations:requests).
ORG_ASSUMED_RATE = 10.0


def expected_findings(o):
    """The findings the generated organization should produce, judged with
    the peer's rules (peer_boto3.py mirrors scanner/rules.c) on the
    organization's own data, without any network."""
    import peer_boto3
    now = int(time.time())
    out = []
    for (a, r) in o.counts:
        for c in o.certificates(a, r):
            peer_boto3.judge_acm(c, a, r, now, out)
        for cc in o.client_certificates(a, r):
            peer_boto3.judge_expiry("client-certificate-rotation", a, r, cc["clientCertificateId"],
                                    cc["expirationDate"], now, out)
    for a in o.accounts:
        for m in o.server_certificates(a):
            peer_boto3.judge_expiry("iam-server-certificate", a, "global",
                                    m["ServerCertificateName"], m["Expiration"], now, out)
    return set(out)


def against_expected(r, expected):
    """How a scanner's findings compare with the expected ones (on the
    account-regions it read: not those it reported as gaps, and for a capped
    peer only those it finished)."""
    if "findings" not in r:
        return "n/a"
    got, want = r["findings"], expected
    if not r.get("complete", True):
        done = set(r.get("done", []))
        want = {f for f in want if f[2] == "global" or (f[1], f[2]) in done}
    gaps = r.get("gap_keys") or set()
    if gaps:
        want = {f for f in want if (f[1], f[2]) not in gaps}
    if got == want:
        return "all %d expected" % len(want)
    return "%d missing, %d unexpected of %d expected" % (len(want - got), len(got - want), len(want))


def compare(cs, peer):
    """'yes' / 'NO (...)' / 'n/a'; on a capped peer run, on the account-regions it
    finished.  Where certsweep reported coverage gaps, also on the
    account-regions it read in full."""
    if "findings" not in cs or "findings" not in peer:
        return "n/a"
    a, b = cs["findings"], peer["findings"]
    scope = ""
    if not peer.get("complete"):
        done = set(peer.get("done", []))
        a = {f for f in a if f[2] == "global" or (f[1], f[2]) in done}
        b = {f for f in b if f[2] == "global" or (f[1], f[2]) in done}
        scope = " on the %d account-regions the peer finished" % len(done)
    if a == b:
        return "yes (%d findings%s)" % (len(a), scope)
    out = "NO (%d only certsweep, %d only peer%s" % (len(a - b), len(b - a), scope)
    gaps = cs.get("gap_keys") or set()
    if gaps:
        a2 = {f for f in a if (f[1], f[2]) not in gaps}
        b2 = {f for f in b if (f[1], f[2]) not in gaps}
        out += "; certsweep left %d account-regions with coverage gaps; on the others: %s" % (
            len(gaps), "same %d findings" % len(a2) if a2 == b2 else
            "%d only certsweep, %d only peer" % (len(a2 - b2), len(b2 - a2)))
    return out + ")"


def second_same(first, second):
    """Whether the second run found exactly the first run's findings."""
    if "findings" not in first or "findings" not in second:
        return "n/a"
    a, b = first["findings"], second["findings"]
    if a == b:
        return "as the first run (%d)" % len(b)
    return "NOT as the first run (%d only first, %d only second)" % (len(a - b), len(b - a))


def fmt(v, spec="%s"):
    return "-" if v is None else spec % v


def print_table(rows, lb):
    hdr = ["scanner", "wall s", "x bound", "API calls", "describes", "throttled", "retries",
           "peak RSS MiB", "CPU s", "findings", "same findings"]
    lines = []
    for r in rows:
        wall = r["wall"]
        wall_s = "%.1f" % wall
        ratio = "%.2f" % (wall / lb)
        if r.get("projected_wall"):
            wall_s = "%.1f (capped; %.0f%% done; projected %.0f)" % (
                wall, 100 * r["fraction"], r["projected_wall"])
            ratio = "%.1f (projected)" % (r["projected_wall"] / lb)
        lines.append([r["label"], wall_s, ratio, fmt(r.get("sim_requests")),
                      fmt(r.get("sim_describes")), fmt(r.get("sim_throttled")), fmt(r.get("retries")), "%.1f" % r["rss_mib"],
                      "%.1f" % r["cpu"], fmt(len(r["findings"]) if "findings" in r else None),
                      r.get("same", "-")])
    widths = [max(len(h), *(len(l[i]) for l in lines)) for i, h in enumerate(hdr)]
    out = ["| " + " | ".join(h.ljust(w) for h, w in zip(hdr, widths)) + " |",
           "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    for l in lines:
        out.append("| " + " | ".join(c.ljust(w) for c, w in zip(l, widths)) + " |")
    print("\n".join(out))


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def git_head():
    try:
        return subprocess.run(["git", "-C", HERE, "log", "-1", "--format=%h %s"], capture_output=True,
                              text=True, timeout=10).stdout.strip()[:100]
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--accounts", type=int, default=1000)
    ap.add_argument("--regions", type=int, default=17)
    ap.add_argument("--latency-ms", type=float, default=40.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--scenario", choices=["issue7", "issue14"],
                    help="issue7: 12 accounts x 4 regions, one account-region with 100 "
                         "certificates, 257 in all; issue14: the same, every certificate "
                         "imported (as issue 7 measured it)")
    ap.add_argument("--smoke", action="store_true", help="20 accounts x 2 regions, short self-test")
    ap.add_argument("--workers", type=int, default=0, help="simulator processes (default: cores)")
    ap.add_argument("--certsweep", default=os.path.join(os.path.dirname(HERE), "build-release",
                                                         "src", "certsweep"))
    ap.add_argument("--certsweep-arg", action="append", default=[],
                    help="extra argument for certsweep scan (repeatable)")
    ap.add_argument("--certsweep-wrapper", metavar="CMD",
                    help="run certsweep under CMD (e.g. 'heaptrack -o /tmp/h-{run}': {run} is the "
                         "run's number, 1 or 2); the peak RSS shown is then CMD's, not certsweep's")
    ap.add_argument("--certsweep-env", metavar="NAME=VALUE", action="append", default=[],
                    help="set NAME=VALUE in certsweep's environment (repeatable), e.g. "
                         "MALLOC_ARENA_MAX=2")
    ap.add_argument("--certsweep-time-limit", type=float, default=3600)
    ap.add_argument("--peer-threads", type=int, default=32)
    ap.add_argument("--peer-time-limit", type=float, default=900,
                    help="stop the peer after S seconds and project its time (0: no limit)")
    ap.add_argument("--no-peer", action="store_true")
    ap.add_argument("--no-tags", action="store_true",
                    help="certsweep with [scan] tags = false: no tag calls, the work the "
                         "peer and issue 7's lower bound count")
    ap.add_argument("--second-run", action="store_true",
                    help="scan with certsweep twice, the second time with the first run's state "
                         "database (its DescribeCertificate cache) and nothing changed")
    ap.add_argument("--json", help="also write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--trace", metavar="DIR",
                    help="the simulator writes one line per request to DIR/trace-<worker>.tsv "
                         "(monotonic time, client, account, region, service, operation, throttled)")
    a = ap.parse_args()
    if a.smoke:
        a.accounts, a.regions = 20, 2
    if not os.access(a.certsweep, os.X_OK):
        print("bench: %s is not an executable — build it: meson setup build-release "
              "-Dbuildtype=release && meson compile -C build-release" % a.certsweep, file=sys.stderr)
        return 2
    try:
        o = orgmod.Org(a.accounts, a.regions, a.seed, a.scenario, now=time.time())
    except ValueError as e:
        print("bench: %s" % e, file=sys.stderr)
        return 2
    tmp = tempfile.mkdtemp(prefix="certsweep-bench-")
    tls = make_tls(tmp)
    lat = a.latency_ms / 1000.0
    print("machine: %d cores (nproc), %s; %s UTC" % (os.cpu_count() or 0, cpu_model(),
          datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")))
    print("certsweep: %s (commit %s)" % (a.certsweep, git_head()))
    print("organization: %d accounts x %d regions, seed %d%s; %d ACM certificates "
          "(largest account-region %d), %d API Gateway client certificates, %d IAM server "
          "certificates" % (len(o.accounts), len(o.regions), a.seed,
                            ", scenario " + a.scenario if a.scenario else "",
                            o.total_certificates(), max(o.counts.values()),
                            sum(len(o.client_certificates(x, r)) for x in o.accounts for r in o.regions),
                            sum(len(o.server_certificates(x)) for x in o.accounts)))
    if a.trace:
        os.makedirs(a.trace, exist_ok=True)
        os.environ["BENCH_TRACE"] = a.trace
    simu = sim.Simulator(o, lat, tls["cert"], tls["key"], workers=a.workers or None)
    rows = []
    try:
        print("simulator: https://127.0.0.1:%d, %d worker processes, latency %.0f ms, answers "
              "precomputed in %.1f s" % (simu.port, simu.workers, a.latency_ms, simu.build_seconds),
              flush=True)
        time.sleep(0.5)
        cap = measure_capacity(simu, o, tls["ca"], seconds=1.0 if a.smoke else 3.0)
        capacity = cap["capacity"] if cap else None
        if cap:
            print("simulator self-test: %d requests in %.1f s (%.0f req/s, bound by the Python "
                  "test client); %.0f us of simulator CPU per request -> capacity about %.0f req/s "
                  "on %d cores" % (cap["requests"], cap["wall"], cap["client_rate"],
                                   cap["cpu_per_request_us"], capacity, cap["cores"]))
        org_bound, where, min_req = o.lower_bound(lat)
        bound = org_bound
        print("lower bound: %.2f s from account %s region %s (%d certificates at 10 "
              "DescribeCertificate/s after a bucket of 10, plus the round trips before it)"
              % (org_bound, where[0], where[1], where[2]))
        if capacity:
            cap_bound = min_req / capacity
            print("             %d requests at least / %.0f req/s simulator capacity = %.2f s"
                  % (min_req, capacity, cap_bound))
            if cap_bound > org_bound:
                bound = cap_bound
                print("             the simulator's capacity is the tighter limit: the bound is %.2f s"
                      % bound)
        expected = expected_findings(o)
        tags_bound = None
        if not a.no_tags:
            # Tags of findings (issue 11): one Organizations ListTagsForResource per
            # account with a finding, in the same lane as the listing
            # (ListAccounts) and the OU walk (ListRoots, one
            # ListOrganizationalUnitsForParent, ListAccountsForParent pages),
            # paced at certsweep's assumed Organizations rate (aws/rates.c:
            # AWS publishes none; the simulator allows 20/s).
            tag_accounts = len({f[1] for f in expected})
            pages = -(-len(o.accounts) // orgmod.ORG_PAGE)
            org_calls = 2 * pages + 2 + tag_accounts
            tags_bound = org_calls / ORG_ASSUMED_RATE
            print("with tags: %d accounts with findings -> %d Organizations calls (listing, OU walk, "
                  "account tags) at certsweep's assumed %.0f/s = %.2f s at least"
                  % (tag_accounts, org_calls, ORG_ASSUMED_RATE, tags_bound))
        print("", flush=True)
        env = base_env(tmp, o)
        cs = run_certsweep(a, o, simu, tls, tmp, env)
        rows.append(cs)
        print("certsweep finished: exit %s, %.1f s%s" % (cs["rc"], cs["wall"],
              "" if "error" not in cs else " — " + cs["error"]), flush=True)
        if a.second_run:
            cs2 = run_certsweep(a, o, simu, tls, tmp, env, run=2)
            rows.append(cs2)
            print("certsweep second run finished: exit %s, %.1f s%s" % (cs2["rc"], cs2["wall"],
                  "" if "error" not in cs2 else " — " + cs2["error"]), flush=True)
            cs2["same"] = second_same(cs, cs2)
        if not a.no_peer:
            peer = run_peer(a, o, simu, tls, tmp)
            rows.append(peer)
            print("peer finished: exit %s, %.1f s%s" % (peer["rc"], peer["wall"],
                  "" if "error" not in peer else " — " + peer["error"]), flush=True)
            same = compare(cs, peer)
            cs["same"] = peer["same"] = same
            if a.second_run:
                cs2["same"] = "%s; against the peer: %s" % (cs2["same"], compare(cs2, peer))
        for r in rows:
            r["vs_expected"] = against_expected(r, expected)
        print("")
        print_table(rows, bound)
        print("")
        print("lower bound %.2f s; API calls and throttled as counted by the simulator; "
              "retries as each scanner reports them" % bound)
        for r in rows:
            notes = []
            if r["name"] == "certsweep" and tags_bound and tags_bound > bound:
                notes.append("%.2fx the bound with tags (%.2f s)" % (r["wall"] / tags_bound, tags_bound))
            if r["name"] == "certsweep" and "api_calls" in r:
                notes.append("its own stats: %s API calls, %s retries, %s throttled, %s coverage gaps; "
                             "%s DescribeCertificate calls, %s certificates judged from their summary, "
                             "%s from a cached describe"
                             % (r["api_calls"], r["retries"], r["throttled"], r["gaps"],
                                r["describes"], r["describes_saved"], r["cache_hits"]))
                if r["gaps"]:
                    notes.append("coverage gaps by operation and error: %s"
                                 % ", ".join("%s x%d" % kv for kv in r["gap_kinds"]))
            notes.append("findings against those the generated organization should give: %s%s"
                         % (r["vs_expected"], " (outside its coverage gaps)" if r.get("gap_keys") else ""))
            if r["name"] == "peer" and r.get("gaps"):
                notes.append("%d calls failed after retries, e.g. %s" % (r["gaps"], r["first_errors"][:2]))
            if capacity:
                notes.append("peak %.0f req/s served (%.0f%% of capacity), simulator CPU peak %.2f "
                             "cores, %.1f CPU s in all" % (r["peak_rate"], 100 * r["peak_rate"] / capacity,
                                                           r["peak_sim_cpu"], r["sim_cpu"]))
                if r["peak_rate"] >= 0.8 * capacity or r["peak_sim_cpu"] >= 0.8 * cap["cores"]:
                    notes.append("NEAR THE SIMULATOR'S CAPACITY: this run may be bound by the simulator")
            print("%s: %s" % (r["label"], "; ".join(notes)))
        if a.json:
            with open(a.json, "w") as f:
                json.dump({"bound": bound, "org_bound": org_bound, "capacity": cap,
                           "rows": [{k: (v if not isinstance(v, set) else len(v)) for k, v in r.items()
                                     if k not in ("done", "gap_keys")} for r in rows]}, f, indent=1, default=str)
    finally:
        simu.stop()
        if not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print("kept %s" % tmp)
    failed = [r for r in rows if "error" in r]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
