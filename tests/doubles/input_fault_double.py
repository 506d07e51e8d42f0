#!/usr/bin/env python3
"""Fault-injection double for hostile AWS answers (127.0.0.1 only).

One server in front of moto for every AWS endpoint (AWS_ENDPOINT_URL): it
forwards each request to moto unchanged unless the mode set for that kind
of call says otherwise.  One mode per fault:

  paging  {"<listing>": "repeat" | "endless", ...}
          A paginated listing that never ends.  The first page is moto's
          answer (or, for ListAccounts, GetFindings and
          GetClientCertificates, which moto lacks, one the double makes);
          every later page is empty.  "repeat" hands out the token
          "SAME" on every page; "endless" a new one each time
          ("endless-1", "endless-2", ...).  Listings:
            ListCertificates (ACM), ListServerCertificates (IAM, Marker),
            ListAccounts (Organizations), GetClientCertificates,
            GetRestApis, GetDomainNames (API Gateway v1, position),
            GetDomainNamesV2 (API Gateway v2, nextToken), GetFindings
            (Security Hub).
  describe {"<certificate ARN>": {"<member>": value, ...}}
          ACM DescribeCertificate: moto's answer with these Certificate
          members set over it.  A value {"raw": "<hex>"} is written as
          those raw bytes inside the JSON string (invalid UTF-8, say).
  describe_error {"<certificate ARN>": "<message>"}
          ACM DescribeCertificate answers 400 InvalidArnException with this
          message (quoted remote text in a warning).

Control:
  POST /_double/mode     {"paging": {...}, "describe": {...},
                          "describe_error": {...}}  (replaces all modes,
                          clears the request counts)
  GET  /_double/requests {"<operation>": count, ...}

Usage: input_fault_double.py --port N --upstream http://127.0.0.1:M
"""
import json
import re
import threading
import urllib.parse

import proxy

LOCK = threading.Lock()
MODES = {"paging": {}, "describe": {}, "describe_error": {}}
COUNTS = {}
ENDLESS = [0]

APIGW_V1 = {"/clientcertificates": "GetClientCertificates", "/restapis": "GetRestApis",
            "/domainnames": "GetDomainNames"}


def next_token(listing):
    """The token a page of a faulty listing hands out, or None."""
    with LOCK:
        how = MODES["paging"].get(listing)
        if how == "endless":
            ENDLESS[0] += 1
            return "endless-%d" % ENDLESS[0]
    return "SAME" if how == "repeat" else None


def form(body):
    return dict(urllib.parse.parse_qsl(body.decode(errors="replace")))


def raw_json(doc):
    """json.dumps, with {"raw": hex} values replaced by those bytes."""
    raws = []

    def walk(v):
        if isinstance(v, dict) and set(v) == {"raw"}:
            raws.append(bytes.fromhex(v["raw"]))
            return "\u0000RAW%d\u0000" % (len(raws) - 1)
        if isinstance(v, dict):
            return {k: walk(x) for k, x in v.items()}
        if isinstance(v, list):
            return [walk(x) for x in v]
        return v
    data = json.dumps(walk(doc)).encode()
    for i, b in enumerate(raws):
        data = data.replace(b"\\u0000RAW%d\\u0000" % i, b)
    return data


class Handler(proxy.ProxyHandler):
    server_version = "fault-double"

    def count(self, op):
        with LOCK:
            COUNTS[op] = COUNTS.get(op, 0) + 1

    def answer(self, body):
        url = self.url()
        if url.path == "/_double/mode" and self.command == "POST":
            new = json.loads(body or b"{}")
            with LOCK:
                for k in MODES:
                    MODES[k] = new.get(k, {})
                COUNTS.clear()
                ENDLESS[0] = 0
            return self.reply(200, {"ok": True})
        if url.path == "/_double/requests" and self.command == "GET":
            with LOCK:
                return self.reply(200, dict(COUNTS))
        target = self.headers.get("X-Amz-Target", "")
        op = target.rsplit(".", 1)[-1] if target else None
        if not op and self.command == "POST" and url.path == "/":
            op = form(body).get("Action")
        if not op and self.command == "GET":
            if url.path in APIGW_V1:
                op = APIGW_V1[url.path]
            elif url.path == "/v2/domainnames":
                op = "GetDomainNamesV2"
        if not op and self.command == "POST" and url.path == "/findings":
            op = "GetFindings"
        if op:
            self.count(op)
        handler = getattr(self, "on_" + op, None) if op else None
        if handler:
            return handler(body, url)
        self.send_forwarded(*self.forward(body))

    # ---- paging faults ------------------------------------------------------
    def first_page(self, request_token):
        return not request_token

    def json_page(self, body, listing, items_key, token_key, request_token):
        tok = next_token(listing)
        status, headers, data = self.forward(body)
        if tok is None or status != 200:
            return self.send_forwarded(status, headers, data)
        doc = json.loads(data or b"{}")
        if not self.first_page(request_token):
            doc[items_key] = []
        doc[token_key] = tok
        self.reply(200, doc, ctype=dict(headers).get("Content-Type", "application/json"))

    def on_ListCertificates(self, body, url):
        req = json.loads(body or b"{}")
        self.json_page(body, "ListCertificates", "CertificateSummaryList", "NextToken",
                       req.get("NextToken"))

    def on_ListAccounts(self, body, url):
        tok = next_token("ListAccounts")
        if tok is None:
            return self.send_forwarded(*self.forward(body))
        req = json.loads(body or b"{}")
        akid, _ = proxy.credential(self.headers)
        acct = proxy.account_of(akid)
        accounts = [] if req.get("NextToken") else [{
            "Id": acct, "Arn": "arn:aws:organizations::%s:account/o-fault/%s" % (acct, acct),
            "Name": "caller", "Email": "caller@example.com", "State": "ACTIVE",
            "Status": "ACTIVE"}]
        self.reply(200, {"Accounts": accounts, "NextToken": tok},
                   ctype="application/x-amz-json-1.1")

    def on_ListServerCertificates(self, body, url):
        tok = next_token("ListServerCertificates")
        status, headers, data = self.forward(body)
        if tok is None or status != 200:
            return self.send_forwarded(status, headers, data)
        text = data.decode()
        if form(body).get("Marker"):
            text = re.sub(r"<ServerCertificateMetadataList>.*</ServerCertificateMetadataList>",
                          "<ServerCertificateMetadataList/>", text, flags=re.S)
        text = re.sub(r"<IsTruncated>\w+</IsTruncated>", "", text)
        text = re.sub(r"<Marker>[^<]*</Marker>", "", text)
        text = text.replace("</ListServerCertificatesResult>",
                            "<IsTruncated>true</IsTruncated><Marker>%s</Marker>"
                            "</ListServerCertificatesResult>" % tok)
        self.send_forwarded(200, headers, text.encode())

    def rest_page(self, body, url, listing, token_key, request_key, items_key):
        q = dict(urllib.parse.parse_qsl(url.query))
        self.json_page(body, listing, items_key, token_key, q.get(request_key))

    def on_GetClientCertificates(self, body, url):
        # moto has no client certificates: none, paged as the mode says.
        tok = next_token("GetClientCertificates")
        self.reply(200, dict({"item": []}, **({"position": tok} if tok else {})))

    def on_GetRestApis(self, body, url):
        self.rest_page(body, url, "GetRestApis", "position", "position", "item")

    def on_GetDomainNames(self, body, url):
        self.rest_page(body, url, "GetDomainNames", "position", "position", "item")

    def on_GetDomainNamesV2(self, body, url):
        self.rest_page(body, url, "GetDomainNamesV2", "nextToken", "nextToken", "items")

    def on_GetFindings(self, body, url):
        tok = next_token("GetFindings")
        if tok is None:
            return self.send_forwarded(*self.forward(body))
        self.reply(200, {"Findings": [], "NextToken": tok})

    # ---- DescribeCertificate faults -------------------------------------------
    def on_DescribeCertificate(self, body, url):
        arn = json.loads(body or b"{}").get("CertificateArn")
        with LOCK:
            patch = MODES["describe"].get(arn)
            error = MODES["describe_error"].get(arn)
        if error is not None:
            return self.reply(400, {"__type": "InvalidArnException", "message": error},
                              ctype="application/x-amz-json-1.1")
        status, headers, data = self.forward(body)
        if not patch or status != 200:
            return self.send_forwarded(status, headers, data)
        doc = json.loads(data)
        doc["Certificate"].update(patch)
        self.send_forwarded(200, headers, raw_json(doc))


if __name__ == "__main__":
    proxy.serve(Handler, description="fault-injection double in front of moto")
