"""The use cases the CLI and the TUI share: open a corpus, analyse it, tag claims, undo, export."""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from annotator import export, ingest
from annotator.export import ClaimRecord, PublishOptions
from annotator.model import Annotation, Article, Claim, NlpResult, Sentence, Verdict
from annotator.nlp import Analyzer, split_sentences
from annotator.sanitize import printable
from annotator.store import SearchHit, Store, StoreError, utc_now

ANCHOR_CONTEXT = 32  # characters of prefix/suffix kept to re-anchor a claim
EXPORT_FORMATS = export.EXPORT_FORMATS  # what `Service.export` writes: csv, jsonl, claimreview, w3c


class ServiceError(Exception):
    """A use case could not be carried out; the message is one line for the user."""


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
    ) -> None:
        self.store = store
        self.analyzer = analyzer
        self.analyzer_error = analyzer_error
        self.user = user or "anonymous"
        self.clock = clock
        self._undo: list[_Edit] = []
        self._redo: list[_Edit] = []
        self._latest: dict[str, Claim] = {}

    # -- opening a story --

    def open_paths(self, paths: Sequence[str | Path]) -> OpenReport:
        """Ingest new files and http(s) URLs (NLP from the cache when it has them).

        Known articles are reused; each source that fails gives one line in `errors`.
        """
        files, errors = ingest.collect_sources(paths)
        report = OpenReport(errors=list(errors))
        seen: set[str] = set()
        for path in files:
            try:
                article = ingest.read_source(path)
            except ingest.IngestError as error:
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
        self, progress: Callable[[int, int], None] | None = None, *, batch: int = 8
    ) -> int:
        """Run the model over pending articles (slow: call from a worker). Returns how many."""
        if self.analyzer is None:
            return 0
        pending = self.pending_analysis()
        done = 0
        for start in range(0, len(pending), batch):
            chunk = pending[start : start + batch]
            uncached = [a for a in chunk if self._cached(a) is None]
            fresh = dict(
                zip(
                    [a.id for a in uncached],
                    self.analyzer.analyse([a.text for a in uncached]),
                    strict=True,
                )
            )
            for article in chunk:
                result = fresh.get(article.id) or self._cached(article)
                if result is None:
                    continue
                if article.id in fresh:
                    self.store.cache_analysis(article.id, result, at=self.clock())
                self.store.replace_analysis(article.id, result)
                done += 1
                if progress is not None:
                    progress(done, len(pending))
        return done

    # -- reading --

    def articles(self) -> list[Article]:
        return self.store.articles()

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
        return self.store.claims(article_id)

    def claim(self, claim_id: str) -> Claim | None:
        return self.store.claim(claim_id)

    def claim_for(self, article_id: str, sentence: Sentence) -> Claim:
        """The claim on a whole sentence: stored if it exists, else a fresh empty one."""
        claim_id = claim_id_for(article_id, sentence.start, sentence.end)
        stored = self.store.claim(claim_id)
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

    def history(self, claim_id: str) -> list[Annotation]:
        return self.store.history(claim_id)

    def tag(self, article_id: str, sentence: Sentence, verdict: Verdict | None) -> Claim:
        """Set (or with None, clear) the verdict of a sentence's claim; saved at once."""
        claim = self.claim_for(article_id, sentence)
        return self._edit(
            claim, replace(claim, verdict=verdict), "clear" if verdict is None else "tag"
        )

    def set_note(self, article_id: str, sentence: Sentence, note: str) -> Claim:
        claim = self.claim_for(article_id, sentence)
        return self._edit(claim, replace(claim, note=note.strip()), "note")

    def set_evidence(self, article_id: str, sentence: Sentence, url: str) -> Claim:
        """Attach an evidence URL (http/https only), or clear it with an empty string."""
        url = url.strip()
        if url:
            problem = evidence_url_problem(url)
            if problem:
                raise ServiceError(problem)
        claim = self.claim_for(article_id, sentence)
        return self._edit(claim, replace(claim, evidence_url=url), "evidence")

    def _edit(self, before: Claim, after: Claim, action: str) -> Claim:
        stored = self.store.save_claim(
            after, user=self.user, action=action, at=self.clock(), expected_version=before.version
        )
        self._latest[stored.id] = stored
        if stored.version != before.version:
            self._undo.append(_Edit(current=stored, target=before))
            self._redo.clear()
        return stored

    def undo(self) -> Claim | None:
        """Put back the fields the last edit changed (recorded as a new `undo` event)."""
        if not self._undo:
            return None
        edit = self._undo.pop()
        stored = self._restore(edit.current, edit.target, "undo")
        self._redo.append(_Edit(current=stored, target=edit.current))
        return stored

    def redo(self) -> Claim | None:
        """Re-apply the last undone edit (recorded as a new `redo` event)."""
        if not self._redo:
            return None
        edit = self._redo.pop()
        stored = self._restore(edit.current, edit.target, "redo")
        self._undo.append(_Edit(current=stored, target=edit.current))
        return stored

    def _restore(self, current: Claim, target: Claim, action: str) -> Claim:
        # Later edits of the same claim in this session moved its version on: expect the
        # newest version this service wrote, so only a change by someone else is a conflict.
        current = self._latest.get(current.id, current)
        restored = replace(
            current, verdict=target.verdict, note=target.note, evidence_url=target.evidence_url
        )
        stored = self.store.save_claim(
            restored,
            user=self.user,
            action=action,
            at=self.clock(),
            expected_version=current.version,
        )
        self._latest[stored.id] = stored
        return stored

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
        """One row per claim with the SPEC §4.7 CSV columns."""
        articles = {a.id: a for a in self.store.articles()}
        sentences: dict[str, list[Sentence]] = {}
        rows = []
        for claim in self.store.claims():
            article = articles[claim.article_id]
            if claim.article_id not in sentences:
                sentences[claim.article_id] = self.store.sentences(claim.article_id)
            rows.append(export.claim_row(claim, article, sentences[claim.article_id]))
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
        say (see `export.PublishOptions`).
        """
        if fmt == "csv":
            rows = self.export_rows()
            export.write_csv(rows, stream)
            return len(rows)
        if fmt == "jsonl":
            return export.write_jsonl(self.export_items(include_empty=True), stream)
        if fmt == "claimreview":
            reviewed = [item for item in self.export_items() if item[0].verdict is not None]
            groups = export.group_claims(reviewed)
            return export.write_claimreview(groups, options or PublishOptions(), stream)
        if fmt == "w3c":
            return export.write_w3c(self.export_items(), stream)
        names = ", ".join(EXPORT_FORMATS)
        raise ServiceError(f"unknown export format {fmt!r}; use one of {names}")

    def export_to_file(
        self, fmt: str, path: str | Path, *, options: PublishOptions | None = None
    ) -> int:
        """`export` to a file, atomically: on any failure the file is left as it was."""
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
