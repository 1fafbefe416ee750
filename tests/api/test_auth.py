"""Request credentials checked against pmxcfs, time on a Clock."""

from twisted.internet import defer, task
from twisted.trial import unittest

from pve.api.auth import Authenticator, AuthError, Credentials
from tests.proxy.node import Node


class AuthTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):
        self.node = yield Node.setup(self)
        self.clock = task.Clock()
        self.now = 1800000000
        self.clock.advance(self.now)
        # the key pair was made at real time; keep tickets young to it
        st = self.node.cfs.stat("authkey.pub")
        self.clock.advance(st.mtime - self.now + 10)
        self.now = self.clock.seconds()
        self.auth = Authenticator(self.node.client, self.clock)

    def creds(self, user, csrf=False, now=None):
        now = self.now if now is None else now
        return Credentials(self.node.ticket(user, now),
                           self.node.csrf(user, now) if csrf else None)

    @defer.inlineCallbacks
    def fails(self, d, message):
        e = yield self.assertFailure(d, AuthError)
        self.assertEqual((e.code, e.message), (401, message + "\n"))

    @defer.inlineCallbacks
    def test_ticket(self):
        got = yield self.auth.authenticate("GET", "/version",
                                           self.creds("alice@pve"))
        self.assertEqual((got.user, got.tokenid), ("alice@pve", None))

    @defer.inlineCallbacks
    def test_ticket_expires(self):
        creds = self.creds("alice@pve")
        self.clock.advance(2 * 3600)
        yield self.fails(self.auth.authenticate("GET", "/version", creds),
                         "permission denied - invalid PVE ticket")

    @defer.inlineCallbacks
    def test_csrf(self):
        yield self.fails(self.auth.authenticate(
            "PUT", "/x", self.creds("alice@pve")),
            "Permission denied - invalid csrf token")
        got = yield self.auth.authenticate(
            "DELETE", "/x", self.creds("alice@pve", csrf=True))
        self.assertEqual(got.user, "alice@pve")

    @defer.inlineCallbacks
    def test_no_auth_needed(self):
        got = yield self.auth.authenticate("POST", "/access/ticket",
                                           Credentials())
        self.assertIsNone(got.user)
        yield self.fails(self.auth.authenticate("GET", "/version",
                                                Credentials()), "No ticket")

    @defer.inlineCallbacks
    def test_tokens(self):
        got = yield self.auth.authenticate("POST", "/x", Credentials(
            api_token="alice@pve!full=22222222-2222-4222-8222-222222222222"))
        self.assertEqual((got.user, got.tokenid, got.auth_id),
                         ("alice@pve", "alice@pve!full", "alice@pve!full"))
        yield self.fails(self.auth.authenticate("GET", "/x", Credentials(
            api_token="alice@pve!full=x")), "invalid token value!")

    @defer.inlineCallbacks
    def test_token_checker_injected(self):
        seen = []

        def checker(tokenid, secret):
            seen.append((tokenid, secret))
            return defer.succeed(True)
        auth = Authenticator(self.node.client, self.clock, checker)
        yield auth.authenticate("GET", "/x", Credentials(
            api_token="alice@pve!sep=s"))
        self.assertEqual(seen, [("alice@pve!sep", "s")])
