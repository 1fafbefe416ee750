"""The first user of an embedded node: ``admin@pve``, Administrator on ``/``.

On a node's first start (``user.cfg`` has no user besides ``root@pam``),
``pve-node`` creates ``admin@pve`` with a random password through the API
handlers (as ``pveum`` would, as root@pam), grants it ``Administrator`` on
``/`` and keeps the password in ``$PVE_ROOT/root/pve-admin-password``
(0600) so the banner can show it.  A node with other users is left alone.
"""

import secrets
import string

from twisted.internet import defer

from pve import atomicfile
from pve.access import usercfg
from pve.api.env import Env

ADMIN = "admin@pve"
PASSWORD_LENGTH = 16
_ALPHABET = string.ascii_letters + string.digits


def new_password(rng=None):
    """A random password of letters and digits (*rng*: a ``random.Random``
    for tests; default the system's secure source)."""
    choice = rng.choice if rng is not None else secrets.choice
    return "".join(choice(_ALPHABET) for _ in range(PASSWORD_LENGTH))


def write_password(path, password):
    """Write *password* to *path*, mode 0600, atomically."""
    atomicfile.write(path, password + "\n", 0o600, dir_mode=0o700)


def read_password(path):
    """The stored password, or None."""
    try:
        with open(path) as f:
            return f.read().strip() or None
    except OSError:
        return None


@defer.inlineCallbacks
def ensure_admin(cfs, reactor, paths, nodename, registry=None, rng=None):
    """Create ``admin@pve`` on a first start; fire with its password if
    created, else None."""
    from pve.api.tree import make_registry
    try:
        raw = yield cfs.read("user.cfg")
    except OSError:
        raw = b""
    cfg = usercfg.parse_user_cfg(raw)[0]
    if set(cfg.users) - {usercfg.ROOT}:
        return None
    registry = registry or make_registry()
    env = Env(cfs, reactor, paths, nodename, user=usercfg.ROOT, cli=True)
    password = new_password(rng)
    yield registry.dispatch("POST", "/access/users", {
        "userid": ADMIN, "password": password,
        "comment": "made by pve-node on the first start"}, env)
    yield registry.dispatch("PUT", "/access/acl", {
        "path": "/", "roles": "Administrator", "users": ADMIN}, env)
    write_password(paths.admin_password, password)
    return password
