"""A VM's QEMU command line, as qemu-server's ``config_to_command`` builds
it, for the QEMU Debian installs (7.2) instead of Proxmox's patched one.

:func:`build_command` is pure: the VM config, the parsed ``storage.cfg``
and the facts of the host (:class:`pve.qemu.hostinfo.HostInfo`) in, an
argv out.  :func:`format_command` prints it as ``qm showcmd [--pretty]``.

The argv is qemu-server's for a node whose QEMU is 7.2, with these
differences for Debian's QEMU (each documented where it is made):

- no ``-id <vmid>`` (an option of Proxmox's QEMU only; qmeventd finds
  the VMID in ``-pidfile``);
- machine types lose Proxmox's ``+pveN`` revision (``pc+pve0`` -> ``pc``);
  a version newer than the installed QEMU runs as the newest it has
  (``pc-q35-9.2+pve1`` -> ``pc-q35-7.2``, with a warning); ``.pxe`` only
  selects the old iPXE ROMs, as in qemu-server (:mod:`pve.qemu.machine`);
- ``accel=kvm`` is explicit in ``-machine`` (``qemu-system-x86_64``
  defaults to TCG, Proxmox's ``kvm`` binary to KVM);
- the ``-readconfig`` files of qemu-server (q35 and USB 2 layouts) are
  given as the same ``-device`` options (:mod:`pve.qemu.pci`);
- disks use ``-drive`` + ``-device`` (qemu-server 9 only switches to
  ``-blockdev`` at machine version 10.0) (:mod:`pve.qemu.drives`);
- ``-boot`` has no ``splash=`` (qemu-server's boot splash is not installed);
- ``-chardev ...,reconnect=5`` for qmeventd (``reconnect-ms`` is QEMU 9.2);
- SPICE names the node certificate files (Proxmox patches them in as
  QEMU's defaults);
- no ``-daemonize``: our start path spawns QEMU itself
  (``reactor.spawnProcess``) and watches the process; QEMU still writes
  the pid file.  Pass ``daemonize=True`` for Proxmox's behaviour;
- runtime files are under ``PVE_ROOT``: ``<root>/run/qemu-server/<vmid>.qmp``,
  ``.pid``, ``.vnc``, ``.qga``, ``.serialN``, ``.swtpm`` and
  ``<root>/run/qmeventd.sock``; host paths of disks and ports are mapped
  under ``PVE_ROOT`` as storage paths are (identical when it is ``/``).

Three fixes of qemu-server's output, which QEMU refuses or which are not
repeatable: the ISA watchdog ``ib700`` gets no PCI address, the
``ivshmem-plain`` device no trailing comma, and a NIC without a MAC a
stable made-up one instead of a new random one at each start.

Options Debian's QEMU or this node cannot give raise
:class:`UnsupportedConfig` naming the key: PCI passthrough, non-``dir``
storages, hugepages, virtiofs, confidential VMs, OVMF without Debian's
``ovmf`` package, TPM without ``swtpm``, hibernation state (``-loadstate``
is a Proxmox patch), CPU models and options newer than QEMU 7.2, and
two things QEMU itself refuses at start: one writable image on two drives
(its image locking) and ``phys-bits`` on a 32-bit CPU model.  What
Proxmox itself refuses raises :class:`CommandError` with its message.
"""

import base64
import os
import re
import shlex
import shutil
from dataclasses import dataclass, field
from typing import Optional

from twisted.logger import Logger

from pve.api.formats import FormatError, parse_property_string
from pve.qemu import cpu as qcpu
from pve.qemu import devices as qdev
from pve.qemu import drives as qdrives
from pve.qemu import formats as qf
from pve.qemu import machine as qmachine
from pve.qemu import memory as qmemory
from pve.qemu import pci as qpci
from pve.qemu.cmderrors import CommandError, UnsupportedConfig
from pve.qemu.hostinfo import HostInfo, detect
from pve.qemu.showcmd import format_command, shell_quote

__all__ = ["build_command", "build", "format_command", "shell_quote", "Command", "CommandError",
           "UnsupportedConfig", "HostInfo", "QEMU_BINARY"]

log = Logger()

QEMU_BINARY = "/usr/bin/qemu-system-x86_64"
HOTPLUG_FEATURES = ("network", "disk", "cpu", "memory", "usb", "cloudinit")
RUN_DIR = "run/qemu-server"


@dataclass
class Command:
    """What :func:`build` made: the ``argv``; ``warnings`` (Proxmox's
    wording); the ``machine`` (:class:`pve.qemu.machine.Machine`); the
    ``spice_port`` chosen, if SPICE is on; ``efivars_template``: the OVMF
    vars image :meth:`prepare` copies to the temporary ``efivars_file``
    before starting, if the VM has OVMF but no efidisk."""

    argv: list
    warnings: list = field(default_factory=list)
    machine: Optional[qmachine.Machine] = None
    spice_port: Optional[int] = None
    efivars_template: Optional[str] = None
    efivars_file: Optional[str] = None

    def prepare(self):
        """Make the files the command needs before QEMU starts
        (blocking)."""
        if self.efivars_template and self.efivars_file:
            os.makedirs(os.path.dirname(self.efivars_file), exist_ok=True)
            shutil.copyfile(self.efivars_template, self.efivars_file)


class Context:
    """The state of one build, shared with :mod:`pve.qemu.devices`."""

    def __init__(self, conf, vmid, paths, host, machine, kvmver, volumes, warn):
        self.conf, self.vmid, self.paths, self.host = conf, vmid, paths, host
        self.machine, self.kvmver, self.volumes = machine, kvmver, volumes
        self.warn = warn
        self.bridges = set()
        self.bootorder = {}
        self.spice_port = None
        self.used_spice_port = None
        self.bridge_script = self.bridge_downscript = None
        self.efivars_template = None
        self.efivars_file = None
        self.is_template = False
        self.nodename = None

    def version_guard(self, major, minor, pve=None):
        return qmachine.min_version(self.machine.version, major, minor, pve)

    def pci_addr(self, device_id):
        return qpci.pci_addr(device_id, self.bridges)

    def run_path(self, name):
        return self.paths.join(RUN_DIR, name)

    def host_file(self, directory, name):
        return os.path.join(directory, name)

    def spice_tls_files(self):
        return (self.paths.join("etc/pve/nodes/%s/pve-ssl.key" % self.nodename),
                self.paths.join("etc/pve/nodes/%s/pve-ssl.pem" % self.nodename),
                self.paths.join("etc/pve/pve-root-ca.pem"))


def _main(conf):
    """The main section of a VMConfig (or a dict) as a dict of str/int."""
    return dict(getattr(conf, "main", conf))


def _int(value, default=0):
    if value is None or value == "":
        return default
    return int(value)


def _true(value):
    return value is not None and str(value) not in ("", "0")


def _template_conf(conf):
    """The reduced config a template starts with (for backups only)."""
    reduced = {"template": 1, "kvm": 0, "vga": "none"}
    for key in ("scsihw", "bios", "name"):
        if conf.get(key) is not None:
            reduced[key] = conf[key]
    for key in qdrives.DRIVE_NAMES:
        if conf.get(key) is not None:
            reduced[key] = conf[key]
    return reduced


def hotplug_features(value):
    value = "1" if value is None else str(value)
    if value == "0":
        return set()
    if value == "1":
        value = "network,disk,usb"
    features = set()
    for feature in (f for f in re.split(r"[,;\s]+", value) if f):
        if feature not in HOTPLUG_FEATURES:
            raise CommandError("invalid hotplug feature '%s'" % feature, "hotplug")
        features.add(feature)
    return features


def _smbios(value):
    try:
        props = parse_property_string(qf.SMBIOS1_FMT, str(value))
    except FormatError as e:
        raise CommandError("smbios1: %s" % e, "smbios1") from None
    is_base64 = _true(props.pop("base64", None))
    text = ""
    for key in sorted(props):
        item = str(props[key])
        if is_base64 and key != "uuid":
            item = base64.b64decode(item).decode("utf-8", "surrogateescape")
        item = item.replace(",", ",,")
        if item and item != "0":
            text += ",%s=%s" % (key, item)
    return "type=1" + text


def _created_version_fixups(conf, machine_conf, force_machine, kvmver, q35):
    """``qemu_created_version_fixups``: unversioned q35 Linux VMs created
    before QEMU 6.1 keep ACPI PCI hotplug off (it renames their NICs)."""
    meta = qmachine.parse_meta(conf.get("meta"))
    forced = qmachine.extract_version(force_machine) if force_machine else None
    if ((not machine_conf.get("type") or machine_conf["type"] in ("pc", "q35", "virt"))
            and (not meta.get("creation-qemu")
                 or not qmachine.min_version(meta["creation-qemu"], 6, 1))
            and (not forced or qmachine.min_version(forced, 6, 1))
            and qmachine.min_version(kvmver, 6, 1)
            and q35 and conf.get("ostype") == "l26"):
        return ["-global", "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off"]
    return []


def _timer(conf, winversion, version_guard, machine_flags, rtc_flags):
    """``Cfg2Cmd::Timer``: the options for the clock; flags are added to
    *machine_flags* and *rtc_flags*."""
    cmd = []
    tdf = conf.get("tdf")
    localtime = conf.get("localtime")
    startdate = conf.get("startdate") or "now"
    if winversion >= 5:
        if localtime is None:
            localtime = 1
        if _true(conf.get("acpi", 1)) and tdf is None:
            tdf = 1
    if winversion >= 6:
        cmd += ["-global", "kvm-pit.lost_tick_policy=discard"]
        machine_flags.append("hpet=off")
    elif conf.get("ostype") == "l26" and version_guard(10, 1, 0):
        machine_flags.append("hpet=off")
    if _true(tdf):
        rtc_flags.append("driftfix=slew")
    if startdate != "now":
        rtc_flags.append("base=%s" % startdate)
    elif _true(localtime):
        rtc_flags.append("base=localtime")
    return cmd


def _add_bridges(ctx, devices, q35_prefix, scsihw):
    """The PCI bridges the devices sit behind, put where qemu-server puts
    them: first on i440fx, after q35's own devices on q35."""
    bridges = set(ctx.bridges)
    if 4 in bridges:
        bridges.add(1)              # pci.4 is nested in pci.1
    if not ctx.machine.q35:
        if ctx.version_guard(2, 3):
            bridges.update((1, 2))
        if scsihw.startswith("virtio-scsi-single"):
            bridges.add(3)
    for k in sorted(bridges, key=str, reverse=True):
        if ctx.machine.q35 and k < 4:
            continue                # the q35 set has pci.0 to pci.3
        value = "pci-bridge,id=pci.%d,chassis_nr=%d%s" % (k, k, qpci.pci_addr("pci.%d" % k))
        if ctx.machine.q35:
            devices[q35_prefix:q35_prefix] = ["-device", value]
        elif k > 0:
            devices[0:0] = ["-device", value]


def _check_unsupported(conf):
    for i in range(qf.MAX_HOSTPCI):
        key = "hostpci%d" % i
        if conf.get(key):
            raise UnsupportedConfig("%s: PCI passthrough is not supported by this node" % key,
                                    key)
    for i in range(qf.MAX_VIRTIOFS):
        key = "virtiofs%d" % i
        if conf.get(key):
            raise UnsupportedConfig("%s: virtiofs (directory mappings and virtiofsd) is not "
                                    "supported by this node" % key, key)
    if conf.get("vmstate"):
        raise UnsupportedConfig("vmstate: resuming a hibernated VM needs Proxmox's QEMU "
                                "('-loadstate')", "vmstate")
    if conf.get("arch") and conf["arch"] != "x86_64":
        raise UnsupportedConfig("arch: %s guests are not supported by this node (x86_64 only)"
                                % conf["arch"], "arch")


def build(conf, vmid, paths, storage_cfg, nodename, kvm=None, qemu_version=(7, 2), host=None,
          bridge_script=None, bridge_downscript=None, spice_port=None, custom_cpu_models=None,
          force_machine=None, force_cpu=None, qemu_binary=QEMU_BINARY, daemonize=False):
    """The :class:`Command` starting VM *vmid* with config *conf*.

    *conf*: a :class:`pve.qemu.config.VMConfig` or its ``main`` dict;
    *paths*: the node's :class:`pve.paths.Paths`; *storage_cfg*: the
    storages of ``storage.cfg`` (:func:`pve.storage.config.parse_storage_cfg`);
    *nodename*: this node (storage ``nodes``, certificate paths); *kvm*:
    True or False to use KVM or TCG, None to follow the VM's ``kvm`` option
    (refused as Proxmox does if the host has no KVM); *qemu_version*: the
    installed QEMU; *host*: a :class:`HostInfo` (default: :func:`detect`);
    *bridge_script* and *bridge_downscript*: the tap scripts (default
    ``<root>/usr/libexec/qemu-server/pve-bridge`` and ``pve-bridgedown``);
    *spice_port*: the TLS port of SPICE (default: the first free one);
    *custom_cpu_models*: the models of ``cpu-models.conf``
    (:func:`pve.qemu.cpu.parse_cpu_models`); *force_machine* and
    *force_cpu*: a snapshot's ``runningmachine`` and ``runningcpu``.
    """
    host = detect() if host is None else host
    warnings = []
    warn = warnings.append
    conf = _main(conf)
    _check_unsupported(conf)
    is_template = _true(conf.get("template"))
    if is_template:
        conf = _template_conf(conf)
    kvmver = "%d.%d" % tuple(qemu_version[:2])
    machine_conf = qmachine.parse_machine(conf.get("machine"))
    machine = qmachine.resolve(conf, kvmver, force_machine)
    warnings += machine.warnings
    winversion = qmachine.windows_version(conf.get("ostype"))
    use_kvm = _true(conf["kvm"]) if conf.get("kvm") is not None else True
    if kvm is not None:
        use_kvm = use_kvm and kvm
    elif use_kvm and not host.kvm:
        raise CommandError("KVM virtualisation configured, but not available. Either disable "
                           "in VM configuration or enable in BIOS.", "kvm")

    volumes = qdrives.Volumes(storage_cfg, paths, nodename, host)
    ctx = Context(conf, vmid, paths, host, machine, kvmver, volumes, warn)
    ctx.nodename, ctx.spice_port, ctx.is_template = nodename, spice_port, is_template
    ctx.bridge_script = bridge_script or paths.join("usr/libexec/qemu-server/pve-bridge")
    ctx.bridge_downscript = bridge_downscript or paths.join(
        "usr/libexec/qemu-server/pve-bridgedown")

    # vm_commandline: the volumes must be on storages taking their type
    writers = {}
    for key in qdrives.DRIVE_NAMES:
        value = conf.get(key)
        if value:
            drive = parse_drive_or_fail(key, value)
            if qdrives.volume_storage(drive["file"]):
                volumes.check_content(key, drive["file"])
            _check_shared_image(key, drive, writers, is_template)

    q35 = machine.q35
    hotplug = hotplug_features(conf.get("hotplug"))
    machine_flags, rtc_flags, devices = [], [], []
    cmd = []
    if conf.get("affinity"):
        cmd += ["/usr/bin/taskset", "--cpu-list", "--all-tasks", str(conf["affinity"])]
    cmd += [qemu_binary]       # no -id: a Proxmox patch; qmeventd reads -pidfile
    name = conf.get("name") or "vm%s" % vmid
    cmd += ["-name", name if qemu_version >= (11, 0) else name + ",debug-threads=on"]
    cmd += ["-no-shutdown"]
    cmd += ["-chardev", "socket,id=qmp,path=%s,server=on,wait=off"
            % ctx.run_path("%s.qmp" % vmid), "-mon", "chardev=qmp,mode=control"]
    if ctx.version_guard(2, 12):
        reconnect = "reconnect-ms=5000" if qemu_version >= (9, 2) else "reconnect=5"
        cmd += ["-chardev", "socket,id=qmp-event,path=%s,%s"
                % (paths.qmeventd_socket, reconnect),
                "-mon", "chardev=qmp-event,mode=control"]
    cmd += ["-pidfile", ctx.run_path("%s.pid" % vmid)]
    if daemonize:
        cmd += ["-daemonize"]
    if conf.get("smbios1"):
        cmd += ["-smbios", _smbios(conf["smbios1"])]
    if conf.get("bios") == "ovmf":
        cmd += qdev.ovmf(ctx, qcpu.cpu_bitness(conf.get("cpu"), custom_cpu_models)
                         if not force_cpu else 64)
    q35_prefix = 0
    if q35:
        for value in qpci.q35_devices(ctx.version_guard(4, 0)):
            devices += ["-device", value]
        q35_prefix = len(devices)
    cmd += _created_version_fixups(conf, machine_conf, force_machine, kvmver, q35)
    if conf.get("vmgenid"):
        devices += ["-device", "vmgenid,guid=%s" % conf["vmgenid"]]
    devices += qdev.usb_controllers(ctx)
    vga, qxlnum = qdev.vga_properties(conf, machine.version, winversion)
    tablet = conf.get("tablet")
    if tablet is None:
        tablet = 1
        if qxlnum or re.match(r"serial\d+\Z", vga["type"]):
            tablet = 0
    if _true(tablet):
        devices += ["-device", "usb-tablet,id=tablet,bus=%s.0,port=1"
                    % ("ehci" if q35 else "uhci")]
    ctx.bootorder = qdrives.boot_order(conf)
    devices += qdev.usb_devices(ctx)
    devices += qdev.serial_ports(ctx)
    devices += qdev.parallel_ports(ctx)
    devices += qdev.audio(ctx)
    if not is_template:
        devices += qdev.tpm(ctx)

    sockets = _int(conf.get("sockets")) or _int(conf.get("smp")) or 1
    cores = _int(conf.get("cores")) or 1
    maxcpus = sockets * cores
    vcpus = _int(conf.get("vcpus")) or maxcpus
    if host.cpus < maxcpus:
        raise CommandError("MAX %d vcpus allowed per VM on this node" % host.cpus, "cores")
    if "cpu" in hotplug and ctx.version_guard(2, 7):
        cmd += ["-smp", "1,sockets=%d,cores=%d,maxcpus=%d" % (sockets, cores, maxcpus)]
        for i in range(2, vcpus + 1):
            cmd += ["-device", qcpu.cpu_device(conf, use_kvm, custom_cpu_models, i)]
    else:
        cmd += ["-smp", "%d,sockets=%d,cores=%d,maxcpus=%d" % (vcpus, sockets, cores, maxcpus)]
    cmd += ["-nodefaults", "-boot", "menu=on,strict=on,reboot-timeout=1000"]
    if conf.get("acpi") is not None and not _true(conf["acpi"]):
        machine_flags.append("acpi=off")
    if conf.get("reboot") is not None and not _true(conf["reboot"]):
        cmd += ["-no-reboot"]
    if vga["type"] and not re.match(r"serial\d+\Z", vga["type"]) and vga["type"] != "none":
        devices += ["-device", qdev.vga_device(ctx, vga, None, qxlnum)]
        if vga["type"] == "virtio-gl":
            cmd += ["-display", "egl-headless,gl=core"]
        cmd += ["-vnc", "unix:%s,password=on" % ctx.run_path("%s.vnc" % vmid)]
    else:
        if vga["type"] == "none":
            cmd += ["-vga", "none"]
        cmd += ["-nographic"]

    cmd += _timer(conf, winversion, ctx.version_guard, machine_flags, rtc_flags)

    if force_cpu:
        cmd += ["-cpu", force_cpu]
    else:
        cmd += qcpu.cpu_options(conf, use_kvm, ctx.version_guard, winversion, host, kvmver,
                                custom_cpu_models, warn)
    cpu = qcpu.parse_vm_cpu(conf["cpu"]) if conf.get("cpu") else {}
    cmd += qmemory.memory_options(conf, sockets, cores, "memory" in hotplug, False, host, cpu,
                                  machine_flags)
    if _true(conf.get("freeze")):
        cmd += ["-S"]
    if conf.get("keyboard") is not None:
        cmd += ["-k", conf["keyboard"]]
    devices += qdev.agent(ctx)
    devices += qdev.rng(ctx)
    spice_cmd, spice_devices = qdev.spice_options(ctx, vga, qxlnum, winversion)
    cmd += spice_cmd
    devices += spice_devices
    devices += qdev.balloon(ctx)
    devices += qdev.watchdog(ctx)

    scsihw = conf.get("scsihw") or "lsi"
    if host.iscsi_initiator:
        devices += ["-iscsi", "initiator-name=%s" % host.iscsi_initiator]
    cmd_objects, drive_devices = _drives(ctx, scsihw, is_template)
    cmd += cmd_objects
    devices += drive_devices
    devices += qdev.nets(ctx)

    if conf.get("ivshmem"):
        ivshmem = qdev.prop(qf.IVSHMEM_FMT, conf, "ivshmem")
        bus = qpci.pcie_addr("ivshmem") if q35 else ctx.pci_addr("ivshmem")
        devices += ["-device", "ivshmem-plain,memdev=ivshmem%s" % bus,
                    "-object", "memory-backend-file,id=ivshmem,share=on,"
                               "mem-path=/dev/shm/pve-shm-%s,size=%sM"
                               % (ivshmem.get("name") or vmid, ivshmem["size"])]

    _add_bridges(ctx, devices, q35_prefix, scsihw)

    machine_flags.append("accel=kvm" if use_kvm else "accel=tcg")
    cmd += qmachine.power_state_flags(machine_conf, ctx.version_guard)
    if conf.get("bios", "seabios") == "seabios" and re.match(r"(serial\d+|none)\Z",
                                                            vga["type"] or ""):
        machine_flags.append("smm=off")
    machine_flags.append("type=" + machine.qemu_type)
    qmachine.assert_valid_machine_property(machine_conf)
    viommu = machine_conf.get("viommu")
    if viommu:
        aw_bits = machine_conf.get("aw-bits")
        extra = ""
        if aw_bits:
            extra = ",aw-bits=%s" % aw_bits
            warn("vIOMMU 'aw-bits' set to %s. Sometimes it is necessary to set the CPU's "
                 "'guest-phys-bits' to the same value." % aw_bits)
        if viommu == "intel":
            devices[0:0] = ["-device", "intel-iommu,intremap=on,caching-mode=on" + extra]
            machine_flags.append("kernel-irqchip=split")
        else:
            if aw_bits:
                raise UnsupportedConfig("machine: aw-bits of the VirtIO vIOMMU needs QEMU 9.0, "
                                        "the installed QEMU is %s" % kvmver, "machine")
            devices += ["-device", "virtio-iommu-pci"]
    if conf.get("allow-ksm") is not None and not _true(conf["allow-ksm"]):
        machine_flags.append("mem-merge=off")

    cmd += devices
    if rtc_flags:
        cmd += ["-rtc", ",".join(rtc_flags)]
    cmd += ["-machine", ",".join(machine_flags)]
    if is_template:
        cmd += ["-snapshot"]
    if conf.get("args"):
        cmd += split_args(str(conf["args"]))
    return Command(cmd, warnings, machine, ctx.used_spice_port,
                   ctx.efivars_template, ctx.efivars_file)


def build_command(conf, vmid, paths, storage_cfg, nodename, kvm=None, qemu_version=(7, 2),
                  host=None, warn=None, **options):
    """The argv starting VM *vmid* (see :func:`build` for the arguments);
    *warn* gets each warning (default: logged)."""
    result = build(conf, vmid, paths, storage_cfg, nodename, kvm=kvm,
                   qemu_version=qemu_version, host=host, **options)
    for message in result.warnings:
        if warn is None:
            log.warn("{message}", message=message)
        else:
            warn(message)
    return result.argv


def _check_shared_image(key, drive, writers, is_template):
    """QEMU locks images: one opened writable by two drives fails to start
    ('Failed to get "write" lock'), so refuse that before."""
    if is_template or qdrives.is_cdrom(drive) or drive["file"] in ("none", "cdrom") \
            or drive["interface"] in ("efidisk", "tpmstate"):
        return
    readonly = _true(drive.get("ro")) or _true(drive.get("snapshot"))
    other = writers.get(drive["file"])
    if other is not None and not (readonly and other[1]):
        raise UnsupportedConfig(
            "volume '%s' is also used by %s: QEMU cannot open one image for two drives "
            "unless both are read-only" % (drive["file"], other[0]), key)
    writers.setdefault(drive["file"], (key, readonly))


def parse_drive_or_fail(key, value):
    drive = qdrives.parse_drive(key, str(value))
    if drive is None:
        raise CommandError("unable to parse drive options for '%s'" % key, key)
    return drive


def _drives(ctx, scsihw, is_template):
    """(options for the command, devices) of the disks and their controllers."""
    conf, cmd, devices = ctx.conf, [], []
    controllers, ahci = set(), set()
    for key, drive in qdrives.foreach_drive(conf):
        if drive["interface"] in ("efidisk", "tpmstate"):
            continue
        if ctx.bootorder.get(key):
            drive["bootindex"] = ctx.bootorder[key]
        if drive["interface"] == "virtio" and _true(drive.get("iothread")):
            cmd += ["-object", "iothread,id=iothread-" + key]
        if drive["interface"] == "scsi":
            maxdev, controller, prefix = qdrives.scsihw_infos(conf.get("scsihw"), drive["index"])
            if drive["index"] > 13 and not ctx.version_guard(4, 1, 2):
                raise CommandError("scsi%d: machine version 4.1~pve2 or higher is required to "
                                   "use more than 14 SCSI disks" % drive["index"], key)
            addr = ctx.pci_addr("%s%d" % (prefix, controller))
            kind = "virtio-scsi-pci" if scsihw.startswith("virtio-scsi-single") else scsihw
            iothread = queues = ""
            if conf.get("scsihw") == "virtio-scsi-single" and _true(drive.get("iothread")):
                iothread = ",iothread=iothread-%s%d" % (prefix, controller)
                cmd += ["-object", "iothread,id=iothread-%s%d" % (prefix, controller)]
            elif _true(drive.get("iothread")):
                ctx.warn("iothread is only valid with virtio disk or virtio-scsi-single "
                         "controller, ignoring")
            if conf.get("scsihw") == "virtio-scsi-single" and drive.get("queues"):
                queues = ",num_queues=%s" % drive["queues"]
            if controller not in controllers:
                devices += ["-device", "%s,id=%s%d%s%s%s" % (kind, prefix, controller, addr,
                                                             iothread, queues)]
                controllers.add(controller)
        if drive["interface"] == "sata":
            controller = drive["index"] // qdrives.MAX_SATA_DISKS
            if controller not in ahci:
                devices += ["-device", "ahci,id=ahci%d,multifunction=on%s"
                            % (controller, ctx.pci_addr("ahci%d" % controller))]
                ahci.add(controller)
        readonly = is_template and drive["interface"] not in ("ide", "sata")
        devices += ["-drive", qdrives.drive_commandline(ctx.volumes, key, drive, readonly)]
        devices += ["-device", qdrives.device_commandline(
            ctx.volumes, conf, key, drive, ctx.bridges, ctx.machine.q35)]
    return cmd, devices


def split_args(text):
    """``PVE::Tools::split_args``: the words of ``args:`` as a shell splits them."""
    try:
        return shlex.split(text)
    except ValueError as e:
        raise CommandError("args: unable to parse '%s' - %s" % (text, e), "args") from None
