"""/nodes/{node}/qemu: create, config, power actions and destroy, with the
worker tasks as real processes reaching pmxcfs over its IPC socket and a
real QEMU (TCG)."""

import os

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.api import rest
from pve.api.auth import Auth
from pve.api.schema import APIError
from pve.daemon import tasklog, workers
from pve.qemu.command import QEMU_BINARY
from tests.api.endpoints_env import Node
from tests.cluster.test_client import start_ipc
from tests.qemu.test_runtime import kill_vm

VMID = 170
CONF = "nodes/node1/qemu-server/%d.conf" % VMID


class QemuCase(unittest.TestCase):
    timeout = 180

    def setUp(self):
        self.node = Node(self)
        start_ipc(self, self.node.cfs, self.node.paths, self.node.clock)
        self.addCleanup(kill_vm, self.node.paths, VMID)

    def env(self, user="root@pam"):
        env = self.node.env(user)
        env.reactor = reactor  # workers and QEMU are real processes
        return env

    def call(self, method, path, params=None, user="root@pam"):
        return self.node.registry.dispatch(method, path, params or {}, self.env(user))

    @defer.inlineCallbacks
    def task(self, method, path, params=None):
        upid = yield self.call(method, path, params)
        self.assertTrue(upid.startswith("UPID:node1:"), upid)
        status = yield workers.worker_ended(upid)
        if status != "OK":
            with open(tasklog.log_path(self.node.paths, upid)) as fh:
                self.fail("%s: %s\n%s" % (upid, status, fh.read()))
        return upid


class QemuEndpointTests(QemuCase):

    def disk_path(self):
        return self.node.paths.join("var/lib/vz/images/%d/vm-%d-disk-0.raw" % (VMID, VMID))

    @defer.inlineCallbacks
    def test_lifecycle(self):
        if not os.path.exists(QEMU_BINARY):
            raise unittest.SkipTest("no QEMU")
        base = "/nodes/node1/qemu"
        upid = yield self.task("POST", base, {
            "vmid": VMID, "name": "api-vm", "memory": "64", "kvm": "0",
            "scsi0": "local:0.01"})
        self.assertEqual(upid.split(":")[5:7], ["qmcreate", str(VMID)])
        self.assertTrue(os.path.exists(self.disk_path()))
        conf = yield self.call("GET", "%s/%d/config" % (base, VMID))
        self.assertEqual(conf["name"], "api-vm")
        self.assertTrue(conf["scsi0"].startswith("local:%d/vm-%d-disk-0.raw" % (VMID, VMID)))
        self.assertTrue(conf["scsi0"].endswith(",size=10485K"), conf["scsi0"])

        # a second create is refused
        error = yield self.assertFailure(
            self.call("POST", base, {"vmid": VMID}), APIError)
        self.assertIn("already exists", error.message)

        # PUT with a stale digest changes nothing
        before = self.node.read(CONF)
        error = yield self.assertFailure(self.call(
            "PUT", "%s/%d/config" % (base, VMID),
            {"memory": "128", "digest": "0" * 40}), APIError)
        self.assertEqual(error.message, "detected modified configuration - file changed by "
                         "other user? Try again.\n")
        self.assertEqual(self.node.read(CONF), before)
        yield self.call("PUT", "%s/%d/config" % (base, VMID),
                        {"memory": "96", "digest": conf["digest"], "delete": "name"})
        conf = yield self.call("GET", "%s/%d/config" % (base, VMID))
        self.assertEqual(conf["memory"], "96")
        self.assertNotIn("name", conf)

        # through rest.handle as pvedaemon runs it (declared permissions first)
        result = yield rest.handle(self.node.registry, self.env(), Auth("root@pam"),
                                   "GET", "%s/%d/status/current" % (base, VMID), {})
        self.assertEqual(result.status, 200)
        self.assertEqual(result.data["status"], "stopped")

        listed = yield self.call("GET", base)
        self.assertEqual([(v["vmid"], v["status"]) for v in listed], [(VMID, "stopped")])

        upid = yield self.task("POST", "%s/%d/status/start" % (base, VMID))
        self.assertEqual(upid.split(":")[5:7], ["qmstart", str(VMID)])
        status = yield self.call("GET", "%s/%d/status/current" % (base, VMID))
        self.assertEqual((status["status"], status["qmpstatus"]), ("running", "running"))
        self.assertTrue(status["pid"])

        # running: memory goes to [PENDING], name applies at once
        yield self.call("PUT", "%s/%d/config" % (base, VMID),
                        {"memory": "128", "name": "renamed"})
        pending = yield self.call("GET", "%s/%d/pending" % (base, VMID))
        memory = [p for p in pending if p["key"] == "memory"][0]
        self.assertEqual((memory["value"], memory["pending"]), ("96", "128"))
        yield self.call("PUT", "%s/%d/config" % (base, VMID), {"delete": "kvm"})
        pending = yield self.call("GET", "%s/%d/pending" % (base, VMID))
        self.assertIn({"key": "kvm", "value": 0, "delete": 1}, pending)
        merged = yield self.call("GET", "%s/%d/config" % (base, VMID))
        self.assertEqual((merged["memory"], "kvm" in merged), ("128", False))
        current = yield self.call("GET", "%s/%d/config" % (base, VMID), {"current": 1})
        self.assertEqual((current["memory"], current["name"]), ("96", "renamed"))

        error = yield self.assertFailure(
            self.call("DELETE", "%s/%d" % (base, VMID)), APIError)
        self.assertIn("is running", error.message)

        yield self.task("POST", "%s/%d/status/suspend" % (base, VMID))
        status = yield self.call("GET", "%s/%d/status/current" % (base, VMID))
        self.assertEqual(status["qmpstatus"], "paused")
        yield self.task("POST", "%s/%d/status/resume" % (base, VMID))

        yield self.task("POST", "%s/%d/status/stop" % (base, VMID))
        status = yield self.call("GET", "%s/%d/status/current" % (base, VMID))
        self.assertEqual(status["status"], "stopped")

        yield self.task("DELETE", "%s/%d" % (base, VMID), {"purge": 1})
        self.assertFalse(os.path.exists(self.disk_path()))
        error = yield self.assertFailure(
            self.call("GET", "%s/%d/config" % (base, VMID)), APIError)
        self.assertEqual(error.message, "Configuration file "
                         "'nodes/node1/qemu-server/%d.conf' does not exist\n" % VMID)

    @defer.inlineCallbacks
    def test_bad_value_refused(self):
        error = yield self.assertFailure(
            self.call("POST", "/nodes/node1/qemu", {"vmid": VMID, "memory": "lots"}),
            APIError)
        self.assertEqual(error.code, 400)
        self.assertEqual(error.errors, {"memory": error.errors["memory"]})
        with self.assertRaises(OSError):
            self.node.cfs.read(CONF)

    @defer.inlineCallbacks
    def test_create_gives_nics_a_mac(self):
        """As Proxmox: a NIC created without a MAC gets one, with the
        datacenter's ``mac_prefix``; a given one is kept."""
        self.node.write("datacenter.cfg", "mac_prefix: 02:AA\n")
        yield self.task("POST", "/nodes/node1/qemu", {
            "vmid": VMID, "net0": "virtio,bridge=vmbr0",
            "net1": "e1000=BC:24:11:00:00:01,bridge=vmbr1"})
        conf = yield self.call("GET", "/nodes/node1/qemu/%d/config" % VMID)
        self.assertRegex(conf["net0"], r"^virtio=02:AA:[0-9A-F]{2}:[0-9A-F]{2}:"
                                       r"[0-9A-F]{2}:[0-9A-F]{2},bridge=vmbr0$")
        self.assertEqual(conf["net1"], "e1000=BC:24:11:00:00:01,bridge=vmbr1")

    @defer.inlineCallbacks
    def test_index(self):
        self.node.write(CONF, "memory: 64\n")
        index = yield self.call("GET", "/nodes/node1/qemu/%d" % VMID)
        self.assertIn({"subdir": "config"}, index)
        self.assertIn({"subdir": "status"}, index)

    @defer.inlineCallbacks
    def test_permissions(self):
        """The declared permissions are checked as pvedaemon runs calls."""
        self.node.write(CONF, "memory: 64\n")
        self.node.write("user.cfg", "user:alice@pve:1:0::::::\n"
                        "user:bob@pve:1:0::::::\n"
                        "acl:1:/vms/%d:bob@pve:PVEVMAdmin:\n" % VMID)
        for user, expected in (("alice@pve", 403), ("bob@pve", 200)):
            result = yield rest.handle(self.node.registry, self.env(user), Auth(user),
                                       "GET", "/nodes/node1/qemu/%d/config" % VMID, {})
            self.assertEqual(result.status, expected, user)
            result = yield rest.handle(self.node.registry, self.env(user), Auth(user),
                                       "PUT", "/nodes/node1/qemu/%d/config" % VMID,
                                       {"cores": "2"})
            self.assertEqual(result.status, expected, user)
        self.assertIn("cores: 2\n", self.node.read(CONF))
        result = yield rest.handle(self.node.registry, self.env("alice@pve"),
                                   Auth("alice@pve"), "GET", "/nodes/node1/qemu", {})
        self.assertEqual((result.status, result.data), (200, []))

    @defer.inlineCallbacks
    def test_create_failure_leaves_nothing(self):
        """A disk on a storage that does not exist: the task fails, no
        config and no disk are left."""
        upid = yield self.call("POST", "/nodes/node1/qemu", {
            "vmid": VMID, "memory": "64", "scsi0": "local:0.01", "scsi1": "nope:1"})
        status = yield workers.worker_ended(upid)
        self.assertIn("storage 'nope' does not exist", status)
        with self.assertRaises(OSError):
            self.node.cfs.read(CONF)
        self.assertFalse(os.path.exists(self.disk_path()))


class ParallelCreateTests(QemuCase):
    """Clients that create VMs at once, each with the VMID /cluster/nextid
    gave it, never share a VMID and never leave a broken config: the ones
    that lost the race are refused and retry with a new id."""

    @defer.inlineCallbacks
    def client(self, name, made, refused):
        for _attempt in range(10):
            vmid = yield self.call("GET", "/cluster/nextid")
            try:
                upid = yield self.call("POST", "/nodes/node1/qemu", {
                    "vmid": vmid, "name": name, "memory": "64"})
            except APIError as e:
                self.assertIn("already exists", e.message)
                refused.append(vmid)
                continue
            status = yield workers.worker_ended(upid)
            if status == "OK":
                made.append((vmid, name))
                return
            self.assertIn("already exists", status)
            refused.append(vmid)
        self.fail("%s: no VMID after 10 attempts" % name)

    @defer.inlineCallbacks
    def test_parallel_creates(self):
        made, refused = [], []
        names = ["vm%d" % i for i in range(6)]
        yield defer.gatherResults(
            [self.client(n, made, refused) for n in names],
            consumeErrors=True)
        self.assertTrue(refused, "the clients never raced")
        vmids = [vmid for vmid, _ in made]
        self.assertEqual(len(set(vmids)), len(names), made)
        for vmid, name in made:
            conf = yield self.call("GET", "/nodes/node1/qemu/%d/config" % vmid)
            self.assertEqual((conf["name"], conf["memory"]), (name, "64"))
            self.assertNotIn("lock", conf)
