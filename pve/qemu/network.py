"""A VM's tap devices on Linux bridges, as ``PVE::Network`` plugs them.

qemu-server names a NIC's tap ``tap<vmid>i<n>``.  QEMU creates the tap
(``-netdev type=tap,ifname=tap100i0,script=.../pve-bridge,...``) and runs
the ``pve-bridge`` script, which calls :meth:`Network.tap_create` (link up,
promiscuous, the bridge's MTU) and :meth:`Network.tap_plug` (enslave to the
bridge, VLAN, firewall bridge, rate limit); ``pve-bridgedown`` calls
:meth:`Network.tap_unplug`.  Our scripts are :mod:`pve.qemu.bridge_script`.

VLANs (``tag=``) as Proxmox does them:

- on a VLAN-aware bridge (``bridge-vlan-aware yes``, ``vlan_filtering`` 1)
  the port's default VLANs are removed and ``tag`` is added as PVID,
  untagged; without a tag the port carries VLAN 1 untagged and 2-4094
  tagged; ``trunks=10;20-30`` restricts the tagged ones;
- on a classic bridge ``vmbr0`` a tag 5 plugs the tap into bridge
  ``vmbr0v5``, created on demand with a VLAN device ``<port>.5`` for each
  physical port (NIC, bond or VLAN device) of ``vmbr0``.

``firewall=1`` puts a firewall bridge between tap and bridge:
tap -> ``fwbr<vmid>i<n>`` <- veth ``fwln<vmid>i<n>`` = ``fwpr<vmid>p<n>``
-> bridge.  Whether a NIC needs it (``PVE::Firewall::Helpers::needs_fwbr``)
is the caller's decision.  Open vSwitch bridges are not supported: plugging
into one fails with Proxmox's "neither a linux nor an OVS bridge" message.

Everything here blocks (it runs ``ip``, ``bridge`` and ``tc``): call it from
a thread or a worker process.  Each operation takes ``netns``: the name of a
network namespace (``ip -n <netns> ...``) to work in instead of our own.
Errors are :class:`NetworkError` with Proxmox's messages (without the
trailing newline); a failed command writes its stderr to ours, as
``PVE::Tools::run_command`` does into the task log.
"""

import errno
import fcntl
import json
import os
import re
import subprocess
import sys
import time
from collections import namedtuple

from twisted.logger import Logger

from pve import paths as pve_paths

log = Logger()

# linux/if.h; iproute2 and the kernel refuse names of IFNAMSIZ - 1 or more.
IFNAMSIZ = 16
# PVE::Network::lock_network: flock, 10 s timeout.
LOCK_FILE = "var/lock/pve-network.lck"
LOCK_TIMEOUT = 10
OVS_VSCTL = "/usr/bin/ovs-vsctl"

# The bridge settings copy_bridge_config copies: sysfs name -> ``ip link``
# bridge option (also the key in ``ip -d -j link`` info_data).
BRIDGE_CONFIG = [
    ("ageing_time", "ageing_time"),
    ("stp_state", "stp_state"),
    ("priority", "priority"),
    ("forward_delay", "forward_delay"),
    ("hello_time", "hello_time"),
    ("max_age", "max_age"),
    ("multicast_snooping", "mcast_snooping"),
    ("multicast_querier", "mcast_querier"),
]

FirewallNames = namedtuple("FirewallNames", "fwbr fwln fwpr ovsint")


class NetworkError(Exception):
    """A failed network operation, with Proxmox's message."""


class CommandError(NetworkError):
    """A command that exited non-zero (``PVE::Tools::run_command``)."""

    def __init__(self, argv, status, stderr=""):
        NetworkError.__init__(
            self, "command '%s' failed: exit code %d" % (" ".join(argv), status))
        self.argv = argv
        self.status = status
        self.stderr = stderr


# -- names (pure) ------------------------------------------------------------

def tap_name(vmid, index):
    """``tap<vmid>i<index>``; QEMU's TUNSETIFF limits it to 15 characters."""
    name = "tap%si%s" % (vmid, index)
    if len(name) >= IFNAMSIZ:
        raise NetworkError(
            "interface name '%s' is too long (max 15 character)" % name)
    return name


_TAP_RE = re.compile(r"^(?:tap|veth)(\d+)i(\d+)$")


def parse_tap_name(iface, noerr=False):
    """``(vmid, devid)`` as strings from ``tap100i0`` (or a container's
    ``veth100i0``); None or an error for other names."""
    match = _TAP_RE.match(iface)
    if match:
        return match.group(1), match.group(2)
    if noerr:
        return None
    raise NetworkError(
        "can't create firewall bridge for random interface name '%s'" % iface)


def firewall_names(vmid, devid):
    """The firewall bridge, its veth pair ends and the OVS internal port of
    NIC *devid* of *vmid* (the host firewall matches ``fwln+``)."""
    return FirewallNames("fwbr%si%s" % (vmid, devid), "fwln%si%s" % (vmid, devid),
                         "fwpr%sp%s" % (vmid, devid), "fwln%so%s" % (vmid, devid))


def check_iface_name(name):
    if len(name) >= IFNAMSIZ:
        raise NetworkError("the interface name %s is too long" % name)
    if not name or re.search(r"[\s/]", name):
        raise NetworkError(
            "the interface name %s is empty or contains invalid characters" % name)


def nic_mtu(netid, mtu, bridge_mtu):
    """The ``host_mtu`` of a virtio NIC (``print_netdevice_full``): the
    bridge's MTU for ``mtu`` unset or 1, else ``mtu`` within 576..bridge."""
    if mtu is None or int(mtu) == 1:
        return int(bridge_mtu)
    mtu = int(mtu)
    if mtu < 576:
        raise NetworkError(
            "netdev %s: MTU '%d' is smaller than the IP minimum MTU '576'"
            % (netid, mtu))
    if mtu > int(bridge_mtu):
        raise NetworkError(
            "netdev %s: MTU '%d' is bigger than the bridge MTU '%d' - adjust the"
            " MTU for the network device in the VM configuration, while"
            " ensuring that the bridge is configured as desired."
            % (netid, mtu, int(bridge_mtu)))
    return mtu


def interfaces_learning(text, bridge):
    """False if ``/etc/network/interfaces`` (*text*) sets
    ``bridge-disable-mac-learning`` on *bridge*'s stanza, else True."""
    current = None
    for line in text.splitlines():
        words = line.split()
        if not words or words[0].startswith("#"):
            continue
        if words[0] == "iface":
            current = words[1] if len(words) > 1 else None
        elif words[0] in ("auto", "source", "source-directory", "mapping") \
                or words[0].startswith("allow-"):
            current = None
        elif current == bridge and words[0] == "bridge-disable-mac-learning":
            value = " ".join(words[1:])
            if value not in ("", "0"):
                return False
    return True


def _is_physical(link):
    # PVE::IPRoute2: ether without a kind (a NIC), or a bond or VLAN device
    kind = (link.get("linkinfo") or {}).get("info_kind")
    return link.get("link_type") == "ether" and kind in (None, "bond", "vlan")


def physical_bridge_ports(links, bridge):
    """The NICs, bonds and VLAN devices enslaved to *bridge*, from the
    ``ip -d -j link show`` list *links* (``get_physical_bridge_ports``)."""
    return [link["ifname"] for link in links
            if _is_physical(link) and link.get("master") == bridge]


# -- where commands run ------------------------------------------------------

def _execute(argv):
    try:
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL,
                              capture_output=True, text=True)
    except OSError as exc:
        return 127, "", "%s: %s\n" % (argv[0], exc.strerror)
    return proc.returncode, proc.stdout, proc.stderr


_WRITE_SH = ('if [ -e "$1" ]; then printf "%s\\n" "$2" > "$1"; '
             'elif [ "$3" = 0 ]; then echo "$1: No such file or directory" >&2; '
             'exit 2; fi')


class Host:
    """The network stack commands act on: ours, or namespace *netns*.

    *execute(argv)* runs a command and returns ``(status, stdout,
    stderr)``; tests may replace it.  In a namespace, sysfs and
    ``/proc/sys`` are written through ``ip netns exec``.
    """

    def __init__(self, netns=None, execute=None):
        self.netns = netns
        self._execute = execute or _execute

    def run(self, tool, *args, check=True, quiet=False):
        """Run ``ip``, ``bridge`` or ``tc`` in our namespace; stdout."""
        argv = [tool] + (["-n", self.netns] if self.netns else [])
        argv += [str(arg) for arg in args]
        status, out, err = self._execute(argv)
        if status and check:
            if err and not quiet:
                sys.stderr.write(err)
            raise CommandError(argv, status, err)
        return out

    def link(self, name):
        """``ip -d -j link show dev <name>`` as a dict, or None."""
        try:
            out = self.run("ip", "-d", "-j", "link", "show", "dev", name,
                           quiet=True)
        except CommandError:
            return None
        found = json.loads(out or "[]")
        return found[0] if found else None

    def links(self):
        return json.loads(self.run("ip", "-d", "-j", "link", "show") or "[]")

    def write_sys(self, path, value, missing_ok=False):
        """Write *value* to a sysfs or procfs file of our namespace."""
        if self.netns is None:
            if missing_ok and not os.path.exists(path):
                return
            try:
                with open(path, "w") as fh:
                    fh.write("%s\n" % (value,))
            except OSError as exc:
                raise NetworkError("unable to open file '%s' - %s"
                                   % (path, exc.strerror))
            return
        argv = ["ip", "netns", "exec", self.netns, "sh", "-c", _WRITE_SH, "sh",
                path, str(value), "1" if missing_ok else "0"]
        status, _, err = self._execute(argv)
        if status:
            raise NetworkError("unable to open file '%s' - %s"
                               % (path, err.strip() or "exit code %d" % status))


# -- PVE::Network ------------------------------------------------------------

class Network:
    """``PVE::Network``'s bridge and tap operations on one :class:`Host`."""

    def __init__(self, netns=None, host=None, lock_path=None, root=None):
        self.host = host if host is not None else Host(netns)
        self._paths = pve_paths.Paths(root) if root else pve_paths.current()
        self.lock_path = lock_path or self._paths.join(LOCK_FILE)

    # links

    def exists(self, iface):
        return self.host.link(iface) is not None

    def read_bridge_mtu(self, bridge):
        link = self.host.link(bridge)
        if link is None or not link.get("mtu"):
            raise NetworkError("bridge '%s' does not exist" % bridge)
        return int(link["mtu"])

    def is_linux_bridge(self, iface):
        check_iface_name(iface)
        link = self.host.link(iface)
        if link is None:
            raise NetworkError("interface %s does not exist" % iface)
        return (link.get("linkinfo") or {}).get("info_kind") == "bridge"

    def is_vlan_aware(self, bridge):
        link = self.host.link(bridge) or {}
        data = (link.get("linkinfo") or {}).get("info_data") or {}
        return bool(data.get("vlan_filtering"))

    def _ovs_available(self):
        # Open vSwitch is host-wide; never touch it from a namespace.
        return self.host.netns is None and os.path.exists(OVS_VSCTL)

    def is_ovs_bridge(self, bridge):
        if self.is_linux_bridge(bridge) or not self._ovs_available():
            return False
        status, _, _ = self.host._execute([OVS_VSCTL, "br-exists", bridge])
        if status == 2:
            return False
        if status == 0:
            return True
        raise NetworkError("failed to query OVS to determine type of '%s': %d"
                           % (bridge, status))

    def _ovs_del_port(self, iface):
        if self._ovs_available():
            self.host._execute([OVS_VSCTL, "del-port", iface])

    def disable_ipv6(self, iface):
        self.host.write_sys("/proc/sys/net/ipv6/conf/%s/disable_ipv6" % iface,
                            "1", missing_ok=True)

    def iface_create(self, iface, kind, *args):
        try:
            check_iface_name(iface)
        except NetworkError as exc:
            raise NetworkError("failed to create interface '%s' - %s" % (iface, exc))
        try:
            self.host.run("ip", "link", "add", iface, "type", kind, *args)
        except CommandError:
            raise NetworkError("failed to create interface '%s'" % iface)

    def iface_delete(self, iface):
        try:
            self.host.run("ip", "link", "delete", "dev", iface)
        except CommandError:
            raise NetworkError("failed to delete interface '%s'" % iface)

    def iface_set(self, iface, *opts):
        try:
            self.host.run("ip", "link", "set", iface, *opts)
        except CommandError:
            raise NetworkError("failed to set interface options for '%s' (%s)"
                               % (iface, " ".join(str(o) for o in opts)))

    def iface_set_master(self, iface, master):
        if master is not None:
            try:
                self.iface_set(iface, "master", master)
            except NetworkError:
                raise NetworkError("can't enslave '%s' to '%s'" % (iface, master))
        else:
            try:
                self.iface_set(iface, "nomaster")
            except NetworkError:
                raise NetworkError("can't unenslave '%s'" % iface)

    def activate_interface(self, iface, mtu=None):
        args = ["link", "set", iface, "up"] + (["mtu", mtu] if mtu else [])
        try:
            self.host.run("ip", *args)
        except CommandError as exc:
            raise NetworkError("can't activate interface '%s' - %s" % (iface, exc))

    def cond_create_bridge(self, bridge):
        if not self.exists(bridge):
            self.iface_create(bridge, "bridge")
            self.disable_ipv6(bridge)

    def copy_bridge_config(self, br0, br1):
        """Copy STP, ageing and multicast settings of *br0* to *br1*."""
        if br0 == br1:
            return
        data0 = ((self.host.link(br0) or {}).get("linkinfo") or {}).get("info_data") or {}
        data1 = ((self.host.link(br1) or {}).get("linkinfo") or {}).get("info_data") or {}
        for sysname, option in BRIDGE_CONFIG:
            v0, v1 = data0.get(option), data1.get(option)
            if v0 is None or v0 == v1:
                continue
            try:
                self.host.run("ip", "link", "set", "dev", br1, "type", "bridge",
                              option, v0)
            except CommandError as exc:
                log.warn("copying {option} of {br0} to {br1}: {error}",
                         option=sysname, br0=br0, br1=br1, error=exc)

    # bridge ports

    def bridge_add_interface(self, bridge, iface, tag=None, trunks=None):
        mtu = self.read_bridge_mtu(bridge)
        try:
            self.host.run("ip", "link", "set", iface, "mtu", mtu)
        except CommandError:
            pass
        # a link-local address is of no use on a bridge port
        self.disable_ipv6(iface)
        self.iface_set_master(iface, bridge)
        if not self.is_vlan_aware(bridge):
            return
        vlan = self._bridge_vlan
        vlan(iface, ["del", "dev", iface, "vid", "1-4094"],
             "failed to remove default vlan tags of %s" % iface)
        if trunks:
            for trunk in str(trunks).split(";"):
                vlan(iface, ["add", "dev", iface, "vid", trunk],
                     "unable to add vlan %s to interface %s" % (trunk, iface))
        elif not tag:
            vlan(iface, ["add", "dev", iface, "vid", "2-4094"],
                 "unable to add default vlan tags to interface %s" % iface)
        tag = tag or 1
        vlan(iface, ["add", "dev", iface, "vid", tag, "pvid", "untagged"],
             "unable to add vlan %s to interface %s" % (tag, iface))

    def _bridge_vlan(self, iface, args, message):
        try:
            self.host.run("bridge", "vlan", *args)
        except CommandError as exc:
            raise NetworkError("%s - %s" % (message, exc))

    def bridge_disable_learning(self, iface):
        self.host.write_sys("/sys/class/net/%s/brport/unicast_flood" % iface, "0")
        self.host.write_sys("/sys/class/net/%s/brport/learning" % iface, "0")

    def bridge_enable_port_isolation(self, iface):
        try:
            self.host.run("bridge", "link", "set", "dev", iface, "isolated", "on")
        except CommandError as exc:
            raise NetworkError("unable to enable port isolation on interface %s - %s"
                               % (iface, exc))

    def _bridge_fdb(self, action, iface, mac):
        link = self.host.link(iface) or {}
        slave = (link.get("linkinfo") or {}).get("info_slave_data") or {}
        learning = slave.get("learning")
        if learning is None or learning:
            return
        ids = parse_tap_name(iface, noerr=True)
        if ids is None:
            return
        self.host.run("bridge", "fdb", action, mac, "dev", iface, "master", "static")
        fwpr = firewall_names(*ids).fwpr
        if self.exists(fwpr):
            self.host.run("bridge", "fdb", action, mac, "dev", fwpr, "master",
                          "static")

    def add_bridge_fdb(self, iface, mac):
        """A static FDB entry for *mac* on a port without MAC learning."""
        self._bridge_fdb("append", iface, mac)

    def del_bridge_fdb(self, iface, mac):
        self._bridge_fdb("del", iface, mac)

    # VLANs on classic bridges

    def lock_network(self, code, *args):
        """Run *code* holding the network lock (``lock_network``)."""
        os.makedirs(os.path.dirname(self.lock_path), exist_ok=True)
        fd = os.open(self.lock_path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            deadline = time.monotonic() + LOCK_TIMEOUT
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except OSError as exc:
                    if exc.errno not in (errno.EAGAIN, errno.EACCES):
                        raise
                    if time.monotonic() >= deadline:
                        raise NetworkError("can't lock file '%s' - got timeout"
                                           % self.lock_path)
                    time.sleep(0.05)
            return code(*args)
        finally:
            os.close(fd)

    def activate_bridge_vlan_slave(self, bridgevlan, iface, tag):
        ifacevlan = "%s.%s" % (iface, tag)
        if not self.exists(ifacevlan):
            try:
                check_iface_name(ifacevlan)
                self.host.run("ip", "link", "add", "link", iface, "name", ifacevlan,
                              "type", "vlan", "id", tag)
            except NetworkError as exc:
                raise NetworkError("can't add vlan tag %s to interface %s - %s"
                                   % (tag, iface, exc))
            self.disable_ipv6(ifacevlan)
        self.activate_interface(ifacevlan)
        link = self.host.link(ifacevlan) or {}
        if (link.get("linkinfo") or {}).get("info_slave_kind") == "bridge":
            if link.get("master") != bridgevlan:
                raise NetworkError("interface %s already exist in bridge %s"
                                   % (ifacevlan, link.get("master")))
            return
        self.bridge_add_interface(bridgevlan, ifacevlan)

    def activate_bridge_vlan(self, bridge, tag):
        """The bridge a port with VLAN *tag* joins on classic bridge
        *bridge*: *bridge* itself without a tag, else ``<bridge>v<tag>``,
        set up with a VLAN device on each physical port of *bridge*."""
        if not self.exists(bridge):
            raise NetworkError("bridge '%s' is not active" % bridge)
        if tag is None:
            return bridge
        try:
            vid = int(tag)
        except (TypeError, ValueError):
            vid = 0
        if vid < 1 or vid > 4094:
            raise NetworkError("got strange vlan tag '%s'" % (tag,))
        bridgevlan = "%sv%d" % (bridge, vid)
        ifaces = physical_bridge_ports(self.host.links(), bridge)
        if not ifaces:
            raise NetworkError("no physical interface on bridge '%s'" % bridge)

        def activate():
            if not self.exists(bridgevlan):
                self.iface_create(bridgevlan, "bridge")
            mtu = self.read_bridge_mtu(bridge)
            try:
                self.host.run("ip", "link", "set", bridgevlan, "mtu", mtu)
            except CommandError:
                pass
            for iface in ifaces:
                self.activate_bridge_vlan_slave(bridgevlan, iface, vid)
            self.disable_ipv6(bridgevlan)
            self.activate_interface(bridgevlan)

        self.lock_network(activate)
        return bridgevlan

    # veth pairs and firewall bridges

    def veth_create(self, veth, peer, bridge, mac=None):
        if not bridge:
            raise NetworkError("unable to get bridge setting")
        mtu = self.read_bridge_mtu(bridge)
        if not self.exists(veth):
            try:
                check_iface_name(veth)
                args = ["link", "add", "name", veth, "mtu", mtu, "type", "veth",
                        "peer", "name", peer, "mtu", mtu]
                if mac:
                    args += ["addr", mac]
                self.host.run("ip", *args)
            except NetworkError as exc:
                raise NetworkError("can't create interface %s - %s" % (veth, exc))
        self.disable_ipv6(veth)
        self.disable_ipv6(peer)
        self.activate_interface(veth, mtu)
        self.activate_interface(peer, mtu)

    def veth_delete(self, veth):
        if self.exists(veth):
            self.iface_delete(veth)
        try:
            self.tap_unplug(veth)
        except NetworkError:
            pass

    def create_firewall_bridge(self, iface, bridge, tag=None, trunks=None,
                               no_learning=False, isolation=False):
        """tap -> fwbr <- fwln=fwpr -> *bridge* (``$create_firewall_bridge_linux``)."""
        names = firewall_names(*parse_tap_name(iface))
        mtu = self.read_bridge_mtu(bridge)
        self.cond_create_bridge(names.fwbr)
        self.activate_interface(names.fwbr, mtu)
        self.copy_bridge_config(bridge, names.fwbr)
        self.veth_create(names.fwln, names.fwpr, bridge)
        self.bridge_add_interface(bridge, names.fwpr, tag, trunks)
        if no_learning:
            self.bridge_disable_learning(names.fwpr)
        if isolation:
            self.bridge_enable_port_isolation(names.fwpr)
        self.bridge_add_interface(names.fwbr, names.fwln)
        self.bridge_add_interface(names.fwbr, iface)

    def cleanup_firewall_bridge(self, iface):
        ids = parse_tap_name(iface, noerr=True)
        if ids is None:
            return
        names = firewall_names(*ids)
        if self._ovs_available() and self.exists(names.ovsint):
            self._ovs_del_port(names.ovsint)
        self.veth_delete(names.fwln)
        if self.exists(names.fwbr):
            self.iface_delete(names.fwbr)

    # taps

    def tap_add(self, iface, multi_queue=False):
        """Create a persistent tap (QEMU creates its own; for tests and for
        starting QEMU on an existing tap)."""
        try:
            check_iface_name(iface)
        except NetworkError as exc:
            raise NetworkError("failed to create interface '%s' - %s" % (iface, exc))
        args = ["tuntap", "add", "dev", iface, "mode", "tap"]
        if multi_queue:
            args.append("multi_queue")
        try:
            self.host.run("ip", *args)
        except CommandError:
            raise NetworkError("failed to create interface '%s'" % iface)

    def tap_delete(self, iface):
        self.iface_delete(iface)

    def tap_create(self, iface, bridge):
        """Bring QEMU's tap up, promiscuous, with the bridge's MTU."""
        if not bridge:
            raise NetworkError("unable to get bridge setting")
        mtu = self.read_bridge_mtu(bridge)
        try:
            self.disable_ipv6(iface)
            self.host.run("ip", "link", "set", iface, "up", "promisc", "on",
                          "mtu", mtu)
        except NetworkError:
            raise NetworkError("interface activation failed")

    def tap_rate_limit(self, iface, rate):
        """Limit *iface* to *rate* MB/s (``rate=`` of a NIC); None removes."""
        rate = int(float(rate) * 1024 * 1024) if rate else None
        burst = 1024 * 1024
        # the removals fail when there is nothing to remove
        for args in (["class", "del", "dev", iface, "parent", "1:", "classid", "1:1"],
                     ["filter", "del", "dev", iface, "parent", "ffff:", "protocol",
                      "all", "pref", "50", "u32"],
                     ["qdisc", "del", "dev", iface, "ingress"],
                     ["qdisc", "del", "dev", iface, "root"]):
            self.host.run("tc", *args, check=False)
        if not rate:
            return
        self.host.run("tc", "qdisc", "add", "dev", iface, "root", "handle", "1:",
                      "htb", "default", "1")
        self.host.run("tc", "class", "add", "dev", iface, "parent", "1:", "classid",
                      "1:1", "htb", "rate", "%dbps" % rate, "burst", "%db" % burst)
        self.host.run("tc", "qdisc", "add", "dev", iface, "handle", "ffff:", "ingress")
        self.host.run("tc", "filter", "add", "dev", iface, "parent", "ffff:", "prio",
                      "50", "basic", "police", "rate", "%dbps" % rate, "burst",
                      "%db" % burst, "mtu", "64kb", "drop")

    def bridge_learning(self, bridge):
        """MAC learning setting of *bridge* in ``/etc/network/interfaces``."""
        try:
            with open(self._paths.join("etc/network/interfaces")) as fh:
                text = fh.read()
        except OSError:
            return True
        return interfaces_learning(text, bridge)

    def tap_plug(self, iface, bridge, tag=None, firewall=False, trunks=None,
                 rate=None, learning=None, isolation=False, mac=None):
        """Plug *iface* into *bridge* as a NIC's ``bridge``, ``tag``,
        ``firewall``, ``trunks`` and ``rate`` say.  *learning* None reads
        ``bridge-disable-mac-learning`` from ``/etc/network/interfaces``."""
        if learning is None:
            learning = self.bridge_learning(bridge)
        no_learning = not learning
        self._ovs_del_port(iface)
        if self.is_linux_bridge(bridge):
            self.cleanup_firewall_bridge(iface)  # stale devices
            if not self.is_vlan_aware(bridge):
                if trunks:
                    raise NetworkError(
                        "vlan aware feature need to be enabled to use trunks")
                newbridge = self.activate_bridge_vlan(bridge, tag)
                if newbridge != bridge:
                    self.copy_bridge_config(bridge, newbridge)
                bridge, tag = newbridge, None
            if firewall:
                self.create_firewall_bridge(iface, bridge, tag, trunks,
                                            no_learning, isolation)
            else:
                self.bridge_add_interface(bridge, iface, tag, trunks)
            if no_learning:
                self.bridge_disable_learning(iface)
                if mac is not None:
                    self.add_bridge_fdb(iface, mac)
            if isolation:
                self.bridge_enable_port_isolation(iface)
        elif self.is_ovs_bridge(bridge):
            raise NetworkError("can't add ovs port '%s' - Open vSwitch bridges are"
                               " not supported" % iface)
        else:
            raise NetworkError("bridge '%s' is neither a linux nor an OVS bridge!"
                               % bridge)
        self.tap_rate_limit(iface, rate)

    def tap_unplug(self, iface):
        """Take *iface* off its bridge and remove its firewall bridge."""
        link = self.host.link(iface)
        if link and (link.get("linkinfo") or {}).get("info_slave_kind") == "bridge":
            self.iface_set_master(iface, None)
        self.cleanup_firewall_bridge(iface)
        self._ovs_del_port(iface)


# -- module-level shortcuts --------------------------------------------------

def read_bridge_mtu(bridge, netns=None):
    return Network(netns).read_bridge_mtu(bridge)


def tap_add(iface, multi_queue=False, netns=None):
    Network(netns).tap_add(iface, multi_queue)


def tap_delete(iface, netns=None):
    Network(netns).tap_delete(iface)


def tap_create(iface, bridge, netns=None):
    Network(netns).tap_create(iface, bridge)


def tap_plug(iface, bridge, tag=None, firewall=False, trunks=None, rate=None,
             learning=None, isolation=False, mac=None, netns=None):
    Network(netns).tap_plug(iface, bridge, tag, firewall, trunks, rate,
                            learning, isolation, mac)


def tap_unplug(iface, netns=None):
    Network(netns).tap_unplug(iface)


def activate_bridge_vlan(bridge, tag, netns=None):
    return Network(netns).activate_bridge_vlan(bridge, tag)

