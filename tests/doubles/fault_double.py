"""A fault-injection double in front of moto (127.0.0.1 only).

One server, one mode per fault; a request the mode does not pick is
forwarded to moto unchanged.  A mode picks requests whose operation (the
X-Amz-Target suffix, the query/form Action, or the path) contains --match
(default: every request).  Modes:

  pass          forward everything (a plain proxy)
  slow          wait --delay seconds (default 30), then forward: a scan
                that is still reading when a signal arrives
  echo-headers  answer 400 with an AWS error whose message quotes every
                request header, as a careless server or proxy might
                (X-Amz-Security-Token and Authorization included)

Add a fault as a new entry of MODES: a function (handler, body) that
answers the request and returns True, or returns False to forward it.

Standalone:  fault_double.py --port N --upstream MOTO_URL --mode slow
In-process:  srv, url = fault_double.start(moto_url, "echo-headers")
             srv.fault["requests"] lists (operation, body) of every request.
"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import proxy  # noqa: E402


def operation(handler, body):
    target = handler.headers.get("X-Amz-Target", "")
    if target:
        return target.rsplit(".", 1)[-1]
    q = urllib.parse.parse_qs(handler.url().query)
    if "Action" in q:
        return q["Action"][0]
    ctype = handler.headers.get("Content-Type", "")
    if body and "x-www-form-urlencoded" in ctype:
        f = urllib.parse.parse_qs(body.decode(errors="replace"))
        if "Action" in f:
            return f["Action"][0]
    return handler.url().path


def mode_pass(handler, body):
    return False


def mode_slow(handler, body):
    time.sleep(handler.server.fault["delay"])
    return False


def mode_echo_headers(handler, body):
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


MODES = {
    "pass": mode_pass,
    "slow": mode_slow,
    "echo-headers": mode_echo_headers,
}


class FaultHandler(proxy.ProxyHandler):
    server_version = "fault-double"

    def answer(self, body):
        fault = self.server.fault
        match = fault.get("match")
        op = operation(self, body)
        with proxy._LOCK:
            fault["requests"].append((op, body))
        if (match is None or match in op) and MODES[fault["mode"]](self, body):
            return
        self.send_forwarded(*self.forward(body))


def configure(srv, mode, match=None, delay=30.0):
    if mode not in MODES:
        raise ValueError("unknown mode %r (known: %s)" % (mode, ", ".join(MODES)))
    srv.fault = {"mode": mode, "match": match, "delay": delay,
                 "requests": []}      # (operation, body bytes) of every request seen


def start(upstream, mode, match=None, delay=30.0, quiet=True):
    """In this process: (server, url); stop with proxy.stop(server)."""
    srv, url = proxy.start(FaultHandler, upstream, quiet=quiet)
    configure(srv, mode, match, delay)
    return srv, url


def main():
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True)
    ap.add_argument("--mode", choices=sorted(MODES), required=True)
    ap.add_argument("--match", default=None)
    ap.add_argument("--delay", type=float, default=30.0)
    a = ap.parse_args()
    proxy.UPSTREAM = urllib.parse.urlsplit(a.upstream)
    srv = proxy._server(FaultHandler, a.port, proxy.UPSTREAM, quiet=False)
    configure(srv, a.mode, a.match, a.delay)
    srv.serve_forever()


if __name__ == "__main__":
    main()
