"""shadow.cfg and crypt(3) hashes: the published SHA-crypt vectors."""

import random

from twisted.trial import unittest

from pve.access import shadow

# Test vectors of Drepper's "Unix crypt using SHA-256 and SHA-512".
SHA512 = [
    ("$6$saltstring", "Hello world!",
     "$6$saltstring$svn8UoSVapNtMuq1ukKS4tPQd8iKwSMHWjl/O817G3uBnIFNjnQJu"
     "esI68u4OTLiBFdcbYEdFCoEOfaS35inz1"),
    ("$6$rounds=10000$saltstringsaltstring", "Hello world!",
     "$6$rounds=10000$saltstringsaltst$OW1/O6BYHV6BcXZu8QVeXbDWra3Oeqh0sb"
     "HbbMCVNSnCM/UrjmM0Dp8vOuZeHBy/YTBmSK6H9qs/y3RnOaw5v."),
    ("$6$rounds=5000$toolongsaltstring", "This is just a test",
     "$6$rounds=5000$toolongsaltstrin$lQ8jolhgVRVhY4b5pZKaysCLi0QBxGoNeKQ"
     "zQ3glMhwllF7oGDZxUhx1yxdYcz/e1JSbq3y6JMxxl8audkUEm0"),
    ("$6$rounds=1400$anotherlongsaltstring",
     "a very much longer text to encrypt.  This one even stretches over more"
     "than one line.",
     "$6$rounds=1400$anotherlongsalts$POfYwTEok97VWcjxIiSOjiykti.o/pQs.wP"
     "vMxQ6Fm7I6IoYN3CmLs66x9t0oSwbtEW7o7UmJEiDwGqd8p4ur1"),
    ("$6$rounds=77777$short",
     "we have a short salt string but not a short password",
     "$6$rounds=77777$short$WuQyW2YR.hBNpjjRhpYD/ifIw05xdfeEyQoMxIXbkvr0g"
     "ge1a1x3yRULJ5CCaUeOxFmtlcGZelFl5CxtgfiAc0"),
    ("$6$rounds=123456$asaltof16chars..", "a short string",
     "$6$rounds=123456$asaltof16chars..$BtCwjqMJGx5hrJhZywWvt0RLE8uZ4oPwc"
     "elCjmw2kSYu.Ec6ycULevoBK25fs2xXgMNrCzIMVcgEJAstJeonj1"),
]
SHA256 = [
    ("$5$saltstring", "Hello world!",
     "$5$saltstring$5B8vYYiY.CVt1RlTTf8KbXBH3hsxY/GNooZaBBGWEc5"),
    ("$5$rounds=10000$saltstringsaltstring", "Hello world!",
     "$5$rounds=10000$saltstringsaltst$3xv.VbSHBb41AL9AvLeujZkZRBAwqFMz2."
     "opqey6IcA"),
    ("$5$rounds=5000$toolongsaltstring", "This is just a test",
     "$5$rounds=5000$toolongsaltstrin$Un/5jzAHMgOGZ5.mWJpuVolil07guHPvOW8"
     "mGRcvxa5"),
    ("$5$rounds=1400$anotherlongsaltstring",
     "a very much longer text to encrypt.  This one even stretches over more"
     "than one line.",
     "$5$rounds=1400$anotherlongsalts$Rx.j8H.h8HjEDGomFU8bDkXm3XIUnzyxf12"
     "oP84Bnq1"),
    ("$5$rounds=77777$short",
     "we have a short salt string but not a short password",
     "$5$rounds=77777$short$JiO1O3ZpDAxGJeaDIuqCoEFysAe1mZNJRs3pw0KQRd/"),
    ("$5$rounds=123456$asaltof16chars..", "a short string",
     "$5$rounds=123456$asaltof16chars..$gP3VQ/6X7UUEW3HkBn2w1/Ptq2jxPyzV/"
     "cZKmF/wJvD"),
]


class VectorTests(unittest.SynchronousTestCase):

    def test_sha512(self):
        for setting, password, expected in SHA512:
            self.assertEqual(shadow.crypt(password, setting), expected)
            self.assertEqual(shadow.crypt(password, expected), expected)
            self.assertTrue(shadow.verify_password(password, expected))

    def test_sha256(self):
        for setting, password, expected in SHA256:
            self.assertEqual(shadow.crypt(password, setting), expected)
            self.assertTrue(shadow.verify_password(password, expected))

    def test_refused_settings(self):
        """As libxcrypt (Debian): rounds out of range, leading zeros and
        salts with separators give no hash."""
        for setting in ("$6$rounds=10$roundstoolow",
                        "$6$rounds=1000000000$x", "$6$rounds=05000$abc",
                        "$6$sa:lt$", "$5$sa lt", "$7$abc", ""):
            self.assertIsNone(shadow.crypt("x", setting), setting)
            self.assertFalse(shadow.verify_password("x", setting))

    def test_against_system_libcrypt(self):
        if shadow.system_crypt(b"x", "$6$ab") is None:
            raise unittest.SkipTest("no libcrypt with SHA-crypt here")
        rng = random.Random(7)
        for _ in range(40):
            password = "".join(chr(rng.randrange(32, 0x2FF))
                               for _ in range(rng.randrange(0, 90)))
            rounds = rng.choice(["", "rounds=1000$", "rounds=5001$"])
            setting = "$%s$%s%s" % (rng.choice("56"), rounds,
                                    shadow.make_salt(rng, rng.randrange(17)))
            self.assertEqual(
                shadow.crypt(password, setting),
                shadow.system_crypt(password.encode("utf-8"), setting))


class PasswordTests(unittest.SynchronousTestCase):

    def test_hash_and_verify(self):
        hashed = shadow.hash_password("sécret")
        self.assertRegex(hashed,
                         r"^\$6\$[./0-9A-Za-z]{16}\$[./0-9A-Za-z]{86}$")
        self.assertTrue(shadow.verify_password("sécret", hashed))
        self.assertFalse(shadow.verify_password("secret", hashed))
        self.assertFalse(shadow.verify_password("", hashed))
        self.assertNotEqual(shadow.hash_password("sécret"), hashed)

    def test_seeded_salt_replays(self):
        one = shadow.hash_password("pw", rng=random.Random(3), method="5")
        self.assertTrue(one.startswith("$5$"))
        self.assertEqual(one, shadow.hash_password("pw", rng=random.Random(3),
                                                   method="5"))

    def test_proxmox_style_hash(self):
        """Proxmox writes $5$ with an 8-character salt."""
        hashed = shadow.sha_crypt(b"test", "abcdXY12", method="5")
        self.assertTrue(shadow.verify_password("test", hashed))

    def test_nul_refused(self):
        self.assertRaises(ValueError, shadow.hash_password, "a\0b")
        self.assertFalse(shadow.verify_password("a\0b", SHA512[0][2]))

    def test_other_schemes_through_libcrypt(self):
        yescrypt = ("$y$j9T$abcdefgh$"
                    "9WNEpu8Mx2S4KNGvbVWKM6clOSoY6.YEl7AYF4DGV04")
        if shadow.system_crypt(b"x", yescrypt) is None:
            raise unittest.SkipTest("libcrypt without yescrypt")
        self.assertTrue(shadow.verify_password("x", yescrypt))
        self.assertFalse(shadow.verify_password("y", yescrypt))


class FileTests(unittest.SynchronousTestCase):

    def test_round_trip(self):
        text = ("joe@pve:$5$abcdefgh$xyz:\nann@pve:%s:\n" % SHA512[0][2])
        users, warnings = shadow.parse_shadow_cfg(text)
        self.assertEqual(warnings, [])
        self.assertEqual(users["joe@pve"], "$5$abcdefgh$xyz")
        self.assertEqual(shadow.write_shadow_cfg(users),
                         "ann@pve:%s:\njoe@pve:$5$abcdefgh$xyz:\n"
                         % SHA512[0][2])
        self.assertEqual(shadow.parse_shadow_cfg(
            shadow.write_shadow_cfg(users))[0], users)

    def test_bad_lines(self):
        users, warnings = shadow.parse_shadow_cfg(
            "joe@pve:$5$a$b:\n\nbroken line\nann@pve::\n  bob@pve:h:  \n")
        self.assertEqual(users, {"joe@pve": "$5$a$b", "bob@pve": "h"})
        self.assertEqual([str(w) for w in warnings], [
            "line 3: pve shadow password: ignore invalid line 3",
            "line 4: pve shadow password: ignore invalid line 4"])

    def test_write_refuses_broken_lines(self):
        for users in ({"joe@pve": "a:b"}, {"joe@pve": "a\nb"},
                      {"jo e@pve": "h"}, {"joe@pve": ""}):
            self.assertRaises(ValueError, shadow.write_shadow_cfg, users)
