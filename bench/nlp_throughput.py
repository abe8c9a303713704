"""NLP throughput: the app's pipeline against plain `spacy.load(name)` + `nlp.pipe`.

Both get the same input: every line of every article, as the app cuts it (the app
analyses each line as one doc, so that a line break is always a sentence boundary). The
app side is `SpacyAnalyzer.analyse` on the articles: its pipeline without the components
it does not use, batching, its NER loop stepped from Python (`annotator.nlp._recognise`), and
its own work to turn docs into sentences and entities. The
baseline is the model's full default pipeline through `nlp.pipe` (default batch size),
reading each doc's sentences and entities. The corpus is cut into five slices, and the
two sides alternate slice by slice; the figure is the median of the per-slice throughputs.

Agreement: the baseline's sentences and entities are put through the same post-processing
as the app's own (the repairs of senter slips and the trimming of entity edges in
`annotator.nlp`), so that the comparison is of the pipelines, not of that post-processing.
A difference is a sentence boundary (where a sentence starts), or an entity span with its
label, found by one pipeline and not the other, as a share of all found by either
(|A △ B| / (|A| + |B|)); whole sentence spans are reported too (one moved boundary
changes two spans).
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from annotator.ingest import parse_article
from annotator.model import NlpResult
from annotator.nlp import SpacyAnalyzer, _chunk_spans, _doc_spans, _line_spans, _sentences
from bench.common import Figure, Settings, median
from bench.prepare import Workspace

SLICES = 5
THROUGHPUT_TARGET = 2.0
AGREEMENT_TARGET = 0.01  # at most 1 % of spans differ


def _segments(analyzer: SpacyAnalyzer, texts: Sequence[str]) -> list[tuple[int, int, int]]:
    """(text index, start, end) of every piece the app gives spaCy: lines, long ones cut."""
    limit = min(analyzer.max_chars, analyzer.nlp.max_length)
    return [
        (index, start, end)
        for index, text in enumerate(texts)
        for line_start, line_end in _line_spans(text)
        for start, end in _chunk_spans(text, line_start, line_end, limit)
    ]


def _plain_pipe(
    nlp: Any, texts: Sequence[str], segments: Sequence[tuple[int, int, int]]
) -> list[Any]:
    """The baseline: plain `nlp.pipe` over the pieces, reading sentences and entities."""
    pieces = (texts[i][start:end] for i, start, end in segments)
    return [
        (
            [(s.start_char, s.end_char) for s in doc.sents],
            [(e.start_char, e.end_char, e.label_) for e in doc.ents],
            len(doc.text),
        )
        for doc in nlp.pipe(pieces)
    ]


def _as_results(
    texts: Sequence[str], segments: Sequence[tuple[int, int, int]], raw: Sequence[Any], model: str
) -> list[NlpResult]:
    """The baseline's docs through the app's own post-processing (`annotator.nlp`)."""
    spans: list[list[Any]] = [[] for _ in texts]
    for (index, offset, _end), (sents, ents, length) in zip(segments, raw, strict=True):
        doc = SimpleNamespace(
            sents=[SimpleNamespace(start_char=s, end_char=e) for s, e in sents],
            ents=[SimpleNamespace(start_char=s, end_char=e, label_=label) for s, e, label in ents],
            text=" " * length,
        )
        spans[index].extend(_doc_spans(texts[index], offset, doc))
    return [
        NlpResult(model=model, sentences=_sentences(text, text_spans))
        for text, text_spans in zip(texts, spans, strict=True)
    ]


def _difference(a: set[Any], b: set[Any]) -> float:
    """Share of items in one set and not the other (0 = identical)."""
    total = len(a) + len(b)
    return len(a ^ b) / total if total else 0.0


def _spans(results: Sequence[NlpResult]) -> tuple[set[Any], set[Any], set[Any]]:
    """(sentence boundaries, sentence spans, entity spans with labels) of every result."""
    boundaries = {(i, s.start) for i, r in enumerate(results) for s in r.sentences}
    sentences = {(i, s.start, s.end) for i, r in enumerate(results) for s in r.sentences}
    entities = {
        (i, e.start, e.end, e.label) for i, r in enumerate(results) for s in r.sentences
        for e in s.entities
    }  # fmt: skip
    return boundaries, sentences, entities


def run_nlp(settings: Settings, workspace: Workspace) -> list[Figure]:
    import spacy

    articles = workspace.corpus("short")
    texts = [parse_article(a.text).text for a in articles]  # what the app analyses
    words = [len(t.split()) for t in texts]
    analyzer = workspace.analyzer.inner
    assert isinstance(analyzer, SpacyAnalyzer)
    started = time.perf_counter()
    analyzer.load()
    app_load = time.perf_counter() - started
    started = time.perf_counter()
    full = spacy.load(analyzer.model.name)
    full_load = time.perf_counter() - started
    analyzer.analyse(texts[:2])  # warm-up of both pipelines
    _plain_pipe(full, texts[:2], _segments(analyzer, texts[:2]))

    size = -(-len(texts) // SLICES)
    app_rates: list[float] = []
    full_rates: list[float] = []
    app_results: list[NlpResult] = []
    full_results: list[NlpResult] = []
    for number, start in enumerate(range(0, len(texts), size)):
        chunk = texts[start : start + size]
        count = sum(words[start : start + size])
        segments = _segments(analyzer, chunk)
        for side in ("app", "full") if number % 2 == 0 else ("full", "app"):
            began = time.perf_counter()
            if side == "app":
                results = analyzer.analyse(chunk)
                app_rates.append(count / (time.perf_counter() - began))
                app_results += results
            else:
                raw = _plain_pipe(full, chunk, segments)
                full_rates.append(count / (time.perf_counter() - began))
                full_results += _as_results(chunk, segments, raw, analyzer.model_key)
    workspace.analyzer.learn(texts, app_results)

    app_boundaries, app_sentences, app_entities = _spans(app_results)
    full_boundaries, full_sentences, full_entities = _spans(full_results)
    boundary_diff = _difference(app_boundaries, full_boundaries)
    sentence_diff = _difference(app_sentences, full_sentences)
    entity_diff = _difference(app_entities, full_entities)
    throughput = Figure(
        "nlp",
        f"words/s, app pipeline ({'+'.join(analyzer.nlp.pipe_names)})",
        "words/s",
        app_rates,
        baseline=f"plain nlp.pipe, full pipeline ({'+'.join(full.pipe_names)})",
        baseline_samples=full_rates,
        target=f"ratio ≥ {THROUGHPUT_TARGET}",
        note=f"{len(texts)} articles, {sum(words):,} words, {SLICES} slices, same lines",
        extra={
            "load_seconds": {"app": app_load, "full": full_load},
            "total_seconds": {
                "app": _total(_slice_words(words, size), app_rates),
                "full": _total(_slice_words(words, size), full_rates),
            },
        },
    )
    throughput.met = (throughput.ratio or 0) >= THROUGHPUT_TARGET
    agreement = Figure(
        "nlp",
        "sentence boundaries differing from the full pipeline's",
        "%",
        [100 * boundary_diff],
        target="≤ 1 %",
        met=boundary_diff <= AGREEMENT_TARGET,
        note=f"whole sentence spans: {100 * sentence_diff:.2f} % differ",
        extra={
            "boundaries": {"app": len(app_boundaries), "full": len(full_boundaries)},
            "sentence_spans_differing_percent": 100 * sentence_diff,
        },
    )
    entities = Figure(
        "nlp",
        "entity spans+labels differing from the full pipeline's",
        "%",
        [100 * entity_diff],
        target="≤ 1 %",
        met=entity_diff <= AGREEMENT_TARGET,
        extra={"app": len(app_entities), "full": len(full_entities)},
    )
    return [throughput, agreement, entities, _n_process(analyzer, texts[: max(4, size // 2)])]


def _total(words: Sequence[int], rates: Sequence[float]) -> float:
    return sum(w / r for w, r in zip(words, rates, strict=True))


def _slice_words(words: Sequence[int], size: int) -> list[int]:
    return [sum(words[i : i + size]) for i in range(0, len(words), size)]


def _n_process(analyzer: SpacyAnalyzer, texts: Sequence[str]) -> Figure:
    """Does `n_process=2` pay on this machine? Plain `nlp.pipe` (spaCy's own NER loop) over
    the app's components and the same lines; the app itself runs in one process."""
    nlp = analyzer.nlp
    segments = _segments(analyzer, texts)
    pieces = [texts[i][start:end] for i, start, end in segments]
    count = sum(len(t.split()) for t in texts)
    rates: dict[int, list[float]] = {1: [], 2: []}
    for n_process in (1, 2, 2, 1):
        began = time.perf_counter()
        for _doc in nlp.pipe(pieces, batch_size=analyzer.batch_size, n_process=n_process):
            pass
        rates[n_process].append(count / (time.perf_counter() - began))
    return Figure(
        "nlp",
        "words/s, app pipeline with n_process=2 (information)",
        "words/s",
        rates[2],
        baseline="n_process=1",
        baseline_samples=rates[1],
        note=f"{len(texts)} articles; two runs each; includes starting the worker processes",
        extra={"median_1": median(rates[1]), "median_2": median(rates[2])},
    )
