"""The property schema of a VM's config keys, as qemu-server declares it.

:data:`CONFIG_PROPERTIES` is Proxmox's ``$confdesc``: every key a
``qemu-server/<vmid>.conf`` may hold (``net0``... ``scsi30``..., and the
internal snapshot keys ``parent``, ``snaptime``, ``vmstate``, ``meta``...).
:data:`API_PROPERTIES` is ``json_config_properties`` with disk allocation: the
same keys as the create and update API declare them (drives with
``import-from``, without the internal keys), equal to the properties of
``POST /nodes/{node}/qemu`` in Proxmox's API schema (9.1) but for the CPU's
``level`` and the NIC's ``host-tunnel`` of 9.2 (``NEWER_THAN_9_1`` in
:mod:`pve.qemu.formats`).  Both are shared: copy before changing
(:func:`properties`).

:func:`check_value` is ``PVE::QemuServer::check_type``, what ``parse_vm_config``
and ``write_vm_config`` run on each value: it refuses a bad value with
Proxmox's message (the parser warns ``vm <vmid> - unable to parse value of
'<key>' - <message>``).  Like Proxmox it checks a key's type and format only;
enums, ranges and patterns of top-level keys are checked by the API
(:func:`pve.api.schema.validate` against :data:`API_PROPERTIES`).

:func:`parse_drive`, :func:`print_drive`, :func:`parse_net`, :func:`print_net`
are ``PVE::QemuServer::Drive`` and ``Network``'s, on
:func:`print_property_string` (``PVE::JSONSchema``'s, in Proxmox's order).
Parsed values are typed (0/1, int, float); a number is printed as Perl
prints it (``rate=1.50`` comes back as ``rate=1.5``).
"""

import copy
import re

from pve.api.formats import FormatError, check_format, parse_property_string, parse_size, \
    perl_true
from pve.api.schema import check_object, perl_str
from pve.qemu import formats as qf


class InvalidValue(ValueError):
    """A config value Proxmox refuses; ``str()`` is Proxmox's message
    (without the final newline; a format error has one line per property)."""

    def __init__(self, key, message):
        super().__init__(message)
        self.key = key
        self.message = message

    def __str__(self):
        return self.message


def _opt(type_, description, **more):
    return {"optional": 1, "type": type_, "description": description, **more}


def _bool(description, default=None, **more):
    if default is not None:
        more["default"] = default
    return _opt("boolean", description, **more)


KEYBOARDS = ["de", "de-ch", "da", "en-gb", "en-us", "es", "fi", "fr", "fr-be", "fr-ca", "fr-ch",
             "hu", "is", "it", "ja", "lt", "mk", "nl", "no", "pl", "pt", "pt-br", "sv", "sl",
             "tr"]
OSTYPES = ["other", "wxp", "w2k", "w2k3", "w2k8", "wvista", "win7", "win8", "win10", "win11",
           "l24", "l26", "solaris"]
LOCKS = ["backup", "clone", "create", "migrate", "rollback", "snapshot", "snapshot-delete",
         "suspending", "suspended"]

_OSTYPE_VERBOSE = """\
Specify guest operating system. This is used to enable special
optimization/features for specific operating systems:

[horizontal]
other;; unspecified OS
wxp;; Microsoft Windows XP
w2k;; Microsoft Windows 2000
w2k3;; Microsoft Windows 2003
w2k8;; Microsoft Windows 2008
wvista;; Microsoft Windows Vista
win7;; Microsoft Windows 7
win8;; Microsoft Windows 8/2012/2012r2
win10;; Microsoft Windows 10/2016/2019
win11;; Microsoft Windows 11/2022/2025
l24;; Linux 2.4 Kernel
l26;; Linux 2.6 - 6.X Kernel
solaris;; Solaris/OpenSolaris/OpenIndiania kernel
"""
_EXPERIMENTAL = "\n\nCAUTION: Experimental! User reported problems with this option.\n"
_MACHINE = {"description": "Specify the QEMU machine.", "type": "string", "optional": 1,
            "format": qf.MACHINE_FMT}

_CONFDESC = {
    "onboot": _bool("Specifies whether a VM will be started during system bootup.", 0),
    "autostart": _bool("Automatic restart after crash (currently ignored).", 0),
    "hotplug": _opt(
        "string", "Selectively enable hotplug features. This is a comma separated list of "
        "hotplug features: 'network', 'disk', 'cpu', 'memory', 'usb' and 'cloudinit'. Use '0' "
        "to disable hotplug completely. Using '1' as value is an alias for the default "
        "`network,disk,usb`. USB hotplugging is possible for guests with machine version >= "
        "7.1 and ostype l26 or windows > 7.",
        format="pve-hotplug-features", default=qf.HOTPLUG_DEFAULT),
    "reboot": _bool("Allow reboot. If set to '0' the VM exit on reboot.", 1),
    "lock": _opt("string", "Lock/unlock the VM.", enum=LOCKS),
    "cpulimit": _opt(
        "number", "Limit of CPU usage.", minimum=0, maximum=128, default=0,
        verbose_description="Limit of CPU usage.\n\nNOTE: If the computer has 2 CPUs, it has "
                            "total of '2' CPU time. Value '0' indicates no CPU limit."),
    "cpuunits": _opt(
        "integer", "CPU weight for a VM, will be clamped to [1, 10000] in cgroup v2.",
        minimum=1, maximum=262144, default="cgroup v1: 1024, cgroup v2: 100",
        verbose_description="CPU weight for a VM. Argument is used in the kernel fair "
                            "scheduler. The larger the number is, the more CPU time this VM "
                            "gets. Number is relative to weights of all the other running VMs."),
    "memory": _opt("string", "Memory properties.", format=qf.MEMORY_FMT),
    "amd-sev": _opt("string", "Secure Encrypted Virtualization (SEV) features by AMD CPUs",
                    format="pve-qemu-sev-fmt"),
    "intel-tdx": _opt("string", "Trusted Domain Extension (TDX) features by Intel CPUs",
                      format="pve-qemu-tdx-fmt"),
    "balloon": _opt(
        "integer", "Amount of target RAM for the VM in MiB. The balloon driver is enabled by "
        "default, unless it is explicitly disabled by setting the value to zero.", minimum=0),
    "shares": _opt(
        "integer", "Amount of memory shares for auto-ballooning. The larger the number is, the "
        "more memory this VM gets. Number is relative to weights of all other running VMs. "
        "Using zero disables auto-ballooning. Auto-ballooning is done by pvestatd.",
        minimum=0, maximum=50000, default=1000),
    "keyboard": _opt(
        "string", "Keyboard layout for VNC server. This option is generally not required and "
        "is often better handled from within the guest OS.", enum=KEYBOARDS, default=None),
    "name": _opt("string", "Set a name for the VM. Only used on the configuration web "
                 "interface.", format="dns-name"),
    "scsihw": _opt("string", "SCSI controller model",
                   enum=["lsi", "lsi53c810", "virtio-scsi-pci", "virtio-scsi-single", "megasas",
                         "pvscsi"], default="lsi"),
    "description": _opt("string", "Description for the VM. Shown in the web-interface VM's "
                        "summary. This is saved as comment inside the configuration file.",
                        maxLength=8192),
    "ostype": _opt("string", "Specify guest operating system.", enum=OSTYPES, default="other",
                   verbose_description=_OSTYPE_VERBOSE),
    "boot": _opt("string", "Specify guest boot order. Use the 'order=' sub-property as usage "
                 "with no key or 'legacy=' is deprecated.", format="pve-qm-boot"),
    "bootdisk": _opt("string", "Enable booting from specified disk. Deprecated: Use 'boot: "
                     "order=foo;bar' instead.", format="pve-qm-bootdisk",
                     pattern=r"(ide|sata|scsi|virtio)\d+"),
    "smp": _opt("integer", "The number of CPUs. Please use option -sockets instead.",
                minimum=1, default=1),
    "sockets": _opt("integer", "The number of CPU sockets.", minimum=1, default=1),
    "cores": _opt("integer", "The number of cores per socket.", minimum=1, default=1),
    "numa": _bool("Enable/disable NUMA.", 0),
    "hugepages": _opt(
        "string", "Enables hugepages memory.\n\nSets the size of hugepages in MiB. If the value "
        "is set to 'any' then 1 GiB hugepages will be used if possible, otherwise the size "
        "will fall back to 2 MiB.", enum=["any", "2", "1024"]),
    "keephugepages": _bool("Use together with hugepages. If enabled, hugepages will not not be "
                           "deleted after VM shutdown and can be used for subsequent starts.", 0),
    "vcpus": _opt("integer", "Number of hotplugged vcpus.", minimum=1, default=0),
    "acpi": _bool("Enable/disable ACPI.", 1),
    "agent": _opt("string", "Enable/disable communication with the QEMU Guest Agent and its "
                  "properties.", format=qf.AGENT_FMT),
    "kvm": _bool("Enable/disable KVM hardware virtualization.", 1),
    "tdf": _bool("Enable/disable time drift fix.", 0),
    "localtime": _bool("Set the real time clock (RTC) to local time. This is enabled by default "
                       "if the `ostype` indicates a Microsoft Windows OS."),
    "freeze": _bool("Freeze CPU at startup (use 'c' monitor command to start execution)."),
    "vga": _opt(
        "string", "Configure the VGA hardware.", format=qf.VGA_FMT,
        verbose_description="Configure the VGA Hardware. If you want to use high resolution "
        "modes (>= 1280x1024x16) you may need to increase the vga memory option. Since QEMU 2.9 "
        "the default VGA display type is 'std' for all OS types besides some Windows versions "
        "(XP and older) which use 'cirrus'. The 'qxl' option enables the SPICE display server. "
        "For win* OS you can select how many independent displays you want, Linux guests can "
        "add displays them self.\nYou can also run without any graphic card, using a serial "
        "device as terminal."),
    "watchdog": _opt(
        "string", "Create a virtual hardware watchdog device.", format="pve-qm-watchdog",
        verbose_description="Create a virtual hardware watchdog device. Once enabled (by a "
        "guest action), the watchdog must be periodically polled by an agent inside the guest "
        "or else the watchdog will reset the guest (or execute the respective action "
        "specified)"),
    "startdate": _opt(
        "string", "Set the initial date of the real time clock. Valid format for date "
        "are:'now' or '2006-06-17T16:01:21' or '2006-06-17'.",
        typetext="(now | YYYY-MM-DD | YYYY-MM-DDTHH:MM:SS)",
        pattern=r"(now|\d{4}-\d{1,2}-\d{1,2}(T\d{1,2}:\d{1,2}:\d{1,2})?)", default="now"),
    # the standard option pve-startup-order (pve-common)
    "startup": _opt(
        "string", "Startup and shutdown behavior. Order is a non-negative number defining the "
        "general startup order. Shutdown in done with reverse ordering. Additionally you can "
        "set the 'up' or 'down' delay in seconds, which specifies a delay to wait before the "
        "next VM is started or stopped.",
        format="pve-startup-order", typetext=r"[[order=]\d+] [,up=\d+] [,down=\d+] "),
    "template": _bool("Enable/disable Template.", 0),
    "args": _opt("string", "Arbitrary arguments passed to kvm.",
                 verbose_description="Arbitrary arguments passed to kvm, for example:\n\nargs: "
                 "-no-reboot -smbios 'type=0,vendor=FOO'\n\nNOTE: this option is for experts "
                 "only.\n"),
    "tablet": _bool(
        "Enable/disable the USB tablet device.", 1,
        verbose_description="Enable/disable the USB tablet device. This device is usually "
        "needed to allow absolute mouse positioning with VNC. Else the mouse runs out of sync "
        "with normal VNC clients. If you're running lots of console-only guests on one host, "
        "you may consider disabling this to save some context switches. This is turned off by "
        "default if you use spice (`qm set <vmid> --vga qxl`)."),
    "migrate_speed": _opt("integer", "Set maximum speed (in MB/s) for migrations. Value 0 is no "
                          "limit.", minimum=0, default=0),
    "migrate_downtime": _opt(
        "number", "Set maximum tolerated downtime (in seconds) for migrations. Should the "
        "migration not be able to converge in the very end, because too much newly dirtied RAM "
        "needs to be transferred, the limit will be increased automatically step-by-step until "
        "migration can converge. Will be capped to 2000 seconds (maximum in QEMU).",
        minimum=0, default=0.1),
    "cdrom": _opt("string", "This is an alias for option -ide2", format="pve-qm-ide",
                  typetext="<volume>"),
    "cpu": _opt("string", "Emulated CPU type.", format="pve-vm-cpu-conf"),
    # the standard option pve-snapshot-name (pve-common)
    "parent": _opt("string", "Parent snapshot name. This is used internally, and should not be "
                   "modified.", format="pve-configid", maxLength=40),
    "snaptime": _opt("integer", "Timestamp for snapshots.", minimum=0),
    "vmstate": _opt("string", "Reference to a volume which stores the VM state. This is used "
                    "internally for snapshots.", format="pve-volume-id"),
    # the standard option pve-storage-id (pve-common)
    "vmstatestorage": _opt("string", "Default storage for VM state volumes/files.",
                           format="pve-storage-id", format_description="storage ID"),
    "runningmachine": {**_MACHINE, "description": "Specifies the QEMU machine type of the "
                       "running vm. This is used internally for snapshots."},
    "runningcpu": _opt("string", "Specifies the QEMU '-cpu' parameter of the running vm. This "
                       "is used internally for snapshots.",
                       pattern=r"(?^:^((?>[+-]?[\w\-\._=]+,?)+)$)",
                       format_description="QEMU -cpu parameter"),
    "running-nets-host-mtu": _opt(
        "string", "List of VirtIO network devices and their effective host_mtu setting. A "
        "value of 0 means that the host_mtu parameter is to be avoided for the corresponding "
        "device. This is used internally for snapshots.", pattern=r"net\d+=\d+(,net\d+=\d+)*"),
    "machine": _MACHINE,
    "arch": _opt("string", "Virtual processor architecture. Defaults to the host architecture.",
                 enum=["x86_64", "aarch64"]),
    "smbios1": _opt("string", "Specify SMBIOS type 1 fields.", format="pve-qm-smbios1",
                    maxLength=512),
    "protection": _bool("Sets the protection flag of the VM. This will disable the remove VM "
                        "and remove disk operations.", 0),
    "bios": _opt("string", "Select BIOS implementation.", enum=["seabios", "ovmf"],
                 default="seabios"),
    "vmgenid": _opt(
        "string", "Set VM Generation ID. Use '1' to autogenerate on create or update, pass '0' "
        "to disable explicitly.",
        pattern="(?:[a-fA-F0-9]{8}(?:-[a-fA-F0-9]{4}){3}-[a-fA-F0-9]{12}|[01])",
        format_description="UUID", default="1 (autogenerated)",
        verbose_description="The VM generation ID (vmgenid) device exposes a 128-bit integer "
        "value identifier to the guest OS. This allows to notify the guest operating system "
        "when the virtual machine is executed with a different configuration (e.g. snapshot "
        "execution or creation from a template). The guest operating system notices the "
        "change, and is then able to react as appropriate by marking its copies of distributed "
        "databases as dirty, re-initializing its random number generator, etc.\nNote that "
        "auto-creation only works when done through API/CLI create or update methods, but not "
        "when manually editing the config file."),
    "hookscript": _opt("string", "Script that will be executed during various steps in the vms "
                       "lifetime.", format="pve-volume-id"),
    "ivshmem": _opt("string", "Inter-VM shared memory. Useful for direct communication between "
                    "VMs, or to the host.", format=qf.IVSHMEM_FMT),
    "audio0": _opt("string", "Configure a audio device, useful in combination with QXL/Spice.",
                   format=qf.AUDIO_FMT),
    "spice_enhancements": _opt("string", "Configure additional enhancements for SPICE.",
                               format=qf.SPICE_ENHANCEMENTS_FMT),
    "tags": _opt("string", "Tags of the VM. This is only meta information.",
                 format="pve-tag-list"),
    "rng0": _opt("string", "Configure a VirtIO-based Random Number Generator.",
                 format="pve-qm-rng"),
    "meta": _opt("string", "Some (read-only) meta-information about this guest.",
                 format=qf.META_INFO_FMT),
    "affinity": _opt("string", "List of host cores used to execute guest processes, for "
                     "example: 0,5,8-11", format="pve-cpuset"),
    "allow-ksm": _bool("Allow memory pages of this guest to be merged via KSM (Kernel Samepage "
                       "Merging).", 1),
    # cloud-init
    "citype": _opt("string", "Specifies the cloud-init configuration format. The default "
                   "depends on the configured operating system type (`ostype`. We use the "
                   "`nocloud` format for Linux, and `configdrive2` for windows.",
                   enum=["configdrive2", "nocloud", "opennebula"]),
    "ciuser": _opt("string", "cloud-init: User name to change ssh keys and password for "
                   "instead of the image's configured default user."),
    "cipassword": _opt("string", "cloud-init: Password to assign the user. Using this is "
                       "generally not recommended. Use ssh keys instead. Also note that older "
                       "cloud-init versions do not support hashed passwords."),
    "ciupgrade": _bool("cloud-init: do an automatic package upgrade after the first boot.", 1),
    "cicustom": _opt("string", "cloud-init: Specify custom files to replace the automatically "
                     "generated ones at start.", format="pve-qm-cicustom"),
    "searchdomain": _opt("string", "cloud-init: Sets DNS search domains for a container. Create "
                         "will automatically use the setting from the host if neither "
                         "searchdomain nor nameserver are set."),
    "nameserver": _opt("string", "cloud-init: Sets DNS server IP address for a container. "
                       "Create will automatically use the setting from the host if neither "
                       "searchdomain nor nameserver are set.", format="address-list"),
    "sshkeys": _opt("string", "cloud-init: Setup public SSH keys (one key per line, OpenSSH "
                    "format).", format="urlencoded"),
}

# Keys the API leaves out (json_config_properties without snapshot info).
INTERNAL_KEYS = ("parent", "snaptime", "vmstate", "running-nets-host-mtu", "runningmachine",
                 "runningcpu", "meta")

_IPCONFIG = _opt(
    "string", "cloud-init: Specify IP addresses and gateways for the corresponding interface."
    "\n\nIP addresses use CIDR notation, gateways are optional but need an IP of the same type "
    "specified.\n\nThe special string 'dhcp' can be used for IP addresses to use DHCP, in which "
    "case no explicit\ngateway should be provided.\nFor IPv6 the special string 'auto' can be "
    "used to use stateless autoconfiguration. This requires\ncloud-init 19.4 or newer.\n\nIf "
    "cloud-init is enabled and neither an IPv4 nor an IPv6 address is specified, it defaults "
    "to using\ndhcp on IPv4.\n", format="pve-qm-ipconfig")
_SERIAL = _opt(
    "string", "Create a serial device inside the VM (n is 0 to 3)", pattern="(/dev/.+|socket)",
    verbose_description="Create a serial device inside the VM (n is 0 to 3), and pass through "
    "a\nhost serial device (i.e. /dev/ttyS0), or create a unix socket on the\nhost side (use "
    "'qm terminal' to open a terminal connection).\n\nNOTE: If you pass through a host serial "
    "device, it is no longer possible to migrate such machines -\nuse with special care."
    + _EXPERIMENTAL)
_PARALLEL = _opt(
    "string", "Map host parallel devices (n is 0 to 2).", pattern=r"/dev/parport\d+|/dev/usb/lp\d+",
    verbose_description="Map host parallel devices (n is 0 to 2).\n\nNOTE: This option allows "
    "direct access to host hardware. So it is no longer possible to migrate such\nmachines - "
    "use with special care." + _EXPERIMENTAL)
_HOSTPCI = _opt(
    "string", "Map host PCI devices into guest.", format="pve-qm-hostpci",
    verbose_description="Map host PCI devices into guest.\n\nNOTE: This option allows direct "
    "access to host hardware. So it is no longer\npossible to migrate such machines - use with "
    "special care." + _EXPERIMENTAL)
_INDEXED = (
    ("numa", qf.MAX_NUMA, _opt("string", "NUMA topology.", format=qf.NUMA_FMT)),
    ("virtiofs", qf.MAX_VIRTIOFS, _opt("string", "Configuration for sharing a directory between "
                                       "host and guest using Virtio-fs.",
                                       format=qf.VIRTIOFS_FMT)),
    ("net", qf.MAX_NETS, _opt("string", "Specify network devices.", format=qf.NET_FMT)),
    ("ipconfig", qf.MAX_NETS, _IPCONFIG),
    ("parallel", qf.MAX_PARALLEL, _PARALLEL),
    ("serial", qf.MAX_SERIAL, _SERIAL),
    ("hostpci", qf.MAX_HOSTPCI, _HOSTPCI),
    ("usb", qf.MAX_USB, _opt("string", "Configure an USB device (n is 0 to 4, for machine "
                             "version >= 7.1 and ostype l26 or windows > 7, n can be up to 14).",
                             format=qf.USB_FMT)),
)

# --- drives (Drive.pm) ---
_DRIVE_DESC = {
    "ide": "Use volume as IDE hard disk or CD-ROM (n is 0 to 3).",
    "scsi": "Use volume as SCSI hard disk or CD-ROM (n is 0 to 30).",
    "sata": "Use volume as SATA hard disk or CD-ROM (n is 0 to 5).",
    "virtio": "Use volume as VIRTIO hard disk (n is 0 to 15).",
    "efidisk": "Configure a disk for storing EFI vars.",
    "tpmstate": "Configure a Disk for storing TPM state. The format is fixed to 'raw'.",
    "unused": "Reference to unused volumes. This is used internally, and should not be "
              "modified manually.",
}
_ALLOC_NOTE = {
    "efidisk": " Note that SIZE_IN_GiB is ignored here and that the default EFI vars are copied "
               "to the volume instead.",
    "tpmstate": " Note that SIZE_IN_GiB is ignored here and 4 MiB will be used instead.",
}


def _drive_desc(kind, with_alloc):
    fmt, description = qf.DRIVE_FMTS[kind], _DRIVE_DESC[kind]
    if with_alloc and kind != "unused":  # allocating unused disks is not supported
        fmt = {**fmt, **qf.IMPORT_FROM}
        description += (" Use the special syntax STORAGE_ID:SIZE_IN_GiB to allocate a new volume."
                        + _ALLOC_NOTE.get(kind, "") + " Use STORAGE_ID:0 and the 'import-from' "
                        "parameter to import from an existing volume.")
    return {"optional": 1, "type": "string", "format": fmt, "description": description}


def _drive_keys():
    counts = dict(qf.MAX_DRIVES, efidisk=1, tpmstate=1, unused=qf.MAX_UNUSED)
    for kind in ("ide", "sata", "scsi", "virtio", "efidisk", "tpmstate", "unused"):
        for i in range(counts[kind]):
            yield kind, f"{kind}{i}"


def _build(with_alloc):
    props = {k: v for k, v in _CONFDESC.items()
             if not (with_alloc and k in INTERNAL_KEYS)}
    for base, count, prop in _INDEXED:
        props.update((f"{base}{i}", prop) for i in range(count))
    descs = {(kind, alloc): _drive_desc(kind, alloc) for kind in qf.DRIVE_FMTS
             for alloc in (False, True)}
    props.update((key, descs[kind, with_alloc]) for kind, key in _drive_keys())
    return props


CONFIG_PROPERTIES = _build(with_alloc=False)
API_PROPERTIES = _build(with_alloc=True)

# [special:fleecing] (QemuServer.pm); [special:cloudinit] values are not checked.
FLEECING_PROPERTIES = {"fleecing-images": _opt(
    "string", "For internal use only. List of fleecing images allocated during backup. If no "
    "backup is running, these are left-overs that failed to be removed.",
    format="pve-volume-id-list")}


def check_value(key, value, schema=None):
    """*value* of *key* as ``check_type`` returns it: 1/0 for a boolean, an
    int for an integer, the text otherwise (a string without format loses
    enclosing double quotes).  Raises :class:`InvalidValue` with Proxmox's
    message.  *schema* defaults to :data:`CONFIG_PROPERTIES`.

    A number keeps its text (``1.50``), as Proxmox writes it back.  The config
    parser handles ``description``, ``args`` (not checked on read),
    ``snapstate`` and ``delete`` itself, and stores a ``cdrom`` value under
    ``ide2`` as it is."""
    schema = CONFIG_PROPERTIES if schema is None else schema
    prop = schema.get(key)
    if not prop:
        raise InvalidValue(key, f"unknown setting '{key}'")
    if value is None:
        raise InvalidValue(key, "got undefined value")
    value = perl_str(value)
    if "\n" in value or "\r" in value:
        raise InvalidValue(key, "property contains a line feed")
    type_ = prop.get("type")
    if type_ == "boolean":
        if value == "1" or re.fullmatch(r"on|yes|true", value, re.I):
            return 1
        if value == "0" or re.fullmatch(r"off|no|false", value, re.I):
            return 0
    elif type_ == "integer":
        if re.fullmatch(r"[0-9]+", value):
            return int(value)
    elif type_ == "number":
        if re.fullmatch(r"[0-9]+(\.[0-9]+)?", value):
            return value
    elif type_ == "string":
        fmt = prop.get("format")
        if fmt:
            try:
                check_format(fmt, value)
            except FormatError as exc:
                raise InvalidValue(key, str(exc).rstrip("\n")) from None
            return value
        m = re.fullmatch(r'"(.*)"', value)
        return m.group(1) if m else value
    else:
        raise InvalidValue(key, "internal error")
    raise InvalidValue(key, f"type check ('{type_}') failed - got '{value}'")


def filename_to_volume_id(vmid, file, media=None):
    """A volume ID for an old-style file name (``cdrom:`` values), or None."""
    if not (file in ("none", "cdrom") or re.search(r"^/dev/.+", file)
            or re.search(r"^([^:]+):(.+)$", file)):
        if "/" in file:
            return None
        return f"local:iso/{file}" if media == "cdrom" else f"local:{vmid}/{file}"
    return file


# --- property strings ---

def format_size(size):
    """A byte count as Proxmox prints a disk size (``4G``, ``512M``, ``1000``)."""
    size = int(size)
    for unit in ("", "K", "M", "G"):
        if size % 1024:
            return f"{size}{unit}"
        size //= 1024
    return f"{size}T"


def _default_key(fmt):
    default_key, key_alias = None, {}
    for key, prop in fmt.items():
        if prop.get("default_key"):
            default_key = key
        if prop.get("alias") and prop.get("keyAlias"):
            key_alias[prop["keyAlias"]] = prop["alias"]
    return default_key, key_alias


def print_property_string(data, fmt, skip=()):
    """``data`` as ``key=value,...`` in Proxmox's order: the default key
    (bare), the required keys, then the rest, sorted.  FormatError if *data*
    does not fit the dict format *fmt*."""
    errors = {}
    check_object("", fmt, data, None, errors)
    if errors:
        raise FormatError("format error", errors)
    data = dict(data)
    for key in list(data):  # check_object maps aliases in place in Perl
        alias = (fmt.get(key) or {}).get("alias")
        if alias is not None and data.get(alias) is None:
            data[alias] = data.pop(key)
    default_key, key_alias = _default_key(fmt)
    parts, done = [], set(skip)

    def text(key, value, value_format):
        if value_format == "disk-size":
            return format_size(value)
        value = perl_str(value)
        if "," in value:
            raise FormatError(f"illegal value with commas for {key}")
        return value

    def add(key, is_default=False):
        if key in done:
            return
        done.add(key)
        value = data.get(key)
        if value is None:
            return
        prop = fmt.get(key)
        combine = key_alias.get(key)
        if combine and data.get(combine) is not None:
            parts.append(text(key, value, (prop or {}).get("format")) + "="
                         + text(combine, data[combine], fmt[combine].get("format")))
            done.add(combine)
            return
        if prop and prop.get("alias"):
            prop = fmt.get(prop["alias"])
        if not prop:
            raise FormatError(f"invalid key '{key}'")
        value = text(key, value, prop.get("format"))
        parts.append(value if is_default else f"{key}={value}")

    if default_key is not None:
        add(default_key, True)
    for key in sorted(data):
        if fmt.get(key) and not perl_true(fmt[key].get("optional")):
            add(key)
    for key in sorted(data):
        add(key)
    return ",".join(parts)


def _noop(message):
    pass


def drive_properties(key, with_alloc=False):
    """The schema of drive *key* (``scsi0``, ``unused3``...) or None."""
    return (API_PROPERTIES if with_alloc else CONFIG_PROPERTIES).get(key) \
        if re.fullmatch(r"(ide|sata|scsi|virtio|efidisk|tpmstate|unused)\d+", key) else None


def parse_drive(key, value, with_alloc=False, warn=_noop):
    """The drive dict of *value* (with ``interface`` and ``index``), or None
    where Proxmox's parse_drive returns nothing (*warn* gets its warnings)."""
    m = re.fullmatch(r"(\D+)(\d+)", key)
    if not m:
        return None
    desc = drive_properties(key, with_alloc)
    if desc is None:
        warn(f"invalid drive key: {key}")
        return None
    try:
        res = parse_property_string(desc["format"], value, skip=qf.DROPPED_DRIVE_PROPERTIES)
    except FormatError:
        return None
    res["interface"], res["index"] = m.group(1), int(m.group(2))
    error = 0
    for opt in ("bps", "bps_rd", "bps_wr"):
        if res.pop(opt, None) is not None:
            if res.get("m" + opt) is not None:
                warn(f"both {opt} and m{opt} specified")
                error += 1
                continue
            # Proxmox converts defined(bps) (that is 1), not bps, to MiB/s.
            res["m" + opt] = "%.3f" % (1 / (1024 * 1024.0))
    for option, requires in (("mbps_max", "mbps"), ("mbps_rd_max", "mbps_rd"),
                             ("mbps_wr_max", "mbps_wr"), ("bps_max_length", "mbps_max"),
                             ("bps_rd_max_length", "mbps_rd_max"),
                             ("bps_wr_max_length", "mbps_wr_max"),
                             ("iops_max_length", "iops_max"),
                             ("iops_rd_max_length", "iops_rd_max"),
                             ("iops_wr_max_length", "iops_wr_max")):
        if perl_true(res.get(option)) and not perl_true(res.get(requires)):
            warn(f"{option} requires {requires}")
            error += 1
    if error:
        return None
    for one, other in (("mbps_rd", "mbps"), ("mbps_wr", "mbps"), ("iops_rd", "iops"),
                       ("iops_wr", "iops")):
        if perl_true(res.get(one)) and perl_true(res.get(other)):
            return None
    if res.get("media") == "cdrom":
        if perl_true(res.get("snapshot")) or perl_true(res.get("format")) \
                or res["interface"] == "virtio":
            return None
    if perl_true(res.get("size")):
        res["size"] = parse_size(perl_str(res["size"]))
        if res["size"] is None:
            return None
    return res


def print_drive(drive, with_alloc=False):
    """The config value of a drive dict (``interface`` and ``index`` left out)."""
    fmt = qf.ALLDRIVE_FMT_WITH_ALLOC if with_alloc else qf.ALLDRIVE_FMT
    return print_property_string(drive, fmt, ("index", "interface"))


def parse_net(value, random_mac=None, warn=_noop):
    """The NIC dict of a ``netN`` value, or None (*warn* gets the error).  A
    missing ``macaddr`` is set from ``random_mac()`` if given."""
    try:
        res = parse_property_string(qf.NET_FMT, value)
    except FormatError as exc:
        warn(str(exc))
        return None
    if res.get("macaddr") is None and random_mac is not None:
        res["macaddr"] = random_mac()
    return res


def print_net(net):
    """The config value of a NIC dict: ``virtio=AA:BB:...,bridge=vmbr0,...``."""
    return print_property_string(net, qf.NET_FMT)


def random_ether_addr(rng, prefix=None):
    """A random locally administered unicast MAC (``PVE::Tools``), from *rng*."""
    octets = bytearray(rng.getrandbits(48).to_bytes(6, "big"))
    octets[0] = (octets[0] & 0xFE) | 2
    addr = ":".join("%02X" % b for b in octets)
    return addr if prefix is None else prefix.upper() + addr[len(prefix):]


def properties(with_alloc=False):
    """A deep copy of :data:`API_PROPERTIES` or :data:`CONFIG_PROPERTIES`."""
    return copy.deepcopy(API_PROPERTIES if with_alloc else CONFIG_PROPERTIES)
