"""certsweep scan when AWS Organizations refuses ListAccounts.

tests/doubles/fault_double.py (org-error mode; 127.0.0.1, in front of moto) answers
every Organizations call with AccessDeniedException, as AWS does for a
caller without organizations:ListAccounts.  The scan falls back to the
caller's own account but says so with an account-wide coverage gap, so the
run is partial (exit 3): other accounts of the organization went unseen.
AWSOrganizationsNotInUseException (no organization at all) stays a plain
warning: test_scan.py's NoOrganizationTest.
"""
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import seed_demo  # noqa: E402
from scanlib import start_double  # noqa: E402

ACCT = harness.MOTO_DEFAULT_ACCOUNT
REGION = "us-east-1"


class OrganizationDeniedTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = harness.start_moto()
        try:
            cls.proxy = start_double("fault_double.py", cls.moto, "--modes", json.dumps(
                {"org-error": {"code": "AccessDeniedException"}}))
        except Exception:
            cls.moto.stop()
            raise
        cls.as_of = seed_demo.default_as_of()
        now = seed_demo.epoch_of(cls.as_of) - 10 * seed_demo.DAY
        # Far from expiry: no finding, so the exit status is the gap's.
        body, key = seed_demo.make_cert("caller.example.com", now - 86400, now + 300 * 86400)
        cls.arn = harness.boto_client(cls.moto, "acm", REGION).import_certificate(
            Certificate=body, PrivateKey=key)["CertificateArn"]
        cls.home = tempfile.mkdtemp(prefix="certsweep-orgdeny-home-")

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.moto.stop()

    def test_refused_listing_scans_the_caller_and_is_a_gap(self):
        config = os.path.join(self.home, "certsweep.conf")
        with open(config, "w") as f:
            f.write("[scan]\ncollectors = acm, iam\n[securityhub]\nenabled = false\n"
                    "[state]\ndir = %s\n" % os.path.join(self.home, "state"))
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home, extra=dict(
            harness.env_credentials(), AWS_ENDPOINT_URL_ORGANIZATIONS=self.proxy.url,
            CERTSWEEP_CONFIG=config))
        r = harness.run(["scan", "--regions", REGION, "--format", "json", "--as-of", self.as_of],
                        env)
        self.assertEqual(r.rc, 3, r)
        doc = r.json()
        self.assertEqual(doc["findings"], [], r)
        self.assertEqual(len(doc["coverage_gaps"]), 1, doc["coverage_gaps"])
        g = doc["coverage_gaps"][0]
        self.assertEqual((g["account_id"], g["region"], g["operation"], g["error_code"]),
                         (ACCT, "*", "ListAccounts", "AccessDeniedException"), g)
        self.assertTrue(g["message"].startswith("cannot list the organization's accounts ("), g)
        self.assertTrue(g["message"].endswith("); scanned only the caller's account"), g)
        # The caller's account itself was scanned: its certificate was read.
        self.assertEqual(doc["stats"]["accounts"], 1, r)
        self.assertEqual(doc["stats"]["certificates"], 1, r)
        # Said once on stderr, in the account/region/operation form.
        said = [ln for ln in r.err.splitlines() if "cannot list the organization's accounts" in ln]
        self.assertEqual(len(said), 1, r.err)
        self.assertIn("%s/*/ListAccounts: AccessDeniedException" % ACCT, said[0])


if __name__ == "__main__":
    harness.main()
