"""User ids, API token ids and the credentials in request headers.

As Proxmox's ``PVE::AccessControl`` (``verify_token``'s split of the
value, the messages) and ``PVE::APIServer::Formatter::extract_auth_value``
(headers); the syntax itself is checked by :mod:`pve.access.names`.  Pure.
"""

import re
from urllib.parse import unquote

from pve.access import names

COOKIE_NAME = "PVEAuthCookie"
APITOKEN_NAME = "PVEAPIToken"

_TOKEN_VALUE = re.compile(r"(.*)=(.*)")


class TokenError(ValueError):
    """A malformed user id, token id or token header (Proxmox's message)."""


def verify_username(userid):
    """``(userid, user, realm)``; raises :class:`TokenError`."""
    found = names.verify_username(userid)
    if found is not None:
        return found
    userid = userid or ""
    size = len(userid.encode("utf-8", "surrogateescape"))
    if size < 3:
        raise TokenError("user name '%s' is too short" % userid)
    if size > 64:
        raise TokenError("user name '%s' is too long (%d > 64)"
                         % (userid, size))
    raise TokenError("value '%s' does not look like a valid user name"
                     % userid)


def verify_realm(realm):
    if not names.verify_realm(realm):
        raise TokenError("value does not look like a valid realm")
    return realm


def split_tokenid(tokenid):
    """``(userid, subid)`` of ``user@realm!subid``."""
    found = names.split_tokenid(tokenid)
    if found is None:
        raise TokenError("'%s' is not a valid token ID - not able to split "
                         "into user and token parts" % tokenid)
    return found


def verify_tokenid(tokenid):
    """The ``pve-tokenid`` format: returns *tokenid* or raises."""
    if not names.is_tokenid(tokenid):
        raise TokenError("value '%s' does not look like a valid token ID"
                         % tokenid)
    return tokenid


def join_tokenid(userid, subid):
    return verify_tokenid("%s!%s" % (userid, subid))


def parse_token_value(value):
    """``(tokenid, userid, subid, secret)`` from ``user@realm!id=secret``
    (split at the last ``=``)."""
    if not value:
        raise TokenError("no API token specified")
    m = _TOKEN_VALUE.fullmatch(value)
    if m is None:
        raise TokenError("no tokenid specified")
    tokenid, secret = m.group(1), m.group(2)
    userid, subid = split_tokenid(tokenid)
    verify_username(userid)
    return tokenid, userid, subid, secret


def extract_auth_value(header, key):
    """The value after ``KEY=`` or ``KEY `` (at the start or after
    whitespace) up to the next ``;``, URI-unescaped; ``None`` if absent."""
    if not header:
        return None
    m = re.search(r"(?:\A|\s)%s(?:=| )([^;]*)" % re.escape(key), header)
    if m is None:
        return None
    value = m.group(1)
    return unquote(value, errors="replace") if value else value


def credentials(cookie_header, authorization_header):
    """``(ticket, api_token_value)`` as pveproxy picks them: the ticket
    from the ``PVEAuthCookie`` cookie, else from the Authorization header;
    only without a ticket the ``PVEAPIToken`` value."""
    ticket = extract_auth_value(cookie_header, COOKIE_NAME)
    if not ticket:
        ticket = extract_auth_value(authorization_header, COOKIE_NAME)
    token = None
    if not ticket:
        token = extract_auth_value(authorization_header, APITOKEN_NAME)
    return ticket or None, token


def parse_authorization(authorization_header):
    """``(tokenid, userid, subid, secret)`` from an ``Authorization:
    PVEAPIToken=user@realm!id=secret`` header; raises :class:`TokenError`."""
    return parse_token_value(
        extract_auth_value(authorization_header, APITOKEN_NAME))
