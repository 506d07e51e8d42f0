#!/usr/bin/env python3
"""Seeds a small AWS Organization with certificate problems into moto.

Shared by tests/integration/test_scan.py and demo/run-demo.sh.  Every
certificate is built for one rule of certsweep, relative to an `as_of` date
(default: ten days from today, so that a certificate requested today has
been pending validation for ten days by then).

The organization (management account = moto's default 123456789012):
  Root
  |- OU prod: prod-a, prod-b
  `- OU dev:  dev
Member accounts are entered with AssumeRole into CertSweepAudit (created in
each), as certsweep does.

moto's gaps are covered by tests/doubles/apigw_clientcert_double.py (API
Gateway client certificates and a stage's clientCertificateId): pass its
URL as double_url and the client certificates are seeded there.

Run as a script: seed_demo.py --endpoint URL [--double URL] [--as-of DATE]
prints the seed (accounts and expected findings) as JSON.
Needs boto3 and cryptography (both come with moto).
"""
import argparse
import datetime
import json
import os
import sys
import urllib.request

DAY = 86400
MANAGEMENT = "123456789012"
ROLE = "CertSweepAudit"
SEED_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SEED_SECRET_KEY = "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"


def _client(endpoint, service, region, creds=None):
    import boto3
    c = creds or {"aws_access_key_id": SEED_ACCESS_KEY, "aws_secret_access_key": SEED_SECRET_KEY}
    return boto3.client(service, region_name=region, endpoint_url=endpoint, **c)


def make_cert(cn, not_before, not_after, key="rsa2048"):
    """A self-signed certificate and its key (PEM bytes)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec, rsa
    from cryptography.x509.oid import NameOID

    if key == "rsa1024":
        pk = rsa.generate_private_key(public_exponent=65537, key_size=1024)
    elif key == "ec256":
        pk = ec.generate_private_key(ec.SECP256R1())
    else:
        pk = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])
    cert = (x509.CertificateBuilder()
            .subject_name(name).issuer_name(name)
            .public_key(pk.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(datetime.datetime.fromtimestamp(not_before, datetime.timezone.utc))
            .not_valid_after(datetime.datetime.fromtimestamp(not_after, datetime.timezone.utc))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(cn)]), critical=False)
            .sign(pk, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            pk.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()))


def default_as_of(now=None):
    now = now or datetime.datetime.now(datetime.timezone.utc)
    d = (now + datetime.timedelta(days=10)).date()
    return d.isoformat()


def epoch_of(date_str):
    d = datetime.date.fromisoformat(date_str)
    return int(datetime.datetime(d.year, d.month, d.day, tzinfo=datetime.timezone.utc).timestamp())


def days_until(not_after, as_of):
    """Whole days toward zero, as certsweep counts them (scanner_days_until)."""
    d = int(not_after) - as_of
    return d // DAY if d >= 0 else -((-d) // DAY)


class Seeder:
    def __init__(self, endpoint, double_url=None, as_of=None):
        self.endpoint = endpoint
        self.double_url = double_url
        self.as_of = as_of or default_as_of()
        self.t = epoch_of(self.as_of)
        self.now = int(datetime.datetime.now(datetime.timezone.utc).timestamp())
        self.accounts = {"management": MANAGEMENT}
        self.ous = {}
        self.creds = {}
        self.expected = []       # findings certsweep must report
        self.healthy = []        # resources that must raise nothing
        self.client_certs = {}
        self.stage_links = {}

    # ---- helpers --------------------------------------------------------
    def c(self, account, service, region="us-east-1"):
        return _client(self.endpoint, service, region, self.creds.get(account))

    def expect(self, rule, severity, account, region, resource_id, not_after=None, **extra):
        e = {"rule": rule, "severity": severity, "account_id": self.accounts[account],
             "account": account, "region": region, "resource_id": resource_id,
             "days_to_expiry": days_until(not_after, self.t) if not_after else None}
        e.update(extra)
        self.expected.append(e)

    def import_cert(self, account, region, cn, not_after, key="rsa2048"):
        body, pk = make_cert(cn, self.now - 30 * DAY, not_after, key)
        arn = self.c(account, "acm", region).import_certificate(
            Certificate=body, PrivateKey=pk)["CertificateArn"]
        return arn, arn.rsplit("/", 1)[1]

    # ---- organization -----------------------------------------------------
    def organization(self):
        org = self.c("management", "organizations")
        org.create_organization(FeatureSet="ALL")
        root = org.list_roots()["Roots"][0]["Id"]
        for ou_name, members in (("prod", ("prod-a", "prod-b")), ("dev", ("dev",))):
            ou = org.create_organizational_unit(ParentId=root, Name=ou_name)["OrganizationalUnit"]["Id"]
            self.ous[ou_name] = ou
            for m in members:
                acct = org.create_account(AccountName=m, Email="%s@example.com" % m)
                acct_id = acct["CreateAccountStatus"]["AccountId"]
                org.move_account(AccountId=acct_id, SourceParentId=root, DestinationParentId=ou)
                self.accounts[m] = acct_id
        sts = self.c("management", "sts")
        trust = json.dumps({"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::%s:root" % MANAGEMENT},
            "Action": "sts:AssumeRole"}]})
        for name, acct_id in self.accounts.items():
            if name == "management":
                continue
            cr = sts.assume_role(RoleArn="arn:aws:iam::%s:role/%s" % (acct_id, ROLE),
                                 RoleSessionName="certsweep-seed")["Credentials"]
            self.creds[name] = {"aws_access_key_id": cr["AccessKeyId"],
                                "aws_secret_access_key": cr["SecretAccessKey"],
                                "aws_session_token": cr["SessionToken"]}
            self.c(name, "iam").create_role(RoleName=ROLE, AssumeRolePolicyDocument=trust)

    # ---- certificates, one per rule ----------------------------------------
    def prod_a(self):
        t, r1, r2 = self.t, "us-east-1", "eu-west-1"
        arn, cid = self.import_cert("prod-a", r1, "shop.prod-a.example.com", t + 5 * DAY + 43200)
        self.expect("expiring", "CRITICAL", "prod-a", r1, cid, t + 5 * DAY + 43200, arn=arn)
        arn, cid = self.import_cert("prod-a", r1, "api.prod-a.example.com", t + 20 * DAY + 43200, "ec256")
        self.expect("expiring", "HIGH", "prod-a", r1, cid, t + 20 * DAY + 43200, arn=arn)
        # Valid when imported (moto refuses expired ones), expired by as_of.
        na = self.now + DAY
        arn, cid = self.import_cert("prod-a", r1, "old.prod-a.example.com", na)
        self.expect("expired", "CRITICAL", "prod-a", r1, cid, na, arn=arn)
        # Requested today, still pending at as_of; logging opted out.
        acm = self.c("prod-a", "acm", r1)
        pending = acm.request_certificate(
            DomainName="new.prod-a.example.com", ValidationMethod="DNS",
            Options={"CertificateTransparencyLoggingPreference": "DISABLED", "Export": "DISABLED"},
        )["CertificateArn"]
        pna = acm.describe_certificate(CertificateArn=pending)["Certificate"]["NotAfter"].timestamp()
        pid = pending.rsplit("/", 1)[1]
        self.expect("validation-incomplete", "MEDIUM", "prod-a", r1, pid, pna, arn=pending)
        self.expect("transparency-logging-disabled", "LOW", "prod-a", r1, pid, pna, arn=pending)
        # A custom domain serving the certificate that is not issued yet.
        gw = self.c("prod-a", "apigateway", r1)
        gw.create_domain_name(domainName="gw.prod-a.example.com", regionalCertificateArn=pending,
                              endpointConfiguration={"types": ["REGIONAL"]})
        self.expect("domain-certificate", "HIGH", "prod-a", r1, "gw.prod-a.example.com", pna)
        # A REST API stage presenting a client certificate that does not exist,
        # and a client certificate that needs rotation.
        api = gw.create_rest_api(name="orders")["id"]
        root = gw.get_resources(restApiId=api)["items"][0]["id"]
        gw.put_method(restApiId=api, resourceId=root, httpMethod="GET", authorizationType="NONE")
        gw.put_integration(restApiId=api, resourceId=root, httpMethod="GET", type="MOCK")
        dep = gw.create_deployment(restApiId=api)["id"]
        gw.create_stage(restApiId=api, stageName="prod", deploymentId=dep)
        gw.create_stage(restApiId=api, stageName="beta", deploymentId=dep)
        self.link_stage("prod-a", r1, api, "prod", "ghost0cert")
        self.link_stage("prod-a", r1, api, "beta", "rot8me0001")
        self.expect("stage-client-certificate", "HIGH", "prod-a", r1, "%s/prod" % api)
        self.client_cert("prod-a", r1, "rot8me0001", self.now - 300 * DAY, t + 10 * DAY + 3600)
        self.expect("client-certificate-rotation", "HIGH", "prod-a", r1, "rot8me0001",
                    t + 10 * DAY + 3600)
        self.client_cert("prod-a", r1, "fresh00001", self.now, t + 300 * DAY)
        self.healthy.append("fresh00001")
        # eu-west-1: a weak key, and a healthy certificate.
        arn, cid = self.import_cert("prod-a", r2, "legacy.prod-a.example.com", t + 200 * DAY, "rsa1024")
        self.expect("weak-key", "LOW", "prod-a", r2, cid, t + 200 * DAY, arn=arn)
        arn, cid = self.import_cert("prod-a", r2, "fine.prod-a.example.com", t + 300 * DAY)
        self.healthy.append(cid)

    def prod_b(self):
        t, r1 = self.t, "us-east-1"
        arn, cid = self.import_cert("prod-b", r1, "pay.prod-b.example.com", t + 40 * DAY + 43200)
        self.expect("expiring", "MEDIUM", "prod-b", r1, cid, t + 40 * DAY + 43200, arn=arn)
        # moto reports every IAM server certificate as expiring 2012-05-08T01:02:03Z.
        body, pk = make_cert("lb.prod-b.example.com", self.now - 30 * DAY, t + 100 * DAY)
        self.c("prod-b", "iam").upload_server_certificate(
            ServerCertificateName="legacy-lb", CertificateBody=body.decode(), PrivateKey=pk.decode())
        self.expect("iam-server-certificate", "CRITICAL", "prod-b", "global", "legacy-lb",
                    1336438923)
        # An HTTP API custom domain (API Gateway v2) on a certificate that is not issued.
        acm = self.c("prod-b", "acm", r1)
        pending = acm.request_certificate(DomainName="ws.prod-b.example.com",
                                          ValidationMethod="DNS")["CertificateArn"]
        pna = acm.describe_certificate(CertificateArn=pending)["Certificate"]["NotAfter"].timestamp()
        self.expect("validation-incomplete", "MEDIUM", "prod-b", r1, pending.rsplit("/", 1)[1], pna,
                    arn=pending)
        self.c("prod-b", "apigatewayv2", r1).create_domain_name(
            DomainName="ws.prod-b.example.com",
            DomainNameConfigurations=[{"CertificateArn": pending, "EndpointType": "REGIONAL"}])
        self.expect("domain-certificate", "HIGH", "prod-b", r1, "ws.prod-b.example.com", pna)

    def dev(self):
        t, r2 = self.t, "eu-west-1"
        self.client_cert("dev", r2, "expired001", self.now - 400 * DAY, t - 3 * DAY)
        self.expect("client-certificate-rotation", "CRITICAL", "dev", r2, "expired001", t - 3 * DAY)

    def management(self):
        arn, cid = self.import_cert("management", "us-east-1", "www.example.com", self.t + 120 * DAY)
        self.healthy.append(cid)

    # ---- API Gateway double state ------------------------------------------
    def client_cert(self, account, region, cid, created, expires):
        lst = self.client_certs.setdefault(self.accounts[account], {}).setdefault(region, [])
        lst.append({"clientCertificateId": cid, "description": "backend mTLS",
                    "createdDate": created, "expirationDate": expires,
                    "pemEncodedCertificate": "-----BEGIN CERTIFICATE-----\nMIIC\n-----END CERTIFICATE-----\n"})

    def link_stage(self, account, region, api, stage, cid):
        self.stage_links.setdefault(self.accounts[account], {}).setdefault(region, {})[
            "%s/%s" % (api, stage)] = cid

    def double_state(self):
        return {"client_certificates": self.client_certs,
                "stage_client_certificates": self.stage_links}

    def push_double(self):
        if self.double_url:
            push_double_state(self.double_url, self.double_state())

    def run(self):
        self.organization()
        self.prod_a()
        self.prod_b()
        self.dev()
        self.management()
        self.push_double()
        if not self.double_url:
            # Without the double nothing serves client certificates or
            # stage links: those findings cannot appear.
            self.expected = [e for e in self.expected
                             if e["rule"] not in ("client-certificate-rotation",
                                                  "stage-client-certificate")]
        return {"as_of": self.as_of, "as_of_epoch": self.t, "accounts": self.accounts,
                "ous": self.ous, "expected": self.expected, "healthy": self.healthy,
                "double_state": self.double_state()}


def push_double_state(double_url, state):
    """Replaces the API Gateway double's state (see the double's doc)."""
    req = urllib.request.Request(double_url + "/_double/state", data=json.dumps(state).encode(),
                                 method="POST", headers={"Content-Type": "application/json"})
    urllib.request.urlopen(req, timeout=10).read()


def seed(endpoint, double_url=None, as_of=None):
    return Seeder(endpoint, double_url, as_of).run()


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True, help="moto's URL")
    ap.add_argument("--double", help="URL of tests/doubles/apigw_clientcert_double.py")
    ap.add_argument("--as-of", help="date the findings are built for (YYYY-MM-DD)")
    a = ap.parse_args()
    os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")
    json.dump(seed(a.endpoint, a.double, a.as_of), sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
