"""Our apidata against Proxmox's (shared/conformance/api/apidata.json)."""

import contextlib
import io
import re

from twisted.trial import unittest

from pve.api import apidata
from pve.api.declare import Endpoint, Registry, check_params
from pve.api.schema import ParamError

try:
    UPSTREAM = apidata.load_upstream()
except FileNotFoundError:
    UPSTREAM = None

SKIP = "conformance data absent" if UPSTREAM is None else None

SAMPLES = [
    ("/version", "GET"),
    ("/access/users", "POST"),
    ("/access/ticket", "POST"),
    ("/nodes/{node}/qemu/{vmid}/status/current", "GET"),
    ("/nodes/{node}/qemu/{vmid}/config", "PUT"),
    ("/nodes/{node}/storage/{storage}/content", "GET"),
]


def unfold(parameters, count=3):
    """Proxmox folds net0..netN into net[n]; declare net0..net2 instead."""
    props = parameters.get("properties") or {}
    for name in [k for k in props if k.endswith("[n]")]:
        prop = props.pop(name)
        for i in range(count):
            props[f"{name[:-3]}{i}"] = dict(prop)
    return parameters


def declare(path, method):
    """An Endpoint written from the upstream entry, as tools/extract_schema.py prints it."""
    info = apidata.schema_from_apidata(path, method, UPSTREAM)
    info.pop("method")
    info["parameters"] = unfold(apidata.paste_ready(info["parameters"]))
    return Endpoint(path, method, **info)


class SampleTests(unittest.TestCase):
    skip = SKIP

    def test_entries_equal_upstream(self):
        registry = Registry(strict_formats=False)
        for path, method in SAMPLES:
            ep = registry.add(declare(path, method))
            upstream = apidata.schema_from_apidata(path, method, UPSTREAM)
            self.assertEqual(apidata.method_info(ep), upstream, f"{method} {path}")

    def test_typetext_is_generated(self):
        # after stripping, no typetext is left for these: every one is ours
        for path, method in SAMPLES[:4]:
            params = declare(path, method).parameters
            self.assertEqual([k for k, p in params.get("properties", {}).items()
                              if "typetext" in p], [], path)

    def test_tree(self):
        registry = Registry(strict_formats=False)
        for path, method in SAMPLES:
            registry.add(declare(path, method))
        tree = apidata.dump(registry)
        self.assertEqual([n["path"] for n in tree], ["/version", "/access", "/nodes"])
        version = tree[0]
        self.assertEqual(sorted(version), ["info", "leaf", "path", "text"])
        self.assertEqual((version["leaf"], version["text"]), (1, "version"))
        qemu = apidata.find_node(tree, "/nodes/{node}/qemu/{vmid}")
        self.assertEqual((qemu["text"], qemu["leaf"], "info" in qemu), ("{vmid}", 0, False))
        self.assertEqual([c["text"] for c in qemu["children"]], ["status", "config"])

    def test_validation_with_upstream_schemas(self):
        users = apidata.schema_from_apidata("/access/users", "POST", UPSTREAM)["parameters"]
        self.assertEqual(
            check_params({"userid": "john@pve", "enable": "0", "expire": "0",
                          "groups": ["admins", "ops"], "email": ""}, users),
            {"userid": "john@pve", "enable": 0, "expire": 0, "groups": "admins,ops",
             "email": ""})
        bad = {"userid": "john", "enable": "yes", "expire": "-1", "password": "short",
               "keys": "a b", "email": "john@", "groups": "a,b/c", "extra": "1"}
        with self.assertRaises(ParamError) as cm:
            check_params(bad, users)
        self.assertEqual(cm.exception.errors, {
            "userid": "invalid format - value 'john' does not look like a valid user name\n",
            "enable": "type check ('boolean') failed - got 'yes'",
            "expire": "value must have a minimum value of 0",
            "password": "value must be at least 8 characters long",
            "keys": "value does not match the regex pattern",
            "email": "invalid format - value does not look like a valid email address\n",
            "groups": "invalid format - group name 'b/c' contains invalid characters\n",
            "extra": "property is not defined in schema and the schema does not allow "
                     "additional properties"})

        ticket = apidata.schema_from_apidata("/access/ticket", "POST", UPSTREAM)["parameters"]
        with self.assertRaises(ParamError) as cm:
            check_params({"username": "root@pam", "path": "/vms"}, ticket)
        self.assertEqual(cm.exception.errors, {
            "password": "property is missing and it is not optional",
            "privs": "missing property required by 'path'"})
        with self.assertRaises(ParamError) as cm:
            check_params({"username": "root@pam", "password": "x", "path": "/",
                          "privs": "Sys.Audit,VM.Fly"}, ticket)
        self.assertEqual(cm.exception.errors,
                         {"privs": "invalid format - invalid privilege 'VM.Fly'\n"})

        version = apidata.schema_from_apidata("/version", "GET", UPSTREAM)["parameters"]
        # apidata drops Proxmox's empty "properties"; without it nothing is refused
        self.assertEqual(check_params({"x": "1"}, version), {"x": "1"})
        version = apidata.paste_ready(version)
        self.assertEqual(check_params({}, version), {})
        self.assertRaises(ParamError, check_params, {"x": "1"}, version)


class WholeTreeTests(unittest.TestCase):
    skip = SKIP

    def test_round_trip(self):
        """Every upstream method declared from its stripped entry gives back
        Proxmox's tree, and the same apidata.js text."""
        registry = Registry(strict_formats=False)

        def walk(nodes):
            for node in nodes:
                for method in node.get("info", {}):
                    info = apidata.schema_from_apidata(node["path"], method, UPSTREAM)
                    info.pop("method")
                    info["parameters"] = apidata.paste_ready(info["parameters"])
                    registry.add(Endpoint(node["path"], method, **info))
                walk(node.get("children", []))

        walk(UPSTREAM)
        self.assertEqual(len(list(registry)), 649)
        tree = apidata.dump(registry)
        self.assertEqual(tree, UPSTREAM)
        self.assertEqual(apidata.render_js(tree), apidata.render_js(UPSTREAM))


class RenderTests(unittest.TestCase):

    def test_render_js(self):
        registry = Registry()
        registry.add(Endpoint("/version", name="version", description="Version.",
                              permissions={"user": "all"},
                              returns={"type": "object", "properties": {}}))
        self.assertEqual(apidata.render_js(apidata.dump(registry)), """\
const apiSchema = [
   {
      "info" : {
         "GET" : {
            "allowtoken" : 1,
            "description" : "Version.",
            "method" : "GET",
            "name" : "version",
            "parameters" : {
               "additionalProperties" : 0
            },
            "permissions" : {
               "user" : "all"
            },
            "returns" : {
               "type" : "object"
            }
         }
      },
      "leaf" : 1,
      "path" : "/version",
      "text" : "version"
   }
]
;

""")

    def test_clone_schema(self):
        cloned = apidata.clone_schema({"properties": {
            "net0": {"type": "string"}, "net1": {"type": "string"}, "net2": {},
            "ide0": {"type": "boolean", "optional": True}, "v": {"type": "string", "enum": []}}})
        self.assertEqual(cloned, {"properties": {
            "net[n]": {"type": "string", "typetext": "<string>"},
            "ide0": {"type": "boolean", "optional": 1, "typetext": "<boolean>"},
            "v": {"type": "string", "enum": []}}})

    def test_duplicate(self):
        registry = Registry()
        registry.add(Endpoint("/a/{x}", parameters={"properties": {"x": {}}}))
        registry.add(Endpoint("/b/{y}", parameters={"properties": {"y": {}}}))
        registry._endpoints.append(Endpoint("/a/{z}", parameters={"properties": {"z": {}}}))
        self.assertRaises(ValueError, apidata.dump, registry)


class ExtractToolTests(unittest.TestCase):
    skip = SKIP

    def test_printed_declaration(self):
        import runpy
        tool = runpy.run_path(apidata.Path(__file__).parents[2] / "tools" / "extract_schema.py")
        for path, method in SAMPLES[:4]:
            out = io.StringIO()
            with contextlib.redirect_stdout(out):
                self.assertEqual(tool["main"]([path, method]), 0)
            text = out.getvalue()
            self.assertTrue(text.startswith(f"# {method} {path}"))
            ep = eval(text, {"Endpoint": Endpoint})
            self.assertEqual(apidata.method_info(ep),
                             apidata.schema_from_apidata(path, method, UPSTREAM))
            self.assertFalse(re.search(r"'typetext': '<string>'", text))
