"""The storage side of a VM's drive settings: allocating the disks that
``STORAGE:SIZE`` asks for (qemu-server's ``create_disks``), remembering a
detached volume as ``unusedN`` and freeing an unused one.

Everything that touches a storage blocks (``qemu-img``, ``unlink``): run it
in a worker process or a thread (:func:`in_thread`), never on a reactor
that serves the API.  Errors are :class:`pve.storage.config.StorageError`
or :class:`DiskError`, with Proxmox's messages.
"""

import re

from twisted.internet import defer, threads

from pve.qemu import config as qconfig
from pve.qemu import formats as qf
from pve.qemu import schema as qschema
from pve.qemu.drives import is_cloudinit
from pve.storage import dirstore
from pve.storage.config import StorageError, storage_config
from pve.storage.volumes import parse_volname, parse_volume_id

# PVE::QemuServer::Drive::NEW_DISK_RE: [STORAGE:]SIZE_IN_GiB
NEW_DISK = re.compile(r"(?:([^/:\s]+):)?(\d+(?:\.\d+)?)\Z")


class DiskError(Exception):
    """A refused drive setting; ``key`` names the parameter when Proxmox
    reports it as a parameter error."""

    def __init__(self, message, key=None):
        Exception.__init__(self, message)
        self.key = key


def in_thread(reactor, func, *args, **kw):
    """Run blocking storage work off the reactor thread (in place when the
    reactor has no thread pool, as a test's Clock)."""
    pool = getattr(reactor, "getThreadPool", None)
    if pool is None:
        return defer.maybeDeferred(func, *args, **kw)
    return threads.deferToThreadPool(reactor, pool(), func, *args, **kw)


def is_new_disk(volid):
    return bool(volid) and NEW_DISK.match(volid) is not None


def volume_storage(volid):
    """The storage of a volume id, None for a path, ``none`` or ``cdrom``."""
    if not volid or volid.startswith("/"):
        return None
    try:
        return parse_volume_id(volid)[0]
    except StorageError:
        return None


def parse_drive(key, value, with_alloc=False):
    drive = qschema.parse_drive(key, str(value), with_alloc=with_alloc)
    if drive is None:
        raise DiskError("unable to parse drive options", key)
    return drive


def is_cdrom(drive):
    return drive.get("media") == "cdrom"


# -- checks before anything changes -----------------------------------------

def check_drive_settings(ids, changes):
    """``check_drive_param`` and ``check_storage_access`` for the drive
    keys of *changes*: each parses, each storage exists and takes images.
    Returns the storages new disks are allocated on (for the permission
    check) and puts the normalised values back into *changes*."""
    alloc_on = set()
    for key in sorted(changes):
        if not qconfig.is_valid_drivename(key):
            continue
        drive = parse_drive(key, changes[key], with_alloc=True)
        volid = drive["file"]
        new = NEW_DISK.match(volid)
        if new and not is_cdrom(drive):
            storeid = new.group(1)
            if not storeid:
                raise DiskError("no storage ID specified (and no default storage)")
            scfg = storage_config(ids, storeid)
            if "images" not in (scfg.get("content") or ()):
                raise DiskError("storage '%s' does not support vm images" % storeid,
                                "storage")
            alloc_on.add(storeid)
        elif volume_storage(volid):
            storeid, volname = parse_volume_id(volid)
            storage_config(ids, storeid)
            vtype = parse_volname(volname).vtype
            if vtype not in ("images", "iso"):
                raise DiskError("content type needs to be 'images' or 'iso'", key)
            if vtype == "iso" and not is_cdrom(drive):
                raise DiskError("explicit 'media=cdrom' is required for iso images", key)
        changes[key] = qschema.print_drive(drive, with_alloc=True)
    return alloc_on


# -- create_disks --------------------------------------------------------------

def _open(ids, storeid, paths, nodename):
    return dirstore.open_storage(ids, storeid, paths=paths, node=nodename)


def create_disk(ids, paths, nodename, vmid, key, value, allocated, out=print):
    """The config value for drive *key* set to *value* (blocking): a new
    volume for ``STORAGE:SIZE`` (its ``(storage, volid)`` appended to
    *allocated*), the size of an existing volume filled in, ``none`` and
    ``cdrom`` as given."""
    drive = parse_drive(key, value, with_alloc=True)
    volid = drive["file"]
    new = NEW_DISK.match(volid or "")
    if not volid or volid in ("none", "cdrom"):
        drive.pop("size", None)
        return qschema.print_drive(drive)
    if new and not is_cdrom(drive):
        storeid, size = new.group(1), new.group(2)
        if not storeid:
            raise DiskError("no storage ID specified (and no default storage)")
        storage = _open(ids, storeid, paths, nodename)
        size_kib = int(float(size) * 1024 * 1024)
        fmt = drive.pop("format", None)
        volid = dirstore.alloc(storage, vmid, fmt=fmt, size_kib=size_kib)
        allocated.append((storage, volid))
        drive["file"] = volid
        drive["size"] = size_kib * 1024
        result = qschema.print_drive(drive)
        out("%s: successfully created disk '%s'" % (key, result))
        return result
    storeid = volume_storage(volid)
    if storeid:
        storage = _open(ids, storeid, paths, nodename)
        vtype, _name, _vmid, _b, _bv, _isbase, fmt = parse_volname(parse_volume_id(volid)[1])
        if vtype not in ("images", "iso"):
            raise DiskError("cannot use volume %s - content type needs to be 'images' or "
                            "'iso'" % volid)
        if drive.get("format") and drive["format"] != fmt:
            raise DiskError("drive '%s' - volume '%s' - 'format=%s' option different from "
                            "storage format '%s'" % (key, volid, drive["format"], fmt))
        info = dirstore.volume_size_info(storage, volid)
        if not info["size"]:
            raise DiskError("volume %s does not exist" % volid)
        drive["size"] = info["size"]
    return qschema.print_drive(drive)


def free_allocated(allocated, warn=print):
    """Free what :func:`create_disk` allocated (after an error)."""
    for storage, volid in allocated:
        try:
            dirstore.free(storage, volid)
        except Exception as error:
            warn("%s" % (error,))


# -- unused volumes ------------------------------------------------------------

def add_unused_volume(main, volid):
    """``add_unused_volume``: the lowest free ``unusedN`` gets *volid*
    (nothing when it is there already); returns the key."""
    key = None
    for index in range(qf.MAX_UNUSED - 1, -1, -1):
        test = "unused%d" % index
        if main.get(test):
            if main[test] == volid:
                return None
        else:
            key = test
    if key is None:
        raise DiskError("Too many unused volumes - please delete them first.")
    main[key] = volid
    return key


def is_volid_owner(vmid, volid):
    storeid = volume_storage(volid)
    if not storeid:
        return False
    try:
        owner = parse_volname(parse_volume_id(volid)[1]).vmid
    except StorageError:
        return False
    return owner is not None and int(owner) == int(vmid)


def register_unused_drive(ids, vmid, main, drive, warn=print):
    """``vmconfig_register_unused_drive``: a detached disk of this VM is
    kept as ``unusedN`` in *main*.  Returns a cloud-init volume to free
    (the caller frees it, in a thread) or None."""
    if is_cloudinit(drive):
        return drive["file"]
    if is_cdrom(drive):
        return None
    volid = drive["file"]
    storeid = volume_storage(volid)
    if not storeid:
        return None
    if storeid not in ids:
        warn("WARN: storage '%s' no longer exists, volume '%s' will be removed from config"
             % (storeid, volid))
        return None
    if is_volid_owner(vmid, volid):
        add_unused_volume(main, volid)
    return None


def is_volume_in_use(conf, skip_key, volid):
    """Whether a drive of *conf* (besides *skip_key*) or of a snapshot uses *volid*."""
    sections = [(conf.main, skip_key)] + [(snap, None) for snap in conf.snapshots.values()]
    for section, skip in sections:
        for key, value in section.items():
            if not qconfig.is_valid_drivename(key) or key == skip:
                continue
            drive = qschema.parse_drive(key, str(value))
            if drive and drive.get("file") == volid and not is_cdrom(drive):
                return True
    return False


def deallocate(ids, paths, nodename, vmid, conf, key, volid):
    """``try_deallocate_drive`` (blocking): free *volid* if this VM owns it.
    True when the key may go from the config."""
    if not is_volid_owner(vmid, volid):
        return True
    if is_volume_in_use(conf, key, volid):
        raise DiskError("unable to delete '%s' - volume is still in use (snapshot?)" % volid)
    storage = _open(ids, volume_storage(volid), paths, nodename)
    dirstore.free(storage, volid)
    return True


def free_volume(ids, paths, nodename, volid):
    """``vdisk_free`` of *volid* (blocking)."""
    dirstore.free(_open(ids, volume_storage(volid), paths, nodename), volid)
