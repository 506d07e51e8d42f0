"""certsweep scan with the transport limits of the config file:
[aws] retry_budget = 0 disables retries and [aws] timeout_seconds sets the
timeout of one request (their help in config/options.c says so).

ACM is answered by tests/doubles/aws_double.py on 127.0.0.1 (always 503,
or 3 s late); everything else by moto.  No organization: the caller's
account is scanned, in two regions, ACM only.
"""
import os
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import scanlib  # noqa: E402

ACCT = harness.MOTO_DEFAULT_ACCOUNT
REGIONS = ("us-east-1", "eu-west-1")
UNAVAILABLE = {"status": 503, "json": {"__type": "ServiceUnavailable", "message": "try later"}}
LIST = "CertificateManager.ListCertificates"


class ScanLimitsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.servers = []
        try:
            cls.moto = harness.start_moto()
            cls.servers.append(cls.moto)
            port = harness.free_port()
            cls.acm = harness.Server([sys.executable, os.path.join(scanlib.DOUBLES, "aws_double.py"),
                                      "--port", str(port)], port, name="aws_double")
            cls.servers.append(cls.acm)
        except Exception:
            cls.tearDownClass()
            raise
        cls.home = tempfile.mkdtemp(prefix="certsweep-limits-home-")

    @classmethod
    def tearDownClass(cls):
        for s in reversed(getattr(cls, "servers", [])):
            s.stop()

    def run_scan(self, aws_section, *steps, regions=REGIONS, args=(), scan_section=""):
        """Scans with `aws_section` as [aws]; the ACM double answers `steps`."""
        scanlib.double_post(self.acm, "/__double/program", {"steps": list(steps)})
        config = os.path.join(self.home, "certsweep.conf")
        with open(config, "w") as f:
            f.write("[aws]\n%s\n[scan]\ncollectors = acm\n%s\n[securityhub]\nenabled = false\n"
                    "[state]\ndir = %s\n" % (aws_section, scan_section,
                                             os.path.join(self.home, "state")))
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home, extra=dict(
            harness.env_credentials(session_token=True), AWS_ENDPOINT_URL_ACM=self.acm.url,
            CERTSWEEP_CONFIG=config))
        t0 = time.monotonic()
        r = harness.run(["scan", "--regions", ",".join(regions), "--format", "json"] + list(args),
                        env, timeout=180)
        r.elapsed = time.monotonic() - t0
        return r

    def scan(self, aws_section, *steps):
        """A scan whose ACM calls all fail: exit 3, the gaps, no finding;
        returns the result, its JSON report and the ListCertificates the
        double received."""
        r = self.run_scan(aws_section, *steps)
        self.assertEqual(r.rc, 3, r)
        doc = r.json()
        self.assertEqual(doc["findings"], [], r)
        lists = [q for q in scanlib.double_get(self.acm, "/__double/requests")["requests"]
                 if q["target"] == LIST]
        return r, doc, lists

    def list_gaps(self, doc):
        return {g["region"]: g for g in doc["coverage_gaps"] if g["operation"] == "ListCertificates"}

    def test_retry_budget_zero_sends_each_request_once(self):
        r, doc, lists = self.scan("retry_budget = 0\nmax_attempts = 5", UNAVAILABLE)
        self.assertEqual(len(lists), len(REGIONS), lists)       # one per region, no retry
        self.assertEqual(doc["stats"]["retries"], 0, r)
        gaps = self.list_gaps(doc)
        self.assertEqual(sorted(gaps), sorted(REGIONS), doc["coverage_gaps"])
        self.assertEqual(len(doc["coverage_gaps"]), len(REGIONS), doc["coverage_gaps"])
        for region, g in gaps.items():
            self.assertEqual(g["account_id"], ACCT)
            self.assertEqual(g["error_code"], "ServiceUnavailable", g)
            self.assertEqual(g["message"], "try later", g)   # the answer, not "budget exhausted"
            self.assertIn("%s/%s/ListCertificates: ServiceUnavailable" % (ACCT, region), r.err)
        # Control: with the default budget the same answers are retried up
        # to max_attempts.
        r, doc, lists = self.scan("max_attempts = 3", UNAVAILABLE)
        self.assertEqual(len(lists), 3 * len(REGIONS), lists)
        self.assertEqual(doc["stats"]["retries"], 2 * len(REGIONS), r)
        for g in self.list_gaps(doc).values():
            self.assertIn("gave up after 3 attempts", g["message"])

    def test_timeout_seconds_is_the_per_request_timeout(self):
        late = {"status": 200, "json": {"CertificateSummaryList": []}, "sleep": 3}
        r, doc, lists = self.scan("timeout_seconds = 1\nretry_budget = 0", late)
        # Each region's request was sent (none waited behind another) and
        # given up after about a second, not after the answer came.
        self.assertEqual(len(lists), len(REGIONS), lists)
        self.assertLess(r.elapsed, 2.9, r)
        gaps = self.list_gaps(doc)
        self.assertEqual(sorted(gaps), sorted(REGIONS), doc["coverage_gaps"])
        for g in gaps.values():
            self.assertEqual(g["error_code"], "Timeout", g)
            self.assertIn("timed out after 1", g["message"], g)
        # Control: with the default timeout the late answers are read.
        r = self.run_scan("retry_budget = 0", late)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json()["coverage_gaps"], [], r)
        self.assertGreaterEqual(r.elapsed, 3, r)

    def test_accounts_are_entered_as_targets_drain(self):
        """Memory follows the targets in flight: a large organization's
        accounts are not all assumed (and their targets queued) up front; a
        new account is entered only while fewer targets wait for their ACM
        stage than 8 x concurrency."""
        regions = ("us-east-1", "eu-west-1", "us-west-2", "eu-central-1")
        accounts = ["%012d" % (100000000000 + i) for i in range(60)]
        r = self.run_scan("retry_budget = 0", dict(UNAVAILABLE, sleep=0.05), regions=regions,
                          args=["-v", "--accounts", ",".join(accounts)],
                          scan_section="concurrency = 4")
        self.assertEqual(r.rc, 3, r)
        self.assertEqual(len(r.json()["coverage_gaps"]), len(accounts) * len(regions), r)
        # stderr in event order: "assume-role:<id>: assumed ..." when an
        # account is entered, one ListCertificates gap line when a target
        # ends.  When the last account is entered fewer than 32 targets
        # (8 x concurrency) wait for their ACM stage, at most 32 are in it
        # and at most 7 other accounts (8 are prepared at once) have not
        # queued theirs yet: every other target has ended.
        lines = r.err.splitlines()
        assumed = [i for i, ln in enumerate(lines) if ": assumed arn:" in ln]
        self.assertEqual(len(assumed), len(accounts), r)
        done = sum(1 for ln in lines[:assumed[-1]] if "/ListCertificates: ServiceUnavailable" in ln)
        self.assertGreaterEqual(done, (len(accounts) - 1 - 7) * len(regions) - 32 - 31,
                                r.err[-3000:])


if __name__ == "__main__":
    harness.main()
