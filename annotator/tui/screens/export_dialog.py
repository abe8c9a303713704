"""A modal dialog that asks for an export format and a file to write."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from annotator.tui.literal import literal
from annotator.tui.screens.fields import PrintableInput

DEFAULT_NAMES: dict[str, str] = {
    "csv": "annotations.csv",
    "jsonl": "annotations.jsonl",
    "claimreview": "claimreview.json",
    "w3c": "annotations.w3c.jsonld",
}
FORMAT_LABELS: dict[str, str] = {
    "csv": "CSV",
    "jsonl": "JSON Lines",
    "claimreview": "ClaimReview JSON-LD",
    "w3c": "W3C Web Annotation JSON-LD",
}


@dataclass(frozen=True)
class ExportRequest:
    """What to export and where: `fmt` is one of the dialog's formats."""

    fmt: str
    path: str


@dataclass(frozen=True)
class PathCheck:
    """The verdict on an export path: an error blocks the export, a warning does not."""

    error: str = ""
    warning: str = ""


def default_name(fmt: str) -> str:
    """The file name an export in `fmt` gets unless the user names one."""
    return DEFAULT_NAMES.get(fmt, f"annotations.{fmt}")


def with_default_name(path: str, fmt: str) -> str:
    """`path` with its file name switched to `fmt`'s default, if it still has a default name."""
    folder, slash, name = path.rpartition("/")
    if name and name not in DEFAULT_NAMES.values():
        return path
    return f"{folder}{slash}{default_name(fmt)}"


def check_export_path(path: str) -> PathCheck:
    """Whether an export may be written to `path` (a leading `~` is the home folder)."""
    if not path.strip():
        return PathCheck(error="enter the file to export to")
    target = Path(os.path.expanduser(path.strip()))
    shown = literal(str(target), single_line=True)
    try:
        if target.is_dir():
            return PathCheck(error=f"{shown} is a folder: name a file inside it")
        if target.exists():
            if not target.is_file():
                return PathCheck(error=f"{shown} is not a regular file")
            return PathCheck(warning="will replace existing file")
        parent = target.parent
        if not parent.exists():
            return PathCheck(
                error=f"folder {literal(str(parent), single_line=True)} does not exist"
            )
        if not parent.is_dir():
            return PathCheck(error=f"{literal(str(parent), single_line=True)} is not a folder")
    except OSError as error:
        return PathCheck(error=f"cannot use {shown}: {literal(error.strerror or str(error))}")
    return PathCheck()


class ExportDialog(ModalScreen[ExportRequest | None]):
    """Choose a format and a file; enter or the Export button submits, escape cancels."""

    DEFAULT_CSS = """
    ExportDialog {
        align: center middle;
    }
    ExportDialog > #export-dialog {
        width: 80%;
        max-width: 90;
        height: auto;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    ExportDialog .modal-title {
        text-style: bold;
        margin-bottom: 1;
    }
    ExportDialog #export-format {
        width: 100%;
    }
    ExportDialog #export-message {
        min-height: 1;
    }
    ExportDialog #export-message.-error {
        color: $text-error;
    }
    ExportDialog #export-message.-warning {
        color: $text-warning;
    }
    ExportDialog #export-submit {
        margin-top: 1;
    }
    ExportDialog .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority so that enter exports from the path and the button, and picks in the formats.
        Binding("enter", "submit", "Export", id="export_dialog.submit", priority=True),
        Binding("escape", "cancel", "Cancel", id="export_dialog.cancel"),
    ]

    def __init__(
        self, formats: Sequence[str] = ("csv",), default_path: str = "annotations.csv"
    ) -> None:
        super().__init__()
        if not formats:
            raise ValueError("ExportDialog needs at least one format")
        self._formats = tuple(formats)
        self._fmt = self._formats[0]
        self._default_path = with_default_name(default_path, self._fmt)

    @property
    def fmt(self) -> str:
        """The format currently chosen."""
        return self._fmt

    def compose(self) -> ComposeResult:
        with Vertical(id="export-dialog"):
            yield Static(Text("Export annotations"), classes="modal-title", markup=False)
            with RadioSet(id="export-format"):
                for index, fmt in enumerate(self._formats):
                    label = FORMAT_LABELS.get(fmt, fmt)
                    yield RadioButton(Text(literal(label, single_line=True)), index == 0, name=fmt)
            yield PrintableInput(
                literal(self._default_path, single_line=True),
                placeholder="file to write",
                select_on_focus=False,
                id="export-path",
            )
            yield Static(Text(""), id="export-message", markup=False)
            yield Button("Export", variant="primary", id="export-submit")
            yield Static(
                Text("enter export · space/enter pick format · escape cancel"),
                classes="modal-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        if len(self._formats) > 1:
            self.query_one("#export-format", RadioSet).focus()
        else:
            self.query_one("#export-path", Input).focus()
        self._show(check_export_path(self._path()), errors=False)

    def _path(self) -> str:
        return self.query_one("#export-path", Input).value

    def _show(self, check: PathCheck, *, errors: bool) -> None:
        """Show the error (when `errors`) or else the warning of `check` under the path."""
        message = self.query_one("#export-message", Static)
        error = check.error if errors else ""
        message.set_class(bool(error), "-error")
        message.set_class(not error and bool(check.warning), "-warning")
        message.update(Text(error or check.warning))

    @on(RadioSet.Changed, "#export-format")
    def _format_changed(self, event: RadioSet.Changed) -> None:
        self._fmt = event.pressed.name or self._formats[0]
        path = self.query_one("#export-path", Input)
        path.value = with_default_name(path.value, self._fmt)

    @on(Input.Changed, "#export-path")
    def _path_changed(self, event: Input.Changed) -> None:
        self._show(check_export_path(event.value), errors=False)

    @on(Button.Pressed, "#export-submit")
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        """Pick the highlighted format when the formats have focus, else export."""
        formats = self.query_one("#export-format", RadioSet)
        if formats.has_focus:
            formats.action_toggle_button()
            self.query_one("#export-path", Input).focus()
            return
        value = self._path().strip()
        check = check_export_path(value)
        if check.error:
            self._show(check, errors=True)
            return
        self.dismiss(ExportRequest(self._fmt, os.path.expanduser(value)))

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)
