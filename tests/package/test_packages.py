"""Builds the packages from this checkout and uses them as an administrator
would (issue 12, 'Done when'):

- the .deb (packaging/debian/build-deb.sh: dpkg-buildpackage -us -uc -b,
  lintian without errors) is installed with apt-get, then `certsweep
  --version`, `certsweep check-config --config /etc/certsweep/certsweep.conf`,
  `man -w certsweep` run from the installed files, the units pass
  `systemd-analyze verify`, the timer is installed disabled, the system user
  exists and the configuration is root-only; then the package is purged;
- the RPM (packaging/rpm/build.sh: rpmbuild -bb) holds the same files.

Installing needs root: run as another user, the .deb test is skipped with
the reason (exit 77, so meson counts a skip).

Usage: test_packages.py [deb|rpm]    (both when none is named)
"""
import glob
import os
import shutil
import stat
import subprocess
import sys
import tempfile
import unittest

SRCDIR = os.environ.get("SRCDIR", os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
VERSION_FILES = ["/usr/bin/certsweep", "/etc/certsweep/certsweep.conf",
                 "/usr/share/certsweep/iam/audit-role.cfn.json"]


def sh(args, **kw):
    kw.setdefault("timeout", 1200)
    r = subprocess.run(args, capture_output=True, text=True, **kw)
    return r


class Packages(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="certsweep-pkg-")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def test_deb(self):
        for tool in ("dpkg-buildpackage", "dh", "apt-get"):
            if not shutil.which(tool):
                self.skipTest("%s is missing (scripts/deps.sh installs the packaging tools)" % tool)
        if os.geteuid() != 0:
            self.skipTest("installing the .deb needs root (apt-get install); run as root to check it")
        if sh(["dpkg-query", "-W", "-f=${Status}", "certsweep"]).stdout.startswith("install ok"):
            self.skipTest("a certsweep package is already installed on this machine; "
                          "not replacing it (apt-get remove certsweep to run this test)")
        r = sh([os.path.join(SRCDIR, "packaging", "debian", "build-deb.sh"), self.tmp])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        print(r.stdout)             # lintian's warnings, then the .deb
        debs = glob.glob(os.path.join(self.tmp, "certsweep_*.deb"))
        self.assertEqual(len(debs), 1, r.stdout)
        env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
        r = sh(["apt-get", "install", "-y", "-q", debs[0]], env=env)
        try:
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
            self.check_installed()
        finally:
            r = sh(["apt-get", "purge", "-y", "-q", "certsweep"], env=env)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        for f in VERSION_FILES:
            self.assertFalse(os.path.exists(f), "%s left after purge" % f)

    def check_installed(self):
        v = sh(["certsweep", "--version"])
        self.assertEqual(v.returncode, 0, v.stderr)
        self.assertTrue(v.stdout.startswith("certsweep "), v.stdout)
        r = sh(["certsweep", "check-config", "--config", "/etc/certsweep/certsweep.conf"])
        self.assertEqual((r.returncode, r.stdout), (0, "/etc/certsweep/certsweep.conf: OK\n"), r.stderr)
        for page in ("certsweep", "certsweep.conf"):
            m = sh(["man", "-w", page])
            self.assertEqual(m.returncode, 0, m.stderr)
            self.assertTrue(m.stdout.strip().startswith("/usr/share/man/"), m.stdout)
        st = os.stat("/etc/certsweep/certsweep.conf")
        self.assertEqual((stat.S_IMODE(st.st_mode), st.st_uid), (0o640, 0))
        self.assertEqual(sh(["getent", "passwd", "certsweep"]).returncode, 0, "no certsweep user")
        conffiles = open("/var/lib/dpkg/info/certsweep.conffiles").read().split()
        self.assertIn("/etc/certsweep/certsweep.conf", conffiles)
        units = [f for f in ("/lib/systemd/system/certsweep.service", "/lib/systemd/system/certsweep.timer")]
        if shutil.which("systemd-analyze"):
            r = sh(["systemd-analyze", "verify"] + units)
            self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        if shutil.which("systemctl"):
            r = sh(["systemctl", "is-enabled", "certsweep.timer"])
            self.assertEqual(r.stdout.strip(), "disabled", r.stdout + r.stderr)
        if shutil.which("mandoc"):
            for page in glob.glob("/usr/share/man/man*/certsweep*"):
                text = sh(["zcat", "-f", page]).stdout
                r = subprocess.run(["mandoc", "-T", "lint", "-W", "warning"], input=text,
                                   capture_output=True, text=True)
                self.assertEqual(r.stdout + r.stderr, "", page)

    def test_rpm(self):
        if not shutil.which("rpmbuild"):
            self.skipTest("rpmbuild is missing (apt-get install rpm; scripts/deps.sh does)")
        r = sh([os.path.join(SRCDIR, "packaging", "rpm", "build.sh"), self.tmp])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        rpms = [p for p in glob.glob(os.path.join(self.tmp, "certsweep-*.rpm")) if ".src." not in p]
        self.assertEqual(len(rpms), 1, r.stdout)
        files = sh(["rpm", "-qlp", rpms[0]]).stdout.split()
        for f in ("/usr/bin/certsweep", "/etc/certsweep/certsweep.conf",
                  "/usr/lib/systemd/system/certsweep.service", "/usr/lib/systemd/system/certsweep.timer",
                  "/usr/lib/sysusers.d/certsweep.conf", "/usr/share/man/man1/certsweep.1",
                  "/usr/share/man/man5/certsweep.conf.5", "/usr/share/certsweep/iam/audit-role.cfn.json"):
            self.assertTrue(any(x.startswith(f) for x in files), (f, files))
        scripts = sh(["rpm", "-qp", "--scripts", rpms[0]]).stdout
        self.assertIn('u certsweep - ', scripts)       # the sysusers line, at %pre


if __name__ == "__main__":
    only = ["Packages.test_" + a for a in sys.argv[1:]]
    res = unittest.main(argv=sys.argv[:1] + only, verbosity=2, exit=False).result
    if res.failures or res.errors:
        sys.exit(1)
    sys.exit(77 if len(res.skipped) == res.testsRun else 0)
