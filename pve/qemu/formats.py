"""The formats of a VM's config values, as qemu-server registers them.

Importing this module registers, with :func:`pve.api.formats.register_format`,
the formats Proxmox's qemu-server (and pve-storage, for volume IDs) registers:
the function formats ``pve-volume-id``, ``pve-volume-id-or-qm-path``,
``pve-volume-id-or-absolute-path``, ``pve-cpuset``, ``pve-hotplug-features``,
``pve-qm-bootdisk``, ``pve-qm-bootdev``, ``pve-phys-bits`` and the
property-string formats ``pve-qm-ide``, ``pve-qm-boot``, ``pve-qm-smbios1``,
``pve-qm-watchdog``, ``pve-qm-cicustom``, ``pve-qm-ipconfig``,
``pve-qm-hostpci``, ``pve-qm-usb``, ``pve-qm-rng``, ``pve-qm-virtiofs``,
``pve-qm-numanode``, ``pve-qemu-machine-fmt``, ``pve-qemu-sev-fmt``,
``pve-qemu-tdx-fmt``, ``pve-cpu-conf`` and ``pve-vm-cpu-conf``.  A name that
is registered already is left as it is.  ``pve-tag-list``, ``address-list``
and ``pve-qm-bootdev-list`` derive from their function formats.

The other property-string formats of a VM config (drives, ``net``, ``vga``,
``agent``, ``memory``...) are not registered by Proxmox either: they are
inlined in the key's schema (see :mod:`pve.qemu.schema`); they live here as
module constants.  Facts from qemu-server 9.1 (``QemuServer.pm``, ``Drive.pm``,
``Network.pm``, ``CPUConfig.pm``, ``Machine.pm``, ``Memory.pm``, ``USB.pm``,
``PCI.pm``, ``RNG.pm``, ``Virtiofs.pm``, ``Agent.pm``, ``MetaInfo.pm``), the
version of Proxmox's API schema, plus the two keys 9.2 added (``level`` of a
CPU, ``host-tunnel`` of a NIC: :data:`NEWER_THAN_9_1`).
"""

import re

from pve.api.formats import FormatError, get_format, perl_true, register_format, split_list

# --- limits ---
MAX_DRIVES = {"ide": 4, "scsi": 31, "virtio": 16, "sata": 6}
MAX_UNUSED = 256
MAX_NETS = 32
MAX_SERIAL = 4
MAX_PARALLEL = 3
MAX_USB = 14
MAX_HOSTPCI = 16
MAX_NUMA = 8
MAX_VIRTIOFS = 10

# Sub-properties newer than Proxmox's API schema of 9.1: {format constant name: keys}.
NEWER_THAN_9_1 = {"CPU_FMT": ("level",), "NET_FMT": ("host-tunnel",)}


def _register(name, fmt, validator=None):
    if get_format(name) is None:
        register_format(name, fmt, validator)


def valid_drive_names():
    """Drive keys in Proxmox's order (the order picks a boot disk)."""
    names = [f"{kind}{i}" for kind in ("ide", "scsi", "virtio", "sata")
             for i in range(MAX_DRIVES[kind])]
    return names + ["efidisk0", "tpmstate0"]


_DRIVE_NAMES = frozenset(valid_drive_names())


def is_valid_drivename(name):
    """Whether *name* is a drive key (``unusedN`` is not)."""
    return name in _DRIVE_NAMES


def _indexed(name, base, count):
    m = re.fullmatch(rf"{base}(\d+)", name)
    return bool(m) and str(int(m.group(1))) == m.group(1) and int(m.group(1)) < count


# --- function formats ---

def verify_volume_id(value):
    """``pve-volume-id`` (pve-storage): ``STORAGE:NAME``."""
    if not re.search(r"^([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)$", value, re.I):
        raise FormatError(f"unable to parse volume ID '{value}'")
    return value


def verify_volume_id_or_absolute_path(value):
    if value.startswith("/"):
        return value
    return verify_volume_id(value)


def verify_volume_id_or_qm_path(value):
    if value in ("none", "cdrom"):
        return value
    return verify_volume_id_or_absolute_path(value)


def _perl_split_commas(text):
    parts = text.split(",")
    while parts and parts[-1] == "":
        parts.pop()
    return parts


def parse_cpuset(text):
    """The CPU numbers of a cpuset such as ``0,5,8-11`` (PVE::CpuSet)."""
    members = set()
    for part in _perl_split_commas(text):
        m = re.fullmatch(r"\s*(\d+)(?:-(\d+))?\s*", part, re.ASCII)
        if not m:
            raise FormatError(f"invalid range: {part}")
        low = int(m.group(1))
        high = int(m.group(2)) if m.group(2) is not None else low
        if high < low:
            raise FormatError(f"invalid range: {part} ({high} < {low})")
        members.update(range(low, high + 1))
    return members


def verify_cpuset(value):
    try:
        parse_cpuset(value)
    except FormatError:
        raise FormatError("unable to parse cpuset option") from None
    return value


HOTPLUG_DEFAULT = "network,disk,usb"


def parse_hotplug_features(value):
    """The set of hotplug features of a ``hotplug`` value (``0``, ``1`` or a list)."""
    if value == "0":
        return set()
    if value == "1":
        value = HOTPLUG_DEFAULT
    features = set()
    for feature in split_list(value):
        if not re.fullmatch(r"network|disk|cpu|memory|usb|cloudinit", feature):
            raise FormatError(f"invalid hotplug feature '{feature}'")
        features.add(feature)
    return features


def verify_hotplug_features(value):
    parse_hotplug_features(value)
    return value


def verify_bootdisk(value):
    if not is_valid_drivename(value):
        raise FormatError(f"invalid boot disk '{value}'")
    return value


def verify_bootdev(value):
    special = value.startswith("efidisk") or value.startswith("tpmstate")
    if (is_valid_drivename(value) and not special) or _indexed(value, "net", MAX_NETS) \
            or _indexed(value, "usb", MAX_USB) or _indexed(value, "hostpci", MAX_HOSTPCI):
        return value
    raise FormatError(f"invalid boot device '{value}'")


def verify_phys_bits(value):
    message = "value must be an integer between 8 and 64 or 'host'"
    if not re.fullmatch(r"host|\d{1,2}", value, re.ASCII):
        raise FormatError(message)
    if value != "host" and not 8 <= int(value) <= 64:
        raise FormatError(message)
    return value


_register("pve-volume-id", verify_volume_id)
_register("pve-volume-id-or-absolute-path", verify_volume_id_or_absolute_path)
_register("pve-volume-id-or-qm-path", verify_volume_id_or_qm_path)
_register("pve-cpuset", verify_cpuset)
_register("pve-hotplug-features", verify_hotplug_features)
_register("pve-qm-bootdisk", verify_bootdisk)
_register("pve-qm-bootdev", verify_bootdev)
_register("pve-phys-bits", verify_phys_bits)


# --- drives (Drive.pm) ---

IMAGE_FORMAT = {
    "type": "string", "enum": ["raw", "qcow", "qed", "qcow2", "vmdk", "cloop"], "optional": 1,
    "description": "The drive's backing file's data format.",
}
_VOLUME_FILE = {
    "type": "string", "format": "pve-volume-id-or-qm-path", "default_key": 1,
    "format_description": "volume", "description": "The drive's backing volume.",
}
_SIZE = {
    "type": "string", "format": "disk-size", "format_description": "DiskSize", "optional": 1,
    "description": "Disk size. This is purely informational and has no effect.",
}


def _throttle(type_, what, unit, longunit, minimum=None):
    prop = {"type": type_, "format_description": unit,
            "description": f"Maximum {what} in {longunit}.", "optional": 1}
    if minimum is not None:
        prop["minimum"] = minimum
    return prop


_BPS, _MBPS, _IOPS = ("bytes per second", "bps"), ("megabytes per second", "mbps"), \
    ("operations per second", "iops")

DRIVE_BASE = {
    "volume": {"alias": "file"},
    "file": _VOLUME_FILE,
    "media": {"type": "string", "enum": ["cdrom", "disk"], "default": "disk", "optional": 1,
              "description": "The drive's media type."},
    "snapshot": {"type": "boolean", "optional": 1,
                 "description": "Controls qemu's snapshot mode feature. If activated, changes "
                                "made to the disk are temporary and will be discarded when the "
                                "VM is shutdown."},
    "cache": {"type": "string", "enum": ["none", "writethrough", "writeback", "unsafe",
                                         "directsync"],
              "optional": 1, "description": "The drive's cache mode"},
    "format": IMAGE_FORMAT,
    "size": _SIZE,
    "backup": {"type": "boolean", "optional": 1,
               "description": "Whether the drive should be included when making backups."},
    "replicate": {"type": "boolean", "optional": 1, "default": 1,
                  "description": "Whether the drive should considered for replication jobs."},
    "rerror": {"type": "string", "enum": ["ignore", "report", "stop"], "optional": 1,
               "description": "Read error action."},
    "werror": {"type": "string", "enum": ["enospc", "ignore", "report", "stop"], "optional": 1,
               "description": "Write error action."},
    "aio": {"type": "string", "enum": ["native", "threads", "io_uring"], "optional": 1,
            "description": "AIO type to use."},
    "discard": {"type": "string", "enum": ["ignore", "on"], "optional": 1,
                "description": "Controls whether to pass discard/trim requests to the "
                               "underlying storage."},
    "detect_zeroes": {"type": "boolean", "optional": 1,
                      "description": "Controls whether to detect and try to optimize writes "
                                     "of zeroes."},
    "serial": {"type": "string", "format": "urlencoded", "format_description": "serial",
               "maxLength": 60, "optional": 1,
               "description": "The drive's reported serial number, url-encoded, up to 20 "
                              "bytes long."},
    "shared": {"type": "boolean", "optional": 1, "default": 0,
               "description": "Mark this locally-managed volume as available on all nodes",
               "verbose_description": "Mark this locally-managed volume as available on all "
                                      "nodes.\n\nWARNING: This option does not share the "
                                      "volume automatically, it assumes it is shared already!"},
    # throughput (leaky bucket)
    "bps": _throttle("integer", "r/w speed", _BPS[1], _BPS[0]),
    "bps_rd": _throttle("integer", "read speed", _BPS[1], _BPS[0]),
    "bps_wr": _throttle("integer", "write speed", _BPS[1], _BPS[0]),
    "mbps": _throttle("number", "r/w speed", _MBPS[1], _MBPS[0]),
    "mbps_rd": _throttle("number", "read speed", _MBPS[1], _MBPS[0]),
    "mbps_wr": _throttle("number", "write speed", _MBPS[1], _MBPS[0]),
    "iops": _throttle("integer", "r/w I/O", _IOPS[1], _IOPS[0]),
    "iops_rd": _throttle("integer", "read I/O", _IOPS[1], _IOPS[0]),
    "iops_wr": _throttle("integer", "write I/O", _IOPS[1], _IOPS[0]),
    # pools (of I/O before throttling starts)
    "mbps_max": _throttle("number", "unthrottled r/w pool", _MBPS[1], _MBPS[0]),
    "mbps_rd_max": _throttle("number", "unthrottled read pool", _MBPS[1], _MBPS[0]),
    "mbps_wr_max": _throttle("number", "unthrottled write pool", _MBPS[1], _MBPS[0]),
    "iops_max": _throttle("integer", "unthrottled r/w I/O pool", _IOPS[1], _IOPS[0]),
    "iops_rd_max": _throttle("integer", "unthrottled read I/O pool", _IOPS[1], _IOPS[0]),
    "iops_wr_max": _throttle("integer", "unthrottled write I/O pool", _IOPS[1], _IOPS[0]),
    # burst lengths
    "bps_max_length": _throttle("integer", "length of I/O bursts", "seconds", "seconds", 1),
    "bps_rd_max_length": _throttle("integer", "length of read I/O bursts", "seconds",
                                   "seconds", 1),
    "bps_wr_max_length": _throttle("integer", "length of write I/O bursts", "seconds",
                                   "seconds", 1),
    "iops_max_length": _throttle("integer", "length of I/O bursts", "seconds", "seconds", 1),
    "iops_rd_max_length": _throttle("integer", "length of read I/O bursts", "seconds",
                                    "seconds", 1),
    "iops_wr_max_length": _throttle("integer", "length of write I/O bursts", "seconds",
                                    "seconds", 1),
    # legacy names
    "bps_rd_length": {"alias": "bps_rd_max_length"},
    "bps_wr_length": {"alias": "bps_wr_max_length"},
    "iops_rd_length": {"alias": "iops_rd_max_length"},
    "iops_wr_length": {"alias": "iops_wr_max_length"},
}

_IOTHREAD = {"iothread": {"type": "boolean", "optional": 1,
                          "description": "Whether to use iothreads for this drive"}}
_PRODUCT = {"product": {"type": "string", "pattern": r"[A-Za-z0-9\-_\s]{,16}",
                        "format_description": "product", "optional": 1,
                        "description": "The drive's product name, up to 16 bytes long."}}
_VENDOR = {"vendor": {"type": "string", "pattern": r"[A-Za-z0-9\-_\s]{,8}",
                      "format_description": "vendor", "optional": 1,
                      "description": "The drive's vendor name, up to 8 bytes long."}}
_MODEL = {"model": {"type": "string", "format": "urlencoded", "format_description": "model",
                    "maxLength": 120, "optional": 1,
                    "description": "The drive's reported model name, url-encoded, up to 40 "
                                   "bytes long."}}
_QUEUES = {"queues": {"type": "integer", "minimum": 2, "optional": 1,
                      "description": "Number of queues."}}
_READONLY = {"ro": {"type": "boolean", "optional": 1,
                    "description": "Whether the drive is read-only."}}
_SCSIBLOCK = {"scsiblock": {
    "type": "boolean", "optional": 1, "default": 0,
    "description": "whether to use scsi-block for full passthrough of host block device\n\n"
                   "WARNING: can lead to I/O errors in combination with low memory or high "
                   "memory fragmentation on host"}}
_SSD = {"ssd": {"type": "boolean", "optional": 1,
                "description": "Whether to expose this drive as an SSD, rather than a "
                               "rotational hard disk."}}
_WWN = {"wwn": {"type": "string", "pattern": "(?^:^(0x)[0-9a-fA-F]{16})",
                "format_description": "wwn", "optional": 1,
                "description": "The drive's worldwide name, encoded as 16 bytes hex string, "
                               "prefixed by '0x'."}}
_EFITYPE = {
    "efitype": {"type": "string", "enum": ["2m", "4m"], "optional": 1, "default": "2m",
                "description": "Size and type of the OVMF EFI vars. '4m' is newer and "
                               "recommended, and required for Secure Boot. For backwards "
                               "compatibility, '2m' is used if not otherwise specified. "
                               "Ignored for VMs with arch=aarch64 (ARM)."},
    "pre-enrolled-keys": {
        "type": "boolean", "optional": 1, "default": 0,
        "description": "Use am EFI vars template with distribution-specific and Microsoft "
                       "Standard keys enrolled, if used with 'efitype=4m'. Note that this will "
                       "enable Secure Boot by default, though it can still be turned off from "
                       "within the VM."},
    "ms-cert": {
        "type": "string", "enum": ["2011", "2023", "2023w", "2023k"], "optional": 1,
        "default": "2011",
        "description": "Informational marker indicating the version of the latest Microsoft "
                       "UEFI certificates that have been enrolled by Proxmox VE. The value "
                       "'2023k' means that the 'Microsoft UEFI CA 2023', the 'Windows UEFI CA "
                       "2023' and the 'Microsoft Corporation KEK 2K CA 2023' certificates are "
                       "included. The values '2023' and '2023w' are deprecated and for "
                       "compatibility only."},
}
_TPMVERSION = {"version": {
    "type": "string", "enum": ["v1.2", "v2.0"], "optional": 1, "default": "v1.2",
    "description": "The TPM interface version. v2.0 is newer and should be preferred. Note "
                   "that this cannot be changed later on."}}
IMPORT_FROM = {"import-from": {
    "type": "string", "format": "pve-volume-id-or-absolute-path",
    "format_description": "source volume", "optional": 1,
    "description": "Create a new disk, importing from this source (volume ID or absolute "
                   "path). When an absolute path is specified, it's up to you to ensure that "
                   "the source is not actively used by another process during the import!"}}

IDE_FMT = {**DRIVE_BASE, **_MODEL, **_SSD, **_WWN}
SCSI_FMT = {**DRIVE_BASE, **_IOTHREAD, **_PRODUCT, **_QUEUES, **_READONLY, **_SCSIBLOCK,
            **_SSD, **_VENDOR, **_WWN}
SATA_FMT = {**DRIVE_BASE, **_SSD, **_WWN}
VIRTIO_FMT = {**DRIVE_BASE, **_IOTHREAD, **_READONLY}
EFIDISK_FMT = {"volume": {"alias": "file"}, "file": _VOLUME_FILE, "format": IMAGE_FORMAT,
               "size": _SIZE, **_EFITYPE}
TPMSTATE_FMT = {
    "volume": {"alias": "file"}, "file": _VOLUME_FILE,
    "format": {"type": "string", "enum": ["raw", "qcow2", "vmdk"], "optional": 1,
               "description": "Format of the image."},
    "size": _SIZE, **_TPMVERSION,
}
UNUSED_FMT = {"volume": {"alias": "file"},
              "file": {**_VOLUME_FILE, "format": "pve-volume-id"}}
# Every drive property: print_drive checks and orders with this.
ALLDRIVE_FMT = {**DRIVE_BASE, **_IOTHREAD, **_MODEL, **_PRODUCT, **_QUEUES, **_READONLY,
                **_SCSIBLOCK, **_SSD, **_VENDOR, **_WWN, **_TPMVERSION, **_EFITYPE}
ALLDRIVE_FMT_WITH_ALLOC = {**ALLDRIVE_FMT, **IMPORT_FROM}
DRIVE_FMTS = {"ide": IDE_FMT, "scsi": SCSI_FMT, "sata": SATA_FMT, "virtio": VIRTIO_FMT,
              "efidisk": EFIDISK_FMT, "tpmstate": TPMSTATE_FMT, "unused": UNUSED_FMT}
DROPPED_DRIVE_PROPERTIES = ("cyls", "heads", "secs", "trans")

_register("pve-qm-ide", IDE_FMT)


# --- network (Network.pm) ---

NIC_MODELS = ["e1000", "e1000-82540em", "e1000-82544gc", "e1000-82545em", "e1000e", "i82551",
              "i82557b", "i82559er", "ne2k_isa", "ne2k_pci", "pcnet", "rtl8139", "virtio",
              "vmxnet3"]
NET_FMT = {
    "macaddr": {
        "type": "string", "format": "mac-addr", "optional": 1,
        "format_description": "XX:XX:XX:XX:XX:XX",
        "description": "MAC address. That address must be unique within your network. This "
                       "is automatically generated if not specified.",
        "verbose_description": "A common MAC address with the I/G (Individual/Group) bit not "
                               "set."},
    "model": {"type": "string", "enum": NIC_MODELS, "default_key": 1,
              "description": "Network Card Model. The 'virtio' model provides the best "
                             "performance with very low CPU overhead. If your guest does not "
                             "support this driver, it is usually best to use 'e1000'."},
    **{model: {"keyAlias": "model", "alias": "macaddr"} for model in NIC_MODELS},
    "bridge": {
        "type": "string", "format": "pve-bridge-id", "format_description": "bridge",
        "optional": 1,
        "description": "Bridge to attach the network device to. The Proxmox VE standard "
                       "bridge\nis called 'vmbr0'.\n\nIf you do not specify a bridge, we create "
                       "a kvm user (NATed) network\ndevice, which provides DHCP and DNS "
                       "services. The following addresses\nare used:\n\n 10.0.2.2   Gateway\n"
                       " 10.0.2.3   DNS Server\n 10.0.2.4   SMB Server\n\nThe DHCP server "
                       "assign addresses to the guest starting from 10.0.2.15.\n"},
    "queues": {"type": "integer", "minimum": 0, "maximum": 64, "optional": 1,
               "description": "Number of packet queues to be used on the device."},
    "rate": {"type": "number", "minimum": 0, "optional": 1,
             "description": "Rate limit in mbps (megabytes per second) as floating point "
                            "number."},
    "tag": {"type": "integer", "minimum": 1, "maximum": 4094, "optional": 1,
            "description": "VLAN tag to apply to packets on this interface."},
    "trunks": {"type": "string", "pattern": r"(?^:\d+(?:-\d+)?(?:;\d+(?:-\d+)?)*)",
               "format_description": "vlanid[;vlanid...]", "optional": 1,
               "description": "VLAN trunks to pass through this interface."},
    "firewall": {"type": "boolean", "optional": 1,
                 "description": "Whether this interface should be protected by the firewall."},
    "link_down": {"type": "boolean", "optional": 1,
                  "description": "Whether this interface should be disconnected (like pulling "
                                 "the plug)."},
    "mtu": {"type": "integer", "minimum": 1, "maximum": 65520, "optional": 1,
            "description": "Force MTU of network device (VirtIO only). Setting to '1' or empty "
                           "will use the bridge MTU"},
    # qemu-server 9.2
    "host-tunnel": {
        "type": "boolean", "optional": 1,
        "description": "Enable host GSO over UDP tunnel offload. (VirtIO only).",
        "verbose_description": "Enable host GSO over UDP tunnel offload (VirtIO only). Requires "
                               "QEMU > 10.2 and guest and host kernel support. Disabled by "
                               "default starting with machine version 11.0+pve1 to work around "
                               "an issue with the virtio-net driver in guest kernels. With "
                               "machine versions 10.2 and 11.0, this is enabled by default."},
}

IPCONFIG_FMT = {
    "ip": {"type": "string", "format": "pve-ipv4-config", "format_description": "IPv4Format/CIDR",
           "description": "IPv4 address in CIDR format.", "optional": 1, "default": "dhcp"},
    "gw": {"type": "string", "format": "ipv4", "format_description": "GatewayIPv4",
           "description": "Default gateway for IPv4 traffic.", "optional": 1, "requires": "ip"},
    "ip6": {"type": "string", "format": "pve-ipv6-config",
            "format_description": "IPv6Format/CIDR", "description": "IPv6 address in CIDR format.",
            "optional": 1, "default": "dhcp"},
    "gw6": {"type": "string", "format": "ipv6", "format_description": "GatewayIPv6",
            "description": "Default gateway for IPv6 traffic.", "optional": 1,
            "requires": "ip6"},
}
_register("pve-qm-ipconfig", IPCONFIG_FMT)


# --- boot, smbios, watchdog, cloud-init (QemuServer.pm) ---

BOOT_FMT = {
    "legacy": {"optional": 1, "default_key": 1, "type": "string",
               "description": "Boot on floppy (a), hard disk (c), CD-ROM (d), or network (n). "
                              "Deprecated, use 'order=' instead.",
               "pattern": "[acdn]{1,4}", "format_description": "[acdn]{1,4}", "default": "cdn"},
    "order": {"optional": 1, "type": "string", "format": "pve-qm-bootdev-list",
              "format_description": "device[;device...]",
              "description": "The guest will attempt to boot from devices in the order they "
                             "appear here.\n\nDisks, optical drives and passed-through storage "
                             "USB devices will be directly\nbooted from, NICs will load PXE, "
                             "and PCIe devices will either behave like disks\n(e.g. NVMe) or "
                             "load an option ROM (e.g. RAID controller, hardware NIC).\n\nNote "
                             "that only devices in this list will be marked as bootable and "
                             "thus loaded\nby the guest firmware (BIOS/UEFI). If you require "
                             "multiple disks for booting\n(e.g. software-raid), you need to "
                             "specify all of them here.\n\nOverrides the deprecated "
                             "'legacy=[acdn]*' value when given.\n"},
}
_register("pve-qm-boot", BOOT_FMT)

_BASE64 = r"[A-Za-z0-9+\/]+={0,2}"


def _smbios_field(what):
    return {"type": "string", "pattern": _BASE64, "format_description": "Base64 encoded string",
            "description": f"Set SMBIOS1 {what}.", "optional": 1}


SMBIOS1_FMT = {
    "uuid": {"type": "string",
             "pattern": "[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}",
             "format_description": "UUID", "description": "Set SMBIOS1 UUID.", "optional": 1},
    "version": _smbios_field("version"),
    "serial": _smbios_field("serial number"),
    "manufacturer": _smbios_field("manufacturer"),
    "product": _smbios_field("product ID"),
    "sku": _smbios_field("SKU string"),
    "family": _smbios_field("family string"),
    "base64": {"type": "boolean", "optional": 1,
               "description": "Flag to indicate that the SMBIOS values are base64 encoded"},
}
_register("pve-qm-smbios1", SMBIOS1_FMT)

WATCHDOG_FMT = {
    "model": {"default_key": 1, "type": "string", "enum": ["i6300esb", "ib700"],
              "description": "Watchdog type to emulate.", "default": "i6300esb", "optional": 1},
    "action": {"type": "string", "enum": ["reset", "shutdown", "poweroff", "pause", "debug",
                                          "none"],
               "description": "The action to perform if after activation the guest fails to "
                              "poll the watchdog in time.", "optional": 1},
}
_register("pve-qm-watchdog", WATCHDOG_FMT)


def _cicustom(description):
    return {"type": "string", "optional": 1, "description": description,
            "format": "pve-volume-id", "format_description": "volume"}


CICUSTOM_FMT = {
    "meta": _cicustom("Specify a custom file containing all meta data passed to the VM via "
                      "cloud-init. This is provider specific meaning configdrive2 and nocloud "
                      "differ."),
    "network": _cicustom("To pass a custom file containing all network data to the VM via "
                         "cloud-init."),
    "user": _cicustom("To pass a custom file containing all user data to the VM via "
                      "cloud-init."),
    "vendor": _cicustom("To pass a custom file containing all vendor data to the VM via "
                        "cloud-init."),
}
_register("pve-qm-cicustom", CICUSTOM_FMT)


# --- display, devices (QemuServer.pm) ---

VGA_FMT = {
    "type": {"description": "Select the VGA type. Using type 'cirrus' is not recommended.",
             "type": "string", "default": "std", "optional": 1, "default_key": 1,
             "enum": ["cirrus", "qxl", "qxl2", "qxl3", "qxl4", "none", "serial0", "serial1",
                      "serial2", "serial3", "std", "virtio", "virtio-gl", "vmware"]},
    "memory": {"description": "Sets the VGA memory (in MiB). Has no effect with serial display.",
               "type": "integer", "optional": 1, "minimum": 4, "maximum": 512},
    "clipboard": {"description": "Enable a specific clipboard. If not set, depending on the "
                                 "display type the SPICE one will be added. Live migration with "
                                 "a VNC clipboard is not possible with QEMU machine version < "
                                 "10.1.",
                  "type": "string", "enum": ["vnc"], "optional": 1},
}
IVSHMEM_FMT = {
    "size": {"type": "integer", "minimum": 1, "description": "The size of the file in MB."},
    "name": {"type": "string", "pattern": r"[a-zA-Z0-9\-]+", "optional": 1,
             "format_description": "string",
             "description": "The name of the file. Will be prefixed with 'pve-shm-'. Default is "
                            "the VMID. Will be deleted when the VM is stopped."},
}
AUDIO_FMT = {
    "device": {"type": "string", "enum": ["ich9-intel-hda", "intel-hda", "AC97"],
               "description": "Configure an audio device."},
    "driver": {"type": "string", "enum": ["spice", "none"], "default": "spice", "optional": 1,
               "description": "Driver backend for the audio device."},
}
SPICE_ENHANCEMENTS_FMT = {
    "foldersharing": {"type": "boolean", "optional": 1, "default": "0",
                      "description": "Enable folder sharing via SPICE. Needs Spice-WebDAV daemon "
                                     "installed in the VM."},
    "videostreaming": {"type": "string", "enum": ["off", "all", "filter"], "default": "off",
                       "optional": 1,
                       "description": "Enable video streaming. Uses compression for detected "
                                      "video streams."},
}

# Agent.pm
AGENT_FMT = {
    "enabled": {"description": "Enable/disable communication with a QEMU Guest Agent (QGA) "
                               "running in the VM.",
                "type": "boolean", "default": 0, "default_key": 1},
    "fstrim_cloned_disks": {"description": "Run fstrim after moving a disk or migrating the VM.",
                            "type": "boolean", "optional": 1, "default": 0},
    "freeze-fs-on-backup": {"alias": "freeze-fs"},
    "guest-fsfreeze": {"alias": "freeze-fs"},
    "freeze-fs": {
        "description": "Freeze guest filesystems through QGA for consistent disk state on "
                       "operations such as snapshots, backups, replications and clones.",
        "verbose_description": "Whether to issue the guest-fsfreeze-freeze and "
                               "guest-fsfreeze-thaw QEMU guest agent commands. Backups in "
                               "snapshot mode, clones, snapshots without RAM, importing disks "
                               "from a running guest, and replications normally issue a "
                               "guest-fsfreeze-freeze and a respective thaw command when the "
                               "QEMU Guest agent option is enabled in the guest's "
                               "configuration and the agent is running inside of the guest."
                               "\n\nThe deprecated 'freeze-fs-on-backup' setting is treated as "
                               "an alias for this setting.",
        "type": "boolean", "optional": 1, "default": 1},
    "type": {"description": "Select the agent type", "type": "string", "default": "virtio",
             "optional": 1, "enum": ["virtio", "isa"]},
}

# Memory.pm
MEMORY_FMT = {"current": {
    "description": "Current amount of online RAM for the VM in MiB. This is the maximum "
                   "available memory when you use the balloon device.",
    "type": "integer", "default_key": 1, "minimum": 16, "default": 512}}
_NUMBER_SETS = r"(?^:\d+(?:-\d+)?(?:;\d+(?:-\d+)?)*)"
NUMA_FMT = {
    "cpus": {"type": "string", "pattern": _NUMBER_SETS,
             "description": "CPUs accessing this NUMA node.", "format_description": "id[-id];..."},
    "memory": {"type": "number", "description": "Amount of memory this NUMA node provides.",
               "optional": 1},
    "hostnodes": {"type": "string", "pattern": _NUMBER_SETS,
                  "description": "Host NUMA nodes to use.", "format_description": "id[-id];...",
                  "optional": 1},
    "policy": {"type": "string", "enum": ["preferred", "bind", "interleave"],
               "description": "NUMA allocation policy.", "optional": 1},
}
_register("pve-qm-numanode", NUMA_FMT)

# Machine.pm
MACHINE_FMT = {
    "type": {"default_key": 1, "description": "Specifies the QEMU machine type.",
             "type": "string",
             "pattern": r"(pc|pc(-i440fx)?-\d+(\.\d+)+(\+pve\d+)?(\.pxe)?|q35|pc-q35-\d+(\.\d+)+"
                        r"(\+pve\d+)?(\.pxe)?|virt(?:-\d+(\.\d+)+)?(\+pve\d+)?)",
             "maxLength": 40, "format_description": "machine type", "optional": 1},
    "viommu": {"type": "string",
               "description": "Enable and set guest vIOMMU variant (Intel vIOMMU needs q35 to be "
                              "set as machine type).",
               "enum": ["intel", "virtio"], "optional": 1},
    "aw-bits": {"type": "number", "description": "Specifies the vIOMMU address space bit width.",
                "verbose_description": "Specifies the vIOMMU address space bit width.\n\nIntel "
                                       "vIOMMU supports a bit width of either 39 or 48 bits and "
                                       "VirtIO vIOMMU supports any bit width between 32 and 64 "
                                       "bits.",
                "minimum": 32, "maximum": 64, "optional": 1},
    "enable-s3": {"type": "boolean",
                  "description": "Enables S3 power state. Defaults to false beginning with "
                                 "machine types 9.2+pve1, true before.", "optional": 1},
    "enable-s4": {"type": "boolean",
                  "description": "Enables S4 power state. Defaults to false beginning with "
                                 "machine types 9.2+pve1, true before.", "optional": 1},
}
_register("pve-qemu-machine-fmt", MACHINE_FMT)

# MetaInfo.pm
META_INFO_FMT = {
    "ctime": {"type": "integer", "description": "The guest creation timestamp as UNIX epoch time",
              "minimum": 0, "optional": 1},
    "creation-qemu": {"type": "string",
                      "description": "The QEMU (machine) version from the time this VM was "
                                     "created.",
                      "pattern": r"\d+(\.\d+)+", "optional": 1},
}

# USB.pm
_USB_ID_RE = "(?^:(0x)?([0-9A-Fa-f]{4}):(0x)?([0-9A-Fa-f]{4}))"
_USB_PATH_RE = r"(?^:(\d+)\-(\d+(\.\d+)*))"
_MAPPING = {"optional": 1, "type": "string", "format_description": "mapping-id",
            "format": "pve-configid",
            "description": "The ID of a cluster wide mapping. Either this or the default-key "
                           "'host' must be set."}
USB_FMT = {
    "host": {
        "default_key": 1, "optional": 1, "type": "string",
        "pattern": f"(?^:(?:(?:{_USB_ID_RE})|(?:{_USB_PATH_RE})|[Ss][Pp][Ii][Cc][Ee]))",
        "format_description": "HOSTUSBDEVICE|spice",
        "description": "The Host USB device or port or the value 'spice'. HOSTUSBDEVICE syntax "
                       "is:\n\n 'bus-port(.port)*' (decimal numbers) or\n "
                       "'vendor_id:product_id' (hexadecimal numbers) or\n 'spice'\n\nYou can "
                       "use the 'lsusb -t' command to list existing usb devices.\n\nNOTE: This "
                       "option allows direct access to host hardware. So it is no longer "
                       "possible to migrate such\nmachines - use with special care.\n\nThe "
                       "value 'spice' can be used to add a usb redirection devices for spice."
                       "\n\nEither this or the 'mapping' key must be set.\n"},
    "mapping": _MAPPING,
    "usb3": {"optional": 1, "type": "boolean",
             "description": "Specifies whether if given host option is a USB3 device or port. "
                            "For modern guests (machine version >= 7.1 and ostype l26 and "
                            "windows > 7), this flag is irrelevant (all devices are plugged "
                            "into a xhci controller).",
             "default": 0},
}
_register("pve-qm-usb", USB_FMT)

# PCI.pm
_PCIRE = r"(?^:(?:[a-f0-9]{4,}:)?[a-f0-9]{2}:[a-f0-9]{2}(?:\.[a-f0-9])?)"


def _pci_id(description):
    return {"type": "string", "pattern": "(?^:^0x[0-9a-fA-F]{4}$)",
            "format_description": "hex id", "optional": 1, "description": description}


HOSTPCI_FMT = {
    "host": {
        "default_key": 1, "optional": 1, "type": "string",
        "pattern": f"(?^:{_PCIRE}(;{_PCIRE})*)",
        "format_description": "HOSTPCIID[;HOSTPCIID2...]",
        "description": "Host PCI device pass through. The PCI ID of a host's PCI device or a "
                       "list\nof PCI virtual functions of the host. HOSTPCIID syntax is:\n\n"
                       "'bus:dev.func' (hexadecimal numbers)\n\nYou can use the 'lspci' command "
                       "to list existing PCI devices.\n\nEither this or the 'mapping' key must "
                       "be set.\n"},
    "mapping": _MAPPING,
    "rombar": {"type": "boolean", "optional": 1, "default": 1,
               "description": "Specify whether or not the device's ROM will be visible in the "
                              "guest's memory map."},
    "romfile": {"type": "string", "pattern": "[^,;]+", "format_description": "string",
                "optional": 1,
                "description": "Custom pci device rom filename (must be located in "
                               "/usr/share/kvm/)."},
    "pcie": {"type": "boolean", "optional": 1, "default": 0,
             "description": "Choose the PCI-express bus (needs the 'q35' machine model)."},
    "x-vga": {"type": "boolean", "optional": 1, "default": 0,
              "description": "Enable vfio-vga device support."},
    "legacy-igd": {"type": "boolean", "optional": 1, "default": 0,
                   "description": "Pass this device in legacy IGD mode, making it the primary "
                                  "and exclusive graphics device in the VM. Requires "
                                  "'pc-i440fx' machine type and VGA set to 'none'."},
    "mdev": {"type": "string", "format_description": "string", "pattern": r"[^/\.:]+",
             "optional": 1,
             "description": "The type of mediated device to use.\nAn instance of this type will "
                            "be created on startup of the VM and\nwill be cleaned up when the "
                            "VM stops.\n"},
    "vendor-id": _pci_id("Override PCI vendor ID visible to guest"),
    "device-id": _pci_id("Override PCI device ID visible to guest"),
    "sub-vendor-id": _pci_id("Override PCI subsystem vendor ID visible to guest"),
    "sub-device-id": _pci_id("Override PCI subsystem device ID visible to guest"),
    "driver": {"type": "string", "optional": 1, "default": "vfio", "enum": ["vfio", "keep"],
               "description": "If set to 'keep' the device will neither be reset nor bound to "
                              "the 'vfio-pci' driver. Useful for devices that already have the "
                              "correct driver loaded."},
}
_register("pve-qm-hostpci", HOSTPCI_FMT)

# RNG.pm
RNG_FMT = {
    "source": {"type": "string", "enum": ["/dev/urandom", "/dev/random", "/dev/hwrng"],
               "default_key": 1,
               "description": "The file on the host to gather entropy from. Using urandom does "
                              "*not* decrease security in any meaningful way, as it's still "
                              "seeded from real entropy, and the bytes provided will most likely "
                              "be mixed with real entropy on the guest as well. '/dev/hwrng' can "
                              "be used to pass through a hardware RNG from the host."},
    "max_bytes": {"type": "integer", "optional": 1, "default": 1024,
                  "description": "Maximum bytes of entropy allowed to get injected into the "
                                 "guest every 'period' milliseconds. Use `0` to disable limiting "
                                 "(potentially dangerous!)."},
    "period": {"type": "integer", "optional": 1, "default": 1000,
               "description": "Every 'period' milliseconds the entropy-injection quota is "
                              "reset, allowing the guest to retrieve another 'max_bytes' of "
                              "entropy."},
}
_register("pve-qm-rng", RNG_FMT)

# Virtiofs.pm
VIRTIOFS_FMT = {
    "dirid": {"type": "string", "default_key": 1,
              "description": "Mapping identifier of the directory mapping to be shared with the "
                             "guest. Also used as a mount tag inside the VM.",
              "format_description": "mapping-id", "format": "pve-configid"},
    "cache": {"type": "string",
              "description": "The caching policy the file system should use (auto, always, "
                             "metadata, never).",
              "enum": ["auto", "always", "metadata", "never"], "default": "auto", "optional": 1},
    "direct-io": {"type": "boolean",
                  "description": "Honor the O_DIRECT flag passed down by guest applications.",
                  "default": 0, "optional": 1},
    "expose-xattr": {"type": "boolean",
                     "description": "Enable support for extended attributes for this mount.",
                     "default": 0, "optional": 1},
    "expose-acl": {"type": "boolean",
                   "description": "Enable support for POSIX ACLs (enabled ACL implies xattr) "
                                  "for this mount.",
                   "default": 0, "optional": 1},
}
_register("pve-qm-virtiofs", VIRTIOFS_FMT)


# --- CPU (CPUConfig.pm) ---

_VENDORS = {"GenuineIntel": (
    "486 pentium pentium2 pentium3 coreduo core2duo Conroe Penryn Nehalem Nehalem-IBRS Westmere "
    "Westmere-IBRS SandyBridge SandyBridge-IBRS IvyBridge IvyBridge-IBRS Haswell Haswell-IBRS "
    "Haswell-noTSX Haswell-noTSX-IBRS Broadwell Broadwell-IBRS Broadwell-noTSX "
    "Broadwell-noTSX-IBRS Skylake-Client Skylake-Client-IBRS Skylake-Client-noTSX-IBRS "
    "Skylake-Client-v4 Skylake-Server Skylake-Server-IBRS Skylake-Server-noTSX-IBRS "
    "Skylake-Server-v4 Skylake-Server-v5 Cascadelake-Server Cascadelake-Server-v2 "
    "Cascadelake-Server-noTSX Cascadelake-Server-v4 Cascadelake-Server-v5 Cooperlake "
    "Cooperlake-v2 KnightsMill Icelake-Client Icelake-Client-noTSX Icelake-Server "
    "Icelake-Server-noTSX Icelake-Server-v3 Icelake-Server-v4 Icelake-Server-v5 "
    "Icelake-Server-v6 Icelake-Server-v7 SapphireRapids SapphireRapids-v2 SapphireRapids-v3 "
    "SapphireRapids-v4 GraniteRapids GraniteRapids-v2 GraniteRapids-v3 SierraForest "
    "SierraForest-v2 SierraForest-v3 ClearwaterForest"),
    "AuthenticAMD": (
    "athlon phenom Opteron_G1 Opteron_G2 Opteron_G3 Opteron_G4 Opteron_G5 EPYC EPYC-IBPB "
    "EPYC-v3 EPYC-v4 EPYC-v5 EPYC-Rome EPYC-Rome-v2 EPYC-Rome-v3 EPYC-Rome-v4 EPYC-Rome-v5 "
    "EPYC-Milan EPYC-Milan-v2 EPYC-Milan-v3 EPYC-Genoa EPYC-Genoa-v2 EPYC-Turin"),
    "default": "kvm32 kvm64 qemu32 qemu64 max host",
    "ARM": ("a64fx cortex-a35 cortex-a53 cortex-a55 cortex-a57 cortex-a710 cortex-a72 "
            "cortex-a76 neoverse-n1 neoverse-n2 neoverse-v1")}
# Model name: vendor reported (the hard-coded list; ``host`` is the host's arch).
CPU_MODELS = {model: vendor for vendor, models in _VENDORS.items()
              for model in models.split()}
BUILTIN_CPU_MODELS = ("x86-64-v2", "x86-64-v2-AES", "x86-64-v3", "x86-64-v4")
VM_CPU_FLAGS = sorted(["nested-virt", "md-clear", "pcid", "spec-ctrl", "ssbd", "ibpb",
                       "virt-ssbd", "amd-ssbd", "amd-no-ssb", "pdpe1gb", "hv-tlbflush",
                       "hv-evmcs", "aes"])
_FLAG_ANY = r"(?^:([+-])([a-zA-Z0-9\-_\.]+))"
_FLAG_SUPPORTED = re.compile(r"([+-])(" + "|".join(map(re.escape, VM_CPU_FLAGS)) + ")")

CPU_FMT = {
    "cputype": {"description": "Emulated CPU type. Can be default or custom name (custom model "
                               "names must be prefixed with 'custom-').",
                "type": "string", "format_description": "string", "default": "kvm64",
                "default_key": 1, "optional": 1},
    "reported-model": {"description": "CPU model and vendor to report to the guest. Must be a "
                                      "QEMU/KVM supported model. Only valid for custom CPU model "
                                      "definitions, default models will always report "
                                      "themselves to the guest OS.",
                       "type": "string", "enum": sorted(CPU_MODELS, key=str.lower),
                       "default": "kvm64", "optional": 1},
    "hidden": {"description": "Do not identify as a KVM virtual machine. Only affects vCPUs "
                              "with x86-64 architecture.",
               "type": "boolean", "optional": 1, "default": 0},
    "hv-vendor-id": {"type": "string", "pattern": "(?^:[a-zA-Z0-9]{1,12})",
                     "format_description": "vendor-id",
                     "description": "The Hyper-V vendor ID. Some drivers or programs inside "
                                    "Windows guests need a specific ID.",
                     "optional": 1},
    "flags": {"description": "List of additional CPU flags separated by ';'. Use '+FLAG' to "
                             "enable, '-FLAG' to disable a flag. There is a special "
                             "'nested-virt' shorthand which controls nested virtualization for "
                             "the current CPU ('svm' for AMD and 'vmx' for Intel). Custom CPU "
                             "models can specify any flag supported by QEMU/KVM, VM-specific "
                             "flags must be from the following set for security reasons: "
                             + ", ".join(VM_CPU_FLAGS),
              "format_description": "+FLAG[;-FLAG...]", "type": "string",
              "pattern": f"(?^:{_FLAG_ANY}(;{_FLAG_ANY})*)", "optional": 1},
    "guest-phys-bits": {"type": "integer", "minimum": 32, "maximum": 64,
                        "description": "Number of physical address bits available to the guest.",
                        "optional": 1},
    "phys-bits": {"type": "string", "format": "pve-phys-bits", "format_description": "8-64|host",
                  "description": "The physical memory address bits that are reported to the "
                                 "guest OS. Should be smaller or equal to the host's. Set to "
                                 "'host' to use value from host CPU, but note that doing so will "
                                 "break live migration to CPUs with other values.",
                  "optional": 1},
    # qemu-server 9.2
    "level": {"type": "integer", "minimum": 0, "maximum": 4294967295,
              "description": "Maximum input value for the basic CPUID leaves the guest can query "
                             "- that is the vendor (leaf 0), family/model/stepping and feature "
                             "bits (leaf 1), cache and topology info (leaves 4 and B), and so "
                             "on. Higher-numbered leaves are hidden. Setting '30' is a common "
                             "workaround for Hyper-V boot failures on Windows guests running on "
                             "recent Intel hosts. Only applies when the vCPU architecture is "
                             "x86_64.",
              "optional": 1},
}


def validate_cpu_conf(cpu):
    if not perl_true(cpu.get("cputype")):
        raise FormatError("CPU is missing cputype")
    return cpu


def validate_vm_cpu_conf(cpu):
    """The checks of a VM's own ``cpu``.  A ``custom-`` model is accepted
    unchecked: whether it exists is in ``cpu-models.conf``, read at start."""
    validate_cpu_conf(cpu)
    cputype = cpu["cputype"]
    if not cputype.startswith("custom-") and cputype not in CPU_MODELS \
            and cputype not in BUILTIN_CPU_MODELS:
        raise FormatError(f"Built-in cputype '{cputype}' is not defined "
                          "(missing 'custom-' prefix?)")
    flags = cpu.get("flags")
    if flags and not re.fullmatch(f"{_FLAG_SUPPORTED.pattern}(;{_FLAG_SUPPORTED.pattern})*",
                                  flags):
        raise FormatError("VM-specific CPU flags must be a subset of: " + ", ".join(VM_CPU_FLAGS))
    if cpu.get("reported-model") is not None:
        raise FormatError("Property 'reported-model' not allowed in VM-specific CPU config.")
    return cpu


_register("pve-cpu-conf", CPU_FMT, validate_cpu_conf)
_register("pve-vm-cpu-conf", CPU_FMT, validate_vm_cpu_conf)

SEV_FMT = {
    "type": {"description": "Enable standard SEV with type='std' or enable experimental SEV-ES "
                            "with the 'es' option or enable experimental SEV-SNP with the 'snp' "
                            "option.",
             "type": "string", "default_key": 1, "format_description": "sev-type",
             "enum": ["std", "es", "snp"], "maxLength": 3},
    "no-debug": {"description": "Sets policy bit to disallow debugging of guest",
                 "type": "boolean", "default": 0, "optional": 1},
    "no-key-sharing": {"description": "Sets policy bit to disallow key sharing with other guests "
                                      "(Ignored for SEV-SNP)",
                       "type": "boolean", "default": 0, "optional": 1},
    "allow-smt": {"description": "Sets policy bit to allow Simultaneous Multi Threading (SMT) "
                                 "(Ignored unless for SEV-SNP)",
                  "type": "boolean", "default": 1, "optional": 1},
    "kernel-hashes": {"description": "Add kernel hashes to guest firmware for measured linux "
                                     "kernel launch",
                      "type": "boolean", "default": 0, "optional": 1},
}
_register("pve-qemu-sev-fmt", SEV_FMT)

TDX_FMT = {
    "type": {"description": "Enable TDX", "type": "string", "default_key": 1,
             "format_description": "tdx-type", "enum": ["tdx"]},
    "attestation": {"description": "Enable TDX attestation by including "
                                   "quote-generation-socket",
                    "type": "boolean", "default": 1},
    "vsock-cid": {"type": "integer", "minimum": 2, "default": 2, "optional": 1,
                  "description": "CID for vsock of Quote Generation Service"},
    "vsock-port": {"type": "integer", "minimum": 0, "default": 4050, "optional": 1,
                   "description": "Port for vsock of Quote Generation Service"},
}
_register("pve-qemu-tdx-fmt", TDX_FMT)
