"""What certsweep's proxying test doubles share (127.0.0.1 only).

A double stands in front of moto for one AWS endpoint: it answers some
requests itself (or patches moto's answer) and forwards everything else to
moto unchanged (method, path, query, headers, body).  A double subclasses
ProxyHandler, overrides answer(body) and starts with serve():

    class Handler(proxy.ProxyHandler):
        server_version = "my-double"

        def answer(self, body):
            if ...:
                return self.reply(200, {"answer": 1})
            self.send_forwarded(*self.forward(body))

    proxy.serve(Handler, description="...")     # --port N --upstream URL

A test that wants such a proxy inside its own process (to record what the
program sent, say) starts one with start() and stops it with stop():

    srv, url = proxy.start(Handler, moto.url)
    ...
    proxy.stop(srv)
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

UPSTREAM = None          # urllib.parse.SplitResult of serve()'s --upstream
_ACCOUNTS = {}           # access key id -> account id
_LOCK = threading.Lock()


def credential(headers):
    """(access key id, region) from a SigV4 Authorization header."""
    m = re.search(r"Credential=([^/]+)/\d{8}/([^/]+)/", headers.get("Authorization", ""))
    if not m:
        return None, None
    return m.group(1), m.group(2)


def account_of(akid):
    """The account of an access key, as moto's STS GetCallerIdentity says
    (moto's assumed-role keys belong to the role's account); remembered."""
    if not akid:
        return None
    with _LOCK:
        if akid in _ACCOUNTS:
            return _ACCOUNTS[akid]
    body = urllib.parse.urlencode({"Action": "GetCallerIdentity", "Version": "2011-06-15"})
    # moto does not verify signatures: a request naming the key is enough.
    hdrs = {"Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=%s/20200101/us-east-1/sts/aws4_request, "
                             "SignedHeaders=host, Signature=0" % akid}
    status, _, data = upstream_request("POST", "/", body.encode(), hdrs)
    m = re.search(r"<Account>(\d{12})</Account>", data.decode(errors="replace"))
    acct = m.group(1) if status == 200 and m else None
    if acct:
        with _LOCK:
            _ACCOUNTS[akid] = acct
    return acct


def upstream_request(method, path, body, headers, upstream=None):
    """One request to moto (upstream, a urllib.parse.SplitResult; default
    UPSTREAM): (status, [(header, value)] without hop-by-hop headers, body
    bytes)."""
    up = upstream or UPSTREAM
    conn = http.client.HTTPConnection(up.hostname, up.port, timeout=60)
    try:
        hdrs = {k: v for k, v in headers.items() if k.lower() not in HOP_BY_HOP}
        hdrs["Host"] = "%s:%d" % (up.hostname, up.port)
        conn.request(method, path, body=body or None, headers=hdrs)
        resp = conn.getresponse()
        data = resp.read()
        return resp.status, [(k, v) for k, v in resp.getheaders()
                             if k.lower() not in HOP_BY_HOP], data
    finally:
        conn.close()


class ProxyHandler(BaseHTTPRequestHandler):
    """Forwards to its server's `upstream` (set by serve() and start())."""
    protocol_version = "HTTP/1.1"
    server_version = "proxy-double"

    def log_message(self, fmt, *args):
        if getattr(self.server, "quiet", False):
            return
        sys.stderr.write("%s: %s\n" % (self.server_version, fmt % args))

    # ---- reading ------------------------------------------------------------
    def read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def url(self):
        return urllib.parse.urlsplit(self.path)

    # ---- answering ----------------------------------------------------------
    def send_raw(self, status, data, headers=()):
        """An answer with exactly these headers and body bytes."""
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def reply(self, status, payload, ctype="application/json", headers=()):
        """payload: bytes, or a value sent as JSON."""
        data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        self.send_raw(status, data, [("Content-Type", ctype)] + list(headers))

    def forward(self, body):
        """This request, unchanged, to moto: (status, headers, data)."""
        return upstream_request(self.command, self.path, body, self.headers,
                                self.server.upstream)

    def send_forwarded(self, status, headers, data):
        self.send_raw(status, data, headers)

    # ---- dispatch -----------------------------------------------------------
    def answer(self, body):
        """Override: answer the request.  Default: forward it."""
        self.send_forwarded(*self.forward(body))

    def answer_any(self):
        self.answer(self.read_body())

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = answer_any


def serve(handler, description=None, add_args=None, configure=None):
    """Parses --port and --upstream (plus add_args(parser)), calls
    configure(args), then serves handler on 127.0.0.1 until killed."""
    global UPSTREAM
    ap = argparse.ArgumentParser(description=description)
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--upstream", required=True, help="moto's URL")
    if add_args:
        add_args(ap)
    a = ap.parse_args()
    UPSTREAM = urllib.parse.urlsplit(a.upstream)
    if configure:
        configure(a)
    _server(handler, a.port, UPSTREAM, quiet=False).serve_forever()


def _server(handler, port, upstream, quiet):
    srv = ThreadingHTTPServer(("127.0.0.1", port), handler)
    srv.daemon_threads = True
    srv.upstream = upstream
    srv.quiet = quiet
    return srv


def start(handler, upstream, quiet=True):
    """Serves handler (a ProxyHandler) in front of the upstream URL on a
    free 127.0.0.1 port, in a daemon thread of this process; the requests
    are not logged unless quiet is false.  Returns (server, its URL)."""
    srv = _server(handler, 0, urllib.parse.urlsplit(upstream), quiet)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    return srv, "http://127.0.0.1:%d" % srv.server_address[1]


def stop(srv):
    """Stops a server start() returned and closes its socket."""
    srv.shutdown()
    srv.server_close()
