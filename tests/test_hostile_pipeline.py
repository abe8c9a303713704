"""Hostile text through every non-TUI path: ingest → store → CLI tables, reports, exports.

The corpus carries Rich/Textual markup, ANSI CSI and OSC sequences (terminal title,
clipboard, clear screen), C1 controls, bidi overrides, zero-width characters, a
100,000-character line and invalid UTF-8, in articles and in notes. Whatever goes to a
terminal must keep the markup literal and let no ESC, C1 or BEL of the text through; the
data formats must round-trip. A hypothesis test feeds random text the same way.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rich.console import Console

from annotator import cli, export, ingest, report
from annotator.model import Verdict
from annotator.service import Service, ServiceError, fallback_analysis
from annotator.store import Store
from tests.conftest import fixed_clock
from tests.fake_nlp import FakeAnalyzer
from tests.helpers import cli_runner
from tests.workers.loops import scaled

MARKUP = [
    "[b]bold[/b]",
    "[/",
    "[@click=app.quit]x[/]",
    "[link=https://evil.example]click me[/link]",
    "[red on white]loud[/]",
    ":warning:",
]
ESCAPES = [
    "\x1b]0;pwned\x07",  # set the terminal title (OSC 0, BEL)
    "\x1b]0;pwned\x1b\\",  # the same, ended by ST
    "\x1b]52;c;cHduZWQ=\x07",  # write the clipboard (OSC 52)
    "\x1b[2J\x1b[H",  # clear the screen, cursor home (CSI)
    "\x1b[31mred\x1b[0m",  # colours (SGR)
    "\x9b2J",  # CSI as one C1 byte
    "\x9d0;c1 title\x9c",  # OSC and ST as C1 bytes
    "\x07\x08\x7f",  # BEL, backspace, DEL
]
UNICODE = [
    "\u202eevil\u202c",  # RIGHT-TO-LEFT OVERRIDE
    "\u2066isolate\u2069",
    "zero\u200bwidth\u200djoin\ufeff",
    "\u2028line\u2029para",
]
HOSTILE = MARKUP + ESCAPES + UNICODE
TERMINAL_BAD = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # every control but \t and \n
SGR = re.compile(r"\x1b\[[0-9;]*m")  # Rich's own colours when it styles a terminal
BIDI = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _terminal_clean(text: str, *, styled: bool = False) -> None:
    """No control character of the text in `text` (Rich's own SGR colours aside)."""
    if styled:
        text = SGR.sub("", text)
    found = TERMINAL_BAD.search(text)
    if found is not None:
        near = text[max(0, found.start() - 40) : found.end() + 40]
        pytest.fail(f"{found.group()!r} reaches the terminal near {near!r}")


def _write_corpus(folder: Path) -> None:
    folder.mkdir()
    lines = [f"Headline {MARKUP[2]} {ESCAPES[0]} {UNICODE[0]}", ""]
    lines += [f"Sentence {i} says {fragment} about Aleppo." for i, fragment in enumerate(HOSTILE)]
    (folder / "hostile.txt").write_text("\n\n".join(lines), encoding="utf-8")
    (folder / "long.md").write_text(
        "# A long line\n\n" + "word [b] " * 11_112 + "\x1b[2J end\n\nThe end of it.\n",
        encoding="utf-8",
    )  # one line of over 100,000 characters
    (folder / "broken.txt").write_bytes(
        b"Invalid bytes \xff\xfe\xc3( here [b]x[/b].\n\nA second \x1b]0;t\x07 sentence.\n"
    )
    body = "".join(f"<p>Paragraph {i} {fragment} with words enough to count.</p>"
                   for i, fragment in enumerate(HOSTILE))  # fmt: skip
    (folder / "page.html").write_text(
        f"<html><head><title>Page {MARKUP[0]} \x1b]0;t\x07</title>"
        f'<meta property="og:site_name" content="Outlet {MARKUP[3]}"></head>'
        f"<body><article>{body}</article></body></html>",
        encoding="utf-8",
    )


def _invoker(
    db: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., tuple[int, str, str]]:
    """`annotator ARGS` in-process over `db`, with the fake NLP and a fixed clock."""
    _open_with_fake_nlp(monkeypatch, db)

    return cli_runner(capsys, "tester")


def _import_corpus(invoke: Callable[..., tuple[int, str, str]], folder: Path) -> None:
    _write_corpus(folder)
    code, out, err = invoke("import", str(folder))
    assert code == 0, err
    assert "4 articles opened, 4 new" in out
    _terminal_clean(out + err.replace("\ranalysing", "analysing"))  # our progress line


def _open_with_fake_nlp(monkeypatch: pytest.MonkeyPatch, db: Path) -> None:
    import annotator.service

    monkeypatch.setattr(
        annotator.service,
        "open_service",
        lambda _db, user="", model=None: Service(
            Store(db), FakeAnalyzer(), user=user, clock=fixed_clock()
        ),
    )


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The corpus imported through the CLI and tagged with hostile notes (built once)."""
    folder = tmp_path_factory.mktemp("hostile")
    db = folder / "hostile.db"
    _write_corpus(folder / "corpus")
    with pytest.MonkeyPatch.context() as monkeypatch:
        _open_with_fake_nlp(monkeypatch, db)
        assert cli.main(["import", str(folder / "corpus"), "--user", "tester"]) == 0
    service = Service(Store(db), FakeAnalyzer(), user="tester", clock=fixed_clock())
    for article in service.articles():
        for number, sentence in enumerate(service.sentences(article.id)[:4]):
            note = HOSTILE[number * 5 % len(HOSTILE)] + " and " + ESCAPES[number % len(ESCAPES)]
            service.tag(article.id, sentence, list(Verdict)[number % 3])
            service.set_note(article.id, sentence, note)
    service.store.close()
    return db


@pytest.fixture
def hostile(
    corpus_db: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Iterator[tuple[Callable[..., tuple[int, str, str]], Service]]:
    """A copy of the corpus database, and `annotator ARGS` over it."""
    db = tmp_path / "hostile.db"
    shutil.copyfile(corpus_db, db)
    service = Service(Store(db), FakeAnalyzer(), user="tester", clock=fixed_clock())
    yield _invoker(db, monkeypatch, capsys), service
    service.store.close()


def test_cli_import_of_the_corpus_says_nothing_raw(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _import_corpus(_invoker(tmp_path / "a.db", monkeypatch, capsys), tmp_path / "corpus")


def test_ingest_keeps_markup_and_drops_escapes(
    hostile: tuple[Callable[..., tuple[int, str, str]], Service],
) -> None:
    _, service = hostile
    articles = {Path(a.source_path).name: a for a in service.articles()}
    text = articles["hostile.txt"].text
    for fragment in MARKUP:
        assert fragment in text
    assert "\x1b" not in text and "\x9b" not in text and "\x07" not in text
    assert "⟦U+202E⟧evil" in text and "\u200b" not in text
    assert articles["broken.txt"].decoded_with_replacement
    assert max(len(line) for line in articles["long.md"].text.split("\n")) > 100_000
    page = articles["page.html"]
    assert "[b]bold[/b]" in page.title and "\x1b" not in page.title


@pytest.mark.parametrize("styled", [False, True], ids=["pipe", "terminal"])
def test_cli_tables_show_markup_literally_and_no_escape(
    hostile: tuple[Callable[..., tuple[int, str, str]], Service],
    monkeypatch: pytest.MonkeyPatch,
    styled: bool,
) -> None:
    invoke, service = hostile
    if styled:  # a colour terminal: Rich styles the tables, the text must still be inert
        monkeypatch.setattr(
            report,
            "_console",
            lambda: Console(force_terminal=True, color_system="truecolor", width=240,
                            highlight=False, soft_wrap=False),
        )  # fmt: skip
    outputs = []
    for args in (("articles",), ("claims",), ("report",)):
        code, out, err = invoke(*args)
        assert code == 0, err
        outputs.append(out)
    for article in service.articles():
        code, out, err = invoke("sentences", article.id[:12])
        assert code == 0, err
        outputs.append(out)
    for out in outputs:
        _terminal_clean(out, styled=styled)
        assert BIDI.search(out) is None  # shown as ⟦U+202E⟧, never reordering the table
    everything = SGR.sub("", "".join(outputs))
    for fragment in MARKUP:
        assert fragment in everything, fragment
    assert "␛]0;pwned␇" in everything  # a note's escape, shown as control pictures


def test_cli_json_and_reports_escape_every_control(
    hostile: tuple[Callable[..., tuple[int, str, str]], Service],
) -> None:
    invoke, service = hostile
    for args in (
        ("articles", "--format", "json"),
        ("claims", "--format", "json"),
        ("sentences", service.articles()[0].id[:12], "--format", "json"),
        ("report", "--format", "md"),
        ("report", "--format", "html"),
    ):
        code, out, err = invoke(*args)
        assert code == 0, err
        _terminal_clean(out)
    _, out, _ = invoke("claims", "--format", "json")
    notes = {row["note"] for row in json.loads(out)}
    assert notes == {claim.note for claim in service.claims()}  # escaped, not lost


@pytest.mark.parametrize("fmt", export.EXPORT_FORMATS)
def test_every_export_on_a_terminal_is_inert(
    hostile: tuple[Callable[..., tuple[int, str, str]], Service],
    monkeypatch: pytest.MonkeyPatch,
    fmt: str,
) -> None:
    invoke, _ = hostile
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)
    code, out, err = invoke("export", "--format", fmt)
    assert code == 0, err
    _terminal_clean(out)
    assert "␛]0;pwned␇" in out or "\\u001b]0;pwned\\u0007" in out


def test_every_export_to_a_file_round_trips_or_is_valid_json(
    hostile: tuple[Callable[..., tuple[int, str, str]], Service], tmp_path: Path
) -> None:
    invoke, service = hostile
    notes = sorted(claim.note for claim in service.claims())
    for fmt in export.EXPORT_FORMATS:
        target = tmp_path / f"out.{fmt}"
        code, _, err = invoke("export", "--format", fmt, "-o", str(target))
        assert code == 0, err
        text = target.read_text(encoding="utf-8")
        if fmt == "csv":
            rows = export.read_csv(io.StringIO(text, newline=""))
            assert sorted(row["note"] for row in rows) == notes
        elif fmt == "jsonl":
            records, errors = export.read_jsonl(text.splitlines())
            assert errors == [] and sorted(r.claim.note for r in records) == notes
        else:
            json.loads(text)
        if fmt != "csv":  # JSON escapes every control character it carries
            assert TERMINAL_BAD.search(text) is None


def test_hostile_evidence_urls_are_refused(
    hostile: tuple[Callable[..., tuple[int, str, str]], Service],
) -> None:
    _, service = hostile
    article = service.articles()[0]
    sentence = service.sentences(article.id)[0]
    for url in ("https://evil.example/\x1b]0;x\x07", "javascript:alert(1)", "https://a b.example"):
        with pytest.raises(ServiceError):
            service.set_evidence(article.id, sentence, url)


# --- random text -------------------------------------------------------------------------------

FRAGMENTS = st.sampled_from([*HOSTILE, "\n", "\n\n", " ", "Aleppo", "200", "."])
RANDOM_TEXT = st.lists(
    st.one_of(st.text(st.characters(codec="utf-8"), max_size=40), FRAGMENTS), max_size=25
).map("".join)


def _render(service: Service, monkeypatch: pytest.MonkeyPatch) -> str:
    """The Rich tables of the report, claims and sentences, on a styled terminal (so wide
    that no cell wraps, and a markup fragment of the text shows whole if it shows)."""
    buffer = io.StringIO()
    console = Console(file=buffer, force_terminal=True, color_system="truecolor", width=50_000,
                      highlight=False, soft_wrap=False)  # fmt: skip
    monkeypatch.setattr(report, "_console", lambda: console)
    report.print_report(service)
    rows = [
        {"article": c.article_id, "sentence": 1, "text": c.quote, "verdict": "disputed",
         "note": c.note, "evidence_url": c.evidence_url, "annotator": c.annotator,
         "updated_at": c.updated_at}
        for c in service.claims()
    ]  # fmt: skip
    report.print_claims(rows)
    for article in service.articles():
        report.print_sentences(article, service.sentences(article.id))
    return buffer.getvalue()


@settings(
    max_examples=scaled(40, 400),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(body=RANDOM_TEXT, note=RANDOM_TEXT, raw=st.binary(max_size=200))
def test_random_text_goes_through_ingest_store_render_export(
    body: str, note: str, raw: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    articles = []
    for text in (body + "\nAleppo was hit.", raw.decode("utf-8", "replace") + "\nA fact."):
        try:
            articles.append(ingest.parse_article(text, source_path="random.txt"))
        except ingest.IngestError:
            continue
    try:  # bytes as a file would give them: refused or decoded with a flag, never a crash
        decoded, _ = ingest._decode(raw + b"\nSome text here.", "random.bin")
        articles.append(ingest.parse_article(decoded, source_path="random.bin"))
    except ingest.IngestError:
        pass
    service = Service(Store(":memory:"), FakeAnalyzer(), user="h", clock=fixed_clock())
    for article in articles:
        service.store.add_article(article, fallback_analysis(article.text), at="t")
    service.analyse_pending()
    for article in service.articles():
        sentence = service.sentences(article.id)[0]
        service.tag(article.id, sentence, Verdict.DISPUTED)
        service.set_note(article.id, sentence, note)
    rendered = _render(service, monkeypatch)
    _terminal_clean(rendered, styled=True)
    assert BIDI.search(rendered) is None
    for fragment in MARKUP:
        if fragment in note.strip():
            assert fragment in SGR.sub("", rendered), fragment
    # Exports: CSV and JSON Lines give back every note exactly; all four never fail.
    stored = sorted(claim.note for claim in service.claims())
    for fmt in export.EXPORT_FORMATS:
        buffer = io.StringIO()
        service.export(fmt, buffer)
        text = buffer.getvalue()
        _terminal_clean(cli_terminal_view(text))
        if fmt == "csv":
            rows = export.read_csv(io.StringIO(text, newline=""))
            assert sorted(row["note"] for row in rows) == stored
            list(csv.reader(io.StringIO(text, newline="")))
        elif fmt == "jsonl":
            records, errors = export.read_jsonl(text.splitlines())
            assert errors == [] and sorted(r.claim.note for r in records) == stored
        else:
            json.loads(text)
    service.store.close()


def cli_terminal_view(text: str) -> str:
    """What `annotator export` writes when its standard output is a terminal."""
    from annotator.sanitize import printable

    return printable(text)
