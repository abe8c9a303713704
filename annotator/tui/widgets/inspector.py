"""The claim inspector: everything about the sentence under the cursor and its claim, and
what comparing the outlets says about it (check-worthiness, source, aligned sentences,
discrepancies)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.console import Group, RenderableType
from rich.style import Style
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.widgets import Static

from annotator.model import Annotation, Claim, Sentence
from annotator.tui.literal import literal
from annotator.tui.widgets.palette import EntityPalette

NOTHING = "—"


@dataclass(frozen=True)
class AlignedLine:
    """A sentence of another article reporting the same fact."""

    outlet: str  # the column number and outlet, e.g. "4 Worthy News"
    number: int  # 1-based sentence number
    text: str
    score: float


@dataclass(frozen=True)
class DiscrepancyLine:
    """A discrepancy of the inspected sentence: its reading against another article's."""

    kind: str
    here: str  # the reading in the inspected sentence
    there: str  # the other reading
    where: str  # e.g. "5 London24NEWS S1"
    explanation: str


@dataclass(frozen=True)
class ComparisonInfo:
    """What the comparison of the outlets says about one sentence, ready to show.

    `pending` (e.g. "comparing outlets…") replaces the rest while the comparison is not known.
    """

    score: float | None = None
    features: tuple[tuple[str, float, str], ...] = ()  # (name, weight, detail)
    check_worthy: bool = False
    attribution: str | None = None
    aligned: tuple[AlignedLine, ...] = ()
    discrepancies: tuple[DiscrepancyLine, ...] = ()
    pending: str = ""


def _value(value: str | None) -> str:
    return literal(value, single_line=True) if value else NOTHING


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
        "claim-inspector--failure",
        "claim-inspector--worthy",
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
    ClaimInspector > .claim-inspector--failure { color: $text-error; text-style: bold; }
    ClaimInspector > .claim-inspector--worthy { color: $warning; text-style: bold; }
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
        self._update(Text(literal(reason, single_line=True)))

    def show_claim(
        self,
        *,
        heading: str,
        sentence: Sentence,
        claim: Claim | None,
        history: Sequence[Annotation],
        error: str = "",
        comparison: ComparisonInfo | None = None,
        failure: str = "",
    ) -> None:
        """Show `sentence` and its claim (None: not tagged), with the audit `history`, what
        the `comparison` says about it, and the article's analysis `failure` if any."""
        self._palette.update(self.app.theme, self.app.theme_variables)
        parts: list[RenderableType] = [
            Text(literal(heading, single_line=True), style=self._style("heading")),
            Text(literal(sentence.text, single_line=True), style=Style(italic=True)),
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
        fields.add_row("note", Text(literal(claim.note) if claim and claim.note else NOTHING))
        fields.add_row("evidence", Text(_value(claim.evidence_url if claim else "")))
        if claim is not None and claim.annotator:
            fields.add_row("by", Text(_value(claim.annotator)))
            fields.add_row("updated", Text(_value(claim.updated_at)))
        if error:
            fields.add_row(
                "unsaved", Text(literal(error, single_line=True), style=self._style("unsaved"))
            )
        parts.append(fields)
        if failure:
            parts += [
                Text(""),
                Text(literal(f"analysis failed: {failure}"), style=self._style("failure")),
            ]
        parts += [Text(""), Text("Entities", style=self._style("heading"))]
        entities = Text()
        for number, entity in enumerate(sentence.entities):
            if number:
                entities.append(" · ")
            style = self._palette.style(entity.label)
            entities.append(literal(entity.text, single_line=True), style)
            entities.append(f" {literal(entity.label, single_line=True)}", Style(dim=True))
        parts.append(entities if sentence.entities else Text("none"))
        if comparison is not None:
            parts += self._comparison_parts(comparison)
        parts += [Text(""), Text("History", style=self._style("heading"))]
        parts += [history_line(entry) for entry in history] or [Text("no changes yet")]
        plain = [part.plain for part in parts if isinstance(part, Text)]
        plain += [f"{row[0]} {row[1]}" for row in _rows(fields)]
        self._update(Group(*parts), "\n".join(plain))

    def _comparison_parts(self, info: ComparisonInfo) -> list[RenderableType]:
        """Discrepancies first (what most needs checking), then the same fact elsewhere,
        the source, and the check-worthiness score with the features behind it."""
        heading = self._style("heading")
        dim = Style(dim=True)
        if info.pending:
            return [Text(""), Text(literal(info.pending, single_line=True), style=dim)]
        parts: list[RenderableType] = [Text(""), Text("Discrepancies", style=heading)]
        for found in info.discrepancies:
            parts.append(
                Text.assemble(
                    (literal(found.kind, single_line=True), self._style("failure")),
                    f": {literal(found.here, single_line=True)} here, ",
                    f"{literal(found.there, single_line=True)} in ",
                    (literal(found.where, single_line=True), "bold"),
                    (f"\n  {literal(found.explanation, single_line=True)}", dim),
                )
            )
        if not info.discrepancies:
            parts.append(Text("none"))
        parts += [Text(""), Text("Aligned (same fact)", style=heading)]
        for aligned in info.aligned:
            line = Text.assemble(
                (f"{literal(aligned.outlet, single_line=True)} · S{aligned.number}", "bold"),
                (f" {aligned.score:.2f}", dim),
                f"\n  {literal(aligned.text, single_line=True)}",
            )
            parts.append(line)
        if not info.aligned:
            parts.append(Text("none in the other articles"))
        parts += [Text(""), Text("Source", style=heading)]
        source = info.attribution
        parts.append(Text(literal(source, single_line=True) if source else "not attributed"))
        if info.score is not None:
            title = Text(f"Check-worthiness {info.score:.2f}", style=heading)
            if info.check_worthy:
                title.append(" · check-worthy", self._style("worthy"))
            parts += [Text(""), title]
            for name, weight, detail in info.features:
                line = Text(f"{weight:+.2f} {literal(name, single_line=True)}")
                if detail:
                    line.append(f": {literal(detail, single_line=True)}", dim)
                parts.append(line)
            if not info.features:
                parts.append(Text("no features"))
        return parts

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
