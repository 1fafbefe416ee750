"""Entering ``<vmid>.scope``: the properties as data, the D-Bus exchange
against a systemd-compatible manager exported on a private dbus-daemon,
the pre-exec gate with real processes, and the no-systemd paths."""

import os
import shutil
import tempfile

from twisted.internet import defer, error, protocol, reactor, task
from twisted.trial import unittest
from txdbus import client as dbus_client
from txdbus import marshal, objects
from txdbus.interface import DBusInterface, Method, Signal

from pve.qemu import scope
from pve.qemu.scope import ScopeError

DBUS_DAEMON = shutil.which("dbus-daemon")

BUS_CONFIG = """<!DOCTYPE busconfig PUBLIC
 "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
"""


class PropertiesTests(unittest.TestCase):
    """``vm_start``'s properties and ``enter_systemd_scope``'s encoding."""

    def test_qemu_properties(self):
        self.assertEqual(scope.qemu_scope_properties(), {
            "Slice": "qemu.slice", "KillMode": "process", "SendSIGKILL": 0,
            "TimeoutStopUSec": 2 ** 64 - 1, "After": ["dbus.service"],
            "Before": ["pve-ha-lrm.service", "pve-guests.service"],
            "CPUWeight": 100})
        props = scope.qemu_scope_properties(cpuunits=20000, cpulimit=1.5)
        self.assertEqual((props["CPUWeight"], props["CPUQuota"]), (10000, 150))
        props = scope.qemu_scope_properties(cpuunits=1, mode=1)
        self.assertEqual(props["CPUShares"], 2)
        self.assertNotIn("CPUWeight", props)
        self.assertEqual(scope.qemu_scope_properties(mode=1)["CPUShares"], 1024)

    def test_encode(self):
        encoded = scope.encode_properties(
            [42], dict(scope.qemu_scope_properties(cpulimit=2), CPUShares=5))
        self.assertEqual([(k, marshal.sigFromPy(v), v) for k, v in encoded], [
            ("PIDs", "au", [42]),
            ("Slice", "s", "qemu.slice"),
            ("KillMode", "s", "process"),
            ("SendSIGKILL", "b", False),
            ("TimeoutStopUSec", "t", 2 ** 64 - 1),
            ("After", "as", ["dbus.service"]),
            ("Before", "as", ["pve-ha-lrm.service", "pve-guests.service"]),
            ("CPUWeight", "t", 100),
            ("CPUQuotaPerSecUSec", "t", 2000000),
            ("CPUShares", "t", 5),
        ])
        err = self.assertRaises(ScopeError, scope.encode_properties, [1],
                                {"MemoryMax": 1})
        self.assertEqual(str(err), "Don't know how to encode MemoryMax for systemd scope")

    def test_cgroup_mode(self):
        v2 = "sysfs /sys sysfs rw 0 0\ncgroup2 /sys/fs/cgroup cgroup2 rw 0 0\n"
        v1 = "tmpfs /sys/fs/cgroup tmpfs ro 0 0\ncgroup /sys/fs/cgroup/cpu cgroup rw 0 0\n"
        self.assertEqual(scope.cgroup_mode(v2), 2)
        self.assertEqual(scope.cgroup_mode(v1), 1)
        err = self.assertRaises(ScopeError, scope.cgroup_mode, "proc /proc proc rw 0 0\n")
        self.assertEqual(str(err), "unknown cgroup mode")

    def test_gated_args(self):
        args = scope.gated_args("/usr/bin/kvm", ["kvm", "-id", "100"])
        self.assertEqual(args[:2], ["/bin/sh", "-c"])
        self.assertEqual(args[3:], ["pve-scope-gate", "/usr/bin/kvm", "-id", "100"])


class Typed(tuple):
    """A variant as the fake manager received it: (signature, value)."""


def _typed_variant(ct, data, offset, lendian, oobFDs):
    start = offset
    nsig, vsig = marshal.unmarshal_signature(ct, data, offset, lendian, oobFDs)
    offset += nsig
    offset += len(marshal.pad[vsig[0]](offset))
    nvar, value = marshal.unmarshal(vsig, data, offset, lendian, oobFDs)
    return offset + nvar - start, Typed((vsig, value[0]))


def typed_body(msg):
    """The body of *msg* with each variant as a :class:`Typed`."""
    lendian = msg.rawHeader[:1] == b"l"
    original = marshal.unmarshallers["v"]
    marshal.unmarshallers["v"] = _typed_variant
    try:
        return marshal.unmarshal(msg.signature, msg.rawBody, 0, lendian, [])[1]
    finally:
        marshal.unmarshallers["v"] = original


class UnitExists(Exception):
    dbusErrorName = "org.freedesktop.systemd1.UnitExists"


class NoSuchUnit(Exception):
    dbusErrorName = "org.freedesktop.systemd1.NoSuchUnit"


class FakeManager(objects.DBusObject):
    """The part of ``org.freedesktop.systemd1.Manager`` scopes use."""

    dbusInterfaces = [DBusInterface(
        scope.MANAGER_INTERFACE,
        Method("StartTransientUnit", arguments="ssa(sv)a(sa(sv))", returns="o"),
        Method("GetUnit", arguments="s", returns="o"),
        Signal("JobRemoved", "uoss"),
        Signal("UnitRemoved", "so"),
    )]

    def __init__(self):
        objects.DBusObject.__init__(self, scope.MANAGER_PATH)
        self.calls = []
        self.typed = []
        self.units = {}
        self.result = "done"
        self.signal_first = False  # JobRemoved before the method reply
        self.hold = False          # JobRemoved only on release()
        self.held = []
        self.jobs = 0
        self.started = defer.Deferred()

    def dbus_StartTransientUnit(self, name, mode, properties, aux):
        self.calls.append((name, mode, properties, aux))
        if name in self.units:
            raise UnitExists("Unit %s already exists." % name)
        self.jobs += 1
        job = "/org/freedesktop/systemd1/job/%d" % self.jobs
        self.units[name] = "/org/freedesktop/systemd1/unit/%s" % (
            name.replace(".", "_2e"),)
        removed = (self.jobs, job, name, self.result)
        if self.signal_first:
            self.emitSignal("JobRemoved", *removed)
        elif self.hold:
            self.held.append(removed)
        else:
            reactor.callLater(0, self.emitSignal, "JobRemoved", *removed)
        if not self.started.called:
            self.started.callback(name)
        return job

    def release(self):
        for removed in self.held:
            self.emitSignal("JobRemoved", *removed)
        del self.held[:]

    def dbus_GetUnit(self, name):
        if name not in self.units:
            raise NoSuchUnit("Unit %s not loaded." % name)
        return self.units[name]

    def remove_unit(self, name):
        self.emitSignal("UnitRemoved", name, self.units.pop(name))


class Collector(protocol.ProcessProtocol):
    def __init__(self):
        self.out = b""
        self.ended = defer.Deferred()

    def outReceived(self, data):
        self.out += data

    def processEnded(self, reason):
        self.ended.callback(reason.value.exitCode)


class BusMixin:
    """A private dbus-daemon, stopped in cleanup."""

    skip = None if DBUS_DAEMON else "dbus-daemon is not installed"

    @defer.inlineCallbacks
    def start_bus(self):
        # a short path: unix socket names are limited to 108 bytes
        tmp = tempfile.mkdtemp(prefix="pvebus")
        self.addCleanup(shutil.rmtree, tmp, True)
        config = os.path.join(tmp, "bus.conf")
        with open(config, "w") as fh:
            fh.write(BUS_CONFIG % os.path.join(tmp, "bus"))

        class Daemon(protocol.ProcessProtocol):
            def __init__(self):
                self.address = defer.Deferred()
                self.ended = defer.Deferred()
                self.buf = b""

            def outReceived(self, data):
                self.buf += data
                if b"\n" in self.buf and not self.address.called:
                    self.address.callback(self.buf.split(b"\n")[0].decode())

            def processEnded(self, reason):
                if not self.address.called:
                    self.address.errback(reason)
                self.ended.callback(None)

        daemon = Daemon()
        proc = reactor.spawnProcess(
            daemon, DBUS_DAEMON, [DBUS_DAEMON, "--config-file=" + config,
                                  "--nofork", "--print-address=1"], env=None)

        def stop():
            if not daemon.ended.called:
                try:
                    proc.signalProcess("TERM")
                except error.ProcessExitedAlready:
                    pass
            return daemon.ended

        self.addCleanup(stop)
        self.address = yield daemon.address

    @defer.inlineCallbacks
    def connect(self):
        conn = yield dbus_client.connect(reactor, self.address)
        self.addCleanup(conn.disconnect)
        return conn

    @defer.inlineCallbacks
    def start_fake_systemd(self):
        conn = yield self.connect()
        self.manager = FakeManager()
        conn.exportObject(self.manager)
        handle = conn.objHandler.handleMethodCallMessage

        def typed(msg):
            # what went over the wire, with each variant's D-Bus signature
            if msg.member == "StartTransientUnit":
                self.manager.typed.append(typed_body(msg))
            return handle(msg)

        conn.objHandler.handleMethodCallMessage = typed
        yield conn.requestBusName(scope.SYSTEMD_BUS_NAME)


class ScopeTests(BusMixin, unittest.TestCase):

    @defer.inlineCallbacks
    def setUp(self):
        yield self.start_bus()
        yield self.start_fake_systemd()
        self.systemd = yield scope.connect_systemd(reactor, self.address)
        self.assertIsInstance(self.systemd, scope.Systemd)
        self.addCleanup(self.systemd.disconnect)

    @defer.inlineCallbacks
    def test_enter_scope(self):
        props = scope.qemu_scope_properties(cpuunits=2048, cpulimit=0.5)
        yield self.systemd.enter_scope(100, [4242], props)
        [(name, mode, properties, aux)] = self.manager.typed
        self.assertEqual((name, mode, aux), ("100.scope", "fail", []))
        self.assertEqual([(key, tuple(value)) for key, value in properties], [
            ("PIDs", ("au", [4242])),
            ("Slice", ("s", "qemu.slice")),
            ("KillMode", ("s", "process")),
            ("SendSIGKILL", ("b", False)),
            ("TimeoutStopUSec", ("t", 2 ** 64 - 1)),
            ("After", ("as", ["dbus.service"])),
            ("Before", ("as", ["pve-ha-lrm.service", "pve-guests.service"])),
            ("CPUWeight", ("t", 2048)),
            ("CPUQuotaPerSecUSec", ("t", 500000)),
        ])

    @defer.inlineCallbacks
    def test_job_removed_before_reply(self):
        self.manager.signal_first = True
        yield self.systemd.enter_scope(101, [1], {"Slice": "qemu.slice"})
        self.assertEqual(self.manager.calls[0][0], "101.scope")

    @defer.inlineCallbacks
    def test_other_jobs_ignored(self):
        self.manager.hold = True
        d = self.systemd.enter_scope(102, [1], {})
        yield self.manager.started
        self.manager.emitSignal("JobRemoved", 99, "/org/freedesktop/systemd1/job/99",
                                "102.scope", "failed")
        self.manager.emitSignal("JobRemoved", 1, "/org/freedesktop/systemd1/job/1",
                                "other.scope", "failed")
        yield task.deferLater(reactor, 0.1, lambda: None)
        self.assertFalse(d.called)
        self.manager.release()
        yield d

    @defer.inlineCallbacks
    def test_job_failed(self):
        self.manager.result = "failed"
        err = yield self.assertFailure(self.systemd.enter_scope(100, [1], {}),
                                       ScopeError)
        self.assertEqual(str(err), "systemd job failed")

    @defer.inlineCallbacks
    def test_unit_exists(self):
        self.manager.units["100.scope"] = "/org/freedesktop/systemd1/unit/100_2escope"
        err = yield self.assertFailure(self.systemd.enter_scope(100, [1], {}),
                                       Exception)
        self.assertIn("Unit 100.scope already exists.", str(err))

    @defer.inlineCallbacks
    def test_timeout(self):
        clock = task.Clock()
        systemd = scope.Systemd(self.systemd.conn, clock)
        self.manager.hold = True
        d = systemd.enter_scope(100, [1], {}, timeout=10)
        yield self.manager.started
        clock.advance(9)
        self.assertFalse(d.called)
        clock.advance(1)
        err = yield self.assertFailure(d, ScopeError)
        self.assertEqual(str(err), "timeout waiting on systemd")

    @defer.inlineCallbacks
    def test_wait_for_unit_removed(self):
        result = yield self.systemd.wait_for_unit_removed("100.scope", 20)
        self.assertTrue(result)
        self.manager.units["100.scope"] = "/org/freedesktop/systemd1/unit/100_2escope"
        d = self.systemd.wait_for_unit_removed("100.scope", 20)
        yield task.deferLater(reactor, 0.1, lambda: None)
        self.assertFalse(d.called)
        self.manager.remove_unit("100.scope")
        result = yield d
        self.assertTrue(result)

    @defer.inlineCallbacks
    def test_wait_for_unit_removed_timeout(self):
        clock = task.Clock()
        systemd = scope.Systemd(self.systemd.conn, clock)
        self.manager.units["100.scope"] = "/org/freedesktop/systemd1/unit/100_2escope"
        d = systemd.wait_for_unit_removed("100.scope", 20)
        yield task.deferLater(reactor, 0.1, lambda: None)
        clock.advance(20)
        err = yield self.assertFailure(d, ScopeError)
        self.assertEqual(str(err), "timeout waiting on systemd")

    @defer.inlineCallbacks
    def test_spawn_in_scope(self):
        """The program runs only once the scope exists, under the pid
        systemd was given, without the gate's pipe."""
        self.manager.hold = True
        proto = Collector()
        d = scope.spawn_in_scope(
            reactor, self.systemd, 100, scope.qemu_scope_properties(), proto,
            "/bin/sh", ["sh", "-c", 'echo "$$"; [ -e /proc/$$/fd/3 ] && echo open'
                        ' || echo closed'], env={})
        yield self.manager.started
        yield task.deferLater(reactor, 0.3, lambda: None)
        self.assertEqual(proto.out, b"")
        self.assertFalse(proto.ended.called)
        self.manager.release()
        transport = yield d
        pid = transport.pid
        status = yield proto.ended
        self.assertEqual(status, 0)
        self.assertEqual(proto.out.decode().split(), [str(pid), "closed"])
        [(_, _, properties, _)] = self.manager.typed
        self.assertEqual((properties[0][0], tuple(properties[0][1])),
                         ("PIDs", ("au", [pid])))

    @defer.inlineCallbacks
    def test_spawn_scope_failed(self):
        self.manager.result = "failed"
        proto = Collector()
        d = scope.spawn_in_scope(reactor, self.systemd, 100, {}, proto,
                                 "/bin/echo", ["echo", "ran"], env={})
        yield self.assertFailure(d, ScopeError)
        status = yield proto.ended
        self.assertEqual((status, proto.out), (1, b""))

    def test_gate_fd_taken(self):
        self.assertRaises(ValueError, scope.spawn_in_scope, reactor, self.systemd,
                          100, {}, Collector(), "/bin/true", ["true"],
                          childFDs={0: "w", 1: "r", 2: "r", 3: "r"})


class NoSystemdTests(BusMixin, unittest.TestCase):

    @defer.inlineCallbacks
    def test_bus_without_systemd(self):
        yield self.start_bus()
        systemd = yield scope.connect_systemd(reactor, self.address)
        self.assertIsNone(systemd)

    @defer.inlineCallbacks
    def test_no_bus(self):
        path = os.path.abspath(self.mktemp())
        systemd = yield scope.connect_systemd(reactor, "unix:path=" + path)
        self.assertIsNone(systemd)

    @defer.inlineCallbacks
    def test_spawn_directly(self):
        proto = Collector()
        transport = yield scope.spawn_in_scope(
            reactor, None, 100, scope.qemu_scope_properties(), proto,
            "/bin/sh", ["sh", "-c", 'echo "$$"'], env={})
        pid = transport.pid
        status = yield proto.ended
        self.assertEqual((status, proto.out.decode().strip()), (0, str(pid)))
