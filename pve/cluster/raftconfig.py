"""Raft configurations with weighted votes: ``{node: votes}``.

A node with 0 votes is a learner: it receives the log but neither votes nor
counts towards a majority.  A change moves one step at a time (see
:func:`check_step`), as the single-server changes of Ongaro's thesis §4.2.
"""


class ConfigError(ValueError):
    """A configuration change that is not one allowed step."""


def majority(config, nodes, expected=None):
    """Do *nodes* hold more than half of the votes of *config* (or of
    *expected* votes, an administrator's override: ``pvecm expected``)?"""
    total = expected or sum(config.values())
    return 2 * sum(config.get(n, 0) for n in set(nodes)) > total


def check_step(old, new):
    """Raise ConfigError unless *new* is one safe step from *old*.

    A step adds a node with 0 votes, removes a node that has 0 votes, or
    moves one node's votes by exactly one: then any majority of *old* and
    any majority of *new* share a node, the single-server argument (§4.2)
    carried over to weighted votes.  Larger changes are several steps
    (:func:`next_step`)."""
    for votes in new.values():
        if not isinstance(votes, int) or isinstance(votes, bool) \
                or votes < 0:
            raise ConfigError("votes must be integers >= 0")
    if sum(new.values()) <= 0:
        raise ConfigError("a configuration needs at least one vote")
    changed = [n for n in set(old) | set(new) if old.get(n) != new.get(n)]
    if len(changed) != 1:
        raise ConfigError("a change must touch exactly one node, not %d"
                          % len(changed))
    node = changed[0]
    if node not in old:
        if new[node] != 0:
            raise ConfigError("node %s must join with 0 votes" % node)
    elif node not in new:
        if old[node] != 0:
            raise ConfigError("node %s must have 0 votes to leave" % node)
    elif abs(new[node] - old[node]) != 1:
        raise ConfigError("votes of %s may change by one a step" % node)


def next_step(current, target):
    """The next configuration on the way from *current* to *target*, or
    None when they are equal.  Adds come first, then raised votes, lowered
    votes and removals, so a replaced node leaves after its successor
    votes."""
    for node in sorted(target):
        if node not in current:
            return dict(current, **{node: 0})
    for node in sorted(target):
        if target[node] > current[node]:
            return dict(current, **{node: current[node] + 1})
    for node in sorted(current):
        if target.get(node, 0) < current[node]:
            return dict(current, **{node: current[node] - 1})
    for node in sorted(current):
        if node not in target:
            step = dict(current)
            del step[node]
            return step
    return None
