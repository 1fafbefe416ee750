"""``/nodes/{node}/storage``: the storages as this node sees them.

As ``PVE::API2::Storage::Status``: the status of each storage (enabled,
active, total, used, available bytes), one storage's index and status,
and uploads of ISO images, container templates and import files.  The
status of a ``dir`` storage activates it (its directories are made, under
``PVE_ROOT``) and reads ``statvfs``, in a thread; storages of the other
types are listed as inactive.  An upload has been streamed by pveproxy
into ``/var/tmp/pveupload-<hex>``; a worker task (``imgcopy``) checks it
and copies it into the storage.
"""

import hashlib
import os
import re
import shutil

from twisted.internet import defer

from pve.api.access import die
from pve.api.schema import ParamError
from pve.api.storage import DECLS, in_thread, read_config, storage_error
from pve.api.tree import Routes
from pve.daemon import workers
from pve.storage import dirstore
from pve.storage.config import (DIR_DEFAULT_FORMAT, DIR_FORMATS,
                                StorageError, storage_check_enabled)
from pve.storage.volumes import ISO_EXT, SAFE_CHAR, VZTMPL_EXT, subdir

routes = Routes(DECLS)
routes.index("/nodes/{node}/storage/{storage}", order=(
    "content", "download-url", "file-restore", "import-metadata", "identity",
    "oci-registry-pull", "prunebackups", "rrd", "rrddata", "status",
    "upload"))

UPLOAD_IMPORT_EXT = r"\.(ova|qcow2|raw|vmdk)"
UPLOAD_TYPES = {"iso": "iso", "vztmpl": "vztmpl", "import": "import"}


def enabled_on(scfg, node):
    """Whether a storage is enabled on *node* (``storage_check_enabled``)."""
    return not scfg.get("disable") and (not scfg.get("nodes")
                                        or node in scfg["nodes"])


def storage_info(ids, node, paths, content=None, include_format=False):
    """``{storeid: status}`` as ``PVE::Storage::storage_info``: type,
    content, shared, enabled, active and the sizes in bytes.  Blocking:
    call it in a thread."""
    wanted = content.replace(";", ",").split(",") if content else None
    info = {}
    for storeid, scfg in ids.items():
        enabled = enabled_on(scfg, node)
        if wanted is not None:
            if not enabled or not set(wanted) & set(scfg.get("content", ())):
                continue
        entry = {"type": scfg["type"], "total": 0, "avail": 0, "used": 0,
                 "shared": 1 if scfg.get("shared") else 0,
                 "content": ",".join(scfg.get("content") or ()),
                 "active": 0, "enabled": 1 if enabled else 0}
        info[storeid] = entry
        if not enabled:
            continue
        if include_format:
            if scfg["type"] == "dir":
                valid = sorted(DIR_FORMATS)
                default = scfg.get("format") or DIR_DEFAULT_FORMAT
            else:
                valid, default = ["raw"], "raw"
            entry["formats"] = {"supported": valid, "default": default}
            entry["format"] = [dict.fromkeys(valid, 1), default]
        if scfg["type"] != "dir":
            continue  # not implemented here: inactive
        storage = dirstore.open_storage(ids, storeid, paths, node)
        status = dirstore.status(storage)
        if status["active"]:
            entry.update(status)
    return info


@defer.inlineCallbacks
def _info(env, content=None, include_format=False):
    ids, _ = yield read_config(env)
    info = yield in_thread(env, storage_info, ids, env.nodename, env.paths,
                           content, include_format)
    return ids, info


@routes("/nodes/{node}/storage")
@defer.inlineCallbacks
def list_status(env, params):
    ids, info = yield _info(env, params.get("content"), params.get("format"))
    wanted = params.get("storage")
    if wanted and wanted not in info:
        raise ParamError({"storage": "No such storage."})
    target = params.get("target")
    if target in (env.nodename, "localhost"):
        target = None
    usercfg = yield env.user_config()
    result = []
    for storeid in sorted(info):
        data = info[storeid]
        if not env.check_with(usercfg, "/storage/" + storeid,
                              ["Datastore.Audit", "Datastore.AllocateSpace"],
                              any=True, noerr=True):
            continue
        if wanted and wanted != storeid:
            continue
        scfg = ids[storeid]
        if params.get("enabled") and scfg.get("disable"):
            continue
        if target:
            nodes = scfg.get("nodes")
            if not scfg.get("shared") or (nodes and (
                    env.nodename not in nodes or target not in nodes)):
                continue
        if data["total"]:
            data["used_fraction"] = data["used"] / data["total"]
        data["storage"] = storeid
        result.append(data)
    return result


@routes("/nodes/{node}/storage/{storage}/status")
@defer.inlineCallbacks
def read_status(env, params):
    _, info = yield _info(env)
    data = info.get(params["storage"])
    if data is None:
        raise ParamError({"storage": "No such storage."})
    return data


# -- upload ---------------------------------------------------------------------

def normalize_content_filename(filename):
    """``normalize_content_filename``: the base name, unsafe characters
    as ``_``."""
    filename = filename.rstrip("\n")
    filename = re.sub(r"^.*[/\\]", "", filename, flags=re.S)
    return re.sub(r"[^a-zA-Z0-9_.-]", "_", filename)


def upload_target(content, filename):
    """``(is_ova, image_format)`` of an upload, or a 400 on its name."""
    if content == "iso":
        if not re.fullmatch(r"[^/]+%s" % ISO_EXT, filename, re.ASCII):
            raise ParamError({"filename": "wrong file extension"})
        return False, None
    if content == "vztmpl":
        if not re.fullmatch(r"[^/]+%s" % VZTMPL_EXT, filename, re.ASCII):
            raise ParamError({"filename": "wrong file extension"})
        return False, None
    if content == "import":
        m = re.fullmatch(r"%s+%s" % (SAFE_CHAR, UPLOAD_IMPORT_EXT), filename,
                         re.ASCII)
        if m is None:
            raise ParamError({"filename": "invalid filename or wrong "
                                          "extension"})
        fmt = m.group(1)
        return fmt == "ova", None if fmt == "ova" else fmt
    raise ParamError({"content": "upload content type '%s' not allowed"
                                 % content})


def file_hash(algorithm, filename):
    digest = hashlib.new(algorithm)
    with open(filename, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _check_untrusted_image(filename, fmt):
    """``file_size_info`` of an untrusted image: no backing file, the
    expected format."""
    info = dirstore.file_size_info(filename, fmt)
    if info is None:
        raise RuntimeError("could not read '%s'" % filename)
    if info[3]:
        raise RuntimeError("backing file not allowed for untrusted image "
                           "'%s'!" % filename)


def _check_ova(filename):
    import tarfile
    try:
        with tarfile.open(filename) as archive:
            names = archive.getnames()
    except (tarfile.TarError, OSError) as error:
        raise RuntimeError("unable to read ova archive - %s" % error)
    if not any(name.endswith(".ovf") for name in names):
        raise RuntimeError("ova archive has no .ovf file inside")


def _unlink(filename, what):
    try:
        os.unlink(filename)
    except FileNotFoundError:
        pass
    except OSError as error:
        from pve.daemon import runworker
        runworker.warn("unable to clean up %s '%s' - %s"
                       % (what, filename, error.strerror))


def upload_worker(upid, tmpfilename, dest, node, size, content,
                  image_format=None, is_ova=False, checksum=None,
                  algorithm=None):
    """The ``imgcopy`` task: check the uploaded file and copy it into the
    storage (paths are this node's)."""
    print("starting file import from: %s" % tmpfilename)
    try:
        if algorithm:
            print("calculating checksum...", end="")
            got = file_hash(algorithm, tmpfilename)
            if got.lower() != checksum.lower():
                print()
                raise RuntimeError("checksum mismatch: got '%s' != expect "
                                   "'%s'" % (got, checksum))
            print("OK, checksum verified")
        if content == "iso":
            _check_untrusted_image(tmpfilename, None)
        if is_ova:
            _check_ova(tmpfilename)
        elif image_format:
            _check_untrusted_image(tmpfilename, image_format)
    except BaseException:
        _unlink(tmpfilename, "temporary file")
        raise
    print("target node: %s" % node)
    print("target file: %s" % dest)
    print("file size is: %d" % size)
    print("command: cp -- %s %s" % (tmpfilename, dest))
    try:
        shutil.copyfile(tmpfilename, dest)
        os.chmod(dest, 0o644)
    except OSError as error:
        _unlink(tmpfilename, "temporary file")
        _unlink(dest, "target file")
        raise RuntimeError("import failed: %s" % error.strerror)
    _unlink(tmpfilename, "temporary file")
    print("finished file import successfully")


def _prepare_upload(storage, tmpfilename, content):
    """Activate the storage, make the content directory; the size of the
    uploaded file."""
    try:
        size = os.stat(tmpfilename).st_size
    except OSError:
        raise StorageError("temporary file '%s' does not exist"
                           % tmpfilename)
    dirstore.activate(storage)
    directory = subdir(storage.path, UPLOAD_TYPES[content],
                       storage.config.get("content-dirs"))
    os.makedirs(directory, exist_ok=True)
    os.chmod(tmpfilename, 0o644)  # as apl_download leaves its files
    return size, directory


@routes("/nodes/{node}/storage/{storage}/upload", "POST")
@defer.inlineCallbacks
def upload(env, params):
    node, storeid = params["node"], params["storage"]
    if node == "localhost":
        node = env.nodename
    ids, _ = yield read_config(env)
    try:
        scfg = storage_check_enabled(ids, storeid, node)
    except StorageError as error:
        raise storage_error(error)
    if scfg.get("path") is None:
        raise die("can't upload to storage type '%s'" % scfg["type"])
    content = params["content"]
    tmpfilename = params.get("tmpfilename")
    if not tmpfilename:
        raise die("missing temporary file name")
    filename = normalize_content_filename(params["filename"])
    is_ova, image_format = upload_target(content, filename)
    if content not in scfg.get("content", ()):
        raise die("storage '%s' does not support '%s' content"
                  % (storeid, content))
    if node != env.nodename:
        raise die("uploading to node '%s' from node '%s' is not supported"
                  % (node, env.nodename))
    storage = dirstore.open_storage(ids, storeid, env.paths, node)
    local_tmp = env.paths.join(tmpfilename)
    try:
        size, directory = yield in_thread(env, _prepare_upload, storage,
                                          local_tmp, content)
    except StorageError as error:
        raise storage_error(error)
    dest = os.path.join(directory, filename)
    return workers.start_worker(
        env.reactor, env.paths, env.nodename, "imgcopy", None, env.auth_id,
        upload_worker, args=[local_tmp, dest, node, size, content],
        kwargs={"image_format": image_format, "is_ova": is_ova,
                "checksum": params.get("checksum"),
                "algorithm": params.get("checksum-algorithm")})
