#!/usr/bin/env python3
"""HTTP_PROXY / HTTPS_PROXY / NO_PROXY as the AWS CLI honours them, through
the real binary: a forward proxy on 127.0.0.1 in front of moto sees every
call when HTTP_PROXY (in capitals, which curl alone ignores) names it, and
none when NO_PROXY covers the endpoint; the proxy's credentials are never
printed."""
import os
import sys
import threading
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "doubles"))
import harness  # noqa: E402
import proxy  # noqa: E402


class ForwardProxy(proxy.ProxyHandler):
    """A forward proxy: requests come in absolute form ("POST http://host/
    ..."); each is recorded and passed on to the URL it names."""
    server_version = "forward-proxy"
    seen = []
    lock = threading.Lock()

    def answer(self, body):
        url = urllib.parse.urlsplit(self.path)
        with self.lock:
            self.seen.append((self.command, self.path, self.headers.get("Proxy-Authorization")))
        if not url.scheme:          # not proxy-shaped: refuse
            return self.reply(400, {"error": "not a proxy request"})
        path = url.path + ("?" + url.query if url.query else "")
        self.send_forwarded(*proxy.upstream_request(self.command, path, body, self.headers, url))


class ProxyTest(harness.MotoCase):
    def setUp(self):
        harness.moto_reset(self.moto)
        ForwardProxy.seen = []
        self.srv, self.url = proxy.start(ForwardProxy, self.moto.url)

    def tearDown(self):
        proxy.stop(self.srv)

    def whoami(self, **env_extra):
        extra = dict(harness.env_credentials())
        extra.update(env_extra)
        env = harness.clean_env(endpoint_url=self.moto.url, extra=extra)
        for k in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
            if k not in env_extra:
                env.pop(k, None)
        return harness.run(["whoami", "-vv"], env, secrets=("proxy-s3cret",))

    def test_http_proxy_in_capitals_is_used(self):
        hostport = self.url.split("//", 1)[1]
        r = self.whoami(HTTP_PROXY="http://certsweep:proxy-s3cret@%s" % hostport)
        self.assertEqual(r.rc, 0, r)
        self.assertTrue(ForwardProxy.seen, "the proxy saw no request")
        method, target, auth = ForwardProxy.seen[0]
        self.assertEqual(method, "POST")
        self.assertTrue(target.startswith(self.moto.url), target)
        self.assertTrue(auth and auth.startswith("Basic "), auth)

    def test_no_proxy_covers_the_endpoint(self):
        r = self.whoami(HTTP_PROXY=self.url, NO_PROXY="127.0.0.1,localhost")
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(ForwardProxy.seen, [])

    def test_without_proxy_variables_nothing_goes_through_it(self):
        r = self.whoami()
        self.assertEqual(r.rc, 0, r)
        self.assertEqual(ForwardProxy.seen, [])


if __name__ == "__main__":
    unittest.main(verbosity=2)
