"""A cluster of real pmxcfs daemons in network namespaces, for benchmarks.

Blocking, no reactor: :class:`PmxcfsCluster` brings up one ``twistd -n
pmxcfs`` per node of a :class:`tests.netns.Network` (started with
``net.run``, which switches only the network namespace, so every node's
FUSE mount is visible to the calling process), each under its own
``PVE_ROOT`` below a work directory, its cluster link on
``ssl:5404:interface=<node ip>`` (the default port, which the peers use
too).  The cluster is formed the way ``pvecm create`` / ``pvecm add`` do it
(as tests/cluster/loopcluster.py does on loopback): node 1 gets the CA, its
key and certificate and a one-node corosync.conf and is told to start its
cluster (IPC ``ClusterStart``); each next node gets its credentials in its
own tree and, through node 1, in the cluster's, is added to the cluster's
corosync.conf and told to start; then we wait until the leader has
promoted every node to a voter.

:class:`SyncIPC` is a small blocking AMP client of the pmxcfs socket (the
commands of :mod:`pve.cluster.commands`), one connection per object, for
one thread at a time.  :class:`NetControl` cuts and heals nodes from a
helper process (a process with files of a FUSE mount open cannot start
programs while that pmxcfs hangs: see :data:`NETCTL`).

Stopping (:meth:`PmxcfsCluster.stop`, also after a failed start) sends
SIGTERM, SIGKILL after a grace period, and force-unmounts every mount.
"""

import errno
import itertools
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
if REPO not in sys.path:
    sys.path.insert(0, REPO)

from pve.cluster import commands, corosync_edit, mount  # noqa: E402
from pve.paths import Paths  # noqa: E402
# the cluster CA and node certificates, the corosync key of the tests
from tests.cluster.loopcluster import (  # noqa: E402
    NodeFiles, _Pki, write_conf)

TWISTD = ("import sys; from twisted.scripts.twistd import run; "
          "sys.argv[0] = 'twistd'; run()")
PORT = 5404                    # pmxcfs's default --cluster-port
CLUSTER_NAME = "bench"
LOG_KEEP = 5000                # pve.cluster.status.LOG_KEEP
LEADER_LINE = re.compile(r"leader is (\S+) \(term (\d+)\)")
# what the leader logs (daemon and cluster log) on each step of the Raft
# configuration
STEP_LINE = re.compile(r"replicating to (.*)$", re.M)
STEP_ITEM = re.compile(r"(\S+) \((\d+) votes?\)")


class ClusterError(Exception):
    pass


class RemoteError(OSError):
    """An error pmxcfs answered with (the connection is still good)."""


# ---------------------------------------------------------------------------
# a blocking AMP client


class SyncIPC:
    """A blocking AMP connection to a pmxcfs IPC socket at *path*.

    :meth:`call` sends one command of :mod:`pve.cluster.commands` and
    returns its parsed answer; a ``CfsError`` answer is raised as
    :class:`RemoteError` (an ``OSError`` with pmxcfs's errno), anything
    else (timeout, connection lost) as ``OSError`` after which the object
    is unusable.  Boxes pmxcfs pushes on its own (``Changed``) are skipped.
    """

    def __init__(self, path, timeout=30.0):
        self.path = path
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(timeout)
        try:
            self.sock.connect(path)
        except BaseException:
            self.sock.close()
            raise
        self._buf = bytearray()
        self._tags = itertools.count(1)

    def close(self):
        self.sock.close()

    def _read(self, n):
        while len(self._buf) < n:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError(errno.ECONNRESET,
                                      "pmxcfs closed the IPC connection")
            self._buf += chunk
        data = bytes(self._buf[:n])
        del self._buf[:n]
        return data

    def _read_box(self):
        box = {}
        while True:
            klen = int.from_bytes(self._read(2), "big")
            if klen == 0:
                return box
            key = self._read(klen)
            vlen = int.from_bytes(self._read(2), "big")
            box[key] = self._read(vlen)

    def call(self, command, **kw):
        tag = b"%d" % next(self._tags)
        box = command.makeArguments(kw, None)
        box[b"_command"] = command.commandName
        box[b"_ask"] = tag
        self.sock.sendall(box.serialize())
        while True:
            reply = self._read_box()
            if reply.get(b"_answer") == tag:
                return command.parseResponse(reply, None)
            if reply.get(b"_error") == tag:
                desc = reply.get(b"_error_description", b"").decode(
                    errors="replace")
                if reply.get(b"_error_code") == b"CFS_ERROR":
                    e = commands.CfsError(desc).to_oserror()
                    raise RemoteError(e.errno, e.strerror, e.filename)
                raise RemoteError(errno.EIO, "%s: %s" % (
                    reply.get(b"_error_code", b"?").decode(errors="replace"),
                    desc))


# ---------------------------------------------------------------------------
# cutting and healing from a process without FUSE files open

# Every close of a file in a FUSE mount is a FLUSH request to the daemon,
# and so is the close a child makes of the descriptors it inherited (before
# or on exec).  A process whose threads hold files of a pmxcfs mount open
# therefore cannot start a program while that pmxcfs is stuck (``ip`` in
# net.cut and net.heal included): the vfork'd child waits for the daemon.
# So the cuts come from a helper process started before any such file is
# open, running the harness's own cut/heal/is_cut.
NETCTL = r"""
import json, sys
sys.path.insert(0, sys.argv[1])
from tests.netns import Network
net = Network.__new__(Network)      # the existing network: never built nor closed
net.n, net.prefix = int(sys.argv[3]), sys.argv[2]
net.switch = net.prefix + "-sw"
for line in sys.stdin:
    op, i = json.loads(line)
    try:
        reply = {"result": getattr(net, op)(i)}
    except Exception as e:
        reply = {"error": "%s: %s" % (type(e).__name__, e)}
    sys.stdout.write(json.dumps(reply) + "\n")
    sys.stdout.flush()
"""


class NetControl:
    """``cut``, ``heal`` and ``is_cut`` of *net* (a tests.netns.Network),
    run by a helper process; see NETCTL."""

    OPS = ("cut", "heal", "is_cut")

    def __init__(self, net):
        self.net = net
        self.proc = subprocess.Popen(
            [sys.executable, "-c", NETCTL, REPO, net.prefix, str(net.n)],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, bufsize=1)

    def call(self, op, i):
        if op not in self.OPS:
            raise ValueError(op)
        self.net.port(i)                   # checks i
        self.proc.stdin.write(json.dumps([op, i]) + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise ClusterError("the cut/heal helper exited (%s)" % self.proc.wait())
        reply = json.loads(line)
        if "error" in reply:
            raise ClusterError("%s(%d): %s" % (op, i, reply["error"]))
        return reply["result"]

    def cut(self, i):
        self.call("cut", i)

    def heal(self, i):
        self.call("heal", i)

    def is_cut(self, i):
        return self.call("is_cut", i)

    def close(self):
        if self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.proc.stdout.close()


# ---------------------------------------------------------------------------
# the nodes


class Node(NodeFiles):
    """pmxcfs of node *i* of the network, under ``<workdir>/n<i>``."""

    def __init__(self, cluster, i):
        self.cluster = cluster
        self.i = i
        self.name = "n%d" % i
        self.ip = cluster.net.ip(i)
        base = os.path.join(cluster.workdir, self.name)
        self.root = os.path.join(base, "root")
        os.makedirs(self.root)
        os.chmod(self.root, 0o755)
        self.paths = Paths(self.root)
        self.log_path = os.path.join(cluster.workdir, "%s.log" % self.name)
        self.proc = None
        self._log_offset = 0
        self._log_text = ""

    @property
    def socket(self):
        return self.paths.pmxcfs_socket

    def start(self):
        env = dict(os.environ, PVE_ROOT=self.root, PVE_NODENAME=self.name,
                   PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
        argv = [sys.executable, "-c", TWISTD, "-n", "--pidfile=", "pmxcfs",
                "--cluster-listen", "ssl:%d:interface=%s" % (PORT, self.ip)]
        with open(self.log_path, "ab") as f:
            self.proc = self.cluster.net.run(self.i, argv, env=env, cwd=self.root,
                                             stdout=f, stderr=subprocess.STDOUT)

    def log_text(self):
        """The daemon's log so far."""
        try:
            with open(self.log_path, errors="replace") as f:
                f.seek(self._log_offset)
                more = f.read()
        except OSError:
            return self._log_text
        self._log_text += more
        self._log_offset += len(more.encode())
        return self._log_text

    def wait_log(self, fragment, deadline):
        end = time.monotonic() + deadline
        while fragment not in self.log_text():
            if self.proc.poll() is not None:
                raise ClusterError("pmxcfs on %s exited (%s) before logging %r"
                                   % (self.name, self.proc.returncode, fragment))
            if time.monotonic() > end:
                raise ClusterError("pmxcfs on %s did not log %r in %.0f s"
                                   % (self.name, fragment, deadline))
            time.sleep(0.02)

    def ipc(self, command, timeout=5.0, **kw):
        """One command on a fresh IPC connection."""
        client = SyncIPC(self.socket, timeout)
        try:
            return client.call(command, **kw)
        finally:
            client.close()

    def stop(self, term_wait=3.0):
        """SIGTERM, SIGKILL after *term_wait* s; the mount goes in any case.
        Returns a problem (str) or None."""
        problem = None
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(term_wait)
            except subprocess.TimeoutExpired:
                problem = "pmxcfs on %s did not stop %.0f s after SIGTERM; " \
                          "killed" % (self.name, term_wait)
                self.proc.kill()
                self.proc.wait()
        try:
            mount.force_unmount(self.mount)
        except OSError as e:
            problem = "unmount of %s: %s" % (self.mount, e)
        return problem


class PmxcfsCluster:
    """One pmxcfs per node of *net*; see the module docstring."""

    def __init__(self, net, workdir):
        self.net = net
        self.workdir = workdir
        self.pki = _Pki.get()
        self.nodes = {}
        self.conf = None
        self._views = {}          # node name -> (term, leader) of its own log

    def node(self, i):
        return self.nodes[i]

    def start(self, deadline=60.0):
        """Start all, form the cluster; return once every node is a voter
        and sees the others online."""
        for i in self.net.nodes():
            self.nodes[i] = Node(self, i)
        for node in self.nodes.values():
            node.start()
        for node in self.nodes.values():
            node.wait_log("pmxcfs ready", deadline)
        first = self.nodes[1]
        first.write_credentials()
        conf = corosync_edit.create_conf(first.name, CLUSTER_NAME, first.ip)
        self._write_conf(conf, first)
        first.ipc(commands.ClusterStart)
        self._wait(first.quorate, "%s quorate" % first.name, deadline)
        for i in list(self.nodes)[1:]:
            node = self.nodes[i]
            node.write_credentials()
            first.write_credentials(node=node)
            conf = corosync_edit.add_node(self.conf, node.name,
                                          links={0: node.ip})
            self._write_conf(conf, first, node)
            node.ipc(commands.ClusterStart)
            self._wait(node.quorate, "%s quorate" % node.name, deadline)
        everyone = {n.name: 1 for n in self.nodes.values()}
        self._wait(lambda: self._voters() == everyone,
                   "every node a voter", deadline)
        for node in self.nodes.values():
            self._wait(lambda node=node: self._online(node) == len(self.nodes),
                       "%s sees every node online" % node.name, deadline)

    def _write_conf(self, conf, via, joining=None):
        self.conf = write_conf(conf, via, joining)

    def _voters(self):
        """The newest Raft configuration a leader logged a step to
        (``{node: votes}``)."""
        newest = None
        for node in self.nodes.values():
            for m in STEP_LINE.finditer(node.log_text()):
                newest = {name: int(votes)
                          for name, votes in STEP_ITEM.findall(m.group(1))}
        return newest

    def _online(self, node):
        nodelist = node.members().get("nodelist", {})
        return sum(1 for n in nodelist.values() if n.get("online"))

    def _wait(self, predicate, what, deadline):
        end = time.monotonic() + deadline
        while True:
            try:
                if predicate():
                    return
            except (OSError, ValueError):
                pass
            for node in self.nodes.values():
                if node.proc is not None and node.proc.poll() is not None:
                    raise ClusterError("%s: pmxcfs on %s exited (%s)"
                                       % (what, node.name, node.proc.returncode))
            if time.monotonic() > end:
                raise ClusterError("%s: not after %.0f s" % (what, deadline))
            time.sleep(0.05)

    # -- leadership --

    def leader_views(self):
        """``{node name: (term, leader name)}``: what each node last logged
        to the cluster log as "leader is X (term T)" (its own entries; read
        over IPC from every node that answers, all entries, not only the
        50 ``.clusterlog`` shows; remembered between calls)."""
        names = {n.name for n in self.nodes.values()}
        for node in self.nodes.values():
            try:
                entries = node.ipc(commands.GetLog, timeout=2.0,
                                   limit=LOG_KEEP)["entries"]
            except OSError:
                continue
            for e in entries:
                m = LEADER_LINE.search(e.get("msg", ""))
                if m is None or e.get("node") not in names:
                    continue
                seen = (int(m.group(2)), m.group(1))
                if seen > self._views.get(e["node"], (-1, "")):
                    self._views[e["node"]] = seen
        return dict(self._views)

    def leader(self):
        """The node (number) that says it leads, in the highest term."""
        best = None
        for name, (term, lead) in self.leader_views().items():
            if lead == name and (best is None or term > best[0]):
                best = (term, name)
        if best is None:
            return None
        for i, node in self.nodes.items():
            if node.name == best[1]:
                return i
        return None

    # -- the end --

    def pids(self):
        return [n.proc.pid for n in self.nodes.values() if n.proc is not None]

    def logs(self):
        return [n.log_path for n in self.nodes.values()]

    def stop(self):
        """Stop every daemon, unmount everything; problems as a list."""
        problems = []
        for node in self.nodes.values():
            problem = node.stop()
            if problem:
                problems.append(problem)
        return problems
