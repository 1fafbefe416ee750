"""twistd plugins of the PVE daemons: ServiceMaker objects only.

This file is imported whenever twistd scans for plugins, so it must not
import ``pve`` or do anything else at import time.
"""

from twisted.application.service import ServiceMaker

pmxcfs = ServiceMaker(
    "pmxcfs",
    "pve.cluster.tap",
    "Proxmox cluster file system: configuration database mounted at /etc/pve",
    "pmxcfs",
)

pveNode = ServiceMaker(
    "pve-node",
    "pve.node.tap",
    "Embedded node supervisor: runs and restarts every PVE daemon",
    "pve-node",
)

pvedaemon = ServiceMaker(
    "pvedaemon",
    "pve.daemon.tap",
    "Proxmox VE API daemon: runs privileged API calls (AMP on 127.0.0.1:85)",
    "pvedaemon",
)

pveproxy = ServiceMaker(
    "pveproxy",
    "pve.proxy.tap",
    "Proxmox VE API proxy: HTTPS on 8006, runs as www-data",
    "pveproxy",
)

qmeventd = ServiceMaker(
    "qmeventd",
    "pve.qemu.qmeventd_tap",
    "QEMU event daemon: QEMU connects here as a QMP monitor; runs qm cleanup",
    "qmeventd",
)
