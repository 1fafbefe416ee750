"""``storage.cfg``: the storages of the cluster, in section-config format::

    dir: local
            path /var/lib/vz
            content iso,vztmpl,backup

    dir: big
            path /srv/big
            content images,rootdir
            nodes node1,node2
            prune-backups keep-last=3

Each storage is a dict of its properties plus ``type``, in file order.
Values are typed as Proxmox decodes them: booleans and integers are ints,
``content`` and ``nodes`` are sorted lists, ``content-dirs`` is a dict
``{content type: relative path}``; ``prune-backups`` and ``bwlimit`` stay
strings (their format is checked).  The properties of the ``dir`` type, the
checks and the warnings follow ``PVE/Storage/Plugin.pm``,
``PVE/Storage/DirPlugin.pm`` and ``PVE/SectionConfig.pm``.

Sections of the other types Proxmox knows (``nfs``, ``lvmthin``, ``pbs``,
...) are kept so that a file written by a Proxmox cluster survives a round
trip: their properties stay strings (``content`` and ``nodes`` are
decoded as above, ``disable`` and ``shared`` as booleans) and are not
checked further.  Any other type is skipped with Proxmox's warning.

As in Proxmox, a storage ``local`` of type ``dir`` with path
``/var/lib/vz`` always exists: when the file lacks it (or it has another
type or path) it is replaced by :func:`default_local`.  With a missing or
empty file that is the whole configuration: ``content
backup,images,iso,rootdir,snippets,vztmpl`` and ``prune-backups
keep-all=1`` (``PVE::Storage::Plugin::parse_config``; the installer's
``content iso,vztmpl,backup`` only comes from the file it writes).

Paths and ``PVE_ROOT``: the paths in ``storage.cfg`` are host paths, the
same on every node of the cluster, and they are kept as written, so the
file stays byte-compatible with Proxmox's.  A node sandboxed under
``PVE_ROOT`` maps them when it touches the disk, with :func:`host_path`:
under ``PVE_ROOT=/tmp/x`` the storage ``local`` still says ``path
/var/lib/vz`` and lives in ``/tmp/x/var/lib/vz``.  The mapped path is never
written back.
"""

import os
import re

from pve import paths as pve_paths
from pve.access.names import WHITESPACE, split_list
from pve.sectionconfig import SectionReader


class StorageError(Exception):
    """A storage operation refused, with Proxmox's message."""


LOCAL_PATH = "/var/lib/vz"

# PVE::Storage::DirPlugin plugindata: the content types a dir storage
# accepts, and its default when ``content`` is missing.
DIR_CONTENT = ("backup", "images", "import", "iso", "none", "rootdir",
               "snippets", "vztmpl")
DIR_DEFAULT_CONTENT = ["images", "rootdir"]
DIR_FORMATS = ("raw", "qcow2", "subvol", "vmdk")
DIR_DEFAULT_FORMAT = "raw"

# The other types of PVE::Storage and their default content.
OTHER_TYPES = {
    "btrfs": ["images", "rootdir"], "cephfs": ["backup"], "cifs": ["images"],
    "esxi": ["import"], "iscsi": ["images"], "iscsidirect": ["images"],
    "lvm": ["images"], "lvmthin": ["images", "rootdir"], "nfs": ["images"],
    "pbs": ["backup"], "rbd": ["images"], "zfs": ["images"],
    "zfspool": ["images", "rootdir"],
}
# @PVE::Storage::Plugin::SHARED_STORAGE: always ``shared 1``.
SHARED_STORAGE = ("iscsi", "nfs", "cifs", "rbd", "cephfs", "iscsidirect",
                  "zfs", "drbd", "pbs")

_INTEGER = re.compile(r"[+-]?[0-9]+", re.ASCII)
_NUMBER = re.compile(r"[+-]?([0-9]+\.[0-9]+|[0-9]+\.|\.[0-9]+|[0-9]+)"
                     r"([eE][+-]?[0-9]+)?", re.ASCII)
_STORAGE_ID = re.compile(r"[a-z][a-z0-9\-_.]*[a-z0-9]", re.ASCII | re.I)
_NODE = re.compile(r"[a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?", re.ASCII)
_DIR_PATH = re.compile(r"/[-/a-zA-Z0-9_.@]+", re.ASCII)


def verify_storage_id(storeid):
    """*storeid*, or ValueError with ``parse_storage_id``'s message."""
    if len(storeid) < 2:
        raise ValueError("storage ID '%s' cannot be shorter than 2 "
                         "characters" % storeid)
    if not _STORAGE_ID.fullmatch(storeid):
        raise ValueError("storage ID '%s' contains illegal characters"
                         % storeid)
    return storeid


def parse_boolean(value):
    """JSONSchema's ``parse_boolean``: 1, 0 or None."""
    lower = value.lower()
    if lower in ("1", "on", "yes", "true"):
        return 1
    if lower in ("0", "off", "no", "false"):
        return 0
    return None


# Value checks: each takes the text of a property and returns its typed
# value, or raises ValueError with JSONSchema's message.

def _boolean(value):
    if value not in ("0", "1"):
        raise ValueError("type check ('boolean') failed - got '%s'" % value)
    return int(value)


def _integer(minimum):
    def check(value):
        if not _INTEGER.fullmatch(value):
            raise ValueError("type check ('integer') failed - got '%s'"
                             % value)
        if int(value) < minimum:
            raise ValueError("value must have a minimum value of %d"
                             % minimum)
        return int(value)
    return check


def _number(minimum):
    def check(value):
        if not _NUMBER.fullmatch(value):
            raise ValueError("type check ('number') failed - got '%s'"
                             % value)
        if float(value) < minimum:
            raise ValueError("value must have a minimum value of %d"
                             % minimum)
        return value
    return check


def _enum(*allowed):
    def check(value):
        if value not in allowed:
            raise ValueError("value '%s' does not have a value in the "
                             "enumeration '%s'" % (value, ", ".join(allowed)))
        return value
    return check


def _format(verify):
    """A string property whose format *verify* checks."""
    def check(value):
        try:
            verify(value)
        except ValueError as error:
            raise ValueError("invalid format - %s" % error)
        return value
    return check


def _list_of(verify):
    def check(value):
        for item in split_list(value):
            verify(item)
    return check


def _verify_path(value):
    # pve-storage-path: only the start is anchored
    if not re.match(r"/[^;()]", value):
        raise ValueError("value does not look like a valid absolute path")


def _verify_content(value):
    if value not in DIR_CONTENT:
        raise ValueError("invalid content type '%s'" % value)


def _verify_node(value):
    if not _NODE.fullmatch(value):
        raise ValueError("value does not look like a valid node name")


def _verify_dir_override(value):
    match = re.fullmatch(r"([a-z]+)=(.*)", value, re.ASCII | re.S)
    if match:
        content, relative = match.groups()
        _verify_content(content)
        # '[^.]*(?:\.?[^.]+)+': no "..", no trailing dot
        if (relative and ".." not in relative and not relative.endswith(".")
                and len(relative) < 1023
                and all(len(part) < 255 for part in relative.split("/"))):
            return
    raise ValueError("invalid override '%s'" % value)


def _property_string(schema, validator=None):
    """A comma-separated ``key=value`` list (``parse_property_string``)."""
    def verify(value):
        parsed = {}
        for part in value.split(","):
            if not part.strip(WHITESPACE):
                continue
            match = re.fullmatch(r"([^=]+)=(.+)", part, re.S)
            if match is None:
                if "=" in part:
                    raise ValueError("missing key in comma-separated list "
                                     "property")
                raise ValueError("value without key, but schema does not "
                                 "define a default key")
            key, item = match.groups()
            if key in parsed:
                raise ValueError("duplicate key in comma-separated list "
                                 "property: %s" % key)
            if key not in schema:
                raise ValueError("invalid key in comma-separated list "
                                 "property: %s" % key)
            if schema[key] is _boolean:
                converted = parse_boolean(item)
                item = item if converted is None else str(converted)
            parsed[key] = item
        errors = []
        for key in sorted(parsed):
            try:
                parsed[key] = schema[key](parsed[key])
            except ValueError as error:
                errors.append("%s: %s" % (key, error))
        if errors:
            raise ValueError("\n".join(["format error"] + errors))
        if validator is not None:
            validator(parsed)
    return verify


def _validate_prune_backups(parsed):
    keep_all = parsed.get("keep-all")
    others = [v for k, v in parsed.items() if k != "keep-all" and v > 0]
    if others and keep_all:
        raise ValueError("keep-all cannot be set together with other "
                         "options.")


_KEEP = _integer(0)
PRUNE_BACKUPS = {"keep-all": _boolean, "keep-last": _KEEP,
                 "keep-hourly": _KEEP, "keep-daily": _KEEP,
                 "keep-weekly": _KEEP, "keep-monthly": _KEEP,
                 "keep-yearly": _KEEP}
_LIMIT = _number(0)
BWLIMIT = {"default": _LIMIT, "restore": _LIMIT, "migration": _LIMIT,
           "clone": _LIMIT, "move": _LIMIT}

# property -> (kind, check); kind is boolean, integer or string.  Every
# property Proxmox's storage plugins declare is listed: those without a
# check are never an option of a dir storage.
PROPERTIES = {
    "type": ("string", None), "storage": ("string", None),
    "path": ("string", _format(_verify_path)),
    "content": ("string", _format(_list_of(_verify_content))),
    "content-dirs": ("string", _format(_list_of(_verify_dir_override))),
    "nodes": ("string", _format(_list_of(_verify_node))),
    "shared": ("boolean", _boolean), "disable": ("boolean", _boolean),
    "prune-backups": ("string", _format(_property_string(
        PRUNE_BACKUPS, _validate_prune_backups))),
    "max-protected-backups": ("integer", _integer(-1)),
    "format": ("string", _enum("raw", "qcow2", "subvol", "vmdk")),
    "preallocation": ("string", _enum("off", "metadata", "falloc", "full")),
    "mkdir": ("boolean", _boolean),
    "create-base-path": ("boolean", _boolean),
    "create-subdirs": ("boolean", _boolean),
    "is_mountpoint": ("string", None),
    "bwlimit": ("string", _format(_property_string(BWLIMIT))),
    "snapshot-as-volume-chain": ("boolean", _boolean),
}
for _name in (
        "subdir options port authsupported base blocksize comstar_hg "
        "comstar_tg data-pool datastore domain encryption-key export "
        "fingerprint fs-name fuse iscsiprovider keyring krbd lio_tpg "
        "master-pubkey monhost mountpoint namespace nocow nowritecache "
        "password pool portal saferemove saferemove-stepsize "
        "saferemove_throughput server share skip-cert-verification "
        "smbversion sparse tagged_only target thinpool username vgname "
        "zfs-base-path").split():
    PROPERTIES[_name] = ("string", None)

# DirPlugin options: required, optional
DIR_REQUIRED = ("path",)
DIR_OPTIONAL = (
    "bwlimit", "content", "content-dirs", "create-base-path",
    "create-subdirs", "disable", "format", "is_mountpoint",
    "max-protected-backups", "mkdir", "nodes", "preallocation",
    "prune-backups", "shared", "snapshot-as-volume-chain")


def _check_value(key, value):
    """The typed value of a property line, or ValueError."""
    kind, check = PROPERTIES[key]
    if value is None:
        if kind == "boolean":
            return 1
        raise ValueError("got undefined value")
    if "\n" in value or "\r" in value:
        raise ValueError("property contains a line feed")
    return check(value) if check is not None else value


def _parse_property(storage_type, config, key, value):
    if key not in PROPERTIES:
        raise ValueError("unknown property type")
    if key in config:
        raise ValueError("duplicate attribute")
    if key == "type" and value == storage_type:
        return value
    if storage_type == "dir":
        if key not in DIR_REQUIRED and key not in DIR_OPTIONAL:
            raise ValueError("unexpected property '%s'" % key)
        return _check_value(key, value)
    # a type we keep but do not implement: text as written
    if value is None:
        return 1
    if "\n" in value or "\r" in value:
        raise ValueError("property contains a line feed")
    if PROPERTIES[key][0] == "boolean":
        return _boolean(value)
    return value


def _decode(config):
    """``decode_value`` of the list-valued properties."""
    if "content" in config:
        content = sorted(set(split_list(config["content"])))
        if "none" in content and len(content) > 1:
            raise ValueError("unable to combine 'none' with other content "
                             "types")
        config["content"] = content
    if "nodes" in config:
        config["nodes"] = sorted({node for node in
                                  split_list(config["nodes"])
                                  if _NODE.fullmatch(node)})
    if "content-dirs" in config:
        config["content-dirs"] = dict(item.split("=", 1) for item in
                                      split_list(config["content-dirs"])
                                      if "=" in item)
    return config


def canonpath(path):
    """Perl's ``File::Spec->canonpath`` (Unix): ``//``, ``/./`` and a
    trailing ``/`` removed, ``..`` kept."""
    path = re.sub("/{2,}", "/", path)
    path = re.sub(r"(?:/\.)+(?:/|\Z)", "/", path)
    if path != "./":
        path = re.sub(r"\A(?:\./)+", "", path)
    path = re.sub(r"\A/(?:\.\./)+", "/", path)
    path = re.sub(r"\A/\.\.\Z", "/", path)
    if path != "/" and path.endswith("/"):
        path = path[:-1]
    return path


def _check_dir(config):
    """``check_config`` of a new dir section: the decoded section, or
    ValueError."""
    _decode(config)
    for key in DIR_REQUIRED:
        if key not in config:
            raise ValueError("missing value for required option '%s'" % key)
    if not _DIR_PATH.fullmatch(config["path"]):
        raise ValueError("illegal path for directory storage: %s"
                         % config["path"])
    config["path"] = canonpath(config["path"])
    return config


def default_local():
    """The storage ``local`` Proxmox puts in every configuration."""
    return {"type": "dir", "path": LOCAL_PATH, "prune-backups": "keep-all=1",
            "content": ["backup", "images", "iso", "rootdir", "snippets",
                        "vztmpl"]}


class _Reader(SectionReader):
    def check_id(self, storeid):
        verify_storage_id(storeid)

    def known_type(self, storage_type):
        return storage_type == "dir" or storage_type in OTHER_TYPES

    def parse_property(self, storage_type, config, key, value):
        return _parse_property(storage_type, config, key, value)

    def add_section(self, storage_type, storeid, config, last):
        config["type"] = storage_type
        # Proxmox stores the failed section as undef: it replaces an
        # earlier one of the same name
        self.ids.pop(storeid, None)
        try:
            config = _check_dir(config) if storage_type == "dir" else \
                _decode(config)
        except ValueError as error:
            self.warn("(skip section '%s'): %s", storeid, error, number=last)
            return
        self.ids[storeid] = config

    def finish(self):
        ids = self.ids
        local = ids.get("local")
        if (local is None or local["type"] != "dir"
                or local.get("path", LOCAL_PATH) != LOCAL_PATH):
            ids["local"] = default_local()
        ids["local"].pop("nodes", None)
        for config in ids.values():
            storage_type = config["type"]
            if storage_type == "dir":
                config.setdefault("content", list(DIR_DEFAULT_CONTENT))
            else:
                config.setdefault("content", list(OTHER_TYPES[storage_type]))
            if storage_type in SHARED_STORAGE:
                config["shared"] = 1
        return ids, self.warnings


def parse_storage_cfg(raw, filename="storage.cfg"):
    """Read ``storage.cfg``: ``({storeid: properties}, [ParseWarning])``."""
    return _Reader(filename).read(raw)


def parsed_storage_cfg(data, mtime=None):
    """``{storeid: properties}`` of ``storage.cfg``'s bytes (``None``:
    missing); a parser for :func:`pve.cluster.cache.read_parsed`."""
    return parse_storage_cfg(data or b"")[0]


def _encode(key, value):
    if isinstance(value, str):
        return value
    if key == "content":
        return ",".join(value) or "none"
    if key == "nodes":
        return ",".join(value)
    if key == "content-dirs":
        return ",".join("%s=%s" % (k, value[k]) for k in sorted(value))
    return value


def _line(key, value):
    if PROPERTIES.get(key, ("string",))[0] == "boolean":
        return "\t%s %d\n" % (key, 1 if value else 0)
    value = str(_encode(key, value))
    if "\n" in value or "\r" in value or "\n" in key or "\r" in key:
        raise ValueError("property '%s' contains a line feed" % key)
    return "\t%s %s\n" % (key, value) if value != "" else ""


def write_storage_cfg(ids):
    """``storage.cfg`` text: storages in dict order, ``disable`` first,
    then the required options and the optional ones, each sorted
    (``SectionConfig::write_config``).  Raises ValueError for what the file
    cannot hold."""
    out = []
    for storeid, config in ids.items():
        storage_type = config["type"]
        if storage_type != "dir" and storage_type not in OTHER_TYPES:
            raise ValueError("unknown section type '%s'" % storage_type)
        verify_storage_id(storeid)
        out.append("%s: %s\n" % (storage_type, storeid))
        if config.get("disable"):
            out.append("\tdisable\n")
        if storage_type == "dir":
            required, optional = DIR_REQUIRED, DIR_OPTIONAL
        else:
            # SHARED_STORAGE types have no 'shared' option: it is implied
            required = ()
            optional = sorted(set(config) - {"type"} - (
                {"shared"} if storage_type in SHARED_STORAGE else set()))
        for key in sorted(required):
            if config.get(key) is None:
                raise ValueError("section '%s' - missing value for required "
                                 "option '%s'" % (storeid, key))
            out.append(_line(key, config[key]))
        for key in optional:
            if key != "disable" and config.get(key) is not None:
                out.append(_line(key, config[key]))
        out.append("\n")
    return "".join(out)


def storage_config(ids, storeid):
    """The properties of *storeid* (``PVE::Storage::storage_config``)."""
    if not storeid:
        raise StorageError("no storage ID specified")
    config = ids.get(storeid)
    if config is None:
        raise StorageError("storage '%s' does not exist" % storeid)
    return config


def storage_check_enabled(ids, storeid, node):
    """The properties of *storeid* if it is enabled on *node*."""
    config = storage_config(ids, storeid)
    if config.get("disable"):
        raise StorageError("storage '%s' is disabled" % storeid)
    if config.get("nodes") and node not in config["nodes"]:
        raise StorageError("storage '%s' is not available on node '%s'"
                           % (storeid, node))
    return config


def host_path(path, paths=None):
    """Where the host path *path* of ``storage.cfg`` is on this node: under
    ``PVE_ROOT`` (``/tmp/x`` + ``/var/lib/vz``).  ``..`` cannot leave the
    root."""
    paths = pve_paths.current() if paths is None else paths
    return paths.join(os.path.normpath("/" + path.lstrip("/")))
