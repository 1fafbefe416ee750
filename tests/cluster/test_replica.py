"""The replicated tree (pve.cluster.replica): three replicas on task.Clock
with an in-memory network that partitions, and nodes that crash and
restart from their Raft storage."""

import copy
import errno
import os
import random

from twisted.internet import task
from twisted.trial import unittest

from pve.cluster import raft, replica
from pve.cluster.memdb import MemDB
from pve.cluster.raftstorage import MemoryStorage
from pve.cluster.replica import (
    NoQuorumError, Replica, WriteLost, WriteTimeout, decode_snapshot,
    encode_snapshot)
from pve.cluster.replops import (
    CREATE_OR_REPLACE, EXCLUSIVE, FILE, Create, Delete, Mkdir, WriteFile)
from tests.cluster.raftsim import check_plain

NAMES = ("n1", "n2", "n3")
WRITER = {"n1": 1, "n2": 2, "n3": 3}


class Outcome:
    """Where a submit's Deferred ended: ``result`` or ``error``."""

    def __init__(self, rep, op, clock):
        self.op = op
        self.node = rep.node_name
        self.started = clock.seconds()
        self.done_at = None
        self.result = None
        self.error = None
        self.seen_locally = None
        d = rep.submit(op)
        d.addCallbacks(self._ok, self._err,
                       callbackArgs=(rep, clock), errbackArgs=(clock,))

    def _ok(self, result, rep, clock):
        self.result = result
        self.done_at = clock.seconds()
        # the writer reads its own write back at once
        self.seen_locally = (rep.applied_index,
                             rep.memdb.lookup(self.op.path) is not None)

    def _err(self, failure, clock):
        failure.trap(OSError)
        self.error = failure.value
        self.done_at = clock.seconds()

    @property
    def done(self):
        return self.done_at is not None

    @property
    def ok(self):
        return self.result is not None and self.result.errno == 0


class Cluster:
    """Replicas on one task.Clock; messages take *delay* seconds (FIFO per
    link, as over TCP) and pass through copy.deepcopy, as over the wire."""

    def __init__(self, test, seed=0, delay=(0.001, 0.003), **kw):
        self.test = test
        self.rng = random.Random(seed)
        self.clock = task.Clock()
        self.clock.advance(1000.0)
        self.delay = delay
        self.kw = kw
        self.config = dict.fromkeys(NAMES, 1)
        self.storages = {n: MemoryStorage() for n in NAMES}
        self.replicas = dict.fromkeys(NAMES)
        self.blocked = set()
        self.filter = None          # filter(src, dst, msg): True drops it
        self.link_free = {}
        self.restores = dict.fromkeys(NAMES, 0)
        self.changes = dict.fromkeys(NAMES, 0)
        self.canon = {}             # index -> (term, request, errno)
        self.messages = 0
        for name in NAMES:
            self.start(name)

    # -- nodes ---------------------------------------------------------

    def start(self, name):
        clock = self.clock
        rn = raft.RaftNode(name, self.storages[name],
                           random.Random(self.rng.random()), self.config,
                           now=clock.seconds(), snapshot_chunk=512)
        cluster = self

        class Audited(Replica):
            def apply_command(self, index, term, command):
                result = Replica.apply_command(self, index, term, command)
                entry = (term, result.request, result.errno)
                other = cluster.canon.setdefault(index, entry)
                if other != entry:
                    cluster.test.fail("%s applied %r at %d, another node %r"
                                      % (name, entry, index, other))
                return result

        def on_change(changes):
            self.changes[name] += len(changes)

        def on_restore(db):
            self.restores[name] += 1

        self.replicas[name] = Audited(
            name, WRITER[name], rn, MemDB(),
            lambda peer, msg: self.send(name, peer, msg), clock,
            on_change=on_change, on_restore=on_restore, **self.kw)
        return self.replicas[name]

    def crash(self, name):
        """Volatile state is lost, the storage stays."""
        self.replicas[name].stop()
        self.replicas[name] = None

    def up(self):
        return [n for n in NAMES if self.replicas[n] is not None]

    # -- the network ---------------------------------------------------

    def send(self, src, dst, msg):
        check_plain(msg)
        self.messages += 1
        if (src, dst) in self.blocked or \
                (self.filter is not None and self.filter(src, dst, msg)):
            return
        now = self.clock.seconds()
        at = max(now + self.rng.uniform(*self.delay),
                 self.link_free.get((src, dst), 0.0))
        self.link_free[(src, dst)] = at
        self.clock.callLater(at - now, self._deliver, src, dst,
                             copy.deepcopy(msg))

    def _deliver(self, src, dst, msg):
        rep = self.replicas[dst]
        if rep is None or (src, dst) in self.blocked:
            return
        rep.receive(src, msg)

    def partition(self, *groups):
        self.blocked = {(a, b) for g in groups for h in groups if g is not h
                        for a in g for b in h}

    def isolate(self, name):
        self.partition([name], [n for n in NAMES if n != name])

    def heal(self):
        self.blocked = set()

    # -- time ----------------------------------------------------------

    def run(self, seconds):
        """Run every event up to *seconds* from now, each at its time."""
        clock = self.clock
        end = clock.seconds() + seconds
        while clock.calls and clock.calls[0].getTime() <= end:
            clock.advance(max(0.0, clock.calls[0].getTime() -
                              clock.seconds()))
        clock.advance(end - clock.seconds())

    def run_until(self, predicate, limit=30.0, step=0.01):
        end = self.clock.seconds() + limit
        while not predicate():
            if self.clock.seconds() >= end:
                self.test.fail("condition not reached in %.1f s" % limit)
            self.run(step)

    # -- helpers -------------------------------------------------------

    def leader(self):
        for name in self.up():
            rep = self.replicas[name]
            if rep.is_leader and rep.quorate():
                return name
        return None

    def wait_leader(self):
        self.run_until(lambda: self.leader() is not None)
        return self.leader()

    def followers(self):
        leader = self.leader()
        return [n for n in self.up() if n != leader]

    def submit(self, name, cls, path, **kw):
        rep = self.replicas[name]
        return Outcome(rep, rep.make(cls, path, **kw), self.clock)

    def write(self, name, cls, path, **kw):
        """Submit and wait for the outcome, which must be errno 0."""
        out = self.submit(name, cls, path, **kw)
        self.run_until(lambda: out.done)
        if not out.ok:
            self.test.fail("%s %s %s: %r %r" % (name, cls.__name__, path,
                                                out.result, out.error))
        return out

    def layout(self):
        leader = self.wait_leader()
        for path in ["nodes", "priv", "priv/lock", "d"] + [
                p for n in NAMES
                for p in ("nodes/" + n, "nodes/%s/qemu-server" % n)]:
            self.write(leader, Mkdir, path)

    def rows(self, name):
        return list(self.replicas[name].memdb.rows())

    def vmlist(self, name):
        return {vmid: tuple(info[:2]) for vmid, info in
                self.replicas[name].memdb.vmlist.items()}

    def converged(self):
        up = self.up()
        rows = [self.rows(n) for n in up]
        return len(up) == len(NAMES) and all(r == rows[0] for r in rows)

    def assert_converged(self, limit=20.0):
        self.run_until(self.converged, limit)
        first = self.rows(NAMES[0])
        for name in NAMES[1:]:
            self.test.assertEqual(self.rows(name), first)
            self.test.assertEqual(self.vmlist(name), self.vmlist(NAMES[0]))
            # the same MemDB as rebuilt from the rows
            self.test.assertEqual(
                list(MemDB.from_rows(self.rows(name)).rows()), first)


class SnapshotFormatTest(unittest.TestCase):

    def tree(self):
        db = MemDB()
        db.mkdir("nodes", 1, 10)
        db.mkdir("nodes/n1", 1, 11)
        db.write("nodes/n1/x\u00e9.cfg", b"\0data\xff", 0, 2, -5,
                 create=True)
        db.write("empty", b"", 0, 3, 12, create=True)
        return db

    def test_round_trip(self):
        db = self.tree()
        data = encode_snapshot(db)
        self.assertEqual(decode_snapshot(data), list(db.rows()))
        self.assertEqual(list(MemDB.from_rows(decode_snapshot(data)).rows()),
                         list(db.rows()))
        self.assertEqual(decode_snapshot(encode_snapshot(MemDB())),
                         list(MemDB().rows()))

    def test_rejects_garbage(self):
        data = encode_snapshot(self.tree())
        for bad in (b"", b"XX\x01\0\0\0\0", data[:-1], data + b"\0",
                    data[:2] + b"\x02" + data[3:]):
            self.assertRaises(replica.SnapshotError, decode_snapshot, bad)


class ReplicaTest(unittest.TestCase):

    def test_write_on_leader_and_on_follower(self):
        c = Cluster(self, seed=1)
        leader = c.wait_leader()
        out = c.write(leader, Mkdir, "nodes")
        self.assertEqual(out.result.errno, 0)
        self.assertTrue(out.result.changes)
        self.assertEqual(out.seen_locally[1], True)
        follower = c.followers()[0]
        out = c.submit(follower, WriteFile, "nodes/f.cfg", data=b"hello",
                       mode=CREATE_OR_REPLACE, truncate=True)
        c.run_until(lambda: out.done)
        self.assertTrue(out.ok, (out.result, out.error))
        self.assertEqual(out.result.request.node, follower)
        self.assertTrue(out.result.changes)  # applied here, so with changes
        # the follower's own tree had it when its Deferred fired
        self.assertEqual(out.seen_locally[1], True)
        self.assertEqual(
            c.replicas[follower].memdb.get("nodes/f.cfg").data, b"hello")
        entry = c.replicas[follower].memdb.get("nodes/f.cfg")
        self.assertEqual((entry.writer, entry.mtime),
                         (WRITER[follower], int(out.started)))
        # an error decided at apply time comes back as the Result's errno
        out = c.submit(follower, Create, "nodes/f.cfg")
        c.run_until(lambda: out.done)
        self.assertEqual(out.result.errno, errno.EEXIST)
        self.assertRaises(OSError, out.result.raise_for_error)
        c.assert_converged()
        for name in NAMES:
            self.assertEqual(c.replicas[name].memdb.get("nodes/f.cfg").data,
                             b"hello")
            self.assertGreaterEqual(c.changes[name], 2)

    def test_vmid_unique_cluster_wide(self):
        for seed in range(4):
            c = Cluster(self, seed=seed)
            c.layout()
            leader = c.leader()
            follower = c.followers()[0]
            outs = [c.submit(n, WriteFile,
                             "nodes/%s/qemu-server/100.conf" % n,
                             data=b"name: vm-%s\n" % n.encode(),
                             mode=EXCLUSIVE, truncate=True)
                    for n in (follower, leader)]
            c.run_until(lambda: all(o.done for o in outs))
            codes = sorted(o.result.errno for o in outs)
            self.assertEqual(codes, [0, errno.EEXIST])
            winner = next(o for o in outs if o.ok)
            c.assert_converged()
            for name in NAMES:
                db = c.replicas[name].memdb
                self.assertEqual(db.vmlist[100][0], winner.node)
                present = [n for n in (leader, follower) if db.lookup(
                    "nodes/%s/qemu-server/100.conf" % n) is not None]
                self.assertEqual(present, [winner.node])

    def test_cut_off_follower(self):
        c = Cluster(self, seed=2, quorum_timeout=1.5, timeout=6.0)
        c.layout()
        c.write(c.leader(), WriteFile, "d/before", data=b"1",
                mode=EXCLUSIVE)
        c.assert_converged()
        cut = c.followers()[0]
        c.isolate(cut)
        # right at the cut it still believes in its leader: the write goes
        # nowhere and fails, one way or the other, within the timeout
        early = c.submit(cut, WriteFile, "d/early", data=b"x",
                         mode=EXCLUSIVE)
        c.run(2.5)
        self.assertFalse(c.replicas[cut].quorate())
        before = {n: c.rows(n) for n in NAMES}
        out = c.submit(cut, WriteFile, "d/late", data=b"x", mode=EXCLUSIVE)
        c.run(1.4)
        self.assertFalse(out.done)      # it waits for a leader a little
        c.run(0.2)
        self.assertTrue(out.done)
        self.assertIsInstance(out.error, NoQuorumError)
        self.assertEqual(out.error.errno, errno.EACCES)
        self.assertEqual(out.error.strerror, "cluster not ready - no quorum?")
        c.run(4.0)
        self.assertTrue(early.done)
        self.assertIsInstance(early.error, (NoQuorumError, WriteTimeout))
        self.assertLessEqual(early.done_at - early.started, 6.0)
        # reads still work there; nothing changed anywhere
        db = c.replicas[cut].memdb
        self.assertEqual(db.get("d/before").data, b"1")
        self.assertIsNone(db.lookup("d/late"))
        for name in NAMES:
            self.assertEqual(c.rows(name), before[name])
            self.assertIsNone(c.replicas[name].memdb.lookup("d/early"))
        self.assertEqual(before[cut], before[c.leader()])
        # the majority goes on
        rest = [n for n in NAMES if n != cut]
        c.write(rest[0], WriteFile, "d/majority", data=b"m", mode=EXCLUSIVE)
        c.write(rest[1], WriteFile, "d/majority2", data=b"m",
                mode=EXCLUSIVE)
        self.assertNotEqual(c.rows(cut), c.rows(rest[0]))
        # healed: it catches up, and writes from it work again
        c.heal()
        c.assert_converged()
        self.assertEqual(c.replicas[cut].memdb.get("d/majority").data, b"m")
        out = c.write(cut, WriteFile, "d/after", data=b"a", mode=EXCLUSIVE)
        self.assertTrue(out.seen_locally[1])
        c.assert_converged()

    def test_leader_crash_and_restart(self):
        c = Cluster(self, seed=3, compact_every=7, keep=2)
        c.layout()
        for i in range(10):
            c.write(NAMES[i % 3], WriteFile, "d/a%d" % i, data=b"%d" % i,
                    mode=EXCLUSIVE)
        c.assert_converged()
        old = c.leader()
        # a write in flight on the leader as it crashes: never reported ok
        # unless applied (here: the replica stopped, outcome unknown)
        inflight = c.submit(old, WriteFile, "d/inflight", data=b"?",
                            mode=EXCLUSIVE)
        c.crash(old)
        self.assertIsInstance(inflight.error, WriteTimeout)
        new = c.wait_leader()
        self.assertNotEqual(new, old)
        for i in range(5):
            for name in c.up():
                c.write(name, WriteFile, "d/b%s%d" % (name, i),
                        data=b"b", mode=EXCLUSIVE)
        rep = c.start(old)              # same storage, an empty MemDB
        # rebuilt at once from its snapshot and whatever of its log it
        # knows to be committed
        self.assertEqual(c.restores[old], 1)
        self.assertEqual(rep.applied_index,
                         c.storages[old].snapshot().index)
        self.assertIsNotNone(rep.memdb.lookup("d"))
        c.assert_converged()
        self.assertIsNotNone(c.replicas[old].memdb.lookup("d/b%s4" % new))
        # the restarted node writes again, and a new request id
        out = c.write(old, WriteFile, "d/back", data=b"!", mode=EXCLUSIVE)
        self.assertTrue(out.seen_locally[1])
        c.assert_converged()

    def test_far_behind_node_catches_up_by_snapshot(self):
        c = Cluster(self, seed=4, compact_every=5, keep=0)
        c.layout()
        behind = c.followers()[0]
        c.isolate(behind)
        rest = [n for n in NAMES if n != behind]
        for i in range(30):
            c.write(rest[i % 2], WriteFile, "d/f%d" % i, data=b"x" * 100,
                    mode=EXCLUSIVE)
        c.write(rest[0], Delete, "d/f3", kind=FILE)
        leader = c.leader()
        self.assertGreater(c.storages[leader].first_index(),
                           c.replicas[behind].applied_index + 1)
        self.assertEqual(c.restores[behind], 0)
        c.heal()
        c.assert_converged()
        self.assertEqual(c.restores[behind], 1)
        db = c.replicas[behind].memdb
        self.assertIsNone(db.lookup("d/f3"))
        self.assertEqual(db.get("d/f29").data, b"x" * 100)
        # it goes on from there with entries
        c.write(behind, WriteFile, "d/next", data=b"n", mode=EXCLUSIVE)
        c.assert_converged()

    def test_forwarded_write_covered_by_snapshot(self):
        """A follower whose forwarded write reaches it only inside a
        snapshot answers with the leader's result."""
        c = Cluster(self, seed=5, compact_every=3, keep=0)
        c.layout()
        follower = c.followers()[0]
        leader = c.leader()
        # the follower hears nothing from Raft any more, but its forward
        # and the leader's answer get through
        c.filter = lambda src, dst, msg: \
            dst == follower and msg["type"] not in replica.TYPES
        out = c.submit(follower, WriteFile, "d/fw", data=b"f",
                       mode=EXCLUSIVE)
        c.run_until(lambda: c.replicas[follower]._pending[
            out.op.request].state == replica.ANSWERED)
        self.assertFalse(out.done)
        for i in range(8):
            c.write(leader, WriteFile, "d/g%d" % i, data=b"g",
                    mode=EXCLUSIVE)
        self.assertFalse(out.done)
        c.filter = None
        c.run_until(lambda: out.done)
        self.assertTrue(out.ok, (out.result, out.error))
        self.assertEqual(out.result.changes, ())    # the leader's answer
        self.assertGreaterEqual(c.restores[follower], 1)
        self.assertTrue(out.seen_locally[1])
        c.assert_converged()

    def test_lost_write_is_reported_lost(self):
        """A leader cut off with a proposal in flight: the new leader's
        entries replace it, and the proposer hears it was lost."""
        c = Cluster(self, seed=6, quorum_timeout=0.5, timeout=30.0)
        c.layout()
        old = c.leader()
        c.isolate(old)
        out = c.submit(old, WriteFile, "d/lost", data=b"l", mode=EXCLUSIVE)
        c.run(0.01)
        self.assertEqual(c.replicas[old].raft_node.role, raft.LEADER)
        rest = [n for n in NAMES if n != old]
        c.run_until(lambda: c.leader() in rest)
        c.write(c.leader(), WriteFile, "d/won", data=b"w", mode=EXCLUSIVE)
        self.assertFalse(out.done)
        c.heal()
        c.run_until(lambda: out.done)
        self.assertIsInstance(out.error, WriteLost)
        self.assertEqual(out.error.errno, errno.EAGAIN)
        c.assert_converged()
        for name in NAMES:
            self.assertIsNone(c.replicas[name].memdb.lookup("d/lost"))

    def test_rejected_forward_is_retried(self):
        c = Cluster(self, seed=8)
        c.layout()
        leader = c.leader()
        f1, f2 = c.followers()
        seen = []
        c.filter = lambda src, dst, msg: seen.append(
            (src, dst, msg["type"], msg.get("outcome"))) and False
        rep = c.replicas[f1]
        rep.raft_node.leader = f2       # stale: f2 does not lead
        out = c.submit(f1, WriteFile, "d/r", data=b"r", mode=EXCLUSIVE)
        c.run_until(lambda: out.done)
        self.assertTrue(out.ok, (out.result, out.error))
        mine = [m for m in seen if m[2] in replica.TYPES]
        # rejected by f2 (perhaps more than once, until the leader's next
        # heartbeat corrects f1's view), then forwarded to the leader
        self.assertEqual(mine[:2], [(f1, f2, "forward", None),
                                    (f2, f1, "result", "rejected")])
        self.assertEqual(mine[-2:], [(f1, leader, "forward", None),
                                     (leader, f1, "result", "applied")])
        self.assertEqual(len(mine) % 2, 0)
        self.assertEqual(mine[:-2], [(f1, f2, "forward", None),
                                     (f2, f1, "result", "rejected")]
                         * ((len(mine) - 2) // 2))
        c.assert_converged()

    def test_late_rejection_retried_while_quorate(self):
        """A forward the old leader rejects long after (it heard it only
        once healed): not proposed, so sent again, not EACCES, as long as
        this node has quorum."""
        c = Cluster(self, seed=8, quorum_timeout=0.3, timeout=30.0)
        c.layout()
        f1, f2 = c.followers()
        c.filter = lambda src, dst, msg: (src, dst) == (f1, f2)
        rep = c.replicas[f1]
        rep.raft_node.leader = f2       # stale: f2 does not lead
        out = c.submit(f1, WriteFile, "d/late", data=b"l", mode=EXCLUSIVE)
        c.run(1.0)                      # the forward went nowhere
        self.assertFalse(out.done)
        self.assertTrue(rep.quorate())
        c.filter = None
        rep.receive(f2, {"type": "result", "outcome": "rejected",
                         "node": out.op.request.node,
                         "counter": out.op.request.counter, "index": 0,
                         "term": 0, "errno": errno.EACCES,
                         "message": replica.NO_QUORUM_MESSAGE,
                         "version": 0})
        c.run_until(lambda: out.done)
        self.assertTrue(out.ok, (out.result, out.error))
        c.assert_converged()

    def test_submit_errors(self):
        c = Cluster(self, seed=7)
        c.wait_leader()
        rep = c.replicas[c.leader()]
        op = rep.make(Mkdir, "x")
        d = rep.submit(op)
        self.failureResultOf(rep.submit(op), ValueError)    # same request
        c.run_until(lambda: bool(d.called))
        bad = rep.make(WriteFile, "y", data=b"z" * (2 << 20))
        self.failureResultOf(rep.submit(bad), replica.replops.FormatError)
        rep.stop()
        self.failureResultOf(rep.submit(rep.make(Mkdir, "z")), WriteTimeout)

    def test_random(self):
        count = int(os.environ.get("REPLICA_SEEDS", "8"))
        seeds = [int(os.environ["REPLICA_SEED"])] \
            if "REPLICA_SEED" in os.environ else range(count)
        for seed in seeds:
            random_run(self, seed)


def random_run(test, seed, chaos=25.0):
    """Random writes on random nodes while the network partitions and nodes
    crash; then heal and check."""
    rng = random.Random(seed)
    c = Cluster(test, seed=seed, quorum_timeout=rng.choice([0.5, 2.0]),
                timeout=rng.choice([3.0, 8.0]),
                compact_every=rng.choice([None, 4, 20]),
                keep=rng.choice([0, 3]),
                delay=rng.choice([(0.001, 0.003), (0.0005, 0.05)]))
    c.layout()
    outs = []
    created = []
    serial = [0]
    end = c.clock.seconds() + chaos

    def new_op():
        up = c.up()
        if not up:
            return
        node = rng.choice(up)
        action = rng.random()
        if action < 0.4 or not created:
            serial[0] += 1
            path = "d/u%d" % serial[0]
            created.append(path)
            outs.append(c.submit(node, Create, path))
        elif action < 0.6:
            outs.append(c.submit(node, Delete, rng.choice(created),
                                 kind=FILE))
        elif action < 0.8:
            outs.append(c.submit(node, WriteFile, rng.choice(created),
                                 data=b"%d" % rng.randrange(1000),
                                 mode=CREATE_OR_REPLACE, truncate=True))
        else:
            outs.append(c.submit(
                node, WriteFile, "nodes/%s/qemu-server/%d.conf"
                % (node, rng.randrange(100, 106)), data=b"vm",
                mode=EXCLUSIVE))

    def fault():
        action = rng.random()
        down = [n for n in NAMES if c.replicas[n] is None]
        if action < 0.2:
            names = list(NAMES)
            rng.shuffle(names)
            c.partition(names[:1], names[1:])
        elif action < 0.35:
            c.isolate(c.leader() or rng.choice(NAMES))
        elif action < 0.55:
            c.heal()
        elif action < 0.7 and len(c.up()) == 3:
            c.crash(rng.choice(NAMES))
        elif action < 0.8 and c.leader() is not None:
            c.crash(c.leader())
        elif down:
            c.start(rng.choice(down))

    next_fault = c.clock.seconds() + rng.uniform(0.5, 2.0)
    while c.clock.seconds() < end:
        for _ in range(rng.choice([1, 1, 2, 3])):
            new_op()
        c.run(rng.uniform(0.01, 0.3))
        if c.clock.seconds() >= next_fault:
            fault()
            next_fault = c.clock.seconds() + rng.uniform(0.3, 2.5)
    c.heal()
    for name in NAMES:
        if c.replicas[name] is None:
            c.start(name)
    # every write still out ends within its timeout
    c.run(12.0)
    pending = [o for o in outs if not o.done]
    test.assertEqual(pending, [], "seed %d: writes without outcome" % seed)
    # and after healing, writes go through from everywhere
    for name in NAMES:
        c.write(name, Create, "d/final-%s" % name)
    c.assert_converged()
    c.stats = check_outcomes(test, c, outs, seed)
    return c


def check_outcomes(test, c, outs, seed):
    where = {}                  # request -> [(index, errno)]
    for index, (term, request, code) in c.canon.items():
        where.setdefault(request, []).append((index, code))
    db = c.replicas[NAMES[0]].memdb
    ok = lost = noq = unknown = 0
    for out in outs:
        request = out.op.request
        applied = where.get(request, [])
        test.assertLessEqual(len(applied), 1, "seed %d: %r applied twice"
                             % (seed, request))
        if out.result is not None:
            ok += 1
            test.assertEqual(applied, [(applied[0][0], out.result.errno)]
                             if applied else ["missing"],
                             "seed %d: %r reported %d" %
                             (seed, request, out.result.errno))
            # answered once applied where it was submitted
            test.assertGreaterEqual(out.seen_locally[0], applied[0][0])
        elif isinstance(out.error, (WriteLost, NoQuorumError)):
            lost += isinstance(out.error, WriteLost)
            noq += isinstance(out.error, NoQuorumError)
            test.assertEqual(applied, [], "seed %d: %r failed with %r but "
                             "was applied" % (seed, request, out.error))
        else:
            test.assertIsInstance(out.error, WriteTimeout)
            unknown += 1
    # every successful create of a unique path is in the tree unless a
    # delete of it was applied (errno 0) after it
    ops = {out.op.request: out.op for out in outs}
    applied_ok = sorted((index, ops[request]) for index, (_, request, code)
                        in c.canon.items() if code == 0 and request in ops)
    for out in outs:
        if isinstance(out.op, Create) and out.ok and \
                db.lookup(out.op.path) is None:
            index = where[out.op.request][0][0]
            test.assertTrue(any(
                i > index and isinstance(op, Delete) and
                op.path == out.op.path for i, op in applied_ok),
                "seed %d: %s vanished" % (seed, out.op.path))
    # and exactly: replaying the applied log gives the tree's d/u* files
    exists = {}
    for index, op in applied_ok:
        if op.path.startswith("d/u"):
            exists[op.path] = not isinstance(op, Delete)
    test.assertEqual(
        sorted(p for p, e in exists.items() if e),
        sorted("d/" + name for name in db.get("d").children
               if name.startswith("u")), "seed %d" % seed)
    test.assertGreater(ok, 0)
    return ok, lost, noq, unknown
