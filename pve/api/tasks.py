"""``/nodes/{node}/tasks``: list, inspect, read and stop worker tasks.

Reads the task lists and logs of this node (``pve.daemon.tasklog``).  A
caller sees its own tasks; ``Sys.Audit`` on ``/nodes/<node>`` shows every
task (``Sys.Modify`` to stop another's), as Proxmox's ``API2/Tasks.pm``.
The list and the log answer with :class:`~pve.api.tree.Result` carrying
``total``.  ``download=1`` on the log answers ``{"download": {"path",
"content-type", "content-disposition"}}`` for the server to stream.
"""

import os

from twisted.internet import defer

from pve.access.names import split_list
from pve.api import decl_nodes
from pve.api.schema import APIError, ParamError
from pve.api.tree import Result, Routes
from pve.daemon import tasklog, upid as _upid, workers

routes = Routes(decl_nodes.DECLS)
routes.index("/nodes/{node}/tasks/{upid}", key="name", order=("log", "status"))


def is_owner(env, task):
    """Whether the caller started *task* (its user, or its token)."""
    owner = task.get("user") or ""
    if task.get("tokenid"):
        owner = "%s!%s" % (owner, task["tokenid"])
    return owner in (env.user, env.auth_id)


def decode(upid):
    """The task of *upid*, with ``user`` and ``tokenid`` split; a 400 for
    a string that is not a UPID."""
    task = _upid.try_decode(upid)
    if task is None:
        raise ParamError({"upid": "unable to parse worker upid"})
    return _upid.split_token(task)


@defer.inlineCallbacks
def check_task_access(env, task, node, priv):
    if not is_owner(env, task):
        yield env.check("/nodes/" + node, [priv])


@routes("/nodes/{node}/tasks")
@defer.inlineCallbacks
def node_tasks(env, params):
    node = params["node"]
    auditor = yield env.check("/nodes/" + node, ["Sys.Audit"], noerr=True)
    statusfilter = params.get("statusfilter")
    if statusfilter is not None:
        statusfilter = split_list(statusfilter)
    total, tasks = tasklog.list_tasks(
        env.paths, start=params.get("start", 0), limit=params.get("limit", 50),
        userfilter=params.get("userfilter"), typefilter=params.get("typefilter"),
        vmid=params.get("vmid"), errors=bool(params.get("errors", 0)),
        source=params.get("source", "archive"), since=params.get("since"),
        until=params.get("until"), statusfilter=statusfilter,
        visible=None if auditor else (lambda t: is_owner(env, _upid.split_token(dict(t)))))
    for task in tasks:
        _upid.split_token(task)
    return Result(tasks, {"total": total})


@routes("/nodes/{node}/tasks/{upid}", "DELETE")
@defer.inlineCallbacks
def stop_task(env, params):
    task = decode(params["upid"])
    if not os.path.isfile(tasklog.log_path(env.paths, params["upid"])):
        raise ParamError({"upid": "no such task"})
    yield check_task_access(env, task, params["node"], "Sys.Modify")
    yield workers.stop_worker(env.reactor, params["upid"])
    return None


@routes("/nodes/{node}/tasks/{upid}/status")
@defer.inlineCallbacks
def read_task_status(env, params):
    task = decode(params["upid"])
    if not os.path.isfile(tasklog.log_path(env.paths, params["upid"])):
        raise ParamError({"upid": "no such task"})
    yield check_task_access(env, task, params["node"], "Sys.Audit")
    return tasklog.task_status(env.paths, params["upid"])


@routes("/nodes/{node}/tasks/{upid}/log")
@defer.inlineCallbacks
def read_task_log(env, params):
    upid = params["upid"]
    task = decode(upid)
    yield check_task_access(env, task, params["node"], "Sys.Audit")
    if params.get("download"):
        if "start" in params or "limit" in params:
            raise APIError("Parameter 'download' can't be used with other "
                           "parameters\n")
        path = tasklog.log_path(env.paths, upid)
        return {"download": {
            "path": path, "content-type": "text/plain",
            "content-disposition": 'attachment; filename="%s"' % os.path.basename(path)}}
    total, lines = tasklog.read_log(env.paths, upid, params.get("start", 0),
                                    params.get("limit", 50))
    return Result(lines, {"total": total})
