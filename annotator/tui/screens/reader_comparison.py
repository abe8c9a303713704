"""What the reader does with the comparison of the outlets, for the main screen.

`ComparisonView` holds the comparison once the screen's worker has computed it, and what
the reader shows of it: the aligned sentences marked in the other columns (and sync
scroll), the Discrepancies and Entities panels and where they lead, the highlighted
entity's mentions that `]`/`[` step through, `a` (a verdict to the aligned sentences), the
check-worthy sets of the filter and the inspector's comparison sections. The screen keeps
the bindings, the worker and the messages, and delegates here.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from annotator.model import Article
from annotator.service import ClaimConflict, ServiceError, StoreError
from annotator.tui.comparing import (
    AUTO_COMPARE_SENTENCES,
    DiscrepancyRow,
    Place,
    check_worthy_indexes,
    comparison_info,
    discrepancy_rows,
    entity_rows,
    mention_spans,
)
from annotator.tui.heap import settle
from annotator.tui.outlets import outlet_label, outlet_parts
from annotator.tui.widgets.inspector import ComparisonInfo

if TYPE_CHECKING:
    from annotator.compare import Comparison, MergedEntity
    from annotator.tui.screens.main import MainScreen


def plural(count: int, noun: str, plural: str = "") -> str:
    """ "1 article", "2 articles" ("2 discrepancies" with `plural`)."""
    return f"{count} {noun if count == 1 else plural or noun + 's'}"


class ComparisonView:
    """The comparison of the outlets as the main screen shows it (see the module doc)."""

    def __init__(self, screen: MainScreen) -> None:
        self.screen = screen
        self.comparison: Comparison | None = None
        self.comparing = False  # the worker runs
        self._after: list[Callable[[], Any]] = []  # to run once the comparison is ready
        self._aligned: dict[int, int] = {}  # pane index -> its aligned sentence
        self.entity: MergedEntity | None = None  # highlighted by the Entities panel
        self.mention_targets: list[tuple[int, int]] = []  # (pane, sentence), in order
        self._mentioned: set[int] = set()  # panes showing the entity's mentions
        self.discrepancies: list[DiscrepancyRow] = []
        self.discrepancy = 0  # the discrepancy last gone to

    # -- the worker's life

    def start(self, *, auto: bool = False) -> bool:
        """Compare the outlets in the screen's worker (unless it runs already). With `auto`,
        a corpus larger than `AUTO_COMPARE_SENTENCES` only gets the comparison the database
        has stored for it, if any (no computing unasked)."""
        screen = self.screen
        if self.comparing or not screen.panes:
            return self.comparing
        stored_only = auto and self._sentences() > AUTO_COMPARE_SENTENCES
        self.comparing = True
        what = "looking for a stored comparison…" if stored_only else "comparing the outlets…"
        screen.status.show_progress(what, busy=True)
        screen.update_inspector()
        # After the screen has been painted: the first frame never waits for the worker.
        screen.call_after_refresh(partial(screen.compare, stored_only=stored_only))
        return True

    def _sentences(self) -> int:
        return sum(len(column.sentences) for column in self.screen.columns)

    def forget(self) -> None:
        """The sentences changed (the model has run): what was compared is of the old ones."""
        self.comparison = None
        self._aligned = {}
        self.highlight_entity(None, quiet=True)

    def failed(self) -> None:
        self.comparing = False
        self._after.clear()

    def ready(self, comparison: Comparison | None, model_note: str) -> None:
        """The worker's result: check-worthy sets to the columns, marks, queued actions.
        None: a large corpus with no stored comparison (it is computed when asked for)."""
        screen = self.screen
        self.comparing = False
        if comparison is None:
            total = f"{self._sentences():,} sentences: D, E or a compares the outlets"
            screen.status.show_progress(f"{model_note} · {total}" if model_note else total)
            screen.update_inspector()
            if self._after:  # asked for while we looked: compute it now
                self.start()
            return
        self.comparison = comparison
        for pane in screen.panes:
            column = pane.column
            column.set_check_worthy(
                check_worthy_indexes(comparison, pane.article.id, len(column.sentences))
            )
        count = len(comparison.discrepancies())
        found = f"outlets compared: {plural(count, 'discrepancy', 'discrepancies')}"
        screen.status.show_progress(f"{model_note} · {found}" if model_note else found)
        self.update_aligned()
        screen.update_inspector()
        settle()  # the comparison is built
        pending, self._after = self._after, []
        for then in pending:
            then()

    def need(self, then: Callable[[], Any] | None, what: str) -> Comparison | None:
        """The comparison if it is ready; else start it (unless the model still runs), say
        so, and run `then` once it is ready."""
        if self.comparison is not None:
            return self.comparison
        if then is not None and then not in self._after:
            self._after.append(then)
        if self.screen.analysing:
            self.screen.status.show(f"the language model is still running: {what} after it")
        else:
            self.start()
            self.screen.status.show(f"comparing the outlets: {what} when it is done")
        return None

    # -- naming and the inspector

    def place(self, article_id: str, index: int) -> Place:
        """A sentence of the comparison as the reader names it (column, outlet, text)."""
        screen = self.screen
        comparison = self.comparison
        found = screen.pane_index(article_id)
        if found is not None:
            article = screen.panes[found].article
        elif comparison is not None:
            article = comparison.article(article_id)
        else:
            article = Article(id=article_id, text="", title="")
        text = ""
        if comparison is not None and 0 <= index < len(comparison.sentences(article_id)):
            text = comparison.sentence(article_id, index).text
        column = found + 1 if found is not None else 0
        return Place(article_id, index, column, outlet_parts(article), text)

    def info(self, article_id: str, index: int) -> ComparisonInfo:
        """What the inspector shows of the comparison for one sentence."""
        if self.comparison is not None:
            return comparison_info(self.comparison, article_id, index, self.place)
        if self.comparing or self.screen.analysing:
            return ComparisonInfo(pending="comparing the outlets…")
        return ComparisonInfo(pending="outlets not compared yet: D, E or a compares them")

    # -- aligned sentences and sync scroll

    def update_aligned(self) -> None:
        """Mark, in every other column, the sentence aligned with the selected one (and with
        sync scroll, bring it level with it). Repaints only the marked sentences."""
        screen = self.screen
        comparison = self.comparison
        column = screen.current_column
        marks: dict[int, int] = {}
        if comparison is not None and column is not None and column.current_sentence:
            for match in comparison.aligned(column.article.id, column.cursor):
                index = screen.pane_index(match.article_id)
                if index is not None and index != screen.current:
                    marks[index] = match.index
        panes = screen.panes
        for index in self._aligned.keys() | marks.keys():
            panes[index].column.set_aligned(marks.get(index))
        self._aligned = marks
        if screen.sync_scroll and column is not None:
            row = column.sentence_row(column.cursor)
            for index, sentence in marks.items():
                pane = panes[index]
                if row is not None and pane.is_attached and pane.display:
                    pane.column.scroll_sentence_to(sentence, row)

    def toggle_sync(self) -> None:
        screen = self.screen
        screen.sync_scroll = not screen.sync_scroll
        if not screen.sync_scroll:
            screen.status.show("sync scroll off")
        elif self.need(None, "sync scroll follows") is not None:
            screen.status.show("sync scroll on: the other columns keep the aligned sentence level")

    # -- the Discrepancies panel

    def open_discrepancies(self) -> None:
        comparison = self.need(self.open_discrepancies, "the panel opens")
        if comparison is None:
            return
        self.discrepancies = discrepancy_rows(comparison, self.place)
        from annotator.tui.screens.discrepancies import DiscrepanciesScreen  # when first opened

        dialog = DiscrepanciesScreen(self.discrepancies, self.discrepancy)
        self.screen.app.push_screen(dialog, self._discrepancy_chosen)

    async def _discrepancy_chosen(self, position: int | None) -> None:
        if position is None or not 0 <= position < len(self.discrepancies):
            return
        self.screen.stepping = "discrepancies"
        await self.go_discrepancy(position)

    async def step_discrepancy(self, step: int) -> None:
        await self.go_discrepancy((self.discrepancy + step) % len(self.discrepancies))

    async def go_discrepancy(self, position: int) -> None:
        """Go to a discrepancy's first reading; its other reading's column follows."""
        screen = self.screen
        rows = self.discrepancies
        row = rows[position]
        self.discrepancy = position
        first, second = row.a, row.b
        if screen.pane_index(first.article_id) is None:
            first, second = second, first
        here = screen.pane_index(first.article_id)
        if here is None:
            screen.status.show("neither article of that discrepancy is open", "warning")
            return
        there = screen.pane_index(second.article_id)
        if there is not None and there != here:
            await screen.row.reveal(there)
            other = screen.panes[there].column
            other.filter_mode = screen.filter_mode  # in case it was just mounted
            if not other.is_visible(second.index):
                screen.filter_mode = "all"
            other.select(second.index)
        if not await screen.go_to(here, first.index):
            return
        reading_a, reading_b = (
            (row.reading_a, row.reading_b) if first is row.a else (row.reading_b, row.reading_a)
        )
        screen.status.show(
            f"discrepancy {position + 1} of {len(rows)} ({row.kind}): “{reading_a}” in "
            f"{first.label} vs “{reading_b}” in {second.label} (] next, [ previous)"
        )

    # -- the Entities panel and the highlighted entity

    def open_entities(self) -> None:
        screen = self.screen
        comparison = self.need(self.open_entities, "the panel opens")
        if comparison is None:
            return
        rows = entity_rows(comparison, [pane.article.id for pane in screen.panes])
        outlets = [outlet_parts(pane.article) for pane in screen.panes]
        current = self.entity.key if self.entity is not None else ""
        from annotator.tui.screens.entities import EntitiesScreen  # when first opened

        screen.app.push_screen(EntitiesScreen(rows, outlets, current), self._entity_chosen)

    def _entity_chosen(self, key: str | None) -> None:
        if key is None:
            return
        comparison = self.comparison
        # "" is the panel's "clear" row (`entities.CLEAR`)
        entity = comparison.entity(key) if comparison is not None and key else None
        self.highlight_entity(entity)

    def highlight_entity(self, entity: MergedEntity | None, *, quiet: bool = False) -> None:
        """Highlight an entity's mentions (all its spellings) in every column; ] and [ then
        step through them. None clears the highlight."""
        screen = self.screen
        spans = mention_spans(entity) if entity is not None else {}
        before = self._mentioned
        self._mentioned = set()
        targets: set[tuple[int, int]] = set()
        for article_id, by_sentence in spans.items():
            index = screen.pane_index(article_id)
            if index is None:
                continue
            screen.panes[index].column.set_mentions(by_sentence)
            self._mentioned.add(index)
            targets.update((index, sentence) for sentence in by_sentence)
        for index in before - self._mentioned:
            screen.panes[index].column.set_mentions({})
        self.entity = entity
        self.mention_targets = sorted(targets)
        if entity is None:
            if screen.stepping == "mentions":
                screen.stepping = "search"
            if before and not quiet:
                screen.status.show("entity highlight cleared")
            return
        screen.stepping = "mentions"
        screen.status.show(
            f"{entity.name} ({entity.label}): {plural(entity.total, 'mention')} in "
            f"{plural(len(self._mentioned), 'column')} highlighted (] next, [ previous)"
        )

    async def step_mention(self, step: int) -> None:
        """Go to the next (1) or previous (-1) sentence mentioning the highlighted entity."""
        screen = self.screen
        entity = self.entity
        targets = self.mention_targets
        if entity is None or not targets:
            screen.status.show("no mentions of that entity in the open columns", "warning")
            return
        column = screen.current_column
        here = (screen.current, column.cursor if column is not None else -1)
        if step > 0:
            target = next((t for t in targets if t > here), targets[0])
        else:
            target = next((t for t in reversed(targets) if t < here), targets[-1])
        if await screen.go_to(*target):
            pane = screen.panes[target[0]]
            screen.status.show(
                f"{entity.name}: sentence {targets.index(target) + 1} of {len(targets)} that "
                f"mention it, S{target[1] + 1} in {pane.number} {outlet_label(pane.article)} "
                "(] next, [ previous)"
            )

    # -- a verdict to the aligned sentences

    def apply_aligned(self) -> None:
        """Give the selected sentence's verdict to its aligned sentences (one undo step)."""
        screen = self.screen
        service = screen.service
        target = screen.writable_target()
        if target is None:
            return
        column, sentence = target
        claim = column.display_claim(sentence.index)
        verdict = claim.verdict if claim is not None else None
        if verdict is None:
            screen.status.show(
                f"S{sentence.number} has no verdict to apply: tag it with c, d or u first",
                "warning",
            )
            return
        comparison = service.cached_comparison()
        if comparison is None:
            self.comparison = None  # the corpus changed since: compare again
            self.need(None, "press a again")
            return
        matches = comparison.aligned(column.article.id, sentence.index)
        if not matches:
            screen.status.show(f"S{sentence.number}: no aligned sentence in the other articles")
            return
        try:
            claims = service.tag_aligned(column.article.id, sentence, verdict)
        except ClaimConflict as conflict:
            screen.shared.reload_claims()
            screen.shared.show_conflict(conflict)
            return
        except (StoreError, ServiceError) as error:
            screen.status.show(f"S{sentence.number}: not applied: {error}", "error")
            screen.report_unsaved(error)
            screen.shared.reload_claims()
            return
        for stored in claims:
            found = screen.pane_for(stored.article_id)
            if found is not None:
                found[1].column.set_claim(stored)
                found[1].refresh_counts()
        tagged = len(claims) - 1
        skipped = len(matches) - tagged
        message = f"S{sentence.number} {verdict.value}: {plural(tagged, 'aligned sentence')} too"
        if skipped:
            message += f"; {skipped} skipped: they disagree on a figure or a person"
        screen.status.show(f"{message} (z undoes it all)")
        screen.update_inspector()
