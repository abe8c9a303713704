"""The shared use cases: opening a corpus, analysis and its cache, tagging, undo/redo, export."""

from __future__ import annotations

import io
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.export import read_csv
from annotator.model import Verdict
from annotator.service import Service, ServiceError, claim_id_for, evidence_url_problem
from annotator.store import StoreError
from tests.conftest import SEEDS, TEST_USER


def test_open_seeds_twice_never_duplicates(make_service: Callable[..., Service]) -> None:
    service = make_service()
    first = service.open_paths([SEEDS])
    assert (len(first.articles), len(first.added), first.errors) == (5, 5, [])
    second = service.open_paths([SEEDS])
    assert (len(second.articles), len(second.added)) == (5, 0)
    assert len(service.articles()) == 5


def test_open_reports_missing_paths_and_opens_the_rest(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    service = make_service()
    report = service.open_paths([tmp_path / "nope.txt", SEEDS / "003_6ff3fa6f71314818.txt"])
    assert len(report.articles) == 1
    assert len(report.errors) == 1 and "nope.txt" in report.errors[0]


def test_articles_are_readable_before_analysis(make_service: Callable[..., Service]) -> None:
    service = make_service()
    service.open_paths([SEEDS])
    article = service.resolve_article("003")
    sentences = service.sentences(article.id)
    assert len(sentences) > 10
    assert all(s.entities == () for s in sentences)
    assert [a.id for a in service.pending_analysis()] == [a.id for a in service.articles()]


def test_analysis_fills_entities_and_the_cache(make_service: Callable[..., Service]) -> None:
    service = make_service()
    service.open_paths([SEEDS])
    calls: list[tuple[int, int]] = []
    assert service.analyse_pending(lambda done, total: calls.append((done, total))) == 5
    assert calls[-1] == (5, 5)
    assert service.pending_analysis() == []
    article = service.resolve_article("003")
    assert any(e.text == "Aleppo" for s in service.sentences(article.id) for e in s.entities)
    cached = service.store.conn.execute("SELECT COUNT(*) FROM nlp_cache").fetchone()[0]
    assert cached == 5


def test_reopening_the_same_text_reuses_article_and_analysis(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    service = make_service()
    service.open_paths([SEEDS])
    service.analyse_pending()
    analyzer = service.analyzer
    assert analyzer is not None
    calls_before = analyzer.calls  # type: ignore[attr-defined]
    # Same database, article removed from view but text cached: re-opening a copy of a file
    # under another name reuses the article and its analysis; the model is not called again.
    copy = tmp_path / "copy.txt"
    shutil.copy(SEEDS / "001_ceeb9f20520b1242.txt", copy)
    again = make_service(analyzer=analyzer)
    report = again.open_paths([copy])
    assert report.added == [] and len(report.articles) == 1
    assert again.pending_analysis() == []
    assert analyzer.calls == calls_before  # type: ignore[attr-defined]


def test_resolve_article_by_prefixes(seeded: Service) -> None:
    by_name = seeded.resolve_article("004")
    assert by_name.outlet == "London24NEWS"
    assert seeded.resolve_article(by_name.id[:10]) == by_name
    with pytest.raises(ServiceError, match="matches 5 articles"):
        seeded.resolve_article("0")
    with pytest.raises(ServiceError, match="no article matches"):
        seeded.resolve_article("zzz")


def test_tag_note_evidence_and_audit(seeded: Service) -> None:
    article = seeded.resolve_article("003")
    sentence = seeded.sentence(article.id, 4)
    claim = seeded.tag(article.id, sentence, Verdict.DISPUTED)
    assert claim.id == claim_id_for(article.id, sentence.start, sentence.end)
    assert (claim.verdict, claim.annotator, claim.quote) == (
        Verdict.DISPUTED, TEST_USER, sentence.text,
    )  # fmt: skip
    assert article.text[claim.start : claim.end] == claim.quote
    assert claim.prefix == article.text[max(0, claim.start - 32) : claim.start]
    seeded.set_note(article.id, sentence, "  figure differs from SOHR  ")
    seeded.set_evidence(article.id, sentence, "https://example.org/sohr")
    history = seeded.history(claim.id)
    assert [(h.action, h.field, h.old, h.new) for h in history] == [
        ("tag", "verdict", None, "disputed"),
        ("note", "note", None, "figure differs from SOHR"),
        ("evidence", "evidence_url", None, "https://example.org/sohr"),
    ]
    assert all(h.user == TEST_USER and h.at.endswith("Z") for h in history)


def test_every_verdict_change_is_audited_with_old_and_new(seeded: Service) -> None:
    article = seeded.resolve_article("000")
    sentence = seeded.sentence(article.id, 2)
    for verdict in (Verdict.CONFIRMED, Verdict.DISPUTED, None, Verdict.UNVERIFIED):
        seeded.tag(article.id, sentence, verdict)
    claim_id = claim_id_for(article.id, sentence.start, sentence.end)
    assert [(h.old, h.new) for h in seeded.history(claim_id)] == [
        (None, "confirmed"), ("confirmed", "disputed"), ("disputed", None), (None, "unverified"),
    ]  # fmt: skip


def test_tagging_the_same_verdict_twice_writes_once(seeded: Service) -> None:
    article = seeded.resolve_article("001")
    sentence = seeded.sentence(article.id, 1)
    seeded.tag(article.id, sentence, Verdict.CONFIRMED)
    seeded.tag(article.id, sentence, Verdict.CONFIRMED)
    assert len(seeded.history(claim_id_for(article.id, sentence.start, sentence.end))) == 1


def test_undo_and_redo_are_new_audit_events(seeded: Service) -> None:
    article = seeded.resolve_article("002")
    sentence = seeded.sentence(article.id, 3)
    seeded.tag(article.id, sentence, Verdict.CONFIRMED)
    seeded.tag(article.id, sentence, Verdict.DISPUTED)
    (undone,) = seeded.undo()
    assert undone.verdict is Verdict.CONFIRMED
    (redone,) = seeded.redo()
    assert redone.verdict is Verdict.DISPUTED
    assert len(seeded.undo()) == 1 and len(seeded.undo()) == 1
    assert seeded.claims() == []
    assert seeded.undo() == ()
    actions = [h.action for h in seeded.history(undone.id)]
    assert actions == ["tag", "tag", "undo", "redo", "undo", "undo"]


def test_a_new_edit_clears_redo(seeded: Service) -> None:
    article = seeded.resolve_article("002")
    one, two = seeded.sentence(article.id, 1), seeded.sentence(article.id, 2)
    seeded.tag(article.id, one, Verdict.CONFIRMED)
    seeded.undo()
    seeded.tag(article.id, two, Verdict.DISPUTED)
    assert seeded.redo() == ()


def test_evidence_url_is_validated(seeded: Service) -> None:
    article = seeded.resolve_article("003")
    sentence = seeded.sentence(article.id, 1)
    with pytest.raises(ServiceError, match="http"):
        seeded.set_evidence(article.id, sentence, "javascript:alert(1)")
    assert evidence_url_problem("https://") != ""
    assert evidence_url_problem("https://a.org/x y") != ""
    assert evidence_url_problem("https://a.org/x") == ""
    assert seeded.claims() == []


def test_failed_save_is_raised_and_nothing_is_pushed_to_undo(
    seeded: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    article = seeded.resolve_article("003")
    sentence = seeded.sentence(article.id, 1)

    def fail(*args: object, **kwargs: object) -> None:
        raise StoreError("save failed: disk I/O error")

    monkeypatch.setattr(seeded.store, "save_claim", fail)
    with pytest.raises(StoreError, match="disk I/O"):
        seeded.tag(article.id, sentence, Verdict.CONFIRMED)
    assert not seeded.can_undo


def test_export_csv_rows(seeded: Service) -> None:
    article = seeded.resolve_article("003")
    sentence = seeded.sentence(article.id, 4)
    seeded.tag(article.id, sentence, Verdict.DISPUTED)
    seeded.set_note(article.id, sentence, "=HYPERLINK(evil)")
    out = io.StringIO()
    assert seeded.export("csv", out) == 1
    out.seek(0)
    (row,) = read_csv(out)
    assert row["sentence_index"] == "4"
    assert row["verdict"] == "disputed"
    assert row["note"] == "=HYPERLINK(evil)"
    assert row["outlet"] == "Worthy News"
    assert row["text"] == sentence.text
    assert (int(row["start"]), int(row["end"])) == (sentence.start, sentence.end)
    assert row["annotator"] == TEST_USER
    assert "=HYPERLINK" not in out.getvalue().replace("'=HYPERLINK", "")


def test_service_without_a_model_still_reads_and_tags(make_service: Callable[..., Service]) -> None:
    service = make_service(analyzer=None)
    service.open_paths([SEEDS])
    assert service.pending_analysis() == []
    assert service.analyse_pending() == 0
    article = service.resolve_article("004")
    claim = service.tag(article.id, service.sentence(article.id, 2), Verdict.UNVERIFIED)
    assert claim.verdict is Verdict.UNVERIFIED


def test_a_claim_made_before_the_model_ran_stays_the_sentences_claim(
    make_service: Callable[..., Service],
) -> None:
    service = make_service()
    service.open_paths([SEEDS])
    article = service.resolve_article("002")
    fallback = service.sentence(article.id, 2)
    first = service.tag(article.id, fallback, Verdict.CONFIRMED)
    # The model's sentence covers the same text with a slightly different span.
    from annotator.model import Sentence

    shifted = Sentence(fallback.index, fallback.start, fallback.end + 1, fallback.text + " ")
    again = service.tag(article.id, shifted, Verdict.DISPUTED)
    assert again.id == first.id
    assert [c.verdict for c in service.claims(article.id)] == [Verdict.DISPUTED]


def test_article_by_id(seeded: Service) -> None:
    article = seeded.resolve_article("003")
    assert seeded.article(article.id) == article
    assert seeded.article("f" * 64) is None
