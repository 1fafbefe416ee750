"""Mounting the FUSE filesystem, and cleaning up after a crash.

:class:`FuseMount` runs llfuse's main loop in its own thread (the reactor
keeps the main thread and the signals).  Stopping unmounts; if something
holds the mount busy it is detached and its FUSE connection aborted, so a
stop never hangs and never leaves a dead mount behind.
"""

import ctypes
import ctypes.util
import errno
import os
import re
import signal
import threading

import llfuse
from twisted.logger import Logger

from pve.cluster import notify

log = Logger()

MNT_FORCE = 1
MNT_DETACH = 2

_libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)


_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(field):
    """mountinfo writes space, tab, newline and backslash as ``\\ooo``."""
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def mounts(mountinfo="/proc/self/mountinfo"):
    """``(mount point, major:minor, fs type)`` of every mount."""
    result = []
    with open(mountinfo) as f:
        for line in f:
            fields = line.split()
            sep = fields.index("-")
            result.append((_unescape(fields[4]), fields[2], fields[sep + 1]))
    return result


def mount_of(path, mountinfo="/proc/self/mountinfo"):
    """The ``(point, dev, fstype)`` mounted exactly at *path*, or None.
    Reads only mountinfo: a dead FUSE mount is never touched."""
    path = os.path.abspath(path)
    found = None
    for item in mounts(mountinfo):
        if item[0] == path:
            found = item
    return found


def umount(path, flags=0):
    if _libc.umount2(os.fsencode(path), flags) != 0:
        e = ctypes.get_errno()
        raise OSError(e, os.strerror(e), path)


def force_unmount(path):
    """Unmount *path* whatever holds it; True if something was mounted.

    ``MNT_FORCE`` makes the kernel abort a FUSE connection, so processes
    blocked on a dead or busy mount are released; ``MNT_DETACH`` removes
    the mount even while files in it are still open.
    """
    if mount_of(path) is None:
        return False
    try:
        umount(path)
    except OSError as e:
        if e.errno not in (errno.EBUSY, errno.ENOTCONN, errno.EINVAL):
            raise
        try:
            umount(path, MNT_FORCE | MNT_DETACH)
        except OSError as e2:
            if e2.errno != errno.EINVAL:
                raise
    return True


def cleanup_stale(path):
    """Remove a mount left at *path* by a process that died."""
    if mount_of(path) is None:
        return False
    log.warn("cleaning up stale mount at {path}", path=path)
    return force_unmount(path)


def _ignore_signal(signum, frame):
    pass


class FuseMount:
    """llfuse's loop over *ops* at *mountpoint*, in a thread."""

    def __init__(self, ops, mountpoint, workers=1, fsname="pmxcfs"):
        self.ops = ops
        self.mountpoint = os.path.abspath(mountpoint)
        self.workers = workers
        self.fsname = fsname
        self._thread = None

    def options(self):
        opts = set(llfuse.default_options)
        opts.discard("nonempty")
        opts.update(["fsname=" + self.fsname, "subtype=pmxcfs",
                     "allow_other", "default_permissions"])
        return opts

    def start(self):
        # llfuse wakes its workers with SIGUSR1 when the session ends; with
        # no handler installed that signal would kill the process
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGUSR1, _ignore_signal)
        cleanup_stale(self.mountpoint)
        os.makedirs(self.mountpoint, exist_ok=True)
        before = notify.fuse_fds()
        llfuse.init(self.ops, self.mountpoint, self.options())
        fds = notify.fuse_fds() - before

        if len(fds) == 1:
            self.ops.kernel = notify.KernelCache(fds.pop())
        else:
            log.warn("cannot find the FUSE descriptor; changes made through"
                     " IPC may show in the mount after a second")
        self._thread = threading.Thread(target=self._run, name="fuse",
                                        daemon=True)
        self._thread.start()
        log.info("mounted {fsname} at {path}", fsname=self.fsname,
                 path=self.mountpoint)

    def _run(self):
        try:
            llfuse.main(workers=self.workers, handle_signals=False)
        except Exception:
            log.failure("FUSE main loop failed")

    def stop(self, timeout=2.0):
        """Unmount and wait for the loop; never hang for long."""
        if self._thread is None:
            return
        try:
            umount(self.mountpoint)
        except OSError as e:
            log.warn("unmount of {path} failed ({err}); forcing it",
                     path=self.mountpoint, err=e.strerror)
            force_unmount(self.mountpoint)
        self._thread.join(timeout)
        self.ops.kernel = None
        if not self._thread.is_alive():
            llfuse.close(unmount=False)
        else:
            log.error("FUSE loop did not stop")
        self._thread = None
        log.info("unmounted {path}", path=self.mountpoint)
