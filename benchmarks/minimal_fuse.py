#!/usr/bin/env python3
"""A minimal dict-backed llfuse filesystem: the ceiling for a Python FUSE daemon.

``benchmarks/fs.py`` mounts this next to our pmxcfs and a tmpfs directory.
It keeps everything in Python dicts and does no more work per request than
a correct filesystem must, so whatever rate it reaches is the most any
llfuse daemon (ours included) can hope for on the same machine.

It uses the FUSE settings our pmxcfs uses, so the comparison is fair:

* mount options: llfuse's defaults without ``nonempty``, plus
  ``fsname=...``, ``subtype=...``, ``default_permissions`` and
  ``allow_other`` (as ``pve.cluster.mount.FuseMount``);
* one llfuse worker thread by default, like ``twistd pmxcfs``;
* entry and attribute timeouts of 1.0 s in every returned
  ``EntryAttributes`` (the libfuse high-level default Proxmox runs with);
* files are mode 0640 and directories 0755, owned by root and the
  ``www-data`` group, like ``/etc/pve``.  As in pmxcfs, chmod/chown are
  accepted but do not change the fixed modes.

Usage::

    python3 benchmarks/minimal_fuse.py MOUNTPOINT [--workers N]

It unmounts cleanly on SIGTERM, SIGINT and SIGHUP.
"""

import argparse
import errno
import grp
import logging
import os
import stat
import sys
import time

import llfuse
from llfuse import FUSEError

ENTRY_TIMEOUT = 1.0
ATTR_TIMEOUT = 1.0
FILE_MODE = stat.S_IFREG | 0o640
DIR_MODE = stat.S_IFDIR | 0o755
BLOCK_SIZE = 4096
NAME_MAX = 255


def _www_data_gid():
    try:
        return grp.getgrnam("www-data").gr_gid
    except KeyError:
        return 0


class Node:
    """One inode.  ``children`` is a dict (name -> inode) for directories,
    ``data`` a bytearray for files."""

    __slots__ = ("ino", "mode", "nlink", "parent", "children", "data",
                 "atime_ns", "mtime_ns", "ctime_ns", "lookups", "opens")

    def __init__(self, ino, mode, parent):
        self.ino = ino
        self.mode = mode
        self.parent = parent
        now = time.time_ns()
        self.atime_ns = self.mtime_ns = self.ctime_ns = now
        self.lookups = 0
        self.opens = 0
        if stat.S_ISDIR(mode):
            self.nlink = 2
            self.children = {}
            self.data = None
        else:
            self.nlink = 1
            self.children = None
            self.data = bytearray()


class MinimalFS(llfuse.Operations):
    """Everything in dicts; llfuse's global lock serialises the handlers."""

    def __init__(self, uid=0, gid=None):
        super().__init__()
        self.uid = uid
        self.gid = _www_data_gid() if gid is None else gid
        self.nodes = {}
        self.next_ino = llfuse.ROOT_INODE + 1
        self.dir_handles = {}
        self.next_dh = 1
        root = Node(llfuse.ROOT_INODE, DIR_MODE, llfuse.ROOT_INODE)
        root.lookups = 1  # the kernel always knows the root
        self.nodes[root.ino] = root

    # -- helpers -----------------------------------------------------------

    def _node(self, ino):
        try:
            return self.nodes[ino]
        except KeyError:
            raise FUSEError(errno.ENOENT)

    def _dir(self, ino):
        node = self._node(ino)
        if node.children is None:
            raise FUSEError(errno.ENOTDIR)
        return node

    def _attr(self, node):
        attr = llfuse.EntryAttributes()
        attr.st_ino = node.ino
        attr.generation = 0
        attr.entry_timeout = ENTRY_TIMEOUT
        attr.attr_timeout = ATTR_TIMEOUT
        attr.st_mode = node.mode
        attr.st_nlink = node.nlink
        attr.st_uid = self.uid
        attr.st_gid = self.gid
        attr.st_rdev = 0
        size = len(node.data) if node.data is not None else BLOCK_SIZE
        attr.st_size = size
        attr.st_blksize = BLOCK_SIZE
        attr.st_blocks = (size + 511) // 512
        attr.st_atime_ns = node.atime_ns
        attr.st_mtime_ns = node.mtime_ns
        attr.st_ctime_ns = node.ctime_ns
        return attr

    def _new_node(self, parent, name, mode):
        if len(name) > NAME_MAX:
            raise FUSEError(errno.ENAMETOOLONG)
        if name in parent.children:
            raise FUSEError(errno.EEXIST)
        ino = self.next_ino
        self.next_ino += 1
        node = Node(ino, mode, parent.ino)
        node.lookups = 1
        self.nodes[ino] = node
        parent.children[name] = ino
        if node.children is not None:
            parent.nlink += 1
        parent.mtime_ns = parent.ctime_ns = node.ctime_ns
        return node

    def _maybe_free(self, node):
        if node.nlink == 0 and node.lookups <= 0 and node.opens <= 0:
            self.nodes.pop(node.ino, None)

    def _detach(self, parent, name, node):
        """Remove directory entry *name* (pointing at *node*) from *parent*."""
        del parent.children[name]
        now = time.time_ns()
        parent.mtime_ns = parent.ctime_ns = now
        node.ctime_ns = now
        if node.children is not None:
            parent.nlink -= 1
            node.nlink = 0
        else:
            node.nlink -= 1
        self._maybe_free(node)

    # -- lookups and attributes ---------------------------------------------

    def lookup(self, parent_inode, name, ctx):
        parent = self._dir(parent_inode)
        if name == b".":
            return self._attr(parent)
        if name == b"..":
            return self._attr(self.nodes.get(parent.parent, parent))
        ino = parent.children.get(name)
        if ino is None:
            raise FUSEError(errno.ENOENT)
        node = self.nodes[ino]
        node.lookups += 1
        return self._attr(node)

    def forget(self, inode_list):
        for ino, nlookup in inode_list:
            node = self.nodes.get(ino)
            if node is None or ino == llfuse.ROOT_INODE:
                continue
            node.lookups -= nlookup
            self._maybe_free(node)

    def getattr(self, inode, ctx):
        return self._attr(self._node(inode))

    def setattr(self, inode, attr, fields, fh, ctx):
        node = self._node(inode)
        now = time.time_ns()
        if fields.update_size:
            if node.data is None:
                raise FUSEError(errno.EISDIR)
            size = attr.st_size
            if size < len(node.data):
                del node.data[size:]
            elif size > len(node.data):
                node.data.extend(bytes(size - len(node.data)))
            node.mtime_ns = now
        if fields.update_atime:
            node.atime_ns = attr.st_atime_ns
        if fields.update_mtime:
            node.mtime_ns = attr.st_mtime_ns
        # update_mode / update_uid / update_gid: fixed, as in pmxcfs.
        node.ctime_ns = now
        return self._attr(node)

    def access(self, inode, mode, ctx):
        return True

    def statfs(self, ctx):
        st = llfuse.StatvfsData()
        used = sum(len(n.data) for n in self.nodes.values()
                   if n.data is not None)
        st.f_bsize = BLOCK_SIZE
        st.f_frsize = BLOCK_SIZE
        st.f_blocks = 1 << 20
        st.f_bfree = st.f_bavail = max(0, st.f_blocks - used // BLOCK_SIZE)
        st.f_files = 1 << 20
        st.f_ffree = st.f_favail = max(0, st.f_files - len(self.nodes))
        st.f_namemax = NAME_MAX
        return st

    # -- directories --------------------------------------------------------

    def opendir(self, inode, ctx):
        node = self._dir(inode)
        # Snapshot the entries, so offsets stay valid while others change it.
        entries = [(b".", node.ino), (b"..", node.parent)]
        entries.extend(node.children.items())
        dh = self.next_dh
        self.next_dh += 1
        self.dir_handles[dh] = entries
        return dh

    def readdir(self, fh, off):
        entries = self.dir_handles[fh]
        nodes = self.nodes
        for i in range(off, len(entries)):
            name, ino = entries[i]
            node = nodes.get(ino)
            if node is None:  # removed since opendir
                continue
            yield name, self._attr(node), i + 1

    def releasedir(self, fh):
        self.dir_handles.pop(fh, None)

    def fsyncdir(self, fh, datasync):
        pass

    def mkdir(self, parent_inode, name, mode, ctx):
        parent = self._dir(parent_inode)
        return self._attr(self._new_node(parent, name, DIR_MODE))

    def rmdir(self, parent_inode, name, ctx):
        parent = self._dir(parent_inode)
        ino = parent.children.get(name)
        if ino is None:
            raise FUSEError(errno.ENOENT)
        node = self.nodes[ino]
        if node.children is None:
            raise FUSEError(errno.ENOTDIR)
        if node.children:
            raise FUSEError(errno.ENOTEMPTY)
        self._detach(parent, name, node)

    def unlink(self, parent_inode, name, ctx):
        parent = self._dir(parent_inode)
        ino = parent.children.get(name)
        if ino is None:
            raise FUSEError(errno.ENOENT)
        node = self.nodes[ino]
        if node.children is not None:
            raise FUSEError(errno.EISDIR)
        self._detach(parent, name, node)

    def rename(self, parent_inode_old, name_old, parent_inode_new, name_new,
               ctx):
        old_parent = self._dir(parent_inode_old)
        new_parent = self._dir(parent_inode_new)
        ino = old_parent.children.get(name_old)
        if ino is None:
            raise FUSEError(errno.ENOENT)
        if len(name_new) > NAME_MAX:
            raise FUSEError(errno.ENAMETOOLONG)
        node = self.nodes[ino]
        is_dir = node.children is not None
        if is_dir:
            # Refuse to move a directory below itself.
            p = new_parent.ino
            while True:
                if p == ino:
                    raise FUSEError(errno.EINVAL)
                if p == llfuse.ROOT_INODE:
                    break
                p = self.nodes[p].parent
        target_ino = new_parent.children.get(name_new)
        if target_ino == ino:
            return
        if target_ino is not None:
            target = self.nodes[target_ino]
            if target.children is not None:
                if not is_dir:
                    raise FUSEError(errno.EISDIR)
                if target.children:
                    raise FUSEError(errno.ENOTEMPTY)
            elif is_dir:
                raise FUSEError(errno.ENOTDIR)
            self._detach(new_parent, name_new, target)
        del old_parent.children[name_old]
        new_parent.children[name_new] = ino
        now = time.time_ns()
        old_parent.mtime_ns = old_parent.ctime_ns = now
        new_parent.mtime_ns = new_parent.ctime_ns = now
        node.ctime_ns = now
        if is_dir:
            node.parent = new_parent.ino
            if old_parent is not new_parent:
                old_parent.nlink -= 1
                new_parent.nlink += 1

    # -- files --------------------------------------------------------------

    def open(self, inode, flags, ctx):
        node = self._node(inode)
        if node.data is None:
            raise FUSEError(errno.EISDIR)
        node.opens += 1
        return inode

    def create(self, parent_inode, name, mode, flags, ctx):
        parent = self._dir(parent_inode)
        node = self._new_node(parent, name, FILE_MODE)
        node.opens += 1
        return node.ino, self._attr(node)

    def read(self, fh, off, size):
        node = self.nodes[fh]
        return bytes(node.data[off:off + size])

    def write(self, fh, off, buf):
        node = self.nodes[fh]
        data = node.data
        if off > len(data):
            data.extend(bytes(off - len(data)))
        data[off:off + len(buf)] = buf
        node.mtime_ns = node.ctime_ns = time.time_ns()
        return len(buf)

    def flush(self, fh):
        pass

    def fsync(self, fh, datasync):
        pass

    def release(self, fh):
        node = self.nodes.get(fh)
        if node is not None:
            node.opens -= 1
            self._maybe_free(node)


def mount_options(fsname):
    options = set(llfuse.default_options)
    options.discard("nonempty")
    options.update({"fsname=%s" % fsname, "subtype=minimal_fuse",
                    "default_permissions", "allow_other"})
    return options


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("mountpoint")
    parser.add_argument("--workers", type=int, default=1,
                        help="llfuse worker threads, 0 for llfuse's choice "
                             "(default %(default)s, as twistd pmxcfs)")
    parser.add_argument("--fsname", default="minimal_fuse")
    parser.add_argument("--debug", action="store_true",
                        help="log FUSE requests (llfuse debug output)")
    args = parser.parse_args(argv)

    logging.basicConfig(level=logging.DEBUG if args.debug else logging.INFO,
                        format="minimal_fuse: %(message)s")
    options = mount_options(args.fsname)
    if args.debug:
        options.add("debug")
    llfuse.init(MinimalFS(), args.mountpoint, options)
    try:
        # returns on SIGTERM/SIGINT/SIGHUP; workers 0: llfuse chooses
        llfuse.main(workers=args.workers or None)
    finally:
        llfuse.close(unmount=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
