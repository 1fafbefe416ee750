"""Who is calling: a request's credentials checked as Proxmox's pveproxy
(``PVE::HTTPServer::auth_handler``) checks them.

A ticket comes from the ``PVEAuthCookie`` cookie or an ``Authorization:
PVEAuthCookie=...`` header; without one, an API token from
``Authorization: PVEAPIToken=user@realm!id=secret``.  A ticket must verify
with the auth key, its user must exist, be enabled and not expired, and a
non-GET call needs the ``CSRFPreventionToken``.  A token's user must be
enabled, the token exist, not be expired, and its secret match
``priv/token.cfg``.  Failures are :class:`AuthError` (401) with Proxmox's
message, which also becomes the HTTP reason phrase.

Everything goes through an ``ICfsClient``; what pveproxy (www-data) cannot
read, the token secrets in ``priv/``, is checked by a *token_checker*
(pvedaemon answers it for pveproxy).
"""

from dataclasses import dataclass

from twisted.internet import defer

from pve.access import apitoken, csrf, tickets, tokencfg, usercfg
from pve.access.names import split_tokenid
from pve.api.env import Env
from pve.api.schema import APIError
from pve.cluster.cache import read_parsed

USER_CFG = "user.cfg"
TOKEN_CFG = "priv/token.cfg"

#: calls answered without credentials (HTTPServer.pm's list)
NO_AUTH = frozenset([
    ("GET", "/access/domains"),
    ("GET", "/access/ticket"),
    ("POST", "/access/ticket"),
    ("POST", "/access/vncticket"),
    ("POST", "/access/openid/login"),
    ("POST", "/access/openid/auth-url"),
])


class AuthError(APIError):
    """Authentication failed: a 401 whose message is the reason phrase."""

    def __init__(self, message):
        super().__init__(message.rstrip("\n") + "\n", 401)


def require_auth(method, rel_uri):
    return (method, rel_uri) not in NO_AUTH


@dataclass(frozen=True)
class Credentials:
    """What a request carries: ticket, CSRF token, API token value."""

    ticket: str = None
    csrf_token: str = None
    api_token: str = None

    @classmethod
    def from_headers(cls, cookie=None, authorization=None, csrf_token=None):
        ticket, token = apitoken.credentials(cookie, authorization)
        return cls(ticket, csrf_token or None, token)

    def to_dict(self):
        return {"ticket": self.ticket, "csrf_token": self.csrf_token,
                "api_token": self.api_token}

    @classmethod
    def from_dict(cls, data):
        data = data or {}
        return cls(data.get("ticket"), data.get("csrf_token"),
                   data.get("api_token"))


@dataclass(frozen=True)
class Auth:
    """An authenticated caller: *user* (None for calls needing no
    login), *tokenid* for API tokens, the credentials it came with."""

    user: str = None
    tokenid: str = None
    credentials: Credentials = Credentials()
    age: int = None

    @property
    def auth_id(self):
        """Whose permissions apply: the token's if any, else the user's."""
        return self.tokenid or self.user


def load_public_keys(client):
    """The :class:`~pve.access.tickets.AuthKeys` without the private key
    (which www-data may not read)."""
    return tickets.load_authkeys(client, private=False)


def read_user_cfg(client):
    """The parsed ``user.cfg`` (shared while it is unchanged when *client*
    caches: do not modify it)."""
    return read_parsed(client, USER_CFG, usercfg.parsed_user_cfg)


def check_user_enabled(cfg, userid, now):
    """Raise AuthError unless *userid* exists, is enabled, not expired."""
    problem = usercfg.user_problem(cfg, userid, now)
    if problem is not None:
        raise AuthError(problem)
    return cfg.users[userid]


@defer.inlineCallbacks
def read_token_checker(client, tokenid, secret):
    """Whether *secret* is *tokenid*'s, from ``priv/token.cfg`` (root)."""
    tokens = yield read_parsed(client, TOKEN_CFG, tokencfg.parsed_token_cfg)
    return tokencfg.verify_secret(tokens, tokenid, secret)


class Authenticator:
    """Checks :class:`Credentials` against pmxcfs.

    *clock* gives the time; *token_checker(tokenid, secret)* returns a
    Deferred bool (default: read ``priv/token.cfg`` through *cfs*).
    """

    def __init__(self, cfs, clock, token_checker=None):
        self.cfs = cfs
        self.clock = clock
        if token_checker is None:
            def token_checker(tokenid, secret):
                return read_token_checker(self.cfs, tokenid, secret)
        self.token_checker = token_checker

    def authenticate(self, method, rel_uri, creds, cfg=None):
        """Fires with an :class:`Auth`, or fails with AuthError.
        *cfg* (a parsed user.cfg) saves a read.  With everything cached,
        the Deferred has fired already (no generator on the hot path)."""
        if not require_auth(method, rel_uri):
            return defer.succeed(Auth(credentials=creds))
        if cfg is None:
            return read_user_cfg(self.cfs).addCallback(
                lambda cfg: self.authenticate(method, rel_uri, creds, cfg))
        now = int(self.clock.seconds())
        if creds.api_token:
            return self._token(cfg, creds.api_token, now).addCallback(
                lambda tokenid: Auth(split_tokenid(tokenid)[0], tokenid,
                                     creds))
        if not creds.ticket:
            return defer.fail(AuthError("No ticket"))
        keys = tickets.cached_public_keys(self.cfs)
        if keys is None:
            return load_public_keys(self.cfs).addCallback(
                self._ticket, method, rel_uri, creds, cfg, now)
        try:
            return self._ticket(keys, method, rel_uri, creds, cfg, now)
        except Exception:
            return defer.fail()

    def _ticket(self, keys, method, rel_uri, creds, cfg, now):
        try:
            info = tickets.verify_ticket(keys, creds.ticket, now)
        except tickets.TicketError as e:
            raise AuthError(str(e))
        if info.tfa is not None and (rel_uri, method) != ("/access/tfa", "POST"):
            raise AuthError("No ticket")
        if info.username is not None:
            check_user_enabled(cfg, info.username, now)
        auth = Auth(info.username, None, creds, info.age)
        if method == "GET":
            return defer.succeed(auth)
        return self._csrf(info.username, creds.csrf_token, now).addCallback(
            lambda _: auth)

    @defer.inlineCallbacks
    def _csrf(self, username, token, now):
        try:
            secret = yield read_parsed(self.cfs, csrf.WWW_KEY,
                                       csrf.parsed_www_key)
        except OSError:
            secret = None
        if secret is None:
            raise AuthError("Permission denied - invalid csrf token")
        try:
            csrf.verify_csrf_token(secret, username, token or "", now)
        except csrf.CSRFError as e:
            raise AuthError(str(e))

    @defer.inlineCallbacks
    def _token(self, cfg, value, now):
        try:
            tokenid, userid, subid, secret = apitoken.parse_token_value(value)
        except apitoken.TokenError as e:
            raise AuthError(str(e))
        check_user_enabled(cfg, userid, now)
        token = cfg.users[userid].tokens.get(subid)
        if token is None:
            raise AuthError("no such token '%s' for user '%s'"
                            % (subid, userid))
        if token.expire and token.expire < now:
            raise AuthError("token '%s' access expired" % subid)
        ok = yield self.token_checker(tokenid, secret)
        if not ok:
            raise AuthError("invalid token value!")
        return tokenid


def make_env(auth, cfs, reactor, paths, nodename, client_ip=None, cfg=None):
    """The :class:`~pve.api.env.Env` of an authenticated caller."""
    env = Env(cfs, reactor, paths, nodename, user=auth.user,
              tokenid=auth.tokenid, client_ip=client_ip)
    if cfg is not None:
        env.cache["usercfg"] = cfg
    return env
