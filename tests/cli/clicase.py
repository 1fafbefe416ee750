"""A CLI against a real pmxcfs IPC server under a temporary root, with the
whole API tree, as the commands run on a node."""

import io

from twisted.internet import defer, reactor, task
from twisted.trial import unittest

from pve.api.tree import make_registry
from tests.cluster import test_client as base


class CLICase(unittest.TestCase):
    timeout = 60

    def setUp(self):
        clock = task.Clock()
        clock.advance(base.T0)
        self.paths = base.make_root(self)
        self.cfs = base.open_cfs(self, self.paths, clock)
        self.service, self.description = base.start_ipc(
            self, self.cfs, self.paths, clock)
        self.registry = make_registry()

    @defer.inlineCallbacks
    def run_cli(self, module, argv, stdin=None):
        """``module.run(...)`` on *argv*: ``(exit code, stdout, stderr)``."""
        out, err = io.StringIO(), io.StringIO()
        kw = {}
        if stdin is not None:
            kw["stdin"] = io.StringIO(stdin)
        code = yield module.run(reactor, list(argv), registry=self.registry,
                                paths=self.paths, nodename="node1", out=out,
                                err=err, description=self.description,
                                columns=None, utf8=False, **kw)
        return code, out.getvalue(), err.getvalue()
