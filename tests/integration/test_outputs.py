"""Several reports from one run (scan and merge --output, repeated) against
moto: the seeded organization (seed_demo.py) with AssumeRole into prod-b
denied, so that the run has a coverage gap.  Each file is read back with
Python's own parsers (json, csv, html.parser) and must hold the same
findings, in the same order, and the same gaps; the HTML loads nothing
from elsewhere.  A usage error (an unknown extension, a bad --as-of)
writes no file and leaves earlier ones as they were."""
import csv
import html.parser
import io
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

import harness  # noqa: E402
import scanlib  # noqa: E402

REGIONS = "us-east-1,eu-west-1"


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", errors="strict")    # valid UTF-8 or an error


def gap_key(g):
    return (g["account_id"], g["region"], g["operation"], g["error_code"], g["message"])


class Page(html.parser.HTMLParser):
    """What a browser would load or run, the findings' rows and the text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.loads = []          # (tag, attribute, value) that fetch something
        self.scripts = 0
        self.links = []          # <a href>
        self.rows = []           # (finding id, severity class)
        self.text = []
        self.open_tags = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag not in ("meta", "br"):
            self.open_tags.append(tag)
        if tag == "script":
            self.scripts += 1
        for name in ("src", "srcset", "data", "poster", "background"):
            if name in a:
                self.loads.append((tag, name, a[name]))
        if tag == "link":
            self.loads.append((tag, "href", a.get("href")))
        if tag == "a":
            self.links.append(a.get("href"))
        if tag == "tr" and (a.get("id") or "").startswith("f-"):
            self.rows.append((a["id"][2:], a["class"].split()[0][4:]))

    def handle_endtag(self, tag):
        self.open_tags.pop() if self.open_tags and self.open_tags[-1] == tag else \
            self.text.append("UNBALANCED </%s>" % tag)

    def handle_data(self, data):
        self.text.append(data)


class OutputsTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.org = scanlib.SeededOrg()
        cls.moto, cls.double, cls.sts_proxy = cls.org.moto, cls.org.double, cls.org.sts_proxy
        cls.seed, cls.acct = cls.org.seed, cls.org.acct
        cls.home = tempfile.mkdtemp(prefix="certsweep-outputs-home-")
        cls.config = os.path.join(cls.home, "certsweep.conf")
        with open(cls.config, "w") as f:
            f.write("[state]\ndir = %s\n" % os.path.join(cls.home, "state"))

    @classmethod
    def tearDownClass(cls):
        cls.org.stop()

    def env(self):
        e = harness.env_credentials(session_token=True)
        e.update(AWS_ENDPOINT_URL_API_GATEWAY=self.double.url,
                 AWS_ENDPOINT_URL_STS=self.sts_proxy.url, CERTSWEEP_CONFIG=self.config)
        return harness.clean_env(endpoint_url=self.moto.url, extra=e, home=self.home)

    def scan(self, *args):
        return harness.run(["scan", "--no-securityhub", "--no-notify", "--as-of",
                            self.seed["as_of"], "--regions", REGIONS] + list(args),
                           self.env(), timeout=180)

    def dir(self, name):
        d = os.path.join(self.home, name)
        os.makedirs(d)
        return d

    # ---- the checks each format gets ------------------------------------------
    def check_all(self, d, doc, names):
        """Every file of names (under d) holds doc's findings and gaps."""
        ids = [f["id"] for f in doc["findings"]]
        sev = {f["id"]: f["severity"] for f in doc["findings"]}
        gaps = sorted(gap_key(g) for g in doc["coverage_gaps"])
        self.assertTrue(ids)
        self.assertTrue(gaps)
        for name in names:
            text = read(os.path.join(d, name))
            if name.endswith(".csv"):
                rows = list(csv.DictReader(io.StringIO(text, newline="")))
                kinds = [r["row_type"] for r in rows]
                self.assertEqual(kinds, ["finding"] * len(ids) + ["coverage_gap"] * len(gaps))
                self.assertEqual([r["id"] for r in rows if r["row_type"] == "finding"], ids)
                self.assertEqual({r["id"]: r["severity"] for r in rows if r["id"]}, sev)
                self.assertEqual(sorted(gap_key(r) for r in rows
                                        if r["row_type"] == "coverage_gap"), gaps)
                # the account's name where the scan knew it (prod-b: ListAccounts)
                self.assertEqual(sorted((r["account_id"], r["account_name"]) for r in rows
                                        if r["row_type"] == "coverage_gap"),
                                 sorted((g["account_id"], g.get("account_name") or "")
                                        for g in doc["coverage_gaps"]))
            elif name.endswith(".jsonl"):
                lines = [json.loads(ln) for ln in text.split("\n")[:-1]]
                self.assertTrue(text.endswith("\n"))
                self.assertTrue(all(isinstance(o, dict) for o in lines))
                self.assertEqual([o["id"] for o in lines if o["type"] == "finding"], ids)
                self.assertEqual({o["id"]: o["severity"] for o in lines if o["type"] == "finding"},
                                 sev)
                self.assertEqual(sorted(gap_key(o) for o in lines if o["type"] == "coverage_gap"),
                                 gaps)
                self.assertEqual({o["type"] for o in lines} - {"finding", "resolved",
                                                               "coverage_gap"}, set())
                self.assertEqual({o["as_of"] for o in lines}, {doc["as_of"]})
            elif name.endswith(".html"):
                p = Page()
                p.feed(text)
                p.close()
                self.assertEqual(p.scripts, 0)
                self.assertEqual(p.loads, [])                  # nothing fetched
                for href in p.links:                            # links: the console, anchors
                    self.assertTrue(href.startswith("https://") or href.startswith("#"), href)
                self.assertEqual(p.open_tags, [])               # every element closed
                self.assertNotIn("UNBALANCED", "".join(p.text))
                self.assertEqual([r[0] for r in p.rows], ids)   # worst first, as json
                self.assertEqual(dict(p.rows), sev)
                body = " ".join(p.text)
                for g in doc["coverage_gaps"]:
                    self.assertIn(g["account_id"], body)
                    self.assertIn(g["error_code"], body)
                self.assertIn("Coverage gaps (%d)" % len(gaps), body)
                self.assertIn("Run statistics", body)
            elif name.endswith(".asff.json"):
                asff = json.loads(text)
                self.assertEqual(sorted(f["Severity"]["Label"] for f in asff["Findings"]),
                                 sorted(sev.values()))
            elif name.endswith(".prom"):
                self.assertIn("certsweep_coverage_gaps %d\n" % len(gaps), text)
            elif name.endswith(".json"):
                self.assertEqual(json.loads(text)["findings"], doc["findings"])

    # ---- tests --------------------------------------------------------------
    def test_every_format_in_one_run(self):
        d = self.dir("one-run")
        names = ["r.json", "r.csv", "r.html", "r.jsonl", "r.asff.json", "r.prom"]
        r = self.scan(*sum((["--output", os.path.join(d, n)] for n in names), []))
        self.assertEqual(r.rc, 1, r)             # CRITICAL findings; the gap is there too
        self.assertEqual(r.out, "")
        self.assertEqual(sorted(os.listdir(d)), sorted(names))   # no temporary file left
        doc = json.loads(read(os.path.join(d, "r.json")))
        scanlib.assert_findings(self, doc, [e for e in self.seed["expected"]
                                            if e["account_id"] != self.acct["prod-b"]])
        self.assertEqual([(g["account_id"], g["operation"], g.get("account_name"))
                          for g in doc["coverage_gaps"]],
                         [(self.acct["prod-b"], "AssumeRole", "prod-b")])
        self.check_all(d, doc, names)

    def test_standard_output_beside_files(self):
        d = self.dir("stdout")
        r = self.scan("--format", "jsonl", "--output", "-", "--output", os.path.join(d, "r.json"),
                      "--output", os.path.join(d, "r.csv"))
        self.assertEqual(r.rc, 1, r)
        with open(os.path.join(d, "r.jsonl"), "w") as f:
            f.write(r.out)
        doc = json.loads(read(os.path.join(d, "r.json")))
        self.check_all(d, doc, ["r.jsonl", "r.csv"])

    def test_failing_file_reported_before_standard_output(self):
        """A file that cannot be written (/dev/full: no space left) is
        reported before anything is printed: standard output stays empty,
        for scan and merge, wherever - stands among the outputs."""
        d = self.dir("full")
        whole = os.path.join(d, "whole.json")
        r = self.scan("--output", whole)
        self.assertEqual(r.rc, 1, r)
        runs = [self.scan("--format", "json", "--output", "-", "--output", "/dev/full")]
        runs += [harness.run(["merge", "--format", "json", "--output", "-", "--output",
                              "/dev/full", whole], self.env(), timeout=60)]
        for r in runs:
            self.assertEqual(r.rc, 4, r)
            self.assertIn("cannot write the json report to /dev/full", r.err)
            self.assertEqual(r.out, "")

    def test_one_file_takes_format(self):
        d = self.dir("one-file")
        path = os.path.join(d, "report.out")
        r = self.scan("--format", "html", "--output", path)
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(read(path).startswith("<!DOCTYPE html>"))

    def test_usage_errors_write_nothing(self):
        d = self.dir("usage")
        earlier = os.path.join(d, "r.json")
        with open(earlier, "w") as f:
            f.write("EARLIER\n")
        cases = [
            (["--output", earlier, "--output", os.path.join(d, "r.xml")],
             "certsweep: scan: --output '%s': unknown extension \u2014 use .json, .csv, "
             ".asff.json, .html, .jsonl, .prom, .txt, or name the format with --format\n"
             % os.path.join(d, "r.xml")),
            (["--output", earlier, "--output", os.path.join(d, "r.html"), "--as-of", "soon"],
             "--as-of 'soon' is not an ISO 8601 date"),
            (["--output", earlier, "--output", os.path.join(d, "r.csv"), "--format", "html"],
             "--format html applies to no --output"),
            (["--output", earlier, "--output", earlier], "is given twice"),
        ]
        for args, msg in cases:
            r = self.scan(*args)
            self.assertEqual(r.rc, 2, r)
            self.assertIn(msg, r.err)
            self.assertEqual(r.err.count("\n"), 1, r.err)
            self.assertEqual(os.listdir(d), ["r.json"], args)
            self.assertEqual(read(earlier), "EARLIER\n")

    def test_merge_writes_several(self):
        d = self.dir("merge")
        whole = os.path.join(d, "whole.json")
        r = self.scan("--output", whole)
        self.assertEqual(r.rc, 1, r)
        doc = json.loads(read(whole))
        names = ["m.csv", "m.html", "m.jsonl", "m.json"]
        m = harness.run(["merge"] + sum((["--output", os.path.join(d, n)] for n in names), [])
                        + [whole], self.env(), timeout=60)
        self.assertEqual(m.rc, 1, m)
        self.check_all(d, doc, names)
        m = harness.run(["merge", "--output", os.path.join(d, "m.prom"), whole], self.env(),
                        timeout=60)
        self.assertEqual(m.rc, 2, m)
        self.assertIn("does not write prometheus reports", m.err)
        self.assertNotIn("m.prom", os.listdir(d))
        # a report that cannot be read: no file is written
        bad = os.path.join(d, "bad.json")
        with open(bad, "w") as f:
            f.write("{")
        m = harness.run(["merge", "--output", os.path.join(d, "n.csv"), bad], self.env(),
                        timeout=60)
        self.assertEqual(m.rc, 2, m)
        self.assertNotIn("n.csv", os.listdir(d))


if __name__ == "__main__":
    unittest.main(verbosity=2)
