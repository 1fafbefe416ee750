"""Volume IDs and dir volume names (cases from pve-storage's own tests)."""

import os
import time

from hypothesis import given, strategies as st
from twisted.trial import unittest

from pve.storage.config import StorageError
from pve.storage.volumes import (VTYPE_SUBDIRS, VolName, archive_info,
                                 classify_file, filesystem_path,
                                 get_next_vm_diskname, parse_name_dir,
                                 parse_vmid, parse_volname, parse_volume_id,
                                 subdir)

V = "1234"


def image(name, fmt, vmid=V, basename=None, basevmid=None, isbase=False):
    return VolName("images", name, vmid, basename, basevmid, isbase, fmt)


def file(vtype, name, vmid=None, fmt="raw"):
    return VolName(vtype, name, vmid, None, None, False, fmt)


class VolumeIdTests(unittest.SynchronousTestCase):

    def test_parse(self):
        self.assertEqual(parse_volume_id("local:100/vm-100-disk-0.qcow2"),
                         ("local", "100/vm-100-disk-0.qcow2"))
        self.assertEqual(parse_volume_id("My.Store-1:iso/a:b.iso"),
                         ("My.Store-1", "iso/a:b.iso"))

    def test_bad(self):
        for volid in ("local", "local:", ":x", "1local:x", "local-:x", "",
                      None, "lo cal:x"):
            error = self.assertRaises(StorageError, parse_volume_id, volid)
            self.assertEqual(str(error),
                             "unable to parse volume ID '%s'" % (volid,))

    def test_vmid(self):
        self.assertEqual(parse_vmid("100"), 100)
        self.assertEqual(parse_vmid(100), 100)
        error = self.assertRaises(StorageError, parse_vmid, "10a")
        self.assertEqual(str(error), "VMID '10a' contains illegal characters")


class ParseVolnameTests(unittest.SynchronousTestCase):

    def check(self, volname, expected):
        if isinstance(expected, str):
            error = self.assertRaises(StorageError, parse_volname, volname)
            self.assertEqual(str(error), expected)
        else:
            self.assertEqual(parse_volname(volname), expected)

    def test_images(self):
        for fmt in ("raw", "qcow2", "vmdk"):
            self.check("%s/vm-%s-disk-1.%s" % (V, V, fmt),
                       image("vm-%s-disk-1.%s" % (V, fmt), fmt))
            self.check("%s/base-%s-disk-0.%s/%s/vm-%s-disk-0.%s"
                       % (V, V, fmt, V, V, fmt),
                       image("vm-%s-disk-0.%s" % (V, fmt), fmt,
                             basename="base-%s-disk-0.%s" % (V, fmt),
                             basevmid=V))
            self.check("%s/base-%s-disk-0.%s" % (V, V, fmt),
                       image("base-%s-disk-0.%s" % (V, fmt), fmt,
                             isbase=True))
        self.check("%s/vm-%s-disk-0.qcow2/%s/vm-%s-disk-0.qcow2"
                   % (V, V, V, V),
                   image("vm-%s-disk-0.qcow2" % V, "qcow2",
                         basename="vm-%s-disk-0.qcow2" % V, basevmid=V))
        self.check("%s/subvol-%s-disk-0.subvol" % (V, V),
                   image("subvol-%s-disk-0.subvol" % V, "subvol"))
        self.check("100/my-disk.raw", image("my-disk.raw", "raw", "100"))

    def test_files(self):
        self.check("iso/some-installation-disk.iso",
                   file("iso", "some-installation-disk.iso"))
        self.check("iso/other.IMG", file("iso", "other.IMG"))
        for ext in ("tar", "tar.gz", "tar.xz", "tar.bz2", "tar.zst"):
            name = "debian-10.0-standard_10.0-1_amd64." + ext
            self.check("vztmpl/" + name, file("vztmpl", name))
        self.check("snippets/userconfig.yaml",
                   file("snippets", "userconfig.yaml"))
        self.check("import/import.ova", file("import", "import.ova",
                                             fmt="ova"))
        self.check("import/import.ova/OS disk.vmdk",
                   file("import", "import.ova/OS disk.vmdk",
                        fmt="ova+vmdk"))

    def test_backups(self):
        suffixes = {
            "qemu": ["vma", "vma.gz", "vma.lzo", "vma.zst"],
            "lxc": ["tar", "tgz", "tar.gz", "tar.lzo", "tar.zst", "tar.bz2"],
            "openvz": ["tar", "tgz", "tar.gz", "tar.lzo", "tar.zst"],
        }
        for virt, exts in suffixes.items():
            for ext in exts:
                name = "vzdump-%s-%s-2020_03_30-21_12_40.%s" % (virt, V, ext)
                self.check("backup/" + name, file("backup", name, V))
        name = "vzdump-none-%s-2020_03_30-21_39_30.tar" % V
        self.check("backup/" + name, file("backup", name))

    def test_failures(self):
        bad = "unable to parse directory volume name '%s'"
        for volname in (
                "ssss/base-%s-disk-0.raw" % V,
                "iso/yet-again-a-installation-disk.dvd",
                "vztmpl/debian-10.0-standard_10.0-1_amd64.zip.gz",
                "vztmpl/x.tar.lzo",
                "ssss/base-%s-disk-0.qcow2/%s/vm-%s-disk-0.qcow2" % (V, V, V),
                "import/test.foo",
                "backup/vzdump-qemu-%s-2020_03_30-21_12_40.vms.gz" % V,
                "backup/vzdump-qemu-%s-2020_03_30-21_12_40.vma.xz" % V,
                "backup/vzdump-lxc-%s-2020_03_30-21_12_40.tgz.lzo" % V,
                "snippets/..", "snippets/.", "iso/../x.iso", "rootdir/x",
                ""):
            self.check(volname, bad % volname)
        self.check("%s/base-%s-disk-0.vhdx/%s/vm-%s-disk-0.vhdx"
                   % (V, V, V, V),
                   "unable to parse volume filename 'base-%s-disk-0.vhdx'"
                   % V)
        self.check("%s/base-%s-disk-0.qcow2/ssss/vm-%s-disk-0.qcow2"
                   % (V, V, V),
                   "unable to parse volume filename 'base-%s-disk-0.qcow2/"
                   "ssss/vm-%s-disk-0.qcow2'" % (V, V))
        self.check("100/snap-s1-vm-100-disk-0.qcow2",
                   "'snap-s1-vm-100-disk-0.qcow2' is a snapshot filename, not "
                   "a volume!")

    def test_name_dir(self):
        self.assertEqual(parse_name_dir("vm-100-disk-0.raw"),
                         ("vm-100-disk-0.raw", "raw", False))
        self.assertEqual(parse_name_dir("base-x.qcow2"),
                         ("base-x.qcow2", "qcow2", True))
        for name in ("a/b.raw", "a b.raw", "x.qed", ".raw"):
            self.assertRaises(StorageError, parse_name_dir, name)


class PathTests(unittest.SynchronousTestCase):
    base = "/some/path"

    def test_filesystem_path(self):
        cases = {
            "1234/vm-1234-disk-0.raw": "images/1234/vm-1234-disk-0.raw",
            "1234/base-1234-disk-0.qcow2/5678/vm-5678-disk-0.qcow2":
                "images/5678/vm-5678-disk-0.qcow2",
            "iso/my-awesome-proxmox.iso":
                "template/iso/my-awesome-proxmox.iso",
            "vztmpl/ct.tar.zst": "template/cache/ct.tar.zst",
            "backup/vzdump-qemu-1234-2020_03_30-21_12_40.vma":
                "dump/vzdump-qemu-1234-2020_03_30-21_12_40.vma",
            "snippets/hook.pl": "snippets/hook.pl",
            "import/a.ova": "import/a.ova",
        }
        for volname, relative in cases.items():
            self.assertEqual(filesystem_path(self.base, volname),
                             "%s/%s" % (self.base, relative))
        self.assertEqual(filesystem_path(self.base, "iso/x.iso",
                                         {"iso": "isos/here"}),
                         self.base + "/isos/here/x.iso")

    def test_subdir(self):
        for vtype, relative in VTYPE_SUBDIRS.items():
            self.assertEqual(subdir(self.base, vtype),
                             "%s/%s" % (self.base, relative))
            self.assertEqual(subdir(self.base, vtype,
                                    {vtype: vtype + "_override"}),
                             "%s/%s_override" % (self.base, vtype))
        error = self.assertRaises(StorageError, subdir, self.base, "none")
        self.assertEqual(str(error), "unknown vtype 'none'")
        error = self.assertRaises(StorageError, subdir, None, "iso")
        self.assertEqual(str(error), "storage definition has no path")

    @given(st.text(max_size=60))
    def test_paths_stay_below_the_storage(self, volname):
        try:
            path = filesystem_path(self.base, volname)
        except StorageError:
            return
        self.assertEqual(os.path.normpath(path), path)
        self.assertTrue(path.startswith(self.base + "/"))


class DiskNameTests(unittest.SynchronousTestCase):

    def test_first_free(self):
        self.assertEqual(get_next_vm_diskname([], "local", 100, "qcow2", True),
                         "vm-100-disk-0.qcow2")
        self.assertEqual(get_next_vm_diskname([], "local", 100, "raw"),
                         "vm-100-disk-0")
        self.assertEqual(get_next_vm_diskname([], "local", 100, "subvol",
                                              True),
                         "subvol-100-disk-0.subvol")

    def test_any_format_takes_the_number(self):
        volids = ["local:100/vm-100-disk-0.raw",
                  "local:100/base-100-disk-1.qcow2",
                  "local:100/subvol-100-disk-2.subvol",
                  "local:100/vm-1000-disk-3.raw",
                  "local:100/vm-100-disk-05.raw"]
        self.assertEqual(get_next_vm_diskname(volids, "local", 100, "qcow2",
                                              True),
                         "vm-100-disk-3.qcow2")
        # without subvols (not a dir storage) only the same suffix counts
        self.assertEqual(get_next_vm_diskname(volids, "local", 100, "qcow2",
                                              True, formats=("raw", "qcow2")),
                         "vm-100-disk-0.qcow2")

    def test_full(self):
        volids = ["s:100/vm-100-disk-%d.raw" % n for n in range(1024)]
        error = self.assertRaises(StorageError, get_next_vm_diskname, volids,
                                  "s1", 100, "raw", True)
        self.assertEqual(str(error), "unable to allocate an image name for "
                         "VM 100 in storage 's1'")


class ListingTests(unittest.SynchronousTestCase):

    def test_archive_info(self):
        name = "vzdump-qemu-100-2024_01_02-03_04_05.vma.zst"
        self.assertEqual(archive_info(name), {
            "type": "qemu", "vmid": 100, "is_std_name": 1,
            "ctime": int(time.mktime((2024, 1, 2, 3, 4, 5, 0, 0, -1)))})
        self.assertEqual(archive_info("vzdump-lxc-x.tar"),
                         {"type": "lxc", "is_std_name": 0})
        self.assertIsNone(archive_info("vzdump-none-100-x.tar"))
        self.assertIsNone(archive_info(
            "vzdump-qemu-100-2024_13_02-03_04_05.vma"))

    def test_classify(self):
        self.assertEqual(classify_file("s1", "iso", "a.ISO"),
                         {"volid": "s1:iso/a.ISO", "format": "iso"})
        self.assertIsNone(classify_file("s1", "iso", "a.txt"))
        self.assertEqual(classify_file("s1", "vztmpl", "ct.tar.zst")["format"],
                         "tzst")
        self.assertEqual(classify_file("s1", "vztmpl", "ct.tar")["format"],
                         "tar")
        self.assertEqual(classify_file("s1", "snippets", "x y")["format"],
                         "snippet")
        self.assertEqual(classify_file("s1", "import", "d.VMDK")["format"],
                         "VMDK")
        backup = "vzdump-lxc-101-2024_01_02-03_04_05.tar.zst"
        info = classify_file("s1", "backup", backup)
        self.assertEqual((info["format"], info["subtype"], info["vmid"]),
                         ("tar.zst", "lxc", 101))
        self.assertIsNone(classify_file("s1", "backup", backup, vmid=102))
        self.assertEqual(classify_file("s1", "backup", "other-555-x.vma"),
                         {"volid": "s1:backup/other-555-x.vma",
                          "format": "vma", "subtype": "unknown",
                          "vmid": 555})
