"""Helpers shared by the `certsweep scan` integration tests (test_scan.py,
test_scan_doubles.py): starting the loopback doubles in front of moto and
comparing a scan's findings field by field with the expected ones."""
import json
import os
import pwd
import shutil
import sys
import tempfile
import unittest
import urllib.request

import harness
import seed_demo

HERE = os.path.dirname(os.path.abspath(__file__))
DOUBLES = os.path.join(os.path.dirname(HERE), "doubles")
KEY = ("rule", "account_id", "region", "resource_id")


def start_double(script, moto, *extra):
    """Starts tests/doubles/<script> in front of moto on a free port."""
    port = harness.free_port()
    return harness.Server([sys.executable, os.path.join(DOUBLES, script), "--port", str(port),
                           "--upstream", moto.url] + list(extra), port, name=script[:-3])


def start_dnsmasq(zones, host_records=(), cnames=(), forward=(), port=None, log_queries=False):
    """Debian's dnsmasq on 127.0.0.1 (a free port, or `port`) answering for
    `zones` only (any other name under them is NXDOMAIN, a name outside
    them REFUSED): host_records are (name, IPv4) pairs, cnames (name,
    target) pairs (a target must be a name dnsmasq knows), forward (zone,
    port) pairs sent on to a name server on 127.0.0.1.  Skips the test when
    dnsmasq is not installed."""
    dnsmasq = shutil.which("dnsmasq") or "/usr/sbin/dnsmasq"
    if not os.path.exists(dnsmasq):
        raise unittest.SkipTest("dnsmasq not installed (Debian package dnsmasq, scripts/deps.sh)")
    port = port or harness.free_port()
    argv = [dnsmasq, "--conf-file=/dev/null", "--keep-in-foreground", "--no-resolv",
            "--no-hosts", "--port=%d" % port, "--listen-address=127.0.0.1",
            "--bind-interfaces", "--pid-file=", "--log-facility=-",
            "--user=%s" % pwd.getpwuid(os.getuid()).pw_name]
    argv += ["--log-queries"] if log_queries else []
    argv += ["--local=/%s/" % z for z in zones]
    argv += ["--server=/%s/127.0.0.1#%d" % (z, p) for z, p in forward]
    argv += ["--host-record=%s,%s" % (n, a) for n, a in host_records]
    argv += ["--cname=%s,%s" % (n, t) for n, t in cnames]
    return harness.Server(argv, port, name="dnsmasq")


class SeededOrg:
    """moto with the demo organization (seed_demo.py), the API Gateway
    client-certificate double in front of it and the fault double (deny-assume-role mode) denying
    AssumeRole into prod-b, all on 127.0.0.1; stop() ends them."""

    def __init__(self):
        # Requested certificates stay PENDING_VALIDATION (moto would flip
        # them to ISSUED after 60 s).
        os.environ["MOTO_ACM_VALIDATION_WAIT"] = "100000"
        import seed_demo
        self.servers = []
        try:
            self.moto = harness.start_moto()
            self.servers.append(self.moto)
            self.double = start_double("apigw_clientcert_double.py", self.moto)
            self.servers.append(self.double)
            self.seed = seed_demo.seed(self.moto.url, self.double.url)
            self.acct = self.seed["accounts"]
            self.sts_proxy = start_double("fault_double.py", self.moto, "--modes", json.dumps(
                {"deny-assume-role": {"accounts": [self.acct["prod-b"]]}}))
            self.servers.append(self.sts_proxy)
        except Exception:
            self.stop()
            raise

    def stop(self):
        for s in reversed(self.servers):
            s.stop()
        self.servers = []


def double_get(double, path):
    return json.loads(urllib.request.urlopen(double.url + path, timeout=10).read())


def double_post(double, path, doc):
    req = urllib.request.Request(double.url + path, data=json.dumps(doc).encode(), method="POST",
                                 headers={"Content-Type": "application/json"})
    return json.loads(urllib.request.urlopen(req, timeout=10).read())


def assert_findings(tc, doc, expected, healthy=()):
    """The findings of a scan's JSON document are exactly `expected`, one
    for one by (rule, account, region, resource id), with the same
    severity, days to expiry, ARN (when "arn" is given) and structured
    details (every key of "details", when given); none names a resource of
    `healthy`."""
    got = {tuple(f[k] for k in KEY): f for f in doc["findings"]}
    tc.assertEqual(len(got), len(doc["findings"]), "duplicate findings")
    want = {tuple(e[k] for k in KEY): e for e in expected}
    missing = sorted(set(want) - set(got))
    extra = sorted(set(got) - set(want))
    tc.assertEqual(missing, [], "findings missing")
    tc.assertEqual(extra, [], "unexpected findings")
    for k, e in want.items():
        f = got[k]
        tc.assertEqual(f["severity"], e["severity"], k)
        tc.assertEqual(f["days_to_expiry"], e["days_to_expiry"], k)
        if "arn" in e:
            tc.assertEqual(f["resource_arn"], e["arn"], k)
        for dk, dv in e.get("details", {}).items():
            tc.assertEqual(f["details"].get(dk), dv, (k, dk))
        tc.assertTrue(f["id"] and f["title"] and f["remediation"], k)
    for h in healthy:
        tc.assertNotIn(h, [f["resource_id"] for f in doc["findings"]])


class DoublesCase(unittest.TestCase):
    """A scan test class with moto and the doubles of DOUBLES
    ({"attribute": "script.py"}) in front of it, as_of / t set, seed()
    run, and a config without Security Hub whose state is under a
    temporary home (cls.home, cls.config)."""
    DOUBLES = {}

    @classmethod
    def setUpClass(cls):
        # Requested certificates stay PENDING_VALIDATION.
        os.environ["MOTO_ACM_VALIDATION_WAIT"] = "100000"
        cls.servers = []
        try:
            cls.moto = harness.start_moto()
            cls.servers.append(cls.moto)
            for attr, script in cls.DOUBLES.items():
                setattr(cls, attr, start_double(script, cls.moto))
                cls.servers.append(getattr(cls, attr))
            cls.as_of = seed_demo.default_as_of()
            cls.t = seed_demo.epoch_of(cls.as_of)
            cls.seed()
        except Exception:
            cls.tearDownClass()
            raise
        cls.home = tempfile.mkdtemp(prefix="certsweep-doubles-home-")
        cls.config = os.path.join(cls.home, "certsweep.conf")
        with open(cls.config, "w") as f:
            f.write("[securityhub]\nenabled = false\n[state]\ndir = %s\n"
                    % os.path.join(cls.home, "state"))

    @classmethod
    def tearDownClass(cls):
        for s in reversed(getattr(cls, "servers", [])):
            s.stop()

    @classmethod
    def seed(cls):
        """Override: create what the tests scan."""

    @classmethod
    def request_certificate(cls, region, name):
        """A DNS-validated ACM certificate request in moto: its ARN."""
        acm = harness.boto_client(cls.moto, "acm", region)
        return acm.request_certificate(DomainName=name, ValidationMethod="DNS")["CertificateArn"]
