"""``corosync.conf`` as Proxmox reads and writes it (``PVE::Corosync``).

The file is nested sections of ``key: value`` lines::

    totem {
      cluster_name: cloud
      interface {
        linknumber: 0
      }
    }

A parsed config is plain data: a dict per section, ``str`` values, and a
list of dicts for the sections that may repeat (``node``, ``interface``).
The top level dict holds ``totem``, ``nodelist``, ``quorum``, ``logging``.

Reading follows Proxmox's tokenizer (``#`` starts a comment anywhere, a
value is the one word after ``key:``, ``{`` and ``}`` are words of their
own), with the line of each error.  Writing gives Proxmox's layout: keys
sorted, two spaces a level, a blank line after each top level section,
the nodes sorted by name and the interfaces by link number.  Comments are
not kept, as with Proxmox.

Every function here is pure.  As ``PVE::Corosync::atomic_write_conf``
does, a writer bumps ``config_version`` once per change
(:func:`prepare_write`); :mod:`pve.cluster.corosync_edit` changes the
nodelist and makes a new cluster's config.
:func:`sync_decision` is pmxcfs's rule for copying the cluster's
``corosync.conf`` to the node's own ``/etc/corosync/corosync.conf``.
"""

import copy
import re
from typing import NamedTuple

from pve import atomicfile

CONF_ARRAY_SECTIONS = frozenset(("node", "interface"))
LINK_ADDR = re.compile(r"^(ring|link)(\d+)_addr$")
MAX_LINK_INDEX = 7

# Perl's \s, which Proxmox's tokenizer splits on.
_SPACE = re.compile(r"[ \t\n\r\f\v]+")
_BAD_WORD = re.compile(r"[ \t\n\r\f\v#{}]")

NO_CONF = ("Error: Corosync config '%s' does not exist - is this node part"
           " of a cluster?")


class CorosyncConfError(ValueError):
    """A config that cannot be read, written or changed.

    *line* is the 1-based line of the problem when reading text.
    """

    def __init__(self, message, line=None, filename=None):
        self.message = message
        self.line = line
        self.filename = filename
        where = ""
        if filename is not None:
            where = "file %s " % (filename,)
        if line is not None:
            where += "line %d" % (line,)
        elif where:
            where = where.rstrip()
        super().__init__("%s: %s" % (where, message) if where else message)


# -- reading ---------------------------------------------------------------


def _tokens(text):
    """``(word, line)`` for each word, comments removed as Proxmox does."""
    for number, line in enumerate(text.split("\n"), 1):
        line = line.split("#", 1)[0]
        for word in _SPACE.split(line):
            if word:
                yield word, number


def _as_text(raw):
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "surrogateescape")
    return raw


def parse(raw, filename=None):
    """The config in *raw* (str or bytes) as nested dicts.

    Empty text gives ``{}``.  Raises :class:`CorosyncConfError` naming the
    line for: a key without ``:`` or without a value, a ``}`` that closes
    nothing, a section that repeats but may not, a section left open, and
    two nodes (or interfaces) with the same name (link number).
    """
    tokens = list(_tokens(_as_text(raw)))
    main = {}
    stack = []  # (section, name, line) of the sections we are inside
    section = main
    opened = {}  # id(section dict) -> line of its header
    i = 0

    def fail(message, line):
        raise CorosyncConfError(message, line, filename)

    while i < len(tokens):
        word, line = tokens[i]
        nxt = tokens[i + 1][0] if i + 1 < len(tokens) else None
        if nxt == "{" and word not in ("{", "}"):
            if word.endswith(":"):
                fail("parse error - no value for '%s'" % word[:-1], line)
            new = {}
            if word in CONF_ARRAY_SECTIONS:
                existing = section.setdefault(word, [])
                if not isinstance(existing, list):
                    fail("section '%s' already exists and not marked as"
                         " array!" % word, line)
                existing.append(new)
            elif word not in section:
                section[word] = new
            else:
                fail("section '%s' already exists and not marked as array!"
                     % word, line)
            stack.append((section, word, line))
            opened[id(new)] = line
            section = new
            i += 2
            continue
        if word == "}":
            if not stack:
                fail("parse error - unexpected '}'", line)
            section = stack.pop()[0]
            i += 1
            continue
        if not word.endswith(":"):
            fail("missing ':' after key '%s'" % word, line)
        key = word[:-1]
        if not key:
            fail("parse error - ':' without a key", line)
        if nxt is None or nxt in ("{", "}"):
            fail("parse error - no value for '%s'" % key, line)
        if isinstance(section.get(key), (dict, list)):
            fail("key '%s' is also a section" % key, line)
        section[key] = nxt
        i += 2
    if stack:
        _, name, line = stack[-1]
        fail("parse error - missing '}' for section '%s'" % name, line)
    _check_unique(main, filename, opened)
    return main


def _check_unique(main, filename, opened):
    """Proxmox keys nodes by name and interfaces by number: no twins."""
    for owner, name, key_of in (("nodelist", "node", node_key),
                                ("totem", "interface", interface_key)):
        seen = set()
        holder = main.get(owner)
        if not isinstance(holder, dict):
            continue
        for item in holder.get(name) or ():
            key = key_of(item)
            if key is None:
                continue
            if key in seen:
                raise CorosyncConfError(
                    "duplicate %s '%s' in section '%s'" % (name, key, owner),
                    opened.get(id(item)), filename)
            seen.add(key)


def node_key(node):
    """What Proxmox files a node under: its ``name``, else ``ring0_addr``."""
    name = node.get("name")
    return node.get("ring0_addr") if name is None else name


def interface_key(interface):
    """An interface's ``linknumber``, else its ``ringnumber``."""
    number = interface.get("linknumber")
    return interface.get("ringnumber") if number is None else number


# -- writing ---------------------------------------------------------------


def write(conf):
    """The text of *conf* in ``PVE::Corosync::write_conf``'s layout."""
    conf = copy.copy(conf)
    nodelist = conf.get("nodelist")
    if isinstance(nodelist, dict) and isinstance(nodelist.get("node"), list):
        nodelist = dict(nodelist)
        nodelist["node"] = _sorted_by(nodelist["node"], node_key)
        conf["nodelist"] = nodelist
    totem = conf.get("totem")
    if isinstance(totem, dict) and isinstance(totem.get("interface"), list):
        totem = dict(totem)
        totem["interface"] = _sorted_by(totem["interface"], interface_key)
        conf["totem"] = totem
    return "".join(_dump(conf, ""))


def _sorted_by(items, key_of):
    def key(item):
        value = key_of(item) if isinstance(item, dict) else None
        return "" if value is None else str(value)
    return sorted(items, key=key)


def _dump(section, prefix):
    for key in sorted(section):
        value = section[key]
        _check_word(key, "key", key)
        if isinstance(value, dict):
            yield "%s%s {\n" % (prefix, key)
            yield from _dump(value, prefix + "  ")
            yield prefix + "}\n"
            if not prefix:
                yield "\n"
        elif isinstance(value, list):
            for child in value:
                if not isinstance(child, dict):
                    raise CorosyncConfError(
                        "unexpected value in section list '%s'" % key)
                yield "%s%s {\n" % (prefix, key)
                yield from _dump(child, prefix + "  ")
                yield prefix + "}\n"
        elif value is None:
            raise CorosyncConfError("got undefined value for key '%s'!" % key)
        elif isinstance(value, (str, int)) and not isinstance(value, bool):
            value = str(value)
            _check_word(value, "value", key)
            yield "%s%s: %s\n" % (prefix, key, value)
        else:
            raise CorosyncConfError("unexpected value in config for key '%s':"
                                    " %r" % (key, value))


def _check_word(word, what, key):
    """A key or value that would not read back the same is refused."""
    if not word or _BAD_WORD.search(word) or (what == "key" and ":" in word):
        raise CorosyncConfError("invalid %s for key '%s': %r" % (what, key,
                                                                  word))


# -- what the config says --------------------------------------------------


def totem(conf):
    """The ``totem`` section (``{}`` if absent)."""
    value = conf.get("totem")
    return value if isinstance(value, dict) else {}


def cluster_name(conf):
    return totem(conf).get("cluster_name")


def config_version(conf):
    """``totem.config_version`` as int, None if absent."""
    value = totem(conf).get("config_version")
    if value is None:
        return None
    if not str(value).isdigit():
        raise CorosyncConfError("invalid corosync config: config_version '%s'"
                                " is not a number" % (value,))
    return int(value)


def bump_config_version(conf):
    """A copy of *conf* with ``config_version`` one higher."""
    version = config_version(conf)
    if version is None:
        raise CorosyncConfError(
            "invalid corosync config: unable to read config version")
    conf = copy.deepcopy(conf)
    conf["totem"]["config_version"] = str(version + 1)
    return conf


def prepare_write(conf, increase_version=True):
    """``(conf, text)`` to write, the version bumped unless told not to
    (``atomic_write_conf``)."""
    if increase_version:
        conf = bump_config_version(conf)
    return conf, write(conf)


class Node(NamedTuple):
    """One ``nodelist`` entry; *links* maps link number to address."""

    name: str
    nodeid: int
    votes: int
    links: dict

    @property
    def address(self):
        """The address of the lowest link (what corosync shows first)."""
        return self.links[min(self.links)] if self.links else None


def _int(value, what, default=None):
    if value is None:
        return default
    if not str(value).isdigit():
        raise CorosyncConfError("invalid corosync config: %s '%s' is not a"
                                " number" % (what, value))
    return int(value)


def node_sections(conf):
    """The ``node`` dicts of the nodelist, as stored (a list)."""
    nodelist = conf.get("nodelist")
    if not isinstance(nodelist, dict):
        return []
    return nodelist.get("node") or []


def node_links(node):
    """``{link number: address}`` from a node section's ``ringN_addr``."""
    links = {}
    for key, value in node.items():
        m = LINK_ADDR.match(key)
        if m:
            links[int(m.group(2))] = value
    return dict(sorted(links.items()))


def nodes(conf):
    """The nodelist as :class:`Node` tuples sorted by name.

    ``quorum_votes`` defaults to 1 as in corosync; a missing ``nodeid``
    is None.
    """
    result = []
    for node in node_sections(conf):
        name = node_key(node)
        result.append(Node(
            name=name,
            nodeid=_int(node.get("nodeid"), "nodeid of node '%s'" % name),
            votes=_int(node.get("quorum_votes"),
                       "quorum_votes of node '%s'" % name, 1),
            links=node_links(node)))
    return sorted(result, key=lambda n: n.name or "")


def find_node(conf, node):
    """The section of the node called *node* (its name, else ring0_addr),
    None if there is none."""
    for section in node_sections(conf):
        if node_key(section) == node:
            return section
    return None


def _find_named(conf, node):
    """The node called *node*, else one whose ring0/ring1 address is
    *node* (how ``pvecm delnode`` finds it)."""
    found = find_node(conf, node)
    if found is not None:
        return found
    for section in node_sections(conf):
        if node in (section.get("ring0_addr"), section.get("ring1_addr")):
            return section
    return None


# -- the node's own copy ---------------------------------------------------

HOST_CONF = "/etc/corosync/corosync.conf"

_VERSION_RE = re.compile(rb"config_version[ \t\n\r\f\v]*:[ \t\n\r\f\v]*"
                         rb"([0-9]+)")


def text_config_version(data):
    """The version pmxcfs reads from raw bytes: the first
    ``config_version: N`` anywhere in them, 0 if none."""
    if isinstance(data, str):
        data = data.encode("utf-8", "surrogateescape")
    m = _VERSION_RE.search(data or b"")
    return int(m.group(1)) if m else 0


class SyncDecision(NamedTuple):
    """What to do with the node's own ``corosync.conf``.

    *write*: replace it with the cluster's copy; *reload*: then tell
    corosync (there was a config before); *version*: the cluster copy's
    version; *messages*: ``(critical, text)`` pairs pmxcfs logs.
    """

    write: bool
    reload: bool
    version: int
    messages: tuple = ()


def sync_decision(cluster_data, local_data, target=HOST_CONF):
    """Whether the cluster's ``corosync.conf`` (*cluster_data*, bytes)
    replaces the node's copy at *target* (*local_data*, None when there
    is none), as pmxcfs's ``dcdb_sync_corosync_conf`` decides.

    Nothing happens when the cluster has none, its version cannot be
    read, both copies are equal, or the local one has a higher version.
    Equal versions with different text are written, as pmxcfs does.
    """
    if not cluster_data:
        return SyncDecision(False, False, 0)
    new_version = text_config_version(cluster_data)
    if not new_version:
        return SyncDecision(False, False, 0, (
            (True, "unable to parse cluster config_version"),))
    old_version = text_config_version(local_data) if local_data else 0
    if local_data is not None and bytes(local_data) == bytes(cluster_data):
        return SyncDecision(False, False, new_version)
    if new_version < old_version:
        return SyncDecision(False, False, new_version, (
            (True, "local corosync.conf is newer"),))
    return SyncDecision(True, bool(old_version), new_version, (
        (False, "wrote new corosync config '%s' (version = %d)"
         % (target, new_version)),))


def sync_local_conf(paths, cluster_data):
    """Apply :func:`sync_decision` to ``paths.corosync_conf``: write the
    cluster's copy there atomically (mode 0644) when it should, and
    return the decision.  A local copy that cannot be read counts as
    none (pmxcfs logs it and goes on)."""
    target = paths.corosync_conf
    messages = ()
    try:
        with open(target, "rb") as f:
            local = f.read()
    except FileNotFoundError:
        local = None
    except OSError as e:
        local = b""
        messages = ((True, "unable to read cluster config file '%s' - %s"
                     % (target, e.strerror)),)
    decision = sync_decision(cluster_data, local, target)
    if decision.write:
        atomicfile.write(target, bytes(cluster_data), 0o644)
    return decision._replace(messages=messages + decision.messages)
