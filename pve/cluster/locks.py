"""Expiry of ``priv/lock`` directories, as Proxmox's pmxcfs keeps it.

A lock is a directory ``priv/lock/<name>``.  pmxcfs remembers when it first
saw each lock in its current state (a checksum of the entry); asking to
release it (``utime`` with mtime 0) succeeds only once that state is older
than :data:`LOCK_TIMEOUT` seconds.  A refresh by the holder changes the state
and so restarts the clock.  Pure: the time is passed in.
"""

import hashlib

LOCK_TIMEOUT = 120


def entry_checksum(entry):
    h = hashlib.sha256()
    h.update(repr((entry.inode, entry.version, entry.writer, entry.mtime,
                   entry.type, entry.name)).encode())
    return h.digest()


class LockTable:
    def __init__(self):
        # path -> (checksum, time first seen)
        self._locks = {}

    def seen(self, path, csum, now):
        """Record that *path* is in state *csum*, restarting on a change."""
        old = self._locks.get(path)
        if old is None or old[0] != csum:
            self._locks[path] = (csum, now)

    def expired(self, path, csum, now):
        """True when *path* has kept state *csum* for over LOCK_TIMEOUT."""
        old = self._locks.get(path)
        if old is None or old[0] != csum:
            self._locks[path] = (csum, now)
            return False
        return now > old[1] and now - old[1] > LOCK_TIMEOUT

    def forget(self, path):
        self._locks.pop(path, None)

    def reset(self, items, now):
        """Start over from *items*, ``(path, csum)`` pairs; keep known ages."""
        old = self._locks
        self._locks = {}
        for path, csum in items:
            prev = old.get(path)
            if prev is not None and prev[0] == csum:
                self._locks[path] = prev
            else:
                self._locks[path] = (csum, now)
