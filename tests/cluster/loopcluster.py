"""A cluster of real pmxcfs processes on loopback, for tests.

Each node has its own temporary PVE root and FUSE mount, listens for its
cluster links on its own loopback address (127.0.0.<n>) and a port chosen
free for the run, and holds a node certificate of one cluster CA.  Nodes
are added the way ``pvecm create`` and ``pvecm add`` do it: the first
starts standalone and is turned into a one-node cluster; each next one
starts standalone with its credentials in its own tree, is added to the
cluster's corosync.conf, then told to enter the cluster.
"""

import json
import os
import shutil
import signal
import socket
import tempfile
import time

from twisted.internet import defer, reactor

from pve.access import certs, tickets
from pve.cluster import corosync, corosync_edit
from pve.cluster.client import IPCClient
from pve.paths import Paths
from tests.access.test_tickets import key
from tests.cluster.daemon import PmxcfsProcess
from tests.polling import poll

UUID = "3b2f7c1e-1d3a-4c55-9e0f-0d4b7a6c2e11"
AUTHKEY = b"k" * 256


class _Pki:
    made = None

    @classmethod
    def get(cls):
        if cls.made is None:
            cls.made = cls()
        return cls.made

    def __init__(self):
        self.now = time.time()
        self.ca_key = key(2048, 0)
        self.ca = certs.make_ca_cert(self.ca_key, self.now, UUID)
        self._nodes = {}

    def node(self, name, ip):
        if name not in self._nodes:
            node_key = key(2048, 10 + len(self._nodes))
            cert = certs.make_node_cert(node_key, self.ca_key, self.ca, name,
                                        [ip], self.now, 1 + len(self._nodes))
            self._nodes[name] = (tickets.private_pem(node_key),
                                 certs.pem(cert))
        return self._nodes[name]


def free_port(addresses):
    """A TCP port free on every one of *addresses*."""
    for _ in range(100):
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        socks = []
        try:
            for address in addresses:
                s = socket.socket()
                socks.append(s)
                s.bind((address, port))
            return port
        except OSError:
            continue
        finally:
            for s in socks:
                s.close()
    raise RuntimeError("no free port")


class NodeFiles:
    """A pmxcfs node's mount and files, as the tests and benchmarks use
    them; the class using it has ``name``, ``ip``, ``paths`` and a
    ``cluster`` with the ``pki``."""

    @property
    def mount(self):
        return self.paths.etc_pve

    def path(self, rel):
        return os.path.join(self.mount, rel)

    def read(self, rel):
        with open(self.path(rel), "rb") as f:
            return f.read()

    def write(self, rel, data):
        with open(self.path(rel), "wb") as f:
            f.write(data)

    def members(self):
        return json.loads(self.read(".members"))

    def quorate(self):
        try:
            return bool(self.members().get("cluster", {}).get("quorate"))
        except (OSError, ValueError):
            return False

    def write_credentials(self, node=None):
        """What ``pvecm add`` puts into the joining node's own tree (and
        the join API into the cluster's): the CA and *node*'s (default
        this node's) key and certificate."""
        node = node or self
        pki = self.cluster.pki
        node_key, node_cert = pki.node(node.name, node.ip)
        os.makedirs(self.path("nodes/%s" % node.name), exist_ok=True)
        self.write("pve-root-ca.pem", certs.pem(pki.ca))
        self.write("nodes/%s/pve-ssl.key" % node.name, node_key)
        self.write("nodes/%s/pve-ssl.pem" % node.name, node_cert)

    def write_local_conf(self, text):
        os.makedirs(os.path.dirname(self.paths.corosync_conf), exist_ok=True)
        with open(self.paths.corosync_conf, "w") as f:
            f.write(text)
        with open(self.paths.corosync_authkey, "wb") as f:
            f.write(AUTHKEY)


def write_conf(conf, via, joining=None):
    """Write *conf* as ``pvecm`` does: into the cluster's tree through the
    node *via* and as the local copy of *joining* (default *via*); the
    conf as written and read back."""
    _, text = corosync.prepare_write(conf)
    via.write("corosync.conf", text.encode())
    (joining or via).write_local_conf(text)
    return corosync.parse(text)


class Node(NodeFiles):
    def __init__(self, cluster, name, number):
        self.cluster = cluster
        self.name = name
        self.number = number
        net = cluster.net
        self.ip = net.ip(number) if net else "127.0.0.%d" % number
        self.root = tempfile.mkdtemp(prefix="pve-cl-%s-" % name)
        os.chmod(self.root, 0o755)
        self.paths = Paths(self.root)
        self.process = None
        self.client = None

    def start(self):
        net = self.cluster.net
        self.process = PmxcfsProcess(
            self.root, self.name, local=False,
            prefix=net.argv(self.number, []) if net else (), extra=[
                "--cluster-port", str(self.cluster.port),
                "--cluster-listen", "ssl:%d:interface=%s" % (
                    self.cluster.port, self.ip)])
        self.process.start()
        return self

    @defer.inlineCallbacks
    def connect(self):
        if self.client is None:
            self.client = yield IPCClient.connect(
                reactor, "unix:%s" % self.paths.pmxcfs_socket)
        return self.client

    def disconnect(self):
        if self.client is not None:
            self.client.close()
            self.client = None

    def terminate(self):
        """A clean stop (SIGTERM), as systemctl stop."""
        self.disconnect()
        if self.process is not None:
            self.process.signal(signal.SIGTERM)
            self.process.wait()
        self.stop()

    def stop(self):
        """Kill the node (SIGKILL: a crash) and detach its mount."""
        self.disconnect()
        if self.process is not None:
            self.process.cleanup()
            self.process = None

    def voter(self):
        """Whether the newest replication membership in the cluster log
        gives this node a vote."""
        try:
            entries = json.loads(self.read(".clusterlog"))["data"]
        except (OSError, ValueError):
            return False
        for entry in entries:
            if "replicating to" in entry["msg"]:
                return "%s (1 vote)" % self.name in entry["msg"]
        return False



@defer.inlineCallbacks
def wait_for(node, condition, what, attempts=150):
    """poll, with the node's pmxcfs log in the failure."""
    try:
        result = yield poll(condition, what, attempts=attempts)
    except AssertionError as e:
        logs = node.process.output_so_far() if node.process else ""
        try:
            members = node.read(".members").decode()
        except OSError as e2:
            members = str(e2)
        raise AssertionError("%s\n--- %s's .members:\n%s\n--- its pmxcfs "
                             "log:\n%s" % (e, node.name, members,
                                            logs[-20000:]))
    return result


class LoopCluster:
    """Nodes ``names`` (created lazily by :meth:`add`)."""

    def __init__(self, testcase, names=("alpha", "beta", "gamma", "delta"),
                 net=None):
        """*net*: a tests.netns.Network with a namespace per name (node
        n in namespace n), else all on loopback."""
        self.pki = _Pki.get()
        self.nodes = {}
        self.names = list(names)
        self.net = net
        if net is not None:
            self.port = 5404
        else:
            self.port = free_port(["127.0.0.%d" % (i + 1)
                                   for i in range(len(names))])
        self.conf = None
        testcase.addCleanup(self.cleanup)

    def cleanup(self):
        for node in self.nodes.values():
            node.stop()
        for node in self.nodes.values():
            shutil.rmtree(node.root, True)

    def node(self, name):
        if name not in self.nodes:
            self.nodes[name] = Node(self, name, self.names.index(name) + 1)
        return self.nodes[name]

    @defer.inlineCallbacks
    def create(self, name):
        """``pvecm create``: a one-node cluster on *name*."""
        node = self.node(name).start()
        node.write_credentials()
        self.conf = write_conf(
            corosync_edit.create_conf(name, "testclu", node.ip), node)
        client = yield node.connect()
        yield client.cluster_start()
        yield wait_for(node, node.quorate, "%s quorate" % name)
        return node

    @defer.inlineCallbacks
    def join(self, name, via):
        """``pvecm add``: *name* joins through the node *via*."""
        node = self.node(name).start()
        node.write_credentials()
        # the join API writes them into the cluster's tree too
        self.node(via).write_credentials(node=node)
        self.conf = write_conf(
            corosync_edit.add_node(self.conf, name, links={0: node.ip}),
            self.node(via), node)
        client = yield node.connect()
        yield client.cluster_start()
        yield wait_for(node, node.quorate, "%s quorate" % name)
        # until the leader gave it its vote, the cluster's majority is
        # counted without it (a learner catches up first)
        yield wait_for(node, node.voter, "%s votes" % name)
        return node
