"""PAM authentication for the ``pam`` realm, through ``libpam.so.0``.

As Proxmox's ``PVE::Auth::PAM``: start the service ``proxmox-ve-auth`` for
the user, answer every hidden prompt with the password, then
``pam_authenticate`` and ``pam_acct_mgmt``; any failure raises
:class:`PamError` with PAM's text.  With *confdir*, the service file is
read from that directory (``pam_start_confdir``, Linux-PAM >= 1.4), so
tests can use a service of their own.  The calls block: run them in a
thread.
"""

import ctypes
import ctypes.util
import os

SERVICE = "proxmox-ve-auth"

PAM_SUCCESS = 0
PAM_PROMPT_ECHO_OFF = 1
PAM_PROMPT_ECHO_ON = 2
PAM_ERROR_MSG = 3
PAM_TEXT_INFO = 4
PAM_BUF_ERR = 5
PAM_CONV_ERR = 19
PAM_RHOST = 4


class PamError(Exception):
    """Authentication failed; the message is PAM's."""


class PamMessage(ctypes.Structure):
    _fields_ = [("msg_style", ctypes.c_int), ("msg", ctypes.c_char_p)]


class PamResponse(ctypes.Structure):
    _fields_ = [("resp", ctypes.c_void_p), ("resp_retcode", ctypes.c_int)]


CONV_FUNC = ctypes.CFUNCTYPE(
    ctypes.c_int, ctypes.c_int, ctypes.POINTER(ctypes.POINTER(PamMessage)),
    ctypes.POINTER(ctypes.POINTER(PamResponse)), ctypes.c_void_p)


class PamConv(ctypes.Structure):
    _fields_ = [("conv", CONV_FUNC), ("appdata_ptr", ctypes.c_void_p)]


_libs = {}


def _load():
    if not _libs:
        libpam = ctypes.CDLL(ctypes.util.find_library("pam") or "libpam.so.0")
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        libc.calloc.restype = ctypes.c_void_p
        libc.calloc.argtypes = (ctypes.c_size_t, ctypes.c_size_t)
        libc.strdup.restype = ctypes.c_void_p
        libc.strdup.argtypes = (ctypes.c_char_p,)
        handle = ctypes.POINTER(ctypes.c_void_p)
        libpam.pam_start.restype = ctypes.c_int
        libpam.pam_start.argtypes = (ctypes.c_char_p, ctypes.c_char_p,
                                     ctypes.POINTER(PamConv), ctypes.POINTER(handle))
        if hasattr(libpam, "pam_start_confdir"):
            libpam.pam_start_confdir.restype = ctypes.c_int
            libpam.pam_start_confdir.argtypes = (
                ctypes.c_char_p, ctypes.c_char_p, ctypes.POINTER(PamConv),
                ctypes.c_char_p, ctypes.POINTER(handle))
        for name in ("pam_authenticate", "pam_acct_mgmt"):
            getattr(libpam, name).restype = ctypes.c_int
            getattr(libpam, name).argtypes = (handle, ctypes.c_int)
        libpam.pam_end.restype = ctypes.c_int
        libpam.pam_end.argtypes = (handle, ctypes.c_int)
        libpam.pam_set_item.restype = ctypes.c_int
        libpam.pam_set_item.argtypes = (handle, ctypes.c_int, ctypes.c_void_p)
        libpam.pam_strerror.restype = ctypes.c_char_p
        libpam.pam_strerror.argtypes = (handle, ctypes.c_int)
        _libs.update(pam=libpam, c=libc, handle=handle)
    return _libs


def default_confdir():
    """``PVE_PAM_CONFDIR`` if set (tests, embedded nodes), else None: the
    system's ``/etc/pam.d``."""
    return os.environ.get("PVE_PAM_CONFDIR") or None


def authenticate(username, password, service=SERVICE, confdir=None, rhost=None):
    """Check *password* for the system user *username*; raise PamError."""
    if not password:
        raise PamError("no password")
    libs = _load()
    libpam, libc = libs["pam"], libs["c"]
    secret = password.encode("utf-8", "surrogateescape")

    def conversation(count, messages, responses, _data):
        replies = libc.calloc(count, ctypes.sizeof(PamResponse))
        if not replies:
            return PAM_BUF_ERR
        array = ctypes.cast(replies, ctypes.POINTER(PamResponse))
        for i in range(count):
            style = messages[i].contents.msg_style
            if style in (PAM_PROMPT_ECHO_OFF, PAM_PROMPT_ECHO_ON):
                array[i].resp = libc.strdup(secret)
                array[i].resp_retcode = 0
        responses[0] = array
        return PAM_SUCCESS

    conv = PamConv(CONV_FUNC(conversation), None)
    handle = libs["handle"]()
    user = username.encode("utf-8", "surrogateescape")
    if confdir is not None:
        if not hasattr(libpam, "pam_start_confdir"):
            raise PamError("error during PAM init: pam_start_confdir unavailable")
        rc = libpam.pam_start_confdir(service.encode(), user, ctypes.byref(conv),
                                      os.fsencode(confdir), ctypes.byref(handle))
    else:
        rc = libpam.pam_start(service.encode(), user, ctypes.byref(conv),
                              ctypes.byref(handle))
    if rc != PAM_SUCCESS:
        raise PamError("error during PAM init: %s" % _strerror(libpam, handle, rc))
    try:
        if rhost:
            libpam.pam_set_item(handle, PAM_RHOST,
                                ctypes.cast(ctypes.c_char_p(rhost.encode()), ctypes.c_void_p))
        for step in (libpam.pam_authenticate, libpam.pam_acct_mgmt):
            rc = step(handle, 0)
            if rc != PAM_SUCCESS:
                raise PamError(_strerror(libpam, handle, rc))
    finally:
        libpam.pam_end(handle, rc)


def _strerror(libpam, handle, rc):
    text = libpam.pam_strerror(handle, rc)
    return text.decode("utf-8", "replace") if text else "PAM error %d" % rc
