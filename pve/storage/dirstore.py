"""Operations on a directory storage: allocate, list, resize and free
volumes, and the storage's status.

Plain blocking functions (file system calls and ``qemu-img``): callers run
them in a thread or a worker process, never in the reactor thread.  Each
takes a :class:`DirStorage`, made by :func:`open_storage` from the parsed
``storage.cfg`` and the node's :class:`pve.paths.Paths`, so every path it
touches is under ``PVE_ROOT`` (see :mod:`pve.storage.config`).

Behaviour, commands and messages follow ``PVE::Storage`` (``vdisk_alloc``,
``vdisk_free``, ``vdisk_clone``, ``volume_list``, ``storage_info``,
``resolve_format_hint``) and ``PVE::Storage::Plugin`` / ``DirPlugin``
(``activate_storage``, ``alloc_image``, ``clone_image``, ``free_image``,
``list_images``, ``volume_resize``, ``status``).  Where Proxmox would
leave something behind on bad input (``alloc_image`` makes the VM's
directory before checking the name), the checks come first here, so a
refused call changes nothing.
"""

import errno
import fcntl
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import time
from typing import NamedTuple, Optional

from twisted.logger import Logger

from pve import paths as pve_paths
from pve.storage.config import (DIR_DEFAULT_FORMAT, DIR_FORMATS, StorageError,
                                host_path, parse_boolean, storage_config)
from pve.storage.volumes import (VTYPE_SUBDIRS, classify_file,
                                 filesystem_path, get_next_vm_diskname,
                                 parse_name_dir, parse_vmid, parse_volname,
                                 parse_volume_id, subdir)

log = Logger()

QEMU_IMG = "/usr/bin/qemu-img"
LOCK_DIR = "/var/lock/pve-manager"
LOCK_TIMEOUT = 10
RESIZE_TIMEOUT = 10
CONTENT_TYPES = ("rootdir", "images", "vztmpl", "iso", "backup", "snippets",
                 "import")
QCOW2_PREALLOCATION = ("off", "metadata", "falloc", "full")
RAW_PREALLOCATION = ("off", "falloc", "full")


class DirStorage(NamedTuple):
    """A dir storage as one node sees it."""

    storeid: str
    config: dict        # its properties in storage.cfg
    path: str           # its directory on this node (under PVE_ROOT)
    mountpoint: Optional[str]  # what must be mounted (is_mountpoint), or None
    node: str           # this node's name (for the ``nodes`` option)
    lock: str           # the lock file of allocations


def open_storage(ids, storeid, paths=None, node=None):
    """The :class:`DirStorage` *storeid* of the parsed ``storage.cfg``
    *ids*, with its paths under *paths* (default: ``PVE_ROOT``)."""
    paths = pve_paths.current() if paths is None else paths
    config = storage_config(ids, storeid)
    if config["type"] != "dir":
        raise StorageError("unknown section type '%s'" % config["type"])
    mountpoint = config.get("is_mountpoint")
    if mountpoint is not None:
        flag = parse_boolean(mountpoint)
        if flag is not None:
            mountpoint = config["path"] if flag else None
    return DirStorage(
        storeid, config, host_path(config["path"], paths),
        None if mountpoint is None else host_path(mountpoint, paths),
        pve_paths.nodename() if node is None else node,
        paths.join(LOCK_DIR, "pve-storage-%s" % storeid))


# -- the storage ----------------------------------------------------------

def path_is_mounted(mountpoint, mounts=None):
    """Whether *mountpoint* (symlinks resolved) is mounted; *mounts* is the
    text of ``/proc/mounts``."""
    if not os.path.exists(mountpoint):
        return False
    mountpoint = os.path.realpath(mountpoint)
    if mounts is None:
        with open("/proc/mounts", encoding="utf-8",
                  errors="surrogateescape") as f:
            mounts = f.read()
    for line in mounts.splitlines():
        fields = line.split()
        if len(fields) > 1 and not fields[0].startswith("#"):
            # /proc/mounts escapes space, tab, newline and backslash
            target = re.sub(r"\\([0-7]{3})|\\\\",
                            lambda m: chr(int(m.group(1), 8)) if m.group(1)
                            else "\\", fields[1])
            if target == mountpoint:
                return True
    return False


def _subdir(storage, vtype):
    return subdir(storage.path, vtype, storage.config.get("content-dirs"))


def activate(storage):
    """Make the storage usable (``activate_storage``): check it is enabled
    here and mounted, create its directory and content directories."""
    storeid, config = storage.storeid, storage.config
    if config.get("disable"):
        raise StorageError("storage '%s' is disabled" % storeid)
    if config.get("nodes") and storage.node not in config["nodes"]:
        raise StorageError("storage '%s' is not available on node '%s'"
                           % (storeid, storage.node))
    if storage.mountpoint and not path_is_mounted(storage.mountpoint):
        raise StorageError(
            "unable to activate storage '%s' - directory is expected to be a "
            "mount point but is not mounted: '%s'" % (storeid,
                                                      storage.mountpoint))
    if config.get("create-base-path", config.get("mkdir", 1)):
        try:
            os.makedirs(storage.path, exist_ok=True)
        except OSError as error:
            raise StorageError("mkdir %s: %s" % (storage.path,
                                                 error.strerror))
    if not os.path.isdir(storage.path):
        raise StorageError("unable to activate storage '%s' - directory '%s' "
                           "does not exist or is unreachable"
                           % (storeid, storage.path))
    content = config.get("content", [])
    if config.get("create-subdirs", 1) and config.get("mkdir", 1):
        for vtype in sorted(VTYPE_SUBDIRS):
            # backups of containers are made in 'dump' too
            if vtype in content or (vtype == "backup"
                                    and "rootdir" in content):
                _make_content_dir(storage, vtype)
    seen = set()
    for vtype in sorted(content):
        if vtype not in VTYPE_SUBDIRS:
            continue  # 'none': Proxmox fails with "unknown vtype 'none'"
        directory = _subdir(storage, vtype)
        if not os.path.exists(directory):
            continue
        directory = os.path.realpath(directory)
        if directory in seen:
            raise StorageError("storage '%s' uses directory %s for multiple "
                               "content types" % (storeid, directory))
        seen.add(directory)


def _make_content_dir(storage, vtype):
    directory = _subdir(storage, vtype)
    try:
        os.makedirs(directory, exist_ok=True)
    except OSError as error:
        message = "failed to create content directory '%s' for content " \
                  "'%s' - %s" % (directory, vtype, error.strerror)
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            message += " - ensure that you have read and write access to " \
                       "your storage!"
        raise StorageError(message)


def status(storage):
    """``{"total", "used", "avail", "active"}`` in bytes, as
    ``storage_info`` reports it; all 0 when it cannot be activated."""
    result = {"total": 0, "used": 0, "avail": 0, "active": 0}
    try:
        activate(storage)
    except (StorageError, OSError) as error:
        log.warn("{error}", error=error)
        return result
    vfs = os.statvfs(storage.path)
    total = vfs.f_blocks * vfs.f_frsize
    if not total:
        return result
    used = (vfs.f_blocks - vfs.f_bfree) * vfs.f_frsize
    return {"total": total, "used": used,
            "avail": vfs.f_bavail * vfs.f_frsize, "active": 1}


class _Lock:
    """``cluster_lock_storage`` of a local storage: an flock on
    ``/var/lock/pve-manager/pve-storage-<id>``."""

    def __init__(self, path, timeout=LOCK_TIMEOUT):
        self.path, self.timeout, self.fd = path, timeout, None

    def __enter__(self):
        os.makedirs(os.path.dirname(self.path), exist_ok=True)
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return self
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    os.close(self.fd)
                    raise StorageError("can't lock file '%s' - got timeout"
                                       % self.path)
                time.sleep(0.05)

    def __exit__(self, *exc):
        os.close(self.fd)


# -- qemu-img ---------------------------------------------------------------

def _spawn(cmd, timeout=None, umask=-1):
    env = dict(os.environ, LC_ALL="C")
    try:
        return subprocess.run(cmd, capture_output=True, text=True, env=env,
                              timeout=timeout, umask=umask,
                              errors="surrogateescape")
    except subprocess.TimeoutExpired:
        raise StorageError("command '%s' failed: got timeout"
                           % shlex.join(cmd))
    except OSError as error:
        raise StorageError("command '%s' failed: %s" % (shlex.join(cmd),
                                                         error.strerror))


def _run(cmd, errmsg=None, timeout=None, umask=-1):
    """Run *cmd* as ``run_command``: the output, or StorageError with
    ``<errmsg>: <last line of stderr>`` or ``command '...' failed: ...``."""
    done = _spawn(cmd, timeout, umask)
    if done.returncode:
        lines = done.stderr.strip().splitlines()
        for line in lines:
            log.info("{line}", line=line)
        if errmsg and lines:
            raise StorageError("%s: %s" % (errmsg, lines[-1]))
        reason = ("got signal %d" % -done.returncode if done.returncode < 0
                  else "exit code %d" % done.returncode)
        if errmsg:
            raise StorageError("%s: %s" % (errmsg, reason))
        raise StorageError("command '%s' failed: %s" % (shlex.join(cmd),
                                                         reason))
    return done.stdout


def preallocation_cmd_opt(config, fmt):
    """The ``preallocation`` qemu-img gets for a new *fmt* image."""
    prealloc = config.get("preallocation")
    if fmt == "qcow2":
        prealloc = prealloc or "metadata"
        allowed = QCOW2_PREALLOCATION
    elif fmt == "raw":
        prealloc = prealloc or "off"
        prealloc = "off" if prealloc == "metadata" else prealloc
        allowed = RAW_PREALLOCATION
    else:
        return None
    if prealloc not in allowed:
        raise StorageError("preallocation mode '%s' not supported by format "
                           "'%s'" % (prealloc, fmt))
    return prealloc


def file_size_info(path, fmt):
    """``(size, format, used, parent, ctime)`` of an image (``qemu-img
    info``), or None when the file cannot be found."""
    try:
        st = os.stat(path)
    except OSError:
        extra = " - dangling symlink?" if os.path.islink(path) else ""
        log.warn("failed to stat '{path}'{extra}", path=path, extra=extra)
        return None
    if stat.S_ISDIR(st.st_mode):
        return 0, "subvol", 0, None, int(st.st_ctime)
    cmd = [QEMU_IMG, "info", "--output=json", path]
    if fmt:
        cmd += ["-f", fmt]
    done = _spawn(cmd)
    if not done.stdout:
        # run_qemu_img_json: qemu-img's complaint is the error
        raise StorageError(done.stderr.strip() or "command '%s' failed: "
                           "exit code %d" % (shlex.join(cmd), done.returncode))
    try:
        info = json.loads(done.stdout)
    except ValueError as error:
        raise StorageError("could not parse qemu-img info command output for "
                           "'%s' - %s" % (path, error))
    return (int(info["virtual-size"]), info["format"],
            int(info.get("actual-size", 0)), info.get("backing-filename"),
            int(st.st_ctime))


# -- volumes ---------------------------------------------------------------

def _volname(storage, volid):
    storeid, volname = parse_volume_id(volid)
    if storeid != storage.storeid:
        raise StorageError("storage ID mismatch (%s != %s)"
                           % (storeid, storage.storeid))
    return volname


def path(storage, volid):
    """The file of *volid* on this node."""
    return filesystem_path(storage.path, _volname(storage, volid),
                           storage.config.get("content-dirs"))


def list_images(storage, vmid=None):
    """The images of the storage (``list_images``), of *vmid* only if
    given: dicts with volid, format, size, used, vmid, parent, ctime."""
    imagedir = _subdir(storage, "images")
    result = []
    try:
        owners = sorted(os.listdir(imagedir))
    except FileNotFoundError:
        return result
    for owner in owners:
        # Proxmox globs <images>/[0-9][0-9]*/* and wants \d+ directories
        if not (len(owner) > 1 and owner.isascii() and owner.isdigit()):
            continue
        if vmid is not None and owner != str(vmid):
            continue
        try:
            names = sorted(os.listdir(os.path.join(imagedir, owner)))
        except (NotADirectoryError, FileNotFoundError):
            continue
        for name in names:
            info = _image_info(storage, imagedir, owner, name)
            if info is not None:
                result.append(info)
    return result


def _image_info(storage, imagedir, owner, name):
    fmt = name.rpartition(".")[2]
    if name.startswith(".") or fmt not in DIR_FORMATS:
        return None
    try:
        parse_name_dir(name)
    except StorageError:
        return None
    filename = "%s/%s/%s" % (imagedir, owner, name)
    try:
        info = file_size_info(filename, fmt)
    except StorageError as error:
        if not re.search(r"Image is not in \S+ format$", str(error)):
            raise
        log.warn("image '{path}' is not in expected format '{fmt}', "
                 "querying as raw", path=filename, fmt=fmt)
        info = file_size_info(filename, "raw")
        fmt = "invalid"
    if info is None:
        return None
    size, _, used, parent, ctime = info
    volid = "%s:%s/%s" % (storage.storeid, owner, name)
    if parent:
        base = parent.split("/")
        if (len(base) == 3 and base[0] == ".." and base[1].isdigit()
                and base[2].rpartition(".")[2] in DIR_FORMATS):
            volid = "%s:%s/%s/%s/%s" % (storage.storeid, base[1], base[2],
                                        owner, name)
    return {"volid": volid, "format": fmt, "size": size, "vmid": int(owner),
            "used": used, "parent": parent, "ctime": ctime}


def _files(storage, vtype, vmid):
    """The volumes of a file content type (``get_subdir_files``)."""
    directory = _subdir(storage, vtype)
    try:
        names = sorted(os.listdir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return []
    result = []
    for name in names:
        if name.startswith("."):
            continue
        filename = os.path.join(directory, name)
        try:
            st = os.stat(filename)
        except OSError:
            continue
        if stat.S_ISDIR(st.st_mode):
            continue
        info = classify_file(storage.storeid, vtype, name, vmid)
        if info is not None:
            if vtype == "backup":
                _backup_extras(info, filename)
            info["size"] = st.st_size
            info.setdefault("ctime", int(st.st_ctime))
            result.append(info)
    return result


def _backup_extras(info, filename):
    """A backup's notes (first line) and protection."""
    try:
        with open(filename + ".notes", "rb") as f:
            notes = f.readline().rstrip(b"\n")
        info["notes"] = notes.decode("utf-8", "replace")
    except OSError:
        pass
    if os.path.exists(filename + ".protected"):
        info["protected"] = 1


def list_volumes(storage, vmid=None, content=None, guest_types=None):
    """The volumes of the storage (``volume_list``), each a dict with
    ``volid``, ``content``, ``format``, ``size``, ``ctime`` and per type
    ``vmid``, ``used``, ``parent``, ``subtype``, ``notes``, ``protected``;
    sorted by volume ID.  *content* picks one content type; *vmid* keeps
    that guest's images and backups (and no ISOs or templates).
    *guest_types* (``{vmid: "qemu" | "lxc"}``) tells container volumes
    (``rootdir``) from VM disks (``images``); without it all are images.
    """
    types = [content] if content else list(CONTENT_TYPES)
    types = [t for t in types if t in storage.config.get("content", ())]
    activate(storage)
    guest_types = guest_types or {}
    result = []
    for vtype in types:
        if vtype in ("images", "rootdir"):
            for item in list_images(storage, vmid):
                lxc = guest_types.get(item["vmid"]) == "lxc"
                item["content"] = "rootdir" if lxc else "images"
                if item["content"] == vtype:
                    result.append(item)
            continue
        if vmid is not None and vtype not in ("backup", "snippets",
                                              "import"):
            continue
        for item in _files(storage, vtype, vmid if vtype == "backup"
                           else None):
            item["content"] = vtype
            result.append(item)
    result.sort(key=lambda item: item["volid"].lower())
    return result


def find_free_diskname(storage, vmid, fmt, add_fmt_suffix=True):
    """The name the next disk of *vmid* gets (``find_free_diskname``)."""
    volids = [image["volid"] for image in list_images(storage, vmid)]
    return get_next_vm_diskname(volids, storage.storeid, vmid, fmt,
                                add_fmt_suffix)


def alloc(storage, vmid, fmt=None, name=None, size_kib=0):
    """Create a disk image of *size_kib* KiB for *vmid* (``vdisk_alloc``)
    and return its volume ID.  Without *name*, the next free
    ``vm-<vmid>-disk-<n>.<fmt>``; without *fmt*, the storage's format."""
    if not vmid:
        raise StorageError("no VMID specified")
    vmid = parse_vmid(vmid)
    fmt = fmt or storage.config.get("format") or DIR_DEFAULT_FORMAT
    if fmt not in DIR_FORMATS:
        raise StorageError("unsupported format '%s' for storage type dir"
                           % fmt)
    if isinstance(size_kib, bool) or not isinstance(size_kib, int) \
            or size_kib < 0:
        raise StorageError("unable to parse size '%s'" % (size_kib,))
    prealloc = preallocation_cmd_opt(storage.config, fmt)
    activate(storage)
    with _Lock(storage.lock):
        return _alloc_image(storage, vmid, fmt, name, size_kib, prealloc)


def _alloc_image(storage, vmid, fmt, name, size_kib, prealloc):
    imagedir = "%s/%d" % (_subdir(storage, "images"), vmid)
    if not name:
        name = find_free_diskname(storage, vmid, fmt)
    tmpfmt = parse_name_dir(name)[1]
    if tmpfmt != fmt:
        raise StorageError("illegal name '%s' - wrong extension for format "
                           "('%s != '%s')" % (name, tmpfmt, fmt))
    image = "%s/%s" % (imagedir, name)
    if os.path.lexists(image):
        raise StorageError("disk image '%s' already exists" % image)
    if fmt == "subvol" and size_kib != 0:
        raise StorageError("storage does not support subvol quotas")
    created = not os.path.isdir(imagedir)
    os.makedirs(imagedir, mode=0o740, exist_ok=True)
    if fmt == "subvol":
        try:
            os.mkdir(image, 0o755)
        except OSError as error:
            raise StorageError("unable to create subvol '%s' - %s"
                               % (image, error.strerror))
    else:
        cmd = [QEMU_IMG, "create"]
        if prealloc:
            cmd += ["-o", "preallocation=%s" % prealloc]
        cmd += ["-f", fmt, image, "%dK" % size_kib]
        output = _create_image(cmd, image, imagedir, created)
        log.info("{output}", output=output.strip())
    return "%s:%d/%s" % (storage.storeid, vmid, name)


def _create_image(cmd, image, imagedir, created):
    """Run the ``qemu-img create`` *cmd*; on failure remove what it left:
    *image*, and *imagedir* when this call *created* it."""
    try:
        return _run(cmd, errmsg="unable to create image", umask=0o037)
    except StorageError:
        if os.path.lexists(image):
            os.unlink(image)
        if created:
            _rmdir(imagedir)
        raise


def _rmdir(directory):
    try:
        os.rmdir(directory)
    except OSError:
        pass


def free(storage, volid):
    """Remove the volume *volid* (``vdisk_free``).  True when a file was
    removed, False when it did not exist (Proxmox only warns then)."""
    volname = _volname(storage, volid)
    volume = parse_volname(volname)
    activate(storage)
    with _Lock(storage.lock):
        if volume.isbase and _base_in_use(storage, volume):
            raise StorageError("base volume '%s' is still in use by linked "
                               "clones" % volname)
        filename = path(storage, volid)
        if (volume.vtype == "backup"
                and os.path.exists(filename + ".protected")):
            raise StorageError("cannot remove protected volume '%s' on '%s'"
                               % (volname, storage.storeid))
        if volume.format == "subvol":
            shutil.rmtree(filename, ignore_errors=True)
        else:
            if not (os.path.isfile(filename) or os.path.islink(filename)):
                log.warn("disk image '{path}' does not exist", path=filename)
                return False
            try:
                os.unlink(filename)
            except OSError as error:
                raise StorageError("unlink '%s' failed - %s"
                                   % (filename, error.strerror))
        _rmdir(os.path.dirname(filename))
    log.info("removed {volid}", volid=volid)
    return True


def _base_in_use(storage, base):
    """Whether a linked clone is backed by the base image *base*."""
    for image in list_images(storage):
        try:
            other = parse_volname(parse_volume_id(image["volid"])[1])
        except StorageError:
            continue
        if (other.basename == base.name and other.basevmid is not None
                and int(other.basevmid) == int(base.vmid)):
            return True
    return False


def volume_size_info(storage, volid):
    """``{"size", "format", "used", "parent"}`` of an image."""
    volume = parse_volname(_volname(storage, volid))
    info = file_size_info(path(storage, volid), volume.format)
    if info is None:
        raise StorageError("volume '%s' does not exist" % volid)
    return dict(zip(("size", "format", "used", "parent"), info))


def resize(storage, volid, size_bytes, running=False):
    """Grow the image *volid* to *size_bytes* (``volume_resize``).  With
    *running*, only the checks: QEMU resizes a running VM's disk."""
    volname = _volname(storage, volid)
    if not (volname.endswith(".raw") or volname.endswith(".qcow2")):
        raise StorageError("can't resize this image format")
    if isinstance(size_bytes, bool) or not isinstance(size_bytes, int) \
            or size_bytes <= 0:
        raise StorageError("unable to parse size '%s'" % (size_bytes,))
    if running:
        return
    volume = parse_volname(volname)
    current = volume_size_info(storage, volid)["size"]
    if size_bytes < current:
        raise StorageError("shrinking disks is not supported")
    prealloc = preallocation_cmd_opt(storage.config, volume.format)
    cmd = [QEMU_IMG, "resize"]
    if prealloc:
        cmd.append("--preallocation=%s" % prealloc)
    cmd += ["-f", volume.format, path(storage, volid), str(size_bytes)]
    _run(cmd, timeout=RESIZE_TIMEOUT)


# -- linked clones and formats ------------------------------------------

def resolve_format_hint(storage, hint=None):
    """The format a new image on *storage* gets when *hint* is asked for
    (``resolve_format_hint``): *hint* if a dir storage holds it, else the
    storage's default."""
    if hint and hint in DIR_FORMATS:
        return hint
    return storage.config.get("format") or DIR_DEFAULT_FORMAT


def clone_image(storage, volid, vmid, snap=None):
    """A linked clone of the base image *volid* for *vmid* (``vdisk_clone``
    with the dir plugin's ``clone_image``): a new qcow2 image whose backing
    file is the base, by a relative path; returns its volume ID
    ``<storage>:<basevmid>/<basename>/<vmid>/vm-<vmid>-disk-<n>.qcow2``."""
    volume = parse_volname(_volname(storage, volid))
    vmid = parse_vmid(vmid)
    if volume.vtype != "images":
        raise StorageError("clone_image on wrong vtype '%s'" % volume.vtype)
    if snap:
        raise StorageError("this storage type does not support clone_image on "
                           "snapshot")
    if volume.format == "subvol":
        raise StorageError("this storage type does not support clone_image on "
                           "subvolumes")
    if not volume.isbase:
        raise StorageError("clone_image only works on base images")
    prealloc = preallocation_cmd_opt(storage.config, volume.format)
    activate(storage)
    with _Lock(storage.lock):
        imagedir = "%s/%d" % (_subdir(storage, "images"), vmid)
        created = not os.path.isdir(imagedir)
        os.makedirs(imagedir, mode=0o740, exist_ok=True)
        name = find_free_diskname(storage, vmid, "qcow2")
        backing = "../%s/%s" % (volume.vmid, volume.name)
        options = "extended_l2=on,cluster_size=128k"
        if prealloc:
            options += ",preallocation=%s" % prealloc
        image = "%s/%s" % (imagedir, name)
        cmd = [QEMU_IMG, "create", "-F", volume.format, "-b", backing,
               "-f", "qcow2", image, "-o", options]
        # qemu-img reads a relative backing path from the image's directory
        _create_image(cmd, image, imagedir, created)
    return "%s:%s/%s/%d/%s" % (storage.storeid, volume.vmid, volume.name,
                               vmid, name)

