"""The daemons ``pve-node`` runs, declared as data, and their command lines.

Daemons start in the order of :data:`DAEMONS` and stop in reverse, so
pmxcfs, which every other daemon needs, comes first.  Later daemons
(pvedaemon, pveproxy, ...) are added here as further entries.
pveproxy changes to www-data itself after binding its port.
"""

import os
from dataclasses import dataclass

#: Run twistd from a given interpreter: ``python -c TWISTD <twistd args>``.
#: (``python -m twisted.scripts.twistd`` does nothing: it has no main guard.)
TWISTD = "from twisted.scripts.twistd import run; run()"


@dataclass(frozen=True)
class Daemon:
    """One supervised daemon.

    *name* is both the process name in the supervisor and the twistd plugin;
    *args* are the plugin's options; *mount* names a :class:`pve.paths.Paths`
    attribute where the daemon mounts a FUSE filesystem, which is detached if
    the daemon dies without unmounting it; *user* is whom it runs as in
    production (``None``: root); *notify*: it says when it serves
    (:mod:`pve.sdnotify`), and the daemons after it wait for that.
    """

    name: str
    args: tuple = ()
    mount: str = None
    user: str = None
    notify: bool = True


DAEMONS = (
    # in the cluster of $PVE_ROOT/etc/corosync/corosync.conf if there is one
    Daemon("pmxcfs", mount="etc_pve"),
    # creates the node certificates and auth keys on a first start
    Daemon("pvedaemon"),
    # binds 8006 as root, then drops to www-data by itself (--user)
    Daemon("pveproxy", user="www-data"),
    # QEMU connects here as a QMP monitor; runs `qm cleanup` on VM exit
    Daemon("qmeventd"),
)


def command(daemon, python, prefix=(), extra=()):
    """The argv that runs *daemon* in the foreground with *python*, with
    *extra* options after its own."""
    return [
        *prefix,
        python,
        "-c",
        TWISTD,
        "-n",
        "--pidfile=",
        daemon.name,
        *daemon.args,
        *extra,
    ]


def endpoint_options(daemon_port=None, proxy_listen=None):
    """``{daemon name: extra options}`` moving pvedaemon's AMP port (on
    loopback) and pveproxy's HTTPS listener."""
    extra = {}
    if daemon_port is not None:
        extra["pvedaemon"] = ("--listen",
                              "tcp:%d:interface=127.0.0.1" % daemon_port)
        extra["pveproxy"] = ("--daemon", "tcp:127.0.0.1:%d" % daemon_port)
    if proxy_listen is not None:
        extra["pveproxy"] = extra.get("pveproxy", ()) + ("--listen",
                                                         proxy_listen)
    return extra


def listen_port(description, default=8006):
    """The port of a ``tcp:``/``ssl:`` server endpoint description."""
    if not description:
        return default
    parts = description.split(":")
    if parts[0] in ("tcp", "ssl", "tcp6") and len(parts) > 1:
        value = parts[1].partition("=")
        port = value[2] if value[1] and value[0] == "port" else value[0]
        if port.isdigit():
            return int(port)
    return default


def environment(base, root, nodename, pythonpath=None):
    """The environment of a daemon: *base* plus the node's root and name."""
    env = dict(base)
    env["PVE_ROOT"] = root
    env["PVE_NODENAME"] = nodename
    env["PYTHONUNBUFFERED"] = "1"
    if pythonpath:
        parts = [pythonpath] + [
            p for p in env.get("PYTHONPATH", "").split(os.pathsep) if p
        ]
        env["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(parts))
    return env
