"""The Discrepancies panel: where the outlets disagree, both readings side by side."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from rich import box
from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.color import Color, ColorParseError
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from annotator.tui.comparing import DiscrepancyRow, Place
from annotator.tui.literal import literal
from annotator.tui.outlets import parts_text

CONTEXT = 70  # characters of the sentence kept on each side of the reading
MAX_SHOWN = 2_000  # rows listed; a corpus with more says how many are left out

KIND_VARIABLES = {
    "quantity": "verdict-disputed",
    "entity": "entity-person",
    "spelling": "verdict-unverified",
}
"""The theme variable that colours each kind of discrepancy."""


def kind_styles(variables: Mapping[str, str]) -> dict[str, Style]:
    """Bold styles in the theme's colours for each kind of discrepancy."""
    styles = {}
    for kind, name in KIND_VARIABLES.items():
        try:
            color = Color.parse(variables.get(name, "")).rich_color
        except ColorParseError:
            color = None
        styles[kind] = Style(bold=True, color=color)
    return styles


def excerpt(text: str, reading: str) -> Text:
    """The sentence on one line, cut around `reading`, which is shown bold."""
    plain = literal(text, single_line=True)
    shown = literal(reading, single_line=True)
    at = plain.find(shown) if shown else -1
    if at < 0:
        cut = plain[: CONTEXT * 2]
        return Text(cut + ("…" if len(plain) > len(cut) else ""))
    start = max(0, at - CONTEXT)
    end = min(len(plain), at + len(shown) + CONTEXT)
    result = Text("…" if start else "")
    result.append(plain[start:at])
    result.append(shown, Style(bold=True, underline=True))
    result.append(plain[at + len(shown) : end])
    if end < len(plain):
        result.append("…")
    return result


def _side(place: Place, reading: str) -> Text:
    prefix = f"{place.column} " if place.column else ""
    head = parts_text(place.outlet, Style(bold=True), prefix=prefix)
    head.append(f" · S{place.number}", Style(bold=True))
    return Text.assemble(
        head,
        "\n",
        (literal(reading, single_line=True), Style(bold=True)),
        "\n",
        excerpt(place.text, reading),
    )


def discrepancy_prompt(
    row: DiscrepancyRow, number: int, styles: Mapping[str, Style] | None = None
) -> RenderableType:
    """One discrepancy: its number, kind and explanation, then the two readings side by side."""
    kind_style = (styles or {}).get(row.kind, Style(bold=True))
    title = Text.assemble(
        (f"{number:>3} ", Style(dim=True)),
        (literal(row.kind, single_line=True), kind_style),
        "  ",
        (literal(row.explanation, single_line=True), Style(italic=True)),
    )
    sides = Table(
        box=box.MINIMAL, show_header=False, show_edge=False, expand=True, padding=(0, 1),
        border_style=Style(dim=True),
    )  # fmt: skip
    sides.add_column(ratio=1, overflow="fold")
    sides.add_column(ratio=1, overflow="fold")
    sides.add_row(_side(row.a, row.reading_a), _side(row.b, row.reading_b))
    return Group(title, sides)


class DiscrepanciesScreen(ModalScreen[int | None]):
    """Every discrepancy; enter goes to the chosen one (dismisses with its index)."""

    DEFAULT_CSS = """
    DiscrepanciesScreen {
        align: center middle;
    }
    DiscrepanciesScreen > #discrepancies {
        width: 94%;
        height: 90%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    DiscrepanciesScreen .modal-title {
        text-style: bold;
    }
    DiscrepanciesScreen #discrepancy-list {
        height: 1fr;
    }
    DiscrepanciesScreen #discrepancy-list > .option-list--option {
        padding: 0 0 1 0;
    }
    DiscrepanciesScreen .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="discrepancies.close"),
        Binding("D", "close", "Close", id="discrepancies.close_d", show=False),
    ]

    def __init__(self, rows: Sequence[DiscrepancyRow], chosen: int = 0) -> None:
        super().__init__()
        self.rows = tuple(rows)
        self._chosen = chosen

    def compose(self) -> ComposeResult:
        count = len(self.rows)
        title = f"Discrepancies between the outlets: {count}"
        if count > MAX_SHOWN:
            title += f" (the first {MAX_SHOWN:,} listed)"
        with Vertical(id="discrepancies"):
            yield Static(Text(title), classes="modal-title", markup=False)
            styles = kind_styles(self.app.theme_variables)
            options = [
                Option(discrepancy_prompt(row, number, styles), id=str(number - 1))
                for number, row in enumerate(self.rows[:MAX_SHOWN], start=1)
            ]
            if not options:
                options = [Option(Text("no discrepancies found between the open articles"))]
            yield OptionList(*options, markup=False, id="discrepancy-list")
            yield Static(
                Text("enter go to it (the other reading's column follows) · escape close"),
                classes="modal-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        options = self.query_one("#discrepancy-list", OptionList)
        options.focus()
        if self.rows:
            options.highlighted = max(0, min(self._chosen, len(self.rows) - 1, MAX_SHOWN - 1))

    @on(OptionList.OptionSelected, "#discrepancy-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.dismiss(int(event.option.id))

    def action_close(self) -> None:
        """Close without going anywhere."""
        self.dismiss(None)
