"""The quorum-less replication of the status store, the cluster log and
the ``.members`` view (pve.cluster.statusrepl)."""

import json
import random

from twisted.trial import unittest

from pve.cluster import plugs, status, statusrepl
from pve.cluster.statusrepl import BadMessage, KVReplica

NODES = ("n1", "n2", "n3")
KEYS = ("a", "b", "c", "d", "rrd/pve2-node/x")

PB_TYPES = (dict, list, str, bytes, int)


def assertPlain(case, value):
    """Only what Perspective Broker carries as we use it."""
    case.assertIsInstance(value, PB_TYPES)
    case.assertNotIsInstance(value, bool)
    if isinstance(value, dict):
        for k, v in value.items():
            case.assertIsInstance(k, str)
            assertPlain(case, v)
    elif isinstance(value, list):
        for v in value:
            assertPlain(case, v)


class Net:
    """Deliveries to each node, shuffled, duplicated, delayed, maybe lost."""

    def __init__(self, rng, dup=0.3, loss=0.0):
        self.rng = rng
        self.dup = dup
        self.loss = loss
        self.queues = {n: [] for n in NODES}

    def send(self, sender, msg, to=None):
        for node in NODES if to is None else (to,):
            if node == sender:
                continue
            if self.rng.random() < self.loss:
                continue
            self.queues[node].append(msg)
            if self.rng.random() < self.dup:
                self.queues[node].append(msg)

    def deliver_some(self, deliver):
        for node, queue in self.queues.items():
            self.rng.shuffle(queue)
            count = self.rng.randint(0, len(queue))
            for msg in queue[:count]:
                deliver(node, msg)
            del queue[:count]

    def drain(self, deliver):
        while any(self.queues.values()):
            self.deliver_some(deliver)


class KVCluster:
    def __init__(self, case, rng, net):
        self.case = case
        self.rng = rng
        self.net = net
        self.inc = {n: 100 for n in NODES}
        self.rep = {n: KVReplica(n, self.inc[n]) for n in NODES}
        self.st = {n: status.Status(n, 0) for n in NODES}
        # what each node itself holds, for the final check
        self.truth = {n: {} for n in NODES}

    def deliver(self, node, msg):
        assertPlain(self.case, msg)
        changes = self.rep[node].receive(msg)
        statusrepl.apply_kv_changes(self.st[node], changes, 0)

    def write(self, node):
        key = self.rng.choice(KEYS)
        if self.rng.random() < 0.25:
            value = b""
        else:
            value = b"%s=%d" % (key.encode(), self.rng.randint(0, 1000))
        msg, changes = self.rep[node].local_set(key, value)
        statusrepl.apply_kv_changes(self.st[node], changes, 0)
        if value:
            self.truth[node][key] = value
        else:
            self.truth[node].pop(key, None)
        self.net.send(node, msg)

    def restart(self, node):
        self.inc[node] += 1
        self.rep[node] = KVReplica(node, self.inc[node])
        self.st[node] = status.Status(node, 0)
        self.truth[node] = {}
        # it asks for everything; peers answer with all they know
        for peer in NODES:
            if peer != node:
                for msg in self.rep[peer].all_state_messages():
                    self.net.send(peer, msg, to=node)
        for msg in self.rep[node].state_messages():
            self.net.send(node, msg)

    def reconnect_all(self):
        for node in NODES:
            for msg in self.rep[node].state_messages():
                self.net.send(node, msg)

    def expected(self):
        return {n: t for n, t in sorted(self.truth.items()) if t}

    def check(self):
        expected = self.expected()
        for node in NODES:
            self.case.assertEqual(self.rep[node].view(), expected, node)
            kv = {n: {k: v[0] for k, v in t.items()}
                  for n, t in self.st[node].kvstore.items()}
            plain = {n: {k: v for k, v in t.items()
                         if not k.startswith("rrd/")}
                     for n, t in expected.items()}
            self.case.assertEqual(kv, {n: t for n, t in plain.items() if t},
                                  node)


class KVPropertyTests(unittest.TestCase):
    def run_one(self, seed, steps=200, loss=0.0, restarts=False):
        rng = random.Random(seed)
        net = Net(rng, loss=loss)
        cl = KVCluster(self, rng, net)
        for _ in range(steps):
            r = rng.random()
            if restarts and r < 0.02:
                cl.restart(rng.choice(NODES))
            elif r < 0.7:
                cl.write(rng.choice(NODES))
            else:
                net.deliver_some(cl.deliver)
            if rng.random() < 0.05:
                # a late full state, overtaken by later writes
                node = rng.choice(NODES)
                for msg in cl.rep[node].state_messages():
                    net.send(node, msg)
        if loss:
            net.loss = 0.0
            cl.reconnect_all()
        net.drain(cl.deliver)
        cl.check()
        return cl

    def test_shuffled_duplicated_converges(self):
        for seed in range(40):
            self.run_one(seed)

    def test_lossy_then_full_state_converges(self):
        for seed in range(40):
            self.run_one(1000 + seed, loss=0.4)

    def test_restarts_converge(self):
        for seed in range(40):
            self.run_one(2000 + seed, loss=0.2, restarts=True)

    def test_any_order_same_state(self):
        # the same set of messages, in many orders with duplicates
        rng = random.Random(7)
        origin = {n: KVReplica(n, 5) for n in ("n1", "n2")}
        msgs = []
        for _ in range(60):
            node = rng.choice(("n1", "n2"))
            key = rng.choice(KEYS[:3])
            value = rng.choice([b"", b"x", b"y", b"z"])
            msgs.append(origin[node].local_set(key, value)[0])
            if rng.random() < 0.1:
                msgs.extend(origin[node].state_messages())
        views = set()
        for trial in range(30):
            rep = KVReplica("n3", 1)
            order = msgs + rng.sample(msgs, 20)
            rng.shuffle(order)
            for msg in order:
                rep.receive(msg)
            views.add(json.dumps(
                {n: {k: v.decode() for k, v in t.items()}
                 for n, t in rep.view().items()}, sort_keys=True))
        self.assertEqual(len(views), 1)
        self.assertEqual(json.loads(views.pop()), {
            n: {k: v.decode() for k, v in o.view()[n].items()}
            for n, o in origin.items() if o.view()})


class KVTests(unittest.TestCase):
    def test_message_format(self):
        rep = KVReplica("n1", 1700000000)
        msg, changes = rep.local_set("nodeip", b"10.0.0.1")
        self.assertEqual(msg, {"kind": "kv", "node": "n1",
                               "inc": 1700000000, "seq": 1,
                               "key": "nodeip", "value": b"10.0.0.1"})
        self.assertEqual(changes, [["n1", "nodeip", b"10.0.0.1"]])
        rep.local_set("a", b"1")
        rep.local_set("a", b"")
        self.assertEqual(rep.state_messages(), [
            {"kind": "kv-full", "node": "n1", "inc": 1700000000, "seq": 3,
             "entries": [["nodeip", b"10.0.0.1", 1]]}])
        assertPlain(self, rep.state_messages())

    def test_last_writer_wins_and_stale_ignored(self):
        a, b = KVReplica("a", 1), KVReplica("b", 1)
        m1, _ = a.local_set("k", b"one")
        m2, _ = a.local_set("k", b"two")
        self.assertEqual(b.receive(m2), [["a", "k", b"two"]])
        self.assertEqual(b.receive(m1), [])
        self.assertEqual(b.receive(m2), [])
        self.assertEqual(b.get("a", "k"), b"two")

    def test_delete_is_not_resurrected(self):
        a, b = KVReplica("a", 1), KVReplica("b", 1)
        m1, _ = a.local_set("k", b"one")
        m2, _ = a.local_set("k", b"")
        self.assertEqual(b.receive(m2), [])
        self.assertEqual(b.receive(m1), [])
        self.assertEqual(b.view(), {})
        b.receive(m1)
        self.assertIsNone(b.get("a", "k"))

    def test_full_state_removes_deleted_keeps_newer(self):
        a, b = KVReplica("a", 1), KVReplica("b", 1)
        m1, _ = a.local_set("gone", b"x")
        b.receive(m1)
        a.local_set("gone", b"")            # lost
        full = a.state_messages()
        m3, _ = a.local_set("new", b"y")
        b.receive(m3)                        # arrives before the full state
        self.assertEqual(b.receive(full[0]), [["a", "gone", None]])
        self.assertEqual(b.view(), {"a": {"new": b"y"}})

    def test_new_incarnation_replaces(self):
        b = KVReplica("b", 1)
        old = KVReplica("a", 1)
        for i in range(5):
            b.receive(old.local_set("k%d" % i, b"v")[0])
        stale = old.local_set("late", b"v")[0]
        new = KVReplica("a", 2)
        changes = b.receive(new.local_set("k0", b"w")[0])
        self.assertEqual(changes, [["a", "k0", b"w"]] +
                         [["a", "k%d" % i, None] for i in range(1, 5)])
        self.assertEqual(b.receive(stale), [])
        self.assertEqual(b.view(), {"a": {"k0": b"w"}})

    def test_own_table_is_authoritative(self):
        a = KVReplica("a", 2)
        a.local_set("k", b"mine")
        self.assertEqual(a.receive({"kind": "kv", "node": "a", "inc": 3,
                                    "seq": 9, "key": "k", "value": b"x"}),
                         [])
        self.assertEqual(a.get("a", "k"), b"mine")

    def test_relay(self):
        # n3 hears of n1 only through n2
        n1, n2, n3 = (KVReplica(n, 1) for n in NODES)
        for i in range(4):
            n2.receive(n1.local_set("k%d" % i, b"%d" % i)[0])
        n2.receive(n1.state_messages()[0])
        late = n1.local_set("k1", b"")[0]
        n2.receive(late)
        above = n1.local_set("k9", b"9")[0]
        n2.receive(above)
        for msg in n2.all_state_messages():
            n3.receive(msg)
        self.assertEqual(n3.view(), {"n1": n1.view()["n1"]})
        self.assertEqual(n3.view(), n2.view())

    def test_forget(self):
        a, b = KVReplica("a", 1), KVReplica("b", 1)
        b.receive(a.local_set("k", b"v")[0])
        self.assertEqual(b.forget("a"), [["a", "k", None]])
        self.assertEqual(b.forget("b"), [])
        self.assertEqual(b.view(), {})

    def test_bad_messages_change_nothing(self):
        b = KVReplica("b", 1)
        b.receive({"kind": "kv", "node": "a", "inc": 1, "seq": 1,
                   "key": "k", "value": b"v"})
        before = b.view()
        for msg in (
                None, [], {"kind": "nope"},
                {"kind": "kv", "node": "a", "inc": 1, "seq": 2, "key": "",
                 "value": b"v"},
                {"kind": "kv", "node": "a", "inc": 1, "seq": 2, "key": "k",
                 "value": "str"},
                {"kind": "kv", "node": "a", "inc": 1, "seq": True,
                 "key": "k", "value": b"v"},
                {"kind": "kv", "node": "a", "inc": -1, "seq": 2,
                 "key": "k", "value": b"v"},
                {"kind": "kv", "node": "a", "inc": 1, "seq": 2, "key": "k",
                 "value": b"x" * (status.MAX_STATUS_VALUE + 1)},
                {"kind": "kv-full", "node": "a", "inc": 1, "seq": 5,
                 "entries": [["k", b"v", 1], ["j", b"w", 6]]},
                {"kind": "kv-full", "node": "a", "inc": 1, "seq": 5,
                 "entries": [["k", b"v"]]},
                {"kind": "kv-full", "node": 3, "inc": 1, "seq": 5,
                 "entries": []}):
            self.assertRaises(BadMessage, b.receive, msg)
        self.assertEqual(b.view(), before)
        self.assertRaises(BadMessage, b.local_set, "", b"x")

    def test_apply_to_status(self):
        st = status.Status("b", 0)
        a = KVReplica("a", 1)
        b = KVReplica("b", 1)
        for key, value in (("k", b"1"), ("k", b"2"), ("rrd/r", b"1:2"),
                           ("nodeip", b"10.0.0.9\0")):
            statusrepl.apply_kv_changes(
                st, b.receive(a.local_set(key, value)[0]), 50)
        self.assertEqual(st.get_status("a", "k"), b"2")
        self.assertEqual(st.kvstore["a"]["k"][1], 2)   # counts changes
        self.assertEqual(st.rrd, {"r": (b"1:2", 50)})
        self.assertEqual(statusrepl.node_ips(st), {"a": "10.0.0.9"})
        statusrepl.apply_kv_changes(
            st, b.receive(a.local_set("rrd/r", b"")[0]), 51)
        statusrepl.apply_kv_changes(
            st, b.receive(a.local_set("k", b"")[0]), 51)
        self.assertEqual(st.rrd, {})
        self.assertIsNone(st.get_status("a", "k"))
        version = json.loads(plugs.version(st, 0))
        self.assertEqual(version["kvstore"], {"a": {"nodeip": 1}})


def make_entry(rng, node, uid, t):
    return {"uid": uid, "time": t, "pri": rng.randint(0, 7), "tag": "tag",
            "pid": rng.randint(1, 9999), "node": node, "user": "root@pam",
            "msg": "m %s %d" % (node, uid)}


class LogTests(unittest.TestCase):
    def test_entries_of_status_are_accepted(self):
        st = status.Status("n1", 0)
        entry = st.add_log("n1", "root@pam", "tag", "hello", now=5)
        msg = statusrepl.log_message([entry])
        assertPlain(self, msg)
        self.assertEqual(msg, {"kind": "log", "entries": [entry]})
        other = status.Status("n2", 0)
        self.assertEqual(statusrepl.receive_log(other, msg), [entry])
        self.assertEqual(statusrepl.receive_log(other, msg), [])
        self.assertEqual(other.get_log(), [entry])
        self.assertEqual(json.loads(plugs.clusterlog(other.get_log())),
                         {"data": [entry]})

    def test_order_and_dedup(self):
        st = status.Status("n1", 0)
        e = [{"uid": u, "time": t, "pri": 6, "tag": "x", "pid": 1,
              "node": n, "user": "u", "msg": "m"}
             for u, t, n in ((1, 10, "b"), (1, 10, "a"), (2, 10, "a"),
                             (5, 9, "c"), (1, 11, "a"))]
        statusrepl.receive_log(st, {"kind": "log-full",
                                    "entries": e + e[:2]})
        self.assertEqual([statusrepl.entry_key(x) for x in st.log],
                         [(9, "c", 5), (10, "a", 1), (10, "a", 2),
                          (10, "b", 1), (11, "a", 1)])
        self.assertEqual(st.get_log(1)[0]["time"], 11)

    def test_bound(self):
        entries = [{"uid": i, "time": i, "pri": 6, "tag": "x", "pid": 1,
                    "node": "a", "user": "u", "msg": "m"}
                   for i in range(1, 30)]
        merged = statusrepl.merge_log(entries[:20], entries[10:], keep=7)
        self.assertEqual([x["uid"] for x in merged], list(range(23, 30)))
        st = status.Status("n1", 0)
        many = [dict(entries[0], uid=i, time=i)
                for i in range(1, status.LOG_KEEP + 100)]
        statusrepl.receive_log(st, statusrepl.log_message(many))
        self.assertEqual(len(st.log), status.LOG_KEEP)
        self.assertEqual(st.log[0]["uid"], 100)

    def test_bad_entries_change_nothing(self):
        st = status.Status("n1", 0)
        good = st.add_log("n1", "u", "t", "m", now=1)
        for bad in ({}, dict(good, uid="1"), dict(good, pri=8),
                    dict(good, node=""), dict(good, msg=None),
                    dict(good, time=-1), "x"):
            self.assertRaises(BadMessage, statusrepl.receive_log, st,
                              {"kind": "log", "entries": [good, bad]})
        self.assertRaises(BadMessage, statusrepl.receive_log, st,
                          {"kind": "kv", "entries": []})
        self.assertEqual(list(st.log), [good])

    def test_conflicting_duplicates_resolved_the_same(self):
        a = {"uid": 1, "time": 1, "pri": 6, "tag": "x", "pid": 1,
             "node": "a", "user": "u", "msg": "one"}
        b = dict(a, msg="two")
        self.assertEqual(statusrepl.merge_log([a], [b]),
                         statusrepl.merge_log([b], [a]))

    def test_shuffled_duplicated_converges(self):
        for seed in range(30):
            self.run_one(seed)

    def test_converges_with_small_bound(self):
        for seed in range(30):
            self.run_one(500 + seed, keep=25)

    def run_one(self, seed, keep=None):
        rng = random.Random(seed)
        net = Net(rng, loss=0.3)
        st = {}
        for n in NODES:
            st[n] = status.Status(n, 0)
            if keep:
                st[n].log = type(st[n].log)(maxlen=keep)
        now = 1000
        written = []

        def deliver(node, msg):
            assertPlain(self, msg)
            statusrepl.receive_log(st[node], msg)

        for _ in range(150):
            r = rng.random()
            if r < 0.6:
                node = rng.choice(NODES)
                # skewed clocks, same second on several nodes
                t = now + rng.randint(-3, 3)
                entry = st[node].add_log(node, "root@pam", "t",
                                         "m%d" % len(written), now=t)
                written.append(entry)
                net.send(node, statusrepl.log_message([entry]))
            else:
                net.deliver_some(deliver)
            if rng.random() < 0.3:
                now += 1
            if rng.random() < 0.03:
                node = rng.choice(NODES)
                statusrepl.sort_log(st[node])
                net.send(node, statusrepl.log_full_message(st[node]))
        net.loss = 0.0
        for node in NODES:
            statusrepl.sort_log(st[node])
            net.send(node, statusrepl.log_full_message(st[node]))
        net.drain(deliver)
        for node in NODES:
            statusrepl.sort_log(st[node])
        expected = statusrepl.merge_log([], written,
                                        keep or status.LOG_KEEP)
        for node in NODES:
            log = list(st[node].log)
            self.assertEqual(log, expected, (seed, node))
            keys = [statusrepl.entry_key(e) for e in log]
            self.assertEqual(keys, sorted(set(keys)))
            self.assertLessEqual(len(log), keep or status.LOG_KEEP)


THREE = """\
totem {
  cluster_name: lab
  config_version: 4
}
nodelist {
  node {
    name: n1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.0.0.1
  }
  node {
    name: n2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.0.0.2
  }
  node {
    name: n3
    nodeid: 3
    quorum_votes: 1
    ring0_addr: 10.0.0.3
  }
}
"""


class MembersTests(unittest.TestCase):
    def test_single_node_unchanged(self):
        st = status.Status("n1", 0)
        self.assertEqual(statusrepl.members(st), plugs.members(st))
        self.assertEqual(statusrepl.members(st, {}, ["n1"], True),
                         plugs.members(st))
        self.assertEqual(json.loads(statusrepl.members(st)),
                         {"nodename": "n1", "version": 1})

    def test_cluster(self):
        from pve.cluster import corosync
        st = status.Status("n1", 0)
        conf = corosync.parse(THREE)
        text = statusrepl.members(st, conf, {"n1", "n3"}, True,
                                  ips={"n3": "192.168.1.3"})
        self.assertEqual(json.loads(text), {
            "nodename": "n1", "version": 1,
            "cluster": {"name": "lab", "version": 4, "nodes": 3,
                        "quorate": 1},
            "nodelist": {
                "n1": {"id": 1, "online": 1, "ip": "10.0.0.1"},
                "n2": {"id": 2, "online": 0, "ip": "10.0.0.2"},
                "n3": {"id": 3, "online": 1, "ip": "192.168.1.3"}}})
        info = statusrepl.cluster_info(conf, [], False)
        self.assertEqual(info["quorate"], 0)
        self.assertEqual({n: i["online"] for n, i in
                          info["nodelist"].items()},
                         {"n1": 0, "n2": 0, "n3": 0})
