"""A cluster of network namespaces on one machine, for tests and benchmarks.

``Network(n)`` builds, with nothing added to the root namespace:

* ``<prefix>-sw``, the "switch": a bridge ``br0`` (no STP, up) and one veth
  ``v<i>`` per node, enslaved to it;
* ``<prefix>-1`` .. ``<prefix>-n``, the nodes: ``lo`` up and ``eth0`` (the
  peer of ``v<i>``) with ``10.<x>.0.<i>/24``.

The default prefix holds this process's pid (``pvn<pid>n<k>``), so
concurrent runs do not collide; ``x`` is derived from the pid too (the
namespaces are isolated from each other and from the host, so a subnet can
never clash with the host's routes; distinct subnets just keep logs apart).

Processes run in node *i* through ``nsenter --net``: only the network
namespace changes, the mount namespace stays the caller's (``ip netns
exec`` would unshare it, hiding FUSE mounts made inside from everyone else),
and nsenter execs the command, so ``Popen.pid`` is the command's pid.  This
process can also open sockets inside node *i* (:meth:`Network.socket`,
created by a short-lived thread that enters the namespace), which is how a
client in this process talks "from node *i*".

:meth:`Network.cut` sets the node's switch port down (its ``eth0`` loses
carrier, frames to and from it are dropped: a pulled cable; the node keeps
its address and its local traffic); :meth:`Network.heal` sets it up again
and returns once the port forwards.

:meth:`Network.close` kills every process in the namespaces and deletes
them; it is idempotent and also runs at interpreter exit and, when nobody
else handles SIGTERM, on SIGTERM.  Use ``with Network(3) as net:`` in
scripts and ``self.addCleanup(net.close)`` in trial tests.  Needs root,
``ip`` (iproute2), ``bridge`` and ``nsenter`` (util-linux).

Blocking, standard library only (plus :func:`wait_port_deferred`, which
uses tests/polling.py for trial tests).
"""

import atexit
import ctypes
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import threading
import time
import weakref

from tests import processes

CLONE_NEWNET = 0x40000000
NETNS_DIR = "/run/netns"
_DEFAULT = re.compile(r"^pvn(\d+)n(\d+)-(sw|\d+)$")

_counter = [0]
_live = weakref.WeakSet()
_lock = threading.Lock()
_hooks_installed = [False]


class NetnsError(Exception):
    """A namespace command failed or a wait ran out of time."""


def available():
    """Why this machine cannot build a :class:`Network`, or None if it can."""
    if os.geteuid() != 0:
        return "needs root"
    for tool in ("ip", "bridge", "nsenter"):
        if shutil.which(tool) is None:
            return "needs %s" % tool
    name = "pvn%dprobe" % os.getpid()
    if _ip("netns", "add", name, check=False).returncode:
        return "cannot create network namespaces"
    _ip("netns", "del", name, check=False)
    return None


def _ip(*args, ns=None, check=True, tool="ip"):
    argv = [tool] + (["-n", ns] if ns else []) + list(args)
    proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True)
    if check and proc.returncode:
        raise NetnsError("%s: %s" % (" ".join(argv), proc.stderr.strip()))
    return proc


def namespaces():
    """The names of the named network namespaces (``ip netns list``)."""
    out = _ip("netns", "list", check=False).stdout
    return [line.split()[0] for line in out.splitlines() if line.strip()]


def pids_in(ns):
    """The pids running in namespace *ns*."""
    out = _ip("netns", "pids", ns, check=False).stdout
    return [int(p) for p in out.split() if p.isdigit()]


def _kill_all(names, deadline=10.0):
    """SIGKILL every process in the namespaces *names*; wait until gone."""
    end = time.monotonic() + deadline
    while True:
        left = [p for ns in names for p in pids_in(ns)
                if p != os.getpid() and processes.alive(p)]
        if not left:
            return []
        for pid in left:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        if time.monotonic() > end:
            return left
        time.sleep(0.02)


def reap_stale():
    """Delete namespaces with the default prefix whose creating process is
    gone (a run killed with SIGKILL cannot clean up after itself)."""
    stale = [ns for ns in namespaces()
             if _DEFAULT.match(ns) and not processes.alive(int(_DEFAULT.match(ns).group(1)))]
    _kill_all(stale)
    for ns in stale:
        _ip("netns", "del", ns, check=False)
    return stale


_libc = None


def _setns(fd):
    global _libc
    if hasattr(os, "setns"):                        # Python 3.12
        os.setns(fd, CLONE_NEWNET)
        return
    if _libc is None:
        _libc = ctypes.CDLL(None, use_errno=True)
    if _libc.setns(fd, CLONE_NEWNET) != 0:
        err = ctypes.get_errno()
        raise OSError(err, os.strerror(err))


def socket_in(ns, family=socket.AF_INET, type=socket.SOCK_STREAM, proto=0):
    """A new socket living in network namespace *ns* (a name).

    A socket belongs to the namespace its creator was in; the creator here
    is a thread that enters *ns* and ends, so this thread stays where it is.
    """
    result = {}

    def make():
        try:
            fd = os.open(os.path.join(NETNS_DIR, ns), os.O_RDONLY | os.O_CLOEXEC)
            try:
                _setns(fd)
            finally:
                os.close(fd)
            result["sock"] = socket.socket(family, type, proto)
        except BaseException as e:               # handed to the caller
            result["error"] = e

    t = threading.Thread(target=make, name="netns-socket", daemon=True)
    t.start()
    t.join()
    if "error" in result:
        raise result["error"]
    return result["sock"]


def _close_all_live():
    for net in list(_live):
        try:
            net.close()
        except Exception:
            pass


def _on_sigterm(signum, frame):
    _close_all_live()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.kill(os.getpid(), signal.SIGTERM)


def _install_hooks():
    with _lock:
        if _hooks_installed[0]:
            return
        _hooks_installed[0] = True
    atexit.register(_close_all_live)
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL):
        signal.signal(signal.SIGTERM, _on_sigterm)


class Network:
    """*n* node namespaces on one bridge; see the module docstring."""

    def __init__(self, n, prefix=None, subnet=None):
        if not 1 <= n <= 250:
            raise ValueError("1 to 250 nodes")
        with _lock:
            k = _counter[0]
            _counter[0] += 1
        if prefix is None:
            reap_stale()
            prefix = "pvn%dn%d" % (os.getpid(), k)
        if subnet is None:
            subnet = 16 + (os.getpid() + k) % 224
        self.n = n
        self.prefix = prefix
        self.switch = prefix + "-sw"
        self.subnet = subnet
        self.procs = []
        self._sockets = weakref.WeakSet()
        self._created = []
        self._closed = False
        _install_hooks()
        _live.add(self)
        try:
            self._build()
        except BaseException:
            self.close()
            raise

    # -- building --

    def _build(self):
        for ns in [self.switch] + [self.name(i) for i in self.nodes()]:
            if os.path.exists(os.path.join(NETNS_DIR, ns)):
                raise NetnsError("namespace %s exists already" % ns)
            _ip("netns", "add", ns)
            self._created.append(ns)
        sw = self.switch
        _ip("link", "set", "lo", "up", ns=sw)
        _ip("link", "add", "br0", "type", "bridge", "stp_state", "0",
            "forward_delay", "0", ns=sw)
        _ip("link", "set", "br0", "up", ns=sw)
        for i in self.nodes():
            node = self.name(i)
            port = self.port(i)
            # created in the switch, its peer moved straight into the node
            _ip("link", "add", port, "type", "veth", "peer", "name", "eth0",
                "netns", node, ns=sw)
            _ip("link", "set", port, "master", "br0", "up", ns=sw)
            _ip("link", "set", "lo", "up", ns=node)
            _ip("addr", "add", "%s/24" % self.ip(i), "dev", "eth0", ns=node)
            _ip("link", "set", "eth0", "up", ns=node)
        for i in self.nodes():
            self._wait_forwarding(i)

    def _port_ready(self, i):
        out = _ip("-j", "-d", "link", "show", "dev", self.port(i), ns=self.switch).stdout
        info = json.loads(out)[0]
        state = info.get("linkinfo", {}).get("info_slave_data", {}).get("state")
        node = json.loads(_ip("-j", "link", "show", "dev", "eth0",
                              ns=self.name(i)).stdout)[0]
        return state == "forwarding" and node.get("operstate") == "UP"

    def _wait_forwarding(self, i, deadline=10.0):
        end = time.monotonic() + deadline
        while not self._port_ready(i):
            if time.monotonic() > end:
                raise NetnsError("switch port of node %d does not forward "
                                 "after %.0f s" % (i, deadline))
            time.sleep(0.01)

    # -- naming --

    def nodes(self):
        return range(1, self.n + 1)

    def _check(self, i):
        if i not in self.nodes():
            raise ValueError("no node %r (1..%d)" % (i, self.n))

    def name(self, i):
        """The namespace of node *i*."""
        self._check(i)
        return "%s-%d" % (self.prefix, i)

    def port(self, i):
        """The switch-side veth of node *i* (in the switch namespace)."""
        self._check(i)
        return "v%d" % i

    def ip(self, i):
        """Node *i*'s address (on its ``eth0``)."""
        self._check(i)
        return "10.%d.0.%d" % (self.subnet, i)

    def ips(self):
        return [self.ip(i) for i in self.nodes()]

    # -- processes --

    def argv(self, i, argv):
        """*argv* prefixed to run inside node *i* (for ``spawnProcess``;
        processes started this way are still killed by :meth:`close`)."""
        return ["nsenter", "--net=%s" % os.path.join(NETNS_DIR, self.name(i)),
                "--"] + list(argv)

    def run(self, i, argv, **popen_kw):
        """``subprocess.Popen`` of *argv* inside node *i*."""
        if self._closed:
            raise NetnsError("network closed")
        popen_kw.setdefault("stdin", subprocess.DEVNULL)
        proc = subprocess.Popen(self.argv(i, argv), **popen_kw)
        self.procs.append(proc)
        return proc

    def check_output(self, i, argv, timeout=30, **kw):
        """Run *argv* in node *i* to its end; its stdout (text)."""
        return subprocess.run(self.argv(i, argv), stdin=subprocess.DEVNULL,
                              capture_output=True, text=True, check=True,
                              timeout=timeout, **kw).stdout

    # -- sockets --

    def socket(self, i, family=socket.AF_INET, type=socket.SOCK_STREAM):
        """A socket inside node *i*, closed by :meth:`close` at the latest."""
        s = socket_in(self.name(i), family, type)
        self._sockets.add(s)
        return s

    def connect(self, i, address, timeout=5.0):
        """A TCP socket from node *i* connected to *address* ``(host, port)``;
        raises ``OSError`` (``socket.timeout`` included) if it cannot."""
        s = self.socket(i)
        try:
            s.settimeout(timeout)
            s.connect(address)
        except BaseException:
            s.close()
            raise
        return s

    def can_connect(self, i, host, port, timeout=1.0):
        """Whether a TCP connect from node *i* to *host*:*port* succeeds
        within *timeout* seconds."""
        try:
            self.connect(i, (host, port), timeout).close()
            return True
        except OSError:
            return False

    def wait_port(self, i, port, host=None, deadline=30.0, proc=None,
                  interval=0.02):
        """Poll until *host* (default: node *i*'s address) accepts TCP on
        *port*, connecting from node *i*; raise :class:`NetnsError` after
        *deadline* seconds or when *proc* (a Popen) has exited."""
        host = host or self.ip(i)
        end = time.monotonic() + deadline
        while not self.can_connect(i, host, port, timeout=max(interval, 0.2)):
            if proc is not None and proc.poll() is not None:
                raise NetnsError("%s:%d in node %d: process exited with "
                                 "status %s" % (host, port, i, proc.returncode))
            if time.monotonic() > end:
                raise NetnsError("%s:%d does not accept from node %d after "
                                 "%.0f s" % (host, port, i, deadline))
            time.sleep(interval)

    # -- partitions --

    def cut(self, i):
        """Isolate node *i*: its switch port goes down."""
        _ip("link", "set", self.port(i), "down", ns=self.switch)

    def heal(self, i, deadline=10.0):
        """Reconnect node *i*; returns once its port forwards again."""
        _ip("link", "set", self.port(i), "up", ns=self.switch)
        self._wait_forwarding(i, deadline)

    def is_cut(self, i):
        out = _ip("-j", "link", "show", "dev", self.port(i), ns=self.switch).stdout
        return "UP" not in json.loads(out)[0].get("flags", [])

    # -- teardown --

    def close(self, term_wait=5.0):
        """Stop the processes (SIGTERM, SIGKILL after *term_wait* s), kill
        whatever else runs in the namespaces, delete them.  Idempotent."""
        if self._closed:
            return
        self._closed = True
        _live.discard(self)
        problems = []
        for proc in self.procs:
            if proc.poll() is None:
                try:
                    proc.terminate()
                except ProcessLookupError:
                    pass
        end = time.monotonic() + term_wait
        for proc in self.procs:
            try:
                proc.wait(max(0.0, end - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        left = _kill_all(self._created)
        if left:
            problems.append("processes still in the namespaces: %s" % left)
        for s in list(self._sockets):
            s.close()
        for ns in reversed(self._created):
            proc = _ip("netns", "del", ns, check=False)
            if proc.returncode and os.path.exists(os.path.join(NETNS_DIR, ns)):
                problems.append("ip netns del %s: %s" % (ns, proc.stderr.strip()))
        self._created = []
        if problems:
            raise NetnsError("; ".join(problems))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        return "<Network %s: %d nodes on 10.%d.0.0/24%s>" % (
            self.prefix, self.n, self.subnet, " closed" if self._closed else "")


def wait_port_deferred(net, i, port, host=None, attempts=300, interval=0.1):
    """:meth:`Network.wait_port` for trial tests: a Deferred polling (with
    tests/polling.py) a connect in a thread, so a cut link never blocks the
    reactor."""
    from twisted.internet import threads
    from tests.polling import poll
    host = host or net.ip(i)
    return poll(lambda: threads.deferToThread(net.can_connect, i, host, port,
                                              min(interval, 1.0)),
                "%s:%d from node %d" % (host, port, i),
                attempts=attempts, interval=interval)
