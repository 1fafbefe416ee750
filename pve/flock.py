"""Local lock files as ``PVE::Tools::lock_file`` takes them: ``flock`` on a
file under ``/var/lock``, waiting at most a timeout, polling (blocking code:
run it in a thread from the reactor)."""

import errno
import fcntl
import os
import time

POLL = 0.05


class LockError(Exception):
    """The lock could not be taken; Proxmox's message."""


def lock_file(path, timeout, shared=False, error=LockError,
              monotonic=time.monotonic, sleep=time.sleep):
    """Open (creating it and its directory) and flock *path*, exclusively or
    *shared*, waiting at most *timeout* seconds; returns the descriptor.
    Failures raise *error* with Proxmox's "can't lock file" message."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
    mode = (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB
    deadline = monotonic() + timeout
    while True:
        try:
            fcntl.flock(fd, mode)
            return fd
        except OSError as e:
            if e.errno not in (errno.EAGAIN, errno.EACCES):
                os.close(fd)
                raise error("can't lock file '%s' - %s" % (path, e.strerror))
        if monotonic() >= deadline:
            os.close(fd)
            raise error("can't lock file '%s' - got timeout" % (path,))
        sleep(POLL)


def unlock(fd):
    """Release and close a descriptor :func:`lock_file` gave."""
    try:
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
