"""json, extjs and html bodies as pve-http-server writes them."""

import json

from twisted.python.failure import Failure
from twisted.trial import unittest

from pve.api.declare import Endpoint, not_implemented
from pve.api.formatters import format_error, format_response
from pve.api.schema import ParamError

ERRORS = {"vmid": "invalid format - value does not look like a valid VM ID\n"}


class JSONTests(unittest.TestCase):

    def test_success(self):
        r = format_response("json", {"running": True, "list": (1, False), "n": None})
        self.assertEqual((r.code, r.phrase, r.content_type),
                         (200, b"OK", "application/json;charset=UTF-8"))
        self.assertEqual(r.body, b'{"data":{"running":1,"list":[1,0],"n":null}}')
        self.assertEqual(format_response("json").body, b'{"data":null}')
        self.assertEqual(format_response("json", "\u00e9").body, '{"data":"\u00e9"}'.encode())

    def test_total_and_changes(self):
        r = format_response("json", [], total=5, changes="diff")
        self.assertEqual(json.loads(r.body), {"data": [], "total": 5, "changes": "diff"})

    def test_param_error(self):
        r = format_error("json", ParamError(ERRORS))
        self.assertEqual((r.code, r.phrase), (400, b"Parameter verification failed."))
        self.assertEqual(json.loads(r.body), {
            "data": None, "message": "Parameter verification failed.\n", "errors": ERRORS})

    def test_not_implemented(self):
        r = format_error("json", not_implemented("GET", "/nope"))
        self.assertEqual((r.code, r.phrase), (501, b"Method 'GET /nope' not implemented"))
        self.assertEqual(json.loads(r.body),
                         {"data": None, "message": "Method 'GET /nope' not implemented"})

    def test_other_errors(self):
        r = format_error("json", Failure(RuntimeError("VM 100 not running")))
        self.assertEqual((r.code, r.phrase), (500, b"VM 100 not running"))
        self.assertEqual(json.loads(r.body), {"data": None, "message": "VM 100 not running\n"})
        r = format_response("json", code=403, message="")
        self.assertEqual((r.phrase, json.loads(r.body)["message"]), (b"Forbidden", "Forbidden"))

    def test_unknown_format(self):
        self.assertRaises(ValueError, format_response, "xml", 1)


class ExtJSTests(unittest.TestCase):

    def test_success(self):
        r = format_response("extjs", {"a": 1}, total=2)
        self.assertEqual(json.loads(r.body), {"data": {"a": 1}, "success": 1, "total": 2})

    def test_error_is_a_200(self):
        r = format_error("extjs", ParamError(ERRORS))
        self.assertEqual((r.code, r.phrase), (200, b"OK"))
        self.assertEqual(json.loads(r.body), {
            "data": None, "success": 0, "status": 400, "errors": ERRORS,
            "message": "Parameter verification failed.\n"})

    def test_htmljs(self):
        r = format_response("htmljs", {"a": "<b>"})
        self.assertEqual(r.content_type, "text/html;charset=UTF-8")
        self.assertEqual(r.body, b'{&quot;data&quot;:{&quot;a&quot;:&quot;&lt;b&gt;&quot;},'
                                 b'&quot;success&quot;:1}')


class HTMLTests(unittest.TestCase):

    endpoint = Endpoint("/nodes", name="index", description="Cluster node index.",
                        returns={"type": "array", "items": {"type": "object"},
                                 "links": [{"rel": "child", "href": "{node}"}]})

    def test_child_links(self):
        r = format_response("html", [{"node": "pve2"}, {"node": "pve1", "up": True}, 3],
                            endpoint=self.endpoint, path="/api2/html/nodes/")
        page = r.body.decode()
        self.assertEqual((r.code, r.content_type), (200, "text/html;charset=UTF-8"))
        self.assertIn("Cluster node index.", page)
        self.assertIn('href="/api2/html/nodes/pve1"', page)
        self.assertLess(page.index("pve1"), page.index("pve2"))
        self.assertIn('&quot;up&quot; : 1', page)
        self.assertIn('<a href="/api2/html">Home</a>', page)
        self.assertIn('<a href="/api2/html/nodes">nodes</a>', page)

    def test_data_children_and_errors(self):
        page = format_response("html", {"x": "<script>"}, path="/api2/html/cluster",
                               children=["ha", "log"]).body.decode()
        self.assertIn("&lt;script&gt;", page)
        self.assertNotIn("<script>", page)
        self.assertIn('href="/api2/html/cluster/ha"', page)
        # a parameter is no page: its values come with the data
        page = format_response("html", [], path="/api2/html/nodes",
                               children=["{node}"]).body.decode()
        self.assertNotIn("%7Bnode%7D", page)
        self.assertNotIn("{node}", page)
        r = format_error("html", ParamError(ERRORS), endpoint=self.endpoint,
                         path="/api2/html/nodes")
        self.assertEqual(r.code, 400)
        self.assertIn("Error 400: Parameter verification failed.", r.body.decode())


class LoginPageTests(unittest.TestCase):
    def test_form_and_script(self):
        from pve.api.formatters import login_page
        page = login_page().decode()
        self.assertIn("<title>Login Required</title>", page)
        for field in ('name="username"', 'name="password"', 'name="realm"'):
            self.assertIn(field, page)
        self.assertIn("/api2/extjs/access/ticket", page)
        self.assertIn("PVEAuthCookie=", page)
        self.assertIn("/api2/json/access/domains", page)


class SpiceConfigTests(unittest.TestCase):
    def test_virt_viewer_file(self):
        r = format_response("spiceconfig", {"type": "spice", "host": "pvespice",
                                            "password": "x", "proxy": None,
                                            "tls-port": 61000})
        self.assertEqual(r.content_type,
                         "application/x-virt-viewer;charset=UTF-8")
        self.assertEqual(r.body, b"[virt-viewer]\ntype=spice\nhost=pvespice\n"
                                 b"password=x\ntls-port=61000\n")

    def test_error_has_no_file(self):
        r = format_error("spiceconfig", ParamError(ERRORS))
        self.assertEqual((r.code, r.body), (400, b""))
