"""certsweep scan --shard K/N and certsweep merge against moto: the seeded
organization (seed_demo.py, four accounts, API Gateway client certificates
from their double), with AssumeRole into prod-b denied by the fault double so
that the run has a coverage gap too.  Shards 1/3, 2/3 and 3/3 merged must
give the findings and gaps of one unsharded run."""
import csv
import hashlib
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


def shard_of(account_id, n):
    """The documented split: SHA-256 of the id, first 8 bytes big-endian, mod N."""
    return int.from_bytes(hashlib.sha256(account_id.encode()).digest()[:8], "big") % n + 1


def gaps(doc):
    return sorted((g["account_id"], g["region"], g["operation"], g["error_code"], g["message"])
                  for g in doc["coverage_gaps"])


# Labels come from the state of the host that ran the scan (new, unchanged,
# first_seen: when that host first saw it), not from what was read.
STATE_KEYS = ("label", "first_seen", "previous_severity")


def by_id(doc):
    """The findings by id, every field but the state's labels."""
    return {f["id"]: {k: v for k, v in f.items() if k not in STATE_KEYS} for f in doc["findings"]}


class ShardTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.org = scanlib.SeededOrg()
        cls.moto, cls.double, cls.sts_proxy = cls.org.moto, cls.org.double, cls.org.sts_proxy
        cls.seed, cls.acct = cls.org.seed, cls.org.acct
        cls.home = tempfile.mkdtemp(prefix="certsweep-shard-home-")
        cls.config = os.path.join(cls.home, "certsweep.conf")
        with open(cls.config, "w") as f:
            f.write("[state]\ndir = %s\n" % os.path.join(cls.home, "state"))
        cls.whole = cls.scan_to("whole.json")

    @classmethod
    def tearDownClass(cls):
        cls.org.stop()

    @classmethod
    def env(cls, extra=None):
        e = harness.env_credentials(session_token=True)
        e.update(AWS_ENDPOINT_URL_API_GATEWAY=cls.double.url, AWS_ENDPOINT_URL_STS=cls.sts_proxy.url,
                 CERTSWEEP_CONFIG=cls.config)
        e.update(extra or {})
        return harness.clean_env(endpoint_url=cls.moto.url, extra=e, home=cls.home)

    @classmethod
    def scan_to(cls, name, *args, env=None, as_of=None):
        """Runs a JSON scan into name (under the home); (Result, its document)."""
        path = os.path.join(cls.home, name)
        r = harness.run(["scan", "--no-securityhub", "--as-of", as_of or cls.seed["as_of"],
                         "--regions", "us-east-1,eu-west-1", "--format", "json", "--output", path]
                        + list(args), env or cls.env(), timeout=180)
        doc = None
        if os.path.exists(path) and os.path.getsize(path):
            with open(path) as f:
                doc = json.load(f)
        return r, doc, path

    def merge(self, *args):
        return harness.run(["merge"] + list(args), self.env(), timeout=60)

    def test_shards_merged_equal_one_run(self):
        r, whole, _ = self.whole
        self.assertEqual(r.rc, 1, r)
        self.assertTrue(whole["findings"])
        self.assertTrue(whole["coverage_gaps"])          # AssumeRole into prod-b denied
        self.assertNotIn("shard", whole["stats"])
        paths = []
        owners = {}
        for k in (1, 2, 3):
            rk, doc, path = self.scan_to("shard%d.json" % k, "--shard", "%d/3" % k)
            self.assertIn(rk.rc, (0, 1, 3), rk)
            self.assertEqual(doc["stats"]["shard"], "%d/3" % k)
            # This shard scanned exactly the accounts the documented hash gives it.
            for f in doc["findings"]:
                self.assertEqual(shard_of(f["account_id"], 3), k, f["account_id"])
                owners[f["account_id"]] = k
            for g in doc["coverage_gaps"]:
                self.assertEqual(shard_of(g["account_id"], 3), k, g)
            paths.append(path)
        # Every account of the organization is in some shard's report.
        self.assertEqual(set(owners), {f["account_id"] for f in whole["findings"]})
        out = os.path.join(self.home, "merged.json")
        m = self.merge("--format", "json", "--output", out, *reversed(paths))
        self.assertEqual(m.rc, r.rc, m)                  # same exit status as one run
        with open(out) as f:
            merged = json.load(f)
        self.assertEqual(merged["schema"], whole["schema"])
        self.assertEqual(merged["as_of"], whole["as_of"])
        self.assertEqual(by_id(merged), by_id(whole))   # every field of every finding
        self.assertEqual(gaps(merged), gaps(whole))
        self.assertNotIn("shard", merged["stats"])
        for key in ("accounts", "account_regions", "certificates"):
            self.assertEqual(merged["stats"][key], whole["stats"][key], key)
        self.assertEqual(merged["stats"]["findings"], whole["stats"]["findings"])
        # Other formats from the same reports.
        t = self.merge(*paths)
        self.assertEqual(t.rc, 1, t)
        self.assertIn("AssumeRole", t.out)
        c = self.merge("--format", "csv", "--fail-on", "none", *paths)
        self.assertEqual(c.rc, 3, c)                     # gaps, no failing finding counted
        rows = list(csv.reader(io.StringIO(c.out)))
        self.assertEqual(rows[0][0], "row_type")
        kinds = [r[0] for r in rows[1:]]
        self.assertEqual(kinds, ["finding"] * len(whole["findings"]) +
                         ["coverage_gap"] * len(whole["coverage_gaps"]))

    def test_shard_from_job_array_index(self):
        """--shard env/3 takes K - 1 from a Kubernetes Indexed Job or an AWS
        Batch array job, and scans what --shard K/3 scans."""
        _, two, _ = self.scan_to("k2.json", "--shard", "2/3")
        _, jci, _ = self.scan_to("jci.json", "--shard", "env/3",
                                 env=self.env({"JOB_COMPLETION_INDEX": "1"}))
        self.assertEqual(by_id(jci), by_id(two))
        self.assertEqual(jci["stats"]["shard"], "2/3")
        _, three, _ = self.scan_to("k3.json", "--shard", "3/3")
        _, batch, _ = self.scan_to("batch.json", "--shard", "env/3",
                                   env=self.env({"AWS_BATCH_JOB_ARRAY_INDEX": "2"}))
        self.assertEqual(by_id(batch), by_id(three))
        # Without an index, or out of range: a usage error, nothing scanned.
        for extra, msg in (({}, "neither JOB_COMPLETION_INDEX"),
                           ({"JOB_COMPLETION_INDEX": "3"}, "not an index from 0 to 2")):
            r, doc, _ = self.scan_to("bad.json", "--shard", "env/3", env=self.env(extra))
            self.assertEqual(r.rc, 2, r)
            self.assertIn(msg, r.err)
            self.assertIsNone(doc)
        r, _, _ = self.scan_to("bad.json", "--shard", "4/3")
        self.assertEqual(r.rc, 2, r)
        self.assertIn("K must be a number from 1 to 3", r.err)

    def test_merge_refuses_what_does_not_belong_together(self):
        _, _, p1 = self.scan_to("r1.json", "--shard", "1/3")
        _, _, p2 = self.scan_to("r2.json", "--shard", "2/3")
        _, _, p3 = self.scan_to("r3.json", "--shard", "3/3")
        _, _, late = self.scan_to("late.json", "--shard", "3/3", as_of="2031-01-01")
        _, _, whole = self.whole
        with open(p3) as f:
            doc = json.load(f)
        doc["schema"] = "certsweep.scan/9"
        other = os.path.join(self.home, "other-schema.json")
        with open(other, "w") as f:
            json.dump(doc, f)
        garbage = os.path.join(self.home, "garbage.json")
        with open(garbage, "w") as f:
            f.write("certsweep scan output, not JSON\n")
        cases = [
            ((p1, p2, late), "as of"),
            ((p1, p2), "shard 3/3 is missing"),
            ((p1, p2, p3, p3), "are both shard 3/3"),
            ((p1, p2, other), "schema is \"certsweep.scan/9\""),
            ((p1, p2, garbage), "garbage.json: not a JSON document"),
            ((p1, p2, p3, whole), "is not a shard's report"),
            ((p1, p2, os.path.join(self.home, "missing.json")), "missing.json: cannot read: No such file or directory"),
        ]
        for files, msg in cases:
            out = os.path.join(self.home, "refused.json")
            m = self.merge("--format", "json", "--output", out, *files)
            self.assertEqual(m.rc, 2, m)
            self.assertIn(msg, m.err)
            self.assertEqual(len(m.err.strip().splitlines()), 1, m.err)   # one clear line
            self.assertFalse(os.path.exists(out))
        m = self.merge()
        self.assertEqual(m.rc, 2, m)


if __name__ == "__main__":
    harness.main()
