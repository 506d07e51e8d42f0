#!/usr/bin/env python3
"""Labels against earlier runs (scanner/resolve.h), through the real binary
against moto: new, unchanged, escalated, and resolved only when the source
was read in full in this run; a what-if run records nothing."""
import os
import sqlite3
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from test_securityhub import MGMT, Org, SCAN_REGION  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1")


class LabelTest(harness.MotoCase):
    def setUp(self):
        import tempfile
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-labels-")
        self.state = os.path.join(self.tmp, "state")
        self.org = o = Org(self.moto)
        self.arn = {
            "a1-euw1": o.import_cert(o.a1, "eu-west-1", days=20),
            "a2-euw1": o.import_cert(o.a2, "eu-west-1", days=40),
        }
        o.iam_cert(o.a2, "legacy-lb")

    def scan(self, *args, collectors="acm, iam", rc=0):
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = %s\ncollectors = %s\n"
                    "fail_on = none\n[state]\ndir = %s\n"
                    % (SCAN_REGION, ", ".join(REGIONS), collectors, self.state))
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"]
                        + list(args), env, timeout=300)
        self.assertEqual(r.rc, rc, r)
        return r.json()

    def labels(self, doc):
        return {f["resource_id"]: f.get("label") for f in doc["findings"]}

    def rows(self):
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        try:
            return sorted(db.execute("SELECT id, status, severity, first_seen FROM findings"))
        finally:
            db.close()

    def res(self, key):
        return self.arn[key].rsplit("/", 1)[1]

    def test_new_unchanged_escalated_resolved(self):
        o = self.org
        doc = self.scan()
        first = self.labels(doc)
        self.assertEqual(set(first.values()), {"new"}, doc["findings"])
        self.assertIn(self.res("a1-euw1"), first)
        self.assertIn(self.res("a2-euw1"), first)
        self.assertIn("legacy-lb", first)
        self.assertNotIn("resolved", doc)

        doc = self.scan()
        self.assertEqual(set(self.labels(doc).values()), {"unchanged"})

        # a1's certificate is renewed, a2's moves from 40 to 20 days (MEDIUM
        # -> HIGH): resolved and escalated.
        o.import_cert(o.a1, "eu-west-1", days=300, arn=self.arn["a1-euw1"])
        o.import_cert(o.a2, "eu-west-1", days=20, arn=self.arn["a2-euw1"])
        doc = self.scan()
        labels = self.labels(doc)
        self.assertNotIn(self.res("a1-euw1"), labels)
        self.assertEqual(labels[self.res("a2-euw1")], "escalated")
        esc = [f for f in doc["findings"] if f["resource_id"] == self.res("a2-euw1")][0]
        self.assertEqual(esc["previous_severity"], "MEDIUM")
        self.assertEqual(esc["severity"], "HIGH")
        self.assertEqual([f["resource_id"] for f in doc["resolved"]], [self.res("a1-euw1")])
        self.assertEqual(doc["resolved"][0]["label"], "resolved")
        statuses = {status for _, status, _, _ in self.rows()}
        self.assertEqual(statuses, {"open", "resolved"})

    def test_not_read_is_not_resolved(self):
        o = self.org
        self.scan()
        # The certificate is renewed, but this run does not read ACM: its
        # finding must stay open, and IAM's (read) stays unchanged.
        o.import_cert(o.a1, "eu-west-1", days=300, arn=self.arn["a1-euw1"])
        doc = self.scan(collectors="iam")
        self.assertNotIn("resolved", doc)
        self.assertEqual(self.labels(doc), {"legacy-lb": "unchanged"})
        self.assertEqual({s for _, s, _, _ in self.rows()}, {"open"})
        # Read again: now it is resolved.
        doc = self.scan()
        self.assertEqual([f["resource_id"] for f in doc["resolved"]], [self.res("a1-euw1")])

    def test_disabled_rule_resolves_nothing_of_its_own(self):
        self.scan()
        conf_rows = self.rows()
        env_rule = "expiring"
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = %s\ncollectors = acm, iam\n"
                    "fail_on = none\n[rules]\ndisabled_rules = %s\n[state]\ndir = %s\n"
                    % (SCAN_REGION, ", ".join(REGIONS), env_rule, self.state))
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"],
                        env, timeout=300)
        self.assertEqual(r.rc, 0, r)
        doc = r.json()
        self.assertNotIn("resolved", doc)
        self.assertEqual({s for _, s, _, _ in self.rows()}, {"open"})
        self.assertEqual(len(self.rows()), len(conf_rows))

    def test_what_if_records_nothing(self):
        self.scan()
        before = self.rows()
        # 400 days on: everything has expired, different findings and ids.
        doc = self.scan("--as-of", "2027-12-31")
        self.assertTrue(doc["findings"])
        self.assertNotIn("resolved", doc)
        self.assertEqual(self.rows(), before)
        doc = self.scan()
        self.assertEqual(set(self.labels(doc).values()), {"unchanged"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
