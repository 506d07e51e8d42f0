#!/usr/bin/env python3
"""STS double for certsweep's integration tests (127.0.0.1 only).

Forwards every request to moto untouched, except AssumeRole into a role of
one of the --deny accounts, which it answers as STS does when the role's
trust policy does not let the caller in: HTTP 403 with a query-protocol
<ErrorResponse> whose code is AccessDenied.

With --org-error CODE it also answers every AWS Organizations call (JSON
protocol, X-Amz-Target AWSOrganizationsV20161128.*) with that error, as
AWS does for an account outside any organization
(AWSOrganizationsNotInUseException) or without permission (AccessDenied-
Exception); point AWS_ENDPOINT_URL_ORGANIZATIONS at it.

Usage: sts_deny_proxy.py --port N --upstream http://127.0.0.1:M
                         [--deny 111122223333[,...]] [--org-error CODE]
"""
import json
import argparse
import http.client
import sys
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOP_BY_HOP = {"connection", "keep-alive", "proxy-authenticate", "proxy-authorization",
              "te", "trailers", "transfer-encoding", "upgrade", "host", "content-length"}
UPSTREAM = None
DENY = set()
ORG_ERROR = None
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


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "sts-deny-proxy"

    def log_message(self, fmt, *args):
        sys.stderr.write("sts-deny-proxy: %s\n" % (fmt % args))

    def handle_any(self):
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        form.update(urllib.parse.parse_qs(urllib.parse.urlsplit(self.path).query))
        if ORG_ERROR and self.headers.get("X-Amz-Target", "").startswith("AWSOrganizationsV20161128."):
            data = json.dumps({"__type": ORG_ERROR,
                               "Message": "Your account is not a member of an organization."}).encode()
            self.send_response(400)
            self.send_header("Content-Type", "application/x-amz-json-1.1")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        role = form.get("RoleArn", [""])[0]
        parts = role.split(":")
        if form.get("Action", [""])[0] == "AssumeRole" and len(parts) > 4 and parts[4] in DENY:
            data = (DENIED_XML % role).encode()
            self.send_response(403)
            self.send_header("Content-Type", "text/xml")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
            return
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        try:
            hdrs = {k: v for k, v in self.headers.items() if k.lower() not in HOP_BY_HOP}
            hdrs["Host"] = "%s:%d" % (UPSTREAM.hostname, UPSTREAM.port)
            conn.request(self.command, self.path, body=body or None, headers=hdrs)
            resp = conn.getresponse()
            data = resp.read()
            self.send_response(resp.status)
            for k, v in resp.getheaders():
                if k.lower() not in HOP_BY_HOP:
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        finally:
            conn.close()

    do_GET = do_POST = handle_any


def main():
    global UPSTREAM
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--deny", default="")
    ap.add_argument("--org-error")
    a = ap.parse_args()
    global ORG_ERROR
    ORG_ERROR = a.org_error
    UPSTREAM = urllib.parse.urlsplit(a.upstream)
    DENY.update(x for x in a.deny.split(",") if x)
    srv = ThreadingHTTPServer(("127.0.0.1", a.port), Handler)
    srv.daemon_threads = True
    srv.serve_forever()


if __name__ == "__main__":
    main()
