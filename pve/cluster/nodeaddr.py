"""A node's address as Proxmox finds it: what pmxcfs knows of the node
(``PVE::Cluster::remote_node_ip``), else its name resolved
(``PVE::Network::get_ip_from_hostname``)."""

import ipaddress
import socket

from twisted.internet import defer


def is_ip(text):
    """Whether *text* is an IPv4 or IPv6 address (not a name)."""
    try:
        ipaddress.ip_address(text or "")
    except ValueError:
        return False
    return True


class LookupFailed(Exception):
    """The name did not resolve to a usable address; Proxmox's message."""


def ip_from_hostname(name):
    """The first address of *name* that is not a loopback."""
    try:
        infos = socket.getaddrinfo(name, None, 0, socket.SOCK_STREAM)
    except socket.gaierror as e:
        raise LookupFailed("hostname lookup '%s' failed - %s" % (name, e))
    for info in infos:
        ip = info[4][0]
        if not (ip.startswith("127.") or ip == "::1"):
            return ip
    raise LookupFailed("address lookup for '%s' did not find any IP address"
                       % name)


@defer.inlineCallbacks
def node_ip(client, node, resolve=ip_from_hostname):
    """*node*'s address in pmxcfs's member list, else ``resolve(node)``."""
    members = yield client.members()
    ip = (members.get(node) or {}).get("ip")
    return ip or resolve(node)
