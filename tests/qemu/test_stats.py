"""pve.qemu.stats: vmstatus's counters from sample /proc text and QMP
answers, with a fake clock for the CPU usage."""

from twisted.trial import unittest

from pve.qemu import stats

# /proc/<pid>/stat of a QEMU: utime 300, stime 100, starttime 5000,
# vsize 1 GiB, rss 2560 pages; the comm has a space and a parenthesis.
PID_STAT = ("4242 (qemu (system) 170) S 1 4241 4241 0 -1 4194560 1000 0 0 0 "
            "300 100 0 0 20 0 5 0 5000 1073741824 2560 18446744073709551615 "
            "1 1 0 0 0 0 0 4096 0 0 0 0 17 1 0 0 0 0 0\n")

NET_DEV = """\
Inter-|   Receive                                                |  Transmit
 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
    lo:  123456     100    0    0    0     0          0         0   123456     100    0    0    0     0       0          0
tap170i0:    1000      10    0    0    0     0          0         0     5000      50    0    0    0     0       0          0
tap170i1:     200       2    0    0    0     0          0         0       30       3    0    0    0     0       0          0
tap1700i0:  999999       9    0    0    0     0          0         0   999999       9    0    0    0     0       0          0
 vmbr0: 7777777      77    0    0    0     0          0         0  7777777      77    0    0    0     0       0          0
"""

PRESSURE = """\
some avg10=1.50 avg60=0.75 avg300=0.10 total=123456
full avg10=0.25 avg60=0.00 avg300=0.00 total=789
"""


class FakeClock:
    def __init__(self, now=1000.0):
        self.now = now

    def __call__(self):
        return self.now


def reader(files):
    return files.get


class ParserTests(unittest.TestCase):

    def test_pid_stat(self):
        pstat = stats.parse_pid_stat(PID_STAT)
        self.assertEqual((pstat["state"], pstat["utime"], pstat["stime"],
                          pstat["starttime"], pstat["vsize"], pstat["rss"]),
                         ("S", 300, 100, 5000, 1073741824, 2560))

    def test_pid_stat_garbage(self):
        for text in (None, "", "4242 (qemu) S 1", "no parenthesis"):
            self.assertIsNone(stats.parse_pid_stat(text))

    def test_net_dev_directions(self):
        """netout is what the taps received (the guest sent), netin what
        they transmitted; other VMs' and host interfaces do not count."""
        netdev = stats.parse_net_dev(NET_DEV)
        self.assertEqual(netdev["tap170i0"], {"receive": 1000, "transmit": 5000})
        self.assertEqual(netdev["lo"], {"receive": 123456, "transmit": 123456})
        self.assertEqual(stats.tap_traffic(netdev, 170),
                         {"netin": 5030, "netout": 1200})
        self.assertEqual(stats.tap_traffic(netdev, 170, per_nic=True)["nics"], {
            "tap170i0": {"netin": 5000, "netout": 1000},
            "tap170i1": {"netin": 30, "netout": 200}})
        self.assertEqual(stats.tap_traffic(netdev, 171, per_nic=True),
                         {"netin": 0, "netout": 0})
        self.assertEqual(stats.parse_net_dev(None), {})

    def test_pressure(self):
        parsed = stats.parse_pressure(PRESSURE)
        self.assertEqual(parsed["some"]["avg10"], 1.5)
        self.assertEqual(parsed["full"]["total"], 789)
        self.assertEqual(stats.parse_pressure("garbage\n"), {})

    def test_cgroup_memory(self):
        self.assertEqual(stats.cgroup_memory("104857600\n", "anon 90000000\nfile 4857600\n"),
                         100000000)
        self.assertEqual(stats.cgroup_memory("5000\n", None), 5000)
        self.assertIsNone(stats.cgroup_memory(None, "file 1\n"))

    def test_statm(self):
        self.assertEqual(stats.statm_rss("10000 2560 300 1 0 500 0\n", 4096), 2560 * 4096)
        self.assertEqual(stats.statm_rss(None, 4096), 0)


class CpuUsageTests(unittest.TestCase):

    def setUp(self):
        self.clock = FakeClock()
        self.usage = stats.CpuUsage(clock=self.clock, cpucount=4, hz=100)

    def test_first_sample_is_zero(self):
        self.assertEqual(self.usage.sample(4242, 5000, 400, 2), 0)

    def test_share_of_the_vm_cpus(self):
        self.usage.sample(4242, 5000, 400, 2)
        self.clock.now += 10
        # 10 s on 2 vCPUs are 2000 ticks; 500 used: a quarter
        self.assertEqual(self.usage.sample(4242, 5000, 900, 2), 0.25)
        self.clock.now += 10
        self.assertEqual(self.usage.sample(4242, 5000, 2900, 2), 1.0)

    def test_close_samples_repeat_the_last_value(self):
        """Less than 1000 host-CPU ticks later (here 2.5 s on 4 CPUs at
        100 Hz), the previous value stands and the base is kept."""
        self.usage.sample(4242, 5000, 0, 1)
        self.clock.now += 10
        self.assertEqual(self.usage.sample(4242, 5000, 500, 1), 0.5)
        self.clock.now += 2
        self.assertEqual(self.usage.sample(4242, 5000, 700, 1), 0.5)
        self.clock.now += 2
        # 4 s since the kept sample at 500: 200 ticks of 400
        self.assertEqual(self.usage.sample(4242, 5000, 700, 1), 0.5)

    def test_new_process_under_old_pid_starts_afresh(self):
        self.usage.sample(4242, 5000, 0, 1)
        self.clock.now += 10
        self.assertEqual(self.usage.sample(4242, 5000, 500, 1), 0.5)
        self.clock.now += 10
        self.assertEqual(self.usage.sample(4242, 9000, 10, 1), 0)


class ProcessStatsTests(unittest.TestCase):

    def setUp(self):
        self.clock = FakeClock()
        self.usage = stats.CpuUsage(clock=self.clock, cpucount=2, hz=100)
        self.files = {
            "/proc/4242/stat": PID_STAT,
            "/proc/uptime": "150.00 280.00\n",   # 15000 ticks; started at 5000
            "/proc/4242/statm": "10000 2560 300 1 0 500 0\n",
        }

    def test_without_scope(self):
        """Outside a systemd scope: mem is the resident size, no pressure."""
        out = stats.process_stats(170, 4242, 1, read=reader(self.files),
                                  usage=self.usage, page_size=4096)
        self.assertEqual(out["uptime"], 100)
        self.assertEqual((out["mem"], out["memhost"]), (2560 * 4096, 2560 * 4096))
        self.assertEqual(out["cpu"], 0)
        self.assertEqual(out["pressurecpusome"], 0)
        self.clock.now += 10
        self.files["/proc/4242/stat"] = PID_STAT.replace(" 300 100 ", " 600 200 ")
        out = stats.process_stats(170, 4242, 1, read=reader(self.files),
                                  usage=self.usage, page_size=4096)
        self.assertEqual(out["cpu"], 0.4)

    def test_scope_cgroup(self):
        scope = "/sys/fs/cgroup/qemu.slice/170.scope"
        self.files.update({
            scope + "/memory.current": "73400320\n",
            scope + "/memory.stat": "anon 60000000\nfile 3400320\nkernel 10\n",
            scope + "/cpu.pressure": PRESSURE,
            scope + "/io.pressure": PRESSURE.replace("avg10=0.25", "avg10=3.00"),
        })
        out = stats.process_stats(170, 4242, 1, read=reader(self.files),
                                  usage=self.usage, page_size=4096)
        self.assertEqual((out["mem"], out["memhost"]), (70000000, 70000000))
        self.assertEqual((out["pressurecpusome"], out["pressurecpufull"]), (1.5, 0.25))
        self.assertEqual(out["pressureiofull"], 3.0)
        self.assertEqual(out["pressurememorysome"], 0)

    def test_process_gone(self):
        del self.files["/proc/4242/stat"]
        self.assertEqual(stats.process_stats(170, 4242, 1, read=reader(self.files),
                                             usage=self.usage), {})


class MonitorFieldsTests(unittest.TestCase):

    ANSWERS = {
        "query-status": {"status": "running", "running": True},
        "query-blockstats": [
            {"device": "drive-scsi0", "qdev": "scsi0",
             "stats": {"rd_bytes": 4096, "wr_bytes": 512, "rd_operations": 8}},
            {"device": "", "qdev": "/machine/peripheral/virtio1/virtio-backend",
             "stats": {"rd_bytes": 100, "wr_bytes": 0}},
            {"device": "drive-ide2", "stats": {"rd_bytes": 0, "wr_bytes": 0}},
        ],
        "query-machines": [
            {"name": "pc-i440fx-7.2", "is-default": True},
            {"name": "pc-q35-7.2", "is-current": True},
        ],
        "query-version": {"qemu": {"major": 7, "minor": 2, "micro": 11}},
        "query-balloon": {"actual": 67108864},
    }

    def test_all_answers(self):
        out = stats.monitor_fields(self.ANSWERS, 64 << 20)
        self.assertEqual(out["qmpstatus"], "running")
        self.assertEqual((out["diskread"], out["diskwrite"]), (4196, 512))
        self.assertEqual(sorted(out["blockstat"]), ["ide2", "scsi0", "virtio1"])
        self.assertEqual(out["blockstat"]["scsi0"]["rd_operations"], 8)
        self.assertEqual(out["running-machine"], "pc-q35-7.2")
        self.assertEqual(out["running-qemu"], "7.2.11")
        self.assertEqual(out["proxmox-support"], {})
        self.assertEqual(out["balloon"], 67108864)
        self.assertEqual(out["ballooninfo"], {"actual": 67108864, "max_mem": 64 << 20})
        self.assertNotIn("freemem", out)

    def test_guest_memory_from_balloon(self):
        answers = dict(self.ANSWERS, **{"query-balloon": {
            "actual": 1 << 30, "max_mem": 2 << 30, "total_mem": 1000, "free_mem": 400}})
        out = stats.monitor_fields(answers, 64 << 20)
        self.assertEqual((out["maxmem"], out["mem"], out["freemem"]), (2 << 30, 600, 400))

    def test_partial_answers(self):
        """Only what answered is reported; nothing without query-status."""
        self.assertEqual(stats.monitor_fields({}, 1), {})
        out = stats.monitor_fields({"query-status": {"status": "paused"},
                                    "query-blockstats": []}, 1)
        self.assertEqual((out["qmpstatus"], out["diskread"], out["blockstat"]),
                         ("paused", 0, {}))
        self.assertNotIn("ballooninfo", out)
        self.assertNotIn("running-qemu", out)

    def test_machine_fallbacks(self):
        self.assertEqual(stats.running_machine([{"name": "q35", "is-default": True}]), "q35")
        self.assertEqual(stats.running_machine([]), "pc")
        self.assertEqual(stats.running_machine(
            [{"name": "pc-i440fx-9.0", "is-current": True, "pve-version": "pve1"}]),
            "pc-i440fx-9.0+pve1")
        self.assertEqual(stats.running_qemu({}), "unknown")

    def test_qdev_ids(self):
        self.assertEqual(stats.drive_id({"qdev": "/machine/system.flash1"}), "efidisk0")
        self.assertEqual(stats.drive_id({"qdev": "/machine/virt.flash0"}), "pflash0")
        self.assertEqual(stats.drive_id({"qdev": "sata1"}), "sata1")
        self.assertIsNone(stats.drive_id({"device": ""}))
