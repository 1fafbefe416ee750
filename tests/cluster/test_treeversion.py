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
        self.assertEqual(reader.read(), (pub.instance, 7))
        pub.publish(8)
        self.assertEqual(reader.read(), (pub.instance, 8))
        self.assertEqual(os.stat(self.path).st_mode & 0o777, 0o644)

    def test_nothing_to_trust(self):
        reader = self.reader()
        self.assertIsNone(reader.read())            # no file yet
        pub = self.publisher(3)
        self.assertEqual(reader.read(), (pub.instance, 3))
        pub.close()                                 # pmxcfs stopped
        self.assertIsNone(reader.read())

    def test_restart_changes_the_pair(self):
        first = self.publisher(5)
        reader = self.reader()
        before = reader.read()
        first.close()
        second = self.publisher(5)
        self.assertNotEqual(reader.read(), before)
        self.assertEqual(reader.read(), (second.instance, 5))

    def test_replaced_file_followed(self):
        self.publisher(5)
        reader = self.reader()
        reader.read()
        os.unlink(self.path)
        again = self.publisher(9)
        self.assertEqual(reader.read(), (again.instance, 9))


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
        instance, version = reader.read()
        with open(os.path.join(proc.mountpoint, "storage.cfg"), "wb") as f:
            f.write(b"dir: local\n\tpath /var/lib/vz\n")
        after = reader.read()
        self.assertEqual(after[0], instance)
        self.assertGreater(after[1], version)
        proc.signal(signal.SIGTERM)
        proc.wait(10)
        self.assertIsNone(reader.read())
