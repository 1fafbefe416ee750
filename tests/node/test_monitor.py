"""DaemonMonitor with real child processes: ordered stop, restart, cleanup."""

import os
import signal
import sys

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.node.monitor import DaemonMonitor
from tests.polling import poll

# A daemon stand-in: marks itself ready, then on SIGTERM appends its name to
# the stop log and exits (or, with "stubborn", ignores SIGTERM).
CHILD = r"""
import os, signal, sys
name, log, mode = sys.argv[1:4]
def term(*args):
    with open(log, "a") as f:
        f.write(name + "\n")
    if mode != "stubborn":
        os._exit(0)
signal.signal(signal.SIGTERM, term)
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
            env=dict(os.environ), onExit=lambda: self.exits.append(name))

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
