"""A config update as qemu-server's ``update_vm_api`` makes it: every change
is first written to ``[PENDING]`` (new disks allocated, replaced and
removed disks kept as ``unusedN``), then applied: at once for a VM that is
not running (``vmconfig_apply_pending``), live where possible for a
running one (``vmconfig_hotplug_pending``, :mod:`pve.qemu.hotplug`).

:func:`update_vm` runs under the VM lock, as the ``PUT`` (in the API
process) and ``POST`` (in the ``qmconfig`` worker) of
``/nodes/{node}/qemu/{vmid}/config`` both call it.  Storage work runs in a
thread, so neither reactor blocks.  Progress is printed as Proxmox prints
it (the task log for ``POST``, the terminal for ``qm set``).
"""

import re

from twisted.internet import defer

from pve.api.formats import FormatError, parse_property_string
from pve.api.schema import ParamError
from pve.qemu import config as qconfig
from pve.qemu import diskalloc
from pve.qemu import formats as qf
from pve.qemu import hotplug as qhotplug
from pve.qemu.memory import current_memory
from pve.qemu.runtime import Runtime, check_running
from pve.qemu.vmconfig import VMConfigError, assert_digest, check_lock


# -- the main section, description included ---------------------------------

def main_get(conf, key):
    return conf.description if key == "description" else conf.main.get(key)


def main_set(conf, key, value):
    if key == "description":
        conf.description = value
    else:
        conf.main[key] = value


def main_del(conf, key):
    if key == "description":
        conf.description = None
    conf.main.pop(key, None)


def cleanup_pending(conf):
    """Drop pending values equal to the current ones and deletions of
    keys that are not set; True if something went."""
    pending, changed = conf.pending, False
    for key in [k for k in pending if k != "delete"]:
        current = main_get(conf, key)
        if current is not None and str(pending[key]) == str(current):
            del pending[key]
            changed = True
    deletions = qconfig.parse_pending_delete(pending.get("delete"))
    kept = {k: f for k, f in deletions.items() if main_get(conf, k) is not None}
    changed = changed or len(kept) != len(deletions)
    if kept:
        pending["delete"] = qconfig.print_pending_delete(kept)
    else:
        pending.pop("delete", None)
    return changed


def check_protection(conf, message):
    if str(conf.main.get("protection") or "0") not in ("", "0"):
        raise VMConfigError("%s - protection mode enabled" % message)


def _bootorder(main):
    if not main.get("boot"):
        return []
    try:
        cfg = parse_property_string(qf.BOOT_FMT, str(main["boot"]))
    except FormatError:
        return []
    return [d for d in re.split(r"[,;\s]+", cfg.get("order") or "") if d]


def print_bootorder(devices):
    return "order=" + ";".join(devices) if devices else ""


class _Update:
    """One run of ``updatefn`` under the VM lock."""

    def __init__(self, reactor, configs, vmid, ids, out, host=None):
        self.reactor, self.configs, self.vmid, self.ids = reactor, configs, int(vmid), ids
        self.out = out
        self.host = host
        self.blocking = lambda func, *args: diskalloc.in_thread(reactor, func, *args)

    def write(self, conf):
        return self.configs.write(self.vmid, conf)

    def storage(self):
        return self.ids, self.configs.paths, self.configs.nodename

    @defer.inlineCallbacks
    def register_unused(self, main, drive):
        cloudinit = diskalloc.register_unused_drive(self.ids, self.vmid, main, drive,
                                                    self.out)
        if cloudinit:
            try:
                yield self.blocking(diskalloc.free_volume, *self.storage(), cloudinit)
            except Exception as error:
                self.out("%s" % (error,))

    @defer.inlineCallbacks
    def delete_or_detach(self, conf, key, force):
        """``vmconfig_delete_or_detach_drive``."""
        drive = diskalloc.parse_drive(key, str(conf.main[key]))
        if force:
            if not diskalloc.is_cdrom(drive) or diskalloc.is_cloudinit(drive):
                yield self.blocking(diskalloc.deallocate, *self.storage(), self.vmid,
                                    conf, key, drive["file"])
        else:
            yield self.register_unused(conf.main, drive)

    # -- writing [PENDING] ---------------------------------------------------

    @defer.inlineCallbacks
    def run(self, changes, deletes, revert, force, digest, skiplock, text, user):
        conf = yield self.configs.load(self.vmid)
        assert_digest(conf, digest)
        deletes = list(deletes)
        if "vmstate" in deletes:
            if conf.main.get("lock") == "suspended":
                del conf.main["lock"]       # written out with the first change
            deletes += [k for k in ("runningmachine", "runningcpu", "running-nets-host-mtu")
                        if conf.main.get(k)]
        if not skiplock:
            check_lock(conf)
        changes = dict(changes)
        for key in revert:
            if main_get(conf, key) is not None:
                changes[key] = main_get(conf, key)
            elif key in conf.pending:
                deletes.append(key)
        if changes.get("memory") or changes.get("balloon") is not None:
            memory = changes.get("memory") or conf.pending.get("memory") \
                or conf.main.get("memory")
            balloon = changes["balloon"] if changes.get("balloon") is not None \
                else conf.pending.get("balloon") or conf.main.get("balloon")
            if balloon is not None and int(balloon) and int(balloon) > current_memory(memory):
                raise VMConfigError("balloon value too large (must be smaller than "
                                    "assigned memory)")
        try:
            yield self.configs.client.cluster_log("pvedaemon", "update VM %s: %s"
                                                  % (self.vmid, text), user=user)
        except Exception:
            pass  # the log is a courtesy
        self.out("update VM %s: %s" % (self.vmid, text))

        modified = {}
        bootorder = _bootorder(conf.main)
        bootorder_deleted = "bootorder" in deletes
        for key in deletes:
            modified[key] = True
            yield self._delete(conf, key, force, bootorder, bootorder_deleted, modified)
        for key in sorted(changes):
            modified[key] = True
            yield self._change(conf, key, changes[key], bootorder, modified)
        if cleanup_pending(conf):
            yield self.write(conf)
        if not conf.pending:
            return
        errors = {}
        if check_running(self.configs.paths, self.vmid):
            yield self.hotplug_pending(conf, modified, errors)
        else:
            yield self.apply_pending(conf, errors)
        if errors:
            raise ParamError(errors)

    @defer.inlineCallbacks
    def _delete(self, conf, key, force, bootorder, bootorder_deleted, modified):
        pending = conf.pending
        value = main_get(conf, key)
        if value is None:
            value = pending.get(key)
        if value is None:
            self.out("cannot delete '%s' - not set in current configuration!" % key)
            modified[key] = False
            return
        is_pending = key in pending
        pending.pop(key, None)
        if not bootorder_deleted and key in bootorder:
            bootorder.remove(key)
            pending["boot"] = print_bootorder(bootorder)
            modified["boot"] = True
        if re.fullmatch(r"unused\d+", key):
            check_protection(conf, "can't remove unused disk '%s'" % value)
            yield self.blocking(diskalloc.deallocate, *self.storage(), self.vmid, conf,
                                key, diskalloc.parse_drive(key, str(value))["file"])
            main_del(conf, key)
        elif key == "vmstate":
            check_protection(conf, "can't remove vmstate '%s'" % value)
            yield self.blocking(diskalloc.deallocate, *self.storage(), self.vmid, conf,
                                key, str(value))
            main_del(conf, key)
        elif qconfig.is_valid_drivename(key):
            check_protection(conf, "can't remove drive '%s'" % key)
            if is_pending:
                yield self.register_unused(conf.main, diskalloc.parse_drive(key, str(value)))
            qconfig.add_to_pending_delete(pending, key, force=force)
        elif key == "tags":
            main_del(conf, key)
        else:
            qconfig.add_to_pending_delete(pending, key, force=force)
        yield self.write(conf)

    @defer.inlineCallbacks
    def _change(self, conf, key, value, bootorder, modified):
        pending = conf.pending
        if key in pending and str(pending[key]) == str(value):
            return
        if qconfig.is_valid_drivename(key):
            if key in pending:
                yield self.register_unused(conf.main,
                                           diskalloc.parse_drive(key, str(pending[key])))
            allocated = []
            try:
                value = yield self.blocking(diskalloc.create_disk, *self.storage(), self.vmid,
                                            key, value, allocated, self.out)
            except BaseException:
                yield self.blocking(diskalloc.free_allocated, allocated, self.out)
                raise
            drive = diskalloc.parse_drive(key, value)
            if bootorder and diskalloc.is_cdrom(drive) and not diskalloc.is_cloudinit(drive) \
                    and key not in bootorder:
                bootorder.append(key)
                pending["boot"] = print_bootorder(bootorder)
                modified["boot"] = True
        elif key == "boot":
            devices = _bootorder({"boot": value})
            for dev in devices:
                deleted = dev in qconfig.parse_pending_delete(pending.get("delete"))
                if not (main_get(conf, dev) or pending.get(dev)) or deleted:
                    raise VMConfigError("invalid bootorder: device '%s' does not exist'" % dev)
            if devices:
                value = print_bootorder(devices)
                if conf.main.get("bootdisk"):
                    qconfig.add_to_pending_delete(pending, "bootdisk")
        pending[key] = value
        qconfig.remove_from_pending_delete(pending, key)
        yield self.write(conf)

    # -- applying ------------------------------------------------------------

    @defer.inlineCallbacks
    def apply_pending(self, conf, errors):
        """``vmconfig_apply_pending``: a VM that is not running takes all."""
        pending = conf.pending
        deletions = qconfig.parse_pending_delete(pending.get("delete"))
        for key in sorted(deletions):
            try:
                if re.fullmatch(r"unused\d+", key):
                    raise VMConfigError("internal error")
                if conf.main.get(key) is not None and qconfig.is_valid_drivename(key):
                    yield self.delete_or_detach(conf, key, deletions[key])
            except Exception as error:
                self._apply_error(errors, key, error)
            else:
                qconfig.remove_from_pending_delete(pending, key)
                main_del(conf, key)
        cleanup_pending(conf)
        for key in sorted(k for k in pending if k != "delete"):
            try:
                if conf.main.get(key) is not None and qconfig.is_valid_drivename(key):
                    yield self.register_unused(
                        conf.main, diskalloc.parse_drive(key, str(conf.main[key])))
            except Exception as error:
                self._apply_error(errors, key, error)
            else:
                main_set(conf, key, pending.pop(key))
        yield self.write(conf)

    def _apply_error(self, errors, key, error):
        message = "unable to apply pending change %s : %s" % (key, error)
        errors[key] = message
        self.out(message)

    @defer.inlineCallbacks
    def hotplug_pending(self, conf, selection, errors):
        """``vmconfig_hotplug_pending``: what can change live, does."""
        pending = conf.pending
        fast = [k for k in pending if k != "delete" and qhotplug.is_fast_plug(k)]
        for key in fast:
            main_set(conf, key, pending.pop(key))
        if fast:
            yield self.write(conf)
        plug = qhotplug.Hotplug(self.reactor, self.configs, self.vmid, self.ids,
                                host=self.host, warn=self.out, blocking=self.blocking)
        try:
            features = qhotplug.features(conf.main)
        except qhotplug.HotplugError as error:
            raise VMConfigError(str(error))
        deletions = qconfig.parse_pending_delete(pending.get("delete"))
        for key in sorted(deletions):
            if selection and not selection.get(key):
                continue
            try:
                yield self._hot_delete(plug, features, conf, key, deletions[key])
            except qhotplug.Skip:
                continue
            except Exception as error:
                errors[key] = "hotplug problem - %s" % (error,)
                continue
            main_del(conf, key)
            qconfig.remove_from_pending_delete(pending, key)
        for key in sorted(k for k in pending if k != "delete"):
            if selection and not selection.get(key):
                continue
            try:
                yield self._hot_change(plug, features, conf, key, pending[key])
            except qhotplug.Skip:
                continue
            except Exception as error:
                errors[key] = "hotplug problem - %s" % (error,)
                continue
            main_set(conf, key, pending.pop(key))
        yield self.write(conf)

    @defer.inlineCallbacks
    def _hot_delete(self, plug, features, conf, key, force):
        main = conf.main
        if key == "hotplug":
            if re.search(r"cpu|memory", str(main.get("hotplug") or "")):
                raise qhotplug.Skip()
        elif key == "tablet":
            if "usb" not in features:
                raise qhotplug.Skip()
            yield plug.deviceplug(main, "tablet")       # the default is on
        elif key == "balloon":
            if main.get("balloon") is not None and int(main["balloon"]) == 0:
                raise qhotplug.Skip()                   # no balloon device
            yield plug.set_balloon(current_memory(main.get("memory")))
        elif qhotplug.is_fast_plug(key):
            pass
        elif re.fullmatch(r"net\d+", key):
            if "network" not in features:
                raise qhotplug.Skip()
            yield plug.deviceunplug(main, key)
        elif qconfig.is_valid_drivename(key):
            if "disk" not in features or re.match(r"(efidisk|ide|sata|tpmstate)\d+", key):
                raise qhotplug.Skip()
            yield plug.deviceunplug(main, key)
            yield self.delete_or_detach(conf, key, force)
        else:
            raise qhotplug.Skip()   # vcpus, memory, usbN, cpuunits, cpulimit...

    @defer.inlineCallbacks
    def _hot_change(self, plug, features, conf, key, value):
        main = conf.main
        if key == "hotplug":
            if re.search(r"cpu|memory", str(value)) \
                    or re.search(r"cpu|memory", str(main.get("hotplug") or "")):
                raise qhotplug.Skip()
        elif key == "tablet":
            if "usb" not in features:
                raise qhotplug.Skip()
            if str(value) == "1":
                yield plug.deviceplug(main, "tablet")
            elif str(value) == "0":
                yield plug.deviceunplug(main, "tablet")
        elif key == "balloon":
            def enabled(v):
                return v is None or int(v) != 0
            if enabled(main.get("balloon")) != enabled(value):
                raise qhotplug.Skip()   # the balloon device comes and goes at start
            if main.get("shares") is not None and int(main["shares"]) == 0:
                memory = current_memory(main.get("memory"))
                yield plug.set_balloon(int(value) or memory)
        elif re.fullmatch(r"net\d+", key):
            yield plug.update_net(conf, "network" in features, key, str(value))
        elif qconfig.is_valid_drivename(key):
            if key in ("efidisk0", "tpmstate0"):
                raise qhotplug.Skip()
            if diskalloc.is_cloudinit(diskalloc.parse_drive(key, str(value))):
                raise qhotplug.Skip()   # no cloud-init image is made here
            yield plug.update_disk(conf, "disk" in features, key, str(value))
        elif key == "agent":
            plug.update_agent(main, value)
        else:
            raise qhotplug.Skip()   # vcpus, memory, usbN, cpuunits, cpulimit...


@defer.inlineCallbacks
def apply_pending(reactor, configs, vmid, conf, out=print):
    """``vmconfig_apply_pending`` for a VM that is not running (at start):
    *conf* takes its pending changes, replaced and detached disks become
    ``unusedN`` (or are freed, for a forced deletion); written back.
    Fires with the errors by key (those changes stay pending)."""
    ids = yield Runtime(None, configs).storage_cfg()
    errors = {}
    yield _Update(reactor, configs, vmid, ids, out).apply_pending(conf, errors)
    return errors


@defer.inlineCallbacks
def update_vm(reactor, configs, vmid, changes, delete=(), revert=(), force=False,
              digest=None, skiplock=False, text="", user="root@pam", out=print, host=None):
    """``updatefn`` under the VM lock: *changes* (checked values by key),
    *delete* and *revert* (lists of keys), *force* (free deleted disks),
    *digest* and *skiplock* as the API takes them; *text* the parameters
    as logged (``-memory 512 -delete name``).  Fails with
    :class:`pve.api.schema.ParamError` when a change could not be applied
    (it stays pending), else with the error of the step that failed."""
    ids = yield Runtime(None, configs).storage_cfg()
    update = _Update(reactor, configs, vmid, ids, out, host)
    yield configs.lock(int(vmid), update.run, changes, delete, revert, bool(force), digest,
                       bool(skiplock), text, user)
