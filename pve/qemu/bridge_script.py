"""QEMU's network scripts: ``pve-bridge``, ``pve-bridge-hotplug``, ``pve-bridgedown``.

How a VM's NIC reaches its bridge (the choice, and why).  We keep
qemu-server's command line::

    -netdev type=tap,id=net0,ifname=tap100i0,
            script=<root>/usr/libexec/qemu-server/pve-bridge,
            downscript=<root>/usr/libexec/qemu-server/pve-bridgedown

QEMU creates the tap itself (with the vnet_hdr, vhost and multi-queue flags
it wants), runs ``pve-bridge tap100i0``, and on shutdown runs
``pve-bridgedown tap100i0``; the tap disappears with QEMU's file
descriptor, so a crashed VM leaves no tap behind.  Creating a persistent tap
beforehand with ``script=no`` would have to repeat QEMU's tap flags and
clean up after QEMU.  ``<root>`` is ``PVE_ROOT`` (``/`` in production, so
the paths are Proxmox's); :func:`install_scripts` writes the three files
there as shell wrappers around ``python -m pve.qemu.bridge_script``.

QEMU passes the script nothing but the interface name, and runs it with its
own environment, so the NIC's settings come from, in this order:

1. options: ``--bridge``, ``--tag``, ``--firewall``, ``--trunks``,
   ``--rate``, ``--no-learning`` (tests, manual use);
2. the environment variable ``PVE_QEMU_NET<n>`` for ``tap<vmid>i<n>``,
   holding the ``net<n>`` value of the VM config
   (``virtio=BC:24:...,bridge=vmbr0,tag=5,firewall=1``): the start path
   sets these in QEMU's environment (:func:`environment`), which needs no
   cluster filesystem;
3. the VM config at ``<root>/etc/pve/nodes/<node>/qemu-server/<vmid>.conf``
   (``<node>`` is ``PVE_MIGRATED_FROM`` while an incoming migration starts
   QEMU, as in Proxmox), pending value first: that is always the case for
   ``--hotplug``, whose environment variables date from the VM start.
   The script is a separate process started by QEMU, reading the mount as
   an outside tool does.

``--down`` (``pve-bridgedown``) only needs the name.  Errors go to stderr
with Proxmox's wording and exit status 255, as a Perl ``die``; QEMU then
fails the netdev.
"""

import argparse
import os
import sys

from pve import paths as pve_paths
from pve.qemu import network
from pve.qemu.config import parse_config
from pve.qemu.schema import parse_net

SCRIPT_DIR = "usr/libexec/qemu-server"
SCRIPTS = ("pve-bridge", "pve-bridge-hotplug", "pve-bridgedown")
ENV_PREFIX = "PVE_QEMU_"

_WRAPPER = """#!/bin/sh
# {name}: written by pve.qemu.bridge_script.install_scripts
PYTHONPATH={pythonpath}${{PYTHONPATH:+:$PYTHONPATH}} \\
    exec {python} -m pve.qemu.bridge_script {args}"$@"
"""
_ARGS = {"pve-bridge": "", "pve-bridge-hotplug": "--hotplug ",
         "pve-bridgedown": "--down "}


class ScriptError(Exception):
    pass


def script_path(name, paths=None):
    """Where QEMU finds script *name* (one of :data:`SCRIPTS`)."""
    paths = paths or pve_paths.current()
    return paths.join(SCRIPT_DIR, name)


def install_scripts(paths=None, python=None):
    """Write the scripts under ``<root>/usr/libexec/qemu-server``, running
    *python* (default: ours) on this source tree."""
    paths = paths or pve_paths.current()
    python = python or sys.executable
    pythonpath = os.path.dirname(os.path.dirname(os.path.dirname(
        os.path.abspath(__file__))))
    os.makedirs(paths.join(SCRIPT_DIR), exist_ok=True)
    for name in SCRIPTS:
        target = script_path(name, paths)
        tmp = target + ".tmp"
        with open(tmp, "w") as fh:
            fh.write(_WRAPPER.format(name=name, python=_sh_quote(python),
                                     pythonpath=_sh_quote(pythonpath),
                                     args=_ARGS[name]))
        os.chmod(tmp, 0o755)
        os.replace(tmp, target)


def _sh_quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def environment(nets):
    """The environment for QEMU from ``{"net0": "<value>", ...}`` (other
    keys of a config's main section are ignored)."""
    env = {}
    for key, value in nets.items():
        if key.startswith("net") and key[3:].isdigit():
            env[ENV_PREFIX + key.upper()] = value
    return env


def _parse_tap(iface):
    if not iface:
        raise ScriptError("no interface specified")
    ids = network.parse_tap_name(iface, noerr=True)
    if ids is None or not iface.startswith("tap"):
        raise ScriptError("got strange interface name '%s'" % iface)
    return ids


def _config_net(vmid, netid, hotplug, environ):
    paths = pve_paths.Paths(pve_paths.root_from_env(environ))
    migratedfrom = None if hotplug else environ.get("PVE_MIGRATED_FROM")
    node = migratedfrom or pve_paths.nodename(environ)
    path = paths.join("etc/pve/nodes", node, "qemu-server", "%s.conf" % vmid)
    try:
        with open(path, "rb") as fh:
            conf = parse_config(fh.read(), vmid=vmid)
    except FileNotFoundError:
        raise ScriptError("Configuration file 'nodes/%s/qemu-server/%s.conf'"
                          " does not exist" % (node, vmid))
    value = conf.main.get(netid)
    if not migratedfrom and conf.pending.get(netid) is not None:
        value = conf.pending[netid]
    return value


def nic_settings(iface, hotplug=False, environ=None):
    """The parsed ``net<n>`` of *iface*, from the environment or config."""
    environ = os.environ if environ is None else environ
    vmid, devid = _parse_tap(iface)
    netid = "net%s" % devid
    value = None if hotplug else environ.get(ENV_PREFIX + netid.upper())
    if value is None:
        value = _config_net(vmid, netid, hotplug, environ)
    if value is None:
        raise ScriptError("unable to get network config '%s'" % netid)
    net = parse_net(value)
    if not net:
        raise ScriptError("unable to parse network config '%s'" % netid)
    return net


def bridge_up(iface, net, netns=None, learning=None):
    """``pve-bridge``: tap up with the bridge's MTU, then plugged."""
    nw = network.Network(netns)
    nw.tap_create(iface, net.get("bridge"))
    nw.tap_plug(iface, net.get("bridge"), net.get("tag"), net.get("firewall"),
                net.get("trunks"), net.get("rate"), learning=learning)


def bridge_down(iface, netns=None):
    """``pve-bridgedown``."""
    _parse_tap(iface)
    network.Network(netns).tap_unplug(iface)


def main(argv=None, environ=None):
    parser = argparse.ArgumentParser(prog="pve-bridge")
    parser.add_argument("--hotplug", action="store_true")
    parser.add_argument("--down", action="store_true",
                        help="unplug (pve-bridgedown)")
    parser.add_argument("--bridge")
    parser.add_argument("--tag", type=int)
    parser.add_argument("--firewall", action="store_true")
    parser.add_argument("--trunks")
    parser.add_argument("--rate", type=float)
    parser.add_argument("--no-learning", action="store_true")
    parser.add_argument("--netns", help="work in this network namespace")
    parser.add_argument("iface", nargs="?")
    opts = parser.parse_args(argv)
    try:
        if opts.down:
            bridge_down(opts.iface, opts.netns)
            return 0
        if opts.bridge:
            _parse_tap(opts.iface)
            net = {"bridge": opts.bridge, "tag": opts.tag,
                   "firewall": opts.firewall, "trunks": opts.trunks,
                   "rate": opts.rate}
        else:
            net = nic_settings(opts.iface, opts.hotplug, environ)
        bridge_up(opts.iface, net, opts.netns,
                  learning=False if opts.no_learning else None)
    except (ScriptError, network.NetworkError) as exc:
        sys.stderr.write("%s\n" % (exc,))
        return 255
    return 0


if __name__ == "__main__":
    sys.exit(main())
