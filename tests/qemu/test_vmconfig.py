"""pve.qemu.vmconfig on a real ConfigFS: load/write, digest, lock key and
the flock VM lock (held in a thread by the real reactor)."""

import fcntl
import os

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.cluster.client import DirectClient
from pve.qemu import vmconfig
from tests.cluster.test_client import make_root, open_cfs

CONF = "cores: 1\nmemory: 512\nname: vm100\n"


class Clockless:
    """A clock for the ConfigFS (seconds only)."""
    def seconds(self):
        return 1700000000


class VMConfigTests(unittest.TestCase):
    def setUp(self):
        self.paths = make_root(self)
        self.cfs = open_cfs(self, self.paths, Clockless())
        self.client = DirectClient(self.cfs, reactor)
        self.configs = vmconfig.VMConfigs(self.client, self.paths, "node1", reactor)

    def put(self, text, vmid=100):
        self.cfs.write_file(vmconfig.config_path("node1", vmid), text.encode())

    def get(self, vmid=100):
        return self.cfs.read(vmconfig.config_path("node1", vmid)).decode()

    @defer.inlineCallbacks
    def test_load(self):
        self.put(CONF)
        conf = yield self.configs.load(100)
        self.assertEqual(conf.main["memory"], "512")
        self.assertEqual(conf.main["name"], "vm100")
        self.assertTrue(conf.digest)

    @defer.inlineCallbacks
    def test_missing(self):
        error = yield self.assertFailure(self.configs.load(101), vmconfig.VMConfigError)
        self.assertEqual(str(error), "Configuration file "
                         "'nodes/node1/qemu-server/101.conf' does not exist")
        self.assertFalse((yield self.configs.exists(101)))

    @defer.inlineCallbacks
    def test_create_refuses_existing(self):
        self.put(CONF)
        conf = vmconfig.parse(CONF, 100)
        yield self.assertFailure(self.configs.create(100, conf), vmconfig.VMConfigError)
        yield self.configs.create(102, conf)
        self.assertEqual(self.get(102), CONF)

    @defer.inlineCallbacks
    def test_update_and_digest(self):
        self.put(CONF)
        conf = yield self.configs.load(100)

        def change(c):
            c.main["memory"] = 1024
        yield self.configs.update(100, change, digest=conf.digest)
        self.assertIn("memory: 1024\n", self.get())
        error = yield self.assertFailure(
            self.configs.update(100, change, digest=conf.digest),
            vmconfig.VMConfigError)
        self.assertEqual(str(error), "detected modified configuration - file "
                         "changed by other user? Try again.")

    @defer.inlineCallbacks
    def test_lock_key(self):
        self.put(CONF + "lock: backup\n")
        error = yield self.assertFailure(
            self.configs.update(100, lambda c: None), vmconfig.VMConfigError)
        self.assertEqual(str(error), "VM is locked (backup)")
        before = self.get()
        yield self.assertFailure(
            self.configs.set_lock(100, "migrate"), vmconfig.VMConfigError)
        self.assertEqual(self.get(), before)
        yield self.configs.update(100, lambda c: c.main.update(cores=2), skiplock=True)
        self.assertIn("cores: 2\n", self.get())
        yield self.configs.remove_lock(100)
        self.assertNotIn("lock:", self.get())
        yield self.configs.set_lock(100, "create")
        self.assertIn("lock: create\n", self.get())

    @defer.inlineCallbacks
    def test_flock_timeout(self):
        self.put(CONF)
        path = vmconfig.lock_file(self.paths, 100)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o644)
        self.addCleanup(os.close, fd)
        fcntl.flock(fd, fcntl.LOCK_EX)
        ran = []
        error = yield self.assertFailure(
            self.configs.lock(100, ran.append, 1, timeout=0.2),
            vmconfig.VMConfigError)
        self.assertEqual(str(error), "can't lock file '%s' - got timeout" % path)
        self.assertEqual(ran, [])
        fcntl.flock(fd, fcntl.LOCK_UN)
        yield self.configs.lock(100, ran.append, 1)
        self.assertEqual(ran, [1])

    @defer.inlineCallbacks
    def test_lock_serialises(self):
        """A second locker waits for the first, without blocking the reactor."""
        self.put(CONF)
        release = defer.Deferred()
        order = []

        def first():
            order.append("first")
            return release
        d1 = self.configs.lock(100, first)
        while not order:
            yield deferLater(0.01)
        d2 = self.configs.lock(100, lambda: order.append("second"))
        for _ in range(10):
            yield deferLater(0.01)  # the reactor keeps turning meanwhile
        self.assertEqual(order, ["first"])
        release.callback(None)
        yield d1
        yield d2
        self.assertEqual(order, ["first", "second"])


def deferLater(seconds):
    from twisted.internet import task
    return task.deferLater(reactor, seconds, lambda: None)
