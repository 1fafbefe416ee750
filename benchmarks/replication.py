#!/usr/bin/env python3
"""Replication benchmark: a 3-node cluster in network namespaces, for
pmxcfs and for a 3-member etcd, side by side.

Each system gets a fresh cluster on the same layout (tests/netns.py): three
node namespaces on one bridge (itself in a "switch" namespace; nothing is
added to the root namespace), one member per node.  The writers run in this
process, with their sockets inside node 1, and write to the member of
node 1.  The same workload runs against every system:

  latency      W writers (``--writers``, default 1 and 8), each writing
               ``--value-size`` byte values (default 200) to its own keys
               (``--keys`` per writer, cycled), one write at a time, for
               ``--seconds`` after ``--warmup``: p50 and p99 latency of one
               write and the writes per second of all writers together
  cut          ``--cut-writers`` writers (default 8) under steady load; a
               node is cut off the switch for ``--cut-for`` seconds, then
               reconnected.  Reported: the longest pause (the longest time
               in which no writer completed a write, over the whole run),
               when it started (seconds after the cut), the writes that
               failed, and the catch-up time: from the reconnection until
               the returning member has applied what the leader has.
               Two cases (``--cut``): a follower (node 3, or node 2 if 3
               leads) and the leader (moved away from node 1 first if the
               system can, since the writers talk to node 1); each case
               ``--cut-rounds`` times (default 3), median and worst shown,
               as elections are random

How to read the cut figures: the pause counts from the last write that
completed, so it includes a write in flight at the cut that the system only
answers (with an error) after its own request timeout -- for etcd 3.4
that is 7 s (5 s + 2 election timeouts) for a proposal forwarded to a
leader that was cut off; when every writer had one in flight the pause is
those 7 s.  A pause that begins after the heal is the returning node
disrupting the cluster (etcd without pre-vote: its term grew while alone).
The catch-up time includes TCP's retransmission backoff on the peer links
that were cut, as with a real cable.

A system is a backend class (``start``, ``write``, ``cut``, ``heal``,
``caught_up``, ``leader``, ``make_leader``, ``stop``); the workload driver
(:class:`Writers`) knows nothing else of it.

  etcd         Debian's etcd-server 3.4 (``apt-get install etcd-server
               etcd-client``), default settings (``--etcd-pre-vote`` to turn
               on pre-vote), writes through its gRPC gateway:
               ``POST /v3/kv/put`` (JSON, base64), one keep-alive HTTP
               connection per writer
  pmxcfs       ours (``--systems pmxcfs`` runs both columns, each on a
               fresh cluster): one ``twistd -n pmxcfs`` per node
               (benchmarks/pmxcfs_cluster.py), its own PVE_ROOT, its cluster
               link on the node's address, port 5404, the cluster formed as
               ``pvecm create`` / ``pvecm add`` do; node 1 creates it, so
               it leads at first
  pmxcfs-fuse  writes through node 1's FUSE mount: open (O_CREAT|O_TRUNC),
               write, close of ``bench/<tag>/w<w>/k<n>.cfg``, as Proxmox's
               tools write /etc/pve (the truncate and the write are two
               replicated changes)
  pmxcfs-ipc   writes through node 1's IPC socket: the AMP ``Write`` a
               daemon's IPCClient sends (one whole-file change), from a
               small blocking AMP client, one connection per writer

pmxcfs has no leadership transfer a client can ask for: for the leader
case the leader is cut off (no writers running) until the others elect one
of them, then healed, until node 3 leads or at least node 1 no longer does
(PmxcfsBackend.make_leader).  pmxcfs's catch-up also waits for the node's
``.members`` to say quorate.

Must run as root.  Everything is torn down at the end, also on errors and
Ctrl-C / SIGTERM.  Example::

    .venv/bin/python benchmarks/replication.py --systems etcd   # ~2 min
    .venv/bin/python benchmarks/replication.py                  # ~7 min
    .venv/bin/python benchmarks/replication.py --systems pmxcfs-ipc
    .venv/bin/python benchmarks/replication.py --seconds 5 --json out.json
"""

import argparse
import base64
import errno
import http.client
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

import benchlib
from benchlib import BenchError
from api import cpu_seconds, fmt, percentile

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

from tests.netns import Network, NetnsError  # noqa: E402
from pve.cluster import commands  # noqa: E402
from pmxcfs_cluster import (ClusterError, NetControl, PmxcfsCluster,  # noqa: E402
                            RemoteError, SyncIPC)

NODES = 3
CLIENT_NODE = 1            # the writers' sockets live here, they talk to its member
START_DEADLINE = 60.0
CATCH_UP_DEADLINE = 120.0


# ---------------------------------------------------------------------------
# the workload driver


class Writers:
    """*count* threads writing to *backend* until :meth:`stop`.

    Writer *w* writes ``--value-size`` bytes to ``bench/<tag>/w<w>/k<n>``,
    *n* cycling over *keys* keys.  For every write it records (start,
    end, ok) in monotonic seconds; a failed write (any exception from
    ``backend.write``) is recorded and retried with the next key after
    *retry_pause* seconds (so an immediately failing system is not
    hammered in a tight loop).
    """

    def __init__(self, backend, count, value_size=200, keys=100, tag="w",
                 retry_pause=0.01):
        self.backend = backend
        self.count = count
        self.value_size = value_size
        self.keys = keys
        self.tag = tag
        self.retry_pause = retry_pause
        self.records = [[] for _ in range(count)]
        self.failures = [[] for _ in range(count)]
        self._stop = threading.Event()
        self._threads = []

    def _value(self, w, n):
        head = ("%s w%d n%d " % (self.tag, w, n)).encode()
        return (head + b"x" * self.value_size)[:self.value_size]

    def _loop(self, w):
        records, failures = self.records[w], self.failures[w]
        n = 0
        try:
            while not self._stop.is_set():
                key = "bench/%s/w%d/k%d" % (self.tag, w, n % self.keys)
                value = self._value(w, n)
                t0 = time.monotonic()
                try:
                    self.backend.write(key, value)
                except Exception as e:
                    t1 = time.monotonic()
                    records.append((t0, t1, False))
                    failures.append((t1, "%s: %s" % (type(e).__name__, e)))
                    self._stop.wait(self.retry_pause)
                else:
                    records.append((t0, time.monotonic(), True))
                n += 1
        finally:
            self.backend.writer_done()

    def start(self):
        for w in range(self.count):
            t = threading.Thread(target=self._loop, args=(w,), daemon=True,
                                 name="writer-%d" % w)
            t.start()
            self._threads.append(t)
        return self

    def stop(self, deadline=60.0):
        self._stop.set()
        end = time.monotonic() + deadline
        for t in self._threads:
            t.join(max(0.0, end - time.monotonic()))
        stuck = [t.name for t in self._threads if t.is_alive()]
        if stuck:
            raise BenchError("writers still blocked %.0f s after stop: %s"
                             % (deadline, ", ".join(stuck)))

    def all_records(self):
        return [r for rs in self.records for r in rs]

    def window(self, t0, t1):
        """Latencies (ms, sorted) of the successful writes that started and
        ended in [t0, t1], writes/s completed in it, failures in it."""
        recs = self.all_records()
        lat = sorted((e - s) * 1000 for s, e, ok in recs if ok and s >= t0 and e <= t1)
        done = sum(1 for s, e, ok in recs if ok and t0 <= e <= t1)
        failed = sum(1 for s, e, ok in recs if not ok and t0 <= e <= t1)
        return {"writes": done, "failed": failed,
                "per_s": done / (t1 - t0) if t1 > t0 else float("nan"),
                "p50_ms": percentile(lat, 50), "p99_ms": percentile(lat, 99),
                "max_ms": lat[-1] if lat else float("nan")}

    def longest_gap(self, t0, t1):
        """The longest interval in [t0, t1] in which no writer completed a
        write: (length s, start)."""
        ends = sorted(e for s, e, ok in self.all_records() if ok and t0 <= e <= t1)
        marks = [t0] + ends + [t1]
        best, at = 0.0, t0
        for a, b in zip(marks, marks[1:]):
            if b - a > best:
                best, at = b - a, a
        return best, at


# ---------------------------------------------------------------------------
# backends


class Backend:
    """One replicated store on a :class:`tests.netns.Network`.

    ``write`` is called from the writer threads, each with its own
    connection (thread-local), from inside node ``CLIENT_NODE``; the rest
    from the main thread.  Node numbers are 1..3, as in the Network.
    """

    name = None

    def __init__(self, args):
        self.args = args
        self.net = None

    def start(self, net, workdir):
        """Start one member in each node of *net* (``net.run``), form the
        cluster, return once it accepts writes.  Logs go below *workdir*."""
        raise NotImplementedError

    def version(self):
        return ""

    def write(self, key, value):
        """Write *value* (bytes) under *key* (str) through the member of
        node 1; return once the system acknowledged it (committed); raise
        on failure."""
        raise NotImplementedError

    def writer_done(self):
        """The calling writer thread ends: drop its connection."""

    def cut(self, i):
        self.net.cut(i)

    def heal(self, i):
        self.net.heal(i)

    def is_cut(self, i):
        return self.net.is_cut(i)

    def caught_up(self, i):
        """Whether node *i* has applied everything the leader (or the
        majority) had applied when asked."""
        raise NotImplementedError

    def leader(self):
        """The node that leads now, or None (no leader, or no such thing)."""
        return None

    def make_leader(self, i):
        """Move the leadership to node *i* and return once it leads; raise
        NotImplementedError if the system cannot."""
        raise NotImplementedError

    def pids(self):
        """The server processes, for their CPU time."""
        return []

    def logs(self):
        """Log files, shown when something fails."""
        return []

    def stop(self):
        """Stop the members (the Network kills whatever is left)."""


class NSHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection whose socket lives in node *i* of *net*."""

    def __init__(self, net, i, host, port, timeout):
        super().__init__(host, port, timeout=timeout)
        self._create_connection = (
            lambda address, timeout, source=None: net.connect(i, address, timeout))


class EtcdBackend(Backend):
    """A 3-member etcd, written through the gRPC gateway (JSON over HTTP)."""

    name = "etcd"
    CLIENT_PORT = 2379
    PEER_PORT = 2380

    def __init__(self, args):
        super().__init__(args)
        self.procs = {}
        self.log_paths = {}
        self.ids = {}                 # member id (str) -> node
        self._local = threading.local()
        self._admin = {}              # node -> connection to its member, from inside it
        self._writer_conns = []
        self._conns_lock = threading.Lock()

    def version(self):
        out = subprocess.run(["etcd", "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0].replace("etcd Version: ", "etcd ") if out else "etcd"

    def start(self, net, workdir):
        if shutil.which("etcd") is None:
            raise BenchError("etcd is not installed (apt-get install etcd-server)")
        self.net = net
        cluster = ",".join("n%d=http://%s:%d" % (i, net.ip(i), self.PEER_PORT)
                           for i in net.nodes())
        for i in net.nodes():
            ip = net.ip(i)
            argv = ["etcd", "--name", "n%d" % i,
                    "--data-dir", os.path.join(workdir, "n%d.etcd" % i),
                    "--listen-peer-urls", "http://%s:%d" % (ip, self.PEER_PORT),
                    "--initial-advertise-peer-urls", "http://%s:%d" % (ip, self.PEER_PORT),
                    "--listen-client-urls", "http://%s:%d,http://127.0.0.1:%d"
                    % (ip, self.CLIENT_PORT, self.CLIENT_PORT),
                    "--advertise-client-urls", "http://%s:%d" % (ip, self.CLIENT_PORT),
                    "--initial-cluster", cluster, "--initial-cluster-state", "new",
                    "--initial-cluster-token", "bench-%s" % net.prefix,
                    "--logger", "zap", "--log-outputs", "stderr"]
            if self.args.etcd_pre_vote:
                argv.append("--pre-vote")
            log = os.path.join(workdir, "n%d.log" % i)
            self.log_paths[i] = log
            with open(log, "wb") as f:
                self.procs[i] = net.run(i, argv, stdout=f, stderr=subprocess.STDOUT)
        for i in net.nodes():
            try:
                net.wait_port(i, self.CLIENT_PORT, deadline=START_DEADLINE,
                              proc=self.procs[i])
            except NetnsError as e:
                raise BenchError("etcd in node %d: %s%s"
                                 % (i, e, benchlib.log_tail(self.log_paths[i])))
        benchlib.wait_for(lambda: self.leader() is not None, "etcd leader election",
                          START_DEADLINE, log=self.log_paths[1], interval=0.05,
                          errors=(OSError, http.client.HTTPException, BenchError))
        for i in net.nodes():
            self.ids[self.status(i)["header"]["member_id"]] = i
        self.write("bench/ready", b"1")
        self.writer_done()

    # -- HTTP --

    def _request(self, conn, path, body):
        conn.request("POST", path, body=json.dumps(body),
                     headers={"Content-Type": "application/json"})
        resp = conn.getresponse()
        data = resp.read()
        if resp.status != 200:
            raise BenchError("%s: HTTP %d %s" % (path, resp.status,
                                                 data.decode(errors="replace")[:200]))
        return data

    def _admin_call(self, i, path, body=None, timeout=2.0):
        """*path* on node *i*'s member, over 127.0.0.1 inside node *i* (so
        it works while the node is cut off)."""
        conn = self._admin.get(i)
        if conn is None:
            conn = self._admin[i] = NSHTTPConnection(self.net, i, "127.0.0.1",
                                                     self.CLIENT_PORT, timeout)
        try:
            return json.loads(self._request(conn, path, body or {}))
        except (OSError, http.client.HTTPException):
            conn.close()
            del self._admin[i]
            raise

    def status(self, i):
        return self._admin_call(i, "/v3/maintenance/status")

    def write(self, key, value):
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = NSHTTPConnection(
                self.net, CLIENT_NODE, self.net.ip(CLIENT_NODE), self.CLIENT_PORT,
                self.args.write_timeout)
            with self._conns_lock:
                self._writer_conns.append(conn)
        body = {"key": base64.b64encode(key.encode()).decode(),
                "value": base64.b64encode(value).decode()}
        try:
            self._request(conn, "/v3/kv/put", body)
        except (OSError, http.client.HTTPException):
            conn.close()
            self._local.conn = None
            raise

    def writer_done(self):
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    # -- cluster state --

    def _statuses(self):
        found = {}
        for i in self.net.nodes():
            try:
                found[i] = self.status(i)
            except (OSError, http.client.HTTPException, BenchError):
                pass
        return found

    def leader(self):
        """The member that says it leads, in the highest term (a cut-off
        leader may still believe it leads, in an older term)."""
        best = None
        for i, st in self._statuses().items():
            me, lead = st["header"]["member_id"], st.get("leader", "0")
            term = int(st.get("raftTerm", st["header"].get("raft_term", 0)))
            if me == lead and (best is None or term > best[0]):
                best = (term, i)
        return best and best[1]

    def caught_up(self, i):
        lead = self.leader()
        if lead is None:
            return False
        want = int(self.status(lead)["header"]["revision"])
        try:
            st = self.status(i)
        except (OSError, http.client.HTTPException, BenchError):
            return False
        return (int(st["header"]["revision"]) >= want
                and self.ids.get(st.get("leader")) == lead)

    def make_leader(self, i):
        lead = self.leader()
        if lead == i:
            return
        if lead is None:
            raise BenchError("etcd has no leader to move")
        target = [m for m, n in self.ids.items() if n == i][0]
        self._admin_call(lead, "/v3/maintenance/transfer-leadership",
                         {"targetID": target}, timeout=10.0)
        benchlib.wait_for(lambda: self.leader() == i, "etcd leader moved to node %d" % i,
                          30.0, errors=(OSError, http.client.HTTPException, BenchError))

    def pids(self):
        return [p.pid for p in self.procs.values()]

    def logs(self):
        return list(self.log_paths.values())

    def stop(self):
        for conn in list(self._admin.values()) + self._writer_conns:
            conn.close()
        self._admin.clear()
        # killed: the data is thrown away, and a leader sent SIGTERM first
        # tries for seconds to hand its leadership to members going away
        for proc in self.procs.values():
            if proc.poll() is None:
                proc.kill()
        for proc in self.procs.values():
            proc.wait()


class PmxcfsBackend(Backend):
    """Ours: one pmxcfs per node (benchmarks/pmxcfs_cluster.py), written
    through node 1 -- through its FUSE mount (``pmxcfs-fuse``) or its IPC
    socket (``pmxcfs-ipc``), the subclasses below.

    Key ``bench/<tag>/w<w>/k<n>`` is the file ``bench/<tag>/w<w>/k<n>.cfg``
    (its directories made once, before its first write).  ``caught_up(i)``:
    node *i*'s ``.members`` says quorate (it hears from a quorate leader)
    and its mount shows the last write acknowledged so far (that value or
    a later one of the same key).  ``leader()``: the node whose own last
    "leader is X (term T)" cluster-log line names itself, in the highest
    term.  ``make_leader(i)``: pmxcfs has no leadership transfer a client
    can ask for, so the leader is cut off until the others elect one among
    themselves, then healed (with pre-vote it follows the new leader); again
    until *i* leads, at most ``MOVE_ATTEMPTS`` times (then any node but
    node 1 will do).
    """

    name = None
    MOVE_ATTEMPTS = 8
    VALUE_HEAD = re.compile(rb"^(\S+) w(\d+) n(\d+) ")

    def __init__(self, args):
        super().__init__(args)
        self.cluster = None
        self.netctl = None
        self._local = threading.local()
        self._dirs = set()
        self._dirs_lock = threading.Lock()
        self._last = None             # (key, value) of the last acknowledged write

    def version(self):
        def git(*argv):
            return subprocess.run(["git", "-C", REPO] + list(argv),
                                  capture_output=True, text=True).stdout.strip()
        head = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no", "pve")
        return "ours %s%s" % (head, "+" if dirty else "") if head else "ours"

    def start(self, net, workdir):
        self.net = net
        # before any file of a mount is open: see pmxcfs_cluster.NETCTL
        self.netctl = NetControl(net)
        self.cluster = PmxcfsCluster(net, workdir)
        try:
            self.cluster.start(START_DEADLINE)
        except ClusterError as e:
            raise BenchError(str(e))
        self.mount1 = self.cluster.node(CLIENT_NODE).mount
        self.write("bench/ready", b"ready w0 n0 ")
        self.writer_done()

    def _ensure_dir(self, rel):
        if rel in self._dirs:
            return
        with self._dirs_lock:
            if rel in self._dirs:
                return
            self._make_dirs(rel)
            self._dirs.add(rel)

    def write(self, key, value):
        self._write(key, value)
        self._last = (key, value)

    def _write(self, key, value):
        raise NotImplementedError

    def caught_up(self, i):
        node = self.cluster.node(i)
        if not node.quorate():        # it hears from a quorate leader
            return False
        last = self._last
        if last is None:
            return True
        key, value = last
        try:
            with open(os.path.join(node.mount, key + ".cfg"), "rb") as f:
                have = f.read()
        except FileNotFoundError:
            return False
        if have == value:
            return True
        want, got = self.VALUE_HEAD.match(value), self.VALUE_HEAD.match(have)
        return bool(want and got and want.group(1, 2) == got.group(1, 2)
                    and int(got.group(3)) > int(want.group(3)))

    def cut(self, i):
        self._netctl("cut", i)

    def heal(self, i):
        self._netctl("heal", i)

    def is_cut(self, i):
        return self._netctl("is_cut", i)

    def _netctl(self, op, i):
        try:
            return self.netctl.call(op, i)
        except ClusterError as e:
            raise BenchError(str(e))

    def leader(self):
        return self.cluster.leader() if self.cluster else None

    def make_leader(self, i):
        for _ in range(self.MOVE_ATTEMPTS):
            lead = self.leader()
            if lead == i:
                return
            if lead is None:
                raise BenchError("pmxcfs has no leader to move")
            old = self.cluster.node(lead).name
            term = self.cluster.leader_views()[old][0]

            def moved(old=old, term=term):
                return any(t > term and who == name != old
                           for name, (t, who) in self.cluster.leader_views().items())
            self.cut(lead)
            try:
                benchlib.wait_for(moved, "pmxcfs: a new leader while node %d is cut off"
                                  % lead, 30.0, interval=0.05)
            finally:
                self.heal(lead)
            wait_settled(self)
        lead = self.leader()
        if lead != i and lead in (None, CLIENT_NODE):
            raise BenchError("pmxcfs: node %d did not become the leader in %d moves"
                             % (i, self.MOVE_ATTEMPTS))
        # else another node than the writers' leads: good enough

    def pids(self):
        return self.cluster.pids() if self.cluster else []

    def logs(self):
        return self.cluster.logs() if self.cluster else []

    def stop(self):
        self._close_connections()
        try:
            if self.cluster is not None:
                for problem in self.cluster.stop():
                    log("%s: %s" % (self.name, problem))
        finally:
            if self.netctl is not None:
                self.netctl.close()

    def _close_connections(self):
        pass


class PmxcfsFuseBackend(PmxcfsBackend):
    """pmxcfs through node 1's FUSE mount: the system calls open
    (O_WRONLY|O_CREAT|O_TRUNC), write, close of the file (Python's ``open``
    would add an fstat and an ioctl, each a FUSE request)."""

    name = "pmxcfs-fuse"
    FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC

    def _make_dirs(self, rel):
        os.makedirs(os.path.join(self.mount1, rel), exist_ok=True)

    def _write(self, key, value):
        self._ensure_dir(os.path.dirname(key))
        fd = os.open(os.path.join(self.mount1, key + ".cfg"), self.FLAGS, 0o640)
        try:
            if os.write(fd, value) != len(value):
                raise OSError(errno.EIO, "short write")
        finally:
            os.close(fd)


class PmxcfsIPCBackend(PmxcfsBackend):
    """pmxcfs through node 1's IPC socket (AMP ``Write``, what a daemon's
    IPCClient sends), one blocking connection per writer thread."""

    name = "pmxcfs-ipc"

    def __init__(self, args):
        super().__init__(args)
        self._conns = []
        self._conns_lock = threading.Lock()

    def _client(self):
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = SyncIPC(
                self.cluster.node(CLIENT_NODE).socket, self.args.write_timeout)
            with self._conns_lock:
                self._conns.append(client)
        return client

    def _make_dirs(self, rel):
        client = self._client()
        parts = rel.split("/")
        for n in range(1, len(parts) + 1):
            try:
                self._call(client, commands.Mkdir, path="/".join(parts[:n]))
            except RemoteError as e:
                if e.errno != errno.EEXIST:
                    raise

    def _call(self, client, command, **kw):
        try:
            return client.call(command, **kw)
        except RemoteError:
            raise
        except OSError:
            # timed out or lost: the connection is of no more use
            client.close()
            self._local.client = None
            raise

    def _write(self, key, value):
        self._ensure_dir(os.path.dirname(key))
        self._call(self._client(), commands.Write, path=key + ".cfg", data=value)

    def writer_done(self):
        client = getattr(self._local, "client", None)
        if client is not None:
            client.close()
            self._local.client = None

    def _close_connections(self):
        with self._conns_lock:
            for client in self._conns:
                client.close()
            self._conns = []


BACKENDS = {b.name: b for b in (PmxcfsFuseBackend, PmxcfsIPCBackend, EtcdBackend)}
ALIASES = {"pmxcfs": ["pmxcfs-fuse", "pmxcfs-ipc"]}


# ---------------------------------------------------------------------------
# the runs


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def measure_writers(backend, args, count):
    writers = Writers(backend, count, args.value_size, args.keys, tag="l%d" % count)
    pids = backend.pids()
    writers.start()
    try:
        time.sleep(args.warmup)                 # the measurement's span, not a wait
        cpu0, t0 = sum(cpu_seconds(p) for p in pids), time.monotonic()
        time.sleep(args.seconds)
        cpu1, t1 = sum(cpu_seconds(p) for p in pids), time.monotonic()
    finally:
        writers.stop(args.write_timeout + 10)
    result = writers.window(t0, t1)
    result["server_cpu_ms_per_write"] = (
        (cpu1 - cpu0) * 1000 / result["writes"] if result["writes"] else float("nan"))
    result["leader"] = backend.leader()     # node 1 leads, or writes are forwarded
    return result


def wait_settled(backend, deadline=CATCH_UP_DEADLINE):
    """Until a leader is known (if the system has one) and every node has
    caught up."""
    benchlib.wait_for(lambda: all(backend.caught_up(i) for i in backend.net.nodes()),
                      "%s: all nodes caught up" % backend.name, deadline,
                      log=logs_of(backend), interval=0.05,
                      errors=(OSError, http.client.HTTPException, BenchError))


def logs_of(backend):
    paths = backend.logs()
    return paths[0] if paths else None


def choose_target(backend, case):
    """The node to cut in *case*, and a note; None if the case cannot run."""
    lead = backend.leader()
    if case == "follower":
        if lead is None:
            return 3, "no leader concept"
        return (2 if lead == 3 else 3), "leader is node %d" % lead
    if lead is None:
        return None, "no leader concept"
    if lead == CLIENT_NODE:
        try:
            backend.make_leader(3)
        except NotImplementedError:
            return None, "node %d leads and the leadership cannot be moved" % lead
        wait_settled(backend)
        lead = backend.leader()
        if lead is None or lead == CLIENT_NODE:
            return None, "the leadership did not stay off node %d" % CLIENT_NODE
        return lead, "leadership moved from node %d" % CLIENT_NODE
    return lead, "node %d led already" % lead


def cut_round(backend, args, case):
    """One cut of *case* under steady load; None if it cannot run."""
    wait_settled(backend)
    target, note = choose_target(backend, case)
    if target is None:
        return {"skipped": note}
    writers = Writers(backend, args.cut_writers, args.value_size, args.keys,
                      tag="c" + case[0])
    writers.start()
    caught = None
    try:
        t0 = time.monotonic()
        time.sleep(args.cut_before)             # steady load before the cut
        t_cut, wall_cut = time.monotonic(), time.time()
        backend.cut(target)
        time.sleep(args.cut_for)
        backend.heal(target)
        t_heal, wall_heal = time.monotonic(), time.time()
        end = t_heal + CATCH_UP_DEADLINE
        while time.monotonic() < end:
            try:
                if backend.caught_up(target):
                    caught = time.monotonic()
                    break
            except (OSError, http.client.HTTPException, BenchError):
                pass
            time.sleep(0.01)
        time.sleep(args.cut_after)              # steady load after catching up
        t1 = time.monotonic()
    finally:
        if backend.is_cut(target):
            backend.heal(target)
        writers.stop(args.write_timeout + 10)
    gap, at = writers.longest_gap(t0, t1)
    before = writers.window(t0, t_cut)
    during = writers.window(t_cut, t_heal)
    after = writers.window(t_heal, t1)
    failures = sorted(f for fs in writers.failures for f in fs)
    result = {
        "node": target, "note": note, "leader_after": backend.leader(),
        "longest_pause_s": gap, "pause_from_cut_s": at - t_cut,
        "catch_up_s": (caught - t_heal) if caught else None,
        "failed": before["failed"] + during["failed"] + after["failed"],
        "failures_first": [(round(t - t_cut, 3), msg) for t, msg in failures[:3]],
        "failure_kinds": failure_kinds(failures),
        "cut_at": clock(wall_cut), "healed_at": clock(wall_heal),
        "per_s_before": before["per_s"], "per_s_during": during["per_s"],
        "per_s_after": after["per_s"],
        "max_write_ms": max(before["max_ms"], during["max_ms"], after["max_ms"]),
    }
    if caught is None:
        result["error"] = "node %d did not catch up in %.0f s" % (target, CATCH_UP_DEADLINE)
    return result


def clock(t):
    """Wall-clock time of day (UTC, ms), to find a cut in the logs."""
    return time.strftime("%H:%M:%S", time.gmtime(t)) + ".%03d" % (t % 1 * 1000)


def failure_kinds(failures):
    """``{"<exception>: [Errno n] <text>": count}`` (paths left out)."""
    kinds = {}
    for _, msg in failures:
        kind = re.sub(r": '[^']*'$", "", msg)
        kinds[kind] = kinds.get(kind, 0) + 1
    return kinds


def cut_case(backend, args, case):
    """``--cut-rounds`` rounds of *case*: each round, and the median and the
    worst of the pauses and catch-up times."""
    rounds = []
    for k in range(args.cut_rounds):
        r = cut_round(backend, args, case)
        if "skipped" in r:
            log("  cut %s: skipped (%s)" % (case, r["skipped"]))
            return r
        rounds.append(r)
        log("  cut %s #%d (node %d, %s): longest pause %.2f s (%.2f s after the "
            "cut), catch-up %s s, %d failed writes" % (
                case, k + 1, r["node"], r["note"], r["longest_pause_s"],
                r["pause_from_cut_s"], fmt(r["catch_up_s"], ".2f"), r["failed"]))
        if "error" in r:
            break
    result = {"rounds": rounds, "nodes": ",".join(str(r["node"]) for r in rounds),
              "failed": sum(r["failed"] for r in rounds)}
    for key in ("longest_pause_s", "catch_up_s", "per_s_before", "per_s_during",
                "per_s_after"):
        values = sorted(r[key] for r in rounds if r[key] is not None)
        result[key + "_median"] = percentile(values, 50)
        result[key + "_max"] = values[-1] if values else None
    worst = max(rounds, key=lambda r: r["longest_pause_s"])
    result["worst_pause_from_cut_s"] = worst["pause_from_cut_s"]
    errors = [r["error"] for r in rounds if "error" in r]
    if errors:
        result["error"] = "; ".join(errors)
    return result


def run_system(name, args):
    backend = BACKENDS[name](args)
    result = {"version": backend.version()}
    workdir = tempfile.mkdtemp(prefix="replication-%s-" % name, dir=args.tmp)
    net = None
    try:
        net = Network(NODES)
        t0 = time.monotonic()
        backend.start(net, workdir)
        result["start_s"] = time.monotonic() - t0
        log("%s: %d members up in %.1f s (%r)" % (name, NODES, result["start_s"], net))
        result["writers"] = {}
        for count in args.writers:
            r = measure_writers(backend, args, count)
            result["writers"][str(count)] = r
            log("  %d writer(s): p50 %.2f ms, p99 %.2f ms, %.0f writes/s, %d failed"
                % (count, r["p50_ms"], r["p99_ms"], r["per_s"], r["failed"]))
        result["cut"] = {}
        for case in args.cut:
            result["cut"][case] = cut_case(backend, args, case)
    except NotImplementedError as e:
        result["error"] = "not implemented: %s" % (e,)
        log("%s: %s" % (name, result["error"]))
    except BenchError as e:
        tail = "".join(benchlib.log_tail(p, 15) for p in backend.logs())
        raise BenchError("%s: %s%s" % (name, e, tail))
    finally:
        try:
            backend.stop()
        finally:
            if net is not None:
                net.close()
            if args.keep:
                log("%s: logs kept in %s" % (name, workdir))
            else:
                shutil.rmtree(workdir, ignore_errors=True)
    return result


def run(args):
    t0 = time.monotonic()
    systems = {name: run_system(name, args) for name in args.systems}
    ok = all("error" not in r and all("error" not in c for c in r.get("cut", {}).values())
             for r in systems.values())
    return {"config": {k: v for k, v in vars(args).items()},
            "systems": systems, "elapsed_s": time.monotonic() - t0,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "kernel": platform.release()},
            "pass": ok}


# ---------------------------------------------------------------------------
# the report


def rows(report):
    cfg = report["config"]
    out = [("version", lambda r: r.get("version") or "-"),
           ("cluster start, s", lambda r: fmt(r.get("start_s"), ".1f"))]
    for count in cfg["writers"]:
        label = "%d writer%s" % (count, "" if count == 1 else "s")

        def get(key, spec, count=count):
            return lambda r: fmt(r.get("writers", {}).get(str(count), {}).get(key), spec)
        out += [("%s: p50 latency, ms" % label, get("p50_ms", ".2f")),
                ("%s: p99 latency, ms" % label, get("p99_ms", ".2f")),
                ("%s: writes/s" % label, get("per_s", ".0f")),
                ("%s: server CPU ms/write" % label, get("server_cpu_ms_per_write", ".3f")),
                ("%s: leader node" % label,
                 lambda r, count=count: str(r.get("writers", {}).get(str(count), {})
                                            .get("leader") or "-")),
                ("%s: failed writes" % label, get("failed", "d"))]
    for case in cfg["cut"]:
        def get(key, spec, case=case):
            def cell(r):
                c = r.get("cut", {}).get(case, {})
                if "skipped" in c:
                    return "skipped"
                return fmt(c.get(key), spec)
            return cell
        label = "cut %s" % case
        out += [("%s: node cut, each round" % label,
                 lambda r, case=case: r.get("cut", {}).get(case, {}).get("nodes", "-")),
                ("%s: longest pause, s, median" % label, get("longest_pause_s_median", ".3f")),
                ("%s: longest pause, s, worst" % label, get("longest_pause_s_max", ".3f")),
                ("%s:   worst began s after cut" % label, get("worst_pause_from_cut_s", ".2f")),
                ("%s: catch-up after heal, s, median" % label, get("catch_up_s_median", ".3f")),
                ("%s: catch-up after heal, s, worst" % label, get("catch_up_s_max", ".3f")),
                ("%s: failed writes, all rounds" % label, get("failed", "d")),
                ("%s: writes/s before cut, median" % label, get("per_s_before_median", ".0f")),
                ("%s: writes/s while cut, median" % label, get("per_s_during_median", ".0f")),
                ("%s: writes/s after heal, median" % label, get("per_s_after_median", ".0f"))]
    return out


def print_report(report):
    cfg = report["config"]
    systems = report["systems"]
    print("Replication, 3 nodes in network namespaces; writers in node 1, "
          "%d-byte values;\nlatency runs %g s after %g s warm-up; cut: %d round(s) of %d "
          "writers, %g s load, %g s cut, %g s after catch-up"
          % (cfg["value_size"], cfg["seconds"], cfg["warmup"], cfg["cut_rounds"],
             cfg["cut_writers"], cfg["cut_before"], cfg["cut_for"], cfg["cut_after"]))
    width = max(14, max(len(n) for n in systems) + 2)
    table = rows(report)
    label_w = max(len(label) for label, _ in table) + 2
    print("  %-*s" % (label_w, "") + "".join("%*s" % (width, n) for n in systems))
    for label, cell in table:
        print("  %-*s" % (label_w, label)
              + "".join("%*s" % (width, cell(systems[n])[:width - 1]) for n in systems))
    for name, r in systems.items():
        if "error" in r:
            print("  %s: %s" % (name, r["error"]))
        for case, c in r.get("cut", {}).items():
            if "skipped" in c:
                print("  %s, cut %s: skipped, %s" % (name, case, c["skipped"]))
            for k, rd in enumerate(c.get("rounds", [])):
                print("  %s, cut %s #%d: node %d (%s), leader afterwards: node %s; "
                      "pause %.2f s from %.2f s after the cut, catch-up %s s"
                      % (name, case, k + 1, rd["node"], rd["note"], rd["leader_after"],
                         rd["longest_pause_s"], rd["pause_from_cut_s"],
                         fmt(rd["catch_up_s"], ".2f")))
                print("      cut at %s, healed at %s (UTC)%s" % (
                    rd["cut_at"], rd["healed_at"],
                    "".join("; %dx %s" % (n, k) for k, n in rd["failure_kinds"].items())))
                for t, msg in rd["failures_first"]:
                    print("      failed write %.2f s after the cut: %s" % (t, msg[:150]))
            if "error" in c:
                print("  %s, cut %s: %s" % (name, case, c["error"]))
    print("machine: %d CPUs, kernel %s, Python %s (writers are threads of one process)"
          % (report["machine"]["cpus"], report["machine"]["kernel"],
             report["machine"]["python"]))
    print("overall: %s" % ("PASS" if report["pass"] else "FAIL"))


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--systems", default="etcd,pmxcfs",
                    help="comma-separated, of: %s; pmxcfs is both pmxcfs-fuse "
                    "and pmxcfs-ipc (default etcd,pmxcfs)"
                    % ", ".join(sorted(BACKENDS)))
    ap.add_argument("--writers", default="1,8",
                    help="writer counts for the latency runs (default 1,8)")
    ap.add_argument("--seconds", type=float, default=10.0,
                    help="measured seconds per latency run (default 10)")
    ap.add_argument("--warmup", type=float, default=2.0,
                    help="unmeasured seconds before (default 2)")
    ap.add_argument("--value-size", type=int, default=200)
    ap.add_argument("--keys", type=int, default=100, help="keys per writer (default 100)")
    ap.add_argument("--cut", default="follower,leader",
                    help="cut cases: follower, leader (default both)")
    ap.add_argument("--cut-writers", type=int, default=8)
    ap.add_argument("--cut-rounds", type=int, default=3,
                    help="cuts per case (default 3; elections are random)")
    ap.add_argument("--cut-before", type=float, default=3.0,
                    help="seconds of load before the cut (default 3)")
    ap.add_argument("--cut-for", type=float, default=5.0,
                    help="seconds the node stays cut off (default 5)")
    ap.add_argument("--cut-after", type=float, default=3.0,
                    help="seconds of load after it caught up (default 3)")
    ap.add_argument("--write-timeout", type=float, default=30.0,
                    help="client timeout of one write, s (default 30)")
    ap.add_argument("--etcd-pre-vote", action="store_true",
                    help="run etcd with --pre-vote (3.4 default: off)")
    ap.add_argument("--tmp", default=None, help="where the data directories go "
                    "(default: the system temp dir)")
    ap.add_argument("--json", metavar="FILE", help="write the results here")
    ap.add_argument("--keep", action="store_true", help="keep data dirs and logs")
    args = ap.parse_args(argv)
    systems = []
    for s in (s.strip() for s in args.systems.split(",")):
        for name in ALIASES.get(s, [s] if s else []):
            if name not in BACKENDS:
                ap.error("unknown system %r" % name)
            if name not in systems:
                systems.append(name)
    args.systems = systems
    args.writers = [int(w) for w in args.writers.split(",")]
    args.cut = [c.strip() for c in args.cut.split(",") if c.strip()]
    for c in args.cut:
        if c not in ("follower", "leader"):
            ap.error("unknown cut case %r" % c)
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return benchlib.run_main("replication.py", run, print_report, args)


if __name__ == "__main__":
    sys.exit(main())
