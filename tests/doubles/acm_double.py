#!/usr/bin/env python3
"""ACM double for certsweep's integration tests (127.0.0.1 only).

moto keeps no RenewalSummary or RenewalEligibility worth the name, marks
nothing as in use and never pages ListCertificates.  This double stands in
front of moto for the ACM endpoint only (AWS_ENDPOINT_URL_ACM) and forwards
every request to moto unchanged, except:

  DescribeCertificate   moto's answer, with the Certificate members the
                        test configured for that ARN set over it (a member
                        set to null is removed: e.g. {"NotAfter": null});
                        or, for an ARN listed in invalid_json, a 200 answer
                        whose body is not JSON
  ListCertificates      moto's answer (moto applies the filters), cut into
                        pages of min(MaxItems, page_size) with NextToken;
                        with "patch_summaries": true, the configured
                        members that a CertificateSummary also carries
                        (Status, Type, NotAfter, RenewalEligibility, ...;
                        InUse from InUseBy) are set over each summary too
                        and
                        the members named in summary_drop removed from
                        every summary (a summary as an older partition or
                        another emulator sends it)
  any operation named   ACM's rate limits, per account, region and operation:
  in rate_limits        a token bucket of `rate` tokens (refilled at rate/s,
                        full at the start); a request finding it empty is
                        answered 400 ThrottlingException "Rate exceeded", as
                        ACM does, and recorded as {"op": ..., "throttled":
                        true, "account": ..., "region": ...}

State is seeded with POST /_double/state (JSON, replaces the state):
  {"certificates": {"<certificate ARN>": {"Status": "ISSUED",
        "RenewalEligibility": "ELIGIBLE", "NotAfter": 1790000000,
        "RenewalSummary": {"RenewalStatus": "FAILED", ...}, ...}},
   "invalid_json": ["<certificate ARN>", ...],
   "page_size": N, "patch_summaries": true,
   "summary_drop": ["KeyAlgorithm", ...],
   "rate_limits": {"DescribeCertificate": 10, "ListCertificates": 8}}
GET /_double/requests returns the ACM requests seen, in order:
  [{"op": "ListCertificates", "next_token": ..., "max_items": ...},
   {"op": "DescribeCertificate", "arn": ...}, ...]

Usage: acm_double.py --port N --upstream http://127.0.0.1:M
"""
import json
import threading
import time

import proxy

TARGET = "CertificateManager."
TOKEN = "acm-double-page-"
STATE = {"certificates": {}, "invalid_json": [], "page_size": None, "rate_limits": {},
         "patch_summaries": False, "summary_drop": []}
# botocore's CertificateSummary members a patch may also set on a summary.
SUMMARY_KEYS = ("Status", "Type", "NotAfter", "NotBefore", "CreatedAt", "IssuedAt",
                "ImportedAt", "RenewalEligibility", "KeyAlgorithm", "DomainName")
BUCKETS = {}             # (account, region, op) -> [tokens, last refill]
REQUESTS = []
LOCK = threading.Lock()


def patched(cert, patch):
    for k, v in patch.items():
        if v is None:
            cert.pop(k, None)
        else:
            cert[k] = v
    return cert


class Handler(proxy.ProxyHandler):
    server_version = "acm-double"

    def answer(self, body):
        url = self.url()
        if url.path == "/_double/state" and self.command == "POST":
            new = json.loads(body or b"{}")
            with LOCK:
                STATE["certificates"] = new.get("certificates", {})
                STATE["invalid_json"] = new.get("invalid_json", [])
                STATE["page_size"] = new.get("page_size")
                STATE["rate_limits"] = new.get("rate_limits", {})
                STATE["patch_summaries"] = bool(new.get("patch_summaries"))
                STATE["summary_drop"] = new.get("summary_drop", [])
                BUCKETS.clear()
                REQUESTS.clear()
            return self.reply(200, {"ok": True})
        if url.path == "/_double/requests" and self.command == "GET":
            with LOCK:
                return self.reply(200, list(REQUESTS))
        op = self.headers.get("X-Amz-Target", "")
        op = op[len(TARGET):] if op.startswith(TARGET) else None
        if op and self.throttled(op):
            return
        if op == "DescribeCertificate":
            return self.describe(body)
        if op == "ListCertificates":
            return self.list_page(body)
        self.send_forwarded(*self.forward(body))

    def throttled(self, op):
        """ACM's per account, region and operation limit: answers the
        throttling error and returns True when the bucket is empty."""
        with LOCK:
            rate = STATE["rate_limits"].get(op)
        if not rate:
            return False
        akid, region = proxy.credential(self.headers)
        account = proxy.account_of(akid)
        now = time.monotonic()
        with LOCK:
            b = BUCKETS.setdefault((account, region, op), [float(rate), now])
            b[0] = min(float(rate), b[0] + (now - b[1]) * rate)
            b[1] = now
            if b[0] >= 1.0:
                b[0] -= 1.0
                return False
            REQUESTS.append({"op": op, "throttled": True, "account": account, "region": region})
        self.reply(400, {"__type": "ThrottlingException", "message": "Rate exceeded"},
                   ctype="application/x-amz-json-1.1")
        return True

    def describe(self, body):
        arn = json.loads(body or b"{}").get("CertificateArn")
        with LOCK:
            REQUESTS.append({"op": "DescribeCertificate", "arn": arn})
            patch = dict(STATE["certificates"].get(arn, {}))
            broken = arn in STATE["invalid_json"]
        status, headers, data = self.forward(body)
        if status == 200 and broken:
            data = b'{"Certificate": {"CertificateArn": "' + arn.encode() + b'", "Status": '
        elif status == 200 and patch:
            doc = json.loads(data)
            patched(doc["Certificate"], patch)
            data = json.dumps(doc).encode()
        self.send_forwarded(status, headers, data)

    def list_page(self, body):
        req = json.loads(body or b"{}")
        token = req.pop("NextToken", None)
        max_items = req.pop("MaxItems", None)
        with LOCK:
            REQUESTS.append({"op": "ListCertificates", "next_token": token, "max_items": max_items})
            page_size = STATE["page_size"]
            drop = list(STATE["summary_drop"])
        status, headers, data = self.forward(json.dumps(req).encode())
        if status != 200:
            return self.send_forwarded(status, headers, data)
        if token is not None and not token.startswith(TOKEN):
            return self.reply(400, {"__type": "InvalidArgsException",
                                    "message": "invalid NextToken"},
                              ctype="application/x-amz-json-1.1")
        items = json.loads(data).get("CertificateSummaryList", [])
        with LOCK:
            patches = dict(STATE["certificates"]) if STATE["patch_summaries"] else {}
        for it in items:
            patch = patches.get(it.get("CertificateArn"), {})
            patched(it, {k: v for k, v in patch.items() if k in SUMMARY_KEYS})
            if "InUseBy" in patch:
                it["InUse"] = bool(patch["InUseBy"])
            for k in drop:
                it.pop(k, None)
        start = int(token[len(TOKEN):]) if token else 0
        size = min(x for x in (max_items or 1000, page_size or 1000))
        out = {"CertificateSummaryList": items[start:start + size]}
        if start + size < len(items):
            out["NextToken"] = TOKEN + str(start + size)
        self.send_forwarded(status, headers, json.dumps(out).encode())


if __name__ == "__main__":
    proxy.serve(Handler, description="ACM double")
