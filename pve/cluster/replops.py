"""Operations on the configuration tree, as committed through Raft.

A node that wants to change ``/etc/pve`` does not change its own tree: it
builds one of the operations below, stamped with its ``writer`` (its
corosync node id, an unsigned 32-bit integer, as ``memdb`` and the ``tree``
table store it), the ``mtime`` (its clock, read once, by the proposer) and
a :class:`RequestId` (its name and a counter), :func:`encode`\\ s it and
proposes the bytes.  Every node, the leader included, :func:`decode`\\ s the
committed entries and :func:`apply`\\ s them to its MemDB in commit order:
all trees go through the same sequence and stay identical (inodes,
versions, writers, mtimes), and an error (EEXIST for a VMID held by another
node, ENOENT, ENOTEMPTY, EFBIG...) is decided at apply time, the same way
everywhere, and comes back as a :class:`Result` for the proposer to match
by request id.

Everything that depends on the tree's state is decided at apply time, not
by the proposer: whether :class:`WriteFile` creates the file, whether
:class:`Delete` finds a file or a directory, whether a lock released by
:class:`Unlock` is still the one the proposer saw expire.  What depends on
the proposing node only (its clock, its lock table, ``.debug``, quorum) is
decided before proposing.

Pure: no I/O, no clock.

Format (version 1), little-endian::

    "RO" version:u8 opcode:u8 arg:u8 writer:u32 mtime:i64 counter:u64
    number:i64
    proposer: u16 length + UTF-8
    path:     u16 length + UTF-8
    path2:    u16 length + UTF-8   (rename's destination, else empty)
    blob:     u32 length + bytes   (write's data, unlock's checksum, else
                                    empty)

``arg`` holds an operation's small flags (see each class), ``number`` its
offset or size; fields an operation does not use must be zero or empty, so
an operation has exactly one encoding.  The Raft log's frame carries the
checksum; this format carries none.
"""

import errno
import os
import struct
from dataclasses import dataclass, field
from typing import NamedTuple

from pve.cluster import locks, memdb, plugs
from pve.cluster.memdb import normpath

FORMAT_VERSION = 1
MAGIC = b"RO"

_HEAD = struct.Struct("<2sBBBIqQq")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")

MAX_STR = 0xFFFF
MAX_U32 = 0xFFFFFFFF
MAX_U64 = 0xFFFFFFFFFFFFFFFF
I64 = (-(1 << 63), (1 << 63) - 1)
CHECKSUM_SIZE = 32           # locks.entry_checksum: SHA-256

# WriteFile.mode
MUST_EXIST = 0       # pwrite: ENOENT if the file is missing
EXCLUSIVE = 1        # O_CREAT|O_EXCL: EEXIST if it exists
CREATE_OR_REPLACE = 2  # write_file: create it if missing

# Delete.kind
ANY = 0
FILE = 1             # unlink: EISDIR on a directory
DIR = 2              # rmdir: ENOTDIR on a file

# names at the root that are not tree entries (the same on every node)
SYMLINKS = frozenset(plugs.symlinks("-"))
RESERVED = SYMLINKS | frozenset(plugs.PLUG_FILES)


class FormatError(ValueError):
    """The bytes are not a valid encoded operation (or an operation cannot
    be encoded); the message says why."""


class RequestId(NamedTuple):
    """Who proposed an operation and its number there."""
    node: str
    counter: int


@dataclass(frozen=True)
class Op:
    """Common fields: see the module's docstring."""
    request: RequestId
    writer: int
    mtime: int
    path: str

    opcode = 0

    # per operation: (arg, number, path2, blob) for the format
    def _extra(self):
        return 0, 0, "", b""


@dataclass(frozen=True)
class WriteFile(Op):
    """``memdb.write``: *data* at *offset*; *truncate* cuts the file at the
    end of the data.  ``write_file`` is offset 0, truncate,
    CREATE_OR_REPLACE; ``pwrite`` is MUST_EXIST without truncate.

    arg: bit 0 truncate, bits 1-2 mode; number: offset."""
    data: bytes = b""
    offset: int = 0
    truncate: bool = False
    mode: int = MUST_EXIST

    opcode = 1

    def _extra(self):
        return (int(bool(self.truncate)) | (self.mode << 1), self.offset,
                "", bytes(self.data))


@dataclass(frozen=True)
class Create(Op):
    """``memdb.create``: a new empty file; EEXIST if it exists."""
    opcode = 2


@dataclass(frozen=True)
class Truncate(Op):
    """``memdb.truncate`` to *size* (number)."""
    size: int = 0

    opcode = 3

    def _extra(self):
        return 0, self.size, "", b""


@dataclass(frozen=True)
class Mkdir(Op):
    """``memdb.mkdir``; also takes a lock (``priv/lock/<name>``)."""
    opcode = 4


@dataclass(frozen=True)
class Delete(Op):
    """``memdb.delete``; *kind* (arg) FILE or DIR checks the type as
    ``unlink`` and ``rmdir`` do."""
    kind: int = ANY

    opcode = 5

    def _extra(self):
        return self.kind, 0, "", b""


@dataclass(frozen=True)
class Rename(Op):
    """``memdb.rename`` of *path* to *dst* (path2)."""
    dst: str = ""

    opcode = 6

    def _extra(self):
        return 0, 0, self.dst, b""


@dataclass(frozen=True)
class SetMtime(Op):
    """``utime``: ``memdb.set_mtime`` with *mtime*, the time asked for (a
    lock directory only moves forward, by its writer)."""
    opcode = 7


@dataclass(frozen=True)
class Unlock(Op):
    """Release an expired lock directory: ``utime(lock, 0)`` once the
    proposer's lock table says the lock kept its state for 120 s.  Applied
    only if the lock is still in that state (*checksum*, blob:
    ``locks.entry_checksum``), as Proxmox's ``DCDB_MESSAGE_CFS_UNLOCK``;
    EACCES otherwise (it was refreshed or retaken meanwhile)."""
    checksum: bytes = b""

    opcode = 8

    def _extra(self):
        return 0, 0, "", bytes(self.checksum)


OPS = {cls.opcode: cls for cls in
       (WriteFile, Create, Truncate, Mkdir, Delete, Rename, SetMtime, Unlock)}


# -- the format ---------------------------------------------------------------

def _str(value, what):
    if not isinstance(value, str):
        raise FormatError("%s must be a str, not %s"
                          % (what, type(value).__name__))
    try:
        raw = value.encode("utf-8")
    except UnicodeEncodeError as e:
        raise FormatError("%s is not valid UTF-8: %s" % (what, e))
    if len(raw) > MAX_STR:
        raise FormatError("%s too long (%d bytes, at most %d)"
                          % (what, len(raw), MAX_STR))
    return _U16.pack(len(raw)) + raw


def _int(value, lo, hi, what):
    if not isinstance(value, int) or isinstance(value, bool):
        raise FormatError("%s must be an int, not %s"
                          % (what, type(value).__name__))
    if not lo <= value <= hi:
        raise FormatError("%s out of range: %d" % (what, value))
    return value


def _check(opcode, arg, number, path2, blob):
    """The per-operation rules on the generic fields (encode and decode)."""
    cls = OPS[opcode]
    name = cls.__name__
    if cls is WriteFile:
        if arg >> 1 not in (MUST_EXIST, EXCLUSIVE, CREATE_OR_REPLACE) or \
                arg > 0b111:
            raise FormatError("%s: invalid flags 0x%02x" % (name, arg))
        if len(blob) > memdb.MAX_FILE_SIZE:
            raise FormatError("%s: data too long (%d bytes, at most %d)"
                              % (name, len(blob), memdb.MAX_FILE_SIZE))
    elif cls is Delete:
        if arg not in (ANY, FILE, DIR):
            raise FormatError("%s: invalid kind %d" % (name, arg))
    elif arg:
        raise FormatError("%s: unexpected flags 0x%02x" % (name, arg))
    if number and cls not in (WriteFile, Truncate):
        raise FormatError("%s: unexpected offset/size %d" % (name, number))
    if path2 and cls is not Rename:
        raise FormatError("%s: unexpected second path" % (name,))
    if cls is Unlock:
        if len(blob) != CHECKSUM_SIZE:
            raise FormatError("%s: checksum must be %d bytes, not %d"
                              % (name, CHECKSUM_SIZE, len(blob)))
    elif blob and cls is not WriteFile:
        raise FormatError("%s: unexpected data" % (name,))


def encode(op):
    """The bytes to propose for *op*; FormatError if it cannot be encoded
    (wrong types, out of range, data over 1 MiB: the proposer answers EFBIG
    for that without proposing)."""
    cls = type(op)
    if OPS.get(getattr(cls, "opcode", None)) is not cls:
        raise FormatError("not an operation: %r" % (op,))
    req = op.request
    if not isinstance(req, tuple) or len(req) != 2:
        raise FormatError("request must be (node, counter), not %r" % (req,))
    if not req[0]:
        raise FormatError("request node is empty")
    try:
        arg, number, path2, blob = op._extra()
    except TypeError as e:
        raise FormatError("%s: invalid field: %s" % (cls.__name__, e))
    _check(cls.opcode, arg, number, path2, blob)
    return b"".join([
        _HEAD.pack(MAGIC, FORMAT_VERSION, cls.opcode, arg,
                   _int(op.writer, 0, MAX_U32, "writer"),
                   _int(op.mtime, *I64, "mtime"),
                   _int(req[1], 0, MAX_U64, "request counter"),
                   _int(number, *I64, "offset/size")),
        _str(req[0], "request node"),
        _str(op.path, "path"),
        _str(path2, "second path"),
        _U32.pack(len(blob)), blob,
    ])


class _Reader:
    def __init__(self, buf):
        self.buf = buf
        self.pos = 0

    def take(self, n, what):
        end = self.pos + n
        if end > len(self.buf):
            raise FormatError("truncated operation: %s needs %d bytes at "
                              "offset %d, %d left"
                              % (what, n, self.pos, len(self.buf) - self.pos))
        piece = self.buf[self.pos:end]
        self.pos = end
        return piece

    def str(self, what):
        (n,) = _U16.unpack(self.take(_U16.size, what + " length"))
        raw = self.take(n, what)
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as e:
            raise FormatError("%s is not valid UTF-8: %s" % (what, e))


def decode(buf):
    """The operation encoded in *buf*; FormatError if it is not one."""
    if not isinstance(buf, (bytes, bytearray, memoryview)):
        raise FormatError("expected bytes, not %s" % type(buf).__name__)
    buf = bytes(buf)
    if len(buf) < 4 or buf[:2] != MAGIC:
        raise FormatError("not a replicated operation (bad magic %r)"
                          % (buf[:2],))
    if buf[2] != FORMAT_VERSION:
        raise FormatError("unsupported operation format version %d "
                          "(this node reads %d)" % (buf[2], FORMAT_VERSION))
    if buf[3] not in OPS:
        raise FormatError("unknown operation code %d" % (buf[3],))
    r = _Reader(buf)
    (_magic, _version, opcode, arg, writer, mtime, counter,
     number) = _HEAD.unpack(r.take(_HEAD.size, "header"))
    node = r.str("request node")
    path = r.str("path")
    path2 = r.str("second path")
    (n,) = _U32.unpack(r.take(_U32.size, "data length"))
    if n > memdb.MAX_FILE_SIZE:
        raise FormatError("data too long (%d bytes, at most %d)"
                          % (n, memdb.MAX_FILE_SIZE))
    blob = r.take(n, "data")
    if r.pos != len(buf):
        raise FormatError("%d trailing bytes after the operation"
                          % (len(buf) - r.pos))
    if not node:
        raise FormatError("request node is empty")
    _check(opcode, arg, number, path2, blob)
    common = dict(request=RequestId(node, counter), writer=writer,
                  mtime=mtime, path=path)
    cls = OPS[opcode]
    if cls is WriteFile:
        return cls(data=blob, offset=number, truncate=bool(arg & 1),
                   mode=arg >> 1, **common)
    if cls is Truncate:
        return cls(size=number, **common)
    if cls is Delete:
        return cls(kind=arg, **common)
    if cls is Rename:
        return cls(dst=path2, **common)
    if cls is Unlock:
        return cls(checksum=blob, **common)
    return cls(**common)


# -- applying -----------------------------------------------------------------

@dataclass(frozen=True)
class Result:
    """What applying an operation did.

    ``errno`` 0: it succeeded and ``changes`` holds the
    :class:`~pve.cluster.memdb.Change` objects to persist and announce
    (none when nothing changed, e.g. a rename onto itself).  Otherwise
    ``errno`` and ``message`` say why it failed, and the tree is unchanged.
    """
    request: RequestId
    errno: int = 0
    message: str = ""
    changes: tuple = field(default=(), compare=False)

    @property
    def ok(self):
        return self.errno == 0

    @property
    def version(self):
        """The tree's version after the change (None if none)."""
        return self.changes[-1].version if self.changes else None

    def raise_for_error(self):
        """For the proposer's caller: raise OSError as the local call would."""
        if self.errno:
            raise OSError(self.errno, self.message)

    def plain(self):
        """Plain data (str and int only), e.g. for Perspective Broker."""
        return {"node": self.request.node, "counter": self.request.counter,
                "errno": self.errno, "message": self.message,
                "version": self.version or 0}


def _reserved(path):
    return path in RESERVED


def _write(db, op):
    path = normpath(op.path)
    if _reserved(path):
        memdb.fail(errno.EACCES)
    if op.mode == CREATE_OR_REPLACE:
        create = db.lookup(path) is None
    else:
        create = op.mode == EXCLUSIVE
    return db.write(path, op.data, op.offset, op.writer, op.mtime,
                    truncate=op.truncate, create=create)


def _create(db, op):
    path = normpath(op.path)
    if _reserved(path):
        memdb.fail(errno.EACCES)
    return db.create(path, op.writer, op.mtime)


def _truncate(db, op):
    path = normpath(op.path)
    if _reserved(path):
        memdb.fail(errno.EACCES)
    return db.truncate(path, op.size, op.writer, op.mtime)


def _mkdir(db, op):
    path = normpath(op.path)
    if _reserved(path):
        memdb.fail(errno.EEXIST)
    return db.mkdir(path, op.writer, op.mtime)


def _delete(db, op):
    path = normpath(op.path)
    if _reserved(path):
        memdb.fail(errno.EACCES)
    entry = db.get(path)
    if op.kind == DIR and not entry.is_dir:
        memdb.fail(errno.ENOTDIR)
    if op.kind == FILE and entry.is_dir:
        memdb.fail(errno.EISDIR)
    return db.delete(path, op.writer, op.mtime)


def _rename(db, op):
    src, dst = normpath(op.path), normpath(op.dst)
    if _reserved(src) or _reserved(dst):
        memdb.fail(errno.EACCES)
    return db.rename(src, dst, op.writer, op.mtime)


def _set_mtime(db, op):
    path = normpath(op.path)
    if not path or _reserved(path):
        return None             # cfs.utime ignores these
    return db.set_mtime(path, op.writer, op.mtime)


def _unlock(db, op):
    path = normpath(op.path)
    entry = db.get(path)
    if not (entry.is_dir and memdb.is_lock_dir(path)):
        memdb.fail(errno.EINVAL)
    if locks.entry_checksum(entry) != op.checksum:
        memdb.fail(errno.EACCES)
    return db.delete(path, op.writer, op.mtime)


_APPLY = {WriteFile: _write, Create: _create, Truncate: _truncate,
          Mkdir: _mkdir, Delete: _delete, Rename: _rename,
          SetMtime: _set_mtime, Unlock: _unlock}


def apply(db, op):
    """Apply *op* to the MemDB *db*; return a :class:`Result`.

    Filesystem errors (``OSError`` with an errno) become an error result
    and leave *db* unchanged; anything else is a bug and propagates.
    """
    try:
        change = _APPLY[type(op)](db, op)
    except OSError as e:
        if e.errno is None:
            raise
        return Result(op.request, e.errno, os.strerror(e.errno))
    return Result(op.request, 0, "", () if change is None else (change,))
