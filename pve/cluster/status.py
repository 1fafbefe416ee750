"""Volatile cluster state: the status key/value store, the cluster log,
RRD data and the versions of well-known configuration files.

Nothing here is written to ``config.db``; in a cluster it is broadcast
instead.  Pure: times are passed in.
"""

import collections

# the files whose change counters ``.version`` shows, as in Proxmox
OBSERVED_PATHS = (
    "corosync.conf", "corosync.conf.new", "storage.cfg", "user.cfg",
    "domains.cfg", "notifications.cfg", "priv/notifications.cfg",
    "priv/shadow.cfg", "priv/acme/plugins.cfg", "priv/tfa.cfg",
    "priv/token.cfg", "priv/wg-keys.cfg", "datacenter.cfg", "vzdump.cron",
    "vzdump.conf", "jobs.cfg", "ha/crm_commands", "ha/manager_status",
    "ha/resources.cfg", "ha/rules.cfg", "ha/groups.cfg", "ha/fence.cfg",
    "status.cfg", "replication.cfg", "ceph.conf", "sdn/vnets.cfg",
    "sdn/zones.cfg", "sdn/controllers.cfg", "sdn/subnets.cfg",
    "sdn/ipams.cfg", "sdn/mac-cache.json", "sdn/pve-ipam-state.json",
    "sdn/dns.cfg", "sdn/fabrics.cfg", "sdn/route-maps.cfg",
    "sdn/prefix-lists.cfg", "sdn/.running-config",
    "virtual-guest/cpu-models.conf", "virtual-guest/profiles.cfg",
    "firewall/cluster.fw", "mapping/directory.cfg", "mapping/pci.cfg",
    "mapping/usb.cfg",
)

LOG_KEEP = 5000
LOG_SHOWN = 50
RRD_PREFIX = "rrd/"
MAX_STATUS_VALUE = 32 * 1024


class Status:
    def __init__(self, nodename, starttime):
        self.nodename = nodename
        self.starttime = int(starttime)
        self.clinfo_version = 1
        self.path_versions = dict.fromkeys(OBSERVED_PATHS, 0)
        # node -> key -> (value bytes, version)
        self.kvstore = {}
        # key -> (value bytes, time)
        self.rrd = {}
        self.log = collections.deque(maxlen=LOG_KEEP)
        self._log_uid = 0

    def record_change(self, path):
        if path in self.path_versions:
            self.path_versions[path] += 1

    def set_status(self, node, key, value, now):
        """Store *value* (bytes) under *key* for *node*; ``rrd/`` keys
        go to the RRD table."""
        if not key or len(value) > MAX_STATUS_VALUE:
            raise ValueError("invalid status key or value too large")
        if key.startswith(RRD_PREFIX):
            self.rrd[key[len(RRD_PREFIX):]] = (bytes(value), int(now))
            return
        table = self.kvstore.setdefault(node, {})
        old = table.get(key)
        version = (old[1] + 1) if old else 1
        table[key] = (bytes(value), version)

    def get_status(self, node, key):
        if key.startswith(RRD_PREFIX):
            item = self.rrd.get(key[len(RRD_PREFIX):])
        else:
            item = self.kvstore.get(node, {}).get(key)
        return None if item is None else item[0]

    def add_log(self, node, user, tag, msg, pri=6, pid=0, now=0):
        self._log_uid += 1
        entry = {"uid": self._log_uid, "time": int(now), "pri": int(pri),
                 "tag": tag, "pid": int(pid), "node": node, "user": user,
                 "msg": msg}
        self.log.append(entry)
        return entry

    def get_log(self, limit=LOG_SHOWN):
        """The newest *limit* entries, newest first."""
        items = list(self.log)[-limit:] if limit else []
        items.reverse()
        return items
