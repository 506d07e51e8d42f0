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
import urllib.parse

import proxy

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


class Handler(proxy.ProxyHandler):
    server_version = "sts-deny-proxy"

    def answer(self, body):
        form = urllib.parse.parse_qs(body.decode(errors="replace"))
        form.update(urllib.parse.parse_qs(self.url().query))
        if ORG_ERROR and self.headers.get("X-Amz-Target", "").startswith("AWSOrganizationsV20161128."):
            return self.reply(400, {"__type": ORG_ERROR,
                                    "Message": "Your account is not a member of an organization."},
                              ctype="application/x-amz-json-1.1")
        role = form.get("RoleArn", [""])[0]
        parts = role.split(":")
        if form.get("Action", [""])[0] == "AssumeRole" and len(parts) > 4 and parts[4] in DENY:
            return self.reply(403, (DENIED_XML % role).encode(), ctype="text/xml")
        self.send_forwarded(*self.forward(body))


def add_args(ap):
    ap.add_argument("--deny", default="")
    ap.add_argument("--org-error")


def configure(a):
    global ORG_ERROR
    ORG_ERROR = a.org_error
    DENY.update(x for x in a.deny.split(",") if x)


if __name__ == "__main__":
    proxy.serve(Handler, description="STS deny proxy", add_args=add_args, configure=configure)
