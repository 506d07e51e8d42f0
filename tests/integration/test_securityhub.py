#!/usr/bin/env python3
"""Security Hub export through the real `certsweep scan`: member and central
mode against moto, lifecycle (archive what the scan no longer produces, only
where it saw everything), AssumeRole denied, partial failures, "not
subscribed" and batching against the Security Hub double, --dry-run,
--format asff, --no-securityhub, and the runs table of the state.

The organization is seeded into moto here (management account, two members
with the CertSweepAudit role); the scan reads ACM and IAM, and its Security
Hub home region ([securityhub] region) is not the [aws] region, so that
findings from every region visibly land in one place.

What moto does (moto/securityhub/models.py, 5.2): GetFindings ignores
Filters (returns every finding of the caller's account and region, paged),
so the test filters on certsweep's Id prefix itself; BatchImportFindings
never checks that Security Hub is enabled and never refuses a finding, so
those paths use tests/doubles/securityhub_double.py, which the binary
reaches through AWS_ENDPOINT_URL_SECURITYHUB (everything else still goes
to moto).
"""
import json
import os
import sqlite3
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import seed_demo  # noqa: E402

DOUBLES = os.path.join(os.path.dirname(HERE), "doubles")
MGMT = harness.MOTO_DEFAULT_ACCOUNT
SCAN_REGION = "us-east-1"           # [aws] region (STS, Organizations, IAM)
HOME = "eu-west-1"                  # [securityhub] region
REGIONS = ("us-east-1", "eu-west-1")
DAY = 86400
ROLE = "CertSweepAudit"
ASFF_SCHEMA = "2018-10-08"


def start_double(script, *args):
    port = harness.free_port()
    return harness.Server([sys.executable, os.path.join(DOUBLES, script), "--port", str(port)]
                          + list(args), port, name=script[:-3])


class Org:
    """A small organization in moto: the management account (the scanner)
    and two members; certificates are imported per account and region."""

    def __init__(self, moto):
        self.moto = moto
        self.now = int(time.time())
        self.creds = {}
        org = self.client(MGMT, "organizations")
        org.create_organization(FeatureSet="ALL")
        self.members = []
        for name in ("member-a", "member-b"):
            r = org.create_account(AccountName=name, Email="%s@example.com" % name)
            self.members.append(r["CreateAccountStatus"]["AccountId"])
        self.a1, self.a2 = self.members
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % MGMT},
            "Action": "sts:AssumeRole"}]})
        sts = self.client(MGMT, "sts")
        for a in self.members:
            c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (a, ROLE),
                                RoleSessionName="certsweep-test")["Credentials"]
            self.creds[a] = c
            self.client(a, "iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust)
        self.pem = {}

    def client(self, account, service, region=SCAN_REGION):
        if account == MGMT:
            return harness.boto_client(self.moto, service, region=region)
        c = self.creds[account]
        return harness.boto_client(self.moto, service, region=region, access_key=c["AccessKeyId"],
                                   secret_key=c["SecretAccessKey"], session_token=c["SessionToken"])

    def cert(self, days):
        if days not in self.pem:
            self.pem[days] = seed_demo.make_cert("site.example.com", self.now - 30 * DAY,
                                                 self.now + days * DAY)
        return self.pem[days]

    def import_cert(self, account, region, days=20, arn=None):
        """An ACM certificate expiring in `days` (20: a HIGH "expiring"
        finding; 300: healthy).  With arn: re-imported (renewed)."""
        body, key = self.cert(days)
        kw = {"CertificateArn": arn} if arn else {}
        return self.client(account, "acm", region).import_certificate(
            Certificate=body, PrivateKey=key, **kw)["CertificateArn"]

    def iam_cert(self, account, name):
        # moto reports every IAM server certificate as expired in 2012.
        body, key = self.cert(100)
        self.client(account, "iam").upload_server_certificate(
            ServerCertificateName=name, CertificateBody=body.decode(), PrivateKey=key.decode())

    def hub(self, account, region=HOME):
        return self.client(account, "securityhub", region)

    def hub_findings(self, account, region=HOME):
        """certsweep's findings in an account's hub (moto ignores Filters)."""
        hub, out, tok = self.hub(account, region), [], None
        while True:
            r = hub.get_findings(**({"NextToken": tok} if tok else {}))
            out += r["Findings"]
            tok = r.get("NextToken")
            if not tok:
                return {f["Id"]: f for f in out if f["Id"].startswith("certsweep/")}


class ScanRunner:
    """Runs the real binary with a config file in a temporary directory
    (state there too)."""

    def setup_runner(self, moto_url):
        self.tmp = tempfile.mkdtemp(prefix="certsweep-shub-")
        self.state = os.path.join(self.tmp, "state")
        self.moto_url = moto_url

    def write_config(self, mode="member", extra=""):
        path = os.path.join(self.tmp, "certsweep.conf")
        with open(path, "w") as f:
            f.write("[aws]\nregion = %s\n"
                    "[scan]\nregions = %s\ncollectors = acm, iam\nfail_on = none\n"
                    "[securityhub]\nregion = %s\nmode = %s\n"
                    "[state]\ndir = %s\n%s" % (SCAN_REGION, ", ".join(REGIONS), HOME, mode,
                                               self.state, extra))
        return path

    def scan(self, *args, mode="member", env_extra=None, config_extra=""):
        conf = self.write_config(mode, config_extra)
        extra = dict(harness.env_credentials())
        extra.update(env_extra or {})
        env = harness.clean_env(endpoint_url=self.moto_url, extra=extra,
                                home=os.path.join(self.tmp))
        return harness.run(["scan", "--config", conf] + list(args), env, timeout=300)

    def scan_json(self, *args, rc=0, **kw):
        r = self.scan("--format", "json", *args, **kw)
        self.assertEqual(r.rc, rc, r)
        return r, r.json()

    def runs(self):
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        try:
            return [(s, f, json.loads(c) if c else None)
                    for s, f, c in db.execute("SELECT started, finished, counts FROM runs ORDER BY id")]
        finally:
            db.close()


def asff_id(report_finding):
    return "certsweep/" + report_finding["id"]


def resource_region(report_finding):
    """Resources[].Region is a real region: IAM's "global" is reported in
    the home region (ProductFields "certsweep/Region" keeps "global")."""
    r = report_finding["region"]
    return HOME if r == "global" else r


class MotoTest(ScanRunner, unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = harness.start_moto()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        harness.moto_reset(self.moto)
        self.setup_runner(self.moto.url)
        self.org = o = Org(self.moto)
        # What the scan must find, by resource:
        self.arn = {
            "mgmt-use1": o.import_cert(MGMT, "us-east-1"),
            "a1-use1": o.import_cert(o.a1, "us-east-1"),
            "a1-euw1": o.import_cert(o.a1, "eu-west-1"),
            "a2-euw1": o.import_cert(o.a2, "eu-west-1"),
        }
        o.import_cert(o.a2, "us-east-1", days=300)      # healthy
        o.iam_cert(o.a2, "legacy-lb")                   # "global"
        for a in (MGMT, o.a1, o.a2):
            o.hub(a).enable_security_hub()

    def expected(self):
        """(account, region, resource id) of every finding the seed makes."""
        o = self.org
        acm = {(MGMT, "us-east-1", "mgmt-use1"), (o.a1, "us-east-1", "a1-use1"),
               (o.a1, "eu-west-1", "a1-euw1"), (o.a2, "eu-west-1", "a2-euw1")}
        out = {(a, r, self.arn[k].rsplit("/", 1)[1]) for a, r, k in acm}
        out.add((o.a2, "global", "legacy-lb"))
        return out

    def check_report(self, doc, expected=None):
        got = {(f["account_id"], f["region"], f["resource_id"]) for f in doc["findings"]}
        self.assertEqual(got, expected if expected is not None else self.expected())
        return {f["resource_id"]: f for f in doc["findings"]}

    def test_member_mode_then_renewal_archives(self):
        o = self.org
        r, doc = self.scan_json()
        self.assertEqual(doc["coverage_gaps"], [], r)
        by_res = self.check_report(doc)
        first = {}
        for acct in (MGMT, o.a1, o.a2):
            want = {asff_id(f): f for f in doc["findings"] if f["account_id"] == acct}
            got = o.hub_findings(acct)
            self.assertEqual(set(got), set(want), acct)
            for fid, f in got.items():
                rf = want[fid]
                self.assertEqual(f["RecordState"], "ACTIVE")
                self.assertEqual(f["Compliance"]["Status"], "FAILED")
                self.assertEqual(f["AwsAccountId"], acct)
                self.assertEqual(f["ProductArn"],
                                 "arn:aws:securityhub:%s:%s:product/%s/default" % (HOME, acct, acct))
                self.assertEqual(f["Resources"][0]["Region"], resource_region(rf))
                self.assertEqual(f["ProductFields"]["certsweep/Region"], rf["region"])
                self.assertEqual(f["ProductFields"]["certsweep/AccountId"], acct)
                self.assertEqual(f["GeneratorId"], "certsweep/" + rf["rule"])
            first.update(got)
            # Nothing lands outside the home region.
            self.assertEqual(o.hub_findings(acct, region="us-east-1"), {}, acct)
        self.assertEqual(len(first), len(self.expected()))
        # Findings from both scanned regions and IAM's "global" are all there.
        self.assertEqual({f["ProductFields"]["certsweep/Region"] for f in first.values()},
                         {"us-east-1", "eu-west-1", "global"})

        runs = self.runs()
        self.assertEqual(len(runs), 1)
        started, finished, counts = runs[0]
        self.assertTrue(started and finished and finished >= started, runs)
        self.assertEqual(counts["status"], "complete")
        self.assertEqual(counts["findings"], len(self.expected()))
        self.assertEqual(counts["securityhub"]["mode"], "exported")
        self.assertEqual(counts["securityhub"]["imported"], len(self.expected()))

        # a1-euw1 is renewed: re-imported under the same ARN, a year left.
        o.import_cert(o.a1, "eu-west-1", days=300, arn=self.arn["a1-euw1"])
        time.sleep(1.1)     # UpdatedAt of the second import is later
        renewed = asff_id(by_res[self.arn["a1-euw1"].rsplit("/", 1)[1]])
        r, doc = self.scan_json()
        exp = self.expected()
        exp.discard((o.a1, "eu-west-1", self.arn["a1-euw1"].rsplit("/", 1)[1]))
        self.check_report(doc, exp)
        after = {}
        for acct in (MGMT, o.a1, o.a2):
            after.update(o.hub_findings(acct))
        self.assertEqual(set(after), set(first))
        self.assertEqual(after[renewed]["RecordState"], "ARCHIVED")
        self.assertEqual(after[renewed]["Compliance"]["Status"], "PASSED")
        self.assertEqual(after[renewed]["CreatedAt"], first[renewed]["CreatedAt"])
        for fid, f in after.items():
            if fid == renewed:
                continue
            self.assertEqual(f["RecordState"], "ACTIVE", fid)
            self.assertEqual(f["CreatedAt"], first[fid]["CreatedAt"], fid)
            self.assertGreater(f["UpdatedAt"], first[fid]["UpdatedAt"], fid)
        runs = self.runs()
        self.assertEqual(len(runs), 2)
        self.assertEqual(runs[1][2]["securityhub"]["archived"], 1)

    def test_assume_role_denied_archives_nothing_in_that_account(self):
        o = self.org
        r, doc = self.scan_json()
        self.assertEqual(doc["coverage_gaps"], [], r)
        before = {a: o.hub_findings(a) for a in (o.a1, o.a2)}
        self.assertEqual(len(before[o.a2]), 2)
        # Both members renew; then a2's role cannot be assumed.
        o.import_cert(o.a1, "eu-west-1", days=300, arn=self.arn["a1-euw1"])
        o.import_cert(o.a2, "eu-west-1", days=300, arn=self.arn["a2-euw1"])
        proxy = start_double("sts_deny_proxy.py", "--upstream", self.moto.url, "--deny", o.a2)
        try:
            r, doc = self.scan_json(rc=3, env_extra={"AWS_ENDPOINT_URL_STS": proxy.url})
        finally:
            proxy.stop()
        gaps = [(g["account_id"], g["region"], g["operation"], g["error_code"])
                for g in doc["coverage_gaps"]]
        self.assertEqual(gaps, [(o.a2, "*", "AssumeRole", "AccessDenied")])
        self.assertNotIn(o.a2, {f["account_id"] for f in doc["findings"]})
        after2 = o.hub_findings(o.a2)
        self.assertEqual(set(after2), set(before[o.a2]))
        for fid, f in after2.items():
            self.assertEqual(f["RecordState"], "ACTIVE", fid)
            self.assertEqual(f["UpdatedAt"], before[o.a2][fid]["UpdatedAt"], fid)
        # The rest of the scan was complete: a1's renewed certificate is archived.
        states = sorted(f["RecordState"] for f in o.hub_findings(o.a1).values())
        self.assertEqual(states, ["ACTIVE", "ARCHIVED"])
        self.assertEqual(self.runs()[-1][2]["status"], "partial")

    def test_central_mode(self):
        o = self.org
        r, doc = self.scan_json(mode="central")
        self.assertEqual(doc["coverage_gaps"], [], r)
        self.check_report(doc)
        got = o.hub_findings(MGMT)
        want = {asff_id(f): f for f in doc["findings"]}
        self.assertEqual(set(got), set(want))
        for fid, f in got.items():
            rf = want[fid]
            self.assertEqual(f["AwsAccountId"], MGMT)
            self.assertEqual(f["ProductArn"],
                             "arn:aws:securityhub:%s:%s:product/%s/default" % (HOME, MGMT, MGMT))
            self.assertEqual(f["RecordState"], "ACTIVE")
            self.assertEqual(f["ProductFields"]["certsweep/AccountId"], rf["account_id"])
            self.assertEqual(f["Resources"][0]["Region"], resource_region(rf))
            if rf["resource_arn"]:
                self.assertEqual(f["Resources"][0]["Id"], rf["resource_arn"])
        for a in (o.a1, o.a2):
            self.assertEqual(o.hub_findings(a), {}, a)
        # a2 renews, but its role is denied this time: in the central hub
        # (where its findings are, and the scanner's credentials could
        # archive them) nothing of a2 is touched.
        o.import_cert(o.a2, "eu-west-1", days=300, arn=self.arn["a2-euw1"])
        proxy = start_double("sts_deny_proxy.py", "--upstream", self.moto.url, "--deny", o.a2)
        try:
            r, doc = self.scan_json(mode="central", rc=3,
                                    env_extra={"AWS_ENDPOINT_URL_STS": proxy.url})
        finally:
            proxy.stop()
        self.assertEqual([(g["account_id"], g["operation"]) for g in doc["coverage_gaps"]],
                         [(o.a2, "AssumeRole")])
        mid = o.hub_findings(MGMT)
        self.assertEqual(set(mid), set(got))
        self.assertEqual({f["RecordState"] for f in mid.values()}, {"ACTIVE"})
        # The next complete scan archives a2's renewed certificate; a1's stay.
        r, doc = self.scan_json(mode="central")
        after = o.hub_findings(MGMT)
        archived = [fid for fid, f in after.items() if f["RecordState"] == "ARCHIVED"]
        self.assertEqual([after[x]["Resources"][0]["Id"] for x in archived], [self.arn["a2-euw1"]])
        self.assertEqual(len(after) - 1,
                         len([f for f in after.values() if f["RecordState"] == "ACTIVE"]))

    def test_dry_run_asff_format_and_no_securityhub(self):
        o = self.org
        dry = os.path.join(self.tmp, "dry.jsonl")
        lines = []
        for _ in range(2):
            r = self.scan("--dry-run", dry, "--format", "json")
            self.assertEqual(r.rc, 0, r)
            doc = r.json()
            with open(dry) as f:
                lines.append([json.loads(ln) for ln in f if ln.strip()])
        self.check_report(doc)
        self.assertEqual(lines[0] and len(lines[0]), len(lines[1]))
        ids = [[x["Id"] for b in run for x in b["Findings"]] for run in lines]
        self.assertEqual(sorted(ids[0]), sorted(ids[1]))          # Ids are deterministic
        self.assertEqual(sorted(ids[0]), sorted(asff_id(f) for f in doc["findings"]))
        by_id = {asff_id(f): f for f in doc["findings"]}
        # Member mode: one batch per importing account, each of that account.
        for batch in lines[0]:
            accts = {x["AwsAccountId"] for x in batch["Findings"]}
            self.assertEqual(len(accts), 1, batch)
            for x in batch["Findings"]:
                self.check_asff(x, by_id[x["Id"]])
        # Nothing was sent.
        for a in (MGMT, o.a1, o.a2):
            self.assertEqual(o.hub_findings(a), {}, a)
        self.assertEqual([c["securityhub"]["mode"] for _, _, c in self.runs()], ["dry-run"] * 2)

        r = self.scan("--format", "asff", "--no-securityhub")
        self.assertEqual(r.rc, 0, r)
        asff = json.loads(r.out)
        self.assertEqual(sorted(x["Id"] for x in asff["Findings"]), sorted(ids[0]))
        for x in asff["Findings"]:
            self.check_asff(x, by_id[x["Id"]])
        for a in (MGMT, o.a1, o.a2):
            self.assertEqual(o.hub_findings(a), {}, a)
        self.assertEqual(self.runs()[-1][2]["securityhub"]["mode"], "disabled")

        r = self.scan("--help")
        self.assertEqual(r.rc, 0)
        for flag in ("--no-securityhub", "--dry-run FILE", "asff"):
            self.assertIn(flag, r.out)

    def check_asff(self, x, rf):
        self.assertEqual(x["SchemaVersion"], ASFF_SCHEMA)
        self.assertEqual(x["GeneratorId"], "certsweep/" + rf["rule"])
        self.assertEqual(x["AwsAccountId"], rf["account_id"])
        self.assertTrue(x["ProductArn"].startswith("arn:aws:securityhub:%s:" % HOME), x["ProductArn"])
        self.assertEqual(x["Resources"][0]["Region"], resource_region(rf))
        self.assertEqual(x["ProductFields"]["certsweep/Region"], rf["region"])
        self.assertEqual(x["RecordState"], "ACTIVE")
        self.assertEqual(x["Severity"]["Label"], rf["severity"])
        for k in ("ProductArn", "Types", "CreatedAt", "UpdatedAt", "Title", "Description"):
            self.assertIn(k, x)


class DoubleTest(ScanRunner, unittest.TestCase):
    """ACM in moto, Security Hub in the double; only the scanning account
    (its own credentials, whose key the double maps to it)."""

    @classmethod
    def setUpClass(cls):
        cls.moto = harness.start_moto()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        harness.moto_reset(self.moto)
        self.setup_runner(self.moto.url)
        self.srv = start_double("securityhub_double.py")
        self.ctl("/_double/program", {"key_accounts": {harness.TEST_ACCESS_KEY: MGMT}})
        body, key = seed_demo.make_cert("x.example.com", int(time.time()) - DAY,
                                        int(time.time()) + 20 * DAY)
        self.pem = (body, key)

    def tearDown(self):
        self.srv.stop()

    def ctl(self, path, obj=None):
        data = json.dumps(obj).encode() if obj is not None else None
        req = urllib.request.Request(self.srv.url + path, data=data, method="POST" if data else "GET")
        return json.loads(urllib.request.urlopen(req, timeout=10).read() or b"{}")

    def seed(self, n, regions=REGIONS):
        for i in range(n):
            acm = harness.boto_client(self.moto, "acm", region=regions[i % len(regions)])
            acm.import_certificate(Certificate=self.pem[0], PrivateKey=self.pem[1])

    def shub_scan(self, *args, rc=0):
        return self.scan_json("--accounts", MGMT, *args, rc=rc,
                              env_extra={"AWS_ENDPOINT_URL_SECURITYHUB": self.srv.url})

    def test_partial_failures_reported(self):
        self.seed(5)
        dry = os.path.join(self.tmp, "dry.jsonl")
        self.shub_scan("--dry-run", dry)
        with open(dry) as f:
            ids = [x["Id"] for ln in f for x in json.loads(ln)["Findings"]]
        self.assertEqual(len(ids), 5)
        self.assertEqual(self.ctl("/_double/state")["batches"], [])     # dry run sent nothing
        self.ctl("/_double/program", {"fail_ids": {ids[1]: "InvalidInput", ids[3]: "LimitExceeded"}})
        r, doc = self.shub_scan(rc=3)
        for i, code in ((1, "InvalidInput"), (3, "LimitExceeded")):
            self.assertIn("BatchImportFindings: %s: %s" % (ids[i], code), r.err)
        self.assertIn("failed 2", r.err)
        gaps = sorted((g["account_id"], g["region"], g["operation"], g["error_code"])
                      for g in doc["coverage_gaps"])
        self.assertEqual(gaps, [(MGMT, HOME, "BatchImportFindings", "InvalidInput"),
                                (MGMT, HOME, "BatchImportFindings", "LimitExceeded")])
        stored = self.ctl("/_double/state")["findings"][MGMT]
        self.assertEqual(sorted(f["Id"] for f in stored), sorted([ids[0], ids[2], ids[4]]))
        counts = self.runs()[-1][2]
        self.assertEqual((counts["securityhub"]["imported"], counts["securityhub"]["failed"]), (3, 2))

    def test_batches_of_at_most_100(self):
        self.seed(263)
        r, doc = self.shub_scan()
        self.assertEqual(len(doc["findings"]), 263)
        self.assertEqual(doc["coverage_gaps"], [], r)
        batches = self.ctl("/_double/state")["batches"]
        self.assertEqual([b["count"] for b in batches], [100, 100, 63])
        self.assertTrue(all(b["account"] == MGMT for b in batches))
        self.assertTrue(all(b["bytes"] <= 6 * 1024 * 1024 for b in batches))
        self.assertEqual(len(self.ctl("/_double/state")["findings"][MGMT]), 263)
        # Every certificate renewed (gone): the next scan reads what it
        # imported back page by page (GetFindings, 100 a page), archives all
        # 263 in batches of at most 100, and leaves alone an ACTIVE finding
        # that claims certsweep's generator but belongs to another account.
        for region in REGIONS:
            acm = harness.boto_client(self.moto, "acm", region=region)
            for c in acm.list_certificates()["CertificateSummaryList"]:
                acm.delete_certificate(CertificateArn=c["CertificateArn"])
        foreign = dict(self.ctl("/_double/state")["findings"][MGMT][0])
        foreign.update({"Id": "certsweep/foreign", "AwsAccountId": "210987654321"})
        self.ctl("/_double/program", {"extra": [foreign]})
        before = self.ctl("/_double/state")
        r, doc = self.shub_scan()
        self.assertEqual((doc["findings"], doc["coverage_gaps"]), ([], []), r)
        after = self.ctl("/_double/state")
        self.assertGreaterEqual(after["get_calls"] - before["get_calls"], 3)
        new = after["batches"][len(before["batches"]):]
        self.assertEqual([b["count"] for b in new], [100, 100, 63])
        stored = after["findings"][MGMT]
        self.assertEqual(len(stored), 263)
        self.assertTrue(all(f["RecordState"] == "ARCHIVED" for f in stored))
        self.assertNotIn("210987654321", after["findings"])
        self.assertEqual(self.runs()[-1][2]["securityhub"]["archived"], 263)

    def test_not_subscribed_is_a_gap(self):
        self.seed(2)
        self.ctl("/_double/program", {"not_subscribed": [harness.TEST_ACCESS_KEY]})
        r, doc = self.shub_scan(rc=3)
        self.assertEqual(len(doc["findings"]), 2)       # the report is still written
        gaps = [(g["account_id"], g["region"], g["operation"], g["error_code"])
                for g in doc["coverage_gaps"]]
        self.assertEqual(gaps, [(MGMT, HOME, "GetFindings", "InvalidAccessException")])
        self.assertIn("%s/%s: GetFindings: InvalidAccessException" % (MGMT, HOME), r.err)
        self.assertEqual(self.ctl("/_double/state")["batches"], [])


if __name__ == "__main__":
    harness.main()
