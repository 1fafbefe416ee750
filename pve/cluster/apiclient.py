"""Another node's API over HTTPS, as a joining node reaches it: Proxmox's
``PVE::APIClient::LWP`` as ``PVE::Cluster::Setup::join`` uses it.

- Login with a password (``POST /access/ticket``), then calls with the
  ticket cookie and the CSRF token; form-encoded parameters.
- The peer's certificate: with *fingerprints* given, only a leaf whose
  SHA-256 fingerprint (``AB:CD:...``, any case) is among them is
  accepted, whoever signed it.  Without, a chain that verifies against
  the trusted roots (the system's, or *trust_roots*) with the host's name
  (or IP) in the leaf is accepted, and otherwise the leaf's fingerprint
  goes to *verify_fingerprint* (the ``yes/no`` question), once per
  fingerprint; a "yes" retries the call.
- Failures raise :class:`APIClientError` with LWP's wording: a login
  failure as its status line (``401 authentication failure``, ``500
  Can't connect to HOST:PORT (REASON)``), a call's as the reason phrase
  (``Can't connect to ...``) with the code and the ``errors`` of the
  answer, a refused certificate as ``fingerprint '...' not verified,
  abort!``.

The pyOpenSSL verify callback sees each certificate of the chain while
the handshake runs, so the check is made on the connection that carries
the password.
"""

import io
import json
import os
from urllib.parse import quote, urlencode

from OpenSSL import SSL, crypto
from twisted.internet import defer, error
from twisted.internet.interfaces import IOpenSSLClientConnectionCreator
from twisted.web import client as webclient
from twisted.web.http_headers import Headers
from twisted.web.iweb import IPolicyForHTTPS
from zope.interface import implementer

from pve.cluster.nodeaddr import is_ip

PORT = 8006
TIMEOUT = 60                      # LWP::UserAgent's, as Proxmox sets it
COOKIE_NAME = "PVEAuthCookie"
FORM_TYPE = b"application/x-www-form-urlencoded"


class APIClientError(Exception):
    """A failed call (``PVE::APIClient::Exception``): *message* as
    Proxmox's client words it, the HTTP *code*, the answer's *errors*."""

    def __init__(self, message, code=None, errors=None, status_line=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = dict(errors or {})
        # a login failure shows the status line (code and message)
        self.status_line = status_line


def normal_fingerprint(text):
    return text.strip().upper()


def _name_matches(cert, host):
    """Whether the leaf *cert* (pyOpenSSL) is for *host* (name or IP);
    False without service_identity to tell."""
    try:
        from service_identity.cryptography import (
            verify_certificate_hostname, verify_certificate_ip_address)
        if is_ip(host):
            verify_certificate_ip_address(cert.to_cryptography(), host)
        else:
            verify_certificate_hostname(cert.to_cryptography(), host)
    except Exception:   # VerificationError, ImportError, a broken cert
        return False
    return True


@implementer(IOpenSSLClientConnectionCreator)
class _VerifyingTLS:
    """One client connection's TLS, checked as the class docstring says;
    the first unknown leaf fingerprint goes to ``client.last_unknown``."""

    def __init__(self, client, host):
        self.client = client
        self.host = host

    def clientConnectionForTLS(self, tls_protocol):
        client = self.client
        ctx = SSL.Context(SSL.TLS_CLIENT_METHOD)
        ctx.set_min_proto_version(SSL.TLS1_2_VERSION)
        ctx.set_options(SSL.OP_NO_COMPRESSION)
        trust = client.trust_openssl
        if trust:
            if client.trust_roots is None:
                ctx.set_default_verify_paths()
            else:
                store = ctx.get_cert_store()
                for pem in client.trust_roots:
                    store.add_cert(crypto.load_certificate(
                        crypto.FILETYPE_PEM, pem))
        state = {"trust": trust}

        def verify(conn, cert, errnum, depth, ok):
            if state["trust"] and ok:
                if depth != 0 or _name_matches(cert, self.host):
                    return True
            # from here on only the leaf's fingerprint counts
            state["trust"] = False
            if depth != 0:
                return True
            return client.known(cert.digest("sha256").decode("ascii"))

        ctx.set_verify(SSL.VERIFY_PEER, verify)
        conn = SSL.Connection(ctx, None)
        conn.set_app_data(tls_protocol)
        if not is_ip(self.host):
            conn.set_tlsext_host_name(self.host.encode("idna"))
        return conn


@implementer(IPolicyForHTTPS)
class _Policy:
    def __init__(self, client):
        self.client = client

    def creatorForNetloc(self, hostname, port):
        return _VerifyingTLS(self.client, hostname.decode("ascii"))


def _reason(failure):
    """Why a request got no answer, in the words LWP's would use."""
    values = [failure.value]
    reasons = getattr(failure.value, "reasons", None)
    if reasons:
        values = [r.value for r in reasons]
    for value in values:
        if isinstance(value, SSL.Error):
            return "SSL connect attempt failed"
        if isinstance(value, error.DNSLookupError):
            return "Name or service not known"
        if isinstance(value, (defer.TimeoutError, error.TimeoutError,
                              defer.CancelledError)):
            return "Connection timed out"
        if isinstance(value, error.ConnectionRefusedError):
            return "Connection refused"
        if isinstance(value, error.ConnectError):
            os_error = value.osError
            if isinstance(os_error, int):
                return os.strerror(os_error)
            return str(value.osError or value)
        if isinstance(value, (error.ConnectionDone, error.ConnectionLost)):
            return "Server closed connection without sending any data back"
    return str(values[0]) or values[0].__class__.__name__


class APIClient:
    """Calls to the API of *host* (``https://HOST:PORT/api2/json``).

    *fingerprints*: accepted leaf fingerprints; *verify_fingerprint*:
    ``fingerprint -> bool`` (or a Deferred of one), asked about an unknown
    leaf when no fingerprints were given (None: refuse);
    *trust_roots*: PEM CA certificates to trust instead of the system's.
    """

    def __init__(self, reactor, host, port=PORT, fingerprints=(),
                 verify_fingerprint=None, trust_roots=None,
                 timeout=TIMEOUT):
        self.reactor = reactor
        self.host = host
        self.port = port
        self.cache = {normal_fingerprint(fp): True for fp in fingerprints}
        # as PVE::APIClient::LWP: a CA-verified peer counts only when no
        # fingerprint was given
        self.trust_openssl = not self.cache
        self.verify_fingerprint = (verify_fingerprint
                                   if not self.cache else None)
        self.trust_roots = trust_roots
        self.timeout = timeout
        self.last_unknown = None
        self.ticket = None
        self.csrf_token = None
        self.pool = webclient.HTTPConnectionPool(reactor, persistent=True)
        self.agent = webclient.Agent(reactor, contextFactory=_Policy(self),
                                     pool=self.pool)

    def known(self, fingerprint):
        """Whether a leaf with *fingerprint* is accepted (an unknown one
        is remembered for the question)."""
        valid = self.cache.get(fingerprint)
        if valid is None:
            self.last_unknown = fingerprint
            return False
        return valid

    def url(self, path):
        host = "[%s]" % self.host if ":" in self.host else self.host
        path = path.lstrip("/")
        if not path.startswith("api2/"):
            path = "api2/json/" + path
        return "https://%s:%d/%s" % (host, self.port, path)

    def close(self):
        """Close the connections kept open; fires when they are."""
        return self.pool.closeCachedConnections()

    # -- one request ------------------------------------------------------

    @defer.inlineCallbacks
    def _request(self, method, path, params):
        """``(code, phrase, content type, body)``; retried once the user
        accepted an unknown certificate."""
        while True:
            self.last_unknown = None
            try:
                answer = yield self._send(method, path, params)
                return answer
            except Exception:
                unknown = self.last_unknown
                if unknown is None or not (yield self._accept(unknown)):
                    raise

    @defer.inlineCallbacks
    def _accept(self, fingerprint):
        """As ``manual_verify_fingerprint``: refuse, or ask."""
        if self.verify_fingerprint is None:
            raise APIClientError("fingerprint '%s' not verified, abort!\n"
                                 % fingerprint)
        valid = bool((yield defer.maybeDeferred(self.verify_fingerprint,
                                                fingerprint)))
        self.cache[fingerprint] = valid
        if not valid:
            raise APIClientError("Fingerprint not verified, abort!\n")
        return True

    def _send(self, method, path, params):
        headers = Headers({b"Accept": [b"application/json"]})
        if self.ticket:
            headers.setRawHeaders(b"Cookie", [(
                "%s=%s" % (COOKIE_NAME, quote(self.ticket, safe=""))
            ).encode("latin-1")])
        if self.csrf_token:
            headers.setRawHeaders(b"CSRFPreventionToken",
                                  [self.csrf_token.encode("latin-1")])
        url = self.url(path)
        body = None
        form = urlencode([(k, _form_value(v))
                          for k, v in sorted((params or {}).items())])
        if method == "GET":
            if form:
                url += "?" + form
        else:
            headers.setRawHeaders(b"Content-Type", [FORM_TYPE])
            body = webclient.FileBodyProducer(io.BytesIO(form.encode("utf-8")))
        d = self.agent.request(method.encode("ascii"), url.encode("ascii"),
                               headers, body)
        d.addCallback(self._read)
        d.addTimeout(self.timeout, self.reactor)
        d.addErrback(self._unreachable)
        return d

    @defer.inlineCallbacks
    def _read(self, response):
        data = yield webclient.readBody(response)
        ctype = response.headers.getRawHeaders(b"content-type") or [b""]
        phrase = (response.phrase or b"").decode("utf-8", "replace")
        return (response.code, phrase, ctype[-1].decode("latin-1"), data)

    def _unreachable(self, failure):
        if failure.check(APIClientError):
            return failure
        message = "Can't connect to %s:%d (%s)\n" % (
            self.host, self.port, _reason(failure))
        raise APIClientError(message, code=500, status_line="500 " + message)

    # -- the calls --------------------------------------------------------

    @defer.inlineCallbacks
    def login(self, username, password):
        """``POST /access/ticket``; keeps the ticket and CSRF token."""
        try:
            code, phrase, _ctype, body = yield self._request(
                "POST", "/access/ticket",
                {"username": username, "password": password or ""})
        except APIClientError as e:
            if e.status_line is None:
                raise
            raise APIClientError(e.status_line, code=e.code)
        if not 200 <= code < 300:
            raise APIClientError("%d %s\n" % (code, phrase), code=code)
        data = _data(body, code)
        self.ticket = data.get("ticket")
        self.csrf_token = data.get("CSRFPreventionToken")
        return data

    @defer.inlineCallbacks
    def call(self, method, path, params=None):
        """The ``data`` of the answer; APIClientError with the reason
        phrase and the ``errors`` of a failed call."""
        if method not in ("GET", "POST", "PUT", "DELETE"):
            raise APIClientError("method %s not implemented\n" % method)
        code, phrase, ctype, body = yield self._request(method, path, params)
        if 200 <= code < 300:
            if "application/json" not in ctype:
                raise APIClientError("got unexpected content type",
                                     code=code)
            return _data(body, code)
        errors = None
        if "application/json" in ctype:
            try:
                errors = json.loads(body.decode("utf-8")).get("errors")
            except (ValueError, AttributeError):
                errors = None
        raise APIClientError("%s\n" % phrase, code=code, errors=errors)

    def get(self, path, params=None):
        return self.call("GET", path, params)

    def post(self, path, params=None):
        return self.call("POST", path, params)


def _form_value(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    return value if isinstance(value, str) else str(value)


def _data(body, code):
    try:
        answer = json.loads(body.decode("utf-8"))
    except ValueError:
        raise APIClientError("got unexpected content type", code=code)
    if not isinstance(answer, dict) or "data" not in answer:
        raise APIClientError("undefined result data", code=code)
    return answer["data"]
