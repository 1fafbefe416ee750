"""PUT and POST /nodes/{node}/qemu/{vmid}/config: the checks of
``update_vm_api`` before the VM lock, and running the update
(:func:`pve.qemu.pending.update_vm`).

PUT (sync) runs the update in the API process itself, its storage work
(``qemu-img``, unlink) in the reactor's thread pool and QMP as network I/O,
so the reactor never blocks.  That keeps what Proxmox's synchronous call
has: no task in the task list, the per-key 400 errors of a change that could
not be applied live, and ``qm set`` printing what it did.  Starting a
worker and waiting for it would lose all three.  POST (async) runs the same
update in a ``qmconfig`` worker task.
"""

from twisted.internet import defer

from pve.api.access import die
from pve.api.schema import ParamError
from pve.qemu import clone as qclone
from pve.qemu import config as qconfig
from pve.qemu import diskalloc, pending, vmconfig
from pve.qemu import schema as qschema
from pve.qemu.runtime import Runtime
from pve.storage.config import StorageError

_NOT_LOGGED = {"node", "vmid", "digest", "background_delay", "skip_cloud_init",
               "import-working-storage"}


def _param_error(key, message):
    return ParamError({key: message})


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0


def update_text(params):
    """The parameters as update_vm_api logs them: ``-key value``, sorted."""
    return " ".join("-%s %s" % (key, "<hidden>" if key == "cipassword" else params[key])
                    for key in sorted(params) if key not in _NOT_LOGGED)


def _check_keys(changes, deletes, revert):
    if not deletes and not revert and not changes:
        raise die("no options specified")
    for key in revert:
        if key not in qschema.CONFIG_PROPERTIES:
            raise _param_error("revert", "unknown option '%s'" % key)
        if key in changes:
            raise _param_error("delete", "you can't use '-%s' and -revert %s' at the same "
                                         "time" % (key, key))
    for key in deletes:
        if key in changes:
            raise _param_error("delete", "you can't use '-%s' and -delete %s' at the same "
                                         "time" % (key, key))
        if key in revert:
            raise _param_error("revert", "you can't use '-delete %s' and -revert %s' at the "
                                         "same time" % (key, key))
        if key not in qschema.CONFIG_PROPERTIES:
            raise _param_error("delete", "unknown option '%s'" % key)


@defer.inlineCallbacks
def add_macs(env, changes):
    """A NIC without MAC gets one (``mac_prefix`` of datacenter.cfg)."""
    nets = [k for k in changes if k.startswith("net") and k[3:].isdigit()]
    if not nets:
        return
    try:
        datacenter = (yield env.cfs.read("datacenter.cfg")).decode("utf-8", "replace")
    except OSError:
        datacenter = ""
    random_mac = qclone.random_mac_function(qclone.mac_prefix(datacenter))
    for key in nets:
        net = qschema.parse_net(changes[key], random_mac=random_mac)
        if net:
            changes[key] = qschema.print_net(net)


@defer.inlineCallbacks
def update_request(env, params, changes, configs):
    """The keyword arguments of :func:`pve.qemu.pending.update_vm` for
    *params*, whose config values *changes* are checked already; fails
    with the API error of the first check that does not pass."""
    vmid = params["vmid"]
    changes = dict(changes)
    deletes = ["ide2" if key == "cdrom" else key
               for key in qconfig.split_list(params.get("delete"))]
    revert = qconfig.split_list(params.get("revert"))
    if "cdrom" in changes:
        value = changes.pop("cdrom")
        changes["ide2"] = value if "media=" in value else value + ",media=cdrom"
    _check_keys(changes, deletes, revert)
    ids = yield Runtime(None, configs).storage_cfg()
    try:
        storages = diskalloc.check_drive_settings(ids, changes)
    except StorageError as error:
        raise die(str(error))
    except diskalloc.DiskError as error:
        raise _param_error(error.key, str(error)) if error.key else die(str(error))
    for storeid in sorted(storages):
        yield env.check("/storage/%s" % storeid, ["Datastore.AllocateSpace"])
    yield add_macs(env, changes)
    try:  # early checks, as Proxmox makes them before forking
        conf = yield configs.load(vmid)
        vmconfig.assert_digest(conf, params.get("digest"))
        if not _int(params.get("skiplock")):
            vmconfig.check_lock(conf)
    except (vmconfig.VMConfigError, qconfig.ConfigError) as error:
        raise die(str(error))
    return {"changes": changes, "delete": deletes, "revert": revert,
            "force": bool(_int(params.get("force"))), "digest": params.get("digest"),
            "skiplock": bool(_int(params.get("skiplock"))), "text": update_text(params),
            "user": env.auth_id}


def _api_error(failure):
    failure.trap(vmconfig.VMConfigError, qconfig.ConfigError, StorageError,
                 diskalloc.DiskError)
    raise die(str(failure.value))


def run(env, configs, vmid, request):
    """The update of PUT, here and now."""
    d = pending.update_vm(env.reactor, configs, vmid, **request)
    return d.addErrback(_api_error)


@defer.inlineCallbacks
def background_delay(env, params, upid):
    """POST's ``background_delay``: wait that long for the task *upid*;
    null when it ended well, its error when it failed, else the UPID."""
    from pve.daemon import workers
    delay = _int(params.get("background_delay"))
    if not delay:
        return upid
    try:
        status = yield workers.worker_ended(upid).addTimeout(delay, env.reactor)
    except defer.TimeoutError:
        return upid
    if status is None or status == "OK" or status.startswith("WARNINGS"):
        return None
    raise die("failed to update VM %s: %s" % (params["vmid"], status))
