#!/usr/bin/env python3
"""API benchmark: pveproxy against a bare twisted.web TLS server.

Sets up a whole node under a temporary PVE_ROOT -- pmxcfs (``twistd -n
pmxcfs --local``), pvedaemon and pveproxy as separate processes on free
loopback ports -- mints a ticket and a CSRF token for ``root@pam`` with the
node's own keys, and measures over keep-alive HTTPS

  version    authenticated ``GET /api2/json/version``
  resources  authenticated ``GET /api2/json/cluster/resources``

with 1 and 16 concurrent connections (req/s, p50, p99), side by side with

  bare       a twisted.web ``Site`` whose leaf ``Resource`` returns the exact
             status, headers and body pveproxy returned for that request,
             behind the same certificate and the same ``ServerTLS`` (pveproxy's
             TLS settings), in its own process: the ceiling for any
             twisted.web server on this machine.

Target: pveproxy reaches at least 50% of the bare server's req/s.

Then a protected call, which pveproxy forwards over AMP to pvedaemon:
``PUT /api2/json/access/users/bench@pve`` with a new ``comment`` (ticket +
CSRFPreventionToken), one request at a time on one keep-alive connection;
target: p50 under 5 ms.

The load generator is pure Python (blocking ``ssl`` sockets, hand-written
HTTP/1.1 keep-alive) in separate processes (``--client-procs``), so it does
not share a GIL with itself.  On a small machine (2 cores) the client needs
about as much CPU as the server, so the req/s of the faster server are
capped by the client; the server CPU time per request (from
``/proc/<pid>/stat``, pveproxy + pmxcfs + pvedaemon for ours) is printed
too as a client-independent comparison.

Must run as root (pmxcfs mounts FUSE).  Everything -- processes, the mount,
the temp dir -- is torn down at the end, on errors and on Ctrl-C.  Example::

    .venv/bin/python benchmarks/api.py                 # about 1 minute
    .venv/bin/python benchmarks/api.py --seconds 2 --json out.json
    .venv/bin/python benchmarks/api.py --only version --conns 1,4,16
"""

import argparse
import array
import json
import multiprocessing
import os
import platform
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse

import benchlib
from benchlib import BenchError, mount_type, teardown

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)

TWISTD_MAIN = ("import sys; sys.argv[0] = 'twistd'; "
               "from twisted.scripts.twistd import run; run()")

NODE = "bench"
USER = "root@pam"
TARGET_USER = "bench@pve"
TARGET_RATIO = 50.0          # ours/bare req/s, %
TARGET_PROTECTED_MS = 5.0    # protected call p50
ENDPOINTS = {
    "version": "/api2/json/version",
    "resources": "/api2/json/cluster/resources",
}
SERVERS = ("pveproxy", "bare")
START_DEADLINE = 90.0
CLK_TCK = os.sysconf("SC_CLK_TCK")


# ---------------------------------------------------------------------------
# small helpers


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate, what, proc=None, log=None, deadline=START_DEADLINE):
    benchlib.wait_for(predicate, what, deadline, proc, log, interval=0.05,
                      errors=(OSError, ssl.SSLError, BenchError))


def cpu_seconds(pid):
    """utime + stime of *pid* (all its threads), in seconds."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK
    except (OSError, IndexError, ValueError):
        return 0.0


def percentile(sorted_values, p):
    if not sorted_values:
        return float("nan")
    k = (len(sorted_values) - 1) * p / 100.0
    lo = int(k)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (k - lo)


def client_context(ca_pem):
    ctx = ssl.create_default_context(cadata=ca_pem)
    ctx.check_hostname = False      # the node certificate names "bench"
    return ctx


# ---------------------------------------------------------------------------
# a minimal keep-alive HTTP/1.1 client on a blocking TLS socket


class Conn:
    def __init__(self, port, ctx):
        raw = socket.create_connection(("127.0.0.1", port), timeout=30)
        raw.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock = ctx.wrap_socket(raw)
        self.buf = b""

    def request(self, data):
        """Send *data*, read one response: ``(status, headers, body)``
        (headers as raw bytes)."""
        self.sock.sendall(data)
        buf = self.buf
        while True:
            end = buf.find(b"\r\n\r\n")
            if end >= 0:
                break
            chunk = self.sock.recv(65536)
            if not chunk:
                raise BenchError("connection closed by the server")
            buf += chunk
        head = buf[:end]
        status = int(head[9:12])
        lower = head.lower()
        i = lower.find(b"\r\ncontent-length:")
        if i < 0:
            raise BenchError("response without content-length: %r" % head)
        j = lower.find(b"\r\n", i + 2)
        length = int(head[i + 17:j if j >= 0 else len(head)])
        need = end + 4 + length
        while len(buf) < need:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise BenchError("connection closed by the server")
            buf += chunk
        self.buf = buf[need:]
        return status, head, buf[end + 4:need]

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass


def build_request(method, path, headers, body=b""):
    lines = ["%s %s HTTP/1.1" % (method, path), "Host: 127.0.0.1",
             "Connection: keep-alive"]
    lines += ["%s: %s" % kv for kv in headers.items()]
    if body or method in ("PUT", "POST"):
        lines.append("Content-Length: %d" % len(body))
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def parse_head(head):
    """``(status line, [(name, value)])`` of a raw response head."""
    lines = head.decode("latin-1").split("\r\n")
    headers = []
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers.append((name.strip(), value.strip()))
    return lines[0], headers


# ---------------------------------------------------------------------------
# load generator: processes x threads, one connection per thread


def _client_proc(port, ca_pem, request, nconn, ready, go, start_value,
                 warmup, seconds, out):
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    ctx = client_context(ca_pem)
    results = []
    lock = threading.Lock()
    conns = []
    try:
        for _ in range(nconn):
            conns.append(Conn(port, ctx))
    except Exception as e:
        ready.put(("error", "connect: %s" % e))
        return
    ready.put(("ready", None))
    go.wait()
    start = start_value.value
    measure_from = start + warmup
    stop = measure_from + seconds

    def run(conn):
        lat = array.array("d")
        errors = 0
        first_error = None
        perf = time.perf_counter
        now = time.time
        try:
            while True:
                t = now()
                if t >= stop:
                    break
                t0 = perf()
                status, head, _ = conn.request(request)
                dt = perf() - t0
                if status != 200:
                    errors += 1
                    if first_error is None:
                        first_error = parse_head(head)[0]
                if t >= measure_from:
                    lat.append(dt)
        except Exception as e:
            errors += 1
            first_error = first_error or "%s: %s" % (type(e).__name__, e)
        with lock:
            results.append((lat, errors, first_error))

    threads = [threading.Thread(target=run, args=(c,)) for c in conns]
    cpu0 = sum(os.times()[:2])
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cpu = sum(os.times()[:2]) - cpu0
    for c in conns:
        c.close()
    lat = array.array("d")
    errors = 0
    first_error = None
    for l, e, f in results:
        lat.extend(l)
        errors += e
        first_error = first_error or f
    out.put((lat.tobytes(), errors, first_error, cpu))


def run_load(port, ca_pem, request, conns, procs, warmup, seconds, pids):
    """Drive *conns* connections from up to *procs* processes; returns the
    measurement, with the CPU time each of *pids* used meanwhile."""
    mp = multiprocessing.get_context("fork")
    procs = max(1, min(procs, conns))
    shares = [conns // procs + (1 if i < conns % procs else 0)
              for i in range(procs)]
    ready, out = mp.Queue(), mp.Queue()
    go = mp.Event()
    start_value = mp.Value("d", 0.0)
    workers = [mp.Process(target=_client_proc, daemon=True,
                          args=(port, ca_pem, request, n, ready, go,
                                start_value, warmup, seconds, out))
               for n in shares]
    try:
        for w in workers:
            w.start()
        for _ in workers:
            kind, detail = ready.get(timeout=60)
            if kind != "ready":
                raise BenchError("load client: %s" % detail)
        start_value.value = time.time() + 0.05
        go.set()
        # server CPU over the measured window only
        time.sleep(max(0.0, start_value.value + warmup - time.time()))
        cpu0 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        time.sleep(max(0.0, start_value.value + warmup + seconds
                       - time.time()))
        cpu1 = {name: cpu_seconds(pid) for name, pid in pids.items()}
        lat = array.array("d")
        errors = 0
        first_error = None
        client_cpu = 0.0
        for _ in workers:
            data, e, f, cpu = out.get(timeout=60)
            lat.frombytes(data)
            errors += e
            first_error = first_error or f
            client_cpu += cpu
        for w in workers:
            w.join(10)
    finally:
        for w in workers:
            if w.is_alive():
                w.terminate()
                w.join(5)
    values = sorted(lat)
    n = len(values)
    server_cpu = {name: cpu1[name] - cpu0[name] for name in pids}
    return {
        "requests": n,
        "errors": errors,
        "first_error": first_error,
        "rps": n / seconds,
        "p50_ms": percentile(values, 50) * 1000,
        "p99_ms": percentile(values, 99) * 1000,
        "server_cpu_s": server_cpu,
        "server_cpu_us_per_req": (sum(server_cpu.values()) / n * 1e6
                                  if n else float("nan")),
        "client_cpu_s": client_cpu,
        "client_procs": procs,
    }


# ---------------------------------------------------------------------------
# the bare server (run as ``api.py --bare-server SPEC``, in its own process)


def bare_server(spec_path):
    sys.path.insert(0, REPO)
    from twisted.internet import reactor
    from twisted.protocols.tls import TLSMemoryBIOFactory
    from twisted.web import resource, server

    from pve.proxy import tls

    with open(spec_path) as f:
        spec = json.load(f)
    responses = {}
    for path, (status_line, headers, body) in spec["responses"].items():
        code = int(status_line.split()[1])
        phrase = status_line.split(None, 2)[2].encode("latin-1")
        hdrs = [(k.encode("latin-1"), v.encode("latin-1"))
                for k, v in headers
                if k.lower() not in ("date", "content-length", "connection")]
        responses[path.encode()] = (code, phrase, hdrs,
                                    body.encode("latin-1"))

    class Same(resource.Resource):
        isLeaf = True

        def render(self, request):
            code, phrase, headers, body = responses[request.path]
            request.setResponseCode(code, phrase)
            for k, v in headers:
                request.setHeader(k, v)
            request.setHeader(b"content-length", b"%d" % len(body))
            return body

    site = server.Site(Same())
    with open(spec["cert"], "rb") as f:
        cert = f.read()
    with open(spec["key"], "rb") as f:
        key = f.read()
    factory = TLSMemoryBIOFactory(tls.ServerTLS(cert, key, spec["settings"]),
                                  False, site)
    reactor.listenTCP(spec["port"], factory, interface="127.0.0.1")
    print("bare server listening on %d" % spec["port"], flush=True)
    reactor.run()


# ---------------------------------------------------------------------------
# the node


class Environment:
    """Temp dir, daemons, mount; ``close()`` undoes it all."""

    def __init__(self, args):
        self.args = args
        self.tmp = os.path.realpath(tempfile.mkdtemp(prefix="pve-api-bench-"))
        self.root = os.path.join(self.tmp, "root")
        os.mkdir(self.root)
        self.etc_pve = os.path.join(self.root, "etc", "pve")
        self.procs = []          # (name, Popen)
        self.pids = {}
        self.logs = {}
        self.ports = {}
        self.env = dict(os.environ)
        self.env.update({
            "PVE_ROOT": self.root, "PVE_NODENAME": NODE,
            "PYTHONUNBUFFERED": "1",
            "PYTHONPATH": os.pathsep.join(
                [REPO] + [p for p in os.environ.get("PYTHONPATH", "").split(
                    os.pathsep) if p]),
        })

    def _spawn(self, name, cmd):
        log = os.path.join(self.tmp, name + ".log")
        self.logs[name] = log
        with open(log, "wb") as out:
            proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL,
                                    stdout=out, stderr=subprocess.STDOUT,
                                    env=self.env, cwd=self.root,
                                    start_new_session=True)
        self.procs.append((name, proc))
        self.pids[name] = proc.pid
        return proc

    def _twistd(self, name, *args):
        opts = []
        if self.args.profile:
            os.makedirs(self.args.profile, exist_ok=True)
            opts = ["--profile=%s" % os.path.join(
                os.path.abspath(self.args.profile), name + ".prof"),
                "--profiler=cprofile", "--savestats"]
        return self._spawn(name, [self.args.python, "-c", TWISTD_MAIN, "-n",
                                  "--pidfile=", *opts, name, *args])

    def pve_file(self, name):
        with open(os.path.join(self.etc_pve, name), "rb") as f:
            return f.read()

    def start_node(self):
        # pmxcfs
        proc = self._twistd("pmxcfs", "--local")
        sock = os.path.join(self.root, "run", "pve-cluster", "pmxcfs.sock")

        def cfs_ready():
            if not (mount_type(self.etc_pve) or "").startswith("fuse"):
                return False
            self.pve_file(".members")
            return os.path.exists(sock)
        wait_for(cfs_ready, "pmxcfs", proc, self.logs["pmxcfs"])
        # the users: root@pam calls, bench@pve is the one modified
        with open(os.path.join(self.etc_pve, "user.cfg"), "wb") as f:
            f.write(("user:%s:1:0:::::\nuser:%s:1:0:::::\n"
                     % (USER, TARGET_USER)).encode())
        # pvedaemon creates the CA, the node certificate and the keys
        dport = self.ports["pvedaemon"] = free_port()
        proc = self._twistd("pvedaemon", "--listen",
                            "tcp:%d:interface=127.0.0.1" % dport)

        def daemon_ready():
            socket.create_connection(("127.0.0.1", dport), 1).close()
            return True
        wait_for(daemon_ready, "pvedaemon", proc, self.logs["pvedaemon"])
        # pveproxy, staying root (no --user switch to www-data)
        pport = self.ports["pveproxy"] = free_port()
        self.proxy = self._twistd(
            "pveproxy", "--listen", "tcp:%d:interface=127.0.0.1" % pport,
            "--daemon", "tcp:127.0.0.1:%d" % dport, "--user=")
        self.ca_pem = self.pve_file("pve-root-ca.pem").decode()
        self.make_credentials()

        def proxy_ready():
            status, _, _ = self.fetch(pport, "GET", ENDPOINTS["version"])
            return status == 200
        wait_for(proxy_ready, "pveproxy", self.proxy, self.logs["pveproxy"])

    def make_credentials(self):
        sys.path.insert(0, REPO)
        from pve.access import csrf, tickets
        key = tickets.load_private_key(self.pve_file("priv/authkey.key"))
        now = time.time()
        self.ticket = tickets.assemble_ticket(key, USER, now)
        self.csrf = csrf.assemble_csrf_token(
            csrf.csrf_secret(self.pve_file("pve-www.key")), USER, now)
        self.cookie = "PVEAuthCookie=" + urllib.parse.quote(self.ticket,
                                                            safe="")

    def headers(self, csrf=False):
        h = {"Cookie": self.cookie}
        if csrf:
            h["CSRFPreventionToken"] = self.csrf
        return h

    def fetch(self, port, method, path, body=b"", csrf=False, extra=None):
        headers = self.headers(csrf)
        headers.update(extra or {})
        conn = Conn(port, client_context(self.ca_pem))
        try:
            return conn.request(build_request(method, path, headers, body))
        finally:
            conn.close()

    def start_bare(self, responses):
        port = self.ports["bare"] = free_port()
        node_dir = os.path.join(self.etc_pve, "nodes", NODE)
        cert, key = "pve-ssl.pem", "pve-ssl.key"
        if os.path.exists(os.path.join(node_dir, "pveproxy-ssl.pem")):
            cert, key = "pveproxy-ssl.pem", "pveproxy-ssl.key"
        # copies outside the mount, so the bare server never touches pmxcfs
        for name in (cert, key):
            shutil.copy(os.path.join(node_dir, name),
                        os.path.join(self.tmp, name))
        sys.path.insert(0, REPO)
        from pve.proxy import config
        settings = {}
        default = os.path.join(self.root, "etc", "default", "pveproxy")
        if os.path.exists(default):
            settings = config.read(default)[0]
        spec = os.path.join(self.tmp, "bare.json")
        with open(spec, "w") as f:
            json.dump({"port": port, "cert": os.path.join(self.tmp, cert),
                       "key": os.path.join(self.tmp, key),
                       "settings": settings, "responses": responses}, f)
        proc = self._spawn("bare", [self.args.python, os.path.abspath(
            __file__), "--bare-server", spec])

        def ready():
            status, _, _ = self.fetch(port, "GET", next(iter(responses)))
            return status == 200
        wait_for(ready, "bare server", proc, self.logs["bare"])

    def close(self):
        teardown(self.procs, self.tmp, self.args.keep, term_wait=15)


# ---------------------------------------------------------------------------
# the benchmark


def protected_call(env, seconds):
    """Sequential PUT /access/users/bench@pve (comment changes) through
    pveproxy -> AMP -> pvedaemon on one keep-alive connection."""
    path = "/api2/json/access/users/%s" % urllib.parse.quote(TARGET_USER)
    conn = Conn(env.ports["pveproxy"], client_context(env.ca_pem))
    headers = env.headers(csrf=True)
    headers["Content-Type"] = "application/x-www-form-urlencoded"
    lat = []
    errors = 0
    first_error = None
    i = 0
    warm_end = time.monotonic() + min(1.0, seconds / 3)
    end = warm_end + seconds
    pids = {k: env.pids[k] for k in ("pveproxy", "pmxcfs", "pvedaemon")}
    cpu0 = None
    try:
        while True:
            now = time.monotonic()
            if now >= end:
                break
            if cpu0 is None and now >= warm_end:
                cpu0 = {k: cpu_seconds(p) for k, p in pids.items()}
            i += 1
            body = ("comment=bench-%d" % i).encode()
            t0 = time.perf_counter()
            status, head, _ = conn.request(build_request("PUT", path, headers,
                                                         body))
            dt = time.perf_counter() - t0
            if status != 200:
                errors += 1
                first_error = first_error or parse_head(head)[0]
                if b"connection: close" in head.lower():
                    conn.close()
                    conn = Conn(env.ports["pveproxy"],
                                client_context(env.ca_pem))
            if now >= warm_end:
                lat.append(dt)
    finally:
        conn.close()
    cpu1 = {k: cpu_seconds(p) for k, p in pids.items()}
    # the change is really there
    user_cfg = env.pve_file("user.cfg").decode()
    applied = ("bench-%d" % i) in user_cfg
    lat.sort()
    n = len(lat)
    cpu = {k: cpu1[k] - cpu0.get(k, cpu1[k]) for k in pids} if cpu0 else {}
    return {"requests": n, "errors": errors, "first_error": first_error,
            "rps": n / seconds, "p50_ms": percentile(lat, 50) * 1000,
            "p99_ms": percentile(lat, 99) * 1000, "applied": applied,
            "server_cpu_s": cpu,
            "server_cpu_us_per_req": (sum(cpu.values()) / n * 1e6
                                      if n and cpu else float("nan"))}


def fmt(value, spec):
    if value is None or value != value:
        return "-"
    return format(value, spec)


def print_report(report):
    args = report["config"]
    print()
    print("pveproxy vs bare twisted.web (same certificate, TLS settings and "
          "bytes); keep-alive HTTPS, %g s per run after %g s warm-up"
          % (args["seconds"], args["warmup"]))
    print("client: pure Python, %d process(es) max, one thread per "
          "connection; %d CPU(s)" % (args["client_procs"], os.cpu_count()))
    print()
    head = ("%-10s %5s | %9s %7s %7s %6s | %9s %7s %7s %6s | %6s %-4s"
            % ("endpoint", "conns", "ours r/s", "p50 ms", "p99 ms", "us/req",
               "bare r/s", "p50 ms", "p99 ms", "us/req", "ratio", ""))
    print(head)
    print("-" * len(head))
    for row in report["throughput"]:
        o, b = row["pveproxy"], row["bare"]
        print("%-10s %5d | %9s %7s %7s %6s | %9s %7s %7s %6s | %5s%% %-4s"
              % (row["endpoint"], row["conns"],
                 fmt(o["rps"], ".0f"), fmt(o["p50_ms"], ".2f"),
                 fmt(o["p99_ms"], ".2f"),
                 fmt(o["server_cpu_us_per_req"], ".0f"),
                 fmt(b["rps"], ".0f"), fmt(b["p50_ms"], ".2f"),
                 fmt(b["p99_ms"], ".2f"),
                 fmt(b["server_cpu_us_per_req"], ".0f"),
                 fmt(row["ratio"], ".0f"),
                 "PASS" if row["pass"] else "FAIL"))
    print()
    print("ratio = ours r/s / bare r/s (target >= %.0f%%); us/req = server "
          "CPU per request (ours: pveproxy+pmxcfs+pvedaemon, bare: its one "
          "process)" % TARGET_RATIO)
    cpu_rows = [r for r in report["throughput"]
                if r["cpu_ratio"] == r["cpu_ratio"]]
    if cpu_rows:
        print("CPU-based ratio (bare us/req / ours us/req, independent of the "
              "client): " + ", ".join(
                  "%s/%d %.0f%%" % (r["endpoint"], r["conns"], r["cpu_ratio"])
                  for r in cpu_rows))
    p = report.get("protected")
    if p:
        print()
        print("protected PUT /access/users/%s (pveproxy -> AMP -> pvedaemon), "
              "1 connection, sequential:" % TARGET_USER)
        print("  %d requests, %s r/s, p50 %s ms, p99 %s ms, %s us CPU/req "
              "(%s)  target p50 < %.0f ms: %s"
              % (p["requests"], fmt(p["rps"], ".0f"), fmt(p["p50_ms"], ".2f"),
                 fmt(p["p99_ms"], ".2f"),
                 fmt(p["server_cpu_us_per_req"], ".0f"),
                 ", ".join("%s %.2fs" % kv
                           for kv in p["server_cpu_s"].items()),
                 TARGET_PROTECTED_MS, "PASS" if p["pass"] else "FAIL"))
    errors = [(r["endpoint"], r["conns"], s, r[s]["errors"],
               r[s]["first_error"]) for r in report["throughput"]
              for s in SERVERS if r[s]["errors"]]
    if p and (p["errors"] or not p["applied"]):
        errors.append(("protected", 1, "pveproxy", p["errors"],
                       p["first_error"] or "change not in user.cfg"))
    for e in errors:
        print("ERRORS %s/%d %s: %d (%s)" % e)
    print()
    print("caveat: the load generator is Python and runs on the same %d "
          "cores; when a run is client-bound, the r/s ratio understates the "
          "difference, the us/req columns do not." % os.cpu_count())
    print("overall: %s" % ("PASS" if report["pass"] else "FAIL"))


def run(args):
    env = Environment(args)
    try:
        t0 = time.monotonic()
        env.start_node()
        print("node up in %.1f s (pmxcfs, pvedaemon :%d, pveproxy :%d)"
              % (time.monotonic() - t0, env.ports["pvedaemon"],
                 env.ports["pveproxy"]), file=sys.stderr)
        # what pveproxy answers, byte for byte, for the bare server
        responses = {}
        for name in args.only:
            status, head, body = env.fetch(env.ports["pveproxy"], "GET",
                                           ENDPOINTS[name])
            if status != 200:
                raise BenchError("GET %s: %s" % (ENDPOINTS[name],
                                                 parse_head(head)[0]))
            status_line, headers = parse_head(head)
            responses[ENDPOINTS[name]] = (status_line, headers,
                                          body.decode("latin-1"))
        env.start_bare(responses)
        for name in args.only:
            status, head, body = env.fetch(env.ports["bare"], "GET",
                                           ENDPOINTS[name])
            if body.decode("latin-1") != responses[ENDPOINTS[name]][2]:
                raise BenchError("bare server answers other bytes")

        pids = {"pveproxy": {k: env.pids[k]
                             for k in ("pveproxy", "pmxcfs", "pvedaemon")},
                "bare": {"bare": env.pids["bare"]}}
        rows = []
        for name in args.only:
            request = build_request("GET", ENDPOINTS[name], env.headers())
            for conns in args.conns:
                row = {"endpoint": name, "conns": conns}
                order = SERVERS
                for r in range(args.rounds):
                    for server in order:
                        m = run_load(env.ports[server], env.ca_pem, request,
                                     conns, args.client_procs, args.warmup,
                                     args.seconds, pids[server])
                        row.setdefault("rounds_" + server, []).append(m)
                        print("  %-9s %2d conns %-8s %8.0f r/s  p50 %.2f ms"
                              % (name, conns, server, m["rps"], m["p50_ms"]),
                              file=sys.stderr)
                    order = order[::-1]
                for server in SERVERS:
                    rounds = sorted(row["rounds_" + server],
                                    key=lambda m: m["rps"])
                    row[server] = rounds[len(rounds) // 2]
                o, b = row["pveproxy"], row["bare"]
                row["ratio"] = 100.0 * o["rps"] / b["rps"] if b["rps"] else 0
                row["cpu_ratio"] = (100.0 * b["server_cpu_us_per_req"]
                                    / o["server_cpu_us_per_req"]
                                    if o["server_cpu_us_per_req"] else
                                    float("nan"))
                row["pass"] = (row["ratio"] >= TARGET_RATIO
                               and not o["errors"] and not b["errors"])
                rows.append(row)
        report = {"config": vars(args), "throughput": rows,
                  "machine": {"cpus": os.cpu_count(),
                              "python": platform.python_version(),
                              "platform": platform.platform()}}
        ok = all(r["pass"] for r in rows)
        if args.protected_seconds > 0:
            p = protected_call(env, args.protected_seconds)
            p["pass"] = (p["p50_ms"] < TARGET_PROTECTED_MS and not p["errors"]
                         and p["applied"])
            report["protected"] = p
            ok = ok and p["pass"]
        report["pass"] = ok
        report["elapsed_s"] = time.monotonic() - t0
        return report
    finally:
        env.close()


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=5.0,
                    help="measured seconds per run (default 5)")
    ap.add_argument("--warmup", type=float, default=1.0,
                    help="unmeasured seconds before each run (default 1)")
    ap.add_argument("--rounds", type=int, default=1,
                    help="runs per server and case, median reported")
    ap.add_argument("--conns", default="1,16",
                    help="concurrent connections, comma-separated")
    ap.add_argument("--only", default=",".join(ENDPOINTS),
                    help="endpoints: " + ",".join(ENDPOINTS))
    ap.add_argument("--client-procs", type=int, default=4,
                    help="load generator processes at most (default 4)")
    ap.add_argument("--protected-seconds", type=float, default=4.0,
                    help="seconds of protected PUTs (0: skip)")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter for the daemons")
    ap.add_argument("--json", metavar="FILE", help="write the results here")
    ap.add_argument("--profile", metavar="DIR",
                    help="run the daemons under cProfile, stats to DIR "
                    "(skews the numbers)")
    ap.add_argument("--keep", action="store_true",
                    help="keep the temp dir (logs)")
    ap.add_argument("--bare-server", metavar="SPEC", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.bare_server:
        return args
    args.conns = [int(c) for c in args.conns.split(",") if c]
    args.only = [o for o in args.only.split(",") if o]
    for o in args.only:
        if o not in ENDPOINTS:
            ap.error("unknown endpoint %r" % o)
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if args.bare_server:
        bare_server(args.bare_server)
        return 0
    return benchlib.run_main("api.py", run, print_report, args)


if __name__ == "__main__":
    sys.exit(main())
