"""Every endpoint we declare has Proxmox's apidata entry: parameters,
returns, permissions, protected, proxyto... (no key skipped)."""

from twisted.trial import unittest

from pve.api import apidata
from pve.api.tree import make_registry


class ApidataTests(unittest.TestCase):
    def setUp(self):
        try:
            self.upstream = apidata.load_upstream()
        except FileNotFoundError:
            raise unittest.SkipTest("no conformance data")

    def test_every_endpoint_matches_upstream(self):
        registry = make_registry()
        checked = 0
        for endpoint in registry:
            ours = apidata.method_info(endpoint)
            theirs = apidata.schema_from_apidata(endpoint.template, endpoint.method,
                                                 self.upstream)
            self.assertEqual(ours, theirs, "%s %s" % (endpoint.method, endpoint.template))
            checked += 1
        self.assertGreaterEqual(checked, 43)

    def test_dump_builds(self):
        tree = apidata.dump(make_registry())
        self.assertEqual([n["path"] for n in tree],
                         ["/version", "/access", "/nodes", "/cluster", "/storage"])
