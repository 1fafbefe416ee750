"""``/access``: the index, realms, permissions and passwords, and the
helpers every ``/access`` module shares.

Writes to ``user.cfg``, ``priv/shadow.cfg`` and ``priv/token.cfg`` are
read-modify-write under the cfs lock Proxmox takes for the file
(``file-user_cfg``...): :func:`locked`.  :func:`authenticate_user` checks a
password against the user's realm (``pve``: shadow.cfg; ``pam``: PAM
service ``proxmox-ve-auth``), as ``PVE::AccessControl::authenticate_user``
without second factors.
"""

import errno

from twisted.internet import defer, threads
from twisted.logger import Logger

from pve.access import domains, names, pam, permissions, shadow, usercfg
from pve.api import decl_access
from pve.api.schema import APIError, ParamError
from pve.api.tree import Routes
from pve.cluster.cache import read_parsed

log = Logger()

USER_CFG = "user.cfg"
SHADOW_CFG = "priv/shadow.cfg"
TOKEN_CFG = "priv/token.cfg"
DOMAINS_CFG = "domains.cfg"
LOCK_TIMEOUT = 10

routes = Routes(decl_access.DECLS)
routes.index("/access", order=("users", "groups", "roles", "acl", "domains",
                               "openid", "tfa", "ticket", "password"))


class AuthError(Exception):
    """A failed authentication; the text is for the log, never the client."""


def lock_name(path):
    """Proxmox's cfs lock id of a file: ``file-`` and the path, ``/`` and
    ``.`` as ``_``."""
    return "file-" + path.replace("/", "_").replace(".", "_")


@defer.inlineCallbacks
def locked(env, path, func, errmsg=None):
    """Run ``func()`` (may return a Deferred) holding the cfs lock of
    *path*; errors are prefixed with *errmsg* as Proxmox's
    ``lock_user_config`` does."""
    name = lock_name(path)
    try:
        yield env.cfs.lock(name, LOCK_TIMEOUT)
    except OSError as e:
        reason = ("got lock request timeout" if e.errno == errno.ETIMEDOUT
                  else e.strerror)
        raise _prefixed(APIError("cfs-lock '%s' error: %s\n" % (name, reason)), errmsg)
    try:
        result = yield func()
    except APIError as e:
        raise _prefixed(e, errmsg)
    finally:
        yield env.cfs.unlock(name)
    return result


def _prefixed(error, errmsg):
    if errmsg and not isinstance(error, ParamError) and error.code == 500:
        return APIError("%s: %s" % (errmsg, error.message), error.code, error.errors)
    return error


def die(message, code=500):
    """Proxmox's ``die "message\\n"`` inside an API call."""
    return APIError(message.rstrip("\n") + "\n", code)


@defer.inlineCallbacks
def read_file(env, path):
    try:
        raw = yield env.cfs.read(path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        raw = b""
    return raw


@defer.inlineCallbacks
def read_user_cfg(env):
    """A fresh parse of ``user.cfg`` (not the request's cached one)."""
    raw = yield read_file(env, USER_CFG)
    return usercfg.parse_user_cfg(raw)[0]


@defer.inlineCallbacks
def write_user_cfg(env, cfg):
    yield env.cfs.write(USER_CFG, usercfg.write_user_cfg(cfg).encode("utf-8"))
    env.cache["usercfg"] = cfg


@defer.inlineCallbacks
def read_domains(env):
    """The realms of ``domains.cfg`` (shared while unchanged: read only)."""
    realms = yield read_parsed(env.cfs, DOMAINS_CFG,
                               domains.parsed_domains_cfg)
    return realms


def verify_userid(userid):
    """``(userid, name, realm)``; a 400 on ``userid`` if malformed."""
    found = names.verify_username(userid)
    if found is None:
        raise ParamError({"userid": "value does not look like a valid user name"})
    return found


def check_user_enabled(cfg, userid, now):
    """Raise AuthError unless *userid* exists, is enabled, not expired."""
    problem = usercfg.user_problem(cfg, userid, now)
    if problem is not None:
        raise AuthError(problem)
    return cfg.users[userid]


def _in_thread(env, func, *args, **kw):
    pool = getattr(env.reactor, "getThreadPool", None)
    if pool is None:
        return defer.maybeDeferred(func, *args, **kw)
    return threads.deferToThreadPool(env.reactor, pool(), func, *args, **kw)


@defer.inlineCallbacks
def realm_authenticate(env, realm, name, password):
    """Check *password* of user *name* in *realm*; raise AuthError."""
    realms = yield read_domains(env)
    config = realms.get(realm)
    if config is None:
        raise AuthError("auth domain '%s' does not exist" % realm)
    kind = config["type"]
    if kind == "pve":
        if not password:
            raise AuthError("no password")
        raw = yield read_file(env, SHADOW_CFG)
        hashes = shadow.parse_shadow_cfg(raw)[0]
        if name not in hashes:
            raise AuthError("no password set")
        if not shadow.verify_password(password, hashes[name]):
            raise AuthError("invalid credentials")
    elif kind == "pam":
        try:
            yield _in_thread(env, pam.authenticate, name, password,
                             confdir=pam.default_confdir(), rhost=env.client_ip)
        except pam.PamError as e:
            raise AuthError(str(e))
    else:
        raise AuthError("authentication with realm type '%s' is not supported" % kind)


@defer.inlineCallbacks
def authenticate_user(env, userid, password):
    """The user id after a successful password check; raise AuthError."""
    if not userid:
        raise AuthError("no username specified")
    found = names.verify_username(userid)
    if found is None:
        raise AuthError("value '%s' does not look like a valid user name" % userid)
    userid, name, realm = found
    cfg = yield read_user_cfg(env)
    check_user_enabled(cfg, userid, env.reactor.seconds())
    yield realm_authenticate(env, realm, name, password)
    return userid


@defer.inlineCallbacks
def set_password(env, realm, name, password):
    """Store a new password: ``priv/shadow.cfg`` for the pve realm."""
    realms = yield read_domains(env)
    config = realms.get(realm)
    if config is None:
        raise die("auth domain '%s' does not exist" % realm)
    if config["type"] != "pve":
        raise die("realm '%s' does not allow to set passwords here "
                  "(type %s)" % (realm, config["type"]))

    @defer.inlineCallbacks
    def store():
        raw = yield read_file(env, SHADOW_CFG)
        hashes = shadow.parse_shadow_cfg(raw)[0]
        hashes[name] = shadow.hash_password(password)
        yield env.cfs.write(SHADOW_CFG, shadow.write_shadow_cfg(hashes).encode())
    yield locked(env, SHADOW_CFG, store)


@defer.inlineCallbacks
def delete_password(env, realm, name):
    realms = yield read_domains(env)
    if (realms.get(realm) or {}).get("type") != "pve":
        return

    @defer.inlineCallbacks
    def remove():
        raw = yield read_file(env, SHADOW_CFG)
        hashes = shadow.parse_shadow_cfg(raw)[0]
        if hashes.pop(name, None) is not None:
            yield env.cfs.write(SHADOW_CFG, shadow.write_shadow_cfg(hashes).encode())
    yield locked(env, SHADOW_CFG, remove)


def permission_denied():
    return APIError("Permission check failed\n", 403)


# -- endpoints --------------------------------------------------------------

@routes("/access/domains")
@defer.inlineCallbacks
def list_domains(env, params):
    realms = yield read_domains(env)
    result = []
    for realm in sorted(realms):
        config = realms[realm]
        entry = {"realm": realm, "type": config["type"]}
        if config.get("comment"):
            entry["comment"] = config["comment"]
        if config.get("default"):
            entry["default"] = 1
        tfa = config.get("tfa")
        if tfa:
            entry["tfa"] = tfa.split(",")[0].split("=")[-1]
        result.append(entry)
    return result


@routes("/access/permissions")
@defer.inlineCallbacks
def get_permissions(env, params):
    caller = env.auth_id
    ugid = params.get("userid") or caller
    owner = names.split_tokenid(ugid)
    if not (ugid == caller or (owner is not None and owner[0] == caller)):
        yield env.check("/access", ["Sys.Audit"])
    cfg = yield env.user_config()
    path = params.get("path")
    if path:
        return {path: permissions.privilege_flags(cfg, ugid, names.normalize_path(path))}
    return permissions.effective_permissions(cfg, ugid)


@routes("/access/password", "PUT")
@defer.inlineCallbacks
def change_password(env, params):
    caller = env.user
    userid, name, realm = verify_userid(params["userid"])
    cfg = yield read_user_cfg(env)
    if userid not in cfg.users:
        raise die("no such user ('%s')" % userid)
    if userid == usercfg.ROOT and caller != usercfg.ROOT:
        raise permission_denied()
    if caller != usercfg.ROOT:
        confirm = params.get("confirmation-password")
        if confirm is None:
            raise ParamError({"confirmation-password": "password is required to modify user"})
        try:
            yield authenticate_user(env, caller, confirm)
        except AuthError as e:
            raise die(str(e))
        if caller == userid:
            try:
                check_user_enabled(cfg, userid, env.reactor.seconds())
            except AuthError as e:
                raise die(str(e))
        elif realm == "pam":
            raise permission_denied()
    yield set_password(env, realm, name, params["password"])
    yield env.cfs.cluster_log("pvedaemon", "changed password for user '%s'" % userid)
    return None
