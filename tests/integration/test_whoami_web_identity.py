"""certsweep whoami with web identity federation (EKS IRSA, CI OIDC) against
moto: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN, and a profile's
web_identity_token_file + role_arn, into an Organizations member account.

AssumeRoleWithWebIdentity is unsigned: a recorder in front of moto checks
that it carries no Authorization header (and that GetCallerIdentity, signed
with the role's credentials, does).  The token is a secret: it must reach
STS and never appear in any output.
"""
import os
import tempfile
import threading
import unittest
import urllib.error
import urllib.parse
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness

# JWT-shaped; a secret like any other.
TOKEN = ("eyJhbGciOiJSUzI1NiIsImtpZCI6IndlYmlkIn0."
         "eyJzdWIiOiJzeXN0ZW06c2VydmljZWFjY291bnQ6Y2VydHN3ZWVwIn0."
         "webidSIGNATUREneverPrintThis0123456789")
PROFILE_SECRET = "webidProfSECRETneverPrintThis00000000000"
SECRETS = [TOKEN, PROFILE_SECRET]


class StsRecorder:
    """Forwards STS calls to moto, keeping each call's form and headers."""

    def __init__(self, target):
        self.calls = []
        rec = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *a):
                pass

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                rec.calls.append((urllib.parse.parse_qs(body.decode()),
                                  {k.lower(): v for k, v in self.headers.items()}))
                hdrs = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length")}
                req = urllib.request.Request(target + self.path, data=body, headers=hdrs, method="POST")
                try:
                    with urllib.request.urlopen(req, timeout=30) as r:
                        status, data, ctype = r.status, r.read(), r.headers.get("Content-Type", "text/xml")
                except urllib.error.HTTPError as e:
                    status, data, ctype = e.code, e.read(), e.headers.get("Content-Type", "text/xml")
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.srv.server_address[1]
        self.thread = threading.Thread(target=self.srv.serve_forever, daemon=True)
        self.thread.start()

    def stop(self):
        self.srv.shutdown()
        self.srv.server_close()


class WhoamiWebIdentityTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = harness.start_moto()
        org = harness.boto_client(cls.moto, "organizations")
        org.create_organization(FeatureSet="ALL")
        st = org.create_account(Email="irsa@example.com", AccountName="irsa")["CreateAccountStatus"]
        st = org.describe_create_account_status(CreateAccountRequestId=st["Id"])["CreateAccountStatus"]
        cls.member = st["AccountId"]
        assert cls.member != harness.MOTO_DEFAULT_ACCOUNT
        cls.role = "arn:aws:iam::%s:role/CertSweepIrsa" % cls.member

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="certsweep-webid-")
        self.rec = StsRecorder(self.moto.url)

    def tearDown(self):
        self.rec.stop()

    def write(self, name, text):
        path = os.path.join(self.home, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, 0o600)
        return path

    def env(self, extra=None):
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home, extra=extra)
        env["AWS_ENDPOINT_URL_STS"] = self.rec.url
        return env

    def run_whoami(self, env, *args):
        return harness.run(["whoami", "-v"] + list(args), env, secrets=SECRETS)

    def fields(self, r):
        self.assertEqual(r.rc, 0, r)
        out = {}
        for line in r.out.splitlines():
            k, _, v = line.partition(":")
            out[k.strip()] = v.strip()
        return out

    def check_calls(self, session_name):
        actions = [c[0]["Action"][0] for c in self.rec.calls]
        self.assertEqual(actions, ["AssumeRoleWithWebIdentity", "GetCallerIdentity"])
        form, headers = self.rec.calls[0]
        self.assertEqual(form["RoleArn"], [self.role])
        self.assertEqual(form["RoleSessionName"], [session_name])
        self.assertEqual(form["WebIdentityToken"], [TOKEN])      # trailing newline dropped
        self.assertNotIn("authorization", headers)                # unsigned
        self.assertNotIn("x-amz-security-token", headers)
        self.assertIn("authorization", self.rec.calls[1][1])      # signed with the role's keys

    def test_env_web_identity(self):
        tok = self.write("token", TOKEN + "\n")
        r = self.run_whoami(self.env({"AWS_WEB_IDENTITY_TOKEN_FILE": tok,
                                      "AWS_ROLE_ARN": self.role,
                                      "AWS_ROLE_SESSION_NAME": "ci-run-7"}))
        f = self.fields(r)
        self.assertEqual(f["Account"], self.member, r)
        self.assertEqual(f["Arn"], "arn:aws:sts::%s:assumed-role/CertSweepIrsa/ci-run-7" % self.member)
        self.assertEqual(f["Source"], "web-identity")
        self.check_calls("ci-run-7")

    def test_env_keys_come_first(self):
        tok = self.write("token", TOKEN)
        env = self.env(dict({"AWS_WEB_IDENTITY_TOKEN_FILE": tok, "AWS_ROLE_ARN": self.role},
                            **harness.env_credentials()))
        f = self.fields(self.run_whoami(env))
        self.assertEqual(f["Source"], "env")
        self.assertEqual(f["Account"], harness.MOTO_DEFAULT_ACCOUNT)
        self.assertEqual([c[0]["Action"][0] for c in self.rec.calls], ["GetCallerIdentity"])

    def test_missing_token_file(self):
        missing = os.path.join(self.home, "no-such-token")
        r = self.run_whoami(self.env({"AWS_WEB_IDENTITY_TOKEN_FILE": missing,
                                      "AWS_ROLE_ARN": self.role}))
        self.assertNotEqual(r.rc, 0, r)
        self.assertEqual(r.out, "")
        lines = [l for l in r.err.splitlines() if "whoami:" in l]
        self.assertEqual(len(lines), 1, r)
        self.assertIn("web identity: token file %s: No such file or directory" % missing, lines[0])
        self.assertEqual(self.rec.calls, [])

    def test_token_file_without_role_arn(self):
        tok = self.write("token", TOKEN)
        r = self.run_whoami(self.env({"AWS_WEB_IDENTITY_TOKEN_FILE": tok}))
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not", r.err)
        self.assertEqual(self.rec.calls, [])

    def test_profile_web_identity(self):
        tok = self.write("token", TOKEN + "\n")
        cfg = self.write("config",
                         "[profile irsa]\nweb_identity_token_file = %s\nrole_arn = %s\n"
                         "role_session_name = certsweep-pod\n" % (tok, self.role))
        # the profile's own keys come after web identity (botocore order)
        creds = self.write("credentials",
                           "[irsa]\naws_access_key_id = AKIAWEBIDPROFILE0001\n"
                           "aws_secret_access_key = %s\n" % PROFILE_SECRET)
        env = self.env({"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": creds})
        f = self.fields(self.run_whoami(env, "--profile", "irsa"))
        self.assertEqual(f["Account"], self.member)
        self.assertEqual(f["Source"], "web-identity:profile:irsa")
        self.check_calls("certsweep-pod")

        # --profile ignores the environment's web identity settings
        self.rec.calls.clear()
        other = self.write("other-token", "eyJ.other.token")
        env2 = dict(env, AWS_WEB_IDENTITY_TOKEN_FILE=other,
                    AWS_ROLE_ARN="arn:aws:iam::%s:role/Other" % self.member)
        f = self.fields(self.run_whoami(env2, "--profile", "irsa"))
        self.assertEqual(f["Source"], "web-identity:profile:irsa")
        self.check_calls("certsweep-pod")


if __name__ == "__main__":
    harness.main()
