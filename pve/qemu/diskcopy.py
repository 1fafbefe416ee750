"""Copying one disk of a VM for its clone, as qemu-server's ``clone_disk``.

A linked clone is a new qcow2 image backed by the template's base image
(:func:`pve.storage.dirstore.clone_image`).  A full clone allocates a new
image of the source's size, then copies the data: ``qemu-img convert``
from a stopped VM's image; from a running VM, QMP ``drive-mirror``
(``sync=full`` into the new image), waiting until every mirror is ready,
then ``block-job-cancel`` with the guest paused for a moment, so the source
keeps its disk and the copy is consistent across disks.
"""

import math
import re
import shlex
import sys
import time

from twisted.internet import defer, protocol, task, threads

from pve.qemu import drives as qdrives
from pve.qemu.vmconfig import VMConfigError
from pve.storage import dirstore
from pve.storage.config import StorageError
from pve.storage.volumes import parse_volname, parse_volume_id

CLOUDINIT_DISK_SIZE = 4 * 1024 * 1024
POLL = 1.0
QMP_TIMEOUT = 10
_PROGRESS = re.compile(r"\((\S+)/100%\)")


class CopyError(VMConfigError):
    """A disk copy failed, with Proxmox's message."""


def render_bytes(value, precision=2):
    """``PVE::Format::render_bytes``: ``10.0 MiB`` with precision 1."""
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
    unit = 0
    value = float(value)
    if value > 1023:
        unit = min(int(math.log(value) / math.log(1024)), len(units) - 1)
        value /= 1024 ** unit
    return "%.*f %s" % (precision, value, units[unit])


def render_duration(seconds):
    rest = int(seconds)
    if not rest:
        return "0s"
    parts = []
    for unit, length in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        if rest >= length:
            parts.append("%d%s" % (rest // length, unit))
            rest %= length
    return " ".join(parts)


def warn(text):
    """A Perl ``warn`` in a worker: into the task log, not counted."""
    sys.stdout.flush()
    sys.stderr.write(text + "\n")
    sys.stderr.flush()


def _in_thread(reactor, func, *args, **kw):
    return threads.deferToThreadPool(reactor, reactor.getThreadPool(), func, *args, **kw)


def _storage(ids, rt, storeid):
    return dirstore.open_storage(ids, storeid, paths=rt.paths, node=rt.nodename)


@defer.inlineCallbacks
def clone_disk(reactor, rt, ids, vmid, newid, key, drive, full, running, storage, fmt,
               newvollist, jobs, completion):
    """Clone drive *key* of *vmid* for *newid*; fires with the new drive
    dict.  New volumes are appended to *newvollist* as soon as they exist
    (the caller frees them on failure); running mirrors go into *jobs*."""
    volid = drive["file"]
    use_mirror = full and running
    print("create %s clone of drive %s (%s)" % ("full" if full else "linked", key, volid))
    src_storeid = parse_volume_id(volid)[0]
    try:
        if not full:
            source = _storage(ids, rt, src_storeid)
            newvolid = yield _in_thread(reactor, dirstore.clone_image, source, volid, newid)
            newvollist.append(newvolid)
            base = parse_volname(parse_volume_id(volid)[1])
            name = newvolid.rsplit("/", 1)[1]
            warn("clone %s/%s: images, %s, %s to %s (base=../%s/%s)" % (
                base.vmid, base.name, name, newid, name, base.vmid, base.name))
        else:
            newvolid = yield _full_copy(reactor, rt, ids, vmid, newid, key, drive, running,
                                        storage, fmt, newvollist, jobs, completion,
                                        use_mirror)
        size = None
        try:
            info = yield _in_thread(reactor, dirstore.volume_size_info,
                                    _storage(ids, rt, parse_volume_id(newvolid)[0]), newvolid)
            size = info["size"]
        except StorageError:
            pass
    except StorageError as error:
        raise CopyError(str(error))
    disk = dict(drive)
    disk.pop("format", None)
    disk["file"] = newvolid
    if size is not None:
        disk["size"] = size
    return disk


@defer.inlineCallbacks
def _full_copy(reactor, rt, ids, vmid, newid, key, drive, running, storage, fmt,
               newvollist, jobs, completion, use_mirror):
    volid = drive["file"]
    source = _storage(ids, rt, parse_volume_id(volid)[0])
    target = _storage(ids, rt, storage or source.storeid)
    src_format = parse_volname(parse_volume_id(volid)[1]).format
    dst_format = dirstore.resolve_format_hint(target, fmt or src_format)
    if fmt and fmt != dst_format:
        warn("format '%s' is not supported by the target storage '%s' - using '%s' "
             "instead" % (fmt, target.storeid, dst_format))
    cloudinit = qdrives.is_cloudinit(drive)
    name = None
    if cloudinit:
        name = "vm-%s-cloudinit.%s" % (newid, dst_format)
        size = CLOUDINIT_DISK_SIZE
    else:
        dirstore.activate(source)
        size = dirstore.volume_size_info(source, volid)["size"]
    newvolid = yield _in_thread(reactor, dirstore.alloc, target, newid, dst_format, name,
                                int(math.ceil(size / 1024.0)))
    newvollist.append(newvolid)
    print("allocated target volume '%s'" % newvolid)
    if cloudinit:
        if completion == "complete" and jobs:
            yield monitor(reactor, rt, vmid, jobs, completion)
    elif use_mirror:
        yield mirror(reactor, rt, vmid, key, dirstore.path(target, newvolid), dst_format,
                     jobs, completion)
    else:
        yield convert(reactor, dirstore.path(source, volid), src_format,
                      dirstore.path(target, newvolid), dst_format, size)
    return newvolid


# -- qemu-img convert ------------------------------------------------------------------

class _Convert(protocol.ProcessProtocol):
    """Prints ``qemu-img convert -p``'s progress as Proxmox does."""

    def __init__(self, size):
        self.size = size
        self.pending = b""
        self.errors = b""
        self.ended = defer.Deferred()

    def outReceived(self, data):
        self.pending += data
        *lines, self.pending = self.pending.replace(b"\r", b"\n").split(b"\n")
        for line in lines:
            self.progress(line.decode("utf-8", "replace"))

    def progress(self, line):
        match = _PROGRESS.search(line)
        if match is None:
            return
        percent = match.group(1)
        try:
            done = int(self.size * float(percent) / 100)
        except ValueError:
            return
        print("transferred %s of %s (%s%%)" % (render_bytes(done, 1),
                                               render_bytes(self.size, 1), percent))

    def errReceived(self, data):
        self.errors += data

    def processEnded(self, reason):
        self.ended.callback(reason.value)


@defer.inlineCallbacks
def convert(reactor, src_path, src_format, dst_path, dst_format, size):
    """``qemu-img convert`` into the allocated image (``-n``: no create)."""
    cmd = [dirstore.QEMU_IMG, "convert", "-p", "-n", "-f", src_format, "-O", dst_format,
           src_path, dst_path]
    proto = _Convert(size)
    reactor.spawnProcess(proto, cmd[0], cmd, env={"LC_ALL": "C"})
    status = yield proto.ended
    for line in proto.errors.decode("utf-8", "replace").splitlines():
        warn(line)
    code = getattr(status, "exitCode", 0)
    signal = getattr(status, "signal", None)
    if signal:
        raise CopyError("copy failed: command '%s' failed: got signal %s"
                        % (shlex.join(cmd), signal))
    if code:
        raise CopyError("copy failed: command '%s' failed: exit code %s"
                        % (shlex.join(cmd), code))


# -- drive-mirror -------------------------------------------------------------------

@defer.inlineCallbacks
def mirror(reactor, rt, vmid, key, dst_path, dst_format, jobs, completion):
    """Start mirroring drive *key* of the running *vmid* into the existing
    image *dst_path*, then :func:`monitor` all *jobs*."""
    device = "drive-%s" % key
    jobs[device] = {}
    print("drive mirror is starting for %s" % device)
    try:
        yield rt.qmp(vmid, "drive-mirror", {
            "device": device, "sync": "full", "target": dst_path, "mode": "existing",
            "format": dst_format, "auto-dismiss": False}, timeout=QMP_TIMEOUT)
    except Exception as error:
        yield cancel_jobs(reactor, rt, vmid, jobs)
        raise CopyError("mirroring error: %s" % (error,))
    yield monitor(reactor, rt, vmid, jobs, completion)


def _sleep(reactor, seconds):
    return task.deferLater(reactor, seconds, lambda: None)


@defer.inlineCallbacks
def monitor(reactor, rt, vmid, jobs, completion):
    """Poll ``query-block-jobs`` until every mirror in *jobs* is ready;
    with *completion* ``complete``, pause the guest, cancel the jobs (the
    VM keeps its disks, the copies are complete) and resume it."""
    start = time.monotonic()
    try:
        while True:
            stats = yield rt.qmp(vmid, "query-block-jobs")
            running = {job.get("device"): job for job in stats or []
                       if job.get("type") == "mirror"}
            ready = 0
            for device in sorted(jobs):
                job = running.get(device)
                if job is None:
                    raise CopyError("%s: 'mirror' has been cancelled" % device)
                if job.get("status") == "concluded":
                    yield _dismiss(rt, vmid, device)
                    raise CopyError("%s: %s (io-status: %s)" % (
                        device, job.get("error") or "job concluded",
                        job.get("io-status")))
                total = job.get("len")
                if total:
                    done = job.get("offset") or 0
                    line = "transferred %s of %s (%.2f%%) in %s" % (
                        render_bytes(done, 1), render_bytes(total, 1), done * 100.0 / total,
                        render_duration(time.monotonic() - start))
                    if job.get("ready"):
                        line += ", still busy" if job.get("busy") else ", ready"
                    if not jobs[device].get("ready"):
                        print("%s: %s" % (device, line))
                    jobs[device]["ready"] = bool(job.get("ready"))
                if job.get("ready"):
                    ready += 1
            if ready == len(jobs):
                print("all 'mirror' jobs are ready")
                if completion == "complete":
                    yield _detach_copies(reactor, rt, vmid, jobs)
                return
            yield _sleep(reactor, POLL)
    except Exception as error:
        yield cancel_jobs(reactor, rt, vmid, jobs)
        raise CopyError("block job (mirror) error: %s" % (str(error).rstrip("\n"),))


@defer.inlineCallbacks
def _detach_copies(reactor, rt, vmid, jobs):
    """The copies are in sync: pause the guest, cancel the mirrors so the
    VM keeps using its own disks, resume (only a guest we paused)."""
    status = yield rt.qmp(vmid, "query-status")
    paused = status.get("status") == "running"
    if paused:
        print("suspend vm")
        yield rt.qmp(vmid, "stop")
    try:
        yield cancel_jobs(reactor, rt, vmid, jobs)
    finally:
        if paused:
            print("resume vm")
            yield rt.qmp(vmid, "cont")


@defer.inlineCallbacks
def _dismiss(rt, vmid, device):
    try:
        yield rt.qmp(vmid, "job-dismiss", {"id": device})
    except Exception as error:
        warn("%s: failed to dismiss job - %s" % (device, error))


@defer.inlineCallbacks
def cancel_jobs(reactor, rt, vmid, jobs, timeout=60):
    """``qemu_blockjobs_cancel``: cancel every job in *jobs* and wait
    until QEMU has dropped them (dismissing concluded ones)."""
    if not jobs:
        return
    for device in sorted(jobs):
        print("%s: Cancelling block job" % device)
        try:
            yield rt.qmp(vmid, "block-job-cancel", {"device": device})
        except Exception:
            pass
        jobs[device]["cancel"] = True
    deadline = time.monotonic() + timeout
    while jobs:
        try:
            stats = yield rt.qmp(vmid, "query-block-jobs")
        except Exception as error:
            warn("cannot query block jobs - %s" % (error,))
            return
        present = {job.get("device"): job for job in stats or []}
        for device in sorted(jobs):
            job = present.get(device)
            if job is not None and job.get("status") == "concluded":
                yield _dismiss(rt, vmid, device)
            elif job is None:
                print("%s: Done." % device)
                del jobs[device]
        if not jobs or time.monotonic() > deadline:
            return
        yield _sleep(reactor, 0.2)


@defer.inlineCallbacks
def free_volumes(reactor, ids, configs, volids):
    """Free the clone's new volumes after a failure (warn, go on)."""
    for volid in volids:
        try:
            storage = dirstore.open_storage(ids, parse_volume_id(volid)[0],
                                            paths=configs.paths, node=configs.nodename)
            yield _in_thread(reactor, dirstore.free, storage, volid)
        except Exception as error:
            warn(str(error))
