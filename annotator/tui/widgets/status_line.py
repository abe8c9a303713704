"""One line at the bottom of the reader: progress, save errors, what the last key did."""

from __future__ import annotations

from typing import ClassVar

from rich.console import RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from annotator.sanitize import printable

KINDS = ("info", "warning", "error")


class StatusLine(Widget):
    """A message at the left (`kind` info, warning or error sets its colour) and, at the
    right, the progress of background work, so that messages never hide it."""

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
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {"status-line--progress"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.message = ""
        self.kind = "info"
        self.progress = ""

    def show(self, message: str, kind: str = "info") -> None:
        """Show `message` (made printable, one line) in the colour of `kind`."""
        self.message = printable(message, single_line=True)
        self.kind = kind
        for name in KINDS:
            self.set_class(name == kind, f"-{name}")
        self.refresh()

    def show_progress(self, progress: str) -> None:
        """Show (or with "" clear) the progress of background work."""
        self.progress = printable(progress, single_line=True)
        self.refresh()

    def render(self) -> RenderableType:
        grid = Table.grid(expand=True, padding=(0, 0, 0, 2))
        grid.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        grid.add_column(no_wrap=True, justify="right")
        progress = Text(self.progress, self.get_component_rich_style("status-line--progress"))
        grid.add_row(Text(self.message), progress)
        return grid
