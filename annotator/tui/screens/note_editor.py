"""A modal editor for a claim's note, with the claim's sentence shown above it."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static, TextArea

from annotator.tui.literal import literal
from annotator.tui.screens.fields import PrintableTextArea


class NoteEditor(ModalScreen[str | None]):
    """Edit a note: ctrl+s dismisses with the stripped text, escape with None."""

    DEFAULT_CSS = """
    NoteEditor {
        align: center middle;
    }
    NoteEditor > #note-editor {
        width: 80%;
        max-width: 100;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    NoteEditor .modal-title {
        text-style: bold;
    }
    NoteEditor #note-quote {
        max-height: 8;
        margin-bottom: 1;
        color: $text-muted;
        text-style: italic;
    }
    NoteEditor #note-text {
        height: 10;
    }
    NoteEditor .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the text area must not swallow the save key.
        Binding("ctrl+s", "save", "Save note", id="note_editor.save", priority=True),
        Binding("escape", "cancel", "Cancel", id="note_editor.cancel"),
    ]

    def __init__(self, quote: str, note: str) -> None:
        super().__init__()
        self._quote = quote
        self._note = note

    def compose(self) -> ComposeResult:
        with Vertical(id="note-editor"):
            yield Static(Text("Note"), classes="modal-title", markup=False)
            yield Static(Text(literal(self._quote)), id="note-quote", markup=False)
            # The stand-ins replace control characters for good: a saved note never holds one.
            yield PrintableTextArea(literal(self._note), soft_wrap=True, id="note-text")
            yield Static(Text("ctrl+s save · escape cancel"), classes="modal-hint", markup=False)

    def on_mount(self) -> None:
        editor = self.query_one("#note-text", TextArea)
        editor.focus()
        editor.move_cursor(editor.document.end)

    def action_save(self) -> None:
        """Close with the edited note, stripped."""
        self.dismiss(self.query_one("#note-text", TextArea).text.strip())

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)
