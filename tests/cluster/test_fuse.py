"""The mounted filesystem, through real system calls on a real FUSE mount."""

import errno
import json
import os
import stat
import subprocess
import sys

from twisted.trial import unittest

from pve import debuglog
from pve.cluster import memdb, mount
from pve.cluster.fuse import www_data_gid
from tests.cluster.mounted import MountedCase


class FileTests(MountedCase, unittest.TestCase):
    def setUp(self):
        self.mountCfs()

    def test_create_read_write_at_offsets(self):
        self.writeFile(b"hello world", "a.cfg")
        fd = os.open(self.p("a.cfg"), os.O_RDWR)
        try:
            os.pwrite(fd, b"WORLD", 6)
            os.pwrite(fd, b"!", 11)
            self.assertEqual(os.pread(fd, 5, 6), b"WORLD")
        finally:
            os.close(fd)
        self.assertEqual(self.readFile("a.cfg"), b"hello WORLD!")
        self.assertEqual(self.cfs.read("a.cfg"), b"hello WORLD!")

    def test_append_and_truncate(self):
        self.writeFile(b"one\n", "f")
        with open(self.p("f"), "ab") as f:
            f.write(b"two\n")
        self.assertEqual(self.readFile("f"), b"one\ntwo\n")
        os.truncate(self.p("f"), 3)
        self.assertEqual(self.readFile("f"), b"one")
        with open(self.p("f"), "wb") as f:
            pass
        self.assertEqual(os.stat(self.p("f")).st_size, 0)

    def test_unlink_mkdir_rmdir_rename(self):
        os.mkdir(self.p("d"))
        self.writeFile(b"x", "d", "f")
        self.assertErrno(errno.ENOTEMPTY, os.rmdir, self.p("d"))
        self.assertErrno(errno.ENOTEMPTY, os.rename, self.p("d"), self.p("e"))
        os.rename(self.p("d", "f"), self.p("g"))
        self.assertEqual(self.readFile("g"), b"x")
        os.rmdir(self.p("d"))
        os.unlink(self.p("g"))
        self.assertNotIn("g", os.listdir(self.mnt))
        self.assertNotIn("d", self.cfs.listdir(""))

    def test_rename_replaces(self):
        self.writeFile(b"new", "f.tmp")
        self.writeFile(b"old", "f")
        os.rename(self.p("f.tmp"), self.p("f"))
        self.assertEqual(self.readFile("f"), b"new")
        self.assertEqual(sorted(n for n in os.listdir(self.mnt)
                                if n.startswith("f")), ["f"])

    def test_utimens(self):
        self.writeFile(b"", "f")
        os.utime(self.p("f"), (1600000000, 1600000000))
        self.assertEqual(os.stat(self.p("f")).st_mtime, 1600000000)

    def test_unsupported(self):
        self.writeFile(b"", "f")
        self.assertErrno(errno.ENOSYS, os.symlink, "f", self.p("s"))
        self.assertErrno(errno.ENOSYS, os.mknod, self.p("fifo"),
                         stat.S_IFIFO | 0o600)
        self.assertErrno(errno.EPERM, os.link, self.p("f"), self.p("h"))
        self.assertErrno(errno.ENOTSUP, os.setxattr, self.p("f"),
                         "user.x", b"1")
        self.assertErrno(errno.ENOTSUP, os.getxattr, self.p("f"), "user.x")
        self.assertEqual(sorted(os.listdir(self.mnt)),
                         sorted(self.cfs.listdir("")))

    def test_write_past_limit(self):
        fd = os.open(self.p("big"), os.O_WRONLY | os.O_CREAT)
        try:
            written = os.write(fd, b"x" * (2 * memdb.MAX_FILE_SIZE))
            self.assertEqual(written, memdb.MAX_FILE_SIZE)
            self.assertErrno(errno.EFBIG, os.write, fd, b"y")
        finally:
            os.close(fd)
        self.assertEqual(os.stat(self.p("big")).st_size, memdb.MAX_FILE_SIZE)
        self.assertErrno(errno.EFBIG, os.truncate, self.p("big"),
                         memdb.MAX_FILE_SIZE + 1)

    def test_total_limit_is_enospc(self):
        self.patch(memdb, "MAX_FS_SIZE", 64 * 1024)
        self.writeFile(b"x" * 60000, "a")
        self.assertErrno(errno.ENOSPC, self.writeFile, b"y" * 10000, "b")
        self.assertEqual(len(self.readFile("a")), 60000)

    def test_statfs_reports_limits(self):
        st = os.statvfs(self.mnt)
        self.assertEqual(st.f_blocks * st.f_frsize, memdb.MAX_FS_SIZE)
        self.assertEqual(st.f_files, memdb.MAX_INODES)
        self.writeFile(b"x" * 40960, "f")
        after = os.statvfs(self.mnt)
        self.assertEqual(st.f_bfree - after.f_bfree, 10)
        self.assertEqual(st.f_ffree - after.f_ffree, 1)

    def test_persists_in_database(self):
        self.writeFile(b"dir: local\n", "storage.cfg")
        os.mkdir(self.p("ha"))
        self.writeFile(b"", "ha", "resources.cfg")
        self.mount.stop()
        self.cfs.close()
        from pve.cluster.cfs import ConfigFS
        again = ConfigFS.open(self.paths, "n1")
        self.addCleanup(again.close)
        self.assertEqual(again.read("storage.cfg"), b"dir: local\n")
        self.assertEqual(again.listdir("ha"), ["resources.cfg"])


class AttributeTests(MountedCase, unittest.TestCase):
    def setUp(self):
        self.mountCfs()

    def test_owner_and_modes(self):
        self.writeFile(b"", "user.cfg")
        self.writeFile(b"", "priv", "shadow.cfg")
        gid = www_data_gid()
        for path, mode in [("user.cfg", 0o100640), ("nodes", 0o40755),
                           ("priv", 0o40700), ("priv/shadow.cfg", 0o100600),
                           ("nodes/n1/priv", 0o40700),
                           ("nodes/n1/qemu-server", 0o40755),
                           (".vmlist", 0o100440), (".debug", 0o100640)]:
            st = os.lstat(self.p(path))
            self.assertEqual((oct(st.st_mode), st.st_uid, st.st_gid),
                             (oct(mode), 0, gid), path)

    def test_chmod_only_own_modes(self):
        self.writeFile(b"", "f")
        self.writeFile(b"", "priv", "g")
        os.chmod(self.p("f"), 0o640)
        os.chmod(self.p("priv", "g"), 0o600)
        os.chmod(self.p("nodes"), 0o755)
        for path, mode in [("f", 0o600), ("f", 0o644), ("priv/g", 0o640),
                           ("nodes", 0o700)]:
            self.assertErrno(errno.EPERM, os.chmod, self.p(path), mode)
        self.assertEqual(os.stat(self.p("f")).st_mode & 0o777, 0o640)

    def test_chown_only_root_www_data(self):
        self.writeFile(b"", "f")
        os.chown(self.p("f"), 0, www_data_gid())
        os.chown(self.p("f"), -1, -1)
        self.assertErrno(errno.EPERM, os.chown, self.p("f"), 65534, -1)
        self.assertErrno(errno.EPERM, os.chown, self.p("f"), -1, 0)

    def test_symlinks(self):
        for name, target in [("local", "nodes/n1"),
                             ("qemu-server", "nodes/n1/qemu-server"),
                             ("lxc", "nodes/n1/lxc"),
                             ("openvz", "nodes/n1/openvz")]:
            self.assertEqual(os.readlink(self.p(name)), target)
            self.assertTrue(stat.S_ISLNK(os.lstat(self.p(name)).st_mode))
        self.writeFile(b"memory: 512\n", "local", "qemu-server", "100.conf")
        self.assertEqual(self.readFile("qemu-server", "100.conf"),
                         b"memory: 512\n")
        self.assertErrno(errno.EACCES, os.unlink, self.p("local"))


class PlugFileTests(MountedCase, unittest.TestCase):
    def setUp(self):
        self.mountCfs()

    def test_vmlist_follows_configs(self):
        self.writeFile(b"", "nodes", "n1", "qemu-server", "100.conf")
        vmlist = json.loads(self.readFile(".vmlist"))
        self.assertEqual(vmlist["ids"]["100"]["node"], "n1")
        self.assertEqual(vmlist["ids"]["100"]["type"], "qemu")
        os.unlink(self.p("nodes", "n1", "qemu-server", "100.conf"))
        self.assertNotIn("ids", json.loads(self.readFile(".vmlist")))

    def test_members_and_version(self):
        self.assertEqual(json.loads(self.readFile(".members")),
                         {"nodename": "n1", "version": 1})
        self.writeFile(b"", "user.cfg")
        self.assertEqual(json.loads(self.readFile(".version"))["user.cfg"], 1)

    def test_read_only(self):
        for name in (".vmlist", ".members", ".version", ".clusterlog",
                     ".rrd"):
            self.assertErrno(errno.EACCES, open, self.p(name), "wb")
            self.assertErrno(errno.EACCES, os.unlink, self.p(name))

    def test_debug(self):
        self.addCleanup(debuglog.set_enabled, False)
        self.writeFile(b"1\n", ".debug")
        self.assertEqual(self.readFile(".debug"), b"1\n")
        self.assertTrue(self.cfs.debug)
        self.assertErrno(errno.EINVAL, self.writeFile, b"yes", ".debug")
        self.writeFile(b"0", ".debug")
        self.assertFalse(self.cfs.debug)


class VMConfigTests(MountedCase, unittest.TestCase):
    def setUp(self):
        self.mountCfs()
        for d in ("nodes/n2", "nodes/n2/qemu-server", "nodes/n2/lxc"):
            os.mkdir(self.p(d))

    def test_vmid_exists_on_other_node(self):
        self.writeFile(b"memory: 512\n", "nodes/n1/qemu-server/100.conf")
        self.assertErrno(errno.EEXIST, self.writeFile, b"",
                         "nodes/n2/qemu-server/100.conf")
        self.assertErrno(errno.EEXIST, self.writeFile, b"",
                         "nodes/n2/lxc/100.conf")
        self.assertEqual(self.readFile("nodes/n1/qemu-server/100.conf"),
                         b"memory: 512\n")

    def test_migration_rename(self):
        self.writeFile(b"memory: 512\n", "nodes/n1/qemu-server/100.conf")
        os.rename(self.p("nodes/n1/qemu-server/100.conf"),
                  self.p("nodes/n2/qemu-server/100.conf"))
        self.assertEqual(self.cfs.vmlist()[100]["node"], "n2")
        self.assertEqual(self.readFile("nodes/n2/qemu-server/100.conf"),
                         b"memory: 512\n")


class LockTests(MountedCase, unittest.TestCase):
    def setUp(self):
        self.mountCfs()
        self.lock = self.p("priv", "lock", "storage-local")

    def test_lock_cycle(self):
        os.mkdir(self.lock)
        self.assertErrno(errno.EEXIST, os.mkdir, self.lock)
        self.assertErrno(errno.EACCES, os.utime, self.lock, (0, 0))
        self.clock.advance(121)
        os.utime(self.lock, (0, 0))
        self.assertFalse(os.path.exists(self.lock))
        os.mkdir(self.lock)

    def test_refresh(self):
        os.mkdir(self.lock)
        self.clock.advance(100)
        now = self.clock.seconds()
        os.utime(self.lock, (now, now))
        self.clock.advance(100)
        self.assertErrno(errno.EACCES, os.utime, self.lock, (0, 0))
        self.assertTrue(os.path.isdir(self.lock))


class OtherClientsTests(MountedCase, unittest.TestCase):
    """Changes made beside the mount show through it at once."""

    def setUp(self):
        self.mountCfs()

    def test_rewrite_is_seen(self):
        self.cfs.write_file("datacenter.cfg", b"keyboard: en-us\n")
        self.assertEqual(self.readFile("datacenter.cfg"), b"keyboard: en-us\n")
        new = b"keyboard: de\nconsole: html5\n"
        self.cfs.write_file("datacenter.cfg", new)
        self.assertEqual(os.stat(self.p("datacenter.cfg")).st_size, len(new))
        self.assertEqual(self.readFile("datacenter.cfg"),
                         b"keyboard: de\nconsole: html5\n")

    def test_delete_and_rename_are_seen(self):
        self.writeFile(b"a", "f")
        os.stat(self.p("f"))
        self.cfs.rename("f", "g")
        self.assertFalse(os.path.exists(self.p("f")))
        self.assertEqual(self.readFile("g"), b"a")
        self.cfs.delete("g")
        self.assertFalse(os.path.exists(self.p("g")))
        self.writeFile(b"b", "g")


class StopTests(MountedCase, unittest.TestCase):
    def test_stop_with_open_file_unmounts(self):
        self.mountCfs()
        fd = os.open(self.p("nodes", "n1", "x"), os.O_WRONLY | os.O_CREAT)
        self.mount.stop()
        self.assertIsNone(mount.mount_of(self.mnt))
        # the file was cut off from the aborted connection
        self.assertErrno(errno.ENOTCONN, os.close, fd)

    def test_stale_mount_is_cleaned(self):
        """A mount whose process was killed is removed at the next start."""
        root = os.path.abspath(self.mktemp())
        mnt = os.path.join(root, "etc", "pve")
        script = (
            "import sys, os, signal\n"
            "from pve import paths\n"
            "from pve.cluster.cfs import ConfigFS\n"
            "from pve.cluster.fuse import Operations\n"
            "from pve.cluster.mount import FuseMount\n"
            "cfs = ConfigFS.open(paths.Paths(sys.argv[1]), 'n1')\n"
            "FuseMount(Operations(cfs), sys.argv[2]).start()\n"
            "print('mounted', flush=True)\n"
            "signal.pause()\n")
        proc = subprocess.Popen([sys.executable, "-c", script, root, mnt],
                                stdout=subprocess.PIPE,
                                cwd=os.path.dirname(os.path.dirname(
                                    os.path.dirname(__file__))))
        self.addCleanup(mount.force_unmount, mnt)
        self.addCleanup(proc.wait)
        self.addCleanup(proc.kill)
        self.assertEqual(proc.stdout.readline(), b"mounted\n")
        proc.kill()
        proc.wait()
        self.assertIsNotNone(mount.mount_of(mnt))
        self.assertErrno(errno.ENOTCONN, os.listdir, mnt)
        self.mountCfs(root)
        self.assertIn("nodes", os.listdir(mnt))
        self.assertEqual(len([m for m in mount.mounts() if m[0] == mnt]), 1)
