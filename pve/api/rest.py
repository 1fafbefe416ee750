"""One API call from route to result, as Proxmox's ``rest_handler``.

Shared by pveproxy and pvedaemon: resolve the path (501), merge path and
request parameters (400 on conflicts), refuse API tokens where the
endpoint does not allow them, check the endpoint's permissions (403), then
either say where the call must run (``proxyto`` another node, or
pvedaemon for ``protected`` calls when not *privileged*) or validate the
parameters (400) and run the handler.
"""

from dataclasses import dataclass, field

from twisted.internet import defer
from twisted.python.failure import Failure

from pve.api import permcheck
from pve.api.schema import APIError
from pve.cluster.commands import NO_QUORUM_MESSAGE as NO_QUORUM
from pve.deferreds import settled


@dataclass
class Result:
    """What a call produced: a status and the parts of the envelope, or
    where to forward it (``forward``: ``"daemon"`` or a node name)."""

    status: int = 200
    data: object = None
    message: str = None
    errors: dict = None
    total: object = None
    changes: object = None
    endpoint: object = None
    forward: str = None
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_error(cls, error, endpoint=None):
        if isinstance(error, Failure):
            error = error.value
        if isinstance(error, APIError):
            return cls(error.code, None, error.message, error.errors or None,
                       endpoint=endpoint)
        if isinstance(error, OSError) and error.strerror == NO_QUORUM:
            # a write to /etc/pve without quorum, as check_cfs_quorum
            return cls(500, None, NO_QUORUM + "\n", endpoint=endpoint)
        return cls(500, None, "%s\n" % (error,), endpoint=endpoint)

    def to_wire(self):
        """A JSON-able dict for the pvedaemon link."""
        return {"data": self.data, "message": self.message,
                "errors": self.errors, "total": self.total,
                "changes": self.changes}

    @classmethod
    def from_wire(cls, status, body, endpoint=None):
        body = body or {}
        return cls(status, body.get("data"), body.get("message"),
                   body.get("errors"), body.get("total"),
                   body.get("changes"), endpoint)


def handle(registry, env, auth, method, rel_uri, params, privileged=True):
    """Fires with a :class:`Result` (errors included, never fails).
    No generator and no callbacks when user.cfg is at hand and the
    handler answers at once: the Deferred has fired on return."""
    try:
        route = registry.resolve(method, rel_uri)
    except Exception as e:
        return defer.succeed(Result.from_error(e))
    endpoint = route.endpoint
    try:
        merged = route.merge(params or {})
        if auth.tokenid and not endpoint.allowtoken:
            raise permcheck.perm_error(
                "URI '%s' not available with API token, need proper "
                "ticket.\n" % rel_uri)
        cfg = env.cache.get("usercfg")
        if cfg is None:
            d = env.user_config().addCallback(
                _permitted, route, endpoint, env, auth, merged, privileged)
            return d.addErrback(_failed, endpoint)
        result = settled(_permitted(cfg, route, endpoint, env, auth, merged,
                                    privileged))
    except Exception as e:
        return defer.succeed(Result.from_error(e, endpoint))
    if isinstance(result, defer.Deferred):
        return result.addErrback(_failed, endpoint)
    return defer.succeed(result)


def _permitted(cfg, route, endpoint, env, auth, merged, privileged):
    perms = endpoint.permissions or None
    permcheck.check_api2_permissions(cfg, perms, auth.auth_id, merged)
    node = route.proxy_node(merged, env)
    if node is not None and node not in ("localhost", env.nodename):
        return Result(forward=node, endpoint=endpoint)
    if route.protected and not privileged:
        return Result(forward="daemon", endpoint=endpoint)
    checked = route.check(merged)
    value = settled(endpoint.call(env, checked))
    if isinstance(value, defer.Deferred):
        return value.addCallback(_done, endpoint)
    return _done(value, endpoint)


def _done(value, endpoint):
    data, attributes = unwrap(value)
    return Result(200, data, total=attributes.get("total"),
                  changes=attributes.get("changes"), endpoint=endpoint)


def _failed(failure, endpoint):
    if not failure.check(Exception):
        return failure
    return Result.from_error(failure, endpoint)


def unwrap(value):
    """``(data, attributes)``: handlers may return ``pve.api.tree.Result``
    to add ``total``/``changes`` to the envelope."""
    attributes = getattr(value, "attributes", None)
    if isinstance(attributes, dict) and hasattr(value, "data"):
        return value.data, dict(attributes)
    return value, {}
