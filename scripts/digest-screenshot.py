#!/usr/bin/env python3
"""Makes docs/digest-org.png: the organization digest of a small test
organization in moto (two member accounts in an OU, ACM certificates
expiring in 4, 19 (tagged) and 39 days, an IAM server certificate moto reports as
expired), written by `certsweep scan --notify-dry-run` and rendered by
headless Chromium.  Prints the digest's text part, which README quotes.

usage: scripts/digest-screenshot.py BUILD/src/certsweep OUT.png
"""
import email
import email.policy
import os
import shutil
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tests", "integration"))


def main():
    binary, png = sys.argv[1:3]
    os.environ["CERTSWEEP"] = os.path.abspath(binary)
    import harness
    from test_securityhub import MGMT, Org, SCAN_REGION
    tmp = tempfile.mkdtemp(prefix="certsweep-digest-shot-")
    moto = harness.start_moto()
    try:
        o = Org(moto)
        org = o.client(MGMT, "organizations")
        root = org.list_roots()["Roots"][0]["Id"]
        ou = org.create_organizational_unit(ParentId=root, Name="Production")
        for a in (o.a1, o.a2):
            org.move_account(AccountId=a, SourceParentId=root,
                             DestinationParentId=ou["OrganizationalUnit"]["Id"])
        o.iam_cert(o.a1, "legacy-lb")
        arn = o.import_cert(o.a1, SCAN_REGION, days=19)
        o.client(o.a1, "acm", SCAN_REGION).add_tags_to_certificate(
            CertificateArn=arn, Tags=[{"Key": "team", "Value": "payments"},
                                      {"Key": "env", "Value": "prod"}])
        o.import_cert(o.a2, SCAN_REGION, days=4)
        o.import_cert(o.a2, "eu-west-1", days=39)
        conf = os.path.join(tmp, "certsweep.conf")
        with open(conf, "w") as f:
            f.write("[aws]\nregion = %s\n[scan]\nregions = us-east-1, eu-west-1\n"
                    "collectors = acm, iam\nfail_on = none\n[securityhub]\nenabled = false\n"
                    "[state]\ndir = %s\n[email]\nsmtp_host = 127.0.0.1\n"
                    "from = certsweep@example.com\norg_to = secops@example.com\n"
                    "account_owners = %s: team-a@example.com\n"
                    % (SCAN_REGION, os.path.join(tmp, "state"), o.a1))
        out = os.path.join(tmp, "dry")
        env = harness.clean_env(endpoint_url=moto.url, extra=harness.env_credentials(), home=tmp)
        r = harness.run(["scan", "--config", conf, "--format", "json", "--notify-dry-run", out],
                        env, timeout=300)
        if r.rc not in (0, 1):
            sys.exit("scan failed: %s" % r)
        with open(os.path.join(out, "email-org.eml")) as f:
            msg = email.message_from_file(f, policy=email.policy.default)
        html = msg.get_body(("html",)).get_content()
        text = msg.get_body(("plain",)).get_content()
        page = os.path.join(tmp, "digest.html")
        with open(page, "w") as f:
            f.write(html)
        chromium = shutil.which("chromium") or shutil.which("chromium-browser")
        subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                        "--hide-scrollbars", "--window-size=820,800",
                        "--screenshot=%s" % os.path.abspath(png), "file://" + page],
                       check=True, capture_output=True)
        print(text)
    finally:
        moto.stop()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
