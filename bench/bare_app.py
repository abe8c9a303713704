"""The start-up baseline: a bare Textual app that paints one Static (run as a script)."""

from __future__ import annotations

from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.widgets import Static

MARKER = "bare textual app ready"


class BareApp(App[None]):
    """One Static, nothing else; `q` quits."""

    BINDINGS: ClassVar[list[BindingType]] = [("q", "quit", "Quit")]

    def compose(self) -> ComposeResult:
        yield Static(MARKER)


if __name__ == "__main__":
    BareApp().run()
