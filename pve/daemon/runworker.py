"""The child side of a worker task: ``python -m pve.daemon.runworker``.

The parent (:mod:`pve.daemon.workers`) points our stdout and stderr at the
task log and writes one JSON object to our stdin: ``upid``, ``func``
(``"package.module:name"``), ``args`` and ``kwargs``.  We catch stop
signals, start a session of our own (so a stop signals the whole process
group), say so on fd 3, call
``func(upid, *args, **kwargs)`` and end the log as Proxmox does: ``TASK
OK``, ``TASK WARNINGS: n`` or ``TASK ERROR: message``.
"""

import importlib
import json
import os
import signal
import sys

_STOP_SIGNALS = (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM)
READY_FD = 3
#: modules to import before waiting for the task (a spare worker)
PRELOAD_VARIABLE = "PVE_WORKER_PRELOAD"
_warnings = 0


class Interrupted(Exception):
    """A stop signal arrived."""


def warn(message):
    """Log *message* as a warning; the task then ends ``TASK WARNINGS``."""
    global _warnings
    sys.stdout.flush()
    sys.stderr.write("WARN: %s\n" % (message.rstrip("\n"),))
    sys.stderr.flush()
    _warnings += 1


def resolve(name):
    """The object named ``package.module:attribute.path``."""
    module, _, attr = name.partition(":")
    obj = importlib.import_module(module)
    for part in attr.split("."):
        obj = getattr(obj, part)
    return obj


def _interrupt(signum, frame):
    raise Interrupted("received interrupt")


def _message(exc):
    if isinstance(exc, SystemExit):
        return "exit code %s" % (exc.code,)
    text = str(exc).strip("\n").replace("\n", " ")
    return text or type(exc).__name__


def _needs_newline():
    """Whether the log so far ends inside a line."""
    try:
        with open("/proc/self/fd/1", "rb") as log:
            size = log.seek(0, os.SEEK_END)
            if not size:
                return False
            log.seek(size - 1)
            return log.read(1) != b"\n"
    except OSError:
        return False


def run(task):
    """Run *task* (the decoded JSON); return the final log line."""
    try:
        func = resolve(task["func"])
        func(task["upid"], *task.get("args", ()), **task.get("kwargs", {}))
    except SystemExit as e:
        _ignore_stops()
        if e.code not in (None, 0):
            return "TASK ERROR: %s" % (_message(e),)
    except BaseException as e:
        _ignore_stops()
        return "TASK ERROR: %s" % (_message(e),)
    _ignore_stops()
    if _warnings:
        return "TASK WARNINGS: %d" % (_warnings,)
    return "TASK OK"


def _ignore_stops():
    for signum in _STOP_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)


def main():
    for signum in _STOP_SIGNALS:
        signal.signal(signum, _interrupt)
    try:
        os.setsid()
    except OSError:
        pass  # already a session leader
    try:  # tell the parent that a stop signal now reaches us
        os.write(READY_FD, b"ready")
        os.close(READY_FD)
    except OSError:
        pass  # run by hand, without the pipe
    try:
        for name in filter(None, os.environ.pop(PRELOAD_VARIABLE, "").split(",")):
            importlib.import_module(name)
        task = json.loads(sys.stdin.buffer.read())
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        os.close(null)
        sys.stdout.reconfigure(line_buffering=True)
        sys.stderr.reconfigure(line_buffering=True)
    except BaseException as e:
        _ignore_stops()
        final = "TASK ERROR: %s" % (_message(e),)
    else:
        final = run(task)
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    line = ("\n" if _needs_newline() else "") + final + "\n"
    os.write(1, line.encode("utf-8", "replace"))
    os._exit(255 if final.startswith("TASK ERROR") else 0)


if __name__ == "__main__":
    # Run as the module proper, so that tasks importing warn() share state.
    from pve.daemon import runworker
    runworker.main()
