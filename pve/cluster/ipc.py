"""pmxcfs's IPC server: AMP on ``unix:/run/pve-cluster/pmxcfs.sock``.

The peer's uid and gid come from ``SO_PEERCRED``: root reads and writes
everything, members of group www-data read everything outside ``priv``
and write nothing, anyone else is disconnected at once.  Each command is
served by a :class:`~pve.cluster.client.DirectClient`, so the socket and an
in-process client behave the same; this module only checks permissions and
translates errors at the edge.
"""

import errno
import functools
import grp
import os
import pwd
import re
import socket
import stat
import struct

from twisted.application import internet
from twisted.internet import defer, endpoints, protocol
from twisted.protocols import amp

from pve import paths as pvepaths
from pve.cluster import commands, memdb
from pve.cluster.client import DirectClient
from pve.cluster.commands import CfsError, os_error
from pve.debuglog import Logger

log = Logger()

READ_ONLY = "ro"
READ_WRITE = "rw"
WWW_DATA_GID = 33


def www_data_gid():
    try:
        return grp.getgrnam("www-data").gr_gid
    except KeyError:
        return WWW_DATA_GID


def peer_credentials(transport):
    """``(pid, uid, gid)`` of the process at the other end of a unix
    socket transport."""
    sock = transport.getHandle()
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                            struct.calcsize("3i"))
    return struct.unpack("3i", creds)


def access_for(uid, gid, www_gid):
    """:data:`READ_WRITE` for root, :data:`READ_ONLY` for group www-data
    (primary or supplementary), else ``None``."""
    if uid == 0:
        return READ_WRITE
    if gid == www_gid:
        return READ_ONLY
    try:
        name = pwd.getpwuid(uid).pw_name
        groups = os.getgrouplist(name, gid)
    except (KeyError, OSError):
        groups = []
    return READ_ONLY if www_gid in groups else None


def responder(command, write=False, paths=("path",), where=None):
    """Declare an AMP responder that checks the peer's access (to the
    arguments named in *paths*) and turns failures into CfsError naming
    the argument *where* (default the first of *paths*)."""
    where = where or (paths[0] if paths else None)

    def decorate(method):
        @functools.wraps(method)
        def respond(self, **kw):
            d = defer.maybeDeferred(self._checked, method, write,
                                    [kw[p] for p in paths], kw)
            return d.addErrback(self._translate, command, kw.get(where))
        command.responder(respond)
        return respond
    return decorate


class CfsServerProtocol(amp.AMP):
    """One IPC connection; :attr:`access` is set from SO_PEERCRED."""

    def __init__(self, backend, www_gid):
        super().__init__()
        self.backend = backend
        self.www_gid = www_gid
        self.access = None
        self.peer = None
        self.open = False
        self.lost = defer.Deferred()
        self._watches = {}
        self._pending = set()

    def connectionMade(self):
        super().connectionMade()
        try:
            pid, uid, gid = peer_credentials(self.transport)
        except OSError:
            log.failure("cannot read the peer credentials of an IPC client")
            self.transport.loseConnection()
            return
        self.peer = {"pid": pid, "uid": uid, "gid": gid}
        self.access = access_for(uid, gid, self.www_gid)
        if self.access is None:
            log.warn("refused IPC connection from pid {pid} uid {uid} "
                     "gid {gid}", pid=pid, uid=uid, gid=gid)
            self.transport.loseConnection()
            return
        self.open = True
        log.debug("IPC connection from pid {pid} uid {uid} gid {gid} "
                  "({access})", pid=pid, uid=uid, gid=gid,
                  access=self.access)

    def connectionLost(self, reason):
        self.open = False
        super().connectionLost(reason)
        watches, self._watches = self._watches, {}
        for unwatch in watches.values():
            unwatch()
        for d in list(self._pending):
            d.cancel()
        self.factory.forget(self)
        self.lost.callback(None)

    # -- permissions and errors --------------------------------------------

    def readable(self, path):
        if self.access == READ_WRITE:
            return True
        if self.access != READ_ONLY:
            return False
        path = memdb.normpath(path)
        head, sep, rest = path.partition("/")
        target = self.backend.cfs.symlinks.get(head)
        if target is not None:
            # 'local/priv/...' is 'nodes/<node>/priv/...'
            path = target + sep + rest
        return not memdb.is_private(path)

    def _checked(self, method, write, paths, kw):
        if self.access is None or (write and self.access != READ_WRITE):
            raise os_error(errno.EACCES, paths[0] if paths else None)
        for path in paths:
            if not self.readable(path):
                raise os_error(errno.EACCES, path)
        return method(self, **kw)

    def _translate(self, failure, command, where):
        if failure.check(CfsError):
            return failure
        if failure.check(OSError):
            raise CfsError.from_oserror(failure.value, where)
        if failure.check(defer.CancelledError):
            # the peer went away while waiting for a lock
            raise CfsError.from_oserror(os_error(errno.EINTR), where)
        log.failure("IPC {command} failed", failure,
                    command=command.commandName.decode())
        raise CfsError.from_oserror(os_error(errno.EIO), where)

    # -- files -------------------------------------------------------------

    @responder(commands.Read)
    def read(self, path):
        return self.backend.read(path).addCallback(lambda d: {"data": d})

    @responder(commands.Write, write=True)
    def write(self, path, data):
        return self.backend.write(path, data).addCallback(lambda _: {})

    @responder(commands.Mkdir, write=True)
    def mkdir(self, path):
        return self.backend.mkdir(path).addCallback(lambda _: {})

    @responder(commands.Delete, write=True)
    def delete(self, path, kind):
        return self.backend.delete(path, kind).addCallback(lambda _: {})

    @responder(commands.Rename, write=True, paths=("src", "dst"))
    def rename(self, src, dst):
        return self.backend.rename(src, dst).addCallback(lambda _: {})

    @responder(commands.List)
    def listdir(self, path):
        return self.backend.listdir(path).addCallback(
            lambda names: {"names": names})

    @responder(commands.Stat)
    def stat(self, path):
        return self.backend.stat(path).addCallback(lambda st: st._asdict())

    @responder(commands.Versions, paths=())
    def versions(self, paths):
        # as a read of each: one path www-data may not read refuses it all
        for path in paths:
            if not self.readable(path):
                raise os_error(errno.EACCES, path)
        return self.backend.versions(paths).addCallback(
            lambda v: {"versions": v})

    @responder(commands.Utime, write=True)
    def utime(self, path, mtime):
        return self.backend.utime(path, mtime).addCallback(lambda _: {})

    # -- locks -------------------------------------------------------------

    @responder(commands.Lock, write=True, paths=(), where="name")
    def lock(self, name, timeout):
        d = self.backend.lock(name, timeout)
        # a peer gone while we wait must not get the lock
        self._pending.add(d)
        d.addBoth(self._done, d)
        return d.addCallback(lambda _: {})

    def _done(self, result, d):
        self._pending.discard(d)
        return result

    @responder(commands.RefreshLock, write=True, paths=(), where="name")
    def refresh_lock(self, name):
        return self.backend.refresh_lock(name).addCallback(lambda _: {})

    @responder(commands.Unlock, write=True, paths=(), where="name")
    def unlock(self, name):
        return self.backend.unlock(name).addCallback(lambda _: {})

    # -- status, log, cluster ----------------------------------------------

    @responder(commands.SetStatus, write=True, paths=(), where="key")
    def set_status(self, key, value, node):
        return self.backend.set_status(key, value, node).addCallback(
            lambda _: {})

    @responder(commands.GetStatus, paths=(), where="key")
    def get_status(self, key, node):
        return self.backend.get_status(key, node).addCallback(
            lambda v: {"value": v})

    @responder(commands.Log, write=True, paths=())
    def cluster_log(self, tag, msg, user, pri, pid):
        return self.backend.cluster_log(tag, msg, user, pri, pid).addCallback(
            lambda _: {})

    @responder(commands.GetLog, paths=())
    def get_log(self, limit):
        return self.backend.get_log(limit).addCallback(
            lambda entries: {"entries": entries})

    @responder(commands.Members, paths=())
    def members(self):
        return self.backend.members().addCallback(
            lambda m: {"members": m})

    @responder(commands.VMList, paths=())
    def vmlist(self):
        return self.backend.vmlist().addCallback(
            lambda vms: {"vmlist": {str(k): v for k, v in vms.items()}})

    @responder(commands.Version, paths=())
    def version(self):
        return self.backend.version().addCallback(
            lambda v: {"version": v})

    @responder(commands.SetExpected, write=True, paths=())
    def set_expected(self, expected):
        return self.backend.set_expected(expected).addCallback(lambda _: {})

    @responder(commands.ClusterStart, write=True, paths=())
    def cluster_start(self):
        return self.backend.cluster_start().addCallback(lambda _: {})

    # -- change feed -------------------------------------------------------

    @responder(commands.Watch, paths=("prefix",))
    def watch(self, watch, prefix):
        if watch in self._watches:
            raise os_error(errno.EEXIST, prefix)

        def push(path, version):
            if self.open and watch in self._watches and self.readable(path):
                self.callRemote(commands.Changed, watch=watch, path=path,
                                version=version)

        def started(unwatch):
            if not self.open:
                return unwatch().addCallback(lambda _: {})
            self._watches[watch] = unwatch
            return {}
        return self.backend.watch(prefix, push).addCallback(started)

    @responder(commands.Unwatch, paths=())
    def unwatch(self, watch):
        unwatch = self._watches.pop(watch, None)
        if unwatch is None:
            raise os_error(errno.ENOENT)
        return unwatch().addCallback(lambda _: {})


class CfsServerFactory(protocol.Factory):
    """Makes :class:`CfsServerProtocol`; remembers them to close on stop."""

    def __init__(self, cfs, reactor, clock=None, www_gid=None):
        self.backend = DirectClient(cfs, reactor, clock)
        self.www_gid = www_data_gid() if www_gid is None else www_gid
        self.connections = set()

    def buildProtocol(self, addr):
        p = CfsServerProtocol(self.backend, self.www_gid)
        p.factory = self
        self.connections.add(p)
        return p

    def forget(self, p):
        self.connections.discard(p)

    def disconnectAll(self):
        """Close every connection; fires when all are closed."""
        lost = []
        for p in list(self.connections):
            lost.append(p.lost)
            p.transport.loseConnection()
        return defer.gatherResults(lost)


def unix_path(description):
    """The socket path of a ``unix:`` endpoint description, else None."""
    parts = [p.replace("\\:", ":") for p in re.split(r"(?<!\\):",
                                                     description)]
    if parts[0] != "unix" or len(parts) < 2:
        return None
    for part in parts[1:]:
        if part.startswith("address="):
            return part[len("address="):]
    return parts[1] if "=" not in parts[1] else None


class IPCService(internet.StreamServerEndpointService):
    """Listens in ``privilegedStartService``: removes a stale socket
    first, then makes the socket ``root:www-data`` mode 0660."""

    def __init__(self, endpoint, factory, socket_path=None):
        super().__init__(endpoint, factory)
        self.socket_path = socket_path

    def privilegedStartService(self):
        path = self.socket_path
        if path:
            os.makedirs(os.path.dirname(path), mode=0o755, exist_ok=True)
            try:
                if stat.S_ISSOCK(os.lstat(path).st_mode):
                    log.info("removing stale socket {path}", path=path)
                    os.unlink(path)
            except FileNotFoundError:
                pass
        super().privilegedStartService()
        self._waitingForPort.addCallback(self._secure)

    def _secure(self, port):
        path = self.socket_path
        if port is None or not path:
            return port
        gid = self.factory.www_gid
        try:
            os.chown(path, 0 if os.geteuid() == 0 else -1, gid)
            os.chmod(path, 0o660)
        except OSError:
            log.failure("cannot make {path} root:{gid} mode 0660",
                        path=path, gid=gid)
        log.info("IPC listening on {path}", path=path)
        return port

    def stopService(self):
        d = defer.maybeDeferred(super().stopService)
        d.addCallback(lambda _: self.factory.disconnectAll())
        return d


def makeIPCService(cfs, description=None, reactor=None, clock=None):
    """The IPC server of *cfs* as a service listening on *description*
    (default ``unix:$PVE_ROOT/run/pve-cluster/pmxcfs.sock:mode=660``);
    *clock* (default the reactor) times lock retries."""
    if reactor is None:
        from twisted.internet import reactor
    if description is None:
        description = "unix:%s:mode=660" % (
            pvepaths.current().pmxcfs_socket,)
    endpoint = endpoints.serverFromString(reactor, description)
    factory = CfsServerFactory(cfs, reactor, clock)
    return IPCService(endpoint, factory, unix_path(description))
