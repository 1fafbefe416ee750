"""qemu-server's parse-config cases (``qemu-server/``) against pve.qemu.config.

As Proxmox's ``run_parse_config_tests.pl``: each ``parse-config-input/*.conf``
is parsed as VM 8006, in non-strict and in strict mode.  Where
``parse-config-expected/<file>.<mode>.error`` exists the parse must fail with
that message; otherwise writing the parsed config back must give
``parse-config-expected/<file>`` or, when there is none, the input itself.
The ``cfg2cmd/`` configs must parse too.
"""

import glob
import os

from twisted.trial import unittest

from pve.qemu.config import ConfigError, parse_config, write_config
from pve.qemu.schema import check_value
from tests.conformance import data_dir

VMID = 8006

# the values checked by the property schema, as Proxmox's parser does
check = check_value


def read(path):
    with open(path, "rb") as f:
        return f.read().decode("utf-8", "surrogateescape")


def run_case(folder, name, strict):
    """None if Proxmox's runner would pass ``name``, else why not."""
    mode = "strict" if strict else "non-strict"
    source = os.path.join(folder, "parse-config-input", name)
    expected_dir = os.path.join(folder, "parse-config-expected")
    error_file = os.path.join(expected_dir, "%s.%s.error" % (name, mode))
    expected_error = read(error_file) if os.path.isfile(error_file) else None
    text = read(source)
    try:
        conf = parse_config(text, VMID, strict=strict, check=check)
    except ConfigError as e:
        got = str(e) + "\n"
        if expected_error is None:
            return "%s (%s): unexpected error %r" % (name, mode, got)
        if got != expected_error:
            return "%s (%s): error %r, want %r" % (
                name, mode, got, expected_error)
        return None
    if expected_error is not None:
        return "%s (%s): expected error did not occur: %r" % (
            name, mode, expected_error)
    try:
        output = write_config(conf, check=check)
    except ConfigError as e:
        return "%s (%s): unexpected write error %r" % (name, mode, str(e))
    expected_file = os.path.join(expected_dir, name)
    expected = read(expected_file) if os.path.isfile(expected_file) else text
    if output != expected:
        return "%s (%s): written\n%s\nwant\n%s" % (name, mode, output, expected)
    return None


class ParseConfigTests(unittest.SynchronousTestCase):

    def setUp(self):
        self.folder = data_dir("qemu-server")
        self.names = sorted(
            os.path.basename(path) for path in glob.glob(
                os.path.join(self.folder, "parse-config-input", "*.conf")))

    def check_mode(self, strict):
        failures = [run_case(self.folder, name, strict) for name in self.names]
        self.assertEqual([f for f in failures if f], [])
        self.assertTrue(self.names)

    def test_non_strict(self):
        """Non-strict parse then write gives Proxmox's output."""
        self.check_mode(False)

    def test_strict(self):
        """Strict parse fails as Proxmox's, or writes Proxmox's output."""
        self.check_mode(True)

    def test_non_strict_warns_where_strict_fails(self):
        """Every strict error is the first non-strict warning."""
        expected_dir = os.path.join(self.folder, "parse-config-expected")
        for path in glob.glob(os.path.join(expected_dir, "*.strict.error")):
            name = os.path.basename(path)[:-len(".strict.error")]
            text = read(os.path.join(self.folder, "parse-config-input", name))
            conf = parse_config(text, VMID, check=check)
            self.assertEqual(conf.warnings[0] + "\n", read(path), name)


class Cfg2cmdConfigTests(unittest.SynchronousTestCase):

    def test_parse(self):
        """Every cfg2cmd config parses strictly and writes back stably."""
        paths = sorted(glob.glob(
            os.path.join(data_dir("qemu-server"), "cfg2cmd", "**", "*.conf"),
            recursive=True))
        failures = []
        for path in paths:
            try:
                conf = parse_config(read(path), VMID, strict=True, check=check)
                written = write_config(conf, check=check)
                again = parse_config(written, VMID, strict=True, check=check)
                if write_config(again, check=check) != written:
                    failures.append("%s: not stable when written" % path)
            except ConfigError as e:
                failures.append("%s: %s" % (path, e))
        self.assertEqual(failures, [])
        self.assertTrue(paths)
