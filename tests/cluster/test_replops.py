"""Replicated tree operations: format, apply, determinism across nodes."""

import errno
import os
import random
import struct

from twisted.trial import unittest

from pve.cluster import locks, memdb, replops
from pve.cluster.memdb import MemDB
from pve.cluster.replops import (
    ANY, CREATE_OR_REPLACE, DIR, EXCLUSIVE, FILE, MUST_EXIST, Create,
    Delete, FormatError, Mkdir, Rename, RequestId, SetMtime, Truncate,
    Unlock, WriteFile, apply, decode, encode)

MiB = memdb.MAX_FILE_SIZE
NODES = ("n1", "n2", "n3")
WRITER = {"n1": 1, "n2": 2, "n3": 3}


def layout(db, nodes=NODES):
    for node in nodes:
        for path in ["nodes", "nodes/" + node] + [
                "nodes/%s/%s" % (node, d)
                for d in ("qemu-server", "lxc", "openvz", "priv")]:
            if db.lookup(path) is None:
                db.mkdir(path, 0, 1)
    for path in ("priv", "priv/lock"):
        if db.lookup(path) is None:
            db.mkdir(path, 0, 1)


class Proposer:
    """Stamps operations as one node would."""

    def __init__(self, node="n1", mtime=1000):
        self.node = node
        self.counter = 0
        self.mtime = mtime

    def __call__(self, cls, path, **kw):
        self.counter += 1
        self.mtime += 1
        kw.setdefault("writer", WRITER.get(self.node, 9))
        kw.setdefault("mtime", self.mtime)
        return cls(request=RequestId(self.node, self.counter), path=path,
                   **kw)


def change_tuple(change):
    return (change.version, change.writer, change.mtime, change.rows,
            change.delete, change.paths)


def result_tuple(result):
    return (result.request, result.errno, result.message,
            [change_tuple(c) for c in result.changes])


def vm_owners(db):
    return {vmid: tuple(info[:2]) for vmid, info in db.vmlist.items()}


class ErrorMixin:
    def assertError(self, db, op, code):
        before = list(db.rows())
        version = db.version
        result = apply(db, op)
        self.assertFalse(result.ok, "expected %s, got success"
                         % errno.errorcode[code])
        self.assertEqual(result.errno, code, "expected %s, got %s"
                         % (errno.errorcode[code],
                            errno.errorcode.get(result.errno)))
        self.assertEqual(result.message, os.strerror(code))
        self.assertEqual(result.changes, ())
        self.assertEqual(result.request, op.request)
        self.assertEqual(db.version, version)
        self.assertEqual(list(db.rows()), before)
        return result

    def assertOk(self, db, op):
        result = apply(db, op)
        self.assertTrue(result.ok, "failed: %s (%s)"
                        % (errno.errorcode.get(result.errno), op))
        self.assertEqual(result.request, op.request)
        return result


# -- the format ---------------------------------------------------------------

def sample_ops():
    p = Proposer("n2")
    return [
        p(WriteFile, "nodes/n2/qemu-server/100.conf", data=b"memory: 512\n",
          truncate=True, mode=CREATE_OR_REPLACE),
        p(WriteFile, "a/f", data=b"xyz", offset=7, mode=MUST_EXIST),
        p(WriteFile, "a/g", data=b"", mode=EXCLUSIVE, truncate=True),
        p(Create, "a/new"),
        p(Truncate, "a/f", size=12345),
        p(Mkdir, "priv/lock/ha_agent_n2_lock"),
        p(Delete, "a/f", kind=FILE),
        p(Delete, "a", kind=DIR),
        p(Delete, "b"),
        p(Rename, "nodes/n1/qemu-server/100.conf",
          dst="nodes/n2/qemu-server/100.conf"),
        p(SetMtime, "priv/lock/x", mtime=1700000000),
        p(Unlock, "priv/lock/x", checksum=bytes(range(32))),
    ]


class FormatTests(unittest.TestCase):
    def test_round_trip_every_operation(self):
        for op in sample_ops():
            raw = encode(op)
            back = decode(raw)
            self.assertEqual(back, op)
            self.assertIs(type(back), type(op))
            self.assertIsInstance(back.request, RequestId)
            self.assertEqual(encode(back), raw)

    def test_header(self):
        raw = encode(sample_ops()[0])
        self.assertEqual(raw[:2], b"RO")
        self.assertEqual(raw[2], replops.FORMAT_VERSION)
        self.assertEqual(raw[3], WriteFile.opcode)

    def test_empty_data(self):
        op = Proposer()(WriteFile, "f", data=b"", truncate=True,
                        mode=CREATE_OR_REPLACE)
        self.assertEqual(decode(encode(op)).data, b"")

    def test_one_mib_of_data(self):
        data = random.Random(1).randbytes(MiB)
        op = Proposer()(WriteFile, "nodes/n1/big", data=data,
                        mode=CREATE_OR_REPLACE)
        back = decode(encode(op))
        self.assertEqual(back.data, data)
        self.assertEqual(back, op)

    def test_unicode_paths(self):
        p = Proposer("nœud-ü")
        for op in (p(Mkdir, "nodes/nœud-ü"),
                   p(Rename, "é/☃.conf", dst="日本/💾 file"),
                   p(WriteFile, "ß/ø", data="ünïcødé".encode())):
            self.assertEqual(decode(encode(op)), op)

    def test_extreme_numbers(self):
        p = Proposer()
        op = p(WriteFile, "f", data=b"x", offset=-1, writer=0xFFFFFFFF,
               mtime=-(1 << 63))
        op = op.__class__(**{**op.__dict__,
                             "request": RequestId("n", (1 << 64) - 1)})
        self.assertEqual(decode(encode(op)), op)

    def test_bytearray_and_memoryview_accepted(self):
        raw = encode(sample_ops()[3])
        self.assertEqual(decode(bytearray(raw)), decode(raw))
        self.assertEqual(decode(memoryview(raw)), decode(raw))

    # -- malformed input ---------------------------------------------------

    def assertMalformed(self, raw, fragment):
        e = self.assertRaises(FormatError, decode, raw)
        self.assertIn(fragment, str(e))
        self.assertIsInstance(e, ValueError)

    def test_not_bytes(self):
        self.assertMalformed("RO", "expected bytes")

    def test_empty_and_bad_magic(self):
        self.assertMalformed(b"", "bad magic")
        self.assertMalformed(b"XX\x01\x01" + b"\0" * 40, "bad magic")

    def test_unknown_version(self):
        raw = bytearray(encode(sample_ops()[3]))
        raw[2] = 2
        self.assertMalformed(bytes(raw), "format version 2")

    def test_unknown_opcode(self):
        raw = bytearray(encode(sample_ops()[3]))
        for code in (0, 9, 255):
            raw[3] = code
            self.assertMalformed(bytes(raw), "unknown operation code %d"
                                 % code)

    def test_every_truncation_is_refused(self):
        for op in sample_ops():
            raw = encode(op)
            for n in range(len(raw)):
                self.assertRaises(FormatError, decode, raw[:n])

    def test_trailing_bytes(self):
        self.assertMalformed(encode(sample_ops()[0]) + b"\0",
                             "1 trailing bytes")

    def _fields(self, opcode, arg=0, number=0, node=b"n1", path=b"p",
                path2=b"", blob=b"", declared=None):
        head = struct.pack("<2sBBBIqQq", b"RO", 1, opcode, arg, 1, 2, 3,
                           number)
        return (head + struct.pack("<H", len(node)) + node
                + struct.pack("<H", len(path)) + path
                + struct.pack("<H", len(path2)) + path2
                + struct.pack("<I", len(blob) if declared is None
                              else declared) + blob)

    def test_handmade_encoding_matches(self):
        raw = self._fields(Mkdir.opcode)
        self.assertEqual(decode(raw), Mkdir(RequestId("n1", 3), 1, 2, "p"))
        self.assertEqual(encode(decode(raw)), raw)

    def test_invalid_utf8(self):
        self.assertMalformed(self._fields(Mkdir.opcode, path=b"a\xff"),
                             "path is not valid UTF-8")
        self.assertMalformed(self._fields(Mkdir.opcode, node=b"\xc3"),
                             "request node is not valid UTF-8")

    def test_empty_node(self):
        self.assertMalformed(self._fields(Mkdir.opcode, node=b""),
                             "request node is empty")

    def test_declared_data_too_long(self):
        self.assertMalformed(
            self._fields(WriteFile.opcode, declared=MiB + 1),
            "data too long")

    def test_data_length_beyond_the_end(self):
        self.assertMalformed(
            self._fields(WriteFile.opcode, blob=b"abc", declared=10),
            "truncated operation: data")

    def test_fields_an_operation_does_not_use(self):
        self.assertMalformed(self._fields(Mkdir.opcode, arg=1),
                             "unexpected flags")
        self.assertMalformed(self._fields(Mkdir.opcode, number=5),
                             "unexpected offset/size")
        self.assertMalformed(self._fields(Mkdir.opcode, path2=b"q"),
                             "unexpected second path")
        self.assertMalformed(self._fields(Create.opcode, blob=b"x"),
                             "unexpected data")
        self.assertMalformed(self._fields(Rename.opcode, number=1),
                             "unexpected offset/size")

    def test_invalid_flags(self):
        self.assertMalformed(self._fields(WriteFile.opcode, arg=0b110),
                             "invalid flags")
        self.assertMalformed(self._fields(WriteFile.opcode, arg=0b1000),
                             "invalid flags")
        self.assertMalformed(self._fields(Delete.opcode, arg=3),
                             "invalid kind")

    def test_unlock_checksum_size(self):
        self.assertMalformed(self._fields(Unlock.opcode, blob=b"x" * 31),
                             "checksum must be 32 bytes")
        self.assertMalformed(self._fields(Unlock.opcode),
                             "checksum must be 32 bytes")

    # -- what encode refuses -----------------------------------------------

    def test_encode_refuses(self):
        p = Proposer()
        bad = [
            p(WriteFile, "f", data=b"x" * (MiB + 1)),
            p(WriteFile, "f", data="text"),
            p(WriteFile, "f", mode=7),
            p(Mkdir, "f", writer=-1),
            p(Mkdir, "f", writer=1 << 32),
            p(Mkdir, "f", mtime=1 << 63),
            p(Mkdir, "f", mtime=1.5),
            p(Mkdir, "bad\udcff"),
            p(Mkdir, "x" * 70000),
            p(Mkdir, 7),
            p(Rename, "a", dst=None),
            p(Truncate, "f", size="1"),
            p(Delete, "f", kind=5),
            p(Unlock, "priv/lock/x", checksum=b"short"),
            Mkdir(RequestId("", 1), 1, 1, "f"),
            Mkdir(RequestId("n1", -1), 1, 1, "f"),
            Mkdir(("n1",), 1, 1, "f"),
        ]
        for op in bad:
            self.assertRaises(FormatError, encode, op)
        self.assertRaises(FormatError, encode, object())
        self.assertRaises(FormatError, encode, "Mkdir")


# -- apply --------------------------------------------------------------------

class ApplyTests(ErrorMixin, unittest.TestCase):
    def setUp(self):
        self.db = MemDB()
        layout(self.db)
        self.p = Proposer("n1")

    def test_write_file_creates_then_replaces(self):
        op = self.p(WriteFile, "nodes/n1/qemu-server/100.conf",
                    data=b"cores: 2\n", truncate=True,
                    mode=CREATE_OR_REPLACE)
        result = self.assertOk(self.db, op)
        self.assertEqual(len(result.changes), 1)
        change = result.changes[0]
        self.assertEqual(change.version, self.db.version)
        self.assertEqual(result.version, self.db.version)
        self.assertEqual((change.writer, change.mtime), (1, op.mtime))
        self.assertEqual(change.paths, ("nodes/n1/qemu-server/100.conf",))
        self.assertEqual(self.db.vmlist[100][:2], ["n1", "qemu"])
        self.assertOk(self.db, self.p(
            WriteFile, "nodes/n1/qemu-server/100.conf", data=b"x",
            truncate=True, mode=CREATE_OR_REPLACE))
        entry = self.db.get("nodes/n1/qemu-server/100.conf")
        self.assertEqual(entry.data, b"x")
        self.assertEqual(entry.writer, 1)

    def test_pwrite_and_truncate(self):
        self.assertOk(self.db, self.p(Create, "f"))
        self.assertOk(self.db, self.p(WriteFile, "f", data=b"hello",
                                      offset=3))
        self.assertEqual(self.db.get("f").data, b"\0\0\0hello")
        self.assertOk(self.db, self.p(Truncate, "f", size=4))
        self.assertEqual(self.db.get("f").data, b"\0\0\0h")
        self.assertOk(self.db, self.p(WriteFile, "f", data=b"AB", offset=0,
                                      truncate=True))
        self.assertEqual(self.db.get("f").data, b"AB")

    def test_result_plain(self):
        result = self.assertOk(self.db, self.p(Mkdir, "d"))
        plain = result.plain()
        self.assertEqual(plain, {"node": "n1", "counter": 1, "errno": 0,
                                 "message": "", "version": self.db.version})
        for value in plain.values():
            self.assertIn(type(value), (str, int))
        result.raise_for_error()
        bad = self.assertError(self.db, self.p(Mkdir, "d"), errno.EEXIST)
        e = self.assertRaises(OSError, bad.raise_for_error)
        self.assertEqual(e.errno, errno.EEXIST)
        self.assertEqual(bad.plain()["version"], 0)

    def test_rename_onto_itself_changes_nothing(self):
        self.assertOk(self.db, self.p(Create, "f"))
        version = self.db.version
        result = self.assertOk(self.db, self.p(Rename, "f", dst="/f"))
        self.assertEqual(result.changes, ())
        self.assertIsNone(result.version)
        self.assertEqual(self.db.version, version)

    def test_vm_migration_by_rename(self):
        self.assertOk(self.db, self.p(
            WriteFile, "nodes/n1/qemu-server/100.conf", data=b"x",
            mode=CREATE_OR_REPLACE))
        self.assertOk(self.db, self.p(
            Rename, "nodes/n1/qemu-server/100.conf",
            dst="nodes/n2/qemu-server/100.conf"))
        self.assertEqual(self.db.vmlist[100][:2], ["n2", "qemu"])

    # -- errors: returned, not raised; nothing changes ---------------------

    def test_eexist_for_a_vmid_on_another_node(self):
        self.assertOk(self.db, self.p(
            WriteFile, "nodes/n1/qemu-server/100.conf", data=b"x",
            mode=CREATE_OR_REPLACE))
        other = Proposer("n2")
        for path in ("nodes/n2/qemu-server/100.conf",
                     "nodes/n1/lxc/100.conf", "nodes/n3/lxc/100.conf"):
            self.assertError(self.db, other(
                WriteFile, path, data=b"y", mode=CREATE_OR_REPLACE),
                errno.EEXIST)
            self.assertError(self.db, other(Create, path), errno.EEXIST)
        self.assertOk(self.db, other(Create, "nodes/n2/lxc/101.conf"))
        self.assertError(self.db, other(
            Rename, "nodes/n2/lxc/101.conf", dst="nodes/n2/lxc/100.conf"),
            errno.EEXIST)

    def test_exclusive_create_of_an_existing_file(self):
        self.assertOk(self.db, self.p(Create, "f"))
        self.assertError(self.db, self.p(Create, "f"), errno.EEXIST)
        self.assertError(self.db, self.p(WriteFile, "f", data=b"x",
                                         mode=EXCLUSIVE), errno.EEXIST)

    def test_enoent(self):
        self.assertError(self.db, self.p(WriteFile, "missing", data=b"x"),
                         errno.ENOENT)
        self.assertError(self.db, self.p(WriteFile, "no/dir/f", data=b"x",
                                         mode=CREATE_OR_REPLACE),
                         errno.ENOENT)
        self.assertError(self.db, self.p(Delete, "missing"), errno.ENOENT)
        self.assertError(self.db, self.p(Truncate, "missing", size=0),
                         errno.ENOENT)
        self.assertError(self.db, self.p(Rename, "missing", dst="x"),
                         errno.ENOENT)
        self.assertError(self.db, self.p(SetMtime, "missing"), errno.ENOENT)
        self.assertError(self.db, self.p(Mkdir, "no/such"), errno.ENOENT)

    def test_enotempty(self):
        self.assertOk(self.db, self.p(Mkdir, "d"))
        self.assertOk(self.db, self.p(Create, "d/f"))
        self.assertError(self.db, self.p(Delete, "d", kind=DIR),
                         errno.ENOTEMPTY)
        self.assertError(self.db, self.p(Delete, "nodes"), errno.ENOTEMPTY)
        self.assertError(self.db, self.p(Rename, "d", dst="e"),
                         errno.ENOTEMPTY)

    def test_efbig_at_the_limit(self):
        self.assertOk(self.db, self.p(WriteFile, "big", data=b"\1" * MiB,
                                      truncate=True,
                                      mode=CREATE_OR_REPLACE))
        self.assertEqual(self.db.get("big").size, MiB)
        self.assertError(self.db, self.p(WriteFile, "big", data=b"\2",
                                         offset=MiB), errno.EFBIG)
        self.assertError(self.db, self.p(WriteFile, "big2", data=b"\2" * MiB,
                                         offset=1, mode=CREATE_OR_REPLACE),
                         errno.EFBIG)
        self.assertError(self.db, self.p(Truncate, "big", size=MiB + 1),
                         errno.EFBIG)
        self.assertIsNone(self.db.lookup("big2"))
        # a 1 MiB + 1 write is refused by encode: the proposer answers EFBIG
        # itself; applied anyway it is EFBIG too
        self.assertError(self.db, self.p(WriteFile, "big", data=b"\3" *
                                         (MiB + 1)), errno.EFBIG)

    def test_einval(self):
        self.assertOk(self.db, self.p(Create, "f"))
        self.assertError(self.db, self.p(WriteFile, "f", data=b"x",
                                         offset=-1), errno.EINVAL)
        self.assertOk(self.db, self.p(Mkdir, "d"))
        self.assertError(self.db, self.p(Rename, "d", dst="d/e"),
                         errno.EINVAL)

    def test_kind_checks(self):
        self.assertOk(self.db, self.p(Mkdir, "d"))
        self.assertOk(self.db, self.p(Create, "f"))
        self.assertError(self.db, self.p(Delete, "d", kind=FILE),
                         errno.EISDIR)
        self.assertError(self.db, self.p(Delete, "f", kind=DIR),
                         errno.ENOTDIR)
        self.assertError(self.db, self.p(WriteFile, "d", data=b"x",
                                         mode=CREATE_OR_REPLACE),
                         errno.EISDIR)
        self.assertOk(self.db, self.p(Delete, "f", kind=FILE))
        self.assertOk(self.db, self.p(Delete, "d", kind=DIR))

    def test_reserved_root_names(self):
        for name in ("local", "qemu-server", ".vmlist", ".debug"):
            self.assertError(self.db, self.p(
                WriteFile, name, data=b"x", mode=CREATE_OR_REPLACE),
                errno.EACCES)
            self.assertError(self.db, self.p(Create, name), errno.EACCES)
            self.assertError(self.db, self.p(Mkdir, name), errno.EEXIST)
            self.assertError(self.db, self.p(Delete, name), errno.EACCES)
            self.assertError(self.db, self.p(Rename, "nodes", dst=name),
                             errno.EACCES)
            version = self.db.version
            self.assertEqual(self.assertOk(
                self.db, self.p(SetMtime, name)).changes, ())
            self.assertEqual(self.db.version, version)
        # not at the root, the names are ordinary
        self.assertOk(self.db, self.p(Create, "nodes/n1/local"))

    def test_root(self):
        self.assertError(self.db, self.p(Delete, ""), errno.EACCES)
        self.assertError(self.db, self.p(Mkdir, ""), errno.EACCES)
        self.assertEqual(self.assertOk(self.db, self.p(SetMtime, "/")).changes,
                         ())

    # -- locks -------------------------------------------------------------

    def test_lock_lifecycle(self):
        lock = "priv/lock/storage-local"
        n1, n2 = Proposer("n1", 5000), Proposer("n2", 5000)
        self.assertOk(self.db, n1(Mkdir, lock))
        self.assertError(self.db, n2(Mkdir, lock), errno.EEXIST)
        # refreshed forward by its holder only
        self.assertOk(self.db, n1(SetMtime, lock, mtime=6000))
        self.assertError(self.db, n1(SetMtime, lock, mtime=5999),
                         errno.EACCES)
        self.assertError(self.db, n2(SetMtime, lock, mtime=7000),
                         errno.EACCES)
        self.assertError(self.db, n1(Rename, lock, dst="priv/lock/other"),
                         errno.EACCES)
        # n2 saw it expire in this state: the release applies
        csum = locks.entry_checksum(self.db.get(lock))
        stale = n2(Unlock, lock, checksum=csum)
        # ... but n1 refreshed it first, in commit order
        self.assertOk(self.db, n1(SetMtime, lock, mtime=6001))
        self.assertError(self.db, stale, errno.EACCES)
        entry = self.db.get(lock)
        csum = locks.entry_checksum(entry)
        result = self.assertOk(self.db, n2(Unlock, lock, checksum=csum))
        self.assertEqual(result.changes[0].delete, entry.inode)
        self.assertEqual(result.changes[0].writer, 2)
        self.assertIsNone(self.db.lookup(lock))
        self.assertError(self.db, n2(Unlock, lock, checksum=csum),
                         errno.ENOENT)

    def test_unlock_only_lock_directories(self):
        self.assertOk(self.db, self.p(Mkdir, "d"))
        csum = locks.entry_checksum(self.db.get("d"))
        self.assertError(self.db, self.p(Unlock, "d", checksum=csum),
                         errno.EINVAL)
        self.assertOk(self.db, self.p(Create, "priv/lock/file"))
        csum = locks.entry_checksum(self.db.get("priv/lock/file"))
        self.assertError(self.db, self.p(Unlock, "priv/lock/file",
                                         checksum=csum), errno.EINVAL)

    # -- what propagates ---------------------------------------------------

    def test_unexpected_exceptions_propagate(self):
        self.assertRaises(TypeError, apply, self.db,
                          self.p(WriteFile, "f", data=None,
                                 mode=CREATE_OR_REPLACE))

        class Broken(MemDB):
            def mkdir(self, path, writer, mtime):
                raise OSError("no errno")

        self.assertRaises(OSError, apply, Broken(), self.p(Mkdir, "d"))
        self.assertRaises(KeyError, apply, self.db, object())

    def test_one_failure_does_not_stop_the_next(self):
        ops = [self.p(Mkdir, "d"), self.p(Mkdir, "d"), self.p(Create, "d/f")]
        results = [apply(self.db, op) for op in ops]
        self.assertEqual([r.errno for r in results], [0, errno.EEXIST, 0])
        self.assertIsNotNone(self.db.lookup("d/f"))


# -- determinism --------------------------------------------------------------

VMIDS = list(range(100, 108))
DIRS = ["a", "a/b", "a/b/c", "x", "x/y", "nodes/n1/priv/sub"]
FILES = ["a/f", "a/b/g", "x/h", "x/y/big", "nodes/n2/priv/secret",
         "top", "a/b/c/deep"]
LOCKS = ["priv/lock/ha", "priv/lock/storage-x", "priv/lock/vm-100"]


def vm_path(rng):
    node = rng.choice(NODES + ("n4",))
    kind = rng.choice(("qemu-server", "qemu-server", "lxc"))
    return "nodes/%s/%s/%d.conf" % (node, kind, rng.choice(VMIDS))


def random_op(rng, proposers, leader):
    """One operation as some node would propose it; *leader* is a tree
    the proposer looks at (for lock checksums only)."""
    p = proposers[rng.choice(NODES)]
    r = rng.random()
    if r < 0.20:
        return p(WriteFile, vm_path(rng),
                 data=b"name: vm%d\n" % rng.randrange(1000),
                 truncate=True, mode=CREATE_OR_REPLACE)
    if r < 0.25:
        return p(Create, vm_path(rng))
    if r < 0.32:
        return p(Delete, vm_path(rng), kind=FILE)
    if r < 0.38:
        return p(Rename, vm_path(rng), dst=vm_path(rng))
    if r < 0.45:
        return p(Mkdir, rng.choice(DIRS))
    if r < 0.50:
        return p(Delete, rng.choice(DIRS), kind=rng.choice((ANY, DIR)))
    if r < 0.62:
        size = rng.choice((0, 1, 100, 4096, 300 * 1024, MiB))
        offset = rng.choice((0, 0, 17, MiB - size, MiB - size + 1))
        return p(WriteFile, rng.choice(FILES),
                 data=rng.randbytes(size), offset=offset,
                 truncate=rng.random() < 0.5,
                 mode=rng.choice((MUST_EXIST, EXCLUSIVE, CREATE_OR_REPLACE)))
    if r < 0.67:
        return p(Truncate, rng.choice(FILES),
                 size=rng.choice((0, 10, 5000, MiB, MiB + 1)))
    if r < 0.72:
        return p(Rename, rng.choice(FILES + DIRS),
                 dst=rng.choice(FILES + DIRS + ["new", "a/new"]))
    if r < 0.75:
        return p(Delete, rng.choice(FILES), kind=rng.choice((ANY, FILE)))
    if r < 0.82:
        return p(Mkdir, rng.choice(LOCKS))
    if r < 0.90:
        path = rng.choice(LOCKS)
        entry = leader.lookup(path)
        mtime = (entry.mtime if entry is not None else p.mtime) + \
            rng.choice((-1, 0, 5))
        return p(SetMtime, path, mtime=mtime)
    if r < 0.96:
        path = rng.choice(LOCKS)
        entry = leader.lookup(path)
        if entry is not None and rng.random() < 0.7:
            csum = locks.entry_checksum(entry)
        else:
            csum = rng.randbytes(32)
        return p(Unlock, path, checksum=csum)
    return p(SetMtime, rng.choice(FILES + DIRS), mtime=rng.randrange(1 << 31))


class DeterminismTests(unittest.TestCase):
    def run_sequence(self, seed, steps=400):
        rng = random.Random(seed)
        # proposers' clocks disagree: mtimes are stamped, never read
        proposers = {n: Proposer(n, 10000 + 1000 * i)
                     for i, n in enumerate(NODES)}
        a, b = MemDB(), MemDB()
        layout(a)
        layout(b)
        restore_at = rng.randrange(steps // 4, 3 * steps // 4)
        c = None
        results_a, results_b, results_c = [], [], []
        self.applied = []
        for step in range(steps):
            if step == restore_at:
                c = MemDB.from_rows(list(a.rows()))
            op = random_op(rng, proposers, a)
            try:
                raw = encode(op)
            except FormatError:
                raw = None      # never proposed: the proposer answers
            if raw is None:
                continue
            # a applies the proposer's object, b and c what they decode
            before = list(a.rows())
            res_a = apply(a, op)
            if not res_a.ok:
                self.assertEqual(list(a.rows()), before)
            results_a.append(res_a)
            self.applied.append(op)
            results_b.append(apply(b, decode(raw)))
            if c is not None:
                results_c.append(apply(c, decode(raw)))
        return a, b, c, results_a, results_b, results_c

    def check(self, seed):
        a, b, c, ra, rb, rc = self.run_sequence(seed)
        self.assertEqual(list(a.rows()), list(b.rows()))
        self.assertEqual(list(a.rows()), list(c.rows()))
        self.assertEqual(a.version, b.version)
        self.assertEqual(a.version, c.version)
        self.assertEqual([result_tuple(r) for r in ra],
                         [result_tuple(r) for r in rb])
        self.assertEqual([result_tuple(r) for r in ra[-len(rc):]],
                         [result_tuple(r) for r in rc])
        self.assertEqual(vm_owners(a), vm_owners(b))
        self.assertEqual(vm_owners(a), vm_owners(c))
        self.assertEqual(a.total_size, c.total_size)
        # a tree rebuilt from the final rows agrees too
        self.assertEqual(list(MemDB.from_rows(list(a.rows())).rows()),
                         list(a.rows()))
        return ra

    def test_random_sequences(self):
        seen = set()
        for seed in range(6):
            results = self.check(seed)
            seen.update(r.errno for r in results)
        # the sequences exercise what they are meant to
        for code in (0, errno.EEXIST, errno.ENOENT, errno.ENOTEMPTY,
                     errno.EFBIG, errno.EACCES, errno.EISDIR):
            self.assertIn(code, seen, errno.errorcode.get(code, code))

    def test_sequences_do_something(self):
        outcomes = set()
        for seed in range(6):
            a, _b, _c, ra, _rb, _rc = self.run_sequence(seed)
            self.assertGreater(sum(r.ok for r in ra), 60)
            self.assertTrue(a.vmlist)
            for op, r in zip(self.applied, ra):
                outcomes.add((type(op).__name__, r.errno))
                if r.ok and isinstance(op, Mkdir) and \
                        op.path.startswith("priv/lock/"):
                    outcomes.add(("lock taken", 0))
                if r.ok and isinstance(op, WriteFile) and len(op.data) > 1000:
                    outcomes.add(("big write", 0))
                if r.ok and isinstance(op, Rename) and \
                        op.path.endswith(".conf"):
                    outcomes.add(("vm moved", 0))
        for name in ("WriteFile", "Create", "Truncate", "Mkdir", "Delete",
                     "Rename", "SetMtime", "Unlock", "lock taken",
                     "big write", "vm moved"):
            self.assertIn((name, 0), outcomes, name)
        for name, code in (("WriteFile", errno.EEXIST),
                           ("WriteFile", errno.EFBIG),
                           ("Delete", errno.ENOTEMPTY),
                           ("Unlock", errno.EACCES),
                           ("SetMtime", errno.EACCES)):
            self.assertIn((name, code), outcomes, (name, code))
