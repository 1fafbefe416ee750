"""The one API tree: :func:`make_registry` builds a Registry with every
endpoint we implement.

Each subtree module (``pve.api.access``, ``pve.api.nodes``...) holds a
:class:`Routes`: its handlers, each registered under Proxmox's declaration
of the same method (``pve.api.decl_*``, copied from apidata.json), so the
path, parameters, returns, permissions, ``protected`` and ``proxyto`` are
upstream's.  The declared ``permissions`` are evaluated by the server
(pveproxy/pvedaemon) before a handler runs; handlers do the checks Proxmox
makes in code.

Conventions for the callers of a handler:

* A handler may return :class:`Result` to add ``total`` (or ``changes``)
  to the response envelope, as Proxmox's ``$rpcenv->set_result_attrib``;
  :func:`unwrap` splits any return value into ``(data, attributes)``.
* ``env.client_ip`` is used by ``POST /access/ticket`` (logged on failed
  logins).
"""

from dataclasses import dataclass, field

from pve.api.declare import Endpoint, Registry


@dataclass
class Result:
    """A handler's data with extra envelope attributes (``total``...)."""

    data: object
    attributes: dict = field(default_factory=dict)


def unwrap(value):
    """``(data, attributes)`` of what a handler returned."""
    if isinstance(value, Result):
        return value.data, dict(value.attributes)
    return value, {}


class Routes:
    """Handlers of one subtree, declared as Proxmox declares them."""

    def __init__(self, *decls):
        self.decls = {}
        for table in decls:
            self.decls.update(table)
        self.handlers = []

    def __call__(self, path, method="GET"):
        """Decorator: *handler* answers ``method path``."""
        if (path, method) not in self.decls:
            raise KeyError(f"{method} {path}: no declaration")

        def register(handler):
            self.handlers.append((path, method, handler))
            return handler
        return register

    def index(self, path, key="subdir", order=None):
        """Declare ``GET path`` as an index of the children we implement
        (in upstream's *order*, where given, then the rest)."""
        self(path)(("index", key, order))

    def register(self, registry):
        for path, method, handler in self.handlers:
            if isinstance(handler, tuple):
                handler = index_handler(registry, path, *handler[1:])
            registry.add(Endpoint(path, method, handler=handler,
                                  **self.decls[(path, method)]))


def index_handler(registry, path, key="subdir", order=None):
    """A handler listing the children of *path* we implement, as
    ``[{key: name}]``, in *order* first."""
    def handler(env, params):
        children = registry.children(path)
        names = [n for n in order or () if n in children]
        names += [n for n in children if n not in names]
        return [{key: name} for name in names]
    return handler


def make_registry():
    """A Registry holding every endpoint of the API."""
    from pve.api import (access, access_acl, access_domains, access_ticket,
                         access_users, cluster, nodes, nodes_storage, qemu,
                         storage, storage_content, tasks, version)
    registry = Registry()
    for module in (version, access, access_ticket, access_users, access_acl,
                   access_domains, nodes, tasks, cluster, storage,
                   nodes_storage, storage_content, qemu):
        module.routes.register(registry)
    return registry
