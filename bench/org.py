"""The generated organization the benchmark scans, its rate limits and the
lower bound of a scan.  Deterministic from (accounts, regions, seed,
scenario): the simulator, the lower bound and the report all rebuild the
same organization from the same arguments."""
import math
import random

# The 17 regions enabled by default in a commercial-partition account.
REGIONS = [
    "us-east-1", "us-east-2", "us-west-1", "us-west-2", "ca-central-1", "sa-east-1",
    "eu-west-1", "eu-west-2", "eu-west-3", "eu-central-1", "eu-north-1",
    "ap-south-1", "ap-northeast-1", "ap-northeast-2", "ap-northeast-3",
    "ap-southeast-1", "ap-southeast-2",
]

DAY = 86400

# Rate limits (requests/s, bucket size) per account, per region, per
# operation class, as AWS publishes them where it does:
#  - ACM: "Rate of DescribeCertificate requests 10/s, ListCertificates 8/s"
#    (ACM quotas page, per account per region).
#  - API Gateway: "Total operations per account: 10 rps, burst 40" for the
#    control-plane GETs (API Gateway quotas page); v1 and v2 share it.
#  - EC2: non-mutating Describe* actions, bucket 100, refill 20/s (EC2 API
#    request throttling page).
#  - STS: 600 requests/s per account per region (STS quotas).
#  - IAM and Organizations publish no figure: 20/s with a bucket of 20 (IAM)
#    and 40 (Organizations) are assumptions, generous enough that sequential
#    paging at the default latency is never throttled.
LIMITS = {
    "acm:DescribeCertificate": (10.0, 10.0),
    "acm:ListCertificates": (8.0, 8.0),
    "acm:ListTagsForCertificate": (10.0, 10.0),
    "apigateway": (10.0, 40.0),
    "iam": (20.0, 20.0),
    "ec2": (20.0, 100.0),
    "sts": (600.0, 600.0),
    "organizations": (20.0, 40.0),
}
OPS = list(LIMITS)

ORG_PAGE = 20         # Organizations ListAccounts: MaxResults at most 20
ACM_PAGE_MAX = 1000   # ListCertificates: MaxItems at most 1000
ACM_PAGE_DEFAULT = 100  # page size when the caller sends no MaxItems (assumption)
APIGW_PAGE_MAX = 500  # API Gateway v1 limit at most 500


def heavy_tail(rng):
    """Certificates in one account-region: most 0-3, a few in the hundreds
    (a Pareto tail, alpha 1.1 from 4, capped at 600)."""
    u = rng.random()
    if u < 0.55:
        return 0
    if u < 0.75:
        return 1
    if u < 0.87:
        return 2
    if u < 0.95:
        return 3
    return min(600, int(4 * (1.0 - rng.random()) ** (-1 / 1.1)))


class Org:
    def __init__(self, accounts=1000, regions=17, seed=1, scenario=None, now=None):
        if scenario in ("issue7", "issue14"):
            accounts, regions = 12, 4
        if not 1 <= regions <= len(REGIONS):
            raise ValueError("--regions must be 1..%d" % len(REGIONS))
        if accounts < 1:
            raise ValueError("--accounts must be at least 1")
        self.seed = seed
        self.scenario = scenario
        self.now = int(now) if now is not None else 0
        self.regions = REGIONS[:regions]
        rng = random.Random(seed)
        ids = set()
        while len(ids) < accounts:
            ids.add("%012d" % rng.randrange(10 ** 11, 10 ** 12))
        self.accounts = sorted(ids)
        self.index = {a: i for i, a in enumerate(self.accounts)}
        self.management = self.accounts[0]
        self.counts = {}
        for a in self.accounts:
            for r in self.regions:
                self.counts[(a, r)] = heavy_tail(rng)
        if scenario in ("issue7", "issue14"):
            self._issue7_counts()
        self.rng_seed = rng.randrange(1 << 30)

    def _issue7_counts(self):
        """Issue 7's case: 12 x 4, one account-region with 100 certificates,
        257 in all (the other 47 hold 3 or 4 each)."""
        keys = sorted(self.counts)
        heavy = keys[len(keys) // 3]
        rest = [k for k in keys if k != heavy]
        extra = 257 - 100 - 3 * len(rest)
        for i, k in enumerate(rest):
            self.counts[k] = 3 + (1 if i < extra else 0)
        self.counts[heavy] = 100

    def total_certificates(self):
        return sum(self.counts.values())

    def certificates(self, account, region):
        """The ACM certificates of one account-region, as dicts of the
        DescribeCertificate Certificate structure (timestamps in epoch s)."""
        n = self.counts[(account, region)]
        rng = random.Random("%d/%s/%s" % (self.seed, account, region))
        out = []
        for i in range(n):
            out.append(self._certificate(rng, account, region, i))
        return out

    def _certificate(self, rng, account, region, i):
        cid = "%08x-%04x-4%03x-8%03x-%012x" % (
            rng.getrandbits(32), rng.getrandbits(16), rng.getrandbits(12),
            rng.getrandbits(12), rng.getrandbits(48))
        arn = "arn:aws:acm:%s:%s:certificate/%s" % (region, account, cid)
        domain = "svc%d.%s.example.com" % (i, account)
        now = self.now
        # Whole days plus half a day: no verdict changes during a run.
        def at(days):
            return now + days * DAY + DAY // 2
        u = rng.random()
        if self.scenario == "issue14":
            # Issue 14's reading of issue 7's case: the same counts, every
            # certificate imported (issue 7 measured moto's imported ones).
            u = 0.52 + 0.15 * u
        c = {
            "CertificateArn": arn, "DomainName": domain, "SubjectAlternativeNames": [domain],
            "Status": "ISSUED", "Type": "AMAZON_ISSUED", "KeyAlgorithm": "RSA_2048",
            "SignatureAlgorithm": "SHA256WITHRSA", "InUseBy": [], "RenewalEligibility": "ELIGIBLE",
            "CreatedAt": at(-300), "IssuedAt": at(-300), "NotBefore": at(-300),
            "NotAfter": at(rng.randint(60, 395)),
            "Options": {"CertificateTransparencyLoggingPreference": "ENABLED"},
            "DomainValidationOptions": [{"DomainName": domain, "ValidationStatus": "SUCCESS",
                                         "ValidationMethod": "DNS"}],
        }
        in_use = ["arn:aws:elasticloadbalancing:%s:%s:loadbalancer/app/lb%d/%x"
                  % (region, account, i, rng.getrandbits(32))]
        if u < 0.45:                       # healthy, in use, renews itself
            c["InUseBy"] = in_use
        elif u < 0.52:                     # managed, inside the managed window
            c["InUseBy"] = in_use
            c["NotAfter"] = at(rng.randint(0, 40))
        elif u < 0.67:                     # imported, anywhere from expired to healthy
            c.update(Type="IMPORTED", RenewalEligibility="INELIGIBLE", InUseBy=in_use,
                     NotAfter=at(rng.randint(-20, 120)))
            del c["IssuedAt"]
            c["ImportedAt"] = at(-200)
            del c["DomainValidationOptions"]
        elif u < 0.72:                     # expired
            c.update(Status="EXPIRED", NotAfter=at(-rng.randint(1, 90)))
        elif u < 0.77:                     # Amazon-issued, not in use, expiring
            c["NotAfter"] = at(rng.randint(0, 50))
        elif u < 0.81:                     # pending validation for days
            c.update(Status="PENDING_VALIDATION", CreatedAt=at(-rng.randint(1, 10)))
            for k in ("IssuedAt", "NotBefore", "NotAfter"):
                del c[k]
            c["DomainValidationOptions"][0]["ValidationStatus"] = "PENDING_VALIDATION"
        elif u < 0.83:                     # request failed
            c.update(Status="FAILED", FailureReason="CAA_ERROR")
            for k in ("IssuedAt", "NotBefore", "NotAfter"):
                del c[k]
            c["DomainValidationOptions"][0]["ValidationStatus"] = "FAILED"
        elif u < 0.87:                     # managed renewal failed
            c["InUseBy"] = in_use
            c["NotAfter"] = at(rng.randint(5, 60))
            c["RenewalSummary"] = {"RenewalStatus": "FAILED", "RenewalStatusReason": "CAA_ERROR",
                                   "DomainValidationOptions": c["DomainValidationOptions"],
                                   "UpdatedAt": at(-1)}
        elif u < 0.90:                     # weak key, imported, healthy
            c.update(Type="IMPORTED", RenewalEligibility="INELIGIBLE", InUseBy=in_use,
                     KeyAlgorithm="RSA_1024", NotAfter=at(rng.randint(100, 300)))
            del c["DomainValidationOptions"]
        elif u < 0.93:                     # CT logging off
            c["InUseBy"] = in_use
            c["Options"]["CertificateTransparencyLoggingPreference"] = "DISABLED"
        elif u < 0.96:                     # EC key, healthy (listed only with Includes.keyTypes)
            c.update(KeyAlgorithm="EC_prime256v1", SignatureAlgorithm="SHA256WITHECDSA",
                     InUseBy=in_use)
        else:                              # EC key, imported, expiring
            c.update(Type="IMPORTED", RenewalEligibility="INELIGIBLE", InUseBy=in_use,
                     KeyAlgorithm="EC_prime256v1", NotAfter=at(rng.randint(0, 40)))
            del c["DomainValidationOptions"]
        return c

    def client_certificates(self, account, region):
        rng = random.Random("cc/%d/%s/%s" % (self.seed, account, region))
        u = rng.random()
        n = 0 if u < 0.85 else (1 if u < 0.95 else 2)
        out = []
        for i in range(n):
            left = rng.randint(-5, 200)
            out.append({"clientCertificateId": "%010x" % rng.getrandbits(40),
                        "description": "bench %d" % i,
                        "pemEncodedCertificate": "-----BEGIN CERTIFICATE-----\n...",
                        "createdDate": self.now + (left - 365) * DAY + DAY // 2,
                        "expirationDate": self.now + left * DAY + DAY // 2})
        return out

    def server_certificates(self, account):
        rng = random.Random("iam/%d/%s" % (self.seed, account))
        out = []
        for i in range(rng.choice((0, 0, 0, 1, 1, 2, 3))):
            left = rng.randint(-10, 200)
            name = "bench-%d" % i
            out.append({"ServerCertificateName": name, "Path": "/",
                        "ServerCertificateId": "ASCA%016X" % rng.getrandbits(64),
                        "Arn": "arn:aws:iam::%s:server-certificate/%s" % (account, name),
                        "UploadDate": self.now - 100 * DAY, "Expiration": self.now + left * DAY + DAY // 2})
        return out

    # ---- the lower bound ---------------------------------------------------

    def lower_bound(self, latency):
        """(seconds, account-region that sets it, minimum request count).

        A scan cannot end before its slowest account-region: the
        Organizations page that names the account (pages of 20, one after
        the other), GetCallerIdentity, AssumeRole, DescribeRegions, the
        ListCertificates pages, then DescribeCertificate for every
        certificate at 10/s after the initial bucket of 10 (the last one
        still takes a round trip)."""
        L = latency
        rate, burst = LIMITS["acm:DescribeCertificate"]
        best, where = 0.0, None
        for (a, r), n in self.counts.items():
            page = self.index[a] // ORG_PAGE
            t = L + (page + 1) * L          # GetCallerIdentity, ListAccounts pages
            if a != self.management:
                t += L                      # AssumeRole
            t += L                          # DescribeRegions
            t += max(1, math.ceil(n / ACM_PAGE_MAX)) * L
            if n:
                t += L + max(0.0, (n - burst) / rate)
            if t > best:
                best, where = t, (a, r, n)
        requests = self.min_requests()
        return best, where, requests

    def min_requests(self):
        """Requests a complete scan needs at least (certsweep's call set)."""
        n_acc = len(self.accounts)
        total = 1 + math.ceil(n_acc / ORG_PAGE)            # identity, ListAccounts
        total += (n_acc - 1) + n_acc + n_acc                 # AssumeRole, DescribeRegions, IAM
        for (a, r), n in self.counts.items():
            total += max(1, math.ceil(n / ACM_PAGE_MAX)) + n   # ACM
            total += 4                                         # client certs, REST APIs, domains v1/v2
        return total
