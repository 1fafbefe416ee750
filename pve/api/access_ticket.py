"""``/access/ticket``: log in (a ticket, a CSRF token and the UI's
capabilities), renew a ticket, or check a user's privileges on a path.

As ``PVE::API2::AccessControl`` ``create_ticket``: the password may also
be a valid ticket of the same user (or of ``root@pam``), which renews it.
Every failure is one 401 "authentication failure", so nobody learns which
part was wrong; the reason goes to the log with the client address
(``env.client_ip``).  Second factors are not supported yet.
"""

from twisted.internet import defer
from twisted.logger import Logger

from pve.access import csrf, names, permissions, tickets
from pve.api import access, decl_access
from pve.api.access import AuthError
from pve.api.cluster import corosync_totem
from pve.api.schema import APIError
from pve.api.tree import Routes

log = Logger()
routes = Routes(decl_access.DECLS)


@routes("/access/ticket")
def get_ticket(env, params):
    return None


@defer.inlineCallbacks
def _ticket_user(env, password):
    """The user of *password* if it is a valid ticket, else None."""
    if not (password or "").startswith("PVE:"):
        return None
    keys = yield tickets.load_authkeys(env.cfs)
    try:
        info = tickets.verify_ticket(keys, password, env.reactor.seconds())
    except tickets.TicketError:
        return None
    if info.tfa is not None:
        raise AuthError("incomplete ticket")
    return info.username


@defer.inlineCallbacks
def _verify_auth(env, username, password, path, privs):
    normpath = names.normalize_path(path)
    if normpath is None:
        raise AuthError("invalid path - %s" % path)
    ticketuser = yield _ticket_user(env, password)
    if ticketuser is None or ticketuser not in (username, "root@pam"):
        username = yield access.authenticate_user(env, username, password)
    cfg = yield access.read_user_cfg(env)
    wanted = names.split_list(privs)
    if not permissions.check(cfg, username, normpath, wanted, any=True):
        raise AuthError("no permission (%s, %s)" % (path, privs))
    return {"username": username}


@defer.inlineCallbacks
def _create_ticket(env, username, password):
    ticketuser = yield _ticket_user(env, password)
    if ticketuser is None or ticketuser not in (username, "root@pam"):
        username = yield access.authenticate_user(env, username, password)
    now = env.reactor.seconds()
    keys = yield tickets.ensure_authkey(env.cfs, env.reactor)
    www_key = yield env.cfs.read(csrf.WWW_KEY)
    return {"ticket": tickets.assemble_ticket(keys.private, username, now),
            "username": username,
            "CSRFPreventionToken": csrf.assemble_csrf_token(
                csrf.csrf_secret(www_key), username, now)}


@routes("/access/ticket", "POST")
@defer.inlineCallbacks
def create_ticket(env, params):
    username = params["username"]
    if params.get("realm"):
        username += "@" + params["realm"]
    try:
        if params.get("tfa-challenge") is not None or params.get("otp") is not None:
            raise AuthError("two-factor authentication is not supported")
        cfg = yield access.read_user_cfg(env)
        access.check_user_enabled(cfg, username, env.reactor.seconds())
        if params.get("path") and params.get("privs"):
            result = yield _verify_auth(env, username, params["password"],
                                        params["path"], params["privs"])
        else:
            result = yield _create_ticket(env, username, params["password"])
    except (AuthError, OSError, tickets.TicketError) as e:
        log.error("authentication failure; rhost={rhost} user={user} msg={msg}",
                  rhost=env.client_ip or "", user=username, msg=e)
        raise APIError("authentication failure\n", 401)
    username = result["username"]
    cfg = yield access.read_user_cfg(env)
    result["cap"] = permissions.api_capabilities(cfg, username)
    corosync = yield access.read_file(env, "corosync.conf")
    if corosync and permissions.check(cfg, username, "/", ["Sys.Audit"]):
        name = corosync_totem(corosync.decode("utf-8", "replace"))[0]
        if name:
            result["clustername"] = name
    yield env.cfs.cluster_log("pvedaemon", "successful auth for user '%s'" % username)
    return result
