"""``twistd pveproxy``: the HTTPS API on 8006, as www-data.

``$PVE_ROOT/etc/default/pveproxy`` is read while the options are parsed,
so an invalid value stops the start with a message naming it.  The port is
bound in ``privilegedStartService`` as root; then the process drops to
*--user* (www-data) and connects to pmxcfs, which lets it read everything
outside ``priv/``.  The certificate is ``pveproxy-ssl.pem`` if present,
else ``pve-ssl.pem``, and is reloaded whenever pmxcfs reports a change.
"""

import errno
import grp
import os
import pwd
import sys

from twisted.application import service
from twisted.internet import defer, endpoints
from twisted.internet.interfaces import IOpenSSLServerConnectionCreator
from twisted.python import usage
from zope.interface import implementer

from pve import paths as pvepaths
from pve.debuglog import Logger
from pve.startup import StartingService

log = Logger()

DEFAULT_PORT = 8006
DEFAULT_DAEMON = "tcp:127.0.0.1:85"

#: what pveproxy reads for every request, kept by its CachedClient
#: (``priv/`` is root's: pvedaemon checks token secrets)
HOT_PATHS = ("user.cfg", "domains.cfg", "authkey.pub", "authkey.pub.old",
             "pve-www.key", "datacenter.cfg")


class Options(usage.Options):
    synopsis = "[options]"
    longdesc = "pveproxy: the Proxmox VE API and web interface over HTTPS."
    optParameters = [
        ["listen", None, None, "listen endpoint (default tcp:8006, on "
         "LISTEN_IP if set)"],
        ["daemon", None, DEFAULT_DAEMON, "pvedaemon client endpoint"],
        ["pmxcfs", None, None, "pmxcfs IPC endpoint (default "
         "unix:$PVE_ROOT/run/pve-cluster/pmxcfs.sock)"],
        ["nodename", None, None, "node name (default $PVE_NODENAME or the "
         "short hostname)"],
        ["config", None, None, "settings file (default "
         "$PVE_ROOT/etc/default/pveproxy)"],
        ["user", None, "www-data", "user to run as after binding (when "
         "started as root; empty: stay)"],
        ["auth-delay", None, 3.0, "seconds before answering a failed "
         "login", float],
    ]

    def postOptions(self):
        self["nodename"] = self["nodename"] or pvepaths.nodename()

    def read_settings(self):
        """Read the settings file; raises ProxyConfigError."""
        from pve.proxy import config
        path = self["config"] or pvepaths.current().join(
            "etc/default/pveproxy")
        try:
            self["settings"], warnings = config.read(path)
        except config.ProxyConfigError as e:
            raise config.ProxyConfigError("%s: %s" % (path, e))
        for warning in warnings:
            log.warn("{path}: {warning}", path=path, warning=warning)
        if self["listen"] is None:
            ip = self["settings"].get("LISTEN_IP")
            self["listen"] = "tcp:%d" % DEFAULT_PORT
            if ip:
                self["listen"] += ":interface=%s" % ip.replace(":", r"\:")


@implementer(IOpenSSLServerConnectionCreator)
class CertHolder:
    """The current ServerTLS; refuses handshakes until one is loaded."""

    def __init__(self):
        self.tls = None

    @property
    def ready(self):
        return self.tls is not None

    def serverConnectionForTLS(self, protocol):
        if self.tls is None:
            raise RuntimeError("no certificate loaded yet")
        return self.tls.serverConnectionForTLS(protocol)


def cert_paths(node):
    base = "nodes/%s/" % node
    return [(base + "pveproxy-ssl.pem", base + "pveproxy-ssl.key"),
            (base + "pve-ssl.pem", base + "pve-ssl.key")]


class KeyFile:
    """``TLS_KEY_FILE``: the custom certificate's key outside pmxcfs.

    Read as root at start; read again at each certificate reload where
    www-data may, else what was read before is used.  ``data`` is None
    while the path is not a file (then, as in Proxmox, the custom
    certificate is not used)."""

    def __init__(self, path):
        self.path = path
        self.data = None
        self.read()

    def read(self):
        try:
            with open(self.path, "rb") as f:
                self.data = f.read()
        except PermissionError:
            pass
        except OSError:
            self.data = None
        return self.data


@defer.inlineCallbacks
def read_certificate(cfs, node, key_file=None):
    """``(cert_pem, key_pem, path)``: the custom certificate if present
    (its key from *key_file*, a :class:`KeyFile`, when ``TLS_KEY_FILE`` is
    set), else the node's."""
    for custom, (cert, key) in zip((True, False), cert_paths(node)):
        try:
            if custom and key_file is not None:
                key_pem = key_file.read()
                if key_pem is None:
                    continue
                cert_pem = yield cfs.read(cert)
            else:
                cert_pem = yield cfs.read(cert)
                key_pem = yield cfs.read(key)
        except OSError as e:
            if e.errno == errno.ENOENT:
                continue
            raise
        return cert_pem, key_pem, cert
    raise OSError(errno.ENOENT, "no certificate for node %s" % node)


def drop_privileges(user):
    """setgid/setuid to *user* (and its groups) if we are root."""
    if os.getuid() != 0 or not user:
        return
    pw = pwd.getpwnam(user)
    groups = [g.gr_gid for g in grp.getgrall() if user in g.gr_mem]
    os.setgroups(sorted(set(groups + [pw.pw_gid])))
    os.setgid(pw.pw_gid)
    os.setuid(pw.pw_uid)
    log.info("running as {user} (uid {uid})", user=user, uid=pw.pw_uid)


def open_access_log(reactor, user):
    """``$PVE_ROOT/var/log/pveproxy/access.log``, opened (as root, before
    dropping privileges) and owned by *user* as Proxmox's logrotate makes
    it."""
    from pve.proxy.accesslog import AccessLog
    owner = None
    if os.getuid() == 0 and user:
        try:
            pw = pwd.getpwnam(user)
            owner = (pw.pw_uid, pw.pw_gid)
        except KeyError:
            pass
    return AccessLog(pvepaths.current().proxy_access_log, reactor, owner)


class ProxyService(StartingService):

    daemon_name = "pveproxy"
    def __init__(self, options, reactor=None, registry=None):
        if reactor is None:
            from twisted.internet import reactor
        self.reactor = reactor
        self.options = options
        self.registry = registry
        self.holder = CertHolder()
        self.site = None
        self.port = None
        self.cfs = None
        self.ready = None
        self.daemon = None
        self._unwatch = None
        self.access_log = None
        self.key_file = None

    def privilegedStartService(self):
        from pve.proxy import server
        from twisted.web import resource
        self.access_log = open_access_log(self.reactor, self.options["user"])
        path = self.options["settings"].get("TLS_KEY_FILE")
        if path:
            self.key_file = KeyFile(path)
        self.site = server.make_site(resource.NoResource(), self.access_log)
        factory = server.https_factory(self.site, self.holder,
                                       self.options["settings"])
        endpoint = endpoints.serverFromString(self.reactor,
                                              self.options["listen"])
        d = endpoint.listen(factory)
        d.addCallback(self._bound)
        d.addErrback(self._failed)
        drop_privileges(self.options["user"])
        super().privilegedStartService()

    def _bound(self, port):
        self.port = port
        log.info("pveproxy listening on {listen}",
                 listen=self.options["listen"])

    @defer.inlineCallbacks
    def _start(self):
        from pve.daemon.tap import cached_client, connect_cfs, default_registry
        from pve.proxy import server
        node = self.options["nodename"]
        paths = pvepaths.current()
        self.cfs = yield connect_cfs(self.reactor, self.options["pmxcfs"])
        self._unwatch = yield self.cfs.watch("nodes/%s/" % node,
                                             self._changed)
        try:
            yield self.reload()
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise
            # on a node's first start pvedaemon makes it: serve once it does
            log.warn("no certificate for node {node} yet; TLS handshakes "
                     "fail until it appears", node=node)
        registry = self.registry or default_registry()
        self.daemon = server.DaemonClient(self.reactor,
                                          self.options["daemon"])
        self.site.resource = server.ProxyResource(
            registry, cached_client(self.cfs, HOT_PATHS, paths), self.reactor,
            paths, node, daemon=self.daemon,
            auth_delay=self.options["auth-delay"],
            settings=self.options["settings"])
        log.info("pveproxy ready (node {node})", node=node)

    @defer.inlineCallbacks
    def reload(self):
        from pve.proxy import tls
        cert_pem, key_pem, path = yield read_certificate(
            self.cfs, self.options["nodename"], self.key_file)
        if self.holder.tls is None:
            self.holder.tls = tls.ServerTLS(cert_pem, key_pem,
                                            self.options["settings"])
        else:
            self.holder.tls.update(cert_pem, key_pem)
        if self.key_file is not None and path.endswith("/pveproxy-ssl.pem"):
            log.info("loaded certificate {path} with key {key}", path=path,
                     key=self.key_file.path)
        else:
            log.info("loaded certificate {path}", path=path)

    def _changed(self, path, version):
        if path.rsplit("/", 1)[-1] in ("pveproxy-ssl.pem", "pveproxy-ssl.key",
                                       "pve-ssl.pem", "pve-ssl.key"):
            d = self.reload()
            d.addErrback(self._reload_failed)

    def _reload_failed(self, failure):
        # the certificate and its key arrive one after the other
        if failure.check(OSError) and failure.value.errno == errno.ENOENT:
            return
        log.failure("could not reload the certificate", failure)

    @defer.inlineCallbacks
    def stopService(self):
        super().stopService()
        if self._unwatch is not None:
            yield self._unwatch()
            self._unwatch = None
        if self.port is not None:
            yield self.port.stopListening()
            self.port = None
        if self.daemon is not None:
            yield self.daemon.close()
            self.daemon = None
        if self.cfs is not None:
            yield self.cfs.close()
            self.cfs = None
        if self.access_log is not None:
            self.access_log.close()


def makeService(options, reactor=None):
    """The service; an invalid setting stops the start (exit status 1)
    with a message naming the file and variable."""
    from pve.proxy import config
    try:
        options.read_settings()
    except config.ProxyConfigError as e:
        sys.stderr.write("pveproxy: %s\n" % (e,))
        raise SystemExit(1)
    top = service.MultiService()
    ProxyService(options, reactor).setServiceParent(top)
    return top
