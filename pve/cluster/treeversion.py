"""The tree's version in shared memory, so a cache asks pmxcfs only when
something changed.

pmxcfs keeps ``run/pve-cluster/pmxcfs.version`` (16 bytes, mapped into
memory): a number drawn at each start, then the tree version, which every
change bumps.  pmxcfs writes it under its lock before the change is
answered (to FUSE or IPC), so a reader that sees the same pair as at its
last ``versions`` call knows no file changed since, without a round trip.
A stop writes 0 as the start number: readers then ask pmxcfs again every
time, as they do while the file is missing.  A reader whose file was
replaced (another inode) maps the new one.

A torn read (a writer is halfway) yields the old pair (the change is not
answered yet), the new one, or a pair that matches nothing, which only
costs a round trip.
"""

import mmap
import os
import secrets
import struct

PAIR = struct.Struct("=QQ")


class Publisher:
    """pmxcfs's side: :meth:`publish` the version after each change."""

    def __init__(self, path, version):
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            os.fchmod(fd, 0o644)
            os.ftruncate(fd, PAIR.size)
            self._map = mmap.mmap(fd, PAIR.size, mmap.MAP_SHARED)
        finally:
            os.close(fd)
        self.instance = secrets.randbits(64) or 1
        PAIR.pack_into(self._map, 0, self.instance, version)

    def publish(self, version):
        # the version alone: one aligned 8-byte store
        self._map[8:16] = struct.pack("=Q", version)

    def close(self):
        if self._map is not None:
            PAIR.pack_into(self._map, 0, 0, 0)
            self._map.close()
            self._map = None


def publish(cfs, path):
    """Publish the version of *cfs* (a :class:`~pve.cluster.cfs.ConfigFS`)
    at *path* after each change; returns the function that stops it."""
    publisher = Publisher(path, cfs.version())
    unsubscribe = cfs.subscribe(
        lambda paths, version, origin: publisher.publish(version))

    def stop():
        unsubscribe()
        publisher.close()
    return stop


class Reader:
    """A daemon's side: :meth:`read` gives the current pair, or None when it
    cannot be trusted (no file, pmxcfs stopped)."""

    def __init__(self, path):
        self.path = path
        self._map = None
        self._inode = None

    def _open(self, st):
        self.close()
        fd = os.open(self.path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            self._map = mmap.mmap(fd, PAIR.size, mmap.MAP_SHARED,
                                  mmap.PROT_READ)
        finally:
            os.close(fd)
        self._inode = (st.st_dev, st.st_ino)

    def read(self):
        try:
            st = os.stat(self.path)
            if self._map is None or (st.st_dev, st.st_ino) != self._inode:
                if st.st_size < PAIR.size:
                    return None
                self._open(st)
        except (OSError, ValueError):
            self.close()
            return None
        pair = PAIR.unpack_from(self._map, 0)
        return pair if pair[0] else None

    def close(self):
        if self._map is not None:
            self._map.close()
            self._map = None
            self._inode = None
