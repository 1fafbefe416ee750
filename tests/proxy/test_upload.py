"""File uploads through pveproxy: the multipart parser fed in pieces, and
``POST .../storage/local/upload`` end to end (pveproxy streams the file
into var/tmp under the root, pvedaemon starts the ``imgcopy`` task that
moves it into the storage)."""

import hashlib
import io
import json
import os
import urllib.parse

from twisted.internet import defer, threads
from twisted.trial import unittest

from pve.api.tree import make_registry
from pve.daemon import workers
from pve.proxy import upload
from tests.proxy.node import Node, https
from tests.proxy.test_server import COOKIE, start_daemon, start_proxy

BOUNDARY = "----pveBoundary7MA4YWxkTrZu0gW"
UPLOAD = "/api2/json/nodes/node1/storage/local/upload"


def multipart(fields, filename, data, boundary=BOUNDARY):
    out = []
    for name, value in fields:
        out.append(("--%s\r\nContent-Disposition: form-data; name=\"%s\"\r\n\r\n%s\r\n"
                    % (boundary, name, value)).encode())
    out.append(("--%s\r\nContent-Disposition: form-data; name=\"filename\"; "
                "filename=\"%s\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                % (boundary, filename)).encode())
    out.append(data)
    out.append(("\r\n--%s--\r\n" % boundary).encode())
    return b"".join(out)


class ParserTests(unittest.TestCase):
    def parse(self, body, step):
        out = io.BytesIO()
        parser = upload.MultipartUpload(BOUNDARY, out)
        for i in range(0, len(body), step):
            parser.feed(body[i:i + step])
        parser.finish()
        return parser.params, out.getvalue()

    def test_pieces(self):
        data = bytes(range(256)) * 40 + b"\r\n--" + BOUNDARY.encode()[:-1] + b"\r\n"
        body = multipart([("content", "iso"), ("checksum-algorithm", "sha256"),
                          ("checksum", " abc ")], "x.iso", data)
        for step in (1, 7, 64, 1000, len(body)):
            params, got = self.parse(body, step)
            self.assertEqual(params, {"content": "iso", "checksum-algorithm": "sha256",
                                      "checksum": "abc", "filename": "x.iso"}, step)
            self.assertEqual(got, data, step)

    def test_errors(self):
        out = io.BytesIO()
        parser = upload.MultipartUpload(BOUNDARY, out)
        parser.feed(multipart([("content", "iso")], "x.iso", b"data")[:-10])
        self.assertRaises(upload.UploadError, parser.finish)
        body = multipart([], "x.iso", b"data").replace(b'name="filename"', b'name="file"')
        e = self.assertRaises(upload.UploadError, self.parse, body, 100)
        self.assertEqual(str(e), "wrong field name 'file' for file upload, "
                                 "expected 'filename'")
        body = multipart([("content", "iso")], "x.iso", b"d").replace(
            b"form-data; name=\"content\"", b"attachment; name=\"content\"")
        e = self.assertRaises(upload.UploadError, self.parse, body, 100)
        self.assertIn("wrong Content-Disposition 'attachment'", str(e))
        parser = upload.MultipartUpload(BOUNDARY, io.BytesIO())
        self.assertRaises(upload.UploadError, parser.feed, b"x" * (upload.MAX_HEADER + 1))

    def test_content_type(self):
        self.assertEqual(upload.parse_content_type("multipart/form-data; boundary=abc"),
                         ("multipart/form-data", "abc"))
        self.assertEqual(upload.parse_content_type("application/json"),
                         ("application/json", None))


class UploadTests(unittest.TestCase):
    timeout = 60

    @defer.inlineCallbacks
    def setUp(self):
        self.node = yield Node.setup(self)
        registry = make_registry()
        daemon = yield start_daemon(self, self.node, registry=registry)
        self.port = yield start_proxy(self, self.node, daemon, registry=registry)

    def request(self, path, body, headers):
        return threads.deferToThread(https, self.port, self.node.ca_pem, "POST", path,
                                     headers, body)

    def headers(self, user="root@pam", ctype="multipart/form-data; boundary=" + BOUNDARY):
        return {"Cookie": "%s=%s" % (COOKIE, urllib.parse.quote(self.node.ticket(user),
                                                               safe="")),
                "CSRFPreventionToken": self.node.csrf(user), "Content-Type": ctype}

    def tmpfiles(self):
        directory = self.node.paths.join("var/tmp")
        return sorted(os.listdir(directory)) if os.path.isdir(directory) else []

    @defer.inlineCallbacks
    def test_upload_iso(self):
        data = os.urandom(1024 * 1024) * 2  # past MAX_POST: streamed
        body = multipart([("content", "iso"), ("checksum-algorithm", "sha1"),
                          ("checksum", hashlib.sha1(data).hexdigest())],
                         "my disk.iso", data)
        status, reason, _, raw = yield self.request(UPLOAD, body, self.headers())
        self.assertEqual((status, reason), (200, "OK"), raw)
        upid = json.loads(raw)["data"]
        self.assertEqual(upid.split(":")[5:8], ["imgcopy", "", "root@pam"])
        result = yield workers.worker_ended(upid)
        self.assertEqual(result, "OK")
        target = self.node.paths.join("var/lib/vz/template/iso/my_disk.iso")
        with open(target, "rb") as f:
            self.assertEqual(f.read(), data)
        self.assertEqual(self.tmpfiles(), [])

    @defer.inlineCallbacks
    def test_refused_uploads_leave_nothing(self):
        body = multipart([("content", "iso")], "x.exe", b"data")
        status, _, _, raw = yield self.request(UPLOAD, body, self.headers())
        self.assertEqual(status, 400)
        self.assertEqual(json.loads(raw)["errors"], {"filename": "wrong file extension"})
        body = multipart([("content", "iso")], "x.iso", b"data")
        status, reason, _, _ = yield self.request(
            UPLOAD + "?tmpfilename=/var/tmp/pveupload-00", body, self.headers())
        self.assertEqual((status, reason), (500, "'tmpfilename' query parameter is not "
                                                 "allowed for file uploads"))
        status, reason, _, _ = yield self.request(
            UPLOAD, body[:-20], self.headers())
        self.assertEqual((status, reason), (500, "upload failed"))
        status, reason, _, _ = yield self.request(
            UPLOAD, b"content=iso&filename=x.iso&tmpfilename=/var/tmp/pveupload-00",
            self.headers(ctype="application/x-www-form-urlencoded"))
        self.assertEqual((status, reason), (
            506, "upload 'Content-Type 'application/x-www-form-urlencoded' not "
                 "implemented"))
        # alice may not upload: refused after the body, nothing left
        status, _, _, _ = yield self.request(UPLOAD, body, self.headers("alice@pve"))
        self.assertEqual(status, 403)
        headers = self.headers()
        del headers["Cookie"]
        status, _, _, _ = yield self.request(UPLOAD, body, headers)
        self.assertEqual(status, 401)
        self.assertEqual(self.tmpfiles(), [])
        self.assertFalse(os.path.exists(
            self.node.paths.join("var/lib/vz/template/iso/x.iso")))
