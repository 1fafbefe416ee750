"""Dir storage operations with the real qemu-img, under a temporary root."""

import json
import os
import subprocess
import threading

from twisted.trial import unittest

from pve.paths import Paths
from pve.storage import dirstore
from pve.storage.config import StorageError, parse_storage_cfg

if not os.access(dirstore.QEMU_IMG, os.X_OK):
    skip = "%s is not installed" % dirstore.QEMU_IMG

MiB = 1024 * 1024


def qemu_info(path):
    out = subprocess.run([dirstore.QEMU_IMG, "info", "--output=json", path],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class StorageCase(unittest.TestCase):
    """A node rooted in a temporary directory with ``local`` and more."""

    cfg = ""

    def setUp(self):
        self.root = os.path.abspath(self.mktemp())
        os.makedirs(self.root)
        self.paths = Paths(self.root)
        self.ids, warnings = parse_storage_cfg(self.cfg)
        self.assertEqual(warnings, [])

    def storage(self, storeid="local", **changes):
        self.ids[storeid].update(changes)
        return dirstore.open_storage(self.ids, storeid, self.paths, "node1")

    def under(self, *parts):
        return os.path.join(self.root, "var/lib/vz", *parts)

    def tree(self):
        """Every path below the root with its mode, and for files size and
        mtime (not lock files: taking a lock is no change)."""
        found = {}
        locks = os.path.join(self.root, "var/lock")
        for top, dirs, files in os.walk(self.root):
            if top.startswith(locks):
                continue
            for name in dirs:
                path = os.path.join(top, name)
                if path != locks:
                    found[path] = os.lstat(path).st_mode
            for name in files:
                path = os.path.join(top, name)
                st = os.lstat(path)
                found[path] = (st.st_size, st.st_mtime_ns, st.st_mode)
        return found

    def assertError(self, message, f, *args, **kwargs):
        error = self.assertRaises(StorageError, f, *args, **kwargs)
        self.assertEqual(str(error), message)


class AllocTests(StorageCase):

    def test_alloc_qcow2_and_raw(self):
        local = self.storage()
        self.assertEqual(local.path, self.under())
        qcow2 = dirstore.alloc(local, 100, "qcow2", None, 1024)
        raw = dirstore.alloc(local, "100", "raw", None, 2048)
        self.assertEqual(qcow2, "local:100/vm-100-disk-0.qcow2")
        self.assertEqual(raw, "local:100/vm-100-disk-1.raw")
        path = self.under("images/100/vm-100-disk-0.qcow2")
        self.assertEqual(dirstore.path(local, qcow2), path)
        info = qemu_info(path)
        self.assertEqual((info["format"], info["virtual-size"]),
                         ("qcow2", MiB))
        info = qemu_info(self.under("images/100/vm-100-disk-1.raw"))
        self.assertEqual((info["format"], info["virtual-size"]),
                         ("raw", 2 * MiB))
        self.assertEqual(os.stat(path).st_mode & 0o777, 0o640)
        # the content directories of 'local' were made on the way
        for sub in ("images", "template/iso", "template/cache", "dump",
                    "snippets", "private"):
            self.assertTrue(os.path.isdir(self.under(sub)), sub)
        info = dirstore.volume_size_info(local, raw)
        self.assertEqual((info["size"], info["format"], info["parent"]),
                         (2 * MiB, "raw", None))

    def test_preallocation(self):
        local = self.storage()
        dirstore.alloc(local, 100, "qcow2", None, 1024)
        # metadata preallocation: the file is as long as the disk
        self.assertGreaterEqual(
            os.stat(self.under("images/100/vm-100-disk-0.qcow2")).st_size,
            MiB)
        local = self.storage(preallocation="off")
        dirstore.alloc(local, 100, "qcow2", None, 1024)
        self.assertLess(
            os.stat(self.under("images/100/vm-100-disk-1.qcow2")).st_size,
            MiB)
        # raw: sparse unless 'full' (metadata means off)
        local = self.storage(preallocation="metadata")
        volid = dirstore.alloc(local, 100, "raw", None, 1024)
        self.assertLess(dirstore.volume_size_info(local, volid)["used"], MiB)
        local = self.storage(preallocation="full")
        volid = dirstore.alloc(local, 100, "raw", None, 1024)
        self.assertEqual(dirstore.volume_size_info(local, volid)["used"], MiB)

    def test_name_and_default_format(self):
        local = self.storage()
        self.assertEqual(dirstore.alloc(local, 100, None, None, 64),
                         "local:100/vm-100-disk-0.raw")
        local = self.storage(format="qcow2")
        self.assertEqual(dirstore.alloc(local, 100, None, None, 64),
                         "local:100/vm-100-disk-1.qcow2")
        self.assertEqual(dirstore.alloc(local, 100, "raw", "data.raw", 64),
                         "local:100/data.raw")
        self.assertEqual(dirstore.alloc(local, 100, "subvol", None, 0),
                         "local:100/subvol-100-disk-2.subvol")
        self.assertTrue(os.path.isdir(
            self.under("images/100/subvol-100-disk-2.subvol")))

    def test_bad_input_changes_nothing(self):
        local = self.storage()
        dirstore.alloc(local, 100, "qcow2", None, 1024)
        before = self.tree()
        existing = self.under("images/100/vm-100-disk-0.qcow2")
        for args, message in [
            ((100, "qcow2", "vm-100-disk-0.qcow2", 2048),
             "disk image '%s' already exists" % existing),
            ((200, "qed", None, 1024),
             "unsupported format 'qed' for storage type dir"),
            ((200, "raw", "vm-200-disk-0.qcow2", 1024),
             "illegal name 'vm-200-disk-0.qcow2' - wrong extension for "
             "format ('qcow2 != 'raw')"),
            ((200, "raw", "../../x.raw", 1024),
             "unable to parse volume filename '../../x.raw'"),
            ((200, "qcow2", "snap-s-vm-200-disk-0.qcow2", 1024),
             "'snap-s-vm-200-disk-0.qcow2' is a snapshot filename, not a "
             "volume!"),
            (("2x0", "raw", None, 1024),
             "VMID '2x0' contains illegal characters"),
            ((0, "raw", None, 1024), "no VMID specified"),
            ((200, "raw", None, -1), "unable to parse size '-1'"),
            ((200, "raw", None, "1G"), "unable to parse size '1G'"),
            ((200, "subvol", None, 1024),
             "storage does not support subvol quotas"),
            ((200, "qcow2", None, 10 ** 17),
             "unable to create image: qemu-img: Invalid image size "
             "specified. Must be between 0 and 9223372036854775807."),
        ]:
            self.assertError(message, dirstore.alloc, local, *args)
            self.assertEqual(self.tree(), before, args)
        local = self.storage(preallocation="bogus")
        self.assertError("preallocation mode 'bogus' not supported by "
                         "format 'qcow2'", dirstore.alloc, local, 200,
                         "qcow2", None, 1024)
        self.assertEqual(self.tree(), before)

    def test_concurrent_allocations_get_distinct_names(self):
        local = self.storage()
        dirstore.activate(local)
        results = []

        def allocate():
            results.append(dirstore.alloc(local, 100, "raw", None, 64))
        threads = [threading.Thread(target=allocate) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        self.assertEqual(sorted(results), ["local:100/vm-100-disk-%d.raw" % n
                                           for n in range(4)])

    def test_lock_timeout(self):
        local = self.storage()
        with dirstore._Lock(local.lock):
            lock = dirstore._Lock(local.lock, timeout=0.1)
            self.assertError("can't lock file '%s' - got timeout"
                             % local.lock, lock.__enter__)
        self.assertTrue(local.lock.startswith(self.root + "/var/lock/"))


class ListTests(StorageCase):

    def populate(self, local):
        dirstore.alloc(local, 100, "qcow2", None, 1024)
        dirstore.alloc(local, 101, "raw", None, 2048)
        files = {
            "template/iso/debian.iso": b"iso",
            "template/iso/readme.txt": b"ignored",
            "template/cache/ct.tar.zst": b"ct",
            "dump/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst": b"b1",
            "dump/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst.notes":
                b"before upgrade\nmore",
            "dump/vzdump-lxc-101-2024_01_02-03_04_05.tar.gz": b"b2",
            "dump/vzdump-lxc-101-2024_01_02-03_04_05.tar.gz.protected": b"",
            "snippets/user.yaml": b"#cloud-config\n",
            "images/100/notes.txt": b"ignored",
        }
        for name, data in files.items():
            with open(self.under(name), "wb") as f:
                f.write(data)
        os.makedirs(self.under("images/abc"))
        os.makedirs(self.under("snippets/subdir"))

    def test_everything(self):
        local = self.storage()
        self.populate(local)
        volumes = dirstore.list_volumes(local)
        self.assertEqual([v["volid"] for v in volumes], [
            "local:100/vm-100-disk-0.qcow2",
            "local:101/vm-101-disk-0.raw",
            "local:backup/vzdump-lxc-101-2024_01_02-03_04_05.tar.gz",
            "local:backup/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst",
            "local:iso/debian.iso",
            "local:snippets/user.yaml",
            "local:vztmpl/ct.tar.zst",
        ])
        by_id = {v["volid"]: v for v in volumes}
        disk = by_id["local:100/vm-100-disk-0.qcow2"]
        self.assertEqual((disk["content"], disk["format"], disk["size"],
                          disk["vmid"], disk["parent"]),
                         ("images", "qcow2", MiB, 100, None))
        self.assertGreater(disk["used"], 0)
        lxc = by_id["local:backup/vzdump-lxc-101-2024_01_02-03_04_05.tar.gz"]
        self.assertEqual((lxc["content"], lxc["format"], lxc["subtype"],
                          lxc["vmid"], lxc["protected"], lxc["size"]),
                         ("backup", "tar.gz", "lxc", 101, 1, 2))
        qemu = by_id["local:backup/vzdump-qemu-100-2024_01_02-03_04_05"
                     ".vma.zst"]
        self.assertEqual(qemu["notes"], "before upgrade")
        self.assertNotIn("protected", qemu)
        self.assertEqual(by_id["local:vztmpl/ct.tar.zst"]["format"], "tzst")
        self.assertEqual(by_id["local:iso/debian.iso"]["format"], "iso")
        self.assertEqual(by_id["local:snippets/user.yaml"]["format"],
                         "snippet")

    def test_filters(self):
        local = self.storage()
        self.populate(local)

        def volids(**kwargs):
            return [v["volid"] for v in dirstore.list_volumes(local,
                                                              **kwargs)]
        self.assertEqual(volids(content="iso"), ["local:iso/debian.iso"])
        self.assertEqual(volids(vmid=100), [
            "local:100/vm-100-disk-0.qcow2",
            "local:backup/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst",
            "local:snippets/user.yaml"])
        self.assertEqual(volids(vmid=101, content="images"),
                         ["local:101/vm-101-disk-0.raw"])
        self.assertEqual(volids(content="rootdir", guest_types={101: "lxc"}),
                         ["local:101/vm-101-disk-0.raw"])
        # only the content the storage holds is listed
        local = self.storage(content=["iso"])
        self.assertEqual(volids(), ["local:iso/debian.iso"])
        self.assertEqual(volids(content="images"), [])

    def test_image_in_another_format(self):
        local = self.storage()
        dirstore.activate(local)
        os.makedirs(self.under("images/100"))
        with open(self.under("images/100/vm-100-disk-0.qcow2"), "wb") as f:
            f.write(b"\0" * 4096)
        [volume] = dirstore.list_volumes(local)
        self.assertEqual((volume["format"], volume["size"]),
                         ("invalid", 4096))
        self.assertEqual(dirstore.alloc(local, 100, "qcow2", None, 64),
                         "local:100/vm-100-disk-1.qcow2")

    def test_linked_clone(self):
        local = self.storage()
        base = dirstore.alloc(local, 100, "qcow2", "base-100-disk-0.qcow2",
                              1024)
        os.makedirs(self.under("images/200"))
        subprocess.run([dirstore.QEMU_IMG, "create", "-F", "qcow2", "-b",
                        "../100/base-100-disk-0.qcow2", "-f", "qcow2",
                        "vm-200-disk-0.qcow2"], cwd=self.under("images/200"),
                       check=True, capture_output=True)
        clone = "local:100/base-100-disk-0.qcow2/200/vm-200-disk-0.qcow2"
        [volume] = dirstore.list_volumes(local, vmid=200)
        self.assertEqual((volume["volid"], volume["parent"], volume["vmid"]),
                         (clone, "../100/base-100-disk-0.qcow2", 200))
        before = self.tree()
        self.assertError("base volume '100/base-100-disk-0.qcow2' is still "
                         "in use by linked clones", dirstore.free, local,
                         base)
        self.assertEqual(self.tree(), before)
        self.assertTrue(dirstore.free(local, clone))
        self.assertTrue(dirstore.free(local, base))
        self.assertEqual(os.listdir(self.under("images")), [])


class ResizeTests(StorageCase):

    def test_grow(self):
        local = self.storage()
        for fmt in ("qcow2", "raw"):
            volid = dirstore.alloc(local, 100, fmt, None, 1024)
            dirstore.resize(local, volid, 4 * MiB)
            self.assertEqual(dirstore.volume_size_info(local, volid)["size"],
                             4 * MiB)
            self.assertEqual(qemu_info(dirstore.path(local, volid))
                             ["virtual-size"], 4 * MiB)

    def test_refused(self):
        local = self.storage()
        volid = dirstore.alloc(local, 100, "qcow2", None, 2048)
        with open(self.under("template/iso/x.iso"), "wb") as f:
            f.write(b"iso")
        before = self.tree()
        for args, message in [
            ((volid, MiB), "shrinking disks is not supported"),
            (("local:iso/x.iso", 4 * MiB), "can't resize this image format"),
            (("local:100/vm-100-disk-9.raw", 4 * MiB),
             "volume 'local:100/vm-100-disk-9.raw' does not exist"),
            ((volid, 0), "unable to parse size '0'"),
            (("other:100/vm-100-disk-0.qcow2", 4 * MiB),
             "storage ID mismatch (other != local)"),
        ]:
            self.assertError(message, dirstore.resize, local, *args)
            self.assertEqual(self.tree(), before)
        dirstore.resize(local, volid, 4 * MiB, running=True)
        self.assertEqual(self.tree(), before)

    def test_qemu_img_failure(self):
        local = self.storage()
        volid = dirstore.alloc(local, 100, "qcow2", None, 2048)
        path = dirstore.path(local, volid)
        error = self.assertRaises(StorageError, dirstore.resize, local, volid,
                                  2 * MiB + 1)
        self.assertEqual(str(error), "command '%s resize "
                         "--preallocation=metadata -f qcow2 %s %d' failed: "
                         "exit code 1" % (dirstore.QEMU_IMG, path,
                                          2 * MiB + 1))
        self.assertEqual(qemu_info(path)["virtual-size"], 2 * MiB)


class FreeTests(StorageCase):

    def test_free(self):
        local = self.storage()
        first = dirstore.alloc(local, 100, "qcow2", None, 64)
        second = dirstore.alloc(local, 100, "raw", None, 64)
        self.assertTrue(dirstore.free(local, first))
        self.assertEqual(os.listdir(self.under("images/100")),
                         ["vm-100-disk-1.raw"])
        self.assertFalse(dirstore.free(local, first))
        self.assertTrue(dirstore.free(local, second))
        self.assertFalse(os.path.exists(self.under("images/100")))
        subvol = dirstore.alloc(local, 101, "subvol", None, 0)
        with open(self.under("images/101/subvol-101-disk-0.subvol/f"),
                  "w") as f:
            f.write("data")
        self.assertTrue(dirstore.free(local, subvol))
        self.assertFalse(os.path.exists(self.under("images/101")))

    def test_refused(self):
        local = self.storage()
        dirstore.activate(local)
        backup = "vzdump-qemu-100-2024_01_02-03_04_05.vma"
        for name in (backup, backup + ".protected"):
            open(self.under("dump", name), "w").close()
        before = self.tree()
        self.assertError("cannot remove protected volume 'backup/%s' on "
                         "'local'" % backup, dirstore.free, local,
                         "local:backup/" + backup)
        self.assertError("storage ID mismatch (nas != local)", dirstore.free,
                         local, "nas:100/vm-100-disk-0.raw")
        self.assertError("unable to parse volume ID 'junk'", dirstore.free,
                         local, "junk")
        self.assertError("unable to parse directory volume name 'x/y'",
                         dirstore.free, local, "local:x/y")
        self.assertEqual(self.tree(), before)


class StorageTests(StorageCase):

    cfg = ("dir: data\n\tpath /srv/data\n\tcontent images,iso\n"
           "\tnodes node1\n\n"
           "nfs: nas\n\tserver 192.0.2.1\n\texport /e\n\tpath /mnt/nas\n")

    def test_open(self):
        data = self.storage("data")
        self.assertEqual(data.path, self.root + "/srv/data")
        self.assertIsNone(data.mountpoint)
        self.assertError("unknown section type 'nfs'", dirstore.open_storage,
                         self.ids, "nas", self.paths)
        self.assertError("storage 'nope' does not exist",
                         dirstore.open_storage, self.ids, "nope", self.paths)

    def test_status(self):
        data = self.storage("data")
        status = dirstore.status(data)
        self.assertEqual(status["active"], 1)
        self.assertGreater(status["total"], 0)
        self.assertLessEqual(status["avail"] + status["used"],
                             status["total"])
        self.assertEqual(sorted(os.listdir(data.path)),
                         ["images", "template"])

    def test_inactive(self):
        inactive = {"total": 0, "used": 0, "avail": 0, "active": 0}
        data = self.storage("data", disable=1)
        self.assertEqual(dirstore.status(data), inactive)
        self.assertError("storage 'data' is disabled", dirstore.activate,
                         data)
        self.assertError("storage 'data' is disabled", dirstore.alloc, data,
                         100, "raw", None, 64)
        data = dirstore.open_storage(self.ids, "data", self.paths, "node2")
        self.ids["data"]["disable"] = 0
        self.assertError("storage 'data' is not available on node 'node2'",
                         dirstore.activate, data)
        data = self.storage("data", is_mountpoint="yes")
        self.assertEqual(dirstore.status(data), inactive)
        self.assertError("unable to activate storage 'data' - directory is "
                         "expected to be a mount point but is not mounted: "
                         "'%s/srv/data'" % self.root, dirstore.activate, data)
        data = self.storage("data", is_mountpoint="/srv")
        self.assertEqual(data.mountpoint, self.root + "/srv")
        data = self.storage("data", is_mountpoint="no",
                            **{"create-base-path": 0})
        self.assertError("unable to activate storage 'data' - directory "
                         "'%s/srv/data' does not exist or is unreachable"
                         % self.root, dirstore.activate, data)
        self.assertFalse(os.path.exists(self.root + "/srv"))

    def test_path_is_mounted(self):
        spaced = os.path.join(self.root, "a b")
        os.makedirs(spaced)
        mounts = ("proc /proc proc rw 0 0\n"
                  "/dev/x %s ext4 rw 0 0\n" % spaced.replace(" ", "\\040"))
        self.assertTrue(dirstore.path_is_mounted(spaced, mounts))
        self.assertFalse(dirstore.path_is_mounted(self.root, mounts))
        self.assertFalse(dirstore.path_is_mounted(self.root + "/nope",
                                                  mounts))

    def test_content_dirs(self):
        data = self.storage("data", **{"content-dirs": {"iso": "isos"}})
        dirstore.activate(data)
        self.assertTrue(os.path.isdir(data.path + "/isos"))
        with open(data.path + "/isos/x.iso", "wb") as f:
            f.write(b"iso")
        self.assertEqual([v["volid"] for v in dirstore.list_volumes(data)],
                         ["data:iso/x.iso"])
        self.assertEqual(dirstore.path(data, "data:iso/x.iso"),
                         data.path + "/isos/x.iso")
        data = self.storage("data", **{"content-dirs": {"iso": "images"}})
        self.assertError("storage 'data' uses directory %s/images for "
                         "multiple content types" % data.path,
                         dirstore.activate, data)

    def test_subdirs_not_made_when_disabled(self):
        data = self.storage("data", **{"create-subdirs": 0})
        dirstore.activate(data)
        self.assertEqual(os.listdir(data.path), [])
