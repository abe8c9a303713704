"""Pilot tests of "Remove this article…" (command palette): asked first, a backup written, the
column dropped and the backup named; refused on a read-only database; titles shown literally."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input, OptionList

from annotator.model import Verdict
from annotator.service import Service
from annotator.store import Store
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.confirm import ConfirmDialog
from annotator.tui.screens.main import MainScreen
from tests.tui.test_app import current, main_screen, run
from tests.tui.test_hostile import add, assert_inert


async def palette_remove(pilot: Pilot[int], app: AnnotatorApp) -> None:
    """Choose "Remove this article…" in the command palette."""
    await pilot.press("ctrl+p")
    assert isinstance(app.screen, CommandPalette)
    palette = app.screen
    palette.query_one(Input).value = "Remove this"  # typing is slow in Pilot
    hits = palette.query_one(OptionList)
    await until(pilot, lambda: hits.option_count == 1 and hits.highlighted == 0)
    await pilot.press("enter")
    await pilot.pause()


async def until(pilot: Pilot[int], done: Callable[[], bool]) -> None:
    for _ in range(100):
        if done():
            return
        await pilot.pause(0.02)
    raise AssertionError("timed out")


class TestRemoveArticle:
    def test_the_palette_removes_the_current_article_after_asking(
        self, seeded: Service, tmp_path: Path
    ) -> None:
        articles = seeded.articles()
        second = articles[1]
        seeded.tag(second.id, seeded.sentences(second.id)[0], Verdict.DISPUTED)

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await pilot.press("2")
            await palette_remove(pilot, app)
            assert isinstance(app.screen, ConfirmDialog)
            assert_inert(app, "Remove this article?", "Column 2,", "1 tagged claim")
            await pilot.press("y")
            await until(pilot, lambda: screen.status.message.startswith("removed"))
            assert [a.id for a in seeded.articles()] == [a.id for a in articles if a != second]
            (backup,) = tmp_path.glob("*.bak")
            assert screen.status.message.endswith(f"with its 1 claim; backup in {backup}")
            notes = [(n.title, n.message) for n in app._notifications]
            assert ("Article removed", screen.status.message) in notes
            # its column is gone, the others renumbered, as when the story is opened
            assert [p.article.id for p in screen.panes] == [a.id for a in articles if a != second]
            assert [p.number for p in screen.panes] == [1, 2, 3, 4]
            await pilot.press("2")  # the column that took its place
            assert current(app).article.id == articles[2].id
            conn = sqlite3.connect(backup)
            count = conn.execute("SELECT COUNT(*) FROM claims WHERE article_id = ?", (second.id,))
            assert count.fetchone()[0] == 1
            conn.close()
            await pilot.press("d")  # tagging goes on in the column that took its place
            claim = current(app).stored_claim(0)
            assert claim is not None and claim.article_id == articles[2].id

        run(make_app(seeded), scenario)

    def test_the_dialog_shows_a_hostile_title_literally_and_no_cancels(
        self, make_service: Callable[..., Service], tmp_path: Path
    ) -> None:
        service = make_service()
        add(
            service,
            "Some text.\nMore text.",
            title="[b]x[/b] \x1b]0;pwned\x07 [@click=app.quit]q[/]",
        )

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            await screen.run_action("remove_article")  # what the palette entry runs
            await pilot.pause()
            assert isinstance(app.screen, ConfirmDialog)
            assert_inert(app, "[b]x[/b]", "[@click=app.quit]q[/]")
            await pilot.press("n")  # no: nothing happens (escape likewise)
            assert isinstance(app.screen, MainScreen) and app.is_running
            assert screen.status.message == "nothing removed"
            await screen.run_action("remove_article")
            await pilot.pause()
            await pilot.press("escape")
            assert isinstance(app.screen, MainScreen) and len(screen.panes) == 1

        run(make_app(service), scenario)
        assert len(service.articles()) == 1
        assert list(tmp_path.glob("*.bak")) == []

    def test_a_read_only_database_is_refused_before_asking(
        self, seeded: Service, tmp_path: Path
    ) -> None:
        seeded.store.close()
        reader = Service(Store(tmp_path / "annotations.db", read_only=True), None, user="tester")

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            await main_screen(app).run_action("remove_article")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            assert "read-only" in main_screen(app).status.message
            assert len(main_screen(app).panes) == 5

        try:
            run(make_app(reader), scenario)
        finally:
            reader.store.close()
        assert [p.name for p in tmp_path.iterdir()] == ["annotations.db"]
