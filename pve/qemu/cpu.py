"""A VM's ``-cpu`` option, as ``PVE::QemuServer::CPUConfig`` builds it.

The model comes from ``cpu:`` (default ``kvm64``, ``qemu64`` without KVM),
a built-in abstract model (``x86-64-v2-AES`` is ``qemu64`` plus flags) or a
custom model of ``/etc/pve/virtual-guest/cpu-models.conf``
(:func:`parse_cpu_models`); flags are merged from Proxmox's own
(``+kvm_pv_eoi``...), the Hyper-V enlightenments of Windows guests, the
model's and the VM's, later ones winning with a warning.

For Debian's QEMU 7.2: models newer than 7.2 (``EPYC-Genoa``,
``SapphireRapids``...) and ``guest-phys-bits`` (QEMU 9.0) are refused with
:class:`UnsupportedCpu`; ``host`` needs KVM; with KVM a model the host
cannot run (``HostInfo.runnable_cpu_models``) is refused too, as
``enforce`` would make QEMU exit.
"""

import re

from pve.api.formats import FormatError, parse_property_string
from pve.qemu import formats as qf
from pve.qemu.cmderrors import CommandError, UnsupportedConfig
from pve.qemu.machine import min_version

BUILTIN_MODELS = {
    "x86-64-v2": ("qemu64", "+popcnt;+pni;+sse4.1;+sse4.2;+ssse3"),
    "x86-64-v2-AES": ("qemu64", "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3"),
    "x86-64-v3": ("qemu64", "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3;+avx;+avx2;+bmi1;+bmi2;"
                            "+f16c;+fma;+abm;+movbe;+xsave"),
    "x86-64-v4": ("qemu64", "+aes;+popcnt;+pni;+sse4.1;+sse4.2;+ssse3;+avx;+avx2;+bmi1;+bmi2;"
                            "+f16c;+fma;+abm;+movbe;+xsave;+avx512f;+avx512bw;+avx512cd;"
                            "+avx512dq;+avx512vl"),
}
DEPRECATED = {"Icelake-Client": "Icelake-Server", "Icelake-Client-noTSX": "Icelake-Server-noTSX"}
BITS_32 = frozenset(["486", "pentium", "pentium2", "pentium3", "coreduo", "athlon", "kvm32",
                     "qemu32"])

# ``qemu-system-x86_64 -cpu help`` of Debian's QEMU 7.2.
QEMU_7_2_MODELS = frozenset("""
486 486-v1 Broadwell Broadwell-IBRS Broadwell-noTSX Broadwell-noTSX-IBRS Broadwell-v1
Broadwell-v2 Broadwell-v3 Broadwell-v4 Cascadelake-Server Cascadelake-Server-noTSX
Cascadelake-Server-v1 Cascadelake-Server-v2 Cascadelake-Server-v3 Cascadelake-Server-v4
Cascadelake-Server-v5 Conroe Conroe-v1 Cooperlake Cooperlake-v1 Cooperlake-v2 Denverton
Denverton-v1 Denverton-v2 Denverton-v3 Dhyana Dhyana-v1 Dhyana-v2 EPYC EPYC-IBPB EPYC-Milan
EPYC-Milan-v1 EPYC-Rome EPYC-Rome-v1 EPYC-Rome-v2 EPYC-v1 EPYC-v2 EPYC-v3 Haswell Haswell-IBRS
Haswell-noTSX Haswell-noTSX-IBRS Haswell-v1 Haswell-v2 Haswell-v3 Haswell-v4 Icelake-Server
Icelake-Server-noTSX Icelake-Server-v1 Icelake-Server-v2 Icelake-Server-v3 Icelake-Server-v4
Icelake-Server-v5 Icelake-Server-v6 IvyBridge IvyBridge-IBRS IvyBridge-v1 IvyBridge-v2
KnightsMill KnightsMill-v1 Nehalem Nehalem-IBRS Nehalem-v1 Nehalem-v2 Opteron_G1 Opteron_G1-v1
Opteron_G2 Opteron_G2-v1 Opteron_G3 Opteron_G3-v1 Opteron_G4 Opteron_G4-v1 Opteron_G5
Opteron_G5-v1 Penryn Penryn-v1 SandyBridge SandyBridge-IBRS SandyBridge-v1 SandyBridge-v2
Skylake-Client Skylake-Client-IBRS Skylake-Client-noTSX-IBRS Skylake-Client-v1
Skylake-Client-v2 Skylake-Client-v3 Skylake-Client-v4 Skylake-Server Skylake-Server-IBRS
Skylake-Server-noTSX-IBRS Skylake-Server-v1 Skylake-Server-v2 Skylake-Server-v3
Skylake-Server-v4 Skylake-Server-v5 Snowridge Snowridge-v1 Snowridge-v2 Snowridge-v3
Snowridge-v4 Westmere Westmere-IBRS Westmere-v1 Westmere-v2 athlon athlon-v1 core2duo
core2duo-v1 coreduo coreduo-v1 kvm32 kvm32-v1 kvm64 kvm64-v1 n270 n270-v1 pentium pentium-v1
pentium2 pentium2-v1 pentium3 pentium3-v1 phenom phenom-v1 qemu32 qemu32-v1 qemu64 qemu64-v1
base host max""".split())

_FLAG_ANY = re.compile(r"([+-])([a-zA-Z0-9\-_\.]+)\Z")
_FLAG_SUPPORTED = re.compile(r"([+-])(%s)\Z" % "|".join(map(re.escape, qf.VM_CPU_FLAGS)))
_PVE = "set by PVE;"


class CpuError(CommandError):
    """Proxmox refuses the CPU settings (``str()`` is its message)."""

    def __init__(self, message, key="cpu"):
        CommandError.__init__(self, message, key)


class UnsupportedCpu(UnsupportedConfig, CpuError):
    """Proxmox would run it, Debian's QEMU or this host cannot."""

    def __init__(self, message, key="cpu"):
        UnsupportedConfig.__init__(self, message, key)


def parse_cpu_models(text):
    """The custom models of ``cpu-models.conf``: name -> {property: value}."""
    models, current = {}, None
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            if not line.strip():
                current = None
            continue
        m = re.match(r"(\S+):\s*(\S+)\s*\Z", line)
        if m and not line[0].isspace():
            if m.group(1) != "cpu-model":
                raise CpuError("cpu-models.conf line %d: unknown section type '%s'"
                               % (number, m.group(1)))
            current = models.setdefault(m.group(2), {})
            continue
        m = re.match(r"\s+(\S+)(?:\s+(.*\S))?\s*\Z", line)
        if m and current is not None:
            current[m.group(1)] = m.group(2) or ""
            continue
        raise CpuError("cpu-models.conf line %d: unable to parse '%s'" % (number, line))
    return models


def parse_vm_cpu(value):
    """The dict of a VM's ``cpu`` value (``cputype`` set)."""
    try:
        return parse_property_string("pve-vm-cpu-conf", value)
    except FormatError as e:
        raise CpuError("Cannot parse cpu description: %s (%s)" % (value, e)) from None


def custom_model(name, models):
    name = re.sub(r"\Acustom-", "", name)
    entry = (models or {}).get(name)
    if entry is None:
        raise CpuError("Custom cputype '%s' not found" % name)
    return {key: value for key, value in entry.items() if key in qf.CPU_FMT and value}


def default_cpu_type(kvm):
    return "kvm64" if kvm else "qemu64"


def cpu_bitness(cpu_value, models=None):
    cputype = default_cpu_type(False)
    if cpu_value:
        cputype = parse_vm_cpu(cpu_value)["cputype"]
        if cputype in BUILTIN_MODELS:
            cputype = BUILTIN_MODELS[cputype][0]
        elif cputype.startswith("custom-"):
            cputype = custom_model(cputype, models).get("reported-model", "kvm64")
    return 32 if cputype in BITS_32 else 64


def _flag_list(pattern, reason, text):
    res = {}
    for flag in (text or "").split(";"):
        m = pattern.match(flag)
        if m:
            res[m.group(2)] = {"op": m.group(1), "reason": reason}
    return res


def _describe(name, flag):
    text = "'%s%s" % (flag.get("op", ""), name)
    if flag.get("value") is not None:
        text += "=%s" % flag["value"]
    text += "'"
    if flag.get("reason") is not None:
        text += " (%s)" % flag["reason"]
    return text


def _resolve_flags(hashes, host, warn):
    flags = {}
    for hash_ in hashes:
        for name in list(hash_):
            flag = hash_[name]
            if name == "nested-virt":
                nested = "svm" if "svm" in host.cpu_flags else (
                    "vmx" if "vmx" in host.cpu_flags else None)
                if nested is None:
                    warn("ignoring 'nested-virt' CPU flag - unable to resolve from host CPU "
                         "flags")
                    continue
                if nested in hash_:
                    warn("warning: CPU flag '%s' overrides '%s'" % (name, nested))
                name = nested
            flag.setdefault("op", "")
            flag.setdefault("reason", "unknown origin")
            old = flags.get(name)
            if old:
                changed = old.get("value") != flag.get("value")
                if old["op"] == flag["op"] and not changed:
                    old["reason"] += " & %s" % flag["reason"]
                    continue
                warn("warning: CPU flag/setting %s overwrites %s"
                     % (_describe(name, flag), _describe(name, old)))
            flags[name] = flag
    return flags


def _pve_flags(conf, kvm, cputype, version_guard, qemu_version, winversion):
    flags = {}
    if cputype == "kvm64":
        flags["lahf_lm"] = {"op": "+", "reason": _PVE + " to support Windows 8.1+"}
    if conf.get("ostype") == "solaris":
        flags["x2apic"] = {"op": "-", "reason": _PVE + " incompatible with Solaris"}
    if cputype in ("kvm64", "kvm32"):
        flags["sep"] = {"op": "+", "reason": _PVE + " to support Windows 8+ and improve "
                                                    "Windows XP+"}
    if cputype.startswith("Opteron"):
        flags["rdtscp"] = {"op": "-", "reason": _PVE + " broken on AMD Opteron"}
    if version_guard(2, 3) and kvm:
        flags["kvm_pv_unhalt"] = {"op": "+", "reason": _PVE + " to improve Linux guest "
                                                              "spinlock performance"}
        flags["kvm_pv_eoi"] = {"op": "+", "reason": _PVE + " to improve Linux guest interrupt "
                                                           "performance"}
    if min_version(qemu_version, 11, 0) and winversion >= 11:
        for name in ("cet-ibt", "cet-ss"):
            flags[name] = {"op": "-", "reason": _PVE + " to avoid issues with certain Windows "
                                                       "configurations like VBS"}
    if min_version(qemu_version, 11, 0) and cputype == "host" and not version_guard(11, 0):
        flags["vmx-mbec"] = {"op": "-", "reason": _PVE + " for backwards compatibility with "
                                                         "older kernel and QEMU"}
    return flags


def hyperv_enlightenments(winversion, version_guard, bios, gpu_passthrough, hv_vendor_id,
                          cpu_vendor):
    if winversion < 6 or (bios == "ovmf" and winversion < 8):
        return {}
    flags = {}
    default = "automatic Hyper-V enlightenment for Windows"

    def add(name, value=None, reason=None):
        flags[name] = {"reason": reason or default, "value": value}

    if gpu_passthrough or hv_vendor_id is not None:
        add("hv_vendor_id", hv_vendor_id or "proxmox",
            "custom hv_vendor_id set" if hv_vendor_id is not None
            else "NVIDIA workaround for GPU passthrough")
    if version_guard(2, 3):
        add("hv_spinlocks", "0x1fff")
        add("hv_vapic")
        add("hv_time")
    else:
        add("hv_spinlocks", "0xffff")
    if version_guard(2, 6):
        add("hv_reset")
        add("hv_vpindex")
        add("hv_runtime")
    if winversion >= 7:
        win7 = default + " 7 and higher"
        add("hv_relaxed", reason=win7)
        if version_guard(2, 12):
            add("hv_synic", reason=win7)
            add("hv_stimer", reason=win7)
        if version_guard(3, 1):
            add("hv_ipi", reason=win7)
    if cpu_vendor == "GenuineIntel" and winversion >= 11 and version_guard(11, 0, 2):
        add("hv_evmcs", reason=default + " for Windows 11 on Intel host")
    return flags


def cpu_options(conf, kvm, version_guard, winversion, host, qemu_version, custom_models=None,
                warn=lambda message: None, kvm_off=False, gpu_passthrough=False):
    """``['-cpu', value]`` for *conf* (``get_cpu_options``)."""
    cputype = default_cpu_type(kvm)
    cpu, custom, builtin_flags, hv_vendor_id = {}, None, None, None
    if conf.get("cpu"):
        cpu = parse_vm_cpu(conf["cpu"])
        cputype = cpu["cputype"]
        if cputype in BUILTIN_MODELS:
            cputype, builtin_flags = BUILTIN_MODELS[cputype]
        elif cputype.startswith("custom-"):
            custom = custom_model(cputype, custom_models)
            cputype = custom.get("reported-model", "kvm64")
            if custom.get("hidden") is not None:
                kvm_off = _true(custom["hidden"])
            hv_vendor_id = custom.get("hv-vendor-id")
        cputype = DEPRECATED.get(cputype, cputype)
        if cpu.get("hidden") is not None:
            kvm_off = _true(cpu["hidden"])
        if cpu.get("hv-vendor-id") is not None:
            hv_vendor_id = cpu["hv-vendor-id"]
    if cputype not in qf.CPU_MODELS or qf.CPU_MODELS[cputype] == "ARM":
        raise CpuError("CPU model '%s' does not exist for configured vCPU architecture "
                       "'x86_64'" % cputype)
    if cputype not in QEMU_7_2_MODELS:
        raise UnsupportedCpu("CPU model '%s' is not available in the installed QEMU %s"
                             % (cputype, qemu_version))
    if cputype == "host" and not kvm:
        raise UnsupportedCpu("CPU model 'host' requires KVM")
    if kvm and host.runnable_cpu_models is not None and cputype != "host" \
            and cputype not in host.runnable_cpu_models:
        raise UnsupportedCpu("CPU model '%s' cannot run with KVM on this host (its CPU lacks "
                             "features of the model)" % cputype)

    pve_flags = _pve_flags(conf, kvm, cputype, version_guard, qemu_version, winversion)
    hv_flags = hyperv_enlightenments(winversion, version_guard, conf.get("bios"),
                                     gpu_passthrough, hv_vendor_id, host.cpu_vendor) \
        if kvm else {}
    forced = {}
    if cputype != "host" and kvm:
        forced["enforce"] = {"reason": "error if requested CPU settings not available"}
    if kvm_off:
        forced["kvm"] = {"value": "off", "reason": "hide KVM virtualization from guest"}
    vendor = qf.CPU_MODELS[cputype]
    if vendor != "default":
        forced["vendor"] = {"value": vendor}

    value = cputype
    level = cpu.get("level")
    if level is None and custom:
        level = custom.get("level")
    if level is not None:
        value += ",level=%s" % level

    resolved = _resolve_flags([
        pve_flags, hv_flags,
        _flag_list(_FLAG_ANY, "set by builtin CPU model", builtin_flags),
        _flag_list(_FLAG_ANY, "set by custom CPU model", (custom or {}).get("flags")),
        _flag_list(_FLAG_SUPPORTED, "manually set for VM", cpu.get("flags")),
        forced], host, warn)
    for name in sorted(resolved):
        flag = resolved[name]
        value += "," + flag["op"] + name
        if flag.get("value"):
            value += "=%s" % flag["value"]

    above_40 = False
    for option in ("guest-phys-bits", "phys-bits"):
        setting = None
        for source in (custom, cpu):        # the VM's setting wins
            if (source or {}).get(option):
                setting = str(source[option])
        if setting is None:
            continue
        if option == "guest-phys-bits":
            raise UnsupportedCpu("'guest-phys-bits' needs QEMU 9.0, the installed QEMU is %s"
                                 % qemu_version)
        if setting == "host":
            value += ",host-phys-bits=true"
            above_40 = above_40 or (host.phys_bits or 0) > 40
        else:
            if cputype in BITS_32:
                raise UnsupportedCpu("phys-bits=%s cannot be set for the 32-bit CPU model "
                                     "'%s' (QEMU refuses it)" % (setting, cputype))
            value += ",%s=%s" % (option, setting)
            above_40 = above_40 or int(setting) > 40
    if above_40 and cputype in ("qemu64", "kvm64") and conf.get("bios") == "ovmf":
        pdpe1gb = resolved.get("pdpe1gb")
        if not pdpe1gb or pdpe1gb["op"] == "-":
            warn("OVMF firmware might limit CPU 'phys-bits' to 40 - enable the 'pdpe1gb' CPU "
                 "flag to avoid this")
    return ["-cpu", value]


def cpu_device(conf, kvm, custom_models, index):
    """The ``-device`` of hot-pluggable vCPU *index* (2...)."""
    cputype = default_cpu_type(kvm)
    if conf.get("cpu"):
        cputype = parse_vm_cpu(conf["cpu"])["cputype"]
        if cputype in BUILTIN_MODELS:
            cputype = BUILTIN_MODELS[cputype][0]
        elif cputype.startswith("custom-"):
            cputype = custom_model(cputype, custom_models).get("reported-model", "kvm64")
        cputype = DEPRECATED.get(cputype, cputype)
    cores = _int(conf.get("cores")) or 1
    core = (index - 1) % cores
    socket = (index - 1 - core) // cores
    return "%s-x86_64-cpu,id=cpu%d,socket-id=%d,core-id=%d,thread-id=0" % (
        cputype, index, socket, core)


def _true(value):
    return str(value).lower() in ("1", "on", "yes", "true")


def _int(value):
    return int(value) if value not in (None, "") else 0
