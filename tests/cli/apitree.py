"""The API the CLI tests run against.

:func:`registry` is ``pve.api.tree.make_registry()`` once every subtree
exists; until then a small registry under upstream's declarations
(``decl_access``) with in-memory handlers, plus the real ``/version``, so
the command-line machinery is tested on Proxmox's real schemas.
:func:`real_registry` is the real tree, or None.
"""

from pve.api import decl_access
from pve.api.declare import Registry
from pve.api.schema import APIError
from pve.api.tree import Routes


def real_registry():
    try:
        from pve.api.tree import make_registry
        return make_registry()
    except ImportError:
        return None


class Store:
    """What the in-memory handlers keep."""

    def __init__(self):
        self.users = {"root@pam": {"userid": "root@pam", "enable": 1, "expire": 0}}
        self.tokens = {}
        self.acl = []
        self.passwords = {}
        self.calls = []


def fake_registry(store):
    routes = Routes(decl_access.DECLS)
    routes.index("/access")

    @routes("/access/users")
    def list_users(env, params):
        store.calls.append(("GET /access/users", params))
        return [dict(u) for u in store.users.values()]

    @routes("/access/users", "POST")
    def create_user(env, params):
        store.calls.append(("POST /access/users", params))
        if params["userid"] in store.users:
            raise APIError(f"create user failed: user '{params['userid']}' already exists\n")
        store.users[params["userid"]] = dict(params)

    @routes("/access/users/{userid}", "DELETE")
    def delete_user(env, params):
        store.users.pop(params["userid"])

    @routes("/access/users/{userid}/token/{tokenid}", "POST")
    def add_token(env, params):
        store.calls.append(("POST token", params))
        full = f"{params['userid']}!{params['tokenid']}"
        info = {k: v for k, v in params.items() if k not in ("userid", "tokenid")}
        info.setdefault("privsep", 1)
        info.setdefault("expire", 0)
        store.tokens[full] = info
        return {"full-tokenid": full, "info": info,
                "value": "0e5a0c4b-5e2d-4b5a-9c1f-2a3b4c5d6e7f"}

    @routes("/access/acl", "PUT")
    def update_acl(env, params):
        store.calls.append(("PUT /access/acl", params))
        store.acl.append(params)

    @routes("/access/acl")
    def read_acl(env, params):
        return [{"path": a["path"], "type": "user", "ugid": a.get("users"),
                 "roleid": a["roles"], "propagate": 1} for a in store.acl]

    @routes("/access/password", "PUT")
    def change_password(env, params):
        store.passwords[params["userid"]] = params["password"]

    @routes("/access/permissions")
    def permissions(env, params):
        store.calls.append(("GET /access/permissions", params))
        return {"/": {"Sys.Audit": 1, "VM.Audit": 0}, "/vms": {"VM.Audit": 1}}

    registry = Registry()
    routes.register(registry)
    from pve.api import version
    version.routes.register(registry)
    return registry
