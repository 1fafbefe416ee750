"""The QEMU machine type of a VM, as ``PVE::QemuServer::Machine`` picks it,
and what Debian's QEMU makes of it.

Proxmox's QEMU knows machine types with a ``+pveN`` revision
(``pc-q35-9.2+pve1``); qemu-server appends ``+pve0`` to every type it
passes.  Debian's QEMU has the upstream types only, so :func:`qemu_machine`
drops the revision and the ``.pxe`` suffix (which only selects the old iPXE
ROMs, see :func:`resolve`), and a version newer than the installed QEMU is
run as the newest one it has (``pc-i440fx-9.2+pve0`` -> ``pc-i440fx-7.2``),
with a warning: such a config comes from a node with a newer QEMU.

Versions are strings as Proxmox compares them (``7.2``, ``4.1+pve2``), so
the guards of qemu-server carry over literally: :func:`min_version`.
"""

import re
from dataclasses import dataclass

from pve.api.formats import FormatError, parse_property_string
from pve.qemu import formats as qf
from pve.qemu.cmderrors import CommandError, UnsupportedConfig

# PVE::QemuServer::Machine's $PVE_MACHINE_VERSION: the highest +pveN of a
# QEMU version (only those with revisions are listed).
PVE_MACHINE_VERSION = {"4.1": 2, "9.2": 1, "10.0": 1, "11.0": 2}

# The oldest versioned types of Debian's QEMU 7.2 (``-machine help``);
# pc-i440fx-1.4 to 1.7 are deprecated there but still run.
OLDEST = {"i440fx": (1, 4), "q35": (2, 4)}

_VERSION = re.compile(r"(\d+)\.(\d+)(?:\.(\d+))?(?:\+pve(\d+))?")
_PARTS = re.compile(
    r"(?:pc(?:-i440fx|-q35)?|virt)-(\d+)\.(\d+)(?:\.(\d+))?(?:\+pve(\d+))?(?:\.pxe)?")


class MachineError(CommandError):
    """Proxmox refuses the machine setting (``str()`` is its message)."""

    def __init__(self, message, key="machine"):
        CommandError.__init__(self, message, key)


class UnsupportedMachine(UnsupportedConfig, MachineError):
    """Proxmox would run the machine type, Debian's QEMU has it not."""

    def __init__(self, message, key="machine"):
        UnsupportedConfig.__init__(self, message, key)


def version_cmp(*pairs):
    """Proxmox's ``version_cmp(a1, b1, a2, b2, ...)``: -1, 0 or 1."""
    for left, right in zip(pairs[0::2], pairs[1::2]):
        left, right = int(left or 0), int(right or 0)
        if left != right:
            return 1 if left > right else -1
    return 0


def min_version(verstr, major, minor, pve=None):
    """Whether the version string *verstr* is at least major.minor+pve."""
    m = _VERSION.match(verstr or "")
    if not m:
        raise ValueError("internal error: cannot check version of invalid string '%s'"
                         % (verstr,))
    return version_cmp(m.group(1), major, m.group(2), minor, m.group(4), pve) >= 0


def parse_machine(value):
    """The dict of a ``machine`` value (``{}`` when unset)."""
    if not value:
        return {}
    return parse_property_string(qf.MACHINE_FMT, value)


def base_type(machine):
    """``q35``, ``i440fx`` or ``virt``."""
    if not machine:
        raise MachineError("unable to determine machine base type - no value")
    if "q35" in machine:
        return "q35"
    if machine.startswith("pc"):
        return "i440fx"
    if machine.startswith("virt"):
        return "virt"
    raise MachineError("unable to determine machine base type '%s'" % machine)


def version_parts(machine):
    """(major, minor, pve) of a versioned machine type, or None."""
    m = _PARTS.match(machine or "")
    if not m:
        return None
    return m.group(1), m.group(2), m.group(4)


def get_pve_version(verstr):
    m = re.match(r"(\d+\.\d+)", verstr)
    if not m:
        raise ValueError("internal error: cannot get pve version for invalid string '%s'"
                         % verstr)
    return PVE_MACHINE_VERSION.get(m.group(1), 0)


def extract_version(machine, kvmver=None):
    """``major.minor[+pveN]`` of *machine*, else of the QEMU version."""
    parts = version_parts(machine) if machine else None
    if parts:
        major, minor, pve = parts
        return "%s.%s" % (major, minor) + ("+pve%s" % pve if pve and pve != "0" else "")
    if kvmver:
        m = re.match(r"(\d+)\.(\d+)", kvmver)
        if m:
            return "%s.%s+pve%d" % (m.group(1), m.group(2), get_pve_version(kvmver))
    return None


def can_run_pve_machine_version(machine_version, kvmver):
    m = re.match(r"(\d+)\.(\d+)(?:\+pve(\d+))?(?:\.pxe)?\Z", machine_version)
    major, minor, pvever = m.group(1), m.group(2), m.group(3)
    k = re.match(r"(\d+)\.(\d+)", kvmver)
    if version_cmp(k.group(1), major, k.group(2), minor) < 0:
        return False
    if not pvever:
        return True
    return get_pve_version("%s.%s" % (major, minor)) >= int(pvever)


def latest_installed_machine_version(kvmver):
    version = re.match(r"(\d+\.\d+)", kvmver).group(1)
    pvever = get_pve_version(version)
    return version + ("+pve%d" % pvever if pvever > 0 else "")


def windows_version(ostype):
    """5 for XP/2003, 6 for Vista/2008, N for ``winN``, else 0."""
    if not ostype:
        return 0
    if ostype in ("wxp", "w2k3", "w2k"):
        return 5
    if ostype in ("w2k8", "wvista"):
        return 6
    m = re.fullmatch(r"win(\d+)", ostype)
    return int(m.group(1)) if m else 0


def _windows_pinned(machine, base_version, kvmver):
    pin = base_version
    if base_version is None or not can_run_pve_machine_version(base_version, kvmver):
        pin = latest_installed_machine_version(kvmver)
    return {"pc": "pc-i440fx-", "q35": "pc-q35-", "virt": "virt-"}[machine] + pin


def get_vm_machine(conf, force_machine, kvmver, arch="x86_64"):
    """The machine type qemu-server would use (with ``+pveN``)."""
    machine = force_machine or parse_machine(conf.get("machine")).get("type")
    if not machine or machine in ("pc", "q35", "virt"):
        machine = machine or ("virt" if arch == "aarch64" else "pc")
        if windows_version(conf.get("ostype")):
            base_version = "5.1"
            meta = parse_meta(conf.get("meta"))
            created = meta.get("creation-qemu")
            if created and min_version(created, 9, 1):
                base_version = re.match(r"(\d+.\d+)", created).group(1)
            machine = _windows_pinned(machine, base_version, kvmver)
        else:
            machine += "+pve%d" % get_pve_version(kvmver)
    if not re.search(r"\+pve\d+?(?:\.pxe)?\Z", machine):
        pxe = machine.endswith(".pxe")
        if pxe:
            machine = machine[:-4]
        machine += "+pve0" + (".pxe" if pxe else "")
    return machine


def parse_meta(value):
    if not value:
        return {}
    try:
        return parse_property_string(qf.META_INFO_FMT, value)
    except FormatError:
        return {}


def assert_valid_machine_property(machine_conf):
    viommu = machine_conf.get("viommu")
    aw_bits = machine_conf.get("aw-bits")
    if viommu == "intel":
        if "q35" not in (machine_conf.get("type") or ""):
            raise MachineError("to use Intel vIOMMU please set the machine type to q35")
        if aw_bits and float(aw_bits) not in (39, 48):
            raise MachineError("Intel vIOMMU supports only 39 or 48 bits as address width")
    if aw_bits and not viommu:
        raise MachineError("cannot set aw-bits if no vIOMMU is configured")


def power_state_flags(machine_conf, version_guard):
    """``-global`` options disabling S3/S4 (default off from 9.2+pve1)."""
    machine = machine_conf.get("type") or "pc"
    if machine.startswith("virt"):
        return []
    obj = "ICH9-LPC" if "q35" in machine else "PIIX4_PM"
    default = 0 if version_guard(9, 2, 1) else 1
    options = []
    for state in ("s3", "s4"):
        value = machine_conf.get("enable-" + state)
        if not int(default if value is None else value):
            options += ["-global", "%s.disable_%s=1" % (obj, state)]
    return options


@dataclass
class Machine:
    """The machine of one start.

    ``pve_type``: what Proxmox would pass (``pc-q35-5.1+pve0``);
    ``qemu_type``: what we pass to Debian's QEMU (``pc-q35-5.1``, ``pc``);
    ``version``: the version qemu-server's guards compare against (that of
    ``qemu_type``: ``7.2+pve0`` for ``pc``); ``old_bios_files``: use the
    non-EFI iPXE ROMs (``.pxe`` types, machines before 2.4).
    """

    pve_type: str
    qemu_type: str
    version: str
    q35: bool
    old_bios_files: bool
    warnings: list


def resolve(conf, kvmver, force_machine=None, arch="x86_64"):
    """The :class:`Machine` of *conf* on a QEMU of version *kvmver*."""
    warnings = []
    m = re.match(r"(\d+)\.(\d+)", kvmver)
    if not m or int(m.group(1)) < 6:
        raise MachineError("Detected old QEMU binary ('%s', at least 6.0 is required)" % kvmver)
    qemu = (int(m.group(1)), int(m.group(2)))
    pve_type = get_vm_machine(conf, force_machine, kvmver, arch)
    kind = base_type(pve_type)
    if kind == "virt":
        raise UnsupportedMachine("machine type '%s' needs an aarch64 QEMU" % pve_type)
    pxe = pve_type.endswith(".pxe")
    name = re.sub(r"\+pve\d+\Z", "", pve_type[:-4] if pxe else pve_type)
    parts = version_parts(name)
    if parts is None:
        qemu_type = name                            # pc, q35: the newest
        version = extract_version(pve_type, kvmver)
    else:
        major, minor = int(parts[0]), int(parts[1])
        micro = re.match(r"(?:pc(?:-i440fx|-q35)?)-\d+\.\d+\.(\d+)", name)
        prefix = "pc-q35-" if kind == "q35" else "pc-i440fx-"
        if (major, minor) > qemu:
            qemu_type = "%s%d.%d" % (prefix, qemu[0], qemu[1])
            warnings.append("machine type '%s' is newer than the installed QEMU %s, "
                            "running it as '%s'" % (pve_type, kvmver, qemu_type))
            version = "%d.%d" % qemu
        else:
            if (major, minor) < OLDEST[kind]:
                raise UnsupportedMachine(
                    "machine type '%s' is older than the oldest the installed QEMU %s "
                    "runs (%s%d.%d)" % (pve_type, kvmver, prefix, *OLDEST[kind]))
            qemu_type = "%s%d.%d" % (prefix, major, minor)
            if micro and kind == "q35" and (major, minor, int(micro.group(1))) == (4, 0, 1):
                qemu_type += ".1"
            version = extract_version(pve_type, kvmver)
    old_bios = pxe or not min_version(version, 2, 4)
    return Machine(pve_type, qemu_type, version, kind == "q35", old_bios, warnings)
