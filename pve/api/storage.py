"""``/storage``: the storages of the cluster (``storage.cfg``).

As ``PVE::API2::Storage::Config``: every change is a read-modify-write of
``storage.cfg`` under its cfs lock (``file-storage_cfg``), options checked
per storage type as ``SectionConfig::check_config`` and ``DirPlugin``
do, with the file's digest where Proxmox has it.  New storages can be of
type ``dir``; sections of the other types (written by a Proxmox cluster)
are listed, shown, disabled or restricted to nodes, and removed.  A new
``dir`` storage enabled here is activated before the file is written (its
directories made under ``PVE_ROOT``), so a path that cannot be used is
refused and nothing is written.
"""

import copy
import hashlib
import re

from twisted.internet import defer, threads
from twisted.logger import Logger

from pve.access import names
from pve.api import access, decl_storage, storage_formats  # noqa: F401
from pve.api.access import die, locked
from pve.api.tree import Routes
from pve.storage import config as storagecfg
from pve.storage import dirstore
from pve.storage.config import StorageError

log = Logger()

STORAGE_CFG = "storage.cfg"
_VOLUME_PATH = "/nodes/{node}/storage/{storage}/content/{volume}"
# volume IDs hold slashes: {volume} takes the rest of the path
DECLS = {key: (dict(decl, fragment_delimiter="") if key[0] == _VOLUME_PATH
               else decl)
         for key, decl in decl_storage.DECLS.items()}

routes = Routes(DECLS)

# DirPlugin ``options``: those that are fixed once the storage exists
DIR_FIXED = ("path", "snapshot-as-volume-chain")
# what may change on a storage of a type this node does not implement
OTHER_OPTIONAL = ("disable", "nodes")
_NODE = re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?", re.ASCII)
_DIR_PATH = re.compile(r"/[-/a-zA-Z0-9_.@]+", re.ASCII)


# -- storage.cfg --------------------------------------------------------------

def digest(raw):
    """``SectionConfig``'s digest of the file: SHA-1 of its bytes."""
    return hashlib.sha1(raw or b"").hexdigest()


@defer.inlineCallbacks
def read_config(env):
    """``(ids, digest)`` of a fresh parse of ``storage.cfg`` (a private
    copy: change it and :func:`write_config` it under the lock)."""
    raw = yield access.read_file(env, STORAGE_CFG)
    ids, warnings = storagecfg.parse_storage_cfg(raw)
    for warning in warnings:
        log.warn("{warning}", warning=str(warning))
    return ids, digest(raw)


def write_config(env, ids):
    try:
        text = storagecfg.write_storage_cfg(ids)
    except ValueError as error:
        raise die(str(error))
    return env.cfs.write(STORAGE_CFG, text.encode("utf-8"))


def in_thread(env, func, *args, **kw):
    """Run blocking storage work off the reactor thread (at once when
    the reactor has no thread pool, as a test's Clock)."""
    pool = getattr(env.reactor, "getThreadPool", None)
    if pool is None:
        return defer.maybeDeferred(func, *args, **kw)
    return threads.deferToThreadPool(env.reactor, pool(), func, *args, **kw)


def storage_error(error):
    """A StorageError as the API's 500 (Proxmox's ``die``)."""
    return die(str(error))


def api_config(ids, storeid, file_digest):
    """A storage's properties as the API shows them (``content`` and
    ``nodes`` as lists in text, ``storage`` and ``digest`` added)."""
    try:
        scfg = copy.deepcopy(storagecfg.storage_config(ids, storeid))
    except StorageError as error:
        raise storage_error(error)
    scfg["storage"] = storeid
    scfg["digest"] = file_digest
    scfg["content"] = ",".join(scfg.get("content") or ()) or "none"
    if scfg.get("nodes"):
        scfg["nodes"] = ",".join(scfg["nodes"])
    else:
        scfg.pop("nodes", None)
    return scfg


# -- check_config -------------------------------------------------------------

def _options(storage_type):
    """``{option: (optional, fixed)}`` of a storage type."""
    if storage_type == "dir":
        options = {key: (True, key in DIR_FIXED)
                   for key in storagecfg.DIR_OPTIONAL}
        options.update({key: (False, True)
                        for key in storagecfg.DIR_REQUIRED})
        return options
    return {key: (True, False) for key in OTHER_OPTIONAL}


def _decode(key, value):
    """``decode_value``: lists of ``content`` and ``nodes``, the dict of
    ``content-dirs``."""
    if key == "content":
        content = sorted(set(names.split_list(value)))
        for item in content:
            if item not in storagecfg.DIR_CONTENT:
                raise die("storage does not support content type '%s'"
                          % item)
        if "none" in content and len(content) > 1:
            raise die("unable to combine 'none' with other content types")
        if not content:
            raise die("storage does not support content type 'none'")
        return content
    if key == "nodes":
        return sorted({node for node in names.split_list(value)
                       if _NODE.fullmatch(node)})
    if key == "content-dirs":
        return dict(item.split("=", 1) for item in names.split_list(value)
                    if "=" in item)
    return value


def check_config(storage_type, params, create):
    """*params* as the options of a storage of *storage_type*
    (``check_config``), or Proxmox's error."""
    options = _options(storage_type)
    settings = {"type": storage_type} if create else {}
    for key in sorted(params):
        value = params[key]
        if not create and key in options and options[key][1]:
            raise die("can't change value of fixed parameter '%s'" % key)
        if value is None:
            raise die("got undefined value for option '%s'" % key)
        if key not in options:
            raise die("unexpected property '%s'" % key)
        text = value if isinstance(value, str) else str(value)
        if "\n" in text or "\r" in text:
            raise die("property contains a line feed")
        settings[key] = _decode(key, value)
    if create:
        for key in sorted(options):
            if not options[key][0] and params.get(key) is None:
                raise die("missing value for required option '%s'" % key)
        if storage_type == "dir":
            if not _DIR_PATH.fullmatch(settings["path"]):
                raise die("illegal path for directory storage: %s"
                          % settings["path"])
            settings["path"] = storagecfg.canonpath(settings["path"])
    return settings


def _mkdir_note(storeid, scfg):
    if scfg.get("mkdir") is not None:
        log.warn("NOTE: The 'mkdir' option set for '{storeid}' is deprecated "
                 "and will be removed in Proxmox VE 9. Use 'create-base-path' "
                 "or 'create-subdirs' instead.", storeid=storeid)


# -- endpoints ----------------------------------------------------------------

@routes("/storage")
@defer.inlineCallbacks
def list_storage(env, params):
    ids, file_digest = yield read_config(env)
    cfg = yield env.user_config()
    result = []
    for storeid in sorted(ids):
        if not env.check_with(cfg, "/storage/" + storeid,
                              ["Datastore.Audit", "Datastore.AllocateSpace"],
                              any=True, noerr=True):
            continue
        scfg = api_config(ids, storeid, file_digest)
        if params.get("type") and params["type"] != scfg["type"]:
            continue
        result.append(scfg)
    return result


@routes("/storage/{storage}")
@defer.inlineCallbacks
def read_storage(env, params):
    ids, file_digest = yield read_config(env)
    return api_config(ids, params["storage"], file_digest)


@routes("/storage", "POST")
@defer.inlineCallbacks
def create_storage(env, params):
    params = dict(params)
    storage_type = params.pop("type")
    storeid = params.pop("storage")
    if not params.get("nodes"):
        params.pop("nodes", None)
    if storage_type != "dir":
        raise die("storage type '%s' is not supported on this node (only "
                  "'dir')" % storage_type)
    opts = check_config(storage_type, params, True)

    @defer.inlineCallbacks
    def create():
        ids, _ = yield read_config(env)
        if storeid in ids:
            raise die("storage ID '%s' already defined" % storeid)
        ids[storeid] = opts
        _mkdir_note(storeid, opts)
        storage = dirstore.open_storage(ids, storeid, env.paths, env.nodename)
        enabled = not opts.get("disable") and (
            not opts.get("nodes") or env.nodename in opts["nodes"])
        if enabled:
            # as Proxmox: activate now to find problems before writing
            try:
                yield in_thread(env, dirstore.activate, storage)
            except StorageError as error:
                raise storage_error(error)
        yield write_config(env, ids)

    yield locked(env, STORAGE_CFG, create, "create storage failed")
    return {"storage": storeid, "type": storage_type}


@routes("/storage/{storage}", "PUT")
@defer.inlineCallbacks
def update_storage(env, params):
    params = dict(params)
    storeid = params.pop("storage")
    expected = params.pop("digest", None)
    delete = names.split_list(params.pop("delete", None) or "")
    found = {}

    @defer.inlineCallbacks
    def update():
        ids, file_digest = yield read_config(env)
        if expected and expected != file_digest:
            raise die("detected modified configuration - file changed by "
                      "other user? Try again.")
        try:
            scfg = storagecfg.storage_config(ids, storeid)
        except StorageError as error:
            raise storage_error(error)
        found["type"] = scfg["type"]
        opts = check_config(scfg["type"], params, False)
        options = _options(scfg["type"])
        for key in delete:
            if key not in options:
                raise die("no such option '%s'" % key)
            optional, fixed = options[key]
            if not optional:
                raise die("unable to delete required option '%s'" % key)
            if fixed:
                raise die("unable to delete fixed option '%s'" % key)
            if key in opts:
                raise die("cannot set and delete property '%s' at the same "
                          "time!" % key)
        for key in delete:
            scfg.pop(key, None)
        scfg.update(opts)
        _mkdir_note(storeid, scfg)
        yield write_config(env, ids)

    yield locked(env, STORAGE_CFG, update, "update storage failed")
    return {"storage": storeid, "type": found["type"]}


def storage_is_used(ids, storeid):
    """Whether another storage is based on a volume of *storeid*."""
    for scfg in ids.values():
        base = scfg.get("base")
        if base and base.partition(":")[0] == storeid:
            return True
    return False


@routes("/storage/{storage}", "DELETE")
@defer.inlineCallbacks
def delete_storage(env, params):
    storeid = params["storage"]

    @defer.inlineCallbacks
    def delete():
        ids, _ = yield read_config(env)
        try:
            storagecfg.storage_config(ids, storeid)
        except StorageError as error:
            raise storage_error(error)
        if storage_is_used(ids, storeid):
            raise die("can't remove storage - storage is used as base of "
                      "another storage")
        del ids[storeid]
        yield write_config(env, ids)

    yield locked(env, STORAGE_CFG, delete, "delete storage failed")
    yield remove_storage_access(env, storeid)
    return None


def remove_storage_access(env, storeid):
    """Drop the ACL entries and pool memberships of a removed storage
    (``PVE::AccessControl::remove_storage_access``)."""
    path = "/storage/" + storeid

    @defer.inlineCallbacks
    def cleanup():
        cfg = yield access.read_user_cfg(env)
        modified = cfg.acl.pop(path, None) is not None
        for pool in cfg.pools.values():
            if storeid in pool.storage:
                pool.storage.discard(storeid)
                modified = True
        if modified:
            yield access.write_user_cfg(env, cfg)

    return locked(env, access.USER_CFG, cleanup,
                  "access permissions cleanup for storage %s failed"
                  % storeid)
