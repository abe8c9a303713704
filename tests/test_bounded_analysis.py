"""Bounded analysis: a model that hangs on one article is given up on within a time limit that
grows with the text; that article alone is recorded as a failure (keeping its fallback
sentences), the others are analysed, the stuck call can change nothing later, and no
analyzer is ever used by two threads at once."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from annotator import cli
from annotator.model import Article, NlpResult
from annotator.nlp import ModelInfo, SpacyAnalyzer
from annotator.service import (
    ANALYSIS_BASE_SECONDS,
    ANALYSIS_SECONDS_PER_CHAR,
    Service,
)
from tests.conftest import SEEDS
from tests.fake_nlp import FakeAnalyzer

TRIGGER = "Worthy News"  # only in seeds/003
LIMIT = 0.2  # seconds per call in these tests (no per-character budget)


class HangingAnalyzer(FakeAnalyzer):
    """Blocks on `release` for any batch holding a text that mentions `trigger`, as a model
    stuck on a pathological text would; counts how many threads are inside it at once."""

    def __init__(
        self, release: threading.Event, trigger: str = TRIGGER, *, family: list[HangingAnalyzer]
    ) -> None:
        super().__init__()
        self.release = release
        self.trigger = trigger
        self.family = family  # every analyzer made by `fresh`, this one first
        self.family.append(self)
        self.attempts = 0  # calls of `analyse`, ended or not
        self.inside = 0
        self.most_inside = 0
        self.finished = threading.Event()  # set when a call that hung has returned

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
        self.attempts += 1
        self.inside += 1
        self.most_inside = max(self.most_inside, self.inside)
        try:
            if any(self.trigger in text for text in texts):
                self.release.wait(10)
                results = super().analyse(texts)
                self.finished.set()
                return results
            return super().analyse(texts)
        finally:
            self.inside -= 1


class RenewableHangingAnalyzer(HangingAnalyzer):
    def fresh(self) -> RenewableHangingAnalyzer:
        """A new analyzer of the same model, as `SpacyAnalyzer.fresh` makes."""
        return RenewableHangingAnalyzer(self.release, self.trigger, family=self.family)


@pytest.fixture
def release() -> Iterator[threading.Event]:
    """The event the hanging analyzers wait on; set at the end so that no thread is left."""
    event = threading.Event()
    yield event
    event.set()


def bounded(service: Service) -> Service:
    service.analysis_base_seconds = LIMIT
    service.analysis_seconds_per_char = 0.0
    return service


def seeds_and_a_hanging_model(
    make_service: Callable[..., Service], release: threading.Event
) -> tuple[Service, list[HangingAnalyzer], Article]:
    """A bounded service whose model (renewable) hangs on the culprit, with the seeds open:
    the service, the analyzers made so far (the first one only), and the culprit."""
    family: list[HangingAnalyzer] = []
    service = bounded(make_service(analyzer=RenewableHangingAnalyzer(release, family=family)))
    service.open_paths([SEEDS])
    (culprit,) = [a for a in service.articles() if TRIGGER in a.text]
    return service, family, culprit


def test_a_hanging_article_is_given_up_on_in_time_and_the_others_are_analysed(
    make_service: Callable[..., Service], release: threading.Event
) -> None:
    service, family, culprit = seeds_and_a_hanging_model(make_service, release)
    fallback = service.sentences(culprit.id)

    started = time.monotonic()
    done = service.analyse_pending()
    elapsed = time.monotonic() - started

    # the batch of five hung, then the culprit alone: two limits, not ten seconds
    assert 2 * LIMIT <= elapsed < 2 * LIMIT + 1.0, elapsed
    assert done == 4
    (failure,) = service.analysis_failures()
    assert failure.article_id == culprit.id
    assert failure.reason == "analysis took longer than 0.2 s, stopped waiting"
    assert "took longer than 0.2 s" in str(failure) and "fallback splitter" in str(failure)
    assert service.sentences(culprit.id) == fallback
    models = service.store.article_models()
    assert models[culprit.id] == "" and sorted(models.values()) == [""] + ["fake@1"] * 4
    # an analyzer with a stuck call is used no more: the batch in the first; the three
    # articles before the culprit, then the culprit, in the second; the last in the third
    assert len(family) == 3 and service.analyzer is family[2]
    assert [a.attempts for a in family] == [1, 4, 1]
    assert all(a.most_inside == 1 for a in family)
    assert service.analyse_pending() == 0  # not retried in a loop


def test_a_stuck_call_that_ends_later_changes_nothing(
    make_service: Callable[..., Service], release: threading.Event
) -> None:
    service, family, culprit = seeds_and_a_hanging_model(make_service, release)
    service.analyse_pending()
    before = service.store.data_version(), service.sentences(culprit.id)
    release.set()  # the stuck calls end now, with results
    for analyzer in family[:2]:
        assert analyzer.finished.wait(2)
        while analyzer.inside:  # until its thread has returned into its (unread) holder
            time.sleep(0.01)
    assert (service.store.data_version(), service.sentences(culprit.id)) == before
    assert service.store.cached_analysis(culprit.id, "fake@1", culprit.text) is None
    assert [f.article_id for f in service.analysis_failures()] == [culprit.id]


def test_without_a_fresh_analyzer_analysing_stops_and_says_on_what(
    make_service: Callable[..., Service], release: threading.Event
) -> None:
    family: list[HangingAnalyzer] = []
    service = bounded(make_service(analyzer=HangingAnalyzer(release, family=family)))
    service.open_paths([SEEDS])
    articles = service.articles()
    position = next(i for i, a in enumerate(articles) if TRIGGER in a.text)
    culprit = articles[position]

    started = time.monotonic()
    done = service.analyse_pending(batch=1)
    assert time.monotonic() - started < LIMIT + 1.0

    assert done == position  # those before it; none after (its analyzer is still busy)
    reasons = {f.article_id: f.reason for f in service.analysis_failures()}
    assert reasons.pop(culprit.id) == "analysis took longer than 0.2 s, stopped waiting"
    assert sorted(reasons) == sorted(a.id for a in articles[position + 1 :])
    stuck_on = f"not analysed: the model is stuck on {culprit.title[:60]}…"
    assert set(reasons.values()) == {stuck_on}
    assert family[0].most_inside == 1 and family[0].attempts == position + 1

    release.set()  # the model gets unstuck after all: its analyzer may be used again
    assert family[0].finished.wait(2)
    while family[0].inside:
        time.sleep(0.01)
    assert service.analyse_pending(retry_failed=True) == len(articles) - position
    assert service.analysis_failures() == []


def test_too_many_stuck_calls_stop_the_analysis(
    make_service: Callable[..., Service], release: threading.Event
) -> None:
    family: list[HangingAnalyzer] = []
    service = bounded(make_service(analyzer=RenewableHangingAnalyzer(release, family=family)))
    service.max_stuck_analyses = 1
    service.open_paths([SEEDS])
    assert service.analyse_pending() == 0  # the batch hung: no second model is loaded
    assert len(family) == 1
    failures = service.analysis_failures()
    assert len(failures) == 5
    assert {f.reason for f in failures} == {
        "analysis took longer than 0.2 s, stopped waiting on a batch of 5 articles "
        "(not retried: it is stuck)"
    }


def test_the_time_limit_grows_with_the_text(make_service: Callable[..., Service]) -> None:
    service = make_service()
    assert service.analysis_limit([]) == ANALYSIS_BASE_SECONDS == 30.0
    one_million = ANALYSIS_BASE_SECONDS + 1_000_000 * ANALYSIS_SECONDS_PER_CHAR
    assert service.analysis_limit(["x" * 600_000, "y" * 400_000]) == pytest.approx(one_million)
    assert 100 < one_million < 600  # generous for a slow model, yet bounded
    service.analysis_base_seconds, service.analysis_seconds_per_char = 1.0, 0.5
    assert service.analysis_limit(["abcd"]) == 3.0


def test_a_spacy_analyzer_makes_a_fresh_unloaded_copy_of_itself() -> None:
    analyzer = SpacyAnalyzer(ModelInfo("some_model", "1.2"), batch_size=7, max_chars=900)
    fresh = analyzer.fresh()
    assert fresh is not analyzer and not fresh.loaded
    assert (fresh.model_key, fresh.batch_size, fresh.max_chars) == ("some_model@1.2", 7, 900)
    assert fresh._run_lock is not analyzer._run_lock


def test_the_cli_names_the_article_it_gave_up_on_and_exits(
    make_service: Callable[..., Service],
    release: threading.Event,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    import annotator.service

    family: list[HangingAnalyzer] = []
    monkeypatch.setattr(
        annotator.service,
        "open_service",
        lambda db, user="", model=None: bounded(
            make_service(user=user, analyzer=RenewableHangingAnalyzer(release, family=family))
        ),
    )
    started = time.monotonic()
    code = cli.main(["import", str(SEEDS), "--user", "tester"])
    assert time.monotonic() - started < 2 * LIMIT + 1.0
    out, err = capsys.readouterr()
    assert code == 2 and "5 articles opened, 5 new" in out
    assert "analysis of" in err and "analysis took longer than 0.2 s, stopped waiting" in err
    assert err.count("annotator: analysis of") == 1  # the culprit only
