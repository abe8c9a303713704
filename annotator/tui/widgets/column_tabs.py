"""A line naming every column, like tabs: the ones on screen highlighted, the focused one bold.

Only as many columns as fit at 40 cells are drawn side by side; this line keeps all the
outlets in view, and a click on a name moves to that column.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.cells import cell_len
from rich.console import RenderableType
from rich.text import Text
from textual import events
from textual.message import Message
from textual.widget import Widget

from annotator.tui.literal import literal
from annotator.tui.outlets import NOT_STATED_STYLE
from annotator.tui.outlets import SEPARATOR as SEPARATOR_NOTE

SEPARATOR = " │ "
MIN_TAB = 10  # cells for a column's name when there are too many to name them all


def _fit(label: Text, width: int) -> Text:
    """`label` cut to `width` cells with an ellipsis."""
    if label.cell_len > width:
        label.truncate(max(1, width), overflow="ellipsis")
    return label


class ColumnTabs(Widget):
    """`1 Outlet │ 2 Outlet │ …` sized to the width; posts `Chosen` when a name is clicked."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "column-tabs--shown",
        "column-tabs--current",
        "column-tabs--hidden",
    }

    DEFAULT_CSS = """
    ColumnTabs {
        height: 1;
        padding: 0 1;
        background: $surface;
        color: $text-muted;
    }
    ColumnTabs > .column-tabs--shown { color: $foreground; }
    ColumnTabs > .column-tabs--current { color: $accent; text-style: bold; }
    ColumnTabs > .column-tabs--hidden { color: $text-muted; }
    """

    @dataclass
    class Chosen(Message):
        """The user clicked the name of column `index` (0-based)."""

        index: int

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels: tuple[tuple[str, str], ...] = ()
        self.current = 0
        self.first = 0
        self.count = 0
        self._spans: list[tuple[int, int, int]] = []  # (column, first cell, end cell)

    def show(self, labels: Sequence[tuple[str, str]], current: int, first: int, count: int) -> None:
        """Name the columns by (name, note) (`annotator.tui.outlets.outlet_parts`: the note,
        "outlet not stated", is dim); `first`..`first + count` are on screen, `current` has
        focus."""
        state = (tuple(labels), current, first, count)
        if state != (self.labels, self.current, self.first, self.count):
            self.labels, self.current, self.first, self.count = state
            self.refresh()

    @property
    def plain(self) -> str:
        return self._text(self.size.width or 200).plain

    def _text(self, width: int) -> Text:
        """The names that fit in `width` cells; with many columns, a run of them around the
        ones on screen, with ‹ and › saying that more are off to either side."""
        text = Text(no_wrap=True, overflow="ellipsis")
        self._spans = []
        total = len(self.labels)
        if not total:
            return text
        gap = cell_len(SEPARATOR)
        room = (width - gap * (total - 1)) // total
        fit = total
        if room < MIN_TAB:  # too many to name them all: a run of them, ‹ and › around it
            room = MIN_TAB
            fit = max(1, (width - 4 + gap) // (room + gap))
        start = max(0, min(self.first, total - fit))
        if self.current >= start + fit:
            start = self.current - fit + 1
        position = 0
        if start:
            text.append("‹ ")
            position += 2
        for index in range(start, min(total, start + fit)):
            if index > start:
                text.append(SEPARATOR)
                position += gap
            if index == self.current:
                kind = "current"
            elif self.first <= index < self.first + self.count:
                kind = "shown"
            else:
                kind = "hidden"
            name, note = (literal(part, single_line=True) for part in self.labels[index])
            style = self.get_component_rich_style(f"column-tabs--{kind}")
            label = Text(f"{index + 1} {name}", style)
            if note:
                label.append(f"{SEPARATOR_NOTE}{note}", style + NOT_STATED_STYLE)
            shown = _fit(label, room)
            size = shown.cell_len
            text.append_text(shown)
            self._spans.append((index, position, position + size))
            position += size
        if start + fit < total:
            text.append(" ›")
        return text

    def render(self) -> RenderableType:
        return self._text(self.size.width)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        for index, start, end in self._spans:
            if start <= offset.x < end:
                self.post_message(self.Chosen(index))
                return
