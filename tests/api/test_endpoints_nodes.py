"""/version, /nodes and the task endpoints, on a real ConfigFS and real
worker processes."""

import os

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.api import nodes
from pve.api.schema import APIError
from pve.daemon import workers
from tests.api.endpoints_env import Node


def trivial(upid, word):
    print("hello %s" % word)
    print("line two")


MEMINFO = """MemTotal:       16000000 kB
MemFree:         1000000 kB
MemAvailable:    8000000 kB
SwapTotal:       2000000 kB
SwapFree:        1500000 kB
"""


class ParserTests(unittest.TestCase):
    def test_meminfo(self):
        m = nodes.meminfo(MEMINFO)
        self.assertEqual((m["memtotal"], m["memused"], m["swapused"]),
                         (16000000 * 1024, 8000000 * 1024, 500000 * 1024))

    def test_cpu_usage(self):
        a = nodes.cpu_times("cpu  100 0 100 700 100 0 0 0\n")
        b = nodes.cpu_times("cpu  200 0 200 1300 300 0 0 0\n")
        self.assertEqual(nodes.cpu_usage(a, b), (0.2, 0.2))


class NodeTests(unittest.TestCase):
    def setUp(self):
        self.node = Node(self)
        self.call = self.node.call

    @defer.inlineCallbacks
    def test_version(self):
        self.node.write("datacenter.cfg", "keyboard: de\nconsole: xtermjs\n")
        v = yield self.call("GET", "/version")
        self.assertEqual(sorted(v), ["console", "release", "repoid", "version"])
        self.assertEqual(v["console"], "xtermjs")

    @defer.inlineCallbacks
    def test_nodes(self):
        listed = yield self.call("GET", "/nodes")
        self.assertEqual(len(listed), 1)
        entry = listed[0]
        self.assertEqual((entry["node"], entry["status"], entry["type"]),
                         ("node1", "online", "node"))
        self.assertGreater(entry["maxmem"], entry["mem"])
        anon = yield self.call("GET", "/nodes", user="nobody@pve")
        self.assertNotIn("mem", anon[0])
        index = yield self.call("GET", "/nodes/node1")
        self.assertIn({"name": "status"}, index)
        self.assertIn({"name": "tasks"}, index)

    @defer.inlineCallbacks
    def test_status(self):
        s = yield self.call("GET", "/nodes/node1/status")
        self.assertGreater(s["uptime"], 0)
        self.assertEqual(len(s["loadavg"]), 3)
        self.assertTrue(0 <= s["cpu"] <= 1)
        self.assertGreater(s["memory"]["total"], s["memory"]["used"])
        self.assertGreater(s["rootfs"]["total"], 0)
        self.assertEqual(s["cpuinfo"]["cpus"], os.cpu_count())
        self.assertTrue(s["pveversion"].startswith("pve-manager/"))
        self.assertEqual(s["current-kernel"]["release"], os.uname().release)


class TaskTests(unittest.TestCase):
    def setUp(self):
        self.node = Node(self)
        self.call = self.node.call

    @defer.inlineCallbacks
    def run_task(self, user="root@pam"):
        upid = workers.start_worker(reactor, self.node.paths, "node1", "test", "100",
                                    user, trivial, args=["world"])
        status = yield workers.worker_ended(upid)
        self.assertEqual(status, "OK")
        return upid

    @defer.inlineCallbacks
    def test_finished_task(self):
        upid = yield self.run_task()
        listed, attrs = yield self.call("GET", "/nodes/node1/tasks", full=True)
        self.assertEqual([t["upid"] for t in listed], [upid])
        self.assertEqual(attrs, {"total": 1})
        self.assertEqual(listed[0]["status"], "OK")
        status = yield self.call("GET", "/nodes/node1/tasks/%s/status" % upid)
        self.assertEqual((status["status"], status["exitstatus"], status["type"]),
                         ("stopped", "OK", "test"))
        lines, attrs = yield self.call("GET", "/nodes/node1/tasks/%s/log" % upid,
                                       {"start": 0, "limit": 1}, full=True)
        self.assertEqual(lines, [{"n": 1, "t": "hello world"}])
        self.assertEqual(attrs["total"], 3)
        index = yield self.call("GET", "/nodes/node1/tasks/%s" % upid)
        self.assertEqual(index, [{"name": "log"}, {"name": "status"}])
        filtered = yield self.call("GET", "/nodes/node1/tasks", {"typefilter": "other"})
        self.assertEqual(filtered, [])
        stopped = yield self.call("DELETE", "/nodes/node1/tasks/%s" % upid)
        self.assertIsNone(stopped)

    @defer.inlineCallbacks
    def test_task_permissions(self):
        upid = yield self.run_task()
        mine = yield self.call("GET", "/nodes/node1/tasks", user="alice@pve")
        self.assertEqual(mine, [])
        e = yield self.assertFailure(
            self.call("GET", "/nodes/node1/tasks/%s/log" % upid, user="alice@pve"), APIError)
        self.assertEqual(e.code, 403)
        e = yield self.assertFailure(
            self.call("GET", "/nodes/node1/tasks/%s/status" % upid, user="alice@pve"),
            APIError)
        self.assertEqual(e.code, 403)

    @defer.inlineCallbacks
    def test_bad_upid(self):
        e = yield self.assertFailure(
            self.call("GET", "/nodes/node1/tasks/garbage/status"), APIError)
        self.assertEqual((e.code, e.errors), (400, {"upid": "unable to parse worker upid"}))


class PowerAllTests(unittest.TestCase):
    """startall/stopall: worker tasks that, with no guest to act on, end
    OK at once; guests are not started or stopped yet."""

    def setUp(self):
        self.node = Node(self)

    def call(self, path, params=None, user="root@pam"):
        env = self.node.env(user)
        env.reactor = reactor  # the worker is a real process
        return self.node.registry.dispatch("POST", path, params or {}, env)

    @defer.inlineCallbacks
    def run_task(self, path, params=None):
        upid = yield self.call(path, params)
        self.assertTrue(upid.startswith("UPID:node1:"), upid)
        status = yield workers.worker_ended(upid)
        return upid, status

    @defer.inlineCallbacks
    def test_no_guests(self):
        for action in ("startall", "stopall"):
            upid, status = yield self.run_task("/nodes/node1/" + action)
            self.assertEqual(status, "OK")
            self.assertEqual(upid.split(":")[5:8], [action, "", "root@pam"])

    @defer.inlineCallbacks
    def test_guests(self):
        self.node.write("nodes/node1/qemu-server/100.conf", "memory: 512\n")
        self.node.write("nodes/node1/qemu-server/101.conf",
                        "onboot: 1\n\n[snap]\nonboot: 0\n")
        _, status = yield self.run_task("/nodes/node1/startall", {"vms": "100"})
        self.assertEqual(status, "OK")  # 100 is not onboot
        _, status = yield self.run_task("/nodes/localhost/startall")
        self.assertIn("not implemented", status)
        self.assertIn("101", status)
        _, status = yield self.run_task("/nodes/node1/stopall", {"vms": "100"})
        self.assertIn("100", status)

    def test_onboot(self):
        self.assertTrue(nodes.onboot("onboot: 1\nmemory: 5\n"))
        self.assertTrue(nodes.onboot("onboot: yes\n"))
        self.assertFalse(nodes.onboot("onboot: 0\n"))
        self.assertFalse(nodes.onboot("memory: 5\n[s]\nonboot: 1\n"))

    @defer.inlineCallbacks
    def test_permissions(self):
        e = yield self.assertFailure(
            self.call("/nodes/node1/startall", user="alice@pve"), APIError)
        self.assertEqual(e.code, 403)
        e = yield self.assertFailure(
            self.call("/nodes/node1/stopall", {"vms": "100"}, user="alice@pve"),
            APIError)
        self.assertEqual(e.code, 403)
