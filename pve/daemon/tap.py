"""``twistd pvedaemon``: the privileged API daemon, AMP on tcp:85 loopback.

Runs as root.  At start it connects to pmxcfs (retrying while pmxcfs comes
up), creates whatever of the CA, node certificate, auth key and CSRF key is
missing (what ``pvecm updatecerts`` does on a first start), then listens.
"""

import socket

from twisted.application import service
from twisted.internet import defer, endpoints, task
from twisted.python import usage

from pve import paths as pvepaths
from pve.daemon import workers
from pve.debuglog import Logger
from pve.startup import StartingService

log = Logger()

DEFAULT_LISTEN = "tcp:85:interface=127.0.0.1"
CONNECT_ATTEMPTS = 60

#: what pvedaemon reads for every call, kept by its CachedClient
HOT_PATHS = ("user.cfg", "domains.cfg", "authkey.pub", "authkey.pub.old",
             "pve-www.key", "datacenter.cfg", "priv/token.cfg",
             "priv/authkey.key")

#: what the worker started ahead imports while it waits for a task
SPARE_PRELOAD = ("twisted.internet.reactor", "pve.api.qemu_tasks",
                 "pve.cluster.client")


class Options(usage.Options):
    synopsis = "[options]"
    longdesc = "pvedaemon: runs protected API calls for pveproxy."
    optParameters = [
        ["listen", None, DEFAULT_LISTEN, "AMP listen endpoint"],
        ["pmxcfs", None, None, "pmxcfs IPC endpoint (default "
         "unix:$PVE_ROOT/run/pve-cluster/pmxcfs.sock)"],
        ["nodename", None, None, "node name (default $PVE_NODENAME or the "
         "short hostname)"],
    ]

    def postOptions(self):
        self["nodename"] = self["nodename"] or pvepaths.nodename()


def default_registry():
    """The API tree; until every subtree exists, what of it imports."""
    try:
        from pve.api.tree import make_registry
        return make_registry()
    except ImportError as e:
        log.warn("API tree incomplete ({error}); serving /version only",
                 error=e)
        from pve.api import version
        from pve.api.declare import Registry
        registry = Registry()
        version.routes.register(registry)
        return registry


def node_ips(nodename):
    try:
        return [socket.gethostbyname(nodename)]
    except OSError:
        return []


@defer.inlineCallbacks
def connect_cfs(reactor, description, attempts=CONNECT_ATTEMPTS):
    """An IPCClient, retrying once a second while pmxcfs is not up."""
    from pve.cluster.client import IPCClient
    for attempt in range(attempts):
        try:
            client = yield IPCClient.connect(reactor, description)
            return client
        except Exception as e:
            if attempt == attempts - 1:
                raise
            if attempt == 0:
                log.info("waiting for pmxcfs: {error}", error=e)
            yield task.deferLater(reactor, 1, lambda: None)


@defer.inlineCallbacks
def ensure_node_files(client, nodename, clock):
    """As ``pvecm updatecerts`` without --force, and the auth key."""
    from pve.access import certs, tickets
    written = yield certs.update_node_files(client, nodename,
                                            node_ips(nodename),
                                            clock.seconds())
    if written:
        log.info("created {files}", files=", ".join(written))
    yield tickets.ensure_authkey(client, clock)


def cached_client(cfs, hot_paths, paths):
    """*cfs* keeping *hot_paths* (:class:`~pve.cluster.cache.CachedClient`),
    asking pmxcfs only after the tree version it shares under *paths* (a
    :class:`~pve.paths.Paths`) moved."""
    from pve.cluster.cache import CachedClient
    from pve.cluster.treeversion import Reader
    return CachedClient(cfs, hot_paths,
                        counter=Reader(paths.pmxcfs_version))


class DaemonService(StartingService):
    """Connects to pmxcfs, prepares the node files, then listens."""

    daemon_name = "pvedaemon"

    def __init__(self, options, reactor=None, registry=None):
        if reactor is None:
            from twisted.internet import reactor
        self.reactor = reactor
        self.options = options
        self.registry = registry
        self.port = None
        self.cfs = None
        self.factory = None
        self.ready = None
        self.paths = None

    @defer.inlineCallbacks
    def _start(self):
        from pve.daemon.server import DaemonFactory
        paths = pvepaths.current()
        nodename = self.options["nodename"]
        self.cfs = yield connect_cfs(self.reactor, self.options["pmxcfs"])
        yield ensure_node_files(self.cfs, nodename, self.reactor)
        registry = self.registry or default_registry()
        factory = DaemonFactory(registry, cached_client(self.cfs, HOT_PATHS, paths),
                                self.reactor, paths, nodename)
        endpoint = endpoints.serverFromString(self.reactor,
                                              self.options["listen"])
        self.port = yield endpoint.listen(factory)
        self.factory = factory
        self.paths = paths
        workers.keep_spare(self.reactor, paths, SPARE_PRELOAD)
        log.info("pvedaemon listening on {listen} (node {node})",
                 listen=self.options["listen"], node=nodename)
        return self.port

    @defer.inlineCallbacks
    def stopService(self):
        super().stopService()
        if self.port is not None:
            yield self.port.stopListening()
            self.port = None
        if self.paths is not None:
            yield workers.drop_spare(self.paths)
            self.paths = None
        if self.factory is not None:
            self.factory.close_connections()
            self.factory = None
        if self.cfs is not None:
            yield self.cfs.close()
            self.cfs = None


def makeService(options, reactor=None):
    top = service.MultiService()
    DaemonService(options, reactor).setServiceParent(top)
    return top
