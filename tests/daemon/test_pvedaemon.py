"""pvedaemon over AMP: it verifies the caller's credentials itself, so a
local process connecting to its port with forged ones gets a 401."""


from twisted.internet import defer, endpoints, reactor
from twisted.protocols import amp
from twisted.trial import unittest

from pve.access import certs
from pve.daemon import commands
from tests.proxy.node import NODE, Node
from tests.proxy.test_server import start_daemon


class DirectCallTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):
        self.node = yield Node.setup(self)
        self.description = yield start_daemon(self, self.node)

    @defer.inlineCallbacks
    def call(self, command, **kw):
        ep = endpoints.clientFromString(reactor, self.description)
        proto = yield endpoints.connectProtocol(ep, amp.AMP())
        try:
            answer = yield proto.callRemote(command, **kw)
        finally:
            proto.transport.loseConnection()
        return answer

    def call_api(self, auth, method="GET", path="/nodes/node1/secret",
                 params=None):
        return self.call(commands.CallAPI, method=method, path=path,
                         params=params or {}, auth=auth,
                         client_ip="127.0.0.1")

    @defer.inlineCallbacks
    def test_valid_ticket(self):
        answer = yield self.call_api({"ticket": self.node.ticket("bob@pve")})
        self.assertEqual(answer["status"], 200)
        self.assertEqual(answer["body"]["data"],
                         {"ran": "daemon", "user": "bob@pve",
                          "tokenid": None})

    @defer.inlineCallbacks
    def test_forged_credentials(self):
        from pve.access.tickets import new_rsa_key
        forged = self.node.ticket("root@pam", key=new_rsa_key(2048))
        for auth in [{}, {"ticket": forged},
                     {"ticket": "PVE:root@pam:4EEC61E2::AAAA"},
                     {"api_token": "root@pam!x=secret"}]:
            answer = yield self.call_api(auth)
            self.assertEqual(answer["status"], 401, auth)
            self.assertIsNone(answer["body"]["data"])

    @defer.inlineCallbacks
    def test_csrf_and_acl_checked_again(self):
        ticket = self.node.ticket("root@pam")
        answer = yield self.call_api({"ticket": ticket}, "POST",
                                     params={"value": 1})
        self.assertEqual((answer["status"], answer["body"]["message"]),
                         (401, "Permission denied - invalid csrf token\n"))
        answer = yield self.call_api(
            {"ticket": self.node.ticket("bob@pve"),
             "csrf_token": self.node.csrf("bob@pve")}, "POST",
            params={"value": 1})
        self.assertEqual(answer["status"], 403)

    @defer.inlineCallbacks
    def test_verify_token(self):
        answer = yield self.call(commands.VerifyToken,
                                 tokenid="alice@pve!sep",
                                 secret="11111111-1111-4111-8111-111111111111")
        self.assertTrue(answer["ok"])
        answer = yield self.call(commands.VerifyToken,
                                 tokenid="alice@pve!sep", secret="nope")
        self.assertFalse(answer["ok"])

    @defer.inlineCallbacks
    def test_large_values(self):
        big = "x" * 200000
        answer = yield self.call_api(
            {"ticket": self.node.ticket("root@pam")}, "GET", "/version",
            {"pad": big})
        # /version takes no parameters: the 400 names the big one
        self.assertEqual(answer["status"], 400)
        self.assertIn("pad", answer["body"]["errors"])


class FirstStartTests(unittest.TestCase):
    """``twistd -n pvedaemon`` on an empty pmxcfs creates the node files."""

    timeout = 120

    @defer.inlineCallbacks
    def test_creates_certificates(self):
        from tests.cluster.test_client import make_root, open_cfs, start_ipc
        from tests.polling import poll
        from tests.proxy.spawn import free_port, spawn_twistd
        paths = make_root(self)
        cfs = open_cfs(self, paths, reactor)
        _service, ipc = start_ipc(self, cfs, paths, reactor)
        port = free_port()
        proc = spawn_twistd(self, paths, "pvedaemon", [
            "--listen", "tcp:%d:interface=127.0.0.1" % port,
            "--pmxcfs", ipc, "--nodename", NODE])

        def listening():
            return b"pvedaemon listening" in proc.output()
        yield poll(listening, "pvedaemon to listen", attempts=600)
        for path in (certs.CA_CERT, certs.node_cert_path(NODE),
                     "priv/authkey.key", "authkey.pub", "pve-www.key"):
            self.assertTrue(cfs.read(path), path)
