"""pveproxy's access log, ``/var/log/pveproxy/access.log``, as Proxmox's
``PVE::APIServer::AnyEvent::log_request`` writes it::

    ::ffff:192.0.2.7 - root@pam [27/11/2026:15:26:14 +0000] "GET /api2/json/version HTTP/1.1" 200 123

(peer, user or ``-``, local time, request line, status, body length); the
peer is the client a trusted proxy named (``PROXY_REAL_IP_HEADER``) if
pveproxy found one.  One
``write(2)`` a line on a file opened with ``O_APPEND``, as Proxmox's
autoflushed handle; nothing goes through the twisted log observers.  The
time string is made at most once a second.
"""

import os
import time

#: the attribute of a request naming who made it (set once authenticated)
USER_ATTR = "pve_userid"
#: the attribute of a request holding the client named by a proxy
REAL_IP_ATTR = "pve_real_ip"


def peer(host):
    """The peer as Proxmox's dual-stack listener sees it: IPv4 addresses
    mapped (``::ffff:a.b.c.d``)."""
    if not host:
        return "-"
    if ":" not in host:
        return "::ffff:" + host
    return host


class TimeString:
    """``%d/%m/%Y:%H:%M:%S %z`` of local time, cached per second."""

    def __init__(self, localtime=time.localtime):
        self.localtime = localtime
        self._second = None
        self._text = None

    def __call__(self, now):
        second = int(now)
        if second != self._second:
            self._text = time.strftime("%d/%m/%Y:%H:%M:%S %z",
                                       self.localtime(second))
            self._second = second
        return self._text


def format_line(peer_host, userid, timestr, requestline, code, length):
    return '%s - %s [%s] "%s" %d %s\n' % (
        peer_host, userid or "-", timestr, requestline, code or 500,
        "-" if length is None else length)


class AccessLog:
    """Appends a line per request to *path* (made 0640, its directory as
    needed); *clock* gives the time.  :meth:`close` closes the file."""

    def __init__(self, path, clock, owner=None):
        os.makedirs(os.path.dirname(path), exist_ok=True)
        self.path = path
        self.fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT
                          | os.O_CLOEXEC, 0o640)
        if owner is not None:
            os.fchown(self.fd, *owner)
        self.clock = clock
        self.timestr = TimeString()

    def log(self, request):
        """The line of a finished twisted.web *request*."""
        if self.fd is None:
            return
        try:
            host = request.getClientAddress().host
        except AttributeError:
            host = None
        uri = request.uri.decode("latin-1")
        requestline = "%s %s %s" % (request.method.decode("latin-1"), uri,
                                    request.clientproto.decode("latin-1"))
        client = getattr(request, REAL_IP_ATTR, None) or peer(host)
        line = format_line(client, getattr(request, USER_ATTR, None),
                           self.timestr(self.clock.seconds()), requestline,
                           request.code, request.sentLength)
        try:
            os.write(self.fd, line.encode("utf-8", "replace"))
        except OSError:
            # as Proxmox: stop logging rather than fail requests
            self.close()

    def close(self):
        fd, self.fd = self.fd, None
        if fd is not None:
            os.close(fd)
