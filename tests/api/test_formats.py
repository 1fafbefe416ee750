"""The pve-* and network formats, with Proxmox's messages."""

from twisted.trial import unittest

from pve.api import formats
from pve.api.formats import FormatError, check_format, parse_property_string

# format: (accepted values, {rejected value: message})
CASES = {
    "pve-vmid": (["100", "999999999"],
                 {"99": "value does not look like a valid VM ID"}),
    "pve-node": (["pve", "node-1", "A1"],
                 {"-pve": "value does not look like a valid node name",
                  "pve.example": "value does not look like a valid node name"}),
    "pve-configid": (["net0", "Ab_c-d"], {"0net": "invalid configuration ID '0net'",
                                          "a": "invalid configuration ID 'a'"}),
    "pve-storage-id": (["local", "local-lvm", "a.b"],
                       {"a": "storage ID 'a' cannot be shorter than 2 characters",
                        "a-": "storage ID 'a-' contains illegal characters",
                        "1st": "storage ID '1st' contains illegal characters"}),
    "pve-userid": (["root@pam", "john.doe@pve", "b@pve"],
                   {"r@": "user name 'r@' is too short",
                    "root": "value 'root' does not look like a valid user name",
                    "a:b@pve": "value 'a:b@pve' does not look like a valid user name",
                    "x@" + "y" * 64: f"user name 'x@{'y' * 64}' is too long (66 > 64)"}),
    "pve-tokenid": (["root@pam!mytoken"],
                    {"root@pam": "value 'root@pam' does not look like a valid token ID",
                     "root@pam!t": "value 'root@pam!t' does not look like a valid token ID"}),
    "pve-realm": (["pam", "my-ldap"], {"p": "value does not look like a valid realm"}),
    "pve-groupid": (["admins", "a.b-c_d"],
                    {"a/b": "group name 'a/b' contains invalid characters"}),
    "pve-roleid": (["PVEAdmin"], {"no way": "role name 'no way' contains invalid characters"}),
    "pve-poolid": (["pool", "a/b/c"],
                   {"a/b/c/d": "pool name 'a/b/c/d' nested too deeply (max levels = 3)",
                    "a//b": "pool name 'a//b' contains invalid characters"}),
    "pve-priv": (["VM.Audit", "Permissions.Modify"], {"VM.Fly": "invalid privilege 'VM.Fly'"}),
    "email": (["root@example.com", "a.b+c@x"],
              {"root@": "value does not look like a valid email address"}),
    "email-or-username": (["root"], {"a b": "value does not look like a valid email "
                                            "address or user name"}),
    "ipv4": (["192.168.0.1"], {"256.1.1.1": "value does not look like a valid IPv4 address"}),
    "ipv6": (["::1", "fe80::1", "::ffff:1.2.3.4"],
             {"1::2::3": "value does not look like a valid IPv6 address"}),
    "CIDR": (["10.0.0.0/8", "fd00::/64"],
             {"10.0.0.0/7": "value does not look like a valid CIDR network"}),
    "ipv4mask": (["255.255.255.0", "0.0.0.0"],
                 {"255.0.255.0": "value does not look like a valid IP netmask"}),
    "mac-addr": (["BC:24:11:00:00:01"],
                 {"01:00:00:00:00:00": "value does not look like a valid unicast MAC address"}),
    "dns-name": (["a.example.com"], {"a..b": "value does not look like a valid DNS name"}),
    "address": (["10.1.1.1", "host.example"],
                {"a_b": "value does not look like a valid address: a_b"}),
    "pve-iface": (["vmbr0", "eth0.100"], {"0eth": "invalid network interface name '0eth'"}),
    "disk-size": (["32G", "1.5M", "100"],
                  {"1X": "value does not look like a valid disk size: 1X"}),
    "pve-startup-order": (["order=1,up=30", "2", ","], {"up=x": "unable to parse startup options"}),
    "pve-vlan-id-or-range": (["10", "10-20"],
                             {"1": "invalid VLAN tag '1'",
                              "20-10": "VLAN range must go from lower to higher tag '20-10'",
                              "x": "invalid VLAN configuration 'x'"}),
    "pve-tag": (["prod", "a.b+c"], {"a b": "invalid characters in tag"}),
    "urlencoded": (["a%20b"], {"a b": "invalid urlencoded string: a b"}),
}


class FormatTests(unittest.TestCase):

    def test_cases(self):
        for name, (good, bad) in CASES.items():
            for value in good:
                self.assertEqual(check_format(name, value), value, (name, value))
            for value, message in bad.items():
                with self.assertRaises(FormatError, msg=(name, value)) as cm:
                    check_format(name, value)
                self.assertEqual(str(cm.exception), message + "\n", (name, value))

    def test_list_and_opt(self):
        self.assertEqual(check_format("pve-vmid-list", "100,101;102 103"),
                         ["100", "101", "102", "103"])
        self.assertEqual(check_format("pve-vmid-list", ""), [])
        self.assertEqual(check_format("email-opt", ""), None)
        with self.assertRaises(FormatError):
            check_format("email-opt", "x")
        self.assertEqual(str(self.assertRaises(FormatError, check_format, "nope-list", "1")),
                         "undefined format 'nope-list'\n")

    def test_split_list(self):
        self.assertEqual(formats.split_list(" a, b;;c  d, "), ["a", "b", "c", "d"])
        self.assertEqual(formats.split_list("a b\0c,d\0"), ["a b", "c,d"])
        self.assertEqual(formats.split_list(None), [])

    def test_parse_boolean(self):
        for text in ("1", "on", "YES", "True"):
            self.assertEqual(formats.parse_boolean(text), 1)
        for text in ("0", "off", "no", "FALSE"):
            self.assertEqual(formats.parse_boolean(text), 0)
        self.assertIsNone(formats.parse_boolean("2"))

    def test_parse_size(self):
        self.assertEqual(formats.parse_size("4K"), 4096)
        self.assertEqual(formats.parse_size("1.5GiB"), 1610612736)
        self.assertIsNone(formats.parse_size("1.5X"))

    def test_register_twice(self):
        self.assertRaises(ValueError, formats.register_format, "pve-vmid", lambda v: v)


NET = {
    "model": {"type": "string", "enum": ["e1000", "virtio"], "default_key": 1},
    "macaddr": {"type": "string", "format": "mac-addr", "optional": 1},
    "firewall": {"type": "boolean", "optional": 1},
    "tag": {"type": "integer", "minimum": 1, "maximum": 4094, "optional": 1},
    "virtio": {"alias": "macaddr", "keyAlias": "model"},
}


class PropertyStringTests(unittest.TestCase):

    def test_parse(self):
        self.assertEqual(parse_property_string(NET, "virtio,firewall=on,tag=10"),
                         {"model": "virtio", "firewall": 1, "tag": 10})
        self.assertEqual(parse_property_string(NET, "model=e1000,,firewall=0"),
                         {"model": "e1000", "firewall": 0})
        self.assertEqual(parse_property_string(NET, "virtio=BC:24:11:00:00:01"),
                         {"model": "virtio", "macaddr": "BC:24:11:00:00:01"})

    def errors(self, text, path="net0"):
        with self.assertRaises(FormatError) as cm:
            parse_property_string(NET, text, path)
        return str(cm.exception)

    def test_errors(self):
        self.assertEqual(self.errors("virtio,e1000"),
                         "duplicate key in comma-separated list property: model\n")
        self.assertEqual(self.errors("virtio,foo=1"),
                         "invalid key in comma-separated list property: foo\n")
        self.assertEqual(self.errors("virtio,tag="),
                         "missing key in comma-separated list property\n")
        self.assertEqual(self.errors("virtio,tag=0,macaddr=x"),
                         "format error\n"
                         "net0.macaddr: invalid format - value does not look like a "
                         "valid unicast MAC address\n\n"
                         "net0.tag: value must have a minimum value of 1\n")
        self.assertEqual(self.errors("tag=5"),
                         "format error\nnet0.model: property is missing and it is not optional\n")

    def test_named_format_with_validator(self):
        if formats.get_format("test-net-fmt") is None:
            formats.register_format("test-net-fmt", NET,
                                    validator=lambda res: dict(res, checked=1))
        self.assertEqual(parse_property_string("test-net-fmt", "virtio"),
                         {"model": "virtio", "checked": 1})
        self.assertEqual(check_format("test-net-fmt", "e1000"), {"model": "e1000", "checked": 1})
        with self.assertRaises(FormatError) as cm:
            check_format("test-net-fmt-list", "e1000")
        self.assertEqual(str(cm.exception), "'-list' format must have code ref, not hash\n")
