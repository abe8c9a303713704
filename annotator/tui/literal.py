"""Untrusted text as the reader shows it: every character literal, nothing the terminal obeys.

`annotator.sanitize.printable` replaces control characters (ESC, BEL, C1…) with visible
stand-ins; on top of that, bidi controls are shown as ``⟦U+202E⟧`` (as ingest and the
report show them), so that a pasted note or an article stored by another tool cannot
reorder what is around it. Every string of the data that a widget draws goes through
`literal`, and is drawn as a `Text`/`Content`/`Segment`, never parsed as markup.
"""

from __future__ import annotations

import re

from annotator.sanitize import printable

_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _bidi(match: re.Match[str]) -> str:
    return f"⟦U+{ord(match.group()):04X}⟧"


def literal(text: str, *, single_line: bool = False) -> str:
    """`text` safe to draw: control and bidi characters replaced by visible stand-ins.

    With `single_line`, newlines, tabs and the Unicode line and paragraph separators become
    spaces too (headers, table cells, one-line lists).
    """
    safe = _BIDI_CONTROLS.sub(_bidi, printable(text, single_line=single_line))
    if single_line:
        safe = safe.replace("\u2028", " ").replace("\u2029", " ")
    return safe
