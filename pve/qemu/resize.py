"""Growing a VM's disk, as PVE::API2::Qemu ``resize_vm`` with
``PVE::Storage::volume_resize`` and qemu-server's block resize.

The worker (``resize`` task) runs :func:`resize_action` under the VM lock:
the new size is computed from the image's current size (``+1G`` adds,
``10G`` sets), shrinking is refused, a stopped VM's image is grown with
``qemu-img resize``, a running VM's by QMP ``block_resize`` on its drive
(``drive-scsi0``...), and the drive's ``size=`` in the config is updated.
"""

import re

from twisted.internet import defer, threads

from pve.qemu import drives as qdrives
from pve.qemu import schema as qschema
from pve.qemu.runtime import Runtime
from pve.qemu.vmconfig import VMConfigError, check_lock
from pve.storage import dirstore
from pve.storage.volumes import parse_volume_id

_SIZE = re.compile(r"(\+)?(\d+(?:\.\d+)?)([KMGT])?\Z", re.ASCII)
_UNITS = {None: 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
QMP_TIMEOUT = 60


class ResizeError(VMConfigError):
    """A refused resize, with Proxmox's message."""


def new_size(sizestr, current):
    """The size in bytes *sizestr* (``+1G``, ``10G``, ``1.5T``, ``4096``)
    asks for when the image has *current* bytes; refuses to shrink."""
    match = _SIZE.match(sizestr or "")
    if match is None:
        raise ResizeError("unable to parse size '%s'" % (sizestr,))
    grow, number, unit = match.groups()
    size = float(number) * _UNITS[unit] if "." in number else int(number) * _UNITS[unit]
    if grow:
        size += current
    size = int(size)
    if size < current:
        raise ResizeError("shrinking disks is not supported")
    return size


def padded(size):
    """*size* rounded up to whole KiB, as ``PVE::Storage::volume_resize``
    hands it to the storage and QEMU."""
    return size + (1024 - size % 1024) % 1024


def drive_id(disk):
    """The ``-drive`` id of config key *disk*, as the command line names
    it (:mod:`pve.qemu.drives`)."""
    return "drive-%s" % disk


def _in_thread(reactor, func, *args, **kw):
    pool = getattr(reactor, "getThreadPool", None)
    if pool is None:
        return defer.maybeDeferred(func, *args, **kw)
    return threads.deferToThreadPool(reactor, pool(), func, *args, **kw)


def _volume_of(conf, disk):
    """``(drive, volid)`` of *disk*, with resize_vm's refusals."""
    value = conf.main.get(disk)
    if not value:
        raise ResizeError("disk '%s' does not exist" % disk)
    drive = qschema.parse_drive(disk, str(value))
    if drive is None:
        raise ResizeError("unable to parse drive options for '%s'" % disk)
    volid = drive.get("file")
    if not volid:
        raise ResizeError("disk '%s' has no associated volume" % disk)
    try:
        parse_volume_id(volid)
    except dirstore.StorageError as error:
        raise ResizeError(str(error))
    if qdrives.is_cdrom(drive):
        raise ResizeError("you can't resize a cdrom")
    return drive, volid


def volume_storage(conf, disk):
    """The storage id of *disk*'s volume, or None when the disk cannot be
    resized anyway (its refusal comes from the task)."""
    try:
        return parse_volume_id(_volume_of(conf, disk)[1])[0]
    except VMConfigError:
        return None


@defer.inlineCallbacks
def resize_action(reactor, configs, vmid, disk, size, digest=None, skiplock=False,
                  user="root@pam", systemd=None):
    """The ``resize`` worker: grow *disk* of *vmid* to *size*."""
    rt = Runtime(reactor, configs)
    ids = yield rt.storage_cfg()

    @defer.inlineCallbacks
    def locked():
        conf = yield configs.load(vmid)
        if digest and digest != conf.digest:
            raise ResizeError("checksum mismatch (file change by other user?)")
        check_lock(conf, bool(skiplock))
        drive, volid = _volume_of(conf, disk)
        storeid = parse_volume_id(volid)[0]
        try:
            storage = dirstore.open_storage(ids, storeid, paths=configs.paths,
                                            node=configs.nodename)
            dirstore.activate(storage)
            current = dirstore.volume_size_info(storage, volid)["size"]
        except dirstore.StorageError as error:
            raise ResizeError(str(error))
        newsize = new_size(size, current)
        if newsize == current:
            return
        try:
            yield configs.client.cluster_log(
                "pvedaemon", "update VM %s: resize --disk %s --size %s" % (vmid, disk, size),
                user=user)
        except Exception:
            pass  # the log is a courtesy
        running = rt.check_running(vmid)
        try:
            yield _in_thread(reactor, dirstore.resize, storage, volid, padded(newsize),
                             running=bool(running))
        except dirstore.StorageError as error:
            raise ResizeError(str(error))
        if running:
            yield rt.qmp(vmid, "block_resize", {"device": drive_id(disk),
                                                "size": padded(newsize)},
                         timeout=QMP_TIMEOUT)
        drive["size"] = newsize
        conf.main[disk] = qschema.print_drive(drive)
        yield configs.write(vmid, conf)

    yield configs.lock(vmid, locked)
