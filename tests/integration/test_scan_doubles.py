"""certsweep scan against moto behind test doubles, for what moto cannot
produce by itself (all on 127.0.0.1):

  tests/doubles/acm_double.py               RenewalSummary, RenewalEligibility,
                                            InUseBy, Status, NotAfter patched into
                                            DescribeCertificate; ListCertificates
                                            paged; malformed answers
  tests/doubles/apigw_clientcert_double.py  client certificates, stage links,
                                            GetClientCertificates denied

No organization: the caller's account (moto's default) is scanned.  Each
test has its own region, so each scan sees only its own certificates:
  us-east-1     renewal-failing, not-renewable, managed vs imported tiers
  eu-west-1     25 pending certificates, listed 10 a page
  eu-central-1  malformed DescribeCertificate answers
  us-west-2     a stage naming a client certificate, client certificates denied
  ap-southeast-2, ap-northeast-1
                60 and 30 certificates behind ACM's rate limits (the double
                enforces DescribeCertificate 10/s, ListCertificates 8/s per
                account and region)
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import scanlib  # noqa: E402
import seed_demo  # noqa: E402

DAY = seed_demo.DAY
ACCT = harness.MOTO_DEFAULT_ACCOUNT
LB = "arn:aws:elasticloadbalancing:us-east-1:%s:loadbalancer/app/web/50dc6c495c0c9188" % ACCT


class ScanDoublesTest(scanlib.DoublesCase):
    DOUBLES = {"acm": "acm_double.py", "apigw": "apigw_clientcert_double.py"}

    @classmethod
    def seed(cls):
        cls.now = cls.t - 10 * DAY
        cls.seed_renewals()
        cls.seed_paging()
        cls.seed_malformed()
        cls.seed_stages()
        cls.seed_paced()

    # ---- seeding -------------------------------------------------------------
    @classmethod
    def request(cls, region, name):
        arn = cls.request_certificate(region, name)
        return arn, arn.rsplit("/", 1)[1]

    @classmethod
    def finding(cls, rule, severity, region, cid, days, arn=None, **details):
        e = {"rule": rule, "severity": severity, "account_id": ACCT, "region": region,
             "resource_id": cid, "days_to_expiry": days}
        if arn:
            e["arn"] = arn
        if details:
            e["details"] = details
        return e

    @classmethod
    def seed_renewals(cls):
        """us-east-1: Amazon-issued certificates whose renewal state comes
        from the double, and an imported one."""
        t, r = cls.t, "us-east-1"
        cls.patches, cls.renewal_expected, cls.renewal_healthy = {}, [], []
        full = {"medium": 45, "high": 30, "critical": 7}
        managed = {"medium": 30, "high": 14, "critical": 7}

        def amazon(name, days, eligibility, in_use, renewal=None):
            arn, cid = cls.request(r, name)
            p = {"Status": "ISSUED", "Type": "AMAZON_ISSUED", "RenewalEligibility": eligibility,
                 "InUseBy": [LB] if in_use else [], "NotBefore": t - 300 * DAY,
                 "NotAfter": t + days * DAY + 43200, "IssuedAt": t - 300 * DAY}
            if renewal:
                p["RenewalSummary"] = dict(renewal, UpdatedAt=cls.now,
                                           DomainValidationOptions=[{
                                               "DomainName": name, "ValidationStatus": "FAILED",
                                               "ValidationMethod": "DNS"}])
            cls.patches[arn] = p
            return arn, cid

        # Managed renewal FAILED: HIGH whatever the date; not managed any more,
        # and 50 days is outside the full expiring tiers.
        arn, cid = amazon("failed.example.com", 50, "ELIGIBLE", True,
                          {"RenewalStatus": "FAILED", "RenewalStatusReason": "CAA_ERROR"})
        cls.renewal_expected.append(cls.finding("renewal-failing", "HIGH", r, cid, 50, arn,
                                                renewal_status="FAILED",
                                                renewal_status_reason="CAA_ERROR"))
        # Renewal still pending validation 25 days before expiry (<= 30).
        arn, cid = amazon("pending.example.com", 25, "ELIGIBLE", True,
                          {"RenewalStatus": "PENDING_VALIDATION"})
        cls.renewal_expected += [
            cls.finding("renewal-failing", "HIGH", r, cid, 25, arn,
                        renewal_status="PENDING_VALIDATION"),
            cls.finding("expiring", "MEDIUM", r, cid, 25, arn, managed_renewal=True,
                        thresholds=managed)]
        # Pending 40 days before expiry: ACM is still at it, nothing to say.
        arn, cid = amazon("early.example.com", 40, "ELIGIBLE", True,
                          {"RenewalStatus": "PENDING_VALIDATION"})
        cls.renewal_healthy.append(cid)
        # Not in use: ACM will not renew it -> not-renewable LOW, full tiers.
        arn, cid = amazon("unused.example.com", 40, "ELIGIBLE", False)
        cls.renewal_expected += [
            cls.finding("not-renewable", "LOW", r, cid, 40, arn, reason="not-in-use"),
            cls.finding("expiring", "MEDIUM", r, cid, 40, arn, managed_renewal=False,
                        thresholds=full)]
        # In use but INELIGIBLE -> not-renewable MEDIUM, full tiers.
        arn, cid = amazon("ineligible.example.com", 20, "INELIGIBLE", True)
        cls.renewal_expected += [
            cls.finding("not-renewable", "MEDIUM", r, cid, 20, arn, reason="ineligible"),
            cls.finding("expiring", "HIGH", r, cid, 20, arn, managed_renewal=False,
                        thresholds=full)]
        # 20 days: managed (eligible, in use) -> MEDIUM by expiring_managed;
        # imported -> HIGH by the full tiers.
        arn, cid = amazon("managed.example.com", 20, "ELIGIBLE", True)
        cls.renewal_expected.append(cls.finding("expiring", "MEDIUM", r, cid, 20, arn,
                                                managed_renewal=True, thresholds=managed))
        body, key = seed_demo.make_cert("imported.example.com", cls.now - 300 * DAY,
                                        t + 20 * DAY + 43200)
        arn = harness.boto_client(cls.moto, "acm", r).import_certificate(
            Certificate=body, PrivateKey=key)["CertificateArn"]
        cls.patches[arn] = {"InUseBy": [LB], "RenewalEligibility": "INELIGIBLE"}
        cls.renewal_expected.append(cls.finding("expiring", "HIGH", r, arn.rsplit("/", 1)[1], 20,
                                                arn, managed_renewal=False, thresholds=full))

    @classmethod
    def seed_paging(cls):
        """eu-west-1: 25 certificates requested today, pending validation
        for 10 days by as_of (validation-incomplete each)."""
        r = "eu-west-1"
        acm = harness.boto_client(cls.moto, "acm", r)
        cls.paged, cls.paged_expected = [], []
        for i in range(25):
            arn, cid = cls.request(r, "p%02d.example.com" % i)
            na = acm.describe_certificate(CertificateArn=arn)["Certificate"]["NotAfter"].timestamp()
            cls.paged.append(arn)
            cls.paged_expected.append(cls.finding("validation-incomplete", "MEDIUM", r, cid,
                                                  seed_demo.days_until(na, cls.t), arn))

    @classmethod
    def seed_malformed(cls):
        """eu-central-1: one certificate whose DescribeCertificate answer is
        not JSON, one ISSUED without NotAfter, one fine."""
        r, t = "eu-central-1", cls.t
        cls.broken, _ = cls.request(r, "broken.example.com")
        cls.no_not_after, _ = cls.request(r, "nodate.example.com")
        cls.patches[cls.no_not_after] = {"Status": "ISSUED", "NotAfter": None}
        body, key = seed_demo.make_cert("ok.example.com", cls.now - 300 * DAY, t + 5 * DAY + 43200)
        arn = harness.boto_client(cls.moto, "acm", r).import_certificate(
            Certificate=body, PrivateKey=key)["CertificateArn"]
        cls.malformed_expected = [cls.finding("expiring", "CRITICAL", r, arn.rsplit("/", 1)[1], 5,
                                              arn)]

    @classmethod
    def seed_stages(cls):
        """us-west-2: stage prod names a client certificate that does not
        exist, stage beta one that expires in 10 days."""
        r = "us-west-2"
        gw = harness.boto_client(cls.moto, "apigateway", r)
        api = gw.create_rest_api(name="orders")["id"]
        root = gw.get_resources(restApiId=api)["items"][0]["id"]
        gw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        gw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        dep = gw.create_deployment(restApiId=api)["id"]
        for stage in ("prod", "beta"):
            gw.create_stage(restApiId=api, stageName=stage, deploymentId=dep)
        cls.apigw_state = {
            "client_certificates": {ACCT: {r: [{
                "clientCertificateId": "rot8me0001", "description": "backend mTLS",
                "createdDate": cls.now - 300 * DAY, "expirationDate": cls.t + 10 * DAY + 3600}]}},
            "stage_client_certificates": {ACCT: {r: {"%s/prod" % api: "ghost0cert",
                                                     "%s/beta" % api: "rot8me0001"}}}}
        cls.stage_expected = [
            cls.finding("stage-client-certificate", "HIGH", r, "%s/prod" % api, None,
                        problem="missing-client-certificate"),
            cls.finding("client-certificate-rotation", "HIGH", r, "rot8me0001", 10,
                        stages=["%s/beta" % api], stages_complete=True)]

    PACED = {"ap-southeast-2": 60, "ap-northeast-1": 30}

    @classmethod
    def seed_paced(cls):
        """Many certificates in two regions, for the rate limits."""
        for r, n in cls.PACED.items():
            for i in range(n):
                cls.request(r, "r%03d.%s.example.com" % (i, r))

    # ---- helpers -------------------------------------------------------------
    def setUp(self):
        self.push_acm()
        scanlib.double_post(self.apigw, "/_double/state", self.apigw_state)

    def push_acm(self, **extra):
        scanlib.double_post(self.acm, "/_double/state", dict({"certificates": self.patches}, **extra))

    def scan(self, region, *args):
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home, extra=dict(
            harness.env_credentials(session_token=True),
            AWS_ENDPOINT_URL_ACM=self.acm.url, AWS_ENDPOINT_URL_API_GATEWAY=self.apigw.url,
            CERTSWEEP_CONFIG=self.config))
        r = harness.run(["scan", "--as-of", self.as_of, "--regions", region, "--format", "json"]
                        + list(args), env, timeout=180)
        self.assertIn(r.rc, (0, 1, 3), r)
        return r, r.json()

    def gaps(self, doc):
        return sorted((g["account_id"], g["region"], g["operation"], g["error_code"])
                      for g in doc["coverage_gaps"])

    # ---- tests ---------------------------------------------------------------
    def test_renewal_state_and_tiers(self):
        r, doc = self.scan("us-east-1")
        self.assertEqual(doc["coverage_gaps"], [], r)
        scanlib.assert_findings(self, doc, self.renewal_expected, self.renewal_healthy)
        rules = {f["rule"] for f in doc["findings"]}
        self.assertTrue({"renewal-failing", "not-renewable", "expiring"} <= rules)
        failed = [f for f in doc["findings"] if f["rule"] == "renewal-failing"
                  and f["details"]["renewal_status"] == "FAILED"][0]
        self.assertIn("renewal failed (CAA_ERROR)", failed["title"])
        self.assertIn("failed.example.com: FAILED (DNS)", failed["details_text"])
        self.assertEqual(failed["details"]["in_use_by"], [LB])
        self.assertEqual(r.rc, 1, r)
        # Every certificate was described once, through the double.
        seen = scanlib.double_get(self.acm, "/_double/requests")
        described = [q["arn"] for q in seen if q["op"] == "DescribeCertificate"]
        self.assertEqual(sorted(described), sorted(a for a in self.patches if ":us-east-1:" in a))

    def test_acm_is_read_page_by_page(self):
        self.push_acm(page_size=10)
        r, doc = self.scan("eu-west-1", "--fail-on", "none")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(doc["coverage_gaps"], [], r)
        scanlib.assert_findings(self, doc, self.paged_expected)
        seen = scanlib.double_get(self.acm, "/_double/requests")
        lists = [q for q in seen if q["op"] == "ListCertificates"]
        self.assertEqual([q["next_token"] for q in lists],
                         [None, "acm-double-page-10", "acm-double-page-20"])
        self.assertTrue(all(q["max_items"] for q in lists))
        described = [q["arn"] for q in seen if q["op"] == "DescribeCertificate"]
        self.assertEqual(len(described), 25)
        self.assertEqual(sorted(described), sorted(self.paged))

    def test_malformed_describe_answers_are_gaps(self):
        self.push_acm(invalid_json=[self.broken])
        r, doc = self.scan("eu-central-1", "--fail-on", "none")
        self.assertEqual(r.rc, 3, r)          # gaps, no failing finding
        self.assertEqual(self.gaps(doc), [(ACCT, "eu-central-1", "DescribeCertificate", "ParseError")] * 2)
        msgs = sorted(g["message"] for g in doc["coverage_gaps"])
        broken = [m for m in msgs if self.broken in m]
        nodate = [m for m in msgs if self.no_not_after in m]
        self.assertEqual(len(broken), 1, msgs)
        self.assertIn("not valid JSON", broken[0])
        self.assertEqual(len(nodate), 1, msgs)
        self.assertEqual(nodate[0], "%s: ISSUED certificate has no NotAfter" % self.no_not_after)
        self.assertTrue(broken[0].startswith(self.broken + ": response is not valid JSON"), broken)
        # The readable certificate next to them is judged as usual.
        scanlib.assert_findings(self, doc, self.malformed_expected)
        self.assertEqual(doc["stats"]["certificates"], 1)
        for arn in (self.broken, self.no_not_after):
            self.assertIn(arn, r.err)         # one clear line each on stderr
        # The same without the damage: all three are judged (control).
        scanlib.double_post(self.acm, "/_double/state", {"certificates": {
            a: p for a, p in self.patches.items() if a != self.no_not_after}})
        r, doc = self.scan("eu-central-1", "--fail-on", "none")
        self.assertEqual(doc["coverage_gaps"], [], r)
        self.assertEqual(doc["stats"]["certificates"], 3)

    def test_paced_below_acm_rate_limits(self):
        """Against ACM's own limits (DescribeCertificate 10/s and
        ListCertificates 8/s per account and region, answered with
        ThrottlingException as ACM does), a scan of two account-regions
        holding 60 and 30 certificates reads everything and receives at most
        a handful of throttling errors (0 in most runs here; the bound leaves
        room for a loaded machine, whose late requests reach the double in
        clumps): calls are paced at the published rates from the first one,
        not discovered by throttling.  The pacing of certsweep 3bac16f got 47."""
        self.push_acm(rate_limits={"DescribeCertificate": 10, "ListCertificates": 8})
        r, doc = self.scan(",".join(self.PACED), "--fail-on", "none")
        self.assertEqual(doc["coverage_gaps"], [], r)
        self.assertEqual(doc["stats"]["certificates"], sum(self.PACED.values()), r)
        seen = scanlib.double_get(self.acm, "/_double/requests")
        throttles = [q for q in seen if q.get("throttled")]
        described = {q["arn"] for q in seen if q["op"] == "DescribeCertificate" and "arn" in q}
        self.assertEqual(len(described), sum(self.PACED.values()))
        for region in self.PACED:
            n = len([q for q in throttles if q["region"] == region])
            self.assertLessEqual(n, 5, "%s: %d throttling errors" % (region, n))
        self.assertEqual(doc["stats"]["throttled"], len(throttles), doc["stats"])

    def test_stage_not_judged_when_client_certificates_cannot_be_listed(self):
        r, doc = self.scan("us-west-2")
        self.assertEqual(doc["coverage_gaps"], [], r)
        scanlib.assert_findings(self, doc, self.stage_expected)
        self.assertEqual(r.rc, 1, r)
        # GetClientCertificates denied: the stage's certificate may well
        # exist; one gap, and no finding claims it does not.
        scanlib.double_post(self.apigw, "/_double/state",
                            dict(self.apigw_state, deny_client_certificates=[ACCT]))
        r, doc = self.scan("us-west-2")
        self.assertEqual(self.gaps(doc), [(ACCT, "us-west-2", "GetClientCertificates",
                                           "AccessDeniedException")], r)
        self.assertIn("clientcertificates", doc["coverage_gaps"][0]["message"])
        scanlib.assert_findings(self, doc, [])
        self.assertEqual(r.rc, 3, r)


if __name__ == "__main__":
    harness.main()
