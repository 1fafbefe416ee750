"""The QMP client: in memory against scripted replies, and against QEMU."""

import errno
import json
import os
import shutil

from twisted.internet import defer, error, protocol, task
from twisted.internet.testing import MemoryReactorClock, StringTransport
from twisted.python.failure import Failure
from twisted.trial import unittest

from pve.qemu import qmp
from tests.polling import poll

PEER = "VM 100 qmp"
GREETING = (b'{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, '
            b'"major": 7}, "package": "Debian"}, "capabilities": ["oob"]}}'
            b'\r\n')


def line(obj):
    return json.dumps(obj).encode() + b"\r\n"


def requests(transport):
    """The requests written so far, as dicts; clears the transport."""
    data = transport.value()
    transport.clear()
    return [json.loads(text) for text in data.splitlines()]


def greet(client, transport):
    """QEMU's side of negotiation."""
    client.dataReceived(GREETING)
    [caps] = requests(transport)
    client.dataReceived(line({"return": {}, "id": caps["id"]}))
    return caps


def negotiatedClient():
    clock = task.Clock()
    client = qmp.QMPClient(clock, peer=PEER)
    transport = StringTransport()
    client.makeConnection(transport)
    greet(client, transport)
    return client, transport, clock


class TimeoutTableTests(unittest.TestCase):
    """Default timeouts are QMPClient.pm's."""

    def test_table(self):
        for command, seconds in [
                ("query-status", 5), ("cont", 5),
                ("human-monitor-command", 5),
                ("query-migrate", 3600), ("guest-fsfreeze-freeze", 3600),
                ("blockdev-snapshot-internal-sync", 3600),
                ("guest-fsfreeze-thaw", 180),
                ("eject", 60), ("change-vnc-password", 60),
                ("device_add", 60), ("netdev_del", 60), ("quit", 60),
                ("block-job-cancel", 600), ("savevm-start", 600),
                ("drive-mirror", 600)]:
            self.assertEqual((command, qmp.commandTimeout(command)),
                             (command, seconds))

    def test_monitorTimeouts(self):
        self.assertEqual((qmp.QM_MONITOR_TIMEOUT, qmp.API_MONITOR_TIMEOUT),
                         (30, 25))


class NegotiationTests(unittest.TestCase):

    def setUp(self):
        self.clock = task.Clock()
        self.client = qmp.QMPClient(self.clock, peer=PEER)
        self.transport = StringTransport()
        self.client.makeConnection(self.transport)

    def test_capabilities(self):
        """The greeting is answered with qmp_capabilities; its reply
        completes negotiation."""
        negotiated = self.client.whenNegotiated()
        self.assertEqual(self.transport.value(), b"")
        self.client.dataReceived(GREETING)
        self.assertEqual(self.client.greeting["version"]["qemu"]["major"], 7)
        [caps] = requests(self.transport)
        self.assertEqual(caps["execute"], "qmp_capabilities")
        self.assertNoResult(negotiated)
        self.client.dataReceived(line({"return": {}, "id": caps["id"]}))
        self.assertIs(self.successResultOf(negotiated), self.client)

    def test_capabilitiesRefused(self):
        negotiated = self.client.whenNegotiated()
        self.client.dataReceived(GREETING)
        [caps] = requests(self.transport)
        self.client.dataReceived(line({"id": caps["id"], "error": {
            "class": "GenericError", "desc": "Capabilities negotiation "
            "is already complete, command ignored"}}))
        f = self.failureResultOf(negotiated, qmp.QMPError)
        self.assertEqual(f.value.command, "qmp_capabilities")
        self.assertTrue(self.transport.disconnecting)

    def test_lostBeforeGreeting(self):
        negotiated = self.client.whenNegotiated()
        self.client.connectionLost(Failure(error.ConnectionDone()))
        self.failureResultOf(negotiated, qmp.QMPConnectionLost)
        self.assertIsNone(self.successResultOf(self.client.closed))


class FramingTests(unittest.TestCase):

    def setUp(self):
        self.client, self.transport, self.clock = negotiatedClient()

    def test_request(self):
        """A request is one JSON object on a line with execute, arguments
        (only when given) and an id."""
        self.client.execute("query-status")
        self.client.execute("human-monitor-command",
                            {"command-line": "info version"})
        self.assertTrue(self.transport.value().endswith(b"}\n"))
        first, second = requests(self.transport)
        self.assertEqual(first, {"execute": "query-status",
                                 "id": first["id"]})
        self.assertEqual(second["arguments"],
                         {"command-line": "info version"})
        self.assertNotEqual(first["id"], second["id"])

    def test_splitAndJoined(self):
        """Replies cut anywhere or several in one read are each read."""
        a = self.client.execute("query-status")
        b = self.client.execute("query-name")
        ra, rb = requests(self.transport)
        data = (line({"return": {"status": "running"}, "id": ra["id"]})
                + line({"return": {"name": "vm"}, "id": rb["id"]}))
        for i in range(len(data)):
            self.client.dataReceived(data[i:i + 1])
        self.assertEqual(self.successResultOf(a), {"status": "running"})
        self.assertEqual(self.successResultOf(b), {"name": "vm"})

    def test_blankLinesIgnored(self):
        d = self.client.execute("query-status")
        [r] = requests(self.transport)
        self.client.dataReceived(b"\r\n\n" + line({"return": 1,
                                                   "id": r["id"]}))
        self.assertEqual(self.successResultOf(d), 1)

    def test_malformed(self):
        """Text that is not a JSON object drops the connection; commands
        in flight fail."""
        d = self.client.execute("query-status")
        self.client.dataReceived(b"[1, 2]\r\n")
        f = self.failureResultOf(d, qmp.QMPConnectionLost)
        self.assertIn("malformed QMP message", str(f.value))
        self.assertTrue(self.transport.disconnecting)
        self.failureResultOf(self.client.execute("query-status"),
                             qmp.QMPConnectionLost)

    def test_tooLong(self):
        self.client.MAX_LENGTH = 100
        d = self.client.execute("query-qmp-schema")
        self.client.dataReceived(b'{"return": "' + b"x" * 200)
        self.failureResultOf(d, qmp.QMPConnectionLost)
        self.assertTrue(self.transport.disconnecting)

    def test_unserialisable(self):
        self.failureResultOf(self.client.execute("x", {"a": object()}),
                             TypeError)
        self.assertEqual(self.transport.value(), b"")


class CommandTests(unittest.TestCase):

    def setUp(self):
        self.client, self.transport, self.clock = negotiatedClient()

    def test_outOfOrder(self):
        """Replies are matched by id, in whatever order they come."""
        ds = [self.client.execute("c%d" % i) for i in range(3)]
        reqs = requests(self.transport)
        for i in (2, 0, 1):
            self.client.dataReceived(line({"return": i, "id": reqs[i]["id"]}))
        self.assertEqual([self.successResultOf(d) for d in ds], [0, 1, 2])

    def test_unknownIdIgnored(self):
        d = self.client.execute("query-status")
        [r] = requests(self.transport)
        self.client.dataReceived(line({"return": {}, "id": 999}))
        self.assertNoResult(d)
        self.client.dataReceived(line({"return": {}, "id": r["id"]}))
        self.successResultOf(d)

    def test_error(self):
        d = self.client.execute("no-such-command")
        [r] = requests(self.transport)
        self.client.dataReceived(line({"id": r["id"], "error": {
            "class": "CommandNotFound",
            "desc": "The command no-such-command has not been found"}}))
        e = self.failureResultOf(d, qmp.QMPError).value
        self.assertEqual((e.error_class, e.desc, e.command),
                         ("CommandNotFound", "The command no-such-command "
                          "has not been found", "no-such-command"))
        self.assertEqual(str(e), "VM 100 qmp command 'no-such-command' "
                         "failed - The command no-such-command has not "
                         "been found")
        # an error answers one command; the connection stays
        self.assertFalse(self.transport.disconnecting)

    def test_errorWithoutId(self):
        """QEMU names no id when it could not read the request: the
        command in flight fails with the error, as in Proxmox's client."""
        d = self.client.execute("query-status")
        self.client.dataReceived(line({"error": {
            "class": "GenericError", "desc": "JSON parse error"}}))
        e = self.failureResultOf(d, qmp.QMPError).value
        self.assertEqual(str(e), "VM 100 qmp command 'query-status' "
                         "failed - JSON parse error")
        self.assertTrue(self.transport.disconnecting)

    def test_hmp(self):
        d = self.client.hmp("info version")
        [r] = requests(self.transport)
        self.assertEqual((r["execute"], r["arguments"]),
                         ("human-monitor-command",
                          {"command-line": "info version"}))
        self.client.dataReceived(line({"return": "7.2.22\r\n",
                                       "id": r["id"]}))
        self.assertEqual(self.successResultOf(d), "7.2.22\r\n")

    def test_cancel(self):
        d = self.client.execute("query-status")
        [r] = requests(self.transport)
        d.cancel()
        self.failureResultOf(d, defer.CancelledError)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.client.dataReceived(line({"return": {}, "id": r["id"]}))
        self.assertFalse(self.transport.disconnecting)


class TimeoutTests(unittest.TestCase):

    def setUp(self):
        self.client, self.transport, self.clock = negotiatedClient()

    def test_defaultTimeout(self):
        """After Proxmox's 5 s the command fails with "got timeout" and
        the connection is dropped; others in flight fail too."""
        d = self.client.execute("query-status")
        other = self.client.execute("query-migrate")
        self.clock.advance(4.9)
        self.assertNoResult(d)
        self.clock.advance(0.1)
        e = self.failureResultOf(d, qmp.QMPTimeout).value
        self.assertEqual((e.timeout, str(e)), (5, "VM 100 qmp command "
                         "'query-status' failed - got timeout"))
        self.assertTrue(self.transport.disconnecting)
        f = self.failureResultOf(other, qmp.QMPConnectionLost)
        self.assertIn("'query-status' timed out", str(f.value))
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.failureResultOf(self.client.execute("cont"),
                             qmp.QMPConnectionLost)

    def test_perCommandTimeouts(self):
        d = self.client.execute("quit")
        self.clock.advance(59)
        self.assertNoResult(d)
        self.clock.advance(1)
        self.failureResultOf(d, qmp.QMPTimeout)

    def test_explicitTimeout(self):
        d = self.client.hmp("info version", timeout=qmp.QM_MONITOR_TIMEOUT)
        self.clock.advance(29)
        self.assertNoResult(d)
        self.clock.advance(1)
        self.failureResultOf(d, qmp.QMPTimeout)

    def test_answeredInTime(self):
        d = self.client.execute("query-status")
        [r] = requests(self.transport)
        self.client.dataReceived(line({"return": {}, "id": r["id"]}))
        self.successResultOf(d)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.clock.advance(10)
        self.assertFalse(self.transport.disconnecting)


class EventTests(unittest.TestCase):

    def setUp(self):
        self.client, self.transport, self.clock = negotiatedClient()

    def event(self, name, **data):
        message = {"event": name, "timestamp": {"seconds": 1700000000,
                                                "microseconds": 500000}}
        if data:
            message["data"] = data
        self.client.dataReceived(line(message))

    def test_subscribers(self):
        named, every = [], []
        self.client.onEvent("STOP", named.append)
        stop = self.client.onEvent(None, every.append)
        self.event("RESUME")
        self.event("STOP")
        stop()
        self.event("SHUTDOWN", guest=False, reason="host-qmp-quit")
        self.assertEqual(named, [qmp.Event("STOP", {}, 1700000000.5)])
        self.assertEqual([e.name for e in every], ["RESUME", "STOP"])

    def test_nextEvent(self):
        d = self.client.nextEvent("SHUTDOWN")
        self.event("RESUME")
        self.assertNoResult(d)
        self.event("SHUTDOWN", guest=True, reason="guest-shutdown")
        self.assertEqual(self.successResultOf(d).data,
                         {"guest": True, "reason": "guest-shutdown"})

    def test_eventsInterleaved(self):
        """An event between a request and its reply: both arrive."""
        resumed = self.client.nextEvent("RESUME")
        d = self.client.execute("cont")
        [r] = requests(self.transport)
        self.event("RESUME")
        self.client.dataReceived(line({"return": {}, "id": r["id"]}))
        self.successResultOf(resumed)
        self.assertEqual(self.successResultOf(d), {})

    def test_failingSubscriber(self):
        """A subscriber's exception is logged; others still hear."""
        heard = []
        self.client.onEvent("STOP", lambda event: 1 / 0)
        self.client.onEvent("STOP", heard.append)
        self.event("STOP")
        self.assertEqual(len(heard), 1)
        self.assertEqual(len(self.flushLoggedErrors(ZeroDivisionError)), 1)

    def test_cancelNextEvent(self):
        d = self.client.nextEvent("STOP")
        d.cancel()
        self.failureResultOf(d, defer.CancelledError)
        self.event("STOP")


class ConnectionLostTests(unittest.TestCase):

    def setUp(self):
        self.client, self.transport, self.clock = negotiatedClient()

    def test_lost(self):
        """QEMU going away fails commands and event waits with a
        ConnectionLost and fires closed."""
        d = self.client.execute("query-status")
        waiting = self.client.nextEvent("SHUTDOWN")
        self.assertNoResult(self.client.closed)
        self.client.connectionLost(Failure(error.ConnectionDone()))
        e = self.failureResultOf(d, error.ConnectionLost).value
        self.assertIsInstance(e, qmp.QMPConnectionLost)
        self.assertEqual(str(e), "VM 100 qmp command 'query-status' "
                         "failed - client closed connection")
        self.failureResultOf(waiting, qmp.QMPConnectionLost)
        self.successResultOf(self.client.closed)
        self.assertEqual(self.clock.getDelayedCalls(), [])
        self.failureResultOf(self.client.execute("query-status"),
                             qmp.QMPConnectionLost)
        self.failureResultOf(self.client.nextEvent("STOP"),
                             qmp.QMPConnectionLost)
        self.successResultOf(self.client.close())

    def test_close(self):
        d = self.client.execute("query-status")
        closing = self.client.close()
        self.assertTrue(self.transport.disconnecting)
        self.assertNoResult(closing)
        self.client.connectionLost(Failure(error.ConnectionDone()))
        self.successResultOf(closing)
        self.failureResultOf(d, qmp.QMPConnectionLost)


class ConnectTests(unittest.TestCase):
    """connect() on a memory reactor: endpoint, negotiation, timeouts."""

    def setUp(self):
        self.reactor = MemoryReactorClock()
        self.d = qmp.connect(self.reactor, "/run/qemu-server/100.qmp",
                             peer=PEER)
        [(path, self.factory, _, _)] = self.reactor.unixClients
        self.assertEqual(path, "/run/qemu-server/100.qmp")

    def accept(self):
        self.protocol = self.factory.buildProtocol(None)
        self.transport = StringTransport()
        self.protocol.makeConnection(self.transport)

    def test_connected(self):
        self.accept()
        self.assertNoResult(self.d)
        self.protocol.dataReceived(GREETING)
        [caps] = requests(self.transport)
        self.protocol.dataReceived(line({"return": {}, "id": caps["id"]}))
        client = self.successResultOf(self.d)
        self.assertIsInstance(client, qmp.QMPClient)
        self.assertEqual(client.peer, PEER)
        self.assertEqual(self.reactor.getDelayedCalls(), [])
        d = client.execute("query-status")
        [r] = requests(self.transport)
        self.reactor.advance(5)
        self.failureResultOf(d, qmp.QMPTimeout)

    def test_noSocket(self):
        self.factory.clientConnectionFailed(
            self.reactor.connectors[0], Failure(error.getConnectError(
                (errno.ENOENT, os.strerror(errno.ENOENT)))))
        e = self.failureResultOf(self.d, qmp.QMPConnectError).value
        self.assertIsInstance(e, error.ConnectError)
        self.assertEqual(str(e), "unable to connect to VM 100 qmp socket - "
                         "No such file or directory")
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_noGreeting(self):
        """QEMU busy with another client sends no greeting: time out."""
        self.accept()
        self.reactor.advance(5)
        e = self.failureResultOf(self.d, qmp.QMPTimeout).value
        self.assertEqual(e.command, "qmp_capabilities")
        self.assertTrue(self.transport.disconnecting)

    def test_connectTimeout(self):
        self.reactor.advance(5)
        self.failureResultOf(self.d, qmp.QMPConnectError)

    def test_cancel(self):
        self.accept()
        self.d.cancel()
        self.failureResultOf(self.d, defer.CancelledError)
        self.assertTrue(self.transport.disconnecting)
        self.assertEqual(self.reactor.getDelayedCalls(), [])

    def test_cancelConnecting(self):
        self.d.cancel()
        self.failureResultOf(self.d, defer.CancelledError)
        self.assertEqual(self.reactor.getDelayedCalls(), [])


class RunCommandTests(unittest.TestCase):

    def test_oneShot(self):
        """runHMP connects, runs the command, closes."""
        reactor = MemoryReactorClock()
        d = qmp.runHMP(reactor, "/run/qemu-server/100.qmp", "info version",
                       timeout=qmp.QM_MONITOR_TIMEOUT, peer=PEER)
        [(_, factory, _, _)] = reactor.unixClients
        proto = factory.buildProtocol(None)
        transport = StringTransport()
        proto.makeConnection(transport)
        proto.dataReceived(GREETING)
        [caps] = requests(transport)
        proto.dataReceived(line({"return": {}, "id": caps["id"]}))
        [r] = requests(transport)
        self.assertEqual(r["arguments"], {"command-line": "info version"})
        proto.dataReceived(line({"return": "7.2.22\r\n", "id": r["id"]}))
        self.assertTrue(transport.disconnecting)
        self.assertNoResult(d)
        proto.connectionLost(Failure(error.ConnectionDone()))
        self.assertEqual(self.successResultOf(d), "7.2.22\r\n")


QEMU = shutil.which("qemu-system-x86_64")


class _QEMU(protocol.ProcessProtocol):

    def __init__(self):
        self.stderr = b""
        self.reason = None
        self._waiters = []

    def errReceived(self, data):
        self.stderr += data

    def processEnded(self, reason):
        self.reason = reason.value
        waiters, self._waiters = self._waiters, []
        for d in waiters:
            d.callback(self.reason)

    def whenEnded(self):
        if self.reason is not None:
            return defer.succeed(self.reason)
        d = defer.Deferred()
        self._waiters.append(d)
        return d


class RealQEMUTests(unittest.TestCase):
    """Against qemu-system-x86_64 -machine none, paused (-S)."""

    skip = None if QEMU else "qemu-system-x86_64 is not installed"

    @defer.inlineCallbacks
    def setUp(self):
        from twisted.internet import reactor
        self.reactor = reactor
        directory = self.mktemp()          # relative: short socket path
        os.makedirs(directory)
        self.path = os.path.join(directory, "qmp.sock")
        self.qemu = _QEMU()
        self.process = reactor.spawnProcess(
            self.qemu, QEMU,
            [QEMU, "-machine", "none", "-nodefaults", "-no-user-config",
             "-nographic", "-S",
             "-qmp", "unix:%s,server=on,wait=off" % (self.path,)],
            env=dict(os.environ))
        self.addCleanup(self.kill)
        self.client = yield poll(self.tryConnect, "QEMU's QMP socket",
                                 attempts=500, interval=0.02)
        self.addCleanup(self.client.close)

    def tryConnect(self):
        if self.qemu.reason is not None:
            raise AssertionError("QEMU ended: %s\n%s" % (
                self.qemu.reason, self.qemu.stderr.decode(errors="replace")))
        d = qmp.connect(self.reactor, self.path, peer=PEER)
        return d.addErrback(lambda f: f.trap(qmp.QMPConnectError) and None)

    def kill(self):
        if self.qemu.reason is None:
            try:
                self.process.signalProcess("KILL")
            except error.ProcessExitedAlready:
                pass
        return self.qemu.whenEnded()

    @defer.inlineCallbacks
    def test_prelaunch(self):
        self.assertIn("qemu", self.client.greeting["version"])
        status = yield self.client.execute("query-status")
        self.assertEqual((status["status"], status["running"]),
                         ("prelaunch", False))

    @defer.inlineCallbacks
    def test_cont(self):
        resumed = self.client.nextEvent("RESUME")
        result = yield self.client.execute("cont")
        self.assertEqual(result, {})
        event = yield resumed
        self.assertEqual(event.name, "RESUME")
        self.assertIsInstance(event.timestamp, float)
        status = yield self.client.execute("query-status")
        self.assertEqual(status["status"], "running")

    @defer.inlineCallbacks
    def test_unknownCommand(self):
        d = self.client.execute("no-such-command")
        e = yield self.assertFailure(d, qmp.QMPError)
        self.assertEqual(e.error_class, "CommandNotFound")
        self.assertEqual(str(e), "VM 100 qmp command 'no-such-command' "
                         "failed - The command no-such-command has not "
                         "been found")
        # the connection is still good
        yield self.client.execute("query-status")

    @defer.inlineCallbacks
    def test_inFlight(self):
        results = yield defer.gatherResults([
            self.client.execute("query-status"),
            self.client.execute("query-version"),
            self.client.hmp("info status")])
        status, version, text = results
        self.assertEqual(status["status"], "prelaunch")
        self.assertEqual(version["qemu"],
                         self.client.greeting["version"]["qemu"])
        self.assertIn("paused (prelaunch)", text)

    @defer.inlineCallbacks
    def test_hmp(self):
        text = yield self.client.hmp("info version")
        self.assertIn("%(major)d.%(minor)d.%(micro)d"
                      % self.client.greeting["version"]["qemu"], text)

    @defer.inlineCallbacks
    def test_fdPassing(self):
        r, w = os.pipe()
        self.addCleanup(os.close, r)
        self.addCleanup(os.close, w)
        yield self.client.execute("getfd", {"fdname": "test"}, fd=r)
        yield self.client.execute("closefd", {"fdname": "test"})
        e = yield self.assertFailure(
            self.client.execute("closefd", {"fdname": "test"}),
            qmp.QMPError)
        self.assertEqual(e.error_class, "GenericError")

    @defer.inlineCallbacks
    def test_quit(self):
        """quit answers, QEMU says SHUTDOWN, closes and exits 0."""
        shutdown = self.client.nextEvent("SHUTDOWN")
        result = yield self.client.execute("quit")
        self.assertEqual(result, {})
        event = yield shutdown
        self.assertEqual(event.data["reason"], "host-qmp-quit")
        yield self.client.closed
        reason = yield self.qemu.whenEnded()
        self.assertIsInstance(reason, error.ProcessDone)

    @defer.inlineCallbacks
    def test_qemuKilled(self):
        waiting = self.client.nextEvent("SHUTDOWN")
        self.process.signalProcess("KILL")
        yield self.assertFailure(waiting, error.ConnectionLost)
        yield self.client.closed
        yield self.assertFailure(self.client.execute("query-status"),
                                 qmp.QMPConnectionLost)

    @defer.inlineCallbacks
    def test_oneShot(self):
        """One client at a time: after closing ours, runHMP and
        runCommand each use a connection of their own."""
        yield self.client.close()
        text = yield qmp.runHMP(self.reactor, self.path, "info version",
                                timeout=qmp.QM_MONITOR_TIMEOUT, peer=PEER)
        self.assertIn("%(major)d.%(minor)d" %
                      self.client.greeting["version"]["qemu"], text)
        status = yield qmp.runCommand(self.reactor, self.path,
                                      "query-status", peer=PEER)
        self.assertEqual(status["status"], "prelaunch")
        d = qmp.runCommand(self.reactor, self.path, "no-such-command",
                           peer=PEER)
        yield self.assertFailure(d, qmp.QMPError)
