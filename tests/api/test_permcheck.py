"""Permission declarations evaluated as Proxmox's RPCEnvironment does."""

from twisted.trial import unittest

from pve.access.usercfg import parse_user_cfg
from pve.api.permcheck import check_api2_permissions, template_replace
from pve.api.schema import APIError

CFG = parse_user_cfg(b"""\
user:alice@pve:1:0:::::
user:bob@pve:1:0:::::
user:carol@pve:1:0:::::
token:alice@pve!sep:0:1::
group:ops:bob@pve:
group:devs:carol@pve:
acl:1:/vms/100:alice@pve:PVEVMUser:
acl:1:/access/groups/ops:alice@pve:PVEUserAdmin:
acl:1:/storage/local:carol@pve:PVEDatastoreAdmin:
acl:1:/vms:alice@pve!sep:PVEAuditor:
""")[0]


class PermCheckTests(unittest.TestCase):
    def ok(self, perm, who, params=None):
        return check_api2_permissions(CFG, perm, who, params or {})

    def denied(self, perm, who, params=None, message=None):
        e = self.assertRaises(APIError, self.ok, perm, who, params)
        self.assertEqual(e.code, 403)
        if message is not None:
            self.assertEqual(e.message, message)

    def test_template(self):
        self.assertEqual(template_replace("/vms/{vmid}", {"vmid": 100}),
                         "/vms/100")
        self.assertEqual(template_replace("/a/{x}/b", {}), "/a/-/b")

    def test_world_all_root(self):
        self.assertTrue(self.ok({"user": "world"}, None))
        self.denied({"user": "all"}, None, message="Permission check failed "
                    "(user != null)\n")
        self.assertTrue(self.ok({"user": "all"}, "alice@pve"))
        self.assertTrue(self.ok(None, "root@pam"))
        self.denied(None, "alice@pve", message="Permission check failed "
                    "(user != root@pam)\n")
        self.denied({"description": "x"}, "alice@pve",
                    message="Permission check failed\n")

    def test_perm(self):
        perm = {"check": ["perm", "/vms/{vmid}", ["VM.Console"]]}
        self.assertTrue(self.ok(perm, "alice@pve", {"vmid": 100}))
        self.denied(perm, "alice@pve", {"vmid": 101}, message=(
            "Permission check failed (/vms/101, VM.Console)\n"))
        anyperm = {"check": ["perm", "/vms/{vmid}",
                             ["VM.Allocate", "VM.Console"], "any", 1]}
        self.assertTrue(self.ok(anyperm, "alice@pve", {"vmid": 100}))
        self.denied({"check": ["perm", "/vms/{vmid}",
                               ["VM.Allocate", "VM.Audit"], "any", 1]},
                    "alice@pve", {"vmid": 101}, message=(
                        "Permission check failed (/vms/101, "
                        "VM.Allocate|VM.Audit)\n"))
        required = {"check": ["perm", "/vms/100", ["VM.Audit"],
                              "require_param", "vmid"]}
        self.denied(required, "alice@pve", {})

    def test_token_privsep(self):
        perm = {"check": ["perm", "/vms/{vmid}", ["VM.Audit"]]}
        self.assertTrue(self.ok(perm, "alice@pve!sep", {"vmid": 100}))
        self.denied({"check": ["perm", "/vms/{vmid}", ["VM.Console"]]},
                    "alice@pve!sep", {"vmid": 100})

    def test_and_or(self):
        a = ["perm", "/vms/100", ["VM.Audit"]]
        b = ["perm", "/", ["Sys.Audit"]]
        self.assertTrue(self.ok({"check": ["or", b, a]}, "alice@pve"))
        self.denied({"check": ["and", a, b]}, "alice@pve",
                    message="Permission check failed (/, Sys.Audit)\n")
        self.denied({"check": ["or", b, b]}, "alice@pve",
                    message="Permission check failed\n")

    def test_userid_param(self):
        perm = {"check": ["userid-param", "self"]}
        self.assertTrue(self.ok(perm, "bob@pve", {"userid": "bob@pve"}))
        self.denied(perm, "bob@pve", {"userid": "alice@pve"})
        e = self.assertRaises(APIError, self.ok, perm, "bob@pve",
                              {"userid": "nobody@pve"})
        self.assertEqual((e.code, e.message),
                         (500, "no such user ('nobody@pve')\n"))

    def test_userid_group(self):
        perm = {"check": ["userid-group", ["User.Modify"]]}
        # alice administers group ops, which bob is in
        self.assertTrue(self.ok(perm, "alice@pve", {"userid": "bob@pve"}))
        self.denied(perm, "alice@pve", {"userid": "carol@pve"})
        create = {"check": ["userid-group", ["User.Modify"],
                            "groups_param", "create"]}
        self.assertTrue(self.ok(create, "alice@pve",
                                {"userid": "new@pve", "groups": "ops"}))
        self.denied(create, "alice@pve", {"userid": "new@pve",
                                          "groups": "ops,devs"},
                    message="Permission check failed (/access/groups/devs, "
                            "User.Modify)\n")
        self.denied(create, "alice@pve", {"userid": "new@pve"},
                    message="Permission check failed (/access/groups, "
                            "User.Modify)\n")

    def test_perm_modify(self):
        perm = {"check": ["perm-modify", "{path}"]}
        self.assertTrue(self.ok(perm, "carol@pve",
                                {"path": "/storage/local"}))
        self.denied(perm, "carol@pve", {"path": "/vms/100"},
                    message="Permission check failed (/vms/100, "
                            "Permissions.Modify|VM.Allocate)\n")
