"""``priv/token.cfg``: API token secrets, one ``<tokenid> <value>`` a line.

Proxmox (``PVE/TokenConfig.pm``) stores the secret itself, a random UUID,
and pmxcfs checks a token by looking for the exact line.  A value may also
be a crypt(3) string (``$5$``/``$6$``...), as Proxmox Backup Server stores
token secrets; we verify both.  New secrets are written as Proxmox does, in
plain, unless the caller asks for a hash: a hashed line cannot be checked
by a Proxmox node of the same cluster.
"""

import hmac
import re
import secrets
import uuid

from pve.access import shadow
from pve.access.lines import ParseWarning, as_text
from pve.access.names import WHITESPACE, is_tokenid

_LINE = re.compile(r"(\S+) (\S+)", re.ASCII)


def parse_token_cfg(raw):
    """Read ``token.cfg``: ``({tokenid: value}, [ParseWarning])``."""
    tokens, warnings = {}, []
    for number, line in enumerate(as_text(raw).split("\n"), 1):
        if not line.strip(WHITESPACE):
            continue
        match = _LINE.fullmatch(line)
        if match and is_tokenid(match.group(1)):
            tokens[match.group(1)] = match.group(2)
        else:
            warnings.append(ParseWarning(number,
                                         "skipping invalid token.cfg entry"))
    return tokens, warnings


def write_token_cfg(tokens):
    """``token.cfg`` text, token IDs sorted; refuses what would not read
    back."""
    lines = []
    for tokenid in sorted(tokens):
        line = "%s %s" % (tokenid, tokens[tokenid])
        if not _LINE.fullmatch(line) or not is_tokenid(tokenid):
            raise ValueError("token.cfg: cannot write %r" % line)
        lines.append(line + "\n")
    return "".join(lines)


def generate_secret(rng=None):
    """A new secret: a random (version 4) UUID, as Proxmox hands out."""
    rng = rng or secrets.SystemRandom()
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def stored_value(secret, hashed=False, rng=None):
    """What to store in ``token.cfg`` for *secret*: itself, or a hash."""
    if hashed:
        return shadow.hash_password(secret, rng=rng)
    return secret


def is_hashed(value):
    return value.startswith("$")


def verify_secret(tokens, tokenid, secret):
    """Whether *secret* is the secret of *tokenid* in the parsed *tokens*."""
    value = tokens.get(tokenid)
    if value is None or not secret:
        return False
    if is_hashed(value):
        return shadow.verify_password(secret, value)
    return hmac.compare_digest(value.encode("utf-8", "surrogateescape"),
                               secret.encode("utf-8", "surrogateescape"))


def parsed_token_cfg(data, mtime=None):
    """``{tokenid: value}`` of ``token.cfg``'s bytes (``None``: missing);
    a parser for :func:`pve.cluster.cache.read_parsed`."""
    return parse_token_cfg(data or b"")[0]
