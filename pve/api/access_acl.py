"""``/access/groups``, ``/access/roles`` and ``/access/acl``.

As ``PVE::API2::Group``, ``PVE::API2::Role`` and ``PVE::API2::ACL``: each
change is a read-modify-write of ``user.cfg`` under its cfs lock.  Lists
show what the caller may see; handing out a role without
``Permissions.Modify`` on the path needs a superset of its privileges.
"""

from twisted.internet import defer

from pve.access import names, permissions, usercfg
from pve.access.privileges import PRIVILEGES, SPECIAL_ROLES
from pve.api import access, decl_access
from pve.api.access import die, locked, read_user_cfg, write_user_cfg
from pve.api.schema import ParamError
from pve.api.tree import Routes

routes = Routes(decl_access.DECLS)


def _change(env, errmsg, func):
    """Read user.cfg, ``func(cfg)``, write it back, under the lock."""
    @defer.inlineCallbacks
    def change():
        cfg = yield read_user_cfg(env)
        yield func(cfg)
        yield write_user_cfg(env, cfg)
    return locked(env, access.USER_CFG, change, errmsg).addCallback(lambda _: None)


# -- groups -----------------------------------------------------------------

@routes("/access/groups")
@defer.inlineCallbacks
def list_groups(env, params):
    cfg = yield env.user_config()
    result = []
    for name in sorted(cfg.groups):
        ok = yield env.check("/access/groups/" + name,
                             ["User.Modify", "Sys.Audit", "Group.Allocate"],
                             any=True, noerr=True)
        if not ok:
            continue
        group = cfg.groups[name]
        entry = {"groupid": name, "users": ",".join(sorted(group.users))}
        if group.comment is not None:
            entry["comment"] = group.comment
        result.append(entry)
    return result


def _group(cfg, name):
    if name not in cfg.groups:
        raise die("group '%s' does not exist" % name)
    return cfg.groups[name]


@routes("/access/groups", "POST")
def create_group(env, params):
    name = params["groupid"]

    def create(cfg):
        if name in cfg.groups:
            raise die("group '%s' already exists" % name)
        cfg.groups[name] = usercfg.Group(comment=params.get("comment") or None)
    return _change(env, "create group failed", create)


@routes("/access/groups/{groupid}")
@defer.inlineCallbacks
def read_group(env, params):
    cfg = yield read_user_cfg(env)
    group = _group(cfg, params["groupid"])
    result = {"members": sorted(group.users)}
    if group.comment is not None:
        result["comment"] = group.comment
    return result


@routes("/access/groups/{groupid}", "PUT")
def update_group(env, params):
    def update(cfg):
        group = _group(cfg, params["groupid"])
        if params.get("comment") is not None:
            group.comment = params["comment"]
    return _change(env, "update group failed", update)


@routes("/access/groups/{groupid}", "DELETE")
def delete_group(env, params):
    name = params["groupid"]

    def delete(cfg):
        _group(cfg, name)
        del cfg.groups[name]
        for entry in cfg.acl.values():
            entry.groups.pop(name, None)
    return _change(env, "delete group failed", delete)


# -- roles ------------------------------------------------------------------

def add_privs(cfg, role, privs):
    for priv in names.split_list(privs or ""):
        if priv not in PRIVILEGES:
            raise die("invalid privilege '%s'" % priv)
        cfg.roles[role].add(priv)


@routes("/access/roles")
@defer.inlineCallbacks
def list_roles(env, params):
    cfg = yield env.user_config()
    return [{"roleid": role, "privs": ",".join(sorted(cfg.roles[role])),
             "special": 1 if role in SPECIAL_ROLES else 0}
            for role in sorted(cfg.roles)]


@routes("/access/roles", "POST")
def create_role(env, params):
    role = params["roleid"]

    def create(cfg):
        if role in cfg.roles:
            raise die("role '%s' already exists" % role)
        cfg.roles[role] = set()
        add_privs(cfg, role, params.get("privs"))
    return _change(env, "create role failed", create)


@routes("/access/roles/{roleid}")
@defer.inlineCallbacks
def read_role(env, params):
    cfg = yield read_user_cfg(env)
    privs = cfg.roles.get(params["roleid"])
    if privs is None:
        raise die("role '%s' does not exist" % params["roleid"])
    return dict.fromkeys(sorted(privs), 1)


@routes("/access/roles/{roleid}", "PUT")
def update_role(env, params):
    role = params["roleid"]

    def update(cfg):
        if role in SPECIAL_ROLES:
            raise die("auto-generated role '%s' cannot be modified" % role)
        if role not in cfg.roles:
            raise die("role '%s' does not exist" % role)
        if not params.get("append"):
            cfg.roles[role] = set()
        add_privs(cfg, role, params.get("privs"))
    return _change(env, "update role failed", update)


@routes("/access/roles/{roleid}", "DELETE")
def delete_role(env, params):
    role = params["roleid"]

    def delete(cfg):
        if role in SPECIAL_ROLES:
            raise die("auto-generated role '%s' cannot be deleted" % role)
        if role not in cfg.roles:
            raise die("role '%s' does not exist" % role)
        del cfg.roles[role]
    return _change(env, "delete role failed", delete)


# -- ACL --------------------------------------------------------------------

MODIFY_EXTRA = (("/storage/", "Datastore.Allocate"), ("/vms/", "VM.Allocate"),
                ("/pool/", "Pool.Allocate"))


def can_modify(cfg, ugid, path):
    """Proxmox's ``check_perm_modify``: Permissions.Modify on *path*, or
    the allocation privilege of a storage, VM or pool path."""
    wanted = ["Permissions.Modify"]
    for prefix, priv in MODIFY_EXTRA:
        if path.startswith(prefix) and len(path) > len(prefix):
            wanted.append(priv)
    return permissions.check(cfg, ugid, path, wanted, any=True)


@routes("/access/acl")
@defer.inlineCallbacks
def read_acl(env, params):
    cfg = yield env.user_config()
    audit = yield env.check("/access", ["Sys.Audit"], noerr=True)
    result = []
    for path in sorted(cfg.acl, key=lambda p: [] if p == "/" else p.split("/")[1:]):
        if not (audit or can_modify(cfg, env.auth_id, path)):
            continue
        entry = cfg.acl[path]
        for kind, members in (("user", entry.users), ("group", entry.groups),
                              ("token", entry.tokens)):
            for ugid in sorted(members):
                for role in sorted(members[ugid]):
                    result.append({"path": path, "type": kind, "ugid": ugid,
                                   "roleid": role, "propagate": members[ugid][role]})
    return result


def _check_grant(cfg, ugid, path, role, propagate, verb):
    held = permissions.privilege_flags(cfg, ugid, path)
    if "Permissions.Modify" in held:
        return
    for priv in sorted(cfg.roles[role]):
        if priv not in held:
            raise ParamError({"role": "Cannot %s role '%s' - requires 'Permissions.Modify' "
                                      "or superset of privileges." % (verb, role)})
        if propagate and held[priv] != propagate:
            raise ParamError({"propagate": "Cannot %s role '%s' with propagation - requires "
                                           "'Permissions.Modify' or propagated superset of "
                                           "privileges." % (verb, role)})
    if role == "NoAccess":
        raise ParamError({"role": "Cannot %s role '%s' - requires 'Permissions.Modify'"
                                  % (verb, role)})


@routes("/access/acl", "PUT")
def update_acl(env, params):
    if not (params.get("users") or params.get("groups") or params.get("tokens")):
        raise ParamError({k: "either 'users', 'groups' or 'tokens' is required."
                          for k in ("users", "groups", "tokens")})
    path = names.normalize_path(params["path"])
    if not path or (not params.get("delete") and not names.check_path(path)):
        raise ParamError({"path": "invalid ACL path '%s'" % params["path"]})
    delete = bool(params.get("delete"))
    propagate = 1 if params.get("propagate", 1) else 0

    def update(cfg):
        entry = cfg.acl_at(path)
        for role in names.split_list(params.get("roles") or ""):
            if role not in cfg.roles:
                raise die("role '%s' does not exist" % role)
            _check_grant(cfg, env.auth_id, path, role, propagate,
                         "remove" if delete else "add")
            members = []
            for group in names.split_list(params.get("groups") or ""):
                if group not in cfg.groups:
                    raise die("group '%s' does not exist" % group)
                members.append((entry.groups, group))
            for userid in names.split_list(params.get("users") or ""):
                if userid not in cfg.users:
                    raise die("user '%s' does not exist" % userid)
                members.append((entry.users, userid))
            for tokenid in names.split_list(params.get("tokens") or ""):
                parts = names.split_tokenid(tokenid)
                if parts is None or cfg.token(tokenid) is None:
                    raise die("no such token '%s' for user '%s'" % (
                        parts[1] if parts else tokenid, parts[0] if parts else ""))
                members.append((entry.tokens, tokenid))
            for table, member in members:
                if delete:
                    table.get(member, {}).pop(role, None)
                    if not table.get(member, True):
                        del table[member]
                else:
                    table.setdefault(member, {})[role] = propagate
        if not (entry.users or entry.groups or entry.tokens):
            del cfg.acl[path]
    return _change(env, "ACL update failed", update)
