"""Proxmox's own test data (``../shared/conformance``, or
``$PVE_CONFORMANCE_DATA``), read in place; absent, its tests are skipped."""

import os

from twisted.trial import unittest

from pve.api.apidata import conformance_dir


def data_dir(subdir):
    """The folder *subdir* of the conformance data; SkipTest if absent."""
    path = os.path.join(str(conformance_dir()), subdir)
    if not os.path.isdir(path):
        raise unittest.SkipTest("no conformance data at %s" % path)
    return path
