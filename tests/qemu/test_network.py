"""Taps on bridges as PVE::Network plugs them: names and MTU rules as data,
the operations in a fresh network namespace per test (deleted also when the
test fails), VLAN command sequences against a recorded fake where the
kernel lacks 802.1Q or bridge VLAN filtering, and QEMU running our
``pve-bridge`` scripts."""

import itertools
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

from twisted.trial import unittest

from pve.paths import Paths
from pve.qemu import bridge_script, network
from pve.qemu.network import Network, NetworkError

QEMU = shutil.which("qemu-system-x86_64")
_names = itertools.count()


def _ip(*args, check=True):
    return subprocess.run(["ip"] + list(args), capture_output=True, text=True,
                          check=check)


def _have_netns():
    if os.geteuid() != 0 or not shutil.which("ip") or not shutil.which("bridge"):
        return False
    name = "pvetprobe%d" % os.getpid()
    if _ip("netns", "add", name, check=False).returncode:
        return False
    _ip("netns", "del", name, check=False)
    return True


NETNS = _have_netns()


class NamesTests(unittest.TestCase):
    """Pure: names, MTU, interfaces file, physical ports."""

    def test_tap_name(self):
        self.assertEqual(network.tap_name(100, 0), "tap100i0")
        self.assertEqual(network.tap_name(999999999, 31), "tap999999999i31")
        err = self.assertRaises(NetworkError, network.tap_name, 9999999999, 31)
        self.assertEqual(str(err), "interface name 'tap9999999999i31' is too long"
                                   " (max 15 character)")

    def test_parse_tap_name(self):
        self.assertEqual(network.parse_tap_name("tap100i3"), ("100", "3"))
        self.assertEqual(network.parse_tap_name("veth101i0"), ("101", "0"))
        self.assertIsNone(network.parse_tap_name("eth0", noerr=True))
        err = self.assertRaises(NetworkError, network.parse_tap_name, "eth0")
        self.assertEqual(str(err), "can't create firewall bridge for random"
                                   " interface name 'eth0'")

    def test_firewall_names(self):
        self.assertEqual(tuple(network.firewall_names("100", "2")),
                         ("fwbr100i2", "fwln100i2", "fwpr100p2", "fwln100o2"))

    def test_check_iface_name(self):
        network.check_iface_name("vmbr0v4094")
        self.assertRaises(NetworkError, network.check_iface_name, "x" * 16)
        self.assertRaises(NetworkError, network.check_iface_name, "a b")
        self.assertRaises(NetworkError, network.check_iface_name, "")

    def test_nic_mtu(self):
        self.assertEqual(network.nic_mtu("net0", None, 9000), 9000)
        self.assertEqual(network.nic_mtu("net0", 1, 9000), 9000)
        self.assertEqual(network.nic_mtu("net0", 1400, 1500), 1400)
        err = self.assertRaises(NetworkError, network.nic_mtu, "net0", 500, 1500)
        self.assertEqual(str(err), "netdev net0: MTU '500' is smaller than the"
                                   " IP minimum MTU '576'")
        err = self.assertRaises(NetworkError, network.nic_mtu, "net1", 9000, 1500)
        self.assertTrue(str(err).startswith(
            "netdev net1: MTU '9000' is bigger than the bridge MTU '1500' - "))

    def test_interfaces_learning(self):
        text = ("auto lo\niface lo inet loopback\n\n"
                "iface vmbr0 inet manual\n\tbridge-ports eno1\n"
                "\tbridge-disable-mac-learning 1\n\n"
                "auto vmbr1\niface vmbr1 inet manual\n"
                "\tbridge-disable-mac-learning 0\n")
        self.assertFalse(network.interfaces_learning(text, "vmbr0"))
        self.assertTrue(network.interfaces_learning(text, "vmbr1"))
        self.assertTrue(network.interfaces_learning(text, "vmbr2"))

    def test_physical_bridge_ports(self):
        links = [
            {"ifname": "eno1", "link_type": "ether", "master": "vmbr0"},
            {"ifname": "bond0", "link_type": "ether", "master": "vmbr0",
             "linkinfo": {"info_kind": "bond"}},
            {"ifname": "eno2.5", "link_type": "ether", "master": "vmbr0",
             "linkinfo": {"info_kind": "vlan"}},
            {"ifname": "tap100i0", "link_type": "ether", "master": "vmbr0",
             "linkinfo": {"info_kind": "tun"}},
            {"ifname": "veth0", "link_type": "ether", "master": "vmbr0",
             "linkinfo": {"info_kind": "veth"}},
            {"ifname": "eno3", "link_type": "ether", "master": "vmbr1"},
            {"ifname": "eno4", "link_type": "ether"},
        ]
        self.assertEqual(network.physical_bridge_ports(links, "vmbr0"),
                         ["eno1", "bond0", "eno2.5"])


class NetnsMixin:
    """A fresh network namespace per test, removed in cleanup."""

    skip = None if NETNS else "needs root and ip netns"

    def setUp(self):
        self.ns = "pvet%d-%d" % (os.getpid(), next(_names))
        _ip("netns", "add", self.ns)
        self.addCleanup(_ip, "netns", "del", self.ns, check=False)
        self.root = os.path.abspath(self.mktemp())
        os.makedirs(self.root)
        self.net = Network(self.ns, root=self.root)
        # failing commands write their stderr to ours, as Proxmox's do
        self.patch(sys, "stderr", _Capture())

    def ip(self, *args):
        return self.net.host.run("ip", *args)

    def add_bridge(self, name="vmbr0", mtu=None, vlan_aware=False):
        self.ip("link", "add", name, "type", "bridge")
        if vlan_aware:
            self.ip("link", "set", name, "type", "bridge", "vlan_filtering", "1")
        if mtu:
            self.ip("link", "set", name, "mtu", mtu)
        self.ip("link", "set", name, "up")

    def link(self, name):
        return self.net.host.link(name)

    def master(self, name):
        return (self.link(name) or {}).get("master")

    def read_ns(self, path):
        return subprocess.run(["ip", "netns", "exec", self.ns, "cat", path],
                              capture_output=True, text=True).stdout.strip()

    def vlans(self, iface):
        """``bridge -j vlan show`` of *iface*: [(vid, vid_end, flags)]."""
        out = self.net.host.run("bridge", "-j", "vlan", "show", "dev", iface)
        found = []
        for entry in json.loads(out or "[]"):
            if entry.get("ifname") == iface:
                for vlan in entry.get("vlans", []):
                    found.append((vlan["vlan"], vlan.get("vlanEnd"),
                                  sorted(vlan.get("flags", []))))
        return found

    def kernel_supports(self, *args):
        """Probe a feature in our namespace; removes what it created."""
        try:
            self.ip(*args)
        except network.CommandError:
            return False
        return True


class BridgeTests(NetnsMixin, unittest.TestCase):
    """A classic (not VLAN-aware) bridge."""

    def test_create_plug_unplug(self):
        self.add_bridge(mtu=9000)
        self.net.tap_add("tap100i0")
        self.net.tap_create("tap100i0", "vmbr0")
        link = self.link("tap100i0")
        self.assertEqual(link["mtu"], 9000)
        self.assertIn("UP", link["flags"])
        self.assertIn("PROMISC", link["flags"])
        self.assertEqual(self.read_ns("/proc/sys/net/ipv6/conf/tap100i0/disable_ipv6"),
                         "1")
        self.net.tap_plug("tap100i0", "vmbr0")
        self.assertEqual(self.master("tap100i0"), "vmbr0")
        self.net.tap_unplug("tap100i0")
        self.assertIsNone(self.master("tap100i0"))
        self.assertIsNotNone(self.link("tap100i0"))
        # unplugging twice, or a tap that is gone, is fine
        self.net.tap_unplug("tap100i0")
        self.net.tap_delete("tap100i0")
        self.net.tap_unplug("tap100i0")

    def test_module_functions_take_netns(self):
        self.add_bridge(mtu=1400)
        network.tap_add("tap101i1", netns=self.ns)
        network.tap_create("tap101i1", "vmbr0", netns=self.ns)
        network.tap_plug("tap101i1", "vmbr0", learning=True, netns=self.ns)
        self.assertEqual(network.read_bridge_mtu("vmbr0", netns=self.ns), 1400)
        self.assertEqual(self.master("tap101i1"), "vmbr0")
        self.assertEqual(self.link("tap101i1")["mtu"], 1400)
        network.tap_unplug("tap101i1", netns=self.ns)
        self.assertIsNone(self.master("tap101i1"))
        self.assertIsNone(_ip("link", "show", "dev", "tap101i1",
                              check=False).stdout or None)

    def test_plug_takes_bridge_mtu(self):
        self.add_bridge(mtu=1450)
        self.net.tap_add("tap100i0")
        self.ip("link", "set", "tap100i0", "mtu", "1300")
        self.net.tap_plug("tap100i0", "vmbr0", learning=True)
        self.assertEqual(self.link("tap100i0")["mtu"], 1450)

    def test_missing_bridge(self):
        self.net.tap_add("tap100i0")
        err = self.assertRaises(NetworkError, self.net.tap_create, "tap100i0", "vmbr9")
        self.assertEqual(str(err), "bridge 'vmbr9' does not exist")
        err = self.assertRaises(NetworkError, self.net.read_bridge_mtu, "vmbr9")
        self.assertEqual(str(err), "bridge 'vmbr9' does not exist")
        err = self.assertRaises(NetworkError, self.net.tap_plug, "tap100i0", "vmbr9",
                                learning=True)
        self.assertEqual(str(err), "interface vmbr9 does not exist")
        err = self.assertRaises(NetworkError, self.net.tap_create, "tap100i0", None)
        self.assertEqual(str(err), "unable to get bridge setting")

    def test_not_a_bridge(self):
        self.net.tap_add("tap100i0")
        self.net.tap_add("tap100i1")
        err = self.assertRaises(NetworkError, self.net.tap_plug, "tap100i0",
                                "tap100i1", learning=True)
        self.assertEqual(str(err),
                         "bridge 'tap100i1' is neither a linux nor an OVS bridge!")

    def test_tap_activation_failed(self):
        self.add_bridge()
        err = self.assertRaises(NetworkError, self.net.tap_create, "tap100i0", "vmbr0")
        self.assertEqual(str(err), "interface activation failed")

    def test_tag_needs_physical_port(self):
        # a classic bridge carries tag 5 on vmbr0v5 over <port>.5 devices;
        # a veth is no physical port
        self.add_bridge()
        self.ip("link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
        self.ip("link", "set", "veth0", "master", "vmbr0")
        self.net.tap_add("tap100i0")
        err = self.assertRaises(NetworkError, self.net.tap_plug, "tap100i0", "vmbr0",
                                tag=5, learning=True)
        self.assertEqual(str(err), "no physical interface on bridge 'vmbr0'")
        self.assertIsNone(self.link("vmbr0v5"))

    def test_strange_tag(self):
        self.add_bridge()
        for tag in (0, 4095, "x"):
            err = self.assertRaises(NetworkError, self.net.activate_bridge_vlan,
                                    "vmbr0", tag)
            self.assertEqual(str(err), "got strange vlan tag '%s'" % (tag,))
        self.assertEqual(self.net.activate_bridge_vlan("vmbr0", None), "vmbr0")
        err = self.assertRaises(NetworkError, self.net.activate_bridge_vlan,
                                "vmbr9", 5)
        self.assertEqual(str(err), "bridge 'vmbr9' is not active")

    def test_trunks_need_vlan_aware(self):
        self.add_bridge()
        self.net.tap_add("tap100i0")
        err = self.assertRaises(NetworkError, self.net.tap_plug, "tap100i0", "vmbr0",
                                trunks="10;20", learning=True)
        self.assertEqual(str(err), "vlan aware feature need to be enabled to use trunks")

    def test_firewall_bridge(self):
        self.add_bridge(mtu=1400)
        self.ip("link", "set", "dev", "vmbr0", "type", "bridge", "ageing_time", "6000")
        self.net.tap_add("tap100i0")
        self.net.tap_create("tap100i0", "vmbr0")
        self.net.tap_plug("tap100i0", "vmbr0", firewall=True, learning=True)
        self.assertEqual(self.master("tap100i0"), "fwbr100i0")
        self.assertEqual(self.master("fwln100i0"), "fwbr100i0")
        self.assertEqual(self.master("fwpr100p0"), "vmbr0")
        fwbr = self.link("fwbr100i0")
        self.assertEqual(fwbr["linkinfo"]["info_kind"], "bridge")
        self.assertIn("UP", fwbr["flags"])
        self.assertEqual(fwbr["linkinfo"]["info_data"]["ageing_time"],
                         self.link("vmbr0")["linkinfo"]["info_data"]["ageing_time"])
        for name in ("fwbr100i0", "fwln100i0", "fwpr100p0", "tap100i0"):
            self.assertEqual(self.link(name)["mtu"], 1400, name)
        # plugging again replaces the stale firewall bridge
        self.net.tap_plug("tap100i0", "vmbr0", firewall=True, learning=True)
        self.assertEqual(self.master("tap100i0"), "fwbr100i0")
        # and without firewall the tap goes straight to the bridge
        self.net.tap_plug("tap100i0", "vmbr0", firewall=False, learning=True)
        self.assertEqual(self.master("tap100i0"), "vmbr0")
        for name in ("fwbr100i0", "fwln100i0", "fwpr100p0"):
            self.assertIsNone(self.link(name), name)
        self.net.tap_plug("tap100i0", "vmbr0", firewall=True, learning=True)
        self.net.tap_unplug("tap100i0")
        self.assertIsNone(self.master("tap100i0"))
        for name in ("fwbr100i0", "fwln100i0", "fwpr100p0"):
            self.assertIsNone(self.link(name), name)

    def test_no_learning(self):
        self.add_bridge()
        self.net.tap_add("tap100i0")
        self.net.tap_plug("tap100i0", "vmbr0", learning=False,
                          mac="bc:24:11:00:00:01")
        slave = self.link("tap100i0")["linkinfo"]["info_slave_data"]
        self.assertFalse(slave["learning"])
        self.assertFalse(slave["flood"])
        fdb = self.net.host.run("bridge", "fdb", "show", "dev", "tap100i0")
        self.assertIn("bc:24:11:00:00:01 master vmbr0 static", fdb)

    def test_learning_from_interfaces(self):
        os.makedirs(os.path.join(self.root, "etc/network"))
        with open(os.path.join(self.root, "etc/network/interfaces"), "w") as fh:
            fh.write("iface vmbr0 inet manual\n\tbridge-disable-mac-learning 1\n")
        self.add_bridge()
        self.net.tap_add("tap100i0")
        self.net.tap_plug("tap100i0", "vmbr0")
        slave = self.link("tap100i0")["linkinfo"]["info_slave_data"]
        self.assertFalse(slave["learning"])

    def test_isolation(self):
        self.add_bridge()
        self.net.tap_add("tap100i0")
        self.net.tap_plug("tap100i0", "vmbr0", learning=True, isolation=True)
        self.assertTrue(self.link("tap100i0")["linkinfo"]["info_slave_data"]["isolated"])

    def test_rate_limit(self):
        self.add_bridge()
        self.net.tap_add("tap100i0")
        # the kernel needs htb and the basic classifier
        self.net.tap_add("tap100i9")
        try:
            self.net.tap_rate_limit("tap100i9", 1)
        except network.CommandError:
            raise unittest.SkipTest("kernel lacks htb or the basic tc classifier")
        self.net.tap_plug("tap100i0", "vmbr0", rate=1.5, learning=True)
        qdiscs = self.net.host.run("tc", "qdisc", "show", "dev", "tap100i0")
        self.assertIn("htb 1:", qdiscs)
        classes = self.net.host.run("tc", "class", "show", "dev", "tap100i0")
        self.assertIn("class htb 1:1", classes)
        self.assertIn("ffff:", qdiscs)
        self.net.tap_rate_limit("tap100i0", None)
        self.assertNotIn("htb", self.net.host.run("tc", "qdisc", "show", "dev",
                                                  "tap100i0"))


class VlanAwareBridgeTests(NetnsMixin, unittest.TestCase):
    """A bridge with ``bridge-vlan-aware yes``, in the kernel (skipped
    where it lacks bridge VLAN filtering)."""

    def setUp(self):
        NetnsMixin.setUp(self)
        if not self.kernel_supports("link", "add", "vmbr0", "type", "bridge",
                                    "vlan_filtering", "1"):
            raise unittest.SkipTest("kernel lacks bridge VLAN filtering")
        self.ip("link", "set", "vmbr0", "up")
        self.net.tap_add("tap100i0")

    def test_tag(self):
        self.net.tap_plug("tap100i0", "vmbr0", tag=5, learning=True)
        self.assertEqual(self.vlans("tap100i0"),
                         [(5, None, ["Egress Untagged", "PVID"])])

    def test_no_tag(self):
        self.net.tap_plug("tap100i0", "vmbr0", learning=True)
        self.assertEqual(self.vlans("tap100i0"),
                         [(1, None, ["Egress Untagged", "PVID"]), (2, 4094, [])])

    def test_trunks(self):
        self.net.tap_plug("tap100i0", "vmbr0", tag=7, trunks="10;20-22",
                          learning=True)
        self.assertEqual(self.vlans("tap100i0"),
                         [(7, None, ["Egress Untagged", "PVID"]), (10, None, []),
                          (20, 22, [])])

    def test_firewall_tag_on_fwpr(self):
        self.net.tap_plug("tap100i0", "vmbr0", tag=5, firewall=True, learning=True)
        self.assertEqual(self.vlans("fwpr100p0"),
                         [(5, None, ["Egress Untagged", "PVID"])])
        self.assertEqual(self.master("tap100i0"), "fwbr100i0")


class ClassicVlanTests(NetnsMixin, unittest.TestCase):
    """Tag 5 on a classic bridge in the kernel: ``vmbr0v5`` over a VLAN
    device of the bridge's port (skipped without 802.1Q)."""

    def setUp(self):
        NetnsMixin.setUp(self)
        self.add_bridge()
        self.ip("link", "add", "veth0", "type", "veth", "peer", "name", "veth1")
        if not self.kernel_supports("link", "add", "link", "veth0", "name",
                                    "veth0.100", "type", "vlan", "id", "100"):
            raise unittest.SkipTest("kernel lacks 802.1Q VLAN devices")
        # a VLAN device counts as a physical bridge port
        self.ip("link", "set", "veth0.100", "master", "vmbr0")
        self.net.tap_add("tap100i0")
        self.net.tap_add("tap101i0")

    def test_tag(self):
        self.net.tap_plug("tap100i0", "vmbr0", tag=5, learning=True)
        self.assertEqual(self.master("tap100i0"), "vmbr0v5")
        self.assertEqual(self.master("veth0.100.5"), "vmbr0v5")
        vlan = self.link("veth0.100.5")["linkinfo"]
        self.assertEqual((vlan["info_kind"], vlan["info_data"]["id"]), ("vlan", 5))
        self.net.tap_plug("tap101i0", "vmbr0", tag=5, learning=True)
        self.assertEqual(self.master("tap101i0"), "vmbr0v5")


class FakeKernel:
    """Just enough of ``ip``/``bridge``/``tc`` for VLAN command sequences;
    :class:`FakeMatchesKernelTests` checks its answers against the kernel."""

    def __init__(self):
        self.links = {}
        self.log = []

    def add(self, name, kind=None, **extra):
        link = {"ifname": name, "mtu": 1500, "flags": ["BROADCAST", "MULTICAST"],
                "link_type": "ether"}
        if kind:
            link["linkinfo"] = {"info_kind": kind}
            if kind == "bridge":
                link["linkinfo"]["info_data"] = {
                    "forward_delay": 1500, "hello_time": 200, "max_age": 2000,
                    "ageing_time": 30000, "stp_state": 0, "priority": 32768,
                    "vlan_filtering": 0, "mcast_snooping": 1, "mcast_querier": 0}
        link.update(extra)
        self.links[name] = link
        return link

    def __call__(self, argv):
        if argv[:4] == ["ip", "netns", "exec", "fake"]:
            self.log.append(("write", argv[8], argv[9]))
            return 0, "", ""
        tool, rest = argv[0], argv[3:]
        assert argv[1:3] == ["-n", "fake"], argv
        if tool == "ip" and rest[:4] == ["-d", "-j", "link", "show"]:
            if rest[4:5] == ["dev"]:
                link = self.links.get(rest[5])
                if link is None:
                    return 1, "", 'Device "%s" does not exist.\n' % rest[5]
                return 0, json.dumps([link]), ""
            return 0, json.dumps(list(self.links.values())), ""
        self.log.append(" ".join([tool] + rest))
        if tool == "ip":
            return self.ip(rest)
        if tool == "tc":
            return (2 if rest[1] == "del" else 0), "", ""
        return 0, "", ""

    def ip(self, rest):
        if rest[:2] == ["link", "add"]:
            if rest[2] == "link":
                self.add(rest[5], "vlan")
            elif rest[2] == "name":
                self.add(rest[3], "veth")
                self.add(rest[10], "veth")
            else:
                self.add(rest[2], rest[4])
        elif rest[:2] == ["link", "delete"]:
            self.links.pop(rest[3])
        elif rest[:3] == ["link", "set", "dev"]:
            # copy_bridge_config: link set dev X type bridge OPTION VALUE
            data = self.links[rest[3]]["linkinfo"]["info_data"]
            data[rest[6]] = int(rest[7])
        elif rest[:2] == ["link", "set"]:
            link = self.links[rest[2]]
            opts = iter(rest[3:])
            for opt in opts:
                if opt == "master":
                    link["master"] = next(opts)
                    link.setdefault("linkinfo", {})["info_slave_kind"] = "bridge"
                elif opt == "nomaster":
                    link.pop("master", None)
                    link.get("linkinfo", {}).pop("info_slave_kind", None)
                elif opt == "mtu":
                    link["mtu"] = int(next(opts))
                elif opt == "up":
                    link["flags"].append("UP")
                elif opt == "promisc":
                    next(opts)
        return 0, "", ""


class FakeVlanTests(unittest.TestCase):
    """The command sequences of PVE::Network for VLANs, recorded."""

    def setUp(self):
        self.kernel = FakeKernel()
        self.net = Network(host=network.Host("fake", self.kernel),
                           lock_path=os.path.join(self.mktemp(), "lock"))
        self.kernel.add("tap100i0", "tun")

    def commands(self):
        return [entry for entry in self.kernel.log
                if not (isinstance(entry, str) and entry.startswith("tc "))]

    def test_vlan_aware_tag(self):
        self.kernel.add("vmbr0", "bridge")["linkinfo"]["info_data"]["vlan_filtering"] = 1
        self.net.tap_plug("tap100i0", "vmbr0", tag=5, learning=True)
        self.assertEqual(self.commands(), [
            "ip link set tap100i0 mtu 1500",
            ("write", "/proc/sys/net/ipv6/conf/tap100i0/disable_ipv6", "1"),
            "ip link set tap100i0 master vmbr0",
            "bridge vlan del dev tap100i0 vid 1-4094",
            "bridge vlan add dev tap100i0 vid 5 pvid untagged",
        ])
        self.assertEqual([c for c in self.kernel.log
                          if isinstance(c, str) and c.startswith("tc ")], [
            "tc class del dev tap100i0 parent 1: classid 1:1",
            "tc filter del dev tap100i0 parent ffff: protocol all pref 50 u32",
            "tc qdisc del dev tap100i0 ingress",
            "tc qdisc del dev tap100i0 root",
        ])

    def test_vlan_aware_trunks_and_default(self):
        self.kernel.add("vmbr0", "bridge")["linkinfo"]["info_data"]["vlan_filtering"] = 1
        self.net.tap_plug("tap100i0", "vmbr0", trunks="10;20-30", learning=True)
        self.assertEqual([c for c in self.commands() if "vlan" in c], [
            "bridge vlan del dev tap100i0 vid 1-4094",
            "bridge vlan add dev tap100i0 vid 10",
            "bridge vlan add dev tap100i0 vid 20-30",
            "bridge vlan add dev tap100i0 vid 1 pvid untagged",
        ])
        del self.kernel.log[:]
        self.net.tap_plug("tap100i0", "vmbr0", learning=True)
        self.assertEqual([c for c in self.commands() if "vlan" in c], [
            "bridge vlan del dev tap100i0 vid 1-4094",
            "bridge vlan add dev tap100i0 vid 2-4094",
            "bridge vlan add dev tap100i0 vid 1 pvid untagged",
        ])

    def test_classic_tag(self):
        bridge = self.kernel.add("vmbr0", "bridge", mtu=9000)
        bridge["linkinfo"]["info_data"]["stp_state"] = 1
        self.kernel.add("eno1", master="vmbr0")
        self.net.tap_plug("tap100i0", "vmbr0", tag=5, learning=True)
        ipv6 = "/proc/sys/net/ipv6/conf/%s/disable_ipv6"
        self.assertEqual(self.commands(), [
            "ip link add vmbr0v5 type bridge",
            "ip link set vmbr0v5 mtu 9000",
            "ip link add link eno1 name eno1.5 type vlan id 5",
            ("write", ipv6 % "eno1.5", "1"),
            "ip link set eno1.5 up",
            "ip link set eno1.5 mtu 9000",
            ("write", ipv6 % "eno1.5", "1"),
            "ip link set eno1.5 master vmbr0v5",
            ("write", ipv6 % "vmbr0v5", "1"),
            "ip link set vmbr0v5 up",
            "ip link set dev vmbr0v5 type bridge stp_state 1",
            "ip link set tap100i0 mtu 9000",
            ("write", ipv6 % "tap100i0", "1"),
            "ip link set tap100i0 master vmbr0v5",
        ])
        self.assertTrue(os.path.exists(self.net.lock_path))
        # the second VM on the VLAN finds it set up
        self.kernel.add("tap101i0", "tun")
        del self.kernel.log[:]
        self.net.tap_plug("tap101i0", "vmbr0", tag=5, learning=True)
        self.assertEqual(self.commands(), [
            "ip link set vmbr0v5 mtu 9000",
            "ip link set eno1.5 up",
            ("write", ipv6 % "vmbr0v5", "1"),
            "ip link set vmbr0v5 up",
            "ip link set tap101i0 mtu 9000",
            ("write", ipv6 % "tap101i0", "1"),
            "ip link set tap101i0 master vmbr0v5",
        ])

    def test_classic_vlan_port_elsewhere(self):
        self.kernel.add("vmbr0", "bridge")
        self.kernel.add("vmbr1", "bridge")
        self.kernel.add("eno1", master="vmbr0")
        self.kernel.add("eno1.5", "vlan", master="vmbr1")
        self.kernel.links["eno1.5"]["linkinfo"]["info_slave_kind"] = "bridge"
        err = self.assertRaises(NetworkError, self.net.tap_plug, "tap100i0", "vmbr0",
                                tag=5, learning=True)
        self.assertEqual(str(err), "interface eno1.5 already exist in bridge vmbr1")

    def test_vlan_error_message(self):
        self.kernel.add("vmbr0", "bridge")["linkinfo"]["info_data"]["vlan_filtering"] = 1

        def failing(argv):
            if argv[0] == "bridge":
                return 255, "", "RTNETLINK answers: Operation not supported\n"
            return self.kernel(argv)

        self.net.host = network.Host("fake", failing)
        self.patch(sys, "stderr", _Capture())
        err = self.assertRaises(NetworkError, self.net.tap_plug, "tap100i0", "vmbr0",
                                tag=5, learning=True)
        self.assertEqual(str(err), "failed to remove default vlan tags of tap100i0 -"
                                   " command 'bridge -n fake vlan del dev tap100i0"
                                   " vid 1-4094' failed: exit code 255")


class FakeMatchesKernelTests(NetnsMixin, unittest.TestCase):
    """The fake answers ``ip -d -j link show`` with the kernel's keys."""

    def test_keys(self):
        kernel = FakeKernel()
        kernel.add("vmbr0", "bridge")
        kernel.add("tap100i0", "tun")
        fake = Network(host=network.Host("fake", kernel))
        fake.bridge_add_interface("vmbr0", "tap100i0")
        self.add_bridge()
        self.net.tap_add("tap100i0")
        self.net.bridge_add_interface("vmbr0", "tap100i0")
        bridge_keys = set(o for _, o in network.BRIDGE_CONFIG) | {"vlan_filtering"}

        def shape(link):
            info = link.get("linkinfo", {})
            data = info.get("info_data", {})
            return (sorted(k for k in ("ifname", "mtu", "link_type", "master", "flags")
                           if k in link),
                    info.get("info_kind"), info.get("info_slave_kind"),
                    sorted(k for k in data if k in bridge_keys))

        for name in ("vmbr0", "tap100i0"):
            self.assertEqual(shape(fake.host.link(name)), shape(self.link(name)))


class BridgeScriptTests(NetnsMixin, unittest.TestCase):
    """``pve-bridge`` / ``pve-bridgedown``, in-process and run by QEMU."""

    NET0 = "virtio=BC:24:11:00:00:01,bridge=vmbr0,firewall=1"

    def setUp(self):
        NetnsMixin.setUp(self)
        self.add_bridge(mtu=1400)
        self.env = dict(os.environ, PVE_ROOT=self.root, PVE_NODENAME="n1")
        self.env.pop("PVE_MIGRATED_FROM", None)
        self.patch(os, "environ", self.env)

    def test_environment(self):
        self.assertEqual(bridge_script.environment(
            {"net0": self.NET0, "name": "x", "net12": "e1000=..,bridge=vmbr1"}),
            {"PVE_QEMU_NET0": self.NET0, "PVE_QEMU_NET12": "e1000=..,bridge=vmbr1"})

    def test_options(self):
        self.net.tap_add("tap100i0")
        self.assertEqual(bridge_script.main(
            ["--netns", self.ns, "--bridge", "vmbr0", "tap100i0"]), 0)
        self.assertEqual(self.master("tap100i0"), "vmbr0")
        self.assertEqual(self.link("tap100i0")["mtu"], 1400)
        self.assertEqual(bridge_script.main(["--netns", self.ns, "--down",
                                             "tap100i0"]), 0)
        self.assertIsNone(self.master("tap100i0"))

    def test_from_environment(self):
        self.net.tap_add("tap100i0")
        self.env["PVE_QEMU_NET0"] = self.NET0
        self.assertEqual(bridge_script.main(["--netns", self.ns, "tap100i0"]), 0)
        self.assertEqual(self.master("tap100i0"), "fwbr100i0")

    def test_from_config_with_pending(self):
        conf_dir = os.path.join(self.root, "etc/pve/nodes/n1/qemu-server")
        os.makedirs(conf_dir)
        with open(os.path.join(conf_dir, "100.conf"), "w") as fh:
            fh.write("net0: virtio=BC:24:11:00:00:01,bridge=vmbr9\n"
                     "net1: virtio=BC:24:11:00:00:02,bridge=vmbr9\n\n"
                     "[PENDING]\nnet1: virtio=BC:24:11:00:00:02,bridge=vmbr0\n")
        self.net.tap_add("tap100i1")
        self.env["PVE_QEMU_NET1"] = "virtio=BC:24:11:00:00:02,bridge=vmbr7"
        # hotplug ignores the environment QEMU was started with
        self.assertEqual(bridge_script.main(["--netns", self.ns, "--hotplug",
                                             "tap100i1"]), 0)
        self.assertEqual(self.master("tap100i1"), "vmbr0")
        net = bridge_script.nic_settings("tap100i0", environ=self.env)
        self.assertEqual(net["bridge"], "vmbr9")

    def test_errors(self):
        def message(*argv):
            capture = _Capture()
            self.patch(sys, "stderr", capture)
            status = bridge_script.main(["--netns", self.ns] + list(argv))
            self.assertEqual(status, 255)
            return capture.text.strip()

        self.assertEqual(message(), "no interface specified")
        self.assertEqual(message("eth0"), "got strange interface name 'eth0'")
        self.assertEqual(message("tap100i0"), "Configuration file"
                         " 'nodes/n1/qemu-server/100.conf' does not exist")
        self.env["PVE_QEMU_NET0"] = "bridge=vmbr0"
        self.assertEqual(message("tap100i0"), "unable to parse network config 'net0'")
        self.env["PVE_QEMU_NET0"] = "virtio=BC:24:11:00:00:01,bridge=vmbr9"
        self.assertEqual(message("tap100i0"), "bridge 'vmbr9' does not exist")

    def test_install_scripts(self):
        paths = Paths(self.root)
        bridge_script.install_scripts(paths)
        for name in bridge_script.SCRIPTS:
            path = bridge_script.script_path(name, paths)
            self.assertEqual(path, os.path.join(self.root, "usr/libexec/qemu-server",
                                                name))
            self.assertTrue(os.access(path, os.X_OK))

    def test_qemu_runs_the_scripts(self):
        if not QEMU:
            raise unittest.SkipTest("qemu-system-x86_64 is not installed")
        paths = Paths(self.root)
        bridge_script.install_scripts(paths)
        netdev = ("type=tap,id=net0,ifname=tap100i0,script=%s,downscript=%s"
                  % (bridge_script.script_path("pve-bridge", paths),
                     bridge_script.script_path("pve-bridgedown", paths)))
        env = dict(self.env, PVE_QEMU_NET0=self.NET0)
        log = os.path.join(self.root, "qemu.log")
        # a short path: unix socket names are limited to 108 bytes
        sockdir = tempfile.mkdtemp(prefix="pveqmp")
        self.addCleanup(shutil.rmtree, sockdir, True)
        qmp = os.path.join(sockdir, "qmp")
        with open(log, "wb") as out:
            proc = subprocess.Popen(
                ["ip", "netns", "exec", self.ns, QEMU, "-machine", "none",
                 "-nodefaults", "-display", "none", "-netdev", netdev,
                 "-qmp", "unix:%s,server=on,wait=off" % qmp],
                env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)

        def stop():
            if proc.poll() is None:
                proc.kill()
                proc.wait()

        self.addCleanup(stop)
        # QMP greets from the main loop, after the netdev and its script
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None or time.monotonic() > deadline:
                with open(log) as fh:
                    self.fail("QEMU did not start: %s" % fh.read())
            try:
                with socket.socket(socket.AF_UNIX) as sock:
                    sock.settimeout(10)
                    sock.connect(qmp)
                    if b"QMP" in sock.recv(4096):
                        break
            except OSError:
                time.sleep(0.05)
        self.assertEqual(self.master("tap100i0"), "fwbr100i0")
        self.assertEqual(self.master("fwpr100p0"), "vmbr0")
        self.assertEqual(self.link("tap100i0")["mtu"], 1400)
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
        # the downscript removed the firewall bridge, QEMU the tap
        for name in ("tap100i0", "fwbr100i0", "fwln100i0", "fwpr100p0"):
            self.assertIsNone(self.link(name), name)


class _Capture:
    def __init__(self):
        self.text = ""

    def write(self, text):
        self.text += text

    def flush(self):
        pass
