"""A modal full-text search over sentences and notes, results listed as the user types."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from annotator.service import SearchHit
from annotator.tui.frames import take_pending_repaints
from annotator.tui.literal import literal
from annotator.tui.screens.fields import PrintableInput

SNIPPET_WIDTH = 120  # characters of a long snippet kept around its first match
LISTED = 50
"""Hits listed as the user types (every hit is kept: `]` and `[` step through them all
after enter). Listing each costs a wrapped layout per keystroke: 200 took 70 ms."""
MATCH_STYLE = "bold underline"


@dataclass(frozen=True)
class SearchResult:
    """The query searched, all its hits (for next/previous match), and the index of the pick."""

    query: str
    hits: tuple[SearchHit, ...]
    chosen: int

    @property
    def hit(self) -> SearchHit:
        """The hit the user picked."""
        return self.hits[self.chosen]


def words_pattern(query: str) -> re.Pattern[str] | None:
    """A case-insensitive pattern matching any word of `query` (longest first), or None."""
    words = sorted({literal(w) for w in query.split()}, key=len, reverse=True)
    if not words:
        return None
    return re.compile("|".join(re.escape(w) for w in words), re.IGNORECASE)


def snippet_text(snippet: str, pattern: re.Pattern[str] | None) -> Text:
    """`snippet` on one line, cut to a window around its first match, matches emphasised."""
    plain = literal(snippet, single_line=True).strip()
    if len(plain) > SNIPPET_WIDTH:
        first = pattern.search(plain) if pattern else None
        start = max(0, (first.start() if first else 0) - SNIPPET_WIDTH // 4)
        end = min(len(plain), start + SNIPPET_WIDTH)
        start = max(0, end - SNIPPET_WIDTH)
        plain = ("…" if start else "") + plain[start:end] + ("…" if end < len(plain) else "")
    text = Text(plain)
    if pattern is not None:
        text.highlight_regex(pattern, MATCH_STYLE)
    return text


def count_line(query: str, n: int) -> str:
    """The line above the results: how many hits `query` has (and how many are listed)."""
    if not query:
        return "type to search articles and notes"
    found = "1 match" if n == 1 else f"{n:,} matches"
    return f"{found}, the first {LISTED} listed" if n > LISTED else found


class SearchScreen(ModalScreen[SearchResult | None]):
    """Search as you type; enter picks the first hit (from the input) or the highlighted one."""

    DEFAULT_CSS = """
    SearchScreen {
        align: center top;
        background: $background;
    }
    SearchScreen > #search {
        width: 90%;
        max-width: 140;
        height: 80%;
        margin-top: 2;
        padding: 0 1;
        border: round $primary;
        background: $surface;
    }
    SearchScreen #search-count {
        color: $text-muted;
    }
    SearchScreen #search-results {
        height: 1fr;
        scrollbar-gutter: stable;  /* as wide with or without hits to scroll: no relayout */
    }
    SearchScreen .modal-hint {
        color: $text-muted;
    }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="search.cancel"),
        # Reached only from the input: the result list handles its own up/down.
        Binding("down", "results('first')", "Results", id="search.results_down", show=False),
        Binding("up", "results('last')", "Results", id="search.results_up", show=False),
    ]

    def __init__(
        self,
        search: Callable[[str], Sequence[SearchHit]],
        describe: Callable[[str], str],
        query: str = "",
    ) -> None:
        super().__init__()
        self._search = search
        self._describe = describe
        self._initial = query
        self._searched: str | None = None
        self._hits: tuple[SearchHit, ...] = ()
        self._labels: dict[str, str] = {}
        self._counted = ""  # the count line shown
        # The hits listed (with their articles' labels) and the query they are shown for.
        self._listed: tuple[list[tuple[SearchHit, str]], str] = ([], "")

    @property
    def hits(self) -> tuple[SearchHit, ...]:
        """The hits listed now."""
        return self._hits

    @property
    def searched(self) -> str:
        """The query the listed hits answer ("" before any search)."""
        return self._searched or ""

    def compose(self) -> ComposeResult:
        with Vertical(id="search"):
            yield PrintableInput(
                literal(self._initial, single_line=True),
                placeholder="search articles and notes",
                id="search-input",
            )
            yield Static(Text(""), id="search-count", markup=False)
            yield OptionList(markup=False, id="search-results")
            yield Static(
                Text("enter open · ↓ results · escape cancel"), classes="modal-hint", markup=False
            )

    def on_mount(self) -> None:
        search_input = self.query_one("#search-input", Input)
        search_input.focus()
        # Searched as the value changes, in the key's own handler, not when the input's
        # Changed message comes: then the letter typed and its hits are drawn in one frame
        # (the letter alone was drawn first, and the hits a screen tick or two later).
        self.watch(search_input, "value", self._run, init=False)
        self._run(search_input.value)

    def reopen(self, query: str) -> None:
        """Get ready to be shown again (the reader keeps one search screen): `query` in the
        input, selected (typing replaces it, as in a new one), and its hits searched afresh
        now, before the screen is shown (notes and columns may have changed), so that its
        first frame lists them."""
        self._initial = query
        self._labels.clear()
        self._searched = None
        if self.is_mounted:
            search_input = self.query_one("#search-input", Input)
            search_input.value = literal(query, single_line=True)
            search_input.select_all()
            search_input.focus()
            self._run(search_input.value)

    def _compositor_refresh(self) -> None:
        take_pending_repaints(self)  # the list's scroll bar in the list's frame (see `frames`)
        super()._compositor_refresh()

    def _label(self, article_id: str) -> str:
        if article_id not in self._labels:
            self._labels[article_id] = literal(self._describe(article_id), single_line=True)
        return self._labels[article_id]

    def _prompt(self, hit: SearchHit, pattern: re.Pattern[str] | None) -> Text:
        where = "note" if hit.kind == "note" else f"S{hit.sentence_index + 1}"
        parts: list[str | tuple[str, str]] = [(self._label(hit.article_id), "bold"), " · "]
        if hit.kind == "note" or hit.sentence_index >= 0:
            parts += [where, " · "]
        return Text.assemble(*parts, snippet_text(hit.snippet, pattern))

    def _run(self, value: str) -> None:
        """Search for `value` unless it is what the list already answers. The count and the
        list are replaced only if they change: relisting the same hits lays the list out
        again and draws it twice (its scroll bar comes a frame later)."""
        query = value.strip()
        if query == self._searched:
            return
        self._searched = query
        try:
            self._hits = tuple(self._search(query)) if query else ()
        except Exception as error:  # a failed search must not close the app
            self._hits = ()
            counted = literal(f"search failed: {error}", single_line=True)
        else:
            counted = count_line(query, len(self._hits))
        if counted != self._counted:
            self._counted = counted
            self.query_one("#search-count", Static).update(Text(counted))
        listed = [(hit, self._label(hit.article_id)) for hit in self._hits[:LISTED]]
        if (listed, query) == self._listed:
            return
        self._listed = (listed, query)
        pattern = words_pattern(query)
        results = self.query_one("#search-results", OptionList)
        results.set_options(
            Option(self._prompt(hit, pattern), id=str(i)) for i, (hit, _) in enumerate(listed)
        )
        # Laid out now, not at the list's next paint: that sets its height while the frame
        # is drawn, which asks for another frame (the hits were drawn a second time).
        results._update_lines()

    def _choose(self, index: int) -> None:
        self.dismiss(SearchResult(self.searched, self._hits, index))

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self._run(event.value)
        if self._hits:
            self._choose(0)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        self._choose(event.option_index)

    def action_results(self, where: str) -> None:
        """Move from the input into the results, on the first or the last hit."""
        results = self.query_one("#search-results", OptionList)
        if not self._hits or results.has_focus:
            return
        results.focus()
        results.highlighted = 0 if where == "first" else results.option_count - 1

    def action_cancel(self) -> None:
        """Close without a result."""
        self.dismiss(None)
