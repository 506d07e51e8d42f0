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
   "deny_client_certificates": ["<account>", ...],
   "page_size": N}             (pages at most N long, whatever the limit)
Requests from a deny_accounts account get 403 AccessDeniedException, as
when the scanning role lacks apigateway:GET; GET /clientcertificates from a
deny_client_certificates account gets it too (a policy that denies
GetClientCertificates alone), everything else of that account is served.
GET /_double/requests returns the client-certificate requests seen
(account, region, query) so tests can check paging; GET
/_double/requests?all=1 every API Gateway request since the last state
(method, path, region), so tests can count GetRestApis and GetStages.

Usage: apigw_clientcert_double.py --port N --upstream http://127.0.0.1:M
"""
import json
import re
import threading
import urllib.parse

import proxy

STATE = {"client_certificates": {}, "stage_client_certificates": {}, "deny_accounts": [],
         "deny_client_certificates": [], "page_size": None}
REQUESTS = []
ALL_REQUESTS = []
LOCK = threading.Lock()


def denied(handler, acct, what):
    handler.send_error_json(403, "AccessDeniedException",
                            "User: arn:aws:sts::%s:assumed-role/CertSweepAudit/certsweep is not "
                            "authorized to perform: %s" % (acct, what))


class Handler(proxy.ProxyHandler):
    server_version = "apigw-double"

    def send_error_json(self, status, code, message):
        self.reply(status, {"message": message}, headers=[("X-Amzn-ErrorType", code)])

    def answer(self, body):
        url = self.url()
        if url.path == "/_double/state" and self.command == "POST":
            new = json.loads(body or b"{}")
            with LOCK:
                for k, default in (("client_certificates", {}), ("stage_client_certificates", {}),
                                   ("deny_accounts", []), ("deny_client_certificates", []),
                                   ("page_size", None)):
                    STATE[k] = new.get(k, default)
                REQUESTS.clear()
                ALL_REQUESTS.clear()
            return self.reply(200, {"ok": True})
        if url.path == "/_double/requests" and self.command == "GET":
            every = urllib.parse.parse_qs(url.query).get("all") == ["1"]
            with LOCK:
                return self.reply(200, list(ALL_REQUESTS if every else REQUESTS))
        akid, region = proxy.credential(self.headers)
        with LOCK:
            ALL_REQUESTS.append({"method": self.command, "path": url.path, "region": region})
        with LOCK:
            deny = list(STATE["deny_accounts"])
            deny_cc = list(STATE["deny_client_certificates"])
        acct = proxy.account_of(akid) if (deny or deny_cc) and akid else None
        if acct and acct in deny:
            return denied(self, acct, "apigateway:GET")
        if url.path == "/clientcertificates" and self.command == "GET":
            return self.client_certificates(akid, region, url)
        status, headers, data = self.forward(body)
        m = re.fullmatch(r"/restapis/([^/]+)/stages", url.path)
        if m and self.command == "GET" and status == 200:
            acct = proxy.account_of(akid)
            with LOCK:
                links = dict(STATE["stage_client_certificates"].get(acct, {}).get(region, {}))
            doc = json.loads(data)
            for st in doc.get("item", []):
                cc = links.get("%s/%s" % (m.group(1), st.get("stageName")))
                if cc:
                    st["clientCertificateId"] = cc
            data = json.dumps(doc).encode()
        self.send_forwarded(status, headers, data)

    def client_certificates(self, akid, region, url):
        acct = proxy.account_of(akid)
        if not acct:
            return self.send_error_json(403, "UnrecognizedClientException",
                                        "The security token included in the request is invalid.")
        q = urllib.parse.parse_qs(url.query)
        with LOCK:
            REQUESTS.append({"account": acct, "region": region, "query": url.query})
            items = list(STATE["client_certificates"].get(acct, {}).get(region, []))
            page_size = STATE["page_size"]
            deny_cc = acct in STATE["deny_client_certificates"]
        if deny_cc:
            return denied(self, acct, "apigateway:GET on resource: "
                          "arn:aws:apigateway:%s::/clientcertificates" % region)
        limit = int(q.get("limit", ["25"])[0])
        if page_size:
            limit = min(limit, page_size)
        start = int(q.get("position", ["0"])[0])
        page = items[start:start + limit]
        out = {"item": page}
        if start + limit < len(items):
            out["position"] = str(start + limit)
        return self.reply(200, out)


if __name__ == "__main__":
    proxy.serve(Handler, description="API Gateway client-certificate double")
