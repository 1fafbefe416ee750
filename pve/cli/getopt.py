"""Command-line options to API parameters, as pve-common ``get_options`` does.

Options are read like Perl's Getopt::Long with ``--`` or ``-`` as prefix:
``--key value``, ``--key=value``, unique abbreviations, options and
arguments in any order, ``--`` ends the options.  Booleans and interactive
parameters take their value only if the next word is not an option
(``--force`` alone is 1); ``-list`` formats and arrays may repeat.  The
remaining words fill the positional parameters (*arg_param*).

:func:`get_options` returns the parameter dict or raises a 400
:class:`~pve.api.schema.APIError` with Proxmox's message; Getopt's own
warnings (``Unknown option: x``) go to the *warn* callable first.
"""

from pve.api.declare import get_property_schema, is_object_like
from pve.api.formats import parse_boolean
from pve.api.schema import APIError


def bad_request(message):
    return APIError(message, 400)


def for_each_property(schema, callback):
    """Call ``callback(key, prop)`` for every property, through allOf/oneOf."""
    if not isinstance(schema, dict):
        return
    props = schema.get("properties")
    if props is not None:
        for key, prop in props.items():
            callback(key, prop or {})
        return
    if schema.get("allOf"):
        for sub in schema["allOf"]:
            for_each_property(sub, callback)
        return
    if schema.get("oneOf"):
        if schema.get("type-property") is not None:
            callback(schema["type-property"], schema.get("type-property-schema") or {})
        for sub in schema["oneOf"]:
            for_each_property(sub, callback)


def is_list_format(prop):
    fmt = (prop or {}).get("format")
    return isinstance(fmt, str) and "-list" in fmt


def with_properties(schema, extra):
    """*schema* extended by the property map *extra* (as an allOf)."""
    if not extra:
        return schema
    return {"allOf": [schema, {"properties": dict(extra)}]}


def _option_table(schema, list_param, fixed_param, interactive):
    table = {}

    def add(key, prop):
        if key == list_param or fixed_param.get(key) is not None:
            return
        if key in interactive or prop.get("type") == "boolean":
            entry = (True, False)
        elif is_list_format(prop) or prop.get("type") == "array":
            entry = (False, True)
        else:
            entry = (False, False)
        old = table.get(key)
        table[key] = (old[0] or entry[0], old[1] or entry[1]) if old else entry

    for_each_property(schema, add)
    return table


def _find(table, name):
    """The option *name* stands for: exact, case-insensitive or a unique prefix."""
    if name in table:
        return name, None
    lower = name.lower()
    exact = [k for k in table if k.lower() == lower]
    if len(exact) == 1:
        return exact[0], None
    matches = sorted(k for k in table if k.lower().startswith(lower))
    if len(matches) == 1:
        return matches[0], None
    if matches:
        return None, f"Option {name} is ambiguous ({', '.join(matches)})\n"
    return None, f"Unknown option: {name.lower()}\n"


def _looks_like_option(word):
    return word == "--" or (word.startswith("-") and len(word) > 1)


def parse_words(table, words, warn):
    """(options, positional words) per the option *table*; raise on errors."""
    opts, rest, failed = {}, [], False
    words = list(words)
    while words:
        word = words.pop(0)
        if word == "--":
            rest.extend(words)
            break
        if not _looks_like_option(word):
            rest.append(word)
            continue
        body = word[2:] if word.startswith("--") else word[1:]
        name, eq, inline = body.partition("=")
        key, problem = _find(table, name)
        if key is None:
            warn(problem)
            failed = True
            continue
        optional, multiple = table[key]
        if eq:
            value = inline
        elif optional:
            value = "" if not words or _looks_like_option(words[0]) else words.pop(0)
        elif words:
            value = words.pop(0)
        else:
            warn(f"Option {name} requires an argument\n")
            failed = True
            continue
        if multiple:
            opts.setdefault(key, []).append(value)
        else:
            opts[key] = value
    if failed:
        raise bad_request("unable to parse option\n")
    return opts, rest


def get_options(schema, args, arg_param=None, fixed_param=None, interactive=None,
                warn=lambda text: None):
    """Parameters for *schema* from the words *args*.

    *arg_param* is a list of positional parameter names, or one name of a
    ``-list`` parameter that takes all remaining words; *interactive* maps
    parameter names to ``func(value) -> value`` (password prompts), called
    when the option is given or the parameter is required."""
    fixed_param = fixed_param or {}
    interactive = interactive or {}
    args = list(args)
    if not is_object_like(schema):
        if args:
            raise bad_request("too many arguments\n")
        return {}
    list_param = None
    if arg_param and isinstance(arg_param, str):
        prop = get_property_schema(schema, arg_param)
        if not is_list_format(prop):
            raise ValueError(f"expected list format {(prop or {}).get('format')}")
        list_param = arg_param
    table = _option_table(schema, list_param, fixed_param, interactive)
    opts, rest = parse_words(table, args, warn)

    if list_param:
        if rest:
            opts[list_param] = rest
    elif isinstance(arg_param, (list, tuple)):
        for i, name in enumerate(arg_param):
            if name == "extra-args":
                opts["extra-args"] = rest
                rest = []
                break
            if not rest:
                for later in arg_param[i:]:
                    if later == "extra-args":
                        opts["extra-args"] = []
                        continue
                    prop = get_property_schema(schema, later, opts)
                    if prop is not None and not prop.get("optional"):
                        raise bad_request("not enough arguments\n")
                break
            opts[name] = rest.pop(0)
        if rest:
            raise bad_request("too many arguments\n")
    elif rest:
        raise bad_request("too many arguments\n")

    for key, func in interactive.items():
        prop = get_property_schema(schema, key, opts)
        value = opts.get(key)
        if value is not None or (prop is not None and not prop.get("optional")):
            opts[key] = func(value)

    for key in list(opts):
        prop = get_property_schema(schema, key, opts)
        if prop is None:
            continue
        value = opts[key]
        if prop.get("type") == "boolean":
            if value == "":
                opts[key] = 1
            else:
                parsed = parse_boolean(value)
                if parsed is None:
                    raise bad_request("unable to parse boolean option\n")
                opts[key] = parsed
        elif is_list_format(prop):
            if isinstance(value, list):
                opts[key] = ",".join(value)
        elif (isinstance(value, list) and prop.get("type") != "array"
              and len(value) == 1 and table.get(key, (0, 0))[1]):
            opts[key] = value[0]

    opts.update(fixed_param)
    return opts
