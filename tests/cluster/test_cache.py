"""The daemons' cache of hot pmxcfs files: fewer reads, never stale."""

import errno

from twisted.internet import defer, reactor, task
from twisted.trial import unittest

from pve.cluster.cache import CachedClient
from pve.cluster.client import DirectClient
from tests.cluster.test_client import make_root, open_cfs


class Counting:
    """Counts reads on the way to the real client."""

    def __init__(self, client):
        self.client = client
        self.reads = 0
        self.versions_calls = 0
        self.version_calls = 0

    def __getattr__(self, name):
        return getattr(self.client, name)

    def read(self, path):
        self.reads += 1
        return self.client.read(path)

    def versions(self, paths):
        self.versions_calls += 1
        return self.client.versions(paths)

    def version(self):
        self.version_calls += 1
        return self.client.version()


class CacheTests(unittest.TestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.cfs = open_cfs(self, make_root(self), self.clock)
        self.direct = DirectClient(self.cfs, reactor)
        self.counting = Counting(self.direct)
        self.cache = CachedClient(self.counting, ["user.cfg", "authkey.pub"])
        self.cfs.write_file("user.cfg", b"user:a@pve:1:0:::::\n")

    @defer.inlineCallbacks
    def test_hot_file_read_once(self):
        yield self.cache.refresh()
        for _ in range(3):
            data = yield self.cache.read("user.cfg")
            self.assertEqual(data, b"user:a@pve:1:0:::::\n")
        self.assertEqual(self.counting.reads, 1)
        yield self.cache.read("storage.cfg").addErrback(lambda f: None)
        yield self.cache.read("storage.cfg").addErrback(lambda f: None)
        self.assertEqual(self.counting.reads, 3)

    @defer.inlineCallbacks
    def test_change_elsewhere_seen_after_refresh(self):
        yield self.cache.refresh()
        yield self.cache.read("user.cfg")
        self.cfs.write_file("user.cfg", b"user:b@pve:1:0:::::\n")
        yield self.cache.refresh()
        data = yield self.cache.read("user.cfg")
        self.assertEqual(data, b"user:b@pve:1:0:::::\n")

    @defer.inlineCallbacks
    def test_own_write_seen_at_once(self):
        yield self.cache.refresh()
        yield self.cache.read("user.cfg")
        yield self.cache.write("user.cfg", b"user:c@pve:1:0:::::\n")
        data = yield self.cache.read("user.cfg")
        self.assertEqual(data, b"user:c@pve:1:0:::::\n")

    @defer.inlineCallbacks
    def test_parsed_once_per_content(self):
        calls = []

        def parser(data, mtime):
            calls.append(data)
            return len(data or b"")

        yield self.cache.refresh()
        a = yield self.cache.read_parsed("user.cfg", parser)
        b = yield self.cache.read_parsed("user.cfg", parser)
        self.assertEqual((a, b, len(calls)), (20, 20, 1))
        missing = yield self.cache.read_parsed("authkey.pub", parser)
        self.assertEqual(missing, 0)
        self.assertEqual(calls[-1], None)

    @defer.inlineCallbacks
    def test_missing_file(self):
        yield self.cache.refresh()
        e = yield self.assertFailure(self.cache.read("authkey.pub"), OSError)
        self.assertEqual(e.errno, errno.ENOENT)
        self.cfs.write_file("authkey.pub", b"key")
        yield self.cache.refresh()
        data = yield self.cache.read("authkey.pub")
        self.assertEqual(data, b"key")

    @defer.inlineCallbacks
    def test_read_in_flight_during_a_drop_not_kept(self):
        gate = defer.Deferred()
        real_read = self.counting.read

        def slow_read(path):
            d = real_read(path)
            return gate.addCallback(lambda _: d)
        yield self.cache.refresh()
        self.counting.read = slow_read
        pending = self.cache.read("user.cfg")
        # meanwhile user.cfg changes and another request refreshes
        self.cfs.write_file("user.cfg", b"user:d@pve:1:0:::::\n")
        yield self.cache.refresh()
        gate.callback(None)
        old = yield pending
        self.assertEqual(old, b"user:a@pve:1:0:::::\n")
        self.counting.read = real_read
        data = yield self.cache.read("user.cfg")
        self.assertEqual(data, b"user:d@pve:1:0:::::\n")

    @defer.inlineCallbacks
    def test_lock_refreshes(self):
        yield self.cache.refresh()
        yield self.cache.read("user.cfg")
        self.cfs.write_file("user.cfg", b"user:e@pve:1:0:::::\n")
        yield self.cache.lock("file-user_cfg")
        try:
            data = yield self.cache.read("user.cfg")
        finally:
            yield self.cache.unlock("file-user_cfg")
        self.assertEqual(data, b"user:e@pve:1:0:::::\n")

    @defer.inlineCallbacks
    def test_unchanged_file_not_parsed_again(self):
        calls = []

        def parser(data, mtime):
            calls.append(data)
            return object()

        yield self.cache.refresh()
        a = yield self.cache.read_parsed("user.cfg", parser)
        # written again with the same bytes in the same second: read
        # again (its version changed), not parsed again
        self.cfs.write_file("user.cfg", b"user:a@pve:1:0:::::\n")
        yield self.cache.refresh()
        b = yield self.cache.read_parsed("user.cfg", parser)
        self.assertIs(a, b)
        self.assertEqual(self.counting.reads, 2)
        self.clock.advance(10)
        self.cfs.write_file("user.cfg", b"user:f@pve:1:0:::::\n")
        yield self.cache.refresh()
        c = yield self.cache.read_parsed("user.cfg", parser)
        self.assertIsNot(c, a)
        self.assertEqual(len(calls), 2)
        self.assertIs(self.cache.cached_parsed("user.cfg", parser), c)

    @defer.inlineCallbacks
    def test_unrelated_changes_keep_the_cache(self):
        """Writes to other files, cfs lock churn: nothing is read again;
        one versions call per refresh."""
        calls = []

        def parser(data, mtime):
            calls.append(data)
            return object()

        yield self.cache.refresh()
        a = yield self.cache.read_parsed("user.cfg", parser)
        yield self.cache.read("authkey.pub").addErrback(lambda f: None)
        self.assertEqual(self.counting.reads, 2)
        self.cfs.write_file("storage.cfg", b"dir: local\n")
        self.cfs.write_file("priv/token.cfg", b"")
        yield self.direct.lock("other")
        yield self.direct.unlock("other")
        for _ in range(3):
            yield self.cache.refresh()
            b = yield self.cache.read_parsed("user.cfg", parser)
            self.assertIs(b, a)
            yield self.cache.read("authkey.pub").addErrback(lambda f: None)
        self.assertEqual((self.counting.reads, len(calls)), (2, 1))
        self.assertEqual(self.counting.versions_calls, 4)
        self.assertEqual(self.counting.version_calls, 0)
        # only the file that changed is read again
        self.cfs.write_file("authkey.pub", b"key")
        yield self.cache.refresh()
        b = yield self.cache.read_parsed("user.cfg", parser)
        self.assertIs(b, a)
        data = yield self.cache.read("authkey.pub")
        self.assertEqual((data, self.counting.reads), (b"key", 3))

    @defer.inlineCallbacks
    def test_changes_seen_on_next_refresh(self):
        """A change of the file -- write, utime, rename onto it, delete --
        is seen after the next refresh."""
        yield self.cache.refresh()
        yield self.cache.read("user.cfg")
        st = yield self.cache.stat("user.cfg")

        def parser(data, mtime):
            return (data, mtime)
        yield self.cache.read_parsed("user.cfg", parser)
        self.cfs.utime("user.cfg", st.mtime + 100)
        yield self.cache.refresh()
        got = yield self.cache.read_parsed("user.cfg", parser)
        self.assertEqual(got[1], st.mtime + 100)
        self.cfs.write_file("new.cfg", b"user:g@pve:1:0:::::\n")
        self.cfs.rename("new.cfg", "user.cfg")
        yield self.cache.refresh()
        data = yield self.cache.read("user.cfg")
        self.assertEqual(data, b"user:g@pve:1:0:::::\n")
        self.cfs.delete("user.cfg")
        yield self.cache.refresh()
        yield self.assertFailure(self.cache.read("user.cfg"), OSError)
        got = yield self.cache.read_parsed("user.cfg", parser)
        self.assertEqual(got, (None, None))

    @defer.inlineCallbacks
    def test_read_parsed_with_a_plain_client(self):
        from pve.cluster.cache import read_parsed
        got = yield read_parsed(self.direct, "user.cfg",
                                lambda data, mtime: (data, mtime))
        self.assertEqual(got, (b"user:a@pve:1:0:::::\n",
                               self.cfs.stat("user.cfg").mtime))
        missing = yield read_parsed(self.direct, "authkey.pub",
                                    lambda data, mtime: (data, mtime))
        self.assertEqual(missing, (None, None))


class Slow:
    """A client whose ``versions`` answers when told to."""

    def __init__(self, client):
        self.client = client
        self.pending = []

    def __getattr__(self, name):
        return getattr(self.client, name)

    def versions(self, paths):
        d = defer.Deferred()
        self.pending.append((d, paths))
        return d

    def answer(self):
        """Answer the oldest call with what pmxcfs has now."""
        d, paths = self.pending.pop(0)
        self.client.versions(paths).chainDeferred(d)

    def fail(self, error):
        d, _ = self.pending.pop(0)
        d.errback(error)


class CoalescedRefreshTests(unittest.TestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.cfs = open_cfs(self, make_root(self), self.clock)
        self.slow = Slow(DirectClient(self.cfs, reactor))
        self.cache = CachedClient(self.slow, ["user.cfg"])
        self.cfs.write_file("user.cfg", b"user:a@pve:1:0:::::\n")

    def test_refreshes_asked_meanwhile_share_the_next_call(self):
        first = self.cache.refresh()
        self.assertEqual(len(self.slow.pending), 1)
        # a change after the first call was sent, then two refreshes
        self.cfs.write_file("user.cfg", b"user:b@pve:1:0:::::\n")
        second = [self.cache.refresh(), self.cache.refresh()]
        self.assertEqual(len(self.slow.pending), 1)
        self.slow.answer()
        self.assertIsNone(self.successResultOf(first))
        # the others wait for a call sent after they were asked
        self.assertNoResult(second[0])
        self.assertEqual(len(self.slow.pending), 1)
        self.slow.answer()
        for d in second:
            self.assertIsNone(self.successResultOf(d))
        self.assertEqual(self.slow.pending, [])
        data = self.successResultOf(self.cache.read("user.cfg"))
        self.assertEqual(data, b"user:b@pve:1:0:::::\n")

    def test_failure_reaches_every_waiter_then_next_call_works(self):
        a, b = self.cache.refresh(), self.cache.refresh()
        self.slow.fail(OSError(errno.ECONNREFUSED, "gone"))
        self.failureResultOf(a, OSError)
        self.slow.fail(OSError(errno.ECONNREFUSED, "gone"))
        self.failureResultOf(b, OSError)
        c = self.cache.refresh()
        self.slow.answer()
        self.assertIsNone(self.successResultOf(c))
