"""The /access endpoints, dispatched through the one registry on a real
ConfigFS: users, tokens, groups, roles, ACLs, permissions, passwords and
logins (pve realm and PAM with a temporary service directory)."""

import os
import shutil
import tempfile

from twisted.internet import defer
from twisted.trial import unittest

from pve.access import pam, shadow, tickets, tokencfg, usercfg
from pve.api import rest
from pve.api.auth import Auth
from pve.api.schema import APIError
from tests.api.endpoints_env import Node

PAM_DIR = "/lib/x86_64-linux-gnu/security"


class Base(unittest.TestCase):
    keys = False

    def setUp(self):
        self.node = Node(self, keys=self.keys)
        self.call = self.node.call

    @defer.inlineCallbacks
    def fails(self, d, code, errors=None):
        e = yield self.assertFailure(d, APIError)
        self.assertEqual(e.code, code, e.message)
        if errors is not None:
            self.assertEqual(sorted(e.errors), sorted(errors))
        return e

    def cfg(self):
        return usercfg.parse_user_cfg(self.node.read("user.cfg"))[0]


class UsersTests(Base):
    @defer.inlineCallbacks
    def test_user_round_trip(self):
        yield self.call("POST", "/access/groups", {"groupid": "admins", "comment": "Admins"})
        yield self.call("POST", "/access/users", {
            "userid": "alice@pve", "firstname": "Alice", "email": "alice@example.com",
            "groups": "admins", "comment": "first user", "expire": 0})
        text = self.node.read("user.cfg")
        self.assertIn("user:alice@pve:1:0:Alice::alice@example.com:first user::\n", text)
        self.assertIn("group:admins:alice@pve:Admins:\n", text)
        got = yield self.call("GET", "/access/users/alice@pve")
        self.assertEqual(got, {"enable": 1, "expire": 0, "firstname": "Alice",
                               "email": "alice@example.com", "comment": "first user",
                               "groups": ["admins"], "tokens": {}})
        yield self.call("PUT", "/access/users/alice@pve", {"enable": 0, "lastname": "A"})
        users = yield self.call("GET", "/access/users", {"full": 1})
        alice = [u for u in users if u["userid"] == "alice@pve"][0]
        self.assertEqual((alice["enable"], alice["lastname"], alice["groups"],
                          alice["realm-type"], alice["tokens"]), (0, "A", "admins", "pve", []))
        enabled = yield self.call("GET", "/access/users", {"enabled": 1})
        self.assertEqual([u["userid"] for u in enabled], ["root@pam"])
        yield self.call("DELETE", "/access/users/alice@pve")
        self.assertNotIn("alice@pve", self.cfg().users)
        self.assertEqual(self.cfg().groups["admins"].users, set())

    @defer.inlineCallbacks
    def test_create_errors(self):
        yield self.call("POST", "/access/users", {"userid": "bob@pve"})
        e = yield self.fails(self.call("POST", "/access/users", {"userid": "bob@pve"}), 500)
        self.assertEqual(e.message, "create user failed: user 'bob@pve' already exists\n")
        e = yield self.fails(self.call("POST", "/access/users",
                                       {"userid": "carl@pve", "groups": "nope"}), 500)
        self.assertIn("no such group 'nope'", e.message)
        yield self.fails(self.call("POST", "/access/users", {"userid": "no-realm"}), 400,
                         ["userid"])
        yield self.fails(self.call("POST", "/access/users",
                                   {"userid": "x@pve", "bogus": 1}), 400, ["bogus"])
        yield self.fails(self.call("GET", "/access/users/ghost@pve"), 500)
        # the lock was released every time
        self.assertEqual(self.node.cfs.listdir("priv/lock"), [])

    @defer.inlineCallbacks
    def test_user_list_restricted(self):
        for user in ("alice@pve", "bob@pve"):
            yield self.call("POST", "/access/users", {"userid": user})
        users = yield self.call("GET", "/access/users", user="alice@pve")
        self.assertEqual([u["userid"] for u in users], ["alice@pve"])


class TokenTests(Base):
    @defer.inlineCallbacks
    def test_token_lifecycle(self):
        yield self.call("POST", "/access/users", {"userid": "alice@pve", "expire": 2000000000})
        made = yield self.call("POST", "/access/users/alice@pve/token/ci",
                               {"comment": "CI", "privsep": 0})
        self.assertEqual(made["full-tokenid"], "alice@pve!ci")
        self.assertEqual(made["info"], {"privsep": 0, "expire": 2000000000, "comment": "CI"})
        secrets = tokencfg.parse_token_cfg(self.node.read("priv/token.cfg"))[0]
        self.assertTrue(tokencfg.verify_secret(secrets, "alice@pve!ci", made["value"]))
        self.assertIn("token:alice@pve!ci:2000000000:0:CI:\n", self.node.read("user.cfg"))
        listed = yield self.call("GET", "/access/users/alice@pve/token")
        self.assertEqual(listed, [{"tokenid": "ci", "privsep": 0, "expire": 2000000000,
                                   "comment": "CI"}])
        one = yield self.call("GET", "/access/users/alice@pve/token/ci")
        self.assertNotIn("value", one)
        e = yield self.fails(self.call("POST", "/access/users/alice@pve/token/ci"), 500)
        self.assertIn("Token already exists.", e.message)
        updated = yield self.call("PUT", "/access/users/alice@pve/token/ci",
                                  {"privsep": 1, "delete": "comment"})
        self.assertEqual(updated, {"privsep": 1, "expire": 2000000000})
        yield self.call("DELETE", "/access/users/alice@pve/token/ci")
        self.assertEqual(self.node.read("priv/token.cfg"), "")
        self.assertEqual(self.cfg().users["alice@pve"].tokens, {})
        yield self.fails(self.call("GET", "/access/users/alice@pve/token/ci"), 500)


class GroupRoleTests(Base):
    @defer.inlineCallbacks
    def test_groups(self):
        yield self.call("POST", "/access/groups", {"groupid": "ops"})
        yield self.call("PUT", "/access/groups/ops", {"comment": "Operators"})
        got = yield self.call("GET", "/access/groups/ops")
        self.assertEqual(got, {"members": [], "comment": "Operators"})
        listed = yield self.call("GET", "/access/groups")
        self.assertEqual(listed, [{"groupid": "ops", "users": "", "comment": "Operators"}])
        e = yield self.fails(self.call("POST", "/access/groups", {"groupid": "ops"}), 500)
        self.assertEqual(e.message, "create group failed: group 'ops' already exists\n")
        yield self.call("DELETE", "/access/groups/ops")
        self.assertEqual(self.cfg().groups, {})
        nobody = yield self.call("GET", "/access/groups", user="nobody@pve")
        self.assertEqual(nobody, [])

    @defer.inlineCallbacks
    def test_roles(self):
        yield self.call("POST", "/access/roles", {"roleid": "Watch", "privs": "VM.Audit"})
        yield self.call("PUT", "/access/roles/Watch", {"privs": "Sys.Audit", "append": 1})
        self.assertIn("role:Watch:Sys.Audit,VM.Audit:\n", self.node.read("user.cfg"))
        got = yield self.call("GET", "/access/roles/Watch")
        self.assertEqual(got, {"Sys.Audit": 1, "VM.Audit": 1})
        roles = yield self.call("GET", "/access/roles")
        special = {r["roleid"]: r["special"] for r in roles}
        self.assertEqual((special["Watch"], special["Administrator"]), (0, 1))
        e = yield self.fails(self.call("PUT", "/access/roles/PVEAdmin", {"privs": "VM.Audit"}),
                             500)
        self.assertIn("auto-generated role 'PVEAdmin' cannot be modified", e.message)
        yield self.fails(self.call("POST", "/access/roles",
                                   {"roleid": "Bad", "privs": "No.Such"}), 400, ["privs"])
        yield self.call("DELETE", "/access/roles/Watch")
        self.assertNotIn("Watch", self.cfg().roles)


class AclTests(Base):
    @defer.inlineCallbacks
    def test_acl_then_permissions(self):
        yield self.call("POST", "/access/users", {"userid": "alice@pve"})
        yield self.call("PUT", "/access/acl", {"path": "/vms/100", "users": "alice@pve",
                                               "roles": "PVEVMUser"})
        self.assertIn("acl:1:/vms/100:alice@pve:PVEVMUser:\n", self.node.read("user.cfg"))
        acl = yield self.call("GET", "/access/acl")
        self.assertEqual(acl, [{"path": "/vms/100", "type": "user", "ugid": "alice@pve",
                                "roleid": "PVEVMUser", "propagate": 1}])
        perms = yield self.call("GET", "/access/permissions", {"path": "/vms/100"},
                                user="alice@pve")
        self.assertIn("VM.Console", perms["/vms/100"])
        perms = yield self.call("GET", "/access/permissions", {"userid": "alice@pve"})
        self.assertEqual(sorted(perms), ["/vms", "/vms/100"] if "/vms" in perms
                         else ["/vms/100"])
        # alice may not read bob's permissions, nor see ACLs she cannot modify
        yield self.fails(self.call("GET", "/access/permissions", {"userid": "root@pam"},
                                   user="alice@pve"), 403)
        acl = yield self.call("GET", "/access/acl", user="alice@pve")
        self.assertEqual(acl, [])
        # without Permissions.Modify, alice cannot hand out a role
        yield self.fails(self.call("PUT", "/access/acl", {
            "path": "/vms/100", "users": "alice@pve", "roles": "PVEAdmin"},
            user="alice@pve"), 400, ["role"])
        yield self.call("PUT", "/access/acl", {"path": "/vms/100", "users": "alice@pve",
                                               "roles": "PVEVMUser", "delete": 1})
        self.assertEqual(self.cfg().acl, {})

    @defer.inlineCallbacks
    def test_acl_errors(self):
        yield self.fails(self.call("PUT", "/access/acl", {"path": "/", "roles": "PVEAdmin"}),
                         400, ["users", "groups", "tokens"])
        yield self.fails(self.call("PUT", "/access/acl", {
            "path": "/bogus/x", "users": "root@pam", "roles": "PVEAdmin"}), 400, ["path"])
        e = yield self.fails(self.call("PUT", "/access/acl", {
            "path": "/", "users": "ghost@pve", "roles": "PVEAdmin"}), 500)
        self.assertIn("user 'ghost@pve' does not exist", e.message)


class PasswordLoginTests(Base):
    keys = True

    @defer.inlineCallbacks
    def test_password_then_login(self):
        yield self.call("POST", "/access/users", {"userid": "alice@pve",
                                                  "password": "first-secret"})
        hashes = shadow.parse_shadow_cfg(self.node.read("priv/shadow.cfg"))[0]
        self.assertTrue(shadow.verify_password("first-secret", hashes["alice"]))
        yield self.call("PUT", "/access/password", {
            "userid": "alice@pve", "password": "second-secret",
            "confirmation-password": "first-secret"}, user="alice@pve")
        yield self.fails(self.call("POST", "/access/ticket", {
            "username": "alice@pve", "password": "first-secret"}), 401)
        res = yield self.call("POST", "/access/ticket", {
            "username": "alice", "realm": "pve", "password": "second-secret"})
        self.assertEqual(res["username"], "alice@pve")
        self.assertTrue(res["ticket"].startswith("PVE:alice@pve:"))
        self.assertEqual(sorted(res["cap"]), ["access", "dc", "mapping", "nodes", "sdn",
                                              "storage", "vms"])
        keys = yield tickets.load_authkeys(self.node.client)
        info = tickets.verify_ticket(keys, res["ticket"], self.node.clock.seconds())
        self.assertEqual(info.username, "alice@pve")
        # the ticket renews itself
        again = yield self.call("POST", "/access/ticket", {
            "username": "alice@pve", "password": res["ticket"]})
        self.assertEqual(again["username"], "alice@pve")
        log = yield self.node.client.get_log(10)
        self.assertIn("successful auth for user 'alice@pve'", [e["msg"] for e in log])

    @defer.inlineCallbacks
    def test_password_rules(self):
        yield self.call("POST", "/access/users", {"userid": "alice@pve", "password": "12345678"})
        # confirmation needed, and only root changes root's password
        yield self.fails(self.call("PUT", "/access/password", {
            "userid": "alice@pve", "password": "abcdefgh"}, user="alice@pve"), 400,
            ["confirmation-password"])
        yield self.fails(self.call("PUT", "/access/password", {
            "userid": "root@pam", "password": "abcdefgh",
            "confirmation-password": "12345678"}, user="alice@pve"), 403)
        yield self.fails(self.call("PUT", "/access/password", {
            "userid": "alice@pve", "password": "short"}), 400, ["password"])

    @defer.inlineCallbacks
    def test_login_failures(self):
        yield self.call("POST", "/access/users", {"userid": "alice@pve", "password": "12345678"})
        for params in ({"username": "alice@pve", "password": "wrong-one"},
                       {"username": "ghost@pve", "password": "12345678"},
                       {"username": "alice@nope", "password": "12345678"}):
            e = yield self.fails(self.call("POST", "/access/ticket", params), 401)
            self.assertEqual(e.message, "authentication failure\n")
        yield self.call("PUT", "/access/users/alice@pve", {"enable": 0})
        yield self.fails(self.call("POST", "/access/ticket", {
            "username": "alice@pve", "password": "12345678"}), 401)

    @defer.inlineCallbacks
    def test_check_mode(self):
        yield self.call("POST", "/access/users", {"userid": "alice@pve", "password": "12345678"})
        yield self.call("PUT", "/access/acl", {"path": "/vms", "users": "alice@pve",
                                               "roles": "PVEVMUser"})
        res = yield self.call("POST", "/access/ticket", {
            "username": "alice@pve", "password": "12345678", "path": "/vms/100",
            "privs": "VM.Console"})
        self.assertEqual(res["username"], "alice@pve")
        self.assertNotIn("ticket", res)
        yield self.fails(self.call("POST", "/access/ticket", {
            "username": "alice@pve", "password": "12345678", "path": "/",
            "privs": "Sys.Modify"}), 401)


class PamLoginTests(Base):
    keys = True

    def setUp(self):
        super().setUp()
        if not os.path.exists(os.path.join(PAM_DIR, "pam_permit.so")):
            raise unittest.SkipTest("no pam_permit.so")
        self.confdir = tempfile.mkdtemp(prefix="pve-pam-")
        self.addCleanup(shutil.rmtree, self.confdir, True)
        self.patch(pam, "default_confdir", lambda: self.confdir)

    def service(self, auth):
        with open(os.path.join(self.confdir, pam.SERVICE), "w") as f:
            f.write("auth required %s\naccount required pam_permit.so\n" % auth)

    @defer.inlineCallbacks
    def test_pam_permit(self):
        self.service("pam_permit.so")
        res = yield self.call("POST", "/access/ticket", {"username": "root@pam",
                                                         "password": "anything"})
        self.assertEqual(res["username"], "root@pam")
        self.assertEqual(res["cap"]["dc"].get("Sys.Audit"), 1)

    @defer.inlineCallbacks
    def test_pam_deny(self):
        self.service("pam_deny.so")
        yield self.fails(self.call("POST", "/access/ticket", {"username": "root@pam",
                                                              "password": "anything"}), 401)

    @defer.inlineCallbacks
    def test_pam_password_refused(self):
        yield self.fails(self.call("PUT", "/access/password", {
            "userid": "root@pam", "password": "abcdefgh"}), 500)


class IndexTests(Base):
    @defer.inlineCallbacks
    def test_index_and_domains(self):
        index = yield self.call("GET", "/access")
        self.assertEqual([e["subdir"] for e in index][:5],
                         ["users", "groups", "roles", "acl", "domains"])
        realms = yield self.call("GET", "/access/domains")
        self.assertEqual([(r["realm"], r["type"]) for r in realms],
                         [("pam", "pam"), ("pve", "pve")])
        none = yield self.call("GET", "/access/ticket")
        self.assertIsNone(none)


class DomainTests(Base):
    """Realms added, read, changed and removed as Proxmox's
    PVE::API2::Domains does; bad input changes nothing."""

    LDAP = {"realm": "corp", "type": "ldap", "server1": "ldap.example.com",
            "base_dn": "dc=example,dc=com", "user_attr": "uid",
            "comment": "Corporate", "password": "bind-secret"}

    @defer.inlineCallbacks
    def test_round_trip(self):
        yield self.call("POST", "/access/domains", self.LDAP)
        text = self.node.read("domains.cfg")
        self.assertIn("ldap: corp\n\tcomment Corporate\n", text)
        self.assertNotIn("bind-secret", text)
        self.assertEqual(self.node.read("priv/realm/corp.pw"), "bind-secret")
        got = yield self.call("GET", "/access/domains/corp")
        digest = got.pop("digest")
        self.assertEqual(got, {"type": "ldap", "server1": "ldap.example.com",
                               "base_dn": "dc=example,dc=com",
                               "user_attr": "uid", "comment": "Corporate"})
        # the default realm moves
        yield self.call("PUT", "/access/domains/pve", {"default": 1})
        yield self.call("PUT", "/access/domains/corp",
                        {"default": 1, "port": 636, "delete": "comment"})
        listed = yield self.call("GET", "/access/domains")
        self.assertEqual([(r["realm"], r.get("default")) for r in listed],
                         [("corp", 1), ("pam", None), ("pve", None)])
        changed = yield self.call("GET", "/access/domains/corp")
        self.assertEqual((changed["port"], changed.get("comment")), (636, None))
        # a stale digest changes nothing
        e = yield self.fails(self.call("PUT", "/access/domains/corp",
                                       {"comment": "x", "digest": digest}),
                             500)
        self.assertIn("detected modified configuration", e.message)
        yield self.call("DELETE", "/access/domains/corp")
        self.assertNotIn("corp", self.node.read("domains.cfg"))
        self.assertRaises(OSError, self.node.read, "priv/realm/corp.pw")

    @defer.inlineCallbacks
    def test_errors(self):
        yield self.call("POST", "/access/domains", self.LDAP)
        before = self.node.read("domains.cfg")
        cases = [
            ("POST", "/access/domains", self.LDAP,
             "add auth server failed: domain 'corp' already exists\n"),
            ("POST", "/access/domains", {"realm": "pve2", "type": "pve"},
             "add auth server failed: unable to create builtin type 'pve'\n"),
            ("POST", "/access/domains", dict(self.LDAP, realm="xy",
                                             domain="example.com"),
             "add auth server failed: unexpected property 'domain'\n"),
            ("POST", "/access/domains", {"realm": "xy", "type": "ad",
                                         "server1": "a"},
             "add auth server failed: missing value for required option "
             "'domain'\n"),
            ("PUT", "/access/domains/nope", {"comment": "x"},
             "update auth server failed: domain 'nope' does not exist\n"),
            ("PUT", "/access/domains/corp", {},
             "update auth server failed: no options specified\n"),
            ("PUT", "/access/domains/pve", {"check-connection": 1},
             "update auth server failed: 'check-connection' parameter can "
             "only be set for realms of type 'ldap' or 'ad'\n"),
            ("DELETE", "/access/domains/nope", {},
             "delete auth server failed: authentication domain 'nope' does "
             "not exist\n"),
        ]
        for method, path, params, message in cases:
            e = yield self.fails(self.call(method, path, params), 500)
            self.assertEqual(e.message, message)
        # bad values are the schema's 400s
        yield self.fails(self.call("POST", "/access/domains",
                                   {"realm": "xy", "type": "nis"}), 400,
                         ["type"])
        yield self.fails(self.call("PUT", "/access/domains/corp",
                                   {"port": 70000}), 400, ["port"])
        self.assertEqual(self.node.read("domains.cfg"), before)
        # and Realm.Allocate on /access/realm is needed
        result = yield rest.handle(self.node.registry,
                                   self.node.env("nobody@pve"),
                                   Auth("nobody@pve"), "DELETE",
                                   "/access/domains/corp", {})
        self.assertEqual(result.status, 403)
        self.assertEqual(self.node.read("domains.cfg"), before)
