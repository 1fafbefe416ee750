"""Waiting for a condition in tests: poll with a bounded count, no sleeps."""

from twisted.internet import defer, task


class PollTimeout(AssertionError):
    """The condition did not hold in time."""


@defer.inlineCallbacks
def poll(condition, what, attempts=200, interval=0.1, clock=None):
    """Call *condition* (may return a Deferred) until it returns a truthy
    value, which the result fires with; fail with :class:`PollTimeout`
    after *attempts* tries *interval* seconds apart."""
    if clock is None:
        from twisted.internet import reactor as clock
    for attempt in range(attempts):
        result = yield defer.maybeDeferred(condition)
        if result:
            return result
        yield task.deferLater(clock, interval, lambda: None)
    raise PollTimeout("gave up after %.1f s waiting for %s"
                      % (attempts * interval, what))
