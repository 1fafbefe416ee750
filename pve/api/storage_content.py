"""``/nodes/{node}/storage/{storage}/content``: the volumes of a storage.

As ``PVE::API2::Storage::Content``: list (filtered by content type and
owner VM, each volume shown only to who may read it), allocate a disk
image (synchronous, as in Proxmox), show a volume's path, size and format,
and remove a volume in a worker task (``imgdel``).  ``{volume}`` is a
volume ID (``local:100/vm-100-disk-0.qcow2``, slashes and all) or, with the
storage in the path, a volume name.  The disk work (``qemu-img``, the
file system) runs in a thread, or in the task's process.
"""

import os
import re
import sys

from twisted.internet import defer, task

from pve import paths as pve_paths
from pve.api.access import die
from pve.api.schema import ParamError
from pve.api.storage import DECLS, in_thread, read_config, storage_error
from pve.api.tree import Routes
from pve.daemon import workers
from pve.daemon import upid as _upid
from pve.storage import dirstore
from pve.storage.config import StorageError, storage_config
from pve.storage.volumes import parse_volname, parse_volume_id

routes = Routes(DECLS)

CONTENT = "/nodes/{node}/storage/{storage}/content"
VOLUME = CONTENT + "/{volume}"
_BACKUP_STEM = re.compile(
    r"(.*/vzdump-\w+-\d+-\d{4}_\d{2}_\d{2}-\d{2}_\d{2}_\d{2})[^/]+$")


def open_dir_storage(env, ids, storeid):
    """The :class:`~pve.storage.dirstore.DirStorage` *storeid* on this
    node, or Proxmox's error."""
    try:
        return dirstore.open_storage(ids, storeid, env.paths, env.nodename)
    except StorageError as error:
        raise storage_error(error)


def real_volume_id(storeid, volume):
    """``(volid, storeid)``: a volume ID, or a volume name of the storage
    in the path."""
    if ":" in volume:
        try:
            sid, _ = parse_volume_id(volume)
        except StorageError as error:
            raise ParamError({"volume": str(error)})
        if storeid and sid != storeid:
            raise ParamError({"volume": "storage ID mismatch (%s != %s)"
                                        % (sid, storeid)})
        return volume, sid
    if not storeid:
        raise ParamError({"volume": "no storage specified - incomplete "
                                    "volume ID"})
    return "%s:%s" % (storeid, volume), storeid


def volname_of(ids, volid):
    """:func:`~pve.storage.volumes.parse_volname` of a volume ID, or the
    API's 500."""
    try:
        storeid, volname = parse_volume_id(volid)
        scfg = storage_config(ids, storeid)
        if scfg["type"] != "dir":
            raise StorageError("unknown section type '%s'" % scfg["type"])
        return parse_volname(volname)
    except StorageError as error:
        raise storage_error(error)


def check_volume_access(env, usercfg, ids, volid, vmid=None):
    """Whether the caller may read *volid* (``check_volume_access``):
    returns, or raises a 403 or Proxmox's error."""
    storeid = parse_volume_id(volid)[0]
    volume = volname_of(ids, volid)
    spath = "/storage/" + storeid
    if env.check_with(usercfg, spath, ["Datastore.Allocate"], noerr=True):
        return
    owner = volume.vmid
    if volume.vtype in ("iso", "vztmpl", "import"):
        env.check_with(usercfg, spath,
                       ["Datastore.AllocateSpace", "Datastore.Audit"],
                       any=True)
    elif owner is not None and vmid is not None and int(owner) == int(vmid):
        return
    elif volume.vtype == "backup" and owner:
        env.check_with(usercfg, spath, ["Datastore.AllocateSpace"])
        env.check_with(usercfg, "/vms/" + owner, ["VM.Backup"])
    elif volume.vtype in ("images", "rootdir") and owner:
        env.check_with(usercfg, spath, ["Datastore.Audit"])
        env.check_with(usercfg, "/vms/" + owner, ["VM.Config.Disk"])
    else:
        raise die("missing privileges to access %s" % volid)


def _may_read(env, usercfg, ids, volid):
    try:
        check_volume_access(env, usercfg, ids, volid)
    except Exception:
        return False
    return True


@defer.inlineCallbacks
def _guest_types(env):
    vmlist = yield env.cfs.vmlist()
    return {int(vmid): info.get("type") for vmid, info in vmlist.items()}


@routes(CONTENT)
@defer.inlineCallbacks
def list_content(env, params):
    ids, _ = yield read_config(env)
    storage = open_dir_storage(env, ids, params["storage"])
    guests = yield _guest_types(env)
    try:
        volumes = yield in_thread(env, dirstore.list_volumes, storage,
                                  params.get("vmid"), params.get("content"),
                                  guests)
    except StorageError as error:
        raise storage_error(error)
    usercfg = yield env.user_config()
    return [item for item in volumes
            if _may_read(env, usercfg, ids, item["volid"])]


def parse_size_kib(text):
    """KiB in ``<n>``, ``<n>M`` or ``<n>G``."""
    m = re.fullmatch(r"(\d+)([MG]?)", text)
    if m is None:
        raise ParamError({"size": "unable to parse size '%s'" % text})
    return int(m.group(1)) * {"": 1, "M": 1024, "G": 1024 * 1024}[m.group(2)]


@routes(CONTENT, "POST")
@defer.inlineCallbacks
def alloc(env, params):
    name = params["filename"]
    size = parse_size_kib(params["size"])
    fmt = params.get("format")
    m = re.search(r"\.(raw|qcow2|vmdk)$", name)
    if m:
        if fmt and fmt != m.group(1):
            raise ParamError({"format": "different storage formats (%s != %s)"
                                        % (fmt, m.group(1))})
        fmt = m.group(1)
    ids, _ = yield read_config(env)
    storage = open_dir_storage(env, ids, params["storage"])
    try:
        volid = yield in_thread(env, dirstore.alloc, storage, params["vmid"],
                                fmt, name, size)
    except StorageError as error:
        raise storage_error(error)
    return volid


def volume_attributes(filename, vtype):
    """``notes`` and ``protected`` of a backup (``get_volume_attribute``)."""
    if vtype != "backup":
        return {}
    notes = ""
    try:
        with open(filename + ".notes", "rb") as f:
            data = f.read()
        try:
            notes = data.decode("utf-8")
        except UnicodeDecodeError:
            notes = data.decode("latin-1")
    except FileNotFoundError:
        pass
    return {"notes": notes,
            "protected": 1 if os.path.exists(filename + ".protected") else 0}


def _volume_info(storage, volid, vtype):
    filename = dirstore.path(storage, volid)
    info = dirstore.volume_size_info(storage, volid)
    if not info["format"]:
        raise StorageError("volume_size_info on '%s' failed - no format"
                           % volid)
    if info["size"] is None:
        raise StorageError("volume_size_info on '%s' failed - no size"
                           % volid)
    if not info["size"] and info["format"] != "subvol":
        raise StorageError("volume '%s' has size zero" % volid)
    entry = {"path": filename, "size": int(info["size"]),
             "used": int(info["used"]), "format": info["format"]}
    entry.update(volume_attributes(filename, vtype))
    return entry


@routes(VOLUME)
@defer.inlineCallbacks
def volume_info(env, params):
    volid, storeid = real_volume_id(params.get("storage"), params["volume"])
    ids, _ = yield read_config(env)
    usercfg = yield env.user_config()
    check_volume_access(env, usercfg, ids, volid)
    volume = volname_of(ids, volid)
    storage = open_dir_storage(env, ids, storeid)
    try:
        entry = yield in_thread(env, _volume_info, storage, volid,
                                volume.vtype)
    except StorageError as error:
        raise storage_error(error)
    return entry


# -- removing a volume: the imgdel task ---------------------------------------

def remove_auxiliaries(filename):
    """The log and notes files of a removed backup archive."""
    m = _BACKUP_STEM.fullmatch(filename)
    if m is None:
        return
    for aux in (m.group(1) + ".log", filename + ".notes"):
        try:
            os.unlink(aux)
        except FileNotFoundError:
            pass
        except OSError as error:
            from pve.daemon import runworker
            runworker.warn("Removing %s file failed: %s"
                           % (aux.rpartition(".")[2], error.strerror))


def free_worker(upid, storeid, scfg, node, volid, vtype):
    """The ``imgdel`` task: remove *volid* of the storage *storeid*
    (properties *scfg*) on *node*, under this process's ``PVE_ROOT``."""
    storage = dirstore.open_storage({storeid: scfg}, storeid,
                                    pve_paths.current(), node)
    filename = dirstore.path(storage, volid)
    if not dirstore.free(storage, volid):
        # Proxmox's free_image only warns (on the task's stderr)
        print("disk image '%s' does not exist" % filename, file=sys.stderr)
    print("Removed volume '%s'" % volid)
    if vtype == "backup":
        remove_auxiliaries(filename)


@defer.inlineCallbacks
def wait_for_task(env, upid, delay):
    """The status of the task *upid* if it ends within *delay* seconds,
    else None."""
    ended = workers.worker_ended(upid)
    timer = task.deferLater(env.reactor, delay, lambda: None)
    timer.addErrback(lambda f: f.trap(defer.CancelledError))
    first = yield defer.DeferredList([ended, timer], fireOnOneCallback=True,
                                     consumeErrors=True)
    timer.cancel()
    _, index = first
    return ended.result if index == 0 else None


@routes(VOLUME, "DELETE")
@defer.inlineCallbacks
def delete_volume(env, params):
    volid, storeid = real_volume_id(params.get("storage"), params["volume"])
    ids, _ = yield read_config(env)
    volume = volname_of(ids, volid)
    owner = volume.vmid
    if volume.vtype == "backup" and owner:
        yield env.check("/storage/" + storeid, ["Datastore.AllocateSpace"])
        yield env.check("/vms/" + owner, ["VM.Backup"])
    else:
        yield env.check("/storage/" + storeid, ["Datastore.Allocate"])
    open_dir_storage(env, ids, storeid)  # a dir storage that exists
    scfg = ids[storeid]
    node = env.nodename
    upid = workers.start_worker(
        env.reactor, env.paths, node, "imgdel",
        ("%s@" % owner if owner is not None else "") + storeid, env.auth_id,
        free_worker, args=[storeid, scfg, node, volid, volume.vtype])
    if params.get("delay"):
        status = yield wait_for_task(env, upid, params["delay"])
        if status is not None:
            if not _upid.status_is_error(status):
                return None
            raise die(status)
    return upid
