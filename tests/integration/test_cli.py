"""certsweep's command line: --version, --help of the tool and of every
command against the flags each accepts, one-line usage errors (exit 2),
exit 4 without credentials, and the home region scan and whoami pick
(checked with moto behind a proxy that records the SigV4 scope of every
STS call).
"""
import os
import re
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

sys.path.insert(0, os.path.join(harness.SRCDIR, "tests", "doubles"))
import proxy  # noqa: E402

# Every flag each command accepts: (short alias or None, long name, takes a value).
FLAGS = {
    None: [                     # the tool itself
        (None, "--version", False),
        ("-h", "--help", False),
    ],
    "scan": [
        ("-c", "--config", True),
        ("-a", "--accounts", True),
        ("-r", "--regions", True),
        (None, "--as-of", True),
        ("-f", "--format", True),
        ("-o", "--output", True),
        (None, "--fail-on", True),
        (None, "--concurrency", True),
        (None, "--securityhub", False),
        (None, "--no-securityhub", False),
        (None, "--what-if-writes", False),
        (None, "--dry-run", True),
        (None, "--notify", True),
        (None, "--no-notify", False),
        (None, "--notify-dry-run", True),
        (None, "--profile", True),
        (None, "--region", True),
        (None, "--severity", True),
        (None, "--rule", True),
        (None, "--shard", True),
        ("-v", "--verbose", False),
        ("-q", "--quiet", False),
        ("-h", "--help", False),
    ],
    "whoami": [
        (None, "--profile", True),
        (None, "--region", True),
        ("-v", "--verbose", False),
        ("-h", "--help", False),
    ],
    "check-config": [
        ("-c", "--config", True),
        (None, "--print-example", False),
        ("-h", "--help", False),
    ],
    "notify": [
        ("-c", "--config", True),
        (None, "--report", True),
        (None, "--retry", False),
        (None, "--notify", True),
        (None, "--dry-run", True),
        ("-v", "--verbose", False),
        ("-q", "--quiet", False),
        ("-h", "--help", False),
    ],
    "merge": [
        ("-f", "--format", True),
        ("-o", "--output", True),
        (None, "--fail-on", True),
        ("-c", "--config", True),
        ("-h", "--help", False),
    ],
}
COMMANDS = ["scan", "whoami", "check-config", "notify"]   # merge and rules take operands: their own tests

# An option line of a --help text: "  -c, --config FILE   text" or
# "      --as-of DATE  text"; a value is one upper-case word after one space.
OPTION_LINE = re.compile(r"^ {2,}(?:(-[A-Za-z]), )?(--[a-z][a-z-]*)(?: ([A-Z]\S*))?(?: |$)")
# Long options in the "Usage:" synopsis (up to the first blank line).
SYNOPSIS_FLAG = re.compile(r"--[a-z][a-z-]*")


def help_options(text):
    """[(short, long, takes_value)] from the option lines of a help text."""
    out = []
    for line in text.splitlines():
        m = OPTION_LINE.match(line)
        if m:
            out.append((m.group(1), m.group(2), m.group(3) is not None))
    return out


def meson_version():
    with open(os.path.join(harness.SRCDIR, "meson.build")) as f:
        m = re.search(r"project\(\s*'certsweep'.*?version\s*:\s*'([^']+)'", f.read(), re.S)
    assert m, "no version in meson.build"
    return m.group(1)


class Cli(unittest.TestCase):
    """No server: nothing here may reach the network."""

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="certsweep-cli-")
        self.config = os.path.join(self.tmp.name, "certsweep.conf")
        with open(self.config, "w") as f:
            f.write("[state]\ndir = %s\n" % os.path.join(self.tmp.name, "state"))
        # Endpoints point at a loopback port nothing listens on.
        self.env = harness.clean_env(endpoint_url="http://127.0.0.1:%d" % harness.free_port(),
                                     home=self.tmp.name,
                                     extra={"CERTSWEEP_CONFIG": self.config})

    def tearDown(self):
        self.tmp.cleanup()

    def run_cli(self, *args, env=None):
        return harness.run(list(args), env or self.env, timeout=60)

    def cmd(self, command, *args):
        return self.run_cli(*(([command] if command else []) + list(args)))

    def assert_usage_error(self, r, *needles):
        """Exit 2, nothing on stdout, one line on stderr naming the problem."""
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.out, "", r)
        lines = r.err.splitlines()
        self.assertEqual(len(lines), 1, r)
        self.assertTrue(lines[0].startswith("certsweep: "), r)
        for n in needles:
            self.assertIn(n, lines[0], r)
        return lines[0]

    # ---- version and help ------------------------------------------------------

    def test_version(self):
        want = "certsweep %s\n" % meson_version()
        for args in (["--version"], ["version"], ["--version", "scan"]):
            r = self.run_cli(*args)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.out, want, args)
            self.assertEqual(r.err, "")

    def test_help_lists_every_flag(self):
        for command, flags in FLAGS.items():
            for h in ("--help", "-h"):
                r = self.cmd(command, h)
                self.assertEqual(r.rc, 0, r)
                self.assertEqual(r.err, "", r)
                self.assertEqual(sorted(help_options(r.out), key=lambda f: f[1]),
                                 sorted(flags, key=lambda f: f[1]), "%s %s" % (command, h))
                # Every long option but -v/-q's long forms is in the synopsis.
                synopsis = r.out.split("\n\n", 1)[0]
                self.assertTrue(synopsis.startswith("Usage: certsweep"), r)
                for _, lng, _ in flags:
                    if lng not in ("--verbose", "--quiet"):
                        self.assertIn(lng, SYNOPSIS_FLAG.findall(synopsis), (command, lng))
        r = self.run_cli("--help")
        for c in COMMANDS:
            self.assertRegex(r.out, r"(?m)^  %s +\S" % re.escape(c))
        self.assertEqual(self.run_cli("help").out, r.out)

    def test_every_listed_flag_is_accepted(self):
        """The parser knows each flag the help lists (long, --name=VALUE and
        short form): parsing goes past it to the next problem."""
        for command in COMMANDS:
            for short, lng, value in FLAGS[command]:
                if lng == "--help":
                    continue
                if value:
                    self.assert_usage_error(self.cmd(command, lng),
                                            "%s: %s needs a value" % (command, lng))
                    if short:
                        self.assert_usage_error(self.cmd(command, short),
                                                "%s: %s needs a value" % (command, short))
                    forms = [[lng + "=x"], [lng, "x"]] + ([[short, "x"], [short + "x"]] if short else [])
                else:
                    self.assert_usage_error(self.cmd(command, lng + "=1"),
                                            "%s: %s takes no value" % (command, lng))
                    forms = [[lng]] + ([[short]] if short else [])
                for form in forms:
                    r = self.cmd(command, *(form + ["--zz-unknown"]))
                    self.assert_usage_error(r, "%s: unknown option '--zz-unknown'" % command)

    # ---- usage errors ----------------------------------------------------------

    def test_unknown_command(self):
        line = self.assert_usage_error(self.run_cli("frobnicate"), "unknown command 'frobnicate'")
        self.assertIn("certsweep --help", line)

    def test_no_command_prints_usage_to_stderr(self):
        r = self.run_cli()
        self.assertEqual(r.rc, 2, r)
        self.assertEqual(r.out, "")
        self.assertTrue(r.err.startswith("Usage: certsweep"), r)

    def test_unknown_flag(self):
        line = self.assert_usage_error(self.run_cli("--bogus"), "unknown option '--bogus'")
        self.assertEqual(line, "certsweep: unknown option '--bogus'; run 'certsweep --help'")
        for command in COMMANDS:
            for bad, shown in (("--bogus", "--bogus"), ("--bogus=1", "--bogus"), ("-x", "-x"),
                               ("-hx", None), ("-vx", "-x")):
                r = self.cmd(command, bad)
                if shown is None:                 # -h is read first: help, exit 0
                    self.assertEqual(r.rc, 0, r)
                    continue
                if command == "check-config" and bad == "-vx":
                    shown = "-v"                  # check-config has no -v
                line = self.assert_usage_error(r, "unknown option '%s'" % shown)
                self.assertEqual(line, "certsweep: %s: unknown option '%s'; run 'certsweep %s --help'"
                                 % (command, shown, command))

    def test_missing_value(self):
        self.assertEqual(self.assert_usage_error(self.cmd("scan", "--format")),
                         "certsweep: scan: --format needs a value")
        self.assertEqual(self.assert_usage_error(self.cmd("scan", "-v", "-o")),
                         "certsweep: scan: -o needs a value")
        self.assertEqual(self.assert_usage_error(self.cmd("scan", "-vf")),
                         "certsweep: scan: -f needs a value")
        # An abbreviation is named by its full name.
        self.assertEqual(self.assert_usage_error(self.cmd("scan", "--form")),
                         "certsweep: scan: --format needs a value")
        for empty in (["--profile", ""], ["--profile="], ["--region="]):
            self.assert_usage_error(self.cmd("whoami", *empty), "needs a value")
        self.assert_usage_error(self.cmd("check-config", "--config="), "--config needs a file name")
        self.assert_usage_error(self.cmd("scan", "--config="), "--config needs a file name")

    def test_abbreviations(self):
        # Long options only as spelled (the AWS CLI's habit): a prefix is
        # refused with the option it would have been, so that --region is
        # never silently taken as --regions.
        line = self.assert_usage_error(self.cmd("check-config", "--print-ex"))
        self.assertEqual(line, "certsweep: check-config: unknown option '--print-ex' (did you mean "
                               "--print-example?); run 'certsweep check-config --help'")
        line = self.assert_usage_error(self.cmd("scan", "--regions=eu-west-1", "--form", "json"))
        self.assertIn("unknown option '--form' (did you mean --format?)", line)
        # --region is the home region of its own (as in the AWS CLI), not --regions.
        self.assertEqual(self.assert_usage_error(self.cmd("scan", "--region", "mars-1")),
                         "certsweep: scan: --region: 'mars-1' is not a region name \u2014 "
                         "write a name like us-east-1")
        self.assertEqual(self.assert_usage_error(self.cmd("scan", "--profile=")),
                         "certsweep: scan: --profile needs a value")
        line = self.assert_usage_error(self.cmd("scan", "--co", "1"), "ambiguous option '--co'")
        self.assertIn("--config", line)
        self.assertIn("--concurrency", line)

    def test_stray_argument(self):
        for command in COMMANDS:
            for args in (["stray"], ["-v", "stray"], ["--", "stray"]):
                if command == "check-config" and args[0] == "-v":
                    args = ["--print-example", "stray"]
                self.assertEqual(self.assert_usage_error(self.cmd(command, *args)),
                                 "certsweep: %s: unexpected argument 'stray'; run 'certsweep %s --help'"
                                 % (command, command))
        # A value that looks like a flag is still the value.
        self.assert_usage_error(self.cmd("scan", "--format", "--help"),
                                "certsweep: scan: --format: '--help' is not allowed")

    def test_scan_bad_values(self):
        line = self.assert_usage_error(self.cmd("scan", "--format", "nope"))
        self.assertEqual(line, "certsweep: scan: --format: 'nope' is not allowed "
                               "\u2014 use one of: table, json, csv, asff, html, jsonl, prometheus")
        # Not a date, and numbers that aws_time_parse would read as epoch
        # seconds (20261123 is 1970-08-24): the help promises ISO 8601.
        for value in ("nope", "20261123", "1795423528", "2026-1-23"):
            line = self.assert_usage_error(self.cmd("scan", "--as-of", value))
            self.assertEqual(line, "certsweep: scan: --as-of '%s' is not an ISO 8601 date or "
                                   "time (e.g. 2026-11-23 or 2026-11-23T08:00:00Z)" % value)
        for flag, value in (("--fail-on", "urgent"), ("--regions", "mars-1"),
                            ("--concurrency", "0"), ("--accounts", "1234")):
            self.assert_usage_error(self.cmd("scan", flag, value),
                                    "certsweep: scan: %s: " % flag, value)
        # No report file is created for a usage error.
        out = os.path.join(self.tmp.name, "report.json")
        self.assert_usage_error(self.cmd("scan", "-o", out, "--as-of", "nope"))
        self.assertFalse(os.path.exists(out))

    def test_scan_invalid_home_region(self):
        env = dict(self.env, AWS_REGION="not a region")
        r = harness.run(["scan"], env, timeout=60)
        line = self.assert_usage_error(r, "'not a region' is not a valid region")
        self.assertTrue(line.startswith("certsweep: scan: "), line)

    def test_no_credentials_exit_4(self):
        r = self.cmd("scan", "--no-securityhub", "--regions", "us-east-1")
        self.assertEqual(r.rc, 4, r)
        self.assertEqual(r.out, "", r)
        self.assertIn("no credentials", r.err)
        r = self.cmd("whoami")
        self.assertEqual(r.rc, 4, r)
        self.assertEqual(r.out, "", r)
        self.assertIn("no credentials", r.err)

    def test_scan_that_cannot_run_keeps_the_report_file(self):
        # An earlier report is left as it was, and no empty one is created.
        kept = os.path.join(self.tmp.name, "kept.json")
        with open(kept, "w") as f:
            f.write("yesterday's report\n")
        fresh = os.path.join(self.tmp.name, "fresh.json")
        for path in (kept, fresh):
            r = self.cmd("scan", "--no-securityhub", "--regions", "us-east-1", "-o", path)
            self.assertEqual(r.rc, 4, r)
            self.assertIn("no credentials", r.err)
        with open(kept) as f:
            self.assertEqual(f.read(), "yesterday's report\n")
        self.assertFalse(os.path.exists(fresh))
        # A path that cannot be written: exit 2 before anything runs, with
        # the reason.
        bad = os.path.join(self.tmp.name, "no-such-dir", "report.json")
        self.assert_usage_error(self.cmd("scan", "-o", bad),
                                "cannot write '%s': No such file or directory" % bad)


class StsScopes:
    """A proxy in front of moto for STS that keeps the region of each
    request's SigV4 credential scope (Credential=AKID/date/REGION/sts/...)."""

    SCOPE = re.compile(r"Credential=[^/]+/\d{8}/([^/]+)/sts/aws4_request")

    def __init__(self, target):
        self.regions = []
        rec = self

        class Handler(proxy.ProxyHandler):
            def answer(self, body):
                m = StsScopes.SCOPE.search(self.headers.get("Authorization", ""))
                rec.regions.append(m.group(1) if m else None)
                super().answer(body)

        self.srv, self.url = proxy.start(Handler, target)

    def take(self):
        r, self.regions = self.regions, []
        return r

    def stop(self):
        proxy.stop(self.srv)


class HomeRegion(unittest.TestCase):
    """scan's home region: [aws] region, else the AWS CLI's resolution for
    the configured profile, exactly as whoami resolves it."""

    @classmethod
    def setUpClass(cls):
        cls.moto = harness.start_moto()
        cls.sts = StsScopes(cls.moto.url)

    @classmethod
    def tearDownClass(cls):
        cls.sts.stop()
        cls.moto.stop()

    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="certsweep-region-")
        d = self.tmp.name
        # Two profiles with their own keys (the harness's fake ones, so the
        # caller is moto's default account) and regions.
        self.aws_config = os.path.join(d, "aws-config")
        with open(self.aws_config, "w") as f:
            for name, region in (("default", "eu-west-2"), ("profile audit", "ap-southeast-2")):
                f.write("[%s]\nregion = %s\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                        % (name, region, harness.TEST_ACCESS_KEY, harness.TEST_SECRET_KEY))
        os.chmod(self.aws_config, 0o600)
        self.sts.take()

    def tearDown(self):
        self.tmp.cleanup()

    def certsweep_config(self, aws=""):
        path = os.path.join(self.tmp.name, "certsweep.conf")
        with open(path, "w") as f:
            f.write("[aws]\n%s\n[scan]\ncollectors = acm\n[state]\ndir = %s\n"
                    % (aws, os.path.join(self.tmp.name, "state")))
        return path

    def env(self, config, extra=None):
        e = harness.clean_env(endpoint_url=self.moto.url, home=self.tmp.name, extra={
            "AWS_CONFIG_FILE": self.aws_config,
            "AWS_ENDPOINT_URL_STS": self.sts.url,
            "CERTSWEEP_CONFIG": config,
        })
        del e["AWS_REGION"]
        if extra:
            e.update(extra)
        return e

    def scan_region(self, env):
        """The region of scan's STS calls, checked against its -v line."""
        r = harness.run(["scan", "-v", "--no-securityhub", "--accounts", harness.MOTO_DEFAULT_ACCOUNT,
                         "--regions", "us-east-1", "--format", "json"], env, timeout=120)
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(r.json()["coverage_gaps"], [], r)
        regions = set(self.sts.take())
        self.assertEqual(len(regions), 1, (regions, r))
        region = regions.pop()
        self.assertIn("scan: home region %s\n" % region, r.err)
        return region

    def whoami_region(self, env, *args):
        r = harness.run(["whoami"] + list(args), env, timeout=60)
        self.assertEqual(r.rc, 0, r)
        regions = set(self.sts.take())
        self.assertEqual(len(regions), 1, (regions, r))
        return regions.pop()

    def test_default_profile_region(self):
        env = self.env(self.certsweep_config())
        self.assertEqual(self.scan_region(env), "eu-west-2")
        self.assertEqual(self.whoami_region(env), "eu-west-2")

    def test_configured_profile_region(self):
        env = self.env(self.certsweep_config("profile = audit"))
        self.assertEqual(self.scan_region(env), "ap-southeast-2")
        self.assertEqual(self.whoami_region(env, "--profile", "audit"), "ap-southeast-2")

    def test_aws_profile_env(self):
        env = self.env(self.certsweep_config(), {"AWS_PROFILE": "audit"})
        self.assertEqual(self.scan_region(env), "ap-southeast-2")
        self.assertEqual(self.whoami_region(env), "ap-southeast-2")

    def test_environment_before_profile(self):
        env = self.env(self.certsweep_config("profile = audit"), {"AWS_DEFAULT_REGION": "eu-central-1"})
        self.assertEqual(self.scan_region(env), "eu-central-1")
        self.assertEqual(self.whoami_region(env, "--profile", "audit"), "eu-central-1")
        env["AWS_REGION"] = "ca-central-1"
        self.assertEqual(self.scan_region(env), "ca-central-1")

    def test_config_region_first(self):
        env = self.env(self.certsweep_config("profile = audit\nregion = sa-east-1"),
                       {"AWS_REGION": "ca-central-1"})
        self.assertEqual(self.scan_region(env), "sa-east-1")

    def test_no_region_anywhere(self):
        with open(self.aws_config, "w") as f:
            f.write("[default]\naws_access_key_id = %s\naws_secret_access_key = %s\n"
                    % (harness.TEST_ACCESS_KEY, harness.TEST_SECRET_KEY))
        env = self.env(self.certsweep_config())
        self.assertEqual(self.scan_region(env), "us-east-1")
        self.assertEqual(self.whoami_region(env), "us-east-1")


class Overrides(Cli):
    def test_accounts_flag_replaces_the_files_ous(self):
        """--accounts with organizational_units in the file means the
        accounts given (the command line overrides the file), not an error."""
        with open(self.config, "a") as f:
            f.write("[scan]\norganizational_units = ou-ab12-cdefgh12\n")
        r = self.cmd("check-config")
        self.assertEqual(r.rc, 0, r)
        r = self.cmd("scan", "--accounts", "111111111111")
        self.assertNotIn("both set", r.err)
        self.assertEqual(r.rc, 4, r)      # no credentials here: it got as far as running


class Rules(Cli):
    """certsweep rules: the rule table as configured, and help CMD."""

    def readme_rules(self):
        text = open(os.path.join(os.environ["SRCDIR"], "README.md")).read()
        table = text.split("### Rules", 1)[1].split("\n\n", 2)[1]
        return [re.match(r"\| `([a-z-]+)`", line).group(1)
                for line in table.splitlines() if line.startswith("| `")]

    def test_list_matches_the_table_and_the_config(self):
        # The built-in defaults: an empty config file (never the system's).
        empty = os.path.join(self.tmp.name, "empty.conf")
        open(empty, "w").close()
        r = self.run_cli("rules", env=dict(self.env, CERTSWEEP_CONFIG=empty))
        self.assertEqual(r.rc, 0, r)
        rows = [line.split() for line in r.out.splitlines()[1:] if line and not line.startswith("Run")]
        ids = [row[0] for row in rows]
        self.assertEqual(ids, self.readme_rules())
        self.assertTrue(all(row[2] == "enabled" for row in rows), r.out)
        tmp = tempfile.mkdtemp(prefix="certsweep-rules-")
        conf = os.path.join(tmp, "c.conf")
        with open(conf, "w") as f:
            f.write("[rules]\nexpiring = 60,21,5\ndisabled_rules = weak-key\n")
        r = self.run_cli("rules", "--config", conf)
        self.assertEqual(r.rc, 0, r)
        line = [l for l in r.out.splitlines() if l.startswith("expiring ")][0]
        self.assertIn("60 / 21 / 5 days", line)
        line = [l for l in r.out.splitlines() if l.startswith("weak-key ")][0]
        self.assertIn("disabled", line)
        r = self.run_cli("rules", "--config", conf, "expiring")
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Thresholds:    60 / 21 / 5 days", r.out)
        self.assertIn("Documentation: https://docs.aws.amazon.com/", r.out)
        self.assertIn("Remediation:", r.out)

    def test_unknown_rule_and_help(self):
        self.assert_usage_error(self.run_cli("rules", "expird"),
                                "certsweep: rules: 'expird' is not a rule \u2014 did you mean "
                                "'expired'? rules are: expired, expiring,")
        self.assert_usage_error(self.run_cli("rules", "weak_key"), "did you mean 'weak-key'?")
        for c in COMMANDS + ["rules"]:
            r = self.run_cli("help", c)
            self.assertEqual(r.rc, 0, r)
            self.assertEqual(r.out, self.cmd(c, "--help").out)
        self.assert_usage_error(self.run_cli("help", "nope"), "unknown command 'nope'")


if __name__ == "__main__":
    harness.main()
