"""The SQLite file behind pmxcfs: ``config.db`` in Proxmox's schema.

One table ``tree``; the row with inode 0, named ``__version__``, holds the
global version.  Every :class:`~pve.cluster.memdb.Change` is applied whole
or not at all, in order, so the file always holds a state some caller was
told about.  WAL mode with ``synchronous=NORMAL``, as Proxmox runs it.  Unlike
Proxmox, the file gives back the space of deleted entries
(``auto_vacuum=INCREMENTAL``).

Once :meth:`Store.start` has run, a change is acknowledged when its record
is in the redo log (``pve.cluster.redo``), and a thread applies what
has accumulated to SQLite in one transaction; :meth:`recover` first
applies what a crash left in the log.
"""

import collections
import gzip
import os
import sqlite3
import threading
import time

from twisted.logger import Logger

from pve.cluster import redo

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
# cut the redo log once everything in it is folded and it is this large
REDO_TRUNCATE = 1024 * 1024
# the folding thread gathers changes this long before a transaction, so a
# burst of writes costs one wake-up, not one per change
FOLD_DELAY = 0.02


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
        self.redo_path = path[:-3] + ".redo" if path.endswith(".db") \
            else path + ".redo"
        self._redo = None
        self._pending = collections.deque()
        self._wake = threading.Event()
        self._stopping = False
        self._thread = None
        self._redo_lock = threading.Lock()
        self._folded_cond = threading.Condition()
        self._appended = 0
        self._folded = 0
        self.failure = None

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

    def _apply_sql(self, change):
        """Write *change* to SQLite in one transaction."""
        self._apply_batch([change])

    def _apply_batch(self, changes):
        """Write *changes* in one transaction: each is applied whole or
        not at all, and later ones win, as if applied one by one."""
        final = {}
        for change in changes:
            if change.delete is not None:
                final[change.delete] = None
            for row in change.rows:
                final[row[0]] = row
        deletes = [(inode,) for inode, row in final.items() if row is None]
        rows = [row for row in final.values() if row is not None]
        rows.append(changes[-1].version_row())
        db = self._db
        db.execute("BEGIN")
        try:
            if deletes:
                db.executemany("DELETE FROM tree WHERE inode = ?", deletes)
            db.executemany(_REPLACE, rows)
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        if deletes:
            self._since_reclaim += len(deletes)
            if self._since_reclaim >= 64:
                self._since_reclaim = 0
                self.reclaim()

    def version(self):
        row = self._db.execute(
            "SELECT version FROM tree WHERE inode = 0").fetchone()
        return row[0] if row else 0

    def recover(self):
        """Apply the records a crash left in the redo log; return how
        many were applied."""
        changes, good = redo.read_records(self.redo_path)
        if os.path.exists(self.redo_path) and \
                good != os.path.getsize(self.redo_path):
            log.warn("redo log {path}: ignoring a torn tail after {good} "
                     "bytes", path=self.redo_path, good=good)
        current = self.version()
        applied = 0
        for change in changes:
            if change.version > current:
                try:
                    self._apply_sql(change)
                except sqlite3.DatabaseError as e:
                    raise StoreError("cannot apply redo log %s to %s: %s"
                                     % (self.redo_path, self.path, e))
                current = change.version
                applied += 1
        if applied:
            log.info("applied {n} changes from {path}", n=applied,
                     path=self.redo_path)
        if os.path.exists(self.redo_path):
            os.unlink(self.redo_path)
        return applied

    def start(self):
        """From now on acknowledge changes once they are in the redo log."""
        self._redo = redo.RedoLog(self.redo_path)
        self._thread = threading.Thread(target=self._fold, name="config.db",
                                        daemon=True)
        self._thread.start()

    def commit(self, change):
        """Make *change* durable: in the redo log once started, else
        straight into SQLite."""
        if self._redo is None:
            self._apply_sql(change)
            return
        if self.failure is not None:
            raise StoreError("database %s: %s" % (self.path, self.failure))
        with self._redo_lock:
            self._redo.append(change)
            self._appended += 1
            self._pending.append(change)
        if not self._wake.is_set():
            self._wake.set()

    def _take_pending(self):
        batch = []
        pending = self._pending
        while pending:
            batch.append(pending.popleft())
        return batch

    def _fold(self):
        """Apply what the redo log acknowledged, a batch at a time."""
        while True:
            self._wake.wait()
            if not self._stopping:
                time.sleep(FOLD_DELAY)
            self._wake.clear()
            batch = self._take_pending()
            if batch:
                self._fold_batch(batch)
            if self._redo.size >= REDO_TRUNCATE:
                with self._redo_lock:
                    # writers wait while the rest is folded and the log cut
                    rest = self._take_pending()
                    if rest:
                        self._fold_batch(rest)
                    if self._folded == self._appended:
                        self._redo.truncate()
            if self._stopping and not self._pending:
                return

    def _fold_batch(self, changes):
        if self.failure is None:
            try:
                self._apply_batch(changes)
            except Exception as e:
                self.failure = e
                log.critical("cannot write {path}: {err}; changes stay in "
                             "{redo}", path=self.path, err=e,
                             redo=self.redo_path)
        with self._folded_cond:
            self._folded += len(changes)
            self._folded_cond.notify_all()

    def flush(self):
        """Wait until every change acknowledged so far is in SQLite (or
        folding has failed)."""
        if self._thread is None:
            return
        with self._redo_lock:
            target = self._appended
        self._wake.set()
        with self._folded_cond:
            while self._folded < target:
                self._folded_cond.wait()

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

    def reset(self, rows):
        """Make the file hold exactly *rows* (a new tree replacing the
        old one): what is pending is folded first, and the redo log, whose
        records belong to the old tree, is cut."""
        if self._thread is None:
            self.replace_all(rows)
            return
        self.flush()
        with self._redo_lock:
            self.replace_all(rows)
            self._redo.truncate()

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
        if self._thread is not None:
            self._stopping = True
            self._wake.set()
            self._thread.join()
            self._thread = None
            if self.failure is None:
                self._redo.truncate()
            self._redo.close()
            self._redo = None
            if self.failure is None:
                os.unlink(self.redo_path)
        if self._db is not None:
            try:
                # leave no free pages and no WAL behind
                self._db.executescript("PRAGMA incremental_vacuum;")
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
