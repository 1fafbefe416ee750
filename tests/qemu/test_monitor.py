"""The full VM status (status/current with its QMP counters), the monitor
endpoint and ``qm monitor``, against a real QEMU (TCG) started by a real
worker task."""

import io
import os
import signal

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.api import rest
from pve.api.auth import Auth
from pve.api.schema import APIError
from pve.cli import qm
from pve.qemu import runtime
from pve.qemu.command import QEMU_BINARY
from tests.api.test_endpoints_qemu import QemuCase
from tests.polling import poll
from tests.qemu.test_runtime import kill_vm

VMID = 175
BASE = "/nodes/node1/qemu/%d" % VMID
CONF = "nodes/node1/qemu-server/%d.conf" % VMID
USERS = ("user:auditor@pve:1:0::::::\n"
         "user:admin@pve:1:0::::::\n"
         "user:nobody@pve:1:0::::::\n"
         "acl:1:/vms/%d:auditor@pve:PVEAuditor:\n"
         "acl:1:/:admin@pve:Administrator:\n" % VMID)


class MonitorCase(QemuCase):

    def setUp(self):
        QemuCase.setUp(self)
        self.addCleanup(kill_vm, self.node.paths, VMID)
        images = self.node.paths.join("var/lib/vz/images/%d" % VMID)
        os.makedirs(images)
        with open(os.path.join(images, "vm-%d-disk-0.raw" % VMID), "wb") as fh:
            fh.truncate(1 << 20)
        self.node.write(CONF, "kvm: 0\nmemory: 64\nname: mon\n"
                        "ide0: local:%d/vm-%d-disk-0.raw,size=1M\n" % (VMID, VMID))
        self.node.write("user.cfg", USERS)

    def start_vm(self):
        if not os.path.exists(QEMU_BINARY):
            raise unittest.SkipTest("no QEMU")
        return self.task("POST", BASE + "/status/start")

    def as_user(self, user, method, path, params=None):
        """A call as pvedaemon runs it: declared permissions first."""
        return rest.handle(self.node.registry, self.env(user), Auth(user),
                           method, path, params or {})

    def monitor(self, command, user="root@pam"):
        return self.as_user(user, "POST", BASE + "/monitor", {"command": command})

    @defer.inlineCallbacks
    def qmpstatus(self):
        status = yield self.call("GET", BASE + "/status/current")
        return status["qmpstatus"]


class StatusTests(MonitorCase):

    @defer.inlineCallbacks
    def test_stopped(self):
        status = yield self.call("GET", BASE + "/status/current")
        self.assertEqual((status["status"], status["qmpstatus"]), ("stopped", "stopped"))
        self.assertEqual((status["cpu"], status["mem"], status["diskread"],
                          status["netin"], status["uptime"]), (0, 0, 0, 0, 0))
        self.assertEqual(status["maxmem"], 64 << 20)
        for key in ("blockstat", "ballooninfo", "pid", "running-qemu"):
            self.assertNotIn(key, status)

    @defer.inlineCallbacks
    def test_running_counters(self):
        yield self.start_vm()

        def disk_was_read():
            d = self.call("GET", BASE + "/status/current")
            return d.addCallback(
                lambda s: s if s.get("blockstat", {}).get("ide0", {}).get("rd_bytes") else None)
        status = yield poll(disk_was_read, "the BIOS reading the boot disk", attempts=300)
        self.assertEqual((status["status"], status["qmpstatus"]), ("running", "running"))
        self.assertGreater(status["diskread"], 0)
        self.assertEqual(status["diskread"],
                         sum(s["rd_bytes"] for s in status["blockstat"].values()))
        self.assertIn("wr_operations", status["blockstat"]["ide0"])
        self.assertIsInstance(status["cpu"], (int, float))
        self.assertGreaterEqual(status["cpu"], 0)
        self.assertGreater(status["mem"], 0)
        self.assertEqual(status["ballooninfo"]["actual"], 64 << 20)
        self.assertEqual(status["balloon"], 64 << 20)
        self.assertRegex(status["running-qemu"], r"^\d+\.\d+\.\d+$")
        self.assertTrue(status["running-machine"].startswith("pc"), status["running-machine"])
        self.assertEqual(status["ha"], {"managed": 0})

        # CPU use shows once samples are far enough apart (1000 host-CPU
        # ticks: 5 s on two CPUs at 100 Hz)
        def cpu_used():
            d = self.call("GET", BASE + "/status/current")
            return d.addCallback(lambda s: s["cpu"] > 0 and s)
        status = yield poll(cpu_used, "a CPU share above 0", attempts=400)
        self.assertLessEqual(status["cpu"], 2)

        # the list: the cheap part only, no monitor round
        listed = yield self.call("GET", "/nodes/node1/qemu")
        entry = [e for e in listed if e["vmid"] == VMID][0]
        self.assertEqual((entry["status"], entry["pid"]), ("running", status["pid"]))
        self.assertGreater(entry["mem"], 0)
        self.assertNotIn("blockstat", entry)
        self.assertNotIn("ballooninfo", entry)

    @defer.inlineCallbacks
    def test_unresponsive_monitor(self):
        """A QEMU that does not answer: status/current still answers, in
        a few seconds, with what the host knows."""
        yield self.start_vm()
        pid = runtime.check_running(self.node.paths, VMID)
        os.kill(pid, signal.SIGSTOP)
        self.addCleanup(lambda: runtime.check_running(self.node.paths, VMID)
                        and os.kill(pid, signal.SIGCONT))
        started = reactor.seconds()
        status = yield self.call("GET", BASE + "/status/current")
        self.assertLess(reactor.seconds() - started, 10)
        self.assertEqual((status["status"], status["qmpstatus"], status["pid"]),
                         ("running", "running", pid))
        self.assertGreater(status["mem"], 0)
        self.assertNotIn("blockstat", status)


class MonitorTests(MonitorCase):

    @defer.inlineCallbacks
    def test_not_running(self):
        """As Proxmox: the failure is the answer (200), nothing runs."""
        result = yield self.monitor("info status")
        self.assertEqual((result.status, result.data),
                         (200, "ERROR: VM %d not running\n" % VMID))

    @defer.inlineCallbacks
    def test_missing_vm_and_bad_command(self):
        result = yield self.as_user("root@pam", "POST", "/nodes/node1/qemu/176/monitor",
                                    {"command": "info status"})
        self.assertEqual(result.status, 500)
        error = yield self.assertFailure(
            self.call("POST", BASE + "/monitor", {"command": "   "}), APIError)
        self.assertEqual(error.message, "unexpected command '   '\n")

    @defer.inlineCallbacks
    def test_commands_and_permissions(self):
        yield self.start_vm()
        result = yield self.monitor("info status")
        self.assertEqual(result.status, 200)
        self.assertRegex(result.data, r"^VM status: (running|paused)")

        # info needs no more than access to the VM
        result = yield self.monitor("info status", "auditor@pve")
        self.assertEqual(result.status, 200)
        self.assertIn("VM status: running", result.data)
        result = yield self.monitor("info status", "nobody@pve")
        self.assertEqual(result.status, 403)

        # 'stop' needs Sys.Modify on /: refused, the VM keeps running
        result = yield self.monitor("stop", "auditor@pve")
        self.assertEqual(result.status, 403)
        self.assertEqual((yield self.qmpstatus()), "running")
        result = yield self.monitor("stop", "admin@pve")
        self.assertEqual((result.status, result.data), (200, ""))
        self.assertEqual((yield self.qmpstatus()), "paused")
        result = yield self.monitor("cont", "admin@pve")
        self.assertEqual((yield self.qmpstatus()), "running")

        # root-only and unknown commands
        result = yield self.monitor("device_add e1000,id=x", "admin@pve")
        self.assertEqual((result.status, result.message),
                         (500, "root-only command 'device_add'\n"))
        result = yield self.monitor("frobnicate", "admin@pve")
        self.assertEqual(result.status, 500)
        self.assertEqual(result.message, "command 'frobnicate' non-existent or not assigned"
                         " a required permission yet, limiting to root user\n")
        result = yield self.monitor("frobnicate")
        self.assertEqual((result.status, result.data),
                         (200, "unknown command: 'frobnicate'\r\n"))

    @defer.inlineCallbacks
    def qm(self, stdin, *argv):
        out, err = io.StringIO(), io.StringIO()
        code = yield qm.run(reactor, list(argv), registry=self.node.registry,
                            paths=self.node.paths, nodename="node1", out=out, err=err,
                            stdin=io.StringIO(stdin), columns=None, utf8=False)
        return code, out.getvalue(), err.getvalue()

    @defer.inlineCallbacks
    def test_qm_monitor(self):
        yield self.start_vm()
        code, out, err = yield self.qm("info status\n\nquit\ninfo version\n",
                                       "monitor", str(VMID))
        self.assertEqual((code, err), (0, ""))
        banner = "Entering QEMU Monitor for VM %d - type 'help' for help\n" % VMID
        # the blank line prompts again; quit ends before 'info version'
        self.assertEqual(out, banner + "qm> VM status: running\r\nqm> qm> ")

    @defer.inlineCallbacks
    def test_qm_monitor_not_running_and_eof(self):
        code, out, err = yield self.qm("info status\n", "monitor", str(VMID))
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, "Entering QEMU Monitor for VM %d - type 'help' for help\n"
                              "qm> ERROR: VM %d not running\nqm> " % (VMID, VMID))
        code, out, err = yield self.qm("", "monitor", "176")
        self.assertEqual((code, out), (255, ""))
        self.assertEqual(err, "Configuration file "
                              "'nodes/node1/qemu-server/176.conf' does not exist\n")
