"""One line at the bottom of the reader: progress, save errors, what the last key did."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.text import Text
from textual.timer import Timer
from textual.widget import Widget

from annotator.tui.literal import literal

KINDS = ("info", "warning", "error")


SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
SPIN_SECONDS = 0.15


class StatusLine(Widget):
    """A message at the left (`kind` info, warning or error sets its colour) and, at the
    right, the progress of background work (with a spinner while it is busy) and a badge
    for a lasting state such as a read-only database, so that messages never hide them."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        padding: 0 1;
        background: $panel;
        color: $text-muted;
    }
    StatusLine.-warning { color: $text-warning; }
    StatusLine.-error { color: $text-error; text-style: bold; }
    StatusLine > .status-line--progress { color: $accent; }
    StatusLine > .status-line--badge {
        color: $text-error;
        background: $error 20%;
        text-style: bold;
    }
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"status-line--progress", "status-line--badge"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.message = ""
        self.kind = "info"
        self.progress = ""
        self.badge = ""
        self.busy = False
        self._frame = 0
        self._spin: Timer | None = None

    def show(self, message: str, kind: str = "info") -> None:
        """Show `message` (made literal, one line) in the colour of `kind`."""
        self.message = literal(message, single_line=True)
        self.kind = kind
        for name in KINDS:
            self.set_class(name == kind, f"-{name}")
        self.refresh()

    def show_progress(self, progress: str, *, busy: bool = False) -> None:
        """Show (or with "" clear) the progress of background work; `busy` adds a spinner
        until the next call (for work that reports no steps of its own)."""
        self.progress = literal(progress, single_line=True)
        self.busy = busy and bool(progress)
        if self.busy and self._spin is None:
            self._spin = self.set_interval(SPIN_SECONDS, self._turn)
        elif not self.busy and self._spin is not None:
            self._spin.stop()
            self._spin = None
        self.refresh()

    def _turn(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self.refresh()

    def set_badge(self, badge: str) -> None:
        """Show (or with "" clear) a badge at the right end, e.g. "read-only"."""
        badge = literal(badge, single_line=True)
        if badge != self.badge:
            self.badge = badge
            self.refresh()

    def render(self) -> RenderableType:
        """One line: the message, cut with an ellipsis where it meets the right part (two
        spaces before the progress and before the badge). Built as one `Text`, not a Rich
        table: the line is drawn again at every message (0.6 ms where a table took 0.8)."""
        shown = f"{SPINNER[self._frame]} {self.progress}" if self.busy else self.progress
        right = Text(no_wrap=True, end="")
        right.append("  ")
        right.append(shown, self.get_component_rich_style("status-line--progress"))
        if self.badge:
            right.append("  ")
            right.append(f" {self.badge} ", self.get_component_rich_style("status-line--badge"))
        room = max(0, self.size.width - right.cell_len)
        line = Text(self.message, no_wrap=True, end="")
        line.truncate(room, overflow="ellipsis", pad=True)
        line.append_text(right)
        return line
