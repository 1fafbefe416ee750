"""pveproxy passing calls on to the node they are for (pve.proxy.forward):
two nodes on loopback, each with its own pmxcfs, pvedaemon and pveproxy
over real TLS; node1 knows node2 from its corosync.conf and pins node2's
certificate from ``nodes/node2/``."""

import json
import urllib.parse

from OpenSSL import SSL, crypto
from twisted.internet import (defer, endpoints, error, protocol, reactor,
                               task, threads)
from twisted.protocols import policies
from twisted.python.failure import Failure
from twisted.trial import unittest

from pve.access import certs, csrf, tickets
from pve.api.auth import Credentials
from pve.api.declare import Endpoint
from pve.cluster import treeversion
from pve.cluster.cfs import ConfigFS
from pve.cluster.client import DirectClient, IPCClient
from pve.daemon import tap as daemon_tap
from pve.daemon.server import DaemonFactory
from pve.proxy import forward, server, tls
from pve.proxy import tap as proxy_tap
from tests.cluster.test_client import make_root, start_ipc
from tests.proxy.node import NODE, Node, https, keygen, make_registry

OTHER = "node2"
COOKIE = "PVEAuthCookie"
TOKEN = ("alice@pve!full", "22222222-2222-4222-8222-222222222222")

#: what the nodes of a cluster share in /etc/pve
SHARED = (tickets.AUTHKEY_PRIV, tickets.AUTHKEY_PUB, csrf.WWW_KEY,
          certs.CA_KEY, certs.CA_CERT, certs.CA_SERIAL, "user.cfg",
          "priv/token.cfg")


def corosync_conf(*nodes):
    """A corosync.conf whose nodelist holds *nodes*, ``(name, addr)``."""
    entries = "".join(
        "  node {\n    name: %s\n    nodeid: %d\n    quorum_votes: 1\n"
        "    ring0_addr: %s\n  }\n" % (name, i, addr)
        for i, (name, addr) in enumerate(nodes, 1))
    return ("logging {\n  debug: off\n  to_syslog: yes\n}\n\n"
            "nodelist {\n%s}\n\n"
            "quorum {\n  provider: corosync_votequorum\n}\n\n"
            "totem {\n  cluster_name: test\n  config_version: 1\n"
            "  ip_version: ipv4-6\n  secauth: on\n  version: 2\n}\n"
            % entries).encode()


def registry(tag):
    """The test API plus two calls that run on the node named in the
    path and tell which process of which node ran them."""
    reg = make_registry(tag)
    node_param = {"type": "string", "format": "pve-node"}
    reg.add(Endpoint(
        "/nodes/{node}/version", "GET", name="node_version",
        proxyto="node", permissions={"user": "all"},
        parameters={"additionalProperties": 0,
                    "properties": {"node": node_param}},
        returns={"type": "object"},
        handler=lambda env, p: {"node": env.nodename, "ran": tag,
                                "user": env.user, "tokenid": env.tokenid}))
    reg.add(Endpoint(
        "/nodes/{node}/echo", "POST", name="node_echo",
        proxyto="node", permissions={"user": "all"},
        parameters={"additionalProperties": 0,
                    "properties": {"node": node_param,
                                   "count": {"type": "integer"},
                                   "name": {"type": "string",
                                            "optional": 1}}},
        returns={"type": "object"},
        handler=lambda env, p: dict(p, ran=tag, on=env.nodename,
                                    user=env.user)))
    return reg


class Tracked(policies.WrappingFactory):
    """A server factory that tells when its last connection is gone."""

    def __init__(self, wrapped):
        super().__init__(wrapped)
        self._waiting = []
        self.accepted = 0

    def buildProtocol(self, addr):
        self.accepted += 1
        return super().buildProtocol(addr)

    def unregisterProtocol(self, p):
        super().unregisterProtocol(p)
        if not self.protocols:
            waiting, self._waiting = self._waiting, []
            for d in waiting:
                d.callback(None)

    def idle(self):
        if not self.protocols:
            return defer.succeed(None)
        d = defer.Deferred()
        self._waiting.append(d)
        return d


@defer.inlineCallbacks
def other_node(testcase, name, like):
    """A :class:`Node` called *name* with its own pmxcfs, sharing the
    cluster's keys, CA and users with *like*."""
    node = Node()
    node.paths = make_root(testcase)
    node.cfs = ConfigFS.open(node.paths, name, clock=reactor.seconds)
    testcase.addCleanup(node.cfs.close)
    _service, node.ipc = start_ipc(testcase, node.cfs, node.paths, reactor)
    testcase.addCleanup(treeversion.publish(node.cfs,
                                            node.paths.pmxcfs_version))
    node.client = DirectClient(node.cfs, reactor)
    for path in ("priv", "nodes"):
        try:
            yield node.client.mkdir(path)
        except FileExistsError:
            pass
    for path in SHARED:
        try:
            data = yield like.client.read(path)
        except OSError:
            continue
        yield node.client.write(path, data)
    yield certs.update_node_files(node.client, name, ["127.0.0.1"],
                                  reactor.seconds(), keygen=keygen)
    node.keys, node.www_key, node.ca_pem = like.keys, like.www_key, like.ca_pem
    node.cert_pem = yield node.client.read(certs.node_cert_path(name))
    node.key_pem = yield node.client.read(certs.node_key_path(name))
    return node


@defer.inlineCallbacks
def start_daemon(testcase, node, name, tag):
    factory = DaemonFactory(registry(tag), daemon_tap.cached_client(
        node.client, daemon_tap.HOT_PATHS, node.paths), reactor, node.paths,
        name)
    port = yield endpoints.TCP4ServerEndpoint(
        reactor, 0, interface="127.0.0.1").listen(factory)

    def stop():
        factory.close_connections()
        return port.stopListening()
    testcase.addCleanup(stop)
    return "tcp:127.0.0.1:%d" % port.getHost().port


@defer.inlineCallbacks
def start_proxy(testcase, node, name, tag, daemon, forward_port=8006):
    """pveproxy of *node* on a free loopback port: ``(port, resource,
    factory)``; at cleanup its connections to other nodes are closed,
    then it waits for its clients' connections to end."""
    cfs = yield IPCClient.connect(reactor, node.ipc)
    testcase.addCleanup(cfs.close)
    cfs = daemon_tap.cached_client(cfs, proxy_tap.HOT_PATHS, node.paths)
    daemon_client = server.DaemonClient(reactor, daemon)
    testcase.addCleanup(daemon_client.close)
    res = server.ProxyResource(registry(tag), cfs, reactor, node.paths, name,
                               daemon=daemon_client, auth_delay=0,
                               forward_port=forward_port)
    factory = Tracked(server.https_factory(
        server.make_site(res), tls.ServerTLS(node.cert_pem, node.key_pem),
        {}))
    port = yield endpoints.TCP4ServerEndpoint(
        reactor, 0, interface="127.0.0.1").listen(factory)
    testcase.addCleanup(port.stopListening)
    testcase.addCleanup(factory.idle)
    testcase.addCleanup(res.close)
    return port.getHost().port, res, factory


class ForwardTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):
        self.node = yield Node.setup(self)
        self.other = yield other_node(self, OTHER, self.node)
        other_daemon = yield start_daemon(self, self.other, OTHER,
                                          "daemon-node2")
        self.other_port, _, self.other_factory = yield start_proxy(
            self, self.other, OTHER, "proxy-node2", other_daemon)
        daemon = yield start_daemon(self, self.node, NODE, "daemon")
        self.port, _, _ = yield start_proxy(
            self, self.node, NODE, "proxy", daemon,
            forward_port=self.other_port)
        # node1 learns of node2 as joining a cluster would tell it
        yield self.node.client.mkdir("nodes/" + OTHER)
        yield self.node.client.write(certs.node_cert_path(OTHER),
                                     self.other.cert_pem)
        yield self.node.client.write("corosync.conf", corosync_conf(
            (NODE, "127.0.0.1"), (OTHER, "127.0.0.1")))

    def request(self, method, path, headers=None, body=None, port=None):
        return threads.deferToThread(https, port or self.port,
                                     self.node.ca_pem, method, path,
                                     headers, body)

    def auth(self, user, csrf=False):
        headers = {"Cookie": "%s=%s" % (COOKIE, urllib.parse.quote(
            self.node.ticket(user), safe=""))}
        if csrf:
            headers["CSRFPreventionToken"] = self.node.csrf(user)
        return headers

    # -- answered by the other node ---------------------------------------

    @defer.inlineCallbacks
    def test_get_answered_by_other_node(self):
        status, reason, headers, body = yield self.request(
            "GET", "/api2/json/nodes/node2/version", self.auth("alice@pve"))
        self.assertEqual((status, reason), (200, "OK"))
        self.assertEqual(headers["content-type"],
                         "application/json;charset=UTF-8")
        self.assertEqual(json.loads(body), {"data": {
            "node": "node2", "ran": "proxy-node2", "user": "alice@pve",
            "tokenid": None}})
        # the format is the caller's, the connection is used again
        status, _, _, body = yield self.request(
            "GET", "/api2/extjs/nodes/node2/version", self.auth("bob@pve"))
        self.assertEqual(status, 200)
        body = json.loads(body)
        self.assertEqual((body["success"], body["data"]["node"],
                          body["data"]["user"]), (1, "node2", "bob@pve"))
        self.assertEqual(self.other_factory.accepted, 1)
        # this node's calls stay here
        status, _, _, body = yield self.request(
            "GET", "/api2/json/nodes/node1/version", self.auth("alice@pve"))
        self.assertEqual(json.loads(body)["data"]["ran"], "proxy")

    @defer.inlineCallbacks
    def test_api_token_forwarded(self):
        status, _, _, body = yield self.request(
            "GET", "/api2/json/nodes/node2/version",
            {"Authorization": "PVEAPIToken=%s=%s" % TOKEN})
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["data"]["tokenid"], TOKEN[0])

    @defer.inlineCallbacks
    def test_protected_call_runs_in_the_other_daemon(self):
        """Forwarded calls may still go to the target's pvedaemon."""
        status, _, _, body = yield self.request(
            "GET", "/api2/json/nodes/node2/secret", self.auth("bob@pve"))
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["data"], {
            "ran": "daemon-node2", "user": "bob@pve", "tokenid": None})

    @defer.inlineCallbacks
    def test_pvedaemon_path_unchanged(self):
        status, _, _, body = yield self.request(
            "GET", "/api2/json/nodes/node1/secret", self.auth("bob@pve"))
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["data"], {
            "ran": "daemon", "user": "bob@pve", "tokenid": None})
        status, _, _, body = yield self.request(
            "POST", "/api2/json/nodes/node1/secret",
            self.auth("root@pam", csrf=True), b"value=7")
        self.assertEqual(json.loads(body)["data"],
                         {"ran": "daemon", "value": 7})

    # -- parameters and errors --------------------------------------------

    @defer.inlineCallbacks
    def test_post_parameters(self):
        headers = self.auth("alice@pve", csrf=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, _, _, body = yield self.request(
            "POST", "/api2/json/nodes/node2/echo?name=q", headers,
            b"count=3&name=b")
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["data"], {
            "node": "node2", "count": 3, "name": "q", "ran": "proxy-node2",
            "on": "node2", "user": "alice@pve"})
        headers["Content-Type"] = "application/json"
        status, _, _, body = yield self.request(
            "POST", "/api2/json/nodes/node2/echo", headers,
            json.dumps({"count": 5, "name": "a b&c=d"}).encode())
        self.assertEqual(json.loads(body)["data"], {
            "node": "node2", "count": 5, "name": "a b&c=d",
            "ran": "proxy-node2", "on": "node2", "user": "alice@pve"})
        # a connection each: only GET reuses them
        self.assertEqual(self.other_factory.accepted, 2)

    @defer.inlineCallbacks
    def test_errors_come_back(self):
        status, reason, headers, body = yield self.request(
            "POST", "/api2/json/nodes/node2/echo",
            self.auth("alice@pve", csrf=True), b"count=x&bogus=1")
        self.assertEqual((status, reason),
                         (400, "Parameter verification failed."))
        self.assertEqual(headers["content-type"],
                         "application/json;charset=UTF-8")
        body = json.loads(body)
        self.assertIsNone(body["data"])
        self.assertEqual(set(body["errors"]), {"count", "bogus"})
        # the target checks the credentials again: a token secret that
        # only node1 would accept is refused there
        yield self.other.client.write("priv/token.cfg", b"")
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node2/version",
            {"Authorization": "PVEAPIToken=%s=%s" % TOKEN})
        self.assertEqual(status, 401)

    # -- refused ----------------------------------------------------------

    @defer.inlineCallbacks
    def test_proxy_loop(self):
        headers = self.auth("alice@pve")
        headers["PVEDisableProxy"] = "true"
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node2/version", headers)
        self.assertEqual((status, reason), (500, "proxy loop detected"))
        # not for calls this node runs
        status, _, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node1/secret", dict(
                self.auth("bob@pve"), PVEDisableProxy="true"))
        self.assertEqual(status, 200)

    @defer.inlineCallbacks
    def test_unknown_node(self):
        status, reason, _, body = yield self.request(
            "GET", "/api2/json/nodes/nosuchnode/version",
            self.auth("alice@pve"))
        self.assertEqual(status, 500)
        self.assertTrue(reason.startswith(
            "hostname lookup 'nosuchnode' failed - "), reason)
        body = json.loads(body)
        self.assertIsNone(body["data"])
        self.assertTrue(body["message"].startswith(reason))

    @defer.inlineCallbacks
    def test_wrong_certificate(self):
        yield self.node.client.write(certs.node_cert_path(OTHER),
                                     self.node.cert_pem)
        status, reason, _, body = yield self.request(
            "GET", "/api2/json/nodes/node2/version", self.auth("alice@pve"))
        self.assertEqual((status, body), (596, b""))
        self.assertIn("certificate verify failed", reason)
        # a custom certificate (pveproxy-ssl.pem) is the one pinned
        yield self.node.client.write("nodes/node2/pveproxy-ssl.pem",
                                     self.other.cert_pem)
        status, _, _, body = yield self.request(
            "GET", "/api2/json/nodes/node2/version", self.auth("alice@pve"))
        self.assertEqual(status, 200, body)
        yield self.node.client.write(certs.node_cert_path(OTHER),
                                     self.other.cert_pem)
        yield self.node.client.write("nodes/node2/pveproxy-ssl.pem",
                                     self.node.cert_pem)
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node2/version", self.auth("alice@pve"))
        self.assertEqual(status, 596)
        self.assertIn("certificate verify failed", reason)

    @defer.inlineCallbacks
    def test_no_pinned_certificate(self):
        yield self.node.client.delete(certs.node_cert_path(OTHER))
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node2/version", self.auth("alice@pve"))
        self.assertEqual(status, 596)
        self.assertIn("certificate verify failed", reason)

    @defer.inlineCallbacks
    def test_node_not_listening(self):
        yield self.node.client.write("corosync.conf", corosync_conf(
            (NODE, "127.0.0.1"), (OTHER, "127.0.0.2")))
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node2/version", self.auth("alice@pve"))
        self.assertEqual((status, reason), (595, "Connection refused"))


# -- the pure parts ------------------------------------------------------


class HeaderTests(unittest.TestCase):

    def test_ticket_and_csrf(self):
        creds = Credentials("PVE:alice@pve:4EEC61E2::a+b/c=", "4EEC61E2:x")
        headers = forward.outgoing_headers(creds, "192.0.2.7",
                                           b"pve1:8006")
        self.assertEqual(headers, {
            b"PVEDisableProxy": b"true",
            b"PVEClientIP": b"192.0.2.7",
            b"Cookie": b"PVEAuthCookie=PVE%3Aalice%40pve%3A4EEC61E2%3A%3A"
                       b"a%2Bb%2Fc%3D; path=/; secure; SameSite=Lax;",
            b"CSRFPreventionToken": b"4EEC61E2:x",
            b"Host": b"pve1:8006"})

    def test_api_token(self):
        creds = Credentials(api_token="root@pam!ci=aaaa-bbbb")
        headers = forward.outgoing_headers(creds, "::1",
                                           content_type=forward.FORM_TYPE)
        self.assertEqual(headers[b"Authorization"],
                         b"PVEAPIToken root%40pam%21ci%3Daaaa-bbbb")
        self.assertEqual(headers[b"Content-Type"],
                         b"application/x-www-form-urlencoded")
        self.assertNotIn(b"Cookie", headers)
        self.assertNotIn(b"Host", headers)

    def test_round_trip(self):
        """What is sent reads back as the same credentials."""
        creds = Credentials("PVE:a@pve:1::x+y/z==", "1:t", None)
        headers = forward.outgoing_headers(creds, None)
        self.assertEqual(Credentials.from_headers(
            headers[b"Cookie"].decode(), None,
            headers[b"CSRFPreventionToken"].decode()), creds)
        token = Credentials(api_token="a@pve!t=s-1")
        headers = forward.outgoing_headers(token, None)
        self.assertEqual(Credentials.from_headers(
            None, headers[b"Authorization"].decode()), token)

    def test_body(self):
        self.assertEqual(forward.encode_body("GET", {"a": "1"}),
                         (None, None))
        self.assertEqual(forward.encode_body("DELETE", {"a": "1"}),
                         (None, None))
        self.assertEqual(
            forward.encode_body("POST", {"a": "x y&z", "b": ["1", "2"]}),
            (forward.FORM_TYPE, b"a=x+y%26z&b=1&b=2"))
        self.assertEqual(forward.encode_body("PUT", {}),
                         (forward.FORM_TYPE, b""))
        ctype, body = forward.encode_body(
            "POST", {"a": 1, "b": [True]}, "application/json;charset=UTF-8")
        self.assertEqual((ctype, json.loads(body)),
                         ("application/json", {"a": 1, "b": [True]}))


class AddressTests(unittest.TestCase):
    CONF = corosync_conf(("pve1", "10.0.0.1"), ("pve2", "10.0.0.2"))

    def test_members_first(self):
        members = {"pve2": {"id": 2, "online": 1, "ip": "192.0.2.2"}}
        self.assertEqual(forward.choose_address("pve2", members, self.CONF),
                         "192.0.2.2")

    def test_corosync_nodelist(self):
        members = {"pve1": {"id": 0, "online": 1, "ip": None}}
        self.assertEqual(forward.choose_address("pve2", members, self.CONF),
                         "10.0.0.2")
        self.assertIsNone(forward.choose_address("pve3", members, self.CONF))
        self.assertIsNone(forward.choose_address("pve2", {}, None))
        self.assertIsNone(forward.choose_address("pve2", {}, b"nodelist {"))

    def test_lowest_link(self):
        conf = (b"nodelist {\n node {\n name: pve2\n nodeid: 2\n"
                b" link1_addr: 10.1.0.2\n link0_addr: 10.0.0.2\n }\n}\n")
        self.assertEqual(forward.corosync_address(conf, "pve2"), "10.0.0.2")


class PinningTests(unittest.TestCase):

    @defer.inlineCallbacks
    def setUp(self):
        self.node = yield Node.setup(self)

    def test_fingerprints_agree(self):
        """The pinned file's fingerprint is what the peer's certificate
        gives, in Proxmox's form."""
        pinned = forward.pem_fingerprint(self.node.cert_pem)
        cert = crypto.load_certificate(crypto.FILETYPE_PEM,
                                       self.node.cert_pem)
        self.assertEqual(forward.peer_fingerprint(cert), pinned)
        self.assertEqual(pinned, cert.digest("sha256").decode())
        self.assertRegex(pinned, r"^([0-9A-F]{2}:){31}[0-9A-F]{2}$")

    def test_verify(self):
        cert = crypto.load_certificate(crypto.FILETYPE_PEM,
                                       self.node.cert_pem)
        ca = crypto.load_certificate(crypto.FILETYPE_PEM, self.node.ca_pem)
        good = forward.PinnedTLS(forward.pem_fingerprint(self.node.cert_pem))
        self.assertTrue(good._verify(None, cert, 18, 0, False))
        self.assertTrue(good._verify(None, ca, 19, 1, False))
        self.assertIsNone(good.refused)
        bad = forward.PinnedTLS(forward.pem_fingerprint(self.node.ca_pem))
        self.assertFalse(bad._verify(None, cert, 0, 0, True))
        self.assertEqual(bad.refused, forward.peer_fingerprint(cert))
        self.assertFalse(forward.PinnedTLS(None)._verify(None, cert, 0, 0,
                                                         True))


class FailureTests(unittest.TestCase):

    def status(self, exc, phase=forward.CONNECTING):
        return forward.failure_status(Failure(exc), phase)

    def test_statuses(self):
        from twisted.web._newclient import ResponseNeverReceived
        refused = error.getConnectError((111, "Connection refused"))
        self.assertEqual(self.status(refused), (595, "Connection refused"))
        self.assertEqual(self.status(error.TimeoutError()),
                         (595, "Connection timed out"))
        self.assertEqual(self.status(error.ConnectingCancelledError(None)),
                         (595, "Connection timed out"))
        self.assertEqual(self.status(defer.TimeoutError(),
                                     forward.READING),
                         (597, "Connection timed out"))
        tls_error = SSL.Error([("SSL routines", "",
                                "certificate verify failed")])
        self.assertEqual(
            self.status(ResponseNeverReceived([Failure(tls_error)])),
            (596, "SSL routines::certificate verify failed"))
        self.assertEqual(
            self.status(ResponseNeverReceived([Failure(
                error.ConnectionDone())])),
            (596, "Unexpected end-of-file"))


class TimeoutTests(unittest.TestCase):
    """A node that takes the connection and never answers."""

    @defer.inlineCallbacks
    def test_timeout(self):
        node = yield Node.setup(self)
        hello = defer.Deferred()

        class Silent(protocol.Protocol):
            def dataReceived(self, data):
                if not hello.called:
                    hello.callback(None)

        factory = Tracked(protocol.Factory.forProtocol(Silent))
        port = yield endpoints.TCP4ServerEndpoint(
            reactor, 0, interface="127.0.0.1").listen(factory)
        self.addCleanup(port.stopListening)
        self.addCleanup(factory.idle)
        clock = task.Clock()
        forwarder = forward.Forwarder(reactor, node.client,
                                      port=port.getHost().port, clock=clock)
        self.addCleanup(forwarder.close)
        d = forwarder.forward(NODE, "127.0.0.1", "GET",
                              b"/api2/json/nodes/node1/version", {})
        yield hello  # connected: waiting for the TLS handshake
        self.assertNoResult(d)
        clock.advance(forward.TIMEOUT)
        response = self.successResultOf(d)
        self.assertEqual((response.code, response.phrase, response.body),
                         (596, b"Connection timed out", b""))
