"""``pvecm status`` and ``pvecm nodes`` text, as Proxmox prints it."""

import time

from twisted.trial import unittest

from pve.cluster import corosync, pvecm_format, votequorum
from pve.cluster.pvecm_format import Member, Status
from tests.cluster.test_corosync import THREE

# 2021-09-14 11:06:47 UTC
DATE = 1631617607

STATUS = """\
Cluster information
-------------------
Name:             cloud
Config Version:   4
Transport:        knet
Secure auth:      on

Quorum information
------------------
Date:             Tue Sep 14 11:06:47 2021
Quorum provider:  corosync_votequorum
Nodes:            3
Node ID:          0x00000002
Ring ID:          1.1a8
Quorate:          Yes

Votequorum information
----------------------
Expected votes:   3
Highest expected: 3
Total votes:      3
Quorum:           2  |
Flags:            Quorate |

Membership information
----------------------
    Nodeid      Votes Name
0x00000001          1 10.0.0.1
0x00000002          1 10.0.0.2 (local)
0x00000003          1 10.0.0.3
""".replace("|\n", "\n")  # | marks where a line ends in spaces

NODES = """\

Membership information
----------------------
    Nodeid      Votes Name
         1          1 pve1
         2          1 pve2 (local)
         3          1 pve3
"""


def three_node_status():
    return Status(
        nodeid=2, quorate=True, ring_id=(1, 0x1a8), date=DATE,
        totem={"cluster_name": "cloud", "config_version": "4",
               "secauth": "on"},
        members=[Member(3, 1, "pve3", "10.0.0.3"),
                 Member(1, 1, "pve1", "10.0.0.1"),
                 {"nodeid": 2, "votes": 1, "name": "pve2",
                  "address": "10.0.0.2"}],
        expected_votes=3, highest_expected=3, total_votes=3, quorum=2,
        flags=["Quorate"])


class StatusTests(unittest.TestCase):
    def test_three_nodes(self):
        status = three_node_status()
        self.assertEqual(pvecm_format.format_status(status, time.gmtime),
                         STATUS)
        self.assertEqual(pvecm_format.status_exit_code(status), 0)

    def test_from_config_and_state(self):
        conf = corosync.parse(THREE)
        state = votequorum.evaluate(
            votequorum.QuorumConfig.from_conf(conf), [3, 2, 1])
        status = pvecm_format.status_from(conf, state, 2, (1, 0x1a8), DATE)
        self.assertEqual(pvecm_format.format_status(status, time.gmtime),
                         STATUS)

    def test_without_quorum(self):
        conf = corosync.parse(THREE)
        state = votequorum.evaluate(
            votequorum.QuorumConfig.from_conf(conf), [1])
        status = pvecm_format.status_from(conf, state, 1, (1, 0x1b0), DATE)
        text = pvecm_format.format_status(status, time.gmtime)
        self.assertIn("Nodes:            1\n"
                      "Node ID:          0x00000001\n"
                      "Ring ID:          1.1b0\n"
                      "Quorate:          No\n"
                      "\n"
                      "Votequorum information\n"
                      "----------------------\n"
                      "Expected votes:   3\n"
                      "Highest expected: 3\n"
                      "Total votes:      1\n"
                      "Quorum:           2 Activity blocked\n"
                      "Flags:            \n"
                      "\n"
                      "Membership information\n"
                      "----------------------\n"
                      "    Nodeid      Votes Name\n"
                      "0x00000001          1 10.0.0.1 (local)\n", text)
        self.assertTrue(text.endswith("(local)\n"))
        self.assertEqual(pvecm_format.status_exit_code(status), 2)

    def test_two_node_flags(self):
        status = three_node_status()
        status.flags = ["2Node", "Quorate", "WaitForAll"]
        text = pvecm_format.format_status(status, time.gmtime)
        self.assertIn("\nFlags:            2Node Quorate WaitForAll \n", text)

    def test_totem_defaults_and_absent(self):
        self.assertEqual(pvecm_format.cluster_information({"version": "2"}), (
            "Cluster information\n"
            "-------------------\n"
            "Name:             UNKOWN?\n"
            "Config Version:   -1\n"
            "Transport:        knet\n"
            "Secure auth:      off\n\n"))
        status = three_node_status()
        status.totem = {}
        text = pvecm_format.format_status(status, time.gmtime)
        self.assertTrue(text.startswith("Quorum information\n"))

    def test_without_votequorum(self):
        status = three_node_status()
        status.quorum_provider = None
        text = pvecm_format.format_status(status, time.gmtime)
        self.assertTrue(text.endswith(
            "Quorum provider:  Not configured\n"
            "Nodes:            3\n"
            "Node ID:          0x00000002\n"
            "Ring ID:          1a8\n"
            "Quorate:          Yes\n"))

    def test_local_time(self):
        status = three_node_status()
        text = pvecm_format.format_status(status)
        self.assertIn("Date:             %s\n" % time.ctime(DATE), text)


class NodesTests(unittest.TestCase):
    def test_three_nodes(self):
        members = three_node_status().members
        self.assertEqual(pvecm_format.format_nodes(members, 2), NODES)

    def test_from_config(self):
        conf = corosync.parse(THREE)
        members = pvecm_format.members_from(conf, [2, 3, 1])
        self.assertEqual(pvecm_format.format_nodes(members, 2), NODES)

    def test_wide_values_and_unknown_nodes(self):
        conf = corosync.parse(THREE)
        members = pvecm_format.members_from(conf, [1, 12345678901])
        self.assertEqual(members[1], Member(12345678901))
        members[0].votes = 10
        self.assertEqual(pvecm_format.format_nodes(members, 1), (
            "\nMembership information\n"
            "----------------------\n"
            "    Nodeid      Votes Name\n"
            "         1         10 pve1 (local)\n"
            "12345678901          1 \n"))

    def test_names_fall_back_to_address(self):
        members = [Member(1, 1, None, "10.0.0.1")]
        self.assertTrue(pvecm_format.format_nodes(members, 2).endswith(
            "         1          1 10.0.0.1\n"))

    def test_without_votequorum(self):
        members = [Member(1, 1, "a")]
        self.assertEqual(pvecm_format.format_nodes(members, 1, False), (
            "\nMembership information\n"
            "----------------------\n"
            "    Nodeid Name\n"
            "         1 a (local)\n"))
