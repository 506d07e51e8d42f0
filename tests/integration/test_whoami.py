"""certsweep whoami against moto: every credential source of the chain.

env keys, a profile that assumes a role (role_arn + source_profile +
external_id) into an Organizations member account, credential_process, the
IMDSv2 and ECS doubles, and no credentials at all.  Every run uses -v and the
harness's secret check, with the secrets this test plants added.
"""
import json
import os
import sys
import tempfile
import unittest
import urllib.error
import urllib.parse
import urllib.request

import harness

sys.path.insert(0, os.path.join(harness.SRCDIR, "tests", "doubles"))
import proxy  # noqa: E402

DOUBLE = os.path.join(harness.SRCDIR, "tests", "doubles", "imds_double.py")

# Secrets planted in files and doubles: none may ever appear in any output.
PROFILE_SECRET = "profSECRETkeyNeverPrintThis0000000000000"
PROCESS_SECRET = "procSECRETkeyNeverPrintThis000000000000"
PROCESS_TOKEN = "procSESSIONtokenNeverPrintThis0123456789"
IMDS_SECRET = "imdsSECRETkeyNeverPrintThis000000000000"
IMDS_TOKEN = "imdsSESSIONtokenNeverPrintThis0123456789"
ECS_AUTH = "ecsAUTHORIZATIONtokenNeverPrint0123456"
SECRETS = [PROFILE_SECRET, PROCESS_SECRET, PROCESS_TOKEN, IMDS_SECRET, IMDS_TOKEN, ECS_AUTH]


class StsRecorder:
    """Forwards STS calls to moto and keeps their form bodies, so the test
    can check what certsweep sent (moto ignores ExternalId)."""

    DENIED = (b'<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error>'
              b'<Type>Sender</Type><Code>AccessDenied</Code><Message>User is not authorized '
              b'to perform: sts:AssumeRole</Message></Error><RequestId>r-1</RequestId></ErrorResponse>')

    def __init__(self, target, deny_assume=False):
        self.bodies = []
        rec = self

        class Handler(proxy.ProxyHandler):
            def answer(self, body):
                rec.bodies.append(urllib.parse.parse_qs(body.decode()))
                if deny_assume and rec.bodies[-1].get("Action") == ["AssumeRole"]:
                    return self.reply(403, StsRecorder.DENIED, ctype="text/xml")
                super().answer(body)

        self.srv, self.url = proxy.start(Handler, target)

    def stop(self):
        proxy.stop(self.srv)


class WhoamiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = harness.start_moto()
        cls.port = harness.free_port()
        cls.double = harness.Server(
            [sys.executable, DOUBLE, "--port", str(cls.port),
             "--access-key", "AKIAIMDSDOUBLE000001", "--secret-key", IMDS_SECRET,
             "--session-token", IMDS_TOKEN, "--ecs-path", "/v2/credentials/task-1",
             "--ecs-token", ECS_AUTH],
            cls.port, name="imds")
        org = harness.boto_client(cls.moto, "organizations")
        org.create_organization(FeatureSet="ALL")
        st = org.create_account(Email="member@example.com", AccountName="member")["CreateAccountStatus"]
        st = org.describe_create_account_status(CreateAccountRequestId=st["Id"])["CreateAccountStatus"]
        cls.member = st["AccountId"]
        assert cls.member != harness.MOTO_DEFAULT_ACCOUNT

    @classmethod
    def tearDownClass(cls):
        cls.double.stop()
        cls.moto.stop()

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="certsweep-whoami-")

    def env(self, extra=None):
        return harness.clean_env(endpoint_url=self.moto.url, home=self.home, extra=extra)

    def run_whoami(self, env, *args):
        return harness.run(["whoami", "-v"] + list(args), env, secrets=SECRETS)

    def fields(self, r):
        self.assertEqual(r.rc, 0, r)
        out = {}
        for line in r.out.splitlines():
            k, _, v = line.partition(":")
            out[k.strip()] = v.strip()
        return out

    def stats(self):
        with urllib.request.urlopen(self.double.url + "/_stats", timeout=5) as f:
            return json.load(f)

    def write(self, name, text, mode=0o600):
        path = os.path.join(self.home, name)
        with open(path, "w") as f:
            f.write(text)
        os.chmod(path, mode)
        return path

    # ---- env --------------------------------------------------------------

    def test_env_credentials(self):
        r = self.run_whoami(self.env(harness.env_credentials(session_token=True)))
        f = self.fields(r)
        self.assertEqual(f["Account"], harness.MOTO_DEFAULT_ACCOUNT)
        self.assertTrue(f["Arn"].startswith("arn:aws:"), r)
        self.assertEqual(f["Source"], "env")
        self.assertNotIn(harness.TEST_ACCESS_KEY, r.out.replace(f["UserId"], ""))
        self.assertIn("credentials from env", r.err)

    # ---- profile: assume role into a member account -------------------------

    def test_profile_assume_role_member_account(self):
        role = "arn:aws:iam::%s:role/CertSweepAudit" % self.member
        cfg = self.write("config",
                         "[profile base]\nregion = us-east-1\n"
                         "[profile dev]\nrole_arn = %s\nsource_profile = base\n"
                         "external_id = certsweep-ext-42\nrole_session_name = certsweep\n"
                         "duration_seconds = 1800\n" % role)
        creds = self.write("credentials",
                           "[base]\naws_access_key_id = AKIAPROFILEBASE00001\n"
                           "aws_secret_access_key = %s\n" % PROFILE_SECRET)
        env = self.env({"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": creds})
        rec = StsRecorder(self.moto.url)
        try:
            r = self.run_whoami(dict(env, AWS_ENDPOINT_URL_STS=rec.url), "--profile", "dev")
        finally:
            rec.stop()
        f = self.fields(r)
        actions = [b["Action"][0] for b in rec.bodies]
        self.assertEqual(actions, ["AssumeRole", "GetCallerIdentity"])
        ar = rec.bodies[0]
        self.assertEqual(ar["RoleArn"], [role])
        self.assertEqual(ar["ExternalId"], ["certsweep-ext-42"])
        self.assertEqual(ar["RoleSessionName"], ["certsweep"])
        self.assertEqual(ar["DurationSeconds"], ["1800"])
        self.assertEqual(f["Account"], self.member, r)
        self.assertEqual(f["Arn"], "arn:aws:sts::%s:assumed-role/CertSweepAudit/certsweep" % self.member)
        self.assertEqual(f["Source"], "assume-role:profile:dev")
        self.assertIn("assumed " + role, r.err)

        # STS refuses: one line naming the role, the AWS code and message
        rec = StsRecorder(self.moto.url, deny_assume=True)
        try:
            r = self.run_whoami(dict(env, AWS_ENDPOINT_URL_STS=rec.url), "--profile", "dev")
        finally:
            rec.stop()
        self.assertEqual(r.rc, 4, r)
        self.assertEqual(r.out, "")
        self.assertIn("AssumeRole %s: AccessDenied: User is not authorized to perform: sts:AssumeRole"
                      % role, r.err)
        self.assertEqual(len([l for l in r.err.splitlines() if "whoami:" in l]), 1, r)

        # the same through AWS_PROFILE, with env keys present: the profile is
        # chosen by env var, so env keys come first (AWS CLI order)
        env2 = dict(env, AWS_PROFILE="dev", **harness.env_credentials())
        f2 = self.fields(self.run_whoami(env2))
        self.assertEqual(f2["Source"], "env")
        self.assertEqual(f2["Account"], harness.MOTO_DEFAULT_ACCOUNT)
        del env2["AWS_ACCESS_KEY_ID"], env2["AWS_SECRET_ACCESS_KEY"]
        f3 = self.fields(self.run_whoami(env2))
        self.assertEqual(f3["Source"], "assume-role:profile:dev")
        self.assertEqual(f3["Account"], self.member)

    def test_profile_static_and_errors(self):
        cfg = self.write("config",
                         "[profile a]\nrole_arn = arn:aws:iam::111111111111:role/A\nsource_profile = b\n"
                         "[profile b]\nrole_arn = arn:aws:iam::111111111111:role/B\nsource_profile = a\n")
        creds = self.write("credentials",
                           "[plain]\naws_access_key_id = AKIAPLAINPROFILE0001\n"
                           "aws_secret_access_key = %s\n" % PROFILE_SECRET)
        env = self.env({"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": creds})
        f = self.fields(self.run_whoami(env, "--profile", "plain"))
        self.assertEqual(f["Source"], "profile:plain")
        self.assertEqual(f["Account"], harness.MOTO_DEFAULT_ACCOUNT)

        r = self.run_whoami(env, "--profile", "a")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("cycle", r.err)
        self.assertEqual(len(r.err.strip().splitlines()), 1, r)

        r = self.run_whoami(env, "--profile", "missing")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("profile 'missing'", r.err)

    # ---- credential_process ---------------------------------------------------

    def test_credential_process(self):
        doc = json.dumps({"Version": 1, "AccessKeyId": "AKIAPROCESS000000001",
                          "SecretAccessKey": PROCESS_SECRET, "SessionToken": PROCESS_TOKEN,
                          "Expiration": "2099-01-01T00:00:00Z"})
        script = self.write("creds.sh", "#!/bin/sh\necho 'helper ran' >&2\ncat <<'EOF'\n%s\nEOF\n" % doc,
                            mode=0o700)
        bad = self.write("bad.sh", "#!/bin/sh\necho 'token expired, log in again' >&2\n"
                         "echo '%s'\nexit 3\n" % doc, mode=0o700)
        cfg = self.write("config",
                         "[profile proc]\ncredential_process = %s --flag 'quoted arg'\n"
                         "[profile broken]\ncredential_process = %s\n" % (script, bad))
        env = self.env({"AWS_CONFIG_FILE": cfg})
        r = self.run_whoami(env, "--profile", "proc")
        f = self.fields(r)
        self.assertEqual(f["Source"], "process:profile:proc")
        self.assertEqual(f["Account"], harness.MOTO_DEFAULT_ACCOUNT)
        self.assertIn("helper ran", r.err)              # the helper's stderr passes through

        r = self.run_whoami(env, "--profile", "broken")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("exited with status 3", r.err)
        self.assertIn("token expired, log in again", r.err)
        self.assertNotIn("AKIAPROCESS", r.out + r.err)  # stdout of a failed helper is never shown

    # ---- IMDSv2 and ECS doubles --------------------------------------------------

    def test_imds(self):
        before = self.stats()
        env = self.env({"AWS_EC2_METADATA_SERVICE_ENDPOINT": self.double.url})
        del env["AWS_EC2_METADATA_DISABLED"]
        r = self.run_whoami(env)
        f = self.fields(r)
        self.assertEqual(f["Source"], "imds")
        self.assertEqual(f["Account"], harness.MOTO_DEFAULT_ACCOUNT)
        after = self.stats()
        self.assertEqual(after["token_put"], before["token_put"] + 1)
        self.assertEqual(after["imds_ok"], before["imds_ok"] + 1)
        self.assertEqual(after["imds_unauthorized"], before["imds_unauthorized"])
        # the double is IMDSv2-only: a GET without the session token is refused
        with self.assertRaises(urllib.error.HTTPError) as cm:
            urllib.request.urlopen(self.double.url + "/latest/meta-data/iam/security-credentials/", timeout=5)
        self.assertEqual(cm.exception.code, 401)

    def test_imds_down_is_quick_and_clear(self):
        env = self.env({"AWS_EC2_METADATA_SERVICE_ENDPOINT": "http://127.0.0.1:%d" % harness.free_port()})
        del env["AWS_EC2_METADATA_DISABLED"]
        r = self.run_whoami(env)
        self.assertEqual(r.rc, 4, r)
        self.assertIn("IMDS (no answer from", r.err)

    def test_ecs(self):
        before = self.stats()
        env = self.env({"AWS_CONTAINER_CREDENTIALS_RELATIVE_URI": "/v2/credentials/task-1",
                        "CERTSWEEP_CONTAINER_CREDENTIALS_HOST": self.double.url,
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN": ECS_AUTH})
        f = self.fields(self.run_whoami(env))
        self.assertEqual(f["Source"], "ecs")
        self.assertEqual(self.stats()["ecs_ok"], before["ecs_ok"] + 1)

        # EKS style: full URI on loopback, token from a file
        tok = self.write("eks-token", ECS_AUTH + "\n")
        env = self.env({"AWS_CONTAINER_CREDENTIALS_FULL_URI": self.double.url + "/v2/credentials/task-1",
                        "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE": tok})
        f = self.fields(self.run_whoami(env))
        self.assertEqual(f["Source"], "ecs")

        # wrong token: the endpoint refuses, certsweep says so
        env["AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"] = self.write("bad-token", "nope\n")
        r = self.run_whoami(env)
        self.assertEqual(r.rc, 4, r)
        self.assertIn("HTTP 401", r.err)

        # a full URI to a non-loopback http host is refused before any request
        env = self.env({"AWS_CONTAINER_CREDENTIALS_FULL_URI": "http://192.0.2.10/creds"})
        r = self.run_whoami(env)
        self.assertEqual(r.rc, 4, r)
        self.assertIn("FULL_URI must be https", r.err)

    # ---- nothing ---------------------------------------------------------------------

    def test_no_credentials(self):
        r = self.run_whoami(self.env())
        self.assertEqual(r.rc, 4, r)
        self.assertEqual(r.out, "")
        lines = r.err.strip().splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertIn("no credentials: tried env (not set), profile 'default'", lines[0])
        self.assertIn("ECS (not configured), IMDS (disabled by AWS_EC2_METADATA_DISABLED)", lines[0])
        self.assertIn("AWS_ACCESS_KEY_ID", lines[0])

    def test_usage(self):
        r = harness.run(["whoami", "--bogus"], self.env())
        self.assertEqual(r.rc, 2, r)
        r = harness.run(["whoami", "--help"], self.env())
        self.assertEqual(r.rc, 0, r)
        self.assertIn("--profile", r.out)


if __name__ == "__main__":
    harness.main()
