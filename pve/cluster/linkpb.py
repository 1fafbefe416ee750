"""The Perspective Broker side of the cluster link: the connection
(:class:`LinkBroker`), a logged-in link (:class:`Channel`), the objects
each end calls (:class:`PeerAvatar` on the listening side, :class:`PeerMind`
on the dialling side, both answering ``message`` and ``ping``), and the
listening side's login: a portal per connection, whose checker sees the
certificate the peer presented (:class:`LinkRoot`).

A login is refused unless the username is a known peer that dials us (its
name sorts before ours), the password is the cluster secret and the
client certificate carries that node name.  Refusals are
:class:`LoginRefused`, a ``pb.Error``, so PB answers them without logging
a traceback; the link logs why.
"""

from twisted.cred.checkers import ICredentialsChecker
from twisted.cred.credentials import IAnonymous, IUsernameHashedPassword
from twisted.cred.error import UnauthorizedLogin
from twisted.cred.portal import IRealm, Portal
from twisted.internet import defer
from twisted.logger import Logger
from twisted.spread import pb
from zope.interface import implementer

from pve.cluster.linkdata import SECURITY
from pve.cluster.linktls import peer_certificate_matches

log = Logger()


class LoginRefused(pb.Error, UnauthorizedLogin):
    """A login the listening node refuses (a ``pb.Error``, so PB sends it
    back without logging a traceback)."""


class LinkBroker(pb.Broker):
    """PB's broker, remembering why its connection was lost and whether
    what became of its login has been told (logged) already."""

    lost_reason = None
    told = False

    def connectionMade(self):
        # small messages (votes, appends, acknowledgements) go at once:
        # Nagle's algorithm would hold them for the peer's delayed ACK
        transport = self.transport
        while transport is not None:
            set_no_delay = getattr(transport, "setTcpNoDelay", None)
            if set_no_delay is not None:
                set_no_delay(True)
                break
            transport = getattr(transport, "transport", None)
        pb.Broker.connectionMade(self)

    def connectionLost(self, reason):
        self.lost_reason = reason
        pb.Broker.connectionLost(self, reason)


def why_lost(broker):
    reason = broker.lost_reason
    return reason.getErrorMessage() if reason is not None else "closed"


class Channel:
    """A logged-in link to *peer*: the remote object to call and the
    broker (connection) it lives on."""

    def __init__(self, peer, remote, broker, clock):
        self.peer = peer
        self.remote = remote
        self.broker = broker
        self.clock = clock
        self.last_seen = clock.seconds()

    def seen(self, _=None):
        self.last_seen = self.clock.seconds()

    def call(self, name, *args):
        try:
            d = self.remote.callRemote(name, *args)
        except pb.DeadReferenceError:
            return None
        return d.addErrback(self._failed, name)

    def _failed(self, failure, name):
        if failure.check(pb.PBConnectionLost, pb.DeadReferenceError):
            return None
        log.warn("cluster link: {peer} refused '{call}': {why}",
                 peer=self.peer, call=name, why=failure.getErrorMessage())

    def close(self):
        self.broker.transport.loseConnection()

    def abort(self):
        self.broker.transport.abortConnection()


class Receiver:
    """What both ends of a link answer: messages and heartbeats."""

    def _received(self, data):
        self.link._received(self.peer, self.broker, data)

    def _pinged(self):
        self.link._pinged(self.peer, self.broker)


class PeerAvatar(pb.Avatar, Receiver):
    """The listening side's object for a peer that logged in."""

    def __init__(self, link, peer, broker):
        self.link, self.peer, self.broker = link, peer, broker

    def perspective_message(self, data):
        self._received(data)

    def perspective_ping(self):
        self._pinged()


class PeerMind(pb.Referenceable, Receiver):
    """The dialling side's object, handed over at login."""

    def __init__(self, link, peer):
        self.link, self.peer, self.broker = link, peer, None

    def remote_message(self, data):
        self._received(data)

    def remote_ping(self):
        self._pinged()


@implementer(ICredentialsChecker)
class LoginChecker:
    """Checks a login on one connection (it knows the broker, so the
    certificate the peer presented)."""

    credentialInterfaces = (IUsernameHashedPassword, IAnonymous)

    def __init__(self, link, broker):
        self.link, self.broker = link, broker

    @defer.inlineCallbacks
    def requestAvatarId(self, credentials):
        if not IUsernameHashedPassword.providedBy(credentials):
            raise self._refuse(None, "anonymous login")
        try:
            name = credentials.username.decode("ascii")
        except (AttributeError, UnicodeDecodeError):
            raise self._refuse(None, "unreadable name")
        if name not in self.link.peers:
            raise self._refuse(name, "not a cluster member")
        if not self.link.dials_us(name):
            raise self._refuse(name, "it should be dialled, not dial")
        if not (yield defer.maybeDeferred(credentials.checkPassword,
                                          self.link.secret)):
            raise self._refuse(name, "wrong cluster secret")
        if not peer_certificate_matches(self.broker.transport, name):
            raise self._refuse(name, "its certificate is not for that name")
        return name

    def _refuse(self, name, why):
        self.broker.told = True
        log.warn("cluster link: refused login as {peer} from {addr}: {why}",
                 peer=name, addr=self.broker.transport.getPeer(), why=why)
        return LoginRefused("login refused")


@implementer(IRealm)
class LinkRealm:
    def __init__(self, link, broker):
        self.link, self.broker = link, broker

    def requestAvatar(self, peer, mind, *interfaces):
        if pb.IPerspective not in interfaces or mind is None:
            raise LoginRefused("login refused")
        avatar = PeerAvatar(self.link, peer, self.broker)
        self.link._up(Channel(peer, mind, self.broker, self.link.clock))
        broker = self.broker
        return pb.IPerspective, avatar, lambda: self.link._down(peer, broker)


@implementer(pb.IPBRoot)
class LinkRoot:
    """A portal per connection, so the checker sees its certificate."""

    def __init__(self, link):
        self.link = link

    def rootObject(self, broker):
        portal = Portal(LinkRealm(self.link, broker),
                        [LoginChecker(self.link, broker)])
        return pb.IPBRoot(portal).rootObject(broker)


class LinkServerFactory(pb.PBServerFactory):
    protocol = LinkBroker
    noisy = False

    def __init__(self, link):
        pb.PBServerFactory.__init__(self, LinkRoot(link), security=SECURITY)
        self.link = link

    def buildProtocol(self, addr):
        broker = pb.PBServerFactory.buildProtocol(self, addr)
        self.link._track(broker)
        return broker
