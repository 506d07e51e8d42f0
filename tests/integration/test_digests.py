#!/usr/bin/env python3
"""Digests through a real SMTP server on loopback (aiosmtpd with STARTTLS
and AUTH, a test-generated certificate trusted through [email] ca_file) and
through SNS (moto topic with an SQS queue subscribed): the organization
digest and one per account with findings, to the right recipients, both
MIME parts; a second run with nothing changed sends nothing; a renewed
certificate is listed under Resolved; SMTP down for one run, the next run
delivers (no loss, no duplicate); a digest over 256 KB reaches SNS in
numbered parts that join to the whole."""
import email
import email.policy
import glob
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from test_securityhub import MGMT, Org, SCAN_REGION  # noqa: E402

DOUBLES = os.path.join(os.path.dirname(HERE), "doubles")
SYSTEM_PY = "/usr/bin/python3"      # Debian's, which has python3-aiosmtpd
PASSWORD = "smtp-Pa55-doNotPrintMe"


def have_aiosmtpd():
    try:
        return subprocess.run([SYSTEM_PY, "-c", "import aiosmtpd"],
                              capture_output=True).returncode == 0
    except OSError:
        return False


class Smtp:
    def __init__(self, tmp, flags=()):
        self.flags = list(flags)        # smtp_server.py's: echo-auth, only-PLAIN, only-LOGIN
        self.dir = os.path.join(tmp, "mail")
        os.makedirs(self.dir, exist_ok=True)
        self.cert = os.path.join(tmp, "smtp-cert.pem")
        self.key = os.path.join(tmp, "smtp-key.pem")
        if not os.path.exists(self.cert):
            subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                            "-keyout", self.key, "-out", self.cert, "-days", "2",
                            "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                           check=True, capture_output=True)
        self.port = harness.free_port()
        self.server = None

    def start(self):
        self.server = harness.Server(
            [SYSTEM_PY, os.path.join(DOUBLES, "smtp_server.py"), str(self.port), self.dir,
             self.cert, self.key, "certsweep", PASSWORD] + self.flags, self.port, name="smtp")

    def stop(self):
        if self.server:
            self.server.stop()
            self.server = None

    def messages(self):
        out = []
        for p in sorted(glob.glob(os.path.join(self.dir, "*.json"))):
            with open(p) as f:
                m = json.load(f)
            m["msg"] = email.message_from_string(m["data"], policy=email.policy.default)
            out.append(m)
        return out

    def clear(self):
        for p in glob.glob(os.path.join(self.dir, "*.json")):
            os.unlink(p)


def parts(msg):
    text = msg.get_body(preferencelist=("plain",)).get_content()
    html = msg.get_body(preferencelist=("html",)).get_content()
    return text, html


@unittest.skipUnless(have_aiosmtpd(), "python3-aiosmtpd is not installed (scripts/deps.sh)")
class DigestTest(harness.MotoCase):
    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-digests-")
        self.state = os.path.join(self.tmp, "state")
        self.org = o = Org(self.moto)
        self.arn = {
            "a1": o.import_cert(o.a1, "us-east-1", days=20),      # HIGH
            "a2": o.import_cert(o.a2, "us-east-1", days=5),       # CRITICAL
        }
        self.smtp = Smtp(self.tmp)
        self.smtp.start()
        self.pwfile = os.path.join(self.tmp, "smtp-password")
        with open(self.pwfile, "w") as f:
            f.write(PASSWORD + "\n")

    def tearDown(self):
        self.smtp.stop()

    def config(self, extra=""):
        o = self.org
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = us-east-1\ncollectors = acm\n"
                    "fail_on = none\n[securityhub]\nenabled = false\n[state]\ndir = %s\n"
                    "[notify]\nretry_backoff_seconds = 0\n"
                    "[email]\nsmtp_host = 127.0.0.1\nsmtp_port = %d\nca_file = %s\n"
                    "username = certsweep\npassword_file = %s\nfrom = certsweep@example.com\n"
                    "org_to = secops@example.com, pki@example.com\n"
                    "account_owners = %s: team-a@example.com; %s: b1@example.com, b2@example.com\n"
                    "timeout_seconds = 10\n%s"
                    % (SCAN_REGION, self.state, self.smtp.port, self.smtp.cert, self.pwfile,
                       o.a1, o.a2, extra))
        return conf

    def scan(self, *args, rc=0, extra=""):
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["scan", "--config", self.config(extra), "--format", "json"] + list(args),
                        env, timeout=300, secrets=(PASSWORD,))
        self.assertEqual(r.rc, rc, r)
        return r

    def by_rcpt(self):
        return {tuple(sorted(m["rcpt_tos"])): m for m in self.smtp.messages()}

    def test_digests_sent_once_and_resolved(self):
        o = self.org
        self.scan()
        got = self.by_rcpt()
        self.assertEqual(set(got), {("pki@example.com", "secops@example.com"),
                                    ("team-a@example.com",),
                                    ("b1@example.com", "b2@example.com")}, got.keys())
        for m in got.values():
            self.assertTrue(m["tls"] and m["auth"], m)
            msg = m["msg"]
            self.assertEqual(msg["Auto-Submitted"], "auto-generated")
            self.assertTrue(msg["Message-ID"] and msg["Date"])
            self.assertEqual(msg["From"], "certsweep@example.com")
            self.assertEqual(msg.get_content_type(), "multipart/alternative")
            text, html = parts(msg)
            self.assertIn("== New", text)
            self.assertIn("<table", html)
            self.assertNotIn("<script", html.lower())
        org_text, org_html = parts(got[("pki@example.com", "secops@example.com")]["msg"])
        # the account's name and its OU path (members sit under the root)
        self.assertIn("member-a (%s, Root)" % o.a1, org_text)
        self.assertIn("member-b (%s, Root)" % o.a2, org_text)
        self.assertIn("CRITICAL", org_text)
        # worst first: the CRITICAL (a2) line comes before the HIGH one (a1)
        self.assertLess(org_text.index("[CRITICAL]"), org_text.index("[HIGH]"))
        a_text, _ = parts(got[("team-a@example.com",)]["msg"])
        self.assertIn(o.a1, a_text)
        self.assertNotIn(o.a2, a_text)

        # Nothing changed: nothing is sent.
        self.smtp.clear()
        self.scan()
        self.assertEqual(self.smtp.messages(), [])

        # a1's certificate is renewed: Resolved in the org digest and a1's.
        o.import_cert(o.a1, "us-east-1", days=300, arn=self.arn["a1"])
        self.scan()
        got = self.by_rcpt()
        self.assertEqual(set(got), {("pki@example.com", "secops@example.com"),
                                    ("team-a@example.com",)}, got.keys())
        org_text, org_html = parts(got[("pki@example.com", "secops@example.com")]["msg"])
        self.assertIn("== Resolved (1)", org_text)
        self.assertIn("Resolved (1)", org_html)
        a_text, _ = parts(got[("team-a@example.com",)]["msg"])
        self.assertIn("== Resolved (1)", a_text)

        # --notify always sends again; --no-notify sends nothing.
        self.smtp.clear()
        self.scan("--no-notify")
        self.assertEqual(self.smtp.messages(), [])
        self.scan("--notify", "always")
        # a1 has nothing left to say; the org and a2 digests go again.
        self.assertEqual(set(self.by_rcpt()), {("pki@example.com", "secops@example.com"),
                                               ("b1@example.com", "b2@example.com")})

    def test_smtp_down_then_delivered_once(self):
        self.smtp.stop()
        r = self.scan(rc=5)
        self.assertIn("kept for a retry", r.err)
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        rows = db.execute("SELECT status, attempts FROM outbox").fetchall()
        db.close()
        self.assertEqual(sorted(rows), [("pending", 1)] * 3)
        self.smtp.start()
        self.scan()
        got = self.smtp.messages()
        self.assertEqual(len(got), 3, [m["rcpt_tos"] for m in got])
        self.assertEqual(len({m["msg"]["Message-ID"] for m in got}), 3)
        # A third run: nothing left, nothing new.
        self.smtp.clear()
        self.scan()
        self.assertEqual(self.smtp.messages(), [])

    def notify(self, *args, rc=0):
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["notify", "--config", self.config()] + list(args), env, timeout=300,
                        secrets=(PASSWORD,))
        self.assertEqual(r.rc, rc, r)
        return r

    def test_notify_retry_delivers_outbox(self):
        self.smtp.stop()
        self.scan(rc=5)
        self.smtp.start()
        r = self.notify("--retry")
        self.assertIn("3 delivered", r.err)
        self.assertEqual(len(self.smtp.messages()), 3)
        self.smtp.clear()
        self.notify("--retry")
        self.assertEqual(self.smtp.messages(), [])

    def test_notify_from_shard_reports(self):
        o = self.org
        reports = []
        for acct in (o.a1, o.a2):
            path = os.path.join(self.tmp, "report-%s.json" % acct)
            self.scan("--no-notify", "--accounts", acct, "--output", path)
            reports.append(path)
        self.assertEqual(self.smtp.messages(), [])
        self.notify("--report", *reports)
        got = self.by_rcpt()
        self.assertEqual(set(got), {("pki@example.com", "secops@example.com"),
                                    ("team-a@example.com",),
                                    ("b1@example.com", "b2@example.com")}, got.keys())
        org_text, _ = parts(got[("pki@example.com", "secops@example.com")]["msg"])
        self.assertIn(o.a1, org_text)
        self.assertIn(o.a2, org_text)
        self.assertIn("== New (2)", org_text)
        # a report that is not one: a clear error, exit 4, nothing sent
        bad = os.path.join(self.tmp, "bad.json")
        with open(bad, "w") as f:
            f.write('{"findings": []}')
        self.smtp.clear()
        r = self.notify("--report", bad, rc=4)
        self.assertIn("not a certsweep JSON report", r.err)
        self.assertEqual(self.smtp.messages(), [])

    def test_wrong_ca_is_refused(self):
        other = os.path.join(self.tmp, "other-ca.pem")
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout",
                        os.path.join(self.tmp, "other-key.pem"), "-out", other, "-days", "2",
                        "-subj", "/CN=other"], check=True, capture_output=True)
        conf_extra = ""
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        conf = self.config(conf_extra).replace("", "")
        with open(conf) as f:
            text = f.read().replace("ca_file = %s" % self.smtp.cert, "ca_file = %s" % other)
        with open(conf, "w") as f:
            f.write(text)
        r = harness.run(["scan", "--config", conf, "--format", "json"], env, timeout=300,
                        secrets=(PASSWORD,))
        self.assertEqual(r.rc, 5, r)
        self.assertEqual(self.smtp.messages(), [])

    def test_dry_run_writes_files(self):
        out = os.path.join(self.tmp, "dry")
        self.scan("--notify-dry-run", out)
        names = sorted(os.listdir(out))
        self.assertEqual(names, sorted(["email-org.eml", "email-account-%s.eml" % self.org.a1,
                                        "email-account-%s.eml" % self.org.a2]))
        self.assertEqual(self.smtp.messages(), [])

    def test_owners_from_tag_and_account_email(self):
        o = self.org
        org = harness.boto_client(self.moto, "organizations")
        org.tag_resource(ResourceId=o.a2, Tags=[
            {"Key": "certsweep-owner", "Value": "tag-one@example.com tag-two@example.com"}])
        out = os.path.join(self.tmp, "dry")
        conf_extra = "owner_tag = certsweep-owner\n"
        # a1 has no account_owners entry and no tag: its Organizations e-mail
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        conf = self.config(conf_extra + "use_account_email = true\n")
        with open(conf) as f:
            text = f.read()
        text = "\n".join(l for l in text.split("\n") if not l.startswith("account_owners"))
        with open(conf, "w") as f:
            f.write(text)
        r = harness.run(["scan", "--config", conf, "--format", "json", "--notify-dry-run", out],
                        env, timeout=300)
        self.assertEqual(r.rc, 0, r)
        def to(name):
            with open(os.path.join(out, name)) as f:
                return email.message_from_file(f, policy=email.policy.default)["To"]
        self.assertEqual(to("email-account-%s.eml" % o.a2),
                         "tag-one@example.com, tag-two@example.com")
        self.assertEqual(to("email-account-%s.eml" % o.a1), "member-a@example.com")

    def test_permanent_refusal_kept_for_a_person(self):
        o = self.org
        conf = self.config()
        with open(conf) as f:
            text = f.read().replace("b1@example.com, b2@example.com", "reject-me@example.com")
        with open(conf, "w") as f:
            f.write(text)
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--format", "json"], env, timeout=300,
                        secrets=(PASSWORD,))
        self.assertEqual(r.rc, 5, r)
        self.assertIn("550 5.1.1 no such mailbox here", r.err)
        self.assertIn("refused", r.err)
        # the other channels' messages went out regardless
        self.assertEqual(len(self.smtp.messages()), 2)
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        rows = dict(db.execute("SELECT key, status FROM outbox").fetchall())
        db.close()
        self.assertEqual(rows["account:%s" % o.a2], "failed")
        self.assertEqual(rows["org"], "sent")
        # not retried by the next run: kept for a person
        self.smtp.clear()
        r = harness.run(["scan", "--config", conf, "--format", "json"], env, timeout=300)
        self.assertEqual(self.smtp.messages(), [])

    def test_auth_forms_of_the_password_never_shown(self):
        """A server that quotes the AUTH exchange back in its refusal: the
        base64 forms of the password that libesmtp sent (AUTH PLAIN's
        "\\0user\\0password", AUTH LOGIN's password) reach neither the log
        at -vv nor the state, any more than the password itself."""
        import base64
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        for mech in ("PLAIN", "LOGIN"):
            with self.subTest(mech=mech):
                self.smtp.stop()
                self.smtp = Smtp(self.tmp, ["echo-auth", "only-" + mech])
                self.smtp.start()
                blobs_file = os.path.join(self.smtp.dir, "auth-blobs")
                if os.path.exists(blobs_file):
                    os.unlink(blobs_file)
                r = harness.run(["scan", "--config", self.config(), "--format", "json", "-vv"],
                                env, timeout=300, secrets=(PASSWORD,))
                self.assertEqual(r.rc, 5, r)                # kept for a retry
                self.assertIn("you said AUTH", r.err)
                with open(blobs_file) as f:
                    blobs = json.load(f)
                secret = [b for b in blobs if PASSWORD.encode() in base64.b64decode(b)]
                self.assertEqual(len(secret), 1, blobs)
                self.assertIn("[REDACTED]", r.err)
                for b in secret:
                    self.assertNotIn(b, r.err)
                    self.assertNotIn(b, r.out)
                    for name in os.listdir(self.state):
                        with open(os.path.join(self.state, name), "rb") as f:
                            self.assertNotIn(b.encode(), f.read(), name)

    def test_what_if_notifies_nobody(self):
        self.scan("--as-of", "2027-12-31", "--notify", "always")
        self.assertEqual(self.smtp.messages(), [])


class SnsTest(harness.MotoCase):
    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-sns-")
        self.state = os.path.join(self.tmp, "state")
        self.org = Org(self.moto)
        sns = harness.boto_client(self.moto, "sns")
        sqs = harness.boto_client(self.moto, "sqs")
        self.topic = sns.create_topic(Name="certsweep-digest")["TopicArn"]
        self.queue = sqs.create_queue(QueueName="digests")["QueueUrl"]
        qarn = sqs.get_queue_attributes(QueueUrl=self.queue, AttributeNames=["QueueArn"])[
            "Attributes"]["QueueArn"]
        sns.subscribe(TopicArn=self.topic, Protocol="sqs", Endpoint=qarn)
        self.sqs = sqs

    def scan(self, rc=0):
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = us-east-1\ncollectors = acm\n"
                    "fail_on = none\n[securityhub]\nenabled = false\n[state]\ndir = %s\n"
                    "[notify]\nmin_severity = informational\n[sns]\ntopic_arn = %s\n"
                    % (SCAN_REGION, self.state, self.topic))
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--format", "json"], env, timeout=600)
        self.assertEqual(r.rc, rc, r)
        return r

    def received(self):
        out = []
        while True:
            r = self.sqs.receive_message(QueueUrl=self.queue, MaxNumberOfMessages=10,
                                         WaitTimeSeconds=0)
            msgs = r.get("Messages", [])
            if not msgs:
                return out
            for m in msgs:
                out.append(json.loads(m["Body"]))
                self.sqs.delete_message(QueueUrl=self.queue, ReceiptHandle=m["ReceiptHandle"])

    def test_org_digest_reaches_queue(self):
        o = self.org
        o.import_cert(o.a1, "us-east-1", days=20)
        self.scan()
        got = self.received()
        self.assertEqual(len(got), 1, got)
        self.assertLess(len(got[0]["Subject"]), 100)
        self.assertIn("member-a (%s)" % o.a1, got[0]["Message"])
        attrs = got[0]["MessageAttributes"]
        self.assertEqual(attrs["high"]["Value"], "1")
        self.assertEqual(attrs["parts"]["Value"], "1")
        self.scan()
        self.assertEqual(self.received(), [])

    def test_large_digest_in_parts(self):
        o = self.org
        # Enough IAM server certificates (moto reports each as expired) to
        # pass 256 KB of digest text.
        iam = o.client(o.a1, "iam")
        body, key = o.cert(100)
        for i in range(700):
            iam.upload_server_certificate(ServerCertificateName="legacy-%04d-%s" % (i, "x" * 60),
                                          CertificateBody=body.decode(), PrivateKey=key.decode())
        conf_collectors = None  # noqa: F841
        out = os.path.join(self.tmp, "dry")
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = us-east-1\ncollectors = acm, iam\n"
                    "fail_on = none\n[securityhub]\nenabled = false\n[state]\ndir = %s\n"
                    "[notify]\nmin_severity = informational\n[sns]\ntopic_arn = %s\n"
                    % (SCAN_REGION, self.state, self.topic))
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        r = harness.run(["scan", "--config", conf, "--format", "json",
                         "--notify-dry-run", out], env, timeout=600)
        self.assertEqual(r.rc, 0, r)
        whole = ""
        files = sorted(os.listdir(out))
        self.assertGreater(len(files), 1, files)
        r = harness.run(["scan", "--config", conf, "--format", "json"], env, timeout=600)
        self.assertEqual(r.rc, 0, r)
        got = self.received()
        self.assertEqual(len(got), len(files), [g["Subject"] for g in got])
        got.sort(key=lambda g: int(g["MessageAttributes"]["part"]["Value"]))
        for i, g in enumerate(got, 1):
            self.assertIn("(part %d/%d)" % (i, len(got)), g["Subject"])
            self.assertLess(len(g["Subject"]), 100)
            self.assertLessEqual(len(g["Message"].encode()), 256 * 1024)
            whole += g["Message"]
        self.assertTrue(whole.startswith("certsweep digest for AWS Organization"))
        self.assertIn("certsweep, generated", whole[-200:])
        self.assertEqual(whole.count("iam-server-certificate:"), 700)


if __name__ == "__main__":
    unittest.main(verbosity=2)
