"""A VM's config file in pmxcfs, and its lock, as PVE::QemuConfig.

The file is ``nodes/<node>/qemu-server/<vmid>.conf`` (relative to
/etc/pve), read and written through an ``ICfsClient``.  The VM lock is
Proxmox's ``lock_config``: an exclusive flock on
``$PVE_ROOT/var/lock/qemu-server/lock-<vmid>.conf``, taken in a thread so a
wait never blocks the reactor.
"""

import errno
import os
import time

from twisted.internet import defer, threads
from twisted.logger import Logger

from pve import flock
from pve.qemu import config, schema

log = Logger()

LOCK_TIMEOUT = 10


class VMConfigError(Exception):
    """A refusal with Proxmox's message (``str()``)."""


def config_path(nodename, vmid):
    """The config file of *vmid* on *nodename*, relative to /etc/pve."""
    return "nodes/%s/qemu-server/%s.conf" % (nodename, vmid)


def lock_dir(paths):
    return paths.join("var/lock/qemu-server")


def lock_file(paths, vmid):
    return os.path.join(lock_dir(paths), "lock-%s.conf" % (vmid,))


def parse(text, vmid):
    return config.parse_config(text, vmid, check=schema.check_value)


def render(conf):
    """The file text of *conf*; raises ``VMConfigError``."""
    try:
        return config.write_config(conf, check=schema.check_value)
    except config.ConfigError as error:
        raise VMConfigError(str(error))


def check_lock(conf, skiplock=False):
    """Refuse a config with a ``lock:`` key unless *skiplock*."""
    lock = conf.main.get("lock")
    if lock and not skiplock:
        raise VMConfigError("VM is locked (%s)" % (lock,))


def assert_digest(conf, digest):
    """Refuse when *digest* is given and differs from the file's."""
    if digest and digest != conf.digest:
        raise VMConfigError(
            "detected modified configuration - file changed by other user? "
            "Try again.")


def _flock(path, timeout, monotonic=time.monotonic, sleep=time.sleep):
    """Open and exclusively flock *path*, waiting at most *timeout*
    seconds; returns the file descriptor (run in a thread)."""
    return flock.lock_file(path, timeout, error=VMConfigError,
                           monotonic=monotonic, sleep=sleep)


_unlock = flock.unlock


class VMConfigs:
    """The VM configs of one node through *client* (an ``ICfsClient``).

    *reactor* runs the lock waits in its thread pool; one without a
    thread pool (a test's Clock) tries the lock once, in place.
    """

    def __init__(self, client, paths, nodename, reactor):
        self.client = client
        self.paths = paths
        self.nodename = nodename
        self.reactor = reactor

    def path(self, vmid):
        return config_path(self.nodename, vmid)

    def exists(self, vmid):
        d = self.client.stat(self.path(vmid))
        d.addCallbacks(lambda _: True, lambda f: f.trap(OSError) and False)
        return d

    @defer.inlineCallbacks
    def load(self, vmid):
        """The ``VMConfig`` of *vmid*; fails with Proxmox's message when
        there is none."""
        try:
            raw = yield self.client.read(self.path(vmid))
        except OSError as error:
            if error.errno == errno.ENOENT:
                raise VMConfigError("Configuration file '%s' does not exist"
                                    % (self.path(vmid),))
            raise
        conf = parse(raw, vmid)
        for warning in conf.warnings:
            log.warn("{warning}", warning=warning)
        return conf

    def write(self, vmid, conf):
        """Replace the file of *vmid* with *conf* (a ``VMConfig``)."""
        try:
            text = render(conf)
        except VMConfigError:
            return defer.fail()
        return self.client.write(self.path(vmid), text.encode("utf-8"))

    @defer.inlineCallbacks
    def create(self, vmid, conf):
        """Write a new config; refuse when *vmid* already has one."""
        if (yield self.exists(vmid)):
            raise VMConfigError("unable to create VM %s: config file already "
                                "exists" % (vmid,))
        yield self.write(vmid, conf)

    def delete(self, vmid):
        return self.client.delete(self.path(vmid))

    def _in_thread(self, func, *args):
        pool = getattr(self.reactor, "getThreadPool", None)
        if pool is None:
            return defer.maybeDeferred(func, *args)
        return threads.deferToThreadPool(self.reactor, pool(), func, *args)

    def lock(self, vmid, func, *args, timeout=LOCK_TIMEOUT, **kw):
        """Run *func* (may return a Deferred) holding the VM lock of
        *vmid*; fails with ``can't lock file '...' - got timeout``."""
        path = lock_file(self.paths, vmid)
        d = self._in_thread(_flock, path, timeout)

        def locked(fd):
            inner = defer.maybeDeferred(func, *args, **kw)

            def release(result):
                _unlock(fd)
                return result
            return inner.addBoth(release)
        return d.addCallback(locked)

    def update(self, vmid, change, digest=None, skiplock=False,
               timeout=LOCK_TIMEOUT):
        """Under the lock: load, check digest and ``lock:``, call
        ``change(conf)`` (may change it in place and return a Deferred),
        write back; fires with the written config."""
        @defer.inlineCallbacks
        def locked():
            conf = yield self.load(vmid)
            assert_digest(conf, digest)
            check_lock(conf, skiplock)
            yield change(conf)
            yield self.write(vmid, conf)
            return conf
        return self.lock(vmid, locked, timeout=timeout)

    def set_lock(self, vmid, lock, timeout=LOCK_TIMEOUT):
        """Set the ``lock:`` key (refusing an already locked VM)."""
        def change(conf):
            check_lock(conf)
            conf.main["lock"] = lock
        return self.update(vmid, change, timeout=timeout)

    def remove_lock(self, vmid, lock=None, timeout=LOCK_TIMEOUT):
        """Clear the ``lock:`` key (only when it is *lock*, if given)."""
        def change(conf):
            current = conf.main.get("lock")
            if lock is not None and current != lock:
                raise VMConfigError("VM is not locked (%s)" % (lock,)
                                    if current is None else
                                    "VM is locked (%s)" % (current,))
            conf.main.pop("lock", None)
        return self.update(vmid, change, skiplock=True, timeout=timeout)
