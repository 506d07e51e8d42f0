#!/usr/bin/env python3
"""IAM Identity Center (SSO) profiles through the real binary: the token
cache `aws sso login` writes (~/.aws/sso/cache/<sha1>.json) and a portal
double that speaks GetRoleCredentials (GET /federation/credentials with
x-amz-sso_bearer_token, as botocore's sso service model shapes it) and
hands out moto credentials of the role's account.  Both the sso-session
form and the legacy sso_start_url form; an expired or missing token and a
refused one each say to run 'aws sso login'; the token is never printed."""
import datetime
import hashlib
import json
import os
import sys
import tempfile
import threading
import unittest
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402

TOKEN = "sso-bearer-token-Zq81"
START_URL = "https://example.awsapps.com/start"


class Portal(BaseHTTPRequestHandler):
    """GetRoleCredentials: the role's credentials from moto's AssumeRole."""
    protocol_version = "HTTP/1.1"
    seen = []
    moto = None

    def log_message(self, *a):
        pass

    def do_GET(self):
        url = urllib.parse.urlsplit(self.path)
        q = dict(urllib.parse.parse_qsl(url.query))
        Portal.seen.append((url.path, q, self.headers.get("x-amz-sso_bearer_token")))
        if self.headers.get("x-amz-sso_bearer_token") != TOKEN:
            return self.send(401, {"message": "Session token not found or invalid"},
                             {"x-amzn-ErrorType": "UnauthorizedException"})
        if url.path != "/federation/credentials" or "role_name" not in q or "account_id" not in q:
            return self.send(400, {"message": "bad request"})
        sts = harness.boto_client(Portal.moto, "sts")
        c = sts.assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (q["account_id"], q["role_name"]),
                            RoleSessionName="sso")["Credentials"]
        self.send(200, {"roleCredentials": {
            "accessKeyId": c["AccessKeyId"], "secretAccessKey": c["SecretAccessKey"],
            "sessionToken": c["SessionToken"],
            "expiration": int(c["Expiration"].timestamp() * 1000)}})

    def send(self, status, body, headers=None):
        data = json.dumps(body).encode()
        self.send_response(status)
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class SsoTest(harness.MotoCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        Portal.moto = cls.moto
        cls.portal = ThreadingHTTPServer(("127.0.0.1", 0), Portal)
        cls.portal.daemon_threads = True
        threading.Thread(target=cls.portal.serve_forever, daemon=True).start()
        cls.portal_url = "http://127.0.0.1:%d" % cls.portal.server_address[1]

    @classmethod
    def tearDownClass(cls):
        cls.portal.shutdown()
        cls.portal.server_close()
        super().tearDownClass()

    def setUp(self):
        Portal.seen = []
        self.home = tempfile.mkdtemp(prefix="certsweep-sso-")
        os.makedirs(os.path.join(self.home, ".aws", "sso", "cache"))
        self.config = os.path.join(self.home, ".aws", "config")
        with open(self.config, "w") as f:
            f.write("[profile dev]\nsso_session = corp\nsso_account_id = 210987654321\n"
                    "sso_role_name = SecurityAudit\nregion = eu-west-1\n\n"
                    "[sso-session corp]\nsso_start_url = %s\nsso_region = eu-central-1\n"
                    "sso_registration_scopes = sso:account:access\n\n"
                    "[profile legacy]\nsso_start_url = %s\nsso_region = eu-central-1\n"
                    "sso_account_id = 210987654322\nsso_role_name = ReadOnly\n\n"
                    "[profile half]\nsso_session = corp\nsso_role_name = ReadOnly\n"
                    % (START_URL, START_URL))

    def cache(self, key, token=TOKEN, minutes=60):
        path = os.path.join(self.home, ".aws", "sso", "cache",
                            hashlib.sha1(key.encode()).hexdigest() + ".json")
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(minutes=minutes)
        with open(path, "w") as f:
            json.dump({"startUrl": START_URL, "region": "eu-central-1", "accessToken": token,
                       "expiresAt": exp.strftime("%Y-%m-%dT%H:%M:%SZ")}, f)

    def whoami(self, profile):
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home,
                                extra={"AWS_CONFIG_FILE": self.config,
                                       "AWS_ENDPOINT_URL_SSO": self.portal_url})
        return harness.run(["whoami", "-vv", "--profile", profile], env, secrets=(TOKEN,))

    def test_sso_session_profile(self):
        self.cache("corp")
        r = self.whoami("dev")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("210987654321", r.out)
        self.assertIn("sso:profile:dev", r.out)
        path, q, token = Portal.seen[0]
        self.assertEqual((path, q), ("/federation/credentials",
                                     {"role_name": "SecurityAudit", "account_id": "210987654321"}))
        self.assertEqual(token, TOKEN)

    def test_legacy_start_url_profile(self):
        self.cache(START_URL)
        r = self.whoami("legacy")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("210987654322", r.out)

    def test_expired_or_missing_token_says_to_log_in(self):
        r = self.whoami("dev")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("run 'aws sso login --profile dev'", r.err)
        self.assertEqual(Portal.seen, [])
        self.cache("corp", minutes=-5)
        r = self.whoami("dev")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("SSO token for profile 'dev' expired", r.err)
        self.assertIn("aws sso login --profile dev", r.err)
        self.assertEqual(Portal.seen, [])

    def test_refused_token_says_to_log_in(self):
        self.cache("corp", token="stale-token")
        r = self.whoami("dev")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("HTTP 401", r.err)
        self.assertIn("aws sso login --profile dev", r.err)

    def test_half_configured_profile_is_named(self):
        r = self.whoami("half")
        self.assertEqual(r.rc, 4, r)
        self.assertIn("profile 'half': an SSO profile needs sso_account_id and sso_role_name",
                      r.err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
