#!/usr/bin/env python3
"""Print Proxmox's declaration of one API method as Python to paste into code.

    tools/extract_schema.py /nodes/{node}/qemu/{vmid}/status/current GET
    tools/extract_schema.py /access/users POST --only parameters

Reads apidata.json from the conformance data ($PVE_CONFORMANCE_DATA, else
../shared/conformance beside the checkout).  Prints a ``pve.api.declare.Endpoint(...)``
call (or one literal with --only), without the ``typetext`` entries our apidata
generator adds again by itself.  Properties shown as ``name[n]`` stand for
``name0``, ``name1``...: declare those.
"""

import argparse
import os
import pprint
import sys

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from pve.api.apidata import schema_from_apidata, paste_ready  # noqa: E402

KEYS = ("name", "description", "permissions", "protected", "proxyto", "allowtoken",
        "expose_credentials", "download_allowed", "parameters", "returns")


def literal(value, indent):
    text = pprint.pformat(value, width=88 - indent, sort_dicts=True)
    return text.replace("\n", "\n" + " " * indent)


def render(path, method, info, only=None):
    if only:
        return literal(info[only], 0)
    lines = [f"# {method} {path}, as Proxmox declares it (apidata.json)", "Endpoint("]
    lines.append(f"    {path!r},")
    lines.append(f"    {method!r},")
    for key in KEYS:
        if key in info:
            lines.append(f"    {key}={literal(info[key], 5 + len(key))},")
    folded = sorted(k for k in (info["parameters"].get("properties") or {}) if k.endswith("[n]"))
    if folded:
        lines.insert(1, "# folded: " + ", ".join(folded) + " -- declare name0, name1, ...")
    lines.append(")")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path")
    parser.add_argument("method", nargs="?", default="GET", type=str.upper)
    parser.add_argument("--only", choices=("parameters", "returns", "permissions"))
    parser.add_argument("--keep-typetext", action="store_true",
                        help="keep every typetext, also those we generate")
    args = parser.parse_args(argv)
    try:
        info = schema_from_apidata(args.path, args.method)
    except (KeyError, FileNotFoundError) as exc:
        print(f"extract_schema: {exc}", file=sys.stderr)
        return 1
    if not args.keep_typetext:
        info["parameters"] = paste_ready(info["parameters"])
    print(render(args.path, args.method, info, args.only))
    return 0


if __name__ == "__main__":
    sys.exit(main())
