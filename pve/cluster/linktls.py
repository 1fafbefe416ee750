"""Names, endpoints and TLS for the cluster link.

Node certificates are Proxmox's (:mod:`pve.access.certs`): they carry the
bare node name as a DNS subjectAltName (beside the FQDN, ``localhost`` and
the node's addresses), and an extended key usage of ``serverAuth`` only.
So the listener checks a client certificate's chain but not its key usage
(the cluster CA signs nothing but node certificates), and the name is
checked with service_identity on both sides: by ``optionsForClientTLS``
when dialling, by :func:`peer_certificate_matches` at login.  A node named
``localhost``, which every node certificate matches, is refused.

Descriptions are Twisted endpoint strings; the link always speaks TLS with
the node's certificate, so ``ssl:`` and ``tls:`` are read as ``tcp:``
(their certificate options refused) and ``tcp:`` or ``unix:`` get the same
TLS on top.
"""

import re

from OpenSSL import SSL
from service_identity import VerificationError
from service_identity.cryptography import verify_certificate_hostname
from twisted.internet import ssl

DEFAULT_PORT = 5404
DEFAULT_LISTEN = "ssl:%d" % DEFAULT_PORT
X509_V_ERR_INVALID_PURPOSE = 26          # OpenSSL's x509_vfy.h
NODE_NAME = re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?\Z")
TLS_KEYS = frozenset(["privateKey", "certKey", "extraCertChain", "sslmethod",
                      "dhParameters", "caCertsDir", "trustRoots",
                      "certificate", "endpoint"])


def check_node_name(name):
    if not isinstance(name, str) or not NODE_NAME.match(name):
        raise ValueError("invalid node name %r" % (name,))
    if name.lower() == "localhost":
        raise ValueError("node name 'localhost' matches every node "
                         "certificate")
    return name


def tcp_description(description):
    """*description* with ``ssl:``/``tls:`` read as ``tcp:`` (the link
    adds its own TLS); ValueError for certificate options in it."""
    kind, sep, rest = description.partition(":")
    if kind not in ("ssl", "tls"):
        return description
    for arg in re.split(r"(?<!\\):", rest):
        key, eq, _ = arg.partition("=")
        if eq and key in TLS_KEYS:
            raise ValueError("%s: the cluster link uses the node "
                             "certificate, not '%s'" % (description, key))
    return "tcp" + sep + rest


def peer_description(address, port=DEFAULT_PORT):
    """The client description for a peer at *address* (IPv4, IPv6 or a
    host name)."""
    return "ssl:host=%s:port=%d" % (address.replace(":", "\\:"), port)


def _verify_client(conn, cert, errno, depth, ok):
    """OpenSSL's verdict, except that a node certificate's key usage
    (``serverAuth`` only) does not keep it from being a client's."""
    return bool(ok) or (depth == 0 and errno == X509_V_ERR_INVALID_PURPOSE)


def server_tls(key_pem, cert_pem, ca_pem):
    """TLS for the listener: the node certificate, a client certificate
    chaining to the CA required."""
    cert = ssl.PrivateCertificate.loadPEM(cert_pem + b"\n" + key_pem)
    ca = ssl.Certificate.loadPEM(ca_pem)
    options = ssl.CertificateOptions(
        privateKey=cert.privateKey.original, certificate=cert.original,
        trustRoot=ssl.trustRootFromCertificates([ca]),
        raiseMinimumTo=ssl.TLSVersion.TLSv1_2)
    options.getContext().set_verify(
        SSL.VERIFY_PEER | SSL.VERIFY_FAIL_IF_NO_PEER_CERT, _verify_client)
    return options


def client_tls(peer, key_pem, cert_pem, ca_pem):
    """TLS for dialling *peer*: its certificate chains to the CA and
    matches its node name; ours goes with it."""
    cert = ssl.PrivateCertificate.loadPEM(cert_pem + b"\n" + key_pem)
    ca = ssl.Certificate.loadPEM(ca_pem)
    return ssl.optionsForClientTLS(
        peer, trustRoot=ssl.trustRootFromCertificates([ca]),
        clientCertificate=cert,
        extraCertificateOptions={"raiseMinimumTo": ssl.TLSVersion.TLSv1_2})


def peer_certificate_matches(transport, name):
    """Whether the certificate the peer on *transport* presented carries
    the node name *name* (service_identity's hostname rules)."""
    cert = transport.getPeerCertificate()
    if cert is None:
        return False
    try:
        verify_certificate_hostname(cert.to_cryptography(), name)
    except VerificationError:
        return False
    return True
