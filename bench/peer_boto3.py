#!/usr/bin/env python3
"""The peer scanner of the benchmark: the certificate audit as users script
it with boto3 today.

  1. GetCallerIdentity, then Organizations ListAccounts (paginator), ACTIVE
     accounts only.
  2. For every account (32 threads): AssumeRole into the audit role (the
     caller's own account uses the caller's credentials, as certsweep does),
     EC2 DescribeRegions, IAM ListServerCertificates (paginator).
  3. For every account and region (32 threads): ACM ListCertificates
     (paginator, every key type and status) and DescribeCertificate for each;
     API Gateway GetClientCertificates, GetRestApis (and GetStages of each),
     GetDomainNames; API Gateway v2 GetDomainNames.
  4. Judge the records with the same rules as certsweep's scanner/rules.c
     (expired, expiring with the managed and unmanaged tiers, not-renewable,
     validation-incomplete, renewal-failing, weak-key,
     transparency-logging-disabled, client-certificate-rotation,
     iam-server-certificate) at default thresholds.

Every client uses botocore's adaptive retry mode (max_attempts 10).  Clients
are created per account-region from a per-thread session, as scripts do.

Writes a JSON document: findings [{rule, account_id, region, resource_id,
severity}], stats {api_calls, retries, errors}, and progress (account-regions
done of total) -- with --time-limit the scan stops starting new work at the
limit, so a capped run reports how far it got.

Usage: peer_boto3.py --endpoint URL --ca-bundle PEM [--threads 32]
                     [--role-name CertSweepAudit] [--time-limit S] --output FILE
Credentials of the scanning identity come from the environment."""
import argparse
import concurrent.futures as cf
import json
import sys
import threading
import time

import boto3
from botocore.config import Config

DAY = 86400
KEY_TYPES = ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1",
             "EC_secp521r1"]
STATUSES = ["PENDING_VALIDATION", "ISSUED", "INACTIVE", "EXPIRED", "VALIDATION_TIMED_OUT",
            "REVOKED", "FAILED"]
TIERS = (45, 30, 7)          # [rules] expiring, client_certificate, iam_server_certificate
TIERS_MANAGED = (30, 14, 7)  # [rules] expiring_managed
PENDING_VALIDATION_MAX_DAYS = 3
RENEWAL_PENDING_DAYS = 30


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.api_calls = 0
        self.retries = 0
        self.errors = []

    def sent(self, **_):
        with self.lock:
            self.api_calls += 1

    def retried(self, resp):
        n = resp.get("ResponseMetadata", {}).get("RetryAttempts", 0)
        if n:
            with self.lock:
                self.retries += n

    def error(self, where, e):
        with self.lock:
            self.errors.append("%s: %s" % (where, e))


STATS = Stats()
LOCAL = threading.local()


def epoch(t):
    if t is None:
        return 0
    return int(t.timestamp()) if hasattr(t, "timestamp") else int(t)


def days_until(not_after, now):
    return (not_after - now) // DAY


def tier(t, days):
    medium, high, critical = t
    if critical > 0 and days <= critical:
        return "critical"
    if high > 0 and days <= high:
        return "high"
    if medium > 0 and days <= medium:
        return "medium"
    return None


def judge_acm(c, account, region, now, out):
    status = c.get("Status")
    if status == "REVOKED":
        return
    rid = c["CertificateArn"].rsplit("/", 1)[-1]

    def emit(rule, sev):
        out.append((rule, account, region, rid, sev))
    na = epoch(c.get("NotAfter"))
    live = status in ("ISSUED", "INACTIVE")
    dead = status in ("REVOKED", "FAILED", "VALIDATION_TIMED_OUT", "EXPIRED")
    amazon = c.get("Type") in ("AMAZON_ISSUED", "PRIVATE")
    renewal = (c.get("RenewalSummary") or {}).get("RenewalStatus")
    in_use = len(c.get("InUseBy") or []) > 0
    renews = amazon and c.get("RenewalEligibility") == "ELIGIBLE" and in_use and renewal != "FAILED"
    expired = status == "EXPIRED" or (na != 0 and na <= now and (live or status is None))
    if expired:
        emit("expired", "critical")
    elif live and na:
        days = days_until(na, now)
        sev = tier(TIERS_MANAGED if renews else TIERS, days)
        if sev:
            emit("expiring", sev)
        if amazon and not renews and renewal != "FAILED" and days <= TIERS[0]:
            emit("not-renewable", "medium" if in_use else "low")
    created = epoch(c.get("CreatedAt"))
    if status == "PENDING_VALIDATION":
        if created and now - created > PENDING_VALIDATION_MAX_DAYS * DAY:
            emit("validation-incomplete", "medium")
    elif status in ("VALIDATION_TIMED_OUT", "FAILED"):
        emit("validation-incomplete", "medium")
    if renewal == "FAILED" or (renewal == "PENDING_VALIDATION" and na and
                               days_until(na, now) <= RENEWAL_PENDING_DAYS):
        emit("renewal-failing", "high")
    if expired or dead:
        return
    if (c.get("KeyAlgorithm") or "").upper() in ("RSA_1024", "RSA-1024", "RSA1024"):
        emit("weak-key", "low")
    if c.get("Type") == "AMAZON_ISSUED" and \
            ((c.get("Options") or {}).get("CertificateTransparencyLoggingPreference") or "").upper() == "DISABLED":
        emit("transparency-logging-disabled", "low")


def judge_expiry(rule, account, region, rid, not_after, now, out):
    if not not_after:
        return
    if not_after <= now:
        out.append((rule, account, region, rid, "critical"))
        return
    sev = tier(TIERS, days_until(not_after, now))
    if sev:
        out.append((rule, account, region, rid, sev))


class Peer:
    def __init__(self, a):
        self.a = a
        self.config = Config(retries={"mode": "adaptive", "max_attempts": 10},
                             max_pool_connections=4)

    def client(self, service, region, creds=None):
        sess = getattr(LOCAL, "session", None)
        if sess is None:
            sess = LOCAL.session = boto3.session.Session()
        kw = {}
        if creds:
            kw = {"aws_access_key_id": creds["AccessKeyId"],
                  "aws_secret_access_key": creds["SecretAccessKey"],
                  "aws_session_token": creds["SessionToken"]}
        c = sess.client(service, region_name=region, endpoint_url=self.a.endpoint,
                        verify=self.a.ca_bundle, config=self.config, **kw)
        c.meta.events.register("before-send", STATS.sent)
        return c

    def pages(self, client, op, key, **kw):
        for page in client.get_paginator(op).paginate(**kw):
            STATS.retried(page)
            yield from page.get(key, [])

    def call(self, client, op, **kw):
        resp = getattr(client, op)(**kw)
        STATS.retried(resp)
        return resp

    def account(self, acct, caller):
        """(creds, regions, findings) of one account; IAM judged here."""
        out = []
        creds = None
        if acct != caller:
            sts = self.client("sts", "us-east-1")
            creds = self.call(sts, "assume_role",
                              RoleArn="arn:aws:iam::%s:role/%s" % (acct, self.a.role_name),
                              RoleSessionName="audit")["Credentials"]
        ec2 = self.client("ec2", "us-east-1", creds)
        regions = [r["RegionName"] for r in self.call(ec2, "describe_regions")["Regions"]]
        iam = self.client("iam", "us-east-1", creds)
        now = int(time.time())
        for m in self.pages(iam, "list_server_certificates", "ServerCertificateMetadataList"):
            judge_expiry("iam-server-certificate", acct, "global", m["ServerCertificateName"],
                         epoch(m["Expiration"]), now, out)
        return creds, regions, out

    def region(self, acct, region, creds):
        out = []
        acm = self.client("acm", region, creds)
        certs = []
        for s in self.pages(acm, "list_certificates", "CertificateSummaryList",
                            Includes={"keyTypes": KEY_TYPES}, CertificateStatuses=STATUSES):
            certs.append(self.call(acm, "describe_certificate",
                                   CertificateArn=s["CertificateArn"])["Certificate"])
        apigw = self.client("apigateway", region, creds)
        ccs = list(self.pages(apigw, "get_client_certificates", "items", limit=500))
        for api in self.pages(apigw, "get_rest_apis", "items", limit=500):
            self.call(apigw, "get_stages", restApiId=api["id"])
        list(self.pages(apigw, "get_domain_names", "items", limit=500))
        v2 = self.client("apigatewayv2", region, creds)
        self.call(v2, "get_domain_names")
        now = int(time.time())
        for c in certs:
            judge_acm(c, acct, region, now, out)
        for cc in ccs:
            judge_expiry("client-certificate-rotation", acct, region, cc["clientCertificateId"],
                         epoch(cc.get("expirationDate")), now, out)
        return out

    def run(self):
        t0 = time.monotonic()
        deadline = t0 + self.a.time_limit if self.a.time_limit else None
        sts = self.client("sts", "us-east-1")
        caller = self.call(sts, "get_caller_identity")["Account"]
        orgs = self.client("organizations", "us-east-1")
        accounts = [x["Id"] for x in self.pages(orgs, "list_accounts", "Accounts")
                    if x.get("Status") == "ACTIVE"]
        findings, done, accounts_done = [], [], []
        total_ar = None
        with cf.ThreadPoolExecutor(self.a.threads) as pool:
            per_acct = {}
            futs = {pool.submit(self.account, a, caller): a for a in accounts}
            for f in cf.as_completed(futs):
                a = futs[f]
                try:
                    creds, regions, out = f.result()
                except Exception as e:  # noqa: BLE001 -- reported, like a coverage gap
                    STATS.error(a, e)
                    continue
                per_acct[a] = (creds, regions)
                findings += out
                accounts_done.append(a)
            work = [(a, r) for a in accounts if a in per_acct for r in per_acct[a][1]]
            total_ar = len(work)

            def one(a, r):
                if deadline and time.monotonic() > deadline:
                    return None
                return self.region(a, r, per_acct[a][0])
            futs = {pool.submit(one, a, r): (a, r) for a, r in work}
            for f in cf.as_completed(futs):
                a, r = futs[f]
                try:
                    out = f.result()
                except Exception as e:  # noqa: BLE001
                    STATS.error("%s/%s" % (a, r), e)
                    continue
                if out is None:
                    continue
                findings += out
                done.append([a, r])
        return {
            "findings": [dict(zip(("rule", "account_id", "region", "resource_id", "severity"), f))
                         for f in findings],
            "stats": {"api_calls": STATS.api_calls, "retries": STATS.retries,
                      "errors": len(STATS.errors), "first_errors": STATS.errors[:5]},
            "progress": {"accounts": len(accounts), "accounts_done": len(accounts_done),
                         "account_regions_total": total_ar, "account_regions_done": done,
                         "complete": total_ar is not None and len(done) == total_ar,
                         "seconds": time.monotonic() - t0},
        }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--endpoint", required=True)
    ap.add_argument("--ca-bundle", required=True)
    ap.add_argument("--threads", type=int, default=32)
    ap.add_argument("--role-name", default="CertSweepAudit")
    ap.add_argument("--time-limit", type=float, default=0, help="stop starting work after S seconds")
    ap.add_argument("--output", required=True)
    a = ap.parse_args()
    doc = Peer(a).run()
    with open(a.output, "w") as f:
        json.dump(doc, f)
    return 0 if not doc["stats"]["errors"] else 3


if __name__ == "__main__":
    sys.exit(main())
