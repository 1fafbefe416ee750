"""Schema validation as Proxmox does it (pve-common JSONSchema.pm).

:func:`validate` checks a value against a schema and returns a copy with the
declared types: strings from a form become int (``integer``), int or float
(``number``) and 0/1 (``boolean``, which accepts only ``0``/``1`` and JSON
true/false, as Proxmox does).  Every error is collected under its parameter's
path with Proxmox's text and raised together as a :class:`ParamError` (400).
The type texts of the API viewer are made in :mod:`pve.api.apidata`.
"""

import functools
import re

from pve.api.formats import FormatError, check_format, perl_true

PARAM_MESSAGE = "Parameter verification failed.\n"


class APIError(Exception):
    """An error as the API reports it: HTTP code, message, per-parameter errors."""

    def __init__(self, message, code=500, errors=None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.errors = dict(errors or {})

    def __str__(self):
        text = f"{self.code} {self.message}".rstrip("\n") + "\n"
        return text + "".join(f"{k}: {v}\n" for k, v in sorted(self.errors.items()))


class ParamError(APIError):
    """Parameter verification failed (400), with ``errors`` by parameter."""

    def __init__(self, errors, message=PARAM_MESSAGE):
        super().__init__(message, 400, errors)


def add_error(errors, path, message):
    path = path or "_root"
    # Proxmox joins with '\n' in single quotes: a backslash and an n.
    errors[path] = errors[path] + "\\n" + message if errors.get(path) else message


def _join(path, key):
    return f"{path}.{key}" if path else key


def perl_ref(value):
    """What Perl's ``ref`` says of a decoded JSON value ('' for scalars)."""
    if isinstance(value, bool):
        return "JSON::PP::Boolean"
    if isinstance(value, dict):
        return "HASH"
    if isinstance(value, (list, tuple)):
        return "ARRAY"
    if isinstance(value, re.Pattern):
        return "Regexp"
    return "CODE" if callable(value) else ""


def perl_str(value):
    """A scalar as Perl prints it (numbers with %.15g)."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        if value != value:
            return "NaN"
        if value in (float("inf"), float("-inf")):
            return "Inf" if value > 0 else "-Inf"
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return "%.15g" % value
    return str(value)


_NUMBER = re.compile(r"^[+-]?(\d+\.\d+|\d+\.|\.\d+|\d+)([eE][+-]?\d+)?$")
_INTEGER = re.compile(r"^[+-]?\d+$")


def is_number(text):
    return bool(_NUMBER.search(text))


def is_integer(text):
    return bool(_INTEGER.search(text))


def to_number(value):
    """int or float of a number-like scalar."""
    text = perl_str(value)
    return int(text) if is_integer(text) else float(text)


def _perl_flags(m):
    on = "".join(f for f in m.group(1) if f in "imsx")
    off = "".join(f for f in "imsx" if f not in on)
    return f"(?{on}-{off}:"


_POSIX = {"alnum": "a-zA-Z0-9", "alpha": "a-zA-Z", "digit": "0-9", "space": r"\s",
          "upper": "A-Z", "lower": "a-z", "xdigit": "0-9A-Fa-f", "word": r"\w"}


def perl_regex(pattern):
    """Python spelling of a Perl pattern (``(?^i:...)``, POSIX classes)."""
    pattern = re.sub(r"\(\?\^([a-z]*):", _perl_flags, pattern)
    return re.sub(r"\[:(\w+):\]", lambda m: _POSIX.get(m.group(1), m.group(0)), pattern)


@functools.lru_cache(maxsize=1024)
def anchored(pattern):
    """The compiled ``m/^$pattern$/`` Proxmox matches a value with."""
    return re.compile("^" + perl_regex(pattern) + "$")


def check_type(path, type_, value, errors):
    if not type_:
        return True
    if value is None:
        return True
    if isinstance(type_, list):
        for alternative in type_:
            if check_type(path, alternative, value, {}):
                return True
        add_error(errors, path, f"type check ('{'|'.join(type_)}') failed")
        return False
    if isinstance(type_, dict):
        tmp = {}
        check_prop(value, type_, path, tmp)
        if tmp:
            add_error(errors, path, "type check failed")
        return not tmp
    if type_ == "any":
        return True
    if type_ == "null":
        add_error(errors, path, f"type check ('{type_}') failed - value is not null")
        return False
    ref = perl_ref(value)
    wanted = {"array": "ARRAY", "object": "HASH", "coderef": "CODE"}.get(type_)
    if wanted:
        if ref != wanted:
            add_error(errors, path, f"type check ('{type_}') failed")
        return ref == wanted
    if type_ == "string" and ref == "Regexp":
        return True
    if ref:
        if type_ == "boolean" and isinstance(value, bool):
            return True
        add_error(errors, path, f"type check ('{type_}') failed - got {ref}")
        return False
    text = perl_str(value)
    ok = {"boolean": lambda: text in ("1", "0"), "integer": lambda: is_integer(text),
          "number": lambda: is_number(text)}.get(type_, lambda: True)()
    if not ok:
        add_error(errors, path, f"type check ('{type_}') failed - got '{text}'")
    return ok


def _coerce(value, type_):
    if isinstance(value, bool):
        return int(value)
    text = perl_str(value)
    if type_ == "integer":
        return int(text)
    if type_ == "number":
        return to_number(text)
    if type_ == "boolean":
        return int(text)
    return text if type_ == "string" else value


def check_prop(value, schema, path, errors, instance_type=None, collect_unknown=None):
    """Check *value* against *schema*; return it with the declared types."""
    if not isinstance(schema, dict):
        add_error(errors, path, "Invalid schema definition.")
        return value
    optional_for_type = False
    one_of = schema.get("oneOf")
    if one_of and not schema.get("type-property-schema"):
        if schema.get("type-property"):
            optional_for_type = True
            for inner in one_of:
                if not perl_true(instance_type):
                    break
                if inner.get("instance-types") is None:
                    add_error(errors, path, "missing 'instance-types' in oneOf alternative")
                    return value
                if instance_type not in inner["instance-types"]:
                    continue
                optional_for_type = perl_true(inner.get("optional"))
                value = check_prop(value, inner, path, errors)
        else:
            collected = {}
            for i, inner in enumerate(one_of):
                inner_errors = {}
                check_prop(value, inner, f"{path}.oneOf[{i}]", inner_errors)
                if not inner_errors:
                    collected = {}
                    break
                for key, msg in inner_errors.items():
                    add_error(collected, key, msg)
            for key, msg in collected.items():
                add_error(errors, key, msg)
    elif perl_true(instance_type):
        if schema.get("instance-types") is None:
            add_error(errors, path, "missing 'instance-types'")
            return value
        optional_for_type = instance_type not in schema["instance-types"]

    if perl_true(schema.get("alias")):
        return value
    if value is None:
        if schema.get("type") != "null" and not (
                perl_true(schema.get("optional")) or perl_true(schema.get("group"))
                or optional_for_type):
            add_error(errors, path, "property is missing and it is not optional")
        return None
    if not check_type(path, schema.get("type"), value, errors):
        return value

    ref = perl_ref(value)
    if ref == "ARRAY":
        items = schema.get("items")
        if isinstance(items, dict):
            return [check_prop(item, items, f"{path}[{i}]", errors)
                    for i, item in enumerate(value)]
        return value
    if ref:
        props = schema.get("properties")
        if props is not None or perl_true(schema.get("additionalProperties")):
            return check_object(path, props if props is not None else {}, value,
                                schema.get("additionalProperties"), errors, collect_unknown)
        if schema.get("allOf"):
            return _check_all_of(value, schema["allOf"], path, errors, instance_type,
                                 collect_unknown)
        if one_of:
            return _check_one_of(value, schema, path, errors, collect_unknown)
        return _coerce(value, schema.get("type")) if ref == "JSON::PP::Boolean" else value

    if schema.get("allOf") or (one_of and schema.get("type-property-schema")):
        add_error(errors, path, "value must be an object")
        return value
    text = perl_str(value)
    if perl_true(schema.get("format")):
        try:
            check_format(schema["format"], text, path)
        except FormatError as exc:
            add_error(errors, path, f"invalid format - {exc}")
            return value
    if perl_true(schema.get("pattern")) and not anchored(schema["pattern"]).search(text):
        add_error(errors, path, "value does not match the regex pattern")
        return value
    limit = schema.get("maxLength")
    if limit is not None and len(text) > to_number(limit):
        add_error(errors, path, f"value may only be {perl_str(limit)} characters long")
        return value
    limit = schema.get("minLength")
    if limit is not None and len(text) < to_number(limit):
        add_error(errors, path, f"value must be at least {perl_str(limit)} characters long")
        return value
    if is_number(text):
        limit = schema.get("maximum")
        if limit is not None and to_number(text) > to_number(limit):
            add_error(errors, path, f"value must have a maximum value of {perl_str(limit)}")
            return value
        limit = schema.get("minimum")
        if limit is not None and to_number(text) < to_number(limit):
            add_error(errors, path, f"value must have a minimum value of {perl_str(limit)}")
            return value
    enum = schema.get("enum")
    if perl_true(enum) and text not in [perl_str(e) for e in enum]:
        add_error(errors, path, f"value '{text}' does not have a value in the enumeration '"
                  + ", ".join(perl_str(e) for e in enum) + "'")
        return value
    return _coerce(value, schema.get("type"))


def check_object(path, schema, value, additional_properties, errors, collect_unknown=None):
    """Check a dict against ``properties`` *schema*; return the typed copy."""
    if not isinstance(schema, dict):
        add_error(errors, path, "Invalid schema definition.")
        return value
    if not isinstance(value, dict):
        add_error(errors, path, "an object is required")
        return value
    value = dict(value)
    for key in list(value):
        alias = (schema.get(key) or {}).get("alias")
        if alias is None:
            continue
        if value.get(alias) is not None:
            add_error(errors, _join(path, key),
                      f"cannot set both '{key}' and its alias target '{alias}'")
        else:
            value[alias] = value.pop(key)
    out = {}
    for key, sub in schema.items():
        type_property = sub.get("type-property") if isinstance(sub, dict) else None
        instance_type = value.get(type_property) if type_property else None
        checked = check_prop(value.get(key), sub, _join(path, key), errors, instance_type)
        if key in value:
            out[key] = checked
    for key in value:
        sub = schema.get(key)
        if perl_true(sub):
            requires = sub.get("requires")
            if isinstance(requires, dict):
                check_prop(value, requires, path, errors)
            elif perl_true(requires) and value.get(requires) is None:
                add_error(errors, _join(path, requires),
                          f"missing property required by '{_join(path, key)}'")
            if not sub.get("oneOf"):
                continue
            wanted = value.get(sub.get("type-property"))
            if any(alt.get("instance-types") is None or wanted in alt["instance-types"]
                   for alt in sub["oneOf"]):
                continue
        if additional_properties is not None and not perl_true(additional_properties):
            if collect_unknown is not None:
                collect_unknown[key] = 1
            else:
                add_error(errors, _join(path, key), "property is not defined in schema "
                          "and the schema does not allow additional properties")
            continue
        if isinstance(additional_properties, dict):
            out[key] = check_prop(value[key], additional_properties, _join(path, key), errors)
        else:
            out[key] = value[key]
    return out


def _propagate_unknown(path, errors, collect_unknown, unknown):
    if collect_unknown is not None:
        collect_unknown.update(dict.fromkeys(unknown, 1))
        return
    for key in sorted(unknown):
        add_error(errors, _join(path, key), "property is not defined in schema "
                  "and the schema does not allow additional properties")


def _check_all_of(value, all_of, path, errors, instance_type, collect_unknown):
    everywhere, out = None, {}
    for sub in all_of:
        here = {}
        checked = check_prop(value, sub, path, errors, instance_type, here)
        if isinstance(checked, dict):
            for key, item in checked.items():
                out.setdefault(key, item)
        everywhere = set(here) if everywhere is None else everywhere & set(here)
    _propagate_unknown(path, errors, collect_unknown, everywhere or ())
    return out


def _check_one_of(value, schema, path, errors, collect_unknown):
    type_schema = schema.get("type-property-schema")
    if not type_schema:
        return value
    type_property = schema["type-property"]
    type_path = _join(path, type_property)
    instance_type = value.get(type_property)
    type_errors = {}
    others = [k for k in value if k != type_property]
    if instance_type is None:
        _propagate_unknown(path, errors, collect_unknown, others)
        if perl_true(schema.get("optional")):
            return value
        type_errors = errors
    check_prop(instance_type, type_schema, type_path, type_errors, None, collect_unknown)
    if instance_type is None:
        return value
    if type_errors:
        for msg in type_errors.values():
            add_error(errors, type_path, msg)
        _propagate_unknown(path, errors, collect_unknown, others)
        return value
    for variant in schema["oneOf"]:
        name = variant["instance-type"]
        if name == perl_str(instance_type):
            variant_path = _join(path, f"oneOf[{name}]")
            unknown = {}
            checked = check_prop(value, variant, variant_path, errors, None, unknown)
            unknown.pop(type_property, None)
            _propagate_unknown(variant_path, errors, collect_unknown, unknown)
            if isinstance(checked, dict):
                checked = {type_property: value[type_property], **checked}
            return checked
    add_error(errors, path, f"'{instance_type}' is not a valid oneOf variant")
    return value


def validate(instance, schema, message=PARAM_MESSAGE):
    """Check *instance* against *schema*; return the typed copy or raise ParamError."""
    errors = {}
    result = instance if schema is None else check_prop(instance, schema, "", errors)
    if errors:
        raise ParamError(errors, message)
    return result
