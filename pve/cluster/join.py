"""Joining a cluster, the joining node's side: Proxmox's
``PVE::Cluster::Setup::join`` and ``finish_join`` (``pvecm add``).

:func:`join` checks that this node may join (:func:`joinable_errors`),
logs in to a cluster member's API as root@pam (:mod:`pve.cluster.apiclient`),
asks it to add this node (``POST /cluster/config/nodes/<node>``) and
finishes locally (:func:`finish_join`): the node's own
``/etc/corosync/corosync.conf`` and ``authkey``, then, in this node's
``/etc/pve`` while pmxcfs is still standalone, the node key and
certificate the member made for it and the cluster CA (pmxcfs's cluster
link authenticates with them), then pmxcfs is told to enter the cluster
(``cluster_start``; it takes the cluster's tree) and the node waits for
quorum.

Output as Proxmox's: progress on *out*, warnings and the check's errors
on *err*; a refusal raises :class:`JoinError` with Proxmox's message.
Not done here (Proxmox does): the SSH setup, stopping pmxcfs and
backing its database up (pmxcfs switches in place: no "stopping
pve-cluster service", no "backup old database"), checking that the link
addresses are this node's, and regenerating the certificate after the
join (the member made it).
"""

import errno
import json
import os

from twisted.internet import defer, task

from pve import atomicfile
from pve.access import certs
from pve.cluster import apiclient, corosync

JOIN_API_VERSION = 1
#: (JOIN_API_VERSION - this) is the oldest joining node a member accepts
JOIN_API_AGE_AS_CLUSTER = 1
#: (JOIN_API_VERSION - this) is the oldest cluster a node tries to join
JOIN_API_AGE_AS_JOINEE = 1

CLUSTER_CONF = "/etc/pve/corosync.conf"
LOCAL_CONF = "/etc/corosync/corosync.conf"
AUTHKEY = "/etc/corosync/authkey"
QUORUM_POLL = 1.0                 # seconds, as Proxmox's sleep(1)
LOCAL_LOCK = "var/lock/pvecm.lock"  # Proxmox's $local_cluster_lock
LOCAL_LOCK_TIMEOUT = 10
CA_CERT = certs.CA_CERT
NO_CLUSTER_MODE = ("pmxcfs runs without cluster mode - it enters the cluster"
                   " when started without --local")


class JoinError(Exception):
    """The join stopped; Proxmox's message (printed on stderr)."""


# -- pure helpers ----------------------------------------------------------

def assert_we_can_join_cluster_version(version):
    minimum = JOIN_API_VERSION - JOIN_API_AGE_AS_JOINEE
    if version < minimum:
        raise JoinError(
            "error: incompatible join API version on cluster (%s), local"
            " node has %d and supports >= %d. Make sureall cluster nodes"
            " are up-to-date." % (version, JOIN_API_VERSION, minimum))


def node_can_join_error(version):
    """Proxmox's refusal of a joining node with an older join API, or
    None."""
    minimum = JOIN_API_VERSION - JOIN_API_AGE_AS_CLUSTER
    if version >= minimum:
        return None
    return ("error: unsupported old API version on joining node (%s),"
            " cluster node has %d and supports >= %d. Please upgrade node"
            " before joining\n" % (version, JOIN_API_VERSION, minimum))


def encode_authkey(data):
    """The corosync key as it travels in JSON: Proxmox sends the file's
    bytes as a Perl string, so each byte is one code point."""
    return bytes(data).decode("latin-1")


def decode_authkey(text):
    return text.encode("latin-1")


def quorate(members):
    """Quorum as the ``.members`` plug file shows it (local mode: yes)."""
    try:
        cluster = json.loads(members.decode()).get("cluster")
    except (ValueError, AttributeError):
        return False
    return True if cluster is None else bool(cluster.get("quorate"))


def join_request(links, force=None, nodeid=None, votes=None,
                 local_ip=None, apiversion=0):
    """The parameters of ``POST /cluster/config/nodes/<node>`` as
    ``join`` sends them: *links* (``{number: text}``) as given, else this
    node's address (as ``link0`` to a member of join API 0, else as
    ``new_node_ip``)."""
    args = {}
    if force is not None:
        args["force"] = 1 if force else 0
    if nodeid:
        args["nodeid"] = nodeid
    if votes is not None:
        args["votes"] = votes
    for number, text in links.items():
        args["link%d" % number] = text
    if not links:
        args["link0" if apiversion == 0 else "new_node_ip"] = local_ip
    if apiversion >= 1:
        args["apiversion"] = JOIN_API_VERSION
    return args


def remote_error_lines(error):
    """What ``join`` warns for an error the member answered."""
    lines = ["An error occurred on the cluster node: %s\n"
             % error.message.rstrip("\n")]
    for key in sorted(error.errors):
        symbol = "*" if key.startswith("warning") else "!"
        lines.append("%s %s\n" % (symbol, error.errors[key]))
    return lines


# -- the checks ---------------------------------------------------------------

@defer.inlineCallbacks
def joinable_errors(client, paths):
    """What keeps this node from joining, as ``assert_joinable``: a
    corosync key, a cluster config (in pmxcfs, or the node's own copy,
    which stands for Proxmox's "corosync is already running"), guests."""
    errors = []
    if os.path.isfile(paths.corosync_authkey):
        errors.append("authentication key '%s' already exists" % AUTHKEY)
    if (yield certs.cfs_exists(client, "corosync.conf")):
        errors.append("cluster config '%s' already exists" % CLUSTER_CONF)
    if os.path.isfile(paths.corosync_conf):
        errors.append("cluster config '%s' already exists" % LOCAL_CONF)
    vmlist = yield client.vmlist()
    if vmlist:
        errors.append("this host already contains virtual guests")
    return errors


@defer.inlineCallbacks
def assert_joinable(client, paths, force, err):
    errors = yield joinable_errors(client, paths)
    if not errors:
        return
    err.write("detected the following error(s):\n"
              + "".join("* %s\n" % e for e in errors))
    if not force:
        raise JoinError("Check if node may join a cluster failed!")
    err.write("\nWARNING : detected error but forced to continue!\n\n")


# -- finishing locally ------------------------------------------------------

write_local = atomicfile.write


@defer.inlineCallbacks
def write_node_files(client, nodename, key_pem, cert_pem, ca_pem):
    """The node key and certificate and the cluster CA into this node's
    ``/etc/pve`` (its directories made where missing)."""
    yield certs.make_node_dirs(client, nodename)
    yield client.write(certs.node_key_path(nodename), key_pem)
    yield client.write(certs.node_cert_path(nodename), cert_pem)
    yield client.write(CA_CERT, ca_pem)


@defer.inlineCallbacks
def wait_quorate(reactor, client, out, connect=None):
    """Poll ``.members`` until quorate, printing Proxmox's ``waiting for
    quorum...OK`` when it was not at once.  A lost pmxcfs connection is
    made again with *connect* (``() -> Deferred(client)``)."""
    printed = False
    while True:
        try:
            if quorate((yield client.read(".members"))):
                break
        except Exception:
            if connect is None:
                raise
            try:
                client = yield connect()
            except Exception:
                pass
        if not printed:
            out.write("waiting for quorum...")
            out.flush()
            printed = True
        yield task.deferLater(reactor, QUORUM_POLL, lambda: None)
    if printed:
        out.write("OK\n")
    return client


@defer.inlineCallbacks
def finish_join(reactor, client, paths, nodename, answer, out, err,
                connect=None):
    """Set this node up from the member's answer (``corosync_conf``,
    ``corosync_authkey``, ``pve_ssl_key``, ``pve_ssl_pem``,
    ``pve_root_ca_pem``)."""
    conf = answer.get("corosync_conf")
    key = answer.get("corosync_authkey")
    if not conf or key is None:
        raise JoinError("cluster node did not send the cluster config")
    conf = conf.encode("utf-8")
    try:
        corosync.parse(conf, CLUSTER_CONF)
    except corosync.CorosyncConfError as e:
        raise JoinError(str(e))
    node_files = [answer.get(k) for k in ("pve_ssl_key", "pve_ssl_pem",
                                          "pve_root_ca_pem")]
    write_local(paths.corosync_authkey, decode_authkey(key), 0o400)
    write_local(paths.corosync_conf, conf, 0o644)
    if all(node_files):
        yield write_node_files(client, nodename,
                               *[f.encode("utf-8") for f in node_files])
    else:
        err.write("cluster node sent no node certificate (not a pve-py node?)"
                  " - the cluster link cannot authenticate this node\n")
    if not (yield start_cluster(client, err)):
        return
    yield wait_quorate(reactor, client, out, connect)
    out.write("successfully added node '%s' to cluster.\n" % nodename)


@defer.inlineCallbacks
def start_cluster(client, err):
    """Tell pmxcfs to enter the cluster of the node's corosync.conf (what
    Proxmox's restart of pve-cluster does); False, with a note on *err*,
    when it runs without a cluster mode (``pmxcfs --local``)."""
    start = getattr(client, "cluster_start", None)
    try:
        if start is None:
            raise OSError(errno.EOPNOTSUPP, os.strerror(errno.EOPNOTSUPP))
        yield start()
    except OSError as e:
        if e.errno != errno.EOPNOTSUPP:
            raise JoinError("pmxcfs cannot enter the cluster - %s"
                            % (e.strerror or e,))
        err.write(NO_CLUSTER_MODE + "\n")
        return False
    return True


# -- the whole join -----------------------------------------------------------

@defer.inlineCallbacks
def join(reactor, client, paths, nodename, host, password, out, err,
         links=None, force=None, nodeid=None, votes=None, fingerprint=None,
         ask=None, local_ip=None, port=apiclient.PORT, trust_roots=None,
         connect=None):
    """``PVE::Cluster::Setup::join``: *links* maps link numbers to the
    link texts given (``[address=]IP[,priority=N]``); *local_ip* is this
    node's address (the fallback link); *ask* answers the question about
    an unknown certificate (``fingerprint -> bool``), used when no
    *fingerprint* is given."""
    links = links or {}
    yield assert_joinable(client, paths, force, err)

    out.write("Establishing API connection with host '%s'\n" % host)
    out.flush()
    conn = apiclient.APIClient(
        reactor, host, port,
        fingerprints=[fingerprint] if fingerprint else (),
        verify_fingerprint=ask, trust_roots=trust_roots)
    try:
        try:
            yield conn.login("root@pam", password)
        except apiclient.APIClientError as e:
            raise JoinError(e.message.rstrip("\n"))
        out.write("Login succeeded.\n")
        out.write("check cluster join API version\n")
        out.flush()
        try:
            apiver = int((yield conn.get("/cluster/config/apiversion")))
        except (apiclient.APIClientError, TypeError, ValueError):
            apiver = 0
        assert_we_can_join_cluster_version(apiver)

        args = join_request(links, force, nodeid, votes, local_ip, apiver)
        if not links:
            out.write("No cluster network links passed explicitly, fallback"
                      " to local node IP '%s'\n" % local_ip)
        out.write("Request addition of this node\n")
        out.flush()
        try:
            answer = yield conn.post("/cluster/config/nodes/%s" % nodename,
                                     args)
        except apiclient.APIClientError as e:
            err.write("".join(remote_error_lines(e)))
            raise JoinError("Cluster join aborted!")
    finally:
        yield conn.close()

    for warning in answer.get("warnings") or ():
        err.write("cluster: %s\n" % warning)
    out.write("Join request OK, finishing setup locally\n")
    out.flush()
    yield finish_join(reactor, client, paths, nodename, answer, out, err,
                      connect)
