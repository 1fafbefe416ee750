"""/nodes/{node}/qemu: VMs, as PVE::API2::Qemu (a subset).

Power actions and create/destroy run as worker tasks (``qmstart``,
``qmstop``, ``qmcreate``...): the worker is its own process, so it runs a
reactor of its own and reaches pmxcfs through the IPC socket.
"""

from twisted.internet import defer
from twisted.logger import Logger

from pve.api import decl_qemu, formats, qemu_update
from pve.api.access import die
from pve.api.schema import ParamError
from pve.api.tree import Routes
from pve.api.qemu_tasks import start_task
from pve.qemu import config as qconfig
from pve.qemu import formats as _qemu_formats  # noqa: F401  (registers formats)
from pve.storage.config import verify_storage_id
from pve.qemu import schema as qschema
from pve.qemu import qmp, stats
from pve.qemu import vmconfig
from pve.qemu.runtime import Runtime, check_running

log = Logger()



def _verify_storage_pair(value):
    """Proxmox's ``storage-pair`` (used as ``storage-pair-list``):
    ``storage`` or ``src:dst``."""
    for storeid in value.split(":", 1):
        verify_storage_id(storeid)
    return value


if formats.get_format("storage-pair") is None:
    formats.register_format("storage-pair", _verify_storage_pair)

routes = Routes(decl_qemu.DECLS)
routes.index("/nodes/{node}/qemu/{vmid}", order=("config", "pending", "status",
                                                  "resize", "clone"))
routes.index("/nodes/{node}/qemu/{vmid}/status", order=(
    "current", "start", "stop", "reset", "shutdown", "reboot", "suspend", "resume"))

# Parameters of PUT/POST config and create that are not config keys.
_NON_CONFIG = {"node", "vmid", "digest", "delete", "revert", "skiplock", "force",
               "background_delay", "archive", "start", "pool", "storage", "unique",
               "live-restore", "bwlimit", "import-working-storage"}


def _node(env, params):
    node = params.get("node")
    return env.nodename if node in (None, "localhost") else node


def configs_of(env, params=None):
    node = env.nodename if params is None else _node(env, params)
    return vmconfig.VMConfigs(env.cfs, env.paths, node, env.reactor)


def _api_error(failure):
    failure.trap(vmconfig.VMConfigError, qconfig.ConfigError)
    raise die(str(failure.value))


def _guard(d):
    return d.addErrback(_api_error)


def _conf_dict(conf):
    data = dict(conf.main)
    if conf.description is not None:
        data["description"] = conf.description
    return data


# -- list / index -------------------------------------------------------------

@routes("/nodes/{node}/qemu")
@defer.inlineCallbacks
def vm_list(env, params):
    configs = configs_of(env, params)
    try:
        names = yield env.cfs.listdir("nodes/%s/qemu-server" % configs.nodename)
    except OSError:
        names = []
    out = []
    for name in sorted(names):
        if not name.endswith(".conf") or not name[:-5].isdigit():
            continue
        vmid = int(name[:-5])
        ok = yield env.check("/vms/%d" % vmid, ["VM.Audit"], noerr=True)
        if not ok:
            continue
        try:
            conf = yield configs.load(vmid)
        except (vmconfig.VMConfigError, OSError):
            continue
        out.append(vm_status(env.paths, vmid, conf))
    return out


def _int(value, default=0):
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def bootdisk_size(conf):
    """The size (bytes) of the boot disk from its ``size=``, or 0."""
    from pve.qemu.config import is_valid_drivename
    boot = conf.main.get("bootdisk")
    keys = [boot] if boot else []
    order = conf.main.get("boot") or ""
    if order.startswith("order="):
        keys = order[6:].split(";") + keys
    keys += [k for k in sorted(conf.main) if is_valid_drivename(k)]
    for key in keys:
        value = conf.main.get(key) or ""
        if not is_valid_drivename(key) or "media=cdrom" in value:
            continue
        for part in value.split(","):
            if part.startswith("size="):
                return _parse_size(part[5:])
    return 0


def _parse_size(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}
    if text and text[-1] in units:
        return int(float(text[:-1]) * units[text[-1]])
    return _int(text)


def _memory_mb(value):
    """The ``memory`` option in MiB (``2048`` or ``current=2048``)."""
    text = str(value or "")
    for part in text.split(","):
        if part.startswith("current="):
            text = part[8:]
            break
    return _int(text, 2048) or 2048


def vm_status(paths, vmid, conf, full=False):
    """vmstatus without QMP: one entry of the VM list, and the base of the
    full status (*full*: traffic per tap in ``nics`` too)."""
    main = conf.main
    pid = check_running(paths, vmid)
    sockets = _int(main.get("sockets"), 1) or 1
    cores = _int(main.get("cores"), 1) or 1
    cpus = min(sockets * cores, stats.host_cpu_count())
    cpus = _int(main.get("vcpus")) or cpus
    entry = {
        "vmid": vmid, "status": "running" if pid else "stopped",
        "name": main.get("name") or "VM %s" % vmid,
        "maxmem": _memory_mb(main.get("memory")) * 1024 * 1024,
        "maxdisk": bootdisk_size(conf), "cpus": cpus,
        "mem": 0, "memhost": 0, "cpu": 0, "disk": 0, "netin": 0, "netout": 0,
        "diskread": 0, "diskwrite": 0, "uptime": 0,
    }
    if _int(main.get("balloon")):
        entry["balloon_min"] = _int(main["balloon"]) * 1024 * 1024
        entry["shares"] = _int(main.get("shares"), 1000)
    if main.get("lock"):
        entry["lock"] = main["lock"]
    if main.get("tags"):
        entry["tags"] = main["tags"]
    if _int(main.get("template")):
        entry["template"] = 1
    if any(main.get("serial%d" % i) for i in range(4)):
        entry["serial"] = 1
    entry.update(stats.net_stats(vmid, per_nic=full))
    if pid:
        entry["pid"] = pid
        entry.update(stats.process_stats(vmid, pid, cpus))
    return entry


# -- config ---------------------------------------------------------------------

@routes("/nodes/{node}/qemu/{vmid}/config")
@defer.inlineCallbacks
def get_config(env, params):
    conf = yield _guard(configs_of(env, params).load(params["vmid"]))
    current = params.get("current")
    data = _conf_dict(conf)
    if not _int(current):
        for key, value in conf.pending.items():
            if key != "delete":
                data[key] = value
        for key in qconfig.parse_pending_delete(conf.pending.get("delete")):
            data.pop(key, None)
    data["digest"] = conf.digest
    return data


@routes("/nodes/{node}/qemu/{vmid}/pending")
@defer.inlineCallbacks
def get_pending(env, params):
    conf = yield _guard(configs_of(env, params).load(params["vmid"]))
    current = _conf_dict(conf)
    deletions = qconfig.parse_pending_delete(conf.pending.get("delete"))
    out = []
    for key in sorted(set(current) | set(conf.pending) - {"delete"}):
        entry = {"key": key}
        if key in current:
            entry["value"] = current[key]
        if key in conf.pending and key != "delete":
            entry["pending"] = conf.pending[key]
        if key in deletions:
            entry["delete"] = 2 if deletions[key] else 1
        out.append(entry)
    for key in deletions:
        if key not in current and key not in conf.pending:
            out.append({"key": key, "delete": 2 if deletions[key] else 1})
    return out


def _split_delete(text):
    return [k for k in (text or "").replace(";", ",").replace(" ", ",").split(",") if k]


def _config_changes(params):
    return {k: v for k, v in params.items() if k not in _NON_CONFIG}


def _check_values(changes):
    out = {}
    errors = {}
    for key, value in changes.items():
        try:
            checked = qschema.check_value(key, value, qschema.API_PROPERTIES)
        except ValueError as error:
            errors[key] = str(error) or "unable to parse value"
            continue
        out[key] = "%s" % (checked,)
    if errors:
        raise ParamError(errors)
    return out


@defer.inlineCallbacks
def update_config(env, params):
    """PUT config (update_vm_api, sync): the update runs here, its storage
    work in threads (:mod:`pve.api.qemu_update` says why)."""
    configs = configs_of(env, params)
    changes = _check_values(_config_changes(params))
    request = yield qemu_update.update_request(env, params, changes, configs)
    yield qemu_update.run(env, configs, params["vmid"], request)
    return None


def check_skiplock(env, params):
    """``skiplock`` is for root@pam only (a parameter error otherwise)."""
    if _int(params.get("skiplock")) and env.auth_id != "root@pam":
        raise ParamError({"skiplock": "Only root may use this option."})


@routes("/nodes/{node}/qemu/{vmid}/config", "PUT")
def put_config(env, params):
    check_skiplock(env, params)
    return update_config(env, params)


@routes("/nodes/{node}/qemu/{vmid}/config", "POST")
@defer.inlineCallbacks
def post_config(env, params):
    """update_vm_async: the update in a ``qmconfig`` task."""
    check_skiplock(env, params)
    configs = configs_of(env, params)
    changes = _check_values(_config_changes(params))
    request = yield qemu_update.update_request(env, params, changes, configs)
    upid = start_task(env, "qmconfig", params["vmid"], "update", request)
    result = yield qemu_update.background_delay(env, params, upid)
    return result


# -- create / destroy ------------------------------------------------------------

@routes("/nodes/{node}/qemu", "POST")
@defer.inlineCallbacks
def create_vm(env, params):
    vmid = params["vmid"]
    changes = _check_values(_config_changes(params))
    configs = configs_of(env, params)
    if (yield configs.exists(vmid)):
        raise die("unable to create VM %s: config file already exists" % vmid)
    vmlist = yield env.cfs.vmlist()
    other = vmlist.get(int(vmid))
    if other is not None:
        raise die("VM %s already exists on node '%s'" % (vmid, other.get("node")))
    yield qemu_update.add_macs(env, changes)
    for key, value in changes.items():
        if qconfig.is_valid_drivename(key):
            storeid = value.split(":", 1)[0]
            if ":" in value and not value.startswith("/"):
                yield env.check("/storage/%s" % storeid, ["Datastore.AllocateSpace"])
    return start_task(env, "qmcreate", vmid, "create",
                      {"changes": changes, "start": bool(_int(params.get("start")))})


@routes("/nodes/{node}/qemu/{vmid}", "DELETE")
@defer.inlineCallbacks
def destroy_vm(env, params):
    vmid = params["vmid"]
    check_skiplock(env, params)
    conf = yield _guard(configs_of(env, params).load(vmid))
    try:
        vmconfig.check_lock(conf, bool(_int(params.get("skiplock"))))
    except vmconfig.VMConfigError as error:
        raise die(str(error))
    if check_running(env.paths, vmid):
        raise die("VM %s is running - destroy failed" % vmid)
    return start_task(env, "qmdestroy", vmid, "destroy", {
        "purge": bool(_int(params.get("purge"))),
        "unreferenced": bool(_int(params.get("destroy-unreferenced-disks", 1))),
        "skiplock": bool(_int(params.get("skiplock")))})


# -- status -------------------------------------------------------------------------

@routes("/nodes/{node}/qemu/{vmid}/status/current")
@defer.inlineCallbacks
def status_current(env, params):
    vmid = params["vmid"]
    configs = configs_of(env, params)
    conf = yield _guard(configs.load(vmid))
    entry = vm_status(env.paths, vmid, conf, full=True)
    if entry.get("pid"):
        rt = Runtime(env.reactor, configs)
        answers = yield rt.monitor_answers(vmid, stats.MONITOR_QUERIES)
        entry.update(stats.monitor_fields(answers, entry["maxmem"]))
    entry.setdefault("qmpstatus", entry["status"])
    entry["ha"] = {"managed": 0}
    return entry



def _hmp_permissions():
    """Monitor command -> ``none``, ``Sys.Modify`` or ``root``, read from
    the monitor method's declared permission text (Proxmox's HMPPerms)."""
    decl = decl_qemu.DECLS[("/nodes/{node}/qemu/{vmid}/monitor", "POST")]
    table = {}
    for paragraph in decl["permissions"]["description"].split("\n\n"):
        head, _, names = paragraph.partition(": ")
        if "do not require" in head:
            perm = "none"
        elif "root-only" in head:
            perm = "root"
        elif "require '" in head:
            perm = head.split("'")[1]
        else:
            continue
        table.update(dict.fromkeys((n.strip() for n in names.split(",")), perm))
    return table


HMP_PERMISSIONS = _hmp_permissions()


@routes("/nodes/{node}/qemu/{vmid}/monitor", "POST")
@defer.inlineCallbacks
def monitor(env, params):
    """A human monitor command; its output, or ``ERROR: ...`` text when
    QEMU could not run it (as Proxmox, a failure is an answer, not an
    error)."""
    command = params.get("command")
    if not command:
        raise die("no command specified")
    if not command.split():
        raise die("unexpected command '%s'" % command)
    name = command.split()[0]
    required = HMP_PERMISSIONS.get(name)
    is_root = env.auth_id == "root@pam"
    if required is None:
        message = ("command '%s' non-existent or not assigned a required permission"
                   " yet, limiting to root user" % name)
        if not is_root:
            raise die(message)
        log.warn("{message}", message=message)
        required = "root"
    if required == "root" and not is_root:
        raise die("root-only command '%s'" % name)
    if required == "Sys.Modify":
        yield env.check("/", ["Sys.Modify"])
    vmid = params["vmid"]
    configs = configs_of(env, params)
    yield _guard(configs.load(vmid))
    try:
        result = yield Runtime(env.reactor, configs).hmp(
            vmid, command, timeout=qmp.API_MONITOR_TIMEOUT)
    except Exception as error:  # as Proxmox's eval: any failure is reported
        text = str(error)
        result = "ERROR: " + (text if text.endswith("\n") else text + "\n")
    return result


def _paused(env, params):
    """vm_is_paused (suspended included): QMP ``query-status``; a monitor
    that does not answer counts as not paused."""
    rt = Runtime(env.reactor, configs_of(env, params))
    d = rt.qmp(params["vmid"], "query-status", timeout=3)
    d.addCallbacks(lambda status: status.get("status") in ("paused", "prelaunch", "suspended"),
                   lambda _: False)
    return d


def _power(action, check_running_state=None):
    @defer.inlineCallbacks
    def handler(env, params):
        vmid = params["vmid"]
        check_skiplock(env, params)
        conf = yield _guard(configs_of(env, params).load(vmid))
        if not _int(params.get("skiplock")):
            try:
                vmconfig.check_lock(conf)
            except vmconfig.VMConfigError as error:
                raise die(str(error))
        running = check_running(env.paths, vmid)
        kwargs = {k: params[k] for k in ("skiplock", "timeout", "forceStop")
                  if k in params}
        if action in ("shutdown", "reboot") and running and (yield _paused(env, params)):
            if action == "reboot" or not _int(params.get("forceStop")):
                raise die("VM is paused - cannot shutdown")
            action_ = "stop"  # as Proxmox: a paused VM is stopped instead
            kwargs = {k: v for k, v in kwargs.items() if k != "forceStop"}
            return start_task(env, TASK_TYPES["shutdown"], vmid, action_, kwargs)
        if check_running_state is True and not running:
            raise die("VM %s not running" % vmid)
        if action == "start":
            if running:
                raise die("VM %s already running" % vmid)
            kwargs = {"skiplock": params.get("skiplock")}
        if action == "reboot":
            kwargs = {k: v for k, v in kwargs.items() if k == "timeout"}
        return start_task(env, TASK_TYPES[action], vmid, action, kwargs)
    return handler


TASK_TYPES = {"start": "qmstart", "stop": "qmstop", "shutdown": "qmshutdown",
              "reboot": "qmreboot", "reset": "qmreset", "suspend": "qmsuspend",
              "resume": "qmresume"}

for _action, _needs in (("start", None), ("stop", None), ("shutdown", None),
                        ("reboot", True), ("reset", True), ("suspend", True),
                        ("resume", True)):
    routes("/nodes/{node}/qemu/{vmid}/status/" + _action, "POST")(_power(_action, _needs))

from pve.api import qemu_disk  # noqa: E402,F401  (registers resize and clone)
