"""pve.qemu.config: the VM config file, read and written as qemu-server."""

import hashlib

from hypothesis import given, settings, strategies as st
from twisted.trial import unittest

from pve.qemu import config
from pve.qemu.config import (
    ConfigError, VMConfig, check_type, parse_config, write_config)

PLAIN = """\
# plain VM
bootdisk: scsi0
cores: 1
ide2: none,media=cdrom
memory: 512
name: apache
net0: virtio=92:38:11:FD:ED:87,bridge=vmbr0,firewall=1
scsi0: mydir:142/vm-142-disk-0.qcow2,size=4G
sockets: 1
"""

FULL = """\
#first line
#second%3A 100%25
boot: order=scsi0
ide2: lvm:vm-120-cloudinit,media=cdrom
name: full
parent: snap2
scsi0: nfs:120/vm-120-disk-0.qcow2,size=4G

[PENDING]
delete: !net1,ide0
memory: 4096

[special:cloudinit]
ipconfig0: ip=dhcp
name: old-name

[special:fleecing]
fleecing-images: zfs:vm-120-fleece-0,zfs:vm-120-fleece-1

[snap1]
#first snapshot
name: full
snaptime: 1700000000

[snap2]
name: full
parent: snap1
snaptime: 1700000100
vmstate: local:120/vm-120-state-snap2.raw
"""


def boolean_check(key, value):
    if key in ("numa", "onboot", "acpi"):
        return check_type(key, value, {key: {"type": "boolean"}})
    return value


class RoundTripTests(unittest.SynchronousTestCase):

    def test_plain(self):
        conf = parse_config(PLAIN, 142)
        self.assertEqual(conf.description, " plain VM")
        self.assertEqual(list(conf.main)[:3], ["bootdisk", "cores", "ide2"])
        self.assertEqual(conf.main["net0"],
                         "virtio=92:38:11:FD:ED:87,bridge=vmbr0,firewall=1")
        self.assertEqual(conf.pending, {})
        self.assertEqual(conf.snapshots, {})
        self.assertEqual(conf.special, {})
        self.assertEqual(conf.warnings, [])
        self.assertEqual(write_config(conf), PLAIN)

    def test_full(self):
        conf = parse_config(FULL, 120, strict=True)
        self.assertEqual(conf.description, "first line\nsecond: 100%")
        self.assertEqual(conf.pending,
                         {"delete": "!net1,ide0", "memory": "4096"})
        self.assertEqual(conf.special, {
            "cloudinit": {"ipconfig0": "ip=dhcp", "name": "old-name"},
            "fleecing": {"fleecing-images":
                         "zfs:vm-120-fleece-0,zfs:vm-120-fleece-1"}})
        self.assertEqual(conf.snapshots["snap1"], {
            "description": "first snapshot", "name": "full",
            "snaptime": "1700000000"})
        self.assertEqual(conf.snapshots["snap2"]["vmstate"],
                         "local:120/vm-120-state-snap2.raw")
        self.assertEqual(write_config(conf), FULL)

    def test_keys_sorted_and_blank_lines_ignored(self):
        conf = parse_config("name: x\n\n  \ncores: 2\r\nmemory:   512  \n", 1)
        self.assertEqual(list(conf.main), ["name", "cores", "memory"])
        self.assertEqual(conf.main["memory"], "512")
        self.assertEqual(write_config(conf),
                         "cores: 2\nmemory: 512\nname: x\n")

    def test_section_order(self):
        """Main, [PENDING], special sections, then snapshots, each sorted."""
        conf = VMConfig(
            main={"name": "a", "ide0": "lvm:vm-1-cloudinit"},
            pending={"name": "b"},
            snapshots={"zz": {"name": "z"}, "aa": {"name": "a"}},
            special={"fleecing": {"fleecing-images": "s:v"},
                     "cloudinit": {"name": "c"}})
        self.assertEqual(write_config(conf), (
            "ide0: lvm:vm-1-cloudinit\nname: a\n"
            "\n[PENDING]\nname: b\n"
            "\n[special:cloudinit]\nname: c\n"
            "\n[special:fleecing]\nfleecing-images: s:v\n"
            "\n[aa]\nname: a\n"
            "\n[zz]\nname: z\n"))

    def test_empty(self):
        conf = parse_config("", 1)
        self.assertEqual(conf, VMConfig(digest=hashlib.sha1(b"").hexdigest()))
        self.assertEqual(write_config(conf), "")

    def test_input_not_changed_by_write(self):
        conf = parse_config("cdrom: none,media=cdrom\nsnapstate: delete\n", 1)
        self.assertEqual(conf.main, {"ide2": "none,media=cdrom"})
        conf.main["smp"] = "2"
        before = (dict(conf.main), dict(conf.pending))
        write_config(conf)
        self.assertEqual((conf.main, conf.pending), before)

    @settings(max_examples=200, deadline=None)
    @given(st.dictionaries(
        st.from_regex(r"\A[a-z][a-z_\-]{0,8}[0-9]{0,2}\Z").filter(
            lambda k: k not in ("description", "args", "delete", "snapstate",
                                "cdrom", "smp", "digest", "pending",
                                "snapshots", "special-sections")
            and not k.startswith("unused")),
        st.text(st.characters(blacklist_categories=("Cs",),
                              blacklist_characters="\n\r"),
                min_size=1).map(lambda v: v.strip(" \t\x0b\x0c")).filter(
            lambda v: v and "snapstate:" not in v),
        max_size=8))
    def test_any_main_section(self, main):
        """Keys and values that read back as written do."""
        text = write_config(VMConfig(main=main))
        self.assertEqual(parse_config(text, 1, strict=True).main,
                         dict(sorted(main.items())))

    @settings(max_examples=200, deadline=None)
    @given(st.text(st.characters(blacklist_categories=("Cs",))))
    def test_any_description(self, text):
        """Any description reads back, less trailing whitespace."""
        text = config._TRAILING_USPACE.sub("", text)
        conf = VMConfig(description=text, main={"name": "x"})
        got = parse_config(write_config(conf), 1, strict=True).description
        if text in ("", "0") or not text.strip("\n"):
            self.assertIsNone(got)  # written as nothing at all
        else:
            self.assertEqual(got, text)


class DescriptionTests(unittest.SynchronousTestCase):

    def test_comment_lines_anywhere_in_section(self):
        conf = parse_config("#one\nname: x\n#two\n", 1)
        self.assertEqual(conf.description, "one\ntwo")
        self.assertEqual(write_config(conf), "#one\n#two\nname: x\n")

    def test_description_key(self):
        """'description:' lines join without a newline, as in Proxmox."""
        conf = parse_config("description: a%3Ab  \n#c\ndescription: d\n", 1)
        self.assertEqual(conf.description, "a:bc\nd")
        self.assertEqual(write_config(conf), "#a%3Abc\n#d\n")

    def test_encoding(self):
        conf = VMConfig(description="50% ü:\x01\ttab\n\nlast\n\n")
        self.assertEqual(write_config(conf),
                         "#50%25 %C3%BC%3A%01%09tab\n#\n#last\n")
        self.assertEqual(parse_config(write_config(conf), 1).description,
                         "50% ü:\x01\ttab\n\nlast")

    def test_bad_utf8_replaced(self):
        conf = parse_config(b"#caf%C3%A9 %FF\n#raw \xc3\xa9\n", 1)
        self.assertEqual(conf.description, "caf\xe9 \ufffd\nraw \xe9")

    def test_trailing_whitespace_stripped(self):
        conf = parse_config("#text\n#   \n#\xa0\n#\n", 1)
        self.assertEqual(conf.description, "text")

    def test_falsy_descriptions(self):
        """'0' and '' are false in Perl: not written, except a pending
        description, which becomes '#'."""
        self.assertEqual(write_config(VMConfig(description="0")), "")
        conf = VMConfig(pending={"description": ""})
        text = write_config(conf)
        self.assertEqual(text, "\n[PENDING]\n#\n")
        self.assertEqual(parse_config(text, 1).pending, {"description": ""})

    def test_per_section(self):
        conf = parse_config("#main\n[PENDING]\n#pend\n[snap]\n#snap\n", 1)
        self.assertEqual(conf.description, "main")
        self.assertEqual(conf.pending, {"description": "pend"})
        self.assertEqual(conf.snapshots, {"snap": {"description": "snap"}})


class PendingTests(unittest.SynchronousTestCase):

    def test_delete_kept_as_written(self):
        conf = parse_config("[PENDING]\ndelete: !net0, ide2;;scsi1  \n", 1)
        self.assertEqual(conf.pending, {"delete": "!net0, ide2;;scsi1"})
        self.assertEqual(config.parse_pending_delete(conf.pending["delete"]),
                         {"net0": True, "ide2": False, "scsi1": False})

    def test_pending_delete_helpers(self):
        self.assertEqual(config.parse_pending_delete(None), {})
        self.assertEqual(config.parse_pending_delete("0"), {})
        self.assertEqual(
            config.print_pending_delete({"net0": True, "cores": False}),
            "cores,!net0")
        pending = {}
        config.add_to_pending_delete(pending, "net0", force=True)
        config.add_to_pending_delete(pending, "cores")
        self.assertEqual(pending, {"delete": "cores,!net0"})
        config.remove_from_pending_delete(pending, "net0")
        self.assertEqual(pending, {"delete": "cores"})
        config.remove_from_pending_delete(pending, "nothing")
        config.remove_from_pending_delete(pending, "cores")
        self.assertEqual(pending, {})

    def test_delete_outside_pending(self):
        conf = parse_config("delete: net0\n[snap]\ndelete: net1\n", 7)
        self.assertEqual(conf.warnings, [
            "vm 7 - property 'delete' is only allowed in [PENDING]"] * 2)
        self.assertEqual(conf.main, {})
        e = self.assertRaises(ConfigError, parse_config, "delete: net0\n", 7,
                              strict=True)
        self.assertEqual((str(e), e.lineno, e.key), (
            "vm 7 - property 'delete' is only allowed in [PENDING]", 1,
            "delete"))

    def test_write_delete_outside_pending(self):
        e = self.assertRaises(ConfigError, write_config,
                              VMConfig(main={"delete": "net0"}))
        self.assertEqual(str(e),
                         "propertry 'delete' is only allowed in [PENDING]")

    def test_case_insensitive_header(self):
        conf = parse_config("[pending]  \nname: x\n", 1)
        self.assertEqual(conf.pending, {"name": "x"})
        self.assertEqual(write_config(conf), "\n[PENDING]\nname: x\n")


class SnapshotTests(unittest.SynchronousTestCase):

    def test_snapstate(self):
        """snapstate is dropped from the main section only."""
        conf = parse_config(
            "snapstate: prepare\n[s1]\nsnapstate: delete\nname: a\n", 1)
        self.assertEqual(conf.main, {})
        self.assertEqual(conf.snapshots["s1"], {"snapstate": "delete",
                                                "name": "a"})
        self.assertEqual(write_config(conf),
                         "\n[s1]\nname: a\nsnapstate: delete\n")

    def test_snapstate_matched_anywhere_in_line(self):
        conf = parse_config("args: -x snapstate: prepare\n[s1]\n"
                            "name: snapstate:delete\n", 1)
        self.assertEqual(conf.main, {})
        self.assertEqual(conf.snapshots["s1"], {"snapstate": "delete"})

    def test_names(self):
        conf = parse_config("[Snap_1-a]\nname: a\n[x]\nname: b\n", 1)
        self.assertEqual(list(conf.snapshots), ["Snap_1-a"])
        self.assertEqual(conf.warnings, ["vm 1 - skipping unknown section: 'x'"])

    def test_name_that_would_not_read_back(self):
        """One letter is not a snapshot name (but an unknown section)."""
        e = self.assertRaises(ConfigError, write_config,
                              VMConfig(snapshots={"s": {}}))
        self.assertEqual(str(e), "invalid snapshot name 's'")
        self.assertEqual(parse_config("[s]\n", 1).warnings,
                         ["vm 1 - skipping unknown section: 's'"])

    def test_pending_name_forbidden(self):
        e = self.assertRaises(ConfigError, write_config,
                              VMConfig(snapshots={"Pending": {}}))
        self.assertEqual(str(e),
                         "internal error: snapshot name 'Pending' is forbidden")

    def test_duplicate(self):
        text = "[s1]\nname: a\ncores: 1\n[s1]\nname: b\n"
        conf = parse_config(text, 1)
        self.assertEqual(conf.snapshots, {"s1": {"name": "b"}})
        self.assertEqual(conf.warnings,
                         ["vm 1 - duplicate snapshot section: s1"])
        e = self.assertRaises(ConfigError, parse_config, text, 1, strict=True)
        self.assertEqual((str(e), e.lineno),
                         ("vm 1 - duplicate snapshot section: s1", 4))


class SpecialSectionTests(unittest.SynchronousTestCase):

    def test_cloudinit_values_not_checked(self):
        def refuse(key, value):
            raise ValueError("no")
        conf = parse_config("[special:cloudinit]\nname: x\nnuma: what\n", 1,
                            strict=True, check=refuse)
        self.assertEqual(conf.special["cloudinit"],
                         {"name": "x", "numa": "what"})

    def test_cloudinit_written_only_with_cloudinit_drive(self):
        special = {"cloudinit": {"name": "x"}}
        self.assertEqual(write_config(VMConfig(special=special)), "")
        for drive in ("local:100/vm-100-cloudinit.qcow2,media=cdrom",
                      "file=lvm:vm-100-cloudinit", "local:cloudinit",
                      "dir:100/cloudinit.raw,media=cdrom"):
            text = write_config(VMConfig(main={"sata1": drive},
                                         special=special))
            self.assertIn("[special:cloudinit]", text)
        for drive in ("local:100/vm-100-disk-0.raw", "local:my-cloudinit",
                      "local:cloudinit.iso", "local:cloudinit,x,y"):
            text = write_config(VMConfig(main={"sata1": drive},
                                         special=special))
            self.assertNotIn("[special:cloudinit]", text)
        text = write_config(VMConfig(main={"unused0": "lvm:vm-1-cloudinit"},
                                     special=special))
        self.assertNotIn("[special:cloudinit]", text)

    def test_fleecing_checked(self):
        conf = parse_config(
            "[special:fleecing]\nfleecing-images: local:a, bad\nname: x\n", 3)
        self.assertEqual(conf.special, {"fleecing": {}})
        self.assertEqual(conf.warnings, [
            "vm 3 - unable to parse value of 'fleecing-images' - "
            "unable to parse volume ID 'bad'",
            "vm 3 - unable to parse value of 'name' - unknown setting 'name'"])

    def test_other_spelling_has_no_schema(self):
        conf = parse_config("[special:CloudInit]\nname: x\n", 3)
        self.assertEqual(conf.special, {"CloudInit": {}})
        self.assertEqual(conf.warnings, [
            "vm 3 - unable to parse value of 'name' - "
            "check_type: no schema defined"])

    def test_unknown_and_duplicate(self):
        text = ("[special:other]\nname: a\n[special:cloudinit]\nname: b\n"
                "[special:cloudinit]\nname: c\n")
        conf = parse_config(text, 2)
        self.assertEqual(conf.special, {"cloudinit": {"name": "c"}})
        self.assertEqual(conf.warnings, [
            "vm 2 - skipping unknown section: 'special:other'",
            "vm 2 - duplicate special section: cloudinit"])


class CheckTests(unittest.SynchronousTestCase):

    def test_check_normalises(self):
        conf = parse_config("numa: yes\nonboot: OFF\nname: x\n", 1,
                            check=boolean_check)
        self.assertEqual(conf.main, {"numa": 1, "onboot": 0, "name": "x"})
        self.assertEqual(write_config(conf), "name: x\nnuma: 1\nonboot: 0\n")

    def test_check_failure_skips_key(self):
        text = "numa: maybe\nname: x\n"
        conf = parse_config(text, 100, check=boolean_check)
        self.assertEqual(conf.main, {"name": "x"})
        self.assertEqual(conf.warnings, [
            "vm 100 - unable to parse value of 'numa' - "
            "type check ('boolean') failed - got 'maybe'"])
        e = self.assertRaises(ConfigError, parse_config, text, 100,
                              strict=True, check=boolean_check)
        self.assertEqual((e.lineno, e.key), (1, "numa"))

    def test_bare_failure(self):
        def drive_check(key, value):
            raise ValueError("")
        conf = parse_config("ide0: x\n", 5, check=drive_check)
        self.assertEqual(conf.warnings,
                         ["vm 5 - unable to parse value of 'ide0'"])

    def test_args_not_checked(self):
        def refuse(key, value):
            raise ValueError("no")
        conf = parse_config("args: -foo  bar \n", 1, strict=True, check=refuse)
        self.assertEqual(conf.main, {"args": "-foo  bar"})

    def test_cdrom_is_ide2(self):
        conf = parse_config("cdrom: none\n", 1)
        self.assertEqual(conf.main, {"ide2": "none"})

    def test_write_checks(self):
        e = self.assertRaises(ConfigError, write_config,
                              VMConfig(main={"numa": "maybe"}),
                              check=boolean_check)
        self.assertEqual(str(e), "unable to parse value of 'numa' - "
                                 "type check ('boolean') failed - got 'maybe'")
        self.assertEqual(write_config(VMConfig(pending={"acpi": "on"}),
                                      check=boolean_check),
                         "\n[PENDING]\nacpi: 1\n")

    def test_check_type(self):
        schema = {"cores": {"type": "integer"}, "cpulimit": {"type": "number"},
                  "name": {"type": "string"},
                  "vmstate": {"type": "string", "format": "pve-volume-id"},
                  "other": {"type": "string", "format": "pve-unknown"}}
        self.assertEqual(check_type("cores", "04", schema), 4)
        self.assertEqual(check_type("cpulimit", "1.5", schema), "1.5")
        self.assertEqual(check_type("name", '"quoted"', schema), "quoted")
        self.assertEqual(check_type("vmstate", "st:v", schema), "st:v")
        for key, value, message in [
                ("cores", "-1", "type check ('integer') failed - got '-1'"),
                ("cpulimit", ".5", "type check ('number') failed - got '.5'"),
                ("name", "a\rb", "property contains a line feed"),
                ("name", None, "got undefined value"),
                ("vmstate", "s:v", "unable to parse volume ID 's:v'"),
                ("other", "x", "undefined format 'pve-unknown'"),
                ("nope", "x", "unknown setting 'nope'")]:
            e = self.assertRaises(ValueError, check_type, key, value, schema)
            self.assertEqual(str(e), message)
        e = self.assertRaises(ValueError, check_type, "a", "b", None)
        self.assertEqual(str(e), "check_type: no schema defined")


class WarningTests(unittest.SynchronousTestCase):

    def test_unparsable_line(self):
        conf = parse_config("name: x\n  # indented\nName: y\nnoval:\n", 9)
        self.assertEqual(conf.main, {"name": "x"})
        self.assertEqual(conf.warnings, [
            "vm 9 - unable to parse config:   # indented",
            "vm 9 - unable to parse config: Name: y",
            "vm 9 - unable to parse config: noval:"])

    def test_unknown_section_skipped_to_next(self):
        conf = parse_config("[a b]\nname: x\n#ignored\n[PENDING]\nname: y\n", 9)
        self.assertEqual(conf.main, {})
        self.assertIsNone(conf.description)
        self.assertEqual(conf.pending, {"name": "y"})
        self.assertEqual(conf.warnings,
                         ["vm 9 - skipping unknown section: 'a b'"])

    def test_without_vmid(self):
        conf = parse_config("[]\n", None)
        self.assertEqual(conf.warnings, ["skipping unknown section: ''"])

    def test_strict_stops_at_first(self):
        e = self.assertRaises(ConfigError, parse_config,
                              "name: x\n[PENDING]\n[PENDING]\n[?]\n", 100,
                              strict=True)
        self.assertEqual((str(e), e.lineno),
                         ("vm 100 - duplicate section: pending", 3))


class WriterTests(unittest.SynchronousTestCase):

    def test_cdrom_moved_to_ide2(self):
        self.assertEqual(write_config(VMConfig(main={"cdrom": "none"})),
                         "ide2: none\n")
        e = self.assertRaises(ConfigError, write_config, VMConfig(
            main={"cdrom": "none", "ide2": "none"}))
        self.assertEqual(str(e), "option ide2 conflicts with cdrom")

    def test_smp(self):
        self.assertEqual(write_config(VMConfig(
            main={"smp": "4", "cores": "2"})), "sockets: 4\n")
        self.assertEqual(write_config(VMConfig(
            main={"smp": "4", "sockets": "1", "cores": "2"})),
            "cores: 2\nsockets: 1\n")

    def test_unused_dropped_when_volume_used(self):
        conf = VMConfig(
            main={"scsi0": "s:vm-1-disk-0,size=4G", "unused0": "s:vm-1-disk-0",
                  "unused1": "s:vm-1-disk-1", "unused2": "s:vm-1-disk-2"},
            pending={"virtio3": "file=s:vm-1-disk-1"},
            snapshots={"snap": {"scsi1": "s:vm-1-disk-2"}})
        self.assertEqual(write_config(conf).split("\n")[:2],
                         ["scsi0: s:vm-1-disk-0,size=4G",
                          "unused2: s:vm-1-disk-2"])

    def test_value_types(self):
        conf = VMConfig(main={"a": True, "b": 0, "c": 2.5, "d": 3.0})
        self.assertEqual(write_config(conf), "a: 1\nb: 0\nc: 2.5\nd: 3\n")

    def test_refuses_what_would_not_read_back(self):
        for conf, message in [
                (VMConfig(main={"name": "a\nb"}),
                 "unable to parse value of 'name' - "
                 "property contains a line feed"),
                (VMConfig(pending={"Bad Key": "x"}),
                 "unable to parse value of 'Bad Key' - "
                 "unknown setting 'Bad Key'"),
                (VMConfig(snapshots={"s1": {"name": None}}),
                 "unable to parse value of 'name' - got undefined value"),
                (VMConfig(special={"fleecing": {"x": "a\rb"}}),
                 "unable to parse value of 'x' - "
                 "property contains a line feed")]:
            e = self.assertRaises(ConfigError, write_config, conf)
            self.assertEqual(str(e), message)


class DigestTests(unittest.SynchronousTestCase):

    def test_digest_of_raw_text(self):
        raw = "#caf\xe9\nname: x\n"
        want = hashlib.sha1(raw.encode("utf-8")).hexdigest()
        self.assertEqual(parse_config(raw, 1).digest, want)
        self.assertEqual(parse_config(raw.encode("utf-8"), 1).digest, want)
        self.assertEqual(config.digest(raw), want)
        self.assertEqual(config.digest(raw.encode("utf-8")), want)

    def test_digest_changes_with_any_byte(self):
        self.assertNotEqual(parse_config("name: x\n", 1).digest,
                            parse_config("name: x\n\n", 1).digest)


class BadInputTests(unittest.SynchronousTestCase):

    def test_not_text(self):
        e = self.assertRaises(TypeError, parse_config, None, 1)
        self.assertEqual(str(e), "VM config must be str or bytes, not NoneType")
        self.assertRaises(TypeError, config.digest, 5)

    def test_invalid_utf8_kept(self):
        raw = b"name: caf\xe9\n"
        conf = parse_config(raw, 1)
        self.assertEqual(write_config(conf).encode("utf-8", "surrogateescape"),
                         raw)

    def test_error_is_value_error(self):
        e = self.assertRaises(ValueError, parse_config, "garbage\n", 1,
                              strict=True)
        self.assertIsInstance(e, ConfigError)
        self.assertEqual((str(e), e.lineno),
                         ("vm 1 - unable to parse config: garbage", 1))


class DriveTests(unittest.SynchronousTestCase):

    def test_drive_file(self):
        self.assertEqual(config.drive_file("s:v,size=4G"), "s:v")
        self.assertEqual(config.drive_file("media=cdrom,file=s:v"), "s:v")
        self.assertEqual(config.drive_file("volume=s:v"), "s:v")
        self.assertIsNone(config.drive_file("s:v,s:w"))
        self.assertIsNone(config.drive_file("s:v,file=s:w"))
        self.assertIsNone(config.drive_file("size=4G"))
        self.assertIsNone(config.drive_file("s:v,size="))

    def test_drive_names(self):
        self.assertTrue(config.is_valid_drivename("scsi30"))
        self.assertFalse(config.is_valid_drivename("scsi31"))
        self.assertFalse(config.is_valid_drivename("unused0"))
        self.assertEqual(len(config.DRIVE_NAMES), 4 + 31 + 16 + 6 + 2)
