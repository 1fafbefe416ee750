"""The configuration filesystem of one node: tree, database, plug files.

:class:`ConfigFS` is what the FUSE mount, the IPC server and in-process
clients all call.  It is thread-safe (one lock): the FUSE threads and the
reactor thread share it.  Every change is applied to the in-memory
:class:`~pve.cluster.memdb.MemDB`, committed to SQLite, and then announced
to subscribers (who must not block: the IPC server hands them to the
reactor with ``callFromThread``).
"""

import collections
import errno
import functools
import threading
import time

from twisted.internet import defer
from twisted.logger import Logger

from pve import debuglog
from pve.cluster import locks, memdb, plugs, replops, status
from pve.cluster.memdb import fail, normpath
from pve.cluster.store import Store, StoreError

log = Logger()

Stat = collections.namedtuple("Stat", "kind mode size mtime inode version")

NODE_SUBDIRS = ("qemu-server", "lxc", "openvz", "priv")


def _mutation(method):
    """Run *method* under the lock, then (unlocked) what subscribers
    asked to run after the change."""
    @functools.wraps(method)
    def wrapper(self, *args, **kw):
        with self.lock:
            try:
                result = method(self, *args, **kw)
            finally:
                post = self._post
                if post:
                    self._post = []
        for action in post:
            action()
        return result
    return wrapper


def _checked(result):
    """*result* (a replops Result), or OSError with its errno."""
    if result.errno:
        fail(result.errno)
    return result


def _then(result, value):
    """*value* once *result* (a Result or a Deferred of one) is through."""
    if isinstance(result, defer.Deferred):
        return result.addCallback(lambda _: value)
    return value


def tree_diff(old, new):
    """The paths whose entry differs between the MemDBs *old* and *new*
    (present in one only, or another version)."""
    def versions(db):
        return {path: (e.version, e.inode) for path, e in _walk(db)}
    a, b = versions(old), versions(new)
    return sorted(p for p in set(a) | set(b) if a.get(p) != b.get(p))


def _walk(db):
    stack = [("", db.root)]
    while stack:
        path, entry = stack.pop()
        if path:
            yield path, entry
        for name, child in (entry.children or {}).items():
            stack.append((path + "/" + name if path else name, child))


def entry_mode(path, is_dir):
    if memdb.is_private(path):
        return 0o700 if is_dir else 0o600
    return 0o755 if is_dir else 0o640


class ConfigFS:
    """One node's ``/etc/pve``, local mode."""

    def __init__(self, db, store, nodename, clock=time.time):
        self.db = db
        self.store = store
        self.nodename = nodename
        self.clock = clock
        self.lock = threading.RLock()
        self.status = status.Status(nodename, clock())
        self.locks = locks.LockTable()
        self.errors = False
        self.quorate = True
        self.writer = 0
        # cluster mode: a pve.cluster.clusternode.TreeReplica (else None)
        self.cluster = None
        self._origins = {}          # RequestId -> origin, while replicated
        # pmxcfs's: a callable entering the cluster (a Deferred)
        self.cluster_starter = None
        # the mount's: a Deferred firing once the kernel caches dropped
        # what changed so far (cluster mode, see notify.InvalidationThread)
        self.settled = None
        # request counters from the clock (µs): a restarted node does not
        # reuse its previous incarnation's request ids
        self._counter = int(clock() * 1000000)
        self._subscribers = []
        self._post = []
        self.symlinks = plugs.symlinks(nodename)

    # -- opening -----------------------------------------------------------

    @classmethod
    def open(cls, paths, nodename, clock=time.time, backup=True):
        """Open (or create) ``config.db`` under *paths*; raise StoreError."""
        store = Store(paths.config_db)
        try:
            store.check()
            store.recover()
            try:
                db = memdb.MemDB.from_rows(store.load())
            except memdb.CorruptDatabase as e:
                raise StoreError("database %s is inconsistent: %s"
                                 % (paths.config_db, e))
            if backup and db.version:
                store.backup(paths.config_db_backup_dir, now=clock())
            store.enable_reclaim()
        except BaseException:
            store.close()
            raise
        cfs = cls(db, store, nodename, clock)
        cfs._ensure_layout()
        cfs._reset_locks()
        store.start()
        log.info("memdb open '{path}' successful (version = {version:016X})",
                 path=paths.config_db, version=db.version)
        return cfs

    def _ensure_layout(self):
        now = int(self.clock())
        if self.db.version == 0:
            # a new database: write the version row
            self._commit(memdb.Change(0, 0, now))
        wanted = ["nodes", "nodes/" + self.nodename]
        wanted += ["nodes/%s/%s" % (self.nodename, d) for d in NODE_SUBDIRS]
        wanted += ["priv", "priv/lock"]
        for path in wanted:
            entry = self.db.lookup(path)
            if entry is None:
                self._run(self._op(replops.Mkdir, path, mtime=now))
            elif not entry.is_dir:
                raise StoreError("%s exists but is not a directory" % path)

    def _reset_locks(self):
        lockdir = self.db.lookup("priv/lock")
        items = []
        if lockdir is not None and lockdir.is_dir:
            for name, e in lockdir.children.items():
                if e.is_dir:
                    items.append(("priv/lock/" + name,
                                  locks.entry_checksum(e)))
        self.locks.reset(items, self.clock())

    def close(self):
        with self.lock:
            self.store.close()

    # -- subscribers -------------------------------------------------------

    def subscribe(self, callback):
        """Call ``callback(paths, version, origin)`` after each change,
        under the lock; a callable it returns runs once the lock is
        released, before the caller is answered.  Returns a function that
        unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe():
            if callback in self._subscribers:
                self._subscribers.remove(callback)
        return unsubscribe

    # -- the write path ----------------------------------------------------
    #
    # Every change is a replops operation: applied here at once in local
    # mode, replicated through ``self.cluster`` (which must be called in
    # the reactor thread and answers with a Deferred) in a cluster.

    def _commit(self, change):
        try:
            self.store.commit(change)
        except Exception:
            self.errors = True
            log.failure("database commit failed; refusing further writes")
            fail(errno.EIO)

    def _op(self, cls, path, **kw):
        """A *cls* operation on *path*, stamped by this node."""
        self._counter += 1
        kw.setdefault("writer", self.writer)
        kw.setdefault("mtime", self._now())
        return cls(request=replops.RequestId(self.nodename, self._counter),
                   path=path, **kw)

    def _run(self, op, origin=None):
        """Carry out *op*: its Result (local mode), or a Deferred firing
        with it (cluster); either fails with OSError as the call would."""
        if self.errors:
            fail(errno.EIO)
        if self.cluster is not None:
            self._origins[op.request] = origin
            d = self.cluster.submit(op)

            def done(result):
                self._origins.pop(op.request, None)
                return result

            d.addBoth(done).addCallback(_checked)
            if origin is None and self.settled is not None:
                # answered once the mount shows it (a FUSE writer must
                # not wait: its own request holds kernel locks)
                d.addCallback(lambda result: self.settled().addCallback(
                    lambda _: result))
            return d
        if not self.quorate:
            fail(errno.EACCES)
        result = replops.apply(self.db, op)
        _checked(result)
        self._announce(result.changes, origin)
        return result

    def _announce(self, changes, origin=None):
        """Persist applied *changes* and tell the lock table and the
        subscribers; under the lock."""
        for change in changes:
            self._commit(change)
            self._changed(change.paths, change.version, origin)

    def _changed(self, paths, version, origin):
        versions = self.status.path_versions
        now = self.clock()
        for path in paths:
            if path in versions:
                versions[path] += 1
            if memdb.is_lock_dir(path):
                entry = self.db.lookup(path)
                if entry is None:
                    self.locks.forget(path)
                else:
                    self.locks.seen(path, locks.entry_checksum(entry), now)
        for callback in list(self._subscribers):
            try:
                post = callback(paths, version, origin)
                if post is not None:
                    self._post.append(post)
            except Exception:
                log.failure("change subscriber failed")

    @_mutation
    def apply_committed(self, apply, *args):
        """Cluster: run *apply* (the replica applying a committed entry to
        ``self.db``) under the lock and announce what it changed."""
        result = apply(*args)
        if result is not None and result.changes:
            self._announce(result.changes,
                           self._origins.pop(result.request, None))
        return result

    @_mutation
    def replace_tree(self, db):
        """Cluster: the tree became *db* (a snapshot from the leader)."""
        old, self.db = self.db, db
        self.store.reset(db.rows())
        self._reset_locks()
        paths = tree_diff(old, db)
        if paths:
            self._changed(paths, db.version, None)

    @_mutation
    def plugs_changed(self, names):
        """Tell subscribers that the plug files *names* (``.members``...)
        read differently now (readers' caches are dropped)."""
        self._changed(list(names), self.db.version, None)

    def _writable_path(self, path):
        path = normpath(path)
        if path in self.symlinks or path in plugs.PLUG_FILES:
            fail(errno.EACCES)
        return path

    def _now(self):
        return int(self.clock())

    # -- files -------------------------------------------------------------

    @_mutation
    def write_file(self, path, data, origin=None):
        """Create or replace the file *path* with *data*, in one change."""
        path = normpath(path)
        if path == ".debug":
            return self._write_debug(data)
        path = self._writable_path(path)
        return self._run(self._op(
            replops.WriteFile, path, data=bytes(data), truncate=True,
            mode=replops.CREATE_OR_REPLACE), origin)

    @_mutation
    def pwrite(self, path, data, offset, origin=None):
        """Write *data* at *offset* of an existing file; the count (or a
        Deferred firing with it)."""
        path = normpath(path)
        if path == ".debug":
            self._write_debug(data)
            return len(data)
        path = self._writable_path(path)
        return _then(self._run(self._op(
            replops.WriteFile, path, data=bytes(data), offset=offset),
            origin), len(data))

    @_mutation
    def create(self, path, origin=None):
        path = self._writable_path(path)
        return self._run(self._op(replops.Create, path), origin)

    @_mutation
    def truncate(self, path, size, origin=None):
        path = normpath(path)
        if path == ".debug":
            return None
        path = self._writable_path(path)
        return self._run(self._op(replops.Truncate, path, size=size), origin)

    def read(self, path):
        """The contents of the file (or plug file) *path*."""
        with self.lock:
            path = normpath(path)
            if path in plugs.PLUG_FILES:
                return self.plug(path)
            entry = self.db.get(path)
            if entry.is_dir:
                fail(errno.EISDIR)
            return entry.data

    @property
    def debug(self):
        return debuglog.enabled()

    @debug.setter
    def debug(self, flag):
        debuglog.set_enabled(flag)

    def _write_debug(self, data):
        value = bytes(data).strip()
        if value not in (b"0", b"1"):
            fail(errno.EINVAL)
        self.debug = value == b"1"
        return len(data)

    # -- directories -------------------------------------------------------

    @_mutation
    def mkdir(self, path, origin=None):
        path = normpath(path)
        if path in self.symlinks or path in plugs.PLUG_FILES:
            fail(errno.EEXIST)
        return self._run(self._op(replops.Mkdir, path), origin)

    @_mutation
    def delete(self, path, kind=None, origin=None):
        """Remove *path*; *kind* ``'dir'`` or ``'file'`` checks its type
        as ``rmdir`` and ``unlink`` do."""
        path = self._writable_path(path)
        kind = {None: replops.ANY, "dir": replops.DIR,
                "file": replops.FILE}[kind]
        return self._run(self._op(replops.Delete, path, kind=kind), origin)

    @_mutation
    def rename(self, src, dst, origin=None):
        src = self._writable_path(src)
        dst = self._writable_path(dst)
        return self._run(self._op(replops.Rename, src, dst=dst), origin)

    @_mutation
    def utime(self, path, mtime, origin=None):
        """Set the mtime; on a lock directory mtime 0 asks to release it,
        which succeeds once it has been held unchanged for 120 s."""
        path = normpath(path)
        if path in self.symlinks or path in plugs.PLUG_FILES or not path:
            return None
        entry = self.db.get(path)
        mtime = int(mtime)
        if entry.is_dir and memdb.is_lock_dir(path) and mtime == 0:
            csum = locks.entry_checksum(entry)
            if self.locks.expired(path, csum, self.clock()):
                return self._run(self._op(replops.Unlock, path,
                                          checksum=csum), origin)
        return self._run(self._op(replops.SetMtime, path, mtime=mtime),
                         origin)

    def listdir(self, path):
        with self.lock:
            path = normpath(path)
            entry = self.db.get(path)
            if not entry.is_dir:
                fail(errno.ENOTDIR)
            names = list(entry.children)
            if not path:
                names.extend(self.symlinks)
                names.extend(plugs.PLUG_FILES)
            return names

    def readlink(self, path):
        target = self.symlinks.get(normpath(path))
        if target is None:
            fail(errno.EINVAL)
        return target

    def stat(self, path):
        with self.lock:
            path = normpath(path)
            if path in self.symlinks:
                target = self.symlinks[path]
                return Stat("link", 0o755, len(target), self.status.starttime,
                            None, 0)
            if path in plugs.PLUG_FILES:
                return Stat("plug", plugs.PLUG_FILES[path],
                            len(self.plug(path)), self.status.starttime,
                            None, 0)
            entry = self.db.get(path)
            return Stat("dir" if entry.is_dir else "file",
                        entry_mode(path, entry.is_dir), entry.size,
                        entry.mtime, entry.inode, entry.version)

    def versions(self, paths):
        """``{path: stat(path).version or None if it does not exist}``,
        all under one hold of the lock."""
        result = {}
        with self.lock:
            for path in paths:
                try:
                    result[path] = self.stat(path).version
                except OSError as e:
                    if e.errno not in (errno.ENOENT, errno.ENOTDIR):
                        raise
                    result[path] = None
        return result

    # -- plug files and status ---------------------------------------------

    def plug(self, name):
        with self.lock:
            if name == ".version":
                return plugs.version(self.status, self.db.vmlist_version)
            if name == ".members":
                return plugs.members(self.status, self.cluster_info())
            if name == ".vmlist":
                return plugs.vmlist(self.db.vmlist_version,
                                    {k: tuple(v)
                                     for k, v in self.db.vmlist.items()})
            if name == ".clusterlog":
                return plugs.clusterlog(self.status.get_log())
            if name == ".rrd":
                return plugs.rrd(self.status.rrd)
            if name == ".debug":
                return b"1\n" if self.debug else b"0\n"
            fail(errno.ENOENT)

    def vmlist(self):
        with self.lock:
            return {vmid: {"node": node, "type": vmtype, "version": ver}
                    for vmid, (node, vmtype, ver) in self.db.vmlist.items()}

    def cluster_info(self):
        """The cluster part of ``.members`` (see plugs.members), None on
        a node that is not in a cluster."""
        return None if self.cluster is None else self.cluster.info()

    def members(self):
        with self.lock:
            info = self.cluster_info()
            if info is None:
                return {self.nodename: {"id": 0, "online": 1, "ip": None}}
            return {name: dict(item)
                    for name, item in info["nodelist"].items()}

    def version(self):
        with self.lock:
            return self.db.version

    def set_status(self, key, value, node=None):
        with self.lock:
            node = node or self.nodename
            self.status.set_status(node, key, value, self.clock())
            if self.cluster is not None and node == self.nodename:
                self.cluster.status_set(key, value)

    def get_status(self, key, node=None):
        with self.lock:
            return self.status.get_status(node or self.nodename, key)

    def cluster_log(self, tag, msg, user="root@pam", pri=6, pid=0):
        with self.lock:
            entry = self.status.add_log(self.nodename, user, tag, msg,
                                        pri=pri, pid=pid, now=self.clock())
            if self.cluster is not None:
                self.cluster.log_added(entry)
            return entry

    def get_log(self, limit=status.LOG_SHOWN):
        with self.lock:
            return self.status.get_log(limit)

    def statfs(self):
        """``(blocks, free blocks, inodes, free inodes)``."""
        with self.lock:
            bs = memdb.BLOCKSIZE
            blocks = memdb.MAX_FS_SIZE // bs
            used = (self.db.total_size + bs - 1) // bs
            inodes = memdb.MAX_INODES
            return blocks, max(blocks - used, 0), inodes, \
                max(inodes - len(self.db.index), 0)

