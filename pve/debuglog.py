"""A Logger whose debug messages show only while debugging is on.

pmxcfs turns it on with ``-d`` and, while running, by writing ``1`` to
``/etc/pve/.debug``, as Proxmox's does.
"""

from twisted.logger import Logger as _Logger

_state = {"on": False}


def enabled():
    return _state["on"]


def set_enabled(flag):
    _state["on"] = bool(flag)


class Logger(_Logger):
    def debug(self, format=None, **kwargs):
        if _state["on"]:
            super().debug(format, **kwargs)
