"""``pmxcfs``: start the cluster file system with Proxmox's flags.

Builds a twistd command line for the ``pmxcfs`` plugin and runs twistd.
Without ``-f`` twistd daemonizes, as Proxmox's pmxcfs does.
"""

import argparse
import os
import sys

from pve import paths as pvepaths


def parser():
    p = argparse.ArgumentParser(
        prog="pmxcfs", description="Proxmox cluster file system")
    p.add_argument("-f", "--foreground", action="store_true",
                   help="Do not daemonize server")
    p.add_argument("-l", "--local", action="store_true",
                   help="Force local mode (ignore corosync.conf, force quorum)")
    p.add_argument("-d", "--debug", action="store_true",
                   help="Turn on debug messages")
    p.add_argument("--mount", metavar="PATH",
                   help="mount point (default: $PVE_ROOT/etc/pve)")
    return p


def twistd_argv(args, paths):
    """The twistd argv for the parsed *args* of a node at *paths*."""
    argv = ["twistd"]
    if args.foreground:
        argv.append("-n")
    else:
        argv += ["--logfile", os.path.join(paths.log_dir, "pmxcfs.log")]
    argv += ["--pidfile", paths.pmxcfs_pidfile, "pmxcfs"]
    if args.local:
        argv.append("--local")
    if args.debug:
        argv.append("--debug")
    if args.mount:
        argv += ["--mount", args.mount]
    return argv


def main(argv=None):
    args = parser().parse_args(sys.argv[1:] if argv is None else argv)
    paths = pvepaths.current()
    for d in (os.path.dirname(paths.pmxcfs_pidfile), paths.log_dir):
        os.makedirs(d, exist_ok=True)
    sys.argv = twistd_argv(args, paths)
    from twisted.scripts.twistd import run
    run()


if __name__ == "__main__":
    main()
