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

    def write_config(self, mode="member", extra="", collectors="acm, iam", section=True,
                     rules=""):
        """The scan's config; section=False leaves [securityhub] out (no
        export unless --securityhub)."""
        path = os.path.join(self.tmp, "certsweep.conf")
        shub = "[securityhub]\nregion = %s\nmode = %s\n" % (HOME, mode) if section else ""
        with open(path, "w") as f:
            f.write("[aws]\nregion = %s\n"
                    "[scan]\nregions = %s\ncollectors = %s\nfail_on = none\n"
                    "[rules]\n%s\n%s"
                    "[state]\ndir = %s\n%s" % (SCAN_REGION, ", ".join(REGIONS), collectors, rules,
                                               shub, self.state, extra))
        return path

    def scan(self, *args, mode="member", env_extra=None, config_extra="", **conf_kw):
        conf = self.write_config(mode, config_extra, **conf_kw)
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


def iso_ms(t):
    """ "2026-11-23T08:45:28.123Z" (any ISO 8601 UTC time) -> epoch milliseconds."""
    import datetime
    t = t.replace("Z", "+00:00")
    return int(datetime.datetime.fromisoformat(t).timestamp() * 1000)


def asff_id(report_finding):
    return "certsweep/" + report_finding["id"]


def resource_region(report_finding):
    """Resources[].Region is a real region: IAM's "global" is reported in
    the home region (ProductFields "certsweep/Region" keeps "global")."""
    r = report_finding["region"]
    return HOME if r == "global" else r


class MotoTest(ScanRunner, harness.MotoCase):
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
        proxy = start_double("fault_double.py", "--upstream", self.moto.url, "--modes",
                             json.dumps({"deny-assume-role": {"accounts": [o.a2]}}))
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
        proxy = start_double("fault_double.py", "--upstream", self.moto.url, "--modes",
                             json.dumps({"deny-assume-role": {"accounts": [o.a2]}}))
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

    def all_hubs(self):
        """{hub account: {Id: finding}} of the three accounts' home hubs."""
        o = self.org
        return {a: o.hub_findings(a) for a in (MGMT, o.a1, o.a2)}

    def test_written_only_when_asked(self):
        o = self.org
        # No [securityhub] section: the report, and nothing in any hub.
        r, doc = self.scan_json(section=False)
        self.check_report(doc)
        for a in (MGMT, o.a1, o.a2):
            for region in REGIONS:
                self.assertEqual(o.hub_findings(a, region), {}, (a, region))
        self.assertEqual(self.runs()[-1][2]["securityhub"]["mode"], "disabled")
        # The section with enabled = false: nothing either.
        r = self.scan("--format", "json", section=False,
                      config_extra="[securityhub]\nenabled = false\n")
        self.assertEqual(r.rc, 0, r)
        for a in (MGMT, o.a1, o.a2):
            self.assertEqual(o.hub_findings(a, SCAN_REGION), {}, a)
        # --securityhub asks without a section: member mode, the [aws] region.
        r, doc = self.scan_json("--securityhub", section=False)
        for acct in (MGMT, o.a1, o.a2):
            want = {asff_id(f) for f in doc["findings"] if f["account_id"] == acct}
            self.assertEqual(set(o.hub_findings(acct, SCAN_REGION)), want, acct)
        self.assertEqual(self.runs()[-1][2]["securityhub"]["mode"], "exported")
        # Both flags: a usage error.
        r = self.scan("--securityhub", "--no-securityhub")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("--securityhub and --no-securityhub", r.err)
        r = self.scan("--help")
        for flag in ("--securityhub", "--what-if-writes", "member mode (recommended)"):
            self.assertIn(flag, r.out)

    def test_what_if_changes_nothing_in_security_hub(self):
        o = self.org
        r, doc = self.scan_json()
        before = self.all_hubs()
        self.assertEqual(sum(len(v) for v in before.values()), len(self.expected()))
        # a1-euw1 is renewed; a what-if run ten days on sees it gone and the
        # others closer to expiry: Security Hub must not hear of it.
        o.import_cert(o.a1, "eu-west-1", days=300, arn=self.arn["a1-euw1"])
        as_of = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 10 * DAY))
        r, doc = self.scan_json("--as-of", as_of)
        self.assertTrue(doc["findings"])
        self.assertEqual(self.all_hubs(), before)
        self.assertIn("what-if", r.err)
        self.assertEqual(self.runs()[-1][2]["securityhub"]["mode"], "what-if-skipped")
        # --what-if-writes imports all the same, with a real UpdatedAt, and
        # archives nothing (a what-if run resolves nothing).
        r, doc = self.scan_json("--as-of", as_of, "--what-if-writes")
        after = self.all_hubs()
        renewed = [fid for fid, f in after[o.a1].items()
                   if f["Resources"][0]["Id"] == self.arn["a1-euw1"]]
        self.assertEqual(len(renewed), 1)
        self.assertEqual(after[o.a1][renewed[0]]["RecordState"], "ACTIVE")
        for acct, hub in after.items():
            for fid, f in hub.items():
                self.assertEqual(f["RecordState"], "ACTIVE", fid)
                if fid != renewed[0]:
                    self.assertGreater(f["UpdatedAt"], before[acct][fid]["UpdatedAt"], fid)
                self.assertLessEqual(iso_ms(f["UpdatedAt"]), time.time() * 1000 + 1000, fid)
        r = self.scan("--what-if-writes")
        self.assertEqual(r.rc, 2, r)
        # The next real run archives the renewed certificate.
        r, doc = self.scan_json()
        self.assertEqual(o.hub_findings(o.a1)[renewed[0]]["RecordState"], "ARCHIVED")

    def test_mode_switch_leaves_nothing_behind(self):
        o = self.org
        home = {MGMT: MGMT, o.a1: o.a1, o.a2: o.a2}
        r, doc = self.scan_json(mode="central")
        ids = {asff_id(f): f["account_id"] for f in doc["findings"]}
        hubs = self.all_hubs()
        self.assertEqual(set(hubs[MGMT]), set(ids))
        # Member mode with a2's role denied: a1's findings move out of the
        # central hub; a2's stay there ACTIVE (not read), and it says so.
        proxy = start_double("fault_double.py", "--upstream", self.moto.url, "--modes",
                             json.dumps({"deny-assume-role": {"accounts": [o.a2]}}))
        try:
            r, doc = self.scan_json(rc=3, env_extra={"AWS_ENDPOINT_URL_STS": proxy.url})
        finally:
            proxy.stop()
        hubs = self.all_hubs()
        for fid, acct in ids.items():
            state = hubs[MGMT][fid]["RecordState"]
            self.assertEqual(state, "ARCHIVED" if acct == o.a1 else "ACTIVE", (fid, acct))
        self.assertIn("stay ACTIVE", r.err)
        self.assertEqual(self.runs()[-1][2]["securityhub"]["kept_in_other_hubs"],
                         sum(1 for a in ids.values() if a == o.a2))
        # A complete member run: every finding ACTIVE in its own account's
        # hub only.
        r, doc = self.scan_json()
        hubs = self.all_hubs()
        for fid, acct in ids.items():
            for hub, found in hubs.items():
                want = "ACTIVE" if hub == home[acct] else ("ARCHIVED" if fid in found else None)
                got = found[fid]["RecordState"] if fid in found else None
                self.assertEqual(got, want, (fid, acct, hub))
        # The state names the hub where each one is ACTIVE now.
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        try:
            rows = {i: (st, imp, m) for i, st, imp, m in
                    db.execute("SELECT id, record_state, importer, mode FROM shub_findings")}
        finally:
            db.close()
        for fid, acct in ids.items():
            self.assertEqual(rows[fid], ("ACTIVE", acct, "member"), fid)
        # And back to central: the members' hubs keep nothing ACTIVE.
        r, doc = self.scan_json(mode="central")
        hubs = self.all_hubs()
        for fid, acct in ids.items():
            self.assertEqual(hubs[MGMT][fid]["RecordState"], "ACTIVE", fid)
            if acct != MGMT:
                self.assertEqual(hubs[acct][fid]["RecordState"], "ARCHIVED", fid)

    def test_asff_format_is_what_the_import_sends(self):
        o = self.org
        r, doc = self.scan_json()
        hub = {}
        for a in (MGMT, o.a1, o.a2):
            hub.update(o.hub_findings(a))
        time.sleep(1.1)
        as_of = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(time.time() + 5 * DAY))
        r = self.scan("--format", "asff", "--as-of", as_of)
        self.assertEqual(r.rc, 0, r)
        printed = {x["Id"]: x for x in json.loads(r.out)["Findings"]}
        self.assertEqual(set(printed), set(hub))
        now_ms = time.time() * 1000
        for fid, x in printed.items():
            # History from the state: CreatedAt of the first import.
            self.assertEqual(iso_ms(x["CreatedAt"]), iso_ms(hub[fid]["CreatedAt"]), fid)
            self.assertEqual(iso_ms(x["FirstObservedAt"]), iso_ms(hub[fid]["CreatedAt"]), fid)
            # UpdatedAt: now, later than the import, never --as-of.
            self.assertGreater(iso_ms(x["UpdatedAt"]), iso_ms(hub[fid]["UpdatedAt"]), fid)
            self.assertLessEqual(iso_ms(x["UpdatedAt"]), now_ms + 1000, fid)
        # The what-if printed; Security Hub was not touched.
        after = {}
        for a in (MGMT, o.a1, o.a2):
            after.update(o.hub_findings(a))
        self.assertEqual(after, hub)

    def check_asff(self, x, rf):
        self.assertEqual(x["SchemaVersion"], ASFF_SCHEMA)
        self.assertEqual(x["GeneratorId"], "certsweep/" + rf["rule"])
        self.assertEqual(x["AwsAccountId"], rf["account_id"])
        self.assertTrue(x["ProductArn"].startswith("arn:aws:securityhub:%s:" % HOME), x["ProductArn"])
        self.assertEqual(x["Resources"][0]["Region"], resource_region(rf))
        self.assertEqual(x["ProductFields"]["certsweep/Region"], rf["region"])
        self.assertEqual(x["RecordState"], "ACTIVE")
        self.assertEqual(x["Severity"]["Label"], rf["severity"])
        # Where AWS asks a provider to put them (Security Hub then keeps a
        # customer's own changes of the top-level copies).
        self.assertEqual(x["FindingProviderFields"]["Severity"]["Label"], rf["severity"])
        self.assertEqual(x["FindingProviderFields"]["Types"], x["Types"])
        self.assertEqual((x["ProductName"], x["CompanyName"]), ("certsweep", "certsweep"))
        self.assertTrue(x["ProductFields"]["ProviderVersion"])
        self.assertRegex(x["UpdatedAt"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
        for k in ("ProductArn", "Types", "CreatedAt", "UpdatedAt", "Title", "Description"):
            self.assertIn(k, x)


class DoubleTest(ScanRunner, harness.MotoCase):
    """ACM in moto, Security Hub in the double; only the scanning account
    (its own credentials, whose key the double maps to it)."""

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
        # Every certificate was scanned: an export problem (exit 5), not a
        # coverage gap of the scan.
        r, doc = self.shub_scan(rc=5)
        for i, code in ((1, "InvalidInput"), (3, "LimitExceeded")):
            self.assertIn("BatchImportFindings: %s: %s" % (ids[i], code), r.err)
        self.assertIn("failed 2", r.err)
        self.assertEqual(doc["coverage_gaps"], [])
        stored = self.ctl("/_double/state")["findings"][MGMT]
        self.assertEqual(sorted(f["Id"] for f in stored), sorted([ids[0], ids[2], ids[4]]))
        counts = self.runs()[-1][2]
        self.assertEqual((counts["securityhub"]["imported"], counts["securityhub"]["failed"]), (3, 2))
        self.assertEqual(counts["status"], "complete")

    def test_unlisted_failures_count_as_failed(self):
        self.seed(3)
        # FailedCount 1 but no FailedFindings: which one failed is unknown,
        # so none of the three can be said to be imported.
        self.ctl("/_double/program", {"unlisted_failures": 1})
        r, doc = self.shub_scan(rc=5)
        self.assertIn("FailedCount 1 but 0 failed findings listed", r.err)
        counts = self.runs()[-1][2]["securityhub"]
        self.assertEqual((counts["imported"], counts["failed"]), (0, 3))
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        try:
            self.assertEqual(db.execute("SELECT count(*) FROM shub_findings").fetchone()[0], 0)
        finally:
            db.close()

    def test_two_runs_in_the_same_second_both_update(self):
        """Security Hub ignores an update whose UpdatedAt is not later than
        the finding it has (the double too): UpdatedAt has milliseconds and
        is at least 1 ms after the last one sent, whatever the clock says."""
        self.seed(1, regions=("us-east-1",))
        sent = []
        for _ in range(3):              # back to back; often within one second
            self.shub_scan("--regions", "us-east-1")
            sent.append(self.ctl("/_double/state")["batches"][-1]["updated"][0])
            stored = self.ctl("/_double/state")["findings"][MGMT][0]["UpdatedAt"]
            self.assertEqual(stored, sent[-1], sent)
        for a, b in zip(sent, sent[1:]):
            self.assertGreater(iso_ms(b), iso_ms(a), sent)
        # The last UpdatedAt sent is in the state; a run whose clock is not
        # past it (the same millisecond, or a clock set back a minute) sends
        # 1 ms more, and Security Hub takes it.
        ahead = iso_ms(sent[-1]) + 60000
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        try:
            self.assertEqual(db.execute("SELECT value FROM meta WHERE key = "
                                        "'shub_last_updated_ms'").fetchone()[0], iso_ms(sent[-1]))
            db.execute("UPDATE meta SET value = ? WHERE key = 'shub_last_updated_ms'", (ahead,))
            db.commit()
        finally:
            db.close()
        self.shub_scan("--regions", "us-east-1")
        last = self.ctl("/_double/state")["batches"][-1]["updated"][0]
        self.assertEqual(iso_ms(last), ahead + 1)
        self.assertEqual(self.ctl("/_double/state")["findings"][MGMT][0]["UpdatedAt"], last)
        self.assertEqual(self.ctl("/_double/state")["ignored"], 0)

    def test_not_enabled_is_an_export_problem(self):
        self.seed(2)
        self.ctl("/_double/program", {"not_subscribed": [harness.TEST_ACCESS_KEY]})
        # Every certificate was scanned: exit 5 (a sink failed), no coverage
        # gap, and the line says what to do.
        r, doc = self.shub_scan(rc=5)
        self.assertEqual(len(doc["findings"]), 2)       # the report is still written
        self.assertEqual(doc["coverage_gaps"], [])
        self.assertIn("%s/%s: GetFindings: InvalidAccessException" % (MGMT, HOME), r.err)
        self.assertIn("Security Hub is not enabled in account %s, region %s" % (MGMT, HOME), r.err)
        self.assertIn("enable Security Hub in that account and region, or remove [securityhub]",
                      r.err)
        self.assertIn("every certificate was scanned", r.err)
        self.assertEqual(self.ctl("/_double/state")["batches"], [])
        self.assertEqual(self.runs()[-1][2]["status"], "complete")


class ApiGatewayTest(ScanRunner, harness.MotoCase):
    """The lifecycle per thing checked: ACM in moto, API Gateway client
    certificates and stage links from tests/doubles/apigw_clientcert_double.py
    (in front of moto), Security Hub in moto, member mode; a1 has an ACM
    certificate and a client certificate (both expiring) in us-east-1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        try:
            port = harness.free_port()
            cls.apigw = harness.Server([sys.executable, os.path.join(DOUBLES, "apigw_clientcert_double.py"),
                                        "--port", str(port), "--upstream", cls.moto.url],
                                       port, name="apigw_double")
        except Exception:
            super().tearDownClass()
            raise

    @classmethod
    def tearDownClass(cls):
        cls.apigw.stop()
        super().tearDownClass()

    def setUp(self):
        harness.moto_reset(self.moto)
        self.setup_runner(self.moto.url)
        self.org = o = Org(self.moto)
        self.acm_arn = o.import_cert(o.a1, "us-east-1", days=20)
        for a in (MGMT, o.a1, o.a2):
            o.hub(a).enable_security_hub()
        now = int(time.time())
        self.apigw_state = {"client_certificates": {o.a1: {"us-east-1": [{
            "clientCertificateId": "a1cert0001", "description": "backend mTLS",
            "createdDate": now - 355 * DAY, "expirationDate": now + 10 * DAY,
            "tags": {"team": "payments"}}]}}}
        self.program()

    def program(self, **extra):
        req = urllib.request.Request(self.apigw.url + "/_double/state", method="POST",
                                     data=json.dumps(dict(self.apigw_state, **extra)).encode())
        urllib.request.urlopen(req, timeout=10).read()

    def gw_scan(self, *args, rc=0, collectors="acm, apigateway", rules=""):
        r = self.scan("--format", "json", *args, collectors=collectors, rules=rules,
                      env_extra={"AWS_ENDPOINT_URL_API_GATEWAY": self.apigw.url})
        self.assertEqual(r.rc, rc, r)
        return r, r.json()

    def a1_hub(self):
        return self.org.hub_findings(self.org.a1)

    def by_rule(self, hub):
        out = {}
        for fid, f in hub.items():
            out.setdefault(f["GeneratorId"].split("/", 1)[1], []).append(f)
        return out

    def test_acm_only_run_archives_no_api_gateway_finding(self):
        r, doc = self.gw_scan()
        before = self.a1_hub()
        rules = self.by_rule(before)
        self.assertEqual(sorted(rules), ["client-certificate-rotation", "expiring"])
        # API Gateway is not read this time: its finding keeps its state
        # (not archived, not even touched); ACM's is re-imported.
        r, doc = self.gw_scan(collectors="acm")
        after = self.a1_hub()
        for fid, f in before.items():
            self.assertEqual(after[fid]["RecordState"], "ACTIVE", fid)
        cc = rules["client-certificate-rotation"][0]["Id"]
        self.assertEqual(after[cc]["UpdatedAt"], before[cc]["UpdatedAt"])
        self.assertEqual(self.runs()[-1][2]["securityhub"]["archived"], 0)

    def test_disabled_rule_archives_nothing_of_its_own(self):
        r, doc = self.gw_scan()
        before = self.a1_hub()
        exp = self.by_rule(before)["expiring"][0]["Id"]
        r, doc = self.gw_scan(rules="disabled_rules = expiring")
        self.assertNotIn("expiring", {f["rule"] for f in doc["findings"]})
        after = self.a1_hub()
        self.assertEqual(after[exp]["RecordState"], "ACTIVE")
        self.assertEqual(after[exp]["UpdatedAt"], before[exp]["UpdatedAt"])
        self.assertEqual(self.runs()[-1][2]["securityhub"]["archived"], 0)

    def test_api_gateway_denied_in_one_account(self):
        o = self.org
        r, doc = self.gw_scan()
        before = self.a1_hub()
        rules = self.by_rule(before)
        # a1 renews its ACM certificate; then an SCP denies API Gateway
        # there: ACM was read in full, so its finding is archived; the
        # client certificate's was not read and stays as it was.
        o.import_cert(o.a1, "us-east-1", days=300, arn=self.acm_arn)
        self.program(deny_accounts=[o.a1])
        r, doc = self.gw_scan(rc=3)
        self.assertTrue(all(g["account_id"] == o.a1 and g["error_code"] == "AccessDeniedException"
                            for g in doc["coverage_gaps"]), doc["coverage_gaps"])
        after = self.a1_hub()
        acm = rules["expiring"][0]["Id"]
        cc = rules["client-certificate-rotation"][0]["Id"]
        self.assertEqual(after[acm]["RecordState"], "ARCHIVED")
        self.assertEqual(after[acm]["Compliance"]["Status"], "PASSED")
        self.assertEqual(after[acm]["FindingProviderFields"]["Severity"]["Label"], "INFORMATIONAL")
        self.assertEqual(after[cc]["RecordState"], "ACTIVE")
        self.assertEqual(after[cc]["UpdatedAt"], before[cc]["UpdatedAt"])

    def test_twelve_stages_within_the_limits(self):
        o = self.org
        gw = o.client(o.a1, "apigateway", "us-east-1")
        api = gw.create_rest_api(name="orders")["id"]
        root = gw.get_resources(restApiId=api)["items"][0]["id"]
        gw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        gw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        dep = gw.create_deployment(restApiId=api)["id"]
        stages = ["stage-%02d-%s" % (i, "x" * 100) for i in range(12)] + ["prod"]
        for st in stages:
            gw.create_stage(restApiId=api, stageName=st, deploymentId=dep)
        links = {"%s/%s" % (api, st): "a1cert0001" for st in stages[:12]}
        links["%s/prod" % api] = "ghost0cert"
        self.apigw_state["stage_client_certificates"] = {o.a1: {"us-east-1": links}}
        self.program()
        r, doc = self.gw_scan()
        hub = self.a1_hub()
        rules = self.by_rule(hub)
        cc = rules["client-certificate-rotation"][0]
        other = cc["Resources"][0]["Details"]["Other"]
        for k, v in other.items():
            self.assertLess(len(k), 128, k)
            self.assertLess(len(v), 1024, k)
        self.assertEqual(cc["Resources"][0]["Tags"], {"team": "payments"})
        # Whole stage names, the rest counted; never a cut JSON list.
        self.assertRegex(other["stages"], r"^%s/stage-00-x+(, %s/stage-\d\d-x+)* \(\+\d+ more\)$"
                         % (api, api))
        shown = other["stages"].count(", ") + 1
        self.assertIn("(+%d more)" % (12 - shown), other["stages"])
        # The stage finding's details are AwsApiGatewayStage details.
        st = rules["stage-client-certificate"][0]["Resources"][0]
        self.assertEqual(st["Type"], "AwsApiGatewayStage")
        self.assertEqual(st["Details"]["AwsApiGatewayStage"],
                         {"StageName": "prod", "ClientCertificateId": "ghost0cert"})


if __name__ == "__main__":
    harness.main()
