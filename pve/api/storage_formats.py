"""The schema formats of the storage API, as ``PVE::Storage::Plugin``
registers them (``pve-storage-path``, ``pve-volume-id``, ``prune-backups``
...).  Importing this module registers them; the storage endpoint modules
import it before their declarations are added to a registry.
"""

import re

from pve.api import formats
from pve.api.formats import FormatError, IPV4_RE, IPV6_RE
from pve.storage.config import DIR_CONTENT


def verify_path(value):
    # only the start is anchored, as upstream's m|^/[^;\(\)]+|
    if not re.match(r"/[^;()]", value):
        raise FormatError("value does not look like a valid absolute path")
    return value


def verify_server(value):
    ip, dns = formats.get_format("ip"), formats.get_format("dns-name")
    for check in (ip, dns):
        try:
            return check(value)
        except FormatError:
            pass
    raise FormatError("value does not look like a valid server name or IP "
                      "address")


def verify_lvm_name(value):
    if not re.fullmatch(r"[a-z0-9][a-z0-9\-_.]*[a-z0-9]", value, re.I):
        raise FormatError("lvm name '%s' contains illegal characters" % value)
    return value


_HOST_PORT = (
    re.compile(r"(%s|[A-Za-z0-9\-.]+)(?::(\d+))?" % IPV4_RE),
    re.compile(r"\[(%s|%s|[A-Za-z0-9\-.]+)\](?::(\d+))?" % (IPV6_RE, IPV4_RE)),
    re.compile(r"(%s)(?:\.(\d+))?" % IPV6_RE),
)


def verify_portal_dns(value):
    """An IP or DNS name with an optional port (``parse_host_and_port``)."""
    if not any(p.fullmatch(value) for p in _HOST_PORT):
        raise FormatError("value does not look like a valid portal address")
    return value


def verify_content(value):
    if value not in DIR_CONTENT:  # dir has every content type
        raise FormatError("invalid content type '%s'" % value)
    return value


def verify_storage_format(value):
    if value not in ("raw", "qcow2", "vmdk", "subvol"):
        raise FormatError("invalid format '%s'" % value)
    return value


def verify_options(value):
    if not re.fullmatch(r"\S+", value):
        raise FormatError("invalid options '%s'" % value)
    return value


def verify_volume_id(value):
    if not re.fullmatch(r"[a-z][a-z0-9\-_.]*[a-z0-9]:.+", value,
                        re.I | re.S):
        raise FormatError("unable to parse volume ID '%s'" % value)
    return value


def verify_dir_override(value):
    m = re.fullmatch(r"([a-z]+)=([^.]*(?:\.?[^.]+)+)", value, re.S)
    if m and m.group(1) in DIR_CONTENT:
        relative = m.group(2)
        if len(relative) < 1023 and all(len(part) < 255
                                        for part in relative.split("/")):
            return value
    raise FormatError("invalid override '%s'" % value)


def _prune_option(description):
    return {"optional": 1, "type": "integer", "minimum": "0",
            "format_description": "N", "description": description}


_SINGLE = ("If there is morethan one backup for a single %s, only the latest "
           "one is kept.")
PRUNE_BACKUPS = {
    "keep-all": {"type": "boolean", "optional": 1,
                 "description": "Keep all backups. Conflicts with the other "
                                "options when true."},
    "keep-last": _prune_option("Keep the last <N> backups."),
    "keep-hourly": _prune_option("Keep backups for the last <N> different "
                                 "hours. " + _SINGLE % "hour"),
    "keep-daily": _prune_option("Keep backups for the last <N> different "
                                "days. " + _SINGLE % "day"),
    "keep-weekly": _prune_option("Keep backups for the last <N> different "
                                 "weeks. " + _SINGLE % "week"),
    "keep-monthly": _prune_option("Keep backups for the last <N> different "
                                  "months. " + _SINGLE % "month"),
    "keep-yearly": _prune_option("Keep backups for the last <N> different "
                                 "years. " + _SINGLE % "year"),
}


def validate_prune_backups(parsed):
    res = dict(parsed)
    keep_all = res.pop("keep-all", None)
    if not any(int(v) > 0 for v in res.values()):
        return {"keep-all": 1}
    if formats.perl_true(keep_all):
        raise FormatError("keep-all cannot be set together with other "
                          "options.")
    return res


def _register(name, fmt, validator=None):
    # another module may have registered Proxmox's format already
    if formats.get_format(name) is None:
        formats.register_format(name, fmt, validator)


_register("pve-storage-path", verify_path)
_register("pve-storage-server", verify_server)
_register("pve-storage-vgname", verify_lvm_name)
_register("pve-storage-portal-dns", verify_portal_dns)
_register("pve-storage-content", verify_content)
_register("pve-storage-format", verify_storage_format)
_register("pve-storage-options", verify_options)
_register("pve-volume-id", verify_volume_id)
_register("pve-dir-override", verify_dir_override)
_register("prune-backups", PRUNE_BACKUPS, validate_prune_backups)
