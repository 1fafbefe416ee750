"""``GET /version``: the API version we speak, as ``pve-manager`` reports it.

We follow the API of the Proxmox VE release whose schema is in the
conformance data (apidata.json), so clients that branch on ``version``
(proxmoxer, Terraform providers) take the same paths as with it.
``repoid`` names our own code.
"""

import pve
from pve.api import decl_nodes
from pve.api.tree import Routes
from pve.cluster.cache import read_parsed

PACKAGE = "pve-manager"
VERSION = "9.0.0"
RELEASE = "9.0"
REPOID = "pve-py-" + pve.__version__
CONSOLES = ("applet", "vv", "html5", "xtermjs")

routes = Routes(decl_nodes.DECLS)


def version_text():
    """``pve-manager/9.0.0/<repoid>``, as ``pveversion`` prints it."""
    return "%s/%s/%s" % (PACKAGE, VERSION, REPOID)


def datacenter_console(raw):
    """The ``console`` option of ``datacenter.cfg`` text, or None."""
    for line in raw.decode("utf-8", "replace").splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "console" and value.strip() in CONSOLES:
            return value.strip()
    return None


def parsed_console(data, mtime):
    """``read_parsed`` parser: the console of datacenter.cfg, or None."""
    return datacenter_console(data or b"")


def _no_console(failure):
    failure.trap(OSError)
    return None


def _version(console):
    result = {"version": VERSION, "release": RELEASE, "repoid": REPOID}
    if console:
        result["console"] = console
    return result


@routes("/version")
def get_version(env, params):
    d = read_parsed(env.cfs, "datacenter.cfg", parsed_console)
    return d.addErrback(_no_console).addCallback(_version)
