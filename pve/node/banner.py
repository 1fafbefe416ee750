"""What ``pve-node`` tells its user on start: where everything is."""

import sys

from twisted.application import service
from twisted.logger import Logger


def banner(paths, nodename):
    """The lines describing the node rooted at *paths*."""
    return [
        "pve-node: node %s is starting" % (nodename,),
        "  root:        %s" % (paths.root,),
        "  node name:   %s" % (nodename,),
        "  mount point: %s" % (paths.etc_pve,),
        "  IPC socket:  %s" % (paths.pmxcfs_socket,),
        "  log in:      web UI and API on https://localhost:8006 arrive with"
        " the API issue; for now browse the configuration at %s"
        % (paths.etc_pve,),
    ]


class BannerService(service.Service):
    """Logs the banner and prints it on the real standard output."""

    log = Logger()

    def __init__(self, lines, out=None):
        self.lines = lines
        self.out = out

    def startService(self):
        super().startService()
        for line in self.lines:
            self.log.info("{line}", line=line)
        out = self.out or sys.__stdout__
        if out is not None:
            out.write("\n".join(self.lines) + "\n")
            out.flush()
