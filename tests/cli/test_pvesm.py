"""``pvesm`` against a real pmxcfs IPC server under a temporary root (the
API tree: pve.api.tree); volumes are made with the real qemu-img under
that root, and ``free`` runs a real worker process."""

import os

from twisted.internet import defer

from pve.cli import pvesm
from tests.cli.clicase import CLICase


class PvesmTests(CLICase):

    def pvesm(self, *argv):
        return self.run_cli(pvesm, argv, stdin="")

    def storage_cfg(self):
        try:
            return self.cfs.read("storage.cfg").decode()
        except OSError:
            return None

    @defer.inlineCallbacks
    def test_status(self):
        code, out, err = yield self.pvesm("status")
        self.assertEqual((code, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["Name", "Type", "Status", "Total", "(KiB)",
                                            "Used", "(KiB)", "Available", "(KiB)", "%"])
        self.assertEqual(lines[0], "%-6s %10s %10s %15s %15s %15s %8s" % (
            "Name", "Type", "Status", "Total (KiB)", "Used (KiB)", "Available (KiB)", "%"))
        fields = lines[1].split()
        self.assertEqual(fields[:3], ["local", "dir", "active"])
        self.assertTrue(int(fields[3]) > 0)
        self.assertRegex(fields[6], r"^\d+\.\d\d%$")
        # the storage's directories were made under the root
        self.assertTrue(os.path.isdir(self.paths.join("var/lib/vz/template/iso")))

        yield self.pvesm("add", "dir", "off", "--path", "/srv/off", "--disable", "1")
        code, out, err = yield self.pvesm("status")
        self.assertEqual(code, 0)
        self.assertEqual(out.splitlines()[2].split(), ["off", "dir", "disabled", "0", "0",
                                                       "0", "N/A"])
        self.assertFalse(os.path.exists(self.paths.join("srv/off")))
        code, out, err = yield self.pvesm("status", "--storage", "nope")
        self.assertEqual(code, 255)
        self.assertIn("storage: No such storage.", err)

    @defer.inlineCallbacks
    def test_add_set_remove(self):
        code, out, err = yield self.pvesm("add", "dir", "big", "--path", "/srv/big/",
                                          "--content", "images,iso")
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertIn("dir: big\n\tpath /srv/big\n\tcontent images,iso\n\n",
                      self.storage_cfg())
        self.assertTrue(os.path.isdir(self.paths.join("srv/big/images")))
        code, out, err = yield self.pvesm("set", "big", "--content", "backup",
                                          "--nodes", "node1")
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertIn("dir: big\n\tpath /srv/big\n\tcontent backup\n\tnodes node1\n\n",
                      self.storage_cfg())
        code, out, err = yield self.pvesm("set", "big", "--delete", "nodes")
        self.assertEqual(code, 0)
        self.assertNotIn("nodes", self.storage_cfg())
        code, out, err = yield self.pvesm("remove", "big")
        self.assertEqual((code, out, err), (0, "", ""))
        self.assertNotIn("big", self.storage_cfg())

    @defer.inlineCallbacks
    def test_bad_input_changes_nothing(self):
        yield self.pvesm("add", "dir", "big", "--path", "/srv/big")
        before = self.storage_cfg()
        cases = [
            (("add", "dir", "big", "--path", "/srv/other"),
             "create storage failed: storage ID 'big' already defined"),
            (("add", "dir", "x1", "--path", "/srv/a b"),
             "illegal path for directory storage: /srv/a b"),
            (("add", "dir", "x1", "--path", "/srv/x", "--server", "10.0.0.1"),
             "unexpected property 'server'"),
            (("add", "dir", "x1"), "missing value for required option 'path'"),
            (("add", "dir", "x1", "--path", "/srv/x", "--content", "images,bogus"),
             "content: invalid format - invalid content type 'bogus'"),
            (("add", "nfs", "x1", "--server", "10.0.0.1", "--export", "/e"),
             "storage type 'nfs' is not supported"),
            (("add", "dir", "1x", "--path", "/srv/x"), "storage:"),
            (("set", "big", "--digest", "0" * 40, "--content", "iso"),
             "detected modified configuration"),
            (("set", "nope", "--content", "iso"), "storage 'nope' does not exist"),
            (("set", "big", "--delete", "content", "--content", "iso"),
             "cannot set and delete property 'content' at the same time!"),
            (("set", "big", "--delete", "bogus"), "no such option 'bogus'"),
            (("remove", "nope"), "delete storage failed: storage 'nope' does not exist"),
        ]
        for argv, message in cases:
            code, out, err = yield self.pvesm(*argv)
            self.assertEqual(code, 255, argv)
            self.assertIn(message, err, argv)
            self.assertEqual(self.storage_cfg(), before, argv)
        self.assertFalse(os.path.exists(self.paths.join("srv/a b")))
        self.assertFalse(os.path.exists(self.paths.join("srv/x")))
        self.assertEqual(self.cfs.listdir("priv/lock"), [])

    @defer.inlineCallbacks
    def test_alloc_list_path_free(self):
        code, out, err = yield self.pvesm("alloc", "local", "100", "", "1M",
                                          "--format", "qcow2")
        self.assertEqual((code, out, err),
                         (0, "successfully created 'local:100/vm-100-disk-0.qcow2'\n", ""))
        code, out, err = yield self.pvesm("alloc", "local", "100",
                                          "vm-100-disk-1.raw", "2")
        self.assertEqual(out, "successfully created 'local:100/vm-100-disk-1.raw'\n")
        iso = self.paths.join("var/lib/vz/template/iso/debian.iso")
        with open(iso, "wb") as f:
            f.write(b"x" * 100)
        code, out, err = yield self.pvesm("list", "local")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, (
            "Volid                         Format  Type         Size VMID\n"
            "local:100/vm-100-disk-0.qcow2 qcow2   images    1048576 100\n"
            "local:100/vm-100-disk-1.raw   raw     images       2048 100\n"
            "local:iso/debian.iso          iso     iso           100\n"))
        code, out, err = yield self.pvesm("list", "local", "--content", "iso")
        self.assertEqual(len(out.splitlines()), 2)
        code, out, err = yield self.pvesm("list", "local", "--vmid", "100")
        self.assertEqual(len(out.splitlines()), 3)
        code, out, err = yield self.pvesm("path", "local:100/vm-100-disk-1.raw")
        self.assertEqual((code, out, err), (
            0, self.paths.join("var/lib/vz/images/100/vm-100-disk-1.raw") + "\n", ""))
        code, out, err = yield self.pvesm("free", "local:100/vm-100-disk-1.raw")
        self.assertEqual((code, out, err),
                         (0, "Removed volume 'local:100/vm-100-disk-1.raw'\n", ""))
        self.assertFalse(os.path.exists(
            self.paths.join("var/lib/vz/images/100/vm-100-disk-1.raw")))
        # as Proxmox, a missing image is only a warning in the task's output
        code, out, err = yield self.pvesm("free", "local:100/vm-100-disk-1.raw")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, "disk image '%s' does not exist\n"
                              "Removed volume 'local:100/vm-100-disk-1.raw'\n"
                         % self.paths.join("var/lib/vz/images/100/vm-100-disk-1.raw"))
        # a failing task: its error on stderr, exit code 255
        backup = self.paths.join("var/lib/vz/dump/vzdump-qemu-100-2024_01_02-03_04_05.vma")
        for name in (backup, backup + ".protected"):
            with open(name, "wb"):
                pass
        volid = "local:backup/vzdump-qemu-100-2024_01_02-03_04_05.vma"
        code, out, err = yield self.pvesm("free", volid)
        self.assertEqual((code, out), (255, ""))
        self.assertEqual(err, "cannot remove protected volume "
                              "'backup/vzdump-qemu-100-2024_01_02-03_04_05.vma' on 'local'\n")
        self.assertTrue(os.path.exists(backup))

    @defer.inlineCallbacks
    def test_volume_errors(self):
        code, out, err = yield self.pvesm("alloc", "local", "100", "vm-100-disk-0.raw",
                                          "1T")
        self.assertEqual(code, 255)
        self.assertIn("size: value does not match the regex pattern", err)
        code, out, err = yield self.pvesm("alloc", "local", "100", "vm-100-disk-0.raw",
                                          "1", "--format", "qcow2")
        self.assertEqual(code, 255)
        self.assertIn("format: different storage formats (qcow2 != raw)", err)
        code, out, err = yield self.pvesm("alloc", "nope", "100", "", "1")
        self.assertEqual(code, 255)
        self.assertIn("storage 'nope' does not exist", err)
        self.assertFalse(os.path.exists(self.paths.join("var/lib/vz/images")))
        yield self.pvesm("alloc", "local", "100", "vm-100-disk-0.raw", "1")
        code, out, err = yield self.pvesm("alloc", "local", "100", "vm-100-disk-0.raw",
                                          "1")
        self.assertEqual(code, 255)
        self.assertIn("already exists", err)
        code, out, err = yield self.pvesm("free", "local:100/nothing")
        self.assertEqual(code, 255)
        self.assertIn("unable to parse volume filename 'nothing'", err)
        code, out, err = yield self.pvesm("free", "vm-100-disk-0.raw")
        self.assertEqual(code, 255)
        self.assertIn("volume: no storage specified - incomplete volume ID", err)
        code, out, err = yield self.pvesm("path", "nothing")
        self.assertEqual(code, 255)
        self.assertIn("volume: invalid format - unable to parse volume ID 'nothing'", err)
        code, out, err = yield self.pvesm("list", "local")
        self.assertEqual([line.split()[0] for line in out.splitlines()],
                         ["Volid", "local:100/vm-100-disk-0.raw"])
