"""``priv/shadow.cfg``: password hashes of the ``pve`` realm.

One ``user@pve:HASH:`` line a user (``PVE/Auth/PVE.pm``).  Hashes are crypt(3)
strings; Proxmox writes SHA-256-crypt (``$5$``), we write SHA-512-crypt
(``$6$``) by default, and both are verified here in pure Python (Drepper's
"Unix crypt using SHA-256 and SHA-512").  Other schemes (``$y$``, ``$1$``...)
are handed to the system's libcrypt when it is there.
"""

import ctypes
import ctypes.util
import hashlib
import hmac
import re
import secrets

from pve.access.lines import ParseWarning, colon_fields, content_lines

ALPHABET = "./0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
DEFAULT_ROUNDS = 5000
MIN_ROUNDS, MAX_ROUNDS = 1000, 999999999
SALT_MAX = 16

_LINE = re.compile(r"\S+:\S+:", re.ASCII)
_SETTING = re.compile(r"\$([56])\$(?:rounds=([1-9][0-9]*)\$)?([^$]*)(?:\$.*)?",
                      re.DOTALL)
_BAD_SALT = re.compile(r"[\s:;*!\\]|[^\x21-\x7e]")


def _order(size):
    """Byte triples of the final encoding, as the spec permutes them."""
    if size == 64:
        triples = []
        for i in range(21):
            a, b, c = i, i + 21, i + 42
            triples.append(((a, b, c), (b, c, a), (c, a, b))[i % 3])
        return triples, (None, None, 63)
    triples = []
    for i in range(10):
        a, b, c = i, i + 10, i + 20
        triples.append(((a, b, c), (c, a, b), (b, c, a))[i % 3])
    return triples, (None, 31, 30)


def _b64(digest):
    triples, tail = _order(len(digest))
    out = []
    groups = [(t, 4) for t in triples] + [(tail, 3 if tail[1] else 2)]
    for group, count in groups:
        value = 0
        for index in group:
            value = (value << 8) | (0 if index is None else digest[index])
        for _ in range(count):
            out.append(ALPHABET[value & 0x3F])
            value >>= 6
    return "".join(out)


def _repeat(digest, length):
    return (digest * (length // len(digest) + 1))[:length]


def sha_crypt(password, salt, rounds=None, method="6"):
    """The crypt string of *password* (bytes) with *salt* (str, cut to 16).

    *rounds* None means the default 5000, not written into the result.
    """
    new = hashlib.sha512 if method == "6" else hashlib.sha256
    count = DEFAULT_ROUNDS if rounds is None else rounds
    if not MIN_ROUNDS <= count <= MAX_ROUNDS:
        raise ValueError("rounds out of range: %d" % count)
    salt = salt[:SALT_MAX]
    s = salt.encode("ascii")
    p = password
    b = new(p + s + p).digest()
    a = new(p + s + _repeat(b, len(p)))
    n = len(p)
    while n:
        a.update(b if n & 1 else p)
        n >>= 1
    c = a.digest()
    p_seq = _repeat(new(p * len(p)).digest(), len(p))
    s_seq = _repeat(new(s * (16 + c[0])).digest(), len(s))
    for i in range(count):
        h = new(p_seq if i & 1 else c)
        if i % 3:
            h.update(s_seq)
        if i % 7:
            h.update(p_seq)
        h.update(c if i & 1 else p_seq)
        c = h.digest()
    head = "$%s$" % method
    if rounds is not None:
        head += "rounds=%d$" % rounds
    return "%s%s$%s" % (head, salt, _b64(c))


def _pure_crypt(password, setting):
    match = _SETTING.fullmatch(setting)
    if match is None:
        return None
    method, rounds, salt = match.groups()
    salt = salt[:SALT_MAX]
    if _BAD_SALT.search(salt) or salt.startswith("rounds="):
        return None  # libxcrypt refuses these; so do we
    rounds = None if rounds is None else int(rounds)
    try:
        return sha_crypt(password, salt, rounds, method)
    except ValueError:
        return None


_LIBCRYPT = []


def _libcrypt():
    if not _LIBCRYPT:
        name = ctypes.util.find_library("crypt")
        lib = None
        try:
            lib = ctypes.CDLL(name) if name else None
            lib.crypt_r.restype = ctypes.c_char_p
            lib.crypt_r.argtypes = [ctypes.c_char_p, ctypes.c_char_p,
                                    ctypes.c_void_p]
        except (OSError, AttributeError):
            lib = None
        _LIBCRYPT.append(lib)
    return _LIBCRYPT[0]


def system_crypt(password, setting):
    """crypt_r(3) of the system's libcrypt, or None if absent or refused."""
    lib = _libcrypt()
    if lib is None:
        return None
    # big enough for glibc's and libxcrypt's struct crypt_data, zeroed
    data = ctypes.create_string_buffer(256 * 1024)
    result = lib.crypt_r(password, setting.encode("utf-8", "surrogateescape"),
                         data)
    if not result or result.startswith(b"*"):
        return None
    return result.decode("utf-8", "surrogateescape")


def crypt(password, setting):
    """crypt(3) of *password* (str, sent as UTF-8) for *setting*, or None."""
    raw = password.encode("utf-8", "surrogateescape")
    if b"\0" in raw:
        return None
    if setting.startswith(("$5$", "$6$")):
        return _pure_crypt(raw, setting)
    return system_crypt(raw, setting)


def verify_password(password, hashed):
    """Whether *password* matches the crypt string *hashed*."""
    if not password or not hashed:
        return False
    result = crypt(password, hashed)
    if result is None:
        return False
    return hmac.compare_digest(result.encode("utf-8", "surrogateescape"),
                               hashed.encode("utf-8", "surrogateescape"))


def make_salt(rng=None, length=SALT_MAX):
    rng = rng or secrets.SystemRandom()
    return "".join(rng.choice(ALPHABET) for _ in range(length))


def hash_password(password, rng=None, method="6"):
    """A new crypt string for *password*: ``$6$`` (or ``$5$``), random salt.

    *rng* is a ``random.Random``-like source (tests pass a seeded one).
    """
    raw = password.encode("utf-8", "surrogateescape")
    if b"\0" in raw:
        raise ValueError("password contains a NUL byte")
    return sha_crypt(raw, make_salt(rng), None, method)


def parse_shadow_cfg(raw):
    """Read ``shadow.cfg``: ``({userid: hash}, [ParseWarning])``."""
    users, warnings = {}, []
    for number, line in content_lines(raw):
        if not _LINE.fullmatch(line):
            message = "pve shadow password: ignore invalid line %d" % number
            warnings.append(ParseWarning(number, message))
            continue
        fields = colon_fields(line) + [""]
        users[fields[0]] = fields[1]
    return users, warnings


def write_shadow_cfg(users):
    """``shadow.cfg`` text, users sorted; refuses what would not read back."""
    lines = []
    for userid in sorted(users):
        line = "%s:%s:" % (userid, users[userid])
        if not _LINE.fullmatch(line) or line.count(":") != 2:
            raise ValueError("shadow.cfg: cannot write %r" % line)
        lines.append(line + "\n")
    return "".join(lines)
