"""The redo log: committed changes not yet folded into ``config.db``.

A change is acknowledged once its record is appended here with one
``write(2)``: that survives the process being killed, as a SQLite WAL commit
with ``synchronous=NORMAL`` does, at a fraction of the cost.  A thread then
applies the changes to SQLite, each whole, in order (see
``pve.cluster.store``); at the next start any record newer than the
database's version is applied before the tree is loaded.

Record: ``<length u32> <crc32 u32> <payload>``; payload: version, writer,
mtime, the inode to delete (0: none), the rows.  A torn or corrupt tail
(a crash in the middle of an append) ends the log.
"""

import os
import struct
import zlib

from pve.cluster.memdb import Change

#: a record's frame: payload length and CRC-32 (also raftdisk's)
FRAME = struct.Struct("<II")
_HEAD = struct.Struct("<QIqQH")          # version writer mtime delete nrows
_ROW = struct.Struct("<QQQIqBHi")        # ... type, name length, data length
NO_DATA = -1


def encode(change):
    parts = [_HEAD.pack(change.version, change.writer, change.mtime,
                        change.delete or 0, len(change.rows))]
    for inode, parent, version, writer, mtime, type_, name, data in \
            change.rows:
        bname = name.encode("utf-8")
        parts.append(_ROW.pack(inode, parent, version, writer, mtime, type_,
                               len(bname),
                               NO_DATA if data is None else len(data)))
        parts.append(bname)
        if data is not None:
            parts.append(data)
    payload = b"".join(parts)
    return FRAME.pack(len(payload), zlib.crc32(payload)) + payload


def decode(payload):
    version, writer, mtime, delete, nrows = _HEAD.unpack_from(payload, 0)
    pos = _HEAD.size
    rows = []
    for _ in range(nrows):
        (inode, parent, rversion, rwriter, rmtime, type_, namelen,
         datalen) = _ROW.unpack_from(payload, pos)
        pos += _ROW.size
        name = payload[pos:pos + namelen].decode("utf-8")
        pos += namelen
        data = None
        if datalen != NO_DATA:
            data = payload[pos:pos + datalen]
            pos += datalen
        rows.append((inode, parent, rversion, rwriter, rmtime, type_, name,
                     data))
    if pos != len(payload):
        raise ValueError("record length mismatch")
    return Change(version, writer, mtime, rows, delete=delete or None)


def read_records(path):
    """``(changes, good_length)``: every intact record, in order, and the
    length of the intact prefix of the file."""
    try:
        with open(path, "rb") as f:
            blob = f.read()
    except FileNotFoundError:
        return [], 0
    changes, pos = [], 0
    while pos + FRAME.size <= len(blob):
        length, crc = FRAME.unpack_from(blob, pos)
        start = pos + FRAME.size
        payload = blob[start:start + length]
        if len(payload) != length or zlib.crc32(payload) != crc:
            break
        try:
            changes.append(decode(payload))
        except (struct.error, ValueError, UnicodeDecodeError):
            break
        pos = start + length
    return changes, pos


class RedoLog:
    """The append side of the log."""

    def __init__(self, path):
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                          0o600)
        self.size = os.fstat(self.fd).st_size

    def append(self, change):
        record = encode(change)
        try:
            written = os.write(self.fd, record)
            if written != len(record):
                raise OSError("short write to %s" % (self.path,))
        except OSError:
            # cut a torn record off, so later records stay readable
            os.ftruncate(self.fd, self.size)
            raise
        self.size += written

    def truncate(self):
        os.ftruncate(self.fd, 0)
        self.size = 0

    def close(self):
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None
