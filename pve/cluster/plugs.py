"""The read-only "plug" files at the root of ``/etc/pve``.

Each renderer takes the state it shows and returns bytes laid out as
Proxmox's pmxcfs writes them (``status.c``), so tools that read them
(``PVE::Cluster``) see what they expect.
"""

import json

# name -> mode; the rest of each plug is in the functions below
PLUG_FILES = {
    ".version": 0o440,
    ".members": 0o440,
    ".vmlist": 0o440,
    ".clusterlog": 0o440,
    ".rrd": 0o440,
    ".debug": 0o640,
}

# symlink name -> target (relative to the root), for the local node
def symlinks(nodename):
    base = "nodes/%s" % (nodename,)
    return {
        "local": base,
        "qemu-server": base + "/qemu-server",
        "lxc": base + "/lxc",
        "openvz": base + "/openvz",
    }


def _q(s):
    return json.dumps(s)


def members(status, cluster=None):
    """``.members``; *cluster* is ``None`` in local mode, else a dict with
    ``name``, ``version``, ``nodes``, ``quorate`` and ``nodelist``
    (node -> ``{"id", "online", "ip"}``)."""
    out = ["{\n"]
    out.append('"nodename": %s,\n' % _q(status.nodename))
    if cluster is None:
        out.append('"version": %d\n' % status.clinfo_version)
    else:
        out.append('"version": %d,\n' % status.clinfo_version)
        out.append('"cluster": { "name": %s, "version": %d, "nodes": %d, '
                   '"quorate": %d },\n'
                   % (_q(cluster["name"]), cluster["version"],
                      cluster["nodes"], 1 if cluster["quorate"] else 0))
        out.append('"nodelist": {\n')
        items = []
        for name, info in sorted(cluster["nodelist"].items()):
            item = '  %s: { "id": %d, "online": %d' % (
                _q(name), info["id"], 1 if info["online"] else 0)
            if info.get("ip"):
                item += ', "ip": %s' % _q(info["ip"])
            items.append(item + "}")
        out.append(",\n".join(items))
        out.append("\n  }\n")
    out.append("}\n")
    return "".join(out).encode()


def vmlist(version, vms):
    """``.vmlist``; *vms* maps vmid -> (node, type, version)."""
    out = ["{\n"]
    if not vms:
        out.append('"version": %d\n' % version)
    else:
        out.append('"version": %d,\n' % version)
        out.append('"ids": {\n')
        out.append(",\n".join(
            '"%d": { "node": %s, "type": %s, "version": %d }'
            % (vmid, _q(node), _q(vmtype), ver)
            for vmid, (node, vmtype, ver) in sorted(vms.items())))
        out.append("}\n")
    out.append("\n}\n")
    return "".join(out).encode()


def version(status, vmlist_version):
    out = ["{\n"]
    out.append('"starttime": %d,\n' % status.starttime)
    out.append('"clinfo": %d,\n' % status.clinfo_version)
    out.append('"vmlist": %d,\n' % vmlist_version)
    for path, ver in status.path_versions.items():
        out.append("%s: %d,\n" % (_q(path), ver))
    out.append('"kvstore": {\n')
    nodes = []
    for node, table in sorted(status.kvstore.items()):
        keys = ",\n".join("%s: %d" % (_q(k), v[1])
                          for k, v in sorted(table.items()))
        nodes.append("%s: {\n%s}\n" % (_q(node), keys))
    out.append(",\n".join(nodes))
    out.append("}\n")
    out.append("}\n")
    return "".join(out).encode()


def clusterlog(entries):
    return json.dumps({"data": list(entries)}, indent=0).encode() + b"\n"


def rrd(table):
    """``.rrd``: one ``key:values`` line per entry."""
    return b"".join(
        key.encode() + b":" + value.rstrip(b"\n") + b"\n"
        for key, (value, _t) in sorted(table.items()))
