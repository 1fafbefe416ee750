"""Usage text of a command, as pve-common ``RESTHandler::getopt_usage``.

Formats: ``short`` (one line: ``pveum user add <userid> [OPTIONS]``),
``long`` (``USAGE:`` line and every option) and ``full`` (also the
method's description).
"""

import re
import textwrap

from pve.api.apidata import schema_get_type_text
from pve.api.declare import get_property_schema
from pve.api.schema import perl_str
from pve.cli.format import STANDARD_OUTPUT_OPTIONS
from pve.cli.getopt import for_each_property, is_list_format, with_properties

INDENT = " " * 13
COLUMNS = 76


def wrap(first, rest, text):
    """Perl's Text::Wrap ``wrap($first, $rest, $text)`` (lines below 76)."""
    trailing = text.endswith("\n")
    out = []
    for n, line in enumerate(text.rstrip("\n").split("\n")):
        wrapped = textwrap.wrap(line, width=COLUMNS - 1, initial_indent=first if n == 0 else rest,
                                subsequent_indent=rest, break_long_words=False,
                                break_on_hyphens=False, drop_whitespace=True) or [
            (first if n == 0 else rest).rstrip()]
        out.extend(wrapped)
    return "\n".join(out) + ("\n" if trailing else "")


def property_description(name, style, prop, fmt, mapping=None):
    """One option's lines (``--comment <string>`` and its description)."""
    descr = prop.get("description") or (
        f"alias for '{prop['alias']}'" if prop.get("alias") else "no description available")
    descr = descr.rstrip("\n")
    type_text = schema_get_type_text(prop, style)
    if mapping and prop.get("type") == "string":
        type_text = mapping.get("desc", type_text)
    default = prop.get("default")
    default_text = f"   (default={perl_str(default)})" if default is not None else ""
    display = f"--{name}" if style == "arg" else f"<{name}>"
    text = wrap("", INDENT, "  %-10s %s%s\n" % (display, type_text, default_text))
    if prop.get("alias") is not None:
        text += "\n"
    else:
        text += wrap(INDENT, INDENT, descr) + "\n\n"
    requires = prop.get("requires")
    if requires:
        req = ", ".join(requires) if isinstance(requires, list) else str(requires)
        text += wrap(INDENT, INDENT, f"Requires option(s): {req}") + "\n\n"
    return text


def usage_str(info, prefix, arg_param=None, fixed_param=None, fmt="long",
              formatter_properties=None, param_map=None):
    """Usage of the method *info* (an object with ``parameters``,
    ``description``) run as *prefix* (``pveum user add``)."""
    fixed_param = fixed_param or {}
    param_map = param_map or {}
    schema = info.parameters or {}
    formatter_properties = formatter_properties or {}
    has_format = "output-format" in formatter_properties
    extra = {k: v for k, v in formatter_properties.items() if k not in STANDARD_OUTPUT_OPTIONS}
    schema = with_properties(schema, extra)
    ignore_std = False
    if get_property_schema(schema, "output-format") is not None:
        has_format = ignore_std = True

    if isinstance(arg_param, str):
        arg_param = [arg_param]
    args, argdescr, arg_hash = [], "", set()
    for name in arg_param or ():
        prop = get_property_schema(schema, name)
        if prop is None:
            continue
        arg_hash.add(name)
        if is_list_format(prop):
            args.append(f"{{<{name}>}}")
        else:
            args.append(f"[<{name}>]" if prop.get("optional") else f"<{name}>")
        if fixed_param.get(name) is None and prop.get("alias") is None:
            argdescr += property_description(name, "fixed", prop, fmt)

    props = []
    for_each_property(schema, lambda key, prop: props.append((key, prop)))
    seen, names = set(), {k for k, _ in props}
    opts = ""
    indexed = set()
    for key, prop in sorted(props, key=lambda kp: kp[0]):
        if key in seen:
            continue
        seen.add(key)
        if key in arg_hash or fixed_param.get(key) is not None:
            continue
        if ignore_std and key in STANDARD_OUTPUT_OPTIONS:
            continue
        type_text = prop.get("type") or "string"
        if prop.get("oneOf"):
            type_text = "multiple"
        elif prop.get("alias"):
            type_text = f"alias for '{prop['alias']}'"
        optional = bool(prop.get("optional"))
        mapping = param_map.get(key)
        if key == "password" and mapping and not optional:
            continue
        base = key
        m = re.match(r"^([a-z]+)(\d+)$", key)
        if m:
            if m.group(1) in indexed:
                continue
            if int(m.group(2)) == 0 and f"{m.group(1)}1" in names:
                indexed.add(m.group(1))
                base = f"{m.group(1)}[n]"
        if prop.get("alias"):
            target = get_property_schema(schema, prop["alias"])
            optional = bool(target and target.get("optional"))
        opts += property_description(base, "arg", prop, fmt, mapping)
        if not optional and prop.get("alias") is None:
            args.append(f"--{base} <{type_text}>")

    out = "" if fmt == "short" else "USAGE: "
    out += f"{prefix} {' '.join(args)}"
    if opts:
        out += " [OPTIONS]"
    if has_format:
        out += " [FORMAT_OPTIONS]"
    out += "\n"
    if fmt == "short":
        return out
    if fmt == "full" and info.description:
        out += "\n" + wrap("  ", "  ", info.description) + "\n\n"
    return out + argdescr + opts
