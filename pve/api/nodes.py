"""``/nodes``: the cluster's nodes, a node's index and its status.

The status numbers are read from ``/proc`` and ``statvfs`` of this machine
by pure parsers below (:func:`meminfo`, :func:`cpu_usage`...), as Proxmox's
``PVE::ProcFSTools``.  ``/nodes`` lists the members pmxcfs knows; until
pvestatd broadcasts node statistics, only this node's entry carries them.
"""

import os
import re

from twisted.internet import defer

from pve.access import certs
from pve.api import decl_nodes, version
from pve.api.formats import parse_boolean, split_list
from pve.api.schema import APIError
from pve.api.tree import Routes
from pve.daemon import workers

routes = Routes(decl_nodes.DECLS)

NODE_INDEX = ("ceph", "disks", "apt", "version", "syslog", "journal", "status",
              "wakeonlan", "subscription", "report", "tasks", "rrd", "rrddata",
              "replication", "vncshell", "termproxy", "spiceshell", "time", "dns",
              "hosts", "certificates", "config", "scan", "storage", "qemu", "lxc",
              "vzdump", "network", "execute")
routes.index("/nodes/{node}", key="name", order=NODE_INDEX)

PROC = "/proc"


def _read(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read()


# -- pure parsers -----------------------------------------------------------

def meminfo(text):
    """``/proc/meminfo`` in bytes: total, free, used, available, swap..."""
    kb = {}
    for line in text.splitlines():
        key, _, rest = line.partition(":")
        fields = rest.split()
        if fields and fields[0].isdigit():
            kb[key] = int(fields[0]) * 1024
    total, free = kb.get("MemTotal", 0), kb.get("MemFree", 0)
    available = kb.get("MemAvailable", free + kb.get("Buffers", 0) + kb.get("Cached", 0))
    swaptotal, swapfree = kb.get("SwapTotal", 0), kb.get("SwapFree", 0)
    return {"memtotal": total, "memfree": free, "memavailable": available,
            "memused": total - available, "swaptotal": swaptotal,
            "swapfree": swapfree, "swapused": swaptotal - swapfree}


def cpu_times(text):
    """``(busy, total, iowait)`` jiffies of the ``cpu`` line of ``/proc/stat``."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[0] == "cpu":
            values = [int(v) for v in fields[1:]]
            values += [0] * (8 - len(values))
            user, nice, system, idle, iowait, irq, softirq, steal = values[:8]
            busy = user + nice + system + irq + softirq + steal
            return busy, busy + idle + iowait, iowait
    return 0, 0, 0


def cpu_usage(before, after):
    """``(cpu, wait)`` fractions between two :func:`cpu_times` samples."""
    total = after[1] - before[1]
    if total <= 0:
        return 0, 0
    return (round((after[0] - before[0]) / total, 6),
            round((after[2] - before[2]) / total, 6))


def cpuinfo(text, online=None):
    """``model``, ``sockets``, ``cpus``, ``cores``, ``mhz``, ``flags``, ``hvm``."""
    model, mhz, flags = "unknown", 0, ""
    sockets, cores, cpus = set(), {}, 0
    phys = "0"
    for line in text.splitlines():
        key, _, value = (s.strip() for s in line.partition(":"))
        if key == "processor":
            cpus += 1
        elif key == "model name":
            model = value
        elif key == "cpu MHz" and not mhz:
            mhz = value
        elif key == "flags" and not flags:
            flags = value
        elif key == "physical id":
            phys = value
            sockets.add(value)
        elif key == "cpu cores":
            cores[phys] = int(value)
    cpus = online or cpus or 1
    nsockets = len(sockets) or 1
    return {"model": model, "sockets": nsockets, "cpus": cpus,
            "cores": sum(cores.values()) // nsockets if cores else cpus,
            "mhz": str(mhz), "flags": flags, "user_hz": os.sysconf("SC_CLK_TCK"),
            "hvm": 1 if (" vmx" in " " + flags or " svm" in " " + flags) else 0}


def df(path):
    st = os.statvfs(path)
    total, free = st.f_blocks * st.f_frsize, st.f_bfree * st.f_frsize
    return {"total": total, "avail": st.f_bavail * st.f_frsize,
            "used": total - free, "free": free}


# -- this machine -----------------------------------------------------------

_last_cpu = {}


def sample_cpu():
    """``(cpu, wait)`` since the previous call (since boot the first time)."""
    now = cpu_times(_read(os.path.join(PROC, "stat")))
    before = _last_cpu.get("sample", (0, 0, 0))
    _last_cpu["sample"] = now
    return cpu_usage(before, now)


def node_status():
    uptime, idle = (float(v) for v in _read(os.path.join(PROC, "uptime")).split()[:2])
    load = _read(os.path.join(PROC, "loadavg")).split()[:3]
    mem = meminfo(_read(os.path.join(PROC, "meminfo")))
    cpu, wait = sample_cpu()
    un = os.uname()
    info = cpuinfo(_read(os.path.join(PROC, "cpuinfo")), os.cpu_count())
    boot = {"mode": "efi" if os.path.isdir("/sys/firmware/efi") else "legacy-bios"}
    if boot["mode"] == "efi":
        boot["secureboot"] = 0
    return {
        "uptime": int(uptime), "idle": int(idle), "loadavg": load,
        "kversion": "%s %s %s" % (un.sysname, un.release, un.version),
        "current-kernel": {"sysname": un.sysname, "release": un.release,
                           "version": un.version, "machine": un.machine},
        "cpuinfo": info, "boot-info": boot, "cpu": cpu, "wait": wait,
        "memory": {"total": mem["memtotal"], "free": mem["memfree"],
                   "used": mem["memused"], "available": mem["memavailable"]},
        "swap": {"total": mem["swaptotal"], "free": mem["swapfree"],
                 "used": mem["swapused"]},
        "ksm": {"shared": 0},
        "rootfs": df("/"),
        "pveversion": version.version_text(),
    }


#: seconds :func:`node_stats` answers from its last reading (Proxmox shows
#: pvestatd's figures, up to 10 s old)
STATS_MAX_AGE = 1.0
_stats = {}


def node_stats(now=None):
    """What ``/nodes`` and ``/cluster/resources`` show of this machine:
    the part of :func:`node_status` they need, without ``cpuinfo`` and
    the rest.  Given the time *now*, a reading less than
    :data:`STATS_MAX_AGE` old is answered again (do not modify it)."""
    if now is not None:
        last = _stats.get("reading")
        if last is not None and 0 <= now - last[0] < STATS_MAX_AGE:
            return last[1]
    value = _node_stats()
    if now is not None:
        _stats["reading"] = (now, value)
    return value


def _node_stats():
    uptime = float(_read(os.path.join(PROC, "uptime")).split()[0])
    mem = meminfo(_read(os.path.join(PROC, "meminfo")))
    cpu, _wait = sample_cpu()
    rootfs = df("/")
    return {"uptime": int(uptime), "cpu": cpu, "maxcpu": os.cpu_count() or 1,
            "mem": mem["memused"], "maxmem": mem["memtotal"],
            "disk": rootfs["used"], "maxdisk": rootfs["total"]}


fingerprint = certs.pem_fingerprint


# -- endpoints --------------------------------------------------------------

def node_entry(env, cfg, node, members):
    """A node's entry of ``/nodes`` and ``/cluster/resources``: status
    from the members; statistics for this node, to ``Sys.Audit`` holders
    (*cfg*: the request's user config)."""
    online = (members.get(node) or {}).get("online")
    entry = {"id": "node/" + node, "node": node, "type": "node",
             "status": "online" if online else "offline"}
    if node == env.nodename and env.check_with(
            cfg, "/nodes/" + node, ["Sys.Audit"], noerr=True):
        entry.update(node_stats(env.reactor.seconds()))
    return entry


@routes("/nodes")
@defer.inlineCallbacks
def list_nodes(env, params):
    members = yield env.cfs.members()
    cfg = yield env.user_config()
    result = []
    for node in sorted(members):
        entry = node_entry(env, cfg, node, members)
        try:
            pem = yield env.cfs.read("nodes/%s/pve-ssl.pem" % node)
            entry["ssl_fingerprint"] = fingerprint(pem)
        except (OSError, ValueError):
            pass
        result.append(entry)
    return result


@routes("/nodes/{node}/status")
def get_status(env, params):
    return node_status()


# -- startall / stopall -------------------------------------------------------
#
# Worker tasks as Proxmox's ``PVE::API2::Nodes`` startall/stopall.  Starting
# and stopping guests does not exist here yet: the task starts or stops
# nothing and ends OK when no guest qualifies, and fails naming the guests
# otherwise.

_ONBOOT = re.compile(r"^onboot:\s*(\S+)\s*$", re.M)


def onboot(config_text):
    """Whether a guest config (its top section) sets ``onboot`` true."""
    top = re.split(r"^\[", config_text, maxsplit=1, flags=re.M)[0]
    m = _ONBOOT.search(top)
    return bool(m) and parse_boolean(m.group(1)) == 1


@defer.inlineCallbacks
def check_power_mgmt(env, vms):
    """``VM.PowerMgmt`` on ``/``, else on ``/vms/<id>`` of every guest in
    *vms* (a 403 naming ``/`` when *vms* is empty), as upstream's code."""
    ok = yield env.check("/", ["VM.PowerMgmt"], noerr=True)
    if ok:
        return
    if not vms:
        raise APIError("Permission check failed (/, VM.PowerMgmt)", code=403)
    for vmid in vms:
        yield env.check("/vms/%s" % vmid, ["VM.PowerMgmt"])


@defer.inlineCallbacks
def guests_on(env, node, vms, only_onboot):
    """``[(vmid, type)]`` of the guests on *node* (of *vms* if given)."""
    vmlist = yield env.cfs.vmlist()
    wanted = {int(v) for v in vms} if vms else None
    found = []
    for vmid in sorted(vmlist):
        info = vmlist[vmid]
        if info.get("node") != node or (wanted is not None and vmid not in wanted):
            continue
        if only_onboot:
            kind = "qemu-server" if info.get("type") == "qemu" else "lxc"
            try:
                raw = yield env.cfs.read("nodes/%s/%s/%d.conf" % (node, kind, vmid))
            except OSError:
                continue
            if not onboot(raw.decode("utf-8", "replace")):
                continue
        found.append([vmid, info.get("type")])
    return found


def power_worker(upid, action, guests):
    """The task: nothing to do without guests; guests are not supported yet."""
    if guests:
        raise RuntimeError("%s: %s of guests is not implemented yet (%s)" % (
            action, "starting" if action == "startall" else "stopping",
            ", ".join(str(vmid) for vmid, _ in guests)))


@defer.inlineCallbacks
def _power_all(env, params, action, only_onboot):
    vms = split_list(params.get("vms") or "")
    yield check_power_mgmt(env, vms)
    node = params["node"]
    if node == "localhost":
        node = env.nodename
    guests = yield guests_on(env, node, vms, only_onboot)
    return workers.start_worker(env.reactor, env.paths, env.nodename, action, None,
                                env.auth_id, power_worker, args=[action, guests])


@routes("/nodes/{node}/startall", "POST")
def startall(env, params):
    force = parse_boolean(params.get("force", 0)) == 1  # the default is "off"
    return _power_all(env, params, "startall", not force)


@routes("/nodes/{node}/stopall", "POST")
def stopall(env, params):
    return _power_all(env, params, "stopall", False)
