"""UPIDs, the unique ids of worker tasks, and task exit statuses.

A UPID reads ``UPID:node:PID:PSTART:STARTTIME:type:id:user:``: the numbers
in upper-case hex, at least eight digits (``pstart`` may have nine after a
long uptime), and a trailing colon.  Pure functions, no I/O.
"""

import re

_UPID = re.compile(
    r"UPID:([a-zA-Z0-9](?:[a-zA-Z0-9\-]*[a-zA-Z0-9])?):"
    r"([0-9A-Fa-f]{8}):([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):"
    r"([^:\s/]+):([^:\s/]*):([^:\s/]+):", re.ASCII)

# The fields of a decoded UPID, in order.
FIELDS = ("node", "pid", "pstart", "starttime", "type", "id", "user")

# An API token's owner and token name: "user@realm!token".
_TOKEN = re.compile(r"((?:[^\s:/]+)@(?:[A-Za-z][A-Za-z0-9.\-_]+))"
                    r"!([A-Za-z][A-Za-z0-9.\-_]+)", re.ASCII)


class InvalidUPID(ValueError):
    """A string that is not a UPID."""


def encode(task):
    """The UPID of *task*, a mapping with the keys of :data:`FIELDS`."""
    return "UPID:%s:%08X:%08X:%08X:%s:%s:%s:" % (
        task["node"], task["pid"], task["pstart"], task["starttime"],
        task["type"], task["id"], task["user"])


def decode(upid):
    """The fields of *upid* as a dict; :class:`InvalidUPID` if unreadable."""
    match = _UPID.fullmatch(upid) if isinstance(upid, str) else None
    if match is None:
        raise InvalidUPID("unable to parse worker upid '%s'" % (upid,))
    node, pid, pstart, starttime, type_, id_, user = match.groups()
    return {"node": node, "pid": int(pid, 16), "pstart": int(pstart, 16),
            "starttime": int(starttime, 16), "type": type_, "id": id_,
            "user": user}


def try_decode(upid):
    """:func:`decode`, or ``None`` for a string that is not a UPID."""
    try:
        return decode(upid)
    except InvalidUPID:
        return None


def log_subdir(upid):
    """The directory under ``tasks/`` holding *upid*'s log: the last hex
    digit of its start time, as written in the UPID."""
    decode(upid)
    return _UPID.fullmatch(upid).group(4)[7]


def split_token(task):
    """Split an API token user ``u@realm!name`` of *task* (in place) into
    ``user`` and ``tokenid``, as Proxmox's task API shows it."""
    match = _TOKEN.fullmatch(task.get("user") or "")
    if match:
        task["user"], task["tokenid"] = match.groups()
    return task


# Exit statuses: the last line of a task's log says how it ended.

UNEXPECTED = "unexpected status"


def status_from_line(line):
    """The exit status that the last log line *line* records: ``OK``,
    ``WARNINGS: n``, an error message, or ``unexpected status``."""
    if line is None:
        return UNEXPECTED
    if line == "TASK OK":
        return "OK"
    match = re.fullmatch(r"TASK ERROR: (.+)", line)
    if match:
        return match.group(1)
    match = re.fullmatch(r"TASK (WARNINGS: \d+)", line)
    if match:
        return match.group(1)
    return UNEXPECTED


def status_is_error(status):
    """Whether *status* is a failure (anything but OK and warnings)."""
    return not (status == "OK" or re.fullmatch(r"WARNINGS: \d+", status))


def status_type(status):
    """``ok``, ``warning``, ``error`` or ``unknown`` for *status*."""
    if not status or status == UNEXPECTED:
        return "unknown"
    if status == "OK":
        return "ok"
    if re.fullmatch(r"WARNINGS: \d+", status):
        return "warning"
    return "error"
