"""config.db: Proxmox's schema, checks, backups and reclaimed space."""

import errno
import gzip
import os
import sqlite3

from twisted.trial import unittest

from pve import paths
from pve.cluster import memdb, redo
from pve.cluster.cfs import ConfigFS
from pve.cluster.store import Store, StoreError

# the statement Proxmox's database.c runs, verbatim
PROXMOX_SCHEMA = (
    "CREATE TABLE tree ("
    "  inode INTEGER PRIMARY KEY NOT NULL,"
    "  parent INTEGER NOT NULL CHECK(typeof(parent)=='integer'),"
    "  version INTEGER NOT NULL CHECK(typeof(version)=='integer'),"
    "  writer INTEGER NOT NULL CHECK(typeof(writer)=='integer'),"
    "  mtime INTEGER NOT NULL CHECK(typeof(mtime)=='integer'),"
    "  type INTEGER NOT NULL CHECK(typeof(type)=='integer'),"
    "  name TEXT NOT NULL,"
    "  data BLOB)"
)

DT_DIR, DT_REG = 4, 8

# rows as a Proxmox node writes them: new inodes equal the version
PROXMOX_ROWS = [
    (0, 0, 14, 0, 1700000014, DT_REG, "__version__", None),
    (1, 0, 1, 0, 1700000001, DT_DIR, "nodes", None),
    (2, 1, 2, 0, 1700000002, DT_DIR, "pve1", None),
    (3, 2, 3, 0, 1700000003, DT_DIR, "qemu-server", None),
    (4, 2, 4, 0, 1700000004, DT_DIR, "lxc", None),
    (5, 2, 5, 0, 1700000005, DT_DIR, "openvz", None),
    (6, 2, 6, 0, 1700000006, DT_DIR, "priv", None),
    (7, 0, 7, 0, 1700000007, DT_DIR, "priv", None),
    (8, 7, 8, 0, 1700000008, DT_DIR, "lock", None),
    (9, 0, 12, 0, 1700000012, DT_REG, "storage.cfg",
     b"dir: local\n\tpath /var/lib/vz\n\tcontent iso,vztmpl,backup\n"),
    (10, 3, 14, 0, 1700000014, DT_REG, "100.conf",
     b"memory: 2048\nname: web\n"),
    (13, 0, 13, 0, 1700000013, DT_REG, "authkey.pub", b"-----BEGIN"),
]


def make_proxmox_db(path, rows=PROXMOX_ROWS):
    """A config.db as Proxmox's pmxcfs creates it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    db = sqlite3.connect(path, isolation_level=None)
    db.execute("PRAGMA journal_mode=WAL")
    db.execute(PROXMOX_SCHEMA.replace("CREATE TABLE",
                                      "CREATE TABLE IF NOT EXISTS"))
    db.executemany("INSERT INTO tree VALUES (?,?,?,?,?,?,?,?)", rows)
    db.close()


def proxmox_load_check(path):
    """The checks Proxmox's loader (bdb_backend_load_index) applies."""
    db = sqlite3.connect(path)
    rows = db.execute("SELECT inode, parent, version, writer, mtime, type,"
                      " name, data FROM tree").fetchall()
    types = db.execute("SELECT typeof(parent), typeof(version),"
                       " typeof(writer), typeof(mtime), typeof(type)"
                       " FROM tree").fetchall()
    db.close()
    assert all(t == ("integer",) * 5 for t in types), types
    byinode = {r[0]: r for r in rows}
    root = byinode[0]
    assert root[6] == "__version__" and root[5] == DT_REG, root
    for r in rows:
        if r[0] == 0:
            continue
        assert r[5] in (DT_DIR, DT_REG), r
        parent = byinode.get(r[1])
        assert parent is not None and (r[1] == 0 or parent[5] == DT_DIR), r
        assert r[2] <= root[2], r
    return rows


class StoreTests(unittest.TestCase):
    def setUp(self):
        self.paths = paths.Paths(self.mktemp())

    def test_schema_is_proxmox(self):
        cfs = ConfigFS.open(self.paths, "n1", clock=lambda: 1000)
        cfs.close()
        db = sqlite3.connect(self.paths.config_db)
        sql = db.execute("SELECT sql FROM sqlite_master WHERE name='tree'"
                         ).fetchone()[0]
        mode = db.execute("PRAGMA journal_mode").fetchone()[0]
        db.close()
        self.assertEqual(" ".join(sql.split()),
                         " ".join(PROXMOX_SCHEMA.split()))
        self.assertEqual(mode, "wal")
        self.assertEqual(oct(os.stat(self.paths.config_db).st_mode & 0o777),
                         "0o600")

    def test_ours_passes_proxmox_loader(self):
        cfs = ConfigFS.open(self.paths, "n1", clock=lambda: 1000)
        cfs.write_file("nodes/n1/qemu-server/100.conf", b"memory: 512\n")
        cfs.mkdir("firewall")
        cfs.write_file("firewall/cluster.fw", b"[OPTIONS]\n")
        cfs.rename("firewall/cluster.fw", "firewall/100.fw")
        cfs.close()
        rows = proxmox_load_check(self.paths.config_db)
        names = {r[6] for r in rows}
        self.assertIn("100.fw", names)
        self.assertNotIn("cluster.fw", names)

    def test_opens_proxmox_database_unchanged(self):
        make_proxmox_db(self.paths.config_db)
        cfs = ConfigFS.open(self.paths, "pve1", clock=lambda: 2000)
        self.assertEqual(cfs.version(), 14)
        self.assertEqual(cfs.read("nodes/pve1/qemu-server/100.conf"),
                         b"memory: 2048\nname: web\n")
        self.assertEqual(cfs.vmlist(),
                         {100: {"node": "pve1", "type": "qemu",
                                "version": 1}})
        cfs.close()
        db = sqlite3.connect(self.paths.config_db)
        rows = sorted(db.execute("SELECT * FROM tree").fetchall())
        db.close()
        self.assertEqual(rows, sorted(PROXMOX_ROWS))

    def test_changes_persist_across_reopen(self):
        cfs = ConfigFS.open(self.paths, "n1", clock=lambda: 1000)
        cfs.write_file("a.cfg", b"one")
        cfs.mkdir("d")
        cfs.write_file("d/b.cfg", b"two")
        cfs.delete("a.cfg")
        version = cfs.version()
        cfs.close()
        again = ConfigFS.open(self.paths, "n1", clock=lambda: 1001)
        self.assertEqual(again.version(), version)
        self.assertEqual(again.read("d/b.cfg"), b"two")
        self.assertNotIn("a.cfg", again.listdir(""))
        again.close()

    def test_failed_integrity_check_stops_and_keeps_file(self):
        cfs = ConfigFS.open(self.paths, "n1", clock=lambda: 1000)
        for i in range(200):
            cfs.write_file("f%d" % i, b"x" * 3000)
        cfs.close()
        with open(self.paths.config_db, "r+b") as f:
            f.seek(4096 * 3)
            f.write(b"\xde\xad\xbe\xef" * 2048)
        with open(self.paths.config_db, "rb") as f:
            before = f.read()
        e = self.assertRaises(StoreError, ConfigFS.open, self.paths, "n1")
        self.assertIn(self.paths.config_db, str(e))
        with open(self.paths.config_db, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_not_a_database(self):
        os.makedirs(self.paths.cluster_lib)
        with open(self.paths.config_db, "wb") as f:
            f.write(b"this is not sqlite" * 100)
        e = self.assertRaises(StoreError, ConfigFS.open, self.paths, "n1")
        self.assertIn("config.db", str(e))

    def test_inconsistent_rows_are_named(self):
        make_proxmox_db(self.paths.config_db, PROXMOX_ROWS + [
            (20, 99, 14, 0, 0, DT_REG, "orphan", b"")])
        e = self.assertRaises(StoreError, ConfigFS.open, self.paths, "pve1")
        self.assertIn("inode 20", str(e))
        self.assertIn("orphan", str(e))

    def test_backups_keep_newest_ten(self):
        for t in range(12):
            cfs = ConfigFS.open(self.paths, "n1", clock=lambda: 5000 + t)
            cfs.write_file("f", b"version %d" % t)
            cfs.close()
        names = sorted(os.listdir(self.paths.config_db_backup_dir))
        self.assertEqual(len(names), 10)
        self.assertEqual(names[0], "config-5002.sql.gz")
        # the newest backup restores to the state before the last start
        with gzip.open(os.path.join(self.paths.config_db_backup_dir,
                                    "config-5011.sql.gz"), "rt") as f:
            script = f.read()
        db = sqlite3.connect(":memory:")
        db.executescript(script)
        data = db.execute("SELECT data FROM tree WHERE name='f'").fetchone()
        self.assertEqual(data[0], b"version 10")

    def test_space_is_reclaimed(self):
        cfs = ConfigFS.open(self.paths, "n1", clock=lambda: 1000)
        for i in range(60):
            cfs.write_file("f%d" % i, os.urandom(memdb.MAX_FILE_SIZE))
        cfs.store.flush()
        full = cfs.store.size()
        for i in range(60):
            cfs.delete("f%d" % i)
        cfs.store.flush()
        cfs.store.reclaim()
        self.assertGreater(full, 50 * 1024 * 1024)
        self.assertLess(cfs.store.size(), 2 * 1024 * 1024)
        cfs.close()

    def test_old_database_converted_to_reclaim(self):
        make_proxmox_db(self.paths.config_db)
        ConfigFS.open(self.paths, "pve1").close()
        db = sqlite3.connect(self.paths.config_db)
        self.assertEqual(db.execute("PRAGMA auto_vacuum").fetchone()[0], 2)
        db.close()

    def test_commit_failure_turns_read_only(self):
        cfs = ConfigFS.open(self.paths, "n1", clock=lambda: 1000)
        cfs.write_file("keep", b"1")
        cfs.store.flush()
        cfs.store._db.execute("DROP TABLE tree")
        # acknowledged from the redo log; SQLite then refuses it
        cfs.write_file("x", b"2")
        cfs.store.flush()
        e = self.assertRaises(OSError, cfs.write_file, "y", b"3")
        self.assertEqual(e.errno, errno.EIO)
        e = self.assertRaises(OSError, cfs.write_file, "z", b"4")
        self.assertEqual(e.errno, errno.EIO)
        self.assertEqual(cfs.read("keep"), b"1")
        self.assertEqual(len(self.flushLoggedErrors(StoreError)), 1)
        cfs.close()
        # nothing acknowledged is lost: "x" waits in the redo log
        changes, _ = redo.read_records(cfs.store.redo_path)
        self.assertEqual(changes[-1].rows[0][6], "x")
        self.assertEqual(changes[-1].rows[0][7], b"2")

    def test_redo_log_applied_at_start(self):
        """What a crash left in the redo log reaches config.db."""
        cfs = ConfigFS.open(self.paths, "n1", clock=lambda: 1000)
        cfs.write_file("before", b"folded")
        cfs.store.flush()
        version = cfs.version()
        # a crash: the folding thread never ran these
        db = cfs.db
        log = redo.RedoLog(cfs.store.redo_path)
        log.append(db.write("after", b"only in redo", 0, 0, 1001,
                            create=True))
        log.append(db.rename("after", "renamed", 0, 1002))
        with open(cfs.store.redo_path, "ab") as f:
            f.write(b"\x20\x00\x00\x00torn")
        log.close()
        cfs.store._thread = None     # abandon, as kill -9 would
        cfs.store._db.close()
        cfs.store._db = None
        again = ConfigFS.open(self.paths, "n1", clock=lambda: 1003)
        self.addCleanup(again.close)
        self.assertEqual(again.read("renamed"), b"only in redo")
        self.assertEqual(again.read("before"), b"folded")
        self.assertNotIn("after", again.listdir(""))
        self.assertEqual(again.version(), version + 2)

    def test_redo_records_round_trip(self):
        change = memdb.Change(7, 3, 1700000000, [
            (5, 0, 7, 3, 1700000000, 8, "caf\u00e9.cfg", b"\x00\xff"),
            (6, 5, 7, 3, 1700000000, 4, "d", None)], delete=4)
        back = redo.decode(redo.encode(change)[8:])
        self.assertEqual((back.version, back.writer, back.mtime, back.rows,
                          back.delete),
                         (7, 3, 1700000000, change.rows, 4))


class StoreUnitTests(unittest.TestCase):
    def test_commit_is_one_transaction(self):
        path = os.path.join(self.mktemp(), "config.db")
        store = Store(path)
        db = memdb.MemDB()
        db.create("old", 0, 1)
        store.commit(memdb.Change(1, 0, 1, [db.lookup("old").row()]))
        change = db.rename("old", "new", 0, 2)
        bad = memdb.Change(change.version, 0, 2,
                           change.rows + [(5, 0, "not an int", 0, 0, 8, "z",
                                           None)])
        self.assertRaises(sqlite3.DatabaseError, store.commit, bad)
        names = [r[6] for r in store.load()]
        self.assertEqual(sorted(names), ["__version__", "old"])
        store.close()
