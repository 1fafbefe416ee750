"""Cloning a VM, as PVE::API2::Qemu ``clone_vm``.

:func:`plan` is the pure part (``load_and_check``): which keys the clone
gets, which drives are copied in full, which linked to a template's base
image, and Proxmox's refusals.  :func:`clone_action` is the ``qmclone``
worker: under the source's lock (shared for a stopped VM, exclusive for a
running one) and the new VMID's lock it writes a ``lock: clone`` config,
clones each disk (:mod:`pve.qemu.diskcopy`), then writes the final config;
a failure frees the new disks and removes the new config.
"""

import random
import re
import uuid
from typing import NamedTuple

from twisted.internet import defer, threads

from pve import flock
from pve.api.formats import FormatError, parse_property_string
from pve.qemu import config as qconfig
from pve.qemu import diskcopy
from pve.qemu import drives as qdrives
from pve.qemu import formats as qf
from pve.qemu import schema as qschema
from pve.qemu.runtime import Runtime
from pve.qemu.vmconfig import VMConfigError, check_lock, lock_file
from pve.storage.config import StorageError, storage_config
from pve.storage.volumes import parse_volname, parse_volume_id

# keys of a snapshot's state that a clone does not inherit
SKIP_KEYS = ("snapshots", "parent", "snaptime", "vmstate", "snapstate", "runningcpu",
             "runningmachine", "running-nets-host-mtu")
PROXMOX_OUI = "BC:24:11"
LOCK_TIMEOUT = 1
TEMP_CONFIG = b"# qmclone temporary file\nlock: clone\n"

# PVE::Storage::Plugin::volume_has_feature for a dir storage
_FEATURES = {
    "clone": {"base": ("qcow2", "raw", "vmdk")},
    "copy": {"base": ("qcow2", "raw", "vmdk"), "current": ("qcow2", "raw", "vmdk"),
             "snap": ("qcow2",)},
}


class CloneError(VMConfigError):
    """A refused or failed clone, with Proxmox's message."""


class Plan(NamedTuple):
    """What :func:`plan` found: the new config's keys (drives still to be
    cloned left out), the drives to clone (key -> drive dict), the keys
    of those copied in full, and the source volumes."""

    newconf: dict
    drives: dict
    fullclone: frozenset
    vollist: list
    full: bool


def _perl_true(value):
    return value not in (None, "", "0", 0, False)


def is_template(conf):
    return _perl_true(conf.main.get("template"))


def has_feature(ids, feature, volid, snapname=None):
    """Whether the volume *volid* can be cloned (``clone``, only a base
    image) or copied (``copy``) on its storage (``volume_has_feature``).
    Only dir storages are known here: anything else cannot."""
    try:
        storeid, volname = parse_volume_id(volid)
    except StorageError:
        return False
    if storage_config(ids, storeid).get("type") != "dir":
        return False
    try:
        volume = parse_volname(volname)
    except StorageError:
        return False
    key = "snap" if snapname else "base" if volume.isbase else "current"
    return volume.format in _FEATURES[feature].get(key, ())


def random_mac_function(prefix=PROXMOX_OUI, rng=None):
    rng = rng or random.SystemRandom()
    return lambda: qschema.random_ether_addr(rng, prefix)


def mac_prefix(datacenter_cfg):
    """``mac_prefix`` of datacenter.cfg text (Proxmox's OUI by default)."""
    for line in (datacenter_cfg or "").splitlines():
        match = re.match(r"\s*mac_prefix\s*:\s*(\S+)\s*$", line)
        if match:
            return match.group(1)
    return PROXMOX_OUI


def plan(conf, ids, running, full=None, storage=None, fmt=None, snapname=None,
         random_mac=None):
    """The clone of *conf* (a ``VMConfig``) as ``clone_vm`` checks it;
    *ids* the parsed storage.cfg; *full* None picks a linked clone for a
    template, a full one otherwise.  NICs get new MAC addresses from
    *random_mac()*.  Raises :class:`CloneError`."""
    if snapname:
        if snapname not in conf.snapshots:
            raise CloneError("snapshot '%s' does not exist" % snapname)
        raise CloneError("cloning from snapshot '%s' is not supported on this node"
                         % snapname)
    full = (not is_template(conf)) if full is None else bool(full)
    if storage is not None and not full:
        raise CloneError("parameter 'storage' not allowed for linked clones")
    if fmt is not None and not full:
        raise CloneError("parameter 'format' not allowed for linked clones")
    random_mac = random_mac or random_mac_function()
    newconf = {"lock": "clone"}
    drives, fullclone, vollist = {}, set(), []
    for opt in sorted(conf.main):
        value = conf.main[opt]
        if opt in SKIP_KEYS or re.fullmatch(r"unused\d+", opt):
            continue
        if full and running and opt == "tpmstate0":
            raise CloneError("cannot clone TPM state while VM is running")
        if re.fullmatch(r"net\d+", opt):
            net = qschema.parse_net(str(value))
            if net is None:
                raise CloneError("unable to parse network options for '%s'" % opt)
            net["macaddr"] = random_mac()
            newconf[opt] = qschema.print_net(net)
        elif qconfig.is_valid_drivename(opt):
            drive = qschema.parse_drive(opt, str(value))
            if drive is None:
                raise CloneError("unable to parse drive options for '%s'" % opt)
            if qdrives.is_cdrom(drive, exclude_cloudinit=True):
                newconf[opt] = value
                continue
            volid = drive.get("file")
            msg = "clone feature is not supported for '%s' (%s)" % (volid, opt)
            try:
                if full or qdrives.is_cloudinit(drive) or opt == "tpmstate0":
                    if not has_feature(ids, "copy", volid):
                        raise CloneError("Full " + msg)
                    fullclone.add(opt)
                elif not has_feature(ids, "clone", volid):
                    raise CloneError("Linked " + msg)
            except StorageError as error:
                raise CloneError(str(error))
            drives[opt] = drive
            if not qdrives.is_cloudinit(drive):
                vollist.append(volid)
        else:
            newconf[opt] = value
    return Plan(newconf, drives, frozenset(fullclone), vollist, full)


def finish_config(newconf, source_conf, vmid, name=None, description=None):
    """The clone's identity, set in *newconf*: a new SMBIOS UUID, a new
    vmgenid if the source has one, no ``template``, its name.  Returns its
    description (*description*, else the source's)."""
    try:
        smbios1 = parse_property_string(qf.SMBIOS1_FMT, newconf.get("smbios1") or "")
    except FormatError:
        smbios1 = {}
    smbios1["uuid"] = str(uuid.uuid4())
    newconf["smbios1"] = qschema.print_property_string(smbios1, qf.SMBIOS1_FMT)
    if _perl_true(newconf.get("vmgenid")):
        newconf["vmgenid"] = str(uuid.uuid4())
    newconf.pop("template", None)
    newconf["name"] = name or "Copy-of-VM-%s" % (source_conf.main.get("name") or vmid)
    return description or source_conf.description


# -- locks ---------------------------------------------------------------------

def lock_source(configs, vmid, exclusive, func, timeout=LOCK_TIMEOUT):
    """Run *func* holding *vmid*'s lock: exclusive for a running VM (its
    disks are mirrored), shared otherwise (parallel clones of a template)."""
    if exclusive:
        return configs.lock(vmid, func, timeout=timeout)
    d = threads.deferToThreadPool(configs.reactor, configs.reactor.getThreadPool(),
                                  flock.lock_file, lock_file(configs.paths, vmid), timeout,
                                  shared=True, error=VMConfigError)

    def locked(fd):
        def release(result):
            flock.unlock(fd)
            return result
        return defer.maybeDeferred(func).addBoth(release)
    return d.addCallback(locked)


# -- the worker --------------------------------------------------------------------

def firewall_path(vmid):
    return "firewall/%s.fw" % vmid


@defer.inlineCallbacks
def _clone_firewall(client, vmid, newid):
    """``clone_vmfw_conf``: the clone gets the source's firewall rules."""
    try:
        data = yield client.read(firewall_path(vmid))
    except OSError:
        return
    yield client.write(firewall_path(newid), data)


@defer.inlineCallbacks
def _remove_firewall(client, newid):
    try:
        yield client.delete(firewall_path(newid))
    except OSError:
        pass


@defer.inlineCallbacks
def clone_action(reactor, configs, vmid, newid, name=None, description=None, full=None,
                 storage=None, format=None, running=False, snapname=None, systemd=None):
    """The ``qmclone`` worker of *vmid*."""
    rt = Runtime(reactor, configs)
    ids = yield rt.storage_cfg()
    try:
        dc = yield configs.client.read("datacenter.cfg")
    except OSError:
        dc = b""
    random_mac = random_mac_function(mac_prefix(dc.decode("utf-8", "replace")))

    @defer.inlineCallbacks
    def clonefn():
        conf = yield configs.load(vmid)
        check_lock(conf)
        if bool(rt.check_running(vmid)) != bool(running):
            raise CloneError("unexpected state change")
        found = plan(conf, ids, running, full, storage, format, snapname, random_mac)
        if (yield configs.exists(newid)):
            raise CloneError("unable to create VM %s: config file already exists" % newid)
        print("creating a clone of VM %s with ID %s" % (vmid, newid))
        newconf = dict(found.newconf)
        desc = finish_config(newconf, conf, vmid, name, description)
        yield configs.client.write(configs.path(newid), TEMP_CONFIG)
        newvollist, jobs = [], {}
        try:
            yield _clone_firewall(configs.client, vmid, newid)
            keys = sorted(found.drives)
            for number, opt in enumerate(keys, 1):
                completion = "complete" if number == len(keys) else "skip"
                newdrive = yield diskcopy.clone_disk(
                    reactor, rt, ids, vmid, newid, opt, found.drives[opt],
                    opt in found.fullclone, bool(running), storage, format,
                    newvollist, jobs, completion)
                newconf[opt] = qschema.print_drive(newdrive)
                yield configs.write(newid, qconfig.VMConfig(main=dict(newconf),
                                                           description=desc))
            del newconf["lock"]
            if conf.pending:
                changes = ",".join(sorted(conf.pending))
                diskcopy.warn("found pending changes for '%s', discarding for clone"
                              % changes)
            yield configs.write(newid, qconfig.VMConfig(main=newconf, description=desc))
        except Exception as error:
            yield diskcopy.cancel_jobs(reactor, rt, vmid, jobs)
            yield diskcopy.free_volumes(reactor, ids, configs, newvollist)
            yield _remove_firewall(configs.client, newid)
            try:
                yield configs.delete(newid)
            except OSError:
                pass
            raise CloneError("clone failed: %s" % (_message(error),))

    def lock_target():
        return configs.lock(newid, clonefn, timeout=LOCK_TIMEOUT)

    yield lock_source(configs, vmid, bool(running), lock_target)


def _message(error):
    return str(error).rstrip("\n") or error.__class__.__name__
