"""Check-worthiness: explainable features, documented weights, ranking."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from annotator.compare import Comparison, compare_articles
from annotator.model import Article
from annotator.service import Service
from annotator.triage import WEIGHTS, hedges, superlatives
from tests.fake_nlp import FakeAnalyzer
from tests.test_compare import _seeded_service, find


@pytest.fixture(scope="module")
def comparison() -> Iterator[Comparison]:
    service: Service = _seeded_service(FakeAnalyzer())
    yield service.comparison()
    service.store.close()


def features(comparison: Comparison, prefix: str, quote: str) -> dict[str, tuple[float, str]]:
    item = comparison.checkworthiness(*find(comparison, prefix, quote))
    assert item is not None
    return {f.name: (f.weight, f.detail) for f in item.features}


def test_a_disputed_attributed_figure_scores_high(comparison: Comparison) -> None:
    found = features(comparison, "003", "More than 180 combatants")
    assert found["quantity"] == (WEIGHTS["quantity"], "More than 180 combatants")
    assert found["attribution"] == (
        WEIGHTS["attribution"], "the Syrian Observatory for Human Rights",
    )  # fmt: skip
    assert found["discrepancy"] == (WEIGHTS["discrepancy"], "quantity")
    item = comparison.checkworthiness(*find(comparison, "003", "More than 180 combatants"))
    assert item is not None and item.score >= 0.7
    assert item.score == round(min(1.0, sum(f.weight for f in item.features)), 2)


def test_hedges_superlatives_and_entities_are_features(comparison: Comparison) -> None:
    found = features(comparison, "003", "Fighters reportedly also advanced")
    assert found["hedge"][1] == "reportedly"
    assert "Saraqab" in found["named entities"][1]
    assert found["discrepancy"][1] == "spelling"
    found = features(comparison, "001", "This offensive is one of the largest")
    assert found["superlative"][1] == "largest; most intense"


def test_headings_are_penalised(comparison: Comparison) -> None:
    found = features(comparison, "003", "INSURGENT COMMANDER")
    assert found == {"short": (WEIGHTS["short"], "2 words")}
    item = comparison.checkworthiness(*find(comparison, "003", "INSURGENT COMMANDER"))
    assert item is not None and item.score == 0.0


def test_ranking_and_top(comparison: Comparison) -> None:
    ranked = comparison.triage()
    total = sum(len(comparison.sentences(a)) for a in comparison.articles)
    assert len(ranked) == total
    scores = [t.score for t in ranked]
    assert scores == sorted(scores, reverse=True) and 0.0 <= min(scores) <= max(scores) <= 1.0
    assert comparison.triage(top=5) == ranked[:5]
    names = {f.name for t in ranked for f in t.features}
    assert names <= set(WEIGHTS)


def test_hedge_and_superlative_words() -> None:
    assert hedges("They allegedly fired; it is unclear why; the claims were denied") == [
        "allegedly", "it is unclear", "claims",
    ]  # fmt: skip
    assert superlatives("at least 19 and at most 20 died in the deadliest, first attack") == [
        "deadliest", "first",
    ]  # fmt: skip
    assert superlatives("most of them") == []


def test_a_plain_sentence_has_no_features() -> None:
    article = Article(id="c" * 64, text="The weather was mild and people went for a walk.",
                      title="x")  # fmt: skip
    sentences = FakeAnalyzer().analyse([article.text])[0].sentences
    comparison = compare_articles([(article, sentences)])
    (item,) = comparison.triage()
    assert (item.score, item.features) == (0.0, ())
