"""CLI output formats (pve-common CLIFormatter): pure functions of data."""

from twisted.trial import unittest

from pve.cli import format as clifmt

USERS = {"type": "array", "items": {"type": "object", "properties": {
    "userid": {"type": "string"},
    "enable": {"type": "boolean", "optional": 1},
    "expire": {"type": "integer", "optional": 1},
    "comment": {"type": "string", "optional": 1}}}}
ROWS = [{"userid": "root@pam", "enable": 1, "expire": 0},
        {"userid": "a@pve", "enable": 0, "comment": "two\nlines"}]


class TextTests(unittest.TestCase):
    def test_list_table_sorted_required_first(self):
        self.assertEqual(clifmt.api_result(ROWS, USERS), (
            "+----------+---------+--------+--------+\n"
            "| userid   | comment | enable | expire |\n"
            "+==========+=========+========+========+\n"
            "| a@pve    | two     | 0      |        |\n"
            "|          | lines   |        |        |\n"
            "+----------+---------+--------+--------+\n"
            "| root@pam |         | 1      |      0 |\n"
            "+----------+---------+--------+--------+\n"))

    def test_noborder_noheader(self):
        text = clifmt.api_result(ROWS, USERS, None, {"noborder": 1})
        self.assertEqual(text, (
            "userid   comment enable expire\n"
            "a@pve    two     0      \n"
            "         lines          \n"
            "root@pam         1      0\n"))
        text = clifmt.api_result(ROWS, USERS, ["userid"], {"noborder": 1, "noheader": 1})
        self.assertEqual(text, "a@pve\nroot@pam\n")

    def test_object_as_key_value(self):
        # rows sorted by key, as print_text_table sorts on the first column
        schema = {"type": "object", "properties": {"version": {"type": "string"},
                                                   "n": {"type": "integer", "optional": 1}}}
        self.assertEqual(clifmt.api_result({"version": "9.0", "n": 3, "x": 1}, schema), (
            "+---------+-------+\n"
            "| key     | value |\n"
            "+=========+=======+\n"
            "| n       | 3     |\n"
            "+---------+-------+\n"
            "| version | 9.0   |\n"
            "+---------+-------+\n"))

    def test_utf8_and_columns(self):
        text = clifmt.api_result([{"a": "x"}], None, None, {}, utf8=True)
        self.assertEqual(text, "┌───┐\n│ a │\n╞═══╡\n│ x │\n└───┘\n")
        text = clifmt.api_result(ROWS, USERS, None, {}, columns=10)
        self.assertEqual(text.splitlines()[1], "| userid  ")

    def test_scalars_lists_null(self):
        self.assertEqual(clifmt.api_result("UPID:x:", {"type": "string"}), "UPID:x:\n")
        self.assertEqual(clifmt.api_result(None, {"type": "null"}), "")
        self.assertEqual(clifmt.api_result([], USERS), "")
        self.assertEqual(clifmt.api_result(["a", "bb"], {"type": "array", "items": {}}),
                         "+-------+\n| a     |\n+-------+\n| bb    |\n+-------+\n")
        self.assertEqual(clifmt.api_result({"a": 1}, {"type": "null"}, None,
                                           {"output-format": "json"}), "")
        self.assertEqual(clifmt.api_result(ROWS, USERS, None, {"quiet": 1}), "")

    def test_renderers(self):
        schema = {"type": "object", "properties": {
            "size": {"type": "integer", "renderer": "bytes"},
            "uptime": {"type": "integer", "renderer": "duration"},
            "cpu": {"type": "number", "renderer": "fraction_as_percentage"},
            "nested": {"type": "object"}}}
        data = {"size": 3 * 1024 ** 3, "uptime": 90061, "cpu": 0.1234,
                "nested": {"b": [1], "a": True}}
        text = clifmt.api_result(data, schema, None, {"noborder": 1, "noheader": 1})
        self.assertEqual(text, 'cpu    12.34%\nnested {"a":1,"b":[1]}\n'
                               "size   3.00 GiB\nuptime 1d 1h 1m 1s\n")
        raw = clifmt.api_result(data, schema, ["size"],
                                {"noborder": 1, "noheader": 1, "human-readable": 0})
        self.assertEqual(raw, "size 3221225472\n")
        self.assertEqual(clifmt.render_duration(0), "0s")
        self.assertEqual(clifmt.render_bytes(512), "512.00 B")

    def test_not_a_list(self):
        self.assertRaises(clifmt.FormatError, clifmt.api_result, {"a": 1},
                          {"type": "array", "items": {"type": "object"}})


class MachineFormatTests(unittest.TestCase):
    DATA = {"full-tokenid": "root@pam!ci", "info": {"privsep": 0}, "value": "s3cr\u00e9t"}

    def test_json(self):
        self.assertEqual(clifmt.api_result(self.DATA, None, None, {"output-format": "json"}),
                         '{"full-tokenid":"root@pam!ci","info":{"privsep":0},'
                         '"value":"s3cr\u00e9t"}\n')

    def test_json_pretty(self):
        self.assertEqual(
            clifmt.api_result(self.DATA, None, None, {"output-format": "json-pretty"}),
            '{\n   "full-tokenid" : "root@pam!ci",\n   "info" : {\n      "privsep" : 0\n'
            '   },\n   "value" : "s3cr\u00e9t"\n}\n')

    def test_yaml(self):
        data = {"b": [1, "x", {"c": "1", "d": []}], "a": {"f": None, "g": True},
                "h": "a: b", "i": "", "j": "it's", "k": "-x", "l": "- x", "m": "1.5",
                "n": "a\nb", "o": [[1, 2]]}
        self.assertEqual(clifmt.to_yaml(data), (
            "---\n"
            "a:\n  f: ~\n  g: true\n"
            "b:\n- 1\n- x\n- c: '1'\n  d: []\n"
            "h: 'a: b'\ni: ''\nj: it's\nk: -x\nl: '- x'\nm: '1.5'\n"
            'n: "a\\nb"\n'
            "o:\n- - 1\n  - 2\n"))
        self.assertEqual(clifmt.to_yaml("x"), "--- x\n")
        self.assertEqual(clifmt.to_yaml({}), "--- {}\n")
        self.assertEqual(clifmt.api_result([{"a": 1}], None, None, {"output-format": "yaml"}),
                         "---\n- a: 1\n")
