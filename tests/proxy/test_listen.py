"""Accept-time host filtering and the plain-HTTP redirect, on loopback."""

import socket

from twisted.internet import defer, endpoints, protocol, reactor, threads
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.trial import unittest

from pve.proxy import config, listen, tls
from tests.proxy.test_tls import Echo, handshake, self_signed


def raw_exchange(port, payload, source="127.0.0.1"):
    """Send *payload* from *source*, read until the server closes."""
    with socket.create_connection(("127.0.0.1", port), timeout=10,
                                  source_address=(source, 0)) as s:
        if payload:
            s.sendall(payload)
        chunks = []
        while True:
            try:
                data = s.recv(65536)
            except ConnectionResetError:
                data = b""
            if not data:
                return b"".join(chunks)
            chunks.append(data)


class ListenTests(unittest.TestCase):
    @defer.inlineCallbacks
    def serve(self, settings_text=""):
        settings = config.parse(settings_text)[0]
        cert, key = self_signed("node1")
        inner = TLSMemoryBIOFactory(tls.ServerTLS(cert, key, settings), False,
                                    protocol.Factory.forProtocol(Echo))
        factory = listen.HostFilter(listen.TLSOrPlain(inner), settings)
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0,
                                                interface="127.0.0.1")
        port = yield endpoint.listen(factory)
        self.addCleanup(port.stopListening)
        return port.getHost().port

    @defer.inlineCallbacks
    def test_tls_passes(self):
        port = yield self.serve()
        version, _ = yield threads.deferToThread(handshake, port)
        self.assertEqual(version, "TLSv1.3")

    @defer.inlineCallbacks
    def test_plain_get_redirected(self):
        port = yield self.serve()
        reply = yield threads.deferToThread(
            raw_exchange, port,
            b"GET /pve2/index.html?x=1 HTTP/1.1\r\nHost: pve1:8006\r\n\r\n")
        head = reply.split(b"\r\n")
        self.assertEqual(head[0], b"HTTP/1.1 301 Moved Permanently")
        self.assertIn(b"Location: https://pve1:8006/pve2/index.html?x=1",
                      head)

    @defer.inlineCallbacks
    def test_plain_post_redirected_permanently(self):
        port = yield self.serve()
        reply = yield threads.deferToThread(
            raw_exchange, port,
            b"POST /api2/json/access/ticket HTTP/1.1\r\n"
            b"Host: http://10.0.0.1:8006\r\nContent-Length: 0\r\n\r\n")
        head = reply.split(b"\r\n")
        self.assertEqual(head[0], b"HTTP/1.1 308 Permanent Redirect")
        self.assertIn(b"Location: https://10.0.0.1:8006/api2/json/access/"
                      b"ticket", head)

    @defer.inlineCallbacks
    def test_denied_host_disconnected(self):
        port = yield self.serve("DENY_FROM:127.0.0.0/8\nPOLICY:allow\n")
        reply = yield threads.deferToThread(
            raw_exchange, port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        self.assertEqual(reply, b"")
        d = threads.deferToThread(handshake, port)
        yield self.assertFailure(d, OSError)

    @defer.inlineCallbacks
    def test_allow_list_admits(self):
        port = yield self.serve("ALLOW_FROM:127.0.0.1\nDENY_FROM:all\n"
                                "POLICY:allow\n")
        version, _ = yield threads.deferToThread(handshake, port)
        self.assertIn(version, ("TLSv1.2", "TLSv1.3"))
