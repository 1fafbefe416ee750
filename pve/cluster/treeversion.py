"""The tree's version in shared memory, so a cache asks pmxcfs only when
something changed.

pmxcfs keeps ``run/pve-cluster/pmxcfs.version`` (24 bytes, mapped into
memory): a number drawn at each start, the tree version, which every
change bumps, and the membership version (Proxmox's ``clinfo`` version).
pmxcfs writes them under its lock before a change is answered (to FUSE or
IPC), so a reader that sees the same triple as at its last ``versions``
call knows no file changed since, without a round trip (and the same for
the VM list, a function of the tree, and the members).
A stop writes 0 as the start number: readers then ask pmxcfs again every
time, as they do while the file is missing.  A reader maps the file
again when it was replaced (another inode): it looks at most every
:data:`RECHECK` seconds while the file says pmxcfs runs, at every read
otherwise.

A torn read (a writer is halfway) yields the old value (the change is not
answered yet), the new one, or one that matches nothing, which only costs
a round trip.
"""

import mmap
import os
import secrets
import struct
import time

LAYOUT = struct.Struct("=QQQ")
RECHECK = 1.0
_U64 = struct.Struct("=Q")


class Publisher:
    """pmxcfs's side: :meth:`publish` the tree version after each change,
    :meth:`publish_members` the membership version after each of its
    changes."""

    def __init__(self, path, version, members=1):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            os.fchmod(fd, 0o644)
            os.ftruncate(fd, LAYOUT.size)
            self._map = mmap.mmap(fd, LAYOUT.size, mmap.MAP_SHARED)
        finally:
            os.close(fd)
        self.instance = secrets.randbits(64) or 1
        LAYOUT.pack_into(self._map, 0, self.instance, version, members)

    # each an aligned 8-byte store
    def publish(self, version):
        _U64.pack_into(self._map, 8, version)

    def publish_members(self, version):
        _U64.pack_into(self._map, 16, version)

    def close(self):
        if self._map is not None:
            LAYOUT.pack_into(self._map, 0, 0, 0, 0)
            self._map.close()
            self._map = None


def publish(cfs, path):
    """Publish the version of *cfs* (a :class:`~pve.cluster.cfs.ConfigFS`)
    at *path* after each change; returns the function that stops it."""
    publisher = Publisher(path, cfs.version(), cfs.status.clinfo_version)
    def changed(paths, version, origin):
        publisher.publish(version)
        publisher.publish_members(cfs.status.clinfo_version)
    unsubscribe = cfs.subscribe(changed)

    def stop():
        unsubscribe()
        publisher.close()
    return stop


class Reader:
    """A daemon's side: :meth:`read` gives the current ``(instance, tree
    version, members version)``, or None when it cannot be trusted (no
    file, pmxcfs stopped)."""

    def __init__(self, path, clock=time.monotonic):
        self.path = path
        self.clock = clock
        self._map = None
        self._inode = None
        self._checked = None    # when the inode was last compared

    def _open(self, st):
        self.close()
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._map = mmap.mmap(fd, LAYOUT.size, mmap.MAP_SHARED,
                                  mmap.PROT_READ)
        finally:
            os.close(fd)
        self._inode = (st.st_dev, st.st_ino)

    def read(self):
        if self._map is not None:
            value = LAYOUT.unpack_from(self._map, 0)
            if value[0] and self.clock() - self._checked < RECHECK:
                return value
        try:
            st = os.stat(self.path)
            if self._map is None or (st.st_dev, st.st_ino) != self._inode:
                if st.st_size < LAYOUT.size:
                    return None
                self._open(st)
        except (OSError, ValueError):
            self.close()
            return None
        self._checked = self.clock()
        value = LAYOUT.unpack_from(self._map, 0)
        return value if value[0] else None

    def close(self):
        if self._map is not None:
            self._map.close()
            self._map = None
            self._inode = None
