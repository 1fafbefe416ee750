"""End to end: a real three-node cluster, each node a ``twistd -n
pve-node`` in its own network namespace on a bridge the test makes
(tests/netns.py), driven as a user would: ``pvecm create`` on the first,
``pvecm add <first> --fingerprint ...`` with root@pam's password on stdin
on the others (PAM answers with a ``pam_exec`` check, as in
tests/cli/test_pvecm_add.py), then proxmoxer against the first node's
pveproxy: the cluster's status, a node's calls forwarded to it, and
writes made on one node seen through another.  Needs root, /dev/fuse,
network namespaces, pam_exec and proxmoxer.
"""

import os
import re

from twisted.internet import defer, threads
from twisted.trial import unittest

from pve.access import pam
from pve.api.nodes import fingerprint
from tests import netns
from tests.cli.test_pvecm_add import PASSWORD, pam_service
from tests.e2e.cluster import ClusterNode
from tests.e2e.test_proxmoxer import skipReason as e2eSkipReason

CLUSTER = "testclu"
NAMES = ("pve1", "pve2", "pve3")
BANNER = re.compile(rb"user admin@pve  password: (\S+) \(also in ")
SERVING = b"web UI and API: "


def skipReason():
    reason = e2eSkipReason()
    if reason:
        return reason
    return netns.available()


def makedirs_and_write(path, data):
    """Write *data* to *path*, making its directory (call in a thread:
    FUSE)."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


class ClusterTests(unittest.TestCase):
    timeout = 240
    skip = skipReason()

    @defer.inlineCallbacks
    def setUp(self):
        # root@pam's password is PASSWORD; pam_service points
        # pam.default_confdir at its service, which the nodes are given
        pam_service(self)
        confdir = pam.default_confdir()
        self.net = netns.Network(3)
        self.addCleanup(self.net.close)
        self.nodes = [
            ClusterNode(self, self.net, i, name,
                        {"PVE_PAM_CONFDIR": confdir}).start()
            for i, name in zip(self.net.nodes(), NAMES)]
        for node in self.nodes:
            yield node.wait(lambda node=node: SERVING in node.process.output,
                            "its daemons serving")
        first = self.nodes[0]
        self.password = BANNER.search(first.process.output).group(1).decode()
        yield self.make_cluster()

    @defer.inlineCallbacks
    def make_cluster(self):
        """``pvecm create`` on node 1, ``pvecm add`` on 2 and 3; wait until
        every node sees all three online with quorum."""
        first = self.nodes[0]
        result = yield first.command(
            ["pve.cli.pvecm", "create", CLUSTER, "--link0", first.ip])
        self.assertEqual(result[0], 0, result)
        # pmxcfs enters the cluster at the end of create: quorate a moment
        # later (the member refuses joins until then)
        yield first.wait(lambda: self.quorate(first, [first.name]),
                         "quorum after pvecm create")
        pem = yield first.read("nodes/%s/pve-ssl.pem" % first.name)
        self.assertIsNotNone(pem)
        fp = fingerprint(pem)
        for node in self.nodes[1:]:
            result = yield node.command(
                ["pve.cli.pvecm", "add", first.ip, "--fingerprint", fp,
                 "--link0", node.ip], stdin=PASSWORD + "\n")
            self.assertEqual(result[0], 0, result)
            self.assertIn("successfully added node '%s' to cluster."
                          % node.name, result[1])
        for node in self.nodes:
            yield node.wait(lambda node=node: self.quorate(node, NAMES),
                            "quorum with all three nodes online")

    @defer.inlineCallbacks
    def quorate(self, node, names):
        """Whether *node*'s ``.members`` shows the cluster quorate with
        the nodes *names*, all online."""
        members = yield node.members()
        cluster = members.get("cluster") or {}
        nodelist = members.get("nodelist") or {}
        return bool(cluster.get("name") == CLUSTER and cluster.get("quorate")
                    and sorted(nodelist) == list(names)
                    and all(n.get("online") for n in nodelist.values()))

    def login(self, node):
        return node.login(user="admin@pve", password=self.password)

    @defer.inlineCallbacks
    def test_cluster(self):
        first, second, third = self.nodes
        prox = yield self.login(first)

        # 1. the cluster as node 1's API shows it
        status = yield first.call(prox.cluster.status.get)
        clusters = [e for e in status if e["type"] == "cluster"]
        self.assertEqual(len(clusters), 1, status)
        self.assertEqual((clusters[0]["name"], clusters[0]["quorate"],
                          clusters[0]["nodes"]), (CLUSTER, 1, 3))
        entries = sorted((e for e in status if e["type"] == "node"),
                         key=lambda e: e["name"])
        self.assertEqual(
            [(e["name"], e["online"], e["local"], e.get("ip"))
             for e in entries],
            [(n.name, 1, int(n is first), n.ip) for n in self.nodes])
        listed = yield first.call(prox.nodes.get)
        self.assertEqual(sorted((n["node"], n["status"]) for n in listed),
                         [(name, "online") for name in NAMES])

        # 2. node 3's calls, asked of node 1, answered by node 3
        before = third.access_log()
        answer = yield first.call(prox.nodes(third.name).status.get)
        self.assertIn("pveversion", answer)
        self.assertIn("kversion", answer)
        # node 3's pveproxy had it from node 1's address
        request = b'"GET /api2/json/nodes/%s/status HTTP/1.1" 200' % (
            third.name.encode())
        peer = b"::ffff:%s - admin@pve " % first.ip.encode()
        lines = [line for line in third.access_log()[len(before):]
                 .splitlines() if request in line]
        self.assertEqual(len(lines), 1, third.access_log())
        self.assertTrue(lines[0].startswith(peer), lines)
        self.assertNotIn(request, second.access_log())
        from proxmoxer.tools import Tasks
        upid = yield first.call(prox.nodes(third.name).startall.post)
        self.assertTrue(upid.startswith("UPID:%s:" % third.name), upid)
        done = yield first.call(Tasks.blocking_status, prox, upid,
                                timeout=60, polling_interval=0.2)
        self.assertIsNotNone(done, "task %s did not end" % upid)
        self.assertEqual((done["status"], done["exitstatus"]),
                         ("stopped", "OK"))
        direct = yield self.login(third)
        tasks3 = yield third.call(direct.nodes(third.name).tasks.get)
        self.assertIn(upid, [t["upid"] for t in tasks3])
        tasks3 = yield first.call(prox.nodes(third.name).tasks.get)
        self.assertIn(upid, [t["upid"] for t in tasks3])
        tasks1 = yield first.call(prox.nodes(first.name).tasks.get)
        self.assertNotIn(upid, [t["upid"] for t in tasks1])

        # 3. a VM config written in node 2's /etc/pve, seen by node 1's API
        yield threads.deferToThread(
            makedirs_and_write,
            second.mounted("nodes/%s/qemu-server/100.conf" % second.name),
            b"name: fromtwo\nmemory: 512\n")

        @defer.inlineCallbacks
        def vm_listed():
            vms = yield first.call(prox.cluster.resources.get, type="vm")
            return [(vm["vmid"], vm["node"], vm.get("name")) for vm in vms]
        vms = yield first.wait(vm_listed, "VM 100 of %s" % second.name,
                               attempts=100)
        self.assertEqual(vms, [(100, second.name, "fromtwo")])
        nextid = yield first.call(prox.cluster.nextid.get)
        self.assertEqual(int(nextid), 101)

        # 4. a write through node 3's API, seen on node 1
        yield third.call(direct.access.groups.post, groupid="fromthree",
                         comment="made on pve3")

        @defer.inlineCallbacks
        def group_listed():
            groups = yield first.call(prox.access.groups.get)
            return [g for g in groups if g["groupid"] == "fromthree"]
        groups = yield first.wait(group_listed, "the group made on pve3",
                                  attempts=100)
        self.assertEqual(groups[0].get("comment"), "made on pve3")
        cfg = yield first.read("user.cfg")
        self.assertIn(b"group:fromthree:", cfg)

