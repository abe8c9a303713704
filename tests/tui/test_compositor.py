"""The reader's compositor: a partial update draws only the widgets its changed spans cross,
and writes exactly what Textual's own compositor would have written."""

from __future__ import annotations

import pytest
from textual._compositor import ChopsUpdate, Compositor
from textual.geometry import Region
from textual.pilot import Pilot
from textual.strip import Strip

from annotator.service import Service
from annotator.tui.app import AnnotatorApp, make_app
from annotator.tui.compositor import SpanCompositor
from annotator.tui.widgets.article_column import ArticleColumn
from tests.tui.test_app import main_screen, run, settle, shown

# Keys that change small and scattered parts of the screen: cursor moves that scroll,
# tags (status line, header and column at once), undo, moves between columns that move
# the window of columns, the filter, the highlight, the end and back.
KEYS = [
    *["down"] * 14,
    "c", "d", "z", "tab", "down", "u", "tab", "tab", "tab", "c", "shift+tab",
    "f", "f", "h", "h", "end", "up", "home", "z", "z",
]  # fmt: skip


def test_partial_updates_write_what_textual_would(
    seeded: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    own = SpanCompositor.render_partial_update
    compared: list[str] = []

    def checked(self: SpanCompositor) -> ChopsUpdate | None:
        dirty = set(self._dirty_regions)
        ours = own(self)
        self._dirty_regions.update(dirty)
        theirs = Compositor.render_partial_update(self)  # Textual's own `_get_renders`
        assert (ours is None) == (theirs is None)
        if ours is not None and theirs is not None:
            console = app.console
            written = ours.render_segments(console)
            assert written == theirs.render_segments(console)
            compared.append(written)
        return ours

    monkeypatch.setattr(SpanCompositor, "render_partial_update", checked)
    app = make_app(seeded)

    async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
        assert isinstance(main_screen(app)._compositor, SpanCompositor)
        for key in KEYS:
            await pilot.press(key)
            await pilot.pause()
        await settle(pilot)

    run(app, scenario)
    assert len(compared) >= len(KEYS) // 2
    assert sum("confirmed" in frame for frame in compared) >= 1  # the tags were drawn


def test_a_tag_draws_no_other_column(seeded: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """A tag changes the status line (bottom row), the column's header and the sentence:
    Textual's compositor drew every widget inside the box around them, every column."""
    drawn: list[ArticleColumn] = []
    render_lines = ArticleColumn.render_lines

    def counted(self: ArticleColumn, crop: Region) -> list[Strip]:
        drawn.append(self)
        return render_lines(self, crop)

    async def scenario(pilot: Pilot[int], app: AnnotatorApp) -> None:
        screen = main_screen(app)
        assert shown(app) == [1, 2, 3]
        monkeypatch.setattr(ArticleColumn, "render_lines", counted)
        await pilot.press("c")
        await pilot.pause()
        assert screen.status.message.startswith("S1 confirmed")
        assert drawn and set(drawn) == {screen.current_column}

    run(make_app(seeded), scenario)
