"""The pmxcfs clients: the same scenarios against DirectClient and against
IPCClient over a real unix socket, both on a real ConfigFS."""

import errno
import os
import shutil
import tempfile

from twisted.internet import defer, reactor, task, threads
from twisted.trial import unittest
from zope.interface.verify import verifyObject

from pve.cluster import ipc
from pve.cluster.cfs import ConfigFS
from pve.cluster.client import DirectClient, ICfsClient, IPCClient
from pve.paths import Paths

T0 = 1700000000
MIB = 1024 * 1024
VMDIR = "nodes/node1/qemu-server"


def make_root(testcase):
    """A temporary PVE root anyone can traverse (for www-data peers)."""
    root = tempfile.mkdtemp(prefix="pve-ipc-")
    testcase.addCleanup(shutil.rmtree, root, True)
    os.chmod(root, 0o755)
    paths = Paths(root)
    for d in (paths.cluster_run, paths.cluster_lib):
        os.makedirs(d, mode=0o755, exist_ok=True)
        os.chmod(d, 0o755)
    return paths


def open_cfs(testcase, paths, clock):
    cfs = ConfigFS.open(paths, "node1", clock=clock.seconds)
    testcase.addCleanup(cfs.close)
    return cfs


def start_ipc(testcase, cfs, paths, clock):
    """Start the IPC service on *paths*; return its description."""
    description = "unix:%s:mode=660" % (paths.pmxcfs_socket,)
    service = ipc.makeIPCService(cfs, description, reactor, clock=clock)
    service.startService()
    testcase.addCleanup(lambda: service.running and service.stopService())
    return service, "unix:%s" % (paths.pmxcfs_socket,)


@defer.inlineCallbacks
def connect(testcase, description):
    client = yield IPCClient.connect(reactor, description)
    testcase.addCleanup(client.close)
    return client


@defer.inlineCallbacks
def assert_errno(test, d, code, path=None):
    """*d* fails with ``OSError(code, strerror, path)``."""
    e = yield test.assertFailure(d, OSError)
    test.assertEqual((e.errno, errno.errorcode.get(e.errno)),
                     (code, errno.errorcode[code]))
    test.assertEqual(e.strerror, os.strerror(code))
    if path is not None:
        test.assertEqual(e.filename, path)
    return e


class Recorder:
    """A watch callback that records ``(path, version)`` and can be
    waited on."""

    def __init__(self):
        self.events = []
        self._waiting = []

    def __call__(self, path, version):
        self.events.append((path, version))
        waiting, self._waiting = self._waiting, []
        for n, d in waiting:
            if len(self.events) >= n:
                d.callback(list(self.events))
            else:
                self._waiting.append((n, d))

    def wait(self, n):
        """Fires with the events once there are at least *n*."""
        if len(self.events) >= n:
            return defer.succeed(list(self.events))
        d = defer.Deferred()
        self._waiting.append((n, d))
        return d

    @property
    def paths(self):
        return [p for p, v in self.events]


class ClientScenarios:
    """Runs against ``self.client`` (an ICfsClient) on ``self.cfs``;
    ``self.clock`` drives lock timing and the ConfigFS clock.  Subclasses
    provide :meth:`other_client` and :meth:`barrier`."""

    timeout = 60

    def other_client(self):
        raise NotImplementedError

    def barrier(self, client):
        """Fires once *client*'s earlier requests have reached ConfigFS."""
        return client.version()

    def assertErrno(self, d, code, path=None):
        return assert_errno(self, d, code, path)

    def test_interface(self):
        self.assertTrue(verifyObject(ICfsClient, self.client))

    # -- files -------------------------------------------------------------

    @defer.inlineCallbacks
    def test_versions(self):
        paths = ["user.cfg", "priv/token.cfg", "missing.cfg",
                 "nodes/nosuch/x.cfg"]
        yield self.client.write("user.cfg", b"a")
        yield self.client.write("priv/token.cfg", b"t")
        v1 = yield self.client.versions(paths)
        self.assertEqual(v1, {
            "user.cfg": self.cfs.stat("user.cfg").version,
            "priv/token.cfg": self.cfs.stat("priv/token.cfg").version,
            "missing.cfg": None, "nodes/nosuch/x.cfg": None})
        self.assertIsInstance(v1["user.cfg"], int)
        # other files, locks: unchanged
        yield self.client.write("storage.cfg", b"dir: local\n")
        yield self.client.lock("x")
        yield self.client.unlock("x")
        v2 = yield self.client.versions(paths)
        self.assertEqual(v2, v1)
        # a write, even of the same bytes, a utime, a rename onto it
        seen = [v1["user.cfg"]]
        yield self.client.write("user.cfg", b"a")
        yield self.client.utime("user.cfg", T0 + 5)
        for _ in range(2):
            v = yield self.client.versions(["user.cfg"])
            seen.append(v["user.cfg"])
        yield self.client.write("new.cfg", b"b")
        yield self.client.rename("new.cfg", "user.cfg")
        v = yield self.client.versions(["user.cfg"])
        seen.append(v["user.cfg"])
        self.assertEqual(len(set(seen)), 3, seen)
        self.assertEqual(seen[-1], self.cfs.stat("user.cfg").version)
        yield self.client.delete("user.cfg")
        v = yield self.client.versions(["user.cfg", "priv/token.cfg"])
        self.assertEqual(v, {"user.cfg": None,
                             "priv/token.cfg": v1["priv/token.cfg"]})
        v = yield self.client.versions([])
        self.assertEqual(v, {})

    @defer.inlineCallbacks
    def test_write_read_stat_list(self):
        path = VMDIR + "/100.conf"
        yield self.client.write(path, b"memory: 512\n")
        data = yield self.client.read(path)
        self.assertEqual(data, b"memory: 512\n")
        self.assertEqual(self.cfs.read(path), b"memory: 512\n")
        names = yield self.client.listdir(VMDIR)
        self.assertEqual(names, ["100.conf"])
        st = yield self.client.stat(path)
        self.assertEqual((st.kind, st.mode, st.size, st.mtime),
                         ("file", 0o640, 12, T0))
        self.assertEqual(st, self.cfs.stat(path))
        yield self.client.write(path, b"x")
        data = yield self.client.read(path)
        self.assertEqual(data, b"x")

    @defer.inlineCallbacks
    def test_stat_dir_and_plug(self):
        st = yield self.client.stat("nodes/node1/priv")
        self.assertEqual((st.kind, st.mode), ("dir", 0o700))
        st = yield self.client.stat(".version")
        self.assertEqual((st.kind, st.inode), ("plug", None))
        names = yield self.client.listdir("")
        self.assertIn(".members", names)
        self.assertIn("local", names)

    @defer.inlineCallbacks
    def test_mkdir_delete(self):
        yield self.client.mkdir("ha")
        yield self.assertErrno(self.client.mkdir("ha"), errno.EEXIST, "ha")
        yield self.client.write("ha/resources.cfg", b"")
        yield self.assertErrno(self.client.delete("ha"), errno.ENOTEMPTY)
        yield self.assertErrno(self.client.delete("ha/resources.cfg", "dir"),
                               errno.ENOTDIR)
        yield self.assertErrno(self.client.delete("ha", "file"),
                               errno.EISDIR)
        yield self.client.delete("ha/resources.cfg", "file")
        yield self.client.delete("ha", "dir")
        yield self.assertErrno(self.client.stat("ha"), errno.ENOENT, "ha")

    @defer.inlineCallbacks
    def test_rename(self):
        yield self.client.write("a.cfg", b"A")
        yield self.client.rename("a.cfg", "b.cfg")
        data = yield self.client.read("b.cfg")
        self.assertEqual(data, b"A")
        yield self.assertErrno(self.client.read("a.cfg"), errno.ENOENT,
                               "a.cfg")
        yield self.assertErrno(self.client.rename("a.cfg", "c.cfg"),
                               errno.ENOENT, "a.cfg")

    @defer.inlineCallbacks
    def test_utime(self):
        yield self.client.write("a.cfg", b"")
        yield self.client.utime("a.cfg", T0 - 50)
        st = yield self.client.stat("a.cfg")
        self.assertEqual(st.mtime, T0 - 50)

    @defer.inlineCallbacks
    def test_errors(self):
        yield self.assertErrno(self.client.read("nope.cfg"), errno.ENOENT,
                               "nope.cfg")
        yield self.assertErrno(self.client.read("nodes"), errno.EISDIR)
        yield self.assertErrno(self.client.listdir("nope"), errno.ENOENT)
        yield self.assertErrno(self.client.write(".members", b""),
                               errno.EACCES)
        yield self.assertErrno(self.client.write("nope/x", b""),
                               errno.ENOENT)

    @defer.inlineCallbacks
    def test_vmid_on_other_node(self):
        yield self.client.write(VMDIR + "/100.conf", b"")
        yield self.client.mkdir("nodes/node2")
        yield self.client.mkdir("nodes/node2/lxc")
        yield self.assertErrno(
            self.client.write("nodes/node2/lxc/100.conf", b""),
            errno.EEXIST, "nodes/node2/lxc/100.conf")
        vms = yield self.client.vmlist()
        self.assertEqual(list(vms), [100])
        self.assertEqual((vms[100]["node"], vms[100]["type"]),
                         ("node1", "qemu"))

    @defer.inlineCallbacks
    def test_file_limit(self):
        yield self.assertErrno(self.client.write("big", b"x" * (MIB + 1)),
                               errno.EFBIG, "big")
        yield self.assertErrno(self.client.stat("big"), errno.ENOENT)

    @defer.inlineCallbacks
    def test_one_mib_round_trip(self):
        data = os.urandom(MIB)
        yield self.client.write("big", data)
        self.assertEqual(self.cfs.read("big"), data)
        self.cfs.write_file("big2", data[::-1])
        back = yield self.client.read("big")
        self.assertEqual(back, data)
        back = yield self.client.read("big2")
        self.assertEqual(back, data[::-1])

    # -- status, log, cluster ----------------------------------------------

    @defer.inlineCallbacks
    def test_status(self):
        yield self.client.set_status("nodeip", b"10.0.0.1")
        yield self.client.set_status("nodeip", b"10.0.0.2", node="node2")
        value = yield self.client.get_status("nodeip")
        self.assertEqual(value, b"10.0.0.1")
        value = yield self.client.get_status("nodeip", node="node2")
        self.assertEqual(value, b"10.0.0.2")
        value = yield self.client.get_status("missing")
        self.assertIsNone(value)
        yield self.client.set_status("rrd/pve2-node/node1", b"1:2:3")
        value = yield self.client.get_status("rrd/pve2-node/node1")
        self.assertEqual(value, b"1:2:3")
        yield self.assertErrno(
            self.client.set_status("huge", b"x" * (100 * 1024)), errno.EFBIG)
        yield self.assertErrno(self.client.set_status("", b"x"),
                               errno.EINVAL)

    @defer.inlineCallbacks
    def test_cluster_log(self):
        yield self.client.cluster_log("pvedaemon", "starting task",
                                      user="admin@pve", pri=5, pid=42)
        yield self.client.cluster_log("pveproxy", "second")
        entries = yield self.client.get_log(10)
        self.assertEqual([e["msg"] for e in entries],
                         ["second", "starting task"])
        e = entries[1]
        self.assertEqual(
            (e["tag"], e["user"], e["pri"], e["pid"], e["node"], e["time"]),
            ("pvedaemon", "admin@pve", 5, 42, "node1", T0))
        entries = yield self.client.get_log(1)
        self.assertEqual(len(entries), 1)

    @defer.inlineCallbacks
    def test_members_version(self):
        members = yield self.client.members()
        self.assertEqual(list(members), ["node1"])
        before = yield self.client.version()
        yield self.client.write("a.cfg", b"")
        after = yield self.client.version()
        self.assertEqual(after, before + 1)
        self.assertEqual(after, self.cfs.version())

    # -- change feed -------------------------------------------------------

    @defer.inlineCallbacks
    def test_watch(self):
        events = Recorder()
        unwatch = yield self.client.watch(VMDIR + "/", events)
        other = yield self.other_client()
        yield other.write("storage.cfg", b"outside")
        yield other.write(VMDIR + "/100.conf", b"")
        # a direct change, from a non-reactor thread as FUSE makes them
        yield threads.deferToThread(self.cfs.write_file,
                                    VMDIR + "/101.conf", b"")
        self.cfs.rename(VMDIR + "/101.conf", "nodes/node1/lxc/101.conf")
        got = yield events.wait(3)
        self.assertEqual([p for p, v in got],
                         [VMDIR + "/100.conf", VMDIR + "/101.conf",
                          VMDIR + "/101.conf"])
        self.assertEqual(got[-1][1], self.cfs.version())
        self.assertEqual(sorted(v for p, v in got), [v for p, v in got])

        yield unwatch()
        sentinel = Recorder()
        yield self.client.watch(VMDIR, sentinel)
        yield other.write(VMDIR + "/102.conf", b"")
        yield sentinel.wait(1)
        self.assertEqual(len(events.events), 3)

    @defer.inlineCallbacks
    def test_watch_everything(self):
        events = Recorder()
        yield self.client.watch("", events)
        yield self.client.mkdir("sdn")
        self.cfs.delete("sdn")
        got = yield events.wait(2)
        self.assertEqual([p for p, v in got], ["sdn", "sdn"])

    # -- locks -------------------------------------------------------------

    @defer.inlineCallbacks
    def test_lock_timeout_and_release(self):
        other = yield self.other_client()
        yield self.client.lock("vm-100")
        st = self.cfs.stat("priv/lock/vm-100")
        self.assertEqual(st.kind, "dir")
        d = other.lock("vm-100", timeout=3)
        for i in range(3):
            yield self.barrier(other)
            self.assertFalse(d.called)
            self.clock.advance(1)
        yield self.assertErrno(d, errno.ETIMEDOUT, "priv/lock/vm-100")
        self.assertEqual(self.clock.getDelayedCalls(), [])

        d = other.lock("vm-100", timeout=10)
        yield self.barrier(other)
        yield self.client.unlock("vm-100")
        self.clock.advance(1)
        yield d
        self.assertEqual(self.clock.getDelayedCalls(), [])
        yield self.assertErrno(self.client.lock("vm-100", timeout=0),
                               errno.ETIMEDOUT)
        yield other.unlock("vm-100")
        yield self.assertErrno(other.unlock("vm-100"), errno.ENOENT,
                               "priv/lock/vm-100")

    @defer.inlineCallbacks
    def test_lock_expires(self):
        other = yield self.other_client()
        yield self.client.lock("storage")
        d = other.lock("storage", timeout=300)
        for i in range(121):
            yield self.barrier(other)
            self.assertFalse(d.called)
            self.clock.advance(1)
        # the request at T0 + 121 released the expired lock
        yield self.assertErrno(self.client.stat("priv/lock/storage"),
                               errno.ENOENT)
        self.clock.advance(1)
        yield d
        self.assertEqual(self.clock.seconds(), T0 + 122)
        st = yield self.client.stat("priv/lock/storage")
        self.assertEqual(st.mtime, T0 + 122)

    @defer.inlineCallbacks
    def test_lock_refresh(self):
        other = yield self.other_client()
        yield self.client.lock("storage")
        self.clock.advance(100)
        yield self.client.refresh_lock("storage")
        d = other.lock("storage", timeout=300)
        for i in range(121):
            yield self.barrier(other)
            self.assertFalse(d.called)
            self.clock.advance(1)
        self.clock.advance(1)
        yield d
        self.assertEqual(self.clock.seconds(), T0 + 222)

    @defer.inlineCallbacks
    def test_lock_makes_lock_dir(self):
        self.cfs.delete("priv/lock")
        yield self.client.lock("first")
        self.assertEqual(self.cfs.listdir("priv/lock"), ["first"])

    @defer.inlineCallbacks
    def test_lock_bad_name(self):
        for name in ("", "a/b", ".."):
            yield self.assertErrno(self.client.lock(name), errno.EINVAL)
        yield self.assertErrno(self.client.refresh_lock("gone"),
                               errno.ENOENT, "priv/lock/gone")


class DirectClientTests(ClientScenarios, unittest.TestCase):
    def setUp(self):
        self.clock = task.Clock()
        self.clock.advance(T0)
        self.paths = make_root(self)
        self.cfs = open_cfs(self, self.paths, self.clock)
        self.client = self.make_client()

    def make_client(self):
        client = DirectClient(self.cfs, reactor, clock=self.clock)
        self.addCleanup(client.close)
        return client

    def other_client(self):
        return defer.succeed(self.make_client())

    @defer.inlineCallbacks
    def test_close_stops_watches(self):
        events = Recorder()
        yield self.client.watch("", events)
        yield self.client.close()
        sentinel = Recorder()
        other = yield self.other_client()
        yield other.watch("", sentinel)
        yield other.write("a.cfg", b"")
        yield sentinel.wait(1)
        self.assertEqual(events.events, [])


class IPCClientTests(ClientScenarios, unittest.TestCase):
    @defer.inlineCallbacks
    def setUp(self):
        self.clock = task.Clock()
        self.clock.advance(T0)
        self.paths = make_root(self)
        self.cfs = open_cfs(self, self.paths, self.clock)
        self.service, self.description = start_ipc(
            self, self.cfs, self.paths, self.clock)
        self.client = yield connect(self, self.description)

    def other_client(self):
        return connect(self, self.description)
