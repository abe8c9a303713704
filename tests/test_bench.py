"""Smoke tests of the benchmark's pieces on tiny inputs (`make bench` itself is not run here)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from annotator.nlp import find_model
from annotator.service import Service
from annotator.store import Store
from bench import corpus
from bench.__main__ import parse_args, table
from bench.bare_app import MARKER as BARE_MARKER
from bench.common import Figure, Settings, child_env, percentile
from bench.export_csv import add_claims, plain_export
from bench.prepare import LineAnalyzer, QuickAnalyzer, prepare_db
from bench.pty_latency import PtyApp, annotator_argv, time_key
from bench.start import bare_argv
from tests.conftest import SEEDS
from tests.helpers import key_frames


def test_the_corpus_is_reproducible_and_as_long_as_asked() -> None:
    first = corpus.generate(3, 300, seed=1)
    assert first == corpus.generate(3, 300, seed=1)
    assert first != corpus.generate(3, 300, seed=2)
    assert all(article.words >= 300 for article in first)
    assert len({article.text for article in first}) == 3
    long = corpus.generate(1, 1000, pool=corpus.pool_of(first), prefix="long")[0]
    assert long.words >= 1000
    assert set(long.paragraphs) <= set(corpus.pool_of(first))


def test_stories_share_no_word() -> None:
    stories = corpus.as_stories(corpus.generate(4, 200, seed=3), size=2)
    words = [{w for w in article.text.split() if w.isalpha()} for article in stories]
    assert not words[0] & words[2]
    assert words[0] & words[1]


def test_the_line_analyzer_composes_what_the_model_gives_whole_texts() -> None:
    texts = [article.text for article in corpus.generate(3, 200, seed=4)]
    inner = QuickAnalyzer()
    lines = LineAnalyzer(inner)
    assert lines.analyse(texts) == inner.analyse(texts)
    again = LineAnalyzer(inner)
    again.learn(texts, inner.analyse(texts))
    assert again.analyse(texts) == inner.analyse(texts)
    assert again.analysed_lines == 0


def test_frames_are_cut_at_the_sync_markers_even_across_reads(tmp_path: Path) -> None:
    app = PtyApp(["true"], cwd=tmp_path, env={})
    stream = b"\x1b[?1049hloose\x1b[?2026hone\x1b[?2026l\x1b[?2026htwo\x1b[?2026l"
    for position, byte in enumerate(stream):  # one byte per read: markers are cut
        app._feed(bytes([byte]), float(position))
    texts = [frame.text for frame in app.frames]
    assert texts == ["loose", "one", "two"]
    assert app.frames[1].end == float(stream.index(b"one") + 3 + 7)


def test_the_bare_app_paints_and_quits_under_a_pty(tmp_path: Path) -> None:
    settings = Settings.make(quick=True, workdir=tmp_path)
    env = child_env(tmp_path, cache_bytecode=False)
    with PtyApp(bare_argv(), cwd=tmp_path, env=env, size=(80, 24)) as app:
        frame = app.wait_frame(app.started, 30, BARE_MARKER)
        # Asked and answered (the first frame may come before the answer on a busy machine).
        assert frame is not None and app.answered_sync
        assert app.memory_kb()["VmHWM"] > 0
        assert app.cpu_seconds() > 0
    assert app.process is not None and app.process.returncode == 0
    assert settings.quick


def test_the_reader_answers_the_bench_no_op_key(tmp_path: Path) -> None:
    # Analysed under the installed model's key, so the reader starts no analysis of its own.
    analyzer = LineAnalyzer(QuickAnalyzer())
    analyzer.inner.model_key = find_model().key  # type: ignore[misc]
    db = prepare_db(tmp_path / "a.db", [SEEDS], analyzer)
    env = child_env(tmp_path, cache_bytecode=False, ANNOTATOR_BENCH="1")
    with PtyApp(annotator_argv(db, [SEEDS]), cwd=tmp_path, env=env, size=(120, 36)) as app:
        assert app.wait_frame(app.started, 60, "Insurgents Breach") is not None
        timing = time_key(app, "f12")
        assert 0 < timing.first <= timing.settled < 5
        (noop,) = key_frames(app, "f12")  # the status line only
        (redrawn,) = key_frames(app, "f11")  # the whole screen again, unchanged
        assert "Insurgents Breach" in redrawn.text and "Insurgents Breach" not in noop.text
        assert len(redrawn.data) > 10 * len(noop.data)
        app.close(timeout=1)  # killed if a comparison of the seeds still runs in a worker
    assert app.process is not None and app.process.returncode is not None


def test_the_plain_export_writes_what_the_app_writes(tmp_path: Path) -> None:
    db = prepare_db(tmp_path / "e.db", [SEEDS], QuickAnalyzer())
    assert add_claims(db, 300) == 300
    store = Store(db)
    try:
        service = Service(store, None)
        pairs = [(p.article_a, p.sentence_a, p.article_b, p.sentence_b)
                 for p in service.comparison().pairs()]  # fmt: skip
        service.export_to_file("csv", tmp_path / "app.csv")
    finally:
        store.close()
    assert plain_export(db, tmp_path / "plain.csv", pairs) == 300
    assert (tmp_path / "app.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT COUNT(*) FROM claims").fetchone()[0] == 300


def test_figures_ratios_and_the_table() -> None:
    figure = Figure("x", "thing", "s", [0.1, 0.3, 0.2], baseline="b", baseline_samples=[0.1])
    assert figure.value == pytest.approx(0.2)
    assert figure.ratio == pytest.approx(2.0)
    assert percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 95) == 10
    assert figure.as_json()["ratio"] == 2.0
    text = table([figure], {"export": "Traceback\nValueError: boom"})
    assert "2.00×" in text and "FAILED: ValueError: boom" in text


def test_sections_are_chosen_on_the_command_line() -> None:
    assert parse_args(["--only", "latency,start"]).sections == ["start", "latency"]
    assert "tests" not in parse_args([]).sections
    assert parse_args(["--tests"]).sections[-1] == "tests"
    with pytest.raises(SystemExit):
        parse_args(["--only", "nonsense"])


def test_append_replaces_only_the_sections_run(tmp_path: Path) -> None:
    from bench.__main__ import write_results

    out = tmp_path / "results.json"
    settings = Settings.make(quick=True, workdir=tmp_path)
    nlp = Figure("nlp", "words/s", "words/s", [2.0], target="ratio ≥ 2", met=True)
    tests = Figure("tests", "suite", "s", [120.0], target="≤ 300 s", met=True)
    write_results(out, parse_args(["--only", "nlp"]), settings, [nlp], {}, 0.0)
    write_results(out, parse_args(["--only", "tests", "--append"]), settings, [tests], {}, 0.0)
    again = Figure("tests", "suite", "s", [130.0], target="≤ 300 s", met=True)
    write_results(out, parse_args(["--only", "tests", "--append"]), settings, [again], {}, 0.0)
    data = json.loads(out.read_text(encoding="utf-8"))
    assert [(f["section"], f["value"]) for f in data["figures"]] == [("nlp", 2.0), ("tests", 130.0)]
    assert [t["section"] for t in data["targets"]] == ["nlp", "tests"]
    assert len(data["meta"]["earlier_runs"]) == 2


def test_the_suite_report_names_the_slow_and_the_failed() -> None:
    from bench.suite import read_report

    stdout = """\
..F.                                                                     [100%]
============================= slowest durations ==============================
1.20s call     tests/tui/test_snapshots.py::TestMainScreen::test_help_screen
0.90s setup    tests/tui/test_snapshots.py::TestMainScreen::test_help_screen
0.30s call     tests/test_store.py::test_open
=========================== short test summary info ============================
FAILED tests/tui/test_reading.py::test_frozen - AssertionError: [1, 2]
ERROR tests/test_store.py::test_open - OSError
1 failed, 2 passed, 1 error in 3.00s
"""
    durations, failed = read_report(stdout)
    assert durations == [
        (1.2, "tests/tui/test_snapshots.py::TestMainScreen::test_help_screen"),
        (0.3, "tests/test_store.py::test_open"),
    ]
    assert failed == ["tests/tui/test_reading.py::test_frozen", "tests/test_store.py::test_open"]
