#!/usr/bin/env python3
"""Prometheus metrics through the real binary against moto: --output
FILE.prom writes the text exposition (promtool check metrics accepts it,
and the packaged alert rules and dashboard use only its metric names),
[metrics] textfile writes it beside the ordinary report and is left alone
by a what-if run (--as-of), and a metrics path that cannot be written
fails before the scan."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import harness  # noqa: E402
from test_securityhub import Org, SCAN_REGION  # noqa: E402

MONITORING = os.path.join(os.environ.get("SRCDIR", os.path.join(HERE, "..", "..")),
                          "packaging", "monitoring")


def series(text):
    """{name{labels}: value} of the samples in an exposition."""
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out[key] = float(value)
    return out


class MetricsTest(harness.MotoCase):
    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-metrics-")
        self.org = o = Org(self.moto)
        self.arn = o.import_cert(o.a1, "eu-west-1", days=20)     # HIGH expiring
        self.healthy = o.import_cert(o.a2, "eu-west-1", days=200)   # no finding

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def scan(self, *args, textfile=None, extra=""):
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = eu-west-1\ncollectors = acm\n"
                    "[state]\ndir = %s\n" % (SCAN_REGION, os.path.join(self.tmp, "state")))
            f.write("[metrics]\n" + extra)
            if textfile:
                f.write("textfile = %s\n" % textfile)
        env = harness.clean_env(endpoint_url=self.moto.url,
                                extra=dict(harness.env_credentials()), home=self.tmp)
        return harness.run(["scan", "--config", conf, "--no-securityhub"] + list(args),
                           env, timeout=300)

    def check_document(self, text, listed=2):
        s = series(text)
        self.assertEqual(s['certsweep_findings{severity="high",rule="expiring"}'], 1, text)
        self.assertEqual(s['certsweep_findings{severity="critical",rule="expired"}'], 0)
        self.assertEqual(s["certsweep_coverage_gaps"], 0)
        self.assertEqual(s["certsweep_certificates_judged"], 2)
        self.assertGreater(s['certsweep_api_calls_total{service="acm"}'], 0)
        self.assertGreater(s['certsweep_api_calls_total{service="sts"}'], 0)
        self.assertEqual(s['certsweep_api_throttles_total{service="acm"}'], 0)
        self.assertGreater(s["certsweep_scan_duration_seconds"], 0)
        self.assertAlmostEqual(s["certsweep_last_success_timestamp_seconds"],
                               self.org.now, delta=600)
        certs = [k for k in s if k.startswith("certsweep_certificate_not_after_timestamp_seconds{")]
        self.assertEqual(len(certs), listed, certs)
        self.assertEqual(s["certsweep_certificates_unlisted"], 2 - listed)
        mine = [k for k in certs if 'account="%s"' % self.org.a1 in k]
        self.assertEqual(len(mine), 1, certs)
        self.assertIn('account="%s",account_name="member-a",region="eu-west-1",resource="%s",'
                      'domain="site.example.com",type="AwsCertificateManagerCertificate"'
                      % (self.org.a1, self.arn), mine[0])
        self.assertAlmostEqual(s[mine[0]], self.org.now + 20 * 86400, delta=5)
        if listed == 2:     # the certificate without a finding too
            other = [k for k in certs if k != mine[0]][0]
            self.assertIn('account="%s",account_name="member-b",region="eu-west-1",'
                          'resource="%s",' % (self.org.a2, self.healthy), other)
            self.assertAlmostEqual(s[other], self.org.now + 200 * 86400, delta=5)

    def test_output_prom_passes_promtool(self):
        path = os.path.join(self.tmp, "certsweep.prom")
        r = self.scan("--output", path)
        self.assertEqual(r.rc, 1, r)                # the HIGH finding
        self.assertEqual(r.out, "")
        with open(path) as f:
            text = f.read()
        self.check_document(text)
        umask = os.umask(0o022)
        os.umask(umask)
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o666 & ~umask)   # as fopen would
        self.assertEqual(sorted(os.listdir(self.tmp)), ["certsweep.conf", "certsweep.prom",
                                                        "state"])   # no temporary left
        # The packaged alert rules and dashboard query only metrics the
        # file has.
        names = set(re.findall(r"^(certsweep_\w+)", text, re.M))
        for name in ("certsweep-alerts.yml", "certsweep-dashboard.json"):
            with open(os.path.join(MONITORING, name)) as f:
                used = set(re.findall(r"certsweep_\w+", f.read()))
            self.assertTrue(used, name)
            self.assertLessEqual(used, names, name)
        promtool = shutil.which("promtool")
        if not promtool:
            self.skipTest("promtool not installed (Debian package prometheus, scripts/deps.sh)")
        with open(path, "rb") as f:
            p = subprocess.run([promtool, "check", "metrics"], stdin=f, capture_output=True,
                               timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertEqual(p.stdout + p.stderr, b"", "promtool lint problems")
        p = subprocess.run([promtool, "check", "rules",
                            os.path.join(MONITORING, "certsweep-alerts.yml")],
                           capture_output=True, timeout=60)
        self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        self.assertIn(b"SUCCESS: 4 rules found", p.stdout)

    def test_textfile_beside_report_and_not_in_what_if(self):
        path = os.path.join(self.tmp, "node", "certsweep.prom")
        os.mkdir(os.path.dirname(path))
        r = self.scan("--format", "json", textfile=path)
        self.assertEqual(r.rc, 1, r)
        self.assertEqual(len(r.json()["findings"]), 1)     # the report is unchanged
        with open(path) as f:
            first = f.read()
        self.check_document(first)
        # A what-if run judges another instant: the dashboards keep the present.
        r = self.scan("--format", "json", "--as-of", "2099-01-01", textfile=path)
        self.assertIn(r.rc, (1, 3), r)
        with open(path) as f:
            self.assertEqual(f.read(), first)
        # --format prometheus on standard output; with max_certificates = 0
        # only the certificate with a finding is listed, the other counted.
        r = self.scan("--format", "prometheus", extra="max_certificates = 0\n")
        self.assertEqual(r.rc, 1, r)
        self.check_document(r.out, listed=1)

    def test_unwritable_path_fails_before_scan(self):
        bad = os.path.join(self.tmp, "missing", "certsweep.prom")
        r = self.scan("--format", "json", textfile=bad)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("cannot write '%s': No such file or directory" % bad, r.err)
        self.assertEqual(r.out, "")
        r = self.scan("--output", bad)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("cannot write '%s'" % bad, r.err)


if __name__ == "__main__":
    unittest.main(verbosity=2)
