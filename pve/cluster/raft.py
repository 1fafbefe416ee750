"""Raft, the replication core of pmxcfs: pure, without I/O.

A :class:`RaftNode` is driven by its shell: ``tick(now)`` when
``next_deadline()`` comes, ``receive(now, message)`` for each message from a
peer, ``propose(now, command)`` for a write.  After every call the shell
drains ``take_messages()`` (``(to, message)`` pairs, messages made of plain
data for Perspective Broker) and ``take_applied()`` (committed entries and
snapshots, in order).  Time is passed in, randomness comes from the injected
``random.Random``, and every durable change goes to the injected storage
before the call returns, so no message leaves before what it depends on is on
disk.  ``README.md`` beside this file states the rules; the numbers in the
comments (§) refer to Ongaro's thesis "Consensus: Bridging Theory and
Practice" (2014).

Log entries are ``(term, kind, data)``: a command (``bytes``), a no-op (a
new leader's first entry) or a configuration (``{node: votes}``; 0 votes is a
learner: it gets the log but neither votes nor counts).
"""

import collections

from pve.cluster.raftconfig import ConfigError, check_step, majority, \
    next_step  # noqa: F401 (next_step: for the shell)
from pve.cluster.raftstorage import MemoryStorage, Snapshot  # noqa: F401

FOLLOWER = "follower"
PRECANDIDATE = "precandidate"
CANDIDATE = "candidate"
LEADER = "leader"

CMD = "cmd"
NOOP = "noop"
CONFIG = "config"

Applied = collections.namedtuple("Applied", "index term command")
Applied.__doc__ = "A committed entry; ``command`` is None for no-ops and " \
                  "configurations."
Restore = collections.namedtuple("Restore", "index term data")
Restore.__doc__ = "Replace the state machine by ``data`` (state at ``index``)."


class NotLeader(Exception):
    """This node does not lead; ``leader`` is the one it follows, or None."""

    def __init__(self, leader):
        Exception.__init__(self, "not the leader (leader: %s)" % (leader,))
        self.leader = leader


class NoQuorum(Exception):
    """This node leads but has not heard from a majority of votes lately."""


class _Progress:
    """What a leader knows of one peer."""

    __slots__ = ("next", "match", "contact", "sent_commit", "snapshot",
                 "offset", "chunk_out")

    def __init__(self, next_index):
        self.next = next_index
        self.match = 0
        self.contact = None          # last reply in this term
        self.sent_commit = -1
        self.snapshot = None         # being sent, from byte offset
        self.offset = 0
        self.chunk_out = False


def _size(entry):
    data = entry[2]
    return len(data) if isinstance(data, bytes) else 64


def _wire(entry):
    term, kind, data = entry
    return [term, kind, dict(data) if kind == CONFIG else data]


class RaftNode:
    """One member's Raft state machine; see the module docstring.

    *config* ``{node: votes}`` is the configuration when *storage* holds
    none (a new cluster); a node joining an existing cluster passes ``{}``
    and learns it from the leader.  *applied_index*: the index the shell's
    state machine already holds durably (None: restore it from the
    snapshot, then apply the log)."""

    def __init__(self, node_id, storage, rng, config,
                 election_timeout=(1.0, 2.0), heartbeat=0.1, now=0.0,
                 applied_index=None, max_batch=64, max_batch_bytes=256 * 1024,
                 max_inflight=512, snapshot_chunk=256 * 1024):
        self.id = node_id
        self.storage = storage
        self.rng = rng
        self.election_timeout = election_timeout
        self.heartbeat = heartbeat
        self.max_batch = max_batch
        self.max_batch_bytes = max_batch_bytes
        self.max_inflight = max_inflight
        self.snapshot_chunk = snapshot_chunk
        # votes that make a majority when set (``pvecm expected``: the
        # administrator's override, unsafe by nature; None: the config's)
        self.expected = None
        self.term, self.voted_for = storage.load()
        self.role = FOLLOWER
        self.leader = None
        self._now = now
        self._heard = None            # last message from the leader
        self._leader_quorate = False
        self._deadline = now + self._timeout()
        self._granted = set()
        self._progress = {}
        self._term_start = None
        self._transfer = None         # (target, deadline)
        self._snap_buf = None
        self._out = []
        snap = self._snap = storage.snapshot()
        base = snap.index if snap is not None else 0
        self._configs = [(base, dict(snap.config if snap else config))]
        first = max(storage.first_index(), base + 1)
        for i, entry in enumerate(storage.entries(first,
                                                  storage.last_index() + 1),
                                  first):
            if entry[1] == CONFIG:
                self._configs.append((i, dict(entry[2])))
        self._restore = None
        if applied_index is not None and applied_index >= base:
            self.applied_index = applied_index
        else:
            self.applied_index = base
            self._restore = snap
        self.commit_index = self.applied_index
        if {n for n, v in self.config.items() if v > 0} == {node_id}:
            # the only voter (a cluster just created): nobody to wait for
            self._deadline = now

    # -- state ---------------------------------------------------------

    @property
    def config(self):
        """The latest configuration in the log (in force, §4.1)."""
        return self._configs[-1][1]

    @property
    def committed_config(self):
        for index, config in reversed(self._configs):
            if index <= self.commit_index:
                return config
        return self._configs[0][1]

    @property
    def last_index(self):
        return self.storage.last_index()

    @property
    def last_term(self):
        return self._term_at(self.last_index)

    @property
    def snapshot_index(self):
        return self._snap.index if self._snap is not None else 0

    def _term_at(self, index):
        if index == 0:
            return 0
        entry = self.storage.entry(index)
        if entry is not None:
            return entry[0]
        if self._snap is not None and self._snap.index == index:
            return self._snap.term
        return None

    def _config_at(self, index):
        for i, config in reversed(self._configs):
            if i <= index:
                return config
        return self._configs[0][1]

    def _votes(self, node=None):
        return self.config.get(self.id if node is None else node, 0)

    def _timeout(self):
        return self.rng.uniform(*self.election_timeout)

    def quorate(self, now):
        """A leader that heard from a majority of votes within the minimum
        election timeout, or a follower that heard within it from a leader
        that said so."""
        window = self.election_timeout[0]
        if self.role == LEADER:
            fresh = [p for p, pr in self._progress.items()
                     if pr.contact is not None and now - pr.contact < window]
            fresh.append(self.id)
            return majority(self.config, fresh, self.expected)
        return (self.leader is not None and self._heard is not None
                and self._leader_quorate and now - self._heard < window)

    def progress(self, node):
        """``(match, next)`` of a peer, as the leader knows it."""
        pr = self._progress.get(node)
        return None if pr is None else (pr.match, pr.next)

    def next_deadline(self):
        """When ``tick`` must next be called."""
        if self.role == LEADER:
            if self._transfer is not None:
                return min(self._heartbeat_due, self._transfer[1])
            return self._heartbeat_due
        return self._deadline

    # -- the shell's calls ---------------------------------------------

    def tick(self, now):
        self._now = now
        if self.role == LEADER:
            if self._transfer is not None and now >= self._transfer[1]:
                self._transfer = None
            if now >= self._heartbeat_due:
                if not self.quorate(now):           # check-quorum, §6.2
                    self._step_down(now)
                    return
                self._heartbeat_due = now + self.heartbeat
                for peer, pr in self._progress.items():
                    self._heartbeat(peer, pr)
        elif now >= self._deadline:
            if self._votes() > 0:
                self._pre_vote(now)
            else:
                self._deadline = now + self._timeout()

    def propose(self, now, command):
        """Append *command* (bytes); ``(term, index)`` it will commit at.

        The write is acknowledged when ``take_applied`` yields that index
        with that term; another term at that index means it was lost."""
        self._check_leader(now)
        return self._append(CMD, command)

    def propose_many(self, now, commands):
        """:meth:`propose` for several commands in one append (one
        write to the storage); their ``(term, index)`` in order."""
        self._check_leader(now)
        first = self.last_index + 1
        self.storage.append([(self.term, CMD, c) for c in commands])
        self._advance_commit()
        return [(self.term, first + i) for i in range(len(commands))]

    def propose_config(self, now, config):
        """Append a configuration one step (:func:`check_step`) from the
        current one, after the previous change committed and this leader
        committed an entry of its own term (§4.1, and the fix of §4.5)."""
        self._check_leader(now)
        config = dict(config)
        check_step(self.config, config)
        if self._configs[-1][0] > self.commit_index:
            raise ConfigError("a configuration change is still pending")
        if self.commit_index < self._term_start:
            raise ConfigError("the new leader has not committed yet")
        return self._append(CONFIG, config)

    def transfer_leadership(self, now, target):
        """Hand leadership to *target* (§3.10): proposals stop; once it has
        the whole log it is told to campaign at once."""
        self._check_leader(now)
        if self._votes(target) <= 0 or target == self.id:
            raise ConfigError("%s is not a voter" % (target,))
        self._transfer = (target, now + self.election_timeout[0])
        self._maybe_timeout_now(target)

    def compact(self, index, data, keep=0):
        """The shell's state machine at *index* (applied) is *data*: make it
        the snapshot and drop the log up to ``index - keep``."""
        if index <= self.snapshot_index:
            return
        if index > self.applied_index:
            raise ValueError("cannot compact past the applied index")
        snap = Snapshot(index, self._term_at(index),
                        dict(self._config_at(index)), data)
        self.storage.save_snapshot(snap, keep=keep)
        self._snap = snap
        self._configs = [(index, snap.config)] + \
            [c for c in self._configs if c[0] > index]

    def take_messages(self):
        """``[(to, message)]`` to send, oldest first."""
        if self.role == LEADER:
            self._flush()
        out, self._out = self._out, []
        return out

    def take_applied(self):
        """Newly committed entries (:class:`Applied`), after a
        :class:`Restore` when a snapshot replaced the state, in order."""
        out = []
        if self._restore is not None:
            snap, self._restore = self._restore, None
            out.append(Restore(snap.index, snap.term, snap.data))
        if self.commit_index > self.applied_index:
            lo = self.applied_index + 1
            for i, (term, kind, data) in enumerate(
                    self.storage.entries(lo, self.commit_index + 1), lo):
                out.append(Applied(i, term, data if kind == CMD else None))
            self.applied_index = self.commit_index
        return out

    def receive(self, now, msg):
        self._now = now
        handler = self._handlers.get(msg.get("type"))
        if handler is not None:
            handler(self, now, msg)

    # -- roles ---------------------------------------------------------

    def _check_leader(self, now):
        self._now = now
        if self.role != LEADER:
            raise NotLeader(self.leader)
        if self._transfer is not None:
            raise NotLeader(self._transfer[0])
        if not self.quorate(now):
            raise NoQuorum("no quorum")

    def _send(self, to, msg):
        msg["from"] = self.id
        msg.setdefault("term", self.term)
        self._out.append((to, msg))

    def _follow(self, now, term, leader=None):
        """Become a follower in *term* (persisted before anything is sent)."""
        if term > self.term:
            self.term, self.voted_for = term, None
            self.storage.save(term, None)
        if self.role != FOLLOWER:
            self.role = FOLLOWER
            self._progress = {}
            self._transfer = None
            self._deadline = now + self._timeout()
        self.leader = leader

    def _step_down(self, now):
        self._follow(now, self.term)
        self._leader_quorate = False

    def _higher_term(self, now, term):
        """A reply carries a newer term.  A quorate leader campaigns again
        at once: its followers grant it their vote despite their lease, so
        a node back from a partition with a bumped term costs one round
        trip, not an election timeout."""
        again = self.role == LEADER and self.quorate(now) and \
            self._votes() > 0
        self._follow(now, term)
        if again:
            self._campaign(now)

    def _in_lease(self, now):
        """Heard from a leader within the minimum election timeout: refuse
        to help anyone else campaign (pre-vote §9.6, disruption §4.2.3)."""
        if self.role == LEADER:
            return True
        return (self.leader is not None and self._heard is not None
                and now - self._heard < self.election_timeout[0])

    def _log_ok(self, msg):
        last_term = self.last_term
        return msg["last_term"] > last_term or (
            msg["last_term"] == last_term
            and msg["last_index"] >= self.last_index)

    def _voters(self):
        return [n for n, v in self.config.items() if v > 0 and n != self.id]

    def _pre_vote(self, now):
        """Ask whether we could win, without touching any term (§9.6)."""
        self.role = PRECANDIDATE
        self.leader = None
        self._progress = {}
        self._deadline = now + self._timeout()
        self._granted = {self.id}
        if majority(self.config, self._granted, self.expected):
            self._campaign(now)
            return
        for peer in self._voters():
            self._send(peer, {"type": "pre_vote", "term": self.term + 1,
                              "last_index": self.last_index,
                              "last_term": self.last_term})

    def _campaign(self, now, transfer=False):
        self.role = CANDIDATE
        self.term += 1
        self.voted_for = self.id
        self.storage.save(self.term, self.id)
        self.leader = None
        self._progress = {}
        self._deadline = now + self._timeout()
        self._granted = {self.id}
        if majority(self.config, self._granted, self.expected):
            self._lead(now)
            return
        for peer in self._voters():
            self._send(peer, {"type": "vote", "last_index": self.last_index,
                              "last_term": self.last_term,
                              "transfer": int(transfer)})

    def _lead(self, now):
        self.role = LEADER
        self.leader = self.id
        self._transfer = None
        self._progress = {}
        self._sync_progress()
        for peer in self._granted:
            if peer in self._progress:
                self._progress[peer].contact = now
        self._heartbeat_due = now + self.heartbeat
        self._term_start = self._append(NOOP, None)[1]

    def _sync_progress(self):
        """A leader replicates to every node of the latest and the committed
        configuration, so a removed node learns of its removal."""
        peers = (set(self.config) | set(self.committed_config)) - {self.id}
        for peer in list(self._progress):
            if peer not in peers:
                del self._progress[peer]
        for peer in sorted(peers):  # the same order in every process
            if peer not in self._progress:
                self._progress[peer] = _Progress(self.last_index + 1)

    # -- the leader ----------------------------------------------------

    def _append(self, kind, data):
        index = self.last_index + 1
        self.storage.append([(self.term, kind, data)])
        if kind == CONFIG:
            self._configs.append((index, data))
            self._sync_progress()
        self._advance_commit()
        return self.term, index

    def _advance_commit(self):
        """Commit the highest index of this term that nodes holding a
        majority of votes have durably (§3.6.2; figure 3.7)."""
        config = self.config
        total = self.expected or sum(config.values())
        matches = sorted(
            ((self.last_index if n == self.id else
              (self._progress[n].match if n in self._progress else 0)), v)
            for n, v in config.items() if v > 0)
        got = 0
        for match, votes in reversed(matches):
            got += votes
            if 2 * got > total:
                break
        else:
            return
        if match > self.commit_index and self._term_at(match) == self.term:
            before, self.commit_index = self.commit_index, match
            if self._configs[-1][0] > before:       # a change committed
                if self.committed_config.get(self.id, 0) <= 0:
                    self._leave()
                else:
                    self._sync_progress()

    def _leave(self):
        """Removed or demoted: hand over to the most up-to-date voter."""
        best = max(((pr.match, p) for p, pr in self._progress.items()
                    if self._votes(p) > 0), default=None)
        if best is not None:
            self._send(best[1], {"type": "timeout_now"})
        self._step_down(self._now)

    def _maybe_timeout_now(self, peer):
        if self._transfer is not None and self._transfer[0] == peer and \
                self._progress[peer].match == self.last_index:
            self._send(peer, {"type": "timeout_now"})

    def _flush(self):
        last = self.last_index
        first = self.storage.first_index()
        for peer, pr in self._progress.items():
            if pr.snapshot is not None or (pr.next < first and
                                           pr.next <= last):
                self._send_snapshot(peer, pr)
                continue
            sent = False
            while pr.next <= last and \
                    pr.next - 1 - pr.match < self.max_inflight:
                if not self._send_append(peer, pr, pr.next - 1, True):
                    break
                sent = True
            if not sent and pr.sent_commit < self.commit_index:
                # commit news: from what the peer surely has, so a message
                # still on its way cannot make this one a rejection
                prev = pr.match if self._term_at(pr.match) is not None \
                    else pr.next - 1
                self._send_append(peer, pr, prev, False)

    def _heartbeat(self, peer, pr):
        if pr.snapshot is not None:
            pr.chunk_out = False
            self._send_snapshot(peer, pr)
        else:
            self._send_append(peer, pr, pr.next - 1, False)

    def _send_append(self, peer, pr, prev, with_entries):
        prev_term = self._term_at(prev)
        if prev_term is None:           # compacted away: send the state
            self._send_snapshot(peer, pr)
            return False
        entries = []
        if with_entries:
            size = 0
            hi = min(self.last_index, prev + self.max_batch)
            for entry in self.storage.entries(prev + 1, hi + 1):
                size += _size(entry)
                if entries and size > self.max_batch_bytes:
                    break
                entries.append(_wire(entry))
            pr.next = max(pr.next, prev + len(entries) + 1)
        pr.sent_commit = self.commit_index
        self._send(peer, {"type": "append", "prev_index": prev,
                          "prev_term": prev_term, "entries": entries,
                          "commit": self.commit_index,
                          "quorate": int(self.quorate(self._now))})
        return True

    def _send_snapshot(self, peer, pr):
        if pr.snapshot is not self._snap:
            pr.snapshot, pr.offset, pr.chunk_out = self._snap, 0, False
        if pr.chunk_out:
            return
        snap, start = pr.snapshot, pr.offset
        end = start + self.snapshot_chunk
        pr.chunk_out = True
        pr.sent_commit = self.commit_index
        self._send(peer, {"type": "snapshot", "index": snap.index,
                          "last_term": snap.term, "config": dict(snap.config),
                          "offset": start, "data": snap.data[start:end],
                          "done": int(end >= len(snap.data)),
                          "quorate": int(self.quorate(self._now))})

    def _reply_progress(self, now, msg):
        """The progress of the follower a reply to this leader comes from
        (its contact noted), or None for a reply to ignore; a higher term
        makes this node follow."""
        if msg["term"] > self.term:
            self._higher_term(now, msg["term"])
            return None
        pr = self._progress.get(msg["from"])
        if self.role != LEADER or msg["term"] < self.term or pr is None:
            return None
        pr.contact = now
        return pr

    def _on_append_reply(self, now, msg):
        pr = self._reply_progress(now, msg)
        if pr is None:
            return
        if msg["success"]:
            if msg["match"] > pr.match:
                pr.match = msg["match"]
                self._advance_commit()
                if self.role != LEADER:
                    return
                self._maybe_timeout_now(msg["from"])
            pr.next = max(pr.next, pr.match + 1)
        else:
            pr.next = max(pr.match + 1, min(msg["hint"], pr.next))

    def _on_snapshot_reply(self, now, msg):
        pr = self._reply_progress(now, msg)
        if pr is None:
            return
        if msg["done"]:
            pr.snapshot = None
            pr.chunk_out = False
            if msg["match"] > pr.match:
                pr.match = msg["match"]
                self._advance_commit()
            pr.next = max(pr.next, pr.match + 1)
        elif pr.snapshot is not None and pr.snapshot.index == msg["index"]:
            pr.offset = msg["offset"]
            pr.chunk_out = False

    # -- followers -----------------------------------------------------

    def _from_leader(self, now, msg, reply_type):
        """Common part of append and snapshot: False if *msg* is stale."""
        if msg["term"] < self.term:
            self._send(msg["from"], {"type": reply_type, "success": 0,
                                     "match": 0, "hint": 0, "index": 0,
                                     "offset": 0, "done": 0})
            return False
        if self.role == LEADER and msg["term"] == self.term:
            raise AssertionError("two leaders in term %d" % self.term)
        self._follow(now, msg["term"], msg["from"])
        self._heard = now
        self._leader_quorate = bool(msg.get("quorate", 1))
        self._deadline = now + self._timeout()
        return True

    def _on_append(self, now, msg):
        if not self._from_leader(now, msg, "append_reply"):
            return
        prev, prev_term = msg["prev_index"], msg["prev_term"]
        entries = msg["entries"]
        base = self.snapshot_index
        if prev < base:                 # committed here: they match
            entries = entries[base - prev:]
            prev, prev_term = base, self._term_at(base)
        last = self.last_index
        if prev > last:
            self._reject(msg, last + 1)
            return
        term = self._term_at(prev)
        if term != prev_term:
            floor = max(self.commit_index, base)
            hint = prev
            while hint - 1 > floor and self._term_at(hint - 1) == term:
                hint -= 1
            self._reject(msg, hint)
            return
        for k, entry in enumerate(entries):
            index = prev + 1 + k
            if index <= last:
                if self._term_at(index) == entry[0]:
                    continue
                if index <= self.commit_index:
                    raise AssertionError("conflict at committed index %d"
                                         % index)
                self.storage.truncate(index)
                self._configs = [c for c in self._configs if c[0] < index]
            new = [(e[0], e[1], dict(e[2]) if e[1] == CONFIG else e[2])
                   for e in entries[k:]]
            self.storage.append(new)
            for i, e in enumerate(new, index):
                if e[1] == CONFIG:
                    self._configs.append((i, e[2]))
            break
        match = prev + len(entries)
        if msg["commit"] > self.commit_index:
            self.commit_index = max(self.commit_index,
                                    min(msg["commit"], match))
        self._send(msg["from"], {"type": "append_reply", "success": 1,
                                 "match": match, "hint": 0})

    def _reject(self, msg, hint):
        self._send(msg["from"], {"type": "append_reply", "success": 0,
                                 "match": 0, "hint": hint})

    def _on_snapshot(self, now, msg):
        if not self._from_leader(now, msg, "snapshot_reply"):
            return
        index, data = msg["index"], msg["data"]

        def reply(offset, done, match=0):
            self._send(msg["from"], {"type": "snapshot_reply",
                                     "index": index, "offset": offset,
                                     "done": done, "match": match})
        if index <= self.commit_index:
            reply(msg["offset"] + len(data), 1, index)
            return
        key = (msg["from"], self.term, index, msg["last_term"])
        buf = self._snap_buf
        if msg["offset"] == 0:
            buf = self._snap_buf = [key, [], 0]
        elif buf is None or buf[0] != key or buf[2] != msg["offset"]:
            reply(buf[2] if buf is not None and buf[0] == key else 0, 0)
            return
        buf[1].append(data)
        buf[2] += len(data)
        if not msg["done"]:
            reply(buf[2], 0)
            return
        self._snap_buf = None
        snap = Snapshot(index, msg["last_term"], dict(msg["config"]),
                        b"".join(buf[1]))
        keep = self._term_at(index) == snap.term    # §5.1: keep what follows
        self.storage.save_snapshot(snap, discard=not keep)
        self._snap = snap
        self._configs = [(index, snap.config)] + \
            ([c for c in self._configs if c[0] > index] if keep else [])
        self.commit_index = index
        if index > self.applied_index:
            self.applied_index = index
            self._restore = snap
        reply(buf[2], 1, index)

    # -- elections -----------------------------------------------------

    def _on_pre_vote(self, now, msg):
        grant = (msg["term"] > self.term and not self._in_lease(now)
                 and self._log_ok(msg))
        self._send(msg["from"], {"type": "pre_vote_reply",
                                 "term": msg["term"] if grant else self.term,
                                 "granted": int(grant)})

    def _on_pre_vote_reply(self, now, msg):
        if not msg["granted"]:
            if msg["term"] > self.term:
                self._higher_term(now, msg["term"])
        elif self.role == PRECANDIDATE and msg["term"] == self.term + 1:
            self._granted.add(msg["from"])
            if majority(self.config, self._granted, self.expected):
                self._campaign(now)

    def _on_vote(self, now, msg):
        if msg["term"] > self.term:
            if self._in_lease(now) and msg["from"] != self.leader \
                    and not msg["transfer"]:
                self._send(msg["from"], {"type": "vote_reply", "granted": 0})
                return
            self._follow(now, msg["term"])
        grant = (msg["term"] == self.term
                 and self.voted_for in (None, msg["from"])
                 and self._log_ok(msg))
        if grant:
            self.voted_for = msg["from"]
            self.storage.save(self.term, self.voted_for)
            self._deadline = now + self._timeout()
        self._send(msg["from"], {"type": "vote_reply", "granted": int(grant)})

    def _on_vote_reply(self, now, msg):
        if msg["term"] > self.term:
            self._higher_term(now, msg["term"])
        elif (self.role == CANDIDATE and msg["term"] == self.term
              and msg["granted"]):
            self._granted.add(msg["from"])
            if majority(self.config, self._granted, self.expected):
                self._lead(now)

    def _on_timeout_now(self, now, msg):
        if msg["term"] == self.term and msg["from"] == self.leader and \
                self._votes() > 0 and self.role == FOLLOWER:
            self._campaign(now, transfer=True)

    _handlers = {
        "append": _on_append,
        "append_reply": _on_append_reply,
        "snapshot": _on_snapshot,
        "snapshot_reply": _on_snapshot_reply,
        "pre_vote": _on_pre_vote,
        "pre_vote_reply": _on_pre_vote_reply,
        "vote": _on_vote,
        "vote_reply": _on_vote_reply,
        "timeout_now": _on_timeout_now,
    }
