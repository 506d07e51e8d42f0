#!/usr/bin/env python3
"""Security Hub double for certsweep's integration tests (127.0.0.1 only).

moto accepts every finding and never answers "not subscribed" to
BatchImportFindings or GetFindings, so the failure paths are driven here:

  POST /findings/import   BatchImportFindings: findings whose Id is in
                          fail_ids are refused (HTTP 200, FailedCount > 0,
                          FailedFindings with the chosen ErrorCode); the
                          others are stored per AwsAccountId (a re-import
                          replaces the stored finding, as Security Hub does).
                          Every batch is recorded (count, bytes, account).
  POST /findings          GetFindings: the stored findings of the caller's
                          account, filters IGNORED on purpose (the exporter
                          must re-check client-side), plus any `extra`
                          findings, paged with MaxResults / NextToken.

A request whose access key (Credential=AKID/... in Authorization) is in
not_subscribed gets 403 InvalidAccessException "Account ... is not
subscribed to AWS Security Hub".  The account of a key comes from key_accounts.

Control (JSON):
  POST /_double/program  {"fail_ids": {"<Id>": "<ErrorCode>"}, "unlisted_failures": N,
                          "not_subscribed": ["<akid>"],
                          "key_accounts": {"<akid>": "<account>"},
                          "extra": [<finding>, ...]}   (keeps stored findings)
  POST /_double/reset    forget findings and records
  GET  /_double/state    {"batches": [{"account","akid","count","bytes"}],
                          "findings": {"<account>": [<finding>...]},
                          "get_calls": n, "ignored": n}

Usage: securityhub_double.py --port N
"""
import argparse
import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

LOCK = threading.Lock()
STATE = {}


def reset():
    STATE.clear()
    STATE.update({"fail_ids": {}, "not_subscribed": [], "key_accounts": {}, "extra": [],
                  "unlisted_failures": 0, "batches": [], "findings": {}, "get_calls": 0,
                  "ignored": 0})


reset()


def later(new, old):
    """ISO 8601 UTC times with milliseconds ("...T08:45:28.123Z"): new > old."""
    def key(t):
        t = (t or "").rstrip("Z")
        day, _, frac = t.partition(".")
        return (day, int((frac + "000")[:3]) if frac else 0)
    return key(new) > key(old)


AKID_RE = re.compile(r"Credential=([A-Z0-9]+)/")


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def send(self, status, obj, headers=None):
        data = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def akid(self):
        m = AKID_RE.search(self.headers.get("Authorization", ""))
        return m.group(1) if m else ""

    def do_GET(self):
        if self.path == "/_double/state":
            with LOCK:
                self.send(200, {"batches": STATE["batches"], "findings": STATE["findings"],
                                "get_calls": STATE["get_calls"], "ignored": STATE["ignored"]})
            return
        self.send(404, {"message": "not found"})

    def do_POST(self):
        raw = self.body()
        if self.path == "/_double/program":
            prog = json.loads(raw or b"{}")
            with LOCK:
                for k in ("fail_ids", "not_subscribed", "key_accounts", "extra",
                          "unlisted_failures"):
                    if k in prog:
                        STATE[k] = prog[k]
            self.send(200, {})
            return
        if self.path == "/_double/reset":
            with LOCK:
                reset()
            self.send(200, {})
            return
        akid = self.akid()
        with LOCK:
            if akid in STATE["not_subscribed"]:
                account = STATE["key_accounts"].get(akid, "unknown")
                self.send(403, {"message": "Account %s is not subscribed to AWS Security Hub" % account},
                          {"x-amzn-ErrorType": "InvalidAccessException"})
                return
        req = json.loads(raw or b"{}")
        if self.path == "/findings/import":
            findings = req.get("Findings", [])
            failed = []
            with LOCK:
                account = findings[0].get("AwsAccountId", "") if findings else ""
                STATE["batches"].append({"account": account, "akid": akid,
                                         "count": len(findings), "bytes": len(raw),
                                         "updated": [f.get("UpdatedAt") for f in findings]})
                unlisted = int(STATE["unlisted_failures"] or 0)
                for f in findings:
                    code = STATE["fail_ids"].get(f.get("Id"))
                    if code:
                        failed.append({"Id": f.get("Id"), "ErrorCode": code,
                                       "ErrorMessage": "refused by the test double"})
                        continue
                    if unlisted:
                        continue
                    lst = STATE["findings"].setdefault(f.get("AwsAccountId", ""), [])
                    old = [x for x in lst if x.get("Id") == f.get("Id")]
                    if old and not later(f.get("UpdatedAt"), old[0].get("UpdatedAt")):
                        STATE["ignored"] += 1
                        continue
                    lst[:] = [x for x in lst if x.get("Id") != f.get("Id")]
                    lst.append(f)
            count = len(failed) + unlisted
            self.send(200, {"FailedCount": count, "SuccessCount": len(findings) - count,
                            "FailedFindings": failed})
            return
        if self.path == "/findings":
            with LOCK:
                STATE["get_calls"] += 1
                account = STATE["key_accounts"].get(akid, "")
                items = list(STATE["findings"].get(account, [])) + list(STATE["extra"])
            start = int(req.get("NextToken") or 0)
            size = int(req.get("MaxResults") or 100)
            page = items[start:start + size]
            out = {"Findings": page}
            if start + size < len(items):
                out["NextToken"] = str(start + size)
            self.send(200, out)
            return
        self.send(404, {"message": "not found"})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    a = ap.parse_args()
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
