"""Identifiers of the access layer and the text helpers of its files.

User, realm, group, role, pool and token names are checked with Proxmox's
patterns (``PVE/Auth/Plugin.pm``, ``PVE/AccessControl.pm``); ``encode_text``
and ``split_list`` mirror ``PVE/ParseUtils.pm``.
"""

import re
from urllib.parse import unquote_to_bytes

REALM = r"[A-Za-z][A-Za-z0-9.\-_]+"
USER = r"[^\s:/]+"
GROUP = r"[A-Za-z0-9.\-_]+"
TOKEN_SUBID = REALM

_USERID = re.compile(r"(%s)@(%s)" % (USER, REALM), re.ASCII)
_TOKENID = re.compile(r"((%s)@(%s))!(%s)" % (USER, REALM, TOKEN_SUBID),
                      re.ASCII)
_REALM = re.compile(REALM, re.ASCII)
_GROUP = re.compile(GROUP, re.ASCII)
_ROLE = re.compile(r"[A-Za-z0-9.\-_]+", re.ASCII)
_POOL = re.compile(r"[A-Za-z0-9.\-_]+(?:/[A-Za-z0-9.\-_]+){0,2}", re.ASCII)
_ACL_PATH_CHARS = re.compile(r"[A-Za-z0-9.\-_/]+", re.ASCII)
# Perl's \s on the bytes of a file: ASCII whitespace only.
WHITESPACE = " \t\n\r\f\v"


def perl_true(value):
    """Perl's truth of a field read from a file: not undef, "" or "0"."""
    return value is not None and value not in ("", "0")


def verify_username(userid):
    """``(userid, name, realm)`` for a valid ``name@realm``, else None.

    The length limits (3 to 64) count bytes, as Proxmox does.
    """
    if not userid:
        return None
    size = len(userid.encode("utf-8", "surrogateescape"))
    if size < 3 or size > 64:
        return None
    match = _USERID.fullmatch(userid)
    if match is None:
        return None
    return userid, match.group(1), match.group(2)


def verify_realm(realm):
    return _REALM.fullmatch(realm or "") is not None


def verify_groupname(name):
    return _GROUP.fullmatch(name or "") is not None


def verify_rolename(name):
    return _ROLE.fullmatch(name or "") is not None


def verify_poolname(name):
    return _POOL.fullmatch(name or "") is not None


def split_tokenid(tokenid):
    """``(userid, subid)`` of ``user@realm!subid``, or None."""
    match = _TOKENID.fullmatch(tokenid or "")
    if match is None:
        return None
    return match.group(1), match.group(4)


def is_tokenid(value):
    return split_tokenid(value) is not None


def normalize_path(path):
    """An ACL path in canonical form (``/a/b``), or None when it is invalid."""
    if not perl_true(path):
        return None
    path = re.sub("/+", "/", path)
    if path.endswith("/"):
        path = path[:-1]
    if not path:
        path = "/"
    if not path.startswith("/"):
        path = "/" + path
    if _ACL_PATH_CHARS.fullmatch(path) is None:
        return None
    return path


_VALID_ACL_PATH = re.compile(r"""(
    /
    |/access|/access/groups|/access/groups/[A-Za-z0-9.\-_]+
    |/access/realm|/access/realm/[A-Za-z0-9.\-_]+
    |/nodes|/nodes/[A-Za-z0-9.\-_]+
    |/pool|/pool/[A-Za-z0-9.\-_]+(?:/[A-Za-z0-9.\-_]+){0,2}
    |/sdn
    |/sdn/controllers|/sdn/controllers/[A-Za-z0-9_\-]+
    |/sdn/dns|/sdn/dns/[A-Za-z0-9]+
    |/sdn/fabrics|/sdn/fabrics/[A-Za-z0-9]+
    |/sdn/ipams|/sdn/ipams/[A-Za-z0-9]+
    |/sdn/prefix-lists|/sdn/prefix-lists/[A-Za-z0-9]+
    |/sdn/route-maps|/sdn/route-maps/[A-Za-z0-9]+
    |/sdn/zones|/sdn/zones/[A-Za-z0-9.\-_]+
    |/sdn/zones/[A-Za-z0-9.\-_]+/[A-Za-z0-9.\-_]+
    |/sdn/zones/[A-Za-z0-9.\-_]+/[A-Za-z0-9.\-_]+/[1-9][0-9]{0,3}
    |/storage|/storage/[A-Za-z0-9.\-_]+
    |/vms|/vms/[1-9][0-9]{2,}
    |/mapping|/mapping/[A-Za-z0-9.\-_]+
    |/mapping/[A-Za-z0-9.\-_]+/[A-Za-z0-9.\-_]+
)""", re.ASCII | re.VERBOSE)


def check_path(path):
    """Whether the API accepts *path* for a new ACL entry."""
    return _VALID_ACL_PATH.fullmatch(path or "") is not None


def split_list(text):
    """Items of a list written with commas, semicolons, spaces or NULs."""
    text = text or ""
    if "\0" in text:
        items = text.split("\0")
        while items and items[-1] == "":
            items.pop()
        return items
    text = re.sub("[,;]", " ", text)
    return text.split()


def _safe(code):
    return 0x20 <= code <= 0x7E and code not in (0x25, 0x3A)


def encode_text(text):
    """Percent-escape what cannot stand in a colon-separated field."""
    return "".join(chr(b) if _safe(b) else "%%%02X" % b
                   for b in text.encode("utf-8", "surrogateescape"))


def decode_text(data):
    """Undo :func:`encode_text` (bad UTF-8 becomes U+FFFD, as in Perl)."""
    raw = unquote_to_bytes(data.encode("utf-8", "surrogateescape"))
    return raw.decode("utf-8", "replace")
