"""Small Deferred helpers for hot paths.

The daemons' cached pmxcfs calls mostly answer with Deferreds that have
fired already; going through their callbacks costs more than the work.
"""

from twisted.internet import defer
from twisted.python.failure import Failure


def settled(d):
    """The result of *d* if it has fired with a value (taken from it),
    else *d* itself.  ``yield settled(d)`` in ``inlineCallbacks`` gives the
    same as ``yield d``, without a round through the callbacks when the
    value is there."""
    if (isinstance(d, defer.Deferred) and d.called and not d.paused
            and not d.callbacks
            and not isinstance(d.result, (Failure, defer.Deferred))):
        value, d.result = d.result, None
        return value
    return d


def gather(deferreds):
    """A Deferred firing with the results of *deferreds* in order, or
    failing with the first failure (not wrapped in ``FirstError``)."""
    values = [settled(d) for d in deferreds]
    if not any(isinstance(v, defer.Deferred) for v in values):
        return defer.succeed(values)
    d = defer.gatherResults(
        [v if isinstance(v, defer.Deferred) else defer.succeed(v)
         for v in values], consumeErrors=True)
    return d.addErrback(_first_error)


def _first_error(failure):
    failure.trap(defer.FirstError)
    return failure.value.subFailure
