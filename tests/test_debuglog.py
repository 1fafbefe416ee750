"""Debug messages follow the switch; other levels always pass."""

from twisted.logger import LogLevel
from twisted.trial import unittest

from pve import debuglog


class DebugLoggerTests(unittest.TestCase):
    def test_switch(self):
        self.addCleanup(debuglog.set_enabled, debuglog.enabled())
        events = []
        log = debuglog.Logger(namespace="t", observer=events.append)
        debuglog.set_enabled(False)
        log.debug("hidden")
        log.info("shown")
        debuglog.set_enabled(True)
        log.debug("now {x}", x=1)
        self.assertEqual([(e["log_level"], e["log_format"]) for e in events],
                         [(LogLevel.info, "shown"),
                          (LogLevel.debug, "now {x}")])
