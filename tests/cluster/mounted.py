"""A real pmxcfs FUSE mount in the test process, under a temporary root."""

import os

from twisted.internet import task

from pve import paths
from pve.cluster import mount
from pve.cluster.cfs import ConfigFS
from pve.cluster.fuse import Operations


class MountedCase:
    """Mixin for a trial TestCase: ``self.mnt`` is a live mount of
    ``self.cfs``, whose clock is ``self.clock``; both go away on cleanup,
    also when the test fails."""

    node = "n1"
    workers = 2

    def mountCfs(self, root=None):
        self.clock = task.Clock()
        self.clock.advance(1700000000)
        self.paths = paths.Paths(root or os.path.abspath(self.mktemp()))
        self.cfs = ConfigFS.open(self.paths, self.node,
                                 clock=self.clock.seconds)
        self.ops = Operations(self.cfs)
        self.mount = mount.FuseMount(self.ops, self.paths.etc_pve,
                                     workers=self.workers)
        self.mount.start()
        unsubscribe = self.cfs.subscribe(self.ops.changed)
        self.addCleanup(self._unmount, unsubscribe)
        self.mnt = self.paths.etc_pve
        return self.mnt

    def _unmount(self, unsubscribe):
        unsubscribe()
        try:
            self.mount.stop()
        finally:
            mount.force_unmount(self.paths.etc_pve)
            self.cfs.close()

    def p(self, *parts):
        return os.path.join(self.mnt, *parts)

    def assertErrno(self, code, f, *args, **kw):
        e = self.assertRaises(OSError, f, *args, **kw)
        self.assertEqual(e.errno, code, repr(e))
        return e

    def readFile(self, *parts):
        with open(self.p(*parts), "rb") as f:
            return f.read()

    def writeFile(self, data, *parts):
        with open(self.p(*parts), "wb") as f:
            f.write(data)
