#!/usr/bin/env python3
"""Filesystem benchmark: our pmxcfs against tmpfs and a minimal llfuse fs.

Runs, single-threaded and with several threads, the operations

  create     create a new file, write 1 KiB, close
  overwrite  open an existing file with O_TRUNC, write 1 KiB, close
  read       open a 4 KiB file, read 4 KiB, close
  stat       stat() a file
  readdir    list a directory of 1000 entries (one listing is one op)
  rename     rename a file (back and forth)
  mkdir      mkdir + rmdir of a directory

against three targets side by side:

  pmxcfs     our mount: ``twistd -n --pidfile= pmxcfs --local``, with
             PVE_ROOT=<tmp>/root PVE_NODENAME=bench
  tmpfs      a tmpfs mounted for the run (the kernel without FUSE)
  minimal    benchmarks/minimal_fuse.py: a dict-backed llfuse filesystem,
             the ceiling for any Python FUSE daemon

and prints ops/s, p50 and p99 latency (microseconds), our rate as a
percentage of the minimal llfuse rate (target: at least 70% for every
single-threaded operation), the baseline of Proxmox's C pmxcfs, the RSS of
our pmxcfs before and after the run, how long our pmxcfs takes to unmount
and exit on SIGTERM (target: 2 s), and the size of its config.db once the
benchmark's files are deleted.  Each operation runs ``--rounds`` times per
target, the targets in rotating order, and the median round is reported.

Must run as root (it mounts a tmpfs).  Example::

    /usr/bin/python3 benchmarks/fs.py
    /usr/bin/python3 benchmarks/fs.py --seconds 0.5 --only read,stat
    /usr/bin/python3 benchmarks/fs.py --ops 2000 --threads 1 --json out.json
"""

import argparse
import gc
import json
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

from benchlib import BenchError, log_tail, mount_type, teardown, wait_for

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

KIB = 1024
READDIR_ENTRIES = 1000
CREATE_BATCH = 1000       # files per thread before an (untimed) cleanup
TARGET_RATIO = 70.0       # ours/minimal %, single-threaded
DEFAULT_SECONDS = 1.0
DEFAULT_ROUNDS = 3
MOUNT_DEADLINE = 20.0
OURS_DEADLINE = 60.0

TWISTD_MAIN = ("import sys; sys.argv[0] = 'twistd'; "
               "from twisted.scripts.twistd import run; run()")

TARGET_ORDER = ("pmxcfs", "tmpfs", "minimal")

# From the issue: Proxmox's C pmxcfs on this kind of machine.
BASELINE_C = {
    ("read", 1): 16900,
    ("create", 1): 6800,
    ("overwrite", 1): 9800,
    ("read", 4): 41600,
}
BASELINE_NOTES = [
    "Proxmox's C pmxcfs, single-threaded: ~16,900 reads/s, ~6,800 creates/s,"
    " ~9,800 overwrites/s",
    "reads with 4 threads: ~41,600/s in C; llfuse's global lock held Python"
    " at ~20,000/s",
]


def rss_kib(pid):
    """VmRSS and VmHWM of *pid* in KiB (None if unknown)."""
    values = {"VmRSS": None, "VmHWM": None}
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in values:
                    values[key] = int(rest.split()[0])
    except (OSError, ValueError):
        pass
    return values


class Environment:
    """The temp dir, the mounts and the daemons; ``close()`` undoes it all."""

    def __init__(self, args):
        self.args = args
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="pmxcfs-bench-"))
        self.procs = []          # (name, Popen), started in order
        self.targets = {}        # name -> benchmark base directory
        self.pids = {}           # name -> daemon pid
        self.logs = {}

    # -- targets --------------------------------------------------------

    def start_tmpfs(self):
        mnt = os.path.join(self.tmp, "tmpfs")
        os.mkdir(mnt)
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512m,mode=0755",
                        "bench-tmpfs", mnt], check=True)
        wait_for(lambda: mount_type(mnt) == "tmpfs", "tmpfs", MOUNT_DEADLINE)
        self.targets["tmpfs"] = self._bench_dir(mnt)

    def start_minimal(self):
        mnt = os.path.join(self.tmp, "minimal")
        os.mkdir(mnt)
        log = os.path.join(self.tmp, "minimal_fuse.log")
        cmd = [self.args.python, os.path.join(HERE, "minimal_fuse.py"), mnt]
        cmd += ["--workers", str(self.args.minimal_workers)]
        proc = self._spawn("minimal", cmd, log)
        wait_for(lambda: (mount_type(mnt) or "").startswith("fuse"),
                 "minimal_fuse", MOUNT_DEADLINE, proc, log)
        self.targets["minimal"] = self._bench_dir(mnt)

    def start_ours(self):
        root = os.path.join(self.tmp, "root")
        os.mkdir(root)
        etc_pve = os.path.join(root, "etc", "pve")
        log = os.path.join(self.tmp, "pmxcfs.log")
        env = dict(os.environ)
        env["PVE_ROOT"] = root
        env["PVE_NODENAME"] = "bench"
        env["PYTHONPATH"] = os.pathsep.join(
            [REPO] + [p for p in env.get("PYTHONPATH", "").split(os.pathsep)
                      if p])
        # "python -m twisted.scripts.twistd" would be the obvious spelling,
        # but that module has no __main__ block (Twisted 22.4 exits 0 doing
        # nothing), so call its run() the way the twistd script does.
        cmd = [self.args.python, "-c", TWISTD_MAIN, "-n", "--pidfile=",
               "pmxcfs", "--local"]
        if self.args.ours_workers is not None:
            cmd += ["--workers", str(self.args.ours_workers)]
        proc = self._spawn("pmxcfs", cmd, log, env=env, cwd=REPO)
        members = os.path.join(etc_pve, ".members")

        def ready():
            if not (mount_type(etc_pve) or "").startswith("fuse"):
                return False
            with open(members, "rb") as f:
                f.read()
            return True

        wait_for(ready, "pmxcfs (twistd %s)" % " ".join(cmd[3:]),
                 OURS_DEADLINE, proc, log)
        self.targets["pmxcfs"] = self._bench_dir(etc_pve)

    def db_size(self):
        """Bytes of our config.db and its WAL and redo files."""
        lib = os.path.join(self.tmp, "root", "var", "lib", "pve-cluster")
        sizes = {}
        for name in ("config.db", "config.db-wal", "config.redo"):
            try:
                sizes[name] = os.path.getsize(os.path.join(lib, name))
            except OSError:
                sizes[name] = 0
        return sizes

    def stop_ours(self):
        """SIGTERM our pmxcfs; how long until it exited and unmounted,
        and config.db's size before and after (deleted files reclaimed)."""
        proc = dict(self.procs).get("pmxcfs")
        if proc is None or proc.poll() is not None:
            return None
        etc_pve = os.path.join(self.tmp, "root", "etc", "pve")
        before = self.db_size()
        t0 = time.monotonic()
        proc.send_signal(signal.SIGTERM)
        unmounted = None
        while proc.poll() is None and time.monotonic() - t0 < 10:
            if unmounted is None and mount_type(etc_pve) is None:
                unmounted = time.monotonic() - t0
            time.sleep(0.001)
        exited = time.monotonic() - t0 if proc.poll() is not None else None
        if unmounted is None and mount_type(etc_pve) is None:
            unmounted = exited
        return {"unmounted_s": unmounted, "exited_s": exited,
                "db_before": before, "db_after": self.db_size()}

    def _spawn(self, name, cmd, log, env=None, cwd=None):
        self.logs[name] = log
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    env=env, cwd=cwd,
                                    start_new_session=True)
        self.procs.append((name, proc))
        self.pids[name] = proc.pid
        return proc

    @staticmethod
    def _bench_dir(mnt):
        path = os.path.join(mnt, "bench")
        os.mkdir(path)
        return path

    # -- teardown -------------------------------------------------------

    def close(self):
        teardown(self.procs, self.tmp, self.args.keep)


# ---------------------------------------------------------------------------
# operations
#
# Each operation has per-thread ``prepare(d)`` (untimed), ``make(d)``
# returning the timed callable ``op(i)``, optional ``check(d, n)`` (after
# warm-up) and ``cleanup(d, n)`` after each round, all untimed.  ``batch``
# limits the ops per thread and round (for ops that accumulate files).

PAYLOAD_1K = b"p" * KIB
PAYLOAD_4K = b"r" * (4 * KIB)


def write_file(path, data):
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    try:
        os.write(fd, data)
    finally:
        os.close(fd)


def read_file(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        return os.read(fd, 1 << 20)
    finally:
        os.close(fd)


def expect(cond, message):
    if not cond:
        raise BenchError("check failed: %s" % message)


class Create:
    name = "create"
    title = "create+write 1 KiB"
    batch = CREATE_BATCH

    def __init__(self):
        self.paths = {}

    def prepare(self, d):
        self.paths[d] = [os.path.join(d, "c%d" % i) for i in range(self.batch)]

    def make(self, d):
        paths = self.paths[d]
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        data = PAYLOAD_1K
        open_, write, close = os.open, os.write, os.close

        def op(i):
            fd = open_(paths[i], flags, 0o640)
            write(fd, data)
            close(fd)
        return op

    def check(self, d, n):
        for path in self.paths[d][:n][:3]:
            expect(read_file(path) == PAYLOAD_1K, "created %s" % path)

    def cleanup(self, d, n):
        for path in self.paths[d][:n]:
            os.unlink(path)


class Overwrite:
    name = "overwrite"
    title = "overwrite 1 KiB"
    batch = None

    def prepare(self, d):
        write_file(os.path.join(d, "o"), b"x" * KIB)

    def make(self, d):
        path = os.path.join(d, "o")
        flags = os.O_WRONLY | os.O_TRUNC | os.O_CLOEXEC
        data = PAYLOAD_1K
        open_, write, close = os.open, os.write, os.close

        def op(i):
            fd = open_(path, flags)
            write(fd, data)
            close(fd)
        return op

    def check(self, d, n):
        expect(read_file(os.path.join(d, "o")) == PAYLOAD_1K, "overwrite")


class Read:
    name = "read"
    title = "read 4 KiB"
    batch = None

    def prepare(self, d):
        write_file(os.path.join(d, "r"), PAYLOAD_4K)

    def make(self, d):
        path = os.path.join(d, "r")
        flags = os.O_RDONLY | os.O_CLOEXEC
        open_, read, close = os.open, os.read, os.close

        def op(i):
            fd = open_(path, flags)
            read(fd, 4096)
            close(fd)
        return op

    def check(self, d, n):
        expect(read_file(os.path.join(d, "r")) == PAYLOAD_4K, "read")


class Stat:
    name = "stat"
    title = "stat"
    batch = None

    def prepare(self, d):
        write_file(os.path.join(d, "s"), PAYLOAD_1K)

    def make(self, d):
        path = os.path.join(d, "s")
        stat = os.stat

        def op(i):
            stat(path)
        return op

    def check(self, d, n):
        expect(os.stat(os.path.join(d, "s")).st_size == KIB, "stat size")


class Readdir:
    name = "readdir"
    title = "readdir 1000 entries"
    batch = None

    def prepare(self, d):
        sub = os.path.join(d, "dir")
        os.mkdir(sub)
        for i in range(READDIR_ENTRIES):
            os.close(os.open(os.path.join(sub, "e%04d" % i),
                             os.O_WRONLY | os.O_CREAT, 0o640))

    def make(self, d):
        sub = os.path.join(d, "dir")
        listdir = os.listdir

        def op(i):
            listdir(sub)
        return op

    def check(self, d, n):
        names = os.listdir(os.path.join(d, "dir"))
        expect(len(names) == READDIR_ENTRIES,
               "readdir listed %d entries" % len(names))


class Rename:
    name = "rename"
    title = "rename"
    batch = None

    def prepare(self, d):
        write_file(os.path.join(d, "a"), PAYLOAD_1K)

    def make(self, d):
        a, b = os.path.join(d, "a"), os.path.join(d, "b")
        if not os.path.exists(a):
            a, b = b, a
        pair = [a, b]
        rename = os.rename

        def op(i):
            rename(pair[0], pair[1])
            pair.reverse()
        return op

    def check(self, d, n):
        names = sorted(os.listdir(d))
        expect(names in (["a"], ["b"]), "rename left %r" % names)


class MkdirRmdir:
    name = "mkdir"
    title = "mkdir+rmdir"
    batch = None

    def prepare(self, d):
        pass

    def make(self, d):
        path = os.path.join(d, "m")
        mkdir, rmdir = os.mkdir, os.rmdir

        def op(i):
            mkdir(path, 0o755)
            rmdir(path)
        return op

    def check(self, d, n):
        expect(os.listdir(d) == [], "mkdir+rmdir left %r" % os.listdir(d))


OPERATIONS = [Create, Overwrite, Read, Stat, Readdir, Rename, MkdirRmdir]


# ---------------------------------------------------------------------------
# running


class Result:
    def __init__(self, ops, wall_ns, latencies):
        self.ops = ops
        self.wall_ns = wall_ns
        latencies.sort()
        self.p50_us = percentile(latencies, 50) / 1000.0
        self.p99_us = percentile(latencies, 99) / 1000.0
        self.rate = ops / (wall_ns / 1e9) if wall_ns else 0.0

    def as_dict(self):
        return {"ops": self.ops, "wall_s": round(self.wall_ns / 1e9, 4),
                "ops_per_s": round(self.rate, 1),
                "p50_us": round(self.p50_us, 2),
                "p99_us": round(self.p99_us, 2)}


def percentile(sorted_values, pct):
    if not sorted_values:
        return 0
    k = max(0, min(len(sorted_values) - 1,
                   int(round(pct / 100.0 * len(sorted_values) + 0.5)) - 1))
    return sorted_values[k]


class Workers:
    """*n* threads, each running rounds of one operation in its own dir."""

    def __init__(self, operation, dirs, barrier_timeout):
        self.operation = operation
        self.dirs = dirs
        self.n = len(dirs)
        self.timeout = barrier_timeout
        self.start = threading.Barrier(self.n + 1)
        self.timed = threading.Barrier(self.n + 1)
        self.done = threading.Barrier(self.n + 1)
        self.stop = False
        self.round = None          # (count, duration_ns or None, check)
        self.stats = [None] * self.n
        self.errors = []
        self.threads = [threading.Thread(target=self._run, args=(i,),
                                         name="bench-%d" % i, daemon=True)
                        for i in range(self.n)]
        for t in self.threads:
            t.start()

    def _run(self, idx):
        d = self.dirs[idx]
        operation = self.operation
        pc = time.perf_counter_ns
        try:
            operation.prepare(d)
            op = operation.make(d)
            while True:
                self.start.wait()
                if self.stop:
                    return
                count, duration_ns, check = self.round
                lat = []
                append = lat.append
                n = 0
                t0 = pc()
                if duration_ns is None:
                    for n in range(count):
                        a = pc()
                        op(n)
                        append(pc() - a)
                    n = count
                else:
                    end = t0 + duration_ns
                    while n < count:
                        a = pc()
                        op(n)
                        b = pc()
                        append(b - a)
                        n += 1
                        if b >= end:
                            break
                t1 = pc()
                self.stats[idx] = (t0, t1, n, lat)
                self.timed.wait()
                if check:
                    operation.check(d, n)
                if getattr(operation, "cleanup", None):
                    operation.cleanup(d, n)
                self.done.wait()
        except threading.BrokenBarrierError:
            pass
        except BaseException as e:  # noqa: B902 - reported by the main thread
            self.errors.append((d, e))
            for b in (self.start, self.timed, self.done):
                b.abort()

    def run_round(self, count, duration_ns, check=False):
        self.round = (count, duration_ns, check)
        self.stats = [None] * self.n
        try:
            self.start.wait(self.timeout)
            self.timed.wait(self.timeout)
            stats = list(self.stats)
            self.done.wait(self.timeout)
        except threading.BrokenBarrierError:
            self._raise("stopped or hung")
        wall = max(s[1] for s in stats) - min(s[0] for s in stats)
        ops = sum(s[2] for s in stats)
        lat = []
        for s in stats:
            lat.extend(s[3])
        return ops, wall, lat

    def _raise(self, what):
        if self.errors:
            d, e = self.errors[0]
            raise BenchError("%s in %s: %s: %s" % (
                self.operation.name, d, type(e).__name__, e)) from e
        raise BenchError("%s: workers %s (no progress within %.0f s)"
                         % (self.operation.name, what, self.timeout))

    def close(self, ok=True):
        """Stop the threads; after a failure just abort (they are daemons,
        and one may be stuck in a dead mount)."""
        self.stop = True
        if ok and not self.errors:
            try:
                self.start.wait(self.timeout)
            except threading.BrokenBarrierError:
                pass
        else:
            for b in (self.start, self.timed, self.done):
                b.abort()
        for t in self.threads:
            t.join(self.timeout if ok else 1.0)


def measure(operation_cls, base, threads, args):
    """Run one operation with *threads* threads below *base*: a Result."""
    top = os.path.join(base, "%s-t%d" % (operation_cls.name, threads))
    os.mkdir(top)
    dirs = []
    for i in range(threads):
        d = os.path.join(top, "w%d" % i)
        os.mkdir(d)
        dirs.append(d)
    operation = operation_cls()
    batch = operation.batch or (1 << 62)
    timeout = max(120.0, 20 * args.seconds)
    workers = Workers(operation, dirs, timeout)
    gc_was_enabled = gc.isenabled()
    ok = False
    try:
        # Warm-up (and a correctness check), not counted.
        if args.ops:
            workers.run_round(min(batch, max(1, args.ops // 10), 500), None,
                              check=True)
        else:
            workers.run_round(batch, int(args.warmup * 1e9), check=True)

        total_ops = 0
        total_wall = 0
        latencies = []
        gc.collect()
        gc.disable()
        if args.ops:
            remaining = args.ops
            while remaining > 0:
                count = min(batch, remaining)
                ops, wall, lat = workers.run_round(count, None)
                remaining -= count
                total_ops += ops
                total_wall += wall
                latencies.extend(lat)
        else:
            budget = int(args.seconds * 1e9)
            while total_wall < budget:
                ops, wall, lat = workers.run_round(batch, budget - total_wall)
                total_ops += ops
                total_wall += wall
                latencies.extend(lat)
        ok = True
    finally:
        if gc_was_enabled:
            gc.enable()
        workers.close(ok)
    shutil.rmtree(top)
    return Result(total_ops, total_wall, latencies)


# ---------------------------------------------------------------------------
# output


def fmt_rate(r):
    return "%.0f" % r if r is not None else "-"


def fmt_us(v):
    if v is None:
        return "-"
    return "%.1f" % v if v < 100 else "%.0f" % v


def render_table(rows, targets):
    head1 = ["", ""]
    head2 = ["op", "thr"]
    for t in targets:
        head1 += [t, "", ""]
        head2 += ["ops/s", "p50us", "p99us"]
    head1 += ["ours/min", "", "C pmxcfs"]
    head2 += ["%", "vs 70%", "ops/s"]
    body = []
    for row in rows:
        line = [row["op"], str(row["threads"])]
        for t in targets:
            r = row["targets"].get(t)
            if r is None:
                line += ["-", "-", "-"]
            else:
                line += [fmt_rate(r["ops_per_s"]), fmt_us(r["p50_us"]),
                         fmt_us(r["p99_us"])]
        pct = row.get("ours_vs_minimal_pct")
        line.append("%.0f%%" % pct if pct is not None else "-")
        line.append(row.get("verdict") or "")
        base = row.get("baseline_c_ops_per_s")
        line.append("{:,}".format(base) if base else "")
        body.append(line)
    all_lines = [head1, head2] + body
    widths = [max(len(l[i]) for l in all_lines) for i in range(len(head2))]
    out = []
    for n, l in enumerate(all_lines):
        cells = []
        for i, c in enumerate(l):
            cells.append(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]))
        # group separators between targets
        text = ""
        for i, c in enumerate(cells):
            sep = " | " if i >= 2 and (i - 2) % 3 == 0 else "  "
            text += (sep if i else "") + c
        out.append(text.rstrip())
        if n == 1:
            out.append("-" * len(out[-1]))
    return "\n".join(out)


def machine_info():
    cpu = ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cpu": cpu, "cpus": os.cpu_count(), "kernel": platform.release(),
            "python": platform.python_version()}


# ---------------------------------------------------------------------------
# main


def parse_args(argv):
    p = argparse.ArgumentParser(
        description="Benchmark our pmxcfs against tmpfs and a minimal "
                    "llfuse filesystem.")
    p.add_argument("--ops", type=int, default=None,
                   help="fixed number of ops per thread and operation "
                        "(default: a time budget, see --seconds)")
    p.add_argument("--seconds", type=float, default=DEFAULT_SECONDS,
                   help="measured time per operation, thread count and "
                        "target (default %(default)s)")
    p.add_argument("--rounds", type=int, default=DEFAULT_ROUNDS,
                   help="rounds per operation; the median round of each "
                        "target is reported (default %(default)s)")
    p.add_argument("--warmup", type=float, default=None,
                   help="warm-up seconds before each measurement "
                        "(default: a fifth of --seconds, at most 0.3)")
    p.add_argument("--threads", default="1,4",
                   help="comma-separated thread counts (default %(default)s)")
    p.add_argument("--only", default=None,
                   help="comma-separated operations to run, of: %s"
                        % ", ".join(o.name for o in OPERATIONS))
    p.add_argument("--skip-ours", action="store_true",
                   help="do not start our pmxcfs (benchmark tmpfs and "
                        "minimal_fuse only)")
    p.add_argument("--minimal-workers", type=int, default=None,
                   help="llfuse worker threads of minimal_fuse, 0 for "
                        "llfuse's choice (default: --ours-workers if given, "
                        "else 1 like twistd pmxcfs)")
    p.add_argument("--ours-workers", type=int, default=None,
                   help="pass --workers N to twistd pmxcfs (default: not "
                        "passed, its own default)")
    p.add_argument("--python", default=sys.executable,
                   help="interpreter for minimal_fuse and pmxcfs "
                        "(default: this one, %(default)s)")
    p.add_argument("--json", metavar="FILE", default=None,
                   help="also write the results as JSON to FILE")
    p.add_argument("--keep", action="store_true",
                   help="keep the temp dir (logs) after the run")
    p.add_argument("--check", action="store_true",
                   help="exit with status 3 if a single-threaded op is "
                        "below %d%%%% of minimal_fuse" % TARGET_RATIO)
    args = p.parse_args(argv)
    try:
        args.thread_counts = [int(x) for x in args.threads.split(",") if x]
    except ValueError:
        p.error("--threads: comma-separated integers expected")
    if not args.thread_counts or min(args.thread_counts) < 1:
        p.error("--threads: positive integers expected")
    names = {o.name: o for o in OPERATIONS}
    if args.only:
        wanted = [x.strip() for x in args.only.split(",") if x.strip()]
        unknown = [x for x in wanted if x not in names]
        if unknown:
            p.error("--only: unknown operation(s) %s (choose from %s)"
                    % (", ".join(unknown), ", ".join(names)))
        args.operations = [o for o in OPERATIONS if o.name in wanted]
    else:
        args.operations = list(OPERATIONS)
    if args.ops is not None and args.ops < 1:
        p.error("--ops must be positive")
    if args.seconds <= 0:
        p.error("--seconds must be positive")
    if args.rounds < 1:
        p.error("--rounds must be at least 1")
    if args.minimal_workers is None:
        args.minimal_workers = args.ours_workers or 1
    if args.warmup is None:
        args.warmup = min(0.3, args.seconds / 5)
    return args


def _sigterm(signum, frame):
    raise KeyboardInterrupt("signal %d" % signum)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if os.geteuid() != 0:
        print("fs.py: must run as root (mounts a tmpfs, FUSE allow_other)",
              file=sys.stderr)
        return 2
    # SIGINT explicitly too: a shell starts background jobs with it ignored.
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, _sigterm)

    env = Environment(args)
    rows = []
    rss = {}
    started = time.monotonic()
    try:
        if not args.skip_ours:
            try:
                env.start_ours()
            except BenchError as e:
                raise BenchError(
                    "could not start our pmxcfs: %s\n(is the pmxcfs twistd "
                    "plugin, twisted/plugins/pve_plugins.py, there and "
                    "working?  Use --skip-ours to benchmark only tmpfs and "
                    "minimal_fuse.)" % e) from None
        env.start_tmpfs()
        env.start_minimal()
        targets = [t for t in TARGET_ORDER if t in env.targets]
        for name in ("pmxcfs", "minimal"):
            if name in env.pids:
                rss.setdefault(name, {})["before"] = rss_kib(env.pids[name])

        for operation in args.operations:
            for threads in args.thread_counts:
                row = {"op": operation.name, "title": operation.title,
                       "threads": threads, "targets": {}}
                # several rounds, the targets in turn and in a rotating
                # order, so a slow spell of the machine hits all of them;
                # each target's median round is reported
                results = {t: [] for t in targets}
                for rnd in range(args.rounds):
                    shift = rnd % len(targets)
                    for target in targets[shift:] + targets[:shift]:
                        res = measure(operation, env.targets[target],
                                      threads, args)
                        results[target].append(res)
                        print("  %-9s t=%d %-8s round %d %9.0f ops/s  "
                              "p50 %7.1f us  p99 %8.1f us"
                              % (operation.name, threads, target, rnd + 1,
                                 res.rate, res.p50_us, res.p99_us),
                              file=sys.stderr, flush=True)
                for target in targets:
                    ordered = sorted(results[target], key=lambda r: r.rate)
                    res = ordered[len(ordered) // 2]
                    row["targets"][target] = dict(
                        res.as_dict(),
                        rounds=[round(r.rate, 1) for r in results[target]])
                ours = row["targets"].get("pmxcfs")
                mini = row["targets"].get("minimal")
                if ours and mini and mini["ops_per_s"]:
                    pct = 100.0 * ours["ops_per_s"] / mini["ops_per_s"]
                    row["ours_vs_minimal_pct"] = round(pct, 1)
                    if threads == 1:
                        row["verdict"] = ("PASS" if pct >= TARGET_RATIO
                                          else "FAIL")
                base = BASELINE_C.get((operation.name, threads))
                if base:
                    row["baseline_c_ops_per_s"] = base
                rows.append(row)
                for name in ("pmxcfs", "minimal"):
                    if name in env.pids:
                        rss[name].setdefault("timeline", []).append(
                            [operation.name, threads,
                             rss_kib(env.pids[name])["VmRSS"]])
        for name in ("pmxcfs", "minimal"):
            if name in env.pids:
                rss[name]["after"] = rss_kib(env.pids[name])
                proc = dict(env.procs)[name]
                if proc.poll() is not None:
                    raise BenchError("%s exited during the benchmark "
                                     "(status %s)%s" % (
                                         name, proc.returncode,
                                         log_tail(env.logs.get(name))))
        stop = env.stop_ours()
    except BenchError as e:
        print("fs.py: error: %s" % e, file=sys.stderr)
        env.close()
        return 1
    except KeyboardInterrupt:
        print("fs.py: interrupted, cleaning up", file=sys.stderr)
        env.close()
        return 130
    except BaseException:
        env.close()
        raise
    env.close()
    elapsed = time.monotonic() - started

    info = machine_info()
    mode = ("%d ops per thread" % args.ops if args.ops
            else "%.2g s per measurement" % args.seconds)
    print()
    print("Filesystem benchmark: %s (%d CPUs), kernel %s, Python %s; %s; "
          "total %.0f s" % (info["cpu"] or "?", info["cpus"], info["kernel"],
                            info["python"], mode, elapsed))
    print("ops/s = total ops / wall time; p50/p99 = per-op latency in "
          "microseconds")
    print()
    print(render_table(rows, targets))
    print()
    singles = [r for r in rows if r.get("verdict")]
    failed = [r["op"] for r in singles if r["verdict"] == "FAIL"]
    if singles:
        print("Target: every single-threaded op at least %d%% of "
              "minimal_fuse: %s" % (TARGET_RATIO, "FAIL (%s)" % ", ".join(
                  failed) if failed else "PASS"))
    elif "pmxcfs" not in targets:
        print("Target (ours >= %d%% of minimal_fuse, single-threaded): not "
              "measured (--skip-ours)" % TARGET_RATIO)
    print()
    print("Baseline from the issue, for scale:")
    for note in BASELINE_NOTES:
        print("  " + note)
    if rss:
        print()
        for name, v in rss.items():
            b = v.get("before", {}).get("VmRSS")
            a = v.get("after", {}).get("VmRSS")
            hwm = v.get("after", {}).get("VmHWM")
            if b is None or a is None:
                continue
            print("RSS %-8s (pid %d): before %.1f MiB, after %.1f MiB "
                  "(%+.1f MiB), peak %.1f MiB" % (
                      name, env.pids[name], b / 1024.0, a / 1024.0,
                      (a - b) / 1024.0, (hwm or 0) / 1024.0))
            steps = ["%.1f" % (b / 1024.0)]
            for op, threads, kib in v.get("timeline", []):
                if kib is not None:
                    steps.append("%s/%d %.1f" % (op, threads, kib / 1024.0))
            print("    MiB after each op: %s" % ", ".join(steps))

    if stop:
        def mib(sizes):
            return "%.2f MiB (%s)" % (sum(sizes.values()) / 1048576.0,
                                      ", ".join("%s %d KiB" % (k, v // 1024)
                                                for k, v in sizes.items()))
        print()
        print("pmxcfs stop on SIGTERM: unmounted after %s, exited after %s "
              "(target: within 2 s)" % (
                  "%.0f ms" % (stop["unmounted_s"] * 1000)
                  if stop["unmounted_s"] is not None else "never",
                  "%.0f ms" % (stop["exited_s"] * 1000)
                  if stop["exited_s"] is not None else "never"))
        print("config.db with every benchmark file deleted: %s while "
              "running, %s after stop" % (mib(stop["db_before"]),
                                          mib(stop["db_after"])))

    if args.json:
        doc = {
            "stop": stop,
            "machine": info,
            "settings": {"ops": args.ops, "seconds": args.seconds,
                         "warmup": args.warmup,
                         "threads": args.thread_counts,
                         "operations": [o.name for o in args.operations],
                         "targets": targets,
                         "minimal_workers": args.minimal_workers,
                         "ours_workers": args.ours_workers},
            "results": rows,
            "target_ratio_pct": TARGET_RATIO,
            "target_met": (not failed) if singles else None,
            "baseline_c": [{"op": op, "threads": t, "ops_per_s": v}
                           for (op, t), v in BASELINE_C.items()],
            "baseline_notes": BASELINE_NOTES,
            "rss_kib": {name: {"pid": env.pids[name], **v}
                        for name, v in rss.items()},
            "elapsed_s": round(elapsed, 1),
        }
        with open(args.json, "w") as f:
            json.dump(doc, f, indent=2)
            f.write("\n")
    if args.check and failed:
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
