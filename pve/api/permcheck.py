"""An endpoint's ``permissions`` declaration, evaluated for one caller.

As Proxmox's ``PVE::RPCEnvironment::check_api2_permissions`` and
``exec_api2_perm_check``: ``{"user": "world"}`` passes without login,
``root@pam`` passes everything, no declaration lets only root@pam in,
``{"user": "all"}`` any logged-in caller, ``{"check": [...]}`` runs the
check tests (``perm``, ``and``, ``or``, ``userid-group``, ``userid-param``,
``perm-modify``).  Pure: takes the parsed ``user.cfg``; a denial is an
``APIError`` 403 with Proxmox's message.
"""

import re

from pve.access import names
from pve.access import permissions as acl
from pve.access.names import split_list
from pve.access.usercfg import ROOT
from pve.api.schema import APIError

_TEMPLATE = re.compile(r"([^{]+)?(\{([^}]+)\})?")


def perl_true(value):
    """Perl's truth: not undef, '', '0' or 0."""
    return value is not None and value is not False and value not in ("", "0", 0)


def perm_error(what=None):
    message = "Permission check failed"
    if what:
        message += " (%s)" % what
    return APIError(message + "\n", 403)


def template_replace(template, params):
    """``{name}`` replaced by the parameter (``-`` if unset or false)."""
    if not template:
        return template
    out = []
    for m in _TEMPLATE.finditer(template):
        if m.group(1):
            out.append(m.group(1))
        if m.group(2):
            value = params.get(m.group(3))
            out.append(str(value) if perl_true(value) else "-")
    return "".join(out)


def _options(items):
    return dict(zip(items[::2], items[1::2]))


class Checker:
    """Permission tests of one caller against one ``user.cfg``."""

    def __init__(self, cfg):
        self.cfg = cfg

    # -- RPCEnvironment's primitives ----------------------------------------

    def privileges(self, ugid, path):
        return acl.permissions(self.cfg, ugid, path) if path else frozenset()

    def _verify_privs(self, privs):
        known = self.cfg.roles["Administrator"]
        for priv in privs:
            if priv not in known:
                raise APIError("invalid privilege name '%s'\n" % priv, 500)

    def check(self, ugid, path, privs, noerr=False):
        self._verify_privs(privs)
        held = self.privileges(ugid, path)
        for priv in privs:
            if priv not in held:
                if noerr:
                    return False
                raise perm_error("%s, %s" % (path, priv))
        return True

    def check_any(self, ugid, path, privs, noerr=False):
        self._verify_privs(privs)
        held = self.privileges(ugid, path)
        if any(priv in held for priv in privs):
            return True
        if noerr:
            return False
        raise perm_error("%s, %s" % (path, "|".join(privs)))

    def check_full(self, ugid, path, privs, any_=False, noerr=False):
        if any_:
            return self.check_any(ugid, path, privs, noerr)
        return self.check(ugid, path, privs, noerr)

    def check_user_exist(self, userid, noerr=False):
        found = names.verify_username(userid) if userid else None
        if found is None:
            if noerr:
                return None
            raise APIError("value '%s' does not look like a valid user name\n"
                           % (userid or ""), 500)
        user = self.cfg.users.get(found[0])
        if user is None and not noerr:
            raise APIError("no such user ('%s')\n" % found[0], 500)
        return user

    def check_perm_modify(self, ugid, path, noerr=False):
        if not path:
            return self.check(ugid, "/access", ["Permissions.Modify"], noerr)
        privs = ["Permissions.Modify"]
        if re.match(r"^/storage/.+$", path):
            privs.append("Datastore.Allocate")
        elif re.match(r"^/vms/.+$", path):
            privs.append("VM.Allocate")
        elif re.match(r"^/pool/.+$", path):
            privs.append("Pool.Allocate")
        return self.check_any(ugid, path, privs, noerr)

    def filter_groups(self, ugid, privs, any_=False):
        return {group for group in self.cfg.groups
                if self.check_full(ugid, "/access/groups/" + group, privs,
                                   any_, True)}

    def group_members(self, groups):
        members = set()
        for group in groups:
            data = self.cfg.groups.get(group)
            if data is not None:
                members |= set(data.users)
        return members

    # -- the declaration ----------------------------------------------------

    def api2(self, perm, ugid, params):
        """``True`` or raise 403, as ``check_api2_permissions``."""
        perm = perm or None
        if not ugid and perm and perm.get("user") == "world":
            return True
        if not ugid:
            raise perm_error("user != null")
        if ugid == ROOT:
            return True
        if not perm:
            raise perm_error("user != root@pam")
        if perm.get("user") == "all":
            return True
        if perm.get("check"):
            return self.exec_check(perm["check"], ugid, params or {})
        raise perm_error()

    def exec_check(self, check, ugid, params, noerr=False):
        if not check:
            raise APIError("no permission test specified\n", 500)
        test = check[0]
        if test == "and":
            for sub in check[1:]:
                if not sub:
                    break
                self.exec_check(sub, ugid, params)
            return True
        if test == "or":
            for sub in check[1:]:
                if not sub:
                    break
                if self.exec_check(sub, ugid, params, True):
                    return True
            if noerr:
                return False
            raise perm_error()
        if test == "perm":
            template = check[1] if len(check) > 1 else None
            privs = check[2] if len(check) > 2 else None
            options = _options(list(check[3:]))
            if not (template and privs):
                raise APIError("missing parameters\n", 500)
            required = options.get("require_param")
            if required and params.get(required) is None:
                if noerr:
                    return False
                raise perm_error()
            path = names.normalize_path(template_replace(template, params))
            return self.check_full(ugid, path, privs,
                                   perl_true(options.get("any")), noerr)
        if test == "userid-group":
            return self._userid_group(check, ugid, params, noerr)
        if test == "userid-param":
            return self._userid_param(check, ugid, params, noerr)
        if test == "perm-modify":
            template = check[1] if len(check) > 1 else None
            path = names.normalize_path(template_replace(template, params))
            if path is None:
                return False
            return self.check_perm_modify(ugid, path, noerr)
        raise APIError("unknown permission test\n", 500)

    def _userid_group(self, check, ugid, params, noerr):
        userid = params.get("userid")
        privs = check[1] if len(check) > 1 else []
        options = _options(list(check[2:]))
        check_existing = options.get("groups_param") != "create"
        if check_existing and not self.check_user_exist(userid, noerr):
            return False
        if not self.check_any(ugid, "/access/groups", privs, True):
            groups = self.filter_groups(ugid, privs, True)
            if options.get("groups_param"):
                wanted = split_list(params.get("groups") or "")
                if not wanted:
                    raise perm_error("/access/groups, " + "|".join(privs))
                for group in wanted:
                    if group not in groups:
                        raise perm_error("/access/groups/%s, %s"
                                         % (group, "|".join(privs)))
            if check_existing and userid not in self.group_members(groups):
                if noerr:
                    return False
                raise perm_error()
        return True

    def _userid_param(self, check, ugid, params, noerr):
        found = names.verify_username(params.get("userid") or "")
        if found is None:
            raise APIError("value '%s' does not look like a valid user name\n"
                           % (params.get("userid") or ""), 500)
        userid, _user, realm = found
        subtest = check[1] if len(check) > 1 else None
        if not subtest:
            raise APIError("missing parameters\n", 500)
        if subtest == "self":
            if not self.check_user_exist(userid, noerr):
                return False
            if ugid == userid:
                return True
            if noerr:
                return False
            raise perm_error()
        if subtest == "Realm.AllocateUser":
            return self.check(ugid, "/access/realm/" + realm,
                              ["Realm.AllocateUser"], noerr)
        raise APIError("unknown userid-param test\n", 500)


def check_api2_permissions(cfg, perm, ugid, params):
    """``True`` if *ugid* (None: not logged in) may call an endpoint
    declaring *perm* with *params*; else raise the 403."""
    return Checker(cfg).api2(perm, ugid, params)
