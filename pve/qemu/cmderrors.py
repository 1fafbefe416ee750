"""The errors of the command line builder (:mod:`pve.qemu.command`)."""


class CommandError(ValueError):
    """Proxmox refuses to start the VM: ``str()`` is qemu-server's message
    (without the final newline); ``key`` names the config key, if one."""

    def __init__(self, message, key=None):
        ValueError.__init__(self, message)
        self.message = message
        self.key = key

    def __str__(self):
        return self.message


class UnsupportedConfig(CommandError):
    """Proxmox would start the VM, but this node cannot: the option needs
    Proxmox's patched QEMU, a newer QEMU than Debian's, or host support we
    do not manage.  The message starts with the key (``bios: ...``) and
    names the option."""

    def __init__(self, message, key=None):
        if key and not message.startswith(key + ":"):
            message = "%s: %s" % (key, message)
        CommandError.__init__(self, message, key)
