"""``domains.cfg``: the authentication realms, in section-config format::

    pam: pam
            comment Linux PAM standard authentication

    ldap: example
            base_dn dc=example,dc=com
            server1 ldap.example.com
            user_attr uid

Each realm is a dict of its properties plus ``type``, in file order.  The
realms ``pam`` and ``pve`` always exist.  Properties per type and the
warnings follow ``PVE/Auth/*.pm`` and ``PVE/SectionConfig.pm``.
"""

import re

from pve.access.names import decode_text, encode_text, verify_realm
from pve.sectionconfig import SectionReader

# property -> (kind, allowed values); kind is boolean, integer or string
PROPERTIES = {
    "comment": ("string", None), "default": ("boolean", None),
    "tfa": ("string", None),
    "server1": ("string", None), "server2": ("string", None),
    "port": ("integer", (1, 65535)), "secure": ("boolean", None),
    "sslversion": ("string", ("tlsv1", "tlsv1_1", "tlsv1_2", "tlsv1_3")),
    "domain": ("string", None),
    "base_dn": ("string", None), "bind_dn": ("string", None),
    "user_attr": ("string", None), "password": ("string", None),
    "verify": ("boolean", None), "capath": ("string", None),
    "cert": ("string", None), "certkey": ("string", None),
    "filter": ("string", None), "sync_attributes": ("string", None),
    "user_classes": ("string", None), "group_dn": ("string", None),
    "group_name_attr": ("string", None), "group_filter": ("string", None),
    "group_classes": ("string", None),
    "sync-defaults-options": ("string", None),
    "mode": ("string", ("ldap", "ldaps", "ldap+starttls")),
    "case-sensitive": ("boolean", None),
    "issuer-url": ("string", None), "client-id": ("string", None),
    "client-key": ("string", None), "autocreate": ("boolean", None),
    "username-claim": ("string", None), "groups-claim": ("string", None),
    "groups-autocreate": ("boolean", None),
    "groups-overwrite": ("boolean", None), "prompt": ("string", None),
    "scopes": ("string", None), "acr-values": ("string", None),
    "query-userinfo": ("boolean", None), "audiences": ("string", None),
    # known to the schema, never an option of a realm type
    "realm": ("string", None), "type": ("string", None),
}

_LDAP_SHARED = (
    "server2", "port", "secure", "sslversion", "default", "comment", "tfa",
    "verify", "capath", "cert", "certkey", "filter", "sync_attributes",
    "user_classes", "group_dn", "group_name_attr", "group_filter",
    "group_classes", "sync-defaults-options", "mode", "case-sensitive",
    "bind_dn", "password")

# type -> (required options, optional options)
TYPES = {
    "pam": ((), ("default", "comment", "tfa")),
    "pve": ((), ("default", "comment", "tfa")),
    "ad": (("server1", "domain"),
           _LDAP_SHARED + ("base_dn", "user_attr")),
    "ldap": (("server1", "base_dn", "user_attr"), _LDAP_SHARED),
    "openid": (("issuer-url", "client-id"),
               ("client-key", "autocreate", "username-claim", "groups-claim",
                "groups-autocreate", "groups-overwrite", "prompt", "scopes",
                "acr-values", "audiences", "default", "comment",
                "query-userinfo")),
}

BUILTIN = {
    "pam": "Linux PAM standard authentication",
    "pve": "Proxmox VE authentication server",
}

_INTEGER = re.compile(r"[+-]?[0-9]+")


def _check_value(kind_values, value):
    """The typed value, or raise ValueError with Proxmox's reason."""
    kind, allowed = kind_values
    if kind == "boolean":
        if value is None:
            return 1
        if value not in ("0", "1"):
            raise ValueError("type check ('boolean') failed - got '%s'"
                             % value)
        return int(value)
    if value is None:
        raise ValueError("got undefined value")
    if kind == "integer":
        if not _INTEGER.fullmatch(value):
            raise ValueError("type check ('integer') failed - got '%s'"
                             % value)
        number = int(value)
        if number < allowed[0]:
            raise ValueError("value must have a minimum value of %d"
                             % allowed[0])
        if number > allowed[1]:
            raise ValueError("value must have a maximum value of %d"
                             % allowed[1])
        return number
    if allowed is not None and value not in allowed:
        raise ValueError("value '%s' does not have a value in the enumeration "
                         "'%s'" % (value, ", ".join(allowed)))
    return value


def _parse_property(realm_type, config, key, value):
    if key not in PROPERTIES:
        raise ValueError("unknown property type")
    if key in config:
        raise ValueError("duplicate attribute")
    required, optional = TYPES[realm_type]
    if key == "type" and value == realm_type:
        return value
    if key not in required and key not in optional:
        raise ValueError("unexpected property '%s'" % key)
    return _check_value(PROPERTIES[key], value)


class _Reader(SectionReader):
    def check_id(self, realm):
        if not verify_realm(realm):
            raise ValueError("value does not look like a valid realm")

    def known_type(self, realm_type):
        return realm_type in TYPES

    def parse_property(self, realm_type, config, key, value):
        return _parse_property(realm_type, config, key, value)

    def add_section(self, realm_type, realm, config, last):
        missing = sorted(k for k in TYPES[realm_type][0] if k not in config)
        if missing:
            self.warn("(skip section '%s'): missing value for required option "
                      "'%s'", realm, missing[0], number=last)
            return
        config["type"] = realm_type
        self.ids.pop(realm, None)
        self.ids[realm] = config

    def finish(self):
        default = None
        for realm, config in self.ids.items():
            if config.get("default"):
                if default is None:
                    default = realm
                else:
                    del config["default"]
            if config.get("comment"):
                config["comment"] = decode_text(config["comment"])
        for realm, comment in BUILTIN.items():
            config = self.ids.setdefault(realm, {})
            config["type"] = realm
            if not config.get("comment"):
                config["comment"] = comment
        return self.ids, self.warnings


def parse_domains_cfg(raw, filename="domains.cfg"):
    """Read ``domains.cfg``: ``({realm: properties}, [ParseWarning])``."""
    return _Reader(filename).read(raw)


def _line(key, value):
    if PROPERTIES.get(key, ("string",))[0] == "boolean":
        return "\t%s %d\n" % (key, 1 if value else 0)
    value = str(value)
    if "\n" in value or "\r" in value:
        raise ValueError("property '%s' contains a line feed" % key)
    return "\t%s %s\n" % (key, value) if value != "" else ""


def write_domains_cfg(realms):
    """``domains.cfg`` text: realms in dict order, comment first, then the
    required options and the optional ones, each sorted."""
    out = []
    for realm, config in realms.items():
        realm_type = config["type"]
        required, optional = TYPES[realm_type]
        out.append("%s: %s\n" % (realm_type, realm))
        if config.get("comment"):
            out.append(_line("comment", encode_text(config["comment"])))
        for key in sorted(required):
            if config.get(key) is None:
                raise ValueError("section '%s' - missing value for required "
                                 "option '%s'" % (realm, key))
            out.append(_line(key, config[key]))
        for key in sorted(optional):
            if key != "comment" and config.get(key) is not None:
                out.append(_line(key, config[key]))
        out.append("\n")
    return "".join(out)


def parsed_domains_cfg(data, mtime=None):
    """``{realm: properties}`` of ``domains.cfg``'s bytes (``None``:
    missing); a parser for :func:`pve.cluster.cache.read_parsed`."""
    return parse_domains_cfg(data or b"")[0]
