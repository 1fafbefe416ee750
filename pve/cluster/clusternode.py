"""pmxcfs in a cluster: the shell that joins a ConfigFS to its peers.

:class:`ClusterNode` is started when the node has a corosync
configuration (``$PVE_ROOT/etc/corosync/corosync.conf``).  It holds

- a :class:`TreeReplica` (the Raft core of ``raft.py`` on a
  :class:`~pve.cluster.raftdisk.DiskStorage` under
  ``/var/lib/pve-cluster/raft``) whose state machine is the ConfigFS tree:
  ``cfs.cluster`` is set to this node, so every change of ``/etc/pve`` is
  submitted here and applied on every node in commit order;
- the :class:`~pve.cluster.link.ClusterLink` to the nodes of the nodelist,
  carrying Raft's messages and those of :mod:`pve.cluster.statusrepl`
  (the status key/value store and the cluster log, without quorum);
- a watcher (every :data:`WATCH` seconds) that follows quorum (write bits
  and EACCES), leadership and membership, logs their changes to the
  cluster log as pmxcfs does, and on the leader moves the Raft
  configuration one step at a time towards the nodelist of
  ``/etc/pve/corosync.conf``.

See ``README.md`` for the rules of the replication itself.
"""

import dataclasses
import errno
import hashlib
import hmac
import os
import random

from twisted.application import service
from twisted.internet import defer, task
from twisted.logger import Logger

from pve.cluster import corosync, raft, raftconfig, statusrepl, votequorum
from pve.cluster.cfs import NODE_SUBDIRS
from pve.cluster.link import DEFAULT_PORT, ClusterLink, peer_description
from pve.cluster.linkdata import join_bytes, split_bytes
from pve.cluster.raftdisk import DiskStorage
from pve.cluster.raftstorage import Snapshot
from pve.cluster.replica import Replica
from pve.cluster.treesnapshot import encode_snapshot

log = Logger()

WATCH = 0.1
CLUSTER_CONF = "corosync.conf"
CA_CERT = "pve-root-ca.pem"
LOG_TAG = "pmxcfs"


class ClusterConfigError(Exception):
    """The node cannot start in its cluster; the message says why."""


def _read(path, what):
    """The bytes of *path*; ClusterConfigError naming it as *what*."""
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError as e:
        raise ClusterConfigError("cannot read %s%s: %s" % (what, path, e))


def link_secret(authkey):
    """The password every node logs in to its peers with: derived from
    the corosync key (which only cluster members hold)."""
    return hmac.new(bytes(authkey), b"pmxcfs cluster link",
                    hashlib.sha256).hexdigest().encode("ascii")


def raft_config(conf):
    """``{node: votes}`` of a parsed corosync.conf's nodelist."""
    return {n.name: n.votes for n in corosync.nodes(conf)}


def node_credentials(db, nodename):
    """``(key, cert, ca)`` PEM bytes of the node from the tree *db*;
    ClusterConfigError if one is missing."""
    found = []
    for path in ("nodes/%s/pve-ssl.key" % nodename,
                 "nodes/%s/pve-ssl.pem" % nodename, CA_CERT):
        entry = db.lookup(path)
        if entry is None or entry.is_dir:
            raise ClusterConfigError("cannot start the cluster link: "
                                     "/etc/pve/%s is missing" % path)
        found.append(bytes(entry.data))
    return tuple(found)


class TreeReplica(Replica):
    """A Replica whose state machine is the ConfigFS tree: entries are
    applied under the ConfigFS lock and announced by it, a snapshot from
    the leader replaces ``cfs.db``."""

    def __init__(self, cfs, raft_node, send, clock, **kw):
        self.cfs = cfs
        Replica.__init__(self, cfs.nodename, cfs.writer, raft_node, cfs.db,
                         send, clock, on_restore=cfs.replace_tree, **kw)

    def apply_command(self, index, term, command):
        return self.cfs.apply_committed(Replica.apply_command, self, index,
                                        term, command)


class ClusterNode(service.MultiService):
    """The cluster side of one pmxcfs; see the module docstring.

    *listen*: the link's server description (default ``ssl:5404``);
    *port*: the peers' link port.  *election_timeout* and *heartbeat* go
    to the Raft core."""

    def __init__(self, cfs, paths, reactor=None, listen=None, port=None,
                 rng=None, election_timeout=(1.0, 2.0), heartbeat=0.1,
                 sync=True):
        super().__init__()
        if reactor is None:
            from twisted.internet import reactor
        self.cfs = cfs
        self.paths = paths
        self.reactor = reactor
        self.listen = listen
        self.port = port
        self.rng = rng or random.Random()
        self.election_timeout = election_timeout
        self.heartbeat = heartbeat
        self.sync = sync
        self.nodename = cfs.nodename
        self.conf = None
        self.storage = None
        self.replica = None
        self.link = None
        self.kv = None
        self._watcher = None
        self._seen = {"quorate": None, "leader": None, "online": None,
                      "info": None}
        self._layout_done = False
        self._unsubscribe = None

    # -- starting ------------------------------------------------------

    def _read_local_conf(self):
        path = self.paths.corosync_conf
        try:
            return corosync.parse(_read(path, ""), path)
        except corosync.CorosyncConfError as e:
            raise ClusterConfigError(str(e))

    def _authkey(self):
        return _read(self.paths.corosync_authkey, "the cluster key ")

    def _me(self, conf):
        for node in corosync.nodes(conf):
            if node.name == self.nodename:
                return node
        raise ClusterConfigError("node '%s' is not in the nodelist of %s"
                                 % (self.nodename, self.paths.corosync_conf))

    def prepare(self):
        """Everything up to the link: read the configuration, open the
        Raft storage (bootstrapping it from the local tree on the node
        that created the cluster), become ``cfs.cluster``.  Raises
        ClusterConfigError, changing nothing, if the node cannot join."""
        conf = self._read_local_conf()
        authkey = self._authkey()
        me = self._me(conf)
        credentials = node_credentials(self.cfs.db, self.nodename)
        target = raft_config(conf)
        storage = DiskStorage(os.path.join(self.paths.cluster_lib, "raft"),
                              sync=self.sync)
        fresh = storage.snapshot() is None and storage.last_index() == 0
        if fresh and set(target) == {self.nodename}:
            # the node that created the cluster: its tree is the start
            with self.cfs.lock:
                data = encode_snapshot(self.cfs.db)
            storage.save(1, None)
            storage.save_snapshot(Snapshot(1, 1, dict(target), data),
                                  discard=True)
            log.info("[dcdb] notice: cluster '{name}' starts from the local "
                     "database", name=corosync.cluster_name(conf))
        elif fresh:
            log.info("[dcdb] notice: joining: waiting for the cluster's "
                     "data")
        self.conf, self.storage = conf, storage
        now = self.reactor.seconds()
        # a joining node starts with no configuration: the leader's comes
        node = raft.RaftNode(self.nodename, storage, self.rng, {},
                             election_timeout=self.election_timeout,
                             heartbeat=self.heartbeat, now=now)
        self.kv = statusrepl.KVReplica(self.nodename, int(now * 1000000))
        with self.cfs.lock:
            self.cfs.writer = me.nodeid or 0
            self.cfs.reactor = self.reactor
            self.replica = TreeReplica(self.cfs, node, self._send,
                                       self.reactor)
            self.cfs.cluster = self
            self.cfs.quorate = self.replica.quorate()
        key, cert, ca = credentials
        peers = self._peers(conf)
        self.link = ClusterLink(
            self.nodename, key, cert, ca, link_secret(authkey),
            listen=self.listen or "ssl:%d" % (self.port or DEFAULT_PORT),
            peers=peers, on_message=self._received, on_peer=self._peer,
            reactor=self.reactor, rng=self.rng)
        self.link.setServiceParent(self)
        self._unsubscribe = self.cfs.subscribe(self._tree_changed)

    def _peers(self, conf):
        peers = {}
        for node in corosync.nodes(conf):
            if node.name != self.nodename and node.address:
                peers[node.name] = peer_description(
                    node.address, self.port or DEFAULT_PORT)
        return peers

    def startService(self):
        if self.replica is None:
            self.prepare()
        super().startService()
        self._watcher = task.LoopingCall(self._watch)
        self._watcher.clock = self.reactor
        self._watcher.start(WATCH, now=True)

    @defer.inlineCallbacks
    def stopService(self):
        if self._watcher is not None and self._watcher.running:
            self._watcher.stop()
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        if self.replica is not None:
            self._snapshot_now()
            self.replica.stop()
        yield defer.maybeDeferred(super().stopService)
        with self.cfs.lock:
            self.cfs.cluster = None
        if self.storage is not None:
            self.storage.close()

    def _snapshot_now(self):
        """On a clean stop: the tree as applied becomes the snapshot, so
        the next start shows it at once (not an older snapshot until the
        leader says what is committed)."""
        replica = self.replica
        node = replica.raft_node
        if replica.applied_index <= node.snapshot_index:
            return
        try:
            with self.cfs.lock:
                data = encode_snapshot(self.cfs.db)
            node.compact(replica.applied_index, data, keep=replica.keep)
        except Exception:
            log.failure("[dcdb] cannot save a snapshot at stop")

    # -- what ConfigFS calls -------------------------------------------

    def submit(self, op):
        """Replicate *op* (a replops operation); a Deferred of its Result."""
        return self.replica.submit(op)

    def info(self):
        """The cluster part of ``.members``."""
        online = set(self.link.connected()) if self.link else set()
        online.add(self.nodename)
        quorate = self.replica is not None and self.replica.quorate()
        return statusrepl.cluster_info(self.conf, online, quorate,
                                       statusrepl.node_ips(self.cfs.status))

    def set_expected(self, expected):
        """``pvecm expected``: make *expected* votes the ones a majority
        is counted from, as ``corosync-quorumtool -e`` (refused as it:
        votequorum.ExpectedVotesError).  Lasts until the nodes online hold
        a majority of the configuration again."""
        node = self.replica.raft_node
        online = self._online_ids()
        config = votequorum.QuorumConfig.from_conf(self.conf or {})
        state = votequorum.evaluate(config, online)
        state = dataclasses.replace(state, quorate=self.replica.quorate(),
                                    waiting_for_all=False)
        votequorum.set_expected(state, expected)
        total = sum(node.config.values())
        node.expected = None if expected >= total else expected
        self._cluster_log("[status] notice: expected votes set to %d"
                          % expected)
        self.replica.poke()

    def _online_ids(self):
        online = set(self.link.connected()) | {self.nodename}
        return [n.nodeid for n in corosync.nodes(self.conf or {})
                if n.name in online and n.nodeid]

    def status_set(self, key, value):
        msg, _ = self.kv.local_set(key, bytes(value))
        self._broadcast(msg)

    def log_added(self, entry):
        self._broadcast(statusrepl.log_message([entry]))

    # -- the link ------------------------------------------------------

    def _send(self, peer, message):
        if self.link is None:
            return False
        return self.link.send(peer, split_bytes(message))

    def _broadcast(self, message):
        if self.link is None:
            return
        message = split_bytes(message)
        for peer in self.link.connected():
            self.link.send(peer, message)

    def _received(self, peer, message):
        message = join_bytes(message)
        kind = message.get("kind")
        if kind is None:
            self.replica.receive(peer, message)
            return
        try:
            with self.cfs.lock:
                if kind in (statusrepl.KV, statusrepl.KV_FULL):
                    changes = self.kv.receive(message)
                    statusrepl.apply_kv_changes(self.cfs.status, changes,
                                                self.cfs.clock())
                elif kind in (statusrepl.LOG, statusrepl.LOG_FULL):
                    new = statusrepl.receive_log(self.cfs.status, message)
                    if new:
                        self.reactor.callLater(0, self.cfs.plugs_changed,
                                               [".clusterlog"])
        except statusrepl.BadMessage as e:
            log.warn("[status] bad message from {peer}: {why}", peer=peer,
                     why=str(e))

    def _peer(self, peer, up):
        if up:
            with self.cfs.lock:
                messages = self.kv.all_state_messages()
                messages.append(statusrepl.log_full_message(self.cfs.status))
            for message in messages:
                self.link.send(peer, split_bytes(message))

    # -- following the tree --------------------------------------------

    def _tree_changed(self, paths, version, origin):
        if CLUSTER_CONF in paths:
            self.reactor.callLater(0, self._conf_changed)

    def _conf_changed(self):
        with self.cfs.lock:
            entry = self.cfs.db.lookup(CLUSTER_CONF)
            data = None if entry is None else bytes(entry.data)
        if not data:
            return
        try:
            decision = corosync.sync_local_conf(self.paths, data)
            conf = corosync.parse(data, "/etc/pve/" + CLUSTER_CONF)
        except (OSError, corosync.CorosyncConfError) as e:
            log.warn("[dcdb] crit: cannot use the cluster's corosync.conf: "
                     "{why}", why=e)
            return
        for is_error, message in decision.messages:
            if is_error:
                log.warn("[dcdb] crit: {msg}", msg=message)
            else:
                log.info("[dcdb] notice: {msg}", msg=message)
        self.conf = conf
        self.link.set_peers(self._peers(conf))

    # -- the watcher ---------------------------------------------------

    def _cluster_log(self, msg, pri=5):
        log.info("{msg}", msg=msg)
        self.cfs.cluster_log(LOG_TAG, msg, pri=pri)

    def _watch(self):
        replica = self.replica
        quorate = replica.quorate()
        with self.cfs.lock:
            self.cfs.quorate = quorate
        seen = self._seen
        online = sorted(set(self.link.connected()) | {self.nodename})
        if online != seen["online"]:
            if seen["online"] is not None:
                for node in sorted(set(online) - set(seen["online"])):
                    self._cluster_log("[dcdb] notice: node '%s' joined"
                                      % node)
                for node in sorted(set(seen["online"]) - set(online)):
                    self._cluster_log("[dcdb] notice: node '%s' left" % node)
            self._cluster_log("[dcdb] notice: members: %s" % ", ".join(
                "%s/%s" % (self._nodeid(n), n) for n in online))
            seen["online"] = online
        if quorate != seen["quorate"]:
            if quorate:
                self._cluster_log("[status] notice: node has quorum")
            elif seen["quorate"] is not None:
                self._cluster_log("[status] notice: node lost quorum", pri=2)
            seen["quorate"] = quorate
        leader = replica.leader
        if leader != seen["leader"] and leader is not None:
            self._cluster_log("[dcdb] notice: leader is %s (term %d)"
                              % (leader, replica.raft_node.term))
        seen["leader"] = leader
        node = replica.raft_node
        if node.expected is not None and raftconfig.majority(
                node.config, set(self.link.connected()) | {self.nodename}):
            node.expected = None     # the nodes are back: as votequorum
            self._cluster_log("[status] notice: expected votes back to %d"
                              % sum(node.config.values()))
        if quorate and not self._layout_done:
            self._ensure_layout()
        if replica.is_leader and quorate:
            self._step_membership()
        info = self.info()
        if info != seen["info"]:
            seen["info"] = info
            with self.cfs.lock:
                self.cfs.status.clinfo_version += 1
            self.cfs.plugs_changed([".members"])

    def _nodeid(self, name):
        for node in corosync.nodes(self.conf or {}):
            if node.name == name:
                return node.nodeid
        return 0

    @defer.inlineCallbacks
    def _ensure_layout(self):
        """This node's directories, once quorate (a joining node gets a
        tree without them)."""
        self._layout_done = True
        wanted = ["nodes", "nodes/" + self.nodename]
        wanted += ["nodes/%s/%s" % (self.nodename, d) for d in NODE_SUBDIRS]
        wanted += ["priv", "priv/lock"]
        try:
            for path in wanted:
                if self.cfs.db.lookup(path) is None:
                    try:
                        yield self.cfs.mkdir(path)
                    except OSError as e:
                        if e.errno != errno.EEXIST:
                            raise
        except OSError as e:
            log.warn("[dcdb] cannot create {path}: {why}", path=path, why=e)
            self._layout_done = False

    def _step_membership(self):
        """On the leader: one step of the Raft configuration towards the
        nodelist; a learner is promoted once it has caught up."""
        node = self.replica.raft_node
        target = raft_config(self.conf or {})
        if not target or node.config == target:
            return
        step = raftconfig.next_step(node.config, target)
        if step is None:
            return
        for name, votes in step.items():
            if node.config.get(name, 0) == 0 and votes > 0 and \
                    name != self.nodename:
                progress = node.progress(name)
                if progress is None or progress[0] < node.commit_index:
                    return          # not caught up yet
        try:
            self.replica.propose_config(step)
        except (raft.ConfigError, raft.NotLeader, raft.NoQuorum):
            return
        self._cluster_log("[dcdb] notice: replicating to %s" % ", ".join(
            "%s (%d vote%s)" % (name, votes, "" if votes == 1 else "s")
            for name, votes in sorted(step.items())))
