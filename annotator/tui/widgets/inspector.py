"""The claim inspector: everything about the sentence under the cursor and its claim."""

from __future__ import annotations

from collections.abc import Sequence
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from annotator.model import Annotation, Claim, Sentence
from annotator.sanitize import printable
from annotator.tui.widgets.palette import EntityPalette

NOTHING = "—"


def _value(value: str | None) -> str:
    return printable(value, single_line=True) if value else NOTHING


def history_line(entry: Annotation) -> Text:
    """One audit row: when and who, then the action and the field's old → new value."""
    return Text.assemble(
        (f"{_value(entry.at)} · {_value(entry.user)}", Style(dim=True)),
        f"\n  {_value(entry.action)} {_value(entry.field)}: ",
        f"{_value(entry.old)} → {_value(entry.new)}",
    )


class ClaimInspector(VerticalScroll, can_focus=False):
    """Docked at the right, hidden until `i`: the claim's text, verdict, note, evidence,
    who and when, its history and its entities."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "claim-inspector--heading",
        "claim-inspector--key",
        "claim-inspector--confirmed",
        "claim-inspector--disputed",
        "claim-inspector--unverified",
        "claim-inspector--unsaved",
    }

    DEFAULT_CSS = """
    ClaimInspector {
        width: 40;
        height: 1fr;
        padding: 0 1;
        background: $panel;
        border-left: vkey $primary;
        scrollbar-size-vertical: 1;
    }
    ClaimInspector > .claim-inspector--heading { text-style: bold; color: $accent; }
    ClaimInspector > .claim-inspector--key { color: $text-muted; }
    ClaimInspector > .claim-inspector--confirmed { color: $verdict-confirmed; text-style: bold; }
    ClaimInspector > .claim-inspector--disputed { color: $verdict-disputed; text-style: bold; }
    ClaimInspector > .claim-inspector--unverified {
        color: $verdict-unverified;
        text-style: bold;
    }
    ClaimInspector > .claim-inspector--unsaved { color: $unsaved; text-style: bold; }
    ClaimInspector #inspector-body { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._palette = EntityPalette()
        self.plain = ""

    def compose(self) -> ComposeResult:
        yield Static(Text("no sentence selected"), id="inspector-body", markup=False)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"claim-inspector--{name}")

    def show_nothing(self, reason: str = "no sentence selected") -> None:
        self._update(Text(printable(reason, single_line=True)))

    def show_claim(
        self,
        *,
        heading: str,
        sentence: Sentence,
        claim: Claim | None,
        history: Sequence[Annotation],
        error: str = "",
    ) -> None:
        """Show `sentence` and its claim (None: not tagged), with the audit `history`."""
        self._palette.update(self.app.theme, self.app.theme_variables)
        parts: list[RenderableType] = [
            Text(printable(heading, single_line=True), style=self._style("heading")),
            Text(printable(sentence.text, single_line=True), style=Style(italic=True)),
            Text(""),
        ]
        fields = Table.grid(padding=(0, 1))
        fields.add_column(style=self._style("key"), no_wrap=True)
        fields.add_column(ratio=1, overflow="fold")
        verdict = claim.verdict if claim is not None else None
        if verdict is None:
            fields.add_row("verdict", Text("not tagged"))
        else:
            shown = Text(f"{verdict.symbol} {verdict.value}", style=self._style(verdict.value))
            fields.add_row("verdict", shown)
        fields.add_row("note", Text(printable(claim.note) if claim and claim.note else NOTHING))
        fields.add_row("evidence", Text(_value(claim.evidence_url if claim else "")))
        if claim is not None and claim.annotator:
            fields.add_row("by", Text(_value(claim.annotator)))
            fields.add_row("updated", Text(_value(claim.updated_at)))
        if error:
            fields.add_row(
                "unsaved", Text(printable(error, single_line=True), style=self._style("unsaved"))
            )
        parts += [fields, Text(""), Text("History", style=self._style("heading"))]
        parts += [history_line(entry) for entry in history] or [Text("no changes yet")]
        parts += [Text(""), Text("Entities", style=self._style("heading"))]
        entities = Text()
        for number, entity in enumerate(sentence.entities):
            if number:
                entities.append(" · ")
            style = self._palette.style(entity.label)
            entities.append(printable(entity.text, single_line=True), style)
            entities.append(f" {printable(entity.label, single_line=True)}", Style(dim=True))
        parts.append(entities if sentence.entities else Text("none"))
        plain = [part.plain for part in parts if isinstance(part, Text)]
        plain += [f"{row[0]} {row[1]}" for row in _rows(fields)]
        self._update(Group(*parts), "\n".join(plain))

    def _update(self, content: RenderableType, plain: str = "") -> None:
        self.plain = plain or (content.plain if isinstance(content, Text) else "")
        self.query_one("#inspector-body", Static).update(content)


def _rows(table: Table) -> list[tuple[str, str]]:
    """The cells of a two-column grid as plain text."""
    keys, values = (
        [cell.plain if isinstance(cell, Text) else str(cell) for cell in column.cells]
        for column in table.columns
    )
    return list(zip(keys, values, strict=True))
