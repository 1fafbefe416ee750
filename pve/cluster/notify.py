"""Synchronous kernel cache invalidation for a FUSE mount.

llfuse's ``invalidate_entry``/``invalidate_inode`` are queued to a thread,
so a caller cannot know when the kernel has dropped its cached view.  A
change made through IPC must be visible through the mount as soon as the
caller is told it succeeded, so we write the notification to the
``/dev/fuse`` descriptor ourselves: the kernel handles it inside ``write``.

Never call these while holding a lock a FUSE handler may wait for (the
kernel may need a directory lock held by a request in flight).
"""

import errno
import os
import queue
import struct
import threading

from twisted.internet import defer

FUSE_NOTIFY_INVAL_INODE = 2
FUSE_NOTIFY_INVAL_ENTRY = 3

_HEADER = struct.Struct("=IiQ")          # len, error (notify code), unique
_INVAL_INODE = struct.Struct("=Qqq")     # ino, off, len
_INVAL_ENTRY = struct.Struct("=QII")     # parent, namelen, flags


def fuse_fds():
    """The descriptors of this process open on ``/dev/fuse``."""
    found = set()
    for name in os.listdir("/proc/self/fd"):
        try:
            if os.readlink("/proc/self/fd/" + name) == "/dev/fuse":
                found.add(int(name))
        except OSError:
            pass
    return found


class KernelCache:
    """Invalidation messages on one FUSE device descriptor."""

    def __init__(self, fd):
        self.fd = fd

    def _send(self, code, body):
        msg = _HEADER.pack(_HEADER.size + len(body), code, 0) + body
        try:
            os.write(self.fd, msg)
        except OSError as e:
            # ENOENT: the kernel does not know that inode or name;
            # ENOTCONN/EBADF: the mount is gone
            if e.errno not in (errno.ENOENT, errno.ENOTCONN, errno.EBADF,
                               errno.ENODEV):
                raise

    def inval_entry(self, parent, name):
        body = _INVAL_ENTRY.pack(parent, len(name), 0) + name + b"\0"
        self._send(FUSE_NOTIFY_INVAL_ENTRY, body)

    def inval_inode(self, ino):
        self._send(FUSE_NOTIFY_INVAL_INODE, _INVAL_INODE.pack(ino, 0, 0))


class InvalidationThread:
    """Runs invalidations in a thread of their own, in order.

    In a cluster, changes are applied in the reactor thread while a FUSE
    request may be waiting for the reactor with a directory lock held; an
    invalidation made there would wait for that lock: a deadlock.  Queued
    here, it waits without blocking anyone; :meth:`settled` tells when all
    that was queued so far is done (a writer through IPC is answered then,
    so the mount shows its change)."""

    def __init__(self, reactor):
        self.reactor = reactor
        self._queue = queue.Queue()
        self._thread = threading.Thread(target=self._run,
                                        name="fuse-invalidate", daemon=True)
        self._thread.start()

    def put(self, action):
        self._queue.put(action)

    def settled(self):
        d = defer.Deferred()
        self._queue.put(lambda: self.reactor.callFromThread(d.callback, None))
        return d

    def _run(self):
        while True:
            action = self._queue.get()
            if action is None:
                return
            try:
                action()
            except Exception:
                pass

    def stop(self):
        self._queue.put(None)
        self._thread.join(10)
