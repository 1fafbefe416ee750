"""UPIDs and exit statuses: pure functions, Proxmox's own samples."""

from twisted.trial import unittest

from pve.daemon import upid

# From pve-common's test/upid-test.pl.
SAMPLES = [
    ("UPID:example-node:0000C346:165A0CE4:68D7279C:aptupdate::root@pam:",
     {"id": "", "node": "example-node", "pid": 49990, "pstart": 375000292,
      "starttime": 1758930844, "type": "aptupdate", "user": "root@pam"}),
    ("UPID:example-node:000934AF:0D015579:68BF3A41:hastart:100:root@pam:",
     {"id": "100", "node": "example-node", "pid": 603311,
      "pstart": 218191225, "starttime": 1757362753, "type": "hastart",
      "user": "root@pam"}),
    ("UPID:example-node:000934AF:0D015579:68BF3A41:vzdump:100:"
     "91a1da29-a47d-11f0-84e0-fafbfc944d00@pam!some-token:",
     {"id": "100", "node": "example-node", "pid": 603311,
      "pstart": 218191225, "starttime": 1757362753, "type": "vzdump",
      "user": "91a1da29-a47d-11f0-84e0-fafbfc944d00@pam!some-token"}),
    ("UPID:example-node:000934AF:FFFFFFFFF:68BF3A41:fake-but-valid-type:"
     "100:root@pam:",
     {"id": "100", "node": "example-node", "pid": 603311,
      "pstart": 68719476735, "starttime": 1757362753,
      "type": "fake-but-valid-type", "user": "root@pam"}),
]

INVALID = [
    "UPID:example-node:000934AF:0D015579:68BF3A41:broken type string:100:"
    "root@pam:",
    "invalid garbage",
    # no trailing colon
    "UPID:example-node:000934AF:0D015579:68BF3A41:hastart:100:root@pam",
    # node names neither start nor end with a hyphen
    "UPID:-node:000934AF:0D015579:68BF3A41:hastart:100:root@pam:",
    "UPID:node-:000934AF:0D015579:68BF3A41:hastart:100:root@pam:",
    # pid is exactly eight digits, pstart eight or nine
    "UPID:node:934AF:0D015579:68BF3A41:hastart:100:root@pam:",
    "UPID:node:000934AF:0D0155790A:68BF3A41:hastart:100:root@pam:",
    # slashes and empty users
    "UPID:node:000934AF:0D015579:68BF3A41:a/b:100:root@pam:",
    "UPID:node:000934AF:0D015579:68BF3A41:hastart:100::",
    "UPID:node:000934AF:0D015579:68BF3A41:hastart:100:root@pam:\n",
    None,
]


class UPIDTests(unittest.TestCase):
    def test_proxmox_samples_round_trip(self):
        for text, fields in SAMPLES:
            self.assertEqual(upid.decode(text), fields)
            self.assertEqual(upid.encode(fields), text)

    def test_invalid(self):
        for text in INVALID:
            with self.assertRaises(upid.InvalidUPID):
                upid.decode(text)
            self.assertIsNone(upid.try_decode(text))

    def test_error_message(self):
        e = self.assertRaises(upid.InvalidUPID, upid.decode, "garbage")
        self.assertEqual(str(e), "unable to parse worker upid 'garbage'")

    def test_lower_case_hex_decodes(self):
        self.assertEqual(
            upid.decode("UPID:n:0000c346:165a0ce4:68d7279c:t::root@pam:")
            ["starttime"], 0x68D7279C)

    def test_encode_pads_to_eight_digits(self):
        self.assertEqual(
            upid.encode({"node": "pve1", "pid": 1, "pstart": 2,
                         "starttime": 3, "type": "qmstart", "id": "100",
                         "user": "root@pam"}),
            "UPID:pve1:00000001:00000002:00000003:qmstart:100:root@pam:")

    def test_log_subdir_is_last_starttime_digit(self):
        self.assertEqual(upid.log_subdir(SAMPLES[0][0]), "C")
        self.assertEqual(upid.log_subdir(SAMPLES[1][0]), "1")
        self.assertEqual(
            upid.log_subdir("UPID:n:0000c346:165a0ce4:68d7279c:t::root@pam:"),
            "c")
        self.assertRaises(upid.InvalidUPID, upid.log_subdir, "garbage")

    def test_split_token(self):
        task = upid.split_token(dict(SAMPLES[2][1]))
        self.assertEqual(task["user"],
                         "91a1da29-a47d-11f0-84e0-fafbfc944d00@pam")
        self.assertEqual(task["tokenid"], "some-token")
        task = upid.split_token(dict(SAMPLES[0][1]))
        self.assertEqual(task["user"], "root@pam")
        self.assertNotIn("tokenid", task)


class StatusTests(unittest.TestCase):
    # The last lines of pve-common's test/upid-test.pl task logs.
    def test_status_from_last_line(self):
        for line, status in [
                ("TASK OK", "OK"),
                ("TASK ERROR: Some error message", "Some error message"),
                ("", "unexpected status"),
                (None, "unexpected status"),
                ("TASK WARNINGS: 42", "WARNINGS: 42"),
                ("TASK ERROR: ", "unexpected status"),
                ("TASK OK ", "unexpected status"),
                ("Some log line", "unexpected status")]:
            self.assertEqual(upid.status_from_line(line), status, line)

    def test_status_is_error(self):
        self.assertFalse(upid.status_is_error("OK"))
        self.assertFalse(upid.status_is_error("WARNINGS: 3"))
        self.assertTrue(upid.status_is_error("unexpected status"))
        self.assertTrue(upid.status_is_error("received interrupt"))

    def test_status_type(self):
        for status, kind in [("OK", "ok"), ("WARNINGS: 1", "warning"),
                             ("unexpected status", "unknown"),
                             (None, "unknown"), ("", "unknown"),
                             ("boom", "error")]:
            self.assertEqual(upid.status_type(status), kind)
