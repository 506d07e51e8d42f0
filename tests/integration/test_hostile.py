"""Hostile servers, signals and careless settings (issue 8, items 8-13),
driven through the real binary against moto and tests/doubles/fault_double.py
on 127.0.0.1.

- SIGINT / SIGTERM during a scan whose ACM listing hangs: exit 130 / 143
  within seconds, no report written, earlier --output and --dry-run files
  untouched, no temporary file left, the run row closed as "interrupted".
- A run that cannot run (exit 4) leaves an earlier --dry-run file whole.
- A server whose error message quotes the request headers: the session
  token, the secret key and the external id never reach stdout, stderr or
  the report, at default verbosity and at -vv; the gap shows [REDACTED].
- Plain http to a host that is not loopback is refused (exit 2) unless
  [aws] allow_insecure_endpoints = true, which warns.
- check-config: a missing ca_bundle fails; a FIFO config is an error.
- A shared AWS config of 800 profiles is read whole; a credential_process
  helper's grandchild ends with the run.
"""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "doubles"))

import harness  # noqa: E402
import fault_double  # noqa: E402
import proxy  # noqa: E402
import seed_demo  # noqa: E402

REGION = "us-east-1"
EXTERNAL_ID = "ext-id-" + "x" * 40


class Hostile(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.moto = harness.start_moto()
        now = int(time.time())
        body, key = seed_demo.make_cert("hostile.example.com", now - 86400, now + 300 * 86400)
        harness.boto_client(cls.moto, "acm", REGION).import_certificate(
            Certificate=body, PrivateKey=key)

    @classmethod
    def tearDownClass(cls):
        cls.moto.stop()

    def setUp(self):
        self.home = tempfile.mkdtemp(prefix="certsweep-hostile-")
        self.state = os.path.join(self.home, "state")
        self.config = os.path.join(self.home, "certsweep.conf")
        self.write_config()

    def write_config(self, extra_aws="", extra_scan=""):
        with open(self.config, "w") as f:
            f.write("[aws]\n%s[scan]\ncollectors = acm\n%s[securityhub]\nenabled = false\n"
                    "[state]\ndir = %s\n" % (extra_aws, extra_scan, self.state))

    def env(self, url, **extra):
        return harness.clean_env(endpoint_url=url, home=self.home, extra=dict(
            harness.env_credentials(session_token=True), CERTSWEEP_CONFIG=self.config, **extra))

    def runs(self):
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        try:
            return db.execute("SELECT id, finished, counts FROM runs ORDER BY id").fetchall()
        finally:
            db.close()

    # ---- signals ---------------------------------------------------------
    def interrupted(self, sig, code, twice=False):
        srv, url = fault_double.start(self.moto.url,
                                      {"slow": {"match": "ListCertificates", "delay": 20}})
        hit = srv.fault["hit"]
        out = os.path.join(self.home, "report.json")
        dry = os.path.join(self.home, "dry.jsonl")
        for p in (out, dry):
            with open(p, "w") as f:
                f.write("EARLIER\n")
        argv = [harness.CERTSWEEP, "scan", "--regions", REGION, "--format", "json",
                "--output", out, "--dry-run", dry]
        p = subprocess.Popen(argv, env=self.env(url), stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
        try:
            self.assertTrue(hit.wait(30), "the scan never reached ListCertificates")
            time.sleep(0.3)
            t0 = time.time()
            p.send_signal(sig)
            if twice:
                p.send_signal(sig)
            so, se = p.communicate(timeout=15)
            took = time.time() - t0
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            proxy.stop(srv)
        if twice:
            # the second ends the process at once (or the first was done)
            self.assertIn(p.returncode, (code, -sig), se)
            for path in (out, dry):
                with open(path) as f:
                    self.assertEqual(f.read(), "EARLIER\n", path)
            self.assertEqual(sorted(os.listdir(self.home)),
                             sorted(["certsweep.conf", "state", "report.json", "dry.jsonl"]))
            return
        self.assertEqual(p.returncode, code, se)
        self.assertLess(took, 8, se)
        self.assertIn("interrupted", se)
        self.assertEqual(so, "")
        for path in (out, dry):
            with open(path) as f:
                self.assertEqual(f.read(), "EARLIER\n", path)
        self.assertEqual(sorted(os.listdir(self.home)),
                         sorted(["certsweep.conf", "state", "report.json", "dry.jsonl"]))
        rows = self.runs()
        self.assertEqual(len(rows), 1, rows)
        self.assertIsNotNone(rows[0][1], "run row not finished")
        self.assertEqual(json.loads(rows[0][2])["status"], "interrupted")
        for s in harness.SECRETS:
            self.assertNotIn(s, se)

    def test_sigint_mid_scan(self):
        self.interrupted(signal.SIGINT, 130)

    def test_sigterm_mid_scan(self):
        self.interrupted(signal.SIGTERM, 143)

    def test_second_sigint_ends_at_once_without_temporary_files(self):
        self.interrupted(signal.SIGINT, 130, twice=True)

    def test_failed_run_keeps_earlier_dry_run(self):
        dry = os.path.join(self.home, "dry.jsonl")
        with open(dry, "w") as f:
            f.write("EARLIER\n")
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home,
                                extra={"CERTSWEEP_CONFIG": self.config})   # no credentials
        r = harness.run(["scan", "--regions", REGION, "--dry-run", dry], env)
        self.assertEqual(r.rc, 4, r)
        with open(dry) as f:
            self.assertEqual(f.read(), "EARLIER\n")
        self.assertEqual(sorted(os.listdir(self.home)), ["certsweep.conf", "dry.jsonl", "state"])

    def test_complete_run_replaces_output(self):
        out = os.path.join(self.home, "report.json")
        with open(out, "w") as f:
            f.write("EARLIER\n")
        r = harness.run(["scan", "--regions", REGION, "--format", "json", "--output", out],
                        self.env(self.moto.url))
        self.assertEqual(r.rc, 0, r)
        with open(out) as f:
            self.assertEqual(json.load(f)["schema"], "certsweep.scan/1")

    # ---- secrets echoed ----------------------------------------------------
    def test_echoed_secrets_are_redacted(self):
        srv, url = fault_double.start(self.moto.url,
                                      {"echo-headers": {"match": "ListCertificates"}})
        try:
            self.write_config(extra_scan="external_id = %s\n" % EXTERNAL_ID)
            for verbosity in ([], ["-vv"]):
                out = os.path.join(self.home, "report.json")
                r = harness.run(["scan", "--regions", REGION, "--format", "json",
                                 "--output", out] + verbosity, self.env(url),
                                secrets=[EXTERNAL_ID])
                self.assertEqual(r.rc, 3, r)
                with open(out) as f:
                    text = f.read()
                for s in harness.SECRETS + [EXTERNAL_ID]:
                    self.assertNotIn(s, text)
                gaps = json.loads(text)["coverage_gaps"]
                self.assertEqual(len(gaps), 1, gaps)
                self.assertIn("X-Amz-Security-Token: [REDACTED]", gaps[0]["message"])
                self.assertIn("[REDACTED]", r.err)
        finally:
            proxy.stop(srv)

    def test_longest_external_id_reaches_assume_role(self):
        ext = ("Ab0+=,.@:/_-" * 103)[:1224]              # the documented maximum
        srv, url = fault_double.start(self.moto.url)
        try:
            self.write_config(extra_scan="external_id = %s\n" % ext)
            r = harness.run(["scan", "--regions", REGION, "--accounts", "111111111111",
                             "--format", "json"], self.env(url), secrets=[ext])
            self.assertIn(r.rc, (0, 3), r)
            sent = [urllib.parse.parse_qs(b.decode()) for op, b in srv.fault["requests"]
                    if op == "AssumeRole"]
            self.assertTrue(sent, srv.fault["requests"])
            self.assertEqual(sent[0]["ExternalId"], [ext])
        finally:
            proxy.stop(srv)

    # ---- shared AWS config and credential_process (items 8, 9) --------------
    def test_eight_hundred_profiles(self):
        """800 profiles (one SSO profile per account, say) are read whole:
        the last one's keys reach STS through the double."""
        cfg = os.path.join(self.home, "aws-config")
        with open(cfg, "w") as f:
            for i in range(800):
                f.write("[profile acct%04d]\nsso_session = corp\nsso_account_id = %012d\n"
                        "sso_role_name = Audit\nregion = eu-west-1\n" % (i, i))
            f.write("[profile last]\naws_access_key_id = AKIAPROFILE000000800\n"
                    "aws_secret_access_key = %s\n" % EXTERNAL_ID)
        srv, url = fault_double.start(self.moto.url)
        try:
            env = harness.clean_env(endpoint_url=url, home=self.home, extra={
                "AWS_CONFIG_FILE": cfg, "AWS_PROFILE": "last", "CERTSWEEP_CONFIG": self.config})
            r = harness.run(["whoami"], env, secrets=[EXTERNAL_ID])
            self.assertEqual(r.rc, 0, r)
            self.assertIn(harness.MOTO_DEFAULT_ACCOUNT, r.out)
            self.assertIn("GetCallerIdentity", [op for op, _ in srv.fault["requests"]])
        finally:
            proxy.stop(srv)

    def test_credential_process_group_ends_with_the_run(self):
        """A credential_process whose real helper is a grandchild that hangs:
        when the run ends (SIGTERM here; the 60 s timeout takes the same
        path, see tests/unit/sts/test_providers.c) the whole group goes."""
        pidfile = os.path.join(self.home, "helper.pid")
        helper = os.path.join(self.home, "helper.sh")
        with open(helper, "w") as f:
            f.write("#!/bin/sh\nsleep 120 </dev/null >/dev/null 2>&1 &\necho $! > %s\nwait\n"
                    % pidfile)
        os.chmod(helper, 0o700)
        cfg = os.path.join(self.home, "aws-config")
        with open(cfg, "w") as f:
            f.write("[default]\ncredential_process = %s\n" % helper)
        srv, url = fault_double.start(self.moto.url)
        env = harness.clean_env(endpoint_url=url, home=self.home, extra={
            "AWS_CONFIG_FILE": cfg, "CERTSWEEP_CONFIG": self.config})
        p = subprocess.Popen([harness.CERTSWEEP, "scan", "--regions", REGION], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        pid = None
        try:
            for _ in range(300):
                if os.path.exists(pidfile) and open(pidfile).read().strip():
                    pid = int(open(pidfile).read())
                    break
                time.sleep(0.1)
            self.assertIsNotNone(pid, "the helper never started its grandchild")
            p.send_signal(signal.SIGTERM)
            so, se = p.communicate(timeout=15)
            self.assertEqual(p.returncode, 143, se)
            for _ in range(50):
                try:
                    os.kill(pid, 0)
                except ProcessLookupError:
                    break
                time.sleep(0.1)
            else:
                self.fail("the helper's grandchild %d outlived the run" % pid)
            self.assertEqual(srv.fault["requests"], [])       # never got credentials
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            if pid:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            proxy.stop(srv)

    # ---- plain http ----------------------------------------------------------
    def test_plain_http_elsewhere_is_refused(self):
        env = self.env("http://10.255.255.1:4566")        # never contacted
        r = harness.run(["scan", "--regions", REGION], env)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("AWS_ENDPOINT_URL is plain http to '10.255.255.1'", r.err)
        self.assertIn("allow_insecure_endpoints", r.err)
        r = harness.run(["whoami"], env)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("use https:// or a loopback address", r.err)
        self.write_config(extra_aws="endpoint_url = http://10.255.255.1:4566\n")
        r = harness.run(["check-config", "--config", self.config], self.env(self.moto.url))
        self.assertEqual(r.rc, 2, r)
        self.assertIn("[aws] endpoint_url is plain http", r.err)
        # allowed: a warning, and the run goes on (through loopback here)
        self.write_config(extra_aws="allow_insecure_endpoints = true\n")
        r = harness.run(["scan", "--regions", REGION], self.env(self.moto.url))
        self.assertEqual(r.rc, 0, r)
        self.assertIn("allow_insecure_endpoints = true", r.err)

    # ---- smaller --------------------------------------------------------------
    def test_ca_bundle_must_be_readable(self):
        self.write_config(extra_aws="ca_bundle = /nonexistent/ca.pem\n")
        r = harness.run(["check-config", "--config", self.config], self.env(self.moto.url))
        self.assertEqual(r.rc, 2, r)
        self.assertIn("ca_bundle '/nonexistent/ca.pem'", r.err)
        self.write_config()
        r = harness.run(["scan", "--regions", REGION], self.env(
            self.moto.url, AWS_CA_BUNDLE="/nonexistent/env-ca.pem"))
        self.assertEqual(r.rc, 2, r)
        self.assertIn("AWS_CA_BUNDLE '/nonexistent/env-ca.pem'", r.err)
        r = harness.run(["scan", "--regions", REGION], self.env(
            self.moto.url, SSL_CERT_FILE="/nonexistent/ssl-cert.pem"))
        self.assertEqual(r.rc, 2, r)
        self.assertIn("SSL_CERT_FILE '/nonexistent/ssl-cert.pem'", r.err)

    def test_writable_config_with_a_secret_warns(self):
        self.write_config(extra_scan="external_id = %s\n" % EXTERNAL_ID)
        os.chmod(self.config, 0o666)
        r = harness.run(["check-config", "--config", self.config], self.env(self.moto.url),
                        secrets=[EXTERNAL_ID])
        self.assertEqual(r.rc, 0, r)
        self.assertIn("writable by every user, and it holds [scan] external_id", r.err)
        os.chmod(self.config, 0o600)
        r = harness.run(["check-config", "--config", self.config], self.env(self.moto.url),
                        secrets=[EXTERNAL_ID])
        self.assertNotIn("writable", r.err)

    def test_fifo_config_is_an_error(self):
        fifo = os.path.join(self.home, "fifo.conf")
        os.mkfifo(fifo)
        r = harness.run(["check-config", "--config", fifo], self.env(self.moto.url), timeout=10)
        self.assertEqual(r.rc, 2, r)
        self.assertIn(fifo, r.err)
        aws_cfg = os.path.join(self.home, "aws-config-fifo")
        os.mkfifo(aws_cfg)
        env = harness.clean_env(endpoint_url=self.moto.url, home=self.home,
                                extra={"AWS_CONFIG_FILE": aws_cfg})
        r = harness.run(["whoami"], env, timeout=10)
        self.assertNotEqual(r.rc, 0, r)
        self.assertIn("not a regular file", r.err)

    def test_write_errors_on_stdout(self):
        for args in (["whoami"], ["--help"], ["scan", "--help"], ["check-config", "--help"]):
            with open("/dev/full", "w") as full:
                p = subprocess.run([harness.CERTSWEEP] + args, env=self.env(self.moto.url),
                                   stdout=full, stderr=subprocess.PIPE, text=True, timeout=60)
            self.assertNotEqual(p.returncode, 0, args)
            self.assertIn("standard output", p.stderr, args)

    def test_as_of_before_1970(self):
        for d in ("0000-01-01", "1969-12-31"):
            r = harness.run(["scan", "--as-of", d], self.env(self.moto.url))
            self.assertEqual(r.rc, 2, r)
            self.assertIn("1970", r.err)


if __name__ == "__main__":
    harness.main()
