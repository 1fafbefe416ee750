"""domains.cfg: realms in section-config format."""

from twisted.trial import unittest

from pve.access.domains import parse_domains_cfg, write_domains_cfg

DEFAULT = ("pam: pam\n\tcomment Linux PAM standard authentication\n\n"
           "pve: pve\n\tcomment Proxmox VE authentication server\n\n")

FULL = DEFAULT + """\
ldap: ldap1
\tbase_dn dc=example,dc=com
\tserver1 ldap.example.com
\tuser_attr uid
\tcase-sensitive 0
\tdefault 1
\tmode ldaps
\tport 636
\tsync-defaults-options scope=both,enable-new=1

ad: corp
\tcomment Corp%3A AD
\tdomain corp.example.com
\tserver1 10.0.0.1
\tsecure 1
\tsslversion tlsv1_2

openid: sso
\tclient-id pve
\tissuer-url https://sso.example.com/realms/x
\tautocreate 1
\tscopes email profile

"""


class ParseTests(unittest.SynchronousTestCase):

    def test_builtin_realms_always(self):
        realms, warnings = parse_domains_cfg("")
        self.assertEqual(warnings, [])
        self.assertEqual(realms, {
            "pam": {"type": "pam",
                    "comment": "Linux PAM standard authentication"},
            "pve": {"type": "pve",
                    "comment": "Proxmox VE authentication server"}})
        self.assertEqual(write_domains_cfg(realms), DEFAULT)

    def test_round_trip(self):
        realms, warnings = parse_domains_cfg(FULL)
        self.assertEqual(warnings, [])
        self.assertEqual(list(realms), ["pam", "pve", "ldap1", "corp", "sso"])
        self.assertEqual(realms["ldap1"]["port"], 636)
        self.assertEqual(realms["ldap1"]["case-sensitive"], 0)
        self.assertEqual(realms["corp"]["comment"], "Corp: AD")
        self.assertEqual(realms["sso"]["scopes"], "email profile")
        self.assertEqual(write_domains_cfg(realms), FULL)

    def test_file_order_kept_and_comments_skipped(self):
        text = ("# realms\npve: pve\n\tdefault\n# inside\n\tcomment mine\n\n"
                "pam: pam\n")
        realms, warnings = parse_domains_cfg(text)
        self.assertEqual(warnings, [])
        self.assertEqual(list(realms), ["pve", "pam"])
        self.assertEqual(realms["pve"], {"type": "pve", "default": 1,
                                         "comment": "mine"})
        self.assertEqual(write_domains_cfg(realms),
                         "pve: pve\n\tcomment mine\n\tdefault 1\n\n"
                         "pam: pam\n\tcomment Linux PAM standard "
                         "authentication\n\n")

    def test_one_default_only(self):
        realms, _ = parse_domains_cfg("pam: pam\n\tdefault 1\n\n"
                                      "pve: pve\n\tdefault 1\n")
        self.assertEqual(realms["pam"]["default"], 1)
        self.assertNotIn("default", realms["pve"])

    def test_comment_escaping(self):
        realms, _ = parse_domains_cfg("")
        realms["pve"]["comment"] = "ünïcode: 100%\nnext"
        text = write_domains_cfg(realms)
        self.assertIn("\tcomment %C3%BCn%C3%AFcode%3A 100%25%0Anext\n", text)
        self.assertEqual(parse_domains_cfg(text)[0], realms)


class WarningTests(unittest.SynchronousTestCase):

    def warnings(self, text):
        realms, warnings = parse_domains_cfg(text)
        return realms, [(w.line, w.message) for w in warnings]

    def test_bad_properties_skipped(self):
        realms, warnings = self.warnings(
            "pve: pve\n\tdefault yes\n\tserver1 x\n\tcolour red\n"
            "\tcomment a\n\tcomment b\n\ttfa type=oath\n")
        prefix = "file domains.cfg line %d (section 'pve') - unable to parse "
        self.assertEqual(warnings, [
            (2, prefix % 2 + "value of 'default': type check ('boolean') "
             "failed - got 'yes'"),
            (3, prefix % 3 + "value of 'server1': unexpected property "
             "'server1'"),
            (4, prefix % 4 + "value of 'colour': unknown property type"),
            (6, prefix % 6 + "value of 'comment': duplicate attribute"),
        ])
        self.assertEqual(realms["pve"], {"type": "pve", "comment": "a",
                                         "tfa": "type=oath"})

    def test_bad_values(self):
        _, warnings = self.warnings(
            "ldap: l1\n\tbase_dn x\n\tserver1 y\n\tuser_attr uid\n"
            "\tport 0\n\tmode ftp\n\tverify\n\tfilter\n")
        self.assertEqual([m.split(": ", 1)[1] for _, m in warnings], [
            "value must have a minimum value of 1",
            "value 'ftp' does not have a value in the enumeration "
            "'ldap, ldaps, ldap+starttls'",
            "got undefined value"])

    def test_sections_skipped(self):
        realms, warnings = self.warnings(
            "nis: old\n\tcomment x\n\n"
            "pve: 1bad\n\n"
            "ldap: half\n\tserver1 x\n\n"
            "\tstray line\n"
            "openid: ok\n\tclient-id c\n\tissuer-url u\n")
        self.assertEqual(warnings, [
            (1, "file domains.cfg line 1 (skip section 'old'): unsupported "
             "type 'nis'"),
            (4, "file domains.cfg line 4 (skip section '1bad'): value does "
             "not look like a valid realm"),
            (7, "file domains.cfg line 7 (skip section 'half'): missing value "
             "for required option 'base_dn'"),
            (9, "file domains.cfg line 9 - ignore config line: \tstray line"),
        ])
        self.assertEqual(list(realms), ["ok", "pam", "pve"])

    def test_write_refuses_missing_required(self):
        realms, _ = parse_domains_cfg("")
        realms["l"] = {"type": "ldap", "server1": "x"}
        error = self.assertRaises(ValueError, write_domains_cfg, realms)
        self.assertEqual(str(error), "section 'l' - missing value for "
                         "required option 'base_dn'")
