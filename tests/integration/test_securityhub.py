#!/usr/bin/env python3
"""Security Hub export: member and central mode against moto, lifecycle
(archive what the scan no longer produces, only where it saw everything),
partial failures, "not subscribed" and batching against the test double.

Until `certsweep scan` hands per-account credentials to the exporter, the
exporter is driven by tests/tools/shub_export (the library code the scan
command calls), with findings described in a JSON spec.

What moto does (moto/securityhub/models.py, 5.2): GetFindings ignores
Filters and SortCriteria (returns every finding of the caller's account and
region, paged); BatchImportFindings never checks that Security Hub is
enabled and updates an existing finding with a shallow dict.update.  So the
"not subscribed" and partial-failure paths use the double, and the
client-side re-check is exercised by putting a foreign finding into moto.
"""
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

SHUB_EXPORT = os.environ.get("SHUB_EXPORT",
                             os.path.join(harness.BUILDDIR, "tests", "tools", "shub_export"))
DOUBLE = os.path.join(harness.SRCDIR, "tests", "doubles", "securityhub_double.py")
A1, A2 = "111111111111", "222222222222"
SCANNER = harness.MOTO_DEFAULT_ACCOUNT
HOME = "us-east-1"
NOW = 1795423528            # 2026-11-23T08:45:28Z
DAY = 86400

ACM_JSON = json.dumps({"source": "acm", "type": "IMPORTED", "status": "ISSUED",
                       "key_algorithm": "RSA_2048", "renewal_eligibility": "INELIGIBLE",
                       "not_after": "2026-12-05T08:45:28Z", "in_use_by": ["arn:aws:elb:x"]})


def finding(account, region, n, rule="expiring", not_after=NOW + 12 * DAY):
    return {"account": account, "region": region, "source": "acm",
            "resource": "arn:aws:acm:%s:%s:certificate/%04d" % (region, account, n),
            "rule": rule, "severity": "HIGH", "domain": "site%d.example.com" % n,
            "title": "ACM certificate site%d.example.com expires soon" % n,
            "details": "Certificate site%d.example.com" % n, "details_json": ACM_JSON,
            "not_after": not_after}


def creds(c):
    return {"akid": c["AccessKeyId"], "secret": c["SecretAccessKey"], "token": c.get("SessionToken")}


def run_export(spec, env):
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(spec, f)
        path = f.name
    try:
        p = subprocess.run([SHUB_EXPORT, path], env=env, capture_output=True, text=True, timeout=300)
    finally:
        os.unlink(path)
    for s in harness.SECRETS + [a["creds"]["secret"] for a in spec.get("accounts", []) if a.get("creds")]:
        if s and (s in p.stdout or s in p.stderr):
            raise AssertionError("secret leaked in shub_export output")
    if p.returncode != 0:
        raise AssertionError("shub_export rc=%d\n%s\n%s" % (p.returncode, p.stdout, p.stderr))
    out = json.loads(p.stdout.strip().splitlines()[-1])
    out["stderr"] = p.stderr
    return out


def asff_id(out_findings, resource):
    return [f for f in out_findings if f["Resources"][0]["Id"] == resource]


class MotoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = harness.start_moto()

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        harness.moto_reset(self.moto)
        self.env = harness.clean_env(endpoint_url=self.moto.url)
        self.state = tempfile.mkdtemp(prefix="certsweep-shub-state-")
        sts = harness.boto_client(self.moto, "sts")
        self.creds = {}
        for a in (A1, A2):
            c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/CertSweepAudit" % a,
                                RoleSessionName="certsweep")["Credentials"]
            self.creds[a] = c
        for a in (A1, A2):
            self.hub(a).enable_security_hub()

    def hub(self, account):
        if account == SCANNER:
            return harness.boto_client(self.moto, "securityhub", region=HOME)
        c = self.creds[account]
        return harness.boto_client(self.moto, "securityhub", region=HOME, access_key=c["AccessKeyId"],
                                   secret_key=c["SecretAccessKey"], session_token=c["SessionToken"])

    def all_findings(self, account):
        hub, out, tok = self.hub(account), [], None
        while True:
            r = hub.get_findings(**({"NextToken": tok} if tok else {}))
            out += r["Findings"]
            tok = r.get("NextToken")
            if not tok:
                return out

    def spec(self, findings, gaps=(), mode="member", accounts=(A1, A2), regions=("eu-west-1", HOME, "global"),
             now=NOW, denied=()):
        return {"home_region": HOME, "mode": mode, "scanning_account": SCANNER,
                "scanning_creds": {"akid": harness.TEST_ACCESS_KEY, "secret": harness.TEST_SECRET_KEY},
                "state_dir": self.state, "now": now,
                "accounts": [{"id": a, "regions": list(regions),
                              "creds": None if a in denied else creds(self.creds[a])} for a in accounts],
                "findings": findings, "gaps": list(gaps)}

    def test_member_mode_then_renewal_archives(self):
        f1 = [finding(A1, "eu-west-1", 1), finding(A1, "eu-west-1", 2), finding(A1, HOME, 3),
              finding(A2, "eu-west-1", 4), finding(A2, "global", 5)]
        out = run_export(self.spec(f1), self.env)
        self.assertEqual(out["imported"], 5, out)
        self.assertEqual((out["failed"], out["archived"], out["gaps"]), (0, 0, []), out)
        got1 = self.all_findings(A1)
        got2 = self.all_findings(A2)
        self.assertEqual(sorted(f["Resources"][0]["Id"] for f in got1),
                         sorted(x["resource"] for x in f1[:3]))
        self.assertEqual(sorted(f["Resources"][0]["Id"] for f in got2),
                         sorted(x["resource"] for x in f1[3:]))
        for f in got1 + got2:
            self.assertEqual(f["RecordState"], "ACTIVE")
            self.assertEqual(f["Compliance"]["Status"], "FAILED")
            self.assertTrue(f["Id"].startswith("certsweep/"))
            self.assertEqual(f["GeneratorId"], "certsweep/expiring")
            acct = f["ProductFields"]["certsweep/AccountId"]
            self.assertEqual(f["AwsAccountId"], acct)
            self.assertEqual(f["ProductArn"],
                             "arn:aws:securityhub:%s:%s:product/%s/default" % (HOME, acct, acct))
        by_res = {f["Resources"][0]["Id"]: f for f in got1 + got2}
        self.assertEqual(by_res[f1[0]["resource"]]["Resources"][0]["Region"], "eu-west-1")
        self.assertEqual(by_res[f1[2]["resource"]]["Resources"][0]["Region"], HOME)
        self.assertEqual(by_res[f1[4]["resource"]]["ProductFields"]["certsweep/Region"], "global")
        created = {f["Id"]: f["CreatedAt"] for f in got1 + got2}

        # A foreign finding in A1's hub: moto returns it despite the filters;
        # certsweep must leave it alone.
        foreign = dict(by_res[f1[1]["resource"]])
        foreign.update({"Id": "other-tool/1", "GeneratorId": "other-tool/rule"})
        self.hub(A1).batch_import_findings(Findings=[foreign])

        # Certificate 2 was renewed: the next scan no longer produces its finding.
        f2 = [x for x in f1 if x["resource"] != f1[1]["resource"]]
        out = run_export(self.spec(f2, now=NOW + DAY), self.env)
        self.assertEqual((out["imported"], out["archived"], out["failed"]), (4, 1, 0), out)
        got1 = {f["Id"]: f for f in self.all_findings(A1)}
        renewed = [f for f in got1.values() if f["Resources"][0]["Id"] == f1[1]["resource"]
                   and f["Id"].startswith("certsweep/")]
        self.assertEqual(len(renewed), 1)
        self.assertEqual(renewed[0]["RecordState"], "ARCHIVED")
        self.assertEqual(renewed[0]["Compliance"]["Status"], "PASSED")
        self.assertEqual(renewed[0]["CreatedAt"], created[renewed[0]["Id"]])
        self.assertEqual(got1["other-tool/1"]["RecordState"], "ACTIVE")
        for f in list(got1.values()) + self.all_findings(A2):
            if f["Id"] in (renewed[0]["Id"], "other-tool/1"):
                continue
            self.assertEqual(f["RecordState"], "ACTIVE", f["Id"])
            self.assertEqual(f["CreatedAt"], created[f["Id"]])        # kept from the first import
            self.assertEqual(f["UpdatedAt"], "2026-11-24T08:45:28.000Z")

        # Third run: the archived finding is not ACTIVE any more, nothing to do.
        out = run_export(self.spec(f2, now=NOW + 2 * DAY), self.env)
        self.assertEqual((out["imported"], out["archived"]), (4, 0), out)

    def test_denied_account_archives_nothing_there(self):
        f1 = [finding(A1, "eu-west-1", 1), finding(A2, "eu-west-1", 2)]
        out = run_export(self.spec(f1), self.env)
        self.assertEqual(out["imported"], 2, out)
        # Next scan: A2's role is denied (account-wide gap, no credentials),
        # A1 is clean.
        gaps = [{"account": A2, "region": "*", "operation": "AssumeRole", "code": "AccessDenied",
                 "message": "not authorized"}]
        out = run_export(self.spec([], gaps=gaps, denied=(A2,), now=NOW + DAY), self.env)
        self.assertEqual((out["archived"], out["failed"]), (1, 0), out)
        self.assertEqual([f["RecordState"] for f in self.all_findings(A1)], ["ARCHIVED"])
        self.assertEqual([f["RecordState"] for f in self.all_findings(A2)], ["ACTIVE"])
        # A region gap protects that region only.
        f3 = [finding(A1, "eu-west-1", 7), finding(A1, HOME, 8)]
        run_export(self.spec(f3, now=NOW + 2 * DAY), self.env)
        gaps = [{"account": A1, "region": "eu-west-1", "operation": "ListCertificates",
                 "code": "ThrottlingException", "message": "rate"}]
        out = run_export(self.spec([], gaps=gaps, now=NOW + 3 * DAY), self.env)
        states = {f["Resources"][0]["Id"]: f["RecordState"] for f in self.all_findings(A1)}
        self.assertEqual(states[f3[0]["resource"]], "ACTIVE")
        self.assertEqual(states[f3[1]["resource"]], "ARCHIVED")

    def test_central_mode(self):
        f1 = [finding(A1, "eu-west-1", 1), finding(A2, "eu-west-1", 2), finding(A2, HOME, 3)]
        harness.boto_client(self.moto, "securityhub", region=HOME).enable_security_hub()
        out = run_export(self.spec(f1, mode="central"), self.env)
        self.assertEqual(out["imported"], 3, out)
        got = self.all_findings(SCANNER)
        self.assertEqual(len(got), 3)
        self.assertEqual(self.all_findings(A1), [])
        for f in got:
            self.assertEqual(f["AwsAccountId"], SCANNER)
            self.assertEqual(f["ProductArn"],
                             "arn:aws:securityhub:%s:%s:product/%s/default" % (HOME, SCANNER, SCANNER))
            self.assertEqual(f["RecordState"], "ACTIVE")
        accts = sorted(f["ProductFields"]["certsweep/AccountId"] for f in got)
        self.assertEqual(accts, [A1, A2, A2])
        self.assertEqual(sorted(f["Resources"][0]["Id"] for f in got), sorted(x["resource"] for x in f1))
        # A2 renewed everything; A1 had a gap: only A2's findings are archived.
        gaps = [{"account": A1, "region": "eu-west-1", "operation": "ListCertificates",
                 "code": "AccessDenied", "message": "no"}]
        out = run_export(self.spec([], gaps=gaps, mode="central", now=NOW + DAY), self.env)
        self.assertEqual(out["archived"], 2, out)
        st = {f["ProductFields"]["certsweep/AccountId"] + f["Resources"][0]["Id"]: f["RecordState"]
              for f in self.all_findings(SCANNER)}
        self.assertEqual(sorted(st.values()), ["ACTIVE", "ARCHIVED", "ARCHIVED"])
        self.assertEqual(st[A1 + f1[0]["resource"]], "ACTIVE")


class DoubleTest(unittest.TestCase):
    def setUp(self):
        port = harness.free_port()
        self.srv = harness.Server([sys.executable, DOUBLE, "--port", str(port)], port, name="shub-double")
        self.env = harness.clean_env(endpoint_url=self.srv.url)
        self.state = tempfile.mkdtemp(prefix="certsweep-shub-state-")

    def tearDown(self):
        self.srv.stop()

    def ctl(self, path, obj=None):
        import urllib.request
        data = json.dumps(obj).encode() if obj is not None else None
        req = urllib.request.Request(self.srv.url + path, data=data, method="POST" if data else "GET")
        return json.loads(urllib.request.urlopen(req, timeout=10).read() or b"{}")

    def spec(self, findings, accounts):
        return {"home_region": HOME, "mode": "member", "state_dir": self.state, "now": NOW,
                "accounts": [{"id": a, "regions": ["eu-west-1"],
                              "creds": {"akid": "AKIDTEST%s" % a, "secret": "s3cr3t-%s" % a}}
                             for a in accounts],
                "findings": findings}

    def program(self, **kw):
        kw.setdefault("key_accounts", {"AKIDTEST%s" % a: a for a in (A1, A2)})
        self.ctl("/_double/program", kw)

    def test_partial_failures_reported(self):
        fs = [finding(A1, "eu-west-1", i) for i in range(5)]
        # The ASFF Ids are "certsweep/<finding id>": get them from a dry run.
        spec = self.spec(fs, [A1])
        spec["dry_run"] = os.path.join(self.state, "dry.jsonl")
        out = run_export(spec, self.env)
        self.assertEqual(out["dry_run_batches"], 1)
        with open(spec["dry_run"]) as f:
            ids = [x["Id"] for x in json.loads(f.readline())["Findings"]]
        self.assertEqual(len(ids), 5)
        self.program(fail_ids={ids[1]: "InvalidInput", ids[3]: "LimitExceeded"})
        out = run_export(self.spec(fs, [A1]), self.env)
        self.assertEqual((out["imported"], out["failed"]), (3, 2), out)
        self.assertEqual(sorted((x["id"], x["code"]) for x in out["failures"]),
                         sorted([(ids[1], "InvalidInput"), (ids[3], "LimitExceeded")]))
        for i, code in ((1, "InvalidInput"), (3, "LimitExceeded")):
            self.assertIn("BatchImportFindings: %s: %s" % (ids[i], code), out["stderr"])
        self.assertIn("failed 2", out["stderr"])
        stored = self.ctl("/_double/state")["findings"][A1]
        self.assertEqual(sorted(f["Id"] for f in stored), sorted([ids[0], ids[2], ids[4]]))

    def test_batches_of_at_most_100_and_paged_get(self):
        fs = [finding(A1, "eu-west-1", i) for i in range(263)]
        self.program()
        out = run_export(self.spec(fs, [A1]), self.env)
        self.assertEqual((out["imported"], out["failed"]), (263, 0), out)
        batches = self.ctl("/_double/state")["batches"]
        self.assertEqual([b["count"] for b in batches], [100, 100, 63])
        self.assertTrue(all(b["bytes"] <= 6 * 1024 * 1024 for b in batches))
        self.assertEqual(out["max_batch"], 100)
        # Second run with nothing: GetFindings reads all 3 pages (filters
        # ignored by the double), everything is archived, in batches <= 100.
        # A foreign ACTIVE finding claiming certsweep's generator but another
        # account is returned too and must be left alone.
        foreign = dict(self.ctl("/_double/state")["findings"][A1][0])
        foreign.update({"Id": "certsweep/foreign", "AwsAccountId": A2})
        self.program(extra=[foreign])
        before = self.ctl("/_double/state")
        out = run_export(self.spec([], [A1]), self.env)
        self.assertEqual((out["archived"], out["failed"]), (263, 0), out)
        after = self.ctl("/_double/state")
        self.assertGreaterEqual(after["get_calls"] - before["get_calls"], 3)
        new = after["batches"][len(before["batches"]):]
        self.assertEqual([b["count"] for b in new], [100, 100, 63])
        self.assertTrue(all(f["RecordState"] == "ARCHIVED" for f in after["findings"][A1]))
        self.assertNotIn(A2, after["findings"])

    def test_not_subscribed_is_a_gap(self):
        self.program(not_subscribed=["AKIDTEST%s" % A2])
        fs = [finding(A1, "eu-west-1", 1), finding(A2, "eu-west-1", 2)]
        out = run_export(self.spec(fs, [A1, A2]), self.env)
        self.assertEqual(out["imported"], 1, out)
        self.assertEqual(out["gaps"], [{"account": A2, "region": HOME, "operation": "GetFindings",
                                        "code": "InvalidAccessException"}])
        self.assertIn("%s/%s: GetFindings: InvalidAccessException" % (A2, HOME), out["stderr"])
        self.assertIn(A1, self.ctl("/_double/state")["findings"])


if __name__ == "__main__":
    harness.main()
