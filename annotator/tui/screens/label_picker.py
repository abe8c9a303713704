"""A modal checklist of entity labels: which ones the columns highlight."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import SelectionList, Static
from textual.widgets.selection_list import Selection

from annotator.tui.literal import literal


def label_style(label: str, variables: Mapping[str, str]) -> Style:
    """The label's entity colour from the theme variables (`entity-other` if unknown), or none."""
    value = variables.get(f"entity-{label.lower()}") or variables.get("entity-other")
    if not value:
        return Style()
    try:
        return Style(color=Color.parse(value).rich_color)
    except ColorParseError:
        return Style()


class LabelPicker(ModalScreen[frozenset[str] | None]):
    """Toggle entity labels: space toggles, a all, n none, enter applies, escape cancels."""

    DEFAULT_CSS = """
    LabelPicker {
        align: center middle;
    }
    LabelPicker > #label-picker {
        width: auto;
        min-width: 40;
        max-width: 80%;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    LabelPicker .modal-title {
        text-style: bold;
    }
    LabelPicker #label-list {
        height: auto;
        max-height: 20;
    }
    LabelPicker .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority: the list would otherwise take enter as "toggle".
        Binding("enter", "apply", "Apply", id="label_picker.apply", priority=True),
        Binding("a", "all", "All on", id="label_picker.all"),
        Binding("n", "none", "All off", id="label_picker.none"),
        Binding("escape", "cancel", "Cancel", id="label_picker.cancel"),
    ]

    def __init__(self, labels: Sequence[tuple[str, int]], enabled: frozenset[str]) -> None:
        super().__init__()
        self._labels = tuple(labels)
        self._enabled = enabled

    def _prompt(self, label: str, count: int, width: int) -> Text:
        return Text.assemble(
            (
                literal(label, single_line=True).ljust(width),
                label_style(label, self.app.theme_variables),
            ),
            (f"  {count:>6,}", "dim"),
        )

    def compose(self) -> ComposeResult:
        width = max((len(literal(label, single_line=True)) for label, _ in self._labels), default=0)
        with Vertical(id="label-picker"):
            yield Static(Text("Entity labels"), classes="modal-title", markup=False)
            yield SelectionList[str](
                *(
                    Selection(self._prompt(label, count, width), label, label in self._enabled)
                    for label, count in self._labels
                ),
                id="label-list",
            )
            yield Static(
                Text("space toggle · a all · n none · enter apply · escape cancel"),
                classes="modal-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#label-list", SelectionList).focus()

    def _list(self) -> SelectionList[str]:
        return self.query_one("#label-list", SelectionList)

    def action_all(self) -> None:
        """Check every label."""
        self._list().select_all()

    def action_none(self) -> None:
        """Uncheck every label."""
        self._list().deselect_all()

    def action_apply(self) -> None:
        """Close with the checked labels."""
        self.dismiss(frozenset(self._list().selected))

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)
