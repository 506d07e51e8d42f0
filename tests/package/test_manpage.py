"""certsweep(1) and certsweep.conf(5) against the program: every command
and flag of --help (tool and each command), every option of check-config's
list with its type and default, the examples' flags; and mandoc -T lint.

Usage: test_manpage.py CERTSWEEP MAN1 MAN5
"""
import os
import re
import shutil
import subprocess
import sys
import unittest

BIN, MAN1, MAN5 = sys.argv[1:4]

# An option line of a --help text (as tests/integration/test_cli.py reads it).
OPTION_LINE = re.compile(r"^ {2,}(?:(-[A-Za-z]), )?(--[a-z][a-z-]*)(?: ([A-Z]\S*))?(?: |$)")
CONF_LINE = re.compile(r"^  ([a-z_]+(?:\.NAME)?)\.([a-z_]+) \((.*); default: (.*)\)$")


def run(*args):
    r = subprocess.run([BIN] + list(args), capture_output=True, text=True, timeout=30,
                       env=dict(os.environ, CERTSWEEP_CONFIG="/nonexistent"))
    assert r.returncode == 0, (args, r.stderr)
    return r.stdout


def help_flags(text):
    out = set()
    for line in text.splitlines():
        m = OPTION_LINE.match(line)
        if m:
            out.add((m.group(1), m.group(2), m.group(3)))
    return out


def commands():
    text = run("--help")
    body = text.split("\nCommands:\n", 1)[1].split("\n\n", 1)[0]
    return [line.split()[0] for line in body.splitlines()]


def unescape(s):
    return s.replace("\\&", "").replace("\\-", "-").replace("\\e", "\\")


def man_flag(args):
    """(short, long, arg) from the arguments of '.It Fl c , Fl \\-config Ar FILE'."""
    toks = unescape(args).split()
    short = lng = arg = None
    i = 0
    while i < len(toks):
        if toks[i] == "Fl":
            name = "-" + toks[i + 1]
            if name.startswith("--"):
                lng = name
            else:
                short = name
            i += 2
        elif toks[i] == "Ar":
            arg = toks[i + 1]
            i += 2
        else:
            i += 1
    return (short, lng, arg)


def parse_man1():
    """{None: tool flags, command: flags}, {command: synopsis long flags}, example lines."""
    lines = open(MAN1).read().splitlines()
    flags, synopsis, examples = {}, {}, []
    section = None
    depth = 0
    cmd = None          # the command whose .It we are in (DESCRIPTION)
    syn_cmd = "tool"
    tool_list_seen = False
    for line in lines:
        if line.startswith(".Sh "):
            section = line[4:]
            depth = 0
            continue
        if section == "SYNOPSIS":
            if line.startswith(".Cm "):
                syn_cmd = line[4:]
            elif line.startswith(".Op Fl "):
                synopsis.setdefault(syn_cmd, set()).add(man_flag(line[4:])[1])
        elif section == "DESCRIPTION":
            if line.startswith(".Bl"):
                depth += 1
                continue
            if line == ".El":
                if depth == 1 and cmd is None:
                    tool_list_seen = True
                depth -= 1
                continue
            if line.startswith(".It Cm ") and depth == 1:
                cmd = line[7:]
                flags[cmd] = set()
            elif line.startswith(".It Fl "):
                # the tool's own list first, then each command's nested list
                flags.setdefault(cmd if tool_list_seen else None, set()).add(man_flag(line[4:]))
        elif section == "EXAMPLES" and line.startswith(".Dl "):
            examples.append(unescape(line[4:]))
    return flags, synopsis, examples


def parse_man5():
    """{section.key: (type, default)} from '.It Cm key' and its 'Type: ...;
    default: ....' text (up to the .Pp, possibly wrapped)."""
    out = {}
    section = key = None
    buf = []
    for line in open(MAN5).read().splitlines():
        if line.startswith(".Ss "):
            # "[aws]", or a named section "[webhook Ar NAME Ns ]"
            words = unescape(line[4:]).strip("[] ").replace(" Ns", "").split()
            section = ".".join(w for w in words if w != "Ar")
        elif line.startswith(".It Cm "):
            key, buf = line[7:], []
        elif key and line == ".Pp":
            text = unescape(" ".join(buf))
            m = re.match(r"^Type: (.*); default: (.*)\.$", text)
            assert m, text
            out["%s.%s" % (section, key)] = (m.group(1), m.group(2))
            key = None
        elif key:
            buf.append(line)
    return out


class ManPage(unittest.TestCase):
    def test_every_command_and_flag(self):
        man, synopsis, _ = parse_man1()
        want_tool = help_flags(run("--help"))
        self.assertEqual(man.get(None), want_tool, "tool flags: --help vs certsweep.1")
        cmds = commands()
        self.assertEqual(sorted(c for c in man if c), sorted(cmds),
                         "commands: certsweep --help vs certsweep.1")
        for c in cmds:
            want = help_flags(run(c, "--help"))
            self.assertTrue(want, c)
            self.assertEqual(man[c], want, "certsweep %s --help vs certsweep.1" % c)
            self.assertEqual(synopsis.get(c), {f[1] for f in want},
                             "SYNOPSIS of %s in certsweep.1" % c)

    def test_examples_use_real_flags(self):
        man, _, examples = parse_man1()
        self.assertTrue(examples)
        for ex in examples:
            words = ex.split()
            self.assertEqual(words[:2], ["$", "certsweep"], ex)
            cmd = words[2]
            longs = {f[1] for f in man[cmd]}
            for w in words[3:]:
                if w.startswith("--"):
                    self.assertIn(w, longs, ex)

    def test_every_config_option(self):
        text = run("check-config", "--help")
        want = {}
        for line in text.split("Configuration options (section.key):\n", 1)[1].splitlines():
            m = CONF_LINE.match(line)
            if m:
                want["%s.%s" % (m.group(1), m.group(2))] = (m.group(3), m.group(4))
        self.assertGreater(len(want), 10)
        got = parse_man5()
        self.assertEqual(sorted(got), sorted(want), "options: check-config --help vs certsweep.conf.5")
        for k in want:
            self.assertEqual(got[k], want[k], k)

    def test_mandoc_lint(self):
        if not shutil.which("mandoc"):
            self.skipTest("mandoc is not installed (scripts/deps.sh installs it)")
        for page in (MAN1, MAN5):
            r = subprocess.run(["mandoc", "-T", "lint", "-W", "style", page],
                               capture_output=True, text=True)
            msgs = [l for l in (r.stdout + r.stderr).splitlines()
                    # the pages name each other; installed, they are found
                    if not re.search(r"referenced manual not found: Xr certsweep", l)
                    and "mandoc.db" not in l]
            self.assertEqual(msgs, [], page)


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)
