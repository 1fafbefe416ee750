"""TLS for the proxies: Proxmox's protocol and cipher settings, and
certificates that can be replaced while the server runs.

:class:`ServerTLS` is a Twisted ``IOpenSSLServerConnectionCreator``: each
new connection uses the context current at accept time, so :meth:`update`
(a renewed certificate) takes effect without a restart.
"""

from OpenSSL import SSL, crypto
from twisted.internet.interfaces import IOpenSSLServerConnectionCreator
from zope.interface import implementer

from pve.proxy.config import ProxyConfigError

# Proxmox's default TLS 1.2 cipher list (pve-http-server)
DEFAULT_CIPHERS = (
    "ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:"
    "ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305:"
    "ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:"
    "ECDHE-ECDSA-AES256-SHA384:ECDHE-RSA-AES256-SHA384:"
    "ECDHE-ECDSA-AES128-SHA256:ECDHE-RSA-AES128-SHA256")


def _pem_certificates(pem):
    """Every certificate in a PEM bundle, leaf first."""
    marker = b"-----BEGIN CERTIFICATE-----"
    parts = pem.split(marker)[1:]
    return [crypto.load_certificate(crypto.FILETYPE_PEM, marker + p)
            for p in parts]


def _set_ciphersuites(ctx, suites):
    try:
        from OpenSSL._util import lib
        setter = lib.SSL_CTX_set_ciphersuites
    except (ImportError, AttributeError):
        raise ProxyConfigError("CIPHERSUITES: this OpenSSL binding cannot "
                               "set TLS 1.3 ciphersuites")
    if not setter(ctx._context, suites.encode()):
        raise ProxyConfigError("CIPHERSUITES: failed to set TLS 1.3 "
                               "ciphersuites '%s'" % suites)


def make_context(cert_pem, key_pem, settings=None):
    """An ``SSL.Context`` for *cert_pem* (leaf first, then its chain) and
    *key_pem*, configured from proxy *settings* (see ``pve.proxy.config``).
    Raises ProxyConfigError for settings OpenSSL refuses."""
    settings = settings or {}
    ctx = SSL.Context(SSL.TLS_SERVER_METHOD)
    options = SSL.OP_NO_COMPRESSION | SSL.OP_SINGLE_ECDH_USE | \
        SSL.OP_SINGLE_DH_USE | SSL.OP_NO_RENEGOTIATION
    if settings.get("HONOR_CIPHER_ORDER", True):
        options |= SSL.OP_CIPHER_SERVER_PREFERENCE
    ctx.set_options(options)
    low, high = SSL.TLS1_2_VERSION, SSL.TLS1_3_VERSION
    if settings.get("DISABLE_TLS_1_2"):
        low = SSL.TLS1_3_VERSION
    if settings.get("DISABLE_TLS_1_3"):
        high = SSL.TLS1_2_VERSION
    if low > high:
        raise ProxyConfigError("misconfigured TLS settings - cannot disable "
                               "all supported TLS versions!")
    ctx.set_min_proto_version(low)
    ctx.set_max_proto_version(high)
    ciphers = settings.get("CIPHERS", DEFAULT_CIPHERS)
    try:
        ctx.set_cipher_list(ciphers.encode())
    except SSL.Error:
        raise ProxyConfigError("CIPHERS: no usable cipher in '%s'" % ciphers)
    if settings.get("CIPHERSUITES"):
        _set_ciphersuites(ctx, settings["CIPHERSUITES"])
    if settings.get("DHPARAMS"):
        try:
            ctx.load_tmp_dh(settings["DHPARAMS"].encode())
        except (SSL.Error, OSError) as e:
            raise ProxyConfigError("DHPARAMS: cannot load '%s': %s"
                                   % (settings["DHPARAMS"], e))
    certs = _pem_certificates(cert_pem)
    if not certs:
        raise ValueError("no certificate in the PEM data")
    ctx.use_certificate(certs[0])
    for extra in certs[1:]:
        ctx.add_extra_chain_cert(extra)
    ctx.use_privatekey(crypto.load_privatekey(crypto.FILETYPE_PEM, key_pem))
    ctx.check_privatekey()
    return ctx


@implementer(IOpenSSLServerConnectionCreator)
class ServerTLS:
    """Server-side TLS whose certificate can be swapped while running."""

    def __init__(self, cert_pem, key_pem, settings=None):
        self.settings = settings or {}
        self._context = make_context(cert_pem, key_pem, self.settings)

    def update(self, cert_pem, key_pem):
        """Use a new certificate and key for connections from now on;
        on bad input raise and keep the old ones."""
        self._context = make_context(cert_pem, key_pem, self.settings)

    def serverConnectionForTLS(self, tlsProtocol):
        return SSL.Connection(self._context, None)
