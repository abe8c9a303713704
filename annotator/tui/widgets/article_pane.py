"""An article's header and column, stacked: one of the side-by-side panes of the reader."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from textual.app import ComposeResult
from textual.containers import Vertical

from annotator.model import Article, Claim, Sentence
from annotator.tui.widgets.article_column import ArticleColumn
from annotator.tui.widgets.column_header import ColumnHeader


class ArticlePane(Vertical):
    """A `ColumnHeader` over an `ArticleColumn`; the header follows the column's claims.

    The reader marks the header of the current column (`ColumnHeader.set_focused`) rather
    than styling it with `:focus-within`, which makes Textual restyle the whole screen on
    every focus change: a quarter of a second with 200 articles open.
    """

    DEFAULT_CSS = """
    ArticlePane {
        width: 1fr;
        height: 1fr;
        min-width: 40;
    }
    """

    def __init__(
        self,
        article: Article,
        sentences: Sequence[Sentence],
        claims: Iterable[Claim],
        *,
        number: int,
        unread: bool = False,
    ) -> None:
        super().__init__(classes="article-pane")
        self.article = article
        self.number = number
        self.header = ColumnHeader(article, number)
        self.column = ArticleColumn(article, sentences, claims, number=number, unread=unread)
        self.header.set_counts(self.column.counts())

    def compose(self) -> ComposeResult:
        yield self.header
        yield self.column

    def refresh_counts(self) -> None:
        """Update the header's counts from the column's claims."""
        self.header.set_counts(self.column.counts(), self.column.unsaved_count)
