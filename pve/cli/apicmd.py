"""API methods as command-line commands (pve-common ``CLIHandler``).

A command table maps words to a :class:`Command` (one API method: its
positional parameters, fixed parameters, output function and formatter
options), to a nested table, or to an :class:`Alias`.  :class:`CLI` reads
argv against the table, parses options (:mod:`pve.cli.getopt`), calls the
method in-process through the API registry with a command-line
:class:`~pve.api.env.Env` (root@pam) over the pmxcfs IPC client, and prints
the result (:mod:`pve.cli.format`) or the error as Proxmox does:
``400 Parameter verification failed.``, one ``param: message`` line each,
then the command's usage; exit code 255 for errors.
"""

import os
import sys
from dataclasses import dataclass, field

from twisted.internet import defer, task

from pve import paths as pvepaths
from pve.api.declare import Endpoint, check_params
from pve.api.env import Env
from pve.api.schema import APIError
from pve.cli import format as clifmt
from pve.cli.getopt import get_options, with_properties
from pve.cli.usage import usage_str

STANDARD = clifmt.STANDARD_OUTPUT_OPTIONS
HANDLER_CLASS = "PVE::CLIHandler"


class Abort(Exception):
    """Print the short usage with ``ERROR: reason`` to stderr; exit 255."""

    def __init__(self, reason, words=None):
        super().__init__(reason)
        self.reason, self.words = reason, words


class CommandError(Exception):
    """A failure printed as its text (a Perl ``die``)."""

    def __init__(self, message, code=255):
        super().__init__(message)
        self.message, self.code = message, code


@dataclass
class Mapping:
    """How a parameter is read: ``desc`` for usage, ``func(ctx, value)``."""

    desc: str
    func: object
    interactive: bool = True


@dataclass
class Command:
    """One command: *target* is ``(METHOD, "/path/{template}")`` of an API
    method, or a local :class:`~pve.api.declare.Endpoint` whose handler is
    called as ``handler(ctx, params)``.  *output* is
    ``output(ctx, data, returns, fmt_params)`` -> text."""

    target: object
    arg_param: object = ()
    fixed_param: dict = field(default_factory=dict)
    output: object = None
    formatter_properties: dict = None
    mapping: dict = None
    klass: str = ""


@dataclass
class Alias:
    words: str


def print_api_result(ctx, data, returns, options):
    return clifmt.api_result(data, returns, None, options, ctx.columns, ctx.utf8)


# -- reading passwords -----------------------------------------------------

def read_password(ctx, prompt):
    """A line of stdin, or (on a terminal) a password typed without echo."""
    stdin = ctx.stdin
    if not (hasattr(stdin, "isatty") and stdin.isatty()):
        line = stdin.readline()
        if not line:
            raise CommandError("EOF while reading password\n")
        return line[:-1] if line.endswith("\n") else line
    import getpass
    try:
        return getpass.getpass(prompt)
    except (EOFError, KeyboardInterrupt):
        raise CommandError("password input aborted\n")


def confirmed_password(ctx, value=None):
    """The standard ``pve-password`` mapping: a given value, else asked twice
    on a terminal; without one, the first line of stdin (so both ``echo pw |``
    and Proxmox's two-line ``printf 'pw\\npw\\n' |`` work)."""
    if value:
        return value
    if not (hasattr(ctx.stdin, "isatty") and ctx.stdin.isatty()):
        return read_password(ctx, "")
    first = read_password(ctx, "Enter new password: ")
    second = read_password(ctx, "Retype new password: ")
    if first != second:
        raise CommandError("passwords do not match\n")
    return first


PASSWORD = Mapping("<password>", confirmed_password)


# -- the command table -----------------------------------------------------

def commands_of(table):
    return sorted(k for k, v in table.items() if not isinstance(v, Alias))


def _expand(table, word):
    if word in table:
        return word
    found = [k for k, v in table.items() if k.startswith(word) and not isinstance(v, Alias)]
    return found[0] if len(found) == 1 else None


def resolve(table, words, exename, _aliased=False):
    """(definition or None, remaining words, command string)."""
    node, cmdstr = table, exename
    for i, word in enumerate(words):
        name = _expand(node, word) or word
        cmdstr += f" {name}"
        if name not in node:
            return None, words[i + 1:], cmdstr
        node = node[name]
        if isinstance(node, Command):
            return node, list(words[i + 1:]), cmdstr
        if isinstance(node, Alias):
            if _aliased:
                raise ValueError(f"alias loop detected for '{name}'")
            words = list(words[:i]) + node.words.split() + list(words[i + 1:])
            return resolve(table, words, exename, True)
    return node, [], cmdstr


# -- the runner ------------------------------------------------------------

class CLI:
    """One run of a command-line tool over a command *table*."""

    def __init__(self, reactor, exename, table, registry=None, paths=None,
                 nodename=None, out=None, err=None, stdin=None, description=None,
                 client=None, columns=None, utf8=False):
        self.reactor, self.exename, self.registry = reactor, exename, registry
        self.paths = paths or pvepaths.current()
        self.nodename = nodename or pvepaths.nodename()
        self.out, self.err = out or sys.stdout, err or sys.stderr
        self.stdin = stdin if stdin is not None else sys.stdin
        self.description = description
        self.columns, self.utf8 = columns, utf8
        self.table = dict(table)
        self.table["help"] = Command(self.help_endpoint(), ["extra-args"],
                                     klass=HANDLER_CLASS)
        self._client = client
        self._own_client = False
        self._env = None

    # -- services -----------------------------------------------------------

    @defer.inlineCallbacks
    def env(self):
        """The command-line Env (root@pam), connecting to pmxcfs once."""
        if self._env is None:
            if self._client is None:
                from pve.cluster.client import IPCClient, default_description
                description = self.description or default_description(self.paths)
                try:
                    self._client = yield IPCClient.connect(self.reactor, description)
                except Exception as e:
                    raise CommandError(f"unable to connect to pmxcfs - {e}\n")
                self._own_client = True
            self._env = Env(self._client, self.reactor, self.paths, self.nodename,
                            user="root@pam", cli=True)
        return self._env

    @defer.inlineCallbacks
    def close(self):
        if self._own_client and self._client is not None:
            yield self._client.close()
        self._client = None

    def endpoint(self, cmd):
        """The Endpoint a command runs, or None when the registry lacks it."""
        if isinstance(cmd.target, Endpoint):
            return cmd.target
        method, template = cmd.target
        return self.registry.lookup(method, template) if self.registry else None

    @defer.inlineCallbacks
    def call(self, method, path, params):
        """Call an API method in-process: validate, run, fire with the data."""
        env = yield self.env()
        result = yield self.registry.dispatch(method, path, params, env)
        return result

    def call_endpoint(self, cmd, endpoint, params):
        if isinstance(cmd.target, Endpoint):
            try:
                checked = check_params(params, endpoint.parameters)
            except Exception:
                return defer.fail()
            return endpoint.call(self, checked)
        path = "/" + "/".join(
            str(params.get(seg[1:-1].split(":")[0], seg)) if seg.startswith("{") else seg
            for seg in endpoint.segments)
        return self.call(endpoint.method, path, params)

    def write(self, text):
        if text:
            self.out.write(text)

    # -- usage --------------------------------------------------------------

    def usage(self, words, fmt, indent="", separator=""):
        """Usage text of the (sub)commands *words* name (all if empty)."""
        node, _, cmdstr = resolve(self.table, list(words), self.exename)
        if node is None:
            raise Abort(f"unknown command '{' '.join(words)}'")
        return self._usage(node, cmdstr, fmt, indent, separator)

    def _sorted(self, table):
        def key(name):
            value = table[name]
            if isinstance(value, Command):
                return (1, value.klass, name)
            return (0, "", name)
        return sorted(commands_of(table), key=key)

    def _usage(self, node, prefix, fmt, indent, separator):
        if isinstance(node, Command):
            return indent + self.command_usage(node, prefix, fmt)
        text, oldclass = "", None
        for name in self._sorted(node):
            value = node[name]
            if isinstance(value, Command):
                if self.endpoint(value) is None:
                    continue
                if oldclass and oldclass != value.klass:
                    text += separator
                text += indent + self.command_usage(value, f"{prefix} {name}", fmt)
                oldclass = value.klass
            else:
                sub = self._usage(value, f"{prefix} {name}", fmt, indent, "")
                if sub:
                    if separator and separator * 2 not in sub:
                        sub += separator
                    text += sub
        return text

    def command_usage(self, cmd, prefix, fmt):
        endpoint = self.endpoint(cmd)
        return usage_str(endpoint, prefix, cmd.arg_param, cmd.fixed_param, fmt,
                         cmd.formatter_properties, cmd.mapping)

    def usage_short(self, words=None):
        text = f"USAGE: {self.exename} <COMMAND> [ARGS] [OPTIONS]\n\n"
        return text + self.usage(words or [], "short", " " * 7, "" if words else "\n")

    # -- help ---------------------------------------------------------------

    def help_endpoint(self):
        return Endpoint(
            "/help", "GET", name="help",
            description="Get help about specified command.",
            parameters={"additionalProperties": 0, "properties": {
                "extra-args": {"type": "array", "items": {"type": "string"},
                               "optional": 1,
                               "description": "Shows help for a specific command"},
                "verbose": {"type": "boolean", "optional": 1,
                            "description": "Verbose output format."}}},
            handler=lambda ctx, params: ctx.help(params))

    def help(self, params):
        words = params.get("extra-args") or []
        verbose = params.get("verbose", 1 if words else 0)
        if not words:
            if verbose:
                self.write(f"USAGE: {self.exename} <COMMAND> [ARGS] [OPTIONS]\n\n"
                           + self.usage([], "full") + "\n")
            else:
                self.write(self.usage_short())
            return None
        if verbose:
            self.write(self.usage(words, "full").lstrip() + "\n")
        else:
            self.write("USAGE: " + self.usage(words, "short", " " * 7).lstrip() + "\n")
        return None

    # -- running ------------------------------------------------------------

    def mapping_funcs(self, cmd):
        return {name: (lambda value, m=m: m.func(self, value))
                for name, m in (cmd.mapping or {}).items() if m.interactive}

    @defer.inlineCallbacks
    def run_command(self, cmd, words, cmdstr):
        endpoint = self.endpoint(cmd)
        if endpoint is None:
            raise Abort(f"unknown command '{cmdstr}'")
        fmt_props = cmd.formatter_properties or {}
        try:
            schema = with_properties(endpoint.parameters, fmt_props)
            params = get_options(schema, words, cmd.arg_param, cmd.fixed_param,
                                 self.mapping_funcs(cmd), warn=self.err.write)
            fmt_params = {k: params.pop(k) for k in list(params)
                          if k in fmt_props and params[k] is not None}
            if fmt_params:
                fmt_params = check_params(fmt_params, {"properties": fmt_props})
            result = yield self.call_endpoint(cmd, endpoint, params)
        except APIError as e:
            if e.code == 400:
                e.usage = self.command_usage(cmd, cmdstr, "short")
            raise
        if cmd.output is not None:
            self.write(cmd.output(self, result, endpoint.returns, fmt_params))
        return 0

    @defer.inlineCallbacks
    def run(self, argv):
        """Run *argv*; fires with the exit code."""
        try:
            try:
                if not argv:
                    raise Abort("no command specified")
                node, words, cmdstr = resolve(self.table, list(argv), self.exename)
                if isinstance(node, dict):
                    raise Abort(f"incomplete command '{cmdstr}'", list(argv))
                if node is None:
                    raise Abort(f"unknown command '{cmdstr}'")
                code = yield self.run_command(node, words, cmdstr)
            finally:
                yield self.close()
        except Abort as e:
            self.err.write(f"ERROR: {e.reason}\n" + self.usage_short(e.words))
            return 255
        except Exception as e:
            self.err.write(error_text(e))
            return getattr(e, "code", 255) if isinstance(e, CommandError) else 255
        return code


def error_text(exc):
    """What a CLI prints for an exception, as Proxmox's ``die`` does."""
    if isinstance(exc, APIError):
        text = exc.message if exc.code == 500 and not exc.errors else (
            f"{exc.code} {exc.message}")
        text = text if text.endswith("\n") else text + "\n"
        text += "".join(f"{k}: {v}\n" for k, v in sorted(exc.errors.items()))
        usage = getattr(exc, "usage", None)
        if usage:
            text += usage if usage.endswith("\n") else usage + "\n"
        return text
    if isinstance(exc, CommandError):
        return exc.message if exc.message.endswith("\n") else exc.message + "\n"
    if isinstance(exc, OSError) and exc.strerror:
        text = f"{exc.filename}: {exc.strerror}" if exc.filename else exc.strerror
        return text + "\n"
    text = str(exc) or exc.__class__.__name__
    return text if text.endswith("\n") else text + "\n"


def terminal(out):
    """(columns, utf8) of *out* as CLIFormatter queries them."""
    columns = None
    try:
        if out.isatty():
            columns = os.get_terminal_size(out.fileno()).columns
    except (AttributeError, OSError, ValueError):
        pass
    encoding = (getattr(out, "encoding", None) or "").replace("-", "").lower()
    return columns, encoding == "utf8"


def make_registry():
    from pve.api.tree import make_registry as make
    return make()


def run_table(reactor, exename, table, argv, registry=None, **kw):
    """Run the command-table CLI *exename* with *argv*; fires with the exit
    code.  *table* is the command table, or a function of the node name
    giving it."""
    registry = registry if registry is not None else make_registry()
    if "columns" not in kw and "utf8" not in kw:
        kw["columns"], kw["utf8"] = terminal(kw.get("out") or sys.stdout)
    if callable(table):
        kw["nodename"] = kw.get("nodename") or pvepaths.nodename()
        table = table(kw["nodename"])
    return CLI(reactor, exename, table, registry=registry, **kw).run(list(argv))


def main_for(run, argv=None):
    """A console script's ``main``: exit with what *run* fires."""
    argv = sys.argv[1:] if argv is None else argv

    def exit_with(code):
        if code:
            raise SystemExit(code)

    task.react(lambda reactor: run(reactor, argv).addCallback(exit_with))


@defer.inlineCallbacks
def finished_task(paths, upid):
    """Wait for the worker *upid* (started in this process); fires with
    ``(text, status)``: its log as the command line's ``fork_worker``
    prints it (without the final ``TASK ...`` line and trailing blank
    lines) and its exit status."""
    from pve.daemon import tasklog, workers
    status = yield workers.worker_ended(upid)
    if status is None:
        status = tasklog.read_status(paths, upid)
    _, lines = tasklog.read_log(paths, upid, 0, 0)
    texts = [line["t"] for line in lines]
    if texts and texts[-1].startswith("TASK "):
        texts.pop()
    while texts and texts[-1] == "":
        texts.pop()
    return "".join(text + "\n" for text in texts), status
