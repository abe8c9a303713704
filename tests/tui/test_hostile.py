"""Hostile text in every widget of the reader (issue 6, item 6; SPEC §5).

Articles, outlet, title, a note, a search query and a file name carry Rich/Textual markup,
ANSI CSI and OSC sequences (title, clipboard, clear screen), C1 controls, bidi overrides,
zero-width characters and a 100,000-character line. For each state of the app (columns,
inspector, note editor, search, discrepancies, entities, help, palette, conflict dialog,
toasts) the test renders the whole screen as the terminal would receive it
(`Compositor.render_update(full=True).render_segments`, what `App._display` writes) and
fails if any control character of the text, an escape sequence other than Textual's own
colours and cursor moves, or a bidi control reaches it, and unless the markup is shown
literally.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.command import CommandPalette
from textual.pilot import Pilot
from textual.widgets import Input

from annotator.model import Article, NlpResult
from annotator.service import Service, fallback_analysis
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.screens.conflict import ConflictDialog
from annotator.tui.screens.discrepancies import DiscrepanciesScreen
from annotator.tui.screens.entities import EntitiesScreen
from annotator.tui.screens.help import HelpScreen
from annotator.tui.screens.main import MainScreen
from annotator.tui.screens.note_editor import NoteEditor
from annotator.tui.screens.search import SearchScreen
from tests.fake_nlp import FakeAnalyzer
from tests.tui.test_app import main_screen, settle

MARKUP = [
    "[b]x[/b]",
    "[/",
    "[@click=app.quit]x[/]",
    "[link=https://e.vil]y[/link]",
]
ESCAPES = [
    "\x1b]0;pwned\x07",  # set the window title (OSC 0)
    "\x1b[2J",  # clear the screen (CSI)
    "\x1b]52;c;ZXZpbA==\x07",  # write the clipboard (OSC 52)
    "\x9b31m",  # CSI as one C1 byte
]
UNICODE = ["\u202eevil\u202c", "zero\u200bwidth"]
HOSTILE = " ".join(MARKUP + ESCAPES + UNICODE)
LONG_LINE = "longword " * 11_111 + "end"  # ~100,000 characters on one line

# Every control but \t and \n (C0, DEL, C1), and bidi controls: none may reach the terminal.
FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
# What Textual itself writes: colours (SGR) and cursor moves; nothing else may be there.
TEXTUAL_OWN = re.compile(r"\x1b\[[0-9;]*[mH]")


def terminal_output(app: App[Any]) -> tuple[str, str]:
    """(the bytes a full repaint writes to the terminal, the cells' text)."""
    compositor = app.screen._compositor
    output = compositor.render_update(full=True).render_segments(app.console)
    cells = "\n".join(strip.text for strip in compositor.render_strips())
    return output, cells


def assert_inert(app: App[Any], *shown: str) -> str:
    """No escape, control or bidi character of the text reaches the terminal; each of
    `shown` is on screen literally. Returns the cells' text."""
    output, cells = terminal_output(app)
    found = FORBIDDEN.search(cells)
    assert found is None, f"{found.group()!r} in a cell near {cells[found.start() - 40 :][:80]!r}"
    rest = TEXTUAL_OWN.sub("", output)
    found = FORBIDDEN.search(rest.replace("\n", ""))
    assert found is None, f"{found.group()!r} written near {rest[found.start() - 40 :][:80]!r}"
    assert "\x1b]" not in output  # no OSC at all: no title, clipboard or hyperlink
    flat = cells.replace("\n", "")
    for part in shown:
        assert part in cells or part in flat, f"{part!r} not shown literally in:\n{cells}"
    return cells


def add(service: Service, text: str, **fields: str) -> Article:
    article = Article(id=hashlib.sha256(text.encode()).hexdigest(), text=text, **fields)  # type: ignore[arg-type]
    service.store.add_article(article, fallback_analysis(text), at="2024-11-29T12:00:00Z")
    return article


class HostileFailure(FakeAnalyzer):
    """The fake model, failing with a hostile message on the first hostile article."""

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
        if any(text.startswith("Headline") for text in texts):
            raise RuntimeError(f"crashed {MARKUP[2]} {ESCAPES[0]}")
        return super().analyse(texts)


def hostile_corpus(service: Service) -> tuple[Article, Article]:
    """Two hostile articles reporting one fact with different tolls (a discrepancy)."""
    first = add(
        service,
        f"Headline {HOSTILE}\n\n"
        f"Officials said some 200 people were killed in Aleppo on Friday {MARKUP[0]} "
        f"{ESCAPES[0]}.\n\n{LONG_LINE}\n\nThe end {MARKUP[2]}.",
        title=f"Title {HOSTILE}",
        outlet=f"{MARKUP[0]} Outlet {ESCAPES[0]}",
        published="2024-11-29",
        byline=f"{MARKUP[3]} {ESCAPES[2]}",
    )
    second = add(
        service,
        f"Another headline {MARKUP[1]}\n\n"
        f"Officials said 277 people were killed in Aleppo on Friday {MARKUP[2]} "
        f"{ESCAPES[1]} {ESCAPES[3]}.\n\nClosing words {UNICODE[0]}.",
        title=f"Second {MARKUP[3]}",
        outlet="",
    )
    service.analyse_pending()
    return first, second


class TestHostileTextEverywhere:
    def test_every_widget_shows_hostile_text_literally_and_inertly(
        self,
        make_service: Callable[..., Service],
        tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        service = make_service(analyzer=HostileFailure())
        first, _second = hostile_corpus(service)
        sentence = service.sentences(first.id)[1]
        service.set_note(first.id, sentence, f"note {HOSTILE}")
        comparison = service.comparison()
        assert comparison.discrepancies(), "the two tolls should disagree"

        async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
            screen = main_screen(app)
            # columns, headers, tabs, legend, status, toasts (the model's failure)
            cells = assert_inert(app, "[b]x[/b] Outlet ␛]0;pwned␇", "Title [b]x[/b]",
                                 "[@click=app.quit]x[/]")  # fmt: skip
            assert "Analysis failed" in cells
            toasts = [str(n.message) for n in app._notifications]
            assert any("crashed [@click=app.quit]x[/] ␛]0;pwned␇" in m for m in toasts), toasts
            assert "crashed [@click=app.quit]x[/]" in cells.replace("\n", "")
            column = screen.panes[0].column
            lines = column.rendered_text()
            assert sum(len(line) for line in lines) > 100_000  # the long line, whole
            assert "⟦U+202E⟧evil" in "\n".join(lines)
            # the inspector, with the note and the comparison
            await pilot.press("down", "i")
            screen.inspector.scroll_home(animate=False)
            await pilot.pause()
            assert_inert(app, "note [b]x[/b] [/", "analysis failed")
            plain = screen.inspector.plain
            for part in ("[link=https://e.vil]y[/link]", "Check-worthiness", "277 people"):
                assert part in plain, part
            screen.inspector.scroll_end(animate=False)
            await pilot.pause()
            assert_inert(app, "Discrepancies")
            # the note editor
            await pilot.press("n")
            assert isinstance(app.screen, NoteEditor)
            assert_inert(app, "note [b]x[/b] [/ [@click=app.quit]x[/]")
            await pilot.press("escape")
            # search: a hostile query, typed into the field by assignment
            await pilot.press("slash")
            assert isinstance(app.screen, SearchScreen)
            app.screen.query_one(Input).value = f"Officials {ESCAPES[0]} [b]x"
            await pilot.pause()
            assert_inert(app, "Officials ␛]0;pwned␇ [b]x")
            app.screen.query_one(Input).value = "Officials"
            await pilot.pause()
            assert_inert(app, "Officials said")
            await pilot.press("escape")
            # the discrepancies panel
            await pilot.press("D")
            assert isinstance(app.screen, DiscrepanciesScreen)
            assert_inert(app, "some 200 people", "277 people", "Officials said 277 people")
            await pilot.press("escape")
            # the entities panel (outlets as column names)
            await pilot.press("E")
            assert isinstance(app.screen, EntitiesScreen)
            assert_inert(app, "1 [b]x[/b] Outlet ␛]0;pwned␇")
            await pilot.press("escape")
            # help and the command palette (one entry per column, named by its outlet)
            await pilot.press("question_mark")
            assert isinstance(app.screen, HelpScreen)
            assert_inert(app, "Tag disputed")
            await pilot.press("escape", "ctrl+p")
            assert isinstance(app.screen, CommandPalette)
            app.screen.query_one(Input).value = "column"
            await pilot.pause(0.3)
            assert_inert(app, "Go to column 1: [b]x[/b] Outlet ␛]0;pwned␇")
            await pilot.press("escape")
            await pilot.pause()
            assert isinstance(app.screen, MainScreen)
            # the conflict dialog, with a hostile note on both sides
            other = make_service(user=HOSTILE)
            other.claims()
            other.set_note(first.id, sentence, f"theirs {HOSTILE}")
            await pilot.press("d")
            assert isinstance(app.screen, ConflictDialog)
            assert_inert(app, "theirs [b]x[/b] [/", "[@click=app.quit]x[/]", "Yours (not saved)")
            await pilot.press("escape")
            assert app.is_running

        # No re-reading on a timer: the other instance's note must make a conflict.
        monkeypatch.setattr("annotator.tui.screens.main.POLL_SECONDS", 3600)

        async def main() -> None:
            app = make_app(service)
            # With toasts (Pilot leaves them out by default): they show the failure.
            async with app.run_test(size=(120, 36), notifications=True) as pilot:
                await settle(pilot)
                await scenario(pilot, app)

        asyncio.run(main())
        assert [c.verdict for c in service.claims()] == [None]  # nothing of the dialog saved
