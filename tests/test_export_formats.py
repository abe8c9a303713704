"""Export formats: golden files, ClaimReview and W3C shapes, atomic files, the CLI, reports.

The golden files in tests/golden/ are the exports of the `seeded` corpus with the claims
`tag_fixed_set` makes. When an intended change alters them, regenerate and review the diff:

    UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/test_export_formats.py -q
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from rich.console import Console

from annotator import cli, export, report
from annotator.export import (
    BEST_RATING,
    CSV_COLUMNS,
    EXPORT_FORMATS,
    FORMULA_TRIGGERS,
    RATING_VALUES,
    WORST_RATING,
    ConfigError,
    PublishOptions,
    load_publish_options,
    write_atomically,
)
from annotator.model import Article, Claim, Discrepancy, Sentence, Verdict
from annotator.service import Service, ServiceError
from tests.helpers import cli_runner

GOLDEN = Path(__file__).resolve().parent / "golden"
UPDATE = os.environ.get("UPDATE_GOLDEN") == "1"
OPTIONS = PublishOptions(
    org_name="Example Fact Check",
    org_url="https://factcheck.example",
    url_prefix="https://factcheck.example/reviews/aleppo#",
)
GOLDEN_FILES = {
    "csv": "seeded.csv",
    "jsonl": "seeded.jsonl",
    "claimreview": "seeded.claimreview.json",
    "w3c": "seeded.w3c.jsonld",
}
HOSTILE_NOTE = "=1+1 says <b>the monitor</b> & \x1b]0;pwned\x07 [red]x[/red]\u202e"


def tag_fixed_set(service: Service) -> None:
    """The claims behind the golden files: every verdict, notes, evidence, a cleared claim."""
    articles = service.articles()

    def sentence(index: int, number: int) -> tuple[str, Any]:
        article_id = articles[index].id
        return article_id, service.sentence(article_id, number)

    service.tag(*sentence(0, 3), Verdict.CONFIRMED)
    service.tag(*sentence(3, 4), Verdict.DISPUTED)
    service.set_note(*sentence(3, 4), HOSTILE_NOTE)
    service.set_evidence(*sentence(3, 4), "https://example.org/evidence?a=1&b=2")
    service.tag(*sentence(4, 2), Verdict.UNVERIFIED)
    service.set_note(*sentence(4, 2), "line one\nline two — “quoted”")
    service.set_note(*sentence(2, 1), "headline only: check the date")
    service.tag(*sentence(1, 5), Verdict.CONFIRMED)
    service.tag(*sentence(1, 5), None)  # cleared: only the lossless JSONL keeps it


@pytest.fixture
def tagged(seeded: Service) -> Service:
    tag_fixed_set(seeded)
    return seeded


def exported(service: Service, fmt: str, options: PublishOptions = OPTIONS) -> str:
    out = io.StringIO(newline="")
    service.export(fmt, out, options=options)
    return out.getvalue()


def check_golden(name: str, data: bytes) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)
    assert path.exists(), f"{path} is missing; run with UPDATE_GOLDEN=1 to create it"
    assert data == path.read_bytes(), f"{name} differs from the golden file (UPDATE_GOLDEN=1)"


# --------------------------------------------------------------------------- golden files


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_export_matches_the_golden_file(tagged: Service, fmt: str) -> None:
    check_golden(GOLDEN_FILES[fmt], exported(tagged, fmt).encode("utf-8"))


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_report_matches_the_golden_file(tagged: Service, fmt: str) -> None:
    data = report.report_data(tagged)
    text = report.render_markdown(data) if fmt == "md" else report.render_html(data)
    check_golden(f"seeded.report.{fmt}", text.encode("utf-8"))


def test_every_format_is_offered_by_the_service_and_the_cli() -> None:
    import annotator.service

    assert EXPORT_FORMATS == ("csv", "jsonl", "claimreview", "w3c")
    assert annotator.service.EXPORT_FORMATS == EXPORT_FORMATS
    assert cli.EXPORT_FORMATS == EXPORT_FORMATS


def test_unknown_format_is_a_service_error(tagged: Service) -> None:
    with pytest.raises(ServiceError, match="unknown export format 'xml'"):
        tagged.export("xml", io.StringIO())


def test_counts_per_format(tagged: Service) -> None:
    counts = {fmt: tagged.export(fmt, io.StringIO(), options=OPTIONS) for fmt in EXPORT_FORMATS}
    # 4 claims carry something, 1 more was cleared; 3 of them have a verdict.
    assert counts == {"csv": 4, "jsonl": 5, "claimreview": 3, "w3c": 4}


# --------------------------------------------------------------------------- CSV (spec check)


def test_csv_export_of_a_tagged_corpus_opens_with_the_spec_columns(tagged: Service) -> None:
    data = exported(tagged, "csv")
    assert data.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(data[1:], newline="")))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == 5
    for row in rows[1:]:
        for cell in row:
            for line in re.split(r"\r\n|\r|\n", cell):
                assert not line.lstrip(" \u00a0").startswith(FORMULA_TRIGGERS), repr(cell)
    (disputed,) = [r for r in export.read_csv(io.StringIO(data)) if r["verdict"] == "disputed"]
    assert disputed["note"] == HOSTILE_NOTE and disputed["verdict"] == "disputed"


# --------------------------------------------------------------------------- ClaimReview


def _absolute_url(value: object) -> bool:
    return isinstance(value, str) and re.fullmatch(r"(https?://\S+|urn:uuid:[0-9a-f-]{36})", value)


def claimreview_problems(review: dict[str, Any]) -> list[str]:
    """What a ClaimReview lacks of SPEC §4.7 / schema.org's required properties and types."""
    problems = []

    def need(condition: object, message: str) -> None:
        if not condition:
            problems.append(message)

    need(review.get("@context") == "https://schema.org", "@context must be https://schema.org")
    need(review.get("@type") == "ClaimReview", "@type must be ClaimReview")
    need(_absolute_url(review.get("url")), "url must be an absolute URL")
    need(isinstance(review.get("claimReviewed"), str) and review["claimReviewed"], "claimReviewed")
    rating = review.get("reviewRating")
    need(isinstance(rating, dict), "reviewRating must be an object")
    if isinstance(rating, dict):
        need(rating.get("@type") == "Rating", "reviewRating @type must be Rating")
        for key in ("ratingValue", "bestRating", "worstRating"):
            need(type(rating.get(key)) is int, f"reviewRating.{key} must be an integer")
        if all(type(rating.get(k)) is int for k in ("ratingValue", "bestRating", "worstRating")):
            need(
                rating["worstRating"] <= rating["ratingValue"] <= rating["bestRating"],
                "ratingValue must lie between worstRating and bestRating",
            )
        need(isinstance(rating.get("alternateName"), str), "reviewRating.alternateName")
    item = review.get("itemReviewed")
    need(isinstance(item, dict) and item.get("@type") == "Claim", "itemReviewed must be a Claim")
    if isinstance(item, dict):
        if "author" in item:
            need(item["author"].get("@type") in ("Organization", "Person"), "Claim author type")
            need(isinstance(item["author"].get("name"), str), "Claim author name")
        appearances = item.get("appearance")
        need(isinstance(appearances, list) and appearances, "appearance must be a non-empty list")
        for work in appearances or []:
            need(work.get("@type") == "CreativeWork", "appearance must be CreativeWork")
            need(isinstance(work.get("headline"), str), "appearance headline")
            need("url" not in work or _absolute_url(work["url"]), "appearance url")
    author = review.get("author")
    need(isinstance(author, dict), "author must be an object")
    if isinstance(author, dict):
        need(author.get("@type") in ("Organization", "Person"), "author @type")
        need(isinstance(author.get("name"), str) and author["name"], "author name")
    try:
        dt.date.fromisoformat(review.get("datePublished", ""))
    except (TypeError, ValueError):
        problems.append("datePublished must be an ISO date")
    return problems


def test_claimreview_has_every_required_property(tagged: Service) -> None:
    reviews = json.loads(exported(tagged, "claimreview"))
    assert isinstance(reviews, list) and len(reviews) == 3
    for review in reviews:
        assert claimreview_problems(review) == []
    by_verdict = {r["reviewRating"]["alternateName"]: r for r in reviews}
    assert set(by_verdict) == {"Confirmed", "Disputed", "Unverified"}
    assert [by_verdict[n]["reviewRating"]["ratingValue"] for n in ("Confirmed", "Unverified")] == [
        3,
        2,
    ]
    disputed = by_verdict["Disputed"]
    assert disputed["reviewRating"]["ratingValue"] == 1
    assert disputed["author"] == {
        "@type": "Organization",
        "name": "Example Fact Check",
        "url": "https://factcheck.example",
    }
    assert disputed["url"].startswith("https://factcheck.example/reviews/aleppo#")
    assert disputed["reviewBody"] == HOSTILE_NOTE
    assert disputed["citation"] == "https://example.org/evidence?a=1&b=2"
    item = disputed["itemReviewed"]
    assert item["author"] == {"@type": "Organization", "name": "Worthy News"}
    assert item["appearance"][0]["publisher"]["name"] == "Worthy News"
    assert item["appearance"][0]["author"] == {"@type": "Person", "name": "Stefan J. Bos"}


def test_rating_scale_is_documented_and_ordered() -> None:
    assert (BEST_RATING, WORST_RATING) == (3, 1)
    assert RATING_VALUES == {Verdict.CONFIRMED: 3, Verdict.UNVERIFIED: 2, Verdict.DISPUTED: 1}


def _item(verdict: Verdict | None = Verdict.DISPUTED, **article: str) -> tuple[Claim, Article]:
    claim = Claim(
        id="c1",
        article_id="a" * 64,
        start=0,
        end=5,
        quote="Hello",
        verdict=verdict,
        annotator="ana",
        created_at="2024-11-29T12:00:00Z",
        updated_at="2024-11-30T08:00:00+01:00",
    )
    return claim, Article(id="a" * 64, text="Hello world", title="Hello", **article)


def test_claimreview_without_options_or_outlet_is_still_complete() -> None:
    review = export.claim_review([_item()], PublishOptions())
    assert claimreview_problems(review) == []
    assert review["author"] == {"@type": "Person", "name": "ana"}
    assert review["url"] == export.stable_urn("claimreview", "c1")
    assert "author" not in review["itemReviewed"]  # no outlet known: no claimant
    assert review["datePublished"] == "2024-11-30"  # updated_at in UTC


def test_claimreview_groups_take_several_appearances() -> None:
    first = _item(outlet="Outlet A", url="https://a.example/1")
    second_claim = Claim(
        id="c2", article_id="b" * 64, start=0, end=5, quote="Hello", verdict=Verdict.DISPUTED,
        created_at="2024-11-29T12:00:00Z", updated_at="2024-12-01T00:00:00Z",
    )  # fmt: skip
    second = (second_claim, Article(id="b" * 64, text="Hello", title="B", outlet="Outlet B"))
    review = export.claim_review([first, second], OPTIONS)
    assert claimreview_problems(review) == []
    assert [a["publisher"]["name"] for a in review["itemReviewed"]["appearance"]] == [
        "Outlet A",
        "Outlet B",
    ]
    assert review["datePublished"] == "2024-12-01"
    with pytest.raises(ValueError, match="no verdict"):
        export.claim_review([_item(None)], OPTIONS)


# --------------------------------------------------------------------------- across outlets
# aligned_claims (CSV) and grouped reviews (ClaimReview) come from the comparison of outlets.

BREACH = ("000", "Insurgents breached Syria’s second-largest city")


def seed_sentence(service: Service, prefix: str, quote: str) -> tuple[str, Sentence]:
    """The one sentence of seed file `prefix` that contains `quote`."""
    (article,) = [a for a in service.articles() if Path(a.source_path).name.startswith(prefix)]
    (sentence,) = [s for s in service.sentences(article.id) if quote in s.text]
    return article.id, sentence


def aligned_either_way(comparison: Any, a: tuple[str, int], b: tuple[str, int]) -> bool:
    """Whether `comparison.aligned` joins two sentences, from either side."""
    return any((m.article_id, m.index) == b for m in comparison.aligned(*a)) or any(
        (m.article_id, m.index) == a for m in comparison.aligned(*b)
    )


def csv_rows(service: Service) -> dict[str, dict[str, str]]:
    return {row["claim_id"]: row for row in export.read_csv(io.StringIO(exported(service, "csv")))}


def claimreviews(service: Service) -> list[dict[str, Any]]:
    reviews: list[dict[str, Any]] = json.loads(exported(service, "claimreview"))
    assert all(claimreview_problems(review) == [] for review in reviews)
    return reviews


def test_csv_aligned_claims_are_the_claims_on_aligned_sentences(seeded: Service) -> None:
    comparison = seeded.comparison()
    group = seeded.tag_aligned(*seed_sentence(seeded, *BREACH), Verdict.CONFIRMED)
    assert len(group) >= 3
    tagged = {(c.article_id, c.start) for c in group}
    # A sentence that has aligned sentences, none of them tagged; and one with none at all.
    untagged_partner = lonely = None
    for article_id in comparison.articles:
        for sentence in comparison.sentences(article_id):
            aligned = comparison.aligned(article_id, sentence.index)
            starts = {(m.article_id, comparison.sentence(m.article_id, m.index).start)
                      for m in aligned}  # fmt: skip
            if (article_id, sentence.start) in tagged or starts & tagged:
                continue
            if aligned and untagged_partner is None:
                untagged_partner = (article_id, sentence)
            if not aligned and lonely is None and len(sentence.text.split()) > 5:
                lonely = (article_id, sentence)
    assert untagged_partner is not None and lonely is not None
    extra = [
        seeded.tag(*untagged_partner, Verdict.DISPUTED),
        seeded.tag(*lonely, Verdict.CONFIRMED),
    ]
    rows = csv_rows(seeded)
    assert len(rows) == len(group) + 2
    where = {c.id: (c.article_id, int(rows[c.id]["sentence_index"]) - 1) for c in group + extra}
    for claim in group + extra:
        listed = rows[claim.id]["aligned_claims"]
        expected = [
            other.id
            for other in group + extra
            if other.article_id != claim.article_id
            and aligned_either_way(comparison, where[claim.id], where[other.id])
        ]
        assert sorted(listed.split(";") if listed else []) == sorted(expected), claim
    assert rows[group[0].id]["aligned_claims"].count(";") >= 1  # several ids, `;`-separated
    assert rows[extra[0].id]["aligned_claims"] == ""  # its aligned sentences have no claim
    assert rows[extra[1].id]["aligned_claims"] == ""  # it has no aligned sentence
    for claim in group:  # aligned both ways
        for other in rows[claim.id]["aligned_claims"].split(";"):
            assert claim.id in rows[other]["aligned_claims"].split(";")


def test_claimreview_groups_aligned_claims_with_one_verdict(seeded: Service) -> None:
    group = seeded.tag_aligned(*seed_sentence(seeded, *BREACH), Verdict.CONFIRMED)
    (review,) = claimreviews(seeded)
    appearances = review["itemReviewed"]["appearance"]
    titles = {seeded.article(c.article_id).title for c in group}  # type: ignore[union-attr]
    assert len(appearances) == len(group) == len(titles)
    assert {a["headline"] for a in appearances} == titles
    assert review["claimReviewed"] == group[0].quote
    assert review["reviewRating"]["alternateName"] == "Confirmed"
    # Another verdict on one appearance: a review of its own.
    odd = group[1]
    seeded.tag(odd.article_id, seeded.sentence(odd.article_id, int(csv_rows(seeded)[odd.id][
        "sentence_index"])), Verdict.DISPUTED)  # fmt: skip
    reviews = claimreviews(seeded)
    (disputed,) = [r for r in reviews if r["reviewRating"]["alternateName"] == "Disputed"]
    assert disputed["claimReviewed"] == odd.quote
    assert len(disputed["itemReviewed"]["appearance"]) == 1
    confirmed = [r for r in reviews if r["reviewRating"]["alternateName"] == "Confirmed"]
    assert sum(len(r["itemReviewed"]["appearance"]) for r in confirmed) == len(group) - 1
    assert exported(seeded, "claimreview").count('"@type": "ClaimReview"') == len(reviews)


def test_claimreview_review_text_is_the_first_claim_with_a_note(seeded: Service) -> None:
    group = seeded.tag_aligned(*seed_sentence(seeded, *BREACH), Verdict.CONFIRMED)
    noted = group[2]
    sentence = next(s for s in seeded.sentences(noted.article_id) if s.start == noted.start)
    seeded.set_note(noted.article_id, sentence, "three outlets agree")
    seeded.set_evidence(noted.article_id, sentence, "https://example.org/agree")
    (review,) = claimreviews(seeded)
    assert review["claimReviewed"] == noted.quote
    assert review["reviewBody"] == "three outlets agree"
    assert review["citation"] == "https://example.org/agree"
    assert review["url"] == OPTIONS.url_prefix + noted.id
    first = seeded.article(noted.article_id)
    assert review["itemReviewed"]["appearance"][0]["headline"] == first.title  # type: ignore[union-attr]
    assert len(review["itemReviewed"]["appearance"]) == len(group)


def test_claimreview_keeps_aligned_claims_apart_when_their_figures_disagree(
    seeded: Service,
) -> None:
    comparison = seeded.comparison()
    pairs = {(p.article_a, p.sentence_a, p.article_b, p.sentence_b) for p in comparison.pairs()}
    (conflict, *_) = [
        d for d in comparison.discrepancies()
        if d.kind == "quantity" and (d.article_a, d.sentence_a, d.article_b, d.sentence_b) in pairs
    ]  # fmt: skip
    one = seeded.tag(conflict.article_a, comparison.sentence(conflict.article_a,
                     conflict.sentence_a), Verdict.DISPUTED)  # fmt: skip
    two = seeded.tag(conflict.article_b, comparison.sentence(conflict.article_b,
                     conflict.sentence_b), Verdict.DISPUTED)  # fmt: skip
    assert csv_rows(seeded)[one.id]["aligned_claims"] == two.id  # the same fact, aligned
    reviews = claimreviews(seeded)
    assert len(reviews) == 2  # but not one claim: "some 200" is not "at least 277"
    assert {r["claimReviewed"] for r in reviews} == {one.quote, two.quote}


def test_claimreview_author_is_the_attributed_claimant(seeded: Service) -> None:
    comparison = seeded.comparison()
    article_id, sentence = seed_sentence(seeded, "003", "More than 180 combatants")
    assert comparison.attribution(article_id, sentence.index) == (
        "the Syrian Observatory for Human Rights"
    )
    seeded.tag(article_id, sentence, Verdict.UNVERIFIED)
    (review,) = claimreviews(seeded)
    assert review["itemReviewed"]["author"] == {
        "@type": "Organization",
        "name": "the Syrian Observatory for Human Rights",
    }
    seeded.tag(article_id, sentence, None)
    plain = next(
        s for s in seeded.sentences(article_id)
        if comparison.attribution(article_id, s.index) is None
        and not comparison.aligned(article_id, s.index)
    )  # fmt: skip
    seeded.tag(article_id, plain, Verdict.CONFIRMED)
    (review,) = claimreviews(seeded)
    outlet = seeded.article(article_id).outlet  # type: ignore[union-attr]
    assert outlet and review["itemReviewed"]["author"] == {"@type": "Organization", "name": outlet}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("the Syrian Observatory for Human Rights",
         {"@type": "Organization", "name": "the Syrian Observatory for Human Rights"}),
        ("The Syrian Observatory for Human Rights, a war monitor",
         {"@type": "Organization", "name": "The Syrian Observatory for Human Rights",
          "description": "a war monitor"}),
        ("Rami Abdurrahman, head of the Observatory",
         {"@type": "Person", "name": "Rami Abdurrahman", "description": "head of the Observatory"}),
        ("Russian presidential spokesperson Dmitry Peskov",
         {"@type": "Person", "name": "Russian presidential spokesperson Dmitry Peskov"}),
        ("Peskov", {"@type": "Person", "name": "Peskov"}),
        ("Turkey’s state-run Anadolu Agency",
         {"@type": "Organization", "name": "Turkey’s state-run Anadolu Agency"}),
        ("Syria’s state media", {"@type": "Organization", "name": "Syria’s state media"}),
        ("the Kremlin", {"@type": "Organization", "name": "the Kremlin"}),
        ("HTS", {"@type": "Organization", "name": "HTS"}),
        ("Turkish officials", {"@type": "Organization", "name": "Turkish officials"}),
        ("witnesses in Aleppo", {"@type": "Person", "name": "witnesses in Aleppo"}),
        ("They", None), ("their report", None), ("the report", None),
        ("official estimates", None), ("the officials", None), ("The war monitor", None),
        ("", None), (None, None), (" , x", None),
    ],
)  # fmt: skip
def test_claimant_rule(source: str | None, expected: dict[str, str] | None) -> None:
    assert export.claimant(source) == expected


def test_claim_review_takes_a_claimant_over_the_outlet() -> None:
    item = _item(outlet="Outlet A")
    person = {"@type": "Person", "name": "Dmitry Peskov"}
    review = export.claim_review([item], OPTIONS, claimant=person)
    assert review["itemReviewed"]["author"] == person and claimreview_problems(review) == []
    assert export.claim_review([item], OPTIONS)["itemReviewed"]["author"] == {
        "@type": "Organization",
        "name": "Outlet A",
    }


def test_exports_without_claims_do_not_compare(
    seeded: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annotator.compare

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("compared outlets for an empty export")

    monkeypatch.setattr(annotator.compare, "compare_articles", refuse)
    for fmt in EXPORT_FORMATS:
        assert seeded.export(fmt, io.StringIO(), options=OPTIONS) == 0


# --------------------------------------------------------------------------- W3C Web Annotation

ANNO_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
MOTIVATIONS = {
    "assessing", "bookmarking", "classifying", "commenting", "describing", "editing",
    "highlighting", "identifying", "linking", "moderating", "questioning", "replying", "tagging",
}  # fmt: skip
AGENT_TYPES = {"Person", "Organization", "Software"}
_IRI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:[^\s<>\"{}|\\^`]+")
_DATETIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)")
_MIME = re.compile(r"[a-z]+/[a-z0-9.+-]+")


def _as_list(value: object) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _has(value: object, wanted: str) -> bool:
    return wanted in _as_list(value)


def _is_iri(value: object) -> bool:
    return isinstance(value, str) and _IRI.fullmatch(value) is not None


def _is_count(value: object) -> bool:
    return type(value) is int and value >= 0


def selector_problems(selector: Any, where: str) -> list[str]:
    if _is_iri(selector):
        return []
    if not isinstance(selector, dict):
        return [f"{where}: a selector is an object or an IRI"]
    problems = []
    kind = selector.get("type")
    if kind == "TextQuoteSelector":
        if not isinstance(selector.get("exact"), str):
            problems.append(f"{where}: TextQuoteSelector MUST have exactly one exact string")
        for key in ("prefix", "suffix"):
            if key in selector and not isinstance(selector[key], str):
                problems.append(f"{where}: TextQuoteSelector {key} MUST be one string")
    elif kind in ("TextPositionSelector", "DataPositionSelector"):
        start, end = selector.get("start"), selector.get("end")
        if not (_is_count(start) and _is_count(end)):
            problems.append(f"{where}: {kind} start and end MUST be non-negative integers")
        elif start > end:
            problems.append(f"{where}: {kind} start must not be after end")
    return problems


def resource_problems(resource: Any, where: str) -> list[str]:
    """A body or target: an IRI, or an object (TextualBody, SpecificResource, external)."""
    if _is_iri(resource):
        return []
    if not isinstance(resource, dict):
        return [f"{where}: MUST be an IRI or an object"]
    problems = []
    if "purpose" in resource and not set(_as_list(resource["purpose"])) <= MOTIVATIONS:
        problems.append(f"{where}: purpose MUST be a Motivation")
    if "format" in resource and not all(
        isinstance(f, str) and _MIME.fullmatch(f) for f in _as_list(resource["format"])
    ):
        problems.append(f"{where}: format MUST be a media type")
    if _has(resource.get("type"), "TextualBody"):
        if not isinstance(resource.get("value"), str):
            problems.append(f"{where}: TextualBody MUST have exactly one value string")
    elif "source" in resource or "selector" in resource:
        if not _is_iri(resource.get("source")):
            problems.append(f"{where}: SpecificResource MUST have exactly one source IRI")
        for index, selector in enumerate(_as_list(resource.get("selector", []))):
            problems += selector_problems(selector, f"{where}.selector[{index}]")
    elif not _is_iri(resource.get("id")):
        problems.append(f"{where}: an External Web Resource MUST have an id IRI")
    return problems


def annotation_problems(annotation: Any, *, context_given: bool = False) -> list[str]:
    """The MUST requirements of the W3C Web Annotation Data Model that this annotation fails.

    `context_given`: the annotation is embedded in a page or collection that has the
    Web Annotation @context (it is then inherited).
    """
    if not isinstance(annotation, dict):
        return ["an Annotation MUST be an object"]
    problems = []
    if not context_given and not _has(annotation.get("@context"), ANNO_CONTEXT):
        problems.append(f"@context MUST include {ANNO_CONTEXT}")
    if not _is_iri(annotation.get("id")):
        problems.append("id MUST be exactly one IRI")
    if not _has(annotation.get("type"), "Annotation"):
        problems.append("type MUST include Annotation")
    if "motivation" in annotation and not set(_as_list(annotation["motivation"])) <= MOTIVATIONS:
        problems.append("motivation MUST be a Motivation")
    targets = _as_list(annotation.get("target"))
    if "target" not in annotation or not targets:
        problems.append("an Annotation MUST have 1 or more targets")
    for index, target in enumerate(targets):
        problems += resource_problems(target, f"target[{index}]")
    for index, body in enumerate(_as_list(annotation.get("body", []))):
        problems += resource_problems(body, f"body[{index}]")
    for key in ("created", "modified"):
        if key in annotation and not (
            isinstance(annotation[key], str) and _DATETIME.fullmatch(annotation[key])
        ):
            problems.append(f"{key} MUST be one xsd:dateTime")
    for creator in _as_list(annotation.get("creator", [])):
        if _is_iri(creator):
            continue
        if not isinstance(creator, dict) or not set(_as_list(creator.get("type"))) & AGENT_TYPES:
            problems.append("creator MUST be an IRI or an Agent (Person, Organization, Software)")
        elif "name" in creator and not isinstance(creator["name"], str):
            problems.append("creator name MUST be a string")
    return problems


def collection_problems(document: Any) -> list[str]:
    """AnnotationCollection / AnnotationPage requirements, then every annotation's."""
    if not isinstance(document, dict):
        return ["the document MUST be an object"]
    problems = []
    if not _has(document.get("@context"), ANNO_CONTEXT):
        problems.append(f"@context MUST include {ANNO_CONTEXT}")
    if not _is_iri(document.get("id")):
        problems.append("a Collection MUST have exactly one id IRI")
    if not _has(document.get("type"), "AnnotationCollection"):
        problems.append("type MUST include AnnotationCollection")
    if "total" in document and not _is_count(document["total"]):
        problems.append("total MUST be a non-negative integer")
    page = document.get("first")
    if page is None:
        return problems
    if _is_iri(page):
        return [*problems, "first is a link; this export embeds its page"]
    if not _is_iri(page.get("id")) or not _has(page.get("type"), "AnnotationPage"):
        problems.append("a Page MUST have an id IRI and type AnnotationPage")
    if not isinstance(page.get("items"), list):
        problems.append("a Page MUST have items (a list)")
    if "startIndex" in page and not _is_count(page["startIndex"]):
        problems.append("startIndex MUST be a non-negative integer")
    for index, annotation in enumerate(page.get("items") or []):
        found = annotation_problems(annotation, context_given=True)
        problems += [f"items[{index}]: {problem}" for problem in found]
    return problems


def test_w3c_export_meets_the_data_model_musts(tagged: Service) -> None:
    document = json.loads(exported(tagged, "w3c"))
    assert collection_problems(document) == []
    items = document["first"]["items"]
    assert document["total"] == len(items) == 4
    assert len({a["id"] for a in items}) == 4


def test_w3c_selectors_point_at_the_claim_text(tagged: Service) -> None:
    document = json.loads(exported(tagged, "w3c"))
    texts = {f"urn:sha256:{a.id}": a.text for a in tagged.articles()}
    for annotation in document["first"]["items"]:
        assert annotation["motivation"] == "assessing"
        target = annotation["target"]
        quote, position = target["selector"]
        assert quote["type"] == "TextQuoteSelector"
        assert position["type"] == "TextPositionSelector"
        text = texts[target["source"]]  # no seed has a URL: the source is the text's hash
        start, end = position["start"], position["end"]
        assert text[start:end] == quote["exact"]
        assert text[:start].endswith(quote.get("prefix", ""))
        assert text[end:].startswith(quote.get("suffix", ""))


def test_w3c_bodies_carry_verdict_note_and_evidence(tagged: Service) -> None:
    items = json.loads(exported(tagged, "w3c"))["first"]["items"]
    full = next(a for a in items if len(a["body"]) == 3)
    assert full["body"] == [
        {"type": "TextualBody", "purpose": "assessing", "value": "disputed",
         "format": "text/plain"},
        {"type": "TextualBody", "purpose": "commenting", "value": HOSTILE_NOTE,
         "format": "text/plain"},
        {"type": "SpecificResource", "purpose": "linking",
         "source": "https://example.org/evidence?a=1&b=2"},
    ]  # fmt: skip
    assert full["creator"] == {"type": "Person", "name": "tester"}
    assert _DATETIME.fullmatch(full["created"]) and full["created"] <= full["modified"]
    note_only = next(a for a in items if a["body"][0]["purpose"] == "commenting")
    assert note_only["body"] == [
        {"type": "TextualBody", "purpose": "commenting",
         "value": "headline only: check the date", "format": "text/plain"},
    ]  # fmt: skip


def test_w3c_ids_are_stable_urns_and_the_source_prefers_the_url() -> None:
    claim, article = _item(url="https://news.example/story")
    annotation = export.web_annotation(claim, article)
    assert annotation_problems(annotation, context_given=True) == []
    assert annotation["id"] == export.web_annotation(claim, article)["id"]
    assert annotation["id"].startswith("urn:uuid:")
    assert annotation["target"]["source"] == "https://news.example/story"
    assert annotation["modified"] == "2024-11-30T07:00:00Z"  # normalised to UTC
    empty = export.annotation_collection([])
    assert collection_problems(empty) == [] and empty["total"] == 0


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        (lambda a: a.pop("id"), "id MUST be exactly one IRI"),
        (lambda a: a.update(type="Note"), "type MUST include Annotation"),
        (lambda a: a.pop("target"), "an Annotation MUST have 1 or more targets"),
        (lambda a: a["target"]["selector"][1].update(start=-1), "non-negative integers"),
        (lambda a: a["target"]["selector"][1].update(start=9, end=3), "start must not be after"),
        (lambda a: a["target"]["selector"][0].pop("exact"), "exactly one exact string"),
        (lambda a: a["body"][0].pop("value"), "exactly one value string"),
        (lambda a: a.update(motivation="shouting"), "motivation MUST be a Motivation"),
        (lambda a: a.update(created="yesterday"), "created MUST be one xsd:dateTime"),
        (lambda a: a["target"].update(source="not an iri"), "exactly one source IRI"),
    ],
)
def test_the_validator_catches_broken_annotations(
    mutate: Callable[[dict[str, Any]], object], expected: str
) -> None:
    annotation = export.web_annotation(*_item())
    assert annotation_problems(annotation, context_given=True) == []
    mutate(annotation)
    assert any(expected in p for p in annotation_problems(annotation, context_given=True))


# --------------------------------------------------------------------------- safe JSON text


def test_json_exports_escape_terminal_controls_but_round_trip(tagged: Service) -> None:
    for fmt in ("jsonl", "claimreview", "w3c"):
        text = exported(tagged, fmt)
        assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text
        assert "\\u001b]0;pwned\\u0007" in text and "\\u202e" in text
        assert "<b>the monitor</b>" in text  # JSON needs no HTML escaping
    reviews = json.loads(exported(tagged, "claimreview"))
    assert any(r.get("reviewBody") == HOSTILE_NOTE for r in reviews)


# --------------------------------------------------------------------------- atomic files


def test_write_atomically_replaces_the_file_only_on_success(tmp_path: Path) -> None:
    target = tmp_path / "out.csv"
    target.write_text("old", encoding="utf-8")

    def failing(stream: io.TextIOBase) -> None:
        stream.write("half of the new content")
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError):
        write_atomically(target, failing)
    assert target.read_text(encoding="utf-8") == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]
    assert write_atomically(target, lambda s: s.write("new")) == 3
    assert target.read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


def test_export_to_file_failure_leaves_nothing(
    tagged: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "claims.jsonl"

    def broken(*_args: object, **_kwargs: object) -> int:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(export, "write_jsonl", broken)
    with pytest.raises(ServiceError, match="no space left on device"):
        tagged.export_to_file("jsonl", target)
    assert not target.exists() and not list(tmp_path.glob("*.partial"))
    with pytest.raises(ServiceError, match="cannot write"):
        tagged.export_to_file("csv", tmp_path / "missing-folder" / "x.csv")


# --------------------------------------------------------------------------- configuration


def test_publish_options_from_a_config_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert load_publish_options() == PublishOptions()  # no annotator.toml here
    (tmp_path / "annotator.toml").write_text(
        '[export]\norg_name = "Checkers"\norg_url = "https://checkers.example"\n'
        'url_prefix = "https://checkers.example/r/"\n',
        encoding="utf-8",
    )
    options = load_publish_options()
    assert options == PublishOptions(
        "Checkers", "https://checkers.example", "https://checkers.example/r/"
    )
    assert options.override(org_name="Other", url_prefix=None).org_name == "Other"
    assert options.override(org_name="Other").url_prefix == "https://checkers.example/r/"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("[export\n", "not valid TOML"),
        ('[export]\nname = "x"\n', "unknown key 'name'"),
        ("[export]\norg_name = 3\n", "org_name must be a string"),
        ('[export]\norg_url = "ftp://x"\n', "org_url must be an http:// or https:// URL"),
        ('export = "x"\n', "[export] must be a table"),
    ],
)
def test_bad_config_files_are_named(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ConfigError, match=re.escape(message)) as error:
        load_publish_options(path)
    assert str(path) in str(error.value) and "\n" not in str(error.value)
    with pytest.raises(ConfigError, match="no such configuration file"):
        load_publish_options(tmp_path / "missing.toml")


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def run(
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """`annotator ARGS` in-process, in tmp_path, over its database with the fake NLP."""
    import annotator.service

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        annotator.service, "open_service", lambda db, user="", model=None: make_service(user=user)
    )

    yield cli_runner(capsys, "cli-user")


@pytest.fixture
def cli_tagged(tagged: Service, run: Callable[..., tuple[int, str, str]]) -> Service:
    return tagged  # the CLI's services open the same tmp_path database


@pytest.mark.parametrize("fmt", EXPORT_FORMATS)
def test_cli_export_writes_each_format_to_a_file(
    cli_tagged: Service, run: Callable[..., tuple[int, str, str]], tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"out.{fmt}"
    code, _, err = run(
        "export", "--format", fmt, "-o", str(target),
        "--org-name", OPTIONS.org_name, "--org-url", OPTIONS.org_url,
        "--url-prefix", OPTIONS.url_prefix,
    )  # fmt: skip
    assert code == 0, err
    assert "claims written to" in err
    assert target.read_bytes() == exported(cli_tagged, fmt).encode("utf-8")


def test_cli_claimreview_options_come_from_the_config_and_the_command_line(
    cli_tagged: Service, run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    (tmp_path / "annotator.toml").write_text(
        '[export]\norg_name = "From Config"\nurl_prefix = "https://config.example/r/"\n',
        encoding="utf-8",
    )
    code, out, _ = run("export", "--format", "claimreview")
    assert code == 0
    reviews = json.loads(out)
    assert {r["author"]["name"] for r in reviews} == {"From Config"}
    assert all(r["url"].startswith("https://config.example/r/") for r in reviews)
    code, out, _ = run("export", "--format", "claimreview", "--org-name", "From CLI")
    assert {r["author"]["name"] for r in json.loads(out)} == {"From CLI"}
    other = tmp_path / "other.toml"
    other.write_text('[export]\norg_name = "Other File"\n', encoding="utf-8")
    code, out, _ = run("export", "--format", "claimreview", "--config", str(other))
    assert {r["author"]["name"] for r in json.loads(out)} == {"Other File"}


def test_cli_bad_config_or_option_is_one_line_exit_2_and_no_file(
    cli_tagged: Service, run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    target = tmp_path / "reviews.json"
    (tmp_path / "annotator.toml").write_text("[export\n", encoding="utf-8")
    code, _, err = run("export", "--format", "claimreview", "-o", str(target))
    assert code == 2 and "annotator.toml: not valid TOML" in err and err.count("\n") == 1
    assert not target.exists()
    code, _, _ = run("export", "--format", "csv", "-o", str(tmp_path / "ok.csv"))
    assert code == 0  # a broken config file does not block the other formats
    (tmp_path / "annotator.toml").unlink()
    code, _, err = run("export", "--format", "claimreview", "--org-url", "javascript:alert(1)")
    assert code == 2 and "org_url must be an http" in err


def test_cli_export_to_a_missing_folder_writes_nothing(
    cli_tagged: Service, run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    code, _, err = run("export", "--format", "w3c", "-o", str(tmp_path / "nope" / "x.jsonld"))
    assert code == 2 and "cannot write" in err and "nothing was written" in err
    assert not (tmp_path / "nope").exists()


@pytest.mark.parametrize("fmt", ["md", "html"])
def test_cli_report_writes_markdown_and_html(
    cli_tagged: Service, run: Callable[..., tuple[int, str, str]], tmp_path: Path, fmt: str
) -> None:
    target = tmp_path / f"report.{fmt}"
    code, _, err = run("report", "--format", fmt, "-o", str(target))
    assert code == 0, err
    data = report.report_data(cli_tagged)
    expected = report.render_markdown(data) if fmt == "md" else report.render_html(data)
    assert target.read_text(encoding="utf-8") == expected
    code, out, _ = run("report", "--format", fmt)
    assert code == 0 and out == expected and "\x1b" not in out


def test_cli_report_table_with_output_is_refused(run: Callable[..., tuple[int, str, str]]) -> None:
    code, _, err = run("report", "-o", "x.txt")
    assert code == 2 and "--format md or --format html" in err


# --------------------------------------------------------------------------- report content


def test_markdown_report_escapes_untrusted_text(tagged: Service) -> None:
    text = report.render_markdown(report.report_data(tagged))
    assert "\x1b" not in text and "\u202e" not in text and "⟦U+202E⟧" in text
    assert "&lt;b&gt;the monitor&lt;/b&gt;" in text and "<b>" not in text
    assert "\\[red\\]x\\[/red\\]" in text
    section = text.split("## Discrepancies\n", 1)[1].split("## Claims", 1)[0]
    assert "| kind | A | reading A | B | reading B | explanation |" in section
    assert "| quantity | Worthy News · S1 | some 200 people |" in section
    assert "| spelling |" in section and "Saragab" in section
    worthy = next(line for line in text.splitlines() if line.startswith("| Worthy News |"))
    assert worthy == "| Worthy News | 1 | 0 | 1 | 0 | 1 |"
    assert "Worthy News" in text.split("```text", 1)[1]  # the text bar chart


def test_html_report_escapes_untrusted_text_and_draws_bars(tagged: Service) -> None:
    page = report.render_html(report.report_data(tagged))
    assert "\x1b" not in page and "<b>" not in page and "<script" not in page
    assert "&lt;b&gt;the monitor&lt;/b&gt; &amp;" in page
    assert page.count("<rect ") == 3  # one segment per verdict given
    assert "<title>disputed: 1</title>" in page
    section = page.split("<h2>Discrepancies</h2>", 1)[1].split("<h2>Claims</h2>", 1)[0]
    assert "<th>reading A</th>" in section and "<td>At least 277 people</td>" in section
    assert "<td>Worthy News · S1</td>" in section and "Not computed" not in page


def test_report_escapes_a_hostile_outlet_name() -> None:
    hostile = report.OutletVerdicts('<img src=x onerror="alert(1)">|`` ```', 1, 1, 0, 0)
    data = report.ReportData(articles=[], outlets=[hostile], claims=[], entities=[])
    page = report.render_html(data)
    assert "<img" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    markdown = report.render_markdown(data)
    row = next(line for line in markdown.splitlines() if "onerror" in line)
    assert row.startswith('| &lt;img src=x onerror="alert(1)"&gt;\\|\\`\\` \\`\\`\\` | 1 |')
    assert "\n````text\n" in markdown  # a fence longer than the name's backtick run


HOSTILE_DISCREPANCY = Discrepancy(
    "quantity", "x [bold]y[/bold] \x1b[2J <script>alert(1)</script> | `z`", "a" * 64, 0,
    "=cmd|' /C calc'!A0 <b>", "b" * 64, 4, "\u202eevil\x9b31m",
)  # fmt: skip


def test_reports_escape_hostile_discrepancies() -> None:
    data = report.ReportData(
        articles=[], outlets=[], claims=[], entities=[],
        discrepancies=[HOSTILE_DISCREPANCY], outlet_of={"a" * 64: "<i>Outlet</i>"},
    )  # fmt: skip
    page = report.render_html(data)
    assert "<script" not in page and "<b>" not in page and "<i>" not in page
    assert "&lt;script&gt;" in page and "<td>&lt;i&gt;Outlet&lt;/i&gt; · S1</td>" in page
    assert "<td>bbbbbbbbbbbb · S5</td>" in page  # an article without an outlet: its short id
    markdown = report.render_markdown(data)
    row = next(line for line in markdown.splitlines() if line.startswith("| quantity"))
    assert "\x1b" not in markdown and "\u202e" not in markdown and "\x9b" not in markdown
    assert "&lt;script&gt;" in row and "\\|" in row and "⟦U+202E⟧" in row
    assert row.count(" | ") == 5  # six cells: no pipe of the text splits a cell
    console = Console(record=True, width=300, color_system=None)
    console.print(report.discrepancies_table([HOSTILE_DISCREPANCY], data.outlet_of))
    shown = console.export_text()
    assert "[bold]y[/bold]" in shown and "<script>" in shown  # literally, never markup
    assert "\x1b" not in shown and "\x9b" not in shown and "\u202e" not in shown


def test_report_data_without_comparing_says_how_to_compare(
    seeded: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annotator.compare

    real = annotator.compare.compare_articles

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the report compared outlets")

    monkeypatch.setattr(annotator.compare, "compare_articles", refuse)
    data = report.report_data(seeded, compare=False)
    assert data.discrepancies is None
    assert "Not computed: run `annotator discrepancies` to compare outlets." in (
        report.render_markdown(data)
    )
    assert "<code>annotator discrepancies</code>" in report.render_html(data)
    monkeypatch.setattr(annotator.compare, "compare_articles", real)
    computed = report.report_data(seeded)  # md/html: computed, and so cached
    assert computed.discrepancies == seeded.comparison().discrepancies()
    monkeypatch.setattr(annotator.compare, "compare_articles", refuse)
    assert report.report_data(seeded, compare=False).discrepancies == computed.discrepancies
