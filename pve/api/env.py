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

    @defer.inlineCallbacks
    def user_config(self):
        """The parsed ``user.cfg`` (read once per request; with a caching
        client, shared until the file changes: never modify it, use
        ``pve.api.access.read_user_cfg`` for a copy to change)."""
        if "usercfg" not in self.cache:
            try:
                cfg = yield read_parsed(self.cfs, "user.cfg",
                                        usercfg.parsed_user_cfg)
            except OSError:
                cfg = usercfg.parsed_user_cfg(None)
            self.cache["usercfg"] = cfg
        return self.cache["usercfg"]

    @defer.inlineCallbacks
    def permissions(self, path):
        cfg = yield self.user_config()
        return permissions.permissions(cfg, self.auth_id, path)

    @defer.inlineCallbacks
    def check(self, path, privs, any=False, noerr=False):
        """Whether the caller has *privs* on *path* (all, or *any* of
        them); raise a 403 unless *noerr*."""
        cfg = yield self.user_config()
        ok = permissions.check(cfg, self.auth_id, path, privs, any=any)
        if not ok and not noerr:
            raise APIError("Permission check failed (%s, %s)"
                           % (path, ", ".join(privs)), code=403)
        return ok
