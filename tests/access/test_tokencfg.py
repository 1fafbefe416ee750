"""token.cfg: Proxmox's plain secrets, and hashed ones."""

import random

from twisted.trial import unittest

from pve.access import tokencfg

SECRET = "1f0a3c8e-5b7d-4e2f-9a61-0c3d5e7f9b21"


class FileTests(unittest.SynchronousTestCase):

    def test_round_trip_sorted(self):
        text = "joe@pve!bb %s\njoe@pve!aa $6$salt$hash\n" % SECRET
        tokens, warnings = tokencfg.parse_token_cfg(text)
        self.assertEqual(warnings, [])
        self.assertEqual(tokens, {"joe@pve!bb": SECRET,
                                  "joe@pve!aa": "$6$salt$hash"})
        self.assertEqual(tokencfg.write_token_cfg(tokens),
                         "joe@pve!aa $6$salt$hash\njoe@pve!bb %s\n" % SECRET)

    def test_bad_lines_named(self):
        tokens, warnings = tokencfg.parse_token_cfg(
            "joe@pve!ok v\n\n  \njoe@pve v\njoe@pve!tk  v\njoe@pve!t2 v w\n"
            "joe@pve!x v\n")
        self.assertEqual(tokens, {"joe@pve!ok": "v"})
        self.assertEqual([str(w) for w in warnings], [
            "line %d: skipping invalid token.cfg entry" % n
            for n in (4, 5, 6, 7)])

    def test_write_refuses_broken_lines(self):
        for tokens in ({"joe@pve!ok": "a b"}, {"joe@pve!ok": "a\nb"},
                       {"joe@pve": "v"}):
            self.assertRaises(ValueError, tokencfg.write_token_cfg, tokens)


class SecretTests(unittest.SynchronousTestCase):

    def test_generated_secret_is_a_uuid4(self):
        secret = tokencfg.generate_secret(random.Random(1))
        self.assertRegex(secret, "^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-"
                         "[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
        self.assertEqual(secret, tokencfg.generate_secret(random.Random(1)))
        self.assertNotEqual(tokencfg.generate_secret(),
                            tokencfg.generate_secret())

    def test_plain_by_default(self):
        self.assertEqual(tokencfg.stored_value(SECRET), SECRET)

    def test_verify_plain_and_hashed(self):
        tokens = {"joe@pve!plain": SECRET,
                  "joe@pve!hashed": tokencfg.stored_value(SECRET, hashed=True)}
        self.assertTrue(tokens["joe@pve!hashed"].startswith("$6$"))
        for tokenid in tokens:
            self.assertTrue(tokencfg.verify_secret(tokens, tokenid, SECRET))
            self.assertFalse(tokencfg.verify_secret(tokens, tokenid,
                                                    SECRET[:-1] + "0"))
            self.assertFalse(tokencfg.verify_secret(tokens, tokenid, ""))
        self.assertFalse(tokencfg.verify_secret(tokens, "joe@pve!none",
                                                SECRET))
