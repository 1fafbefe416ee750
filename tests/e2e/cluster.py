"""Whole nodes in network namespaces, for end-to-end cluster tests.

:class:`ClusterNode` runs ``twistd -n pve-node`` under a root of its own
inside node *i* of a :class:`tests.netns.Network` (only the network
namespace is switched: its FUSE mount is visible here), pveproxy on
``<its address>:8006``, pvedaemon on 85 of its own loopback, pmxcfs's
cluster link on 5404 of its namespace.  :class:`NamespaceThread` runs
blocking calls (proxmoxer, requests) in a thread that has entered a node's
namespace, so this process talks to the node "from" it.
"""

import json
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading

from twisted.internet import defer, reactor, threads
from twisted.python import failure

from pve.cluster import mount
from pve.node import daemons
from pve.paths import Paths
from tests import netns, processes
from tests.node.test_supervisor import NodeProcess
from tests.polling import PollTimeout, poll

SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
API_PORT = 8006


class NamespaceThread:
    """A thread inside network namespace *ns* (a name) running the calls
    given to :meth:`call` one after the other; each call's result or error
    comes back as a Deferred in the reactor thread."""

    def __init__(self, ns):
        self.ns = ns
        self.queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, daemon=True,
                                       name="netns-%s" % ns)
        self.thread.start()

    def _run(self):
        try:
            fd = os.open(os.path.join(netns.NETNS_DIR, self.ns),
                         os.O_RDONLY | os.O_CLOEXEC)
            try:
                netns._setns(fd)
            finally:
                os.close(fd)
            entered = None
        except BaseException:
            entered = failure.Failure()
        while True:
            item = self.queue.get()
            if item is None:
                return
            d, func, args, kw = item
            if entered is not None:
                reactor.callFromThread(d.errback, entered)
                continue
            try:
                result = func(*args, **kw)
            except BaseException:
                reactor.callFromThread(d.errback, failure.Failure())
            else:
                reactor.callFromThread(d.callback, result)

    def call(self, func, *args, **kw):
        d = defer.Deferred()
        self.queue.put((d, func, args, kw))
        return d

    def stop(self, timeout=5):
        """End the thread after the calls given so far (a daemon thread:
        one stuck in a call does not hold the process)."""
        self.queue.put(None)
        self.thread.join(timeout)


def api(host, **auth):
    """A ProxmoxAPI on *host*:8006 (call it in a :class:`NamespaceThread`:
    it logs in)."""
    import urllib3
    from proxmoxer import ProxmoxAPI
    urllib3.disable_warnings(urllib3.exceptions.InsecureRequestWarning)
    return ProxmoxAPI(host, port=API_PORT, verify_ssl=False, timeout=30,
                      **auth)


def try_login(host, **auth):
    """A logged-in ProxmoxAPI, or None while pveproxy does not serve."""
    import requests
    try:
        return api(host, **auth)
    except (requests.ConnectionError, requests.exceptions.SSLError):
        return None


def read_file(path):
    """*path*'s bytes, or None (call in a thread: FUSE)."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def write_file(path, data):
    """Write *data* to *path* (call in a thread: FUSE)."""
    with open(path, "wb") as f:
        f.write(data)


class ClusterNode:
    """``pve-node`` named *name* in node *i* of *net*; everything it made
    is cleaned up by *testcase*, pass or fail."""

    def __init__(self, testcase, net, i, name, extra_env=None):
        self.testcase = testcase
        self.net = net
        self.i = i
        self.name = name
        self.ip = net.ip(i)
        # short: the IPC socket path must fit AF_UNIX's 108 bytes
        self.root = os.path.realpath(tempfile.mkdtemp(prefix="pve-e2c-"))
        os.chmod(self.root, 0o755)  # pveproxy runs as www-data
        testcase.addCleanup(self._remove_root)
        self.paths = Paths(self.root)
        self.env = daemons.environment(os.environ, self.root, name, SOURCE)
        self.env.update(extra_env or {})
        self.process = NodeProcess()
        self.transport = None
        self.pids = set()
        self.client = NamespaceThread(net.name(i))
        testcase.addCleanup(self.client.stop)

    def start(self):
        argv = self.net.argv(self.i, [
            sys.executable, "-c", daemons.TWISTD, "-n",
            "--pidfile", self.paths.node_pidfile,
            "pve-node", "--root", self.root, "--nodename", self.name,
            "--proxy-listen", "tcp:%d:interface=%s" % (API_PORT, self.ip)])
        self.transport = reactor.spawnProcess(
            self.process, argv[0], argv, env=self.env, path=self.root)
        self.testcase.addCleanup(self.stop)
        return self

    # -- waiting -------------------------------------------------------------

    def wait(self, condition, what, attempts=600, interval=0.1):
        """Poll *condition* while the node runs; fail naming the node and
        with its output's tail."""
        fail = self.testcase.failureException

        def check():
            if self.process.ended.called:
                raise fail(
                    "pve-node %s exited while waiting for %s:\n%s"
                    % (self.name, what, self.process.tail()))
            return condition()

        def explain(f):
            f.trap(PollTimeout)
            raise fail("%s: %s\npve-node %s output:\n%s" % (
                self.name, f.value, self.name, self.process.tail()))
        return poll(check, "%s on %s" % (what, self.name), attempts=attempts,
                    interval=interval).addErrback(explain)

    def mounted(self, rel):
        return os.path.join(self.paths.etc_pve, rel)

    def read(self, rel):
        """A Deferred: the bytes of /etc/pve/*rel* on this node, or None."""
        return threads.deferToThread(read_file, self.mounted(rel))

    def write(self, rel, data):
        return threads.deferToThread(write_file, self.mounted(rel), data)

    @defer.inlineCallbacks
    def members(self):
        """This node's ``.members``, parsed (``{}`` while unreadable)."""
        raw = yield self.read(".members")
        try:
            return json.loads(raw.decode()) if raw else {}
        except ValueError:
            return {}

    def login(self, **auth):
        """A Deferred: a ProxmoxAPI logged in to this node (from inside its
        namespace), once pveproxy serves."""
        return self.wait(lambda: self.client.call(try_login, self.ip, **auth),
                         "a login through pveproxy")

    def call(self, func, *args, **kw):
        """*func* run in this node's namespace thread."""
        return self.client.call(func, *args, **kw)

    def access_log(self):
        return read_file(self.paths.proxy_access_log) or b""

    # -- commands ------------------------------------------------------------

    def command(self, argv, stdin=None, timeout=120):
        """A Deferred: ``(exit code, stdout, stderr)`` of ``python -m
        <argv>`` as a command line of this node (its root and name) inside
        its namespace."""
        full = self.net.argv(self.i, [sys.executable, "-m"] + list(argv))
        return threads.deferToThread(
            _run_command, full, stdin, self.env, self.root, timeout)

    # -- cleaning up ---------------------------------------------------------

    @defer.inlineCallbacks
    def stop(self):
        """Stop pve-node in order; kill what is left and detach the mount,
        pass or fail."""
        if not self.process.ended.called:
            self.pids.update(processes.descendants(self.transport.pid))
            self.transport.signalProcess("TERM")
            try:
                yield poll(lambda: self.process.ended.called,
                           "pve-node %s to stop" % self.name, attempts=150)
            except PollTimeout:
                self.pids.update(processes.descendants(self.transport.pid))
                self.transport.signalProcess("KILL")
                yield poll(lambda: self.process.ended.called,
                           "pve-node %s killed" % self.name, attempts=100)
        for pid in self.pids:
            if processes.alive(pid):
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        yield poll(lambda: not any(map(processes.alive, self.pids)),
                   "daemons of %s killed" % self.name, attempts=100)
        mount.force_unmount(self.paths.etc_pve)

    def _remove_root(self):
        # never into a mount left behind
        mount.force_unmount(self.paths.etc_pve)
        if mount.mount_of(self.paths.etc_pve) is None:
            shutil.rmtree(self.root, ignore_errors=True)


def _run_command(argv, stdin, env, cwd, timeout):
    proc = subprocess.run(argv, input=stdin or "", capture_output=True,
                          text=True, env=env, cwd=cwd, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr
