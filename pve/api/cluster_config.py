"""``/cluster/config``: the corosync config, as Proxmox's
``API2/ClusterConfig.pm``: the index, ``nodes`` (the nodelist), ``totem``
and creating a cluster (``POST``, the ``clustercreate`` worker task).

Reading follows Proxmox's ``cfs_read_file('corosync.conf')``: a node
without ``/etc/pve/corosync.conf`` gets an empty config, so ``nodes`` is
``[]`` and ``totem`` null (no error).  Nodes and interfaces are keyed by
name (``ring0_addr``) and link number as ``PVE::Corosync::parse_conf``
keys them; values stay strings, as Proxmox's parser leaves them.

Creating writes what ``PVE::Corosync::create_conf`` makes (link0 defaults
to this node's address: what pmxcfs knows of it, else its hostname
resolved) through pmxcfs with ``config_version`` 1, copies it to the
node's ``/etc/corosync/corosync.conf`` (pmxcfs's sync rule) and creates
the cluster key ``/etc/corosync/authkey`` (256 random bytes, mode 0400)
when missing, printing corosync-keygen's lines; then tells pmxcfs to
enter the cluster (where Proxmox restarts corosync and pve-cluster; a
``pmxcfs --local`` says it cannot, and the task notes it).  Not done
here: the ssh setup and the node files (pvedaemon makes those when it
starts).  Joining: :mod:`pve.api.cluster_join`.
"""

import copy
import errno
import os

from twisted.internet import defer

from pve import atomicfile, flock
from pve.api.cluster import routes
from pve.api.formats import parse_property_string
from pve.api.schema import APIError, ParamError
from pve.cluster import corosync, corosync_edit, join, nodeaddr
from pve.daemon import workers

CLUSTER_CONF = "/etc/pve/corosync.conf"
AUTHKEY = "/etc/corosync/authkey"
AUTHKEY_BYTES = 256          # corosync-keygen: 2048 bits
LOCK = join.LOCAL_LOCK        # Proxmox's $local_cluster_lock
LOCK_TIMEOUT = join.LOCAL_LOCK_TIMEOUT
TOKEN_COEFFICIENT = 125

CREATE = ("/cluster/config", "POST")


def unfold_links(decls, key):
    """``link[n]`` of apidata as ``link0`` .. ``link7``
    (``add_corosync_link_properties``) in the declaration *key*; returns
    the link format."""
    decl = copy.deepcopy(decls[key])
    props = decl["parameters"]["properties"]
    link = props.pop("link[n]")
    for number in range(corosync.MAX_LINK_INDEX + 1):
        props["link%d" % number] = link
    decls[key] = decl
    return link["format"]


LINK_FORMAT = unfold_links(routes.decls, CREATE)

routes.index("/cluster/config", key="name", order=(
    "nodes", "totem", "join", "qdevice", "apiversion"))


# -- reading --------------------------------------------------------------------

@defer.inlineCallbacks
def read_conf(env):
    """The parsed cluster corosync.conf, ``{}`` when there is none."""
    try:
        raw = yield env.cfs.read("corosync.conf")
    except OSError:
        return {}
    if not raw:
        return {}
    try:
        return corosync.parse(raw)
    except corosync.CorosyncConfError as e:
        raise APIError("%s\n" % (e,))


@routes("/cluster/config/nodes")
@defer.inlineCallbacks
def config_nodes(env, params):
    conf = yield read_conf(env)
    result = []
    for section in corosync.node_sections(conf):
        entry = dict(section)
        entry["node"] = corosync.node_key(section) or ""
        result.append(entry)
    return sorted(result, key=lambda e: e["node"])


def totem_hash(conf):
    """The totem section as Proxmox returns it (interfaces keyed by link
    number), None without one."""
    totem = conf.get("totem")
    if not isinstance(totem, dict):
        return None
    totem = dict(totem)
    interfaces = totem.get("interface")
    if isinstance(interfaces, list):
        totem["interface"] = {corosync.interface_key(i) or "": dict(i)
                              for i in interfaces}
    elif "interface" not in totem:
        totem["interface"] = {}
    return totem


@routes("/cluster/config/totem")
@defer.inlineCallbacks
def config_totem(env, params):
    conf = yield read_conf(env)
    return totem_hash(conf)


# -- create ---------------------------------------------------------------------

def resolve_ip(name):
    """:func:`nodeaddr.ip_from_hostname`, failing as an API error."""
    try:
        return nodeaddr.ip_from_hostname(name)
    except nodeaddr.LookupFailed as e:
        raise APIError("%s\n" % (e,))


def local_ip(env):
    """This node's address (:func:`nodeaddr.node_ip`), resolved with
    ``env.resolve`` if set (the command line and tests)."""
    return nodeaddr.node_ip(env.cfs, env.nodename,
                            getattr(env, "resolve", None) or resolve_ip)


@defer.inlineCallbacks
def conf_exists(env):
    try:
        yield env.cfs.stat("corosync.conf")
    except OSError as e:
        if e.errno == errno.ENOENT:
            return False
        raise
    return True


def links_of(params):
    links = {}
    for number in range(corosync.MAX_LINK_INDEX + 1):
        value = params.get("link%d" % number)
        if value:
            links[number] = parse_property_string(LINK_FORMAT, value)
    return links


@routes("/cluster/config", "POST")
@defer.inlineCallbacks
def create(env, params):
    coefficient = params.get("token-coefficient")
    if coefficient is None:
        coefficient = TOKEN_COEFFICIENT
    if (yield conf_exists(env)):
        raise APIError("cluster config '%s' already exists\n" % CLUSTER_CONF)
    links = links_of(params)
    ip = None
    if not links:
        ip = yield local_ip(env)
    try:
        conf = corosync_edit.create_conf(
            env.nodename, params["clustername"], ip, links=links,
            nodeid=params.get("nodeid"), votes=params.get("votes"),
            token_coefficient=coefficient)
    except corosync.CorosyncConfError as e:
        raise ParamError({"link0": str(e)})
    return workers.start_worker(
        env.reactor, env.paths, env.nodename, "clustercreate",
        params["clustername"], env.auth_id, task_main, args=[conf])


# -- the worker -----------------------------------------------------------------

def write_authkey(path, out):
    """Create the corosync key at *path* as ``corosync-keygen -l`` does."""
    out.write("Corosync Cluster Engine Authentication key generator.\n")
    out.write("Gathering %d bits for key from /dev/urandom.\n"
              % (AUTHKEY_BYTES * 8))
    out.write("Writing corosync key to %s.\n" % AUTHKEY)
    out.flush()
    atomicfile.write(path, os.urandom(AUTHKEY_BYTES), 0o400)


@defer.inlineCallbacks
def create_cluster(client, paths, conf, out):
    """The ``clustercreate`` work, under the local pvecm lock: the key,
    the cluster's corosync.conf (version 1), the node's own copy; then
    pmxcfs enters the cluster (Proxmox restarts corosync and pmxcfs)."""
    if not os.path.isfile(paths.corosync_authkey):
        write_authkey(paths.corosync_authkey, out)
    try:
        yield client.stat("corosync.conf")
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
    else:
        raise RuntimeError("cluster config '%s' already exists" % CLUSTER_CONF)
    out.write("Writing corosync config to %s\n" % CLUSTER_CONF)
    out.flush()
    _, text = corosync.prepare_write(conf)
    data = text.encode()
    yield client.write("corosync.conf.new", data)
    yield client.rename("corosync.conf.new", "corosync.conf")
    corosync.sync_local_conf(paths, data)
    yield join.start_cluster(client, out)


def run_locked_task(work):
    """Run ``work(reactor, client, paths)`` (a Deferred) in a worker's own
    process and reactor, under the local pvecm lock, with a pmxcfs
    client; raise what it failed with."""
    from twisted.internet import reactor
    from twisted.python.failure import Failure
    from pve import paths as pvepaths
    from pve.cluster.client import IPCClient, default_description

    paths = pvepaths.current()
    result = []

    @defer.inlineCallbacks
    def run():
        fd = flock.lock_file(paths.join(LOCK), LOCK_TIMEOUT)
        try:
            client = yield IPCClient.connect(reactor, default_description(paths))
            try:
                yield work(reactor, client, paths)
            finally:
                client.close()
        finally:
            flock.unlock(fd)

    def done(value):
        result.append(value)
        reactor.stop()

    reactor.callWhenRunning(lambda: defer.maybeDeferred(run).addBoth(done))
    reactor.run()
    if not result:
        raise RuntimeError("received interrupt")
    if isinstance(result[0], Failure):
        result[0].raiseException()


def task_main(upid, conf):
    """The ``clustercreate`` worker."""
    import sys
    run_locked_task(lambda reactor, client, paths: create_cluster(
        client, paths, conf, sys.stdout))


from pve.api import cluster_join  # noqa: E402,F401  (registers the join calls)
