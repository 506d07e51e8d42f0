#!/usr/bin/python3
"""A real SMTP server on 127.0.0.1 for the digest tests: Debian's aiosmtpd
(python3-aiosmtpd, run by /usr/bin/python3), STARTTLS required with the
given certificate, AUTH PLAIN/LOGIN with one user, every message saved as
a JSON file {mail_from, rcpt_tos, data} in OUTDIR; a recipient whose
address starts with "reject" gets 550 (a permanent refusal).

usage: smtp_server.py PORT OUTDIR CERT KEY USER PASSWORD
"""
import json
import logging
import os
import ssl
import sys
import time

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Saver:
    def __init__(self, outdir):
        self.outdir = outdir
        self.n = 0

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("reject"):
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
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
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(cert, key)

    def auth(server, session, envelope, mechanism, data):
        ok = isinstance(data, LoginPassword) and data.login.decode() == user \
            and data.password.decode() == password
        return AuthResult(success=ok, handled=False)

    c = Controller(Saver(outdir), hostname="127.0.0.1", port=int(port),
                   tls_context=ctx, require_starttls=True, authenticator=auth,
                   auth_require_tls=True, auth_exclude_mechanism=["CRAM-MD5"])
    c.start()
    try:
        while True:
            time.sleep(3600)
    finally:
        c.stop()


if __name__ == "__main__":
    main()
