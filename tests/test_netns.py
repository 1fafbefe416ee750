"""tests/netns.py: a namespace cluster, its partitions and its teardown."""

import json
import os
import subprocess
import sys

from twisted.internet import defer
from twisted.trial import unittest

from tests import netns, processes

SKIP = netns.available()

LISTENER = """
import socket, sys
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("0.0.0.0", int(sys.argv[1])))
s.listen(16)
while True:
    c, _ = s.accept()
    c.sendall(b"hello from " + socket.gethostname().encode() + b"\\n")
    c.close()
"""

PORT = 7001


def root_links():
    """(index, name) of every link in the root namespace."""
    out = subprocess.run(["ip", "-j", "link", "show"], capture_output=True,
                         text=True, check=True).stdout
    return sorted((l["ifindex"], l["ifname"]) for l in json.loads(out))


def root_addrs():
    out = subprocess.run(["ip", "-j", "addr", "show"], capture_output=True,
                         text=True, check=True).stdout
    return sorted((l["ifname"], a["local"]) for l in json.loads(out)
                  for a in l.get("addr_info", []))


class NetworkTests(unittest.TestCase):

    skip = SKIP

    def setUp(self):
        self.links = root_links()
        self.addrs = root_addrs()
        self.net = netns.Network(3)
        self.addCleanup(self.net.close)

    def listen(self, i, port=PORT):
        return self.net.run(i, [sys.executable, "-c", LISTENER, str(port)])

    def test_layout(self):
        net = self.net
        names = [net.name(i) for i in net.nodes()]
        self.assertEqual(len(set(names)), 3)
        for ns in names + [net.switch]:
            self.assertIn(ns, netns.namespaces())
            self.assertIn(str(os.getpid()), ns)
        self.assertEqual(len(set(net.ips())), 3)
        for i in net.nodes():
            self.assertTrue(net.ip(i).startswith("10.") and net.ip(i).endswith(".%d" % i))
            out = net.check_output(i, ["ip", "-j", "addr", "show"])
            addrs = {(l["ifname"], a["local"]) for l in json.loads(out)
                     for a in l.get("addr_info", []) if a["family"] == "inet"}
            self.assertEqual(addrs, {("lo", "127.0.0.1"), ("eth0", net.ip(i))})
        out = subprocess.run(["ip", "-n", net.switch, "-j", "link", "show",
                              "master", "br0"], capture_output=True, text=True,
                             check=True).stdout
        self.assertEqual(sorted(l["ifname"] for l in json.loads(out)),
                         ["v1", "v2", "v3"])
        self.assertRaises(ValueError, net.ip, 4)
        # nothing of it in the root namespace
        self.assertEqual(root_links(), self.links)
        self.assertEqual(root_addrs(), self.addrs)

    def test_connect_cut_heal(self):
        net = self.net
        listener = self.listen(3)
        net.wait_port(1, PORT, host=net.ip(3), proc=listener)
        s = net.connect(1, (net.ip(3), PORT))
        self.assertEqual(s.makefile("rb").readline().split()[0], b"hello")
        s.close()
        self.assertTrue(net.can_connect(2, net.ip(3), PORT))
        # the listener runs in node 3, so node 1's own address has nothing
        self.assertFalse(net.can_connect(1, net.ip(1), PORT))

        net.cut(3)
        self.assertTrue(net.is_cut(3))
        self.assertFalse(net.can_connect(1, net.ip(3), PORT, timeout=1.0))
        self.assertFalse(net.can_connect(2, net.ip(3), PORT, timeout=1.0))
        # node 3 still reaches itself; 1 and 2 still reach each other
        self.assertTrue(net.can_connect(3, net.ip(3), PORT))
        other = self.listen(2, PORT + 1)
        net.wait_port(1, PORT + 1, host=net.ip(2), proc=other)

        net.heal(3)
        self.assertFalse(net.is_cut(3))
        net.wait_port(1, PORT, host=net.ip(3), deadline=10)
        self.assertTrue(net.can_connect(1, net.ip(3), PORT))

    @defer.inlineCallbacks
    def test_wait_port_deferred(self):
        net = self.net
        listener = self.listen(3)
        yield netns.wait_port_deferred(net, 1, PORT, host=net.ip(3))
        self.assertIsNone(listener.poll())
        self.assertTrue(net.can_connect(1, net.ip(3), PORT))

    def test_close_leaves_nothing(self):
        net = self.net
        created = [net.switch] + [net.name(i) for i in net.nodes()]
        listener = self.listen(2)
        # a process started through argv() rather than run(), detached
        stray = subprocess.Popen(net.argv(1, ["sleep", "600"]),
                                 start_new_session=True)
        self.addCleanup(stray.wait)
        sock = net.socket(3)
        net.wait_port(2, PORT, proc=listener)
        self.assertIn(stray.pid, netns.pids_in(net.name(1)))

        net.close()
        self.assertIsNotNone(listener.poll())
        stray.wait(10)
        self.assertFalse(processes.alive(stray.pid))
        self.assertEqual(sock.fileno(), -1)
        left = netns.namespaces()
        for ns in created:
            self.assertNotIn(ns, left)
        self.assertEqual(root_links(), self.links)
        self.assertEqual(root_addrs(), self.addrs)
        net.close()                                  # idempotent
        self.assertRaises(netns.NetnsError, net.run, 1, ["true"])

    def test_context_manager(self):
        with netns.Network(2) as other:
            self.assertNotEqual(other.prefix, self.net.prefix)
            self.assertIn(other.name(2), netns.namespaces())
        self.assertNotIn(other.name(2), netns.namespaces())
        self.assertNotIn(other.switch, netns.namespaces())

    def test_reap_stale(self):
        # a namespace named as a Network of a process that is gone
        dead = subprocess.Popen(["true"])
        dead.wait()
        name = "pvn%dn0-sw" % dead.pid
        subprocess.run(["ip", "netns", "add", name], check=True)
        self.addCleanup(subprocess.run, ["ip", "netns", "del", name],
                        stderr=subprocess.DEVNULL)
        self.assertIn(name, netns.reap_stale())
        self.assertNotIn(name, netns.namespaces())
        # ours (this process is alive) are left alone
        self.assertIn(self.net.switch, netns.namespaces())


class ScriptTeardownTests(unittest.TestCase):
    """A script that builds a Network and exits, or is sent SIGTERM,
    leaves nothing behind."""

    skip = SKIP

    SCRIPT = """
import os, signal, sys, time
sys.path.insert(0, %r)
from tests.netns import Network
net = Network(2)
net.run(1, ["sleep", "600"])
print(net.prefix, flush=True)
if sys.argv[1] == "exit":
    sys.exit(0)
sys.stdin.readline()         # until the test signals us
"""

    def run_script(self, how):
        root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
        proc = subprocess.Popen([sys.executable, "-c", self.SCRIPT % root, how],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                text=True)
        self.addCleanup(proc.kill)
        prefix = proc.stdout.readline().strip()
        self.assertTrue(prefix)
        if how == "term":
            self.assertIn(prefix + "-1", netns.namespaces())
            proc.terminate()
        proc.communicate(timeout=30)
        left = [ns for ns in netns.namespaces() if ns.startswith(prefix + "-")]
        self.assertEqual(left, [])
        return proc.returncode

    def test_exit(self):
        self.assertEqual(self.run_script("exit"), 0)

    def test_sigterm(self):
        self.assertEqual(self.run_script("term"), -15)
