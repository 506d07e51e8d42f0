#!/usr/bin/env python3
"""Tickets ([webhook NAME] channels) through the real binary, against moto
and receivers on 127.0.0.1 that speak the Jira, ServiceNow, PagerDuty
Events v2 and generic (HMAC-signed) shapes (tests/doubles/ticket_doubles.py):
one ticket per finding; an update when its severity rises; a resolve when
the certificate is renewed; a receiver down for a run loses nothing and
duplicates nothing; a run killed right after a create makes no second
ticket."""
import json
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "doubles"))
import harness  # noqa: E402
import ticket_doubles as td  # noqa: E402
from test_digests import PASSWORD as SMTP_PASSWORD, Smtp, have_aiosmtpd  # noqa: E402
from test_securityhub import Org, SCAN_REGION  # noqa: E402

JIRA_TOKEN = "jira-api-token-7f3a9c1e"
SNOW_PASSWORD = "snow-password-2b8d4e6f"
PD_KEY = "R0UTINGKEYR0UTINGKEYR0UTINGKEY01"
HOOK_KEY = "hmac-key-5c1d7e9a3b"
SLACK_PATH = "/services/T000/B000/slacksecret9d2e"
SECRETS = [JIRA_TOKEN, SNOW_PASSWORD, PD_KEY, HOOK_KEY, "slacksecret9d2e"]


class TicketTest(harness.MotoCase):
    def setUp(self):
        harness.moto_reset(self.moto)
        self.tmp = tempfile.mkdtemp(prefix="certsweep-tickets-")
        self.state = os.path.join(self.tmp, "state")
        self.jira = td.JiraDouble("SEC", "bot@example.com", JIRA_TOKEN).start()
        self.snow = td.ServiceNowDouble("certsweep", SNOW_PASSWORD).start()
        self.pd = td.PagerDutyDouble(PD_KEY).start()
        self.hook = td.GenericDouble(HOOK_KEY).start()
        self.slack = td.SlackDouble().start()
        self.doubles = [self.jira, self.snow, self.pd, self.hook, self.slack]
        self.org = o = Org(self.moto)
        self.arn = {
            "a1": o.import_cert(o.a1, SCAN_REGION, days=20),      # HIGH
            "a2": o.import_cert(o.a2, SCAN_REGION, days=40),      # MEDIUM
        }

    def tearDown(self):
        for d in self.doubles:
            d.stop()

    def secret(self, name, value):
        path = os.path.join(self.tmp, name)
        with open(path, "w") as f:
            f.write(value + "\n")
        os.chmod(path, 0o600)
        return path

    def config(self, extra=""):
        conf = os.path.join(self.tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write(
                "[aws]\nregion = %(r)s\n[scan]\nregions = %(r)s\ncollectors = acm\nfail_on = none\n"
                "[state]\ndir = %(state)s\n\n"
                "[webhook jira]\ntype = jira\nurl = %(jira)s\nsecret_file = %(js)s\n"
                "project = SEC\nmin_severity = medium\nresolve_transition = Done\n\n"
                "[webhook snow]\ntype = servicenow\nurl = %(snow)s/\nsecret_file = %(ss)s\n"
                "min_severity = medium\n\n"
                "[webhook pd]\ntype = pagerduty\nurl = %(pd)s/v2/enqueue\nsecret_env = PD_ROUTING_KEY\n"
                "min_severity = medium\n\n"
                "[webhook hook]\ntype = generic\nurl = %(hook)s/hook\nsecret_file = %(hs)s\n"
                "min_severity = medium\n\n"
                "[webhook chat]\ntype = slack\nsecret_file = %(cs)s\nmin_severity = medium\n%(extra)s"
                % {"r": SCAN_REGION, "state": self.state, "jira": self.jira.url,
                   "js": self.secret("jira", "bot@example.com:" + JIRA_TOKEN),
                   "snow": self.snow.url, "ss": self.secret("snow", "certsweep:" + SNOW_PASSWORD),
                   "pd": self.pd.url, "hook": self.hook.url, "hs": self.secret("hook", HOOK_KEY),
                   "cs": self.secret("slack", self.slack.url + SLACK_PATH), "extra": extra})
        return conf

    def env(self):
        return harness.clean_env(endpoint_url=self.moto.url,
                                 extra=dict(harness.env_credentials(), PD_ROUTING_KEY=PD_KEY),
                                 home=self.tmp)

    def argv(self):
        return ["scan", "--config", self.config(), "--no-securityhub", "--format", "json"]

    def scan(self, rc=0):
        r = harness.run(self.argv(), self.env(), timeout=300, secrets=SECRETS)
        self.assertEqual(r.rc, rc, r)
        return r

    def res(self, name):
        return self.arn[name].rsplit("/", 1)[1]

    def finding_ids(self, doc):
        return {f["resource_id"]: f["id"] for f in doc["findings"]}

    def rows(self):
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        try:
            return sorted(db.execute("SELECT channel, key, status, external_id, pending, held "
                                     "FROM tickets WHERE key NOT LIKE 'digest:%'"))
        finally:
            db.close()

    def take_all(self):
        return {d: d.take() for d in self.doubles}

    def assert_one_ticket_each(self, ids):
        """Exactly one ticket per finding id in every system."""
        for fid in ids:
            label = "certsweep-" + fid
            jira = [k for k, v in self.jira.issues.items() if label in v["fields"]["labels"]]
            self.assertEqual(len(jira), 1, (fid, self.jira.issues.keys()))
            snow = [r for r in self.snow.incidents.values() if r["correlation_id"] == fid]
            self.assertEqual(len(snow), 1, fid)
            self.assertEqual(self.pd.alerts[fid]["incidents"], 1, fid)
        self.assertEqual(len(self.jira.issues), len(ids))
        self.assertEqual(len(self.snow.incidents), len(ids))

    def test_four_runs_create_escalate_resolve_and_outage(self):
        o = self.org
        # Run 1: one ticket per finding everywhere, and a digest.
        r = self.scan()
        ids = self.finding_ids(r.json())
        self.assertEqual(set(ids), {self.res("a1"), self.res("a2")})
        self.assert_one_ticket_each(ids.values())
        self.assertIn("Tickets: 10 sent, 0 waiting for the next run, 0 refused", r.err)
        got = self.take_all()
        creates = [q for q in got[self.jira] if q["method"] == "POST"]
        self.assertEqual(len(creates), 2)
        self.assertFalse([q for q in got[self.jira] if q["method"] == "GET"],
                         "a fresh create needs no search")
        for issue in self.jira.issues.values():
            self.assertEqual(issue["fields"]["issuetype"], {"name": "Task"})
        # The summary lines name the account as the ticket text does.
        names = {o.a1: "member-a", o.a2: "member-b"}
        want = sorted("(account %s %s, %s)" % (a, n, SCAN_REGION) for a, n in names.items())
        self.assertEqual(sorted(i["fields"]["summary"][-len(want[0]):]
                                for i in self.jira.issues.values()), want)
        self.assertEqual(sorted(x["short_description"][-len(want[0]):]
                                for x in self.snow.incidents.values()), want)
        a2_snow = [x for x in self.snow.incidents.values() if x["correlation_id"] == ids[self.res("a2")]][0]
        self.assertEqual((a2_snow["urgency"], a2_snow["impact"]), ("2", "2"))       # MEDIUM
        self.assertEqual(sorted(e["event"] for e in self.hook.events), ["digest", "new", "new"])
        new = [e for e in self.hook.events if e["event"] == "new"]
        self.assertEqual({e["key"] for e in new}, set(ids.values()))
        self.assertEqual(len(new[0]["findings"]), 1)
        self.assertEqual(new[0]["findings"][0]["id"], new[0]["key"])
        self.assertEqual(len(self.slack.messages), 1)
        self.assertIn("2 new, 0 escalated, 0 resolved", self.slack.messages[0])
        rows = self.rows()
        self.assertEqual(len(rows), 8)
        self.assertEqual({(s, p, h) for _, _, s, _, p, h in rows}, {("open", "", 0)})
        jira_keys = {k: e for c, k, _, e, _, _ in rows if c == "jira"}
        self.assertEqual(set(jira_keys.values()), set(self.jira.issues))

        # Run 2: nothing changed: nothing sent anywhere.
        r = self.scan()
        got = self.take_all()
        self.assertEqual({d: q for d, q in got.items() if q}, {})
        self.assertNotIn("Tickets:", r.err)

        # Run 3: a1 renewed (resolved), a2 from 40 to 20 days (MEDIUM -> HIGH).
        o.import_cert(o.a1, SCAN_REGION, days=300, arn=self.arn["a1"])
        o.import_cert(o.a2, SCAN_REGION, days=20, arn=self.arn["a2"])
        r = self.scan()
        got = self.take_all()
        a1, a2 = ids[self.res("a1")], ids[self.res("a2")]
        k1, k2 = jira_keys[a1], jira_keys[a2]
        self.assertEqual(self.jira.issues[k1]["status"], "Done")
        self.assertEqual(len(self.jira.issues[k1]["comments"]), 1)
        self.assertEqual(self.jira.issues[k2]["status"], "To Do")
        self.assertEqual(len(self.jira.issues[k2]["comments"]), 1)
        self.assertIn("Severity rose from MEDIUM to HIGH", self.jira.issues[k2]["comments"][0])
        self.assertEqual(sorted((q["method"], q["path"]) for q in got[self.jira]), sorted([
            ("GET", "/rest/api/2/issue/%s/transitions" % k1),
            ("POST", "/rest/api/2/issue/%s/transitions" % k1),
            ("POST", "/rest/api/2/issue/%s/comment" % k2)]))
        inc = {x["correlation_id"]: x for x in self.snow.incidents.values()}
        self.assertEqual(inc[a1]["state"], "6")
        self.assertEqual(inc[a1]["close_code"], "Solved (Permanently)")
        self.assertEqual(inc[a2]["state"], "1")
        self.assertEqual((inc[a2]["urgency"], inc[a2]["impact"]), ("1", "2"))       # HIGH
        self.assertEqual(len(inc[a2]["work_notes_list"]), 1)
        self.assertEqual(self.pd.alerts[a1]["status"], "resolved")
        self.assertEqual([e["event_action"] for e in self.pd.alerts[a2]["events"]], ["trigger", "trigger"])
        self.assertEqual(self.pd.alerts[a2]["events"][1]["payload"]["severity"], "error")
        self.assertEqual(self.pd.alerts[a2]["incidents"], 1)
        evs = [e for e in self.hook.events if e["event"] in ("escalated", "resolved")]
        self.assertEqual(sorted((e["event"], e["key"]) for e in evs),
                         sorted([("escalated", a2), ("resolved", a1)]))
        esc = [e for e in evs if e["event"] == "escalated"][0]
        self.assertEqual((esc["previous_severity"], esc["severity"]), ("MEDIUM", "HIGH"))
        self.assertIn("1 escalated, 1 resolved", self.slack.messages[-1])
        status = {(c, k): s for c, k, s, _, _, _ in self.rows()}
        self.assertEqual(status[("jira", a1)], "resolved")
        self.assertEqual(status[("jira", a2)], "open")

        # Run 4: Jira refuses connections and ServiceNow answers 503 while a
        # new finding appears: the others get it at once, the run exits 5.
        self.arn["a3"] = o.import_cert(o.a2, SCAN_REGION, days=25)         # HIGH
        jira_port = self.jira.port
        self.jira.stop()
        self.snow.mode = "503"
        r = self.scan(rc=5)
        a3 = self.finding_ids(r.json())[self.res("a3")]
        self.assertIn("Tickets: 4 sent, 2 waiting for the next run, 0 refused", r.err)
        self.assertIn("webhook jira: create %s" % a3, r.err)
        self.assertIn("webhook snow: create %s: HTTP 503" % a3, r.err)
        self.assertEqual(self.pd.alerts[a3]["incidents"], 1)
        self.assertIn(a3, {e["key"] for e in self.hook.events if e["event"] == "new"})
        pending = {(c, s, p) for c, k, s, _, p, _ in self.rows() if k == a3}
        self.assertEqual(pending, {("jira", "creating", "create"), ("snow", "creating", "create"),
                                   ("pd", "open", ""), ("hook", "open", "")})

        # Run 5: both back: everything delivered once, nothing twice.
        self.jira.start(port=jira_port)
        self.snow.mode = None
        self.take_all()
        r = self.scan()
        self.assertIn("Tickets: 2 sent, 0 waiting for the next run, 0 refused", r.err)
        got = self.take_all()
        self.assertEqual(got[self.pd] + got[self.hook] + got[self.slack], [])
        self.assert_one_ticket_each([a1, a2, a3])
        # The retried create searched first (it may have reached Jira).
        self.assertEqual([q["method"] for q in got[self.jira]], ["GET", "POST"])
        self.assertEqual({s for _, _, s, _, p, _ in self.rows() if p == ""}, {"open", "resolved"})
        self.assertFalse([r for r in self.rows() if r[4]])

    def test_notify_retry_sends_waiting_tickets_once(self):
        """Jira down and ServiceNow answering 503 in the scan: their
        creates wait; `certsweep notify --retry` with both back sends each
        exactly once, at once (no backoff wait), and a second --retry sends
        nothing."""
        jira_port = self.jira.port
        self.jira.stop()
        self.snow.mode = "503"
        r = self.scan(rc=5)
        ids = set(self.finding_ids(r.json()).values())
        self.assertIn("Tickets: 6 sent, 4 waiting for the next run, 0 refused", r.err)
        self.assertEqual(self.jira.issues, {})
        self.assertEqual(self.snow.incidents, {})
        self.jira.start(port=jira_port)
        self.snow.mode = None
        self.take_all()
        argv = ["notify", "--retry", "--config", self.config()]
        r = harness.run(argv, self.env(), timeout=300, secrets=SECRETS)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Tickets: 4 sent, 0 waiting for the next run, 0 refused", r.err)
        self.assert_one_ticket_each(ids)
        got = self.take_all()
        self.assertEqual(got[self.pd] + got[self.hook] + got[self.slack], [])
        self.assertEqual(sorted(q["method"] for q in got[self.jira]), ["GET", "GET", "POST", "POST"])
        self.assertFalse([x for x in self.rows() if x[4]], self.rows())
        # Nothing waits any more: a second --retry sends nothing.
        r = harness.run(argv, self.env(), timeout=300, secrets=SECRETS)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Tickets: 0 sent, 0 waiting for the next run, 0 refused", r.err)
        self.assertEqual(sum(len(v) for v in self.take_all().values()), 0)
        self.assert_one_ticket_each(ids)

    @unittest.skipUnless(have_aiosmtpd(), "python3-aiosmtpd is not installed (scripts/deps.sh)")
    def test_no_secret_at_vv(self):
        """A digest by e-mail (SMTP AUTH) and tickets on every channel at
        -vv, then the same with receivers that quote the request back in
        their errors: neither the SMTP password nor any webhook secret
        (nor its Basic-auth form) reaches stdout, stderr or the state."""
        import base64
        smtp = Smtp(self.tmp)
        smtp.start()
        self.doubles.append(smtp)
        pwfile = self.secret("smtp-password", SMTP_PASSWORD)
        extra = ("[email]\nsmtp_host = 127.0.0.1\nsmtp_port = %d\nca_file = %s\n"
                 "username = certsweep\npassword_file = %s\nfrom = certsweep@example.com\n"
                 "org_to = secops@example.com\ntimeout_seconds = 10\n"
                 % (smtp.port, smtp.cert, pwfile))
        b64 = [base64.b64encode(s.encode()).decode() for s in
               ("bot@example.com:" + JIRA_TOKEN, "certsweep:" + SNOW_PASSWORD)]
        secrets = SECRETS + [SMTP_PASSWORD] + b64
        argv = ["scan", "--config", self.config(extra), "--no-securityhub", "--format", "json",
                "-vv"]
        r = harness.run(argv, self.env(), timeout=300, secrets=secrets)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Tickets: 10 sent", r.err)
        self.assertEqual(len(smtp.messages()), 1)
        self.assertTrue(smtp.messages()[0]["auth"])
        # Receivers that echo the request in their errors (and a renewed
        # certificate, so that there is something to send).
        self.org.import_cert(self.org.a1, SCAN_REGION, days=300, arn=self.arn["a1"])
        for d in (self.jira, self.snow, self.pd, self.hook, self.slack):
            d.mode = "echo"
        r = harness.run(argv, self.env(), timeout=300, secrets=secrets)
        self.assertIn("rejected", r.err)
        self.assertIn("[REDACTED]", r.err)
        for name in os.listdir(self.state):
            with open(os.path.join(self.state, name), "rb") as f:
                data = f.read()
            for s in secrets:
                self.assertTrue(s.encode() not in data, "%s holds %s" % (name, s))

    def test_killed_after_create_makes_no_duplicate(self):
        # Every create blocks once the ticket exists; the run is killed.
        for d in (self.jira, self.snow):
            d.mode = "block_after_create"
        p = subprocess.Popen([harness.CERTSWEEP] + self.argv(), env=self.env(),
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        try:
            self.assertTrue(self.jira.created.wait(120), "no create reached Jira")
            self.assertTrue(self.snow.created.wait(60), "no create reached ServiceNow")
            time.sleep(0.2)
            p.send_signal(signal.SIGKILL)
            p.wait(30)
        finally:
            if p.poll() is None:
                p.kill()
        err = p.stderr.read().decode()
        p.stderr.close()
        for s in SECRETS:
            self.assertNotIn(s, err)
        self.assertEqual(p.returncode, -signal.SIGKILL)
        self.assertEqual(len(self.jira.issues), 1)
        self.assertEqual(len(self.snow.incidents), 1)
        rows = {(c, s) for c, _, s, _, _, _ in self.rows() if c in ("jira", "snow")}
        self.assertIn(("jira", "creating"), rows)
        self.assertIn(("snow", "creating"), rows)
        for d in (self.jira, self.snow):
            d.mode = None
        self.take_all()
        r = self.scan()
        ids = self.finding_ids(r.json()).values()
        self.assert_one_ticket_each(ids)
        searched = [q for q in self.jira.take() if q["method"] == "GET"]
        self.assertTrue(searched, "the interrupted create must search before creating")
        self.assertTrue(all(q["path"] == "/rest/api/2/search/jql" for q in searched))
        self.assertEqual({s for c, _, s, _, _, _ in self.rows()}, {"open"})
        # The adopted tickets are the ones created before the kill.
        self.assertEqual(len({e for c, _, _, e, _, _ in self.rows() if c == "jira"}), 2)

    def test_hanging_receiver_costs_one_timeout_and_delays_no_other(self):
        self.hook.mode = "hang"
        conf = self.config()
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:       # [webhook hook] waits 2 s per request
            f.write(text.replace("[webhook hook]\n", "[webhook hook]\ntimeout_seconds = 2\n"))
        t0 = time.monotonic()
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"],
                        self.env(), timeout=300, secrets=SECRETS)
        elapsed = time.monotonic() - t0
        self.assertEqual(r.rc, 5, r)
        self.assertIn("Tickets: 7 sent, 3 waiting for the next run, 0 refused", r.err)
        self.assertIn("webhook hook: create", r.err)
        self.assertIn(": timed out: ", r.err)
        # One request timed out; the channel's other two events were not tried.
        self.assertEqual(len(self.hook.take()), 1)
        self.assertEqual(len(self.jira.issues), 2)
        self.assertEqual(len(self.pd.alerts), 2)
        sys.stderr.write("scan with a hanging receiver (2 s timeout): %.1f s\n" % elapsed)
        self.hook.mode = None
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"],
                        self.env(), timeout=300, secrets=SECRETS)
        self.assertEqual(r.rc, 0, r)
        self.assertIn("Tickets: 3 sent, 0 waiting", r.err)
        self.assertEqual(sorted(e["event"] for e in self.hook.events), ["digest", "new", "new"])

    def test_refused_is_kept_with_the_servers_message(self):
        # A wrong HMAC key: the receiver answers 401, which no retry fixes.
        conf_extra = ("\n[webhook wrongkey]\ntype = generic\nurl = %s/hook\nsecret_file = %s\n"
                      "min_severity = medium\n" % (self.hook.url, self.secret("wrong", "not-the-key")))
        argv = ["scan", "--config", self.config(conf_extra), "--no-securityhub", "--format", "json"]
        r = harness.run(argv, self.env(), timeout=300, secrets=SECRETS + ["not-the-key"])
        self.assertEqual(r.rc, 5, r)
        self.assertIn("webhook wrongkey: create", r.err)
        self.assertIn('refused: HTTP 401: {"error": "bad signature"}', r.err)
        self.assertIn("3 refused", r.err)      # two tickets and the digest
        db = sqlite3.connect(os.path.join(self.state, "certsweep.db"))
        held = db.execute("SELECT count(*) FROM tickets WHERE channel = 'wrongkey' AND held = 1"
                          " AND last_error LIKE 'HTTP 401%'").fetchone()[0]
        db.close()
        self.assertEqual(held, 3)
        # The next run does not hammer the receiver: the refusal waits a day.
        self.hook.take()
        r = harness.run(argv, self.env(), timeout=300, secrets=SECRETS + ["not-the-key"])
        self.assertEqual(r.rc, 5, r)
        self.assertEqual(self.hook.take(), [])

    def test_group_by_account(self):
        o = self.org
        extra = ("\n[webhook byacct]\ntype = generic\nurl = %s/hook\nsecret_file = %s\n"
                 "group_by = account\nmin_severity = medium\n" % (self.hook.url, self.secret("hook2", HOOK_KEY)))
        argv = ["scan", "--config", self.config(extra), "--no-securityhub", "--format", "json"]
        # A second finding in a2's account: still one ticket for the account.
        self.arn["a2b"] = o.import_cert(o.a2, SCAN_REGION, days=35)
        r = harness.run(argv, self.env(), timeout=300, secrets=SECRETS)
        self.assertEqual(r.rc, 0, r)
        mine = lambda: [e for e in self.hook.events if e["channel"] == "byacct" and e["event"] != "digest"]
        first = mine()
        self.assertEqual(sorted(e["key"] for e in first), sorted(["account:" + o.a1, "account:" + o.a2]))
        self.assertEqual({e["group_by"] for e in first}, {"account"})
        a2 = [e for e in first if e["key"] == "account:" + o.a2][0]
        self.assertEqual(len(a2["findings"]), 2)
        self.assertEqual(a2["severity"], "MEDIUM")
        # a1 renewed: its account's ticket resolves; a2's first finding
        # escalates to HIGH: its account's ticket says so.
        o.import_cert(o.a1, SCAN_REGION, days=300, arn=self.arn["a1"])
        o.import_cert(o.a2, SCAN_REGION, days=20, arn=self.arn["a2"])
        self.hook.events.clear()
        r = harness.run(argv, self.env(), timeout=300, secrets=SECRETS)
        self.assertEqual(r.rc, 0, r)
        got = sorted((e["event"], e["key"]) for e in mine())
        self.assertEqual(got, sorted([("escalated", "account:" + o.a2), ("resolved", "account:" + o.a1)]))
        res = [e for e in mine() if e["event"] == "resolved"][0]
        self.assertEqual([f["resource_id"] for f in res["resolved_findings"]], [self.res("a1")])
        self.assertEqual(res["findings"], [])

    def test_suppressed_finding_opens_no_ticket(self):
        supp = os.path.join(self.tmp, "suppressions.conf")
        with open(supp, "w") as f:
            f.write("[suppress known]\nresource = %s\nreason = retired next week (SEC-1)\n"
                    "expires = 2099-01-01\n" % self.arn["a2"])
        conf = self.config()
        with open(conf) as f:
            text = f.read()
        with open(conf, "w") as f:
            f.write(text.replace("fail_on = none\n", "fail_on = none\nsuppressions = %s\n" % supp, 1))
        r = harness.run(["scan", "--config", conf, "--no-securityhub", "--format", "json"],
                        self.env(), timeout=300, secrets=SECRETS)
        self.assertEqual(r.rc, 0, r)
        ids = self.finding_ids(r.json())
        self.assertEqual(len(ids), 2)
        labels = [v["fields"]["labels"][1] for v in self.jira.issues.values()]
        self.assertEqual(labels, ["certsweep-" + ids[self.res("a1")]])
        self.assertEqual(set(self.pd.alerts), {ids[self.res("a1")]})
        self.assertIn("1 new, 0 escalated", self.slack.messages[0])

    def test_what_if_sends_nothing(self):
        r = harness.run(self.argv() + ["--as-of", "2027-12-31"], self.env(), timeout=300,
                        secrets=SECRETS)
        self.assertIn(r.rc, (0, 3), r)
        self.assertEqual({d: q for d, q in self.take_all().items() if q}, {})


if __name__ == "__main__":
    unittest.main(verbosity=2)
