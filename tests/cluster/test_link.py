"""The cluster link: plain data, names and endpoints, then real TLS on
loopback between links holding a CA and node certificates made as Proxmox
makes them: the mesh, refused certificates and logins, refused data,
reconnection with backoff, silent peers."""

import time

from twisted.cred.credentials import IUsernameHashedPassword
from twisted.internet import defer, endpoints, protocol, reactor, task
from twisted.logger import globalLogPublisher
from twisted.spread import jelly, pb
from twisted.trial import unittest
from zope.interface import implementer

from pve.access import certs, tickets
from pve.cluster import linkdata, linkpb, linktls
from pve.cluster.client import DirectClient
from pve.cluster.link import ClusterLink, check_plain, peer_description
from tests.access.test_tickets import key
from tests.cluster.test_client import make_root, open_cfs
from tests.polling import poll

SECRET = b"cluster secret"
LISTEN = "ssl:0:interface=127.0.0.1"
UUID = "6c7e3b0e-6a51-4e0b-8a2c-6f2f3b1d9e01"
OTHER_UUID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"


def fast_retry(attempt):
    return min(0.02 * 2 ** attempt, 0.2)


class _Pki:
    """A cluster CA with node certificates for alpha, beta and gamma, and
    a second CA with its own alpha and gamma: made once per process."""

    made = None

    @classmethod
    def get(cls):
        if cls.made is None:
            cls.made = cls()
        return cls.made

    def __init__(self):
        now = time.time()
        self.ca_key, self.other_key = key(2048, 0), key(2048, 1)
        ca = certs.make_ca_cert(self.ca_key, now, UUID)
        other = certs.make_ca_cert(self.other_key, now, OTHER_UUID)
        self.ca, self.other_ca = certs.pem(ca), certs.pem(other)
        self.nodes, self.foreign = {}, {}
        for serial, (name, ip) in enumerate(
                [("alpha", "192.0.2.1"), ("beta", "192.0.2.2"),
                 ("gamma", "192.0.2.3")], start=1):
            node_key = key(2048, 1 + serial)
            cert = certs.make_node_cert(node_key, self.ca_key, ca, name, [ip],
                                        now, serial)
            self.nodes[name] = (tickets.private_pem(node_key),
                                certs.pem(cert))
            if name != "beta":
                cert = certs.make_node_cert(node_key, self.other_key, other,
                                            name, [ip], now, serial)
                self.foreign[name] = (tickets.private_pem(node_key),
                                      certs.pem(cert))


class Recorder:
    """on_message / on_peer for one link; may greet each peer coming up."""

    def __init__(self, greet=None):
        self.messages, self.peers = [], []
        self.greet = greet
        self.link = None

    def message(self, peer, data):
        self.messages.append((peer, data))

    def peer(self, peer, up):
        self.peers.append((peer, up))
        if up and self.greet is not None:
            self.link.send(peer, self.greet)

    def from_peer(self, peer):
        return [data for p, data in self.messages if p == peer]


class PlainDataTests(unittest.TestCase):
    def test_plain(self):
        shared = [1, 2]
        for value in (None, True, False, 0, -5, 2 ** 63, "é", b"\0\xff",
                      [], {}, [None, [b"x", {"k": [1, {"n": None}]}]],
                      {"s": 1, b"b": 2, 3: 3}, {"a": shared, "b": shared}):
            check_plain(value)

    def test_not_plain(self):
        class Thing(pb.Copyable):
            pass
        cyclic = []
        cyclic.append(cyclic)
        for value in ((1, 2), 1.5, {1, 2}, frozenset(), object(), Thing(),
                      [1, (2,)], {"k": 1.0}, {(1,): 1}, {None: 1},
                      {1.5: 1}, cyclic, bytearray(b"x"), time.gmtime()):
            self.assertRaises(TypeError, check_plain, value)

    def test_too_big(self):
        for value in (2 ** 64, -2 ** 64, b"x" * (linkdata.MAX_STRING + 1),
                      "é" * (linkdata.MAX_STRING // 2 + 1),
                      [None] * linkdata.MAX_STRING,
                      dict.fromkeys(range(linkdata.MAX_STRING))):
            self.assertRaises(ValueError, check_plain, value)
        check_plain(b"x" * linkdata.MAX_STRING)
        check_plain([None] * (linkdata.MAX_STRING - 1))

    def test_security_refuses_registered_classes(self):
        """jelly's default options admit any class registered with
        setUnjellyableForClass; the link's admit none."""
        class Sneaky(pb.RemoteCopy):
            pass
        name = b"tests.cluster.test_link.Sneaky"
        jelly.setUnjellyableForClass(name, Sneaky)

        def forget():
            del jelly.unjellyableRegistry[name]
            del jelly.globalSecurity.allowedTypes[name]
        self.addCleanup(forget)
        wire = [name, [b"dictionary", [b"x", 1]]]
        self.assertIsInstance(jelly.unjelly(wire, jelly.globalSecurity),
                              Sneaky)
        self.assertRaises(jelly.InsecureJelly, jelly.unjelly, wire,
                          linkdata.SECURITY)
        for wire in ([b"set", [b"list", 1]], [b"float", 1.5],
                     [b"twisted.spread.pb.Avatar", [b"dictionary"]],
                     [b"module", b"os"], [b"cached", 1]):
            self.assertRaises(jelly.InsecureJelly, jelly.unjelly, wire,
                              linkdata.SECURITY)
        self.assertEqual(
            jelly.unjelly(jelly.jelly({"a": [b"b", 1, None, True]}),
                          linkdata.SECURITY), {"a": [b"b", 1, None, True]})
        self.assertRaises(TypeError, linkdata.SECURITY.allowTypes, b"set")
        self.assertRaises(TypeError, linkdata.SECURITY.allowInstancesOf,
                          Sneaky)


class NameTests(unittest.TestCase):
    def test_node_names(self):
        for name in ("pve1", "a", "node-2", "N1"):
            self.assertEqual(linktls.check_node_name(name), name)
        for name in ("", "-a", "a-", "a.b", "a b", "localhost", "LocalHost",
                     None, b"pve1"):
            self.assertRaises(ValueError, linktls.check_node_name, name)

    def test_descriptions(self):
        tcp = linktls.tcp_description
        self.assertEqual(tcp("ssl:5404"), "tcp:5404")
        self.assertEqual(tcp("ssl:port=5404:interface=\\:\\:1"),
                         "tcp:port=5404:interface=\\:\\:1")
        self.assertEqual(tcp("tls:host=10.0.0.1:port=5404"),
                         "tcp:host=10.0.0.1:port=5404")
        self.assertEqual(tcp("tcp:5404"), "tcp:5404")
        self.assertEqual(tcp("unix:/run/x.sock"), "unix:/run/x.sock")
        for bad in ("ssl:5404:privateKey=k.pem", "ssl:5404:certKey=c.pem",
                    "tls:host=h:port=1:trustRoots=/etc/ssl"):
            self.assertRaises(ValueError, tcp, bad)
        self.assertEqual(peer_description("10.0.0.2"),
                         "ssl:host=10.0.0.2:port=5404")
        self.assertEqual(peer_description("fd00::2", 6000),
                         "ssl:host=fd00\\:\\:2:port=6000")

    def test_constructor_and_peers(self):
        pki = _Pki.get()
        node_key, cert = pki.nodes["beta"]
        self.assertRaises(ValueError, ClusterLink, "localhost", node_key,
                          cert, pki.ca, SECRET, listen=LISTEN)
        self.assertRaises(TypeError, ClusterLink, "beta", node_key, cert,
                          pki.ca, "text secret", listen=LISTEN)
        link = ClusterLink("beta", node_key, cert, pki.ca, SECRET,
                           listen=LISTEN,
                           peers={"beta": "tcp:127.0.0.1:1",
                                  "alpha": "tcp:127.0.0.1:2"})
        self.assertEqual(link.peers, {"alpha": "tcp:127.0.0.1:2"})
        self.assertTrue(link.dials_us("alpha"))
        self.assertFalse(link.dials_us("gamma"))
        # a bad entry changes nothing
        for peers in ({"gamma": "ssl:1:privateKey=x"}, {"a.b": "tcp:h:1"},
                      {"gamma": "nonsense:1"}):
            self.assertRaises(ValueError, link.set_peers, peers)
            self.assertEqual(link.peers, {"alpha": "tcp:127.0.0.1:2"})
        self.assertEqual(link._dialers, {})
        self.assertFalse(link.send("alpha", {"down": True}))
        self.assertRaises(TypeError, link.send, "alpha", (1,))


class LinkTestBase(unittest.TestCase):
    def setUp(self):
        self.pki = _Pki.get()
        self.refusals = []

        def observe(event):
            if "refused login" in event.get("log_format", ""):
                self.refusals.append((event["peer"], event["why"]))
        globalLogPublisher.addObserver(observe)
        self.addCleanup(globalLogPublisher.removeObserver, observe)

    @defer.inlineCallbacks
    def start(self, node, peers=None, pem=None, ca=None, secret=SECRET,
              listen=LISTEN, greet=None, **kw):
        """A started link for *node*; fires with (link, recorder, port)."""
        node_key, cert = pem or self.pki.nodes[node]
        recorder = Recorder(greet)
        kw.setdefault("retry", fast_retry)
        link = ClusterLink(node, node_key, cert, ca or self.pki.ca, secret,
                           listen=listen, peers=peers or {},
                           on_message=recorder.message,
                           on_peer=recorder.peer, **kw)
        recorder.link = link
        link.startService()
        self.addCleanup(link.stopService)
        port = yield link.listening()
        return link, recorder, port.getHost().port

    @defer.inlineCallbacks
    def mesh(self, names=("alpha", "beta", "gamma"), **kw):
        started = {}
        for name in names:
            started[name] = yield self.start(name, **kw)
        for name in names:
            started[name][0].set_peers({
                other: peer_description("127.0.0.1", started[other][2])
                for other in names})
        for name in names:
            link = started[name][0]
            yield poll(lambda: link.connected() == set(names) - {name},
                       "%s linked to all its peers" % name)
        return started


class MeshTests(LinkTestBase):
    @defer.inlineCallbacks
    def test_mesh_in_order(self):
        names = ("alpha", "beta", "gamma")
        started = {}
        for name in names:
            started[name] = yield self.start(name, greet=["hello", name])
        for name in names:
            started[name][0].set_peers({
                other: peer_description("127.0.0.1", started[other][2])
                for other in names})
        for name in names:
            link = started[name][0]
            yield poll(lambda: link.connected() == set(names) - {name},
                       "%s linked to all its peers" % name)
        count = 60
        for name in names:
            link = started[name][0]
            for other in set(names) - {name}:
                for i in range(count):
                    self.assertTrue(link.send(other, {
                        "from": name, "seq": i, "blob": b"\0" * i,
                        "list": [i, "x", None, True]}))

        def all_there():
            return all(len(started[n][1].messages) == 2 * (count + 1)
                       for n in names)
        yield poll(all_there, "every message")
        for name in names:
            recorder = started[name][1]
            for other in set(names) - {name}:
                got = recorder.from_peer(other)
                # the greeting sent as the link came up comes first, also
                # when the listening side sent it before the dialler's
                # login had its answer
                self.assertEqual(got[0], ["hello", other])
                self.assertEqual([m["seq"] for m in got[1:]],
                                 list(range(count)))
                self.assertEqual(got[5], {"from": other, "seq": 4,
                                          "blob": b"\0" * 4,
                                          "list": [4, "x", None, True]})
            self.assertEqual(sorted(recorder.peers),
                             [(o, True) for o in sorted(set(names) - {name})])
            # one connection per pair: two per node, three in all
            self.assertEqual(len(started[name][0]._brokers), 2)
        self.assertEqual(set(started["alpha"][0]._dialers), {"beta", "gamma"})
        self.assertEqual(set(started["beta"][0]._dialers), {"gamma"})
        self.assertEqual(set(started["gamma"][0]._dialers), set())

    @defer.inlineCallbacks
    def test_node_files_from_pmxcfs(self):
        """The CA and node certificates as pmxcfs makes them for two nodes
        (``update_node_files`` into a ConfigFS in a temporary root)."""
        now = time.time()
        clock = task.Clock()
        clock.advance(now)
        cfs = open_cfs(self, make_root(self), clock)
        client = DirectClient(cfs, reactor, clock=clock)
        pool = iter(range(10))          # the keys _Pki made already

        def keygen(bits):
            return key(2048, next(pool))
        files = {}
        for node in ("alpha", "beta"):
            yield certs.update_node_files(client, node, ["192.0.2.9"], now,
                                          keygen=keygen)
            files[node] = (cfs.read(certs.node_key_path(node)),
                           cfs.read(certs.node_cert_path(node)))
        ca = cfs.read(certs.CA_CERT)
        beta, brec, bport = yield self.start("beta", pem=files["beta"], ca=ca)
        beta.set_peers({"alpha": "tcp:127.0.0.1:1"})
        alpha, arec, _ = yield self.start(
            "alpha", pem=files["alpha"], ca=ca,
            peers={"beta": peer_description("127.0.0.1", bport)})
        yield poll(lambda: beta.connected() == {"alpha"}, "linked")
        self.assertTrue(beta.send("alpha", {"files": sorted(files)}))
        yield poll(lambda: arec.messages, "a message")
        self.assertEqual(arec.messages, [("beta", {"files": ["alpha",
                                                             "beta"]})])

    @defer.inlineCallbacks
    def test_send_refuses_non_plain(self):
        started = yield self.mesh(("alpha", "beta"))
        alpha, beta = started["alpha"][0], started["beta"][1]
        for bad in ((1, 2), {"x": 1.5}, {1, 2}, object(), pb.Copyable(),
                    {"k": pb.Referenceable()}):
            self.assertRaises(TypeError, alpha.send, "beta", bad)
        self.assertRaises(ValueError, alpha.send, "beta",
                          b"x" * (linkdata.MAX_STRING + 1))
        self.assertTrue(alpha.send("beta", "marker"))
        yield poll(lambda: beta.messages, "the marker")
        self.assertEqual(beta.messages, [("alpha", "marker")])

    @defer.inlineCallbacks
    def test_receive_refuses_non_plain(self):
        """Data that slips past a sender's check (here sent with PB
        directly) is refused by the receiver; the link stays up."""
        started = yield self.mesh(("alpha", "beta"))
        alpha, beta = started["alpha"][0], started["beta"]
        channel = alpha._channels["beta"]
        # alpha's own PB refuses to jelly a set or a float ...
        yield self.assertFailure(channel.remote.callRemote("message", {1, 2}),
                                 jelly.InsecureJelly)
        yield self.assertFailure(channel.remote.callRemote("message", 1.5),
                                 jelly.InsecureJelly)
        # ... a peer with PB's default options would send them
        channel.broker.security = jelly.globalSecurity

        class Sneaky(pb.Copyable):
            pass
        for bad, error in (((1, 2), "refused: not plain data: tuple"),
                           ({1, 2}, "b'set'"),
                           (Sneaky(), "Sneaky"),
                           (1.5, "float"),
                           (2 ** 70, "integer out of range")):
            # a refusal comes back as a CopiedFailure naming the remote
            # exception: check() compares names, the value is a string
            value = yield self.assertFailure(
                channel.remote.callRemote("message", bad), pb.Error,
                jelly.InsecureJelly)
            self.assertIn(error, value)
        self.flushLoggedErrors(jelly.InsecureJelly)
        self.assertTrue(alpha.send("beta", ["after"]))
        yield poll(lambda: beta[1].messages, "the good message")
        self.assertEqual(beta[1].messages, [("alpha", ["after"])])
        self.assertEqual(beta[0].connected(), {"alpha"})

    @defer.inlineCallbacks
    def test_remove_and_add_peer(self):
        started = yield self.mesh(("alpha", "beta"))
        (alpha, arec, _), (beta, brec, bport) = (started["alpha"],
                                                 started["beta"])
        alpha.remove_peer("beta")
        # reported down at once, and not dialled again
        self.assertEqual(arec.peers, [("beta", True), ("beta", False)])
        self.assertFalse(alpha.send("beta", 1))
        self.assertEqual(alpha._dialers, {})
        yield poll(lambda: ("alpha", False) in brec.peers, "beta sees it go")
        self.assertEqual(alpha.peers, {})
        alpha.add_peer("beta", peer_description("127.0.0.1", bport))
        yield poll(lambda: alpha.connected() == {"beta"}, "linked again")
        yield poll(lambda: beta.connected() == {"alpha"}, "linked again")
        # beta dropping alpha refuses its logins from then on
        beta.remove_peer("alpha")
        yield poll(lambda: ("alpha", "not a cluster member") in
                   self.refusals, "alpha refused")
        self.assertEqual(beta.connected(), set())


class RefusalTests(LinkTestBase):
    @defer.inlineCallbacks
    def refused(self, dialler, listener, peer=None):
        """*dialler* (a started link) never gets a link to *listener*
        (dialled as *peer*, by default its name); fires once it has
        failed twice."""
        link, recorder, _ = dialler
        peer = peer or listener[0].node
        yield poll(lambda: link._dialers[peer].attempts >= 2,
                   "two failed dials")
        self.assertEqual(link.connected(), set())
        self.assertEqual(recorder.peers, [])
        self.assertEqual(listener[0].connected(), set())
        self.assertEqual(listener[1].peers, [])

    @defer.inlineCallbacks
    def pair(self, alpha_kw=None, gamma_kw=None):
        gamma = yield self.start("gamma", **(gamma_kw or {}))
        gamma[0].set_peers({"alpha": "tcp:127.0.0.1:1"})
        alpha = yield self.start(
            "alpha", peers={"gamma": peer_description("127.0.0.1", gamma[2])},
            **(alpha_kw or {}))
        return alpha, gamma

    @defer.inlineCallbacks
    def test_client_certificate_from_another_ca(self):
        """alpha trusts the cluster CA, but its own certificate comes
        from another: gamma's TLS refuses it."""
        alpha, gamma = yield self.pair(
            alpha_kw={"pem": self.pki.foreign["alpha"]})
        yield self.refused(alpha, gamma)
        self.assertEqual(self.refusals, [])   # never got as far as login

    @defer.inlineCallbacks
    def test_server_certificate_from_another_ca(self):
        alpha, gamma = yield self.pair(
            gamma_kw={"pem": self.pki.foreign["gamma"]})
        yield self.refused(alpha, gamma)
        self.assertEqual(self.refusals, [])

    @defer.inlineCallbacks
    def test_listener_with_another_nodes_certificate(self):
        """alpha dials gamma's address, where beta answers: a certificate
        from the cluster CA, but not for gamma."""
        beta = yield self.start("beta")
        beta[0].set_peers({"alpha": "tcp:127.0.0.1:1"})
        alpha = yield self.start(
            "alpha", peers={"gamma": peer_description("127.0.0.1", beta[2])})
        yield self.refused(alpha, beta, "gamma")
        self.assertEqual(self.refusals, [])

    @defer.inlineCallbacks
    def test_certificate_of_another_node(self):
        """Holding beta's key and certificate, logging in as alpha."""
        alpha, gamma = yield self.pair(
            alpha_kw={"pem": self.pki.nodes["beta"]})
        yield self.refused(alpha, gamma)
        self.assertIn(("alpha", "its certificate is not for that name"),
                      self.refusals)

    @defer.inlineCallbacks
    def test_wrong_secret(self):
        alpha, gamma = yield self.pair(alpha_kw={"secret": b"guess"})
        yield self.refused(alpha, gamma)
        self.assertIn(("alpha", "wrong cluster secret"), self.refusals)

    @defer.inlineCallbacks
    def test_unknown_node(self):
        alpha, gamma = yield self.pair()
        yield poll(lambda: alpha[0].connected() == {"gamma"}, "linked")
        gamma[0].set_peers({})
        yield poll(lambda: ("alpha", "not a cluster member") in
                   self.refusals, "alpha refused")
        self.assertEqual(gamma[0].connected(), set())

    @defer.inlineCallbacks
    def test_no_login(self):
        """A connection that never logs in (here: never even starts TLS)
        is dropped after the login timeout."""
        gamma = yield self.start("gamma", login_timeout=0.2)
        lost = defer.Deferred()

        class Idle(protocol.Protocol):
            def connectionLost(self, reason):
                lost.callback(None)
        yield endpoints.TCP4ClientEndpoint(
            reactor, "127.0.0.1", gamma[2]).connect(
                protocol.Factory.forProtocol(Idle))
        yield lost
        self.assertEqual(gamma[0]._brokers, {})

    @defer.inlineCallbacks
    def test_dialling_the_wrong_way(self):
        """A login from a node that should be dialled (its name sorts
        after ours) is refused: one connection per pair."""
        node_key, cert = self.pki.nodes["beta"]
        beta = ClusterLink("beta", node_key, cert, self.pki.ca, SECRET,
                           listen=LISTEN, peers={"gamma": "tcp:127.0.0.1:1"})
        checker = linkpb.LoginChecker(beta, _Broker())
        self.assertFalse(beta.dials_us("gamma"))
        yield self.assertFailure(
            checker.requestAvatarId(_Credentials(b"gamma")),
            linkpb.LoginRefused)
        self.assertEqual(self.refusals,
                         [("gamma", "it should be dialled, not dial")])


@implementer(IUsernameHashedPassword)
class _Credentials:
    """Enough of PB's credentials for the checker's refusals."""

    def __init__(self, username):
        self.username = username

    def checkPassword(self, password):
        return True


class _Broker:
    class transport:
        @staticmethod
        def getPeer():
            return None


class ReconnectTests(LinkTestBase):
    @defer.inlineCallbacks
    def test_restarted_peer_reconnected_with_backoff(self):
        attempts = []

        def retry(attempt):
            attempts.append(attempt)
            return min(0.01 * 2 ** attempt, 0.2)
        beta, brec, bport = yield self.start("beta")
        beta.set_peers({"alpha": "tcp:127.0.0.1:1"})
        alpha, arec, _ = yield self.start(
            "alpha", peers={"beta": peer_description("127.0.0.1", bport)},
            retry=retry)
        yield poll(lambda: alpha.connected() == {"beta"}, "linked")
        self.assertEqual(attempts, [])
        yield beta.stopService()
        yield poll(lambda: len(attempts) >= 4, "retries while beta is away")
        self.assertEqual(arec.peers, [("beta", True), ("beta", False)])
        self.assertFalse(alpha.send("beta", "dropped"))
        # each retry waits longer than the one before
        self.assertEqual(attempts[:4], [1, 2, 3, 4])
        beta2, brec2, _ = yield self.start(
            "beta", peers={"alpha": "tcp:127.0.0.1:1"},
            listen="ssl:%d:interface=127.0.0.1" % bport)
        yield poll(lambda: alpha.connected() == {"beta"}, "linked again")
        yield poll(lambda: beta2.connected() == {"alpha"}, "linked again")
        self.assertEqual(alpha._dialers["beta"].attempts, 0)
        self.assertEqual(arec.peers[-1], ("beta", True))
        self.assertTrue(alpha.send("beta", "again"))
        yield poll(lambda: brec2.messages, "message after reconnection")
        self.assertEqual(brec2.messages, [("alpha", "again")])
        self.assertEqual(brec.messages, [])

    @defer.inlineCallbacks
    def test_new_login_replaces_old(self):
        """A second login as alpha (say, its daemon restarted while the
        old connection still looks alive to beta) takes over the link."""
        beta, brec, bport = yield self.start("beta")
        beta.set_peers({"alpha": "tcp:127.0.0.1:1"})
        peers = {"beta": peer_description("127.0.0.1", bport)}
        old, oldrec, _ = yield self.start("alpha", peers=peers,
                                          retry=lambda attempt: 60)
        yield poll(lambda: beta.connected() == {"alpha"}, "first link")
        new, newrec, _ = yield self.start("alpha", peers=peers)
        yield poll(lambda: new.connected() == {"beta"}, "second link")
        yield poll(lambda: not old.connected(), "first link dropped")
        self.assertEqual(brec.peers, [("alpha", True), ("alpha", False),
                                      ("alpha", True)])
        self.assertTrue(beta.send("alpha", "to the new one"))
        yield poll(lambda: newrec.messages, "message on the new link")
        self.assertEqual(newrec.messages, [("beta", "to the new one")])
        self.assertEqual(oldrec.messages, [])

    @defer.inlineCallbacks
    def test_silent_peer_dropped(self):
        """A peer that stops answering (here: stops reading) is dropped
        after the timeout, and linked again once it answers."""
        started = yield self.mesh(("alpha", "beta"), heartbeat=0.05,
                                  timeout=0.6)
        (alpha, arec, _), (beta, brec, _) = (started["alpha"],
                                             started["beta"])
        transport = beta._channels["alpha"].broker.transport
        transport.pauseProducing()
        yield poll(lambda: ("beta", False) in arec.peers, "alpha drops beta",
                   interval=0.05)
        transport.resumeProducing()
        yield poll(lambda: arec.peers.count(("beta", True)) == 2,
                   "linked again", interval=0.05)
        yield poll(lambda: beta.connected() == {"alpha"}, "linked again")
