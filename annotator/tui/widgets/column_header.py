"""The header above an article column: outlet, title, date and the verdict counts."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text
from textual.widget import Widget

from annotator.model import Article
from annotator.tui.literal import literal
from annotator.tui.outlets import outlet_text


class ColumnHeader(Widget):
    """Three lines: number + outlet with ✔ ✖ ? counts, the title, the date and byline."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "column-header--outlet",
        "column-header--title",
        "column-header--meta",
        "column-header--confirmed",
        "column-header--disputed",
        "column-header--unverified",
        "column-header--unsaved",
        "column-header--failure",
    }

    DEFAULT_CSS = """
    ColumnHeader {
        height: 3;
        padding: 0 1;
        background: $panel;
        color: $foreground;
    }
    ColumnHeader > .column-header--outlet { text-style: bold; }
    ColumnHeader > .column-header--title { color: $foreground; }
    ColumnHeader > .column-header--meta { color: $text-muted; }
    ColumnHeader > .column-header--confirmed { color: $verdict-confirmed; }
    ColumnHeader > .column-header--disputed { color: $verdict-disputed; }
    ColumnHeader > .column-header--unverified { color: $verdict-unverified; }
    ColumnHeader > .column-header--unsaved { color: $unsaved; text-style: bold; }
    ColumnHeader > .column-header--failure { color: $text-error; text-style: bold; }
    """

    def __init__(self, article: Article, number: int, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.article = article
        self.number = number
        self.counts = (0, 0, 0)
        self.unsaved = 0
        self.failure = ""

    def set_failure(self, reason: str) -> None:
        """Say on the meta line that the language model failed on this article ("" clears)."""
        if reason != self.failure:
            self.failure = reason
            self.refresh()

    def set_counts(self, counts: tuple[int, int, int], unsaved: int = 0) -> None:
        """Show new verdict counts (and how many changes are unsaved)."""
        if (counts, unsaved) != (self.counts, self.unsaved):
            self.counts = counts
            self.unsaved = unsaved
            self.refresh()

    @property
    def counts_text(self) -> str:
        """The counts as shown, e.g. "✔ 1 ✖ 2 ? 0"."""
        confirmed, disputed, unverified = self.counts
        return f"✔ {confirmed} ✖ {disputed} ? {unverified}"

    def render(self) -> RenderableType:
        article = self.article
        confirmed, disputed, unverified = self.counts
        counts = Text.assemble(
            (f"✔ {confirmed}", self.get_component_rich_style("column-header--confirmed")),
            " ",
            (f"✖ {disputed}", self.get_component_rich_style("column-header--disputed")),
            " ",
            (f"? {unverified}", self.get_component_rich_style("column-header--unverified")),
        )
        if self.unsaved:
            unsaved = self.get_component_rich_style("column-header--unsaved")
            counts = Text.assemble((f"! {self.unsaved} ", unsaved), counts)
        top = Table.grid(expand=True, padding=(0, 0, 0, 1))
        top.add_column(ratio=1, no_wrap=True, overflow="ellipsis")
        top.add_column(no_wrap=True, justify="right")
        outlet = outlet_text(
            article,
            self.get_component_rich_style("column-header--outlet"),
            prefix=f"{self.number} ",
        )
        top.add_row(outlet, counts)
        title = Text(
            literal(article.title, single_line=True) or "(untitled)",
            style=self.get_component_rich_style("column-header--title"),
            no_wrap=True,
            overflow="ellipsis",
        )
        meta_parts = [
            literal(part, single_line=True)
            for part in (article.published, f"by {article.byline}" if article.byline else "")
            if part
        ]
        meta_parts.append(f"{article.words:,} words")
        if article.decoded_with_replacement:
            meta_parts.append("decoded with replacement")
        meta = Text(
            " · ".join(meta_parts),
            style=self.get_component_rich_style("column-header--meta"),
            no_wrap=True,
            overflow="ellipsis",
        )
        if self.failure:  # before the rest: it must not be cut off
            failure = self.get_component_rich_style("column-header--failure")
            meta = Text.assemble(("analysis failed · ", failure), meta)
        return Group(top, title, meta)
