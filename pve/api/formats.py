"""Named string formats (a schema's ``format``), as Proxmox registers them.

A format is either a function that takes the value (a string) and returns it,
raising :class:`FormatError` with Proxmox's wording, or a dict of properties:
a property string such as ``model=virtio,bridge=vmbr0``, parsed by
:func:`parse_property_string`.  ``NAME-list`` and ``NAME-opt`` derive from a
function format.  Sources: pve-common ``JSONSchema.pm`` and ``ParseUtils.pm``,
pve-access-control ``AccessControl.pm`` and ``Auth/Plugin.pm``.
"""

import ipaddress
import re

from pve.access import names, privileges

_FORMATS = {}
_VALIDATORS = {}


class FormatError(ValueError):
    """A value does not match its format; ``str()`` is Proxmox's text."""

    def __init__(self, message, errors=None):
        super().__init__(message)
        self.message = message
        self.errors = errors or {}

    def __str__(self):
        text = self.message if self.message.endswith("\n") else self.message + "\n"
        for key in sorted(self.errors):
            text += f"{key}: {self.errors[key]}\n"
        return text


def register_format(name, fmt, validator=None):
    """Register *fmt* (a function or a property-string dict) as *name*."""
    if name in _FORMATS:
        raise ValueError(f"JSON schema format '{name}' already registered")
    if validator is not None and not isinstance(fmt, dict):
        raise ValueError("a validator can only be given for dict formats")
    _FORMATS[name] = fmt
    if validator is not None:
        _VALIDATORS[name] = validator


def get_format(name):
    return _FORMATS.get(name)


def is_known(fmt):
    """Whether check_format can check *fmt* (a name, dict or function)."""
    if not isinstance(fmt, str) or fmt == "regex":
        return True
    name, kind = _split_name(fmt)
    registered = _FORMATS.get(name)
    return registered is not None and (kind is None or callable(registered))


def _split_name(fmt):
    m = re.match(r"^(.*?)(?:-(list|opt))?$", fmt)
    return m.group(1), m.group(2)


def check_format(fmt, value, path=""):
    """Check *value* against *fmt*; return the parsed value."""
    if isinstance(fmt, dict):
        return parse_property_string(fmt, value, path)
    if callable(fmt):
        return fmt(value)
    if fmt == "regex":
        return None
    name, kind = _split_name(fmt)
    registered = _FORMATS.get(name)
    if registered is None:
        raise FormatError(f"undefined format '{fmt}'")
    if kind is not None and not callable(registered):
        raise FormatError(f"'-{kind}' format must have code ref, not hash")
    if kind == "list":
        return [registered(item) for item in split_list(value)]
    if kind == "opt":
        return registered(value) if perl_true(value) else None
    if isinstance(registered, dict):
        return parse_property_string(name, value, path)
    return registered(value)


def perl_true(value):
    """Perl's truth: None, "", "0" and 0 are false; any dict or list is true."""
    if isinstance(value, (dict, list, tuple)):
        return True
    if isinstance(value, str):
        return value not in ("", "0")
    return bool(value)


def _perl_split(pattern, text):
    items = re.split(pattern, text)
    while items and items[-1] == "":
        items.pop()
    return items


def split_list(text):
    """Items of a list value: split on NUL if present, else on ``,;`` and blanks."""
    text = text or ""
    if "\0" in text:
        return _perl_split("\0", text)
    return _perl_split(r"\s+", re.sub(r"[,;]", " ", text).lstrip())


def parse_boolean(text):
    """1, 0 or None for Proxmox's spellings (1/on/yes/true, 0/off/no/false)."""
    text = str(text)
    if re.fullmatch(r"(?i:1|on|yes|true)\n?", text):
        return 1
    if re.fullmatch(r"(?i:0|off|no|false)\n?", text):
        return 0
    return None


def parse_size(text):
    """Bytes in a size such as ``32G`` or ``1.5MiB``, or None."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT](?:iB)?)?\n?", text)
    if not m:
        return None
    size = float(m.group(1)) if "." in m.group(1) else int(m.group(1))
    if m.group(2):
        size *= 1024 ** ("KMGT".index(m.group(2)[0]) + 1)
    return int(size)


def _find_default_key(fmt):
    default_key, key_alias_props = None, {}
    for key, prop in fmt.items():
        if prop.get("default_key"):
            if default_key is not None:
                raise ValueError(f"multiple default keys in schema ({default_key}, {key})")
            default_key = key
        if prop.get("alias") and prop.get("keyAlias"):
            key_alias_props[prop["keyAlias"]] = prop["alias"]
    return default_key, key_alias_props


def parse_property_string(fmt, data, path="", additional_properties=False, skip=()):
    """Parse ``key=value,...`` against a dict format (or the name of one)."""
    from pve.api import schema  # check_object lives there; it imports us

    validator = None
    if isinstance(fmt, str):
        registered = _FORMATS.get(fmt)
        if registered is None:
            raise FormatError(f"unknown format: {fmt}")
        if not isinstance(registered, dict):
            raise FormatError("parse_property_string only accepts hash based named formats")
        validator = _VALIDATORS.get(fmt)
        fmt = registered
    default_key = None
    res = {}
    for part in data.split(","):
        if re.fullmatch(r"\s*", part):
            continue
        m = re.match(r"^([^=]+)=(.+)$", part)
        if m:
            key, value = m.group(1), m.group(2)
            if key in skip:
                continue
            if res.get(key) is not None:
                raise FormatError(f"duplicate key in comma-separated list property: {key}")
            prop = fmt.get(key)
            if prop and prop.get("alias"):
                if prop.get("keyAlias"):
                    if res.get(prop["keyAlias"]) is not None:
                        raise FormatError(f"key alias '{prop['keyAlias']}' is already defined")
                    res[prop["keyAlias"]] = key
                key = prop["alias"]
                prop = fmt.get(key)
                if res.get(key) is not None:
                    raise FormatError(f"key '{key}' is already defined (via alias)")
            if not prop:
                raise FormatError(f"invalid key in comma-separated list property: {key}")
            if prop.get("type") == "boolean":
                value = _bool_or_text(value)
            res[key] = value
        elif "=" not in part:
            if default_key is not None:
                raise FormatError(
                    f"duplicate key in comma-separated list property: {default_key}")
            default_key, _ = _find_default_key(fmt)
            if default_key is None:
                raise FormatError("value without key, but schema does not define a default key")
            if perl_true(res.get(default_key)):
                raise FormatError(
                    f"duplicate key in comma-separated list property: {default_key}")
            if fmt[default_key].get("type") == "boolean":
                part = _bool_or_text(part)
            res[default_key] = part
        else:
            raise FormatError("missing key in comma-separated list property")
    errors = {}
    res = schema.check_object(path, fmt, res, additional_properties, errors)
    if errors:
        raise FormatError("format error", errors)
    return validator(res) if validator else res


def _bool_or_text(text):
    parsed = parse_boolean(text)
    return text if parsed is None else str(parsed)


def _regex_format(name, regex, message, flags=0):
    """Register a format that is one anchored regex and one message."""
    compiled = re.compile(f"^(?:{regex})$", flags)

    def check(value):
        if not compiled.search(value):
            raise FormatError(message.format(value=value))
        return value

    check.__name__ = "verify_" + name.replace("-", "_")
    register_format(name, check)
    return check


# --- patterns (ParseUtils.pm, Auth/Plugin.pm, AccessControl.pm) ---
_OCTET = r"(?:25[0-5]|(?:2[0-4]|1[0-9]|[1-9])?[0-9])"
IPV4_RE = rf"(?:(?:{_OCTET}\.){{3}}{_OCTET})"
_H16 = r"(?:[0-9a-fA-F]{1,4})"
_LS32 = rf"(?:(?:{IPV4_RE}|{_H16}:{_H16}))"
IPV6_RE = "(?:" + "|".join([
    rf"(?:(?:(?:{_H16}:){{6}}){_LS32})",
    rf"(?:(?:::(?:{_H16}:){{5}}){_LS32})",
    rf"(?:(?:(?:{_H16})?::(?:{_H16}:){{4}}){_LS32})",
    rf"(?:(?:(?:(?:{_H16}:){{0,1}}{_H16})?::(?:{_H16}:){{3}}){_LS32})",
    rf"(?:(?:(?:(?:{_H16}:){{0,2}}{_H16})?::(?:{_H16}:){{2}}){_LS32})",
    rf"(?:(?:(?:(?:{_H16}:){{0,3}}{_H16})?::(?:{_H16}:){{1}}){_LS32})",
    rf"(?:(?:(?:(?:{_H16}:){{0,4}}{_H16})?::){_LS32})",
    rf"(?:(?:(?:(?:{_H16}:){{0,5}}{_H16})?::){_H16})",
    rf"(?:(?:(?:(?:{_H16}:){{0,6}}{_H16})?::))",
]) + ")"
EMAIL_USER_RE = r"[\w\+\-\~]+(?:\.[\w\+\-\~]+)*"
EMAIL_RE = EMAIL_USER_RE + r"@[a-zA-Z0-9\-]+(?:\.[a-zA-Z0-9\-]+)*"
CONFIGID_RE = r"(?i:[a-z][a-z0-9_-]+)"
REALM_RE = names.REALM
USER_RE = names.USER
GROUPNAME_RE = names.GROUP
TOKEN_FULL_RE = rf"(({USER_RE})@({REALM_RE}))!({REALM_RE})"
DNS_LABEL = r"([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?)"

# Privileges: the one list, kept with the roles in pve.access.privileges.
PRIVILEGES = privileges.PRIVILEGES

# --- function formats ---
register_format("string", lambda value: value)
_regex_format("urlencoded", r"[-%a-zA-Z0-9_.!~*'()]*", "invalid urlencoded string: {value}")
_regex_format("pve-configid", CONFIGID_RE, "invalid configuration ID '{value}'")
_regex_format("pve-bridge-id", r"[-_.\w\d]+", "invalid bridge ID '{value}'")
_regex_format("pve-vmid", r"[1-9][0-9]{2,8}", "value does not look like a valid VM ID")
_regex_format("pve-node", DNS_LABEL, "value does not look like a valid node name")
_regex_format("mac-addr", r"[a-f0-9][02468ace](?::[a-f0-9]{2}){5}",
              "value does not look like a valid unicast MAC address", re.I)
_regex_format("ipv4", IPV4_RE, "value does not look like a valid IPv4 address")
_regex_format("ipv6", IPV6_RE, "value does not look like a valid IPv6 address")
_regex_format("ip", f"{IPV4_RE}|{IPV6_RE}", "value does not look like a valid IP address")
_regex_format("ldap-simple-attr", r"[a-zA-Z0-9]+",
              "value '{value}' does not look like a simple ldap attribute name")
_regex_format("email", EMAIL_RE, "value does not look like a valid email address")
_regex_format("email-or-username", f"{EMAIL_RE}|{EMAIL_USER_RE}",
              "value does not look like a valid email address or user name")
_regex_format("dns-name", rf"({DNS_LABEL}\.)*{DNS_LABEL}",
              "value does not look like a valid DNS name")
_regex_format("pve-iface", r"[a-z][a-z0-9_]{1,20}([:\.]\d+)?",
              "invalid network interface name '{value}'", re.I)
_regex_format("pve-tag", r"[a-z0-9_][a-z0-9_\-\+\.]*", "invalid characters in tag", re.I)
_regex_format("pve-task-status-type", r"ok|error|warning|unknown",
              "invalid status '{value}'", re.I)
_regex_format("pve-tfa-secret",
              r"v2-0x[0-9a-fA-F]{16,128}|v2-[A-Z2-7=]{16,128}|[A-Z2-7=]{16}|[A-Fa-f0-9]{40}",
              "unable to decode TFA secret")
_regex_format("pve-realm", REALM_RE, "value does not look like a valid realm")
_regex_format("pve-tokenid", TOKEN_FULL_RE, "value '{value}' does not look like a valid token ID")
_regex_format("pve-groupid", GROUPNAME_RE, "group name '{value}' contains invalid characters")
_regex_format("pve-roleid", r"[A-Za-z0-9\.\-_]+", "role name '{value}' contains invalid characters")


def _parse_id(kind):
    def check(value):
        if len(value) < 2:
            raise FormatError(f"{kind} ID '{value}' cannot be shorter than 2 characters")
        if not re.search(r"^[a-z][a-z0-9\-\_\.]*[a-z0-9]$", value, re.I):
            raise FormatError(f"{kind} ID '{value}' contains illegal characters")
        return value
    return check


register_format("pve-storage-id", _parse_id("storage"))
register_format("acme-plugin-id", _parse_id("ACME plugin"))


def verify_userid(value):
    value = value if perl_true(value) else ""
    if len(value) < 3:
        raise FormatError(f"user name '{value}' is too short")
    if len(value) > 64:
        raise FormatError(f"user name '{value}' is too long ({len(value)} > 64)")
    if not re.search(rf"^({USER_RE})@({REALM_RE})$", value):
        raise FormatError(f"value '{value}' does not look like a valid user name")
    return value


def verify_poolid(value):
    if len(value.split("/")) > 3:
        raise FormatError(f"pool name '{value}' nested too deeply (max levels = 3)")
    if not re.search(r"^[A-Za-z0-9\.\-_]+(?:/[A-Za-z0-9\.\-_]+){0,2}$", value):
        raise FormatError(f"pool name '{value}' contains invalid characters")
    return value


def verify_priv(value):
    if value not in PRIVILEGES:
        raise FormatError(f"invalid privilege '{value}'")
    return value


NETMASK_BITS = {str(ipaddress.IPv4Network(f"0.0.0.0/{n}").netmask): n for n in range(33)}


def verify_ipv4mask(value):
    if value not in NETMASK_BITS:
        raise FormatError("value does not look like a valid IP netmask")
    return value


def _cidr(ip_re, low, high):
    def matches(value):
        m = re.search(rf"^(?:{ip_re})(?:/(\d+))$", value)
        return bool(m) and low < int(m.group(1)) <= high
    return matches


_cidr4, _cidr6 = _cidr(IPV4_RE, 7, 32), _cidr(IPV6_RE, 7, 128)


def _predicate_format(name, predicate, message):
    def check(value):
        if not predicate(value):
            raise FormatError(message.format(value=value))
        return value
    register_format(name, check)


_predicate_format("CIDRv4", _cidr4, "value does not look like a valid IPv4 CIDR network")
_predicate_format("CIDRv6", _cidr6, "value does not look like a valid IPv6 CIDR network")
_predicate_format("CIDR", lambda v: _cidr4(v) or _cidr6(v),
                  "value does not look like a valid CIDR network")
_predicate_format("pve-ipv4-config", lambda v: v in ("dhcp", "manual") or _cidr4(v),
                  "value does not look like a valid ipv4 network configuration")
_predicate_format("pve-ipv6-config", lambda v: v in ("auto", "dhcp", "manual") or _cidr6(v),
                  "value does not look like a valid ipv6 network configuration")
_predicate_format("address", lambda v: bool(re.search(
    rf"^(?:{IPV4_RE}|{IPV6_RE}|({DNS_LABEL}\.)*{DNS_LABEL})$", v)),
    "value does not look like a valid address: {value}")
_predicate_format("disk-size", lambda v: parse_size(v) is not None,
                  "value does not look like a valid disk size: {value}")
register_format("pve-userid", verify_userid)
register_format("pve-poolid", verify_poolid)
register_format("pve-priv", verify_priv)
register_format("ipv4mask", verify_ipv4mask)


def parse_startup_order(value):
    """``order=N,up=N,down=N`` as a dict, or None if it does not parse."""
    if not perl_true(value):
        return None
    res = {}
    for part in value.split(","):
        if re.fullmatch(r"\s*", part):
            continue
        m = re.search(r"^(?:(?:order=)?(\d+)|up=(\d+)|down=(\d+))$", part)
        if not m:
            return None
        for key, group in zip(("order", "up", "down"), m.groups()):
            if group is not None:
                res[key] = group
    return res


_predicate_format("pve-startup-order", lambda v: parse_startup_order(v) is not None, "unable to parse startup options")


def verify_vlan_id_or_range(value):
    m = re.search(r"^(\d+)(?:-(\d+))?$", value)
    if not m:
        raise FormatError(f"invalid VLAN configuration '{value}'")
    start, end = m.group(1), m.group(2)
    for tag in (start, end) if perl_true(end) else (start,):
        if not 2 <= int(tag) <= 4094:
            raise FormatError(f"invalid VLAN tag '{tag}'")
    if perl_true(end) and int(start) >= int(end):
        raise FormatError(f"VLAN range must go from lower to higher tag '{value}'")
    return value


def verify_timezone(value, zone_tab="/usr/share/zoneinfo/zone.tab"):
    if value == "UTC":
        return value
    try:
        with open(zone_tab, encoding="utf-8") as f:
            for line in f:
                fields = line.rstrip("\n").split("\t")
                if not re.match(r"\s*#", line) and len(fields) > 2 and fields[2] == value:
                    return value
    except OSError:
        pass
    raise FormatError(f"invalid time zone '{value}'")


register_format("pve-vlan-id-or-range", verify_vlan_id_or_range)
register_format("timezone", verify_timezone)


# --- realms (PVE/Auth/Plugin.pm) ---
register_format("pve-tfa-config", {
    "type": {"type": "string", "enum": ["yubico", "oath"],
             "format_description": "TFATYPE",
             "description": "The type of 2nd factor authentication."},
    "id": {"type": "string", "optional": 1, "format_description": "ID",
           "description": "Yubico API ID."},
    "key": {"type": "string", "optional": 1, "format_description": "KEY",
            "description": "Yubico API Key."},
    "url": {"type": "string", "optional": 1, "format_description": "URL",
            "description": "Yubico API URL."},
    "digits": {"type": "integer", "minimum": 6, "maximum": 8, "default": 6,
               "optional": 1, "format_description": "COUNT",
               "description": "TOTP digits."},
    "step": {"type": "integer", "minimum": 10, "default": 30, "optional": 1,
             "format_description": "SECONDS",
             "description": "TOTP time period."},
})
register_format("realm-sync-options", {
    "scope": {"type": "string", "enum": ["users", "groups", "both"],
              "optional": 1, "description": "Select what to sync."},
    "remove-vanished": {
        "type": "string", "optional": 1, "default": "none",
        "pattern": r"(?:(?:(?:acl|properties|entry);)*(?:acl|properties|entry))|none",
        "typetext": "([acl];[properties];[entry])|none",
        "description": "A semicolon-separated list of things to remove when "
                       "they or the user vanishes during a sync."},
    "full": {"type": "boolean", "optional": 1,
             "description": "DEPRECATED: use 'remove-vanished' instead."},
    "enable-new": {"type": "boolean", "default": 1, "optional": 1,
                   "description": "Enable newly synced users immediately."},
    "purge": {"type": "boolean", "optional": 1,
              "description": "DEPRECATED: use 'remove-vanished' instead."},
})
