"""Make untrusted text safe to put on a terminal: no control sequence of it may reach it."""

from __future__ import annotations

import re

# C0 (but tab and newline), DEL and C1: each could start or be part of an escape sequence.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _picture(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # Unicode control pictures: ESC → ␛
    if code == 0x7F:
        return "\u2421"  # ␡
    return f"⟨U+{code:04X}⟩"


def printable(text: str, *, single_line: bool = False) -> str:
    """`text` with every control character replaced by a visible stand-in.

    With `single_line`, newlines and tabs become spaces too (table cells, headers).
    """
    safe = _CONTROLS.sub(_picture, text)
    if single_line:
        safe = safe.replace("\n", " ").replace("\t", " ")
    return safe
