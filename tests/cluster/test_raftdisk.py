"""Raft's durable state on disk (``pve.cluster.raftdisk``): the same
behaviour as ``MemoryStorage`` (one set of tests runs against both, the
disk storage reopened after every step), torn tails, corruption, crashes
between the on-disk steps, and the Raft simulation on disk."""

import errno
import os
import random
import shutil

from twisted.trial import unittest

from pve.cluster import raftdisk
from pve.cluster.raftdisk import CorruptStorage, DiskStorage, StorageFailed
from pve.cluster.raftstorage import MemoryStorage, Snapshot
from tests.cluster import raftsim


def cmd(term, data):
    return (term, "cmd", data)


def state(s):
    """Everything a storage holds, as one comparable value."""
    first, last = s.first_index(), s.last_index()
    return {"vote": s.load(), "first": first, "last": last,
            "entries": list(s.entries(first, last + 1)),
            "snapshot": s.snapshot()}


class Behaviour:
    """What every storage does; ``step`` after each change reopens a disk
    storage and checks it holds the same."""

    def make(self):
        raise NotImplementedError

    def reopen(self, s):
        return s

    def step(self, s):
        before = state(s)
        s = self.reopen(s)
        self.assertEqual(state(s), before)
        return s

    def test_empty(self):
        s = self.step(self.make())
        self.assertEqual(s.load(), (0, None))
        self.assertEqual((s.first_index(), s.last_index()), (1, 0))
        self.assertIsNone(s.entry(1))
        self.assertEqual(s.entries(1, 1), [])
        self.assertIsNone(s.snapshot())
        self.assertIsNone(s.term_at(1))

    def test_term_and_vote(self):
        s = self.make()
        s.save(3, "b")
        s = self.step(s)
        self.assertEqual(s.load(), (3, "b"))
        s.save(4, None)
        s = self.step(s)
        self.assertEqual(s.load(), (4, None))
        self.assertEqual((s.term, s.voted_for), (4, None))
        s.save(4, "node-ä")
        s = self.step(s)
        self.assertEqual(s.load(), (4, "node-ä"))

    def test_append_and_read(self):
        s = self.make()
        s.append([cmd(1, b"a")])
        s = self.step(s)
        s.append([cmd(1, b"b"), cmd(2, b"c"), cmd(2, b"d"), cmd(2, b"e")])
        s = self.step(s)
        s.append([])
        s = self.step(s)
        s.append([cmd(3, b"f")])
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (1, 6))
        self.assertEqual(s.entry(3), cmd(2, b"c"))
        self.assertEqual(s.entries(2, 5),
                         [cmd(1, b"b"), cmd(2, b"c"), cmd(2, b"d")])
        self.assertEqual(s.entries(6, 7), [cmd(3, b"f")])
        self.assertEqual([s.term_at(i) for i in range(0, 8)],
                         [None, 1, 1, 2, 2, 2, 3, None])
        self.assertIsNone(s.entry(0))
        self.assertIsNone(s.entry(7))

    def test_entry_kinds(self):
        s = self.make()
        entries = [(1, "noop", None), (1, "config", {"a": 1, "b": 0}),
                   cmd(1, b""), cmd(1, bytes(range(256)) * 10),
                   (2, "config", {})]
        s.append(entries)
        s = self.step(s)
        self.assertEqual(s.entries(1, 6), entries)

    def test_truncate_suffix(self):
        s = self.make()
        s.append([cmd(1, b"%d" % i) for i in range(1, 9)])
        s = self.step(s)
        s.truncate(6)
        s = self.step(s)
        self.assertEqual(s.last_index(), 5)
        self.assertIsNone(s.entry(6))
        s.truncate(9)               # past the end: nothing
        s = self.step(s)
        self.assertEqual(s.last_index(), 5)
        s.append([cmd(2, b"x"), cmd(2, b"y")])
        s = self.step(s)
        self.assertEqual(s.entries(4, 8), [cmd(1, b"4"), cmd(1, b"5"),
                                           cmd(2, b"x"), cmd(2, b"y")])
        s.truncate(3)
        s = self.step(s)
        self.assertEqual(s.entries(1, 3), [cmd(1, b"1"), cmd(1, b"2")])
        self.assertEqual(s.last_index(), 2)

    def test_truncate_everything_then_append(self):
        s = self.make()
        s.append([cmd(1, b"a"), cmd(1, b"b"), cmd(1, b"c"), cmd(1, b"d")])
        s.truncate(1)
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (1, 0))
        s.append([cmd(5, b"z")])
        s = self.step(s)
        self.assertEqual(s.entries(1, 2), [cmd(5, b"z")])

    def test_snapshot_keeps_a_tail(self):
        s = self.make()
        s.append([cmd(1, b"x"), cmd(1, b"y"), cmd(2, b"z")])
        s.save_snapshot(Snapshot(2, 1, {"a": 1}, b"S"), keep=1)
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (2, 3))
        self.assertEqual(s.snapshot(), Snapshot(2, 1, {"a": 1}, b"S"))
        self.assertEqual(s.term_at(2), 1)
        self.assertIsNone(s.term_at(1))
        s.truncate(3)
        s = self.step(s)
        self.assertEqual(s.last_index(), 2)

    def test_snapshot_discards_a_disagreeing_log(self):
        s = self.make()
        s.append([cmd(1, b"%d" % i) for i in range(7)])
        s.save_snapshot(Snapshot(9, 4, {"a": 1}, b"T"), discard=True)
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (10, 9))
        self.assertEqual(s.term_at(9), 4)
        self.assertIsNone(s.entry(7))
        s.append([cmd(4, b"after")])
        s = self.step(s)
        self.assertEqual(s.entries(10, 11), [cmd(4, b"after")])
        # a discard below the end of the log drops what follows too
        s.append([cmd(4, b"more"), cmd(4, b"again")])
        s.save_snapshot(Snapshot(11, 4, {"a": 1, "b": 1}, b"U"),
                        discard=True)
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (12, 11))

    def test_compaction_then_append_and_truncate(self):
        s = self.make()
        for i in range(1, 21):
            s.append([cmd(1 + i // 7, b"e%d" % i)])
        s.save_snapshot(Snapshot(12, 2, {"a": 1}, b"S12"), keep=3)
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (10, 20))
        self.assertEqual(s.entry(10), cmd(2, b"e10"))
        s.save_snapshot(Snapshot(20, 3, {"a": 1}, b"S20"))
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (21, 20))
        self.assertEqual(s.term_at(20), 3)
        s.append([cmd(3, b"e21"), cmd(3, b"e22")])
        s = self.step(s)
        s.truncate(5)           # below the compacted part: the whole log
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (21, 20))
        s.append([cmd(4, b"n21")])
        s = self.step(s)
        self.assertEqual(s.entries(21, 22), [cmd(4, b"n21")])

    def test_older_snapshot_does_not_move_the_start_back(self):
        s = self.make()
        s.append([cmd(1, b"%d" % i) for i in range(10)])
        s.save_snapshot(Snapshot(8, 1, {"a": 1}, b"8"))
        s.save_snapshot(Snapshot(9, 1, {"a": 1}, b"9"), keep=5)
        s = self.step(s)
        self.assertEqual((s.first_index(), s.last_index()), (9, 10))
        self.assertEqual(s.snapshot().data, b"9")

    def test_big_snapshot(self):
        s = self.make()
        data = os.urandom(3 << 20)
        s.append([cmd(1, b"x")])
        s.save_snapshot(Snapshot(1, 1, {"a": 1, "b": 2}, data))
        s = self.step(s)
        self.assertEqual(s.snapshot().data, data)


class MemoryBehaviour(Behaviour, unittest.TestCase):
    def make(self):
        return MemoryStorage()


class DiskBehaviour(Behaviour, unittest.TestCase):
    """Small segments, so every test crosses segment boundaries."""

    kw = {"segment_entries": 3, "segment_bytes": 1 << 20}

    def make(self):
        s = DiskStorage(self.mktemp(), **self.kw)
        self.addCleanup(lambda: s.close())
        return s

    def reopen(self, s):
        s.close()
        s = DiskStorage(s.path, **self.kw)
        self.addCleanup(s.close)
        return s


class DiskBehaviourBigSegments(DiskBehaviour):
    kw = {}


class Crash(Exception):
    pass


def cut_file(path, size):
    with open(path, "r+b") as f:
        f.truncate(size)


def add_bytes(path, data):
    with open(path, "ab") as f:
        f.write(data)


def poke(path, offset, data):
    with open(path, "r+b") as f:
        f.seek(offset)
        f.write(data)


class Disk(unittest.TestCase):
    def open(self, path=None, **kw):
        s = DiskStorage(path or self.mktemp(), **kw)
        self.addCleanup(s.close)
        return s

    def reopen(self, s, **kw):
        s.close()
        return self.open(s.path, **kw)

    def filled(self, n=10, per_append=1, **kw):
        s = self.open(**kw)
        ref = MemoryStorage()
        for i in range(1, n + 1, per_append):
            batch = [cmd(1 + i // 4, b"entry-%d" % j)
                     for j in range(i, min(n + 1, i + per_append))]
            s.append(batch)
            ref.append(batch)
        return s, ref

    # -- layout and the write path -------------------------------------

    def test_segments_roll_and_compaction_removes_them(self):
        s, _ = self.filled(10, segment_entries=3)
        names = [os.path.basename(p) for p in s.files()]
        self.assertEqual(names, ["seg-%010d.log" % i for i in (1, 2, 3, 4)])
        self.assertEqual(sorted(os.listdir(s.path)), names)
        s.save_snapshot(Snapshot(7, 2, {"a": 1}, b"S"))
        self.assertEqual([os.path.basename(p) for p in s.files()],
                         names[2:])
        self.assertEqual(sorted(os.listdir(s.path)),
                         names[2:] + ["snapshot"])
        s = self.reopen(s, segment_entries=3)
        self.assertEqual((s.first_index(), s.last_index()), (8, 10))

    def test_segment_bytes_roll(self):
        s = self.open(segment_bytes=1000)
        for i in range(10):
            s.append([cmd(1, b"x" * 300)])
        self.assertEqual(len(s.files()), 4)     # 4 + 4 + 2 records
        s = self.reopen(s)
        self.assertEqual(s.last_index(), 10)

    def test_one_write_and_one_fdatasync_per_append(self):
        s, _ = self.filled(2)
        calls = []
        for name in ("write", "fsync", "fdatasync"):
            real = getattr(os, name)
            self.patch(os, name, lambda *a, _n=name, _r=real:
                       calls.append(_n) or _r(*a))
        s.append([cmd(2, b"a"), cmd(2, b"b"), cmd(2, b"c" * 5000)])
        self.assertEqual(calls, ["write", "fdatasync"])

    def test_term_vote_saved_by_rename(self):
        s = self.open()
        s.save(2, "a")
        self.assertEqual(sorted(os.listdir(s.path)), ["state"])
        calls = []
        self.patch(os, "fsync", lambda fd: calls.append(fd))
        s.save(2, "a")                  # unchanged: nothing to write
        self.assertEqual(calls, [])

    def test_entry_data_must_round_trip(self):
        s, ref = self.filled(3)
        self.assertRaises(TypeError, s.append, [(2, "config", {1: 1})])
        self.assertRaises(TypeError, s.append, [(2, "config", (1, 2))])
        self.assertRaises(TypeError, s.save_snapshot,
                          Snapshot(2, 1, {"a": 1}, "text"))
        s.append([cmd(2, b"fine")])         # still usable
        s = self.reopen(s)
        self.assertEqual(s.last_index(), 4)

    def test_failed_fsync_stops_the_storage(self):
        s, _ = self.filled(3)

        def eio(fd):
            raise OSError(errno.EIO, "Input/output error")
        self.patch(os, "fdatasync", eio)
        self.assertRaises(OSError, s.append, [cmd(2, b"x")])
        self.assertEqual(s.last_index(), 3)
        self.assertRaises(StorageFailed, s.append, [cmd(2, b"y")])
        self.assertRaises(StorageFailed, s.save, 5, None)
        self.assertRaises(StorageFailed, s.truncate, 1)
        self.assertRaises(StorageFailed, s.save_snapshot,
                          Snapshot(1, 1, {}, b""))

    def test_not_synced_when_asked(self):
        calls = []
        self.patch(os, "fsync", lambda fd: calls.append(fd))
        self.patch(os, "fdatasync", lambda fd: calls.append(fd))
        s = self.open(sync=False)
        s.append([cmd(1, b"x")])
        s.save(1, "a")
        s.save_snapshot(Snapshot(1, 1, {}, b""))
        s.truncate(1)
        self.assertEqual(calls, [])

    # -- torn tails and corruption -------------------------------------

    def tail(self, s):
        """The last segment's path and the offset of its last record."""
        seg = s._segments[-1]
        return seg.path, seg.offsets[-1], seg.size

    def test_torn_last_record_dropped_at_every_length(self):
        s, ref = self.filled(7, segment_entries=4)
        s.close()
        good = self.mktemp()
        shutil.copytree(s.path, good)
        path, start, size = self.tail(s)
        name = os.path.basename(path)
        for keep in range(start + 1, size):
            d = self.mktemp()
            shutil.copytree(good, d)
            cut_file(os.path.join(d, name), keep)
            t = self.open(d, segment_entries=4)
            self.assertEqual(t.last_index(), 6, keep)
            self.assertEqual(t.entries(1, 7), ref.entries(1, 7))
            self.assertEqual(os.path.getsize(os.path.join(d, name)), start)
            t.append([cmd(9, b"new")])
            t = self.reopen(t, segment_entries=4)
            self.assertEqual(t.entry(7), cmd(9, b"new"))

    def test_torn_first_record_of_a_segment_removes_it(self):
        s, ref = self.filled(5, segment_entries=4)
        path, start, size = self.tail(s)
        self.assertEqual(start, 0)
        s.close()
        cut_file(path, 5)
        s = self.open(s.path, segment_entries=4)
        self.assertEqual(s.last_index(), 4)
        self.assertFalse(os.path.exists(path))
        s.append([cmd(3, b"again")])
        s = self.reopen(s)
        self.assertEqual(s.entries(4, 6), [ref.entry(4), cmd(3, b"again")])

    def test_garbage_after_the_tail_dropped(self):
        for junk in (b"\0", b"\0" * 4096, b"\xff" * 3, os.urandom(9),
                     os.urandom(100000), b"\x01" * 50):
            s, ref = self.filled(6)
            path, _, size = self.tail(s)
            s.close()
            add_bytes(path, junk)
            s = self.open(s.path)
            self.assertEqual(state(s), state(ref))
            self.assertEqual(os.path.getsize(path), size)

    def test_empty_segment_left_by_a_crash_removed(self):
        s, ref = self.filled(4, segment_entries=2)
        s.close()
        empty = os.path.join(s.path, "seg-0000000003.log")
        add_bytes(empty, b"")       # created, crashed before the write
        s = self.open(s.path, segment_entries=2)
        self.assertFalse(os.path.exists(empty))
        self.assertEqual(state(s), state(ref))
        s.append([cmd(5, b"five")])
        s = self.reopen(s, segment_entries=2)
        self.assertEqual(s.entries(4, 6), [ref.entry(4), cmd(5, b"five")])

    def test_torn_batch_with_a_lost_page(self):
        """A power cut during an append may persist the file's new size
        and some of its pages but not others: inside the last write that
        is a torn tail, even with intact records after the hole."""
        s, ref = self.filled(3)
        s.append([cmd(2, b"a" * 100), cmd(2, b"b" * 100), cmd(2, b"c")])
        seg = s._segments[-1]
        s.close()
        hole = seg.offsets[-2]
        poke(seg.path, hole, b"\0" * 50)
        s = self.open(s.path)
        self.assertEqual(s.last_index(), 4)
        self.assertEqual(s.entry(4), cmd(2, b"a" * 100))
        self.assertEqual(os.path.getsize(seg.path), hole)

    def test_corrupt_middle_record_is_an_error(self):
        s, ref = self.filled(6)
        seg = s._segments[-1]
        s.close()
        poke(seg.path, seg.offsets[2] + 20, b"X")
        e = self.assertRaises(CorruptStorage, DiskStorage, s.path)
        self.assertIn(seg.path, str(e))
        self.assertIn("offset %d: checksum mismatch" % seg.offsets[2],
                      str(e))

    def test_corrupt_length_in_the_middle_is_an_error(self):
        s, ref = self.filled(6)
        seg = s._segments[-1]
        s.close()
        poke(seg.path, seg.offsets[3], b"\xff\xff\xff\x7f")
        e = self.assertRaises(CorruptStorage, DiskStorage, s.path)
        self.assertIn("%s: offset %d: record runs past the end"
                      % (seg.path, seg.offsets[3]), str(e))

    def test_corrupt_end_of_an_older_segment_is_an_error(self):
        s, ref = self.filled(6, segment_entries=3)
        seg = s._segments[0]
        s.close()
        cut_file(seg.path, seg.size - 1)
        e = self.assertRaises(CorruptStorage, DiskStorage, s.path)
        self.assertIn("%s: offset %d" % (seg.path, seg.offsets[-1]), str(e))
        self.assertIn("not the last segment", str(e))

    def test_missing_segment_is_an_error(self):
        s, ref = self.filled(9, segment_entries=3)
        os.unlink(s._segments[1].path)
        s.close()
        e = self.assertRaises(CorruptStorage, DiskStorage, s.path)
        self.assertIn("starts at entry 7, entry 4 expected", str(e))

    def test_missing_first_segment_is_an_error(self):
        s, ref = self.filled(9, segment_entries=3)
        os.unlink(s._segments[0].path)
        s.close()
        e = self.assertRaises(CorruptStorage, DiskStorage, s.path)
        self.assertIn("starts at entry 4, entry 1 expected", str(e))

    def test_corrupt_state_and_snapshot_are_errors(self):
        for name in ("state", "snapshot"):
            s, ref = self.filled(3)
            s.save(3, "a")
            s.save_snapshot(Snapshot(2, 1, {"a": 1}, b"S"))
            s.close()
            path = os.path.join(s.path, name)
            poke(path, os.path.getsize(path) - 1, b"?")
            e = self.assertRaises(CorruptStorage, DiskStorage, s.path)
            self.assertIn(path + ": offset 0", str(e))

    def test_leftover_temporary_files_ignored(self):
        s, ref = self.filled(3)
        s.save(2, "b")
        s.close()
        add_bytes(os.path.join(s.path, "state.tmp"), b"half a st")
        add_bytes(os.path.join(s.path, "snapshot.tmp"), b"half a snap")
        s = self.open(s.path)
        self.assertEqual(s.load(), (2, "b"))
        self.assertIsNone(s.snapshot())
        self.assertNotIn("state.tmp", os.listdir(s.path))

    # -- crashes between the on-disk steps -----------------------------

    def crash_at(self, make, op, allowed):
        """Run *op* on fresh storages from *make*, crashing at each of its
        on-disk steps in turn; every reopened state must be in *allowed*
        (a function of the state before), and the storage must go on."""
        k = 0
        while True:
            s = make()
            before = state(s)
            seen = []

            def hook(what, k=k):
                seen.append(what)
                if len(seen) > k:
                    raise Crash(what)
            s.step_hook = hook
            try:
                op(s)
            except Crash:
                crashed = True
            else:
                crashed = False
            s = self.reopen(s, **self.kw)
            after = state(s)
            self.assertIn(after, allowed(before),
                          "crash at step %d (%s)" % (k, seen[-1:]))
            # it goes on: an append lands after what is there
            nxt = s.last_index() + 1
            s.append([cmd(99, b"next")])
            s = self.reopen(s, **self.kw)
            self.assertEqual(s.entry(nxt), cmd(99, b"next"))
            self.assertEqual(s.entries(s.first_index(), nxt),
                             after["entries"])
            if not crashed:
                return k
            k += 1

    kw = {"segment_entries": 3}

    def test_crash_during_truncate_leaves_a_prefix(self):
        def make():
            s, _ = self.filled(14, **self.kw)
            return s

        def allowed(before):
            return [dict(before, last=n, entries=before["entries"][:n])
                    for n in range(4, 15)]
        steps = self.crash_at(make, lambda s: s.truncate(5), allowed)
        self.assertEqual(steps, 3)      # 3 segments removed, then the cut

    def test_crash_during_compaction(self):
        for keep in (0, 4):
            def make():
                s, _ = self.filled(14, **self.kw)
                return s
            snap = Snapshot(11, 3, {"a": 1}, b"S11")

            def allowed(before):
                ref = MemoryStorage()
                ref.append(before["entries"])
                ref.save_snapshot(snap, keep=keep)
                return [before, state(ref)]
            steps = self.crash_at(
                make, lambda s: s.save_snapshot(snap, keep=keep), allowed)
            self.assertEqual(steps, 4 if keep == 0 else 3)

    def test_crash_during_discarding_snapshot(self):
        def make():
            s, _ = self.filled(10, **self.kw)
            s.save_snapshot(Snapshot(3, 1, {"a": 1}, b"S3"), keep=1)
            return s
        snap = Snapshot(7, 9, {"a": 1}, b"S7")

        def allowed(before):
            ref = MemoryStorage()
            return [before, dict(state(ref), first=8, last=7,
                                 snapshot=snap)]
        steps = self.crash_at(
            make, lambda s: s.save_snapshot(snap, discard=True), allowed)
        self.assertEqual(steps, 5)      # the snapshot, 4 segments removed

    def test_crash_while_saving_the_vote(self):
        def make():
            s, _ = self.filled(2, **self.kw)
            s.save(1, "a")
            return s

        def allowed(before):
            return [before, dict(before, vote=(2, "b"))]
        self.assertEqual(
            self.crash_at(make, lambda s: s.save(2, "b"), allowed), 1)

    def test_discarded_log_never_comes_back(self):
        """Snapshot saved, old segments not yet removed, new entries
        appended in a new segment: reopening keeps only the new ones."""
        s, _ = self.filled(5, **self.kw)
        old = list(s.files())
        snap = Snapshot(8, 9, {"a": 1}, b"S8")
        s.step_hook = lambda what: (_ for _ in ()).throw(Crash(what)) \
            if what == "segment removed" else None
        self.assertRaises(Crash, s.save_snapshot, snap, discard=True)
        s = self.reopen(s, **self.kw)
        self.assertEqual((s.first_index(), s.last_index()), (9, 8))
        for path in old:
            self.assertFalse(os.path.exists(path))
        s.append([cmd(9, b"nine"), cmd(9, b"ten")])
        s = self.reopen(s, **self.kw)
        self.assertEqual(s.entries(9, 11), [cmd(9, b"nine"), cmd(9, b"ten")])
        self.assertEqual(s.last_index(), 10)

    def test_crash_mid_append_keeps_a_prefix_of_the_batch(self):
        s, ref = self.filled(3)
        blob, offsets = raftdisk.encode_entries(
            4, [cmd(2, b"a"), cmd(2, b"b"), cmd(2, b"c")])
        path = s.files()[-1]
        s.close()
        add_bytes(path, blob[:offsets[2] + 7])  # the write(2) stopped here
        s = self.open(s.path)
        self.assertEqual(s.entries(4, 6), [cmd(2, b"a"), cmd(2, b"b")])
        self.assertEqual(s.last_index(), 5)

    def test_random_operations_agree_with_memory(self):
        rng = random.Random(11)
        for run in range(10):
            ref = MemoryStorage()
            kw = {"segment_entries": rng.choice([1, 2, 5, 1000]),
                  "segment_bytes": rng.choice([200, 1 << 20])}
            s = self.open(**kw)
            term = 1
            for _ in range(150):
                x = rng.random()
                if x < 0.45:
                    batch = [(term, rng.choice(["cmd", "noop", "config"]),
                              None) for _ in range(rng.randint(1, 4))]
                    batch = [(t, k, {"cmd": os.urandom(rng.randint(0, 60)),
                                     "noop": None,
                                     "config": {"a": rng.randint(0, 2)}}[k])
                             for t, k, _ in batch]
                    s.append(batch)
                    ref.append(batch)
                elif x < 0.6:
                    i = rng.randint(ref.first_index() - 2,
                                    ref.last_index() + 2)
                    s.truncate(i)
                    ref.truncate(i)
                elif x < 0.75 and ref.last_index() >= ref.first_index():
                    i = rng.randint(ref.first_index(), ref.last_index())
                    snap = Snapshot(i, ref.term_at(i), {"a": 1}, b"S%d" % i)
                    keep = rng.randint(0, 4)
                    s.save_snapshot(snap, keep=keep)
                    ref.save_snapshot(snap, keep=keep)
                elif x < 0.8:
                    i = max(ref.first_index(),
                            ref.last_index() + rng.randint(-3, 5))
                    snap = Snapshot(i, term, {"b": 1}, b"D%d" % i)
                    s.save_snapshot(snap, discard=True)
                    ref.save_snapshot(snap, discard=True)
                elif x < 0.9:
                    term += 1
                    vote = rng.choice([None, "a", "b"])
                    s.save(term, vote)
                    ref.save(term, vote)
                if rng.random() < 0.3:
                    s = self.reopen(s, **kw)
                self.assertEqual(state(s), state(ref))


# -- the simulation on disk --------------------------------------------


class DiskFactory:
    """Storages for the simulation: one directory per node; a crash
    reopens it, sometimes after leaving a torn record at the end of the
    log (the crash hit a write(2) that never returned)."""

    def __init__(self, base, seed, **kw):
        self.base = base
        self.rng = random.Random(seed)
        self.kw = kw
        self.reopened = self.torn = 0

    def __call__(self, node, previous):
        path = os.path.join(self.base, node)
        if previous is not None:
            previous.close()
            self.reopened += 1
            files = previous.files()
            if files and self.rng.random() < 0.5:
                blob, _ = raftdisk.encode_entries(
                    previous.last_index() + 1, [cmd(999, b"lost" * 20)])
                add_bytes(files[-1],
                          blob[:self.rng.randint(1, len(blob) - 1)])
                self.torn += 1
        return DiskStorage(path, **self.kw)


class Simulation(unittest.TestCase):
    def test_random_runs_on_disk_match_memory(self):
        """The same seeds on disk and in memory take the very same course
        (a storage that differed in anything would change it), crashes
        reopening the directory."""
        reopened = torn = 0
        for seed in range(12):
            base = self.mktemp()
            factory = DiskFactory(base, seed, sync=False,
                                  segment_entries=8)
            try:
                disk = raftsim.random_run(seed, storage_factory=factory)
            except Exception as e:
                self.fail("seed %d on disk: %s: %s"
                          % (seed, type(e).__name__, e))
            memory = raftsim.random_run(seed)
            self.assertEqual((disk.canon, disk.acked, disk.messages),
                             (memory.canon, memory.acked, memory.messages),
                             "seed %d" % seed)
            for storage in disk.storages.values():
                storage.close()
            reopened += factory.reopened
            torn += factory.torn
        self.assertGreater(reopened, 10)
        self.assertGreater(torn, 5)

    def test_a_run_with_fsync(self):
        base = self.mktemp()
        factory = DiskFactory(base, 3)
        sim = raftsim.random_run(3, storage_factory=factory)
        self.assertGreater(len(sim.acked), 0)
        for storage in sim.storages.values():
            storage.close()
