"""/nodes/{node}/qemu/{vmid}/resize and /clone, as PVE::API2::Qemu
``resize_vm`` and ``clone_vm``: early checks here, the work in a worker
task (``resize``: :mod:`pve.qemu.resize`, ``qmclone``:
:mod:`pve.qemu.clone`)."""

from twisted.internet import defer

from pve.api.access import die
from pve.api.qemu import _guard, _int, check_skiplock, configs_of, routes
from pve.api.qemu_tasks import start_task
from pve.api.schema import ParamError
from pve.qemu import clone as qclone
from pve.qemu import config as qconfig
from pve.qemu import drives as qdrives
from pve.qemu import resize as qresize
from pve.qemu import schema as qschema
from pve.qemu import vmconfig
from pve.qemu.runtime import Runtime, check_running
from pve.storage.config import StorageError, storage_check_enabled
from pve.storage.volumes import parse_volume_id


def _param_error(name, message):
    return ParamError({name: message})


def _storage_cfg(env, params):
    return Runtime(None, configs_of(env, params)).storage_cfg()


# -- resize ---------------------------------------------------------------------------

@routes("/nodes/{node}/qemu/{vmid}/resize", "PUT")
@defer.inlineCallbacks
def resize_vm(env, params):
    vmid = params["vmid"]
    check_skiplock(env, params)
    conf = yield _guard(configs_of(env, params).load(vmid))
    storeid = qresize.volume_storage(conf, params["disk"])
    if storeid is not None:
        yield env.check("/storage/%s" % storeid, ["Datastore.AllocateSpace"])
    return start_task(env, "resize", vmid, "resize", {
        "disk": params["disk"], "size": params["size"], "digest": params.get("digest"),
        "skiplock": bool(_int(params.get("skiplock"))), "user": env.auth_id})


# -- clone ----------------------------------------------------------------------------

@defer.inlineCallbacks
def _check_storage_access(env, conf, storage):
    """``check_storage_access_clone``: space on every storage a disk is
    allocated on (*storage* if given), the console for a host CD-ROM."""
    for key, value in sorted(conf.main.items()):
        if not qconfig.is_valid_drivename(key):
            continue
        drive = qschema.parse_drive(key, str(value))
        volid = (drive or {}).get("file")
        if not volid or volid == "none":
            continue
        if qdrives.is_cdrom(drive):
            if volid == "cdrom":
                yield env.check("/", ["Sys.Console"])
            continue
        try:
            storeid = parse_volume_id(volid)[0]
        except StorageError:
            continue  # plan() refused it already
        yield env.check("/storage/%s" % (storage or storeid), ["Datastore.AllocateSpace"])
    if conf.main.get("vmstatestorage") is not None:
        yield env.check("/storage/%s" % conf.main["vmstatestorage"],
                        ["Datastore.AllocateSpace"])


@routes("/nodes/{node}/qemu/{vmid}/clone", "POST")
@defer.inlineCallbacks
def clone_vm(env, params):
    vmid, newid = int(params["vmid"]), int(params["newid"])
    target = params.get("target")
    if target and target not in (env.nodename, "localhost"):
        raise die("can't clone VM to node '%s' - cloning to another node is not "
                  "supported on this node" % target)
    if params.get("pool"):
        raise _param_error("pool", "adding the clone to a pool is not supported on "
                                   "this node")
    storage, fmt = params.get("storage"), params.get("format")
    full = params.get("full")
    full = None if full is None else bool(_int(full))
    running = bool(check_running(env.paths, vmid))
    ids = yield _storage_cfg(env, params)
    if storage:
        try:
            scfg = storage_check_enabled(ids, storage, env.nodename)
        except StorageError as error:
            raise die(str(error))
        if "images" not in (scfg.get("content") or ()):
            raise _param_error("storage", "storage '%s' does not support vm images"
                               % storage)
    configs = configs_of(env, params)
    conf = yield _guard(configs.load(vmid))
    try:
        vmconfig.check_lock(conf)
        qclone.plan(conf, ids, running, full, storage, fmt, params.get("snapname"))
    except vmconfig.VMConfigError as error:
        raise die(str(error))
    yield _check_storage_access(env, conf, storage)
    if (yield configs.exists(newid)):
        raise die("unable to create VM %s: config file already exists" % newid)
    vmlist = yield env.cfs.vmlist()
    other = vmlist.get(newid)
    if other is not None:
        raise die("VM %s already exists on node '%s'" % (newid, other.get("node")))
    return start_task(env, "qmclone", vmid, "clone", {
        "newid": newid, "name": params.get("name"), "description": params.get("description"),
        "full": full, "storage": storage, "format": fmt, "running": running,
        "snapname": params.get("snapname")})
