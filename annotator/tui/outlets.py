"""How the reader names an article's outlet: one helper for headers, tabs, search and panels.

An article whose text does not state its outlet (the first two seeds) is named by its file
("000") and marked "outlet not stated", shown dim and italic, rather than passing a file
stem such as `000_38fb14a8347d6ab2` off as an outlet.
"""

from __future__ import annotations

import re
from pathlib import Path

from rich.style import Style
from rich.text import Text

from annotator.model import Article
from annotator.tui.literal import literal

NOT_STATED = "outlet not stated"
SEPARATOR = " · "
NOT_STATED_STYLE = Style(dim=True, italic=True)

# A file stem ending in a long hex hash ("000_38fb14a8347d6ab2"): the hash is noise.
_HASHED_STEM = re.compile(r"^(.+?)[_-][0-9a-f]{12,}$")


def outlet_parts(article: Article) -> tuple[str, str]:
    """(name, note): the stated outlet and "", or the file's short name (else the short id)
    and "outlet not stated". Both made literal, on one line."""
    if article.outlet.strip():
        return literal(article.outlet.strip(), single_line=True), ""
    stem = Path(article.source_path).stem if article.source_path else ""
    hashed = _HASHED_STEM.match(stem)
    name = hashed.group(1) if hashed else stem
    return literal(name or article.short_id, single_line=True), NOT_STATED


def outlet_label(article: Article) -> str:
    """The outlet as plain text, e.g. "Worthy News" or "000 · outlet not stated"."""
    name, note = outlet_parts(article)
    return f"{name}{SEPARATOR}{note}" if note else name


def outlet_text(article: Article, style: Style | None = None, *, prefix: str = "") -> Text:
    """The outlet as a `Text` in `style`, the "outlet not stated" note dim and italic.

    `prefix` (e.g. the column number "4 ") goes before the name in the same style.
    """
    return parts_text(outlet_parts(article), style, prefix=prefix)


def parts_text(parts: tuple[str, str], style: Style | None = None, *, prefix: str = "") -> Text:
    """`outlet_text` from (name, note) as `outlet_parts` gives them."""
    name, note = parts
    base = style or Style()
    text = Text.assemble((f"{prefix}{name}", base), no_wrap=True, overflow="ellipsis")
    if note:
        text.append(f"{SEPARATOR}{note}", base + NOT_STATED_STYLE)
    return text
