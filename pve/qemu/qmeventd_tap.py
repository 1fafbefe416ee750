"""``twistd qmeventd``: listens where QEMU connects its event monitor.

``twistd -n qmeventd [--socket PATH] [--cleanup-command 'qm cleanup']
[--kill-timeout 60] [--verbose]``.  Proxmox runs ``qmeventd
/var/run/qmeventd.sock``; here the socket is ``$PVE_ROOT/run/qmeventd.sock``
unless moved.  As qmeventd.c, a stale socket is replaced and the new one is
mode 0600.  Says ``READY=1`` (:mod:`pve.sdnotify`) once listening.
"""

import os
import shlex
import stat

from twisted.application import service
from twisted.internet import defer
from twisted.internet.endpoints import UNIXServerEndpoint
from twisted.python import usage

from pve import debuglog
from pve import paths as pvepaths
from pve.debuglog import Logger
from pve.qemu import qmeventd
from pve.startup import StartingService

log = Logger()

_INT_MAX = 2 ** 31 - 1


class Options(usage.Options):
    synopsis = "[options]"
    longdesc = ("qmeventd: QEMU connects here as a QMP monitor; on a "
                "shutdown the VM is quit, and once it exits the cleanup "
                "command runs with <vmid> <graceful> <guest>.")
    optFlags = [
        ["verbose", "v", "log every step (qmeventd -v)"],
    ]
    optParameters = [
        ["socket", None, None,
         "socket path (default $PVE_ROOT/run/qmeventd.sock)"],
        ["cleanup-command", None, " ".join(qmeventd.CLEANUP_COMMAND),
         "command (split as a shell would) run as "
         "'<command> <vmid> <graceful> <guest>' when a VM's QEMU is gone"],
        ["kill-timeout", "t", qmeventd.KILL_TIMEOUT,
         "seconds from 'quit' to SIGKILL", int],
    ]

    def postOptions(self):
        if not self["socket"]:
            self["socket"] = pvepaths.current().qmeventd_socket
        try:
            command = shlex.split(self["cleanup-command"])
        except ValueError as e:
            raise usage.UsageError("--cleanup-command: %s" % (e,))
        if not command:
            raise usage.UsageError("--cleanup-command is empty")
        self["cleanup-command"] = command
        if not 0 < self["kill-timeout"] <= _INT_MAX:
            raise usage.UsageError("--kill-timeout must be between 1 and %d"
                                   % (_INT_MAX,))


def removeStale(path):
    """Remove what is left at *path* (qmeventd.c unlinks before bind)."""
    try:
        if not stat.S_ISDIR(os.lstat(path).st_mode):
            os.unlink(path)
    except FileNotFoundError:
        pass


class QMEventService(StartingService):
    """Listens on the socket with a :class:`~pve.qemu.qmeventd.QMEventFactory`;
    on stop, drops the connections (no cleanups) and waits for the
    cleanup commands that are running."""

    daemon_name = "qmeventd"

    def __init__(self, options, reactor=None, clock=None, environ=None):
        if reactor is None:
            from twisted.internet import reactor
        self.reactor = reactor
        self.options = options
        self.factory = qmeventd.QMEventFactory(
            reactor, options["cleanup-command"], options["kill-timeout"],
            clock=clock, environ=environ)
        self.port = None

    @defer.inlineCallbacks
    def _start(self):
        if self.options["verbose"]:
            debuglog.set_enabled(True)
        path = self.options["socket"]
        os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
        removeStale(path)
        endpoint = UNIXServerEndpoint(self.reactor, path, mode=0o600,
                                      wantPID=False)
        self.port = yield endpoint.listen(self.factory)
        log.info("qmeventd listening on {path}", path=path)
        return self.port

    @defer.inlineCallbacks
    def stopService(self):
        super().stopService()
        if self.port is not None:
            port, self.port = self.port, None
            yield port.stopListening()
        yield self.factory.stop()


def makeService(options, reactor=None):
    top = service.MultiService()
    QMEventService(options, reactor).setServiceParent(top)
    return top
