"""Real TLS handshakes on loopback against the proxies' TLS settings."""

import datetime
import socket
import ssl
import warnings

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from twisted.internet import defer, endpoints, protocol, reactor, threads
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.trial import unittest

from pve.proxy import config, tls


def self_signed(name):
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.utcnow()
    cert = (x509.CertificateBuilder().subject_name(subject)
            .issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=2))
            .sign(key, hashes.SHA256()))
    return (cert.public_bytes(serialization.Encoding.PEM),
            key.private_bytes(serialization.Encoding.PEM,
                              serialization.PrivateFormat.PKCS8,
                              serialization.NoEncryption()))


class Echo(protocol.Protocol):
    def dataReceived(self, data):
        self.transport.write(data)


def handshake(port, low=None, high=None):
    """Connect with Python's ssl client; the version and the peer's cert."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        if low:
            ctx.minimum_version = low
        if high:
            ctx.maximum_version = high
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            s.sendall(b"ping")
            assert s.recv(4) == b"ping"
            return s.version(), s.getpeercert(binary_form=True)


class TLSTests(unittest.TestCase):
    @defer.inlineCallbacks
    def serve(self, settings):
        cert, key = self_signed("node1")
        self.creator = tls.ServerTLS(cert, key, settings)
        factory = TLSMemoryBIOFactory(self.creator, False,
                                      protocol.Factory.forProtocol(Echo))
        endpoint = endpoints.TCP4ServerEndpoint(reactor, 0,
                                                interface="127.0.0.1")
        port = yield endpoint.listen(factory)
        self.addCleanup(port.stopListening)
        return port.getHost().port

    def connect(self, port, low=None, high=None):
        return threads.deferToThread(handshake, port, low, high)

    @defer.inlineCallbacks
    def test_both_versions_by_default(self):
        port = yield self.serve({})
        version, _ = yield self.connect(port)
        self.assertEqual(version, "TLSv1.3")
        version, _ = yield self.connect(port, high=ssl.TLSVersion.TLSv1_2)
        self.assertEqual(version, "TLSv1.2")

    @defer.inlineCallbacks
    def test_old_versions_refused(self):
        port = yield self.serve({})
        d = self.connect(port, low=ssl.TLSVersion.TLSv1,
                         high=ssl.TLSVersion.TLSv1_1)
        yield self.assertFailure(d, ssl.SSLError, OSError)

    @defer.inlineCallbacks
    def test_disable_tls_1_3(self):
        port = yield self.serve(config.parse("DISABLE_TLS_1_3:1\n")[0])
        version, _ = yield self.connect(port)
        self.assertEqual(version, "TLSv1.2")
        d = self.connect(port, low=ssl.TLSVersion.TLSv1_3)
        yield self.assertFailure(d, ssl.SSLError, OSError)

    @defer.inlineCallbacks
    def test_disable_tls_1_2(self):
        port = yield self.serve(config.parse("DISABLE_TLS_1_2:1\n")[0])
        version, _ = yield self.connect(port)
        self.assertEqual(version, "TLSv1.3")
        d = self.connect(port, high=ssl.TLSVersion.TLSv1_2)
        yield self.assertFailure(d, ssl.SSLError, OSError)

    @defer.inlineCallbacks
    def test_certificate_replaced_while_running(self):
        port = yield self.serve({})
        _, before = yield self.connect(port)
        cert, key = self_signed("node1-renewed")
        self.creator.update(cert, key)
        _, after = yield self.connect(port)
        self.assertNotEqual(before, after)
        self.assertEqual(after, x509.load_pem_x509_certificate(cert)
                         .public_bytes(serialization.Encoding.DER))

    def test_bad_update_keeps_old_certificate(self):
        cert, key = self_signed("a")
        creator = tls.ServerTLS(cert, key)
        old = creator._context
        _, other_key = self_signed("b")
        self.assertRaises(Exception, creator.update, cert, other_key)
        self.assertIs(creator._context, old)

    def test_bad_settings_named(self):
        cert, key = self_signed("a")
        e = self.assertRaises(config.ProxyConfigError, tls.make_context,
                              cert, key, {"CIPHERS": "NO-SUCH-CIPHER"})
        self.assertIn("CIPHERS", str(e))
        e = self.assertRaises(config.ProxyConfigError, tls.make_context,
                              cert, key, {"DHPARAMS": "/nonexistent"})
        self.assertIn("DHPARAMS", str(e))
