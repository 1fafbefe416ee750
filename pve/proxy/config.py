"""``/etc/default/pveproxy``: the proxies' listen, access and TLS settings.

The file is shell: as Proxmox does, bash sources it and prints the
variables, so quoting, comments and ``$(...)`` behave as users expect.
:func:`parse` turns that output into settings with Proxmox's checks; a bad
value raises :class:`ProxyConfigError` naming the variable.
:func:`host_allowed` is Proxmox's ALLOW_FROM / DENY_FROM / POLICY rule.
"""

import ipaddress
import os
import subprocess

KEYS = (
    "LISTEN_IP", "ALLOW_FROM", "DENY_FROM", "POLICY", "CIPHERS",
    "CIPHERSUITES", "DHPARAMS", "TLS_KEY_FILE", "HONOR_CIPHER_ORDER",
    "COMPRESSION", "DISABLE_TLS_1_2", "DISABLE_TLS_1_3",
    "PROXY_REAL_IP_HEADER", "PROXY_REAL_IP_ALLOW_FROM", "MAX_WORKERS",
)
BOOLEANS = ("HONOR_CIPHER_ORDER", "COMPRESSION", "DISABLE_TLS_1_2",
            "DISABLE_TLS_1_3")
NETWORK_LISTS = ("ALLOW_FROM", "DENY_FROM", "PROXY_REAL_IP_ALLOW_FROM")

_V4_MAPPED = ipaddress.ip_network("::ffff:0:0/96")


class ProxyConfigError(Exception):
    """A setting has a value the proxy cannot use."""


def evaluate(path, bash="/bin/bash"):
    """``KEY:value`` lines of the variables *path* sets ('' if no file)."""
    if not os.path.isfile(path):
        return ""
    script = ". %s;\n" % _quote(path) + "".join(
        'echo "%s:$%s";' % (key, key) for key in KEYS)
    result = subprocess.run([bash, "-c", script], env={"PATH": "/usr/bin:/bin"},
                            stdin=subprocess.DEVNULL, capture_output=True,
                            text=True, timeout=30)
    return result.stdout


def _quote(text):
    return "'" + text.replace("'", "'\\''") + "'"


def normalize(ip_text):
    """An IPv4-mapped IPv6 address or network as plain IPv4."""
    net = ipaddress.ip_network(ip_text, strict=False)
    if net.version == 6 and net.subnet_of(_V4_MAPPED):
        mapped = net.network_address.ipv4_mapped
        return ipaddress.ip_network("%s/%d" % (mapped, max(
            net.prefixlen - 96, 0)), strict=False)
    return net


def _networks(key, value):
    nets = []
    for item in value.split(","):
        if item == "all":
            nets.append(ipaddress.ip_network("0.0.0.0/0"))
            nets.append(ipaddress.ip_network("::/0"))
            continue
        try:
            if "-" in item:
                # a range, as Net::IP takes it: 10.0.0.1-10.0.0.5
                first, last = (normalize(x.strip()).network_address
                               for x in item.split("-", 1))
                nets.extend(ipaddress.summarize_address_range(first, last))
            else:
                nets.append(normalize(item))
        except (ValueError, TypeError):
            raise ProxyConfigError("%s: invalid IP address or network '%s'"
                                   % (key, item))
    return nets


def parse(text):
    """Settings from :func:`evaluate`'s output; unset variables are absent,
    and warnings (Proxmox only warns for MAX_WORKERS) come back too."""
    settings, warnings = {}, []
    for line in text.splitlines():
        key, sep, value = line.partition(":")
        if not sep or value == "" or key not in KEYS:
            continue
        if key in NETWORK_LISTS:
            settings[key] = _networks(key, value)
        elif key == "POLICY":
            if value not in ("allow", "deny"):
                raise ProxyConfigError("POLICY: unknown policy '%s'" % value)
            settings[key] = value
        elif key in BOOLEANS:
            if value not in ("0", "1"):
                raise ProxyConfigError("%s: unknown value '%s' - use 0 or 1"
                                       % (key, value))
            settings[key] = value == "1"
        elif key == "MAX_WORKERS":
            if value.isdigit() and 0 < int(value) < 128:
                settings[key] = int(value)
            else:
                warnings.append("MAX_WORKERS is not an integer between 0 "
                                "and 128: %s" % value)
        else:
            settings[key] = value
    if settings.get("DISABLE_TLS_1_2") and settings.get("DISABLE_TLS_1_3"):
        raise ProxyConfigError("DISABLE_TLS_1_2, DISABLE_TLS_1_3: misconfigured "
                               "TLS settings - cannot disable all supported "
                               "TLS versions!")
    return settings, warnings


def read(path):
    """Evaluate and parse the file at *path*."""
    return parse(evaluate(path))


def _address(text):
    """An address, IPv4-mapped ones as plain IPv4; None if invalid."""
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip


def in_networks(networks, address):
    """Whether *address* is in one of *networks* (a parsed list)."""
    ip = _address(address)
    return ip is not None and any(ip in net for net in networks
                                  if net.version == ip.version)


def host_allowed(settings, address):
    """Proxmox's rule: allowed if it matches ALLOW_FROM and not DENY_FROM;
    matching both or neither falls to POLICY (default allow)."""
    if _address(address) is None:
        return False

    def matches(key):
        return in_networks(settings.get(key, ()), address)

    allow, deny = matches("ALLOW_FROM"), matches("DENY_FROM")
    if allow == deny:
        return settings.get("POLICY", "allow") == "allow"
    return allow
