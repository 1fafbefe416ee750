"""Start, stop and watch a VM's QEMU, as qemu-server's vm_start, vm_stop,
vm_shutdown, check_running and ``qm cleanup``.

QEMU is started with ``-daemonize``: it becomes its own process, outliving
whoever started it, and is found again through its pid file
``run/qemu-server/<vmid>.pid``.  Waits for a process to go are bounded
polls of /proc.
"""

import errno
import os
import signal

from twisted.internet import defer, protocol, task
from twisted.logger import Logger

from pve.qemu import bridge_script, command, config as qconfig, network, qmp, scope
from pve.qemu.vmconfig import VMConfigError, check_lock
from pve.storage import config as storagecfg

log = Logger()

RUN_DIR = "run/qemu-server"
STORAGE_CFG = "storage.cfg"
POLL = 0.05


class RuntimeError_(VMConfigError):
    """A refusal or failure with Proxmox's message."""


def run_file(paths, vmid, ext):
    return paths.join(RUN_DIR, "%s.%s" % (vmid, ext))


def pid_file(paths, vmid):
    return run_file(paths, vmid, "pid")


def qmp_socket(paths, vmid):
    return run_file(paths, vmid, "qmp")


def _read_pid(path):
    try:
        with open(path) as fh:
            return int(fh.read().strip() or 0) or None
    except (OSError, ValueError):
        return None


def check_running(paths, vmid):
    """The pid of *vmid*'s QEMU, or None: the pid file names a live
    process whose command line has our ``-pidfile``."""
    path = pid_file(paths, vmid)
    pid = _read_pid(path)
    if pid is None:
        return None
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as fh:
            args = fh.read().split(b"\0")
    except OSError:
        return None
    target = os.fsencode(path)
    for i, arg in enumerate(args[:-1]):
        if arg == b"-pidfile" and args[i + 1] == target:
            return pid
    return None


def process_start_time(pid):
    """Start time of *pid* in clock ticks since boot (/proc/pid/stat)."""
    try:
        with open("/proc/%d/stat" % pid) as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return int(fields[19])
    except (OSError, IndexError, ValueError):
        return None


def uptime_of(pid):
    start = process_start_time(pid)
    if start is None:
        return 0
    try:
        with open("/proc/uptime") as fh:
            up = float(fh.read().split()[0])
    except (OSError, ValueError):
        return 0
    return max(0, int(up - start / os.sysconf("SC_CLK_TCK")))


class _Spawned(protocol.ProcessProtocol):
    def __init__(self):
        self.output = []
        self.ended = defer.Deferred()

    def outReceived(self, data):
        self.output.append(data)

    errReceived = outReceived

    def processEnded(self, reason):
        self.ended.callback(reason.value.exitCode)


def _has_nets(conf):
    return any(key.startswith("net") and key[3:].isdigit() for key in conf.main)


class Runtime:
    """The VMs of one node: *configs* a :class:`pve.qemu.vmconfig.VMConfigs`,
    *reactor* spawns and times.  *kvm* as for :func:`pve.qemu.command.build`
    (None: the VM's ``kvm`` option); *host* a ``HostInfo`` or None;
    *systemd* a :class:`pve.qemu.scope.Systemd` (QEMU then starts in the
    scope ``<vmid>.scope``) or None (spawned directly)."""

    def __init__(self, reactor, configs, kvm=None, host=None, systemd=None):
        self.reactor = reactor
        self.configs = configs
        self.paths = configs.paths
        self.nodename = configs.nodename
        self.kvm = kvm
        self.host = host
        self.systemd = systemd

    def check_running(self, vmid):
        return check_running(self.paths, vmid)

    @defer.inlineCallbacks
    def storage_cfg(self):
        try:
            raw = yield self.configs.client.read(STORAGE_CFG)
        except OSError as error:
            if error.errno != errno.ENOENT:
                raise
            return {"local": storagecfg.default_local()}
        return storagecfg.parse_storage_cfg(raw)[0]

    @defer.inlineCallbacks
    def build(self, vmid, conf=None):
        """The :class:`pve.qemu.command.Command` of *vmid*."""
        if conf is None:
            conf = yield self.configs.load(vmid)
        ids = yield self.storage_cfg()
        try:
            cmd = command.build(conf, vmid, self.paths, ids, self.nodename,
                                kvm=self.kvm, host=self.host, daemonize=True)
        except command.CommandError as error:
            raise RuntimeError_(str(error))
        return cmd

    # -- start ---------------------------------------------------------------

    def start(self, vmid, paused=False, skiplock=False, timeout=30):
        """vm_start: under the VM lock."""
        return self.configs.lock(vmid, self._start, vmid, paused, skiplock, timeout)

    @defer.inlineCallbacks
    def _start(self, vmid, paused, skiplock, timeout):
        conf = yield self.configs.load(vmid)
        check_lock(conf, skiplock)
        if _perl_true(conf.main.get("template")):
            raise RuntimeError_("you can't start a vm if it's a template")
        if self.check_running(vmid):
            raise RuntimeError_("VM %s already running" % (vmid,))
        if conf.pending:
            from pve.qemu import pending  # it builds on this module
            yield pending.apply_pending(self.reactor, self.configs, vmid, conf,
                                        out=lambda text: log.warn("{text}", text=text))
        cmd = yield self.build(vmid, conf)
        for warning in cmd.warnings:
            log.warn("{warning}", warning=warning)
        os.makedirs(self.paths.join(RUN_DIR), exist_ok=True)
        cmd.prepare()
        if _has_nets(conf):
            bridge_script.install_scripts(self.paths)
        for stale in ("pid", "qmp"):
            _unlink(run_file(self.paths, vmid, stale))
        argv = list(cmd.argv) + ["-S"]
        proto = _Spawned()
        properties = None
        if self.systemd is not None:
            properties = scope.qemu_scope_properties(
                conf.main.get("cpuunits"), conf.main.get("cpulimit"), scope.cgroup_mode())
        try:
            yield scope.spawn_in_scope(self.reactor, self.systemd, str(vmid), properties,
                                       proto, argv[0], argv, env=dict(os.environ))
        except scope.ScopeError as error:
            raise RuntimeError_("start failed: %s" % (error,))
        code = yield _with_timeout(self.reactor, proto.ended, timeout)
        if code is None:
            raise RuntimeError_("start failed: QEMU did not daemonize in %ss" % timeout)
        if code != 0:
            text = b"".join(proto.output).decode("utf-8", "replace").strip()
            raise RuntimeError_("start failed: QEMU exited with code %s%s"
                                % (code, "\n" + text if text else ""))
        status = yield self.qmp(vmid, "query-status")
        log.info("VM {vmid} started with PID {pid}.", vmid=vmid,
                 pid=self.check_running(vmid))
        if not paused and status.get("status") in ("prelaunch", "paused"):
            yield self.qmp(vmid, "cont")

    # -- monitor ------------------------------------------------------------

    def qmp(self, vmid, name, arguments=None, timeout=None):
        """Run one QMP command on *vmid*'s monitor (Proxmox's mon_cmd)."""
        return qmp.runCommand(self.reactor, qmp_socket(self.paths, vmid), name,
                              arguments, timeout=timeout, peer=qmp.vmPeer(vmid))

    @defer.inlineCallbacks
    def status(self, vmid, full=True):
        """``status``, ``pid``, ``uptime``, ``qmpstatus`` (when running)."""
        pid = self.check_running(vmid)
        result = {"status": "running" if pid else "stopped"}
        if pid:
            result["pid"] = pid
            result["uptime"] = uptime_of(pid)
            if full:
                try:
                    status = yield self.qmp(vmid, "query-status")
                    result["qmpstatus"] = status.get("status")
                except Exception:
                    pass
        else:
            result["uptime"] = 0
            if full:
                result["qmpstatus"] = "stopped"
        return result

    def hmp(self, vmid, command_line, timeout=None):
        """hmp_cmd: the output text of a human monitor command, failing
        with Proxmox's ``VM <vmid> not running`` when QEMU is not."""
        if not self.check_running(vmid):
            return defer.fail(RuntimeError_("VM %s not running" % (vmid,)))
        path = qmp_socket(self.paths, vmid)
        if not os.path.exists(path):
            return defer.fail(RuntimeError_("unable to open monitor socket"))
        return qmp.runHMP(self.reactor, path, command_line, timeout, qmp.vmPeer(vmid))

    @defer.inlineCallbacks
    def monitor_answers(self, vmid, queries, timeout=2):
        """The ``return`` values of the QMP *queries*, by name, asked in
        order on one connection, all within *timeout* seconds (vmstatus's
        QMP round).  The first failure or the deadline ends the round: what
        answered until then is returned, so a monitor that does not answer
        gives {} and never an error."""
        answers = {}
        deadline = self.reactor.seconds() + timeout
        try:
            client = yield qmp.connect(self.reactor, qmp_socket(self.paths, vmid),
                                       timeout, qmp.vmPeer(vmid))
        except qmp.QMPClientError:
            return answers
        try:
            for name in queries:
                left = deadline - self.reactor.seconds()
                if left <= 0:
                    break
                answers[name] = yield client.execute(name, timeout=left)
        except qmp.QMPClientError:
            pass
        yield client.close()
        return answers

    def _require_running(self, vmid):
        if not self.check_running(vmid):
            raise RuntimeError_("VM %s not running" % (vmid,))

    @defer.inlineCallbacks
    def _monitor_action(self, vmid, skiplock, name):
        conf = yield self.configs.load(vmid)
        check_lock(conf, skiplock)
        self._require_running(vmid)
        yield self.qmp(vmid, name)

    def reset(self, vmid, skiplock=False):
        return self.configs.lock(vmid, self._monitor_action, vmid, skiplock, "system_reset")

    def suspend(self, vmid, skiplock=False):
        return self.configs.lock(vmid, self._monitor_action, vmid, skiplock, "stop")

    def resume(self, vmid, skiplock=False):
        return self.configs.lock(vmid, self._monitor_action, vmid, skiplock, "cont")

    # -- stop ---------------------------------------------------------------

    @defer.inlineCallbacks
    def wait_gone(self, pid, vmid, timeout):
        """True once *vmid*'s QEMU *pid* has gone, False after *timeout*."""
        for _ in range(max(1, int(timeout / POLL))):
            if self.check_running(vmid) != pid:
                return True
            yield task.deferLater(self.reactor, POLL, lambda: None)
        return self.check_running(vmid) != pid

    @defer.inlineCallbacks
    def wait_powered_off(self, pid, vmid, timeout):
        """As :meth:`wait_gone`, for a guest asked to power off.  QEMU runs
        with ``-no-shutdown``: a guest that powered off leaves it in state
        ``shutdown`` until qmeventd tells it to quit.  Without qmeventd
        (or while it is restarting) nobody would, so once a second the
        state is asked and such a QEMU is told to quit here."""
        deadline = self.reactor.seconds() + timeout
        while True:
            left = deadline - self.reactor.seconds()
            if (yield self.wait_gone(pid, vmid, max(0, min(1.0, left)))):
                return True
            if left <= 1.0:
                return False
            try:
                status = yield self.qmp(vmid, "query-status", timeout=1)
                if status.get("status") == "shutdown":
                    yield self.qmp(vmid, "quit", timeout=1)
            except Exception:
                pass  # gone meanwhile, or qmeventd is at it

    def stop(self, vmid, skiplock=False, timeout=None, keepActive=False):
        """vm_stop: QMP ``quit``, then SIGTERM, then SIGKILL; cleanup."""
        return self.configs.lock(vmid, self._stop, vmid, skiplock, timeout)

    @defer.inlineCallbacks
    def _stop(self, vmid, skiplock, timeout):
        conf = yield self.configs.load(vmid)
        check_lock(conf, skiplock)
        timeout = 60 if timeout is None else timeout
        yield self._kill(vmid, timeout)
        yield self._cleanup(vmid, conf)

    @defer.inlineCallbacks
    def _kill(self, vmid, timeout):
        pid = self.check_running(vmid)
        if not pid:
            return
        try:
            yield self.qmp(vmid, "quit", timeout=min(timeout, 10) or 1)
        except Exception as error:
            log.warn("VM {vmid} qmp command failed - {error}", vmid=vmid, error=error)
        if (yield self.wait_gone(pid, vmid, timeout)):
            return
        log.warn("VM still running - terminating now with SIGTERM")
        _kill(pid, signal.SIGTERM)
        if (yield self.wait_gone(pid, vmid, 5)):
            return
        log.warn("VM still running - terminating now with SIGKILL")
        _kill(pid, signal.SIGKILL)
        yield self.wait_gone(pid, vmid, 5)

    def shutdown(self, vmid, skiplock=False, timeout=None, forceStop=False):
        """vm_shutdown: ``system_powerdown``, wait, optionally force."""
        return self.configs.lock(vmid, self._shutdown, vmid, skiplock, timeout, forceStop)

    @defer.inlineCallbacks
    def _shutdown(self, vmid, skiplock, timeout, forceStop):
        conf = yield self.configs.load(vmid)
        check_lock(conf, skiplock)
        timeout = 600 if timeout is None else timeout
        pid = self.check_running(vmid)
        if not pid:
            yield self._cleanup(vmid, conf)
            return
        yield self.qmp(vmid, "system_powerdown")
        if not (yield self.wait_powered_off(pid, vmid, timeout)):
            if not forceStop:
                raise RuntimeError_("VM quit/powerdown failed - got timeout")
            log.warn("VM still running - terminating now with SIGTERM")
            yield self._kill(vmid, 10)
        yield self._cleanup(vmid, conf)

    def reboot(self, vmid, timeout=None):
        """vm_reboot: shut the guest down and start it again, applying
        pending changes, all under one hold of the VM lock (Proxmox leaves
        the start to qmeventd's cleanup; here the task does it, so a node
        without qmeventd reboots too, and nothing sees the VM stopped and
        unlocked in between)."""
        return self.configs.lock(vmid, self._reboot, vmid, timeout)

    @defer.inlineCallbacks
    def _reboot(self, vmid, timeout):
        if not self.check_running(vmid):
            return  # as Proxmox: only a running VM is rebooted
        yield self._shutdown(vmid, False, timeout, False)
        yield self._start(vmid, False, False, 30)

    # -- cleanup ------------------------------------------------------------

    def cleanup(self, vmid, graceful=False, guest=False, timeout=60):
        """``qm cleanup``: runtime files, leftover taps, the ``lock`` key
        (under the VM lock, waiting up to 60 s as Proxmox does)."""
        return self.configs.lock(vmid, self._cleanup_locked, vmid, timeout=timeout)

    @defer.inlineCallbacks
    def _cleanup_locked(self, vmid):
        if self.check_running(vmid):
            return  # restarted meanwhile
        try:
            conf = yield self.configs.load(vmid)
        except VMConfigError:
            conf = None
        yield self._cleanup(vmid, conf)
        if conf is not None and "lock" in conf.main:
            del conf.main["lock"]
            yield self.configs.write(vmid, conf)

    def _cleanup(self, vmid, conf):
        for ext in ("mon", "qmp", "pid", "vnc", "qga"):
            _unlink(run_file(self.paths, vmid, ext))
        if conf is None:
            return
        for key in conf.main:
            if key.startswith("net") and key[3:].isdigit():
                iface = network.tap_name(vmid, int(key[3:]))
                if os.path.exists("/sys/class/net/%s" % iface):
                    try:
                        network.tap_unplug(iface)
                    except network.NetworkError as error:
                        log.warn("{error}", error=error)


def _perl_true(value):
    return value not in (None, "", "0", 0)


def _unlink(path):
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _with_timeout(reactor, d, timeout):
    """*d*'s result, or None after *timeout* seconds."""
    result = defer.Deferred()
    timer = reactor.callLater(timeout, lambda: result.called or result.callback(None))

    def fire(value):
        if timer.active():
            timer.cancel()
        if not result.called:
            result.callback(value)
    d.addBoth(fire)
    return result
