"""Reading mountinfo, without touching any mount."""

import os

from twisted.trial import unittest

from pve.cluster import mount

MOUNTINFO = (
    "22 1 0:21 / /proc rw,nosuid - proc proc rw\n"
    "90 29 0:50 / /tmp/my\\040root/etc/pve rw,nosuid,nodev shared:1 - fuse"
    " pmxcfs rw,user_id=0,group_id=0\n"
)


class MountinfoTests(unittest.TestCase):
    def setUp(self):
        self.path = self.mktemp()
        with open(self.path, "w") as f:
            f.write(MOUNTINFO)

    def test_escaped_names_and_types(self):
        self.assertEqual(mount.mounts(self.path),
                         [("/proc", "0:21", "proc"),
                          ("/tmp/my root/etc/pve", "0:50", "fuse")])

    def test_mount_of(self):
        self.assertEqual(mount.mount_of("/tmp/my root/etc/pve", self.path),
                         ("/tmp/my root/etc/pve", "0:50", "fuse"))
        self.assertIsNone(mount.mount_of("/tmp/my root/etc", self.path))

    def test_nothing_mounted_is_left_alone(self):
        path = os.path.abspath(self.mktemp())
        self.assertFalse(mount.cleanup_stale(path))
        self.assertFalse(mount.force_unmount(path))
