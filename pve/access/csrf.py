"""CSRF prevention tokens and SPICE proxy tickets, keyed by ``pve-www.key``.

As Proxmox's ``PVE::Ticket`` and ``PVE::AccessControl``: the secret is
Digest::SHA's ``hmac_sha256_base64($input)``, which takes its single
argument as the *key* of an HMAC over nothing; Digest::SHA's base64 has no
``=`` padding.  Pure: time and randomness are passed in.
"""

import base64
import hashlib
import hmac
import random
import re

from pve.access.tickets import AUTH_GRACEPERIOD, TICKET_LIFETIME, hextime

WWW_KEY = "pve-www.key"
SPICE_AGE = (-20, 40)


class CSRFError(Exception):
    """Proxmox answers this with 401."""
    code = 401


def _b64(digest):
    return base64.b64encode(digest).decode().rstrip("=")


def _hmac_b64(key, message):
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def csrf_secret(www_key):
    """The secret derived from the bytes of ``pve-www.key``."""
    return _hmac_b64(bytes(www_key), b"")


def assemble_csrf_token(secret, username, now):
    """``HEXTIME:base64(HMAC-SHA256)`` for *username*."""
    stamp = hextime(now)
    return "%s:%s" % (stamp, _hmac_b64(
        secret.encode(), ("%s:%s" % (stamp, username)).encode()))


def verify_csrf_token(secret, username, token, now):
    """Return ``True`` or raise :class:`CSRFError`: the token must be
    *username*'s and ``-5 min < age < 2 h``."""
    m = re.fullmatch(r"([A-Z0-9]{8}):(\S+)", token or "", re.ASCII)
    if m is not None:
        stamp, sig = m.groups()
        digest = _hmac_b64(secret.encode(),
                           ("%s:%s" % (stamp, username)).encode())
        age = int(now) - int(stamp, 16)
        if (hmac.compare_digest(digest, sig)
                and -AUTH_GRACEPERIOD < age < TICKET_LIFETIME):
            return True
    raise CSRFError("Permission denied - invalid csrf token")


# -- SPICE ------------------------------------------------------------------

def _spice_sig(plain, secret):
    return hashlib.sha1((plain + secret).encode()).hexdigest()


def assemble_spice_ticket(secret, username, vmid, node, now, port=None,
                          rng=None):
    """``(password, proxyticket)``: a one-time SPICE password and the
    signed ``pvespiceproxy:...`` string spiceproxy checks."""
    rng = rng or random.SystemRandom()
    stamp = "%08x" % int(now)
    seed = "PVESPICE:%s:%s:%s:%s:%s::%032x" % (
        stamp, username, vmid, node, secret, rng.getrandbits(128))
    password = hashlib.sha1(seed.encode()).hexdigest()
    plain = "pvespiceproxy:%s:%s:%s" % (stamp, vmid, node.lower())
    if port is not None:
        plain += ":%s" % port
    return password, "%s::%s" % (plain, _spice_sig(plain, secret))


def verify_spice_connect_url(secret, connect, now):
    """``(vmid, node, port)`` from a valid ``pvespiceproxy:...:port``
    (the CONNECT host), else ``None``."""
    if not connect:
        return None
    m = re.fullmatch(r"pvespiceproxy:([a-z0-9]{8}):(\d+):(\S+):(\d+)::"
                     r"([a-z0-9]{40}):(\d+)", connect, re.ASCII)
    if m:
        stamp, vmid, node, signed_port, sig, port = m.groups()
        if int(signed_port) != int(port):
            return None
        plain = "pvespiceproxy:%s:%s:%s:%s" % (stamp, vmid, node, port)
    else:
        # old tickets without the signed port
        m = re.fullmatch(r"pvespiceproxy:([a-z0-9]{8}):(\d+):(\S+)::"
                         r"([a-z0-9]{40}):(\d+)", connect, re.ASCII)
        if not m:
            return None
        stamp, vmid, node, sig, port = m.groups()
        plain = "pvespiceproxy:%s:%s:%s" % (stamp, vmid, node)
    age = int(now) - int(stamp, 16)
    if not SPICE_AGE[0] < age < SPICE_AGE[1]:
        return None
    if not hmac.compare_digest(_spice_sig(plain, secret), sig):
        return None
    return vmid, node, port


def parsed_www_key(data, mtime=None):
    """The CSRF secret of ``pve-www.key``'s bytes, ``None`` if missing; a
    parser for :func:`pve.cluster.cache.read_parsed`."""
    return None if data is None else csrf_secret(data)
