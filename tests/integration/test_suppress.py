#!/usr/bin/env python3
"""Suppressions through the real binary against moto: a current entry
silences its finding (exit status, report marking), an expired one does
not and is reported, an entry that matched nothing is reported, and
check-config validates the file."""
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from test_securityhub import Org, SCAN_REGION  # noqa: E402


class SuppressTest(harness.MotoCase):
    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-supp-")
        self.org = o = Org(self.moto)
        self.arn = o.import_cert(o.a1, "eu-west-1", days=20)     # HIGH expiring

    def scan(self, entries):
        supp = os.path.join(self.tmp, "suppressions.ini")
        with open(supp, "w") as f:
            f.write(entries)
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = eu-west-1\ncollectors = acm\n"
                    "fail_on = high\nsuppressions = %s\n[state]\ndir = %s\n"
                    % (SCAN_REGION, supp, os.path.join(self.tmp, "state")))
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"],
                        env, timeout=300)
        return r, conf, env

    def entry(self, name, expires, resource=None):
        return ("[suppress %s]\naccount = %s\nrule = expiring\nresource = %s\n"
                "reason = migrating to a new ALB (SEC-42)\nexpires = %s\n"
                % (name, self.org.a1, resource or self.arn.rsplit("/", 1)[0] + "/*", expires))

    def test_current_entry_silences(self):
        r, conf, env = self.scan(self.entry("alb", "2099-01-01")
                                 + self.entry("nothing", "2099-01-01", "arn:aws:acm:*:*:certificate/none"))
        self.assertEqual(r.rc, 0, r)            # the only HIGH finding is suppressed
        doc = r.json()
        f = [x for x in doc["findings"] if x["resource_arn"] == self.arn][0]
        self.assertEqual(f["suppressed"]["by"], "alb")
        self.assertEqual(f["suppressed"]["reason"], "migrating to a new ALB (SEC-42)")
        self.assertTrue(f["suppressed"]["until"].startswith("2099-01-02"), f)
        self.assertIn("[suppress nothing] matched no finding in this run", r.err)
        self.assertNotIn("[suppress alb]", r.err)
        c = harness.run(["check-config", "--config", conf], env)
        self.assertEqual(c.rc, 0, c)

    def test_expired_entry_does_not_apply(self):
        r, _, _ = self.scan(self.entry("alb", "2020-01-01"))
        self.assertEqual(r.rc, 1, r)
        f = [x for x in r.json()["findings"] if x["resource_arn"] == self.arn][0]
        self.assertNotIn("suppressed", f)
        self.assertIn("[suppress alb] expired on 2020-01-01 and no longer applies", r.err)

    def test_report_filters(self):
        """--severity / --rule choose what the report shows and the exit
        status counts; the state still records every finding."""
        medium = self.org.import_cert(self.org.a1, "eu-west-1", days=40)
        _, conf, env = self.scan("")

        def run(*args):
            return harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"]
                               + list(args), env, timeout=300)
        r = run("--severity", "high")
        self.assertEqual(r.rc, 1, r)
        self.assertEqual([f["resource_arn"] for f in r.json()["findings"]], [self.arn])
        r = run("--severity", "medium,low")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual([f["resource_arn"] for f in r.json()["findings"]], [medium])
        r = run("--rule", "expired")
        self.assertEqual((r.rc, r.json()["findings"]), (0, []))
        # The unfiltered findings were all labelled and recorded: none is new.
        r = run()
        self.assertEqual({f["label"] for f in r.json()["findings"]}, {"unchanged"})
        r = run("--rule", "expird")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--rule: 'expird' is not a rule \u2014 did you mean 'expired'?", r.err)
        r = run("--severity", "urgent")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--severity: 'urgent' is not a severity", r.err)

    def test_bad_file_is_a_config_error(self):
        r, conf, env = self.scan("[suppress x]\nrule = expird\n")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("suppressions.ini:2: rule 'expird' names no rule \u2014 did you mean "
                      "'expired'?", r.err)
        c = harness.run(["check-config", "--config", conf], env)
        self.assertEqual(c.rc, 2, c)
        self.assertIn("suppressions.ini:1: [suppress x] has no reason", c.err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
