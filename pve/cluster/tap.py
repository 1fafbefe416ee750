"""``twistd pmxcfs``: the configuration filesystem daemon.

The database is opened and checked in :func:`makeService`, before twistd
daemonizes, so a database that fails its check stops the start with a
clear message.  The mount and the IPC socket come up in the service.
"""

import errno
import fcntl
import os
import sys

from twisted.application import service
from twisted.internet import defer
from twisted.logger import Logger
from twisted.python import usage

from pve import paths as pvepaths
from pve import sdnotify
from pve.cluster import treeversion
from pve.cluster.cfs import ConfigFS
from pve.cluster.clusternode import ClusterConfigError
from pve.cluster.linktls import DEFAULT_PORT
from pve.cluster.store import StoreError

log = Logger()


class Options(usage.Options):
    synopsis = "[options]"
    longdesc = "pmxcfs: the Proxmox cluster filesystem, mounted at /etc/pve."
    optFlags = [
        ["local", "l", "local mode: the node is alone and always quorate"],
        ["debug", "d", "turn on debug messages"],
    ]
    optParameters = [
        ["mount", "m", None, "mount point (default $PVE_ROOT/etc/pve)"],
        ["workers", "w", 4, "FUSE worker threads (in a cluster each change "
         "waits for its commit: several let others go on)", int],
        ["ipc", None, None,
         "IPC endpoint (default unix:$PVE_ROOT/run/pve-cluster/pmxcfs.sock)"],
        ["nodename", None, None, "node name (default $PVE_NODENAME or the "
         "short hostname)"],
        ["cluster-port", None, DEFAULT_PORT, "port of the cluster links (PB over "
         "TLS), ours and the peers'", int],
        ["cluster-listen", None, None, "endpoint of our cluster link "
         "(default ssl:<cluster-port>)"],
    ]

    def postOptions(self):
        if self["workers"] < 1:
            raise usage.UsageError("--workers must be at least 1")


class PmxcfsService(service.MultiService):
    """The mount and the IPC server around one ConfigFS."""

    def __init__(self, cfs, mountpoint, workers=1, reactor=None,
                 version_file=None, paths=None, cluster_options=None):
        super().__init__()
        if reactor is None:
            from twisted.internet import reactor
        self.reactor = reactor
        self.cfs = cfs
        self.mountpoint = mountpoint
        self.workers = workers
        self.mount = None
        self.version_file = version_file
        self.paths = paths
        # None: local mode (no cluster, ever); else ClusterNode's options
        self.cluster_options = cluster_options
        self.cluster = None
        self.ops = None
        self._unsubscribe = []
        if cluster_options is not None:
            cfs.cluster_starter = self.start_cluster

    def join_cluster(self):
        """Become a cluster node if the node has a corosync.conf; raises
        ClusterConfigError if it has one that cannot be used."""
        from pve.cluster.clusternode import ClusterNode
        if self.cluster is not None or self.cluster_options is None or \
                not os.path.exists(self.paths.corosync_conf):
            return False
        node = ClusterNode(self.cfs, self.paths, reactor=self.reactor,
                           **self.cluster_options)
        node.prepare()
        self.cluster = node
        node.setServiceParent(self)
        self._invalidate_in_thread()
        return True

    def _invalidate_in_thread(self):
        from pve.cluster.notify import InvalidationThread
        if self.ops is not None and self.ops.invalidator is None:
            self.ops.invalidator = InvalidationThread(self.reactor)
            self.cfs.settled = self.ops.invalidator.settled

    def start_cluster(self):
        """ConfigFS's cluster_starter (IPC ``ClusterStart``)."""
        from pve.cluster.clusternode import ClusterConfigError
        try:
            self.join_cluster()
        except (ClusterConfigError, OSError, ValueError) as e:
            log.error("cannot start the cluster: {why}", why=e)
            raise OSError(errno.EINVAL, str(e))
        if self.cluster is None:
            raise OSError(errno.ENOENT, "no corosync.conf")

    def startService(self):
        from pve.cluster.fuse import Operations
        from pve.cluster.mount import FuseMount
        if self.version_file is not None:
            self._unsubscribe.append(
                treeversion.publish(self.cfs, self.version_file))
        ops = self.ops = Operations(self.cfs)
        self.mount = FuseMount(ops, self.mountpoint, workers=self.workers)
        self.mount.start()
        self._unsubscribe.append(self.cfs.subscribe(ops.changed))
        if self.cluster is not None:
            self._invalidate_in_thread()
        super().startService()
        # once the reactor runs, when its signal handlers are in place
        self.reactor.callLater(0, self._ready)

    def _ready(self):
        log.info("pmxcfs ready: {mount} (node {node})",
                 mount=self.mountpoint, node=self.cfs.nodename)
        sdnotify.ready()

    @defer.inlineCallbacks
    def stopService(self):
        yield defer.maybeDeferred(super().stopService)
        if self.mount is not None:
            self.mount.stop()
            self.mount = None
        if self.ops is not None and self.ops.invalidator is not None:
            self.ops.invalidator.stop()
        while self._unsubscribe:
            self._unsubscribe.pop()()
        self.cfs.close()


def _take_lock(p):
    os.makedirs(p.cluster_run, exist_ok=True)
    fd = os.open(os.path.join(p.cluster_run, "pmxcfs.lock"),
                 os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        raise SystemExit("pmxcfs: another instance is running for %s"
                         % (p.root,))
    return fd


def makeService(options, reactor=None):
    if reactor is None:
        from twisted.internet import reactor
    from pve.cluster import ipc
    p = pvepaths.current()
    nodename = options["nodename"] or pvepaths.nodename()
    _take_lock(p)
    try:
        cfs = ConfigFS.open(p, nodename, clock=reactor.seconds)
    except StoreError as e:
        print("pmxcfs: %s" % (e,), file=sys.stderr)
        raise SystemExit(1)
    cfs.debug = bool(options["debug"])
    mountpoint = options["mount"] or p.etc_pve
    cluster_options = None
    if not options["local"]:
        cluster_options = {"port": options["cluster-port"],
                           "listen": options["cluster-listen"]}
    top = PmxcfsService(cfs, mountpoint, workers=options["workers"],
                        reactor=reactor, version_file=p.pmxcfs_version,
                        paths=p, cluster_options=cluster_options)
    try:
        top.join_cluster()
    except ClusterConfigError as e:
        print("pmxcfs: %s" % (e,), file=sys.stderr)
        cfs.close()
        raise SystemExit(1)
    description = options["ipc"] or "unix:%s:mode=660" % (p.pmxcfs_socket,)
    ipc.makeIPCService(cfs, description, reactor).setServiceParent(top)
    return top
