"""What of the volatile cluster state is replicated without quorum: the
per-node status key/value store, the cluster log, and the membership view
``.members`` is built from.

Pure: no I/O, no reactor, no clock.  The messages are plain data for
Perspective Broker (dicts with str keys, lists, str, bytes, int; no tuples,
bools, floats or None).  Merging is idempotent, commutative and
associative: whatever order messages arrive in, duplicated or late, nodes
that received the same messages hold the same state.

Key/value store
---------------
Each node owns its keys (Proxmox: ``cfs_status_set`` broadcasts,
``cfs_kvstore_node_set`` stores under the sender).  Proxmox relies on the
total order of its CPG; we number instead.  A node's writes carry
``(inc, seq)``: *inc* identifies the process (its incarnation, e.g. its
start time: it must grow across restarts), *seq* counts that process's
writes, all keys together.  An empty value deletes the key, as in Proxmox.

- ``{"kind": "kv", "node", "inc", "seq", "key", "value"}``: one write.
- ``{"kind": "kv-full", "node", "inc", "seq", "entries": [[key, value,
  seq], ...]}``: the node's whole table as of *seq* (every write up to
  *seq* is in it, so a key that is absent was deleted).

A receiver keeps, per origin node, the incarnation, a *floor* (the highest
full state applied) and per key ``(value, seq)``, deletions as tombstones
above the floor.  Rules: a newer incarnation drops everything known of the
older one; anything of an older incarnation is ignored; a write at or below
the floor is ignored (the full state already holds its effect); otherwise
the highest seq per key wins.  A full state above the floor replaces every
key at or below its seq (tombstones below it go away) and keeps the newer
ones.  The state thus depends only on the set of messages received.

Cluster log
-----------
Entries are the dicts :class:`pve.cluster.status.Status` holds (``uid``,
``time``, ``pri``, ``tag``, ``pid``, ``node``, ``user``, ``msg``).  One is
identified by ``(time, node, uid)`` (Proxmox: time, node digest, uid) and
the log is ordered by that key.  ``{"kind": "log", "entries": [...]}``
carries new local entries, ``{"kind": "log-full", "entries": [...]}`` a
whole log on (re)connect; both merge the same way: union, duplicates
removed, the newest ``LOG_KEEP`` kept.  Keeping the top N of a union under
a total order is itself a join, so bounding does not break convergence.
(Proxmox's insert path drops an entry older than the newest seen from its
node, which depends on arrival order; we do not.)
"""

import collections

from pve.cluster import corosync, plugs
from pve.cluster.status import LOG_KEEP, MAX_STATUS_VALUE, RRD_PREFIX

KV = "kv"
KV_FULL = "kv-full"
LOG = "log"
LOG_FULL = "log-full"
NODEIP_KEY = "nodeip"


class BadMessage(ValueError):
    """A message that cannot be read; nothing was changed."""


def _check(cond, what):
    if not cond:
        raise BadMessage("invalid status message: %s" % (what,))


def _is_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _check_int(value, what):
    _check(_is_int(value) and value >= 0, "%s is not a count" % (what,))


def _check_str(value, what, empty=False):
    _check(isinstance(value, str) and (empty or value), "bad %s" % (what,))


def _check_value(value):
    _check(isinstance(value, bytes) and len(value) <= MAX_STATUS_VALUE,
           "value is not bytes or too large")


# -- key/value store ----------------------------------------------------------

class _Origin:
    """What a receiver knows of one node's table."""

    __slots__ = ("inc", "floor", "keys")

    def __init__(self, inc):
        self.inc = inc
        self.floor = 0
        self.keys = {}  # key -> (value bytes, seq); b"" is a tombstone

    def live(self):
        return {k: v for k, (v, _s) in self.keys.items() if v}


class KVReplica:
    """The status key/value store of every node, as seen by *nodename*.

    ``local_set`` for this node's writes (it returns the message to
    broadcast), ``receive`` for messages from peers; both return the
    changes of the view as ``[[node, key, value or None], ...]`` for
    :func:`apply_kv_changes`.
    """

    def __init__(self, nodename, incarnation):
        _check_str(nodename, "node name")
        _check_int(incarnation, "incarnation")
        self.nodename = nodename
        self.origins = {nodename: _Origin(incarnation)}

    @property
    def incarnation(self):
        return self.origins[self.nodename].inc

    @property
    def seq(self):
        return self.origins[self.nodename].floor

    def view(self):
        """``{node: {key: value}}``, live entries only."""
        return {node: o.live() for node, o in sorted(self.origins.items())
                if o.live()}

    def get(self, node, key):
        origin = self.origins.get(node)
        item = origin.keys.get(key) if origin else None
        return item[0] if item and item[0] else None

    # local writes

    def local_set(self, key, value):
        """Write *key* of this node (``b""`` deletes); the message to send
        and the changes."""
        _check_str(key, "key")
        _check_value(value)
        own = self.origins[self.nodename]
        own.floor += 1
        before = own.keys.get(key, (b"", 0))[0]
        if value:
            own.keys[key] = (bytes(value), own.floor)
        else:
            own.keys.pop(key, None)  # own floor == seq: no tombstone needed
        msg = {"kind": KV, "node": self.nodename, "inc": own.inc,
               "seq": own.floor, "key": key, "value": bytes(value)}
        changes = []
        if before != value:
            changes.append([self.nodename, key, bytes(value) or None])
        return msg, changes

    def state_messages(self, node=None):
        """Messages that bring a peer up to what we know of *node* (this
        node by default; another's to relay it): a full state up to the
        floor, then the writes above it."""
        node = node or self.nodename
        origin = self.origins.get(node)
        if origin is None:
            return []
        entries = [[k, v, s] for k, (v, s) in sorted(origin.keys.items())
                   if s <= origin.floor and v]
        msgs = [{"kind": KV_FULL, "node": node, "inc": origin.inc,
                 "seq": origin.floor, "entries": entries}]
        above = sorted((s, k, v) for k, (v, s) in origin.keys.items()
                       if s > origin.floor)
        msgs.extend({"kind": KV, "node": node, "inc": origin.inc, "seq": s,
                     "key": k, "value": v} for s, k, v in above)
        return msgs

    def all_state_messages(self):
        """Everything we know, for a peer that (re)connects."""
        msgs = []
        for node in sorted(self.origins):
            msgs.extend(self.state_messages(node))
        return msgs

    def forget(self, node):
        """Drop a node (removed from the cluster); the changes."""
        if node == self.nodename or node not in self.origins:
            return []
        gone = self.origins.pop(node).live()
        return [[node, k, None] for k in sorted(gone)]

    # remote messages

    def receive(self, msg):
        """Merge a ``kv`` or ``kv-full`` message; the changes.  Raises
        :class:`BadMessage` (changing nothing) if it cannot be read."""
        _check(isinstance(msg, dict), "not a dict")
        kind = msg.get("kind")
        _check(kind in (KV, KV_FULL), "unknown kind %r" % (kind,))
        node, inc, seq = msg.get("node"), msg.get("inc"), msg.get("seq")
        _check_str(node, "node")
        _check_int(inc, "inc")
        _check_int(seq, "seq")
        if kind == KV:
            _check_str(msg.get("key"), "key")
            _check_value(msg.get("value"))
            _check(seq > 0, "seq 0")
            entries = None
        else:
            entries = msg.get("entries")
            _check(isinstance(entries, list), "entries is not a list")
            for item in entries:
                _check(isinstance(item, list) and len(item) == 3,
                       "entry is not [key, value, seq]")
                _check_str(item[0], "key")
                _check_value(item[1])
                _check_int(item[2], "entry seq")
                _check(0 < item[2] <= seq, "entry seq above the state's")

        if node == self.nodename:
            return []  # we are the authority on our own table
        origin = self.origins.get(node)
        if origin is not None and inc < origin.inc:
            return []
        before = origin.live() if origin is not None else {}
        if origin is None or inc > origin.inc:
            origin = _Origin(inc)  # a new process: the old table is void
        else:
            # work on a copy so the swap below is the only mutation
            fresh = _Origin(inc)
            fresh.floor = origin.floor
            fresh.keys = dict(origin.keys)
            origin = fresh

        if kind == KV:
            if seq > origin.floor:
                key = msg["key"]
                if seq > origin.keys.get(key, (b"", 0))[1]:
                    origin.keys[key] = (bytes(msg["value"]), seq)
        elif seq > origin.floor:
            origin.keys = {k: vs for k, vs in origin.keys.items()
                           if vs[1] > seq}
            for key, value, s in entries:
                if value and key not in origin.keys:
                    origin.keys[key] = (bytes(value), s)
            origin.floor = seq

        self.origins[node] = origin
        after = origin.live()
        changes = []
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                changes.append([node, key, after.get(key)])
        return changes


def apply_kv_changes(status, changes, now):
    """Carry changes from :class:`KVReplica` into a
    :class:`pve.cluster.status.Status` (``rrd/`` keys go to its RRD
    table; per-key versions count changes, as in Proxmox)."""
    for node, key, value in changes:
        if value is not None:
            status.set_status(node, key, value, now)
        elif key.startswith(RRD_PREFIX):
            status.rrd.pop(key[len(RRD_PREFIX):], None)
        else:
            table = status.kvstore.get(node)
            if table is not None:
                table.pop(key, None)
                if not table:
                    del status.kvstore[node]


def node_ips(status):
    """``{node: ip}`` from each node's ``nodeip`` key (Proxmox sends it,
    NUL-terminated, once synced)."""
    ips = {}
    for node, table in status.kvstore.items():
        item = table.get(NODEIP_KEY)
        if item and item[0]:
            ip = item[0].split(b"\0", 1)[0].decode("ascii", "replace").strip()
            if ip:
                ips[node] = ip
    return ips


# -- cluster log --------------------------------------------------------------

_ENTRY_INTS = ("uid", "time", "pri", "pid")
_ENTRY_STRS = ("tag", "node", "user", "msg")


def entry_key(entry):
    """Identity and order of a log entry: ``(time, node, uid)``."""
    return (entry["time"], entry["node"], entry["uid"])


def _full_key(entry):
    # decides deterministically between two entries sharing a key
    return entry_key(entry) + (entry["pri"], entry["pid"], entry["tag"],
                               entry["user"], entry["msg"])


def check_entry(entry):
    """A clean copy of a log entry; :class:`BadMessage` if it is not one."""
    _check(isinstance(entry, dict), "log entry is not a dict")
    clean = {}
    for name in _ENTRY_INTS:
        _check_int(entry.get(name), "log entry %s" % (name,))
        clean[name] = entry[name]
    for name in _ENTRY_STRS:
        _check_str(entry.get(name), "log entry %s" % (name,),
                   empty=name != "node")
        clean[name] = entry[name]
    _check(clean["pri"] < 8, "log entry priority")
    # the order status.py uses, so the .clusterlog output stays the same
    return {k: clean[k] for k in ("uid", "time", "pri", "tag", "pid",
                                  "node", "user", "msg")}


def log_message(entries):
    """New local entries to broadcast."""
    return {"kind": LOG, "entries": [dict(e) for e in entries]}


def log_full_message(status):
    """The whole log, for a peer that (re)connects."""
    return {"kind": LOG_FULL, "entries": [dict(e) for e in status.log]}


def merge_log(current, incoming, keep=LOG_KEEP):
    """*current* and *incoming* together: duplicates removed, ordered by
    ``(time, node, uid)``, only the newest *keep*."""
    best = {}
    for entry in list(current) + list(incoming):
        key = entry_key(entry)
        old = best.get(key)
        if old is None or _full_key(entry) > _full_key(old):
            best[key] = entry
    merged = [best[k] for k in sorted(best)]
    return merged[-keep:] if keep else []


def receive_log(status, msg):
    """Merge a ``log`` or ``log-full`` message into *status*; the entries
    that were new, in order.  :class:`BadMessage` (changing nothing) if it
    cannot be read."""
    _check(isinstance(msg, dict), "not a dict")
    _check(msg.get("kind") in (LOG, LOG_FULL),
           "unknown kind %r" % (msg.get("kind"),))
    entries = msg.get("entries")
    _check(isinstance(entries, list), "entries is not a list")
    clean = [check_entry(e) for e in entries]
    keep = status.log.maxlen or LOG_KEEP
    old = list(status.log)
    if (clean and len(clean) == 1 and old
            and entry_key(clean[0]) > entry_key(old[-1])):
        merged = old + clean  # the usual case: one entry, newest
        if len(merged) > keep:
            merged = merged[-keep:]
    else:
        merged = merge_log(old, clean, keep)
    known = {id(e) for e in old}
    status.log = collections.deque(merged, maxlen=status.log.maxlen)
    return [e for e in merged if id(e) not in known]


def sort_log(status):
    """Put *status*'s log in merge order (local entries are appended as
    written, which may not be that order when clocks differ)."""
    keep = status.log.maxlen or LOG_KEEP
    status.log = collections.deque(merge_log(status.log, [], keep),
                                   maxlen=status.log.maxlen)


# -- membership ---------------------------------------------------------------

def cluster_info(conf, online, quorate, ips=None):
    """The *cluster* argument of :func:`pve.cluster.plugs.members` from a
    parsed ``corosync.conf`` (:func:`pve.cluster.corosync.parse`), the
    names of the nodes online and the quorate flag; ``None`` if *conf*
    lists no nodes (local mode).  *ips* (e.g. :func:`node_ips`) wins over
    the address of a node's lowest link."""
    nodes = corosync.nodes(conf) if conf else []
    if not nodes:
        return None
    online = set(online)
    ips = ips or {}
    version = corosync.config_version(conf)
    nodelist = {}
    for node in nodes:
        nodelist[node.name] = {
            "id": node.nodeid or 0,
            "online": 1 if node.name in online else 0,
            "ip": ips.get(node.name) or node.address,
        }
    return {"name": corosync.cluster_name(conf) or "",
            "version": version or 0,
            "nodes": len(nodelist),
            "quorate": 1 if quorate else 0,
            "nodelist": nodelist}


def members(status, conf=None, online=(), quorate=False, ips=None):
    """``.members`` content: Proxmox's single-node layout without a
    cluster configuration, else with ``cluster`` and ``nodelist``."""
    return plugs.members(status, cluster_info(conf, online, quorate, ips))
