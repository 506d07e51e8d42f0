#!/usr/bin/env python3
"""API Gateway double for certsweep's integration tests (127.0.0.1 only).

moto has no API Gateway client certificates (GET /clientcertificates is a
404) and drops a stage's clientCertificateId.  This double stands in front
of moto for the API Gateway endpoint only (AWS_ENDPOINT_URL_API_GATEWAY):

  GET /clientcertificates        served here from seeded state (limit and
                                 position paging as API Gateway does)
  GET /restapis/{id}/stages      forwarded to moto; clientCertificateId of
                                 each stage added from seeded state
  anything else                  forwarded to moto untouched (method, path,
                                 query, headers, body)

The account of a request is that of its access key (Credential=AKID/... in
the Authorization header): moto's assumed-role keys belong to the role's
account.  The double asks moto's STS GetCallerIdentity with that key once
and remembers the answer.  The region comes from the credential scope.

State is seeded with POST /_double/state (JSON, replaces the state):
  {"client_certificates": {"<account>": {"<region>": [
        {"clientCertificateId": "...", "createdDate": 1700000000,
         "expirationDate": 1731536000, "description": "..."}]}},
   "stage_client_certificates": {"<account>": {"<region>": {
        "<restApiId>/<stageName>": "<clientCertificateId>"}}},
   "deny_accounts": ["<account>", ...],
   "page_size": N}             (pages at most N long, whatever the limit)
Requests from a deny_accounts account get 403 AccessDeniedException, as
when the scanning role lacks apigateway:GET.
GET /_double/requests returns the client-certificate requests seen
(account, region, query) so tests can check paging.

Usage: apigw_clientcert_double.py --port N --upstream http://127.0.0.1:M
"""
import argparse
import http.client
import json
import re
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
              "te", "trailers", "transfer-encoding", "upgrade", "host", "content-length"}

STATE = {"client_certificates": {}, "stage_client_certificates": {}, "deny_accounts": [],
         "page_size": None}
REQUESTS = []
ACCOUNTS = {}
LOCK = threading.Lock()
UPSTREAM = None


def credential(headers):
    """(access key id, region) from a SigV4 Authorization header."""
    auth = headers.get("Authorization", "")
    m = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/", auth)
    if not m:
        return None, None
    return m.group(1), m.group(2)


def account_of(akid):
    with LOCK:
        if akid in ACCOUNTS:
            return ACCOUNTS[akid]
    body = urllib.parse.urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    # moto does not verify signatures: a request naming the key is enough.
    hdrs = {"Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=%s/20200101/us-east-1/sts/aws4_request, "
                             "SignedHeaders=host, Signature=0" % akid}
    conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=30)
    try:
        conn.request("POST", "/", body=body, headers=hdrs)
        text = conn.getresponse().read().decode()
    finally:
        conn.close()
    m = re.search(r"<Account>(\d{12})</Account>", text)
    acct = m.group(1) if m else None
    if acct:
        with LOCK:
            ACCOUNTS[akid] = acct
    return acct


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "apigw-double"

    def log_message(self, fmt, *args):
        sys.stderr.write("apigw-double: %s\n" % (fmt % args))

    def body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def reply(self, status, payload, ctype="application/json"):
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def forward(self, body):
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        try:
            hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            hdrs["Host"] = "%s:%d" % (UPSTREAM.hostname, UPSTREAM.port)
            conn.request(self.command, self.path, body=body or None, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            return resp.status, [(k, v) for k, v in resp.getheaders()
                                 if k.lower() not in HOP_BY_HOP], data
        finally:
            conn.close()

    def send_forwarded(self, status, headers, data):
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self):
        body = self.body()
        url = urllib.parse.urlsplit(self.path)
        if url.path == "/_double/state" and self.command == "POST":
            new = json.loads(body or b"{}")
            with LOCK:
                STATE["client_certificates"] = new.get("client_certificates", {})
                STATE["stage_client_certificates"] = new.get("stage_client_certificates", {})
                STATE["deny_accounts"] = new.get("deny_accounts", [])
                STATE["page_size"] = new.get("page_size")
                REQUESTS.clear()
            return self.reply(200, {"ok": True})
        if url.path == "/_double/requests" and self.command == "GET":
            with LOCK:
                return self.reply(200, list(REQUESTS))
        akid, region = credential(self.headers)
        with LOCK:
            deny = list(STATE["deny_accounts"])
        if deny and akid and account_of(akid) in deny:
            return self.send_error_json(403, "AccessDeniedException",
                                        "User: arn:aws:sts::%s:assumed-role/CertSweepAudit/certsweep is not "
                                        "authorized to perform: apigateway:GET" % account_of(akid))
        if url.path == "/clientcertificates" and self.command == "GET":
            acct = account_of(akid) if akid else None
            if not acct:
                return self.send_error_json(403, "UnrecognizedClientException",
                                            "The security token included in the request is invalid.")
            q = urllib.parse.parse_qs(url.query)
            with LOCK:
                REQUESTS.append({"account": acct, "region": region, "query": url.query})
                items = list(STATE["client_certificates"].get(acct, {}).get(region, []))
                page_size = STATE["page_size"]
            limit = int(q.get("limit", ["25"])[0])
            if page_size:
                limit = min(limit, page_size)
            start = int(q.get("position", ["0"])[0])
            page = items[start:start + limit]
            out = {"item": page}
            if start + limit < len(items):
                out["position"] = str(start + limit)
            return self.reply(200, out)
        status, headers, data = self.forward(body)
        m = re.fullmatch(r"/restapis/([^/]+)/stages", url.path)
        if m and self.command == "GET" and status == 200:
            acct = account_of(akid) if akid else None
            with LOCK:
                links = dict(STATE["stage_client_certificates"].get(acct, {}).get(region, {}))
            doc = json.loads(data)
            for st in doc.get("item", []):
                cc = links.get("%s/%s" % (m.group(1), st.get("stageName")))
                if cc:
                    st["clientCertificateId"] = cc
            data = json.dumps(doc).encode()
        self.send_forwarded(status, headers, data)

    def send_error_json(self, status, code, message):
        data = json.dumps({"message": message}).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Amzn-ErrorType", code)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = handle_any


def main():
    global UPSTREAM
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    a = ap.parse_args()
    UPSTREAM = urllib.parse.urlsplit(a.upstream)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
