"""Ticketing receivers on 127.0.0.1 for certsweep's [webhook NAME] channels.

Each double speaks the documented request and response shapes of one
system, checks what a real one would refuse, keeps its tickets in memory
and records every request it received:

  JiraDouble        REST API v2: POST /rest/api/2/issue, GET /rest/api/2/search/jql,
                    POST .../issue/{key}/comment, GET/POST .../issue/{key}/transitions
                    (Basic auth email:token)
  ServiceNowDouble  Table API: POST/GET /api/now/table/incident,
                    PATCH /api/now/table/incident/{sys_id} (Basic auth user:password)
  PagerDutyDouble   Events API v2: POST /v2/enqueue (routing_key, dedup_key)
  GenericDouble     POST /hook, X-Certsweep-Signature: sha256=<HMAC-SHA256 of the body>
  SlackDouble       POST /services/T/B/X -> "ok"

Modes (attribute `mode`): None; "503" answers every request with 503;
"echo" answers every request 400 with an error that quotes the request's
headers and body back (Authorization, routing keys: as a careless
receiver might);
"hang" reads the request and never answers;
"block_after_create" creates the ticket, sets `created` (a threading.Event)
and then never answers (the test kills the client).

    d = JiraDouble(project="SEC", email="a@b", token="t"); d.start()
    ... d.url ... d.requests ... d.issues ...
    d.stop(); d.start(port=d.port)    # down, then up again on the same port
"""
import base64
import hashlib
import hmac
import json
import re
import threading
import time
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, fmt, *args):
        pass

    def _serve(self):
        d = self.server.double
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        u = urllib.parse.urlsplit(self.path)
        req = {"method": self.command, "path": u.path,
               "query": dict(urllib.parse.parse_qsl(u.query)),
               "headers": {k.lower(): v for k, v in self.headers.items()}, "raw": raw}
        try:
            req["json"] = json.loads(raw) if raw else None
        except ValueError:
            req["json"] = None
        with d.lock:
            d.requests.append(req)
        if d.mode == "503":
            return self.reply(503, {"error": "down for maintenance"})
        if d.mode == "echo":
            return self.reply(400, {"error": "rejected: %s %s; headers: %s; body: %s" % (
                self.command, self.path, "; ".join("%s: %s" % kv for kv in self.headers.items()),
                raw.decode(errors="replace"))})
        if d.mode == "hang":            # accepts, never answers
            time.sleep(600)
            return
        status, body = d.handle(req)
        if status is None:          # blocked after create
            time.sleep(600)
            return
        self.reply(status, body)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve

    def reply(self, status, body):
        data = b"" if body is None else (body if isinstance(body, bytes)
                                         else json.dumps(body).encode())
        self.send_response(status)
        if data:
            self.send_header("Content-Type", "text/plain" if isinstance(body, bytes)
                             else "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class Double:
    def __init__(self):
        self.lock = threading.Lock()
        self.requests = []
        self.mode = None
        self.created = threading.Event()
        self.server = None
        self.port = None

    def start(self, port=0):
        self.server = ThreadingHTTPServer(("127.0.0.1", port), _Handler)
        self.server.daemon_threads = True
        self.server.double = self
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def stop(self):
        if self.server:
            self.server.shutdown()
            self.server.server_close()
            self.server = None

    @property
    def url(self):
        return "http://127.0.0.1:%d" % self.port

    def take(self):
        """The requests received since the last take()."""
        with self.lock:
            r, self.requests = self.requests, []
        return r

    def basic_ok(self, req, user, password):
        want = "Basic " + base64.b64encode(("%s:%s" % (user, password)).encode()).decode()
        return req["headers"].get("authorization") == want

    def _created(self):
        """After a create: in block_after_create mode, tell the test and
        never answer."""
        if self.mode == "block_after_create":
            self.created.set()
            return True
        return False


class JiraDouble(Double):
    TRANSITIONS = [{"id": "11", "name": "To Do", "to": {"name": "To Do"}},
                   {"id": "21", "name": "In Progress", "to": {"name": "In Progress"}},
                   {"id": "31", "name": "Done", "to": {"name": "Done"}}]

    def __init__(self, project, email, token):
        super().__init__()
        self.project, self.email, self.token = project, email, token
        self.issues = {}            # key -> {fields, status, comments}
        self.seq = 0

    def handle(self, req):
        if not self.basic_ok(req, self.email, self.token):
            return 401, {"errorMessages": ["You are not authenticated."], "errors": {}}
        p, m, body = req["path"], req["method"], req["json"]
        if p == "/rest/api/2/issue" and m == "POST":
            f = (body or {}).get("fields") or {}
            errors = {}
            if (f.get("project") or {}).get("key") != self.project:
                errors["project"] = "valid project is required"
            if not (f.get("issuetype") or {}).get("name"):
                errors["issuetype"] = "valid issue type is required"
            if not f.get("summary") or len(f["summary"]) > 255:
                errors["summary"] = "You must specify a summary of the issue."
            if any(" " in label for label in f.get("labels") or []):
                errors["labels"] = "The label must not contain spaces."
            if errors:
                return 400, {"errorMessages": [], "errors": errors}
            with self.lock:
                self.seq += 1
                key = "%s-%d" % (self.project, self.seq)
                self.issues[key] = {"fields": f, "status": "To Do", "comments": []}
            if self._created():
                return None, None
            return 201, {"id": str(10000 + self.seq), "key": key,
                         "self": "%s/rest/api/2/issue/%d" % (self.url, 10000 + self.seq)}
        if p == "/rest/api/2/search/jql" and m == "GET":
            jql = req["query"].get("jql", "")
            mm = re.fullmatch(r'labels = "([^"]+)"', jql)
            if not mm:
                return 400, {"errorMessages": ["Error in the JQL Query: %s" % jql], "errors": {}}
            with self.lock:
                found = [{"id": k, "key": k} for k, v in sorted(self.issues.items())
                         if mm.group(1) in (v["fields"].get("labels") or [])]
            return 200, {"issues": found[:int(req["query"].get("maxResults", 50))], "isLast": True}
        mm = re.fullmatch(r"/rest/api/2/issue/([A-Z]+-\d+)/(comment|transitions)", p)
        if mm:
            with self.lock:
                issue = self.issues.get(mm.group(1))
            if not issue:
                return 404, {"errorMessages": ["Issue does not exist or you do not have "
                                               "permission to see it."], "errors": {}}
            if mm.group(2) == "comment" and m == "POST":
                if not (body or {}).get("body"):
                    return 400, {"errorMessages": [], "errors": {"comment": "Comment body can not be empty!"}}
                issue["comments"].append(body["body"])
                return 201, {"id": str(len(issue["comments"])), "body": body["body"]}
            if mm.group(2) == "transitions" and m == "GET":
                return 200, {"expand": "transitions", "transitions": self.TRANSITIONS}
            if mm.group(2) == "transitions" and m == "POST":
                tid = ((body or {}).get("transition") or {}).get("id")
                t = [t for t in self.TRANSITIONS if t["id"] == tid]
                if not t:
                    return 400, {"errorMessages": ["Transition id '%s' is not valid for this issue." % tid],
                                 "errors": {}}
                issue["status"] = t[0]["to"]["name"]
                for c in ((body.get("update") or {}).get("comment") or []):
                    issue["comments"].append(c["add"]["body"])
                return 204, None
        return 404, {"errorMessages": ["not found: %s %s" % (m, p)], "errors": {}}


class ServiceNowDouble(Double):
    def __init__(self, user, password):
        super().__init__()
        self.user, self.password = user, password
        self.incidents = {}         # sys_id -> record
        self.seq = 0

    def handle(self, req):
        if not self.basic_ok(req, self.user, self.password):
            return 401, {"error": {"message": "User Not Authenticated",
                                   "detail": "Required to provide Auth information"},
                         "status": "failure"}
        p, m, body = req["path"], req["method"], req["json"] or {}
        if p == "/api/now/table/incident" and m == "POST":
            if not body.get("short_description"):
                return 400, {"error": {"message": "short_description is mandatory", "detail": ""},
                             "status": "failure"}
            with self.lock:
                self.seq += 1
                sys_id = uuid.uuid4().hex
                rec = dict(body, sys_id=sys_id, number="INC%07d" % (10000 + self.seq), state="1",
                           work_notes_list=[])
                rec.pop("work_notes", None)
                self.incidents[sys_id] = rec
            if self._created():
                return None, None
            return 201, {"result": rec}
        if p == "/api/now/table/incident" and m == "GET":
            q = req["query"].get("sysparm_query", "")
            mm = re.fullmatch(r"correlation_id=(.+)", q)
            if not mm:
                return 400, {"error": {"message": "unsupported query", "detail": q}, "status": "failure"}
            with self.lock:
                found = [{"sys_id": r["sys_id"], "number": r["number"]}
                         for r in self.incidents.values() if r.get("correlation_id") == mm.group(1)]
            return 200, {"result": found[:int(req["query"].get("sysparm_limit", 100))]}
        mm = re.fullmatch(r"/api/now/table/incident/([0-9a-f]{32})", p)
        if mm and m == "PATCH":
            with self.lock:
                rec = self.incidents.get(mm.group(1))
                if not rec:
                    return 404, {"error": {"message": "No Record found",
                                           "detail": "Record doesn't exist or ACL restricts the record retrieval"},
                                 "status": "failure"}
                if body.get("state") == "6" and not (body.get("close_code") and body.get("close_notes")):
                    return 403, {"error": {"message": "Operation Failed",
                                           "detail": "Data Policy Exception: Resolution code, Resolution notes are mandatory"},
                                 "status": "failure"}
                if "work_notes" in body:
                    rec["work_notes_list"].append(body.pop("work_notes"))
                rec.update(body)
                return 200, {"result": rec}
        return 400, {"error": {"message": "Invalid path %s %s" % (m, p), "detail": ""}, "status": "failure"}


class PagerDutyDouble(Double):
    SEVERITIES = {"critical", "error", "warning", "info"}

    def __init__(self, routing_key):
        super().__init__()
        self.routing_key = routing_key
        self.alerts = {}            # dedup_key -> {"status", "incidents", "events": [...]}

    def handle(self, req):
        if req["path"] != "/v2/enqueue" or req["method"] != "POST":
            return 404, {"status": "not found"}
        b = req["json"]
        errors = []
        if not isinstance(b, dict):
            return 400, {"status": "invalid event", "message": "Event object is invalid",
                         "errors": ["Event must be a JSON object"]}
        if b.get("routing_key") != self.routing_key:
            errors.append("'routing_key' is invalid")
        action = b.get("event_action")
        if action not in ("trigger", "acknowledge", "resolve"):
            errors.append("'event_action' is invalid")
        if action == "trigger":
            pl = b.get("payload") or {}
            for k in ("summary", "source", "severity"):
                if not pl.get(k):
                    errors.append("'payload.%s' is missing or blank" % k)
            if pl.get("severity") and pl["severity"] not in self.SEVERITIES:
                errors.append("'payload.severity' is invalid")
            if len(pl.get("summary") or "") > 1024:
                errors.append("'payload.summary' is too long")
        elif not b.get("dedup_key"):
            errors.append("'dedup_key' is missing")
        if errors:
            return 400, {"status": "invalid event", "message": "Event object is invalid",
                         "errors": errors}
        key = b.get("dedup_key") or uuid.uuid4().hex
        with self.lock:
            a = self.alerts.setdefault(key, {"status": "resolved", "incidents": 0, "events": []})
            a["events"].append(b)
            if action == "trigger":
                if a["status"] == "resolved":
                    a["incidents"] += 1
                a["status"] = "triggered"
            elif action == "resolve":
                a["status"] = "resolved"
        if action == "trigger" and self._created():
            return None, None
        return 202, {"status": "success", "message": "Event processed", "dedup_key": key}


class GenericDouble(Double):
    def __init__(self, key):
        super().__init__()
        self.key = key.encode()
        self.events = []

    def handle(self, req):
        if req["path"] != "/hook" or req["method"] != "POST":
            return 404, {"error": "not found"}
        want = "sha256=" + hmac.new(self.key, req["raw"], hashlib.sha256).hexdigest()
        got = req["headers"].get("x-certsweep-signature", "")
        if not hmac.compare_digest(want, got):
            return 401, {"error": "bad signature"}
        ev = req["json"]
        if not isinstance(ev, dict) or ev.get("schema") != "certsweep.ticket" or ev.get("version") != 1:
            return 400, {"error": "not a certsweep.ticket v1 event"}
        if ev.get("event") != req["headers"].get("x-certsweep-event"):
            return 400, {"error": "X-Certsweep-Event does not match the body"}
        with self.lock:
            self.events.append(ev)
        return 204, None


class SlackDouble(Double):
    def __init__(self):
        super().__init__()
        self.messages = []

    def handle(self, req):
        if not req["path"].startswith("/services/"):
            return 404, b"no_service"
        b = req["json"]
        if not isinstance(b, dict) or not b.get("text"):
            return 400, b"no_text"
        self.messages.append(b["text"])
        return 200, b"ok"
