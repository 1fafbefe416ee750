"""Where a VM's PCI devices sit: ``PVE::QemuServer::PCI``'s fixed slot map,
and the devices of qemu-server's ``-readconfig`` files.

Every device qemu-server adds has a fixed bus and slot (``net0`` is
``bus=pci.0,addr=0x12``), so a VM's hardware does not move when devices
come and go.  :func:`pci_addr` prints one and records the bridge it needs.

qemu-server loads ``/usr/share/qemu-server/pve-q35-4.0.cfg`` (``pve-q35.cfg``
before machine 4.0) for q35 machines and ``pve-usb.cfg`` for USB 2 on
i440fx; those files are not on a Debian host, so :func:`q35_devices` and
:func:`usb2_devices` give the same devices as ``-device`` options.
"""

# id -> (bus, slot) of PVE::QemuServer::PCI::get_pci_addr_map
PCI_ADDR = {
    "piix3": (0, 1), "ehci": (0, 1), "vga": (0, 2), "legacy-igd": (0, 2),
    "balloon0": (0, 3), "watchdog": (0, 4), "scsihw0": (0, 5), "pci.3": (0, 5),
    "scsihw1": (0, 6), "ahci0": (0, 7), "qga0": (0, 8), "spice": (0, 9),
    "hostpci0": (0, 16), "hostpci1": (0, 17), "vga1": (0, 24), "vga2": (0, 25),
    "vga3": (0, 26), "hostpci2": (0, 27), "hostpci3": (0, 28), "pci.1": (0, 30),
    "pci.2": (0, 31), "xhci": (1, 27), "pci.4": (1, 28), "rng0": (1, 29),
    "pci.2-igd": (1, 30), "ivshmem": (2, 11), "audio0": (2, 12),
    "scsihw2": (4, 1), "scsihw3": (4, 2), "scsihw4": (4, 3),
}
PCI_ADDR.update({"virtio%d" % i: (0, 10 + i) for i in range(6)})
PCI_ADDR.update({"virtio%d" % i: (2, i - 5) for i in range(6, 16)})
PCI_ADDR.update({"net%d" % i: (0, 18 + i) for i in range(6)})
PCI_ADDR.update({"net%d" % i: (1, i - 5) for i in range(6, 32)})
PCI_ADDR.update({"hostpci%d" % i: (2, 9 + i) for i in range(4, 16)})
PCI_ADDR.update({"virtioscsi%d" % i: (3, i + 1) for i in range(31)})

# id -> (bus, slot) of get_pcie_addr_map (q35)
PCIE_ADDR = {"vga": ("pcie.0", 1), "ivshmem": ("pcie.0", 20)}
PCIE_ADDR.update({"hostpci%d" % i: ("ich9-pcie-port-%d" % (i + 1), 0) for i in range(16)})
PCIE_ADDR.update({"hostpci%dbus0" % i: ("pcie.0", slot) for i, slot in enumerate(
    [16, 17, 18, 19, 9, 10, 11, 12, 13, 14, 15, 21, 22, 23, 24, 25])})


def pci_addr(device_id, bridges=None):
    """``,bus=pci.N,addr=0xS`` of *device_id* ('' if it has no fixed
    slot); the bus is added to the set *bridges*."""
    place = PCI_ADDR.get(device_id)
    if place is None:
        return ""
    bus, slot = place
    if bridges is not None:
        bridges.add(bus)
    return ",bus=pci.%d,addr=0x%x" % (bus, slot)


def pcie_addr(device_id):
    place = PCIE_ADDR.get(device_id)
    if place is None:
        return ""
    return ",bus=%s,addr=0x%x" % place


def _usb_ich9(bus=None):
    on_bus = ",bus=%s" % bus if bus else ""
    devices = []
    for ehci, slot, first in (("ehci", "1d", 1), ("ehci-2", "1a", 4)):
        driver = "ich9-usb-ehci%d" % (1 if ehci == "ehci" else 2)
        devices.append("%s,id=%s,multifunction=on%s,addr=%s.7" % (driver, ehci, on_bus, slot))
        for n in range(3):
            devices.append("ich9-usb-uhci%d,id=uhci-%d,multifunction=on%s,addr=%s.%d,"
                           "masterbus=%s.0,firstport=%d" % (first + n, first + n, on_bus, slot,
                                                            n, ehci, 2 * n))
    return devices


def q35_devices(machine_version_at_least_4):
    """The ``-device`` values of pve-q35-4.0.cfg (pve-q35.cfg if older)."""
    devices = _usb_ich9("pcie.0")
    devices.append("ich9-intel-hda,id=audio0,bus=pcie.0,addr=1b.0")
    for n in range(4):
        if machine_version_at_least_4:
            devices.append("pcie-root-port,id=ich9-pcie-port-%d,x-speed=16,x-width=32,"
                           "multifunction=on,bus=pcie.0,addr=1c.%d,port=%d,chassis=%d"
                           % (n + 1, n, n + 1, n + 1))
        else:
            devices.append("ioh3420,id=ich9-pcie-port-%d,multifunction=on,bus=pcie.0,"
                           "addr=1c.%d,port=%d,chassis=%d" % (n + 1, n, n + 1, n + 1))
    devices.append("i82801b11-bridge,id=pcidmi,bus=pcie.0,addr=1e.0")
    for n in range(4):
        devices.append("pci-bridge,id=pci.%d,bus=pcidmi,addr=%d.0,chassis_nr=%d"
                       % (n, n + 1, n + 1))
    return devices


def usb2_devices():
    """The ``-device`` values of pve-usb.cfg (the first EHCI and its UHCIs)."""
    return _usb_ich9()[:4]
