"""Changing ``corosync.conf``: nodes added and removed as ``pvecm addnode``
and ``delnode`` do, a new cluster's config as ``pvecm create`` writes it,
and ``verify_conf``'s checks.  Pure functions on the plain data of
:mod:`pve.cluster.corosync`; they return changed copies (write them with
:func:`pve.cluster.corosync.prepare_write`, which bumps the version).
"""

import copy

from pve.cluster.corosync import (
    LINK_ADDR, MAX_LINK_INDEX, CorosyncConfError, _find_named, _int, interface_key,
    node_key, node_links, node_sections, totem)


def _link_address(link):
    if isinstance(link, dict):
        return link.get("address")
    return link


def _normal_links(links):
    """``{int: {"address": ..., "priority": ...}}`` from a links mapping
    whose values are an address or such a dict."""
    result = {}
    for number, link in (links or {}).items():
        number = int(number)
        if not 0 <= number <= MAX_LINK_INDEX:
            raise CorosyncConfError("invalid link number %d (link0..link%d)"
                                    % (number, MAX_LINK_INDEX))
        if link is None:
            continue
        link = dict(link) if isinstance(link, dict) else {"address": link}
        if not link.get("address"):
            raise CorosyncConfError("link%d has no address" % number)
        result[number] = link
    return result


def add_node(conf, name, links=None, nodeid=None, votes=None, force=False,
             new_node_ip=None):
    """A copy of *conf* with node *name* added, as ``pvecm addnode`` does.

    *links* maps link numbers to addresses (or ``{"address": ...}``).  They
    must match the links the cluster's nodes have; without links,
    *new_node_ip* becomes the address of the cluster's one link.  An
    address another node uses is refused.  The new node gets the lowest
    free ``nodeid`` and 1 vote unless told (0 votes are written as
    ``quorum_votes: 0``, where Proxmox leaves the key out and corosync
    then counts 1).  An existing node is refused unless *force* and the
    same nodeid and votes (then it is rewritten).  A config that fails
    :func:`verify` is refused.  The version is not bumped
    (:func:`prepare_write` does).
    """
    links = _normal_links(links)
    errors, _ = verify(conf)
    if errors:
        raise CorosyncConfError("invalid corosync.conf: " + "; ".join(errors))
    sections = node_sections(conf)
    for section in sections:
        if node_key(section) == name:
            continue
        for number in range(MAX_LINK_INDEX + 1):
            addr = section.get("ring%d_addr" % number)
            for link in links.values():
                if addr is not None and addr == link["address"]:
                    raise CorosyncConfError(
                        "corosync: address '%s' already used on link"
                        " ring%d_addr by node '%s'"
                        % (addr, number, node_key(section)))

    cluster_links = node_links(sections[0]) if sections else {}
    if links:
        for number in range(MAX_LINK_INDEX + 1):
            if number in cluster_links and number not in links:
                raise CorosyncConfError(
                    "corosync: link %d exists in cluster config but wasn't"
                    " specified for new node" % number)
            if number in links and number not in cluster_links:
                raise CorosyncConfError(
                    "corosync: link %d specified for new node doesn't exist"
                    " in cluster config" % number)
    else:
        if not new_node_ip:
            raise CorosyncConfError("no links and no fallback ip (new_node_ip)"
                                    " given, cannot join cluster")
        if len(cluster_links) != 1:
            raise CorosyncConfError(
                "no links given but multiple links found on other nodes,"
                " fallback only supported on single-link clusters")
        links = {min(cluster_links): {"address": new_node_ip}}

    existing = next((s for s in sections if node_key(s) == name), None)
    if existing is not None:
        old_id = _int(existing.get("nodeid"), "nodeid of node '%s'" % name)
        old_votes = _int(existing.get("quorum_votes"),
                         "quorum_votes of node '%s'" % name, 1)
        nodeid = old_id if not nodeid else nodeid
        votes = old_votes if votes is None else votes
        if not (force and old_votes == votes and old_id == nodeid):
            raise CorosyncConfError("can't add existing node '%s'" % name)
    elif not nodeid:
        used = {s.get("nodeid") for s in sections}
        nodeid = 1
        while str(nodeid) in used:
            nodeid += 1
    if votes is None:
        votes = 1

    node = {"name": name, "nodeid": str(nodeid), "quorum_votes": str(votes)}
    for number, link in links.items():
        node["ring%d_addr" % number] = link["address"]

    conf = copy.deepcopy(conf)
    nodelist = conf.setdefault("nodelist", {})
    kept = [s for s in nodelist.get("node") or () if node_key(s) != name]
    nodelist["node"] = kept + [node]
    return conf


def remove_node(conf, node, local_node=None):
    """``(conf, removed)``: a copy of *conf* without the node named *node*
    (or with *node* as ring0/ring1 address), and that node's section.

    Refuses to remove *local_node* and unknown nodes, as ``pvecm delnode``.
    """
    if local_node is not None and node == local_node:
        raise CorosyncConfError("Cannot delete myself from cluster!")
    found = _find_named(conf, node)
    if found is None:
        raise CorosyncConfError(
            "Node/IP: %s is not a known host of the cluster." % node)
    conf = copy.deepcopy(conf)
    nodelist = conf["nodelist"]
    nodelist["node"] = [s for s in nodelist["node"]
                        if node_key(s) != node_key(found)]
    return conf, found


def create_conf(nodename, clustername, local_ip, links=None, nodeid=1,
                votes=1, token_coefficient=125):
    """The config ``pvecm create CLUSTERNAME`` makes on node *nodename*.

    Without *links*, *local_ip* is link 0.  A link may carry a
    ``priority`` (``knet_link_priority``).  ``config_version`` is 0: the
    first write bumps it to 1.  *token_coefficient* is what the create API
    call defaults to (125); None leaves it out, as ``create_conf`` itself.
    """
    links = _normal_links(links)
    if not links:
        links = {0: {"address": local_ip}}
    node = {"name": nodename, "nodeid": str(nodeid or 1),
            "quorum_votes": str(votes or 1)}
    interfaces = []
    for number, link in sorted(links.items()):
        interface = {"linknumber": str(number)}
        priority = link.get("priority")
        if priority:
            interface["knet_link_priority"] = str(priority)
        interfaces.append(interface)
        node["ring%d_addr" % number] = link["address"]
    conf = {
        "totem": {
            "version": "2",
            "secauth": "on",
            "cluster_name": clustername,
            "config_version": "0",
            "ip_version": "ipv4-6",
            "link_mode": "passive",
            "interface": interfaces,
        },
        "nodelist": {"node": [node]},
        "quorum": {"provider": "corosync_votequorum"},
        "logging": {"to_syslog": "yes", "debug": "off"},
    }
    if token_coefficient is not None:
        conf["totem"]["token_coefficient"] = str(token_coefficient)
    return conf


def verify(conf):
    """``(errors, warnings)`` of ``PVE::Corosync::verify_conf`` without
    name resolution: every node has the same links, and each has an
    interface if interfaces are configured."""
    errors, warnings = [], []
    sections = node_sections(conf)
    if not sections:
        return ["no nodes found"], warnings
    if "totem" not in conf:
        return ["no totem found"], warnings
    top = totem(conf)
    if top.get("secauth") != "on" and top.get("crypto_cipher", "none") == \
            "none":
        warnings.append("warning: authentication/encryption is not"
                        " explicitly enabled (secauth / crypto_cipher /"
                        " crypto_hash)")
    interfaces = {interface_key(i) for i in top.get("interface") or ()}
    by_node = sorted((node_key(s) or "", s) for s in sections)
    for number in range(MAX_LINK_INDEX + 1):
        having = [name for name, s in by_node if number in node_links(s)]
        if interfaces:
            has_interface = str(number) in interfaces
            for name, s in by_node:
                key = _link_key(s, number)
                if key and not has_interface:
                    errors.append("node '%s' has '%s', but there is no"
                                  " interface number %d configured"
                                  % (name, key, number))
                elif not key and has_interface:
                    errors.append("node '%s' is missing address for"
                                  " interface number %d" % (name, number))
        elif having:
            for name, s in by_node:
                if name not in having:
                    errors.append("node '%s' is missing link %d, which is"
                                  " configured on other nodes"
                                  % (name, number))
    return errors, warnings


def _link_key(section, number):
    for key in section:
        m = LINK_ADDR.match(key)
        if m and int(m.group(2)) == number:
            return key
    return None


