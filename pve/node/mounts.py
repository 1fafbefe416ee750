"""Find and detach mounts, without touching the mounted filesystem.

Everything here reads ``/proc/self/mountinfo`` only: a FUSE mount whose
daemon died (or hangs) must not be stat'ed.
"""

import ctypes
import ctypes.util
import errno
import os
import re
import shutil
import subprocess

from twisted.logger import Logger

log = Logger()

MOUNTINFO = "/proc/self/mountinfo"
MNT_DETACH = 2

_OCTAL = re.compile(r"\\([0-7]{3})")


def _unescape(field):
    return _OCTAL.sub(lambda m: chr(int(m.group(1), 8)), field)


def mountpoints(mountinfo):
    """The mount points listed in the text of a ``mountinfo`` file."""
    points = []
    for line in mountinfo.splitlines():
        fields = line.split(" ")
        if len(fields) > 4:
            points.append(_unescape(fields[4]))
    return points


def is_mounted(path, mountinfo=MOUNTINFO):
    """Whether something is mounted at *path*."""
    with open(mountinfo) as f:
        text = f.read()
    return os.path.abspath(path) in mountpoints(text)


def _umount2(path):
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    if libc.umount2(os.fsencode(path), MNT_DETACH) != 0:
        code = ctypes.get_errno()
        raise OSError(code, os.strerror(code), path)


def detach(path):
    """Lazily unmount *path* (``umount -l``), if it is mounted."""
    path = os.path.abspath(path)
    if not is_mounted(path):
        return False
    try:
        _umount2(path)
    except OSError as e:
        if e.errno == errno.EINVAL and not is_mounted(path):
            return False
        if e.errno != errno.EPERM:
            raise
        # Not root: a user's FUSE mount is detached by fusermount.
        tool = shutil.which("fusermount3") or shutil.which("fusermount")
        if tool is None:
            raise
        subprocess.run([tool, "-u", "-z", path], check=True, timeout=30)
    log.info("detached the mount at {path}", path=path)
    return True
