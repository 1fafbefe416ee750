"""The AMP vocabulary of the pmxcfs IPC socket; both ends import it.

Values may exceed AMP's 64 KiB limit (files are up to 1 MiB, directory
listings and the cluster log grow with the cluster), so they travel as
:class:`BigBytes` or :class:`BigJSON`, which split one value across several
keys of the same box.

Every failure of ConfigFS is an ``OSError`` with Proxmox's errno; on the
wire it is a :class:`CfsError` (declared in each command's ``errors``) whose
description is ``"<ERRNO NAME> <path>"``, and the client raises the
``OSError`` again.
"""

import errno
import json
import os

from twisted.protocols import amp

CHUNK = amp.MAX_VALUE_LENGTH


class BigBytes(amp.Argument):
    """Bytes of any length: the first chunk under ``name``, the rest under
    ``name.2``, ``name.3``, ... in the same box."""

    def _key(self, name):
        return name.decode("ascii").replace("-", "_")

    def toBox(self, name, strings, objects, proto):
        value = objects.get(self._key(name))
        if value is None:
            if self.optional:
                return
            raise KeyError(name)
        value = self.encode(value)
        strings[name] = value[:CHUNK]
        for n, start in enumerate(range(CHUNK, len(value), CHUNK), 2):
            strings[b"%s.%d" % (name, n)] = value[start:start + CHUNK]

    def fromBox(self, name, strings, objects, proto):
        first = strings.get(name)
        if first is None:
            if self.optional:
                objects[self._key(name)] = None
                return
            raise KeyError(name)
        parts = [first]
        n = 2
        while True:
            chunk = strings.get(b"%s.%d" % (name, n))
            if chunk is None:
                break
            parts.append(chunk)
            n += 1
        objects[self._key(name)] = self.decode(b"".join(parts))

    def encode(self, value):
        return bytes(value)

    def decode(self, data):
        return data


class BigJSON(BigBytes):
    """A JSON value (dicts, lists, str, int, None) of any size."""

    def encode(self, value):
        return json.dumps(value, separators=(",", ":")).encode("utf-8")

    def decode(self, data):
        return json.loads(data.decode("utf-8"))


#: why a write fails without quorum (Proxmox's check_cfs_quorum)
NO_QUORUM_MESSAGE = "cluster not ready - no quorum?"


class CfsError(Exception):
    """An ``OSError`` of ConfigFS on the wire."""

    @classmethod
    def from_oserror(cls, err, path=None):
        code = err.errno or errno.EIO
        name = errno.errorcode.get(code, str(code))
        filename = err.filename if err.filename is not None else path
        text = "%s %s" % (name, filename or "")
        if err.strerror and err.strerror != os.strerror(code):
            # a message of its own (e.g. no quorum) after a newline
            text += "\n" + err.strerror
        return cls(text)

    def to_oserror(self):
        text = str(self.args[0] if self.args else "")
        text, _, message = text.partition("\n")
        name, _, path = text.partition(" ")
        code = getattr(errno, name, None) if not name.isdigit() else int(name)
        if not isinstance(code, int):
            code = errno.EIO
        return os_error(code, path or None, message or None)


def os_error(code, path=None, message=None):
    """``OSError(code, strerror, path)`` as both clients raise it (with
    *message* instead of strerror when the error has its own)."""
    message = message or os.strerror(code)
    if path is None:
        return OSError(code, message)
    return OSError(code, message, path)


class CfsCommand(amp.Command):
    errors = {CfsError: b"CFS_ERROR"}


# -- files and directories --------------------------------------------------

class Read(CfsCommand):
    arguments = [(b"path", amp.Unicode())]
    response = [(b"data", BigBytes())]


class Write(CfsCommand):
    """Create or replace the whole file."""
    arguments = [(b"path", amp.Unicode()), (b"data", BigBytes())]
    response = []


class Mkdir(CfsCommand):
    arguments = [(b"path", amp.Unicode())]
    response = []


class Delete(CfsCommand):
    """``kind`` is ``'dir'``, ``'file'`` or absent (either)."""
    arguments = [(b"path", amp.Unicode()),
                 (b"kind", amp.Unicode(optional=True))]
    response = []


class Rename(CfsCommand):
    arguments = [(b"src", amp.Unicode()), (b"dst", amp.Unicode())]
    response = []


class List(CfsCommand):
    arguments = [(b"path", amp.Unicode())]
    response = [(b"names", BigJSON())]


class Stat(CfsCommand):
    arguments = [(b"path", amp.Unicode())]
    response = [(b"kind", amp.Unicode()), (b"mode", amp.Integer()),
                (b"size", amp.Integer()), (b"mtime", amp.Integer()),
                (b"inode", amp.Integer(optional=True)),
                (b"version", amp.Integer())]


class Versions(CfsCommand):
    """The version of each of *paths* (the tree entry's: it changes with
    every change of that file, renames onto it included), ``None`` for a
    path that does not exist; ``{path: version}``.  Like Proxmox's
    ``cfs_update`` reading ``.version``: one call tells a cache which of
    its files changed."""
    arguments = [(b"paths", amp.ListOf(amp.Unicode()))]
    response = [(b"versions", BigJSON())]


class Utime(CfsCommand):
    arguments = [(b"path", amp.Unicode()), (b"mtime", amp.Integer())]
    response = []


# -- locks ------------------------------------------------------------------

class Lock(CfsCommand):
    """Acquire ``priv/lock/<name>``, retrying for *timeout* seconds."""
    arguments = [(b"name", amp.Unicode()), (b"timeout", amp.Float())]
    response = []


class RefreshLock(CfsCommand):
    arguments = [(b"name", amp.Unicode())]
    response = []


class Unlock(CfsCommand):
    arguments = [(b"name", amp.Unicode())]
    response = []


# -- status, log, cluster ---------------------------------------------------

class SetStatus(CfsCommand):
    arguments = [(b"key", amp.Unicode()), (b"value", BigBytes()),
                 (b"node", amp.Unicode(optional=True))]
    response = []


class GetStatus(CfsCommand):
    arguments = [(b"key", amp.Unicode()),
                 (b"node", amp.Unicode(optional=True))]
    response = [(b"value", BigBytes(optional=True))]


class Log(CfsCommand):
    arguments = [(b"tag", amp.Unicode()), (b"msg", amp.Unicode()),
                 (b"user", amp.Unicode()), (b"pri", amp.Integer()),
                 (b"pid", amp.Integer())]
    response = []


class GetLog(CfsCommand):
    arguments = [(b"limit", amp.Integer())]
    response = [(b"entries", BigJSON())]


class Members(CfsCommand):
    arguments = []
    response = [(b"members", BigJSON())]


class VMList(CfsCommand):
    """``vmlist`` maps the VMID, as a string, to its ``node``/``type``."""
    arguments = []
    response = [(b"vmlist", BigJSON())]


class Version(CfsCommand):
    arguments = []
    response = [(b"version", amp.Integer())]


class ClusterStart(CfsCommand):
    """Enter the cluster of the node's corosync.conf (after ``pvecm
    create`` or ``pvecm add`` wrote it); answered once started."""
    arguments = []
    response = []


class SetExpected(CfsCommand):
    """``pvecm expected``: EINVAL when refused (corosync-quorumtool's
    CS_ERR_INVALID_PARAM), EOPNOTSUPP outside a cluster."""
    arguments = [(b"expected", amp.Integer())]
    response = []


# -- the change feed --------------------------------------------------------

class Watch(CfsCommand):
    """Push :class:`Changed` with *watch* for each changed path starting with
    *prefix*; the client picks *watch*, a number unique on its connection."""
    arguments = [(b"watch", amp.Integer()), (b"prefix", amp.Unicode())]
    response = []


class Unwatch(CfsCommand):
    arguments = [(b"watch", amp.Integer())]
    response = []


class Changed(amp.Command):
    """Server to client: *path* changed, the database is now *version*."""
    arguments = [(b"watch", amp.Integer()), (b"path", amp.Unicode()),
                 (b"version", amp.Integer())]
    response = []
    requiresAnswer = False
