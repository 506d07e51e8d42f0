"""A simulated AWS for the benchmark: HTTPS on 127.0.0.1, several worker
processes sharing one listening socket, asyncio in each.

Serves, with botocore's wire formats: STS GetCallerIdentity and AssumeRole
(query/XML), Organizations ListAccounts and ListAccountsForParent (JSON
1.1, pages of 20; every account sits under the one root that ListRoots
names, ListOrganizationalUnitsForParent lists no OU, ListTagsForResource no
tag), ACM ListTagsForCertificate and IAM ListServerCertificateTags (no
tag), EC2
DescribeRegions (EC2 query/XML), ACM ListCertificates (paged, Includes and
CertificateStatuses filters) and DescribeCertificate (JSON 1.1), API Gateway
v1 GET /clientcertificates, /restapis, /domainnames (REST-JSON, limit and
position) and v2 GET /v2/domainnames, IAM ListServerCertificates
(query/XML).  Security Hub is not served: the benchmark runs certsweep with
[securityhub] enabled = false, and the peer imports nothing either.

The service, region and access key of a request are read from its SigV4
credential scope (the signature is not checked).  An assumed role's access
key names its account (ASIA + 12 digits + BNCH), so a request is charged to
(account, region, operation class) token buckets shared by every worker
(org.LIMITS).  An empty bucket is answered with the service's own throttling
error: ACM 400 ThrottlingException, API Gateway 429 TooManyRequestsException,
STS/IAM 400 <Code>Throttling</Code>, EC2 503 RequestLimitExceeded,
Organizations 400 TooManyRequestsException.  Every answer leaves after the
configured latency (a timer, never a blocking sleep).

Counters (requests and throttles per client: certsweep, boto3, other by
User-Agent) live in shared memory for the parent to read."""
import asyncio
import json
import multiprocessing as mp
import os
import signal
import socket
import ssl
import time
import urllib.parse
import uuid
from email.utils import formatdate
from xml.sax.saxutils import escape

import org as orgmod

CLIENTS = ("certsweep", "boto3", "other")
NCOUNT = 4            # per client: requests, throttled, other errors, DescribeCertificate answers
NLOCKS = 64


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


def client_class(ua):
    if ua.startswith(b"certsweep"):
        return 0
    if b"Boto3" in ua or b"Botocore" in ua or b"botocore" in ua:
        return 1
    return 2


class Shared:
    """Token buckets and counters in shared memory (created before fork)."""

    def __init__(self, org, workers):
        self.nacc = len(org.accounts) + 1
        self.nreg = len(org.regions) + 1
        self.nops = len(orgmod.OPS)
        n = self.nacc * self.nreg * self.nops
        self.buckets = mp.RawArray("d", 2 * n)
        self.locks = [mp.Lock() for _ in range(NLOCKS)]
        self.counters = mp.RawArray("q", workers * len(CLIENTS) * NCOUNT)
        self.workers = workers

    def take(self, acc, reg, op):
        i = (acc * self.nreg + reg) * self.nops + op
        rate, burst = orgmod.LIMITS[orgmod.OPS[op]]
        b = self.buckets
        lock = self.locks[i % NLOCKS]
        now = time.monotonic()
        with lock:
            tok = b[2 * i] + (now - b[2 * i + 1]) * rate
            if tok > burst:
                tok = burst
            ok = tok >= 1.0
            if ok:
                tok -= 1.0
            b[2 * i] = tok
            b[2 * i + 1] = now
        return ok

    def totals(self):
        """{client: [requests, throttled, errors, describes answered]} summed
        over workers."""
        c = self.counters
        out = {}
        for k, name in enumerate(CLIENTS):
            vals = [0] * NCOUNT
            for w in range(self.workers):
                base = (w * len(CLIENTS) + k) * NCOUNT
                for j in range(NCOUNT):
                    vals[j] += c[base + j]
            out[name] = vals
        return out


def summary(c):
    """ListCertificates' CertificateSummary of a certificate, with every
    member of botocore's shape that the certificate has (AWS omits the
    absent ones), as ACM sends it: what certsweep judges from before it
    decides to describe."""
    s = {"CertificateArn": c["CertificateArn"], "DomainName": c["DomainName"],
         "SubjectAlternativeNameSummaries": list(c.get("SubjectAlternativeNames", [])),
         "HasAdditionalSubjectAlternativeNames": False,
         "Status": c["Status"], "Type": c["Type"], "KeyAlgorithm": c["KeyAlgorithm"],
         "KeyUsages": ["DIGITAL_SIGNATURE", "KEY_ENCIPHERMENT"],
         "ExtendedKeyUsages": ["TLS_WEB_SERVER_AUTHENTICATION", "TLS_WEB_CLIENT_AUTHENTICATION"],
         "InUse": bool(c.get("InUseBy")), "Exported": False,
         "RenewalEligibility": c["RenewalEligibility"]}
    for k in ("NotBefore", "NotAfter", "CreatedAt", "IssuedAt", "ImportedAt", "RevokedAt"):
        if k in c:
            s[k] = c[k]
    return s


class Responder:
    """Precomputed answers of the organization (built before fork)."""

    def __init__(self, org):
        self.org = org
        self.now = org.now
        self.acc_index = org.index
        self.reg_index = {r: i for i, r in enumerate(org.regions)}
        self.describe = {}
        self.lists = {}
        for a in org.accounts:
            for r in org.regions:
                certs = org.certificates(a, r)
                summ = []
                for c in certs:
                    self.describe[c["CertificateArn"]] = json.dumps({"Certificate": c}).encode()
                    summ.append(summary(c))
                self.lists[(a, r)] = summ
        self.client_certs = {(a, r): org.client_certificates(a, r)
                             for a in org.accounts for r in org.regions}
        self.server_certs = {a: org.server_certificates(a) for a in org.accounts}
        acct_items = []
        for a in org.accounts:
            acct_items.append({"Id": a, "Arn": "arn:aws:organizations::%s:account/o-bench00001/%s"
                               % (org.management, a), "Email": "%s@example.com" % a,
                               "Name": "bench-%s" % a, "Status": "ACTIVE", "State": "ACTIVE",
                               "JoinedMethod": "CREATED", "JoinedTimestamp": self.now - 400 * orgmod.DAY})
        self.org_pages = []
        for i in range(0, len(acct_items), orgmod.ORG_PAGE):
            doc = {"Accounts": acct_items[i:i + orgmod.ORG_PAGE]}
            if i + orgmod.ORG_PAGE < len(acct_items):
                doc["NextToken"] = "page-%d" % (i // orgmod.ORG_PAGE + 1)
            self.org_pages.append(json.dumps(doc).encode())
        items = "".join("<item><regionName>%s</regionName><regionEndpoint>ec2.%s.amazonaws.com"
                        "</regionEndpoint><optInStatus>opt-in-not-required</optInStatus></item>"
                        % (r, r) for r in org.regions)
        self.regions_xml = ('<?xml version="1.0" encoding="UTF-8"?>\n<DescribeRegionsResponse '
                            'xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>%s</requestId>'
                            '<regionInfo>' + items + '</regionInfo></DescribeRegionsResponse>')
        self.iam_xml = {}
        for a, certs in self.server_certs.items():
            members = "".join(
                "<member><Path>/</Path><ServerCertificateName>%s</ServerCertificateName>"
                "<ServerCertificateId>%s</ServerCertificateId><Arn>%s</Arn>"
                "<UploadDate>%s</UploadDate><Expiration>%s</Expiration></member>"
                % (c["ServerCertificateName"], c["ServerCertificateId"], c["Arn"],
                   iso(c["UploadDate"]), iso(c["Expiration"])) for c in certs)
            self.iam_xml[a] = ('<ListServerCertificatesResponse xmlns="https://iam.amazonaws.com/doc/'
                               '2010-05-08/"><ListServerCertificatesResult><IsTruncated>false'
                               '</IsTruncated><ServerCertificateMetadataList>' + members +
                               '</ServerCertificateMetadataList></ListServerCertificatesResult>'
                               '<ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>'
                               '</ListServerCertificatesResponse>').encode()


# ---- one worker -------------------------------------------------------------

JSON11 = b"application/x-amz-json-1.1"
XML = b"text/xml"
RJSON = b"application/json"


def http_response(status, ctype, body, extra=b""):
    reason = {200: b"OK", 400: b"Bad Request", 403: b"Forbidden", 404: b"Not Found",
              429: b"Too Many Requests", 503: b"Service Unavailable"}.get(status, b"Error")
    return b"".join((b"HTTP/1.1 %d %s\r\nx-amzn-RequestId: %s\r\nContent-Type: %s\r\n"
                     b"Content-Length: %d\r\n" % (status, reason, uuid.uuid4().hex.encode(),
                                                  ctype, len(body)),
                     extra, b"\r\n", body))


class Worker:
    def __init__(self, resp, shared, wid, latency):
        self.r = resp
        self.sh = shared
        self.wid = wid
        self.latency = latency
        self.op_index = {k: i for i, k in enumerate(orgmod.OPS)}
        self.assumed = {}
        # BENCH_TRACE=DIR: one line per request (time, client, account,
        # region, service, operation, throttled) in DIR/trace-<worker>.tsv.
        tdir = os.environ.get("BENCH_TRACE")
        self.trace = open(os.path.join(tdir, "trace-%d.tsv" % wid), "w") if tdir else None

    def count(self, cls, what):
        self.sh.counters[(self.wid * len(CLIENTS) + cls) * NCOUNT + what] += 1

    # Errors in each protocol's own shape.
    def throttled(self, service):
        if service == "acm":
            return http_response(400, JSON11, b'{"__type":"ThrottlingException","message":"Rate exceeded"}')
        if service == "organizations":
            return http_response(400, JSON11, b'{"__type":"TooManyRequestsException",'
                                 b'"Message":"AWS Organizations can\'t complete your request because '
                                 b'of too many requests.","Type":"Throttling"}')
        if service == "apigateway":
            return http_response(429, RJSON, b'{"message":"Too Many Requests"}',
                                 b"x-amzn-ErrorType: TooManyRequestsException\r\n")
        if service == "ec2":
            return http_response(503, XML, b'<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors>'
                                 b'<Error><Code>RequestLimitExceeded</Code><Message>Request limit '
                                 b'exceeded.</Message></Error></Errors><RequestID>%s</RequestID>'
                                 b'</Response>' % uuid.uuid4().hex.encode())
        return self.query_error(400, "Throttling", "Rate exceeded")

    def query_error(self, status, code, msg):
        return http_response(status, XML, ('<ErrorResponse><Error><Type>Sender</Type><Code>%s</Code>'
                                           '<Message>%s</Message></Error><RequestId>%s</RequestId>'
                                           '</ErrorResponse>' % (code, escape(msg), uuid.uuid4()))
                             .encode())

    def json_error(self, code, msg):
        return http_response(400, JSON11, json.dumps({"__type": code, "message": msg}).encode())

    def handle(self, method, target, headers, body):
        """Returns (response bytes, client class)."""
        ua = headers.get(b"user-agent", b"")
        cls = client_class(ua)
        auth = headers.get(b"authorization", b"")
        i = auth.find(b"Credential=")
        if i < 0:
            self.count(cls, 2)
            return self.query_error(403, "MissingAuthenticationToken", "Request is missing Authentication Token"), cls
        scope = auth[i + 11:auth.find(b",", i)].decode().split("/")
        akid, region, service = scope[0], scope[2], scope[3]
        account = akid[4:16] if akid.endswith("BNCH") else ""
        acc = self.r.acc_index.get(account, len(self.r.org.accounts))
        reg = self.r.reg_index.get(region, len(self.r.org.regions))
        self.count(cls, 0)
        self.cls = cls
        try:
            self.selftest = b"x-bench-selftest" in headers
            out = self.dispatch(method, target, headers, body, service, account, acc, reg, region)
        except Exception as e:  # a malformed request: answer, never crash the worker
            out = self.json_error("ValidationException", "bench simulator: %s" % e)
        if self.trace is not None:
            op = headers.get(b"x-amz-target", b"").decode().rpartition(".")[2]
            if not op:
                op = urllib.parse.parse_qs(body.decode()).get("Action", [""])[0] if body else ""
            if not op:
                op = method.decode() + " " + target.split("?")[0]
            self.trace.write("%.4f\t%s\t%s\t%s\t%s\t%s\t%d\n" % (
                time.monotonic(), CLIENTS[cls], account, region, service, op, out is None))
        if out is None:
            self.count(cls, 1)
            return self.throttled(service), cls
        if out[9:12] not in (b"200",):
            self.count(cls, 2)
        return out, cls

    def dispatch(self, method, target, headers, body, service, account, acc, reg, region):
        r = self.r
        if service == "acm":
            op = headers.get(b"x-amz-target", b"").decode().rpartition(".")[2]
            key = "acm:" + op
            if key not in self.op_index:
                return self.json_error("UnknownOperationException", op)
            # The self-test pays for the bucket but is never throttled.
            if not self.sh.take(acc, reg, self.op_index[key]) and not self.selftest:
                return None
            req = json.loads(body or b"{}")
            if op == "DescribeCertificate":
                doc = r.describe.get(req.get("CertificateArn", ""))
                arn = req.get("CertificateArn", "")
                if doc is None or (":%s:" % account) not in arn or (":%s:" % region) not in arn:
                    return self.json_error("ResourceNotFoundException",
                                           "Could not find certificate %s." % arn)
                if not self.selftest:
                    self.count(self.cls, 3)
                return http_response(200, JSON11, doc)
            if op == "ListTagsForCertificate":
                return http_response(200, JSON11, b'{"Tags": []}')
            return self.acm_list(req, account, region)
        if service == "apigateway":
            if not self.sh.take(acc, reg, self.op_index["apigateway"]):
                return None
            return self.apigw(target, account, region)
        if service == "sts":
            if not self.sh.take(acc, reg, self.op_index["sts"]):
                return None
            return self.sts(body, account)
        if service == "organizations":
            if not self.sh.take(acc, reg, self.op_index["organizations"]):
                return None
            req = json.loads(body or b"{}")
            op = headers.get(b"x-amz-target", b"").decode().rpartition(".")[2]
            # One root, every account directly under it, no OU, no tag.
            if op == "ListRoots":
                return http_response(200, JSON11, json.dumps({"Roots": [
                    {"Id": "r-bnch", "Name": "Root", "Arn": "arn:aws:organizations::1:root/o-bnch/r-bnch",
                     "PolicyTypes": []}]}).encode())
            if op == "ListOrganizationalUnitsForParent":
                return http_response(200, JSON11, b'{"OrganizationalUnits": []}')
            if op == "ListTagsForResource":
                return http_response(200, JSON11, b'{"Tags": []}')
            tok = req.get("NextToken")
            page = int(tok.split("-")[1]) if tok else 0
            if page >= len(r.org_pages) or int(req.get("MaxResults", 20)) < 1:
                return self.json_error("InvalidInputException", "bad NextToken or MaxResults")
            return http_response(200, JSON11, r.org_pages[page])
        form = urllib.parse.parse_qs(body.decode())
        action = form.get("Action", [""])[0]
        if service == "ec2" and action == "DescribeRegions":
            if not self.sh.take(acc, reg, self.op_index["ec2"]):
                return None
            return http_response(200, XML, (r.regions_xml % uuid.uuid4()).encode())
        if service == "iam" and action == "ListServerCertificateTags":
            if not self.sh.take(acc, 0, self.op_index["iam"]):
                return None
            return http_response(200, XML, (
                '<ListServerCertificateTagsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
                "<ListServerCertificateTagsResult><IsTruncated>false</IsTruncated><Tags/>"
                "</ListServerCertificateTagsResult><ResponseMetadata><RequestId>%s</RequestId>"
                "</ResponseMetadata></ListServerCertificateTagsResponse>" % uuid.uuid4()).encode())
        if service == "iam" and action == "ListServerCertificates":
            if not self.sh.take(acc, 0, self.op_index["iam"]):
                return None
            doc = r.iam_xml.get(account)
            if doc is None:
                return self.query_error(403, "InvalidClientTokenId", "unknown access key")
            return http_response(200, XML, doc % uuid.uuid4().hex.encode())
        return self.query_error(400, "InvalidAction", "%s/%s is not simulated" % (service, action))

    def acm_list(self, req, account, region):
        items = self.r.lists.get((account, region))
        if items is None:
            return self.json_error("AccessDeniedException", "unknown account or region")
        kt = (req.get("Includes") or {}).get("keyTypes") or ["RSA_1024", "RSA_2048"]
        st = req.get("CertificateStatuses")
        sel = [c for c in items if c["KeyAlgorithm"] in kt and (not st or c["Status"] in st)]
        size = min(int(req.get("MaxItems") or orgmod.ACM_PAGE_DEFAULT), orgmod.ACM_PAGE_MAX)
        tok = req.get("NextToken")
        start = int(tok[5:]) if tok else 0
        doc = {"CertificateSummaryList": sel[start:start + size]}
        if start + size < len(sel):
            doc["NextToken"] = "page-%d" % (start + size)
        return http_response(200, JSON11, json.dumps(doc).encode())

    def apigw(self, target, account, region):
        path, _, query = target.partition("?")
        q = urllib.parse.parse_qs(query)
        if path == "/clientcertificates":
            items = self.r.client_certs.get((account, region))
            if items is None:
                return http_response(403, RJSON, b'{"message":"unknown account"}',
                                     b"x-amzn-ErrorType: UnrecognizedClientException\r\n")
            limit = min(int(q.get("limit", ["25"])[0]), orgmod.APIGW_PAGE_MAX)
            start = int(q.get("position", ["0"])[0])
            doc = {"item": items[start:start + limit]}
            if start + limit < len(items):
                doc["position"] = str(start + limit)
            return http_response(200, RJSON, json.dumps(doc).encode())
        if path in ("/restapis", "/domainnames"):
            return http_response(200, RJSON, b'{"item":[]}')
        if path == "/v2/domainnames":
            return http_response(200, RJSON, b'{"items":[]}')
        return http_response(404, RJSON, b'{"message":"not simulated"}',
                             b"x-amzn-ErrorType: NotFoundException\r\n")

    def sts(self, body, account):
        form = urllib.parse.parse_qs(body.decode())
        action = form.get("Action", [""])[0]
        rid = uuid.uuid4()
        if action == "GetCallerIdentity":
            acct = account or self.r.org.management
            return http_response(200, XML, (
                '<GetCallerIdentityResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">'
                '<GetCallerIdentityResult><Arn>arn:aws:iam::%s:user/bench</Arn><UserId>AIDABENCH%s'
                '</UserId><Account>%s</Account></GetCallerIdentityResult><ResponseMetadata>'
                '<RequestId>%s</RequestId></ResponseMetadata></GetCallerIdentityResponse>'
                % (acct, acct, acct, rid)).encode())
        if action == "AssumeRole":
            arn = form.get("RoleArn", [""])[0]
            parts = arn.split(":")
            target = parts[4] if len(parts) > 5 else ""
            if target not in self.r.acc_index:
                return self.query_error(403, "AccessDenied", "not authorized to assume %s" % arn)
            role = parts[5].split("/", 1)[-1]
            session = form.get("RoleSessionName", ["bench"])[0]
            return http_response(200, XML, (
                '<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><AssumeRoleResult>'
                '<Credentials><AccessKeyId>ASIA%sBNCH</AccessKeyId><SecretAccessKey>benchsecret%s'
                '</SecretAccessKey><SessionToken>benchtoken%s</SessionToken><Expiration>%s'
                '</Expiration></Credentials><AssumedRoleUser><AssumedRoleId>AROABENCH%s:%s'
                '</AssumedRoleId><Arn>arn:aws:sts::%s:assumed-role/%s/%s</Arn></AssumedRoleUser>'
                '</AssumeRoleResult><ResponseMetadata><RequestId>%s</RequestId></ResponseMetadata>'
                '</AssumeRoleResponse>' % (target, target, rid.hex, iso(time.time() + 3600), target,
                                           escape(session), target, escape(role), escape(session),
                                           rid)).encode())
        return self.query_error(400, "InvalidAction", "sts/%s is not simulated" % action)


class Conn(asyncio.Protocol):
    def __init__(self, worker, loop):
        self.w = worker
        self.loop = loop
        self.buf = b""
        self.t = None

    def connection_made(self, transport):
        self.t = transport

    def connection_lost(self, exc):
        self.t = None

    def send(self, data):
        if self.t is not None:
            self.t.write(data)

    def data_received(self, data):
        self.buf += data
        while True:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = self.buf[:end].split(b"\r\n")
            try:
                method, target, _ = head[0].split(b" ", 2)
            except ValueError:
                self.t.close()
                return
            headers = {}
            for line in head[1:]:
                k, _, v = line.partition(b":")
                headers[k.strip().lower()] = v.strip()
            n = int(headers.get(b"content-length", b"0"))
            if len(self.buf) < end + 4 + n:
                if headers.get(b"expect", b"").lower() == b"100-continue" and not getattr(self, "cont", False):
                    self.cont = True
                    self.t.write(b"HTTP/1.1 100 Continue\r\n\r\n")
                return
            self.cont = False
            body = self.buf[end + 4:end + 4 + n]
            self.buf = self.buf[end + 4 + n:]
            selftest = b"x-bench-selftest" in headers
            out, _ = self.w.handle(method, target.decode(), headers, body)
            if selftest or self.w.latency <= 0:
                self.send(out)
            else:
                self.loop.call_later(self.w.latency, self.send, out)


def worker_main(sock, resp, shared, wid, latency, certfile, keyfile):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(certfile, keyfile)
    ctx.set_alpn_protocols(["http/1.1"])
    w = Worker(resp, shared, wid, latency)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    srv = loop.run_until_complete(loop.create_server(lambda: Conn(w, loop), sock=sock, ssl=ctx,
                                                     backlog=1024))
    loop.add_signal_handler(signal.SIGTERM, loop.stop)
    try:
        loop.run_forever()
    finally:
        srv.close()
        if w.trace is not None:
            w.trace.close()


class Simulator:
    """Starts `workers` processes serving `org` on 127.0.0.1 (a free port)."""

    def __init__(self, org, latency, certfile, keyfile, workers=None):
        self.org = org
        self.workers = workers or max(2, os.cpu_count() or 2)
        t0 = time.monotonic()
        self.resp = Responder(org)
        self.build_seconds = time.monotonic() - t0
        self.shared = Shared(org, self.workers)
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(1024)
        self.sock.setblocking(False)
        self.port = self.sock.getsockname()[1]
        ctx = mp.get_context("fork")
        self.procs = [ctx.Process(target=worker_main, daemon=True,
                                  args=(self.sock, self.resp, self.shared, i, latency, certfile, keyfile))
                      for i in range(self.workers)]
        for p in self.procs:
            p.start()

    def cpu_seconds(self):
        """User+system CPU seconds of the worker processes so far."""
        tick = os.sysconf("SC_CLK_TCK")
        total = 0.0
        for p in self.procs:
            try:
                with open("/proc/%d/stat" % p.pid) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                total += (int(fields[11]) + int(fields[12])) / tick
            except OSError:
                pass
        return total

    def stop(self):
        for p in self.procs:
            if p.is_alive():
                os.kill(p.pid, signal.SIGTERM)
        for p in self.procs:
            p.join(5)
            if p.is_alive():
                p.kill()
                p.join()
        self.sock.close()
