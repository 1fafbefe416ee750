"""Task logs and the task lists under ``/var/log/pve/tasks``, as Proxmox
keeps them.

``tasks/<X>/<UPID>`` is a task's log, ``X`` the last hex digit of its start
time.  ``tasks/active`` lists running and recently ended tasks, one
``UPID SAVED [ENDTIME [STATUS]]`` a line; ``tasks/index`` (rotated to
``index.1`` past 50000 bytes) archives ended tasks, ``UPID ENDTIME STATUS``.
Both are rewritten under an flock on ``tasks/.active.lock``.
"""

import fcntl
import os
import pwd
import re

from pve import atomicfile
from pve.daemon import upid as _upid

MAX_FINISHED = 25          # ended tasks kept in the active list
INDEX_MAX_SIZE = 50000     # rotate the index past this many bytes
_LAST_LINE_CHUNK = 4096

_ACTIVE_LINE = re.compile(r"(\S+)\s(0|1)(\s([0-9A-Za-z]{8})(\s(\s*\S.*))?)?")
_INDEX_LINE = re.compile(r"(\S+)(\s([0-9A-Za-z]{8})(\s(\S.*))?)?")


class NoSuchTask(LookupError):
    """A well-formed UPID without a log on this node."""


def task_dir(paths):
    return paths.task_dir


def log_path(paths, upid):
    """The log file of *upid*; :class:`~pve.daemon.upid.InvalidUPID` if
    it is not one."""
    return os.path.join(task_dir(paths), _upid.log_subdir(upid), upid)


def active_path(paths):
    return os.path.join(task_dir(paths), "active")


def index_path(paths):
    return os.path.join(task_dir(paths), "index")


def lock_path(paths):
    return os.path.join(task_dir(paths), ".active.lock")


# Processes

def proc_stat(pid):
    """``(state, starttime)`` of *pid* from ``/proc/<pid>/stat`` (start time
    in clock ticks since boot), or ``None`` if there is no such process."""
    try:
        with open("/proc/%d/stat" % (pid,), "rb") as f:
            text = f.read().decode("ascii", "replace")
    except OSError:
        return None
    fields = text[text.rindex(")") + 2:].split()
    return fields[0], int(fields[19])


def process_running(pid, pstart=None):
    """Whether *pid* runs and is no zombie (and started at *pstart*)."""
    stat = proc_stat(pid)
    return (stat is not None and stat[0] != "Z"
            and (not pstart or stat[1] == pstart))


# The files' formats

def parse_active(text):
    """The tasks of an ``active`` file: dicts with the UPID's fields plus
    ``upid``, ``saved`` and, once ended, ``endtime`` and ``status``."""
    tasks = []
    for line in text.split("\n"):
        match = _ACTIVE_LINE.fullmatch(line)
        task = match and _upid.try_decode(match.group(1))
        if not task:
            continue  # Proxmox warns and skips such lines
        task.update(upid=match.group(1), saved=int(match.group(2)))
        if match.group(4):
            task["endtime"] = int(match.group(4), 16)
        if match.group(6):
            task["status"] = match.group(6)
        tasks.append(task)
    return tasks


def format_active(tasks):
    """The text of an ``active`` file listing *tasks*."""
    lines = []
    for task in tasks:
        saved = 1 if task.get("saved") else 0
        if task.get("endtime"):
            line = "%s %d %08X" % (task["upid"], saved, task["endtime"])
            if task.get("status"):
                line += " " + task["status"]
        else:
            line = "%s %d" % (task["upid"], saved)
        lines.append(line + "\n")
    return "".join(lines)


def parse_index_line(line):
    """An archived task from one ``index`` line, or ``None``."""
    match = _INDEX_LINE.fullmatch(line)
    task = match and _upid.try_decode(match.group(1))
    if not task:
        return None
    task["upid"] = match.group(1)
    if match.group(3):
        task["endtime"] = int(match.group(3), 16)
    if match.group(5):
        task["status"] = match.group(5)
    return task


def format_index_line(task):
    return "%s %08X %s\n" % (task["upid"], task["endtime"], task["status"])


# One task's log

def read_last_line(path):
    """The last line of *path* without its newline; ``None`` if missing."""
    try:
        f = open(path, "rb")
    except FileNotFoundError:
        return None
    with f:
        pos = f.seek(0, os.SEEK_END)
        buf, first = b"", True
        while pos > 0:
            step = min(pos, _LAST_LINE_CHUNK)
            pos -= step
            f.seek(pos)
            buf = f.read(step) + buf
            if first and buf.endswith(b"\n"):
                buf = buf[:-1]  # the final newline ends the last line
            first = False
            cut = buf.rfind(b"\n")
            if cut >= 0:
                buf = buf[cut + 1:]
                break
    return buf.decode("utf-8", "replace")


def read_status(paths, upid):
    """The exit status recorded at the end of *upid*'s log."""
    try:
        line = read_last_line(log_path(paths, upid))
    except OSError as e:
        return "unable to get last line from task log - %s" % (e,)
    return _upid.status_from_line(line)


def read_log(paths, upid, start=0, limit=50):
    """``(total, lines)``: *limit* lines of *upid*'s log from line *start*
    (0-based; ``limit`` 0 reads to the end) as ``{"n": number, "t":
    text}`` numbered from 1, and the number of lines in all."""
    try:
        f = open(log_path(paths, upid), "rb")
    except OSError as e:
        return 1, [{"n": 1, "t": "unable to open file - %s"
                    % (os.strerror(e.errno),)}]
    count, lines = 0, []
    with f:
        for raw in f:
            count += 1
            if count <= start or (limit and len(lines) >= limit):
                continue
            text = raw.decode("utf-8", "replace")
            lines.append({"n": count, "t": text[:-1] if text.endswith("\n")
                          else text})
    if not count:
        return 1, [{"n": 1, "t": "no content"}]
    return count, lines


def task_status(paths, upid, running=process_running):
    """The status of one task as ``GET .../tasks/{upid}/status`` returns
    it: ``status`` is ``running`` or ``stopped``, and a stopped task has
    its ``exitstatus``."""
    task = _upid.decode(upid)
    if not os.path.isfile(log_path(paths, upid)):
        raise NoSuchTask("no such task")
    _upid.split_token(task)
    task["upid"] = upid
    if running(task["pid"], task["pstart"]):
        task["status"] = "running"
    else:
        task["status"] = "stopped"
        task["exitstatus"] = read_status(paths, upid)
    return task


def create_log_file(path, owner="www-data"):
    """Create an empty task log at *path* (0640, owned by *owner* when we
    are root, as Proxmox) and return a file descriptor appending to it."""
    os.makedirs(os.path.dirname(path), exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND,
                 0o640)
    if os.geteuid() == 0 and owner:
        try:
            os.fchown(fd, pwd.getpwnam(owner).pw_uid, -1)
        except KeyError:
            pass  # no such user here
    return fd


# The active list and the index

class _Locked:
    """An exclusive flock on ``tasks/.active.lock``."""

    def __init__(self, paths):
        self.path = lock_path(paths)

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.f = open(self.path, "a")
        fcntl.flock(self.f, fcntl.LOCK_EX)
        return self

    def __exit__(self, *exc):
        self.f.close()


def _read_file(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except FileNotFoundError:
        return ""


def _write_atomic(path, text):
    atomicfile.write(path, text, 0o644, makedirs=False)


def _archive(paths, ended):
    """Append the unsaved of *ended* to the index; rotate it if big."""
    todo = [t for t in ended if not t.get("saved")]
    if not todo:
        return False
    path = index_path(paths)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write("".join(format_index_line(t) for t in todo))
        f.flush()
        size = os.fstat(f.fileno()).st_size
    for task in todo:
        task["saved"] = 1
    if size > INDEX_MAX_SIZE:
        os.rename(path, path + ".1")
    return True


def update_active(paths, now, new_upid=None, nocheck=False,
                  running=process_running):
    """Check the active list: tasks whose process has gone get their end
    time *now* and their status, and go to the index; *new_upid* joins
    the list (``nocheck``: counted running without a look).  Returns the
    running tasks and a few recent ended ones, as written to ``active``."""
    with _Locked(paths):
        live, ended, seen = [], [], set()

        def check(task, assume_running=False):
            if assume_running or running(task["pid"], task["pstart"]):
                live.append(task)
            else:
                del task["pid"]
                ended.append(task)
            del task["pstart"]

        for task in parse_active(_read_file(active_path(paths))):
            if task["upid"] not in seen:
                seen.add(task["upid"])
                check(task)
        if new_upid and new_upid not in seen:
            task = _upid.decode(new_upid)
            task["upid"] = new_upid
            check(task, nocheck)

        ended.sort(key=lambda t: t["starttime"], reverse=True)
        save = new_upid is not None
        for task in ended:
            if not task.get("endtime"):
                task["endtime"] = int(now)
                task["status"] = read_status(paths, task["upid"])
                save = True
        save = _archive(paths, ended) or save
        tasks = live + ended[:max(0, MAX_FINISHED - len(live))]
        if save:
            _write_atomic(active_path(paths), format_active(tasks))
        return tasks


def read_active(paths):
    """The tasks of the ``active`` file as they stand."""
    return parse_active(_read_file(active_path(paths)))


# Listing, as GET /nodes/{node}/tasks

STATUS_TYPES = ("ok", "warning", "error", "unknown")


def _read_backwards(path):
    try:
        text = _read_file(path)
    except OSError:
        return []
    return reversed(text.split("\n"))


def list_tasks(paths, start=0, limit=50, userfilter=None, typefilter=None,
               vmid=None, errors=False, source="archive", since=None,
               until=None, statusfilter=None, visible=None):
    """``(total, tasks)`` with Proxmox's filters: the not yet archived
    tasks of the active list first (``source`` ``active`` or ``all``),
    then the index newest first.  *statusfilter* is a list of
    :data:`STATUS_TYPES`; *visible* (a task -> bool) filters by
    permission.  ``total`` counts every task that passed the filters."""
    wanted = set(STATUS_TYPES)
    if statusfilter is not None and not errors:
        wanted = {s.lower() for s in statusfilter}
    elif errors:
        wanted.discard("ok")
    found, state = [], {"count": 0, "limit": limit}

    def take(task):
        if userfilter and userfilter.lower() not in task["user"].lower():
            return False
        if visible is not None and not visible(task):
            return False
        if typefilter and task["type"] != typefilter:
            return False
        if vmid and (not task["id"] or task["id"] != str(vmid)):
            return False
        if since is not None and task["starttime"] < since:
            return False
        if until is not None and task["starttime"] > until:
            return False
        if _upid.status_type(task.get("status")) not in wanted:
            return False
        state["count"] += 1
        if state["count"] <= start or state["limit"] <= 0:
            return False
        state["limit"] -= 1
        return True

    if source in ("active", "all"):
        for task in read_active(paths):
            if task.pop("saved"):
                continue  # already in the index
            if take(task):
                task.setdefault("status", "RUNNING")
                found.append(task)
    if source != "active":
        for name in ("index", "index.1"):
            for line in _read_backwards(os.path.join(task_dir(paths), name)):
                task = parse_index_line(line)
                if task is not None and take(_upid.split_token(task)):
                    found.append(task)
    return state["count"], found
