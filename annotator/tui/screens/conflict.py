"""The conflict dialog: a claim changed elsewhere since it was read; both versions, the user picks.

Nothing is lost either way: keeping one's own version records theirs in the claim's
history, keeping theirs records one's own, and cancelling writes nothing (theirs stays).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Static

from annotator.model import Claim
from annotator.tui.literal import literal

Choice = Literal["mine", "theirs"]
NOTHING = "—"
FIELDS = (("verdict", "verdict"), ("note", "note"), ("evidence", "evidence_url"))


def _value(claim: Claim, name: str) -> str:
    value = getattr(claim, name)
    if name == "verdict":
        return f"{value.symbol} {value.value}" if value is not None else "not tagged"
    return literal(value) if value else NOTHING


def versions_table(mine: Claim, theirs: Claim, me: str) -> Table:
    """Both versions side by side, field by field; fields that differ are marked and bold."""
    table = Table(box=None, expand=True, padding=(0, 1), show_edge=False)
    table.add_column("", no_wrap=True, style="dim")
    table.add_column(Text("Yours (not saved)", Style(bold=True)), ratio=1, overflow="fold")
    table.add_column(Text("Theirs (saved)", Style(bold=True)), ratio=1, overflow="fold")
    for label, name in FIELDS:
        differs = getattr(mine, name) != getattr(theirs, name)
        style = Style(bold=True) if differs else Style(dim=True)
        table.add_row(
            Text(f"{'≠' if differs else ' '} {label}"),
            Text(_value(mine, name), style),
            Text(_value(theirs, name), style),
        )
    who = literal(theirs.annotator or "someone", single_line=True)
    when = literal(theirs.updated_at or "", single_line=True)
    table.add_row(
        Text("  by"),
        Text(literal(me, single_line=True), Style(dim=True)),
        Text(f"{who}{', ' + when if when else ''}", Style(dim=True)),
    )
    return table


class ConflictDialog(ModalScreen[Choice | None]):
    """m keeps mine, t keeps theirs, escape cancels (nothing of mine is written)."""

    DEFAULT_CSS = """
    ConflictDialog {
        align: center middle;
    }
    ConflictDialog > #conflict {
        width: 90%;
        max-width: 110;
        height: auto;
        max-height: 90%;
        padding: 0 1;
        border: round $warning;
        background: $surface;
    }
    ConflictDialog .modal-title {
        text-style: bold;
        color: $text-warning;
    }
    ConflictDialog #conflict-quote {
        max-height: 4;
        color: $text-muted;
        text-style: italic;
        margin-bottom: 1;
    }
    ConflictDialog #conflict-versions {
        height: auto;
        max-height: 20;
        margin-bottom: 1;
    }
    ConflictDialog #conflict-buttons {
        height: auto;
    }
    ConflictDialog #conflict-buttons > Button {
        margin-right: 2;
    }
    ConflictDialog .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("m", "choose('mine')", "Keep mine", id="conflict.mine"),
        Binding("t", "choose('theirs')", "Keep theirs", id="conflict.theirs"),
        Binding("escape", "cancel", "Cancel", id="conflict.cancel"),
    ]

    def __init__(self, heading: str, quote: str, mine: Claim, theirs: Claim, me: str) -> None:
        super().__init__()
        self.heading = heading
        self.quote = quote
        self.mine = mine
        self.theirs = theirs
        self.me = me

    def compose(self) -> ComposeResult:
        who = literal(self.theirs.annotator or "someone", single_line=True)
        with Vertical(id="conflict"):
            yield Static(
                Text(f"Changed elsewhere: {literal(self.heading, single_line=True)}"),
                classes="modal-title",
                markup=False,
            )
            yield Static(Text(literal(self.quote, single_line=True)), id="conflict-quote",
                         markup=False)  # fmt: skip
            yield Static(
                Text(f"{who} changed this claim after you read it. Nothing of yours is saved yet."),
                markup=False,
            )
            yield Static(versions_table(self.mine, self.theirs, self.me), id="conflict-versions",
                         markup=False)  # fmt: skip
            with Horizontal(id="conflict-buttons"):
                yield Button("Keep mine (m)", id="mine", variant="warning")
                yield Button("Keep theirs (t)", id="theirs", variant="primary")
                yield Button("Cancel (escape)", id="cancel")
            yield Static(
                Text(
                    "m keep yours over theirs, t keep theirs: the other version stays in the "
                    "claim's history either way · escape cancel: nothing of yours is written, "
                    "theirs stays"
                ),
                classes="modal-hint",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one("#theirs", Button).focus()

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        event.stop()
        if event.button.id in ("mine", "theirs"):
            self.action_choose(event.button.id)
        else:
            self.action_cancel()

    def action_choose(self, choice: str) -> None:
        """Keep `choice`: "mine" or "theirs"."""
        self.dismiss("mine" if choice == "mine" else "theirs")

    def action_cancel(self) -> None:
        """Write nothing: their version stays, mine is dropped."""
        self.dismiss(None)
