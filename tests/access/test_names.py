"""Names and field text of the access files."""

from twisted.trial import unittest

from pve.access import names


class NameTests(unittest.SynchronousTestCase):

    def test_usernames(self):
        self.assertEqual(names.verify_username("joe@pve"),
                         ("joe@pve", "joe", "pve"))
        self.assertEqual(names.verify_username("a@b@ldap-1"),
                         ("a@b@ldap-1", "a@b", "ldap-1"))
        for bad in ("", "joe", "j@p", "jo e@pve", "joe@p", "joe@1pve",
                    "a:b@pve", "a/b@pve", "x" * 61 + "@pve"):
            self.assertIsNone(names.verify_username(bad), bad)
        # the limit counts UTF-8 bytes
        self.assertIsNotNone(names.verify_username("ö" * 28 + "@pve"))
        self.assertIsNone(names.verify_username("ö" * 31 + "@pve"))

    def test_tokenids(self):
        self.assertEqual(names.split_tokenid("joe@pve!api-1"),
                         ("joe@pve", "api-1"))
        for bad in ("joe@pve", "joe@pve!a", "joe@pve!1ab", "joe!ab"):
            self.assertIsNone(names.split_tokenid(bad), bad)

    def test_normalize_path(self):
        for raw, path in (("/", "/"), ("//vms//100/", "/vms/100"),
                          ("vms", "/vms"), ("/pool/a.b-c_d", "/pool/a.b-c_d")):
            self.assertEqual(names.normalize_path(raw), path)
        for bad in ("", "0", None, "/vms/$1", "/vms/ 1"):
            self.assertIsNone(names.normalize_path(bad), bad)

    def test_check_path(self):
        for good in ("/", "/vms/100", "/pool/a/b/c", "/sdn/zones/z/v/10",
                     "/mapping/pci/gpu", "/access/realm/pve"):
            self.assertTrue(names.check_path(good), good)
        for bad in ("/vms/99", "/pool/a/b/c/d", "/foo", "/vms/100/x"):
            self.assertFalse(names.check_path(bad), bad)


class TextTests(unittest.SynchronousTestCase):

    def test_encode_text(self):
        self.assertEqual(names.encode_text("a:b%c d\n\x7fé"),
                         "a%3Ab%25c d%0A%7F%C3%A9")
        self.assertEqual(names.decode_text("a%3ab%25c%20d%C3%A9%zz"),
                         "a:b%c dé%zz")
        self.assertEqual(names.decode_text("%FF"), "\ufffd")

    def test_split_list(self):
        self.assertEqual(names.split_list(" a, b;c  d,"), ["a", "b", "c", "d"])
        self.assertEqual(names.split_list("a\0b c\0\0"), ["a", "b c"])
        self.assertEqual(names.split_list(None), [])
