"""certsweep scan against a hostile endpoint: the fault-injection double
(tests/doubles/fault_double.py) in front of moto, one mode per fault, all
on 127.0.0.1.

  paging       a listing whose paging token repeats, or never ends: the
               scan ends, with a PagingTokenRepeated / PageLimitExceeded
               coverage gap naming account, region and operation (ACM,
               IAM, Organizations, API Gateway v1 and v2, Security Hub)
  describe     DescribeCertificate answers carrying a 4,112-character
               DomainName, invalid UTF-8, spreadsheet formulas, C1 and
               bidi control characters, NotAfter = INT64_MIN or past 9999:
               every finding is kept, the bad times are parse gaps, and the
               JSON, CSV and table reports stay valid and inert

No organization: the caller's account (moto's default) is scanned.  Each
test has its own region(s).
"""
import csv
import io
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import scanlib  # noqa: E402
import seed_demo  # noqa: E402

DAY = seed_demo.DAY
ACCT = harness.MOTO_DEFAULT_ACCOUNT
PAGE_LIMIT = 1000                       # scanner/pager.h SCANNER_PAGE_LIMIT

# Domain names a hostile account could hold (as DescribeCertificate members;
# {"raw": hex} is sent as those bytes).
ODD = [
    {"raw": b"bad\xff\xfe\xc0\xaf.example.com".hex()},   # invalid UTF-8
    '=HYPERLINK("http://evil.example/","click")',
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\tstarts-with-tab.example.com",
    "\rstarts-with-cr.example.com",
    "csi\u009b2J.example.com",                           # C1 CSI
    "evil\u202egpj.example.com",                         # right-to-left override
    "iso\u2066late\u2069.example.com",                   # bidi isolates
    "mark\u200f\u061c.example.com",
    "esc\u001b[31mred.example.com",
    "a" * 4100 + ".example.com",                         # 4,112 characters
]
FORMULA = "=+-@\t\r"
RAW_BIDI = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"


def plain_number(s):
    try:
        float(s)
    except ValueError:
        return False
    return all(c in "+-0123456789." for c in s)


def assert_no_raw_controls(tc, what, text):
    for i, ch in enumerate(text):
        o = ord(ch)
        bad = (o < 0x20 and ch != "\n") or o == 0x7f or 0x80 <= o <= 0x9f or ch in RAW_BIDI
        if bad:
            tc.fail("%s: raw U+%04X at %d: %r" % (what, o, i, text[max(0, i - 40):i + 40]))


class HostileTest(scanlib.DoublesCase):
    DOUBLES = {"fault": "fault_double.py"}

    # ---- seeding -------------------------------------------------------------
    @classmethod
    def expired(cls, domain):
        """DescribeCertificate members of an imported certificate that
        expired 3 days before as_of."""
        t = cls.t
        return {"DomainName": domain, "Status": "ISSUED", "Type": "IMPORTED",
                "NotBefore": t - 300 * DAY, "NotAfter": t - 3 * DAY - 3600,
                "KeyAlgorithm": "RSA_2048", "InUseBy": []}

    @classmethod
    def seed(cls):
        cls.describe = {}
        # ap-south-1: one certificate per odd name, and one whose describe
        # fails with an odd message.
        cls.odd_arns = []
        for i, name in enumerate(ODD):
            arn = cls.request_certificate("ap-south-1", "odd%02d.example.com" % i)
            cls.describe[arn] = cls.expired(name)
            cls.odd_arns.append(arn)
        cls.error_arn = cls.request_certificate("ap-south-1", "error.example.com")
        # NotAfter = INT64_MIN and past year 9999: parse gaps, not findings.
        cls.bad_times = []
        for n, na in ((0, -9223372036854775808), (1, 99999999999999)):
            arn = cls.request_certificate("ap-south-1", "time%d.example.com" % n)
            cls.describe[arn] = dict(cls.expired("time%d.example.com" % n), NotAfter=na)
            cls.bad_times.append(arn)
        # ca-central-1: a 4,112-character DomainName among ordinary ones.
        cls.long_name = "a" * 4100 + ".example.com"
        cls.long_arns = []
        for name in (cls.long_name, "one.example.com", "two.example.com"):
            arn = cls.request_certificate("ca-central-1", name.replace("a" * 4100, "long"))
            cls.describe[arn] = cls.expired(name)
            cls.long_arns.append(arn)
        # sa-east-1: one certificate behind a repeating token.
        cls.paged_arn = cls.request_certificate("sa-east-1", "paged.example.com")
        cls.describe[cls.paged_arn] = cls.expired("paged.example.com")
        # eu-west-3: one API Gateway custom domain (v1) and one v2.
        gw = harness.boto_client(cls.moto, "apigateway", "eu-west-3")
        gw.create_domain_name(domainName="api.example.com", regionalCertificateArn=cls.paged_arn)

    def mode(self, **modes):
        """Sets the double's modes (keyword names with _ for -); the
        describe mode always carries the seeded certificates."""
        modes = {k.replace("_", "-"): v for k, v in modes.items()}
        modes.setdefault("describe", self.describe)
        scanlib.double_post(self.fault, "/_double/mode", modes)

    def counts(self):
        return scanlib.double_get(self.fault, "/_double/requests")

    def env(self, config=None):
        return harness.clean_env(endpoint_url=self.fault.url, home=self.home, extra=dict(
            harness.env_credentials(session_token=True), CERTSWEEP_CONFIG=config or self.config))

    def scan_bytes(self, region, fmt, *args, config=None):
        """Runs the real binary; stdout and stderr as bytes (to check them
        as UTF-8 strictly)."""
        argv = [harness.CERTSWEEP, "scan", "--as-of", self.as_of, "--regions", region,
                "--format", fmt] + list(args)
        p = subprocess.run(argv, env=self.env(config), capture_output=True, timeout=300)
        for s in harness.SECRETS:
            self.assertNotIn(s.encode(), p.stdout + p.stderr)
        self.assertIn(p.returncode, (0, 1, 3, 5), p.stderr.decode(errors="replace")[-3000:])
        return p

    def scan(self, region, *args, config=None):
        p = self.scan_bytes(region, "json", "--fail-on", "none", *args, config=config)
        return p, json.loads(p.stdout.decode("utf-8"))

    def gaps(self, doc):
        return sorted((g["account_id"], g["region"], g["operation"], g["error_code"])
                      for g in doc["coverage_gaps"])

    # ---- 1: paging ---------------------------------------------------------------
    def test_acm_repeated_token_ends_with_a_gap(self):
        self.mode(paging={"ListCertificates": "repeat"})
        p, doc = self.scan("sa-east-1")
        self.assertEqual(p.returncode, 3)
        self.assertEqual(self.gaps(doc), [(ACCT, "sa-east-1", "ListCertificates",
                                           "PagingTokenRepeated")])
        self.assertIn("page 2 returned the paging token page 1 already returned",
                      doc["coverage_gaps"][0]["message"])
        self.assertEqual(self.counts()["ListCertificates"], 2)
        # What the first page listed is still judged.
        self.assertEqual([f["resource_arn"] for f in doc["findings"]], [self.paged_arn])
        self.assertIn(b"sa-east-1/ListCertificates: PagingTokenRepeated", p.stderr)

    def test_acm_endless_tokens_stop_at_the_page_limit(self):
        self.mode(paging={"ListCertificates": "endless"})
        p, doc = self.scan("ap-southeast-2")
        self.assertEqual(p.returncode, 3)
        self.assertEqual(self.gaps(doc), [(ACCT, "ap-southeast-2", "ListCertificates",
                                           "PageLimitExceeded")])
        self.assertEqual(self.counts()["ListCertificates"], PAGE_LIMIT)

    def test_iam_marker_repeated(self):
        self.mode(paging={"ListServerCertificates": "repeat"})
        p, doc = self.scan("ap-southeast-2")
        self.assertEqual(self.gaps(doc), [(ACCT, "global", "ListServerCertificates",
                                           "PagingTokenRepeated")])
        self.assertEqual(self.counts()["ListServerCertificates"], 2)

    def test_organizations_repeated_token_scans_what_was_listed(self):
        self.mode(paging={"ListAccounts": "repeat"})
        p, doc = self.scan("sa-east-1")
        self.assertEqual(p.returncode, 3)
        # moto has no organization behind the double's listing, so the OU
        # walk's ListRoots and the account's ListTagsForResource are refused
        # too: gaps of their own.
        self.assertEqual([g for g in self.gaps(doc)
                          if g[2] not in ("ListRoots", "ListTagsForResource")],
                         [(ACCT, "*", "ListAccounts", "PagingTokenRepeated")])
        self.assertEqual(self.counts()["ListAccounts"], 2)
        self.assertEqual(doc["stats"]["accounts"], 1)
        self.assertEqual([f["resource_arn"] for f in doc["findings"]], [self.paged_arn])

    def test_organizations_failing_later_page_scans_what_was_listed(self):
        # The accounts of the first page are scanned as soon as it arrives;
        # a refused later page makes the run partial with a gap, it does
        # not fail the run or fall back to the caller alone.
        # The second page is held until the listed account's tags are asked:
        # its findings are known before the listing ends, and the account
        # (from the organization) gets its tags asked then (before, only
        # once the listing had ended: the hold ran out and no tag was asked).
        self.mode(paging={"ListAccounts": "fail"},
                  hold={"match": "ListAccounts", "body": "NextToken", "timeout": 10,
                        "until": [["ListTagsForResource", ACCT]]})
        p, doc = self.scan("sa-east-1")
        self.assertEqual(p.returncode, 3, p.stderr.decode())
        self.assertEqual(self.counts().get("ListTagsForResource"), 1)
        self.assertEqual([g for g in self.gaps(doc)
                          if g[2] not in ("ListRoots", "ListTagsForResource")],
                         [(ACCT, "*", "ListAccounts", "InvalidInputException")])
        self.assertEqual(self.counts()["ListAccounts"], 2)
        self.assertEqual(doc["stats"]["accounts"], 1)
        self.assertEqual([f["resource_arn"] for f in doc["findings"]], [self.paged_arn])
        self.assertIn(b"could not all be listed", p.stderr)

    def test_api_gateway_repeated_tokens(self):
        self.mode(paging={"GetClientCertificates": "repeat", "GetRestApis": "repeat",
                          "GetDomainNames": "repeat", "GetDomainNamesV2": "repeat"})
        p, doc = self.scan("eu-west-3")
        self.assertEqual(p.returncode, 3)
        self.assertEqual(self.gaps(doc), [
            (ACCT, "eu-west-3", op, "PagingTokenRepeated")
            for op in ("GetClientCertificates", "GetDomainNames", "GetDomainNamesV2",
                       "GetRestApis")])
        c = self.counts()
        for op in ("GetClientCertificates", "GetRestApis", "GetDomainNames", "GetDomainNamesV2"):
            self.assertEqual(c[op], 2, op)

    def test_security_hub_repeated_token_archives_nothing(self):
        config = os.path.join(self.home, "securityhub.conf")
        with open(config, "w") as f:
            f.write("[securityhub]\nenabled = true\nregion = us-east-1\n[state]\ndir = %s\n"
                    % os.path.join(self.home, "state-shub"))
        self.mode(paging={"GetFindings": "repeat"})
        p, doc = self.scan("sa-east-1", "--what-if-writes", config=config)
        self.assertEqual(p.returncode, 5, p.stderr.decode())     # a hub not read in full
        self.assertIn(b"%s/us-east-1: GetFindings: PagingTokenRepeated" % ACCT.encode(), p.stderr)
        self.assertEqual(self.counts()["GetFindings"], 2)
        self.assertIn(b"nothing archived", p.stderr)

    # ---- 2: one oversized name never drops other findings ---------------------------
    def test_oversized_domain_keeps_every_finding(self):
        self.mode()
        p, doc = self.scan("ca-central-1")
        self.assertEqual(doc["coverage_gaps"], [], p.stderr.decode())
        self.assertEqual(sorted(f["resource_arn"] for f in doc["findings"]), sorted(self.long_arns))
        long = [f for f in doc["findings"] if f["domain"] == self.long_name]
        self.assertEqual(len(long), 1)
        self.assertIn("\u2026 expired 3 days ago", long[0]["title"])
        self.assertLess(len(long[0]["title"]), 1024)
        self.assertNotIn(b"Judge", p.stderr)

    # ---- 4, 5, 6: hostile strings in every output ------------------------------------
    def hostile_modes(self):
        self.mode(describe_error={self.error_arn: "bad arn \u202e\u009b2J\u001b[0m \u2066x"})

    def test_json_report_is_valid_utf8(self):
        self.hostile_modes()
        p = self.scan_bytes("ap-south-1", "json", "--fail-on", "none")
        doc = json.loads(p.stdout.decode("utf-8", errors="strict"))
        self.assertEqual(sorted(f["resource_arn"] for f in doc["findings"]), sorted(self.odd_arns))
        domains = {f["domain"] for f in doc["findings"]}
        self.assertIn("bad\ufffd\ufffd\ufffd\ufffd.example.com", domains)
        self.assertIn("evil\u202egpj.example.com", domains)      # data keeps it
        self.assertEqual(self.gaps(doc), [(ACCT, "ap-south-1", "DescribeCertificate",
                                           "InvalidArnException")] +
                         [(ACCT, "ap-south-1", "DescribeCertificate", "ParseError")] * 2)
        for arn in self.bad_times:
            self.assertIn("%s: NotAfter is not a timestamp" % arn,
                          [g["message"] for g in doc["coverage_gaps"]])
        p.stderr.decode("utf-8", errors="strict")
        assert_no_raw_controls(self, "stderr", p.stderr.decode("utf-8"))
        self.assertIn("\\u202e", p.stderr.decode("utf-8"))
        # ASFF as well.
        p = self.scan_bytes("ap-south-1", "asff", "--fail-on", "none")
        asff = json.loads(p.stdout.decode("utf-8", errors="strict"))
        self.assertEqual(len(asff["Findings"]), len(self.odd_arns))

    def test_csv_cells_are_neutral(self):
        self.hostile_modes()
        p = self.scan_bytes("ap-south-1", "csv", "--fail-on", "none")
        rows = list(csv.reader(io.StringIO(p.stdout.decode("utf-8", errors="strict"),
                                           newline="")))
        header, rows = rows[0], rows[1:]
        self.assertEqual({r[0] for r in rows} - {"finding", "coverage_gap"}, set())
        findings = [r for r in rows if r[0] == "finding"]
        self.assertEqual(len(findings), len(ODD))
        for row in rows:
            for name, cell in zip(header, row):
                if cell and cell[0] in FORMULA:
                    self.assertTrue(plain_number(cell), (name, cell))
                for ch in cell:
                    self.assertFalse((ord(ch) < 0x20 and ch not in "\n\t\r") or ord(ch) == 0x7f
                                     or 0x80 <= ord(ch) <= 0x9f, (name, cell))
        col = {h: i for i, h in enumerate(header)}
        domains = {r[col["domain"]] for r in findings}
        for want in ("'" + ODD[1], "'" + ODD[2], "'@SUM(1+1)", "'-2+3",
                     "'\tstarts-with-tab.example.com", "'\rstarts-with-cr.example.com"):
            self.assertIn(want, domains)
        self.assertEqual({r[col["days_to_expiry"]] for r in findings}, {"-3"})

    def test_html_and_jsonl_hold_hostile_names_safely(self):
        """The HTML page and the JSON Lines: strict UTF-8; the page has no raw
        control or bidi character and no element but its own (a name with
        markup stays text); every JSON line parses, one finding each."""
        import html.parser
        self.hostile_modes()
        p = self.scan_bytes("ap-south-1", "html", "--fail-on", "none")
        page = p.stdout.decode("utf-8", errors="strict")
        assert_no_raw_controls(self, "html", page.replace("\t", " "))
        tags = set()

        class Tags(html.parser.HTMLParser):
            def handle_starttag(self, tag, attrs):
                tags.add(tag)
                for name, value in attrs:
                    if name in ("src", "srcset") or (tag == "link"):
                        raise AssertionError("loads %s=%s" % (name, value))
        Tags().feed(page)
        self.assertEqual(tags - {"html", "head", "meta", "title", "style", "body", "header", "h1",
                                 "h2", "p", "time", "section", "ul", "li", "table", "thead",
                                 "tbody", "tr", "th", "td", "span", "div", "details", "summary",
                                 "b", "a", "br", "footer"}, set())
        self.assertIn("=HYPERLINK(&quot;http://evil.example/&quot;,&quot;click&quot;)", page)
        self.assertIn("bad\ufffd\ufffd\ufffd\ufffd.example.com", page)
        self.assertIn("evil\\u202egpj.example.com", page)        # shown, not obeyed
        p = self.scan_bytes("ap-south-1", "jsonl", "--fail-on", "none")
        lines = p.stdout.decode("utf-8", errors="strict").split("\n")
        self.assertEqual(lines[-1], "")
        objs = [json.loads(ln) for ln in lines[:-1]]
        self.assertEqual(sorted(o["resource_arn"] for o in objs if o["type"] == "finding"),
                         sorted(self.odd_arns))
        self.assertIn("evil\u202egpj.example.com", {o.get("domain") for o in objs})

    def test_table_has_no_raw_controls(self):
        self.hostile_modes()
        p = self.scan_bytes("ap-south-1", "table", "--fail-on", "none")
        out = p.stdout.decode("utf-8", errors="strict")
        assert_no_raw_controls(self, "table", out)
        for esc in ("\\u009b", "\\u202e", "\\u2066", "\\u200f"):
            self.assertIn(esc, out)
        assert_no_raw_controls(self, "stderr", p.stderr.decode("utf-8", errors="strict"))

    # ---- 13: a NUL inside remote text ------------------------------------------------
    def test_nul_in_remote_text_is_shown(self):
        self.mode(describe_error={self.error_arn: "before\u0000after the NUL"})
        p, doc = self.scan("ap-south-1")
        msgs = [g["message"] for g in doc["coverage_gaps"]
                if g["error_code"] == "InvalidArnException"]
        self.assertEqual(len(msgs), 1, doc["coverage_gaps"])
        self.assertIn("before\\u0000after the NUL", msgs[0])
        self.assertIn(b"before\\u0000after the NUL", p.stderr)

    # ---- 7: mistyped rule ids (a careless config author) ------------------------------
    def test_mistyped_rule_ids_are_config_errors(self):
        config = os.path.join(self.home, "typo.conf")
        with open(config, "w") as f:
            f.write("[securityhub]\nenabled = false\n[rules]\ndisabled_rules = expird, weak_key\n")
        want = ["%s:4: [rules] disabled_rules: 'expird' is not a rule \u2014 did you mean "
                "'expired'?" % config,
                "%s:4: [rules] disabled_rules: 'weak_key' is not a rule \u2014 did you mean "
                "'weak-key'?" % config]
        for args in (["check-config", "--config", config],
                     ["scan", "--config", config, "--regions", "sa-east-1"]):
            r = harness.run(args, self.env(config))
            self.assertEqual(r.rc, 2, r)
            for w in want:
                self.assertIn(w, r.err)
        with open(config, "w") as f:
            f.write("[securityhub]\nenabled = false\n[rules]\ndisabled_rules = expired, weak-key\n")
        r = harness.run(["check-config", "--config", config], self.env(config))
        self.assertEqual(r.rc, 0, r)


if __name__ == "__main__":
    harness.main()
