"""Durable state of a Raft node (``pve.cluster.raft``).

A storage holds the current term and vote, the log and the latest
snapshot; each call is durable when it returns, which is what lets the core
send a message right after the change it depends on.  :class:`MemoryStorage`
is the reference implementation (and what the simulation's crashes keep).
"""

import collections

Snapshot = collections.namedtuple("Snapshot", "index term config data")
Snapshot.__doc__ = "The state machine at ``index`` (entry of ``term``), " \
                   "with the configuration in force there."


class MemoryStorage:
    """Durable state kept in memory: what a simulated crash keeps.

    The interface a real storage implements: ``load``/``save`` of the
    current term and vote; the log (``first_index``, ``last_index``,
    ``entry``, ``entries``, ``append``, ``truncate``); the latest snapshot
    (``snapshot``, ``save_snapshot``).  Each call is durable when it
    returns."""

    def __init__(self):
        self.term = 0
        self.voted_for = None
        self._log = []
        self._offset = 0            # index of _log[0] is _offset + 1
        self._snapshot = None

    def load(self):
        return self.term, self.voted_for

    def save(self, term, voted_for):
        self.term, self.voted_for = term, voted_for

    def first_index(self):
        return self._offset + 1

    def last_index(self):
        return self._offset + len(self._log)

    def entry(self, index):
        """``(term, kind, data)`` at *index*, or None outside the log."""
        pos = index - self._offset - 1
        if 0 <= pos < len(self._log):
            return self._log[pos]
        return None

    def entries(self, lo, hi):
        """Entries ``lo`` to ``hi - 1``, all inside the log."""
        return self._log[lo - self._offset - 1:hi - self._offset - 1]

    def append(self, entries):
        self._log.extend(entries)

    def truncate(self, index):
        """Drop the entries from *index* on."""
        del self._log[max(0, index - self._offset - 1):]

    def snapshot(self):
        return self._snapshot

    def save_snapshot(self, snapshot, keep=0, discard=False):
        """Store *snapshot*; drop the log up to ``snapshot.index - keep``,
        or all of it if *discard* (a log that disagrees with it)."""
        self._snapshot = snapshot
        if discard:
            self._log = []
            self._offset = snapshot.index
            return
        upto = min(snapshot.index - keep, self.last_index())
        if upto > self._offset:
            del self._log[:upto - self._offset]
            self._offset = upto

    def term_at(self, index):
        """The term of entry *index* if it is in the log or the snapshot."""
        entry = self.entry(index)
        if entry is not None:
            return entry[0]
        if self._snapshot is not None and self._snapshot.index == index:
            return self._snapshot.term
        return None
