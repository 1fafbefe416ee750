"""Real pmxcfs processes replicating /etc/pve on loopback."""

import errno

from twisted.internet import defer
from twisted.trial import unittest

from tests.cluster.loopcluster import LoopCluster
from tests.polling import poll


class ClusterTests(unittest.TestCase):
    timeout = 120

    @defer.inlineCallbacks
    def test_create_join_and_replicate(self):
        cluster = LoopCluster(self)
        alpha = yield cluster.create("alpha")
        alpha.write("datacenter.cfg", b"keyboard: de\n")
        beta = yield cluster.join("beta", via="alpha")
        # the joining node got the cluster's tree, its own files replaced
        self.assertEqual(beta.read("datacenter.cfg"), b"keyboard: de\n")
        beta.write("storage.cfg", b"dir: local\n\tpath /var/lib/vz\n")
        yield poll(lambda: _exists(alpha, "storage.cfg"), "write on alpha")
        self.assertEqual(alpha.read("storage.cfg"),
                         b"dir: local\n\tpath /var/lib/vz\n")
        members = alpha.members()
        self.assertEqual(sorted(members["nodelist"]), ["alpha", "beta"])


def _exists(node, rel):
    try:
        node.read(rel)
        return True
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        return False
