"""The storage endpoints, dispatched through the one registry on a real
ConfigFS: ``/storage`` (storage.cfg under its cfs lock, digests) and
``/nodes/{node}/storage/...`` (status, content, allocation with the real
qemu-img, removal and uploads in real worker processes), every storage
path under the test's PVE_ROOT."""

import hashlib
import os

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.api import rest
from pve.api.auth import Auth
from pve.daemon import tasklog, workers
from pve.storage import config as storagecfg
from tests.api import test_endpoints_access as access_tests

LOCAL = "var/lib/vz"


class Base(access_tests.Base):
    timeout = 60

    def storage_cfg(self):
        try:
            return self.node.read("storage.cfg")
        except OSError:
            return None

    def local(self, *parts):
        return self.node.paths.join(LOCAL, *parts)

    def write_file(self, path, data=b""):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(data)

    def grant(self, user, path, role):
        self.node.write("user.cfg", "user:%s:1:0::::::\nacl:1:%s:%s:%s:\n"
                        % (user, path, user, role))

    @defer.inlineCallbacks
    def status(self, method, path, params=None, user="root@pam"):
        """The HTTP status of a call made as the servers make it: declared
        permissions checked first."""
        result = yield rest.handle(self.node.registry, self.node.env(user), Auth(user),
                                   method, path, params or {})
        return result.status

    def task_call(self, method, path, params=None, user="root@pam"):
        env = self.node.env(user)
        env.reactor = reactor  # the worker is a real process
        return self.node.registry.dispatch(method, path, params or {}, env)


class ConfigTests(Base):
    @defer.inlineCallbacks
    def test_default_local(self):
        listed = yield self.call("GET", "/storage")
        self.assertEqual(listed, [{
            "storage": "local", "type": "dir", "path": "/var/lib/vz",
            "content": "backup,images,iso,rootdir,snippets,vztmpl",
            "prune-backups": "keep-all=1",
            "digest": hashlib.sha1(b"").hexdigest()}])
        one = yield self.call("GET", "/storage/local")
        self.assertEqual(one, listed[0])
        yield self.fails(self.call("GET", "/storage/nope"), 500)

    @defer.inlineCallbacks
    def test_create_update_delete(self):
        made = yield self.call("POST", "/storage", {
            "storage": "big", "type": "dir", "path": "/srv//big/",
            "content": "iso,images", "prune-backups": "keep-last=3",
            "shared": 0})
        self.assertEqual(made, {"storage": "big", "type": "dir"})
        text = self.storage_cfg()
        self.assertIn("dir: big\n\tpath /srv/big\n\tcontent images,iso\n"
                      "\tprune-backups keep-last=3\n\tshared 0\n\n", text)
        self.assertTrue(text.startswith("dir: local\n"))
        # activated on this node, under the root
        for sub in ("images", "template/iso"):
            self.assertTrue(os.path.isdir(self.node.paths.join("srv/big", sub)))
        got = yield self.call("GET", "/storage/big")
        digest = hashlib.sha1(text.encode()).hexdigest()
        self.assertEqual(got, {"storage": "big", "type": "dir", "path": "/srv/big",
                               "content": "images,iso", "prune-backups": "keep-last=3",
                               "shared": 0, "digest": digest})
        listed = yield self.call("GET", "/storage", {"type": "dir"})
        self.assertEqual([s["storage"] for s in listed], ["big", "local"])
        listed = yield self.call("GET", "/storage", {"type": "nfs"})
        self.assertEqual(listed, [])

        updated = yield self.call("PUT", "/storage/big", {
            "digest": digest, "content": "backup", "nodes": "node1,node2",
            "disable": 1, "delete": "prune-backups,shared"})
        self.assertEqual(updated, {"storage": "big", "type": "dir"})
        got = yield self.call("GET", "/storage/big")
        self.assertEqual((got["content"], got["nodes"], got["disable"]),
                         ("backup", "node1,node2", 1))
        self.assertNotIn("prune-backups", got)
        self.assertIn("dir: big\n\tdisable\n\tpath /srv/big\n\tcontent backup\n"
                      "\tnodes node1,node2\n\n", self.storage_cfg())

        self.node.write("user.cfg", "user:alice@pve:1:0::::::\n"
                        "acl:1:/storage/big:alice@pve:PVEDatastoreUser:\n"
                        "acl:1:/storage/local:alice@pve:PVEDatastoreUser:\n"
                        "pool:p1::100:big,local:\n")
        yield self.call("DELETE", "/storage/big")
        self.assertNotIn("big", self.storage_cfg())
        users = self.node.read("user.cfg")
        self.assertNotIn("/storage/big", users)
        self.assertIn("/storage/local", users)
        self.assertIn("pool:p1::100:local:", users)
        # the files stay
        self.assertTrue(os.path.isdir(self.node.paths.join("srv/big/images")))
        self.assertEqual(self.node.cfs.listdir("priv/lock"), [])

    @defer.inlineCallbacks
    def test_create_errors_change_nothing(self):
        yield self.call("POST", "/storage", {"storage": "big", "type": "dir",
                                             "path": "/srv/big"})
        before = self.storage_cfg()
        cases = [
            ({"storage": "big", "path": "/srv/x"}, 500,
             "create storage failed: storage ID 'big' already defined\n"),
            ({"storage": "x1", "path": "/srv/a b"}, 500,
             "illegal path for directory storage: /srv/a b\n"),
            ({"storage": "x1", "path": "/srv/x", "server": "10.0.0.1"}, 500,
             "unexpected property 'server'\n"),
            ({"storage": "x1"}, 500, "missing value for required option 'path'\n"),
            ({"storage": "x1", "path": "/srv/x", "content": "none,iso"}, 500,
             "unable to combine 'none' with other content types\n"),
            ({"storage": "x1", "path": "/srv/x", "mkdir": 0}, 500,
             "create storage failed: unable to activate storage 'x1' - directory "
             "'%s' does not exist or is unreachable\n" % self.node.paths.join("srv/x")),
        ]
        for params, code, message in cases:
            params = dict(params, type="dir")
            e = yield self.fails(self.call("POST", "/storage", params), code)
            self.assertEqual(e.message, message)
            self.assertEqual(self.storage_cfg(), before)
        for params, errors in (
                ({"storage": "x1", "type": "dir", "path": "/srv/x", "content": "bogus"},
                 ["content"]),
                ({"storage": "1x", "type": "dir", "path": "/srv/x"}, ["storage"]),
                ({"storage": "x1", "type": "dir", "path": "relative"}, ["path"]),
                ({"storage": "x1", "type": "dir", "path": "/srv/x",
                  "prune-backups": "keep-all=1,keep-last=2"}, ["prune-backups"]),
                ({"storage": "x1", "type": "bogus", "path": "/srv/x"}, ["type"])):
            yield self.fails(self.call("POST", "/storage", params), 400, errors)
            self.assertEqual(self.storage_cfg(), before)
        e = yield self.fails(self.call("POST", "/storage", {
            "storage": "n1", "type": "nfs", "server": "10.0.0.1", "export": "/e"}), 500)
        self.assertIn("storage type 'nfs' is not supported", e.message)
        self.assertEqual(self.storage_cfg(), before)
        self.assertFalse(os.path.exists(self.node.paths.join("srv/x")))
        self.assertFalse(os.path.exists(self.node.paths.join("srv/a b")))
        self.assertEqual(self.node.cfs.listdir("priv/lock"), [])

    @defer.inlineCallbacks
    def test_update_errors_change_nothing(self):
        yield self.call("POST", "/storage", {"storage": "big", "type": "dir",
                                             "path": "/srv/big"})
        before = self.storage_cfg()
        prefix = "update storage failed: "
        for params, message in (
                ({"digest": "0" * 40, "content": "iso"},
                 "detected modified configuration - file changed by other user? "
                 "Try again.\n"),
                ({"delete": "bogus"}, "no such option 'bogus'\n"),
                ({"delete": "content", "content": "iso"},
                 "cannot set and delete property 'content' at the same time!\n"),
                ({"delete": "snapshot-as-volume-chain"},
                 "unable to delete fixed option 'snapshot-as-volume-chain'\n"),
                ({"content": "none,iso"},
                 "unable to combine 'none' with other content types\n")):
            e = yield self.fails(self.call("PUT", "/storage/big", params), 500)
            self.assertEqual(e.message, prefix + message)
            self.assertEqual(self.storage_cfg(), before)
        e = yield self.fails(self.call("PUT", "/storage/nope", {"content": "iso"}), 500)
        self.assertEqual(e.message, prefix + "storage 'nope' does not exist\n")
        yield self.fails(self.call("PUT", "/storage/big", {"path": "/srv/x"}), 400,
                         ["path"])
        e = yield self.fails(self.call("DELETE", "/storage/nope"), 500)
        self.assertEqual(e.message, "delete storage failed: storage 'nope' does not exist\n")
        self.assertEqual(self.storage_cfg(), before)
        self.assertEqual(self.node.cfs.listdir("priv/lock"), [])

    @defer.inlineCallbacks
    def test_other_types_kept(self):
        self.node.write("storage.cfg", "nfs: share\n\texport /e\n\tserver 10.0.0.1\n"
                        "\tpath /mnt/pve/share\n\tcontent images\n\n"
                        "lvm: vg\n\tvgname pve\n\tbase share:0/base-0-disk-0.raw\n\n")
        listed = yield self.call("GET", "/storage")
        self.assertEqual([s["storage"] for s in listed], ["local", "share", "vg"])
        yield self.call("PUT", "/storage/share", {"disable": 1, "nodes": "node1"})
        self.assertIn("nfs: share\n\tdisable\n\tcontent images\n\texport /e\n\t"
                      "nodes node1\n\tpath /mnt/pve/share\n\tserver 10.0.0.1\n\n",
                      self.storage_cfg())
        e = yield self.fails(self.call("PUT", "/storage/share", {"server": "10.0.0.2"}),
                             500)
        self.assertEqual(e.message, "update storage failed: unexpected property "
                                    "'server'\n")
        e = yield self.fails(self.call("DELETE", "/storage/share"), 500)
        self.assertIn("storage is used as base of another storage", e.message)
        yield self.call("DELETE", "/storage/vg")
        yield self.call("DELETE", "/storage/share")
        self.assertEqual(self.storage_cfg(), "dir: local\n\tpath /var/lib/vz\n"
                         "\tcontent backup,images,iso,rootdir,snippets,vztmpl\n"
                         "\tprune-backups keep-all=1\n\n")

    @defer.inlineCallbacks
    def test_permissions(self):
        yield self.call("POST", "/storage", {"storage": "big", "type": "dir",
                                             "path": "/srv/big"})
        self.grant("alice@pve", "/storage/big", "PVEDatastoreUser")
        listed = yield self.call("GET", "/storage", user="alice@pve")
        self.assertEqual([s["storage"] for s in listed], ["big"])
        for method, path in (("GET", "/storage/big"), ("DELETE", "/storage/big"),
                             ("PUT", "/storage/big"), ("POST", "/storage")):
            code = yield self.status(method, path, {"content": "iso"}
                                     if method == "PUT" else {}, user="alice@pve")
            self.assertEqual(code, 403, (method, path))
        self.assertIn("dir: big", self.storage_cfg())
        status = yield self.call("GET", "/nodes/node1/storage", user="alice@pve")
        self.assertEqual([s["storage"] for s in status], ["big"])


class StatusTests(Base):
    @defer.inlineCallbacks
    def test_status(self):
        listed = yield self.call("GET", "/nodes/node1/storage")
        self.assertEqual(len(listed), 1)
        local = listed[0]
        self.assertEqual({k: local[k] for k in ("storage", "type", "active", "enabled",
                                                 "shared", "content")},
                         {"storage": "local", "type": "dir", "active": 1, "enabled": 1,
                          "shared": 0,
                          "content": "backup,images,iso,rootdir,snippets,vztmpl"})
        st = os.statvfs(self.local())
        self.assertEqual(local["total"], st.f_blocks * st.f_frsize)
        self.assertAlmostEqual(local["used_fraction"], local["used"] / local["total"])
        self.assertTrue(os.path.isdir(self.local("template", "cache")))
        one = yield self.call("GET", "/nodes/node1/storage/local/status")
        self.assertEqual(set(one), {"type", "total", "used", "avail", "shared",
                                    "content", "active", "enabled"})
        yield self.fails(self.call("GET", "/nodes/node1/storage/nope/status"), 400,
                         ["storage"])
        yield self.fails(self.call("GET", "/nodes/node1/storage", {"storage": "nope"}),
                         400, ["storage"])
        index = yield self.call("GET", "/nodes/node1/storage/local")
        self.assertEqual(index, [{"subdir": "content"}, {"subdir": "status"},
                                 {"subdir": "upload"}])

    @defer.inlineCallbacks
    def test_filters(self):
        self.node.write("storage.cfg", "dir: off\n\tpath /srv/off\n\tdisable\n\n"
                        "dir: other\n\tpath /srv/other\n\tnodes node2\n\n"
                        "dir: isos\n\tpath /srv/isos\n\tcontent iso\n\tshared 1\n\n"
                        "nfs: share\n\texport /e\n\tserver 10.0.0.1\n\tpath /mnt/s\n\n")
        listed = yield self.call("GET", "/nodes/node1/storage")
        states = {s["storage"]: (s["enabled"], s["active"]) for s in listed}
        self.assertEqual(states, {"isos": (1, 1), "local": (1, 1), "off": (0, 0),
                                  "other": (0, 0), "share": (1, 0)})
        self.assertFalse(os.path.exists(self.node.paths.join("srv/off")))
        self.assertFalse(os.path.exists(self.node.paths.join("mnt/s")))
        listed = yield self.call("GET", "/nodes/node1/storage", {"enabled": 1})
        self.assertNotIn("off", [s["storage"] for s in listed])
        listed = yield self.call("GET", "/nodes/node1/storage", {"content": "iso"})
        self.assertEqual([s["storage"] for s in listed], ["isos", "local"])
        listed = yield self.call("GET", "/nodes/node1/storage", {"target": "node2"})
        self.assertEqual([s["storage"] for s in listed], ["isos", "share"])
        listed = yield self.call("GET", "/nodes/node1/storage", {"format": 1})
        local = [s for s in listed if s["storage"] == "local"][0]
        self.assertEqual(local["formats"], {"supported": ["qcow2", "raw", "subvol", "vmdk"],
                                            "default": "raw"})


class ContentTests(Base):
    content = "/nodes/node1/storage/local/content"

    @defer.inlineCallbacks
    def test_alloc_list_info(self):
        volid = yield self.call("POST", self.content, {
            "vmid": 100, "filename": "vm-100-disk-0.qcow2", "size": "1M"})
        self.assertEqual(volid, "local:100/vm-100-disk-0.qcow2")
        volid = yield self.call("POST", self.content, {
            "vmid": 100, "filename": "vm-100-disk-1.raw", "size": "4", "format": "raw"})
        self.assertEqual(volid, "local:100/vm-100-disk-1.raw")
        self.assertEqual(os.path.getsize(self.local("images/100/vm-100-disk-1.raw")), 4096)
        self.write_file(self.local("template/iso/debian.iso"), b"x" * 512)
        self.write_file(self.local("dump/vzdump-qemu-101-2024_01_02-03_04_05.vma.zst"),
                        b"b" * 10)
        self.write_file(self.local("dump/vzdump-qemu-101-2024_01_02-03_04_05.vma.zst"
                                   ".notes"), b"nightly\nsecond line\n")
        listed = yield self.call("GET", self.content)
        self.assertEqual([(v["volid"], v["content"], v["format"], v["size"]) for v in listed], [
            ("local:100/vm-100-disk-0.qcow2", "images", "qcow2", 1048576),
            ("local:100/vm-100-disk-1.raw", "images", "raw", 4096),
            ("local:backup/vzdump-qemu-101-2024_01_02-03_04_05.vma.zst", "backup", "vma.zst",
             10),
            ("local:iso/debian.iso", "iso", "iso", 512)])
        self.assertEqual(listed[2]["notes"], "nightly")
        listed = yield self.call("GET", self.content, {"content": "iso"})
        self.assertEqual([v["volid"] for v in listed], ["local:iso/debian.iso"])
        listed = yield self.call("GET", self.content, {"vmid": 101})
        self.assertEqual([v["volid"] for v in listed],
                         ["local:backup/vzdump-qemu-101-2024_01_02-03_04_05.vma.zst"])
        # a VM's disks show as images, a container's as rootdir
        self.node.write("nodes/node1/lxc/100.conf", "hostname: ct\n")
        listed = yield self.call("GET", self.content, {"vmid": 100})
        self.assertEqual([v["content"] for v in listed], ["rootdir", "rootdir"])
        listed = yield self.call("GET", self.content, {"content": "images"})
        self.assertEqual(listed, [])
        info = yield self.call("GET", self.content + "/local:100/vm-100-disk-0.qcow2")
        self.assertEqual(info, {"path": self.local("images/100/vm-100-disk-0.qcow2"),
                                "size": 1048576, "used": info["used"], "format": "qcow2"})
        # a volume name with the storage in the path
        info = yield self.call("GET", self.content + "/iso/debian.iso")
        self.assertEqual((info["path"], info["size"], info["format"]),
                         (self.local("template/iso/debian.iso"), 512, "raw"))
        info = yield self.call(
            "GET", self.content + "/local:backup/vzdump-qemu-101-2024_01_02-03_04_05.vma.zst")
        self.assertEqual((info["notes"], info["protected"]), ("nightly\nsecond line\n", 0))

    @defer.inlineCallbacks
    def test_alloc_errors_change_nothing(self):
        for params, errors in (
                ({"vmid": 100, "filename": "vm-100-disk-0.raw", "size": "1T"}, ["size"]),
                ({"vmid": 100, "filename": "vm-100-disk-0.raw", "size": "1",
                  "format": "qcow2"}, ["format"]),
                ({"vmid": 99, "filename": "vm-99-disk-0.raw", "size": "1"}, ["vmid"]),
                ({"vmid": 100, "size": "1"}, ["filename"])):
            yield self.fails(self.call("POST", self.content, params), 400, errors)
        for params, message in (
                ({"vmid": 100, "filename": "a/b.raw", "size": "1"},
                 "unable to parse volume filename 'a/b.raw'\n"),
                ({"vmid": 100, "filename": "vm-100-disk-0.qcow2", "size": "1",
                  "format": "qcow2"}, None),
                ({"vmid": 100, "filename": "vm-100-disk-0.qcow2", "size": "1"},
                 "disk image '%s' already exists\n"
                 % self.local("images/100/vm-100-disk-0.qcow2"))):
            if message is None:
                yield self.call("POST", self.content, params)
                continue
            e = yield self.fails(self.call("POST", self.content, params), 500)
            self.assertEqual(e.message, message)
        e = yield self.fails(self.call("POST", "/nodes/node1/storage/nope/content", {
            "vmid": 100, "filename": "vm-100-disk-1.raw", "size": "1"}), 500)
        self.assertEqual(e.message, "storage 'nope' does not exist\n")
        self.assertEqual(os.listdir(self.local("images/100")), ["vm-100-disk-0.qcow2"])

    @defer.inlineCallbacks
    def test_volume_errors(self):
        e = yield self.fails(self.call("GET", self.content + "/local:bogus"), 500)
        self.assertEqual(e.message, "unable to parse directory volume name 'bogus'\n")
        yield self.fails(self.call("GET", self.content + "/other:iso/x.iso"), 400,
                         ["volume"])
        e = yield self.fails(self.call("GET", self.content + "/local:iso/missing.iso"),
                             500)
        self.assertEqual(e.message, "volume 'local:iso/missing.iso' does not exist\n")
        yield self.fails(self.call("DELETE", self.content + "/local:bogus"), 500)

    @defer.inlineCallbacks
    def test_access(self):
        yield self.call("POST", self.content, {"vmid": 100, "filename": "vm-100-disk-0.raw",
                                               "size": "1"})
        self.write_file(self.local("template/iso/debian.iso"), b"x")
        self.grant("alice@pve", "/storage/local", "PVEDatastoreUser")
        listed = yield self.call("GET", self.content, user="alice@pve")
        self.assertEqual([v["volid"] for v in listed], ["local:iso/debian.iso"])
        yield self.fails(self.call("GET", self.content + "/local:100/vm-100-disk-0.raw",
                                   user="alice@pve"), 403)
        code = yield self.status("POST", self.content, {
            "vmid": 100, "filename": "vm-100-disk-1.raw", "size": "1"}, user="bob@pve")
        self.assertEqual(code, 403)
        code = yield self.status("POST", "/nodes/node1/storage/local/upload", {
            "content": "iso", "filename": "x.iso"}, user="alice@pve")
        self.assertEqual(code, 403)
        yield self.fails(self.task_call("DELETE", self.content + "/local:iso/debian.iso",
                                        user="alice@pve"), 403)
        self.assertTrue(os.path.exists(self.local("template/iso/debian.iso")))

    @defer.inlineCallbacks
    def test_delete(self):
        volid = yield self.call("POST", self.content, {
            "vmid": 100, "filename": "vm-100-disk-0.raw", "size": "1"})
        upid = yield self.task_call("DELETE", self.content + "/" + volid)
        self.assertEqual(upid.split(":")[5:8], ["imgdel", "100@local", "root@pam"])
        status = yield workers.worker_ended(upid)
        self.assertEqual(status, "OK")
        _, lines = tasklog.read_log(self.node.paths, upid, 0, 0)
        self.assertEqual([line["t"] for line in lines],
                         ["Removed volume 'local:100/vm-100-disk-0.raw'", "TASK OK"])
        self.assertFalse(os.path.exists(self.local("images/100")))
        # with a delay, the result of a task that ends in time
        self.write_file(self.local("template/iso/debian.iso"))
        done = yield self.task_call("DELETE", self.content + "/iso/debian.iso",
                                    {"delay": 10})
        self.assertIsNone(done)
        self.assertFalse(os.path.exists(self.local("template/iso/debian.iso")))
        backup = self.local("dump/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst")
        for name in (backup, backup + ".protected", backup[:-8] + ".log"):
            self.write_file(name)
        e = yield self.fails(self.task_call(
            "DELETE", self.content + "/local:backup/" + os.path.basename(backup),
            {"delay": 10}), 500)
        self.assertIn("cannot remove protected volume", e.message)
        os.unlink(backup + ".protected")
        yield self.task_call("DELETE", self.content + "/local:backup/"
                             + os.path.basename(backup), {"delay": 10})
        self.assertEqual(os.listdir(self.local("dump")), [])


class UploadTests(Base):
    upload = "/nodes/node1/storage/local/upload"

    def tmpfile(self, data, name="pveupload-0123abcd"):
        path = self.node.paths.join("var/tmp", name)
        self.write_file(path, data)
        return "/var/tmp/" + name

    @defer.inlineCallbacks
    def run_upload(self, params):
        upid = yield self.task_call("POST", self.upload, params)
        self.assertEqual(upid.split(":")[5:8], ["imgcopy", "", "root@pam"])
        status = yield workers.worker_ended(upid)
        return upid, status

    @defer.inlineCallbacks
    def test_upload_iso(self):
        data = b"\0" * 4096
        tmp = self.tmpfile(data)
        _, status = yield self.run_upload({
            "content": "iso", "filename": "C:\\isos\\my image.iso", "tmpfilename": tmp,
            "checksum": hashlib.sha256(data).hexdigest(),
            "checksum-algorithm": "sha256"})
        self.assertEqual(status, "OK")
        with open(self.local("template/iso/my_image.iso"), "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertFalse(os.path.exists(self.node.paths.join(tmp)))
        tmp = self.tmpfile(b"tar", "pveupload-ff")
        _, status = yield self.run_upload({
            "content": "vztmpl", "filename": "debian.tar.zst", "tmpfilename": tmp})
        self.assertEqual(status, "OK")
        self.assertTrue(os.path.isfile(self.local("template/cache/debian.tar.zst")))

    @defer.inlineCallbacks
    def test_upload_errors(self):
        tmp = self.tmpfile(b"data")
        _, status = yield self.run_upload({
            "content": "iso", "filename": "x.iso", "tmpfilename": tmp,
            "checksum": "00", "checksum-algorithm": "md5"})
        self.assertEqual(status, "checksum mismatch: got '%s' != expect '00'"
                         % hashlib.md5(b"data").hexdigest())
        self.assertFalse(os.path.exists(self.node.paths.join(tmp)))
        self.assertFalse(os.path.exists(self.local("template/iso/x.iso")))
        tmp = self.tmpfile(b"data")
        for params, errors in (
                ({"content": "iso", "filename": "x.img.gz"}, ["filename"]),
                ({"content": "vztmpl", "filename": "x.iso"}, ["filename"]),
                ({"content": "backup", "filename": "x.vma"}, ["content"]),
                ({"content": "iso", "filename": "x.iso",
                  "tmpfilename": "/etc/passwd"}, ["tmpfilename"]),
                ({"content": "iso", "filename": "x.iso", "checksum": "00"},
                 ["checksum-algorithm"])):
            params.setdefault("tmpfilename", tmp)
            yield self.fails(self.task_call("POST", self.upload, params), 400, errors)
        e = yield self.fails(self.task_call("POST", self.upload, {
            "content": "iso", "filename": "x.iso"}), 500)
        self.assertEqual(e.message, "missing temporary file name\n")
        e = yield self.fails(self.task_call("POST", self.upload, {
            "content": "iso", "filename": "x.iso",
            "tmpfilename": "/var/tmp/pveupload-99"}), 500)
        self.assertEqual(e.message, "temporary file '%s' does not exist\n"
                         % self.node.paths.join("var/tmp/pveupload-99"))
        self.node.write("storage.cfg", "dir: local\n\tpath /var/lib/vz\n\tcontent images\n")
        e = yield self.fails(self.task_call("POST", self.upload, {
            "content": "iso", "filename": "x.iso", "tmpfilename": tmp}), 500)
        self.assertEqual(e.message, "storage 'local' does not support 'iso' content\n")
        self.assertTrue(os.path.exists(self.node.paths.join(tmp)))
        self.assertFalse(os.path.exists(self.local("template/iso/x.iso")))


class ParsedConfigTests(unittest.TestCase):
    def test_written_file_reads_back(self):
        from pve.api import storage
        settings = storage.check_config("dir", {
            "path": "/srv/x/", "content": "iso images", "nodes": "b,a",
            "content-dirs": "iso=isos"}, True)
        ids = {"x1": settings}
        text = storagecfg.write_storage_cfg(ids)
        parsed, warnings = storagecfg.parse_storage_cfg(text)
        self.assertEqual(warnings, [])
        self.assertEqual(parsed["x1"], {"type": "dir", "path": "/srv/x",
                                        "content": ["images", "iso"], "nodes": ["a", "b"],
                                        "content-dirs": {"iso": "isos"}})
