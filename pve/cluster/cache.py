"""A pmxcfs client that remembers files the daemons read on every request.

pveproxy and pvedaemon look at ``user.cfg``, the auth keys and the CSRF key
for each API call.  :class:`CachedClient` wraps an ``ICfsClient``: the
files named in *paths* are read once and parsed once per parser.  As
Proxmox's daemons do with ``cfs_update``, each request starts with
:meth:`refresh`, one call for pmxcfs's version: if anything changed since,
the cache is dropped.  Writes made through the wrapper drop what they
touch at once.  Every other call goes straight through.
"""

import errno

from twisted.internet import defer

MISSING = object()


class CachedClient:
    def __init__(self, client, paths):
        self.client = client
        self.paths = frozenset(paths)
        self._version = None
        self._raw = {}          # path -> (data or MISSING, mtime)
        self._parsed = {}       # (path, parser) -> value

    def __getattr__(self, name):
        return getattr(self.client, name)

    def clear(self):
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
                self._raw.pop(path, None)
                for key in [k for k in self._parsed if k[0] == path]:
                    del self._parsed[key]

    @defer.inlineCallbacks
    def _load(self, path):
        cached = self._raw.get(path)
        if cached is not None:
            return cached
        try:
            data = yield self.client.read(path)
            st = yield self.client.stat(path)
            item = (data, st.mtime)
        except OSError as e:
            if e.errno != errno.ENOENT:
                raise
            item = (MISSING, None)
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
        key = (path, parser)
        if key in self._parsed:
            return self._parsed[key]
        data, mtime = yield self._load(path)
        value = parser(None if data is MISSING else data, mtime)
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
