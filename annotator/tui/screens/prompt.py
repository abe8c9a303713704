"""A modal one-line prompt with optional validation (e.g. the evidence URL)."""

from __future__ import annotations

from collections.abc import Callable
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from annotator.tui.literal import literal
from annotator.tui.screens.fields import PrintableInput


class TextPrompt(ModalScreen[str | None]):
    """Ask for one line of text.

    Enter dismisses with the stripped value unless `validate` returns a non-empty error,
    which is shown under the input while the prompt stays open; escape dismisses with None.
    An empty value means "clear" and is accepted without calling `validate`, unless
    `allow_empty` is False.
    """

    DEFAULT_CSS = """
    TextPrompt {
        align: center middle;
    }
    TextPrompt > #prompt {
        width: 80%;
        max-width: 90;
        height: auto;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    TextPrompt .modal-title {
        text-style: bold;
    }
    TextPrompt #prompt-error {
        color: $text-error;
    }
    TextPrompt .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="prompt.cancel"),
    ]

    def __init__(
        self,
        title: str,
        value: str = "",
        *,
        placeholder: str = "",
        validate: Callable[[str], str] | None = None,
        hint: str = "",
        allow_empty: bool = True,
    ) -> None:
        super().__init__()
        self._title = title
        self._value = value
        self._placeholder = placeholder
        self._validate = validate
        self._allow_empty = allow_empty
        self._hint = hint or "enter accept · escape cancel"

    def compose(self) -> ComposeResult:
        with Vertical(id="prompt"):
            yield Static(
                Text(literal(self._title, single_line=True)), classes="modal-title", markup=False
            )
            yield PrintableInput(
                literal(self._value, single_line=True),
                placeholder=literal(self._placeholder, single_line=True),
                id="prompt-input",
            )
            yield Static(Text(""), id="prompt-error", markup=False)
            yield Static(Text(literal(self._hint)), classes="modal-hint", markup=False)

    def on_mount(self) -> None:
        self.query_one("#prompt-input", Input).focus()

    @on(Input.Changed, "#prompt-input")
    def _clear_error(self) -> None:
        self.query_one("#prompt-error", Static).update(Text(""))

    @on(Input.Submitted, "#prompt-input")
    def _submit(self, event: Input.Submitted) -> None:
        event.stop()
        value = event.value.strip()
        problem = ""
        if self._validate is not None and (value or not self._allow_empty):
            problem = self._validate(value)
        if problem:
            self.query_one("#prompt-error", Static).update(Text(literal(problem)))
            return
        self.dismiss(value)

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)
