#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for the digest tests: Debian's aiosmtpd
(python3-aiosmtpd, run by /usr/bin/python3), STARTTLS required with the
given certificate, AUTH PLAIN/LOGIN with one user, every message saved as
a JSON file {mail_from, rcpt_tos, data} in OUTDIR; a recipient whose
address starts with "reject" gets 550 (a permanent refusal).  With
echo-auth, the base64 the client sent in AUTH (PLAIN's initial response,
LOGIN's user name and password) is quoted back in a 451 answer to DATA, as
a careless server might, and listed in OUTDIR/auth-blobs (JSON); with
only-PLAIN or only-LOGIN, AUTH offers that one mechanism.

usage: smtp_server.py PORT OUTDIR CERT KEY USER PASSWORD [echo-auth] [only-MECH]
"""
import base64
import json
import logging
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


class RecordingSMTP(SMTP):
    """Keeps every base64 blob of the AUTH exchange in session.auth_blobs."""

    def blob(self, b64):
        blobs = getattr(self.session, "auth_blobs", [])
        blobs.append(b64)
        self.session.auth_blobs = blobs

    async def smtp_AUTH(self, arg):
        parts = (arg or "").split()
        if len(parts) == 2:
            self.blob(parts[1])
        return await super().smtp_AUTH(arg)

    async def challenge_auth(self, challenge, encode_to_b64=True, log_client_response=False):
        r = await super().challenge_auth(challenge, encode_to_b64, log_client_response)
        if isinstance(r, bytes):
            self.blob(base64.b64encode(r).decode())
        return r


class RecordingController(Controller):
    def factory(self):
        return RecordingSMTP(self.handler, **self.SMTP_kwargs)


class Saver:
    def __init__(self, outdir, echo_auth=False):
        self.outdir = outdir
        self.n = 0
        self.echo_auth = echo_auth

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.echo_auth:
            blobs = getattr(session, "auth_blobs", [])
            with open(os.path.join(self.outdir, "auth-blobs.tmp"), "w") as f:
                json.dump(blobs, f)
            os.rename(os.path.join(self.outdir, "auth-blobs.tmp"),
                      os.path.join(self.outdir, "auth-blobs"))
            return "451 4.3.0 not now; you said AUTH %s" % " ".join(blobs)
        self.n += 1
        name = os.path.join(self.outdir, "%d-%06d.json" % (os.getpid(), self.n))
        with open(name + ".tmp", "w") as f:
            json.dump({"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                       "tls": session.ssl is not None,
                       "auth": session.authenticated,
                       "data": envelope.content.decode("utf-8", "replace")}, f)
        os.rename(name + ".tmp", name)
        return "250 OK saved"


def main():
    logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    port, outdir, cert, key, user, password = sys.argv[1:7]
    flags = sys.argv[7:]
    echo_auth = "echo-auth" in flags
    exclude = ["CRAM-MD5"]
    for only in ("PLAIN", "LOGIN"):
        if "only-" + only in flags:
            exclude += [m for m in ("PLAIN", "LOGIN") if m != only]
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)

    def auth(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and data.login.decode() == user \
            and data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    c = RecordingController(Saver(outdir, echo_auth), hostname="127.0.0.1", port=int(port),
                   tls_context=ctx, require_starttls=True, authenticator=auth,
                   auth_require_tls=True, auth_exclude_mechanism=exclude)
    c.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
