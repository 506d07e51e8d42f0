#!/usr/bin/env python3
"""Oracle test: certsweep's SigV4 signer against botocore's.

Generates random requests (methods, services, regions, paths with reserved,
unicode and percent-encoded characters and dot segments, repeated and
unsorted query keys, empty values, untidy header values, mixed-case and
repeated header names, bodies, session tokens, ports), signs each with
botocore's SigV4Auth (S3SigV4Auth for the S3-style cases) at a frozen time,
has sigv4_tool (aws_sigv4_sign) sign the same cases, and fails on any
difference in the Authorization header.

Two batches run every time: one with a fixed seed and one with a fresh seed,
which is printed so that a failure can be replayed:
    sigv4_oracle.py <sigv4_tool> --seed <seed>

The wire URL handed to both sides is the same string.  Query strings are
written in canonical AWS encoding because botocore signs the query of a URL
as it is (it neither decodes nor re-encodes it), while the C signer decodes
and re-encodes; for canonical input both must agree.
"""
import argparse
import datetime
import hashlib
import json
import os
import random
import subprocess
import sys
from unittest import mock
from urllib.parse import quote

import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

FIXED_SEED = 20150830
AWS_SIGV4_NO_DOUBLE_ENCODE = 1
AWS_SIGV4_CONTENT_SHA256 = 2

METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "PATCH", "get", "Post"]
SERVICES = ["sts", "iam", "ec2", "acm", "apigateway", "monitoring",
            "securityhub", "sns", "organizations", "execute-api", "service"]
REGIONS = ["us-east-1", "us-west-2", "eu-central-1", "ap-southeast-2",
           "cn-north-1", "us-gov-west-1", "me-south-1", "il-central-1"]
HOSTS = ["example.amazonaws.com", "sts.us-east-1.amazonaws.com",
         "Acm.EU-Central-1.AmazonAWS.com", "127.0.0.1", "localhost",
         "iam.amazonaws.com", "[::1]", "bucket.s3.amazonaws.com"]
# Unicode text that ends up percent-encoded (or, rarely, raw) in the path.
UNICODE = ["\u1234", "\u00e9t\u00e9", "\u65e5\u672c", "\U0001F512", "\u00fc"]
RESERVED = "!$&'()*+,;=:@"
UNRESERVED = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~"
# Header names botocore or the signer treat specially are left out of the
# random set (Host, X-Amz-Date, Date, Authorization, the token and the
# content hash are set by the signers themselves).
HEADER_NAMES = ["Content-Type", "X-Amz-Target", "X-Amz-Meta-Thing",
                "My-Header1", "my-header1", "MY-HEADER2", "Accept",
                "X-Amz-Api-Version", "Content-Length", "X-Custom-Z",
                "a-first", "User-Agent", "Expect", "Connection",
                "X-Amzn-Trace-Id", "Transfer-Encoding", "Content-MD5"]


def rand_word(r, alphabet=UNRESERVED, lo=1, hi=8):
    return "".join(r.choice(alphabet) for _ in range(r.randint(lo, hi)))


def rand_segment(r):
    k = r.random()
    if k < 0.35:
        return rand_word(r)
    if k < 0.50:
        return rand_word(r, UNRESERVED + RESERVED)
    if k < 0.62:  # percent-encoded bytes, upper or lower case hex
        raw = bytes(r.randrange(256) for _ in range(r.randint(1, 3)))
        enc = "".join("%%%02X" % b for b in raw)
        return enc.lower() if r.random() < 0.2 else enc
    if k < 0.72:  # unicode, encoded as a client would put it on the wire
        return quote(r.choice(UNICODE), safe="")
    if k < 0.75:  # raw unicode in the URL
        return r.choice(UNICODE)
    if k < 0.80:
        return "%2F" + rand_word(r)
    if k < 0.84:
        return "a b"  # a raw space, as in the test suite's get-space
    return r.choice([".", "..", "", "...", ".x", "~"])


def rand_path(r, s3):
    if not s3 and r.random() < 0.05:
        return ""
    segs = [rand_segment(r) for _ in range(r.randint(0, 6))]
    path = "/" + "/".join(segs)
    if r.random() < 0.25:
        path += "/"
    return path


def aws_quote(s):
    return quote(s, safe="-_.~")


def rand_query(r):
    if r.random() < 0.3:
        return ""
    keys = [rand_word(r, UNRESERVED + RESERVED + " /?#%\"<>", 1, 6)
            for _ in range(r.randint(1, 4))]
    keys += ["Action", "Version", "x", "X", "\u1234", "a b"]
    pairs = []
    for _ in range(r.randint(1, 8)):
        k = r.choice(keys)
        v = r.choice(["", rand_word(r), rand_word(r, UNRESERVED + RESERVED + " /"),
                      "value1", "Value1", "\u00e9", "a+b", "2010-05-08"])
        form = r.random()
        if form < 0.1:
            pairs.append(aws_quote(k))               # no '='
        else:
            pairs.append(aws_quote(k) + "=" + aws_quote(v))
    return "&".join(pairs)


def rand_header_value(r):
    k = r.random()
    if k < 0.1:
        return ""
    words = [rand_word(r, UNRESERVED + RESERVED + "\"/?", 1, 6)
             for _ in range(r.randint(1, 4))]
    out = ""
    for i, w in enumerate(words):
        if i:
            out += r.choice([" ", "  ", "\t", " \t  ", "   "])
        out += w
    if r.random() < 0.4:
        out = r.choice([" ", "  ", "\t", " \t"]) + out
    if r.random() < 0.4:
        out += r.choice([" ", "  ", "\t", "\t "])
    return out


def rand_body(r):
    k = r.random()
    if k < 0.35:
        return b""
    if k < 0.55:
        return b"Action=ListUsers&Version=2010-05-08"
    if k < 0.75:
        return json.dumps({"MaxItems": r.randint(1, 100), "Name": rand_word(r)}).encode()
    return bytes(r.randrange(256) for _ in range(r.randint(1, 300)))


def rand_url(r, s3):
    scheme = r.choice(["https", "https", "http"])
    host = r.choice(HOSTS)
    port = ""
    k = r.random()
    if k < 0.15:
        port = ":443" if scheme == "https" else ":80"
    elif k < 0.35:
        port = ":%d" % r.choice([8443, 4566, 5000, 80 if scheme == "https" else 443,
                                 r.randint(1, 65535)])
    path = rand_path(r, s3)
    query = rand_query(r)
    url = "%s://%s%s%s" % (scheme, host, port, path)
    if query:
        url += "?" + query
    return url


def make_case(r):
    s3 = r.random() < 0.1
    flags = 0
    if s3:
        flags = AWS_SIGV4_NO_DOUBLE_ENCODE | AWS_SIGV4_CONTENT_SHA256
    elif r.random() < 0.2:
        flags = AWS_SIGV4_CONTENT_SHA256
    headers = [[r.choice(HEADER_NAMES), rand_header_value(r)]
               for _ in range(r.randint(0, 6))]
    akid = "AKIA" + rand_word(r, "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", 16, 16)
    secret = rand_word(r, UNRESERVED + "/+", 40, 40)
    token = None
    if r.random() < 0.4:
        token = rand_word(r, UNRESERVED + "/+=", 20, 300)
    return {
        "method": r.choice(METHODS),
        "url": rand_url(r, s3),
        "headers": headers,
        "body_hex": rand_body(r).hex(),
        "service": "s3" if s3 else r.choice(SERVICES),
        "region": r.choice(REGIONS),
        "now": r.randint(946684800, 2145916799),   # 2000 .. 2037
        "akid": akid,
        "secret": secret,
        "token": token,
        "flags": flags,
    }


def botocore_sign(case):
    """Returns (authorization, canonical request) as botocore computes them."""
    body = bytes.fromhex(case["body_hex"])
    req = AWSRequest(method=case["method"], url=case["url"], data=body)
    for name, value in case["headers"]:
        req.headers[name] = value          # HTTPHeaders appends repeats
    if case["flags"] & AWS_SIGV4_CONTENT_SHA256 and not case["flags"] & AWS_SIGV4_NO_DOUBLE_ENCODE:
        req.headers["X-Amz-Content-SHA256"] = hashlib.sha256(body).hexdigest()
    creds = Credentials(case["akid"], case["secret"], case["token"])
    cls = (botocore.auth.S3SigV4Auth if case["flags"] & AWS_SIGV4_NO_DOUBLE_ENCODE
           else botocore.auth.SigV4Auth)
    auth = cls(creds, case["service"], case["region"])
    frozen = datetime.datetime.fromtimestamp(case["now"], datetime.timezone.utc).replace(tzinfo=None)
    seen = {}
    real = auth.canonical_request

    def capture(request):
        seen["creq"] = real(request)
        return seen["creq"]

    with mock.patch.object(botocore.auth, "get_current_datetime", return_value=frozen), \
            mock.patch.object(auth, "canonical_request", side_effect=capture):
        auth.add_auth(req)
    return req.headers["Authorization"], seen.get("creq", "")


def run_batch(tool, seed, count):
    r = random.Random(seed)
    cases = [make_case(r) for _ in range(count)]
    expected = [botocore_sign(c) for c in cases]
    proc = subprocess.run([tool], input=json.dumps(cases).encode(),
                          stdout=subprocess.PIPE, check=True, timeout=120)
    got = json.loads(proc.stdout)
    if len(got) != len(cases):
        print("seed %d: tool answered %d cases of %d" % (seed, len(got), len(cases)))
        return len(cases)
    bad = 0
    for i, (case, (authz, creq), g) in enumerate(zip(cases, expected, got)):
        if g["rc"] == 0 and g["authz"] == authz:
            continue
        bad += 1
        if bad <= 3:
            print("MISMATCH seed %d case %d" % (seed, i))
            shown = dict(case, secret="<redacted>")
            print("  case:      %s" % json.dumps(shown, ensure_ascii=True))
            print("  rc:        %d" % g["rc"])
            print("  botocore:  %s" % authz)
            print("  certsweep: %s" % g["authz"])
            print("  botocore canonical request:\n    %s" % creq.replace("\n", "\n    "))
            print("  certsweep canonical request:\n    %s" % g.get("creq", "").replace("\n", "\n    "))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("tool")
    ap.add_argument("--seed", type=int, help="replay one batch with this seed")
    ap.add_argument("--count", type=int, default=250, help="cases per batch")
    args = ap.parse_args()
    seeds = [args.seed] if args.seed is not None else [
        FIXED_SEED, int.from_bytes(os.urandom(6), "big")]
    total = bad = 0
    for seed in seeds:
        print("sigv4 oracle: seed %d, %d cases (replay: %s %s --seed %d)"
              % (seed, args.count, sys.argv[0], args.tool, seed))
        b = run_batch(args.tool, seed, args.count)
        total += args.count
        bad += b
    print("sigv4 oracle: %d cases, %d mismatches" % (total, bad))
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
