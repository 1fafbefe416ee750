"""Endpoints, the registry's routing and dispatch."""

from twisted.internet import defer
from twisted.trial import unittest

from pve.api.declare import UNSET, Endpoint, Registry
from pve.api.schema import APIError, ParamError

NODE = {"type": "string", "format": "pve-node", "description": "The cluster node name."}
VMID = {"type": "integer", "format": "pve-vmid", "minimum": 100, "maximum": 999999999}
STATUS_PARAMS = {"additionalProperties": 0,
                 "properties": {"node": NODE, "vmid": VMID,
                                "verbose": {"type": "boolean", "optional": 1}}}


def make_registry():
    registry = Registry()
    seen = []

    @registry.endpoint("/nodes/{node}/qemu/{vmid}/status/current", "GET",
                       name="vm_status", description="Current status.",
                       parameters=STATUS_PARAMS, returns={"type": "object"},
                       permissions={"check": ["perm", "/vms/{vmid}", ["VM.Audit"]]},
                       proxyto="node")
    def vm_status(env, params):
        seen.append((env, params))
        return {"vmid": params["vmid"], "status": "running", "ha": False}

    registry.add(Endpoint("/nodes", "GET", name="index", description="Nodes.",
                          permissions={"user": "all"}, returns={"type": "array"},
                          handler=lambda env, params: [{"node": "pve1"}]))
    return registry, seen


class RoutingTests(unittest.TestCase):

    def setUp(self):
        self.registry, self.seen = make_registry()

    def test_resolve(self):
        route = self.registry.resolve("GET", "/nodes/pve1/qemu/100/status/current")
        self.assertEqual(route.endpoint.name, "vm_status")
        self.assertEqual(route.path_params, {"node": "pve1", "vmid": "100"})
        self.assertEqual(route.proxyto, "node")
        self.assertFalse(route.protected)
        route = self.registry.resolve("GET", "//nodes//pve1/qemu/100/status/current/")
        self.assertEqual(route.path_params["node"], "pve1")

    def test_not_implemented(self):
        for method, path in [("GET", "/nodes/pve1/nope"), ("PUT", "/nodes"),
                             ("GET", "/"), ("GET", "/nodes/a b/qemu/100/status/current")]:
            with self.assertRaises(APIError) as cm:
                self.registry.resolve(method, path)
            self.assertEqual(cm.exception.code, 501)
            self.assertEqual(cm.exception.message, f"Method '{method} {path}' not implemented")

    def test_merge(self):
        route = self.registry.resolve("GET", "/nodes/pve1/qemu/100/status/current")
        self.assertEqual(route.merge({"vmid": 100, "verbose": "1"}),
                         {"node": "pve1", "vmid": 100, "verbose": "1"})
        with self.assertRaises(ParamError) as cm:
            route.merge({"vmid": "101"})
        self.assertEqual(cm.exception.errors, {
            "vmid": "duplicate parameter (already defined in URI) with conflicting values!"})

    def test_path_parameters_are_validated(self):
        route = self.registry.resolve("GET", "/nodes/-x/qemu/0100/status/current")
        with self.assertRaises(ParamError) as cm:
            route.check(route.merge({}))
        self.assertEqual(cm.exception.errors, {
            "node": "invalid format - value does not look like a valid node name\n",
            "vmid": "invalid format - value does not look like a valid VM ID\n"})

    def test_proxy_node(self):
        route = self.registry.resolve("GET", "/nodes/pve2/qemu/100/status/current")
        self.assertEqual(route.proxy_node(route.merge({})), "pve2")
        self.assertIsNone(self.registry.resolve("GET", "/nodes").proxy_node({}))
        ep = Endpoint("/x", "GET", name="x", proxyto="target",
                      parameters={"properties": {"target": NODE}})
        registry = Registry()
        registry.add(ep)
        with self.assertRaises(ParamError) as cm:
            registry.resolve("GET", "/x").proxy_node({})
        self.assertEqual(cm.exception.errors, {"target": "proxyto parameter does not exist"})
        ep = Endpoint("/y", "GET", name="y", proxyto_callback=lambda env, p, params: "pve9")
        registry.add(ep)
        self.assertEqual(registry.resolve("GET", "/y").proxy_node({}), "pve9")

    def test_children_and_lookup(self):
        self.assertEqual(self.registry.children("/nodes"), ["{node}"])
        self.assertEqual(self.registry.children("/nodes/pve1/qemu/100"), ["status"])
        self.assertEqual(self.registry.children("/"), ["nodes"])
        self.assertEqual(self.registry.children("/nope"), [])
        self.assertEqual(self.registry.lookup("GET", "/nodes/").name, "index")
        self.assertIsNone(self.registry.lookup("POST", "/nodes"))


class DispatchTests(unittest.TestCase):

    def setUp(self):
        self.registry, self.seen = make_registry()

    @defer.inlineCallbacks
    def test_dispatch(self):
        result = yield self.registry.dispatch(
            "GET", "/nodes/pve1/qemu/100/status/current", {"verbose": "1"}, env="ENV")
        self.assertEqual(result, {"vmid": 100, "status": "running", "ha": False})
        self.assertEqual(self.seen, [("ENV", {"node": "pve1", "vmid": 100, "verbose": 1})])

    def test_dispatch_errors_are_failures(self):
        d = self.registry.dispatch("GET", "/nodes/pve1/qemu/100/status/current", {"x": "1"})
        failure = self.failureResultOf(d, ParamError)
        self.assertEqual(list(failure.value.errors), ["x"])
        failure = self.failureResultOf(self.registry.dispatch("GET", "/nope"), APIError)
        self.assertEqual(failure.value.code, 501)

    def test_handlers(self):
        registry = Registry()

        async def coroutine(env, params):
            return "async"

        registry.add(Endpoint("/a", name="a", handler=coroutine))
        registry.add(Endpoint("/b", name="b", handler=lambda env, p: defer.succeed("deferred")))
        registry.add(Endpoint("/c", name="c", handler=lambda env, p: 1 / 0))
        registry.add(Endpoint("/d", name="d"))
        self.assertEqual(self.successResultOf(registry.dispatch("GET", "/a")), "async")
        self.assertEqual(self.successResultOf(registry.dispatch("GET", "/b")), "deferred")
        self.failureResultOf(registry.dispatch("GET", "/c"), ZeroDivisionError)
        failure = self.failureResultOf(registry.dispatch("GET", "/d"), APIError)
        self.assertEqual((failure.value.code, failure.value.message),
                         (500, "Method lookup failed ('d')\n"))


class DeclarationTests(unittest.TestCase):

    def test_info(self):
        ep = Endpoint("/x/", "post", name="x", protected=True, proxyto=None)
        self.assertEqual(ep.template, "/x")
        self.assertEqual(ep.info(), {
            "method": "POST", "name": "x", "description": "",
            "parameters": {"additionalProperties": 0, "properties": {}},
            "returns": {"type": "null"},
            "protected": 1, "proxyto": None, "allowtoken": 1})
        self.assertIs(ep.permissions, UNSET)
        self.assertFalse(ep.permissions)

    def test_refused(self):
        registry = Registry()
        registry.add(Endpoint("/a/{id}", name="a", parameters={"properties": {"id": {}}}))
        p = {"properties": {"id": {}, "other": {}}}
        for ep, message in [
            (Endpoint("/a/{id}", name="b", parameters=p), "duplicate method definition"),
            (Endpoint("/a/{other}", "PUT", parameters=p), "found changed regex match name"),
            (Endpoint("/a/fixed", "PUT"), "regex and fixed items"),
            (Endpoint("/b/{id}"), "path parameter 'id' is not in the parameters schema"),
            (Endpoint("/c", parameters={"properties": {"n": {"format": "no-such"}}}),
             "format 'no-such' is not registered"),
        ]:
            with self.assertRaises(ValueError) as cm:
                registry.add(ep)
            self.assertIn(message, str(cm.exception))
        self.assertRaises(ValueError, Endpoint, "/a", "PATCH")
        self.assertRaises(ValueError, Endpoint, "a")
        Registry(strict_formats=False).add(
            Endpoint("/c", parameters={"properties": {"n": {"format": "no-such"}}}))
