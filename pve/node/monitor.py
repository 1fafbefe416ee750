"""A process monitor that starts its daemons in order, each once the one
before it serves, stops them in reverse order and tidies up."""

import os
import secrets

from twisted.application import service
from twisted.internet import defer, protocol
from twisted.logger import Logger
from twisted.runner.procmon import ProcessMonitor

from pve import sdnotify


class _Notifications(protocol.DatagramProtocol):
    """What one daemon sends to its ``NOTIFY_SOCKET``."""

    def __init__(self, monitor, name):
        self.monitor = monitor
        self.name = name

    def datagramReceived(self, data, addr):
        if b"READY=1" in data.split(b"\n"):
            self.monitor._daemonReady(self.name)


class DaemonMonitor(ProcessMonitor):
    """:class:`ProcessMonitor` with an ordered start and an ordered, awaited
    stop.

    Processes start in the order of :meth:`addDaemon`; one added with
    ``notify=True`` gets a ``NOTIFY_SOCKET`` (:mod:`pve.sdnotify`) and the
    next starts only once it sent ``READY=1``, or ``readyTimeout`` seconds
    later (like systemd's ``After=`` on ``Type=notify`` units).  They stop
    one at a time in reverse order, each waited for (SIGTERM, then SIGKILL
    after ``killTime``).  An ``onExit`` callable runs after each exit of its
    process, before any restart.
    """

    log = Logger()
    readyTimeout = 90

    def __init__(self, reactor=None):
        if reactor is None:
            from twisted.internet import reactor
        super().__init__(reactor=reactor)
        self._order = []
        self._onExit = {}
        self._waiting = {}
        self._notify = {}
        self._ready = {}
        self._ports = []
        self._started = False
        self._startedWaiters = []

    def addDaemon(self, name, args, env, onExit=None, uid=None, gid=None,
                  notify=False):
        """Add a process that starts after and stops before those added so
        far; with *notify*, the next waits for it to say it is ready."""
        self._order.append(name)
        if onExit is not None:
            self._onExit[name] = onExit
        if notify:
            socket = "@pve-node-%d-%s-%s" % (os.getpid(),
                                             secrets.token_hex(4), name)
            self._notify[name] = socket
            env = dict(env, **{sdnotify.ENV: socket})
        self.addProcess(name, args, uid=uid, gid=gid, env=env)

    def startService(self):
        service.Service.startService(self)
        self._startInOrder()

    def whenStarted(self):
        """A Deferred firing once every daemon was started (and those that
        notify said they are ready, or timed out)."""
        if self._started:
            return defer.succeed(None)
        d = defer.Deferred()
        self._startedWaiters.append(d)
        return d

    @defer.inlineCallbacks
    def _startInOrder(self):
        for name in self._order:
            if not self.running:
                return
            socket = self._notify.get(name)
            if socket is None:
                self.startProcess(name)
                continue
            ready = self._ready[name] = defer.Deferred()
            self._ports.append(self._reactor.listenUNIXDatagram(
                sdnotify.address(socket), _Notifications(self, name)))
            self.startProcess(name)
            ready.addTimeout(self.readyTimeout, self._reactor)
            try:
                yield ready
            except defer.TimeoutError:
                self.log.warn("{name} not ready after {seconds} s; starting "
                              "the next daemons anyway", name=name,
                              seconds=self.readyTimeout)
        self._started = True
        waiters, self._startedWaiters = self._startedWaiters, []
        for d in waiters:
            d.callback(None)

    def _daemonReady(self, name):
        self.log.info("{name} ready", name=name)
        ready = self._ready.pop(name, None)
        if ready is not None and not ready.called:
            ready.callback(None)

    def startProcess(self, name):
        if name not in self.protocols:
            self.log.info("starting {name}", name=name)
        super().startProcess(name)

    def _exited(self, name, monitorExit):
        if self.running:
            self.log.warn("{name} exited; it will be restarted", name=name)
        else:
            self.log.info("{name} stopped", name=name)
        onExit = self._onExit.get(name)
        if onExit is not None:
            try:
                onExit()
            except Exception:
                self.log.failure("cleaning up after {name}", name=name)
        monitorExit()
        for d in self._waiting.pop(name, []):
            d.callback(None)

    # ProcessMonitor learns of an exit through connectionLost up to Twisted
    # 25.5 and through _monitoredProcessExited since (connectionLost is then
    # deprecated and no longer called): hook the one this Twisted calls.
    if hasattr(ProcessMonitor, "_monitoredProcessExited"):

        def _monitoredProcessExited(self, name, reason=None):
            monitorExit = super()._monitoredProcessExited
            self._exited(name, lambda: monitorExit(name, reason))

    else:

        def connectionLost(self, name):
            monitorExit = super().connectionLost
            self._exited(name, lambda: monitorExit(name))

    def stopService(self):
        service.Service.stopService(self)
        for delayed in list(self.restart.values()):
            if delayed.active():
                delayed.cancel()
        for ready in list(self._ready.values()):
            if not ready.called:
                ready.callback(None)  # the start sequence sees it stopped
        self._ready.clear()
        for port in self._ports:
            port.stopListening()
        del self._ports[:]
        return self._stopInOrder(list(reversed(self._order)))

    @defer.inlineCallbacks
    def _stopInOrder(self, names):
        for name in names:
            if name in self.protocols:
                ended = defer.Deferred()
                self._waiting.setdefault(name, []).append(ended)
                self.log.info("stopping {name}", name=name)
                self.stopProcess(name)
                yield ended
