"""``pvecm add`` against a real cluster member over real HTTPS: pveproxy
and pvedaemon with the whole API (in this process), pmxcfs over IPC, PAM
checking root@pam's password (``pam_exec``); the joiner a second,
standalone pmxcfs with its own CA."""

import io
import os
import stat
import sys
import tempfile
import termios

from twisted.internet import defer, reactor
from twisted.trial import unittest

from pve.access import certs, pam, tickets
from pve.api.env import Env
from pve.api.nodes import fingerprint
from pve.api.schema import APIError
from pve.api.tree import make_registry
from pve.cli import pvecm
from pve.cluster import corosync, join
from pve.cluster.cfs import ConfigFS
from pve.cluster.client import DirectClient, IPCClient
from pve.daemon import tasklog, workers
from tests.access.test_certs import verify_chain
from tests.cluster.test_client import make_root, start_ipc
from tests.proxy.node import Node, keygen
from tests.proxy.spawn import free_port
from tests.proxy.test_server import start_daemon, start_proxy

PAM_DIR = "/lib/x86_64-linux-gnu/security"
PASSWORD = "s3cret pass"
MEMBER_IP = "192.0.2.10"
JOINER_IP = "192.0.2.11"
CHECK = """#!%s
import sys
sys.exit(0 if sys.stdin.buffer.read().rstrip(b"\\0") == %r else 1)
"""
OK_LINES = (
    "Establishing API connection with host '127.0.0.1'\n"
    "Login succeeded.\n"
    "check cluster join API version\n"
    "No cluster network links passed explicitly, fallback to local node IP"
    " '%s'\n"
    "Request addition of this node\n"
    "Join request OK, finishing setup locally\n" % JOINER_IP)
# the joiner's pmxcfs here answers ClusterStart with EOPNOTSUPP
NO_CLUSTER_MODE = join.NO_CLUSTER_MODE + "\n"
JOINER_FILES = ("pve-root-ca.pem", "nodes/node2/pve-ssl.key",
                "nodes/node2/pve-ssl.pem", "corosync.conf")


def pam_service(testcase):
    """A PAM service directory whose ``proxmox-ve-auth`` accepts only
    :data:`PASSWORD`."""
    for module in ("pam_exec.so", "pam_permit.so"):
        if not os.path.exists(os.path.join(PAM_DIR, module)):
            raise unittest.SkipTest("no %s" % module)
    confdir = tempfile.mkdtemp(prefix="pve-pam-")
    os.chmod(confdir, 0o755)
    check = os.path.join(confdir, "check")
    with open(check, "w") as f:
        f.write(CHECK % (sys.executable, PASSWORD.encode()))
    os.chmod(check, 0o755)
    with open(os.path.join(confdir, pam.SERVICE), "w") as f:
        f.write("auth required pam_exec.so expose_authtok quiet %s\n"
                "account required pam_permit.so\n" % check)
    testcase.addCleanup(lambda: [os.unlink(os.path.join(confdir, n))
                                 for n in os.listdir(confdir)]
                        and os.rmdir(confdir))
    testcase.patch(pam, "default_confdir", lambda: confdir)


class MemberAndJoiner:
    """A cluster member serving its API, and a standalone joiner."""

    timeout = 120

    @defer.inlineCallbacks
    def setUp(self):
        pam_service(self)
        # the cluster member: node1, certificates naming 127.0.0.1
        self.member = yield Node.setup(self)
        daemon = yield start_daemon(self, self.member,
                                    registry=make_registry())
        self.port = yield start_proxy(self, self.member, daemon,
                                      registry=make_registry())
        self.fp = fingerprint(self.member.cert_pem)
        # the joiner: node2, standalone, with a CA of its own
        self.paths = make_root(self)
        self.cfs = ConfigFS.open(self.paths, "node2", clock=reactor.seconds)
        self.addCleanup(self.cfs.close)
        start_ipc(self, self.cfs, self.paths, reactor)
        yield certs.update_node_files(DirectClient(self.cfs, reactor),
                                      "node2", [JOINER_IP],
                                      reactor.seconds(), keygen=keygen)

    @defer.inlineCallbacks
    def create_cluster(self):
        env = Env(self.member.client, reactor, self.member.paths, "node1",
                  user="root@pam", cli=True)
        env.resolve = lambda name: MEMBER_IP
        upid = yield make_registry().dispatch(
            "POST", "/cluster/config", {"clustername": "lab"}, env)
        status = yield workers.worker_ended(upid)
        self.assertEqual(status, "OK")

    @defer.inlineCallbacks
    def pvecm(self, *argv, stdin=PASSWORD + "\n", **kw):
        kw.setdefault("api_port", self.port)
        out, err = io.StringIO(), io.StringIO()
        code = yield pvecm.run(reactor, ["add", "127.0.0.1"] + list(argv),
                               paths=self.paths, nodename="node2", out=out,
                               err=err, stdin=io.StringIO(stdin),
                               resolve=lambda name: JOINER_IP, **kw)
        return code, out.getvalue(), err.getvalue()

    def state(self):
        """What a refused join must leave as it was, on both nodes."""
        files = {}
        for path in JOINER_FILES:
            try:
                files[path] = self.cfs.read(path)
            except OSError:
                files[path] = None
        try:
            member = self.member.cfs.read("corosync.conf")
        except OSError:
            member = None
        return (os.path.exists(self.paths.corosync_authkey),
                os.path.exists(self.paths.corosync_conf), files, member)

    def assert_joined(self):
        """The joiner holds the cluster's key and config and the node
        files the member made for it."""
        paths, member = self.paths, self.member
        with open(member.paths.corosync_authkey, "rb") as f:
            authkey = f.read()
        with open(paths.corosync_authkey, "rb") as f:
            self.assertEqual(f.read(), authkey)
        self.assertEqual(stat.S_IMODE(os.stat(paths.corosync_authkey)
                                      .st_mode), 0o400)
        cluster_conf = member.cfs.read("corosync.conf")
        with open(paths.corosync_conf, "rb") as f:
            self.assertEqual(f.read(), cluster_conf)
        conf = corosync.parse(cluster_conf)
        self.assertEqual(corosync.config_version(conf), 2)
        self.assertEqual(corosync.nodes(conf), [
            corosync.Node("node1", 1, 1, {0: MEMBER_IP}),
            corosync.Node("node2", 2, 1, {0: JOINER_IP})])
        ca_pem = member.cfs.read("pve-root-ca.pem")
        self.assertEqual(self.cfs.read("pve-root-ca.pem"), ca_pem)
        for name in ("pve-ssl.key", "pve-ssl.pem"):
            path = "nodes/node2/" + name
            self.assertEqual(self.cfs.read(path), member.cfs.read(path))
        verify_chain(self, ca_pem, self.cfs.read("nodes/node2/pve-ssl.pem"),
                     reactor.seconds())
        # the joiner's pmxcfs is untouched otherwise
        self.assertRaises(OSError, self.cfs.read, "corosync.conf")



class AddTests(MemberAndJoiner, unittest.TestCase):
    # -- joining ------------------------------------------------------------

    @defer.inlineCallbacks
    def test_join_with_fingerprint(self):
        """The password from stdin (not a terminal: no prompt), the
        fingerprint in any case."""
        yield self.create_cluster()
        result = yield self.pvecm("--fingerprint", self.fp.lower())
        self.assertEqual(result, (0, OK_LINES, NO_CLUSTER_MODE))
        self.assert_joined()

    @defer.inlineCallbacks
    def test_join_after_question(self):
        """No fingerprint, a certificate of no trusted CA: Proxmox's
        question, answered yes on stdin."""
        yield self.create_cluster()
        code, out, err = yield self.pvecm(stdin=PASSWORD + "\n yes \n")
        self.assertEqual((code, err), (0, NO_CLUSTER_MODE))
        self.assertEqual(out, (
            "Establishing API connection with host '127.0.0.1'\n"
            "The authenticity of host '127.0.0.1' can't be established.\n"
            "X509 SHA256 key fingerprint is %s.\n"
            "Are you sure you want to continue connecting (yes/no)? "
            % self.fp) + OK_LINES.split("\n", 1)[1])
        self.assert_joined()

    @defer.inlineCallbacks
    def test_join_trusted_ca(self):
        """A chain that verifies, naming the host: no question."""
        yield self.create_cluster()
        result = yield self.pvecm(trust_roots=[self.member.ca_pem])
        self.assertEqual(result, (0, OK_LINES, NO_CLUSTER_MODE))
        self.assert_joined()

    @defer.inlineCallbacks
    def test_join_with_link_and_cluster_start(self):
        """Given a link, no fallback; a pmxcfs with a cluster mode is told
        to enter the cluster once everything is written (the real one:
        tests/cluster/test_cluster.py)."""
        yield self.create_cluster()
        seen = []
        test = self

        def cluster_start(client):
            seen.append((os.path.exists(test.paths.corosync_conf),
                         test.cfs.read("nodes/node2/pve-ssl.pem")))
            return defer.succeed(None)
        self.patch(IPCClient, "cluster_start", cluster_start)
        code, out, err = yield self.pvecm("--fingerprint", self.fp,
                                          "--link0", JOINER_IP)
        self.assertEqual((code, err), (0, ""))
        self.assertEqual(out, (
            "Establishing API connection with host '127.0.0.1'\n"
            "Login succeeded.\n"
            "check cluster join API version\n"
            "Request addition of this node\n"
            "Join request OK, finishing setup locally\n"
            "successfully added node 'node2' to cluster.\n"))
        self.assert_joined()
        self.assertEqual(seen, [(True, self.member.cfs.read(
            "nodes/node2/pve-ssl.pem"))])

    # -- refusals: nothing changes ----------------------------------------

    @defer.inlineCallbacks
    def test_wrong_password(self):
        yield self.create_cluster()
        before = self.state()
        result = yield self.pvecm("--fingerprint", self.fp,
                                  stdin="wrong password\n")
        self.assertEqual(result, (
            255, "Establishing API connection with host '127.0.0.1'\n",
            "401 authentication failure\n"))
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_wrong_fingerprint(self):
        yield self.create_cluster()
        before = self.state()
        result = yield self.pvecm("--fingerprint", ":".join(["AB"] * 32))
        self.assertEqual(result, (
            255, "Establishing API connection with host '127.0.0.1'\n",
            "fingerprint '%s' not verified, abort!\n" % self.fp))
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_question_answered_no(self):
        yield self.create_cluster()
        before = self.state()
        code, out, err = yield self.pvecm(stdin=PASSWORD + "\nno\n")
        self.assertEqual((code, err),
                         (255, "Fingerprint not verified, abort!\n"))
        self.assertTrue(out.endswith("(yes/no)? "), out)
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_unreachable(self):
        port = free_port()
        before = self.state()
        result = yield self.pvecm("--fingerprint", self.fp, api_port=port)
        self.assertEqual(result, (
            255, "Establishing API connection with host '127.0.0.1'\n",
            "500 Can't connect to 127.0.0.1:%d (Connection refused)\n"
            % port))
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_member_without_cluster(self):
        """The member's refusal and its errors, as Proxmox prints them."""
        before = self.state()
        code, out, err = yield self.pvecm("--fingerprint", self.fp)
        self.assertEqual((code, err), (255, (
            "An error occurred on the cluster node: invalid corosync.conf\n"
            "! no nodes found\n"
            "Cluster join aborted!\n")))
        self.assertTrue(out.endswith("Request addition of this node\n"), out)
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_name_taken(self):
        yield self.create_cluster()
        first = yield self.pvecm("--fingerprint", self.fp)
        self.assertEqual(first[0], 0)
        # the same node again, once its local files are gone
        os.unlink(self.paths.corosync_authkey)
        os.unlink(self.paths.corosync_conf)
        before = self.state()
        code, out, err = yield self.pvecm("--fingerprint", self.fp)
        self.assertEqual((code, err), (255, (
            "An error occurred on the cluster node: can't add existing node"
            " 'node2'\nCluster join aborted!\n")))
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_not_joinable(self):
        """A node with a cluster key or guests is refused before any
        connection (unless forced)."""
        yield self.create_cluster()
        os.makedirs(os.path.dirname(self.paths.corosync_authkey))
        with open(self.paths.corosync_authkey, "wb") as f:
            f.write(b"k" * 256)
        self.cfs.write_file("nodes/node2/qemu-server/100.conf",
                            b"memory: 512\n")
        before = self.state()
        result = yield self.pvecm("--fingerprint", self.fp)
        self.assertEqual(result, (255, "", (
            "detected the following error(s):\n"
            "* authentication key '/etc/corosync/authkey' already exists\n"
            "* this host already contains virtual guests\n"
            "Check if node may join a cluster failed!\n")))
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_parameter_errors(self):
        before = self.state()
        stdin = io.StringIO(PASSWORD + "\n")
        for argv, key, message in (
                (["--nodeid", "x"], "nodeid",
                 "type check ('integer') failed - got 'x'"),
                (["--votes", "-1"], "votes", None),
                (["--fingerprint", "nope"], "fingerprint", None),
                (["--link0", "not an address"], "link0", None),
                (["--force", "maybe"], "force", None)):
            out, err = io.StringIO(), io.StringIO()
            code = yield pvecm.run(reactor, ["add", "127.0.0.1"] + argv,
                                   paths=self.paths, nodename="node2",
                                   out=out, err=err, stdin=stdin,
                                   api_port=self.port)
            text = err.getvalue()
            self.assertEqual((code, out.getvalue()), (255, ""), argv)
            self.assertTrue(text.startswith(
                "400 Parameter verification failed.\n%s: " % key), text)
            self.assertTrue(text.endswith(
                "\npvecm add <hostname> [OPTIONS]\n"), text)
            if message:
                self.assertIn("%s: %s\n" % (key, message), text)
        self.assertEqual(stdin.read(), PASSWORD + "\n")  # never asked
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_no_password(self):
        result = yield self.pvecm("--fingerprint", self.fp, stdin="")
        self.assertEqual(result, (255, "", "EOF while reading password\n"))


class JoinTaskTests(MemberAndJoiner, unittest.TestCase):
    """``POST /cluster/config/join`` on the joining node (the web UI's
    join): the ``clusterjoin`` task, a process of its own."""

    @defer.inlineCallbacks
    def join_task(self, **params):
        env = Env(DirectClient(self.cfs, reactor), reactor, self.paths,
                  "node2", user="root@pam")
        env.resolve = lambda name: JOINER_IP
        env.join_port = self.port
        params = dict({"hostname": "127.0.0.1", "password": PASSWORD,
                       "fingerprint": self.fp}, **params)
        upid = yield make_registry().dispatch(
            "POST", "/cluster/config/join", params, env)
        self.assertEqual(upid.split(":")[5:8], ["clusterjoin", "", "root@pam"])
        status = yield workers.worker_ended(upid)
        with open(tasklog.log_path(self.paths, upid)) as f:
            return status, f.read()

    @defer.inlineCallbacks
    def test_join(self):
        yield self.create_cluster()
        status, log = yield self.join_task()
        self.assertEqual((status, log),
                         ("OK", OK_LINES + NO_CLUSTER_MODE + "TASK OK\n"))
        self.assert_joined()

    @defer.inlineCallbacks
    def test_wrong_password(self):
        yield self.create_cluster()
        before = self.state()
        status, log = yield self.join_task(password="wrong")
        self.assertEqual(status, "401 authentication failure")
        self.assertEqual(log, (
            "Establishing API connection with host '127.0.0.1'\n"
            "TASK ERROR: 401 authentication failure\n"))
        self.assertEqual(self.state(), before)

    @defer.inlineCallbacks
    def test_parameters(self):
        """The fingerprint is required here (no one to ask)."""
        env = Env(DirectClient(self.cfs, reactor), reactor, self.paths,
                  "node2", user="root@pam")
        e = yield self.assertFailure(make_registry().dispatch(
            "POST", "/cluster/config/join",
            {"hostname": "127.0.0.1", "password": PASSWORD}, env), APIError)
        self.assertEqual((e.code, sorted(e.errors)), (400, ["fingerprint"]))


class RealClusterTests(unittest.TestCase):
    """``pvecm add`` between real pmxcfs processes in cluster mode
    (tests/cluster/loopcluster.py): the member's API in this process on
    its pmxcfs; the joiner enters the cluster, gets quorum and the
    cluster's tree."""

    timeout = 120

    @defer.inlineCallbacks
    def test_add_to_a_running_cluster(self):
        from types import SimpleNamespace
        from tests.cluster.loopcluster import LoopCluster, wait_for
        pam_service(self)
        self.patch(join, "QUORUM_POLL", 0.1)
        cluster = LoopCluster(self, names=("alpha", "beta"))
        alpha = yield cluster.create("alpha")
        # what pvecm create and pvedaemon's start leave on a member
        alpha.write(certs.CA_KEY, tickets.private_pem(cluster.pki.ca_key))
        alpha.write("datacenter.cfg", b"keyboard: de\n")
        client = yield alpha.connect()
        yield certs.update_node_files(client, "alpha", [alpha.ip],
                                      reactor.seconds(), keygen=keygen)
        key_pem, cert_pem = cluster.pki.node("alpha", alpha.ip)
        member = SimpleNamespace(
            client=client, paths=alpha.paths, cert_pem=cert_pem,
            key_pem=key_pem, ipc="unix:%s" % alpha.paths.pmxcfs_socket)
        daemon = yield start_daemon(self, member, registry=make_registry())
        port = yield start_proxy(self, member, daemon,
                                 registry=make_registry())

        beta = cluster.node("beta").start()
        out, err = io.StringIO(), io.StringIO()
        code = yield pvecm.run(
            reactor, ["add", "127.0.0.1", "--link0", beta.ip,
                      "--fingerprint", fingerprint(cert_pem)],
            paths=beta.paths, nodename="beta", out=out, err=err,
            stdin=io.StringIO(PASSWORD + "\n"), api_port=port)
        self.assertEqual((code, err.getvalue()), (0, ""))
        self.assertTrue(out.getvalue().startswith(
            "Establishing API connection with host '127.0.0.1'\n"),
            out.getvalue())
        self.assertTrue(out.getvalue().endswith(
            "Join request OK, finishing setup locally\n"
            "successfully added node 'beta' to cluster.\n")
            or out.getvalue().endswith(
                "Join request OK, finishing setup locally\n"
                "waiting for quorum...OK\n"
                "successfully added node 'beta' to cluster.\n"),
            out.getvalue())
        self.assertTrue(beta.quorate())
        # the joiner gets the cluster's tree; writes go both ways
        yield wait_for(beta, lambda: _has(beta, "datacenter.cfg"),
                       "the cluster's tree on beta")
        self.assertEqual(beta.read("datacenter.cfg"), b"keyboard: de\n")
        self.assertEqual(beta.read("nodes/beta/pve-ssl.pem"),
                         alpha.read("nodes/beta/pve-ssl.pem"))
        beta.write("storage.cfg", b"dir: local\n\tpath /var/lib/vz\n")
        yield wait_for(alpha, lambda: _has(alpha, "storage.cfg"),
                       "beta's write on alpha")
        members = alpha.members()
        self.assertEqual(sorted(members["nodelist"]), ["alpha", "beta"])
        conf = corosync.parse(alpha.read("corosync.conf"))
        self.assertEqual(corosync.nodes(conf)[1],
                         corosync.Node("beta", 2, 1, {0: beta.ip}))


def _has(node, rel):
    try:
        node.read(rel)
    except OSError:
        return False
    return True


class CertificateNameTests(unittest.TestCase):
    def test_name_matches(self):
        """Without a fingerprint, a chain the roots verify counts only for
        a host the leaf names."""
        from OpenSSL import crypto
        from pve.cluster import apiclient
        now = reactor.seconds()
        ca_key = keygen(2048)
        ca = certs.make_ca_cert(ca_key, now, "3b2f7c1e-1d3a-4c55-9e0f-"
                                             "0d4b7a6c2e11")
        cert = crypto.X509.from_cryptography(certs.make_node_cert(
            keygen(2048), ca_key, ca, "node1", [MEMBER_IP], now, 1))
        for host, expected in ((MEMBER_IP, True), ("127.0.0.1", True),
                               ("localhost", True), ("node1", True),
                               ("192.0.2.99", False), ("node2", False)):
            self.assertEqual(apiclient._name_matches(cert, host), expected,
                             host)


class PasswordTests(unittest.TestCase):
    def test_from_a_terminal(self):
        """On a terminal: the prompt, then a new line; the terminal's
        settings as they were (echo is off while reading)."""
        master, slave = os.openpty()
        self.addCleanup(os.close, master)
        os.set_blocking(slave, False)    # a lost line fails, never hangs
        stdin = os.fdopen(slave, "r")
        self.addCleanup(stdin.close)
        before = termios.tcgetattr(slave)
        os.write(master, b"pass word\n")
        out = io.StringIO()
        password = pvecm.read_password(
            pvecm.PASSWORD_PROMPT % "node1", stdin, out)
        self.assertEqual(password, "pass word")
        self.assertEqual(out.getvalue(), "Please enter superuser (root)"
                         " password for 'node1': \n")
        self.assertEqual(termios.tcgetattr(slave), before)

    def test_from_a_pipe(self):
        stdin = io.StringIO("one\ntwo\n")
        self.assertEqual(pvecm.read_password("?", stdin, io.StringIO()),
                         "one")
        self.assertEqual(stdin.read(), "two\n")


class QuorumWaitTests(unittest.TestCase):
    @defer.inlineCallbacks
    def test_waits_until_quorate(self):
        """``waiting for quorum...OK`` once .members shows quorum."""
        answers = [b'{"cluster": {"quorate": 0}}', b"not yet json",
                   b'{"cluster": {"quorate": 1}}']

        class Members:
            def read(self, path):
                return defer.succeed(answers.pop(0))

        self.patch(join, "QUORUM_POLL", 0)
        out = io.StringIO()
        yield join.wait_quorate(reactor, Members(), out)
        self.assertEqual((out.getvalue(), answers),
                         ("waiting for quorum...OK\n", []))

    @defer.inlineCallbacks
    def test_quorate_at_once(self):
        class Local:
            def read(self, path):
                return defer.succeed(b'{"nodename": "node2", "version": 1}')
        out = io.StringIO()
        yield join.wait_quorate(reactor, Local(), out)
        self.assertEqual(out.getvalue(), "")
