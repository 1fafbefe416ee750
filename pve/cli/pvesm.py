"""``pvesm``: the storage manager (pve-storage ``PVE/CLI/pvesm.pm``).

Each command is a storage API method run in-process as root@pam on this
node: ``pvesm add|set|remove`` (``/storage``), ``status``, ``list``,
``alloc``, ``free`` (``/nodes/<node>/storage/...``) and ``path``.  Output
as Proxmox's: the ``status`` table (Name, Type, Status, Total (KiB), Used
(KiB), Available (KiB), %), the ``list`` table (Volid, Format, Type, Size,
VMID), ``successfully created '<volid>'``.  ``free`` runs the removal as a
worker task and prints the task's output as Proxmox's command line does
(the ``TASK OK`` line left out, a failure on stderr, exit code 255).
"""

from twisted.internet import defer

from pve.api.declare import Endpoint
from pve.api.decl_storage import DECLS
from pve.api.schema import ParamError
from pve.cli import apicmd
from pve.cli.apicmd import Command, CommandError
from pve.daemon import upid as _upid

CONFIG = "PVE::API2::Storage::Config"
STATUS = "PVE::API2::Storage::Status"
CONTENT = "PVE::API2::Storage::Content"
OWN = "PVE::CLI::pvesm"

VOLUME = "/nodes/{node}/storage/{storage}/content/{volume}"


# -- output ---------------------------------------------------------------------

def print_status(ctx, data, returns, options):
    """The ``pvesm status`` table."""
    data = data or []
    width = max([len(item["storage"]) for item in data] + [0]) + 1
    out = ["%-*s %10s %10s %15s %15s %15s %8s\n" % (
        width, "Name", "Type", "Status", "Total (KiB)", "Used (KiB)",
        "Available (KiB)", "%")]
    for item in sorted(data, key=lambda item: item["storage"]):
        total, used = item.get("total") or 0, item.get("used") or 0
        active = "active" if item.get("active") else "inactive"
        percent = "% 7.2f%%" % (used * 100 / total if total > 0 else 0)
        if not item.get("enabled"):
            percent, active = "% 8s" % "N/A", "disabled"
        out.append("%-*s %10s %10s %15d %15d %15d %s\n" % (
            width, item["storage"], item["type"], active, total // 1024,
            used // 1024, (item.get("avail") or 0) // 1024, percent))
    return "".join(out)


def print_content(ctx, data, returns, options):
    """The ``pvesm list`` table: guests' volumes first, then the rest by
    format."""
    data = data or []
    for info in data:
        if info.get("size") is None and info.get("approximate-size") is not None:
            info["size"] = info.pop("approximate-size")
            info["is_approximate"] = 1
    name_width = max([len(info["volid"]) for info in data] + [0])
    max_size = max([info["size"] for info in data
                    if info.get("size") is not None] + [0])
    size_digits = len(str(max_size)) + (
        1 if any(info.get("is_approximate") for info in data) else 0)

    def size_text(info):
        if info.get("size") is None:
            return "-"
        return ("~%s" if info.get("is_approximate") else "%s") % info["size"]

    def row(info):
        return "%-*s %-7s %-9s %*s" % (name_width, info["volid"],
                                       info["format"], info["content"],
                                       size_digits, size_text(info))

    out = ["%-*s %-7s %-9s %*s %s\n" % (name_width, "Volid", "Format", "Type",
                                        size_digits, "Size", "VMID")]
    for info in data:
        if info.get("vmid"):
            out.append("%s %d\n" % (row(info), int(info["vmid"])))
    for info in sorted(data, key=lambda info: info["format"]):
        if not info.get("vmid"):
            out.append(row(info) + "\n")
    return "".join(out)


def print_created(ctx, volid, returns, options):
    return "successfully created '%s'\n" % volid


# -- free: the task's output ----------------------------------------------------

@defer.inlineCallbacks
def task_output(ctx, upid):
    """Wait for the worker *upid* started here; print its log as the
    command line's ``fork_worker`` does."""
    text, status = yield apicmd.finished_task(ctx.paths, upid)
    ctx.write(text)
    if _upid.status_is_error(status):
        raise CommandError(status + "\n")
    if status != "OK":
        ctx.err.write("Task finished with %s warning(s)!\n"
                      % status.partition(": ")[2])


def free_endpoint(nodename):
    """``pvesm free``: DELETE on the volume, then its task's output."""
    decl = DECLS[(VOLUME, "DELETE")]

    @defer.inlineCallbacks
    def handler(ctx, params):
        params = dict(params)
        volume, storeid = params["volume"], params.get("storage")
        if not storeid:
            if ":" not in volume:
                raise ParamError({"volume": "no storage specified - "
                                            "incomplete volume ID"})
            storeid = volume.partition(":")[0]
        path = "/nodes/%s/storage/%s/content/%s" % (params["node"], storeid,
                                                    volume)
        upid = yield ctx.call("DELETE", path, params)
        if upid is not None:
            yield task_output(ctx, upid)
        return None

    return Endpoint(VOLUME, "DELETE", name="delete",
                    description=decl["description"],
                    parameters=decl["parameters"], returns=decl["returns"],
                    handler=handler)


def path_endpoint():
    """``pvesm path``: the file of a volume on this node."""
    @defer.inlineCallbacks
    def handler(ctx, params):
        from pve.api.storage import read_config
        from pve.api.storage_content import open_dir_storage, volname_of
        from pve.storage import dirstore
        env = yield ctx.env()
        ids, _ = yield read_config(env)
        volid = params["volume"]
        volname_of(ids, volid)
        storage = open_dir_storage(env, ids, volid.partition(":")[0])
        ctx.write(dirstore.path(storage, volid) + "\n")
        return None

    return Endpoint(
        "/path", "GET", name="path",
        description="Get filesystem path for specified volume",
        parameters={"additionalProperties": 0, "properties": {
            "volume": {"description": "Volume identifier", "type": "string",
                       "format": "pve-volume-id"}}},
        returns={"type": "null"}, handler=handler)


# -- the command table ----------------------------------------------------------

def table(nodename):
    node = {"node": nodename}
    content = "/nodes/{node}/storage/{storage}/content"
    return {
        "add": Command(("POST", "/storage"), ["type", "storage"], klass=CONFIG),
        "set": Command(("PUT", "/storage/{storage}"), ["storage"],
                       klass=CONFIG),
        "remove": Command(("DELETE", "/storage/{storage}"), ["storage"],
                          klass=CONFIG),
        "status": Command(("GET", "/nodes/{node}/storage"), [], node,
                          output=print_status, klass=STATUS),
        "list": Command(("GET", content), ["storage"], node,
                        output=print_content, klass=CONTENT),
        "alloc": Command(("POST", content),
                         ["storage", "vmid", "filename", "size"], node,
                         output=print_created, klass=CONTENT),
        "free": Command(free_endpoint(nodename), ["volume"], node,
                        klass=CONTENT),
        "path": Command(path_endpoint(), ["volume"], klass=OWN),
    }


def run(reactor, argv, registry=None, **kw):
    """Run ``pvesm`` with *argv*; fires with the exit code."""
    return apicmd.run_table(reactor, "pvesm", table, argv, registry, **kw)


def main(argv=None):
    apicmd.main_for(run, argv)


if __name__ == "__main__":
    main()
