"""A modal yes/no question before something that cannot simply be undone (removing an article)."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from annotator.tui.literal import literal


class ConfirmDialog(ModalScreen[bool]):
    """Ask a question: `y` dismisses with True; `n` or escape with False.

    Enter does not confirm: a key pressed out of habit must not do what is asked. The
    title and the message may hold untrusted text (an article's title): shown literally.
    """

    DEFAULT_CSS = """
    ConfirmDialog {
        align: center middle;
    }
    ConfirmDialog > #confirm {
        width: 80%;
        max-width: 80;
        height: auto;
        padding: 0 1;
        border: round $error;
        background: $surface;
    }
    ConfirmDialog .modal-title {
        text-style: bold;
    }
    ConfirmDialog .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes", id="confirm.yes"),
        Binding("n", "answer(False)", "No", id="confirm.no"),
        Binding("escape", "answer(False)", "Cancel", id="confirm.cancel"),
    ]

    def __init__(self, title: str, message: str, *, yes: str = "yes") -> None:
        super().__init__()
        self._title = title
        self._message = message
        self._yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm"):
            yield Static(
                Text(literal(self._title, single_line=True)), classes="modal-title", markup=False
            )
            yield Static(Text(literal(self._message)), id="confirm-message", markup=False)
            yield Static(
                Text(f"y {literal(self._yes, single_line=True)} · n or escape cancel"),
                classes="modal-hint",
                markup=False,
            )

    def action_answer(self, yes: bool) -> None:
        """Close with the answer."""
        self.dismiss(yes)
