"""Validation and type text against Proxmox's rules (pve-common JSONSchema.pm)."""

from twisted.trial import unittest

from pve.api import apidata, formats, schema
from pve.api.declare import check_params
from pve.api.schema import ParamError, validate


def errors_of(params, parameters):
    try:
        check_params(params, parameters)
    except ParamError as exc:
        return exc.errors
    return {}


OBJ = {
    "additionalProperties": 0,
    "properties": {
        "vmid": {"type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999},
        "node": {"type": "string", "format": "pve-node"},
        "count": {"type": "integer", "minimum": 1, "maximum": 10, "optional": 1},
        "ratio": {"type": "number", "optional": 1},
        "force": {"type": "boolean", "optional": 1},
        "mode": {"type": "string", "enum": ["fast", "safe"], "optional": 1},
        "ids": {"type": "string", "format": "pve-configid-list", "optional": 1},
        "tags": {"type": "array", "items": {"type": "string", "format": "pve-tag"},
                 "optional": 1},
        "name": {"type": "string", "minLength": 2, "maxLength": 4, "optional": 1},
        "digest": {"type": "string", "pattern": "[0-9a-f]{4}", "optional": 1},
    },
}
BASE = {"vmid": "100", "node": "pve1"}


class TypeTests(unittest.TestCase):

    def check(self, **params):
        return check_params(dict(BASE, **params), OBJ)

    def errors(self, **params):
        return errors_of(dict(BASE, **params), OBJ)

    def test_strings_become_declared_types(self):
        self.assertEqual(self.check(count="+5", ratio="1.", force="1", mode="fast"),
                         {"vmid": 100, "node": "pve1", "count": 5, "ratio": 1.0,
                          "force": 1, "mode": "fast"})
        self.assertEqual(self.check(ratio=".5")["ratio"], 0.5)
        self.assertEqual(self.check(ratio="1e3")["ratio"], 1000.0)
        self.assertEqual(self.check(ratio="7")["ratio"], 7)
        self.assertEqual(self.check(count="007")["count"], 7)

    def test_json_values(self):
        self.assertEqual(self.check(force=True, count=3, vmid=100)["force"], 1)
        self.assertEqual(self.check(force=False)["force"], 0)
        self.assertEqual(self.check(force=0)["force"], 0)
        self.assertEqual(self.check(name=42)["name"], "42")
        self.assertEqual(self.check(count=2.0)["count"], 2)

    def test_booleans_are_0_or_1_only(self):
        for spelling in ("true", "yes", "on", "2", "", "01"):
            self.assertEqual(self.errors(force=spelling),
                             {"force": f"type check ('boolean') failed - got '{spelling}'"})

    def test_type_errors(self):
        self.assertEqual(self.errors(count="1.5"),
                         {"count": "type check ('integer') failed - got '1.5'"})
        self.assertEqual(self.errors(count=""),
                         {"count": "type check ('integer') failed - got ''"})
        self.assertEqual(self.errors(ratio="0x10"),
                         {"ratio": "type check ('number') failed - got '0x10'"})
        self.assertEqual(self.errors(count=True),
                         {"count": "type check ('integer') failed - got JSON::PP::Boolean"})
        self.assertEqual(self.errors(node={"a": 1}),
                         {"node": "type check ('string') failed - got HASH"})
        self.assertEqual(self.errors(vmid=[100]),
                         {"vmid": "type check ('integer') failed - got ARRAY"})

    def test_limits(self):
        self.assertEqual(self.errors(count="0"),
                         {"count": "value must have a minimum value of 1"})
        self.assertEqual(self.errors(count="11"),
                         {"count": "value must have a maximum value of 10"})
        self.assertEqual(self.errors(name="a"),
                         {"name": "value must be at least 2 characters long"})
        self.assertEqual(self.errors(name="abcde"),
                         {"name": "value may only be 4 characters long"})
        self.assertEqual(self.errors(digest="abcx"),
                         {"digest": "value does not match the regex pattern"})
        self.assertEqual(self.errors(digest="abcd0"),
                         {"digest": "value does not match the regex pattern"})
        self.assertEqual(self.errors(mode="slow"), {
            "mode": "value 'slow' does not have a value in the enumeration 'fast, safe'"})

    def test_format_comes_before_range(self):
        # pve-vmid's regex rejects these before minimum/maximum are looked at
        for vmid in ("99", "0100", "1000000000"):
            self.assertEqual(self.errors(vmid=vmid), {
                "vmid": "invalid format - value does not look like a valid VM ID\n"})
        self.assertEqual(self.errors(vmid="abc"),
                         {"vmid": "type check ('integer') failed - got 'abc'"})

    def test_missing_and_unknown(self):
        self.assertEqual(errors_of({"foo": "1"}, OBJ), {
            "vmid": "property is missing and it is not optional",
            "node": "property is missing and it is not optional",
            "foo": "property is not defined in schema and the schema does not "
                   "allow additional properties"})
        loose = dict(OBJ, additionalProperties=1)
        self.assertEqual(check_params(dict(BASE, foo="x"), loose)["foo"], "x")
        undeclared = {k: v for k, v in OBJ.items() if k != "additionalProperties"}
        self.assertEqual(check_params(dict(BASE, foo="x"), undeclared)["foo"], "x")

    def test_all_errors_are_collected(self):
        self.assertEqual(set(self.errors(count="x", force="x", mode="x", name="x")),
                         {"count", "force", "mode", "name"})

    def test_lists(self):
        self.assertEqual(self.check(ids="net0,ide1;scsi2 virtio3")["ids"],
                         "net0,ide1;scsi2 virtio3")
        self.assertEqual(self.check(ids=["net0", "ide1"])["ids"], "net0,ide1")
        self.assertEqual(self.errors(ids="net0,0bad"),
                         {"ids": "invalid format - invalid configuration ID '0bad'\n"})
        self.assertEqual(self.check(tags="one")["tags"], ["one"])
        self.assertEqual(self.errors(tags=["ok", "b@d"]),
                         {"tags[1]": "invalid format - invalid characters in tag\n"})

    def test_param_error(self):
        with self.assertRaises(ParamError) as cm:
            validate({}, OBJ)
        self.assertEqual(cm.exception.code, 400)
        self.assertEqual(cm.exception.message, "Parameter verification failed.\n")


class ObjectTests(unittest.TestCase):

    def test_requires_and_joined_messages(self):
        s = {"properties": {"a": {"type": "string", "requires": "b", "optional": 1},
                            "b": {"type": "integer"}}}
        # Proxmox joins two messages for one key with a literal backslash-n
        self.assertEqual(errors_of({"a": "x"}, s), {
            "b": "property is missing and it is not optional\\n"
                 "missing property required by 'a'"})

    def test_nested_paths(self):
        s = {"type": "object", "properties": {
            "list": {"type": "array", "items": {"type": "integer"}},
            "obj": {"type": "object", "additionalProperties": 0,
                    "properties": {"x": {"type": "boolean"}}}}}
        self.assertEqual(errors_of({"list": [1, "a"], "obj": {"x": "2", "y": 1}}, s), {
            "list[1]": "type check ('integer') failed - got 'a'",
            "obj.x": "type check ('boolean') failed - got '2'",
            "obj.y": "property is not defined in schema and the schema does not "
                     "allow additional properties"})
        self.assertEqual(validate({"list": ["1"], "obj": {"x": "0"}}, s),
                         {"list": [1], "obj": {"x": 0}})

    def test_root_errors(self):
        self.assertEqual(errors_of(None, {"type": "object"}),
                         {"_root": "property is missing and it is not optional"})
        self.assertEqual(errors_of([], {"type": "object", "properties": {}}),
                         {"_root": "type check ('object') failed"})

    def test_alias(self):
        s = {"properties": {"old": {"alias": "new"}, "new": {"type": "integer"}}}
        self.assertEqual(validate({"old": "5"}, s), {"new": 5})
        self.assertEqual(errors_of({"old": "5", "new": "6"}, s),
                         {"old": "cannot set both 'old' and its alias target 'new'"})

    def test_instance_types(self):
        s = {"additionalProperties": 0, "properties": {
            "protocol": {"type": "string", "enum": ["ospf", "openfabric"]},
            "area": {"type": "string", "instance-types": ["ospf"],
                     "type-property": "protocol"}}}
        self.assertEqual(validate({"protocol": "openfabric"}, s), {"protocol": "openfabric"})
        self.assertEqual(errors_of({"protocol": "ospf"}, s),
                         {"area": "property is missing and it is not optional"})

    def test_legacy_one_of(self):
        s = {"properties": {"v": {"oneOf": [{"type": "integer"}, {"type": "boolean"}]}}}
        self.assertEqual(errors_of({"v": "1"}, s), {})
        self.assertEqual(errors_of({"v": "x"}, s), {
            "v.oneOf[0]": "type check ('integer') failed - got 'x'",
            "v.oneOf[1]": "type check ('boolean') failed - got 'x'"})

    def test_typed_one_of(self):
        s = {"type-property": "type",
             "type-property-schema": {"type": "string", "enum": ["dir", "nfs"]},
             "oneOf": [{"instance-type": "dir", "additionalProperties": 0,
                        "properties": {"path": {"type": "string"}}},
                       {"instance-type": "nfs", "additionalProperties": 0,
                        "properties": {"port": {"type": "integer", "optional": 1}}}]}
        self.assertEqual(validate({"type": "nfs", "port": "2049"}, s),
                         {"type": "nfs", "port": 2049})
        self.assertEqual(errors_of({"type": "dir", "port": "1"}, s), {
            "oneOf[dir].path": "property is missing and it is not optional",
            "oneOf[dir].port": "property is not defined in schema and the schema does "
                               "not allow additional properties"})
        self.assertEqual(errors_of({"type": "lvm"}, s), {
            "type": "value 'lvm' does not have a value in the enumeration 'dir, nfs'"})
        self.assertEqual(errors_of({}, s),
                         {"type": "property is missing and it is not optional"})
        self.assertEqual(errors_of("dir", s), {"_root": "value must be an object"})

    def test_property_string_parameter(self):
        fmt = {"model": {"type": "string", "enum": ["e1000", "virtio"], "default_key": 1},
               "tag": {"type": "integer", "minimum": 1, "optional": 1}}
        s = {"properties": {"net0": {"type": "string", "format": fmt}}}
        self.assertEqual(validate({"net0": "virtio,tag=5"}, s), {"net0": "virtio,tag=5"})
        self.assertEqual(errors_of({"net0": "virtio,tag=0"}, s), {
            "net0": "invalid format - format error\n"
                    "net0.tag: value must have a minimum value of 1\n"})

    def test_unknown_format(self):
        s = {"properties": {"x": {"type": "string", "format": "no-such"}}}
        self.assertEqual(errors_of({"x": "a"}, s),
                         {"x": "invalid format - undefined format 'no-such'\n"})


class TypeTextTests(unittest.TestCase):

    def test_schema_get_type_text(self):
        text = apidata.schema_get_type_text
        self.assertEqual(text({"type": "integer", "minimum": 0}), "<integer> (0 - N)")
        self.assertEqual(text({"type": "integer", "maximum": "5"}), "<integer> (-N - 5)")
        self.assertEqual(text({"type": "number", "minimum": 0.5, "maximum": 1e9}),
                         "<number> (0.5 - 1000000000)")
        self.assertEqual(text({"type": "integer"}), "<integer>")
        self.assertEqual(text({"type": "boolean"}), "<boolean>")
        self.assertEqual(text({"type": "string", "enum": ["b", "a"]}), "<a | b>")
        self.assertEqual(text({"type": "string", "format_description": "MAC"}), "<MAC>")
        self.assertEqual(text({"type": "string", "format": "pve-vmid"}), "<string>")
        self.assertEqual(text({"alias": "x"}), "<alias to 'x'>")
        self.assertEqual(text({"type": "string", "pattern": "[a-z]+"}), "[a-z]+")

    def test_property_string_type_text(self):
        fmt = {"model": {"type": "string", "enum": ["virtio", "e1000"], "default_key": 1},
               "bridge": {"type": "string", "format_description": "bridge", "optional": 1},
               "firewall": {"type": "boolean", "optional": 1},
               "macaddr": {"type": "string", "typetext": "<XX:XX>", "optional": 1},
               "rate": {"type": "number"},
               "mac": {"alias": "macaddr"}}
        self.assertEqual(apidata.generate_typetext(fmt),
                         "[model=]<virtio|e1000> ,rate=<number> [,bridge=<bridge>] "
                         "[,firewall=<1|0>] [,macaddr=<XX:XX>]")
        if formats.get_format("test-typetext-fmt") is None:
            formats.register_format("test-typetext-fmt", fmt)
        self.assertEqual(apidata.schema_get_type_text(
            {"type": "string", "format": "test-typetext-fmt"}),
            apidata.generate_typetext(fmt))

    def test_perl_regex(self):
        self.assertTrue(schema.anchored("(?^i:[a-z]+)").search("ABC"))
        self.assertFalse(schema.anchored("(?:(?^:[a-z]+))").search("ABC"))
        self.assertTrue(schema.anchored("[[:alnum:]]+").search("a1"))
