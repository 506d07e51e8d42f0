"""certsweep scan against moto: a seeded organization (tests/integration/
seed_demo.py), the API Gateway client-certificate double and the fault double
that denies AssumeRole into one account, all on 127.0.0.1."""
import csv
import io
import json
import os
import sys
import tempfile
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import scanlib  # noqa: E402
import seed_demo  # noqa: E402
from scanlib import start_double  # noqa: E402

EXTERNAL_ID = "ext-id-Secret-4711"


def state_config(directory, extra=""):
    """A config file keeping the state database under directory (the tests
    run as root, whose default state directory is /var/lib/certsweep)."""
    path = os.path.join(directory, "certsweep.conf")
    with open(path, "w") as f:
        f.write("[state]\ndir = %s\n%s" % (os.path.join(directory, "state"), extra))
    return path


class ScanTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.org = scanlib.SeededOrg()
        cls.servers = cls.org.servers
        cls.moto, cls.double, cls.sts_proxy = cls.org.moto, cls.org.double, cls.org.sts_proxy
        cls.seed, cls.acct = cls.org.seed, cls.org.acct
        cls.home = tempfile.mkdtemp(prefix="certsweep-scan-home-")
        cls.config = state_config(cls.home)

    @classmethod
    def tearDownClass(cls):
        for s in reversed(getattr(cls, "servers", [])):
            s.stop()

    # ---- helpers -------------------------------------------------------------
    def env(self, sts_proxy=False, extra=None):
        e = harness.env_credentials(session_token=True)
        e["AWS_ENDPOINT_URL_API_GATEWAY"] = self.double.url
        if sts_proxy:
            e["AWS_ENDPOINT_URL_STS"] = self.sts_proxy.url
        e["CERTSWEEP_CONFIG"] = self.config
        if extra:
            e.update(extra)
        return harness.clean_env(endpoint_url=self.moto.url, extra=e, home=self.home)

    def scan(self, *args, env=None, secrets=()):
        # Security Hub has its own test (test_securityhub.py).
        argv = ["scan", "--no-securityhub", "--as-of", self.seed["as_of"]] + list(args)
        return harness.run(argv, env or self.env(), timeout=180,
                           secrets=list(secrets) + [EXTERNAL_ID])

    def expected(self, accounts=None):
        exp = self.seed["expected"]
        if accounts is not None:
            ids = {self.acct[a] for a in accounts}
            exp = [e for e in exp if e["account_id"] in ids]
        return exp

    def assert_findings(self, doc, expected):
        scanlib.assert_findings(self, doc, expected, self.seed["healthy"])

    # ---- tests ---------------------------------------------------------------
    def test_every_rule_fires_on_its_certificate(self):
        r = self.scan("--regions", "us-east-1,eu-west-1", "--format", "json")
        self.assertEqual(r.rc, 1, r)          # CRITICAL findings >= --fail-on high
        doc = r.json()
        self.assertEqual(doc["schema"], "certsweep.scan/1")
        self.assert_findings(doc, self.expected())
        self.assertEqual(doc["coverage_gaps"], [], r)
        rules = {f["rule"] for f in doc["findings"]}
        for rule in ("expired", "expiring", "validation-incomplete", "transparency-logging-disabled",
                     "weak-key", "domain-certificate", "stage-client-certificate",
                     "client-certificate-rotation", "iam-server-certificate"):
            self.assertIn(rule, rules)
        st = doc["stats"]
        self.assertEqual(st["accounts"], 4)
        self.assertEqual(st["regions"], 2)
        self.assertEqual(st["account_regions"], 4 * 2 + 4)   # + IAM once per account
        self.assertGreaterEqual(st["api_calls"], 4 * (1 + 3 + 1 + 1) * 2)
        self.assertGreaterEqual(st["certificates"], 14)
        # ListCertificates must have asked for every key type: the EC and
        # RSA-1024 certificates were found (see expected), and client
        # certificates were listed page by page with a limit.
        seen = json.loads(urllib.request.urlopen(self.double.url + "/_double/requests").read())
        self.assertTrue(seen and all("limit=" in s["query"] for s in seen))

    def test_assume_role_denied_is_a_gap_and_the_rest_is_scanned(self):
        env = self.env(sts_proxy=True)
        r = self.scan("--regions", "us-east-1,eu-west-1", "--format", "json", env=env)
        doc = r.json()
        gaps = doc["coverage_gaps"]
        self.assertEqual(len(gaps), 1, r)
        g = gaps[0]
        self.assertEqual((g["account_id"], g["operation"], g["error_code"]),
                         (self.acct["prod-b"], "AssumeRole", "AccessDenied"))
        self.assertEqual(g["region"], "*")
        self.assertIn("CertSweepAudit", g["message"])
        self.assert_findings(doc, self.expected(["prod-a", "dev", "management"]))
        # Findings at or above --fail-on win over gaps: 1; without failing
        # findings a partial scan exits 3.
        self.assertEqual(r.rc, 1, r)
        r = self.scan("--regions", "us-east-1,eu-west-1", "--format", "json", "--fail-on", "none",
                      env=env)
        self.assertEqual(r.rc, 3, r)
        self.assertIn("AccessDenied", r.err)
        r = self.scan("--regions", "us-east-1", "--accounts", self.acct["management"],
                      "--format", "json", env=env)
        self.assertEqual(r.rc, 0, r)          # clean scan: nothing, no gaps
        self.assertEqual(r.json()["findings"], [])

    def test_api_denied_is_a_gap_per_operation_and_other_collectors_go_on(self):
        dev = self.acct["dev"]
        state = dict(self.seed["double_state"], deny_accounts=[dev])
        seed_demo.push_double_state(self.double.url, state)
        try:
            r = self.scan("--regions", "us-east-1,eu-west-1", "--format", "json", "--fail-on", "none")
        finally:
            seed_demo.push_double_state(self.double.url, self.seed["double_state"])
        self.assertEqual(r.rc, 3, r)
        doc = r.json()
        gaps = sorted((g["account_id"], g["region"], g["operation"], g["error_code"])
                      for g in doc["coverage_gaps"])
        self.assertEqual(gaps, sorted((dev, region, op, "AccessDeniedException")
                                      for region in ("eu-west-1", "us-east-1")
                                      for op in ("GetClientCertificates", "GetDomainNames",
                                                 "GetRestApis")))
        for g in doc["coverage_gaps"]:
            self.assertIn("apigateway:GET", g["message"])
        # dev's only finding came from API Gateway; everyone else's are there.
        self.assert_findings(doc, self.expected(["prod-a", "prod-b", "management"]))

    def test_client_certificates_are_read_page_by_page(self):
        state = json.loads(json.dumps(self.seed["double_state"]))
        certs = state["client_certificates"][self.acct["prod-a"]]["us-east-1"]
        certs.reverse()          # the certificate with findings comes on page 2
        self.assertEqual(certs[1]["clientCertificateId"], "rot8me0001")
        seed_demo.push_double_state(self.double.url, dict(state, page_size=1))
        try:
            r = self.scan("--accounts", self.acct["prod-a"], "--regions", "us-east-1", "--format", "json")
            seen = json.loads(urllib.request.urlopen(self.double.url + "/_double/requests").read())
        finally:
            seed_demo.push_double_state(self.double.url, self.seed["double_state"])
        queries = [q["query"] for q in seen]
        self.assertEqual(len(queries), 2, queries)     # two certificates, one a page
        self.assertNotIn("position=", queries[0])
        self.assertIn("position=1", queries[1])
        self.assert_findings(r.json(), [e for e in self.expected(["prod-a"])
                                        if e["region"] in ("us-east-1", "global")])

    def test_all_regions_uses_each_accounts_enabled_regions(self):
        ec2 = harness.boto_client(self.moto, "ec2")
        enabled = {x["RegionName"] for x in ec2.describe_regions(AllRegions=True)["Regions"]
                   if x.get("OptInStatus") in ("opt-in-not-required", "opted-in")}
        every = {x["RegionName"] for x in ec2.describe_regions(AllRegions=True)["Regions"]}
        self.assertLess(len(enabled), len(every))    # some regions are opt-in
        r = self.scan("--regions", "all", "--format", "json")
        doc = r.json()
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(doc["coverage_gaps"], [], r)
        self.assertEqual(doc["stats"]["regions"], len(enabled))
        self.assertEqual(doc["stats"]["account_regions"], 4 * len(enabled) + 4)
        self.assert_findings(doc, self.expected())

    def test_listed_region_not_enabled_is_one_gap_per_account(self):
        # ap-east-1 is an opt-in region that moto reports as not opted in.
        r = self.scan("--regions", "us-east-1,ap-east-1", "--format", "json", "--fail-on", "none")
        self.assertEqual(r.rc, 3, r)
        doc = r.json()
        gaps = sorted((g["account_id"], g["region"], g["operation"], g["error_code"])
                      for g in doc["coverage_gaps"])
        self.assertEqual(gaps, sorted((a, "ap-east-1", "DescribeRegions", "RegionNotEnabled")
                                      for a in self.acct.values()))
        self.assertEqual(doc["stats"]["account_regions"], 4 + 4)
        self.assert_findings(doc, [e for e in self.expected()
                                   if e["region"] in ("us-east-1", "global")])

    def test_accounts_flag_scans_only_those(self):
        r = self.scan("--accounts", self.acct["dev"], "--regions", "eu-west-1", "--format", "json")
        doc = r.json()
        self.assertEqual(doc["stats"]["accounts"], 1)
        self.assert_findings(doc, self.expected(["dev"]))
        self.assertEqual(r.rc, 1, r)

    def test_config_ou_selection_and_exclusions(self):
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("[scan]\norganizational_units = %s\nexclude_accounts = %s\n"
                    "regions = us-east-1, eu-west-1\nexternal_id = %s\nfail_on = none\n"
                    "format = json\n[state]\ndir = %s\n"
                    % (self.seed["ous"]["prod"], self.acct["prod-b"], EXTERNAL_ID,
                       os.path.join(self.home, "state")))
        r = self.scan("--config", f.name, "-v")
        os.unlink(f.name)
        self.assertEqual(r.rc, 0, r)
        doc = r.json()
        self.assertEqual(doc["stats"]["accounts"], 1)
        self.assert_findings(doc, self.expected(["prod-a"]))

    def test_table_and_csv_output(self):
        out = os.path.join(self.home, "report.txt")
        r = self.scan("--regions", "us-east-1,eu-west-1", "--output", out)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(r.out, "")
        with open(out) as f:
            table = f.read()
        for e in self.expected():
            line = [ln for ln in table.splitlines() if e["rule"] in ln and e["account_id"] in ln
                    and e["severity"] in ln]
            self.assertTrue(line, "no table row for %s" % (e,))
        self.assertIn("findings as of", table)
        r = self.scan("--regions", "us-east-1,eu-west-1", "--format", "csv", "--fail-on", "critical")
        self.assertEqual(r.rc, 1, r)
        rows = list(csv.reader(io.StringIO(r.out)))
        self.assertEqual(rows[0][:4], ["row_type", "id", "severity", "rule"])
        self.assertEqual(len(rows), 1 + len(self.expected()))
        self.assertEqual({row[0] for row in rows[1:]}, {"finding"})
        got = sorted((row[3], row[2]) for row in rows[1:])
        self.assertEqual(got, sorted((e["rule"], e["severity"]) for e in self.expected()))

    def test_usage_errors_exit_2(self):
        for args in (["--as-of", "next week"], ["--format", "xml"], ["--regions", "mars-1"],
                     ["--bogus"], ["--fail-on", "urgent"], ["--concurrency", "0"],
                     ["--config", "/nonexistent/certsweep.conf"]):
            r = harness.run(["scan"] + args, self.env())
            self.assertEqual(r.rc, 2, "%s: %r" % (args, r))
        r = harness.run(["scan", "--help"], self.env())
        self.assertEqual(r.rc, 0)
        self.assertIn("--fail-on", r.out)

    def test_no_credentials_exit_4(self):
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home,
                                extra={"CERTSWEEP_CONFIG": self.config})
        r = harness.run(["scan", "--no-securityhub", "--regions", "us-east-1"], env)
        self.assertEqual(r.rc, 4, r)
        self.assertIn("credentials", r.err)


class NoOrganizationTest(unittest.TestCase):
    """Without an organization the caller's own account is scanned, with one
    warning line.  (A refused ListAccounts also adds a coverage gap:
    test_scan_org_denied.py.)"""

    @classmethod
    def setUpClass(cls):
        os.environ["MOTO_ACM_VALIDATION_WAIT"] = "100000"
        cls.moto = harness.start_moto()
        try:
            # Real AWS answers AWSOrganizationsNotInUseException (moto lists
            # no account instead): the proxy answers as AWS does.
            cls.proxy = start_double("fault_double.py", cls.moto, "--modes", json.dumps(
                {"org-error": {"code": "AWSOrganizationsNotInUseException"}}))
        except Exception:
            cls.moto.stop()
            raise
        now = seed_demo.epoch_of(seed_demo.default_as_of()) - 10 * seed_demo.DAY
        body, key = seed_demo.make_cert("solo.example.com", now - 86400, now + 12 * 86400)
        harness.boto_client(cls.moto, "acm").import_certificate(Certificate=body, PrivateKey=key)

    @classmethod
    def tearDownClass(cls):
        cls.proxy.stop()
        cls.moto.stop()

    def scan(self, extra):
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials(), **extra))
        # moto has no client certificates (a 404 would be a coverage gap).
        with tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False) as f:
            f.write("[scan]\ncollectors = acm, apigatewayv2, iam\n[state]\ndir = %s\n"
                    % tempfile.mkdtemp(prefix="certsweep-scan-state-"))
        r = harness.run(["scan", "--config", f.name, "--no-securityhub", "--regions", "us-east-1",
                         "--format", "json",
                         "--as-of", seed_demo.default_as_of()], env)
        os.unlink(f.name)
        doc = r.json()
        warn = [ln for ln in r.err.splitlines() if "caller's account" in ln]
        self.assertEqual(len(warn), 1, r)
        self.assertEqual(doc["stats"]["accounts"], 1)
        self.assertEqual([(f["rule"], f["account_id"], f["days_to_expiry"]) for f in doc["findings"]],
                         [("expiring", harness.MOTO_DEFAULT_ACCOUNT, 2)])
        self.assertEqual(doc["coverage_gaps"], [])
        self.assertEqual(r.rc, 1, r)
        return warn[0]

    def test_organizations_not_in_use(self):
        warn = self.scan({"AWS_ENDPOINT_URL_ORGANIZATIONS": self.proxy.url})
        self.assertIn("AWSOrganizationsNotInUseException", warn)

    def test_organization_lists_no_account(self):
        self.scan({})


if __name__ == "__main__":
    harness.main()
