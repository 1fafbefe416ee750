"""The ``pmxcfs`` command line: Proxmox's flags to a twistd argv."""

import io
import sys

from twisted.trial import unittest

from pve.cli import pmxcfs
from pve.paths import Paths


def argv(*flags):
    return pmxcfs.twistd_argv(pmxcfs.parser().parse_args(list(flags)),
                              Paths("/r"))


class TwistdArgvTests(unittest.TestCase):
    def test_daemon(self):
        self.assertEqual(argv(), [
            "twistd", "--logfile", "/r/var/log/pve/pmxcfs.log",
            "--pidfile", "/r/run/pve-cluster/pmxcfs.pid", "pmxcfs"])

    def test_foreground(self):
        self.assertEqual(argv("-f"), [
            "twistd", "-n", "--pidfile", "/r/run/pve-cluster/pmxcfs.pid",
            "pmxcfs"])

    def test_all_flags(self):
        self.assertEqual(argv("-f", "-l", "-d", "--mount", "/m"), [
            "twistd", "-n", "--pidfile", "/r/run/pve-cluster/pmxcfs.pid",
            "pmxcfs", "--local", "--debug", "--mount", "/m"])

    def test_combined_short_flags(self):
        self.assertEqual(argv("-fld"), argv("-f", "-l", "-d"))

    def test_long_flags(self):
        self.assertEqual(argv("--foreground", "--local", "--debug"),
                         argv("-f", "-l", "-d"))

    def test_unknown_flag(self):
        self.patch(sys, "stderr", io.StringIO())
        self.assertRaises(SystemExit, pmxcfs.parser().parse_args, ["-x"])
