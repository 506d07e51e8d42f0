"""Shared helpers for certsweep's integration tests.

Every server a test needs is started here on 127.0.0.1 on a free port and
stopped when the test ends.  The real certsweep binary is run with an
environment that cannot reach a real AWS account: credentials are fake, all
endpoints point at the local server, and HOME is a temporary directory.

Run with the pyenv `python3` (it has moto, boto3 and botocore).
"""
import contextlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SRCDIR = os.environ.get("SRCDIR", os.path.dirname(os.path.dirname(HERE)))
BUILDDIR = os.environ.get("BUILDDIR", os.path.join(SRCDIR, "build"))
CERTSWEEP = os.environ.get("CERTSWEEP", os.path.join(BUILDDIR, "src", "certsweep"))

# Fake credentials for the scanning identity.  Tests grep every output for
# these secret values: they must never be printed.
TEST_ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
TEST_SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYSECRETKEY1"
TEST_SESSION_TOKEN = "FwoGZXIvYXdzEXAMPLESESSIONTOKENdoNotPrintMe0123456789"
MOTO_DEFAULT_ACCOUNT = "123456789012"


def free_port():
    with contextlib.closing(socket.socket(socket.AF_INET, socket.SOCK_STREAM)) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_port(port, proc=None, timeout=30.0):
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError("server exited with %s before listening" % proc.returncode)
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("nothing listened on 127.0.0.1:%d within %.0fs" % (port, timeout))


class Server:
    """A child process serving on 127.0.0.1:port; stop() ends it."""

    def __init__(self, argv, port, env=None, name="server"):
        self.port = port
        self.name = name
        self.url = "http://127.0.0.1:%d" % port
        self.log = tempfile.NamedTemporaryFile(prefix="certsweep-%s-" % name, suffix=".log", delete=False)
        self.proc = subprocess.Popen(argv, stdout=self.log, stderr=subprocess.STDOUT,
                                     env=env or os.environ.copy(), start_new_session=True)
        try:
            wait_port(port, self.proc)
        except Exception:
            self.stop()
            raise

    def stop(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()

    def log_text(self):
        with open(self.log.name, errors="replace") as f:
            return f.read()


MOTO_SERVER = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                           "doubles", "moto_server.py")


def start_moto():
    """Starts moto's server (tests/doubles/moto_server.py: moto plus the
    few calls it lacks) on a free loopback port."""
    port = free_port()
    env = os.environ.copy()
    env.setdefault("MOTO_ALLOW_NONEXISTENT_REGION", "false")
    return Server([sys.executable, MOTO_SERVER, "-H", "127.0.0.1", "-p", str(port)],
                  port, env=env, name="moto")


def moto_reset(server):
    req = urllib.request.Request(server.url + "/moto-api/reset", method="POST", data=b"")
    urllib.request.urlopen(req, timeout=10).read()


def boto_client(server, service, region="us-east-1", access_key=TEST_ACCESS_KEY,
                secret_key=TEST_SECRET_KEY, session_token=None):
    import boto3
    return boto3.client(service, region_name=region, endpoint_url=server.url,
                        aws_access_key_id=access_key, aws_secret_access_key=secret_key,
                        aws_session_token=session_token)


def clean_env(endpoint_url=None, extra=None, home=None):
    """An environment for certsweep with nothing inherited that could reach
    real AWS: fake credentials, temporary HOME, IMDS disabled."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "LANG": "C.UTF-8",
        "HOME": home or tempfile.mkdtemp(prefix="certsweep-home-"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_REGION": "us-east-1",
    }
    # The state database goes to a temporary directory, never to the
    # system's /var/lib/certsweep (tests run as root in CI).
    env["STATE_DIRECTORY"] = os.path.join(env["HOME"], "state")
    for k in ("ASAN_OPTIONS", "UBSAN_OPTIONS", "LSAN_OPTIONS"):
        if k in os.environ:
            env[k] = os.environ[k]
    if endpoint_url:
        env["AWS_ENDPOINT_URL"] = endpoint_url
    if extra:
        env.update(extra)
    return env


def env_credentials(session_token=False):
    d = {"AWS_ACCESS_KEY_ID": TEST_ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": TEST_SECRET_KEY}
    if session_token:
        d["AWS_SESSION_TOKEN"] = TEST_SESSION_TOKEN
    return d


SECRETS = [TEST_SECRET_KEY, TEST_SESSION_TOKEN]


class Result:
    def __init__(self, argv, rc, out, err):
        self.argv, self.rc, self.out, self.err = argv, rc, out, err

    def json(self):
        return json.loads(self.out)

    def __repr__(self):
        return "rc=%s\n--- stdout\n%s\n--- stderr\n%s" % (self.rc, self.out[-4000:], self.err[-4000:])


def run(args, env, timeout=300, secrets=(), check_secrets=True, input=None):
    """Runs the real binary; fails the test if any known secret shows up in
    its output."""
    argv = [CERTSWEEP] + list(args)
    p = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=timeout, input=input)
    r = Result(argv, p.returncode, p.stdout, p.stderr)
    if check_secrets:
        for s in list(SECRETS) + list(secrets):
            if s and (s in r.out or s in r.err):
                raise AssertionError("secret value leaked in output of %s" % " ".join(argv))
    return r


class MotoCase(unittest.TestCase):
    """A test case class with one moto server for all its tests
    (self.moto), reset before each test by the subclass as it needs, and
    the doubles of DOUBLES ({"attribute": "script.py"} of tests/doubles)
    in front of it."""
    DOUBLES = {}

    @classmethod
    def setUpClass(cls):
        cls.moto = start_moto()
        cls._servers = [cls.moto]
        try:
            import scanlib
            for attr, script in cls.DOUBLES.items():
                setattr(cls, attr, scanlib.start_double(script, cls.moto))
                cls._servers.append(getattr(cls, attr))
            cls.start_servers()
        except Exception:
            cls.tearDownClass()
            raise

    @classmethod
    def start_servers(cls):
        """Override: start the class's other servers (dnsmasq, ...), each
        appended to cls._servers as soon as it runs: they are stopped with
        moto, also when a later one fails to start."""

    @classmethod
    def tearDownClass(cls):
        for s in reversed(cls._servers):
            s.stop()


def main():
    """unittest main that exits non-zero on failure (for meson)."""
    unittest.main(verbosity=2)
