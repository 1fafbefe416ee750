"""A VM's disks on the command line: ``-drive`` and ``-device`` pairs.

qemu-server 9 describes a disk with ``-blockdev`` JSON from machine version
10.0 on; before that (and on every machine Debian's QEMU 7.2 has) it prints
``-drive file=...,if=none,id=drive-scsi0,...`` plus a ``-device`` that
references it, as qemu-server 8 did.  That is what this module prints
(``print_drive_commandline_full`` and ``print_drivedevice_full``).

Volumes are resolved with :mod:`pve.storage`: ``dir`` storages only; a
volume on another storage type (LVM, RBD, ZFS, CIFS...) is refused with
:class:`UnsupportedDrive`, as this node cannot activate it.  Absolute paths
(``/dev/sdb``, ``/mnt/disk.raw``) are host paths, mapped under
``PVE_ROOT`` as storage paths are (:func:`pve.storage.config.host_path`).
"""

import re
from urllib.parse import unquote

from pve.api.formats import parse_property_string
from pve.qemu import formats as qf
from pve.qemu import pci as qpci
from pve.qemu.cmderrors import CommandError, UnsupportedConfig
from pve.qemu.config import DRIVE_NAMES
from pve.qemu.schema import parse_drive
from pve.storage import dirstore
from pve.storage.config import StorageError, host_path, storage_check_enabled
from pve.storage.volumes import parse_volname, parse_volume_id

QEMU_FORMATS = ("raw", "qcow", "qcow2", "qed", "vmdk", "cloop")
_VOLUME_ID = re.compile(r"([^:]+):(.+)\Z")
_CLOUDINIT = re.compile(r"[:/](?:vm-\d+-)?cloudinit(?:\.(?:raw|qcow|qcow2|qed|vmdk|cloop))?\Z")
MAX_SATA_DISKS = 6


class DriveError(CommandError):
    """Proxmox refuses the drive (``str()`` is its message); ``key`` names it."""


class UnsupportedDrive(UnsupportedConfig, DriveError):
    """Proxmox would run the drive, this node cannot."""


def is_cdrom(drive, exclude_cloudinit=False):
    if exclude_cloudinit and is_cloudinit(drive):
        return False
    return bool(drive) and drive.get("media") == "cdrom"


def is_cloudinit(drive):
    return bool(_CLOUDINIT.search(drive.get("file") or ""))


def volume_storage(volid):
    """The storage id of a volume id, or None for a path, ``none``, ``cdrom``."""
    m = _VOLUME_ID.match(volid or "")
    return m.group(1) if m and not volid.startswith("/") else None


def foreach_drive(conf):
    """(key, drive dict) of each drive of *conf*, in qemu-server's order."""
    for key in DRIVE_NAMES:
        value = conf.get(key)
        if not value:
            continue
        drive = parse_drive(key, str(value))
        if drive is None:
            raise DriveError("unable to parse drive options for '%s'" % key, key)
        yield key, drive


class Volumes:
    """Resolves volume ids of a VM to paths and formats on this node."""

    def __init__(self, storage_cfg, paths, nodename, host):
        self.ids = storage_cfg
        self.paths = paths
        self.nodename = nodename
        self.host = host

    def storage(self, key, volid):
        storeid, volname = parse_volume_id(volid)
        try:
            config = storage_check_enabled(self.ids, storeid, self.nodename)
        except StorageError as e:
            raise DriveError(str(e), key) from None
        if config["type"] != "dir":
            raise UnsupportedDrive(
                "%s: volume '%s' is on storage '%s' of type '%s', which this node does not "
                "support (only 'dir' storages)" % (key, volid, storeid, config["type"]), key)
        return storeid, volname, config

    def check_content(self, key, volid):
        """``check_volume_storage_type``: the storage takes the volume's type."""
        storeid, volname, config = self.storage(key, volid)
        try:
            vtype = parse_volname(volname).vtype
        except StorageError as e:
            raise DriveError(str(e), key) from None
        if vtype not in config.get("content", ()):
            raise DriveError("storage '%s' does not support content-type '%s'"
                             % (storeid, vtype), key)

    def volname(self, key, volid):
        """(storage config, :class:`~pve.storage.volumes.VolName`)."""
        storeid, volname, config = self.storage(key, volid)
        try:
            return config, parse_volname(volname)
        except StorageError as e:
            raise DriveError(str(e), key) from None

    def path(self, key, volid):
        storeid = parse_volume_id(volid)[0]
        try:
            storage = dirstore.open_storage(self.ids, storeid, self.paths, self.nodename)
            return dirstore.path(storage, volid)
        except StorageError as e:
            raise DriveError(str(e), key) from None

    def format(self, key, volid):
        """``checked_volume_format``."""
        fmt = self.volname(key, volid)[1].format or "raw"
        if fmt not in QEMU_FORMATS:
            raise DriveError("volume '%s' - not a QEMU image format '%s'" % (volid, fmt), key)
        return fmt

    def host_path(self, path):
        return host_path(path, self.paths)


def path_and_format(volumes, key, drive):
    """``get_path_and_format``: the file QEMU opens (``""``: no medium) and
    its format (None for an empty CD-ROM)."""
    volid = drive["file"]
    storeid = volume_storage(volid)
    if is_cdrom(drive):
        if volid == "cdrom":
            path = volumes.host.cdrom
        elif volid == "none":
            path = ""
        elif volid.startswith("/"):
            path = volumes.host_path(volid)
        else:
            path = volumes.path(key, volid)
    elif storeid:
        path = volumes.path(key, volid)
    else:
        path = volumes.host_path(volid)
    if is_cdrom(drive) and not path:
        return path, None
    if storeid:
        fmt = volumes.format(key, volid)
        if drive.get("format") and drive["format"] != fmt:
            raise DriveError("drive '%s' - volume '%s' - 'format=%s' option different from "
                             "storage format '%s'" % (key, volid, drive["format"], fmt), key)
        return path, fmt
    return path, drive.get("format") or "raw"


def uses_cache_direct(drive, scfg):
    cache = drive.get("cache")
    if cache:
        return cache in ("off", "none", "directsync")
    return not is_cdrom(drive) and not (
        scfg and scfg.get("type") == "btrfs" and not scfg.get("nocow"))


def aio_option(scfg, drive, cache_direct):
    if drive.get("aio"):
        return drive["aio"]
    kind = (scfg or {}).get("type")
    io_uring = not ((kind == "rbd" and scfg.get("krbd") and not cache_direct)
                    or kind in ("lvm", "cifs"))
    if io_uring:
        return "io_uring"
    return "native" if cache_direct else "threads"


def detect_zeroes_option(drive):
    if drive.get("detect_zeroes") is not None and not int(drive["detect_zeroes"]):
        return "off"
    if drive.get("discard"):
        return "unmap" if drive["discard"] == "on" else "on"
    return "on"


def _num(value):
    return float(value) if value not in (None, "") else 0


def drive_commandline(volumes, key, drive, readonly=False):
    """The ``-drive`` value of *drive* (``print_drive_commandline_full``)."""
    volid = drive["file"]
    storeid = volume_storage(volid)
    scfg, vtype = None, None
    if storeid:
        scfg, volname = volumes.volname(key, volid)
        vtype = volname.vtype
    path, fmt = path_and_format(volumes, key, drive)
    if scfg and scfg.get("snapshot-as-volume-chain") and fmt == "qcow2":
        raise UnsupportedDrive(
            "storage for '%s' is configured for snapshots as a volume chain - this requires "
            "QEMU machine version >= 10.0. See "
            "https://pve.proxmox.com/wiki/QEMU_Machine_Version_Upgrade" % volid, key)
    opts = ""
    for option in ("media", "cache", "rerror", "werror", "discard"):
        if drive.get(option) is not None:
            opts += ",%s=%s" % (option, drive[option])
    if drive.get("snapshot") is not None:
        opts += ",snapshot=" + ("on" if int(drive["snapshot"]) else "off")
    if drive.get("ro") is not None:
        opts += ",readonly=" + ("on" if int(drive["ro"]) else "off")
    for suffix, name in (("", "-total"), ("_rd", "-read"), ("_wr", "-write")):
        if _num(drive.get("mbps" + suffix)):
            opts += ",throttling.bps%s=%d" % (name, int(_num(drive["mbps" + suffix]) * 1048576))
        if _num(drive.get("mbps%s_max" % suffix)):
            opts += ",throttling.bps%s-max=%d" % (
                name, int(_num(drive["mbps%s_max" % suffix]) * 1048576))
        for option, qemu in (("bps%s_max_length", "bps%s-max-length"), ("iops%s", "iops%s"),
                             ("iops%s_max", "iops%s-max"),
                             ("iops%s_max_length", "iops%s-max-length")):
            value = drive.get(option % suffix)
            if _num(value):
                opts += ",throttling.%s=%s" % (qemu % name, value)
    if fmt:
        opts += ",format=" + fmt
    cache_direct = uses_cache_direct(drive, scfg)
    if not drive.get("cache") and cache_direct:
        opts += ",cache=none"
    opts += ",aio=" + aio_option(scfg, drive, cache_direct)
    if drive.get("media") is None and vtype == "iso":
        raise DriveError("%s: explicit media parameter is required for iso images" % key, key)
    if not is_cdrom(drive):
        opts += ",detect-zeroes=" + detect_zeroes_option(drive)
    if readonly:
        opts += ",readonly=on"
    file_part = "file=%s," % path if path else ""
    return "%sif=none,id=drive-%s%s" % (file_part, key, opts)


def scsihw_infos(scsihw, index):
    """(max devices per controller, controller number, id prefix)."""
    if not scsihw or scsihw.startswith("lsi"):
        maxdev = 7
    elif scsihw == "virtio-scsi-single":
        maxdev = 1
    else:
        maxdev = 256
    prefix = "virtioscsi" if scsihw == "virtio-scsi-single" else "scsihw"
    return maxdev, index // maxdev, prefix


def scsi_device_type(volumes, drive):
    """``cd``, ``hd``, or for a passed-through SCSI device ``block``
    (``scsiblock=1``) or ``generic`` (a tape)."""
    if is_cdrom(drive) or is_cloudinit(drive):
        return "cd"
    if drive["file"].startswith("/"):
        scsi_type = volumes.host.scsi_type(volumes.host_path(drive["file"]))
        if scsi_type == 0 and drive.get("scsiblock") and int(drive["scsiblock"]):
            return "block"
        if scsi_type == 1:
            return "generic"
    return "hd"


def _escape(value):
    return unquote(str(value)).replace(",", ",,")


def device_commandline(volumes, conf, key, drive, bridges, q35):
    """The ``-device`` of *drive* (``print_drivedevice_full``, machine < 10)."""
    interface, index = drive["interface"], drive["index"]
    if interface == "virtio":
        device = "virtio-blk-pci,drive=drive-%s,id=%s%s" % (key, key,
                                                            qpci.pci_addr(key, bridges))
        if drive.get("iothread") and int(drive["iothread"]):
            device += ",iothread=iothread-" + key
    elif interface == "scsi":
        scsihw = conf.get("scsihw")
        maxdev, controller, prefix = scsihw_infos(scsihw, index)
        unit = index % maxdev
        device_type = scsi_device_type(volumes, drive)
        if not scsihw or scsihw.startswith("lsi") or scsihw == "pvscsi":
            device = "scsi-%s,bus=%s%d.0,scsi-id=%d" % (device_type, prefix, controller, unit)
        else:
            device = "scsi-%s,bus=%s%d.0,channel=0,scsi-id=0,lun=%d" % (
                device_type, prefix, controller, index)
        device += ",drive=drive-%s,id=%s" % (key, key)
        if drive.get("ssd") and int(drive["ssd"]) and device_type in ("block", "hd"):
            device += ",rotation_rate=1"
        if drive.get("wwn"):
            device += ",wwn=%s" % drive["wwn"]
        if device_type in ("hd", "cd"):
            if drive.get("vendor"):
                device += ",vendor=%s" % drive["vendor"]
            if drive.get("product"):
                device += ",product=%s" % drive["product"]
    elif interface in ("ide", "sata"):
        maxdev = MAX_SATA_DISKS if interface == "sata" else 2
        controller, unit = index // maxdev, index % maxdev
        if q35 and interface == "ide":
            controller += 2 * (unit % 2)
            unit = 0
        device_type = "cd" if drive.get("media") == "cdrom" else "hd"
        if conf.get("template"):
            device_type = "cd"
        device = "ide-" + device_type
        if interface == "ide":
            device += ",bus=ide.%d,unit=%d" % (controller, unit)
        else:
            device += ",bus=ahci%d.%d" % (controller, unit)
        device += ",drive=drive-%s,id=%s" % (key, key)
        if device_type == "hd":
            if drive.get("model"):
                device += ",model=" + _escape(drive["model"])
            if drive.get("ssd") and int(drive["ssd"]):
                device += ",rotation_rate=1"
        if drive.get("wwn"):
            device += ",wwn=%s" % drive["wwn"]
    else:
        raise DriveError("unsupported interface type", key)
    if drive.get("bootindex"):
        device += ",bootindex=%s" % drive["bootindex"]
    if drive.get("serial"):
        device += ",serial=" + _escape(drive["serial"])
    return device


# -- boot order -------------------------------------------------------------

def _legacy_bootorder(conf, boot):
    legacy = (boot or {}).get("legacy") or "cdn"
    index = {letter: (i + 1) * 100 for i, letter in enumerate(legacy)}
    order = {}
    for key, drive in foreach_drive(conf):
        if is_cdrom(drive, exclude_cloudinit=True):
            if index.get("d"):
                order[key] = index["d"]
                index["d"] += 1
        elif index.get("c"):
            if conf.get("bootdisk") == key:
                order[key] = index["c"]
            index["c"] += 1
    if index.get("n"):
        for i in range(32):
            if conf.get("net%d" % i):
                order["net%d" % i] = index["n"]
                index["n"] += 1
    return order


def boot_order(conf):
    """Device id -> bootindex (``device_bootorder``)."""
    if conf.get("boot") is None:
        return _legacy_bootorder(conf, None)
    boot = parse_property_string(qf.BOOT_FMT, str(conf["boot"]))
    if boot.get("legacy"):
        return _legacy_bootorder(conf, boot)
    order = {}
    if boot.get("order"):
        for i, dev in enumerate(d for d in re.split(r"[,;\s]+", boot["order"]) if d):
            order[dev] = 100 + i
    return order


# -- for hotplug (pve.qemu.hotplug) -------------------------------------------

def scsi_controller(conf, drive, bridges=None):
    """``(id, -device value, iothread id or None)`` of the SCSI controller
    *drive* sits on, as the command line creates it."""
    scsihw = conf.get("scsihw") or "lsi"
    _maxdev, controller, prefix = scsihw_infos(conf.get("scsihw"), drive["index"])
    device_id = "%s%d" % (prefix, controller)
    kind = "virtio-scsi-pci" if scsihw.startswith("virtio-scsi-single") else scsihw
    value = "%s,id=%s%s" % (kind, device_id, qpci.pci_addr(device_id, bridges))
    iothread = None
    if scsihw == "virtio-scsi-single" and drive.get("iothread") and int(drive["iothread"]):
        iothread = "iothread-" + device_id
        value += ",iothread=" + iothread
    if scsihw == "virtio-scsi-single" and drive.get("queues"):
        value += ",num_queues=%s" % drive["queues"]
    return device_id, value, iothread
