"""A VM's memory options: ``-m``, NUMA nodes and hot-pluggable DIMMs, as
``PVE::QemuServer::Memory::config`` prints them.

Hugepages need hugetlbfs mounts and reserved pages that this node does not
manage: a config with ``hugepages`` is refused (:class:`UnsupportedMemory`).
"""

import re

from pve.api.formats import FormatError, parse_property_string
from pve.qemu import formats as qf
from pve.qemu.cmderrors import CommandError, UnsupportedConfig

STATIC_MEMORY = 1024        # MiB before the DIMMs when memory hotplug is on
MAX_NUMA = 8


class MemoryConfigError(CommandError):
    """Proxmox refuses the memory settings (``str()`` is its message)."""

    def __init__(self, message, key="memory"):
        CommandError.__init__(self, message, key)


class UnsupportedMemory(UnsupportedConfig, MemoryConfigError):
    """Proxmox would run it, this node cannot."""

    def __init__(self, message, key="memory"):
        UnsupportedConfig.__init__(self, message, key)


def current_memory(value):
    """MiB of the ``memory`` value (default 512)."""
    if value is None or value == "":
        return 512
    try:
        return int(parse_property_string(qf.MEMORY_FMT, str(value))["current"])
    except (FormatError, KeyError, ValueError):
        raise MemoryConfigError("unable to parse memory value '%s'" % value) from None


def number_sets(text):
    """``1-3;5`` -> [(1, 3), (5, None)] (``parse_number_sets``)."""
    res = []
    for part in text.split(";"):
        m = re.fullmatch(r"\s*(\d+)(?:-(\d+))?\s*", part)
        if not m:
            raise MemoryConfigError("invalid range: %s" % part)
        start, end = int(m.group(1)), m.group(2)
        if end is not None and int(end) < start:
            raise MemoryConfigError("invalid range: %s (%s < %s)" % (part, end, start))
        res.append((start, None if end is None else int(end)))
    return res


def parse_numa(value):
    res = parse_property_string(qf.NUMA_FMT, value)
    if res.get("cpus") is not None:
        res["cpus"] = number_sets(res["cpus"])
    if res.get("hostnodes") is not None:
        res["hostnodes"] = number_sets(res["hostnodes"])
    return res


def max_memory(conf, cpu, host_phys_bits):
    """MiB addressable with the guest's physical bits (``get_max_mem``)."""
    bits = None
    phys = (cpu or {}).get("phys-bits")
    if phys == "host":
        bits = host_phys_bits
    elif phys and str(phys).isdigit():
        bits = int(phys)
    if bits is None:
        host_bits = host_phys_bits or 36
        if (cpu or {}).get("cputype") in ("host", "max"):
            bits = host_bits
        else:
            bits = min(host_bits, 40)
    bits &= ~1
    return min(1 << (bits - 21), 4 * 1024 * 1024)


def _ranges(ranges):
    return ",".join("%d" % start + ("-%d" % end if end is not None else "")
                    for start, end in ranges)


def _mem_object(conf, memdev, size):
    if memdev.startswith("virtiofs-mem"):
        return "memory-backend-memfd,id=%s,size=%sM,share=on" % (memdev, size)
    return "memory-backend-ram,id=%s,size=%sM" % (memdev, size)


def _numa_node_list(conf):
    nodes = [i for i in range(MAX_NUMA) if conf.get("numa%d" % i)]
    return nodes or list(range(int(conf.get("sockets") or 1)))


def _size(value):
    value = float(value)
    return int(value) if value == int(value) else value


def memory_options(conf, sockets, cores, hotplug, virtiofs, host, cpu, machine_flags):
    """The memory options of *conf*; machine flags are added to *machine_flags*."""
    cmd = []
    memory = current_memory(conf.get("memory"))
    numa = int(conf.get("numa") or 0)
    if conf.get("hugepages"):
        if not numa:
            raise MemoryConfigError("numa needs to be enabled to use hugepages")
        raise UnsupportedMemory("hugepages are not supported by this node (hugetlbfs is not "
                                "mounted and reserved for VMs)", "hugepages")
    if hotplug:
        if not numa:
            raise MemoryConfigError("NUMA needs to be enabled for memory hotplug")
        maxmem = max_memory(conf, cpu, host.phys_bits)
        if memory > maxmem:
            raise MemoryConfigError("Total memory is bigger than %dMB" % maxmem)
        for i in range(MAX_NUMA):
            if conf.get("numa%d" % i):
                raise MemoryConfigError(
                    "cannot enable memory hotplugging with custom NUMA topology")
        static = STATIC_MEMORY
        if memory < static:
            raise MemoryConfigError("minimum memory must be %dMB" % static)
        cmd += ["-m", "size=%d,slots=255,maxmem=%dM" % (static, maxmem)]
    else:
        static = memory
        cmd += ["-m", "%d" % static]
    if hotplug and virtiofs:
        raise MemoryConfigError("Memory hotplug does not work in combination with virtio-fs.")

    if numa:
        total = 0
        for i in range(MAX_NUMA):
            value = conf.get("numa%d" % i)
            if not value:
                continue
            node = parse_numa(value)
            if not node.get("memory"):
                raise MemoryConfigError("missing NUMA node%d memory value" % i)
            total += float(node["memory"])
            memdev = ("virtiofs-mem%d" if virtiofs else "ram-node%d") % i
            obj = _mem_object(conf, memdev, _size(node["memory"]))
            if node.get("cpus") is None:
                raise MemoryConfigError("missing NUMA node%d cpus" % i)
            cpus = ",cpus=".join("%d" % s + ("-%d" % e if e is not None else "")
                                 for s, e in node["cpus"])
            if node.get("hostnodes") is not None:
                for start, end in node["hostnodes"]:
                    for n in range(start, (start if end is None else end) + 1):
                        if n not in host.numa_nodes:
                            raise MemoryConfigError("host NUMA node%d doesn't exist" % n)
                hostnodes = _ranges(node["hostnodes"])
                if not node.get("policy"):
                    raise MemoryConfigError("you need to define a policy for hostnode %s"
                                       % hostnodes)
                obj += ",host-nodes=%s,policy=%s" % (hostnodes, node["policy"])
            cmd += ["-object", obj, "-numa", "node,nodeid=%d,cpus=%s,memdev=%s"
                    % (i, cpus, memdev)]
        if total and total != static:
            raise MemoryConfigError("total memory for NUMA nodes must be equal to vm static memory")
        if not total:
            per_node = static / sockets
            per_node = int(per_node) if per_node == int(per_node) else per_node
            for i in range(sockets):
                first = cores * i
                cpus = "%d" % first + ("-%d" % (first + cores - 1) if cores > 1 else "")
                memdev = ("virtiofs-mem%d" if virtiofs else "ram-node%d") % i
                cmd += ["-object", _mem_object(conf, memdev, per_node),
                        "-numa", "node,nodeid=%d,cpus=%s,memdev=%s" % (i, cpus, memdev)]
    elif virtiofs:
        cmd += ["-object", "memory-backend-memfd,id=virtiofs-mem,size=%dM,share=on" % memory]
        machine_flags.append("memory-backend=virtiofs-mem")

    if hotplug:
        cmd += _dimms(conf, memory, static)
    return cmd


def _dimms(conf, memory, static):
    """The DIMMs from *static* up to *memory* MiB (``foreach_dimm``)."""
    cmd = []
    if static == memory:
        return cmd
    nodes = _numa_node_list(conf)
    dimm_id, size, current = 0, 512, static
    for _ in range(8):
        for i in range(32):
            name = "dimm%d" % dimm_id
            dimm_id += 1
            current += size
            cmd += ["-object", "memory-backend-ram,id=mem-%s,size=%dM" % (name, size),
                    "-device", "pc-dimm,id=%s,memdev=mem-%s,node=%d"
                    % (name, name, nodes[i % len(nodes)])]
            if current > memory:
                raise MemoryConfigError("memory size (%d) must be aligned to %d for hotplugging"
                                   % (memory, size))
            if current >= memory:
                return cmd
        size *= 2
    return cmd
