"""The cluster CA, the node certificate and the keys in pmxcfs.

As Proxmox's ``PVE::Cluster::Setup::gen_pve_node_files``: an RSA 4096 CA
(``pve-root-ca.pem``, ``priv/pve-root-ca.key``, 10 years), per node an RSA
2048 key and a certificate signed by the CA (``nodes/<node>/pve-ssl.key``,
``nodes/<node>/pve-ssl.pem``, at most 2 years, serials from
``priv/pve-root-ca.srl``), the auth key pair (``priv/authkey.key``,
``authkey.pub``) and the CSRF secret ``pve-www.key`` (an RSA 2048 key).
Certificates start a day early, as Proxmox's ``faketime yesterday``.
:func:`plan` and the builders are pure; :func:`update_node_files` reads
and writes through an :class:`~pve.cluster.client.ICfsClient`, as does
:func:`issue_node_files`, which makes another node's key and certificate
(for a node joining the cluster).
"""

import datetime
import errno
import ipaddress
import re
import uuid as uuidlib

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from twisted.internet import defer

from pve.access import tickets
from pve.access.csrf import WWW_KEY
from pve.access.tickets import (AUTHKEY_LOCK, AUTHKEY_PRIV, AUTHKEY_PUB,
                                load_private_key, new_rsa_key, private_pem,
                                public_pem)

CA_CERT = "pve-root-ca.pem"
CA_KEY = "priv/pve-root-ca.key"
CA_SERIAL = "priv/pve-root-ca.srl"
CA_BITS = 4096
NODE_BITS = 2048
WWW_BITS = 2048
CA_DAYS = 3650
NODE_MAX_DAYS = 2 * 365
CA_MIN_DAYS_LEFT = 14
DAY = 24 * 3600
BACKDATE = DAY                   # "faketime yesterday"
INITIAL_SERIAL = b"0000000000000000"

# what plan() may ask for, in the order Proxmox makes them
AUTHKEY, WWW, NODE_KEY, CA_KEY_STEP, CA_CERT_STEP, NODE_CERT = (
    "authkey", "www-key", "node-key", "ca-key", "ca-cert", "node-cert")


class CertError(Exception):
    pass


def node_key_path(node):
    return "nodes/%s/pve-ssl.key" % (node,)


def node_cert_path(node):
    return "nodes/%s/pve-ssl.pem" % (node,)


def node_dirs(node):
    base = "nodes/" + node
    return ["priv", "nodes", base] + [
        "%s/%s" % (base, d) for d in ("lxc", "qemu-server", "openvz", "priv")]


def watched_files(node):
    """The files whose existence :func:`plan` looks at."""
    return [AUTHKEY_PRIV, WWW_KEY, node_key_path(node), CA_KEY, CA_CERT,
            node_cert_path(node)]


def plan(existing, node, force=False):
    """The steps to run given the set of *existing* paths; a new CA (or
    node key) or *force* makes a new node certificate."""
    steps = []
    if AUTHKEY_PRIV not in existing:
        steps.append(AUTHKEY)
    if WWW_KEY not in existing:
        steps.append(WWW)
    if node_key_path(node) not in existing:
        steps.append(NODE_KEY)
        force = True
    if CA_KEY not in existing or CA_CERT not in existing:
        if CA_KEY not in existing:
            steps.append(CA_KEY_STEP)
        steps.append(CA_CERT_STEP)
        force = True
    if force or node_cert_path(node) not in existing:
        steps.append(NODE_CERT)
    return steps


# -- pure builders ----------------------------------------------------------

def _utc(ts):
    return datetime.datetime.fromtimestamp(int(ts), datetime.timezone.utc)


def not_after(cert):
    """The end of *cert*'s validity, seconds since the epoch."""
    end = getattr(cert, "not_valid_after_utc", None)
    if end is None:
        end = cert.not_valid_after.replace(tzinfo=datetime.timezone.utc)
    return int(end.timestamp())


def ca_subject(uuid):
    return x509.Name([
        x509.NameAttribute(NameOID.COMMON_NAME, "Proxmox Virtual Environment"),
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, str(uuid)),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                           "PVE Cluster Manager CA"),
    ])


def make_ca_cert(key, now, uuid, serial=None):
    """The self-signed CA certificate for *key*."""
    name = ca_subject(uuid)
    start = int(now) - BACKDATE
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    builder = (
        x509.CertificateBuilder()
        .subject_name(name).issuer_name(name)
        .public_key(key.public_key())
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(_utc(start))
        .not_valid_after(_utc(start + CA_DAYS * DAY))
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            key.public_key()), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None),
                       critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=False, content_commitment=False,
            key_encipherment=False, data_encipherment=False,
            key_agreement=False, key_cert_sign=True, crl_sign=True,
            encipher_only=False, decipher_only=False), critical=True))
    return builder.sign(key, hashes.SHA256())


def resolv_search(text):
    """The domain of the last ``search``/``domain`` line of resolv.conf."""
    found = None
    for line in (text or "").splitlines():
        m = re.match(r"(search|domain)\s+(\S+)", line)
        if m:
            found = m.group(2)
    return found


def san_names(node, ips, fqdn=None):
    """Proxmox's order: loopbacks, ``localhost``, the node's IPs, its name
    and (with a resolv.conf search domain) its FQDN."""
    names, seen = [], set()
    addrs = ["127.0.0.1", "::1"]
    for value, kind in ([(a, "ip") for a in addrs] + [("localhost", "dns")]
                        + [(ip, "ip") for ip in ips] + [(node, "dns")]
                        + ([(fqdn, "dns")] if fqdn and fqdn != node else [])):
        if kind == "ip":
            value = ipaddress.ip_address(value)
            entry = x509.IPAddress(value)
        else:
            entry = x509.DNSName(value)
        if entry not in seen:
            seen.add(entry)
            names.append(entry)
    return names


def next_serial(srl):
    """``(serial, new file contents)`` as ``openssl x509 -CAserial``:
    the file holds the last serial in hex; the next one is one more."""
    text = (srl or INITIAL_SERIAL).decode("ascii", "replace").strip()
    try:
        serial = int(text or "0", 16) + 1
    except ValueError:
        raise CertError("unable to load serial number from %s" % CA_SERIAL)
    digits = "%X" % serial
    return serial, ("0" * (len(digits) % 2) + digits + "\n").encode()


def node_cert_days(ca_cert, now):
    """Days of validity for a node certificate: two days short of the CA's
    end, at most two years; refused within two weeks of the CA's end."""
    left = (not_after(ca_cert) - int(now)) // DAY
    if left < CA_MIN_DAYS_LEFT:
        raise CertError("CA expires in less than 2 weeks, unable to "
                        "generate certificate.")
    return min(left - 2, NODE_MAX_DAYS)


def make_node_cert(node_key, ca_key, ca_cert, node, ips, now, serial,
                   fqdn=None):
    """The node's certificate, signed by the CA."""
    fqdn = fqdn or node
    start = int(now) - BACKDATE
    days = node_cert_days(ca_cert, now)
    subject = x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME,
                           "PVE Cluster Node"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME,
                           "Proxmox Virtual Environment"),
        x509.NameAttribute(NameOID.COMMON_NAME, fqdn),
    ])
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject).issuer_name(ca_cert.subject)
        .public_key(node_key.public_key())
        .serial_number(serial)
        .not_valid_before(_utc(start))
        .not_valid_after(_utc(start + days * DAY))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None),
                       critical=False)
        .add_extension(x509.ExtendedKeyUsage(
            [ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.SubjectAlternativeName(
            san_names(node, ips, fqdn)), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(
            node_key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_key.public_key()), critical=False))
    return builder.sign(ca_key, hashes.SHA256())


def pem_fingerprint(pem_data):
    """The SHA-256 fingerprint (``AB:CD:...``, as Proxmox shows and
    compares them) of the first certificate in *pem_data*."""
    cert = x509.load_pem_x509_certificate(pem_data)
    return ":".join("%02X" % b for b in cert.fingerprint(hashes.SHA256()))


def pem(cert):
    return cert.public_bytes(Encoding.PEM)


# -- through pmxcfs ---------------------------------------------------------

@defer.inlineCallbacks
def cfs_exists(client, path):
    """Whether *path* exists in pmxcfs (through *client*)."""
    try:
        yield client.stat(path)
    except OSError as e:
        if e.errno == errno.ENOENT:
            return False
        raise
    return True


@defer.inlineCallbacks
def _mkdirs(client, paths):
    for path in paths:
        try:
            yield client.mkdir(path)
        except OSError as e:
            if e.errno != errno.EEXIST:
                raise


def make_node_dirs(client, node):
    """The directories of *node* (and ``priv``, ``nodes``) where missing,
    as Proxmox's ``gen_local_dirs``."""
    return _mkdirs(client, node_dirs(node))


@defer.inlineCallbacks
def _gen_authkey(client, keygen):
    """As Proxmox's ``gen_auth_key``, under the cfs lock ``authkey``."""
    yield client.lock(AUTHKEY_LOCK)
    try:
        if (yield cfs_exists(client, AUTHKEY_PRIV)):
            return []
        key = keygen(tickets.AUTHKEY_BITS)
        yield client.write(AUTHKEY_PRIV, private_pem(key))
        yield client.write(AUTHKEY_PUB, public_pem(key))
        return [AUTHKEY_PRIV, AUTHKEY_PUB]
    finally:
        yield client.unlock(AUTHKEY_LOCK)


@defer.inlineCallbacks
def update_node_files(client, node, ips, now, force=False, fqdn=None,
                      keygen=new_rsa_key, uuid=None):
    """Create the directories and whatever of the files is missing (with
    *force* a new node certificate); fires with the paths written."""
    yield _mkdirs(client, node_dirs(node))
    existing = set()
    for path in watched_files(node):
        if (yield cfs_exists(client, path)):
            existing.add(path)
    steps = plan(existing, node, force)
    written = []

    @defer.inlineCallbacks
    def put(path, data):
        yield client.write(path, data)
        written.append(path)

    if AUTHKEY in steps:
        written.extend((yield _gen_authkey(client, keygen)))
    if WWW in steps:
        yield put(WWW_KEY, private_pem(keygen(WWW_BITS)))
    if NODE_KEY in steps:
        yield put(node_key_path(node), private_pem(keygen(NODE_BITS)))
    if CA_KEY_STEP in steps:
        yield put(CA_KEY, private_pem(keygen(CA_BITS)))
    if CA_CERT_STEP in steps:
        ca_key = load_private_key((yield client.read(CA_KEY)))
        cert = make_ca_cert(ca_key, now, uuid or uuidlib.uuid4())
        yield put(CA_CERT, pem(cert))
    if NODE_CERT in steps:
        yield _node_cert(client, node, ips, now, fqdn, put)
    return written


@defer.inlineCallbacks
def _node_cert(client, node, ips, now, fqdn, put):
    node_key = load_private_key((yield client.read(node_key_path(node))))
    ca_key = load_private_key((yield client.read(CA_KEY)))
    ca_cert = x509.load_pem_x509_certificate((yield client.read(CA_CERT)))
    try:
        srl = yield client.read(CA_SERIAL)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        srl = None
    serial, srl = next_serial(srl)
    cert = make_node_cert(node_key, ca_key, ca_cert, node, ips, now, serial,
                          fqdn)
    yield put(CA_SERIAL, srl)
    yield put(node_cert_path(node), pem(cert))


@defer.inlineCallbacks
def issue_node_files(client, node, ips, now, keygen=new_rsa_key, fqdn=None):
    """For another node (one joining the cluster): its directories, a new
    key and a certificate of the cluster CA naming it and *ips*, written
    to its ``pve-ssl.key`` and ``pve-ssl.pem``; fires with ``(key PEM,
    certificate PEM, CA certificate PEM)``.  The CA must exist."""
    ca_pem = yield client.read(CA_CERT)
    yield client.stat(CA_KEY)
    yield make_node_dirs(client, node)
    key_pem = private_pem(keygen(NODE_BITS))
    yield client.write(node_key_path(node), key_pem)
    written = {}

    def put(path, data):
        written[path] = data
        return client.write(path, data)

    yield _node_cert(client, node, ips, now, fqdn, put)
    return key_pem, written[node_cert_path(node)], ca_pem
