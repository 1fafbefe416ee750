"""qmeventd: its decisions from data, the daemon against real peers and
against real QEMU (TCG: SeaBIOS boots the test's boot sector in about
0.1 s with TCG, 2.5 s with nested KVM)."""

import json
import os
import shlex
import shutil
import signal
import socket
import stat
import sys
import tempfile

from twisted.internet import defer, error, protocol, task
from twisted.internet.endpoints import UNIXClientEndpoint, connectProtocol
from twisted.python import usage
from twisted.trial import unittest

from pve import sdnotify
from pve.qemu import qmeventd, qmp
from pve.qemu.qmeventd import (
    EXPECT_STATUS, HANDSHAKE, IDLE, NONE, QEMU, TERMINATING, VZDUMP,
    Cleanup, Client, Close, JSONStream, Send, Terminate, Tracker)
from pve.qemu.qmeventd_tap import Options, QMEventService, removeStale
from tests import processes
from tests.polling import poll

QEMU_BINARY = shutil.which("qemu-system-x86_64")
PYTHON = sys.executable

#: Real-mode boot sector: ``mov dx, 0x604; mov ax, 0x2000; out dx, ax``
#: sets SLP_EN with SLP_TYP 0 (S5, QEMU's \_S5) in PM1a_CNT of the PIIX4
#: PM, whose I/O base SeaBIOS sets to 0x600 on the ``pc`` machine: QEMU
#: powers off (SHUTDOWN, guest true).  Then ``cli; hlt; jmp $-3``.
BOOT_CODE = bytes.fromhex("ba0406" "b80020" "ef" "fa" "f4" "ebfd")
BOOT_SECTOR = BOOT_CODE + bytes(510 - len(BOOT_CODE)) + b"\x55\xaa"

#: Appends its arguments as a JSON line to the file named first.
RECORDER = """\
import json, sys
with open(sys.argv[1], "a") as f:
    f.write(json.dumps(sys.argv[2:]) + "\\n")
print("cleanup of", sys.argv[-3])
print("a warning", file=sys.stderr)
"""

#: A peer speaking QMP as QEMU would, -pidfile in its argv: greets,
#: reports a guest shutdown, answers query-status "shutdown" and, told to
#: quit, either closes its connection ("close") or ignores it ("hang").
FAKE_QEMU = """\
import json, socket, sys
path, mode = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX)
s.connect(path)
def send(obj):
    s.sendall(json.dumps(obj).encode() + b"\\r\\n")
send({"QMP": {"version": {}, "capabilities": []}})
for line in s.makefile("rb"):
    command = json.loads(line)["execute"]
    print(command, flush=True)
    if command == "qmp_capabilities":
        send({"return": {}})
        send({"event": "SHUTDOWN", "data": {"guest": True}})
    elif command == "query-status":
        send({"return": {"status": "shutdown", "running": False}})
    elif command == "quit" and mode == "close":
        s.close()
        break
sys.stdin.read()
"""


def greeting():
    return {"QMP": {"version": {}, "capabilities": ["oob"]}}


# -- pure logic

class StrtoulTests(unittest.TestCase):

    def test_cases(self):
        for text, expected in [
                (b"100.pid", (100, b".pid", False)),
                (b"0100.pid", (100, b".pid", False)),
                (b" +7x", (7, b"x", False)),
                (b"abc", (0, b"abc", False)),
                (b"", (0, b"", False)),
                (b"-1", (2 ** 64 - 1, b"", False)),
                (b"18446744073709551616.pid",
                 (2 ** 64 - 1, b".pid", True))]:
            self.assertEqual((text, qmeventd.strtoul(text)),
                             (text, expected))


class VmidTests(unittest.TestCase):
    """get_vmid_from_pid: the first -pidfile, ending in /<vmid>.pid."""

    def vmid(self, *args):
        return qmeventd.vmidFromCmdline([a.encode() for a in args])

    def test_qemuServer(self):
        self.assertEqual(self.vmid(
            "/usr/bin/kvm", "-id", "100", "-name", "vm100,debug-threads=on",
            "-no-shutdown", "-pidfile", "/var/run/qemu-server/100.pid",
            "-daemonize"), (100, None))

    def test_leadingZerosAndSpace(self):
        self.assertEqual(self.vmid("-pidfile", "/r/0123.pid"), (123, None))
        self.assertEqual(self.vmid("-pidfile", "/r/ 5.pid"), (5, None))

    def test_noPidfile(self):
        self.assertEqual(self.vmid("kvm", "-id", "100", "-name", "vm100"),
                         (0, "error parsing vmid: no matching pidfile "
                          "option"))
        self.assertEqual(self.vmid("kvm", "--pidfile", "/r/100.pid")[0], 0)

    def test_pidfileLast(self):
        self.assertEqual(self.vmid("kvm", "-pidfile")[0], 0)

    def test_onlyFirstPidfileCounts(self):
        self.assertEqual(self.vmid("-pidfile", "/r/x.pid",
                                   "-pidfile", "/r/100.pid"),
                         (0, "unexpected pidfile option /r/x.pid"))

    def test_malformed(self):
        for value, problem in [
                ("100.pid", "unexpected pidfile option 100.pid"),
                ("/r/-100.pid", "invalid vmid in pidfile option /r/-100.pid"),
                ("/r/", "invalid vmid in pidfile option /r/"),
                ("/r/100.pidx", "unexpected pidfile option /r/100.pidx"),
                ("/r/100", "unexpected pidfile option /r/100"),
                ("/r/0.pid", "error parsing vmid: no matching pidfile option"),
                ("/r/99999999999999999999.pid",
                 "error parsing vmid: Numerical result out of range")]:
            self.assertEqual(self.vmid("-pidfile", value), (0, problem))

    def test_splitCmdline(self):
        self.assertEqual(qmeventd.splitCmdline(b"kvm\0-pidfile\0"),
                         [b"kvm", b"-pidfile"])
        self.assertEqual(qmeventd.splitCmdline(b""), [])

    def test_readVmid(self):
        proc = self.mktemp()
        os.makedirs(os.path.join(proc, "42"))
        with open(os.path.join(proc, "42", "cmdline"), "wb") as f:
            f.write(b"kvm\0-pidfile\0/var/run/qemu-server/105.pid\0")
        self.assertEqual(qmeventd.readVmid(42, proc), 105)
        self.assertEqual(qmeventd.readVmid(43, proc), 0)


class JSONStreamTests(unittest.TestCase):

    def values(self, stream, data):
        stream.feed(data)
        return list(stream.values())

    def test_split(self):
        stream = JSONStream()
        self.assertEqual(self.values(stream, b'{"QMP": {"a": "}{\\""'), [])
        self.assertEqual(self.values(stream, b'}}\r\n{"return": {}}\r\n{"ev'),
                         [{"QMP": {"a": '}{"'}}, {"return": {}}])
        self.assertEqual(self.values(stream, b'ent": "STOP"}'),
                         [{"event": "STOP"}])
        self.assertEqual(stream.buffer, b"")

    def test_noNewline(self):
        self.assertEqual(self.values(JSONStream(),
                                     b'{"vzdump":{"vmid":"100"}}'),
                         [{"vzdump": {"vmid": "100"}}])

    def test_scalarsAndArrays(self):
        self.assertEqual(self.values(JSONStream(), b'1 [2] "x" {}'),
                         [1, [2], "x", {}])

    def test_garbageDiscardsBuffer(self):
        stream = JSONStream()
        self.assertEqual(self.values(stream, b'{"a": nope} {"b": 1}'), [])
        self.assertEqual(stream.buffer, b"")
        self.assertEqual(self.values(stream, b'} {"b": 1}'), [])
        self.assertEqual(self.values(stream, b'{"c": 2}'), [{"c": 2}])

    def test_tooLarge(self):
        stream = JSONStream(limit=64)
        self.assertEqual(self.values(stream, b'{"a": "' + b"x" * 70), [])
        self.assertEqual(stream.buffer, b"")
        self.assertEqual(self.values(stream, b'{"b": 1}'), [{"b": 1}])


class TrackerTests(unittest.TestCase):
    """The decisions of qmeventd.c, message by message."""

    def setUp(self):
        self.pids = {1000: 100, 1001: 101}
        self.tracker = Tracker(lambda pid: self.pids.get(pid, 0))

    def qemu(self, pid=1000):
        client = Client(pid)
        self.assertEqual(self.tracker.received(client, greeting()),
                         [Send(client, "qmp_capabilities")])
        self.assertEqual((client.type, client.state, client.vmid),
                         (QEMU, HANDSHAKE, str(self.pids[pid])))
        self.assertEqual(self.tracker.received(client, {"return": {}}), [])
        self.assertEqual(client.state, IDLE)
        return client

    def shutdown(self, client, guest):
        return self.tracker.received(client, {
            "event": "SHUTDOWN", "data": {"guest": guest,
                                          "reason": "guest-shutdown"}})

    def status(self, client, status):
        return self.tracker.received(
            client, {"return": {"status": status, "running": False}})

    def test_notQEMU(self):
        client = Client(2000)
        self.assertEqual(self.tracker.received(client, greeting()),
                         [Close(client)])
        self.assertTrue(client.closed)
        self.assertEqual(client.type, NONE)
        self.assertEqual(self.tracker.disconnected(client), [])

    def test_vmidTooLong(self):
        self.pids[1002] = 10 ** 15
        client = Client(1002)
        self.assertEqual(self.tracker.received(client, greeting()),
                         [Close(client)])

    def test_silentPeerIgnored(self):
        client = Client(2000)
        for msg in ({"event": "SHUTDOWN"}, {"return": {}}, {"error": {}},
                    {"other": 1}, [1], "x"):
            self.assertEqual(self.tracker.received(client, msg), [])
        self.assertEqual(self.tracker.disconnected(client), [Close(client)])

    def test_guestShutdownQuits(self):
        client = self.qemu()
        self.assertEqual(self.shutdown(client, True),
                         [Send(client, "query-status")])
        self.assertEqual(client.state, EXPECT_STATUS)
        self.assertEqual(self.status(client, "shutdown"),
                         [Terminate(client)])
        self.assertEqual(client.state, TERMINATING)
        # the answer to quit, a second SHUTDOWN: nothing more
        self.assertEqual(self.tracker.received(client, {"return": {}}), [])
        self.assertEqual(self.shutdown(client, False), [])
        self.assertTrue(client.guest)
        self.assertEqual(self.tracker.disconnected(client),
                         [Close(client), Cleanup("100", True, True)])
        self.assertEqual(self.tracker.vms, {})

    def test_hostShutdownActive(self):
        client = self.qemu()
        self.shutdown(client, False)
        self.assertEqual(self.status(client, "running"), [])
        self.assertEqual(client.state, IDLE)
        self.assertEqual(self.tracker.disconnected(client),
                         [Close(client), Cleanup("100", True, False)])

    def test_activeStates(self):
        for status in ("running", "paused", "suspended", "prelaunch"):
            client = self.qemu()
            self.shutdown(client, True)
            self.assertEqual(self.status(client, status), [], status)
        for status in ("shutdown", "internal-error", "io-error", None, 5):
            client = self.qemu()
            self.shutdown(client, True)
            self.assertEqual(self.status(client, status),
                             [Terminate(client)], status)

    def test_crash(self):
        client = self.qemu()
        self.assertEqual(self.tracker.disconnected(client),
                         [Close(client), Cleanup("100", False, False)])
        self.assertEqual(self.tracker.disconnected(client), [])

    def test_guestFlag(self):
        client = self.qemu()
        self.tracker.received(client, {"event": "SHUTDOWN"})
        self.assertEqual((client.graceful, client.guest), (True, False))
        self.status(client, "running")
        for value, expected in [(1, True), ("", False), ("x", True),
                                (None, False), ({}, False), (True, True)]:
            self.shutdown(client, value)
            self.assertEqual(client.guest, expected, value)
            self.status(client, "running")

    def test_otherEventsIgnored(self):
        client = self.qemu()
        self.assertEqual(self.tracker.received(client, {"event": "STOP"}),
                         [])
        self.assertEqual(self.tracker.disconnected(client),
                         [Close(client), Cleanup("100", False, False)])

    def test_shutdownDuringHandshakeQueued(self):
        client = Client(1000)
        self.tracker.received(client, greeting())
        self.assertEqual(self.shutdown(client, True), [])
        self.assertTrue(client.termCheckQueued)
        self.assertEqual(self.tracker.received(client, {"return": {}}),
                         [Send(client, "query-status")])
        self.assertFalse(client.termCheckQueued)

    def test_errorReturnsToIdle(self):
        client = self.qemu()
        self.shutdown(client, True)
        self.assertEqual(self.tracker.received(
            client, {"error": {"class": "GenericError", "desc": "no"}}), [])
        self.assertEqual(client.state, IDLE)

    def test_backupKeepsVMUntilVzdumpEnds(self):
        vm = self.qemu()
        vzdump = Client(3000)
        self.assertEqual(self.tracker.received(
            vzdump, {"vzdump": {"vmid": "100"}}), [])
        self.assertEqual((vzdump.type, vm.backup), (VZDUMP, True))
        self.shutdown(vm, True)
        self.assertEqual(self.status(vm, "shutdown"), [])
        self.assertEqual(vm.state, IDLE)
        self.assertEqual(self.tracker.disconnected(vzdump),
                         [Close(vzdump), Send(vm, "query-status")])
        self.assertFalse(vm.backup)
        self.assertEqual(self.status(vm, "shutdown"), [Terminate(vm)])

    def test_vzdumpEndsWhileVMBusy(self):
        vm = self.qemu()
        vzdump = Client(3000)
        self.tracker.received(vzdump, {"vzdump": {"vmid": 100}})
        self.shutdown(vm, True)                # query-status in flight
        self.assertEqual(self.tracker.disconnected(vzdump), [Close(vzdump)])
        self.assertTrue(vm.termCheckQueued)
        self.assertEqual(self.status(vm, "running"),
                         [Send(vm, "query-status")])

    def test_vzdumpUnknownOrInvalid(self):
        for data in ({"vmid": "999"}, {}, {"vmid": None}, "100",
                     {"vmid": "1" * 16}):
            vzdump = Client(3000)
            self.assertEqual(self.tracker.received(vzdump,
                                                   {"vzdump": data}), [])
            self.assertEqual((vzdump.type, vzdump.state), (NONE, IDLE))
            self.assertEqual(self.tracker.disconnected(vzdump),
                             [Close(vzdump)])

    def test_secondClientSameVmid(self):
        old = self.qemu()
        self.pids[1001] = 100
        new = self.qemu(1001)
        self.assertIs(self.tracker.vms["100"], new)
        self.tracker.disconnected(old)
        self.assertIs(self.tracker.vms["100"], new)


# -- the daemon, over real sockets

def recordedCalls(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f]


class Child(protocol.ProcessProtocol):
    """A process of a test: keeps its output, ``ended`` fires at exit."""

    def __init__(self):
        self.output = b""
        self.ended = defer.Deferred()
        self.reason = None

    def childDataReceived(self, fd, data):
        self.output += data

    def processEnded(self, reason):
        self.reason = reason.value
        self.ended.callback(self.reason)


class Peer(protocol.Protocol):
    """A client connection from the test process itself."""

    def __init__(self):
        self.received = b""
        self.lost = defer.Deferred()

    def dataReceived(self, data):
        self.received += data

    def connectionLost(self, reason):
        self.lost.callback(None)


class DaemonTestCase(unittest.TestCase):
    """A qmeventd service on a socket in a fresh directory, its cleanup
    command a script recording its arguments; children killed at the
    end, pass or fail."""

    timeout = 60

    def setUp(self):
        from twisted.internet import reactor
        self.reactor = reactor
        self.dir = tempfile.mkdtemp(prefix="qmev-")
        self.addCleanup(shutil.rmtree, self.dir, True)
        self.socket = os.path.join(self.dir, "qmeventd.sock")
        self.record = os.path.join(self.dir, "cleanups")
        recorder = self.write("recorder.py", RECORDER)
        self.clock = task.Clock()
        self.options = Options()
        self.options.parseOptions([
            "--socket", self.socket, "--cleanup-command",
            shlex.join([PYTHON, recorder, self.record, "cleanup"])])
        self.service = QMEventService(self.options, reactor, clock=self.clock)
        self.factory = self.service.factory
        self.children = []
        self.service.startService()
        self.addCleanup(self.service.stopService)
        return self.service.ready

    def write(self, name, text, mode="w"):
        path = os.path.join(self.dir, name)
        with open(path, mode) as f:
            f.write(text)
        return path

    def spawn(self, argv, **kwargs):
        child = Child()
        transport = self.reactor.spawnProcess(child, argv[0], argv,
                                              env=dict(os.environ), **kwargs)
        self.children.append((child, transport))
        self.addCleanup(self.kill, child, transport)
        return child, transport

    def kill(self, child, transport):
        if child.reason is None:
            try:
                transport.signalProcess("KILL")
            except error.ProcessExitedAlready:
                pass
        return child.ended

    def cleanups(self, count=1):
        return poll(lambda: len(recordedCalls(self.record)) >= count
                    and not self.factory.cleanups and
                    recordedCalls(self.record), "%d cleanup(s)" % count)

    def connect(self):
        peer = Peer()
        d = connectProtocol(UNIXClientEndpoint(self.reactor, self.socket),
                            peer)

        def connected(p):
            self.addCleanup(lambda: p.transport.loseConnection()
                            or p.lost)
            return p
        return d.addCallback(connected)


class ServiceTests(DaemonTestCase):

    def test_socket(self):
        mode = os.stat(self.socket).st_mode
        self.assertTrue(stat.S_ISSOCK(mode))
        self.assertEqual(stat.S_IMODE(mode), 0o600)

    @defer.inlineCallbacks
    def test_stopRemovesSocket(self):
        yield self.service.stopService()
        self.assertFalse(os.path.exists(self.socket))

    @defer.inlineCallbacks
    def test_notQEMU(self):
        """A root peer greeting as QMP without -pidfile in its command
        line (this test process) is dropped, nothing answered, nothing
        cleaned up."""
        peer = yield self.connect()
        peer.transport.write(json.dumps(greeting()).encode() + b"\r\n")
        yield peer.lost
        self.assertEqual(peer.received, b"")
        self.assertEqual(self.factory.connections, {})
        self.assertEqual(recordedCalls(self.record), [])

    @defer.inlineCallbacks
    def test_nonRootRejected(self):
        if os.geteuid() != 0 or not os.path.exists("/usr/bin/python3"):
            raise unittest.SkipTest("needs root and /usr/bin/python3 to run "
                                    "a peer as nobody")
        os.chmod(self.dir, 0o755)
        os.chmod(self.socket, 0o666)
        code = ("import socket, sys; s = socket.socket(socket.AF_UNIX); "
                "s.connect(sys.argv[1]); print(repr(s.recv(100)))")
        child, _ = self.spawn(["/usr/bin/python3", "-c", code, self.socket],
                              uid=65534, gid=65534)
        yield child.ended
        self.assertEqual(child.output.strip(), b"b''")
        self.assertIsInstance(child.reason, error.ProcessDone)
        self.assertEqual(self.factory.connections, {})

    @defer.inlineCallbacks
    def test_vzdumpHandshakeWithoutVM(self):
        peer = yield self.connect()
        peer.transport.write(b'{"vzdump": {"vmid": "100"}}')
        [client] = yield poll(lambda: list(self.factory.connections),
                              "the connection")
        yield poll(lambda: client.state == IDLE, "the handshake read")
        self.assertEqual((client.type, client.backupOf), (NONE, "100"))

    @defer.inlineCallbacks
    def test_killTimeout(self):
        """QEMU that ignores quit is killed after the kill timeout."""
        script = self.write("fake.py", FAKE_QEMU)
        child, _ = self.spawn([PYTHON, script, self.socket, "hang",
                               "-pidfile", "/run/qemu-server/100.pid"])
        yield poll(lambda: b"quit" in child.output, "quit sent")
        self.assertEqual(child.output.split(),
                         [b"qmp_capabilities", b"query-status", b"quit"])
        self.clock.advance(qmeventd.KILL_TIMEOUT - 1)
        self.assertIsNone(child.reason)
        self.clock.advance(1)
        reason = yield child.ended
        self.assertEqual(reason.signal, signal.SIGKILL)
        calls = yield self.cleanups()
        self.assertEqual(calls, [["cleanup", "100", "1", "1"]])

    @defer.inlineCallbacks
    def test_noKillOnceDisconnected(self):
        """As qmeventd.c: the SIGKILL is called off once the connection
        ends, and the cleanup runs then."""
        script = self.write("fake.py", FAKE_QEMU)
        child, transport = self.spawn([PYTHON, script, self.socket, "close",
                                       "-pidfile", "/run/qemu-server/101.pid"])
        calls = yield self.cleanups()
        self.assertEqual(calls, [["cleanup", "101", "1", "1"]])
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(qmeventd.KILL_TIMEOUT)
        self.assertIsNone(child.reason)
        self.assertTrue(processes.alive(transport.pid))


class OptionsTests(unittest.TestCase):

    def test_defaults(self):
        root = os.path.abspath(self.mktemp())
        self.patch(os, "environ", dict(os.environ, PVE_ROOT=root))
        options = Options()
        options.parseOptions([])
        self.assertEqual(options["socket"],
                         os.path.join(root, "run/qmeventd.sock"))
        self.assertEqual(options["cleanup-command"], ["qm", "cleanup"])
        self.assertEqual(options["kill-timeout"], 60)

    def test_values(self):
        options = Options()
        options.parseOptions(["--socket", "/x.sock", "-t", "5", "-v",
                              "--cleanup-command", "/usr/sbin/qm 'clean up'"])
        self.assertEqual((options["socket"], options["kill-timeout"],
                          options["verbose"], options["cleanup-command"]),
                         ("/x.sock", 5, True, ["/usr/sbin/qm", "clean up"]))

    def test_invalid(self):
        for argv in (["-t", "0"], ["-t", "2147483648"],
                     ["--cleanup-command", ""], ["--cleanup-command", "'"]):
            self.assertRaises(usage.UsageError,
                              Options().parseOptions, argv)

    def test_plugin(self):
        from twisted.plugins import pve_plugins
        self.assertEqual((pve_plugins.qmeventd.tapname,
                          pve_plugins.qmeventd.module),
                         ("qmeventd", "pve.qemu.qmeventd_tap"))

    def test_removeStale(self):
        path = self.mktemp()
        with open(path, "w"):
            pass
        removeStale(path)
        self.assertFalse(os.path.exists(path))
        removeStale(path)


class ReadyTests(unittest.TestCase):

    def test_readyOnceListening(self):
        from twisted.internet import reactor
        directory = tempfile.mkdtemp(prefix="qmev-")
        self.addCleanup(shutil.rmtree, directory, True)
        notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(notify.close)
        notify.bind(os.path.join(directory, "notify"))
        notify.setblocking(False)
        self.patch(os, "environ", dict(
            os.environ, **{sdnotify.ENV: os.path.join(directory, "notify")}))
        options = Options()
        options.parseOptions(["--socket",
                              os.path.join(directory, "run", "q.sock")])
        service = QMEventService(options, reactor)
        service.startService()
        self.addCleanup(service.stopService)

        def ready(_):
            self.assertTrue(os.path.exists(options["socket"]))
            self.assertEqual(notify.recv(100), b"READY=1")
        return service.ready.addCallback(ready)


# -- against QEMU

class QEMUTests(DaemonTestCase):
    """QEMU started as qemu-server starts it (event monitor on the
    qmeventd socket, -pidfile .../<vmid>.pid, -no-shutdown), paused (-S)
    until qmeventd has negotiated, plus a QMP socket of its own."""

    skip = None if QEMU_BINARY else "qemu-system-x86_64 is not installed"
    VMID = 100

    def startQEMU(self, boot=False):
        qmpSocket = os.path.join(self.dir, "qmp.sock")
        argv = [QEMU_BINARY, "-nodefaults", "-no-user-config",
                "-display", "none", "-machine", "pc,accel=tcg", "-m", "32",
                "-name", "vm%d" % self.VMID, "-no-shutdown", "-S",
                "-chardev", "socket,id=qmp,path=%s,server=on,wait=off"
                % (qmpSocket,),
                "-mon", "chardev=qmp,mode=control",
                "-chardev", "socket,id=qmp-event,path=%s,reconnect=5"
                % (self.socket,),
                "-mon", "chardev=qmp-event,mode=control",
                "-pidfile", os.path.join(self.dir, "%d.pid" % self.VMID)]
        if boot:
            image = self.write("boot.img", BOOT_SECTOR, "wb")
            argv += ["-drive", "file=%s,format=raw,if=floppy" % (image,)]
        self.qemu, self.qemuTransport = self.spawn(argv)
        return self._attach(qmpSocket)

    @defer.inlineCallbacks
    def _attach(self, qmpSocket):
        vmid = str(self.VMID)
        self.vm = yield poll(self._registered, "qmeventd to negotiate "
                             "with QEMU", attempts=300, interval=0.05)
        self.assertEqual((self.vm.vmid, self.vm.pid),
                         (vmid, self.qemuTransport.pid))
        self.monitor = yield poll(lambda: self._connect(qmpSocket),
                                  "QEMU's QMP socket", attempts=100,
                                  interval=0.05)
        self.addCleanup(self.monitor.close)

    def _registered(self):
        if self.qemu.reason is not None:
            self.fail("QEMU ended: %s\n%s" % (
                self.qemu.reason, self.qemu.output.decode(errors="replace")))
        vm = self.factory.tracker.vms.get(str(self.VMID))
        return vm if vm is not None and vm.state == IDLE else None

    def _connect(self, path):
        d = qmp.connect(self.reactor, path, peer=qmp.vmPeer(self.VMID))
        return d.addErrback(lambda f: f.trap(qmp.QMPConnectError) and None)

    @defer.inlineCallbacks
    def qemuEnded(self):
        reason = yield self.qemu.ended
        self.assertIsInstance(reason, error.ProcessDone,
                              self.qemu.output.decode(errors="replace"))

    @defer.inlineCallbacks
    def test_hostShutdown(self):
        """quit through the VM's own QMP: SHUTDOWN guest false, QEMU
        exits, cleanup 100 1 0."""
        yield self.startQEMU()
        shutdown = self.monitor.nextEvent("SHUTDOWN")
        yield self.monitor.execute("quit").addErrback(
            lambda f: f.trap(qmp.QMPConnectionLost))
        event = yield shutdown
        self.assertEqual(event.data["guest"], False)
        yield self.qemuEnded()
        calls = yield self.cleanups()
        self.assertEqual(calls, [["cleanup", "100", "1", "0"]])

    @defer.inlineCallbacks
    def test_guestShutdown(self):
        """The guest powers off through ACPI; with -no-shutdown QEMU stays,
        qmeventd finds it 'shutdown' and quits it: cleanup 100 1 1."""
        yield self.startQEMU(boot=True)
        shutdown = self.monitor.nextEvent("SHUTDOWN")
        yield self.monitor.execute("cont")
        event = yield shutdown
        self.assertEqual((event.data["guest"], event.data["reason"]),
                         (True, "guest-shutdown"))
        yield self.qemuEnded()
        self.assertEqual(self.vm.state, TERMINATING)    # qmeventd quit it
        calls = yield self.cleanups()
        self.assertEqual(calls, [["cleanup", "100", "1", "1"]])

    @defer.inlineCallbacks
    def test_backupKeepsShutDownVM(self):
        """While vzdump's connection is open the powered-off VM stays;
        once it closes qmeventd quits it."""
        yield self.startQEMU(boot=True)
        vzdump = yield self.connect()
        vzdump.transport.write(b'{"vzdump": {"vmid": "100"}}')
        yield poll(lambda: self.vm.backup, "the backup registered")
        yield self.monitor.execute("cont")
        yield poll(lambda: self.vm.graceful and self.vm.state == IDLE,
                   "qmeventd to see the shutdown and the status")
        status = yield self.monitor.execute("query-status")
        self.assertEqual(status["status"], "shutdown")
        self.assertIsNone(self.qemu.reason)
        self.assertEqual(recordedCalls(self.record), [])
        vzdump.transport.loseConnection()
        yield self.qemuEnded()
        calls = yield self.cleanups()
        self.assertEqual(calls, [["cleanup", "100", "1", "1"]])

    @defer.inlineCallbacks
    def test_crash(self):
        """QEMU killed: no SHUTDOWN, cleanup 100 0 0."""
        yield self.startQEMU()
        self.qemuTransport.signalProcess("KILL")
        yield self.qemu.ended
        calls = yield self.cleanups()
        self.assertEqual(calls, [["cleanup", "100", "0", "0"]])

    @defer.inlineCallbacks
    def test_cleanupOutputLogged(self):
        from twisted.logger import globalLogPublisher
        seen = []
        globalLogPublisher.addObserver(seen.append)
        self.addCleanup(globalLogPublisher.removeObserver, seen.append)
        yield self.startQEMU()
        self.qemuTransport.signalProcess("KILL")
        yield self.cleanups()
        lines = [e.get("line") for e in seen
                 if e.get("log_namespace") == "pve.qemu.qmeventd"]
        self.assertIn("cleanup of 100", lines)
        self.assertIn("a warning", lines)
