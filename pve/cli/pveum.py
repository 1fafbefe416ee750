"""``pveum``: the user manager (pve-access-control ``PVE/CLI/pveum.pm``).

Each command is an /access API method run in-process as root@pam:
``pveum user add|modify|delete|list|permissions``, ``user token
add|modify|delete|list|permissions``, ``group``, ``role``, ``acl
modify|delete|list``, ``realm``, ``pool``, ``passwd``, ``ticket`` and the
old aliases (``useradd``, ``aclmod``...).  ``passwd`` asks for the new
password twice on a terminal and reads one line of stdin otherwise.
"""

from pve.api.declare import Endpoint
from pve.cli import apicmd
from pve.cli import format as clifmt
from pve.cli.apicmd import (PASSWORD, STANDARD, Alias, Command, Mapping,
                            print_api_result, read_password)

USER, GROUP, ROLE = "PVE::API2::User", "PVE::API2::Group", "PVE::API2::Role"
ACL, DOMAINS, ACCESS = "PVE::API2::ACL", "PVE::API2::Domains", "PVE::API2::AccessControl"
POOL, OWN = "PVE::API2::Pool", "PVE::CLI::pveum"


def print_perm_result(ctx, data, returns, options):
    """Effective permissions: a path/permissions table in text format."""
    if (options.get("output-format") or "text") != "text":
        return print_api_result(ctx, data, returns, options)
    schema = {"type": "array", "items": {"type": "object", "properties": {
        "path": {"type": "string", "title": "ACL path"},
        "permissions": {"type": "string", "title": "Permissions"}}}}
    rows = []
    for path in sorted(data or {}):
        privs = data[path] or {}
        rows.append({"path": path, "permissions": "\n".join(
            priv + (" (*)" if privs[priv] else "") for priv in sorted(privs))})
    text = clifmt.api_result(rows, schema, None, options, ctx.columns, ctx.utf8)
    return text + "Permissions marked with '(*)' have the 'propagate' flag set.\n"


def print_ticket(ctx, data, returns, options):
    return f"{data['ticket']}\n"


def login_password(ctx, value):
    # never taken from the command line
    return read_password(ctx, "Enter password: ")


def token_permissions_endpoint():
    """``pveum user token permissions``: /access/permissions for a token."""
    from pve.api.decl_access import DECLS
    token = DECLS[("/access/users/{userid}/token/{tokenid}", "GET")]["parameters"]["properties"]
    perms = DECLS[("/access/permissions", "GET")]["parameters"]["properties"]

    def handler(ctx, params):
        params = dict(params)
        token = params.pop("tokenid")
        params["userid"] = f"{params['userid']}!{token}"
        return ctx.call("GET", "/access/permissions", params)

    return Endpoint(
        "/token_permissions", "GET", name="token_permissions",
        description="Retrieve effective permissions of given token.",
        parameters={"additionalProperties": 0, "properties": {
            "userid": token["userid"], "tokenid": token["tokenid"], "path": perms["path"]}},
        returns={"type": "object",
                 "description": 'Hash of structure "path" => "privilege" => '
                                '"propagate boolean".'},
        handler=handler)


def listing(method, path, args=(), klass=USER, output=print_api_result):
    return Command((method, path), list(args), output=output,
                   formatter_properties=STANDARD, klass=klass)


def table():
    users, token = "/access/users", "/access/users/{userid}/token/{tokenid}"
    return {
        "user": {
            "add": Command(("POST", users), ["userid"], klass=USER),
            "modify": Command(("PUT", users + "/{userid}"), ["userid"], klass=USER),
            "delete": Command(("DELETE", users + "/{userid}"), ["userid"], klass=USER),
            "list": listing("GET", users),
            "permissions": listing("GET", "/access/permissions", ["userid"], ACCESS,
                                   print_perm_result),
            "tfa": {
                "unlock": Command(("PUT", users + "/{userid}/unlock-tfa"), ["userid"],
                                  klass=USER),
            },
            "token": {
                "add": listing("POST", token, ["userid", "tokenid"]),
                "modify": listing("PUT", token, ["userid", "tokenid"]),
                "delete": listing("DELETE", token, ["userid", "tokenid"]),
                "remove": Alias("delete"),
                "list": listing("GET", users + "/{userid}/token", ["userid"]),
                "permissions": Command(token_permissions_endpoint(), ["userid", "tokenid"],
                                       output=print_perm_result,
                                       formatter_properties=STANDARD, klass=OWN),
            },
        },
        "group": {
            "add": Command(("POST", "/access/groups"), ["groupid"], klass=GROUP),
            "modify": Command(("PUT", "/access/groups/{groupid}"), ["groupid"], klass=GROUP),
            "delete": Command(("DELETE", "/access/groups/{groupid}"), ["groupid"],
                              klass=GROUP),
            "list": listing("GET", "/access/groups", klass=GROUP),
        },
        "role": {
            "add": Command(("POST", "/access/roles"), ["roleid"], klass=ROLE),
            "modify": Command(("PUT", "/access/roles/{roleid}"), ["roleid"], klass=ROLE),
            "delete": Command(("DELETE", "/access/roles/{roleid}"), ["roleid"], klass=ROLE),
            "list": listing("GET", "/access/roles", klass=ROLE),
        },
        "acl": {
            "modify": Command(("PUT", "/access/acl"), ["path"], {"delete": 0}, klass=ACL),
            "delete": Command(("PUT", "/access/acl"), ["path"], {"delete": 1}, klass=ACL),
            "list": listing("GET", "/access/acl", klass=ACL),
        },
        "realm": {
            "add": Command(("POST", "/access/domains"), ["realm"], klass=DOMAINS),
            "modify": Command(("PUT", "/access/domains/{realm}"), ["realm"], klass=DOMAINS),
            "delete": Command(("DELETE", "/access/domains/{realm}"), ["realm"],
                              klass=DOMAINS),
            "list": listing("GET", "/access/domains", klass=DOMAINS),
            "sync": Command(("POST", "/access/domains/{realm}/sync"), ["realm"],
                            klass=DOMAINS),
        },
        "pool": {
            "add": Command(("POST", "/pools"), ["poolid"], klass=POOL),
            "modify": Command(("PUT", "/pools"), ["poolid"], klass=POOL),
            "delete": Command(("DELETE", "/pools"), ["poolid"], klass=POOL),
            "list": listing("GET", "/pools", klass=POOL),
        },
        "ticket": Command(("POST", "/access/ticket"), ["username"], None,
                          output=print_ticket, klass=ACCESS,
                          mapping={"password": Mapping("<password>", login_password)}),
        "passwd": Command(("PUT", "/access/password"), ["userid"], klass=ACCESS,
                          mapping={"password": PASSWORD}),
        "useradd": Alias("user add"), "usermod": Alias("user modify"),
        "userdel": Alias("user delete"),
        "groupadd": Alias("group add"), "groupmod": Alias("group modify"),
        "groupdel": Alias("group delete"),
        "roleadd": Alias("role add"), "rolemod": Alias("role modify"),
        "roledel": Alias("role delete"),
        "aclmod": Alias("acl modify"), "acldel": Alias("acl delete"),
    }


def run(reactor, argv, registry=None, **kw):
    """Run ``pveum`` with *argv*; fires with the exit code."""
    return apicmd.run_table(reactor, "pveum", table(), argv, registry, **kw)


def main(argv=None):
    apicmd.main_for(run, argv)


if __name__ == "__main__":
    main()
