"""``GET /version``: the API version we speak, as ``pve-manager`` reports it.

We follow the API of the Proxmox VE release whose schema is in the
conformance data (apidata.json), so clients that branch on ``version``
(proxmoxer, Terraform providers) take the same paths as with it.
``repoid`` names our own code.
"""

from twisted.internet import defer

import pve
from pve.api import decl_nodes
from pve.api.tree import Routes

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


@routes("/version")
@defer.inlineCallbacks
def get_version(env, params):
    result = {"version": VERSION, "release": RELEASE, "repoid": REPOID}
    try:
        raw = yield env.cfs.read("datacenter.cfg")
    except OSError:
        raw = b""
    console = datacenter_console(raw)
    if console:
        result["console"] = console
    return result
