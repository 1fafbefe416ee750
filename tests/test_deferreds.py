"""pve.deferreds: the same results as the Deferreds, fewer rounds."""

from twisted.internet import defer
from twisted.trial import unittest

from pve.deferreds import gather, settled


class SettledTests(unittest.TestCase):
    def test_value_taken_from_fired(self):
        self.assertEqual(settled(defer.succeed(3)), 3)
        self.assertEqual(settled("plain"), "plain")

    def test_pending_and_failed_left_alone(self):
        pending = defer.Deferred()
        self.assertIs(settled(pending), pending)
        failed = defer.fail(ValueError("no"))
        self.assertIs(settled(failed), failed)
        self.failureResultOf(failed, ValueError)

    def test_in_inline_callbacks(self):
        @defer.inlineCallbacks
        def run(d):
            value = yield settled(d)
            return value
        self.assertEqual(self.successResultOf(run(defer.succeed(1))), 1)
        pending = defer.Deferred()
        result = run(pending)
        pending.callback(2)
        self.assertEqual(self.successResultOf(result), 2)
        self.failureResultOf(run(defer.fail(KeyError("k"))), KeyError)


class GatherTests(unittest.TestCase):
    def test_all_fired(self):
        d = gather([defer.succeed(1), defer.succeed(2)])
        self.assertEqual(self.successResultOf(d), [1, 2])

    def test_mixed_in_order(self):
        later = defer.Deferred()
        d = gather([defer.succeed(1), later, defer.succeed(3)])
        self.assertNoResult(d)
        later.callback(2)
        self.assertEqual(self.successResultOf(d), [1, 2, 3])

    def test_first_failure_unwrapped(self):
        later = defer.Deferred()
        d = gather([defer.succeed(1), later])
        later.errback(ValueError("bad"))
        self.failureResultOf(d, ValueError)
