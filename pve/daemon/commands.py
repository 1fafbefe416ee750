"""The AMP vocabulary between pveproxy and pvedaemon; both ends import it.

pveproxy forwards protected calls with :class:`CallAPI`, passing the
caller's credentials (ticket, CSRF token or API token) so that pvedaemon
verifies them again itself; the answer is the HTTP status and the envelope
parts.  :class:`VerifyToken` lets pveproxy, which runs as www-data and may
not read ``priv/token.cfg``, check an API token secret.  Values travel as
``BigJSON`` (chunked over AMP's 64 KiB limit).
"""

from twisted.protocols import amp

from pve.cluster.commands import BigJSON


class CallAPI(amp.Command):
    """Run ``method path`` with *params* for the caller in *auth*
    (``Credentials.to_dict()``); *client_ip* is the HTTP client's."""

    arguments = [
        (b"method", amp.Unicode()),
        (b"path", amp.Unicode()),
        (b"params", BigJSON()),
        (b"auth", BigJSON()),
        (b"client_ip", amp.Unicode(optional=True)),
    ]
    response = [
        (b"status", amp.Integer()),
        (b"body", BigJSON()),
    ]


class VerifyToken(amp.Command):
    """Whether *secret* is the secret of *tokenid* (``user@realm!name``)."""

    arguments = [(b"tokenid", amp.Unicode()), (b"secret", amp.Unicode())]
    response = [(b"ok", amp.Boolean())]
