"""The first user of an embedded node (``pve.node.admin``) and the login
lines of the banner, on a real ConfigFS through the API handlers."""

import io
import os
import random
import stat

from twisted.internet import defer
from twisted.trial import unittest

from pve.api.schema import APIError
from pve.node import admin
from pve.node.banner import BannerService, login_lines
from tests.api.endpoints_env import Node


class AdminTests(unittest.TestCase):
    def setUp(self):
        self.node = Node(self, keys=True)

    def ensure(self, seed=1):
        return admin.ensure_admin(self.node.client, self.node.clock,
                                  self.node.paths, "node1",
                                  registry=self.node.registry,
                                  rng=random.Random(seed))

    @defer.inlineCallbacks
    def test_first_start(self):
        password = yield self.ensure()
        self.assertEqual(len(password), admin.PASSWORD_LENGTH)
        path = self.node.paths.admin_password
        self.assertEqual(path, self.node.paths.join("root/pve-admin-password"))
        self.assertEqual(stat.S_IMODE(os.stat(path).st_mode), 0o600)
        self.assertEqual(admin.read_password(path), password)
        self.assertIn("acl:1:/:admin@pve:Administrator:", self.node.read("user.cfg"))
        ticket = yield self.node.call("POST", "/access/ticket", {
            "username": "admin@pve", "password": password})
        self.assertEqual(ticket["username"], "admin@pve")
        self.assertTrue(ticket["ticket"].startswith("PVE:admin@pve:"))
        e = yield self.assertFailure(self.node.call("POST", "/access/ticket", {
            "username": "admin@pve", "password": password + "x"}), APIError)
        self.assertEqual(e.code, 401)
        # not a first start any more: nothing changes
        again = yield self.ensure(seed=2)
        self.assertIsNone(again)
        self.assertEqual(admin.read_password(path), password)

    @defer.inlineCallbacks
    def test_other_users_exist(self):
        self.node.write("user.cfg", "user:alice@pve:1:0:::::\n")
        created = yield self.ensure()
        self.assertIsNone(created)
        self.assertFalse(os.path.exists(self.node.paths.admin_password))
        self.assertNotIn("admin@pve", self.node.read("user.cfg"))

    def test_passwords_differ(self):
        self.assertNotEqual(admin.new_password(), admin.new_password())
        self.assertTrue(admin.new_password().isalnum())


class LoginLinesTests(unittest.TestCase):
    def test_with_password(self):
        lines = login_lines(8006, "s3cret", "/r/root/pve-admin-password")
        self.assertEqual(lines[0], "web UI and API: https://localhost:8006  "
                         "user admin@pve  password: s3cret "
                         "(also in /r/root/pve-admin-password)")
        self.assertIn("root@pam (PAM: the machine's root password)", lines[1])

    def test_without_password(self):
        lines = login_lines(8443, None, "/r/root/pve-admin-password")
        self.assertEqual(lines[0], "web UI and API: https://localhost:8443")

    def test_printed_after_login(self):
        out = io.StringIO()
        ready = defer.Deferred()
        banner = BannerService(["a"], out, login=lambda: ready)
        banner.startService()
        self.assertEqual(out.getvalue(), "a\n")
        ready.callback(["b", "c"])
        self.assertEqual(out.getvalue(), "a\nb\nc\n")
