"""Changing a running VM over QMP: qemu-server's ``vmconfig_hotplug_pending``
with ``vm_deviceplug``/``vm_deviceunplug``, for machines before 10.0 (all
that QEMU 7.2 has), whose disks are ``-drive`` + ``-device`` pairs.

A pending change is tried live; when that works its key moves from
``[PENDING]`` to the main section, when the option cannot change live
(:class:`Skip`) it stays pending until the next start, and when the
attempt fails it stays pending and ``errors[key]`` says
``hotplug problem - <why>``.  The features of the VM's ``hotplug`` option
decide what may be tried (default ``network,disk,usb``).

What is done live: disks on SCSI and VirtIO (HMP ``drive_add`` with the
``-drive`` string of :mod:`pve.qemu.drives`, then ``device_add``; the SCSI
controller and PCI bridge are added when missing), NICs (``netdev_add``
of a tap whose ``pve-bridge-hotplug`` script plugs it into the bridge,
then ``device_add``), removal of both (``device_del``, waiting until the
device is gone, then ``drive_del``/``netdev_del``), CD-ROM media, disk
I/O limits, a NIC's bridge/VLAN/firewall/rate/link, the tablet, the
balloon target (with ``shares: 0``: otherwise Proxmox leaves it to
pvestatd's auto-ballooning) and the options that do not touch the guest.
SATA/IDE disks, memory, CPUs, USB devices and cloud-init stay pending.

A PCI device leaves only once the guest acknowledges it (ACPI); a guest
that does not answer keeps it, and the removal fails with Proxmox's
"still busy in guest?".  SCSI disks leave at once.
"""

import re

from twisted.internet import defer, task

from pve.api.formats import FormatError, parse_property_string
from pve.qemu import bridge_script, command, diskalloc, network, qmp
from pve.qemu import drives as qdrives
from pve.qemu import formats as qf
from pve.qemu import devices as qdevices
from pve.qemu import hostinfo
from pve.qemu import machine as qmachine
from pve.qemu import pci as qpci
from pve.qemu.cmderrors import CommandError
from pve.qemu.runtime import qmp_socket
from pve.qemu.schema import parse_drive, parse_net

KVMVER = "7.2"                 # the QEMU the command builder targets
POLL = 0.1
ADD_VERIFY_TIMEOUT = 5
DEL_VERIFY_TIMEOUT = 5

# fast_plug_option: written at once, the running VM does not care
FAST_PLUG = frozenset([
    "description", "hookscript", "lock", "migrate_downtime", "migrate_speed", "name",
    "onboot", "protection", "shares", "startup", "tags", "vmstatestorage",
    "citype", "ciuser", "cipassword", "ciupgrade", "cicustom", "searchdomain",
    "nameserver", "sshkeys"])
_THROTTLE = ("mbps", "mbps_rd", "mbps_wr", "iops", "iops_rd", "iops_wr", "mbps_max",
             "mbps_rd_max", "mbps_wr_max", "iops_max", "iops_rd_max", "iops_wr_max",
             "bps_max_length", "bps_rd_max_length", "bps_wr_max_length", "iops_max_length",
             "iops_rd_max_length", "iops_wr_max_length")
_NOT_LIVE = ("aio", "discard", "iothread", "queues", "product", "cache", "ssd", "vendor", "ro")


class Skip(Exception):
    """The change cannot be made live; it stays pending."""


class HotplugError(Exception):
    """A live change failed (Proxmox's message)."""


def is_fast_plug(key):
    return key in FAST_PLUG or re.fullmatch(r"ipconfig\d+", key) is not None


def features(main):
    try:
        return command.hotplug_features(main.get("hotplug"))
    except CommandError as error:
        raise HotplugError(str(error))


def _ne(a, b):
    return (None if a is None else str(a)) != (None if b is None else str(b))


def _num_ne(a, b):
    return float(a or 0) != float(b or 0)


def _true(value):
    return value is not None and str(value) not in ("", "0")


def get_bootdisks(main):
    boot = main.get("boot")
    cfg = None
    if boot:
        try:
            cfg = parse_property_string(qf.BOOT_FMT, str(boot))
        except FormatError:
            cfg = None
    if cfg is None or cfg.get("legacy"):
        return [main["bootdisk"]] if main.get("bootdisk") else []
    order = [d for d in re.split(r"[,;\s]+", cfg.get("order") or "") if d]
    return [d for d in order if d in qdrives.DRIVE_NAMES]


def qdev_to_drive_id(qdev):
    m = re.fullmatch(r"/machine/peripheral/(virtio\d+)/virtio-backend", qdev)
    return m.group(1) if m else qdev


def _options(value):
    """``a=1,b=2`` as a dict (qemu_deviceadd's split)."""
    out = {}
    for item in value.split(","):
        name, _, val = item.partition("=")
        out[name] = val
    return out


class Hotplug:
    """The live side of config changes for VM *vmid* of *configs*
    (:class:`pve.qemu.vmconfig.VMConfigs`); *ids* the parsed storage.cfg;
    *warn* gets warnings, *blocking(func, *args)* runs blocking work."""

    def __init__(self, reactor, configs, vmid, ids, host=None, warn=print, blocking=None):
        self.reactor = reactor
        self.configs = configs
        self.paths = configs.paths
        self.nodename = configs.nodename
        self.vmid = int(vmid)
        self.ids = ids
        self._host = host
        self.warn = warn
        self.blocking = blocking or (
            lambda func, *args: diskalloc.in_thread(reactor, func, *args))

    # -- monitor --------------------------------------------------------------

    def mon(self, name, arguments=None, timeout=None):
        return qmp.runCommand(self.reactor, qmp_socket(self.paths, self.vmid), name,
                              arguments, timeout=timeout, peer=qmp.vmPeer(self.vmid))

    def hmp(self, line, timeout):
        return self.mon("human-monitor-command", {"command-line": line}, timeout)

    @defer.inlineCallbacks
    def devices_list(self):
        """``vm_devices_list``: the ids of the PCI devices, the drives with
        a device, the tablet and the USB devices."""
        found = {}
        todo = [d for bus in (yield self.mon("query-pci")) for d in bus.get("devices", ())]
        while todo:
            nested = []
            for dev in todo:
                if dev.get("qdev_id"):
                    found[dev["qdev_id"]] = 1
                nested += (dev.get("pci_bridge") or {}).get("devices") or []
            todo = nested
        for block in (yield self.mon("query-block")):
            if block.get("qdev"):
                found[qdev_to_drive_id(block["qdev"])] = 1
        for mouse in (yield self.mon("query-mice")):
            if mouse.get("name") == "QEMU HID Tablet":
                found["tablet"] = 1
                break
        for item in (yield self.mon("qom-list", {"path": "/machine/peripheral"})):
            if re.fullmatch(r"usb(?:redirdev)?\d+", item.get("name", "")):
                found[item["name"]] = 1
        return found

    @defer.inlineCallbacks
    def _wait(self, device_id, present, timeout):
        deadline = self.reactor.seconds() + timeout
        while True:
            devices = yield self.devices_list()
            if (device_id in devices) == present:
                return True
            if self.reactor.seconds() >= deadline:
                return False
            yield task.deferLater(self.reactor, POLL, lambda: None)

    @defer.inlineCallbacks
    def device_add_verify(self, device_id):
        if not (yield self._wait(device_id, True, ADD_VERIFY_TIMEOUT)):
            raise HotplugError("error on hotplug device '%s'" % device_id)

    @defer.inlineCallbacks
    def device_del_verify(self, device_id, timeout=DEL_VERIFY_TIMEOUT):
        if not (yield self._wait(device_id, False, timeout)):
            raise HotplugError("error on hot-unplugging device '%s' - still busy in guest?"
                               % device_id)

    def device_add(self, value):
        return self.mon("device_add", _options("driver=" + value))

    def device_del(self, device_id):
        return self.mon("device_del", {"id": device_id})

    # -- what the command line builder prints ------------------------------

    def context(self, main):
        host = self._host if self._host is not None else hostinfo.detect()
        volumes = qdrives.Volumes(self.ids, self.paths, self.nodename, host)
        machine = qmachine.resolve(main, KVMVER)
        ctx = command.Context(main, self.vmid, self.paths, host, machine, KVMVER, volumes,
                              self.warn)
        ctx.nodename = self.nodename
        ctx.bridge_script = bridge_script.script_path("pve-bridge-hotplug", self.paths)
        ctx.bridge_downscript = bridge_script.script_path("pve-bridgedown", self.paths)
        return ctx

    # -- plug ------------------------------------------------------------------

    @defer.inlineCallbacks
    def deviceplug(self, main, device_id, device=None):
        """``vm_deviceplug``: add *device_id* (``scsi1``, ``net0``, ``scsihw0``,
        ``tablet``...) unless it is there; *device* is its parsed drive or NIC."""
        devices = yield self.devices_list()
        if device_id in devices:
            return
        ctx = self.context(main)
        yield self._add_pci_bridge(ctx, device_id, devices)
        if device_id == "tablet":
            yield self.device_add("usb-tablet,id=tablet,bus=%s.0,port=1"
                                  % ("ehci" if ctx.machine.q35 else "uhci"))
        elif re.fullmatch(r"virtio\d+", device_id):
            if _true(device.get("iothread")):
                yield self._iothread_add("iothread-" + device_id)
            yield self.drive_add(ctx, device_id, device)
            try:
                yield self.device_add(self._drive_device(ctx, device_id, device))
                yield self.device_add_verify(device_id)
            except Exception:
                yield self._drive_del_quietly(device_id)
                raise
        elif re.fullmatch(r"(virtioscsi|scsihw)\d+", device_id):
            _id, value, iothread = qdrives.scsi_controller(main, device)
            if iothread:
                yield self._iothread_add(iothread)
            yield self.device_add(value)
            yield self.device_add_verify(device_id)
        elif re.fullmatch(r"scsi\d+", device_id):
            controller = qdrives.scsi_controller(main, device)[0]
            if controller not in devices:
                yield self.deviceplug(main, controller, device)
            yield self.drive_add(ctx, device_id, device)
            try:
                yield self.device_add(self._drive_device(ctx, device_id, device))
            except Exception:
                yield self._drive_del_quietly(device_id)
                raise
        elif re.fullmatch(r"net\d+", device_id):
            yield self._netdev_add(ctx, device_id, device)
        elif re.fullmatch(r"pci\.\d+", device_id) and not ctx.machine.q35:
            bridge = int(device_id[4:])
            yield self.device_add("pci-bridge,id=pci.%d,chassis_nr=%d%s"
                                  % (bridge, bridge, ctx.pci_addr(device_id)))
            yield self.device_add_verify(device_id)
        else:
            raise HotplugError("can't hotplug device '%s'" % device_id)

    @defer.inlineCallbacks
    def _add_pci_bridge(self, ctx, device_id, devices):
        bridges = set()
        qpci.pci_addr(device_id, bridges)
        bridge = max(bridges) if bridges else 0
        if bridge >= 1 and "pci.%d" % bridge not in devices:
            yield self.deviceplug(ctx.conf, "pci.%d" % bridge)

    def _drive_device(self, ctx, key, drive):
        try:
            return qdrives.device_commandline(ctx.volumes, ctx.conf, key, drive, set(),
                                              ctx.machine.q35)
        except CommandError as error:
            raise HotplugError(str(error))

    @defer.inlineCallbacks
    def drive_add(self, ctx, key, drive):
        """``qemu_driveadd``: HMP ``drive_add`` of the ``-drive`` string."""
        try:
            value = qdrives.drive_commandline(ctx.volumes, key, drive)
        except CommandError as error:
            raise HotplugError(str(error))
        value = value.replace("\\", "\\\\")
        ret = yield self.hmp('drive_add auto "%s"' % value, 60)
        if "OK" not in (ret or ""):
            raise HotplugError("adding drive failed: %s" % (ret or "").strip())

    @defer.inlineCallbacks
    def drive_del(self, key):
        ret = yield self.hmp("drive_del drive-%s" % key, 10 * 60)
        ret = (ret or "").lstrip()
        if ret and not re.search(r"Device '.*?' not found", ret, re.S):
            raise HotplugError("deleting drive %s failed : %s" % (key, ret.strip()))

    @defer.inlineCallbacks
    def _drive_del_quietly(self, key):
        try:
            yield self.drive_del(key)
        except Exception as error:
            self.warn("%s" % (error,))

    @defer.inlineCallbacks
    def _iothread_add(self, iothread):
        threads = yield self.mon("query-iothreads")
        if not any(t.get("id") == iothread for t in threads):
            yield self.mon("object-add", {"qom-type": "iothread", "id": iothread})

    @defer.inlineCallbacks
    def _iothread_del(self, iothread):
        threads = yield self.mon("query-iothreads")
        if any(t.get("id") == iothread for t in threads):
            yield self.mon("object-del", {"id": iothread})

    @defer.inlineCallbacks
    def _netdev_add(self, ctx, key, net):
        try:
            argv = qdevices.net_options(ctx, key, net)
        except CommandError as error:
            raise HotplugError(str(error))
        netdev, device = argv[1], argv[3]
        if net.get("bridge"):
            yield self.blocking(bridge_script.install_scripts, self.paths)
        options = _options(netdev)
        if "vhost" in options:
            options["vhost"] = options["vhost"] in ("on", "1", "yes", "true")
        if "queues" in options:
            options["queues"] = int(options["queues"])
        yield self.mon("netdev_add", options)
        yield self.device_add(device)
        try:
            yield self.device_add_verify(key)
            yield self.mon("set_link", {"name": key, "up": not _true(net.get("link_down"))})
        except Exception:
            try:
                yield self.mon("netdev_del", {"id": key})
            except Exception as error:
                self.warn("%s" % (error,))
            raise

    # -- unplug ----------------------------------------------------------------

    @defer.inlineCallbacks
    def deviceunplug(self, main, device_id):
        """``vm_deviceunplug``: remove *device_id* if it is there."""
        devices = yield self.devices_list()
        if device_id not in devices:
            return
        if device_id in get_bootdisks(main):
            raise HotplugError("can't unplug bootdisk '%s'" % device_id)
        if device_id in ("tablet", "keyboard", "xhci"):
            yield self.device_del(device_id)
        elif re.fullmatch(r"usb(?:redirdev)?\d+", device_id):
            yield self.device_del(device_id)
            yield self.device_del_verify(device_id)
        elif re.fullmatch(r"virtio\d+", device_id):
            drive = parse_drive(device_id, str(main.get(device_id) or "")) or {}
            yield self.device_del(device_id)
            yield self.device_del_verify(device_id)
            yield self.drive_del(device_id)
            if _true(drive.get("iothread")):
                yield self._iothread_del("iothread-" + device_id)
        elif re.fullmatch(r"(virtioscsi|scsihw)\d+", device_id):
            yield self.device_del(device_id)
            yield self.device_del_verify(device_id, 15)
        elif re.fullmatch(r"scsi\d+", device_id):
            drive = parse_drive(device_id, str(main.get(device_id) or "")) or {}
            yield self.device_del(device_id)
            yield self.device_del_verify(device_id)
            yield self.drive_del(device_id)
            if drive:
                yield self._delete_scsihw(main, drive)
                if main.get("scsihw") == "virtio-scsi-single":
                    yield self._iothread_del("iothread-virtioscsi%d" % drive["index"])
        elif re.fullmatch(r"net\d+", device_id):
            yield self.device_del(device_id)
            yield self.device_del_verify(device_id)
            yield self.mon("netdev_del", {"id": device_id})
        else:
            raise HotplugError("can't unplug device '%s'" % device_id)

    @defer.inlineCallbacks
    def _delete_scsihw(self, main, drive):
        """``qemu_deletescsihw``: the controller goes with its last disk."""
        if main.get("scsihw") == "virtio-scsi-single":
            yield self.deviceunplug(main, "virtioscsi%d" % drive["index"])
            return
        maxdev, controller, _prefix = qdrives.scsihw_infos(main.get("scsihw"), drive["index"])
        for key in (yield self.devices_list()):
            if key in qdrives.DRIVE_NAMES and main.get(key):
                other = parse_drive(key, str(main[key]))
                # sic: qemu-server's test, which keeps controllers in use
                if other and other["interface"] == "scsi" \
                        and other["index"] < (maxdev - 1) * (controller + 1):
                    return
        yield self.deviceunplug(main, "scsihw%d" % controller)

    # -- per option ------------------------------------------------------------

    @defer.inlineCallbacks
    def update_disk(self, conf, hotplug, key, value):
        """``vmconfig_update_disk``."""
        main = conf.main
        drive = parse_drive(key, value)
        old = parse_drive(key, str(main[key])) if main.get(key) else None
        if old is not None:
            if (drive.get("media") or "disk") != (old.get("media") or "disk"):
                raise HotplugError("unable to change media type")
            if not diskalloc.is_cdrom(old):
                if drive["file"] != old["file"]:
                    if not hotplug:
                        raise Skip()
                    yield self.deviceunplug(main, key)
                    yield self.register_unused(main, old)
                else:
                    if any(_ne(drive.get(o), old.get(o)) for o in _NOT_LIVE):
                        raise Skip()
                    if any(_num_ne(drive.get(o), old.get(o)) for o in _THROTTLE):
                        yield self._set_io_throttle(key, drive)
                    return
            else:
                error = None
                try:
                    yield self._change_medium(key, drive)
                except Exception as exc:
                    error = exc
                if drive["file"] == "none" and qdrives.is_cloudinit(old):
                    yield self.register_unused(main, old)
                if error is not None:
                    raise error
                return
        if not hotplug or re.fullmatch(r"(ide|sata)\d+", key):
            raise Skip()
        yield self.deviceplug(main, key, drive)

    @defer.inlineCallbacks
    def register_unused(self, main, drive):
        cloudinit = diskalloc.register_unused_drive(self.ids, self.vmid, main, drive,
                                                    self.warn)
        if cloudinit:
            try:
                yield self.blocking(diskalloc.free_volume, self.ids, self.paths,
                                    self.nodename, cloudinit)
            except Exception as error:
                self.warn("%s" % (error,))

    @defer.inlineCallbacks
    def _change_medium(self, key, drive):
        yield self.mon("eject", {"force": True, "id": key})
        ctx = self.context({})
        try:
            path, fmt = qdrives.path_and_format(ctx.volumes, key, drive)
        except CommandError as error:
            raise HotplugError(str(error))
        if path:
            yield self.mon("blockdev-change-medium",
                           {"id": key, "filename": path, "format": fmt})

    def _set_io_throttle(self, key, drive):
        mib = 1024 * 1024
        args = {"device": "drive-" + key}
        for name in ("bps", "bps_rd", "bps_wr"):
            args[name] = int(float(drive.get("m" + name) or 0) * mib)
            args[name + "_max"] = int(float(drive.get("m%s_max" % name) or 0) * mib)
        for name in ("iops", "iops_rd", "iops_wr"):
            args[name] = int(float(drive.get(name) or 0))
            args[name + "_max"] = int(float(drive.get(name + "_max") or 0))
        for name in ("bps", "bps_rd", "bps_wr", "iops", "iops_rd", "iops_wr"):
            length = name + "_max_length"
            args[length] = int(float(drive.get(length) or 1))
        return self.mon("block_set_io_throttle", args)

    @defer.inlineCallbacks
    def update_net(self, conf, hotplug, key, value):
        """``vmconfig_update_net``."""
        main = conf.main
        new = parse_net(value)
        if main.get(key):
            old = parse_net(str(main[key])) or {}
            if (_ne(old.get("model"), new.get("model"))
                    or _ne(old.get("macaddr"), new.get("macaddr"))
                    or _num_ne(old.get("queues"), new.get("queues"))
                    or _num_ne(old.get("mtu"), new.get("mtu"))
                    or not (new.get("bridge") and old.get("bridge"))):
                if not hotplug:
                    raise Skip()
                yield self.deviceunplug(main, key)
            else:
                iface = network.tap_name(self.vmid, int(key[3:]))
                moved = _ne(old.get("bridge"), new.get("bridge")) \
                    or _num_ne(old.get("tag"), new.get("tag"))
                if moved or _ne(old.get("trunks"), new.get("trunks")) \
                        or _num_ne(old.get("firewall"), new.get("firewall")):
                    yield self.blocking(network.tap_unplug, iface)
                    if moved:
                        yield self.mon("set_link", {"name": key, "up": False})
                    yield self.blocking(network.tap_plug, iface, new.get("bridge"),
                                        new.get("tag"), _true(new.get("firewall")),
                                        new.get("trunks"), new.get("rate"))
                elif _num_ne(old.get("rate"), new.get("rate")):
                    yield self.blocking(network.Network().tap_rate_limit, iface,
                                        new.get("rate"))
                if moved or _ne(old.get("link_down"), new.get("link_down")):
                    yield self.mon("set_link", {"name": key,
                                                "up": not _true(new.get("link_down"))})
                return
        if not hotplug:
            raise Skip()
        yield self.deviceplug(main, key, new)

    def update_agent(self, main, value):
        """``vmconfig_update_agent``: only ``fstrim_cloned_disks`` changes live."""
        if not main.get("agent"):
            raise Skip()
        try:
            old = parse_property_string(qf.AGENT_FMT, str(main["agent"]))
            new = parse_property_string(qf.AGENT_FMT, str(value))
        except FormatError:
            raise Skip()
        for name in set(old) | set(new):
            if name != "fstrim_cloned_disks" and _ne(old.get(name), new.get(name)):
                raise Skip()

    def set_balloon(self, mib):
        return self.mon("balloon", {"value": int(mib) * 1024 * 1024})
