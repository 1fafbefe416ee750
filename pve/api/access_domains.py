"""``/access/domains/...``: adding, reading, changing and removing realms.

As ``PVE::API2::Domains``: each change is a read-modify-write of
``domains.cfg`` under its cfs lock, options checked per realm type as
``PVE::SectionConfig::check_config`` does (errors prefixed as Proxmox's
``lock_domain_config``).  The built-in ``pam`` and ``pve`` realms can be
changed, not made or named again.  An LDAP or AD bind password goes to
``priv/realm/<realm>.pw``, never into ``domains.cfg``.  Connections to LDAP
servers are not made here, so ``check-connection`` is refused.
"""

import hashlib

from twisted.internet import defer

from pve.access import domains, names
from pve.api import decl_access
from pve.api.access import DOMAINS_CFG, die, locked, read_file
from pve.api.tree import Routes

routes = Routes(decl_access.DECLS)

LDAP_TYPES = ("ldap", "ad")


def password_path(realm):
    return "priv/realm/%s.pw" % realm


def _digest(raw):
    return hashlib.sha1(raw).hexdigest()


def check_config(realm_type, params, create):
    """*params* as the realm's options, or Proxmox's error."""
    required, optional = domains.TYPES[realm_type]
    settings = {"type": realm_type}
    for key, value in params.items():
        if key == "type" and value == realm_type:
            continue
        if key not in required and key not in optional:
            raise die("unexpected property '%s'" % key)
        if isinstance(value, str) and ("\n" in value or "\r" in value):
            raise die("property contains a line feed")
        settings[key] = value
    if create:
        for key in required:
            if params.get(key) is None:
                raise die("missing value for required option '%s'" % key)
    return settings


def _clear_default(realms, config):
    if config.get("default"):
        for other in realms.values():
            other.pop("default", None)


@defer.inlineCallbacks
def _read(env):
    raw = yield read_file(env, DOMAINS_CFG)
    realms, _warnings = domains.parse_domains_cfg(raw)
    return raw, realms


def _write(env, realms):
    text = domains.write_domains_cfg(realms)
    return env.cfs.write(DOMAINS_CFG, text.encode("utf-8"))


@defer.inlineCallbacks
def _store_password(env, realm, config, password):
    """The LDAP/AD bind password beside the config (None: removed)."""
    if config["type"] not in LDAP_TYPES:
        return
    if password is None:
        try:
            yield env.cfs.delete(password_path(realm))
        except OSError:
            pass
        return
    try:
        yield env.cfs.mkdir("priv/realm")
    except OSError:
        pass
    yield env.cfs.write(password_path(realm), password.encode("utf-8"))


def _no_check_connection(params, realm_type):
    if params.pop("check-connection", None) is None:
        return
    if realm_type not in LDAP_TYPES:
        raise die("'check-connection' parameter can only be set for realms "
                  "of type 'ldap' or 'ad'")
    raise die("checking the connection to an LDAP server is not available "
              "on this node")


@routes("/access/domains", "POST")
def create_domain(env, params):
    params = dict(params)
    password = params.pop("password", None)
    realm = params.pop("realm")
    realm_type = params["type"]

    @defer.inlineCallbacks
    def create():
        _raw, realms = yield _read(env)
        if realm in realms:
            raise die("domain '%s' already exists" % realm)
        if realm in domains.BUILTIN:
            raise die("unable to use reserved name '%s'" % realm)
        if realm_type in domains.BUILTIN:
            raise die("unable to create builtin type '%s'" % realm_type)
        _no_check_connection(params, realm_type)
        config = check_config(realm_type, params, True)
        _clear_default(realms, config)
        realms[realm] = config
        if password is not None:
            yield _store_password(env, realm, config, password)
        yield _write(env, realms)
    return locked(env, DOMAINS_CFG, create, "add auth server failed")


@routes("/access/domains/{realm}")
@defer.inlineCallbacks
def read_domain(env, params):
    raw, realms = yield _read(env)
    realm = params["realm"]
    if realm not in realms:
        raise die("domain '%s' does not exist" % realm)
    data = dict(realms[realm])
    data["digest"] = _digest(raw)
    return data


@routes("/access/domains/{realm}", "PUT")
def update_domain(env, params):
    params = dict(params)
    realm = params.pop("realm")
    password = params.pop("password", None)
    digest = params.pop("digest", None)
    delete = params.pop("delete", None)

    @defer.inlineCallbacks
    def update():
        raw, realms = yield _read(env)
        if digest and digest != _digest(raw):
            raise die("detected modified configuration - file changed by "
                      "other user? Try again.")
        if realm not in realms:
            raise die("domain '%s' does not exist" % realm)
        current = realms[realm]
        _no_check_connection(params, current["type"])
        if not delete and not params and password is None:
            raise die("no options specified")
        removed_password = False
        for key in names.split_list(delete):
            if key:
                current.pop(key, None)
                removed_password = removed_password or key == "password"
        config = check_config(current["type"], params, False)
        config.pop("type")
        _clear_default(realms, config)
        current.update(config)
        if password is not None or removed_password:
            yield _store_password(env, realm, current, password)
        yield _write(env, realms)
    return locked(env, DOMAINS_CFG, update, "update auth server failed")


@routes("/access/domains/{realm}", "DELETE")
def delete_domain(env, params):
    realm = params["realm"]

    @defer.inlineCallbacks
    def delete():
        _raw, realms = yield _read(env)
        if realm not in realms:
            raise die("authentication domain '%s' does not exist" % realm)
        config = realms.pop(realm)
        yield _store_password(env, realm, config, None)
        yield _write(env, realms)
    return locked(env, DOMAINS_CFG, delete, "delete auth server failed")

