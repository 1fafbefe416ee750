"""A node for the API server tests: pmxcfs (in process, with its IPC
socket) under a temporary root, certificates and auth keys as ``pvecm
updatecerts`` makes them, users and tokens, and a small API registry."""

import http.client
import ssl
import time

from cryptography.hazmat.primitives.asymmetric import rsa
from twisted.internet import defer, reactor

from pve.access import certs, csrf, tickets
from pve.api.declare import Endpoint, Registry
from pve.cluster import treeversion
from pve.cluster.client import DirectClient
from tests.cluster.test_client import make_root, open_cfs, start_ipc

NODE = "node1"
_KEYS = []


def keygen(bits):
    """2048-bit keys from a small pool, so tests do not wait for RSA 4096."""
    if len(_KEYS) < 4:
        _KEYS.append(rsa.generate_private_key(public_exponent=65537,
                                              key_size=2048))
        return _KEYS[-1]
    keygen.n = (getattr(keygen, "n", 0) + 1) % len(_KEYS)
    return _KEYS[keygen.n]


USER_CFG = b"""\
user:root@pam:1:0:::::
user:alice@pve:1:0:::::
user:bob@pve:1:0:::::
user:carol@pve:0:0:::::
user:dave@pve:1:1000:::::
token:alice@pve!sep:0:1::
token:alice@pve!full:0:0::
token:alice@pve!old:1000:0::
acl:1:/:alice@pve:PVEAuditor:
acl:1:/:alice@pve!sep:NoAccess:
acl:1:/nodes:bob@pve:PVEAuditor:
"""

TOKEN_CFG = b"""\
alice@pve!sep 11111111-1111-4111-8111-111111111111
alice@pve!full 22222222-2222-4222-8222-222222222222
alice@pve!old 33333333-3333-4333-8333-333333333333
"""


def make_registry(tag):
    """/version, a protected call, a parameter check, a root-only call,
    one without tokens; *tag* tells which process ran the handler."""
    reg = Registry()
    reg.add(Endpoint("/version", "GET", name="version",
                     permissions={"user": "all"},
                     returns={"type": "object"},
                     handler=lambda env, p: {"version": "9.0.0",
                                             "release": "9.0",
                                             "repoid": "00000000"}))
    node_param = {"type": "string", "format": "pve-node"}
    reg.add(Endpoint(
        "/nodes/{node}/secret", "GET", name="secret", protected=1,
        proxyto="node",
        permissions={"check": ["perm", "/nodes/{node}", ["Sys.Audit"]]},
        parameters={"additionalProperties": 0,
                    "properties": {"node": node_param}},
        returns={"type": "object"},
        handler=lambda env, p: {"ran": tag, "user": env.user,
                                "tokenid": env.tokenid}))
    reg.add(Endpoint(
        "/nodes/{node}/secret", "POST", name="set_secret", protected=1,
        proxyto="node",
        permissions={"check": ["perm", "/nodes/{node}", ["Sys.Modify"]]},
        parameters={"additionalProperties": 0,
                    "properties": {"node": node_param,
                                   "value": {"type": "integer",
                                             "minimum": 0}}},
        returns={"type": "object"},
        handler=lambda env, p: {"ran": tag, "value": p.get("value")}))
    reg.add(Endpoint(
        "/echo", "POST", name="echo", permissions={"user": "all"},
        parameters={"additionalProperties": 0,
                    "properties": {"count": {"type": "integer"},
                                   "name": {"type": "string",
                                            "optional": 1}}},
        returns={"type": "object"},
        handler=lambda env, p: dict(p, user=env.user)))
    reg.add(Endpoint("/rootonly", "GET", name="rootonly",
                     returns={"type": "null"},
                     handler=lambda env, p: None))
    reg.add(Endpoint("/notoken", "GET", name="notoken", allowtoken=0,
                     permissions={"user": "all"}, returns={"type": "null"},
                     handler=lambda env, p: None))
    reg.add(Endpoint("/list", "GET", name="list",
                     permissions={"user": "all"},
                     returns={"type": "array",
                              "links": [{"rel": "child", "href": "{id}"}]},
                     handler=lambda env, p: [{"id": "a"}, {"id": "b"}]))
    return reg


class Node:
    """The node's state; :meth:`setup` fires with it."""

    @classmethod
    @defer.inlineCallbacks
    def setup(cls, testcase):
        self = cls()
        self.paths = make_root(testcase)
        self.cfs = open_cfs(testcase, self.paths, reactor)
        _service, self.ipc = start_ipc(testcase, self.cfs, self.paths, reactor)
        # shared with the daemons' caches, as pmxcfs does
        testcase.addCleanup(treeversion.publish(self.cfs,
                                                self.paths.pmxcfs_version))
        self.client = DirectClient(self.cfs, reactor)
        now = reactor.seconds()
        yield certs.update_node_files(self.client, NODE, ["127.0.0.1"], now,
                                      keygen=keygen)
        yield self.client.write("user.cfg", USER_CFG)
        yield self.client.write("priv/token.cfg", TOKEN_CFG)
        self.keys = yield tickets.ensure_authkey(self.client, reactor,
                                                 keygen=keygen)
        self.www_key = yield self.client.read(csrf.WWW_KEY)
        self.ca_pem = yield self.client.read(certs.CA_CERT)
        self.cert_pem = yield self.client.read(certs.node_cert_path(NODE))
        self.key_pem = yield self.client.read(certs.node_key_path(NODE))
        return self

    def ticket(self, user, now=None, key=None):
        now = time.time() if now is None else now
        return tickets.assemble_ticket(key or self.keys.private, user, now)

    def csrf(self, user, now=None):
        now = time.time() if now is None else now
        return csrf.assemble_csrf_token(csrf.csrf_secret(self.www_key), user,
                                        now)

    def ssl_context(self):
        ctx = ssl.create_default_context(cadata=self.ca_pem.decode())
        return ctx


def https(port, ca_pem, method, path, headers=None, body=None, host=None):
    """One HTTPS request (blocking; run it in a thread):
    ``(status, reason, headers dict, body bytes)``."""
    ctx = ssl.create_default_context(cadata=ca_pem.decode())
    conn = http.client.HTTPSConnection(host or "127.0.0.1", port,
                                       context=ctx, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        data = resp.read()
        return (resp.status, resp.reason,
                {k.lower(): v for k, v in resp.getheaders()}, data)
    finally:
        conn.close()
