"""The text of ``pvecm status`` and ``pvecm nodes``.

Proxmox's ``pvecm status`` prints a "Cluster information" block from the
``totem`` section of ``corosync.conf`` and then runs ``corosync-quorumtool
-siH`` (node ids in hex, members by IP address); ``pvecm nodes`` runs
``corosync-quorumtool -l`` (decimal ids, members by nodelist name).  This
module writes the same text from plain data, so nothing here talks to a
cluster.  Members are listed by node id, as corosync's membership is.

Quorum devices (the Qdevice column) are not part of our clusters.
"""

import time
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from pve.cluster import corosync

VOTEQUORUM = "corosync_votequorum"
EXIT_NOT_QUORATE = 2  # corosync-quorumtool -s, and so pvecm status


@dataclass
class Member:
    """A node in our membership: its id, votes, nodelist name and the
    address of its first link."""

    nodeid: int
    votes: int = 1
    name: Optional[str] = None
    address: Optional[str] = None


@dataclass
class Status:
    """What ``pvecm status`` shows.

    *totem* is corosync.conf's totem section (``{}``: no Cluster
    information block); *nodeid* is the local node; *ring_id* is
    ``(representative nodeid, sequence)``; *date* is seconds since the
    epoch.  *quorum_provider* None prints "Not configured"; without
    votequorum neither votes nor members are shown, as corosync-quorumtool.
    """

    nodeid: int
    quorate: bool
    members: List[Member]
    ring_id: Tuple[int, int] = (0, 0)
    date: float = 0.0
    totem: dict = field(default_factory=dict)
    quorum_provider: Optional[str] = VOTEQUORUM
    expected_votes: int = 0
    highest_expected: int = 0
    total_votes: int = 0
    quorum: int = 0
    flags: List[str] = field(default_factory=list)


def _member(m):
    return m if isinstance(m, Member) else Member(**m)


def _padded(text):
    """corosync-quorumtool's column: right aligned in 10, then a space."""
    return "%10s " % (text,)


def cluster_information(totem):
    """Proxmox's own block, from the totem section; empty without one."""
    if not totem:
        return ""
    lines = ["Cluster information", "-------------------"]
    for label, key, default in (("Name", "cluster_name", "UNKOWN?"),
                                ("Config Version", "config_version", -1),
                                ("Transport", "transport", "knet"),
                                ("Secure auth", "secauth", "off")):
        value = totem.get(key)
        lines.append("%-17s %s" % (label + ":", default if value is None
                                   else value))
    return "\n".join(lines) + "\n\n"


def membership(members, local_nodeid, votequorum=True, hex_ids=False,
               by_address=False):
    """corosync-quorumtool's "Membership information" (with its leading
    blank line): ids in hex with *hex_ids*, addresses instead of names
    with *by_address*, ``(local)`` after this node."""
    members = sorted((_member(m) for m in members), key=lambda m: m.nodeid)
    out = ["\nMembership information\n", "----------------------\n",
           _padded("Nodeid")]
    if votequorum:
        out.append(_padded("Votes"))
    out.append("Name\n")
    for m in members:
        out.append("0x%08x " % m.nodeid if hex_ids else _padded(m.nodeid))
        if votequorum:
            out.append(_padded(m.votes))
        if by_address:
            name = m.address or ""
        else:
            name = m.name or m.address or ""
        out.append(name)
        if m.nodeid == local_nodeid:
            out.append(" (local)")
        out.append("\n")
    return "".join(out)


def format_nodes(members, local_nodeid, votequorum=True):
    """The output of ``pvecm nodes``."""
    return membership(members, local_nodeid, votequorum)


def format_status(status, localtime=time.localtime):
    """The output of ``pvecm status`` for *status* (a :class:`Status`).

    *localtime* turns ``status.date`` into the local time shown.
    """
    votequorum = status.quorum_provider == VOTEQUORUM
    members = [_member(m) for m in status.members]
    out = [cluster_information(status.totem)]
    out.append("Quorum information\n------------------\n")
    out.append("Date:             %s\n" % time.asctime(localtime(status.date)))
    out.append("Quorum provider:  %s\n" % (status.quorum_provider
                                           or "Not configured"))
    out.append("Nodes:            %d\n" % len(members))
    out.append("Node ID:          0x%08x\n" % status.nodeid)
    rep, seq = status.ring_id
    if votequorum:
        out.append("Ring ID:          %x.%x\n" % (rep, seq))
    else:
        out.append("Ring ID:          %x\n" % seq)
    out.append("Quorate:          %s\n" % ("Yes" if status.quorate else "No"))
    if not votequorum:
        return "".join(out)
    out.append("\nVotequorum information\n----------------------\n")
    out.append("Expected votes:   %d\n" % status.expected_votes)
    out.append("Highest expected: %d\n" % status.highest_expected)
    out.append("Total votes:      %d\n" % status.total_votes)
    out.append("Quorum:           %d %s\n" % (
        status.quorum, " " if status.quorate
        else "Activity blocked"))
    out.append("Flags:            %s\n" % "".join(f + " "
                                                  for f in status.flags))
    out.append(membership(members, status.nodeid, True, hex_ids=True,
                          by_address=True))
    return "".join(out)


def status_exit_code(status):
    """``pvecm status`` exits 2 without quorum, as corosync-quorumtool."""
    return 0 if status.quorate else EXIT_NOT_QUORATE


def members_from(conf, nodeids):
    """:class:`Member` values for *nodeids* from a parsed corosync.conf
    (votes, name, first link address); ids it lacks get 1 vote."""
    known = {n.nodeid: n for n in corosync.nodes(conf)}
    result = []
    for nodeid in sorted(nodeids):
        node = known.get(nodeid)
        if node is None:
            result.append(Member(nodeid=nodeid))
        else:
            result.append(Member(nodeid=nodeid, votes=node.votes,
                                 name=node.name, address=node.address))
    return result


def status_from(conf, state, nodeid, ring_id=(0, 0), date=0.0):
    """A :class:`Status` from a parsed corosync.conf and a
    :class:`pve.cluster.votequorum.QuorumState` seen from node *nodeid*."""
    quorum = conf.get("quorum")
    provider = quorum.get("provider") if isinstance(quorum, dict) else None
    return Status(
        nodeid=nodeid, quorate=state.quorate,
        members=members_from(conf, state.members), ring_id=ring_id,
        date=date, totem=dict(corosync.totem(conf)), quorum_provider=provider,
        expected_votes=state.expected_votes,
        highest_expected=state.highest_expected,
        total_votes=state.total_votes, quorum=state.quorum,
        flags=list(state.flags))
