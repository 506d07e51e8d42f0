#!/usr/bin/env python3
"""Reading less (issue 14), through the real binary against moto: a run
that judges ACM certificates from their ListCertificates summaries (and
describes only what a rule needs, reusing the describes cached in the
state) gives the same findings, field by field, as `[scan] describe = all`;
a second run with nothing changed describes nothing; after one certificate
is re-imported, it describes that one; a summary that lacks a field an
enabled rule decides on is described (through tests/doubles/acm_double.py,
which drops members from moto's summaries)."""
import functools
import os
import sqlite3
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import scanlib  # noqa: E402
import seed_demo  # noqa: E402
from test_securityhub import DAY, Org, SCAN_REGION  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1")
# Findings keys that depend on the state a run reads, not on what it judged.
LABEL_KEYS = ("label", "previous_severity", "first_seen")


class ReadLessTest(harness.MotoCase):
    DOUBLES = {"acm_double": "acm_double.py"}

    @classmethod
    def setUpClass(cls):
        # Amazon-issued requests are ISSUED at once (moto waits 60 s by default).
        os.environ["MOTO_ACM_VALIDATION_WAIT"] = "0"
        super().setUpClass()

    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-readless-")
        self.org = o = Org(self.moto)
        weak = seed_demo.make_cert("weak.example.com", o.now - 30 * DAY, o.now + 300 * DAY,
                                   key="rsa1024")
        self.arn = {
            # expiring in 20 days: a finding, so it is described
            "expiring": o.import_cert(o.a1, "eu-west-1", days=20),
            # healthy and imported: judged from its summary
            "healthy": o.import_cert(o.a2, "eu-west-1", days=300),
            "healthy2": o.import_cert(o.a1, "us-east-1", days=300),
            # a 1024-bit key: weak-key finding, described
            "weak": o.client(o.a2, "acm", "us-east-1").import_certificate(
                Certificate=weak[0], PrivateKey=weak[1])["CertificateArn"],
            # Amazon-issued: its transparency-logging option is detail only
            "amazon": o.client(o.a2, "acm", "eu-west-1").request_certificate(
                DomainName="www.example.com", ValidationMethod="DNS")["CertificateArn"],
        }
        # NotAfter is a whole number of days after o.now: a scan started in
        # that same second counts one day more than a later one.  Start
        # every scan after it, so runs compared count the same days.
        while int(time.time()) <= o.now:
            time.sleep(0.05)

    def scan(self, state, describe=None, rules="", summary_drop=None, as_of=None):
        """summary_drop: scan through the ACM double, which removes these
        members from every ListCertificates summary.  as_of: judge at that
        instant."""
        conf = os.path.join(self.tmp, "certsweep-%s.conf" % os.path.basename(state))
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = %s\ncollectors = acm\n"
                    "fail_on = none\n%s[rules]\n%s[state]\ndir = %s\n"
                    % (SCAN_REGION, ", ".join(REGIONS),
                       "describe = %s\n" % describe if describe else "", rules, state))
        extra = dict(harness.env_credentials())
        if summary_drop is not None:
            scanlib.double_post(self.acm_double, "/_double/state", {"summary_drop": summary_drop})
            extra["AWS_ENDPOINT_URL_ACM"] = self.acm_double.url
        env = harness.clean_env(endpoint_url=self.moto.url, extra=extra, home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"]
                        + (["--as-of", as_of] if as_of else []), env, timeout=300)
        self.assertEqual(r.rc, 0, r)
        doc = r.json()
        self.assertEqual(doc["stats"]["coverage_gaps"], 0, doc)
        return doc

    def findings(self, doc):
        out = []
        for f in doc["findings"]:
            out.append({k: v for k, v in f.items() if k not in LABEL_KEYS})
        return sorted(out, key=lambda f: f["id"])

    def assertSameFindings(self, a, b):
        fa, fb = self.findings(a), self.findings(b)
        self.assertEqual([f["id"] for f in fa], [f["id"] for f in fb])
        for x, y in zip(fa, fb):
            self.assertEqual(x, y)      # title, details, details_json, everything

    def test_same_findings_fewer_describes(self):
        all_state = os.path.join(self.tmp, "state-all")
        less_state = os.path.join(self.tmp, "state-less")
        full = self.scan(all_state, describe="all")
        st = full["stats"]
        self.assertEqual(st["certificates"], 5)
        self.assertEqual(st["describes"], 5, st)
        self.assertEqual(st["describes_saved"], 0, st)
        rules = sorted(f["rule"] for f in full["findings"])
        self.assertEqual(rules, ["expiring", "weak-key"], full["findings"])

        less = self.scan(less_state)
        st = less["stats"]
        self.assertSameFindings(full, less)
        self.assertEqual(st["certificates"], 5)
        # expiring, weak and amazon (its CT option) are described; the two
        # healthy imported ones are judged from their summaries.
        self.assertEqual(st["describes"], 3, st)
        self.assertEqual(st["describes_saved"], 2, st)
        self.assertEqual(st["detail_cache_hits"], 0, st)
        self.assertEqual(full["stats"]["api_calls"] - st["api_calls"], 2, (full["stats"], st))
        db = sqlite3.connect(os.path.join(less_state, "certsweep.db"))
        try:
            cached = sorted(r[0] for r in db.execute("SELECT arn FROM acm_details"))
        finally:
            db.close()
        self.assertEqual(cached, sorted([self.arn["expiring"], self.arn["weak"],
                                         self.arn["amazon"]]))

        # Nothing changed: no describe at all, same findings.
        again = self.scan(less_state)
        st = again["stats"]
        self.assertSameFindings(full, again)
        self.assertEqual(st["describes"], 0, st)
        self.assertEqual(st["describes_saved"], 2, st)
        self.assertEqual(st["detail_cache_hits"], 3, st)
        db = sqlite3.connect(os.path.join(less_state, "certsweep.db"))
        try:
            counts = db.execute("SELECT counts FROM runs ORDER BY id DESC LIMIT 1").fetchone()[0]
        finally:
            db.close()
        self.assertIn('"describes":0,"describes_saved":2,"detail_cache_hits":3', counts)

        # One certificate re-imported (a renewal moving it to 25 days): its
        # summary changed, so it alone is described.
        o = self.org
        o.import_cert(o.a1, "eu-west-1", days=25, arn=self.arn["expiring"])
        changed = self.scan(less_state)
        st = changed["stats"]
        self.assertEqual(st["describes"], 1, st)
        self.assertEqual(st["detail_cache_hits"], 2, st)
        full = self.scan(all_state, describe="all")
        self.assertSameFindings(full, changed)
        exp = [f for f in changed["findings"] if f["rule"] == "expiring"][0]
        self.assertIn(exp["days_to_expiry"], (24, 25), exp)     # the re-imported NotAfter

    def test_summary_missing_a_field_is_described(self):
        # One instant for every run compared: days to expiry cannot change.
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.org.now + 600))
        scan = functools.partial(self.scan, as_of=at)
        full = scan(os.path.join(self.tmp, "state-all"), describe="all")
        # The double changes nothing by itself: three describes, as above.
        st = scan(os.path.join(self.tmp, "state-same"), summary_drop=[])["stats"]
        self.assertEqual((st["describes"], st["describes_saved"]), (3, 2), st)
        # No NotAfter in the summaries: every certificate is described, and
        # the findings are the same.
        doc = scan(os.path.join(self.tmp, "state-notafter"), summary_drop=["NotAfter"])
        self.assertSameFindings(full, doc)
        st = doc["stats"]
        self.assertEqual((st["describes"], st["describes_saved"], st["detail_cache_hits"]),
                         (5, 0, 0), st)
        seen = scanlib.double_get(self.acm_double, "/_double/requests")
        self.assertEqual(sorted(r["arn"] for r in seen if r["op"] == "DescribeCertificate"),
                         sorted(self.arn.values()))
        # No KeyAlgorithm: weak-key decides on it, so all are described ...
        doc = scan(os.path.join(self.tmp, "state-key"), summary_drop=["KeyAlgorithm"])
        self.assertSameFindings(full, doc)
        self.assertEqual(doc["stats"]["describes"], 5, doc["stats"])
        # ... unless weak-key is off: no other rule decides on it, so the two
        # healthy certificates, and now the RSA-1024 one, are judged from
        # their summaries; expiring and amazon are described.
        rules = "disabled_rules = weak-key\n"
        full = scan(os.path.join(self.tmp, "state-all-nokey"), describe="all", rules=rules)
        doc = scan(os.path.join(self.tmp, "state-nokey"), rules=rules,
                   summary_drop=["KeyAlgorithm"])
        self.assertSameFindings(full, doc)
        st = doc["stats"]
        self.assertEqual((st["describes"], st["describes_saved"]), (2, 3), st)

    def test_stale_cache_is_described_again(self):
        state = os.path.join(self.tmp, "state")
        self.scan(state)
        db = sqlite3.connect(os.path.join(state, "certsweep.db"))
        try:
            with db:
                # Fetched eight days ago: older than detail_max_age (7 days).
                db.execute("UPDATE acm_details SET fetched_at = fetched_at - 8 * 86400"
                           " WHERE arn = ?", (self.arn["amazon"],))
        finally:
            db.close()
        st = self.scan(state)["stats"]
        self.assertEqual(st["describes"], 1, st)
        self.assertEqual(st["detail_cache_hits"], 2, st)


if __name__ == "__main__":
    harness.main()
