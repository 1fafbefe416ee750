"""qmeventd: the daemon every QEMU connects to as a second QMP monitor.

qemu-server starts each VM with ``-chardev socket,id=qmp-event,
path=/var/run/qmeventd.sock,reconnect=5 -mon chardev=qmp-event,mode=control``
and ``-pidfile /var/run/qemu-server/<vmid>.pid``.  As Proxmox's qmeventd
(qemu-server ``src/qmeventd/qmeventd.c``) this daemon

- takes only root peers (``SO_PEERCRED``; also this process's user when
  not run as root) and, once a peer greets as QMP,
  reads its VMID from the ``-pidfile`` argument in ``/proc/<pid>/cmdline``
  (a peer without one is dropped), then answers ``qmp_capabilities``;
- on ``SHUTDOWN`` (``data.guest``: the guest powered off, not the host)
  asks ``query-status``; a VM no longer running, paused, suspended or in
  prelaunch, and not being backed up, is told to ``quit`` (SIGTERM if that
  cannot be sent) and killed with SIGKILL if its connection is still open
  after the kill timeout (60 s);
- when the connection of a QEMU ends, runs ``qm cleanup <vmid> <graceful>
  <guest>``: *graceful* 1 if a ``SHUTDOWN`` came before, *guest* its
  ``guest`` flag;
- takes ``{"vzdump": {"vmid": "<vmid>"}}`` (no newline) from vzdump, which
  keeps the connection open while a backup of a stopped VM runs
  (``register_qmeventd_handle``): the VM is not quit while it lasts, and
  checked again once that connection closes.

The decisions are :class:`Tracker`'s, which does no I/O and returns
actions; :class:`QMEventFactory` is the Twisted shell that carries them
out.  The daemon itself is :mod:`pve.qemu.qmeventd_tap`.  The peers are
not :class:`pve.qemu.qmp.QMPClient` connections: what they send is a
stream of JSON values, not lines (vzdump's handshake has no newline), the
daemon decides whether to negotiate at all, and its commands carry no id.
"""

import json
import os
import shutil
import signal
import socket
import struct
from collections import namedtuple

from twisted.internet import defer, protocol
from twisted.internet.protocol import Factory, Protocol

from pve.debuglog import Logger

log = Logger()

#: qmeventd.c's DEFAULT_KILL_TIMEOUT: seconds from ``quit`` to SIGKILL.
KILL_TIMEOUT = 60
#: The cleanup command before ``<vmid> <graceful> <guest>``.
CLEANUP_COMMAND = ("qm", "cleanup")
#: qmeventd.c reads into a 4096-byte buffer; a message that does not fit
#: is discarded.
BUFFER_SIZE = 4096
#: ``char vmid[16]``: at most 15 characters.
VMID_MAX = 15
#: query-status values that mean the VM is still up.
ACTIVE = frozenset(["running", "paused", "suspended", "prelaunch"])

# Client types and states, as qmeventd.h's ClientType and ClientState.
NONE, QEMU, VZDUMP = "none", "qemu", "vzdump"
HANDSHAKE, IDLE, EXPECT_STATUS, TERMINATING = (
    "handshake", "idle", "expect-status", "terminating")

_ULONG_MAX = 2 ** 64 - 1
_C_SPACE = b" \t\n\v\f\r"


# -- the VMID of a QEMU, from its command line

def strtoul(data):
    """C's ``strtoul(data, &end, 10)`` on bytes: ``(value, rest,
    overflow)``, *rest* what ``end`` points to."""
    i = 0
    while i < len(data) and data[i] in _C_SPACE:
        i += 1
    negative = False
    if i < len(data) and data[i] in b"+-":
        negative = data[i] == ord("-")
        i += 1
    start = i
    while i < len(data) and 48 <= data[i] <= 57:
        i += 1
    if i == start:
        return 0, data, False           # no conversion: end = the start
    value = int(data[start:i])
    if value > _ULONG_MAX:
        return _ULONG_MAX, data[i:], True
    if negative:
        value = -value & _ULONG_MAX
    return value, data[i:], False


def splitCmdline(raw):
    """The arguments in the contents of ``/proc/<pid>/cmdline``."""
    if raw.endswith(b"\0"):
        raw = raw[:-1]
    return raw.split(b"\0") if raw else []


def vmidFromCmdline(args):
    """qmeventd.c's ``get_vmid_from_pid`` on the arguments (bytes):
    ``(vmid, problem)``, *vmid* 0 and *problem* a message if there is
    none.  Only the first ``-pidfile`` counts; its value must end in
    ``/<vmid>.pid``."""
    for i, arg in enumerate(args):
        if arg != b"-pidfile":
            continue
        if i + 1 >= len(args):
            break
        value = args[i + 1]
        text = value.decode(errors="replace")
        slash = value.rfind(b"/")
        if slash < 0:
            return 0, "unexpected pidfile option %s" % (text,)
        start = value[slash + 1:]
        if start[:1] in (b"-", b""):
            return 0, "invalid vmid in pidfile option %s" % (text,)
        vmid, rest, overflow = strtoul(start)
        if rest != b".pid":
            return 0, "unexpected pidfile option %s" % (text,)
        if overflow:
            return 0, "error parsing vmid: Numerical result out of range"
        if vmid == 0:
            break
        return vmid, None
    return 0, "error parsing vmid: no matching pidfile option"


def readVmid(pid, proc="/proc"):
    """The VMID of process *pid* (0 if none), its problems logged as
    qmeventd.c does."""
    path = os.path.join(proc, str(pid), "cmdline")
    try:
        with open(path, "rb") as f:
            raw = f.read()
    except OSError as e:
        log.error("error opening {path}: {error}", path=path,
                  error=e.strerror)
        return 0
    vmid, problem = vmidFromCmdline(splitCmdline(raw))
    if problem is not None:
        if problem.startswith("error parsing vmid"):
            problem = problem.replace("vmid", "vmid for %d" % (pid,), 1)
        log.error("{problem}", problem=problem)
    return vmid


# -- framing: a stream of JSON values, not necessarily ended by newlines

class JSONStream:
    """Splits what a peer sends into JSON values, as json-c's tokener
    does for qmeventd.c: a value may end without a newline (vzdump's
    handshake), a malformed one discards the buffer, and one still
    incomplete at :data:`BUFFER_SIZE` bytes is discarded too."""

    def __init__(self, limit=BUFFER_SIZE):
        self.limit = limit
        self.buffer = b""

    def feed(self, data):
        self.buffer += data

    def values(self):
        """Yield each complete value in the buffer (leaving the rest)."""
        while True:
            start = len(self.buffer) - len(self.buffer.lstrip(_C_SPACE))
            if start == len(self.buffer):
                self.buffer = b""
                return
            end = _valueEnd(self.buffer, start)
            if end is None:
                if len(self.buffer) >= self.limit:
                    log.debug("message too large, discarding buffer")
                    self.buffer = b""
                return
            text, self.buffer = self.buffer[start:end], self.buffer[end:]
            try:
                value = json.loads(text)
            except ValueError as e:
                log.debug("parse error: {error}, discarding buffer", error=e)
                self.buffer = b""
                return
            yield value


def _valueEnd(data, i):
    """Where the JSON value starting at *i* ends; None if it may not have
    ended yet; *i* itself for a character that cannot start one."""
    first = data[i:i + 1]
    if first in (b"{", b"["):
        depth, inString, escaped = 0, False, False
        for j in range(i, len(data)):
            c = data[j]
            if inString:
                if escaped:
                    escaped = False
                elif c == 0x5c:                 # backslash
                    escaped = True
                elif c == 0x22:                 # quote
                    inString = False
            elif c == 0x22:
                inString = True
            elif c in b"{[":
                depth += 1
            elif c in b"}]":
                depth -= 1
                if depth == 0:
                    return j + 1
        return None
    if first == b'"':
        escaped = False
        for j in range(i + 1, len(data)):
            if escaped:
                escaped = False
            elif data[j] == 0x5c:
                escaped = True
            elif data[j] == 0x22:
                return j + 1
        return None
    if first in (b"}", b"]", b",", b":"):
        return i + 1                            # malformed: json.loads says
    for j in range(i, len(data)):               # a number, true, null...
        if data[j] in _C_SPACE or data[j] in b'{}[],:"':
            return j
    return None


# -- the decisions: one Client per connection, a Tracker for them all

class Client:
    """What qmeventd.c's ``struct Client`` knows of one connection."""

    def __init__(self, pid):
        self.pid = pid
        self.type = NONE
        self.state = HANDSHAKE
        self.vmid = None                # a QEMU's VMID (a decimal string)
        self.graceful = False           # a SHUTDOWN came
        self.guest = False              # ... and the guest asked for it
        self.termCheckQueued = False
        self.backup = False             # a vzdump connection for it is open
        self.backupOf = None            # a vzdump client's VMID
        self.closed = False

    @property
    def name(self):
        return self.vmid if self.vmid is not None else "pid%d" % (self.pid,)

    def __repr__(self):
        return "<Client %s %s %s>" % (self.name, self.type, self.state)


Send = namedtuple("Send", "client command")
Send.__doc__ = "Write ``{\"execute\": command}`` to the client."
Terminate = namedtuple("Terminate", "client")
Terminate.__doc__ = "Send ``quit`` (or SIGTERM), SIGKILL after the timeout."
Close = namedtuple("Close", "client")
Close.__doc__ = "Close the client's connection and forget its process."
Cleanup = namedtuple("Cleanup", "vmid graceful guest")
Cleanup.__doc__ = "Run ``qm cleanup <vmid> <graceful> <guest>``."


def _jsonString(value):
    """json-c's ``json_object_get_string``: a string, or the JSON text of
    anything else but null."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _jsonBoolean(value):
    """json-c's ``json_object_get_boolean``."""
    if isinstance(value, (bool, int, float)):
        return bool(value)
    if isinstance(value, str):
        return len(value) != 0
    return False


class Tracker:
    """qmeventd.c's handling of its clients, without I/O: each method
    returns the actions (:class:`Send`, :class:`Terminate`,
    :class:`Close`, :class:`Cleanup`) to carry out, in order.

    *identify* maps a pid to its VMID (0 for none); ``vms`` maps VMIDs to
    the connected QEMU :class:`Client` objects.
    """

    def __init__(self, identify):
        self.identify = identify
        self.vms = {}

    def received(self, client, message):
        """The actions for one JSON *message* from *client*."""
        if client.closed or not isinstance(message, dict):
            return []
        if "QMP" in message:
            return self._handshake(client)
        if client.type == QEMU:
            # qmeventd.c also acts on these from peers that never greeted
            # as QMP (and could quit or kill them); QEMU always greets.
            if "event" in message:
                return self._event(client, message)
            if "return" in message:
                return self._returned(client, message["return"], False)
            if "error" in message:
                return self._returned(client, message["error"], True)
        elif "event" in message or "return" in message or "error" in message:
            return []
        if "vzdump" in message:
            return self._vzdump(client, message["vzdump"])
        return []

    def disconnected(self, client):
        """The actions once *client*'s connection ended."""
        return self._cleanup(client)

    # -- as qmeventd.c's functions of the same names

    def _handshake(self, client):
        log.debug("pid{pid}: got QMP handshake, assuming QEMU client",
                  pid=client.pid)
        vmid = self.identify(client.pid)
        if not vmid or len(str(vmid)) > VMID_MAX:
            log.error("could not get vmid from pid {pid}", pid=client.pid)
            return self._cleanup(client)
        client.vmid = str(vmid)
        client.type = QEMU
        log.debug("pid{pid}: assigned VMID: {vmid}", pid=client.pid,
                  vmid=client.vmid)
        other = self.vms.get(client.vmid)
        if other is not None and other is not client:
            # not fatal, just means backup handling won't work
            log.error("{vmid}: could not insert client into VMID->client "
                      "table", vmid=client.vmid)
        self.vms[client.vmid] = client
        return [Send(client, "qmp_capabilities")]

    def _event(self, client, message):
        name = _jsonString(message["event"])
        log.debug("{vmid}: got QMP event: {event}", vmid=client.name,
                  event=name)
        if client.state == TERMINATING:
            # QEMU sometimes sends a second SHUTDOWN after SIGTERM
            log.debug("{vmid}: event was after termination, ignoring",
                      vmid=client.name)
            return []
        if name != "SHUTDOWN":
            return []
        client.graceful = True
        data = message.get("data")
        if isinstance(data, dict) and "guest" in data:
            client.guest = _jsonBoolean(data["guest"])
        # check if a backup is running and kill QEMU process if not
        return self._terminateCheck(client)

    def _terminateCheck(self, client):
        if client.state != IDLE:
            log.debug("{vmid}: terminate_check queued", vmid=client.name)
            client.termCheckQueued = True
            return []
        client.termCheckQueued = False
        log.debug("{vmid}: query-status", vmid=client.name)
        client.state = EXPECT_STATUS
        return [Send(client, "query-status")]

    def _returned(self, client, data, isError):
        actions = []
        if isError:
            desc = data.get("desc") if isinstance(data, dict) else None
            log.error("{vmid}: received error from QMP: {message}",
                      vmid=client.name,
                      message=_jsonString(desc) if desc is not None
                      else "n/a")
            client.state = IDLE
        else:
            status = data.get("status") if isinstance(data, dict) else None
            active = isinstance(status, str) and status in ACTIVE
            if client.state == EXPECT_STATUS:
                client.state = IDLE
                if active:
                    log.debug("{vmid}: got status: VM is active",
                              vmid=client.name)
                elif not client.backup:
                    actions += self._terminate(client)
                else:
                    # vzdump tells us when the backup finishes
                    log.debug("{vmid}: not active, but running backup - "
                              "keep alive", vmid=client.name)
            elif client.state == HANDSHAKE:
                client.state = IDLE     # the answer to qmp_capabilities
                log.debug("{vmid}: QMP handshake complete", vmid=client.name)
            elif client.state == IDLE:
                log.debug("{vmid}: spurious return value received",
                          vmid=client.name)
            # TERMINATING: the empty return of 'quit'
        if client.termCheckQueued:
            actions += self._terminateCheck(client)
        return actions

    def _terminate(self, client):
        log.debug("{vmid}: terminating client (pid {pid})", vmid=client.name,
                  pid=client.pid)
        client.state = TERMINATING
        return [Terminate(client)]

    def _vzdump(self, client, data):
        client.state = IDLE
        if not isinstance(data, dict) or "vmid" not in data:
            log.debug("pid{pid}: invalid vzdump handshake: no vmid",
                      pid=client.pid)
            return []
        vmid = _jsonString(data["vmid"])
        if vmid is None:
            log.debug("pid{pid}: invalid vzdump handshake: vmid is not a "
                      "string", pid=client.pid)
            return []
        if len(vmid) > VMID_MAX:
            log.debug("pid{pid}: invalid vzdump handshake: vmid too long or "
                      "invalid", pid=client.pid)
            return []
        client.backupOf = vmid
        vm = self.vms.get(vmid)
        if vm is None:
            log.debug("{vmid}: vzdump requested backup start for "
                      "unregistered VM", vmid=vmid)
            return []
        vm.backup = True
        client.type = VZDUMP
        log.debug("{vmid}: vzdump backup started", vmid=vmid)
        return []

    def _cleanup(self, client):
        if client.closed:
            return []
        client.closed = True
        actions = [Close(client)]
        if client.type == QEMU:
            if self.vms.get(client.vmid) is client:
                del self.vms[client.vmid]
            actions.append(Cleanup(client.vmid, client.graceful,
                                   client.guest))
        elif client.type == VZDUMP:
            vm = self.vms.get(client.backupOf)
            if vm is not None:
                log.debug("{vmid}: backup ended", vmid=client.backupOf)
                vm.backup = False
                actions += self._terminateCheck(vm)
        return actions


# -- the Twisted shell

def peerCredentials(transport):
    """``(pid, uid)`` of the process at the other end of a unix socket."""
    sock = transport.getHandle()
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED,
                            struct.calcsize("3i"))
    pid, uid, gid = struct.unpack("3i", creds)
    return pid, uid


def openPidfd(pid):
    """A pidfd for *pid*, or None where the kernel or Python has none."""
    try:
        return os.pidfd_open(pid)
    except (AttributeError, OSError):
        return None


def _signal(pid, pidfd, signum):
    if pidfd is not None:
        signal.pidfd_send_signal(pidfd, signum)
    else:
        os.kill(pid, signum)


def _command(name):
    return json.dumps({"execute": name}).encode() + b"\n"


class QMEventProtocol(Protocol):
    """One peer: QEMU, vzdump or anything else that connected."""

    client = None
    pidfd = None
    killTimer = None

    def __init__(self):
        self.stream = JSONStream()

    def connectionMade(self):
        self.factory.accepted(self)

    def dataReceived(self, data):
        client = self.client
        if client is None or client.closed:
            return
        self.stream.feed(data)
        for message in self.stream.values():
            self.factory.perform(
                self.factory.tracker.received(client, message))
            if client.closed:
                break

    def connectionLost(self, reason):
        self.factory.lost(self)


class CleanupProcess(protocol.ProcessProtocol):
    """``qm cleanup``: its output logged line by line; ``ended`` fires
    with its exit code (or the signal's negative)."""

    def __init__(self, vmid):
        self.vmid = vmid
        self.ended = defer.Deferred()
        self._partial = {1: b"", 2: b""}

    def connectionMade(self):
        self.transport.closeStdin()

    def childDataReceived(self, fd, data):
        lines = (self._partial.get(fd, b"") + data).split(b"\n")
        self._partial[fd] = lines.pop()
        for line in lines:
            self._log(line)

    def _log(self, line):
        line = line.rstrip(b"\r").decode(errors="replace")
        if line:
            log.info("{vmid}: cleanup: {line}", vmid=self.vmid, line=line)

    def processEnded(self, reason):
        for fd in sorted(self._partial):
            self._log(self._partial[fd])
        self._partial.clear()
        code = getattr(reason.value, "exitCode", None)
        sig = getattr(reason.value, "signal", None)
        if sig is not None:
            log.error("{vmid}: cleanup killed by signal {signal}",
                      vmid=self.vmid, signal=sig)
            code = -sig
        elif code:
            log.error("{vmid}: cleanup exited with code {code}",
                      vmid=self.vmid, code=code)
        self.ended.callback(code or 0)


class QMEventFactory(Factory):
    """Serves QEMU monitors on qmeventd's socket; carries out what the
    :class:`Tracker` decides.

    *cleanupCommand* is the argv prefix run with ``<vmid> <graceful>
    <guest>`` (``argv[0]`` looked up in ``PATH`` unless it has a slash);
    *clock* times the kill timeout (default *reactor*); *allowedUids* the
    peers taken (default root and this process's user: the socket is
    mode 0600, so when run as root, root only, as qmeventd.c).
    """

    protocol = QMEventProtocol
    noisy = False

    def __init__(self, reactor, cleanupCommand=CLEANUP_COMMAND,
                 killTimeout=KILL_TIMEOUT, clock=None, proc="/proc",
                 credentials=peerCredentials, allowedUids=None,
                 environ=None):
        self.reactor = reactor
        self.clock = reactor if clock is None else clock
        self.cleanupCommand = tuple(cleanupCommand)
        self.killTimeout = killTimeout
        self.proc = proc
        self.credentials = credentials
        if allowedUids is None:
            allowedUids = {0, os.geteuid()}
        self.allowedUids = frozenset(allowedUids)
        self.environ = environ
        self.tracker = Tracker(lambda pid: readVmid(pid, self.proc))
        self.connections = {}           # Client -> QMEventProtocol
        self.cleanups = set()           # running CleanupProcess
        self.stopping = False

    # -- connections

    def accepted(self, proto):
        try:
            pid, uid = self.credentials(proto.transport)
        except OSError as e:
            log.error("getsockopt: {error}", error=e.strerror)
            pid, uid = 0, 0
        if not pid:
            log.error("could not get pid from client")
            proto.transport.loseConnection()
            return
        if uid not in self.allowedUids:
            log.error("rejecting non-root client (pid {pid}, uid {uid})",
                      pid=pid, uid=uid)
            proto.transport.loseConnection()
            return
        # opened while the process lives: a signal never hits a reused pid
        proto.pidfd = openPidfd(pid)
        proto.client = Client(pid)
        self.connections[proto.client] = proto
        log.debug("added new client, pid: {pid}", pid=pid)

    def lost(self, proto):
        client = proto.client
        if client is None:
            return
        if self.stopping:               # VMs keep running: no cleanup
            self._release(proto)
            return
        log.debug("pid{pid}: got EOF", pid=client.pid)
        self.perform(self.tracker.disconnected(client))
        self._release(proto)

    def _release(self, proto):
        """Forget *proto*'s process: no SIGKILL for it any more."""
        self.connections.pop(proto.client, None)
        if proto.killTimer is not None:
            if proto.killTimer.active():
                proto.killTimer.cancel()
            proto.killTimer = None
        if proto.pidfd is not None:
            os.close(proto.pidfd)
            proto.pidfd = None

    # -- actions

    def perform(self, actions):
        for action in actions:
            if isinstance(action, Cleanup):
                self.runCleanup(action.vmid, action.graceful, action.guest)
                continue
            proto = self.connections.get(action.client)
            if proto is None:
                continue
            if isinstance(action, Send):
                if _writable(proto.transport):
                    proto.transport.write(_command(action.command))
            elif isinstance(action, Close):
                proto.transport.loseConnection()
                self._release(proto)
            elif isinstance(action, Terminate):
                self._terminate(proto)

    def _terminate(self, proto):
        client = proto.client
        if proto.pidfd is not None:
            try:
                signal.pidfd_send_signal(proto.pidfd, 0)
            except ProcessLookupError:
                log.debug("{vmid}: process already dead (pid {pid})",
                          vmid=client.name, pid=client.pid)
                return
            except OSError:
                pass
        if _writable(proto.transport):
            log.debug("{vmid}: sending 'quit' via QMP", vmid=client.name)
            proto.transport.write(_command("quit"))
        else:
            log.debug("{vmid}: sending 'SIGTERM' to pid {pid}",
                      vmid=client.name, pid=client.pid)
            try:
                _signal(client.pid, proto.pidfd, signal.SIGTERM)
            except OSError as e:
                log.error("kill: {error}", error=e.strerror)
        if proto.killTimer is None:
            proto.killTimer = self.clock.callLater(
                self.killTimeout, self._forceKill, proto)

    def _forceKill(self, proto):
        proto.killTimer = None
        pid = proto.client.pid
        try:
            _signal(pid, proto.pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass
        except OSError as e:
            log.error("SIGKILL cleanup of pid '{pid}' failed - {error}",
                      pid=pid, error=e.strerror)
        else:
            log.warn("cleanup failed, terminating pid '{pid}' with SIGKILL",
                     pid=pid)
        if proto.pidfd is not None:
            os.close(proto.pidfd)
            proto.pidfd = None

    def runCleanup(self, vmid, graceful, guest):
        """Run the cleanup command for *vmid*; its output is logged."""
        argv = list(self.cleanupCommand) + [
            vmid, "1" if graceful else "0", "1" if guest else "0"]
        env = dict(os.environ if self.environ is None else self.environ)
        executable = argv[0]
        if "/" not in executable:
            executable = shutil.which(executable, path=env.get("PATH"))
        if executable is None:
            log.error("{vmid}: cannot run cleanup: {command} not found",
                      vmid=vmid, command=argv[0])
            return None
        log.info("{vmid}: executing cleanup (graceful: {graceful}, guest: "
                 "{guest})", vmid=vmid, graceful=argv[-2], guest=argv[-1])
        process = CleanupProcess(vmid)
        try:
            self.reactor.spawnProcess(process, executable, argv, env=env)
        except OSError as e:
            log.error("{vmid}: cannot run cleanup: {error}", vmid=vmid,
                      error=e)
            return None
        self.cleanups.add(process)
        process.ended.addBoth(self._cleanupEnded, process)
        return process

    def _cleanupEnded(self, result, process):
        self.cleanups.discard(process)
        return result

    # -- stopping

    def stop(self):
        """Drop every connection without running cleanups (the VMs keep
        running and reconnect to the next qmeventd); a Deferred firing
        once the cleanup commands already running have ended."""
        self.stopping = True
        for proto in list(self.connections.values()):
            self._release(proto)
            proto.transport.abortConnection()
        running = [p.ended for p in self.cleanups]
        return defer.DeferredList(running).addCallback(lambda _: None)


def _writable(transport):
    return (transport is not None and getattr(transport, "connected", True)
            and not getattr(transport, "disconnecting", False))
