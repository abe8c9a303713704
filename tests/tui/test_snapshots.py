"""Snapshot tests of every screen and panel (SPEC §7): plain `def`s, one class per feature.

Deterministic: a tmp_path database with the seeds analysed by the fake NLP, a fixed clock and
user, workers awaited, no clock on screen and no blinking cursor. Review the SVGs (e.g.
snapshot_report.html) before accepting them with `--snapshot-update`.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Input

from annotator.model import Article, Verdict
from annotator.service import Service, fallback_analysis
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.main import MainScreen
from annotator.tui.themes import LIGHT
from tests.conftest import SEEDS, fixed_clock
from tests.tui.test_app import settle

WIDE = (120, 36)
NARROW = (80, 24)
SnapCompare = Callable[..., bool]
RunBefore = Callable[[Pilot[Any]], Awaitable[None]]


def keys(*pressed: str, text: str = "") -> RunBefore:
    """A `run_before` that waits for the workers, presses `pressed`, types `text`, waits."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        if pressed:
            await pilot.press(*pressed)
        if text:
            await pilot.press(*text)
        await settle(pilot)

    return run_before


@pytest.fixture
def app(seeded: Service) -> AnnotatorApp:
    """The reader over the five seeds, analysed by the fake NLP."""
    return make_app(seeded)


@pytest.fixture
def tagged(seeded: Service) -> AnnotatorApp:
    """The reader with the first article's sentences 2–4 tagged and the 2nd with a note."""
    article = seeded.articles()[0]
    sentences = seeded.sentences(article.id)
    seeded.tag(article.id, sentences[1], Verdict.CONFIRMED)
    seeded.tag(article.id, sentences[2], Verdict.DISPUTED)
    seeded.tag(article.id, sentences[3], Verdict.UNVERIFIED)
    seeded.set_note(article.id, sentences[2], "Other outlets say the fighting began on Wednesday.")
    seeded.set_evidence(article.id, sentences[2], "https://www.syriahr.com/en/")
    return make_app(seeded)


class TestMainScreen:
    def test_seeds_side_by_side(self, snap_compare: SnapCompare, app: AnnotatorApp) -> None:
        assert snap_compare(app, terminal_size=WIDE, run_before=keys())

    def test_narrow_terminal(self, snap_compare: SnapCompare, app: AnnotatorApp) -> None:
        assert snap_compare(app, terminal_size=NARROW, run_before=keys())

    def test_focus_moved_to_the_last_column(
        self, snap_compare: SnapCompare, app: AnnotatorApp
    ) -> None:
        assert snap_compare(app, terminal_size=WIDE, run_before=keys("5", "down", "down"))


class TestTagging:
    def test_all_three_verdicts(self, snap_compare: SnapCompare, tagged: AnnotatorApp) -> None:
        assert snap_compare(tagged, terminal_size=WIDE, run_before=keys("down", "down", "down"))

    def test_unsaved_change_is_marked(
        self, snap_compare: SnapCompare, seeded: Service, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)

            def locked(*args: object, **kwargs: object) -> None:
                from annotator.store import StoreError

                raise StoreError("database is locked by another program; nothing was written")

            with monkeypatch.context() as patch:
                patch.setattr(seeded.store, "save_claim", locked)
                await pilot.press("down", "d")
            app: Any = pilot.app
            app.clear_notifications()  # the toast's timing is not what this snapshot is about
            await settle(pilot)

        assert snap_compare(make_app(seeded), terminal_size=WIDE, run_before=run_before)


class TestInspector:
    def test_claim_with_note_evidence_and_history(
        self, snap_compare: SnapCompare, tagged: AnnotatorApp
    ) -> None:
        assert snap_compare(tagged, terminal_size=WIDE, run_before=keys("down", "down", "i"))


class TestHelp:
    def test_help_screen(self, snap_compare: SnapCompare, app: AnnotatorApp) -> None:
        assert snap_compare(app, terminal_size=WIDE, run_before=keys("question_mark"))


def main_screen(pilot: Pilot[Any]) -> MainScreen:
    screen = pilot.app.screen_stack[0]
    assert isinstance(screen, MainScreen)
    return screen


class TestCommandPalette:
    def test_palette_filtered_by_a_query(
        self, snap_compare: SnapCompare, app: AnnotatorApp
    ) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("ctrl+p")
            pilot.app.screen.query_one(Input).value = "tag"  # typing is slow in Pilot
            await settle(pilot)

        assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


class TestSearch:
    def test_search_with_a_query(self, snap_compare: SnapCompare, app: AnnotatorApp) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            main_screen(pilot).last_query = "Peskov"  # `/` opens the search with it
            await pilot.press("slash")
            await settle(pilot)

        assert snap_compare(app, terminal_size=WIDE, run_before=run_before)

    def test_jumped_to_the_second_match(self, snap_compare: SnapCompare, app: AnnotatorApp) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            main_screen(pilot).last_query = "Peskov"
            await pilot.press("slash", "enter", "right_square_bracket")
            await settle(pilot)

        assert snap_compare(app, terminal_size=WIDE, run_before=run_before)


class TestFilter:
    def test_disputed_only(self, snap_compare: SnapCompare, tagged: AnnotatorApp) -> None:
        assert snap_compare(tagged, terminal_size=WIDE, run_before=keys("f", "f", "f"))


class TestNoteEditor:
    def test_note_editor_open(self, snap_compare: SnapCompare, tagged: AnnotatorApp) -> None:
        assert snap_compare(tagged, terminal_size=WIDE, run_before=keys("down", "down", "n"))


class TestExportDialog:
    def test_export_dialog_open(
        self,
        snap_compare: SnapCompare,
        app: AnnotatorApp,
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.chdir(tmp_path)  # no annotations.csv here: no "will replace" warning
        assert snap_compare(app, terminal_size=WIDE, run_before=keys("ctrl+e"))


class TestLabels:
    def test_label_picker(self, snap_compare: SnapCompare, app: AnnotatorApp) -> None:
        assert snap_compare(app, terminal_size=WIDE, run_before=keys("l"))

    def test_highlighting_off(self, snap_compare: SnapCompare, app: AnnotatorApp) -> None:
        assert snap_compare(app, terminal_size=WIDE, run_before=keys("h"))


class TestTheme:
    def test_light_theme(self, snap_compare: SnapCompare, seeded: Service) -> None:
        article = seeded.articles()[0]
        sentences = seeded.sentences(article.id)
        for sentence, verdict in zip(sentences[1:4], Verdict, strict=True):
            seeded.tag(article.id, sentence, verdict)
        app = make_app(seeded, theme=LIGHT)
        assert snap_compare(app, terminal_size=WIDE, run_before=keys("down"))


HOSTILE = "[b]x[/b] [@click=app.quit]q[/] \x1b]0;pwned\x07 [/"


class TestHostileText:
    def test_markup_and_escapes_shown_literally(
        self, snap_compare: SnapCompare, make_service: Callable[..., Service]
    ) -> None:
        service = make_service()
        text = (
            f"{HOSTILE}\n\nA second [red]sentence[/red] with [link=https://x.example]a link[/link]."
        )
        article = Article(
            id=hashlib.sha256(text.encode()).hexdigest(),
            text=text,
            title=f"Title {HOSTILE}",
            outlet="[bold]Outlet[/bold]",
            published="2024-11-29",
        )
        service.store.add_article(article, fallback_analysis(text), at="2024-11-29T12:00:00Z")
        app = make_app(service, analyse=False)
        assert snap_compare(app, terminal_size=WIDE, run_before=keys("i"))


# --- comparing the outlets -------------------------------------------------------------------


@pytest.fixture
def compared(seeded: Service) -> AnnotatorApp:
    """The reader over the seeds with the comparison already computed (the worker finds it)."""
    seeded.comparison()
    return make_app(seeded)


class TestComparing:
    def test_discrepancies_panel(self, snap_compare: SnapCompare, compared: AnnotatorApp) -> None:
        assert snap_compare(compared, terminal_size=WIDE, run_before=keys("D", "down"))

    def test_entities_panel(self, snap_compare: SnapCompare, compared: AnnotatorApp) -> None:
        assert snap_compare(compared, terminal_size=WIDE, run_before=keys("E"))

    def test_entity_highlighted_in_every_column(
        self, snap_compare: SnapCompare, compared: AnnotatorApp
    ) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            screen = main_screen(pilot)
            comparison = screen.comparison
            assert comparison is not None
            town = next(e for e in comparison.entities() if e.name == "Saraqab")
            screen.comparing.highlight_entity(town)
            await pilot.press("right_square_bracket", "right_square_bracket")
            await settle(pilot)

        assert snap_compare(compared, terminal_size=WIDE, run_before=run_before)

    def test_aligned_highlight_with_sync_scroll(
        self, snap_compare: SnapCompare, compared: AnnotatorApp
    ) -> None:
        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            await pilot.press("2", "s")
            screen = main_screen(pilot)
            column = screen.panes[1].column
            column.select(31)  # far down 001, reported by 000 and 002 too
            await settle(pilot)

        assert snap_compare(compared, terminal_size=WIDE, run_before=run_before)

    def test_check_worthy_filter(self, snap_compare: SnapCompare, compared: AnnotatorApp) -> None:
        assert snap_compare(compared, terminal_size=WIDE, run_before=keys("f", "f", "f", "f"))

    def test_inspector_with_comparison(
        self, snap_compare: SnapCompare, compared: AnnotatorApp
    ) -> None:
        assert snap_compare(compared, terminal_size=WIDE, run_before=keys("4", "i"))


class TestOtherInstances:
    def test_conflict_dialog(
        self,
        snap_compare: SnapCompare,
        seeded: Service,
        make_service: Callable[..., Service],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setattr("annotator.tui.screens.main.POLL_SECONDS", 3600)
        article = seeded.articles()[0]
        sentence = seeded.sentences(article.id)[1]
        seeded.tag(article.id, sentence, Verdict.DISPUTED)
        seeded.set_note(article.id, sentence, "Two outlets give 200, one 277.")
        seeded.comparison()
        bob = make_service(user="bob")
        bob.claims()

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            bob.tag(article.id, sentence, Verdict.CONFIRMED)
            bob.set_note(article.id, sentence, "SOHR confirms 277 on Saturday.")
            await pilot.press("down", "u")
            await settle(pilot)

        assert snap_compare(make_app(seeded), terminal_size=WIDE, run_before=run_before)

    def test_read_only_database(
        self, snap_compare: SnapCompare, seeded: Service, tmp_path: Path
    ) -> None:
        from annotator.store import Store

        seeded.comparison()
        copy = tmp_path / "copy.db"
        shutil.copy(tmp_path / "annotations.db", copy)
        store = Store(copy, read_only=True)
        service = Service(store, None, user="tester", clock=fixed_clock())
        try:
            assert snap_compare(make_app(service), terminal_size=WIDE, run_before=keys("d"))
        finally:
            store.close()

    def test_analysis_failure_shown(
        self, snap_compare: SnapCompare, make_service: Callable[..., Service]
    ) -> None:
        from tests.tui.test_instances import FailingAnalyzer

        service = make_service(analyzer=FailingAnalyzer())

        async def run_before(pilot: Pilot[Any]) -> None:
            await settle(pilot)
            app: Any = pilot.app
            app.clear_notifications()
            await pilot.press("3", "i")
            await settle(pilot)

        app = make_app(service, [str(SEEDS)])
        assert snap_compare(app, terminal_size=WIDE, run_before=run_before)
