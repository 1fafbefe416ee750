"""Joining a cluster, as Proxmox's ``API2/ClusterConfig.pm``: on a
member ``POST /cluster/config/nodes/{node}`` (``addnode``), ``GET
/cluster/config/join`` (``join_info``) and ``GET
/cluster/config/apiversion``; on the joining node ``POST
/cluster/config/join``, the ``clusterjoin`` task doing what ``pvecm add``
does (:mod:`pve.cluster.join`) with the password and fingerprint given
(no question: the fingerprint is required).

``addnode`` (root@pam only, protected) does what Proxmox's does, under
the local pvecm lock and the cfs lock ``file-corosync_conf``: it refuses
without quorum, a config that fails ``verify_conf`` (a node without
cluster: ``invalid corosync.conf`` with ``error0: no nodes found``), an
address or name already used, links that do not match the cluster's; it
adds the node with the lowest free nodeid (config_version + 1, written to
``corosync.conf.new`` then renamed), makes ``nodes/<node>/`` and answers
``corosync_authkey`` (this node's key, one code point a byte, as Perl
sends it), ``corosync_conf`` and ``warnings``.  Ours besides: a nodeid
another node has is refused, so is an address of the ``new_node_ip``
fallback another node uses; the new node's key and a certificate of the
cluster CA (naming it and its address) are made in
``nodes/<node>/pve-ssl.{key,pem}`` and sent as ``pve_ssl_key``,
``pve_ssl_pem`` and ``pve_root_ca_pem``, because the cluster link
authenticates nodes with them.  The node's own ``/etc/corosync`` copy is
updated as pmxcfs's sync rule says.
"""

import errno
import hashlib

from twisted.internet import defer

from pve import flock
from pve.access import certs
from pve.access.tickets import new_rsa_key
from pve.api import cluster_config
from pve.api.cluster import routes
from pve.api.schema import APIError
from pve.api.storage import in_thread
from pve.cluster import apiclient, corosync, corosync_edit, join
from pve.cluster.commands import NO_QUORUM_MESSAGE
from pve.cluster.nodeaddr import is_ip
from pve.daemon import workers

ADDNODE = ("/cluster/config/nodes/{node}", "POST")
DELNODE = ("/cluster/config/nodes/{node}", "DELETE")
JOIN = ("/cluster/config/join", "POST")
CONF_LOCK = "file-corosync_conf"   # cfs_lock_file('corosync.conf')
CONF_LOCK_TIMEOUT = 10

cluster_config.unfold_links(routes.decls, ADDNODE)
cluster_config.unfold_links(routes.decls, JOIN)


# -- reading ------------------------------------------------------------------

@defer.inlineCallbacks
def read_raw_conf(env):
    """The cluster's corosync.conf as bytes, None when there is none."""
    try:
        raw = yield env.cfs.read("corosync.conf")
    except OSError as e:
        if e.errno == errno.ENOENT:
            return None
        raise
    return raw or None


def parse_conf(raw):
    if not raw:
        return {}
    try:
        return corosync.parse(raw, cluster_config.CLUSTER_CONF)
    except corosync.CorosyncConfError as e:
        raise APIError("%s\n" % (e,))


@routes("/cluster/config/apiversion")
def apiversion(env, params):
    return join.JOIN_API_VERSION


@routes("/cluster/config/join")
@defer.inlineCallbacks
def join_info(env, params):
    """What a joining node (the web UI's join dialog) needs: the nodes,
    each with its certificate's fingerprint and address, the totem, the
    config digest."""
    nodename = params.get("node") or env.nodename
    raw = yield read_raw_conf(env)
    conf = parse_conf(raw)
    if not conf:
        raise APIError("node is not in a cluster, no join info available!",
                       code=424)
    nodelist = {corosync.node_key(s): s for s in corosync.node_sections(conf)}
    if nodename not in nodelist:
        raise APIError("unknown node '%s'\n" % nodename)
    resolve = getattr(env, "resolve", None) or cluster_config.resolve_ip
    result = []
    for name in sorted(nodelist):
        entry = dict(nodelist[name])
        entry["pve_fp"] = yield node_fingerprint(env, name)
        entry["pve_addr"] = yield node_address(env, name, nodelist[name],
                                               resolve)
        result.append(entry)
    return {"nodelist": result, "preferred_node": nodename,
            "totem": cluster_config.totem_hash(conf) or {},
            "config_digest": hashlib.sha1(raw).hexdigest()}


@defer.inlineCallbacks
def node_address(env, name, section, resolve):
    """``remote_node_ip``: the address pmxcfs knows, else (ours) the
    node's first link when it is an IP, else its name resolved."""
    members = yield env.cfs.members()
    ip = (members.get(name) or {}).get("ip")
    if ip:
        return ip
    links = corosync.node_links(section)
    if links and is_ip(links[min(links)]):
        return links[min(links)]
    return resolve(name)


@defer.inlineCallbacks
def node_fingerprint(env, node):
    """``get_node_fingerprint``: the custom certificate's, else the
    node certificate's."""
    paths = ["nodes/%s/pveproxy-ssl.pem" % node, certs.node_cert_path(node)]
    for path in paths:
        try:
            pem = yield env.cfs.read(path)
        except OSError as e:
            if e.errno == errno.ENOENT and path != paths[-1]:
                continue
            raise APIError("unable to read '/etc/pve/%s' - %s\n"
                           % (path, e.strerror))
        try:
            return certs.pem_fingerprint(pem)
        except ValueError as e:
            raise APIError("unable to read '/etc/pve/%s' - %s\n" % (path, e))


# -- addnode ------------------------------------------------------------------

@defer.inlineCallbacks
def check_quorum(env):
    """``check_cfs_quorum``: refuse on a node without quorum."""
    members = yield env.cfs.read(".members")
    if not join.quorate(members):
        raise APIError(NO_QUORUM_MESSAGE + "\n")


@defer.inlineCallbacks
def locked(env, code):
    """*code()* under the local pvecm lock and the cfs lock of
    corosync.conf (Proxmox's ``$config_change_lock``)."""
    try:
        fd = yield in_thread(env, flock.lock_file,
                             env.paths.join(cluster_config.LOCK),
                             cluster_config.LOCK_TIMEOUT)
    except flock.LockError as e:
        raise APIError("%s\n" % (e,))
    try:
        try:
            yield env.cfs.lock(CONF_LOCK, CONF_LOCK_TIMEOUT)
        except OSError as e:
            reason = ("got lock request timeout" if e.errno == errno.ETIMEDOUT
                      else e.strerror)
            raise APIError("cfs-lock '%s' error: %s\n" % (CONF_LOCK, reason))
        try:
            result = yield code()
        finally:
            yield env.cfs.unlock(CONF_LOCK)
    finally:
        flock.unlock(fd)
    return result


def verify_errors(errors, warnings):
    """``invalid corosync.conf`` with ``warning<N>`` and ``error<N>``."""
    found = {"warning%d" % i: w for i, w in enumerate(warnings)}
    found.update({"error%d" % i: e for i, e in enumerate(errors)})
    return APIError("invalid corosync.conf\n", errors=found)


def legacy_fallback(params, links, cluster_links):
    """A join API 0 node sends its one address as ``link0``: it stands
    for ``new_node_ip`` (Proxmox's FIXME'd fallback).  Returns the links
    and the fallback address."""
    new_node_ip = params.get("new_node_ip")
    if not new_node_ip and len(links) == 1 and not params.get("apiversion"):
        (link,) = links.values()
        if len(cluster_links) != 1:
            raise APIError("cluster has %d links, but only 1 given\n"
                           % len(cluster_links))
        return {}, link["address"]
    return links, new_node_ip


def check_unused(conf, name, nodeid, address):
    """Ours: a nodeid or a fallback address another node has."""
    for section in corosync.node_sections(conf):
        other = corosync.node_key(section)
        if other == name:
            continue
        if nodeid and section.get("nodeid") == str(nodeid):
            raise APIError("corosync: nodeid %s already used by node '%s'\n"
                           % (nodeid, other))
        for number, addr in sorted(corosync.node_links(section).items()):
            if address is not None and addr == address:
                raise APIError("corosync: address '%s' already used on link"
                               " ring%d_addr by node '%s'\n"
                               % (address, number, other))


def cert_ips(links, new_node_ip):
    """The new node's addresses for its certificate's names."""
    found = []
    for value in [new_node_ip] + [link["address"] for _, link in
                                  sorted(links.items())]:
        if is_ip(value) and value not in found:
            found.append(value)
    return found


def read_authkey(env):
    try:
        with open(env.paths.corosync_authkey, "rb") as f:
            return f.read()
    except OSError as e:
        raise APIError("can't open '%s' - %s\n"
                       % (cluster_config.AUTHKEY, e.strerror))


@routes(*DELNODE)
@defer.inlineCallbacks
def delnode(env, params):
    """Proxmox's ``delnode``: the node leaves corosync.conf; pmxcfs's
    leader then takes its votes away and removes it from the replication
    (see pve/cluster/clusternode.py), and the links to it close."""
    if params["node"] == env.nodename:
        raise APIError("Cannot delete myself from cluster!\n")
    yield check_quorum(env)
    yield locked(env, lambda: remove(env, params["node"]))
    return None


@defer.inlineCallbacks
def remove(env, node):
    raw = yield read_raw_conf(env)
    conf = parse_conf(raw)
    try:
        conf, section = corosync_edit.remove_node(conf, node, env.nodename)
    except corosync.CorosyncConfError as e:
        raise APIError("%s\n" % (e,))
    name = corosync.node_key(section)
    yield env.cfs.cluster_log("pvedaemon", "deleting node %s from cluster"
                              % name, user="root@pam", pri=5)
    _, text = corosync.prepare_write(conf)
    data = text.encode()
    yield env.cfs.write("corosync.conf.new", data)
    yield env.cfs.rename("corosync.conf.new", "corosync.conf")
    corosync.sync_local_conf(env.paths, data)


@routes(*ADDNODE)
@defer.inlineCallbacks
def addnode(env, params):
    refusal = join.node_can_join_error(params.get("apiversion") or 0)
    if refusal:
        raise APIError(refusal)
    yield check_quorum(env)
    result = yield locked(env, lambda: add(env, params))
    return result


@defer.inlineCallbacks
def add(env, params):
    """The work of ``addnode`` under the locks."""
    name = params["node"]
    raw = yield read_raw_conf(env)
    conf = parse_conf(raw)
    errors, warnings = corosync_edit.verify(conf)
    if errors:
        raise verify_errors(errors, warnings)
    links = cluster_config.links_of(params)
    sections = corosync.node_sections(conf)
    cluster_links = corosync.node_links(sections[0])
    links, new_node_ip = legacy_fallback(params, links, cluster_links)
    check_unused(conf, name, params.get("nodeid"),
                 None if links else new_node_ip)
    try:
        new_conf = corosync_edit.add_node(
            conf, name, links=links, nodeid=params.get("nodeid"),
            votes=params.get("votes"), force=bool(params.get("force")),
            new_node_ip=new_node_ip)
    except corosync.CorosyncConfError as e:
        raise APIError("%s\n" % (e,))
    authkey = read_authkey(env)
    _, text = corosync.prepare_write(new_conf)
    data = text.encode("utf-8")

    # RSA key generation takes a while: not in the reactor thread
    key = yield in_thread(env, getattr(env, "keygen", None) or new_rsa_key,
                          certs.NODE_BITS)
    try:
        key_pem, cert_pem, ca_pem = yield certs.issue_node_files(
            env.cfs, name, cert_ips(links, new_node_ip),
            env.reactor.seconds(), keygen=lambda bits: key)
    except OSError as e:
        where = "/etc/pve/%s: " % e.filename if e.filename else ""
        raise APIError("unable to create the certificate of node '%s' - %s%s\n"
                       % (name, where, e.strerror))
    except (certs.CertError, ValueError) as e:
        raise APIError("unable to create the certificate of node '%s' - %s\n"
                       % (name, e))
    yield env.cfs.cluster_log("pvedaemon", "adding node %s to cluster" % name,
                              user="root@pam", pri=5)
    yield env.cfs.write("corosync.conf.new", data)
    yield env.cfs.rename("corosync.conf.new", "corosync.conf")
    corosync.sync_local_conf(env.paths, data)
    return {
        "corosync_authkey": join.encode_authkey(authkey),
        "corosync_conf": text,
        "warnings": warnings,
        "pve_ssl_key": key_pem.decode("ascii"),
        "pve_ssl_pem": cert_pem.decode("ascii"),
        "pve_root_ca_pem": ca_pem.decode("ascii"),
    }


# -- join (on the joining node) -----------------------------------------------

@routes(*JOIN)
@defer.inlineCallbacks
def join_cluster(env, params):
    """Start the ``clusterjoin`` task.  ``env.join_port`` (tests) moves
    the member's API port."""
    links = {str(n): params["link%d" % n]
             for n in range(corosync.MAX_LINK_INDEX + 1)
             if params.get("link%d" % n)}
    local_ip = None
    if not links:
        local_ip = yield cluster_config.local_ip(env)
    job = {"nodename": env.nodename, "host": params["hostname"],
           "password": params["password"],
           "fingerprint": params["fingerprint"], "links": links,
           "force": params.get("force"), "nodeid": params.get("nodeid"),
           "votes": params.get("votes"), "local_ip": local_ip,
           "port": getattr(env, "join_port", None) or apiclient.PORT}
    return workers.start_worker(
        env.reactor, env.paths, env.nodename, "clusterjoin", "",
        env.auth_id, join_task_main, kwargs=job)


def join_task_main(upid, nodename, host, password, fingerprint, links,
                   force, nodeid, votes, local_ip, port):
    """The ``clusterjoin`` worker."""
    import sys
    from pve.cluster.client import IPCClient, default_description

    def work(reactor, client, paths):
        return join.join(
            reactor, client, paths, nodename, host, password, sys.stdout,
            sys.stdout, links={int(n): text for n, text in links.items()},
            force=force, nodeid=nodeid, votes=votes, fingerprint=fingerprint,
            local_ip=local_ip, port=port,
            connect=lambda: IPCClient.connect(reactor,
                                              default_description(paths)))

    cluster_config.run_locked_task(work)
