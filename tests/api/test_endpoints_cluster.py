"""/cluster endpoints on a real ConfigFS in local mode."""

from twisted.internet import defer
from twisted.trial import unittest

from pve.api import cluster
from pve.api.schema import APIError
from tests.api.endpoints_env import Node

QEMU = "nodes/node1/qemu-server/%d.conf"


class ClusterTests(unittest.TestCase):
    def setUp(self):
        self.node = Node(self)
        self.call = self.node.call

    @defer.inlineCallbacks
    def test_nextid(self):
        first = yield self.call("GET", "/cluster/nextid")
        self.assertEqual(first, 100)
        for vmid in (100, 101):
            self.node.write(QEMU % vmid, "name: vm%d\nmemory: 512\n" % vmid)
        nxt = yield self.call("GET", "/cluster/nextid")
        self.assertEqual(nxt, 102)
        ok = yield self.call("GET", "/cluster/nextid", {"vmid": 200})
        self.assertEqual(ok, 200)
        e = yield self.assertFailure(self.call("GET", "/cluster/nextid", {"vmid": 101}),
                                     APIError)
        self.assertEqual((e.code, e.errors), (400, {"vmid": "VM 101 already exists"}))
        self.node.write("datacenter.cfg", "next-id: lower=500,upper=600\n")
        ranged = yield self.call("GET", "/cluster/nextid")
        self.assertEqual(ranged, 500)

    @defer.inlineCallbacks
    def test_status_local(self):
        status = yield self.call("GET", "/cluster/status")
        self.assertEqual(len(status), 1)
        entry = status[0]
        self.assertEqual((entry["type"], entry["name"], entry["nodeid"], entry["online"],
                          entry["local"], entry["id"]), ("node", "node1", 0, 1, 1, "node/node1"))

    @defer.inlineCallbacks
    def test_resources(self):
        self.node.write(QEMU % 100, "name: web\ntemplate: 1\n[snap]\nname: x\n")
        res = yield self.call("GET", "/cluster/resources")
        vm = [r for r in res if r["type"] == "qemu"][0]
        self.assertEqual((vm["id"], vm["vmid"], vm["node"], vm["name"], vm["template"]),
                         ("qemu/100", 100, "node1", "web", 1))
        # a changed config shows at the next call (summaries are kept per
        # config version)
        self.node.write(QEMU % 100, "name: db\n")
        res = yield self.call("GET", "/cluster/resources", {"type": "vm"})
        self.assertEqual([(r["name"], r.get("template")) for r in res],
                         [("db", None)])
        nodes = yield self.call("GET", "/cluster/resources", {"type": "node"})
        self.assertEqual([n["id"] for n in nodes], ["node/node1"])
        hidden = yield self.call("GET", "/cluster/resources", {"type": "vm"},
                                 user="alice@pve")
        self.assertEqual(hidden, [])
        e = yield self.assertFailure(self.call("GET", "/cluster/resources", {"type": "x"}),
                                     APIError)
        self.assertEqual(list(e.errors), ["type"])

    @defer.inlineCallbacks
    def test_log_and_tasks(self):
        yield self.node.client.cluster_log("pvedaemon", "hello", user="alice@pve")
        yield self.node.client.cluster_log("pvedaemon", "secret", user="root@pam")
        log = yield self.call("GET", "/cluster/log")
        self.assertEqual([e["msg"] for e in log], ["secret", "hello"])
        self.assertEqual(log[0]["id"], "%d:node1" % log[0]["uid"])
        own = yield self.call("GET", "/cluster/log", user="alice@pve")
        self.assertEqual([e["msg"] for e in own], ["hello"])
        tasks = yield self.call("GET", "/cluster/tasks")
        self.assertEqual(tasks, [])
        index = yield self.call("GET", "/cluster")
        self.assertEqual([e["name"] for e in index],
                         ["log", "resources", "status", "tasks", "config",
                          "nextid"])

    def test_parsers(self):
        self.assertEqual(cluster.corosync_totem(
            "totem {\n  cluster_name: lab\n  config_version: 3\n}\n"), ("lab", 3))
