"""What ``pve-node`` tells its user on start: where everything is."""

import sys

from twisted.application import service
from twisted.internet import defer
from twisted.logger import Logger

from pve.node import admin


def banner(paths, nodename):
    """The lines describing the node rooted at *paths*."""
    return [
        "pve-node: node %s is starting" % (nodename,),
        "  root:        %s" % (paths.root,),
        "  node name:   %s" % (nodename,),
        "  mount point: %s" % (paths.etc_pve,),
        "  IPC socket:  %s" % (paths.pmxcfs_socket,),
    ]


def login_lines(port, password, password_file):
    """How to log in: ``admin@pve`` if its password is known, and root@pam."""
    url = "https://localhost:%d" % (port,)
    if password:
        first = ("web UI and API: %s  user %s  password: %s (also in %s)"
                 % (url, admin.ADMIN, password, password_file))
    else:
        first = "web UI and API: %s" % (url,)
    return [first,
            "  or user root@pam (PAM: the machine's root password)"]


class BannerService(service.Service):
    """Logs the banner and prints it on the real standard output; then,
    once the daemons serve, makes the first user (:mod:`pve.node.admin`) and
    prints how to log in.

    *login* is a callable returning a Deferred that fires with the login
    lines (``None``: none are printed)."""

    log = Logger()

    def __init__(self, lines, out=None, login=None):
        self.lines = lines
        self.out = out
        self.login = login
        self.printed = None

    def write(self, lines):
        for line in lines:
            self.log.info("{line}", line=line)
        out = self.out or sys.__stdout__
        if out is not None:
            out.write("\n".join(lines) + "\n")
            out.flush()

    def startService(self):
        super().startService()
        self.write(self.lines)
        if self.login is None:
            self.printed = defer.succeed(None)
            return
        self.printed = defer.maybeDeferred(self.login)
        self.printed.addCallback(self._loginLines)
        self.printed.addErrback(
            lambda f: self.log.failure("could not prepare the first user", f))

    def _loginLines(self, lines):
        if lines and self.running:
            self.write(lines)
        return lines


@defer.inlineCallbacks
def first_login(reactor, paths, nodename, port):
    """Connect to pmxcfs, make ``admin@pve`` on a first start, and fire
    with the login lines."""
    from pve.daemon.tap import connect_cfs
    from pve.cluster.client import default_description
    cfs = yield connect_cfs(reactor, default_description(paths))
    try:
        yield admin.ensure_admin(cfs, reactor, paths, nodename)
    finally:
        yield cfs.close()
    password = admin.read_password(paths.admin_password)
    return login_lines(port, password, paths.admin_password)
