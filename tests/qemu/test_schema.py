"""The schema of a VM's config keys (pve.qemu.schema, pve.qemu.formats)
against qemu-server's messages, Proxmox's API schema and the conformance
configs."""

import copy
import glob
import os
import random
import re

from twisted.trial import unittest

from pve.api import apidata
from pve.api.formats import FormatError, check_format, get_format
from pve.api.schema import ParamError, validate
from pve.qemu import formats as qf
from pve.qemu import schema
from pve.qemu.schema import InvalidValue, check_value

# key: ({accepted value: value returned}, {refused value: Proxmox's message})
CASES = {
    "memory": ({"1024": "1024", "current=2048": "current=2048"},
               {"abc": "format error\ncurrent: type check ('integer') failed - got 'abc'",
                "8": "format error\ncurrent: value must have a minimum value of 16",
                "max=4": "invalid key in comma-separated list property: max"}),
    "cores": ({"4": 4, "007": 7, "0": 0},  # check_type does not check ranges
              {"-1": "type check ('integer') failed - got '-1'",
               "2.5": "type check ('integer') failed - got '2.5'",
               "four": "type check ('integer') failed - got 'four'"}),
    "balloon": ({"0": 0, "512": 512}, {"1G": "type check ('integer') failed - got '1G'"}),
    "cpulimit": ({"1.50": "1.50", "2": "2"},
                 {".5": "type check ('number') failed - got '.5'",
                  "1e3": "type check ('number') failed - got '1e3'"}),
    "onboot": ({"1": 1, "yes": 1, "ON": 1, "true": 1, "0": 0, "off": 0, "False": 0},
               {"maybe": "type check ('boolean') failed - got 'maybe'",
                "2": "type check ('boolean') failed - got '2'"}),
    "numa": ({"0": 0}, {"verify meee~ :)":
                        "type check ('boolean') failed - got 'verify meee~ :)'"}),
    "name": ({"web-01": "web-01", "a.b.c": "a.b.c"},
             {"my vm": "value does not look like a valid DNS name",
              "-x": "value does not look like a valid DNS name"}),
    # no format: neither enum nor pattern is checked, double quotes go
    "ostype": ({"l26": "l26", "foo": "foo"}, {}),
    "lock": ({"backup": "backup"}, {}),
    "vmgenid": ({"1": "1", "c773c261-d800-4348-9f5d-167fadd53cf8":
                 "c773c261-d800-4348-9f5d-167fadd53cf8"}, {}),
    "args": ({'"-no-reboot"': "-no-reboot", "-smbios 'type=0'": "-smbios 'type=0'"}, {}),
    "description": ({"a VM": "a VM"}, {"a\nb": "property contains a line feed",
                                        "a\rb": "property contains a line feed"}),
    "bios": ({"ovmf": "ovmf"}, {}),
    "cpu": ({"host": "host", "x86-64-v2-AES": "x86-64-v2-AES", "custom-mine": "custom-mine",
             "host,flags=+md-clear;+pdpe1gb;-hv-tlbflush,level=30":
             "host,flags=+md-clear;+pdpe1gb;-hv-tlbflush,level=30",
             "kvm64,hidden=1,hv-vendor-id=proxmox,phys-bits=host":
             "kvm64,hidden=1,hv-vendor-id=proxmox,phys-bits=host"},
            {"foo": "Built-in cputype 'foo' is not defined (missing 'custom-' prefix?)",
             "flags=+aes": "CPU is missing cputype",
             "host,flags=+vmx": "VM-specific CPU flags must be a subset of: aes, amd-no-ssb, "
                                "amd-ssbd, hv-evmcs, hv-tlbflush, ibpb, md-clear, nested-virt, "
                                "pcid, pdpe1gb, spec-ctrl, ssbd, virt-ssbd",
             "host,reported-model=kvm64":
             "Property 'reported-model' not allowed in VM-specific CPU config.",
             "host,phys-bits=99": "format error\nphys-bits: invalid format - value must be an "
                                  "integer between 8 and 64 or 'host'",
             "host,flags=aes": "format error\nflags: value does not match the regex pattern"}),
    "machine": ({"q35": "q35", "pc-i440fx-9.2+pve1": "pc-i440fx-9.2+pve1",
                 "q35,viommu=intel,aw-bits=48": "q35,viommu=intel,aw-bits=48"},
                {"foo": "format error\ntype: value does not match the regex pattern"}),
    "boot": ({"order=scsi0;ide2;net0": "order=scsi0;ide2;net0", "cdn": "cdn",
              "order=hostpci15;usb13": "order=hostpci15;usb13"},
             {"order=scsi0;efidisk0":
              "format error\norder: invalid format - invalid boot device 'efidisk0'",
              "order=net32": "format error\norder: invalid format - invalid boot device 'net32'",
              "abc": "format error\nlegacy: value does not match the regex pattern"}),
    "bootdisk": ({"scsi0": "scsi0", "efidisk0": "efidisk0"},
                 {"scsi31": "invalid boot disk 'scsi31'"}),
    "vga": ({"qxl,memory=32": "qxl,memory=32", "serial0": "serial0"},
            {"qxl,memory=1024": "format error\nmemory: value must have a maximum value of 512",
             "vesa": "format error\ntype: value 'vesa' does not have a value in the "
                     "enumeration 'cirrus, qxl, qxl2, qxl3, qxl4, none, serial0, serial1, "
                     "serial2, serial3, std, virtio, virtio-gl, vmware'"}),
    "agent": ({"1": "1", "1,fstrim_cloned_disks=1,type=isa": "1,fstrim_cloned_disks=1,type=isa",
               "enabled=1,freeze-fs-on-backup=0": "enabled=1,freeze-fs-on-backup=0"},
              {"enabled=2": "format error\nenabled: type check ('boolean') failed - got '2'",
               "type=virtio": "format error\nenabled: property is missing and it is not "
                              "optional"}),
    "tags": ({"a;b c": "a;b c", "prod": "prod"}, {"a;b$": "invalid characters in tag"}),
    "smbios1": ({"uuid=7b10d7af-b932-4c66-b2c3-3996152ec465,base64=1,serial=QUJD":
                 "uuid=7b10d7af-b932-4c66-b2c3-3996152ec465,base64=1,serial=QUJD"},
                {"uuid=bad": "format error\nuuid: value does not match the regex pattern"}),
    "scsihw": ({"virtio-scsi-single": "virtio-scsi-single"}, {}),
    "hookscript": ({"local:snippets/hook.pl": "local:snippets/hook.pl"},
                   {"hook.pl": "unable to parse volume ID 'hook.pl'"}),
    "hotplug": ({"0": "0", "1": "1", "disk,cpu memory": "disk,cpu memory"},
                {"disk,cpux": "invalid hotplug feature 'cpux'"}),
    "affinity": ({"0-3,5": "0-3,5"}, {"3-1": "unable to parse cpuset option",
                                      "a": "unable to parse cpuset option"}),
    "startup": ({"order=1,up=30": "order=1,up=30"},
                {"order=1,up=x": "unable to parse startup options"}),
    "template": ({"1": 1}, {}),
    "scsi0": ({"local-lvm:vm-100-disk-0,iothread=1,size=32G":
               "local-lvm:vm-100-disk-0,iothread=1,size=32G", "/dev/sdb": "/dev/sdb"},
              {"/dev/sdb,cyls=4": "invalid key in comma-separated list property: cyls",
               "local-lvm:vm-100-disk-0,cache=fast":
               "format error\ncache: value 'fast' does not have a value in the enumeration "
               "'none, writethrough, writeback, unsafe, directsync'",
               "local:1,model=x": "invalid key in comma-separated list property: model",
               "local:1,import-from=local:2":
               "invalid key in comma-separated list property: import-from",
               "local:1,size=big": "format error\nsize: invalid format - value does not look "
                                   "like a valid disk size: big\n",
               "size=4G": "format error\nfile: property is missing and it is not optional"}),
    "ide2": ({"none,media=cdrom": "none,media=cdrom", "cdrom,media=cdrom": "cdrom,media=cdrom",
              "local:iso/d.iso,media=cdrom,model=QEMU%20DVD":
              "local:iso/d.iso,media=cdrom,model=QEMU%20DVD"},
             {"foo.iso,media=cdrom":
              "format error\nfile: invalid format - unable to parse volume ID 'foo.iso'\n",
              "local:1,iothread=1": "invalid key in comma-separated list property: iothread"}),
    "cdrom": ({"local:iso/d.iso": "local:iso/d.iso"}, {}),
    "sata5": ({"local:100/vm-100-disk-0.qcow2,ssd=1": "local:100/vm-100-disk-0.qcow2,ssd=1"},
              {}),
    "virtio15": ({"rbd:vm-100-disk-1,iothread=1,ro=1": "rbd:vm-100-disk-1,iothread=1,ro=1"},
                 {"rbd:x,ssd=1": "invalid key in comma-separated list property: ssd"}),
    "efidisk0": ({"local:100/vm-100-disk-1.qcow2,efitype=4m,pre-enrolled-keys=1,size=528K":
                  "local:100/vm-100-disk-1.qcow2,efitype=4m,pre-enrolled-keys=1,size=528K"},
                 {"local:1,efitype=1m": "format error\nefitype: value '1m' does not have a "
                                        "value in the enumeration '2m, 4m'"}),
    "tpmstate0": ({"local:100/vm-100-disk-2.raw,version=v2.0":
                   "local:100/vm-100-disk-2.raw,version=v2.0"}, {}),
    "unused0": ({"rbd:vm-120-disk-0": "rbd:vm-120-disk-0"},
                {"/dev/sda": "format error\nfile: invalid format - unable to parse volume ID "
                             "'/dev/sda'\n"}),
    "net0": ({"virtio=AA:BB:CC:DD:EE:FF,bridge=vmbr0,firewall=1":
              "virtio=AA:BB:CC:DD:EE:FF,bridge=vmbr0,firewall=1",
              "e1000,bridge=vmbr0,tag=10,rate=1.5,queues=4,mtu=1,link_down=1,trunks=2;4-6":
              "e1000,bridge=vmbr0,tag=10,rate=1.5,queues=4,mtu=1,link_down=1,trunks=2;4-6",
              "virtio=AA:BB:CC:DD:EE:FF,host-tunnel=1": "virtio=AA:BB:CC:DD:EE:FF,host-tunnel=1"},
             {"foo=bar": "invalid key in comma-separated list property: foo",
              "bridge=vmbr0": "format error\nmodel: property is missing and it is not optional",
              "virtio=01:BB:CC:DD:EE:FF": "format error\nmacaddr: invalid format - value does "
                                          "not look like a valid unicast MAC address\n",
              "virtio,e1000=AA:BB:CC:DD:EE:FF": "key alias 'model' is already defined",
              "virtio,tag=4095": "format error\ntag: value must have a maximum value of 4094"}),
    "ipconfig0": ({"ip=10.0.0.2/24,gw=10.0.0.1": "ip=10.0.0.2/24,gw=10.0.0.1",
                   "ip6=auto": "ip6=auto"},
                  {"gw=10.0.0.1": "format error\nip: missing property required by 'gw'"}),
    "serial3": ({"socket": "socket", "/dev/ttyS0": "/dev/ttyS0"}, {}),
    "usb0": ({"host=1234:5678,usb3=1": "host=1234:5678,usb3=1", "spice": "spice",
              "host=1-2.3": "host=1-2.3", "mapping=mykbd": "mapping=mykbd"},
             {"host=bad": "format error\nhost: value does not match the regex pattern"}),
    "hostpci0": ({"0000:01:00.0;0000:01:00.1,pcie=1,x-vga=1":
                  "0000:01:00.0;0000:01:00.1,pcie=1,x-vga=1"},
                 {"01:00.0,vendor-id=8086": "format error\nvendor-id: value does not match "
                                            "the regex pattern"}),
    "numa0": ({"cpus=0-3,hostnodes=0,memory=1024,policy=bind":
               "cpus=0-3,hostnodes=0,memory=1024,policy=bind"},
              {"memory=1024": "format error\ncpus: property is missing and it is not "
                              "optional"}),
    "rng0": ({"source=/dev/urandom,max_bytes=1024": "source=/dev/urandom,max_bytes=1024"}, {}),
    "amd-sev": ({"type=snp,allow-smt=0": "type=snp,allow-smt=0"},
                {"type=xxxx": "format error\ntype: value may only be 3 characters long"}),
    "watchdog": ({"model=i6300esb,action=reset": "model=i6300esb,action=reset"}, {}),
    "meta": ({"creation-qemu=9.0.2,ctime=1725975013": "creation-qemu=9.0.2,ctime=1725975013"},
             {}),
    "parent": ({"snap": "snap"}, {"1st": "invalid configuration ID '1st'"}),
    "vmstate": ({"local:100/vm-100-state-snap.raw": "local:100/vm-100-state-snap.raw"}, {}),
    "foo": ({}, {"bar": "unknown setting 'foo'"}),
    "digest": ({}, {"abc": "unknown setting 'digest'"}),
    "scsi31": ({}, {"local:1": "unknown setting 'scsi31'"}),
    "net32": ({}, {"virtio": "unknown setting 'net32'"}),
}


class CheckValueTests(unittest.SynchronousTestCase):

    def test_cases(self):
        for key, (good, bad) in CASES.items():
            for value, expected in good.items():
                self.assertEqual(check_value(key, value), expected, (key, value))
            for value, message in bad.items():
                exc = self.assertRaises(InvalidValue, check_value, key, value)
                self.assertEqual(str(exc), message.rstrip("\n"), (key, value))
                self.assertEqual(exc.key, key)

    def test_types(self):
        self.assertIs(type(check_value("onboot", "yes")), int)
        self.assertEqual(check_value("sockets", 2), 2)
        exc = self.assertRaises(InvalidValue, check_value, "name", None)
        self.assertEqual(str(exc), "got undefined value")
        self.assertIsInstance(exc, ValueError)

    def test_special_sections(self):
        key, value = "fleecing-images", "local:100/vm-100-fleece-0.qcow2"
        self.assertEqual(check_value(key, value, schema.FLEECING_PROPERTIES), value)
        exc = self.assertRaises(InvalidValue, check_value, key, "x", schema.FLEECING_PROPERTIES)
        self.assertEqual(str(exc), "unable to parse volume ID 'x'")
        exc = self.assertRaises(InvalidValue, check_value, "memory", "1",
                                schema.FLEECING_PROPERTIES)
        self.assertEqual(str(exc), "unknown setting 'memory'")

    def test_api_validation_checks_enums_and_ranges(self):
        props = {"type": "object", "properties": {
            k: schema.API_PROPERTIES[k] for k in ("ostype", "cores", "scsi0")}}
        self.assertEqual(validate({"cores": "2", "scsi0": "local:4,import-from=local:1"}, props),
                         {"cores": 2, "scsi0": "local:4,import-from=local:1"})
        exc = self.assertRaises(ParamError, validate, {"ostype": "foo", "cores": "0"}, props)
        self.assertEqual(exc.errors, {
            "cores": "value must have a minimum value of 1",
            "ostype": "value 'foo' does not have a value in the enumeration 'other, wxp, w2k, "
                      "w2k3, w2k8, wvista, win7, win8, win10, win11, l24, l26, solaris'"})


class KeysTests(unittest.SynchronousTestCase):

    def test_brief_keys(self):
        for key in ("name", "memory", "balloon", "cores", "sockets", "vcpus", "cpu", "numa",
                    "ostype", "machine", "bios", "boot", "bootdisk", "vga", "agent", "onboot",
                    "tags", "description", "smbios1", "vmgenid", "scsihw", "efidisk0", "args",
                    "hookscript", "lock", "template", "tpmstate0", "cdrom", "runningmachine"):
            self.assertIn(key, schema.CONFIG_PROPERTIES)

    def test_indexed_maxima(self):
        for base, count in (("ide", 4), ("sata", 6), ("scsi", 31), ("virtio", 16), ("net", 32),
                            ("ipconfig", 32), ("serial", 4), ("parallel", 3), ("usb", 14),
                            ("hostpci", 16), ("numa", 8), ("virtiofs", 10), ("unused", 256)):
            found = sorted(int(k[len(base):]) for k in schema.CONFIG_PROPERTIES
                           if re.fullmatch(base + r"\d+", k))
            self.assertEqual(found, list(range(count)), base)
        self.assertNotIn("efidisk1", schema.CONFIG_PROPERTIES)

    def test_api_keys(self):
        for key in schema.INTERNAL_KEYS:
            self.assertIn(key, schema.CONFIG_PROPERTIES)
            self.assertNotIn(key, schema.API_PROPERTIES)
        self.assertEqual(set(schema.CONFIG_PROPERTIES) - set(schema.INTERNAL_KEYS),
                         set(schema.API_PROPERTIES))
        for key in ("digest", "delete", "revert", "skiplock", "node", "vmid", "force"):
            self.assertNotIn(key, schema.API_PROPERTIES)
        self.assertIn("import-from", schema.API_PROPERTIES["scsi0"]["format"])
        self.assertNotIn("import-from", schema.CONFIG_PROPERTIES["scsi0"]["format"])
        self.assertNotIn("import-from", schema.API_PROPERTIES["unused0"]["format"])

    def test_properties_copy(self):
        props = schema.properties(with_alloc=True)
        props["net0"]["format"]["model"]["enum"].append("x")
        self.assertNotIn("x", qf.NIC_MODELS)


class FormatsTests(unittest.SynchronousTestCase):

    def test_registered(self):
        for name in ("pve-volume-id", "pve-volume-id-or-qm-path",
                     "pve-volume-id-or-absolute-path", "pve-cpuset", "pve-hotplug-features",
                     "pve-qm-bootdisk", "pve-qm-bootdev", "pve-phys-bits", "pve-qm-ide",
                     "pve-qm-boot", "pve-qm-smbios1", "pve-qm-watchdog", "pve-qm-cicustom",
                     "pve-qm-ipconfig", "pve-qm-hostpci", "pve-qm-usb", "pve-qm-rng",
                     "pve-qm-virtiofs", "pve-qm-numanode", "pve-qemu-machine-fmt",
                     "pve-qemu-sev-fmt", "pve-qemu-tdx-fmt", "pve-cpu-conf", "pve-vm-cpu-conf"):
            self.assertIsNotNone(get_format(name), name)
        self.assertIs(get_format("pve-qm-ide"), qf.IDE_FMT)

    def test_register_keeps_existing(self):
        qf._register("pve-qm-ide", {})
        qf._register("string", lambda value: None)
        self.assertIs(get_format("pve-qm-ide"), qf.IDE_FMT)
        self.assertEqual(check_format("string", "x"), "x")

    def test_function_formats(self):
        cases = {
            "pve-volume-id": (["local:iso/a.iso", "rbd-1:vm-1-disk-0"],
                              {"a:b": "unable to parse volume ID 'a:b'"}),
            "pve-volume-id-or-qm-path": (["none", "cdrom", "/dev/sdb", "local:1"],
                                         {"sdb": "unable to parse volume ID 'sdb'"}),
            "pve-volume-id-or-absolute-path": (["/tmp/x.raw"], {"cdrom": "unable to parse "
                                                                         "volume ID 'cdrom'"}),
            "pve-cpuset": (["0", "0-3,8", ""], {"1,,2": "unable to parse cpuset option"}),
            "pve-phys-bits": (["host", "8", "64"],
                              {"7": "value must be an integer between 8 and 64 or 'host'",
                               "100": "value must be an integer between 8 and 64 or 'host'"}),
            "pve-qm-bootdev": (["ide0", "virtio15", "net31", "usb13", "hostpci0"],
                               {"tpmstate0": "invalid boot device 'tpmstate0'",
                                "usb14": "invalid boot device 'usb14'",
                                "net01": "invalid boot device 'net01'"}),
            "pve-qm-bootdisk": (["sata5", "tpmstate0"], {"unused0": "invalid boot disk "
                                                                    "'unused0'"}),
        }
        for name, (good, bad) in cases.items():
            for value in good:
                check_format(name, value)
            for value, message in bad.items():
                exc = self.assertRaises(FormatError, check_format, name, value)
                self.assertEqual(exc.message, message, (name, value))

    def test_hotplug_and_cpuset(self):
        self.assertEqual(qf.parse_hotplug_features("1"), {"network", "disk", "usb"})
        self.assertEqual(qf.parse_hotplug_features("0"), set())
        self.assertEqual(qf.parse_cpuset("0-2,5"), {0, 1, 2, 5})
        self.assertEqual(qf.valid_drive_names()[:2], ["ide0", "ide1"])
        self.assertEqual(qf.valid_drive_names()[-3:], ["sata5", "efidisk0", "tpmstate0"])

    def test_reported_models(self):
        enum = qf.CPU_FMT["reported-model"]["enum"]
        self.assertEqual(enum, sorted(enum, key=str.lower))
        for model in ("kvm64", "host", "max", "EPYC-Genoa", "cortex-a72", "486"):
            self.assertIn(model, enum)


class DriveTests(unittest.SynchronousTestCase):

    def test_parse(self):
        drive = schema.parse_drive(
            "scsi0", "volume=local-lvm:vm-100-disk-0,size=32G,iothread=on,discard=on,"
                     "mbps_rd=1.50,cyls=4,bps_rd_length=3,mbps_rd_max=2,iops=100")
        self.assertEqual(drive, {"file": "local-lvm:vm-100-disk-0", "size": 32 * 1024 ** 3,
                                 "iothread": 1, "discard": "on", "mbps_rd": 1.5, "iops": 100,
                                 "bps_rd_max_length": 3, "mbps_rd_max": 2,
                                 "interface": "scsi", "index": 0})
        self.assertEqual(schema.print_drive(drive),
                         "local-lvm:vm-100-disk-0,bps_rd_max_length=3,discard=on,iops=100,"
                         "iothread=1,mbps_rd=1.5,mbps_rd_max=2,size=32G")

    def test_refused(self):
        warnings = []
        for key, value in (("scsi0", "local:1,cache=fast"), ("cdrom", "local:1"),
                           ("ide2", "local:iso/a.iso,media=cdrom,snapshot=1"),
                           ("ide2", "local:iso/a.iso,media=cdrom,format=raw"),
                           ("virtio0", "local:iso/a.iso,media=cdrom"),
                           ("scsi0", "local:1,mbps=1,mbps_rd=2"),
                           ("scsi0", "local:1,iops=1,iops_wr=2")):
            self.assertIsNone(schema.parse_drive(key, value, warn=warnings.append), value)
        self.assertEqual(warnings, [])
        self.assertIsNone(schema.parse_drive("scsi31", "local:1", warn=warnings.append))
        self.assertIsNone(schema.parse_drive("scsi0", "local:1,iops_max_length=3",
                                             warn=warnings.append))
        self.assertIsNone(schema.parse_drive("scsi0", "local:1,bps=1,mbps=2",
                                             warn=warnings.append))
        self.assertEqual(warnings, ["invalid drive key: scsi31",
                                    "iops_max_length requires iops_max",
                                    "both bps and mbps specified"])

    def test_bps_as_proxmox_converts_it(self):
        # PVE::QemuServer::Drive converts defined($bps), that is 1, into MiB/s.
        drive = schema.parse_drive("virtio1", "local:1,bps=10485760")
        self.assertEqual(drive["mbps"], "0.000")
        self.assertNotIn("bps", drive)
        self.assertEqual(schema.print_drive(drive), "local:1,mbps=0.000")

    def test_alloc_and_unused(self):
        self.assertIsNone(schema.parse_drive("scsi0", "local:4,import-from=local:1"))
        drive = schema.parse_drive("scsi0", "local:4,import-from=local:1", with_alloc=True)
        self.assertEqual(schema.print_drive(drive, with_alloc=True),
                         "local:4,import-from=local:1")
        self.assertRaises(FormatError, schema.print_drive, drive)
        unused = schema.parse_drive("unused3", "rbd:vm-100-disk-1")
        self.assertEqual((unused["interface"], unused["index"]), ("unused", 3))
        self.assertEqual(schema.print_drive(unused), "rbd:vm-100-disk-1")

    def test_efidisk_and_tpm(self):
        for key, value in (("efidisk0", "local:100/vm-100-disk-1.qcow2,efitype=4m,"
                                        "pre-enrolled-keys=1,size=528K"),
                           ("tpmstate0", "local:100/vm-100-disk-2.raw,size=4M,version=v2.0")):
            self.assertEqual(schema.print_drive(schema.parse_drive(key, value)), value)

    def test_print_errors(self):
        exc = self.assertRaises(FormatError, schema.print_drive, {"file": "/dev/a,b"})
        self.assertEqual(exc.message, "illegal value with commas for file")
        exc = self.assertRaises(FormatError, schema.print_drive, {"media": "disk"})
        self.assertEqual(exc.errors, {"file": "property is missing and it is not optional"})

    def test_sizes(self):
        self.assertEqual([schema.format_size(n) for n in (1000, 1024, 528 * 1024, 4 * 1024 ** 3,
                                                          2 * 1024 ** 4, 1536 * 1024 ** 2)],
                         ["1000", "1K", "528K", "4G", "2T", "1536M"])

    def test_filename_to_volume_id(self):
        self.assertEqual(schema.filename_to_volume_id(100, "a.iso", "cdrom"), "local:iso/a.iso")
        self.assertEqual(schema.filename_to_volume_id(100, "a.raw"), "local:100/a.raw")
        self.assertEqual(schema.filename_to_volume_id(100, "/dev/sdb"), "/dev/sdb")
        self.assertIsNone(schema.filename_to_volume_id(100, "dir/a.raw"))


class NetTests(unittest.SynchronousTestCase):

    def test_round_trip(self):
        net = schema.parse_net("bridge=vmbr0,virtio=AA:BB:CC:DD:EE:FF,firewall=on,tag=5,rate=0")
        self.assertEqual(net, {"model": "virtio", "macaddr": "AA:BB:CC:DD:EE:FF",
                               "bridge": "vmbr0", "firewall": 1, "tag": 5, "rate": 0})
        self.assertEqual(schema.print_net(net),
                         "virtio=AA:BB:CC:DD:EE:FF,bridge=vmbr0,firewall=1,rate=0,tag=5")
        self.assertEqual(schema.print_net({"model": "e1000", "bridge": "vmbr1", "mtu": 9000}),
                         "e1000,bridge=vmbr1,mtu=9000")
        self.assertEqual(schema.print_net({"model": "virtio", "macaddr": "AA:BB:CC:DD:EE:FF",
                                           "queues": 4}),
                         "virtio=AA:BB:CC:DD:EE:FF,queues=4")

    def test_refused_and_mac(self):
        warnings = []
        self.assertIsNone(schema.parse_net("bridge=vmbr0", warn=warnings.append))
        self.assertEqual(warnings, ["format error\nmodel: property is missing and it is not "
                                    "optional\n"])
        rng = random.Random(7)
        net = schema.parse_net("e1000,bridge=vmbr0",
                               random_mac=lambda: schema.random_ether_addr(rng, "bc:24:11"))
        self.assertRegex(net["macaddr"], r"^BC:24:11(:[0-9A-F]{2}){3}$")
        for _ in range(20):
            mac = schema.random_ether_addr(rng)
            self.assertEqual(int(mac[:2], 16) & 3, 2, mac)
            check_format("mac-addr", mac)


def conformance_dir():
    path = apidata.conformance_dir() / "qemu-server"
    if not path.is_dir():
        raise unittest.SkipTest(f"no conformance data at {path}")
    return path


def sections(text):
    """(section, key, value) of each setting, as parse_vm_config splits them."""
    section = "main"
    for line in text.split("\n"):
        if not line.strip() or line.startswith("#"):
            continue
        m = re.match(r"^\[([^\]]*)\]\s*$", line)
        if m:
            section = m.group(1)
            continue
        m = re.match(r"^([a-z][a-z_\-]*\d*):\s*(.+?)\s*$", line)
        if m:
            yield section, m.group(1), m.group(2)


class ConformanceTests(unittest.SynchronousTestCase):

    def test_cfg2cmd_main_sections(self):
        files = glob.glob(os.path.join(conformance_dir(), "cfg2cmd", "**", "*.conf"),
                          recursive=True)
        self.assertGreater(len(files), 80)
        checked, refused = 0, []
        for path in files:
            with open(path, encoding="utf-8") as f:
                for section, key, value in sections(f.read()):
                    if section != "main" or key == "description":
                        continue
                    try:
                        check_value(key, value)
                        checked += 1
                    except InvalidValue as exc:
                        refused.append((os.path.basename(path), key, value, str(exc)))
        self.assertEqual(refused, [])
        self.assertGreater(checked, 700)

    def test_cfg2cmd_drives_and_nets_round_trip(self):
        files = glob.glob(os.path.join(conformance_dir(), "cfg2cmd", "**", "*.conf"),
                          recursive=True)
        for path in files:
            with open(path, encoding="utf-8") as f:
                for section, key, value in sections(f.read()):
                    if qf.is_valid_drivename(key) or key.startswith("unused"):
                        parsed = schema.parse_drive(key, value)
                        again = schema.parse_drive(key, schema.print_drive(parsed))
                    elif re.fullmatch(r"net\d+", key):
                        parsed = schema.parse_net(value)
                        again = schema.parse_net(schema.print_net(parsed))
                    else:
                        continue
                    self.assertIsNotNone(parsed, (path, key, value))
                    self.assertEqual(again, parsed, (path, key, value))

    def test_parse_config_strict_errors(self):
        """The value errors of parse-config-expected/*.strict.error, word for word."""
        folder = conformance_dir()
        found = 0
        for expected in glob.glob(os.path.join(folder, "parse-config-expected",
                                               "*.strict.error")):
            with open(expected, encoding="utf-8") as f:
                error = f.read().rstrip("\n")
            m = re.fullmatch(r"vm (\d+) - unable to parse value of '([^']+)' - (.*)", error,
                             re.S)
            if not m:
                continue  # section errors: the parser's business
            name = os.path.basename(expected)[:-len(".strict.error")]
            with open(os.path.join(folder, "parse-config-input", name), encoding="utf-8") as f:
                text = f.read()
            first = None
            for section, key, value in sections(text):
                if key in ("description", "args", "delete", "snapstate") \
                        or section.startswith("special:"):
                    continue
                try:
                    check_value(key, value)
                except InvalidValue as exc:
                    first = (key, str(exc))
                    break
            self.assertEqual(first, (m.group(2), m.group(3)), name)
            found += 1
        self.assertGreaterEqual(found, 2)


class ApidataTests(unittest.SynchronousTestCase):
    """Every key we declare is Proxmox's property of the create/update API,
    typetext included (which our apidata generator derives from the formats
    registered here), but for the sub-properties of qemu-server 9.2 the API
    schema of 9.1 does not have yet (qf.NEWER_THAN_9_1)."""

    API_ONLY = {"digest", "delete", "revert", "skiplock", "node", "vmid", "force",
                "background_delay"}

    def upstream(self, path, method):
        try:
            info = apidata.schema_from_apidata(path, method)
        except (FileNotFoundError, KeyError) as exc:
            raise unittest.SkipTest(f"no conformance data: {exc}")
        return info["parameters"]["properties"]

    def ours(self):
        props = copy.deepcopy(schema.API_PROPERTIES)
        for key, prop in props.items():
            if re.fullmatch(r"net\d+", key):
                for sub in qf.NEWER_THAN_9_1["NET_FMT"]:
                    prop["format"].pop(sub, None)
        return apidata.clone_schema({"properties": props})["properties"]

    def test_update_config(self):
        self.compare(self.upstream("/nodes/{node}/qemu/{vmid}/config", "PUT"))

    def test_create(self):
        theirs = self.upstream("/nodes/{node}/qemu", "POST")
        theirs = {k: v for k, v in theirs.items() if k not in (
            "archive", "bwlimit", "ha-managed", "import-working-storage", "live-restore",
            "pool", "start", "storage", "unique")}
        self.compare(theirs)

    def compare(self, theirs):
        ours = self.ours()
        self.assertEqual(sorted(ours), sorted(set(theirs) - self.API_ONLY))
        cpu_fmt = {k: v for k, v in qf.CPU_FMT.items()
                   if k not in qf.NEWER_THAN_9_1["CPU_FMT"]}
        ours["cpu"]["typetext"] = apidata.generate_typetext(cpu_fmt)
        for key, prop in ours.items():
            self.assertEqual(prop, theirs[key], key)
