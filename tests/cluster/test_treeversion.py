"""The tree version pmxcfs shares in memory, and the caches that trust it."""

import os
import signal

from twisted.internet import defer, reactor, task
from twisted.trial import unittest

from pve import paths
from pve.cluster import treeversion
from pve.cluster.cache import CachedClient
from pve.cluster.client import DirectClient
from tests.cluster.daemon import PmxcfsProcess
from tests.cluster.test_cache import Counting
from tests.cluster.test_client import make_root, open_cfs


class FileTests(unittest.TestCase):
    def setUp(self):
        self.path = os.path.abspath(self.mktemp())

    def publisher(self, version):
        pub = treeversion.Publisher(self.path, version)
        self.addCleanup(pub.close)
        return pub

    def reader(self):
        reader = treeversion.Reader(self.path)
        self.addCleanup(reader.close)
        return reader

    def test_reader_follows_publisher(self):
        pub = self.publisher(7)
        reader = self.reader()
        self.assertEqual(reader.read(), (pub.instance, 7, 1))
        pub.publish(8)
        self.assertEqual(reader.read(), (pub.instance, 8, 1))
        pub.publish_members(2)
        self.assertEqual(reader.read(), (pub.instance, 8, 2))
        self.assertEqual(os.stat(self.path).st_mode & 0o777, 0o644)

    def test_nothing_to_trust(self):
        reader = self.reader()
        self.assertIsNone(reader.read())            # no file yet
        pub = self.publisher(3)
        self.assertEqual(reader.read(), (pub.instance, 3, 1))
        pub.close()                                 # pmxcfs stopped
        self.assertIsNone(reader.read())

    def test_restart_changes_the_pair(self):
        first = self.publisher(5)
        reader = self.reader()
        before = reader.read()
        first.close()
        second = self.publisher(5)
        self.assertNotEqual(reader.read(), before)
        self.assertEqual(reader.read(), (second.instance, 5, 1))

    def test_replaced_file_followed(self):
        """A file replaced while pmxcfs was down (killed: it could not say
        it stopped) is found again within RECHECK seconds."""
        clock = task.Clock()
        first = self.publisher(5)
        reader = treeversion.Reader(self.path, clock=clock.seconds)
        self.addCleanup(reader.close)
        before = reader.read()
        os.unlink(self.path)
        first._map = None           # as if killed
        again = self.publisher(9)
        self.assertEqual(reader.read(), before)
        clock.advance(treeversion.RECHECK)
        self.assertEqual(reader.read(), (again.instance, 9, 1))


class CachedClientTests(unittest.TestCase):
    """A cache with a counter asks pmxcfs only after a change."""

    def setUp(self):
        self.cfs = open_cfs(self, make_root(self), task.Clock())
        path = os.path.abspath(self.mktemp())
        self.stop = treeversion.publish(self.cfs, path)  # as pmxcfs does
        self.addCleanup(self.stop)
        self.counting = Counting(DirectClient(self.cfs, reactor))
        reader = treeversion.Reader(path)
        self.addCleanup(reader.close)
        self.cache = CachedClient(self.counting, ["user.cfg"], counter=reader)
        self.cfs.write_file("user.cfg", b"user:a@pve:1:0:::::\n")

    @defer.inlineCallbacks
    def test_no_call_without_change(self):
        for _ in range(3):
            yield self.cache.refresh()
            data = yield self.cache.read("user.cfg")
        self.assertEqual(data, b"user:a@pve:1:0:::::\n")
        self.assertEqual((self.counting.versions_calls, self.counting.reads),
                         (1, 1))

    @defer.inlineCallbacks
    def test_change_elsewhere_seen(self):
        yield self.cache.refresh()
        yield self.cache.read("user.cfg")
        self.cfs.write_file("user.cfg", b"user:b@pve:1:0:::::\n")
        yield self.cache.refresh()
        data = yield self.cache.read("user.cfg")
        self.assertEqual(data, b"user:b@pve:1:0:::::\n")
        self.assertEqual(self.counting.versions_calls, 2)

    @defer.inlineCallbacks
    def test_every_refresh_asks_once_pmxcfs_stopped(self):
        yield self.cache.refresh()
        self.stop()
        yield self.cache.refresh()
        yield self.cache.refresh()
        self.assertEqual(self.counting.versions_calls, 3)


class KeptCallsTests(unittest.TestCase):
    """The VM list and the members, kept while the versions stay."""

    def setUp(self):
        self.cfs = open_cfs(self, make_root(self), task.Clock())
        path = os.path.abspath(self.mktemp())
        self.addCleanup(treeversion.publish(self.cfs, path))
        self.calls = []
        direct = DirectClient(self.cfs, reactor)

        class Recording(Counting):
            def vmlist(inner):
                self.calls.append("vmlist")
                return direct.vmlist()

            def members(inner):
                self.calls.append("members")
                return direct.members()
        reader = treeversion.Reader(path)
        self.addCleanup(reader.close)
        self.cache = CachedClient(Recording(direct), [], counter=reader)

    @defer.inlineCallbacks
    def test_vmlist_kept_until_the_tree_changes(self):
        first = yield self.cache.vmlist()
        again = yield self.cache.vmlist()
        self.assertEqual((first, again), ({}, {}))
        self.assertEqual(self.calls, ["vmlist"])
        self.cfs.write_file("nodes/node1/qemu-server/100.conf", b"memory: 512\n")
        vms = yield self.cache.vmlist()
        self.assertEqual(list(vms), [100])
        self.assertEqual(self.calls, ["vmlist", "vmlist"])

    @defer.inlineCallbacks
    def test_members_kept(self):
        yield self.cache.members()
        members = yield self.cache.members()
        self.assertIn("node1", members)
        self.assertEqual(self.calls, ["members"])


class DaemonTests(unittest.TestCase):
    """The real pmxcfs publishes each change before answering it."""

    def test_published_before_the_write_returns(self):
        root = os.path.abspath(self.mktemp())
        os.makedirs(root)
        proc = PmxcfsProcess(root)
        self.addCleanup(proc.cleanup)
        proc.start()
        reader = treeversion.Reader(paths.Paths(root).pmxcfs_version)
        self.addCleanup(reader.close)
        instance, version, _members = reader.read()
        with open(os.path.join(proc.mountpoint, "storage.cfg"), "wb") as f:
            f.write(b"dir: local\n\tpath /var/lib/vz\n")
        after = reader.read()
        self.assertEqual(after[0], instance)
        self.assertGreater(after[1], version)
        proc.signal(signal.SIGTERM)
        proc.wait(10)
        self.assertIsNone(reader.read())
