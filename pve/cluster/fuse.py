"""The FUSE face of :class:`~pve.cluster.cfs.ConfigFS` (llfuse).

The handlers run in llfuse's worker threads.  Reads look at the in-memory
tree under the ConfigFS lock; changes go through ConfigFS like any other
client's.  Changes made by other clients (IPC) invalidate the kernel's
caches, so the mount never shows stale data.

FUSE inode numbers are database inodes plus one (the root, inode 0 in the
database, is FUSE's ``ROOT_INODE`` 1); the symlinks and plug files at the
root have fixed numbers above :data:`VIRTUAL_BASE`.
"""

import errno
import functools
import grp
import os
import stat

import llfuse
from twisted.internet import threads

from pve.cluster import memdb, plugs

VIRTUAL_BASE = 1 << 48
ORIGIN = "fuse"


def www_data_gid():
    try:
        return grp.getgrnam("www-data").gr_gid
    except KeyError:
        return 33


def _errors(method):
    """Turn ``OSError`` into ``FUSEError`` with the same errno."""
    @functools.wraps(method)
    def wrapper(*args):
        try:
            return method(*args)
        except OSError as e:
            raise llfuse.FUSEError(e.errno or errno.EIO)
        except UnicodeError:
            raise llfuse.FUSEError(errno.EINVAL)
    return wrapper


def _mode(entry):
    """Permission bits, as ``cfs.entry_mode`` gives them by path."""
    if entry.children is not None:
        return 0o700 if entry.private else 0o755
    return 0o600 if entry.private else 0o640


def _name(raw):
    return raw.decode("utf-8")


class Operations(llfuse.Operations):
    """llfuse operations over a ConfigFS."""

    def __init__(self, cfs, timeout=1.0, gid=None):
        super().__init__()
        self.cfs = cfs
        self.lock = cfs.lock
        self.timeout = timeout
        self.gid = www_data_gid() if gid is None else gid
        names = list(cfs.symlinks) + list(plugs.PLUG_FILES)
        self.virtual = {name: VIRTUAL_BASE + i for i, name in enumerate(names)}
        self.virtual_names = {v: k for k, v in self.virtual.items()}
        self._handles = {}
        self._dirs = {}
        self._next_fh = 1
        # a pve.cluster.notify.KernelCache, set once mounted
        self.kernel = None
        # in a cluster: a notify.InvalidationThread running invalidations
        self.invalidator = None

    @property
    def db(self):
        # a cluster replaces the whole tree when it restores a snapshot
        return self.cfs.db

    def _mutate(self, method, *args, **kw):
        """Call a ConfigFS change; in a cluster it runs in the reactor
        thread and this FUSE thread waits for its outcome.  Never called
        with the lock held: applying the change needs it."""
        if self.cfs.cluster is None:
            return method(*args, **kw)
        # llfuse runs one handler at a time under its lock: let the other
        # workers go on while this one waits for the commit
        with llfuse.lock_released:
            return threads.blockingCallFromThread(self.cfs.reactor, method,
                                                  *args, **kw)

    # -- attributes --------------------------------------------------------

    def _entry_attr(self, entry):
        attr = llfuse.EntryAttributes()
        attr.st_ino = entry.inode + 1
        attr.generation = 0
        if entry.parent == self._lock_dir_inode():
            # locks come and go by utime(0): never cached
            attr.entry_timeout = attr.attr_timeout = 0
        else:
            attr.entry_timeout = attr.attr_timeout = self.timeout
        if entry.children is not None:
            attr.st_mode = stat.S_IFDIR | _mode(entry)
            attr.st_nlink = 2
        else:
            attr.st_mode = stat.S_IFREG | _mode(entry)
            attr.st_nlink = 1
        if not self.cfs.quorate:
            attr.st_mode &= ~0o222
        size = entry.size
        attr.st_size = size
        attr.st_blksize = memdb.BLOCKSIZE
        attr.st_blocks = (size + 511) // 512
        attr.st_uid = 0
        attr.st_gid = self.gid
        ns = entry.mtime * 1000000000
        attr.st_atime_ns = attr.st_mtime_ns = attr.st_ctime_ns = ns
        return attr

    def _lock_dir_inode(self):
        priv = self.db.root.children.get("priv")
        if priv is None or not priv.is_dir:
            return None
        lock = priv.children.get("lock")
        return None if lock is None else lock.inode

    def _virtual_attr(self, name):
        st = self.cfs.stat(name)
        attr = llfuse.EntryAttributes()
        attr.st_ino = self.virtual[name]
        attr.entry_timeout = 0
        attr.attr_timeout = 0
        if st.kind == "link":
            attr.st_mode = stat.S_IFLNK | 0o755
            attr.entry_timeout = attr.attr_timeout = self.timeout
        else:
            attr.st_mode = stat.S_IFREG | st.mode
        attr.st_nlink = 1
        attr.st_size = st.size
        attr.st_blksize = memdb.BLOCKSIZE
        attr.st_blocks = (st.size + 511) // 512
        attr.st_uid = 0
        attr.st_gid = self.gid
        ns = st.mtime * 1000000000
        attr.st_atime_ns = attr.st_mtime_ns = attr.st_ctime_ns = ns
        return attr

    def _entry(self, inode):
        entry = self.db.index.get(inode - 1)
        if entry is None:
            raise llfuse.FUSEError(errno.ENOENT)
        return entry

    def _path(self, inode):
        return self.db.path_of(self._entry(inode))

    def _child_path(self, parent_inode, name):
        parent = self._entry(parent_inode)
        if not parent.is_dir:
            raise llfuse.FUSEError(errno.ENOTDIR)
        base = self.db.path_of(parent)
        return base + "/" + name if base else name

    def _attr_of(self, inode):
        if inode >= VIRTUAL_BASE:
            name = self.virtual_names.get(inode)
            if name is None:
                raise llfuse.FUSEError(errno.ENOENT)
            return self._virtual_attr(name)
        entry = self._entry(inode)
        return self._entry_attr(entry)

    # -- lookups -----------------------------------------------------------

    @_errors
    def lookup(self, parent_inode, name, ctx=None):
        name = _name(name)
        with self.lock:
            if parent_inode == llfuse.ROOT_INODE and name in self.virtual:
                return self._virtual_attr(name)
            parent = self._entry(parent_inode)
            if name == ".":
                entry = parent
            elif name == "..":
                entry = self.db.index[parent.parent]
            else:
                if not parent.is_dir:
                    raise llfuse.FUSEError(errno.ENOTDIR)
                entry = parent.children.get(name)
                if entry is None:
                    raise llfuse.FUSEError(errno.ENOENT)
            return self._entry_attr(entry)

    @_errors
    def getattr(self, inode, ctx=None):
        with self.lock:
            return self._attr_of(inode)

    @_errors
    def readlink(self, inode, ctx=None):
        name = self.virtual_names.get(inode)
        if name is None or name not in self.cfs.symlinks:
            raise llfuse.FUSEError(errno.EINVAL)
        return self.cfs.symlinks[name].encode()

    def forget(self, inode_list):
        pass

    @_errors
    def statfs(self, ctx=None):
        blocks, bfree, files, ffree = self.cfs.statfs()
        st = llfuse.StatvfsData()
        st.f_bsize = st.f_frsize = memdb.BLOCKSIZE
        st.f_blocks = blocks
        st.f_bfree = st.f_bavail = bfree
        st.f_files = files
        st.f_ffree = st.f_favail = ffree
        st.f_namemax = 255
        return st

    # -- directories -------------------------------------------------------

    @_errors
    def opendir(self, inode, ctx=None):
        """Snapshot the directory: readdir pages through the snapshot."""
        with self.lock:
            entry = self._entry(inode)
            if not entry.is_dir:
                raise llfuse.FUSEError(errno.ENOTDIR)
            items = [(name.encode(), child, None)
                     for name, child in entry.children.items()]
            if inode == llfuse.ROOT_INODE:
                items.extend((name.encode(), None, name)
                             for name in self.virtual)
            fh = self._next_fh
            self._next_fh += 1
            self._dirs[fh] = items
            return fh

    def readdir(self, fh, off):
        # a directory entry carries only the inode and the type
        items = self._dirs[fh]
        index = self.db.index
        for i in range(off, len(items)):
            name, child, virtual = items[i]
            attr = llfuse.EntryAttributes()
            if child is None:
                attr.st_ino = self.virtual[virtual]
                attr.st_mode = stat.S_IFLNK if virtual in self.cfs.symlinks \
                    else stat.S_IFREG
            elif index.get(child.inode) is not child:
                continue        # removed since opendir
            else:
                attr.st_ino = child.inode + 1
                attr.st_mode = stat.S_IFDIR if child.children is not None \
                    else stat.S_IFREG
            yield name, attr, i + 1

    def releasedir(self, fh):
        self._dirs.pop(fh, None)

    @_errors
    def mkdir(self, parent_inode, name, mode, ctx=None):
        with self.lock:
            path = self._child_path(parent_inode, _name(name))
        self._mutate(self.cfs.mkdir, path, origin=ORIGIN)
        with self.lock:
            return self._entry_attr(self.db.get(path))

    @_errors
    def rmdir(self, parent_inode, name, ctx=None):
        with self.lock:
            path = self._child_path(parent_inode, _name(name))
        self._mutate(self.cfs.delete, path, kind="dir", origin=ORIGIN)

    @_errors
    def unlink(self, parent_inode, name, ctx=None):
        with self.lock:
            path = self._child_path(parent_inode, _name(name))
        self._mutate(self.cfs.delete, path, kind="file", origin=ORIGIN)

    @_errors
    def rename(self, parent_old, name_old, parent_new, name_new, ctx=None):
        with self.lock:
            src = self._child_path(parent_old, _name(name_old))
            dst = self._child_path(parent_new, _name(name_new))
        self._mutate(self.cfs.rename, src, dst, origin=ORIGIN)

    def symlink(self, parent_inode, name, target, ctx=None):
        raise llfuse.FUSEError(errno.ENOSYS)

    def mknod(self, parent_inode, name, mode, rdev, ctx=None):
        raise llfuse.FUSEError(errno.ENOSYS)

    def link(self, inode, new_parent_inode, new_name, ctx=None):
        raise llfuse.FUSEError(errno.EPERM)

    # Extended attributes: ENOSYS tells the kernel once and for all that
    # there are none (it stops asking on every write) and it answers
    # users ENOTSUP, as Proxmox's pmxcfs does.
    def setxattr(self, inode, name, value, ctx=None):
        raise llfuse.FUSEError(errno.ENOSYS)

    def getxattr(self, inode, name, ctx=None):
        raise llfuse.FUSEError(errno.ENOSYS)

    def listxattr(self, inode, ctx=None):
        raise llfuse.FUSEError(errno.ENOSYS)

    def removexattr(self, inode, name, ctx=None):
        raise llfuse.FUSEError(errno.ENOSYS)

    # -- files -------------------------------------------------------------

    def _new_handle(self, inode):
        fh = self._next_fh
        self._next_fh += 1
        self._handles[fh] = inode
        return fh

    @_errors
    def create(self, parent_inode, name, mode, flags, ctx=None):
        with self.lock:
            name = _name(name)
            if parent_inode == llfuse.ROOT_INODE and name in self.virtual:
                raise llfuse.FUSEError(errno.EEXIST)
            path = self._child_path(parent_inode, name)
        self._mutate(self.cfs.create, path, origin=ORIGIN)
        with self.lock:
            entry = self.db.get(path)
            return (self._new_handle(entry.inode + 1),
                    self._entry_attr(entry))

    @_errors
    def open(self, inode, flags, ctx=None):
        with self.lock:
            if inode >= VIRTUAL_BASE:
                name = self.virtual_names.get(inode)
                if name is None:
                    raise llfuse.FUSEError(errno.ENOENT)
                if (flags & os.O_ACCMODE) != os.O_RDONLY and name != ".debug":
                    raise llfuse.FUSEError(errno.EACCES)
                return self._new_handle(inode)
            entry = self._entry(inode)
            if entry.is_dir:
                raise llfuse.FUSEError(errno.EISDIR)
            return self._new_handle(inode)

    @_errors
    def read(self, fh, off, size):
        with self.lock:
            inode = self._handles[fh]
            if inode >= VIRTUAL_BASE:
                data = self.cfs.plug(self.virtual_names[inode])
            else:
                data = self._entry(inode).data
            return data[off:off + size]

    @_errors
    def write(self, fh, off, buf):
        with self.lock:
            inode = self._handles[fh]
            if inode >= VIRTUAL_BASE:
                return self.cfs.pwrite(self.virtual_names[inode], buf, off)
            if off >= memdb.MAX_FILE_SIZE:
                raise llfuse.FUSEError(errno.EFBIG)
            if off + len(buf) > memdb.MAX_FILE_SIZE:
                # write up to the limit; the next write gets EFBIG
                buf = buf[:memdb.MAX_FILE_SIZE - off]
            path = self._path(inode)
        return self._mutate(self.cfs.pwrite, path, buf, off, origin=ORIGIN)

    def flush(self, fh):
        # writes are durable when answered: nothing to flush, and ENOSYS
        # makes the kernel stop asking on every close(2) (a close would
        # otherwise wait for us, e.g. in a child closing inherited fds)
        raise llfuse.FUSEError(errno.ENOSYS)

    def fsync(self, fh, datasync):
        pass

    def release(self, fh):
        with self.lock:
            self._handles.pop(fh, None)

    @_errors
    def setattr(self, inode, attr, fields, fh=None, ctx=None):
        with self.lock:
            if inode >= VIRTUAL_BASE:
                name = self.virtual_names.get(inode)
                if fields.update_size and name == ".debug":
                    return self._attr_of(inode)
                if fields.update_size or fields.update_mode \
                        or fields.update_uid or fields.update_gid:
                    raise llfuse.FUSEError(errno.EPERM)
                return self._attr_of(inode)
            entry = self._entry(inode)
            path = self.db.path_of(entry)
            if fields.update_mode:
                wanted = _mode(entry)
                if stat.S_IMODE(attr.st_mode) != wanted:
                    raise llfuse.FUSEError(errno.EPERM)
            if fields.update_uid and attr.st_uid not in (0, -1, 0xFFFFFFFF):
                raise llfuse.FUSEError(errno.EPERM)
            if fields.update_gid and attr.st_gid not in (
                    self.gid, -1, 0xFFFFFFFF):
                raise llfuse.FUSEError(errno.EPERM)
            if fields.update_size and entry.is_dir:
                raise llfuse.FUSEError(errno.EISDIR)
        if fields.update_size:
            self._mutate(self.cfs.truncate, path, attr.st_size,
                         origin=ORIGIN)
        if fields.update_mtime:
            self._mutate(self.cfs.utime, path,
                         attr.st_mtime_ns // 1000000000, origin=ORIGIN)
        with self.lock:
            # a lock released by utime(0) is gone; the kernel keeps no
            # lock entries (their timeout is 0), so it will ask again
            current = self.db.index.get(entry.inode) or entry
            return self._entry_attr(current)

    # -- cache invalidation ------------------------------------------------

    def changed(self, paths, version, origin):
        """ConfigFS subscriber: drop the kernel's view of what other
        clients changed.  Runs under the ConfigFS lock and returns the
        invalidation to run once that lock is released."""
        if origin == ORIGIN or self.kernel is None:
            return None
        entries, inodes = [], []
        for path in paths:
            if path in self.virtual:
                inodes.append(self.virtual[path])
                continue
            dirname, name = memdb.split_path(path)
            parent = self.db.lookup(dirname)
            if parent is not None:
                entries.append((parent.inode + 1, name.encode()))
            entry = self.db.lookup(path)
            if entry is not None:
                inodes.append(entry.inode + 1)
        kernel = self.kernel

        def invalidate():
            for parent, name in entries:
                kernel.inval_entry(parent, name)
            for ino in inodes:
                kernel.inval_inode(ino)
        if self.invalidator is not None:
            return lambda: self.invalidator.put(invalidate)
        return invalidate
