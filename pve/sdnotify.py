"""Readiness in systemd's notification protocol (``sd_notify``).

A daemon started with ``NOTIFY_SOCKET`` in its environment sends
``READY=1`` there once it serves.  systemd (``Type=notify``) and the
``pve-node`` supervisor both read it, so a daemon that depends on another
starts only when that one answers.  ``@name`` is a socket in Linux's
abstract namespace.
"""

import os
import socket

ENV = "NOTIFY_SOCKET"


def address(value):
    """The socket address for a ``NOTIFY_SOCKET`` value."""
    return "\0" + value[1:] if value.startswith("@") else value


def notify(state, environ=None):
    """Send *state* (``"READY=1"``, ``"STOPPING=1"``...) to the notification
    socket and take it out of *environ*, so processes started later do not
    speak for this one.  True if it was sent."""
    environ = os.environ if environ is None else environ
    value = environ.pop(ENV, None)
    if not value:
        return False
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as s:
            s.connect(address(value))
            s.send(state.encode())
    except OSError:
        return False
    return True


def ready(environ=None):
    return notify("READY=1", environ)
