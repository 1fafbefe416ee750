"""A pmxcfs client that remembers files the daemons read on every request.

pveproxy and pvedaemon look at ``user.cfg``, the auth keys and the CSRF key
for each API call.  :class:`CachedClient` wraps an ``ICfsClient``: the
files named in *paths* are read once and parsed once per parser.  As
Proxmox's daemons do with ``cfs_update``, each request starts with
:meth:`refresh`, one call for pmxcfs's version: if anything changed since,
the cache is dropped.  Writes made through the wrapper drop what they
touch at once, and taking a cfs lock refreshes (as Proxmox's ``cfs_lock``
calls ``cfs_update``), so read-modify-write under a lock never starts from
a stale copy.  Every other call goes straight through.

Parsed values are shared by every request until the file changes: callers
must not modify them (parse the raw bytes again to get a private copy).

:func:`read_parsed` does the same for any client, caching or not, so
code shared with the CLIs and tests works with a plain ``ICfsClient``.
"""

import errno

from twisted.internet import defer

MISSING = object()


class CachedClient:
    def __init__(self, client, paths):
        self.client = client
        self.paths = frozenset(paths)
        self._version = None
        self._generation = 0    # bumped by every drop: late loads are not kept
        self._raw = {}          # path -> (data or MISSING, mtime)
        self._parsed = {}       # (path, parser) -> value
        self._previous = {}     # (path, parser) -> ((data, mtime), value)

    def __getattr__(self, name):
        return getattr(self.client, name)

    def clear(self):
        self._generation += 1
        # a parsed value is kept aside: if its file is read back with the
        # same contents and mtime, it is not parsed again
        self._previous = {key: (self._raw[key[0]], value)
                          for key, value in self._parsed.items()
                          if key[0] in self._raw}
        self._raw.clear()
        self._parsed.clear()

    @defer.inlineCallbacks
    def refresh(self):
        """Drop the cache if pmxcfs changed since the last refresh."""
        version = yield self.client.version()
        if version != self._version:
            self.clear()
            self._version = version

    def _forget(self, *paths):
        for path in paths:
            if path in self.paths:
                self._generation += 1
                self._raw.pop(path, None)
                for key in [k for k in self._parsed if k[0] == path]:
                    del self._parsed[key]

    @defer.inlineCallbacks
    def _load(self, path):
        cached = self._raw.get(path)
        if cached is not None:
            return cached
        generation = self._generation
        try:
            data = yield self.client.read(path)
            st = yield self.client.stat(path)
            item = (data, st.mtime)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise
            item = (MISSING, None)
        if generation == self._generation:
            # nothing was dropped while we read: what we read is current
            self._raw[path] = item
        return item

    @defer.inlineCallbacks
    def read(self, path):
        if path not in self.paths:
            result = yield self.client.read(path)
            return result
        data, _mtime = yield self._load(path)
        if data is MISSING:
            raise OSError(errno.ENOENT, "No such file or directory", path)
        return data

    @defer.inlineCallbacks
    def read_parsed(self, path, parser):
        """``parser(data_or_None, mtime)``, computed once per content."""
        if path not in self.paths:
            value = yield _read_parsed(self.client, path, parser)
            return value
        key = (path, parser)
        if key in self._parsed:
            return self._parsed[key]
        generation = self._generation
        data, mtime = yield self._load(path)
        previous = self._previous.get(key)
        if previous is not None and previous[0] == (data, mtime):
            value = previous[1]
        else:
            value = parser(None if data is MISSING else data, mtime)
        if generation == self._generation:
            self._parsed[key] = value
        return value

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
