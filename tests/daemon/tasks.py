"""Task functions the worker tests run in child processes."""

import os
import signal
import subprocess
import sys
import time

from pve.daemon.runworker import warn


def hello(upid, name, greeting="hello"):
    print("%s %s" % (greeting, name))
    print("upid %s" % (upid,))
    sys.stderr.write("on stderr\n")
    subprocess.run(["echo", "from a subprocess"], check=True)


def partial(upid):
    sys.stdout.write("no newline at the end")


def fail(upid, message):
    print("about to fail")
    raise RuntimeError(message)


def warnings(upid, count):
    for i in range(count):
        warn("warning number %d\n" % (i,))


def _ready(marker, child):
    with open(marker + ".tmp", "w") as f:
        f.write("%d\n" % (child.pid,))
    os.rename(marker + ".tmp", marker)


def long(upid, marker):
    """Start a grandchild, say so in *marker*, wait for ever."""
    child = subprocess.Popen(["sleep", "600"])
    print("waiting")
    _ready(marker, child)
    child.wait()


def stubborn(upid, marker):
    """Ignore SIGTERM and wait for ever."""
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    child = subprocess.Popen(["sleep", "600"])
    _ready(marker, child)
    while True:
        time.sleep(60)


def preloaded(upid, module):
    """Say whether *module* was imported before the task began."""
    print("%s preloaded: %s" % (module, module in sys.modules))
