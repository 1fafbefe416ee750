"""Looking at processes through /proc, for end-to-end tests."""

import os


def _stat(pid):
    try:
        with open("/proc/%d/stat" % (pid,)) as f:
            text = f.read()
    except OSError:
        return None
    # "pid (comm) state ppid ...": comm may hold spaces and parentheses.
    return text[text.rindex(")") + 2:].split()


def alive(pid):
    """Whether *pid* exists and is not a zombie."""
    fields = _stat(pid)
    return fields is not None and fields[0] != "Z"


def children(pid):
    """The pids whose parent is *pid*."""
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            fields = _stat(int(name))
            if fields is not None and int(fields[1]) == pid:
                found.append(int(name))
    return found


def descendants(pid):
    """Every pid below *pid* in the process tree."""
    found, todo = [], [pid]
    while todo:
        for child in children(todo.pop()):
            found.append(child)
            todo.append(child)
    return found


def cmdline(pid):
    """The argv of *pid*, or ``[]`` if it is gone."""
    try:
        with open("/proc/%d/cmdline" % (pid,), "rb") as f:
            raw = f.read()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]
