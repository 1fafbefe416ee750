"""A real ``twistd -n pmxcfs`` process under a temporary root, for tests."""

import os
import select
import signal
import subprocess
import sys
import time

from pve.cluster import mount

TWISTD = "import sys; from twisted.scripts.twistd import run; " \
         "sys.argv[0] = 'twistd'; run()"
REPO = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))


class PmxcfsProcess:
    """Start, signal and wait for one pmxcfs daemon.  Waiting reads the
    daemon's own log from its stdout pipe: no sleeps."""

    def __init__(self, root, node="n1", extra=(), local=True, prefix=()):
        self.root = root
        self.prefix = list(prefix)   # e.g. nsenter into a network namespace
        self.node = node
        self.extra = (["--local"] if local else []) + list(extra)
        self.proc = None
        self.output = []
        self.mountpoint = os.path.join(root, "etc", "pve")

    def start(self, timeout=30):
        env = dict(os.environ, PVE_ROOT=self.root, PVE_NODENAME=self.node,
                   PYTHONPATH=REPO + os.pathsep + os.environ.get(
                       "PYTHONPATH", ""))
        self.proc = subprocess.Popen(
            self.prefix + [sys.executable, "-c", TWISTD, "-n", "--pidfile=",
                           "pmxcfs"] + self.extra,
            env=env, cwd=self.root, stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT)
        self.wait_for_line("pmxcfs ready", timeout)
        return self

    def wait_for_line(self, fragment, timeout=30):
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        buf = b""
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError("pmxcfs did not log %r in %ds; log:\n%s"
                                     % (fragment, timeout,
                                        "".join(self.output)))
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 65536)
            if not chunk:
                raise AssertionError("pmxcfs exited (%s) before logging %r;"
                                     " log:\n%s" % (self.proc.wait(),
                                                    fragment,
                                                    "".join(self.output)))
            buf += chunk
            while b"\n" in buf:
                line, buf = buf.split(b"\n", 1)
                text = line.decode(errors="replace") + "\n"
                self.output.append(text)
                if fragment in text:
                    return text

    def drain(self):
        """Read what is left of the log (the process has exited)."""
        rest = self.proc.stdout.read()
        if rest:
            self.output.append(rest.decode(errors="replace"))
        return "".join(self.output)

    def signal(self, signum):
        self.proc.send_signal(signum)

    def wait(self, timeout=30):
        code = self.proc.wait(timeout)
        self.drain()
        return code

    def kill(self):
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def cleanup(self):
        """Leave nothing behind: no process, no mount."""
        self.kill()
        if self.proc is not None:
            self.proc.stdout.close()
        mount.force_unmount(self.mountpoint)

    def output_so_far(self):
        """The log up to now, without waiting (for failure messages)."""
        fd = self.proc.stdout.fileno()
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self.output.append(chunk.decode(errors="replace"))
        return "".join(self.output)
