"""Replacing a file whole: readers see the old or the new content, never
a part.  (Not for files whose loss in a power cut matters more than the
cost of an fsync: the Raft storage and config.db do their own.)"""

import os


def write(path, data, mode=0o644, makedirs=True, dir_mode=0o755):
    """*data* (bytes or str) to *path* with *mode*, through a temporary
    file renamed over it; the temporary file goes if anything fails."""
    if makedirs:
        os.makedirs(os.path.dirname(path), mode=dir_mode, exist_ok=True)
    if isinstance(data, str):
        data = data.encode("utf-8")
    tmp = "%s.tmp.%d" % (path, os.getpid())
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            os.fchmod(f.fileno(), mode)
        os.rename(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
