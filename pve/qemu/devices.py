"""The devices of a VM's command line besides disks and memory: USB, VGA
and SPICE, NICs, serial and parallel ports, audio, RNG, guest agent,
watchdog, TPM and the OVMF firmware, as qemu-server prints them.

Each function takes the parsed config and the build context
(:class:`pve.qemu.command.Context`) and returns argv items; nothing here
touches the host except through ``ctx.host`` (:class:`HostInfo`).
"""

import hashlib
import re

from pve.api.formats import FormatError, parse_property_string
from pve.qemu import formats as qf
from pve.qemu import pci as qpci
from pve.qemu.cmderrors import CommandError, UnsupportedConfig
from pve.qemu.drives import path_and_format, volume_storage
from pve.qemu.machine import min_version, windows_version
from pve.qemu.schema import parse_drive, parse_net

MAX_USB = 14
OLD_MAX_USB = 5
MAX_SERIAL = 4
MAX_PARALLEL = 3
MAX_NETS = 32
VGA_DEVICES = {"cirrus": "cirrus-vga", "std": "VGA", "vmware": "vmware-svga",
               "virtio": "virtio-vga", "virtio-gl": "virtio-vga-gl"}
PXE_ROMS = {"virtio-net-pci": "pxe-virtio.rom", "e1000": "pxe-e1000.rom",
            "e1000e": "pxe-e1000e.rom", "ne2k": "pxe-ne2k_pci.rom", "pcnet": "pxe-pcnet.rom",
            "rtl8139": "pxe-rtl8139.rom"}


def prop(fmt, conf, key):
    try:
        return parse_property_string(fmt, str(conf[key]))
    except FormatError as e:
        raise CommandError("%s: unable to parse value '%s' - %s" % (key, conf[key], e),
                           key) from None


def _true(value):
    return value is not None and str(value) not in ("", "0")


# -- USB --------------------------------------------------------------------

def _use_qemu_xhci(conf, machine_version):
    ostype = conf.get("ostype")
    return min_version(machine_version, 7, 1) and ostype is not None and (
        ostype == "l26" or windows_version(ostype) > 7)


def _usb_entries(conf, use_qemu_xhci):
    for i in range(MAX_USB):
        key = "usb%d" % i
        if not conf.get(key):
            continue
        if i >= OLD_MAX_USB and not use_qemu_xhci:
            raise CommandError("using usb%d is only possible with machine type >= 7.1 and "
                               "ostype l26 or windows > 7" % i, key)
        try:
            yield i, key, parse_property_string(qf.USB_FMT, str(conf[key]))
        except FormatError:
            continue


def usb_controllers(ctx):
    conf, devices = ctx.conf, []
    use_qemu_xhci = _use_qemu_xhci(conf, ctx.machine.version)
    if not ctx.machine.q35:
        devices += ["-device", "piix3-usb-uhci,id=uhci%s.0x2" % ctx.pci_addr("piix3")]
    usb2 = usb3 = any_usb = False
    for _, _, device in _usb_entries(conf, use_qemu_xhci):
        any_usb = True
        if _true(device.get("usb3")):
            usb3 = True
        else:
            usb2 = True
    if not use_qemu_xhci and not ctx.machine.q35 and usb2:
        for value in qpci.usb2_devices():           # pve-usb.cfg
            devices += ["-device", value]
    if use_qemu_xhci and any_usb:
        devices += ["-device", "qemu-xhci,p2=15,p3=15,id=xhci%s" % ctx.pci_addr("xhci")]
    elif usb3:
        devices += ["-device", "nec-usb-xhci,id=xhci%s" % ctx.pci_addr("xhci")]
    return devices


def usb_devices(ctx):
    conf, devices = ctx.conf, []
    use_qemu_xhci = _use_qemu_xhci(conf, ctx.machine.version)
    for i, key, device in _usb_entries(conf, use_qemu_xhci):
        port = i + 1 if use_qemu_xhci else None
        host = device.get("host") or ""
        if host == "spice":
            bus = "xhci" if ((_true(device.get("usb3"))
                              and min_version(ctx.machine.version, 4, 0))
                             or use_qemu_xhci) else "ehci"
            devices += ["-chardev", "spicevmc,id=usbredirchardev%d,name=usbredir" % i]
            value = "usb-redir,chardev=usbredirchardev%d,id=usbredirdev%d,bus=%s.0" % (i, i, bus)
            if port is not None:
                value += ",port=%d" % port
            devices += ["-device", value]
            if ctx.bootorder.get(key):
                ctx.warn("warning: spice usb port set as bootdevice, ignoring")
            continue
        if device.get("mapping"):
            raise UnsupportedConfig("%s: USB device mappings (mapping=%s) are not supported by "
                                    "this node" % (key, device["mapping"]), key)
        value = "usb-host"
        if _true(device.get("usb3")) or port is not None:
            value += ",bus=xhci.0"
            if port is not None:
                value += ",port=%d" % port
        m = re.fullmatch(r"(0x)?([0-9A-Fa-f]{4}):(0x)?([0-9A-Fa-f]{4})", host)
        p = re.fullmatch(r"(\d+)-(\d+(\.\d+)*)", host)
        if m:
            value += ",vendorid=0x%s,productid=0x%s" % (m.group(2), m.group(4))
        elif p:
            value += ",hostbus=%s,hostport=%s" % (p.group(1), p.group(2))
        else:
            raise CommandError("no usb id or path given", key)
        value += ",id=" + key
        if ctx.bootorder.get(key):
            value += ",bootindex=%d" % ctx.bootorder[key]
        devices += ["-device", value]
    return devices


# -- display ----------------------------------------------------------------

def vga_properties(conf, machine_version, winversion):
    """(vga dict with a ``type``, number of QXL displays)."""
    vga = {}
    if conf.get("vga"):
        vga = prop(qf.VGA_FMT, conf, "vga")
    qxlnum = 0
    kind = vga.get("type") or ""
    if kind.startswith("qxl"):
        qxlnum = int(kind[3:] or 1)
        vga["type"] = "qxl"
    if not vga.get("type"):
        if min_version(machine_version, 2, 9):
            vga["type"] = "std" if (not winversion or winversion >= 6) else "cirrus"
        else:
            vga["type"] = "std" if winversion >= 6 else "cirrus"
    return vga, qxlnum


def vga_device(ctx, vga, index, qxlnum):
    conf = ctx.conf
    kind = VGA_DEVICES.get(vga["type"])
    max_outputs = ""
    if qxlnum:
        kind = "qxl" if index else "qxl-vga"
        ostype = conf.get("ostype")
        if not ostype or re.match(r"(?:l\d\d)|(?:other)\Z", ostype):
            if min_version(ctx.machine.version, 4, 1):
                max_outputs = ",max_outputs=4"
    if not kind:
        raise CommandError("no device-type for %s" % vga["type"], "vga")
    memory = ""
    vgamem = vga.get("memory")
    if vgamem:
        vgamem = int(vgamem)
        if vga["type"].startswith("virtio"):
            memory = ",max_hostmem=%d" % (vgamem * 1024 * 1024)
        elif qxlnum:
            memory = ",vgamem_mb=%d,ram_size_mb=%d,vram_size_mb=%d" % (vgamem, vgamem * 4,
                                                                      vgamem * 2)
        else:
            memory = ",vgamem_mb=%d" % vgamem
    elif qxlnum and index:
        memory = ",ram_size=67108864,vram_size=33554432"
    edid = ""
    if kind == "VGA" and windows_version(conf.get("ostype")) and conf.get("bios") != "ovmf":
        edid = ",edid=off"
    vgaid = "vga%s" % (index or "")
    if ctx.machine.q35 and vgaid == "vga":
        addr = qpci.pcie_addr(vgaid)
    else:
        addr = ctx.pci_addr(vgaid)
    if vga["type"] == "virtio-gl":
        base = "/usr/lib/x86_64-linux-gnu/lib"
        if not ctx.host.exists(base + "EGL.so.1") or not ctx.host.exists(base + "GL.so.1"):
            raise UnsupportedConfig("missing libraries for 'virtio-gl' detected! Please install "
                                    "'libgl1' and 'libegl1'", "vga")
        if not ctx.host.exists("/dev/dri/renderD128"):
            raise UnsupportedConfig("no DRM render node detected (/dev/dri/renderD*), no GPU? "
                                    "- needed for 'virtio-gl' display", "vga")
    return "%s,id=%s%s%s%s%s" % (kind, vgaid, memory, max_outputs, addr, edid)


def spice_options(ctx, vga, qxlnum, winversion):
    """The SPICE agent channel and server (also VNC's clipboard agent)."""
    conf, cmd, devices = ctx.conf, [], []
    clipboard = vga.get("clipboard")
    if clipboard == "vnc" and vga.get("type") and not vga["type"].startswith(
            ("std", "cirrus", "vmware", "virtio", "qxl")):
        raise CommandError("vga type %s is not compatible with VNC clipboard" % vga["type"],
                           "vga")
    is_spice = bool(qxlnum) or vga["type"].startswith("virtio")
    if not (is_spice or clipboard == "vnc"):
        return cmd, devices
    if qxlnum > 1:
        if winversion:
            for i in range(1, qxlnum):
                devices += ["-device", vga_device(ctx, vga, i, qxlnum)]
        else:
            ram, vram = "134217728", "67108864"
            if vga.get("memory"):
                ram = "%d" % (qxlnum * 4 * int(vga["memory"]) * 1048576)
                vram = "%d" % (qxlnum * 2 * int(vga["memory"]) * 1048576)
            cmd += ["-global", "qxl-vga.ram_size=" + ram, "-global", "qxl-vga.vram_size=" + vram]
    devices += ["-device", "virtio-serial,id=spice%s" % ctx.pci_addr("spice")]
    if clipboard == "vnc":
        devices += ["-chardev", "qemu-vdagent,id=vdagent,name=vdagent,clipboard=on"]
    else:
        devices += ["-chardev", "spicevmc,id=vdagent,name=vdagent"]
    devices += ["-device", "virtserialport,chardev=vdagent,name=com.redhat.spice.0"]
    if is_spice:
        enhancements = prop(qf.SPICE_ENHANCEMENTS_FMT, conf, "spice_enhancements") \
            if conf.get("spice_enhancements") else {}
        if _true(enhancements.get("foldersharing")):
            devices += ["-chardev", "spiceport,id=foldershare,name=org.spice-space.webdav.0",
                        "-device", "virtserialport,chardev=foldershare,"
                                   "name=org.spice-space.webdav.0"]
        port = ctx.spice_port
        if port is None:
            port = ctx.host.next_spice_port(ctx.host.spice_address)
        ctx.used_spice_port = port
        # Debian's QEMU lacks Proxmox's patch that makes the node certificate
        # SPICE's default: name the files.
        options = ("tls-port=%s,addr=%s,tls-ciphers=HIGH,seamless-migration=on,"
                   "x509-key-file=%s,x509-cert-file=%s,x509-cacert-file=%s" % (
                       port, ctx.host.spice_address, *ctx.spice_tls_files()))
        if enhancements.get("videostreaming"):
            options += ",streaming-video=%s" % enhancements["videostreaming"]
        devices += ["-spice", options]
    return cmd, devices


# -- network ----------------------------------------------------------------

def net_options(ctx, key, net):
    """``-netdev`` and ``-device`` of NIC *key* (``print_netdev_full`` and
    ``print_netdevice_full``)."""
    conf, vmid = ctx.conf, ctx.vmid
    index = int(key[3:])
    ifname = "tap%si%d" % (vmid, index)
    if len(ifname) >= 16:
        raise CommandError("interface name '%s' is too long (max 15 character)" % ifname, key)
    model = net["model"]
    if net.get("bridge"):
        netdev = "type=tap,id=%s,ifname=%s,script=%s,downscript=%s" % (
            key, ifname, ctx.bridge_script, ctx.bridge_downscript)
        if ctx.host.vhost_net and model == "virtio":
            netdev += ",vhost=on"
    else:
        netdev = "type=user,id=%s,hostname=%s" % (key, conf.get("name") or "vm%s" % vmid)
    queues = int(net.get("queues") or 0)
    if queues and model == "virtio":
        netdev += ",queues=%d" % queues

    device = "virtio-net-pci" if model == "virtio" else model
    value = "%s,mac=%s,netdev=%s%s,id=%s" % (device, net.get("macaddr") or _mac(ctx.vmid, key),
                                             key, ctx.pci_addr(key), key)
    version = ctx.machine.version
    if queues > 1 and model == "virtio":
        value += ",vectors=%d,mq=on" % (queues * 2 + 2)
        if min_version(version, 7, 1):
            value += ",packed=on"
    if min_version(version, 7, 1) and model == "virtio":
        value += ",rx_queue_size=1024,tx_queue_size=256"
    if net.get("bootindex"):
        value += ",bootindex=%d" % net["bootindex"]
    mtu = net.get("mtu")
    mtu = int(mtu) if mtu is not None else None
    if model == "virtio" and net.get("bridge"):
        bridge_mtu = ctx.host.bridge_mtu(net["bridge"])
        if not bridge_mtu:
            raise CommandError("bridge '%s' does not exist" % net["bridge"], key)
        if mtu is None or mtu == 1:
            mtu = bridge_mtu
        elif mtu < 576:
            raise CommandError("netdev %s: MTU '%d' is smaller than the IP minimum MTU '576'"
                               % (key, mtu), key)
        elif mtu > bridge_mtu:
            raise CommandError(
                "netdev %s: MTU '%d' is bigger than the bridge MTU '%d' - adjust the MTU for "
                "the network device in the VM configuration, while ensuring that the bridge is "
                "configured as desired." % (key, mtu, bridge_mtu), key)
        if min_version(version, 10, 0, 1) or mtu != 1500:
            value += ",host_mtu=%d" % mtu
    elif mtu is not None:
        reason = "no bridge configured" if not net.get("bridge") else "not using VirtIO"
        ctx.warn("netdev %s: ignoring MTU '%d', %s" % (key, mtu, reason))
    if ctx.machine.old_bios_files and PXE_ROMS.get(device):
        value += ",romfile=" + PXE_ROMS[device]
    if model == "virtio" and net.get("host-tunnel") is not None:
        if min_version(version, 10, 2):
            pass                # never on QEMU 7.2 machines
        elif _true(net["host-tunnel"]):
            raise UnsupportedConfig("%s: host-tunnel needs QEMU 10.2, the installed QEMU is %s"
                                    % (key, ctx.kvmver), key)
    return ["-netdev", netdev, "-device", value]


def _mac(vmid, key):
    """A MAC for a NIC without one.  qemu-server makes a random one at each
    start; this one is locally administered too, but stays the same."""
    digest = bytearray(hashlib.sha256(("%s/%s" % (vmid, key)).encode()).digest()[:6])
    digest[0] = (digest[0] & 0xFE) | 0x02
    return ":".join("%02X" % b for b in digest)


def nets(ctx):
    cmd = []
    for i in range(MAX_NETS):
        key = "net%d" % i
        if not ctx.conf.get(key):
            continue
        errors = []
        net = parse_net(str(ctx.conf[key]), warn=errors.append)
        if not net:
            continue
        if ctx.bootorder.get(key):
            net["bootindex"] = ctx.bootorder[key]
        cmd += net_options(ctx, key, net)
    return cmd


# -- ports, audio, rng, agent, watchdog, tpm --------------------------------

def serial_ports(ctx):
    devices = []
    for i in range(MAX_SERIAL):
        key = "serial%d" % i
        path = ctx.conf.get(key)
        if not path:
            continue
        if path == "socket":
            socket = ctx.run_path("%s.serial%d" % (ctx.vmid, i))
            devices += ["-chardev", "socket,id=serial%d,path=%s,server=on,wait=off" % (i, socket)]
        else:
            path = ctx.volumes.host_path(path)
            if not ctx.host.is_char_device(path):
                raise CommandError("no such serial device", key)
            devices += ["-chardev", "serial,id=serial%d,path=%s" % (i, path)]
        devices += ["-device", "isa-serial,chardev=serial%d" % i]
    return devices


def parallel_ports(ctx):
    devices = []
    for i in range(MAX_PARALLEL):
        key = "parallel%d" % i
        path = ctx.conf.get(key)
        if not path:
            continue
        path = ctx.volumes.host_path(path)
        if not ctx.host.is_char_device(path):
            raise CommandError("no such parallel device", key)
        kind = "serial" if ctx.conf[key].startswith("/dev/usb/lp") else "parallel"
        devices += ["-chardev", "%s,id=parallel%d,path=%s" % (kind, i, path),
                    "-device", "isa-parallel,chardev=parallel%d" % i]
    return devices


def audio(ctx):
    if not min_version(ctx.machine.version, 4, 0) or not ctx.conf.get("audio0"):
        return []
    props = prop(qf.AUDIO_FMT, ctx.conf, "audio0")
    dev, backend = props["device"], props.get("driver") or "spice"
    backend_id = "%s-backend0" % backend
    audiodev = ",audiodev=" + backend_id if min_version(ctx.machine.version, 4, 2) else ""
    addr = ctx.pci_addr("audio0")
    if dev == "AC97":
        devices = ["-device", "AC97,id=audiodev0%s%s" % (addr, audiodev)]
    elif dev.endswith("intel-hda"):
        devices = ["-device", "%s,id=audiodev0%s" % (dev, addr),
                   "-device", "hda-micro,id=audiodev0-codec0,bus=audiodev0.0,cad=0" + audiodev,
                   "-device", "hda-duplex,id=audiodev0-codec1,bus=audiodev0.0,cad=1" + audiodev]
    else:
        raise CommandError("unknown audio device '%s', implement me!" % dev, "audio0")
    return devices + ["-audiodev", "%s,id=%s" % (backend, backend_id)]


def tpm(ctx):
    if not ctx.conf.get("tpmstate0"):
        return []
    if not ctx.host.swtpm:
        raise UnsupportedConfig("tpmstate0: a TPM needs swtpm, which is not installed "
                                "(Debian package 'swtpm')", "tpmstate0")
    socket = ctx.run_path("%s.swtpm" % ctx.vmid)
    return ["-chardev", "socket,id=tpmchar,path=%s" % socket,
            "-tpmdev", "emulator,id=tpmdev,chardev=tpmchar",
            "-device", "tpm-tis,tpmdev=tpmdev"]


def agent(ctx):
    value = ctx.conf.get("agent")
    if value is None or value == "":
        return []
    props = prop(qf.AGENT_FMT, ctx.conf, "agent")
    if not _true(props.get("enabled")):
        return []
    devices = ["-chardev", "socket,path=%s,server=on,wait=off,id=qga0"
               % ctx.run_path("%s.qga" % ctx.vmid)]
    kind = props.get("type") or "virtio"
    if kind == "virtio":
        devices += ["-device", "virtio-serial,id=qga0%s" % ctx.pci_addr("qga0"),
                    "-device", "virtserialport,chardev=qga0,name=org.qemu.guest_agent.0"]
    elif kind == "isa":
        devices += ["-device", "isa-serial,chardev=qga0"]
    return devices


def rng(ctx):
    if not ctx.conf.get("rng0") or not ctx.version_guard(4, 1, 2):
        return []
    props = prop(qf.RNG_FMT, ctx.conf, "rng0")
    source = props["source"]
    if not ctx.host.exists(source):
        raise CommandError("cannot create VirtIO RNG device: source file '%s' doesn't exist"
                           % source, "rng0")
    max_bytes = props.get("max_bytes")
    max_bytes = 1024 if max_bytes is None else int(max_bytes)
    period = props.get("period")
    period = 1000 if period is None else int(period)
    limiter = ",max-bytes=%d,period=%d" % (max_bytes, period) if max_bytes else ""
    return ["-object", "rng-random,filename=%s,id=rng0" % source,
            "-device", "virtio-rng-pci,rng=rng0%s%s" % (limiter, ctx.pci_addr("rng0"))]


def watchdog(ctx):
    if not ctx.conf.get("watchdog"):
        return []
    props = prop(qf.WATCHDOG_FMT, ctx.conf, "watchdog")
    model = props.get("model") or "i6300esb"
    # qemu-server gives ib700 the PCI slot too, which QEMU refuses for an ISA
    # device ("Device 'ib700' can't go on PCI bus"): it gets none here.
    devices = ["-device", model + (ctx.pci_addr("watchdog") if model == "i6300esb" else "")]
    if props.get("action"):
        devices += ["-watchdog-action", props["action"]]
    return devices


def balloon(ctx):
    value = ctx.conf.get("balloon")
    if value is not None and value != "" and not int(value):
        return []
    device = "virtio-balloon-pci,id=balloon0%s" % ctx.pci_addr("balloon0")
    if min_version(ctx.machine.version, 6, 2):
        device += ",free-page-reporting=on"
    return ["-device", device]


# -- firmware ---------------------------------------------------------------

def ovmf(ctx, cpu_bits):
    """The pflash drives of OVMF from Debian's ``ovmf`` package: its 4 MB
    images only (the 2 MB ones of old efidisks are not in bookworm), the
    secure boot capable code on q35 (which has SMM), the plain one on
    i440fx, as qemu-server picks Proxmox's images."""
    conf, host = ctx.conf, ctx.host
    if cpu_bits == 32:
        raise CommandError("OVMF (UEFI) BIOS is not supported on 32-bit CPU types", "bios")
    if conf.get("amd-sev") or conf.get("intel-tdx"):
        key = "amd-sev" if conf.get("amd-sev") else "intel-tdx"
        raise UnsupportedConfig("%s: confidential VMs need Proxmox's OVMF and QEMU builds"
                                % key, key)
    if not host.ovmf_dir:
        raise UnsupportedConfig("bios: OVMF (UEFI) firmware is not installed on this node "
                                "(Debian package 'ovmf')", "bios")
    efidisk = parse_drive("efidisk0", str(conf["efidisk0"])) if conf.get("efidisk0") else None
    if efidisk is not None and efidisk.get("efitype") != "4m":
        raise UnsupportedConfig(
            "efidisk0: 2 MB OVMF images (efitype=2m) are not in Debian's ovmf package; this "
            "node runs EFI disks of efitype=4m only", "efidisk0")
    code = "OVMF_CODE_4M.secboot.fd" if ctx.machine.q35 else "OVMF_CODE_4M.fd"
    vars_name = "OVMF_VARS_4M.ms.fd" if efidisk is not None and _true(
        efidisk.get("pre-enrolled-keys")) else "OVMF_VARS_4M.fd"
    code, vars_path = ctx.host_file(host.ovmf_dir, code), ctx.host_file(host.ovmf_dir, vars_name)
    for path, what in ((code, "base"), (vars_path, "vars")):
        if not host.exists(path):
            raise UnsupportedConfig("EFI %s image '%s' not found" % (what, path), "bios")
    size = host.file_size(vars_path)
    var_drive = "if=pflash,unit=1,id=drive-efidisk0"
    if efidisk is not None:
        path, fmt = path_and_format(ctx.volumes, "efidisk0", efidisk)
        if not volume_storage(efidisk["file"]):
            fmt = efidisk.get("format")
            if fmt is None:
                raise CommandError("efidisk format must be specified", "efidisk0")
        var_drive += ",format=%s,file=%s" % (fmt, path)
        if fmt == "raw" and ctx.version_guard(4, 1, 2):
            var_drive += ",size=%d" % size
        if ctx.is_template:
            var_drive += ",readonly=on"
    else:
        ctx.warn("no efidisk configured! Using temporary efivars disk.")
        ctx.efivars_file = ctx.run_path("efidisk/%s-ovmf.fd" % ctx.vmid)
        var_drive += ",format=raw,file=%s" % ctx.efivars_file
        if ctx.version_guard(4, 1, 2):
            var_drive += ",size=%d" % size
        ctx.efivars_template = vars_path
    options = ["-drive", "if=pflash,unit=0,format=raw,readonly=on,file=%s" % code,
               "-drive", var_drive]
    if ctx.machine.q35:
        # Debian's secure boot image needs SMM and a flash only SMM may
        # write; Proxmox's build of QEMU and OVMF go without.
        options += ["-global", "driver=cfi.pflash01,property=secure,value=on"]
    return options
