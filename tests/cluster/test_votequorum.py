"""votequorum's arithmetic: expected votes, quorum, two_node, wait_for_all
and ``pvecm expected``."""

from twisted.trial import unittest

from pve.cluster import corosync, votequorum
from pve.cluster.votequorum import (ExpectedVotesError, QuorumConfig,
                                    QuorumConfigError, calculate_quorum,
                                    evaluate, is_quorate, set_expected)


def nodelist(*votes, quorum=""):
    nodes = "".join(
        " node {\n  name: n%d\n  nodeid: %d\n  quorum_votes: %d\n"
        "  ring0_addr: 10.0.0.%d\n }\n" % (i, i, v, i)
        for i, v in enumerate(votes, 1))
    return corosync.parse(
        "nodelist {\n%s}\nquorum {\n provider: corosync_votequorum\n%s}\n"
        "totem {\n config_version: 1\n}\n" % (nodes, quorum))


class ConfigTests(unittest.TestCase):
    def test_from_nodelist(self):
        config = QuorumConfig.from_conf(nodelist(1, 1, 2))
        self.assertEqual(dict(config.node_votes), {1: 1, 2: 1, 3: 2})
        self.assertEqual((config.total_votes, config.expected), (4, 4))
        self.assertEqual((config.two_node, config.waits_for_all),
                         (False, False))
        self.assertEqual(config.provider, "corosync_votequorum")

    def test_default_votes(self):
        conf = corosync.parse("nodelist {\n node {\n  name: a\n  nodeid: 7\n"
                              " }\n}\n")
        config = QuorumConfig.from_conf(conf)
        self.assertEqual(dict(config.node_votes), {7: 1})
        self.assertIsNone(config.provider)

    def test_expected_votes_configured(self):
        config = QuorumConfig.from_conf(
            nodelist(1, 1, quorum=" expected_votes: 5\n"))
        self.assertEqual((config.total_votes, config.expected), (2, 5))

    def test_two_node(self):
        config = QuorumConfig.from_conf(
            nodelist(1, 1, quorum=" two_node: 1\n"))
        self.assertTrue(config.two_node)
        self.assertTrue(config.waits_for_all)
        config = QuorumConfig.from_conf(nodelist(
            1, 1, quorum=" two_node: 1\n wait_for_all: 0\n"))
        self.assertFalse(config.waits_for_all)

    def test_unsupported_listed(self):
        config = QuorumConfig.from_conf(nodelist(
            1, 1, 1, quorum=" last_man_standing: 1\n auto_tie_breaker: 0\n"))
        self.assertEqual(config.unsupported, ("last_man_standing",))

    def test_errors(self):
        for conf, message in (
                ({}, "configuration error: nodelist or quorum.expected_votes"
                     " must be configured!"),
                (nodelist(1, 1, quorum=" two_node: 1\n device {\n"
                                       "  model: net\n }\n"),
                 "configuration error: two_node and quorum device cannot be"
                 " configured at the same time!"),
                (nodelist(1, quorum=" two_node: yes\n"),
                 "configuration error: quorum.two_node 'yes' is not a"
                 " number"),
                (nodelist(1, quorum=" expected_votes: x\n"),
                 "configuration error: quorum.expected_votes 'x' is not a"
                 " number"),
                (corosync.parse("nodelist {\n node {\n  name: a\n }\n}\n"),
                 "configuration error: node 'a' has no nodeid")):
            with self.assertRaises(QuorumConfigError) as cm:
                QuorumConfig.from_conf(conf)
            self.assertEqual(str(cm.exception), message)

    def test_expected_votes_without_nodelist(self):
        config = QuorumConfig.from_conf(corosync.parse(
            "quorum {\n expected_votes: 3\n}\n"))
        self.assertEqual(config.expected, 3)


class CalculateTests(unittest.TestCase):
    def test_majority(self):
        for expected, quorum in ((1, 1), (2, 2), (3, 2), (4, 3), (5, 3),
                                 (6, 4), (7, 4)):
            self.assertEqual(calculate_quorum(expected, 0), quorum, expected)

    def test_total_above_expected(self):
        self.assertEqual(calculate_quorum(3, 6), 4)

    def test_never_decreases(self):
        self.assertEqual(calculate_quorum(3, 1, previous=3), 3)

    def test_two_node(self):
        self.assertEqual(calculate_quorum(2, 1, True, 1), 1)
        self.assertEqual(calculate_quorum(2, 2, True, 2), 1)
        self.assertEqual(calculate_quorum(3, 3, True, 3), 2)


class EvaluateTests(unittest.TestCase):
    def test_three_nodes(self):
        config = QuorumConfig({1: 1, 2: 1, 3: 1})
        state = evaluate(config, [1])
        self.assertEqual((state.expected_votes, state.total_votes,
                          state.quorum, state.quorate), (3, 1, 2, False))
        self.assertEqual(state.flags, [])
        state = evaluate(config, [2, 1], state)
        self.assertEqual(state.members, (1, 2))
        self.assertEqual((state.total_votes, state.quorum, state.quorate),
                         (2, 2, True))
        self.assertEqual(state.flags, ["Quorate"])
        state = evaluate(config, [1, 2, 3], state)
        self.assertEqual((state.total_votes, state.quorum, state.quorate),
                         (3, 2, True))
        state = evaluate(config, [3], state)
        self.assertEqual((state.expected_votes, state.highest_expected,
                          state.total_votes, state.quorum, state.quorate),
                         (3, 3, 1, 2, False))

    def test_weighted_votes(self):
        config = QuorumConfig({1: 3, 2: 1, 3: 1})
        self.assertTrue(is_quorate(config, [1]))
        self.assertFalse(is_quorate(config, [2, 3]))
        self.assertEqual(evaluate(config, [1]).quorum, 3)

    def test_expected_rises_to_votes_present(self):
        config = QuorumConfig({1: 1, 2: 1, 3: 1}, expected_votes=2)
        state = evaluate(config, [1, 2, 3])
        self.assertEqual((state.expected_votes, state.quorum), (3, 2))

    def test_unknown_member_has_one_vote(self):
        config = QuorumConfig({1: 1, 2: 1})
        state = evaluate(config, [1, 9])
        self.assertEqual((state.total_votes, state.expected_votes,
                          state.quorum), (2, 2, 2))

    def test_two_node(self):
        config = QuorumConfig({1: 1, 2: 1}, two_node=True)
        # a lone node after start waits for its peer
        state = evaluate(config, [1])
        self.assertEqual((state.quorum, state.quorate, state.waiting_for_all),
                         (1, False, True))
        self.assertEqual(state.flags, ["2Node", "WaitForAll"])
        state = evaluate(config, [1, 2], state)
        self.assertEqual((state.quorum, state.quorate, state.waiting_for_all),
                         (1, True, False))
        self.assertEqual(state.flags, ["2Node", "Quorate", "WaitForAll"])
        # then either node alone keeps quorum
        state = evaluate(config, [2], state)
        self.assertEqual((state.quorum, state.total_votes, state.quorate),
                         (1, 1, True))
        self.assertTrue(is_quorate(config, [1]))

    def test_two_node_without_wait_for_all(self):
        config = QuorumConfig({1: 1, 2: 1}, two_node=True, wait_for_all=False)
        state = evaluate(config, [1])
        self.assertTrue(state.quorate)
        self.assertEqual(state.flags, ["2Node", "Quorate"])

    def test_two_nodes_without_two_node(self):
        config = QuorumConfig({1: 1, 2: 1})
        self.assertTrue(is_quorate(config, [1, 2]))
        self.assertFalse(is_quorate(config, [1]))

    def test_wait_for_all(self):
        config = QuorumConfig({1: 1, 2: 1, 3: 1}, wait_for_all=True)
        state = evaluate(config, [1, 2])
        self.assertFalse(state.quorate)
        self.assertTrue(state.waiting_for_all)
        state = evaluate(config, [1, 2, 3], state)
        self.assertTrue(state.quorate)
        state = evaluate(config, [1, 2], state)
        self.assertTrue(state.quorate)
        state = evaluate(config, [1], state)
        self.assertFalse(state.quorate)
        self.assertTrue(state.waiting_for_all)
        # quorum lost: waits for all again
        state = evaluate(config, [1, 2], state)
        self.assertFalse(state.quorate)
        self.assertTrue(is_quorate(config, [1, 2]))

    def test_reload_after_node_removed(self):
        config = QuorumConfig({1: 1, 2: 1, 3: 1, 4: 1})
        state = evaluate(config, [1, 2])
        self.assertEqual((state.quorum, state.quorate), (3, False))
        smaller = QuorumConfig({1: 1, 2: 1, 3: 1})
        state = votequorum.with_config(state, smaller)
        self.assertEqual((state.expected_votes, state.quorum, state.quorate),
                         (3, 2, True))
        # an unchanged config keeps quorum where it is
        same = votequorum.with_config(state, smaller)
        self.assertEqual(same, state)


class ExpectedTests(unittest.TestCase):
    def setUp(self):
        self.config = QuorumConfig({1: 1, 2: 1, 3: 1})

    def test_lower_to_regain_quorum(self):
        state = evaluate(self.config, [1])
        self.assertFalse(state.quorate)
        state = set_expected(state, 1)
        self.assertEqual((state.expected_votes, state.highest_expected,
                          state.quorum, state.quorate), (1, 1, 1, True))
        # nodes coming back raise expected votes and quorum again
        state = evaluate(self.config, [1, 2], state)
        self.assertEqual((state.expected_votes, state.quorum, state.quorate),
                         (2, 2, True))
        state = evaluate(self.config, [1, 2, 3], state)
        self.assertEqual((state.expected_votes, state.quorum), (3, 2))

    def test_not_below_votes_present(self):
        state = evaluate(self.config, [1, 2, 3])
        with self.assertRaises(ExpectedVotesError) as cm:
            set_expected(state, 2)
        self.assertEqual(str(cm.exception),
                         "Unable to set expected votes: CS_ERR_INVALID_PARAM")
        self.assertEqual(set_expected(state, 3), state)

    def test_higher_only_while_quorum_holds(self):
        state = evaluate(self.config, [1, 2, 3])
        raised = set_expected(state, 5)
        self.assertEqual((raised.expected_votes, raised.quorum,
                          raised.quorate), (5, 3, True))
        self.assertRaises(ExpectedVotesError, set_expected, state, 6)
        # without quorum there is nothing to lose
        lone = set_expected(evaluate(self.config, [1]), 9)
        self.assertEqual((lone.quorum, lone.quorate), (5, False))

    def test_invalid_values(self):
        state = evaluate(self.config, [1])
        for value in (0, -1, "1", True, None):
            with self.assertRaises(ExpectedVotesError) as cm:
                set_expected(state, value)
            self.assertEqual(str(cm.exception), "New expected votes value was"
                             " not valid, try a positive number")

    def test_two_node_start_alone(self):
        config = QuorumConfig({1: 1, 2: 1}, two_node=True)
        state = evaluate(config, [1])
        self.assertFalse(state.quorate)
        state = set_expected(state, 1)
        self.assertEqual((state.quorum, state.quorate, state.waiting_for_all),
                         (1, True, False))
