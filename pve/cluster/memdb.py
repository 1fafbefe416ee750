"""The configuration tree held in memory: pmxcfs's pure core.

A :class:`MemDB` holds every entry of the database and applies Proxmox's
rules to each change: limits, names, VMID uniqueness, lock directories.  It
does no I/O and reads no clock: the caller passes ``mtime`` and persists the
:class:`Change` each operation returns (see ``pve.cluster.store``).

Every change bumps the global version; a new entry's inode is the version
that created it, as in Proxmox's ``memdb.c``.  An operation that fails raises
``OSError`` with Proxmox's errno before it touches anything.
"""

import errno
import os
import re

DT_DIR = 4
DT_REG = 8

MAX_FILE_SIZE = 1024 * 1024
MAX_FS_SIZE = 128 * 1024 * 1024
MAX_INODES = 256 * 1024
BLOCKSIZE = 4096

VERSION_NAME = "__version__"
VM_TYPES = {"qemu-server": "qemu", "lxc": "lxc", "openvz": "openvz"}

_VM_CONFIG = re.compile(r"^nodes/([^/]+)/(qemu-server|lxc|openvz)/([1-9][0-9]*)\.conf$")


def fail(code, path=None):
    """Raise ``OSError`` for *code*, as the filesystem would."""
    if path is None:
        raise OSError(code, os.strerror(code))
    raise OSError(code, os.strerror(code), path)


def split_path(path):
    """``'a/b/c'`` -> ``('a/b', 'c')``; the root is ``''``."""
    path = path.strip("/")
    if "/" in path:
        return tuple(path.rsplit("/", 1))
    return "", path


def normpath(path):
    if path[:1] == "/" or path[-1:] == "/" or "//" in path:
        return "/".join(p for p in path.split("/") if p)
    return path


def vm_config(path):
    """``(node, type, vmid)`` if *path* is a guest config, else ``None``."""
    if not path.endswith(".conf"):
        return None
    m = _VM_CONFIG.match(path)
    if m is None:
        return None
    vmid = int(m.group(3))
    if vmid > 0xFFFFFFFF:
        return None
    return m.group(1), VM_TYPES[m.group(2)], vmid


def is_private(path):
    """True for ``priv`` and ``nodes/<node>/priv`` and what is under them."""
    parts = path.split("/")
    return parts[0] == "priv" or (
        len(parts) >= 3 and parts[0] == "nodes" and parts[2] == "priv"
    )


def is_lock_dir(path):
    head, name = split_path(path)
    return head == "priv/lock" and name != ""


def _check_name(name):
    if name in ("", ".", ".."):
        fail(errno.EACCES)


class Entry:
    """One row of the ``tree`` table."""

    __slots__ = ("inode", "parent", "version", "writer", "mtime", "type",
                 "name", "data", "children", "private")

    def __init__(self, inode, parent, version, writer, mtime, type, name,
                 data=None):
        self.inode = inode
        self.parent = parent
        self.version = version
        self.writer = writer
        self.mtime = mtime
        self.type = type
        self.name = name
        self.private = False     # under priv/ or nodes/*/priv/: set by MemDB
        if type == DT_DIR:
            self.data = None
            self.children = {}
        else:
            self.data = bytes(data or b"")
            self.children = None

    @property
    def is_dir(self):
        return self.type == DT_DIR

    @property
    def size(self):
        return 0 if self.data is None else len(self.data)

    def row(self):
        """The entry as a ``tree`` row tuple."""
        data = self.data if self.type == DT_REG else None
        return (self.inode, self.parent, self.version, self.writer,
                self.mtime, self.type, self.name, data)

    def __repr__(self):
        return "<Entry %d %r v%d>" % (self.inode, self.name, self.version)


class Change:
    """What one operation changed: rows to write and an inode to delete.

    ``paths`` names the paths the change touched, for watchers.
    """

    __slots__ = ("version", "writer", "mtime", "rows", "delete", "paths")

    def __init__(self, version, writer, mtime, rows=(), delete=None,
                 paths=()):
        self.version = version
        self.writer = writer
        self.mtime = mtime
        self.rows = list(rows)
        self.delete = delete
        self.paths = tuple(paths)

    def version_row(self):
        return (0, 0, self.version, self.writer, self.mtime, DT_REG,
                VERSION_NAME, None)


class CorruptDatabase(Exception):
    """The rows do not form a tree; the message says which row."""


class MemDB:
    """The whole tree in RAM, with Proxmox's rules."""

    def __init__(self):
        self.root = Entry(0, 0, 0, 0, 0, DT_DIR, "")
        self.index = {0: self.root}
        self.total_size = 0
        # vmid -> [node, type, version]
        self.vmlist = {}
        self.vmlist_version = 0
        self._vminfo_counter = 0

    # -- loading -----------------------------------------------------------

    @classmethod
    def from_rows(cls, rows):
        """Build the tree from ``tree`` rows; raise CorruptDatabase."""
        db = cls()
        pending = []
        for row in rows:
            inode, parent, version, writer, mtime, type_, name, data = row
            if inode == 0:
                if name != VERSION_NAME:
                    raise CorruptDatabase(
                        "root inode has unexpected name %r" % (name,))
                db.root.version = version
                db.root.writer = writer
                db.root.mtime = mtime
                continue
            if type_ not in (DT_DIR, DT_REG):
                raise CorruptDatabase(
                    "inode %d (%r) has unknown type %r" % (inode, name, type_))
            if not name or "/" in name:
                raise CorruptDatabase(
                    "inode %d has invalid name %r" % (inode, name))
            if isinstance(data, str):
                data = data.encode("utf-8")
            entry = Entry(inode, parent, version, writer, mtime, type_, name,
                          data)
            db.index[inode] = entry
            pending.append(entry)
        for entry in pending:
            parent = db.index.get(entry.parent)
            if parent is None:
                raise CorruptDatabase(
                    "inode %d (%r) has missing parent %d"
                    % (entry.inode, entry.name, entry.parent))
            if not parent.is_dir:
                raise CorruptDatabase(
                    "inode %d (%r) has parent %d which is not a directory"
                    % (entry.inode, entry.name, entry.parent))
            if entry.name in parent.children:
                other = parent.children[entry.name]
                raise CorruptDatabase(
                    "duplicate entry %r in directory %d (inodes %d and %d)"
                    % (entry.name, parent.inode, other.inode, entry.inode))
            parent.children[entry.name] = entry
            db.total_size += entry.size
        # every entry must reach the root
        for entry in pending:
            seen = set()
            node = entry
            while node.inode != 0:
                if node.inode in seen:
                    raise CorruptDatabase(
                        "inode %d (%r) is part of a cycle"
                        % (entry.inode, entry.name))
                seen.add(node.inode)
                node = db.index[node.parent]
        todo = [db.root]
        while todo:
            parent = todo.pop()
            for child in parent.children.values():
                child.private = db._private_child(parent, child.name)
                if child.is_dir:
                    todo.append(child)
        db._rebuild_vmlist()
        return db

    def _rebuild_vmlist(self):
        self.vmlist = {}
        nodes = self.root.children.get("nodes")
        if nodes is None or not nodes.is_dir:
            return
        for node in sorted(nodes.children.values(), key=lambda e: e.inode):
            if not node.is_dir:
                continue
            for dirname, vmtype in VM_TYPES.items():
                sub = node.children.get(dirname)
                if sub is None or not sub.is_dir:
                    continue
                for name in sub.children:
                    info = vm_config("nodes/%s/%s/%s"
                                     % (node.name, dirname, name))
                    if info and info[2] not in self.vmlist:
                        self._register_vm(*info)

    def rows(self):
        """Every row, root first, for a full dump."""
        yield (0, 0, self.root.version, self.root.writer, self.root.mtime,
               DT_REG, VERSION_NAME, None)
        for inode, entry in sorted(self.index.items()):
            if inode:
                yield entry.row()

    # -- lookups -----------------------------------------------------------

    @property
    def version(self):
        return self.root.version

    def lookup(self, path):
        entry = self.root
        for part in path.split("/"):
            if not part:
                continue
            if not entry.is_dir:
                return None
            entry = entry.children.get(part)
            if entry is None:
                return None
        return entry

    def get(self, path):
        """The entry at *path*; ENOENT if there is none."""
        entry = self.lookup(path)
        if entry is None:
            fail(errno.ENOENT)
        return entry

    def path_of(self, entry):
        parts = []
        while entry.inode != 0:
            parts.append(entry.name)
            entry = self.index[entry.parent]
        return "/".join(reversed(parts))

    def _private_child(self, parent, name):
        """Whether *name* in *parent* is private (see :func:`is_private`)."""
        if parent.private:
            return True
        if name != "priv":
            return False
        if parent.inode == 0:
            return True
        grand = self.index.get(parent.parent)
        return grand is not None and grand.name == "nodes" and \
            grand.parent == 0 and grand.inode != 0

    def _mark_private(self, entry):
        entry.private = self._private_child(self.index[entry.parent],
                                            entry.name)

    def _dir(self, dirname):
        parent = self.lookup(dirname)
        if parent is None:
            fail(errno.ENOENT)
        if not parent.is_dir:
            fail(errno.ENOTDIR)
        return parent

    def _bump(self, writer, mtime):
        self.root.version += 1
        self.root.writer = writer
        self.root.mtime = mtime
        return self.root.version

    def _check_inodes(self):
        if len(self.index) >= MAX_INODES:
            fail(errno.ENOSPC)

    # -- VM list -----------------------------------------------------------

    def _register_vm(self, node, vmtype, vmid):
        self._vminfo_counter += 1
        self.vmlist[vmid] = [node, vmtype, self._vminfo_counter]
        self.vmlist_version += 1

    def _delete_vm(self, vmid):
        if self.vmlist.pop(vmid, None) is not None:
            self.vmlist_version += 1

    def _other_vm_exists(self, node, vmtype, vmid):
        info = self.vmlist.get(vmid)
        return info is not None and (info[0], info[1]) != (node, vmtype)

    # -- changes -----------------------------------------------------------

    def mkdir(self, path, writer, mtime):
        dirname, name = split_path(path)
        parent = self._dir(dirname)
        _check_name(name)
        if name in parent.children:
            fail(errno.EEXIST)
        self._check_inodes()
        version = self._bump(writer, mtime)
        entry = Entry(version, parent.inode, version, writer, mtime, DT_DIR,
                      name)
        entry.private = self._private_child(parent, name)
        parent.children[name] = entry
        self.index[entry.inode] = entry
        return Change(version, writer, mtime, [entry.row()], paths=[path])

    def write(self, path, data, offset, writer, mtime, truncate=False,
              create=False):
        """Proxmox's ``memdb_pwrite``: write *data* at *offset*.

        With *create* the file must not exist; without it, it must.
        *truncate* cuts the file at the end of what is written.
        """
        count = len(data)
        if offset < 0:
            fail(errno.EINVAL)
        if offset + count > MAX_FILE_SIZE:
            fail(errno.EFBIG)
        dirname, name = split_path(path)
        parent = self._dir(dirname)
        _check_name(name)
        vm = vm_config(normpath(path))
        if vm and self._other_vm_exists(*vm):
            fail(errno.EEXIST)
        entry = parent.children.get(name)
        if entry is not None:
            if entry.is_dir:
                fail(errno.EISDIR)
            if create:
                fail(errno.EEXIST)
            old = entry.data
        else:
            if not create:
                fail(errno.ENOENT)
            self._check_inodes()
            old = b""
        end = offset + count
        if end >= len(old):
            new = old[:offset].ljust(offset, b"\0") + bytes(data)
        elif truncate:
            new = old[:offset] + bytes(data)
        else:
            new = old[:offset] + bytes(data) + old[end:]
        delta = len(new) - len(old)
        if delta > 0 and self.total_size + delta > MAX_FS_SIZE:
            fail(errno.ENOSPC)

        version = self._bump(writer, mtime)
        if entry is None:
            entry = Entry(version, parent.inode, version, writer, mtime,
                          DT_REG, name)
            entry.private = self._private_child(parent, name)
            parent.children[name] = entry
            self.index[entry.inode] = entry
        entry.version = version
        entry.writer = writer
        entry.mtime = mtime
        entry.data = new
        self.total_size += delta
        if vm and self.vmlist.get(vm[2], [None])[0:2] != [vm[0], vm[1]]:
            self._register_vm(*vm)
        return Change(version, writer, mtime, [entry.row()], paths=[path])

    def create(self, path, writer, mtime):
        return self.write(path, b"", 0, writer, mtime, create=True)

    def truncate(self, path, size, writer, mtime):
        entry = self.get(path)
        if entry.is_dir:
            fail(errno.EISDIR)
        if size > MAX_FILE_SIZE:
            fail(errno.EFBIG)
        if size >= entry.size:
            return self.write(path, b"\0" * (size - entry.size), entry.size,
                              writer, mtime)
        return self.write(path, b"", size, writer, mtime, truncate=True)

    def _unlink(self, parent, entry):
        if entry.is_dir and entry.children:
            fail(errno.ENOTEMPTY)
        del parent.children[entry.name]
        del self.index[entry.inode]
        self.total_size -= entry.size

    def delete(self, path, writer, mtime):
        path = normpath(path)
        entry = self.get(path)
        if entry.inode == 0:
            fail(errno.EACCES)
        parent = self.index[entry.parent]
        self._unlink(parent, entry)
        version = self._bump(writer, mtime)
        vm = vm_config(path)
        if vm and entry.type == DT_REG:
            info = self.vmlist.get(vm[2])
            if info and (info[0], info[1]) == (vm[0], vm[1]):
                self._delete_vm(vm[2])
        return Change(version, writer, mtime, delete=entry.inode,
                      paths=[path])

    def rename(self, src, dst, writer, mtime):
        src, dst = normpath(src), normpath(dst)
        entry = self.get(src)
        if entry.inode == 0:
            fail(errno.EACCES)
        if entry.is_dir and is_lock_dir(src):
            fail(errno.EACCES)
        if src == dst:
            return None
        if dst.startswith(src + "/"):
            fail(errno.EINVAL)
        src_vm = vm_config(src)
        dst_vm = vm_config(dst) if not entry.is_dir else None
        if dst_vm and self._other_vm_exists(*dst_vm):
            if not (src_vm and src_vm[2] == dst_vm[2]):
                fail(errno.EEXIST)
        dirname, name = split_path(dst)
        target = self._dir(dirname)
        _check_name(name)
        if entry.is_dir and entry.children:
            fail(errno.ENOTEMPTY)
        old = target.children.get(name)
        if old is not None:
            if old.is_dir and not entry.is_dir:
                fail(errno.EISDIR)
            if entry.is_dir and not old.is_dir:
                fail(errno.ENOTDIR)
            if old.is_dir and old.children:
                fail(errno.ENOTEMPTY)
            self._unlink(target, old)
        source_parent = self.index[entry.parent]
        del source_parent.children[entry.name]
        version = self._bump(writer, mtime)
        entry.name = name
        entry.parent = target.inode
        entry.private = self._private_child(target, name)
        entry.version = version
        entry.writer = writer
        entry.mtime = mtime
        target.children[name] = entry
        if entry.type == DT_REG:
            if src_vm:
                info = self.vmlist.get(src_vm[2])
                if info and (info[0], info[1]) == (src_vm[0], src_vm[1]):
                    self._delete_vm(src_vm[2])
            if old is not None:
                old_vm = vm_config(dst)
                if old_vm:
                    self._delete_vm(old_vm[2])
            if dst_vm:
                self._register_vm(*dst_vm)
        return Change(version, writer, mtime, [entry.row()],
                      delete=old.inode if old is not None else None,
                      paths=[src, dst])

    def set_mtime(self, path, writer, mtime):
        """``utime``; a lock directory only moves forward, by its writer."""
        path = normpath(path)
        entry = self.get(path)
        if entry.inode == 0:
            fail(errno.EACCES)
        if entry.is_dir and is_lock_dir(path):
            if mtime < entry.mtime or entry.writer != writer:
                fail(errno.EACCES)
        version = self._bump(writer, mtime)
        entry.version = version
        entry.writer = writer
        entry.mtime = mtime
        return Change(version, writer, mtime, [entry.row()], paths=[path])
