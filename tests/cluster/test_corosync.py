"""corosync.conf: Proxmox's parser and writer, and the nodelist helpers."""

import glob
import os

from twisted.trial import unittest

from pve import paths
from pve.cluster import corosync, corosync_edit
from pve.cluster.corosync import CorosyncConfError
from tests.conformance import data_dir

THREE = """\
logging {
  debug: off
  to_syslog: yes
}

nodelist {
  node {
    name: pve1
    nodeid: 1
    quorum_votes: 1
    ring0_addr: 10.0.0.1
  }
  node {
    name: pve2
    nodeid: 2
    quorum_votes: 1
    ring0_addr: 10.0.0.2
  }
  node {
    name: pve3
    nodeid: 3
    quorum_votes: 1
    ring0_addr: 10.0.0.3
  }
}

quorum {
  provider: corosync_votequorum
}

totem {
  cluster_name: cloud
  config_version: 4
  interface {
    linknumber: 0
  }
  ip_version: ipv4-6
  link_mode: passive
  secauth: on
  version: 2
}

"""


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8")


class ConformanceTests(unittest.TestCase):
    """Proxmox's corosync_parser_test.pl: parse, write, parse again."""

    def test_round_trip(self):
        folder = data_dir("corosync")
        files = sorted(glob.glob(os.path.join(folder, "*.conf")))
        self.assertTrue(files)
        for path in files:
            text = read(path)
            conf = corosync.parse(text, path)
            written = corosync.write(conf)
            self.assertEqual(written, text, path)
            self.assertEqual(corosync.parse(written), conf, path)
            self.assertEqual(corosync_edit.verify(conf)[0], [], path)

    def test_firewall_corosync_conf(self):
        path = os.path.join(data_dir("firewall"), "corosync.conf")
        if not os.path.exists(path):
            raise unittest.SkipTest("no %s" % path)
        text = read(path)
        conf = corosync.parse(text)
        self.assertEqual(corosync.write(conf), text)
        self.assertEqual([n.name for n in corosync.nodes(conf)],
                         ["prox1", "prox2", "prox3", "proxself"])
        self.assertEqual(corosync.nodes(conf)[3].links,
                         {0: "172.16.1.2", 1: "172.16.2.2", 2: "proxself"})


class ParseTests(unittest.TestCase):
    def test_structure(self):
        conf = corosync.parse(THREE)
        self.assertEqual(sorted(conf), ["logging", "nodelist", "quorum",
                                        "totem"])
        self.assertEqual(len(conf["nodelist"]["node"]), 3)
        self.assertEqual(conf["totem"]["interface"], [{"linknumber": "0"}])
        self.assertEqual(conf["quorum"], {"provider":
                                          "corosync_votequorum"})
        self.assertEqual(corosync.write(conf), THREE)

    def test_bytes_and_empty(self):
        self.assertEqual(corosync.parse(THREE.encode()),
                         corosync.parse(THREE))
        self.assertEqual(corosync.parse(""), {})
        self.assertEqual(corosync.parse(b"  \n# only a comment\n"), {})
        self.assertEqual(corosync.parse(None), {})

    def test_comments_and_layout(self):
        text = ("# managed by hand\n"
                "totem {   # the ring\n"
                "\tversion: 2\n"
                "  cluster_name:    c1 # name\n"
                "  config_version: 7\n"
                "  interface { ringnumber: 0\n bindnetaddr: 10.1.0.0 }\n"
                "}\r\n"
                "quorum {\n}\n")
        conf = corosync.parse(text)
        self.assertEqual(conf["totem"], {
            "version": "2", "cluster_name": "c1", "config_version": "7",
            "interface": [{"ringnumber": "0", "bindnetaddr": "10.1.0.0"}]})
        self.assertEqual(conf["quorum"], {})
        self.assertEqual(corosync.write(conf), (
            "quorum {\n}\n\n"
            "totem {\n"
            "  cluster_name: c1\n"
            "  config_version: 7\n"
            "  interface {\n"
            "    bindnetaddr: 10.1.0.0\n"
            "    ringnumber: 0\n"
            "  }\n"
            "  version: 2\n"
            "}\n\n"))

    def test_last_value_wins(self):
        conf = corosync.parse("logging {\n debug: on\n debug: off\n}\n")
        self.assertEqual(conf["logging"], {"debug": "off"})

    def test_nested_and_repeated_sections(self):
        text = ("quorum {\n provider: corosync_votequorum\n device {\n"
                "  model: net\n  net {\n   host: 10.0.0.9\n  }\n }\n}\n")
        conf = corosync.parse(text)
        self.assertEqual(conf["quorum"]["device"]["net"],
                         {"host": "10.0.0.9"})
        self.assertEqual(corosync.parse(corosync.write(conf)), conf)

    def assertParseError(self, text, line, message):
        with self.assertRaises(CorosyncConfError) as cm:
            corosync.parse(text, "/etc/pve/corosync.conf")
        e = cm.exception
        self.assertEqual((e.line, e.message), (line, message))
        self.assertEqual(str(e), "file /etc/pve/corosync.conf line %d: %s"
                         % (line, message))

    def test_errors(self):
        self.assertParseError("totem {\n  version 2\n}\n", 2,
                              "missing ':' after key 'version'")
        self.assertParseError("totem {\n  version:2\n}\n", 2,
                              "missing ':' after key 'version:2'")
        self.assertParseError("totem {\n : 2\n}\n", 2,
                              "parse error - ':' without a key")
        self.assertParseError("totem {\n}\n}\n", 3,
                              "parse error - unexpected '}'")
        self.assertParseError("logging {\n debug:\n}\n", 2,
                              "parse error - no value for 'debug'")
        self.assertParseError("logging {\n debug:", 2,
                              "parse error - no value for 'debug'")
        self.assertParseError("quorum {\n}\n\nquorum {\n}\n", 4,
                              "section 'quorum' already exists and not"
                              " marked as array!")
        self.assertParseError("totem: x\ntotem {\n}\n", 2,
                              "section 'totem' already exists and not"
                              " marked as array!")
        self.assertParseError("logging {\n debug: off\n", 1,
                              "parse error - missing '}' for section"
                              " 'logging'")
        self.assertParseError("a {\n b {\n }\n", 1,
                              "parse error - missing '}' for section 'a'")
        self.assertParseError("totem {\n}\ntotem: 1\n", 3,
                              "key 'totem' is also a section")
        self.assertParseError(
            "nodelist {\n node {\n  name: a\n }\n node {\n  name: a\n }\n}\n",
            5, "duplicate node 'a' in section 'nodelist'")
        self.assertParseError(
            "totem {\n interface {\n  linknumber: 0\n }\n"
            " interface {\n  linknumber: 0\n }\n}\n",
            5, "duplicate interface '0' in section 'totem'")

    def test_error_without_filename(self):
        with self.assertRaises(CorosyncConfError) as cm:
            corosync.parse("x y\n")
        self.assertEqual(str(cm.exception),
                         "line 1: missing ':' after key 'x'")


class WriteTests(unittest.TestCase):
    def test_sorts_nodes_and_interfaces(self):
        conf = corosync.parse(THREE)
        nodes = conf["nodelist"]["node"]
        nodes.reverse()
        conf["totem"]["interface"] = [{"linknumber": "1"},
                                      {"linknumber": "0"}]
        text = corosync.write(conf)
        self.assertLess(text.index("name: pve1"), text.index("name: pve3"))
        self.assertLess(text.index("linknumber: 0"),
                        text.index("linknumber: 1"))
        # the input is not changed
        self.assertEqual(nodes[0]["name"], "pve3")

    def test_node_without_name_sorts_by_ring0(self):
        conf = {"nodelist": {"node": [{"ring0_addr": "b"},
                                      {"ring0_addr": "a"}]}}
        self.assertEqual(corosync.write(conf), (
            "nodelist {\n  node {\n    ring0_addr: a\n  }\n"
            "  node {\n    ring0_addr: b\n  }\n}\n\n"))

    def test_ints_are_written(self):
        self.assertEqual(corosync.write({"totem": {"version": 2}}),
                         "totem {\n  version: 2\n}\n\n")

    def test_refuses_what_would_not_read_back(self):
        for conf in ({"totem": {"cluster_name": "a b"}},
                     {"totem": {"cluster_name": "a#b"}},
                     {"totem": {"cluster_name": ""}},
                     {"totem": {"cluster_name": "x}"}},
                     {"totem": {"cluster_name": None}},
                     {"totem": {"cluster_name": True}},
                     {"totem": {"bad key": "x"}},
                     {"totem": {"key:": "x"}},
                     {"nodelist": {"node": ["x"]}}):
            self.assertRaises(CorosyncConfError, corosync.write, conf)


class HelperTests(unittest.TestCase):
    def setUp(self):
        self.conf = corosync.parse(THREE)

    def test_totem_values(self):
        self.assertEqual(corosync.cluster_name(self.conf), "cloud")
        self.assertEqual(corosync.config_version(self.conf), 4)
        self.assertIsNone(corosync.cluster_name({}))
        self.assertIsNone(corosync.config_version({}))

    def test_bump(self):
        bumped = corosync.bump_config_version(self.conf)
        self.assertEqual(corosync.config_version(bumped), 5)
        self.assertEqual(corosync.config_version(self.conf), 4)
        conf, text = corosync.prepare_write(self.conf)
        self.assertIn("  config_version: 5\n", text)
        self.assertEqual(corosync.config_version(conf), 5)
        conf, text = corosync.prepare_write(self.conf, increase_version=False)
        self.assertEqual(text, THREE)

    def test_bump_errors(self):
        with self.assertRaises(CorosyncConfError) as cm:
            corosync.bump_config_version({"totem": {}})
        self.assertEqual(str(cm.exception), "invalid corosync config: unable"
                         " to read config version")
        self.assertRaises(CorosyncConfError, corosync.bump_config_version,
                          {"totem": {"config_version": "x1"}})

    def test_nodes(self):
        nodes = corosync.nodes(self.conf)
        self.assertEqual([(n.name, n.nodeid, n.votes, n.links, n.address)
                          for n in nodes],
                         [("pve1", 1, 1, {0: "10.0.0.1"}, "10.0.0.1"),
                          ("pve2", 2, 1, {0: "10.0.0.2"}, "10.0.0.2"),
                          ("pve3", 3, 1, {0: "10.0.0.3"}, "10.0.0.3")])
        old = corosync.parse("nodelist {\n node {\n  nodeid: 4\n"
                             "  ring0_addr: prox1\n  ring1_addr: x\n }\n}\n")
        node, = corosync.nodes(old)
        self.assertEqual((node.name, node.nodeid, node.votes, node.links),
                         ("prox1", 4, 1, {0: "prox1", 1: "x"}))
        self.assertEqual(corosync.nodes({}), [])

    def test_find_node(self):
        self.assertEqual(corosync.find_node(self.conf, "pve2")["nodeid"], "2")
        self.assertIsNone(corosync.find_node(self.conf, "10.0.0.2"))
        self.assertIsNone(corosync.find_node(self.conf, "pve9"))


class AddNodeTests(unittest.TestCase):
    def setUp(self):
        self.conf = corosync.parse(THREE)

    def test_next_free_nodeid(self):
        conf, removed = corosync_edit.remove_node(self.conf, "pve2")
        conf = corosync_edit.add_node(conf, "pve4", links={0: "10.0.0.4"})
        node = corosync.find_node(conf, "pve4")
        self.assertEqual(node, {"name": "pve4", "nodeid": "2",
                                "quorum_votes": "1",
                                "ring0_addr": "10.0.0.4"})
        conf = corosync_edit.add_node(conf, "pve5", new_node_ip="10.0.0.5")
        self.assertEqual(corosync.find_node(conf, "pve5")["nodeid"], "4")
        # the original is untouched, and nothing was bumped
        self.assertEqual(len(corosync.nodes(self.conf)), 3)
        self.assertEqual(corosync.config_version(conf), 4)

    def test_write_after_add(self):
        conf = corosync_edit.add_node(self.conf, "pve0", links={0: "10.0.0.9"},
                                 nodeid=9, votes=2)
        conf, text = corosync.prepare_write(conf)
        self.assertIn("  node {\n    name: pve0\n    nodeid: 9\n"
                      "    quorum_votes: 2\n    ring0_addr: 10.0.0.9\n  }\n"
                      "  node {\n    name: pve1\n", text)
        self.assertIn("config_version: 5\n", text)

    def test_zero_votes_are_written(self):
        conf = corosync_edit.add_node(self.conf, "w", links={0: "10.0.0.9"},
                                 votes=0)
        self.assertEqual(corosync.find_node(conf, "w")["quorum_votes"], "0")

    def test_link_dicts(self):
        conf = corosync_edit.add_node(self.conf, "pve4",
                                 links={"0": {"address": "10.0.0.4",
                                              "priority": 5}})
        self.assertEqual(corosync.find_node(conf, "pve4")["ring0_addr"],
                         "10.0.0.4")

    def assertAddError(self, message, *args, **kwargs):
        with self.assertRaises(CorosyncConfError) as cm:
            corosync_edit.add_node(self.conf, *args, **kwargs)
        self.assertEqual(str(cm.exception), message)

    def test_errors(self):
        self.assertAddError("corosync: address '10.0.0.2' already used on"
                            " link ring0_addr by node 'pve2'",
                            "pve4", links={0: "10.0.0.2"})
        self.assertAddError("corosync: link 0 exists in cluster config but"
                            " wasn't specified for new node",
                            "pve4", links={1: "10.1.0.4"})
        self.assertAddError("corosync: link 1 specified for new node doesn't"
                            " exist in cluster config",
                            "pve4", links={0: "10.0.0.4", 1: "10.1.0.4"})
        self.assertAddError("no links and no fallback ip (new_node_ip) given,"
                            " cannot join cluster", "pve4")
        self.assertAddError("can't add existing node 'pve2'",
                            "pve2", links={0: "10.0.0.2"})
        self.assertAddError("can't add existing node 'pve2'",
                            "pve2", links={0: "10.0.0.2"}, force=True,
                            votes=3)
        self.assertAddError("invalid link number 8 (link0..link7)",
                            "pve4", links={8: "10.0.0.4"})

    def test_force_readds_same_node(self):
        conf = corosync_edit.add_node(self.conf, "pve2", links={0: "10.0.9.2"},
                                 force=True)
        self.assertEqual(corosync.find_node(conf, "pve2"), {
            "name": "pve2", "nodeid": "2", "quorum_votes": "1",
            "ring0_addr": "10.0.9.2"})
        self.assertEqual(len(corosync.nodes(conf)), 3)

    def test_multi_link_fallback_refused(self):
        conf = corosync.parse(read(os.path.join(data_dir("corosync"),
                                                "single-node.conf")))
        conf["nodelist"]["node"][0]["ring1_addr"] = "prox1-ring1"
        conf["totem"]["interface"].append({"ringnumber": "1"})
        with self.assertRaises(CorosyncConfError) as cm:
            corosync_edit.add_node(conf, "prox2", new_node_ip="10.0.0.2")
        self.assertEqual(str(cm.exception),
                         "no links given but multiple links found on other"
                         " nodes, fallback only supported on single-link"
                         " clusters")

    def test_invalid_config_refused(self):
        conf = corosync.parse(THREE)
        conf["nodelist"]["node"][1]["ring1_addr"] = "10.1.0.2"
        with self.assertRaises(CorosyncConfError) as cm:
            corosync_edit.add_node(conf, "pve4", links={0: "10.0.0.4"})
        self.assertEqual(str(cm.exception),
                         "invalid corosync.conf: node 'pve2' has"
                         " 'ring1_addr', but there is no interface number 1"
                         " configured")


class RemoveNodeTests(unittest.TestCase):
    def setUp(self):
        self.conf = corosync.parse(THREE)

    def test_by_name_and_address(self):
        conf, removed = corosync_edit.remove_node(self.conf, "pve3")
        self.assertEqual(removed["nodeid"], "3")
        self.assertEqual([n.name for n in corosync.nodes(conf)],
                         ["pve1", "pve2"])
        conf, removed = corosync_edit.remove_node(self.conf, "10.0.0.1")
        self.assertEqual(removed["name"], "pve1")
        self.assertEqual(len(corosync.nodes(self.conf)), 3)

    def test_errors(self):
        with self.assertRaises(CorosyncConfError) as cm:
            corosync_edit.remove_node(self.conf, "pve9")
        self.assertEqual(str(cm.exception),
                         "Node/IP: pve9 is not a known host of the cluster.")
        with self.assertRaises(CorosyncConfError) as cm:
            corosync_edit.remove_node(self.conf, "pve1", local_node="pve1")
        self.assertEqual(str(cm.exception),
                         "Cannot delete myself from cluster!")


class CreateTests(unittest.TestCase):
    def test_pvecm_create(self):
        conf = corosync_edit.create_conf("pve1", "cloud", "192.168.1.10")
        self.assertEqual(corosync.config_version(conf), 0)
        conf, text = corosync.prepare_write(conf)
        self.assertEqual(text, (
            "logging {\n"
            "  debug: off\n"
            "  to_syslog: yes\n"
            "}\n"
            "\n"
            "nodelist {\n"
            "  node {\n"
            "    name: pve1\n"
            "    nodeid: 1\n"
            "    quorum_votes: 1\n"
            "    ring0_addr: 192.168.1.10\n"
            "  }\n"
            "}\n"
            "\n"
            "quorum {\n"
            "  provider: corosync_votequorum\n"
            "}\n"
            "\n"
            "totem {\n"
            "  cluster_name: cloud\n"
            "  config_version: 1\n"
            "  interface {\n"
            "    linknumber: 0\n"
            "  }\n"
            "  ip_version: ipv4-6\n"
            "  link_mode: passive\n"
            "  secauth: on\n"
            "  token_coefficient: 125\n"
            "  version: 2\n"
            "}\n"
            "\n"))
        self.assertEqual(corosync.parse(text), conf)
        self.assertEqual(corosync_edit.verify(conf), ([], []))

    def test_links_and_options(self):
        conf = corosync_edit.create_conf(
            "n1", "c", "192.168.1.10", nodeid=5, votes=2,
            token_coefficient=None,
            links={0: {"address": "10.0.0.1", "priority": 20},
                   1: {"address": "10.1.0.1", "priority": 0}})
        self.assertEqual(conf["totem"]["interface"], [
            {"linknumber": "0", "knet_link_priority": "20"},
            {"linknumber": "1"}])
        self.assertNotIn("token_coefficient", conf["totem"])
        self.assertEqual(corosync.find_node(conf, "n1"), {
            "name": "n1", "nodeid": "5", "quorum_votes": "2",
            "ring0_addr": "10.0.0.1", "ring1_addr": "10.1.0.1"})
        # a second node joins with both links
        conf = corosync_edit.add_node(conf, "n2", links={0: "10.0.0.2",
                                                    1: "10.1.0.2"})
        self.assertEqual(corosync.find_node(conf, "n2")["nodeid"], "1")


class VerifyTests(unittest.TestCase):
    def test_no_interfaces_links_must_match(self):
        conf = {"totem": {"secauth": "on"}, "nodelist": {"node": [
            {"name": "a", "ring0_addr": "1", "ring1_addr": "2"},
            {"name": "b", "ring0_addr": "3"}]}}
        self.assertEqual(corosync_edit.verify(conf), (
            ["node 'b' is missing link 1, which is configured on other"
             " nodes"], []))

    def test_interfaces(self):
        conf = {"totem": {"interface": [{"linknumber": "0"},
                                        {"linknumber": "1"}]},
                "nodelist": {"node": [{"name": "a", "ring0_addr": "1"}]}}
        errors, warnings = corosync_edit.verify(conf)
        self.assertEqual(errors, ["node 'a' is missing address for interface"
                                  " number 1"])
        self.assertEqual(warnings, [
            "warning: authentication/encryption is not explicitly enabled"
            " (secauth / crypto_cipher / crypto_hash)"])

    def test_empty(self):
        self.assertEqual(corosync_edit.verify({}), (["no nodes found"], []))
        self.assertEqual(corosync_edit.verify({"nodelist": {"node": [{}]}}),
                         (["no totem found"], []))


class SyncDecisionTests(unittest.TestCase):
    def conf(self, version, extra=""):
        return ("totem {\n  config_version: %d\n%s}\n\n"
                % (version, extra)).encode()

    def test_rules(self):
        decide = corosync.sync_decision
        self.assertEqual(decide(None, None), (False, False, 0, ()))
        self.assertEqual(decide(b"", self.conf(1)), (False, False, 0, ()))
        self.assertEqual(decide(b"totem {\n}\n", None), (
            False, False, 0,
            ((True, "unable to parse cluster config_version"),)))
        # no local copy yet: write, nothing to reload
        self.assertEqual(decide(self.conf(3), None), (
            True, False, 3,
            ((False, "wrote new corosync config '/etc/corosync/corosync.conf'"
              " (version = 3)"),)))
        # newer cluster copy: write and reload
        self.assertEqual(decide(self.conf(3), self.conf(2))[:3],
                         (True, True, 3))
        # same text: nothing
        self.assertEqual(decide(self.conf(3), self.conf(3)),
                         (False, False, 3, ()))
        # same version, other text: written, as pmxcfs does
        self.assertEqual(decide(self.conf(3, "  x: y\n"), self.conf(3))[:2],
                         (True, True))
        # local is newer: kept
        self.assertEqual(decide(self.conf(3), self.conf(4)), (
            False, False, 3, ((True, "local corosync.conf is newer"),)))
        # a local copy without a version counts as version 0
        self.assertEqual(decide(self.conf(1), b"garbage")[:2], (True, False))

    def test_text_version(self):
        self.assertEqual(corosync.text_config_version(b"config_version:12"),
                         12)
        self.assertEqual(corosync.text_config_version("config_version : 7"),
                         7)
        self.assertEqual(corosync.text_config_version(b"version: 2"), 0)
        self.assertEqual(corosync.text_config_version(None), 0)


class SyncLocalTests(unittest.TestCase):
    def setUp(self):
        self.paths = paths.Paths(self.mktemp())

    def test_writes_newer(self):
        target = self.paths.corosync_conf
        self.assertEqual(target, os.path.join(self.paths.root,
                                              "etc/corosync/corosync.conf"))
        data = THREE.encode()
        decision = corosync.sync_local_conf(self.paths, data)
        self.assertEqual(decision[:3], (True, False, 4))
        self.assertEqual(decision.messages, (
            (False, "wrote new corosync config '%s' (version = 4)" % target),))
        with open(target, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(os.stat(target).st_mode & 0o777, 0o644)
        self.assertEqual(os.listdir(os.path.dirname(target)),
                         ["corosync.conf"])
        # again: nothing to do
        self.assertEqual(corosync.sync_local_conf(self.paths, data),
                         (False, False, 4, ()))
        # a newer cluster copy replaces it and asks for a reload
        newer = corosync.prepare_write(corosync.parse(data))[1].encode()
        self.assertEqual(corosync.sync_local_conf(self.paths, newer)[:2],
                         (True, True))
        with open(target, "rb") as f:
            self.assertEqual(f.read(), newer)
        # an older one does not
        decision = corosync.sync_local_conf(self.paths, data)
        self.assertEqual(decision.messages,
                         ((True, "local corosync.conf is newer"),))
        with open(target, "rb") as f:
            self.assertEqual(f.read(), newer)

    def test_unreadable_local_copy(self):
        target = self.paths.corosync_conf
        os.makedirs(target)  # a directory: reading fails, so does replacing
        self.assertRaises(OSError, corosync.sync_local_conf, self.paths,
                          THREE.encode())
        self.assertEqual(os.listdir(os.path.dirname(target)),
                         ["corosync.conf"])

    def test_authkey_path(self):
        self.assertEqual(self.paths.corosync_authkey,
                         os.path.join(self.paths.root, "etc/corosync/authkey"))
