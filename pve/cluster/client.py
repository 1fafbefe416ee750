"""The pmxcfs client daemons use instead of reading ``/etc/pve``.

:class:`ICfsClient` is the interface; :class:`DirectClient` calls a
:class:`~pve.cluster.cfs.ConfigFS` in the same process, :class:`IPCClient`
talks AMP to pmxcfs over its unix socket.  Both return Deferreds and fail
with ``OSError(errno, strerror, path)`` carrying Proxmox's errno.
"""

import errno
import itertools

from twisted.internet import defer, endpoints
from twisted.protocols import amp
from zope.interface import Interface, implementer

from pve import paths as pvepaths
from pve.cluster import commands
from pve.cluster.cfs import Stat
from pve.cluster.commands import os_error
from pve.debuglog import Logger

log = Logger()

LOCK_DIR = "priv/lock"
LOCK_RETRY = 1


class ICfsClient(Interface):
    """The operations of pmxcfs; each returns a Deferred."""

    def read(path):
        """The contents (bytes) of the file *path*."""

    def write(path, data):
        """Create or replace the whole file *path* with *data*."""

    def mkdir(path):
        """Create the directory *path*."""

    def delete(path, kind=None):
        """Remove *path*; *kind* ``'dir'`` or ``'file'`` checks its type."""

    def rename(src, dst):
        """Move *src* to *dst*."""

    def listdir(path):
        """The names in the directory *path*."""

    def stat(path):
        """A :class:`~pve.cluster.cfs.Stat` of *path*."""

    def utime(path, mtime):
        """Set the mtime of *path*."""

    def versions(paths):
        """``{path: version}`` for each of *paths*: the version of its tree
        entry (:attr:`~pve.cluster.cfs.Stat.version`, changed by every
        change of the file, a rename onto it included), ``None`` if it does
        not exist.  One call, however many paths."""

    def lock(name, timeout=10):
        """Acquire the cfs lock ``priv/lock/<name>`` as Proxmox's
        ``cfs_lock`` does: try ``mkdir``; while it exists ask to release an
        expired one (``utime`` 0) and retry once a second; fail with
        ``ETIMEDOUT`` after *timeout* seconds (``<= 0``: try once)."""

    def refresh_lock(name):
        """Restart the 120 s expiry of a lock we hold."""

    def unlock(name):
        """Release the lock ``priv/lock/<name>``."""

    def set_status(key, value, node=None):
        """Store *value* (bytes) under *key* for *node* (default: ours)."""

    def get_status(key, node=None):
        """The bytes stored under *key* for *node*, or ``None``."""

    def cluster_log(tag, msg, user="root@pam", pri=6, pid=0):
        """Add an entry to the cluster log."""

    def get_log(limit=50):
        """The newest *limit* cluster log entries (dicts), newest first."""

    def members():
        """``{node: {"id", "online", "ip"}}``."""

    def vmlist():
        """``{vmid: {"node", "type", "version"}}``."""

    def version():
        """The database version (an int)."""

    def set_expected(expected):
        """``pvecm expected``: count majorities from *expected* votes."""

    def cluster_start():
        """Make pmxcfs enter the cluster of the node's corosync.conf
        (fires once started, not necessarily quorate; at once if it is in
        it already)."""

    def watch(prefix, callback):
        """Call ``callback(path, version)`` in the reactor thread for every
        changed path starting with *prefix*.  Fires with a function that
        stops the watch and returns a Deferred."""

    def close():
        """Stop every watch and let go of the connection, if any."""


def lock_path(name):
    if not name or "/" in name or name in (".", ".."):
        raise os_error(errno.EINVAL, name)
    return "%s/%s" % (LOCK_DIR, name)


def _nothing(_):
    return None


def matches(prefix, path):
    return path.startswith(prefix)


@implementer(ICfsClient)
class DirectClient:
    """ICfsClient on a ConfigFS in this process.

    *reactor* receives change notifications (``callFromThread``); *clock*
    (default the reactor) times the lock retries.
    """

    def __init__(self, cfs, reactor, clock=None):
        self.cfs = cfs
        self.reactor = reactor
        self.clock = reactor if clock is None else clock
        self._unsubscribes = set()

    def _call(self, path, fn, *args, **kw):
        # ConfigFS answers at once, or with a Deferred in a cluster
        def failed(failure):
            failure.trap(OSError)
            value = failure.value
            raise os_error(value.errno or errno.EIO, path, value.strerror)
        return defer.maybeDeferred(fn, *args, **kw).addErrback(failed)

    def _void(self, path, fn, *args, **kw):
        return self._call(path, fn, *args, **kw).addCallback(_nothing)

    def read(self, path):
        return self._call(path, self.cfs.read, path)

    def write(self, path, data):
        return self._void(path, self.cfs.write_file, path, bytes(data))

    def mkdir(self, path):
        return self._void(path, self.cfs.mkdir, path)

    def delete(self, path, kind=None):
        if kind not in (None, "dir", "file"):
            return defer.fail(os_error(errno.EINVAL, path))
        return self._void(path, self.cfs.delete, path, kind=kind)

    def rename(self, src, dst):
        return self._void(src, self.cfs.rename, src, dst)

    def listdir(self, path):
        return self._call(path, self.cfs.listdir, path)

    def stat(self, path):
        return self._call(path, self.cfs.stat, path)

    def utime(self, path, mtime):
        return self._void(path, self.cfs.utime, path, int(mtime))

    def versions(self, paths):
        try:
            return defer.succeed(self.cfs.versions(paths))
        except OSError as e:
            return defer.fail(os_error(e.errno or errno.EIO, e.filename))

    # -- locks -------------------------------------------------------------

    @defer.inlineCallbacks
    def _try_lock(self, path):
        """True if we made the lock directory, False if it exists."""
        mkdir = self.cfs.mkdir
        try:
            yield defer.maybeDeferred(mkdir, path)
            return True
        except OSError as e:
            if e.errno == errno.ENOENT:
                # the lock directory is gone: Proxmox makes it every time
                try:
                    yield defer.maybeDeferred(mkdir, LOCK_DIR)
                except OSError as e2:
                    if e2.errno != errno.EEXIST:
                        raise
                yield defer.maybeDeferred(mkdir, path)
                return True
            if e.errno != errno.EEXIST:
                raise
        return False

    def lock(self, name, timeout=10):
        try:
            path = lock_path(name)
        except OSError:
            return defer.fail()
        deadline = self.clock.seconds() + timeout
        pending = []
        d = defer.Deferred(lambda _: pending and pending.pop().cancel())

        def attempt():
            del pending[:]
            self._try_lock(path).addCallbacks(tried, failed)

        def failed(failure):
            failure.trap(OSError)
            if not d.called:
                d.errback(os_error(failure.value.errno or errno.EIO, path))

        def tried(made):
            if d.called:
                if made:    # cancelled meanwhile: give the lock back
                    defer.maybeDeferred(self.cfs.delete, path,
                                        kind="dir").addErrback(
                        lambda f: f.trap(OSError))
                return
            if made:
                d.callback(None)
                return
            if self.clock.seconds() >= deadline:
                log.info("cfs lock '{lockid}': got lock request timeout",
                         lockid=name)
                d.errback(os_error(errno.ETIMEDOUT, path))
                return
            log.debug("trying to acquire cfs lock '{lockid}' ...",
                      lockid=name)
            # ask to release the lock: succeeds once it has expired
            defer.maybeDeferred(self.cfs.utime, path, 0).addErrback(
                lambda f: f.trap(OSError))
            pending.append(self.clock.callLater(LOCK_RETRY, attempt))

        attempt()
        return d

    def refresh_lock(self, name):
        try:
            path = lock_path(name)
        except OSError:
            return defer.fail()
        return self._void(path, self._refresh, path)

    def _refresh(self, path):
        with self.cfs.lock:
            st = self.cfs.stat(path)
            if st.kind != "dir":
                raise os_error(errno.ENOTDIR, path)
            # a new state restarts the 120 s; mtime may only move forward
            return self.cfs.utime(path, max(int(self.cfs.clock()), st.mtime))

    def unlock(self, name):
        try:
            path = lock_path(name)
        except OSError:
            return defer.fail()
        return self._void(path, self.cfs.delete, path, kind="dir")

    # -- status and log ----------------------------------------------------

    def set_status(self, key, value, node=None):
        value = bytes(value)
        try:
            self.cfs.set_status(key, value, node=node)
        except ValueError:
            code = errno.EFBIG if key else errno.EINVAL
            return defer.fail(os_error(code, key))
        except OSError as e:
            return defer.fail(os_error(e.errno or errno.EIO, key))
        return defer.succeed(None)

    def get_status(self, key, node=None):
        return self._call(key, self.cfs.get_status, key, node=node)

    def cluster_log(self, tag, msg, user="root@pam", pri=6, pid=0):
        return self._void(None, self.cfs.cluster_log, tag, msg, user=user,
                          pri=pri, pid=pid)

    def get_log(self, limit=50):
        return self._call(None, self.cfs.get_log, limit).addCallback(
            lambda entries: [dict(e) for e in entries])

    def members(self):
        return self._call(None, self.cfs.members)

    def vmlist(self):
        return self._call(None, self.cfs.vmlist)

    def version(self):
        return self._call(None, self.cfs.version)

    def set_expected(self, expected):
        from pve.cluster.votequorum import ExpectedVotesError

        def set_it():
            if self.cfs.cluster is None:
                raise OSError(errno.EOPNOTSUPP, "not in a cluster")
            try:
                self.cfs.cluster.set_expected(expected)
            except ExpectedVotesError as e:
                raise OSError(errno.EINVAL, str(e))
        return self._call(None, set_it)

    def cluster_start(self):
        start = self.cfs.cluster_starter
        if start is None:
            return defer.fail(os_error(errno.EOPNOTSUPP, None))
        return self._call(None, start)

    # -- change feed -------------------------------------------------------

    def watch(self, prefix, callback):
        prefix = prefix.lstrip("/")
        call = self.reactor.callFromThread

        def changed(paths, version, origin):
            # under the ConfigFS lock, maybe in a FUSE thread: hand off
            for path in paths:
                if matches(prefix, path):
                    call(callback, path, version)

        unsubscribe = self.cfs.subscribe(changed)
        self._unsubscribes.add(unsubscribe)

        def unwatch():
            self._unsubscribes.discard(unsubscribe)
            unsubscribe()
            return defer.succeed(None)
        return defer.succeed(unwatch)

    def close(self):
        for unsubscribe in list(self._unsubscribes):
            unsubscribe()
        self._unsubscribes.clear()
        return defer.succeed(None)


# -- over the socket ----------------------------------------------------------

class ClientProtocol(amp.AMP):
    """The client end: dispatches pushed :class:`~commands.Changed`."""

    def __init__(self):
        super().__init__()
        self.watchers = {}
        self._lost = []
        self.connected = False

    def connectionMade(self):
        super().connectionMade()
        self.connected = True

    @commands.Changed.responder
    def changed(self, watch, path, version):
        callback = self.watchers.get(watch)
        if callback is not None:
            try:
                callback(path, version)
            except Exception:
                log.failure("watch callback failed for {path}", path=path)
        return {}

    def whenLost(self):
        if not self.connected:
            return defer.succeed(None)
        d = defer.Deferred()
        self._lost.append(d)
        return d

    def connectionLost(self, reason):
        self.connected = False
        super().connectionLost(reason)
        lost, self._lost = self._lost, []
        for d in lost:
            d.callback(None)


def default_description(paths=None):
    paths = paths or pvepaths.current()
    return "unix:%s" % (paths.pmxcfs_socket,)


def _reraise(failure):
    failure.trap(commands.CfsError)
    raise failure.value.to_oserror()


@implementer(ICfsClient)
class IPCClient:
    """ICfsClient over AMP on the pmxcfs socket; see :meth:`connect`."""

    def __init__(self, protocol):
        self.protocol = protocol
        self._ids = itertools.count(1)

    @classmethod
    @defer.inlineCallbacks
    def connect(cls, reactor, description=None):
        """Connect to pmxcfs at *description* (default: the socket under
        ``PVE_ROOT``); fires with an IPCClient once pmxcfs has answered,
        or fails (pmxcfs closes the connection of peers it refuses)."""
        endpoint = endpoints.clientFromString(
            reactor, description or default_description())
        protocol = yield endpoints.connectProtocol(endpoint, ClientProtocol())
        client = cls(protocol)
        try:
            yield client.version()
        except BaseException:
            protocol.transport.loseConnection()
            raise
        return client

    def _call(self, command, **kw):
        return self.protocol.callRemote(command, **kw).addErrback(_reraise)

    def _result(self, field, command, **kw):
        return self._call(command, **kw).addCallback(
            lambda response: response[field])

    def _none(self, command, **kw):
        return self._call(command, **kw).addCallback(lambda _: None)

    def read(self, path):
        return self._result("data", commands.Read, path=path)

    def write(self, path, data):
        return self._none(commands.Write, path=path, data=bytes(data))

    def mkdir(self, path):
        return self._none(commands.Mkdir, path=path)

    def delete(self, path, kind=None):
        return self._none(commands.Delete, path=path, kind=kind)

    def rename(self, src, dst):
        return self._none(commands.Rename, src=src, dst=dst)

    def listdir(self, path):
        return self._result("names", commands.List, path=path)

    def stat(self, path):
        return self._call(commands.Stat, path=path).addCallback(
            lambda r: Stat(r["kind"], r["mode"], r["size"], r["mtime"],
                           r["inode"], r["version"]))

    def utime(self, path, mtime):
        return self._none(commands.Utime, path=path, mtime=int(mtime))

    def versions(self, paths):
        return self._result("versions", commands.Versions,
                            paths=list(paths))

    def lock(self, name, timeout=10):
        return self._none(commands.Lock, name=name,
                          timeout=float(timeout))

    def refresh_lock(self, name):
        return self._none(commands.RefreshLock, name=name)

    def unlock(self, name):
        return self._none(commands.Unlock, name=name)

    def set_status(self, key, value, node=None):
        return self._none(commands.SetStatus, key=key,
                          value=bytes(value), node=node)

    def get_status(self, key, node=None):
        return self._result("value", commands.GetStatus, key=key,
                            node=node)

    def cluster_log(self, tag, msg, user="root@pam", pri=6, pid=0):
        return self._none(commands.Log, tag=tag, msg=msg, user=user,
                          pri=pri, pid=pid)

    def get_log(self, limit=50):
        return self._result("entries", commands.GetLog, limit=limit)

    def members(self):
        return self._result("members", commands.Members)

    def vmlist(self):
        return self._result("vmlist", commands.VMList).addCallback(
            lambda vms: {int(vmid): info for vmid, info in vms.items()})

    def version(self):
        return self._result("version", commands.Version)

    def cluster_start(self):
        return self._none(commands.ClusterStart)

    def set_expected(self, expected):
        return self._none(commands.SetExpected, expected=expected)

    def watch(self, prefix, callback):
        watch = next(self._ids)
        # registered first: a push may follow the answer immediately
        self.protocol.watchers[watch] = callback

        def unwatch():
            self.protocol.watchers.pop(watch, None)
            if not self.protocol.connected:
                return defer.succeed(None)
            return self._none(commands.Unwatch, watch=watch)

        def failed(f):
            self.protocol.watchers.pop(watch, None)
            return f
        d = self._call(commands.Watch, watch=watch, prefix=prefix)
        return d.addCallbacks(lambda _: unwatch, failed)

    def close(self):
        self.protocol.watchers.clear()
        d = self.protocol.whenLost()
        if self.protocol.connected:
            self.protocol.transport.loseConnection()
        return d

