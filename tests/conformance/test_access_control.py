"""Proxmox's ACL expectations (``access-control/``) against pve.access.

``expectations.tsv`` lists, per ``test*.cfg`` (a user.cfg), the roles or the
privileges of a user or token on a path, sorted and comma-joined.
"""

import csv
import os

from twisted.trial import unittest

from pve.access import permissions
from pve.access.usercfg import parse_user_cfg, write_user_cfg
from tests.conformance import data_dir


FUNCTIONS = {
    "roles": permissions.roles,
    "permissions": permissions.permissions,
}


def read_cfg(folder, name):
    with open(os.path.join(folder, name), encoding="utf-8") as f:
        return f.read()


def expectations(folder):
    with open(os.path.join(folder, "expectations.tsv"), encoding="utf-8",
              newline="") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    header, rows = rows[0], rows[1:]
    assert header[:4] == ["cfg", "function", "user", "path"], header
    return [(number, row + [""] * (5 - len(row)))
            for number, row in enumerate(rows, 2)]


class ExpectationsTests(unittest.SynchronousTestCase):

    def setUp(self):
        self.folder = data_dir("access-control")
        self.rows = expectations(self.folder)
        self.configs = {}

    def config(self, name):
        if name not in self.configs:
            self.configs[name] = parse_user_cfg(read_cfg(self.folder, name))[0]
        return self.configs[name]

    def test_functions_known(self):
        """Every function the table uses is implemented."""
        used = {row[1] for _, row in self.rows}
        self.assertEqual(used - set(FUNCTIONS), set())

    def test_expectations(self):
        """Every row gives Proxmox's roles or privileges."""
        failures = []
        for number, (cfg, function, ugid, path, expected) in self.rows:
            result = FUNCTIONS[function](self.config(cfg), ugid, path)
            got = ",".join(sorted(result))
            if got != expected:
                failures.append("line %d: %s %s(%s, %r): want %r, got %r" % (
                    number, cfg, function, ugid, path, expected, got))
        self.assertEqual(failures, [])
        self.assertTrue(self.rows)


class ConfigFileTests(unittest.SynchronousTestCase):

    def setUp(self):
        self.folder = data_dir("access-control")
        self.names = sorted(n for n in os.listdir(self.folder)
                            if n.endswith(".cfg"))

    def test_parse_clean(self):
        """Proxmox's test configs read without a warning."""
        for name in self.names:
            _, warnings = parse_user_cfg(read_cfg(self.folder, name))
            self.assertEqual([str(w) for w in warnings], [], name)

    def test_rewrite_stable(self):
        """Writing, reading and writing again gives the same text and the
        same answers."""
        for name in self.names:
            cfg, _ = parse_user_cfg(read_cfg(self.folder, name))
            text = write_user_cfg(cfg)
            again, warnings = parse_user_cfg(text)
            self.assertEqual(warnings, [], name)
            self.assertEqual(write_user_cfg(again), text, name)
            self.assertEqual(again, cfg, name)

    def test_effective_permissions_of_tokens(self):
        """A token without privilege separation sees its user's privileges;
        a separated one at most those (api-get-permissions-test.cfg)."""
        cfg, _ = parse_user_cfg(read_cfg(self.folder,
                                         "api-get-permissions-test.cfg"))
        for user in ("auditor@pam", "stranger@pve"):
            mine = permissions.effective_permissions(cfg, user)
            self.assertEqual(
                permissions.effective_permissions(cfg, user + "!noprivsep"),
                mine)
            separated = permissions.effective_permissions(
                cfg, user + "!privsep")
            for path, privs in separated.items():
                self.assertLessEqual(set(privs), set(mine[path]))
        self.assertEqual(
            permissions.effective_permissions(cfg, "stranger@pve!privsep"),
            {"/vms": {"VM.Audit": 1, "VM.Console": 1}})
