"""Reading the columns: those in view before the first paint, the rest by a worker just after
(`reader_loading`), and a column needed before the worker reaches it on the spot."""

from __future__ import annotations

import asyncio
import gc
import threading
from collections import Counter
from dataclasses import replace

import pytest

from annotator.model import Article, Verdict
from annotator.service import Service
from annotator.tui.app import make_app
from annotator.tui.screens import reader_loading
from annotator.tui.screens.reader_loading import read_first
from tests.conftest import SEEDS
from tests.tui.test_app import main_screen, settle


def _articles(*lengths: int) -> list[Article]:
    blank = Article(id="a", text="", title="")
    return [replace(blank, id=str(n), text="x" * length) for n, length in enumerate(lengths)]


def test_read_first_takes_the_columns_in_view_then_more_while_small(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(reader_loading, "LOAD_AT_ONCE_CHARS", 1000)
    big = _articles(5000, 5000, 5000, 10, 10)
    # 120 cells: three columns of 40 are in view, read whatever their size; no more fit.
    assert [a.id for a in read_first(big, 120)] == ["0", "1", "2"]
    small = _articles(300, 300, 300, 90, 20)
    assert [a.id for a in read_first(small, 80)] == ["0", "1", "2", "3"]  # 990 ≤ 1000 < 1010
    assert [a.id for a in read_first(small, 10)] == ["0", "1", "2", "3"]  # at least one
    assert read_first([], 80) == []


def test_columns_out_of_view_are_read_after_the_first_paint(
    seeded: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_loading, "LOAD_AT_ONCE_CHARS", 0)
    gate = threading.Event()  # the worker reads nothing until it is set
    real_load = reader_loading.load

    def gated(service: Service, article: Article) -> reader_loading.LoadedArticle:
        if threading.current_thread() is not threading.main_thread():
            assert gate.wait(30)
        return real_load(service, article)

    monkeypatch.setattr(reader_loading, "load", gated)
    articles = seeded.articles()
    last = articles[4]
    seeded.tag(last.id, seeded.sentence(last.id, 1), Verdict.DISPUTED)
    expected_labels = Counter(
        entity.label
        for article in articles
        for sentence in seeded.sentences(article.id)
        for entity in sentence.entities
    )

    async def main() -> None:
        app = make_app(seeded, [SEEDS], analyse=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = main_screen(app)
            columns = screen.columns
            # 80 cells hold two columns: those two were read before the first paint.
            assert [len(c.sentences) > 0 for c in columns] == [True, True, False, False, False]
            assert [c.unread for c in columns] == [False, False, True, True, True]
            assert screen.loader.reading and screen.comparison is None
            await pilot.press("4")  # needed before the worker reached it: read on the spot
            assert screen.current == 3 and columns[3].sentences and not columns[3].unread
            assert columns[3].current_sentence is not None
            assert columns[4].unread
            gate.set()
            await settle(pilot)
            assert not screen.loader.reading
            for article, column in zip(articles, columns, strict=True):
                assert column.sentences == seeded.sentences(article.id)
            assert screen.panes[4].header.counts_text == "✔ 0 ✖ 1 ? 0"  # its claim, read too
            shown = screen.label_counts()
            assert shown == expected_labels and sum(shown.values()) > 0
            assert screen.comparison is not None  # compared once every column was read

    asyncio.run(main())


def test_a_column_shown_before_it_is_read_says_loading(
    seeded: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(reader_loading, "LOAD_AT_ONCE_CHARS", 0)
    gate = threading.Event()
    real_read = reader_loading.ColumnLoader._read

    def gated(loader: reader_loading.ColumnLoader, articles: list[Article]) -> None:
        assert gate.wait(30)
        real_read(loader, articles)

    monkeypatch.setattr(reader_loading.ColumnLoader, "_read", gated)

    async def main() -> None:
        app = make_app(seeded, [SEEDS], analyse=False)
        async with app.run_test(size=(80, 24)) as pilot:
            screen = main_screen(app)
            await pilot.resize_terminal(200, 24)  # five columns fit: three not read yet
            await pilot.pause()
            column = screen.columns[2]
            assert column.unread and column.rendered_text()[0].strip() == "loading…"
            gate.set()
            await settle(pilot)
            assert not column.unread and column.rendered_text()[0].strip() != "loading…"

    asyncio.run(main())


def test_once_read_the_story_is_left_out_of_later_collections(seeded: Service) -> None:
    """Every column read (and the comparison loaded), the reader moves what it built to the
    collector's permanent generation: full collections no longer walk it between keys."""
    counts: list[int] = []

    async def main() -> None:
        app = make_app(seeded, [SEEDS], analyse=False)
        counts.append(gc.get_freeze_count())
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            counts.append(gc.get_freeze_count())
            screen = main_screen(app)
            assert screen.comparing.comparison is not None

    asyncio.run(main())
    before, after = counts
    assert after - before > 10_000, counts


def test_the_collector_paused_at_start_runs_again_once_the_columns_are_drawn(
    seeded: Service,
) -> None:
    """`annotator open` pauses the collector before its imports; the reader's first frame
    of columns freezes what start-up made and lets the collector run again."""
    from annotator.tui import heap

    states: list[tuple[bool, int]] = []

    async def main() -> None:
        app = make_app(seeded, [SEEDS], analyse=False)
        async with app.run_test(size=(80, 24)) as pilot:
            states.append((gc.isenabled(), gc.get_freeze_count()))
            await pilot.pause()
            states.append((gc.isenabled(), gc.get_freeze_count()))

    heap.pause()
    before = gc.get_freeze_count()
    try:
        asyncio.run(main())
    finally:
        heap.resume()
    (enabled_at_mount, _), (enabled_after_frame, frozen) = states
    assert not enabled_at_mount  # still paused while the first screen was built
    assert enabled_after_frame and frozen > before + 10_000, (states, before)


def test_the_collector_runs_again_even_if_no_column_comes(
    seeded: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    from annotator.tui import heap
    from annotator.tui.screens.main import MainScreen

    async def never_opened(self: MainScreen, message: object) -> None:
        return None  # the columns never come (an opening that hangs or failed)

    monkeypatch.setattr(MainScreen, "on_main_screen_opened", never_opened)
    monkeypatch.setattr(heap, "PAUSE_LIMIT", 0.1)
    states: list[bool] = []

    async def main() -> None:
        app = make_app(seeded, [SEEDS], analyse=False)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            states.append(gc.isenabled())
            await pilot.pause(0.3)
            states.append(gc.isenabled())

    heap.pause()
    try:
        asyncio.run(main())
    finally:
        heap.resume()
    assert states == [False, True]  # paused at first, running once the limit has passed
