"""pveproxy's HTTP side: ``/api2/{json,extjs,html}/...`` and a few pages.

As Proxmox's ``PVE::APIServer::AnyEvent`` with ``PVE::HTTPServer``: the
request is authenticated (a failure is a 401 after :data:`AUTH_DELAY`
seconds, its message in the reason phrase, and is logged with the client's
address), its parameters read from the query and a form or JSON body (at
most :data:`MAX_POST` bytes), permissions checked, then the call runs here
or, when the endpoint is ``protected``, in pvedaemon over AMP, or, when
it runs on another node (``proxyto``), in that node's pveproxy
(:mod:`pve.proxy.forward`).
"""

import gzip
import ipaddress
import json
import re
import zlib
from urllib.parse import unquote_to_bytes

from twisted.internet import defer, endpoints, error, task
from twisted.protocols import amp
from twisted.python.failure import Failure
from twisted.web import resource, server

from pve.api import apidata, formatters, rest
from pve.api import auth as authmod
from pve.api.schema import APIError
from pve.daemon import commands
from pve.proxy import accesslog, config, forward, upload
from pve.debuglog import Logger
from pve.deferreds import settled

log = Logger()

MAX_POST = 512 * 1024
#: responses longer than this are compressed for clients that accept it
COMPRESS_OVER = 1024
AUTH_DELAY = 3.0
BASE_URI = "/api2"
SERVER_NAME = b"pve-api-daemon/3.0"
_ABS_URI = re.compile(r"^%s/+([a-z][a-z0-9]+)(/.*)?$" % re.escape(BASE_URI))
FORM_TYPE = "application/x-www-form-urlencoded"
CREDENTIALS_CACHE = 1024
JSON_TYPE = "application/json"


# -- request parsing ----------------------------------------------------------

def split_abs_uri(path):
    """``(rel_uri, format)``; format None if the path is not under /api2."""
    m = _ABS_URI.match(path)
    if m is None:
        return path, None
    return m.group(2) or "/", m.group(1)


def _unescape(text):
    text = text.replace(b"+", b" ")
    return unquote_to_bytes(text)


def decode_urlencoded(data):
    """Proxmox's ``decode_urlencoded``: repeated keys give a list, a key
    without ``=`` is left undefined (here: absent)."""
    params = {}
    if not data:
        return params
    for kv in re.split(rb"[&;]", data):
        parts = kv.split(b"=")
        key = _unescape(parts[0]).decode("utf-8", "replace")
        if len(parts) < 2:
            params.setdefault(key, None)
            continue
        value = _unescape(parts[1]).decode("utf-8", "replace")
        old = params.get(key)
        if old is not None:
            value = old + [value] if isinstance(old, list) else [old, value]
        params[key] = value
    return {k: v for k, v in params.items() if v is not None}


def content_type(request):
    value = request.getHeader(b"content-type")
    if not value:
        return None
    return re.split(r"\s*[;,]\s*", value.decode("latin-1").strip())[0]


def extract_params(request, method):
    """Body (form or JSON) parameters, overridden by the query's."""
    params = {}
    if method in ("PUT", "POST"):
        request.content.seek(0)
        body = request.content.read()
        if content_type(request) == JSON_TYPE:
            try:
                params = json.loads(body.decode("utf-8")) if body else {}
            except (ValueError, UnicodeDecodeError) as e:
                raise APIError("malformed JSON string: %s\n" % (e,), 500)
            if not isinstance(params, dict):
                raise APIError("JSON body is not an object\n", 500)
        else:
            params = decode_urlencoded(body)
    query = request.uri.partition(b"?")[2]
    params.update(decode_urlencoded(query))
    params.pop("_dc", None)
    return params


class APIRequest(server.Request):
    """Discards bodies over :data:`MAX_POST` instead of buffering them and
    answers Proxmox's ``501 for data too large``; the body of a file
    upload (:mod:`pve.proxy.upload`) is streamed into its temporary file
    instead, whatever its size."""

    refused = False
    upload = None
    _received = 0

    def gotLength(self, length):
        resource = getattr(getattr(self.channel, "site", None), "resource",
                           None)
        start = getattr(resource, "start_upload", None)
        if start is not None and length:
            self.upload = start(self, length)
            if self.upload is not None:
                super().gotLength(0)
                return
        if length is not None and length > MAX_POST:
            self.refused = True
            length = 0
        super().gotLength(length)

    def handleContentChunk(self, data):
        if self.upload is not None:
            self.upload.feed(data)
            return
        if self.refused:
            return
        self._received += len(data)
        if self._received > MAX_POST:
            self.refused = True
            self.content.seek(0)
            self.content.truncate()
            return
        super().handleContentChunk(data)

    def connectionLost(self, reason):
        # while the call runs, the call decides (see ProxyResource._api)
        if self.upload is not None and not self.upload.calling:
            self.upload.discard()
        super().connectionLost(reason)

    def finish(self):
        if self.upload is not None and not self.upload.calling:
            self.upload.discard()
        return super().finish()

    def process(self):
        if not self.refused:
            return super().process()
        log.info("refused request body over {limit} bytes from {ip}",
                 limit=MAX_POST, ip=client_ip(self))
        self.setResponseCode(501, b"for data too large")
        self.setHeader(b"connection", b"close")
        self.setHeader(b"content-length", b"0")
        self.setHeader(b"server", SERVER_NAME)
        self.finish()


def client_ip(request):
    try:
        addr = request.getClientAddress()
    except AttributeError:
        return request.getClientIP()
    return getattr(addr, "host", None)


# -- pvedaemon ----------------------------------------------------------------

class _DaemonLink(amp.AMP):
    """The connection of a :class:`DaemonClient`; tells it when lost."""

    def __init__(self, owner):
        super().__init__()
        self.owner = owner
        self.lost = defer.Deferred()

    def connectionLost(self, reason):
        super().connectionLost(reason)
        self.owner._lost(self)
        self.lost.callback(None)


class DaemonClient:
    """Calls pvedaemon over AMP at a client endpoint *description*.

    One connection carries every call (AMP runs them side by side); it is
    made on first use and made again on the next call after it is lost,
    so a restarted pvedaemon is reached again.  A call that was sent on a
    connection lost before it answered is sent once more on a new one if
    it cannot change anything (``GET``, token checks); other calls fail
    with Proxmox's "unable to connect to pvedaemon" 500.
    """

    def __init__(self, reactor, description="tcp:127.0.0.1:85"):
        self.reactor = reactor
        self.description = description
        self._proto = None
        self._waiting = []
        self._closed = False

    def _connect(self):
        if self._closed:
            return defer.fail(RuntimeError("pvedaemon client closed"))
        if self._proto is not None:
            return defer.succeed(self._proto)
        d = defer.Deferred()
        self._waiting.append(d)
        if len(self._waiting) == 1:
            endpoint = endpoints.clientFromString(self.reactor,
                                                  self.description)
            endpoints.connectProtocol(endpoint, _DaemonLink(self)).addBoth(
                self._connected)
        return d

    def _connected(self, result):
        waiting, self._waiting = self._waiting, []
        if isinstance(result, _DaemonLink):
            if self._closed:
                result.transport.loseConnection()
                result = Failure(RuntimeError("pvedaemon client closed"))
            elif result.transport.connected:
                self._proto = result
        for d in waiting:
            if isinstance(result, Failure):
                d.errback(result)
            else:
                d.callback(result)

    def _lost(self, proto):
        if self._proto is proto:
            self._proto = None

    @defer.inlineCallbacks
    def _call(self, command, retry=False, **kw):
        reused = self._proto is not None
        proto = yield self._connect()
        try:
            result = yield proto.callRemote(command, **kw)
        except error.ConnectionClosed:
            if not (reused and retry):
                raise
            log.info("pvedaemon connection lost, calling again")
            proto = yield self._connect()
            result = yield proto.callRemote(command, **kw)
        return result

    @defer.inlineCallbacks
    def call(self, method, path, params, creds, client_ip=None):
        """Fires with a :class:`~pve.api.rest.Result`."""
        try:
            answer = yield self._call(
                commands.CallAPI, retry=(method == "GET"), method=method,
                path=path, params=params, auth=creds.to_dict(),
                client_ip=client_ip)
        except Exception as e:
            log.warn("pvedaemon call failed: {error}", error=e)
            return rest.Result.from_error(APIError(
                "unable to connect to pvedaemon - %s\n" % (e,), 500))
        return rest.Result.from_wire(answer["status"], answer["body"])

    def verify_token(self, tokenid, secret):
        d = self._call(commands.VerifyToken, retry=True, tokenid=tokenid,
                       secret=secret)
        return d.addCallback(lambda r: r["ok"])

    def close(self):
        """Drop the connection and refuse further calls; fires once the
        connection is gone."""
        self._closed = True
        proto, self._proto = self._proto, None
        if proto is None or not proto.transport.connected:
            return defer.succeed(None)
        proto.transport.loseConnection()
        return proto.lost


# -- pages --------------------------------------------------------------------

INDEX_PAGE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Proxmox Virtual Environment</title>
</head><body><h1>Proxmox Virtual Environment</h1>
<p>The web interface is not available yet. The API is at
<a href="/api2/html/">/api2/html/</a>; its documentation at
<a href="/pve-docs/api-viewer/index.html">/pve-docs/api-viewer/</a>.</p>
</body></html>
"""

VIEWER_PAGE = b"""<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>Proxmox VE API Viewer</title>
<script src="apidata.js"></script>
<style>body{font-family:sans-serif} li{margin:2px 0} code{color:#555}</style>
</head><body><h1>Proxmox VE API</h1><ul id="tree"></ul>
<script>
function add(parent, nodes) {
  (nodes || []).forEach(function (node) {
    var li = document.createElement('li');
    var methods = Object.keys(node.info || {}).map(function (m) {
      return m + ' (' + node.info[m].name + ')';
    }).join(', ');
    li.innerHTML = '<code>' + node.path + '</code> ' + methods;
    parent.appendChild(li);
    if (node.children) {
      var ul = document.createElement('ul');
      li.appendChild(ul);
      add(ul, node.children);
    }
  });
}
add(document.getElementById('tree'), apiSchema);
</script></body></html>
"""

LOGIN_PAGE = formatters.login_page()


# -- the resource -------------------------------------------------------------

class ProxyResource(resource.Resource):
    """Every path of pveproxy.

    *daemon* is a :class:`DaemonClient` (None: protected calls fail);
    *clock* times the :data:`AUTH_DELAY` (*auth_delay*) of failed logins;
    calls for other nodes go to their pveproxy on *forward_port*.
    """

    isLeaf = True

    def __init__(self, registry, cfs, reactor, paths, nodename, daemon=None,
                 clock=None, auth_delay=AUTH_DELAY, settings=None,
                 forward_port=forward.PORT):
        super().__init__()
        settings = settings or {}
        self.compression = settings.get("COMPRESSION", True)
        header = settings.get("PROXY_REAL_IP_HEADER")
        self.real_ip_header = header.encode("latin-1") if header else None
        self.real_ip_proxies = settings.get("PROXY_REAL_IP_ALLOW_FROM")
        self.registry = registry
        self.cfs = cfs
        self.reactor = reactor
        self.clock = reactor if clock is None else clock
        self.paths = paths
        self.nodename = nodename
        self.daemon = daemon
        self.auth_delay = auth_delay
        checker = None
        if daemon is not None:
            checker = daemon.verify_token
        self.authenticator = authmod.Authenticator(cfs, self.clock, checker)
        self.forwarder = forward.Forwarder(reactor, cfs, port=forward_port)
        self._apidata = None
        self._creds = {}

    def close(self):
        """Close the connections to other nodes; fires once they are."""
        return self.forwarder.close()

    def start_upload(self, request, length):
        """An :class:`~pve.proxy.upload.Upload` for a request whose
        headers say it uploads a file with credentials, or None (the body
        is then read as any other)."""
        channel = request.channel
        method = getattr(channel, "_command", None)
        path = (getattr(channel, "_path", None) or b"").partition(b"?")[0]
        if not (method and upload.is_upload(
                method.decode("ascii", "replace"),
                unquote_to_bytes(path).decode("utf-8", "replace"))):
            return None
        ctype = request.getHeader(b"content-type")
        ctype, boundary = upload.parse_content_type(
            ctype.decode("latin-1")) if ctype else (None, None)
        if ctype != upload.FORM_DATA or not boundary:
            return None
        if not (request.getHeader(b"cookie")
                or request.getHeader(b"authorization")):
            return None  # refused after the body, as any other
        try:
            return upload.Upload(self.paths, boundary)
        except OSError as e:
            log.warn("unable to create temporary upload file - {error}",
                     error=e)
            return None

    def render(self, request):
        request.setHeader(b"server", SERVER_NAME)
        if self.real_ip_header is not None:
            self._real_ip(request)
        try:
            response = settled(self._handle(request))
        except Exception:
            response = self._internal_error(Failure(), request)
        if isinstance(response, defer.Deferred):
            response.addErrback(self._internal_error, request)
            response.addCallback(self._send, request)
            response.addErrback(log.failure, "could not send a response")
        else:
            try:
                self._send(response, request)
            except Exception:
                log.failure("could not send a response")
        return server.NOT_DONE_YET

    def _real_ip(self, request):
        """PROXY_REAL_IP_HEADER: the client a trusted proxy names, for the
        access log; values that are not one address are ignored."""
        value = request.getHeader(self.real_ip_header)
        if not value:
            return
        try:
            ip = ipaddress.ip_address(value.decode("latin-1").strip())
        except ValueError:
            return
        peer = client_ip(request)
        if self.real_ip_proxies is not None:
            if not peer or not config.in_networks(self.real_ip_proxies, peer):
                return
        setattr(request, accesslog.REAL_IP_ATTR, str(ip))

    # -- dispatch ---------------------------------------------------------

    def _handle(self, request):
        method = request.method.decode("ascii", "replace")
        path = unquote_to_bytes(request.path).decode("utf-8", "replace")
        if path.startswith(BASE_URI):
            return self._api(request, method, path)
        if method == "GET":
            if path == "/":
                return _page(200, INDEX_PAGE)
            if path == "/pve-docs/api-viewer/apidata.js":
                return _page(200, self.apidata_js(),
                             "application/javascript;charset=UTF-8")
            if path in ("/pve-docs/api-viewer/index.html",
                        "/pve-docs/api-viewer/"):
                return _page(200, VIEWER_PAGE)
        return _error(501, "no such file '%s'" % path)

    def _credentials(self, request):
        """The request's :class:`~pve.api.auth.Credentials`; a client
        sends the same headers on every call: parsed once per value."""
        headers = request.requestHeaders
        raw = (headers.getRawHeaders(b"cookie"),
               headers.getRawHeaders(b"authorization"),
               headers.getRawHeaders(b"csrfpreventiontoken"))
        key = tuple(v[-1] if v else None for v in raw)
        creds = self._creds.get(key)
        if creds is None:
            creds = authmod.Credentials.from_headers(
                _header(request, b"cookie"),
                _header(request, b"authorization"),
                _header(request, b"csrfpreventiontoken"))
            if len(self._creds) >= CREDENTIALS_CACHE:
                self._creds.clear()
            self._creds[key] = creds
        return creds

    def apidata_js(self):
        if self._apidata is None:
            text = apidata.render_js(apidata.dump(self.registry))
            self._apidata = text.encode("utf-8")
        return self._apidata

    @defer.inlineCallbacks
    def _api(self, request, method, path):
        rel_uri, fmt = split_abs_uri(path)
        if fmt is None:
            return _error(501, "no such uri")
        ip = client_ip(request)
        creds = self._credentials(request)
        try:
            refresh = getattr(self.cfs, "refresh", None)
            if refresh is not None:
                # as Proxmox's cfs_update: see what changed since the last
                yield settled(refresh())
            cfg = yield settled(authmod.read_user_cfg(self.cfs))
            caller = yield settled(self.authenticator.authenticate(
                method, rel_uri, creds, cfg))
        except Exception as e:
            message = e.message if isinstance(e, APIError) else "%s\n" % (e,)
            log.info("authentication failure; rhost={rhost} msg={msg}",
                     rhost=ip, msg=message.strip(), auth_failure=True)
            yield task.deferLater(self.clock, self.auth_delay, lambda: None)
            if fmt == "html":
                return _page(401, LOGIN_PAGE, phrase=b"Login Required")
            return _error(401, message)
        request.pve_userid = caller.auth_id
        if fmt not in formatters.FORMATS:
            return _error(501, "no formatter for uri %s, %s" % (rel_uri, fmt))
        length = request.getHeader(b"content-length")
        is_upload = upload.is_upload(method, path)
        if length and length.strip() not in (b"0",):
            if method not in ("PUT", "POST"):
                return _error(501, "Unexpected content for method '%s'"
                              % method)
            ctype = content_type(request)
            refused = (request.upload is None if is_upload else
                       ctype not in (None, FORM_TYPE, JSON_TYPE))
            if refused:
                return _error(506, "upload 'Content-Type '%s' not "
                              "implemented" % _header(request, b"content-type"))
        elif is_upload:
            return _error(500, "upload without content length header not "
                          "supported")
        try:
            if request.upload is not None:
                params = self._upload_params(request)
            else:
                params = extract_params(request, method)
        except APIError as e:
            return formatters.format_error(fmt, e, path=path)
        env = authmod.make_env(caller, self.cfs, self.reactor, self.paths,
                               self.nodename, ip, cfg)
        result = None
        if request.upload is not None:
            request.upload.calling = True
        try:
            result = yield settled(self._call(request, env, caller, method,
                                              rel_uri, params, creds, ip))
        finally:
            if request.upload is not None:
                # a worker task took the file over, or it goes
                request.upload.calling = False
                request.upload.kept = (getattr(result, "status", None)
                                       == 200)
                request.upload.discard()
        if isinstance(result, formatters.Response):
            return result  # another node's answer, as it gave it
        if result.status == 401:
            yield task.deferLater(self.clock, self.auth_delay, lambda: None)
        children = ()
        if fmt == "html":
            children = self.registry.children(rel_uri)
        return formatters.format_response(
            fmt, result.data, code=result.status, message=result.message,
            errors=result.errors, total=result.total, changes=result.changes,
            endpoint=result.endpoint, path=path, children=children)

    def _call(self, request, env, caller, method, rel_uri, params, creds,
              ip):
        """A Deferred firing with the call's :class:`~pve.api.rest.Result`:
        run here, in pvedaemon, or refused; or with the
        :class:`~pve.api.formatters.Response` of another node (no
        generator: it has fired on return when the call answered here at
        once)."""
        d = rest.handle(self.registry, env, caller, method, rel_uri, params,
                        privileged=False)
        return d.addCallback(self._forward, request, method, rel_uri, params,
                             creds, ip)

    def _forward(self, result, request, method, rel_uri, params, creds, ip):
        if result.forward is None:
            return result
        endpoint = result.endpoint
        if result.forward != "daemon":
            return self._to_node(request, result.forward, method, params,
                                 creds, ip, endpoint)
        if self.daemon is None:
            return rest.Result.from_error(
                APIError("pvedaemon not configured\n", 500), endpoint)

        def answered(result):
            result.endpoint = endpoint
            return result
        return self.daemon.call(method, rel_uri, params, creds,
                                ip).addCallback(answered)

    @defer.inlineCallbacks
    def _to_node(self, request, node, method, params, creds, ip, endpoint):
        """*node*'s answer, as Proxmox's ``proxy_request``; refused for
        uploads, unknown nodes and a call that was forwarded already."""
        if request.upload is not None:
            return rest.Result.from_error(APIError(
                "unable to proxy file uploads\n", 500), endpoint)
        try:
            address = yield self.forwarder.address(node)
        except forward.NodeLookupError as e:
            return rest.Result.from_error(APIError("%s\n" % (e,), 500),
                                          endpoint)
        if request.getHeader(forward.DISABLE_HEADER):
            return _error(500, "proxy loop detected")
        if not request.uri.startswith(b"/"):
            return _error(400, "invalid proxy uri")
        ctype, body = forward.encode_body(method, params,
                                          _header(request, b"content-type"))
        headers = forward.outgoing_headers(creds, ip,
                                           request.getHeader(b"host"), ctype)
        response = yield self.forwarder.forward(node, address, method,
                                                request.uri, headers, body)
        return response

    def _upload_params(self, request):
        """The query's parameters and the upload's fields; the file stays
        until the call took it (see :meth:`_api`)."""
        params = decode_urlencoded(request.uri.partition(b"?")[2])
        params.pop("_dc", None)
        if "tmpfilename" in params:
            raise APIError("'tmpfilename' query parameter is not allowed for "
                           "file uploads\n", 500)
        try:
            params.update(request.upload.finish())
        except upload.UploadError as e:
            raise APIError("%s\n" % (e,), 500)
        return params

    # -- output -----------------------------------------------------------

    def _internal_error(self, failure, request):
        log.failure("request {uri} failed", failure,
                    uri=request.uri.decode("latin-1"))
        return _error(500, "%s" % (failure.value,))

    def _send(self, response, request):
        if getattr(request, "_disconnected", False):
            return
        request.setResponseCode(response.code, response.phrase)
        request.setHeader(b"cache-control", b"max-age=0")
        request.setHeader(b"pragma", b"no-cache")
        if response.body or response.content_type:
            request.setHeader(b"content-type",
                              response.content_type.encode("ascii"))
        if response.code >= 300:
            request.setHeader(b"connection", b"close")
        body = response.body
        if self.compression and len(body) > COMPRESS_OVER:
            body = _compress(request, body)
        request.setHeader(b"content-length", b"%d" % len(body))
        if request.method != b"HEAD":
            request.write(body)
        request.finish()


def _compress(request, body):
    """*body* gzip'd (or zlib'd) for a client that accepts it, as
    Proxmox's (``COMPRESSION``, on by default)."""
    accepted = request.getHeader(b"accept-encoding")
    if not accepted:
        return body
    if b"gzip" in accepted:
        request.setHeader(b"content-encoding", b"gzip")
        return gzip.compress(body, mtime=0)
    if b"deflate" in accepted:
        request.setHeader(b"content-encoding", b"deflate")
        return zlib.compress(body)
    return body


def _header(request, name):
    value = request.getHeader(name)
    return value.decode("utf-8", "replace") if value is not None else None


def _page(code, body, ctype="text/html;charset=UTF-8", phrase=None):
    return formatters.Response(code, phrase or formatters.reason(code, None),
                               ctype, body)


def _error(code, message):
    """A bare error: no body, the message as reason phrase."""
    return formatters.Response(code, formatters.reason(code, message), "", b"")


class APISite(server.Site):
    """Writes each request's line to :attr:`access_log` (a
    :class:`~pve.proxy.accesslog.AccessLog`; None: no access log) instead
    of going through the twisted log observers."""

    access_log = None

    def log(self, request):
        if self.access_log is not None:
            self.access_log.log(request)


def make_site(proxy_resource, access_log=None):
    """A Site for *proxy_resource* that refuses oversized bodies and logs
    requests to *access_log*."""
    site = APISite(proxy_resource)
    site.access_log = access_log
    site.requestFactory = APIRequest
    site.displayTracebacks = False
    return site


def https_factory(site, server_tls, settings):
    """The factory of the 8006 listener: host filter at accept time, plain
    HTTP redirected, TLS (a :class:`~pve.proxy.tls.ServerTLS` or anything
    providing ``serverConnectionForTLS``) around *site*."""
    from twisted.protocols.tls import TLSMemoryBIOFactory

    from pve.proxy import listen

    class TLSFactory(TLSMemoryBIOFactory):
        def buildProtocol(self, addr):
            # without a certificate yet (a node's first start) the client
            # is disconnected; TLS starts once one is loaded
            if not getattr(server_tls, "ready", True):
                return None
            return super().buildProtocol(addr)

    inner = TLSFactory(server_tls, False, site)
    return listen.HostFilter(listen.TLSOrPlain(inner), settings)
