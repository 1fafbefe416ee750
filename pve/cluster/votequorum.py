"""Quorum arithmetic as corosync's votequorum does it.

Each node of the nodelist has votes (``quorum_votes``, default 1).  The
expected votes are ``quorum.expected_votes`` if set, else the sum of the
nodelist's votes, and never less than the votes present.  Quorum is
``max(expected // 2 + 1, total // 2 + 1)`` and does not drop when nodes
leave; a partition is quorate when its votes reach quorum.

``two_node: 1`` makes quorum 1 while at most two nodes are members, so
one node of two stays quorate.  It turns on ``wait_for_all`` unless that
is set: after a start (or a loss of quorum) the partition is quorate only
once all expected votes have been present together.

``pvecm expected N`` (``corosync-quorumtool -e``) lowers or raises the
expected votes at runtime: never below the votes present, and a quorate
partition may not make itself inquorate.

Pure functions over immutable values; :class:`QuorumState` carries what
votequorum remembers between membership changes.  Not modelled: quorum
devices, ``last_man_standing``, ``auto_tie_breaker``, ``allow_downscale``
and ``expected_votes_tracking`` (listed in :attr:`QuorumConfig.unsupported`).
"""

from dataclasses import dataclass, field, replace
from typing import Mapping, Optional, Tuple

from pve.cluster import corosync

UNSUPPORTED = ("last_man_standing", "auto_tie_breaker", "allow_downscale",
               "expected_votes_tracking", "device")


class QuorumConfigError(ValueError):
    """A quorum configuration corosync refuses to start with."""


class ExpectedVotesError(ValueError):
    """``pvecm expected N`` refused, with corosync-quorumtool's message."""


def _flag(value, key):
    if value is None:
        return None
    if not str(value).isdigit():
        raise QuorumConfigError("configuration error: quorum.%s '%s' is not a"
                                " number" % (key, value))
    return int(value) != 0


@dataclass(frozen=True)
class QuorumConfig:
    """What votequorum reads from ``corosync.conf``.

    *node_votes* maps nodeid to votes; *expected_votes* is
    ``quorum.expected_votes`` (None: the sum of the nodelist's votes);
    *wait_for_all* None follows *two_node*.
    """

    node_votes: Mapping[int, int]
    expected_votes: Optional[int] = None
    two_node: bool = False
    wait_for_all: Optional[bool] = None
    provider: Optional[str] = "corosync_votequorum"
    unsupported: Tuple[str, ...] = ()

    @classmethod
    def from_conf(cls, conf):
        """The quorum settings of a parsed ``corosync.conf``."""
        quorum = conf.get("quorum")
        quorum = quorum if isinstance(quorum, dict) else {}
        votes = {}
        for node in corosync.nodes(conf):
            if node.nodeid is None:
                raise QuorumConfigError(
                    "configuration error: node '%s' has no nodeid" % node.name)
            votes[node.nodeid] = node.votes
        expected = quorum.get("expected_votes")
        if expected is not None:
            if not str(expected).isdigit():
                raise QuorumConfigError(
                    "configuration error: quorum.expected_votes '%s' is not a"
                    " number" % expected)
            expected = int(expected) or None
        if not votes and not expected:
            raise QuorumConfigError(
                "configuration error: nodelist or quorum.expected_votes must"
                " be configured!")
        two_node = bool(_flag(quorum.get("two_node"), "two_node"))
        if two_node and "device" in quorum:
            raise QuorumConfigError(
                "configuration error: two_node and quorum device cannot be"
                " configured at the same time!")
        unsupported = tuple(k for k in UNSUPPORTED
                            if k in quorum and quorum[k] not in ("0",))
        return cls(node_votes=votes, expected_votes=expected,
                   two_node=two_node,
                   wait_for_all=_flag(quorum.get("wait_for_all"),
                                      "wait_for_all"),
                   provider=quorum.get("provider"), unsupported=unsupported)

    @property
    def total_votes(self):
        """The votes of the whole nodelist."""
        return sum(self.node_votes.values())

    @property
    def expected(self):
        """Expected votes at start: configured, else the nodelist's sum."""
        return self.expected_votes or self.total_votes

    @property
    def waits_for_all(self):
        """Whether ``wait_for_all`` is on (set, or following two_node)."""
        if self.wait_for_all is None:
            return self.two_node
        return self.wait_for_all

    def votes_of(self, nodeid):
        """A node's votes; a node missing from the nodelist has 1."""
        return self.node_votes.get(nodeid, 1)


def calculate_quorum(expected, total_votes, two_node=False, members=0,
                     previous=None):
    """Quorum for *expected* votes with *total_votes* present.

    ``max(expected // 2 + 1, total_votes // 2 + 1)``; with *previous* (the
    quorum so far) it does not decrease.  In two_node mode with at most
    two *members* it is 1.
    """
    quorum = max((expected + 2) // 2, (total_votes + 2) // 2)
    if previous is not None:
        quorum = max(previous, quorum)
    if two_node and members <= 2:
        quorum = 1
    return quorum


@dataclass(frozen=True)
class QuorumState:
    """votequorum's view in one partition (what ``corosync-quorumtool -s``
    shows): the members, their votes, the expected votes, quorum, whether
    it is quorate, and whether it is still waiting for all nodes."""

    config: QuorumConfig
    members: Tuple[int, ...]
    expected_votes: int
    highest_expected: int
    total_votes: int
    quorum: int
    quorate: bool
    waiting_for_all: bool = field(default=False)

    @property
    def flags(self):
        """votequorum's flag names in corosync-quorumtool's order."""
        names = []
        if self.config.two_node:
            names.append("2Node")
        if self.quorate:
            names.append("Quorate")
        if self.config.waits_for_all:
            names.append("WaitForAll")
        return names


def _settle(config, members, expected, quorum, waiting):
    """votequorum's ``are_we_quorate`` for the given numbers."""
    total = sum(config.votes_of(n) for n in members)
    wfa = config.waits_for_all
    if wfa and waiting and total != expected:
        quorate = False
    else:
        quorate = quorum <= total
        if wfa:
            waiting = not quorate
    return QuorumState(config=config, members=members,
                       expected_votes=expected, highest_expected=expected,
                       total_votes=total, quorum=quorum, quorate=quorate,
                       waiting_for_all=bool(wfa and waiting))


def evaluate(config, members, previous=None, allow_decrease=False):
    """The state after a membership change to *members* (nodeids).

    Without *previous* it is a fresh start: the configured expected votes,
    and waiting for all nodes if ``wait_for_all`` is on.  With it, expected
    votes set at runtime stay, and quorum does not decrease unless
    *allow_decrease*.  Expected votes rise to the votes present.
    """
    members = tuple(sorted(set(members)))
    total = sum(config.votes_of(n) for n in members)
    if previous is None:
        expected, prev_quorum = config.expected, None
        waiting = config.waits_for_all
    else:
        expected = previous.expected_votes
        prev_quorum = None if allow_decrease else previous.quorum
        waiting = previous.waiting_for_all
    expected = max(expected, total)
    quorum = calculate_quorum(expected, total, config.two_node, len(members),
                              prev_quorum)
    return _settle(config, members, expected, quorum, waiting)


def is_quorate(config, members):
    """Whether *members* hold quorum in a settled cluster (not waiting for
    all nodes after a start)."""
    state = evaluate(config, members)
    if state.waiting_for_all:
        state = _settle(config, state.members, state.expected_votes,
                        state.quorum, False)
    return state.quorate


def set_expected(state, expected):
    """The state after ``pvecm expected EXPECTED``.

    Refused (:class:`ExpectedVotesError`) below 1, below the votes present,
    or when a quorate partition would lose quorum; otherwise quorum is
    computed anew from *expected* and may decrease.
    """
    if isinstance(expected, bool) or not isinstance(expected, int) or \
            expected < 1:
        raise ExpectedVotesError("New expected votes value was not valid,"
                                 " try a positive number")
    config = state.config
    total = state.total_votes
    quorum = calculate_quorum(expected, total, config.two_node,
                              len(state.members))
    if expected < total or (state.quorate and quorum > total):
        raise ExpectedVotesError(
            "Unable to set expected votes: CS_ERR_INVALID_PARAM")
    return _settle(config, state.members, expected, quorum,
                   state.waiting_for_all)


def with_config(state, config):
    """The state after corosync reloads its config (``corosync-cfgtool
    -R``): the expected votes and votes of the new config; quorum may
    decrease when they changed (a node removed from the nodelist)."""
    changed = config.expected != state.config.expected or any(
        config.votes_of(n) != state.config.votes_of(n) for n in state.members)
    fresh = replace(state, config=config, expected_votes=config.expected)
    return evaluate(config, state.members, fresh, allow_decrease=changed)
