#!/usr/bin/env python3
"""The benchmark's machinery works end to end (bench/): the simulated AWS
serves a generated organization over TLS with AWS's throttling errors,
certsweep and the boto3 peer both finish against it, their findings agree,
and the table prints.  Nothing here asserts a duration."""
import json
import os
import subprocess
import sys
import tempfile
import time
import unittest

import harness

BENCH = os.path.join(harness.SRCDIR, "bench")
sys.path.insert(0, BENCH)
import org as orgmod  # noqa: E402
import run as benchrun  # noqa: E402
import sim  # noqa: E402


class Organization(unittest.TestCase):
    def test_issue7_scenario(self):
        o = orgmod.Org(scenario="issue7")
        self.assertEqual((len(o.accounts), len(o.regions)), (12, 4))
        self.assertEqual(o.total_certificates(), 257)
        self.assertEqual(sorted(o.counts.values())[-2:], [4, 100])

    def test_issue14_scenario_is_issue7_imported(self):
        a = orgmod.Org(scenario="issue7", now=0)
        o = orgmod.Org(scenario="issue14", now=0)
        self.assertEqual(o.counts, a.counts)
        certs = [c for k in o.counts for c in o.certificates(*k)]
        self.assertEqual(len(certs), 257)
        self.assertEqual({c["Type"] for c in certs}, {"IMPORTED"})
        self.assertEqual(o.lower_bound(0.04)[0], a.lower_bound(0.04)[0])

    def test_deterministic_heavy_tail(self):
        a = orgmod.Org(200, 17, seed=7, now=0)
        b = orgmod.Org(200, 17, seed=7, now=0)
        self.assertEqual(a.counts, b.counts)
        k = max(a.counts, key=a.counts.get)
        self.assertEqual(a.certificates(*k), b.certificates(*k))
        small = sum(1 for n in a.counts.values() if n <= 3)
        self.assertGreater(small, 0.8 * len(a.counts))
        self.assertGreater(max(a.counts.values()), 20)

    def test_lower_bound_is_the_slowest_account_region(self):
        o = orgmod.Org(scenario="issue7", now=0)
        bound, where, _ = o.lower_bound(0.04)
        self.assertEqual(where[2], 100)
        # 90 certificates past the bucket of 10 at 10/s, plus round trips.
        self.assertGreater(bound, 9.0)
        self.assertLess(bound, 9.5)


class Throttling(unittest.TestCase):
    """The simulator answers an empty bucket with AWS's own errors, which
    botocore recognises."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="bench-test-")
        cls.tls = benchrun.make_tls(cls.tmp)
        cls.org = orgmod.Org(scenario="issue7", now=time.time())
        cls.sim = sim.Simulator(cls.org, 0.0, cls.tls["cert"], cls.tls["key"], workers=2)

    @classmethod
    def tearDownClass(cls):
        cls.sim.stop()

    def client(self, service, region, account):
        import boto3
        from botocore.config import Config
        return boto3.client(service, region_name=region, verify=self.tls["ca"],
                            endpoint_url="https://127.0.0.1:%d" % self.sim.port,
                            aws_access_key_id="ASIA%sBNCH" % account, aws_secret_access_key="x",
                            aws_session_token="y", config=Config(retries={"total_max_attempts": 1},
                                                         max_pool_connections=16))

    def burst(self, call, n):
        """n calls from 16 threads at once (a loaded machine makes one
        thread too slow to empty a bucket)."""
        import concurrent.futures
        from botocore.exceptions import ClientError

        def one(_):
            try:
                call()
                return "ok"
            except ClientError as e:
                return (e.response["ResponseMetadata"]["HTTPStatusCode"], e.response["Error"]["Code"])
        with concurrent.futures.ThreadPoolExecutor(16) as pool:
            return list(pool.map(one, range(n)))

    def test_acm_describe_throttled_past_10(self):
        (a, r), n = max(self.org.counts.items(), key=lambda kv: kv[1])
        arn = self.org.certificates(a, r)[0]["CertificateArn"]
        acm = self.client("acm", r, a)
        codes = self.burst(lambda: acm.describe_certificate(CertificateArn=arn), 40)
        self.assertGreaterEqual(codes.count("ok"), 10)
        self.assertIn((400, "ThrottlingException"), codes)
        self.assertEqual(set(codes) - {"ok", (400, "ThrottlingException")}, set())

    def test_acm_list_pages_and_key_filter(self):
        (a, r), n = max(self.org.counts.items(), key=lambda kv: kv[1])
        acm = self.client("acm", r, a)
        arns, token, pages = [], None, 0
        kt = ["RSA_1024", "RSA_2048", "EC_prime256v1"]
        while True:
            kw = {"MaxItems": 30, "Includes": {"keyTypes": kt}}
            if token:
                kw["NextToken"] = token
            page = acm.list_certificates(**kw)
            pages += 1
            arns += [c["CertificateArn"] for c in page["CertificateSummaryList"]]
            token = page.get("NextToken")
            if not token:
                break
            time.sleep(0.15)   # stay under ListCertificates' 8/s
        self.assertEqual(pages, 4)
        self.assertEqual(sorted(arns), sorted(c["CertificateArn"] for c in self.org.certificates(a, r)))

    def test_acm_list_sends_full_summaries(self):
        # The fields certsweep's read-less path judges from (Status, Type,
        # KeyAlgorithm, RenewalEligibility, InUse, NotAfter, CreatedAt) are
        # in every summary, as botocore parses them, equal to the describe's.
        (a, r), n = max(self.org.counts.items(), key=lambda kv: kv[1])
        acm = self.client("acm", r, a)
        page = acm.list_certificates(MaxItems=1000, Includes={"keyTypes": [
            "RSA_1024", "RSA_2048", "EC_prime256v1", "EC_secp384r1"]})
        certs = {c["CertificateArn"]: c for c in self.org.certificates(a, r)}
        self.assertEqual(len(page["CertificateSummaryList"]), len(certs))
        issued = 0
        for sm in page["CertificateSummaryList"]:
            c = certs[sm["CertificateArn"]]
            for k in ("Status", "Type", "KeyAlgorithm", "RenewalEligibility"):
                self.assertEqual(sm[k], c[k], k)
            self.assertEqual(sm["InUse"], bool(c["InUseBy"]))
            self.assertEqual(int(sm["CreatedAt"].timestamp()), c["CreatedAt"])
            if "NotAfter" in c:
                issued += 1
                self.assertEqual(int(sm["NotAfter"].timestamp()), c["NotAfter"])
            else:
                self.assertNotIn("NotAfter", sm)
        self.assertGreater(issued, 0)

    def test_apigateway_429(self):
        a, r = self.org.accounts[3], self.org.regions[1]
        gw = self.client("apigateway", r, a)
        codes = self.burst(lambda: gw.get_client_certificates(limit=500), 100)
        self.assertGreaterEqual(codes.count("ok"), 40)
        self.assertIn((429, "TooManyRequestsException"), codes)


class Measures(unittest.TestCase):
    def test_peak_rss_is_the_scanners_own(self):
        # A small process started from a large one: its peak RSS is its own
        # (wait4's ru_maxrss would carry the parent's 256 MiB across exec).
        big = bytearray(256 * 1024 * 1024)
        for i in range(0, len(big), 4096):
            big[i] = 1
        log = os.path.join(tempfile.mkdtemp(prefix="bench-rss-"), "child.log")
        rc, wall, ru, kib = benchrun.run_measured(
            [sys.executable, "-c", "import time; time.sleep(0.5)"], dict(os.environ), 60, log)
        self.assertEqual(rc, 0)
        self.assertGreater(kib, 1024)
        self.assertLess(kib, 128 * 1024, "peak RSS of the parent, not the child's")
        del big


class EndToEnd(unittest.TestCase):
    def test_smoke(self):
        out = os.path.join(tempfile.mkdtemp(prefix="bench-test-"), "bench.json")
        p = subprocess.run([sys.executable, os.path.join(BENCH, "run.py"), "--smoke",
                            "--second-run", "--certsweep", harness.CERTSWEEP, "--json", out],
                           capture_output=True, text=True, timeout=540)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn("| scanner ", p.stdout)
        self.assertIn("lower bound:", p.stdout)
        self.assertIn("simulator self-test:", p.stdout)
        with open(out) as f:
            doc = json.load(f)
        self.assertGreater(doc["capacity"]["requests"], 0)
        rows = {(r["name"], r.get("run")): r for r in doc["rows"]}
        cs, cs2, peer = rows[("certsweep", 1)], rows[("certsweep", 2)], rows[("peer", None)]
        for r in (cs, peer):
            self.assertNotIn("error", r)
            self.assertEqual(r["rc"], 0, r)
            self.assertGreater(r["findings"], 0)
            self.assertGreater(r["sim_requests"], 0)
            self.assertGreater(r["rss_mib"], 0)
            # Both against the findings the generated organization should give.
            self.assertTrue(r["vs_expected"].startswith("all "), r["vs_expected"])
        self.assertTrue(peer["complete"])
        self.assertEqual(cs["gaps"], 0)
        self.assertGreaterEqual(cs["sim_requests"], cs["api_calls"])
        self.assertTrue(cs["same"].startswith("yes"), cs["same"])
        self.assertEqual(cs["findings"], peer["findings"])
        # The second run, with the first run's state and nothing changed:
        # the same findings, fewer DescribeCertificate calls (only those
        # whose detail can change without the summary), the rest from the
        # cache; the simulator counted the same describes certsweep did.
        self.assertEqual(cs2["rc"], 0, cs2)
        self.assertTrue(cs2["same"].startswith("as the first run"), cs2["same"])
        self.assertEqual(cs2["findings"], cs["findings"])
        self.assertEqual(cs["sim_describes"], cs["describes"])
        self.assertEqual(cs2["sim_describes"], cs2["describes"])
        self.assertGreater(cs["describes"], 0)
        self.assertLess(cs2["describes"], cs["describes"])
        self.assertGreater(cs2["cache_hits"], 0)
        self.assertGreater(cs["describes_saved"], 0)
        self.assertIn("(second run, same state)", p.stdout)


if __name__ == "__main__":
    harness.main()
