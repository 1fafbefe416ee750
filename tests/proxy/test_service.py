"""The pveproxy service as twistd runs it, in this process."""

import datetime
import os
import socket
import ssl

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.x509.oid import NameOID

from twisted.internet import defer, reactor, threads
from twisted.trial import unittest

from pve.access import certs
from pve.cluster.client import DirectClient
from pve.proxy import tap as proxy_tap
from tests.cluster.test_client import make_root, open_cfs, start_ipc
from tests.polling import poll
from tests.proxy.node import NODE, keygen


def handshake(port, certificate=False):
    """Complete a TLS handshake with the server on *port*: the TLS version,
    or (with *certificate*) the server certificate's DER bytes."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            if certificate:
                return s.getpeercert(binary_form=True)
            return s.version()


def self_signed(name):
    """``(cert_pem, key_pem)`` of a self-signed certificate for *name*."""
    key = keygen(2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject)
            .issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=30))
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def der(pem):
    return x509.load_pem_x509_certificate(pem).public_bytes(
        serialization.Encoding.DER)


class ServiceCase(unittest.TestCase):
    timeout = 60

    def setUp(self):
        self.paths = make_root(self)
        old = os.environ.get("PVE_ROOT")
        os.environ["PVE_ROOT"] = self.paths.root

        def restore():
            if old is None:
                os.environ.pop("PVE_ROOT", None)
            else:
                os.environ["PVE_ROOT"] = old
        self.addCleanup(restore)
        self.cfs = open_cfs(self, self.paths, reactor)
        _service, self.ipc = start_ipc(self, self.cfs, self.paths, reactor)

    @defer.inlineCallbacks
    def start(self, settings=None):
        config = os.path.join(self.paths.root, "pveproxy.default")
        if settings is not None:
            with open(config, "w") as f:
                f.write(settings)
        options = proxy_tap.Options()
        options.parseOptions([
            "--listen", "tcp:0:interface=127.0.0.1", "--pmxcfs", self.ipc,
            "--user=", "--nodename", NODE, "--daemon",
            "tcp:1:interface=127.0.0.1", "--config", config])
        options.read_settings()
        service = proxy_tap.ProxyService(options, reactor)
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        yield service.ready
        return service.port.getHost().port



class FirstStartTests(ServiceCase):
    @defer.inlineCallbacks
    def test_waits_for_the_certificate(self):
        """Started before pvedaemon made the node certificate, pveproxy
        keeps running and serves TLS as soon as the certificate appears."""
        port = yield self.start()
        d = threads.deferToThread(handshake, port)
        yield self.assertFailure(d, ssl.SSLError, OSError)
        yield certs.update_node_files(DirectClient(self.cfs, reactor), NODE,
                                      ["127.0.0.1"], reactor.seconds(),
                                      keygen=keygen)

        def serving():
            d = threads.deferToThread(handshake, port)
            d.addCallbacks(lambda result: True, lambda failure: False)
            return d
        yield poll(serving, "pveproxy serving the new certificate",
                   attempts=100)


class CertificateTests(ServiceCase):
    """Which certificate pveproxy serves: pveproxy-ssl.pem over pve-ssl.pem,
    its key from TLS_KEY_FILE when that is set."""

    @defer.inlineCallbacks
    def setUp(self):
        super().setUp()
        self.client = DirectClient(self.cfs, reactor)
        yield certs.update_node_files(self.client, NODE, ["127.0.0.1"],
                                      reactor.seconds(), keygen=keygen)
        self.node_pem = yield self.client.read(certs.node_cert_path(NODE))
        self.custom_pem, self.custom_key = self_signed("custom.example")

    def served(self, port):
        return threads.deferToThread(handshake, port, certificate=True)

    @defer.inlineCallbacks
    def test_custom_certificate_preferred(self):
        port = yield self.start()
        self.assertEqual((yield self.served(port)), der(self.node_pem))
        yield self.client.write(
            "nodes/%s/pveproxy-ssl.key" % NODE, self.custom_key)
        yield self.client.write(
            "nodes/%s/pveproxy-ssl.pem" % NODE, self.custom_pem)

        @defer.inlineCallbacks
        def custom():
            cert = yield self.served(port)
            return cert == der(self.custom_pem)
        yield poll(custom, "the custom certificate served", attempts=100)

    @defer.inlineCallbacks
    def test_tls_key_file(self):
        key_path = os.path.join(self.paths.root, "secret.key")
        with open(key_path, "wb") as f:
            f.write(self.custom_key)
        # a key in pmxcfs that does not match: TLS_KEY_FILE wins over it
        yield self.client.write("nodes/%s/pveproxy-ssl.key" % NODE,
                                self_signed("other")[1])
        yield self.client.write(
            "nodes/%s/pveproxy-ssl.pem" % NODE, self.custom_pem)
        port = yield self.start('TLS_KEY_FILE="%s"\n' % key_path)
        self.assertEqual((yield self.served(port)), der(self.custom_pem))

    @defer.inlineCallbacks
    def test_tls_key_file_missing_falls_back(self):
        yield self.client.write(
            "nodes/%s/pveproxy-ssl.pem" % NODE, self.custom_pem)
        yield self.client.write(
            "nodes/%s/pveproxy-ssl.key" % NODE, self.custom_key)
        port = yield self.start('TLS_KEY_FILE="%s"\n' % os.path.join(
            self.paths.root, "no-such.key"))
        self.assertEqual((yield self.served(port)), der(self.node_pem))
