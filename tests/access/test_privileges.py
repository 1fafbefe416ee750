"""The privilege list and the built-in roles, as Proxmox defines them."""

import operator

from twisted.trial import unittest

from pve.access.privileges import PRIVILEGES, SPECIAL_ROLES, is_special_role

ROOT_ONLY = {"Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming",
             "Sys.AccessNetwork", "Realm.Allocate", "Permissions.Modify"}


class RoleTests(unittest.SynchronousTestCase):

    def test_role_names(self):
        self.assertEqual(sorted(SPECIAL_ROLES), [
            "Administrator", "NoAccess", "PVEAdmin", "PVEAuditor",
            "PVEDatastoreAdmin", "PVEDatastoreUser", "PVEMappingAdmin",
            "PVEMappingUser", "PVEPoolAdmin", "PVEPoolUser", "PVESDNAdmin",
            "PVESDNUser", "PVESysAdmin", "PVETemplateUser", "PVEUserAdmin",
            "PVEVMAdmin", "PVEVMUser"])
        self.assertTrue(is_special_role("PVEVMUser"))
        self.assertFalse(is_special_role("PVESysUser"))

    def test_privilege_count(self):
        self.assertEqual(len(PRIVILEGES), 47)
        self.assertIn("VM.GuestAgent.FileRead", PRIVILEGES)
        self.assertNotIn("VM.Monitor", PRIVILEGES)

    def test_administrator_and_noaccess(self):
        self.assertEqual(SPECIAL_ROLES["Administrator"], PRIVILEGES)
        self.assertEqual(SPECIAL_ROLES["NoAccess"], frozenset())

    def test_pveadmin(self):
        admin = SPECIAL_ROLES["PVEAdmin"]
        self.assertEqual(admin & ROOT_ONLY, set())
        self.assertNotIn("Mapping.Modify", admin)
        self.assertEqual(PRIVILEGES - admin, ROOT_ONLY | {"Mapping.Modify"})

    def test_small_roles(self):
        self.assertEqual(SPECIAL_ROLES["PVEAuditor"], {
            "Datastore.Audit", "Mapping.Audit", "Pool.Audit", "SDN.Audit",
            "Sys.Audit", "VM.Audit", "VM.GuestAgent.Audit"})
        self.assertEqual(SPECIAL_ROLES["PVETemplateUser"],
                         {"VM.Clone", "VM.Audit"})
        self.assertEqual(SPECIAL_ROLES["PVESysAdmin"],
                         {"Sys.Audit", "Sys.Console", "Sys.Syslog"})
        self.assertEqual(SPECIAL_ROLES["PVEUserAdmin"],
                         {"User.Modify", "Group.Allocate",
                          "Realm.AllocateUser"})
        self.assertEqual(SPECIAL_ROLES["PVEPoolUser"], {"Pool.Audit"})
        self.assertEqual(SPECIAL_ROLES["PVEDatastoreUser"],
                         {"Datastore.AllocateSpace", "Datastore.Audit"})
        self.assertEqual(SPECIAL_ROLES["PVEVMUser"], {
            "VM.Audit", "VM.Backup", "VM.Config.CDROM", "VM.Config.Cloudinit",
            "VM.Console", "VM.GuestAgent.Audit", "VM.GuestAgent.FileRead",
            "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite",
            "VM.PowerMgmt"})

    def test_immutable(self):
        self.assertRaises(TypeError, operator.setitem, SPECIAL_ROLES, "X",
                          set())
        self.assertIsInstance(SPECIAL_ROLES["PVEAdmin"], frozenset)
