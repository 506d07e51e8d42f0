"""certsweep check-config: the real binary on good and bad files.

No server is needed: the command never touches the network.
"""
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

EXAMPLE = os.path.join(harness.SRCDIR, "packaging", "certsweep.conf.example")
SECRET_EXTERNAL_ID = "do not print this external id"

GOOD = """\
# audit setup
[aws]
region = eu-west-1
endpoint_url = http://127.0.0.1:4566
[scan]
organizational_units = ou-ab12-abcdefgh
regions = us-east-1,
    eu-west-1
external_id = "Ext-Id:42"
format = json
fail_on = medium
[rules]
expiring = 60,30,7
[securityhub]
mode = central
[state]
dir = /srv/certsweep
"""

BAD = """\
[aws]
max_attempts = many
fips = perhaps
[scan]
regoins = all
accounts = 1234
external_id = %s
format = xml
[rules]
expiring = 7,30,45
[nosuch]
""" % SECRET_EXTERNAL_ID


class CheckConfig(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="certsweep-cfg-")
        self.env = harness.clean_env(home=self.tmp.name)

    def tearDown(self):
        self.tmp.cleanup()

    def write(self, name, text):
        path = os.path.join(self.tmp.name, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def run_cc(self, *args, env=None):
        return harness.run(["check-config"] + list(args), env or self.env,
                           timeout=60, secrets=[SECRET_EXTERNAL_ID])

    def test_example_is_current(self):
        r = self.run_cc("--print-example")
        self.assertEqual(r.rc, 0, r)
        with open(EXAMPLE) as f:
            committed = f.read()
        self.assertEqual(r.out, committed,
                         "packaging/certsweep.conf.example is stale: regenerate it with "
                         "'certsweep check-config --print-example'")

    def test_example_checks_ok_as_is_and_uncommented(self):
        with open(EXAMPLE) as f:
            text = f.read()
        r = self.run_cc("--config", self.write("as-is.conf", text))
        self.assertEqual(r.rc, 0, r)
        uncommented = re.sub(r"(?m)^;", "", text)
        # One setting per option of the table: as many as `check-config
        # --help` lists.
        listed = re.findall(r"(?m)^  [a-z_]+\.[a-z_]+ \(", self.run_cc("--help").out)
        self.assertEqual(len(re.findall(r"(?m)^[a-z_]+ =", uncommented)), len(listed))
        self.assertGreater(len(listed), 30)
        path = self.write("uncommented.conf", uncommented)
        r = self.run_cc("--config", path)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, "%s: OK\n" % path)
        self.assertEqual(r.err, "")

    def test_good_file(self):
        path = self.write("good.conf", GOOD)
        r = self.run_cc("--config", path)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, "%s: OK\n" % path)
        self.assertEqual(r.err, "")
        r = self.run_cc("--config=" + path)
        self.assertEqual(r.rc, 0, r)

    def test_bad_file_reports_every_error_with_its_line(self):
        path = self.write("bad.conf", BAD)
        r = self.run_cc("-c", path)
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.out, "")
        lines = r.err.splitlines()
        expected = [
            (2, "[aws] max_attempts: 'many' is not a whole number"),
            (3, "[aws] fips: 'perhaps' is not a boolean"),
            (5, "unknown key 'regoins' in [scan] \u2014 did you mean 'regions'?"),
            (6, "[scan] accounts: '1234' is not an account id"),
            (7, "[scan] external_id is invalid \u2014"),
            (8, "[scan] format: 'xml' is not allowed \u2014 use one of: table, json, csv, asff, html, jsonl, prometheus"),
            (10, "[rules] expiring: medium (7 days) is less than high (30 days)"),
            (11, "unknown section [nosuch]"),
        ]
        self.assertEqual(len(lines), len(expected), r)
        for line, (num, text) in zip(lines, expected):
            self.assertTrue(line.startswith("%s:%d: %s" % (path, num, text)), "%r\n%r" % (line, r))
            self.assertIn(" \u2014 ", line)
        self.assertNotIn("do not print", r.err)

    def test_cross_field_problem(self):
        path = self.write("x.conf", "[scan]\naccounts = 123456789012\n"
                                    "organizational_units = r-ab12\n")
        r = self.run_cc("--config", path)
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.err, "%s: [scan] accounts and [scan] organizational_units are both set "
                                "\u2014 keep one of them\n" % path)

    def test_missing_file(self):
        path = os.path.join(self.tmp.name, "absent.conf")
        r = self.run_cc("--config", path)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("%s: cannot open: No such file or directory" % path, r.err)

    def test_env_var_names_the_file(self):
        path = self.write("env.conf", "[scan]\nconcurrency = 0\n")
        env = dict(self.env, CERTSWEEP_CONFIG=path)
        r = self.run_cc(env=env)
        self.assertEqual(r.rc, 2, r)
        self.assertIn("%s:2: [scan] concurrency: 0 is out of range" % path, r.err)
        # --config wins over the environment.
        good = self.write("good.conf", GOOD)
        r = self.run_cc("--config", good, env=env)
        self.assertEqual(r.rc, 0, r)

    def test_builtin_defaults(self):
        if os.path.exists("/etc/certsweep/certsweep.conf"):
            self.skipTest("/etc/certsweep/certsweep.conf exists on this machine")
        r = self.run_cc()
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.out, "built-in defaults: OK\n")

    def test_help_and_usage(self):
        r = self.run_cc("--help")
        self.assertEqual(r.rc, 0, r)
        for opt in ("--config FILE", "--print-example", "--help"):
            self.assertIn(opt, r.out)
        for key in ("aws.max_attempts", "scan.regions", "rules.expiring",
                    "securityhub.mode", "state.dir"):
            self.assertIn("  %s (" % key, r.out)
        r = self.run_cc("--bogus")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("unknown option '--bogus'", r.err)
        r = self.run_cc("--config")
        self.assertEqual(r.rc, 2, r)


if __name__ == "__main__":
    harness.main()
