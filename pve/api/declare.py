"""API endpoints as data, and the registry that routes a request to one.

An :class:`Endpoint` is one method of one path, written as Proxmox declares it
(pve-common ``RESTHandler.pm`` ``register_method``): name, description,
parameter and return schemas, permissions, ``protected``, ``proxyto``,
``allowtoken``.  A :class:`Registry` holds them in a tree of path segments,
where ``{name}`` (or ``{name:regex}``) is a path parameter, and resolves
``(method, path)`` to a :class:`Route`, or a 501 as Proxmox answers.

Handlers are called as ``handler(env, params)``: *env* is whatever the caller
passes (the request's user and services), *params* the validated parameters.
They may return a value, a Deferred or a coroutine.
"""

import inspect
import re
from dataclasses import dataclass, field

from twisted.internet import defer

from pve.api import formats
from pve.api.formats import perl_true
from pve.api.schema import APIError, ParamError, anchored, perl_ref, perl_str, validate

METHODS = ("GET", "POST", "PUT", "DELETE")
_SEGMENT = re.compile(r"^\{([\w-]+)(?::(.*))?\}$")


class _Unset:
    """Marks a key the declaration leaves out (so apidata leaves it out too)."""

    def __bool__(self):
        return False

    def __repr__(self):
        return "UNSET"


UNSET = _Unset()


@dataclass(eq=False)
class Endpoint:
    """One API method.  Keys left UNSET are absent from the apidata entry."""

    path: str
    method: str = "GET"
    name: str = ""
    description: str = ""
    parameters: dict = field(
        default_factory=lambda: {"additionalProperties": 0, "properties": {}})
    returns: dict = field(default_factory=lambda: {"type": "null"})
    permissions: object = UNSET  # {"check": [...]} / {"user": "all"}, as Proxmox writes them
    protected: object = UNSET
    proxyto: object = UNSET  # name of the parameter holding the node to run on
    allowtoken: object = 1
    expose_credentials: object = UNSET
    download_allowed: object = UNSET
    handler: object = None
    proxyto_callback: object = None  # (env, proxyto, params) -> node name
    # "" makes the last path parameter take the rest of the path, slashes
    # included (Proxmox's ``fragmentDelimiter => ''``: volume IDs)
    fragment_delimiter: object = None

    def __post_init__(self):
        self.method = self.method.upper()
        if self.method not in METHODS:
            raise ValueError(f"{self.path}: unknown method '{self.method}'")
        if not self.path.startswith("/"):
            raise ValueError(f"path '{self.path}' must start with '/'")
        self.segments = [s for s in self.path.split("/") if s]
        if "//" in self.path.rstrip("/"):
            raise ValueError(f"{self.path}: path component has zero length")
        self.path_params = []
        for seg in self.segments:
            m = _SEGMENT.match(seg)
            if m:
                self.path_params.append(m.group(1))

    @property
    def template(self):
        """The path as apidata writes it, without trailing slash."""
        return "/" + "/".join(self.segments)

    def info(self):
        """The method's keys as Proxmox's api_dump lists them (schemas raw)."""
        info = {"method": self.method, "name": self.name,
                "description": self.description,
                "parameters": self.parameters, "returns": self.returns}
        for key in ("permissions", "protected", "proxyto", "allowtoken",
                    "expose_credentials", "download_allowed"):
            value = getattr(self, key)
            if value is not UNSET:
                info[key] = int(value) if isinstance(value, bool) else value
        return info

    def call(self, env, params):
        """Run the handler; always a Deferred."""
        if not (self.name and self.handler):
            return defer.fail(APIError(f"Method lookup failed ('{self.name}')\n", 500))
        try:
            result = self.handler(env, params)
        except Exception:
            return defer.fail()
        if inspect.iscoroutine(result):
            return defer.Deferred.fromCoroutine(result)
        return defer.maybeDeferred(lambda: result)


@dataclass(frozen=True)
class Route:
    """An endpoint matched by a request path, with the path's parameters."""

    endpoint: Endpoint
    path_params: dict

    @property
    def proxyto(self):
        return self.endpoint.proxyto or None

    @property
    def protected(self):
        return bool(self.endpoint.protected)

    def merge(self, params):
        """Path parameters plus *params*; a conflicting duplicate is a 400."""
        merged = dict(self.path_params)
        for key in sorted(params or {}):
            value = params[key]
            if key in merged and (perl_ref(value) or perl_str(value) != merged[key]):
                raise ParamError({key: "duplicate parameter (already defined in URI) "
                                       "with conflicting values!"})
            merged[key] = value
        return merged

    def proxy_node(self, params, env=None):
        """The node a ``proxyto`` endpoint must run on, or None if it has none."""
        ep = self.endpoint
        if ep.proxyto_callback is not None:
            node = ep.proxyto_callback(env, ep.proxyto or None, params)
            if not node:
                raise APIError("internal error - proxyto_callback returned nothing\n", 500)
            return node
        if not ep.proxyto:
            return None
        node = params.get(ep.proxyto)
        if not perl_true(node):
            raise ParamError({ep.proxyto: "proxyto parameter does not exist"})
        return node

    def check(self, params):
        """Validate merged parameters against the endpoint's schema (no
        parameters for a schema that requires none: nothing to check)."""
        if not params and _all_optional(self.endpoint.parameters):
            return {}
        return check_params(params, self.endpoint.parameters)


#: id(schema) -> (schema, whether its properties are all optional)
_ALL_OPTIONAL = {}


def _all_optional(schema):
    known = _ALL_OPTIONAL.get(id(schema))
    if known is None or known[0] is not schema:
        props = schema.get("properties") if isinstance(schema, dict) else None
        simple = (isinstance(props, dict) and not schema.get("allOf")
                  and not schema.get("oneOf"))
        known = (schema, simple and all(
            isinstance(p, dict) and p.get("optional") for p in props.values()))
        _ALL_OPTIONAL[id(schema)] = known
    return known[1]


class _Node:
    def __init__(self, text, path):
        self.text, self.path = text, path
        self.children = {}  # literal segment -> _Node
        self.param = None  # (name, compiled regex, _Node)
        self.methods = {}
        self.rest = False  # a parameter node that takes the rest of the path


def not_implemented(method, path):
    return APIError(f"Method '{method} {path}' not implemented", 501)


class Registry:
    """All endpoints, in registration order, as a tree of path segments."""

    def __init__(self, strict_formats=True):
        self.strict_formats = strict_formats
        self._root = _Node("", "")
        self._endpoints = []

    def __iter__(self):
        return iter(self._endpoints)

    def add(self, endpoint):
        """Register *endpoint*; refuse clashes Proxmox's registry refuses."""
        self._check_schema(endpoint)
        node = self._root
        last = len(endpoint.segments) - 1
        for index, seg in enumerate(endpoint.segments):
            m = _SEGMENT.match(seg)
            where = f"register {endpoint.method} {endpoint.path}:"
            if m:
                name, regex = m.group(1), m.group(2) or r"\S+"
                if node.children:
                    raise ValueError(f"{where} path match error - regex and fixed items")
                if node.param is None:
                    node.param = (name, re.compile(f"^({regex})$"),
                                  _Node(seg, f"{node.path}/{seg}"))
                elif node.param[0] != name or node.param[1].pattern != f"^({regex})$":
                    raise ValueError(f"{where} found changed regex match name")
                node = node.param[2]
                if endpoint.fragment_delimiter == "" and index == last:
                    node.rest = True
            else:
                if node.param is not None:
                    raise ValueError(f"{where} path match error - regex and fixed items")
                node = node.children.setdefault(seg, _Node(seg, f"{node.path}/{seg}"))
        if endpoint.method in node.methods:
            raise ValueError(f"{endpoint.method} {endpoint.path}: duplicate method definition")
        node.methods[endpoint.method] = endpoint
        self._endpoints.append(endpoint)
        return endpoint

    def endpoint(self, path, method="GET", **fields):
        """Decorator: register the function as the handler of a new Endpoint."""
        def register(handler):
            self.add(Endpoint(path, method, handler=handler, **fields))
            return handler
        return register

    def _find(self, path):
        node, params = self._root, {}
        segments = [s for s in path.split("/") if s]
        for index, seg in enumerate(segments):
            if node.param is not None:
                name, regex, child = node.param
                if child.rest:
                    seg = "/".join(segments[index:])
                m = regex.search(seg)
                if not m:
                    return None, None
                params[name] = m.group(1)
                node = child
                if child.rest:
                    break
            else:
                node = node.children.get(seg)
                if node is None:
                    return None, None
        return node, params

    def resolve(self, method, path):
        """The Route for a request, or APIError 501 like Proxmox."""
        node, params = self._find(path)
        endpoint = node.methods.get(method) if node is not None else None
        if endpoint is None:
            raise not_implemented(method, path)
        return Route(endpoint, params)

    def children(self, path):
        """Segment texts below a request path (``{vmid}`` for a parameter)."""
        node, _ = self._find(path)
        if node is None:
            return []
        return [node.param[2].text] if node.param else list(node.children)

    def lookup(self, method, template):
        """The endpoint declared for *template* (``/nodes/{node}``), or None."""
        template = "/" + "/".join(s for s in template.split("/") if s)
        for ep in self._endpoints:
            if ep.method == method and ep.template == template:
                return ep
        return None

    def dispatch(self, method, path, params=None, env=None):
        """Resolve, merge path parameters, validate and call: a Deferred."""
        try:
            route = self.resolve(method, path)
            checked = route.check(route.merge(params or {}))
        except Exception:
            return defer.fail()
        return route.endpoint.call(env, checked)

    def _check_schema(self, endpoint):
        props = endpoint.parameters.get("properties")
        extra = endpoint.parameters.get("additionalProperties")
        for name in endpoint.path_params:
            if (props is None or name not in props) and not perl_true(extra):
                raise ValueError(f"{endpoint.method} {endpoint.path}: path parameter "
                                 f"'{name}' is not in the parameters schema")
        for sub in walk_schema(endpoint.parameters):
            fmt = sub.get("format")
            if self.strict_formats and fmt and not formats.is_known(fmt):
                raise ValueError(f"{endpoint.method} {endpoint.path}: format '{fmt}' is "
                                 "not registered (pve.api.formats.register_format)")
            if isinstance(sub.get("pattern"), str):
                anchored(sub["pattern"])


def is_object_like(schema):
    return bool(schema) and any(schema.get(k) is not None
                                for k in ("properties", "allOf", "oneOf"))


def get_property_schema(schema, key, data=None):
    """The schema of property *key* in an object-like schema (through allOf/oneOf)."""
    props = schema.get("properties")
    if props is not None:
        return props.get(key)
    for sub in schema.get("allOf") or ():
        found = get_property_schema(sub, key, data)
        if found is not None:
            return found
    if schema.get("allOf") is not None:
        return None
    type_property = schema.get("type-property")
    wanted = None
    if type_property is not None:
        if key == type_property:
            return schema.get("type-property-schema")
        wanted = (data or {}).get(type_property)
    for sub in schema.get("oneOf") or ():
        if wanted is not None:
            if wanted == sub.get("instance-type"):
                return get_property_schema(sub, key, data)
            continue
        found = get_property_schema(sub, key, data)
        if found is not None:
            return found
    return None


def check_params(params, schema):
    """Validate request parameters: join repeated ``-list`` values, wrap single
    values of arrays (as Proxmox's form handling does), then :func:`validate`."""
    if is_object_like(schema) and isinstance(params, dict):
        params = dict(params)
        for key, value in list(params.items()):
            prop = get_property_schema(schema, key, params)
            if prop is None or not perl_true(value):
                continue
            fmt = prop.get("format")
            if (isinstance(value, list) and prop.get("type") == "string"
                    and isinstance(fmt, str) and fmt.endswith("-list")):
                params[key] = ",".join(perl_str(v) for v in value)
            elif not perl_ref(value) and prop.get("type") == "array":
                params[key] = [value]
    return validate(params, schema)


def walk_schema(schema):
    """Every sub-schema of *schema* (properties, items, oneOf, ...), itself first."""
    if not isinstance(schema, dict):
        return
    yield schema
    for key in ("properties",):
        for sub in (schema.get(key) or {}).values():
            yield from walk_schema(sub)
    for key in ("items", "additionalProperties", "requires", "type-property-schema"):
        yield from walk_schema(schema.get(key))
    for key in ("oneOf", "allOf"):
        for sub in schema.get(key) or ():
            yield from walk_schema(sub)
    if isinstance(schema.get("format"), dict):
        for sub in schema["format"].values():
            yield from walk_schema(sub)
