#!/usr/bin/env python3
"""renewal-at-risk against a real name server: Debian's dnsmasq on
127.0.0.1 with a test zone, moto's ACM (DNS-validated certificates,
ISSUED at once) behind the ACM double (renewal eligibility, use, expiry
and validation methods set per certificate), the real binary.

  present.example.test   its validation CNAME exists          -> nothing
  deleted.example.test   no such record (NXDOMAIN)             -> renewal-at-risk MEDIUM
  soon.example.test      no such record, 30 days left           -> renewal-at-risk HIGH
  changed.example.test   the CNAME points elsewhere             -> renewal-at-risk MEDIUM
  x.broken.test          dnsmasq forwards to a server answering
                         SERVFAIL                                -> a DNS/SERVFAIL gap only
  y.refused.test         outside dnsmasq's zones: REFUSED       -> a DNS/REFUSED gap only
  mail.example.test      e-mail validation, 40 days left        -> renewal-at-risk HIGH
                         (with or without DNS checks)
"""
import os
import socket
import sys
import tempfile
import threading
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
import scanlib  # noqa: E402

DAY = 86400
ACCT = harness.MOTO_DEFAULT_ACCOUNT
REGION = "us-east-1"
LB = "arn:aws:elasticloadbalancing:us-east-1:%s:loadbalancer/app/web/50dc6c495c0c9188" % ACCT
# What moto puts in every DomainValidationOptions[].ResourceRecord.
RR_PREFIX = "_d930b28be6c5927595552b219965053e."
RR_VALUE = "_c9edd76ee4a0e2a74388032f3861cc50.ykybfrwcxw.acm-validations.aws."


class ServfailServer:
    """A UDP name server that answers SERVFAIL to every question (what
    dnsmasq forwards broken.test to)."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.running = True
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self):
        while self.running:
            try:
                data, addr = self.sock.recvfrom(4096)
            except socket.timeout:
                continue
            if len(data) < 12:
                continue
            flags = (0x8180 | 2).to_bytes(2, "big")          # QR RD RA, SERVFAIL
            self.sock.sendto(data[:2] + flags + data[4:6] + b"\0" * 6 + data[12:], addr)

    def stop(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def start_dnsmasq(servfail_port, port=None, present=()):
    """dnsmasq with the test zone; `present` adds validation CNAMEs as
    ACM expects them for more domains."""
    return scanlib.start_dnsmasq(
        ("example.test",), port=port, log_queries=True,
        forward=(("broken.test", servfail_port),),
        # a CNAME target must be a name dnsmasq knows
        host_records=((RR_VALUE.rstrip("."), "192.0.2.1"),
                      ("stale-target.example.test", "192.0.2.2")),
        # present: as ACM expects (in capitals: names compare without case);
        # changed: someone pointed it elsewhere
        cnames=((RR_PREFIX + "present.example.test", RR_VALUE.rstrip(".").upper()),
                (RR_PREFIX + "changed.example.test", "stale-target.example.test"))
        + tuple((RR_PREFIX + d, RR_VALUE.rstrip(".")) for d in present))


class DnsCase(harness.MotoCase):
    """moto behind the ACM double, the SERVFAIL server and dnsmasq (cls.dns)."""
    DOUBLES = {"acm": "acm_double.py"}

    @classmethod
    def start_servers(cls):
        cls.servfail = ServfailServer()
        cls._servers.append(cls.servfail)
        cls.dns = start_dnsmasq(cls.servfail.port)
        cls._servers.append(cls.dns)


class DnsTest(DnsCase):
    @classmethod
    def setUpClass(cls):
        os.environ["MOTO_ACM_VALIDATION_WAIT"] = "0"    # requested = ISSUED at once
        super().setUpClass()
        cls.home = tempfile.mkdtemp(prefix="certsweep-dns-home-")
        cls.now = int(time.time())
        acm = harness.boto_client(cls.moto, "acm", REGION)
        cls.arn = {}
        days = {"present": 200, "deleted": 200, "soon": 30, "changed": 200, "broken": 200,
                "refused": 200, "mail": 40}
        names = {"broken": "x.broken.test", "refused": "y.refused.test"}
        patches = {}
        for key, left in days.items():
            name = names.get(key, "%s.example.test" % key)
            arn = acm.request_certificate(DomainName=name,
                                          ValidationMethod="DNS")["CertificateArn"]
            cls.arn[key] = arn
            patches[arn] = {"RenewalEligibility": "ELIGIBLE", "InUseBy": [LB],
                            "NotAfter": cls.now + left * DAY + 3600}
        # mail.example.test is validated by e-mail
        patches[cls.arn["mail"]]["DomainValidationOptions"] = [{
            "DomainName": "mail.example.test", "ValidationDomain": "example.test",
            "ValidationStatus": "SUCCESS", "ValidationMethod": "EMAIL",
            "ValidationEmails": ["admin@example.test"]}]
        scanlib.double_post(cls.acm, "/_double/state",
                            {"certificates": patches, "patch_summaries": True})
        for arn in cls.arn.values():
            st = acm.describe_certificate(CertificateArn=arn)["Certificate"]["Status"]
            assert st == "ISSUED", st

    def scan(self, dns, *args):
        conf = os.path.join(self.home, "certsweep-%s.conf" % ("dns" if dns else "nodns"))
        with open(conf, "w") as f:
            f.write("[scan]\naccounts = %s\nregions = %s\ncollectors = acm\nfail_on = none\n"
                    "[state]\ndir = %s\n" % (ACCT, REGION, os.path.join(self.home, "state")))
            if dns:
                f.write("[dns]\nenabled = true\nservers = 127.0.0.1:%d\ntimeout_ms = 1500\n"
                        "max_lookups_per_second = 20\n" % self.dns.port)
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home, extra=dict(
            harness.env_credentials(), AWS_ENDPOINT_URL_ACM=self.acm.url))
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"]
                        + list(args), env, timeout=180)
        self.assertIn(r.rc, (0, 3), r)
        return r, r.json()

    def risk(self, doc):
        return {f["resource_arn"]: f for f in doc["findings"] if f["rule"] == "renewal-at-risk"}

    def dns_gaps(self, doc):
        return sorted((g["operation"], g["error_code"], g["message"])
                      for g in doc["coverage_gaps"] if g["operation"] == "DNS")

    def test_records_checked_against_the_name_server(self):
        r, doc = self.scan(True)
        risk = self.risk(doc)
        a = self.arn
        self.assertEqual(sorted(risk), sorted([a["deleted"], a["soon"], a["changed"], a["mail"]]),
                         r)
        self.assertEqual(risk[a["deleted"]]["severity"], "MEDIUM")
        self.assertEqual(risk[a["soon"]]["severity"], "HIGH")
        self.assertEqual(risk[a["changed"]]["severity"], "MEDIUM")
        self.assertEqual(risk[a["mail"]]["severity"], "HIGH")

        # The record to restore, by name, type and value.
        deleted = risk[a["deleted"]]
        rr = RR_PREFIX + "deleted.example.test."
        self.assertIn("validation record %s CNAME is missing" % rr, deleted["title"])
        self.assertIn("Record to restore: %s CNAME %s" % (rr, RR_VALUE), deleted["details_text"])
        self.assertIn("no such record (NXDOMAIN)", deleted["details_text"])
        self.assertEqual(deleted["details"]["records_to_restore"][0]["name"], rr)
        self.assertEqual(deleted["details"]["records_to_restore"][0]["type"], "CNAME")
        self.assertEqual(deleted["details"]["records_to_restore"][0]["value"], RR_VALUE)
        self.assertIn("Restore every record", deleted["remediation"])
        changed = risk[a["changed"]]
        self.assertIn("CNAME points elsewhere", changed["title"])
        self.assertIn("found: points to stale-target.example.test", changed["details_text"])
        self.assertIn("someone must approve the renewal mail", risk[a["mail"]]["title"])

        # SERVFAIL and REFUSED: gaps naming the record, never findings.
        gaps = self.dns_gaps(doc)
        self.assertEqual([g[:2] for g in gaps], [("DNS", "REFUSED"), ("DNS", "SERVFAIL")], doc)
        self.assertIn(RR_PREFIX + "x.broken.test", gaps[1][2])
        self.assertIn(a["broken"], gaps[1][2])
        self.assertEqual(r.rc, 3, r)            # a partial run
        # Everything else read cleanly.
        self.assertEqual(len(doc["coverage_gaps"]), 2, doc["coverage_gaps"])
        # One lookup per DNS-validated certificate (mail's is by e-mail), in the stats.
        self.assertEqual(doc["stats"]["dns_lookups"], 6, doc["stats"])

    def test_what_if_reaches_the_high_tier(self):
        # 150 days on, the deleted record's certificate is 50 days from expiry.
        as_of = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.now + 150 * DAY))
        r, doc = self.scan(True, "--as-of", as_of)
        risk = self.risk(doc)
        self.assertEqual(risk[self.arn["deleted"]]["severity"], "HIGH")
        self.assertEqual(risk[self.arn["changed"]]["severity"], "HIGH")
        self.assertNotIn(self.arn["present"], risk)
        self.assertNotIn(self.arn["soon"], risk)   # expired by then: `expired` says it

    def test_without_dns_checks(self):
        r, doc = self.scan(False)
        self.assertEqual(list(self.risk(doc)), [self.arn["mail"]], r)
        self.assertEqual(self.dns_gaps(doc), [])
        self.assertEqual(doc["stats"]["dns_lookups"], 0, doc["stats"])
        self.assertEqual(r.rc, 0, r)

    def test_rule_listed(self):
        env = harness.clean_env(home=self.home)
        r = harness.run(["rules", "renewal-at-risk"], env)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("dns-renewal-validation", r.out)
        self.assertIn("Restore every record", r.out)


class DnsResolveTest(DnsCase):
    """A finding resolves when its record is back and every lookup of the
    account-region had a clear answer; where a lookup failed, it stays."""

    @classmethod
    def setUpClass(cls):
        os.environ["MOTO_ACM_VALIDATION_WAIT"] = "0"
        super().setUpClass()
        cls.home = tempfile.mkdtemp(prefix="certsweep-dns-resolve-")
        now = int(time.time())
        cls.arn = {}
        patches = {}
        for key, region, name in (("east", "us-east-1", "back-east.example.test"),
                                  ("broken", "us-east-1", "x.broken.test"),
                                  ("west", "eu-west-1", "back-west.example.test")):
            acm = harness.boto_client(cls.moto, "acm", region)
            arn = acm.request_certificate(DomainName=name,
                                          ValidationMethod="DNS")["CertificateArn"]
            cls.arn[key] = arn
            patches[arn] = {"RenewalEligibility": "ELIGIBLE", "InUseBy": [LB],
                            "NotAfter": now + 200 * DAY}
        scanlib.double_post(cls.acm, "/_double/state",
                            {"certificates": patches, "patch_summaries": True})

    def scan(self):
        conf = os.path.join(self.home, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[scan]\naccounts = %s\nregions = us-east-1, eu-west-1\ncollectors = acm\n"
                    "fail_on = none\n[state]\ndir = %s\n[dns]\nenabled = true\n"
                    "servers = 127.0.0.1:%d\n"
                    % (ACCT, os.path.join(self.home, "state"), self.dns.port))
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home, extra=dict(
            harness.env_credentials(), AWS_ENDPOINT_URL_ACM=self.acm.url))
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"],
                        env, timeout=180)
        self.assertEqual(r.rc, 3, r)     # x.broken.test: a SERVFAIL gap in us-east-1
        return r, r.json()

    def test_restored_record_resolves_only_where_dns_answered(self):
        r, doc = self.scan()
        risk = sorted(f["resource_arn"] for f in doc["findings"] if f["rule"] == "renewal-at-risk")
        self.assertEqual(risk, sorted([self.arn["east"], self.arn["west"]]), r)
        # Both records come back.
        # (on the class: tearDownClass stops the one running)
        cls = type(self)
        i = cls._servers.index(cls.dns)
        cls.dns.stop()
        cls.dns = cls._servers[i] = start_dnsmasq(
            cls.servfail.port, port=cls.dns.port,
            present=("back-east.example.test", "back-west.example.test"))
        r, doc = self.scan()
        self.assertEqual([f for f in doc["findings"] if f["rule"] == "renewal-at-risk"], [], r)
        resolved = [f["resource_arn"] for f in doc.get("resolved", [])]
        # eu-west-1 answered cleanly: resolved; us-east-1 had a SERVFAIL: not.
        self.assertEqual(resolved, [self.arn["west"]], doc.get("resolved"))


if __name__ == "__main__":
    harness.main()
