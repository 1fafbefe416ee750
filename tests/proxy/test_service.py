"""The pveproxy service as twistd runs it, in this process."""

import os
import socket
import ssl

from twisted.internet import defer, reactor, threads
from twisted.trial import unittest

from pve.access import certs
from pve.cluster.client import DirectClient
from pve.proxy import tap as proxy_tap
from tests.cluster.test_client import make_root, open_cfs, start_ipc
from tests.polling import poll
from tests.proxy.node import NODE, keygen


def handshake(port):
    """Complete a TLS handshake with the server on *port*."""
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    with socket.create_connection(("127.0.0.1", port), timeout=10) as raw:
        with ctx.wrap_socket(raw) as s:
            return s.version()


class FirstStartTests(unittest.TestCase):
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
    def start(self):
        options = proxy_tap.Options()
        options.parseOptions([
            "--listen", "tcp:0:interface=127.0.0.1", "--pmxcfs", self.ipc,
            "--user=", "--nodename", NODE, "--daemon",
            "tcp:1:interface=127.0.0.1",
            "--config", os.path.join(self.paths.root, "no-such-file")])
        options.read_settings()
        service = proxy_tap.ProxyService(options, reactor)
        service.privilegedStartService()
        service.startService()
        self.addCleanup(service.stopService)
        yield service.ready
        return service.port.getHost().port

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
