"""Proxmox's privileges and its built-in roles (``PVE/AccessControl.pm``).

Privileges are grouped by category and by who should hold them: ``root``
(only Administrator), ``admin``, ``user`` and ``audit``.  The built-in
("special") roles are derived from that table exactly as Proxmox does.
"""

from types import MappingProxyType

CATEGORIES = {
    "VM": {
        "root": [],
        "admin": [
            "VM.Config.Disk", "VM.Config.CPU", "VM.Config.Memory",
            "VM.Config.Network", "VM.Config.HWType", "VM.Config.Options",
            "VM.Allocate", "VM.Clone", "VM.GuestAgent.Unrestricted",
            "VM.Migrate", "VM.Replicate", "VM.Snapshot",
            "VM.Snapshot.Rollback",
        ],
        "user": [
            "VM.Config.CDROM", "VM.Config.Cloudinit", "VM.Console",
            "VM.Backup", "VM.GuestAgent.FileRead",
            "VM.GuestAgent.FileSystemMgmt", "VM.GuestAgent.FileWrite",
            "VM.PowerMgmt",
        ],
        "audit": ["VM.Audit", "VM.GuestAgent.Audit"],
    },
    "Sys": {
        "root": ["Sys.PowerMgmt", "Sys.Modify", "Sys.Incoming",
                 "Sys.AccessNetwork"],
        "admin": ["Sys.Console", "Sys.Syslog"],
        "user": [],
        "audit": ["Sys.Audit"],
    },
    "Datastore": {
        "root": [],
        "admin": ["Datastore.Allocate", "Datastore.AllocateTemplate"],
        "user": ["Datastore.AllocateSpace"],
        "audit": ["Datastore.Audit"],
    },
    "SDN": {
        "root": [],
        "admin": ["SDN.Allocate", "SDN.Audit"],
        "user": ["SDN.Use"],
        "audit": ["SDN.Audit"],
    },
    "User": {
        "root": ["Realm.Allocate"],
        "admin": ["User.Modify", "Group.Allocate", "Realm.AllocateUser"],
        "user": [],
        "audit": [],
    },
    "Pool": {
        "root": [],
        "admin": ["Pool.Allocate"],
        "user": ["Pool.Audit"],
        "audit": ["Pool.Audit"],
    },
    "Mapping": {
        "root": [],
        "admin": ["Mapping.Modify"],
        "user": ["Mapping.Use"],
        "audit": ["Mapping.Audit"],
    },
}


def _build():
    privileges = {"Permissions.Modify"}
    roles = {"NoAccess": set(), "PVEAdmin": set(), "PVEAuditor": set()}
    for category, kinds in CATEGORIES.items():
        privileges.update(kinds["root"], kinds["admin"], kinds["user"],
                          kinds["audit"])
        granted = set(kinds["admin"] + kinds["user"] + kinds["audit"])
        roles["PVE%sAdmin" % category] = set(granted)
        roles["PVEAdmin"] |= granted
        if kinds["user"]:
            roles["PVE%sUser" % category] = set(kinds["user"] + kinds["audit"])
        roles["PVEAuditor"].update(kinds["audit"])
    # Mapping.Modify stays with Administrator, root@pam and PVEMappingAdmin.
    roles["PVEAdmin"].discard("Mapping.Modify")
    roles["PVETemplateUser"] = {"VM.Clone", "VM.Audit"}
    roles["Administrator"] = set(privileges)
    return (frozenset(privileges), MappingProxyType(
        {name: frozenset(privs) for name, privs in sorted(roles.items())}))


#: Every privilege name Proxmox knows, and the built-in roles
#: (name -> frozenset of privileges).
PRIVILEGES, SPECIAL_ROLES = _build()


def is_special_role(name):
    """Whether *name* is a built-in role (never written to user.cfg)."""
    return name in SPECIAL_ROLES


def is_privilege(name):
    return name in PRIVILEGES
