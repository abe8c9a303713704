"""English month and weekday names as articles write them, for both readers of dates: the
metadata of an article (`ingest`) and the dates in its sentences (`quantities`)."""

from __future__ import annotations

_MONTH_NAMES = (
    ("january", "jan"),
    ("february", "feb"),
    ("march", "mar"),
    ("april", "apr"),
    ("may",),
    ("june", "jun"),
    ("july", "jul"),
    ("august", "aug"),
    ("september", "sep", "sept"),
    ("october", "oct"),
    ("november", "nov"),
    ("december", "dec"),
)

MONTHS = {name: number for number, names in enumerate(_MONTH_NAMES, 1) for name in names}
"""A month's name or abbreviation, in lower case → its number (1 to 12)."""

MONTH_ALTERNATIVES = "|".join(sorted(MONTHS, key=len, reverse=True))
"""The month names as a regular-expression alternation, the longest first ("sept" before
"sep")."""

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
"""The weekdays in lower case, in the order of `date.weekday()`."""
