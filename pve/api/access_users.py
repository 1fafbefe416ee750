"""``/access/users``: users and their API tokens.

As ``PVE::API2::User``: every change is a read-modify-write of
``user.cfg`` under its cfs lock; passwords go to the realm
(:func:`pve.api.access.set_password`), token secrets to
``priv/token.cfg`` (a new token's secret is returned once, never again).
"""

from twisted.internet import defer

from pve.access import names, tokencfg, usercfg
from pve.api import access, decl_access
from pve.api.access import die, locked, read_user_cfg, verify_userid, write_user_cfg
from pve.api.tree import Routes

routes = Routes(decl_access.DECLS)

TEXT_FIELDS = ("firstname", "lastname", "email", "comment", "keys")


def user_data(user, full):
    """A user's fields as ``extract_user_data`` gives them."""
    result = {"enable": user.enable, "expire": user.expire}
    for key in TEXT_FIELDS:
        if getattr(user, key) is not None:
            result[key] = getattr(user, key)
    return result


def token_data(token):
    result = {"privsep": 1 if token.privsep else 0, "expire": token.expire}
    if token.comment is not None:
        result["comment"] = token.comment
    return result


def user_exists(cfg, userid):
    user = cfg.users.get(userid)
    if user is None:
        raise die("no such user ('%s')" % userid)
    return user


def token_exists(cfg, userid, tokenid):
    token = user_exists(cfg, userid).tokens.get(tokenid)
    if token is None:
        raise die("no such token '%s' for user '%s'" % (tokenid, userid))
    return token


def set_groups(cfg, userid, groups, append=False):
    if not append:
        for group in cfg.groups.values():
            group.users.discard(userid)
    for name in names.split_list(groups or ""):
        if name not in cfg.groups:
            raise die("no such group '%s'" % name)
        cfg.groups[name].users.add(userid)


def remove_acl_member(cfg, member):
    for entry in cfg.acl.values():
        entry.users.pop(member, None)
        entry.tokens.pop(member, None)


@defer.inlineCallbacks
def visible_users(env, cfg):
    """Whose entries the caller may list: all with User.Modify or
    Sys.Audit on /access/groups, else members of groups where it has
    them, and itself."""
    privs = ["User.Modify", "Sys.Audit"]
    if (yield env.check("/access/groups", privs, any=True, noerr=True)):
        return None
    allowed = {env.user}
    for name, group in cfg.groups.items():
        if (yield env.check("/access/groups/" + name, privs, any=True, noerr=True)):
            allowed |= group.users
    return allowed


@routes("/access/users")
@defer.inlineCallbacks
def list_users(env, params):
    cfg = yield env.user_config()
    realms = yield access.read_domains(env)
    allowed = yield visible_users(env, cfg)
    full = params.get("full")
    result = []
    for userid in sorted(cfg.users):
        if allowed is not None and userid not in allowed:
            continue
        user = cfg.users[userid]
        entry = user_data(user, full)
        enabled = params.get("enabled")
        if enabled is not None and bool(entry["enable"]) != bool(enabled):
            continue
        if full:
            groups = cfg.groups_of(userid)
            if groups:
                entry["groups"] = ",".join(groups)
            entry["tokens"] = [dict(token_data(user.tokens[t]), tokenid=t)
                               for t in sorted(user.tokens)]
        entry["userid"] = userid
        realm = userid.rsplit("@", 1)[1]
        if realm in realms:
            entry["realm-type"] = realms[realm]["type"]
        result.append(entry)
    return result


@routes("/access/users", "POST")
def create_user(env, params):
    userid, name, realm = verify_userid(params["userid"])

    @defer.inlineCallbacks
    def create():
        cfg = yield read_user_cfg(env)
        if userid in cfg.users:
            raise die("user '%s' already exists" % userid)
        if params.get("password") is not None:
            yield access.set_password(env, realm, name, params["password"])
        user = cfg.users[userid] = usercfg.User(enable=params.get("enable", 1),
                                                expire=params.get("expire") or 0)
        set_groups(cfg, userid, params.get("groups"), append=True)
        for key in TEXT_FIELDS:
            if params.get(key):
                setattr(user, key, params[key])
        yield write_user_cfg(env, cfg)
    return locked(env, access.USER_CFG, create, "create user failed").addCallback(
        lambda _: None)


@routes("/access/users/{userid}")
@defer.inlineCallbacks
def read_user(env, params):
    userid = verify_userid(params["userid"])[0]
    cfg = yield read_user_cfg(env)
    user = user_exists(cfg, userid)
    result = user_data(user, True)
    result["groups"] = cfg.groups_of(userid)
    result["tokens"] = {t: token_data(user.tokens[t]) for t in sorted(user.tokens)}
    return result


@routes("/access/users/{userid}", "PUT")
def update_user(env, params):
    userid = verify_userid(params["userid"])[0]

    @defer.inlineCallbacks
    def update():
        cfg = yield read_user_cfg(env)
        user = user_exists(cfg, userid)
        for key in ("enable", "expire"):
            if params.get(key) is not None:
                setattr(user, key, params[key])
        if params.get("groups") is not None:
            set_groups(cfg, userid, params["groups"], append=params.get("append"))
        for key in TEXT_FIELDS:
            if params.get(key) is not None:
                setattr(user, key, params[key])
        yield write_user_cfg(env, cfg)
    return locked(env, access.USER_CFG, update, "update user failed").addCallback(
        lambda _: None)


@defer.inlineCallbacks
def _drop_token_secrets(env, tokenids):
    if not tokenids:
        return

    @defer.inlineCallbacks
    def drop():
        raw = yield access.read_file(env, access.TOKEN_CFG)
        secrets = tokencfg.parse_token_cfg(raw)[0]
        if any(secrets.pop(t, None) is not None for t in list(tokenids)):
            yield env.cfs.write(access.TOKEN_CFG, tokencfg.write_token_cfg(secrets).encode())
    yield locked(env, access.TOKEN_CFG, drop)


@routes("/access/users/{userid}", "DELETE")
def delete_user(env, params):
    userid, name, realm = verify_userid(params["userid"])

    @defer.inlineCallbacks
    def delete():
        cfg = yield read_user_cfg(env)
        user = user_exists(cfg, userid)
        yield access.delete_password(env, realm, name)
        tokenids = ["%s!%s" % (userid, t) for t in user.tokens]
        del cfg.users[userid]
        for group in cfg.groups.values():
            group.users.discard(userid)
        for member in [userid] + tokenids:
            remove_acl_member(cfg, member)
        yield write_user_cfg(env, cfg)
        yield _drop_token_secrets(env, tokenids)
    return locked(env, access.USER_CFG, delete, "delete user failed").addCallback(
        lambda _: None)


# -- tokens -----------------------------------------------------------------

@routes("/access/users/{userid}/token")
@defer.inlineCallbacks
def token_index(env, params):
    userid = verify_userid(params["userid"])[0]
    cfg = yield read_user_cfg(env)
    user = user_exists(cfg, userid)
    return [dict(token_data(user.tokens[t]), tokenid=t) for t in sorted(user.tokens)]


@routes("/access/users/{userid}/token/{tokenid}")
@defer.inlineCallbacks
def read_token(env, params):
    userid = verify_userid(params["userid"])[0]
    cfg = yield read_user_cfg(env)
    return token_data(token_exists(cfg, userid, params["tokenid"]))


@routes("/access/users/{userid}/token/{tokenid}", "POST")
@defer.inlineCallbacks
def generate_token(env, params):
    userid = verify_userid(params["userid"])[0]
    tokenid = params["tokenid"]
    full = "%s!%s" % (userid, tokenid)

    @defer.inlineCallbacks
    def generate():
        cfg = yield read_user_cfg(env)
        user = user_exists(cfg, userid)
        if tokenid in user.tokens:
            raise die("Token already exists.")
        secret = tokencfg.generate_secret()

        @defer.inlineCallbacks
        def store():
            raw = yield access.read_file(env, access.TOKEN_CFG)
            secrets = tokencfg.parse_token_cfg(raw)[0]
            secrets[full] = tokencfg.stored_value(secret)
            yield env.cfs.write(access.TOKEN_CFG, tokencfg.write_token_cfg(secrets).encode())
        yield locked(env, access.TOKEN_CFG, store)
        expire = params.get("expire")
        token = user.tokens[tokenid] = usercfg.Token(
            privsep=params.get("privsep", 1),
            expire=user.expire if expire is None else expire,
            comment=params.get("comment") or None)
        yield write_user_cfg(env, cfg)
        return {"info": token_data(token), "value": secret, "full-tokenid": full}
    result = yield locked(env, access.USER_CFG, generate, "generating token failed")
    yield env.cfs.cluster_log("pvedaemon", "generated new token '%s' for user '%s'"
                              % (tokenid, userid), user=env.user)
    return result


@routes("/access/users/{userid}/token/{tokenid}", "PUT")
def update_token(env, params):
    userid = verify_userid(params["userid"])[0]

    @defer.inlineCallbacks
    def update():
        cfg = yield read_user_cfg(env)
        token = token_exists(cfg, userid, params["tokenid"])
        for key in names.split_list(params.get("delete") or ""):
            if key == "comment":
                token.comment = None
            elif key == "expire":
                token.expire = 0
            elif key == "privsep":
                token.privsep = 1
        for key in ("privsep", "expire"):
            if params.get(key) is not None:
                setattr(token, key, params[key])
        if params.get("comment"):
            token.comment = params["comment"]
        yield write_user_cfg(env, cfg)
        return token_data(token)
    return locked(env, access.USER_CFG, update, "updating token info failed")


@routes("/access/users/{userid}/token/{tokenid}", "DELETE")
@defer.inlineCallbacks
def remove_token(env, params):
    userid = verify_userid(params["userid"])[0]
    tokenid = params["tokenid"]
    full = "%s!%s" % (userid, tokenid)

    @defer.inlineCallbacks
    def remove():
        cfg = yield read_user_cfg(env)
        user = user_exists(cfg, userid)
        token_exists(cfg, userid, tokenid)
        yield _drop_token_secrets(env, [full])
        del user.tokens[tokenid]
        remove_acl_member(cfg, full)
        yield write_user_cfg(env, cfg)
    yield locked(env, access.USER_CFG, remove, "deleting token failed")
    yield env.cfs.cluster_log("pvedaemon", "deleted token '%s' for user '%s'"
                              % (tokenid, userid), user=env.user)
    return None
