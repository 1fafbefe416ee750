"""Reading Proxmox's line-based access files: lines, fields and warnings."""

from typing import NamedTuple

from pve.access.names import WHITESPACE


class ParseWarning(NamedTuple):
    """Something a parser skipped: the line number (1-based) and why."""

    line: int
    message: str

    def __str__(self):
        return "line %d: %s" % (self.line, self.message)


def as_text(raw):
    """File content as str; bytes are read as UTF-8 keeping bad bytes."""
    if raw is None:
        return ""
    if isinstance(raw, bytes):
        return raw.decode("utf-8", "surrogateescape")
    return raw


def content_lines(raw):
    """``(number, line)`` for every non-blank line, whitespace trimmed."""
    for number, line in enumerate(as_text(raw).split("\n"), 1):
        line = line.strip(WHITESPACE)
        if line:
            yield number, line


def colon_fields(line):
    """Fields of a ``a:b:c:`` line as Perl's ``split(/:/)`` gives them.

    Each field is trimmed; trailing empty fields are dropped.
    """
    fields = line.split(":")
    while fields and fields[-1] == "":
        fields.pop()
    return [field.strip(WHITESPACE) for field in fields]


def nth(fields, index):
    """The field at *index*, or None past the end (Perl's undef)."""
    return fields[index] if index < len(fields) else None
