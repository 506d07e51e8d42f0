"""The bash completion offers the commands and each command's flags as the
built certsweep's --help lists them (so a new command or flag needs no
change to the completion file).

Usage: test_completion.py CERTSWEEP
"""
import os
import re
import subprocess
import sys
import unittest

BIN = sys.argv[1]
SRCDIR = os.environ.get("SRCDIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
BASH_COMPLETION = "/usr/share/bash-completion/bash_completion"
OPTION = re.compile(r"^ +(?:-[A-Za-z], )?(--[a-z][a-z-]*)")


def complete(*words):
    """COMPREPLY for the command line `certsweep WORDS...` (the last word is
    the one being completed)."""
    line = " ".join(("certsweep",) + words)
    script = """
source %s
source %s
COMP_WORDS=(certsweep %s); COMP_CWORD=%d; COMP_LINE=%s; COMP_POINT=${#COMP_LINE}
_certsweep
printf '%%s\\n' "${COMPREPLY[@]}"
""" % (BASH_COMPLETION, os.path.join(SRCDIR, "packaging", "completion", "certsweep.bash"),
       " ".join("'%s'" % w for w in words), len(words), "'%s'" % line)
    env = dict(os.environ, PATH=os.path.dirname(os.path.abspath(BIN)) + os.pathsep + os.environ["PATH"])
    r = subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=30)
    assert r.returncode == 0, r.stderr
    return sorted(w for w in r.stdout.split("\n") if w)


def help_of(*args):
    return subprocess.run([BIN] + list(args) + ["--help"], capture_output=True, text=True,
                          check=True).stdout


class BashCompletion(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(BASH_COMPLETION):
            self.skipTest("bash-completion is not installed (scripts/deps.sh installs it)")

    def test_commands(self):
        body = help_of().split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
        cmds = [l.split()[0] for l in body.splitlines()]
        self.assertEqual(complete(""), sorted(cmds + ["--help", "--version"]))

    def test_flags_of_each_command(self):
        body = help_of().split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
        for cmd in [l.split()[0] for l in body.splitlines()]:
            want = sorted({m.group(1) for l in help_of(cmd).splitlines() for m in [OPTION.match(l)] if m})
            self.assertEqual(complete(cmd, "--"), want, cmd)
        self.assertEqual(complete("scan", "--reg"), ["--region", "--regions"])


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
