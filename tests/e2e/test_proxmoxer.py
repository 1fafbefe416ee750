"""End to end: proxmoxer against a real node (``twistd -n pve-node``).

The node runs under a temporary root with its FUSE mount, pvedaemon and
pveproxy on free loopback ports; its first start makes ``admin@pve`` and
prints the password, with which proxmoxer (2.x, from PyPI) logs in, makes
an API token, manages users and waits for a worker task.  Needs root,
/dev/fuse and proxmoxer.
"""

import os
import re
import shutil
import signal
import sys
import tempfile

from twisted.internet import defer, reactor, threads
from twisted.trial import unittest

from pve.cluster import mount
from pve.node import daemons
from pve.paths import Paths
from tests import processes
from tests.node.test_supervisor import NodeProcess
from tests.node.test_supervisor import skipReason as nodeSkipReason
from tests.polling import PollTimeout, poll
from tests.proxy.spawn import free_port

NODE = "e2enode"
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
PASSWORD = re.compile(rb"user admin@pve  password: (\S+) \(also in (\S+)\)")


def skipReason():
    reason = nodeSkipReason()
    if reason:
        return reason
    try:
        from proxmoxer.tools import Tasks  # noqa: F401 (2.x only)
        import requests  # noqa: F401
    except ImportError as e:
        return "needs proxmoxer 2.x and requests (./quickstart deps): %s" % e
    return None


def api(port, **auth):
    """A ProxmoxAPI on the node (call in a thread: it logs in)."""
    import urllib3
    from proxmoxer import ProxmoxAPI
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return ProxmoxAPI("127.0.0.1", port=port, verify_ssl=False, timeout=30,
                      **auth)


def try_login(port, password):
    """A logged-in ProxmoxAPI, or None while pveproxy is not serving."""
    import requests
    try:
        return api(port, user="admin@pve", password=password)
    except (requests.ConnectionError, requests.exceptions.SSLError):
        return None


class ProxmoxerTests(unittest.TestCase):
    timeout = 240
    skip = skipReason()

    def setUp(self):
        # short: the IPC socket path must fit AF_UNIX's 108 bytes
        self.root = os.path.realpath(tempfile.mkdtemp(prefix="pve-e2e-"))
        os.chmod(self.root, 0o755)  # pveproxy runs as www-data
        self.addCleanup(shutil.rmtree, self.root, ignore_errors=True)
        self.paths = Paths(self.root)
        self.port = free_port()
        self.daemonPort = free_port()
        self.node = NodeProcess()
        self.daemonPids = set()
        argv = [sys.executable, "-c", daemons.TWISTD, "-n",
                "--pidfile", self.paths.node_pidfile,
                "pve-node", "--root", self.root, "--nodename", NODE,
                "--proxy-listen", "tcp:%d:interface=127.0.0.1" % self.port,
                "--daemon-port", str(self.daemonPort)]
        env = daemons.environment(os.environ, self.root, NODE, SOURCE)
        self.transport = reactor.spawnProcess(
            self.node, sys.executable, argv, env=env, path=self.root)
        self.addCleanup(self.reap)

    @defer.inlineCallbacks
    def reap(self):
        """Stop the node in order; kill what is left and detach the mount,
        pass or fail."""
        if not self.node.ended.called:
            self.daemonPids.update(processes.descendants(self.transport.pid))
            self.transport.signalProcess("TERM")
            try:
                yield poll(lambda: self.node.ended.called, "pve-node to stop",
                           attempts=300)
            except PollTimeout:
                self.daemonPids.update(
                    processes.descendants(self.transport.pid))
                self.transport.signalProcess("KILL")
                yield poll(lambda: self.node.ended.called, "pve-node killed",
                           attempts=100)
        for pid in self.daemonPids:
            if processes.alive(pid):
                os.kill(pid, signal.SIGKILL)
        yield poll(lambda: not any(map(processes.alive, self.daemonPids)),
                   "daemons killed", attempts=100)
        mount.force_unmount(self.paths.etc_pve)

    def wait(self, condition, what, attempts=600):
        def check():
            if self.node.ended.called:
                self.fail("pve-node exited while waiting for %s:\n%s"
                          % (what, self.node.tail()))
            return condition()

        def explain(f):
            f.trap(PollTimeout)
            self.fail("%s\npve-node output:\n%s" % (f.value, self.node.tail()))
        return poll(check, what, attempts=attempts).addErrback(explain)

    def inThread(self, func, *args, **kw):
        return threads.deferToThread(func, *args, **kw)

    @defer.inlineCallbacks
    def test_proxmoxer(self):
        found = yield self.wait(lambda: PASSWORD.search(self.node.output),
                                "the banner's login line")
        password = found.group(1).decode()
        self.assertEqual(found.group(2).decode(), self.paths.admin_password)
        prox = yield self.wait(
            lambda: self.inThread(try_login, self.port, password),
            "a password login through pveproxy")

        version = yield self.inThread(prox.version.get)
        self.assertIn("version", version)
        self.assertIn("release", version)
        nodes = yield self.inThread(prox.nodes.get)
        self.assertEqual([n["node"] for n in nodes], [NODE])
        self.assertEqual(nodes[0]["status"], "online")

        # an API token of admin@pve with its privileges
        token = yield self.inThread(
            prox.access.users("admin@pve").token("e2e").post, privsep=0)
        self.assertEqual(token["full-tokenid"], "admin@pve!e2e")
        byToken = yield self.inThread(
            api, self.port, user="admin@pve", token_name="e2e",
            token_value=token["value"])
        version = yield self.inThread(byToken.version.get)
        self.assertIn("version", version)

        # users: create, read, update, delete (through the token)
        users = byToken.access.users
        yield self.inThread(users.post, userid="bob@pve", password="b0b-secret",
                            comment="made by proxmoxer")
        bob = yield self.inThread(users("bob@pve").get)
        self.assertEqual(bob["comment"], "made by proxmoxer")
        yield self.inThread(users("bob@pve").put, comment="changed",
                            email="bob@example.com")
        bob = yield self.inThread(users("bob@pve").get)
        self.assertEqual((bob["comment"], bob["email"]),
                         ("changed", "bob@example.com"))
        listed = yield self.inThread(users.get)
        self.assertIn("bob@pve", [u["userid"] for u in listed])
        bobApi = yield self.inThread(api, self.port, user="bob@pve",
                                     password="b0b-secret")
        yield self.inThread(users("bob@pve").delete)
        listed = yield self.inThread(users.get)
        self.assertNotIn("bob@pve", [u["userid"] for u in listed])
        del bobApi

        # a worker task, waited for with proxmoxer.tools.Tasks
        from proxmoxer.tools import Tasks
        for api_, action in ((prox, "startall"), (byToken, "stopall")):
            upid = yield self.inThread(api_.nodes(NODE)(action).post)
            self.assertTrue(upid.startswith("UPID:%s:" % NODE), upid)
            status = yield self.inThread(Tasks.blocking_status, api_, upid,
                                         timeout=60, polling_interval=0.2)
            self.assertIsNotNone(status, "task %s did not end" % upid)
            self.assertEqual((status["status"], status["exitstatus"],
                              status["type"]), ("stopped", "OK", action))
            decoded = Tasks.decode_upid(upid)
            self.assertEqual(decoded["type"], action)
