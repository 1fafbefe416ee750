"""What the command line builder needs to know about the host.

qemu-server asks the host while it builds a VM's command line (the CPU
count, ``/dev/vhost-net``, a bridge's MTU, the iSCSI initiator name,
whether ``/dev/hwrng`` exists...).  Here those facts are one value,
:class:`HostInfo`, passed to :func:`pve.qemu.command.build_command`, so the
builder stays a function of its inputs: :func:`detect` reads them from this
machine; tests make one by hand, as Proxmox's test runner mocks the same
calls.
"""

import os
import re
import shutil
import socket
from dataclasses import dataclass, field
from typing import Callable, Optional

# Debian's ovmf package (bookworm): 4 MB images only.
DEBIAN_OVMF_DIR = "/usr/share/OVMF"
ISCSI_INITIATOR_FILE = "/etc/iscsi/initiatorname.iscsi"
SPICE_PORTS = range(61000, 62000)      # PVE::Tools::next_spice_port


def _bridge_mtu(bridge):
    try:
        with open("/sys/class/net/%s/mtu" % bridge) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def _next_spice_port(address="127.0.0.1"):
    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    for port in SPICE_PORTS:
        with socket.socket(family, socket.SOCK_STREAM) as s:
            try:
                s.bind((address, port))
            except OSError:
                continue
            return port
    raise OSError("unable to find free port (%d-%d)" % (SPICE_PORTS[0], SPICE_PORTS[-1]))


@dataclass
class HostInfo:
    """Facts of the host a VM starts on.

    ``kvm``: ``/dev/kvm`` exists; ``cpus``: logical CPUs (a VM may not
    have more); ``cpu_vendor``: ``GenuineIntel``, ``AuthenticAMD``...;
    ``cpu_flags``: the flags of ``/proc/cpuinfo`` (``nested-virt`` needs
    ``vmx`` or ``svm``); ``phys_bits``: the host's physical address bits;
    ``vhost_net``: ``/dev/vhost-net`` exists; ``bridge_mtu(name)``: a
    bridge's MTU or None if there is no such bridge; ``numa_nodes``: host
    NUMA node ids; ``ovmf_dir``: where Debian's OVMF images are (None:
    not installed); ``swtpm``: swtpm is installed; ``cdrom``: the host's
    CD-ROM device or ``""``; ``iscsi_initiator``: this node's initiator
    name or None; ``exists(path)`` and ``is_char_device(path)``: checks of
    host paths (serial and parallel ports, RNG sources) and ``file_size``; ``scsi_type(path)``:
    the SCSI peripheral type of a passed-through device (0 disk, 1 tape)
    or None;
    ``runnable_cpu_models``: CPU models QEMU can run with KVM on this host
    (``query-cpu-definitions``), None if not known; ``spice_address`` and
    ``next_spice_port()``: where SPICE listens.
    """

    kvm: bool = True
    cpus: int = 1
    cpu_vendor: str = "GenuineIntel"
    cpu_flags: frozenset = frozenset()
    phys_bits: Optional[int] = None
    vhost_net: bool = False
    bridge_mtu: Callable = _bridge_mtu
    numa_nodes: frozenset = frozenset([0])
    ovmf_dir: Optional[str] = None
    swtpm: bool = False
    cdrom: str = ""
    iscsi_initiator: Optional[str] = None
    exists: Callable = os.path.exists
    file_size: Callable = os.path.getsize
    is_char_device: Callable = field(default=None)
    scsi_type: Callable = field(default=None)
    runnable_cpu_models: Optional[frozenset] = None
    spice_address: str = "127.0.0.1"
    next_spice_port: Callable = _next_spice_port

    def __post_init__(self):
        if self.is_char_device is None:
            self.is_char_device = _is_char_device
        if self.scsi_type is None:
            self.scsi_type = _scsi_type


def _is_char_device(path):
    import stat
    try:
        return stat.S_ISCHR(os.stat(path).st_mode)
    except OSError:
        return False


def _scsi_type(path):
    """The SCSI type of a block or sg device from sysfs, or None."""
    import stat
    try:
        st = os.stat(path)
    except OSError:
        return None
    if stat.S_ISBLK(st.st_mode):
        kind = "block"
    elif stat.S_ISCHR(st.st_mode):
        kind = "char"
    else:
        return None
    text = _read("/sys/dev/%s/%d:%d/device/type" % (kind, os.major(st.st_rdev),
                                                    os.minor(st.st_rdev))).strip()
    return int(text) if text.isdigit() else None


def _cpuinfo(text):
    vendor, flags = "GenuineIntel", frozenset()
    for line in text.splitlines():
        key, _, value = line.partition(":")
        key = key.strip()
        if key == "vendor_id" and value.strip():
            vendor = value.strip()
        elif key == "flags":
            flags = frozenset(value.split())
        if key == "" and flags:
            break
    return vendor, flags


def _phys_bits(text):
    m = re.search(r"address sizes\s*:\s*(\d+) bits physical", text)
    return int(m.group(1)) if m else None


def _read(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _iscsi_initiator(text):
    for line in text.splitlines():
        m = re.match(r"\s*InitiatorName\s*=\s*([\.\-:\w]+)", line)
        if m:
            return m.group(1)
    return None


def debian_ovmf_dir(base=DEBIAN_OVMF_DIR):
    """*base* if Debian's OVMF 4 MB images are there, else None."""
    if all(os.path.isfile(os.path.join(base, name)) for name in
           ("OVMF_CODE_4M.fd", "OVMF_VARS_4M.fd")):
        return base
    return None


def detect():
    """The :class:`HostInfo` of this machine."""
    cpuinfo = _read("/proc/cpuinfo")
    vendor, flags = _cpuinfo(cpuinfo)
    nodes = frozenset(
        int(m.group(1)) for m in (re.fullmatch(r"node(\d+)", name) for name in
                                  _listdir("/sys/devices/system/node")) if m) or frozenset([0])
    cdrom = next((p for p in ("/dev/cdrom", "/dev/cdrom1", "/dev/cdrom2")
                  if os.path.islink(p)), "")
    return HostInfo(
        kvm=os.path.exists("/dev/kvm"),
        cpus=os.cpu_count() or 1,
        cpu_vendor=vendor,
        cpu_flags=flags,
        phys_bits=_phys_bits(cpuinfo),
        vhost_net=os.path.exists("/dev/vhost-net"),
        numa_nodes=nodes,
        ovmf_dir=debian_ovmf_dir(),
        swtpm=shutil.which("swtpm") is not None,
        cdrom=cdrom,
        iscsi_initiator=_iscsi_initiator(_read(ISCSI_INITIATOR_FILE)),
    )


def _listdir(path):
    try:
        return os.listdir(path)
    except OSError:
        return []
