"""Pilot tests of comparing the outlets in the reader: aligned sentences and sync scroll, the
Discrepancies and Entities panels, `a` (verdict to aligned sentences), the check-worthy filter
and the inspector's comparison sections. Each asserts the app's state and the database.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, OptionList

from annotator.compare import Comparison
from annotator.model import Verdict
from annotator.service import CHECK_WORTHY, Service
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.discrepancies import DiscrepanciesScreen
from annotator.tui.screens.entities import EntitiesScreen
from annotator.tui.screens.main import MainScreen
from annotator.tui.widgets.article_column import ALIGNED_MARK, ArticleColumn
from tests.conftest import SEEDS
from tests.tui.test_app import current, main_screen, run, settle


@pytest.fixture
def compared(seeded: Service) -> Service:
    """The seeds analysed by the fake NLP, with the comparison loaded (from the database)."""
    seeded.comparison()
    return seeded


def aligned_marks(screen: MainScreen) -> dict[int, int]:
    """Pane index -> the sentence each column marks as aligned."""
    return {
        index: pane.column.aligned_index
        for index, pane in enumerate(screen.panes)
        if pane.column.aligned_index is not None
    }


def expected_marks(screen: MainScreen, comparison: Comparison) -> dict[int, int]:
    column = current_column(screen)
    ids = [pane.article.id for pane in screen.panes]
    return {
        ids.index(m.article_id): m.index
        for m in comparison.aligned(column.article.id, column.cursor)
        if m.article_id != column.article.id
    }


def current_column(screen: MainScreen) -> ArticleColumn:
    column = screen.current_column
    assert column is not None
    return column


def first_line(column: ArticleColumn, index: int) -> str:
    return column.rendered_text()[column._first_line[column._position[index]]]


class TestComparisonWorker:
    def test_the_outlets_are_compared_after_opening(
        self, make_service: Callable[..., Service]
    ) -> None:
        service = make_service()

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            assert screen.comparison is not None
            assert screen.comparison is service.cached_comparison()
            assert "outlets compared: 15 discrepancies" in screen.status.progress
            assert not screen.status.busy  # the spinner stopped with the worker
            # the check-worthy sets arrived in every column
            worthy = screen.panes[3].column._check_worthy
            assert worthy is not None and len(worthy) > 0

        run(make_app(service, [str(SEEDS)]), scenario)

    def test_a_large_corpus_is_compared_on_first_use(
        self, uncompared: Service, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr("annotator.tui.screens.reader_comparison.AUTO_COMPARE_SENTENCES", 10)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            assert screen.comparison is None  # nothing stored, nothing computed unasked
            assert "D, E or a compares the outlets" in screen.status.progress
            assert (
                "outlets not compared yet"
                in screen.comparing.info(screen.panes[0].article.id, 0).pending
            )
            await pilot.press("D")  # starts the comparison, the panel opens when it is done
            assert "comparing the outlets" in screen.status.message
            await settle(pilot)
            assert screen.comparison is not None
            assert isinstance(app.screen, DiscrepanciesScreen)

        run(make_app(uncompared), scenario)

    def test_a_large_corpus_gets_its_stored_comparison(
        self,
        compared: Service,
        make_service: Callable[..., Service],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr("annotator.tui.screens.reader_comparison.AUTO_COMPARE_SENTENCES", 10)
        fresh = make_service()  # another process on the same file: the database's cache
        assert fresh.cached_comparison() is None

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            assert screen.comparison is not None  # from the database's cache
            assert "outlets compared: 15 discrepancies" in screen.status.progress

        run(make_app(fresh), scenario)


class TestAlignedSentences:
    def test_moving_the_cursor_marks_the_aligned_sentences(self, compared: Service) -> None:
        comparison = compared.comparison()

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("4")  # Worthy News, S1: "some 200 people" killed
            marks = aligned_marks(screen)
            assert marks == expected_marks(screen, comparison)
            assert set(marks) == {0, 1, 4}  # 000, 001 and London24NEWS report it too
            assert screen.panes[4].column.aligned_index == 0
            column = screen.panes[1].column  # on screen (columns 2 to 4 are)
            assert column.aligned_index == 1
            assert first_line(column, 1)[1] == ALIGNED_MARK
            await pilot.press("down")  # S2: other sentences marked, the old marks gone
            assert aligned_marks(screen) == expected_marks(screen, comparison)
            assert aligned_marks(screen) != marks
            assert first_line(column, 1)[1] != ALIGNED_MARK
            await pilot.press("5")  # the current column never marks itself
            assert 4 not in aligned_marks(screen)
            assert aligned_marks(screen) == expected_marks(screen, comparison)

        run(make_app(compared), scenario)

    def test_a_cursor_key_marks_the_aligned_sentences_in_its_own_frame(
        self, compared: Service
    ) -> None:
        """The key's handler marks them, not the column's `CursorMoved` (which arrives after
        the key's frame is drawn, and then made a second frame)."""
        comparison = compared.comparison()

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("4")
            changed = 0
            for _ in range(6):
                before = aligned_marks(screen)
                screen.action_cursor(1)  # what `down` runs; no message handled since
                assert aligned_marks(screen) == expected_marks(screen, comparison)
                changed += aligned_marks(screen) != before
                await pilot.pause()
            assert changed >= 2

        run(make_app(compared), scenario)

    def test_s_syncs_the_other_columns_to_the_aligned_sentence(self, compared: Service) -> None:
        comparison = compared.comparison()
        ids = [a.id for a in compared.articles()]

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("2")
            column = current_column(screen)
            target = screen.panes[0].column
            # S32 of 001 reports the same fact as a sentence far down 000 (off screen)
            matches = {m.article_id: m.index for m in comparison.aligned(ids[1], 31)}
            assert ids[0] in matches
            aligned = matches[ids[0]]
            column.select(31)
            await pilot.pause()
            assert target.aligned_index == aligned
            assert target.scroll_y == 0  # sync off: the other column stays where it was
            await pilot.press("s")
            assert screen.sync_scroll and "sync scroll" in screen.legend.info
            row = column.sentence_row(31)
            assert row is not None and row > 0
            height = target.scrollable_content_region.height
            there = target.sentence_row(aligned)
            assert there is not None and 0 <= there < height  # in view now
            if target.scroll_y < target.max_scroll_y:
                assert there == row  # level with the selected sentence
            await pilot.press("up")  # and it follows the cursor
            matches = {m.article_id: m.index for m in comparison.aligned(ids[1], 30)}
            if ids[0] in matches:
                there = target.sentence_row(matches[ids[0]])
                assert there is not None and 0 <= there < height
            await pilot.press("s")
            assert not screen.sync_scroll and "sync scroll" not in screen.legend.info

        run(make_app(compared), scenario)


class TestDiscrepanciesPanel:
    def test_D_lists_them_and_enter_goes_to_both_readings(self, compared: Service) -> None:
        found = compared.comparison().discrepancies()
        ids = [a.id for a in compared.articles()]

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("D")
            panel = app.screen
            assert isinstance(panel, DiscrepanciesScreen)
            assert len(panel.rows) == len(found) == 15
            assert panel.query_one(OptionList).option_count == 15
            await pilot.press("down", "enter")  # the 2nd: "some 200 people" vs "277 individuals"
            assert isinstance(app.screen, MainScreen)
            second = found[1]
            assert (second.reading_a, second.reading_b) == ("some 200 people", "277 individuals")
            column = current_column(screen)
            assert (column.article.id, column.cursor) == (second.article_a, second.sentence_a)
            other = screen.panes[ids.index(second.article_b)]
            assert other.display and other.column.cursor == second.sentence_b
            assert screen.stepping == "discrepancies"
            assert screen.status.message.startswith("discrepancy 2 of 15 (quantity)")
            await pilot.press("right_square_bracket")
            third = found[2]
            column = current_column(screen)
            assert (column.article.id, column.cursor) == (third.article_a, third.sentence_a)
            assert screen.status.message.startswith("discrepancy 3 of 15")
            await pilot.press("left_square_bracket", "left_square_bracket")
            assert screen.status.message.startswith("discrepancy 1 of 15")
            await pilot.press("D")  # opens on the last one gone to
            panel = app.screen
            assert isinstance(panel, DiscrepanciesScreen)
            assert panel.query_one(OptionList).highlighted == 0
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)

        run(make_app(compared), scenario)


class TestEntitiesPanel:
    def test_E_highlights_an_entity_and_brackets_step_its_mentions(self, compared: Service) -> None:
        comparison = compared.comparison()
        town = next(e for e in comparison.entities() if e.name == "Saraqab")
        assert set(town.variants) == {"Saraqab", "Saragab", "Saraqeb"}
        ids = [a.id for a in compared.articles()]
        mentions = sorted({(ids.index(m.article_id), m.index) for m in town.mentions})

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("E")
            panel = app.screen
            assert isinstance(panel, EntitiesScreen)
            table = panel.query_one(DataTable)
            assert table.row_count == len(comparison.entities())
            assert len(table.columns) == 3 + 5 + 1  # name, label, spellings, 5 columns, total
            keys = [row.key for row in panel.rows]
            row = panel.rows[keys.index(town.key)]
            assert row.counts == tuple(town.counts[i] for i in ids)
            table.move_cursor(row=keys.index(town.key))
            await pilot.press("enter")
            assert isinstance(app.screen, MainScreen)
            assert screen.entity is town and screen.stepping == "mentions"
            assert "Saraqab (GPE): 3 mentions in 3 columns highlighted" in screen.status.message
            for index, pane in enumerate(screen.panes):
                expected = sorted(s for p, s in mentions if p == index)
                assert pane.column.mention_indexes == expected
            await pilot.press("right_square_bracket")  # the first mention after the cursor
            column = current_column(screen)
            assert (screen.current, column.cursor) == mentions[0]
            await pilot.press("right_square_bracket")
            assert (screen.current, current_column(screen).cursor) == mentions[1]
            assert "sentence 2 of 3 that mention it" in screen.status.message
            await pilot.press("left_square_bracket", "left_square_bracket")  # wraps around
            assert (screen.current, current_column(screen).cursor) == mentions[-1]
            # a search makes ] and [ step through its hits instead
            await pilot.press("slash", *"Peskov", "enter")
            assert screen.stepping == "search"
            await pilot.press("right_square_bracket")
            assert screen.status.message.startswith("match 2 of")
            # x in the panel clears the highlight
            await pilot.press("E", "x")
            assert screen.entity is None
            assert all(not pane.column.mention_indexes for pane in screen.panes)

        run(make_app(compared), scenario)

    def test_the_mentions_are_drawn_highlighted(self, compared: Service) -> None:
        comparison = compared.comparison()
        town = next(e for e in comparison.entities() if e.name == "Saraqab")
        mention = next(m for m in town.mentions if m.article_id == compared.articles()[3].id)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            screen.comparing.highlight_entity(town)
            await pilot.press("4")
            column = current_column(screen)
            style = column.get_component_rich_style("article-column--mention", partial=True)
            strips = column._render_sentence(mention.index, column._line_width, column.rich_style)
            marked = "".join(
                seg.text for strip in strips for seg in strip if seg.style and seg.style.underline
            )
            assert mention.text in marked
            assert style.bgcolor is not None

        run(make_app(compared), scenario)


class TestApplyAligned:
    def test_a_gives_the_verdict_to_the_aligned_sentences_and_z_takes_it_back(
        self, compared: Service
    ) -> None:
        ids = [a.id for a in compared.articles()]

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            # Worthy News S1 ("some 200 people") is aligned with 000 S2, 001 S2 and
            # London24NEWS S1, which says "277 individuals": that one disagrees, skipped.
            await pilot.press("4", "c", "a")
            verdicts = {(c.article_id, c.start): c.verdict for c in compared.claims()}
            assert len(verdicts) == 3
            assert set(verdicts.values()) == {Verdict.CONFIRMED}
            assert {ids.index(c.article_id) for c in compared.claims()} == {0, 1, 3}
            message = screen.status.message
            assert "S1 confirmed: 2 aligned sentences too" in message
            assert "1 skipped: they disagree on a figure or a person" in message
            assert [p.header.counts_text for p in screen.panes[:2]] == ["✔ 1 ✖ 0 ? 0"] * 2
            assert screen.panes[4].header.counts_text == "✔ 0 ✖ 0 ? 0"
            assert screen.panes[0].column.stored_claim(1) is not None
            await pilot.press("z")  # one step takes back the aligned ones
            assert screen.status.message == "S2 undone with 1 other sentence"
            assert {c.verdict for c in compared.claims()} == {Verdict.CONFIRMED}
            assert len(compared.claims()) == 1  # the one tagged with c
            # every claim of the step is shown put back, in both columns
            assert [p.header.counts_text for p in screen.panes[:2]] == ["✔ 0 ✖ 0 ? 0"] * 2
            assert screen.panes[0].column.stored_claim(1) is not None  # shown cleared
            assert screen.panes[0].column.stored_claim(1).verdict is None  # type: ignore[union-attr]
            await pilot.press("Z")
            assert len(compared.claims()) == 3

        run(make_app(compared), scenario)

    def test_a_needs_a_verdict_first(self, compared: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("4", "a")
            assert "has no verdict to apply" in main_screen(app).status.message
            assert compared.claims() == []

        run(make_app(compared), scenario)


class TestCheckWorthy:
    def test_the_filter_shows_the_check_worthy_sentences(self, compared: Service) -> None:
        comparison = compared.comparison()

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("f", "f", "f", "f")
            assert screen.filter_mode == "check-worthy"
            assert "check-worthy only (score ≥ 0.50)" in screen.status.message
            for pane in screen.panes[:3]:  # the columns on screen (the others follow when shown)
                column = pane.column
                expected = [
                    s.index
                    for s in column.sentences
                    if (item := comparison.checkworthiness(pane.article.id, s.index))
                    and item.score >= CHECK_WORTHY
                ]
                assert column._visible == expected
            column = current(app)
            assert column.cursor in column._visible

        run(make_app(compared), scenario)


class TestInspectorComparison:
    def test_score_features_source_aligned_and_discrepancies(self, compared: Service) -> None:
        comparison = compared.comparison()
        worthy = compared.articles()[3]
        item = comparison.checkworthiness(worthy.id, 0)
        assert item is not None

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            inspector = main_screen(app).inspector
            await pilot.press("4", "i")
            text = inspector.plain
            assert f"Check-worthiness {item.score:.2f}" in text
            for feature in item.features:
                assert f"{feature.weight:+.2f} {feature.name}" in text
            assert "Source" in text
            source = comparison.attribution(worthy.id, 0)
            assert (source or "not attributed") in text
            assert "Aligned (same fact)" in text
            assert "5 London24NEWS · S1" in text and "1 000 · outlet not stated · S2" in text
            assert "quantity: some 200 people here, 277 individuals in 5 London24NEWS · S1" in (
                text
            )

        run(make_app(compared), scenario)
