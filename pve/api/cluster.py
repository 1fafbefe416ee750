"""``/cluster``: status, resources, the next free VMID, log and tasks.

What pmxcfs knows (members, ``.vmlist``, the cluster log, the task lists
nodes broadcast) as Proxmox's ``API2/Cluster.pm`` presents it.  Without
``corosync.conf`` the node is alone and ``/cluster/status`` shows only it.
VMs carry what their config says (name, template) until pvestatd
broadcasts their statistics.
"""

import json
import re
import weakref

from twisted.internet import defer

from pve.api import decl_cluster, nodes
from pve.cluster import corosync
from pve.api.schema import APIError, ParamError
from pve.api.tree import Routes
from pve.daemon import tasklog, upid as _upid
from pve.deferreds import gather

routes = Routes(decl_cluster.DECLS)
routes.index("/cluster", key="name", order=(
    "log", "options", "resources", "status", "tasks", "backup", "ha", "acme",
    "config", "replication", "nextid", "firewall", "sdn", "backup-info", "ceph",
    "jobs", "metrics", "mapping", "notifications"))

VMDIRS = {"qemu": "qemu-server", "lxc": "lxc", "openvz": "openvz"}
LOG_MAX = 50


def corosync_totem(text):
    """``(cluster_name, config_version)`` from corosync.conf text; ``(None,
    0)`` for a config that does not parse."""
    try:
        conf = corosync.parse(text)
        return corosync.cluster_name(conf), corosync.config_version(conf) or 0
    except corosync.CorosyncConfError:
        return None, 0


def guest_summary(text):
    """``name`` and ``template`` of a guest config's main section."""
    found = {}
    for line in text.split("\n"):
        if line.startswith("["):
            break
        key, _, value = line.partition(":")
        if key in ("name", "hostname") and value.strip():
            found["name"] = value.strip()
        elif key == "template" and value.strip() in ("1", "yes", "on", "true"):
            found["template"] = 1
    return found


def next_id_range(text):
    """``(lower, upper)`` of datacenter.cfg's ``next-id`` option."""
    lower, upper = 100, 1000 * 1000
    m = re.search(r"^next-id:\s*(\S+)", text, re.M)
    for item in (m.group(1).split(",") if m else ()):
        key, _, value = item.partition("=")
        if value.isdigit() and key == "lower":
            lower = int(value)
        elif value.isdigit() and key == "upper":
            upper = int(value)
    return lower, upper


@defer.inlineCallbacks
def _read_text(env, path):
    try:
        raw = yield env.cfs.read(path)
    except OSError:
        return None
    return raw.decode("utf-8", "replace")


@routes("/cluster/status")
@defer.inlineCallbacks
def get_status(env, params):
    # pmxcfs's member list, as Proxmox reads it (the cluster's name,
    # version and quorum, then every node of the nodelist)
    raw = yield env.cfs.read(".members")
    info = json.loads(raw.decode("utf-8", "replace"))
    cluster = info.get("cluster")
    result = []
    if cluster is not None:
        result.append({"type": "cluster", "id": "cluster",
                       "name": cluster.get("name"),
                       "version": cluster.get("version"),
                       "nodes": cluster.get("nodes"),
                       "quorate": 1 if cluster.get("quorate") else 0})
        nodelist = info.get("nodelist") or {}
    else:
        nodelist = {env.nodename: {"id": 0, "online": 1}}
    for node in sorted(nodelist):
        item = nodelist[node]
        entry = {"type": "node", "id": "node/" + node, "name": node,
                 "local": 1 if node == env.nodename else 0,
                 "nodeid": item.get("id", 0),
                 "online": 1 if item.get("online") else 0, "level": ""}
        if cluster is None:
            entry["pmxcfs"] = 1
        if item.get("ip"):
            entry["ip"] = item["ip"]
        result.append(entry)
    return result


@routes("/cluster/resources")
def resources(env, params):
    kind = params.get("type")
    # all asked at once; with the daemons' cache, all at hand
    d = gather(
        [env.cfs.vmlist() if kind in (None, "vm") else defer.succeed({}),
         env.cfs.members() if kind in (None, "node") else defer.succeed({}),
         env.user_config()])
    return d.addCallback(lambda r: _resources(env, kind, *r))


def _resources(env, kind, vmlist, members, cfg):
    result = []
    if not kind:
        for pool in sorted(cfg.pools):
            if env.check_with(cfg, "/pool/" + pool,
                              ["Pool.Audit", "Pool.Allocate"], any=True,
                              noerr=True):
                result.append({"id": "/pool/" + pool, "pool": pool,
                               "type": "pool"})
    guests = []
    for vmid in sorted(vmlist, key=int):
        if not env.check_with(cfg, "/vms/%s" % vmid, ["VM.Audit"], noerr=True):
            continue
        data = vmlist[vmid]
        entry = {"id": "%s/%s" % (data["type"], vmid), "vmid": int(vmid),
                 "node": data["node"], "type": data["type"],
                 "status": "unknown"}
        if int(vmid) in cfg.vms:
            entry["pool"] = cfg.vms[int(vmid)]
        guests.append(entry)
        result.append(entry)
    for node in sorted(members):
        result.append(nodes.node_entry(env, cfg, node, members))
    if not guests:
        return result
    paths = ["nodes/%s/%s/%s.conf" % (
        e["node"], VMDIRS.get(e["type"], e["type"]), e["vmid"])
        for e in guests]

    def named(summaries):
        for entry, path in zip(guests, paths):
            entry.update(summaries.get(path, {}))
        return result
    return guest_summaries(env, paths).addCallback(named)


#: per pmxcfs client: config path -> (its version, its guest_summary)
_SUMMARIES = weakref.WeakKeyDictionary()
SUMMARIES_MAX = 20000


def guest_summaries(env, paths):
    """``{path: guest_summary}`` of the guest configs at *paths*: one
    ``versions`` call, then only the configs that changed since the last
    call are read (side by side)."""
    cache = _SUMMARIES.setdefault(env.cfs, {})
    if len(cache) > SUMMARIES_MAX:
        cache.clear()

    def fetch(versions):
        stale = [p for p in paths if versions.get(p) is not None
                 and cache.get(p, (None,))[0] != versions[p]]

        def store(texts):
            for path, text in zip(stale, texts):
                cache[path] = (versions[path], guest_summary(text or ""))
            return {p: cache[p][1] for p in paths
                    if versions.get(p) is not None and p in cache}
        return gather(_read_text(env, p) for p in stale).addCallback(store)
    return env.cfs.versions(paths).addCallback(fetch)


@routes("/cluster/nextid")
@defer.inlineCallbacks
def nextid(env, params):
    vmlist = yield env.cfs.vmlist()
    used = {int(v) for v in vmlist}
    vmid = params.get("vmid")
    if vmid:
        if vmid not in used:
            return vmid
        raise ParamError({"vmid": "VM %d already exists" % vmid})
    lower, upper = next_id_range((yield _read_text(env, "datacenter.cfg")) or "")
    for candidate in range(lower, upper):
        if candidate not in used:
            return candidate
    raise APIError("unable to get any free VMID in range [%d, %d]\n" % (lower, upper))


@routes("/cluster/log")
@defer.inlineCallbacks
def cluster_log(env, params):
    admin = yield env.check("/", ["Sys.Syslog"], noerr=True)
    limit = params.get("max") or LOG_MAX
    entries = yield env.cfs.get_log(1 << 20)
    result = []
    for entry in entries:
        if not admin and entry.get("user") != env.user:
            continue
        entry["id"] = "%s:%s" % (entry["uid"], entry["node"])
        result.append(entry)
        if len(result) >= limit:
            break
    return result


@defer.inlineCallbacks
def task_list(env):
    """Tasks every node broadcast (``tasklist`` status key), or, where a
    node has not, this node's active list."""
    members = yield env.cfs.members()
    tasks = []
    for node in sorted(set(members) | {env.nodename}):
        raw = yield env.cfs.get_status("tasklist", node=node)
        if raw:
            try:
                tasks.extend(json.loads(raw))
                continue
            except ValueError:
                pass
        if node == env.nodename:
            for task in tasklog.read_active(env.paths):
                task.pop("saved", None)
                tasks.append(task)
    return tasks


@routes("/cluster/tasks")
@defer.inlineCallbacks
def cluster_tasks(env, params):
    everything = yield env.check("/", ["Sys.Audit"], noerr=True)
    result = []
    for task in (yield task_list(env)):
        _upid.split_token(task)
        if everything or task.get("user") == env.user:
            result.append(task)
    return result


from pve.api import cluster_config  # noqa: E402,F401  (registers /cluster/config)
