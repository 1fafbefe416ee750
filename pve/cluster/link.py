"""The links between pmxcfs daemons: a full mesh of Perspective Broker
connections over mutually authenticated TLS.

Every node listens (``ssl:5404`` by default) and dials each peer whose name
sorts after its own: one connection per pair, made by the node with the
smaller name (Python string order).  A login from a peer that should be
dialled by us is refused, so the rule holds even when a peer's list is
out of date.  A dialler that fails or loses its link tries again after
exponential backoff; a link that has been silent (no message, no answer to
a heartbeat) for *timeout* seconds is dropped and dialled again.

Identity, on each side of a link (details in :mod:`pve.cluster.linktls`
and :mod:`pve.cluster.linkpb`):

- the dialling node checks the listener's certificate as any TLS client
  does: it chains to the cluster CA and matches the node name dialled
  (service_identity);
- the listening node requires a client certificate chaining to the cluster
  CA; at the PB login the username (the dialling node's name) must be a
  known peer that dials us, the password the cluster secret, and the
  client certificate must match that name (service_identity again).  So
  the holder of node B's key cannot log in as node C.

Messages are plain data (:mod:`pve.cluster.linkdata`), checked before they
are sent and after they arrive; PB's unjellier admits no class.
Endpoint descriptions are Twisted's; ``ssl:5404`` by default, and TLS is
always the link's own.
"""

import random

from twisted.application import service
from twisted.application.internet import backoffPolicy
from twisted.cred.credentials import UsernamePassword
from twisted.internet import defer, endpoints, task
from twisted.logger import Logger
from twisted.protocols.tls import TLSMemoryBIOFactory
from twisted.python.failure import Failure
from twisted.spread import pb

from pve.cluster.linkdata import MAX_STRING, SECURITY, check_plain
from pve.cluster.linkpb import (Channel, LinkBroker, LinkServerFactory,
                                LoginRefused, PeerMind, why_lost)
from pve.cluster.linktls import (DEFAULT_LISTEN, DEFAULT_PORT,
                                 check_node_name, client_tls,
                                 peer_description, server_tls,
                                 tcp_description)

__all__ = ["ClusterLink", "check_plain", "peer_description", "LoginRefused",
           "DEFAULT_LISTEN", "DEFAULT_PORT", "MAX_STRING", "SECURITY"]

log = Logger()

HEARTBEAT = 2.0
TIMEOUT = 10.0
LOGIN_TIMEOUT = 30.0
STOP_GRACE = 5.0
RETRY_INITIAL, RETRY_MAX, RETRY_FACTOR, RETRY_JITTER = 0.25, 30.0, 2.0, 0.5


class _Dialer:
    """Keeps one link to *peer* up: dial, log in, and after a failure or a
    lost link dial again after ``link.retry(attempt)`` seconds."""

    def __init__(self, link, peer, description):
        self.link, self.peer, self.description = link, peer, description
        self.attempts = 0
        self._connecting = self._retry = self._broker = None
        self._early = []
        self._stopped = True

    def start(self):
        if self._stopped:
            self._stopped = False
            if self._broker is None:    # else its loss schedules a dial
                self._connect()

    def stop(self):
        self._stopped = True
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None
        if self._connecting is not None:
            self._connecting.cancel()
        if self._broker is not None:
            self._broker.transport.loseConnection()

    def _connect(self):
        self._retry = None
        link = self.link
        factory = pb.PBClientFactory(security=SECURITY)
        factory.protocol, factory.noisy = LinkBroker, False
        endpoint = endpoints.wrapClientTLS(
            client_tls(self.peer, link.key_pem, link.cert_pem, link.ca_pem),
            endpoints.clientFromString(link.clock,
                                       tcp_description(self.description)))
        d = self._connecting = endpoint.connect(factory)
        d.addCallbacks(self._connected, self._connect_failed,
                       callbackArgs=(factory,))

    def _connect_failed(self, failure):
        self._connecting = None
        if not self._stopped:
            log.info("cluster link: cannot connect to {peer}: {why}",
                     peer=self.peer, why=failure.getErrorMessage())
            self._schedule()

    def _connected(self, broker, factory):
        self._connecting = None
        self._broker = broker
        self._early = []
        self.link._track(broker)
        broker.notifyOnDisconnect(lambda: self._lost(broker))
        mind = PeerMind(self.link, self.peer)
        mind.broker = broker
        credentials = UsernamePassword(self.link.node.encode("ascii"),
                                       self.link.secret)
        factory.login(credentials, client=mind).addCallbacks(
            self._logged_in, self._login_failed,
            callbackArgs=(broker,), errbackArgs=(broker,))

    def _logged_in(self, perspective, broker):
        if broker is not self._broker or self._stopped:
            return
        self.attempts = 0
        broker.told = True
        self.link._up(Channel(self.peer, perspective, broker,
                               self.link.clock))
        early, self._early = self._early, []
        for data in early:
            self.link._deliver(self.peer, data)

    def early(self, broker, data):
        """A message that came before the login's answer (the listener's
        side is up first): kept for after it."""
        if broker is self._broker:
            self._early.append(data)

    def _login_failed(self, failure, broker):
        broker.told = True
        if not failure.check(pb.PBConnectionLost):
            log.warn("cluster link: login to {peer} failed: {why}",
                     peer=self.peer, why=failure.getErrorMessage())
        broker.transport.loseConnection()

    def _lost(self, broker):
        if broker is self._broker:
            if not broker.told and not self._stopped:
                log.info("cluster link: no link to {peer}: {why}",
                         peer=self.peer, why=why_lost(broker))
            self._broker = None
            self._early = []
        self.link._down(self.peer, broker)
        if not self._stopped and self._broker is None:
            self._schedule()

    def _schedule(self):
        self.attempts += 1
        delay = self.link.retry(self.attempts)
        log.debug("cluster link: dialling {peer} again in {delay:.2f} s",
                  peer=self.peer, delay=delay)
        self._retry = self.link.clock.callLater(delay, self._connect)


# -- the service ------------------------------------------------------------

class ClusterLink(service.Service):
    """The links from node *node* to its *peers* (``{name: client endpoint
    description}``; the local node may be in it and is skipped).

    *key_pem*, *cert_pem*: the node's key and certificate; *ca_pem*: the
    cluster CA; *secret*: bytes every node logs in with.  *on_message(peer,
    data)* gets every message, in order per peer; *on_peer(peer, up)* each
    link coming up or going down (a link replaced by a newer one from the
    same peer goes down, then up: messages may have been lost between).
    *retry(attempt)* gives the seconds before dial attempt ``attempt + 1``
    (default: exponential backoff from 0.5 s to 30 s, jitter from *rng*).
    """

    name = "cluster-link"

    def __init__(self, node, key_pem, cert_pem, ca_pem, secret,
                 listen=DEFAULT_LISTEN, peers=None, on_message=None,
                 on_peer=None, reactor=None, rng=None, retry=None,
                 heartbeat=HEARTBEAT, timeout=TIMEOUT,
                 login_timeout=LOGIN_TIMEOUT):
        if reactor is None:
            from twisted.internet import reactor
        if not isinstance(secret, bytes):
            raise TypeError("the cluster secret is bytes")
        self.node = check_node_name(node)
        self.key_pem, self.cert_pem, self.ca_pem = key_pem, cert_pem, ca_pem
        self.secret = secret
        self.clock = reactor
        self.on_message = on_message or (lambda peer, data: None)
        self.on_peer = on_peer or (lambda peer, up: None)
        rng = rng or random.Random()
        self.retry = retry or backoffPolicy(
            RETRY_INITIAL, RETRY_MAX, RETRY_FACTOR,
            jitter=lambda: rng.random() * RETRY_JITTER)
        self.heartbeat, self.timeout = heartbeat, timeout
        self.login_timeout = login_timeout
        self._server_tls = server_tls(key_pem, cert_pem, ca_pem)
        self._listen_endpoint = endpoints.serverFromString(
            reactor, tcp_description(listen))
        self.peers = {}
        self._dialers = {}
        self._channels = {}
        self._brokers = {}          # live connection -> login timer
        self._listening = self._bound = None
        self._bind_waiters = []
        self._heart = None
        self.set_peers(peers or {})

    # -- peers --

    def dials_us(self, peer):
        """Whether *peer* dials us (rather than we it)."""
        return peer < self.node

    def set_peers(self, peers):
        """Make *peers* (``{name: description}``) the peer list: links to
        peers no longer in it are closed, new ones dialled."""
        wanted = {}
        for name, description in peers.items():
            if name == self.node:
                continue
            check_node_name(name)
            endpoints.clientFromString(self.clock,
                                       tcp_description(description))
            wanted[name] = description
        for name in [n for n in self.peers if n not in wanted]:
            self.remove_peer(name)
        for name, description in wanted.items():
            self.add_peer(name, description)

    def add_peer(self, name, description):
        """Add *name* or change its description (used from the next dial
        on: a link that is up stays)."""
        if name == self.node:
            return
        check_node_name(name)
        endpoints.clientFromString(self.clock, tcp_description(description))
        self.peers[name] = description
        if self.dials_us(name):
            return
        dialer = self._dialers.get(name)
        if dialer is None:
            dialer = self._dialers[name] = _Dialer(self, name, description)
            if self.running:
                dialer.start()
        dialer.description = description

    def remove_peer(self, name):
        """Forget *name*: stop dialling it, close its link (it is reported
        down at once)."""
        self.peers.pop(name, None)
        dialer = self._dialers.pop(name, None)
        if dialer is not None:
            dialer.stop()
        channel = self._channels.pop(name, None)
        if channel is not None:
            channel.close()
            self._notify(name, False)

    def connected(self):
        """The names of the peers whose link is up."""
        return set(self._channels)

    # -- sending --

    def send(self, peer, data):
        """Send *data* (plain data, else TypeError or ValueError) to
        *peer*; False, and the message dropped, when its link is down."""
        check_plain(data)
        channel = self._channels.get(peer)
        if channel is None or not self.running:
            return False
        return channel.call("message", data) is not None

    # -- links coming and going --

    def _track(self, broker):
        timer = self.clock.callLater(self.login_timeout, self._login_timeout,
                                     broker)
        self._brokers[broker] = timer
        broker.notifyOnDisconnect(lambda: self._untrack(broker))

    def _untrack(self, broker):
        timer = self._brokers.pop(broker, None)
        if timer is not None and timer.active():
            timer.cancel()
            if not broker.isClient and not broker.told and self.running:
                log.info("cluster link: connection from {addr} closed "
                         "before login: {why}",
                         addr=broker.transport.getPeer(), why=why_lost(broker))

    def _login_timeout(self, broker):
        self._brokers[broker] = None
        log.warn("cluster link: no login within {t} s from {addr}",
                 t=self.login_timeout, addr=broker.transport.getPeer())
        broker.transport.abortConnection()

    def _up(self, channel):
        peer = channel.peer
        timer = self._brokers.get(channel.broker)
        if timer is not None and timer.active():
            timer.cancel()
        self._brokers[channel.broker] = None
        old = self._channels.get(peer)
        self._channels[peer] = channel
        log.info("cluster link: {peer} up", peer=peer)
        if old is not None:
            old.abort()
            self._notify(peer, False)
        self._notify(peer, True)

    def _down(self, peer, broker):
        channel = self._channels.get(peer)
        if channel is None or channel.broker is not broker:
            return
        del self._channels[peer]
        log.info("cluster link: {peer} down", peer=peer)
        self._notify(peer, False)

    def _notify(self, peer, up):
        try:
            self.on_peer(peer, up)
        except Exception:
            log.failure("cluster link: on_peer({peer}, {up}) failed",
                        peer=peer, up=up)

    # -- receiving --

    def _current(self, peer, broker):
        channel = self._channels.get(peer)
        if channel is not None and channel.broker is broker:
            return channel
        return None

    def _received(self, peer, broker, data):
        channel = self._current(peer, broker)
        if channel is None:
            dialer = self._dialers.get(peer)
            if dialer is not None:
                dialer.early(broker, data)
            return
        channel.seen()
        why = self._deliver(peer, data)
        if why is not None:
            raise pb.Error("refused: %s" % (why,))

    def _deliver(self, peer, data):
        """Hand *data* to on_message; the reason if it is refused."""
        try:
            check_plain(data)
        except (TypeError, ValueError) as e:
            log.warn("cluster link: refused a message from {peer}: {why}",
                     peer=peer, why=str(e))
            return str(e)
        try:
            self.on_message(peer, data)
        except Exception:
            log.failure("cluster link: on_message from {peer} failed",
                        peer=peer)
        return None

    def _pinged(self, peer, broker):
        channel = self._current(peer, broker)
        if channel is not None:
            channel.seen()

    def _beat(self):
        now = self.clock.seconds()
        for peer, channel in list(self._channels.items()):
            if now - channel.last_seen > self.timeout:
                log.warn("cluster link: nothing from {peer} for {t:.1f} s, "
                         "dropping the link", peer=peer,
                         t=now - channel.last_seen)
                channel.abort()
                continue
            d = channel.call("ping")
            if d is not None:
                d.addCallback(channel.seen)

    # -- service --

    def listening(self):
        """A Deferred firing with the listening port once bound (or
        failing with the reason it cannot be)."""
        if isinstance(self._bound, Failure):
            return defer.fail(self._bound)
        if self._bound is not None:
            return defer.succeed(self._bound)
        d = defer.Deferred()
        self._bind_waiters.append(d)
        return d

    def _listen(self):
        self._bound = None
        factory = TLSMemoryBIOFactory(self._server_tls, False,
                                      LinkServerFactory(self))
        self._listening = self._listen_endpoint.listen(factory)
        self._listening.addBoth(self._listened)

    def _listened(self, result):
        self._listening = None
        if isinstance(result, Failure):
            if not result.check(defer.CancelledError):
                log.failure("cluster link: cannot listen", result)
                self._bound = result
        else:
            self._bound = result
        waiters, self._bind_waiters = self._bind_waiters, []
        for d in waiters:
            if isinstance(result, Failure):
                d.errback(result)
            else:
                d.callback(result)
        return None

    def privilegedStartService(self):
        service.Service.privilegedStartService(self)
        self._listen()

    def startService(self):
        service.Service.startService(self)
        if self._listening is None and self._bound is None:
            self._listen()
        for dialer in self._dialers.values():
            dialer.start()
        self._heart = task.LoopingCall(self._beat)
        self._heart.clock = self.clock
        self._heart.start(self.heartbeat, now=False)

    def stopService(self):
        """Stop listening and dialling, close every link; fires when all
        connections are gone (stragglers aborted after a grace time)."""
        service.Service.stopService(self)
        if self._heart is not None and self._heart.running:
            self._heart.stop()
        for dialer in self._dialers.values():
            dialer.stop()
        waits = []
        if self._listening is not None:
            self._listening.cancel()
        port, self._bound = self._bound, None
        if port is not None and not isinstance(port, Failure):
            waits.append(defer.maybeDeferred(port.stopListening))
        brokers = list(self._brokers)
        for broker in brokers:
            closed = defer.Deferred()
            broker.notifyOnDisconnect(lambda d=closed: d.callback(None))
            waits.append(closed)
            broker.transport.loseConnection()
        grace = self.clock.callLater(STOP_GRACE, self._abort_all, brokers)

        def done(result):
            if grace.active():
                grace.cancel()
            return None
        return defer.gatherResults(waits, consumeErrors=True).addBoth(done)

    def _abort_all(self, brokers):
        for broker in brokers:
            if broker in self._brokers:
                broker.transport.abortConnection()
