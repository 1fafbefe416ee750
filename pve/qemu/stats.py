"""A VM's usage counters, as qemu-server's ``vmstatus`` computes them.

Two parts: what the host tells about the QEMU process without asking it
(/proc/<pid>/stat, /proc/net/dev, the VM's cgroup; cheap, used for the VM
list), and what the monitor answers (``query-blockstats``,
``query-balloon``...; only for the full status).  Everything here is pure
or reads through an injected ``read(path) -> text or None``; the CPU usage
keeps its previous sample per process in :data:`CPU_USAGE`, with its clock
injectable.
"""

import os
import re
import time

# Asked in this order on one connection; the first failure ends the
# round (query-balloon fails without a balloon device, so it comes last).
MONITOR_QUERIES = ("query-status", "query-blockstats", "query-machines",
                   "query-version", "query-balloon")

PRESSURE_KINDS = ("cpu", "io", "memory")
_TAP = re.compile(r"^tap([1-9]\d*)i\d+$")
_PRESSURE = re.compile(r"^(some|full)\s+avg10=(\d+\.\d+)\s+avg60=(\d+\.\d+)\s+"
                       r"avg300=(\d+\.\d+)\s+total=(\d+)")


def read_text(path):
    """The content of *path*, or None when it cannot be read."""
    try:
        with open(path) as fh:
            return fh.read()
    except (OSError, UnicodeDecodeError):
        return None


def clock_ticks():
    return os.sysconf("SC_CLK_TCK")


def host_cpu_count():
    return os.cpu_count() or 1


# -- /proc parsers -----------------------------------------------------------

def parse_pid_stat(text):
    """The fields of a /proc/<pid>/stat line Proxmox uses (times in
    clock ticks, ``rss`` in pages), or None for text that is not one."""
    if not text or ")" not in text:
        return None
    fields = text.rsplit(")", 1)[1].split()
    try:
        return {"state": fields[0], "ppid": int(fields[1]),
                "utime": int(fields[11]), "stime": int(fields[12]),
                "starttime": int(fields[19]), "vsize": int(fields[20]),
                "rss": int(fields[21])}
    except (IndexError, ValueError):
        return None


def parse_uptime_ticks(text, hz):
    """Seconds since boot from /proc/uptime, in clock ticks (0 if unknown)."""
    try:
        return int(float(text.split()[0]) * hz)
    except (AttributeError, IndexError, ValueError):
        return 0


def parse_net_dev(text):
    """/proc/net/dev as ``{iface: {"receive": bytes, "transmit": bytes}}``."""
    out = {}
    for line in (text or "").splitlines():
        name, sep, counters = line.partition(":")
        fields = counters.split()
        if not sep or len(fields) < 9 or not fields[0].isdigit():
            continue
        out[name.strip()] = {"receive": int(fields[0]), "transmit": int(fields[8])}
    return out


def tap_traffic(netdev, vmid, per_nic=False):
    """``netin``/``netout`` of *vmid* summed over its taps ``tap<vmid>i<n>``
    (and ``nics`` per tap when *per_nic*).  As Proxmox, the directions are
    the guest's: what the tap receives is what the guest sent (netout)."""
    result = {"netin": 0, "netout": 0}
    nics = {}
    for dev in sorted(netdev):
        match = _TAP.match(dev)
        if not match or int(match.group(1)) != int(vmid):
            continue
        counters = netdev[dev]
        result["netout"] += counters["receive"]
        result["netin"] += counters["transmit"]
        nics[dev] = {"netout": counters["receive"], "netin": counters["transmit"]}
    if per_nic and nics:
        result["nics"] = nics
    return result


def parse_pressure(text):
    """A PSI file (``cpu.pressure``...) as ``{"some": {"avg10": ..}, ..}``."""
    out = {}
    for line in (text or "").splitlines():
        match = _PRESSURE.match(line)
        if match:
            out[match.group(1)] = {
                "avg10": float(match.group(2)), "avg60": float(match.group(3)),
                "avg300": float(match.group(4)), "total": int(match.group(5))}
    return out


def cgroup_memory(current, stat):
    """A cgroup v2's memory in use without its page cache: ``memory.current``
    minus ``file`` of ``memory.stat``; None when *current* is unreadable."""
    try:
        used = int(current.strip())
    except (AttributeError, ValueError):
        return None
    for line in (stat or "").splitlines():
        key, _, value = line.partition(" ")
        if key == "file" and value.strip().isdigit():
            return max(0, used - int(value))
    return used


def statm_rss(text, page_size):
    """Resident bytes from /proc/<pid>/statm (0 if unreadable)."""
    try:
        return int(text.split()[1]) * page_size
    except (AttributeError, IndexError, ValueError):
        return 0


# -- CPU usage ------------------------------------------------------------------

class CpuUsage:
    """Proxmox's ``$last_proc_pid_stat``: the CPU share a process used
    since the previous sample.  A process is known by pid and start time,
    so a new process under an old pid starts afresh.  The first sample
    gives 0; a sample taken less than 1000 host-CPU ticks after the kept
    one repeats the kept value (and keeps the older base)."""

    def __init__(self, clock=time.time, cpucount=None, hz=None):
        self.clock = clock
        self.cpucount = cpucount or host_cpu_count()
        self.hz = hz or clock_ticks()
        self._last = {}

    def sample(self, pid, starttime, used, cpus):
        """*used*: utime + stime in ticks; *cpus*: the VM's CPUs.  The share
        of those CPUs used, 0 to 1 (more only if QEMU's own threads add)."""
        now = self.clock()
        old = self._last.get(pid)
        if old is None or old["starttime"] != starttime:
            self._last[pid] = {"starttime": starttime, "time": now, "used": used,
                               "cpu": 0}
            return 0
        span = (now - old["time"]) * self.cpucount * self.hz
        if span <= 1000:
            return old["cpu"]
        cpu = (used - old["used"]) / span * self.cpucount / (cpus or 1)
        self._last[pid] = {"starttime": starttime, "time": now, "used": used, "cpu": cpu}
        return cpu

    def forget(self, pid):
        self._last.pop(pid, None)


CPU_USAGE = CpuUsage()


# -- what the host tells ------------------------------------------------------------

def cgroup_dir(vmid):
    """Where systemd puts the VM's scope (cgroup v2)."""
    return "/sys/fs/cgroup/qemu.slice/%s.scope" % (vmid,)


def process_stats(vmid, pid, cpus, read=read_text, usage=None, hz=None,
                  page_size=None):
    """``uptime``, ``cpu``, ``mem``, ``memhost`` and the ``pressure*``
    fields of a running VM's QEMU *pid*, or {} when the process is gone.
    ``mem`` is the scope cgroup's memory without page cache as Proxmox
    reports it; for a QEMU outside a scope, the process's resident size."""
    pstat = parse_pid_stat(read("/proc/%d/stat" % pid))
    if pstat is None:
        return {}
    usage = CPU_USAGE if usage is None else usage
    hz = hz or usage.hz
    uptime = parse_uptime_ticks(read("/proc/uptime"), hz)
    cgroup = cgroup_dir(vmid)
    mem = cgroup_memory(read(cgroup + "/memory.current"), read(cgroup + "/memory.stat"))
    if mem is None:
        mem = statm_rss(read("/proc/%d/statm" % pid), page_size or os.sysconf("SC_PAGE_SIZE"))
    out = {
        "uptime": max(0, (uptime - pstat["starttime"]) // hz),
        "cpu": usage.sample(pid, pstat["starttime"], pstat["utime"] + pstat["stime"], cpus),
        "mem": mem, "memhost": mem,
    }
    for kind in PRESSURE_KINDS:
        pressure = parse_pressure(read("%s/%s.pressure" % (cgroup, kind)))
        for level in ("some", "full"):
            out["pressure%s%s" % (kind, level)] = pressure.get(level, {}).get("avg10", 0)
    return out


def net_stats(vmid, per_nic=False, read=read_text):
    return tap_traffic(parse_net_dev(read("/proc/net/dev")), vmid, per_nic)


# -- what the monitor answers ---------------------------------------------------------

def drive_id(blockstat):
    """The drive key (``scsi0``) of a ``query-blockstats`` entry, or None."""
    device = blockstat.get("device")
    if device:
        return device.replace("drive-", "", 1)
    qdev = blockstat.get("qdev")
    if not qdev:
        return None
    match = re.match(r"^/machine/peripheral/(virtio\d+)/virtio-backend$", qdev)
    if match:
        return match.group(1)
    if re.match(r"^/machine/(system|virt)\.flash0$", qdev):
        return "pflash0"
    if re.match(r"^/machine/(system|virt)\.flash1$", qdev):
        return "efidisk0"
    return qdev


def block_fields(blockstats):
    """``diskread``, ``diskwrite`` and ``blockstat`` from query-blockstats."""
    read = written = 0
    per_drive = {}
    for entry in blockstats or []:
        stats = entry.get("stats") or {}
        read += stats.get("rd_bytes", 0)
        written += stats.get("wr_bytes", 0)
        key = drive_id(entry)
        if key is not None:
            per_drive[key] = stats
    return {"diskread": read, "diskwrite": written, "blockstat": per_drive}


def running_machine(machines):
    """The machine type QEMU runs (``pc-i440fx-7.2``; ``+pveN`` if it says)."""
    default = None
    for machine in machines or []:
        if machine.get("is-default"):
            default = machine.get("name")
        if machine.get("is-current"):
            name = machine.get("name")
            if machine.get("pve-version"):
                name += "+" + machine["pve-version"]
            return name
    return default or "pc"


def running_qemu(version):
    qemu = (version or {}).get("qemu")
    if not qemu:
        return "unknown"
    return "%s.%s.%s" % (qemu.get("major"), qemu.get("minor"), qemu.get("micro"))


def balloon_fields(info, maxmem):
    """``balloon``, ``ballooninfo`` (and ``maxmem``, ``mem``, ``freemem``
    when QEMU reports them) from query-balloon.  Proxmox's QEMU adds
    ``max_mem`` (the VM's RAM) and guest memory figures; a stock QEMU
    answers ``actual`` only, so ``max_mem`` is then the configured RAM."""
    if not info or "actual" not in info:
        return {}
    info = dict(info)
    info.setdefault("max_mem", maxmem)
    out = {"maxmem": info["max_mem"], "balloon": info["actual"], "ballooninfo": info}
    if "total_mem" in info and "free_mem" in info:
        out["mem"] = info["total_mem"] - info["free_mem"]
        out["freemem"] = info["free_mem"]
    return out


def monitor_fields(answers, maxmem):
    """The full-status fields from the ``return`` values of
    :data:`MONITOR_QUERIES` (those that answered, by name)."""
    out = {}
    if "query-status" not in answers:
        return out
    status = (answers["query-status"] or {}).get("status")
    if status:
        out["qmpstatus"] = status
    out["proxmox-support"] = {}
    if "query-blockstats" in answers:
        out.update(block_fields(answers["query-blockstats"]))
    if "query-machines" in answers:
        out["running-machine"] = running_machine(answers["query-machines"])
    if "query-version" in answers:
        out["running-qemu"] = running_qemu(answers["query-version"])
    if "query-balloon" in answers:
        out.update(balloon_fields(answers["query-balloon"], maxmem))
    return out
