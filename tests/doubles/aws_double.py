#!/usr/bin/env python3
"""A small programmable AWS-like HTTP/1.1 server for transport tests.

Listens on 127.0.0.1 (a free port unless --port is given), keeps connections
alive, and prints "PORT <n>" on stdout once it accepts connections.

Behaviour is a script: a list of steps answered in order, one request per
use; a step with "times": N answers N requests; the last step repeats
forever.  Step fields (all optional):

  status      HTTP status (200)
  json        object sent as the JSON body (Content-Type application/x-amz-json-1.1)
  body        string body
  body_size   send a body of this many bytes
  headers     extra response headers, e.g. {"Retry-After": "1"}
  sleep       seconds to wait before answering
  times       how many requests this step answers (1)

With --tls-cert/--tls-key it serves HTTPS instead (HTTP/1.1 only).

A program may also give a script per request path, for tests that drive
several "accounts" at once: {"steps": [...], "paths": {"/a": [...], ...}};
a request whose path has its own script uses that one, any other request
the default "steps".

Give the script with --script '<json>' or program it at run time:

  POST /__double/program   body: {"steps": [...], "paths": {...}}
                           (also resets the records)
  POST /__double/reset     forget recorded requests and connection counts
  GET  /__double/requests  {"requests": [...], "count_by_path": {...},
                            "connections": total TCP connections,
                            "max_concurrent_connections": n,
                            "max_concurrent_requests": n}

Each recorded request has method, path, query, target (X-Amz-Target),
has_authorization, authorization_scheme, has_date, content_type,
body_len, connection (an id) and t (monotonic arrival time in seconds).
Credentials are not recorded beyond the presence of the header.
"""
import argparse
import json
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Script:
    """Steps answered in order; the last one repeats forever."""

    def __init__(self, steps):
        self.steps = [dict(x) for x in (steps or [{"status": 200, "json": {}}])]
        self.index = 0
        self.used = 0

    def next_step(self):
        step = self.steps[self.index]
        self.used += 1
        if self.used >= int(step.get("times", 1)) and self.index < len(self.steps) - 1:
            self.index += 1
            self.used = 0
        return step


class State:
    def __init__(self, steps):
        self.lock = threading.Lock()
        self.program(steps)

    def program(self, steps, paths=None):
        with self.lock:
            self.script = Script(steps)
            self.paths = {p: Script(v) for p, v in (paths or {}).items()}
            self._reset_records()

    def _reset_records(self):
        self.requests = []
        self.connections = 0
        self.open_connections = 0
        self.max_connections = 0
        self.active_requests = 0
        self.max_active_requests = 0

    def reset(self):
        with self.lock:
            self._reset_records()

    def next_step(self, path):
        with self.lock:
            return self.paths.get(path, self.script).next_step()

    def snapshot(self):
        with self.lock:
            counts = {}
            for r in self.requests:
                counts[r["path"]] = counts.get(r["path"], 0) + 1
            return {
                "requests": list(self.requests),
                "count_by_path": counts,
                "connections": self.connections,
                "max_concurrent_connections": self.max_connections,
                "max_concurrent_requests": self.max_active_requests,
            }


STATE = State(None)
CONN_IDS = iter(range(1, 1 << 62))
CONN_LOCK = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "aws-double/1"

    def log_message(self, fmt, *args):  # quiet; the test reads /requests
        pass

    def setup(self):
        super().setup()
        with CONN_LOCK:
            self.conn_id = next(CONN_IDS)
        with STATE.lock:
            STATE.connections += 1
            STATE.open_connections += 1
            STATE.max_connections = max(STATE.max_connections, STATE.open_connections)

    def finish(self):
        with STATE.lock:
            STATE.open_connections -= 1
        try:
            super().finish()
        except OSError:
            pass

    def _read_body(self):
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n > 0 else b""

    def _send(self, status, body, ctype="application/json", headers=None):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in (headers or {}).items():
            self.send_header(k, str(v))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _control(self, body):
        path = self.path.split("?", 1)[0]
        if path == "/__double/requests":
            return self._send(200, json.dumps(STATE.snapshot()).encode())
        if path == "/__double/reset":
            STATE.reset()
            return self._send(200, b"{}")
        if path == "/__double/program":
            try:
                prog = json.loads(body or b"{}")
            except ValueError as e:
                return self._send(400, json.dumps({"error": str(e)}).encode())
            STATE.program(prog.get("steps"), prog.get("paths"))
            return self._send(200, b"{}")
        return self._send(404, b'{"error": "unknown control path"}')

    def _handle(self):
        body = self._read_body()
        if self.path.startswith("/__double/"):
            return self._control(body)
        path, _, query = self.path.partition("?")
        auth = self.headers.get("Authorization") or ""
        rec = {
            "method": self.command,
            "path": path,
            "query": query,
            "target": self.headers.get("X-Amz-Target") or "",
            "has_authorization": bool(auth),
            "authorization_scheme": auth.split(" ", 1)[0] if auth else "",
            "has_date": bool(self.headers.get("X-Amz-Date")),
            "content_type": self.headers.get("Content-Type") or "",
            "body_len": len(body),
            "connection": self.conn_id,
            "t": time.monotonic(),
        }
        with STATE.lock:
            STATE.requests.append(rec)
            STATE.active_requests += 1
            STATE.max_active_requests = max(STATE.max_active_requests, STATE.active_requests)
        try:
            step = STATE.next_step(path)
            if step.get("sleep"):
                time.sleep(float(step["sleep"]))
            status = int(step.get("status", 200))
            ctype = "application/x-amz-json-1.1"
            if "json" in step:
                out = json.dumps(step["json"]).encode()
            elif "body_size" in step:
                out = b"x" * int(step["body_size"])
                ctype = "application/octet-stream"
            else:
                out = str(step.get("body", "")).encode()
            try:
                self._send(status, out, ctype, step.get("headers"))
            except OSError:
                self.close_connection = True   # the client gave up (timeout)
        finally:
            with STATE.lock:
                STATE.active_requests -= 1

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = _handle


class Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64
    tls = None

    def get_request(self):
        sock, addr = self.socket.accept()
        if self.tls:
            # The handshake happens on first read, in the handler's thread.
            sock = self.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, addr


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--script", help="JSON: {\"steps\": [...]} or a list of steps")
    ap.add_argument("--tls-cert")
    ap.add_argument("--tls-key")
    a = ap.parse_args()
    if a.script:
        prog = json.loads(a.script)
        if isinstance(prog, dict):
            STATE.program(prog.get("steps"), prog.get("paths"))
        else:
            STATE.program(prog)
    srv = Server(("127.0.0.1", a.port), Handler)
    if a.tls_cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.tls_cert, a.tls_key)
        srv.tls = ctx
    print("PORT %d" % srv.server_address[1], flush=True)
    try:
        srv.serve_forever(poll_interval=0.1)
    except KeyboardInterrupt:
        pass
    finally:
        srv.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
