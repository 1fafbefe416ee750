"""Random operation sequences on the mount, checked against a plain model.

hypothesis drives a state machine: every step runs one system call on the
real FUSE mount and the same operation on a dictionary model; the call must
succeed exactly when the model says so, and afterwards the whole tree (names,
types, contents) read back through the mount and straight from the database
must equal the model.
"""

import os
import shutil

from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, invariant, rule,
                                 run_state_machine_as_test)
from twisted.trial import unittest

from pve.cluster.cfs import ConfigFS
from tests.cluster.mounted import MountedCase

DIRS = ["", "a", "b", "a/c"]
NAMES = ["x", "y", "a", "b", "c"]
paths = st.builds(lambda d, n: (d + "/" + n) if d else n,
                  st.sampled_from(DIRS), st.sampled_from(NAMES))
data = st.binary(max_size=300)


class Model:
    """Files and directories as the mount should hold them."""

    def __init__(self):
        self.files = {}
        self.dirs = {""}

    def parent_ok(self, path):
        parent = path.rpartition("/")[0]
        return parent in self.dirs

    def children(self, path):
        prefix = path + "/"
        return [p for p in list(self.files) + list(self.dirs)
                if p.startswith(prefix)]

    def write(self, path, content):
        if not self.parent_ok(path) or path in self.dirs:
            return False
        self.files[path] = content
        return True

    def pwrite(self, path, offset, content):
        if path not in self.files:
            return False
        if not content:
            return True     # a write of nothing changes nothing
        old = self.files[path]
        new = old[:offset].ljust(offset, b"\0") + content
        self.files[path] = new + old[len(new):]
        return True

    def truncate(self, path, size):
        if path not in self.files:
            return False
        self.files[path] = self.files[path][:size].ljust(size, b"\0")
        return True

    def unlink(self, path):
        return self.files.pop(path, None) is not None

    def mkdir(self, path):
        if not self.parent_ok(path) or path in self.files or \
                path in self.dirs:
            return False
        self.dirs.add(path)
        return True

    def rmdir(self, path):
        if path not in self.dirs or self.children(path):
            return False
        self.dirs.remove(path)
        return True

    def rename(self, src, dst):
        if src == dst:
            return src in self.files or src in self.dirs
        if not self.parent_ok(dst):
            return False
        if src in self.files:
            if dst in self.dirs:
                return False
            self.files[dst] = self.files.pop(src)
            return True
        if src in self.dirs:
            # Proxmox: only empty directories move, onto nothing or an
            # empty directory, and never below themselves
            if self.children(src) or dst in self.files or \
                    dst.startswith(src + "/") or \
                    (dst in self.dirs and self.children(dst)):
                return False
            self.dirs.discard(dst)
            self.dirs.remove(src)
            self.dirs.add(dst)
            return True
        return False


class MountMachine(RuleBasedStateMachine):
    root = None       # the work directory inside the mount, set by the test
    cfs = None
    prefix = None     # that directory's path inside the ConfigFS

    def __init__(self):
        super().__init__()
        for name in os.listdir(self.root):
            path = os.path.join(self.root, name)
            if os.path.isdir(path):
                shutil.rmtree(path)
            else:
                os.unlink(path)
        self.model = Model()

    def real(self, path):
        return os.path.join(self.root, path)

    def check(self, expected, f, *args):
        try:
            f(*args)
            ok = True
        except OSError:
            ok = False
        assert ok == expected, "%s%r: mount %s, model %s" % (
            f.__name__, args, "succeeded" if ok else "failed",
            "succeeds" if expected else "fails")

    @rule(path=paths, content=data)
    def write(self, path, content):
        def write_file(p, c):
            with open(p, "wb") as f:
                f.write(c)
        self.check(self.model.write(path, content), write_file,
                   self.real(path), content)

    @rule(path=paths, offset=st.integers(0, 400), content=data)
    def pwrite(self, path, offset, content):
        def pwrite_file(p, o, c):
            fd = os.open(p, os.O_WRONLY)
            try:
                os.pwrite(fd, c, o)
            finally:
                os.close(fd)
        expected = self.model.pwrite(path, offset, content)
        self.check(expected, pwrite_file, self.real(path), offset, content)

    @rule(path=paths, size=st.integers(0, 400))
    def truncate(self, path, size):
        self.check(self.model.truncate(path, size), os.truncate,
                   self.real(path), size)

    @rule(path=paths)
    def unlink(self, path):
        self.check(self.model.unlink(path), os.unlink, self.real(path))

    @rule(path=paths)
    def mkdir(self, path):
        self.check(self.model.mkdir(path), os.mkdir, self.real(path))

    @rule(path=paths)
    def rmdir(self, path):
        self.check(self.model.rmdir(path), os.rmdir, self.real(path))

    @rule(src=paths, dst=paths)
    def rename(self, src, dst):
        self.check(self.model.rename(src, dst), os.rename, self.real(src),
                   self.real(dst))

    def _walk_mount(self):
        files, dirs = {}, {""}
        for top, dnames, fnames in os.walk(self.root):
            rel = os.path.relpath(top, self.root)
            rel = "" if rel == "." else rel
            for d in dnames:
                dirs.add(os.path.join(rel, d))
            for f in fnames:
                with open(os.path.join(top, f), "rb") as fh:
                    files[os.path.join(rel, f)] = fh.read()
        return files, dirs

    def _walk_cfs(self, rel=""):
        files, dirs = {}, {rel}
        base = self.prefix + ("/" + rel if rel else "")
        for name in self.cfs.listdir(base):
            path = (rel + "/" + name) if rel else name
            if self.cfs.stat(base + "/" + name).kind == "dir":
                f, d = self._walk_cfs(path)
                files.update(f)
                dirs |= d
            else:
                files[path] = self.cfs.read(base + "/" + name)
        return files, dirs

    @invariant()
    def same_tree(self):
        expected = (self.model.files, self.model.dirs)
        assert self._walk_mount() == expected, "mount differs from model"
        assert self._walk_cfs() == expected, "database differs from model"


class ModelTests(MountedCase, unittest.TestCase):
    def setUp(self):
        self.mountCfs()
        os.mkdir(self.p("model"))
        self.patch(MountMachine, "root", self.p("model"))
        self.patch(MountMachine, "cfs", self.cfs)
        self.patch(MountMachine, "prefix", "model")

    def test_random_sequences(self):
        run_state_machine_as_test(MountMachine, settings=settings(
            max_examples=100, stateful_step_count=40, deadline=None,
            database=None, derandomize=True,
            suppress_health_check=list(HealthCheck)))

    def test_state_survives_reopen(self):
        """What the machine did through the mount reopens from config.db."""
        machine = MountMachine()
        machine.mkdir("a")
        machine.write("a/x", b"one")
        machine.write("y", b"two")
        machine.rename("y", "a/c")
        machine.pwrite("a/x", 5, b"!")
        before = machine._walk_cfs()
        self.mount.stop()
        self.cfs.close()
        again = ConfigFS.open(self.paths, self.node)
        self.addCleanup(again.close)
        MountMachine.cfs = again
        self.assertEqual(machine._walk_cfs(), before)
        self.assertEqual(before[0], {"a/x": b"one\0\0!", "a/c": b"two"})
