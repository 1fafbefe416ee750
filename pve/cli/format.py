"""Output formats of Proxmox's command-line tools (pve-common ``CLIFormatter``).

:func:`api_result` turns an API result and its return schema into the text a
command prints: ``text`` (tables with ASCII or UTF-8 borders, key/value tables
for objects), ``json``, ``json-pretty`` or ``yaml``.  Everything here is a
pure function returning a string; the commands write it out.

``STANDARD_OUTPUT_OPTIONS`` are the formatter options commands accept
(``--output-format``, ``--noborder``, ``--noheader``, ``--quiet``,
``--human-readable``).
"""

import json
import math
import re
import time

from pve.api.apidata import to_pretty_json

OUTPUT_FORMATS = ("text", "json", "json-pretty", "yaml")

STANDARD_OUTPUT_OPTIONS = {
    "output-format": {
        "type": "string", "description": "Output format.",
        "enum": list(OUTPUT_FORMATS), "optional": 1, "default": "text"},
    "noheader": {
        "description": "Do not show column headers (for 'text' format).",
        "type": "boolean", "optional": 1, "default": 0},
    "noborder": {
        "description": "Do not draw borders (for 'text' format).",
        "type": "boolean", "optional": 1, "default": 0},
    "quiet": {
        "description": "Suppress printing results.",
        "type": "boolean", "optional": 1},
    "human-readable": {
        "description": "Call output rendering functions to produce human readable text.",
        "type": "boolean", "optional": 1, "default": 1},
}


# -- json -------------------------------------------------------------------

def _plain(data):
    if isinstance(data, bool):
        return int(data)
    if isinstance(data, dict):
        return {str(k): _plain(v) for k, v in data.items()}
    if isinstance(data, (list, tuple)):
        return [_plain(v) for v in data]
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return data


def to_json(data):
    """``to_json(canonical => 1)``: compact, keys sorted."""
    return json.dumps(_plain(data), separators=(",", ":"), sort_keys=True,
                      ensure_ascii=False)


def to_json_pretty(data):
    """``to_json(canonical => 1, pretty => 1)``: three-space indent, `` : ``."""
    return to_pretty_json(_plain(data))


# -- yaml -------------------------------------------------------------------

_NUMBERISH = re.compile(r"^\s*[+-]?(\d+\.?\d*([eE][+-]?\d+)?|\.\d+([eE][+-]?\d+)?"
                        r"|0[xX][0-9a-fA-F]+|(?i:inf(inity)?|nan))\s*$")
_RESERVED = {"", "~", "null", "true", "false"}  # what YAML::XS quotes besides numbers
_INDICATORS = set("-?:,[]{}#&*!|>'\"%@`")


def _plain_ok(text):
    if text in _RESERVED or _NUMBERISH.match(text) or text.startswith("."):
        return False
    if text != text.strip() or text[0] in _INDICATORS and not (
            text[0] in "-?:" and len(text) > 1 and text[1] not in " \t"):
        return False
    if ": " in text or " #" in text or text.endswith(":"):
        return False
    return all(c.isprintable() for c in text)


def _yaml_scalar(value):
    if value is None:
        return "~"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else str(value)
    if _plain_ok(text):
        return text
    if all(c.isprintable() for c in text):
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _yaml_lines(data, indent):
    pad = " " * indent
    if isinstance(data, dict):
        for key in sorted(data, key=str):
            value = data[key]
            head = f"{pad}{_yaml_scalar(str(key))}:"
            if isinstance(value, dict) and value:
                yield head
                yield from _yaml_lines(value, indent + 2)
            elif isinstance(value, (list, tuple)) and value:
                yield head
                yield from _yaml_lines(value, indent)
            else:
                yield f"{head} {_yaml_inline(value)}"
    else:
        for item in data:
            if isinstance(item, (dict, list, tuple)) and item:
                inner = list(_yaml_lines(item, indent + 2))
                yield f"{pad}- " + inner[0][indent + 2:]
                yield from inner[1:]
            else:
                yield f"{pad}- {_yaml_inline(item)}"


def _yaml_inline(value):
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, (list, tuple)):
        return "[]"
    return _yaml_scalar(value)


def to_yaml(data):
    """A YAML document as YAML::XS ``Dump`` writes plain data (keys sorted)."""
    if isinstance(data, (dict, list, tuple)) and data:
        return "---\n" + "".join(line + "\n" for line in _yaml_lines(data, 0))
    return f"--- {_yaml_inline(data)}\n"


# -- renderers --------------------------------------------------------------

def render_timestamp(epoch, options=None):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(float(epoch)))


def render_timestamp_gmt(epoch, options=None):
    return time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime(float(epoch)))


def render_duration(seconds, options=None):
    rest = int(math.floor(float(seconds or 0) + 0.5))
    if not rest:
        return "0s"
    parts = []
    for unit, length in (("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1)):
        value = rest // length
        if value > 0:
            parts.append(f"{value}{unit}")
            rest -= value * length
    return " ".join(parts)


def render_fraction_as_percentage(fraction, options=None):
    return "%.2f%%" % (float(fraction) * 100)


def render_bytes(value, options=None):
    value = float(value)
    units = ("B", "KiB", "MiB", "GiB", "TiB", "PiB")
    unit = 0
    if value > 1023:
        unit = min(int(math.log(value) / math.log(1024)), len(units) - 1)
        value /= 1024 ** unit
    return "%.2f %s" % (value, units[unit])


def render_yaml(value, options=None):
    return re.sub(r"^---[\n\s]", "", to_yaml(value))


RENDERERS = {
    "timestamp": render_timestamp, "timestamp_gmt": render_timestamp_gmt,
    "duration": render_duration, "fraction_as_percentage": render_fraction_as_percentage,
    "bytes": render_bytes, "yaml": render_yaml,
}


# -- text -------------------------------------------------------------------

def data_to_text(data, propdef=None, options=None):
    """One value as a table cell shows it."""
    if data is None:
        return ""
    options = options or {}
    human = options.get("human-readable")
    if (1 if human is None else human) and propdef:
        if propdef.get("type") == "boolean":
            return "1" if data else "0"
        renderer = propdef.get("renderer")
        if renderer:
            if renderer not in RENDERERS:
                raise ValueError(f"internal error: unknown renderer '{renderer}'")
            return RENDERERS[renderer](data, options)
    if isinstance(data, (dict, list, tuple, bool)):
        return to_json(data)
    if isinstance(data, float) and data.is_integer() and abs(data) < 1e15:
        return str(int(data))
    return str(data)


def _sort_key(value, numeric):
    if value is None:
        return (0, 0)
    if numeric:
        try:
            return (1, float(value))
        except (TypeError, ValueError):
            return (1, 0.0)
    return (1, str(value))


_ASCII = {"first": ("| ", "+-", "+="), "mid": ("| ", "+-", "+="),
          "last": ("| ", "+-", "+=")}


def text_table(data, returnprops, props, options=None, columns=None, utf8=False):
    """Rows of dicts as ``print_text_table`` writes them."""
    options = options or {}
    returnprops = returnprops or {}
    border_on = not options.get("noborder")
    header_on = not options.get("noheader")
    sort_key = options.get("sort_key", props[0] if props else None)
    data = list(data)
    if sort_key not in (None, 0, "0"):
        numeric = (returnprops.get(sort_key) or {}).get("type") in ("integer", "number")
        data.sort(key=lambda row: _sort_key(row.get(sort_key), numeric))

    rows = []
    for entry in data:
        cells = {}
        height = 1
        for prop in props:
            text = data_to_text(entry.get(prop), returnprops.get(prop) or {}, options)
            lines = text.split("\n")
            while lines and lines[-1] == "":
                lines.pop()
            height = max(height, len(lines))
            cells[prop] = lines
        rows.append((height, cells))

    count = len(props)
    fmt = []
    top, head, mid, bottom = [], [], [], []
    titles = {}
    for i, prop in enumerate(props):
        info = returnprops.get(prop) or {}
        left = info.get("type", "string") not in ("integer", "number")
        title = info.get("title", prop)
        titles[prop] = title
        longest = max([len(title)] + [len(line) for _, cells in rows for line in cells[prop]])
        cutoff = info.get("print_width", info.get("maxLength"))
        cutoff = longest if cutoff is None or int(cutoff) > longest else int(cutoff)
        fmt.append((cutoff, left))
        if not border_on:
            continue
        last = i == count - 1
        dash, eq = "-" * cutoff, "=" * cutoff
        if utf8:
            dash, eq = "─" * cutoff, "═" * cutoff
            top.append(("┌─" if i == 0 else "┬─") + dash + ("─┐" if last else "─"))
            head.append(("╞═" if i == 0 else "╪═") + eq + ("═╡" if last else "═"))
            mid.append(("├─" if i == 0 else "┼─") + dash + ("─┤" if last else "─"))
            bottom.append(("└─" if i == 0 else "┴─") + dash + ("─┘" if last else "─"))
        else:
            mid.append("+-" + dash + ("-+" if last else "-"))
            head.append("+=" + eq + ("=+" if last and i > 0 else "="))
    top, head, mid, bottom = ("".join(x) for x in (top, head, mid, bottom))
    top, bottom = top or mid, bottom or mid

    def line(values):
        out = []
        for i, (value, (cutoff, left)) in enumerate(zip(values, fmt)):
            value = value[:cutoff]
            if border_on:
                cell = value.ljust(cutoff) if left else value.rjust(cutoff)
                bar = "│" if utf8 else "|"
                out.append(f"{bar} {cell} " + (bar if i == count - 1 else ""))
            elif i == count - 1:
                out.append(value)
            else:
                out.append((value.ljust(cutoff) if left else value.rjust(cutoff)) + " ")
        return "".join(out)

    written = []

    def writeln(text):
        written.append((text[:columns] if columns else text) + "\n")

    if border_on:
        writeln(top)
    sep = mid
    if header_on:
        writeln(line([titles[p] for p in props]))
        sep = head
    for n, (height, cells) in enumerate(rows):
        if border_on and (n != 0 or header_on):
            writeln(sep)
            sep = mid
        for k in range(height):
            writeln(line([cells[p][k] if k < len(cells[p]) else "" for p in props]))
    if border_on:
        writeln(bottom)
    return "".join(written)


def properties_to_print(propdef):
    """Required properties sorted, then optional ones sorted."""
    propdef = propdef or {}
    required = sorted(k for k, v in propdef.items() if not (v or {}).get("optional"))
    optional = sorted(k for k, v in propdef.items() if (v or {}).get("optional"))
    return required + optional


class FormatError(Exception):
    """The data does not fit its schema (a Perl ``die`` in the formatter)."""


def api_list(data, schema, props=None, options=None, columns=None, utf8=False):
    if not (schema.get("type") == "array"
            and (schema.get("items") or {}).get("type") == "object"):
        raise FormatError("can only print object lists")
    returnprops = (schema.get("items") or {}).get("properties") or {}
    if props is None:
        props = properties_to_print(returnprops)
    if not props:
        props = sorted({k for obj in data if isinstance(obj, dict) for k in obj})
    if not props:
        raise FormatError("unable to detect list properties")
    return text_table(data, returnprops, props, options, columns, utf8)


def _guess_type(data):
    if data is None:
        return "null"
    if isinstance(data, dict):
        return "object"
    if isinstance(data, (list, tuple)):
        return "array"
    return "string"


def api_result(data, schema, props=None, options=None, columns=None, utf8=False):
    """The text ``print_api_result`` prints for *data* (may be empty)."""
    options = options or {}
    if options.get("quiet"):
        return ""
    fmt = options.get("output-format") or "text"
    if schema and schema.get("type") is not None:
        if schema["type"] == "null":
            return ""
        if schema.get("optional") and data is None:
            return ""
    else:
        kind = _guess_type(data)
        schema = {"type": kind}
        if kind == "array":
            schema["items"] = {"type": _guess_type(data[0] if data else None)}
    if fmt == "yaml":
        return to_yaml(_plain(data) if not isinstance(data, bool) else data)
    if fmt == "json":
        return to_json(data) + "\n"
    if fmt == "json-pretty":
        return to_json_pretty(data)
    if fmt != "text":
        raise FormatError("internal error: unknown output format")
    kind = schema.get("type")
    if kind == "object":
        propdef = schema.get("properties") or {}
        if props is None:
            props = properties_to_print(propdef)
        if not props:
            props = sorted(data or {})
        rows = [{"key": key, "value": data_to_text(data[key], propdef.get(key), options)}
                for key in props if (data or {}).get(key) is not None]
        return api_list(rows, {"type": "array", "items": {"type": "object"}},
                        ["key", "value"], options, columns, utf8)
    if kind == "array":
        if not data:
            return ""
        if isinstance(data, dict):
            raise FormatError("got hash object, but result schema specified array!")
        items = schema.get("items") or {}
        if items.get("type") == "object":
            return api_list(data, schema, props, options, columns, utf8)
        rows = [{"value": value} for value in data]
        table_schema = {"type": "array",
                        "items": {"type": "object", "properties": {"value": items}}}
        return api_list(rows, table_schema, ["value"], {**options, "noheader": 1},
                        columns, utf8)
    return data_to_text(data, None, {"human-readable": 0}) + "\n"
