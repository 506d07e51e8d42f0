"""Integration test of the transport (aws/http.c, aws/client.c): the
aws_probe tool runs real signed calls through libuv + curl against the
programmable test double tests/doubles/aws_double.py on 127.0.0.1.

AWS_PROBE (set by meson) is the probe binary."""
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

PROBE = os.environ.get("AWS_PROBE", os.path.join(harness.BUILDDIR, "tests", "tools", "aws_probe"))
DOUBLE = os.path.join(harness.SRCDIR, "tests", "doubles", "aws_double.py")

AWS_ESERVICE = -8
AWS_ETOOBIG = -3
AWS_ETIMEDOUT = -4
AWS_ECANCELED = -10
AWS_EBUDGET = -14

THROTTLE = {"status": 400, "json": {"__type": "com.amazon.coral#ThrottlingException",
                                    "message": "Rate exceeded"}}
OK = {"status": 200, "json": {"CertificateSummaryList": []}}


def max_in_window(times, width):
    """The most arrival times inside any window of `width` seconds."""
    ts = sorted(times)
    best, j = 0, 0
    for i, t in enumerate(ts):
        while ts[j] <= t - width:
            j += 1
        best = max(best, i - j + 1)
    return best


class Double:
    def __init__(self, extra=(), cafile=None):
        # The test talks to the control endpoints with its own CA file.
        self.ctx = ssl.create_default_context(cafile=cafile) if cafile else None
        self.proc = subprocess.Popen([sys.executable, DOUBLE] + list(extra), stdout=subprocess.PIPE,
                                     stderr=subprocess.DEVNULL, text=True,
                                     start_new_session=True)
        line = self.proc.stdout.readline()
        if not line.startswith("PORT "):
            self.stop()
            raise RuntimeError("test double did not start: %r" % line)
        self.port = int(line.split()[1])
        self.url = "%s://127.0.0.1:%d" % ("https" if extra else "http", self.port)
        harness.wait_port(self.port, self.proc)

    def _post(self, path, doc):
        req = urllib.request.Request(self.url + path, data=json.dumps(doc).encode(),
                                     method="POST")
        urllib.request.urlopen(req, timeout=10, context=self.ctx).read()

    def program(self, *steps, paths=None):
        doc = {"steps": list(steps)}
        if paths:
            doc["paths"] = paths
        self._post("/__double/program", doc)

    def records(self):
        with urllib.request.urlopen(self.url + "/__double/requests", timeout=10,
                                    context=self.ctx) as r:
            return json.loads(r.read())

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc.stdout:
            self.proc.stdout.close()


class Run:
    def __init__(self, rc, out, err, elapsed):
        self.rc, self.out, self.err, self.elapsed = rc, out, err, elapsed
        self.results, self.stats = [], None
        for line in out.splitlines():
            d = json.loads(line)
            if "stats" in d:
                self.stats = d
            elif "err" in d:
                self.results.append(d)

    def __repr__(self):
        return "rc=%s\n--- stdout\n%s\n--- stderr\n%s" % (self.rc, self.out[-3000:], self.err[-3000:])


class TransportTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not os.path.exists(PROBE):
            raise RuntimeError("probe binary not found: %s (set AWS_PROBE)" % PROBE)
        cls.double = Double()

    @classmethod
    def tearDownClass(cls):
        cls.double.stop()

    def probe(self, *args, timeout=120, session_token=True):
        env = harness.clean_env(endpoint_url=self.double.url,
                                extra=harness.env_credentials(session_token=session_token))
        t0 = time.monotonic()
        p = subprocess.run([PROBE, "--debug"] + [str(a) for a in args], env=env,
                           capture_output=True, text=True, timeout=timeout)
        r = Run(p.returncode, p.stdout, p.stderr, time.monotonic() - t0)
        for s in harness.SECRETS:
            self.assertNotIn(s, p.stdout + p.stderr, "a secret leaked in the probe's output")
        self.assertEqual(r.rc, 0, r)          # includes uv_loop_close() == 0
        self.assertIsNotNone(r.stats, r)
        return r

    def probe_two_accounts(self, count_a, count_b, *client_args):
        """API Gateway GetClientCertificates calls of two accounts: group 0
        (account A, path /accountA), then group 1 (B, /accountB)."""
        common = ["--service", "apigateway", "--proto", "rest-json", "--method", "GET",
                  "--body", "", "--op", "GetClientCertificates"]
        return self.probe(*client_args, *common, "--path", "/accountA",
                          "--rate-key", "111111111111", "--count", count_a,
                          "--group", "--path", "/accountB", "--rate-key", "222222222222",
                          "--count", count_b)

    # (a)
    def test_throttled_twice_then_success(self):
        self.double.program(dict(THROTTLE, times=2), OK)
        r = self.probe("--count", 1, "--base-delay", 20)
        self.assertEqual(len(r.results), 1, r)
        res = r.results[0]
        self.assertEqual(res["err"], 0, r)
        self.assertEqual(res["status"], 200, r)
        self.assertEqual(res["attempts"], 3, r)
        self.assertEqual(r.stats["stats"]["retries"], 2, r)
        self.assertEqual(r.stats["stats"]["throttled"], 2, r)
        # Per service too (the metrics' certsweep_api_*_total{service}).
        self.assertEqual(r.stats["stats"]["acm_throttled"], 2, r)
        self.assertEqual(r.stats["stats"]["acm_calls"], 1, r)
        self.assertEqual(r.stats["stats"]["sts_calls"], 0, r)
        rec = self.double.records()
        self.assertEqual(rec["count_by_path"], {"/": 3})
        for q in rec["requests"]:
            self.assertTrue(q["has_authorization"])
            self.assertEqual(q["authorization_scheme"], "AWS4-HMAC-SHA256")
            self.assertTrue(q["has_date"])
            self.assertEqual(q["method"], "POST")
            self.assertEqual(q["target"], "CertificateManager.ListCertificates")
            self.assertEqual(q["content_type"], "application/x-amz-json-1.1")

    # (b)
    def test_always_throttled_gives_up_after_max_attempts(self):
        self.double.program(THROTTLE)
        r = self.probe("--count", 1, "--max-attempts", 4, "--base-delay", 10, "--no-adaptive")
        res = r.results[0]
        self.assertEqual(res["err"], AWS_ESERVICE, r)
        self.assertEqual(res["status"], 400)
        self.assertEqual(res["code"], "ThrottlingException")
        self.assertEqual(res["attempts"], 4)
        self.assertIn("Rate exceeded", res["message"])
        self.assertIn("gave up after 4 attempts", res["message"])
        self.assertEqual(self.double.records()["count_by_path"], {"/": 4})
        self.assertEqual(r.stats["stats"]["failures"], 1)

    # (c)
    def test_retry_budget_exhausted(self):
        self.double.program({"status": 503, "json": {"__type": "ServiceUnavailable",
                                                     "message": "try later"}})
        # Budget 12: two retries (5 each) fit, the third does not.
        r = self.probe("--count", 5, "--concurrency", 1, "--max-attempts", 10,
                       "--budget", 12, "--base-delay", 5, "--no-adaptive")
        self.assertEqual(len(r.results), 5, r)
        for res in r.results:
            self.assertEqual(res["err"], AWS_EBUDGET, r)
            self.assertIn("retry budget exhausted", res["message"])
            self.assertIn("ServiceUnavailable", res["message"])
            self.assertEqual(res["error"], "retry budget exhausted")
        # Which calls got the two retries depends on timing (a call in
        # backoff leaves its slot to the next one); seven attempts in all.
        attempts = [res["attempts"] for res in r.results]
        self.assertEqual(sum(attempts), 7, r)
        self.assertLessEqual(max(attempts), 3, r)
        self.assertEqual(r.stats["stats"]["retries"], 2)
        self.assertEqual(self.double.records()["count_by_path"], {"/": 7})

    # (d)
    def test_concurrency_cap_and_connection_reuse(self):
        self.double.program(dict(OK, sleep=0.05))
        # Pacing would space these calls 1/8 s apart (ListCertificates'
        # published rate); this test is about the in-flight cap.
        r = self.probe("--count", 50, "--concurrency", 10, "--rate", "acm:ListCertificates=100000")
        self.assertEqual(len(r.results), 50, r)
        self.assertTrue(all(res["err"] == 0 and res["status"] == 200 for res in r.results), r)
        self.assertEqual(sorted(res["i"] for res in r.results), list(range(50)))
        rec = self.double.records()
        self.assertEqual(rec["count_by_path"], {"/": 50})
        self.assertLessEqual(rec["max_concurrent_connections"], 10, rec["connections"])
        self.assertLessEqual(rec["max_concurrent_requests"], 10)
        self.assertGreater(rec["max_concurrent_requests"], 1, "calls did not overlap")
        # Keep-alive: connections were reused.
        self.assertLess(rec["connections"], 50)
        used = len({q["connection"] for q in rec["requests"]})
        self.assertLess(used, 50)
        # The client counts the connections it opened as the server saw them.
        self.assertEqual(r.stats["stats"]["connections"], used, r.stats)
        self.assertEqual(r.stats["stats"]["http2"], 0)       # the double speaks HTTP/1.1

    def test_first_calls_take_free_slots_before_others(self):
        # One slot: the first call takes it, five wait; a call marked first
        # (entering an account, a listing) that becomes ready after them
        # still goes next.
        self.double.program(dict(OK, sleep=0.2))
        # Each call its own rate lane (account), so that every one is
        # released at once, in the order started.
        args = ["--concurrency", 1]
        for k in range(6):
            args += ["--rate-key", "%012d" % (k + 1), "--count", 1, "--group"]
        r = self.probe(*args, "--rate-key", "000000000007", "--first", "--op",
                       "DescribeCertificate", "--target", "CertificateManager.DescribeCertificate",
                       "--count", 1)
        self.assertEqual(len(r.results), 7, r)
        targets = [q["target"] for q in self.double.records()["requests"]]
        self.assertEqual(len(targets), 7, targets)
        self.assertEqual(targets[1], "CertificateManager.DescribeCertificate", targets)

    def test_levels_take_free_slots_highest_first(self):
        # One slot, held by the first call; then one call of each level
        # becomes ready, lowest level first.  They go highest level first:
        # entering an account (3), a paced lane's long backlog (2), a
        # listing (1), the rest (0).
        self.double.program(dict(OK, sleep=0.2))
        args = ["--concurrency", 1, "--rate-key", "000000000001", "--count", 1]
        ops = {0: "GetCertificate", 1: "ListCertificates", 2: "DescribeCertificate",
               3: "ListTagsForCertificate"}
        for k, level in enumerate((0, 1, 2, 3)):
            args += ["--group", "--rate-key", "%012d" % (k + 2), "--level", level,
                     "--op", ops[level], "--target", "CertificateManager." + ops[level]]
        r = self.probe(*args)
        self.assertEqual(len(r.results), 5, r)
        targets = [q["target"].split(".")[1] for q in self.double.records()["requests"]]
        self.assertEqual(targets[1:], [ops[3], ops[2], ops[1], ops[0]], targets)

    def test_in_flight_cap_is_not_cut_by_connections_per_host(self):
        # Every call goes to one host here (as one region's ACM does, or a
        # proxy): the in-flight cap, not curl's connections per host (8
        # until the bench found a scan going no faster than 8 calls per
        # round trip), bounds how many are on the wire at once.
        self.double.program(dict(OK, sleep=0.3))
        r = self.probe("--count", 24, "--concurrency", 24, "--rate", "acm:ListCertificates=100000")
        self.assertEqual(len(r.results), 24, r)
        self.assertTrue(all(res["err"] == 0 for res in r.results), r)
        rec = self.double.records()
        self.assertGreater(rec["max_concurrent_requests"], 16, rec["connections"])
        self.assertLessEqual(rec["max_concurrent_requests"], 24)

    # (e)
    def test_response_over_cap(self):
        self.double.program({"status": 200, "body_size": 200000})
        r = self.probe("--count", 1, "--max-response", 1000)
        res = r.results[0]
        self.assertEqual(res["err"], AWS_ETOOBIG, r)
        self.assertIn("cap", res["message"])
        self.assertEqual(res["attempts"], 1)     # not retried
        self.assertEqual(res["body_len"], 0)
        self.assertEqual(self.double.records()["count_by_path"], {"/": 1})

    # (f)
    def test_timeout(self):
        self.double.program(dict(OK, sleep=3))
        r = self.probe("--count", 1, "--timeout", 400, "--max-attempts", 2,
                       "--base-delay", 10, "--no-adaptive")
        res = r.results[0]
        self.assertEqual(res["err"], AWS_ETIMEDOUT, r)
        self.assertEqual(res["error"], "timed out")
        self.assertIn("gave up after 2 attempts", res["message"])
        self.assertEqual(res["attempts"], 2)
        self.assertLess(r.elapsed, 5.5, "timeouts were not applied")
        self.assertEqual(self.double.records()["count_by_path"], {"/": 2})

    def test_no_retries_reports_the_answer_itself(self):
        """A negative budget (retry_budget = 0 in the config) disables
        retries: each call is sent once and fails with its own error, not
        with an exhausted retry budget."""
        self.double.program({"status": 503, "json": {"__type": "ServiceUnavailable",
                                                     "message": "try later"}})
        r = self.probe("--count", 3, "--budget", -1, "--base-delay", 5, "--no-adaptive")
        self.assertEqual(len(r.results), 3, r)
        for res in r.results:
            self.assertEqual(res["err"], AWS_ESERVICE, r)
            self.assertEqual(res["code"], "ServiceUnavailable", r)
            self.assertEqual(res["message"], "try later", r)
            self.assertEqual(res["attempts"], 1, r)
        self.assertEqual(r.stats["stats"]["retries"], 0, r)
        self.assertEqual(self.double.records()["count_by_path"], {"/": 3})

    def test_concurrent_timeouts_over_plain_http_are_all_sent(self):
        """Calls started together to one plain-http host are all sent at
        once: none waits for the first one's answer (and times out unsent)."""
        self.double.program(dict(OK, sleep=3))
        r = self.probe("--count", 4, "--concurrency", 4, "--timeout", 1000, "--budget", -1,
                       "--no-adaptive")
        self.assertEqual(len(r.results), 4, r)
        for res in r.results:
            self.assertEqual(res["err"], AWS_ETIMEDOUT, r)
            self.assertEqual(res["attempts"], 1, r)
            self.assertIn("timed out", res["message"], r)
        rec = self.double.records()
        self.assertEqual(rec["count_by_path"], {"/": 4}, rec["count_by_path"])
        self.assertEqual(rec["max_concurrent_requests"], 4)
        self.assertLess(r.elapsed, 2.9, "a timeout was not applied")

    # (g)
    def test_retry_after_honoured(self):
        self.double.program({"status": 503, "headers": {"Retry-After": "1"},
                             "json": {"__type": "ServiceUnavailable"}}, OK)
        r = self.probe("--count", 1, "--base-delay", 1, "--no-adaptive")
        res = r.results[0]
        self.assertEqual(res["err"], 0, r)
        self.assertEqual(res["attempts"], 2)
        reqs = self.double.records()["requests"]
        self.assertEqual(len(reqs), 2)
        gap = reqs[1]["t"] - reqs[0]["t"]
        self.assertGreaterEqual(gap, 0.9, "Retry-After: 1 not honoured (gap %.3fs)" % gap)
        self.assertLess(gap, 15)

    def test_paced_per_operation_at_published_rates(self):
        """One account-region's calls are paced per operation at the rates
        AWS publishes (ACM: ListCertificates 8/s, DescribeCertificate 10/s,
        burst 1), from the first call on, in two lanes that do not wait for
        each other."""
        self.double.program(OK)
        r = self.probe("--count", 16, "--concurrency", 32,
                       "--group", "--op", "DescribeCertificate",
                       "--target", "CertificateManager.DescribeCertificate", "--count", 20)
        self.assertEqual(len(r.results), 36, r)
        self.assertTrue(all(x["err"] == 0 and x["attempts"] == 1 for x in r.results), r)
        reqs = self.double.records()["requests"]
        lists = [q["t"] for q in reqs if q["target"].endswith(".ListCertificates")]
        descs = [q["t"] for q in reqs if q["target"].endswith(".DescribeCertificate")]
        self.assertEqual((len(lists), len(descs)), (16, 20))
        # Never more than the limit plus the burst in any second, the first
        # one included.
        self.assertLessEqual(max_in_window(lists, 1.0), 8 + 1, lists)
        self.assertLessEqual(max_in_window(descs, 1.0), 10 + 1, descs)
        # Two lanes: the DescribeCertificate calls (started after every
        # ListCertificates call) did not queue behind them.
        self.assertLess(min(descs), max(lists))
        self.assertEqual(r.stats["stats"]["throttled"], 0)

    def test_throttled_key_recovers_and_releases_queued_calls(self):
        """Account A is throttled (its first 12 answers) into its minimum
        rate with 40 calls queued; once the throttling stops its rate
        recovers within seconds and the calls still queued go out at the
        published 10/s, not at the collapsed 0.5/s (which would take 60 s
        and more).  Account B's lane, meanwhile, is never slowed."""
        throttled = {"status": 400, "json": {"__type": "TooManyRequestsException",
                                             "message": "Too Many Requests"}, "times": 12}
        self.double.program(OK, paths={"/accountA": [throttled, OK], "/accountB": [OK]})
        r = self.probe_two_accounts(40, 20, "--concurrency", 32, "--max-attempts", 20,
                                    "--base-delay", 10)
        self.assertEqual(len(r.results), 60, r)
        self.assertTrue(all(x["err"] == 0 for x in r.results), r)
        self.assertEqual(r.stats["stats"]["throttled"], 12, r.stats)
        reqs = self.double.records()["requests"]
        a = [q["t"] for q in reqs if q["path"] == "/accountA"]
        b = [q["t"] for q in reqs if q["path"] == "/accountB"]
        self.assertEqual((len(a), len(b)), (52, 20))
        last_throttle = a[11]
        # Recovered within the longest ramp (8 s), then 10/s: the 40 calls
        # still queued at the last throttle are all out well within 8 s +
        # 40 / 10 s (about 7.5 s measured here; the old fixed waits took 22 s),
        # with slack for a loaded machine.
        self.assertLess(a[-1] - last_throttle, 15.0, "queued calls were not released at the recovered rate")
        # Near the end, A's calls go at the published rate (10/s), not 0.5/s.
        tail = [y - x for x, y in zip(a[-10:], a[-9:])]
        self.assertLess(sorted(tail)[len(tail) // 2], 0.5, tail)
        # B: paced at its own published rate, all done before A recovered.
        self.assertLessEqual(max_in_window(b, 1.0), 10 + 5, b)
        self.assertLess(b[-1], a[20])

    def test_throttled_account_does_not_starve_another(self):
        """A call waiting for a backoff or a rate-limit token holds no
        in-flight slot: account A, always throttled with Retry-After: 1, has
        more calls than there are slots, and account B's calls still go out
        and finish while A's are retrying."""
        throttled = {"status": 429, "headers": {"Retry-After": "1"},
                     "json": {"message": "Too Many Requests"}}
        self.double.program(OK, paths={"/accountA": [throttled], "/accountB": [OK]})
        r = self.probe_two_accounts(4, 6, "--concurrency", 2, "--max-attempts", 3,
                                    "--base-delay", 10)
        self.assertEqual(len(r.results), 10, r)
        a = [x for x in r.results if x["g"] == 0]
        b = [x for x in r.results if x["g"] == 1]
        self.assertEqual(len(a), 4, r)
        self.assertEqual(len(b), 6, r)
        for x in b:
            self.assertEqual((x["err"], x["status"], x["attempts"]), (0, 200, 1), r)
        for x in a:
            self.assertEqual((x["err"], x["status"], x["attempts"]), (AWS_ESERVICE, 429, 3), r)
        # Results come in completion order: every B call ended before the
        # first A call gave up (which takes at least two 1 s backoffs) ...
        order = [x["g"] for x in r.results]
        self.assertEqual(order, [1] * 6 + [0] * 4, r)
        rec = self.double.records()
        self.assertEqual(rec["count_by_path"], {"/accountA": 12, "/accountB": 6})
        reqs = rec["requests"]
        last_b = max(i for i, q in enumerate(reqs) if q["path"] == "/accountB")
        a_before = sum(1 for q in reqs[:last_b] if q["path"] == "/accountA")
        # ... and B's requests reached the server while A still had retries
        # to make (at most one round of A's first attempts came before).
        self.assertLessEqual(a_before, 4, [q["path"] for q in reqs])
        # The cap on requests in flight still holds.
        self.assertLessEqual(rec["max_concurrent_requests"], 2)
        # A's retries waited for Retry-After.
        ta = [q["t"] for q in reqs if q["path"] == "/accountA"]
        self.assertGreaterEqual(ta[-1] - ta[0], 1.9)

    def test_not_retried_client_error(self):
        self.double.program({"status": 400, "json": {"__type": "ValidationException",
                                                     "message": "bad input"}}, OK)
        r = self.probe("--count", 1)
        res = r.results[0]
        self.assertEqual(res["err"], AWS_ESERVICE, r)
        self.assertEqual(res["code"], "ValidationException")
        self.assertEqual(res["message"], "bad input")
        self.assertEqual(res["attempts"], 1)
        self.assertEqual(self.double.records()["count_by_path"], {"/": 1})

    def test_rest_json_and_query_requests(self):
        self.double.program(OK)
        r = self.probe("--service", "apigateway", "--proto", "rest-json", "--method", "GET",
                       "--path", "/clientcertificates", "--query", "limit=5", "--body", "",
                       "--op", "GetClientCertificates")
        self.assertEqual(r.results[0]["err"], 0, r)
        r = self.probe("--service", "iam", "--proto", "query", "--op", "ListServerCertificates",
                       "--body", "Action=ListServerCertificates&Version=2010-05-08")
        self.assertEqual(r.results[0]["err"], 0, r)
        reqs = self.double.records()["requests"]
        self.assertEqual(len(reqs), 2)
        self.assertEqual((reqs[0]["method"], reqs[0]["path"], reqs[0]["query"]),
                         ("GET", "/clientcertificates", "limit=5"))
        self.assertEqual(reqs[0]["body_len"], 0)
        self.assertEqual((reqs[1]["method"], reqs[1]["path"]), ("POST", "/"))
        self.assertEqual(reqs[1]["content_type"], "application/x-www-form-urlencoded; charset=utf-8")
        self.assertEqual(reqs[1]["body_len"], len("Action=ListServerCertificates&Version=2010-05-08"))
        self.assertTrue(all(q["has_authorization"] for q in reqs))

    def test_free_cancels_calls_in_flight(self):
        self.double.program(dict(OK, sleep=0.3))
        r = self.probe("--count", 20, "--concurrency", 3, "--cancel-after", 1)
        self.assertEqual(len(r.results), 20, r)
        ok = [x for x in r.results if x["err"] == 0]
        canceled = [x for x in r.results if x["err"] == AWS_ECANCELED]
        self.assertEqual(len(ok), 1, r)
        self.assertEqual(len(canceled), 19, r)
        self.assertEqual(r.stats["done"], 20)
        self.assertLess(r.elapsed, 5)

    def test_connection_refused_is_retried_then_reported(self):
        port = harness.free_port()   # nothing listens there
        env = harness.clean_env(endpoint_url="http://127.0.0.1:%d" % port,
                                extra=harness.env_credentials())
        p = subprocess.run([PROBE, "--count", "1", "--max-attempts", "3", "--base-delay", "5",
                            "--no-adaptive"], env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        res = json.loads(p.stdout.splitlines()[0])
        self.assertEqual(res["err"], -5)            # AWS_ECONN
        self.assertEqual(res["status"], 0)
        self.assertEqual(res["attempts"], 3)


class TlsTest(unittest.TestCase):
    """TLS verification is always on; a configured CA bundle is used."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(PROBE):
            raise RuntimeError("probe binary not found: %s (set AWS_PROBE)" % PROBE)
        openssl = shutil.which("openssl")
        if not openssl:
            raise unittest.SkipTest("openssl command not available")
        cls.dir = tempfile.mkdtemp(prefix="certsweep-tls-")
        cls.cert = os.path.join(cls.dir, "cert.pem")
        key = os.path.join(cls.dir, "key.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cls.cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        cls.double = Double(["--tls-cert", cls.cert, "--tls-key", key], cafile=cls.cert)

    @classmethod
    def tearDownClass(cls):
        cls.double.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def run_probe(self, *args):
        env = harness.clean_env(endpoint_url=self.double.url, extra=harness.env_credentials())
        env["SSL_CERT_FILE"] = "/nonexistent"    # no help from the environment
        p = subprocess.run([PROBE, "--count", "1", "--no-adaptive", "--base-delay", "5"] +
                           list(args), env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        return json.loads(p.stdout.splitlines()[0])

    def test_self_signed_rejected_without_its_ca(self):
        self.double.program(OK)
        res = self.run_probe()
        self.assertEqual(res["err"], -6, res)        # AWS_ETLS
        self.assertEqual(res["attempts"], 1)         # a bad certificate is not retried
        self.assertEqual(self.double.records()["count_by_path"], {})

    def test_ca_bundle_trusted(self):
        self.double.program(OK)
        res = self.run_probe("--ca-bundle", self.cert)
        self.assertEqual(res["err"], 0, res)
        self.assertEqual(res["status"], 200)
        self.assertEqual(self.double.records()["count_by_path"], {"/": 1})


def find_nghttpd():
    for d in (os.environ.get("PATH", "").split(os.pathsep) + ["/usr/sbin", "/usr/bin"]):
        f = os.path.join(d, "nghttpd")
        if d and os.access(f, os.X_OK):
            return f
    return None


class Http2Test(unittest.TestCase):
    """HTTP/2 over TLS against nghttpd (Debian nghttp2-server, installed by
    scripts/deps.sh): ALPN picks h2 with a self-signed certificate trusted
    through the CA bundle, and concurrent calls share one connection as
    streams."""

    @classmethod
    def setUpClass(cls):
        if not os.path.exists(PROBE):
            raise RuntimeError("probe binary not found: %s (set AWS_PROBE)" % PROBE)
        nghttpd = find_nghttpd()
        openssl = shutil.which("openssl")
        if not nghttpd or not openssl:
            raise unittest.SkipTest("nghttpd (nghttp2-server) or openssl not installed; "
                                    "scripts/deps.sh installs them")
        cls.dir = tempfile.mkdtemp(prefix="certsweep-h2-")
        cls.cert = os.path.join(cls.dir, "cert.pem")
        key = os.path.join(cls.dir, "key.pem")
        subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cls.cert, "-days", "2",
                        "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                       check=True, capture_output=True)
        docs = os.path.join(cls.dir, "htdocs")
        os.mkdir(docs)
        with open(os.path.join(docs, "clientcertificates"), "w") as f:
            f.write('{"items": []}')
        port = harness.free_port()
        # -v logs every frame with its connection id: the test counts
        # connections and streams from the server's side too.
        # --echo-upload: a POST is answered with its own body.
        cls.server = harness.Server([nghttpd, "-v", "-a", "127.0.0.1", "-d", docs,
                                     "--echo-upload", str(port), key, cls.cert],
                                    port, name="nghttpd")
        cls.url = "https://127.0.0.1:%d" % port

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    def probe(self, *args):
        env = harness.clean_env(endpoint_url=self.url, extra=harness.env_credentials())
        env["SSL_CERT_FILE"] = "/nonexistent"
        p = subprocess.run([PROBE, "--no-adaptive", "--base-delay", "5",
                            "--ca-bundle", self.cert] + [str(a) for a in args],
                           env=env, capture_output=True, text=True, timeout=120)
        r = Run(p.returncode, p.stdout, p.stderr, 0)
        self.assertEqual(r.rc, 0, r)
        self.assertIsNotNone(r.stats, r)
        return r

    def frames(self, since):
        """(connection id, direction, frame type, stream id, flags) of every
        frame nghttpd logged after offset `since` of its log."""
        out = []
        pat = re.compile(r"^\[id=(\d+)\] \[[ 0-9.]+\] (recv|send) (\w+) frame "
                         r"<length=\d+, flags=0x([0-9a-f]+), stream_id=(\d+)>")
        for line in self.server.log_text()[since:].splitlines():
            m = pat.match(line)
            if m:
                out.append((int(m.group(1)), m.group(2), m.group(3), int(m.group(5)),
                            int(m.group(4), 16)))
        return out

    def test_h2_negotiated_and_calls_multiplexed(self):
        n = 12
        # Whether two streams are open at the same moment depends on how fast
        # the client sends compared with how fast nghttpd answers (a loaded
        # machine or a sanitizer build sends slowly), so that one property
        # gets up to three runs; everything else is checked on every run.
        most = 0
        for _ in range(3):
            most = max(most, self.one_multiplexed_run(n))
            if most >= 2:
                break
        self.assertGreaterEqual(most, 2, "no two streams were ever open at once")

    def one_multiplexed_run(self, n):
        since = len(self.server.log_text())
        r = self.probe("--count", n, "--concurrency", n)
        self.assertEqual(len(r.results), n, r)
        for x in r.results:
            self.assertEqual((x["err"], x["status"]), (0, 200), r)
            self.assertEqual(x["body_len"], 2, r)      # "{}" echoed back
        st = r.stats["stats"]
        # Every answer came over HTTP/2, and the client opened one connection.
        self.assertEqual(st["http2"], n, r)
        self.assertEqual(st["attempts"], n, r)
        self.assertEqual(st["connections"], 1, r)
        # The server saw the same: every request on one connection, each on
        # its own stream ...
        fr = self.frames(since)
        reqs = [(c, sid) for c, d, t, sid, _ in fr if d == "recv" and t == "HEADERS"]
        self.assertEqual(len(reqs), n, fr)
        self.assertEqual(len({c for c, _ in reqs}), 1, reqs)
        self.assertEqual(len({sid for _, sid in reqs}), n, reqs)
        # ... and how many streams were open at the same time (a request's
        # stream counts as open from its HEADERS until the answer's
        # END_STREAM).
        open_, most = set(), 0
        for c, d, t, sid, flags in fr:
            if d == "recv" and t == "HEADERS":
                open_.add(sid)
                most = max(most, len(open_))
            elif d == "send" and t in ("HEADERS", "DATA") and flags & 0x1:
                open_.discard(sid)
        return most

    def test_rest_json_get_over_h2(self):
        r = self.probe("--service", "apigateway", "--proto", "rest-json", "--method", "GET",
                       "--path", "/clientcertificates", "--body", "", "--op",
                       "GetClientCertificates", "--count", 3, "--concurrency", 1)
        self.assertEqual([(x["err"], x["status"], x["body_len"]) for x in r.results],
                         [(0, 200, len('{"items": []}'))] * 3, r)
        # One after the other: the connection is kept and reused.
        self.assertEqual(r.stats["stats"]["http2"], 3, r)
        self.assertEqual(r.stats["stats"]["connections"], 1, r)

    def test_untrusted_certificate_refused(self):
        env = harness.clean_env(endpoint_url=self.url, extra=harness.env_credentials())
        env["SSL_CERT_FILE"] = "/nonexistent"
        p = subprocess.run([PROBE, "--count", "1", "--no-adaptive"], env=env,
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stderr)
        res = json.loads(p.stdout.splitlines()[0])
        self.assertEqual(res["err"], -6, res)        # AWS_ETLS


if __name__ == "__main__":
    harness.main()
