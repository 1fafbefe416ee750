"""``qm`` against a real pmxcfs IPC server under a temporary root; create
and destroy run real worker processes."""

import os
import signal

from twisted.internet import defer

from pve.cli import qm
from pve.qemu import runtime
from pve.qemu.command import QEMU_BINARY
from tests.cli.clicase import CLICase

VMID = 180


class QmTests(CLICase):
    timeout = 120

    def setUp(self):
        CLICase.setUp(self)
        self.addCleanup(self.kill_vm)

    def kill_vm(self):
        pid = runtime.check_running(self.paths, VMID)
        if pid:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def qm(self, *argv):
        return self.run_cli(qm, argv, stdin="")

    def disk(self):
        return self.paths.join("var/lib/vz/images/%d/vm-%d-disk-0.raw" % (VMID, VMID))

    @defer.inlineCallbacks
    def test_create_list_config_showcmd_destroy(self):
        code, out, err = yield self.qm("list")
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = yield self.qm("create", str(VMID), "--name", "clivm",
                                       "--memory", "64", "--kvm", "0",
                                       "--scsi0", "local:0.01")
        self.assertEqual((code, err), (0, ""), out)
        self.assertIn("scsi0: successfully created disk 'local:%d/vm-%d-disk-0.raw"
                      % (VMID, VMID), out)
        self.assertTrue(os.path.exists(self.disk()))

        code, out, err = yield self.qm("list")
        self.assertEqual(code, 0, err)
        self.assertEqual(out.splitlines(), [
            "      VMID NAME                 STATUS     MEM(MB)    BOOTDISK(GB) PID       ",
            "       %d clivm                stopped    64                 0.01 0         "
            % VMID])

        code, out, err = yield self.qm("set", str(VMID), "--cores", "2")
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = yield self.qm("config", str(VMID))
        self.assertEqual(code, 0, err)
        lines = out.splitlines()
        self.assertIn("cores: 2", lines)
        self.assertIn("name: clivm", lines)
        self.assertEqual(lines, sorted(lines))
        self.assertFalse([line for line in lines if line.startswith("digest")])

        code, out, err = yield self.qm("status", str(VMID))
        self.assertEqual((code, out), (0, "status: stopped\n"), err)

        code, out, err = yield self.qm("showcmd", str(VMID), "--pretty")
        self.assertEqual(code, 0, err)
        self.assertTrue(out.startswith(QEMU_BINARY + " \\\n  -"), out)
        self.assertIn("-pidfile %s" % runtime.pid_file(self.paths, VMID), out)
        self.assertIn(self.disk(), out)
        code, out, err = yield self.qm("showcmd", str(VMID))
        self.assertEqual(out.count("\n"), 1)

        code, out, err = yield self.qm("destroy", str(VMID))
        self.assertEqual((code, err), (0, ""), out)
        self.assertFalse(os.path.exists(self.disk()))
        code, out, err = yield self.qm("config", str(VMID))
        self.assertEqual(code, 255)
        self.assertIn("Configuration file 'nodes/node1/qemu-server/%d.conf' does not exist"
                      % VMID, err)

    @defer.inlineCallbacks
    def test_unlock_and_cleanup(self):
        self.cfs.write_file("nodes/node1/qemu-server/%d.conf" % VMID,
                            b"lock: backup\nmemory: 64\n")
        code, out, err = yield self.qm("set", str(VMID), "--cores", "2")
        self.assertEqual(code, 255)
        self.assertIn("VM is locked (backup)", err)
        code, out, err = yield self.qm("unlock", str(VMID))
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertEqual(self.cfs.read("nodes/node1/qemu-server/%d.conf" % VMID),
                         b"memory: 64\n")
        os.makedirs(self.paths.join("run/qemu-server"), exist_ok=True)
        pidfile = runtime.pid_file(self.paths, VMID)
        with open(pidfile, "w") as fh:
            fh.write("999999999\n")
        self.cfs.write_file("nodes/node1/qemu-server/%d.conf" % VMID,
                            b"lock: backup\nmemory: 64\n")
        code, out, err = yield self.qm("cleanup", str(VMID), "1", "0")
        self.assertEqual(code, 0, err)
        self.assertFalse(os.path.exists(pidfile))
        self.assertEqual(self.cfs.read("nodes/node1/qemu-server/%d.conf" % VMID),
                         b"memory: 64\n")

    @defer.inlineCallbacks
    def test_start_stop(self):
        if not os.path.exists(QEMU_BINARY):
            raise self.skipTest("no QEMU")
        self.cfs.write_file("nodes/node1/qemu-server/%d.conf" % VMID,
                            b"kvm: 0\nmemory: 64\nname: run\n")
        code, out, err = yield self.qm("start", str(VMID))
        self.assertEqual((code, err), (0, ""), out)
        code, out, err = yield self.qm("status", str(VMID))
        self.assertEqual(out, "status: running\n")
        # --verbose: vmstatus as qm prints it, nested hashes indented by tabs
        code, out, err = yield self.qm("status", str(VMID), "--verbose")
        lines = out.splitlines()
        self.assertIn("name: run", lines)
        self.assertIn("qmpstatus: running", lines)
        self.assertIn("ballooninfo:", lines)
        self.assertIn("\tactual: %d" % (64 << 20), lines)
        self.assertFalse([line for line in lines if line.startswith(("cpu:", "ha:"))])
        code, out, err = yield self.qm("list")
        self.assertIn(" running ", out)
        code, out, err = yield self.qm("stop", str(VMID))
        self.assertEqual((code, err), (0, ""), out)
        code, out, err = yield self.qm("status", str(VMID))
        self.assertEqual(out, "status: stopped\n")
