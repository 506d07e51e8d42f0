#!/usr/bin/env python3
"""The served-certificate probe (issue 13), through the real binary against
moto and TLS servers on 127.0.0.1 that this test starts, with certificates
it generates (a test CA given as [probe] ca_file):

- an endpoint serving an older certificate than the ACM certificate that
  holds its name gives served-certificate-mismatch (serial and NotAfter
  differ, the issuer does not), in the ACM certificate's account and region;
- an endpoint serving exactly the ACM certificate gives nothing;
- a listed host whose certificate no inventory holds, expiring in 10 days,
  gives served-certificate-expiring (HIGH);
- a self-signed chain gives served-chain-invalid with OpenSSL's verify
  error; a certificate for another name gives it too, saying "name";
- a closed port is a coverage gap (Probe, ConnectRefused), not a finding;
- with [probe] enabled = false nothing is probed;
- the resolution rule: in a second run the mismatch, now fixed, is
  resolved, while the expiring finding of an endpoint that no longer
  answers stays open (its probe did not complete)."""
import datetime
import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "doubles"))
import harness  # noqa: E402
import scanlib  # noqa: E402
from test_securityhub import DAY, MGMT, Org, SCAN_REGION  # noqa: E402
from tls_servers import TLSServers, write_pem  # noqa: E402


def _key():
    from cryptography.hazmat.primitives.asymmetric import ec
    return ec.generate_private_key(ec.SECP256R1())


def _pem(cert, key):
    from cryptography.hazmat.primitives import serialization
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


def _ts(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc)


class CA:
    """A test certificate authority issuing leaf certificates."""

    def __init__(self, now, name="certsweep probe test CA"):
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID
        self.key = _key()
        self.name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
        self.cert = (x509.CertificateBuilder().subject_name(self.name).issuer_name(self.name)
                     .public_key(self.key.public_key()).serial_number(x509.random_serial_number())
                     .not_valid_before(_ts(now - 400 * DAY)).not_valid_after(_ts(now + 4000 * DAY))
                     .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
                     .sign(self.key, hashes.SHA256()))
        self.pem = _pem(self.cert, self.key)[0]

    def leaf(self, cn, not_before, not_after, self_signed=False, sans=()):
        """(cert PEM, key PEM, serial) of a leaf for cn (and sans)."""
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes
        from cryptography.x509.oid import NameOID
        key = _key()
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
        serial = x509.random_serial_number()
        b = (x509.CertificateBuilder().subject_name(subject)
             .issuer_name(subject if self_signed else self.name)
             .public_key(key.public_key()).serial_number(serial)
             .not_valid_before(_ts(not_before)).not_valid_after(_ts(not_after))
             .add_extension(x509.SubjectAlternativeName([x509.DNSName(n) for n in (cn,) + tuple(sans)]),
                            critical=False))
        cert = b.sign(key if self_signed else self.key, hashes.SHA256())
        c, k = _pem(cert, key)
        return c, k, serial


class ProbeTest(harness.MotoCase):
    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-probe-")
        self.servers = TLSServers()
        self.org = o = Org(self.moto)
        now = o.now
        self.ca = ca = CA(now)
        self.ca_file = write_pem(self.tmp, "ca.pem", ca.pem)
        # app.probe.test: ACM holds the renewed certificate; the endpoint
        # still serves the old one (older serial, earlier NotAfter).
        new = ca.leaf("app.probe.test", now - 5 * DAY, now + 300 * DAY)
        old = ca.leaf("app.probe.test", now - 200 * DAY, now + 100 * DAY + 3600)
        self.new_serial, self.old_serial = new[2], old[2]
        acm = o.client(o.a1, "acm", "eu-west-1")
        self.app_arn = acm.import_certificate(Certificate=new[0], PrivateKey=new[1],
                                              CertificateChain=ca.pem)["CertificateArn"]
        self.app_new = (write_pem(self.tmp, "app-new.pem", new[0], ca.pem),
                        write_pem(self.tmp, "app-new.key", new[1]))
        self.app_port = self.servers.add(write_pem(self.tmp, "app-old.pem", old[0], ca.pem),
                                         write_pem(self.tmp, "app-old.key", old[1]))
        # ok.probe.test: serves exactly the ACM certificate (a2, us-east-1).
        same = ca.leaf("ok.probe.test", now - 5 * DAY, now + 200 * DAY)
        o.client(o.a2, "acm", "us-east-1").import_certificate(
            Certificate=same[0], PrivateKey=same[1], CertificateChain=ca.pem)
        self.ok_port = self.servers.add(write_pem(self.tmp, "ok.pem", same[0], ca.pem),
                                        write_pem(self.tmp, "ok.key", same[1]))
        # soon.probe.test: in no inventory, expires in 10 days.
        soon = ca.leaf("soon.probe.test", now - 80 * DAY, now + 10 * DAY + 3600)
        self.soon_servers = TLSServers()
        self.soon_port = self.soon_servers.add(write_pem(self.tmp, "soon.pem", soon[0], ca.pem),
                                               write_pem(self.tmp, "soon.key", soon[1]))
        # self.probe.test: self-signed.
        ss = ca.leaf("self.probe.test", now - 5 * DAY, now + 300 * DAY, self_signed=True)
        self.self_port = self.servers.add(write_pem(self.tmp, "self.pem", ss[0]),
                                          write_pem(self.tmp, "self.key", ss[1]))
        # wrong.probe.test: a valid chain for another name.
        other = ca.leaf("other.probe.test", now - 5 * DAY, now + 300 * DAY)
        self.wrong_port = self.servers.add(write_pem(self.tmp, "other.pem", other[0], ca.pem),
                                           write_pem(self.tmp, "other.key", other[1]))
        self.closed_port = harness.free_port()
        self.state = os.path.join(self.tmp, "state")

    def tearDown(self):
        self.servers.stop()
        self.soon_servers.stop()
        shutil.rmtree(self.tmp, ignore_errors=True)

    def hosts(self):
        return ", ".join([
            "app.probe.test:%d@127.0.0.1" % self.app_port,
            "ok.probe.test:%d@127.0.0.1" % self.ok_port,
            "soon.probe.test:%d@127.0.0.1" % self.soon_port,
            "self.probe.test:%d@127.0.0.1" % self.self_port,
            "wrong.probe.test:%d@127.0.0.1" % self.wrong_port,
            "down.probe.test:%d@127.0.0.1" % self.closed_port,
        ])

    def scan(self, enabled=True, extra_args=()):
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = us-east-1, eu-west-1\n"
                    "collectors = acm\nfail_on = none\n[state]\ndir = %s\n"
                    "[probe]\nenabled = %s\nhosts = %s\nca_file = %s\ntimeout = 5\n"
                    % (SCAN_REGION, self.state, "true" if enabled else "false",
                       self.hosts(), self.ca_file))
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"]
                        + list(extra_args), env, timeout=300)
        return r

    def probe_findings(self, doc):
        return {(f["rule"], f["resource_id"]): f for f in doc["findings"]
                if f["rule"].startswith("served-")}

    def test_probe(self):
        r = self.scan()
        self.assertEqual(r.rc, 3, r)            # findings below fail_on none; one gap
        doc = r.json()
        got = self.probe_findings(doc)
        app = "app.probe.test:%d@127.0.0.1" % self.app_port
        soon = "soon.probe.test:%d@127.0.0.1" % self.soon_port
        selfs = "self.probe.test:%d@127.0.0.1" % self.self_port
        wrong = "wrong.probe.test:%d@127.0.0.1" % self.wrong_port
        self.assertEqual(sorted(got), sorted([
            ("served-certificate-mismatch", app),
            ("served-certificate-expiring", soon),
            ("served-chain-invalid", selfs),
            ("served-chain-invalid", wrong),
        ]), doc["findings"])

        m = got[("served-certificate-mismatch", app)]
        self.assertEqual(m["severity"], "HIGH")
        self.assertEqual((m["account_id"], m["region"]), (self.org.a1, "eu-west-1"))
        self.assertEqual(m["resource_arn"], "tls://" + app)
        self.assertEqual(m["domain"], "app.probe.test")
        self.assertIn("serial and NotAfter differ", m["title"])
        self.assertIn(self.app_arn, m["details_text"])
        dj = m["details"]
        self.assertEqual(dj["differs"], ["serial", "not_after"])
        self.assertEqual(dj["served"]["serial"], "%x" % self.old_serial)
        self.assertEqual(dj["expected"]["serial"], str(self.new_serial))   # moto: decimal
        self.assertEqual(m["days_to_expiry"], 100)

        e = got[("served-certificate-expiring", soon)]
        self.assertEqual(e["severity"], "HIGH")
        self.assertEqual(e["days_to_expiry"], 10)
        self.assertEqual((e["account_id"], e["region"]), (MGMT, "global"))
        self.assertIn("expires in 10 days", e["title"])

        c = got[("served-chain-invalid", selfs)]
        self.assertIn("self", c["title"])           # "self-signed certificate" (OpenSSL 3)
        self.assertIn("Verify error: 18", c["details_text"])
        self.assertEqual(c["details"]["problems"], ["chain"])
        w = got[("served-chain-invalid", wrong)]
        self.assertIn("not valid for wrong.probe.test", w["title"])
        self.assertNotIn("does not verify", w["title"])
        self.assertEqual(w["details"]["problems"], ["name"])

        gaps = [g for g in doc["coverage_gaps"] if g["operation"] == "Probe"]
        self.assertEqual(len(gaps), 1, doc["coverage_gaps"])
        self.assertEqual(gaps[0]["error_code"], "ConnectRefused")
        self.assertIn("down.probe.test", gaps[0]["message"])
        self.assertEqual(len(doc["coverage_gaps"]), 1, doc["coverage_gaps"])

        # Second run: the endpoint now serves ACM's certificate, and the
        # expiring one no longer answers.
        self.servers.stop()
        self.soon_servers.stop()
        self.servers = TLSServers()
        # Same port: the finding's resource (host:port@address) stays the same.
        self.servers.add(*self.app_new, port=self.app_port)
        r2 = self.scan()
        doc2 = r2.json()
        got2 = self.probe_findings(doc2)
        self.assertNotIn(("served-certificate-mismatch", app), got2)
        resolved = {(f["rule"], f["resource_id"]) for f in doc2.get("resolved", [])}
        self.assertIn(("served-certificate-mismatch", app), resolved, doc2.get("resolved"))
        # soon's probe failed: a gap, and its finding is not resolved.
        self.assertNotIn(("served-certificate-expiring", soon), resolved)
        codes = sorted(g["error_code"] for g in doc2["coverage_gaps"] if g["operation"] == "Probe")
        self.assertIn("ConnectRefused", codes)
        self.assertTrue(any(soon in g["message"] for g in doc2["coverage_gaps"]))

    def test_what_if_still_probes(self):
        # 40 days ahead: the soon certificate has expired by then (CRITICAL).
        as_of = datetime.datetime.fromtimestamp(self.org.now + 40 * DAY,
                                                datetime.timezone.utc).strftime("%Y-%m-%d")
        r = self.scan(extra_args=("--as-of", as_of))
        doc = r.json()
        soon = "soon.probe.test:%d@127.0.0.1" % self.soon_port
        e = self.probe_findings(doc)[("served-certificate-expiring", soon)]
        self.assertEqual(e["severity"], "CRITICAL")
        self.assertIn("expired", e["title"])

    def test_disabled_probes_nothing(self):
        r = self.scan(enabled=False)
        self.assertEqual(r.rc, 0, r)
        doc = r.json()
        self.assertEqual(self.probe_findings(doc), {})
        self.assertEqual(doc["coverage_gaps"], [])
        self.assertEqual(sum(e.handshakes for e in self.servers.endpoints), 0)


class ProbeInUseTest(harness.MotoCase):
    """In-use ACM certificates are probed by name on port 443, the name
    resolved through [dns] servers (dnsmasq on loopback): the endpoint of an
    in-use certificate serving an older one gives served-certificate-
    mismatch in the certificate's account and region; a name that does not
    resolve is a DnsNXDOMAIN gap; a wildcard name is not probed."""
    ADDR = "127.77.0.1"
    DOUBLES = {"acm": "acm_double.py"}

    @classmethod
    def setUpClass(cls):
        if os.getuid() != 0:
            raise unittest.SkipTest("binding port 443 on %s needs root" % cls.ADDR)
        super().setUpClass()

    @classmethod
    def start_servers(cls):
        # probe.test only: any other name under it is NXDOMAIN
        cls.dns = scanlib.start_dnsmasq(("probe.test",),
                                        host_records=(("inuse.probe.test", cls.ADDR),))
        cls._servers.append(cls.dns)

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="certsweep-probe-inuse-")
        self.tls = TLSServers()
        now = int(time.time())
        ca = CA(now)
        self.ca_file = write_pem(self.tmp, "ca.pem", ca.pem)
        acm = harness.boto_client(self.moto, "acm", "us-east-1")
        new = ca.leaf("inuse.probe.test", now - 5 * DAY, now + 300 * DAY,
                      sans=("*.wild.probe.test",))
        old = ca.leaf("inuse.probe.test", now - 200 * DAY, now + 100 * DAY + 3600)
        dark = ca.leaf("dark.probe.test", now - 5 * DAY, now + 300 * DAY)
        self.arn = acm.import_certificate(Certificate=new[0], PrivateKey=new[1],
                                          CertificateChain=ca.pem)["CertificateArn"]
        self.dark_arn = acm.import_certificate(Certificate=dark[0], PrivateKey=dark[1],
                                               CertificateChain=ca.pem)["CertificateArn"]
        lb = ("arn:aws:elasticloadbalancing:us-east-1:%s:loadbalancer/app/web/50dc6c495c0c9188"
              % harness.MOTO_DEFAULT_ACCOUNT)
        scanlib.double_post(self.acm, "/_double/state", {
            "certificates": {self.arn: {"InUseBy": [lb]}, self.dark_arn: {"InUseBy": [lb]}},
            "patch_summaries": True})
        self.tls.add(write_pem(self.tmp, "old.pem", old[0], ca.pem),
                     write_pem(self.tmp, "old.key", old[1]), host=self.ADDR, port=443)

    def tearDown(self):
        self.tls.stop()
        harness.moto_reset(self.moto)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_in_use_names_probed_through_dns(self):
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[scan]\naccounts = %s\nregions = us-east-1\ncollectors = acm\n"
                    "fail_on = none\n[state]\ndir = %s\n[dns]\nservers = 127.0.0.1:%d\n"
                    "timeout_ms = 1500\n[probe]\nenabled = true\nca_file = %s\ntimeout = 5\n"
                    % (harness.MOTO_DEFAULT_ACCOUNT, os.path.join(self.tmp, "state"),
                       self.dns.port, self.ca_file))
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.tmp, extra=dict(
            harness.env_credentials(), AWS_ENDPOINT_URL_ACM=self.acm.url))
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json", "-vv"],
                        env, timeout=180)
        self.assertEqual(r.rc, 3, r)
        # Each endpoint probed is logged at debug level.
        self.assertIn("probe inuse.probe.test:443: OK", r.err)
        doc = r.json()
        probe = [f for f in doc["findings"] if f["rule"].startswith("served-")]
        self.assertEqual([(f["rule"], f["resource_id"]) for f in probe],
                         [("served-certificate-mismatch", "inuse.probe.test:443")], doc["findings"])
        m = probe[0]
        self.assertEqual((m["account_id"], m["region"]), (harness.MOTO_DEFAULT_ACCOUNT, "us-east-1"))
        self.assertEqual(m["details"]["expected"]["certificate_arn"], self.arn)
        self.assertEqual(m["details"]["address"], self.ADDR)
        self.assertEqual(m["details"]["differs"], ["serial", "not_after"])
        gaps = [(g["account_id"], g["region"], g["operation"], g["error_code"])
                for g in doc["coverage_gaps"]]
        self.assertEqual(gaps, [(harness.MOTO_DEFAULT_ACCOUNT, "us-east-1", "Probe", "DnsNXDOMAIN")],
                         doc["coverage_gaps"])
        self.assertIn("dark.probe.test:443", doc["coverage_gaps"][0]["message"])
        self.assertNotIn("wild.probe.test:443", r.err + r.out)


if __name__ == "__main__":
    harness.main()
