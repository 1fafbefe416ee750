"""ConfigFS: layout, plug files, locks, status, change announcements."""

import errno
import json

from twisted.internet import task
from twisted.trial import unittest

from pve import debuglog, paths
from pve.cluster.cfs import ConfigFS


class CfsCase(unittest.TestCase):
    node = "n1"

    def setUp(self):
        self.clock = task.Clock()
        self.clock.advance(1700000000)
        self.paths = paths.Paths(self.mktemp())
        self.cfs = ConfigFS.open(self.paths, self.node,
                                 clock=self.clock.seconds)
        self.addCleanup(self.cfs.close)

    def assertErrno(self, code, f, *args, **kw):
        e = self.assertRaises(OSError, f, *args, **kw)
        self.assertEqual(e.errno, code, repr(e))


class LayoutTests(CfsCase):
    def test_first_start_layout(self):
        self.assertEqual(sorted(self.cfs.listdir("nodes/n1")),
                         ["lxc", "openvz", "priv", "qemu-server"])
        self.assertEqual(self.cfs.listdir("priv"), ["lock"])
        root = self.cfs.listdir("")
        for name in ("local", "qemu-server", "lxc", "openvz", ".version",
                     ".members", ".vmlist", ".clusterlog", ".rrd", ".debug"):
            self.assertIn(name, root)
        self.assertEqual(self.cfs.readlink("local"), "nodes/n1")
        self.assertEqual(self.cfs.readlink("qemu-server"),
                         "nodes/n1/qemu-server")

    def test_modes(self):
        self.assertEqual(self.cfs.stat("nodes").mode, 0o755)
        self.assertEqual(self.cfs.stat("priv").mode, 0o700)
        self.assertEqual(self.cfs.stat("nodes/n1/priv").mode, 0o700)
        self.cfs.write_file("user.cfg", b"")
        self.cfs.write_file("priv/shadow.cfg", b"")
        self.cfs.write_file("nodes/n1/priv/key", b"")
        self.assertEqual(self.cfs.stat("user.cfg").mode, 0o640)
        self.assertEqual(self.cfs.stat("priv/shadow.cfg").mode, 0o600)
        self.assertEqual(self.cfs.stat("nodes/n1/priv/key").mode, 0o600)
        self.assertEqual(self.cfs.stat(".vmlist").mode, 0o440)
        self.assertEqual(self.cfs.stat(".debug").mode, 0o640)

    def test_second_node_name_adds_its_dirs(self):
        self.cfs.write_file("nodes/n1/qemu-server/100.conf", b"x")
        self.cfs.close()
        other = ConfigFS.open(self.paths, "n2", clock=self.clock.seconds)
        self.addCleanup(other.close)
        self.assertEqual(sorted(other.listdir("nodes")), ["n1", "n2"])
        self.assertEqual(other.readlink("local"), "nodes/n2")
        self.assertEqual(other.read("nodes/n1/qemu-server/100.conf"), b"x")

    def test_plug_files_refuse_writes(self):
        for name in (".vmlist", ".members", ".version", "local"):
            self.assertErrno(errno.EACCES, self.cfs.write_file, name, b"x")
            self.assertErrno(errno.EACCES, self.cfs.delete, name)
        self.assertErrno(errno.EEXIST, self.cfs.mkdir, "local")


class PlugTests(CfsCase):
    def test_members_local(self):
        self.assertEqual(json.loads(self.cfs.read(".members")),
                         {"nodename": "n1", "version": 1})

    def test_vmlist(self):
        self.assertEqual(json.loads(self.cfs.read(".vmlist")),
                         {"version": 0})
        self.cfs.write_file("nodes/n1/qemu-server/100.conf", b"")
        self.cfs.write_file("nodes/n1/lxc/101.conf", b"")
        data = json.loads(self.cfs.read(".vmlist"))
        self.assertEqual(data["version"], 2)
        self.assertEqual(data["ids"], {
            "100": {"node": "n1", "type": "qemu", "version": 1},
            "101": {"node": "n1", "type": "lxc", "version": 2}})

    def test_version(self):
        before = json.loads(self.cfs.read(".version"))
        self.assertEqual(before["starttime"], 1700000000)
        self.assertEqual(before["storage.cfg"], 0)
        self.cfs.write_file("storage.cfg", b"dir: local\n")
        self.cfs.set_status("nodeip", b"10.0.0.1")
        after = json.loads(self.cfs.read(".version"))
        self.assertEqual(after["storage.cfg"], 1)
        self.assertEqual(after["user.cfg"], 0)
        self.assertEqual(after["kvstore"], {"n1": {"nodeip": 1}})

    def test_clusterlog_newest_fifty(self):
        for i in range(60):
            self.clock.advance(1)
            self.cfs.cluster_log("pvedaemon", "message %d" % i)
        data = json.loads(self.cfs.read(".clusterlog"))["data"]
        self.assertEqual(len(data), 50)
        self.assertEqual(data[0]["msg"], "message 59")
        self.assertEqual(sorted(data[0]),
                         ["msg", "node", "pid", "pri", "tag", "time", "uid",
                          "user"])
        self.assertEqual(data[0]["node"], "n1")
        self.assertEqual(data[0]["time"], 1700000060)

    def test_rrd(self):
        self.cfs.set_status("rrd/pve2-node/n1", b"1700000000:1:0.5:2")
        self.cfs.set_status("rrd/pve2-vm/100", b"1700000000:0:1")
        self.assertEqual(self.cfs.read(".rrd"),
                         b"pve2-node/n1:1700000000:1:0.5:2\n"
                         b"pve2-vm/100:1700000000:0:1\n")

    def test_debug(self):
        self.addCleanup(debuglog.set_enabled, False)
        self.assertEqual(self.cfs.read(".debug"), b"0\n")
        self.cfs.write_file(".debug", b"1\n")
        self.assertEqual(self.cfs.read(".debug"), b"1\n")
        self.assertErrno(errno.EINVAL, self.cfs.write_file, ".debug", b"2")
        self.assertEqual(self.cfs.read(".debug"), b"1\n")


class StatusTests(CfsCase):
    def test_per_node_values(self):
        self.cfs.set_status("a", b"mine")
        self.cfs.set_status("a", b"theirs", node="n2")
        self.assertEqual(self.cfs.get_status("a"), b"mine")
        self.assertEqual(self.cfs.get_status("a", node="n2"), b"theirs")
        self.assertIsNone(self.cfs.get_status("b"))

    def test_too_large_value(self):
        self.assertRaises(ValueError, self.cfs.set_status, "a",
                          b"x" * (64 * 1024))
        self.assertIsNone(self.cfs.get_status("a"))


class LockTests(CfsCase):
    lock = "priv/lock/file-storage_cfg"

    def test_release_needs_120_seconds(self):
        self.cfs.mkdir(self.lock)
        self.assertErrno(errno.EEXIST, self.cfs.mkdir, self.lock)
        self.clock.advance(60)
        self.assertErrno(errno.EACCES, self.cfs.utime, self.lock, 0)
        self.assertIn("file-storage_cfg", self.cfs.listdir("priv/lock"))
        self.clock.advance(61)
        self.cfs.utime(self.lock, 0)
        self.assertNotIn("file-storage_cfg", self.cfs.listdir("priv/lock"))
        self.cfs.mkdir(self.lock)

    def test_refresh_extends(self):
        self.cfs.mkdir(self.lock)
        self.clock.advance(100)
        self.cfs.utime(self.lock, self.clock.seconds())
        self.clock.advance(100)
        self.assertErrno(errno.EACCES, self.cfs.utime, self.lock, 0)
        self.clock.advance(21)
        self.cfs.utime(self.lock, 0)
        self.assertErrno(errno.ENOENT, self.cfs.stat, self.lock)

    def test_refresh_backwards_refused(self):
        self.cfs.mkdir(self.lock)
        self.assertErrno(errno.EACCES, self.cfs.utime, self.lock,
                         self.clock.seconds() - 10)

    def test_restart_restarts_the_clock(self):
        self.cfs.mkdir(self.lock)
        self.clock.advance(200)
        self.cfs.close()
        self.cfs = ConfigFS.open(self.paths, self.node,
                                 clock=self.clock.seconds)
        self.assertErrno(errno.EACCES, self.cfs.utime, self.lock, 0)
        self.clock.advance(121)
        self.cfs.utime(self.lock, 0)
        self.assertErrno(errno.ENOENT, self.cfs.stat, self.lock)

    def test_rmdir_releases(self):
        self.cfs.mkdir(self.lock)
        self.cfs.delete(self.lock, kind="dir")
        self.cfs.mkdir(self.lock)


class SubscriberTests(CfsCase):
    def test_changes_are_announced(self):
        seen = []
        unsubscribe = self.cfs.subscribe(
            lambda paths, version, origin: seen.append((paths, origin)))
        self.cfs.write_file("a", b"1", origin="test")
        self.cfs.rename("a", "b")
        self.assertErrno(errno.ENOENT, self.cfs.delete, "a")
        unsubscribe()
        self.cfs.delete("b")
        self.assertEqual(seen, [(("a",), "test"), (("a", "b"), None)])

    def test_write_file_is_one_change(self):
        versions = []
        self.cfs.subscribe(lambda p, v, o: versions.append(v))
        before = self.cfs.version()
        self.cfs.write_file("a", b"x" * 1000)
        self.cfs.write_file("a", b"short")
        self.assertEqual(versions, [before + 1, before + 2])
        self.assertEqual(self.cfs.read("a"), b"short")


class MembersFormatTests(unittest.TestCase):
    def test_cluster_form(self):
        from pve.cluster import plugs, status
        st = status.Status("n1", 0)
        text = plugs.members(st, {
            "name": "lab", "version": 3, "nodes": 2, "quorate": True,
            "nodelist": {"n1": {"id": 1, "online": True, "ip": "10.0.0.1"},
                         "n2": {"id": 2, "online": False, "ip": None}}})
        self.assertEqual(json.loads(text), {
            "nodename": "n1", "version": 1,
            "cluster": {"name": "lab", "version": 3, "nodes": 2,
                        "quorate": 1},
            "nodelist": {"n1": {"id": 1, "online": 1, "ip": "10.0.0.1"},
                         "n2": {"id": 2, "online": 0}}})
