"""Authentication tickets signed with the cluster's auth key.

A ticket is ``PREFIX:[data:]HEXTIME::base64(signature)``, the signature an
RSA PKCS#1 v1.5 SHA-1 signature (Crypt::OpenSSL::RSA's default) of
``PREFIX:[data:]HEXTIME[:secret_data]``, as Proxmox's ``PVE::Ticket`` and
``PVE::AccessControl``.  The key pair lives in pmxcfs
(``priv/authkey.key``, ``authkey.pub``, ``authkey.pub.old``) and is
rotated every 24 hours.  The functions are pure (time passed in); only
:func:`load_authkeys`, :func:`rotate_authkey` and :func:`ensure_authkey`
talk to pmxcfs through an :class:`~pve.cluster.client.ICfsClient`.
"""

import base64
import binascii
import collections
import functools
import re
from urllib.parse import unquote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from twisted.internet import defer

from pve.access.names import normalize_path, verify_username
from pve.cluster.cache import read_parsed
from pve.debuglog import Logger

log = Logger()

TICKET_LIFETIME = 2 * 3600
AUTH_GRACEPERIOD = 5 * 60
AUTHKEY_LIFETIME = 24 * 3600
SHORT_LIVED_AGE = (-20, 40)      # VNC and tunnel tickets

AUTHKEY_PRIV = "priv/authkey.key"
AUTHKEY_PUB = "authkey.pub"
AUTHKEY_PUB_OLD = "authkey.pub.old"
AUTHKEY_LOCK = "authkey"
AUTHKEY_BITS = 2048



class TicketError(Exception):
    """Proxmox answers these with 401."""
    code = 401


def hextime(now):
    return "%08X" % int(now)


# -- keys -------------------------------------------------------------------

def new_rsa_key(bits=AUTHKEY_BITS):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def load_private_key(pem):
    return serialization.load_pem_private_key(pem, password=None)


def load_public_key(pem):
    return serialization.load_pem_public_key(pem)


def public_pem(key):
    """``BEGIN PUBLIC KEY`` (X.509 SubjectPublicKeyInfo) of *key*."""
    if hasattr(key, "public_key"):
        key = key.public_key()
    return key.public_bytes(serialization.Encoding.PEM,
                            serialization.PublicFormat.SubjectPublicKeyInfo)


def private_pem(key, pkcs8=True):
    """PKCS#8 (as ``openssl genrsa``) or, with ``pkcs8=False``, PKCS#1
    ``BEGIN RSA PRIVATE KEY`` (as Crypt::OpenSSL::RSA writes it)."""
    fmt = (serialization.PrivateFormat.PKCS8 if pkcs8 else
           serialization.PrivateFormat.TraditionalOpenSSL)
    return key.private_bytes(serialization.Encoding.PEM, fmt,
                             serialization.NoEncryption())


AuthKeys = collections.namedtuple(
    "AuthKeys", "private public mtime old_public old_mtime")
AuthKeys.__doc__ = """The auth key pair: key objects (or ``None``) and the
mtimes of ``authkey.pub`` and ``authkey.pub.old``."""
AuthKeys.__new__.__defaults__ = (None,) * 5


# -- signing ----------------------------------------------------------------

#: tickets whose signature holds, parsed:
#: ``(id(key), prefix, ticket, secret_data) -> (key, data, timestamp)``
#: (the key kept so an id is never reused while its entry lives); an
#: RSA verification costs more than the rest of a cached API call
_VERIFIED = {}
_VERIFIED_MAX = 4096


def _signature_ok(public_key, signature, message):
    try:
        public_key.verify(signature, message, padding.PKCS1v15(),
                          hashes.SHA1())
    except (InvalidSignature, ValueError):
        return False
    return True


def _b64decode(text):
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return None


def assemble_rsa_ticket(private_key, prefix, now, data=None,
                        secret_data=None):
    plain = prefix + ":"
    if data is not None:
        # only ':' is escaped (URI::Escape with ':' as the unsafe set)
        plain += data.replace(":", "%3A") + ":"
    plain += hextime(now)
    full = plain if secret_data is None else plain + ":" + secret_data
    signature = private_key.sign(full.encode(), padding.PKCS1v15(),
                                 hashes.SHA1())
    return plain + "::" + base64.b64encode(signature).decode()


@functools.lru_cache(maxsize=16)
def _ticket_patterns(prefix):
    """The compiled (whole ticket, signed part) patterns for *prefix*."""
    p = re.escape(prefix)
    return (re.compile(r"(%s:\S+)::([^:\s]+)" % p, re.ASCII),
            re.compile(r"%s:(?:(\S+):)?([A-Z0-9]{8})" % p, re.ASCII))


def verify_rsa_ticket(public_key, prefix, ticket, now, min_age, max_age,
                      secret_data=None):
    """``(data, age)`` (*data* ``True`` for tickets without data), or
    ``None`` unless the signature holds and ``min_age < age < max_age``."""
    if not ticket or public_key is None:
        return None
    memo = (id(public_key), prefix, ticket, secret_data)
    known = _VERIFIED.get(memo)
    if known is None or known[0] is not public_key:
        known = _parse_signed(public_key, prefix, ticket, secret_data)
        if known is None:
            return None
        if len(_VERIFIED) >= _VERIFIED_MAX:
            _VERIFIED.clear()
        _VERIFIED[memo] = known
    age = int(now) - known[2]
    if not min_age < age < max_age:
        return None
    return known[1], age


def _parse_signed(public_key, prefix, ticket, secret_data):
    """``(key, data, timestamp)`` of a ticket signed by *public_key*."""
    outer, inner_re = _ticket_patterns(prefix)
    m = outer.fullmatch(ticket)
    if m is None:
        return None
    plain, sig = m.group(1), _b64decode(m.group(2))
    full = plain if secret_data is None else plain + ":" + secret_data
    if sig is None or not _signature_ok(public_key, sig, full.encode()):
        return None
    inner = inner_re.fullmatch(plain)
    if inner is None:
        return None
    data = inner.group(1)
    data = True if data is None else unquote(data, errors="replace")
    return public_key, data, int(inner.group(2), 16)


# -- key age and rotation ---------------------------------------------------

def ticket_age_range(now, mtime, rotated=False, quorate=True):
    """``(min, max)`` ticket age accepted with a key whose public half has
    *mtime*; ``rotated`` for ``authkey.pub.old``.  ``None``: none."""
    key_age = max(int(now) - int(mtime), 0)
    lo, hi = -AUTH_GRACEPERIOD, TICKET_LIFETIME
    if rotated:
        # no tickets made after the rotation
        lo = key_age - AUTH_GRACEPERIOD
    else:
        if key_age > AUTHKEY_LIFETIME and quorate:
            # should have been rotated: clamp
            lo = key_age - AUTHKEY_LIFETIME
        if key_age < TICKET_LIFETIME:
            hi = key_age + AUTH_GRACEPERIOD
    if lo > TICKET_LIFETIME:
        return None
    return lo, hi


def check_authkey(now, mtime, old_mtime=None, quorate=True):
    """``(ok, message)``: is the key whose public half has *mtime*
    (``None``: missing) still good at *now*?  Not ok means rotate."""
    if not quorate:
        return True, "cluster not quorate, skipping rotation"
    if mtime is None:
        return False, "auth key pair missing, generating new one.."
    now, mtime = int(now), int(mtime)
    if now - mtime >= AUTHKEY_LIFETIME:
        return False, "auth key pair too old, rotating.."
    if mtime > now + AUTH_GRACEPERIOD:
        if (old_mtime is not None and mtime >= old_mtime
                and mtime - old_mtime < TICKET_LIFETIME):
            return True, (
                "auth key pair generated in the future (key %d > host %d),"
                " but old key still exists and in valid grace period so "
                "avoid automatic fixup. Cluster time not in sync?"
                % (mtime, now))
        return False, ("auth key pair generated in the future "
                       "(key %d > host %d), rotating.." % (mtime, now))
    return True, "auth key new enough, skipping rotation"


def rotation_files(new_key, old_public=None):
    """``[(path, bytes)]`` to write, in order, to rotate to *new_key*."""
    files = []
    if old_public is not None:
        files.append((AUTHKEY_PUB_OLD, public_pem(old_public)))
    files.append((AUTHKEY_PUB, public_pem(new_key)))
    files.append((AUTHKEY_PRIV, private_pem(new_key, pkcs8=False)))
    return files


# -- PVE tickets ------------------------------------------------------------

TicketInfo = collections.namedtuple("TicketInfo", "username age tfa")


def assemble_ticket(private_key, data, now, aad=None):
    """A ``PVE:`` ticket for *data* (usually ``user@realm``)."""
    if private_key is None:
        raise TicketError("auth key pair missing")
    return assemble_rsa_ticket(private_key, "PVE", now, data, aad)


def _check_with(keys, ticket, now, quorate, aad):
    for rotated in (False, True):
        public = keys.old_public if rotated else keys.public
        mtime = keys.old_mtime if rotated else keys.mtime
        if public is None or mtime is None:
            continue
        span = ticket_age_range(now, mtime, rotated, quorate)
        if span is None:
            continue
        found = verify_rsa_ticket(public, "PVE", ticket, now, span[0],
                                  span[1], aad)
        if found is not None:
            return found
    raise TicketError("permission denied - invalid PVE ticket")


def verify_ticket(keys, ticket, now, quorate=True, aad=None):
    """:class:`TicketInfo` of a valid ``PVE:`` ticket, tried with
    ``authkey.pub`` then ``authkey.pub.old``; raises :class:`TicketError`.
    With *aad* (a TFA challenge) returns the challenge data instead."""
    data, age = _check_with(keys, ticket, now, quorate, aad)
    if data is True:
        raise TicketError("permission denied - invalid PVE ticket")
    if aad is not None:
        if data.startswith("!tfa!"):
            return data[5:]
        raise TicketError("bad ticket")
    if data.startswith("!tfa!"):
        return TicketInfo(None, age, {"type": "new", "data": data[5:]})
    tfa = None
    m = re.fullmatch(r"u2f!([^!]+)!([0-9a-zA-Z/.=_\-+]+)", data)
    if m:
        data, challenge = m.groups()
        tfa = {"type": "u2f",
               "challenge": None if challenge == "verified" else challenge}
    elif data.startswith("tfa!"):
        data, tfa = data[4:], {"type": "tfa"}
    if verify_username(data) is None:
        raise TicketError("permission denied - invalid PVE ticket")
    return TicketInfo(data, age, tfa)


# -- VNC and tunnel tickets -------------------------------------------------

def _secret_data(username, path, extra):
    path = normalize_path(path)
    if path is None:
        raise TicketError("invalid ticket path")
    secret = "%s:%s" % (username, path)
    return secret if extra is None else "%s:%s" % (secret, extra)


def assemble_short_ticket(private_key, prefix, username, path, now,
                          extra=None):
    """A ``PVEVNC`` or ``PVETUNNEL`` ticket bound to user, path (and
    port); it carries no data."""
    if private_key is None:
        raise TicketError("auth key pair missing")
    return assemble_rsa_ticket(private_key, prefix, now, None,
                               _secret_data(username, path, extra))


def verify_short_ticket(keys, prefix, ticket, username, path, now,
                        extra=None):
    """The age of a valid short-lived ticket; raises :class:`TicketError`.
    Only the current key, and only while it is not overdue for rotation."""
    secret = _secret_data(username, path, extra)
    if prefix == "PVEVNC" and ticket:
        # old clients send the VNC password prefix too
        m = re.fullmatch(r".{8}:(PVEVNC:.*)", ticket)
        ticket = m.group(1) if m else ticket
    found = None
    if keys.public is not None and keys.mtime is not None \
            and int(now) - keys.mtime <= AUTHKEY_LIFETIME:
        found = verify_rsa_ticket(keys.public, prefix, ticket, now,
                                  SHORT_LIVED_AGE[0], SHORT_LIVED_AGE[1],
                                  secret)
    if found is None:
        raise TicketError("permission denied - invalid %s ticket" % prefix)
    return found[1]


def assemble_vnc_ticket(private_key, username, path, now, port=None):
    return assemble_short_ticket(private_key, "PVEVNC", username, path, now,
                                 port)


def verify_vnc_ticket(keys, ticket, username, path, now, port=None):
    return verify_short_ticket(keys, "PVEVNC", ticket, username, path, now,
                               port)


# -- pmxcfs -----------------------------------------------------------------

def _key_parser(path, loader):
    def parse(data, mtime):
        if data is None:
            return None, None
        try:
            return loader(data), mtime
        except ValueError:
            log.warn("unable to load auth key {path}", path=path)
            return None, mtime
    return parse


#: ``parser(data, mtime) -> (key or None, mtime)``, one per file: the
#: functions are the keys of a :class:`~pve.cluster.cache.CachedClient`'s
#: parsed values, so a key is loaded once per content
_PARSERS = {path: _key_parser(path, loader) for path, loader in (
    (AUTHKEY_PRIV, load_private_key),
    (AUTHKEY_PUB, load_public_key),
    (AUTHKEY_PUB_OLD, load_public_key))}


def _read(client, path):
    return read_parsed(client, path, _PARSERS[path])


def cached_public_keys(client):
    """The :class:`AuthKeys` without the private key if *client* (a
    :class:`~pve.cluster.cache.CachedClient`) has both public keys parsed
    already, else ``None``: no Deferred on the hot path."""
    cached = getattr(client, "cached_parsed", None)
    if cached is None:
        return None
    pub = cached(AUTHKEY_PUB, _PARSERS[AUTHKEY_PUB])
    old = cached(AUTHKEY_PUB_OLD, _PARSERS[AUTHKEY_PUB_OLD])
    if pub is None or old is None:
        return None
    public, mtime = pub
    old, old_mtime = old
    return AuthKeys(None, public, mtime if public else None, old,
                    old_mtime if old else None)


@defer.inlineCallbacks
def load_authkeys(client, private=True):
    """Fires with the :class:`AuthKeys` in pmxcfs; without *private* the
    private key is left out (www-data may not read it)."""
    if private:
        private, _ = yield _read(client, AUTHKEY_PRIV)
    else:
        private = None
    public, mtime = yield _read(client, AUTHKEY_PUB)
    old, old_mtime = yield _read(client, AUTHKEY_PUB_OLD)
    return AuthKeys(private, public, mtime if public else None, old,
                    old_mtime if old else None)


@defer.inlineCallbacks
def _write_rotation(client, files):
    """Write *files* in order; if the private key fails after the new
    public key went in, drop both so the next use regenerates them."""
    written = []
    try:
        for path, data in files:
            yield client.write(path, data)
            written.append(path)
    except OSError as e:
        log.warn("Failed to store new auth key - {error}", error=e)
        if AUTHKEY_PUB in written:
            log.warn("Deleting auth key to force regeneration")
            for path in (AUTHKEY_PUB, AUTHKEY_PRIV):
                try:
                    yield client.delete(path)
                except OSError:
                    pass
        raise


@defer.inlineCallbacks
def rotate_authkey(client, clock, quorate=True, keygen=new_rsa_key):
    """Rotate under the cfs lock ``authkey`` if the key (re-read under the
    lock) is missing or due; fires with ``True`` if it rotated."""
    yield client.lock(AUTHKEY_LOCK)
    try:
        keys = yield load_authkeys(client)
        ok, message = check_authkey(clock.seconds(), keys.mtime,
                                    keys.old_mtime, quorate)
        if ok and keys.private is not None:
            return False
        log.info(message)
        files = rotation_files(keygen(AUTHKEY_BITS), keys.public)
        yield _write_rotation(client, files)
        return True
    finally:
        yield client.unlock(AUTHKEY_LOCK)


@defer.inlineCallbacks
def ensure_authkey(client, clock, quorate=True, keygen=new_rsa_key):
    """The :class:`AuthKeys`, rotated first if needed (as Proxmox's
    ``get_privkey``)."""
    keys = yield load_authkeys(client)
    ok, _ = check_authkey(clock.seconds(), keys.mtime, keys.old_mtime,
                          quorate)
    if keys.private is None or not ok:
        yield rotate_authkey(client, clock, quorate, keygen)
        keys = yield load_authkeys(client)
    return keys
