"""Worker tasks in real child processes, under a temporary PVE_ROOT."""

import os
import pwd
import signal

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.daemon import tasklog, upid, workers
from pve.paths import Paths
from tests import processes
from tests.daemon import tasks
from tests.polling import poll


class WorkerTests(unittest.TestCase):
    timeout = 60
    spares = 0  # workers started ahead

    def setUp(self):
        self.tmp = os.path.abspath(self.mktemp())
        self.paths = Paths(self.tmp)
        self.started = []
        self.addCleanup(self.kill_leftovers)

    def kill_leftovers(self):
        for u in self.started:
            pid = upid.decode(u)["pid"]
            if processes.alive(pid):
                for child in processes.descendants(pid):
                    os.kill(child, signal.SIGKILL)
                os.kill(pid, signal.SIGKILL)
        return defer.gatherResults(
            [workers.worker_ended(u) for u in self.started])

    def start(self, func, *args, type="test", id="", user="root@pam", **kw):
        u = workers.start_worker(reactor, self.paths, "testnode", type, id,
                                 user, func, args, kw)
        self.started.append(u)
        return u

    def spare_logs(self):
        """The logs (named ``.new-...``) of workers waiting for a task."""
        found = []
        for _, _, names in os.walk(tasklog.task_dir(self.paths)):
            found += [n for n in names if n.startswith(".new-")]
        return found

    def task_logs(self):
        """The task logs (not the waiting spare's)."""
        found = []
        for _, _, names in os.walk(tasklog.task_dir(self.paths)):
            found += [n for n in names if n.startswith("UPID:")]
        return found

    def log(self, u):
        with open(tasklog.log_path(self.paths, u)) as f:
            return f.read()

    def status(self, u):
        return tasklog.task_status(self.paths, u)

    @defer.inlineCallbacks
    def run_task(self, func, *args, **kw):
        u = self.start(func, *args, **kw)
        status = yield workers.worker_ended(u)
        return u, status

    @defer.inlineCallbacks
    def test_ok(self):
        u, status = yield self.run_task(tasks.hello, "world",
                                        greeting="hi", type="qmstart",
                                        id="100")
        self.assertEqual(status, "OK")
        fields = upid.decode(u)
        self.assertEqual((fields["node"], fields["type"], fields["id"],
                          fields["user"]),
                         ("testnode", "qmstart", "100", "root@pam"))
        lines = self.log(u).splitlines()
        self.assertEqual(lines[-1], "TASK OK")
        self.assertIn("hi world", lines)
        self.assertIn("upid " + u, lines)
        self.assertIn("on stderr", lines)
        self.assertIn("from a subprocess", lines)
        st = self.status(u)
        self.assertEqual((st["status"], st["exitstatus"]), ("stopped", "OK"))
        self.assertEqual(st["upid"], u)
        info = os.stat(tasklog.log_path(self.paths, u))
        self.assertEqual(info.st_mode & 0o777, 0o640)
        if os.geteuid() == 0:
            self.assertEqual(info.st_uid, pwd.getpwnam("www-data").pw_uid)
        self.assertEqual(self.task_logs(), [u])
        self.assertEqual(len(self.spare_logs()), self.spares)

    @defer.inlineCallbacks
    def test_function_by_name(self):
        u, status = yield self.run_task("tests.daemon.tasks:hello", "x")
        self.assertEqual(status, "OK")
        self.assertIn("hello x\n", self.log(u))

    @defer.inlineCallbacks
    def test_error(self):
        u, status = yield self.run_task(tasks.fail, "disk on fire\nreally")
        self.assertEqual(status, "disk on fire really")
        self.assertEqual(self.log(u).splitlines()[-2:],
                         ["about to fail", "TASK ERROR: disk on fire really"])
        st = self.status(u)
        self.assertEqual((st["status"], st["exitstatus"]),
                         ("stopped", "disk on fire really"))

    @defer.inlineCallbacks
    def test_unknown_function(self):
        u, status = yield self.run_task("tests.daemon.tasks:nonesuch")
        self.assertEqual(
            status,
            "module 'tests.daemon.tasks' has no attribute 'nonesuch'")

    @defer.inlineCallbacks
    def test_warnings(self):
        u, status = yield self.run_task(tasks.warnings, 3)
        self.assertEqual(status, "WARNINGS: 3")
        self.assertEqual(self.log(u).splitlines(),
                         ["WARN: warning number 0", "WARN: warning number 1",
                          "WARN: warning number 2", "TASK WARNINGS: 3"])

    @defer.inlineCallbacks
    def test_final_line_starts_a_line(self):
        u, status = yield self.run_task(tasks.partial)
        self.assertEqual(status, "OK")
        self.assertEqual(self.log(u), "no newline at the end\nTASK OK\n")

    @defer.inlineCallbacks
    def test_running_then_stopped(self):
        marker = os.path.join(self.tmp, "ready")
        u = self.start(tasks.long, marker, type="vncproxy", id="100")
        # At once: the log exists, the task is running and listed active.
        self.assertTrue(os.path.isfile(tasklog.log_path(self.paths, u)))
        st = self.status(u)
        self.assertEqual(st["status"], "running")
        self.assertNotIn("exitstatus", st)
        fields = upid.decode(u)
        self.assertEqual(fields["pstart"], tasklog.proc_stat(fields["pid"])[1])
        self.assertEqual([t["upid"] for t in tasklog.read_active(self.paths)],
                         [u])
        total, listed = tasklog.list_tasks(self.paths, source="active")
        self.assertEqual([(t["upid"], t["status"]) for t in listed],
                         [(u, "RUNNING")])

        yield poll(lambda: os.path.exists(marker), "the task to be ready")
        with open(marker) as f:
            grandchild = int(f.read())
        self.assertIn(grandchild, processes.descendants(fields["pid"]))
        ended = workers.worker_ended(u)
        was_running = yield workers.stop_worker(reactor, u)
        self.assertTrue(was_running)
        status = yield ended
        self.assertEqual(status, "received interrupt")
        self.assertEqual(self.log(u).splitlines()[-2:],
                         ["waiting", "TASK ERROR: received interrupt"])
        st = self.status(u)
        self.assertEqual((st["status"], st["exitstatus"]),
                         ("stopped", "received interrupt"))
        yield poll(lambda: not processes.alive(grandchild),
                   "the grandchild to go")
        # Stopping it again does nothing.
        again = yield workers.stop_worker(reactor, u)
        self.assertFalse(again)

    @defer.inlineCallbacks
    def test_stubborn_task_killed(self):
        marker = os.path.join(self.tmp, "ready")
        u = self.start(tasks.stubborn, marker)
        yield poll(lambda: os.path.exists(marker), "the task to be ready")
        with open(marker) as f:
            grandchild = int(f.read())
        ended = workers.worker_ended(u)
        yield workers.stop_worker(reactor, u, grace=0.5)
        status = yield ended
        self.assertEqual(status, "unexpected status")
        self.assertNotIn("TASK", self.log(u))
        yield poll(lambda: not processes.alive(grandchild),
                   "the grandchild to go")

    @defer.inlineCallbacks
    def test_index_and_active_after_several_tasks(self):
        results = []
        for func, args in [(tasks.hello, ("a",)), (tasks.fail, ("bad",)),
                           (tasks.warnings, (1,))]:
            results.append((yield self.run_task(func, *args)))
        ups = [u for u, _ in results]
        index = self.read_tasks_file("index").splitlines()
        self.assertEqual(len(index), 3)
        for line, (u, status) in zip(index, results):
            head, endtime, rest = line.split(" ", 2)
            self.assertEqual((head, rest), (u, status))
            self.assertRegex(endtime, "^[0-9A-F]{8}$")
        active = self.read_tasks_file("active").splitlines()
        # Ended tasks, newest start first; as in Proxmox, ties keep the
        # list's order, where each new task went in ahead of the ended.
        expected = results[::-1]
        self.assertEqual(len(active), 3)
        for line, (u, status) in zip(active, expected):
            head, saved, endtime, rest = line.split(" ", 3)
            self.assertEqual((head, saved, rest), (u, "1", status))
            self.assertRegex(endtime, "^[0-9A-F]{8}$")
        total, listed = tasklog.list_tasks(self.paths)
        self.assertEqual([t["upid"] for t in listed], ups[::-1])
        # As Proxmox's, "errors" leaves out only the tasks that ended OK.
        total, listed = tasklog.list_tasks(self.paths, errors=True)
        self.assertEqual([t["upid"] for t in listed], [ups[2], ups[1]])
        total, lines = tasklog.read_log(self.paths, ups[0], start=1, limit=1)
        self.assertEqual(lines, [{"n": 2, "t": "upid " + ups[0]}])
        self.assertEqual(total, 5)

    def read_tasks_file(self, name):
        with open(os.path.join(tasklog.task_dir(self.paths), name)) as f:
            return f.read()

    def test_args_must_be_json(self):
        self.assertRaises(TypeError, workers.start_worker, reactor,
                          self.paths, "n", "t", "", "root@pam", tasks.hello,
                          (object(),))
        self.assertEqual(self.task_logs(), [])

    def test_function_name(self):
        self.assertEqual(workers.function_name(tasks.hello),
                         "tests.daemon.tasks:hello")
        self.assertEqual(workers.function_name("a.b:c"), "a.b:c")


class StopAtOnceTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def test_stop_right_after_start(self):
        """A stop that comes before the child is set up still ends the log
        the way a stop does."""
        paths = Paths(os.path.abspath(self.mktemp()))
        u = workers.start_worker(reactor, paths, "testnode", "test", "",
                                 "root@pam", tasks.long,
                                 (os.path.join(paths.root, "ready"),))
        ended = workers.worker_ended(u)
        was_running = yield workers.stop_worker(reactor, u)
        self.assertTrue(was_running)
        status = yield ended
        self.assertEqual(status, "received interrupt")


class SpareTests(WorkerTests):
    """A daemon keeps one worker started ahead: the next task runs in it
    (its pid is the UPID's, the preloaded module is there), a new spare
    follows, and dropping the spare leaves no process and no log behind."""

    PRELOAD = "wave"  # a module nothing here imports otherwise
    spares = 1

    def setUp(self):
        super().setUp()
        self.dropped = False
        workers.keep_spare(reactor, self.paths, [self.PRELOAD])
        self.addCleanup(self.drop)

    def drop(self):
        if self.dropped:
            return None
        self.dropped = True
        return workers.drop_spare(self.paths)

    def spare(self):
        state = workers._spares[self.paths.root]
        return state["worker"] and state["worker"][1].pid

    @defer.inlineCallbacks
    def test_task_runs_in_the_spare(self):
        first = self.spare()
        self.assertTrue(processes.alive(first))
        u, status = yield self.run_task(tasks.preloaded, self.PRELOAD)
        self.assertEqual(status, "OK")
        self.assertEqual(upid.decode(u)["pid"], first)
        self.assertIn("wave preloaded: True", self.log(u))
        second = yield poll(self.spare, "a new spare")
        self.assertNotEqual(second, first)
        # a task asking for an environment of its own starts afresh
        u = workers.start_worker(reactor, self.paths, "testnode", "test", "",
                                 "root@pam", tasks.preloaded, [self.PRELOAD],
                                 env={"EXTRA": "1"})
        self.started.append(u)
        self.assertEqual((yield workers.worker_ended(u)), "OK")
        self.assertIn("wave preloaded: False", self.log(u))
        self.assertEqual(self.spare(), second)

    @defer.inlineCallbacks
    def test_drop_leaves_nothing(self):
        pid = self.spare()
        self.assertEqual(len(self.spare_logs()), 1)
        yield self.drop()
        self.assertFalse(processes.alive(pid))
        self.assertEqual(self.spare_logs(), [])
        # tasks still start, without a spare
        u, status = yield self.run_task(tasks.preloaded, self.PRELOAD)
        self.assertEqual(status, "OK")
        self.assertIn("wave preloaded: False", self.log(u))
        self.assertEqual(self.spare_logs(), [])

    @defer.inlineCallbacks
    def test_dead_spare_is_replaced(self):
        pid = self.spare()
        os.kill(pid, signal.SIGKILL)
        yield poll(lambda: not self.spare(), "the spare's end to be noticed")
        self.assertEqual(self.spare_logs(), [])
        u, status = yield self.run_task(tasks.preloaded, self.PRELOAD)
        self.assertEqual(status, "OK")
        self.assertNotEqual(upid.decode(u)["pid"], pid)
        yield poll(self.spare, "a new spare")
