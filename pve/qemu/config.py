"""The VM configuration file: ``/etc/pve/qemu-server/<vmid>.conf``.

Reads and writes the format as qemu-server's ``parse_vm_config`` and
``write_vm_config`` do.  A file holds the main section, then optional
sections each opened by a header line::

    #description, one line each, %-encoded   (any section may have them)
    key: value                               (main section)
    [PENDING]                                (changes applied at next start;
    delete: !net1,ide2                        may delete keys, '!' = force)
    [special:cloudinit]                      (values the cloud-init drive
                                              was generated with)
    [special:fleecing]                       (left-over backup images)
    [snapname]                               (one section per snapshot)

Pure: no I/O, no reactor.  Values are not checked against the VM property
schema here; a caller passes ``check(key, value)`` which returns the value,
possibly normalised, or raises ``ValueError`` with Proxmox's message.
``check_type`` below is Proxmox's generic checker for such a schema.
"""

import hashlib
import re
from dataclasses import dataclass, field

__all__ = [
    "ConfigError", "VMConfig", "parse_config", "write_config", "digest",
    "check_type", "check_format", "split_list", "encode_text", "decode_text",
    "parse_pending_delete", "print_pending_delete", "add_to_pending_delete",
    "remove_from_pending_delete", "has_cloudinit", "drive_file",
    "is_valid_drivename", "DRIVE_NAMES", "FLEECING_SCHEMA",
]

# Perl's \s on the raw (byte) lines is ASCII whitespace, as re.ASCII's \s.
_A = re.ASCII
_BLANK = re.compile(r"\s*\Z", _A)
_PENDING_HEADER = re.compile(r"\[PENDING\]\s*\Z", _A | re.I)
_SPECIAL_HEADER = re.compile(r"\[special:(cloudinit|fleecing)\]\s*\Z", _A | re.I)
_SNAPSHOT_HEADER = re.compile(r"\[([a-z][a-z0-9_\-]+)\]\s*\Z", _A | re.I)
_OTHER_HEADER = re.compile(r"\[([^\]]*)\]\s*\Z", _A)
_COMMENT = re.compile(r"#(.*)\Z", _A)
_DESCRIPTION = re.compile(r"(description):\s*(.*\S)\s*\Z", _A)
_SNAPSTATE = re.compile(r"snapstate:\s*(prepare|delete)\s*\Z", _A)  # unanchored
_ARGS = re.compile(r"(args):\s*(.*\S)\s*\Z", _A)
_DELETE = re.compile(r"delete:\s*(.*\S)\s*\Z", _A)
_KEY_VALUE = re.compile(r"([a-z][a-z_\-]*\d*):\s*(.+?)\s*\Z", _A)
_KEY_NAME = re.compile(r"[a-z][a-z_\-]*\d*\Z", _A)
_LINE_FEED = re.compile(r"[\n\r]")

# The description is a decoded (Unicode) string when Perl strips it, so its
# \s is Unicode whitespace, which is not quite Python's str.isspace().
_TRAILING_USPACE = re.compile(
    "[\t\n\x0b\x0c\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f"
    "\u3000]+\\Z")

# Keys of a section that are structure, not settings: never checked nor
# written as "key: value" (write_vm_config's list).
_STRUCTURAL = frozenset(
    ["digest", "description", "pending", "snapshots", "special-sections"])

DRIVE_NAMES = tuple(
    ["ide%d" % i for i in range(4)]
    + ["scsi%d" % i for i in range(31)]
    + ["virtio%d" % i for i in range(16)]
    + ["sata%d" % i for i in range(6)]
    + ["efidisk0", "tpmstate0"])
_DRIVE_NAME_SET = frozenset(DRIVE_NAMES)
_CLOUDINIT_FILE = re.compile(
    r"[:/](?:vm-\d+-)?cloudinit(?:\.(?:raw|qcow|qcow2|qed|vmdk|cloop))?\Z", _A)

FLEECING_SCHEMA = {
    "fleecing-images": {"type": "string", "format": "pve-volume-id-list"},
}
# Schemas of the special sections, by their name as written.  cloudinit's
# values are informative and not checked; any other spelling ("CloudInit")
# has no schema, as in Proxmox.
_SPECIAL_SCHEMAS = {"fleecing": FLEECING_SCHEMA}


class ConfigError(ValueError):
    """A config Proxmox would refuse.  ``str()`` is Proxmox's message;
    ``lineno`` (1-based, when parsing) and ``key`` say where."""

    def __init__(self, message, lineno=None, key=None):
        ValueError.__init__(self, message)
        self.message = message
        self.lineno = lineno
        self.key = key


@dataclass
class VMConfig:
    """A parsed VM config.

    ``main``: key -> value of the main section, in file order.
    ``description``: the main section's description, or None.
    ``pending``: key -> value of ``[PENDING]`` ({} when absent); its
    ``delete`` value is kept as written (``parse_pending_delete`` reads it);
    a ``description`` key is a pending description.
    ``snapshots``: name -> dict of the snapshot's keys (``parent``,
    ``snaptime``, ``vmstate``, ``description``, ``snapstate``...).
    ``special``: name -> dict, e.g. ``special["cloudinit"]``.
    ``digest``: sha1 hex of the raw file; ``warnings``: Proxmox's warnings
    from a non-strict parse, without trailing newlines.
    """

    main: dict = field(default_factory=dict)
    description: str = None
    pending: dict = field(default_factory=dict)
    snapshots: dict = field(default_factory=dict)
    special: dict = field(default_factory=dict)
    digest: str = None
    warnings: list = field(default_factory=list)


# -- text helpers -----------------------------------------------------------

def digest(text):
    """sha1 hex of the raw file, as Proxmox's config digest."""
    return hashlib.sha1(_to_bytes(text)).hexdigest()


def _to_bytes(text):
    if isinstance(text, bytes):
        return text
    if isinstance(text, str):
        return text.encode("utf-8", "surrogateescape")
    raise TypeError("VM config must be str or bytes, not %s"
                    % type(text).__name__)


_TEXT_SAFE = frozenset(
    list(range(0x20, 0x25)) + list(range(0x26, 0x3a)) + list(range(0x3b, 0x7f)))


def encode_text(text):
    """%-encode control and non-ASCII bytes, '%' and ':' (PVE::Tools)."""
    return "".join(
        chr(b) if b in _TEXT_SAFE else "%%%02X" % b
        for b in text.encode("utf-8", "surrogatepass"))


def _unescape(match):
    return bytes([int(match.group(1), 16)])


def decode_text(data):
    """Undo encode_text; bad UTF-8 becomes U+FFFD as with Perl's Encode."""
    raw = re.sub(rb"%([0-9A-Fa-f]{2})", _unescape,
                 data.encode("utf-8", "surrogateescape"))
    return raw.decode("utf-8", "replace")


def _perl_true(value):
    if value is None:
        return False
    if isinstance(value, str):
        return value not in ("", "0")
    return bool(value)


def _perl_str(value):
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return "%.15g" % value
    return str(value)


def _split_fields(text):
    # Perl's split(/\s+/) after the leading whitespace is gone: no trailing
    # empty fields.
    return [f for f in re.split(r"\s+", text, flags=_A) if f]


def split_list(text):
    """PVE::Tools::split_list: NUL-separated, or by ',', ';' and spaces."""
    text = text or ""
    if "\0" in text:
        parts = text.split("\0")
        while parts and parts[-1] == "":
            parts.pop()
        return parts
    return _split_fields(re.sub(r"[,;]", " ", text))


# -- value checks -----------------------------------------------------------

def _verify_volume_id(value):
    match = re.match(r"([a-z][a-z0-9\-_.]*[a-z0-9]):(.+)\Z", value, _A | re.I)
    if not match:
        raise ValueError("unable to parse volume ID '%s'" % value)
    return match.group(1)


_FORMATS = {"pve-volume-id": _verify_volume_id}


def check_format(fmt, value, formats=None):
    """PVE::JSONSchema::check_format for named formats (with ``-list`` and
    ``-opt``); ``formats`` maps more names to verifier callables."""
    if fmt == "regex":
        return None
    name, kind = re.match(r"(.*?)(?:-(list|opt))?\Z", fmt, re.S).groups()
    verify = (formats or {}).get(name) or _FORMATS.get(name)
    if verify is None:
        raise ValueError("undefined format '%s'" % fmt)
    if kind == "list":
        return [verify(item) for item in split_list(value)]
    if kind == "opt":
        return verify(value) if _perl_true(value) else None
    return verify(value)


def check_type(key, value, schema, formats=None):
    """qemu-server's check_type: check one value against ``schema`` (key ->
    {"type": boolean|integer|number|string, "format": name}); returns it
    normalised (booleans and integers as int) or raises ValueError."""
    if not schema:
        raise ValueError("check_type: no schema defined")
    if not schema.get(key):
        raise ValueError("unknown setting '%s'" % key)
    kind = schema[key].get("type")
    if value is None:
        raise ValueError("got undefined value")
    value = _perl_str(value)
    if _LINE_FEED.search(value):
        raise ValueError("property contains a line feed")
    if kind == "boolean":
        if value == "1" or re.match(r"(on|yes|true)\Z", value, _A | re.I):
            return 1
        if value == "0" or re.match(r"(off|no|false)\Z", value, _A | re.I):
            return 0
        raise ValueError("type check ('boolean') failed - got '%s'" % value)
    if kind == "integer":
        if re.match(r"\d+\Z", value, _A):
            return int(value)
        raise ValueError("type check ('integer') failed - got '%s'" % value)
    if kind == "number":
        if re.match(r"\d+(\.\d+)?\Z", value, _A):
            return value
        raise ValueError("type check ('number') failed - got '%s'" % value)
    if kind == "string":
        fmt = schema[key].get("format")
        if fmt:
            check_format(fmt, value, formats)
            return value
        quoted = re.match(r'"(.*)"\Z', value, re.S)
        return quoted.group(1) if quoted else value
    raise ValueError("internal error")


def _basic_check(key, value):
    # What check_type checks without a schema: enough that the written file
    # reads back as it was meant.
    if not _KEY_NAME.match(key):
        raise ValueError("unknown setting '%s'" % key)
    if value is None:
        raise ValueError("got undefined value")
    if _LINE_FEED.search(_perl_str(value)):
        raise ValueError("property contains a line feed")
    return value


def _reason(error):
    return str(error).rstrip("\n")


# -- drives -------------------------------------------------------------------

def is_valid_drivename(key):
    """A disk or CD-ROM key (not ``unusedN``)."""
    return key in _DRIVE_NAME_SET


def drive_file(value):
    """The volume of a drive string (``[file=]<volume>,opt=...``), or None
    if the property string is malformed.  Only the shape is read, not each
    option's value."""
    found = None
    positional = False
    for part in _perl_str(value).split(","):
        if _BLANK.match(part):
            continue
        pair = re.match(r"([^=]+)=(.+)\Z", part, re.S)
        if pair:
            if pair.group(1) in ("file", "volume"):
                if found is not None:
                    return None
                found = pair.group(2)
        elif "=" not in part:
            if positional or found:
                return None
            positional = True
            found = part
        else:
            return None
    return found


def has_cloudinit(main):
    """The first drive key of ``main`` holding a cloud-init volume, or None."""
    for key in DRIVE_NAMES:
        if main.get(key) is None:
            continue
        volume = drive_file(main[key])
        if volume and _CLOUDINIT_FILE.search(volume):
            return key
    return None


# -- pending deletions ------------------------------------------------------

def parse_pending_delete(data):
    """The ``delete`` value of [PENDING] as key -> force (bool)."""
    result = {}
    if not _perl_true(data):
        return result
    for entry in _split_fields(re.sub(r"[,;]", " ", data)):
        force = entry.startswith("!")
        result[entry[1:] if force else entry] = force
    return result


def print_pending_delete(deletions):
    """key -> force back to text: sorted, comma-separated, '!' = force."""
    return ",".join(("!" + key) if deletions[key] else key
                    for key in sorted(deletions))


def add_to_pending_delete(pending, key, force=False):
    """Mark ``key`` of the pending dict for deletion (in place)."""
    deletions = parse_pending_delete(pending.get("delete"))
    deletions[key] = bool(force)
    pending["delete"] = print_pending_delete(deletions)
    return pending


def remove_from_pending_delete(pending, key):
    """Unmark ``key``; drop ``delete`` when nothing is left (in place)."""
    deletions = parse_pending_delete(pending.get("delete"))
    if key not in deletions:
        return pending
    del deletions[key]
    if deletions:
        pending["delete"] = print_pending_delete(deletions)
    else:
        pending.pop("delete", None)
    return pending


# -- parsing ----------------------------------------------------------------

def parse_config(text, vmid=None, strict=False, check=None):
    """Parse a VM config file (str or bytes) into a ``VMConfig``.

    ``vmid`` names the VM in messages ("vm 100 - ..."); ``check(key,
    value)`` checks and normalises values of the main, pending and snapshot
    sections (an empty ValueError message gives Proxmox's bare "unable to
    parse value of 'key'").  Problems are warnings, or with ``strict`` a
    ``ConfigError`` at the first one.
    """
    raw = _to_bytes(text)
    text = raw.decode("utf-8", "surrogateescape")
    prefix = "" if vmid is None else "vm %s - " % (vmid,)
    result = VMConfig(digest=hashlib.sha1(raw).hexdigest())
    pending = None

    def problem(message, lineno, key=None):
        if strict:
            raise ConfigError(prefix + message, lineno, key)
        result.warnings.append(prefix + message)

    # A section is (name, kind); None while skipping an unknown one.
    section = ("", "main")
    conf = result.main
    descr = None

    def finish_description():
        if descr is not None:
            conf["description"] = _TRAILING_USPACE.sub("", descr)
        return None

    for lineno, line in enumerate(text.split("\n"), 1):
        if _BLANK.match(line):
            continue

        header = _PENDING_HEADER.match(line)
        if header:
            descr = finish_description()
            section = ("pending", "pending")
            if pending is not None:
                problem("duplicate section: pending", lineno)
            conf = pending = {}
            continue
        header = _SPECIAL_HEADER.match(line)
        if header:
            descr = finish_description()
            section = (header.group(1), "special")
            if section[0] in result.special:
                problem("duplicate special section: %s" % section[0], lineno)
            conf = result.special[section[0]] = {}
            continue
        header = _SNAPSHOT_HEADER.match(line)
        if header:
            descr = finish_description()
            section = (header.group(1), "snapshot")
            if section[0] in result.snapshots:
                problem("duplicate snapshot section: %s" % section[0], lineno)
            conf = result.snapshots[section[0]] = {}
            continue
        header = _OTHER_HEADER.match(line)
        if header:
            descr = finish_description()
            section = None
            problem("skipping unknown section: '%s'" % header.group(1), lineno)
            continue

        if section is None:
            continue

        match = _COMMENT.match(line)
        if match:
            descr = (descr or "") + decode_text(match.group(1)) + "\n"
            continue

        match = _DESCRIPTION.match(line)
        if match:
            # No newline after a "description:" line, as in Proxmox.
            descr = (descr or "") + decode_text(match.group(2))
            continue
        match = _SNAPSTATE.search(line)
        if match:
            conf["snapstate"] = match.group(1)
            continue
        match = _ARGS.match(line)
        if match:
            conf["args"] = match.group(2)
            continue
        match = _DELETE.match(line)
        if match:
            if section == ("pending", "pending"):
                conf["delete"] = match.group(1)
            else:
                problem("property 'delete' is only allowed in [PENDING]",
                        lineno, "delete")
            continue
        match = _KEY_VALUE.match(line)
        if not match:
            problem("unable to parse config: %s" % line, lineno)
            continue

        key, value = match.groups()
        name, kind = section
        if kind == "special" and name == "cloudinit":
            conf[key] = value
            continue
        try:
            if kind == "special":
                value = check_type(key, value, _SPECIAL_SCHEMAS.get(name))
            elif check is not None:
                value = check(key, value)
        except ValueError as e:
            reason = _reason(e)
            problem("unable to parse value of '%s'%s"
                    % (key, " - " + reason if reason else ""), lineno, key)
            continue
        if key == "cdrom":
            key = "ide2"
        conf[key] = value

    finish_description()
    result.main.pop("snapstate", None)
    result.description = result.main.pop("description", None)
    result.pending = pending if pending is not None else {}
    return result


# -- writing ----------------------------------------------------------------

def _cleanup(conf, check, used_volids, is_pending=False, snapname=None):
    for key in list(conf):
        if key in _STRUCTURAL or key == "snapstate":
            continue
        if key == "delete":
            if not is_pending:
                # sic: Proxmox's spelling
                raise ConfigError(
                    "propertry 'delete' is only allowed in [PENDING]", key=key)
            continue
        try:
            value = (check or _basic_check)(key, conf[key])
        except ValueError as e:
            raise ConfigError("unable to parse value of '%s' - %s"
                              % (key, _reason(e)), key=key)
        conf[key] = value
        if snapname is None and is_valid_drivename(key):
            volume = drive_file(value)
            if volume:
                used_volids.add(volume)


def _section_text(conf, is_pending=False):
    out = []
    descr = conf.get("description")
    if descr is not None:
        if _perl_true(descr):
            lines = _perl_str(descr).split("\n")
            while lines and lines[-1] == "":
                lines.pop()
            out.extend("#%s\n" % encode_text(line) for line in lines)
        elif is_pending:
            out.append("#\n")
    for key in sorted(conf):
        if key not in _STRUCTURAL:
            out.append("%s: %s\n" % (key, _perl_str(conf[key])))
    return "".join(out)


def write_config(conf, check=None):
    """The file text of ``conf`` (a ``VMConfig``), as write_vm_config.

    ``check(key, value)`` as for parse_config checks and normalises every
    value of the main, pending and snapshot sections; without it, keys
    must look like keys and values be defined and on one line.  ``conf``
    is not changed.  Raises ``ConfigError``.
    """
    main = dict(conf.main)
    if conf.description is not None:
        main["description"] = conf.description
    main.pop("snapstate", None)

    if _perl_true(main.get("cdrom")):
        if _perl_true(main.get("ide2")):
            raise ConfigError("option ide2 conflicts with cdrom", key="cdrom")
        main["ide2"] = main.pop("cdrom")

    # 'smp' is not used any longer
    if _perl_true(main.get("sockets")):
        main.pop("smp", None)
    elif _perl_true(main.get("smp")):
        main["sockets"] = main.pop("smp")
        main.pop("cores", None)

    pending = dict(conf.pending or {})
    snapshots = {name: dict(snap) for name, snap in conf.snapshots.items()}
    used_volids = set()
    _cleanup(main, check, used_volids)
    _cleanup(pending, check, used_volids, is_pending=True)
    for name in sorted(snapshots):
        if name.lower() == "pending":
            raise ConfigError(
                "internal error: snapshot name '%s' is forbidden" % name)
        if not _SNAPSHOT_HEADER.match("[%s]" % name):
            # Proxmox's API never makes one; it would not read back
            raise ConfigError("invalid snapshot name '%s'" % name)
        _cleanup(snapshots[name], check, used_volids, snapname=name)

    special = {}
    for name, values in conf.special.items():
        special[name] = values = dict(values)
        for key in values:
            if key not in _STRUCTURAL:
                try:
                    _basic_check(key, values[key])
                except ValueError as e:
                    raise ConfigError("unable to parse value of '%s' - %s"
                                      % (key, _reason(e)), key=key)

    # an unusedN entry goes when its volume is back in use
    for key in list(main):
        if key.startswith("unused") and _perl_str(main[key]) in used_volids:
            del main[key]

    out = [_section_text(main)]
    if pending:
        out.append("\n[PENDING]\n" + _section_text(pending, is_pending=True))
    for name in sorted(special):
        if name == "cloudinit" and not has_cloudinit(main):
            continue
        out.append("\n[special:%s]\n" % name + _section_text(special[name]))
    for name in sorted(snapshots):
        out.append("\n[%s]\n" % name + _section_text(snapshots[name]))
    return "".join(out)
