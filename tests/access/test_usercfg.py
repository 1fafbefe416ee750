"""user.cfg: Proxmox's layout, its warnings, and lossless rewrites."""

from hypothesis import given, settings, strategies as st
from twisted.trial import unittest

from pve.access.privileges import PRIVILEGES, SPECIAL_ROLES
from pve.access.usercfg import (AclEntry, Group, Pool, Token, User,
                                UserConfig, parse_user_cfg, write_user_cfg)

ROOT = "user:root@pam:1:0::::::"
TEST = "user:test@pam:1:0::::::"
TEST2 = "user:test2@pam:1:0::::::"
TEST3 = "user:test3@pam:1:0::::::"


def rewrite(raw):
    cfg, warnings = parse_user_cfg(raw)
    return write_user_cfg(cfg), [w.message for w in warnings]


class LayoutTests(unittest.SynchronousTestCase):
    """Cases from Proxmox's parser_writer.pl: what a rewrite gives."""

    def check(self, raw, expected=None, warnings=()):
        text, got = rewrite(raw)
        self.assertEqual(text, raw if expected is None else expected)
        self.assertEqual(got, list(warnings))

    def test_empty(self):
        self.check("", ROOT + "\n\n\n\n\n")

    def test_group_empty(self):
        self.check(ROOT + "\n\ngroup:testgroup:::\n\n\n\n")

    def test_group_members_sorted(self):
        self.check("%s\n%s\n%s\n\ngroup:testgroup:test@pam,test2@pam::\n\n\n\n"
                   % (TEST2, ROOT, TEST),
                   "%s\n%s\n%s\n\ngroup:testgroup:test2@pam,test@pam::\n\n\n\n"
                   % (ROOT, TEST2, TEST))

    def test_group_member_not_a_userid(self):
        self.check(ROOT + "\n\ngroup:testgroup:does_not_exist::\n\n\n\n",
                   ROOT + "\n\ngroup:testgroup:::\n\n\n\n",
                   ["user config - ignore invalid group member "
                    "'does_not_exist'"])

    def test_group_invalid_name(self):
        self.check(ROOT + "\n\ngroup:inval!d:root@pam:\n\n",
                   ROOT + "\n\n\n\n\n",
                   ["user config - ignore group 'inval!d' - invalid "
                    "characters in group name"])

    def test_tokens_follow_their_user(self):
        self.check("\n".join([
            ROOT, TEST2, "token:test2@pam!expired:1:0::",
            "token:test2@pam!full:0:0::", "token:test2@pam!privsep:0:1::",
            TEST, "token:test@pam!full:0:0::", "", "", "", "", ""]))

    def test_roles_sorted_duplicates_and_bad_privileges_dropped(self):
        self.check(ROOT + "\nrole:testrolesingle:VM.Allocate:\n\n"
                   "role:testrole:VM.Invalid,Datastore.Audit,VM.Allocate,"
                   "VM.Allocate:\n\n",
                   ROOT + "\n\n\n\n"
                   "role:testrole:Datastore.Audit,VM.Allocate:\n"
                   "role:testrolesingle:VM.Allocate:\n\n",
                   ["user config - ignore invalid privilege 'VM.Invalid'"])

    def test_pool_invalid_members(self):
        self.check(ROOT + "\n\n\npool:testpool::non-numeric:inval!d:\n\n\n",
                   ROOT + "\n\n\npool:testpool::::\n\n\n",
                   ["user config - ignore invalid vmid 'non-numeric' in "
                    "pool 'testpool'",
                    "user config - ignore invalid storage 'inval!d' in "
                    "pool 'testpool'"])

    def test_pool_duplicate_vmids(self):
        self.check(ROOT + "\n\n\npool:testpool::123,1234:local,local-zfs:\n"
                   "pool:test_duplicate_vms::123,1234::\n"
                   "pool:test_duplicate_storages:::local,local-zfs:\n",
                   ROOT + "\n\n\n"
                   "pool:test_duplicate_storages:::local,local-zfs:\n"
                   "pool:test_duplicate_vms::::\n"
                   "pool:testpool::123,1234:local,local-zfs:\n\n\n",
                   ["user config - ignore duplicate vmid '123' in pool "
                    "'test_duplicate_vms'",
                    "user config - ignore duplicate vmid '1234' in pool "
                    "'test_duplicate_vms'"])

    def test_pool_vmids_sorted_as_text(self):
        self.check(ROOT + "\n\n\npool:p::200,1000,30::\n\n\n",
                   ROOT + "\n\n\npool:p::1000,200,30::\n\n\n")

    def test_nested_pool_creates_parents(self):
        cfg, _ = parse_user_cfg("pool:a/b/c:::\n")
        self.assertEqual(sorted(cfg.pools), ["a", "a/b", "a/b/c"])
        self.assertEqual(cfg.pools["a/b/c"].parent, "a/b")
        self.assertEqual(cfg.pools["a"].pools, {"a/b"})

    def test_acl_members_merged_by_role_list(self):
        users = "\n".join([ROOT, TEST2, TEST3, TEST]) + "\n\n"
        groups = ("group:another:test3@pam::\n"
                  "group:testgroup:test2@pam,test@pam::\n")
        self.check(users + groups + "\n\n\n\n"
                   "acl:1:/:@testgroup:PVEVMAdmin:\n"
                   "acl:1:/storage:@testgroup:PVEDatastoreAdmin:\n"
                   "acl:1:/storage:@another:PVEDatastoreUser:\n"
                   "acl:1:/:test@pam:PVEVMAdmin:\n"
                   "acl:1:/storage:test@pam:PVEDatastoreAdmin:\n"
                   "acl:1:/storage:test2@pam:PVEDatastoreUser:\n",
                   users + groups + "\n\n\n"
                   "acl:1:/:@testgroup,test@pam:PVEVMAdmin:\n"
                   "acl:1:/storage:@testgroup,test@pam:PVEDatastoreAdmin:\n"
                   "acl:1:/storage:@another,test2@pam:PVEDatastoreUser:\n")

    def test_acl_not_propagated_first(self):
        users = "\n".join([ROOT, TEST]) + "\n\n"
        self.check(users + "group:g:test@pam::\n\n\n\n"
                   "acl:1:/:test@pam:PVEVMAdmin:\n"
                   "acl:0:/:@g:PVEVMAdmin:\n",
                   users + "group:g:test@pam::\n\n\n\n"
                   "acl:0:/:@g:PVEVMAdmin:\n"
                   "acl:1:/:test@pam:PVEVMAdmin:\n")

    def test_acl_paths_in_tree_order(self):
        cfg, _ = parse_user_cfg("acl:1:/vms-x:@g:NoAccess:\n"
                                "acl:1:/vms/100:@g:NoAccess:\n"
                                "acl:1:/vms:@g:NoAccess:\n"
                                "acl:1:/:@g:NoAccess:\n")
        lines = write_user_cfg(cfg).splitlines()[-4:]
        self.assertEqual([line.split(":")[2] for line in lines],
                         ["/", "/vms", "/vms/100", "/vms-x"])

    def test_acl_missing_role_and_token(self):
        self.check(ROOT + "\n" + TEST + "\n\n\n\n\n"
                   "acl:1:/:test@pam:PVEVMAdmin:\n"
                   "acl:1:/storage:test@pam:MissingRole:\n"
                   "acl:1:/storage:test@pam!nope:PVEVMAdmin:\n",
                   ROOT + "\n" + TEST + "\n\n\n\n\n"
                   "acl:1:/:test@pam:PVEVMAdmin:\n",
                   ["user config - ignore invalid acl role 'MissingRole'",
                    "user config - ignore invalid acl token 'test@pam!nope'"])

    def test_acl_unknown_user_and_group_kept(self):
        text, warnings = rewrite("acl:1:/vms:ghost@pve,@nobody:PVEVMUser:\n")
        self.assertIn("acl:1:/vms:@nobody,ghost@pve:PVEVMUser:\n", text)
        self.assertEqual(warnings, [
            "user config - ignore invalid acl member 'ghost@pve'",
            "user config - ignore invalid acl group 'nobody'"])

    def test_acl_of_root_not_written(self):
        text, _ = rewrite("acl:1:/:root@pam,@admins:Administrator:\n")
        self.assertTrue(text.endswith("acl:1:/:@admins:Administrator:\n"))

    def test_defaults_of_short_lines(self):
        self.check("user:root@pam\nuser:test@pam\ntoken:test@pam!test\n\n"
                   "group:testgroup\n\npool:testpool\n\nrole:testrole\n\n"
                   "acl::/:",
                   "user:root@pam:0:0::::::\nuser:test@pam:0:0::::::\n"
                   "token:test@pam!test:0:0::\n\ngroup:testgroup:::\n\n"
                   "pool:testpool::::\n\nrole:testrole::\n\n")

    def test_builtin_roles_not_written_nor_redefined(self):
        cfg, _ = parse_user_cfg("role:NoAccess:VM.Audit:\n")
        self.assertEqual(cfg.roles["NoAccess"], frozenset())
        self.assertNotIn("role:", write_user_cfg(cfg))
        self.assertEqual(set(SPECIAL_ROLES) - set(cfg.roles), set())


class FieldTests(unittest.SynchronousTestCase):

    def test_user_fields(self):
        cfg, warnings = parse_user_cfg(
            "user:joe@pve:1:1700000000:J%C3%B6rg:Doe:joe@example.com:"
            "a%3Ab%25c%0Ad:x1,x2:\n")
        self.assertEqual(warnings, [])
        self.assertEqual(cfg.users["joe@pve"], User(
            enable=1, expire=1700000000, firstname="Jörg", lastname="Doe",
            email="joe@example.com", comment="a:b%c\nd", keys="x1,x2"))

    def test_escaping_round_trip(self):
        cfg = UserConfig()
        cfg.users["joe@pve"] = User(comment="50% : ünïcødé\ttab\x7f",
                                    firstname="Ann-Marie O'Neil")
        text = write_user_cfg(cfg)
        self.assertIn(
            "user:joe@pve:1:0:Ann-Marie O'Neil::"
            ":50%25 %3A %C3%BCn%C3%AFc%C3%B8d%C3%A9%09tab%7F::\n", text)
        self.assertEqual(parse_user_cfg(text)[0], cfg)

    def test_booleans_written_as_0_1(self):
        cfg = UserConfig()
        cfg.users["joe@pve"] = User(enable=True, tokens={
            "tk": Token(privsep=False, expire=5)})
        self.assertIn("user:joe@pve:1:0::::::\ntoken:joe@pve!tk:5:0::\n",
                      write_user_cfg(cfg))

    def test_write_refuses_what_would_not_read_back(self):
        for user in (User(email="a:b@c"), User(keys="k\nuser:evil@pve:1:")):
            cfg = UserConfig()
            cfg.users["joe@pve"] = user
            self.assertRaises(ValueError, write_user_cfg, cfg)
        cfg = UserConfig()
        cfg.groups["g"] = Group({"joe@pve", "x:y@pve"})
        self.assertRaises(ValueError, write_user_cfg, cfg)

    def test_raw_bytes_accepted(self):
        cfg, _ = parse_user_cfg(b"user:j\xc3\xb6@pve:1:0::::::\r\n")
        self.assertIn("jö@pve", cfg.users)

    def test_root_always_there(self):
        cfg, _ = parse_user_cfg("user:joe@pve:1:\n")
        self.assertEqual(cfg.users["root@pam"], User(enable=1))
        cfg, _ = parse_user_cfg("user:root@pam:0:\n")
        self.assertEqual(cfg.users["root@pam"].enable, 0)

    def test_helpers(self):
        cfg, _ = parse_user_cfg("user:joe@pve:1:\ntoken:joe@pve!tk::1:\n"
                                "group:b:joe@pve:\ngroup:a:joe@pve:\n")
        self.assertEqual(cfg.groups_of("joe@pve"), ["a", "b"])
        self.assertEqual(cfg.token("joe@pve!tk"), Token(privsep=1))
        self.assertIsNone(cfg.token("joe@pve!u"))
        self.assertIsNone(cfg.token("joe@pve"))


class WarningTests(unittest.SynchronousTestCase):
    """Bad lines are named and skipped; everything else survives."""

    GOOD = ("user:joe@pve:1:0::::::\n"
            "token:joe@pve!tk:0:1::\n"
            "group:g:joe@pve::\n"
            "pool:p::100:local:\n"
            "role:r:VM.Audit:\n"
            "acl:1:/vms:@g:r:\n")

    BAD = [
        ("user:joe:1:0:",
         "user config - ignore user 'joe' - invalid user name"),
        ("user:ann@pve:1:soon:", "user config - ignore user 'ann@pve' - "
         "(illegal characters in expire 'soon')"),
        ("token:joe@pve:0:1:",
         "user config - ignore invalid tokenid 'joe@pve'"),
        ("token:joe@pve!uu:x:1:", "user config - ignore token 'joe@pve!uu' - "
         "(illegal characters in expire 'x')"),
        ("token:ann@pve!tk:0:1:",
         "user config - ignore token 'ann@pve!tk' - user does not exist"),
        ("role:bad role:VM.Audit:", "user config - ignore role 'bad role' - "
         "invalid characters in role name"),
        ("pool:a/b/c/d:::", "user config - ignore pool 'a/b/c/d' - invalid "
         "characters in pool name"),
        ("acl:1:/vms/$x:joe@pve:r:",
         "user config - ignore invalid path in acl '/vms/$x'"),
        ("acl:1:/vms:joe@pve:bad*role:",
         "user config - ignore invalid role name 'bad*role' in acl"),
        ("acl:1:/vms:joe:r:", "user config - invalid user/group 'joe' in acl"),
        ("# a comment", "user config - ignore config line: # a comment"),
        ("usr:joe@pve:1:", "user config - ignore config line: usr:joe@pve:1:"),
    ]

    def test_each_bad_line_named(self):
        for line, message in self.BAD:
            raw = self.GOOD + "\n" + line + "\n"
            cfg, warnings = parse_user_cfg(raw)
            self.assertEqual([(w.line, w.message) for w in warnings],
                             [(8, message)], line)
            self.assertEqual(str(warnings[0]), "line 8: " + message)
            good = parse_user_cfg(self.GOOD)[0]
            self.assertEqual(write_user_cfg(cfg), write_user_cfg(good), line)

    def test_good_part_rewritten_whole(self):
        text = write_user_cfg(parse_user_cfg(self.GOOD)[0])
        for line in self.GOOD.splitlines():
            self.assertIn(line, text)


# --- generated configurations -------------------------------------------

USERIDS = ["alice@pve", "bob@pam", "Carl.x@ldap1", "d_e@pve", "root@pam"]
GROUPS = ["admins", "dev-1", "Ops.x"]
ROLES = ["auditor", "vm.user", "My_Role"]
POOLS = ["p1", "prod", "x.y"]
PATHS = ["/", "/vms", "/vms/100", "/storage/local", "/pool/p1", "/nodes/n1"]

free_text = st.text(st.characters(blacklist_categories=("Cs",)),
                    min_size=1, max_size=12).filter(
    lambda s: s == s.strip(" ") and s not in ("", "0"))
maybe_text = st.none() | free_text
flag = st.sampled_from([0, 1])
expire = st.sampled_from([0, 1, 4102444800])


@st.composite
def configs(draw):
    cfg = UserConfig()
    for userid in draw(st.sets(st.sampled_from(USERIDS))):
        tokens = {name: Token(draw(flag), draw(expire), draw(maybe_text))
                  for name in draw(st.sets(st.sampled_from(["t1", "tok-x"])))}
        cfg.users[userid] = User(
            draw(flag), draw(expire), draw(maybe_text), draw(maybe_text),
            draw(st.none() | st.sampled_from(["a@b.c", "x.y@z"])),
            draw(maybe_text), draw(st.none() | st.sampled_from(["k1", "x!y"])),
            tokens)
    for name in draw(st.sets(st.sampled_from(GROUPS))):
        cfg.groups[name] = Group(set(draw(st.sets(st.sampled_from(USERIDS)))),
                                 draw(maybe_text))
    for name in draw(st.sets(st.sampled_from(ROLES))):
        privs = draw(st.sets(st.sampled_from(sorted(PRIVILEGES))))
        cfg.roles[name] = set(privs)
    vmids = list(range(100, 110))
    for name in draw(st.sets(st.sampled_from(POOLS))):
        mine = draw(st.sets(st.sampled_from(vmids))) if vmids else set()
        vmids = [v for v in vmids if v not in mine]
        cfg.pools[name] = Pool(draw(maybe_text), mine, set(draw(st.sets(
            st.sampled_from(["local", "nfs-1", "a.b9"])))))
        cfg.vms.update(dict.fromkeys(mine, name))
    tokens = ["%s!%s" % (u, t) for u in sorted(cfg.users)
              for t in cfg.users[u].tokens]
    members = st.sampled_from(["users", "groups"] + (["tokens"] if tokens
                                                      else []))
    roles = st.sampled_from(sorted(cfg.roles))
    for path in draw(st.sets(st.sampled_from(PATHS))):
        entry = AclEntry()
        for _ in range(draw(st.integers(1, 3))):
            kind = draw(members)
            member = draw(st.sampled_from({
                "users": [u for u in USERIDS if u != "root@pam"],
                "groups": GROUPS, "tokens": tokens}[kind]))
            assigned = getattr(entry, kind).setdefault(member, {})
            assigned[draw(roles)] = draw(flag)
        cfg.acl[path] = entry
    return cfg


class GeneratedTests(unittest.SynchronousTestCase):

    @settings(max_examples=150, deadline=None)
    @given(configs())
    def test_write_read_write(self, cfg):
        text = write_user_cfg(cfg)
        again, warnings = parse_user_cfg(text)
        # members that are not (yet) users are kept, with a warning
        tolerated = ("user config - ignore invalid acl member",
                     "user config - ignore invalid acl group",
                     "user config - ignore invalid group member")
        self.assertEqual([w for w in warnings
                          if not w.message.startswith(tolerated)], [])
        self.assertEqual(again, cfg)
        self.assertEqual(write_user_cfg(again), text)
