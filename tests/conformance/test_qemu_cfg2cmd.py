"""qemu-server's cfg2cmd configs (``qemu-server/cfg2cmd/*.conf``) started
with our command lines on the QEMU Debian installs.

Proxmox's ``run_config2command_tests.pl`` compares each config's command
line with ``<config>.cmd``; those target Proxmox's patched QEMU, so here
each config must either

- start: :func:`pve.qemu.command.build_command` makes its argv, QEMU runs
  it paused (``-S``) and answers ``query-status`` with ``prelaunch`` on the
  config's QMP socket, then ``quit``; or
- be refused cleanly: :class:`UnsupportedConfig` naming the option this
  node cannot give, or, for the configs Proxmox refuses (``#
  EXPECT_ERROR:``), a :class:`CommandError` with Proxmox's message.

A config whose expected error comes from the QEMU version the Perl runner
pretends (``# QEMU_VERSION:``) is started with the real QEMU instead.
Configs for another host architecture (``# HOST_ARCH:``) are skipped.

The environment is Proxmox's runner's, made real: VM 8006, node
``localhost``, the same storage.cfg (its ``dir`` storages under a
temporary ``PVE_ROOT``, one per config, with a small image made with
``qemu-img`` at every volume and host path the config uses), the same
``cpu-models.conf``, bridges ``vmbr0`` (MTU 1500) and ``vxlan_bridge``
(1450) as the runner's mocked ``read_bridge_mtu`` reports them, and a host
of at least 8 CPUs as the runner's build hosts have (QEMU runs more vCPUs
than host CPUs).  Each QEMU runs in a network namespace of its own
(``unshare -n``) with ``/bin/true`` as the tap scripts, so its taps touch
nothing.  KVM is used if it can run ``kvm64,enforce`` here, else TCG; at
most two QEMUs run at a time.

A second test compares our argv with Proxmox's ``.cmd`` for the configs
whose expected machine is one QEMU 7.2 has, after the documented mappings
(:mod:`pve.qemu.command`); a third prints every ``.cmd`` argv back as
``qm showcmd --pretty`` does.
"""

import glob
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

from twisted.internet import defer, error, protocol
from twisted.trial import unittest

from pve.paths import Paths
from pve.qemu import qmp
from pve.qemu import pci as qpci
from pve.qemu.command import CommandError, UnsupportedConfig, build, format_command
from pve.qemu.config import parse_config
from pve.qemu.cpu import parse_cpu_models
from pve.qemu.drives import foreach_drive, volume_storage
from pve.qemu.hostinfo import HostInfo, detect
from pve.qemu.schema import check_value
from pve.storage import dirstore
from pve.storage.config import host_path, parse_storage_cfg
from pve.storage.volumes import parse_volname, parse_volume_id
from tests.conformance import data_dir

VMID = 8006
NODE = "localhost"
QEMU = shutil.which("qemu-system-x86_64")
QEMU_IMG = shutil.which("qemu-img")
UNSHARE = shutil.which("unshare")
PARALLEL = 2
START_TIMEOUT = 30

# run_config2command_tests.pl's storage configuration
STORAGE_CFG = b"""\
dir: local
\tpath /var/lib/vz
\tcontent images,iso

dir: localsnapext
\tpath /var/lib/vzsnapext
\tcontent images
\tsnapshot-as-volume-chain 1

dir: noimages
\tpath /var/lib/vz
\tcontent iso

btrfs: btrfs-store
\tpath /butter/bread
\tcontent images

cifs: cifs-store
\tpath /mnt/pve/cifs-store
\tserver 127.0.0.42
\tshare CIFShare
\tusername guest
\tcontent images,iso

rbd: rbd-store
\tmonhost 127.0.0.42,127.0.0.21,::1
\tpool cpool
\tusername admin
\tcontent images

rbd: krbd-store
\tmonhost 127.0.0.42,127.0.0.21,::1
\tpool cpool
\tusername admin
\tkrbd 1
\tcontent images

zfs: zfs-over-iscsi-store
\tpool tank
\tportal 127.0.0.1
\ttarget iqn.2019-10.org.test:foobar
\tiscsiprovider comstar
\tlio_tpg tpg1
\tcontent images

lvm: lvm-store
\tvgname veegee
\tcontent images

lvmthin: local-lvm
\tvgname pve
\tthinpool data
\tcontent images
"""

# and its cpu-models.conf
CPU_MODELS = """
# "qemu64" is also a default CPU, used here to test that this doesn't matter
cpu-model: qemu64
    reported-model athlon
    flags +aes;+avx;-kvm_pv_unhalt
    hv-vendor-id testvend
    phys-bits 40

cpu-model: alldefault

"""
BRIDGES = {"vmbr0": 1500, "vxlan_bridge": 1450}


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


def headers(conf):
    """The runner's ``# KEY: value`` settings of a config's description."""
    found = {}
    for line in (conf.description or "").splitlines():
        m = re.match(r"\s*(TEST|QEMU_VERSION|HOST_ARCH|HOST_CPU_VENDOR|EXPECT_ERROR|"
                     r"EXPECT_WARN(?:ING)?|HW_CAPABILITIES):\s*(.*?)\s*\Z", line)
        if m:
            found[m.group(1)] = m.group(2)
    return found


def cases():
    folder = os.path.join(data_dir("qemu-server"), "cfg2cmd")
    paths = sorted(glob.glob(os.path.join(folder, "*.conf")))
    if not paths:
        raise unittest.SkipTest("no cfg2cmd configs in %s" % folder)
    return paths


def make_certificates():
    """A cluster CA and a node certificate where SPICE looks for them."""
    from pve.access import certs
    from pve.access.tickets import new_rsa_key, private_pem
    now = time.time()
    ca_key, node_key = new_rsa_key(2048), new_rsa_key(2048)
    ca = certs.make_ca_cert(ca_key, now, "00000000-0000-0000-0000-000000000000")
    node = certs.make_node_cert(node_key, ca_key, ca, NODE, ["127.0.0.1"], now, 2)
    files = {"etc/pve/pve-root-ca.pem": certs.pem(ca),
             "etc/pve/nodes/%s/pve-ssl.pem" % NODE: certs.pem(node),
             "etc/pve/nodes/%s/pve-ssl.key" % NODE: private_pem(node_key)}
    return files


class _Process(protocol.ProcessProtocol):

    def __init__(self):
        self.output = b""
        self.reason = None
        self._waiters = []

    def outReceived(self, data):
        self.output += data

    errReceived = outReceived

    def processEnded(self, reason):
        self.reason = reason.value
        waiters, self._waiters = self._waiters, []
        for d in waiters:
            d.callback(self.reason)

    def ended(self):
        if self.reason is not None:
            return defer.succeed(self.reason)
        d = defer.Deferred()
        self._waiters.append(d)
        return d


class Runner:
    """Starts QEMU processes and talks QMP to them; kills what is left."""

    def __init__(self, reactor):
        self.reactor = reactor
        self.processes = []

    def spawn(self, argv, netns=True):
        proto = _Process()
        if netns and UNSHARE:
            argv = [UNSHARE, "--net", "--"] + argv
        transport = self.reactor.spawnProcess(proto, argv[0], argv, env=dict(os.environ))
        self.processes.append((transport, proto))
        return transport, proto

    @defer.inlineCallbacks
    def wait(self, delay):
        d = defer.Deferred()
        self.reactor.callLater(delay, d.callback, None)
        yield d

    @defer.inlineCallbacks
    def connect(self, proto, socket, timeout=START_TIMEOUT):
        """The QMP client of a started QEMU, or None if it ended first."""
        deadline = time.monotonic() + timeout
        while proto.reason is None and time.monotonic() < deadline:
            if os.path.exists(socket):
                try:
                    client = yield qmp.connect(self.reactor, socket, timeout=5)
                    return client
                except qmp.QMPClientError:
                    pass
            yield self.wait(0.05)
        return None

    @defer.inlineCallbacks
    def stop(self, transport, proto, client=None):
        if client is not None and proto.reason is None:
            try:
                yield client.execute("quit", timeout=10)
            except qmp.QMPClientError:
                pass
        if proto.reason is None:
            deadline = time.monotonic() + 10
            while proto.reason is None and time.monotonic() < deadline:
                yield self.wait(0.05)
        yield self.kill(transport, proto)

    def kill(self, transport, proto):
        if proto.reason is None:
            try:
                transport.signalProcess("KILL")
            except error.ProcessExitedAlready:
                pass
        return proto.ended()

    def killAll(self):
        return defer.DeferredList([self.kill(t, p) for t, p in self.processes])


@defer.inlineCallbacks
def probe(runner, directory):
    """(kvm usable, models QEMU can run with KVM or None)."""
    if not os.path.exists("/dev/kvm"):
        return False, None
    socket = os.path.join(directory, "probe.qmp")
    transport, proto = runner.spawn(
        [QEMU, "-machine", "pc,accel=kvm", "-cpu", "kvm64,enforce", "-nodefaults",
         "-display", "none", "-S", "-qmp", "unix:%s,server=on,wait=off" % socket],
        netns=False)
    client = yield runner.connect(proto, socket, timeout=10)
    if client is None:
        yield runner.kill(transport, proto)
        return False, None
    try:
        definitions = yield client.execute("query-cpu-definitions")
    finally:
        yield runner.stop(transport, proto, client)
    runnable = frozenset(d["name"] for d in definitions if not d.get("unavailable-features"))
    return True, runnable


def host_info(kvm, runnable):
    detected = detect()
    return HostInfo(
        kvm=kvm, cpus=max(detected.cpus, 8), cpu_vendor=detected.cpu_vendor,
        cpu_flags=detected.cpu_flags, phys_bits=detected.phys_bits,
        vhost_net=detected.vhost_net, bridge_mtu=BRIDGES.get,
        numa_nodes=detected.numa_nodes, ovmf_dir=detected.ovmf_dir, swtpm=detected.swtpm,
        cdrom=detected.cdrom, iscsi_initiator=detected.iscsi_initiator,
        runnable_cpu_models=runnable if kvm else None)


def prepare_root(root, conf, storage_cfg, certificates):
    """A PVE_ROOT for one config: run dirs, certificates and an image at
    every volume and host path its drives use."""
    paths = Paths(root)
    for directory in ("run/qemu-server", "etc/pve"):
        os.makedirs(paths.join(directory), exist_ok=True)
    for name, data in certificates.items():
        os.makedirs(os.path.dirname(paths.join(name)), exist_ok=True)
        with open(paths.join(name), "wb") as f:
            f.write(data)
    for key, drive in foreach_drive(conf.main):
        volid = drive["file"]
        if volid in ("none", "cdrom"):
            continue
        if volume_storage(volid):
            storeid, volname = parse_volume_id(volid)
            if storage_cfg.get(storeid, {}).get("type") != "dir":
                continue
            storage = dirstore.open_storage(storage_cfg, storeid, paths, NODE)
            path, fmt = dirstore.path(storage, volid), parse_volname(volname).format
        else:
            path, fmt = host_path(volid, paths), drive.get("format") or "raw"
        if not os.path.exists(path):
            os.makedirs(os.path.dirname(path), exist_ok=True)
            subprocess.run([QEMU_IMG, "create", "-q", "-f", fmt, path, "1M"], check=True)
    return paths


class Outcome:
    def __init__(self, name, kind, detail=""):
        self.name, self.kind, self.detail = name, kind, detail


class Cfg2cmdStartTests(unittest.TestCase):
    """Every cfg2cmd config starts on QEMU or is refused cleanly."""

    timeout = 600
    skip = None if QEMU and QEMU_IMG else "qemu-system-x86_64 or qemu-img is not installed"

    def setUp(self):
        from twisted.internet import reactor
        self.reactor = reactor
        self.paths = cases()
        if not os.path.exists("/dev/net/tun"):
            raise unittest.SkipTest("no /dev/net/tun for the VMs' taps")
        if not UNSHARE or subprocess.run([UNSHARE, "--net", "true"]).returncode:
            raise unittest.SkipTest("cannot make network namespaces (unshare --net)")
        self.tmp = tempfile.mkdtemp(prefix="cfg2cmd-")
        self.addCleanup(shutil.rmtree, self.tmp, True)
        self.runner = Runner(reactor)
        self.addCleanup(self.runner.killAll)
        self.storage_cfg = parse_storage_cfg(STORAGE_CFG)[0]
        self.cpu_models = parse_cpu_models(CPU_MODELS)

    @defer.inlineCallbacks
    def run_case(self, number, path, host, kvm, certificates):
        name = os.path.basename(path)
        conf = parse_config(read(path), VMID, check=check_value)
        settings = headers(conf)
        if settings.get("HOST_ARCH", "x86_64") != "x86_64":
            return Outcome(name, "skipped", "host architecture %s" % settings["HOST_ARCH"])
        expected_error = settings.get("EXPECT_ERROR")
        root = os.path.join(self.tmp, "c%d" % number)
        paths = Paths(root)
        try:
            command = build(conf, VMID, paths, self.storage_cfg, NODE, kvm=kvm, host=host,
                            custom_cpu_models=self.cpu_models, bridge_script="/bin/true",
                            bridge_downscript="/bin/true")
        except UnsupportedConfig as e:
            if not e.key or not str(e).startswith(e.key + ":"):
                return Outcome(name, "failed", "refusal names no option: %s" % e)
            return Outcome(name, "refused", str(e))
        except CommandError as e:
            if expected_error is None:
                return Outcome(name, "failed", "unexpected error: %s" % e)
            if str(e) != expected_error:
                return Outcome(name, "failed", "error %r, Proxmox's is %r"
                               % (str(e), expected_error))
            return Outcome(name, "refused", "Proxmox's error: %s" % e)
        if expected_error is not None and "QEMU_VERSION" not in settings:
            return Outcome(name, "failed", "built, but Proxmox refuses it: %s" % expected_error)
        prepare_root(root, conf, self.storage_cfg, certificates)
        command.prepare()
        argv = command.argv + ["-S"]
        transport, proto = self.runner.spawn(argv)
        socket = paths.join("run/qemu-server/%d.qmp" % VMID)
        client = yield self.runner.connect(proto, socket)
        if client is None:
            yield self.runner.kill(transport, proto)
            return Outcome(name, "failed", "QEMU did not start:\n  %s\n  %s" % (
                " ".join(shlex.quote(a) for a in argv),
                proto.output.decode(errors="replace").strip()))
        try:
            status = yield client.execute("query-status")
        finally:
            yield self.runner.stop(transport, proto, client)
        if status.get("status") not in ("prelaunch", "paused"):
            return Outcome(name, "failed", "status %r" % status)
        return Outcome(name, "started")

    @defer.inlineCallbacks
    def test_start_or_refuse(self):
        began = time.monotonic()
        kvm, runnable = yield probe(self.runner, self.tmp)
        host = host_info(kvm, runnable)
        certificates = make_certificates()
        semaphore = defer.DeferredSemaphore(PARALLEL)
        outcomes = yield defer.gatherResults([
            semaphore.run(self.run_case, number, path, host, kvm, certificates)
            for number, path in enumerate(self.paths)], consumeErrors=True)
        by_kind = {}
        for outcome in outcomes:
            by_kind.setdefault(outcome.kind, []).append(outcome)
        report = ["cfg2cmd on QEMU (%s): %d started, %d refused, %d skipped in %.1f s"
                  % ("KVM" if kvm else "TCG", len(by_kind.get("started", [])),
                     len(by_kind.get("refused", [])), len(by_kind.get("skipped", [])),
                     time.monotonic() - began)]
        for outcome in by_kind.get("refused", []) + by_kind.get("skipped", []):
            report.append("  %s %s: %s" % (outcome.kind, outcome.name, outcome.detail))
        sys.stderr.write("\n".join(report) + "\n")
        failures = ["%s: %s" % (o.name, o.detail) for o in by_kind.get("failed", [])]
        self.assertEqual(failures, [])
        self.assertTrue(by_kind.get("started"))


# -- the argv against Proxmox's .cmd ------------------------------------------

def proxmox_argv_for_debian(argv, root):
    """Proxmox's expected argv with the mappings of pve.qemu.command made."""
    out = []
    previous = None
    for index, arg in enumerate(argv):
        if index == 0:
            arg = "/usr/bin/qemu-system-x86_64"
        elif arg == "-daemonize" or arg == "-id" or previous == "-id":
            previous = arg
            continue
        elif arg == "-readconfig":
            previous = arg
            continue
        elif previous == "-readconfig":
            if arg.endswith("pve-q35-4.0.cfg"):
                devices = qpci.q35_devices(True)
            elif arg.endswith("pve-q35.cfg"):
                devices = qpci.q35_devices(False)
            else:
                devices = qpci.usb2_devices()
            for device in devices:
                out += ["-device", device]
            previous = arg
            continue
        arg = arg.replace("/var/run/", root + "/run/").replace("reconnect-ms=5000",
                                                                 "reconnect=5")
        if previous == "-name":
            arg += ",debug-threads=on"
        elif previous == "-boot":
            arg = re.sub(r",splash=[^,]*", "", arg)
        elif previous == "-drive":
            arg = re.sub(r"(\A|,)file=/", r"\1file=%s/" % root, arg)
        elif previous == "-netdev":
            arg = arg.replace("/usr/libexec/", root + "/usr/libexec/")
        elif previous == "-spice":
            arg = arg.replace("seamless-migration=on", (
                "seamless-migration=on,x509-key-file={r}/etc/pve/nodes/{n}/pve-ssl.key,"
                "x509-cert-file={r}/etc/pve/nodes/{n}/pve-ssl.pem,"
                "x509-cacert-file={r}/etc/pve/pve-root-ca.pem").format(r=root, n=NODE))
        elif previous == "-machine":
            flags = [re.sub(r"\+pve\d+\Z", "", flag) for flag in arg.split(",")]
            if "accel=tcg" not in flags:
                at = next(i for i, f in enumerate(flags) if f.startswith(("smm=", "type=")))
                flags.insert(at, "accel=kvm")
            arg = ",".join(flags)
        out.append(arg)
        previous = arg
    return out


class Cfg2cmdArgvTests(unittest.SynchronousTestCase):
    """Where Proxmox's expected machine exists in QEMU 7.2, our argv is
    Proxmox's but for the documented mappings."""

    # Proxmox's runner mocks QEMU 11: these flags are its, not 7.2's
    QEMU_11_FLAGS = re.compile(r",-cet-ibt|,-cet-ss|,-vmx-mbec")

    def test_argv(self):
        root = "/pve-root"
        host = HostInfo(kvm=True, cpus=64, cpu_vendor="GenuineIntel", phys_bits=46,
                        vhost_net=True, bridge_mtu=BRIDGES.get,
                        iscsi_initiator="iqn.1993-08.org.debian:01:aabbccddeeff",
                        numa_nodes=frozenset(range(8)), exists=lambda path: True,
                        next_spice_port=lambda address: 61000)
        storage_cfg = parse_storage_cfg(STORAGE_CFG)[0]
        compared, failures = [], []
        for path in cases():
            if not os.path.exists(path + ".cmd"):
                continue
            expected = shlex.split(read(path + ".cmd").replace("\\\n", " "))
            machine = expected[expected.index("-machine") + 1]
            m = re.search(r"type=[a-z0-9-]*?(\d+)\.(\d+)", machine)
            if not m or (int(m.group(1)), int(m.group(2))) > (7, 2):
                continue                # a -blockdev command line of machine >= 10.0
            conf = parse_config(read(path), VMID, check=check_value)
            try:
                argv = build(conf, VMID, Paths(root), storage_cfg, NODE, kvm=True, host=host,
                             custom_cpu_models=parse_cpu_models(CPU_MODELS)).argv
            except UnsupportedConfig:
                continue
            want = proxmox_argv_for_debian(expected, root)
            want = [self.QEMU_11_FLAGS.sub("", arg) for arg in want]
            compared.append(os.path.basename(path))
            if argv != want:
                failures.append("%s:\n  got  %s\n  want %s" % (
                    os.path.basename(path), argv, want))
        self.assertEqual(failures, [])
        self.assertGreaterEqual(len(compared), 10, compared)


class ShowcmdFormatTests(unittest.SynchronousTestCase):
    """``qm showcmd --pretty`` prints each ``.cmd`` argv as Proxmox wrote it."""

    def test_roundtrip(self):
        folder = os.path.join(data_dir("qemu-server"), "cfg2cmd")
        files = sorted(glob.glob(os.path.join(folder, "**", "*.cmd"), recursive=True))
        failures = []
        for path in files:
            text = read(path)
            argv = shlex.split(text.replace("\\\n", " "))
            if format_command(argv, pretty=True) + "\n" != text:
                failures.append(path)
        self.assertEqual(failures, [])
        self.assertTrue(files)
