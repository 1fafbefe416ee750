"""pve.qemu.runtime with a real QEMU (TCG) under a temporary PVE root."""

import os
import shutil
import signal
import subprocess

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.cluster.client import DirectClient
from pve.qemu import runtime, vmconfig
from pve.qemu.command import QEMU_BINARY
from tests.cluster.test_client import make_root, open_cfs
from tests.polling import poll

VMID = 150


class _Clock:
    def seconds(self):
        return 1700000000


def kill_vm(paths, vmid):
    pid = runtime.check_running(paths, vmid)
    if pid:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def make_runtime(testcase, paths, client, nodename="node1"):
    configs = vmconfig.VMConfigs(client, paths, nodename, reactor)
    testcase.addCleanup(kill_vm, paths, VMID)
    return runtime.Runtime(reactor, configs, kvm=False)


class RuntimeCase(unittest.TestCase):
    """pmxcfs under a temporary root, a Runtime on it, storage ``tmpstore``
    at ``<root>/store``."""

    timeout = 120

    def setUp(self):
        if not os.path.exists(QEMU_BINARY):
            raise unittest.SkipTest("no QEMU")
        self.paths = make_root(self)
        self.cfs = open_cfs(self, self.paths, _Clock())
        self.client = DirectClient(self.cfs, reactor)
        self.rt = make_runtime(self, self.paths, self.client)
        self.cfs.write_file("storage.cfg", (
            "dir: tmpstore\n\tpath /store\n\tcontent images\n").encode())


class RuntimeTests(RuntimeCase):

    def setUp(self):
        super().setUp()
        store = self.paths.join("store")
        os.makedirs(os.path.join(store, "images", str(VMID)))
        self.image = os.path.join(store, "images", str(VMID), "vm-%d-disk-0.qcow2" % VMID)
        if shutil.which("qemu-img"):
            subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", self.image, "16M"],
                           check=True)
            disk = "scsi0: tmpstore:%d/vm-%d-disk-0.qcow2,size=16M\n" % (VMID, VMID)
        else:
            disk = ""
        self.cfs.write_file(vmconfig.config_path("node1", VMID), (
            "kvm: 0\nmemory: 64\nname: tiny\n" + disk).encode())

    @defer.inlineCallbacks
    def test_start_status_stop_cleanup(self):
        status = yield self.rt.status(VMID)
        self.assertEqual(status["status"], "stopped")
        yield self.rt.start(VMID)
        pid = self.rt.check_running(VMID)
        self.assertTrue(pid)
        self.assertNotEqual(pid, os.getpid())
        status = yield self.rt.status(VMID)
        self.assertEqual((status["status"], status["qmpstatus"], status["pid"]),
                         ("running", "running", pid))
        error = yield self.assertFailure(self.rt.start(VMID), runtime.RuntimeError_)
        self.assertEqual(str(error), "VM %d already running" % VMID)

        yield self.rt.suspend(VMID)
        self.assertEqual((yield self.rt.status(VMID))["qmpstatus"], "paused")
        yield self.rt.resume(VMID)
        self.assertEqual((yield self.rt.status(VMID))["qmpstatus"], "running")

        # a second Runtime (another process, as far as it knows) finds it
        other = make_runtime(self, self.paths, self.client)
        self.assertEqual(other.check_running(VMID), pid)
        yield other.stop(VMID, timeout=20)
        self.assertIsNone(self.rt.check_running(VMID))
        status = yield self.rt.status(VMID)
        self.assertEqual(status["status"], "stopped")
        for ext in ("pid", "qmp", "vnc"):
            self.assertFalse(os.path.exists(runtime.run_file(self.paths, VMID, ext)))

    @defer.inlineCallbacks
    def test_paused_start_and_cleanup(self):
        yield self.rt.start(VMID, paused=True)
        status = yield self.rt.status(VMID)
        self.assertEqual(status["qmpstatus"], "prelaunch")
        pid = self.rt.check_running(VMID)
        os.kill(pid, signal.SIGKILL)
        yield self.rt.wait_gone(pid, VMID, 10)
        self.assertTrue(os.path.exists(runtime.qmp_socket(self.paths, VMID)))
        yield self.rt.configs.update(VMID, lambda c: c.main.update(lock="backup"),
                                     skiplock=True)
        yield self.rt.cleanup(VMID, graceful=False, guest=False)
        for ext in ("pid", "qmp", "vnc"):
            self.assertFalse(os.path.exists(runtime.run_file(self.paths, VMID, ext)))
        conf = yield self.rt.configs.load(VMID)
        self.assertNotIn("lock", conf.main)

    @defer.inlineCallbacks
    def test_start_applies_pending(self):
        path = vmconfig.config_path("node1", VMID)
        text = self.cfs.read(path).decode()
        self.cfs.write_file(path, (text + "\n[PENDING]\ndelete: name\nmemory: 96\n").encode())
        yield self.rt.start(VMID, paused=True)
        conf = yield self.rt.configs.load(VMID)
        self.assertEqual(conf.pending, {})
        self.assertEqual(conf.main["memory"], "96")
        self.assertNotIn("name", conf.main)

    @defer.inlineCallbacks
    def test_start_keeps_replaced_disk_as_unused(self):
        """A disk replaced while pending is not lost at start: it becomes
        ``unused0``."""
        other = self.image.replace("disk-0", "disk-1")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", other, "16M"],
                       check=True)
        path = vmconfig.config_path("node1", VMID)
        text = self.cfs.read(path).decode()
        self.cfs.write_file(path, (text + "\n[PENDING]\nscsi0: tmpstore:%d/"
                                   "vm-%d-disk-1.qcow2,size=16M\n" % (VMID, VMID)).encode())
        yield self.rt.start(VMID, paused=True)
        conf = yield self.rt.configs.load(VMID)
        self.assertEqual(conf.pending, {})
        self.assertTrue(conf.main["scsi0"].startswith("tmpstore:%d/vm-%d-disk-1.qcow2"
                                                      % (VMID, VMID)))
        self.assertEqual(conf.main["unused0"], "tmpstore:%d/vm-%d-disk-0.qcow2"
                         % (VMID, VMID))
        self.assertTrue(os.path.exists(self.image))

    @defer.inlineCallbacks
    def test_locked_refused(self):
        yield self.rt.configs.update(VMID, lambda c: c.main.update(lock="backup"),
                                     skiplock=True)
        error = yield self.assertFailure(self.rt.start(VMID), vmconfig.VMConfigError)
        self.assertEqual(str(error), "VM is locked (backup)")
        self.assertIsNone(self.rt.check_running(VMID))

    @defer.inlineCallbacks
    def test_shutdown_force(self):
        """No guest OS answers ACPI: shutdown times out, forceStop kills."""
        yield self.rt.start(VMID)
        error = yield self.assertFailure(self.rt.shutdown(VMID, timeout=0.3),
                                         runtime.RuntimeError_)
        self.assertEqual(str(error), "VM quit/powerdown failed - got timeout")
        self.assertTrue(self.rt.check_running(VMID))
        yield self.rt.shutdown(VMID, timeout=0.3, forceStop=True)
        self.assertIsNone(self.rt.check_running(VMID))


#: A boot sector that waits for the ACPI power button and then powers off,
#: like a guest OS answering ``system_powerdown``: ``cli``; set PWRBTN_EN
#: in PM1_EN (0x602, PIIX4 PM at 0x600 as SeaBIOS sets it on ``pc``);
#: poll PWRBTN_STS in PM1_STS (0x600); then SLP_EN with SLP_TYP 0 (S5) in
#: PM1a_CNT (0x604); ``hlt``.
POWER_BUTTON_CODE = bytes.fromhex(
    "fa" "ba0206" "b80001" "ef"          # cli; PM1_EN |= PWRBTN_EN
    "ba0006" "ed" "a90001" "74f7"        # wait for PWRBTN_STS
    "ba0406" "b80020" "ef" "f4" "ebfd")  # S5
POWER_BUTTON_SECTOR = (POWER_BUTTON_CODE + bytes(510 - len(POWER_BUTTON_CODE))
                       + b"\x55\xaa")


class RebootTests(RuntimeCase):
    """A guest that shuts down when asked (the power button) is rebooted:
    a new QEMU runs with the pending changes applied."""

    def setUp(self):
        super().setUp()
        images = self.paths.join("store", "images", str(VMID))
        os.makedirs(images)
        with open(os.path.join(images, "vm-%d-disk-0.raw" % VMID), "wb") as fh:
            fh.write(POWER_BUTTON_SECTOR)
            fh.truncate(1 << 20)  # SeaBIOS does not boot a one-sector disk
        self.cfs.write_file(vmconfig.config_path("node1", VMID), (
            "boot: order=ide0\nide0: tmpstore:%d/vm-%d-disk-0.raw,size=1M\n"
            "kvm: 0\nmemory: 64\n" % (VMID, VMID)).encode())

    def guest_listening(self):
        """The guest has enabled the power button (its "OS" is up): the
        monitor reads PM1_EN (``i /h 0x602``)."""
        d = self.rt.qmp(VMID, "human-monitor-command",
                        {"command-line": "i /h 0x602"})
        return d.addCallback(lambda text: text.strip().endswith("= 0x0100"))

    @defer.inlineCallbacks
    def test_reboot_applies_pending(self):
        yield self.rt.start(VMID)
        first = self.rt.check_running(VMID)
        yield poll(self.guest_listening, "the guest to boot", attempts=300)
        path = vmconfig.config_path("node1", VMID)
        text = self.cfs.read(path).decode()
        self.cfs.write_file(path, (text + "\n[PENDING]\nname: rebooted\n").encode())
        yield self.rt.reboot(VMID, timeout=60)
        second = self.rt.check_running(VMID)
        self.assertTrue(second)
        self.assertNotEqual(second, first)
        status = yield self.rt.status(VMID)
        self.assertEqual(status["qmpstatus"], "running")
        conf = yield self.rt.configs.load(VMID)
        self.assertEqual((conf.main.get("name"), conf.pending), ("rebooted", {}))

    @defer.inlineCallbacks
    def test_reboot_of_stopped_vm_does_nothing(self):
        yield self.rt.reboot(VMID, timeout=5)
        self.assertIsNone(self.rt.check_running(VMID))
