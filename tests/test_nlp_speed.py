"""The NER loop stepped from Python (`annotator.nlp._recognise`, see its docstring): the app's
analysis takes it, it sets exactly what spaCy's own loop sets, and it pays."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from annotator import nlp
from annotator.model import NlpResult
from annotator.nlp import SpacyAnalyzer

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))

Annotations = list[tuple[tuple[int, ...], tuple[tuple[int, int, str], ...], tuple[str, ...]]]


@pytest.fixture(scope="module")
def texts() -> list[str]:
    return [path.read_text(encoding="utf-8") for path in SEEDS]


@pytest.fixture(scope="module")
def lines(texts: list[str]) -> list[str]:
    """Every line of the seeds, as `SpacyAnalyzer.analyse` hands them to spaCy."""
    return [text[start:end] for text in texts for start, end in nlp._line_spans(text)]


def annotated(docs: Iterable[Any]) -> Annotations:
    """Per doc: sentence starts, entity spans with labels, and every token's IOB tag+type."""
    return [
        (
            tuple(sent.start for sent in doc.sents),
            tuple((ent.start_char, ent.end_char, ent.label_) for ent in doc.ents),
            tuple(f"{token.ent_iob_}-{token.ent_type_}" for token in doc),
        )
        for doc in docs
    ]


def without_ner(analyzer: SpacyAnalyzer, texts: list[str]) -> list[Any]:
    """Fresh docs through everything before the NER (which honours entities already set)."""
    return list(analyzer.nlp.pipe(texts, disable=["ner"]))


@pytest.mark.spacy
def test_the_installed_ner_is_steppable_and_last(analyzer: SpacyAnalyzer) -> None:
    assert analyzer.nlp.pipe_names[-1] == "ner"
    assert nlp._steppable(analyzer.nlp.get_pipe("ner"))
    assert not nlp._steppable(analyzer.nlp.get_pipe("senter"))


@pytest.mark.spacy
def test_a_beam_ner_is_not_steppable(
    analyzer: SpacyAnalyzer, monkeypatch: pytest.MonkeyPatch
) -> None:
    ner = analyzer.nlp.get_pipe("ner")
    monkeypatch.setitem(ner.cfg, "beam_width", 4)
    assert not nlp._steppable(ner)


@pytest.mark.spacy
@pytest.mark.parametrize("batch_size", [7, 64, 1000])
def test_stepped_loop_sets_what_spacys_own_loop_sets(
    analyzer: SpacyAnalyzer, lines: list[str], batch_size: int
) -> None:
    plain = annotated(analyzer.nlp.pipe(lines, batch_size=batch_size))
    stepped = annotated(nlp._pipe(analyzer.nlp, lines, batch_size))
    assert len(stepped) == len(lines)
    assert sum(len(ents) for _, ents, _ in plain) > 400
    assert stepped == plain


@pytest.mark.spacy
def test_stepped_loop_copes_with_empty_docs(analyzer: SpacyAnalyzer) -> None:
    ner = analyzer.nlp.get_pipe("ner")
    (empty,) = without_ner(analyzer, [""])
    nlp._recognise(ner, [empty])
    assert len(empty) == 0 and not empty.ents
    texts = ["", "Aleppo fell to the rebels on Friday, Dmitry Peskov said.", ""]
    docs = without_ner(analyzer, texts)
    nlp._recognise(ner, docs)
    assert annotated(docs) == annotated(analyzer.nlp.pipe(texts))
    assert {(e.text, e.label_) for e in docs[1].ents} >= {
        ("Dmitry Peskov", "PERSON"),
        ("Friday", "DATE"),
    }


def counting(
    monkeypatch: pytest.MonkeyPatch, name: str, replacement: Callable[..., Any] | None = None
) -> list[int]:
    """Replace (or wrap) `annotator.nlp.<name>`; the list gets one item per call."""
    calls: list[int] = []
    original = getattr(nlp, name)

    def wrapper(*args: Any) -> Any:
        calls.append(1)
        return (replacement or original)(*args)

    monkeypatch.setattr(nlp, name, wrapper)
    return calls


@pytest.mark.spacy
def test_analyse_takes_the_stepped_loop(
    analyzer: SpacyAnalyzer, texts: list[str], lines: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    recognised: list[int] = []
    original = nlp._recognise

    def recognise(ner: Any, docs: list[Any]) -> None:
        recognised.append(len(docs))
        original(ner, docs)

    monkeypatch.setattr(nlp, "_recognise", recognise)
    results = analyzer.analyse(texts)
    assert sum(recognised) == len(lines)
    assert len(recognised) == -(-len(lines) // analyzer.batch_size)
    assert any(s.entities for r in results for s in r.sentences)


@pytest.mark.spacy
def test_analyse_falls_back_to_spacys_loop_with_the_same_results(
    analyzer: SpacyAnalyzer, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    stepped = analyzer.analyse(texts)
    monkeypatch.setattr(nlp, "_steppable", lambda component: False)
    recognised = counting(monkeypatch, "_recognise")
    plain = analyzer.analyse(texts)
    assert not recognised
    assert plain == stepped


def test_pipe_falls_back_when_the_ner_is_not_last(monkeypatch: pytest.MonkeyPatch) -> None:
    piped: list[tuple[list[str], int]] = []

    def pipe(pieces: Iterable[str], batch_size: int) -> list[str]:
        piped.append((list(pieces), batch_size))
        return ["doc"]

    fake = SimpleNamespace(pipe_names=["ner", "senter"], pipe=pipe)
    steppable = counting(monkeypatch, "_steppable", lambda component: True)
    assert list(nlp._pipe(fake, ["a line"], 5)) == ["doc"]
    assert piped == [(["a line"], 5)] and not steppable


def cpu_seconds(run: Callable[[Any, list[Any]], object], ner: Any, docs: list[Any]) -> float:
    started = time.thread_time()
    run(ner, docs)
    return time.thread_time() - started


def spacys_loop(ner: Any, docs: list[Any]) -> None:
    for _doc in ner.pipe(docs, batch_size=64):
        pass


def stepped_loop(ner: Any, docs: list[Any]) -> None:
    for start in range(0, len(docs), 64):
        nlp._recognise(ner, docs[start : start + 64])


@pytest.mark.spacy
def test_stepped_loop_pays(analyzer: SpacyAnalyzer, lines: list[str]) -> None:
    """CPU time of the NER alone, best of three, the two loops alternating. If a spaCy
    release makes its own loop as fast, this fails: then `_recognise` can go."""
    ner = analyzer.nlp.get_pipe("ner")
    spacys: list[float] = []
    stepped: list[float] = []
    for _ in range(3):
        spacys.append(cpu_seconds(spacys_loop, ner, without_ner(analyzer, lines)))
        stepped.append(cpu_seconds(stepped_loop, ner, without_ner(analyzer, lines)))
    assert min(stepped) <= 0.8 * min(spacys), (min(stepped), min(spacys))


@pytest.mark.spacy
def test_results_do_not_depend_on_the_batch_size(
    analyzer: SpacyAnalyzer, texts: list[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    results: list[list[NlpResult]] = []
    for batch_size in (1, 64, 500):
        monkeypatch.setattr(analyzer, "batch_size", batch_size)
        results.append(analyzer.analyse(texts))
    assert results[0] == results[1] == results[2]
