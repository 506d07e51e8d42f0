#!/usr/bin/env python3
"""A loopback double of the EC2 instance metadata service (IMDSv2) and of the
ECS/EKS container credentials endpoint.

    imds_double.py --port N --access-key AKIA... --secret-key S --session-token T
                   [--role NAME] [--ecs-path /v2/credentials/ID] [--ecs-token TOKEN]

IMDSv2: PUT /latest/api/token needs X-aws-ec2-metadata-token-ttl-seconds and
returns a token; GET /latest/meta-data/iam/security-credentials/[ROLE] needs
X-aws-ec2-metadata-token with that token (401 otherwise, as IMDSv2 does when
IMDSv1 is disabled).  ECS: GET <ecs-path> needs "Authorization: <ecs-token>"
when a token is configured (401 otherwise).  GET /_stats returns counters as
JSON so a test can check what was asked.  Serves only on 127.0.0.1.
"""
import argparse
import datetime
import json
import secrets
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

CREDS_PREFIX = "/latest/meta-data/iam/security-credentials/"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--access-key", required=True)
    ap.add_argument("--secret-key", required=True)
    ap.add_argument("--session-token", required=True)
    ap.add_argument("--role", default="CertSweepInstanceRole")
    ap.add_argument("--ecs-path", default="/v2/credentials/certsweep-task")
    ap.add_argument("--ecs-token", default="")
    args = ap.parse_args()

    imds_token = "imds-" + secrets.token_hex(16)
    stats = {"token_put": 0, "imds_ok": 0, "imds_unauthorized": 0, "ecs_ok": 0,
             "ecs_unauthorized": 0, "not_found": 0}
    lock = threading.Lock()

    def count(key):
        with lock:
            stats[key] += 1

    def creds_doc():
        exp = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=6)
        return {
            "Code": "Success",
            "LastUpdated": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Type": "AWS-HMAC",
            "AccessKeyId": args.access_key,
            "SecretAccessKey": args.secret_key,
            "Token": args.session_token,
            "Expiration": exp.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "RoleArn": "arn:aws:iam::123456789012:role/" + args.role,
        }

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, fmt, *a):   # never log headers (tokens)
            print("%s %s" % (self.command, self.path.split("?")[0]), flush=True)

        def reply(self, status, body, ctype="text/plain"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def drain(self):
            n = int(self.headers.get("Content-Length") or 0)
            if n:
                self.rfile.read(n)

        def do_PUT(self):
            self.drain()
            if self.path != "/latest/api/token":
                count("not_found")
                return self.reply(404, "not found")
            ttl = self.headers.get("X-aws-ec2-metadata-token-ttl-seconds")
            if not ttl or not ttl.isdigit() or not (1 <= int(ttl) <= 21600):
                return self.reply(400, "missing or bad token TTL")
            count("token_put")
            self.reply(200, imds_token)

        def do_GET(self):
            path = self.path.split("?")[0]
            if path == "/_stats":
                with lock:
                    return self.reply(200, json.dumps(stats), "application/json")
            if path.startswith("/latest/"):
                if self.headers.get("X-aws-ec2-metadata-token") != imds_token:
                    count("imds_unauthorized")
                    return self.reply(401, "unauthorized")
                if path == CREDS_PREFIX:
                    return self.reply(200, args.role)
                if path == CREDS_PREFIX + args.role:
                    count("imds_ok")
                    return self.reply(200, json.dumps(creds_doc()), "application/json")
                count("not_found")
                return self.reply(404, "not found")
            if path == args.ecs_path:
                if args.ecs_token and self.headers.get("Authorization") != args.ecs_token:
                    count("ecs_unauthorized")
                    return self.reply(401, json.dumps({"message": "unauthorized"}), "application/json")
                count("ecs_ok")
                doc = creds_doc()
                del doc["Code"], doc["LastUpdated"], doc["Type"]
                return self.reply(200, json.dumps(doc), "application/json")
            count("not_found")
            self.reply(404, "not found")

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
    srv.daemon_threads = True
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
