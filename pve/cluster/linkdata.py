"""Plain data over Perspective Broker, for the cluster link.

A message is None, bool, int (within 64 bits), str, bytes, a list of
messages or a dict keyed by str, bytes or int: :func:`check_plain` says so
before a message is sent and after it arrives.  :data:`SECURITY` is the
jelly taster both ends' brokers use: it admits those types, PB's own
references (login needs them) and the failure a refused call answers with,
and no other class, whatever other code has registered with jelly (jelly's
default options admit any registered class and ask nothing about dotted
names).  Banana refuses a string or list over 640 KiB and drops the
connection: :func:`check_plain` refuses them first, the caller chunks.
"""

from twisted.python.reflect import qual
from twisted.spread import banana, jelly, pb

MAX_STRING = banana.SIZE_LIMIT
MAX_INT = 2 ** 64


def check_plain(data):
    """Raise TypeError unless *data* is plain (None, bool, int, str,
    bytes, lists, dicts keyed by str/bytes/int, no cycles), ValueError if
    a part is too big for PB (ints beyond 64 bits, strings or lists over
    :data:`MAX_STRING`)."""
    _check(data, set())


def _check(value, path):
    kind = type(value)
    if value is None or kind is bool:
        return
    if kind is int:
        if not -MAX_INT < value < MAX_INT:
            raise ValueError("integer out of range: %d" % value)
    elif kind is bytes or kind is str:
        size = len(value) if kind is bytes else len(value.encode("utf-8"))
        if size > MAX_STRING:
            raise ValueError("string of %d bytes, at most %d can be sent"
                             % (size, MAX_STRING))
    elif kind is list or kind is dict:
        if id(value) in path:
            raise TypeError("not plain data: a cycle")
        if len(value) >= MAX_STRING:     # jelly adds the type atom
            raise ValueError("%s of %d items, at most %d can be sent"
                             % (kind.__name__, len(value), MAX_STRING - 1))
        path.add(id(value))
        if kind is dict:
            for key, item in value.items():
                if type(key) not in (str, bytes, int):
                    raise TypeError("not plain data: a %s key"
                                    % type(key).__name__)
                _check(key, path)
                _check(item, path)
        else:
            for item in value:
                _check(item, path)
        path.discard(id(value))
    else:
        raise TypeError("not plain data: %s" % kind.__name__)


# bytes longer than this travel as {0: [chunk, ...]} (see split_bytes)
CHUNK = 256 * 1024


def split_bytes(data):
    """*data* with every bytes value over :data:`CHUNK` replaced by
    ``{0: [chunks]}`` (no message of ours has int keys), so files up to
    pmxcfs's 1 MiB pass Banana's string limit; :func:`join_bytes` undoes
    it."""
    kind = type(data)
    if kind is bytes and len(data) > CHUNK:
        return {0: [data[i:i + CHUNK] for i in range(0, len(data), CHUNK)]}
    if kind is list:
        return [split_bytes(v) for v in data]
    if kind is dict:
        return {k: split_bytes(v) for k, v in data.items()}
    return data


def join_bytes(data):
    kind = type(data)
    if kind is dict:
        if len(data) == 1 and 0 in data and type(data[0]) is list:
            return b"".join(data[0])
        return {k: join_bytes(v) for k, v in data.items()}
    if kind is list:
        return [join_bytes(v) for v in data]
    return data


class PlainSecurity(jelly.SecurityOptions):
    """Jelly types allowed, by exact name: no dotted wildcard (jelly's
    default admits any registered class), no instances, classes, modules,
    sets, dates, floats.  (The jellier asks about the types it sends by
    their qualified names, ``builtins.list``; the unjellier about the
    atoms it reads, ``list``: the modules stay refused, so a qualified
    name read from the wire gets nowhere.)"""

    TYPES = (b"None", b"NoneType", b"bool", b"boolean", b"int", b"long",
             b"long_int", b"string", b"str", b"unicode", b"list", b"tuple",
             b"dictionary", b"dict", b"reference", b"dereference",
             # PB's own references, which login needs ...
             b"remote", b"local",
             # ... and the failure a refused call answers with
             qual(pb.CopyableFailure).encode("ascii")) + tuple(
        # what the jellier asks about the values it sends
        qual(t).encode("ascii")
        for t in (type(None), bool, int, str, bytes, list, tuple, dict))

    def __init__(self):
        jelly.SecurityOptions.__init__(self)
        self.allowedTypes = dict.fromkeys(self.TYPES, 1)

    def allowTypes(self, *types):
        raise TypeError("the cluster link admits no more types")

    allowInstancesOf = allowModules = allowBasicTypes = allowTypes

    def isTypeAllowed(self, typeName):
        if not isinstance(typeName, bytes):
            typeName = typeName.encode("utf-8")
        return typeName in self.allowedTypes

    def isModuleAllowed(self, moduleName):
        return False

    def isClassAllowed(self, klass):
        return False


SECURITY = PlainSecurity()
