"""A pmxcfs client that remembers files the daemons read on every request.

pveproxy and pvedaemon look at ``user.cfg``, the auth keys and the CSRF key
for each API call.  :class:`CachedClient` wraps an ``ICfsClient``: the
files named in *paths* are read once and parsed once per parser.  As
Proxmox's daemons do with ``cfs_update``, each request starts with
:meth:`refresh`, one call (``versions``) for the versions of those files:
a file whose version changed since is dropped, the others are kept (writes
to other files and cfs lock churn cost nothing).  With a *counter* (a
:class:`pve.cluster.treeversion.Reader`), a refresh that finds the tree
version unchanged since the last call costs no call at all, and the VM
list and the members are kept while it stays the same.  Writes made
through the wrapper drop what they touch at once, and taking a cfs lock
refreshes (as Proxmox's ``cfs_lock`` calls ``cfs_update``), so
read-modify-write under a lock never starts from a stale copy.  Every
other call goes straight through.

Parsed values are shared by every request until the file changes: callers
must not modify them (parse the raw bytes again to get a private copy).

:func:`read_parsed` does the same for any client, caching or not, so
code shared with the CLIs and tests works with a plain ``ICfsClient``.
"""

import errno

from twisted.internet import defer
from twisted.python.failure import Failure

MISSING = object()


def _enoent(failure):
    """The OSError of *failure* (unwrapping ``FirstError``) if it is
    ENOENT, else None."""
    value = failure.value
    if isinstance(value, defer.FirstError):
        value = value.subFailure.value
    if isinstance(value, OSError) and value.errno == errno.ENOENT:
        return value
    return None


class CachedClient:
    def __init__(self, client, paths, counter=None):
        self.client = client
        self.counter = counter
        self._seen = None       # the counter's pair at the last call
        self.paths = frozenset(paths)
        self._order = sorted(self.paths)
        self._versions = {}     # path -> its version at the last refresh
        # bumped by every drop of a path: late loads of it are not kept
        self._generations = dict.fromkeys(self.paths, 0)
        self._raw = {}          # path -> (data or MISSING, mtime)
        self._parsed = {}       # (path, parser) -> value
        self._previous = {}     # (path, parser) -> ((data, mtime), value)
        self._next = []         # refreshes waiting for the next call
        self._in_flight = False
        self._kept = {}         # method name -> (counter value, answer)

    def __getattr__(self, name):
        return getattr(self.client, name)

    def _drop(self, path):
        self._generations[path] += 1
        raw = self._raw.pop(path, None)
        for key in [k for k in self._parsed if k[0] == path]:
            value = self._parsed.pop(key)
            if raw is not None:
                # kept aside: if the file is read back with the same
                # contents and mtime, it is not parsed again
                self._previous[key] = (raw, value)

    def clear(self):
        """Drop everything; the next :meth:`refresh` drops again."""
        for path in self._order:
            self._drop(path)
        self._versions = {}
        self._seen = None

    def refresh(self):
        """Drop the files whose version changed since the last refresh:
        one ``versions`` call to pmxcfs.

        Calls coalesce: while one ``versions`` call is on its way, the
        refreshes asked meanwhile wait for the next, sent when it answers,
        and share it.  So each refresh still sees every change made before
        it was asked (its answer was asked for later), and a busy daemon
        makes one call per round trip, not one per request."""
        if (self.counter is not None and not self._in_flight
                and self._seen is not None
                and self.counter.read() == self._seen):
            return defer.succeed(None)
        d = defer.Deferred()
        self._next.append(d)
        if not self._in_flight:
            self._send()
        return d

    def _send(self):
        waiting, self._next = self._next, []
        self._in_flight = True
        # read before asking: a change after it shows in the next read
        seen = self.counter.read() if self.counter is not None else None
        self._seen = None

        def answered(result):
            self._in_flight = False
            if not isinstance(result, Failure):
                try:
                    self._compare(result)
                    self._seen = seen
                except Exception:
                    result = Failure()
            for d in waiting:
                if isinstance(result, Failure):
                    d.errback(result)
                else:
                    d.callback(None)
            if self._next and not self._in_flight:
                self._send()
        try:
            d = self.client.versions(self._order)
        except Exception:
            d = defer.fail()
        d.addBoth(answered)

    def _compare(self, versions):
        known = self._versions
        for path in self._order:
            version = versions.get(path)
            if path not in known or known[path] != version:
                self._drop(path)
                known[path] = version
        return None

    def _forget(self, *paths):
        for path in paths:
            if path in self.paths:
                self._drop(path)

    def cached_parsed(self, path, parser, default=None):
        """The parsed value of *path* if it is cached, else *default*
        (synchronous: lets callers skip Deferreds on a hit)."""
        return self._parsed.get((path, parser), default)

    def _load(self, path):
        cached = self._raw.get(path)
        if cached is not None:
            return defer.succeed(cached)
        generation = self._generations[path]
        # both asked at once: one round trip
        d = defer.gatherResults([self.client.read(path),
                                 self.client.stat(path)],
                                consumeErrors=True)

        def loaded(result):
            data, st = result
            return (data, st.mtime)

        def failed(failure):
            if _enoent(failure) is None:
                if isinstance(failure.value, defer.FirstError):
                    return failure.value.subFailure
                return failure
            return (MISSING, None)

        def keep(item):
            if generation == self._generations[path]:
                # nothing was dropped while we read: what we read is current
                self._raw[path] = item
            return item
        return d.addCallbacks(loaded, failed).addCallback(keep)

    def read(self, path):
        if path not in self.paths:
            return self.client.read(path)

        def data(item):
            if item[0] is MISSING:
                raise OSError(errno.ENOENT, "No such file or directory", path)
            return item[0]
        return self._load(path).addCallback(data)

    def read_parsed(self, path, parser):
        """``parser(data_or_None, mtime)``, computed once per content."""
        if path not in self.paths:
            return _read_parsed(self.client, path, parser)
        key = (path, parser)
        try:
            return defer.succeed(self._parsed[key])
        except KeyError:
            pass
        generation = self._generations[path]

        def parse(item):
            data, mtime = item
            previous = self._previous.get(key)
            if previous is not None and previous[0] == item:
                value = previous[1]
            else:
                value = parser(None if data is MISSING else data, mtime)
            if generation == self._generations[path]:
                self._parsed[key] = value
                self._previous.pop(key, None)
            return value
        return self._load(path).addCallback(parse)

    def _kept_call(self, name):
        """``client.<name>()``, answered again while the counter is the
        same (the answer is shared: callers must not modify it)."""
        now = self.counter.read() if self.counter is not None else None
        if now is None:
            return getattr(self.client, name)()
        kept = self._kept.get(name)
        if kept is not None and kept[0] == now:
            return defer.succeed(kept[1])

        def keep(answer):
            # *now* was read before asking: a later change shows as a
            # different value next time
            self._kept[name] = (now, answer)
            return answer
        return getattr(self.client, name)().addCallback(keep)

    def vmlist(self):
        return self._kept_call("vmlist")

    def members(self):
        return self._kept_call("members")

    # writes through the wrapper drop what they touch, before and after
    def _changing(self, d, *paths):
        self._forget(*paths)

        def done(result):
            self._forget(*paths)
            return result
        return d.addBoth(done)

    def write(self, path, data):
        return self._changing(self.client.write(path, data), path)

    def delete(self, path, kind=None):
        return self._changing(self.client.delete(path, kind=kind), path)

    def rename(self, src, dst):
        return self._changing(self.client.rename(src, dst), src, dst)

    @defer.inlineCallbacks
    def lock(self, name, timeout=10):
        """The cfs lock, then a :meth:`refresh`: what is read while
        holding it is what pmxcfs has now."""
        yield self.client.lock(name, timeout)
        try:
            yield self.refresh()
        except BaseException:
            self.clear()
        return None


@defer.inlineCallbacks
def _read_parsed(client, path, parser):
    try:
        data = yield client.read(path)
        st = yield client.stat(path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise
        return parser(None, None)
    return parser(data, st.mtime)


def read_parsed(client, path, parser):
    """``parser(data_or_None, mtime)`` of *path* (``None, None`` if it is
    missing); cached when *client* is a :class:`CachedClient`.  Other
    errors fail the Deferred.  *parser* must be one long-lived function
    (it is the cache key) and pure."""
    method = getattr(client, "read_parsed", None)
    if method is not None:
        return method(path, parser)
    return _read_parsed(client, path, parser)
