#!/usr/bin/env python3
"""Reading less for API Gateway (issue 14), through the real binary against
moto (REST APIs, stages, custom domains) with the client-certificate double
in front of it (moto has no client certificates): the same organization
scanned with and without `[scan] describe = all` gives the same report,
field by field (stats and timing aside), and the stats say how many
GetRestApis / GetStages reads were saved, which the double counts too.

With the default rules stage-client-certificate decides on every stage (a
stage naming a client certificate that no longer exists is its finding,
also where no client certificate exists at all), so every stage is read.
Without that rule the stages are read only where a client certificate
raises a rotation finding (its finding lists the stages using it)."""
import json
import os
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import scanlib  # noqa: E402
from test_securityhub import DAY, MGMT, Org, SCAN_REGION  # noqa: E402

REGIONS = ("us-east-1", "eu-west-1")
# Keys that depend on the state a run reads or on the clock, not on what it judged.
LABEL_KEYS = ("label", "previous_severity", "first_seen")


class ReadLessApigwTest(harness.MotoCase):
    DOUBLES = {"double": "apigw_clientcert_double.py"}

    @classmethod
    def setUpClass(cls):
        # Requested certificates stay PENDING_VALIDATION (a custom domain
        # serving one is a domain-certificate finding).
        os.environ["MOTO_ACM_VALIDATION_WAIT"] = "100000"
        super().setUpClass()

    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-readless-apigw-")
        self.org = o = Org(self.moto)
        now = o.now
        links = {}

        def rest_api(account, region, name, stages):
            """A REST API with a deployment per stage; stages: {name: client certificate id}."""
            c = o.client(account, "apigateway", region)
            api = c.create_rest_api(name=name)["id"]
            root = [r for r in c.get_resources(restApiId=api)["items"] if r["path"] == "/"][0]
            c.put_method(restApiId=api, resourceId=root["id"], httpMethod="GET",
                         authorizationType="NONE")
            c.put_integration(restApiId=api, resourceId=root["id"], httpMethod="GET", type="MOCK")
            for stage, cc in stages.items():
                c.create_deployment(restApiId=api, stageName=stage)
                if cc:
                    links.setdefault(account, {}).setdefault(region, {})["%s/%s" % (api, stage)] = cc
            return api

        def client_cert(cid, days):
            return {"clientCertificateId": cid, "createdDate": now - (365 - days) * DAY,
                    "expirationDate": now + days * DAY + 3600, "description": cid}

        # a1/eu-west-1: a client certificate due in 20 days, used by a stage.
        self.orders = rest_api(o.a1, "eu-west-1", "orders", {"prod": "rot8me0001"})
        # a2/us-east-1: a healthy client certificate, and a stage naming
        # one that was deleted.
        rest_api(o.a2, "us-east-1", "legacy", {"prod": "fresh00001", "beta": "gone000001"})
        # a2/eu-west-1: no client certificate at all, a stage naming one.
        rest_api(o.a2, "eu-west-1", "billing", {"prod": "deleted001"})
        # The management account: a stage without a client certificate and
        # a custom domain serving a certificate still pending validation.
        rest_api(MGMT, "us-east-1", "ops", {"prod": None})
        acm = o.client(MGMT, "acm", "us-east-1")
        pending = acm.request_certificate(DomainName="api.example.com",
                                          ValidationMethod="DNS")["CertificateArn"]
        o.client(MGMT, "apigateway", "us-east-1").create_domain_name(
            domainName="api.example.com", regionalCertificateArn=pending,
            endpointConfiguration={"types": ["REGIONAL"]})
        self.n_rest_apis = 4
        # Every scan judges at the same instant: days to expiry cannot
        # change between the runs compared.
        self.as_of = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(now + 600))
        self.double_state = {
            "client_certificates": {
                o.a1: {"eu-west-1": [client_cert("rot8me0001", 20)]},
                o.a2: {"us-east-1": [client_cert("fresh00001", 300)]},
            },
            "stage_client_certificates": links,
        }

    # ---- helpers -------------------------------------------------------------
    def scan(self, name, describe=None, rules=""):
        """Scans with its own state directory; the report's JSON and the
        API Gateway requests the double saw."""
        state = os.path.join(self.tmp, "state-" + name)
        conf = os.path.join(self.tmp, "certsweep-%s.conf" % name)
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = %s\n"
                    "collectors = acm, apigateway, apigatewayv2\nfail_on = none\n%s"
                    "[rules]\n%s[state]\ndir = %s\n"
                    % (SCAN_REGION, ", ".join(REGIONS),
                       "describe = %s\n" % describe if describe else "", rules, state))
        # Pushing the state also clears the double's request log.
        scanlib.double_post(self.double, "/_double/state", self.double_state)
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials(),
                                           AWS_ENDPOINT_URL_API_GATEWAY=self.double.url),
                                home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json",
                         "--as-of", self.as_of], env, timeout=300)
        self.assertEqual(r.rc, 0, r)
        doc = r.json()
        self.assertEqual(doc["coverage_gaps"], [], r)
        seen = json.loads(urllib.request.urlopen(
            self.double.url + "/_double/requests?all=1", timeout=10).read())
        return doc, seen

    @staticmethod
    def stage_requests(seen):
        """(GetRestApis, GetStages) requests among those the double saw."""
        apis = [s for s in seen if s["method"] == "GET" and s["path"] == "/restapis"]
        stages = [s for s in seen if s["method"] == "GET" and s["path"].startswith("/restapis/")
                  and s["path"].endswith("/stages")]
        return len(apis), len(stages)

    def comparable(self, doc):
        """The report without stats, and the findings without their state
        labels (each run has its own state)."""
        findings = [{k: v for k, v in f.items() if k not in LABEL_KEYS} for f in doc["findings"]]
        rest = {k: v for k, v in doc.items() if k not in ("stats", "findings")}
        return sorted(findings, key=lambda f: f["id"]), rest

    def assertSameReport(self, a, b):
        fa, ra = self.comparable(a)
        fb, rb = self.comparable(b)
        self.assertEqual([f["id"] for f in fa], [f["id"] for f in fb])
        for x, y in zip(fa, fb):
            self.assertEqual(x, y)      # title, details, structured details, everything
        self.assertEqual(ra, rb)

    # ---- tests ---------------------------------------------------------------
    def test_default_rules_read_every_stage(self):
        full, seen_full = self.scan("all", describe="all")
        less, seen_less = self.scan("less")
        self.assertSameReport(full, less)
        rules = sorted(f["rule"] for f in less["findings"])
        self.assertEqual(rules, ["client-certificate-rotation", "domain-certificate",
                                 "stage-client-certificate", "stage-client-certificate"],
                         less["findings"])
        # The stage naming a client certificate in a region that has none:
        # found only because its stages were read.
        billing = [f for f in less["findings"] if f["rule"] == "stage-client-certificate"
                   and f["region"] == "eu-west-1"]
        self.assertEqual(len(billing), 1, less["findings"])
        # Six account-regions: one GetRestApis each, one GetStages per REST API.
        want = (6, self.n_rest_apis)
        self.assertEqual(self.stage_requests(seen_full), want)
        self.assertEqual(self.stage_requests(seen_less), want)
        for doc in (full, less):
            st = doc["stats"]
            self.assertEqual(st["apigw_stage_calls"], sum(want), st)
            self.assertEqual(st["apigw_stage_reads_saved"], 0, st)

    def test_stages_read_only_for_a_client_certificate_finding(self):
        rules = "disabled_rules = stage-client-certificate\n"
        full, seen_full = self.scan("all", describe="all", rules=rules)
        less, seen_less = self.scan("less", rules=rules)
        self.assertSameReport(full, less)
        rules_seen = sorted(f["rule"] for f in less["findings"])
        self.assertEqual(rules_seen, ["client-certificate-rotation", "domain-certificate"])
        rot = [f for f in less["findings"] if f["rule"] == "client-certificate-rotation"][0]
        self.assertEqual(rot["account_id"], self.org.a1)
        self.assertEqual(rot["details"]["stages"], ["%s/prod" % self.orders], rot)
        self.assertTrue(rot["details"]["stages_complete"], rot)

        self.assertEqual(self.stage_requests(seen_full), (6, self.n_rest_apis))
        # Only a1/eu-west-1 (the certificate due in 20 days) reads its
        # stages; the five others, a2/us-east-1 with its healthy
        # certificate among them, read none.
        self.assertEqual(self.stage_requests(seen_less), (1, 1))
        self.assertEqual([s["region"] for s in seen_less if s["path"].startswith("/restapis")],
                         ["eu-west-1", "eu-west-1"])
        st_full, st_less = full["stats"], less["stats"]
        self.assertEqual(st_full["apigw_stage_calls"], 6 + self.n_rest_apis, st_full)
        self.assertEqual(st_full["apigw_stage_reads_saved"], 0, st_full)
        self.assertEqual(st_less["apigw_stage_calls"], 2, st_less)
        self.assertEqual(st_less["apigw_stage_reads_saved"], 5, st_less)
        self.assertEqual(st_full["api_calls"] - st_less["api_calls"],
                         6 + self.n_rest_apis - 2, (st_full, st_less))

        # Without the rotation finding (tiers that do not reach 20 days)
        # no stage is read anywhere.
        rules += "client_certificate = 10, 5, 1\n"
        none, seen_none = self.scan("none", rules=rules)
        self.assertEqual(self.stage_requests(seen_none), (0, 0))
        self.assertEqual(none["stats"]["apigw_stage_reads_saved"], 6, none["stats"])
        self.assertEqual([f["rule"] for f in none["findings"]], ["domain-certificate"])


if __name__ == "__main__":
    harness.main()
