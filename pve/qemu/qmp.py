"""A QMP (QEMU Machine Protocol) client.

QMP is newline-delimited JSON on the VM's monitor socket: QEMU greets with
``{"QMP": {"version": ..., "capabilities": [...]}}``, the client leaves
negotiation mode with ``qmp_capabilities``, then sends
``{"execute": ..., "arguments": ..., "id": ...}`` and gets
``{"return": ..., "id": ...}`` or ``{"error": {"class": ..., "desc": ...},
"id": ...}``; ``{"event": ..., "data": ..., "timestamp": ...}`` come at any
time.

Semantics follow Proxmox's ``PVE::QMPClient`` and
``PVE::QemuServer::Monitor``: per-command default timeouts
(:func:`commandTimeout`), a command that times out drops the connection,
and errors read ``VM 100 qmp command 'cont' failed - <desc>``.  Unlike
Proxmox's client, several commands may be in flight on one connection;
replies are matched by ``id``.

QEMU serves one client at a time on a monitor socket: a second connection
gets no greeting until the first one closes.  Keep connections short, as
Proxmox does (:func:`runCommand`), or share one.
"""

import json
import os
from collections import namedtuple

from twisted.internet import defer, error
from twisted.internet.endpoints import UNIXClientEndpoint
from twisted.internet.protocol import Factory
from twisted.logger import Logger
from twisted.protocols.basic import LineOnlyReceiver
from twisted.python.failure import Failure

log = Logger()

# QMPClient::cmd's fallback (3 s before qemu-server commit 8174a894).
DEFAULT_TIMEOUT = 5
# hmp_cmd's timeouts in `qm monitor` (CLI/qm.pm) and the API's
# POST /nodes/{node}/qemu/{vmid}/monitor (API2/Qemu.pm).
QM_MONITOR_TIMEOUT = 30
API_MONITOR_TIMEOUT = 25

_TIMEOUTS = {}
for _seconds, _commands in [
    # "hack: monitor sometime blocks"; freeze: a killed freeze leaves the
    # guest file systems locked; internal snapshots are slow.
    (60 * 60, ["query-migrate", "guest-fsfreeze-freeze",
               "blockdev-snapshot-delete-internal-sync",
               "blockdev-snapshot-internal-sync"]),
    # Windows guests and thaw hook scripts.
    (3 * 60, ["guest-fsfreeze-thaw"]),
    (60, ["blockdev-add", "blockdev-insert-medium", "block-export-add",
          "device_add", "device_del", "netdev_add", "netdev_del",
          "object-add", "object-del",
          # the reply comes once QEMU is tearing down already
          "quit"]),
    (10 * 60, ["backup-cancel", "block-commit", "block-export-del",
               "block-stream", "blockdev-del", "blockdev-mirror",
               "blockdev-remove-medium", "blockdev-reopen",
               "block-job-cancel", "job-complete", "drive-mirror",
               "guest-fstrim", "guest-shutdown", "query-backup",
               "query-block-jobs", "query-savevm", "savevm-end",
               "savevm-start"]),
]:
    _TIMEOUTS.update(dict.fromkeys(_commands, _seconds))


def commandTimeout(command):
    """Proxmox's default timeout in seconds for the QMP *command*."""
    if command.startswith(("eject", "change")):
        return 60                       # "cdrom mount command is slow"
    return _TIMEOUTS.get(command, DEFAULT_TIMEOUT)


def vmPeer(vmid):
    """How Proxmox names a VM's monitor in messages: ``VM 100 qmp``."""
    return "VM %s qmp" % (vmid,)


class QMPClientError(Exception):
    """A QMP command did not succeed.  ``str()`` reads as Proxmox's
    ``<peer> command '<command>' failed - <reason>``."""

    def __init__(self, peer, command, reason):
        Exception.__init__(self, peer, command, reason)
        self.peer, self.command, self.reason = peer, command, reason

    def __str__(self):
        if self.command is None:
            return "%s failed - %s" % (self.peer, self.reason)
        return "%s command '%s' failed - %s" % (
            self.peer, self.command, self.reason)


class QMPError(QMPClientError):
    """QEMU answered with ``{"error": {"class": ..., "desc": ...}}``."""

    def __init__(self, peer, command, error_class, desc):
        QMPClientError.__init__(self, peer, command, desc.rstrip("\n"))
        self.args = (peer, command, error_class, desc)
        self.error_class, self.desc = error_class, desc


class QMPTimeout(QMPClientError):
    """No answer within *timeout* seconds; the connection was dropped."""

    def __init__(self, peer, command, timeout):
        QMPClientError.__init__(self, peer, command, "got timeout")
        self.args = (peer, command, timeout)
        self.timeout = timeout


class QMPConnectionLost(QMPClientError, error.ConnectionLost):
    """The connection ended before the answer came."""

    def __init__(self, peer, command, reason="client closed connection"):
        QMPClientError.__init__(self, peer, command, reason)


class QMPConnectError(QMPClientError, error.ConnectError):
    """The monitor socket could not be reached."""

    def __init__(self, peer, reason):
        QMPClientError.__init__(self, peer, None, reason)
        self.osError, self.string = None, reason

    def __str__(self):
        return "unable to connect to %s socket - %s" % (self.peer, self.reason)


Event = namedtuple("Event", "name data timestamp")
Event.__doc__ = """A QMP event: *data* a dict, *timestamp* seconds since
the epoch as QEMU stamped it (None if it did not)."""


def _event(message):
    stamp = message.get("timestamp")
    seconds = None
    if isinstance(stamp, dict) and "seconds" in stamp:
        seconds = stamp["seconds"] + stamp.get("microseconds", 0) / 1e6
    return Event(message["event"], message.get("data", {}), seconds)


class _Outcome:
    """Hands out Deferreds that all fire once the outcome is known."""

    def __init__(self):
        self.known, self._result, self._waiters = False, None, []

    def when(self):
        if self.known:
            if isinstance(self._result, Failure):
                return defer.fail(self._result)
            return defer.succeed(self._result)
        d = defer.Deferred()
        self._waiters.append(d)
        return d

    def fire(self, result):
        self.known, self._result = True, result
        waiters, self._waiters = self._waiters, []
        for d in waiters:
            if isinstance(result, Failure):
                d.errback(result)
            else:
                d.callback(result)


class _Call:
    def __init__(self, command, deferred):
        self.command, self.deferred, self.timer = command, deferred, None

    def stopTimer(self):
        if self.timer is not None and self.timer.active():
            self.timer.cancel()
        self.timer = None


class QMPClient(LineOnlyReceiver):
    """The client end of a QMP connection (whichever side connected).

    :ivar greeting: the ``QMP`` object of QEMU's greeting, once it came.
    :ivar closed: a Deferred firing with None when the connection has
        ended; callbacks added to it should return their argument.
    """

    delimiter = b"\n"
    MAX_LENGTH = 64 * 1024 * 1024       # query-qmp-schema is one long line

    def __init__(self, clock, peer="qmp"):
        self.clock, self.peer = clock, peer
        self.greeting = None
        self._nextId = 0
        self._pending = {}
        self._subscribers = []
        self._eventWaiters = []
        self._closing = None            # why new commands fail at once
        self._negotiation = _Outcome()
        self._closed = _Outcome()
        self.closed = self._closed.when()

    # -- public API

    def whenNegotiated(self):
        """A Deferred firing with this client once ``qmp_capabilities``
        succeeded, or failing if it failed or the connection ended."""
        return self._negotiation.when()

    def execute(self, command, arguments=None, timeout=None, fd=None):
        """Run *command*; a Deferred firing with its ``return`` value or
        failing with :class:`QMPError`, :class:`QMPTimeout` (after
        *timeout* seconds, default :func:`commandTimeout`; the connection
        is dropped as Proxmox does) or :class:`QMPConnectionLost`.  *fd*
        is a file descriptor passed along (``getfd``, ``add-fd``)."""
        if timeout is None:
            timeout = commandTimeout(command)
        return self._send(command, arguments, timeout, fd)

    def hmp(self, commandLine, timeout=None):
        """Run a human monitor command (``info version``); a Deferred
        firing with its output text."""
        return self.execute("human-monitor-command",
                            {"command-line": commandLine}, timeout)

    def onEvent(self, name, callback):
        """Call ``callback(event)`` with each :class:`Event` named *name*
        (every event if *name* is None).  Returns a function that ends
        the subscription."""
        entry = (name, callback)
        self._subscribers.append(entry)

        def unsubscribe():
            if entry in self._subscribers:
                self._subscribers.remove(entry)
        return unsubscribe

    def nextEvent(self, name):
        """A Deferred firing with the next :class:`Event` named *name*;
        ask before the command that causes it, QEMU may send the event
        before the command's reply."""
        if self._closed.known:
            return defer.fail(QMPConnectionLost(self.peer, None,
                                                self._closing))
        entry = [name]
        d = defer.Deferred(lambda d: self._eventWaiters.remove(entry))
        entry.append(d)
        self._eventWaiters.append(entry)
        return d

    def close(self):
        """End the connection; a Deferred firing when it has ended.
        Commands in flight fail with :class:`QMPConnectionLost`."""
        if self._closing is None:
            self._closing = "client closed connection"
        if self.transport is not None and not self._closed.known:
            self.transport.loseConnection()
        return self._closed.when()

    # -- protocol

    def lineReceived(self, line):
        if not line.strip():
            return
        try:
            message = json.loads(line)
            if not isinstance(message, dict):
                raise ValueError("not a JSON object")
        except ValueError as e:
            log.error("{peer}: malformed QMP message {line!r}: {error}",
                      peer=self.peer, line=line[:200], error=e)
            self._abort("malformed QMP message: %s" % (e,))
            return
        if "QMP" in message:
            self._greeted(message["QMP"])
        elif "event" in message:
            self._dispatch(_event(message))
        elif "return" in message or "error" in message:
            self._reply(message)
        else:
            log.warn("{peer}: ignoring QMP message {message!r}",
                     peer=self.peer, message=message)

    def lineLengthExceeded(self, line):
        log.error("{peer}: QMP message over {max} bytes",
                  peer=self.peer, max=self.MAX_LENGTH)
        self._abort("QMP message too long")

    def connectionLost(self, reason):
        if self._closing is None:
            self._closing = "client closed connection"
        pending, self._pending = self._pending, {}
        for call in pending.values():
            call.stopTimer()
            call.deferred.errback(
                QMPConnectionLost(self.peer, call.command, self._closing))
        waiters, self._eventWaiters = self._eventWaiters, []
        for name, d in waiters:
            d.errback(QMPConnectionLost(self.peer, None, self._closing))
        if not self._negotiation.known:
            self._negotiation.fire(Failure(QMPConnectionLost(
                self.peer, "qmp_capabilities", self._closing)))
        self._closed.fire(None)

    # -- internals

    def _send(self, command, arguments, timeout, fd=None):
        if self._closing is not None:
            return defer.fail(
                QMPConnectionLost(self.peer, command, self._closing))
        self._nextId += 1
        cid = self._nextId
        request = {"execute": command}
        if arguments is not None:
            request["arguments"] = arguments
        request["id"] = cid
        try:
            data = json.dumps(request).encode("ascii") + b"\n"
        except (TypeError, ValueError):
            return defer.fail()

        def cancel(d):
            call = self._pending.pop(cid, None)
            if call is not None:
                call.stopTimer()
        call = _Call(command, defer.Deferred(cancel))
        if timeout:
            call.timer = self.clock.callLater(
                timeout, self._timedOut, cid, timeout)
        self._pending[cid] = call
        if fd is not None:
            self.transport.sendFileDescriptor(fd)
        self.transport.write(data)
        return call.deferred

    def _greeted(self, greeting):
        if self.greeting is not None:
            log.warn("{peer}: second QMP greeting ignored", peer=self.peer)
            return
        self.greeting = greeting
        d = self._send("qmp_capabilities", None, None)
        d.addCallbacks(self._negotiated, self._negotiationFailed)

    def _negotiated(self, result):
        self._negotiation.fire(self)

    def _negotiationFailed(self, failure):
        if not self._negotiation.known:
            self._negotiation.fire(failure)
        self._abort("qmp_capabilities failed")

    def _reply(self, message):
        cid = message.get("id")
        call = None
        if isinstance(cid, int):
            call = self._pending.pop(cid, None)
        if call is None:
            if cid is None and "error" in message:
                # QEMU could not read a request, so it has no id to echo;
                # Proxmox fails the command in flight with its message.
                error_class, desc = _errorOf(message)
                self._abort(desc, lambda command: QMPError(
                    self.peer, command, error_class, desc))
            else:
                log.warn("{peer}: QMP reply for unknown id {id!r}",
                         peer=self.peer, id=cid)
            return
        call.stopTimer()
        if "error" in message:
            error_class, desc = _errorOf(message)
            call.deferred.errback(
                QMPError(self.peer, call.command, error_class, desc))
        else:
            call.deferred.callback(message["return"])

    def _dispatch(self, event):
        for name, callback in list(self._subscribers):
            if name is None or name == event.name:
                try:
                    callback(event)
                except Exception:
                    log.failure("{peer}: QMP event subscriber failed on "
                                "{event}", peer=self.peer, event=event.name)
        waiting = [e for e in self._eventWaiters if e[0] == event.name]
        for entry in waiting:
            self._eventWaiters.remove(entry)
            entry[1].callback(event)

    def _timedOut(self, cid, timeout):
        call = self._pending.pop(cid, None)
        if call is None:
            return
        call.timer = None
        reason = "connection dropped after command '%s' timed out" % (
            call.command,)
        self._closing = reason
        call.deferred.errback(QMPTimeout(self.peer, call.command, timeout))
        self._abort(reason)

    def _abort(self, reason, errorFor=None):
        """Fail every command in flight and drop the connection."""
        if self._closing is None:
            self._closing = reason
        pending, self._pending = self._pending, {}
        for call in pending.values():
            call.stopTimer()
            if errorFor is None:
                exc = QMPConnectionLost(self.peer, call.command, reason)
            else:
                exc = errorFor(call.command)
            call.deferred.errback(exc)
        if not self._closed.known:
            self.transport.abortConnection()


def _errorOf(message):
    err = message.get("error")
    if not isinstance(err, dict):
        err = {}
    return (str(err.get("class", "GenericError")),
            str(err.get("desc", "unknown error")))


class QMPClientFactory(Factory):
    """Builds :class:`QMPClient` protocols timing out on *clock*; also
    for a listening socket QEMU connects to (``-qmp unix:...``)."""

    def __init__(self, clock, peer="qmp"):
        self.clock, self.peer = clock, peer

    def buildProtocol(self, addr):
        client = QMPClient(self.clock, self.peer)
        client.factory = self
        return client


def connect(reactor, path, timeout=DEFAULT_TIMEOUT, peer="qmp"):
    """Connect to the QMP socket *path* and negotiate; a Deferred firing
    with the :class:`QMPClient`, or failing with :class:`QMPConnectError`,
    :class:`QMPTimeout` (no greeting or negotiation within *timeout*
    seconds) or another :class:`QMPClientError`.  *peer* names the
    monitor in messages (:func:`vmPeer`)."""
    return connectEndpoint(reactor, UNIXClientEndpoint(reactor, path),
                           timeout, peer)


def connectEndpoint(reactor, endpoint, timeout=DEFAULT_TIMEOUT, peer="qmp"):
    """:func:`connect` through any client *endpoint*; *reactor* gives
    the clock."""
    client = []

    def cancel(result):
        timer.cancel()
        result.errback(defer.CancelledError())
        stop()
    result = defer.Deferred(cancel)

    def stop():
        if client:
            client[0].transport.abortConnection()
        else:
            connecting.cancel()

    def connected(protocol):
        client.append(protocol)
        return protocol.whenNegotiated()

    def done(outcome):
        if timer.active():
            timer.cancel()
        if not result.called:
            if isinstance(outcome, Failure):
                if not outcome.check(QMPClientError):
                    outcome = Failure(QMPConnectError(
                        peer, _connectReason(outcome.value)))
                result.errback(outcome)
            else:
                result.callback(outcome)
        elif not isinstance(outcome, Failure):
            outcome.transport.abortConnection()     # came too late

    def timedOut():
        if client:
            result.errback(QMPTimeout(peer, "qmp_capabilities", timeout))
        else:
            result.errback(QMPConnectError(
                peer, "timeout after %s s" % (timeout,)))
        stop()

    timer = reactor.callLater(timeout, timedOut)
    connecting = endpoint.connect(QMPClientFactory(reactor, peer))
    connecting.addCallback(connected)
    connecting.addBoth(done)
    return result


def _connectReason(exc):
    """The strerror text, as Proxmox's ``$!``."""
    number = getattr(exc, "osError", None)
    if isinstance(number, int):
        return os.strerror(number)
    if isinstance(exc, error.ConnectError) and exc.args and exc.args[0]:
        return str(exc.args[0])
    return str(exc)


def runCommand(reactor, path, command, arguments=None, timeout=None,
               peer="qmp", fd=None):
    """Connect, run one command, close: Proxmox's ``mon_cmd``.  The
    *timeout* (default :func:`commandTimeout`) bounds connecting and the
    command each.  Failures are logged as Proxmox syslogs them."""
    if timeout is None:
        timeout = commandTimeout(command)
    d = connect(reactor, path, timeout, peer)

    def connected(client):
        running = client.execute(command, arguments, timeout, fd=fd)

        def finish(outcome):
            return client.close().addCallback(lambda _: outcome)
        return running.addBoth(finish)

    def failed(failure):
        log.error("{peer} command failed - {error}",
                  peer=peer, error=str(failure.value))
        return failure
    return d.addCallback(connected).addErrback(failed)


def runHMP(reactor, path, commandLine, timeout=None, peer="qmp"):
    """A human monitor command on a connection of its own (Proxmox's
    ``hmp_cmd``; ``qm monitor`` passes ``QM_MONITOR_TIMEOUT``)."""
    return runCommand(reactor, path, "human-monitor-command",
                      {"command-line": commandLine}, timeout, peer)
