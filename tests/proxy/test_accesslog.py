"""The access log's lines, as Proxmox's pveproxy writes them."""

import os
import stat
import time

from twisted.internet import task
from twisted.trial import unittest

from pve.proxy import accesslog


class FakeAddress:
    def __init__(self, host):
        self.host = host


class FakeRequest:
    def __init__(self, host="192.0.2.7", user=None, uri=b"/api2/json/version",
                 code=200, length=123):
        self.host = host
        self.method = b"GET"
        self.uri = uri
        self.clientproto = b"HTTP/1.1"
        self.code = code
        self.sentLength = length
        if user is not None:
            setattr(self, accesslog.USER_ATTR, user)

    def getClientAddress(self):
        return FakeAddress(self.host)


class LineTests(unittest.TestCase):

    def test_peer(self):
        self.assertEqual(accesslog.peer("192.0.2.7"), "::ffff:192.0.2.7")
        self.assertEqual(accesslog.peer("2001:db8::1"), "2001:db8::1")
        self.assertEqual(accesslog.peer(None), "-")

    def test_time_string(self):
        ts = accesslog.TimeString(localtime=time.gmtime)
        self.assertEqual(ts(1795793174.7), "27/11/2026:15:26:14 +0000")
        self.assertEqual(ts(1795793174.9), "27/11/2026:15:26:14 +0000")
        self.assertEqual(ts(1795793175.0), "27/11/2026:15:26:15 +0000")

    def test_format(self):
        self.assertEqual(
            accesslog.format_line("::ffff:192.0.2.7", "root@pam",
                                  "27/11/2026:15:26:14 +0000",
                                  "GET /api2/json/version HTTP/1.1", 200, 123),
            '::ffff:192.0.2.7 - root@pam [27/11/2026:15:26:14 +0000] '
            '"GET /api2/json/version HTTP/1.1" 200 123\n')
        self.assertEqual(
            accesslog.format_line("-", None, "t", "-", None, None),
            '- - - [t] "-" 500 -\n')


class FileTests(unittest.TestCase):

    def test_appends_lines(self):
        path = os.path.join(self.mktemp(), "pveproxy", "access.log")
        clock = task.Clock()
        clock.advance(1795793174)
        log = accesslog.AccessLog(path, clock)
        self.addCleanup(log.close)
        log.timestr = accesslog.TimeString(localtime=time.gmtime)
        log.log(FakeRequest(user="root@pam"))
        log.log(FakeRequest(code=401, length=0))
        with open(path) as f:
            self.assertEqual(f.read(), (
                '::ffff:192.0.2.7 - root@pam [27/11/2026:15:26:14 +0000] '
                '"GET /api2/json/version HTTP/1.1" 200 123\n'
                '::ffff:192.0.2.7 - - [27/11/2026:15:26:14 +0000] '
                '"GET /api2/json/version HTTP/1.1" 401 0\n'))
        # 0640 at most (as Proxmox's logrotate makes it)
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode) & ~0o640, 0)

    def test_closed_writes_nothing(self):
        path = os.path.join(self.mktemp(), "access.log")
        log = accesslog.AccessLog(path, task.Clock())
        log.close()
        log.log(FakeRequest())
        log.close()
        self.assertEqual(os.path.getsize(path), 0)
