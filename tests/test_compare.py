"""Comparing outlets on the seed story: alignment against hand-written gold facts,
discrepancies, entity variants, coverage, the service's cache and `tag_aligned`."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from annotator.compare import Comparison, compare_articles
from annotator.model import Article, Entity, Sentence, Verdict
from annotator.nlp import split_sentences
from annotator.service import Service
from annotator.store import Store
from annotator.variants import Mention, merge_entities
from tests.conftest import SEEDS, fixed_clock
from tests.fake_nlp import FakeAnalyzer

GOLD = Path(__file__).parent / "data" / "seed_facts.json"


def _seeded_service(analyzer: object | None) -> Service:
    service = Service(Store(":memory:"), analyzer, user="tester", clock=fixed_clock())  # type: ignore[arg-type]
    report = service.open_paths([SEEDS])
    assert not report.errors
    service.analyse_pending()
    return service


@pytest.fixture(scope="module")
def fake_service() -> Iterator[Service]:
    service = _seeded_service(FakeAnalyzer())
    yield service
    service.store.close()


@pytest.fixture(scope="module")
def comparison(fake_service: Service) -> Comparison:
    return fake_service.comparison()


def by_prefix(comparison: Comparison) -> dict[str, str]:
    """Seed file prefix ("003") → article id."""
    return {
        Path(a.source_path).name[:3]: a.id
        for a in _articles(comparison)  # the comparison keeps corpus order
    }


def _articles(comparison: Comparison) -> list[Article]:
    return [comparison.article(a) for a in comparison.articles]


def find(comparison: Comparison, prefix: str, quote: str) -> tuple[str, int]:
    """The (article id, 0-based index) of the one sentence of a seed that contains `quote`."""
    article_id = by_prefix(comparison)[prefix]
    hits = [s.index for s in comparison.sentences(article_id) if quote in s.text]
    assert len(hits) == 1, (prefix, quote, hits)
    return article_id, hits[0]


# ------------------------------------------------------------------ gold alignment


def gold_scores(comparison: Comparison) -> tuple[float, float, list[str]]:
    """Precision and recall of `comparison.aligned` against tests/data/seed_facts.json.

    A match is right when the two sentences share a gold fact, neutral when their facts are
    listed as related (or a sentence is a heading), else wrong. Recall: for each sentence of
    a fact and each other article that reports one of its facts, is its aligned match there
    a sentence of one of those facts?
    """
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    facts_of: dict[tuple[str, int], set[str]] = {}
    members: dict[str, dict[str, set[tuple[str, int]]]] = {}
    for name, fact in gold["facts"].items():
        for prefix, quotes in fact.items():
            if prefix == "about":
                continue
            for quote in quotes:
                ref = find(comparison, prefix, quote)
                facts_of.setdefault(ref, set()).add(name)
                members.setdefault(name, {}).setdefault(ref[0], set()).add(ref)
    related = {frozenset(pair) for pair in gold["related"]}
    neutral = {find(comparison, p, q) for p, quotes in gold["neutral"].items() for q in quotes}
    right = wrong = hit = miss = 0
    mistakes = []
    for article_id in comparison.articles:
        for sentence in comparison.sentences(article_id):
            ref = (article_id, sentence.index)
            mine = facts_of.get(ref, set())
            aligned = comparison.aligned(*ref)
            for match in aligned:
                other = (match.article_id, match.index)
                theirs = facts_of.get(other, set())
                if ref in neutral or other in neutral:
                    continue
                if mine & theirs:
                    right += 1
                elif not any(frozenset((x, y)) in related for x in mine for y in theirs):
                    wrong += 1
                    mistakes.append(f"wrong: {sentence.text[:50]!r} -> {match.number}")
            wanted: dict[str, set[tuple[str, int]]] = {}
            for name in mine:
                for other_article, refs in members[name].items():
                    if other_article != article_id:
                        wanted.setdefault(other_article, set()).update(refs)
            for other_article, refs in wanted.items():
                got = [(m.article_id, m.index) for m in aligned if m.article_id == other_article]
                if got and got[0] in refs:
                    hit += 1
                else:
                    miss += 1
                    mistakes.append(f"missed: {sentence.text[:50]!r}")
    return right / (right + wrong), hit / (hit + miss), mistakes


def test_gold_file_quotes_each_name_one_sentence(comparison: Comparison) -> None:
    gold = json.loads(GOLD.read_text(encoding="utf-8"))
    assert len(gold["facts"]) >= 40
    for fact in gold["facts"].values():
        for prefix, quotes in fact.items():
            if prefix != "about":
                for quote in quotes:
                    find(comparison, prefix, quote)  # exactly one sentence each


def test_alignment_precision_and_recall_on_the_gold_facts(comparison: Comparison) -> None:
    precision, recall, mistakes = gold_scores(comparison)
    assert precision >= 0.85, (precision, mistakes)
    assert recall >= 0.85, (recall, mistakes)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("000", "Insurgents breached Syria’s second-largest city"),
         ("001", "Insurgents breached the western edge")),
        (("000", "Insurgents breached Syria’s second-largest city"),
         ("003", "Syrian opposition groups have breached")),
        (("001", "now control about 70 locations"), ("004", "approximately 70 locations")),
        (("000", "Israel has also escalated its attacks"),
         ("004", "Israel has also escalated its attacks")),
        (("001", "dozens of fighters from both sides"),
         ("004", "The Syrian Observatory said dozens of fighters")),
    ],
)  # fmt: skip
def test_known_same_fact_pairs_are_aligned(
    comparison: Comparison, a: tuple[str, str], b: tuple[str, str]
) -> None:
    ref_a, ref_b = find(comparison, *a), find(comparison, *b)
    assert ref_b in [(m.article_id, m.index) for m in comparison.aligned(*ref_a)]


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (("003", "More than half a million people"), ("004", "At least 277 people")),
        (("000", "during the last 70 days"), ("001", "now control about 70 locations")),
        (("002", "Dareen Khalifa"), ("004", "The Syrian Observatory said dozens")),
    ],
)
def test_known_non_pairs_are_not_aligned(
    comparison: Comparison, a: tuple[str, str], b: tuple[str, str]
) -> None:
    ref_a, ref_b = find(comparison, *a), find(comparison, *b)
    assert ref_b not in [(m.article_id, m.index) for m in comparison.aligned(*ref_a)]
    assert ref_a not in [(m.article_id, m.index) for m in comparison.aligned(*ref_b)]


def test_matches_are_one_per_other_article_best_first(comparison: Comparison) -> None:
    for article_id in comparison.articles:
        for sentence in comparison.sentences(article_id):
            matches = comparison.matches(article_id, sentence.index)
            articles = [m.article_id for m in matches]
            assert len(articles) == len(set(articles)) and article_id not in articles
            scores = [m.score for m in matches]
            assert scores == sorted(scores, reverse=True)
            assert all(0.0 < s <= 1.0 for s in scores)
            aligned = comparison.aligned(article_id, sentence.index)
            assert all(m in matches and m.score >= comparison.threshold for m in aligned)
    assert comparison.matches("no-such-article", 0) == []
    assert comparison.aligned(comparison.articles[0], 10_000) == []


def test_pairs_are_unique_and_symmetric_in_order(comparison: Comparison) -> None:
    pairs = comparison.pairs()
    keys = [(p.article_a, p.sentence_a, p.article_b, p.sentence_b) for p in pairs]
    assert len(keys) == len(set(keys)) and len(pairs) > 50
    order = comparison.articles
    assert all(order.index(p.article_a) < order.index(p.article_b) for p in pairs)


# ------------------------------------------------------------------ discrepancies


def readings(comparison: Comparison, kind: str) -> set[frozenset[str]]:
    return {
        frozenset((d.reading_a, d.reading_b)) for d in comparison.discrepancies() if d.kind == kind
    }


def test_the_death_toll_disagreement_is_found(comparison: Comparison) -> None:
    found = readings(comparison, "quantity")
    assert frozenset({"some 200 people", "At least 277 people"}) in found
    assert frozenset({"More than 180 combatants", "At least 277 people"}) in found
    assert frozenset({"dozens of fighters", "More than 180 combatants"}) in found


def test_the_three_spellings_of_the_town_are_found(comparison: Comparison) -> None:
    spelt = [d for d in comparison.discrepancies() if d.kind == "spelling"]
    town = [d for d in spelt if "Saraqab" in (d.reading_a, d.reading_b)]
    assert {d.reading_a for d in town} | {d.reading_b for d in town} == {
        "Saraqab", "Saragab", "Saraqeb",
    }  # fmt: skip
    assert frozenset({"Bashar Assad", "Bashar al-Assad"}) in readings(comparison, "spelling")


def test_agreeing_figures_are_not_discrepancies(comparison: Comparison) -> None:
    for d in comparison.discrepancies():
        pair = {d.reading_a, d.reading_b}
        assert pair != {"about 70 locations", "approximately 70 locations"}
        assert not pair & {"about 70 locations", "approximately 70 locations", "four people"}
        assert "More than half a million people" not in pair  # the civil war's toll
        assert "28 civilians" not in pair or "at least 19 civilians" in pair  # parts vs parts


def test_discrepancy_sources_point_at_their_readings(comparison: Comparison) -> None:
    discrepancies = comparison.discrepancies()
    assert {d.kind for d in discrepancies} <= {"quantity", "entity", "spelling"}
    for d in discrepancies:
        assert d.reading_a in comparison.sentence(d.article_a, d.sentence_a).text
        assert d.reading_b in comparison.sentence(d.article_b, d.sentence_b).text
        assert d.explanation and "\n" not in d.explanation
        assert d in comparison.discrepancies_for(d.article_a, d.sentence_a)
        assert d in comparison.discrepancies_for(d.article_b, d.sentence_b)


def _article(article_id: str, lines: list[str], published: str = "") -> Article:
    return Article(id=article_id, text="\n".join(lines), title=lines[0], published=published)


def _corpus(*articles: Article) -> list[tuple[Article, tuple[Sentence, ...]]]:
    return [(a, FakeAnalyzer().analyse([a.text])[0].sentences) for a in articles]


def test_a_different_person_and_a_different_day_are_discrepancies() -> None:
    one = _article("a" * 64, [
        "Protests in Aleppo",
        "Dmitry Peskov said on Friday that the attack on Aleppo violated Syria’s sovereignty.",
    ], published="2024-11-29")  # fmt: skip
    two = _article("b" * 64, [
        "Kremlin on Aleppo",
        "Dareen Khalifa said on Thursday that the attack on Aleppo violated Syria’s sovereignty.",
    ], published="2024-11-29")  # fmt: skip
    comparison = compare_articles(_corpus(one, two))
    kinds = {(d.kind, d.reading_a, d.reading_b) for d in comparison.discrepancies()}
    assert ("entity", "Dmitry Peskov", "Dareen Khalifa") in kinds
    assert ("quantity", "Friday", "Thursday") in kinds


def test_without_entities_alignment_and_figures_still_work() -> None:
    service = _seeded_service(None)  # the fallback splitter only: no entities
    comparison = service.comparison()
    assert comparison.entities() == []
    assert readings(comparison, "spelling") == set()
    found = readings(comparison, "quantity")
    assert frozenset({"some 200 people", "At least 277 people"}) in found
    ref = find(comparison, "000", "The surprise attack added new uncertainly")
    other = find(comparison, "004", "The surprise attack added new uncertainly")
    assert other in [(m.article_id, m.index) for m in comparison.aligned(*ref)]
    precision, recall, _ = gold_scores(comparison)
    assert precision >= 0.8 and recall >= 0.8


# ------------------------------------------------------------------ variants, coverage


def entity_named(comparison: Comparison, name: str) -> Any:
    return next(e for e in comparison.entities() if name in e.variants)


def test_variants_are_merged(comparison: Comparison) -> None:
    town = entity_named(comparison, "Saragab")
    assert set(town.variants) == {"Saraqab", "Saragab", "Saraqeb"}
    assert town.name == "Saraqab"
    assert set(entity_named(comparison, "Assad").variants) == {
        "Bashar al-Assad", "Bashar Assad", "Assad",
    }  # fmt: skip
    hts = entity_named(comparison, "HTS")
    assert hts.name == "Hayat Tahrir al-Sham" and hts.label == "ORG"
    assert entity_named(comparison, "Peskov").name == "Dmitry Peskov"
    assert "Syrian" not in entity_named(comparison, "Syria").variants
    observatory = entity_named(comparison, "Syrian Observatory")
    assert observatory.name == "Syrian Observatory for Human Rights"


def test_coverage_counts_mentions_per_article(comparison: Comparison) -> None:
    prefixes = by_prefix(comparison)
    town = entity_named(comparison, "Saraqab")
    assert list(town.counts) == list(comparison.articles)
    assert [town.counts[prefixes[p]] for p in ("000", "001", "002", "003", "004")] == [
        0, 1, 0, 1, 1,
    ]  # fmt: skip
    for entity, row in comparison.coverage():
        assert sum(row) == entity.total == len(entity.mentions)
    totals = [e.total for e in comparison.entities()]
    assert totals == sorted(totals, reverse=True)


def test_merge_takes_the_majority_label_and_keeps_apart_what_differs() -> None:
    def mention(text: str, label: str, article: str = "a") -> Mention:
        return Mention(article, 0, 0, len(text), text, label)

    merged = merge_entities(
        [
            mention("Aleppo", "GPE"), mention("Aleppo", "NORP"), mention("Aleppo", "GPE", "b"),
            mention("Aleppo", "PERSON", "b"), mention("the Aleppo", "GPE", "b"),
            mention("Iran", "GPE"), mention("Iraq", "GPE"), mention("Syria", "GPE"),
            mention("Syrian", "NORP"), mention("Rami Abdul Rahman", "PERSON"),
            mention("Rami Abdurrahman", "PERSON", "b"), mention("Syrian National Army", "ORG"),
            mention("SNA", "ORG", "b"),
        ],
        ["a", "b"],
    )  # fmt: skip
    by_name = {e.name: e for e in merged}
    assert by_name["Aleppo"].label == "GPE" and by_name["Aleppo"].counts == {"a": 2, "b": 3}
    assert {"Iran", "Iraq", "Syria", "Syrian"} <= set(by_name)
    assert by_name["Rami Abdul Rahman"].variants == ("Rami Abdul Rahman", "Rami Abdurrahman")
    assert by_name["Syrian National Army"].variants == ("Syrian National Army", "SNA")


def test_entity_lookups(comparison: Comparison) -> None:
    ref = find(comparison, "003", "advanced on the town of Saragab")
    names = [e.name for e in comparison.entities_in(*ref)]
    assert "Saraqab" in names
    sentence = comparison.sentence(*ref)
    offset = sentence.start + sentence.text.index("Saragab")
    entity = comparison.entity_at(ref[0], offset)
    assert entity is not None and entity.name == "Saraqab"
    assert comparison.entity(entity.key) is entity


def test_quantities_and_attribution_per_sentence(comparison: Comparison) -> None:
    ref = find(comparison, "003", "More than 180 combatants")
    (toll,) = comparison.quantities(*ref)
    assert (toll.low, toll.qualifier, toll.noun) == (180, "more than", "combatants")
    assert comparison.attribution(*ref) == "the Syrian Observatory for Human Rights"
    added = find(comparison, "003", "at least 19 civilians")
    assert comparison.attribution(*added) == "the Syrian Observatory for Human Rights"


# ------------------------------------------------------------------ service


def test_the_service_caches_the_comparison_per_corpus(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    service = make_service()
    service.open_paths([SEEDS / "000_38fb14a8347d6ab2.txt", SEEDS / "004_3319676323ed9a88.txt"])
    service.analyse_pending()
    assert service.cached_comparison() is None
    first = service.comparison()
    assert service.comparison() is first and service.cached_comparison() is first
    service.open_paths([SEEDS / "001_ceeb9f20520b1242.txt"])  # fallback sentences until analysed
    assert service.cached_comparison() is None
    second = service.comparison()
    assert second is not first and len(second.articles) == 3
    service.analyse_pending()  # new entities: the corpus signature changed again
    assert service.cached_comparison() is None
    assert service.comparison() is not second


def test_tag_aligned_tags_every_appearance_and_undoes_in_one_step(
    seeded: Service,
) -> None:
    comparison = seeded.comparison()
    article_id, index = find(comparison, "000", "Insurgents breached Syria’s second-largest city")
    sentence = seeded.sentence(article_id, index + 1)
    aligned = comparison.aligned(article_id, index)
    claims = seeded.tag_aligned(article_id, sentence, Verdict.CONFIRMED)
    assert claims[0].article_id == article_id and claims[0].start == sentence.start
    assert len(claims) == 1 + len(aligned) >= 3
    assert all(c.verdict is Verdict.CONFIRMED for c in claims)
    assert len(seeded.claims()) == len(claims)
    undone = seeded.undo()
    assert [c.id for c in undone] == [c.id for c in claims]
    assert seeded.claims() == [] and not seeded.can_undo
    redone = seeded.redo()
    assert [c.id for c in redone] == [c.id for c in claims]
    assert {c.id for c in seeded.claims()} == {c.id for c in claims}
    assert all(c.verdict is Verdict.CONFIRMED for c in seeded.claims())


def test_tag_aligned_skips_appearances_that_disagree(seeded: Service) -> None:
    comparison = seeded.comparison()
    article_id, index = find(comparison, "001", "dozens of fighters from both sides")
    conflicting = {
        (d.article_b, d.sentence_b) if d.article_a == article_id else (d.article_a, d.sentence_a)
        for d in comparison.discrepancies_for(article_id, index)
        if d.kind == "quantity"
    }
    assert conflicting
    claims = seeded.tag_aligned(article_id, seeded.sentence(article_id, index + 1),
                                Verdict.DISPUTED)  # fmt: skip
    tagged = {(c.article_id, c.start) for c in claims}
    for other_article, other_index in conflicting:
        start = comparison.sentence(other_article, other_index).start
        assert (other_article, start) not in tagged


# ------------------------------------------------------------------ the database cache


def assert_same(computed: Comparison, rebuilt: Comparison) -> None:
    """Every question a front end asks gets the same answer from both comparisons."""
    assert rebuilt.articles == computed.articles and rebuilt.threshold == computed.threshold
    assert rebuilt.pairs() == computed.pairs()
    assert rebuilt.discrepancies() == computed.discrepancies()
    assert rebuilt.entities() == computed.entities()
    assert rebuilt.coverage() == computed.coverage()
    assert rebuilt.triage() == computed.triage() and rebuilt.triage(5) == computed.triage(5)
    assert rebuilt._merged == computed._merged
    for entity in computed.entities():
        assert rebuilt.entity(entity.key) == entity
    for article_id in computed.articles:
        assert rebuilt.article(article_id) == computed.article(article_id)
        assert list(rebuilt.sentences(article_id)) == list(computed.sentences(article_id))
        for sentence in computed.sentences(article_id):
            ref = (article_id, sentence.index)
            for mutual in (False, True):
                assert rebuilt.matches(*ref, mutual=mutual) == computed.matches(*ref, mutual=mutual)
            assert rebuilt.matches(*ref, 0.5) == computed.matches(*ref, 0.5)
            assert rebuilt.aligned(*ref) == computed.aligned(*ref)
            assert rebuilt.quantities(*ref) == computed.quantities(*ref)
            assert rebuilt.attribution(*ref) == computed.attribution(*ref)
            assert rebuilt.entities_in(*ref) == computed.entities_in(*ref)
            assert rebuilt.checkworthiness(*ref) == computed.checkworthiness(*ref)
            assert rebuilt.discrepancies_for(*ref) == computed.discrepancies_for(*ref)
            for offset in range(sentence.start, sentence.end, 3):
                assert rebuilt.entity_at(article_id, offset) == computed.entity_at(
                    article_id, offset
                )


def _rebuilt(comparison: Comparison) -> Comparison:
    articles = [comparison.article(a) for a in comparison.articles]
    sentences = {a: list(comparison.sentences(a)) for a in comparison.articles}
    return Comparison.from_json(comparison.to_json(), articles, sentences)


def test_a_comparison_rebuilt_from_its_json_answers_alike(comparison: Comparison) -> None:
    rebuilt = _rebuilt(comparison)
    assert_same(comparison, rebuilt)
    assert len(rebuilt.discrepancies()) > 5 and len(rebuilt.pairs()) > 50
    assert rebuilt.to_json() == comparison.to_json()  # nothing lost on the way


def test_a_comparison_without_entities_or_articles_round_trips() -> None:
    fallback = _seeded_service(None).comparison()
    assert_same(fallback, _rebuilt(fallback))
    empty = compare_articles([])
    assert Comparison.from_json(empty.to_json(), [], {}).pairs() == []


def test_from_json_refuses_what_does_not_fit(comparison: Comparison) -> None:
    articles = [comparison.article(a) for a in comparison.articles]
    sentences = {a: list(comparison.sentences(a)) for a in comparison.articles}
    text = comparison.to_json()
    data = json.loads(text)
    shorter = {**sentences, articles[0].id: sentences[articles[0].id][:-1]}
    wrong = [
        ("not json", articles, sentences),
        ("[]", articles, sentences),
        (json.dumps({**data, "format": data["format"] + 1}), articles, sentences),
        (json.dumps({**data, "version": "0"}), articles, sentences),
        (json.dumps({**data, "infos": data["infos"][:3]}), articles, sentences),
        (
            json.dumps({**data, "best": {**data["best"], "scores": "not base64!"}}),
            articles,
            sentences,
        ),
        (
            json.dumps({**data, "best": {**data["best"], "starts": data["best"]["starts"][:8]}}),
            articles,
            sentences,
        ),
        (json.dumps({**data, "best": {**data["best"], "mutual": [True]}}), articles, sentences),
        (json.dumps({**data, "pairs": {**data["pairs"], "score": ""}}), articles, sentences),
        (text, articles[::-1], sentences),  # another order of the articles
        (text, articles[:-1], sentences),  # another corpus
        (text, articles, shorter),  # other sentences
    ]
    for bad, which, split in wrong:
        with pytest.raises(ValueError):
            Comparison.from_json(bad, which, split)


@pytest.mark.parametrize("byteorder", ["little", "big"])
def test_packed_numbers_round_trip_exactly(monkeypatch: pytest.MonkeyPatch, byteorder: str) -> None:
    from annotator import compare

    monkeypatch.setattr(compare.sys, "byteorder", byteorder)
    scores = [0.1 + 0.2, 1 / 3, 0.28, 1.0, 5e-324]
    assert list(compare._unpack("d", compare._pack("d", scores))) == scores
    assert list(compare._unpack("i", compare._pack("i", [0, 7, 2**31 - 1]))) == [0, 7, 2**31 - 1]
    assert list(compare._unpack("b", compare._pack("b", [True, False]))) == [1, 0]


@pytest.fixture
def computing(monkeypatch: pytest.MonkeyPatch) -> Callable[[bool], None]:
    """`computing(False)` makes computing a comparison fail; `computing(True)` allows it."""
    import annotator.compare

    real = annotator.compare.compare_articles

    def refuse(*args: Any, **kwargs: Any) -> Comparison:
        raise AssertionError("the comparison was computed, not read from the cache")

    def allow(allowed: bool) -> None:
        monkeypatch.setattr(annotator.compare, "compare_articles", real if allowed else refuse)

    return allow


def test_the_comparison_is_cached_in_the_database_per_corpus_signature(
    seeded: Service, make_service: Callable[..., Service], computing: Callable[[bool], None]
) -> None:
    computing(False)
    assert seeded.stored_comparison() is None  # never computes
    computing(True)
    computed = seeded.comparison()  # the first comparison of this corpus is computed
    assert seeded.stored_comparison() is computed
    computing(False)
    other = make_service()  # another process on the same file: no comparison in memory
    assert other.cached_comparison() is None
    stored = other.stored_comparison()
    assert stored is not None and stored is not computed
    assert_same(computed, stored)
    assert make_service().comparison().discrepancies() == computed.discrepancies()


def test_adding_or_reanalysing_an_article_invalidates_the_cache(
    make_service: Callable[..., Service],
) -> None:
    service = make_service()
    service.open_paths([SEEDS / "000_38fb14a8347d6ab2.txt", SEEDS / "004_3319676323ed9a88.txt"])
    service.analyse_pending()
    first = service.comparison()
    assert make_service().stored_comparison() is not None
    service.open_paths([SEEDS / "001_ceeb9f20520b1242.txt"])  # fallback sentences first
    assert make_service().stored_comparison() is None  # another signature: not cached
    fallback = make_service().comparison()  # computed and cached by another instance
    assert len(fallback.articles) == 3
    reader = make_service()
    assert reader.stored_comparison() is not None
    service.analyse_pending()  # the new article gets entities: the signature changes again
    assert reader.stored_comparison() is None
    analysed = reader.comparison()
    assert analysed.entities() != fallback.entities() and len(analysed.articles) == 3
    rows = service.store.conn.execute("SELECT COUNT(*) FROM comparison_cache").fetchone()[0]
    assert rows == 1  # outdated comparisons are dropped
    assert first.articles != analysed.articles


def test_a_broken_cache_is_recomputed_and_replaced(
    seeded: Service, make_service: Callable[..., Service]
) -> None:
    computed = seeded.comparison()
    seeded.store.conn.execute("UPDATE comparison_cache SET data = '{\"format\": 1}'")
    reader = make_service()
    assert reader.stored_comparison() is None
    assert reader.comparison().discrepancies() == computed.discrepancies()
    assert make_service().stored_comparison() is not None  # the fresh one was stored


def test_a_read_only_database_compares_without_caching(seeded: Service, tmp_path: Path) -> None:
    seeded.store.close()
    store = Store(tmp_path / "annotations.db", read_only=True)
    try:
        service = Service(store, FakeAnalyzer(), user="tester")  # type: ignore[arg-type]
        assert service.comparison().discrepancies()
        assert service.stored_comparison() is not None  # in memory
        count = store.conn.execute("SELECT COUNT(*) FROM comparison_cache").fetchone()[0]
        assert count == 0
    finally:
        store.close()


# ------------------------------------------------------------------ speed


def synthetic_corpus(articles: int, sentences: int) -> list[tuple[Article, tuple[Sentence, ...]]]:
    """`articles` articles of `sentences` sentences, rewordings of the seed story."""
    import random

    pool = [
        s.text
        for path in sorted(SEEDS.glob("*.txt"))
        for s in split_sentences(path.read_text(encoding="utf-8"))
        if len(s.text.split()) > 6
    ]
    rng = random.Random(7)
    corpus = []
    for number in range(articles):
        lines = []
        for _ in range(sentences):
            words = rng.choice(pool).split()
            rng.shuffle(words[: len(words) // 3])
            lines.append(" ".join(words))
        text = "\n".join(lines)
        sents = tuple(
            Sentence(
                s.index, s.start, s.end, s.text,
                tuple(Entity(e.text, e.label, e.start, e.end) for e in s.entities),
            )
            for s in FakeAnalyzer().analyse([text])[0].sentences
        )  # fmt: skip
        corpus.append((Article(id=f"{number:064d}", text=text, title=lines[0]), sents))
    return corpus


def test_fifty_articles_of_forty_sentences_align_quickly() -> None:
    compare_articles(synthetic_corpus(2, 5))  # imports scikit-learn outside the timing
    corpus = synthetic_corpus(50, 40)
    started = time.perf_counter()
    comparison = compare_articles(corpus)
    comparison.discrepancies()
    comparison.triage()
    elapsed = time.perf_counter() - started
    assert sum(len(s) for _, s in corpus) == 2000
    assert elapsed < 20, elapsed  # about 2 s on a 2-core machine; generous for CI


# ------------------------------------------------------------------ the real model


@pytest.fixture(scope="module")
def spacy_comparison() -> Iterator[Comparison]:
    from annotator.nlp import ModelNotInstalled, SpacyAnalyzer

    try:
        analyzer = SpacyAnalyzer()
    except ModelNotInstalled as error:
        pytest.skip(str(error))
    service = _seeded_service(analyzer)  # the model is loaded once for this module
    yield service.comparison()
    service.store.close()


@pytest.mark.spacy
def test_with_the_real_model(spacy_comparison: Comparison) -> None:
    precision, recall, mistakes = gold_scores(spacy_comparison)
    assert precision >= 0.85, (precision, mistakes)
    assert recall >= 0.85, (recall, mistakes)
    found = readings(spacy_comparison, "quantity")
    assert frozenset({"some 200 people", "At least 277 people"}) in found
    assert frozenset({"More than 180 combatants", "At least 277 people"}) in found
    town = [d for d in spacy_comparison.discrepancies() if d.kind == "spelling"]
    spellings = {d.reading_a for d in town} | {d.reading_b for d in town}
    assert {"Saraqab", "Saragab", "Saraqeb"} <= spellings
    for d in spacy_comparison.discrepancies():
        assert {d.reading_a, d.reading_b} != {"about 70 locations", "approximately 70 locations"}
    hts = entity_named(spacy_comparison, "Hayat Tahrir al-Sham")
    assert "HTS" in hts.variants
