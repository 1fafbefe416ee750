"""``twistd pve-node``: the embedded supervisor of a node's daemons.

Starts every daemon of :data:`pve.node.daemons.DAEMONS` as its own twistd
process under one node root, restarts one that dies and stops them in
order on shutdown.
"""

import os
import shutil
import sys

from twisted.application import service
from twisted.logger import Logger
from twisted.python import usage

import pve
from pve import paths as pvepaths
from pve.cluster import mount
from pve.node import daemons
from pve.node.banner import BannerService, banner, first_login
from pve.node.monitor import DaemonMonitor

log = Logger()

#: Directories of a node root, as :class:`pve.paths.Paths` attributes.
NODE_DIRS = ("etc_pve", "cluster_run", "cluster_lib", "log_dir")


class Options(usage.Options):
    optParameters = [
        ["root", None, None,
         "node root directory (default: $PVE_ROOT or ./sandbox)"],
        ["nodename", None, None,
         "node name (default: $PVE_NODENAME or the short host name)"],
        ["proxy-listen", None, None,
         "pveproxy's HTTPS listen endpoint (default tcp:8006)"],
        ["daemon-port", None, None,
         "pvedaemon's AMP port on 127.0.0.1 (default 85)", int],
    ]

    def postOptions(self):
        root = self["root"] or os.environ.get("PVE_ROOT") or "sandbox"
        self["root"] = os.path.abspath(root)
        self["nodename"] = self["nodename"] or pvepaths.nodename()


def prepare_root(paths):
    """Make the node's directories; detach mounts left by a dead run."""
    for daemon in daemons.DAEMONS:
        if daemon.mount and mount.cleanup_stale(getattr(paths, daemon.mount)):
            log.warn("{name}: detached a stale mount", name=daemon.name)
    for name in NODE_DIRS:
        os.makedirs(getattr(paths, name), exist_ok=True)
    os.makedirs(os.path.dirname(paths.node_pidfile), exist_ok=True)


def _source_dir():
    return os.path.dirname(os.path.dirname(os.path.abspath(pve.__file__)))


def _onExit(paths, daemon):
    if not daemon.mount:
        return None
    return lambda: mount.cleanup_stale(getattr(paths, daemon.mount))


def makeService(options, reactor=None):
    paths = pvepaths.Paths(options["root"])
    nodename = options["nodename"]
    prepare_root(paths)

    top = service.MultiService()
    monitor = DaemonMonitor(reactor)
    setsid = shutil.which("setsid")
    # Own session: a ^C on the terminal reaches the supervisor only, which
    # then stops the daemons in order.
    prefix = (setsid,) if setsid else ()
    env = daemons.environment(os.environ, paths.root, nodename, _source_dir())
    extra = daemons.endpoint_options(options["daemon-port"],
                                     options["proxy-listen"])
    for daemon in daemons.DAEMONS:
        monitor.addDaemon(
            daemon.name,
            daemons.command(daemon, sys.executable, prefix,
                            extra.get(daemon.name, ())),
            env,
            onExit=_onExit(paths, daemon),
            notify=daemon.notify,
        )
    monitor.setServiceParent(top)
    if reactor is None:
        from twisted.internet import reactor
    port = daemons.listen_port(options["proxy-listen"])
    BannerService(
        banner(paths, nodename),
        login=lambda: monitor.whenStarted().addCallback(
            lambda _: first_login(reactor, paths, nodename, port)),
    ).setServiceParent(top)
    return top
