"""A process monitor that stops its daemons in order and tidies up."""

from twisted.application import service
from twisted.internet import defer
from twisted.logger import Logger
from twisted.runner.procmon import ProcessMonitor


class DaemonMonitor(ProcessMonitor):
    """:class:`ProcessMonitor` with an ordered, awaited stop.

    Processes stop one at a time in reverse order of :meth:`addDaemon`,
    each waited for (SIGTERM, then SIGKILL after ``killTime``).  An
    ``onExit`` callable runs after each exit of its process, before any
    restart.
    """

    log = Logger()

    def __init__(self, reactor=None):
        if reactor is None:
            from twisted.internet import reactor
        super().__init__(reactor=reactor)
        self._order = []
        self._onExit = {}
        self._waiting = {}

    def addDaemon(self, name, args, env, onExit=None, uid=None, gid=None):
        """Add a process that starts after and stops before those added so far."""
        self._order.append(name)
        if onExit is not None:
            self._onExit[name] = onExit
        self.addProcess(name, args, uid=uid, gid=gid, env=env)

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
