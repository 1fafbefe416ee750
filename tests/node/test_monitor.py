"""DaemonMonitor with real child processes: ordered start and stop, restart,
cleanup."""

import os
import signal
import sys

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.node.monitor import DaemonMonitor
from tests.polling import poll

# A daemon stand-in: marks itself started, then on SIGTERM appends its name
# to the stop log and exits (or, with "stubborn", ignores SIGTERM); with
# "notify" it says it is ready when sent SIGUSR1.
CHILD = r"""
import os, signal, sys
from pve import sdnotify
name, log, mode = sys.argv[1:4]
def term(*args):
    with open(log, "a") as f:
        f.write(name + "\n")
    if mode != "stubborn":
        os._exit(0)
signal.signal(signal.SIGTERM, term)
signal.signal(signal.SIGUSR1, lambda *args: sdnotify.ready())
open(log + "." + name, "w").close()
while True:
    signal.pause()
"""


class DaemonMonitorTests(unittest.TestCase):
    timeout = 60

    def setUp(self):
        self.dir = os.path.abspath(self.mktemp())
        os.makedirs(self.dir)
        self.log = os.path.join(self.dir, "stops")
        self.exits = []
        self.monitor = DaemonMonitor(reactor)
        self.monitor.killTime = 1
        self.addCleanup(self._stop)

    def _stop(self):
        if self.monitor.running:
            return self.monitor.stopService()

    def add(self, name, mode="polite"):
        self.monitor.addDaemon(
            name, [sys.executable, "-c", CHILD, name, self.log, mode],
            env=dict(os.environ), onExit=lambda: self.exits.append(name),
            notify=mode == "notify")

    def ready(self, *names):
        return poll(lambda: all(os.path.exists(self.log + "." + n)
                                for n in names),
                    "children %s ready" % (names,))

    def stops(self):
        with open(self.log) as f:
            return f.read().split()

    @defer.inlineCallbacks
    def test_stops_in_reverse_order(self):
        for name in ("first", "second", "third"):
            self.add(name)
        self.monitor.startService()
        yield self.ready("first", "second", "third")
        yield self.monitor.stopService()
        self.assertEqual(self.stops(), ["third", "second", "first"])
        self.assertEqual(self.exits, ["third", "second", "first"])
        self.assertEqual(self.monitor.protocols, {})

    @defer.inlineCallbacks
    def test_stubborn_child_killed(self):
        self.add("first")
        self.add("stubborn", mode="stubborn")
        self.monitor.startService()
        yield self.ready("first", "stubborn")
        yield self.monitor.stopService()
        self.assertEqual(self.stops(), ["stubborn", "first"])
        self.assertEqual(self.exits, ["stubborn", "first"])

    @defer.inlineCallbacks
    def test_restarts_killed_child(self):
        self.add("only")
        self.monitor.startService()
        yield self.ready("only")
        pid = self.monitor.protocols["only"].transport.pid
        os.remove(self.log + ".only")
        os.kill(pid, signal.SIGKILL)
        yield self.ready("only")
        self.assertEqual(self.exits, ["only"])
        self.assertNotEqual(self.monitor.protocols["only"].transport.pid, pid)

    @defer.inlineCallbacks
    def test_next_starts_once_ready(self):
        self.add("first", mode="notify")
        self.add("second")
        started = []
        self.monitor.whenStarted().addCallback(started.append)
        self.monitor.startService()
        yield self.ready("first")
        self.assertNotIn("second", self.monitor.protocols)
        self.assertEqual(started, [])
        os.kill(self.monitor.protocols["first"].transport.pid, signal.SIGUSR1)
        yield self.ready("second")
        self.assertEqual(started, [None])
        yield self.monitor.stopService()
        self.assertEqual(self.stops(), ["second", "first"])

    @defer.inlineCallbacks
    def test_silent_daemon_times_out(self):
        self.monitor.readyTimeout = 0.2
        self.add("silent", mode="notify")
        self.add("after")
        self.monitor.startService()
        yield self.ready("silent", "after")
        yield self.monitor.whenStarted()

    @defer.inlineCallbacks
    def test_stop_while_waiting(self):
        self.add("first", mode="notify")
        self.add("never")
        self.monitor.startService()
        yield self.ready("first")
        yield self.monitor.stopService()
        self.assertEqual(self.stops(), ["first"])
        self.assertFalse(os.path.exists(self.log + ".never"))
