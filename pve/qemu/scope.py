"""A VM's systemd scope ``<vmid>.scope`` in ``qemu.slice``, over D-Bus.

qemu-server starts QEMU from a forked child that first moves itself into
a transient scope (``PVE::Systemd::enter_systemd_scope``): it calls
``org.freedesktop.systemd1.Manager.StartTransientUnit("<vmid>.scope",
"fail", properties, [])`` with ``PIDs`` = its own pid and the properties of
:func:`qemu_scope_properties`, then waits for the ``JobRemoved`` signal of
the returned job (result ``done``, anything else is "systemd job failed").
The scope gives the VM its cgroup (CPU weight and quota) and lets systemd
order VM shutdown before ``pve-guests.service``.

We start QEMU with ``reactor.spawnProcess``, so nothing of ours runs in
the child between fork and exec.  Putting QEMU's pid into the scope after
the spawn would race with QEMU's ``-daemonize`` fork: a daemon forked
before the move stays outside the scope.  Instead the child is a tiny
pre-exec gate (:func:`gated_args`): ``/bin/sh`` waits for a line on file
descriptor 3, then ``exec``s QEMU under the same pid.  :func:`spawn_in_scope`
spawns the gate, enters the scope with the gate's pid (which becomes QEMU's)
and then writes ``start``; if entering fails it closes the pipe and the gate
exits 1 without running QEMU.  QEMU's own command line is unchanged.

Without a systemd manager on the system bus (containers, the embedded
``pve-node`` under a test root) :func:`connect_systemd` gives None and the
caller starts QEMU directly (``spawn_in_scope`` with ``systemd=None``).

The start path, as ``vm_start``::

    systemd = yield connect_systemd(reactor)
    if systemd is not None:
        yield systemd.wait_for_unit_removed("%d.scope" % vmid, 20)
    props = qemu_scope_properties(conf.get("cpuunits"), conf.get("cpulimit"),
                                  cgroup_mode())
    proc = yield spawn_in_scope(reactor, systemd, vmid, props, protocol,
                                kvm, args, env, timeout=10 if statefile else None)
"""

from twisted.internet import defer
from twisted.logger import Logger
from twisted.python.failure import Failure
from txdbus import client as dbus_client
from txdbus import error as dbus_error
from txdbus.marshal import Boolean, UInt32, UInt64

log = Logger()

SYSTEMD_BUS_NAME = "org.freedesktop.systemd1"
MANAGER_PATH = "/org/freedesktop/systemd1"
MANAGER_INTERFACE = "org.freedesktop.systemd1.Manager"
START_TRANSIENT_UNIT_SIGNATURE = "ssa(sv)a(sa(sv))"
ULONG_MAX = 2 ** 64 - 1

# The pre-exec gate: file descriptor GATE_FD of the child is a pipe from us.
GATE_FD = 3
GATE_START = b"start\n"
_GATE_SH = 'read -r go <&3 && [ "$go" = start ] || exit 1; exec 3<&-; exec "$@"'


class ScopeError(Exception):
    """Entering a scope failed; the message is Proxmox's."""


# -- properties (pure) -------------------------------------------------------

def cgroup_mode(mounts=None):
    """2 if ``/sys/fs/cgroup`` is cgroup2 in *mounts* (``/proc/mounts``'s
    text; read when None), else 1 (``PVE::CGroup::cgroup_mode``)."""
    if mounts is None:
        with open("/proc/mounts") as fh:
            mounts = fh.read()
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) >= 3 and fields[1] == "/sys/fs/cgroup":
            return 2 if fields[2] == "cgroup2" else 1
    raise ScopeError("unknown cgroup mode")


def clamp_cpu_shares(shares, mode):
    """``PVE::CGroup::clamp_cpu_shares``: the default 100 (v2) or 1024 (v1)
    for None; at most 10000 on v2, at least 2 on v1."""
    if shares is None:
        return 100 if mode == 2 else 1024
    shares = int(shares)
    if mode == 2:
        return min(shares, 10000)
    return max(shares, 2)


def qemu_scope_properties(cpuunits=None, cpulimit=None, mode=2):
    """The scope properties ``vm_start`` asks for: *cpuunits* and
    *cpulimit* of the VM config, *mode* from :func:`cgroup_mode`."""
    props = {
        "Slice": "qemu.slice",
        "KillMode": "process",
        "SendSIGKILL": 0,
        "TimeoutStopUSec": ULONG_MAX,  # infinity
        "After": ["dbus.service"],
        # orders <vmid>.scope before these when stopping
        "Before": ["pve-ha-lrm.service", "pve-guests.service"],
    }
    shares = clamp_cpu_shares(cpuunits, mode)
    if mode == 2:
        props["CPUWeight"] = shares
    else:
        props["CPUShares"] = shares
    if cpulimit:
        props["CPUQuota"] = int(float(cpulimit) * 100)
    return props


def encode_properties(pids, properties):
    """The ``a(sv)`` list of ``enter_systemd_scope``: ``PIDs`` first, then
    *properties* with the D-Bus types systemd wants."""
    encoded = [("PIDs", [UInt32(pid) for pid in pids])]
    for key, value in properties.items():
        if key in ("Slice", "KillMode"):
            encoded.append((key, str(value)))
        elif key in ("After", "Before"):
            encoded.append((key, [str(v) for v in value]))
        elif key == "SendSIGKILL":
            encoded.append((key, Boolean(bool(value))))
        elif key in ("CPUShares", "CPUWeight", "TimeoutStopUSec"):
            encoded.append((key, UInt64(value)))
        elif key == "CPUQuota":
            encoded.append(("CPUQuotaPerSecUSec", UInt64(int(value) * 10000)))
        else:
            raise ScopeError("Don't know how to encode %s for systemd scope" % key)
    return encoded


def gated_args(executable, args):
    """The argv of the pre-exec gate that ``exec``s *executable* with
    ``args[1:]`` once :data:`GATE_START` arrives on :data:`GATE_FD`."""
    return ["/bin/sh", "-c", _GATE_SH, "pve-scope-gate", executable] + list(args[1:])


# -- D-Bus -------------------------------------------------------------------

class Systemd:
    """The systemd manager on a connected bus (see :func:`connect_systemd`)."""

    def __init__(self, conn, reactor):
        self.conn = conn
        self.reactor = reactor

    def disconnect(self):
        self.conn.disconnect()

    def _call(self, method, signature=None, body=None):
        return self.conn.callRemote(
            MANAGER_PATH, method, interface=MANAGER_INTERFACE,
            destination=SYSTEMD_BUS_NAME, signature=signature, body=body)

    def _wait(self, subscribe, timeout):
        """Run ``subscribe(finish)``; a Deferred that fires with what
        *finish* is first given (an exception or Failure fails it), or fails
        with "timeout waiting on systemd" after *timeout* seconds."""
        done = defer.Deferred()
        timer = []

        def finish(result):
            if timer and timer[0].active():
                timer[0].cancel()
            if not done.called:
                if isinstance(result, (Exception, Failure)):
                    done.errback(result)
                else:
                    done.callback(result)

        if timeout is not None:
            timer.append(self.reactor.callLater(
                timeout, finish, ScopeError("timeout waiting on systemd")))
        d = defer.maybeDeferred(subscribe, finish)
        d.addErrback(finish)
        return done

    @defer.inlineCallbacks
    def _with_match(self, member, callback, body):
        rule = yield self.conn.addMatch(
            callback, mtype="signal", sender=SYSTEMD_BUS_NAME,
            interface=MANAGER_INTERFACE, member=member, path=MANAGER_PATH)
        try:
            result = yield body()
        finally:
            try:
                yield self.conn.delMatch(rule)
            except Exception:  # the bus may be gone already
                pass
        return result

    def enter_scope(self, unit, pids, properties, timeout=None, mode="fail"):
        """Put *pids* into the new transient scope ``<unit>.scope``; fires
        once systemd's job is done (``enter_systemd_scope``)."""
        unit = "%s.scope" % (unit,)
        encoded = encode_properties(pids, properties)
        state = {"job": None, "early": {}, "finish": None}

        def on_job_removed(msg):
            _id, job, signaled_unit, result = msg.body
            if signaled_unit != unit:
                return
            if state["job"] is None:
                state["early"][job] = result  # before StartTransientUnit replied
            elif job == state["job"]:
                report(result)

        def report(result):
            if result != "done":
                log.warn("systemd job {job} for {unit}: {result}",
                         job=state["job"], unit=unit, result=result)
                state["finish"](ScopeError("systemd job failed"))
            else:
                state["finish"](None)

        @defer.inlineCallbacks
        def start(finish):
            state["finish"] = finish
            job = yield self._call("StartTransientUnit",
                                   START_TRANSIENT_UNIT_SIGNATURE,
                                   [unit, mode, encoded, []])
            state["job"] = job
            if job in state["early"]:
                report(state["early"][job])

        return self._with_match("JobRemoved", on_job_removed,
                                lambda: self._wait(start, timeout))

    def wait_for_unit_removed(self, unit, timeout=None):
        """Fires True once *unit* (``100.scope``) is gone: a VM's previous
        scope must go before the new one starts."""
        state = {"path": None, "finish": None}

        def on_unit_removed(msg):
            if state["path"] is not None and msg.body[1] == state["path"]:
                state["finish"](True)

        @defer.inlineCallbacks
        def start(finish):
            state["finish"] = finish
            path = yield self._get_unit(unit)
            if path is None:
                finish(True)
                return
            state["path"] = path
            # a UnitRemoved that came before GetUnit's reply was ignored
            if (yield self._get_unit(unit)) is None:
                finish(True)

        return self._with_match("UnitRemoved", on_unit_removed,
                                lambda: self._wait(start, timeout))

    @defer.inlineCallbacks
    def _get_unit(self, unit):
        try:
            path = yield self._call("GetUnit", "s", [unit])
        except dbus_error.RemoteError:
            return None
        return path


@defer.inlineCallbacks
def connect_systemd(reactor, address="system"):
    """A :class:`Systemd` on the bus at *address* ("system": the system
    bus, ``DBUS_SYSTEM_BUS_ADDRESS`` or ``/var/run/dbus/system_bus_socket``;
    or a D-Bus address), or None when there is no bus or no systemd on it."""
    try:
        conn = yield dbus_client.connect(reactor, address)
    except Exception as exc:
        log.info("no D-Bus system bus ({error}): starting without systemd scopes",
                 error=exc)
        return None
    try:
        owned = yield conn.callRemote(
            "/org/freedesktop/DBus", "NameHasOwner",
            interface="org.freedesktop.DBus", destination="org.freedesktop.DBus",
            signature="s", body=[SYSTEMD_BUS_NAME])
    except Exception:
        conn.disconnect()
        raise
    if not owned:
        conn.disconnect()
        log.info("no systemd on the D-Bus system bus: starting without"
                 " systemd scopes")
        return None
    return Systemd(conn, reactor)


def spawn_in_scope(reactor, systemd, unit, properties, protocol, executable,
                   args, env=None, path=None, childFDs=None, timeout=None):
    """Spawn *executable* (argv *args*) inside scope ``<unit>.scope``.

    Fires with the process transport (its ``pid`` is the program's) once
    the program runs in the scope; fails with :class:`ScopeError` or the
    D-Bus error, after which the gate exits 1 without running anything.
    *childFDs* must leave :data:`GATE_FD` free.  With *systemd* None the
    program is spawned directly.
    """
    if systemd is None:
        return defer.succeed(reactor.spawnProcess(
            protocol, executable, args, env=env, path=path, childFDs=childFDs))
    fds = dict(childFDs if childFDs is not None else {0: "w", 1: "r", 2: "r"})
    if GATE_FD in fds:
        raise ValueError("file descriptor %d is the scope gate's" % GATE_FD)
    fds[GATE_FD] = "w"
    transport = reactor.spawnProcess(protocol, "/bin/sh",
                                     gated_args(executable, args),
                                     env=env, path=path, childFDs=fds)
    d = systemd.enter_scope(unit, [transport.pid], properties, timeout=timeout)

    def entered(_):
        transport.writeToChild(GATE_FD, GATE_START)
        transport.closeChildFD(GATE_FD)
        return transport

    def failed(failure):
        transport.closeChildFD(GATE_FD)
        return failure

    d.addCallbacks(entered, failed)
    return d
