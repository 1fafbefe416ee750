"""Durable Raft state on disk: :class:`DiskStorage`, the storage the pmxcfs
daemon gives its :class:`pve.cluster.raft.RaftNode`.

It implements the interface of :class:`pve.cluster.raftstorage.MemoryStorage`
(and is a subclass of it: the whole state is also held in memory, so reads
never touch the disk).  Every changing call is durable when it returns,
which is what lets the core send the message that depends on it right
after.  The daemon keeps it in ``$PVE_ROOT/var/lib/pve-cluster/raft/``.

Files in the directory
----------------------

Every file is made of records in the framing of the redo log
(``pve.cluster.redo``): ``<length u32> <crc32 u32> <payload>``, little
endian; every payload starts with a format version byte (1).

``state``
    one record: version, then JSON ``{"term": T, "vote": node or null}``.
``snapshot``
    one record: ``<version u8> <index u64> <term u64> <offset u64>
    <min_seq u64> <config length u32>``, the configuration as JSON, then the
    state machine's data (bytes) to the end.  *offset*: the log's entries up
    to it are compacted away (``first_index() == offset + 1``); *min_seq*:
    segments numbered below it are obsolete as a whole (a log discarded
    because it disagreed with the snapshot).
``seg-NNNNNNNNNN.log``
    the log, in segments numbered upwards (``NNNNNNNNNN``: the segment's
    sequence number), each holding consecutive entries; the highest is the
    one appended to, a new one is started once it holds ``segment_bytes``
    or ``segment_entries``.  One record per entry: ``<version u8>
    <index u64> <term u64> <more u32> <tag u8> <kind length u16>``, the
    kind (UTF-8), then the data: nothing for None (tag 0), the bytes
    themselves (tag 1: commands), or JSON (tag 2: configurations, which
    must come back equal).  *more*: the number of bytes that follow this
    record in the same ``write(2)`` (0 for the last record of an append).
``*.tmp``
    a ``state`` or ``snapshot`` being written; removed at open.

Operations, in their on-disk order
----------------------------------

- ``save(term, vote)``: write ``state.tmp``, fsync it, rename it over
  ``state``, fsync the directory.  A crash leaves the old or the new
  state, never a mix.
- ``append(entries)``: the records of all entries are written with one
  ``write(2)`` to the last segment, then one ``fdatasync``.  (Starting a
  new segment first creates the file and fsyncs the directory.)  A crash
  mid-append leaves a torn tail: some intact records of the batch (a
  prefix of what was being appended, which nobody was told about, so
  keeping it is as good as dropping it) and then a bad one.
- ``truncate(index)``: the segments that start at or after *index* are
  removed from the last one down, the directory fsynced after each; then
  the segment holding *index* is cut at that record's offset and fsynced.
  Every state a crash can leave is a prefix of the old log at least as
  long as the new one: valid, since entries being truncated are
  uncommitted (they conflict with the leader) and the call had not
  returned.
- ``save_snapshot(snapshot, keep, discard)``: the snapshot, with the new
  *offset* and *min_seq*, is written like ``state`` (tmp, fsync, rename,
  fsync of the directory); only then are the segments it makes obsolete
  removed (those below *min_seq*, or whose entries are all at or below
  *offset*; not the one being appended to), then the directory is
  fsynced.  Before the rename a crash leaves the old snapshot and the
  untouched log; after it, open removes whatever obsolete segments
  remain and ignores entries at or below *offset*.  A discarded log
  (*discard*) is never read back: the new snapshot's *min_seq* is above
  every segment that existed, and the next append starts a new segment.

Opening (after a clean stop or a crash at any point)
----------------------------------------------------

Leftover ``*.tmp`` files are removed; ``state`` and ``snapshot`` are read
(a bad record there is an error: they are only ever replaced by rename);
obsolete segments are removed; each remaining segment is read.  A bad
record (short, checksum, undecodable) in the *last* segment is a torn tail
when it is the last record of the file, or lies inside the last append
(a batch whose first record announced it reaches the end of the file), or
no intact record follows it: it is cut off (ftruncate, fsync) so later
appends follow intact records.  Anywhere else a bad record is corruption
of synced data, and opening stops with :class:`CorruptStorage` naming the
file and offset rather than silently losing committed entries; so do
entries whose indexes do not follow each other, and a log that does not
reach back to ``offset + 1``.  (A bit flipped, after it was synced, in
the records of the last append looks like a torn tail and those records
are dropped: framing cannot tell the two apart.)  A segment that ends up
empty (created, then a crash before its first write) is removed.

Failures
--------

An ``OSError`` while changing the state leaves the files in an unknown
state (after a failed fsync the kernel may have dropped the dirty pages):
the storage then refuses every further change with :class:`StorageFailed`.
The daemon should exit and reopen the directory when it restarts.

The whole log since the last compaction is also held in memory, as
:class:`MemoryStorage` does; the shell compacts regularly.
"""

import json
import os
import re
import struct
import zlib

from pve.cluster.raftstorage import MemoryStorage, Snapshot
from pve.cluster.redo import FRAME          # <length u32> <crc32 u32>

VERSION = 1
_ENTRY = struct.Struct("<BQQIBH")    # version index term more tag kind-length
_SNAP = struct.Struct("<BQQQQI")     # version index term offset min_seq cfglen
TAG_NONE, TAG_BYTES, TAG_JSON = 0, 1, 2

STATE = "state"
SNAPSHOT = "snapshot"
_SEGMENT = re.compile(r"^seg-(\d{10})\.log$")


class CorruptStorage(Exception):
    """The directory holds something a crash cannot explain."""


class StorageFailed(Exception):
    """An earlier write failed; the files are in an unknown state."""


def _frame(*parts):
    crc = 0
    length = 0
    for part in parts:
        crc = zlib.crc32(part, crc)
        length += len(part)
    return FRAME.pack(length, crc)


def _json(value):
    """*value* as JSON, refusing what would not come back equal (tuples,
    non-str keys, bytes...).  Keys keep their order: the core iterates
    over configurations, and a replayed run must take the same course."""
    text = json.dumps(value, separators=(",", ":"))
    back = json.loads(text)
    if back != value or type(back) is not type(value):
        raise TypeError("not exactly representable as JSON: %r" % (value,))
    return text.encode("utf-8")


def encode_entries(first, entries):
    """The records of *entries* (``(term, kind, data)``), the first at
    index *first*: ``(blob, [offset of each record in blob])``."""
    heads = []
    for term, kind, data in entries:
        bkind = kind.encode("utf-8")
        if data is None:
            tag, body = TAG_NONE, b""
        elif isinstance(data, (bytes, bytearray, memoryview)):
            tag, body = TAG_BYTES, bytes(data)
        else:
            tag, body = TAG_JSON, _json(data)
        heads.append((term, tag, bkind, body))
    sizes = [FRAME.size + _ENTRY.size + len(k) + len(b)
             for _, _, k, b in heads]
    more = sum(sizes)
    parts, offsets, pos = [], [], 0
    for k, (term, tag, bkind, body) in enumerate(heads):
        more -= sizes[k]
        head = _ENTRY.pack(VERSION, first + k, term, more, tag, len(bkind))
        parts += [_frame(head, bkind, body), head, bkind, body]
        offsets.append(pos)
        pos += sizes[k]
    return b"".join(parts), offsets


def decode_entry(payload):
    """``(index, more, (term, kind, data))`` of one record's payload."""
    version, index, term, more, tag, klen = _ENTRY.unpack_from(payload, 0)
    if version != VERSION:
        raise ValueError("unknown record version %d" % version)
    pos = _ENTRY.size + klen
    if pos > len(payload):
        raise ValueError("kind runs past the record")
    kind = bytes(payload[_ENTRY.size:pos]).decode("utf-8")
    body = payload[pos:]
    if tag == TAG_NONE:
        if len(body):
            raise ValueError("data after a None")
        data = None
    elif tag == TAG_BYTES:
        data = bytes(body)
    elif tag == TAG_JSON:
        data = json.loads(bytes(body).decode("utf-8"))
    else:
        raise ValueError("unknown data tag %d" % tag)
    return index, more, (term, kind, data)


def _parse(blob, pos):
    """``(record or None, end, problem)`` for the record at *pos*; a record
    is ``(index, more, entry)``."""
    size = len(blob)
    if pos + FRAME.size > size:
        return None, size + 1, "truncated record header"
    length, crc = FRAME.unpack_from(blob, pos)
    end = pos + FRAME.size + length
    if length < _ENTRY.size:
        return None, end, "record too short (%d bytes)" % length
    if end > size:
        return None, end, "record runs past the end of the file"
    payload = memoryview(blob)[pos + FRAME.size:end]
    if zlib.crc32(payload) != crc:
        return None, end, "checksum mismatch"
    try:
        return decode_entry(payload), end, None
    except (struct.error, ValueError, UnicodeDecodeError) as e:
        return None, end, "undecodable record (%s)" % (e,)


def _intact_after(blob, pos):
    """Whether an intact record starts anywhere after *pos*."""
    marker = bytes([VERSION])
    hit = blob.find(marker, pos + 1 + FRAME.size)
    while hit != -1:
        if _parse(blob, hit - FRAME.size)[0] is not None:
            return True
        hit = blob.find(marker, hit + 1)
    return False


def scan_segment(path, blob, last):
    """``(records, good)``: the records ``(offset, index, entry)`` of a
    segment's contents *blob* and the length of its intact part.  A torn
    tail is accepted only in the *last* segment; anything else bad raises
    :class:`CorruptStorage`."""
    size = len(blob)
    pos, batch_end, records = 0, 0, []
    while pos < size:
        record, end, problem = _parse(blob, pos)
        if record is not None:
            index, more, entry = record
            if pos >= batch_end:            # the first record of a write
                batch_end = end + more
            records.append((pos, index, entry))
            pos = end
            continue
        # torn: the file's last record, inside the file's last write, or
        # nothing intact after it
        if last and (end == size or size <= batch_end > pos or
                     not _intact_after(blob, pos)):
            return records, pos
        raise CorruptStorage("%s: offset %d: %s%s" % (
            path, pos, problem, "" if last else " (not the last segment)"))
    return records, pos


class _Segment:
    __slots__ = ("seq", "path", "first", "offsets", "size")

    def __init__(self, seq, path, first, offsets, size):
        self.seq = seq
        self.path = path
        self.first = first          # index of the first record in the file
        self.offsets = offsets      # byte offset of each record
        self.size = size

    @property
    def last(self):
        return self.first + len(self.offsets) - 1


class DiskStorage(MemoryStorage):
    """Raft's durable state in the directory *path* (created if needed);
    see the module docstring.  *sync*: False skips every fsync (tests
    only: a process crash loses nothing then, a power cut may)."""

    def __init__(self, path, segment_bytes=8 << 20, segment_entries=65536,
                 sync=True):
        MemoryStorage.__init__(self)
        self.path = path
        self.segment_bytes = segment_bytes
        self.segment_entries = segment_entries
        self.sync = sync
        self.step_hook = None       # tests: called between on-disk steps
        self._failed = None
        self._fd = None             # the last segment, opened to append
        self._segments = []
        self._min_seq = 0
        self._next_seq = 1
        os.makedirs(path, mode=0o700, exist_ok=True)
        self._dirfd = os.open(path, os.O_RDONLY | os.O_DIRECTORY |
                              os.O_CLOEXEC)
        try:
            self._open()
        except BaseException:
            self.close()
            raise

    # -- opening -------------------------------------------------------

    def _file(self, name):
        return os.path.join(self.path, name)

    def _read_one(self, name):
        """The payload of a file holding one record, or None."""
        path = self._file(name)
        try:
            with open(path, "rb") as f:
                blob = f.read()
        except FileNotFoundError:
            return None
        if len(blob) >= FRAME.size:
            length, crc = FRAME.unpack_from(blob, 0)
            payload = blob[FRAME.size:]
            if length == len(payload) and zlib.crc32(payload) == crc:
                if payload[:1] != bytes([VERSION]):
                    raise CorruptStorage("%s: offset %d: unknown version %r"
                                         % (path, FRAME.size, payload[:1]))
                return payload
        raise CorruptStorage("%s: offset 0: bad record (%d bytes, checksum "
                             "or length wrong)" % (path, len(blob)))

    def _open(self):
        changed = False
        names = os.listdir(self.path)
        for name in names:
            if name.endswith(".tmp"):
                os.unlink(self._file(name))
                changed = True
        payload = self._read_one(STATE)
        if payload is not None:
            try:
                state = json.loads(payload[1:].decode("utf-8"))
                self.term, self.voted_for = int(state["term"]), state["vote"]
            except (ValueError, KeyError, TypeError) as e:
                raise CorruptStorage("%s: offset %d: %s" % (
                    self._file(STATE), FRAME.size, e))
        payload = self._read_one(SNAPSHOT)
        if payload is not None:
            try:
                _, index, term, offset, min_seq, clen = \
                    _SNAP.unpack_from(payload, 0)
                if _SNAP.size + clen > len(payload):
                    raise ValueError("configuration runs past the record")
                config = json.loads(bytes(
                    payload[_SNAP.size:_SNAP.size + clen]).decode("utf-8"))
                if not isinstance(config, dict):
                    raise ValueError("configuration is not a mapping")
            except (struct.error, ValueError) as e:
                raise CorruptStorage("%s: offset %d: %s" % (
                    self._file(SNAPSHOT), FRAME.size, e))
            self._snapshot = Snapshot(index, term, config,
                                      payload[_SNAP.size + clen:])
            self._offset = offset
            self._min_seq = min_seq
        found = sorted((int(m.group(1)), name) for m, name in
                       ((_SEGMENT.match(n), n) for n in names) if m)
        self._next_seq = max([self._min_seq, 1] +
                             [seq + 1 for seq, _ in found])
        live = []
        for seq, name in found:
            if seq < self._min_seq:         # a discarded log
                os.unlink(self._file(name))
                changed = True
            else:
                live.append((seq, name))
        segments = []
        for k, (seq, name) in enumerate(live):
            path = self._file(name)
            with open(path, "rb") as f:
                blob = f.read()
            records, good = scan_segment(path, blob, k == len(live) - 1)
            if good < len(blob):            # a torn tail: cut it off
                fd = os.open(path, os.O_WRONLY | os.O_CLOEXEC)
                try:
                    os.ftruncate(fd, good)
                    self._fsync(fd)
                finally:
                    os.close(fd)
            if not records:
                os.unlink(path)
                changed = True
                continue
            for (pos, index, _), (_, prev, _) in zip(records[1:], records):
                if index != prev + 1:
                    raise CorruptStorage(
                        "%s: offset %d: entry %d follows entry %d"
                        % (path, pos, index, prev))
            segments.append((_Segment(seq, path, records[0][1],
                                      [r[0] for r in records], good),
                             records))
        log = []
        for seg, records in segments:
            if not self._segments and seg.last <= self._offset:
                # compacted away; the removal had not finished
                os.unlink(seg.path)
                changed = True
                continue
            expect = self._segments[-1].last + 1 if self._segments \
                else self._offset + 1
            if seg.first > expect or (self._segments and
                                      seg.first != expect):
                raise CorruptStorage(
                    "%s: offset 0: starts at entry %d, entry %d expected "
                    "(entries missing)" % (seg.path, seg.first, expect))
            self._segments.append(seg)
            log += [entry for _, index, entry in records
                    if index > self._offset]
        self._log = log
        if changed:
            self._sync_dir()

    # -- helpers -------------------------------------------------------

    def _fsync(self, fd, data_only=False):
        if self.sync:
            (os.fdatasync if data_only else os.fsync)(fd)

    def _sync_dir(self):
        if self.sync:
            os.fsync(self._dirfd)

    def _step(self, what):
        if self.step_hook is not None:
            self.step_hook(what)

    def _check(self):
        if self._failed is not None:
            raise StorageFailed("%s: an earlier write failed: %s"
                                % (self.path, self._failed))
        if self._dirfd is None:
            raise StorageFailed("%s: closed" % (self.path,))

    def _changing(self, fn, *args):
        self._check()
        try:
            return fn(*args)
        except OSError as e:
            self._failed = e
            raise

    def _write_atomic(self, name, parts):
        """Replace file *name* by *parts*: tmp, fsync, rename, dir fsync."""
        tmp = self._file(name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC |
                     os.O_CLOEXEC, 0o600)
        try:
            for part in parts:
                view = memoryview(part)
                while view:
                    view = view[os.write(fd, view):]
            self._fsync(fd)
        finally:
            os.close(fd)
        self._step(name + " written")
        os.rename(tmp, self._file(name))
        self._sync_dir()

    def _close_fd(self):
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def _unlink(self, seg):
        if self._segments and seg is self._segments[-1]:
            self._close_fd()
        os.unlink(seg.path)
        self._segments.remove(seg)

    # -- the interface -------------------------------------------------

    def save(self, term, voted_for):
        if (term, voted_for) == (self.term, self.voted_for):
            return                          # on disk already
        self._changing(self._save, term, voted_for)

    def _save(self, term, voted_for):
        payload = bytes([VERSION]) + _json({"term": term, "vote": voted_for})
        self._write_atomic(STATE, [_frame(payload), payload])
        MemoryStorage.save(self, term, voted_for)

    def append(self, entries):
        if entries:
            self._changing(self._append, entries)

    def _append(self, entries):
        entries = [tuple(e) for e in entries]
        first = self.last_index() + 1
        blob, offsets = encode_entries(first, entries)
        seg = self._segments[-1] if self._segments else None
        if seg is None or seg.size >= self.segment_bytes or \
                len(seg.offsets) >= self.segment_entries:
            seg = self._roll(first)
        elif self._fd is None:
            self._fd = os.open(seg.path, os.O_WRONLY | os.O_APPEND |
                               os.O_CLOEXEC)
        written = os.write(self._fd, blob)
        if written != len(blob):
            raise OSError("short write to %s (%d of %d bytes)"
                          % (seg.path, written, len(blob)))
        self._fsync(self._fd, data_only=True)
        seg.offsets += [seg.size + o for o in offsets]
        seg.size += len(blob)
        MemoryStorage.append(self, entries)

    def _roll(self, first):
        self._close_fd()
        seq, self._next_seq = self._next_seq, self._next_seq + 1
        path = self._file("seg-%010d.log" % seq)
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL |
                           os.O_APPEND | os.O_CLOEXEC, 0o600)
        self._sync_dir()
        seg = _Segment(seq, path, first, [], 0)
        self._segments.append(seg)
        return seg

    def truncate(self, index):
        if index <= self.last_index():
            self._changing(self._truncate, index)

    def _truncate(self, index):
        cut = max(index, self._offset + 1)
        for seg in [s for s in reversed(self._segments) if s.first >= cut]:
            self._unlink(seg)               # from the end: a prefix remains
            self._sync_dir()
            self._step("segment removed")
        seg = self._segments[-1] if self._segments else None
        if seg is not None and seg.last >= cut:
            size = seg.offsets[cut - seg.first]
            if self._fd is None:
                self._fd = os.open(seg.path, os.O_WRONLY | os.O_APPEND |
                                   os.O_CLOEXEC)
            os.ftruncate(self._fd, size)
            self._fsync(self._fd)
            del seg.offsets[cut - seg.first:]
            seg.size = size
        MemoryStorage.truncate(self, index)

    def save_snapshot(self, snapshot, keep=0, discard=False):
        self._changing(self._save_snapshot, snapshot, keep, discard)

    def _save_snapshot(self, snapshot, keep, discard):
        if discard:
            offset, min_seq = snapshot.index, self._next_seq
        else:
            offset = max(self._offset,
                         min(snapshot.index - keep, self.last_index()))
            min_seq = self._min_seq
        data = snapshot.data
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError("snapshot data must be bytes, not %s"
                            % type(data).__name__)
        config = _json(dict(snapshot.config))
        head = _SNAP.pack(VERSION, snapshot.index, snapshot.term, offset,
                          min_seq, len(config))
        self._write_atomic(SNAPSHOT,
                           [_frame(head, config, data), head, config, data])
        MemoryStorage.save_snapshot(self, snapshot, keep, discard)
        assert self._offset == offset, (self._offset, offset)
        self._min_seq = min_seq
        obsolete = [s for s in self._segments if s.seq < min_seq or (
            s.last <= offset and s is not self._segments[-1])]
        for seg in obsolete:
            self._unlink(seg)
            self._step("segment removed")
        if obsolete:
            self._sync_dir()

    def close(self):
        """Close the files (the state stays on disk)."""
        self._close_fd()
        if self._dirfd is not None:
            os.close(self._dirfd)
            self._dirfd = None

    def files(self):
        """The segment files, oldest first (for tests and ``pvecm``)."""
        return [s.path for s in self._segments]
