"""Daemons as real processes for the end-to-end tests."""

import os
import socket
import sys

from twisted.internet import defer, protocol, reactor

from pve.node.daemons import TWISTD

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Collect(protocol.ProcessProtocol):
    def __init__(self):
        self.data = []
        self.ended = defer.Deferred()

    def outReceived(self, data):
        self.data.append(data)

    errReceived = outReceived

    def processEnded(self, reason):
        self.ended.callback(reason.value.exitCode)

    def output(self):
        return b"".join(self.data)


def spawn_twistd(testcase, paths, name, args, extra_env=None):
    """``twistd -n <name> <args>`` under *paths*; stopped at cleanup."""
    proto = Collect()
    env = {"PATH": "/usr/bin:/bin", "PVE_ROOT": paths.root,
           "PYTHONPATH": SOURCE, "PYTHONUNBUFFERED": "1"}
    env.update(extra_env or {})
    argv = [sys.executable, "-c", TWISTD, "-n", "--pidfile=", name] + args
    transport = reactor.spawnProcess(proto, sys.executable, argv, env=env,
                                     path=paths.root)
    proto.pid = transport.pid

    def stop():
        if not proto.ended.called:
            transport.signalProcess("TERM")
            return proto.ended
    testcase.addCleanup(stop)
    proto.transport = transport
    return proto
