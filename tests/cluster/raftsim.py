"""A deterministic simulation of Raft cores (``pve.cluster.raft``) in a
hostile network.

Virtual time runs on an event queue; one seeded ``random.Random`` decides
every delay, drop, duplicate, partition, crash and client move, so a seed
replays exactly.  Nodes apply committed entries to a state machine (the
list of write ids applied) and compact it now and then.  The checks, which
raise :class:`SimFailure` naming the seed:

- (b) every applied entry equals what any other node applied at that index
  (so each node's applied list is a prefix of the longest, at all times);
  a snapshot restored equals that prefix;
- (c) a write is acknowledged only once the entry is in the storage of
  nodes holding a majority of the leader's configuration's votes;
- (d) at most one leader per term;
- (e) after the network heals and crashed nodes return, every client gets a
  write acknowledged within ``liveness`` virtual seconds;
- (a) at the end every acknowledged write is on every node of the
  configuration, and they all applied the same entries.
"""

import heapq
import random

from pve.cluster import raft


class SimFailure(AssertionError):
    pass


PLAIN = (str, int, bytes, type(None))


def check_plain(value):
    """Raise TypeError unless *value* is what PB carries as plain data:
    str, int, bytes, None, lists and str-keyed dicts of them (no bools,
    floats, tuples or objects)."""
    kind = type(value)
    if kind in PLAIN:
        return
    if kind is list:
        for item in value:
            check_plain(item)
    elif kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise TypeError("dict key %r" % (key,))
            check_plain(item)
    else:
        raise TypeError("not plain data: %r" % (value,))


def encode_ids(ids):
    return b"\n".join(ids)


def decode_ids(data):
    return data.split(b"\n") if data else []


class SimStorage(raft.MemoryStorage):
    """Memory storage that tells the simulation when a term or vote is
    saved, so it can crash the node right after (the riskiest moment)."""

    def __init__(self, on_save):
        raft.MemoryStorage.__init__(self)
        self._on_save = on_save

    def save(self, term, voted_for):
        raft.MemoryStorage.save(self, term, voted_for)
        self._on_save()


class HookedStorage:
    """Any storage (a ``storage_factory``'s), telling the simulation when
    a term or vote is saved, as :class:`SimStorage` does."""

    def __init__(self, inner, on_save):
        self.inner = inner
        self._on_save = on_save

    def save(self, term, voted_for):
        self.inner.save(term, voted_for)
        self._on_save()

    def __getattr__(self, name):
        return getattr(self.inner, name)


class Machine:
    """A node's state machine: the commands applied, in order."""

    def __init__(self):
        self.index = 0
        self.ids = []


class Client:
    def __init__(self, number, target):
        self.number = number
        self.target = target
        self.count = 0
        self.write = None
        self.started = None
        self.gen = 0
        self.acks = []          # (write, proposed at, acked at)


class Sim:
    """*config*: the initial ``{node: votes}``; *spare*: nodes that start
    outside the configuration (they join if *targets* lists configurations
    the admin moves the cluster towards).  *scale* multiplies every
    protocol and fault timing (not the network's delays): smaller means
    more elections per message.  *crash_on_save*: the chance that a node
    crashes right after saving its term or vote (while faults run).
    *storage_factory*: ``factory(node, previous)`` returns the node's
    storage: at the start (*previous* None) and after each crash
    (*previous*: the crashed node's storage, to be reopened from wherever
    it keeps its state); by default a :class:`SimStorage` that a crash
    keeps as it is."""

    def __init__(self, seed, config, spare=(), clients=2,
                 election_timeout=(1.0, 2.0), heartbeat=0.1,
                 drop=0.0, dup=0.0, delay=(0.0005, 0.004), slow=0.0,
                 slow_max=0.2, think=(0.02, 0.2), client_timeout=2.0,
                 compact_every=(10, 40), keep=(0, 5), chunk=64,
                 targets=(), liveness=10.0, scale=1.0, crash_on_save=0.0,
                 storage_factory=None):
        election_timeout = tuple(t * scale for t in election_timeout)
        heartbeat *= scale
        client_timeout *= scale
        liveness *= scale
        self.scale = scale
        self.seed = seed
        self.rng = random.Random(seed)
        self.now = 0.0
        self._queue = []
        self._seq = 0
        self.config = dict(config)
        self.ids = sorted(config) + sorted(spare)
        self.spare = set(spare)
        self.election_timeout = election_timeout
        self.heartbeat = heartbeat
        self.drop, self.dup, self.delay = drop, dup, delay
        self.slow, self.slow_max = slow, slow_max
        self.think = think
        self.client_timeout = client_timeout
        self.compact_every = self.rng.randint(*compact_every)
        self.keep = self.rng.randint(*keep)
        self.chunk = chunk
        self.targets = list(targets)
        self.liveness = liveness
        self.crash_on_save = crash_on_save
        self.chaos = False
        self.storage_factory = storage_factory
        if storage_factory is None:
            self.storages = {n: SimStorage(lambda n=n: self._saved(n))
                             for n in self.ids}
        else:
            self.storages = {n: HookedStorage(storage_factory(n, None),
                                              lambda n=n: self._saved(n))
                             for n in self.ids}
        self.nodes = dict.fromkeys(self.ids)
        self.machines = {n: Machine() for n in self.ids}
        self.pending = {n: {} for n in self.ids}
        self.tick_at = dict.fromkeys(self.ids)
        self.incarnation = dict.fromkeys(self.ids, 0)
        self.blocked = set()
        self.canon = {}
        self.leaders = {}
        self.acked = {}
        self.latencies = []
        self.messages = 0
        self.clients = [Client(i, self.rng.choice(self.ids))
                        for i in range(clients)]
        self.writing = False
        self.healed_at = None
        for node in self.ids:
            self.start(node)

    def fail(self, what):
        raise SimFailure("seed %r at t=%.4f: %s" % (self.seed, self.now, what))

    # -- the event queue -----------------------------------------------

    def at(self, when, fn, *args):
        self._seq += 1
        heapq.heappush(self._queue, (when, self._seq, fn, args))

    def run_until(self, end):
        queue = self._queue
        while queue and queue[0][0] <= end:
            when, _, fn, args = heapq.heappop(queue)
            self.now = when
            fn(*args)
        self.now = end

    # -- nodes ---------------------------------------------------------

    def start(self, node):
        bootstrap = {} if node in self.spare else self.config
        self.incarnation[node] += 1
        self.machines[node] = Machine()
        self.pending[node] = {}
        self.tick_at[node] = None
        self.nodes[node] = raft.RaftNode(
            node, self.storages[node], random.Random(self.rng.random()),
            bootstrap, election_timeout=self.election_timeout,
            heartbeat=self.heartbeat, now=self.now, max_batch=16,
            max_inflight=64, snapshot_chunk=self.chunk)
        self.after(node)

    def crash(self, node):
        """Volatile state is lost; the storage stays."""
        self.nodes[node] = None
        self.pending[node] = {}
        self.incarnation[node] += 1
        if self.storage_factory is not None:
            self.storages[node] = HookedStorage(
                self.storage_factory(node, self.storages[node].inner),
                lambda: self._saved(node))

    def up(self):
        return [n for n in self.ids if self.nodes[n] is not None]

    def leader(self):
        """The running leader of the highest term, if any."""
        best = None
        for node in self.up():
            rn = self.nodes[node]
            if rn.role == raft.LEADER and (best is None or
                                           rn.term > self.nodes[best].term):
                best = node
        return best

    def _tick(self, node, incarnation):
        if self.incarnation[node] != incarnation:
            return
        self.tick_at[node] = None
        self.nodes[node].tick(self.now)
        self.after(node)

    def _deliver(self, src, dst, msg):
        rn = self.nodes[dst]
        if rn is None or (src, dst) in self.blocked:
            return
        rn.receive(self.now, msg)
        self.after(dst)

    def after(self, node):
        """Drain *node*'s outputs after any call into it."""
        rn = self.nodes[node]
        for to, msg in rn.take_messages():
            self.send(node, to, msg)
        applied = rn.take_applied()
        for item in applied:
            self.apply(node, item)
        if rn.role == raft.LEADER:
            if self.leaders.setdefault(rn.term, node) != node:
                self.fail("two leaders in term %d: %s and %s"
                          % (rn.term, self.leaders[rn.term], node))
        if applied:
            machine = self.machines[node]
            if machine.index - rn.snapshot_index >= self.compact_every:
                rn.compact(machine.index, encode_ids(machine.ids),
                           keep=self.keep)
        deadline = rn.next_deadline()
        if self.tick_at[node] is None or deadline < self.tick_at[node]:
            self.tick_at[node] = deadline
            self.at(deadline, self._tick, node, self.incarnation[node])

    def send(self, src, dst, msg):
        check_plain(msg)
        self.messages += 1
        rng = self.rng
        if rng.random() < self.drop:
            return
        copies = 2 if rng.random() < self.dup else 1
        for _ in range(copies):
            delay = rng.uniform(*self.delay)
            if rng.random() < self.slow:
                delay += rng.uniform(0, self.slow_max)
            self.at(self.now + delay, self._deliver, src, dst, msg)

    # -- the state machine and its checks -----------------------------

    def apply(self, node, item):
        machine = self.machines[node]
        if isinstance(item, raft.Restore):
            ids = decode_ids(item.data)
            expect = []
            for index in range(1, item.index + 1):
                if index not in self.canon:
                    self.fail("%s restored a snapshot at %d covering index %d"
                              " nobody applied" % (node, item.index, index))
                if self.canon[index][1] is not None:
                    expect.append(self.canon[index][1])
            if ids != expect:
                self.fail("%s restored a snapshot at %d that differs"
                          % (node, item.index))
            machine.index, machine.ids = item.index, ids
            for index in [i for i in self.pending[node] if i <= item.index]:
                del self.pending[node][index]   # outcome unknown here
            return
        if item.index != machine.index + 1:
            self.fail("%s applied %d after %d" % (node, item.index,
                                                   machine.index))
        entry = (item.term, item.command)
        canon = self.canon.setdefault(item.index, entry)
        if canon != entry:
            self.fail("%s applied %r at %d, another node %r"
                      % (node, entry, item.index, canon))
        machine.index = item.index
        if item.command is not None:
            machine.ids.append(item.command)
        waiting = self.pending[node].pop(item.index, None)
        if waiting is not None:
            client, term, gen = waiting
            if gen != client.gen:
                return
            if term == item.term:
                self.acknowledge(node, client, item.index, term)
            else:
                client.gen += 1          # lost: another entry won the index
                self.at(self.now, self._client_try, client, client.gen)

    def acknowledge(self, node, client, index, term):
        # The leader committed the entry under the configuration it had
        # then: the one in effect at *index* or a later one (a change
        # appended after the entry, before its commit or its apply here).
        # Single-step changes make the majorities of neighbouring
        # configurations overlap, so a majority of any of them will do.
        history = self.nodes[node]._configs
        first = max(k for k, (at, _) in enumerate(history) if at <= index) \
            if any(at <= index for at, _ in history) else 0
        holders = [n for n in self.storages if self.durable(n, index, term)]
        if not any(raft.majority(config, [n for n in holders if n in config])
                   for _, config in history[first:]):
            self.fail("write %r acknowledged at %d with only %s durable "
                      "(configurations since: %r)"
                      % (client.write, index, holders, history[first:]))
        self.acked.setdefault(client.write, self.now)
        client.acks.append((client.write, client.started, self.now))
        client.gen += 1
        self.at(self.now + self.rng.uniform(*self.think), self._client_next,
                client, client.gen)

    def durable(self, node, index, term):
        storage = self.storages[node]
        snap = storage.snapshot()
        return storage.term_at(index) == term or (
            snap is not None and snap.index >= index)

    # -- clients -------------------------------------------------------

    def start_clients(self, when):
        self.writing = True
        for client in self.clients:
            self.at(when, self._client_next, client, client.gen)

    def _client_next(self, client, gen):
        if gen != client.gen or not self.writing:
            return
        client.count += 1
        client.write = b"c%d-%d" % (client.number, client.count)
        client.started = self.now
        self._client_try(client, gen)

    def _client_try(self, client, gen):
        if gen != client.gen or not self.writing:
            return
        rn = self.nodes[client.target]
        if rn is None:
            client.target = self.rng.choice(self.ids)
            self.at(self.now + 0.05, self._client_try, client, gen)
            return
        try:
            term, index = rn.propose(self.now, client.write)
        except raft.NotLeader as e:
            if e.leader is None:
                client.target = self.rng.choice(self.ids)
                self.at(self.now + 0.05, self._client_try, client, gen)
            else:
                client.target = e.leader
                self.at(self.now + 0.002, self._client_try, client, gen)
            return
        except raft.NoQuorum:
            self.at(self.now + 0.1, self._client_try, client, gen)
            return
        self.pending[client.target][index] = (client, term, gen)
        self.at(self.now + self.client_timeout, self._client_timeout,
                client, gen)
        self.after(client.target)

    def _client_timeout(self, client, gen):
        if gen != client.gen:
            return
        client.gen += 1
        client.target = self.rng.choice(self.ids)
        self._client_try(client, client.gen)

    # -- faults --------------------------------------------------------

    def _saved(self, node):
        if self.chaos and self.rng.random() < self.crash_on_save:
            self.at(self.now, self._bounce, node, self.incarnation[node])

    def _bounce(self, node, incarnation):
        if self.incarnation[node] == incarnation:
            self.crash(node)
            pause = self.rng.choice([0.005, 0.3 * self.scale])
            self.at(self.now + self.rng.uniform(0, pause), self._restart,
                    node)

    def _restart(self, node):
        if self.nodes[node] is None:
            self.start(node)

    def heal(self):
        self.blocked = set()
        for node in self.ids:
            if self.nodes[node] is None:
                self.start(node)

    def partition(self, *groups):
        """Block every link between different groups, both ways."""
        self.blocked = {(a, b) for g in groups for h in groups if g is not h
                        for a in g for b in h}

    def _fault(self, end):
        if self.now >= end:
            return
        rng = self.rng
        action = rng.random()
        down = [n for n in self.ids if self.nodes[n] is None]
        if action < 0.2:
            ids = list(self.ids)
            rng.shuffle(ids)
            cut = rng.randint(1, len(ids) - 1)
            self.partition(ids[:cut], ids[cut:])
        elif action < 0.35:
            for _ in range(rng.randint(1, 3)):
                a, b = rng.sample(self.ids, 2)
                self.blocked.add((a, b))
        elif action < 0.5:
            node = rng.choice(self.ids)
            self.partition([node], [n for n in self.ids if n != node])
        elif action < 0.65:
            self.blocked = set()
        elif action < 0.7:
            up = self.up()
            if up:
                self.crash(rng.choice(up))
        elif action < 0.75:
            up = self.up()              # a quick restart, say mid-election
            if up:
                node = rng.choice(up)
                self.crash(node)
                self.at(self.now + rng.uniform(0, 0.3) * self.scale,
                        self._restart, node)
        elif action < 0.85:
            node = self.leader()        # elections, please
            if node is not None:
                if rng.random() < 0.5:
                    self.crash(node)
                else:
                    self.partition([node],
                                   [n for n in self.ids if n != node])
        elif down:
            self.start(rng.choice(down))
        self.at(self.now + rng.uniform(0.2, 1.5) * self.scale, self._fault,
                end)

    def _admin(self, target, end):
        """Move the configuration one step towards *target* when possible."""
        if self.now >= end:
            return
        node = self.leader()
        if node is not None:
            rn = self.nodes[node]
            step = raft.next_step(rn.config, target)
            if step is None and self.targets:
                target = self.rng.choice(self.targets)
            elif step is not None:
                try:
                    rn.propose_config(self.now, step)
                except (raft.NotLeader, raft.NoQuorum, raft.ConfigError):
                    pass
                self.after(node)
        self.at(self.now + self.rng.uniform(0.1, 0.5) * self.scale,
                self._admin, target, end)

    # -- a whole run ---------------------------------------------------

    def run(self, chaos=6.0, settle=None):
        """Faults for *chaos* seconds, then heal and check (e) and (a)."""
        self.start_clients(0.05)
        self.at(self.rng.uniform(0.5, 2.0) * self.scale, self._fault, chaos)
        if self.targets:
            self.at(self.scale, self._admin, self.rng.choice(self.targets),
                    chaos)
        self.chaos = True
        self.run_until(chaos)
        self.chaos = False
        self.heal()
        self.healed_at = self.now
        self.run_until(self.now + self.liveness)
        for client in self.clients:
            if not any(at >= self.healed_at for _, _, at in client.acks):
                self.fail("client %d got no write through in %.1f s after "
                          "healing" % (client.number, self.liveness))
        self.writing = False
        self.run_until(self.now + (settle or 2.0 * self.election_timeout[1]))
        self.check_converged()

    def check_converged(self):
        node = self.leader()
        if node is None:
            self.fail("no leader at the end")
        config = self.nodes[node].config
        top = self.machines[node].index
        for member in config:
            machine = self.machines[member]
            if machine.index != top:
                self.fail("%s applied up to %d, the leader %d"
                          % (member, machine.index, top))
            have = set(machine.ids)
            missing = [w for w in self.acked if w not in have]
            if missing:
                self.fail("%s lacks acknowledged writes %r"
                          % (member, missing[:5]))


def random_run(seed, **kw):
    """One seeded run: the cluster's shape and the network's manners are
    drawn from the seed too.  *kw*: more arguments for :class:`Sim`."""
    rng = random.Random(seed)
    shape = rng.choice(["3", "5", "weighted", "join"])
    scale = rng.choice([1.0, 0.3, 0.3])
    targets = ()
    spare = ()
    if shape == "3":
        config = {"a": 1, "b": 1, "c": 1}
    elif shape == "5":
        config = dict.fromkeys("abcde", 1)
    elif shape == "weighted":
        config = {"a": 2, "b": 1, "c": 1}
    else:
        config = {"a": 1, "b": 1, "c": 1}
        spare = ("d",)
        targets = ({"a": 1, "b": 1, "c": 1, "d": 1},
                   {"a": 1, "b": 1, "d": 2},
                   {"b": 1, "c": 1, "d": 1},
                   {"a": 1, "b": 1, "c": 1})
    sim = Sim(seed, config, spare=spare, targets=targets,
              election_timeout=rng.choice([(1.0, 2.0), (1.0, 1.1),
                                           (1.0, 1.01)]),
              drop=rng.choice([0.0, 0.01, 0.05]),
              dup=rng.choice([0.0, 0.02]),
              slow=rng.choice([0.0, 0.05]), scale=scale,
              crash_on_save=rng.choice([0.0, 0.1, 0.3]), **kw)
    sim.run(chaos=rng.uniform(15.0, 30.0) * scale)
    return sim


def returning_follower(seed, config, mode="isolated", away=5.0):
    """A stable leader takes a write every 20 ms; one follower is cut off
    for *away* seconds, then comes back.  *mode*: ``isolated`` (no
    traffic either way), ``deaf`` (it hears nothing but its messages,
    pre-votes included, get through), ``mute`` (it hears the leader but
    cannot answer), ``bumped`` (isolated, and it comes back with a higher
    term, as if it had campaigned out there).

    Returns ``(sim, leader, follower, before, after)``: the latencies of
    the writes started in the second before the cut and of those started
    from the cut on."""
    sim = Sim(seed, config, clients=1, think=(0.02, 0.02),
              delay=(0.0005, 0.002), compact_every=(10, 10), keep=(0, 0))
    sim.start_clients(0.05)
    sim.run_until(4.0)
    leader = sim.leader()
    term = sim.nodes[leader].term
    others = [n for n in sim.ids if n != leader]
    follower = next(n for n in others
                    if raft.majority(config, [m for m in sim.ids if m != n]))
    cut = sim.now
    rest = [n for n in sim.ids if n != follower]
    if mode == "deaf":
        sim.blocked = {(n, follower) for n in rest}
    elif mode == "mute":
        sim.blocked = {(follower, n) for n in rest}
    else:
        sim.partition([follower], rest)
    sim.run_until(cut + away)
    if mode == "bumped":
        sim.crash(follower)
        storage = sim.storages[follower]
        storage.save(storage.term + 1, follower)
        sim.start(follower)
    sim.blocked = set()
    sim.run_until(sim.now + 3.0)
    sim.writing = False
    sim.run_until(sim.now + 1.0)
    sim.check_converged()
    if mode != "bumped" and (sim.leader() != leader or
                             sim.nodes[leader].term != term):
        sim.fail("the returning %s disturbed the leader" % follower)
    client = sim.clients[0]
    before = [b - a for _, a, b in client.acks if cut - 1.0 <= a < cut]
    after = [b - a for _, a, b in client.acks if a >= cut]
    return sim, leader, follower, before, after
