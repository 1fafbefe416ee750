"""What an API handler gets besides its parameters: the request environment.

Every handler is called as ``handler(env, params)``.  pveproxy, pvedaemon and
the CLIs (pvesh, pveum) all build an :class:`Env` for the authenticated
caller and hand it to the same handlers, so a handler never knows which of
them called it.

The environment holds services (the pmxcfs client, the reactor, the node's
paths and name) and the caller (user, token, client address).  Access
checks go through :meth:`Env.check`, which raises Proxmox's 403.
"""

from dataclasses import dataclass, field

from twisted.internet import defer

from pve.access import permissions, usercfg
from pve.api.schema import APIError
from pve.cluster.cache import read_parsed


@dataclass
class Env:
    """The request environment of one API call.

    *cfs* is an ``ICfsClient`` (``pve.cluster.client``); *user* the
    authenticated user (``root@pam``), *tokenid* the full token id
    (``root@pam!ci``) when the call came with an API token, else None;
    *realm_user* is the same as *user* (the owner of the token).
    ``cli`` is true for the command-line tools (no permission checks for
    root, as in Proxmox).
    """

    cfs: object
    reactor: object
    paths: object
    nodename: str
    user: str = "root@pam"
    tokenid: str = None
    client_ip: str = None
    cli: bool = False
    cache: dict = field(default_factory=dict)

    @property
    def auth_id(self):
        """The id whose permissions apply: the token if any, else the user."""
        return self.tokenid or self.user

    def user_config(self):
        """The parsed ``user.cfg`` (read once per request; with a caching
        client, shared until the file changes: never modify it, use
        ``pve.api.access.read_user_cfg`` for a copy to change)."""
        cfg = self.cache.get("usercfg")
        if cfg is not None:
            return defer.succeed(cfg)
        d = read_parsed(self.cfs, "user.cfg", usercfg.parsed_user_cfg)

        def missing(failure):
            failure.trap(OSError)
            return usercfg.parsed_user_cfg(None)

        def keep(cfg):
            self.cache["usercfg"] = cfg
            return cfg
        return d.addErrback(missing).addCallback(keep)

    @defer.inlineCallbacks
    def permissions(self, path):
        cfg = yield self.user_config()
        return permissions.permissions(cfg, self.auth_id, path)

    def check(self, path, privs, any=False, noerr=False):
        """Whether the caller has *privs* on *path* (all, or *any* of
        them); a 403 unless *noerr*.  Fires at once once user.cfg was
        read in this request."""
        cfg = self.cache.get("usercfg")
        if cfg is None:
            return self.user_config().addCallback(
                self.check_with, path, privs, any, noerr)
        try:
            return defer.succeed(self.check_with(cfg, path, privs, any, noerr))
        except APIError:
            return defer.fail()

    def check_with(self, cfg, path, privs, any=False, noerr=False):
        """:meth:`check` given the :meth:`user_config` *cfg* (synchronous)."""
        ok = permissions.check(cfg, self.auth_id, path, privs, any=any)
        if not ok and not noerr:
            raise APIError("Permission check failed (%s, %s)"
                           % (path, ", ".join(privs)), code=403)
        return ok
