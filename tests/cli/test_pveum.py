"""``pveum`` against a real pmxcfs IPC server under a temporary root (the API
tree: pve.api.tree)."""

import io
import json

from twisted.internet import defer

from pve.cli import pveum
from pve.access import shadow
from tests.cli.clicase import CLICase


class PveumTests(CLICase):

    def pveum(self, *argv, stdin=""):
        return self.run_cli(pveum, argv, stdin=stdin)

    @defer.inlineCallbacks
    def test_user_add_and_list(self):
        code, out, err = yield self.pveum("user", "add", "test@pve", "--comment", "x")
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = yield self.pveum("user", "list", "--output-format", "json")
        self.assertEqual((code, err), (0, ""))
        users = {u["userid"]: u for u in json.loads(out)}
        self.assertEqual(users["test@pve"]["comment"], "x")
        self.assertIn("root@pam", users)
        code, out, err = yield self.pveum("user", "list")
        self.assertEqual(out.splitlines()[1].split()[:4], ["|", "userid", "|", "comment"])
        self.assertIn("| test@pve | x ", out)
        code, out, err = yield self.pveum("user", "add", "test@pve")
        self.assertEqual(code, 255)
        self.assertIn("already exists", err)
        code, out, err = yield self.pveum("useradd", "other@pve")  # alias
        self.assertEqual((code, err), (0, ""))

    @defer.inlineCallbacks
    def test_realm_add_modify_delete(self):
        code, out, err = yield self.pveum(
            "realm", "add", "corp", "--type", "ldap", "--server1",
            "ldap.example.com", "--base_dn", "dc=example,dc=com",
            "--user_attr", "uid", "--comment", "Corporate")
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = yield self.pveum("realm", "modify", "corp",
                                          "--default", "1")
        self.assertEqual((code, err), (0, ""))
        code, out, err = yield self.pveum("realm", "list", "--output-format",
                                          "json")
        realms = {r["realm"]: r for r in json.loads(out)}
        self.assertEqual((realms["corp"]["type"], realms["corp"]["default"]),
                         ("ldap", 1))
        code, out, err = yield self.pveum("realm", "add", "pve", "--type", "pve")
        self.assertEqual(code, 255)
        self.assertIn("already exists", err)
        code, out, err = yield self.pveum("realm", "delete", "corp")
        self.assertEqual((code, err), (0, ""))
        self.assertNotIn(b"corp", self.cfs.read("domains.cfg"))

    @defer.inlineCallbacks
    def test_token_add_json(self):
        code, out, err = yield self.pveum("user", "token", "add", "root@pam", "ci",
                                          "--privsep", "0", "--output-format", "json")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith('{"full-tokenid":"root@pam!ci","info":{'), out)
        data = json.loads(out)
        self.assertEqual(sorted(data), ["full-tokenid", "info", "value"])
        self.assertEqual(data["info"]["privsep"], 0)

    @defer.inlineCallbacks
    def test_acl_modify(self):
        yield self.pveum("user", "add", "test@pve")
        code, out, err = yield self.pveum("acl", "modify", "/", "--users", "test@pve",
                                          "--roles", "PVEAuditor")
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = yield self.pveum("acl", "list", "--output-format", "json")
        acl = json.loads(out)
        self.assertIn({"path": "/", "type": "user", "ugid": "test@pve",
                       "roleid": "PVEAuditor", "propagate": 1}, acl)
        # the old alias maps to the same call, which needs someone to grant
        code, out, err = yield self.pveum("aclmod", "/", "--roles", "PVEAuditor",
                                          "--groups", "admins")
        self.assertNotEqual(code, 0)
        self.assertIn("admins", err)

    @defer.inlineCallbacks
    def test_permissions_table(self):
        for argv in (("user", "add", "test@pve"),
                     ("role", "add", "Watch", "--privs", "VM.Audit"),
                     ("acl", "modify", "/vms", "--users", "test@pve",
                      "--roles", "Watch")):
            code, out, err = yield self.pveum(*argv)
            self.assertEqual((code, err), (0, ""), argv)
        code, out, err = yield self.pveum("user", "permissions", "test@pve")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, (
            "+----------+--------------+\n"
            "| ACL path | Permissions  |\n"
            "+==========+==============+\n"
            "| /vms     | VM.Audit (*) |\n"
            "+----------+--------------+\n"
            "Permissions marked with '(*)' have the 'propagate' flag set.\n"))
        code, out, err = yield self.pveum("user", "permissions", "test@pve",
                                          "--output-format", "json")
        self.assertEqual(json.loads(out), {"/vms": {"VM.Audit": 1}})

    @defer.inlineCallbacks
    def test_passwd_from_stdin(self):
        yield self.pveum("user", "add", "test@pve")
        code, out, err = yield self.pveum("passwd", "test@pve", stdin="s3cret-pw\n")
        self.assertEqual((code, out, err), (0, "", ""))
        hashes = shadow.parse_shadow_cfg(self.cfs.read("priv/shadow.cfg"))[0]
        self.assertTrue(shadow.verify_password("s3cret-pw", hashes["test"]))
        code, out, err = yield self.pveum("passwd", "test@pve", stdin="")
        self.assertEqual((code, err), (255, "EOF while reading password\n"))

    def test_confirmed_password_mismatch(self):
        from pve.cli import apicmd

        class TTY(io.StringIO):
            def isatty(self):
                return True

        class Ctx:
            stdin = TTY("one\ntwo\n")
        self.patch(apicmd, "read_password", lambda ctx, prompt: ctx.stdin.readline()[:-1])
        e = self.assertRaises(apicmd.CommandError, apicmd.confirmed_password, Ctx())
        self.assertEqual(e.message, "passwords do not match\n")
        self.assertEqual(apicmd.confirmed_password(Ctx(), "given"), "given")

    @defer.inlineCallbacks
    def test_errors_and_usage(self):
        code, out, err = yield self.pveum("user", "add", "bad")
        self.assertEqual(code, 255)
        self.assertTrue(err.startswith("400 Parameter verification failed.\nuserid: "), err)
        self.assertTrue(err.endswith("\npveum user add <userid> [OPTIONS]\n"), err)
        code, out, err = yield self.pveum("user", "add")
        self.assertEqual((code, err), (255, "400 not enough arguments\n"
                                            "pveum user add <userid> [OPTIONS]\n"))
        code, out, err = yield self.pveum("user", "add", "a@pve", "--bogus", "1")
        self.assertEqual((code, err), (255, "Unknown option: bogus\n400 unable to parse "
                                            "option\npveum user add <userid> [OPTIONS]\n"))
        code, out, err = yield self.pveum("user")
        self.assertEqual(code, 255)
        self.assertTrue(err.startswith("ERROR: incomplete command 'pveum user'\n"
                                       "USAGE: pveum <COMMAND> [ARGS] [OPTIONS]\n\n"
                                       "       pveum user token add <userid> <tokenid> "
                                       "[OPTIONS] [FORMAT_OPTIONS]\n"), err)
        code, out, err = yield self.pveum()
        self.assertTrue(err.startswith("ERROR: no command specified\n"))
        self.assertIn("\n       pveum acl modify <path> --roles <string> [OPTIONS]\n", err)
        self.assertTrue(err.endswith("\n\n       pveum help [<extra-args>] [OPTIONS]\n"), err)

    @defer.inlineCallbacks
    def test_help_command(self):
        code, out, err = yield self.pveum("help", "user", "add")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith("USAGE: pveum user add <userid> [OPTIONS]\n\n"
                                       "  Create new user.\n\n  <userid>   <string>\n"), out)
        self.assertIn("  --comment  <string>\n", out)
        code, out, err = yield self.pveum("help", "user", "add", "--verbose", "0")
        self.assertEqual(out, "USAGE: pveum user add <userid> [OPTIONS]\n\n")
