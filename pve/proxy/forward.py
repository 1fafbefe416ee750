"""pveproxy passing an API call on to the node it is for.

As Proxmox's ``proxy_request`` (``PVE::APIServer::AnyEvent``) with
``PVE::HTTPServer``: a call whose endpoint runs on another node
(``proxyto``) is sent to that node's pveproxy over HTTPS on port
:data:`PORT` with the same method, URI, parameters and credentials, marked
``PVEDisableProxy: true`` (the target runs it, never passes it on) and
``PVEClientIP``; its status, reason, content type and body are what the
client gets.

- The address (:meth:`Forwarder.address`) is the node's IP in pmxcfs's
  member list, else the lowest link address (``ring0_addr``) of its entry
  in ``corosync.conf``'s nodelist, else its name resolved (in a thread:
  ``getaddrinfo`` blocks), failing as Proxmox's ``hostname lookup '...'
  failed``.
- The target's certificate is pinned, as ``PVE::CertCache``: its SHA-256
  fingerprint must be that of ``nodes/<node>/pveproxy-ssl.pem`` if the
  node has one, else of ``nodes/<node>/pve-ssl.pem``; no CA or hostname
  check.  The pinned file is read for each call, so a renewed certificate
  counts at once.
- Failures are answered as Proxmox's client (AnyEvent::HTTP) reports them:
  595 while connecting, 596 in the TLS handshake and the request, 597
  while reading the body, the error in the reason phrase.  The whole call
  has :data:`TIMEOUT` seconds.

GET calls reuse connections (Proxmox: only GET is safe to send again on a
connection the target closed meanwhile), each only for calls pinning the
certificate it was made with; others use one each.
"""

import errno
import io
import ipaddress
import json
import os
import weakref
from urllib.parse import quote, urlencode

from OpenSSL import SSL
from twisted.internet import defer, endpoints, error, threads
from twisted.internet.interfaces import (IOpenSSLClientConnectionCreator,
                                         IStreamClientEndpoint)
from twisted.web import client as webclient
from twisted.web.http_headers import Headers
from twisted.web.iweb import IAgentEndpointFactory
from zope.interface import implementer

from pve.access import apitoken
from pve.access.certs import pem_fingerprint
from pve.api import formatters
from pve.cluster import corosync, nodeaddr
from pve.debuglog import Logger

log = Logger()

PORT = 8006
TIMEOUT = 30.0
#: idle seconds a reused (GET) connection is kept, as AnyEvent::HTTP's
KEEP_IDLE = 2
DISABLE_HEADER = b"PVEDisableProxy"
CLIENT_IP_HEADER = b"PVEClientIP"
COROSYNC_CONF = "corosync.conf"
FORM_TYPE = "application/x-www-form-urlencoded"
JSON_TYPE = "application/json"
CONNECTING, REQUESTING, READING = 595, 596, 597


class NodeLookupError(Exception):
    """No address for the node; Proxmox's message."""


# -- pure helpers --------------------------------------------------------


def cert_paths(node):
    """The certificate pinned for *node*: the custom one first."""
    base = "nodes/%s/" % node
    return [base + "pveproxy-ssl.pem", base + "pve-ssl.pem"]


def peer_fingerprint(cert):
    """The SHA-256 fingerprint of a pyOpenSSL ``X509``, in the form of
    :func:`pem_fingerprint`."""
    return cert.digest("sha256").decode("ascii")


def corosync_address(conf_data, node):
    """The lowest link address (``ring0_addr``) of *node* in the nodelist
    of ``corosync.conf`` (bytes or text), None if it has none or the file
    cannot be read."""
    if not conf_data:
        return None
    try:
        conf = corosync.parse(conf_data)
    except corosync.CorosyncConfError as e:
        log.warn("cannot read corosync.conf: {error}", error=e)
        return None
    section = corosync.find_node(conf, node)
    if section is None:
        return None
    links = corosync.node_links(section)
    return links[min(links)] if links else None


def choose_address(node, members, conf_data):
    """*node*'s address from pmxcfs's member list, else from the
    corosync nodelist; None if neither knows it."""
    ip = ((members or {}).get(node) or {}).get("ip")
    return ip or corosync_address(conf_data, node)


def outgoing_headers(creds, client_ip, host=None, content_type=None):
    """The headers of the forwarded request (``{bytes: bytes}``), as
    Proxmox's ``proxy_request`` makes them: loop guard, the client's
    address, the caller's credentials in pveproxy's own form, and the
    original Host."""
    headers = {DISABLE_HEADER: b"true"}
    if client_ip:
        headers[CLIENT_IP_HEADER] = client_ip.encode("latin-1")
    if creds.ticket:
        headers[b"Cookie"] = (
            "%s=%s; path=/; secure; SameSite=Lax;"
            % (apitoken.COOKIE_NAME, quote(creds.ticket, safe=""))
        ).encode("latin-1")
    if creds.api_token:
        headers[b"Authorization"] = (
            "%s %s" % (apitoken.APITOKEN_NAME, quote(creds.api_token, safe=""))
        ).encode("latin-1")
    if creds.csrf_token:
        headers[b"CSRFPreventionToken"] = creds.csrf_token.encode("utf-8")
    if host:
        headers[b"Host"] = host
    if content_type:
        headers[b"Content-Type"] = content_type.encode("ascii")
    return headers


def encode_body(method, params, request_type=None):
    """``(content_type, body)`` for *params* of a POST or PUT (JSON when
    the caller sent JSON, else a form; repeated keys for lists),
    ``(None, None)`` for other methods."""
    if method not in ("POST", "PUT"):
        return None, None
    params = params or {}
    if request_type and JSON_TYPE in request_type:
        return JSON_TYPE, json.dumps(params).encode("utf-8")
    pairs = []
    for key, value in params.items():
        for item in value if isinstance(value, list) else [value]:
            pairs.append((key, _form_value(item)))
    return FORM_TYPE, urlencode(pairs).encode("ascii")


def _form_value(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    return value if isinstance(value, str) else str(value)


def ssl_message(exc):
    """OpenSSL's error queue in an ``SSL.Error`` as one line
    (``SSL routines::certificate verify failed``)."""
    parts = []
    for entry in (exc.args[0] if exc.args else None) or []:
        if isinstance(entry, tuple) and len(entry) == 3:
            lib, func, reason = entry
            parts.append("%s:%s:%s" % (lib, func, reason))
        else:
            parts.append(str(entry))
    return "; ".join(parts) or str(exc) or "TLS error"


def _unwrap(failure):
    """The values behind *failure*: the reasons of twisted.web's wrapper
    exceptions, else the value itself."""
    reasons = getattr(failure.value, "reasons", None)
    if reasons:
        return [r.value for r in reasons]
    return [failure.value]


def failure_status(failure, phase):
    """``(status, reason)`` for a forwarded call that failed in *phase*
    (:data:`CONNECTING`, :data:`REQUESTING` or :data:`READING`): 595 for
    connection errors, 596 for TLS errors, the phase for timeouts."""
    values = _unwrap(failure)
    for value in values:
        if isinstance(value, SSL.Error):
            return REQUESTING, ssl_message(value)
    after = max(phase, REQUESTING)
    for value in values:
        if isinstance(value, (defer.TimeoutError, error.TimeoutError,
                              defer.CancelledError,
                              error.ConnectingCancelledError)):
            return phase, os.strerror(errno.ETIMEDOUT)
        if isinstance(value, error.ConnectError):
            if isinstance(value.osError, int):
                return CONNECTING, os.strerror(value.osError)
            return CONNECTING, str(value)
        if isinstance(value, (error.ConnectionDone, error.ConnectionLost)):
            return after, "Unexpected end-of-file"
    value = values[0]
    return after, str(value) or value.__class__.__name__


# -- TLS with a pinned certificate ---------------------------------------


@implementer(IOpenSSLClientConnectionCreator)
class PinnedTLS:
    """Client TLS that accepts the peer whose certificate has the SHA-256
    fingerprint *fingerprint* (None: no peer), whoever signed it and
    whatever names it holds; a certificate above the peer's in its chain
    is not looked at.  :attr:`refused` is the fingerprint last refused."""

    def __init__(self, fingerprint):
        self.fingerprint = fingerprint
        self.refused = None
        ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
        ctx.set_options(SSL.OP_NO_COMPRESSION | SSL.OP_NO_RENEGOTIATION)
        ctx.set_verify(SSL.VERIFY_PEER, self._verify)
        self.context = ctx

    def _verify(self, conn, cert, errnum, depth, ok):
        if depth != 0:
            return True
        seen = peer_fingerprint(cert)
        if seen == self.fingerprint:
            return True
        self.refused = seen
        return False

    def clientConnectionForTLS(self, tlsProtocol):
        conn = SSL.Connection(self.context, None)
        conn.set_connect_state()
        return conn


@implementer(IStreamClientEndpoint)
class _PinnedEndpoint:
    """*tls* (a :class:`PinnedTLS`) to *address*:*port*; calls
    ``connected(protocol)`` for each connection made."""

    def __init__(self, reactor, address, port, tls, timeout, connected):
        self.reactor = reactor
        self.address = address
        self.port = port
        self.tls = tls
        self.timeout = timeout
        self.connected = connected

    def connect(self, factory):
        kind = (endpoints.TCP6ClientEndpoint
                if ipaddress.ip_address(self.address).version == 6
                else endpoints.TCP4ClientEndpoint)
        tcp = kind(self.reactor, self.address, self.port,
                   timeout=self.timeout)
        d = endpoints.wrapClientTLS(self.tls, tcp).connect(factory)

        def connected(proto):
            self.connected(proto)
            return proto
        return d.addCallback(connected)


@implementer(IAgentEndpointFactory)
class _Endpoints:
    def __init__(self, endpoint):
        self.endpoint = endpoint

    def endpointForURI(self, uri):
        return self.endpoint


# -- the client ----------------------------------------------------------


class Forwarder:
    """Sends calls on to other nodes' pveproxy for the pveproxy reading
    pmxcfs through *cfs*.  *resolve* (a name to an address, may block)
    is the last resort for a node's address; *clock* times the
    *timeout* of a call."""

    def __init__(self, reactor, cfs, port=PORT, timeout=TIMEOUT,
                 resolve=nodeaddr.ip_from_hostname, clock=None):
        self.reactor = reactor
        self.clock = reactor if clock is None else clock
        self.cfs = cfs
        self.port = port
        self.timeout = timeout
        self.resolve = resolve
        self._pools = {}        # pinned fingerprint -> its GET connections
        self._connections = weakref.WeakSet()

    def _pool(self, method, fingerprint):
        if method != "GET" or fingerprint is None:
            return webclient.HTTPConnectionPool(self.reactor,
                                                persistent=False)
        pool = self._pools.get(fingerprint)
        if pool is None:
            pool = webclient.HTTPConnectionPool(self.reactor,
                                                persistent=True)
            pool.cachedConnectionTimeout = KEEP_IDLE
            self._pools[fingerprint] = pool
        return pool

    @defer.inlineCallbacks
    def address(self, node):
        """Fires with *node*'s address; fails with
        :class:`NodeLookupError`."""
        members = yield self.cfs.members()
        try:
            conf = yield self.cfs.read(COROSYNC_CONF)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise
            conf = None
        found = choose_address(node, members, conf)
        if found is not None and nodeaddr.is_ip(found):
            return found
        name = found or node
        try:
            ip = yield threads.deferToThreadPool(
                self.reactor, self.reactor.getThreadPool(), self.resolve,
                name)
        except nodeaddr.LookupFailed as e:
            raise NodeLookupError(str(e))
        return ip

    @defer.inlineCallbacks
    def pinned(self, node):
        """The fingerprint pinned for *node*, None if it has no
        certificate in pmxcfs."""
        for path in cert_paths(node):
            try:
                pem = yield self.cfs.read(path)
            except OSError as e:
                if e.errno == errno.ENOENT:
                    continue
                raise
            try:
                return pem_fingerprint(pem)
            except ValueError as e:
                log.warn("unable to read certificate {path} - {error}",
                         path=path, error=e)
                return None
        log.warn("no certificate of node {node} to pin", node=node)
        return None

    def forward(self, node, address, method, uri, headers, body=None):
        """Send the call to *node* at *address*; fires with a
        :class:`~pve.api.formatters.Response` (failures included)."""
        return self.pinned(node).addCallback(
            self._send, node, address, method, uri, headers, body)

    def _send(self, fingerprint, node, address, method, uri, headers, body):
        attempt = {"phase": CONNECTING}
        tls = PinnedTLS(fingerprint)

        def connected(proto):
            attempt["phase"] = REQUESTING
            self._connections.add(proto)
        endpoint = _PinnedEndpoint(self.reactor, address, self.port, tls,
                                   self.timeout, connected)
        agent = webclient.Agent.usingEndpointFactory(
            self.reactor, _Endpoints(endpoint),
            pool=self._pool(method, fingerprint))
        host = "[%s]" % address if ":" in address else address
        url = b"https://%s:%d%s" % (host.encode("ascii"), self.port, uri)
        producer = None
        if body is not None:
            producer = webclient.FileBodyProducer(io.BytesIO(body))
        outgoing = Headers()
        for name, value in headers.items():
            outgoing.setRawHeaders(name, [value])
        d = agent.request(method.encode("ascii"), url, outgoing, producer)

        def answered(response):
            attempt["phase"] = READING
            attempt["response"] = response
            return webclient.readBody(response)

        def read(data):
            response = attempt["response"]
            ctype = response.headers.getRawHeaders(b"content-type")
            return formatters.Response(
                response.code, response.phrase or formatters.reason(
                    response.code, None),
                ctype[-1].decode("latin-1") if ctype else "", data)

        def failed(failure):
            status, message = failure_status(failure, attempt["phase"])
            if tls.refused is not None:
                log.warn("certificate of node {node} ({fingerprint}) is not "
                         "the pinned one ({pinned})", node=node,
                         fingerprint=tls.refused, pinned=fingerprint)
            log.info("proxying {method} {uri} to {node} ({address}) failed: "
                     "{status} {message}", method=method,
                     uri=uri.decode("latin-1"), node=node, address=address,
                     status=status, message=message)
            return formatters.Response(status, formatters.reason(
                status, message), "", b"")

        d.addCallback(answered)
        d.addCallback(read)
        d.addTimeout(self.timeout, self.clock)
        d.addErrback(failed)
        return d

    def close(self):
        """Close every connection; fires once all are gone."""
        closing = [pool.closeCachedConnections()
                   for pool in self._pools.values()]
        closing += [proto.abort() for proto in list(self._connections)]
        return defer.gatherResults(closing, consumeErrors=True)
