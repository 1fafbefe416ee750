"""Reading Proxmox's section-config files (``PVE::SectionConfig``).

``domains.cfg`` and ``storage.cfg`` (and later others) are sections::

    <type>: <id>
            <key> <value>
            ...

separated by blank lines, ``#`` lines ignored.  :class:`SectionReader`
walks them with Proxmox's warnings (``file F line N ...``); a subclass says
which ids and types are valid, how one property is parsed and what a
finished section becomes.
"""

import re

from pve.access.lines import ParseWarning, as_text
from pve.access.names import WHITESPACE, perl_true

HEADER = re.compile(r"(\S+):\s*(\S+)\s*", re.ASCII)
PROPERTY = re.compile(r"\s+(\S+)(\s+(.*\S))?\s*", re.ASCII)


class SectionReader:
    """One read of one file; :meth:`read` returns ``(ids, warnings)``."""

    def __init__(self, filename):
        self.filename = filename
        self.ids = {}
        self.warnings = []
        self.number = 0
        self._lines = []  # reversed: the next line is last

    # -- what a subclass says ------------------------------------------------

    def check_id(self, section_id):
        """Raise ValueError with the reason if *section_id* is not valid."""

    def known_type(self, section_type):
        return True

    def parse_property(self, section_type, config, key, value):
        """The value to keep, or ValueError with the reason."""
        return value

    def add_section(self, section_type, section_id, config, last):
        """Keep a read section (*last*: the number of its last line)."""
        config["type"] = section_type
        self.ids[section_id] = config

    def finish(self):
        return self.ids, self.warnings

    # -- the walk ------------------------------------------------------------

    def warn(self, message, *args, number=None):
        number = self.number if number is None else number
        self.warnings.append(ParseWarning(number, "file %s line %d %s" % (
            self.filename, number, message % args)))

    def next_line(self):
        """The next line that is not a ``#`` comment, or None at the end."""
        while self._lines:
            line = self._lines.pop()
            self.number += 1
            if not line.lstrip(WHITESPACE).startswith("#"):
                return line
        return None

    def read(self, raw):
        lines = as_text(raw).split("\n")
        while lines and lines[-1] == "":
            lines.pop()
        lines.reverse()
        self._lines = lines
        while self._lines:
            line = self.next_line()
            if not perl_true(line):
                continue
            header = HEADER.fullmatch(line)
            if header is None:
                self.warn("- ignore config line: %s", line)
                continue
            self._section(header.group(1).lower(), header.group(2))
        return self.finish()

    def _section(self, section_type, section_id):
        skip = False
        try:
            self.check_id(section_id)
        except ValueError as error:
            skip = True
            self.warn("(skip section '%s'): %s", section_id, error)
        else:
            if not self.known_type(section_type):
                skip = True
                self.warn("(skip section '%s'): unsupported type '%s'",
                          section_id, section_type)
        config = {}
        last = self.number  # Proxmox names the last line read in the section
        while perl_true(line := self.next_line()):
            if skip:
                continue
            last = self.number
            match = PROPERTY.fullmatch(line)
            if match is None:
                self.warn("(section '%s') - ignore config line: %s",
                          section_id, line)
                continue
            key, value = match.group(1), match.group(3)
            try:
                config[key] = self.parse_property(section_type, config, key,
                                                  value)
            except ValueError as error:
                self.warn("(section '%s') - unable to parse value of '%s': "
                          "%s", section_id, key, error)
        if not skip:
            self.add_section(section_type, section_id, config, last)
