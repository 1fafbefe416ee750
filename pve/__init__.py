"""A Proxmox VE node, written as Twisted daemons."""

__version__ = "0.1.0"
