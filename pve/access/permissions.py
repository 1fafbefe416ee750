"""Who may do what where: ACL resolution as ``PVE/AccessControl.pm``
(``roles``) and ``PVE/RPCEnvironment.pm`` (``permissions``) compute it.

Along a path, each level's ACLs replace what was inherited when they apply
(set on that very path, or with ``propagate``): a token's own ACLs win over
user ACLs, which win over the user's groups.  ``NoAccess`` wipes every other
role.  Pools lend their roles to their member VMs and storages.  A token
without privilege separation acts as its user; with it, it gets its own
ACLs intersected with its user's.  ``root@pam`` holds every privilege.
"""

import re

from pve.access import names
from pve.access.usercfg import ROOT

ROOT_ROLES = {"Administrator": 1}


def _levels(path):
    """Paths whose ACLs apply, from the root down, with ``final`` flags."""
    if path == "/":
        parts = [""]
    else:
        parts = path.split("/")
        while parts and parts[-1] == "":
            parts.pop()
    current = ""
    for index, part in enumerate(parts):
        if part:
            current += "/" + part
        yield current or "/", index == len(parts) - 1


def _applicable(assigned, final):
    return {role: propagate for role, propagate in assigned.items()
            if final or propagate}


def roles(cfg, ugid, path):
    """Roles of a user or token on *path*: ``{role: propagate}``.

    Pools are not considered here, and a token with privilege separation
    is not limited by its user's roles: use :func:`permissions` to decide.
    """
    if ugid == ROOT:
        return dict(ROOT_ROLES)
    if path is None:
        return {}
    tokenid = names.split_tokenid(ugid)
    if tokenid is not None:
        token = cfg.token(ugid)
        if token is None:
            return {}
        if not token.privsep:
            return roles(cfg, tokenid[0], path)
    result = {}
    for level, final in _levels(path):
        entry = cfg.acl.get(level)
        if entry is None:
            continue
        new = _applicable(entry.tokens.get(ugid, {}), final)
        if not new:
            new = _applicable(entry.users.get(ugid, {}), final)
        if not new:
            for group, assigned in entry.groups.items():
                member = cfg.groups.get(group)
                if member is not None and ugid in member.users:
                    for role, flag in _applicable(assigned, final).items():
                        new[role] = max(new.get(role, 0), flag)
        if new:
            result = new
    if "NoAccess" in result:
        return {"NoAccess": result["NoAccess"]}
    return result


def _pool_roles(cfg, ugid, path):
    """Roles lent by the pools holding the VM or storage at *path*."""
    lent = {}
    for name, pool in cfg.pools.items():
        members = ["/vms/%d" % vmid for vmid in pool.vms]
        members += ["/storage/%s" % storeid for storeid in pool.storage]
        if path in members:
            lent.update(dict.fromkeys(roles(cfg, ugid, "/pool/" + name), 1))
    return lent


def _compile(cfg, ugid, path):
    assigned = roles(cfg, ugid, path)
    lent = _pool_roles(cfg, ugid, path)
    if lent and "NoAccess" not in assigned:
        if "NoAccess" in lent:
            assigned = {"NoAccess": 0}
        else:
            for role in lent:
                assigned.setdefault(role, 0)
    privileges = {}
    for role, propagate in assigned.items():
        for priv in cfg.roles.get(role, ()):
            privileges[priv] = privileges.get(priv) or propagate
    return privileges


def privilege_flags(cfg, ugid, path):
    """Privileges of a user or token on *path*: ``{privilege: propagate}``.

    The flag says whether the privilege was granted with ``propagate``; it
    is what Proxmox's ``GET /access/permissions`` reports.
    """
    if ugid == ROOT:
        return dict.fromkeys(cfg.roles["Administrator"], 1)
    if path is None:
        return {}
    tokenid = names.split_tokenid(ugid)
    if tokenid is None:
        if names.verify_username(ugid) is None:
            return {}
        return _compile(cfg, ugid, path)
    token = cfg.token(ugid)
    if token is None:
        return {}
    owner = privilege_flags(cfg, tokenid[0], path)
    if not token.privsep:
        return owner
    own = _compile(cfg, ugid, path)
    if tokenid[0] == ROOT:
        return own
    return {priv: 1 if (owner[priv] and flag) else 0
            for priv, flag in own.items() if priv in owner}


def permissions(cfg, ugid, path):
    """The set of privileges a user or token holds on *path*."""
    return frozenset(privilege_flags(cfg, ugid, path))


def check(cfg, ugid, path, privs, any=False):
    """Whether *ugid* holds all of *privs* on *path* (one of them if *any*).

    An unknown privilege name raises ValueError, as in Proxmox.
    """
    held = permissions(cfg, ugid, path)
    for priv in privs:
        if priv not in cfg.roles["Administrator"]:
            raise ValueError("invalid privilege '%s'" % priv)
    if any:
        return bool(set(privs) & held)
    return all(priv in held for priv in privs)


def acl_paths(cfg):
    """Every path of the ACL tree, intermediate levels included, in order."""
    paths = {"/"}
    for path in cfg.acl:
        parts = path.split("/")[1:] if path != "/" else []
        for depth in range(1, len(parts) + 1):
            paths.add("/" + "/".join(parts[:depth]))
    return sorted(paths, key=lambda p: [] if p == "/" else p.split("/")[1:])


TOP_PATHS = ("/", "/access", "/access/groups", "/nodes", "/pool", "/sdn",
             "/storage", "/vms")


def effective_permissions(cfg, ugid):
    """``{path: {privilege: propagate}}`` over every path that matters.

    The paths are the top-level ones, those of the ACL tree and the pool
    members; paths without any privilege are left out (as Proxmox's
    ``get_effective_permissions``).
    """
    paths = set(TOP_PATHS) | set(acl_paths(cfg))
    for pool in cfg.pools.values():
        paths.update("/vms/%d" % vmid for vmid in pool.vms)
        paths.update("/storage/%s" % storeid for storeid in pool.storage)
    result = {}
    for path in sorted(paths):
        flags = privilege_flags(cfg, ugid, path)
        if flags:
            result[path] = flags
    return result


_CAPABILITIES = {
    "vms": r"VM\.|Permissions\.Modify",
    "access": r"(User|Group)\.|Permissions\.Modify",
    "storage": r"Datastore\.|Permissions\.Modify",
    "nodes": r"Sys\.|Permissions\.Modify",
    "sdn": r"SDN\.|Permissions\.Modify",
    "dc": r"Sys\.Audit|Sys\.Modify|SDN\.",
    "mapping": r"Mapping\.|Permissions.Modify",
}
_TOPLEVEL = re.compile(r"/(\w+)")


def api_capabilities(cfg, ugid):
    """The ``cap`` object of a login ticket: ``{section: {privilege: 1}}``.

    Tells the web UI what to show, from the privileges on the top-level
    paths and on every path of the ACL tree.
    """
    result = {section: {} for section in _CAPABILITIES}
    paths = ["/", "/nodes", "/access/groups", "/vms", "/storage", "/sdn",
             "/mapping"]
    paths += [p for p in acl_paths(cfg) if p not in paths]
    for path in paths:
        held = privilege_flags(cfg, ugid, path)
        match = _TOPLEVEL.match(path)
        section = match.group(1) if match else "dc"
        if section == "pool":
            for priv in held:
                if priv.startswith("VM."):
                    result["vms"][priv] = 1
                elif priv.startswith("Datastore."):
                    result["storage"][priv] = 1
                elif priv == "Permissions.Modify":
                    result["storage"][priv] = result["vms"][priv] = 1
        elif section in _CAPABILITIES:
            pattern = re.compile(_CAPABILITIES[section])
            for priv in held:
                if pattern.match(priv):
                    result[section][priv] = 1
    return result
