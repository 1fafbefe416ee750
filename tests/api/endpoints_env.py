"""A node for endpoint tests: a real ConfigFS on a temporary root, a
DirectClient, a Clock, and the one registry; :meth:`Node.call` dispatches
as the given user."""

from twisted.internet import task

from pve.access import tickets
from pve.api.env import Env
from pve.api.tree import make_registry, unwrap
from pve.cluster.client import DirectClient
from tests.cluster.test_client import make_root, open_cfs

T0 = 1700000000
_KEY = []


def authkey():
    if not _KEY:
        _KEY.append(tickets.new_rsa_key())
    return _KEY[0]


class Node:
    def __init__(self, testcase, keys=False):
        self.testcase = testcase
        self.clock = task.Clock()
        self.clock.advance(T0)
        self.paths = make_root(testcase)
        self.cfs = open_cfs(testcase, self.paths, self.clock)
        self.client = DirectClient(self.cfs, self.clock)
        self.registry = make_registry()
        if keys:
            for path, data in tickets.rotation_files(authkey()):
                self.cfs.write_file(path, data)
            self.cfs.write_file("pve-www.key", b"www-secret-key")

    def env(self, user="root@pam", tokenid=None, client_ip="192.0.2.1"):
        return Env(self.client, self.clock, self.paths, "node1", user=user,
                   tokenid=tokenid, client_ip=client_ip)

    def call(self, method, path, params=None, user="root@pam", tokenid=None, full=False):
        """Fires with the handler's data (``(data, attributes)`` if *full*)."""
        d = self.registry.dispatch(method, path, params or {},
                                   self.env(user, tokenid))
        return d.addCallback(lambda value: unwrap(value) if full else unwrap(value)[0])

    def read(self, path):
        return self.cfs.read(path).decode()

    def write(self, path, text):
        self.cfs.write_file(path, text.encode())
