"""`annotator align / discrepancies / entities / triage`: JSON shapes, tables, bad input."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from annotator.service import Service
from tests.conftest import SEEDS
from tests.helpers import cli_runner

Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def run(
    make_service: Callable[..., Service],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """Run `annotator ARGS` in-process over tmp_path's database with the fake NLP."""
    import annotator.service

    def factory(db: str, user: str = "", model: str | None = None, **_: Any) -> Service:
        return make_service(user=user)

    monkeypatch.setattr(annotator.service, "open_service", factory)
    monkeypatch.setenv("COLUMNS", "200")

    return cli_runner(capsys, "cli-user")


@pytest.fixture
def seeded_run(run: Run) -> Run:
    code, _, err = run("import", str(SEEDS))
    assert code == 0, err
    return run


def json_of(run: Run, *args: str) -> Any:
    code, out, err = run(*args, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def sentence_texts(run: Run, article: str) -> dict[int, str]:
    return {row["sentence"]: row["text"] for row in json_of(run, "sentences", article)}


def test_align_json_shape(seeded_run: Run) -> None:
    rows = json_of(seeded_run, "align")
    articles = {r["article"] for r in json_of(seeded_run, "articles")}
    assert {r["article"] for r in rows} == articles
    for row in rows:
        assert set(row) == {"article", "sentence", "text", "matches"}
        others = [m["article"] for m in row["matches"]]
        assert len(others) == len(set(others)) and row["article"] not in others
        scores = [m["score"] for m in row["matches"]]
        assert scores == sorted(scores, reverse=True)
        for match in row["matches"]:
            assert set(match) == {"article", "sentence", "text", "score"}
            assert 0 < match["score"] <= 1 and match["sentence"] >= 1


def test_align_numbers_are_those_of_sentences(seeded_run: Run) -> None:
    rows = json_of(seeded_run, "align", "000")
    assert len({r["article"] for r in rows}) == 1
    texts = sentence_texts(seeded_run, "000")
    assert [r["sentence"] for r in rows] == sorted(texts)
    assert all(texts[r["sentence"]] == r["text"] for r in rows)
    lede = next(r for r in rows if r["text"].startswith("BEIRUT"))
    assert len(lede["matches"]) >= 3
    for match in lede["matches"]:
        texts = sentence_texts(seeded_run, match["article"])
        assert texts[match["sentence"]] == match["text"]


def test_align_all_lists_at_least_the_same_fact_matches(seeded_run: Run) -> None:
    same = json_of(seeded_run, "align", "003")
    every = json_of(seeded_run, "align", "003", "--all")
    for row_same, row_every in zip(same, every, strict=True):
        assert len(row_every["matches"]) >= len(row_same["matches"])


def test_discrepancies_json(seeded_run: Run) -> None:
    rows = json_of(seeded_run, "discrepancies")
    for row in rows:
        assert set(row) == {"kind", "explanation", "a", "b"}
        assert row["kind"] in ("quantity", "entity", "spelling")
        for side in (row["a"], row["b"]):
            assert set(side) == {"article", "sentence", "text", "reading"}
            assert side["reading"] in side["text"]
    pairs = {frozenset((r["a"]["reading"], r["b"]["reading"])) for r in rows}
    assert frozenset({"some 200 people", "At least 277 people"}) in pairs
    assert frozenset({"More than 180 combatants", "At least 277 people"}) in pairs
    spelt = {r[s]["reading"] for r in rows if r["kind"] == "spelling" for s in ("a", "b")}
    assert {"Saraqab", "Saragab", "Saraqeb"} <= spelt
    assert frozenset({"about 70 locations", "approximately 70 locations"}) not in pairs
    toll = next(r for r in rows if {r["a"]["reading"], r["b"]["reading"]} == {
        "some 200 people", "At least 277 people"})  # fmt: skip
    texts = sentence_texts(seeded_run, toll["a"]["article"])
    assert texts[toll["a"]["sentence"]] == toll["a"]["text"]


def test_entities_json(seeded_run: Run) -> None:
    rows = json_of(seeded_run, "entities")
    articles = [r["article"] for r in json_of(seeded_run, "articles")]
    for row in rows:
        assert set(row) == {"name", "label", "variants", "counts"}
        assert list(row["counts"]) == articles and row["variants"][0] == row["name"]
    town = next(r for r in rows if "Saragab" in r["variants"])
    assert sorted(town["variants"]) == ["Saragab", "Saraqab", "Saraqeb"]
    assert sum(town["counts"].values()) == 3
    hts = next(r for r in rows if "HTS" in r["variants"])
    assert hts["name"] == "Hayat Tahrir al-Sham"


def test_triage_json_and_top(seeded_run: Run) -> None:
    rows = json_of(seeded_run, "triage", "--top", "3")
    assert len(rows) == 3
    assert [r["score"] for r in rows] == sorted((r["score"] for r in rows), reverse=True)
    for row in rows:
        assert set(row) == {"article", "sentence", "text", "score", "features"}
        assert row["features"] and all(
            set(f) == {"name", "weight", "detail"} for f in row["features"]
        )
    everything = json_of(seeded_run, "triage")
    assert len(everything) > 100 and everything[:3] == rows


@pytest.mark.parametrize("command", ["align", "discrepancies", "entities", "triage"])
def test_tables_print(seeded_run: Run, command: str) -> None:
    code, out, err = seeded_run(command)
    assert code == 0, err
    assert out.strip() and "\x1b" not in out


def test_tables_show_hostile_text_literally(run: Run, tmp_path: Path) -> None:
    for name, line in (("a.txt", "Rebels [b]seized[/b] 40 villages \x1b[31m today."),
                       ("b.txt", "Rebels [b]seized[/b] 60 villages \x1b[31m today.")):  # fmt: skip
        (tmp_path / name).write_text(f"Title {name}\n\n{line}\n", encoding="utf-8")
    assert run("import", str(tmp_path / "a.txt"), str(tmp_path / "b.txt"))[0] == 0
    for command in ("align", "discrepancies", "triage"):
        code, out, _ = run(command)
        assert code == 0 and "\x1b" not in out
        assert ("40 villages" in out) if command == "discrepancies" else ("[b]seized[/b]" in out)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("triage", "--top", "0"), "--top must be at least 1"),
        (("align", "zzz"), "no article matches"),
    ],
)
def test_bad_input_is_one_line(seeded_run: Run, args: tuple[str, ...], message: str) -> None:
    code, _, err = seeded_run(*args)
    assert code == 2 and message in err and err.count("\n") == 1


def test_an_empty_database_says_what_to_do(run: Run) -> None:
    code, _, err = run("discrepancies")
    assert code == 2 and "annotator import" in err


# --- the comparison cache: a second command reads it, and `report` never computes -----------


def test_report_shows_discrepancies_only_once_compared(
    seeded_run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    import annotator.compare

    real = annotator.compare.compare_articles

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("`annotator report` compared outlets")

    monkeypatch.setattr(annotator.compare, "compare_articles", refuse)
    code, out, err = seeded_run("report")
    assert code == 0, err
    assert "run `annotator discrepancies` to compare outlets" in out
    assert "Discrepancies (" not in out
    monkeypatch.setattr(annotator.compare, "compare_articles", real)
    assert seeded_run("discrepancies")[0] == 0  # computes, and caches in the database
    monkeypatch.setattr(annotator.compare, "compare_articles", refuse)
    code, out, err = seeded_run("report")
    assert code == 0, err
    assert "Discrepancies (" in out and "to compare outlets" not in out
    for header in ("kind", "reading A", "reading B", "explanation"):
        assert header in out
    assert "some 200 people" in out and "At least 277 people" in out and "Saragab" in out
    assert "Worthy News · S1" in out and "\x1b" not in out


_PROBE = """
import runpy, sys
sys.argv = ["annotator", *sys.argv[1:]]
try:
    runpy.run_module("annotator", run_name="__main__")
except SystemExit:
    pass
print("LOADED:", " ".join(m for m in ("sklearn", "scipy", "numpy", "spacy") if m in sys.modules))
"""


def _probe(tmp_path: Path, *args: str) -> tuple[str, set[str]]:
    """Run `annotator ARGS` in a fresh interpreter: its output, and which heavy modules it
    imported (scikit-learn, scipy, numpy, spaCy)."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "COLUMNS": "200"}
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], cwd=tmp_path, capture_output=True, text=True,
        env=env, timeout=300,
    )  # fmt: skip
    out, _, loaded = done.stdout.rpartition("LOADED:")
    assert loaded, done.stdout + done.stderr
    return out, set(loaded.split())


def test_a_second_discrepancies_reads_the_cache_without_scikit_learn(
    make_service: Callable[..., Service], tmp_path: Path
) -> None:
    db = tmp_path / "annotations.db"
    service = make_service(db=db)  # the fake NLP, so that no model is needed
    assert not service.open_paths([SEEDS]).errors
    service.analyse_pending()
    out, loaded = _probe(tmp_path, "report", "--db", str(db))
    assert "run `annotator discrepancies` to compare outlets" in out
    assert not loaded & {"sklearn", "spacy"}, loaded  # report never compares
    first, loaded = _probe(tmp_path, "discrepancies", "--format", "json", "--db", str(db))
    assert "sklearn" in loaded  # not cached yet: computed (and this probe sees imports)
    second, loaded = _probe(tmp_path, "discrepancies", "--format", "json", "--db", str(db))
    assert not loaded & {"sklearn", "scipy", "numpy", "spacy"}, loaded
    assert second == first and len(json.loads(first)) > 5
    table, loaded = _probe(tmp_path, "discrepancies", "--db", str(db))
    assert "sklearn" not in loaded and "At least 277 people" in table
    out, loaded = _probe(tmp_path, "report", "--db", str(db))
    assert not loaded & {"sklearn", "spacy"}, loaded
    assert "Discrepancies (" in out and "some 200 people" in out
