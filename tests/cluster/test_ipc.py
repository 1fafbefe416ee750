"""pmxcfs's IPC server: chunked values, errors on the wire, the socket, and
SO_PEERCRED permissions checked with real processes running as www-data
and nobody."""

import errno
import grp
import json
import os
import shutil
import pwd
import signal
import socket
import stat

from twisted.internet import defer, error, protocol, reactor, task
from twisted.logger import globalLogPublisher
from twisted.protocols import amp
from twisted.trial import unittest

import pve
from pve.cluster import commands, ipc
from pve.cluster.client import IPCClient
from tests.cluster import test_client as base

T0 = base.T0
PYTHON = "/usr/bin/python3"
REPO = os.path.dirname(os.path.dirname(os.path.abspath(pve.__file__)))


class ArgumentTests(unittest.TestCase):
    def roundtrip(self, argument, value):
        strings = amp.AmpBox()
        argument.toBox(b"data", strings, {"data": value}, None)
        # what goes on the wire must be valid AMP
        wire = strings.serialize()
        parsed = amp.AmpBox(strings)
        objects = {}
        argument.fromBox(b"data", parsed, objects, None)
        return strings, wire, objects["data"]

    def test_big_bytes(self):
        value = os.urandom(3 * commands.CHUNK + 10)
        strings, wire, back = self.roundtrip(commands.BigBytes(), value)
        self.assertEqual(back, value)
        self.assertEqual(sorted(strings),
                         [b"data", b"data.2", b"data.3", b"data.4"])
        self.assertTrue(all(len(v) <= amp.MAX_VALUE_LENGTH
                            for v in strings.values()))

    def test_exact_chunk_and_empty(self):
        for value in (b"", b"x", b"y" * commands.CHUNK):
            strings, wire, back = self.roundtrip(commands.BigBytes(), value)
            self.assertEqual(back, value)
            self.assertEqual(list(strings), [b"data"])

    def test_optional(self):
        strings, wire, back = self.roundtrip(
            commands.BigBytes(optional=True), None)
        self.assertIsNone(back)
        self.assertEqual(dict(strings), {})

    def test_big_json(self):
        value = {"entries": [{"msg": "m" * 1000, "n": i} for i in range(300)]}
        strings, wire, back = self.roundtrip(commands.BigJSON(), value)
        self.assertEqual(back, value)
        self.assertGreater(len(strings), 1)


class CfsErrorTests(unittest.TestCase):
    def test_round_trip(self):
        err = commands.CfsError.from_oserror(
            OSError(errno.EEXIST, "File exists"), "nodes/n2/lxc/100.conf")
        self.assertEqual(str(err), "EEXIST nodes/n2/lxc/100.conf")
        back = commands.CfsError(str(err)).to_oserror()
        self.assertEqual((back.errno, back.strerror, back.filename),
                         (errno.EEXIST, os.strerror(errno.EEXIST),
                          "nodes/n2/lxc/100.conf"))

    def test_filename_wins_and_spaces(self):
        err = commands.CfsError.from_oserror(
            OSError(errno.ENOENT, "x", "a b/c"), "other")
        self.assertEqual(err.to_oserror().filename, "a b/c")

    def test_no_path_and_garbage(self):
        back = commands.CfsError.from_oserror(
            OSError(errno.EIO, "x")).to_oserror()
        self.assertEqual((back.errno, back.filename), (errno.EIO, None))
        back = commands.CfsError("EWHATEVER p").to_oserror()
        self.assertEqual(back.errno, errno.EIO)


class AccessTests(unittest.TestCase):
    def test_root_www_data_other(self):
        self.assertEqual(ipc.access_for(0, 0, 33), ipc.READ_WRITE)
        self.assertEqual(ipc.access_for(33, 33, 33), ipc.READ_ONLY)
        self.assertEqual(ipc.access_for(12345, 33, 33), ipc.READ_ONLY)
        self.assertIsNone(ipc.access_for(65534, 65534, 33))
        self.assertIsNone(ipc.access_for(54321, 54321, 33))

    def test_supplementary_group(self):
        for g in grp.getgrall():
            for member in g.gr_mem:
                try:
                    pw = pwd.getpwnam(member)
                except KeyError:
                    continue
                if pw.pw_gid != g.gr_gid and pw.pw_uid != 0:
                    self.assertEqual(
                        ipc.access_for(pw.pw_uid, pw.pw_gid, g.gr_gid),
                        ipc.READ_ONLY)
                    self.assertIsNone(
                        ipc.access_for(pw.pw_uid, pw.pw_gid, 54321))
                    return
        raise unittest.SkipTest("no user with a supplementary group here")

    def test_www_data_gid(self):
        self.assertEqual(ipc.www_data_gid(), grp.getgrnam("www-data").gr_gid)

    def test_unix_path(self):
        self.assertEqual(ipc.unix_path("unix:/run/x.sock:mode=660"),
                         "/run/x.sock")
        self.assertEqual(ipc.unix_path("unix:address=/a\\:b:mode=660"),
                         "/a:b")
        self.assertIsNone(ipc.unix_path("tcp:85"))


class ServerTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):
        self.clock = task.Clock()
        self.clock.advance(T0)
        self.paths = base.make_root(self)
        self.cfs = base.open_cfs(self, self.paths, self.clock)
        self.sock = self.paths.pmxcfs_socket
        # a stale socket from a pmxcfs that died
        stale = socket.socket(socket.AF_UNIX)
        stale.bind(self.sock)
        stale.close()
        self.service, self.description = base.start_ipc(
            self, self.cfs, self.paths, self.clock)
        self.factory = self.service.factory
        self.client = yield base.connect(self, self.description)

    def test_socket(self):
        st = os.stat(self.sock)
        self.assertTrue(stat.S_ISSOCK(st.st_mode))
        self.assertEqual(stat.S_IMODE(st.st_mode), 0o660)
        self.assertEqual((st.st_uid, st.st_gid),
                         (0, grp.getgrnam("www-data").gr_gid))

    @defer.inlineCallbacks
    def test_stop(self):
        lost = self.client.protocol.whenLost()
        yield self.service.stopService()
        self.assertFalse(os.path.exists(self.sock))
        yield lost
        self.assertEqual(self.factory.connections, set())
        yield self.assertFailure(
            IPCClient.connect(reactor, self.description),
            error.ConnectError)

    @defer.inlineCallbacks
    def test_disconnect_drops_watches(self):
        subscribers = len(self.cfs._subscribers)
        yield self.client.watch("", base.Recorder())
        yield self.client.watch("nodes", base.Recorder())
        self.assertEqual(len(self.cfs._subscribers), subscribers + 2)
        server = list(self.factory.connections)[0]
        yield self.client.close()
        yield server.lost
        self.assertEqual(len(self.cfs._subscribers), subscribers)

    @defer.inlineCallbacks
    def test_unwatch(self):
        unwatch = yield self.client.watch("", base.Recorder())
        yield unwatch()
        yield base.assert_errno(
            self, self.client._call(commands.Unwatch, watch=1), errno.ENOENT)
        yield self.client._call(commands.Watch, watch=7, prefix="")
        yield base.assert_errno(
            self, self.client._call(commands.Watch, watch=7, prefix=""),
            errno.EEXIST)

    @defer.inlineCallbacks
    def test_disconnect_while_waiting_for_lock(self):
        before = set(self.factory.connections)
        waiter = yield base.connect(self, self.description)
        server = (self.factory.connections - before).pop()
        yield self.client.lock("vm-100")
        d = waiter.lock("vm-100", timeout=100)
        yield waiter.version()
        self.assertEqual(len(self.clock.getDelayedCalls()), 1)
        yield waiter.close()
        yield self.assertFailure(d, error.ConnectionDone,
                                 error.ConnectionLost)
        yield server.lost
        # the server stopped retrying: the lock is never taken for nobody
        self.assertEqual(self.clock.getDelayedCalls(), [])
        yield self.client.unlock("vm-100")
        self.clock.advance(10)
        yield base.assert_errno(self, self.client.stat("priv/lock/vm-100"),
                                errno.ENOENT)


# -- other users, in real processes -------------------------------------------

PEER = r'''
import errno, json, sys
from twisted.internet import defer, task
from pve.cluster.client import IPCClient

def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()

OPS = [
    ("read", lambda c: c.read("storage.cfg")),
    ("read_plug", lambda c: c.read(".version")),
    ("list", lambda c: c.listdir("nodes/node1")),
    ("stat", lambda c: c.stat("storage.cfg")),
    ("version", lambda c: c.version()),
    ("versions", lambda c: c.versions(["storage.cfg", "local/x.cfg",
                                       "nope.cfg"])),
    ("versions_priv", lambda c: c.versions(["storage.cfg",
                                            "priv/authkey.key"])),
    ("versions_local_priv", lambda c: c.versions(["local/priv/token"])),
    ("members", lambda c: c.members()),
    ("vmlist", lambda c: c.vmlist()),
    ("get_status", lambda c: c.get_status("k")),
    ("get_log", lambda c: c.get_log(5)),
    ("read_priv", lambda c: c.read("priv/authkey.key")),
    ("read_node_priv", lambda c: c.read("nodes/node1/priv/token")),
    ("read_priv_sneaky", lambda c: c.read("nodes//node1/priv/token")),
    ("read_local_priv", lambda c: c.read("local/priv/token")),
    ("list_priv", lambda c: c.listdir("priv")),
    ("stat_priv", lambda c: c.stat("priv/lock")),
    ("watch_priv", lambda c: c.watch("priv/", print)),
    ("write", lambda c: c.write("storage.cfg", b"evil")),
    ("create", lambda c: c.write("new.cfg", b"evil")),
    ("mkdir", lambda c: c.mkdir("evil")),
    ("delete", lambda c: c.delete("storage.cfg")),
    ("rename", lambda c: c.rename("storage.cfg", "x.cfg")),
    ("utime", lambda c: c.utime("storage.cfg", 1)),
    ("lock", lambda c: c.lock("evil", 0)),
    ("unlock", lambda c: c.unlock("held")),
    ("set_status", lambda c: c.set_status("k", b"evil")),
    ("cluster_log", lambda c: c.cluster_log("evil", "evil")),
]

@defer.inlineCallbacks
def main(reactor, description, mode):
    try:
        client = yield IPCClient.connect(reactor, description)
    except Exception as e:
        say({"connect": type(e).__name__})
        return
    if mode == "ops":
        out = {}
        for name, op in OPS:
            try:
                value = yield op(client)
            except OSError as e:
                out[name] = errno.errorcode[e.errno]
            else:
                out[name] = ("ok" if name not in ("read", "versions") else
                             value.decode() if name == "read" else value)
        say(out)
    else:
        got = defer.Deferred()
        yield client.watch("", lambda path, version: got.callback(path)
                           if not got.called else None)
        say("watching")
        path = yield got
        say({"changed": path})
    yield client.close()

task.react(main, sys.argv[1:])
'''


class Peer(protocol.ProcessProtocol):
    """A child process; ``lines`` collects its JSON output lines."""

    def __init__(self, on_line=None):
        self.buf = b""
        self.lines = []
        self.err = b""
        self.on_line = on_line
        self.ended = defer.Deferred()
        self.done = False

    def outReceived(self, data):
        self.buf += data
        while b"\n" in self.buf:
            line, self.buf = self.buf.split(b"\n", 1)
            obj = json.loads(line)
            self.lines.append(obj)
            if self.on_line is not None:
                self.on_line(obj)

    def errReceived(self, data):
        self.err += data

    def processEnded(self, reason):
        self.done = True
        self.ended.callback(reason.value)


class PeerCredentialTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):
        if os.geteuid() != 0:
            raise unittest.SkipTest("needs root to run peers as other users")
        self.clock = task.Clock()
        self.clock.advance(T0)
        self.paths = base.make_root(self)
        self.cfs = base.open_cfs(self, self.paths, self.clock)
        self.service, self.description = base.start_ipc(
            self, self.cfs, self.paths, self.clock)
        self.script = os.path.join(self.paths.root, "peer.py")
        with open(self.script, "w") as f:
            f.write(PEER)
        os.chmod(self.script, 0o644)
        # a copy of the code the peers can read wherever the checkout is
        self.lib = os.path.join(self.paths.root, "lib")
        shutil.copytree(os.path.join(REPO, "pve"),
                        os.path.join(self.lib, "pve"),
                        ignore=shutil.ignore_patterns("__pycache__"))
        for top, dirs, files in os.walk(self.lib):
            os.chmod(top, 0o755)
            for name in files:
                os.chmod(os.path.join(top, name), 0o644)
        self.cfs.write_file("storage.cfg", b"dir: local\n")
        self.cfs.write_file("priv/authkey.key", b"secret")
        self.cfs.write_file("nodes/node1/priv/token", b"secret")
        self.cfs.mkdir("priv/lock/held")
        self.client = yield base.connect(self, self.description)

    def spawn(self, user, mode, on_line=None):
        pw = pwd.getpwnam(user)
        peer = Peer(on_line)
        env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": self.lib,
               "PYTHONDONTWRITEBYTECODE": "1", "HOME": "/"}
        process = reactor.spawnProcess(
            peer, PYTHON, ["python3", self.script, self.description, mode],
            env=env,
            path="/", uid=pw.pw_uid, gid=pw.pw_gid)

        def reap():
            if not peer.done:
                process.signalProcess(signal.SIGKILL)
                return peer.ended
        self.addCleanup(reap)
        return peer

    @defer.inlineCallbacks
    def run_peer(self, user, mode="ops", on_line=None):
        peer = self.spawn(user, mode, on_line)
        yield peer.ended
        self.assertTrue(peer.lines, peer.err.decode())
        return peer.lines[-1]

    @defer.inlineCallbacks
    def test_www_data_reads_public_only(self):
        out = yield self.run_peer("www-data")
        self.assertEqual(out.pop("read"), "dir: local\n")
        self.assertEqual(out.pop("versions"), {
            "storage.cfg": self.cfs.stat("storage.cfg").version,
            "local/x.cfg": None, "nope.cfg": None})
        for name in ("read_plug", "list", "stat", "version", "members",
                     "vmlist", "get_status", "get_log"):
            self.assertEqual(out.pop(name), "ok", name)
        self.assertEqual(out, dict.fromkeys(out, "EACCES"))
        self.assertEqual(len(out), 19)
        self.assertEqual(self.cfs.read("storage.cfg"), b"dir: local\n")
        self.assertEqual(self.cfs.listdir("priv/lock"), ["held"])
        self.assertNotIn("new.cfg", self.cfs.listdir(""))

    @defer.inlineCallbacks
    def test_www_data_watch_skips_private(self):
        def on_line(obj):
            if obj == "watching":
                self.cfs.write_file("priv/authkey.key", b"new secret")
                self.cfs.write_file("nodes/node1/priv/token", b"new")
                self.cfs.write_file("storage.cfg", b"dir: local\n\n")
        out = yield self.run_peer("www-data", "watch", on_line)
        self.assertEqual(out, {"changed": "storage.cfg"})

    @defer.inlineCallbacks
    def test_nobody_refused(self):
        # let nobody reach the socket, so pmxcfs itself must refuse it
        os.chmod(self.paths.pmxcfs_socket, 0o666)
        refused = []

        def observer(event):
            if event.get("log_namespace") == "pve.cluster.ipc" \
                    and "refused" in event.get("log_format", ""):
                refused.append(event)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)
        out = yield self.run_peer("nobody")
        self.assertIn("connect", out)
        self.assertEqual([(e["uid"], e["gid"]) for e in refused],
                         [(65534, 65534)])

    @defer.inlineCallbacks
    def test_nobody_blocked_by_socket_mode(self):
        out = yield self.run_peer("nobody")
        self.assertEqual(out, {"connect": "ConnectError"})
