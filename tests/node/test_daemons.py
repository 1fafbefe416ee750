"""The supervisor's pure parts: daemon commands, mountinfo, banner."""

import io
import os

from twisted.trial import unittest

from pve.node import daemons
from pve.node.banner import BannerService, banner
from pve.paths import Paths


class CommandTests(unittest.TestCase):
    def test_pmxcfs_first_and_clusterable(self):
        # not --local: pmxcfs joins the cluster of the node's corosync.conf
        first = daemons.DAEMONS[0]
        self.assertEqual((first.name, first.args, first.mount),
                         ("pmxcfs", (), "etc_pve"))

    def test_command(self):
        d = daemons.Daemon("pmxcfs", args=("--local",))
        self.assertEqual(
            daemons.command(d, "/venv/bin/python", ("/usr/bin/setsid",)),
            ["/usr/bin/setsid", "/venv/bin/python", "-c", daemons.TWISTD,
             "-n", "--pidfile=", "pmxcfs", "--local"])

    def test_environment(self):
        env = daemons.environment(
            {"PATH": "/bin", "PVE_ROOT": "/old", "PYTHONPATH": "/a:/src"},
            "/root", "n1", "/src")
        self.assertEqual(env, {
            "PATH": "/bin", "PVE_ROOT": "/root", "PVE_NODENAME": "n1",
            "PYTHONUNBUFFERED": "1", "PYTHONPATH": os.pathsep.join(
                ["/src", "/a"])})

    def test_endpoint_options(self):
        self.assertEqual(daemons.endpoint_options(), {})
        self.assertEqual(
            daemons.endpoint_options(8585, "tcp:8443:interface=127.0.0.1"),
            {"pvedaemon": ("--listen", "tcp:8585:interface=127.0.0.1"),
             "pveproxy": ("--daemon", "tcp:127.0.0.1:8585",
                          "--listen", "tcp:8443:interface=127.0.0.1")})
        d = daemons.Daemon("pveproxy")
        self.assertEqual(daemons.command(d, "py", (), ("--x", "1"))[-3:],
                         ["pveproxy", "--x", "1"])

    def test_listen_port(self):
        self.assertEqual(daemons.listen_port(None), 8006)
        self.assertEqual(daemons.listen_port("tcp:8443"), 8443)
        self.assertEqual(daemons.listen_port("tcp:port=9000:interface=::1"), 9000)
        self.assertEqual(daemons.listen_port("unix:/x"), 8006)

    def test_environment_copies(self):
        base = {"A": "1"}
        daemons.environment(base, "/r", "n", None)
        self.assertEqual(base, {"A": "1"})


class BannerTests(unittest.TestCase):
    def test_lines(self):
        text = "\n".join(banner(Paths("/r"), "n1"))
        for expected in ("/r", "n1", "/r/etc/pve",
                         "/r/run/pve-cluster/pmxcfs.sock"):
            self.assertIn(expected, text)

    def test_printed(self):
        out = io.StringIO()
        BannerService(["a", "b"], out).startService()
        self.assertEqual(out.getvalue(), "a\nb\n")
