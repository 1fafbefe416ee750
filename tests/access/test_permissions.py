"""ACL resolution: paths, propagation, groups, NoAccess, tokens, pools."""

from twisted.trial import unittest

from pve.access.permissions import (api_capabilities, check,
                                    effective_permissions, permissions,
                                    privilege_flags, roles)
from pve.access.privileges import PRIVILEGES
from pve.access.usercfg import parse_user_cfg

BASE = """\
user:joe@pve:1:0::::::
token:joe@pve!full:0:0::
token:joe@pve!sep:0:1::
user:ann@pve:1:0::::::
user:bob@pam:1:0::::::
token:root@pam!full:0:0::
token:root@pam!sep:0:1::

group:dev:joe@pve,ann@pve::
group:ops:joe@pve::

role:viewer:VM.Audit:
role:operator:VM.Audit,VM.PowerMgmt:
role:console:VM.Console:
"""


def config(acls, extra=""):
    cfg, warnings = parse_user_cfg(BASE + extra + "\n" + acls)
    assert warnings == [], warnings
    return cfg


def names(result):
    return ",".join(sorted(result))


class PathTests(unittest.SynchronousTestCase):

    def test_propagates_down(self):
        cfg = config("acl:1:/vms:joe@pve:viewer:\n")
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms/100")), "viewer")
        self.assertEqual(names(roles(cfg, "joe@pve", "/")), "")
        self.assertEqual(names(roles(cfg, "joe@pve", "/storage")), "")

    def test_propagate_0_only_on_the_path(self):
        cfg = config("acl:0:/vms:joe@pve:viewer:\n")
        self.assertEqual(roles(cfg, "joe@pve", "/vms"), {"viewer": 0})
        self.assertEqual(roles(cfg, "joe@pve", "/vms/100"), {})
        self.assertEqual(privilege_flags(cfg, "joe@pve", "/vms"),
                         {"VM.Audit": 0})

    def test_deeper_level_replaces(self):
        cfg = config("acl:1:/vms:joe@pve:operator:\n"
                     "acl:1:/vms/100:joe@pve:console:\n")
        self.assertEqual(names(permissions(cfg, "joe@pve", "/vms/100")),
                         "VM.Console")
        self.assertEqual(names(permissions(cfg, "joe@pve", "/vms/101")),
                         "VM.Audit,VM.PowerMgmt")

    def test_unpropagated_child_does_not_cut_inheritance_below(self):
        cfg = config("acl:1:/vms:joe@pve:operator:\n"
                     "acl:0:/vms/100:joe@pve:console:\n")
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms/100")), "console")
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms/100/x")),
                         "operator")

    def test_empty_and_unnormalized_paths(self):
        cfg = config("acl:1:/:joe@pve:viewer:\n")
        self.assertEqual(roles(cfg, "joe@pve", ""), {})
        self.assertEqual(roles(cfg, "joe@pve", None), {})
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms/")), "viewer")


class GroupTests(unittest.SynchronousTestCase):

    def test_groups_add_up(self):
        cfg = config("acl:1:/vms:@dev:viewer:\nacl:1:/vms:@ops:console:\n")
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms")),
                         "console,viewer")
        self.assertEqual(names(roles(cfg, "ann@pve", "/vms")), "viewer")
        self.assertEqual(names(roles(cfg, "bob@pam", "/vms")), "")

    def test_user_beats_group_on_the_same_path(self):
        cfg = config("acl:1:/vms:@dev:operator:\n"
                     "acl:1:/vms:joe@pve:console:\n")
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms/1")), "console")
        self.assertEqual(names(roles(cfg, "ann@pve", "/vms/1")), "operator")

    def test_group_applies_where_user_entry_does_not(self):
        cfg = config("acl:1:/vms:@dev:operator:\n"
                     "acl:0:/vms:joe@pve:console:\n")
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms")), "console")
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms/100")), "operator")

    def test_group_at_deeper_level_replaces_user_above(self):
        cfg = config("acl:1:/vms:joe@pve:operator:\n"
                     "acl:1:/vms/100:@dev:console:\n")
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms/100")), "console")


class NoAccessTests(unittest.SynchronousTestCase):

    def test_noaccess_wipes_other_roles_on_the_level(self):
        cfg = config("acl:1:/vms:@dev:operator:\nacl:1:/vms:@ops:NoAccess:\n")
        self.assertEqual(roles(cfg, "joe@pve", "/vms/100"), {"NoAccess": 1})
        self.assertEqual(permissions(cfg, "joe@pve", "/vms/100"), frozenset())
        self.assertEqual(names(permissions(cfg, "ann@pve", "/vms/100")),
                         "VM.Audit,VM.PowerMgmt")

    def test_noaccess_lifted_below_by_a_grant(self):
        cfg = config("acl:1:/:joe@pve:NoAccess:\n"
                     "acl:1:/vms/100:joe@pve:viewer:\n")
        self.assertEqual(permissions(cfg, "joe@pve", "/vms/101"), frozenset())
        self.assertEqual(names(permissions(cfg, "joe@pve", "/vms/100")),
                         "VM.Audit")


class TokenTests(unittest.SynchronousTestCase):

    ACLS = ("acl:1:/vms:joe@pve:operator:\n"
            "acl:1:/vms:joe@pve!sep:console,viewer:\n"
            "acl:1:/vms:joe@pve!full:console:\n"
            "acl:1:/storage:joe@pve!sep:PVEDatastoreAdmin:\n")

    def test_without_privsep_the_user(self):
        cfg = config(self.ACLS)
        self.assertEqual(roles(cfg, "joe@pve!full", "/vms"), {"operator": 1})
        self.assertEqual(permissions(cfg, "joe@pve!full", "/vms"),
                         permissions(cfg, "joe@pve", "/vms"))

    def test_with_privsep_intersection(self):
        cfg = config(self.ACLS)
        self.assertEqual(names(roles(cfg, "joe@pve!sep", "/vms")),
                         "console,viewer")
        self.assertEqual(names(permissions(cfg, "joe@pve!sep", "/vms")),
                         "VM.Audit")
        self.assertEqual(roles(cfg, "joe@pve!sep", "/storage"),
                         {"PVEDatastoreAdmin": 1})
        self.assertEqual(permissions(cfg, "joe@pve!sep", "/storage"),
                         frozenset())

    def test_privsep_token_not_in_user_groups(self):
        cfg = config("acl:1:/vms:@dev:operator:\n")
        self.assertEqual(permissions(cfg, "joe@pve!sep", "/vms"), frozenset())
        self.assertEqual(names(permissions(cfg, "joe@pve!full", "/vms")),
                         "VM.Audit,VM.PowerMgmt")

    def test_propagate_flags_combine(self):
        cfg = config("acl:0:/vms:joe@pve:operator:\n"
                     "acl:1:/vms:joe@pve!sep:operator:\n")
        self.assertEqual(privilege_flags(cfg, "joe@pve!sep", "/vms"),
                         {"VM.Audit": 0, "VM.PowerMgmt": 0})

    def test_unknown_token(self):
        cfg = config(self.ACLS)
        self.assertEqual(roles(cfg, "joe@pve!nope", "/vms"), {})
        self.assertEqual(permissions(cfg, "joe@pve!nope", "/vms"), frozenset())
        self.assertEqual(permissions(cfg, "bob@pam!full", "/vms"), frozenset())

    def test_root_tokens(self):
        cfg = config("acl:1:/vms:root@pam!sep:viewer:\n")
        self.assertEqual(permissions(cfg, "root@pam!full", "/"), PRIVILEGES)
        # a separated root token has its own ACLs, not cut by root's
        self.assertEqual(names(permissions(cfg, "root@pam!sep", "/vms/1")),
                         "VM.Audit")
        self.assertEqual(permissions(cfg, "root@pam!sep", "/"), frozenset())


class RootTests(unittest.SynchronousTestCase):

    def test_root_has_everything(self):
        cfg = config("acl:1:/:root@pam:NoAccess:\n")
        self.assertEqual(roles(cfg, "root@pam", "/vms"), {"Administrator": 1})
        self.assertEqual(permissions(cfg, "root@pam", "/anything"), PRIVILEGES)
        self.assertTrue(check(cfg, "root@pam", "/", ["Sys.Modify"]))

    def test_invalid_user_has_nothing(self):
        cfg = config("acl:1:/:joe@pve:Administrator:\n")
        self.assertEqual(permissions(cfg, "joe", "/"), frozenset())


class PoolTests(unittest.SynchronousTestCase):

    POOLS = ("pool:web::100,101:local:\n"
             "pool:web/intern::102::\n")

    def test_pool_roles_reach_members(self):
        cfg = config("acl:1:/pool/web:joe@pve:operator:\n", self.POOLS)
        self.assertEqual(roles(cfg, "joe@pve", "/vms/100"), {})
        self.assertEqual(privilege_flags(cfg, "joe@pve", "/vms/100"),
                         {"VM.Audit": 0, "VM.PowerMgmt": 0})
        self.assertEqual(names(permissions(cfg, "joe@pve", "/storage/local")),
                         "VM.Audit,VM.PowerMgmt")
        self.assertEqual(names(permissions(cfg, "joe@pve", "/vms/102")),
                         "VM.Audit,VM.PowerMgmt")
        self.assertEqual(permissions(cfg, "joe@pve", "/vms/103"), frozenset())

    def test_pool_adds_to_direct_roles(self):
        cfg = config("acl:1:/pool/web:joe@pve:viewer:\n"
                     "acl:1:/vms/100:joe@pve:console:\n", self.POOLS)
        self.assertEqual(names(permissions(cfg, "joe@pve", "/vms/100")),
                         "VM.Audit,VM.Console")

    def test_noaccess_on_the_vm_not_lifted_by_pool(self):
        cfg = config("acl:1:/pool/web:joe@pve:viewer:\n"
                     "acl:1:/vms/100:joe@pve:NoAccess:\n", self.POOLS)
        self.assertEqual(permissions(cfg, "joe@pve", "/vms/100"), frozenset())

    def test_noaccess_on_the_pool_wins(self):
        cfg = config("acl:1:/pool/web:joe@pve:NoAccess:\n"
                     "acl:1:/vms:joe@pve:viewer:\n", self.POOLS)
        self.assertEqual(names(roles(cfg, "joe@pve", "/vms/100")), "viewer")
        self.assertEqual(permissions(cfg, "joe@pve", "/vms/100"), frozenset())
        self.assertEqual(names(permissions(cfg, "joe@pve", "/vms/200")),
                         "VM.Audit")


class CheckTests(unittest.SynchronousTestCase):

    def test_all_or_any(self):
        cfg = config("acl:1:/vms:joe@pve:viewer:\n")
        self.assertTrue(check(cfg, "joe@pve", "/vms/1", ["VM.Audit"]))
        self.assertFalse(check(cfg, "joe@pve", "/vms/1",
                               ["VM.Audit", "VM.Console"]))
        self.assertTrue(check(cfg, "joe@pve", "/vms/1",
                              ["VM.Audit", "VM.Console"], any=True))
        self.assertFalse(check(cfg, "joe@pve", "/", ["VM.Audit"], any=True))
        self.assertTrue(check(cfg, "joe@pve", "/", []))
        self.assertFalse(check(cfg, "joe@pve", "/", [], any=True))

    def test_unknown_privilege(self):
        cfg = config("")
        error = self.assertRaises(ValueError, check, cfg, "joe@pve", "/",
                                  ["VM.Fly"])
        self.assertEqual(str(error), "invalid privilege 'VM.Fly'")


class OverviewTests(unittest.SynchronousTestCase):

    def test_effective_permissions(self):
        cfg = config("acl:1:/vms/100:joe@pve:viewer:\n"
                     "acl:0:/nodes/n1:@dev:PVESysAdmin:\n",
                     "pool:web::200::\n")
        self.assertEqual(effective_permissions(cfg, "ann@pve"), {
            "/nodes/n1": {"Sys.Audit": 0, "Sys.Console": 0, "Sys.Syslog": 0}})
        self.assertEqual(sorted(effective_permissions(cfg, "joe@pve")),
                         ["/nodes/n1", "/vms/100"])
        self.assertEqual(effective_permissions(cfg, "bob@pam"), {})

    def test_api_capabilities(self):
        cfg = config("acl:1:/vms:joe@pve:operator:\n"
                     "acl:1:/pool/web:joe@pve:PVEDatastoreUser:\n"
                     "acl:1:/:joe@pve:PVEAuditor:\n", "pool:web::::\n")
        caps = api_capabilities(cfg, "joe@pve")
        self.assertEqual(sorted(caps), ["access", "dc", "mapping", "nodes",
                                        "sdn", "storage", "vms"])
        self.assertEqual(caps["vms"], {"VM.Audit": 1, "VM.PowerMgmt": 1,
                                       "VM.GuestAgent.Audit": 1})
        self.assertEqual(caps["dc"], {"Sys.Audit": 1, "SDN.Audit": 1})
        self.assertEqual(caps["storage"], {"Datastore.Audit": 1,
                                           "Datastore.AllocateSpace": 1})
        self.assertEqual(caps["access"], {})
