"""ca_bundle in an AWS shared-config profile, as the AWS CLI reads it: moto
served over TLS on 127.0.0.1 with a certificate from a CA this test
generates, named only in the profile's ca_bundle (the CA of a
TLS-inspecting proxy).  The order is the CLI's: AWS_CA_BUNDLE over the
profile's ca_bundle, and certsweep's own [aws] ca_bundle over both (like
the CLI's --ca-bundle)."""
import json
import os
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402


def openssl(*args):
    subprocess.run(["openssl"] + list(args), check=True, capture_output=True, timeout=60)


def make_ca(d, name):
    key, cert = os.path.join(d, name + ".key"), os.path.join(d, name + ".pem")
    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
            "-days", "2", "-subj", "/CN=certsweep test %s" % name,
            "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return key, cert


class ProfileCaBundleTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        if not shutil.which("openssl"):
            raise unittest.SkipTest("openssl command not available")
        cls.dir = tempfile.mkdtemp(prefix="certsweep-ca-")
        d = cls.dir
        ca_key, cls.ca = make_ca(d, "proxy-ca")
        _, cls.other_ca = make_ca(d, "other-ca")
        key, csr, cert = (os.path.join(d, n) for n in ("server.key", "server.csr", "server.pem"))
        ext = os.path.join(d, "server.ext")
        with open(ext, "w") as f:
            f.write("subjectAltName=IP:127.0.0.1\nextendedKeyUsage=serverAuth\n"
                    "basicConstraints=CA:FALSE\n")
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                "-subj", "/CN=127.0.0.1")
        openssl("x509", "-req", "-in", csr, "-CA", cls.ca, "-CAkey", ca_key, "-CAcreateserial",
                "-out", cert, "-days", "2", "-extfile", ext)
        port = harness.free_port()
        env = os.environ.copy()
        env.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")
        cls.moto = harness.Server([sys.executable, "-m", "moto.server", "-H", "127.0.0.1",
                                   "-p", str(port), "-c", cert, "-k", key], port, env=env,
                                  name="moto-tls")
        cls.url = "https://127.0.0.1:%d" % port
        cls.arn = cls.seed_certificate()
        # API Gateway client certificates are not in moto (other tests use a double)
        cls.scan_conf = os.path.join(d, "scan.conf")
        with open(cls.scan_conf, "w") as f:
            f.write("[scan]\ncollectors = acm,iam\n")
        # Credentials in the profiles: an explicit --profile is read alone.
        cls.aws_creds = os.path.join(d, "aws-credentials")
        with open(cls.aws_creds, "w") as f:
            for name in ("proxied", "plain", "missing"):
                f.write("[%s]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                        % (name, harness.TEST_ACCESS_KEY, harness.TEST_SECRET_KEY))
        cls.aws_config = os.path.join(d, "aws-config")
        with open(cls.aws_config, "w") as f:
            f.write("[profile proxied]\nregion = us-east-1\nca_bundle = %s\n"
                    "[profile plain]\nregion = us-east-1\n"
                    "[profile missing]\nregion = us-east-1\nca_bundle = %s\n"
                    % (cls.ca, os.path.join(d, "nonexistent.pem")))

    @classmethod
    def tearDownClass(cls):
        if hasattr(cls, "moto"):
            cls.moto.stop()
        shutil.rmtree(cls.dir, ignore_errors=True)

    @classmethod
    def seed_certificate(cls):
        """An imported certificate 10 days from expiry, imported through the
        same TLS endpoint (boto3 trusting the test CA)."""
        import boto3
        key, cert = (os.path.join(cls.dir, n) for n in ("leaf.key", "leaf.pem"))
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", cert,
                "-days", "10", "-subj", "/CN=proxied.example.com")
        acm = boto3.client("acm", region_name="us-east-1", endpoint_url=cls.url, verify=cls.ca,
                           aws_access_key_id=harness.TEST_ACCESS_KEY,
                           aws_secret_access_key=harness.TEST_SECRET_KEY)
        with open(cert, "rb") as c, open(key, "rb") as k:
            return acm.import_certificate(Certificate=c.read(), PrivateKey=k.read())["CertificateArn"]

    def env(self, extra=None):
        e = {"AWS_CONFIG_FILE": self.aws_config, "AWS_SHARED_CREDENTIALS_FILE": self.aws_creds,
             "CERTSWEEP_CONFIG": self.scan_conf}
        e.update(extra or {})
        env = harness.clean_env(endpoint_url=self.url, extra=e)
        env.pop("SSL_CERT_FILE", None)          # the system store, unless a test says
        return env

    def test_whoami_trusts_the_profile_ca(self):
        r = harness.run(["whoami", "--profile", "proxied"], self.env())
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Account:  %s" % harness.MOTO_DEFAULT_ACCOUNT, r.out)
        # The same endpoint without the profile's CA is refused: TLS is verified.
        r = harness.run(["whoami", "--profile", "plain"], self.env())
        self.assertEqual(r.rc, 4, r)

    def test_scan_trusts_the_profile_ca(self):
        home = tempfile.mkdtemp(prefix="certsweep-ca-home-", dir=self.dir)
        env = self.env({"HOME": home, "STATE_DIRECTORY": os.path.join(home, "state"),
                        "AWS_PROFILE": "proxied"})
        r = harness.run(["scan", "--no-securityhub", "--no-notify", "--regions", "us-east-1",
                         "--format", "json", "--fail-on", "none"], env, timeout=120)
        self.assertEqual(r.rc, 0, r)
        doc = r.json()
        self.assertEqual(doc["coverage_gaps"], [])
        self.assertEqual([(f["rule"], f["resource_arn"]) for f in doc["findings"]],
                         [("expiring", self.arn)])
        # --profile names it too
        env.pop("AWS_PROFILE")
        r = harness.run(["scan", "--profile", "proxied", "--no-securityhub", "--no-notify",
                         "--regions", "us-east-1", "--format", "json", "--fail-on", "none"],
                        env, timeout=120)
        self.assertEqual(r.rc, 0, r)
        r = harness.run(["scan", "--profile", "plain", "--no-securityhub", "--no-notify",
                         "--regions", "us-east-1", "--format", "json", "--fail-on", "none"],
                        env, timeout=120)
        self.assertEqual(r.rc, 4, r)

    def test_environment_over_profile(self):
        """AWS_CA_BUNDLE wins over the profile's ca_bundle, as in the AWS CLI."""
        r = harness.run(["whoami", "--profile", "proxied"],
                        self.env({"AWS_CA_BUNDLE": self.other_ca}))
        self.assertEqual(r.rc, 4, r)
        r = harness.run(["whoami", "--profile", "plain"], self.env({"AWS_CA_BUNDLE": self.ca}))
        self.assertEqual(r.rc, 0, r)

    def test_config_over_environment(self):
        """certsweep's [aws] ca_bundle comes first (like the CLI's --ca-bundle)."""
        conf = os.path.join(self.dir, "certsweep.conf")
        home = tempfile.mkdtemp(prefix="certsweep-ca-home-", dir=self.dir)
        with open(conf, "w") as f:
            f.write("[aws]\nca_bundle = %s\n[scan]\ncollectors = acm,iam\n[state]\ndir = %s\n"
                    % (self.ca, os.path.join(home, "state")))
        env = self.env({"AWS_CA_BUNDLE": self.other_ca, "HOME": home})
        r = harness.run(["scan", "--profile", "proxied", "--config", conf, "--no-securityhub",
                         "--no-notify", "--regions", "us-east-1", "--format", "json",
                         "--fail-on", "none"], env, timeout=120)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(json.loads(r.out)["coverage_gaps"], [])

    def test_missing_profile_bundle_is_named(self):
        missing = os.path.join(self.dir, "nonexistent.pem")
        r = harness.run(["whoami", "--profile", "missing"], self.env())
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.err, "certsweep: whoami: ca_bundle of AWS profile 'missing' '%s': "
                         "No such file or directory \u2014 point it at a PEM file of CA "
                         "certificates\n" % missing)
        r = harness.run(["scan", "--profile", "missing", "--no-securityhub"], self.env())
        self.assertEqual(r.rc, 2, r)
        self.assertIn("ca_bundle of AWS profile 'missing'", r.err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
