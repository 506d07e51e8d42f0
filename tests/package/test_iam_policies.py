"""The shipped IAM policies grant exactly what the code calls.

The list of operations comes from the code: aws/operations.c (printed by
tests/tools/print_operations), which aws_client_call() enforces — a call
whose operation has no row there is refused, so the table cannot fall
behind the code.  Each row names the policy that must grant it.  This test
fails when a policy lacks a (action, resource) the code needs, or grants
one no row asks for.

Usage: test_iam_policies.py PRINT_OPERATIONS
"""
import json
import os
import shutil
import subprocess
import sys
import unittest

TOOL = sys.argv[1]
SRCDIR = os.environ.get("SRCDIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
IAM = os.path.join(SRCDIR, "packaging", "iam")


def operations():
    out = subprocess.run([TOOL], capture_output=True, text=True, check=True).stdout
    rows = [line.split("\t") for line in out.splitlines()]
    assert rows and all(len(r) == 5 for r in rows), out
    return rows


def expected(policy):
    return {(r[3], r[4]) for r in operations() if r[2] == policy}


def as_list(v):
    return v if isinstance(v, list) else [v]


def grants(doc, where):
    """{(action, resource)} of a policy document; anything that widens or
    hides grants (Deny, NotAction, NotResource, wildcards in actions) fails."""
    out = set()
    assert doc.get("Version") == "2012-10-17", where
    for st in doc["Statement"]:
        assert st.get("Effect") == "Allow", "%s: only Allow statements (%s)" % (where, st)
        for k in ("NotAction", "NotResource", "NotPrincipal"):
            assert k not in st, "%s: %s is not allowed" % (where, k)
        for a in as_list(st["Action"]):
            assert "*" not in a, "%s: wildcard action %s" % (where, a)
            for res in as_list(st["Resource"]):
                out.add((a, res))
    return out


def load(name):
    with open(os.path.join(IAM, name)) as f:
        return json.load(f)


def template_role():
    tpl = load("audit-role.cfn.json")
    roles = [r for r in tpl["Resources"].values() if r["Type"] == "AWS::IAM::Role"]
    assert len(roles) == 1
    return tpl, roles[0]["Properties"]


class Policies(unittest.TestCase):
    def diff(self, have, want, name):
        missing = sorted(want - have)
        extra = sorted(have - want)
        self.assertFalse(missing, "%s lacks what the code calls (add it): %s" % (name, missing))
        self.assertFalse(extra, "%s grants what no operation in aws/operations.c needs (remove it): %s"
                         % (name, extra))

    def test_table(self):
        rows = operations()
        keys = [(r[0], r[1]) for r in rows]
        self.assertEqual(len(keys), len(set(keys)), "an operation listed twice")
        for svc, op, policy, action, res in rows:
            self.assertIn(policy, ("scanner", "audit", "none"))
            if policy == "none":
                self.assertEqual((action, res), ("-", "-"), op)
            else:
                self.assertNotEqual(action, "-", op)
                prefix = {"apigatewayv2": "apigateway"}.get(svc, svc)
                self.assertTrue(action.startswith(prefix + ":"), (svc, op, action))

    def test_scanner_policy(self):
        self.diff(grants(load("scanner-policy.json"), "scanner-policy.json"),
                  expected("scanner"), "scanner-policy.json")

    def test_audit_policy(self):
        self.diff(grants(load("audit-role-permissions.json"), "audit-role-permissions.json"),
                  expected("audit"), "audit-role-permissions.json")

    def test_template_role(self):
        _, props = template_role()
        have = set()
        for p in props["Policies"]:
            have |= grants(p["PolicyDocument"], "audit-role.cfn.json")
        self.diff(have, expected("audit"), "audit-role.cfn.json")
        self.assertFalse(props.get("ManagedPolicyArns"), "no managed policies on the audit role")

    def test_trust_needs_external_id(self):
        for name, doc in (("audit-role-trust.json", load("audit-role-trust.json")),
                          ("audit-role.cfn.json", template_role()[1]["AssumeRolePolicyDocument"])):
            sts = doc["Statement"]
            self.assertEqual(len(sts), 1, name)
            st = sts[0]
            self.assertEqual(st["Action"], "sts:AssumeRole", name)
            self.assertEqual(st["Effect"], "Allow", name)
            cond = json.dumps(st["Condition"])
            self.assertIn('"StringEquals": {"sts:ExternalId"', cond, name)
            if name.endswith(".cfn.json"):
                # both branches of the Fn::If keep the ExternalId
                branches = st["Condition"]["Fn::If"][1:]
                for b in branches:
                    self.assertIn("sts:ExternalId", b["StringEquals"], name)

    def test_role_name_agrees(self):
        tpl, _ = template_role()
        default = tpl["Parameters"]["RoleName"]["Default"]
        assume = [r for r in operations() if r[1] == "AssumeRole"][0]
        self.assertTrue(assume[4].endswith(":role/" + default), (assume, default))

    def test_cfn_lint(self):
        lint = shutil.which("cfn-lint")
        if not lint:
            self.skipTest("cfn-lint is not installed")
        r = subprocess.run([lint, os.path.join(IAM, "audit-role.cfn.json")],
                           capture_output=True, text=True, timeout=240)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
