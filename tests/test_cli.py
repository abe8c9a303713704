"""The console script: commands, JSON shapes, bad input, and the real end-to-end path."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from annotator.service import Service
from tests.conftest import ROOT, SEEDS
from tests.helpers import cli_runner


@pytest.fixture
def run(
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Callable[..., tuple[int, str, str]]:
    """Run `annotator ARGS` in-process over tmp_path's database with the fake NLP."""
    import annotator.service

    def factory(db: str, user: str = "", model: str | None = None) -> Service:
        return make_service(user=user)

    monkeypatch.setattr(annotator.service, "open_service", factory)

    return cli_runner(capsys, "cli-user")


def test_import_twice_leaves_five_articles(run: Callable[..., tuple[int, str, str]]) -> None:
    code, out, _ = run("import", str(SEEDS))
    assert code == 0 and "5 articles opened, 5 new" in out
    code, out, _ = run("import", str(SEEDS))
    assert code == 0 and "5 articles opened, 0 new; 5 in" in out


def test_articles_json_shape(run: Callable[..., tuple[int, str, str]]) -> None:
    run("import", str(SEEDS))
    code, out, _ = run("articles", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and len(rows) == 5
    assert set(rows[0]) == {
        "article", "title", "outlet", "byline", "published", "url", "words", "sentences",
    }  # fmt: skip
    worthy = next(r for r in rows if r["outlet"] == "Worthy News")
    assert worthy["byline"] == "Stefan J. Bos" and worthy["sentences"] > 10


def test_sentences_json_has_offsets_within_the_sentence(
    run: Callable[..., tuple[int, str, str]],
) -> None:
    run("import", str(SEEDS))
    code, out, _ = run("sentences", "003", "--format", "json")
    rows = json.loads(out)
    assert code == 0 and rows[0]["sentence"] == 1
    for row in rows:
        for entity in row["entities"]:
            assert row["text"][entity["start"] : entity["end"]] == entity["text"]
            assert set(entity) == {"text", "label", "start", "end"}


def test_tag_then_claims_and_export(
    run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    run("import", str(SEEDS))
    code, out, _ = run("tag", "003", "4", "disputed", "--note", "x")
    assert code == 0 and "disputed" in out
    code, out, _ = run("claims", "--format", "json")
    (claim,) = json.loads(out)
    assert (claim["sentence"], claim["verdict"], claim["note"], claim["annotator"]) == (
        4, "disputed", "x", "cli-user",
    )  # fmt: skip
    target = tmp_path / "out.csv"
    code, _, err = run("export", "--format", "csv", "-o", str(target))
    assert code == 0 and "1 claims written" in err
    with target.open(encoding="utf-8-sig", newline="") as handle:
        (row,) = list(csv.DictReader(handle))
    assert (row["verdict"], row["note"], row["sentence_index"]) == ("disputed", "x", "4")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("sentences", "zzz"), "no article matches"),
        (("tag", "003", "999", "disputed"), "out of range"),
        (("tag", "003", "1", "maybe"), "unknown verdict"),
        (("tag", "003", "1", "confirmed", "--evidence", "ftp://x"), "http"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(
    run: Callable[..., tuple[int, str, str]], args: tuple[str, ...], message: str
) -> None:
    run("import", str(SEEDS))
    code, _, err = run(*args)
    assert code == 2
    assert message in err and err.count("\n") == 1 and "Traceback" not in err


def test_import_of_a_missing_path_names_it(
    run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    code, _, err = run("import", str(tmp_path / "missing.txt"), str(SEEDS))
    assert code == 2 and "missing.txt" in err


def test_hostile_text_never_reaches_the_terminal_raw(
    run: Callable[..., tuple[int, str, str]], tmp_path: Path
) -> None:
    hostile = tmp_path / "hostile.txt"
    hostile.write_text("Title [b]bold[/b]\n\nA [@click=app.quit]x[/] claim here.\n")
    run("import", str(hostile))
    run("tag", "hostile", "2", "unverified", "--note", "\x1b]0;pwned\x07 [red]note\x9b")
    for args in (("sentences", "hostile"), ("claims",), ("report",)):
        code, out, _ = run(*args)
        assert code == 0 and "\x1b" not in out and "\x9b" not in out
    _, out, _ = run("claims")
    assert "␛]0;pwned␇" in out and "[red]note" in out
    _, out, _ = run("sentences", "hostile")
    assert "[@click=app.quit]x[/]" in out
    _, out, _ = run("claims", "--format", "json")
    assert "\x1b" not in out and "\x9b" not in out
    assert json.loads(out)[0]["note"] == "\x1b]0;pwned\x07 [red]note\x9b"


def _annotator(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "annotator", *args], cwd=cwd, capture_output=True, text=True,
        env=env, timeout=600,
    )  # fmt: skip


@pytest.mark.spacy
def test_end_to_end_with_the_real_model(tmp_path: Path) -> None:
    """The issue's check: import twice, tag, export, and a report that never imports spaCy."""
    db = str(tmp_path / "annotations.db")
    for _ in range(2):
        done = _annotator("import", str(SEEDS), "--db", db, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    assert "5 in" in done.stdout
    done = _annotator("tag", "003", "4", "disputed", "--note", "x", "--db", db, cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = _annotator("export", "--format", "csv", "--db", db, cwd=tmp_path)
    rows = list(csv.DictReader(io.StringIO(done.stdout.lstrip("\ufeff"), newline="")))
    assert [(r["verdict"], r["note"]) for r in rows] == [("disputed", "x")]
    probe = (
        "import sys, runpy; sys.argv = ['annotator', 'report', '--db', %r]\n"
        "try:\n    runpy.run_module('annotator', run_name='__main__')\n"
        "except SystemExit:\n    pass\n"
        "print('SPACY-LOADED' if 'spacy' in sys.modules else 'NO-SPACY')"
    ).replace("%r", repr(db))
    done = subprocess.run([sys.executable, "-c", probe], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120)  # fmt: skip
    assert done.stdout.strip().endswith("NO-SPACY"), done.stdout + done.stderr
    assert "Worthy News" in done.stdout and "London24NEWS" in done.stdout


def test_help_lists_the_commands() -> None:
    done = subprocess.run([sys.executable, "-m", "annotator", "--help"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0
    for command in ("import", "report", "sentences", "tag", "articles", "claims", "export"):
        assert command in done.stdout


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["seeds"],
        ["open"],
        ["open", "a.txt", "b/"],
        ["--db", "x.db", "a.txt"],
        ["--db=x.db", "--user", "ana", "--model", "m", "a", "b"],
        ["a", "b", "--user=bo", "--db", "y.db"],
        ["--user", ""],
    ],
)
def test_the_readers_command_line_is_parsed_as_argparse_would(argv: list[str]) -> None:
    from annotator import cli

    args = ["open", *argv] if not argv or argv[0] != "open" else argv
    quick = cli.quick_open(args)
    full = cli.build_parser().parse_args(args)
    if argv == ["--user", ""]:
        assert quick is None  # left to argparse
    else:
        assert quick is not None and vars(quick) == vars(full)
    assert vars(cli.parse_args(argv)) == vars(full)


@pytest.mark.parametrize(
    "argv", [["-h"], ["--dbx", "a"], ["--", "-a"], ["--db"], ["--us", "x"], ["a", "--db=x", "b"]]
)
def test_anything_else_is_left_to_argparse(argv: list[str]) -> None:
    from annotator import cli

    assert cli.quick_open(["open", *argv]) is None
