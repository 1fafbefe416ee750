"""setup.cfg lists every package (``find:`` would drop twisted.plugins)."""

import configparser
import os

from twisted.trial import unittest

import pve

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(pve.__file__)))


def listed_packages():
    cfg = configparser.ConfigParser()
    cfg.read(os.path.join(SOURCE, "setup.cfg"))
    return set(cfg["options"]["packages"].split())


class PackagesTests(unittest.TestCase):
    def test_plugins_listed(self):
        self.assertIn("twisted.plugins", listed_packages())

    def test_every_pve_package_listed(self):
        found = set()
        for top, dirs, files in os.walk(os.path.join(SOURCE, "pve")):
            dirs[:] = [d for d in dirs if d != "__pycache__"]
            if "__init__.py" in files:
                found.add(os.path.relpath(top, SOURCE).replace(os.sep, "."))
        self.assertEqual(found - listed_packages(), set())

    def test_no_init_in_plugins(self):
        self.assertFalse(os.path.exists(
            os.path.join(SOURCE, "twisted", "__init__.py")))
        self.assertFalse(os.path.exists(
            os.path.join(SOURCE, "twisted", "plugins", "__init__.py")))
