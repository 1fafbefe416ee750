"""PUT /nodes/{node}/qemu/{vmid}/resize and POST .../clone with real worker
processes, real qemu-img and a real QEMU (TCG) for running VMs; ``qm
resize`` and ``qm clone`` through the command table."""

import json
import os
import re
import subprocess

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.api import rest
from pve.api.auth import Auth
from pve.api.schema import APIError
from pve.cli import qm
from pve.daemon import tasklog, workers
from pve.qemu import qmp, resize, runtime
from pve.qemu.command import QEMU_BINARY
from pve.storage import dirstore
from pve.storage.config import default_local
from tests.api.test_endpoints_qemu import QemuCase
from tests.cli.clicase import CLICase
from tests.qemu.test_runtime import kill_vm

VMID, NEWID = 170, 171
BASE = "/nodes/node1/qemu"
MiB = 1024 * 1024
# what "local:0.01" allocates: 0.01 GiB in whole KiB
DISK = 10485 * 1024


def conf_path(vmid):
    return "nodes/node1/qemu-server/%d.conf" % vmid


def qemu_info(path):
    done = subprocess.run([dirstore.QEMU_IMG, "info", "--output=json", "-U", path],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def need_qemu():
    if not os.path.exists(QEMU_BINARY):
        raise unittest.SkipTest("no QEMU")


class PureTests(unittest.TestCase):

    def test_new_size(self):
        for text, size in [("+1G", 10 * MiB + (1 << 30)), ("10M", 10 * MiB),
                           ("+0.5M", 10 * MiB + MiB // 2), ("1.5G", 3 << 29),
                           ("+1", 10 * MiB + 1), ("10485760", 10 * MiB)]:
            self.assertEqual(resize.new_size(text, 10 * MiB), size, text)
        for text in ("9M", "0"):
            with self.assertRaises(resize.ResizeError) as caught:
                resize.new_size(text, 10 * MiB)
            self.assertEqual(str(caught.exception), "shrinking disks is not supported")
        self.assertEqual([resize.padded(n) for n in (0, 1, 1024, 1025)], [0, 1024, 1024, 2048])

    def test_clone_image_needs_a_base(self):
        from tests.cluster.test_client import make_root
        paths = make_root(self)
        local = dirstore.open_storage({"local": default_local()}, "local", paths=paths,
                                      node="node1")
        volid = dirstore.alloc(local, VMID, "raw", None, 64)
        with self.assertRaises(dirstore.StorageError) as caught:
            dirstore.clone_image(local, volid, NEWID)
        self.assertEqual(str(caught.exception), "clone_image only works on base images")
        self.assertFalse(os.path.exists(paths.join("var/lib/vz/images/%d" % NEWID)))


class Case(QemuCase):

    def setUp(self):
        QemuCase.setUp(self)
        self.addCleanup(kill_vm, self.node.paths, NEWID)

    def image(self, vmid, name):
        return self.node.paths.join("var/lib/vz/images/%d/%s" % (vmid, name))

    def images(self, vmid):
        try:
            return sorted(os.listdir(self.node.paths.join("var/lib/vz/images/%d" % vmid)))
        except FileNotFoundError:
            return []

    def config(self, vmid):
        return self.call("GET", "%s/%d/config" % (BASE, vmid))

    def create(self, **extra):
        params = {"vmid": VMID, "name": "src", "memory": "64", "kvm": "0",
                  "scsi0": "local:0.01"}
        params.update(extra)
        return self.task("POST", BASE, params)

    @defer.inlineCallbacks
    def failed_task(self, method, path, params):
        """The task's error status (it must fail)."""
        upid = yield self.call(method, path, params)
        status = yield workers.worker_ended(upid)
        self.assertNotEqual(status, "OK")
        return status

    def task_log(self, upid):
        with open(tasklog.log_path(self.node.paths, upid)) as fh:
            return fh.read()

    def qmp(self, vmid, command, arguments=None):
        return qmp.runCommand(reactor, runtime.qmp_socket(self.node.paths, vmid), command,
                              arguments)

    @defer.inlineCallbacks
    def block_device(self, vmid, device):
        blocks = yield self.qmp(vmid, "query-block")
        [block] = [b for b in blocks if b["device"] == device]
        return block


class ResizeTests(Case):

    def disk(self):
        return self.image(VMID, "vm-%d-disk-0.raw" % VMID)

    @defer.inlineCallbacks
    def test_resize_stopped(self):
        yield self.create()
        upid = yield self.task("PUT", "%s/%d/resize" % (BASE, VMID),
                               {"disk": "scsi0", "size": "+1M"})
        self.assertEqual(upid.split(":")[5:7], ["resize", str(VMID)])
        self.assertEqual(qemu_info(self.disk())["virtual-size"], DISK + MiB)
        conf = yield self.config(VMID)
        self.assertEqual(conf["scsi0"], "local:%d/vm-%d-disk-0.raw,size=%dK"
                         % (VMID, VMID, (DISK + MiB) // 1024))
        entries = yield self.call("GET", "/cluster/log")
        self.assertIn(("root@pam", "update VM %d: resize --disk scsi0 --size +1M" % VMID),
                      [(e.get("user"), e.get("msg")) for e in entries])
        # an absolute size, with the digest of the current config
        yield self.task("PUT", "%s/%d/resize" % (BASE, VMID),
                        {"disk": "scsi0", "size": "20M", "digest": conf["digest"]})
        self.assertEqual(qemu_info(self.disk())["virtual-size"], 20 * MiB)
        conf = yield self.config(VMID)
        self.assertTrue(conf["scsi0"].endswith(",size=20M"), conf["scsi0"])

    @defer.inlineCallbacks
    def test_refusals_change_nothing(self):
        yield self.create(ide2="none,media=cdrom")
        before = self.node.read(conf_path(VMID))
        path = "%s/%d/resize" % (BASE, VMID)
        for params, message in [
            ({"disk": "scsi0", "size": "1M"}, "shrinking disks is not supported"),
            ({"disk": "scsi3", "size": "+1M"}, "disk 'scsi3' does not exist"),
            ({"disk": "scsi0", "size": "+1M", "digest": "0" * 40},
             "checksum mismatch (file change by other user?)"),
        ]:
            status = yield self.failed_task("PUT", path, params)
            self.assertEqual(status, message)
            self.assertEqual(self.node.read(conf_path(VMID)), before)
            self.assertEqual(qemu_info(self.disk())["virtual-size"], DISK)
        # a CD-ROM drive is no disk to grow
        self.node.write(conf_path(VMID), before.replace(
            "ide2: none,media=cdrom", "ide2: local:iso/x.iso,media=cdrom"))
        status = yield self.failed_task("PUT", path, {"disk": "ide2", "size": "+1M"})
        self.assertEqual(status, "you can't resize a cdrom")
        self.node.write(conf_path(VMID), before)
        # sizes the schema refuses never start a task
        for size in ("-1M", "1X", "+", "1,5G"):
            error = yield self.assertFailure(
                self.call("PUT", path, {"disk": "scsi0", "size": size}), APIError)
            self.assertEqual((error.code, list(error.errors)), (400, ["size"]))
        error = yield self.assertFailure(
            self.call("PUT", path, {"disk": "scsi0", "size": "+1M", "skiplock": 1},
                      user="alice@pve"), APIError)
        self.assertEqual(error.errors, {"skiplock": "Only root may use this option."})
        self.assertEqual(self.node.read(conf_path(VMID)), before)
        self.assertEqual(qemu_info(self.disk())["virtual-size"], DISK)

    @defer.inlineCallbacks
    def test_resize_running(self):
        need_qemu()
        yield self.create()
        yield self.task("POST", "%s/%d/status/start" % (BASE, VMID))
        block = yield self.block_device(VMID, "drive-scsi0")
        self.assertEqual(block["inserted"]["image"]["virtual-size"], DISK)
        yield self.task("PUT", "%s/%d/resize" % (BASE, VMID),
                        {"disk": "scsi0", "size": "+2M"})
        block = yield self.block_device(VMID, "drive-scsi0")
        self.assertEqual(block["inserted"]["image"]["virtual-size"], DISK + 2 * MiB)
        self.assertEqual(qemu_info(self.disk())["virtual-size"], DISK + 2 * MiB)
        conf = yield self.config(VMID)
        self.assertTrue(conf["scsi0"].endswith(",size=%dK" % ((DISK + 2 * MiB) // 1024)))
        status = yield self.call("GET", "%s/%d/status/current" % (BASE, VMID))
        self.assertEqual(status["status"], "running")


class CloneTests(Case):

    def clone(self, params=None, vmid=VMID):
        params = dict(params or {})
        params.setdefault("newid", NEWID)
        return self.task("POST", "%s/%d/clone" % (BASE, vmid), params)

    def template(self):
        """VM 170 as a template with a base image (what ``qm template``
        leaves): 8 MiB raw with a mark at its start."""
        local = dirstore.open_storage({"local": default_local()}, "local",
                                      paths=self.node.paths, node="node1")
        volid = dirstore.alloc(local, VMID, "raw", "base-%d-disk-0.raw" % VMID, 8192)
        with open(dirstore.path(local, volid), "r+b") as fh:
            fh.write(b"TEMPLATE-MARK")
        self.node.write(conf_path(VMID), "name: tpl\nmemory: 64\ntemplate: 1\n"
                        "scsi0: %s,size=8M\nsmbios1: uuid=%s\n"
                        % (volid, "6b9b6a0e-2b53-4a84-9d5a-3f6f3f0e4a11"))
        return volid

    @defer.inlineCallbacks
    def test_full_clone_stopped(self):
        yield self.create(net0="virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1",
                          ide2="none,media=cdrom")
        self.node.write(conf_path(VMID), self.node.read(conf_path(VMID))
                        + "ide0: local:%d/vm-%d-cloudinit.qcow2,media=cdrom\n" % (VMID, VMID))
        source_before = self.node.read(conf_path(VMID))
        src = yield self.config(VMID)
        with open(self.image(VMID, "vm-%d-disk-0.raw" % VMID), "r+b") as fh:
            fh.write(b"SOURCE-MARK")
        upid = yield self.clone()
        self.assertEqual(upid.split(":")[5:7], ["qmclone", str(VMID)])
        log = self.task_log(upid)
        self.assertIn("create full clone of drive scsi0 (local:%d/vm-%d-disk-0.raw)"
                      % (VMID, VMID), log)
        self.assertIn("transferred ", log)
        new = yield self.config(NEWID)
        self.assertEqual(new["name"], "Copy-of-VM-src")
        self.assertEqual(new["scsi0"], "local:%d/vm-%d-disk-0.raw,size=10485K"
                         % (NEWID, NEWID))
        self.assertEqual(new["ide2"], "none,media=cdrom")
        # a new, empty cloud-init drive (Proxmox fills it at start)
        self.assertEqual(new["ide0"], "local:%d/vm-%d-cloudinit.qcow2,media=cdrom,size=4M"
                         % (NEWID, NEWID))
        self.assertEqual(self.images(NEWID), ["vm-%d-cloudinit.qcow2" % NEWID,
                                              "vm-%d-disk-0.raw" % NEWID])
        self.assertNotIn("lock", new)
        for key in ("smbios1", "vmgenid"):
            self.assertTrue(src[key])
            self.assertNotEqual(new[key], src[key])
        self.assertRegex(new["smbios1"], r"^uuid=[0-9a-f-]{36}$")
        mac = re.match(r"virtio=([0-9A-F:]{17}),bridge=vmbr0,firewall=1$", new["net0"])
        self.assertTrue(mac, new["net0"])
        self.assertNotEqual(mac.group(1), "BC:24:11:00:00:01")
        self.assertTrue(mac.group(1).startswith("BC:24:11:"))
        # an independent copy of the data
        copy = self.image(NEWID, "vm-%d-disk-0.raw" % NEWID)
        with open(copy, "rb") as fh:
            self.assertEqual(fh.read(11), b"SOURCE-MARK")
        with open(copy, "r+b") as fh:
            fh.write(b"CHANGED")
        with open(self.image(VMID, "vm-%d-disk-0.raw" % VMID), "rb") as fh:
            self.assertEqual(fh.read(11), b"SOURCE-MARK")
        self.assertEqual(self.node.read(conf_path(VMID)), source_before)

        # another clone with its own name, into qcow2
        yield self.clone({"newid": NEWID + 1, "name": "named", "format": "qcow2",
                          "description": "a copy"})
        self.addCleanup(kill_vm, self.node.paths, NEWID + 1)
        new = yield self.config(NEWID + 1)
        self.assertEqual((new["name"], new["description"]), ("named", "a copy"))
        self.assertEqual(new["scsi0"], "local:%d/vm-%d-disk-0.qcow2,size=10485K"
                         % (NEWID + 1, NEWID + 1))
        info = qemu_info(self.image(NEWID + 1, "vm-%d-disk-0.qcow2" % (NEWID + 1)))
        self.assertEqual((info["format"], info["virtual-size"]), ("qcow2", DISK))

    @defer.inlineCallbacks
    def test_linked_clone_from_template(self):
        base = self.template()
        upid = yield self.clone()
        self.assertIn("create linked clone of drive scsi0 (%s)" % base, self.task_log(upid))
        new = yield self.config(NEWID)
        self.assertEqual(new["scsi0"], "local:%d/base-%d-disk-0.raw/%d/vm-%d-disk-0.qcow2,"
                         "size=8M" % (VMID, VMID, NEWID, NEWID))
        self.assertNotIn("template", new)
        self.assertEqual(new["name"], "Copy-of-VM-tpl")
        info = qemu_info(self.image(NEWID, "vm-%d-disk-0.qcow2" % NEWID))
        self.assertEqual(info["backing-filename"], "../%d/base-%d-disk-0.raw" % (VMID, VMID))
        self.assertEqual(info["backing-filename-format"], "raw")
        # the base cannot go while the clone uses it
        content = yield self.call("GET", "/nodes/node1/storage/local/content",
                                  {"vmid": NEWID})
        self.assertEqual([c["volid"] for c in content],
                         ["local:%d/base-%d-disk-0.raw/%d/vm-%d-disk-0.qcow2"
                          % (VMID, VMID, NEWID, NEWID)])

        # storage and format only for full clones
        for params, message in [({"storage": "local"}, "parameter 'storage' not allowed "
                                 "for linked clones"),
                                ({"format": "raw"}, "parameter 'format' not allowed for "
                                 "linked clones")]:
            params["newid"] = NEWID + 1
            error = yield self.assertFailure(
                self.call("POST", "%s/%d/clone" % (BASE, VMID), params), APIError)
            self.assertEqual(error.message, message + "\n")

        # a full clone of the template has no backing file
        yield self.clone({"newid": NEWID + 1, "full": 1})
        self.addCleanup(kill_vm, self.node.paths, NEWID + 1)
        copy = self.image(NEWID + 1, "vm-%d-disk-0.raw" % (NEWID + 1))
        self.assertNotIn("backing-filename", qemu_info(copy))
        with open(copy, "rb") as fh:
            self.assertEqual(fh.read(13), b"TEMPLATE-MARK")

    @defer.inlineCallbacks
    def test_refused_clones_change_nothing(self):
        yield self.create()
        self.node.write(conf_path(NEWID), "memory: 32\n")
        self.node.write("storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent images,iso\n"
                        "\ndir: isos\n\tpath /var/lib/isos\n\tcontent iso\n")
        source = self.node.read(conf_path(VMID))
        path = "%s/%d/clone" % (BASE, VMID)
        for params, message in [
            ({"newid": NEWID}, "unable to create VM %d: config file already exists" % NEWID),
            ({"newid": VMID}, "unable to create VM %d: config file already exists" % VMID),
            ({"newid": NEWID + 1, "full": 0}, "Linked clone feature is not supported for "
             "'local:%d/vm-%d-disk-0.raw' (scsi0)" % (VMID, VMID)),
            ({"newid": NEWID + 1, "target": "node2"}, "can't clone VM to node 'node2' - "
             "cloning to another node is not supported on this node"),
            ({"newid": NEWID + 1, "snapname": "snap1"}, "snapshot 'snap1' does not exist"),
            ({"newid": NEWID + 1, "storage": "nope"}, "storage 'nope' does not exist"),
        ]:
            error = yield self.assertFailure(self.call("POST", path, params), APIError)
            self.assertEqual(error.message, message + "\n")
            self.assertEqual(self.node.read(conf_path(NEWID)), "memory: 32\n")
            self.assertEqual(self.node.read(conf_path(VMID)), source)
            self.assertEqual(self.images(NEWID), [])
            self.assertEqual(self.images(NEWID + 1), [])
            with self.assertRaises(OSError):
                self.node.cfs.read(conf_path(NEWID + 1))
        error = yield self.assertFailure(
            self.call("POST", path, {"newid": NEWID + 1, "storage": "isos"}), APIError)
        self.assertEqual((error.code, error.errors), (400, {
            "storage": "storage 'isos' does not support vm images"}))
        with self.assertRaises(OSError):
            self.node.cfs.read(conf_path(NEWID + 1))

    @defer.inlineCallbacks
    def test_failure_cleans_up(self):
        """The second disk's image is missing: the first disk's copy and
        the new config are removed again."""
        yield self.create()
        source = self.node.read(conf_path(VMID))
        self.node.write(conf_path(VMID), source + "scsi1: local:%d/vm-%d-disk-1.raw,"
                        "size=1M\n" % (VMID, VMID))
        status = yield self.failed_task("POST", "%s/%d/clone" % (BASE, VMID),
                                        {"newid": NEWID})
        self.assertEqual(status, "clone failed: volume 'local:%d/vm-%d-disk-1.raw' does not "
                         "exist" % (VMID, VMID))
        self.assertEqual(self.images(NEWID), [])
        with self.assertRaises(OSError):
            self.node.cfs.read(conf_path(NEWID))

    @defer.inlineCallbacks
    def test_permissions(self):
        """VM.Clone and VM.Allocate are not enough: the disks need space."""
        yield self.create()
        self.node.write("user.cfg", "user:bob@pve:1:0::::::\n"
                        "acl:1:/vms:bob@pve:PVEVMAdmin:\n")
        result = yield rest.handle(self.node.registry, self.env("bob@pve"), Auth("bob@pve"),
                                   "POST", "%s/%d/clone" % (BASE, VMID), {"newid": NEWID})
        self.assertEqual((result.status, result.message),
                         (403, "Permission check failed (/storage/local, "
                          "Datastore.AllocateSpace)"))
        self.node.write("user.cfg", "user:bob@pve:1:0::::::\n"
                        "acl:1:/vms:bob@pve:PVEVMAdmin:\n"
                        "acl:1:/storage:bob@pve:PVEDatastoreUser:\n")
        result = yield rest.handle(self.node.registry, self.env("bob@pve"), Auth("bob@pve"),
                                   "POST", "%s/%d/clone" % (BASE, VMID), {"newid": NEWID})
        self.assertEqual(result.status, 200)
        self.assertEqual((yield workers.worker_ended(result.data)), "OK")

    @defer.inlineCallbacks
    def test_full_clone_running(self):
        """drive-mirror into the new image; the VM keeps its own disk and
        keeps running."""
        need_qemu()
        yield self.create()
        source = self.image(VMID, "vm-%d-disk-0.raw" % VMID)
        with open(source, "r+b") as fh:
            fh.write(b"RUNNING-MARK")
        yield self.task("POST", "%s/%d/status/start" % (BASE, VMID))
        upid = yield self.clone({"format": "qcow2"})
        log = self.task_log(upid)
        self.assertIn("drive mirror is starting for drive-scsi0", log)
        self.assertIn("all 'mirror' jobs are ready", log)
        new = yield self.config(NEWID)
        self.assertEqual(new["scsi0"], "local:%d/vm-%d-disk-0.qcow2,size=10485K"
                         % (NEWID, NEWID))
        copy = self.image(NEWID, "vm-%d-disk-0.qcow2" % NEWID)
        done = subprocess.run([dirstore.QEMU_IMG, "compare", "-U", "-f", "raw", "-F", "qcow2",
                               source, copy], capture_output=True, text=True)
        self.assertEqual(done.returncode, 0, done.stdout + done.stderr)
        block = yield self.block_device(VMID, "drive-scsi0")
        self.assertEqual(block["inserted"]["file"], source)
        jobs = yield self.qmp(VMID, "query-block-jobs")
        self.assertEqual(jobs, [])
        status = yield self.call("GET", "%s/%d/status/current" % (BASE, VMID))
        self.assertEqual((status["status"], status["qmpstatus"]), ("running", "running"))


class QmTests(CLICase):
    timeout = 120

    def setUp(self):
        CLICase.setUp(self)
        for vmid in (180, 181):
            self.addCleanup(kill_vm, self.paths, vmid)

    def qm(self, *argv):
        return self.run_cli(qm, argv, stdin="")

    @defer.inlineCallbacks
    def test_resize_and_clone(self):
        code, out, err = yield self.qm("create", "180", "--name", "clivm", "--memory", "64",
                                       "--scsi0", "local:0.01")
        self.assertEqual((code, err), (0, ""), out)
        code, out, err = yield self.qm("resize", "180", "scsi0", "+1M")
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = yield self.qm("config", "180")
        self.assertIn("scsi0: local:180/vm-180-disk-0.raw,size=11509K\n", out)
        code, out, err = yield self.qm("resize", "180", "scsi0", "1M")
        self.assertEqual((code, err), (255, "shrinking disks is not supported\n"))
        code, out, err = yield self.qm("clone", "180", "181", "--name", "copy", "--full")
        self.assertEqual((code, err), (0, ""), out)
        self.assertIn("create full clone of drive scsi0 (local:180/vm-180-disk-0.raw)", out)
        code, out, err = yield self.qm("config", "181")
        self.assertIn("name: copy\n", out)
        self.assertIn("scsi0: local:181/vm-181-disk-0.raw,size=11509K\n", out)
