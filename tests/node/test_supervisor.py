"""End to end: ``twistd -n pve-node`` runs, restarts and stops pmxcfs.

Runs the real supervisor as a subprocess under a temporary root, with a
real FUSE mount; needs root and /dev/fuse.
"""

import importlib.util
import os
import signal
import sys

from twisted.internet import defer, error, protocol, reactor, threads
from twisted.trial import unittest

from pve.cluster import mount
from pve.node import daemons
from pve.paths import Paths
from tests import processes
from tests.polling import PollTimeout, poll
from tests.proxy.spawn import free_port

NODE = "testnode"
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def skipReason():
    if os.geteuid() != 0:
        return "needs root to mount FUSE"
    if not os.path.exists("/dev/fuse"):
        return "needs /dev/fuse"
    if importlib.util.find_spec("llfuse") is None:
        return "needs llfuse"
    if importlib.util.find_spec("pve.cluster.tap") is None:
        return "pmxcfs (pve.cluster.tap) does not exist yet"
    return None


class NodeProcess(protocol.ProcessProtocol):
    """The supervisor process: keeps its output, fires ``ended``."""

    def __init__(self):
        self.output = bytearray()
        self.ended = defer.Deferred()
        self.reason = None

    def childDataReceived(self, fd, data):
        self.output += data

    def processEnded(self, reason):
        self.reason = reason
        self.ended.callback(None)

    def tail(self):
        return bytes(self.output[-8000:]).decode(errors="replace")


def readable(path):
    """Whether *path* can be opened and read (call in a thread: FUSE)."""
    try:
        with open(path, "rb") as f:
            f.read()
    except OSError:
        return False
    return True


def layout(etc_pve):
    """Facts about the mounted tree (call in a thread: FUSE)."""
    local = os.path.join(etc_pve, "local")
    return {
        "qemu-server": os.path.isdir(
            os.path.join(etc_pve, "nodes", NODE, "qemu-server")),
        "local": os.readlink(local) if os.path.islink(local) else None,
    }


class SupervisorTests(unittest.TestCase):
    timeout = 180
    skip = skipReason()

    def setUp(self):
        self.root = os.path.realpath(self.mktemp())
        os.makedirs(self.root)
        self.paths = Paths(self.root)
        self.members = os.path.join(self.paths.etc_pve, ".members")
        self.daemonPids = set()
        self.node = NodeProcess()
        argv = [sys.executable, "-c", daemons.TWISTD, "-n",
                "--pidfile", self.paths.node_pidfile,
                "pve-node", "--root", self.root, "--nodename", NODE,
                "--proxy-listen", "tcp:%d:interface=127.0.0.1" % free_port(),
                "--daemon-port", str(free_port())]
        env = daemons.environment(os.environ, self.root, NODE, SOURCE)
        self.transport = reactor.spawnProcess(
            self.node, sys.executable, argv, env=env, path=self.root)
        self.addCleanup(self.reap)

    @defer.inlineCallbacks
    def reap(self):
        """Kill whatever is left and detach the mount, pass or fail."""
        if not self.node.ended.called:
            self.daemonPids.update(processes.descendants(self.transport.pid))
            self.transport.signalProcess("KILL")
            yield poll(lambda: self.node.ended.called, "pve-node killed",
                       attempts=100)
        for pid in self.daemonPids:
            if processes.alive(pid):
                os.kill(pid, signal.SIGKILL)
        yield poll(lambda: not any(map(processes.alive, self.daemonPids)),
                   "daemons killed", attempts=100)
        mount.force_unmount(self.paths.etc_pve)

    def explain(self, f):
        f.trap(PollTimeout)
        self.fail("%s\npve-node output:\n%s" % (f.value, self.node.tail()))

    def wait(self, condition, what, attempts=300):
        """Poll *condition* while the supervisor runs; explain a failure."""

        def check():
            if self.node.ended.called:
                self.fail("pve-node exited (%s) while waiting for %s:\n%s"
                          % (self.node.reason.value, what, self.node.tail()))
            return condition()

        return poll(check, what, attempts=attempts).addErrback(self.explain)

    def pmxcfsPid(self):
        for pid in processes.children(self.transport.pid):
            if "pmxcfs" in processes.cmdline(pid):
                self.daemonPids.add(pid)
                return pid
        return None

    def restartedPid(self, old):
        pid = self.pmxcfsPid()
        return pid if pid not in (None, old) else None

    def serving(self):
        return threads.deferToThread(readable, self.members)

    @defer.inlineCallbacks
    def test_run_restart_stop(self):
        yield self.wait(self.serving, "%s readable" % (self.members,))
        self.assertTrue(mount.mount_of(self.paths.etc_pve))
        facts = yield threads.deferToThread(layout, self.paths.etc_pve)
        self.assertTrue(facts["qemu-server"], facts)
        self.assertIsNotNone(facts["local"], facts)
        self.assertEqual(os.path.normpath(facts["local"]).split(os.sep)[-2:],
                         ["nodes", NODE])

        # SIGKILL pmxcfs: the supervisor restarts it and the mount works.
        old = yield self.wait(self.pmxcfsPid, "the pmxcfs process")
        os.kill(old, signal.SIGKILL)
        new = yield self.wait(lambda: self.restartedPid(old),
                              "pmxcfs restarted")
        yield self.wait(self.serving, "the mount to serve again")
        facts = yield threads.deferToThread(layout, self.paths.etc_pve)
        self.assertTrue(facts["qemu-server"], facts)

        # SIGTERM the supervisor: everything stops, no mount is left.
        self.transport.signalProcess("TERM")
        yield poll(lambda: self.node.ended.called,
                   "pve-node to exit after SIGTERM",
                   attempts=150).addErrback(self.explain)
        reason = self.node.reason.value
        if not isinstance(reason, error.ProcessDone):
            self.assertEqual(reason.signal, signal.SIGTERM, self.node.tail())
        self.assertFalse(processes.alive(new), "pmxcfs outlived pve-node")
        self.assertFalse(mount.mount_of(self.paths.etc_pve),
                         "mount left at %s" % (self.paths.etc_pve,))
