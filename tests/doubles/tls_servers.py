#!/usr/bin/env python3
"""TLS endpoints on 127.0.0.1 for the served-certificate probe: each one
completes handshakes with the certificate (and chain) it was given, then
closes the connection.  Used in-process by the integration test and by
bench/probe.py (many names on one port, chosen by SNI).

    servers = TLSServers()
    port = servers.add(cert_pem_path, key_pem_path)           # one certificate
    port = servers.add_sni({"a.test": (cert, key), ...}, default=("a.test"))
    servers.stop()
"""
import os
import socket
import ssl
import threading


class _Endpoint:
    def __init__(self, contexts, default, host="127.0.0.1", port=0, backlog=1024):
        self.contexts = contexts
        self.default = contexts[default]
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((host, port))
        self.sock.listen(backlog)
        self.port = self.sock.getsockname()[1]
        self.default.sni_callback = self._sni
        self.stopping = False
        self.handshakes = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _sni(self, sslobj, name, ctx):
        c = self.contexts.get(name)
        if c is not None:
            sslobj.context = c
        return None

    def _serve(self):
        while not self.stopping:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._one, args=(conn,), daemon=True).start()

    def _one(self, conn):
        try:
            conn.settimeout(10)
            tls = self.default.wrap_socket(conn, server_side=True)
            self.handshakes += 1
            tls.close()
        except (OSError, ssl.SSLError):
            try:
                conn.close()
            except OSError:
                pass

    def stop(self):
        self.stopping = True
        try:
            self.sock.shutdown(socket.SHUT_RDWR)    # wakes accept(); frees the port
        except OSError:
            pass
        self.sock.close()
        self.thread.join(5)


def context(cert, key):
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ctx.load_cert_chain(cert, key)
    return ctx


class TLSServers:
    def __init__(self):
        self.endpoints = []

    def add(self, cert, key, host="127.0.0.1", port=0):
        """A server with one certificate (cert: a PEM file, leaf first then
        its chain); returns its port."""
        e = _Endpoint({"": context(cert, key)}, "", host=host, port=port)
        self.endpoints.append(e)
        return e.port

    def add_sni(self, names, default, host="127.0.0.1", port=0):
        """A server choosing the certificate by SNI: names maps a host name
        to (cert, key); default names the one sent without SNI."""
        ctxs = {n: context(c, k) for n, (c, k) in names.items()}
        e = _Endpoint(ctxs, default, host=host, port=port)
        self.endpoints.append(e)
        return e.port

    def stop(self):
        for e in self.endpoints:
            e.stop()
        self.endpoints = []


def write_pem(directory, name, *blobs):
    path = os.path.join(directory, name)
    with open(path, "wb") as f:
        for b in blobs:
            f.write(b)
    return path
