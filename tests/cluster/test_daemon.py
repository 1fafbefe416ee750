"""``twistd pmxcfs`` as a real process: start, stop, crash and recovery."""

import errno
import os
import random
import signal
import subprocess
import sys

from twisted.trial import unittest

from pve import paths
from pve.cluster import mount
from pve.cluster.cfs import ConfigFS
from tests.cluster.daemon import PmxcfsProcess

WRITER = r"""
import os, random, sys
mnt, seed, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
rng = random.Random(seed)
while True:
    k = rng.randrange(20)
    n += 1
    data = b"%d:%d\n" % (k, n) * rng.randrange(1, 60)
    print("try", k, n, flush=True)
    try:
        if rng.random() < 0.5:
            with open("%s/storm/k%d" % (mnt, k), "wb") as f:
                f.write(data)
        else:
            tmp = "%s/storm/k%d.tmp" % (mnt, k)
            with open(tmp, "wb") as f:
                f.write(data)
            os.rename(tmp, "%s/storm/k%d" % (mnt, k))
    except OSError as e:
        print("error", e.errno, flush=True)
        break
    print("ack", k, n, flush=True)
"""


class DaemonCase(unittest.TestCase):
    def setUp(self):
        self.root = os.path.abspath(self.mktemp())
        os.makedirs(self.root)

    def pmxcfs(self):
        proc = PmxcfsProcess(self.root)
        self.addCleanup(proc.cleanup)
        return proc.start()

    def assertStopsOnSigterm(self, proc):
        """SIGTERM shuts down cleanly; twistd then exits by that signal."""
        proc.signal(signal.SIGTERM)
        self.assertIn(proc.wait(10), (0, -signal.SIGTERM))
        log = "".join(proc.output)
        self.assertIn("unmounted %s" % proc.mountpoint, log)
        self.assertIn("Server Shut Down", log)

    def assertUnmounted(self, proc):
        self.assertIsNone(mount.mount_of(proc.mountpoint),
                          "still mounted; log:\n" + "".join(proc.output))


class StopTests(DaemonCase):
    def test_sigterm_unmounts_and_keeps_data(self):
        proc = self.pmxcfs()
        with open(os.path.join(proc.mountpoint, "storage.cfg"), "wb") as f:
            f.write(b"dir: local\n\tpath /var/lib/vz\n")
        self.assertStopsOnSigterm(proc)
        self.assertUnmounted(proc)
        cfs = ConfigFS.open(paths.Paths(self.root), "n1")
        self.addCleanup(cfs.close)
        self.assertEqual(cfs.read("storage.cfg"),
                         b"dir: local\n\tpath /var/lib/vz\n")

    def test_sigterm_with_busy_mount(self):
        proc = self.pmxcfs()
        # a process living inside the mount and a file held open
        busy = subprocess.Popen(["sleep", "600"], cwd=proc.mountpoint)
        self.addCleanup(busy.wait)
        self.addCleanup(busy.kill)
        held = open(os.path.join(proc.mountpoint, "open.cfg"), "wb")
        self.assertStopsOnSigterm(proc)
        self.assertUnmounted(proc)
        try:
            held.close()
        except OSError:
            pass

    def test_kill9_leaves_stale_mount_cleaned_at_start(self):
        proc = self.pmxcfs()
        with open(os.path.join(proc.mountpoint, "keep"), "wb") as f:
            f.write(b"kept")
        proc.kill()
        e = self.assertRaises(OSError, os.listdir, proc.mountpoint)
        self.assertEqual(e.errno, errno.ENOTCONN)
        again = self.pmxcfs()
        with open(os.path.join(again.mountpoint, "keep"), "rb") as f:
            self.assertEqual(f.read(), b"kept")
        self.assertIn("cleaning up stale mount", "".join(again.output))
        mounts = [m for m in mount.mounts() if m[0] == again.mountpoint]
        self.assertEqual(len(mounts), 1)

    def test_second_instance_refused(self):
        proc = self.pmxcfs()
        second = PmxcfsProcess(self.root)
        self.addCleanup(second.cleanup)
        self.assertRaises(AssertionError, second.start, 30)
        self.assertNotEqual(second.proc.wait(10), 0)
        self.assertIn("another instance is running", "".join(second.output))
        self.assertIn("nodes", os.listdir(proc.mountpoint))


class DatabaseTests(DaemonCase):
    def test_corrupt_database_stops_start(self):
        p = paths.Paths(self.root)
        cfs = ConfigFS.open(p, "n1")
        for i in range(100):
            cfs.write_file("f%d" % i, b"x" * 4000)
        cfs.close()
        with open(p.config_db, "r+b") as f:
            f.seek(8192)
            f.write(b"\x00garbage\xff" * 1000)
        with open(p.config_db, "rb") as f:
            before = f.read()
        proc = PmxcfsProcess(self.root)
        self.addCleanup(proc.cleanup)
        self.assertRaises(AssertionError, proc.start, 30)
        self.assertEqual(proc.proc.wait(10), 1)
        log = "".join(proc.output)
        self.assertIn("pmxcfs: database %s" % p.config_db, log)
        self.assertIn("integrity check", log)
        self.assertIsNone(mount.mount_of(proc.mountpoint))
        with open(p.config_db, "rb") as f:
            self.assertEqual(f.read(), before)

    def test_backup_at_each_start(self):
        proc = self.pmxcfs()
        with open(os.path.join(proc.mountpoint, "user.cfg"), "wb") as f:
            f.write(b"user:root@pam:1:0:::::\n")
        proc.signal(signal.SIGTERM)
        proc.wait(10)
        self.pmxcfs()
        backups = os.listdir(paths.Paths(self.root).config_db_backup_dir)
        self.assertTrue(backups)
        self.assertTrue(all(b.startswith("config-") and b.endswith(".sql.gz")
                            for b in backups), backups)


class CrashTests(DaemonCase):
    """Acknowledged writes survive ``kill -9`` at any moment."""

    rounds = 10

    def run_writer(self, mnt, seed, start, kill_after, proc):
        writer = subprocess.Popen(
            [sys.executable, "-c", WRITER, mnt, str(seed), str(start)],
            stdout=subprocess.PIPE)
        self.addCleanup(writer.wait)
        self.addCleanup(writer.kill)
        acked, tried, acks = {}, None, 0
        for line in writer.stdout:
            word, *rest = line.split()
            if word == b"try":
                tried = (int(rest[0]), int(rest[1]))
            elif word == b"ack":
                acked[int(rest[0])] = int(rest[1])
                tried = None
                acks += 1
                if acks == kill_after:
                    proc.kill()
            elif word == b"error":
                break
        writer.wait()
        return acked, tried

    def test_write_storm_with_kills(self):
        rng = random.Random(20261127)
        acked = {}
        n = 0
        proc = self.pmxcfs()
        os.mkdir(os.path.join(proc.mountpoint, "storm"))
        for round in range(self.rounds):
            new, tried = self.run_writer(proc.mountpoint, rng.randrange(10**6),
                                         n, rng.randrange(20, 300), proc)
            acked.update(new)
            n += 10000
            proc = self.pmxcfs()
            storm = os.path.join(proc.mountpoint, "storm")
            for k, value in acked.items():
                with open(os.path.join(storm, "k%d" % k), "rb") as f:
                    data = f.read()
                if tried is not None and tried[0] == k:
                    # the write in flight may or may not have landed
                    allowed = {b"", value, tried[1]}
                    first = int(data.split(b"\n")[0].split(b":")[1]) \
                        if data else b""
                    self.assertIn(first, allowed, "key %d" % k)
                    if data:
                        acked[k] = first
                    continue
                lines = data.split(b"\n")[:-1]
                self.assertTrue(lines, "key %d lost its data" % k)
                self.assertEqual(set(lines),
                                 {b"%d:%d" % (k, value)},
                                 "key %d: acknowledged write %d lost"
                                 % (k, value))
        self.assertGreater(len(acked), 10)
