"""The header above an article column: outlet, title, date and the verdict counts."""

from __future__ import annotations

from typing import ClassVar

from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip
from textual.widget import Widget

from annotator.model import Article
from annotator.tui.literal import literal
from annotator.tui.outlets import outlet_text
from annotator.tui.widgets.kept_styles import StyleKeeper

MARGIN = 1  # cells left blank at either side


class ColumnHeader(Widget):
    """Three lines: number + outlet with ✔ ✖ ? counts, the title, the date and byline.

    Drawn with the line API and kept until something it shows changes: moving the window of
    columns repaints every header, and laying out a Rich table each time cost more than the
    article text below it. The pane holding the focus marks its header (`set_focused`):
    drawn in the component style `column-header--focused`, not by a CSS class, whose change
    would make Textual restyle the widget (about 5 ms on every move between columns). So the
    header draws its own one-cell margins too, rather than have CSS padding it would not
    colour.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "column-header--outlet",
        "column-header--title",
        "column-header--meta",
        "column-header--confirmed",
        "column-header--disputed",
        "column-header--unverified",
        "column-header--unsaved",
        "column-header--failure",
        "column-header--focused",
    }

    DEFAULT_CSS = """
    ColumnHeader {
        height: 3;
        background: $panel;
        color: $foreground;
    }
    ColumnHeader > .column-header--focused { background: $primary 35%; }
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
        self._kept = StyleKeeper(self)
        self.article = article
        self.number = number
        self.counts = (0, 0, 0)
        self.unsaved = 0
        self.failure = ""
        self.focused = False
        self._lines: list[Strip] = []
        self._lines_key: tuple[object, ...] = ()

    def set_focused(self, focused: bool) -> None:
        """Mark the header of the column that has the focus."""
        if focused != self.focused:
            self.focused = focused
            self.refresh()

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

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept.clear()
        self._lines_key = ()

    def render_line(self, y: int) -> Strip:
        width = self.content_region.width
        base = self._kept.base()
        if self.focused:
            base = self._kept.component("column-header--focused")
        key = (width, base, self.counts, self.unsaved, self.failure)
        if key != self._lines_key:
            console = self.app.console
            inner = max(0, width - 2 * MARGIN)
            self._lines = [
                _strip(text, inner, base, console, margin=MARGIN) for text in self._texts(inner)
            ]
            self._lines_key = key
        if 0 <= y < len(self._lines):
            return self._lines[y]
        return Strip.blank(width, base)

    def _texts(self, width: int) -> list[Text]:
        """The three lines as Rich texts, the first fitted to `width` (counts at the right)."""
        article = self.article
        confirmed, disputed, unverified = self.counts
        counts = Text.assemble(
            (f"✔ {confirmed}", self._kept.component("column-header--confirmed")),
            " ",
            (f"✖ {disputed}", self._kept.component("column-header--disputed")),
            " ",
            (f"? {unverified}", self._kept.component("column-header--unverified")),
        )
        if self.unsaved:
            unsaved = self._kept.component("column-header--unsaved")
            counts = Text.assemble((f"! {self.unsaved} ", unsaved), counts)
        outlet = outlet_text(
            article,
            self._kept.component("column-header--outlet"),
            prefix=f"{self.number} ",
        )
        room = width - counts.cell_len - 1  # one cell between the outlet and the counts
        if room > 0:
            outlet.truncate(room, overflow="ellipsis", pad=True)
            top = Text.assemble(outlet, " ", counts)
        else:
            top = counts
        title = Text(
            literal(article.title, single_line=True) or "(untitled)",
            style=self._kept.component("column-header--title"),
        )
        meta_parts = [
            literal(part, single_line=True)
            for part in (article.published, f"by {article.byline}" if article.byline else "")
            if part
        ]
        meta_parts.append(f"{article.words:,} words")
        if article.decoded_with_replacement:
            meta_parts.append("decoded with replacement")
        meta = Text(" · ".join(meta_parts), style=self._kept.component("column-header--meta"))
        if self.failure:  # before the rest: it must not be cut off
            failure = self._kept.component("column-header--failure")
            meta = Text.assemble(("analysis failed · ", failure), meta)
        return [top, title, meta]


def _strip(text: Text, width: int, base: Style, console: Console, *, margin: int) -> Strip:
    """`text` on one line of `width` cells (cut with an ellipsis, padded), over `base`,
    between margins of `margin` cells."""
    text = text.copy()
    text.truncate(width, overflow="ellipsis", pad=True)
    # The parts' component styles carry the header's own background: `base`'s goes over
    # them (it is another when the header is marked as the focused column's).
    ground = Style(bgcolor=base.bgcolor)
    # `Text.render` leaves out the text's own style (its renderer adds it): added here.
    own = base + console.get_style(text.style) + ground
    edge = Segment(" " * margin, base)
    segments = [
        Segment(segment.text, own + segment.style + ground if segment.style else own)
        for segment in text.render(console)
    ]
    return Strip([edge, *segments, edge], width + 2 * margin)
