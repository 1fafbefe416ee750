"""The worker tasks of /nodes/{node}/qemu (``qmstart``, ``qmcreate``...).

A worker is its own process (:mod:`pve.daemon.runworker`): it runs a
reactor of its own and reaches pmxcfs through the IPC socket.
"""

from twisted.internet import defer

from pve.daemon import workers
from pve.qemu import clone as qclone
from pve.qemu import config as qconfig
from pve.qemu import diskalloc
from pve.qemu import resize as qresize
from pve.qemu import vmconfig
from pve.qemu.runtime import Runtime


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def start_task(env, type_, vmid, action, kwargs):
    return workers.start_worker(env.reactor, env.paths, env.nodename, type_, vmid,
                                env.auth_id, task_main,
                                args=[action, env.nodename, int(vmid), kwargs])


def task_main(upid, action, nodename, vmid, kwargs):
    """The worker task (its own process): run *action* on a reactor of
    its own, talking to pmxcfs over IPC."""
    from twisted.internet import reactor
    from twisted.python.failure import Failure
    from pve import paths as pvepaths
    from pve.cluster.client import IPCClient, default_description
    from pve.qemu.scope import connect_systemd

    paths = pvepaths.current()
    result = []

    @defer.inlineCallbacks
    def run():
        client = yield IPCClient.connect(reactor, default_description(paths))
        systemd = None
        try:
            if action in ("start", "reboot") or kwargs.get("start"):
                systemd = yield connect_systemd(reactor)
            configs = vmconfig.VMConfigs(client, paths, nodename, reactor)
            value = yield ACTIONS[action](reactor, configs, vmid, systemd=systemd, **kwargs)
        finally:
            client.close()
            if systemd is not None:
                systemd.disconnect()
        return value

    def done(value):
        result.append(value)
        reactor.stop()

    reactor.callWhenRunning(lambda: run().addBoth(done))
    reactor.run()
    if not result:
        raise RuntimeError("received interrupt")
    if isinstance(result[0], Failure):
        result[0].raiseException()


def _bool(value):
    return bool(_int(value))


def _rt(reactor, configs, systemd=None):
    return Runtime(reactor, configs, systemd=systemd)


def _start(reactor, configs, vmid, skiplock=None, systemd=None):
    return _rt(reactor, configs, systemd).start(vmid, skiplock=_bool(skiplock))


def _stop(reactor, configs, vmid, skiplock=None, timeout=None, systemd=None, **_):
    return _rt(reactor, configs).stop(vmid, skiplock=_bool(skiplock),
                                      timeout=None if timeout is None else int(timeout))


def _shutdown(reactor, configs, vmid, skiplock=None, timeout=None, forceStop=None,
              systemd=None):
    return _rt(reactor, configs).shutdown(
        vmid, skiplock=_bool(skiplock),
        timeout=None if timeout is None else int(timeout), forceStop=_bool(forceStop))


def _reboot(reactor, configs, vmid, timeout=None, systemd=None, **_):
    return _rt(reactor, configs, systemd).reboot(
        vmid, timeout=None if timeout is None else int(timeout))


def _simple(name):
    def action(reactor, configs, vmid, skiplock=None, **_):
        return getattr(_rt(reactor, configs), name)(vmid, skiplock=_bool(skiplock))
    return action


def _noop(reactor, configs, vmid, systemd=None):
    return defer.succeed(None)


@defer.inlineCallbacks
def _storage_ids(configs):
    rt = Runtime(None, configs)
    ids = yield rt.storage_cfg()
    return ids


@defer.inlineCallbacks
def _create(reactor, configs, vmid, changes, start=False, systemd=None):
    """Under the VM lock: reserve the VMID with a ``lock: create`` config
    (create_and_lock_config), allocate the disks, write the config."""
    ids = yield _storage_ids(configs)

    @defer.inlineCallbacks
    def locked():
        yield configs.create(vmid, qconfig.VMConfig(main={"lock": "create"}))
        conf = qconfig.VMConfig()
        allocated = []
        try:
            for key, value in sorted(changes.items()):
                if qconfig.is_valid_drivename(key):
                    value = yield diskalloc.in_thread(
                        reactor, diskalloc.create_disk, ids, configs.paths,
                        configs.nodename, vmid, key, value, allocated)
                if key == "description":
                    conf.description = value
                else:
                    conf.main[key] = value
            conf.main.setdefault("smbios1", _smbios_uuid())
            conf.main.setdefault("vmgenid", _uuid())
            yield configs.write(vmid, conf)
        except BaseException:
            diskalloc.free_allocated(allocated)
            try:
                yield configs.delete(vmid)
            except OSError:
                pass
            raise
    yield configs.lock(vmid, locked)
    if start:
        yield _start(reactor, configs, vmid, systemd=systemd)


def _uuid():
    import uuid
    return str(uuid.uuid4())


def _smbios_uuid():
    return "uuid=%s" % _uuid()


def _update(reactor, configs, vmid, systemd=None, **request):
    """``qmconfig``: the update of POST /config (:func:`pve.qemu.pending.update_vm`)."""
    from pve.qemu import pending
    return pending.update_vm(reactor, configs, vmid, **request)


@defer.inlineCallbacks
def _destroy(reactor, configs, vmid, purge=False, unreferenced=True, skiplock=False,
             systemd=None):
    from pve.storage import dirstore
    rt = Runtime(reactor, configs)

    @defer.inlineCallbacks
    def locked():
        conf = yield configs.load(vmid)
        vmconfig.check_lock(conf, skiplock)
        if rt.check_running(vmid):
            raise vmconfig.VMConfigError("VM %s is running - destroy failed" % vmid)
        ids = yield rt.storage_cfg()
        volids = set()
        for key, value in list(conf.main.items()) + list(conf.pending.items()):
            if qconfig.is_valid_drivename(key) and "media=cdrom" not in (value or ""):
                volid = (value or "").split(",")[0]
                if ":" in volid:
                    volids.add(volid)
        if unreferenced:
            for storeid, cfg in ids.items():
                if cfg.get("type") != "dir" or "images" not in (cfg.get("content") or ()):
                    continue
                try:
                    storage = dirstore.open_storage(ids, storeid, paths=configs.paths,
                                                    node=configs.nodename)
                    for info in dirstore.list_images(storage, vmid):
                        volids.add(info["volid"])
                except Exception:
                    continue
        for volid in sorted(volids):
            storeid = volid.split(":", 1)[0]
            try:
                storage = dirstore.open_storage(ids, storeid, paths=configs.paths,
                                                node=configs.nodename)
                dirstore.free(storage, volid)
            except Exception as error:
                print("could not remove disk '%s', check manually: %s" % (volid, error))
        yield configs.delete(vmid)
        print("destroyed VM %s" % vmid)
    yield configs.lock(vmid, locked)


ACTIONS = {
    "start": _start, "stop": _stop, "shutdown": _shutdown, "reboot": _reboot,
    "reset": _simple("reset"), "suspend": _simple("suspend"),
    "resume": _simple("resume"), "noop": _noop, "create": _create,
    "destroy": _destroy, "update": _update,
    "resize": qresize.resize_action, "clone": qclone.clone_action,
}
