"""Pilot tests of bounded analysis: a model stuck on one article ends, within the time limit, as
a visible failure (status line, toast, column header) like any model failure, while the reader
answers keys throughout, during the hang and after it (the stuck thread is still blocked); and
quitting does not wait for a stuck model."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

import pytest

from annotator.service import Service
from annotator.tui.app import make_app
from tests.conftest import SEEDS
from tests.test_bounded_analysis import TRIGGER, HangingAnalyzer, RenewableHangingAnalyzer, bounded
from tests.tui.test_app import SIZE, current, main_screen, settle


@pytest.fixture
def release() -> Iterator[threading.Event]:
    event = threading.Event()
    yield event
    event.set()  # the stuck threads end: none is left behind


class TestAnalysisTimeout:
    def test_a_hanging_model_is_a_visible_failure_and_keys_work_throughout(
        self, make_service: Callable[..., Service], release: threading.Event
    ) -> None:
        family: list[HangingAnalyzer] = []
        service = bounded(make_service(analyzer=RenewableHangingAnalyzer(release, family=family)))

        async def main() -> None:
            app = make_app(service, [str(SEEDS)])
            async with app.run_test(size=SIZE) as pilot:
                screen = main_screen(app)
                for _ in range(50):  # until the columns are there (the model hangs meanwhile)
                    await pilot.pause(0.01)
                    if screen.panes and family[0].inside:
                        break
                assert screen.analysing and family[0].inside == 1
                await pilot.press("j")  # the reader answers while the model hangs
                assert current(app).cursor == 1

                await settle(pilot)  # the analysis gave up on the culprit and went on
                assert not screen.analysing
                (culprit,) = [p for p in screen.panes if TRIGGER in p.article.text]
                reason = "analysis took longer than 0.2 s, stopped waiting"
                assert screen.status.kind == "error"
                assert f"analysis failed for 1 article ({culprit.number} " in screen.status.message
                assert reason in screen.status.message
                toasts = [(n.title, str(n.message)) for n in app._notifications]
                assert any(t == "Analysis failed" and reason in m for t, m in toasts), toasts
                assert culprit.header.failure == reason
                assert screen.label_counts()  # the other articles have their entities
                assert [a.inside for a in family] == [1, 1, 0]  # two calls are still stuck
                await pilot.press("j")  # and the reader still answers
                assert current(app).cursor == 2

        asyncio.run(main())


class TestQuittingWhileTheModelHangs:
    def test_the_app_quits_at_once_and_the_analysis_stops_once_the_model_returns(
        self, make_service: Callable[..., Service], release: threading.Event
    ) -> None:
        family: list[HangingAnalyzer] = []
        service = make_service(analyzer=HangingAnalyzer(release, family=family))  # 30 s limit
        quit_at = 0.0

        async def main() -> None:
            nonlocal quit_at
            app = make_app(service, [str(SEEDS)])
            async with app.run_test(size=SIZE) as pilot:
                screen = main_screen(app)
                for _ in range(200):  # until the model is stuck
                    await pilot.pause(0.01)
                    if family[0].inside:
                        break
                assert screen.analysing and family[0].inside == 1
                quit_at = time.monotonic()
                await pilot.press("q")

        asyncio.run(main())
        assert time.monotonic() - quit_at < 2.0  # the event loop and its threads are gone
        assert family[0].inside == 1  # the model is still stuck: nothing waited for it
        (analysis,) = [t for t in threading.enumerate() if t.name == "analyse"]
        release.set()
        analysis.join(5)  # the model returns: the analysis stops after that batch
        assert not analysis.is_alive()
