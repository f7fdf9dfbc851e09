"""CSV a spreadsheet opens as data. Team, agent, campaign and other values come from sidecars and telephony exports
anyone upstream can write; a cell starting with = + - @ (or a tab or CR before one) is run as a formula by Excel and
LibreOffice (`=cmd|' /C calc'!A0`, `=HYPERLINK(...)`). Such a cell gets a leading apostrophe, which spreadsheets show
as text (OWASP's advice). A plain negative number is left as it is. Every CSV callscore writes goes through here."""
from __future__ import annotations

import csv

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if not isinstance(value, str) or not value.startswith(FORMULA_START):
        return value
    try:
        float(value)  # "-0.25": a number, not a formula
        return value
    except ValueError:
        return "'" + value


class _SafeWriter:
    def __init__(self, inner):
        self._inner = inner

    def writerow(self, row):
        return self._inner.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def writer(handle, **options) -> _SafeWriter:
    """csv.writer whose cells are made safe."""
    return _SafeWriter(csv.writer(handle, **options))


class DictWriter(csv.DictWriter):
    """csv.DictWriter whose cells are made safe (the header too)."""

    def writerow(self, rowdict):
        return super().writerow({key: safe_cell(value) for key, value in rowdict.items()})

    def writerows(self, rowdicts):
        for row in rowdicts:
            self.writerow(row)
