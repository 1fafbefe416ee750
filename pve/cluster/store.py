"""The SQLite file behind pmxcfs: ``config.db`` in Proxmox's schema.

One table ``tree``; the row with inode 0, named ``__version__``, holds the
global version.  Each :class:`~pve.cluster.memdb.Change` is written in one
transaction, so the file always holds a state some caller was told about.
WAL mode with ``synchronous=NORMAL``, as Proxmox runs it: a committed change
is in the WAL file before the call returns, so it survives the process being
killed.  Unlike Proxmox, the file gives back the space of deleted entries
(``auto_vacuum=INCREMENTAL``).
"""

import gzip
import os
import sqlite3
import time

from twisted.logger import Logger

log = Logger()

SCHEMA = (
    "CREATE TABLE IF NOT EXISTS tree ("
    "  inode INTEGER PRIMARY KEY NOT NULL,"
    "  parent INTEGER NOT NULL CHECK(typeof(parent)=='integer'),"
    "  version INTEGER NOT NULL CHECK(typeof(version)=='integer'),"
    "  writer INTEGER NOT NULL CHECK(typeof(writer)=='integer'),"
    "  mtime INTEGER NOT NULL CHECK(typeof(mtime)=='integer'),"
    "  type INTEGER NOT NULL CHECK(typeof(type)=='integer'),"
    "  name TEXT NOT NULL,"
    "  data BLOB);"
)

_REPLACE = ("REPLACE INTO tree (inode, parent, version, writer, mtime, type,"
            " name, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")

# give pages back once this many are free
RECLAIM_PAGES = 256
BACKUPS_KEPT = 10


class StoreError(Exception):
    """The database cannot be used; the message says why and where."""


class Store:
    """An open ``config.db``."""

    def __init__(self, path):
        self.path = path
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fresh = not os.path.exists(path) or os.path.getsize(path) == 0
        try:
            self._db = sqlite3.connect(path, isolation_level=None,
                                       check_same_thread=False)
            os.chmod(path, 0o600)
            self._setup(fresh)
        except sqlite3.DatabaseError as e:
            raise StoreError("cannot open database %s: %s" % (path, e))
        self._since_reclaim = 0

    def _setup(self, fresh):
        db = self._db
        db.execute("PRAGMA busy_timeout=10000")
        if fresh:
            db.execute("PRAGMA auto_vacuum=INCREMENTAL")
        mode = db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
        if mode.lower() != "wal":
            raise StoreError("unable to set WAL mode on %s" % (self.path,))
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute(SCHEMA)

    def check(self):
        """Run SQLite's integrity check; raise StoreError if it fails."""
        try:
            result = [r[0] for r in
                      self._db.execute("PRAGMA integrity_check")]
            cols = [r[1] for r in self._db.execute("PRAGMA table_info(tree)")]
        except sqlite3.DatabaseError as e:
            raise StoreError("database %s failed its integrity check: %s"
                             % (self.path, e))
        if result != ["ok"]:
            raise StoreError("database %s failed its integrity check: %s"
                             % (self.path, "; ".join(result[:5])))
        expected = ["inode", "parent", "version", "writer", "mtime", "type",
                    "name", "data"]
        if cols != expected:
            raise StoreError("database %s has an unexpected tree table %r"
                             % (self.path, cols))

    def enable_reclaim(self):
        """Switch an old file (Proxmox's default) to incremental vacuum."""
        mode = self._db.execute("PRAGMA auto_vacuum").fetchone()[0]
        if mode != 2:
            self._db.execute("PRAGMA auto_vacuum=INCREMENTAL")
            self._db.execute("VACUUM")
            log.info("converted {path} to incremental vacuum", path=self.path)

    def load(self):
        """Every row of ``tree``."""
        try:
            return self._db.execute(
                "SELECT inode, parent, version, writer, mtime, type, name,"
                " data FROM tree").fetchall()
        except sqlite3.DatabaseError as e:
            raise StoreError("cannot read database %s: %s" % (self.path, e))

    def commit(self, change):
        """Write *change* in one transaction."""
        db = self._db
        db.execute("BEGIN")
        try:
            if change.delete is not None:
                db.execute("DELETE FROM tree WHERE inode = ?",
                           (change.delete,))
            for row in change.rows:
                db.execute(_REPLACE, row)
            db.execute(_REPLACE, change.version_row())
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if change.delete is not None:
            self._since_reclaim += 1
            if self._since_reclaim >= 64:
                self._since_reclaim = 0
                self.reclaim()

    def replace_all(self, rows):
        """Replace the whole table by *rows* in one transaction."""
        db = self._db
        db.execute("BEGIN")
        try:
            db.execute("DELETE FROM tree")
            db.executemany(_REPLACE, rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def reclaim(self):
        """Give free pages back to the filesystem."""
        free = self._db.execute("PRAGMA freelist_count").fetchone()[0]
        if free >= RECLAIM_PAGES:
            # executescript steps the pragma to the end; execute frees one page
            self._db.executescript("PRAGMA incremental_vacuum;")
        self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    def size(self):
        return os.path.getsize(self.path)

    def close(self):
        if self._db is not None:
            try:
                self._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            except sqlite3.DatabaseError:
                pass
            self._db.close()
            self._db = None

    def backup(self, directory, now=None, keep=BACKUPS_KEPT):
        """Write a gzip'd SQL dump to *directory*; keep the newest *keep*."""
        now = int(time.time() if now is None else now)
        os.makedirs(directory, mode=0o700, exist_ok=True)
        name = os.path.join(directory, "config-%d.sql.gz" % (now,))
        tmp = name + ".tmp"
        with gzip.open(tmp, "wt", encoding="utf-8") as f:
            for line in self._db.iterdump():
                f.write(line + "\n")
        os.chmod(tmp, 0o600)
        os.rename(tmp, name)
        prune_backups(directory, keep)
        return name


def prune_backups(directory, keep=BACKUPS_KEPT):
    dumps = [n for n in os.listdir(directory)
             if n.startswith("config-") and n.endswith(".sql.gz")]

    def stamp(n):
        try:
            return int(n[len("config-"):-len(".sql.gz")])
        except ValueError:
            return 0

    for n in sorted(dumps, key=stamp)[:-keep]:
        os.unlink(os.path.join(directory, n))
