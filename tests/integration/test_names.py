#!/usr/bin/env python3
"""Who and what a finding is about (issue 11), through the real binary
against moto: each finding carries its account's Organizations name and OU
path ("Root/Production/Payments"), the certificate's tags (ACM
ListTagsForCertificate; IAM ListServerCertificateTags, which moto lacks,
from tests/doubles/moto_server.py) and the account's tags
(Organizations ListTagsForResource), in JSON, CSV and ASFF.  A tag call that
is refused (the fault double's deny mode) is a coverage gap for that
operation and the finding stays; accounts given in the config have no name
or path and that is not an error."""
import csv
import io
import json
import os
import shutil
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "doubles"))
import harness  # noqa: E402
import fault_double  # noqa: E402
import proxy  # noqa: E402
import seed_demo  # noqa: E402

MGMT = harness.MOTO_DEFAULT_ACCOUNT
REGION = "us-east-1"
ROLE = "CertSweepAudit"
DAY = 86400


class NamesTest(harness.MotoCase):
    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-names-")
        self.doubles = []
        org = harness.boto_client(self.moto, "organizations", REGION)
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        self.prod_ou = org.create_organizational_unit(ParentId=root, Name="Production")[
            "OrganizationalUnit"]["Id"]
        pay_ou = org.create_organizational_unit(ParentId=self.prod_ou, Name="Payments")[
            "OrganizationalUnit"]["Id"]
        self.pay = org.create_account(
            AccountName="pay-prod", Email="pay@example.com",
            Tags=[{"Key": "team", "Value": "payments"}, {"Key": "cost-center", "Value": "42"}],
        )["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=self.pay, SourceParentId=root, DestinationParentId=pay_ou)
        self.dev = org.create_account(AccountName="dev-a", Email="dev@example.com")[
            "CreateAccountStatus"]["AccountId"]
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % MGMT},
            "Action": "sts:AssumeRole"}]})
        sts = harness.boto_client(self.moto, "sts", REGION)
        self.creds = {}
        for a in (self.pay, self.dev):
            self.creds[a] = sts.assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (a, ROLE),
                                            RoleSessionName="seed")["Credentials"]
            self.client(a, "iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust)
        now = seed_demo.epoch_of(seed_demo.default_as_of()) - 10 * DAY
        body, key = seed_demo.make_cert("pay.example.com", now - DAY, now + 30 * DAY)
        self.pay_arn = self.client(self.pay, "acm").import_certificate(
            Certificate=body, PrivateKey=key,
            Tags=[{"Key": "owner", "Value": "alice"}, {"Key": "a=b", "Value": "c;d"}],
        )["CertificateArn"]
        self.dev_arn = self.client(self.dev, "acm").import_certificate(
            Certificate=body, PrivateKey=key)["CertificateArn"]
        # moto reports every IAM server certificate as expired (2012).
        self.client(self.pay, "iam").upload_server_certificate(
            ServerCertificateName="legacy-lb", CertificateBody=body.decode(),
            PrivateKey=key.decode(), Tags=[{"Key": "env", "Value": "prod"}])

    def tearDown(self):
        for srv, _ in self.doubles:
            proxy.stop(srv)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def client(self, account, service):
        c = self.creds[account]
        return harness.boto_client(self.moto, service, region=REGION,
                                   access_key=c["AccessKeyId"], secret_key=c["SecretAccessKey"],
                                   session_token=c["SessionToken"])

    def double(self, mode, match=None):
        d = fault_double.start(self.moto.url, {mode: {"match": match} if match else {}})
        self.doubles.append(d)
        return d

    def scan(self, fmt, config="", acm_url=None, org_url=None, args=()):
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = %s\ncollectors = acm, iam\n%s"
                    "[securityhub]\nenabled = false\n[state]\ndir = %s\n"
                    % (REGION, REGION, config, os.path.join(self.tmp, "state")))
        extra = dict(harness.env_credentials())
        if acm_url:
            extra["AWS_ENDPOINT_URL_ACM"] = acm_url
        if org_url:
            extra["AWS_ENDPOINT_URL_ORGANIZATIONS"] = org_url
        env = harness.clean_env(endpoint_url=self.moto.url, extra=extra, home=self.tmp)
        return harness.run(["scan", "--config", conf, "--no-notify", "--format", fmt,
                            "--as-of", seed_demo.default_as_of()] + list(args), env)

    def by_resource(self, findings):
        return {(f["account_id"], f["rule"]): f for f in findings}

    def test_json_names_paths_and_tags(self):
        r = self.scan("json")
        self.assertEqual(r.rc, 1, r)         # a CRITICAL expired IAM certificate
        doc = r.json()
        self.assertEqual(doc["coverage_gaps"], [], r)
        f = self.by_resource(doc["findings"])
        acm = f[(self.pay, "expiring")]
        self.assertEqual(acm["account_name"], "pay-prod")
        self.assertEqual(acm["ou_path"], "Root/Production/Payments")
        self.assertEqual(acm["tags"], {"owner": "alice", "a=b": "c;d"})
        self.assertEqual(acm["account_tags"], {"team": "payments", "cost-center": "42"})
        iam = f[(self.pay, "iam-server-certificate")] if (self.pay, "iam-server-certificate") in f \
            else f[(self.pay, "expired")]
        self.assertEqual(iam["tags"], {"env": "prod"})
        self.assertEqual(iam["ou_path"], "Root/Production/Payments")
        dev = f[(self.dev, "expiring")]
        self.assertEqual(dev["account_name"], "dev-a")
        self.assertEqual(dev["ou_path"], "Root")
        self.assertEqual(dev["tags"], {})
        self.assertEqual(dev["account_tags"], {})

    def test_csv_columns(self):
        r = self.scan("csv")
        self.assertEqual(r.rc, 1, r)
        rows = list(csv.DictReader(io.StringIO(r.out)))
        acm = [x for x in rows if x["account_id"] == self.pay and x["rule"] == "expiring"]
        self.assertEqual(len(acm), 1, rows)
        self.assertEqual(acm[0]["account_name"], "pay-prod")
        self.assertEqual(acm[0]["ou_path"], "Root/Production/Payments")
        self.assertEqual(acm[0]["tags"], "owner=alice;a\\=b=c\\;d")
        self.assertEqual(acm[0]["account_tags"], "team=payments;cost-center=42")
        dev = [x for x in rows if x["account_id"] == self.dev]
        self.assertEqual((dev[0]["account_name"], dev[0]["ou_path"], dev[0]["tags"]),
                         ("dev-a", "Root", ""))

    def test_asff_product_fields_and_resource_tags(self):
        r = self.scan("asff")
        self.assertEqual(r.rc, 1, r)
        docs = json.loads(r.out)
        docs = docs.get("Findings", docs) if isinstance(docs, dict) else docs
        acm = [d for d in docs if d["AwsAccountId"] == self.pay
               and d["Resources"][0]["Id"] == self.pay_arn]
        self.assertEqual(len(acm), 1, docs)
        pf = acm[0]["ProductFields"]
        self.assertEqual(pf["certsweep/AccountName"], "pay-prod")
        self.assertEqual(pf["certsweep/OuPath"], "Root/Production/Payments")
        self.assertEqual(pf["certsweep/AccountTag/team"], "payments")
        self.assertEqual(pf["certsweep/AccountTag/cost-center"], "42")
        self.assertEqual(acm[0]["Resources"][0]["Tags"], {"owner": "alice", "a=b": "c;d"})

    def test_refused_tag_call_is_a_gap_and_keeps_the_finding(self):
        srv, url = self.double("deny", "ListTagsForCertificate")
        r = self.scan("json", acm_url=url)
        self.assertEqual(r.rc, 1, r)          # findings take precedence over the gap
        doc = r.json()
        f = self.by_resource(doc["findings"])
        acm = f[(self.pay, "expiring")]
        self.assertEqual(acm["tags"], {})
        self.assertEqual(acm["account_name"], "pay-prod")      # the rest is there
        self.assertEqual(acm["account_tags"], {"team": "payments", "cost-center": "42"})
        gaps = {(g["account_id"], g["region"], g["operation"], g["error_code"])
                for g in doc["coverage_gaps"]}
        self.assertEqual(gaps, {(self.pay, REGION, "ListTagsForCertificate", "AccessDeniedException"),
                                (self.dev, REGION, "ListTagsForCertificate", "AccessDeniedException")},
                         doc["coverage_gaps"])
        # Only resources with findings were asked, once each.
        asked = [op for op, _ in srv.fault["requests"] if op == "ListTagsForCertificate"]
        self.assertEqual(len(asked), 2, asked)

    def test_tags_are_asked_while_the_region_is_still_described(self):
        """A certificate whose describe shows a finding has its tags, and its
        account's, asked at once, while another certificate of the same
        account-region still waits for its DescribeCertificate answer: the
        double holds the first certificate's describe until both tag calls
        of the second arrived (before, tags were asked only once the whole
        account-region was judged: the hold ran out)."""
        now = seed_demo.epoch_of(seed_demo.default_as_of()) - 10 * DAY
        body, key = seed_demo.make_cert("next.example.com", now - DAY, now + 25 * DAY)
        next_arn = self.client(self.pay, "acm").import_certificate(
            Certificate=body, PrivateKey=key, Tags=[{"Key": "owner", "Value": "bob"}],
        )["CertificateArn"]
        srv, url = fault_double.start(self.moto.url, {"hold": {
            "match": "DescribeCertificate", "body": self.pay_arn, "timeout": 20,
            "until": [["ListTagsForCertificate", next_arn],
                      ["ListTagsForResource", self.pay]]}})
        self.doubles.append((srv, url))
        r = self.scan("json", acm_url=url, org_url=url)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(srv.fault["held"], ["until"], srv.fault["held"])
        ops = srv.fault["requests"]
        held = [i for i, (op, b) in enumerate(ops)
                if op == "DescribeCertificate" and self.pay_arn.encode() in b]
        tags = [i for i, (op, b) in enumerate(ops)
                if op == "ListTagsForCertificate" and next_arn.encode() in b]
        self.assertEqual((len(held), len(tags)), (1, 1), ops)
        self.assertLess(held[0], tags[0])     # asked while that describe was unanswered
        doc = r.json()
        self.assertEqual(doc["coverage_gaps"], [], r)
        f = {(x["resource_arn"], x["rule"]): x for x in doc["findings"]}
        pay_tags = {"team": "payments", "cost-center": "42"}
        self.assertEqual(f[(next_arn, "expiring")]["tags"], {"owner": "bob"})
        self.assertEqual(f[(next_arn, "expiring")]["account_tags"], pay_tags)
        self.assertEqual(f[(self.pay_arn, "expiring")]["tags"], {"owner": "alice", "a=b": "c;d"})
        self.assertEqual(f[(self.pay_arn, "expiring")]["account_tags"], pay_tags)
        # Each resource and account asked once, the early asks included.
        self.assertEqual(len([1 for op, _ in ops if op == "ListTagsForCertificate"]), 3, ops)
        self.assertEqual(len([1 for op, _ in ops if op == "ListTagsForResource"]), 2, ops)

    def test_tags_false_makes_no_tag_call(self):
        srv, url = self.double("deny", "ListTagsForCertificate")
        r = self.scan("json", config="tags = false\n", acm_url=url)
        self.assertEqual(r.rc, 1, r)
        doc = r.json()
        self.assertEqual(doc["coverage_gaps"], [], r)
        acm = self.by_resource(doc["findings"])[(self.pay, "expiring")]
        self.assertEqual((acm["tags"], acm["account_tags"]), ({}, {}))
        self.assertEqual(acm["ou_path"], "Root/Production/Payments")    # names and paths still
        self.assertEqual([op for op, _ in srv.fault["requests"] if "Tags" in op], [])

    def test_failing_ou_walk_is_a_gap_not_fatal(self):
        srv, url = self.double("deny", "ListOrganizationalUnitsForParent")
        r = self.scan("json", org_url=url)
        self.assertEqual(r.rc, 1, r)
        doc = r.json()
        gaps = [(g["account_id"], g["region"], g["operation"], g["error_code"])
                for g in doc["coverage_gaps"]]
        self.assertEqual(gaps, [(MGMT, "*", "ListOrganizationalUnitsForParent",
                                 "AccessDeniedException")], doc["coverage_gaps"])
        self.assertIn("the OU path of accounts could not be read", doc["coverage_gaps"][0]["message"])
        f = self.by_resource(doc["findings"])
        acm = f[(self.pay, "expiring")]
        self.assertEqual(acm["account_name"], "pay-prod")        # names come from ListAccounts
        self.assertIsNone(acm["ou_path"])                        # the walk did not finish
        self.assertEqual(acm["account_tags"], {"team": "payments", "cost-center": "42"})
        # The accounts directly under the root were placed before the failure.
        self.assertEqual(f[(self.dev, "expiring")]["ou_path"], "Root")

    def test_chosen_ou_gets_its_path_from_the_root(self):
        r = self.scan("json", config="organizational_units = %s\n" % self.prod_ou)
        self.assertEqual(r.rc, 1, r)
        doc = r.json()
        self.assertEqual(doc["coverage_gaps"], [], r)
        accts = {f["account_id"] for f in doc["findings"]}
        self.assertEqual(accts, {self.pay}, doc["findings"])
        for f in doc["findings"]:
            self.assertEqual(f["ou_path"], "Root/Production/Payments", f)
            self.assertEqual(f["account_name"], "pay-prod", f)

    def test_configured_accounts_have_no_name_and_no_error(self):
        r = self.scan("json", config="accounts = %s\n" % self.pay)
        self.assertEqual(r.rc, 1, r)
        doc = r.json()
        self.assertEqual(doc["coverage_gaps"], [], r)
        self.assertTrue(doc["findings"], r)
        for f in doc["findings"]:
            self.assertIsNone(f["account_name"], f)
            self.assertIsNone(f["ou_path"], f)
            self.assertEqual(f["account_tags"], {}, f)
        acm = self.by_resource(doc["findings"])[(self.pay, "expiring")]
        self.assertEqual(acm["tags"], {"owner": "alice", "a=b": "c;d"})   # resource tags still


if __name__ == "__main__":
    harness.main()
