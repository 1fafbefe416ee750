"""The API schema tree Proxmox's API viewer and clients read (``apidata.js``).

:func:`dump` builds, from a :class:`~pve.api.declare.Registry`, the same tree
as pve-common ``RESTHandler::api_dump``: nodes ``{path, text, leaf,
children, info: {METHOD: {...}}}``, parameters with ``typetext`` added and
indexed properties (``net0``, ``net1``...) folded into ``net[n]``; the
type texts come from :func:`schema_get_type_text` (also for CLI usage).
:func:`render_js` writes it as pve-docs ``extractapi.pl`` does.

:func:`schema_from_apidata` reads Proxmox's own tree from the conformance
data, for tests and ``tools/extract_schema.py``; no daemon calls it.
"""

import copy
import functools
import json
import os
import re
from pathlib import Path

from pve.api.formats import get_format, perl_true
from pve.api.schema import perl_str, to_number


def schema_get_type_text(prop, style=None):
    """The short type text Proxmox shows for a property (``<integer> (0 - N)``)."""
    type_ = prop.get("type") or "string"
    for key, wrap in (("typetext", "{}"), ("format_description", "<{}>")):
        if perl_true(prop.get(key)):
            return wrap.format(prop[key])
    if perl_true(prop.get("enum")):
        return "<" + " | ".join(sorted(perl_str(e) for e in prop["enum"])) + ">"
    if perl_true(prop.get("pattern")):
        return prop["pattern"]
    if perl_true(prop.get("alias")):
        return f"<alias to '{prop['alias']}'>"
    if type_ in ("integer", "number"):
        low, high = (prop.get(k) for k in ("minimum", "maximum"))
        if low is not None or high is not None:
            low = "-N" if low is None else perl_str(to_number(low))
            high = "N" if high is None else perl_str(to_number(high))
            return f"<{type_}> ({low} - {high})"
    elif type_ == "string" and perl_true(prop.get("format")):
        fmt = prop["format"]
        fmt = fmt if isinstance(fmt, dict) else get_format(fmt)
        if isinstance(fmt, dict):
            return generate_typetext(fmt, style == "config-sub")
    return f"<{type_}>"


def generate_typetext(fmt, list_enums=False):
    """The type text of a property-string format (``[model=]<enum> [,bridge=<bridge>]``)."""
    default_key = next((k for k, p in fmt.items() if p.get("default_key")), None)
    key_aliases = {p["keyAlias"]: p["alias"] for p in fmt.values()
                   if p.get("alias") and p.get("keyAlias")}
    parts = []

    def add(text, optional):
        text = "," + text if parts else text
        parts.append(f"[{text}]" if perl_true(optional) else text)

    def type_text(key, prop):
        if perl_true(prop.get("format_description")):
            return f"<{prop['format_description']}>"
        if perl_true(prop.get("typetext")):
            return prop["typetext"]
        if perl_true(prop.get("enum")):
            enum = prop["enum"]
            return "<" + "|".join(enum) + ">" if list_enums or len(enum) <= 3 else "<enum>"
        simple = {"boolean": "<1|0>", "integer": "<integer>", "number": "<number>"}
        if prop.get("type") in simple:
            return simple[prop["type"]]
        raise ValueError(f"neither format_description nor typetext found for option '{key}'")

    done = set()

    def add_key(key):
        prop = fmt.get(key)
        if key in done or not prop or prop.get("alias"):
            done.add(key)
            return
        done.add(key)
        text = type_text(key, prop)
        label = f"[{key}=]" if key == default_key else f"{key}="
        add(label + text, prop.get("optional"))

    if default_key is not None:
        add_key(default_key)
    for key in sorted(fmt):
        if not perl_true(fmt[key].get("optional")):
            add_key(key)
    for key in sorted(fmt):
        add_key(key)
    for alias in sorted(key_aliases):
        add(f"<{alias}>=<{key_aliases[alias]}>", True)
    return " ".join(parts)


def _plain(value):
    """A deep copy fit for JSON: bools as 1/0, patterns as text, no functions."""
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items() if not callable(v)}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, re.Pattern):
        return value.pattern
    return value


def clone_schema(schema, typetext=True):
    """Proxmox's api_clone_schema: fold ``name0..N`` into ``name[n]`` and, if
    *typetext*, give each typed property its ``typetext``."""
    if not isinstance(schema, dict):
        raise TypeError("not a HASH reference")
    for key in ("allOf", "oneOf"):
        if schema.get(key):
            res = {k: _plain(v) for k, v in schema.items() if k != key}
            res[key] = [clone_schema(sub, typetext) for sub in schema[key]]
            return res
    res = {}
    for key, value in schema.items():
        if key != "properties":
            res[key] = _plain(value)
            continue
        for name, prop in value.items():
            m = re.match(r"^([a-z]+)(\d+)$", name)
            if m:
                base, index = m.group(1), int(m.group(2))
                if index == 0 and value.get(base + "1") is not None:
                    name = base + "[n]"
                elif index > 0 and value.get(base + "0") is not None:
                    continue
            prop = _plain(prop)
            if typetext and isinstance(prop, dict) and prop.get("enum") is None \
                    and prop.get("pattern") is None:
                text = schema_get_type_text(prop)
                if prop.get("type") and prop["type"] != text:
                    prop["typetext"] = text
            res.setdefault("properties", {})[name] = prop
    return res


def method_info(endpoint):
    """The ``info[METHOD]`` entry of one endpoint."""
    info = endpoint.info()
    out = {}
    for key, value in info.items():
        if key == "parameters":
            out[key] = clone_schema(value)
        elif key == "returns":
            out[key] = clone_schema(value, typetext=False)
        else:
            out[key] = _plain(value)
    return out


def dump(registry):
    """The apidata tree of every endpoint in *registry*, in registration order."""
    tree, seen = [], set()
    for endpoint in registry:
        if not endpoint.segments:
            continue  # the root index is not part of the tree
        key = (endpoint.method, re.sub(r"\{[^}]+\}", "{}", endpoint.template))
        if key in seen:
            raise ValueError(f"duplicate path '{key[1]}'")
        seen.add(key)
        level, node, path = tree, None, ""
        for seg in endpoint.segments:
            path += "/" + seg
            node = next((n for n in level if n["text"] == seg), None)
            if node is None:
                node = {"path": path, "text": seg, "children": []}
                level.append(node)
            level = node.setdefault("children", [])
        node.setdefault("info", {})[endpoint.method] = method_info(endpoint)
    _cleanup(tree)
    return tree


def _cleanup(tree):
    for node in tree:
        if not node.get("children"):
            node.pop("children", None)
            node["leaf"] = 1
        else:
            node["leaf"] = 0
            _cleanup(node["children"])


def to_pretty_json(data):
    """JSON as Perl's ``to_json(pretty => 1, canonical => 1)`` writes it."""
    return json.dumps(data, indent=3, separators=(",", " : "), sort_keys=True,
                      ensure_ascii=False) + "\n"


def render_js(tree):
    """The text of ``/pve-docs/api-viewer/apidata.js``."""
    return "const apiSchema = " + to_pretty_json(tree) + ";\n\n"


# --- Proxmox's tree, from the conformance data (tests and tools only) ---

def conformance_dir():
    env = os.environ.get("PVE_CONFORMANCE_DATA")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "shared" / "conformance"


@functools.lru_cache(maxsize=2)
def _load(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def load_upstream(path=None):
    """Proxmox's apidata tree (a fresh copy); FileNotFoundError if absent."""
    path = path or conformance_dir() / "api" / "apidata.json"
    return copy.deepcopy(_load(str(path)))


def find_node(tree, path):
    """The node of *tree* whose ``path`` is *path*, or None."""
    for node in tree:
        if node["path"] == path:
            return node
        if path.startswith(node["path"] + "/"):
            found = find_node(node.get("children", []), path)
            if found is not None:
                return found
    return None


def schema_from_apidata(path, method="GET", tree=None):
    """Proxmox's ``info`` entry of *path* and *method*: ``parameters``,
    ``returns``, ``permissions``...  KeyError if there is none."""
    node = find_node(tree if tree is not None else _load(
        str(conformance_dir() / "api" / "apidata.json")), path)
    if node is None or method not in node.get("info", {}):
        raise KeyError(f"{method} {path} is not in apidata.json")
    return copy.deepcopy(node["info"][method])


def paste_ready(parameters):
    """Upstream *parameters* as a declaration writes them: without the
    ``typetext`` entries :func:`clone_schema` adds again (those Proxmox wrote by
    hand stay), and with the empty ``properties`` apidata leaves out (without
    it, ``additionalProperties: 0`` would not refuse unknown parameters)."""
    parameters = copy.deepcopy(parameters)
    for key in ("allOf", "oneOf"):
        if parameters.get(key):
            parameters[key] = [paste_ready(sub) for sub in parameters[key]]
            return parameters
    if "properties" not in parameters:
        parameters["properties"] = {}
    for prop in (parameters.get("properties") or {}).values():
        text = prop.get("typetext")
        if text is None or prop.get("enum") is not None or prop.get("pattern") is not None:
            continue
        bare = {k: v for k, v in prop.items() if k != "typetext"}
        if bare.get("type") and schema_get_type_text(bare) == text:
            del prop["typetext"]
    return parameters
