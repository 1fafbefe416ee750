"""The in-memory tree's rules, as pure data."""

import errno

from twisted.trial import unittest

from pve.cluster import memdb
from pve.cluster.memdb import MemDB


def layout(db, node="n1"):
    for path in ["nodes", "nodes/" + node] + [
            "nodes/%s/%s" % (node, d)
            for d in ("qemu-server", "lxc", "openvz", "priv")]:
        if db.lookup(path) is None:
            db.mkdir(path, 0, 1)


class ErrnoMixin:
    def assertErrno(self, code, f, *args, **kw):
        e = self.assertRaises(OSError, f, *args, **kw)
        self.assertEqual(e.errno, code, "expected %s, got %r"
                         % (errno.errorcode[code], e))
        return e


class VersionTests(unittest.TestCase):
    def test_every_change_bumps_the_version(self):
        db = MemDB()
        c1 = db.mkdir("a", 0, 10)
        c2 = db.create("a/f", 0, 11)
        c3 = db.write("a/f", b"x", 0, 0, 12)
        self.assertEqual([c1.version, c2.version, c3.version], [1, 2, 3])
        self.assertEqual(db.version, 3)

    def test_new_inode_is_the_version_that_created_it(self):
        db = MemDB()
        db.mkdir("a", 0, 1)
        db.mkdir("b", 0, 1)
        self.assertEqual(db.lookup("b").inode, 2)
        change = db.create("a/f", 0, 2)
        self.assertEqual(change.rows[0][0], 3)
        self.assertEqual(change.rows[0][2], 3)

    def test_version_row(self):
        db = MemDB()
        change = db.mkdir("a", 7, 99)
        self.assertEqual(change.version_row(),
                         (0, 0, 1, 7, 99, memdb.DT_REG, "__version__", None))

    def test_rename_keeps_the_inode(self):
        db = MemDB()
        db.mkdir("a", 0, 1)
        db.create("f", 0, 1)
        inode = db.lookup("f").inode
        db.rename("f", "a/g", 0, 2)
        self.assertEqual(db.lookup("a/g").inode, inode)
        self.assertIsNone(db.lookup("f"))


class WriteTests(ErrnoMixin, unittest.TestCase):
    def setUp(self):
        self.db = MemDB()

    def test_write_at_offset_pads_with_zeros(self):
        self.db.create("f", 0, 1)
        self.db.write("f", b"ab", 4, 0, 1)
        self.assertEqual(self.db.lookup("f").data, b"\0\0\0\0ab")

    def test_overwrite_inside_keeps_the_tail(self):
        self.db.write("f", b"hello world", 0, 0, 1, create=True)
        self.db.write("f", b"J", 0, 0, 1)
        self.assertEqual(self.db.lookup("f").data, b"Jello world")

    def test_truncating_write(self):
        self.db.write("f", b"hello world", 0, 0, 1, create=True)
        self.db.write("f", b"HE", 0, 0, 1, truncate=True)
        self.assertEqual(self.db.lookup("f").data, b"HE")

    def test_truncate_grows_and_shrinks(self):
        self.db.write("f", b"hello", 0, 0, 1, create=True)
        self.db.truncate("f", 2, 0, 1)
        self.assertEqual(self.db.lookup("f").data, b"he")
        self.db.truncate("f", 4, 0, 1)
        self.assertEqual(self.db.lookup("f").data, b"he\0\0")

    def test_file_limit(self):
        self.db.create("f", 0, 1)
        self.db.write("f", b"x" * memdb.MAX_FILE_SIZE, 0, 0, 1)
        v = self.db.version
        self.assertErrno(errno.EFBIG, self.db.write, "f", b"y",
                         memdb.MAX_FILE_SIZE, 0, 1)
        self.assertEqual(self.db.version, v)
        self.assertEqual(self.db.lookup("f").size, memdb.MAX_FILE_SIZE)

    def test_total_size_limit(self):
        chunk = b"x" * memdb.MAX_FILE_SIZE
        for i in range(memdb.MAX_FS_SIZE // memdb.MAX_FILE_SIZE):
            self.db.write("f%d" % i, chunk, 0, 0, 1, create=True)
        self.db.create("last", 0, 1)
        self.assertErrno(errno.ENOSPC, self.db.write, "last", b"y", 0, 0, 1)
        self.assertEqual(self.db.lookup("last").data, b"")
        # freeing space makes room again
        self.db.delete("f0", 0, 1)
        self.db.write("last", b"y", 0, 0, 1)

    def test_inode_limit(self):
        self.patch(memdb, "MAX_INODES", 5)
        for i in range(4):
            self.db.mkdir("d%d" % i, 0, 1)
        self.assertErrno(errno.ENOSPC, self.db.mkdir, "d9", 0, 1)
        self.assertErrno(errno.ENOSPC, self.db.create, "f", 0, 1)

    def test_bad_names(self):
        for name in ("", ".", ".."):
            self.assertErrno(errno.EACCES, self.db.mkdir, name, 0, 1)
            self.assertErrno(errno.EACCES, self.db.create, name, 0, 1)
        self.assertEqual(self.db.version, 0)

    def test_create_existing(self):
        self.db.create("f", 0, 1)
        self.assertErrno(errno.EEXIST, self.db.create, "f", 0, 1)
        self.assertErrno(errno.EEXIST, self.db.mkdir, "f", 0, 1)

    def test_missing_parent(self):
        self.assertErrno(errno.ENOENT, self.db.create, "a/b", 0, 1)
        self.db.create("a", 0, 1)
        self.assertErrno(errno.ENOTDIR, self.db.create, "a/b", 0, 1)

    def test_write_without_create(self):
        self.assertErrno(errno.ENOENT, self.db.write, "f", b"x", 0, 0, 1)


class DeleteRenameTests(ErrnoMixin, unittest.TestCase):
    def setUp(self):
        self.db = MemDB()
        self.db.mkdir("d", 0, 1)
        self.db.write("d/f", b"data", 0, 0, 1, create=True)

    def test_nonempty_dir(self):
        self.assertErrno(errno.ENOTEMPTY, self.db.delete, "d", 0, 2)
        self.assertErrno(errno.ENOTEMPTY, self.db.rename, "d", "e", 0, 2)
        self.assertIsNotNone(self.db.lookup("d/f"))

    def test_delete_frees_space(self):
        self.assertEqual(self.db.total_size, 4)
        inode = self.db.lookup("d/f").inode
        change = self.db.delete("d/f", 0, 2)
        self.assertEqual(change.delete, inode)
        self.assertEqual(self.db.total_size, 0)

    def test_rename_replaces_target(self):
        self.db.write("g", b"old", 0, 0, 1, create=True)
        old_inode = self.db.lookup("g").inode
        change = self.db.rename("d/f", "g", 0, 2)
        self.assertEqual(change.delete, old_inode)
        self.assertEqual(self.db.lookup("g").data, b"data")
        self.assertEqual(self.db.total_size, 4)

    def test_rename_file_onto_dir(self):
        self.db.mkdir("e", 0, 1)
        self.assertErrno(errno.EISDIR, self.db.rename, "d/f", "e", 0, 2)

    def test_rename_lock_dir_refused(self):
        self.db.mkdir("priv", 0, 1)
        self.db.mkdir("priv/lock", 0, 1)
        self.db.mkdir("priv/lock/x", 0, 1)
        self.assertErrno(errno.EACCES, self.db.rename, "priv/lock/x",
                         "priv/lock/y", 0, 2)

    def test_lock_mtime_only_forward(self):
        self.db.mkdir("priv", 0, 1)
        self.db.mkdir("priv/lock", 0, 1)
        self.db.mkdir("priv/lock/x", 0, 100)
        self.assertErrno(errno.EACCES, self.db.set_mtime, "priv/lock/x",
                         0, 50)
        self.db.set_mtime("priv/lock/x", 0, 200)
        self.assertEqual(self.db.lookup("priv/lock/x").mtime, 200)
        self.assertErrno(errno.EACCES, self.db.set_mtime, "priv/lock/x",
                         1, 300)


class VMListTests(ErrnoMixin, unittest.TestCase):
    def setUp(self):
        self.db = MemDB()
        layout(self.db, "n1")
        layout(self.db, "n2")

    def test_vm_config_names(self):
        self.assertEqual(memdb.vm_config("nodes/a/qemu-server/100.conf"),
                         ("a", "qemu", 100))
        self.assertEqual(memdb.vm_config("nodes/a/lxc/7.conf"),
                         ("a", "lxc", 7))
        for bad in ("nodes/a/qemu-server/0100.conf",
                    "nodes/a/qemu-server/100.conf.tmp",
                    "nodes/a/qemu-server/x.conf", "nodes/a/other/100.conf",
                    "qemu-server/100.conf"):
            self.assertIsNone(memdb.vm_config(bad), bad)

    def test_vmid_unique_across_nodes_and_types(self):
        self.db.write("nodes/n1/qemu-server/100.conf", b"x", 0, 0, 1,
                      create=True)
        self.assertEqual(self.db.vmlist[100][:2], ["n1", "qemu"])
        self.assertErrno(errno.EEXIST, self.db.create,
                         "nodes/n2/qemu-server/100.conf", 0, 1)
        self.assertErrno(errno.EEXIST, self.db.create,
                         "nodes/n1/lxc/100.conf", 0, 1)
        # the same file is just written
        self.db.write("nodes/n1/qemu-server/100.conf", b"y", 0, 0, 1)

    def test_migration_rename(self):
        self.db.write("nodes/n1/qemu-server/100.conf", b"x", 0, 0, 1,
                      create=True)
        self.db.rename("nodes/n1/qemu-server/100.conf",
                       "nodes/n2/qemu-server/100.conf", 0, 2)
        self.assertEqual(self.db.vmlist[100][:2], ["n2", "qemu"])

    def test_rename_onto_other_vmid_refused(self):
        self.db.write("nodes/n1/qemu-server/100.conf", b"x", 0, 0, 1,
                      create=True)
        self.db.write("nodes/n1/qemu-server/101.conf", b"x", 0, 0, 1,
                      create=True)
        self.db.create("nodes/n2/qemu-server/tmp", 0, 1)
        self.assertErrno(errno.EEXIST, self.db.rename,
                         "nodes/n2/qemu-server/tmp",
                         "nodes/n2/qemu-server/100.conf", 0, 2)

    def test_delete_unregisters(self):
        self.db.write("nodes/n1/qemu-server/100.conf", b"x", 0, 0, 1,
                      create=True)
        self.db.delete("nodes/n1/qemu-server/100.conf", 0, 2)
        self.assertNotIn(100, self.db.vmlist)
        self.db.create("nodes/n2/lxc/100.conf", 0, 3)
        self.assertEqual(self.db.vmlist[100][:2], ["n2", "lxc"])

    def test_vmlist_rebuilt_from_rows(self):
        self.db.write("nodes/n2/lxc/200.conf", b"x", 0, 0, 1, create=True)
        again = MemDB.from_rows(list(self.db.rows()))
        self.assertEqual(again.vmlist[200][:2], ["n2", "lxc"])


class LoadTests(unittest.TestCase):
    def test_round_trip(self):
        db = MemDB()
        layout(db)
        db.write("nodes/n1/priv/x", b"\x00\xffbin", 0, 0, 5, create=True)
        rows = list(db.rows())
        again = MemDB.from_rows(rows)
        self.assertEqual(list(again.rows()), rows)
        self.assertEqual(again.total_size, db.total_size)

    def assertCorrupt(self, rows, fragment):
        e = self.assertRaises(memdb.CorruptDatabase, MemDB.from_rows, rows)
        self.assertIn(fragment, str(e))

    def test_missing_parent(self):
        self.assertCorrupt([(5, 4, 5, 0, 0, 4, "x", None)], "missing parent")

    def test_parent_not_a_directory(self):
        self.assertCorrupt([(1, 0, 1, 0, 0, 8, "f", b""),
                            (2, 1, 2, 0, 0, 8, "g", b"")],
                           "not a directory")

    def test_duplicate_names(self):
        self.assertCorrupt([(1, 0, 1, 0, 0, 8, "f", b""),
                            (2, 0, 2, 0, 0, 8, "f", b"")], "duplicate")

    def test_cycle(self):
        self.assertCorrupt([(1, 2, 1, 0, 0, 4, "a", None),
                            (2, 1, 2, 0, 0, 4, "b", None)], "cycle")

    def test_bad_root_name(self):
        self.assertCorrupt([(0, 0, 1, 0, 0, 8, "root", None)],
                           "unexpected name")

    def test_unknown_type(self):
        self.assertCorrupt([(1, 0, 1, 0, 0, 10, "s", None)], "unknown type")


class PathTests(unittest.TestCase):
    def test_private(self):
        for p in ("priv", "priv/lock/x", "nodes/n1/priv", "nodes/n1/priv/a"):
            self.assertTrue(memdb.is_private(p), p)
        for p in ("", "nodes", "nodes/n1", "nodes/n1/qemu-server/priv",
                  "private"):
            self.assertFalse(memdb.is_private(p), p)


class PrivateFlagTests(unittest.TestCase):
    """Each entry's private flag agrees with is_private of its path."""

    def assertFlagsAgree(self, db):
        for inode, entry in db.index.items():
            if inode:
                path = db.path_of(entry)
                self.assertEqual(entry.private, memdb.is_private(path), path)

    def test_flags_follow_paths(self):
        db = MemDB()
        layout(db, "n1")
        db.mkdir("priv", 0, 1)
        db.mkdir("priv/lock", 0, 1)
        db.create("priv/authkey.key", 0, 1)
        db.create("nodes/n1/priv/x", 0, 1)
        db.mkdir("nodes/n1/qemu-server/priv", 0, 1)
        db.create("moved", 0, 1)
        db.rename("moved", "nodes/n1/priv/moved", 0, 2)
        db.rename("priv/authkey.key", "authkey.key", 0, 3)
        self.assertFlagsAgree(db)
        self.assertTrue(db.lookup("nodes/n1/priv/moved").private)
        self.assertFalse(db.lookup("authkey.key").private)
        self.assertFlagsAgree(MemDB.from_rows(list(db.rows())))
