"""File uploads to pveproxy: ``POST /api2/*/nodes/<node>/storage/<storage>/upload``.

As Proxmox's ``PVE::APIServer::AnyEvent`` (``file_upload_multipart``):
the body must be ``multipart/form-data``; as it arrives, the form fields
``content``, ``checksum-algorithm`` and ``checksum`` (which must come
before the file) are read, and the file part is streamed into
``/var/tmp/pveupload-<hex>`` (under ``PVE_ROOT``), never held in memory.
The API call then gets the fields, ``filename`` (the file part's name)
and ``tmpfilename``.  :class:`MultipartUpload` is the streaming parser:
bytes in, file data out, no I/O of its own beyond writing to the file it
is given.
"""

import hashlib
import os
import re
import time

from pve.debuglog import Logger

log = Logger()

UPLOAD_URI = re.compile(r"^/api2/[a-z][a-z0-9]+/nodes/[^/]+/storage/[^/]+/upload/?$")
FORM_DATA = "multipart/form-data"
TMP_DIR = "/var/tmp"
#: bytes the parser buffers before the file part starts
MAX_HEADER = 64 * 1024
FIELDS = ("content", "checksum-algorithm", "checksum")

_serial = [0]


class UploadError(Exception):
    """A malformed upload (Proxmox's message)."""


def is_upload(method, path):
    """Whether a request (method, unquoted path without query) is an
    upload."""
    return method == "POST" and bool(UPLOAD_URI.match(path))


def parse_content_type(value):
    """``(type, boundary or None)`` of a Content-Type header value."""
    parts = re.split(r"\s*[;,]\s*", value.strip())
    for part in parts[1:]:
        m = re.fullmatch(r"\s*boundary\s*=\s*(\S+?)\s*", part)
        if m:
            return parts[0], m.group(1)
    return parts[0], None


def new_tmpfilename():
    """An unpredictable ``/var/tmp/pveupload-<hex>`` (a host path)."""
    _serial[0] += 1
    seed = b"%d %f %d " % (_serial[0], time.time(), os.getpid())
    return "%s/pveupload-%s" % (TMP_DIR, hashlib.md5(
        seed + os.urandom(16)).hexdigest())


def create_tmpfile(paths):
    """``(host path, local path, file)``: a new temporary upload file,
    mode 0600, opened for writing."""
    os.makedirs(paths.join(TMP_DIR), exist_ok=True)
    tmpfilename = new_tmpfilename()
    local = paths.join(tmpfilename)
    fd = os.open(local, os.O_RDWR | os.O_CREAT | os.O_EXCL, 0o600)
    return tmpfilename, local, os.fdopen(fd, "wb")


class MultipartUpload:
    """The state of one streamed multipart upload into *out* (a binary
    file object)."""

    def __init__(self, boundary, out):
        self.boundary = boundary.encode("latin-1")
        b = re.escape(self.boundary)
        self.delim = re.compile(rb"--" + b + rb"\r?\n")
        self.close_delim = re.compile(rb"(.*?)(?:\r?\n)?--" + b + rb"--.*\Z", re.S)
        self.boundlen = len(self.boundary) + 8  # \r?\n--boundary--\r?\n
        self.out = out
        self.phase = 0
        self.buf = b""
        self.bytes = 0
        self.params = {}

    @property
    def done(self):
        return self.phase == 100

    def feed(self, data):
        """Take the next *data* of the body; UploadError if it cannot be
        an upload."""
        if self.done:
            return
        self.buf += data
        if self.phase == 0:
            m = self.delim.search(self.buf)
            if m:
                self.buf = self.buf[m.start():]
                self.phase = 1
        if self.phase == 1:
            self._fields()
        if self.phase == 2:
            self._file()
        if self.phase in (0, 1) and len(self.buf) > MAX_HEADER:
            raise UploadError("upload failed")

    def finish(self):
        """The body is complete: UploadError unless the file part ended."""
        if not self.done:
            raise UploadError("upload failed")

    def _fields(self):
        delim = self.delim.pattern
        progress = True
        while progress:
            progress = False
            for name in FIELDS:
                m = re.match(delim + rb".*?Content-Disposition: (.*?); name=\""
                             + re.escape(name.encode()) + rb"\"(.*?" + delim + rb")",
                             self.buf, re.S)
                if m is None:
                    continue
                _form_data(m.group(1))
                rest = re.sub(rb"^.*?(?:\r?\n){2}", b"", m.group(2), count=1,
                              flags=re.S)
                value = re.match(rb"(.*?)(" + delim + rb")", rest, re.S)
                if value is None:
                    continue
                self.params[name] = value.group(1).decode(
                    "utf-8", "replace").strip()
                self.buf = rest[value.start(2):] + self.buf[m.end():]
                progress = True
        # the file part's headers, once they are all here
        m = re.match(delim + rb"Content-Disposition: (.*?); name=\"(.*?)\"; "
                     rb"filename=\"([^\"]+)\".*?(?:\r?\n){2}", self.buf, re.S)
        if m:
            _form_data(m.group(1))
            if m.group(2) != b"filename":
                raise UploadError("wrong field name '%s' for file upload, "
                                  "expected 'filename'"
                                  % m.group(2).decode("utf-8", "replace"))
            self.params["filename"] = m.group(3).decode(
                "utf-8", "replace").strip()
            self.buf = self.buf[m.end():]
            self.phase = 2

    def _file(self):
        m = self.close_delim.match(self.buf)
        if m:
            data, self.buf = m.group(1), b""
            self.phase = 100
        else:
            keep = len(self.buf) - self.boundlen
            if keep <= 0:
                return
            data, self.buf = self.buf[:keep], self.buf[keep:]
        if data:
            self.out.write(data)
            self.bytes += len(data)


def _form_data(disposition):
    if disposition != b"form-data":
        raise UploadError("wrong Content-Disposition '%s' in multipart, "
                          "expected 'form-data'"
                          % disposition.decode("utf-8", "replace"))


class Upload:
    """One upload request's file: made when its headers arrived, fed
    with the body, removed unless the API call took it over."""

    def __init__(self, paths, boundary):
        self.tmpfilename, self.local, self.file = create_tmpfile(paths)
        self.parser = MultipartUpload(boundary, self.file)
        self.error = None
        self.started = time.monotonic()
        self.kept = False     # a worker task took the file over
        self.calling = False  # the API call runs: it decides

    def feed(self, data):
        if self.error is not None:
            return
        try:
            self.parser.feed(data)
        except (UploadError, OSError) as e:
            self.error = str(e) if isinstance(e, UploadError) else \
                "write to temporary file failed - %s" % e.strerror
            self.close()

    def finish(self):
        """The request's body is complete: the parameters of the call, or
        UploadError."""
        if self.error is None:
            try:
                self.parser.finish()
            except UploadError as e:
                self.error = str(e)
        self.close()
        if self.error is not None:
            raise UploadError(self.error)
        elapsed = max(time.monotonic() - self.started, 1e-6)
        log.info("multipart upload complete (size: {size}B time: {time:.3f}s "
                 "rate: {rate:.2f}MiB/s filename: {filename})",
                 size=self.parser.bytes, time=elapsed,
                 rate=self.parser.bytes / (elapsed * 1024 * 1024),
                 filename=self.parser.params.get("filename"))
        return dict(self.parser.params, tmpfilename=self.tmpfilename)

    def close(self):
        if not self.file.closed:
            self.file.close()

    def discard(self):
        """Remove the file, unless a worker took it over (:attr:`kept`)."""
        self.close()
        if self.kept:
            return
        try:
            os.unlink(self.local)
        except FileNotFoundError:
            pass
