"""JSON Lines: a lossless round trip, and `import-annotations` merging by claim id."""

from __future__ import annotations

import io
import json
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.export import (
    JSONL_FORMAT,
    ArticleRef,
    find_anchor,
    json_text,
    read_jsonl,
    write_jsonl,
)
from annotator.model import Claim, Verdict
from annotator.service import Service, claim_id_for
from annotator.store import StoreError
from tests.conftest import SEEDS
from tests.helpers import cli_runner
from tests.test_export_formats import tag_fixed_set

# --------------------------------------------------------------------------- round trip

CLAIM_ID_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._:-"
any_text = st.text(st.characters(codec=None, exclude_categories=()), max_size=40)
quotes = st.text(st.characters(codec=None, exclude_categories=()), min_size=1, max_size=80)
EPOCH = datetime(1990, 1, 1, tzinfo=UTC)
# Any microsecond from 1990 to 2100, drawn as one integer (`st.datetimes` draws seven values,
# a third of this test's time).
timestamps = st.integers(
    0, (datetime(2100, 1, 1, tzinfo=UTC) - EPOCH) // timedelta(microseconds=1)
).map(lambda micros: (EPOCH + timedelta(microseconds=micros)).isoformat().replace("+00:00", "Z"))


@st.composite
def records(draw: st.DrawFn) -> tuple[Claim, ArticleRef]:
    quote = draw(quotes)
    start = draw(st.integers(0, 10**9))
    article_id = draw(st.binary(min_size=32, max_size=32)).hex()
    claim = Claim(
        id=draw(st.text(CLAIM_ID_ALPHABET, min_size=1, max_size=128)),
        article_id=article_id,
        start=start,
        end=start + len(quote),
        quote=quote,
        prefix=draw(any_text),
        suffix=draw(any_text),
        verdict=draw(st.none() | st.sampled_from(list(Verdict))),
        note=draw(any_text),
        evidence_url=draw(any_text),
        annotator=draw(any_text),
        created_at=draw(timestamps),
        updated_at=draw(timestamps),
        version=draw(st.integers(1, 2**40)),
    )
    article = ArticleRef(
        article_id, *(draw(any_text) for _ in range(6))
    )  # title, outlet, byline, published, url, source
    return claim, article


@settings(max_examples=500, deadline=None)
@given(st.lists(records(), max_size=4))
def test_jsonl_round_trips(items: list[tuple[Claim, ArticleRef]]) -> None:
    out = io.StringIO()
    assert write_jsonl(items, out) == len(items)
    text = out.getvalue()
    assert text.count("\n") == len(items)
    assert text.splitlines() == text.split("\n")[:-1] if items else text == ""
    raw = text.encode("utf-8")  # lone surrogates and separators are escaped: always encodable
    parsed, errors = read_jsonl(io.BytesIO(raw))
    assert errors == []
    assert [(r.claim, r.article) for r in parsed] == items
    assert [r.line for r in parsed] == list(range(1, len(items) + 1))


def test_a_record_has_every_claim_field_and_the_article_metadata(seeded: Service) -> None:
    tag_fixed_set(seeded)
    out = io.StringIO()
    seeded.export("jsonl", out)
    record = json.loads(out.getvalue().splitlines()[-1])
    assert list(record) == [
        "format", "id", "article_id", "start", "end", "quote", "prefix", "suffix", "verdict",
        "note", "evidence_url", "annotator", "created_at", "updated_at", "version", "article",
    ]  # fmt: skip
    assert record["format"] == JSONL_FORMAT
    assert list(record["article"]) == ["title", "outlet", "byline", "published", "url", "source"]
    assert record["article"]["source"] == "004_3319676323ed9a88.txt"  # a name, never a folder


# --------------------------------------------------------------------------- malformed lines

GOOD = {
    "format": JSONL_FORMAT, "id": "c1", "article_id": "a" * 64, "start": 0, "end": 5,
    "quote": "Hello", "prefix": "", "suffix": " world", "verdict": "confirmed", "note": "",
    "evidence_url": "", "annotator": "ana", "created_at": "2024-11-29T12:00:00Z",
    "updated_at": "2024-11-29T12:00:00Z", "version": 1, "article": {"title": "T"},
}  # fmt: skip


def _line(**changes: Any) -> bytes:
    record = {**GOOD, **changes}
    for key in [k for k, v in changes.items() if v is ...]:
        del record[key]
    return (json.dumps(record) + "\n").encode()


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b"{not json\n", "not valid JSON (Expecting property name"),
        (b"[1, 2]\n", "not a JSON object but list"),
        (_line(format="other/2"), 'not an annotator claim record (format "other/2"'),
        (_line(id=...), "missing field 'id'"),
        (_line(id="bad id!"), "'id' must be 1-128 letters"),
        (_line(article_id="xyz"), "'article_id' must be 64 lower-case hex digits"),
        (_line(start="0"), "'start' must be an integer, not \"0\""),
        (_line(start=True), "'start' must be an integer, not true"),
        (_line(start=5, end=5, quote=""), "'start' and 'end' must satisfy 0 <= start < end"),
        (_line(quote="Hi"), "'quote' has 2 characters, but end - start is 5"),
        (_line(verdict="true"), "'verdict' must be null or one of confirmed"),
        (_line(note=None), "'note' must be a str, not NoneType"),
        (_line(updated_at="yesterday"), "'updated_at' is not an ISO 8601 date-time"),
        (_line(version=0), "'version' must be 1 or more"),
        (_line(article={"title": 3}), "article: 'title' must be a str"),
        (b'{"format": "annotator.claim/1", "id": "\xff"}\n', "not valid UTF-8 (byte 40)"),
    ],
)
def test_malformed_lines_are_named_with_their_number(line: bytes, reason: str) -> None:
    parsed, errors = read_jsonl([_line(), b"\n", line, _line(id="c2")])
    assert [r.claim.id for r in parsed] == ["c1", "c2"]
    assert len(errors) == 1 and errors[0].startswith(f"line 3: {reason}"), errors


def test_a_bom_and_blank_lines_are_fine() -> None:
    parsed, errors = read_jsonl([b"\xef\xbb\xbf" + _line(), b"  \n", _line(id="c2")])
    assert errors == [] and [r.line for r in parsed] == [1, 3]


def test_json_text_escapes_what_a_terminal_or_a_line_reader_would_act_on() -> None:
    text = json_text({"v": "a\x1b[31m\x9b\u2028\u202e\ud800z"})
    assert text == '{"v":"a\\u001b[31m\\u009b\\u2028\\u202e\\ud800z"}'
    assert json.loads(text) == {"v": "a\x1b[31m\x9b\u2028\u202e\ud800z"}


# --------------------------------------------------------------------------- anchoring


def test_find_anchor() -> None:
    text = "One fact. Two facts. One fact. The end."
    assert find_anchor(text, "Two facts.") == (10, 20)
    assert find_anchor(text, "One fact.") is None  # twice, no context: unsure
    assert find_anchor(text, "One fact.", prefix="facts. ") == (21, 30)
    assert find_anchor(text, "One fact.", suffix=" Two") == (0, 9)
    assert find_anchor(text, "Three facts.") is None
    assert find_anchor(text, "") is None


# --------------------------------------------------------------------------- importing


def jsonl_of(service: Service) -> str:
    out = io.StringIO()
    service.export("jsonl", out)
    return out.getvalue()


def lines_of(text: str) -> list[bytes]:
    return [line.encode() for line in text.splitlines(keepends=True)]


@pytest.fixture
def source(seeded: Service) -> Service:
    tag_fixed_set(seeded)
    return seeded


@pytest.fixture
def other(make_service: Callable[..., Service], tmp_path: Path) -> Service:
    """A second database with the same five seeds and no claims."""
    service = make_service(db=tmp_path / "other.db", user="importer")
    assert not service.open_paths([SEEDS]).errors
    return service


def counts(service: Service) -> tuple[int, int]:
    return len(service.store.claims(include_empty=True)), service.store.audit_count()


def test_import_into_another_database_is_lossless(source: Service, other: Service) -> None:
    exported = jsonl_of(source)
    report = other.import_annotations(lines_of(exported))
    assert report.ok and (report.added, report.updated, report.unchanged) == (5, 0, 0)
    assert jsonl_of(other) == exported
    history = [h for c in other.store.claims(include_empty=True) for h in other.history(c.id)]
    assert {(h.action, h.user) for h in history} == {("import", "importer")}


def test_a_second_import_changes_nothing(source: Service, other: Service) -> None:
    exported = lines_of(jsonl_of(source))
    other.import_annotations(exported)
    before = counts(other)
    report = other.import_annotations(exported)
    assert (report.added, report.updated, report.unchanged, report.kept) == (0, 0, 5, 0)
    assert counts(other) == before
    source_report = source.import_annotations(exported)  # into the database it came from
    assert source_report.unchanged == 5 and counts(source)[0] == 5


def _edited(text: str, claim_id: str, **changes: Any) -> list[bytes]:
    lines = []
    for line in text.splitlines():
        record = json.loads(line)
        if record["id"] == claim_id:
            record.update(changes)
        lines.append((json.dumps(record) + "\n").encode())
    return lines


def test_the_newer_updated_at_wins_and_is_audited(source: Service, other: Service) -> None:
    exported = jsonl_of(source)
    other.import_annotations(lines_of(exported))
    disputed = next(c for c in source.claims() if c.verdict is Verdict.DISPUTED)
    audit_before = other.store.audit_count()
    newer = _edited(
        exported, disputed.id, verdict="confirmed", note="checked again",
        updated_at="2025-01-02T03:04:05Z", annotator="ana",
    )  # fmt: skip
    report = other.import_annotations(newer)
    assert (report.updated, report.unchanged) == (1, 4)
    stored = other.claim(disputed.id)
    assert stored is not None
    assert (stored.verdict, stored.note, stored.annotator, stored.updated_at) == (
        Verdict.CONFIRMED, "checked again", "ana", "2025-01-02T03:04:05Z",
    )  # fmt: skip
    assert stored.version == disputed.version + 1
    new_rows = other.history(disputed.id)[-2:]
    assert other.store.audit_count() == audit_before + 2
    assert [(h.action, h.field, h.old, h.new) for h in new_rows] == [
        ("import", "verdict", "disputed", "confirmed"),
        ("import", "note", disputed.note, "checked again"),
    ]
    older = _edited(exported, disputed.id, verdict="unverified", updated_at="2020-01-01T00:00:00Z")
    report = other.import_annotations(older)
    assert (report.updated, report.kept) == (0, 1)
    assert other.claim(disputed.id).verdict is Verdict.CONFIRMED  # type: ignore[union-attr]


def test_a_later_clear_travels_too(source: Service, other: Service) -> None:
    other.import_annotations(lines_of(jsonl_of(source)))
    confirmed = next(c for c in source.claims() if c.verdict is Verdict.CONFIRMED)
    article = source.store.article(confirmed.article_id)
    assert article is not None
    sentence = next(s for s in source.sentences(article.id) if s.start == confirmed.start)
    source.tag(article.id, sentence, None)
    report = other.import_annotations(lines_of(jsonl_of(source)))
    assert report.updated == 1
    assert other.claim(confirmed.id).verdict is None  # type: ignore[union-attr]


def test_malformed_lines_write_nothing(source: Service, other: Service) -> None:
    lines = lines_of(jsonl_of(source))
    lines.insert(2, b'{"format": "annotator.claim/1"}\n')
    lines.append(b"\xff\xfe garbage\n")
    lines.append(_line(evidence_url="javascript:alert(1)"))
    before = counts(other)
    report = other.import_annotations(lines)
    assert report.errors == [
        "line 3: missing field 'id'",
        "line 7: not valid UTF-8 (byte 1)",
        "line 8: evidence_url: evidence must be an http:// or https:// URL, not "
        "'javascript:alert(1)'",
    ]
    assert not report.ok and report.added == 0
    assert counts(other) == before


def test_claims_of_unknown_articles_are_skipped_one_line_each(
    source: Service, other: Service
) -> None:
    lines = lines_of(jsonl_of(source))
    lines.append(_line())  # article aaaa… is in neither database
    report = other.import_annotations(lines)
    assert report.added == 5
    assert report.skipped == ["line 6: claim c1: article aaaaaaaaaaaa is not in the database"]
    assert not report.ok


def test_claims_are_reanchored_into_an_edited_version_of_their_article(
    source: Service, make_service: Callable[..., Service], tmp_path: Path
) -> None:
    exported = jsonl_of(source)
    edited = tmp_path / "edited"
    edited.mkdir()
    for seed in SEEDS.glob("*.txt"):
        text = seed.read_text(encoding="utf-8")
        # Every seed gets a correction paragraph after its headline: all offsets move.
        head, _, rest = text.partition("\n")
        (edited / seed.name).write_text(
            f"{head}\nCorrection: an earlier version misstated a figure.\n{rest}", encoding="utf-8"
        )
    target = make_service(db=tmp_path / "edited.db", user="importer")
    assert not target.open_paths([edited]).errors
    known = {a.id for a in source.articles()}
    assert not known & {a.id for a in target.articles()}
    report = target.import_annotations(lines_of(exported))
    assert report.ok, report.skipped
    assert (report.added, report.reanchored) == (5, 5)
    for claim in target.store.claims(include_empty=True):
        article = target.store.article(claim.article_id)
        assert article is not None
        assert article.text[claim.start : claim.end] == claim.quote
        assert claim.id == claim_id_for(article.id, claim.start, claim.end)
    again = target.import_annotations(lines_of(exported))
    assert (again.added, again.unchanged) == (0, 5)  # no duplicates on a second import


def test_a_claim_whose_offsets_moved_in_its_own_article_is_found_by_its_quote(
    source: Service, other: Service
) -> None:
    exported = jsonl_of(source)
    disputed = next(c for c in source.claims() if c.verdict is Verdict.DISPUTED)
    moved = _edited(exported, disputed.id, start=disputed.start + 3, end=disputed.end + 3)
    report = other.import_annotations(moved)
    assert report.ok and report.reanchored == 1
    stored = other.claim(disputed.id)
    assert stored is not None and (stored.start, stored.end) == (disputed.start, disputed.end)


def test_store_merge_is_all_or_nothing(source: Service, other: Service) -> None:
    good = source.claims()[0]
    orphan = Claim(
        id="orphan", article_id="f" * 64, start=0, end=1, quote="x",
        created_at="2024-01-01T00:00:00Z", updated_at="2024-01-01T00:00:00Z",
    )  # fmt: skip
    before = counts(other)
    with pytest.raises(sqlite3.IntegrityError):
        other.store.merge_claims([good, orphan], user="x", at="2024-01-01T00:00:00Z")
    assert counts(other) == before


# --------------------------------------------------------------------------- the CLI


@pytest.fixture
def run(
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> Iterator[Callable[..., tuple[int, str, str]]]:
    """`annotator ARGS` in-process over tmp_path/other.db (the `other` database)."""
    import annotator.service

    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(
        annotator.service,
        "open_service",
        lambda db, user="", model=None: make_service(db=tmp_path / "other.db", user=user),
    )

    yield cli_runner(capsys, "cli-user")


def test_cli_import_annotations(
    source: Service, other: Service, run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_text(jsonl_of(source), encoding="utf-8")
    code, out, err = run("import-annotations", str(path))
    assert (code, err) == (0, "")
    assert out == "5 added, 0 updated, 0 unchanged, 0 kept (newer here), 0 skipped; 0 re-anchored\n"
    code, out, _ = run("import-annotations", str(path))
    assert code == 0 and out.startswith("0 added, 0 updated, 5 unchanged")
    code, out, _ = run("export", "--format", "jsonl")
    assert out == jsonl_of(source)


def test_cli_import_annotations_reports_skipped_claims_with_exit_2(
    source: Service, other: Service, run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_bytes(jsonl_of(source).encode() + _line())
    code, out, err = run("import-annotations", str(path))
    assert code == 2 and "5 added" in out and "1 skipped" in out
    assert err == (
        f"annotator: {path}: skipped line 6: claim c1: article aaaaaaaaaaaa is not in the "
        "database\n"
    )


def test_cli_import_annotations_malformed_file_imports_nothing(
    source: Service, other: Service, run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_bytes(jsonl_of(source).encode() + b"{oops\n" + b"\x1b[31m\n")
    before = counts(other)
    code, out, err = run("import-annotations", str(path))
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"annotator: {path}: line 6: not valid JSON (Expecting property name enclosed in "
        "double quotes at column 2)",
        f"annotator: {path}: line 7: not valid JSON (Expecting value at column 1)",
        f"annotator: {path}: 2 malformed line(s); nothing was imported",
    ]
    assert "\x1b" not in err
    assert counts(other) == before


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p, "no such file"),
        (lambda p: p.mkdir() or p, "is a folder, not a file"),
    ],
)
def test_cli_import_annotations_bad_path(
    run: Callable[..., tuple[int, str, str]],
    tmp_path: Path,
    make: Callable[[Path], Path],
    message: str,
) -> None:
    path = make(tmp_path / "claims.jsonl")
    code, _, err = run("import-annotations", str(path))
    assert code == 2 and err == f"annotator: {path}: {message}\n"


def test_cli_import_annotations_from_a_locked_database_is_clear(
    source: Service,
    other: Service,
    run: Callable[..., tuple[int, str, str]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    path = tmp_path / "claims.jsonl"
    path.write_text(jsonl_of(source), encoding="utf-8")

    def locked(*_args: object, **_kwargs: object) -> object:
        raise StoreError("database is locked by another program; nothing was written")

    from annotator.store import Store

    monkeypatch.setattr(Store, "merge_claims", locked)
    code, _, err = run("import-annotations", str(path))
    assert code == 2 and "locked" in err and "nothing was imported" in err


def test_an_exported_file_imports_from_a_binary_handle(
    source: Service, other: Service, tmp_path: Path
) -> None:
    path = tmp_path / "a.jsonl"
    assert source.export_to_file("jsonl", path) == 5
    with path.open("rb") as handle:
        report = other.import_annotations(handle)
    assert report.added == 5
    with path.open("rb") as handle:
        records, errors = read_jsonl(handle)
    assert errors == []
    assert [r.claim for r in records] == other.store.claims(include_empty=True)
