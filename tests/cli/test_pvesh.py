"""``pvesh`` and the option parser, against a real pmxcfs IPC server under a
temporary root (the API tree: pve.api.tree)."""


from twisted.internet import defer
from twisted.trial import unittest

from pve.api.schema import APIError
from pve.cli import getopt, pvesh
from tests.cli.clicase import CLICase

SCHEMA = {"additionalProperties": 0, "properties": {
    "userid": {"type": "string"},
    "comment": {"type": "string", "optional": 1},
    "enable": {"type": "boolean", "optional": 1},
    "users": {"type": "string", "format": "pve-userid-list", "optional": 1},
    "tags": {"type": "array", "items": {"type": "string"}, "optional": 1},
}}


class GetoptTests(unittest.TestCase):
    def parse(self, *args, arg_param=("userid",), **kw):
        return getopt.get_options(SCHEMA, list(args), list(arg_param), **kw)

    def test_forms(self):
        self.assertEqual(self.parse("a@pve", "--comment", "x y"),
                         {"userid": "a@pve", "comment": "x y"})
        self.assertEqual(self.parse("-comment=x", "a@pve"), {"userid": "a@pve", "comment": "x"})
        self.assertEqual(self.parse("--com", "x", "a@pve"), {"userid": "a@pve", "comment": "x"})
        self.assertEqual(self.parse("--", "-a@pve"), {"userid": "-a@pve"})
        self.assertEqual(self.parse("--comment", "--x", "a@pve")["comment"], "--x")

    def test_booleans(self):
        for word, value in (("yes", 1), ("off", 0), ("TRUE", 1), ("0", 0)):
            self.assertEqual(self.parse("a@pve", "--enable", word)["enable"], value)
        self.assertEqual(self.parse("--enable", "--comment", "c", "a@pve")["enable"], 1)
        self.assertEqual(self.parse("a@pve", "--enable")["enable"], 1)
        e = self.assertRaises(APIError, self.parse, "a@pve", "--enable", "maybe")
        self.assertEqual((e.code, e.message), (400, "unable to parse boolean option\n"))

    def test_lists(self):
        self.assertEqual(self.parse("a@pve", "--users", "b@pve", "--users", "c@pve")["users"],
                         "b@pve,c@pve")
        self.assertEqual(self.parse("a@pve", "--tags", "x", "--tags", "y")["tags"], ["x", "y"])
        self.assertEqual(getopt.get_options(SCHEMA, ["a", "b"], "users"), {"users": "a,b"})

    def test_errors(self):
        warnings = []
        for args, message in ((["a@pve", "--nope", "1"], "unable to parse option\n"),
                              ([], "not enough arguments\n"),
                              (["a@pve", "b"], "too many arguments\n"),
                              (["a@pve", "--comment"], "unable to parse option\n")):
            e = self.assertRaises(APIError, self.parse, *args, warn=warnings.append)
            self.assertEqual((e.code, e.message), (400, message))
        self.assertEqual(warnings, ["Unknown option: nope\n",
                                    "Option comment requires an argument\n"])
        e = self.assertRaises(APIError, self.parse, "--u", "x", "a@pve", warn=warnings.append)
        self.assertEqual(warnings[-1], "Option u is ambiguous (userid, users)\n")
        # a boolean takes the next word that is no option, as Getopt's ':s'
        e = self.assertRaises(APIError, self.parse, "--e", "a@pve")
        self.assertEqual(e.message, "not enough arguments\n")
        self.assertEqual(self.parse("a@pve", fixed_param={"comment": "f"})["comment"], "f")

    def test_interactive(self):
        asked = []
        schema = {"properties": {"password": {"type": "string"}}}
        got = getopt.get_options(schema, [], [], interactive={
            "password": lambda v: asked.append(v) or "pw"})
        self.assertEqual((got, asked), ({"password": "pw"}, [None]))


class PveshTests(CLICase):

    def pvesh(self, *argv):
        return self.run_cli(pvesh, argv)

    @defer.inlineCallbacks
    def test_get_version(self):
        self.cfs.write_file("datacenter.cfg", b"console: html5\n")
        code, out, err = yield self.pvesh("get", "/version")
        self.assertEqual((code, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(lines[1].split(), ["|", "key", "|", "value", "|"])
        self.assertIn("| console | html5 ", out)
        code, out, err = yield self.pvesh("get", "/version", "--output-format", "json")
        from pve.api import version
        self.assertEqual(out, '{"console":"html5","release":"%s","repoid":"%s","version":"%s"}\n'
                         % (version.RELEASE, version.REPOID, version.VERSION))

    @defer.inlineCallbacks
    def test_ls(self):
        code, out, err = yield self.pvesh("ls", "/access")
        self.assertEqual((code, err), (0, ""))
        self.assertIn("Dr-c-        users\n", out)
        self.assertIn("-rw--        acl\n", out)
        code, out, err = yield self.pvesh("ls", "/version")
        self.assertEqual((code, err), (255, "resource '/version' does not define child links\n"))
        code, out, err = yield self.pvesh("ls", "/nope")
        self.assertEqual((code, err), (255, "no such resource '/nope'\n"))

    @defer.inlineCallbacks
    def test_get_json_pretty_and_create(self):
        code, out, err = yield self.pvesh("create", "/access/users", "--userid", "t@pve",
                                          "--comment", "hello", "--enable", "yes")
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = yield self.pvesh("get", "/access/users", "--output-format",
                                          "json-pretty")
        self.assertEqual(code, 0)
        self.assertIn('      "userid" : "t@pve"\n', out)
        self.assertIn('      "comment" : "hello",\n', out)
        self.assertTrue(out.startswith("[\n   {\n"))

    @defer.inlineCallbacks
    def test_usage(self):
        code, out, err = yield self.pvesh("usage", "/access/users")
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, "USAGE: pvesh get /access/users  [OPTIONS]\n"
                              "USAGE: pvesh create /access/users --userid <string> [OPTIONS]\n")
        code, out, err = yield self.pvesh("usage", "/access/users", "--verbose")
        self.assertIn("  Create new user.\n\n", out)
        self.assertIn("  --enable   <boolean>   (default=1)\n"
                      "             Enable the account (default).", out)
        code, out, err = yield self.pvesh("usage", "/access/users", "--command", "get",
                                          "--returns")
        self.assertIn('RETURNS: {\n   "items" : {', out)
        self.assertNotIn("create", out)

    @defer.inlineCallbacks
    def test_errors(self):
        code, out, err = yield self.pvesh("get", "/nope")
        self.assertEqual((code, err), (1, "No 'get' handler defined for '/nope'\n"))
        code, out, err = yield self.pvesh("create", "/access/users", "--userid", "bad")
        self.assertEqual(code, 255)
        self.assertTrue(err.startswith("400 Parameter verification failed.\nuserid: "
                                       "invalid format - value 'bad' does not look like "
                                       "a valid user name"), err)
        self.assertTrue(err.endswith(
            "\npvesh create <api_path> --userid <string> [OPTIONS] [FORMAT_OPTIONS]\n"))
        code, out, err = yield self.pvesh("get", "/version", "--foo", "1")
        self.assertEqual((code, err), (255, "Unknown option: foo\n400 unable to parse option\n"
                                       "pvesh get <api_path> [OPTIONS] [FORMAT_OPTIONS]\n"))
        code, out, err = yield self.pvesh("get", "/version", "--output-format", "xml")
        self.assertEqual(code, 255)
        self.assertIn("output-format: value 'xml' does not have a value in the enumeration "
                      "'text, json, json-pretty, yaml'\n", err)
        code, out, err = yield self.pvesh("frobnicate")
        self.assertEqual(code, 255)
        self.assertTrue(err.startswith("ERROR: unknown command 'pvesh frobnicate'\n"
                                       "USAGE: pvesh <COMMAND> [ARGS] [OPTIONS]\n\n"))
        self.assertIn("       pvesh create <api_path> [OPTIONS] [FORMAT_OPTIONS]\n", err)

    @defer.inlineCallbacks
    def test_quiet_and_nooutput(self):
        code, out, err = yield self.pvesh("get", "/version", "--quiet")
        self.assertEqual((code, out, err), (0, "", ""))
        code, out, err = yield self.pvesh("--nooutput", "get", "/version")
        self.assertEqual((code, out, err), (0, "", ""))

    @defer.inlineCallbacks
    def test_help(self):
        code, out, err = yield self.pvesh("help")
        self.assertEqual((code, err), (0, ""))
        self.assertTrue(out.startswith("USAGE: pvesh <COMMAND> [ARGS] [OPTIONS]\n\n"
                                       "       pvesh create <api_path>"), out)
        self.assertTrue(out.endswith("\n       pvesh help [<extra-args>] [OPTIONS]\n"))
        code, out, err = yield self.pvesh("help", "ls")
        self.assertTrue(out.startswith("USAGE: pvesh ls <api_path> [OPTIONS] "
                                       "[FORMAT_OPTIONS]\n\n  List child objects"), out)

    @defer.inlineCallbacks
    def test_no_pmxcfs(self):
        self.service.stopService()
        code, out, err = yield self.pvesh("get", "/version")
        self.assertEqual(code, 255)
        self.assertTrue(err.startswith("unable to connect to pmxcfs - "), err)
