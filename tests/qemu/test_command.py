"""A VM's QEMU command line (pve.qemu.command) for representative configs:
data in, argv out, no QEMU run (tests.conformance.test_qemu_cfg2cmd runs
them)."""

from twisted.trial import unittest

from pve.paths import Paths
from pve.qemu import command
from pve.qemu.command import (CommandError, UnsupportedConfig, build, build_command,
                              format_command, shell_quote)
from pve.qemu.config import parse_config
from pve.qemu.cpu import parse_cpu_models
from pve.qemu.hostinfo import HostInfo
from pve.qemu.schema import check_value
from pve.storage.config import parse_storage_cfg

ROOT = "/pve"
VMID = 100
STORAGE = parse_storage_cfg(b"""\
dir: local
\tpath /var/lib/vz
\tcontent images,iso,vztmpl

dir: isos
\tpath /srv/isos
\tcontent iso

dir: elsewhere
\tpath /srv/other
\tcontent images
\tnodes othernode

lvmthin: local-lvm
\tthinpool data
\tvgname pve
\tcontent images
""")[0]


def host(**changes):
    facts = dict(kvm=True, cpus=16, cpu_vendor="GenuineIntel", cpu_flags=frozenset(["vmx"]),
                 phys_bits=46, vhost_net=True,
                 bridge_mtu={"vmbr0": 1500, "vmbr1": 9000}.get, exists=lambda path: True,
                 next_spice_port=lambda address: 61000)
    facts.update(changes)
    return HostInfo(**facts)


def conf_of(text):
    return parse_config(text, VMID, strict=True, check=check_value)


def argv_of(text, **options):
    options.setdefault("host", host())
    return build_command(conf_of(text), VMID, Paths(ROOT), STORAGE, "node1", warn=lambda m: None,
                         **options)


def option(argv, name, all=False):
    """The values following *name* in *argv* (the first one unless *all*)."""
    values = [argv[i + 1] for i, arg in enumerate(argv[:-1]) if arg == name]
    return values if all else (values[0] if values else None)


def devices(argv):
    return option(argv, "-device", all=True)


class BasicsTests(unittest.SynchronousTestCase):

    def test_minimal(self):
        """The fixed options, runtime files under PVE_ROOT, no -daemonize."""
        argv = argv_of("name: web\n")
        self.assertEqual(argv[0], "/usr/bin/qemu-system-x86_64")
        self.assertNotIn("-id", argv)
        self.assertNotIn("-daemonize", argv)
        self.assertEqual(option(argv, "-name"), "web,debug-threads=on")
        self.assertIn("-no-shutdown", argv)
        self.assertIn("-nodefaults", argv)
        self.assertEqual(option(argv, "-chardev", all=True), [
            "socket,id=qmp,path=/pve/run/qemu-server/100.qmp,server=on,wait=off",
            "socket,id=qmp-event,path=/pve/run/qmeventd.sock,reconnect=5"])
        self.assertEqual(option(argv, "-mon", all=True),
                         ["chardev=qmp,mode=control", "chardev=qmp-event,mode=control"])
        self.assertEqual(option(argv, "-pidfile"), "/pve/run/qemu-server/100.pid")
        self.assertEqual(option(argv, "-vnc"), "unix:/pve/run/qemu-server/100.vnc,password=on")
        self.assertEqual(option(argv, "-boot"), "menu=on,strict=on,reboot-timeout=1000")
        self.assertEqual(option(argv, "-smp"), "1,sockets=1,cores=1,maxcpus=1")
        self.assertEqual(option(argv, "-m"), "512")
        self.assertEqual(option(argv, "-machine"), "accel=kvm,type=pc")

    def test_default_name_and_daemonize(self):
        argv = build(conf_of("cores: 2\n"), VMID, Paths(ROOT), STORAGE, "node1", host=host(),
                     daemonize=True).argv
        self.assertEqual(option(argv, "-name"), "vm100,debug-threads=on")
        self.assertIn("-daemonize", argv)

    def test_smbios(self):
        argv = argv_of("smbios1: uuid=3dd750ce-d910-44d0-9493-525c0be4e687,"
                       "manufacturer=QSxC,base64=1\n")
        self.assertEqual(option(argv, "-smbios"),
                         "type=1,manufacturer=A,,B,uuid=3dd750ce-d910-44d0-9493-525c0be4e687")

    def test_args_appended(self):
        argv = argv_of("args: -device 'isa-debugcon,iobase=0x402' -S\n")
        self.assertEqual(argv[-3:], ["-device", "isa-debugcon,iobase=0x402", "-S"])

    def test_kvm_missing(self):
        e = self.assertRaises(CommandError, argv_of, "name: a\n", host=host(kvm=False))
        self.assertEqual(str(e), "KVM virtualisation configured, but not available. Either "
                                 "disable in VM configuration or enable in BIOS.")
        self.assertNotIsInstance(e, UnsupportedConfig)

    def test_tcg(self):
        """kvm=False (or kvm: 0) runs TCG: qemu64, no enforce."""
        for argv in (argv_of("name: a\n", kvm=False), argv_of("kvm: 0\n", host=host(kvm=False))):
            self.assertEqual(option(argv, "-cpu"), "qemu64")
            self.assertEqual(option(argv, "-machine"), "accel=tcg,type=pc")

    def test_too_many_vcpus(self):
        e = self.assertRaises(CommandError, argv_of, "sockets: 2\ncores: 4\n",
                              host=host(cpus=4))
        self.assertEqual(str(e), "MAX 4 vcpus allowed per VM on this node")

    def test_cpu_hotplug(self):
        argv = argv_of("hotplug: cpu\nsockets: 2\ncores: 2\nvcpus: 3\n")
        self.assertEqual(option(argv, "-smp"), "1,sockets=2,cores=2,maxcpus=4")
        self.assertEqual(devices(argv)[:2], [
            "kvm64-x86_64-cpu,id=cpu2,socket-id=0,core-id=1,thread-id=0",
            "kvm64-x86_64-cpu,id=cpu3,socket-id=1,core-id=0,thread-id=0"])

    def test_windows_timer(self):
        argv = argv_of("ostype: win10\n")
        self.assertIn("kvm-pit.lost_tick_policy=discard", option(argv, "-global", all=True))
        self.assertEqual(option(argv, "-rtc"), "driftfix=slew,base=localtime")
        self.assertEqual(option(argv, "-machine"), "hpet=off,accel=kvm,type=pc-i440fx-5.1")
        self.assertIn("VGA,id=vga,bus=pci.0,addr=0x2,edid=off", devices(argv))

    def test_startdate_and_acpi(self):
        argv = argv_of("startdate: 2020-01-11\nacpi: 0\nreboot: 0\nfreeze: 1\n"
                       "keyboard: de\n")
        self.assertEqual(option(argv, "-rtc"), "base=2020-01-11")
        self.assertEqual(option(argv, "-machine"), "acpi=off,accel=kvm,type=pc")
        self.assertIn("-no-reboot", argv)
        self.assertIn("-S", argv)
        self.assertEqual(option(argv, "-k"), "de")


class DiskTests(unittest.SynchronousTestCase):

    def test_disk_on_dir_storage(self):
        argv = argv_of("scsi0: local:100/vm-100-disk-0.qcow2,size=32G,discard=on\n"
                       "boot: order=scsi0\n")
        self.assertEqual(option(argv, "-drive"),
                         "file=/pve/var/lib/vz/images/100/vm-100-disk-0.qcow2,if=none,"
                         "id=drive-scsi0,discard=on,format=qcow2,cache=none,aio=io_uring,"
                         "detect-zeroes=unmap")
        self.assertIn("lsi,id=scsihw0,bus=pci.0,addr=0x5", devices(argv))
        self.assertIn("scsi-hd,bus=scsihw0.0,scsi-id=0,drive=drive-scsi0,id=scsi0,bootindex=100",
                      devices(argv))

    def test_virtio_scsi_single_iothread(self):
        argv = argv_of("scsihw: virtio-scsi-single\n"
                       "scsi1: local:100/vm-100-disk-1.raw,iothread=1,cache=writeback\n")
        self.assertEqual(option(argv, "-object"), "iothread,id=iothread-virtioscsi1")
        self.assertIn("virtio-scsi-pci,id=virtioscsi1,bus=pci.3,addr=0x2,"
                      "iothread=iothread-virtioscsi1", devices(argv))
        self.assertIn("pci-bridge,id=pci.3,chassis_nr=3,bus=pci.0,addr=0x5", devices(argv))
        self.assertIn("scsi-hd,bus=virtioscsi1.0,channel=0,scsi-id=0,lun=1,"
                      "drive=drive-scsi1,id=scsi1", devices(argv))
        self.assertEqual(option(argv, "-drive"),
                         "file=/pve/var/lib/vz/images/100/vm-100-disk-1.raw,if=none,"
                         "id=drive-scsi1,cache=writeback,format=raw,aio=io_uring,"
                         "detect-zeroes=on")

    def test_virtio_sata_ide(self):
        argv = argv_of("virtio0: local:100/vm-100-disk-0.raw,iothread=1\n"
                       "sata1: local:100/vm-100-disk-1.raw,ssd=1\n"
                       "ide1: /dev/sdb,model=Big%2C%20Disk\n")
        self.assertIn("iothread,id=iothread-virtio0", option(argv, "-object", all=True))
        self.assertIn("virtio-blk-pci,drive=drive-virtio0,id=virtio0,bus=pci.0,addr=0xa,"
                      "iothread=iothread-virtio0", devices(argv))
        self.assertIn("ahci,id=ahci0,multifunction=on,bus=pci.0,addr=0x7", devices(argv))
        self.assertIn("ide-hd,bus=ahci0.1,drive=drive-sata1,id=sata1,rotation_rate=1",
                      devices(argv))
        self.assertIn("ide-hd,bus=ide.0,unit=1,drive=drive-ide1,id=ide1,model=Big,, Disk",
                      devices(argv))
        # a host path is mapped under PVE_ROOT, like storage paths
        self.assertIn("file=/pve/dev/sdb,if=none,id=drive-ide1,format=raw,cache=none,"
                      "aio=io_uring,detect-zeroes=on", option(argv, "-drive", all=True))

    def test_cdrom_iso(self):
        argv = argv_of("ide2: isos:iso/debian.iso,media=cdrom\n")
        self.assertEqual(option(argv, "-drive"),
                         "file=/pve/srv/isos/template/iso/debian.iso,if=none,id=drive-ide2,"
                         "media=cdrom,format=raw,aio=io_uring")
        self.assertIn("ide-cd,bus=ide.1,unit=0,drive=drive-ide2,id=ide2,bootindex=200",
                      devices(argv))

    def test_empty_cdrom_and_q35_ide(self):
        argv = argv_of("machine: q35\nide2: none,media=cdrom\nide1: cdrom,media=cdrom\n")
        self.assertIn("if=none,id=drive-ide2,media=cdrom,aio=io_uring",
                      option(argv, "-drive", all=True))
        self.assertIn("ide-cd,bus=ide.1,unit=0,drive=drive-ide2,id=ide2,bootindex=201",
                      devices(argv))
        # q35 has one unit per IDE bus: odd indices move up by 2
        self.assertIn("ide-cd,bus=ide.2,unit=0,drive=drive-ide1,id=ide1,bootindex=200",
                      devices(argv))

    def test_iso_needs_media(self):
        e = self.assertRaises(CommandError, argv_of, "ide2: isos:iso/debian.iso\n")
        self.assertEqual(str(e), "ide2: explicit media parameter is required for iso images")

    def test_storage_errors(self):
        e = self.assertRaises(CommandError, argv_of, "scsi0: isos:100/vm-100-disk-0.raw\n")
        self.assertEqual(str(e), "storage 'isos' does not support content-type 'images'")
        e = self.assertRaises(CommandError, argv_of, "scsi0: nowhere:100/vm-100-disk-0.raw\n")
        self.assertEqual(str(e), "storage 'nowhere' does not exist")
        e = self.assertRaises(CommandError, argv_of, "scsi0: elsewhere:100/vm-100-disk-0.raw\n")
        self.assertEqual(str(e), "storage 'elsewhere' is not available on node 'node1'")

    def test_other_storage_types_refused(self):
        e = self.assertRaises(UnsupportedConfig, argv_of, "scsi0: local-lvm:vm-100-disk-0\n")
        self.assertEqual(e.key, "scsi0")
        self.assertEqual(str(e), "scsi0: volume 'local-lvm:vm-100-disk-0' is on storage "
                                 "'local-lvm' of type 'lvmthin', which this node does not "
                                 "support (only 'dir' storages)")

    def test_one_image_two_drives_refused(self):
        e = self.assertRaises(UnsupportedConfig, argv_of,
                              "scsi0: local:100/vm-100-disk-0.raw\n"
                              "virtio0: local:100/vm-100-disk-0.raw\n")
        self.assertEqual(e.key, "virtio0")
        self.assertIn("also used by scsi0", str(e))

    def test_throttling_and_serial(self):
        argv = argv_of("virtio0: local:100/vm-100-disk-0.raw,mbps_rd=10,iops_wr=100,"
                       "serial=abc,ro=1,rerror=stop\n")
        self.assertEqual(option(argv, "-drive"),
                         "file=/pve/var/lib/vz/images/100/vm-100-disk-0.raw,if=none,"
                         "id=drive-virtio0,rerror=stop,readonly=on,"
                         "throttling.bps-read=10485760,throttling.iops-write=100,format=raw,"
                         "cache=none,aio=io_uring,detect-zeroes=on")
        self.assertIn("virtio-blk-pci,drive=drive-virtio0,id=virtio0,bus=pci.0,addr=0xa,"
                      "serial=abc", devices(argv))

    def test_template(self):
        """A template starts for backups only: TCG, no display, read-only."""
        argv = argv_of("template: 1\nmemory: 4096\nnet0: virtio=AA:BB:CC:DD:EE:FF,"
                       "bridge=vmbr0\nscsi0: local:100/base-100-disk-0.raw\n"
                       "sata0: local:100/base-100-disk-1.raw\n")
        self.assertEqual(option(argv, "-machine"), "accel=tcg,smm=off,type=pc")
        self.assertEqual(option(argv, "-vga"), "none")
        self.assertIn("-nographic", argv)
        self.assertEqual(argv[-1], "-snapshot")
        self.assertEqual(option(argv, "-m"), "512")
        self.assertNotIn("-netdev", argv)
        self.assertTrue(option(argv, "-drive", all=True)[0].endswith(",readonly=on"))
        self.assertIn("ide-cd,bus=ahci0.0,drive=drive-sata0,id=sata0", devices(argv))

    def test_boot_orders(self):
        text = ("scsi0: local:100/vm-100-disk-0.raw\nscsi1: local:100/vm-100-disk-1.raw\n"
                "ide2: none,media=cdrom\nnet0: virtio=AA:BB:CC:DD:EE:FF,bridge=vmbr0\n")
        legacy = argv_of(text + "boot: ndc\nbootdisk: scsi1\n")
        self.assertIn("ide-cd,bus=ide.1,unit=0,drive=drive-ide2,id=ide2,bootindex=200",
                      devices(legacy))
        self.assertIn("scsi-hd,bus=scsihw0.0,scsi-id=1,drive=drive-scsi1,id=scsi1,"
                      "bootindex=301", devices(legacy))
        self.assertIn("scsi-hd,bus=scsihw0.0,scsi-id=0,drive=drive-scsi0,id=scsi0",
                      devices(legacy))
        self.assertIn(",bootindex=100", [d for d in devices(legacy)
                                         if d.startswith("virtio-net-pci")][0])
        order = argv_of(text + "boot: order=net0;scsi1\n")
        self.assertIn(",bootindex=100", [d for d in devices(order)
                                         if d.startswith("virtio-net-pci")][0])
        self.assertIn("scsi-hd,bus=scsihw0.0,scsi-id=1,drive=drive-scsi1,id=scsi1,"
                      "bootindex=101", devices(order))
        self.assertIn("ide-cd,bus=ide.1,unit=0,drive=drive-ide2,id=ide2", devices(order))


class NetworkTests(unittest.SynchronousTestCase):

    def test_bridge_tag_mac(self):
        argv = argv_of("net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,tag=5,firewall=1\n",
                       bridge_script="/usr/local/bin/up", bridge_downscript="/usr/local/bin/down")
        self.assertEqual(option(argv, "-netdev"),
                         "type=tap,id=net0,ifname=tap100i0,script=/usr/local/bin/up,"
                         "downscript=/usr/local/bin/down,vhost=on")
        self.assertIn("virtio-net-pci,mac=BC:24:11:00:00:01,netdev=net0,bus=pci.0,addr=0x12,"
                      "id=net0,rx_queue_size=1024,tx_queue_size=256,bootindex=300", devices(argv))

    def test_default_scripts_and_no_vhost(self):
        argv = argv_of("net3: e1000=BC:24:11:00:00:01,bridge=vmbr1\n", host=host(vhost_net=False))
        self.assertEqual(option(argv, "-netdev"),
                         "type=tap,id=net3,ifname=tap100i3,"
                         "script=/pve/usr/libexec/qemu-server/pve-bridge,"
                         "downscript=/pve/usr/libexec/qemu-server/pve-bridgedown")
        # the default boot order is the legacy "cdn": NICs boot third
        self.assertIn("e1000,mac=BC:24:11:00:00:01,netdev=net3,bus=pci.0,addr=0x15,id=net3,"
                      "bootindex=300", devices(argv))

    def test_mtu_and_queues(self):
        argv = argv_of("net0: virtio=BC:24:11:00:00:01,bridge=vmbr1,queues=4\n")
        self.assertEqual(option(argv, "-netdev")[-9:], ",queues=4")
        self.assertIn("virtio-net-pci,mac=BC:24:11:00:00:01,netdev=net0,bus=pci.0,addr=0x12,"
                      "id=net0,vectors=10,mq=on,packed=on,rx_queue_size=1024,"
                      "tx_queue_size=256,bootindex=300,host_mtu=9000", devices(argv))
        e = self.assertRaises(CommandError, argv_of,
                              "net0: virtio=BC:24:11:00:00:01,bridge=vmbr0,mtu=9000\n")
        self.assertIn("netdev net0: MTU '9000' is bigger than the bridge MTU '1500'", str(e))
        e = self.assertRaises(CommandError, argv_of,
                              "net0: virtio=BC:24:11:00:00:01,bridge=vmbr7\n")
        self.assertEqual(str(e), "bridge 'vmbr7' does not exist")

    def test_user_network(self):
        argv = argv_of("name: box\nnet1: rtl8139=BC:24:11:00:00:02\n")
        self.assertEqual(option(argv, "-netdev"), "type=user,id=net1,hostname=box")

    def test_mac_made_up(self):
        """Without a MAC a NIC gets a locally administered one, the same each time."""
        argv = argv_of("net0: model=virtio,bridge=vmbr0\n")
        mac = [d for d in devices(argv) if d.startswith("virtio-net-pci")][0].split(",")[1]
        self.assertRegex(mac, r"\Amac=[0-9A-F][26AE](:[0-9A-F]{2}){5}\Z")
        self.assertIn(mac, devices(argv_of("net0: model=virtio,bridge=vmbr0\n"))[-1])

    def test_pxe_machine_roms(self):
        argv = argv_of("machine: pc-i440fx-5.1.pxe\nnet0: virtio=BC:24:11:00:00:01,"
                       "bridge=vmbr0\n")
        self.assertTrue(devices(argv)[-1].endswith(",romfile=pxe-virtio.rom"))
        self.assertEqual(option(argv, "-machine"), "accel=kvm,type=pc-i440fx-5.1")


class CpuTests(unittest.SynchronousTestCase):

    def test_default(self):
        self.assertEqual(option(argv_of("name: a\n"), "-cpu"),
                         "kvm64,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+lahf_lm,+sep")

    def test_models(self):
        self.assertEqual(option(argv_of("cpu: host,flags=+pdpe1gb;-md-clear\n"), "-cpu"),
                         "host,+kvm_pv_eoi,+kvm_pv_unhalt,-md-clear,+pdpe1gb")
        self.assertEqual(option(argv_of("cpu: x86-64-v2-AES\n"), "-cpu"),
                         "qemu64,+aes,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+pni,+popcnt,"
                         "+sse4.1,+sse4.2,+ssse3")
        self.assertEqual(option(argv_of("cpu: Opteron_G5,hidden=1\n"), "-cpu"),
                         "Opteron_G5,enforce,kvm=off,+kvm_pv_eoi,+kvm_pv_unhalt,-rdtscp,"
                         "vendor=AuthenticAMD")
        self.assertEqual(option(argv_of("cpu: Icelake-Client\n"), "-cpu"),
                         "Icelake-Server,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,vendor=GenuineIntel")

    def test_nested_virt(self):
        self.assertEqual(option(argv_of("cpu: kvm64,flags=+nested-virt\n"), "-cpu"),
                         "kvm64,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,+lahf_lm,+sep,+vmx")

    def test_windows_enlightenments(self):
        self.assertEqual(option(argv_of("ostype: win11\n"), "-cpu"),
                         "kvm64,enforce,hv_ipi,hv_relaxed,hv_reset,hv_runtime,"
                         "hv_spinlocks=0x1fff,hv_stimer,hv_synic,hv_time,hv_vapic,hv_vpindex,"
                         "+kvm_pv_eoi,+kvm_pv_unhalt,+lahf_lm,+sep")

    def test_custom_model(self):
        models = parse_cpu_models("cpu-model: mine\n    reported-model EPYC\n"
                                  "    flags +aes;-avx\n    phys-bits 42\n    level 13\n")
        self.assertEqual(models, {"mine": {"reported-model": "EPYC", "flags": "+aes;-avx",
                                           "phys-bits": "42", "level": "13"}})
        argv = argv_of("cpu: custom-mine\n", custom_cpu_models=models)
        self.assertEqual(option(argv, "-cpu"),
                         "EPYC,level=13,+aes,-avx,enforce,+kvm_pv_eoi,+kvm_pv_unhalt,"
                         "vendor=AuthenticAMD,phys-bits=42")
        e = self.assertRaises(CommandError, argv_of, "cpu: custom-other\n",
                              custom_cpu_models=models)
        self.assertEqual(str(e), "Custom cputype 'other' not found")

    def test_refused(self):
        for text, message in [
                ("cpu: EPYC-Genoa\n",
                 "cpu: CPU model 'EPYC-Genoa' is not available in the installed QEMU 7.2"),
                ("cpu: host,guest-phys-bits=39\n",
                 "cpu: 'guest-phys-bits' needs QEMU 9.0, the installed QEMU is 7.2")]:
            e = self.assertRaises(UnsupportedConfig, argv_of, text)
            self.assertEqual((e.key, str(e)), ("cpu", message))
        e = self.assertRaises(UnsupportedConfig, argv_of, "cpu: host\n", kvm=False)
        self.assertEqual(str(e), "cpu: CPU model 'host' requires KVM")

    def test_runnable_models(self):
        """With KVM and known runnable models, a model the host lacks is refused."""
        runnable = frozenset(["kvm64", "qemu64"])
        self.assertTrue(option(argv_of("name: a\n", host=host(runnable_cpu_models=runnable)),
                               "-cpu").startswith("kvm64,"))
        e = self.assertRaises(UnsupportedConfig, argv_of, "cpu: Skylake-Server\n",
                              host=host(runnable_cpu_models=runnable))
        self.assertIn("cannot run with KVM on this host", str(e))
        argv = argv_of("cpu: Skylake-Server\n", kvm=False,
                       host=host(runnable_cpu_models=runnable))
        self.assertEqual(option(argv, "-cpu"), "Skylake-Server,vendor=GenuineIntel")


class MemoryTests(unittest.SynchronousTestCase):

    def test_memory_and_balloon(self):
        argv = argv_of("memory: 2048\nballoon: 1024\n")
        self.assertEqual(option(argv, "-m"), "2048")
        self.assertIn("virtio-balloon-pci,id=balloon0,bus=pci.0,addr=0x3,"
                      "free-page-reporting=on", devices(argv))
        argv = argv_of("memory: 2048\nballoon: 0\n")
        self.assertFalse([d for d in devices(argv) if d.startswith("virtio-balloon")])

    def test_old_machine_balloon(self):
        argv = argv_of("machine: pc-i440fx-6.1\n")
        self.assertIn("virtio-balloon-pci,id=balloon0,bus=pci.0,addr=0x3", devices(argv))

    def test_numa(self):
        argv = argv_of("memory: 4096\nnuma: 1\nsockets: 2\ncores: 2\n")
        self.assertEqual(option(argv, "-object", all=True), [
            "memory-backend-ram,id=ram-node0,size=2048M",
            "memory-backend-ram,id=ram-node1,size=2048M"])
        self.assertEqual(option(argv, "-numa", all=True), [
            "node,nodeid=0,cpus=0-1,memdev=ram-node0", "node,nodeid=1,cpus=2-3,memdev=ram-node1"])

    def test_hotplug(self):
        argv = argv_of("memory: 2560\nnuma: 1\nhotplug: memory\n")
        self.assertEqual(option(argv, "-m"), "size=1024,slots=255,maxmem=524288M")
        self.assertEqual(option(argv, "-device", all=True)[:3], [
            "pc-dimm,id=dimm0,memdev=mem-dimm0,node=0",
            "pc-dimm,id=dimm1,memdev=mem-dimm1,node=0",
            "pc-dimm,id=dimm2,memdev=mem-dimm2,node=0"])
        e = self.assertRaises(CommandError, argv_of, "memory: 2560\nhotplug: memory\n")
        self.assertEqual(str(e), "NUMA needs to be enabled for memory hotplug")

    def test_hugepages_refused(self):
        e = self.assertRaises(UnsupportedConfig, argv_of, "memory: 2048\nnuma: 1\nhugepages: 2\n")
        self.assertEqual(e.key, "hugepages")


class MachineTests(unittest.SynchronousTestCase):

    def test_i440fx_bridges_and_usb(self):
        argv = argv_of("name: a\n")
        self.assertEqual(devices(argv)[:5], [
            "pci-bridge,id=pci.1,chassis_nr=1,bus=pci.0,addr=0x1e",
            "pci-bridge,id=pci.2,chassis_nr=2,bus=pci.0,addr=0x1f",
            "piix3-usb-uhci,id=uhci,bus=pci.0,addr=0x1.0x2",
            "usb-tablet,id=tablet,bus=uhci.0,port=1",
            "VGA,id=vga,bus=pci.0,addr=0x2"])

    def test_q35(self):
        """q35: the devices of qemu-server's pve-q35-4.0.cfg, then ours."""
        argv = argv_of("machine: q35\nostype: l26\n")
        found = devices(argv)
        self.assertEqual(found[0], "ich9-usb-ehci1,id=ehci,multifunction=on,bus=pcie.0,addr=1d.7")
        self.assertIn("pcie-root-port,id=ich9-pcie-port-1,x-speed=16,x-width=32,multifunction=on,"
                      "bus=pcie.0,addr=1c.0,port=1,chassis=1", found)
        self.assertIn("pci-bridge,id=pci.0,bus=pcidmi,addr=1.0,chassis_nr=1", found)
        self.assertIn("usb-tablet,id=tablet,bus=ehci.0,port=1", found)
        self.assertIn("VGA,id=vga,bus=pcie.0,addr=0x1", found)
        self.assertEqual(option(argv, "-machine"), "accel=kvm,type=q35")
        # unversioned q35 with l26 created before QEMU 6.1
        self.assertEqual(option(argv, "-global"),
                         "ICH9-LPC.acpi-pci-hotplug-with-bridge-support=off")
        old = devices(argv_of("machine: pc-q35-3.1\n"))
        self.assertIn("ioh3420,id=ich9-pcie-port-1,multifunction=on,bus=pcie.0,addr=1c.0,"
                      "port=1,chassis=1", old)

    def test_machine_mapping(self):
        """Proxmox's +pveN types run as upstream ones; newer ones as 7.2."""
        result = build(conf_of("machine: pc-i440fx-9.2+pve1\n"), VMID, Paths(ROOT), STORAGE,
                       "node1", host=host())
        self.assertEqual(option(result.argv, "-machine"), "accel=kvm,type=pc-i440fx-7.2")
        self.assertEqual(result.warnings, [
            "machine type 'pc-i440fx-9.2+pve1' is newer than the installed QEMU 7.2, running "
            "it as 'pc-i440fx-7.2'"])
        self.assertEqual(option(argv_of("machine: pc-q35-4.1+pve2\n"), "-machine"),
                         "accel=kvm,type=pc-q35-4.1")
        self.assertEqual(option(argv_of("machine: pc-q35-4.0.1\n"), "-machine"),
                         "accel=kvm,type=pc-q35-4.0.1")
        self.assertEqual(option(argv_of("ostype: win11\nmachine: q35\n"), "-machine"),
                         "hpet=off,accel=kvm,type=pc-q35-5.1")
        e = self.assertRaises(UnsupportedConfig, argv_of, "machine: pc-q35-2.3\n")
        self.assertEqual(e.key, "machine")
        self.assertIn("older than the oldest the installed QEMU 7.2 runs (pc-q35-2.4)", str(e))

    def test_old_qemu(self):
        e = self.assertRaises(CommandError, argv_of, "name: a\n", qemu_version=(5, 0))
        self.assertEqual(str(e), "Detected old QEMU binary ('5.0', at least 6.0 is required)")

    def test_viommu(self):
        argv = argv_of("machine: q35,viommu=intel\n")
        self.assertEqual(devices(argv)[0], "intel-iommu,intremap=on,caching-mode=on")
        self.assertEqual(option(argv, "-machine"), "accel=kvm,type=q35,kernel-irqchip=split")
        e = self.assertRaises(CommandError, argv_of, "machine: pc,viommu=intel\n")
        self.assertEqual(str(e), "to use Intel vIOMMU please set the machine type to q35")
        e = self.assertRaises(UnsupportedConfig, argv_of, "machine: q35,viommu=virtio,aw-bits=40\n")
        self.assertEqual(e.key, "machine")

    def test_power_states(self):
        argv = argv_of("machine: type=q35,enable-s3=0\n")
        self.assertIn("ICH9-LPC.disable_s3=1", option(argv, "-global", all=True))
        self.assertNotIn("ICH9-LPC.disable_s4=1", option(argv, "-global", all=True))


class FirmwareTests(unittest.SynchronousTestCase):

    def test_ovmf_not_installed(self):
        e = self.assertRaises(UnsupportedConfig, argv_of,
                              "bios: ovmf\nefidisk0: local:100/vm-100-disk-1.raw,efitype=4m\n",
                              host=host(ovmf_dir=None))
        self.assertEqual((e.key, str(e)), (
            "bios", "bios: OVMF (UEFI) firmware is not installed on this node (Debian package "
                    "'ovmf')"))

    def test_ovmf(self):
        ovmf = host(ovmf_dir="/usr/share/OVMF", file_size=lambda path: 540672)
        argv = argv_of("bios: ovmf\nmachine: q35\nefidisk0: local:100/vm-100-disk-1.raw,"
                       "efitype=4m,pre-enrolled-keys=1\n", host=ovmf)
        self.assertEqual(option(argv, "-drive", all=True), [
            "if=pflash,unit=0,format=raw,readonly=on,file=/usr/share/OVMF/"
            "OVMF_CODE_4M.secboot.fd",
            "if=pflash,unit=1,id=drive-efidisk0,format=raw,"
            "file=/pve/var/lib/vz/images/100/vm-100-disk-1.raw,size=540672"])
        self.assertIn("driver=cfi.pflash01,property=secure,value=on",
                      option(argv, "-global", all=True))
        e = self.assertRaises(UnsupportedConfig, argv_of,
                              "bios: ovmf\nefidisk0: local:100/vm-100-disk-1.raw\n", host=ovmf)
        self.assertEqual(e.key, "efidisk0")
        result = build(conf_of("bios: ovmf\n"), VMID, Paths(ROOT), STORAGE, "node1", host=ovmf)
        self.assertEqual(result.efivars_template, "/usr/share/OVMF/OVMF_VARS_4M.fd")
        self.assertIn("if=pflash,unit=1,id=drive-efidisk0,format=raw,"
                      "file=/pve/run/qemu-server/efidisk/100-ovmf.fd,size=540672",
                      option(result.argv, "-drive", all=True))

    def test_tpm(self):
        e = self.assertRaises(UnsupportedConfig, argv_of,
                              "tpmstate0: local:100/vm-100-disk-2.raw,version=v2.0\n")
        self.assertEqual(e.key, "tpmstate0")
        argv = argv_of("tpmstate0: local:100/vm-100-disk-2.raw,version=v2.0\n",
                       host=host(swtpm=True))
        self.assertEqual(option(argv, "-tpmdev"), "emulator,id=tpmdev,chardev=tpmchar")
        self.assertIn("socket,id=tpmchar,path=/pve/run/qemu-server/100.swtpm",
                      option(argv, "-chardev", all=True))


class DeviceTests(unittest.SynchronousTestCase):

    def test_serial_console(self):
        argv = argv_of("serial0: socket\nvga: serial0\n")
        self.assertIn("socket,id=serial0,path=/pve/run/qemu-server/100.serial0,server=on,"
                      "wait=off", option(argv, "-chardev", all=True))
        self.assertIn("isa-serial,chardev=serial0", devices(argv))
        self.assertIn("-nographic", argv)
        self.assertNotIn("-vnc", argv)
        self.assertFalse([d for d in devices(argv) if d.startswith("usb-tablet")])
        self.assertEqual(option(argv, "-machine"), "accel=kvm,smm=off,type=pc")

    def test_serial_device_missing(self):
        e = self.assertRaises(CommandError, argv_of, "serial1: /dev/ttyS7\n",
                              host=host(is_char_device=lambda path: False))
        self.assertEqual(str(e), "no such serial device")

    def test_vga_types(self):
        for value, device in [
                ("std", "VGA,id=vga,bus=pci.0,addr=0x2"),
                ("cirrus", "cirrus-vga,id=vga,bus=pci.0,addr=0x2"),
                ("vmware,memory=32", "vmware-svga,id=vga,vgamem_mb=32,bus=pci.0,addr=0x2"),
                ("virtio", "virtio-vga,id=vga,bus=pci.0,addr=0x2"),
                ("qxl", "qxl-vga,id=vga,max_outputs=4,bus=pci.0,addr=0x2")]:
            self.assertIn(device, devices(argv_of("vga: %s\n" % value)), value)
        argv = argv_of("vga: none\n")
        self.assertEqual(option(argv, "-vga"), "none")
        self.assertIn("-nographic", argv)

    def test_spice(self):
        argv = argv_of("vga: qxl\n", spice_port=61005)
        self.assertEqual(option(argv, "-spice"),
                         "tls-port=61005,addr=127.0.0.1,tls-ciphers=HIGH,seamless-migration=on,"
                         "x509-key-file=/pve/etc/pve/nodes/node1/pve-ssl.key,"
                         "x509-cert-file=/pve/etc/pve/nodes/node1/pve-ssl.pem,"
                         "x509-cacert-file=/pve/etc/pve/pve-root-ca.pem")
        self.assertIn("virtio-serial,id=spice,bus=pci.0,addr=0x9", devices(argv))
        self.assertIn("spicevmc,id=vdagent,name=vdagent", option(argv, "-chardev", all=True))
        self.assertFalse([d for d in devices(argv) if d.startswith("usb-tablet")])

    def test_vnc_clipboard(self):
        argv = argv_of("vga: std,clipboard=vnc\n")
        self.assertIn("qemu-vdagent,id=vdagent,name=vdagent,clipboard=on",
                      option(argv, "-chardev", all=True))
        self.assertNotIn("-spice", argv)

    def test_usb(self):
        argv = argv_of("ostype: l26\nusb0: host=1234:5678\nusb1: host=1-2.3,usb3=1\n"
                       "usb2: spice\n")
        found = devices(argv)
        self.assertIn("qemu-xhci,p2=15,p3=15,id=xhci,bus=pci.1,addr=0x1b", found)
        self.assertIn("usb-host,bus=xhci.0,port=1,vendorid=0x1234,productid=0x5678,id=usb0",
                      found)
        self.assertIn("usb-host,bus=xhci.0,port=2,hostbus=1,hostport=2.3,id=usb1", found)
        self.assertIn("usb-redir,chardev=usbredirchardev2,id=usbredirdev2,bus=xhci.0,port=3",
                      found)

    def test_usb_old_machine(self):
        argv = argv_of("machine: pc-i440fx-6.0\nusb0: host=1234:5678\n")
        found = devices(argv)
        self.assertIn("ich9-usb-ehci1,id=ehci,multifunction=on,addr=1d.7", found)
        self.assertIn("usb-host,vendorid=0x1234,productid=0x5678,id=usb0", found)
        e = self.assertRaises(CommandError, argv_of, "machine: pc-i440fx-6.0\nusb7: spice\n")
        self.assertEqual(str(e), "using usb7 is only possible with machine type >= 7.1 and "
                                 "ostype l26 or windows > 7")

    def test_agent_rng_watchdog_audio(self):
        argv = argv_of("agent: 1\nrng0: source=/dev/urandom\nwatchdog: model=ib700,"
                       "action=reset\naudio0: device=ich9-intel-hda,driver=none\n")
        found = devices(argv)
        self.assertIn("socket,path=/pve/run/qemu-server/100.qga,server=on,wait=off,id=qga0",
                      option(argv, "-chardev", all=True))
        self.assertIn("virtio-serial,id=qga0,bus=pci.0,addr=0x8", found)
        self.assertIn("virtio-rng-pci,rng=rng0,max-bytes=1024,period=1000,bus=pci.1,addr=0x1d",
                      found)
        self.assertIn("rng-random,filename=/dev/urandom,id=rng0", option(argv, "-object",
                                                                         all=True))
        self.assertIn("ib700", found)
        self.assertEqual(option(argv, "-watchdog-action"), "reset")
        self.assertIn("hda-duplex,id=audiodev0-codec1,bus=audiodev0.0,cad=1,"
                      "audiodev=none-backend0", found)
        self.assertEqual(option(argv, "-audiodev"), "none,id=none-backend0")

    def test_refused_options(self):
        for text, key in [("hostpci0: 01:00.0\n", "hostpci0"),
                          ("virtiofs0: dirid=share\n", "virtiofs0"),
                          ("amd-sev: type=std\nbios: ovmf\n", "amd-sev")]:
            e = self.assertRaises(UnsupportedConfig, argv_of, text,
                                  host=host(ovmf_dir="/usr/share/OVMF"))
            self.assertEqual(e.key, key)
            self.assertTrue(str(e).startswith(key + ": "), str(e))


class ShowcmdTests(unittest.SynchronousTestCase):

    def test_quote(self):
        """String::ShellQuote, one argument at a time."""
        self.assertEqual(shell_quote("-m"), "-m")
        self.assertEqual(shell_quote("kvm64,enforce,+sep"), "kvm64,enforce,+sep")
        self.assertEqual(shell_quote("1,sockets=1"), "'1,sockets=1'")
        self.assertEqual(shell_quote("a b"), "'a b'")
        self.assertEqual(shell_quote(""), "''")
        self.assertEqual(shell_quote("it's"), "'it'\\''s'")
        self.assertEqual(shell_quote("'x'"), "\\''x'\\'")
        self.assertEqual(shell_quote("a''b"), "'a'\"''\"'b'")

    def test_format(self):
        argv = ["/usr/bin/qemu-system-x86_64", "-name", "a,debug-threads=on", "-m", "512",
                "-device", "VGA,id=vga"]
        self.assertEqual(format_command(argv),
                         "/usr/bin/qemu-system-x86_64 -name 'a,debug-threads=on' -m 512 "
                         "-device 'VGA,id=vga'")
        self.assertEqual(format_command(argv, pretty=True),
                         "/usr/bin/qemu-system-x86_64 \\\n  -name 'a,debug-threads=on' \\\n"
                         "  -m 512 \\\n  -device 'VGA,id=vga'")

    def test_module_api(self):
        self.assertIn("build_command", command.__all__)
        self.assertTrue(issubclass(UnsupportedConfig, ValueError))
