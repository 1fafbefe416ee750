"""``pvecm updatecerts`` against a real pmxcfs IPC server on a unix socket
under a temporary root."""

import io
import os
import sys

from cryptography import x509
from twisted.internet import defer, reactor, task, utils
from twisted.trial import unittest

import pve
from pve.access import certs
from pve.cli import pvecm
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
