"""A command line as ``qm showcmd [--pretty]`` prints it: each argument
quoted as ``PVE::Tools::cmd2string`` does (``String::ShellQuote``), and with
``--pretty`` each option on a line of its own."""

import re

_SAFE = re.compile(r"[^\w!%+,\-./:=@^]", re.ASCII)


def shell_quote(arg):
    """One argument as ``String::ShellQuote::shell_quote`` quotes it alone
    (``PVE::Tools::cmd2string``): an ``=`` or an unsafe character quotes."""
    if arg == "":
        return "''"
    if "=" not in arg and not _SAFE.search(arg):
        return arg
    quoted = arg.replace("'", "'\\''")
    quoted = re.sub(r"((?:'\\''){2,})",
                    lambda m: "'\"" + "'" * (len(m.group(1)) // 4) + "\"'", quoted)
    quoted = "'%s'" % quoted
    if quoted.startswith("''"):
        quoted = quoted[2:]
    if quoted.endswith("''"):
        quoted = quoted[:-2]
    return quoted


def format_command(argv, pretty=False):
    """The command line as ``qm showcmd`` prints it (without the final
    newline): each argument shell-quoted; with *pretty* a `` \\`` and a new
    line before every `` -``, as ``qm showcmd --pretty``."""
    line = " ".join(shell_quote(str(arg)) for arg in argv)
    if pretty:
        line = line.replace(" -", " \\\n  -")
    return line
