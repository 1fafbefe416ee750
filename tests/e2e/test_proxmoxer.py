"""End to end: proxmoxer against a real node (``twistd -n pve-node``).

The node runs under a temporary root with its FUSE mount, pvedaemon and
pveproxy on free loopback ports; its first start makes ``admin@pve`` and
prints the password, with which proxmoxer (2.x, from PyPI) logs in, makes
an API token, manages users and waits for a worker task.  Needs root,
/dev/fuse and proxmoxer.
"""

import glob
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
        self.daemonPids.update(self.qemuPids())
        for pid in self.daemonPids:
            if processes.alive(pid):
                os.kill(pid, signal.SIGKILL)
        yield poll(lambda: not any(map(processes.alive, self.daemonPids)),
                   "daemons killed", attempts=100)
        mount.force_unmount(self.paths.etc_pve)

    def qemuPids(self):
        """QEMUs the node started (they daemonize: not its descendants)."""
        pids = set()
        for pidfile in glob.glob(self.paths.join("run/qemu-server/*.pid")):
            try:
                with open(pidfile) as f:
                    pids.add(int(f.read().strip()))
            except (OSError, ValueError):
                pass
        return pids

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

    @defer.inlineCallbacks
    def test_vm_life_cycle(self):
        """A VM with a disk on local: created, started, running, stopped and
        destroyed through proxmoxer, each task waited for."""
        from proxmoxer.tools import Tasks
        found = yield self.wait(lambda: PASSWORD.search(self.node.output),
                                "the banner's login line")
        prox = yield self.wait(
            lambda: self.inThread(try_login, self.port,
                                  found.group(1).decode()),
            "a password login through pveproxy")
        node = prox.nodes(NODE)

        @defer.inlineCallbacks
        def task(call, **params):
            upid = yield self.inThread(call, **params)
            status = yield self.inThread(Tasks.blocking_status, prox, upid,
                                         timeout=120, polling_interval=0.2)
            self.assertIsNotNone(status, "task %s did not end" % upid)
            self.assertEqual(status["exitstatus"], "OK", upid)

        # KVM is nested on the test machines: TCG keeps it portable
        yield task(node.qemu.post, vmid=100, name="e2e-vm", memory=64, kvm=0,
                   scsi0="local:1")
        disk = self.paths.join("var/lib/vz/images/100/vm-100-disk-0.raw")
        self.assertTrue(os.path.exists(disk))
        config = yield self.inThread(node.qemu(100).config.get)
        self.assertEqual((config["name"], config["memory"]), ("e2e-vm", "64"))
        yield task(node.qemu(100).status.start.post)
        current = yield self.inThread(node.qemu(100).status.current.get)
        self.assertEqual((current["status"], current["qmpstatus"]),
                         ("running", "running"))
        listed = yield self.inThread(node.qemu.get)
        self.assertEqual([(vm["vmid"], vm["status"]) for vm in listed],
                         [(100, "running")])
        yield task(node.qemu(100).status.stop.post)
        current = yield self.inThread(node.qemu(100).status.current.get)
        self.assertEqual(current["status"], "stopped")
        yield task(node.qemu(100).resize.put, disk="scsi0", size="+1G")
        self.assertEqual(os.path.getsize(disk), 2 << 30)
        yield task(node.qemu(100).clone.post, newid=101, full=1)
        clone = yield self.inThread(node.qemu(101).config.get)
        self.assertEqual(clone["name"], "Copy-of-VM-e2e-vm")
        self.assertTrue(clone["scsi0"].startswith("local:101/vm-101-disk-0.raw"),
                        clone["scsi0"])
        for vmid in (100, 101):
            yield task(node.qemu(vmid).delete)
        listed = yield self.inThread(node.qemu.get)
        self.assertEqual(listed, [])
        self.assertFalse(os.path.exists(disk))

    @defer.inlineCallbacks
    def test_parallel_creates(self):
        """proxmoxer clients creating VMs at once, each with the VMID
        /cluster/nextid gave it: distinct VMIDs, intact configs; a client
        that lost the race is refused and asks again."""
        from proxmoxer import ResourceException
        from proxmoxer.tools import Tasks
        found = yield self.wait(lambda: PASSWORD.search(self.node.output),
                                "the banner's login line")
        password = found.group(1).decode()
        yield self.wait(lambda: self.inThread(try_login, self.port, password),
                        "a password login through pveproxy")

        def client(name):
            prox = api(self.port, user="admin@pve", password=password)
            refused = 0
            for _attempt in range(20):
                vmid = int(prox.cluster.nextid.get())
                try:
                    upid = prox.nodes(NODE).qemu.post(vmid=vmid, name=name,
                                                      memory=64)
                except ResourceException as e:
                    if "already exists" not in str(e):
                        raise
                    refused += 1
                    continue
                status = Tasks.blocking_status(prox, upid, timeout=60,
                                               polling_interval=0.1)
                if status["exitstatus"] == "OK":
                    return vmid, refused
                if "already exists" not in status["exitstatus"]:
                    raise AssertionError("%s: %s" % (upid, status))
                refused += 1
            raise AssertionError("%s: no VMID after 20 attempts" % name)

        names = ["par%d" % i for i in range(5)]
        made = yield defer.gatherResults(
            [self.inThread(client, n) for n in names], consumeErrors=True)
        vmids = [vmid for vmid, _ in made]
        self.assertEqual(len(set(vmids)), len(names), made)
        prox = api(self.port, user="admin@pve", password=password)
        for (vmid, _), name in zip(made, names):
            config = yield self.inThread(prox.nodes(NODE).qemu(vmid).config.get)
            self.assertEqual((config["name"], config["memory"]), (name, "64"))
            self.assertNotIn("lock", config)
        resources = yield self.inThread(prox.cluster.resources.get, type="vm")
        self.assertEqual(sorted(r["vmid"] for r in resources), sorted(vmids))
