"""Task logs, the active list and the index, in a temporary PVE_ROOT."""

import os

from twisted.trial import unittest

from pve.daemon import tasklog, upid
from pve.paths import Paths


def make_upid(pid, starttime, type="qmstart", id="100", user="root@pam",
              node="pve1", pstart=1000):
    return upid.encode({"node": node, "pid": pid, "pstart": pstart,
                        "starttime": starttime, "type": type, "id": id,
                        "user": user})


class TempRoot(unittest.TestCase):
    def setUp(self):
        self.paths = Paths(os.path.abspath(self.mktemp()))
        os.makedirs(tasklog.task_dir(self.paths))

    def write_log(self, u, text):
        path = tasklog.log_path(self.paths, u)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(text.encode() if isinstance(text, str) else text)
        return path

    def read(self, name):
        with open(os.path.join(tasklog.task_dir(self.paths), name)) as f:
            return f.read()


class FormatTests(unittest.TestCase):
    ACTIVE = (
        "UPID:pve1:00001234:000003E8:65000010:qmstart:100:root@pam: 0\n"
        "UPID:pve1:00001235:000003E8:65000001:vzdump::root@pam: 1 65000020 OK\n"
        "UPID:pve1:00001236:000003E8:65000000:qmstop:101:root@pam: 0 "
        "65000030 got timeout: guest did not stop\n"
        "UPID:pve1:00001237:000003E8:65000000:qmstop:102:root@pam: 1 "
        "65000030\n")

    def test_active_round_trip(self):
        tasks = tasklog.parse_active(self.ACTIVE)
        self.assertEqual([t["saved"] for t in tasks], [0, 1, 0, 1])
        self.assertNotIn("endtime", tasks[0])
        self.assertEqual(tasks[1]["endtime"], 0x65000020)
        self.assertEqual(tasks[1]["status"], "OK")
        self.assertEqual(tasks[2]["status"], "got timeout: guest did not stop")
        self.assertNotIn("status", tasks[3])
        self.assertEqual(tasks[0]["pid"], 0x1234)
        self.assertEqual(tasklog.format_active(tasks), self.ACTIVE)

    def test_active_skips_bad_lines(self):
        tasks = tasklog.parse_active(
            "garbage\nUPID:x 0\n" + self.ACTIVE.splitlines()[0] + "\n\n")
        self.assertEqual(len(tasks), 1)

    def test_index_line(self):
        line = ("UPID:pve1:00001235:000003E8:65000001:vzdump::root@pam: "
                "65000020 WARNINGS: 2")
        task = tasklog.parse_index_line(line)
        self.assertEqual((task["endtime"], task["status"], task["type"]),
                         (0x65000020, "WARNINGS: 2", "vzdump"))
        self.assertEqual(tasklog.format_index_line(task), line + "\n")
        self.assertIsNone(tasklog.parse_index_line("not a upid 1 2"))
        self.assertIsNone(tasklog.parse_index_line(""))


class LogTests(TempRoot):
    U = make_upid(0x4242, 0x6500002B)

    def test_log_path(self):
        self.assertEqual(
            tasklog.log_path(self.paths, self.U),
            os.path.join(self.paths.root, "var/log/pve/tasks/B", self.U))

    def test_read_status(self):
        # The task logs of pve-common's test/upid-test.pl.
        for text, status in [
                ("Some log line\nTASK OK\n", "OK"),
                ("Some log line\nTASK ERROR: Some error message\n",
                 "Some error message"),
                ("", "unexpected status"),
                ("Some log line\nTASK WARNINGS: 42\n", "WARNINGS: 42"),
                ("TASK OK", "OK"),
                ("TASK OK\n\n", "unexpected status")]:
            self.write_log(self.U, text)
            self.assertEqual(tasklog.read_status(self.paths, self.U), status)

    def test_read_status_missing_log(self):
        self.assertEqual(tasklog.read_status(self.paths, self.U),
                         "unexpected status")

    def test_last_line_of_long_log(self):
        path = self.write_log(self.U, "x" * 10000 + "\n" + "y" * 5000 + "\n")
        self.assertEqual(tasklog.read_last_line(path), "y" * 5000)
        path = self.write_log(self.U, "z" * 9000)
        self.assertEqual(tasklog.read_last_line(path), "z" * 9000)

    def test_read_log_pages(self):
        self.write_log(self.U, "".join("line %d\n" % i for i in range(1, 8)))
        total, lines = tasklog.read_log(self.paths, self.U)
        self.assertEqual(total, 7)
        self.assertEqual(lines[0], {"n": 1, "t": "line 1"})
        self.assertEqual(len(lines), 7)
        total, lines = tasklog.read_log(self.paths, self.U, start=2, limit=3)
        self.assertEqual(total, 7)
        self.assertEqual(lines, [{"n": 3, "t": "line 3"},
                                 {"n": 4, "t": "line 4"},
                                 {"n": 5, "t": "line 5"}])
        total, lines = tasklog.read_log(self.paths, self.U, start=5, limit=0)
        self.assertEqual([line["n"] for line in lines], [6, 7])
        total, lines = tasklog.read_log(self.paths, self.U, start=20)
        self.assertEqual((total, lines), (7, []))

    def test_read_log_unterminated_line(self):
        self.write_log(self.U, "a\nb")
        self.assertEqual(tasklog.read_log(self.paths, self.U),
                         (2, [{"n": 1, "t": "a"}, {"n": 2, "t": "b"}]))

    def test_read_log_empty_and_missing(self):
        self.assertEqual(
            tasklog.read_log(self.paths, self.U),
            (1, [{"n": 1, "t": "unable to open file - "
                  "No such file or directory"}]))
        self.write_log(self.U, "")
        self.assertEqual(tasklog.read_log(self.paths, self.U),
                         (1, [{"n": 1, "t": "no content"}]))

    def test_task_status(self):
        self.assertRaises(tasklog.NoSuchTask, tasklog.task_status,
                          self.paths, self.U)
        self.assertRaises(upid.InvalidUPID, tasklog.task_status,
                          self.paths, "UPID:bad")
        self.write_log(self.U, "working\n")
        status = tasklog.task_status(self.paths, self.U,
                                     running=lambda pid, pstart: True)
        self.assertEqual(status["status"], "running")
        self.assertNotIn("exitstatus", status)
        self.assertEqual(status["upid"], self.U)
        self.assertEqual(status["pid"], 0x4242)
        self.write_log(self.U, "working\nTASK ERROR: it broke\n")
        status = tasklog.task_status(self.paths, self.U,
                                     running=lambda pid, pstart: False)
        self.assertEqual((status["status"], status["exitstatus"]),
                         ("stopped", "it broke"))

    def test_task_status_of_token_task(self):
        u = make_upid(1, 0x65000000, user="alice@pve!ci")
        self.write_log(u, "TASK OK\n")
        status = tasklog.task_status(self.paths, u)
        self.assertEqual((status["user"], status["tokenid"]),
                         ("alice@pve", "ci"))

    def test_process_running(self):
        me = os.getpid()
        pstart = tasklog.proc_stat(me)[1]
        self.assertTrue(tasklog.process_running(me))
        self.assertTrue(tasklog.process_running(me, pstart))
        self.assertFalse(tasklog.process_running(me, pstart + 1))
        self.assertFalse(tasklog.process_running(2 ** 22 + 1))


class ActiveTests(TempRoot):
    def test_new_running_task(self):
        u = make_upid(10, 0x65000000)
        tasks = tasklog.update_active(self.paths, 0x65000005, u,
                                      running=lambda pid, pstart: True)
        self.assertEqual([t["upid"] for t in tasks], [u])
        self.assertEqual(self.read("active"), u + " 0\n")
        self.assertFalse(os.path.exists(tasklog.index_path(self.paths)))

    def test_ended_tasks_archived(self):
        running = {10, 11, 12}
        alive = lambda pid, pstart: pid in running  # noqa: E731
        ups = [make_upid(10 + i, 0x65000000 + i) for i in range(3)]
        for i, u in enumerate(ups):
            self.write_log(u, "TASK OK\n" if i != 1 else "TASK ERROR: no\n")
            tasklog.update_active(self.paths, 0x65000000 + i, u,
                                  running=alive)
        running -= {10, 11}
        tasks = tasklog.update_active(self.paths, 0x65000100, ups[0],
                                      running=alive)
        # Running first, then ended ones, newest start first.
        self.assertEqual([t["upid"] for t in tasks],
                         [ups[2], ups[1], ups[0]])
        self.assertEqual(
            self.read("active"),
            "%s 0\n%s 1 65000100 no\n%s 1 65000100 OK\n"
            % (ups[2], ups[1], ups[0]))
        self.assertEqual(self.read("index"),
                         "%s 65000100 no\n%s 65000100 OK\n" % (ups[1], ups[0]))
        # Nothing changes: nothing is written again.
        tasklog.update_active(self.paths, 0x65000200, running=alive)
        self.assertEqual(self.read("index").count("\n"), 2)
        self.assertIn("65000100", self.read("active"))

    def test_keeps_25_ended(self):
        for i in range(30):
            u = make_upid(100 + i, 0x65000000 + i)
            self.write_log(u, "TASK OK\n")
            tasklog.update_active(self.paths, 0x66000000, u,
                                  running=lambda pid, pstart: False)
        active = tasklog.read_active(self.paths)
        self.assertEqual(len(active), 25)
        self.assertEqual(active[0]["pid"], 129)
        self.assertEqual(self.read("index").count("\n"), 30)

    def test_index_rotates(self):
        long_error = "e" * 400
        for i in range(130):
            u = make_upid(100 + i, 0x65000000 + i)
            self.write_log(u, "TASK ERROR: %s\n" % (long_error,))
            tasklog.update_active(self.paths, 0x66000000, u,
                                  running=lambda pid, pstart: False)
        self.assertTrue(os.path.exists(tasklog.index_path(self.paths) + ".1"))
        total, tasks = tasklog.list_tasks(self.paths, limit=1000)
        self.assertEqual(total, 130)
        self.assertEqual([t["pid"] for t in tasks],
                         list(range(229, 99, -1)))


class ListTests(TempRoot):
    def setUp(self):
        TempRoot.setUp(self)
        lines = []
        self.ups = []
        specs = [("qmstart", "100", "root@pam", "OK"),
                 ("qmstop", "101", "alice@pve", "some error"),
                 ("vzdump", "", "root@pam!backup", "WARNINGS: 1"),
                 ("qmstart", "101", "Alice@pve", "unexpected status"),
                 ("qmstart", "1000", "root@pam", "OK")]
        for i, (type, id, user, status) in enumerate(specs):
            u = make_upid(100 + i, 1000 + i, type=type, id=id, user=user)
            self.ups.append(u)
            lines.append("%s %08X %s\n" % (u, 2000 + i, status))
        with open(tasklog.index_path(self.paths), "w") as f:
            f.write("".join(lines))

    def pids(self, **kw):
        total, tasks = tasklog.list_tasks(self.paths, **kw)
        return total, [t["pid"] for t in tasks]

    def test_newest_first_with_paging(self):
        self.assertEqual(self.pids(), (5, [104, 103, 102, 101, 100]))
        self.assertEqual(self.pids(start=1, limit=2), (5, [103, 102]))
        self.assertEqual(self.pids(start=4, limit=2), (5, [100]))
        self.assertEqual(self.pids(limit=0), (5, []))

    def test_task_fields(self):
        total, tasks = tasklog.list_tasks(self.paths, limit=1)
        self.assertEqual(tasks[0], {
            "upid": self.ups[4], "node": "pve1", "pid": 104, "pstart": 1000,
            "starttime": 1004, "type": "qmstart", "id": "1000",
            "user": "root@pam", "endtime": 2004, "status": "OK"})

    def test_filters(self):
        self.assertEqual(self.pids(userfilter="alice"), (2, [103, 101]))
        self.assertEqual(self.pids(userfilter="root@pam"), (3, [104, 102, 100]))
        self.assertEqual(self.pids(typefilter="qmstart"), (3, [104, 103, 100]))
        self.assertEqual(self.pids(vmid=101), (2, [103, 101]))
        self.assertEqual(self.pids(vmid=100), (1, [100]))
        self.assertEqual(self.pids(errors=True), (3, [103, 102, 101]))
        self.assertEqual(self.pids(statusfilter=["error"]), (1, [101]))
        self.assertEqual(self.pids(statusfilter=["OK", "unknown"]),
                         (3, [104, 103, 100]))
        self.assertEqual(self.pids(errors=True, statusfilter=["ok"]),
                         (3, [103, 102, 101]))
        self.assertEqual(self.pids(since=1002), (3, [104, 103, 102]))
        self.assertEqual(self.pids(until=1001), (2, [101, 100]))
        self.assertEqual(self.pids(since=1001, until=1003, start=1, limit=1),
                         (3, [102]))
        self.assertEqual(self.pids(visible=lambda t: t["user"] == "root@pam"),
                         (3, [104, 102, 100]))

    def test_token_user_split(self):
        total, tasks = tasklog.list_tasks(self.paths, typefilter="vzdump")
        self.assertEqual((tasks[0]["user"], tasks[0]["tokenid"]),
                         ("root@pam", "backup"))

    def test_sources(self):
        running = make_upid(200, 3000, type="vncproxy", id="100")
        with open(tasklog.active_path(self.paths), "w") as f:
            f.write("%s 0\n%s 1 000007D4 OK\n" % (running, self.ups[4]))
        total, tasks = tasklog.list_tasks(self.paths, source="active")
        self.assertEqual(total, 1)
        self.assertEqual((tasks[0]["upid"], tasks[0]["status"]),
                         (running, "RUNNING"))
        self.assertEqual(self.pids(source="all"),
                         (6, [200, 104, 103, 102, 101, 100]))
        self.assertEqual(self.pids(source="all", start=1, limit=1), (6, [104]))
        self.assertEqual(self.pids(source="all", errors=True),
                         (4, [200, 103, 102, 101]))
