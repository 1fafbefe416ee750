"""``pvesh``: a shell for the API (pve-manager ``PVE/CLI/pvesh.pm``).

``pvesh get|set|create|delete <api_path> [--param value] [FORMAT_OPTIONS]``
calls GET/PUT/POST/DELETE on the path in-process, as root@pam;
``pvesh ls <api_path>`` lists the children with their capabilities
(``Dr-c-``: directory, read, write, create, delete); ``pvesh usage
<api_path> [--verbose] [--returns] [--command get]`` prints the methods'
usage.  The options of ``get``... are the method's own parameters, so they
are read from the path given on the command line before anything else.
"""

import copy

from twisted.internet import defer

from pve.api.declare import Endpoint
from pve.api.formatters import child_link
from pve.api.schema import APIError
from pve.cli import apicmd
from pve.cli import format as clifmt
from pve.cli.apicmd import CLI, Command, CommandError
from pve.cli.usage import usage_str

KLASS = "PVE::CLI::pvesh"
METHOD_MAP = {"create": "POST", "set": "PUT", "get": "GET", "delete": "DELETE"}

API_PATH = {"description": "API path.", "type": "string"}
OUR_PROPERTIES = {
    "api_path": API_PATH,
    "noproxy": {"description": "Disable automatic proxying.", "type": "boolean",
                "optional": 1},
}


def remove_properties(schema, names):
    props = schema.get("properties")
    if props is not None:
        for name in names:
            props.pop(name, None)
        return
    for sub in schema.get("allOf") or schema.get("oneOf") or ():
        remove_properties(sub, names)


def merge_properties(extra, schema):
    """Add the property map *extra* to *schema* in place, as pvesh does."""
    props = schema.get("properties")
    if props is not None:
        props.update(copy.deepcopy(extra))
        return
    extra = {"additionalProperties": 0, "properties": copy.deepcopy(extra)}
    if schema.get("allOf") is not None:
        schema["allOf"].append(extra)
    elif schema.get("oneOf") is not None:
        old = dict(schema)
        schema.clear()
        schema["allOf"] = [old, extra]
    else:
        raise CommandError("unknown schema type (not an object?)\n")


def unconditional_property(schema, key):
    props = schema.get("properties")
    if props is not None:
        return props.get(key)
    for sub in schema.get("allOf") or ():
        found = unconditional_property(sub, key)
        if found is not None:
            return found
    return None


def with_output_options(schema):
    missing = {k: v for k, v in clifmt.STANDARD_OUTPUT_OPTIONS.items()
               if unconditional_property(schema, k) is None}
    if not missing:
        return schema
    schema = dict(schema)
    if "properties" in schema:
        schema["properties"] = dict(schema["properties"])
    merge_properties(missing, schema)
    return schema


def extract_standard(params):
    return {k: params.pop(k) for k in list(params)
            if k in clifmt.STANDARD_OUTPUT_OPTIONS and params[k] is not None}


class Pvesh:
    """The commands of one pvesh run (their schemas depend on the path)."""

    def __init__(self, registry, argv):
        self.registry = registry
        self.path_schema = {"additionalProperties": 0, "properties": {}}
        self.path_error = None
        if len(argv) >= 2 and argv[0] in METHOD_MAP and argv[1]:
            try:
                route = registry.resolve(METHOD_MAP[argv[0]], argv[1])
            except APIError:
                self.path_error = f"No '{argv[0]}' handler defined for '{argv[1]}'\n"
            else:
                self.path_schema = copy.deepcopy(route.endpoint.parameters)
                remove_properties(self.path_schema, list(route.path_params))
        merge_properties(OUR_PROPERTIES, self.path_schema)

    def endpoint(self, name, handler, description, parameters=None):
        return Endpoint(f"/{name}", "GET", name=name, description=description,
                        parameters=parameters or with_output_options(self.path_schema),
                        handler=handler)

    def table(self):
        def api_command(cmd):
            method = METHOD_MAP[cmd]
            return Command(self.endpoint(
                cmd, lambda ctx, params: self.call_api_method(ctx, cmd, params),
                f"Call API {method} on <api_path>."), ["api_path"], klass=KLASS)

        usage_params = {"additionalProperties": 0, "properties": {
            "api_path": API_PATH,
            "verbose": {"description": "Verbose output format.", "type": "boolean",
                        "optional": 1},
            "returns": {"description": "Including schema for returned data.",
                        "type": "boolean", "optional": 1},
            "command": {"description": "API command.", "type": "string",
                        "enum": list(METHOD_MAP), "optional": 1}}}
        ls_params = with_output_options(
            {"additionalProperties": 0, "properties": dict(OUR_PROPERTIES)})
        return {
            "usage": Command(self.endpoint("usage", self.usage,
                                           "print API usage information for <api_path>.",
                                           usage_params), ["api_path"], klass=KLASS),
            "ls": Command(self.endpoint("ls", self.ls, "List child objects on <api_path>.",
                                        ls_params), ["api_path"], klass=KLASS),
            **{cmd: api_command(cmd) for cmd in ("get", "set", "create", "delete")},
        }

    # -- commands ------------------------------------------------------------

    def _route(self, method, path):
        try:
            return self.registry.resolve(method, path)
        except APIError:
            return None

    def local_node(self, ctx, route, params):
        node = route.proxy_node({**route.path_params, **params})
        if node is not None and node not in ("localhost", ctx.nodename):
            if params.get("noproxy"):
                raise CommandError("proxy loop detected - aborting\n")
            raise CommandError(f"proxying to node '{node}' is not supported by this "
                               "pvesh; run it on that node\n")

    @defer.inlineCallbacks
    def call_api_method(self, ctx, cmd, params):
        method = METHOD_MAP[cmd]
        path = params.pop("api_path", None)
        if path is None:
            raise CommandError("missing API path\n")
        stdopts = extract_standard(params)
        noproxy = params.pop("noproxy", None)
        route = self._route(method, path)
        if route is None:
            raise CommandError(f"no '{cmd}' handler for '{path}'\n")
        self.local_node(ctx, route, {**params, "noproxy": noproxy})
        data = yield ctx.call(method, path, params)
        if stdopts.get("quiet") or ctx.nooutput:
            return None
        ctx.write(clifmt.api_result(data, route.endpoint.returns, None, stdopts,
                                    ctx.columns, ctx.utf8))
        return None

    def capabilities(self, path):
        route = self._route("GET", path)
        text = "--" if route is None else ("Dr" if child_link(route.endpoint.returns) else "-r")
        for method, letter in (("PUT", "w"), ("POST", "c"), ("DELETE", "d")):
            text += letter if self._route(method, path) is not None else "-"
        return text

    @defer.inlineCallbacks
    def ls(self, ctx, params):
        path = params.pop("api_path")
        stdopts = extract_standard(params)
        params.pop("noproxy", None)
        route = self._route("GET", path)
        if route is None:
            raise CommandError(f"no such resource '{path}'\n")
        prop = child_link(route.endpoint.returns)
        if not prop:
            raise CommandError(f"resource '{path}' does not define child links\n")
        self.local_node(ctx, route, params)
        data = yield ctx.call("GET", path, params)
        elems = [e for e in data or () if isinstance(e, dict)]
        children = [str(e.get(prop)) for e in sorted(elems, key=lambda e: str(e.get(prop)))]
        base = path.rstrip("/")
        rows = [{"name": c, "capabilities": self.capabilities(f"{base}/{c}")}
                for c in children]
        options = {"sort_key": "name", "noborder": 1, "noheader": 1, **stdopts}
        ctx.write(clifmt.api_result(rows, {"type": "array", "items": {"type": "object"}},
                                    ["capabilities", "name"], options, ctx.columns, ctx.utf8))
        return None

    def usage(self, ctx, params):
        path = params["api_path"]
        found = False
        for cmd in ("get", "set", "create", "delete"):
            if params.get("command") and cmd != params["command"]:
                continue
            route = self._route(METHOD_MAP[cmd], path)
            if route is None:
                continue
            found = True
            prefix = f"pvesh {cmd} {path}"
            fixed = dict(route.path_params)
            if params.get("verbose"):
                ctx.write(usage_str(route.endpoint, prefix, None, fixed, "full"))
            else:
                ctx.write("USAGE: " + usage_str(route.endpoint, prefix, None, fixed,
                                                       "short"))
            if params.get("returns"):
                ctx.write("RETURNS: " + clifmt.to_json_pretty(route.endpoint.returns) + "\n")
        if not found:
            if params.get("command"):
                raise CommandError(f"no '{params['command']}' handler for '{path}'\n")
            raise CommandError(f"no such resource '{path}'\n")
        return None


@defer.inlineCallbacks
def run(reactor, argv, registry=None, **kw):
    """Run ``pvesh`` with *argv*; fires with the exit code."""
    argv = list(argv)
    nooutput = False
    while argv and argv[0] in ("--noproxy", "--nooutput"):
        nooutput = nooutput or argv.pop(0) == "--nooutput"
    registry = registry if registry is not None else apicmd.make_registry()
    shell = Pvesh(registry, argv)
    out = kw.get("out")
    if shell.path_error:
        err = kw.get("err") or apicmd.sys.stderr
        err.write(shell.path_error)
        return 1
    if "columns" not in kw and "utf8" not in kw:
        columns, utf8 = apicmd.terminal(out or apicmd.sys.stdout)
        kw.update(columns=columns, utf8=utf8)
    cli = CLI(reactor, "pvesh", shell.table(), registry=registry, **kw)
    cli.nooutput = nooutput
    code = yield cli.run(argv)
    return code


def main(argv=None):
    apicmd.main_for(run, argv)


if __name__ == "__main__":
    main()
