"""``pvecm updatecerts`` against a real pmxcfs IPC server on a unix socket
under a temporary root."""

import io
import os
import sys
import time

from cryptography import x509
from twisted.internet import defer, reactor, task, utils
from twisted.trial import unittest

import pve
from pve.access import certs
from pve.cli import pvecm
from pve.cluster import corosync, join, pvecm_format
from tests.access.test_certs import ALL, NODE_CERT, sans, verify_chain
from tests.cluster import test_client as base

REPO = os.path.dirname(os.path.dirname(os.path.abspath(pve.__file__)))
IP = "192.0.2.10"


class ParserTests(unittest.TestCase):
    def parse(self, *argv):
        return pvecm.parser().parse_args(list(argv))

    def test_updatecerts(self):
        args = self.parse("updatecerts")
        self.assertEqual((args.force, args.silent, args.run),
                         (False, False, pvecm.updatecerts))
        self.assertTrue(self.parse("updatecerts", "--force").force)
        self.assertTrue(self.parse("updatecerts", "--force", "1").force)
        self.assertFalse(self.parse("updatecerts", "--force=no").force)
        self.assertTrue(self.parse("updatecerts", "--silent", "--force")
                        .silent)

    @defer.inlineCallbacks
    def test_usage_errors(self):
        self.patch(sys, "stderr", io.StringIO())
        for argv in ([], ["nope"], ["updatecerts", "--force", "maybe"]):
            code = yield pvecm.run(reactor, argv)
            self.assertEqual(code, 255)

    def test_quorate(self):
        self.assertTrue(pvecm.quorate(b'{\n"nodename": "n",\n"version": 1\n}'))
        self.assertFalse(pvecm.quorate(
            b'{"cluster": {"name": "c", "quorate": 0}}'))
        self.assertTrue(pvecm.quorate(b'{"cluster": {"quorate": 1}}'))
        self.assertFalse(pvecm.quorate(b"garbage"))


class UpdateCertsTests(unittest.TestCase):
    timeout = 120

    def setUp(self):
        self.clock = task.Clock()
        self.clock.advance(base.T0)
        self.paths = base.make_root(self)
        self.cfs = base.open_cfs(self, self.paths, self.clock)
        self.service, self.description = base.start_ipc(
            self, self.cfs, self.paths, self.clock)
        self.resolved = []

    def resolve(self, name):
        self.resolved.append(name)
        return IP

    @defer.inlineCallbacks
    def pvecm(self, *argv, **kw):
        out, err = io.StringIO(), io.StringIO()
        code = yield pvecm.run(reactor, list(argv), paths=self.paths,
                               nodename="node1", out=out, err=err,
                               resolve=self.resolve, **kw)
        return code, out.getvalue(), err.getvalue()

    def files(self):
        return {p: self.cfs.read(p) for p in ALL}

    @defer.inlineCallbacks
    def test_create_force_and_again(self):
        os.makedirs(self.paths.join("etc"))
        with open(self.paths.join("etc/resolv.conf"), "w") as f:
            f.write("search example.com\nnameserver 192.0.2.53\n")
        result = yield self.pvecm("updatecerts")
        self.assertEqual(result, (0, "(re)generate node files\n", ""))
        self.assertEqual(self.resolved, ["node1"])
        first = self.files()
        verify_chain(self, first["pve-root-ca.pem"], first[NODE_CERT],
                     reactor.seconds())
        cert = x509.load_pem_x509_certificate(first[NODE_CERT])
        self.assertEqual(sans(cert), (["127.0.0.1", "::1", IP],
                                      ["localhost", "node1",
                                       "node1.example.com"]))

        result = yield self.pvecm("updatecerts")
        self.assertEqual(result, (0, "(re)generate node files\n", ""))
        self.assertEqual(self.files(), first)

        result = yield self.pvecm("updatecerts", "--force")
        self.assertEqual(result, (0, "(re)generate node files\n"
                                     "generate new node certificate\n", ""))
        forced = self.files()
        changed = {p for p in ALL if first[p] != forced[p]}
        self.assertEqual(changed, {NODE_CERT, certs.CA_SERIAL})
        self.assertEqual(forced[certs.CA_SERIAL], b"02\n")
        verify_chain(self, forced["pve-root-ca.pem"], forced[NODE_CERT],
                     reactor.seconds())
        self.assertFalse(self.cfs.listdir("priv/lock"))

    @defer.inlineCallbacks
    def test_status_and_nodes_without_cluster(self):
        for command in ("status", "nodes"):
            result = yield self.pvecm(command)
            self.assertEqual(result, (255, "", (
                "Error: Corosync config '/etc/pve/corosync.conf' does not exist"
                " - is this node part of a cluster?\n")))

    @defer.inlineCallbacks
    def test_status_with_cluster_config(self):
        """The cluster information block from the cluster's corosync.conf,
        then no quorum service (nothing replicates yet), as Proxmox with
        corosync down."""
        self.cfs.write_file("corosync.conf", (
            "totem {\n  cluster_name: lab\n  config_version: 3\n"
            "  version: 2\n}\n").encode())
        result = yield self.pvecm("status")
        self.assertEqual(result, (1, (
            "Cluster information\n-------------------\n"
            "Name:             lab\nConfig Version:   3\n"
            "Transport:        knet\nSecure auth:      off\n\n"),
            "Cannot initialize QUORUM service\n"))
        result = yield self.pvecm("nodes")
        self.assertEqual(result, (1, "", "Cannot initialize QUORUM service\n"))

    @defer.inlineCallbacks
    def test_no_quorum(self):
        self.cfs.quorate = False
        code, out, err = yield self.pvecm("updatecerts")
        self.assertEqual((code, err),
                         (255, "no quorum - unable to update files\n"))

    @defer.inlineCallbacks
    def test_no_pmxcfs(self):
        yield self.service.stopService()
        code, out, err = yield self.pvecm("updatecerts", wait_timeout=0.3)
        msg = ("got timeout when trying to ensure cluster certificates and "
               "base file hierarchy is set up - no quorum (yet) or hung "
               "pmxcfs?\n")
        self.assertEqual((code, out, err), (
            255, "waiting for pmxcfs mount to appear and get quorate...\n",
            msg))
        code, out, err = yield self.pvecm("updatecerts", "--silent",
                                          wait_timeout=0.3)
        self.assertEqual((code, out, err), (0, "", msg))

    @defer.inlineCallbacks
    def test_command_in_a_process(self):
        """``python -m pve.cli.pvecm`` as root over the socket; the node
        name resolves only to loopback addresses, which Proxmox refuses."""
        env = dict(os.environ, PVE_ROOT=self.paths.root,
                   PVE_NODENAME="localhost", PYTHONPATH=REPO)
        out, err, code = yield utils.getProcessOutputAndValue(
            sys.executable, ["-m", "pve.cli.pvecm", "updatecerts"], env=env,
            path=REPO)
        self.assertEqual((code, out, err), (
            255, b"", b"address lookup for 'localhost' did not find any IP "
                      b"address\n"))
        self.assertRaises(OSError, self.cfs.read, "pve-root-ca.pem")


KEYGEN = ("Corosync Cluster Engine Authentication key generator.\n"
          "Gathering 2048 bits for key from /dev/urandom.\n"
          "Writing corosync key to /etc/corosync/authkey.\n")


class CreateTests(unittest.TestCase):
    """``pvecm create``: the API call in-process, its worker task a real
    process reaching pmxcfs over IPC."""

    timeout = 120
    setUp = UpdateCertsTests.setUp
    resolve = UpdateCertsTests.resolve
    pvecm = UpdateCertsTests.pvecm

    def local(self):
        result = {}
        for path in (self.paths.corosync_conf, self.paths.corosync_authkey):
            with open(path, "rb") as f:
                result[path] = (f.read(), os.stat(path).st_mode & 0o777)
        return result

    def test_parser(self):
        args = pvecm.parser().parse_args(
            ["create", "lab", "--nodeid", "3", "--link1", "10.1.0.1",
             "--token-coefficient", "0"])
        self.assertEqual(pvecm.create_params(args), {
            "clustername": "lab", "nodeid": "3", "link1": "10.1.0.1",
            "token-coefficient": "0"})

    @defer.inlineCallbacks
    def test_create_then_status(self):
        result = yield self.pvecm("create", "lab")
        self.assertEqual(result, (
            0, KEYGEN + "Writing corosync config to /etc/pve/corosync.conf\n"
            + join.NO_CLUSTER_MODE + "\n",
            ""))
        self.assertEqual(self.resolved, ["node1"])
        data = self.cfs.read("corosync.conf")
        conf = corosync.parse(data)
        self.assertEqual((corosync.cluster_name(conf),
                          corosync.config_version(conf), corosync.nodes(conf)),
                         ("lab", 1, [corosync.Node("node1", 1, 1, {0: IP})]))
        files = self.local()
        self.assertEqual(files[self.paths.corosync_conf], (data, 0o644))
        key, mode = files[self.paths.corosync_authkey]
        self.assertEqual((len(key), mode), (256, 0o400))

        result = yield self.pvecm("status")
        self.assertEqual(result, (1, (
            "Cluster information\n-------------------\n"
            "Name:             lab\nConfig Version:   1\n"
            "Transport:        knet\nSecure auth:      on\n\n"),
            "Cannot initialize QUORUM service\n"))

        # a second create fails with Proxmox's message and changes nothing
        result = yield self.pvecm("create", "other", "--link0", "10.9.9.9")
        self.assertEqual(result, (255, "", (
            "cluster config '/etc/pve/corosync.conf' already exists\n")))
        self.assertEqual(self.cfs.read("corosync.conf"), data)
        self.assertEqual(self.local(), files)

    @defer.inlineCallbacks
    def test_bad_name(self):
        result = yield self.pvecm("create", "no_underscores")
        self.assertEqual(result, (255, "", (
            "400 Parameter verification failed.\n"
            "clustername: invalid format - value does not look like a valid"
            " node name\n\n"
            "pvecm create <clustername> [OPTIONS]\n")))
        result = yield self.pvecm("create", "lab", "--votes", "x")
        self.assertEqual(result[0], 255)
        self.assertIn("votes: type check ('integer') failed - got 'x'",
                      result[2])
        self.assertRaises(OSError, self.cfs.read, "corosync.conf")
        self.assertFalse(os.path.exists(self.paths.corosync_authkey))


class QuorumStatusTests(unittest.TestCase):
    """pvecm status and nodes from pmxcfs's member list (pure part)."""

    CONF = corosync.parse(
        "totem {\n  cluster_name: lab\n  config_version: 4\n  version: 2\n"
        "  secauth: on\n}\nnodelist {\n"
        "  node {\n    name: a\n    nodeid: 1\n    quorum_votes: 1\n"
        "    ring0_addr: 10.0.0.1\n  }\n"
        "  node {\n    name: b\n    nodeid: 2\n    quorum_votes: 1\n"
        "    ring0_addr: 10.0.0.2\n  }\n"
        "  node {\n    name: c\n    nodeid: 3\n    quorum_votes: 1\n"
        "    ring0_addr: 10.0.0.3\n  }\n}\n"
        "quorum {\n  provider: corosync_votequorum\n}\n")

    def members(self, online, quorate):
        return {"nodename": "b", "version": 7,
                "cluster": {"name": "lab", "version": 4, "nodes": 3,
                            "quorate": quorate},
                "nodelist": {n: {"id": i, "online": 1 if n in online else 0,
                                 "ip": "10.0.0.%d" % i}
                             for i, n in enumerate("abc", 1)}}

    def test_two_of_three(self):
        st = pvecm.quorum_status(self.CONF, self.members("ab", 1), "b", 0)
        text = pvecm_format.format_status(st, localtime=time.gmtime)
        self.assertIn("Nodes:            2\nNode ID:          0x00000002\n"
                      "Ring ID:          1.4\nQuorate:          Yes\n", text)
        self.assertIn("Expected votes:   3\nHighest expected: 3\n"
                      "Total votes:      2\nQuorum:           2  \n"
                      "Flags:            Quorate \n", text)
        self.assertTrue(text.endswith(
            "0x00000001          1 10.0.0.1\n"
            "0x00000002          1 10.0.0.2 (local)\n"))
        self.assertEqual(pvecm_format.status_exit_code(st), 0)
        self.assertEqual(pvecm_format.format_nodes(st.members, st.nodeid),
                         "\nMembership information\n----------------------\n"
                         "    Nodeid      Votes Name\n"
                         "         1          1 a\n"
                         "         2          1 b (local)\n")

    def test_alone_not_quorate(self):
        st = pvecm.quorum_status(self.CONF, self.members("b", 0), "b", 0)
        text = pvecm_format.format_status(st, localtime=time.gmtime)
        self.assertIn("Quorate:          No\n", text)
        self.assertIn("Quorum:           2 Activity blocked\n", text)
        self.assertEqual(pvecm_format.status_exit_code(st), 2)
