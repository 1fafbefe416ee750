"""/cluster/config: index, nodes, totem, and creating a cluster (the
``clustercreate`` worker a real process reaching pmxcfs over IPC)."""

import os
import stat

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.api import cluster_config
from pve.api.schema import APIError
from pve.cluster import corosync, corosync_edit, join
from pve.daemon import tasklog, workers
from tests.api.endpoints_env import Node
from tests.cluster.test_client import start_ipc

IP = "192.0.2.10"


class ClusterConfigTests(unittest.TestCase):
    timeout = 120

    def setUp(self):
        self.node = Node(self)
        start_ipc(self, self.node.cfs, self.node.paths, self.node.clock)
        self.resolved = []

    def resolve(self, name):
        self.resolved.append(name)
        return IP

    def call(self, method, path, params=None, user="root@pam"):
        env = self.node.env(user)
        env.reactor = reactor  # the worker is a real process
        env.resolve = self.resolve
        return self.node.registry.dispatch(method, path, params or {}, env)

    def task_log(self, upid):
        with open(tasklog.log_path(self.node.paths, upid)) as fh:
            return fh.read()

    @defer.inlineCallbacks
    def task(self, params):
        upid = yield self.call("POST", "/cluster/config", params)
        self.assertTrue(upid.startswith("UPID:node1:"), upid)
        self.assertEqual(upid.split(":")[5:7],
                         ["clustercreate", params["clustername"]])
        status = yield workers.worker_ended(upid)
        self.assertEqual(status, "OK", self.task_log(upid))
        return upid

    def local_files(self):
        paths = self.node.paths
        result = {}
        for path in (paths.corosync_conf, paths.corosync_authkey):
            with open(path, "rb") as f:
                result[path] = (f.read(), stat.S_IMODE(os.stat(path).st_mode))
        return result

    @defer.inlineCallbacks
    def test_index(self):
        index = yield self.call("GET", "/cluster/config")
        self.assertEqual(index, [{"name": "nodes"}, {"name": "totem"},
                                 {"name": "join"}, {"name": "apiversion"}])
        top = yield self.call("GET", "/cluster")
        self.assertIn({"name": "config"}, top)

    @defer.inlineCallbacks
    def test_without_cluster(self):
        """Proxmox parses a missing corosync.conf as an empty config: no
        nodes, no totem (no error)."""
        nodes = yield self.call("GET", "/cluster/config/nodes")
        self.assertEqual(nodes, [])
        totem = yield self.call("GET", "/cluster/config/totem")
        self.assertIsNone(totem)

    @defer.inlineCallbacks
    def test_create(self):
        upid = yield self.task({"clustername": "lab"})
        self.assertEqual(self.resolved, ["node1"])
        log = self.task_log(upid)
        self.assertEqual(log, (
            "Corosync Cluster Engine Authentication key generator.\n"
            "Gathering 2048 bits for key from /dev/urandom.\n"
            "Writing corosync key to /etc/corosync/authkey.\n"
            "Writing corosync config to /etc/pve/corosync.conf\n"
            + join.NO_CLUSTER_MODE + "\n"
            "TASK OK\n"))

        data = self.node.cfs.read("corosync.conf")
        conf = corosync.parse(data)
        self.assertEqual(corosync.cluster_name(conf), "lab")
        self.assertEqual(corosync.config_version(conf), 1)
        self.assertEqual(corosync.nodes(conf), [
            corosync.Node("node1", 1, 1, {0: IP})])
        self.assertEqual(corosync.totem(conf)["token_coefficient"], "125")
        self.assertEqual(corosync_edit.verify(conf), ([], []))

        files = self.local_files()
        paths = self.node.paths
        self.assertEqual(files[paths.corosync_conf], (data, 0o644))
        key, mode = files[paths.corosync_authkey]
        self.assertEqual((len(key), mode), (256, 0o400))
        self.assertNotIn("corosync.conf.new", self.node.cfs.listdir(""))

        nodes = yield self.call("GET", "/cluster/config/nodes")
        self.assertEqual(nodes, [{"node": "node1", "name": "node1",
                                  "nodeid": "1", "quorum_votes": "1",
                                  "ring0_addr": IP}])
        totem = yield self.call("GET", "/cluster/config/totem")
        self.assertEqual(totem, {
            "cluster_name": "lab", "config_version": "1",
            "interface": {"0": {"linknumber": "0"}},
            "ip_version": "ipv4-6", "link_mode": "passive", "secauth": "on",
            "token_coefficient": "125", "version": "2"})

        # a second create is refused before any task, nothing changes
        e = yield self.assertFailure(
            self.call("POST", "/cluster/config", {"clustername": "other"}),
            APIError)
        self.assertEqual((e.code, e.message), (
            500, "cluster config '/etc/pve/corosync.conf' already exists\n"))
        self.assertEqual(self.node.cfs.read("corosync.conf"), data)
        self.assertEqual(self.local_files(), files)

    @defer.inlineCallbacks
    def test_create_links_nodeid_votes(self):
        """Given links, no lookup; a kept authkey is not rewritten."""
        paths = self.node.paths
        os.makedirs(os.path.dirname(paths.corosync_authkey))
        with open(paths.corosync_authkey, "wb") as f:
            f.write(b"k" * 256)
        upid = yield self.task({
            "clustername": "two-links", "nodeid": 5, "votes": 2,
            "link0": "10.0.0.1", "link1": "address=10.1.0.1,priority=20",
            "token-coefficient": 0})
        self.assertEqual(self.resolved, [])
        self.assertEqual(self.task_log(upid), (
            "Writing corosync config to /etc/pve/corosync.conf\n"
            + join.NO_CLUSTER_MODE + "\nTASK OK\n"))
        conf = corosync.parse(self.node.cfs.read("corosync.conf"))
        self.assertEqual(corosync.nodes(conf), [
            corosync.Node("node1", 5, 2, {0: "10.0.0.1", 1: "10.1.0.1"})])
        totem = yield self.call("GET", "/cluster/config/totem")
        self.assertEqual((totem["interface"], totem["token_coefficient"]), (
            {"0": {"linknumber": "0"},
             "1": {"linknumber": "1", "knet_link_priority": "20"}}, "0"))
        with open(paths.corosync_authkey, "rb") as f:
            self.assertEqual(f.read(), b"k" * 256)

    @defer.inlineCallbacks
    def test_bad_parameters(self):
        for params, key, message in (
                ({"clustername": "bad_name"}, "clustername",
                 "invalid format - value does not look like a valid node"
                 " name\n"),
                ({"clustername": "a" * 16}, "clustername",
                 "value may only be 15 characters long"),
                ({"clustername": "lab", "link0": "not an address"}, "link0",
                 None),
                ({"clustername": "lab", "nodeid": 0}, "nodeid", None),
                ({}, "clustername", "property is missing and it is not"
                                    " optional")):
            e = yield self.assertFailure(
                self.call("POST", "/cluster/config", params), APIError)
            self.assertEqual((e.code, list(e.errors)), (400, [key]), params)
            if message:
                self.assertEqual(e.errors[key], message)
        self.assertRaises(OSError, self.node.cfs.read, "corosync.conf")
        self.assertFalse(os.path.exists(self.node.paths.corosync_authkey))

    def test_totem_hash(self):
        self.assertIsNone(cluster_config.totem_hash({}))
        self.assertEqual(cluster_config.totem_hash({"totem": {"a": "1"}}),
                         {"a": "1", "interface": {}})

