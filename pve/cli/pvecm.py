"""``pvecm``: the Proxmox VE cluster manager command.

So far ``pvecm updatecerts [--force] [--silent]``, ``create`` (the
``POST /cluster/config`` API call in-process as root@pam, then its
``clustercreate`` task's output), ``add`` (joining the cluster of another
node over its API, :mod:`pve.cluster.join`; no SSH), ``status`` and
``nodes`` (which find the cluster config or Proxmox's "is this node part
of a cluster?" error, and then no quorum service);
each subcommand is a parser plus a function ``(reactor, args) ->
Deferred(exit code)``, so the others can be added beside it.  Talks to
pmxcfs over its IPC socket.
"""

import argparse
import copy
import dataclasses
import errno
import json
import os
import re
import sys

from twisted.internet import defer, task

from pve import paths as pvepaths
from pve import flock
from pve.access import certs
from pve.cluster import (apiclient, corosync, join, nodeaddr, pvecm_format,
                         votequorum)
from pve.cluster.client import IPCClient, default_description

WAIT_TIMEOUT = 80        # seconds, as Proxmox's run_fork_with_timeout
WAIT_STEP = 0.1


class CommandError(Exception):
    """Printed to stderr; the command exits with 255 (a Perl ``die``)."""


def boolean(text):
    """Proxmox's boolean: 1/on/yes/true or 0/off/no/false."""
    value = str(text).lower()
    if value in ("1", "on", "yes", "true"):
        return True
    if value in ("0", "off", "no", "false"):
        return False
    raise argparse.ArgumentTypeError("type check ('boolean') failed - got "
                                     "'%s'" % text)


def add_boolean(p, name, help):
    p.add_argument(name, nargs="?", const=True, default=False, type=boolean,
                   metavar="<boolean>", help=help)


def parser():
    p = argparse.ArgumentParser(prog="pvecm",
                                description="Proxmox VE cluster manager")
    sub = p.add_subparsers(dest="command", metavar="<command>")
    sub.required = True
    u = sub.add_parser("updatecerts", help="Update node certificates (and "
                       "generate all needed files/directories).")
    add_boolean(u, "--force", "Force generation of new SSL certificate.")
    add_boolean(u, "--silent",
                "Ignore errors (i.e. when cluster has no quorum).")
    u.set_defaults(run=updatecerts)
    c = sub.add_parser("create", help="Generate new cluster configuration. "
                       "If no links given, default to local IP address as "
                       "link0.")
    c.add_argument("clustername", help="The name of the cluster.")
    c.add_argument("--nodeid", metavar="<integer>",
                   help="Node id for this node.")
    c.add_argument("--votes", metavar="<integer>",
                   help="Number of votes for this node.")
    for number in range(corosync.MAX_LINK_INDEX + 1):
        c.add_argument("--link%d" % number, metavar="[address=]<IP>",
                       help="Address and priority information of a single "
                       "corosync link.")
    c.add_argument("--token-coefficient", metavar="<integer>",
                   dest="token_coefficient",
                   help="Coefficient used to determine Corosync's token "
                   "timeout.")
    c.set_defaults(run=create)
    a = sub.add_parser("add", help="Adds the current node to an existing "
                       "cluster.")
    a.add_argument("hostname", help="Hostname (or IP) of an existing cluster"
                   " member.")
    a.add_argument("--fingerprint", metavar="<string>",
                   help="Certificate SHA 256 fingerprint.")
    a.add_argument("--force", nargs="?", const="1", metavar="<boolean>",
                   help="Do not throw error if node already exists.")
    for number in range(corosync.MAX_LINK_INDEX + 1):
        a.add_argument("--link%d" % number, metavar="[address=]<IP>",
                       help="Address and priority information of a single "
                       "corosync link.")
    a.add_argument("--nodeid", metavar="<integer>",
                   help="Node id for this node.")
    a.add_argument("--use_ssh", nargs="?", const="1", metavar="<boolean>",
                   help="Always use SSH to join, even if peer may do it over"
                   " API.")
    a.add_argument("--votes", metavar="<integer>",
                   help="Number of votes for this node")
    a.set_defaults(run=add)
    e = sub.add_parser("expected", help="Tells corosync a new value of "
                       "expected votes.")
    e.add_argument("expected", type=int, help="Expected votes")
    e.set_defaults(run=expected)
    d = sub.add_parser("delnode", help="Removes a node from the cluster "
                       "configuration.")
    d.add_argument("node", help="The cluster node name.")
    d.set_defaults(run=delnode)
    sub.add_parser("status", help="Displays the local view of the cluster "
                   "status.").set_defaults(run=status)
    sub.add_parser("nodes", help="Displays the local view of the cluster "
                   "nodes.").set_defaults(run=nodes)
    return p


# -- helpers ----------------------------------------------------------------

quorate = join.quorate


def resolve_ip(name):
    """:func:`nodeaddr.ip_from_hostname`, failing as the command does."""
    try:
        return nodeaddr.ip_from_hostname(name)
    except nodeaddr.LookupFailed as e:
        raise CommandError(str(e))


def read_text(path):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


@defer.inlineCallbacks
def connect_quorate(reactor, args):
    """An IPCClient once pmxcfs answers and is quorate, or ``None`` after
    ``args.wait_timeout`` seconds."""
    deadline = reactor.seconds() + args.wait_timeout
    tries = 0
    client = None
    while True:
        try:
            if client is None:
                client = yield IPCClient.connect(reactor, args.description)
            if quorate((yield client.read(".members"))):
                return client
        except Exception:
            if client is not None:
                yield client.close()
            client = None
        if reactor.seconds() >= deadline:
            if client is not None:
                yield client.close()
            return None
        if not args.silent and tries % 50 == 0:
            args.out.write("waiting for pmxcfs mount to appear and get "
                           "quorate...\n")
        tries += 1
        yield task.deferLater(reactor, WAIT_STEP, lambda: None)


# -- updatecerts ------------------------------------------------------------

@defer.inlineCallbacks
def updatecerts(reactor, args):
    client = yield connect_quorate(reactor, args)
    if client is None:
        msg = ("got timeout when trying to ensure cluster certificates and "
               "base file hierarchy is set up - no quorum (yet) or hung "
               "pmxcfs?")
        if not args.silent:
            raise CommandError(msg)
        args.err.write(msg + "\n")
        return 0
    try:
        ip = yield nodeaddr.node_ip(client, args.nodename, args.resolve)
        search = certs.resolv_search(read_text(args.resolv_conf))
        fqdn = "%s.%s" % (args.nodename, search) if search else None
        args.out.write("(re)generate node files\n")
        if args.force:
            args.out.write("generate new node certificate\n")
        try:
            yield certs.update_node_files(client, args.nodename, [ip],
                                          reactor.seconds(), args.force,
                                          fqdn)
        except OSError as e:
            if e.errno == errno.EACCES:
                raise CommandError("no quorum - unable to update files")
            raise CommandError("unable to update files - %s" % e)
        except certs.CertError as e:
            raise CommandError(str(e))
    finally:
        yield client.close()
    return 0


# -- create ---------------------------------------------------------------------

CREATE_USAGE = "pvecm create <clustername> [OPTIONS]\n"


def create_params(args):
    params = {"clustername": args.clustername}
    for name in ["nodeid", "votes", "token_coefficient"] + [
            "link%d" % n for n in range(corosync.MAX_LINK_INDEX + 1)]:
        value = getattr(args, name)
        if value is not None:
            params[name.replace("_", "-")] = value
    return params


@defer.inlineCallbacks
def task_output(args, upid):
    """Wait for the worker *upid*; print its log as the command line's
    ``fork_worker`` does (no ``TASK OK``; a failure on stderr, 255)."""
    from pve.cli.apicmd import finished_task
    from pve.daemon import upid as _upid
    text, status = yield finished_task(args.paths, upid)
    args.out.write(text)
    if _upid.status_is_error(status):
        raise CommandError(status)
    return 0


@defer.inlineCallbacks
def call_api(reactor, args, method, path, params):
    """*method* *path* in-process as root@pam, as Proxmox's CLI runs its
    handlers; its result, or APIError."""
    from pve.api.env import Env
    from pve.api.tree import make_registry
    try:
        client = yield IPCClient.connect(reactor, args.description)
    except Exception as e:
        raise CommandError("unable to connect to pmxcfs - %s" % (e,))
    try:
        env = Env(client, reactor, args.paths, args.nodename,
                  user="root@pam", cli=True)
        env.resolve = args.resolve
        result = yield make_registry().dispatch(method, path, params, env)
    finally:
        yield client.close()
    return result


@defer.inlineCallbacks
def create(reactor, args):
    """``pvecm create``: ``POST /cluster/config``, then the
    ``clustercreate`` task's output."""
    from pve.api.schema import APIError
    from pve.api.tree import unwrap
    from pve.cli.apicmd import error_text
    try:
        upid = yield call_api(reactor, args, "POST", "/cluster/config",
                              create_params(args))
    except APIError as e:
        args.err.write(error_text(e) +
                       (CREATE_USAGE if e.code == 400 else ""))
        return 255
    code = yield task_output(args, unwrap(upid)[0])
    return code


@defer.inlineCallbacks
def expected(reactor, args):
    """``pvecm expected N``: what ``corosync-quorumtool -e N`` does, here
    in pmxcfs (the replication counts majorities from N votes)."""
    if args.expected < 1:
        args.err.write("400 Parameter verification failed.\nexpected: value "
                       "must have a minimum value of 1\n")
        return 255
    yield cluster_conf(reactor, args)
    client = yield IPCClient.connect(reactor, args.description)
    try:
        yield client.set_expected(args.expected)
    except OSError as e:
        if e.errno == errno.EINVAL:
            args.err.write("Unable to set expected votes: "
                           "CS_ERR_INVALID_PARAM\n")
        else:
            args.err.write(NO_QUORUM_SERVICE + "\n")
        return 1
    finally:
        yield client.close()
    return 0


@defer.inlineCallbacks
def delnode(reactor, args):
    """``pvecm delnode NODE``: ``DELETE /cluster/config/nodes/{node}``."""
    from pve.api.schema import APIError
    from pve.cli.apicmd import error_text
    try:
        yield call_api(reactor, args, "DELETE",
                       "/cluster/config/nodes/%s" % args.node,
                       {"node": args.node})
    except APIError as e:
        args.err.write(error_text(e))
        return 255
    return 0


# -- add -----------------------------------------------------------------------

ADD_USAGE = "pvecm add <hostname> [OPTIONS]\n"
PASSWORD_PROMPT = "Please enter superuser (root) password for '%s': "
FINGERPRINT_QUESTION = (
    "The authenticity of host '%s' can't be established.\n"
    "X509 SHA256 key fingerprint is %s.\n"
    "Are you sure you want to continue connecting (yes/no)? ")


def add_schema():
    """``pvecm add``'s parameters: those of ``POST /cluster/config/join``
    without the password, the fingerprint optional, and ``use_ssh``."""
    from pve.api.cluster import routes
    from pve.api.cluster_join import JOIN
    params = copy.deepcopy(routes.decls[JOIN]["parameters"])
    props = params["properties"]
    del props["password"]
    props["fingerprint"]["optional"] = 1
    props["use_ssh"] = {"type": "boolean", "optional": 1}
    return params


def add_params(args):
    params = {"hostname": args.hostname}
    for name in ["fingerprint", "force", "nodeid", "votes", "use_ssh"] + [
            "link%d" % n for n in range(corosync.MAX_LINK_INDEX + 1)]:
        value = getattr(args, name)
        if value is not None:
            params[name] = value
    return params


def read_password(prompt, stdin, out):
    """``PVE::PTY::read_password``: a line of *stdin* when it is not a
    terminal; on a terminal the *prompt*, then a line read without echo."""
    if not stdin.isatty():
        line = stdin.readline()
        if not line:
            raise CommandError("EOF while reading password")
        return line[:-1] if line.endswith("\n") else line
    import termios
    fd = stdin.fileno()
    old = termios.tcgetattr(fd)
    quiet = termios.tcgetattr(fd)
    quiet[3] &= ~termios.ECHO
    out.write(prompt)
    out.flush()
    termios.tcsetattr(fd, termios.TCSADRAIN, quiet)
    try:
        line = stdin.readline()
    finally:
        termios.tcsetattr(fd, termios.TCSADRAIN, old)
        out.write("\n")
        out.flush()
    return line.rstrip("\r\n")


def fingerprint_question(args, host):
    """``manual_verify_fingerprint``'s question, answered on stdin."""
    def ask(fingerprint):
        args.out.write(FINGERPRINT_QUESTION % (host, fingerprint))
        args.out.flush()
        answer = args.stdin.readline()
        return re.match(r"^\s*yes\s*$", answer, re.I) is not None
    return ask


def under(path, directory):
    path, directory = os.path.realpath(path), os.path.realpath(directory)
    return path == directory or path.startswith(directory + os.sep)


@defer.inlineCallbacks
def add(reactor, args):
    """``pvecm add HOST``: join the cluster of *HOST* over its API."""
    from pve.api.schema import APIError, validate
    from pve.cli.apicmd import error_text
    try:
        params = validate(add_params(args), add_schema())
    except APIError as e:
        args.err.write(error_text(e) + ADD_USAGE)
        return 255
    try:
        cwd = os.getcwd()
    except OSError:
        cwd = "/"
    if under(cwd, args.paths.etc_pve):
        raise CommandError("Navigate out of /etc/pve before running 'pvecm "
                           "add', for example by running 'cd'.")
    host = params["hostname"]
    if params.get("use_ssh"):
        args.err.write("joining over SSH is not supported, using the API\n")
    password = read_password(PASSWORD_PROMPT % host, args.stdin, args.out)
    links = {n: params["link%d" % n]
             for n in range(corosync.MAX_LINK_INDEX + 1)
             if params.get("link%d" % n)}
    try:
        client = yield IPCClient.connect(reactor, args.description)
    except Exception as e:
        raise CommandError("unable to connect to pmxcfs - %s" % (e,))
    try:
        fd = flock.lock_file(args.paths.join(join.LOCAL_LOCK),
                             join.LOCAL_LOCK_TIMEOUT)
    except flock.LockError as e:
        yield client.close()
        raise CommandError(str(e))
    try:
        local_ip = None
        if not links:
            local_ip = yield nodeaddr.node_ip(client, args.nodename,
                                              args.resolve)
        yield join.join(
            reactor, client, args.paths, args.nodename, host, password,
            args.out, args.err, links=links, force=params.get("force"),
            nodeid=params.get("nodeid"), votes=params.get("votes"),
            fingerprint=params.get("fingerprint"),
            ask=fingerprint_question(args, host), local_ip=local_ip,
            port=args.api_port, trust_roots=args.trust_roots,
            connect=lambda: IPCClient.connect(reactor, args.description))
    except join.JoinError as e:
        raise CommandError(str(e))
    except OSError as e:
        raise CommandError("unable to finish the join - %s" % (
            e.strerror or e,))
    finally:
        flock.unlock(fd)
        yield client.close()
    return 0


# -- status, nodes -------------------------------------------------------------

#: what corosync-quorumtool says when no quorum service runs: pmxcfs is
#: not in the cluster of the node's corosync.conf (e.g. started --local)
NO_QUORUM_SERVICE = "Cannot initialize QUORUM service"


@defer.inlineCallbacks
def cluster_conf(reactor, args):
    """The cluster's corosync.conf (parsed; ``{}`` when unreadable, with a
    warning, as Proxmox), or Proxmox's error when this node has none."""
    data = None
    try:
        client = yield IPCClient.connect(reactor, args.description)
    except Exception:
        client = None
    if client is not None:
        try:
            data = yield client.read("corosync.conf")
        except OSError:
            data = None
        finally:
            yield client.close()
    if data is None:
        raise CommandError(corosync.NO_CONF % "/etc/pve/corosync.conf")
    try:
        return corosync.parse(data, "/etc/pve/corosync.conf")
    except corosync.CorosyncConfError as e:
        args.err.write("%s\n" % (e,))
        return {}


@defer.inlineCallbacks
def cluster_view(reactor, args):
    """``(conf, members)``: the cluster's corosync.conf and pmxcfs's member
    list (``.members``, None when pmxcfs is not in the cluster);
    CommandError as Proxmox without a cluster."""
    conf = yield cluster_conf(reactor, args)
    client = yield IPCClient.connect(reactor, args.description)
    try:
        raw = yield client.read(".members")
    finally:
        yield client.close()
    members = json.loads(raw.decode("utf-8", "replace"))
    if "cluster" not in members:
        return conf, None
    return conf, members


def quorum_status(conf, members, nodename, now):
    """A pvecm_format.Status from pmxcfs's member list: votequorum's
    arithmetic over the nodes online, quorate as the cluster says."""
    nodelist = members.get("nodelist") or {}
    online = [item["id"] for item in nodelist.values() if item.get("online")]
    config = votequorum.QuorumConfig.from_conf(conf)
    state = votequorum.evaluate(config, online)
    quorate = bool(members["cluster"].get("quorate"))
    state = dataclasses.replace(state, quorate=quorate,
                                waiting_for_all=False)
    local = (nodelist.get(nodename) or {}).get("id", 0)
    ring = (min(online) if online else local,
            members["cluster"].get("version", 0))
    return pvecm_format.status_from(conf, state, local, ring_id=ring,
                                    date=now)


@defer.inlineCallbacks
def status(reactor, args):
    conf, members = yield cluster_view(reactor, args)
    if members is None:
        # as corosync-quorumtool with corosync down
        args.out.write(pvecm_format.cluster_information(
            dict(corosync.totem(conf))))
        args.err.write(NO_QUORUM_SERVICE + "\n")
        return 1
    st = quorum_status(conf, members, args.nodename, reactor.seconds())
    args.out.write(pvecm_format.format_status(st))
    return pvecm_format.status_exit_code(st)


@defer.inlineCallbacks
def nodes(reactor, args):
    conf, members = yield cluster_view(reactor, args)
    if members is None:
        args.err.write(NO_QUORUM_SERVICE + "\n")
        return 1
    st = quorum_status(conf, members, args.nodename, reactor.seconds())
    args.out.write(pvecm_format.format_nodes(st.members, st.nodeid))
    return 0


# -- running ----------------------------------------------------------------

@defer.inlineCallbacks
def run(reactor, argv, paths=None, nodename=None, out=None, err=None,
        resolve=resolve_ip, wait_timeout=WAIT_TIMEOUT, stdin=None,
        api_port=apiclient.PORT, trust_roots=None):
    """Run the command line *argv*; fires with the exit code.  *api_port*
    and *trust_roots* (CA certificates trusted instead of the system's)
    are for ``add``."""
    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = parser().parse_args(argv)
    except SystemExit as e:
        # usage errors: Proxmox's CLI exits with -1
        return 255 if e.code else 0
    paths = paths or pvepaths.current()
    args.paths = paths
    args.nodename = nodename or pvepaths.nodename()
    args.description = default_description(paths)
    args.resolv_conf = paths.join("etc/resolv.conf")
    args.out, args.err = out, err
    args.resolve, args.wait_timeout = resolve, wait_timeout
    args.stdin = stdin or sys.stdin
    args.api_port, args.trust_roots = api_port, trust_roots
    try:
        code = yield args.run(reactor, args)
    except CommandError as e:
        err.write("%s\n" % (e,))
        return 255
    return code


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv

    def exit_with(code):
        if code:
            raise SystemExit(code)

    task.react(lambda reactor: run(reactor, argv).addCallback(exit_with))


if __name__ == "__main__":
    main()
