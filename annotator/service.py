"""The use cases the CLI and the TUI share: open a corpus, analyse it, tag claims, undo, export."""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING
from urllib.parse import urlsplit

from annotator import sources
from annotator.model import Annotation, Article, Claim, NlpResult, Sentence, Verdict
from annotator.nlp import (
    AnalysisTimeout,
    Analyzer,
    ModelNotInstalled,
    analyse_within,
    fresh_analyzer,
    split_sentences,
)
from annotator.sanitize import printable
from annotator.store import ConflictError, Removal, SearchHit, Store, StoreError, utc_now

# Re-exported for the front ends, which reach the store only through the service.
__all__ = ["ConflictError", "Removal", "SearchHit", "Service", "ServiceError", "StoreError"]

if TYPE_CHECKING:
    from annotator.compare import Comparison
    from annotator.export import ClaimRecord, PublishOptions

ANCHOR_CONTEXT = 32  # characters of prefix/suffix kept to re-anchor a claim
# What `Service.export` writes (== `export.EXPORT_FORMATS`, which a test checks: the export
# module is imported only when something is exported or imported, not at start-up).
EXPORT_FORMATS = ("csv", "jsonl", "claimreview", "w3c")
CHECK_WORTHY = 0.5
"""A sentence whose check-worthiness score (`Comparison.checkworthiness`) is at least this is
"check-worthy": a figure plus a source, a hedge or a discrepancy (about a quarter of the seeds)."""

ANALYSIS_BASE_SECONDS = 30.0
"""How long one call of the model may take before the service stops waiting for it
(`Service.analysis_limit`), plus `ANALYSIS_SECONDS_PER_CHAR` per character analysed.
Generous: it also covers loading the model on the first call, on a slow and busy machine."""
ANALYSIS_SECONDS_PER_CHAR = 0.0002
"""The per-character budget of one call: 5,000 characters a second, far slower than spaCy's
small English models run, so only a model that is stuck hits the limit; an article of
1,000,000 characters (the ingest limit) gets 230 s."""
MAX_STUCK_ANALYSES = 3
"""How many abandoned calls (threads still stuck inside a model, each keeping a core busy
and its own copy of the model) a service lets run before it stops analysing. One article
the model is stuck on costs two: its batch, then itself alone."""


class ServiceError(Exception):
    """A use case could not be carried out; the message is one line for the user."""


CLAIM_FIELDS = ("verdict", "note", "evidence_url")  # what an edit changes, and a conflict shows


def _fields(claim: Claim) -> tuple[object, ...]:
    return tuple(getattr(claim, name) for name in CLAIM_FIELDS)


def _describe(claim: Claim, names: Sequence[str]) -> str:
    parts = []
    for name in names:
        value = getattr(claim, name)
        text = printable(str(value.value if isinstance(value, Verdict) else value or "–"))
        text = " ".join(text.split())
        parts.append(f"{name} {text[:40] + '…' if len(text) > 40 else text}")
    return ", ".join(parts)


class ClaimConflict(ConflictError):
    """An edit of a claim that changed elsewhere since this service read it; nothing written.

    `mine` is the claim as the edit wanted it (the stored claim with the edited fields
    set), `theirs` the claim as stored now (also `current`, as for `ConflictError`).
    `Service.resolve_conflict(conflict.mine)` or `(conflict.theirs)` settles it.
    """

    def __init__(self, mine: Claim, theirs: Claim, action: str) -> None:
        super().__init__(theirs)
        self.mine = mine
        self.theirs = theirs
        self.action = action
        differing = [n for n in CLAIM_FIELDS if getattr(mine, n) != getattr(theirs, n)]
        who = printable(theirs.annotator or "someone", single_line=True)
        message = f"claim {theirs.id} was changed by {who} at {theirs.updated_at}"
        if differing:
            message += (
                f"; yours: {_describe(mine, differing)}; theirs: {_describe(theirs, differing)}"
            )
        self.args = (message + "; nothing was saved",)


@dataclass(frozen=True, slots=True)
class AnalysisFailure:
    """An article the NLP model failed on: it keeps its fallback sentences, without entities."""

    article_id: str
    title: str
    model: str
    reason: str  # one line: the exception's type and message

    def __str__(self) -> str:
        title = printable(self.title, single_line=True)
        return (
            f"analysis of {self.article_id[:12]} ({title[:60]}) by {self.model} failed: "
            f"{self.reason}; its sentences come from the fallback splitter, without entities"
        )


@dataclass(frozen=True, slots=True)
class OpenReport:
    """What opening a set of paths did."""

    articles: list[Article] = field(default_factory=list)
    added: list[Article] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class ImportReport:
    """What importing annotations did. With `errors` (malformed lines) nothing was written."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0  # the same verdict, note and evidence were already here
    kept: int = 0  # differed, but the copy here was as new or newer
    reanchored: int = 0  # placed by quote + context at other offsets or in another version
    skipped: list[str] = field(default_factory=list)  # one line per claim not placed
    errors: list[str] = field(default_factory=list)  # one line per malformed line

    @property
    def ok(self) -> bool:
        return not self.skipped and not self.errors


@dataclass(frozen=True, slots=True)
class ArticleSummary:
    """An article with the counts its column header and the report show."""

    article: Article
    sentences: int
    entities: int
    confirmed: int
    disputed: int
    unverified: int
    analysed_by: str  # model key, or "" when only the fallback splitter has run


@dataclass(frozen=True, slots=True)
class _Edit:
    """An undo/redo step: the claim as stored now, and the claim whose fields to put back."""

    current: Claim
    target: Claim
    group: int = 0  # edits made by one action (`tag_aligned`) share a group: one undo step


_GROUPS = itertools.count(1)


def claim_id_for(article_id: str, start: int, end: int) -> str:
    """A stable claim id: the same span of the same article always gets the same id."""
    return hashlib.sha256(f"{article_id}:{start}:{end}".encode()).hexdigest()[:20]


def fallback_analysis(text: str) -> NlpResult:
    """Sentences without entities, for reading and tagging before (or without) a model."""
    return NlpResult(model="", sentences=split_sentences(text))


class Service:
    """Everything a front end can do, over one store and (optionally) one NLP analyzer."""

    def __init__(
        self,
        store: Store,
        analyzer: Analyzer | None = None,
        *,
        user: str = "",
        clock: Callable[[], str] = utc_now,
        analyzer_error: str = "",
        analysis_base_seconds: float | None = None,
        analysis_seconds_per_char: float | None = None,
        max_stuck_analyses: int | None = None,
    ) -> None:
        """`analysis_*` and `max_stuck_analyses` default to the module's constants of the
        same names (read when the service is made, so tests can lower them)."""
        self.store = store
        self.analyzer = analyzer
        self.analyzer_error = analyzer_error
        self.analysis_base_seconds = (
            ANALYSIS_BASE_SECONDS if analysis_base_seconds is None else analysis_base_seconds
        )
        self.analysis_seconds_per_char = (
            ANALYSIS_SECONDS_PER_CHAR
            if analysis_seconds_per_char is None
            else analysis_seconds_per_char
        )
        self.max_stuck_analyses = (
            MAX_STUCK_ANALYSES if max_stuck_analyses is None else max_stuck_analyses
        )
        self._stuck: list[threading.Thread] = []  # abandoned calls still inside a model
        self._halted: tuple[threading.Thread, str] | None = None  # analysing stopped: why
        self.user = user or "anonymous"
        self.clock = clock
        self._undo: list[_Edit] = []
        self._redo: list[_Edit] = []
        self._latest: dict[str, Claim] = {}
        self._seen: dict[str, int] = {}  # claim id -> the version last read or written here
        self._conflicts: dict[str, ClaimConflict] = {}  # claim id -> conflict not yet resolved
        self._failures: dict[str, AnalysisFailure] = {}  # article id -> its analysis failure
        self._data_version = store.data_version()
        self._comparison: tuple[tuple[object, ...], Comparison] | None = None
        self._comparison_lock = threading.Lock()

    # -- seeing other instances' changes --

    def changed_since_last_check(self) -> bool:
        """Whether another connection (another instance) committed since the last call.

        Cheap (`PRAGMA data_version`, no table read): poll it on a timer or on focus and
        re-read what is shown when it says True. This service's own writes do not count.
        """
        version = self.store.data_version()
        changed = version != self._data_version
        self._data_version = version
        return changed

    @property
    def read_only(self) -> bool:
        """Whether the database refuses every write (a front end says so before trying)."""
        return self.store.read_only

    @property
    def read_only_reason(self) -> str:
        """Why the database is read-only ("" when it is not), e.g. "the file is not writable"."""
        return self.store.read_only_reason

    def close(self) -> None:
        """Close the database (every write was committed when it was made)."""
        self.store.close()

    def backup(self, target: str | Path) -> Path:
        """A consistent copy of the database at `target` (VACUUM INTO; never overwrites)."""
        return self.store.backup(target)

    # -- removing articles --

    def remove_articles(self, article_ids: Sequence[str]) -> Removal:
        """Remove articles from the story (e.g. one imported by mistake), with a backup first.

        `Store.remove_articles`: a `VACUUM INTO` copy beside the database file (`backup` in
        the result) and then, in one transaction, the articles with their sentences,
        entities, claims, search index rows and cached analysis; each removed claim's
        values stay in the append-only audit trail (action "remove"). Unknown ids raise
        `ServiceError` and nothing is removed; a read-only database raises `StoreError`
        and nothing is written. This service forgets its undo steps, conflicts and
        analysis failures of the removed articles.
        """
        wanted = list(dict.fromkeys(article_ids))
        if not wanted:
            raise ServiceError("no article given")
        unknown = [a for a in wanted if not self.store.has_article(a)]
        if unknown:
            shown = ", ".join(printable(a, single_line=True)[:12] for a in unknown[:5])
            raise ServiceError(f"no such article: {shown}; nothing was removed")
        removal = self.store.remove_articles(wanted, user=self.user, at=self.clock())
        gone = {a.id for a in removal.articles}
        self._undo = [e for e in self._undo if e.current.article_id not in gone]
        self._redo = [e for e in self._redo if e.current.article_id not in gone]
        self._latest = {k: c for k, c in self._latest.items() if c.article_id not in gone}
        self._conflicts = {
            k: c for k, c in self._conflicts.items() if c.theirs.article_id not in gone
        }
        for claim_id in removal.claim_ids:
            self._seen.pop(claim_id, None)  # a claim made again later starts afresh
        for article_id in gone:
            self._failures.pop(article_id, None)
        return removal

    # -- opening a story --

    def open_paths(self, paths: Sequence[str | Path]) -> OpenReport:
        """Ingest new files and http(s) URLs (NLP from the cache when it has them).

        Known articles are reused; each source that fails gives one line in `errors`.
        """
        files, errors = sources.collect_sources(paths)
        report = OpenReport(errors=list(errors))
        seen: set[str] = set()
        known = self.store.source_files()
        stored = {a.id: a for a in self.store.articles()} if known else {}
        read: list[tuple[str, int, int, str]] = []  # files read now, to remember
        for path in files:
            local = _local_file(path)
            if local is not None:
                hit = known.get(local[0])
                if hit is not None and hit[:2] == local[1:] and hit[2] in stored:
                    article = stored[hit[2]]  # unchanged since it was read: not read again
                    if article.id not in seen:
                        seen.add(article.id)
                        report.articles.append(article)
                    continue
            from annotator import ingest  # only when a file must be read (its patterns cost)

            try:
                article = ingest.read_source(path)
            except sources.IngestError as error:
                report.errors.append(str(error))
                continue
            if article.id in seen:
                continue
            seen.add(article.id)
            try:
                if self._add(article):
                    report.added.append(article)
            except StoreError as error:
                report.errors.append(f"{path}: {error}")
                continue
            report.articles.append(self.store.article(article.id) or article)
            if local is not None:
                read.append((*local, article.id))
        if read and not self.store.read_only:
            with contextlib.suppress(StoreError):  # only a shortcut for the next open
                self.store.remember_sources(read)
        return report

    def _add(self, article: Article) -> bool:
        if self.store.has_article(article.id):
            return False
        analysis = self._cached(article) or fallback_analysis(article.text)
        return self.store.add_article(article, analysis, at=self.clock())

    def _cached(self, article: Article) -> NlpResult | None:
        if self.analyzer is None:
            return None
        return self.store.cached_analysis(article.id, self.analyzer.model_key, article.text)

    def pending_analysis(self) -> list[Article]:
        """Articles whose sentences and entities are not yet from the current model."""
        if self.analyzer is None:
            return []
        key = self.analyzer.model_key
        models = self.store.article_models()
        return [a for a in self.store.articles() if models.get(a.id) != key]

    def analyse_pending(
        self,
        progress: Callable[[int, int], None] | None = None,
        *,
        batch: int = 8,
        retry_failed: bool = False,
    ) -> int:
        """Run the model over pending articles (slow: call from a worker). Returns how many.

        An article the model fails on, or takes longer than `analysis_limit` over (see
        `_analyse`), keeps its fallback sentences; the failure is recorded
        (`analysis_failures`) and not retried by this service unless `retry_failed`.
        A missing model still raises `ModelNotInstalled`. `progress(processed, total)`.
        On a read-only database nothing can be stored, so nothing is analysed.
        """
        if self.analyzer is None or self.store.read_only:
            return 0
        if retry_failed:
            self._failures.clear()
        pending = [a for a in self.pending_analysis() if a.id not in self._failures]
        done = processed = 0
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            fresh = self._analyse([a for a in chunk if self._cached(a) is None])
            for article in chunk:
                processed += 1
                result = fresh.get(article.id) or self._cached(article)
                # An article removed meanwhile (another instance) is neither stored nor cached.
                if result is not None and self.store.replace_analysis(article.id, result):
                    if article.id in fresh:
                        self.store.cache_analysis(article.id, result, at=self.clock())
                    done += 1
                if progress is not None:
                    progress(processed, len(pending))
        return done

    def analysis_limit(self, texts: Sequence[str]) -> float:
        """Seconds one call of the model over `texts` may take: a base, plus a budget per
        character (`ANALYSIS_BASE_SECONDS`, `ANALYSIS_SECONDS_PER_CHAR`)."""
        characters = sum(len(text) for text in texts)
        return self.analysis_base_seconds + self.analysis_seconds_per_char * characters

    def _analyse(self, articles: Sequence[Article]) -> dict[str, NlpResult]:
        """Analyse `articles` within `analysis_limit`; a batch that fails or takes too long
        is retried one by one, so that the culprit alone is recorded (`AnalysisFailure`).

        Each call runs in a daemon thread that is waited for with a timeout
        (`nlp.analyse_within`). A call that times out cannot be stopped (Python cannot kill
        a thread): it is abandoned, and whatever it returns later is thrown away, so it
        never reaches the store. Its analyzer is abandoned with it, since spaCy's pipeline
        is not thread-safe and that thread may still be inside it: the service goes on with
        a fresh analyzer of the same model (`nlp.fresh_analyzer`, which loads its own
        pipeline), so the batch is retried and the other articles are analysed. Without
        one (an analyzer that cannot make a fresh copy, or `max_stuck_analyses` threads
        stuck already, each keeping a core busy) analysing stops instead: the articles
        left are recorded as "not analysed: the model is stuck on <title>", until the stuck
        call ends after all and its analyzer is free again (`retry_failed` then retries).
        """
        if not articles or self.analyzer is None:
            return {}
        halted = self._halted_on()
        if halted:
            for article in articles:
                self._fail(article, f"not analysed: the model is stuck on {halted}")
            return {}
        analyzer = self.analyzer
        texts = [a.text for a in articles]
        try:
            results = analyse_within(analyzer, texts, self.analysis_limit(texts))
            if len(results) != len(articles):
                raise ValueError(f"{len(results)} results for {len(articles)} texts")
        except ModelNotInstalled:
            raise
        except AnalysisTimeout as timeout:
            going_on = self._abandon(analyzer, timeout.thread, articles)
            if len(articles) > 1 and going_on:
                return self._analyse_each(articles)
            reason = str(timeout)
            if len(articles) > 1:
                reason += f" on a batch of {len(articles)} articles (not retried: it is stuck)"
            for article in articles:
                self._fail(article, reason)
            return {}
        except Exception as error:  # a third-party pipeline on untrusted text: record it
            if len(articles) > 1:
                return self._analyse_each(articles)
            self._fail(articles[0], f"{type(error).__name__}: {error}")
            return {}
        return {a.id: r for a, r in zip(articles, results, strict=True)}

    def _analyse_each(self, articles: Sequence[Article]) -> dict[str, NlpResult]:
        found: dict[str, NlpResult] = {}
        for article in articles:
            found.update(self._analyse([article]))
        return found

    def _fail(self, article: Article, reason: str) -> None:
        """Record that the model did not analyse `article` (`reason`: one line is kept)."""
        model = self.analyzer.model_key if self.analyzer is not None else ""
        line = " ".join(printable(reason).split())[:200]
        self._failures[article.id] = AnalysisFailure(article.id, article.title, model, line)

    def _abandon(
        self, analyzer: Analyzer, thread: threading.Thread, articles: Sequence[Article]
    ) -> bool:
        """Leave `thread` stuck in `analyzer`; whether analysing can go on (with a fresh one)."""
        self._stuck = [t for t in self._stuck if t.is_alive()] + [thread]
        fresh = None
        if len(self._stuck) < self.max_stuck_analyses:
            fresh = fresh_analyzer(analyzer)
        if fresh is not None and fresh.model_key == analyzer.model_key:
            self.analyzer = fresh
            return True
        titles = [_short(printable(a.title, single_line=True) or a.id[:12]) for a in articles]
        what = titles[0] if len(titles) == 1 else f"one of {len(titles)}: {', '.join(titles)}"
        self._halted = (thread, what)
        return False

    def _halted_on(self) -> str:
        """What the model is stuck on, if analysing has stopped ("" when it may go on)."""
        if self._halted is None:
            return ""
        thread, what = self._halted
        if thread.is_alive():
            return what
        self._halted = None  # the call ended after all: its analyzer is free again
        return ""

    def analysis_failures(self) -> list[AnalysisFailure]:
        """The articles the model failed on in this session (they keep fallback sentences)."""
        return list(self._failures.values())

    # -- reading --

    def articles(self) -> list[Article]:
        return self.store.articles()

    def article(self, article_id: str) -> Article | None:
        """One article by its full id (None if it is not in the database)."""
        return self.store.article(article_id)

    def summaries(self) -> list[ArticleSummary]:
        counts = self.store.verdict_counts()
        models = self.store.article_models()
        result = []
        for article in self.store.articles():
            verdicts = counts.get(article.id, Counter())
            result.append(
                ArticleSummary(
                    article=article,
                    sentences=len(self.store.sentences(article.id)),
                    entities=self.store.entity_count(article.id),
                    confirmed=verdicts.get("confirmed", 0),
                    disputed=verdicts.get("disputed", 0),
                    unverified=verdicts.get("unverified", 0),
                    analysed_by=models.get(article.id, ""),
                )
            )
        return result

    def resolve_article(self, ref: str) -> Article:
        """An article from an id prefix or a file-name prefix (e.g. `003`)."""
        ref = ref.strip()
        if not ref:
            raise ServiceError("no article given")
        articles = self.store.articles()
        matches = [a for a in articles if a.id.startswith(ref.lower())]
        if not matches:
            matches = [a for a in articles if Path(a.source_path).name.startswith(ref)]
        if not matches:
            raise ServiceError(f"no article matches {ref!r} (see `annotator articles`)")
        if len(matches) > 1:
            names = ", ".join(Path(a.source_path).name or a.short_id for a in matches[:5])
            raise ServiceError(f"{ref!r} matches {len(matches)} articles: {names}")
        return matches[0]

    def sentences(self, article_id: str) -> list[Sentence]:
        return self.store.sentences(article_id)

    def sentence(self, article_id: str, number: int) -> Sentence:
        """A sentence by its 1-based number."""
        sentences = self.store.sentences(article_id)
        if not 1 <= number <= len(sentences):
            raise ServiceError(f"sentence {number} is out of range (1–{len(sentences)})")
        return sentences[number - 1]

    # -- claims --

    def claims(self, article_id: str | None = None) -> list[Claim]:
        claims = self.store.claims(article_id)
        for claim in claims:
            self._seen[claim.id] = claim.version
        return claims

    def claim(self, claim_id: str) -> Claim | None:
        claim = self.store.claim(claim_id)
        if claim is not None:
            self._seen[claim.id] = claim.version
        return claim

    def claim_for(self, article_id: str, sentence: Sentence) -> Claim:
        """The claim on a whole sentence: stored if it exists, else a fresh empty one
        (version 0). What it returns counts as seen by the user (see `tag`)."""
        claim = self._claim_for(article_id, sentence)
        self._seen[claim.id] = claim.version
        return claim

    def _claim_for(self, article_id: str, sentence: Sentence) -> Claim:
        claim_id = claim_id_for(article_id, sentence.start, sentence.end)
        stored = self.store.claim(claim_id) or self._overlapping_claim(article_id, sentence)
        if stored is not None:
            return stored
        article = self.store.article(article_id)
        text = article.text if article else ""
        return Claim(
            id=claim_id,
            article_id=article_id,
            start=sentence.start,
            end=sentence.end,
            quote=sentence.text,
            prefix=text[max(0, sentence.start - ANCHOR_CONTEXT) : sentence.start],
            suffix=text[sentence.end : sentence.end + ANCHOR_CONTEXT],
            version=0,
        )

    def _overlapping_claim(self, article_id: str, sentence: Sentence) -> Claim | None:
        """A stored claim covering most of `sentence`, made on another segmentation of it
        (e.g. tagged on the fallback splitter's sentence before the model had run)."""
        length = max(1, sentence.end - sentence.start)
        best: tuple[int, Claim] | None = None
        for claim in self.store.claims(article_id, include_empty=True):
            shared = min(claim.end, sentence.end) - max(claim.start, sentence.start)
            claim_length = max(1, claim.end - claim.start)
            mostly_same = shared * 2 > length and shared * 2 > claim_length
            if mostly_same and (best is None or shared > best[0]):
                best = (shared, claim)
        return best[1] if best else None

    def history(self, claim_id: str) -> list[Annotation]:
        return self.store.history(claim_id)

    # Edits check the version of the claim the user saw. By default that is the version
    # this service last returned (from `claims`, `claim`, `claim_for` or an edit); if the
    # stored claim has moved on since, nothing is written and ClaimConflict shows both
    # sides, unless the claim already is as the edit wants it (agreement, not conflict).
    # An explicit `expected_version` (0: no claim yet) is strict: any other stored version
    # is a conflict, for read-modify-write callers whose new value depends on the old.

    def tag(
        self,
        article_id: str,
        sentence: Sentence,
        verdict: Verdict | None,
        *,
        expected_version: int | None = None,
    ) -> Claim:
        """Set (or with None, clear) the verdict of a sentence's claim; saved at once."""
        claim = self._claim_for(article_id, sentence)
        action = "clear" if verdict is None else "tag"
        return self._edit(claim, replace(claim, verdict=verdict), action, expected_version)

    def set_note(
        self, article_id: str, sentence: Sentence, note: str, *, expected_version: int | None = None
    ) -> Claim:
        claim = self._claim_for(article_id, sentence)
        return self._edit(claim, replace(claim, note=note.strip()), "note", expected_version)

    def set_evidence(
        self, article_id: str, sentence: Sentence, url: str, *, expected_version: int | None = None
    ) -> Claim:
        """Attach an evidence URL (http/https only), or clear it with an empty string."""
        url = url.strip()
        if url:
            problem = evidence_url_problem(url)
            if problem:
                raise ServiceError(problem)
        claim = self._claim_for(article_id, sentence)
        return self._edit(claim, replace(claim, evidence_url=url), "evidence", expected_version)

    def append_note(self, article_id: str, sentence: Sentence, text: str) -> Claim:
        """Add a line to a claim's note: read and write in one transaction, so two
        instances appending at once both keep their line (never a conflict)."""
        text = text.strip()
        if not text:
            raise ServiceError("nothing to add to the note")
        with self.store.write():
            claim = self._claim_for(article_id, sentence)
            note = f"{claim.note}\n{text}" if claim.note else text
            stored = self.store.save_claim(
                replace(claim, note=note),
                user=self.user,
                action="note",
                at=self.clock(),
                expected_version=claim.version,
            )
        self._remember(claim, stored)
        return stored

    def _edit(
        self, before: Claim, after: Claim, action: str, expected_version: int | None = None
    ) -> Claim:
        strict = expected_version is not None
        expected = expected_version if strict else self._seen.get(before.id, before.version)
        unchanged = before.version > 0 and _fields(after) == _fields(before)
        if unchanged and (not strict or expected == before.version):
            self._seen[before.id] = before.version  # already so: nothing to write or resolve
            return before
        try:
            stored = self.store.save_claim(
                after, user=self.user, action=action, at=self.clock(), expected_version=expected
            )
        except ConflictError as error:
            raise self._conflict(after, before, error.current, action) from None
        self._remember(before, stored)
        return stored

    def _remember(self, before: Claim, stored: Claim) -> None:
        """Note a write of this service: the version it saw, and an undo step if it changed."""
        self._seen[stored.id] = stored.version
        self._latest[stored.id] = stored
        if stored.version != before.version:
            self._undo.append(_Edit(current=stored, target=before))
            self._redo.clear()

    def _conflict(self, wanted: Claim, base: Claim, theirs: Claim, action: str) -> ClaimConflict:
        """The conflict of an edit (`base` changed into `wanted`) with the stored `theirs`.

        `mine` is `theirs` with the fields the edit changed; it is kept until resolved.
        The user has now been shown `theirs`: the same edit made again is deliberate.
        """
        edited = {
            n: getattr(wanted, n) for n in CLAIM_FIELDS if getattr(wanted, n) != getattr(base, n)
        }
        mine = replace(theirs, **edited)
        conflict = ClaimConflict(mine, theirs, action)
        self._conflicts[theirs.id] = conflict
        self._seen[theirs.id] = theirs.version
        return conflict

    def conflict(self, claim_id: str) -> ClaimConflict | None:
        """The unresolved conflict on a claim, if any."""
        return self._conflicts.get(claim_id)

    def resolve_conflict(self, chosen: Claim) -> Claim:
        """Keep `chosen` (a conflict's `mine` or `theirs`, or a blend of the two).

        Written against the version the conflict showed, with one audit row (action
        "resolve") per contested field whose `old` is the value that lost: both sides
        stay in the history either way. If the claim changed yet again, ClaimConflict.
        """
        pending = self._conflicts.get(chosen.id)
        current = self.store.claim(chosen.id)
        if current is None:
            raise ServiceError(f"claim {chosen.id} does not exist")
        theirs = pending.theirs if pending is not None else current
        mine = pending.mine if pending is not None else current
        # Per field, the value that lost: theirs where the user kept neither or kept mine.
        rejected = replace(
            theirs,
            **{
                name: getattr(mine if getattr(chosen, name) == getattr(theirs, name) else theirs,
                              name)
                for name in CLAIM_FIELDS
            },
        )  # fmt: skip
        try:
            stored = self.store.resolve_claim(
                chosen,
                rejected=rejected,
                user=self.user,
                at=self.clock(),
                expected_version=theirs.version,
            )
        except ConflictError as error:
            raise self._conflict(chosen, theirs, error.current, "resolve") from None
        self._conflicts.pop(chosen.id, None)
        self._remember(current, stored)
        return stored

    def undo(self) -> tuple[Claim, ...]:
        """Put back the fields the last step changed (each recorded as a new `undo` event).

        A step is one edit, or every edit of a group (`tag_aligned`). Returns the claims
        as stored, the one the user acted on first; empty when there is nothing to undo.
        """
        return tuple(reversed(self._step(self._undo, self._redo, "undo")))

    def redo(self) -> tuple[Claim, ...]:
        """Re-apply the last undone step (recorded as new `redo` events); as `undo`."""
        return tuple(self._step(self._redo, self._undo, "redo"))

    def _step(self, edits: list[_Edit], opposite: list[_Edit], action: str) -> list[Claim]:
        """Replay the last of `edits` and the rest of its group, in the order replayed."""
        replayed: list[Claim] = []
        more = bool(edits)
        while more:
            stored, more = self._replay(edits, opposite, action)
            replayed.append(stored)
        return replayed

    def _replay(self, edits: list[_Edit], opposite: list[_Edit], action: str) -> tuple[Claim, bool]:
        """Restore the last of `edits` (as event `action`) and push its reverse on `opposite`:
        the claim as stored, and whether the next of `edits` is of the same group."""
        edit = edits.pop()
        try:
            stored = self._restore(edit.current, edit.target, action)
        except (StoreError, ServiceError):
            edits.append(edit)  # not applied: still there to undo (or redo)
            raise
        opposite.append(_Edit(current=stored, target=edit.current, group=edit.group))
        return stored, bool(edit.group and edits and edits[-1].group == edit.group)

    def _restore(self, current: Claim, target: Claim, action: str) -> Claim:
        # Later edits of the same claim in this session moved its version on: expect the
        # newest version this service wrote, so only a change by someone else is a conflict.
        current = self._latest.get(current.id, current)
        restored = replace(
            current, verdict=target.verdict, note=target.note, evidence_url=target.evidence_url
        )
        try:
            stored = self.store.save_claim(
                restored,
                user=self.user,
                action=action,
                at=self.clock(),
                expected_version=current.version,
            )
        except ConflictError as error:
            raise self._conflict(restored, current, error.current, action) from None
        self._latest[stored.id] = stored
        self._seen[stored.id] = stored.version
        return stored

    # -- comparing outlets (SPEC §4.5, §4.6) --

    def corpus_signature(self) -> tuple[object, ...]:
        """What the comparison depends on: every article id with the model of its analysis.

        Cheap (one small query): it changes when an article is added or re-analysed.
        """
        from annotator.compare import VERSION

        return (VERSION, *sorted(self.store.article_models().items()))

    def comparison(self) -> Comparison:
        """The cross-article comparison of the open corpus, computed once and cached.

        Slow the first time for a corpus (imports scikit-learn, ~2 s; then well under a
        second for 50 articles): call it from a worker. Later calls return the cached
        `Comparison` until an article is added or re-analysed (`corpus_signature`), so a
        front end can call it whenever it needs the comparison and then use the returned
        object's lookups (`aligned`, `matches`, `discrepancies`, `entities`, `coverage`,
        `quantities`, `attribution`, `checkworthiness`, `triage`) per keypress.
        Works on fallback sentences too (no entities: no variants, no spellings).

        The comparison is also cached in the database (`comparison_cache`, keyed by the
        corpus signature), so another process (the next `annotator discrepancies`, the
        next start of the reader) rebuilds it from there without scikit-learn.
        """
        comparison = self._current_comparison(compute=True)
        assert comparison is not None
        return comparison

    def stored_comparison(self) -> Comparison | None:
        """The comparison if it is in memory or in the database's cache and still current,
        else None. Never computes it (never imports scikit-learn): for `annotator report`,
        which shows the discrepancies only when they are known."""
        return self._current_comparison(compute=False)

    def _current_comparison(self, *, compute: bool) -> Comparison | None:
        """The comparison of the current corpus: in memory, else from the database's cache,
        else (with `compute`) computed and cached; None when it is not known."""
        signature = self.corpus_signature()
        with self._comparison_lock:
            if self._comparison is not None and self._comparison[0] == signature:
                return self._comparison[1]
            articles = self.store.articles()
            sentences = {a.id: self.store.sentences(a.id) for a in articles}
            comparison = self._load_comparison(signature, articles, sentences)
            if comparison is None and compute:
                from annotator.compare import compare_articles

                comparison = compare_articles([(a, sentences[a.id]) for a in articles])
                self._save_comparison(signature, comparison)
            if comparison is not None:
                self._comparison = (signature, comparison)
            return comparison

    @staticmethod
    def _cache_key(signature: tuple[object, ...]) -> str:
        return hashlib.sha256(repr(signature).encode()).hexdigest()

    def _load_comparison(
        self,
        signature: tuple[object, ...],
        articles: Sequence[Article],
        sentences: dict[str, list[Sentence]],
    ) -> Comparison | None:
        """The comparison cached in the database for `signature`; None if there is none or
        it does not fit these articles (it is then computed again)."""
        from annotator.compare import CACHE_FORMAT, Comparison

        data = self.store.cached_comparison(self._cache_key(signature), CACHE_FORMAT)
        if data is None:
            return None
        try:
            return Comparison.from_json(data, articles, sentences)
        except ValueError:
            return None

    def _save_comparison(self, signature: tuple[object, ...], comparison: Comparison) -> None:
        """Cache a computed comparison in the database; best effort (a read-only or busy
        database, or a corpus that changed meanwhile, just means no cache)."""
        from annotator.compare import CACHE_FORMAT

        if self.store.read_only:
            return
        data = comparison.to_json()
        if self.corpus_signature() != signature:
            return  # another instance added or re-analysed an article while we compared
        try:
            self.store.cache_comparison(
                self._cache_key(signature), CACHE_FORMAT, data, at=self.clock()
            )
        except StoreError:
            return  # the cache is an optimisation: the comparison itself is fine

    def cached_comparison(self) -> Comparison | None:
        """The comparison if it is computed and still current, else None (never computes).

        For a front end's keypress handlers: no work, no waiting on a worker.
        """
        cached = self._comparison
        if cached is None or cached[0] != self.corpus_signature():
            return None
        return cached[1]

    def tag_aligned(
        self, article_id: str, sentence: Sentence, verdict: Verdict | None
    ) -> list[Claim]:
        """Give a sentence and its aligned appearances in other articles one verdict.

        The aligned appearances are `comparison().aligned(...)` (same fact, one per other
        article), except those that disagree with this sentence on a figure or a person
        (a discrepancy of kind quantity or entity): confirming one reading does not confirm
        the other. Returns the claims as stored, this sentence's first. Every claim is
        saved and audited as `tag` does; together they are one undo step (`undo` puts them
        all back, `redo` re-applies them all).
        """
        comparison = self.comparison()
        here = (article_id, sentence.index)
        conflicting = set()
        for d in comparison.discrepancies_for(article_id, sentence.index):
            if d.kind in ("quantity", "entity"):
                a, b = (d.article_a, d.sentence_a), (d.article_b, d.sentence_b)
                conflicting.add(b if a == here else a)
        targets = [(article_id, sentence)] + [
            (match.article_id, comparison.sentence(match.article_id, match.index))
            for match in comparison.aligned(article_id, sentence.index)
            if (match.article_id, match.index) not in conflicting
        ]
        group = next(_GROUPS)
        first = len(self._undo)
        claims: list[Claim] = []
        try:
            for target_article, target in targets:
                claims.append(self.tag(target_article, target, verdict))
        finally:
            for position in range(first, len(self._undo)):
                self._undo[position] = replace(self._undo[position], group=group)
        return claims

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    # -- search and export --

    def search(self, query: str) -> list[SearchHit]:
        return self.store.search(query)

    def export_rows(self) -> list[dict[str, str]]:
        """One row per claim with the SPEC §4.7 CSV columns.

        `aligned_claims` needs the comparison (`comparison()`: from the database's cache,
        else computed, which is slow the first time), only when there are claims.
        """
        from annotator import export

        articles = {a.id: a for a in self.store.articles()}
        sentences: dict[str, list[Sentence]] = {}
        claims = self.store.claims()
        aligned = export.aligned_claims(claims, self.comparison()) if claims else {}
        rows = []
        for claim in claims:
            article = articles[claim.article_id]
            if claim.article_id not in sentences:
                sentences[claim.article_id] = self.store.sentences(claim.article_id)
            rows.append(
                export.claim_row(
                    claim, article, sentences[claim.article_id], aligned.get(claim.id, ())
                )
            )
        return rows

    def export_items(self, *, include_empty: bool = False) -> list[tuple[Claim, Article]]:
        """Every claim with its article, in article order (`include_empty`: cleared ones too)."""
        articles = {a.id: a for a in self.store.articles()}
        return [
            (claim, articles[claim.article_id])
            for claim in self.store.claims(include_empty=include_empty)
        ]

    def export(self, fmt: str, stream: IO[str], *, options: PublishOptions | None = None) -> int:
        """Write the claims in `fmt` (one of `EXPORT_FORMATS`) to `stream`; returns how many.

        csv, w3c: every claim that carries something; jsonl: every claim, cleared ones
        too (lossless); claimreview: the claims with a verdict, published as `options`
        say (see `export.PublishOptions`), aligned claims with one verdict grouped into
        one review (`export.group_claims`). csv and claimreview use the comparison of
        outlets (`comparison()`), computed if it is not cached yet.
        """
        from annotator import export

        if fmt == "csv":
            rows = self.export_rows()
            export.write_csv(rows, stream)
            return len(rows)
        if fmt == "jsonl":
            return export.write_jsonl(self.export_items(include_empty=True), stream)
        if fmt == "claimreview":
            reviewed = [item for item in self.export_items() if item[0].verdict is not None]
            comparison = self.comparison() if reviewed else None
            groups = export.group_claims(reviewed, comparison)
            return export.write_claimreview(
                groups, options or export.PublishOptions(), stream, comparison
            )
        if fmt == "w3c":
            return export.write_w3c(self.export_items(), stream)
        names = ", ".join(EXPORT_FORMATS)
        raise ServiceError(f"unknown export format {fmt!r}; use one of {names}")

    def export_to_file(
        self, fmt: str, path: str | Path, *, options: PublishOptions | None = None
    ) -> int:
        """`export` to a file, atomically: on any failure the file is left as it was."""
        from annotator import export

        try:
            return export.write_atomically(
                path, lambda stream: self.export(fmt, stream, options=options)
            )
        except OSError as error:
            reason = (error.strerror or type(error).__name__).lower()
            shown = printable(str(path), single_line=True)
            raise ServiceError(f"{shown}: cannot write ({reason}); nothing was written") from error

    # -- importing annotations --

    def import_annotations(self, lines: Iterable[bytes | str]) -> ImportReport:
        """Merge a JSON Lines export (`export.write_jsonl`) into the database.

        Every line is checked first: if any is malformed, nothing is written and the
        report's `errors` name each bad line. Then each claim is placed: in its own
        article when that is here (its offsets checked, re-anchored by quote + context if
        they moved), else in another version of it (same URL, file name or title) by
        quote + context, under the claim id that span has here; claims that cannot be
        placed are `skipped`, one line each. The rest is merged by claim id in one
        transaction (`Store.merge_claims`): no duplicates, the later `updated_at` wins,
        every change audited with action "import".
        """
        from annotator import export

        records, errors = export.read_jsonl(lines)
        for record in records:
            url = record.claim.evidence_url
            if url and evidence_url_problem(url):
                errors.append(f"line {record.line}: evidence_url: {evidence_url_problem(url)}")
        if errors:
            return ImportReport(errors=sorted(errors, key=_line_number))
        articles = self.store.articles()
        by_id = {a.id: a for a in articles}
        placed: list[Claim] = []
        skipped: list[str] = []
        moved = 0
        for record in records:
            claim, problem = self._place(record, by_id, articles)
            if claim is None:
                skipped.append(f"line {record.line}: claim {record.claim.id}: {problem}")
                continue
            moved += claim.id != record.claim.id or claim.start != record.claim.start
            placed.append(claim)
        outcome = self.store.merge_claims(placed, user=self.user, at=self.clock())
        for claim_id in outcome.added + outcome.updated:
            self._seen.pop(claim_id, None)  # moved on by this import, not by someone else
        return ImportReport(
            added=len(outcome.added),
            updated=len(outcome.updated),
            unchanged=len(outcome.unchanged),
            kept=len(outcome.kept),
            reanchored=moved,
            skipped=skipped,
        )

    def _place(
        self,
        record: ClaimRecord,
        by_id: dict[str, Article],
        articles: Sequence[Article],
    ) -> tuple[Claim | None, str]:
        """The claim as it goes into this database, or None and why it cannot."""
        from annotator import export

        claim, ref = record.claim, record.article
        article = by_id.get(claim.article_id)
        if article is not None:
            if article.text[claim.start : claim.end] == claim.quote:
                return claim, ""
            found = export.find_anchor(article.text, claim.quote, claim.prefix, claim.suffix)
            if found is None:
                return None, f"its quote is not in article {article.short_id} (nor at its offsets)"
            return _anchored(claim, article, found), ""
        versions = [
            a
            for a in articles
            if (ref.url and a.url == ref.url)
            or (ref.source and Path(a.source_path).name == ref.source)
            or (ref.title and a.title == ref.title)
        ]
        for version in versions:
            found = export.find_anchor(version.text, claim.quote, claim.prefix, claim.suffix)
            if found is not None:
                return _anchored(claim, version, found), ""
        reason = f"article {claim.article_id[:12]} is not in the database"
        if versions:
            reason += f", and its quote is not (or not only once) in the {len(versions)} "
            reason += "other version" + ("s" if len(versions) > 1 else "") + " of it"
        return None, reason


def _local_file(source: Path | str) -> tuple[str, int, int] | None:
    """(real path, size, mtime_ns) of a local file; None for a URL or a file gone."""
    if sources.is_url(source):
        return None
    try:
        info = os.stat(source)
    except OSError:
        return None
    return os.path.realpath(source), info.st_size, info.st_mtime_ns


def _anchored(claim: Claim, article: Article, span: tuple[int, int]) -> Claim:
    """`claim` moved to `span` of `article`, with fresh context and the id that span has."""
    start, end = span
    return replace(
        claim,
        id=claim_id_for(article.id, start, end),
        article_id=article.id,
        start=start,
        end=end,
        prefix=article.text[max(0, start - ANCHOR_CONTEXT) : start],
        suffix=article.text[end : end + ANCHOR_CONTEXT],
    )


def _line_number(message: str) -> int:
    """The N of a "line N: ..." message (for sorting)."""
    number = message.removeprefix("line ").partition(":")[0]
    return int(number) if number.isdigit() else 0


def _short(text: str, length: int = 60) -> str:
    return text[:length] + "…" if len(text) > length else text


def evidence_url_problem(url: str) -> str:
    """Why `url` cannot be evidence ("" when it can): absolute http(s) with a host, no spaces."""
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return f"evidence must be an http:// or https:// URL, not {url[:60]!r}"
    if not parts.netloc or any(c.isspace() for c in url) or not url.isprintable():
        return f"not a valid URL: {url[:60]!r}"
    return ""


def open_service(db: str | Path, *, user: str = "", model: str | None = None) -> Service:
    """A service over the database file `db`, with the spaCy analyzer if its model is installed.

    Never imports spaCy: the analyzer loads the model the first time it analyses.
    """
    from annotator.nlp import ModelNotInstalled, SpacyAnalyzer, find_model

    store = Store(db)
    try:
        analyzer: Analyzer | None = SpacyAnalyzer(find_model(model))
        error = ""
    except ModelNotInstalled as missing:
        analyzer, error = None, str(missing)
    return Service(store, analyzer, user=user, analyzer_error=error)
