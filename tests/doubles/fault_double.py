#!/usr/bin/env python3
"""The fault-injection double: one server in front of moto (127.0.0.1 only).

It stands in for every AWS endpoint (AWS_ENDPOINT_URL) and forwards each
request to moto unchanged unless an active mode picks it.  One mode per
fault; several may be active at once (a request goes through them in the
order below, and the first that answers wins).  A mode's settings:

  slow           {"match": OP, "delay": SECONDS (default 30)}
                 Waits, then forwards: a scan that is still reading when a
                 signal arrives.
  hold           {"match": OP, "body": TEXT, "until": [[OP2, TEXT2], ...],
                  "timeout": SECONDS (default 20)}
                 Holds each picked request (its operation contains OP and,
                 when "body" is given, its body contains TEXT) until, for
                 every pair of "until", a request whose operation contains
                 OP2 and whose body contains TEXT2 has arrived, or until
                 the timeout; then forwards it.  srv.fault["held"] gets one
                 entry per picked request: "until" (released by those
                 requests) or "timeout".  Shows what a scan sends while it
                 still waits for an answer, without timing anything.
  echo-headers   {"match": OP}
                 Answers 400 with an AWS error (JSON or query-protocol XML,
                 as the service speaks) whose message quotes every request
                 header, X-Amz-Security-Token and Authorization included, as
                 a careless server or proxy might.
  deny           {"match": OP}
                 Answers as AWS does for a caller whose policy lacks the
                 action: 400 AccessDeniedException (JSON protocols) or 403
                 AccessDenied (query protocols, <ErrorResponse>).
  deny-assume-role {"accounts": ["111122223333", ...]}
                 STS AssumeRole into a role of one of these accounts answers
                 as STS does when the role's trust policy does not let the
                 caller in: HTTP 403, query-protocol <ErrorResponse>, code
                 AccessDenied.
  org-error      {"code": "AWSOrganizationsNotInUseException"}
                 Every AWS Organizations call (X-Amz-Target
                 AWSOrganizationsV20161128.*) answers 400 with this code, as
                 AWS does for an account outside any organization (or
                 AccessDeniedException, without permission).
  describe-error {"<certificate ARN>": "<message>"}
                 ACM DescribeCertificate answers 400 InvalidArnException
                 with this message (remote text quoted in a warning).
  describe       {"<certificate ARN>": {"<member>": value, ...}}
                 ACM DescribeCertificate: moto's answer with these
                 Certificate members set over it.  A value {"raw": "<hex>"}
                 is written as those raw bytes inside the JSON string
                 (invalid UTF-8, an embedded NUL escape, ...).
  paging         {"<listing>": "repeat" | "endless" | "fail", ...}
                 A paginated listing that never ends.  The first page is
                 moto's answer (or, for ListAccounts, GetFindings and
                 GetClientCertificates, which moto lacks, one the double
                 makes); every later page is empty.  "repeat" hands out the
                 token "SAME" on every page; "endless" a new one each time
                 ("endless-1", "endless-2", ...).  "fail" (ListAccounts
                 only): the first page hands out a token and the next
                 answers 400 InvalidInputException.  Listings:
                   ListCertificates (ACM), ListServerCertificates (IAM,
                   Marker), ListAccounts (Organizations),
                   GetClientCertificates, GetRestApis, GetDomainNames (API
                   Gateway v1, position), GetDomainNamesV2 (API Gateway v2,
                   nextToken), GetFindings (Security Hub).

No mode active: a plain proxy (except API Gateway GetClientCertificates,
which moto lacks: the double answers it, with no client certificates).  OP (match) picks requests whose operation
(the X-Amz-Target suffix, the query/form Action, the API Gateway listing or
the path) contains it; without match the mode picks every request.

Control (HTTP, on the double's own port):
  POST /_double/mode      {"<mode>": settings, ...}  replaces every mode and
                          clears what was recorded
  GET  /_double/requests  {"<operation>": count, ...}

Standalone:  fault_double.py --port N --upstream MOTO_URL [--modes JSON]
In-process:  srv, url = fault_double.start(moto_url, {"slow": {"match": "X"}})
             srv.fault["requests"]: (operation, body bytes) of every request;
             srv.fault["hit"]: a threading.Event set when a mode first acts;
             proxy.stop(srv) ends it.

Add a fault as a new function in MODES: (handler, op, body, settings) ->
True when it answered the request, False to pass it on.
"""
import json
import os
import re
import sys
import threading
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy  # noqa: E402

APIGW_V1 = {"/clientcertificates": "GetClientCertificates", "/restapis": "GetRestApis",
            "/domainnames": "GetDomainNames"}


def form(body):
    return dict(urllib.parse.parse_qsl(body.decode(errors="replace")))


def operation(handler, body):
    """The AWS operation a request names (or its path)."""
    url = handler.url()
    target = handler.headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    q = dict(urllib.parse.parse_qsl(url.query))
    if "Action" in q:
        return q["Action"]
    if body and "x-www-form-urlencoded" in handler.headers.get("Content-Type", ""):
        if "Action" in form(body):
            return form(body)["Action"]
    if handler.command == "GET" and url.path in APIGW_V1:
        return APIGW_V1[url.path]
    if handler.command == "GET" and url.path == "/v2/domainnames":
        return "GetDomainNamesV2"
    if handler.command == "POST" and url.path == "/findings":
        return "GetFindings"
    return url.path


def picks(op, settings):
    match = settings.get("match")
    return match is None or match in op


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


# ---- slow, echo-headers ----------------------------------------------------
def mode_slow(handler, op, body, settings):
    if picks(op, settings):
        handler.server.fault["hit"].set()
        time.sleep(float(settings.get("delay", 30)))
    return False


def mode_hold(handler, op, body, settings):
    if not picks(op, settings) or settings.get("body", "").encode() not in (body or b""):
        return False
    fault = handler.server.fault
    fault["hit"].set()
    until = [(o, t.encode()) for o, t in settings.get("until", [])]

    def arrived():
        return all(any(o in rop and t in rbody for rop, rbody in fault["requests"])
                   for o, t in until)
    with fault["arrived"]:
        ok = fault["arrived"].wait_for(arrived, timeout=float(settings.get("timeout", 20)))
        fault["held"].append("until" if ok else "timeout")
    return False


def mode_echo_headers(handler, op, body, settings):
    if not picks(op, settings):
        return False
    handler.server.fault["hit"].set()
    quoted = "; ".join("%s: %s" % (k, v) for k, v in handler.headers.items())
    msg = "Request rejected. We received these headers: " + quoted
    if handler.headers.get("X-Amz-Target"):
        handler.reply(400, {"__type": "InvalidRequestException", "message": msg},
                      ctype="application/x-amz-json-1.1")
    else:
        xml = ("<ErrorResponse><Error><Type>Sender</Type><Code>InvalidRequest</Code>"
               "<Message>%s</Message></Error><RequestId>1</RequestId></ErrorResponse>"
               % msg.replace("&", "&amp;").replace("<", "&lt;"))
        handler.reply(400, xml.encode(), ctype="text/xml")
    return True


# ---- deny, deny-assume-role, org-error --------------------------------------------
def mode_deny(handler, op, body, settings):
    if not picks(op, settings):
        return False
    handler.server.fault["hit"].set()
    msg = ("User: arn:aws:sts::123456789012:assumed-role/CertSweepAudit/certsweep is not "
           "authorized to perform: %s" % op)
    if handler.headers.get("X-Amz-Target"):
        handler.reply(400, {"__type": "AccessDeniedException", "message": msg},
                      ctype="application/x-amz-json-1.1")
    else:
        xml = ("<ErrorResponse><Error><Type>Sender</Type><Code>AccessDenied</Code>"
               "<Message>%s</Message></Error><RequestId>1</RequestId></ErrorResponse>" % msg)
        handler.reply(403, xml.encode(), ctype="text/xml")
    return True



DENIED_XML = (
    '<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">\n'
    '  <Error>\n'
    '    <Type>Sender</Type>\n'
    '    <Code>AccessDenied</Code>\n'
    '    <Message>User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: '
    'sts:AssumeRole on resource: %s</Message>\n'
    '  </Error>\n'
    '  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n'
    '</ErrorResponse>\n')


def mode_deny_assume_role(handler, op, body, settings):
    if op != "AssumeRole":
        return False
    params = form(body)
    params.update(dict(urllib.parse.parse_qsl(handler.url().query)))
    role = params.get("RoleArn", "")
    parts = role.split(":")
    if len(parts) <= 4 or parts[4] not in settings.get("accounts", []):
        return False
    handler.server.fault["hit"].set()
    handler.reply(403, (DENIED_XML % role).encode(), ctype="text/xml")
    return True


def mode_org_error(handler, op, body, settings):
    if not handler.headers.get("X-Amz-Target", "").startswith("AWSOrganizationsV20161128."):
        return False
    handler.server.fault["hit"].set()
    handler.reply(400, {"__type": settings["code"],
                        "Message": "Your account is not a member of an organization."},
                  ctype="application/x-amz-json-1.1")
    return True


# ---- describe-error, describe ----------------------------------------------
def mode_describe_error(handler, op, body, settings):
    if op != "DescribeCertificate":
        return False
    error = settings.get(json.loads(body or b"{}").get("CertificateArn"))
    if error is None:
        return False
    handler.server.fault["hit"].set()
    handler.reply(400, {"__type": "InvalidArnException", "message": error},
                  ctype="application/x-amz-json-1.1")
    return True


def mode_describe(handler, op, body, settings):
    if op != "DescribeCertificate":
        return False
    patch = settings.get(json.loads(body or b"{}").get("CertificateArn"))
    if not patch:
        return False
    status, headers, data = handler.forward(body)
    if status != 200:
        handler.send_forwarded(status, headers, data)
        return True
    handler.server.fault["hit"].set()
    doc = json.loads(data)
    doc["Certificate"].update(patch)
    handler.send_forwarded(200, headers, raw_json(doc))
    return True


# ---- paging ------------------------------------------------------------------
def next_token(handler, how):
    """The token a page of a faulty listing hands out."""
    fault = handler.server.fault
    if how == "endless":
        with fault["lock"]:
            fault["endless"] += 1
            return "endless-%d" % fault["endless"]
    return "SAME"


def json_page(handler, body, tok, items_key, token_key, request_token):
    status, headers, data = handler.forward(body)
    if status != 200:
        return handler.send_forwarded(status, headers, data)
    doc = json.loads(data or b"{}")
    if request_token:
        doc[items_key] = []
    doc[token_key] = tok
    handler.reply(200, doc, ctype=dict(headers).get("Content-Type", "application/json"))


def page_acm(handler, body, tok):
    json_page(handler, body, tok, "CertificateSummaryList", "NextToken",
              json.loads(body or b"{}").get("NextToken"))


def page_organizations(handler, body, tok):
    req = json.loads(body or b"{}")
    akid, _ = proxy.credential(handler.headers)
    acct = proxy.account_of(akid)
    accounts = [] if req.get("NextToken") else [{
        "Id": acct, "Arn": "arn:aws:organizations::%s:account/o-fault/%s" % (acct, acct),
        "Name": "caller", "Email": "caller@example.com", "State": "ACTIVE",
        "Status": "ACTIVE"}]
    handler.reply(200, {"Accounts": accounts, "NextToken": tok},
                  ctype="application/x-amz-json-1.1")


def page_iam(handler, body, tok):
    status, headers, data = handler.forward(body)
    if status != 200:
        return handler.send_forwarded(status, headers, data)
    text = data.decode()
    if form(body).get("Marker"):
        text = re.sub(r"<ServerCertificateMetadataList>.*</ServerCertificateMetadataList>",
                      "<ServerCertificateMetadataList/>", text, flags=re.S)
    text = re.sub(r"<IsTruncated>\w+</IsTruncated>", "", text)
    text = re.sub(r"<Marker>[^<]*</Marker>", "", text)
    text = text.replace("</ListServerCertificatesResult>",
                        "<IsTruncated>true</IsTruncated><Marker>%s</Marker>"
                        "</ListServerCertificatesResult>" % tok)
    handler.send_forwarded(200, headers, text.encode())


def page_rest(token_key, items_key):
    def page(handler, body, tok):
        q = dict(urllib.parse.parse_qsl(handler.url().query))
        json_page(handler, body, tok, items_key, token_key, q.get(token_key))
    return page


def page_client_certificates(handler, body, tok):
    # moto has no client certificates: none, paged as the mode says.
    handler.reply(200, {"item": [], "position": tok})


def page_findings(handler, body, tok):
    handler.reply(200, {"Findings": [], "NextToken": tok})


LISTINGS = {
    "ListCertificates": page_acm,
    "ListAccounts": page_organizations,
    "ListServerCertificates": page_iam,
    "GetClientCertificates": page_client_certificates,
    "GetRestApis": page_rest("position", "item"),
    "GetDomainNames": page_rest("position", "item"),
    "GetDomainNamesV2": page_rest("nextToken", "items"),
    "GetFindings": page_findings,
}


def mode_paging(handler, op, body, settings):
    how = settings.get(op)
    if how not in ("repeat", "endless", "fail") or op not in LISTINGS:
        return False
    handler.server.fault["hit"].set()
    if how == "fail" and op == "ListAccounts" and json.loads(body or b"{}").get("NextToken"):
        handler.reply(400, {"__type": "InvalidInputException",
                            "Message": "You provided a value that does not match the "
                                       "required pattern.", "Reason": "INVALID_NEXT_TOKEN"},
                      ctype="application/x-amz-json-1.1")
        return True
    if how == "fail":
        how = "repeat"
    LISTINGS[op](handler, body, next_token(handler, how))
    return True


MODES = {                 # in the order a request goes through them
    "slow": mode_slow,
    "hold": mode_hold,
    "echo-headers": mode_echo_headers,
    "deny": mode_deny,
    "deny-assume-role": mode_deny_assume_role,
    "org-error": mode_org_error,
    "describe-error": mode_describe_error,
    "describe": mode_describe,
    "paging": mode_paging,
}


class FaultHandler(proxy.ProxyHandler):
    server_version = "fault-double"

    def answer(self, body):
        fault = self.server.fault
        url = self.url()
        if url.path == "/_double/mode" and self.command == "POST":
            configure(self.server, json.loads(body or b"{}"))
            return self.reply(200, {"ok": True})
        if url.path == "/_double/requests" and self.command == "GET":
            with fault["lock"]:
                return self.reply(200, dict(fault["counts"]))
        op = operation(self, body)
        with fault["arrived"]:
            fault["requests"].append((op, body))
            fault["counts"][op] = fault["counts"].get(op, 0) + 1
            modes = dict(fault["modes"])
            fault["arrived"].notify_all()
        for name, fn in MODES.items():
            if name in modes and fn(self, op, body, modes[name]):
                return
        if op == "GetClientCertificates":       # moto lacks it: none
            return self.reply(200, {"item": []})
        self.send_forwarded(*self.forward(body))


def configure(srv, modes):
    """Replaces every mode of srv ({"<mode>": settings}) and clears what
    was recorded."""
    unknown = set(modes) - set(MODES)
    if unknown:
        raise ValueError("unknown mode(s) %s (known: %s)" % (sorted(unknown), ", ".join(MODES)))
    old = getattr(srv, "fault", None)
    lock = old["lock"] if old else threading.Lock()
    srv.fault = {"modes": dict(modes), "requests": [], "counts": {}, "endless": 0,
                 "lock": lock, "arrived": threading.Condition(lock),
                 "hit": threading.Event(), "held": []}


def start(upstream, modes=None, quiet=True):
    """In this process: (server, url); stop with proxy.stop(server)."""
    srv, url = proxy.start(FaultHandler, upstream, quiet=quiet)
    configure(srv, modes or {})
    return srv, url


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True, help="moto's URL")
    ap.add_argument("--modes", default="{}", help='JSON: {"<mode>": settings, ...}')
    a = ap.parse_args()
    proxy.UPSTREAM = urllib.parse.urlsplit(a.upstream)
    srv = proxy._server(FaultHandler, a.port, proxy.UPSTREAM, quiet=False)
    configure(srv, json.loads(a.modes))
    srv.serve_forever()


if __name__ == "__main__":
    main()
