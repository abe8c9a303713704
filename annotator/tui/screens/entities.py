"""The Entities panel: merged entities with their spellings, and the coverage matrix."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from annotator.tui.comparing import EntityRow
from annotator.tui.literal import literal
from annotator.tui.outlets import parts_text

HEADER_WIDTH = 7  # cells of a column's heading in the matrix ("4 Wort…")
NAME_WIDTH = 22
CLEAR = ""
"""What the panel is dismissed with when the user clears the highlight."""


def column_heading(number: int, outlet: tuple[str, str]) -> Text:
    """A matrix column's heading: its number and the start of its outlet's name."""
    text = Text(f"{number} {outlet[0]}", no_wrap=True, overflow="ellipsis")
    text.truncate(HEADER_WIDTH, overflow="ellipsis")
    text.pad_left(HEADER_WIDTH - text.cell_len)  # right-aligned over the figures
    return text


def outlets_key(outlets: Sequence[tuple[str, str]]) -> Text:
    """ "1 000 · outlet not stated   2 …": what each numbered column of the matrix is."""
    text = Text()
    for number, outlet in enumerate(outlets, start=1):
        if number > 1:
            text.append("   ")
        text.append_text(parts_text(outlet, prefix=f"{number} "))
    return text


class EntitiesScreen(ModalScreen[str | None]):
    """Entities × columns mention counts; enter highlights the entity in every column
    (dismisses with its key), x clears the highlight (dismisses with ""), escape closes."""

    DEFAULT_CSS = """
    EntitiesScreen {
        align: center middle;
    }
    EntitiesScreen > #entities {
        width: 94%;
        height: 90%;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    EntitiesScreen .modal-title {
        text-style: bold;
    }
    EntitiesScreen #entities-key {
        color: $text-muted;
        margin-bottom: 1;
    }
    EntitiesScreen #entity-table {
        height: 1fr;
    }
    EntitiesScreen .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "close", "Close", id="entities.close"),
        Binding("E", "close", "Close", id="entities.close_e", show=False),
        Binding("x", "clear", "Clear the highlight", id="entities.clear"),
    ]

    def __init__(
        self,
        rows: Sequence[EntityRow],
        outlets: Sequence[tuple[str, str]],
        highlighted: str = "",
    ) -> None:
        super().__init__()
        self.rows = tuple(rows)
        self.outlets = tuple(outlets)
        self._highlighted = highlighted

    def compose(self) -> ComposeResult:
        count = len(self.rows)
        title = f"Entities: {count} across {len(self.outlets)} articles, spellings merged"
        with Vertical(id="entities"):
            yield Static(Text(title), classes="modal-title", markup=False)
            yield Static(outlets_key(self.outlets), id="entities-key", markup=False)
            yield DataTable(cursor_type="row", zebra_stripes=True, id="entity-table")
            yield Static(
                Text("enter highlight it in every column (] [ step through its mentions)"
                     " · x clear the highlight · escape close"),
                classes="modal-hint",
                markup=False,
            )  # fmt: skip

    def on_mount(self) -> None:
        table: DataTable[Text] = self.query_one("#entity-table", DataTable)
        # The matrix first, the spellings last: they get what room is left.
        table.add_column(Text("entity"), key="name", width=NAME_WIDTH)
        table.add_column(Text("label"), key="label")
        for number, outlet in enumerate(self.outlets, start=1):
            table.add_column(column_heading(number, outlet), key=f"column-{number}")
        table.add_column(Text("total"), key="total")
        table.add_column(Text("spellings"), key="variants")
        dim = Style(dim=True)
        for row in self.rows:
            marked = row.key == self._highlighted
            name = Text(
                literal(row.name, single_line=True),
                Style(bold=marked, underline=marked),
                no_wrap=True,
                overflow="ellipsis",
            )
            spellings = " / ".join(literal(v, single_line=True) for v in row.variants)
            variants = Text(spellings, no_wrap=True, overflow="ellipsis")
            # Right-aligned by padding: the figures of a column line up under its heading.
            counts = [
                Text(f"{n:>{HEADER_WIDTH}}") if n else Text(f"{'·':>{HEADER_WIDTH}}", dim)
                for n in row.counts
            ]
            table.add_row(
                name,
                Text(literal(row.label, single_line=True), dim),
                *counts,
                Text(f"{row.total:>5}"),
                variants,
                key=row.key,
            )
        table.focus()
        keys = [row.key for row in self.rows]
        if self._highlighted in keys:
            table.move_cursor(row=keys.index(self._highlighted))

    @on(DataTable.RowSelected, "#entity-table")
    def _selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        if event.row_key.value is not None:
            self.dismiss(event.row_key.value)

    def action_clear(self) -> None:
        """Close and clear the entity highlight."""
        self.dismiss(CLEAR)

    def action_close(self) -> None:
        """Close, keeping what is highlighted."""
        self.dismiss(None)
