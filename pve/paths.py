"""Every filesystem path of a node, under ``PVE_ROOT``.

``PVE_ROOT`` (default ``/``) prefixes every path, so tests and the embedded
``pve-node`` run whole nodes under a temporary directory.  Code asks for a
:class:`Paths` (``paths.current()`` reads the environment) instead of
writing literal paths.
"""

import os
import socket


def root_from_env(environ=None):
    environ = os.environ if environ is None else environ
    return environ.get("PVE_ROOT") or "/"


def nodename(environ=None):
    """The node's name: ``PVE_NODENAME`` or the short hostname."""
    environ = os.environ if environ is None else environ
    name = environ.get("PVE_NODENAME")
    if name:
        return name
    return socket.gethostname().split(".", 1)[0]


class Paths:
    """The paths of one node rooted at *root*."""

    def __init__(self, root="/"):
        self.root = os.path.abspath(root)

    def join(self, *parts):
        """``root`` joined with an absolute-looking path."""
        rel = os.path.join(*parts).lstrip("/")
        return os.path.join(self.root, rel)

    # pmxcfs
    @property
    def etc_pve(self):
        return self.join("etc/pve")

    @property
    def cluster_lib(self):
        return self.join("var/lib/pve-cluster")

    @property
    def config_db(self):
        return self.join("var/lib/pve-cluster/config.db")

    @property
    def config_db_backup_dir(self):
        return self.join("var/lib/pve-cluster/backup")

    @property
    def cluster_run(self):
        return self.join("run/pve-cluster")

    @property
    def pmxcfs_socket(self):
        return self.join("run/pve-cluster/pmxcfs.sock")

    @property
    def pmxcfs_version(self):
        """The tree version in shared memory (:mod:`pve.cluster.treeversion`)."""
        return self.join("run/pve-cluster/pmxcfs.version")

    @property
    def pmxcfs_pidfile(self):
        return self.join("run/pve-cluster/pmxcfs.pid")

    @property
    def log_dir(self):
        return self.join("var/log/pve")

    @property
    def proxy_access_log(self):
        """pveproxy's access log."""
        return self.join("var/log/pveproxy/access.log")

    @property
    def task_dir(self):
        return self.join("var/log/pve/tasks")

    # corosync: the node's own copy of the cluster's corosync.conf, and the
    # cluster key (pmxcfs keeps /etc/pve/corosync.conf in its database)
    @property
    def corosync_conf(self):
        return self.join("etc/corosync/corosync.conf")

    @property
    def corosync_authkey(self):
        return self.join("etc/corosync/authkey")

    # qmeventd
    @property
    def qmeventd_socket(self):
        """Where QEMU connects its event monitor (/var/run/qmeventd.sock)."""
        return self.join("run/qmeventd.sock")

    # pve-node (the embedded supervisor)
    @property
    def node_pidfile(self):
        return self.join("run/pve-node.pid")

    @property
    def admin_password(self):
        """The password of ``admin@pve`` made on a first start."""
        return self.join("root/pve-admin-password")

    def __repr__(self):
        return "Paths(%r)" % (self.root,)


def current(environ=None):
    """The :class:`Paths` named by ``PVE_ROOT`` in *environ*."""
    return Paths(root_from_env(environ))
