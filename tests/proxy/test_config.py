"""/etc/default/pveproxy: shell evaluation, checks and access rules."""

import ipaddress

from twisted.trial import unittest

from pve.proxy import config


class EvaluateTests(unittest.TestCase):
    def write(self, text):
        path = self.mktemp()
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_shell_semantics(self):
        path = self.write(
            '# comment\n'
            'ALLOW_FROM="10.0.0.1-10.0.0.5,192.168.0.0/22"\n'
            'DENY_FROM="all"\n'
            'POLICY="allow"\n'
            'NET=172.16\n'
            'LISTEN_IP="${NET}.1.2"\n'
            "CIPHERS='ECDHE-RSA-AES128-GCM-SHA256'\n")
        text = config.evaluate(path)
        self.assertIn("LISTEN_IP:172.16.1.2\n", text)
        self.assertIn("POLICY:allow\n", text)
        self.assertIn("CIPHERS:ECDHE-RSA-AES128-GCM-SHA256\n", text)

    def test_missing_file(self):
        self.assertEqual(config.read(self.mktemp()), ({}, []))

    def test_read(self):
        settings, warnings = config.read(self.write(
            'DENY_FROM="all"\nALLOW_FROM="192.168.2.0/24,::ffff:10.1.2.3"\n'
            'POLICY=allow\nDISABLE_TLS_1_2=1\nMAX_WORKERS=500\n'))
        self.assertEqual(settings["ALLOW_FROM"], [
            ipaddress.ip_network("192.168.2.0/24"),
            ipaddress.ip_network("10.1.2.3/32")])
        self.assertTrue(settings["DISABLE_TLS_1_2"])
        self.assertNotIn("MAX_WORKERS", settings)
        self.assertEqual(len(warnings), 1)


class ParseErrorTests(unittest.TestCase):
    def assertRejected(self, text, fragment):
        e = self.assertRaises(config.ProxyConfigError, config.parse, text)
        self.assertIn(fragment, str(e))

    def test_bad_values_name_the_variable(self):
        self.assertRejected("POLICY:maybe\n", "POLICY")
        self.assertRejected("COMPRESSION:yes\n", "COMPRESSION")
        self.assertRejected("ALLOW_FROM:10.0.0.300\n", "ALLOW_FROM")
        self.assertRejected("DISABLE_TLS_1_2:1\nDISABLE_TLS_1_3:1\n",
                            "cannot disable all")

    def test_unset_and_unknown_ignored(self):
        settings, _ = config.parse("LISTEN_IP:\nFOO:bar\nno colon\n")
        self.assertEqual(settings, {})


class HostAccessTests(unittest.TestCase):
    def settings(self, allow=None, deny=None, policy=None):
        text = ""
        if allow:
            text += "ALLOW_FROM:%s\n" % allow
        if deny:
            text += "DENY_FROM:%s\n" % deny
        if policy:
            text += "POLICY:%s\n" % policy
        return config.parse(text)[0]

    def test_default_allows(self):
        self.assertTrue(config.host_allowed({}, "203.0.113.9"))

    def test_allow_list_with_deny_all(self):
        s = self.settings(allow="192.168.2.0/24", deny="all", policy="allow")
        self.assertTrue(config.host_allowed(s, "192.168.2.7"))
        self.assertFalse(config.host_allowed(s, "192.168.3.7"))
        self.assertFalse(config.host_allowed(s, "2001:db8::1"))
        # a v4-mapped client address counts as IPv4
        self.assertTrue(config.host_allowed(s, "::ffff:192.168.2.7"))

    def test_ranges(self):
        s = self.settings(allow="10.0.0.1-10.0.0.5", deny="all")
        self.assertTrue(config.host_allowed(s, "10.0.0.1"))
        self.assertTrue(config.host_allowed(s, "10.0.0.5"))
        self.assertFalse(config.host_allowed(s, "10.0.0.6"))
        self.assertRaises(config.ProxyConfigError, config.parse,
                          "ALLOW_FROM:10.0.0.5-2001:db8::1\n")

    def test_policy_decides_ties(self):
        s = self.settings(allow="10.0.0.0/8", deny="10.1.0.0/16",
                          policy="deny")
        self.assertFalse(config.host_allowed(s, "10.1.2.3"))
        self.assertTrue(config.host_allowed(s, "10.2.2.3"))
        self.assertFalse(config.host_allowed(s, "172.16.0.1"))

    def test_garbage_address(self):
        self.assertFalse(config.host_allowed({}, "not-an-ip"))
