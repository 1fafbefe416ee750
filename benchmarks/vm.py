#!/usr/bin/env python3
"""VM benchmark: starting a VM through the API, and the resource list.

Sets up a node under a temporary PVE_ROOT as benchmarks/api.py does
(pmxcfs, pvedaemon, pveproxy as separate processes on loopback), writes a
VM config (one qcow2 disk on ``local``) and measures, alternating, in the
same run:

  api      ``POST /api2/json/nodes/<node>/qemu/<vmid>/status/start``
           through pveproxy until QEMU's QMP socket answers ``query-status``
           with ``running`` (pvedaemon starts a ``qmstart`` worker process,
           which builds the command line, spawns QEMU paused, ``cont``)
  direct   the same QEMU command (``qm showcmd`` of that VM, which
           daemonizes once its monitor listens) spawned by this script,
           until QMP says ``running``

Each round ends with QMP ``quit`` and waiting until the pid has gone.
Target: the API's p50 is at most 300 ms above the direct p50.

Then 1,000 more VM configs are written into /etc/pve and
``GET /api2/json/cluster/resources`` is timed, one request at a time on a
keep-alive connection (target: p50 under 100 ms), as is ``?type=vm``.

QEMU runs with TCG unless ``--kvm`` (this machine's nested KVM cannot run
Proxmox's default CPU model); the overhead measured is QEMU-independent.
Must run as root.  Everything is torn down at the end, also on errors and
Ctrl-C.  Example::

    .venv/bin/python benchmarks/vm.py              # about 1 minute
    .venv/bin/python benchmarks/vm.py --rounds 20 --json out.json
"""

import argparse
import json
import os
import platform
import signal
import socket
import subprocess
import sys
import time

import api
from api import Conn, Environment, build_request, client_context, percentile
import benchlib
from benchlib import BenchError

VMID = 100
MANY_FIRST = 1000
TARGET_OVERHEAD_MS = 300.0
TARGET_RESOURCES_MS = 100.0


# ---------------------------------------------------------------------------
# a blocking QMP client: enough for query-status and quit


def qmp(path, command, timeout=5.0):
    """Run one QMP *command* on the monitor at *path*; its ``return``."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(path)
        reader = s.makefile("rb")
        json.loads(reader.readline())                # the greeting
        for name in ("qmp_capabilities", command):
            s.sendall(json.dumps({"execute": name}).encode() + b"\n")
            while True:
                reply = json.loads(reader.readline() or b"null")
                if reply is None:
                    raise BenchError("QMP connection closed")
                if "return" in reply or "error" in reply:
                    break                            # events are skipped
            if "error" in reply:
                raise BenchError("QMP %s: %s" % (name, reply["error"]))
        return reply["return"]


def wait_running(qmp_path, deadline, marks=None):
    """Poll QMP until the VM runs; the monotonic time it was seen.  In
    *marks*: when the QMP socket first answered (QEMU is up)."""
    while time.monotonic() < deadline:
        try:
            status = qmp(qmp_path, "query-status").get("status")
            if marks is not None:
                marks.setdefault("qemu_up", time.monotonic())
            if status == "running":
                return time.monotonic()
        except (OSError, ValueError, BenchError):
            pass
        time.sleep(0.002)
    raise BenchError("QEMU did not run in time")


def read_pid(path):
    try:
        with open(path) as f:
            return int(f.read().strip())
    except (OSError, ValueError):
        return None


def quit_and_wait(qmp_path, pid_path, deadline):
    pid = read_pid(pid_path)
    try:
        qmp(qmp_path, "quit")
    except (OSError, ValueError, BenchError):
        pass
    while pid and os.path.exists("/proc/%d" % pid) and time.monotonic() < deadline:
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break
        except OSError:
            break
        time.sleep(0.01)
    if pid and os.path.exists("/proc/%d/cmdline" % pid):
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# ---------------------------------------------------------------------------
# the node with one VM


class VMEnvironment(Environment):

    def __init__(self, args):
        super().__init__(args)
        self.node = api.NODE
        self.run_dir = os.path.join(self.root, "run", "qemu-server")
        self.qmp_path = os.path.join(self.run_dir, "%d.qmp" % VMID)
        self.pid_path = os.path.join(self.run_dir, "%d.pid" % VMID)
        self.phases = []         # per API start: ms to the answer, to QEMU up

    def conf_path(self, vmid):
        return os.path.join(self.etc_pve, "nodes", self.node, "qemu-server",
                            "%d.conf" % vmid)

    def write_vm(self):
        images = os.path.join(self.root, "var", "lib", "vz", "images", str(VMID))
        os.makedirs(images, exist_ok=True)
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2",
                        os.path.join(images, "vm-%d-disk-0.qcow2" % VMID), "32M"],
                       check=True)
        text = ("boot: order=scsi0\ncores: 1\nmemory: %d\nname: bench\n"
                "scsi0: local:%d/vm-%d-disk-0.qcow2,size=32M\nscsihw: virtio-scsi-pci\n"
                % (self.args.memory, VMID, VMID))
        if not self.args.kvm:
            text += "kvm: 0\n"
        with open(self.conf_path(VMID), "w") as f:
            f.write(text)

    def showcmd(self):
        out = subprocess.run([self.args.python, "-m", "pve.cli.qm", "showcmd", str(VMID)],
                             env=self.env, cwd=self.root, capture_output=True, text=True)
        if out.returncode:
            raise BenchError("qm showcmd: %s" % out.stderr.strip())
        import shlex
        return shlex.split(out.stdout)

    def start_api(self, conn):
        path = "/api2/json/nodes/%s/qemu/%d/status/start" % (self.node, VMID)
        headers = self.headers(csrf=True)
        marks = {}
        t0 = time.monotonic()
        status, head, body = conn.request(build_request("POST", path, headers))
        if status != 200:
            raise BenchError("POST %s: %s" % (path, head.split(b"\r\n")[0].decode()))
        marks["answered"] = time.monotonic()
        t1 = wait_running(self.qmp_path, t0 + 60, marks)
        self.phases.append({k: (v - t0) * 1000 for k, v in marks.items()})
        return t1 - t0

    def start_direct(self, argv):
        t0 = time.monotonic()
        proc = subprocess.run(argv, stdin=subprocess.DEVNULL, capture_output=True)
        if proc.returncode:
            raise BenchError("direct QEMU: %s" % proc.stderr.decode().strip())
        t1 = wait_running(self.qmp_path, t0 + 60)
        return t1 - t0

    def stop(self):
        quit_and_wait(self.qmp_path, self.pid_path, time.monotonic() + 30)
        for ext in ("pid", "qmp"):
            try:
                os.unlink(os.path.join(self.run_dir, "%d.%s" % (VMID, ext)))
            except FileNotFoundError:
                pass

    def write_many(self, count):
        template = ("cores: 2\nmemory: 512\nname: many-%d\nnet0: virtio=BC:24:11:00:%02X:%02X,"
                    "bridge=vmbr0\nostype: l26\nscsi0: local:%d/vm-%d-disk-0.qcow2,size=8G\n"
                    "scsihw: virtio-scsi-pci\n")
        for i in range(count):
            vmid = MANY_FIRST + i
            with open(self.conf_path(vmid), "w") as f:
                f.write(template % (vmid, (i >> 8) & 255, i & 255, vmid, vmid))

    def time_get(self, path, count):
        conn = Conn(self.ports["pveproxy"], client_context(self.ca_pem))
        request = build_request("GET", path, self.headers())
        lat = []
        body = b""
        try:
            for i in range(count + 3):
                t0 = time.perf_counter()
                status, head, body = conn.request(request)
                dt = time.perf_counter() - t0
                if status != 200:
                    raise BenchError("GET %s: %s" % (path, head.split(b"\r\n")[0].decode()))
                if i >= 3:                           # three to warm up
                    lat.append(dt * 1000)
        finally:
            conn.close()
        return sorted(lat), json.loads(body)["data"]


# ---------------------------------------------------------------------------


def summary(values):
    return {"n": len(values), "p50_ms": percentile(values, 50),
            "p90_ms": percentile(values, 90), "min_ms": values[0] if values else None,
            "max_ms": values[-1] if values else None}


def run(args):
    env = VMEnvironment(args)
    try:
        t0 = time.monotonic()
        env.start_node()
        print("node up in %.1f s" % (time.monotonic() - t0), file=sys.stderr)
        env.write_vm()
        argv = env.showcmd()
        conn = Conn(env.ports["pveproxy"], client_context(env.ca_pem))
        times = {"api": [], "direct": []}
        try:
            order = ("api", "direct")
            for r in range(args.rounds + 1):          # round 0 warms up
                for how in order:
                    dt = env.start_api(conn) if how == "api" else env.start_direct(argv)
                    env.stop()
                    if r:
                        times[how].append(dt * 1000)
                    print("  round %d %-6s %7.1f ms" % (r, how, dt * 1000), file=sys.stderr)
                order = order[::-1]
        finally:
            conn.close()
            env.stop()
        start = {how: summary(sorted(v)) for how, v in times.items()}
        phases = env.phases[1:]                       # without the warm-up
        for name in ("answered", "qemu_up"):
            start["api"][name + "_p50_ms"] = percentile(
                sorted(p[name] for p in phases if name in p), 50)
        overhead = start["api"]["p50_ms"] - start["direct"]["p50_ms"]

        env.write_many(args.many)
        resources = {}
        for name, path in (("all", "/api2/json/cluster/resources"),
                           ("type=vm", "/api2/json/cluster/resources?type=vm")):
            lat, data = env.time_get(path, args.requests)
            vms = sum(1 for e in data if e.get("type") == "qemu")
            if vms != args.many + 1:
                raise BenchError("%s lists %d VMs, not %d" % (path, vms, args.many + 1))
            resources[name] = dict(summary(lat), vms=vms)
        report = {
            "config": vars(args), "start": start, "overhead_p50_ms": overhead,
            "resources": resources, "elapsed_s": time.monotonic() - t0,
            "machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                        "qemu": argv[0], "accel": "kvm" if args.kvm else "tcg"},
        }
        report["pass"] = (overhead <= TARGET_OVERHEAD_MS and all(
            r["p50_ms"] < TARGET_RESOURCES_MS for r in resources.values()))
        return report
    finally:
        env.close()


def print_report(report):
    s = report["start"]
    cfg = report["config"]
    print("VM start, POST .../status/start to QMP 'running' (%d rounds, %s, %d MiB)"
          % (cfg["rounds"], report["machine"]["accel"], cfg["memory"]))
    print("  %-28s %9s %9s %9s %9s" % ("", "p50 ms", "p90 ms", "min ms", "max ms"))
    for how, label in (("api", "through the API (ours)"),
                       ("direct", "same QEMU command, direct")):
        m = s[how]
        print("  %-28s %9.1f %9.1f %9.1f %9.1f" % (label, m["p50_ms"], m["p90_ms"],
                                                 m["min_ms"], m["max_ms"]))
    print("  (through the API, p50: POST answered with the UPID after %.1f ms, "
          "QEMU's monitor answered after %.1f ms)" % (s["api"]["answered_p50_ms"],
                                                      s["api"]["qemu_up_p50_ms"]))
    ok = report["overhead_p50_ms"] <= TARGET_OVERHEAD_MS
    print("  overhead at p50: %.1f ms (target <= %.0f ms)  %s"
          % (report["overhead_p50_ms"], TARGET_OVERHEAD_MS, "PASS" if ok else "FAIL"))
    print()
    print("GET /cluster/resources with %d VM configs (%d requests, one at a time)"
          % (cfg["many"] + 1, cfg["requests"]))
    print("  %-28s %9s %9s %9s   target" % ("", "p50 ms", "p90 ms", "max ms"))
    for name, m in report["resources"].items():
        ok = m["p50_ms"] < TARGET_RESOURCES_MS
        print("  %-28s %9.1f %9.1f %9.1f   < %.0f ms  %s" % (
            name, m["p50_ms"], m["p90_ms"], m["max_ms"], TARGET_RESOURCES_MS,
            "PASS" if ok else "FAIL"))
    print()
    print("overall: %s" % ("PASS" if report["pass"] else "FAIL"))


def parse_args(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=10,
                    help="measured starts per way (default 10)")
    ap.add_argument("--memory", type=int, default=128, help="VM memory, MiB")
    ap.add_argument("--kvm", action="store_true", help="use KVM (default: TCG)")
    ap.add_argument("--many", type=int, default=1000,
                    help="VM configs for /cluster/resources (default 1000)")
    ap.add_argument("--requests", type=int, default=30,
                    help="timed requests per resource query (default 30)")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter for the daemons")
    ap.add_argument("--json", metavar="FILE", help="write the results here")
    ap.add_argument("--keep", action="store_true", help="keep the temp dir (logs)")
    args = ap.parse_args(argv)
    args.profile = None                 # what api.Environment expects
    return args


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    return benchlib.run_main("vm.py", run, print_report, args)


if __name__ == "__main__":
    sys.exit(main())
