"""What the benchmark scripts share: mounts, waiting, teardown.

Imported by ``benchmarks/*.py`` run as scripts (their folder is on
``sys.path``).  Blocking, standard library only.
"""

import os
import re
import shutil
import signal
import subprocess
import sys
import time


class BenchError(Exception):
    pass


def _unescape(field):
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mounts():
    """(mountpoint, fstype) of every mount in this namespace."""
    result = []
    with open("/proc/self/mountinfo") as f:
        for line in f:
            fields = line.split()
            try:
                sep = fields.index("-")
            except ValueError:
                continue
            result.append((_unescape(fields[4]), fields[sep + 1]))
    return result


def mount_type(path):
    """The fstype mounted at *path* (the topmost), or None."""
    found = None
    for mnt, fstype in mounts():
        if mnt == path:
            found = fstype
    return found


def log_tail(path, lines=40):
    if not path:
        return ""
    try:
        with open(path, errors="replace") as f:
            tail = f.readlines()[-lines:]
    except OSError:
        return ""
    if not tail:
        return " (log %s is empty)" % path
    return "\n--- last lines of %s ---\n%s---" % (path, "".join(tail))


def wait_for(predicate, what, deadline, proc=None, log=None, interval=0.02,
             errors=(OSError,)):
    """Poll *predicate* until it is true (*errors* count as not yet),
    *proc* died, or *deadline* seconds passed."""
    end = time.monotonic() + deadline
    while True:
        try:
            if predicate():
                return
        except errors:
            pass
        if proc is not None and proc.poll() is not None:
            raise BenchError("%s: process exited with status %s before it "
                             "was ready%s" % (what, proc.returncode,
                                              log_tail(log)))
        if time.monotonic() > end:
            raise BenchError("%s: not ready after %.0f s%s"
                             % (what, deadline, log_tail(log)))
        time.sleep(interval)


def teardown(procs, tmp, keep=False, term_wait=10):
    """Stop *procs* (``[(name, Popen)]``, the last started first) with
    SIGTERM, SIGKILL after *term_wait* s; detach what is still mounted
    below *tmp*, deepest first; remove *tmp* unless *keep* or a mount
    stays.  Problems go to stderr."""
    problems = []
    for name, proc in reversed(procs):
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(term_wait)
            except subprocess.TimeoutExpired:
                problems.append("%s did not stop on SIGTERM; killed" % name)
                proc.kill()
                proc.wait(10)
    prefix = tmp + os.sep
    for _ in range(3):
        left = sorted({m for m, _ in mounts() if m.startswith(prefix)},
                      key=len, reverse=True)
        if not left:
            break
        for mnt in left:
            subprocess.run(["umount", "-l", mnt], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    left = [m for m, _ in mounts() if m.startswith(prefix)]
    if left:
        problems.append("still mounted, temp dir kept: %s" % ", ".join(left))
    elif keep:
        print("temp dir kept: %s" % tmp, file=sys.stderr)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    for p in problems:
        print("teardown: %s" % p, file=sys.stderr)


def run_main(script, run, print_report, args):
    """The common ``main``: as root only; SIGTERM and SIGINT tear down (as
    ``KeyboardInterrupt``, also when started with SIGINT ignored);
    ``run(args)`` gives the report, printed, written to ``args.json`` if
    set; exit 0 when it passes, 1 when it fails or breaks, 130 when
    interrupted."""
    import json
    if os.geteuid() != 0:
        print("benchmarks/%s must run as root (pmxcfs mounts FUSE)" % script,
              file=sys.stderr)
        return 2

    def on_term(signum, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, on_term)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        report = run(args)
    except KeyboardInterrupt:
        print("interrupted; torn down", file=sys.stderr)
        return 130
    except BenchError as e:
        print("benchmark failed: %s" % e, file=sys.stderr)
        return 1
    print_report(report)
    if args.json:
        with open(args.json, "w") as f:
            json.dump(report, f, indent=2, default=str)
    return 0 if report["pass"] else 1
