"""Reading the columns' sentences: those in view before the first paint, the rest just after.

A story of 20 articles of 50,000 words holds 40,000 sentences; reading them all from the
store (about 50 ms an article) before the first frame made the reader wait seconds for
columns that are not on screen. The columns in view, and then more while their text is
small, are read before the first paint; the others are made empty ("loading…") and read
by a worker right after it. A column needed before the worker reaches it (moved to,
searched, tagged through another) is read at once, on the spot.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from textual.message import Message

from annotator.model import Article, Claim, Sentence
from annotator.tui.widgets.columns_row import MIN_COLUMN_WIDTH

if TYPE_CHECKING:
    from annotator.service import Service
    from annotator.tui.screens.main import MainScreen
    from annotator.tui.widgets.article_pane import ArticlePane

LOAD_AT_ONCE_CHARS = 200_000
"""Beyond the columns in view, articles are read before the first paint while their text
is under this many characters in all (the five seeds are about 20,000)."""
LOAD_BATCH = 8
"""Articles read by the worker per message to the screen."""


@dataclass(frozen=True)
class LoadedArticle:
    """An article with what its column shows, read from the store."""

    article: Article
    sentences: list[Sentence]
    claims: list[Claim]


def load(service: Service, article: Article) -> LoadedArticle:
    return LoadedArticle(article, service.sentences(article.id), service.claims(article.id))


def read_first(articles: Sequence[Article], width: int) -> list[Article]:
    """The articles to read before the first paint, on a screen `width` cells wide: those
    in view, then the next ones while their text stays under `LOAD_AT_ONCE_CHARS`."""
    in_view = max(1, width // MIN_COLUMN_WIDTH)
    budget = LOAD_AT_ONCE_CHARS
    first: list[Article] = []
    for position, article in enumerate(articles):
        budget -= len(article.text)
        if position >= in_view and budget < 0:
            break
        first.append(article)
    return first


@dataclass
class Loaded(Message):
    """The loading worker has read `loaded`; `done` when it has read every column."""

    loaded: list[LoadedArticle]
    done: bool


class ColumnLoader:
    """The columns of a `MainScreen` still to read, and the worker that reads them."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self._unread: set[str] = set()  # ids of the articles whose column is still empty

    @property
    def reading(self) -> bool:
        """Whether some column is still empty."""
        return bool(self._unread)

    def start(self, unread: Sequence[Article]) -> None:
        """Read the articles `unread` (made empty) in a worker; when there are none, the
        screen carries on at once (`MainScreen.all_read`)."""
        self._unread = {article.id for article in unread}
        if not unread:
            self.screen.all_read()
            return
        self.screen.run_worker(
            partial(self._read, list(unread)),
            name="load",
            group="load",
            thread=True,
            exclusive=True,
            exit_on_error=False,
        )

    def _read(self, articles: list[Article]) -> None:
        """In the worker's thread: read the articles in batches, posting each."""
        service = self.screen.service
        for start in range(0, len(articles), LOAD_BATCH):
            if self.screen.closed_down:
                return
            batch = [load(service, article) for article in articles[start : start + LOAD_BATCH]]
            self.screen.post_message(Loaded(batch, start + LOAD_BATCH >= len(articles)))

    def on_loaded(self, message: Loaded) -> None:
        for item in message.loaded:
            self.fill(item)
        if message.done:
            self.screen.update_labels()  # (counted at first for the columns read then)
            self.screen.all_read()

    def fill(self, item: LoadedArticle) -> None:
        """Give an empty column its sentences and claims (nothing if it has them)."""
        if item.article.id not in self._unread:
            return
        index = self.screen.pane_index(item.article.id)
        if index is not None:
            self._unread.discard(item.article.id)
            pane = self.screen.panes[index]
            pane.column.set_sentences(item.sentences, item.claims)
            pane.refresh_counts()

    def ensure(self, pane: ArticlePane) -> None:
        """Read `pane`'s column now if it is still empty (it is needed before the worker
        reaches it)."""
        if pane.article.id in self._unread:
            self.fill(load(self.screen.service, pane.article))
