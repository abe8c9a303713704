"""One article as a scrollable column of wrapped sentences, drawn with Textual's line API.

Besides its own cursor and verdicts, a column shows what the rest of the reader points at:
the sentence aligned with the one selected in another column (a `≈` in the gutter and
`$aligned-background`), and the mentions of the entity chosen in the Entities panel
(`$mention-background`).

Only the visible lines are rendered. Wrapping is computed once per width; the rendered
lines of each sentence are cached and a change to one claim (a tag, the cursor) repaints
that sentence alone. Text is never parsed as markup: segments are built from plain strings
that `annotator.tui.literal.literal` has made safe.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import ClassVar, NamedTuple

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.geometry import Region, Size
from textual.message import Message
from textual.reactive import var
from textual.scroll_view import ScrollView
from textual.strip import Strip

from annotator.model import Article, Claim, Sentence, Verdict
from annotator.tui.frames import withdraw_repaint
from annotator.tui.widgets.kept_styles import StyleKeeper
from annotator.tui.widgets.palette import EntityPalette
from annotator.tui.widgets.text_layout import (
    SafeSentence,
    cell_measure,
    paragraph_starts,
    safe_sentence,
    shown_labels,
    wrap_spans,
)

FILTERS = ("all", "tagged", "untagged", "disputed", "check-worthy")
"""The sentence filters `f` cycles through, in order."""

ALIGNED_MARK = "≈"

GUTTER = 2  # the verdict mark and a space
BAR = 1  # the scroll bar's cells, at the right edge
BLANK = -1  # a line between paragraphs
EMPTY = -2  # the line that says the filter hides everything


class _Paint(NamedTuple):
    """What every line of one paint shares (looked up once per paint, not per line)."""

    width: int  # of the text, without the scroll bar
    base: Style
    rows: range  # of the scroll bar's thumb
    track: Segment
    thumb: Segment


def filter_shows(mode: str, claim: Claim | None, check_worthy: bool = False) -> bool:
    """Whether a sentence whose claim is `claim` is shown under the filter `mode`
    (`check_worthy`: whether its check-worthiness score reaches `service.CHECK_WORTHY`)."""
    if mode == "check-worthy":
        return check_worthy
    verdict = claim.verdict if claim is not None else None
    if mode == "tagged":
        return verdict is not None
    if mode == "untagged":
        return verdict is None
    if mode == "disputed":
        return verdict is Verdict.DISPUTED
    return True


def _blank(claim: Claim) -> bool:
    """Whether nothing is left on a claim (cleared: no verdict, note or evidence)."""
    return claim.verdict is None and not claim.note and not claim.evidence_url


def blank_claim(article: Article, sentence: Sentence) -> Claim:
    """A claim on the whole sentence that exists only on screen (never stored)."""
    return Claim(
        id="", article_id=article.id, start=sentence.start, end=sentence.end, quote=sentence.text
    )


class ArticleColumn(ScrollView, can_focus=True, inherit_bindings=False):
    """An article's sentences with a sentence cursor, verdict gutter and entity colours.

    Keys are bound on the main screen, which calls the cursor methods here; the column
    reports cursor moves with `CursorMoved`.
    """

    ALLOW_SELECT = False

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-column--cursor",
        "article-column--cursor-blurred",
        "article-column--confirmed",
        "article-column--disputed",
        "article-column--unverified",
        "article-column--mark-confirmed",
        "article-column--mark-disputed",
        "article-column--mark-unverified",
        "article-column--unsaved",
        "article-column--empty",
        "article-column--aligned",
        "article-column--aligned-mark",
        "article-column--mention",
        "article-column--bar",
        "article-column--bar-thumb",
    }

    DEFAULT_CSS = """
    ArticleColumn {
        height: 1fr;
        overflow-x: hidden;
        overflow-y: scroll;
        scrollbar-size-vertical: 0;  /* drawn by the column itself: see `_bar` */
        background: $surface;
        color: $foreground;
    }
    ArticleColumn > .article-column--bar { background: $scrollbar-background; }
    ArticleColumn > .article-column--bar-thumb { background: $scrollbar; }
    ArticleColumn > .article-column--cursor { background: $sentence-cursor; }
    ArticleColumn > .article-column--cursor-blurred { background: $sentence-cursor-blurred; }
    ArticleColumn > .article-column--confirmed { background: $verdict-confirmed-tint; }
    ArticleColumn > .article-column--disputed { background: $verdict-disputed-tint; }
    ArticleColumn > .article-column--unverified { background: $verdict-unverified-tint; }
    ArticleColumn > .article-column--mark-confirmed { color: $verdict-confirmed; text-style: bold; }
    ArticleColumn > .article-column--mark-disputed { color: $verdict-disputed; text-style: bold; }
    ArticleColumn > .article-column--mark-unverified {
        color: $verdict-unverified;
        text-style: bold;
    }
    ArticleColumn > .article-column--unsaved { color: $unsaved; text-style: bold reverse; }
    ArticleColumn > .article-column--empty { color: $text-muted; text-style: italic; }
    ArticleColumn > .article-column--aligned { background: $aligned-background; }
    ArticleColumn > .article-column--aligned-mark { color: $aligned-mark; text-style: bold; }
    ArticleColumn > .article-column--mention {
        background: $mention-background;
        text-style: bold underline;
    }
    """

    filter_mode: var[str] = var("all")
    highlight: var[bool] = var(True)
    hidden_labels: var[frozenset[str]] = var(frozenset())

    @dataclass
    class CursorMoved(Message):
        """The sentence under the cursor changed (or its claim did)."""

        column: ArticleColumn

        @property
        def control(self) -> ArticleColumn:
            return self.column

    def __init__(
        self,
        article: Article,
        sentences: Sequence[Sentence],
        claims: Iterable[Claim] = (),
        *,
        number: int = 1,
        unread: bool = False,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.unread = unread  # made empty: its sentences are being read (`set_sentences`)
        self._kept = StyleKeeper(self)
        self.article = article
        self.number = number
        self.cursor = 0
        self._palette = EntityPalette()
        self._claims: dict[int, Claim] = {}
        self._unsaved: dict[int, Claim] = {}
        self._errors: dict[int, str] = {}
        self._wraps: dict[int, list[tuple[int, int]]] = {}
        self._strips: dict[int, list[Strip]] = {}
        self._text_width = 0
        self._line_width = 0
        self._visible: list[int] = []
        self._position: dict[int, int] = {}
        # Lines are laid out (sentences wrapped) from the top as far as something needs
        # them: a column of 2,000 sentences wraps one screen before its first paint, not
        # all of them. `_first_line` covers the first `len(_first_line)` shown sentences.
        self._first_line: list[int] = []
        self._line_owner: list[int] = []
        self._line_part: list[int] = []
        self._unlaid_lines = 0  # an estimate of the lines not laid out yet
        self._estimated = False  # whether the height is an estimate (not all laid out)
        self._aligned: int | None = None
        self._mentions: dict[int, tuple[tuple[int, int], ...]] = {}
        self._check_worthy: frozenset[int] | None = None
        self._paint: _Paint | None = None  # what every line of a paint shares
        self._load(sentences)
        for claim in claims:
            index = self.sentence_index_at(claim.start)
            if index is not None:
                self._claims[index] = claim
        self._relayout()

    # -- data --

    def _load(self, sentences: Sequence[Sentence]) -> None:
        self._sentences = list(sentences)
        self._starts = [s.start for s in self._sentences]
        # Made safe when first shown: a column of 2,000 sentences (or 200 columns, most of
        # them never shown) must not pay for all of them before the first paint.
        self._safe: list[SafeSentence | None] = [None] * len(self._sentences)
        self._labels: Counter[str] | None = None
        self._paragraphs = paragraph_starts(self.article.text, self._sentences)
        self._wraps.clear()
        self._strips.clear()

    @property
    def sentences(self) -> Sequence[Sentence]:
        return self._sentences

    def set_sentences(self, sentences: Sequence[Sentence], claims: Iterable[Claim]) -> None:
        """Replace the sentences (e.g. after the model has run), keeping the cursor's place."""
        self.unread = False
        offset = self._sentences[self.cursor].start if self._sentences else 0
        unsaved = [(claim, self._errors.get(index, "")) for index, claim in self._unsaved.items()]
        self._load(sentences)
        self._aligned = None
        self._mentions.clear()
        self._check_worthy = None
        self._claims.clear()
        self._unsaved.clear()
        self._errors.clear()
        for claim in claims:
            index = self.sentence_index_at(claim.start)
            if index is not None:
                self._claims[index] = claim
        for claim, error in unsaved:  # still not saved: keep showing it so
            index = self.sentence_index_at(claim.start)
            if index is not None:
                self._unsaved[index] = claim
                self._errors[index] = error
        self.cursor = self.sentence_index_at(offset) or 0
        self._relayout()
        self._scroll_to_cursor()
        self.refresh()
        self.post_message(self.CursorMoved(self))

    def sentence_index_at(self, offset: int) -> int | None:
        """The index of the sentence holding character `offset` of the article, if any."""
        position = bisect_right(self._starts, offset) - 1
        if position < 0:
            return None
        sentence = self._sentences[position]
        return sentence.index if offset < max(sentence.end, sentence.start + 1) else None

    @property
    def current_sentence(self) -> Sentence | None:
        """The sentence under the cursor, unless the filter hides it (or there is none)."""
        if not self._sentences or self.cursor not in self._position:
            return None
        return self._sentences[self.cursor]

    def stored_claim(self, index: int) -> Claim | None:
        """The claim of sentence `index` as last saved, if it has one."""
        return self._claims.get(index)

    def display_claim(self, index: int) -> Claim | None:
        """The claim as shown: what the user asked for when its save failed, else as saved."""
        return self._unsaved.get(index) or self._claims.get(index)

    def intended(self, index: int) -> Claim:
        """The claim of sentence `index` as shown, or a blank one to base an edit on."""
        return self.display_claim(index) or blank_claim(self.article, self._sentences[index])

    def unsaved_error(self, index: int) -> str:
        """Why the last change to sentence `index` is not saved ("" when it is)."""
        return self._errors.get(index, "")

    @property
    def unsaved_count(self) -> int:
        return len(self._unsaved)

    def counts(self) -> tuple[int, int, int]:
        """Saved claims confirmed, disputed, unverified."""
        tally = Counter(c.verdict for c in self._claims.values() if c.verdict is not None)
        return tally[Verdict.CONFIRMED], tally[Verdict.DISPUTED], tally[Verdict.UNVERIFIED]

    def label_counts(self) -> Counter[str]:
        """How many entities of each label the article has."""
        if self._labels is None:
            self._labels = shown_labels(self._sentences)
        return Counter(self._labels)

    def _safe_at(self, index: int) -> SafeSentence:
        """Sentence `index` made safe to draw (made once, when first needed)."""
        safe = self._safe[index]
        if safe is None:
            safe = self._safe[index] = safe_sentence(self._sentences[index])
        return safe

    def set_claim(self, claim: Claim) -> int | None:
        """Show a saved claim (clearing its unsaved mark); returns its sentence index."""
        index = self.sentence_index_at(claim.start)
        if index is None:
            return None
        self._claims[index] = claim
        self._unsaved.pop(index, None)
        self._errors.pop(index, None)
        self._claim_changed(index)
        return index

    def replace_claims(self, claims: Iterable[Claim]) -> list[int]:
        """Show `claims` as the saved claims (re-read after another instance wrote), repainting
        only the sentences whose claim changed; returns their indexes. Unsaved changes keep
        their mark."""
        fresh: dict[int, Claim] = {}
        for claim in claims:
            index = self.sentence_index_at(claim.start)
            if index is not None:
                fresh[index] = claim
        # A cleared claim (nothing left on it) is not listed by the store: keep ours.
        for index, claim in self._claims.items():
            if index not in fresh and _blank(claim):
                fresh[index] = claim
        changed = sorted(
            index
            for index in set(fresh) | set(self._claims)
            if fresh.get(index) != self._claims.get(index)
        )
        if not changed:
            return []
        self._claims = fresh
        if self.filter_mode != "all":
            self._relayout()
            self._keep_cursor_visible()
            self.refresh()
        else:
            for index in changed:
                self._repaint(index)
        if self.cursor in changed:
            self.post_message(self.CursorMoved(self))
        return changed

    def mark_unsaved(self, index: int, wanted: Claim, error: str) -> None:
        """Show `wanted` on sentence `index`, marked unsaved because of `error`."""
        self._unsaved[index] = wanted
        self._errors[index] = error
        self._claim_changed(index)

    def _claim_changed(self, index: int) -> None:
        if self.filter_mode != "all":
            self._relayout()
            self._keep_cursor_visible()
            self.refresh()
        else:
            self._repaint(index)
        if index == self.cursor:
            self.post_message(self.CursorMoved(self))

    # -- what other parts of the reader point at --

    @property
    def aligned_index(self) -> int | None:
        """The sentence aligned with the one selected in another column, if any."""
        return self._aligned

    def set_aligned(self, index: int | None) -> None:
        """Highlight sentence `index` as aligned (None: no sentence); repaints only the two."""
        old = self._aligned
        if index == old:
            return
        self._aligned = index
        if old is not None:
            self._repaint(old)
        if index is not None:
            self._repaint(index)

    @property
    def mention_indexes(self) -> list[int]:
        """The sentences holding a highlighted mention, in order."""
        return sorted(self._mentions)

    def set_mentions(self, spans: Mapping[int, Sequence[tuple[int, int]]]) -> None:
        """Highlight the character spans (article offsets) of an entity's mentions, by sentence
        index (empty: none); repaints only the sentences that had or get one."""
        fresh: dict[int, tuple[tuple[int, int], ...]] = {}
        for index, pairs in spans.items():
            if not 0 <= index < len(self._sentences):
                continue
            sentence = self._sentences[index]
            safe = self._safe_at(index)
            mapped = sorted(
                (safe.where(start - sentence.start), safe.where(end - sentence.start))
                for start, end in pairs
            )
            fresh[index] = tuple((start, end) for start, end in mapped if end > start)
        touched = set(fresh) | set(self._mentions)
        self._mentions = fresh
        for index in touched:
            self._repaint(index)

    def set_check_worthy(self, indexes: Iterable[int] | None) -> None:
        """The sentences the "check-worthy" filter shows (None: not known yet, none shown)."""
        self._check_worthy = frozenset(indexes) if indexes is not None else None
        if self.filter_mode == "check-worthy":
            self._relayout()
            self._keep_cursor_visible()
            self._scroll_to_cursor()
            self.refresh()

    def is_check_worthy(self, index: int) -> bool:
        return self._check_worthy is not None and index in self._check_worthy

    def sentence_row(self, index: int) -> int | None:
        """Where sentence `index` starts on screen (rows from the top; may be off screen)."""
        position = self._position.get(index)
        if position is None:
            return None
        self._lay_out(position=position)
        if position >= len(self._first_line):
            return None
        return self._first_line[position] - round(self.scroll_y)

    def scroll_sentence_to(self, index: int, row: int) -> bool:
        """Scroll so that sentence `index` starts `row` rows from the top (as near as the
        scroll range allows, and wholly in view when it fits); False if it is not shown."""
        position = self._position.get(index)
        height = self.scrollable_content_region.height
        if position is None or height <= 0:
            return False
        self._lay_out(position=position)
        if position >= len(self._first_line):
            return False
        top = self._first_line[position]
        lines = len(self._wrap(index))
        row = max(0, min(row, height - min(lines, height)))
        max_scroll = max(0, self.virtual_size.height - height)
        y = max(0, min(max_scroll, top - row))
        if y != round(self.scroll_y):
            self.scroll_to(y=y, animate=False)
        return True

    # -- cursor --

    def select(self, index: int) -> bool:
        """Put the cursor on sentence `index`; False if there is none or the filter hides it."""
        if index not in self._position:
            return False
        self._set_cursor(index)
        return True

    def is_visible(self, index: int) -> bool:
        """Whether sentence `index` is shown under the current filter."""
        return index in self._position

    def move_cursor(self, delta: int) -> None:
        """Move the cursor `delta` shown sentences down (negative: up)."""
        if not self._visible:
            return
        position = self._position.get(self.cursor, 0)
        position = max(0, min(len(self._visible) - 1, position + delta))
        self._set_cursor(self._visible[position], jump=True)

    def cursor_home(self) -> None:
        if self._visible:
            self._set_cursor(self._visible[0])

    def cursor_end(self) -> None:
        if self._visible:
            self._set_cursor(self._visible[-1])

    def page(self, direction: int) -> None:
        """Scroll a page down (1) or up (-1), the cursor keeping its place on the screen."""
        if not self._visible or self.cursor not in self._position:
            return
        height = max(1, self.scrollable_content_region.height)
        self._lay_out(position=self._position[self.cursor])
        if self._position[self.cursor] >= len(self._first_line):
            return
        top = self._first_line[self._position[self.cursor]]
        row = top - round(self.scroll_y)
        max_scroll = max(0, self.virtual_size.height - height)
        scroll = max(0, min(max_scroll, round(self.scroll_y) + direction * height))
        self._lay_out(line=scroll + 2 * height)
        target = self._owner_near(max(0, min(len(self._line_owner) - 1, scroll + row)))
        if target == self.cursor:
            self.move_cursor(direction)
            return
        self.scroll_to(y=scroll, animate=False)
        self._set_cursor(target)

    def _owner_near(self, line: int) -> int:
        """The sentence on `line`, or on the nearest sentence line below (else above) it."""
        owners = self._line_owner
        for y in range(line, len(owners)):
            if owners[y] >= 0:
                return owners[y]
        for y in range(line, -1, -1):
            if owners[y] >= 0:
                return owners[y]
        return self.cursor

    def _set_cursor(self, index: int, *, jump: bool = False) -> None:
        old = self.cursor
        self.cursor = index
        if old != index:
            self._repaint(old)
            self._repaint(index)
        self._scroll_to_cursor(jump=jump)
        self.post_message(self.CursorMoved(self))

    def _keep_cursor_visible(self) -> None:
        """After a filter change: move the cursor to the nearest shown sentence."""
        if self.cursor in self._position or not self._visible:
            return
        after = [i for i in self._visible if i > self.cursor]
        old = self.cursor
        self.cursor = after[0] if after else self._visible[-1]
        # Their cached lines were drawn with the cursor elsewhere.
        self._strips.pop(old, None)
        self._strips.pop(self.cursor, None)
        self.post_message(self.CursorMoved(self))

    def _scroll_to_cursor(self, *, jump: bool = False) -> None:
        """Scroll the cursor's sentence into view, as little as it takes; with `jump` (a
        move by the cursor keys), a third of a screen further."""
        position = self._position.get(self.cursor)
        height = self.scrollable_content_region.height
        if position is None or height <= 0:
            return
        self._lay_out(position=position)
        if position >= len(self._first_line):
            return
        top = self._first_line[position]
        bottom = top + len(self._wraps[self.cursor])
        y = round(self.scroll_y)
        if jump and (top < y or bottom > y + height):
            # Moved out of view by the cursor keys: scroll a third of a screen further than
            # it takes, so that the sentence lands a third of the way in from the edge it
            # left by (one too tall for the screen, at the top). Reading down, the next
            # sentences are then in view already and the last ones stay above; the column
            # scrolls on one move in several rather than on each (a scroll draws the whole
            # column again: the costliest frame a cursor move makes).
            y = top - height // 3 if top >= y else bottom - height + height // 3
            y = max(min(y, top), bottom - height) if bottom - top <= height else top
        elif top < y:
            y = top
        elif bottom > y + height:
            y = min(top, bottom - height)
        if y != round(self.scroll_y):
            self.scroll_to(y=y, animate=False)

    # -- events --

    def on_resize(self, event: events.Resize) -> None:
        if self._line_width != self.scrollable_content_region.width - BAR:
            self._relayout()
        else:  # (laid out at this width by the first paint): what a taller column shows
            height = max(1, self.scrollable_content_region.height)
            self._lay_out(line=round(self.scroll_y) + 2 * height)
        self._scroll_to_cursor()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        # Lay out what comes into view (and a screen more) before it is drawn.
        height = max(1, self.scrollable_content_region.height)
        self._lay_out(line=round(new_value) + 2 * height)
        # Not `ScrollView.watch_scroll_y`: it also moves Textual's own scroll bar (zero
        # wide here: the column draws its own), and that bar's refresh made the compositor
        # rebuild the whole screen's map on every scroll.
        if round(old_value) != round(new_value):
            self.refresh(self.size.region)

    # Only the cursor's lines change with the focus. Textual's own handlers (`Widget.
    # _on_focus`, `_on_blur`, `watch_has_focus`) restyle the widget, for `:focus` rules
    # (none applies to a column), and repaint all of it: that was most of the cost of
    # moving to the next column. These do what they do, but repaint the cursor only.

    def watch_has_focus(self, has_focus: bool) -> None:
        """No restyle: no style of a column depends on the focus."""

    def on_focus(self, event: events.Focus) -> None:
        event.prevent_default()  # not `Widget._on_focus`
        self.has_focus = True
        if self.parent is not None:
            self.parent.post_message(events.DescendantFocus(self))
        self._repaint(self.cursor)

    def on_blur(self, event: events.Blur) -> None:
        event.prevent_default()  # not `Widget._on_blur`
        self.has_focus = False
        if self.parent is not None:
            self.parent.post_message(events.DescendantBlur(self))
        self._repaint(self.cursor)

    def on_click(self, event: events.Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.x >= self.scrollable_content_region.width - BAR:  # on the scroll bar
            self._scroll_bar_to(offset.y)
            return
        line = offset.y + round(self.scroll_y)
        if 0 <= line < len(self._line_owner) and self._line_owner[line] >= 0:
            self._set_cursor(self._line_owner[line])

    def _scroll_bar_to(self, row: int) -> None:
        """Scroll so that the thumb is centred on `row` of the scroll bar, as far as it goes."""
        height = self.scrollable_content_region.height
        total = self.virtual_size.height
        if total <= height or height <= 1:
            return
        self.scroll_to(y=round(row * (total - height) / (height - 1)), animate=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._kept.clear()
        self._strips.clear()

    def watch_filter_mode(self, old: str, new: str) -> None:
        if old == new:  # (bound to the reader's filter: set once at the start)
            return
        self._relayout()
        self._keep_cursor_visible()
        self._scroll_to_cursor()
        self.refresh()

    def watch_highlight(self) -> None:
        self._strips.clear()
        self.refresh()

    def watch_hidden_labels(self) -> None:
        self._strips.clear()
        self.refresh()

    # -- layout --

    def _wrap(self, index: int) -> list[tuple[int, int]]:
        lines = self._wraps.get(index)
        if lines is None:
            lines = self._wraps[index] = wrap_spans(self._safe_at(index).text, self._text_width)
        return lines

    def _relayout(self) -> None:
        """Recompute which sentences show and where; rewrap only if the width changed.

        Which sentences show does not depend on the size, so a column that has not been
        laid out yet (off screen) still knows them and can take the cursor.
        """
        mode = self.filter_mode
        worthy = self._check_worthy or frozenset()
        if mode == "all":
            self._visible = [s.index for s in self._sentences]
        else:
            self._visible = [
                s.index
                for s in self._sentences
                if filter_shows(mode, self.display_claim(s.index), s.index in worthy)
            ]
        self._position = {index: position for position, index in enumerate(self._visible)}
        width = self.scrollable_content_region.width - BAR
        if width <= GUTTER:  # hidden or not laid out yet: lines wait for the next resize
            self._line_width = 0
            self._first_line, self._line_owner, self._line_part = [], [], []
            return
        if width != self._line_width:
            self._line_width = width
            self._strips.clear()
        if width - GUTTER - 1 != self._text_width:
            self._text_width = width - GUTTER - 1  # one cell of air before the scrollbar
            self._wraps.clear()
        self._first_line, self._line_owner, self._line_part = [], [], []
        self._estimated = False
        if not self._visible:
            self._line_owner, self._line_part = [EMPTY], [0]
        self._unlaid_lines = self._estimated_total()
        height = max(1, self.scrollable_content_region.height)
        self._lay_out(
            position=self._position.get(self.cursor, 0), line=round(self.scroll_y) + 2 * height
        )

    @property
    def _laid_out(self) -> bool:
        return len(self._first_line) >= len(self._visible)

    def _lay_out(self, *, position: int = -1, line: int = -1) -> None:
        """Lay out lines until shown sentence `position` and line `line` are laid out (or
        every sentence is), and set the height: the lines laid out and an estimate of the
        rest. Lines already laid out never move, so the scroll position stays right."""
        if self._line_width == 0 or (
            self._laid_out and self.virtual_size.height == len(self._line_owner)
        ):
            return  # (nothing left to lay out: what most calls find)
        visible, first, owners, parts = (
            self._visible, self._first_line, self._line_owner, self._line_part
        )  # fmt: skip
        mode, paragraphs = self.filter_mode, self._paragraphs
        laid = len(first)
        while laid < len(visible) and (laid <= position or len(owners) <= line):
            index = visible[laid]
            if laid and (mode != "all" or index in paragraphs):
                owners.append(BLANK)
                parts.append(0)
            first.append(len(owners))
            count = len(self._wrap(index))
            owners.extend([index] * count)
            parts.extend(range(count))
            self._unlaid_lines -= self._estimated_lines(laid)
            laid += 1
        height = len(owners)
        if laid < len(visible):
            # Until all is laid out, the height is an estimate, kept while it holds: every
            # change of it lays out the whole screen again.
            estimate = self.virtual_size.height
            if not self._estimated or height >= estimate:
                estimate = height + self._unlaid_lines
            self._estimated = True
            height = estimate
        else:
            self._estimated = False
        self.virtual_size = Size(self._line_width + BAR, height)

    def _estimated_total(self) -> int:
        """`_estimated_lines` of every shown sentence, summed (one pass: 2,000 sentences)."""
        sentences, width = self._sentences, self._text_width
        lines = sum(_lines_of(len(sentences[index].text), width) for index in self._visible)
        if self.filter_mode != "all":
            return lines + max(0, len(self._visible) - 1)
        return lines + sum(1 for index in self._visible[1:] if index in self._paragraphs)

    def _estimated_lines(self, position: int) -> int:
        """About how many lines shown sentence `position` takes, with the blank before it."""
        index = self._visible[position]
        blank = position > 0 and (self.filter_mode != "all" or index in self._paragraphs)
        return _lines_of(len(self._sentences[index].text), self._text_width) + blank

    def _lay_out_all(self) -> None:
        self._lay_out(position=len(self._visible))

    def _repaint(self, index: int) -> None:
        """Forget the rendered lines of sentence `index` and redraw them."""
        self._strips.pop(index, None)
        position = self._position.get(index)
        if position is not None and position < len(self._first_line) and index in self._wraps:
            self.refresh_lines(self._first_line[position], len(self._wraps[index]))

    # -- rendering --

    def render_lines(self, crop: Region) -> list[Strip]:
        if self._line_width != self.scrollable_content_region.width - BAR:
            # Shown (or resized) since the last paint: lay out now, not when the Resize
            # event comes, after this frame (which would show the column blank first).
            self._relayout()
            self._scroll_to_cursor()
            # Its new size made the screen draw all of it, in this frame, laid out as it is
            # now: the repaint that laying out asked for would draw it again a frame later.
            withdraw_repaint(self)
        # The base style walks every ancestor's styles: once per paint, not once per line.
        self._paint = self._paint_state()
        try:
            return super().render_lines(crop)
        finally:
            self._paint = None

    def _paint_state(self) -> _Paint:
        width = self.scrollable_content_region.width - BAR
        track = Segment(" ", self._kept.component("article-column--bar"))
        thumb = Segment(" ", self._kept.component("article-column--bar-thumb"))
        return _Paint(width, self._kept.base(), self._thumb(), track, thumb)

    def _thumb(self) -> range:
        """The rows of the scroll bar's thumb (none when everything fits)."""
        height = self.scrollable_content_region.height
        total = self.virtual_size.height
        if total <= height or height <= 0:
            return range(0)
        size = max(1, round(height * height / total))
        top = round(round(self.scroll_y) * (height - size) / (total - height))
        return range(top, top + size)

    def render_line(self, y: int) -> Strip:
        paint = self._paint or self._paint_state()
        bar = paint.thumb if y in paint.rows else paint.track
        text = self._text_line(y, paint.width, paint.base)
        # Not `Strip.join`: it measures every segment again (a third of a paint's time).
        return Strip([*text, bar], text.cell_length + BAR)

    def _text_line(self, y: int, width: int, base: Style) -> Strip:
        line = y + round(self.scroll_y)
        if line >= len(self._line_owner) and not self._laid_out:  # (not expected)
            self._lay_out(line=line)
        if not 0 <= line < len(self._line_owner) or width != self._line_width:
            return Strip.blank(width, base)
        owner = self._line_owner[line]
        if owner == BLANK:
            return Strip.blank(width, base)
        if owner == EMPTY:
            return self._empty_line(width, base)
        strips = self._strips.get(owner)
        if strips is None:
            strips = self._strips[owner] = self._render_sentence(owner, width, base)
        return strips[self._line_part[line]]

    def _empty_line(self, width: int, base: Style) -> Strip:
        mode = self.filter_mode
        if self.unread:
            label = "loading…"
        elif mode == "check-worthy" and self._check_worthy is None:
            label = "check-worthiness not known yet: comparing outlets… (f: filter)"
        else:
            what = mode if mode != "all" else ""
            label = f"no {what} sentences (f: filter)".replace("  ", " ")
        style = self._kept.component("article-column--empty")
        return Strip([Segment(" " * GUTTER, base), Segment(label, style)]).adjust_cell_length(
            width, base
        )

    def _line_style(self, index: int, claim: Claim | None, base: Style) -> Style:
        # The focused cursor first, then the aligned highlight (it is what the user looks
        # for in this column), then this column's own (blurred) cursor, then the verdict.
        if index == self.cursor and self.has_focus:
            return self._kept.component("article-column--cursor")
        if index == self._aligned:
            return self._kept.component("article-column--aligned")
        if index == self.cursor:
            return self._kept.component("article-column--cursor-blurred")
        if claim is not None and claim.verdict is not None:
            return self._kept.component(f"article-column--{claim.verdict.value}")
        return base

    def _gutter(self, index: int, claim: Claim | None, style: Style) -> Segment:
        if index in self._unsaved:
            unsaved = self._kept.component("article-column--unsaved", partial=True)
            return Segment("!", style + unsaved)
        if claim is None or claim.verdict is None:
            return Segment(" ", style)
        mark = self._kept.component(f"article-column--mark-{claim.verdict.value}", partial=True)
        return Segment(claim.verdict.symbol, style + mark)

    def _render_sentence(self, index: int, width: int, base: Style) -> list[Strip]:
        safe = self._safe_at(index)
        text = safe.text
        claim = self.display_claim(index)
        style = self._line_style(index, claim, base)
        runs: list[tuple[int, int, Style]] = []
        if self.highlight:
            self._palette.update(self.app.theme, self.app.theme_variables)
            hidden = self.hidden_labels
            runs = [
                (start, end, style + self._palette.style(label))
                for start, end, label in safe.entities
                if label not in hidden
            ]
        mentions = self._mentions.get(index)
        if mentions:
            mark = self._kept.component("article-column--mention", partial=True)
            runs = _overlay(runs, mentions, style, mark)
        second = Segment(" ", style)
        if index == self._aligned:
            aligned = self._kept.component("article-column--aligned-mark", partial=True)
            second = Segment(ALIGNED_MARK, style + aligned)
        strips: list[Strip] = []
        measure = cell_measure(text)
        first = 0  # the first run that may touch the current line
        for number, (start, end) in enumerate(self._wrap(index)):
            segments = [
                self._gutter(index, claim, style) if number == 0 else Segment(" ", style),
                second if number == 0 else Segment(" ", style),
            ]
            position = start
            while first < len(runs) and runs[first][1] <= start:
                first += 1
            for run_start, run_end, run_style in runs[first:]:
                if run_start >= end:
                    break
                run_start, run_end = max(run_start, start), min(run_end, end)
                if run_start > position:
                    segments.append(Segment(text[position:run_start], style))
                segments.append(Segment(text[run_start:run_end], run_style))
                position = run_end
            if position < end:
                segments.append(Segment(text[position:end], style))
            # Padded here, to a strip of known length: one Strip per line, not two.
            padding = width - GUTTER - measure(text[start:end])
            if padding >= 0:
                segments.append(Segment(" " * padding, style))
                strips.append(Strip(segments, width))
            else:
                strips.append(Strip(segments).adjust_cell_length(width, style))
        return strips

    def rendered_text(self) -> list[str]:
        """Every line of the column as plain text (for tests and accessibility checks)."""
        width = self._line_width
        base = Style()
        lines: list[str] = []
        self._lay_out_all()
        for line, owner in enumerate(self._line_owner):
            if owner < 0:
                lines.append("" if owner == BLANK else self._empty_line(width, base).text.rstrip())
                continue
            strips = self._strips.get(owner) or self._render_sentence(owner, width, base)
            lines.append(strips[self._line_part[line]].text.rstrip())
        return lines


def _lines_of(length: int, width: int) -> int:
    """About how many lines a text of `length` characters wraps to in `width` cells: a line
    holds about 92 % of the width once words are wrapped."""
    return length * 100 // (92 * max(1, width)) + 1


def _overlay(
    runs: Sequence[tuple[int, int, Style]],
    spans: Sequence[tuple[int, int]],
    base: Style,
    mark: Style,
) -> list[tuple[int, int, Style]]:
    """Entity `runs` (sorted, not overlapping) with `mark` added over `spans`: sorted,
    non-overlapping runs cut at every boundary of either."""
    edges = sorted(
        {edge for start, end, _ in runs for edge in (start, end)}
        | {edge for start, end in spans for edge in (start, end)}
    )
    result: list[tuple[int, int, Style]] = []
    for start, end in pairwise(edges):
        style = next((s for a, b, s in runs if a <= start and end <= b), None)
        marked = any(a <= start and end <= b for a, b in spans)
        if style is None and not marked:
            continue
        shown = style or base
        result.append((start, end, shown + mark if marked else shown))
    return result
