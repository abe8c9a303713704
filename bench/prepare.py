"""Corpora on disk and databases prepared for the app to open with a warm NLP cache.

The app analyses every line of an article on its own (`annotator.nlp`: a line break is
always a sentence boundary and each line is a separate spaCy doc), so the analysis of an
article is the analyses of its lines put end to end. `LineAnalyzer` uses that: it runs the
real model once per distinct line and composes the articles' results from those, exactly
as the model would have produced them. The long articles are made of the short corpus's
paragraphs, so preparing their database costs almost no NLP time; the NLP section hands
its results over (`learn`) so the short corpus is not analysed twice.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from annotator.model import Entity, NlpResult, Sentence
from annotator.nlp import Analyzer, _line_spans, split_sentences
from annotator.service import Service
from annotator.store import Store
from bench import corpus
from bench.common import SEEDS, Settings

_LineAnalysis = tuple[tuple[int, int, tuple[tuple[int, int, str], ...]], ...]


class LineAnalyzer:
    """An `Analyzer` that analyses each distinct line once (with `inner`) and composes."""

    def __init__(self, inner: Analyzer) -> None:
        self.inner = inner
        self.lines: dict[str, _LineAnalysis] = {}
        self.analysed_lines = 0  # lines `inner` was run on

    @property
    def model_key(self) -> str:
        return self.inner.model_key

    def learn(self, texts: Sequence[str], results: Sequence[NlpResult]) -> None:
        """Remember the lines of `texts` from their analyses (by `inner`, whole texts)."""
        for text, result in zip(texts, results, strict=True):
            sentences = list(result.sentences)
            position = 0
            for line_start, line_end in _line_spans(text):
                found = []
                while position < len(sentences) and sentences[position].start < line_end:
                    s = sentences[position]
                    entities = tuple((e.start - line_start, e.end - line_start, e.label)
                                     for e in s.entities)  # fmt: skip
                    found.append((s.start - line_start, s.end - line_start, entities))
                    position += 1
                self.lines.setdefault(text[line_start:line_end], tuple(found))

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
        missing = list(
            dict.fromkeys(
                text[start:end]
                for text in texts
                for start, end in _line_spans(text)
                if text[start:end] not in self.lines
            )
        )
        if missing:
            self.analysed_lines += len(missing)
            self.learn(missing, self.inner.analyse(missing))
        return [self._compose(text) for text in texts]

    def _compose(self, text: str) -> NlpResult:
        sentences: list[Sentence] = []
        for line_start, line_end in _line_spans(text):
            for start, end, entities in self.lines[text[line_start:line_end]]:
                spans = [(line_start + s, line_start + e, label) for s, e, label in entities]
                sentences.append(
                    Sentence(
                        index=len(sentences),
                        start=line_start + start,
                        end=line_start + end,
                        text=text[line_start + start : line_start + end],
                        entities=tuple(Entity(text[s:e], label, s, e) for s, e, label in spans),
                    )
                )
        return NlpResult(model=self.model_key, sentences=tuple(sentences))


_NAME = re.compile(r"(?<=\s)[A-Z][^\W\d_]+(?: [A-Z][^\W\d_]+)*")
_LABELS = ("PERSON", "ORG", "GPE", "NORP")


class QuickAnalyzer:
    """A cheap stand-in for the model where only the shape of the data matters (the export
    database): the rule-based sentences, and capitalised word runs as entities."""

    model_key = "bench-rules@1"

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
        return [NlpResult(self.model_key, self._sentences(text)) for text in texts]

    @staticmethod
    def _sentences(text: str) -> tuple[Sentence, ...]:
        return tuple(replace(s, entities=tuple(_names(s))) for s in split_sentences(text))


def _names(sentence: Sentence) -> list[Entity]:
    return [
        Entity(m.group(), _LABELS[len(m.group()) % len(_LABELS)],
               sentence.start + m.start(), sentence.start + m.end())
        for m in _NAME.finditer(sentence.text)
    ]  # fmt: skip


def prepare_db(db: Path, paths: Sequence[Path], analyzer: Analyzer) -> Path:
    """Open `paths` into a new database at `db` and analyse them (as `annotator import`)."""
    store = Store(db)
    try:
        service = Service(store, analyzer, user="bench")
        report = service.open_paths(paths)
        if report.errors:
            raise RuntimeError("; ".join(report.errors))
        service.analyse_pending()
    finally:
        store.close()
    return db


def copy_db(source: Path, target: Path) -> Path:
    """A copy of a database (SQLite's backup API, consistent even in WAL mode)."""
    src, dst = sqlite3.connect(source), sqlite3.connect(target)
    try:
        src.backup(dst)
    finally:
        src.close()
        dst.close()
    return target


class Workspace:
    """The corpora, their folders and their prepared databases of one bench run (made once)."""

    def __init__(self, settings: Settings, analyzer: Analyzer | None = None) -> None:
        self.settings = settings
        self.root = settings.workdir
        self._analyzer: LineAnalyzer | None = (
            LineAnalyzer(analyzer) if analyzer is not None else None
        )
        self._corpora: dict[str, list[corpus.BenchArticle]] = {}
        self._dbs: dict[str, Path] = {}

    @property
    def analyzer(self) -> LineAnalyzer:
        """The app's own analyzer (spaCy, components excluded), analysing each line once."""
        if self._analyzer is None:
            from annotator.nlp import SpacyAnalyzer, find_model

            self._analyzer = LineAnalyzer(SpacyAnalyzer(find_model()))
        return self._analyzer

    def corpus(self, name: str) -> list[corpus.BenchArticle]:
        """`short` (N × 1,000 words), `long` (N × 50,000 words, of `short`'s paragraphs) or
        `stories` (`short` as stories of five articles that share no word)."""
        if name not in self._corpora:
            s = self.settings
            if name == "short":
                made = corpus.generate(s.articles, s.words)
            elif name == "long":
                pool = corpus.pool_of(self.corpus("short"))
                made = corpus.generate(s.long_articles, s.long_words, pool=pool, prefix="long")
            elif name == "stories":
                made = corpus.as_stories(self.corpus("short"))
            else:
                raise KeyError(name)
            self._corpora[name] = made
        return self._corpora[name]

    def folder(self, name: str) -> Path:
        """The folder of corpus `name` ("seeds" is the bundled seeds/)."""
        if name == "seeds":
            return SEEDS
        folder = self.root / f"corpus-{name}"
        if not folder.exists():
            corpus.write(self.corpus(name), folder)
        return folder

    def marker(self, name: str) -> str:
        """Text on screen once the first article's column is painted."""
        if name == "seeds":
            return "Insurgents Breach"  # the headline of seeds/000_…txt
        return self.corpus(name)[0].marker

    def db(self, name: str) -> Path:
        """A database with corpus `name` imported and analysed (warm cache); a fresh copy
        is not made per use: the latency run writes claims into it, which is harmless."""
        if name not in self._dbs:
            path = self.root / f"{name}.db"
            if not path.exists():
                analyzer = QuickAnalyzer() if name == "stories" else self.analyzer
                prepare_db(path, [self.folder(name)], analyzer)
            self._dbs[name] = path
        return self._dbs[name]
