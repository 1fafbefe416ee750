"""Real pmxcfs processes replicating /etc/pve on loopback."""

import errno
import os

from twisted.internet import defer
from twisted.trial import unittest

from pve.api import rest

from tests.cluster.loopcluster import LoopCluster, wait_for
from tests.polling import poll


class ClusterTests(unittest.TestCase):
    timeout = 120

    @defer.inlineCallbacks
    def test_create_join_and_replicate(self):
        cluster = LoopCluster(self)
        alpha = yield cluster.create("alpha")
        alpha.write("datacenter.cfg", b"keyboard: de\n")
        beta = yield cluster.join("beta", via="alpha")
        # the joining node got the cluster's tree, its own files replaced
        self.assertEqual(beta.read("datacenter.cfg"), b"keyboard: de\n")
        beta.write("storage.cfg", b"dir: local\n\tpath /var/lib/vz\n")
        yield poll(lambda: _reads(alpha, "storage.cfg") ==
                   b"dir: local\n\tpath /var/lib/vz\n", "write on alpha")
        members = alpha.members()
        self.assertEqual(sorted(members["nodelist"]), ["alpha", "beta"])


def _exists(node, rel):
    try:
        node.read(rel)
        return True
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        return False


def _leader(nodes):
    """The name of the leader the nodes' cluster logs agree on last."""
    for node in nodes:
        log = node.read(".clusterlog").decode()
        for line in log.splitlines():
            if "leader is" in line:
                return line.split("leader is ", 1)[1].split(" ")[0]
    return None


class SharedStateTests(unittest.TestCase):
    """What holds cluster-wide: VMIDs, cfs locks, the status store and
    the cluster log."""

    timeout = 120

    @defer.inlineCallbacks
    def test_vmids_locks_status_and_log(self):
        cluster = LoopCluster(self, names=("alpha", "beta"))
        alpha = yield cluster.create("alpha")
        beta = yield cluster.join("beta", via="alpha")
        a = yield alpha.connect()
        b = yield beta.connect()
        # a VMID belongs to one node in the whole cluster
        yield a.write("nodes/alpha/qemu-server/100.conf", b"memory: 512\n")
        yield poll(lambda: _reads(beta, "nodes/alpha/qemu-server/100.conf")
                   == b"memory: 512\n", "VM 100 seen on beta")
        e = yield self.assertFailure(
            b.write("nodes/beta/qemu-server/100.conf", b"memory: 1\n"),
            OSError)
        self.assertEqual(e.errno, errno.EEXIST)
        vmlist = yield b.vmlist()
        self.assertEqual(vmlist[100]["node"], "alpha")
        # a cfs lock taken on one node is held for all
        yield a.lock("domain-test", timeout=0)
        e = yield self.assertFailure(b.lock("domain-test", timeout=0),
                                     OSError)
        self.assertEqual(e.errno, errno.ETIMEDOUT)
        yield a.unlock("domain-test")
        yield b.lock("domain-test", timeout=5)
        yield b.unlock("domain-test")
        # the status store is per node, replicated without Raft
        yield a.set_status("test-key", b"from alpha")
        yield poll(lambda: b.get_status("test-key", node="alpha").addCallback(
            lambda v: v == b"from alpha"), "alpha's status on beta")
        # the cluster log holds both nodes' entries, in time order
        yield a.cluster_log("test", "hello from alpha")
        yield b.cluster_log("test", "hello from beta")

        def both(entries):
            msgs = [(e["node"], e["msg"]) for e in entries]
            return (("alpha", "hello from alpha") in msgs
                    and ("beta", "hello from beta") in msgs)
        yield poll(lambda: a.get_log(200).addCallback(both), "merged log")
        entries = yield b.get_log(200)
        times = [e["time"] for e in entries]
        self.assertEqual(times, sorted(times, reverse=True))


class ThreeNodeTests(unittest.TestCase):
    timeout = 240

    @defer.inlineCallbacks
    def three(self):
        cluster = LoopCluster(self)
        yield cluster.create("alpha")
        yield cluster.join("beta", via="alpha")
        yield cluster.join("gamma", via="alpha")
        return cluster

    @defer.inlineCallbacks
    def test_leader_killed_writes_go_on_and_minority_is_read_only(self):
        cluster = yield self.three()
        alpha, beta, gamma = (cluster.node(n)
                              for n in ("alpha", "beta", "gamma"))
        gamma.write("a.cfg", b"one\n")
        yield poll(lambda: _exists(alpha, "a.cfg") and _exists(beta, "a.cfg"),
                   "a.cfg everywhere")
        # alpha created the cluster and leads; kill it
        alpha.stop()
        # a write forwarded to the leader just as it died has an unknown
        # outcome (ETIMEDOUT, see pve/cluster/README.md); writes go on
        yield wait_for(beta, lambda: _writes(beta, "b.cfg", b"two\n",
                                             unknown_ok=True),
                       "a write after the leader died")
        yield poll(lambda: _reads(gamma, "b.cfg") == b"two\n",
                   "b.cfg on gamma")
        # gamma alone: no quorum, reads go on, writes are refused
        beta.stop()
        yield wait_for(gamma, lambda: not gamma.quorate(), "gamma loses quorum")
        with self.assertRaises(OSError) as caught:
            gamma.write("c.cfg", b"three\n")
        self.assertEqual(caught.exception.errno, errno.EACCES)
        # through IPC (daemons, the API): Proxmox's message
        client = yield gamma.connect()
        e = yield self.assertFailure(client.write("c.cfg", b"three\n"),
                                     OSError)
        self.assertEqual((e.errno, e.strerror),
                         (errno.EACCES, "cluster not ready - no quorum?"))
        result = rest.Result.from_error(e)
        self.assertEqual((result.status, result.message),
                         (500, "cluster not ready - no quorum?\n"))
        self.assertEqual(gamma.read("b.cfg"), b"two\n")
        self.assertFalse(_exists(gamma, "c.cfg"))
        # everyone back: the files are there, writes work again
        for node in (alpha, beta):
            node.start()
        yield wait_for(gamma, gamma.quorate, "quorum again")
        yield wait_for(alpha, lambda: _writes(alpha, "d.cfg", b"four\n"),
                       "a write after the restart")
        for node in (alpha, beta, gamma):
            yield poll(lambda: _reads(node, "d.cfg") == b"four\n",
                       "d.cfg on all")
            self.assertEqual(node.read("a.cfg"), b"one\n")
            self.assertEqual(node.read("b.cfg"), b"two\n")

    @defer.inlineCallbacks
    def test_restart_all_keeps_everything(self):
        cluster = yield self.three()
        nodes = [cluster.node(n) for n in ("alpha", "beta", "gamma")]
        for i, node in enumerate(nodes):
            node.write("f%d.cfg" % i, b"x" * (i + 1))
        def complete(node):
            return all(_reads(node, "f%d.cfg" % i) == b"x" * (i + 1)
                       for i in range(3))
        for node in nodes:
            yield poll(lambda: complete(node), "all files")
        for node in nodes:
            node.stop()
        for node in nodes:
            node.start()
        for node in nodes:
            # a restarted node shows its last snapshot until the leader
            # says what is committed; then everything is there again
            yield wait_for(node, lambda: complete(node),
                           "all files after the restart")

    @defer.inlineCallbacks
    def test_fourth_node_receives_a_large_tree(self):
        cluster = yield self.three()
        alpha = cluster.node("alpha")
        client = yield alpha.connect()
        yield client.mkdir("many")
        limit = defer.DeferredSemaphore(64)
        writes = []
        for d in range(10):
            yield client.mkdir("many/%d" % d)
            for f in range(1000):
                writes.append(limit.run(client.write, "many/%d/%d.cfg" % (d, f),
                                        b"file %d %d\n" % (d, f)))
        yield defer.gatherResults(writes, consumeErrors=True)
        delta = yield cluster.join("delta", via="beta")
        wanted = sorted("%d.cfg" % f for f in range(1000))

        def complete():
            return all(_listdir(delta, "many/%d" % d) == wanted
                       for d in range(10))
        yield wait_for(delta, complete, "the whole tree on delta")
        self.assertEqual(delta.read("many/7/123.cfg"), b"file 7 123\n")
        yield poll(lambda: _writes(delta, "from-delta.cfg", b"hi\n"),
                   "a write from the new node")
        yield poll(lambda: _exists(alpha, "from-delta.cfg"), "seen on alpha")


def _writes(node, rel, data, unknown_ok=False):
    try:
        node.write(rel, data)
        return True
    except OSError as e:
        if e.errno == errno.EACCES or (unknown_ok and
                                       e.errno == errno.ETIMEDOUT):
            return False
        raise


def _listdir(node, rel):
    try:
        return sorted(os.listdir(node.path(rel)))
    except FileNotFoundError:
        return None


class NamespaceTests(unittest.TestCase):
    """Three nodes, each in its own network namespace on a bridge."""

    timeout = 240

    @defer.inlineCallbacks
    def test_cut_node_turns_read_only_then_catches_up(self):
        from tests import netns
        net = netns.Network(3)
        self.addCleanup(net.close)
        cluster = LoopCluster(self, names=("alpha", "beta", "gamma"), net=net)
        alpha = yield cluster.create("alpha")
        beta = yield cluster.join("beta", via="alpha")
        gamma = yield cluster.join("gamma", via="alpha")
        # a write on any node shows on every node within a second
        for i, writer in enumerate((alpha, beta, gamma)):
            writer.write("w%d.cfg" % i, b"from %s\n" % writer.name.encode())
            for node in (alpha, beta, gamma):
                yield poll(lambda: _reads(node, "w%d.cfg" % i) ==
                           b"from %s\n" % writer.name.encode(),
                           "w%d.cfg on %s" % (i, node.name), attempts=20,
                           interval=0.05)
        net.cut(3)
        yield wait_for(gamma, lambda: not gamma.quorate(),
                       "gamma read-only once cut off")
        with self.assertRaises(OSError) as caught:
            gamma.write("cut.cfg", b"no\n")
        self.assertEqual(caught.exception.errno, errno.EACCES)
        self.assertEqual(gamma.read("w0.cfg"), b"from alpha\n")
        # the write bits go, as Proxmox's mount without quorum
        yield poll(lambda: os.stat(gamma.path("w0.cfg")).st_mode & 0o222
                   == 0, "no write bits on gamma")
        self.assertTrue(os.stat(alpha.path("w0.cfg")).st_mode & 0o200)
        # the majority goes on
        alpha.write("while-cut.cfg", b"yes\n")
        yield poll(lambda: _reads(beta, "while-cut.cfg") == b"yes\n",
                   "while-cut.cfg on beta")
        net.heal(3)
        yield wait_for(gamma, lambda: _reads(gamma, "while-cut.cfg") ==
                       b"yes\n", "gamma catches up")
        self.assertFalse(_exists(alpha, "cut.cfg"))
        yield wait_for(gamma, lambda: _writes(gamma, "healed.cfg", b"ok\n"),
                       "gamma writes again")
        yield poll(lambda: _exists(alpha, "healed.cfg"), "healed.cfg on alpha")


class DelnodeTests(unittest.TestCase):
    timeout = 180

    @defer.inlineCallbacks
    def test_delnode_leaves_two_that_stay_quorate(self):
        cluster = LoopCluster(self, names=("alpha", "beta", "gamma"))
        alpha = yield cluster.create("alpha")
        beta = yield cluster.join("beta", via="alpha")
        gamma = yield cluster.join("gamma", via="alpha")
        gamma.stop()
        code, out, err = yield _pvecm(alpha, "delnode", "gamma")
        self.assertEqual((code, err), (0, ""))
        yield poll(lambda: sorted(alpha.members()["nodelist"]) ==
                   ["alpha", "beta"], "gamma gone from the member list")
        # the leader takes gamma's vote, then gamma, out of the replication
        final = ("[dcdb] notice: replicating to alpha (1 vote), "
                 "beta (1 vote)")
        yield poll(lambda: _last_log(alpha, "replicating to") == final,
                   "gamma out of the replication")
        alpha.write("after.cfg", b"x\n")
        yield poll(lambda: _exists(beta, "after.cfg"), "after.cfg on beta")
        code, out, err = yield _pvecm(alpha, "delnode", "nosuch")
        self.assertEqual((code, err), (
            255, "Node/IP: nosuch is not a known host of the cluster.\n"))
        code, out, err = yield _pvecm(alpha, "delnode", "alpha")
        self.assertEqual((code, err),
                         (255, "Cannot delete myself from cluster!\n"))


def _last_log(node, fragment):
    """The newest cluster log message of *node* containing *fragment*."""
    import json
    for entry in json.loads(node.read(".clusterlog"))["data"]:
        if fragment in entry["msg"]:
            return entry["msg"]
    return None


@defer.inlineCallbacks
def _pvecm(node, *argv):
    import io
    from twisted.internet import reactor
    from pve.cli import pvecm
    out, err = io.StringIO(), io.StringIO()
    code = yield pvecm.run(reactor, list(argv), paths=node.paths,
                           nodename=node.name, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


class ExpectedTests(unittest.TestCase):
    timeout = 180

    @defer.inlineCallbacks
    def test_expected_lets_a_lone_node_write(self):
        cluster = LoopCluster(self, names=("alpha", "beta", "gamma"))
        alpha = yield cluster.create("alpha")
        beta = yield cluster.join("beta", via="alpha")
        gamma = yield cluster.join("gamma", via="alpha")
        yield poll(lambda: all(n["online"] for n in
                               gamma.members()["nodelist"].values()),
                   "gamma sees all three")
        # below the votes present: refused as corosync-quorumtool
        code, out, err = yield _pvecm(gamma, "expected", "2")
        self.assertEqual((code, err), (
            1, "Unable to set expected votes: CS_ERR_INVALID_PARAM\n"))
        alpha.stop()
        beta.stop()
        yield wait_for(gamma, lambda: not gamma.quorate(), "gamma alone")
        self.assertFalse(_writes(gamma, "alone.cfg", b"x\n"))
        code, out, err = yield _pvecm(gamma, "expected", "1")
        self.assertEqual((code, out, err), (0, "", ""))
        yield wait_for(gamma, gamma.quorate, "quorate with 1 expected vote")
        yield wait_for(gamma, lambda: _writes(gamma, "alone.cfg", b"x\n"),
                       "gamma writes alone")
        code, out, err = yield _pvecm(gamma, "expected", "0")
        self.assertEqual(code, 255)


def _reads(node, rel):
    try:
        return node.read(rel)
    except FileNotFoundError:
        return None


class RestartTests(unittest.TestCase):
    timeout = 120

    @defer.inlineCallbacks
    def test_clean_restart_shows_the_tree_at_once(self):
        """A node stopped cleanly starts with what it had applied, before
        it hears from anyone (here: alone, without quorum)."""
        cluster = LoopCluster(self, names=("alpha", "beta"))
        alpha = yield cluster.create("alpha")
        beta = yield cluster.join("beta", via="alpha")
        alpha.write("kept.cfg", b"still here\n")
        yield poll(lambda: _reads(beta, "kept.cfg") == b"still here\n",
                   "kept.cfg on beta")
        alpha.terminate()
        beta.terminate()
        beta.start()
        self.assertFalse(beta.quorate())
        self.assertEqual(beta.read("kept.cfg"), b"still here\n")


class RefusedStartTests(unittest.TestCase):
    """A corosync.conf pmxcfs cannot use stops its start with the reason."""

    def start_with(self, conf_text, authkey=True):
        import shutil
        import tempfile
        from pve.paths import Paths
        from tests.cluster.daemon import PmxcfsProcess
        root = tempfile.mkdtemp(prefix="pve-refused-")
        self.addCleanup(shutil.rmtree, root, True)
        paths = Paths(root)
        os.makedirs(os.path.dirname(paths.corosync_conf))
        with open(paths.corosync_conf, "w") as f:
            f.write(conf_text)
        if authkey:
            with open(paths.corosync_authkey, "wb") as f:
                f.write(b"k" * 256)
        proc = PmxcfsProcess(root, "alpha", local=False)
        self.addCleanup(proc.cleanup)
        with self.assertRaises(AssertionError) as caught:
            proc.start()
        return str(caught.exception), paths

    def test_node_not_in_nodelist(self):
        from pve.cluster import corosync, corosync_edit
        _, text = corosync.prepare_write(
            corosync_edit.create_conf("other", "lab", "10.0.0.1"))
        message, paths = self.start_with(text)
        self.assertIn("pmxcfs exited (1)", message)
        self.assertIn("pmxcfs: node 'alpha' is not in the nodelist of %s"
                      % paths.corosync_conf, message)
        self.assertFalse(os.path.exists(os.path.join(paths.cluster_lib,
                                                     "raft")))

    def test_no_authkey(self):
        from pve.cluster import corosync, corosync_edit
        _, text = corosync.prepare_write(
            corosync_edit.create_conf("alpha", "lab", "10.0.0.1"))
        message, paths = self.start_with(text, authkey=False)
        self.assertIn("pmxcfs: cannot read the cluster key %s"
                      % paths.corosync_authkey, message)

    def test_unparsable_conf(self):
        message, paths = self.start_with("totem {\n  cluster_name: lab\n")
        self.assertIn("pmxcfs exited (1)", message)
        self.assertIn("pmxcfs: ", message)
        self.assertNotIn("Traceback", message)
