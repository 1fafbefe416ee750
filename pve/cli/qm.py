"""``qm``: the QEMU/KVM VM manager (qemu-server ``PVE/CLI/qm.pm``), a subset.

API commands run in-process as root@pam on this node (``create``, ``set``,
``config``, ``pending``, ``start``, ``stop``, ``shutdown``, ``reboot``, ``reset``,
``suspend``, ``resume``, ``list``, ``destroy``, ``resize``, ``clone``);
worker tasks are waited for and their output printed, as Proxmox's command
line does.  ``status``, ``showcmd``, ``cleanup``, ``unlock`` and ``monitor``
are qm's own.
"""


from twisted.internet import defer

from pve.api.declare import Endpoint
from pve.api.decl_qemu import DECLS
from pve.cli import apicmd
from pve.cli.apicmd import Command, CommandError
from pve.cli.pvesm import task_output
from pve.qemu import config as qconfig
from pve.qemu.showcmd import format_command

API = "PVE::API2::Qemu"
OWN = "PVE::CLI::qm"

_VMID = {"description": "The (unique) ID of the VM.", "type": "integer",
         "format": "pve-vmid", "minimum": 100, "maximum": 999999999}


# -- output ---------------------------------------------------------------------

def print_list(ctx, data, returns, options):
    """The ``qm list`` table (nothing at all without VMs)."""
    data = data or []
    if not data:
        return ""
    out = ["%10s %-20s %-10s %-10s %12s %-10s\n" % (
        "VMID", "NAME", "STATUS", "MEM(MB)", "BOOTDISK(GB)", "PID")]
    for rec in sorted(data, key=lambda rec: int(rec["vmid"])):
        out.append("%10s %-20s %-10s %-10s %12.2f %-10s\n" % (
            rec["vmid"], rec.get("name", ""), rec.get("qmpstatus") or rec.get("status"),
            "%d" % ((rec.get("maxmem") or 0) // (1024 * 1024)),
            (rec.get("maxdisk") or 0) / (1024 * 1024 * 1024), rec.get("pid") or 0))
    return "".join(out)


def print_config(ctx, data, returns, options):
    out = []
    for key in sorted(data or {}):
        if key == "digest":
            continue
        value = data[key]
        if key == "description":
            value = qconfig.encode_text(value)
        out.append("%s: %s\n" % (key, value))
    return "".join(out)


def print_pending(ctx, data, returns, options):
    """As PVE::GuestHelpers::format_pending."""
    out = []
    for item in sorted(data or [], key=lambda item: item["key"]):
        key = item["key"]
        value = item.get("value")
        pending = item.get("pending")
        if key == "description":
            value = qconfig.encode_text(value) if value is not None else None
            pending = qconfig.encode_text(pending) if pending is not None else None
        if item.get("delete"):
            force = " (force)" if item["delete"] == 2 else ""
            out.append("del %s: %s%s\n" % (key, "" if value is None else value, force))
        elif pending is not None:
            if value is not None:
                out.append("cur %s: %s\n" % (key, value))
            out.append("new %s: %s\n" % (key, pending))
        else:
            out.append("cur %s: %s\n" % (key, value))
    return "".join(out)


# -- worker-task commands -----------------------------------------------------------

def task_endpoint(method, path):
    """The API method, then wait for its task and print the task's log."""
    decl = DECLS[(path, method)]

    @defer.inlineCallbacks
    def handler(ctx, params):
        concrete = path.replace("{node}", str(params["node"])).replace(
            "{vmid}", str(params["vmid"]))
        upid = yield ctx.call(method, concrete, params)
        if upid is not None:
            yield task_output(ctx, upid)
        return None

    return Endpoint(path, method, name=decl["name"], description=decl["description"],
                    parameters=decl["parameters"], returns={"type": "null"},
                    handler=handler)


# -- qm's own commands ---------------------------------------------------------------

def _runtime(ctx, env):
    from pve.qemu.runtime import Runtime
    from pve.qemu.vmconfig import VMConfigs
    return Runtime(ctx.reactor, VMConfigs(env.cfs, env.paths, env.nodename, ctx.reactor))


def _die(failure):
    from pve.qemu.vmconfig import VMConfigError
    failure.trap(VMConfigError)
    raise CommandError(str(failure.value) + "\n")


def _print_recursive(ctx, prefix, value, key=None):
    """qm's print_recursive_hash: nested hashes and lists indented by tabs,
    keys sorted."""
    head = "" if key is None else "%s: " % key
    if isinstance(value, dict):
        if key is not None:
            ctx.write("%s%s:\n" % (prefix, key))
        for item in sorted(value):
            _print_recursive(ctx, "\t" + prefix, value[item], item)
    elif isinstance(value, list):
        if key is not None:
            ctx.write("%s%s:\n" % (prefix, key))
        for item in value:
            _print_recursive(ctx, "\t" + prefix, item)
    elif value is not None:
        ctx.write("%s%s%s\n" % (prefix, head, value))


def showcmd_endpoint():
    @defer.inlineCallbacks
    def handler(ctx, params):
        env = yield ctx.env()
        cmd = yield _runtime(ctx, env).build(int(params["vmid"])).addErrback(_die)
        ctx.write(format_command(cmd.argv, pretty=bool(params.get("pretty"))) + "\n")
        return None

    return Endpoint("/showcmd", "GET", name="showcmd",
                    description="Show command line which is used to start the VM "
                                "(debug info).",
                    parameters={"additionalProperties": 0, "properties": {
                        "vmid": _VMID,
                        "pretty": {"description": "Puts each option on a new line to "
                                                  "enhance human readability",
                                   "type": "boolean", "optional": 1, "default": 0}}},
                    returns={"type": "null"}, handler=handler)


def status_endpoint():
    @defer.inlineCallbacks
    def handler(ctx, params):
        env = yield ctx.env()
        vmid = int(params["vmid"])
        yield _runtime(ctx, env).configs.load(vmid).addErrback(_die)
        status = yield ctx.call("GET", "/nodes/%s/qemu/%d/status/current"
                                % (env.nodename, vmid), {})
        status.pop("ha", None)  # the API's addition to vmstatus
        if params.get("verbose"):
            for key in sorted(status):
                if key not in ("cpu", "relcpu"):  # as qm: always 0 here
                    _print_recursive(ctx, "", status[key], key)
        else:
            ctx.write("status: %s\n" % (status.get("qmpstatus") or "unknown"))
        return None

    return Endpoint("/status", "GET", name="status", description="Show VM status.",
                    parameters={"additionalProperties": 0, "properties": {
                        "vmid": _VMID,
                        "verbose": {"description": "Verbose output format",
                                    "type": "boolean", "optional": 1}}},
                    returns={"type": "null"}, handler=handler)


def cleanup_endpoint():
    @defer.inlineCallbacks
    def handler(ctx, params):
        env = yield ctx.env()
        rt = _runtime(ctx, env)
        vmid = int(params["vmid"])
        if not (yield rt.configs.exists(vmid)):
            return None
        ctx.err.write("Starting cleanup for %s\n" % vmid)
        yield rt.cleanup(vmid, bool(params.get("clean-shutdown")),
                         bool(params.get("guest-requested"))).addErrback(_die)
        ctx.err.write("Finished cleanup for %s\n" % vmid)
        return None

    return Endpoint("/cleanup", "POST", name="cleanup",
                    description="Cleans up resources like tap devices, vgpus, etc. Called "
                                "after a vm shuts down, crashes, etc.",
                    parameters={"additionalProperties": 0, "properties": {
                        "vmid": _VMID,
                        "clean-shutdown": {"type": "boolean",
                                           "description": "Indicates if qemu shutdown cleanly."},
                        "guest-requested": {"type": "boolean", "description":
                                            "Indicates if the shutdown was requested by "
                                            "the guest or via qmp."}}},
                    returns={"type": "null"}, handler=handler)


def unlock_endpoint():
    @defer.inlineCallbacks
    def handler(ctx, params):
        env = yield ctx.env()
        rt = _runtime(ctx, env)
        vmid = int(params["vmid"])

        def change(conf):
            conf.main.pop("lock", None)
            conf.pending.pop("lock", None)
        yield rt.configs.update(vmid, change, skiplock=True).addErrback(_die)
        return None

    return Endpoint("/unlock", "POST", name="unlock", description="Unlock the VM.",
                    parameters={"additionalProperties": 0, "properties": {"vmid": _VMID}},
                    returns={"type": "null"}, handler=handler)


def monitor_endpoint():
    """``qm monitor``: a ``qm>`` prompt reading monitor commands from stdin
    until ``q``/``quit`` or end of input; each answer is printed as QEMU
    gives it, a failure as ``ERROR: ...``."""
    @defer.inlineCallbacks
    def handler(ctx, params):
        from pve.qemu.qmp import QM_MONITOR_TIMEOUT
        env = yield ctx.env()
        rt = _runtime(ctx, env)
        vmid = int(params["vmid"])
        yield rt.configs.load(vmid).addErrback(_die)
        ctx.write("Entering QEMU Monitor for VM %s - type 'help' for help\n" % vmid)
        while True:
            ctx.write("qm> ")
            ctx.out.flush()
            line = ctx.stdin.readline()
            if not line:
                break
            line = line.rstrip("\n")
            if not line.strip():
                continue
            if line.strip() in ("q", "quit"):
                break
            try:
                answer = yield rt.hmp(vmid, line, timeout=QM_MONITOR_TIMEOUT)
            except Exception as error:
                text = str(error)
                answer = "ERROR: " + (text if text.endswith("\n") else text + "\n")
            ctx.write(answer)
        return None

    return Endpoint("/monitor", "POST", name="monitor",
                    description="Enter QEMU Monitor interface.",
                    parameters={"additionalProperties": 0, "properties": {"vmid": _VMID}},
                    returns={"type": "null"}, handler=handler)


# -- the command table ----------------------------------------------------------------

def table(nodename):
    node = {"node": nodename}
    vm = "/nodes/{node}/qemu/{vmid}"
    status = vm + "/status/"
    out = {
        "list": Command(("GET", "/nodes/{node}/qemu"), [], node, output=print_list,
                        klass=API),
        "create": Command(task_endpoint("POST", "/nodes/{node}/qemu"), ["vmid"], node,
                          klass=API),
        "destroy": Command(task_endpoint("DELETE", vm), ["vmid"], node, klass=API),
        "set": Command(("PUT", vm + "/config"), ["vmid"], node, klass=API),
        "config": Command(("GET", vm + "/config"), ["vmid"], node, output=print_config,
                          klass=API),
        "pending": Command(("GET", vm + "/pending"), ["vmid"], node, output=print_pending,
                           klass=API),
        "showcmd": Command(showcmd_endpoint(), ["vmid"], klass=OWN),
        "status": Command(status_endpoint(), ["vmid"], klass=OWN),
        "cleanup": Command(cleanup_endpoint(), ["vmid", "clean-shutdown", "guest-requested"],
                           klass=OWN),
        "unlock": Command(unlock_endpoint(), ["vmid"], klass=OWN),
        "resize": Command(task_endpoint("PUT", vm + "/resize"), ["vmid", "disk", "size"], node,
                          klass=API),
        "clone": Command(task_endpoint("POST", vm + "/clone"), ["vmid", "newid"], node, klass=API),
        "monitor": Command(monitor_endpoint(), ["vmid"], klass=OWN),
    }
    for action in ("start", "stop", "shutdown", "reboot", "reset", "suspend", "resume"):
        out[action] = Command(task_endpoint("POST", status + action), ["vmid"], node,
                              klass=API)
    return out


def run(reactor, argv, registry=None, **kw):
    """Run ``qm`` with *argv*; fires with the exit code."""
    return apicmd.run_table(reactor, "qm", table, argv, registry, **kw)


def main(argv=None):
    apicmd.main_for(run, argv)


if __name__ == "__main__":
    main()
