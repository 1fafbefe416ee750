"""pve.sdnotify against a real datagram socket, as systemd would listen."""

import os
import socket

from twisted.trial import unittest

from pve import sdnotify


class NotifyTests(unittest.TestCase):
    def listen(self, name):
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.addCleanup(s.close)
        s.bind(sdnotify.address(name))
        return s

    def test_abstract_socket(self):
        name = "@pve-test-%d" % os.getpid()
        s = self.listen(name)
        env = {"NOTIFY_SOCKET": name}
        self.assertTrue(sdnotify.ready(env))
        self.assertEqual(s.recv(100), b"READY=1")
        # taken out, so the processes started later stay silent
        self.assertEqual(env, {})
        self.assertFalse(sdnotify.ready(env))

    def test_path_socket(self):
        path = os.path.abspath(self.mktemp())
        s = self.listen(path)
        self.assertTrue(sdnotify.ready({"NOTIFY_SOCKET": path}))
        self.assertEqual(s.recv(100), b"READY=1")

    def test_nobody_listening(self):
        self.assertFalse(sdnotify.ready({"NOTIFY_SOCKET": "@pve-test-none"}))
        self.assertFalse(sdnotify.ready({}))
