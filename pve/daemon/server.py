"""pvedaemon: runs protected API calls for pveproxy, as root, over AMP.

Every :class:`~pve.daemon.commands.CallAPI` carries the caller's own
credentials; the daemon verifies them again (ticket signature, user
enabled, CSRF for non-GET, or the API token) before anything runs, so a
local process that connects to the port with forged ones gets the 401 an
HTTP client would.  Failures of any kind come back as a status and an
error envelope, never as an AMP error.
"""

from twisted.internet import defer, protocol
from twisted.protocols import amp

from pve.api import auth as authmod
from pve.api import rest
from pve.daemon import commands
from pve.debuglog import Logger

log = Logger()


class DaemonProtocol(amp.AMP):
    def __init__(self, factory):
        super().__init__()
        self.daemon = factory

    def connectionMade(self):
        super().connectionMade()
        self.daemon.connections.add(self)

    def connectionLost(self, reason):
        self.daemon.connections.discard(self)
        super().connectionLost(reason)

    @commands.CallAPI.responder
    def call_api(self, method, path, params, auth, client_ip=None):
        d = self.daemon.call(method, path, params or {},
                             authmod.Credentials.from_dict(auth), client_ip)
        d.addCallback(lambda result: {"status": result.status,
                                      "body": result.to_wire()})
        return d

    @commands.VerifyToken.responder
    def verify_token(self, tokenid, secret):
        d = self.daemon.verify_token(tokenid, secret)
        d.addErrback(lambda f: log.failure("token check failed", f) or False)
        return d.addCallback(lambda ok: {"ok": bool(ok)})


class DaemonFactory(protocol.Factory):
    """Serves the API *registry* with root's access to *cfs* (when it is
    a :class:`~pve.cluster.cache.CachedClient`, each call starts with its
    ``refresh``)."""

    def __init__(self, registry, cfs, reactor, paths, nodename, clock=None):
        self.registry = registry
        self.cfs = cfs
        self.reactor = reactor
        self.clock = reactor if clock is None else clock
        self.paths = paths
        self.nodename = nodename
        self.authenticator = authmod.Authenticator(cfs, self.clock)
        self.connections = set()

    def buildProtocol(self, addr):
        return DaemonProtocol(self)

    def close_connections(self):
        """Drop every client connection (when the daemon stops)."""
        for proto in list(self.connections):
            proto.transport.loseConnection()

    def _refresh(self):
        refresh = getattr(self.cfs, "refresh", None)
        return refresh() if refresh is not None else defer.succeed(None)

    @defer.inlineCallbacks
    def verify_token(self, tokenid, secret):
        yield self._refresh()
        ok = yield authmod.read_token_checker(self.cfs, tokenid, secret)
        return ok

    @defer.inlineCallbacks
    def call(self, method, path, params, creds, client_ip=None):
        """Fires with a :class:`~pve.api.rest.Result`."""
        try:
            yield self._refresh()
            cfg = yield authmod.read_user_cfg(self.cfs)
            caller = yield self.authenticator.authenticate(
                method, path, creds, cfg)
        except Exception as e:
            if isinstance(e, authmod.AuthError):
                log.info("authentication failure; rhost={rhost} "
                         "msg={msg}", rhost=client_ip,
                         msg=e.message.strip())
            return rest.Result.from_error(e)
        env = authmod.make_env(caller, self.cfs, self.reactor, self.paths,
                               self.nodename, client_ip, cfg)
        result = yield rest.handle(self.registry, env, caller, method, path,
                                   params, privileged=True)
        if result.forward is not None:
            result = rest.Result.from_error(
                "unable to proxy to node '%s' from pvedaemon" % result.forward)
        return result
