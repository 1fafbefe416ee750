"""Config updates that allocate disks, and live changes of a running VM
(PUT/POST /nodes/{node}/qemu/{vmid}/config), against a real pmxcfs IPC
server, real worker tasks and a real QEMU (TCG)."""

import os
import re
import subprocess

from twisted.internet import defer, reactor
from twisted.internet.task import deferLater
from twisted.trial import unittest

from pve.api.schema import APIError
from pve.daemon import tasklog, workers
from pve.qemu import qmp, runtime
from pve.qemu.command import QEMU_BINARY
from pve.qemu.runtime import Runtime
from pve.qemu.vmconfig import VMConfigs
from tests.api.test_endpoints_qemu import CONF, VMID, QemuCase
from tests.qemu.test_network import NetnsMixin

BASE = "/nodes/node1/qemu/%d" % VMID


class HotplugCase(QemuCase):

    def setUp(self):
        if not os.path.exists(QEMU_BINARY):
            raise unittest.SkipTest("no QEMU")
        QemuCase.setUp(self)

    def image(self, name):
        return self.node.paths.join("var/lib/vz/images/%d/%s" % (VMID, name))

    def volid(self, name):
        return "local:%d/%s" % (VMID, name)

    @defer.inlineCallbacks
    def make_vm(self, start=True, **extra):
        """A VM with a boot disk scsi0 (so the SCSI controller stays)."""
        params = {"vmid": VMID, "memory": "64", "kvm": "0", "scsi0": "local:0.01",
                  "boot": "order=scsi0"}
        params.update(extra)
        yield self.task("POST", "/nodes/node1/qemu", params)
        if start:
            yield self.task("POST", BASE + "/status/start")

    def qmp(self, command, arguments=None):
        return qmp.runCommand(reactor, runtime.qmp_socket(self.node.paths, VMID), command,
                              arguments)

    @defer.inlineCallbacks
    def drives(self):
        """The drive ids QEMU has, with the device they belong to."""
        blocks = yield self.qmp("query-block")
        return {b["device"]: b.get("qdev") for b in blocks}

    @defer.inlineCallbacks
    def pci_ids(self):
        buses = yield self.qmp("query-pci")
        return {d.get("qdev_id") for bus in buses for d in bus["devices"]}

    def put(self, params):
        return self.call("PUT", BASE + "/config", params)

    @defer.inlineCallbacks
    def conf(self):
        current = yield self.call("GET", BASE + "/config", {"current": 1})
        pending = yield self.call("GET", BASE + "/pending")
        return current, {p["key"]: p for p in pending if "pending" in p or "delete" in p}


class DiskHotplugTests(HotplugCase):

    @defer.inlineCallbacks
    def test_scsi_disk_added_and_removed_live(self):
        yield self.make_vm()
        # POST (async): the task allocates and plugs, and says so in its log
        upid = yield self.task("POST", BASE + "/config", {"scsi1": "local:0.01"})
        with open(tasklog.log_path(self.node.paths, upid)) as fh:
            log = fh.read()
        disk = self.volid("vm-%d-disk-1.raw" % VMID)
        self.assertIn("update VM %d: -scsi1 local:0.01\n" % VMID, log)
        self.assertIn("scsi1: successfully created disk '%s,size=10485K'\n" % disk, log)
        self.assertTrue(os.path.exists(self.image("vm-%d-disk-1.raw" % VMID)))
        drives = yield self.drives()
        self.assertEqual(drives.get("drive-scsi1"), "scsi1")
        current, pending = yield self.conf()
        self.assertEqual(current["scsi1"], disk + ",size=10485K")
        self.assertEqual(pending, {})

        # PUT (sync) removal: detached at once, the volume kept as unused0
        yield self.put({"delete": "scsi1"})
        drives = yield self.drives()
        self.assertNotIn("drive-scsi1", drives)
        self.assertIn("drive-scsi0", drives)
        current, pending = yield self.conf()
        self.assertNotIn("scsi1", current)
        self.assertEqual(current["unused0"], disk)
        self.assertEqual(pending, {})
        self.assertTrue(os.path.exists(self.image("vm-%d-disk-1.raw" % VMID)))

        # re-attached from unused0: plugged again, unused0 goes
        yield self.put({"scsi2": disk})
        drives = yield self.drives()
        self.assertEqual(drives.get("drive-scsi2"), "scsi2")
        current, pending = yield self.conf()
        self.assertEqual(current["scsi2"], disk + ",size=10485K")
        self.assertNotIn("unused0", current)

        # the boot disk cannot go live: it stays marked for deletion
        error = yield self.assertFailure(self.put({"delete": "scsi0"}), APIError)
        self.assertEqual(error.code, 400)
        self.assertEqual(error.errors, {"scsi0": "hotplug problem - can't unplug bootdisk "
                                                 "'scsi0'"})
        current, pending = yield self.conf()
        self.assertIn("scsi0", current)
        self.assertEqual(pending["scsi0"]["delete"], 1)
        self.assertIn("drive-scsi0", (yield self.drives()))

    @defer.inlineCallbacks
    def test_cdrom_and_limits_change_live(self):
        iso = self.node.paths.join("var/lib/vz/template/iso/boot.iso")
        os.makedirs(os.path.dirname(iso))
        with open(iso, "wb") as fh:
            fh.write(b"\0" * 65536)
        yield self.make_vm(ide2="none,media=cdrom")
        yield self.put({"ide2": "local:iso/boot.iso,media=cdrom"})
        blocks = {b["device"]: b for b in (yield self.qmp("query-block"))}
        self.assertEqual(blocks["drive-ide2"]["inserted"]["file"], iso)
        current, pending = yield self.conf()
        self.assertEqual(current["ide2"], "local:iso/boot.iso,media=cdrom,size=64K")
        # a CD-ROM joins the boot order, which changes at the next start
        self.assertEqual(pending, {"boot": {"key": "boot", "value": "order=scsi0",
                                            "pending": "order=scsi0;ide2"}})

        disk0 = self.volid("vm-%d-disk-0.raw" % VMID)
        self.assertEqual(current["scsi0"], disk0 + ",size=10485K")
        yield self.put({"scsi0": disk0 + ",mbps=10"})
        blocks = {b["device"]: b for b in (yield self.qmp("query-block"))}
        self.assertEqual(blocks["drive-scsi0"]["inserted"]["bps"], 10 * 1024 * 1024)
        current, pending = yield self.conf()
        self.assertEqual(current["scsi0"], disk0 + ",mbps=10,size=10485K")
        self.assertNotIn("scsi0", pending)
        # a cache mode cannot change live
        yield self.put({"scsi0": disk0 + ",mbps=10,cache=unsafe"})
        current, pending = yield self.conf()
        self.assertEqual(pending["scsi0"]["pending"],
                         disk0 + ",cache=unsafe,mbps=10,size=10485K")

    @defer.inlineCallbacks
    def test_deleting_unused_frees_the_volume(self):
        yield self.make_vm(start=False)
        yield self.put({"scsi1": "local:0.01,format=qcow2"})
        path = self.image("vm-%d-disk-1.qcow2" % VMID)
        self.assertTrue(os.path.exists(path))
        current, pending = yield self.conf()
        self.assertEqual(current["scsi1"], self.volid("vm-%d-disk-1.qcow2" % VMID)
                         + ",size=10485K")
        self.assertEqual(pending, {})
        # replacing the disk with a new one keeps the old one as unused0
        yield self.put({"scsi1": "local:0.01"})
        current, _ = yield self.conf()
        self.assertEqual(current["scsi1"], self.volid("vm-%d-disk-2.raw" % VMID)
                         + ",size=10485K")
        self.assertEqual(current["unused0"], self.volid("vm-%d-disk-1.qcow2" % VMID))
        # POST with background_delay: null once the task is done within it
        result = yield self.call("POST", BASE + "/config",
                                 {"delete": "unused0", "background_delay": 20})
        self.assertIsNone(result)
        current, _ = yield self.conf()
        self.assertNotIn("unused0", current)
        self.assertFalse(os.path.exists(path))
        self.assertTrue(os.path.exists(self.image("vm-%d-disk-2.raw" % VMID)))

    @defer.inlineCallbacks
    def test_not_hotpluggable_stays_pending(self):
        yield self.make_vm(hotplug="0")
        yield self.put({"scsi1": "local:0.01"})
        self.assertTrue(os.path.exists(self.image("vm-%d-disk-1.raw" % VMID)))
        current, pending = yield self.conf()
        self.assertNotIn("scsi1", current)
        self.assertTrue(pending["scsi1"]["pending"].startswith(
            self.volid("vm-%d-disk-1.raw" % VMID)))
        self.assertNotIn("drive-scsi1", (yield self.drives()))
        # the default would plug it; SATA is never hot-plugged
        yield self.put({"hotplug": "1", "sata1": "local:0.01"})
        current, pending = yield self.conf()
        self.assertEqual(current["hotplug"], "1")
        self.assertIn("sata1", pending)
        self.assertNotIn("drive-sata1", (yield self.drives()))

    @defer.inlineCallbacks
    def test_bad_storage_refused(self):
        yield self.make_vm(start=False)
        before = self.node.read(CONF)
        error = yield self.assertFailure(self.put({"scsi1": "nosuch:1"}), APIError)
        self.assertEqual((error.code, error.message),
                         (500, "storage 'nosuch' does not exist\n"))
        error = yield self.assertFailure(
            self.call("POST", BASE + "/config", {"scsi1": "nosuch:1"}), APIError)
        self.assertEqual(error.message, "storage 'nosuch' does not exist\n")
        for params, errors in (
                ({"scsi1": "local:1", "delete": "scsi1"},
                 {"delete": "you can't use '-scsi1' and -delete scsi1' at the same time"}),
                ({"delete": "nosuch0"}, {"delete": "unknown option 'nosuch0'"})):
            error = yield self.assertFailure(self.put(params), APIError)
            self.assertEqual((error.code, error.errors), (400, errors))
        error = yield self.assertFailure(self.put({"scsi1": "local:1,cache=sometimes"}),
                                         APIError)
        self.assertIn("scsi1.cache: value 'sometimes' does not have a value in the "
                      "enumeration", error.errors["scsi1"])
        error = yield self.assertFailure(self.put({}), APIError)
        self.assertEqual(error.message, "no options specified\n")
        self.assertEqual(self.node.read(CONF), before)
        self.assertEqual(os.listdir(self.image("")), ["vm-%d-disk-0.raw" % VMID])


class OtherHotplugTests(HotplugCase):

    @defer.inlineCallbacks
    def test_balloon(self):
        yield self.make_vm(memory="128")
        trace = self.node.paths.join("qemu-trace.log")
        yield self.qmp("human-monitor-command", {"command-line": "logfile %s" % trace})
        yield self.qmp("trace-event-set-state",
                       {"name": "virtio_balloon_to_target", "enable": True})

        def targets():
            with open(trace) as fh:
                return re.findall(r"virtio_balloon_to_target balloon target: (0x[0-9a-f]+)",
                                  fh.read())

        # with auto-ballooning (shares != 0) pvestatd sets the target
        yield self.put({"balloon": "96"})
        current, pending = yield self.conf()
        self.assertEqual((current["balloon"], pending), (96, {}))
        self.assertEqual(targets(), [])
        # without, the new minimum is the target at once
        yield self.put({"balloon": "64", "shares": "0"})
        current, pending = yield self.conf()
        self.assertEqual((current["balloon"], current["shares"], pending), (64, 0, {}))
        self.assertEqual(targets(), ["0x4000000"])
        # turning the balloon device off waits for the next start
        yield self.put({"balloon": "0"})
        current, pending = yield self.conf()
        self.assertEqual(pending["balloon"]["pending"], 0)
        error = yield self.assertFailure(self.put({"balloon": "256"}), APIError)
        self.assertEqual(error.message, "balloon value too large (must be smaller than "
                                        "assigned memory)\n")

    @defer.inlineCallbacks
    def test_nic_without_bridge_stays_pending(self):
        yield self.make_vm()
        error = yield self.assertFailure(
            self.put({"net0": "virtio=BC:24:11:00:00:01,bridge=vmbr99"}), APIError)
        self.assertEqual(error.code, 400)
        self.assertEqual(error.errors, {
            "net0": "hotplug problem - bridge 'vmbr99' does not exist"})
        current, pending = yield self.conf()
        self.assertNotIn("net0", current)
        self.assertEqual(pending["net0"]["pending"], "virtio=BC:24:11:00:00:01,bridge=vmbr99")
        self.assertNotIn("net0", (yield self.pci_ids()))
        # the same through POST: the task fails with the hotplug problem
        upid = yield self.call("POST", BASE + "/config",
                               {"net1": "virtio=BC:24:11:00:00:02,bridge=vmbr98"})
        status = yield workers.worker_ended(upid)
        self.assertEqual(status, "400 Parameter verification failed. net1: hotplug problem "
                                 "- bridge 'vmbr98' does not exist")
        current, pending = yield self.conf()
        self.assertEqual(sorted(pending), ["net0", "net1"])

    @defer.inlineCallbacks
    def test_user_mode_nic_hotplug(self):
        """A NIC without bridge (QEMU's user networking) plugs without a tap.
        A PCI device leaves once the guest lets it go: not while the VM is
        paused; here the firmware's reboot loop (no bootable disk) does."""
        yield self.make_vm()
        yield self.put({"net0": "e1000"})
        current, pending = yield self.conf()
        self.assertRegex(current["net0"], r"^e1000=BC:24:11(:[0-9A-F]{2}){3}$")
        self.assertEqual(pending, {})
        self.assertIn("net0", (yield self.pci_ids()))

        yield self.task("POST", BASE + "/status/suspend")
        error = yield self.assertFailure(self.put({"delete": "net0"}), APIError)
        self.assertEqual(error.errors, {"net0": "hotplug problem - error on hot-unplugging "
                                                "device 'net0' - still busy in guest?"})
        current, pending = yield self.conf()
        self.assertIn("net0", current)
        self.assertEqual(pending["net0"]["delete"], 1)
        self.assertIn("net0", (yield self.pci_ids()))

        yield self.task("POST", BASE + "/status/resume")
        deadline = reactor.seconds() + 60
        while "net0" in (yield self.pci_ids()):
            self.assertLess(reactor.seconds(), deadline, "the NIC never left")
            yield deferLater(reactor, 0.1, lambda: None)
        yield self.put({"delete": "net0"})
        current, pending = yield self.conf()
        self.assertNotIn("net0", current)
        self.assertEqual(pending, {})


class BridgedNicTests(NetnsMixin, HotplugCase):
    """A NIC on a bridge, plugged into a VM whose QEMU runs in a network
    namespace of its own with a bridge ``vmbr0``: QEMU creates the tap and
    runs ``pve-bridge-hotplug``, which plugs it into the bridge."""

    def setUp(self):
        NetnsMixin.setUp(self)
        HotplugCase.setUp(self)

    @defer.inlineCallbacks
    def start_in_netns(self):
        paths = self.node.paths
        configs = VMConfigs(self.node.client, paths, "node1", reactor)
        cmd = yield Runtime(reactor, configs, kvm=False).build(VMID)
        os.makedirs(paths.join("run/qemu-server"), exist_ok=True)
        cmd.prepare()
        env = dict(os.environ, PVE_ROOT=paths.root, PVE_NODENAME="node1")
        done = subprocess.run(["ip", "netns", "exec", self.ns] + cmd.argv, env=env,
                              stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        self.assertEqual(done.returncode, 0, done.stderr)

    @defer.inlineCallbacks
    def test_nic_on_bridge(self):
        self.add_bridge("vmbr0", mtu=1400)
        yield self.make_vm(start=False)
        yield self.start_in_netns()
        net0 = "e1000=BC:24:11:00:00:07,bridge=vmbr0"
        # the script reads the VM config where pmxcfs shows it: /etc/pve
        # (no FUSE mount in this test: a file with what it would show)
        conf_dir = self.node.paths.join("etc/pve/nodes/node1/qemu-server")
        os.makedirs(conf_dir)
        with open(os.path.join(conf_dir, "%d.conf" % VMID), "w") as fh:
            fh.write(self.node.read(CONF) + "\n[PENDING]\nnet0: %s\n" % net0)
        yield self.put({"net0": net0})
        current, pending = yield self.conf()
        self.assertEqual((current["net0"], pending), (net0, {}))
        self.assertIn("net0", (yield self.pci_ids()))
        self.assertEqual(self.master("tap%di0" % VMID), "vmbr0")
        self.assertEqual(self.link("tap%di0" % VMID)["mtu"], 1400)
