"""Adding a node on a cluster member (``POST /cluster/config/nodes/{node}``),
the join information and the join API version: a node with a cluster made
by the real ``clustercreate`` task (a process reaching pmxcfs over IPC)."""

import hashlib
import os

from cryptography import x509
from cryptography.hazmat.primitives.serialization import (
    Encoding, PublicFormat, load_pem_private_key)
from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.access import certs
from pve.api.schema import APIError
from pve.api.nodes import fingerprint
from pve.cluster import corosync, join
from pve.daemon import workers
from tests.access.test_certs import sans, verify_chain
from tests.api.endpoints_env import Node
from tests.cluster.test_client import start_ipc
from tests.proxy.node import keygen

IP = "192.0.2.10"
ADD = "/cluster/config/nodes/%s"


class AddNodeTests(unittest.TestCase):
    timeout = 120

    @defer.inlineCallbacks
    def setUp(self):
        self.node = Node(self)
        start_ipc(self, self.node.cfs, self.node.paths, self.node.clock)
        yield certs.update_node_files(self.node.client, "node1", [IP],
                                      self.node.clock.seconds(),
                                      keygen=keygen)

    def env(self):
        env = self.node.env("root@pam")
        env.reactor = reactor  # the create task is a real process
        env.resolve = lambda name: IP
        env.keygen = keygen
        return env

    def call(self, method, path, params=None):
        return self.node.registry.dispatch(method, path, params or {},
                                           self.env())

    def add(self, name, **params):
        params["node"] = name
        return self.call("POST", ADD % name, params)

    @defer.inlineCallbacks
    def create(self, **params):
        params.setdefault("clustername", "lab")
        upid = yield self.call("POST", "/cluster/config", params)
        status = yield workers.worker_ended(upid)
        self.assertEqual(status, "OK")
        return self.node.cfs.read("corosync.conf")

    def conf(self):
        return corosync.parse(self.node.cfs.read("corosync.conf"))

    def exists(self, path):
        try:
            self.node.cfs.stat(path)
        except OSError:
            return False
        return True

    @defer.inlineCallbacks
    def refused(self, d, message, code=500):
        """*d* fails with Proxmox's *message*; nothing changed."""
        before = self.node.cfs.read("corosync.conf")
        e = yield self.assertFailure(d, APIError)
        self.assertEqual((e.code, e.message), (code, message))
        self.assertEqual(self.node.cfs.read("corosync.conf"), before)
        return e

    @defer.inlineCallbacks
    def test_add(self):
        yield self.create()
        with open(self.node.paths.corosync_authkey, "rb") as f:
            authkey = f.read()
        res = yield self.add("node2", new_node_ip="192.0.2.11", apiversion=1)
        self.assertEqual(sorted(res), [
            "corosync_authkey", "corosync_conf", "pve_root_ca_pem",
            "pve_ssl_key", "pve_ssl_pem", "warnings"])
        self.assertEqual(res["warnings"], [])
        self.assertEqual(join.decode_authkey(res["corosync_authkey"]), authkey)

        # corosync.conf: the next nodeid, one vote, version + 1; written
        # through a .new file; the node's own copy follows
        data = self.node.cfs.read("corosync.conf")
        self.assertEqual(res["corosync_conf"], data.decode())
        conf = corosync.parse(data)
        self.assertEqual(corosync.config_version(conf), 2)
        self.assertEqual(corosync.nodes(conf), [
            corosync.Node("node1", 1, 1, {0: IP}),
            corosync.Node("node2", 2, 1, {0: "192.0.2.11"})])
        self.assertNotIn("corosync.conf.new", self.node.cfs.listdir(""))
        with open(self.node.paths.corosync_conf, "rb") as f:
            self.assertEqual(f.read(), data)

        # the node's directories and its key and certificate of the CA
        for sub in ("qemu-server", "lxc", "openvz", "priv"):
            self.assertTrue(self.exists("nodes/node2/" + sub), sub)
        ca_pem = self.node.cfs.read("pve-root-ca.pem")
        self.assertEqual(res["pve_root_ca_pem"].encode(), ca_pem)
        key_pem = self.node.cfs.read("nodes/node2/pve-ssl.key")
        cert_pem = self.node.cfs.read("nodes/node2/pve-ssl.pem")
        self.assertEqual((res["pve_ssl_key"].encode(),
                          res["pve_ssl_pem"].encode()), (key_pem, cert_pem))
        verify_chain(self, ca_pem, cert_pem, reactor.seconds())
        cert = x509.load_pem_x509_certificate(cert_pem)
        self.assertEqual(sans(cert), (["127.0.0.1", "::1", "192.0.2.11"],
                                      ["localhost", "node2"]))
        key = load_pem_private_key(key_pem, None)
        spki = (Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
        self.assertEqual(key.public_key().public_bytes(*spki),
                         cert.public_key().public_bytes(*spki))
        self.assertEqual(self.node.cfs.read(certs.CA_SERIAL), b"02\n")
        # node1's own files are kept
        self.assertTrue(self.exists("nodes/node1/pve-ssl.pem"))
        log = yield self.node.client.get_log()
        self.assertIn("adding node node2 to cluster",
                      [entry["msg"] for entry in log])
        self.assertFalse(self.node.cfs.listdir("priv/lock"))

        # a third node by its link; the next free nodeid
        res = yield self.add("node3", link0="192.0.2.12")
        conf = self.conf()
        self.assertEqual(corosync.config_version(conf), 3)
        self.assertEqual(corosync.nodes(conf)[2],
                         corosync.Node("node3", 3, 1, {0: "192.0.2.12"}))
        self.assertEqual(self.node.cfs.read(certs.CA_SERIAL), b"03\n")

    @defer.inlineCallbacks
    def test_nodeid_votes_and_force(self):
        yield self.create()
        yield self.add("node2", new_node_ip="192.0.2.11", nodeid=7, votes=2,
                       apiversion=1)
        self.assertEqual(corosync.nodes(self.conf())[1],
                         corosync.Node("node2", 7, 2, {0: "192.0.2.11"}))
        first = self.node.cfs.read("nodes/node2/pve-ssl.pem")
        # force: the same node again (same nodeid and votes) is rewritten
        # with a new certificate
        res = yield self.add("node2", new_node_ip="192.0.2.11", force=1,
                             apiversion=1)
        conf = self.conf()
        self.assertEqual((corosync.config_version(conf),
                          corosync.nodes(conf)[1]),
                         (3, corosync.Node("node2", 7, 2,
                                           {0: "192.0.2.11"})))
        self.assertNotEqual(res["pve_ssl_pem"].encode(), first)

    @defer.inlineCallbacks
    def test_refused(self):
        yield self.create()
        yield self.add("node2", new_node_ip="192.0.2.11", apiversion=1)
        serial = self.node.cfs.read(certs.CA_SERIAL)
        for name, params, message in (
                ("node1", {"new_node_ip": "192.0.2.13"},
                 "can't add existing node 'node1'\n"),
                ("node2", {"new_node_ip": "192.0.2.11"},
                 "can't add existing node 'node2'\n"),
                ("node2", {"new_node_ip": "192.0.2.11", "force": 1,
                           "votes": 3},
                 "can't add existing node 'node2'\n"),
                ("node3", {"new_node_ip": "192.0.2.13", "nodeid": 2},
                 "corosync: nodeid 2 already used by node 'node2'\n"),
                ("node3", {"new_node_ip": IP},
                 "corosync: address '192.0.2.10' already used on link"
                 " ring0_addr by node 'node1'\n"),
                ("node3", {"link0": "192.0.2.11"},
                 "corosync: address '192.0.2.11' already used on link"
                 " ring0_addr by node 'node2'\n"),
                ("node3", {"link1": "192.0.2.13"},
                 "corosync: link 0 exists in cluster config but wasn't"
                 " specified for new node\n"),
                ("node3", {},
                 "no links and no fallback ip (new_node_ip) given, cannot"
                 " join cluster\n")):
            params = dict(params, apiversion=1)
            yield self.refused(self.add(name, **params), message)
        # nothing of a refused node was made
        self.assertFalse(self.exists("nodes/node3"))
        self.assertEqual(self.node.cfs.read(certs.CA_SERIAL), serial)
        self.assertFalse(self.node.cfs.listdir("priv/lock"))

    @defer.inlineCallbacks
    def test_legacy_link0(self):
        """A node of join API 0 sends its address as link0."""
        yield self.create()
        yield self.add("node2", link0="192.0.2.11")
        self.assertEqual(corosync.nodes(self.conf())[1],
                         corosync.Node("node2", 2, 1, {0: "192.0.2.11"}))

    @defer.inlineCallbacks
    def test_no_cluster(self):
        """Proxmox reads a missing corosync.conf as an empty config, which
        fails verify_conf."""
        e = yield self.assertFailure(
            self.add("node2", new_node_ip="192.0.2.11", apiversion=1),
            APIError)
        self.assertEqual((e.code, e.message, e.errors),
                         (500, "invalid corosync.conf\n",
                          {"error0": "no nodes found"}))
        self.assertRaises(OSError, self.node.cfs.read, "corosync.conf")
        self.assertFalse(self.exists("nodes/node2"))

    @defer.inlineCallbacks
    def test_no_quorum(self):
        yield self.create()
        members = (b'{"nodename": "node1", "version": 3, "cluster": '
                   b'{"name": "lab", "quorate": 0}}')
        self.patch(self.node.client, "read", _members_read(
            self.node.client.read, members))
        yield self.refused(
            self.add("node2", new_node_ip="192.0.2.11", apiversion=1),
            "cluster not ready - no quorum?\n")

    @defer.inlineCallbacks
    def test_no_authkey(self):
        yield self.create()
        os.unlink(self.node.paths.corosync_authkey)
        yield self.refused(
            self.add("node2", new_node_ip="192.0.2.11", apiversion=1),
            "can't open '/etc/corosync/authkey' - No such file or"
            " directory\n")
        self.assertFalse(self.exists("nodes/node2"))

    @defer.inlineCallbacks
    def test_no_ca(self):
        yield self.create()
        self.node.cfs.delete(certs.CA_KEY)
        yield self.refused(
            self.add("node2", new_node_ip="192.0.2.11", apiversion=1),
            "unable to create the certificate of node 'node2' -"
            " /etc/pve/priv/pve-root-ca.key: No such file or directory\n")
        self.assertFalse(self.exists("nodes/node2"))

    def test_declaration(self):
        """Root only (no permissions declared), run by pvedaemon."""
        route = self.node.registry.resolve("POST", ADD % "node2")
        endpoint = route.endpoint
        self.assertFalse(endpoint.permissions)
        self.assertEqual(endpoint.protected, 1)
        self.assertIn("link7", endpoint.parameters["properties"])

    @defer.inlineCallbacks
    def test_join_info(self):
        e = yield self.assertFailure(self.call("GET", "/cluster/config/join"),
                                     APIError)
        self.assertEqual((e.code, e.message), (
            424, "node is not in a cluster, no join info available!"))
        yield self.create()
        yield self.add("node2", new_node_ip="192.0.2.11", apiversion=1)
        info = yield self.call("GET", "/cluster/config/join")
        raw = self.node.cfs.read("corosync.conf")
        fp = {n: fingerprint(self.node.cfs.read("nodes/%s/pve-ssl.pem" % n))
              for n in ("node1", "node2")}
        self.assertEqual(info, {
            "nodelist": [
                {"name": "node1", "nodeid": "1", "quorum_votes": "1",
                 "ring0_addr": IP, "pve_addr": IP, "pve_fp": fp["node1"]},
                {"name": "node2", "nodeid": "2", "quorum_votes": "1",
                 "ring0_addr": "192.0.2.11", "pve_addr": "192.0.2.11",
                 "pve_fp": fp["node2"]}],
            "preferred_node": "node1",
            "totem": {"cluster_name": "lab", "config_version": "2",
                      "interface": {"0": {"linknumber": "0"}},
                      "ip_version": "ipv4-6", "link_mode": "passive",
                      "secauth": "on", "token_coefficient": "125",
                      "version": "2"},
            "config_digest": hashlib.sha1(raw).hexdigest()})
        info = yield self.call("GET", "/cluster/config/join",
                               {"node": "node2"})
        self.assertEqual(info["preferred_node"], "node2")
        e = yield self.assertFailure(
            self.call("GET", "/cluster/config/join", {"node": "node9"}),
            APIError)
        self.assertEqual((e.code, e.message), (500, "unknown node 'node9'\n"))

    @defer.inlineCallbacks
    def test_apiversion_and_index(self):
        version = yield self.call("GET", "/cluster/config/apiversion")
        self.assertEqual(version, 1)
        index = yield self.call("GET", "/cluster/config")
        self.assertEqual(index, [{"name": "nodes"}, {"name": "totem"},
                                 {"name": "join"}, {"name": "apiversion"}])


class HelperTests(unittest.TestCase):
    def test_authkey_encoding(self):
        """One code point a byte, as Perl's JSON writes a byte string."""
        key = bytes(range(256))
        text = join.encode_authkey(key)
        self.assertEqual(len(text), 256)
        self.assertEqual(join.decode_authkey(text), key)

    def test_version_checks(self):
        self.assertIsNone(join.node_can_join_error(0))
        self.assertIsNone(join.node_can_join_error(1))
        self.assertEqual(join.node_can_join_error(-1), (
            "error: unsupported old API version on joining node (-1), cluster"
            " node has 1 and supports >= 0. Please upgrade node before"
            " joining\n"))
        join.assert_we_can_join_cluster_version(0)
        self.assertRaises(join.JoinError,
                          join.assert_we_can_join_cluster_version, -1)

    def test_join_request(self):
        self.assertEqual(join.join_request({}, local_ip="192.0.2.5",
                                           apiversion=1),
                         {"new_node_ip": "192.0.2.5", "apiversion": 1})
        self.assertEqual(join.join_request({}, local_ip="192.0.2.5"),
                         {"link0": "192.0.2.5"})
        self.assertEqual(join.join_request(
            {0: "10.0.0.5", 1: "address=10.1.0.5"}, force=True, nodeid=4,
            votes=0, apiversion=1),
            {"force": 1, "nodeid": 4, "votes": 0, "link0": "10.0.0.5",
             "link1": "address=10.1.0.5", "apiversion": 1})


def _members_read(read, members):
    def patched(path):
        if path == ".members":
            return defer.succeed(members)
        return read(path)
    return patched
