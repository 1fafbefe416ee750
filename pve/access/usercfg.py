"""``user.cfg``: users, API tokens, groups, pools, roles and ACLs.

One entry a line, colon-separated, as ``PVE/AccessControl.pm`` reads and
writes it::

    user:<userid>:<enable>:<expire>:<first>:<last>:<email>:<comment>:<keys>:
    token:<userid>!<name>:<expire>:<privsep>:<comment>:
    group:<name>:<user>,<user>:<comment>:
    pool:<name>:<comment>:<vmid>,<vmid>:<storage>,<storage>:
    role:<name>:<privilege>,<privilege>:
    acl:<propagate>:<path>:<user|@group|token>,...:<role>,...:

Free text (names, comments) is percent-escaped.  What cannot be read is
skipped with Proxmox's warning; the rest survives a rewrite.  The built-in
roles and ``root@pam`` are always present.
"""

import re
from collections import defaultdict
from dataclasses import dataclass, field

from pve.access import names
from pve.access.lines import ParseWarning, colon_fields, content_lines, nth
from pve.access.names import decode_text, encode_text, perl_true, split_list
from pve.access.privileges import PRIVILEGES, SPECIAL_ROLES

ROOT = "root@pam"

_DIGITS = re.compile(r"[0-9]+")
_GROUP_MEMBER = re.compile(r"@(\S+)", re.ASCII)
_STORAGE = re.compile(r"[a-z][a-z0-9\-_.]*[a-z0-9]", re.ASCII | re.IGNORECASE)
_PARENT_POOL = re.compile(r"(.+)/[^/]+")


@dataclass
class Token:
    privsep: int = 1
    expire: int = 0
    comment: str | None = None


@dataclass
class User:
    enable: int = 1
    expire: int = 0
    firstname: str | None = None
    lastname: str | None = None
    email: str | None = None
    comment: str | None = None
    keys: str | None = None
    tokens: dict = field(default_factory=dict)  # name -> Token


@dataclass
class Group:
    users: set = field(default_factory=set)
    comment: str | None = None


@dataclass
class Pool:
    comment: str | None = None
    vms: set = field(default_factory=set)  # int VMIDs
    storage: set = field(default_factory=set)
    pools: set = field(default_factory=set)  # nested pools, full names
    parent: str | None = None


@dataclass
class AclEntry:
    """ACLs set on one path: member -> {role: propagate (0/1)}."""

    users: dict = field(default_factory=dict)
    groups: dict = field(default_factory=dict)
    tokens: dict = field(default_factory=dict)


@dataclass
class UserConfig:
    """What ``user.cfg`` holds; built-in roles and root@pam included."""

    users: dict = field(default_factory=dict)    # userid -> User
    groups: dict = field(default_factory=dict)   # name -> Group
    roles: dict = field(default_factory=dict)    # name -> set of privileges
    pools: dict = field(default_factory=dict)    # name -> Pool
    vms: dict = field(default_factory=dict)      # vmid -> pool name
    acl: dict = field(default_factory=dict)      # normalized path -> AclEntry

    def __post_init__(self):
        force_defaults(self)

    def acl_at(self, path):
        """The :class:`AclEntry` of a normalized *path*, created if missing."""
        return self.acl.setdefault(path, AclEntry())

    def groups_of(self, userid):
        """Sorted names of the groups listing *userid* as a member."""
        return sorted(name for name, group in self.groups.items()
                      if userid in group.users)

    def token(self, tokenid):
        """The :class:`Token` named by ``user@realm!name``, or None."""
        parts = names.split_tokenid(tokenid)
        if parts is None:
            return None
        user = self.users.get(parts[0])
        return None if user is None else user.tokens.get(parts[1])


def force_defaults(cfg):
    """Install the built-in roles and ``root@pam`` (as Proxmox does)."""
    for name, privs in SPECIAL_ROLES.items():
        cfg.roles[name] = privs
    if ROOT not in cfg.users:
        cfg.users[ROOT] = User(enable=1)


def _expire(value):
    value = value if perl_true(value) else "0"
    return int(value) if _DIGITS.fullmatch(value) else None


class _Reader:
    def __init__(self):
        self.cfg = UserConfig()
        self.warnings = []
        self.number = 0

    def warn(self, message, *args):
        """Record Proxmox's warning for the current line."""
        self.warnings.append(
            ParseWarning(self.number, "user config - " + message % args))

    def read(self, raw):
        for self.number, line in content_lines(raw):
            data = colon_fields(line)
            kind = data[0] if data else ""
            handler = getattr(self, "entry_" + kind, None)
            if handler is None:
                self.warn("ignore config line: %s", line)
            else:
                handler(data[1:])
        force_defaults(self.cfg)
        return self.cfg, self.warnings

    def entry_user(self, data):
        userid = nth(data, 0) or ""
        if names.verify_username(userid) is None:
            return self.warn("ignore user '%s' - invalid user name", userid)
        expire = _expire(nth(data, 2))
        if expire is None:
            return self.warn("ignore user '%s' - (illegal characters in "
                             "expire '%s')", userid, nth(data, 2))
        text = [decode_text(v) if perl_true(v) else None
                for v in (nth(data, 3), nth(data, 4), nth(data, 6))]
        email, keys = nth(data, 5), nth(data, 7)
        self.cfg.users[userid] = User(
            enable=1 if perl_true(nth(data, 1)) else 0, expire=expire,
            firstname=text[0], lastname=text[1], email=email or None,
            comment=text[2], keys=keys if perl_true(keys) else None)

    def entry_token(self, data):
        tokenid = nth(data, 0) or ""
        parts = names.split_tokenid(tokenid)
        if parts is None:
            return self.warn("ignore invalid tokenid '%s'", tokenid)
        expire = _expire(nth(data, 1))
        if expire is None:
            return self.warn("ignore token '%s' - (illegal characters in "
                             "expire '%s')", tokenid, nth(data, 1))
        user = self.cfg.users.get(parts[0])
        if user is None:
            return self.warn("ignore token '%s' - user does not exist",
                             tokenid)
        token = user.tokens.setdefault(parts[1], Token())
        token.privsep = 1 if perl_true(nth(data, 2)) else 0
        token.expire = expire
        if perl_true(nth(data, 3)):
            token.comment = decode_text(nth(data, 3))

    def entry_group(self, data):
        name = nth(data, 0) or ""
        if not names.verify_groupname(name):
            return self.warn("ignore group '%s' - invalid "
                             "characters in group name", name)
        group = self.cfg.groups.setdefault(name, Group())
        if perl_true(nth(data, 2)):
            group.comment = decode_text(nth(data, 2))
        for userid in split_list(nth(data, 1)):
            if names.verify_username(userid) is None:
                self.warn("ignore invalid group member '%s'", userid)
                continue
            if userid not in self.cfg.users:
                # kept as a member all the same, as Proxmox does
                self.warn("ignore invalid group member '%s'", userid)
            group.users.add(userid)

    def entry_role(self, data):
        name = nth(data, 0) or ""
        if not names.verify_rolename(name):
            return self.warn("ignore role '%s' - invalid "
                             "characters in role name", name)
        if name in SPECIAL_ROLES:
            return  # built-in roles cannot be redefined
        privs = self.cfg.roles.setdefault(name, set())
        for priv in split_list(nth(data, 1)):
            if priv in PRIVILEGES:
                privs.add(priv)
            else:
                self.warn("ignore invalid privilege '%s'", priv)

    def entry_acl(self, data):
        propagate = 1 if perl_true(nth(data, 0)) else 0
        path = names.normalize_path(nth(data, 1))
        if path is None:
            return self.warn("ignore invalid path in acl '%s'",
                             nth(data, 1) or "")
        for role in split_list(nth(data, 3)):
            if not names.verify_rolename(role):
                self.warn("ignore invalid role name '%s' in acl", role)
                continue
            if role not in self.cfg.roles:
                self.warn("ignore invalid acl role '%s'", role)
                continue
            for member in split_list(nth(data, 2)):
                self.acl_member(path, member, role, propagate)

    def acl_member(self, path, member, role, propagate):
        cfg = self.cfg
        match = _GROUP_MEMBER.fullmatch(member)
        group = match.group(1) if match else None
        if perl_true(group) and names.verify_groupname(group):
            if group not in cfg.groups:
                self.warn("ignore invalid acl group '%s'", group)
            cfg.acl_at(path).groups.setdefault(group, {})[role] = propagate
        elif names.verify_username(member) is not None:
            if member not in cfg.users:
                self.warn("ignore invalid acl member '%s'", member)
            cfg.acl_at(path).users.setdefault(member, {})[role] = propagate
        elif names.is_tokenid(member):
            if cfg.token(member) is None:
                self.warn("ignore invalid acl token '%s'", member)
            else:
                tokens = cfg.acl_at(path).tokens
                tokens.setdefault(member, {})[role] = propagate
        else:
            self.warn("invalid user/group '%s' in acl", member)

    def entry_pool(self, data):
        name = nth(data, 0) or ""
        if not names.verify_poolname(name):
            return self.warn("ignore pool '%s' - invalid "
                             "characters in pool name", name)
        pools = self.cfg.pools
        pool = pools.setdefault(name, Pool())
        child = name
        while (match := _PARENT_POOL.fullmatch(child)) is not None:
            parent = match.group(1)
            pools[child].parent = parent
            pools.setdefault(parent, Pool()).pools.add(child)
            child = parent
        if perl_true(nth(data, 1)):
            pool.comment = decode_text(nth(data, 1))
        for vmid in split_list(nth(data, 2)):
            if not _DIGITS.fullmatch(vmid):
                self.warn("ignore invalid vmid '%s' in pool '%s'",
                          vmid, name)
                continue
            vmid = int(vmid)
            if vmid in self.cfg.vms:
                self.warn("ignore duplicate vmid '%s' in pool '%s'",
                          vmid, name)
                continue
            pool.vms.add(vmid)
            self.cfg.vms[vmid] = name
        for storeid in split_list(nth(data, 3)):
            if not _STORAGE.fullmatch(storeid):
                self.warn("ignore invalid storage '%s' in pool '%s'",
                          storeid, name)
                continue
            pool.storage.add(storeid)


def parse_user_cfg(raw):
    """Read ``user.cfg`` (str or bytes): ``(UserConfig, [ParseWarning])``."""
    return _Reader().read(raw)


_UNWRITABLE = re.compile(r"[:\n\r]")


def _text(value):
    return encode_text(value) if value else ""


def _plain(value):
    """A field written as is: it must not break the line apart."""
    value = "" if value is None else str(value)
    if _UNWRITABLE.search(value):
        raise ValueError("user.cfg: cannot write %r (':' or a line break)"
                         % value)
    return value


def _acl_order(path):
    return [] if path == "/" else path.split("/")[1:]


def _acl_lines(path, entry):
    lists = {0: defaultdict(set), 1: defaultdict(set)}
    for prefix, members in (("@", entry.groups), ("", entry.users),
                            ("", entry.tokens)):
        for member, roles in members.items():
            if not prefix and member == ROOT:
                continue  # root@pam holds Administrator everywhere anyway
            for propagate in (0, 1):
                chosen = sorted(r for r, p in roles.items()
                                if (1 if p else 0) == propagate)
                if chosen:
                    lists[propagate][",".join(chosen)].add(prefix + member)
    for propagate in (0, 1):
        for rolelist, members in sorted(lists[propagate].items()):
            yield "acl:%d:%s:%s:%s:\n" % (propagate, _plain(path),
                                           _plain(",".join(sorted(members))),
                                           _plain(rolelist))


def write_user_cfg(cfg):
    """``user.cfg`` text of *cfg*, in Proxmox's order and layout."""
    out = []
    for userid in sorted(cfg.users):
        user = cfg.users[userid]
        out.append("user:%s:%d:%d:%s:%s:%s:%s:%s:\n" % (
            _plain(userid), 1 if user.enable else 0, int(user.expire or 0),
            _text(user.firstname), _text(user.lastname),
            _plain(user.email if perl_true(user.email) else ""),
            _text(user.comment), _plain(user.keys)))
        for name in sorted(user.tokens):
            token = user.tokens[name]
            out.append("token:%s!%s:%d:%d:%s:\n" % (
                userid, _plain(name), int(token.expire or 0),
                1 if token.privsep else 0, _text(token.comment)))
    out.append("\n")
    for name in sorted(cfg.groups):
        group = cfg.groups[name]
        members = _plain(",".join(sorted(group.users)))
        out.append("group:%s:%s:%s:\n" % (_plain(name), members,
                                          _text(group.comment)))
    out.append("\n")
    for name in sorted(cfg.pools):
        pool = cfg.pools[name]
        out.append("pool:%s:%s:%s:%s:\n" % (
            _plain(name), _text(pool.comment),
            ",".join(sorted(str(int(vmid)) for vmid in pool.vms)),
            _plain(",".join(sorted(pool.storage)))))
    out.append("\n")
    for name in sorted(cfg.roles):
        if name not in SPECIAL_ROLES:
            privs = _plain(",".join(sorted(cfg.roles[name])))
            out.append("role:%s:%s:\n" % (_plain(name), privs))
    out.append("\n")
    for path in sorted(cfg.acl, key=_acl_order):
        out.extend(_acl_lines(path, cfg.acl[path]))
    return "".join(out)


def user_problem(cfg, userid, now):
    """Why *userid* may not log in (Proxmox's ``check_user_enabled``
    wording), or None when it exists, is enabled and has not expired."""
    user = cfg.users.get(userid)
    if user is None:
        return "no such user ('%s')" % userid
    if not user.enable:
        return "user '%s' is disabled" % userid
    if user.expire and user.expire < now:
        return "user '%s' access expired" % userid
    return None


def parsed_user_cfg(data, mtime=None):
    """The :class:`UserConfig` of ``user.cfg``'s bytes (``None``: the file
    is missing); a parser for :func:`pve.cluster.cache.read_parsed`."""
    return parse_user_cfg(data or b"")[0]
