"""What the proxies do with a new connection before any HTTP.

- :class:`HostFilter` applies ALLOW_FROM / DENY_FROM / POLICY when the
  connection is accepted: a refused client is disconnected at once.
- :class:`TLSOrPlain` looks at the first byte: a TLS handshake goes to the
  TLS factory; anything else is plain HTTP on the HTTPS port, answered as
  Proxmox does with a redirect to ``https://`` (301 for GET and HEAD, 308
  otherwise) and a disconnect.
"""

from twisted.internet import protocol
from twisted.logger import Logger
from twisted.protocols.basic import LineReceiver

from pve.proxy.config import host_allowed

log = Logger()

TLS_HANDSHAKE = 0x16
MAX_HEADER_LINES = 100


class HostFilter(protocol.Factory):
    """Wraps a factory; refuses peers the proxy settings deny."""

    def __init__(self, wrapped, settings):
        self.wrapped = wrapped
        self.settings = settings

    def doStart(self):
        self.wrapped.doStart()

    def doStop(self):
        self.wrapped.doStop()

    def buildProtocol(self, addr):
        host = getattr(addr, "host", None)
        if host is None or not host_allowed(self.settings, host):
            log.info("refused connection from {host}", host=host)
            return None
        return self.wrapped.buildProtocol(addr)


class _Sniffer(protocol.Protocol):
    """Decides on the first byte, then hands every byte to the chosen
    protocol."""

    def __init__(self, factory, addr):
        self.factory = factory
        self.addr = addr
        self.inner = None

    def dataReceived(self, data):
        if self.inner is None:
            if data[0] == TLS_HANDSHAKE:
                inner = self.factory.tls.buildProtocol(self.addr)
            else:
                inner = Redirect()
            if inner is None:
                self.transport.loseConnection()
                return
            self.inner = inner
            inner.makeConnection(self.transport)
        self.inner.dataReceived(data)

    def connectionLost(self, reason):
        if self.inner is not None:
            self.inner.connectionLost(reason)


class TLSOrPlain(protocol.Factory):
    """TLS for TLS clients, a redirect for plain HTTP ones."""

    def __init__(self, tls_factory):
        self.tls = tls_factory

    def doStart(self):
        self.tls.doStart()

    def doStop(self):
        self.tls.doStop()

    def buildProtocol(self, addr):
        return _Sniffer(self, addr)


class Redirect(LineReceiver):
    """Reads one plain HTTP request head and redirects it to HTTPS."""

    delimiter = b"\n"
    MAX_LENGTH = 8192

    def connectionMade(self):
        self.request = None
        self.headers = {}

    def lineReceived(self, line):
        line = line.rstrip(b"\r")
        if self.request is None:
            self.request = line.split(b" ")
            return
        if line:
            if len(self.headers) >= MAX_HEADER_LINES:
                self.transport.loseConnection()
                return
            name, _, value = line.partition(b":")
            self.headers[name.strip().lower()] = value.strip()
            return
        self.respond()

    def lineLengthExceeded(self, line):
        self.transport.loseConnection()

    def respond(self):
        self.setRawMode()
        if len(self.request) < 2 or b"host" not in self.headers:
            self.reply(b"400 Bad Request", [])
            return
        method, target = self.request[0], self.request[1]
        host = self.headers[b"host"]
        for scheme in (b"http://", b"https://"):
            if host.startswith(scheme):
                host = host[len(scheme):]
        location = b"https://" + host + target
        if method in (b"GET", b"HEAD"):
            status = b"301 Moved Permanently"
        else:
            status = b"308 Permanent Redirect"
        self.reply(status, [(b"Location", location)])

    def reply(self, status, headers):
        lines = [b"HTTP/1.1 " + status, b"Connection: close",
                 b"Content-Length: 0"]
        lines += [name + b": " + value for name, value in headers]
        self.transport.write(b"\r\n".join(lines) + b"\r\n\r\n")
        self.transport.loseConnection()

    def rawDataReceived(self, data):
        pass
