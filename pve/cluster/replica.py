"""One node's replicated configuration tree: Raft, a MemDB and replops.

A :class:`Replica` is the thin shell of ``README.md`` ("what the shell
must do") around a :class:`~pve.cluster.raft.RaftNode`, with a
:class:`~pve.cluster.memdb.MemDB` as the state machine and the operations
of :mod:`pve.cluster.replops` as commands.  It knows no transport: it calls
``send(peer, message)`` with plain-data messages (peers are Raft node ids)
and is fed with ``receive(peer, message)``; time comes from an
``IReactorTime`` (``task.Clock`` in tests).

Writes: :meth:`Replica.submit` takes a stamped operation (see
:meth:`Replica.make`) and returns a Deferred that fires with the
:class:`~pve.cluster.replops.Result` applying it gave (``errno`` 0 or
EEXIST, ENOENT, ... decided at apply time, the same on every node), or
fails with a :class:`ReplicaError` (an ``OSError``):

- :class:`NoQuorumError` (EACCES, Proxmox's "cluster not ready - no
  quorum?"): no quorate leader could be reached within ``quorum_timeout``;
  the write was not proposed;
- :class:`WriteLost` (EAGAIN): the entry was proposed but another entry won
  its index (leadership changed); it was not applied, the caller may retry;
- :class:`WriteTimeout` (ETIMEDOUT): no outcome within ``timeout`` (or the
  replica stopped); the write may or may not have been applied.

A write is never reported successful unless its entry was applied here: on
the leader when ``take_applied`` yields its ``(term, index)``; on a
follower, which forwards it to the leader, once it has applied the entry
itself (so the writer reads its own write back).

Replica messages (besides Raft's, which go to the core as they are)::

    {"type": "forward", "op": bytes}        follower -> leader: propose this
    {"type": "result", "outcome": "applied" | "lost" | "rejected",
     "node": str, "counter": int,           the op's RequestId
     "index": int, "term": int,             where the leader put it (0: none)
     "errno": int, "message": str, "version": int}
                                            leader -> follower

``applied``: committed and applied on the leader with that errno; the
follower answers its caller once it applied *index* itself.  ``lost``: the
leader applied another entry at *index*.  ``rejected``: the leader did not
propose it (not the leader any more, no quorum, undecodable); the follower
tries again (until ``timeout``) while it is quorate, and fails with EACCES
when it is not and ``quorum_timeout`` has passed since the submit.

Snapshots: every ``compact_every`` applied entries the replica hands the core
``encode_snapshot(memdb)`` (the rows of :meth:`MemDB.rows` in the
explicit binary format of :mod:`pve.cluster.treesnapshot`); a
:class:`~pve.cluster.raft.Restore` replaces the MemDB by
``MemDB.from_rows(decode_snapshot(data))``.  Readers must
therefore use ``replica.memdb`` each time rather than keep the object.
"""

import errno
import itertools

from twisted.internet import defer
from twisted.logger import Logger

from pve.cluster import raft, replops
from pve.cluster.commands import NO_QUORUM_MESSAGE
from pve.cluster.memdb import MemDB
from pve.cluster.treesnapshot import (  # noqa: F401  (SnapshotError: for callers)
    SnapshotError, decode_snapshot, encode_snapshot)

log = Logger()

FORWARD = "forward"
RESULT = "result"
TYPES = frozenset((FORWARD, RESULT))

APPLIED = "applied"
LOST = "lost"
REJECTED = "rejected"


# -- errors -------------------------------------------------------------------

class ReplicaError(OSError):
    """A write that did not (or not knowably) go through; ``errno`` says
    how, as the filesystem call answers."""

    code = errno.EIO
    default = "replication error"

    def __init__(self, message=None):
        OSError.__init__(self, self.code, message or self.default)


class NoQuorumError(ReplicaError):
    """No quorate leader: not proposed (Proxmox: EACCES)."""

    code = errno.EACCES
    default = NO_QUORUM_MESSAGE


class WriteLost(ReplicaError):
    """Proposed, but another entry won the index: not applied, retry."""

    code = errno.EAGAIN
    default = "write lost (leadership changed), retry"


class WriteTimeout(ReplicaError):
    """No outcome in time: the write may or may not have been applied."""

    code = errno.ETIMEDOUT
    default = "write outcome unknown (timed out)"


# -- the replica --------------------------------------------------------------

WAITING = "waiting"          # not sent yet: no quorate leader known
PROPOSED = "proposed"        # proposed here, as the leader
FORWARDED = "forwarded"      # sent to the leader
ANSWERED = "answered"        # the leader applied it; waiting to apply here


class _Submit:
    __slots__ = ("request", "data", "deferred", "state", "index", "result",
                 "quorum_deadline", "not_before", "timers")

    def __init__(self, request, data, deferred, quorum_deadline):
        self.request = request
        self.data = data
        self.deferred = deferred
        self.state = WAITING
        self.index = None
        self.result = None
        self.quorum_deadline = quorum_deadline
        self.not_before = 0.0
        self.timers = []


class _Proposal:
    """An entry this node proposed as the leader: for itself (*origin*
    None) or for the follower *origin*."""

    __slots__ = ("term", "request", "origin")

    def __init__(self, term, request, origin):
        self.term = term
        self.request = request
        self.origin = origin


class Replica:
    """One node's replicated tree; see the module docstring.

    *node_name* names the node in request ids, *writer_id* is its corosync
    node id (stamped on its operations), *raft_node* a
    :class:`~pve.cluster.raft.RaftNode` (with its storage; peers are its
    ids), *memdb* the tree the log's entries apply to (for a node starting
    from its Raft storage: an empty MemDB, rebuilt from the snapshot and
    the log).  *send(peer, message)*: the transport; it must not deliver
    synchronously into the peer (the replica is reentrancy-safe, but a
    synchronous loop would recurse); it may return False when the message
    surely did not leave (a forwarded write then waits for the next try).
    *clock*: an ``IReactorTime``.

    *quorum_timeout*: how long a write waits for a quorate leader before
    failing with EACCES; *timeout*: how long it waits for its outcome at
    all.  *compact_every*: snapshot the tree every that many applied
    entries (None: never), keeping *keep* entries in the log.
    *on_change(changes)*: called with the ``Change`` list of every applied
    operation that changed the tree; *on_restore(memdb)*: after a snapshot
    replaced the tree.  *retry_delay*: pause before forwarding again a
    write the leader rejected."""

    def __init__(self, node_name, writer_id, raft_node, memdb, send, clock,
                 quorum_timeout=3.0, timeout=10.0, compact_every=1000,
                 keep=100, on_change=None, on_restore=None,
                 retry_delay=0.05, counter=None):
        self.node_name = node_name
        self.writer_id = writer_id
        self.raft_node = raft_node
        self.memdb = memdb
        self.send = send
        self.clock = clock
        self.quorum_timeout = quorum_timeout
        self.timeout = timeout
        self.compact_every = compact_every
        self.keep = keep
        self.on_change = on_change
        self.on_restore = on_restore
        self.retry_delay = retry_delay
        # request counters: from the clock (in µs) so that a restarted node
        # does not reuse the ids of its previous incarnation's writes
        if counter is None:
            counter = int(clock.seconds() * 1000000) + 1
        self._counter = itertools.count(counter)
        self.applied_index = raft_node.applied_index
        self._pending = {}          # RequestId -> _Submit
        self._waiting = []          # _Submit in WAITING, in submit order
        self._proposed = {}         # index -> _Proposal (as the leader)
        self._remote = {}           # RequestId -> index, forwarded to us
        self._answered = {}         # index -> [RequestId] (ANSWERED)
        self._forwarded = []        # [(peer, RequestId, op bytes)] to propose
        self._flush_call = None
        self._tick_call = None
        self._busy = False
        self._again = False
        self._stopped = False
        self._after()

    # -- passthroughs --------------------------------------------------

    def now(self):
        return self.clock.seconds()

    def quorate(self):
        return self.raft_node.quorate(self.now())

    @property
    def leader(self):
        return self.raft_node.leader

    @property
    def is_leader(self):
        return self.raft_node.role == raft.LEADER

    # -- writes --------------------------------------------------------

    def next_request(self):
        return replops.RequestId(self.node_name, next(self._counter))

    def make(self, cls, path, **kw):
        """A *cls* operation on *path* stamped by this node: a new request
        id, its writer id and the clock's time as mtime (unless given)."""
        kw.setdefault("writer", self.writer_id)
        kw.setdefault("mtime", int(self.now()))
        return cls(request=self.next_request(), path=path, **kw)

    def submit(self, op):
        """Replicate *op*; a Deferred firing with its Result (see the
        module docstring for the errors)."""
        if self._stopped:
            return defer.fail(WriteTimeout("replica stopped"))
        try:
            data = replops.encode(op)
        except replops.FormatError as e:
            return defer.fail(e)
        if op.request in self._pending:
            return defer.fail(ValueError("request %r is already pending"
                                         % (op.request,)))
        now = self.now()
        sub = _Submit(op.request, data, defer.Deferred(),
                      now + self.quorum_timeout)
        self._pending[op.request] = sub
        self._waiting.append(sub)
        sub.timers = [
            self.clock.callLater(self.quorum_timeout, self._quorum_expired,
                                 sub),
            self.clock.callLater(self.timeout, self._timed_out, sub)]
        self._soon()
        return sub.deferred

    def _soon(self):
        """Dispatch on the next turn of the reactor: writes submitted or
        forwarded meanwhile go to the disk together."""
        if self._flush_call is None and not self._stopped:
            self._flush_call = self.clock.callLater(0, self._flush)

    def _flush(self):
        self._flush_call = None
        if not self._stopped:
            self._after()

    def _quorum_expired(self, sub):
        if self._pending.get(sub.request) is sub and sub.state == WAITING:
            self._fail(sub, NoQuorumError())

    def _timed_out(self, sub):
        if self._pending.get(sub.request) is not sub:
            return
        if sub.state == WAITING:
            self._fail(sub, NoQuorumError())
        elif sub.state == ANSWERED:
            self._fail(sub, WriteTimeout(
                "write applied on the leader at index %d but not here yet "
                "(timed out)" % sub.index))
        else:
            self._fail(sub, WriteTimeout())

    def _finish(self, sub):
        """Forget *sub*; the caller fires its Deferred."""
        del self._pending[sub.request]
        if sub.state == WAITING:
            self._waiting.remove(sub)
        elif sub.state == ANSWERED:
            waiting = self._answered.get(sub.index)
            if waiting is not None and sub.request in waiting:
                waiting.remove(sub.request)
                if not waiting:
                    del self._answered[sub.index]
        for timer in sub.timers:
            if timer.active():
                timer.cancel()
        sub.timers = []

    def _fail(self, sub, error):
        self._finish(sub)
        sub.deferred.errback(error)

    def _succeed(self, sub, result):
        self._finish(sub)
        sub.deferred.callback(result)

    def _dispatch(self):
        """Send the waiting writes where they can go; True if the core was
        called (its outputs must be drained again)."""
        if not self._waiting:
            return False
        rn = self.raft_node
        now = self.now()
        called = False
        if rn.role == raft.LEADER:
            # all at once: one append, one write to the disk
            ready = [sub for sub in self._waiting if sub.not_before <= now]
            if not ready:
                return False
            try:
                placed = rn.propose_many(now, [sub.data for sub in ready])
            except (raft.NotLeader, raft.NoQuorum):
                return False
            for sub, (term, index) in zip(ready, placed):
                self._waiting.remove(sub)
                sub.state, sub.index = PROPOSED, index
                self._proposed[index] = _Proposal(term, sub.request, None)
            return True
        for sub in list(self._waiting):
            if sub.not_before > now:
                continue
            if rn.leader is not None and rn.leader != rn.id and \
                    rn.quorate(now):
                if self.send(rn.leader, {"type": FORWARD,
                                         "op": sub.data}) is False:
                    break       # surely not sent (link down): wait
                self._waiting.remove(sub)
                sub.state = FORWARDED
            else:
                break
        return called

    # -- the core ------------------------------------------------------

    def receive(self, peer, message):
        """A message from *peer*: the replica's own, or Raft's."""
        if self._stopped:
            return
        kind = message.get("type")
        if kind == FORWARD:
            self._on_forward(peer, message)
            self._soon()
            return
        elif kind == RESULT:
            self._on_result(peer, message)
        else:
            self.raft_node.receive(self.now(), message)
        self._after()

    def _tick(self):
        self._tick_call = None
        if self._stopped:
            return
        self.raft_node.tick(self.now())
        self._after()

    def _after(self):
        """Drain the core after any call into it, dispatch waiting writes,
        schedule the next tick.  Reentrant calls (from a Deferred's
        callbacks or a synchronous transport) only ask for another round."""
        if self._busy:
            self._again = True
            return
        self._busy = True
        try:
            while True:
                self._again = False
                rn = self.raft_node
                for to, message in rn.take_messages():
                    self.send(to, message)
                items = rn.take_applied()
                if items:
                    self._apply(items)
                    self._maybe_compact()
                if self._dispatch():
                    self._again = True
                if self._propose_forwarded():
                    self._again = True
                if not self._again:
                    break
        finally:
            self._busy = False
        self._schedule_tick()

    def _schedule_tick(self):
        if self._stopped:
            return
        delay = max(0.0, self.raft_node.next_deadline() - self.now())
        call = self._tick_call
        if call is not None and call.active():
            if abs(call.getTime() - (self.now() + delay)) > 1e-9:
                call.reset(delay)
        else:
            self._tick_call = self.clock.callLater(delay, self._tick)

    def _maybe_compact(self):
        if not self.compact_every:
            return
        rn = self.raft_node
        if self.applied_index - rn.snapshot_index >= self.compact_every:
            rn.compact(self.applied_index, encode_snapshot(self.memdb),
                       keep=self.keep)

    # -- applying ------------------------------------------------------

    def _apply(self, items):
        for item in items:
            if isinstance(item, raft.Restore):
                self._restore(item)
            else:
                self._apply_entry(item)
            self._resolve_answered()

    def _restore(self, item):
        self.memdb = MemDB.from_rows(decode_snapshot(item.data))
        self.applied_index = item.index
        # our proposals up to there: whether they made it is unknown here
        for index in sorted(i for i in self._proposed if i <= item.index):
            proposal = self._proposed.pop(index)
            self._remote.pop(proposal.request, None)
            sub = self._pending.get(proposal.request)
            if proposal.origin is None and sub is not None and \
                    sub.state == PROPOSED:
                self._fail(sub, WriteTimeout(
                    "write outcome unknown: a snapshot replaced the tree"))
        if self.on_restore is not None:
            self.on_restore(self.memdb)

    def apply_command(self, index, term, command):
        """Decode and apply one committed command; its Result, or None if
        it is not an operation (the same on every node)."""
        try:
            op = replops.decode(command)
        except replops.FormatError as e:
            log.error("entry {index} (term {term}) is not an operation, "
                      "skipped: {error}", index=index, term=term, error=e)
            return None
        result = replops.apply(self.memdb, op)
        if result.changes and self.on_change is not None:
            self.on_change(list(result.changes))
        return result

    def _apply_entry(self, item):
        self.applied_index = item.index
        result = None
        if item.command is not None:
            result = self.apply_command(item.index, item.term, item.command)
        proposal = self._proposed.pop(item.index, None)
        if proposal is not None:
            ours = proposal.term == item.term and item.command is not None
            if ours and result is None:     # undecodable: cannot happen
                result = replops.Result(proposal.request, errno.EINVAL,
                                        "operation could not be decoded")
            if proposal.origin is not None:
                self._remote.pop(proposal.request, None)
                self._answer(proposal, item, result if ours else None)
            elif not ours:
                sub = self._pending.get(proposal.request)
                if sub is not None and sub.state == PROPOSED:
                    self._fail(sub, WriteLost())
            # ours: found by its request id just below
        if result is not None:
            sub = self._pending.get(result.request)
            if sub is not None and sub.state in (PROPOSED, FORWARDED,
                                                 ANSWERED):
                self._succeed(sub, result)

    def _resolve_answered(self):
        """Forwarded writes the leader applied at an index we passed
        without seeing them (a snapshot covered it): its answer stands."""
        for index in [i for i in self._answered if i <= self.applied_index]:
            for request in list(self._answered.get(index, ())):
                sub = self._pending.get(request)
                if sub is not None:
                    self._succeed(sub, sub.result)

    # -- forwarding ----------------------------------------------------

    def _answer(self, proposal, item, result):
        message = {"type": RESULT, "node": proposal.request.node,
                   "counter": proposal.request.counter,
                   "index": item.index, "term": proposal.term,
                   "errno": 0, "message": "", "version": 0}
        if result is None:
            message["outcome"] = LOST
        else:
            message.update(result.plain())
            message["outcome"] = APPLIED
        self.send(proposal.origin, message)

    def _reject(self, peer, request, code, text):
        self.send(peer, {"type": RESULT, "outcome": REJECTED,
                         "node": request.node, "counter": request.counter,
                         "index": 0, "term": 0, "errno": code,
                         "message": text, "version": 0})

    def _on_forward(self, peer, message):
        try:
            op = replops.decode(message.get("op"))
        except replops.FormatError as e:
            log.warn("undecodable write forwarded by {peer}: {error}",
                     peer=peer, error=e)
            return
        if op.request in self._remote or any(
                r == op.request for _, r, _ in self._forwarded):
            return                      # a duplicate: already proposed
        self._forwarded.append((peer, op.request, message["op"]))

    def _propose_forwarded(self):
        """Propose the writes followers forwarded, in one append; True if
        the core was called."""
        if not self._forwarded:
            return False
        batch, self._forwarded = self._forwarded, []
        try:
            placed = self.raft_node.propose_many(
                self.now(), [data for _, _, data in batch])
        except (raft.NotLeader, raft.NoQuorum):
            for peer, request, _ in batch:
                self._reject(peer, request, errno.EACCES, NO_QUORUM_MESSAGE)
            return False
        for (peer, request, _), (term, index) in zip(batch, placed):
            self._proposed[index] = _Proposal(term, request, peer)
            self._remote[request] = index
        return True

    def _on_result(self, peer, message):
        try:
            request = replops.RequestId(message["node"], message["counter"])
            outcome = message["outcome"]
        except (KeyError, TypeError):
            log.warn("malformed result from {peer}: {message!r}", peer=peer,
                     message=message)
            return
        sub = self._pending.get(request)
        if sub is None or sub.state != FORWARDED:
            return
        if outcome == REJECTED:
            # not proposed: safe to send again, while there is quorum
            if self.now() >= sub.quorum_deadline and not self.quorate():
                self._fail(sub, NoQuorumError())
            else:
                sub.state = WAITING
                sub.not_before = self.now() + self.retry_delay
                self._waiting.append(sub)
                self.clock.callLater(self.retry_delay, self._retry)
        elif outcome == LOST:
            self._fail(sub, WriteLost())
        elif outcome == APPLIED:
            sub.state = ANSWERED
            sub.index = message["index"]
            sub.result = replops.Result(request, message["errno"],
                                        message["message"])
            self._answered.setdefault(sub.index, []).append(request)
            self._resolve_answered()

    def _retry(self):
        if not self._stopped:
            self._after()

    def poke(self):
        """Run the core now (after a change of its settings)."""
        if not self._stopped:
            self._after()

    def propose_config(self, config):
        """As the leader, append the configuration *config* (one step,
        see RaftNode.propose_config, whose errors it raises)."""
        self.raft_node.propose_config(self.now(), config)
        self._after()

    # -- the end -------------------------------------------------------

    def stop(self):
        """Stop (the node goes down): no more ticks; pending writes fail
        with WriteTimeout (their outcome is unknown)."""
        if self._stopped:
            return
        self._stopped = True
        if self._flush_call is not None and self._flush_call.active():
            self._flush_call.cancel()
        self._flush_call = None
        if self._tick_call is not None and self._tick_call.active():
            self._tick_call.cancel()
        self._tick_call = None
        for sub in list(self._pending.values()):
            self._fail(sub, WriteTimeout("replica stopped, write outcome "
                                         "unknown"))
