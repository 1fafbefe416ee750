"""storage.cfg: storages in section-config format."""

import os

from hypothesis import given, settings, strategies as st
from twisted.trial import unittest

from pve.paths import Paths
from pve.storage.config import (StorageError, canonpath, default_local,
                                host_path, parse_storage_cfg,
                                parsed_storage_cfg, storage_check_enabled,
                                storage_config, write_storage_cfg)

DEFAULT = ("dir: local\n\tpath /var/lib/vz\n"
           "\tcontent backup,images,iso,rootdir,snippets,vztmpl\n"
           "\tprune-backups keep-all=1\n\n")

# what the Proxmox installer writes on LVM
INSTALLER = """\
dir: local
\tpath /var/lib/vz
\tcontent iso,vztmpl,backup

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent rootdir,images

"""

FULL = """\
dir: local
\tpath /var/lib/vz
\tcontent backup,iso,vztmpl

dir: big
\tdisable
\tpath /srv/big
\tbwlimit default=100,restore=20.5
\tcontent images,rootdir
\tcontent-dirs images=vm/disks,iso=isos
\tcreate-base-path 0
\tcreate-subdirs 1
\tformat qcow2
\tis_mountpoint yes
\tmax-protected-backups -1
\tnodes node1,node2
\tpreallocation falloc
\tprune-backups keep-last=3,keep-daily=7
\tshared 1
\tsnapshot-as-volume-chain 0

nfs: nas
\tcontent backup,iso
\texport /export/pve
\toptions vers=4.2
\tpath /mnt/pve/nas
\tserver 192.0.2.10

"""


class ParseTests(unittest.SynchronousTestCase):

    def test_missing_or_empty_file_gives_proxmox_default(self):
        for raw in (None, b"", "", "# nothing\n\n"):
            ids, warnings = parse_storage_cfg(raw)
            self.assertEqual(warnings, [])
            self.assertEqual(ids, {"local": default_local()})
            self.assertEqual(ids["local"]["content"], [
                "backup", "images", "iso", "rootdir", "snippets", "vztmpl"])
        self.assertEqual(write_storage_cfg(parse_storage_cfg("")[0]), DEFAULT)
        self.assertEqual(parsed_storage_cfg(None), {"local": default_local()})

    def test_installer_file(self):
        ids, warnings = parse_storage_cfg(INSTALLER)
        self.assertEqual(warnings, [])
        self.assertEqual(ids, {
            "local": {"type": "dir", "path": "/var/lib/vz",
                      "content": ["backup", "iso", "vztmpl"]},
            "local-lvm": {"type": "lvmthin", "thinpool": "data",
                          "vgname": "pve", "content": ["images", "rootdir"]},
        })
        text = write_storage_cfg(ids)
        self.assertEqual(parse_storage_cfg(text)[0], ids)

    def test_round_trip(self):
        ids, warnings = parse_storage_cfg(FULL)
        self.assertEqual(warnings, [])
        self.assertEqual(list(ids), ["local", "big", "nas"])
        big = ids["big"]
        self.assertEqual(big["disable"], 1)
        self.assertEqual(big["create-base-path"], 0)
        self.assertEqual(big["max-protected-backups"], -1)
        self.assertEqual(big["nodes"], ["node1", "node2"])
        self.assertEqual(big["content-dirs"], {"images": "vm/disks",
                                               "iso": "isos"})
        self.assertEqual(big["prune-backups"], "keep-last=3,keep-daily=7")
        self.assertEqual(big["is_mountpoint"], "yes")
        self.assertEqual(ids["nas"]["shared"], 1)  # nfs is always shared
        self.assertEqual(write_storage_cfg(ids), FULL)

    def test_defaults_and_canonical_path(self):
        ids, warnings = parse_storage_cfg(
            "dir: data\n\tpath /srv//data/./x/\n\tdisable\n")
        self.assertEqual(warnings, [])
        self.assertEqual(ids["data"], {"type": "dir", "path": "/srv/data/x",
                                       "disable": 1,
                                       "content": ["images", "rootdir"]})
        self.assertEqual(list(ids), ["data", "local"])

    def test_comments_and_crlf(self):
        ids, warnings = parse_storage_cfg(
            "# storages\r\ndir: data\r\n# inside\r\n\tpath /srv\r\n"
            "\tcontent iso\r\n")
        self.assertEqual(warnings, [])
        self.assertEqual(ids["data"]["content"], ["iso"])

    def test_local_is_always_dir_at_var_lib_vz(self):
        for text in ("dir: local\n\tpath /srv/other\n",
                     "nfs: local\n\tserver x\n\texport /e\n\tpath /p\n"):
            ids, _ = parse_storage_cfg(text)
            self.assertEqual(ids["local"], default_local())
        ids, _ = parse_storage_cfg(
            "dir: local\n\tpath /var/lib/vz/\n\tnodes a,b\n\tcontent iso\n")
        self.assertEqual(ids["local"], {"type": "dir", "path": "/var/lib/vz",
                                        "content": ["iso"]})

    def test_content_none(self):
        ids, _ = parse_storage_cfg("dir: d1\n\tpath /d1\n\tcontent none\n")
        self.assertEqual(ids["d1"]["content"], ["none"])
        ids["d1"]["content"] = []
        self.assertIn("\tcontent none\n", write_storage_cfg(ids))

    def test_later_section_wins(self):
        ids, warnings = parse_storage_cfg(
            "dir: a1\n\tpath /one\n\ndir: b1\n\tpath /b\n\n"
            "dir: a1\n\tpath /two\n")
        self.assertEqual(warnings, [])
        self.assertEqual(list(ids), ["b1", "a1", "local"])
        self.assertEqual(ids["a1"]["path"], "/two")

    def test_failed_section_removes_earlier_one(self):
        ids, warnings = parse_storage_cfg(
            "dir: a1\n\tpath /one\n\ndir: a1\n\tcontent iso\n")
        self.assertNotIn("a1", ids)
        self.assertEqual(len(warnings), 1)


class WarningTests(unittest.SynchronousTestCase):

    def warnings(self, text):
        ids, warnings = parse_storage_cfg(text)
        return ids, [(w.line, w.message) for w in warnings]

    def test_bad_properties_skipped(self):
        ids, warnings = self.warnings(
            "dir: d1\n\tpath /d1\n\tshared yes\n\tserver x\n\tcolour red\n"
            "\tpath /d2\n\tmaxfiles 3\n\tformat qed\n\tpreallocation some\n"
            "\tmax-protected-backups -2\n\tcontent iso,music\n"
            "\tnodes good,bad_node\n\tmkdir\n\tis_mountpoint\n")
        prefix = "file storage.cfg line %d (section 'd1') - unable to parse "
        self.assertEqual(warnings, [
            (3, prefix % 3 + "value of 'shared': type check ('boolean') "
             "failed - got 'yes'"),
            (4, prefix % 4 + "value of 'server': unexpected property "
             "'server'"),
            (5, prefix % 5 + "value of 'colour': unknown property type"),
            (6, prefix % 6 + "value of 'path': duplicate attribute"),
            (7, prefix % 7 + "value of 'maxfiles': unknown property type"),
            (8, prefix % 8 + "value of 'format': value 'qed' does not have a "
             "value in the enumeration 'raw, qcow2, subvol, vmdk'"),
            (9, prefix % 9 + "value of 'preallocation': value 'some' does not "
             "have a value in the enumeration 'off, metadata, falloc, full'"),
            (10, prefix % 10 + "value of 'max-protected-backups': value must "
             "have a minimum value of -1"),
            (11, prefix % 11 + "value of 'content': invalid format - invalid "
             "content type 'music'"),
            (12, prefix % 12 + "value of 'nodes': invalid format - value does "
             "not look like a valid node name"),
            (14, prefix % 14 + "value of 'is_mountpoint': got undefined "
             "value"),
        ])
        self.assertEqual(ids["d1"], {"type": "dir", "path": "/d1", "mkdir": 1,
                                     "content": ["images", "rootdir"]})

    def test_property_strings(self):
        _, warnings = self.warnings(
            "dir: d1\n\tpath /d1\n"
            "\tprune-backups keep-all=1,keep-last=2\n"
            "\tprune-backups keep-lots=2\n"
            "\tprune-backups keep-last=x,keep-daily=-1\n"
            "\tprune-backups keep-last=1,keep-last=2\n"
            "\tprune-backups 5\n"
            "\tbwlimit move=fast\n"
            "\tcontent-dirs images=../up\n"
            "\tcontent-dirs music=x\n")
        self.assertEqual([m.split(": ", 1)[1] for _, m in warnings], [
            "invalid format - keep-all cannot be set together with other "
            "options.",
            "invalid format - invalid key in comma-separated list property: "
            "keep-lots",
            "invalid format - format error\n"
            "keep-daily: value must have a minimum value of 0\n"
            "keep-last: type check ('integer') failed - got 'x'",
            "invalid format - duplicate key in comma-separated list "
            "property: keep-last",
            "invalid format - value without key, but schema does not define "
            "a default key",
            "invalid format - format error\n"
            "move: type check ('number') failed - got 'fast'",
            "invalid format - invalid override 'images=../up'",
            "invalid format - invalid content type 'music'",
        ])

    def test_keep_all_alone_is_fine(self):
        _, warnings = self.warnings(
            "dir: d1\n\tpath /d1\n\tprune-backups keep-all=yes,keep-last=0\n")
        self.assertEqual(warnings, [])

    def test_sections_skipped(self):
        ids, warnings = self.warnings(
            "zfs-over-nbd: odd\n\tpath /x\n\n"
            "dir: 1bad\n\tpath /x\n\n"
            "dir: x\n\n"
            "dir: nopath\n\tcontent iso\n\n"
            "\tstray line\n"
            "dir: spaced\n\tpath /my disks\n\n"
            "dir: mixed\n\tpath /m\n\tcontent none,iso\n\n"
            "dir: relative\n\tpath srv/x\n\n"
            "dir: fine\n\tpath /fine\n")
        self.assertEqual(warnings, [
            (1, "file storage.cfg line 1 (skip section 'odd'): unsupported "
             "type 'zfs-over-nbd'"),
            (4, "file storage.cfg line 4 (skip section '1bad'): storage ID "
             "'1bad' contains illegal characters"),
            (7, "file storage.cfg line 7 (skip section 'x'): storage ID 'x' "
             "cannot be shorter than 2 characters"),
            (10, "file storage.cfg line 10 (skip section 'nopath'): missing "
             "value for required option 'path'"),
            (12, "file storage.cfg line 12 - ignore config line: \tstray "
             "line"),
            (14, "file storage.cfg line 14 (skip section 'spaced'): illegal "
             "path for directory storage: /my disks"),
            (18, "file storage.cfg line 18 (skip section 'mixed'): unable to "
             "combine 'none' with other content types"),
            (21, "file storage.cfg line 21 (section 'relative') - unable to "
             "parse value of 'path': invalid format - value does not look "
             "like a valid absolute path"),
            (21, "file storage.cfg line 21 (skip section 'relative'): missing "
             "value for required option 'path'"),
        ])
        self.assertEqual(list(ids), ["fine", "local"])

    def test_section_line_without_property(self):
        _, warnings = self.warnings("dir: d1\n\tpath /d1\n  \n")
        self.assertEqual(warnings, [
            (3, "file storage.cfg line 3 (section 'd1') - ignore config "
             "line:   ")])

    def test_other_types_keep_their_text(self):
        ids, warnings = self.warnings(
            "rbd: ceph\n\tpool rbd\n\tkrbd\n\tpool again\n\tdisable 0\n"
            "\tcolour x\n")
        self.assertEqual(ids["ceph"], {"type": "rbd", "pool": "rbd",
                                       "krbd": 1, "disable": 0, "shared": 1,
                                       "content": ["images"]})
        self.assertEqual([m.split(": ", 1)[1] for _, m in warnings],
                         ["duplicate attribute", "unknown property type"])


class WriteTests(unittest.SynchronousTestCase):

    def test_refuses_what_the_file_cannot_hold(self):
        cases = [
            ({"d1": {"type": "dir"}},
             "section 'd1' - missing value for required option 'path'"),
            ({"d1": {"type": "dir", "path": "/x\n\tcontent iso"}},
             "property 'path' contains a line feed"),
            ({"d1": {"type": "tape", "path": "/x"}},
             "unknown section type 'tape'"),
            ({"d 1": {"type": "dir", "path": "/x"}},
             "storage ID 'd 1' contains illegal characters"),
        ]
        for ids, message in cases:
            error = self.assertRaises(ValueError, write_storage_cfg, ids)
            self.assertEqual(str(error), message)

    def test_order_disable_first_unknown_keys_dropped(self):
        ids = {"d1": {"type": "dir", "shared": 0, "path": "/d", "disable": 1,
                      "content": ["iso"], "priority": 0}}
        self.assertEqual(write_storage_cfg(ids),
                         "dir: d1\n\tdisable\n\tpath /d\n\tcontent iso\n"
                         "\tshared 0\n\n")


def _dir_storages():
    names = st.from_regex(r"[a-z][a-z0-9]{1,8}", fullmatch=True)
    content = st.lists(st.sampled_from(
        ["backup", "images", "import", "iso", "rootdir", "snippets",
         "vztmpl"]), unique=True, min_size=1).map(sorted)
    optional = st.fixed_dictionaries({}, optional={
        "content": content,
        "disable": st.sampled_from([0, 1]),
        "shared": st.sampled_from([0, 1]),
        "mkdir": st.sampled_from([0, 1]),
        "format": st.sampled_from(["raw", "qcow2", "vmdk", "subvol"]),
        "preallocation": st.sampled_from(["off", "metadata", "full"]),
        "nodes": st.lists(st.from_regex(r"[a-z][a-z0-9]{0,6}",
                                        fullmatch=True),
                          unique=True, min_size=1).map(sorted),
        "max-protected-backups": st.integers(-1, 1000),
        "prune-backups": st.sampled_from(["keep-all=1", "keep-last=3",
                                          "keep-daily=7,keep-weekly=2"]),
    })
    paths = st.from_regex(r"/[a-z0-9_.@-]{1,10}(/[a-z0-9_@-]{1,10}){0,3}",
                          fullmatch=True).filter(
        lambda p: canonpath(p) == p)
    storage = st.tuples(paths, optional).map(
        lambda t: dict(t[1], type="dir", path=t[0]))
    return st.dictionaries(names.filter(lambda n: n != "local"), storage,
                           max_size=5)


class PropertyTests(unittest.SynchronousTestCase):

    @settings(max_examples=150, deadline=None)
    @given(_dir_storages())
    def test_write_then_parse_gives_the_same(self, ids):
        ids = dict(ids, local=default_local())
        for config in ids.values():
            config.setdefault("content", ["images", "rootdir"])
            if config.get("disable") == 0:
                del config["disable"]  # written only when set
        parsed, warnings = parse_storage_cfg(write_storage_cfg(ids))
        self.assertEqual(warnings, [])
        self.assertEqual(parsed, ids)

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.sampled_from(
        list("dir: \t\n#/abc0,=") + ["local", "nodes", "path", "content",
                                       "iso", "nfs", "disable", "\r"]),
        max_size=80).map("".join))
    def test_any_text_parses(self, text):
        ids, _ = parse_storage_cfg(text)
        self.assertEqual(ids["local"]["path"], "/var/lib/vz")
        self.assertEqual(parse_storage_cfg(write_storage_cfg(ids)),
                         (ids, []))


class LookupTests(unittest.SynchronousTestCase):

    def test_storage_config(self):
        ids, _ = parse_storage_cfg(FULL)
        self.assertEqual(storage_config(ids, "nas")["server"], "192.0.2.10")
        for storeid, message in (("", "no storage ID specified"),
                                 ("nope", "storage 'nope' does not exist")):
            error = self.assertRaises(StorageError, storage_config, ids,
                                      storeid)
            self.assertEqual(str(error), message)

    def test_enabled_on_node(self):
        ids, _ = parse_storage_cfg(FULL)
        ids["big"]["disable"] = 0
        self.assertIs(storage_check_enabled(ids, "big", "node2"), ids["big"])
        self.assertIs(storage_check_enabled(ids, "local", "any"),
                      ids["local"])
        error = self.assertRaises(StorageError, storage_check_enabled, ids,
                                  "big", "node3")
        self.assertEqual(str(error),
                         "storage 'big' is not available on node 'node3'")
        ids["big"]["disable"] = 1
        error = self.assertRaises(StorageError, storage_check_enabled, ids,
                                  "big", "node1")
        self.assertEqual(str(error), "storage 'big' is disabled")


class HostPathTests(unittest.SynchronousTestCase):

    def test_paths_under_pve_root(self):
        self.assertEqual(host_path("/var/lib/vz", Paths("/tmp/x")),
                         "/tmp/x/var/lib/vz")
        self.assertEqual(host_path("/var/lib/vz", Paths("/")), "/var/lib/vz")
        self.assertEqual(host_path("/srv/../../../etc", Paths("/tmp/x")),
                         "/tmp/x/etc")

    def test_root_from_environment(self):
        self.patch(os, "environ", dict(os.environ, PVE_ROOT="/tmp/y"))
        self.assertEqual(host_path("/var/lib/vz"), "/tmp/y/var/lib/vz")

    def test_canonpath(self):
        for path, expected in (("/a//b/", "/a/b"), ("/a/./b/.", "/a/b"),
                               ("/../a", "/a"), ("/..", "/"), ("/", "/"),
                               ("/a/../b", "/a/../b")):
            self.assertEqual(canonpath(path), expected)
