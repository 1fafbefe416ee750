"""pveproxy end to end on loopback: real TLS, pmxcfs over its IPC socket,
pvedaemon over AMP, tickets, CSRF and API tokens made as Proxmox makes
them."""

import gzip
import json
import urllib.parse
import zlib

from twisted.internet import defer, endpoints, reactor, task, threads
from twisted.logger import globalLogPublisher
from twisted.trial import unittest

from pve.cluster.client import IPCClient
from pve.daemon import tap as daemon_tap
from pve.daemon.server import DaemonFactory
from pve.proxy import config, server, tls
from pve.proxy import tap as proxy_tap
from pve.proxy.accesslog import AccessLog
from tests.proxy.test_listen import raw_exchange as raw
from tests.proxy.node import (NODE, TOKEN_CFG, USER_CFG, Node, https,
                              make_registry)

COOKIE = "PVEAuthCookie"


@defer.inlineCallbacks
def start_daemon(testcase, node, port_number=0, stoppers=None,
                 factories=None, registry=None):
    """pvedaemon on a free loopback port (or *port_number*), reading
    pmxcfs through a CachedClient as the daemon does; fires with its
    client description.  *stoppers* (a list) gets a function that stops
    it as a pvedaemon exit does (port closed, connections dropped).
    *registry*: the API (default: the small test tree)."""
    factory = DaemonFactory(registry or make_registry("daemon"),
                            daemon_tap.cached_client(
                                node.client, daemon_tap.HOT_PATHS, node.paths),
                            reactor, node.paths, NODE)
    ep = endpoints.TCP4ServerEndpoint(reactor, port_number,
                                      interface="127.0.0.1")
    port = yield ep.listen(factory)

    def stop():
        factory.close_connections()
        return port.stopListening()
    testcase.addCleanup(stop)
    if stoppers is not None:
        stoppers.append(stop)
    if factories is not None:
        factories.append(factory)
    return "tcp:127.0.0.1:%d" % port.getHost().port


@defer.inlineCallbacks
def start_proxy(testcase, node, daemon=None, clock=None, auth_delay=0,
                settings_text="", access_log=None, registry=None):
    cfs = yield IPCClient.connect(reactor, node.ipc)
    testcase.addCleanup(cfs.close)
    cfs = daemon_tap.cached_client(cfs, proxy_tap.HOT_PATHS, node.paths)
    settings = config.parse(settings_text)[0]
    daemon_client = server.DaemonClient(reactor, daemon) if daemon else None
    if daemon_client is not None:
        testcase.addCleanup(daemon_client.close)
    res = server.ProxyResource(registry or make_registry("proxy"), cfs,
                               reactor,
                               node.paths, NODE, daemon=daemon_client,
                               clock=clock, auth_delay=auth_delay,
                               settings=settings)
    factory = server.https_factory(
        server.make_site(res, access_log), tls.ServerTLS(node.cert_pem, node.key_pem),
        settings)
    ep = endpoints.TCP4ServerEndpoint(reactor, 0, interface="127.0.0.1")
    port = yield ep.listen(factory)
    testcase.addCleanup(port.stopListening)
    return port.getHost().port


class ProxyTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):
        self.node = yield Node.setup(self)
        daemon = yield start_daemon(self, self.node)
        self.access_log = AccessLog(self.node.paths.proxy_access_log, reactor)
        self.addCleanup(self.access_log.close)
        self.port = yield start_proxy(self, self.node, daemon,
                                      access_log=self.access_log)

    def request(self, method, path, headers=None, body=None, port=None):
        return threads.deferToThread(https, port or self.port,
                                     self.node.ca_pem, method, path,
                                     headers, body)

    def auth(self, user, csrf=False, **kw):
        headers = {"Cookie": "%s=%s" % (COOKIE, urllib.parse.quote(
            self.node.ticket(user, **kw), safe=""))}
        if csrf:
            headers["CSRFPreventionToken"] = self.node.csrf(user)
        return headers

    def token(self, tokenid, secret):
        return {"Authorization": "PVEAPIToken=%s=%s" % (tokenid, secret)}

    # -- /version ---------------------------------------------------------

    @defer.inlineCallbacks
    def test_version_with_ticket(self):
        status, reason, headers, body = yield self.request(
            "GET", "/api2/json/version", self.auth("alice@pve"))
        self.assertEqual((status, reason), (200, "OK"))
        self.assertEqual(json.loads(body), {"data": {
            "version": "9.0.0", "release": "9.0", "repoid": "00000000"}})
        self.assertEqual(headers["content-type"],
                         "application/json;charset=UTF-8")
        self.assertEqual(headers["server"], "pve-api-daemon/3.0")

    @defer.inlineCallbacks
    def test_access_log(self):
        """A line a request in var/log/pveproxy/access.log, as Proxmox's:
        peer, user (the token for API tokens, - when unknown), time,
        request line, status, body length."""
        _, _, _, body = yield self.request(
            "GET", "/api2/json/version?_dc=1", self.auth("alice@pve"))
        yield self.request("GET", "/api2/json/version")
        yield self.request("GET", "/api2/json/version", self.token(
            "alice@pve!full", "22222222-2222-4222-8222-222222222222"))
        with open(self.node.paths.proxy_access_log) as f:
            lines = f.read().splitlines()
        self.assertEqual(len(lines), 3, lines)
        pattern = (r'^::ffff:127\.0\.0\.1 - %s \[\d\d/\d\d/\d{4}:'
                   r'\d\d:\d\d:\d\d [+-]\d{4}\] "%s" %s$')
        self.assertRegex(lines[0], pattern % (
            "alice@pve", r"GET /api2/json/version\?_dc=1 HTTP/1\.1",
            "200 %d" % len(body)))
        self.assertRegex(lines[1], pattern % (
            "-", "GET /api2/json/version HTTP/1\.1", "401 0"))
        self.assertRegex(lines[2], pattern % (
            "alice@pve!full", "GET /api2/json/version HTTP/1\.1",
            "200 %d" % len(body)))

    @defer.inlineCallbacks
    def test_real_ip_header(self):
        """PROXY_REAL_IP_HEADER: the access log names the client the header
        gives, if it is one address and the peer a trusted proxy."""
        trusting = yield start_proxy(
            self, self.node, access_log=self.access_log,
            settings_text="PROXY_REAL_IP_HEADER:X-Forwarded-For")
        doubting = yield start_proxy(
            self, self.node, access_log=self.access_log,
            settings_text="PROXY_REAL_IP_HEADER:X-Forwarded-For\n"
                          "PROXY_REAL_IP_ALLOW_FROM:10.0.0.0/8")
        for port, value in ((trusting, "192.0.2.7"), (trusting, "2001:db8::0:1"),
                            (trusting, "192.0.2.7, 10.1.1.1"),
                            (doubting, "192.0.2.8"), (self.port, "192.0.2.9")):
            yield self.request("GET", "/", {"X-Forwarded-For": value},
                               port=port)
        with open(self.node.paths.proxy_access_log) as f:
            clients = [line.split(" ", 1)[0] for line in f]
        self.assertEqual(clients, ["192.0.2.7", "2001:db8::1",
                                   "::ffff:127.0.0.1", "::ffff:127.0.0.1",
                                   "::ffff:127.0.0.1"])

    @defer.inlineCallbacks
    def test_ticket_in_authorization_header(self):
        headers = {"Authorization": "PVEAuthCookie=" +
                   self.node.ticket("root@pam")}
        status, _, _, body = yield self.request("GET", "/api2/json/version",
                                                headers)
        self.assertEqual(status, 200)

    @defer.inlineCallbacks
    def test_no_ticket(self):
        status, reason, _, body = yield self.request("GET",
                                                     "/api2/json/version")
        self.assertEqual((status, reason, body), (401, "No ticket", b""))

    @defer.inlineCallbacks
    def test_bad_tickets(self):
        from pve.access.tickets import new_rsa_key
        other = new_rsa_key(2048)
        cases = [
            self.auth("alice@pve", now=1000000000),             # expired
            self.auth("alice@pve", key=other),                  # wrong key
            {"Cookie": COOKIE + "=PVE:alice@pve:4EEC61E2::AAAA"},  # forged
        ]
        forged = self.node.ticket("alice@pve").replace("alice", "alicf")
        cases.append({"Cookie": COOKIE + "=" + forged})
        for headers in cases:
            status, reason, _, _ = yield self.request(
                "GET", "/api2/json/version", headers)
            self.assertEqual((status, reason),
                             (401, "permission denied - invalid PVE ticket"))

    @defer.inlineCallbacks
    def test_disabled_expired_unknown_user(self):
        for user, reason in [("carol@pve", "user 'carol@pve' is disabled"),
                             ("dave@pve", "user 'dave@pve' access expired"),
                             ("eve@pve", "no such user ('eve@pve')")]:
            status, got, _, _ = yield self.request(
                "GET", "/api2/json/version", self.auth(user))
            self.assertEqual((status, got), (401, reason))

    # -- CSRF -------------------------------------------------------------

    @defer.inlineCallbacks
    def test_post_without_csrf(self):
        status, reason, _, _ = yield self.request(
            "POST", "/api2/json/echo", self.auth("alice@pve"), b"count=1")
        self.assertEqual((status, reason),
                         (401, "Permission denied - invalid csrf token"))
        headers = self.auth("alice@pve")
        headers["CSRFPreventionToken"] = self.node.csrf("bob@pve")
        status, reason, _, _ = yield self.request(
            "POST", "/api2/json/echo", headers, b"count=1")
        self.assertEqual(status, 401)

    @defer.inlineCallbacks
    def test_post_form_and_json(self):
        headers = self.auth("alice@pve", csrf=True)
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        status, _, _, body = yield self.request(
            "POST", "/api2/json/echo?name=q", headers, b"count=3&name=b")
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["data"],
                         {"count": 3, "name": "q", "user": "alice@pve"})
        headers["Content-Type"] = "application/json"
        status, _, _, body = yield self.request(
            "POST", "/api2/json/echo", headers,
            json.dumps({"count": 5}).encode())
        self.assertEqual(json.loads(body)["data"],
                         {"count": 5, "user": "alice@pve"})

    # -- errors -----------------------------------------------------------

    @defer.inlineCallbacks
    def test_parameter_error(self):
        headers = self.auth("alice@pve", csrf=True)
        status, reason, _, body = yield self.request(
            "POST", "/api2/json/echo", headers, b"count=x&bogus=1")
        self.assertEqual((status, reason),
                         (400, "Parameter verification failed."))
        body = json.loads(body)
        self.assertIsNone(body["data"])
        self.assertEqual(set(body["errors"]), {"count", "bogus"})

    @defer.inlineCallbacks
    def test_unknown_path(self):
        status, reason, _, body = yield self.request(
            "GET", "/api2/json/nope", self.auth("alice@pve"))
        self.assertEqual((status, reason),
                         (501, "Method 'GET /nope' not implemented"))
        self.assertIsNone(json.loads(body)["data"])
        status, reason, _, _ = yield self.request(
            "GET", "/api2/png/version", self.auth("alice@pve"))
        self.assertEqual((status, reason),
                         (501, "no formatter for uri /version, png"))

    @defer.inlineCallbacks
    def test_oversized_body(self):
        headers = self.auth("alice@pve", csrf=True)
        status, reason, _, _ = yield self.request(
            "POST", "/api2/json/echo", headers,
            b"name=" + b"x" * (server.MAX_POST + 1))
        self.assertEqual((status, reason), (501, "for data too large"))

    @defer.inlineCallbacks
    def test_content_on_get(self):
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/version", self.auth("alice@pve"), b"a=1")
        self.assertEqual((status, reason),
                         (501, "Unexpected content for method 'GET'"))

    # -- permissions ------------------------------------------------------

    @defer.inlineCallbacks
    def test_acl_denied(self):
        headers = self.auth("alice@pve", csrf=True)
        status, reason, _, body = yield self.request(
            "POST", "/api2/json/nodes/node1/secret", headers, b"value=1")
        self.assertEqual((status, reason), (
            403, "Permission check failed (/nodes/node1, Sys.Modify)"))
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/rootonly", self.auth("alice@pve"))
        self.assertEqual((status, reason),
                         (403, "Permission check failed (user != root@pam)"))

    @defer.inlineCallbacks
    def test_protected_call_runs_in_daemon(self):
        status, _, _, body = yield self.request(
            "GET", "/api2/json/nodes/node1/secret", self.auth("bob@pve"))
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["data"],
                         {"ran": "daemon", "user": "bob@pve",
                          "tokenid": None})
        headers = self.auth("root@pam", csrf=True)
        status, _, _, body = yield self.request(
            "POST", "/api2/json/nodes/node1/secret", headers, b"value=7")
        self.assertEqual(json.loads(body)["data"],
                         {"ran": "daemon", "value": 7})
        status, reason, _, body = yield self.request(
            "POST", "/api2/json/nodes/node1/secret", headers, b"value=-1")
        self.assertEqual(status, 400)
        self.assertIn("value", json.loads(body)["errors"])

    # -- caches and the pvedaemon link -------------------------------------

    @defer.inlineCallbacks
    def test_user_change_by_another_client_seen_next_request(self):
        status, _, _, _ = yield self.request(
            "GET", "/api2/json/version", self.auth("alice@pve"))
        self.assertEqual(status, 200)
        # pveum (or another node) disables alice: the next request knows
        yield self.node.client.write("user.cfg", USER_CFG.replace(
            b"user:alice@pve:1:", b"user:alice@pve:0:"))
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/version", self.auth("alice@pve"))
        self.assertEqual((status, reason),
                         (401, "user 'alice@pve' is disabled"))
        # and a new ACL is used by both daemons at once
        status, _, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node1/secret", self.auth("bob@pve"))
        self.assertEqual(status, 200)
        yield self.node.client.write("user.cfg", USER_CFG.replace(
            b"acl:1:/nodes:bob@pve:PVEAuditor:", b""))
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node1/secret", self.auth("bob@pve"))
        self.assertEqual((status, reason), (
            403, "Permission check failed (/nodes/node1, Sys.Audit)"))

    @defer.inlineCallbacks
    def test_deleted_token_secret_not_accepted(self):
        headers = self.token("alice@pve!full",
                             "22222222-2222-4222-8222-222222222222")
        for _ in range(2):
            status, _, _, _ = yield self.request(
                "GET", "/api2/json/version", headers)
            self.assertEqual(status, 200)
        yield self.node.client.write("priv/token.cfg", TOKEN_CFG.replace(
            b"alice@pve!full 22222222-2222-4222-8222-222222222222\n", b""))
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/version", headers)
        self.assertEqual((status, reason), (401, "invalid token value!"))

    @defer.inlineCallbacks
    def test_new_auth_key_used_next_request(self):
        from pve.access import tickets
        from tests.proxy.node import keygen
        status, _, _, _ = yield self.request(
            "GET", "/api2/json/version", self.auth("alice@pve"))
        self.assertEqual(status, 200)
        new = keygen(2048)
        while new.private_numbers() == self.node.keys.private \
                .private_numbers():
            new = keygen(2048)
        for path, data in tickets.rotation_files(new, None):
            yield self.node.client.write(path, data)
        status, _, _, _ = yield self.request(
            "GET", "/api2/json/version", self.auth("alice@pve", key=new))
        self.assertEqual(status, 200)
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/version", self.auth("alice@pve"))
        self.assertEqual((status, reason),
                         (401, "permission denied - invalid PVE ticket"))

    @defer.inlineCallbacks
    def test_pvedaemon_restart(self):
        node = yield Node.setup(self)
        stoppers = []
        daemon = yield start_daemon(self, node, stoppers=stoppers)
        port_number = int(daemon.rsplit(":", 1)[1])
        proxy = yield start_proxy(self, node, daemon)
        self.node = node
        get = ("GET", "/api2/json/nodes/node1/secret", self.auth("bob@pve"))
        post = ("POST", "/api2/json/nodes/node1/secret",
                self.auth("root@pam", csrf=True), b"value=3")
        status, _, _, _ = yield self.request(*get, port=proxy)
        self.assertEqual(status, 200)
        yield stoppers.pop()()
        status, reason, _, _ = yield self.request(*post, port=proxy)
        self.assertEqual(status, 500)
        self.assertTrue(reason.startswith("unable to connect to pvedaemon"),
                        reason)
        yield start_daemon(self, node, port_number, stoppers)
        for method, path, headers, *body in (post, get, post):
            status, _, _, body = yield self.request(method, path, headers,
                                                    *body, port=proxy)
            self.assertEqual(status, 200)
        # one connection carries the calls
        status, _, _, _ = yield self.request(*post, port=proxy)
        self.assertEqual(status, 200)

    @defer.inlineCallbacks
    def test_one_daemon_connection(self):
        node = yield Node.setup(self)
        factories = []
        daemon = yield start_daemon(self, node, factories=factories)
        proxy = yield start_proxy(self, node, daemon)
        self.node = node
        for _ in range(3):
            status, _, _, _ = yield self.request(
                "GET", "/api2/json/nodes/node1/secret", self.auth("bob@pve"),
                port=proxy)
            self.assertEqual(status, 200)
            self.assertEqual(len(factories[0].connections), 1)

    # -- API tokens -------------------------------------------------------

    @defer.inlineCallbacks
    def test_token_without_privsep(self):
        headers = self.token("alice@pve!full",
                             "22222222-2222-4222-8222-222222222222")
        status, _, _, body = yield self.request(
            "GET", "/api2/json/nodes/node1/secret", headers)
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["data"],
                         {"ran": "daemon", "user": "alice@pve",
                          "tokenid": "alice@pve!full"})
        # no CSRF token needed with API tokens
        status, _, _, body = yield self.request(
            "POST", "/api2/json/echo", headers, b"count=2")
        self.assertEqual(status, 200)

    @defer.inlineCallbacks
    def test_token_with_privsep(self):
        headers = self.token("alice@pve!sep",
                             "11111111-1111-4111-8111-111111111111")
        status, _, _, _ = yield self.request("GET", "/api2/json/version",
                                             headers)
        self.assertEqual(status, 200)
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/nodes/node1/secret", headers)
        self.assertEqual((status, reason), (
            403, "Permission check failed (/nodes/node1, Sys.Audit)"))
        status, reason, _, _ = yield self.request(
            "GET", "/api2/json/notoken", headers)
        self.assertEqual((status, reason), (
            403, "Permission check failed (URI '/notoken' not available "
                 "with API token, need proper ticket."))

    @defer.inlineCallbacks
    def test_bad_tokens(self):
        cases = [
            (self.token("alice@pve!sep", "wrong"), "invalid token value!"),
            (self.token("alice@pve!none", "x"),
             "no such token 'none' for user 'alice@pve'"),
            (self.token("alice@pve!old",
                        "33333333-3333-4333-8333-333333333333"),
             "token 'old' access expired"),
            (self.token("carol@pve!xy", "x"), "user 'carol@pve' is disabled"),
            ({"Authorization": "PVEAPIToken=nonsense"}, "no tokenid specified"),
        ]
        for headers, reason in cases:
            status, got, _, _ = yield self.request(
                "GET", "/api2/json/version", headers)
            self.assertEqual((status, got), (401, reason))

    # -- formats ----------------------------------------------------------

    @defer.inlineCallbacks
    def test_extjs(self):
        status, _, _, body = yield self.request(
            "GET", "/api2/extjs/version", self.auth("alice@pve"))
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["success"], 1)
        status, _, _, body = yield self.request(
            "GET", "/api2/extjs/rootonly", self.auth("alice@pve"))
        self.assertEqual(status, 200)
        body = json.loads(body)
        self.assertEqual((body["success"], body["status"]), (0, 403))

    @defer.inlineCallbacks
    def test_html(self):
        status, _, headers, body = yield self.request(
            "GET", "/api2/html/list", self.auth("alice@pve"))
        self.assertEqual(status, 200)
        self.assertTrue(headers["content-type"].startswith("text/html"))
        self.assertIn(b'href="/api2/html/list/a"', body)
        status, reason, _, body = yield self.request(
            "GET", "/api2/html/list")
        self.assertEqual((status, reason), (401, "Login Required"))
        # a person gets a login form that asks for a ticket
        self.assertIn(b'<form id="login">', body)
        self.assertIn(b"/api2/extjs/access/ticket", body)

    @defer.inlineCallbacks
    def test_spiceconfig(self):
        status, _, headers, body = yield self.request(
            "GET", "/api2/spiceconfig/version", self.auth("alice@pve"))
        self.assertEqual(status, 200)
        self.assertEqual(headers["content-type"],
                         "application/x-virt-viewer;charset=UTF-8")
        self.assertEqual(body.decode().splitlines()[:2],
                         ["[virt-viewer]", "version=9.0.0"])

    # -- pages ------------------------------------------------------------

    @defer.inlineCallbacks
    def test_pages(self):
        status, _, _, body = yield self.request("GET", "/")
        self.assertEqual(status, 200)
        status, _, headers, body = yield self.request(
            "GET", "/pve-docs/api-viewer/apidata.js")
        self.assertEqual(status, 200)
        self.assertTrue(body.startswith(b"const apiSchema = ["))
        self.assertIn(b'"/version"', body)
        status, _, _, body = yield self.request(
            "GET", "/pve-docs/api-viewer/index.html")
        self.assertIn(b"apidata.js", body)

    @defer.inlineCallbacks
    def test_compression(self):
        """Past 1 KiB, bodies are gzip'd (or zlib'd) for clients that
        accept it, as Proxmox's COMPRESSION does by default."""
        path = "/pve-docs/api-viewer/apidata.js"
        _, _, headers, plain = yield self.request("GET", path)
        self.assertNotIn("content-encoding", headers)
        _, _, headers, body = yield self.request(
            "GET", path, {"Accept-Encoding": "gzip, deflate"})
        self.assertEqual(headers["content-encoding"], "gzip")
        self.assertEqual(int(headers["content-length"]), len(body))
        self.assertLess(len(body), len(plain))
        self.assertEqual(gzip.decompress(body), plain)
        _, _, headers, body = yield self.request(
            "GET", path, {"Accept-Encoding": "deflate"})
        self.assertEqual(headers["content-encoding"], "deflate")
        self.assertEqual(zlib.decompress(body), plain)
        # small bodies as they are
        headers = self.auth("alice@pve")
        headers["Accept-Encoding"] = "gzip"
        _, _, headers, body = yield self.request(
            "GET", "/api2/json/version", headers)
        self.assertNotIn("content-encoding", headers)
        self.assertIn(b'"version"', body)

    @defer.inlineCallbacks
    def test_compression_off(self):
        port = yield start_proxy(self, self.node, settings_text="COMPRESSION:0")
        _, _, headers, body = yield self.request(
            "GET", "/pve-docs/api-viewer/apidata.js",
            {"Accept-Encoding": "gzip"}, port=port)
        self.assertNotIn("content-encoding", headers)
        self.assertTrue(body.startswith(b"const apiSchema = ["))


class AuthDelayTests(unittest.TestCase):
    """A failed login is answered after the delay, on the injected clock,
    and logged with the client's address."""

    timeout = 60

    @defer.inlineCallbacks
    def test_delay(self):
        node = yield Node.setup(self)
        clock = task.Clock()
        port = yield start_proxy(self, node, clock=clock, auth_delay=3)
        logged = defer.Deferred()

        def observer(event):
            if event.get("auth_failure") and not logged.called:
                reactor.callFromThread(logged.callback, event)
        globalLogPublisher.addObserver(observer)
        self.addCleanup(globalLogPublisher.removeObserver, observer)
        answer = threads.deferToThread(https, port, node.ca_pem, "GET",
                                       "/api2/json/version")
        event = yield logged
        self.assertEqual(event["rhost"], "127.0.0.1")
        self.assertFalse(answer.called)
        clock.advance(2.9)
        self.assertFalse(answer.called)
        clock.advance(0.1)
        status, reason, _, _ = yield answer
        self.assertEqual((status, reason), (401, "No ticket"))


PRIV_PROBE = """
import sys
from twisted.internet import defer, task
from pve.cluster.client import IPCClient

@defer.inlineCallbacks
def main(reactor, description):
    client = yield IPCClient.connect(reactor, description)
    yield client.read("authkey.pub")
    try:
        yield client.read("priv/authkey.key")
        print("READ-PRIV")
    except OSError as e:
        print("EACCES" if e.errno == 13 else "ERR %s" % e)
    yield client.close()

task.react(main, sys.argv[1:])
"""


class ProcessTests(unittest.TestCase):
    """``twistd -n pveproxy`` as a process: binds as root, runs as
    www-data, reads pmxcfs over IPC, forwards to pvedaemon."""

    timeout = 120

    @defer.inlineCallbacks
    def start(self, config_text):
        from tests.proxy.spawn import free_port, spawn_twistd
        import os
        self.node = yield Node.setup(self)
        daemon = yield start_daemon(self, self.node)
        os.makedirs(self.node.paths.join("etc/default"), exist_ok=True)
        with open(self.node.paths.join("etc/default/pveproxy"), "w") as f:
            f.write(config_text)
        self.port = free_port()
        self.proc = spawn_twistd(self, self.node.paths, "pveproxy", [
            "--listen", "tcp:%d:interface=127.0.0.1" % self.port,
            "--daemon", daemon, "--pmxcfs", self.node.ipc,
            "--nodename", NODE, "--auth-delay", "0"])

    @defer.inlineCallbacks
    def test_runs_as_www_data(self):
        import pwd
        from tests.polling import poll
        yield self.start("DENY_FROM=127.0.0.2\nPOLICY=allow\n")
        yield poll(lambda: b"pveproxy ready" in self.proc.output()
                   or self.proc.ended.called, "pveproxy to start",
                   attempts=600)
        self.assertFalse(self.proc.ended.called, self.proc.output())
        www = pwd.getpwnam("www-data")
        with open("/proc/%d/status" % self.proc.pid) as f:
            status = dict(line.split(":", 1) for line in f)
        self.assertEqual(status["Uid"].split(), [str(www.pw_uid)] * 4)
        self.assertEqual(status["Gid"].split(), [str(www.pw_gid)] * 4)

        ticket = urllib.parse.quote(self.node.ticket("alice@pve"), safe="")
        status, _, _, body = yield threads.deferToThread(
            https, self.port, self.node.ca_pem, "GET", "/api2/json/version",
            {"Cookie": COOKIE + "=" + ticket})
        self.assertEqual(status, 200, body)
        self.assertIn("version", json.loads(body)["data"])
        # the token secret (priv/token.cfg) is checked by pvedaemon
        for secret, code in [("11111111-1111-4111-8111-111111111111", 200),
                             ("wrong", 401)]:
            status, _, _, _ = yield threads.deferToThread(
                https, self.port, self.node.ca_pem, "GET",
                "/api2/json/version",
                {"Authorization": "PVEAPIToken=alice@pve!sep=" + secret})
            self.assertEqual(status, code)
        reply = yield threads.deferToThread(
            raw, self.port, b"GET /x HTTP/1.1\r\nHost: node1:8006\r\n\r\n")
        self.assertTrue(reply.startswith(b"HTTP/1.1 301 Moved Permanently"))
        self.assertIn(b"Location: https://node1:8006/x", reply)
        reply = yield threads.deferToThread(
            raw, self.port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n",
            "127.0.0.2")
        self.assertEqual(reply, b"")

    @defer.inlineCallbacks
    def test_www_data_cannot_read_priv(self):
        from tests.proxy.node import Node as _Node
        from tests.proxy.spawn import Collect, SOURCE
        import pwd
        import sys
        node = yield _Node.setup(self)
        www = pwd.getpwnam("www-data")
        proto = Collect()
        reactor.spawnProcess(
            proto, sys.executable, [sys.executable, "-c", PRIV_PROBE,
                                    node.ipc],
            env={"PYTHONPATH": SOURCE, "PVE_ROOT": node.paths.root},
            path=node.paths.root, uid=www.pw_uid, gid=www.pw_gid)
        code = yield proto.ended
        self.assertEqual((code, proto.output().strip()), (0, b"EACCES"),
                         proto.output())

    @defer.inlineCallbacks
    def test_invalid_setting_stops_start(self):
        yield self.start("POLICY=sometimes\n")
        code = yield self.proc.ended
        self.assertNotEqual(code, 0)
        self.assertIn(b"POLICY: unknown policy 'sometimes'",
                      self.proc.output())
