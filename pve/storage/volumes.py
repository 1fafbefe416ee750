"""Volume IDs and the volume names of a directory storage.

A volume ID is ``<storage>:<volume name>``; on a dir storage the volume
name says what the volume is and where its file lives::

    local:100/vm-100-disk-0.qcow2     images/100/vm-100-disk-0.qcow2
    local:100/base-100-disk-0.raw/200/vm-200-disk-0.qcow2
                                      images/200/vm-200-disk-0.qcow2
                                      (a linked clone of a base image)
    local:iso/debian.iso              template/iso/debian.iso
    local:vztmpl/debian.tar.zst       template/cache/debian.tar.zst
    local:backup/vzdump-qemu-100-2024_01_02-03_04_05.vma.zst
                                      dump/...
    local:snippets/user.yaml          snippets/user.yaml
    local:import/disk.ova             import/disk.ova

The patterns, the names of new disks and the messages follow
``PVE::Storage::Plugin`` (``parse_volume_id``, ``parse_volname``,
``parse_name_dir``, ``get_subdir``, ``filesystem_path``,
``get_next_vm_diskname``) and ``PVE::Storage`` (the extension patterns,
``archive_info``).  Pure functions: nothing here touches the disk.
"""

import datetime
import re
import time
from typing import NamedTuple, Optional

from pve.storage.config import DIR_FORMATS, StorageError

MAX_VOLUMES_PER_GUEST = 1024

# PVE::Storage's extension patterns
ISO_EXT = r"\.(?i:iso|img)"
VZTMPL_EXT = r"\.(?i:(tar)(?!\.)|tar\.(gz|xz|zst|bz2))"  # tar, or compressor
BACKUP_EXT = r"\.(tgz|(?:tar|vma)(?:\.(gz|lzo|zst|bz2))?)"
IMPORT_EXT = r"\.(ova|ovf|qcow2|raw|vmdk)"
SAFE_CHAR = r"[a-zA-Z0-9\-.+=_]"
SAFE_CHAR_WITH_WHITESPACE = r"[ a-zA-Z0-9\-.+=_]"

_VOLUME_ID = re.compile(r"([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)",
                        re.ASCII | re.IGNORECASE)
_VMID = re.compile(r"[0-9]+", re.ASCII)
_NAME_VM = re.compile(
    r"((vm-|base-|subvol-)([0-9]+)-[^/\s]+\.(raw|qcow2|vmdk|subvol))",
    re.ASCII)
_NAME_SNAP = re.compile(r"snap-.*\.qcow2", re.ASCII)
_NAME_ANY = re.compile(r"((base-)?[^/\s]+\.(raw|qcow2|vmdk|subvol))",
                       re.ASCII)
_LINKED = re.compile(r"([0-9]+)/(\S+)/([0-9]+)/(\S+)", re.ASCII)
_IMAGE = re.compile(r"([0-9]+)/(\S+)", re.ASCII)
_ISO = re.compile(r"iso/([^/]+%s)" % ISO_EXT, re.ASCII)
_VZTMPL = re.compile(r"vztmpl/([^/]+%s)" % VZTMPL_EXT, re.ASCII)
_BACKUP = re.compile(r"backup/([^/]+%s)" % BACKUP_EXT, re.ASCII)
_BACKUP_VMID = re.compile(r"vzdump-(openvz|lxc|qemu)-([0-9]+)-.+", re.ASCII)
_SNIPPET = re.compile(r"snippets/([^/]+)", re.ASCII)
_IMPORT_OVA = re.compile(r"import/(%s+\.ova/%s+\.(qcow2|raw|vmdk))" % (
    SAFE_CHAR_WITH_WHITESPACE, SAFE_CHAR_WITH_WHITESPACE), re.ASCII)
_IMPORT = re.compile(r"import/(%s+%s)" % (SAFE_CHAR_WITH_WHITESPACE,
                                          IMPORT_EXT), re.ASCII)

# content type -> directory below the storage path
VTYPE_SUBDIRS = {
    "images": "images",
    "rootdir": "private",
    "iso": "template/iso",
    "vztmpl": "template/cache",
    "backup": "dump",
    "snippets": "snippets",
    "import": "import",
}


class VolName(NamedTuple):
    """What ``parse_volname`` returns, in its order.

    *vmid* and *basevmid* are the digits as written (``str``), *isbase*
    says whether the volume is a base image (a template's disk).
    """

    vtype: str
    name: str
    vmid: Optional[str]
    basename: Optional[str]
    basevmid: Optional[str]
    isbase: bool
    format: str


def parse_volume_id(volid):
    """``(storage, volume name)`` of ``storage:volname``."""
    match = _VOLUME_ID.fullmatch(volid or "")
    if match is None:
        raise StorageError("unable to parse volume ID '%s'" % volid)
    return match.group(1), match.group(2)


def parse_vmid(vmid):
    """*vmid* (an int or its digits) as an int."""
    if not _VMID.fullmatch(str(vmid)):
        raise StorageError("VMID '%s' contains illegal characters" % vmid)
    return int(vmid)


def parse_name_dir(name):
    """``(name, format, isbase)`` of an image's file name."""
    match = _NAME_VM.fullmatch(name)
    if match:
        return match.group(1), match.group(4), match.group(2) == "base-"
    if _NAME_SNAP.fullmatch(name):
        raise StorageError("'%s' is a snapshot filename, not a volume!"
                           % name)
    match = _NAME_ANY.fullmatch(name)
    if match:
        return match.group(1), match.group(3), match.group(2) is not None
    raise StorageError("unable to parse volume filename '%s'" % name)


def parse_volname(volname):
    """The :class:`VolName` of a dir storage's volume name."""
    match = _LINKED.fullmatch(volname)
    if match:
        basevmid, basename, vmid, name = match.groups()
        parse_name_dir(basename)
        _, fmt, isbase = parse_name_dir(name)
        return VolName("images", name, vmid, basename, basevmid, isbase, fmt)
    match = _IMAGE.fullmatch(volname)
    if match:
        vmid, name = match.groups()
        _, fmt, isbase = parse_name_dir(name)
        return VolName("images", name, vmid, None, None, isbase, fmt)
    match = _ISO.fullmatch(volname)
    if match:
        return VolName("iso", match.group(1), None, None, None, False, "raw")
    match = _VZTMPL.fullmatch(volname)
    if match:
        return VolName("vztmpl", match.group(1), None, None, None, False,
                       "raw")
    match = _BACKUP.fullmatch(volname)
    if match:
        name = match.group(1)
        owner = _BACKUP_VMID.match(name)
        return VolName("backup", name, owner.group(2) if owner else None,
                       None, None, False, "raw")
    match = _SNIPPET.fullmatch(volname)
    if match and match.group(1) not in (".", ".."):
        return VolName("snippets", match.group(1), None, None, None, False,
                       "raw")
    match = _IMPORT_OVA.fullmatch(volname)
    if match:
        return VolName("import", match.group(1), None, None, None, False,
                       "ova+" + match.group(2))
    match = _IMPORT.fullmatch(volname)
    if match:
        return VolName("import", match.group(1), None, None, None, False,
                       match.group(2))
    raise StorageError("unable to parse directory volume name '%s'"
                       % volname)


def subdir(path, vtype, content_dirs=None):
    """The directory of content type *vtype* in a storage at *path*
    (``content-dirs`` overrides the defaults)."""
    if not path:
        raise StorageError("storage definition has no path")
    if vtype not in VTYPE_SUBDIRS:
        raise StorageError("unknown vtype '%s'" % vtype)
    return "%s/%s" % (path, (content_dirs or {}).get(vtype,
                                                     VTYPE_SUBDIRS[vtype]))


def filesystem_path(path, volname, content_dirs=None):
    """The file of *volname* in a dir storage at *path*."""
    volume = parse_volname(volname)
    directory = subdir(path, volume.vtype, content_dirs)
    if volume.vtype == "images":
        directory += "/" + volume.vmid
    return "%s/%s" % (directory, volume.name)


def get_next_vm_diskname(volids, storeid, vmid, fmt=None,
                         add_fmt_suffix=False, formats=DIR_FORMATS):
    """The first free ``vm-<vmid>-disk-<n>`` among *volids* (the volumes
    of *vmid* on the storage), as ``get_next_vm_diskname`` picks it.

    On a storage that holds subvols (a dir storage does) any disk number
    of the VM is taken, whatever its format or prefix.
    """
    fmt = fmt or ""
    prefix = "subvol" if fmt == "subvol" else "vm"
    suffix = "." + fmt if add_fmt_suffix else ""
    if "subvol" in formats:
        pattern = r"(vm|base|subvol|basevol)-%s-disk-([0-9]+)" % vmid
    else:
        pattern = r"(vm|base)-%s-disk-([0-9]+)%s" % (vmid, re.escape(suffix))
    taken = set()
    for volid in volids:
        match = re.search(pattern, volid, re.ASCII)
        if match:
            taken.add(match.group(2))  # "01" does not take 1, as in Perl
    for number in range(MAX_VOLUMES_PER_GUEST):
        if str(number) not in taken:
            return "%s-%s-disk-%d%s" % (prefix, vmid, number, suffix)
    raise StorageError("unable to allocate an image name for VM %s in "
                       "storage '%s'" % (vmid, storeid))


def archive_info(name):
    """What the name of a backup archive says, as ``archive_info``: a dict
    with ``type`` (qemu, lxc, openvz) and, for standard names, ``vmid``,
    ``ctime`` (local time) and ``is_std_name``; None for other names."""
    match = re.fullmatch(r"vzdump-(lxc|openvz|qemu)-.+%s" % BACKUP_EXT, name,
                         re.ASCII)
    if match is None:
        return None
    kind, extension = match.group(1), match.group(2)
    info = {"type": kind, "is_std_name": 0}
    std = re.fullmatch(
        r"vzdump-%s-([1-9][0-9]{2,8})-([0-9]{4})_([0-9]{2})_([0-9]{2})-"
        r"([0-9]{2})_([0-9]{2})_([0-9]{2})\.%s" % (kind,
                                                   re.escape(extension)),
        name, re.ASCII)
    if std:
        fields = [int(field) for field in std.groups()]
        try:
            datetime.datetime(*fields[1:])
        except ValueError:
            return None  # Perl's timelocal dies on such a date
        info.update(vmid=fields[0], is_std_name=1,
                    ctime=int(time.mktime(tuple(fields[1:]) + (0, 0, -1))))
    return info


def classify_file(storeid, vtype, name, vmid=None):
    """The listing entry (``volid``, ``format``; for backups ``subtype``,
    ``vmid``, ``ctime``) of the file *name* in the directory of *vtype*
    (iso, vztmpl, backup, snippets, import), as ``get_subdir_files`` makes
    it; None when the name does not belong there (or, for backups, to
    *vmid*)."""
    volid = "%s:%s/%s" % (storeid, vtype, name)
    if vtype == "iso":
        if re.fullmatch(r"[^/]+%s" % ISO_EXT, name, re.ASCII | re.I):
            return {"volid": volid, "format": "iso"}
    elif vtype == "vztmpl":
        match = re.fullmatch(r"[^/]+%s" % VZTMPL_EXT, name, re.ASCII)
        if match:
            ext = match.group(1) or match.group(2)
            return {"volid": volid,
                    "format": ext if ext == "tar" else "t" + ext}
    elif vtype == "backup":
        return _classify_backup(volid, name, vmid)
    elif vtype == "snippets":
        return {"volid": volid, "format": "snippet"}
    elif vtype == "import":
        match = re.fullmatch(r"%s+%s" % (SAFE_CHAR, IMPORT_EXT), name,
                             re.ASCII | re.I)
        if match:
            return {"volid": volid, "format": match.group(1)}
    return None


def _classify_backup(volid, name, vmid):
    match = re.fullmatch(r"[^/]+%s" % BACKUP_EXT, name, re.ASCII)
    if not match:
        return None
    fmt = match.group(1)
    if vmid is not None and not re.search(r"\S+-%s-\S+" % vmid, name,
                                          re.ASCII):
        return None
    info = {"volid": volid, "format": fmt}
    archive = archive_info(name) or {}
    if "ctime" in archive:
        info["ctime"] = archive["ctime"]
    info["subtype"] = archive.get("type", "unknown")
    owner = re.search(r"-([1-9][0-9]{2,8})-[^/]+\.%s$" % re.escape(fmt), name,
                      re.ASCII)
    if vmid is not None or owner:
        info["vmid"] = int(vmid if vmid is not None else owner.group(1))
    return info
