"""The cluster CA, node certificate and keys: the plan, the certificates
themselves (checked with cryptography and pyOpenSSL), and the files they
become in a real ConfigFS."""

import datetime
import errno

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from OpenSSL import crypto
from twisted.internet import defer, reactor, task
from twisted.trial import unittest

from pve.access import certs, csrf, tickets
from pve.cluster.client import DirectClient
from tests.access.test_tickets import Keygen, key
from tests.cluster.test_client import make_root, open_cfs

T = 1700000000
DAY = 24 * 3600
UUID = "0b6a8f6e-3f8a-4c1e-9d43-3a1f4c9e2a11"
NODE_CERT = "nodes/node1/pve-ssl.pem"
NODE_KEY = "nodes/node1/pve-ssl.key"
ALL = {"priv/authkey.key", "authkey.pub", "pve-www.key", NODE_KEY,
       "priv/pve-root-ca.key", "pve-root-ca.pem", NODE_CERT,
       "priv/pve-root-ca.srl"}


def not_before(cert):
    start = getattr(cert, "not_valid_before_utc", None)
    if start is None:
        start = cert.not_valid_before.replace(tzinfo=datetime.timezone.utc)
    return int(start.timestamp())


def verify_signature(ca_pem, cert_pem):
    """Raise InvalidSignature unless *ca_pem*'s key signed *cert_pem*."""
    ca = x509.load_pem_x509_certificate(ca_pem)
    cert = x509.load_pem_x509_certificate(cert_pem)
    ca.public_key().verify(cert.signature, cert.tbs_certificate_bytes,
                           padding.PKCS1v15(), cert.signature_hash_algorithm)


def verify_openssl(ca_pem, cert_pem, when):
    """OpenSSL's chain verification as of *when*."""
    store = crypto.X509Store()
    store.add_cert(crypto.load_certificate(crypto.FILETYPE_PEM, ca_pem))
    store.set_time(datetime.datetime.fromtimestamp(
        when, datetime.timezone.utc).replace(tzinfo=None))
    crypto.X509StoreContext(
        store, crypto.load_certificate(crypto.FILETYPE_PEM, cert_pem)
    ).verify_certificate()


def verify_chain(testcase, ca_pem, cert_pem, when):
    """*cert_pem* is signed by *ca_pem*: the signature with cryptography,
    the chain with OpenSSL's verifier."""
    verify_signature(ca_pem, cert_pem)
    verify_openssl(ca_pem, cert_pem, when)


def sans(cert):
    ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
    return ([str(a) for a in ext.value.get_values_for_type(x509.IPAddress)],
            ext.value.get_values_for_type(x509.DNSName))


class PlanTests(unittest.TestCase):
    def test_nothing_there(self):
        self.assertEqual(certs.plan(set(), "node1"),
                         ["authkey", "www-key", "node-key", "ca-key",
                          "ca-cert", "node-cert"])

    def test_all_there(self):
        self.assertEqual(certs.plan(ALL, "node1"), [])
        self.assertEqual(certs.plan(ALL, "node1", force=True), ["node-cert"])

    def test_partial(self):
        self.assertEqual(certs.plan(ALL - {"pve-root-ca.pem"}, "node1"),
                         ["ca-cert", "node-cert"])
        self.assertEqual(certs.plan(ALL - {NODE_CERT}, "node1"),
                         ["node-cert"])
        self.assertEqual(certs.plan(ALL - {NODE_KEY}, "node1"),
                         ["node-key", "node-cert"])
        self.assertEqual(certs.plan(ALL - {"authkey.pub"}, "node1"), [])
        self.assertEqual(certs.plan(ALL, "node2"),
                         ["node-key", "node-cert"])

    def test_serial(self):
        self.assertEqual(certs.next_serial(None), (1, b"01\n"))
        self.assertEqual(certs.next_serial(b"01\n"), (2, b"02\n"))
        self.assertEqual(certs.next_serial(b"FF\n"), (256, b"0100\n"))
        self.assertRaises(certs.CertError, certs.next_serial, b"zz")

    def test_resolv_search(self):
        self.assertEqual(certs.resolv_search(
            "domain a.org\nnameserver 1.1.1.1\nsearch b.com c.com\n"),
            "b.com")
        self.assertIsNone(certs.resolv_search(" search x.org\n"))
        self.assertIsNone(certs.resolv_search(None))


class BuilderTests(unittest.TestCase):
    def setUp(self):
        self.ca_key = key(4096)
        self.ca = certs.make_ca_cert(self.ca_key, T, UUID)

    def node_cert(self, ips=("192.0.2.10",), now=T, fqdn=None, ca=None):
        return certs.make_node_cert(key(), self.ca_key, ca or self.ca,
                                    "node1", list(ips), now, 1, fqdn)

    def test_ca(self):
        ca = self.ca
        self.assertEqual(ca.subject.rfc4514_string(),
                         "O=PVE Cluster Manager CA,OU=%s,"
                         "CN=Proxmox Virtual Environment" % UUID)
        self.assertEqual(ca.issuer, ca.subject)
        self.assertEqual(ca.public_key().key_size, 4096)
        self.assertEqual(not_before(ca), T - DAY)
        self.assertEqual(certs.not_after(ca), T - DAY + 3650 * DAY)
        bc = ca.extensions.get_extension_for_class(x509.BasicConstraints)
        self.assertTrue(bc.critical and bc.value.ca)
        ku = ca.extensions.get_extension_for_class(x509.KeyUsage)
        self.assertTrue(ku.critical and ku.value.key_cert_sign
                        and ku.value.crl_sign)
        self.assertFalse(ku.value.digital_signature)
        verify_chain(self, certs.pem(ca), certs.pem(ca), T)

    def test_node(self):
        cert = self.node_cert(["192.0.2.10", "2001:db8::5"],
                              fqdn="node1.example.com")
        verify_chain(self, certs.pem(self.ca), certs.pem(cert), T)
        self.assertEqual(cert.subject.get_attributes_for_oid(
            NameOID.COMMON_NAME)[0].value, "node1.example.com")
        self.assertEqual(cert.subject.rfc4514_string(),
                         "CN=node1.example.com,O=Proxmox Virtual Environment,"
                         "OU=PVE Cluster Node")
        self.assertEqual(cert.issuer, self.ca.subject)
        self.assertEqual(cert.serial_number, 1)
        self.assertEqual(sans(cert),
                         (["127.0.0.1", "::1", "192.0.2.10", "2001:db8::5"],
                          ["localhost", "node1", "node1.example.com"]))
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        self.assertEqual(list(eku.value), [ExtendedKeyUsageOID.SERVER_AUTH])
        bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
        self.assertFalse(bc.value.ca)
        self.assertEqual(not_before(cert), T - DAY)
        self.assertEqual(certs.not_after(cert), T - DAY + 730 * DAY)

    def test_san_without_fqdn_no_duplicates(self):
        cert = self.node_cert(["127.0.0.1", "192.0.2.10", "192.0.2.10"])
        self.assertEqual(sans(cert), (["127.0.0.1", "::1", "192.0.2.10"],
                                      ["localhost", "node1"]))
        self.assertEqual(cert.subject.get_attributes_for_oid(
            NameOID.COMMON_NAME)[0].value, "node1")

    def test_days_near_ca_end(self):
        # the CA ends 20 days from "now": two days short of it
        now = certs.not_after(self.ca) - 20 * DAY - 100
        cert = self.node_cert(now=now)
        self.assertEqual(certs.not_after(cert), now - DAY + 18 * DAY)
        e = self.assertRaises(certs.CertError, self.node_cert,
                              now=certs.not_after(self.ca) - 13 * DAY)
        self.assertEqual(str(e), "CA expires in less than 2 weeks, unable "
                         "to generate certificate.")

    def test_other_ca_does_not_verify(self):
        other = certs.make_ca_cert(key(2048, 3), T, UUID)
        cert = self.node_cert()
        self.assertRaises(InvalidSignature, verify_signature,
                          certs.pem(other), certs.pem(cert))
        self.assertRaises(crypto.X509StoreContextError, verify_openssl,
                          certs.pem(other), certs.pem(cert), T)

    def test_expired(self):
        cert = certs.pem(self.node_cert())
        verify_openssl(certs.pem(self.ca), cert, T - DAY + 10)
        self.assertRaises(crypto.X509StoreContextError, verify_openssl,
                          certs.pem(self.ca), cert, T - DAY - 10)
        self.assertRaises(crypto.X509StoreContextError, verify_openssl,
                          certs.pem(self.ca), cert, T + 731 * DAY)


class UpdateNodeFilesTests(unittest.TestCase):
    """Through DirectClient into a real ConfigFS."""

    def setUp(self):
        self.clock = task.Clock()
        self.clock.advance(T)
        self.cfs = open_cfs(self, make_root(self), self.clock)
        self.client = DirectClient(self.cfs, reactor, clock=self.clock)
        self.keygen = Keygen()

    def update(self, force=False, ips=("192.0.2.10",), fqdn=None):
        return certs.update_node_files(self.client, "node1", list(ips), T,
                                       force, fqdn, keygen=self.keygen)

    def files(self):
        return {p: self.cfs.read(p) for p in ALL}

    @defer.inlineCallbacks
    def test_create_then_nothing(self):
        written = yield self.update()
        self.assertEqual(written, [
            "priv/authkey.key", "authkey.pub", "pve-www.key", NODE_KEY,
            "priv/pve-root-ca.key", "pve-root-ca.pem",
            "priv/pve-root-ca.srl", NODE_CERT])
        modes = {p: self.cfs.stat(p).mode for p in ALL}
        self.assertEqual(modes, {p: 0o600 if p.startswith("priv/") else 0o640
                                 for p in ALL})
        files = self.files()
        verify_chain(self, files["pve-root-ca.pem"], files[NODE_CERT], T)
        self.assertEqual(files["priv/pve-root-ca.srl"], b"01\n")
        # the node certificate goes with the node key
        node_key = tickets.load_private_key(files[NODE_KEY])
        cert = x509.load_pem_x509_certificate(files[NODE_CERT])
        self.assertEqual(tickets.public_pem(cert.public_key()),
                         tickets.public_pem(node_key))
        self.assertEqual(sans(cert)[0], ["127.0.0.1", "::1", "192.0.2.10"])
        self.assertEqual(tickets.load_private_key(
            files["priv/pve-root-ca.key"]).key_size, 4096)
        self.assertTrue(files["pve-www.key"].startswith(
            b"-----BEGIN PRIVATE KEY-----"))
        for d in certs.node_dirs("node1"):
            self.assertEqual(self.cfs.stat(d).kind, "dir")

        again = yield self.update()
        self.assertEqual(again, [])
        self.assertEqual(self.files(), files)

    @defer.inlineCallbacks
    def test_keys_usable(self):
        yield self.update()
        keys = yield tickets.load_authkeys(self.client)
        self.assertEqual(keys.mtime, T)
        ticket = tickets.assemble_ticket(keys.private, "root@pam", T)
        self.assertEqual(tickets.verify_ticket(keys, ticket, T).username,
                         "root@pam")
        secret = csrf.csrf_secret(self.cfs.read("pve-www.key"))
        token = csrf.assemble_csrf_token(secret, "root@pam", T)
        self.assertTrue(csrf.verify_csrf_token(secret, "root@pam", token, T))

    @defer.inlineCallbacks
    def test_force_replaces_node_cert_only(self):
        yield self.update()
        before = self.files()
        written = yield self.update(force=True, ips=["198.51.100.7"],
                                    fqdn="node1.example.com")
        self.assertEqual(written, ["priv/pve-root-ca.srl", NODE_CERT])
        after = self.files()
        changed = {p for p in ALL if before[p] != after[p]}
        self.assertEqual(changed, {"priv/pve-root-ca.srl", NODE_CERT})
        cert = x509.load_pem_x509_certificate(after[NODE_CERT])
        self.assertEqual(cert.serial_number, 2)
        self.assertEqual(sans(cert), (["127.0.0.1", "::1", "198.51.100.7"],
                                      ["localhost", "node1",
                                       "node1.example.com"]))
        verify_chain(self, after["pve-root-ca.pem"], after[NODE_CERT], T)

    @defer.inlineCallbacks
    def test_new_ca_reissues_node_cert(self):
        yield self.update()
        before = self.files()
        self.cfs.delete("pve-root-ca.pem")
        written = yield self.update()
        self.assertEqual(written, ["pve-root-ca.pem", "priv/pve-root-ca.srl",
                                   NODE_CERT])
        after = self.files()
        self.assertEqual(after["priv/pve-root-ca.key"],
                         before["priv/pve-root-ca.key"])
        verify_chain(self, after["pve-root-ca.pem"], after[NODE_CERT], T)

    @defer.inlineCallbacks
    def test_without_quorum(self):
        self.cfs.quorate = False
        e = yield self.assertFailure(self.update(), OSError)
        self.assertEqual(e.errno, errno.EACCES)
        self.assertRaises(OSError, self.cfs.read, "pve-root-ca.pem")

    def test_ip_checked(self):
        self.assertRaises(ValueError, certs.san_names, "n", ["not-an-ip"])
