"""The configuration tree as a Raft snapshot: every row of
:meth:`~pve.cluster.memdb.MemDB.rows` in an explicit binary format (no
pickle), strict when read back.

Snapshot format (version 1), little-endian::

    "RT" version:u8 count:u32
    count times: inode:u64 parent:u64 version:u64 writer:u32 mtime:i64
                 type:u8 has_data:u8
                 name: u16 length + UTF-8
                 data: u32 length + bytes (only if has_data)
"""

import struct

SNAPSHOT_MAGIC = b"RT"
SNAPSHOT_VERSION = 1
_SNAP_HEAD = struct.Struct("<2sBI")
_ROW = struct.Struct("<QQQIqBB")
_U16 = struct.Struct("<H")
_U32 = struct.Struct("<I")


class SnapshotError(ValueError):
    """The bytes are not a valid tree snapshot; the message says why."""


def encode_snapshot(db):
    """The rows of *db* (a MemDB) as bytes (see the module docstring)."""
    rows = list(db.rows())
    out = [_SNAP_HEAD.pack(SNAPSHOT_MAGIC, SNAPSHOT_VERSION, len(rows))]
    for inode, parent, version, writer, mtime, type_, name, data in rows:
        raw = name.encode("utf-8")
        out.append(_ROW.pack(inode, parent, version, writer, mtime, type_,
                             int(data is not None)))
        out.append(_U16.pack(len(raw)))
        out.append(raw)
        if data is not None:
            out.append(_U32.pack(len(data)))
            out.append(bytes(data))
    return b"".join(out)


def decode_snapshot(buf):
    """The rows encoded by :func:`encode_snapshot`; SnapshotError if *buf*
    is not such an encoding."""
    buf = bytes(buf)
    pos = 0

    def take(n, what):
        nonlocal pos
        if pos + n > len(buf):
            raise SnapshotError("truncated snapshot: %s needs %d bytes at "
                                "offset %d" % (what, n, pos))
        piece = buf[pos:pos + n]
        pos += n
        return piece

    magic, version, count = _SNAP_HEAD.unpack(take(_SNAP_HEAD.size,
                                                   "header"))
    if magic != SNAPSHOT_MAGIC:
        raise SnapshotError("not a tree snapshot (bad magic %r)" % (magic,))
    if version != SNAPSHOT_VERSION:
        raise SnapshotError("unsupported snapshot version %d" % version)
    rows = []
    for _ in range(count):
        (inode, parent, ver, writer, mtime, type_,
         has_data) = _ROW.unpack(take(_ROW.size, "row"))
        (n,) = _U16.unpack(take(_U16.size, "name length"))
        try:
            name = take(n, "name").decode("utf-8")
        except UnicodeDecodeError as e:
            raise SnapshotError("name is not valid UTF-8: %s" % e)
        data = None
        if has_data:
            (n,) = _U32.unpack(take(_U32.size, "data length"))
            data = take(n, "data")
        elif has_data != 0:
            raise SnapshotError("invalid data flag %d" % has_data)
        rows.append((inode, parent, ver, writer, mtime, type_, name, data))
    if pos != len(buf):
        raise SnapshotError("%d trailing bytes after the snapshot"
                            % (len(buf) - pos))
    return rows
