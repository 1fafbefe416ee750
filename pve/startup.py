"""A twisted Service whose start is asynchronous and must not fail quietly.

Subclasses implement :meth:`_start` (returning a Deferred) and set
``daemon_name``; ``ready`` fires when the start is done, and the process
then tells its supervisor (:mod:`pve.sdnotify`).  A failed start is logged
and stops the reactor, so twistd exits instead of running half started.
"""

from twisted.application import service
from twisted.logger import Logger

from pve import sdnotify

log = Logger()


class StartingService(service.Service):
    daemon_name = "daemon"
    ready = None

    def startService(self):
        super().startService()
        self.ready = self._start()
        self.ready.addCallbacks(self._started, self._failed)

    def _started(self, result):
        sdnotify.ready()
        return result

    def _start(self):
        raise NotImplementedError

    def _failed(self, failure):
        log.failure("{name} failed to start", failure, name=self.daemon_name)
        if self.reactor.running:
            self.reactor.stop()
