"""Worker tasks: long-running jobs in child processes, named by UPIDs.

:func:`start_worker` spawns ``python -m pve.daemon.runworker`` with its
stdout and stderr on the task log, tells it what to run, and returns the
UPID at once; the UPID's ``pid`` and ``pstart`` are the child's.  The child
ends the log with ``TASK OK``/``TASK WARNINGS: n``/``TASK ERROR: msg``.
When it exits, the active list moves the task to the index, as Proxmox's
``active_workers`` does.  :func:`stop_worker` sends SIGTERM to the task's
process group (the child ends with ``TASK ERROR: received interrupt``),
then SIGKILL if it is still there after five seconds.
"""

import json
import os
import signal
import itertools
import sys

from twisted.internet import defer, protocol, task as _task
from twisted.logger import Logger

import pve
from pve.daemon import runworker, tasklog
from pve.daemon import upid as _upid

log = Logger()

STOP_GRACE = 5.0      # seconds between SIGTERM and SIGKILL, as Proxmox
_STOP_POLL = 0.1

_workers = {}         # UPID -> _WorkerProtocol of the tasks we started
_serial = itertools.count()


def function_name(func):
    """``module:qualname`` for a module-level function, or *func* itself
    when it is already such a string."""
    if isinstance(func, str):
        return func
    return "%s:%s" % (func.__module__, func.__qualname__)


def _child_env(paths, extra):
    env = dict(os.environ)
    top = os.path.dirname(os.path.dirname(os.path.abspath(pve.__file__)))
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (top, env.get("PYTHONPATH")) if p)
    env["PVE_ROOT"] = paths.root
    env.update(extra or {})
    return env


class _WorkerProtocol(protocol.ProcessProtocol):
    def __init__(self, reactor, paths, user):
        self.reactor = reactor
        self.paths = paths
        self.user = user
        self.upid = None
        self.tmp = None       # the log's name until the UPID gives it one
        self.waiting = []
        self.ready = False  # whether the child now handles SIGTERM
        self.waiting_ready = []

    def when_ready(self):
        if self.ready:
            return defer.succeed(None)
        d = defer.Deferred()
        self.waiting_ready.append(d)
        return d

    def _set_ready(self):
        self.ready = True
        waiting, self.waiting_ready = self.waiting_ready, []
        for d in waiting:
            d.callback(None)

    def childDataReceived(self, fd, data):
        self._set_ready()

    def childConnectionLost(self, fd):
        if fd == runworker.READY_FD:
            self._set_ready()

    def processEnded(self, reason):
        self._set_ready()
        if self.upid is None:  # a spare that was never given a task
            _spare_ended(self)
            return
        _workers.pop(self.upid, None)
        status = None
        try:
            tasks = tasklog.update_active(self.paths, self.reactor.seconds(),
                                          self.upid)
            for t in tasks:
                if t["upid"] == self.upid:
                    status = t.get("status")
        except Exception:
            log.failure("updating the active task list failed")
        if status is None:
            status = tasklog.read_status(self.paths, self.upid)
        log.info("end task {upid} {status}", upid=self.upid, status=status,
                 user=self.user)
        waiting, self.waiting = self.waiting, []
        for d in waiting:
            d.callback(status)


def _spawn(reactor, paths, user, env, preload=()):
    """A ``runworker`` child with its output on a new log file (named
    ``.new-...`` until it has its UPID), waiting for its task on stdin:
    ``(protocol, transport, log path)``."""
    starttime = int(reactor.seconds())
    subdir = os.path.join(tasklog.task_dir(paths), "%X" % (starttime % 16,))
    os.makedirs(subdir, exist_ok=True)
    # The log's name needs the child's pid: create it, spawn, then rename.
    tmp = os.path.join(subdir, ".new-%d-%d" % (os.getpid(), next(_serial)))
    fd = tasklog.create_log_file(tmp)
    proto = _WorkerProtocol(reactor, paths, user)
    extra = dict(env or {})
    if preload:
        extra[runworker.PRELOAD_VARIABLE] = ",".join(preload)
    try:
        transport = reactor.spawnProcess(
            proto, sys.executable,
            [sys.executable, "-m", "pve.daemon.runworker"],
            env=_child_env(paths, extra),
            childFDs={0: "w", 1: fd, 2: fd, runworker.READY_FD: "r"})
    except BaseException:
        os.unlink(tmp)
        raise
    finally:
        os.close(fd)
    proto.tmp = tmp
    return proto, transport, tmp


def start_worker(reactor, paths, node, type, id, user, func, args=(),
                 kwargs=None, env=None):
    """Start ``func(upid, *args, **kwargs)`` in a child process and return
    its UPID.  *func* is a module-level function or its ``module:name``;
    *args* and *kwargs* must be JSON values.  The child is the spare one
    started ahead (:func:`keep_spare`) when there is one for *paths*."""
    type = "unknown" if type is None else type
    id = "" if id is None else str(id)
    description = {"func": function_name(func), "args": list(args),
                   "kwargs": dict(kwargs or {})}
    json.dumps(description)  # fail here, not in the child
    spare = _take_spare(paths) if env is None else None
    if spare is not None:
        proto, transport, tmp = spare
        proto.user = user
    else:
        proto, transport, tmp = _spawn(reactor, paths, user, env)
    stat = tasklog.proc_stat(transport.pid)  # a zombie until we reap it
    upid = _upid.encode({
        "node": node, "pid": transport.pid, "pstart": stat[1] if stat else 0,
        "starttime": int(reactor.seconds()), "type": type, "id": id, "user": user})
    path = tasklog.log_path(paths, upid)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        os.rename(tmp, path)
    except OSError:
        transport.closeStdin()  # it ends without a task; its log goes
        raise
    proto.upid = upid
    _workers[upid] = proto
    description["upid"] = upid
    transport.write(json.dumps(description).encode())
    transport.closeStdin()
    log.info("starting task {upid}", upid=upid, user=user)
    tasklog.update_active(paths, reactor.seconds(), upid)
    return upid


# -- the spare worker ------------------------------------------------------------
#
# Starting Python and importing Twisted takes a worker about 0.2 s before
# it can do anything (Proxmox forks its daemon, which costs nothing like
# that).  A daemon that starts tasks keeps one worker started ahead, its
# modules imported, waiting on stdin for a task; the next task takes it
# and a new spare is started SPARE_DELAY seconds later.

SPARE_DELAY = 0.0

_spares = {}  # paths.root -> {"reactor", "paths", "preload", "worker", "call", "ended"}


def keep_spare(reactor, paths, preload=()):
    """From now on keep a worker for tasks under *paths* started ahead,
    with the modules named in *preload* imported."""
    _spares[paths.root] = {"reactor": reactor, "paths": paths, "preload": tuple(preload),
                           "worker": None, "call": None, "ended": []}
    _refill(paths.root)


def drop_spare(paths):
    """Stop keeping a spare; fires once the one waiting has exited (its
    stdin closed, it ends without a task and its log goes)."""
    state = _spares.pop(paths.root, None)
    if state is None:
        return defer.succeed(None)
    if state["call"] is not None and state["call"].active():
        state["call"].cancel()
    worker = state["worker"]
    if worker is None:
        return defer.succeed(None)
    proto, transport, _ = worker
    d = defer.Deferred()
    proto.waiting.append(d)
    transport.closeStdin()
    return d


def _refill(root):
    state = _spares.get(root)
    if state is None or state["worker"] is not None:
        return
    state["call"] = None
    try:
        state["worker"] = _spawn(state["reactor"], state["paths"], None, None,
                                 state["preload"])
    except OSError:
        log.failure("starting a spare worker failed")


def _take_spare(paths):
    state = _spares.get(paths.root)
    if state is None:
        return None
    worker, state["worker"] = state["worker"], None
    if state["call"] is None:  # also after a spare died: one more try
        state["call"] = state["reactor"].callLater(SPARE_DELAY, _refill, paths.root)
    return worker


def _spare_ended(proto):
    """A spare exited without a task: dropped, or it died; its log goes."""
    try:
        os.unlink(proto.tmp)
    except OSError:
        pass
    state = _spares.get(proto.paths.root)
    if state is not None and state["worker"] is not None and state["worker"][0] is proto:
        state["worker"] = None  # it died: the next task starts its own
        log.warn("the spare worker exited without a task")
    waiting, proto.waiting = proto.waiting, []
    for d in waiting:
        d.callback(None)


def worker_ended(upid):
    """A Deferred firing with the exit status of *upid*, a worker started
    here, when its process has ended and the lists are updated; ``None``
    at once for any other UPID."""
    proto = _workers.get(upid)
    if proto is None:
        return defer.succeed(None)
    d = defer.Deferred()
    proto.waiting.append(d)
    return d


def _signal_group(pid, signum):
    try:
        os.kill(-pid, signum)
    except ProcessLookupError:
        try:  # not yet its own process group leader
            os.kill(pid, signum)
        except ProcessLookupError:
            pass


@defer.inlineCallbacks
def stop_worker(reactor, upid, grace=STOP_GRACE):
    """Stop the task *upid* on this node: SIGTERM to its process group,
    SIGKILL after *grace* seconds.  Fires with whether it was running."""
    t = _upid.decode(upid)
    pid, pstart = t["pid"], t["pstart"]
    if upid in _workers:  # ours, maybe just spawned
        yield _workers[upid].when_ready()
    if not tasklog.process_running(pid, pstart):
        return False
    _signal_group(pid, signal.SIGTERM)
    for _ in range(int(grace / _STOP_POLL)):
        yield _task.deferLater(reactor, _STOP_POLL, lambda: None)
        if not tasklog.process_running(pid, pstart):
            break
    else:
        _signal_group(pid, signal.SIGKILL)
    return True

