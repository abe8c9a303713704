"""Writers and readers of exported annotations: CSV, JSON Lines, ClaimReview, W3C.

* CSV (`write_csv`): for spreadsheets, one row per claim, formula cells guarded.
* JSON Lines (`write_jsonl` / `read_jsonl`): lossless, one claim per line, re-importable.
* ClaimReview (`write_claimreview`): schema.org JSON-LD, one review per group of claims.
* W3C Web Annotation (`write_w3c`): one `AnnotationCollection` JSON-LD document.

`write_atomically` writes any of them to a file so that a failure leaves no half file.
"""

from __future__ import annotations

import bisect
import contextlib
import csv
import io
import json
import os
import re
import secrets
import tomllib
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, TypeVar

from annotator.model import Article, Claim, Sentence, Verdict

if TYPE_CHECKING:
    from annotator.compare import Comparison

EXPORT_FORMATS = ("csv", "jsonl", "claimreview", "w3c")
"""Every format `Service.export` writes (the CLI's `--format` and the TUI's dialog)."""

CSV_COLUMNS = (
    "claim_id", "article_id", "outlet", "title", "url", "sentence_index", "start", "end",
    "text", "verdict", "note", "evidence_url", "annotator", "created_at", "updated_at",
    "entities", "aligned_claims",
)  # fmt: skip

# A spreadsheet runs a cell line as a formula when it starts with one of these,
# also after leading spaces (NBSP included).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
_LINE_BREAK = re.compile(r"(\r\n|\n|\r)")
_LEADING_BLANKS = " \u00a0"


_GUARD_FIRST = frozenset("'" + "".join(FORMULA_TRIGGERS) + _LEADING_BLANKS)
"""The first characters of a line that may need a guard (a formula trigger, `'`, a blank)."""


def _needs_guard(line: str) -> bool:
    return line.startswith("'") or line.lstrip(_LEADING_BLANKS).startswith(FORMULA_TRIGGERS)


def guard_cell(value: str) -> str:
    """Prefix `'` to every line a spreadsheet would run as a formula, or that starts with `'`.

    Lines that already start with `'` get one more, so `unguard_cell` reverses this exactly.
    """
    if "\n" not in value and "\r" not in value:  # one line: most cells, no split needed
        return "'" + value if value[:1] in _GUARD_FIRST and _needs_guard(value) else value
    parts = _LINE_BREAK.split(value)
    # parts alternates line, break, line, ...; a line after a "\r" break could begin with "\n"
    # only if the break were split wrongly, which the alternation above prevents.
    return "".join(
        ("'" + part if _needs_guard(part) else part) if i % 2 == 0 else part
        for i, part in enumerate(parts)
    )


def unguard_cell(value: str) -> str:
    """Reverse `guard_cell`."""
    parts = _LINE_BREAK.split(value)
    return "".join(
        (part[1:] if i % 2 == 0 and part.startswith("'") else part) for i, part in enumerate(parts)
    )


def _start(sentence: Sentence) -> int:
    return sentence.start


def entities_in(sentences: Sequence[Sentence], start: int, end: int) -> list[str]:
    """Entity mentions that fall inside [start, end), as `text (LABEL)`.

    `sentences` in order (as the store gives them): only those that overlap the span are
    looked at (found by bisection), so an export is not quadratic in claims × entities.
    """
    first = max(0, bisect.bisect_right(sentences, start, key=_start) - 1)
    found = []
    for position in range(first, len(sentences)):
        sentence = sentences[position]
        if sentence.start >= end:
            break
        found += [
            f"{e.text} ({e.label})" for e in sentence.entities if e.start >= start and e.end <= end
        ]
    return found


def sentence_number(sentences: Sequence[Sentence], offset: int) -> int:
    """The 1-based number of the sentence holding `offset` (0 if none does); `sentences`
    in order, as the store gives them (found by bisection)."""
    position = bisect.bisect_right(sentences, offset, key=_start) - 1
    if position >= 0 and offset < sentences[position].end:
        return sentences[position].number
    return 0


def claim_row(
    claim: Claim,
    article: Article,
    sentences: Sequence[Sentence],
    aligned: Sequence[str] = (),
) -> dict[str, str]:
    """The CSV row of one claim (every value a string); `aligned`: the ids of the claims on
    its aligned sentences in other articles (`aligned_claims`), `;`-separated in the row."""
    return {
        "claim_id": claim.id,
        "article_id": article.id,
        "outlet": article.outlet,
        "title": article.title,
        "url": article.url,
        "sentence_index": str(sentence_number(sentences, claim.start)),
        "start": str(claim.start),
        "end": str(claim.end),
        "text": claim.quote,
        "verdict": claim.verdict.value if claim.verdict else "",
        "note": claim.note,
        "evidence_url": claim.evidence_url,
        "annotator": claim.annotator,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
        "entities": "; ".join(entities_in(sentences, claim.start, claim.end)),
        "aligned_claims": ";".join(aligned),
    }


# --- claims across articles (the comparison of outlets) ----------------------------------------

SentenceRef = tuple[str, int]
"""An article id and a 0-based sentence index."""


def claim_sentences(claims: Iterable[Claim], comparison: Comparison) -> dict[str, SentenceRef]:
    """Claim id → the sentence of the comparison that holds the claim's start (claims
    outside every sentence are left out)."""
    starts: dict[str, list[int]] = {}
    result: dict[str, SentenceRef] = {}
    for claim in claims:
        sentences = comparison.sentences(claim.article_id)
        if claim.article_id not in starts:
            starts[claim.article_id] = [s.start for s in sentences]
        at = bisect.bisect_right(starts[claim.article_id], claim.start) - 1
        if at >= 0 and sentences[at].start <= claim.start < sentences[at].end:
            result[claim.id] = (claim.article_id, sentences[at].index)
    return result


def aligned_claims(claims: Sequence[Claim], comparison: Comparison) -> dict[str, list[str]]:
    """Claim id → the ids of the other `claims` on sentences aligned with its sentence.

    Aligned: the same-fact pairs of the comparison (`Comparison.pairs`, either direction),
    which join sentences of different articles only. Ids in the order of `claims`; a claim
    without aligned claims maps to an empty list.
    """
    where = claim_sentences(claims, comparison)
    on: dict[SentenceRef, list[str]] = {}
    for claim in claims:
        if claim.id in where:
            on.setdefault(where[claim.id], []).append(claim.id)
    neighbours: dict[SentenceRef, list[SentenceRef]] = {}
    for pair in comparison.pairs():
        a, b = (pair.article_a, pair.sentence_a), (pair.article_b, pair.sentence_b)
        if a in on and b in on:
            neighbours.setdefault(a, []).append(b)
            neighbours.setdefault(b, []).append(a)
    rank = {claim.id: position for position, claim in enumerate(claims)}
    result: dict[str, list[str]] = {}
    for claim in claims:
        ref = where.get(claim.id)
        others = [other for near in neighbours.get(ref, ()) for other in on[near]] if ref else []
        result[claim.id] = sorted(set(others), key=rank.__getitem__)
    return result


def write_csv(rows: Iterable[dict[str, str]], stream: IO[str]) -> None:
    """CSV for spreadsheets: UTF-8 BOM, every cell quoted, formula cells guarded."""
    stream.write("\ufeff")
    writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for row in rows:
        writer.writerow([guard_cell(row.get(column, "")) for column in CSV_COLUMNS])


def read_csv(stream: IO[str]) -> list[dict[str, str]]:
    """Read what `write_csv` wrote, undoing the formula guards."""
    text = stream.read()
    if text.startswith("\ufeff"):
        text = text[1:]
    reader = csv.DictReader(io.StringIO(text, newline=""))
    return [{k: unguard_cell(v) for k, v in row.items()} for row in reader]


# --- writing files ---------------------------------------------------------------------------

T = TypeVar("T")


def write_atomically(path: str | Path, write: Callable[[IO[str]], T]) -> T:
    """Run `write` on a temporary file beside `path`, then rename it over `path`.

    A failure (an exception from `write`, a full disk, an interrupt) removes the temporary
    file and leaves `path` as it was: no half-written export ever appears. The file is
    UTF-8 with newlines written as given; its mode follows the umask like any new file.
    """
    target = Path(path)
    temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.partial")
    descriptor = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with open(descriptor, "w", encoding="utf-8", newline="") as stream:
            result = write(stream)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):  # the original error matters more
            temp.unlink(missing_ok=True)
        raise
    return result


# --- JSON text that is safe to print ---------------------------------------------------------

# json.dumps escapes C0 controls; these it leaves raw: DEL and C1 (8-bit CSI/OSC reach a
# terminal), bidi controls (text that reads differently from what it is), the line and
# paragraph separators (invalid in JavaScript strings) and lone surrogates (not UTF-8).
_JSON_UNSAFE = re.compile(
    "[\x7f-\x9f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069\u2028\u2029\ud800-\udfff]"
)


def json_text(value: object, *, indent: int | None = None) -> str:
    """`value` as JSON: UTF-8 text kept readable, every risky character as a `\\uXXXX` escape."""
    separators = (",", ": ") if indent is not None else (",", ":")
    text = json.dumps(value, ensure_ascii=False, indent=indent, separators=separators)
    # The risky characters can only occur inside JSON strings, where an escape is valid.
    return _JSON_UNSAFE.sub(lambda match: f"\\u{ord(match.group()):04x}", text)


# --- JSON Lines: lossless, re-importable -----------------------------------------------------

JSONL_FORMAT = "annotator.claim/1"
"""The `format` of every JSON Lines record; a later, incompatible shape gets a new number."""

_CLAIM_ID_RE = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_ARTICLE_ID_RE = re.compile(r"[0-9a-f]{64}")
_URL_SCHEME_RE = re.compile(r"[a-z][a-z0-9+.-]*://", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class ArticleRef:
    """What an exported claim says about its article: enough to find it (or a new version)."""

    id: str
    title: str = ""
    outlet: str = ""
    byline: str = ""
    published: str = ""
    url: str = ""
    source: str = ""  # the name of the file it was read from (never the folder)

    @classmethod
    def of(cls, article: Article) -> ArticleRef:
        path = article.source_path
        source = "" if not path or _URL_SCHEME_RE.match(path) else Path(path).name
        return cls(
            id=article.id,
            title=article.title,
            outlet=article.outlet,
            byline=article.byline,
            published=article.published,
            url=article.url,
            source=source,
        )


@dataclass(frozen=True, slots=True)
class ClaimRecord:
    """One JSON Lines record: a claim and its article; `line` is its 1-based line number."""

    claim: Claim
    article: ArticleRef
    line: int = field(default=0, compare=False)


class RecordError(ValueError):
    """A malformed JSON Lines record; the message says what is wrong (no line number)."""


def claim_record(claim: Claim, article: ArticleRef | Article) -> dict[str, Any]:
    """The JSON Lines record of one claim: every claim field plus its article's metadata."""
    ref = article if isinstance(article, ArticleRef) else ArticleRef.of(article)
    return {
        "format": JSONL_FORMAT,
        "id": claim.id,
        "article_id": claim.article_id,
        "start": claim.start,
        "end": claim.end,
        "quote": claim.quote,
        "prefix": claim.prefix,
        "suffix": claim.suffix,
        "verdict": claim.verdict.value if claim.verdict else None,
        "note": claim.note,
        "evidence_url": claim.evidence_url,
        "annotator": claim.annotator,
        "created_at": claim.created_at,
        "updated_at": claim.updated_at,
        "version": claim.version,
        "article": {
            "title": ref.title,
            "outlet": ref.outlet,
            "byline": ref.byline,
            "published": ref.published,
            "url": ref.url,
            "source": ref.source,
        },
    }


def write_jsonl(items: Iterable[tuple[Claim, ArticleRef | Article]], stream: IO[str]) -> int:
    """One record per line (`claim_record`), `\\n`-terminated; returns how many."""
    count = 0
    for claim, article in items:
        stream.write(json_text(claim_record(claim, article)) + "\n")
        count += 1
    return count


def parse_timestamp(value: str) -> datetime:
    """An ISO 8601 date-time as an aware UTC datetime (no zone means UTC); ValueError if not."""
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def utc_timestamp(value: str) -> str:
    """`value` as `YYYY-MM-DDTHH:MM:SSZ` (fractions kept); unchanged if it is not ISO 8601."""
    try:
        moment = parse_timestamp(value)
    except ValueError:
        return value
    return moment.isoformat().replace("+00:00", "Z")


def _get(record: dict[str, Any], key: str, kind: type, *, optional: bool = False) -> Any:
    if key not in record:
        if optional:
            return kind()
        raise RecordError(f"missing field {key!r}")
    value = record[key]
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise RecordError(f"{key!r} must be an integer, not {json.dumps(value)[:40]}")
    if not isinstance(value, kind):
        raise RecordError(f"{key!r} must be a {kind.__name__}, not {type(value).__name__}")
    return value


def _timestamp_field(record: dict[str, Any], key: str) -> str:
    value: str = _get(record, key, str)
    try:
        parse_timestamp(value)
    except ValueError:
        raise RecordError(f"{key!r} is not an ISO 8601 date-time: {value[:40]!r}") from None
    return value


def parse_claim_record(text: str) -> ClaimRecord:
    """Parse and check one JSON Lines record; raises `RecordError` saying what is wrong."""
    try:
        record = json.loads(text)
    except json.JSONDecodeError as error:
        raise RecordError(f"not valid JSON ({error.msg} at column {error.colno})") from None
    except RecursionError:
        raise RecordError("not valid JSON (nested too deeply)") from None
    if not isinstance(record, dict):
        raise RecordError(f"not a JSON object but {type(record).__name__}")
    if record.get("format") != JSONL_FORMAT:
        found = json.dumps(record.get("format"))[:60]
        raise RecordError(f"not an annotator claim record (format {found}, not {JSONL_FORMAT})")
    claim_id: str = _get(record, "id", str)
    if not _CLAIM_ID_RE.fullmatch(claim_id):
        raise RecordError(f"'id' must be 1-128 letters, digits or ._:- (got {claim_id[:40]!r})")
    article_id: str = _get(record, "article_id", str)
    if not _ARTICLE_ID_RE.fullmatch(article_id):
        raise RecordError("'article_id' must be 64 lower-case hex digits (a SHA-256)")
    start: int = _get(record, "start", int)
    end: int = _get(record, "end", int)
    quote: str = _get(record, "quote", str)
    if not 0 <= start < end:
        raise RecordError(f"'start' and 'end' must satisfy 0 <= start < end (got {start}, {end})")
    if len(quote) != end - start:
        raise RecordError(f"'quote' has {len(quote)} characters, but end - start is {end - start}")
    verdict_text = record.get("verdict")
    if verdict_text is not None and verdict_text not in {v.value for v in Verdict}:
        names = ", ".join(v.value for v in Verdict)
        raise RecordError(f"'verdict' must be null or one of {names}")
    version: int = _get(record, "version", int)
    if version < 1:
        raise RecordError(f"'version' must be 1 or more (got {version})")
    article: dict[str, Any] = _get(record, "article", dict, optional=True)
    claim = Claim(
        id=claim_id,
        article_id=article_id,
        start=start,
        end=end,
        quote=quote,
        prefix=_get(record, "prefix", str, optional=True),
        suffix=_get(record, "suffix", str, optional=True),
        verdict=Verdict(verdict_text) if verdict_text is not None else None,
        note=_get(record, "note", str, optional=True),
        evidence_url=_get(record, "evidence_url", str, optional=True),
        annotator=_get(record, "annotator", str, optional=True),
        created_at=_timestamp_field(record, "created_at"),
        updated_at=_timestamp_field(record, "updated_at"),
        version=version,
    )
    try:
        ref = ArticleRef(
            id=article_id,
            **{key: _get(article, key, str, optional=True) for key in _ARTICLE_REF_KEYS},
        )
    except RecordError as error:
        raise RecordError(f"article: {error}") from None
    return ClaimRecord(claim, ref)


_ARTICLE_REF_KEYS = ("title", "outlet", "byline", "published", "url", "source")


def read_jsonl(lines: Iterable[bytes | str]) -> tuple[list[ClaimRecord], list[str]]:
    """Parse every line; returns ``(records, errors)``, each error ``line N: reason``.

    Blank lines are skipped; a UTF-8 BOM before the first line is allowed. Callers
    that must not half-import check `errors` before writing anything.
    """
    records: list[ClaimRecord] = []
    errors: list[str] = []
    for number, raw in enumerate(lines, 1):
        if isinstance(raw, bytes):
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                errors.append(f"line {number}: not valid UTF-8 (byte {error.start + 1})")
                continue
        else:
            text = raw
        if number == 1:
            text = text.removeprefix("\ufeff")
        if not text.strip():
            continue
        try:
            record = parse_claim_record(text)
        except RecordError as error:
            errors.append(f"line {number}: {error}")
            continue
        records.append(ClaimRecord(record.claim, record.article, number))
    return records, errors


def find_anchor(
    text: str, quote: str, prefix: str = "", suffix: str = ""
) -> tuple[int, int] | None:
    """Where `quote` is in `text`, told apart by its `prefix`/`suffix` context; None if unsure.

    Every occurrence of the exact quote is scored by how many characters of the prefix
    end right before it and of the suffix start right after it. The best occurrence wins
    when it is the only one, or strictly better than every other; otherwise (no
    occurrence, or a tie) the place is unknown and None is returned.
    """
    if not quote:
        return None
    scored: list[tuple[int, int]] = []
    position = text.find(quote)
    while position >= 0:
        end = position + len(quote)
        score = _common_suffix(text[max(0, position - len(prefix)) : position], prefix)
        score += _common_prefix(text[end : end + len(suffix)], suffix)
        scored.append((score, position))
        position = text.find(quote, position + 1)
    if not scored:
        return None
    scored.sort(reverse=True)
    if len(scored) > 1 and scored[0][0] == scored[1][0]:
        return None
    start = scored[0][1]
    return start, start + len(quote)


def _common_prefix(a: str, b: str) -> int:
    count = 0
    for x, y in zip(a, b, strict=False):
        if x != y:
            break
        count += 1
    return count


def _common_suffix(a: str, b: str) -> int:
    return _common_prefix(a[::-1], b[::-1])


# --- ClaimReview (schema.org) ----------------------------------------------------------------

SCHEMA_CONTEXT = "https://schema.org"
RATING_VALUES = {Verdict.CONFIRMED: 3, Verdict.UNVERIFIED: 2, Verdict.DISPUTED: 1}
"""The ClaimReview rating scale: `ratingValue` of each verdict, best 3, worst 1."""
BEST_RATING = 3
WORST_RATING = 1
CONFIG_FILE = "annotator.toml"
CONFIG_SECTION = "export"

ReviewItem = tuple[Claim, Article]
"""A claim with the article it appears in."""


class ConfigError(Exception):
    """A configuration file that cannot be used; the message is one line naming it."""


@dataclass(frozen=True, slots=True)
class PublishOptions:
    """Who publishes the exported reviews, and where.

    `org_name`/`org_url` become the ClaimReview `author` (an Organization); without a
    name the annotator of the claim is the author (a Person). `url_prefix` followed by
    the claim id is each review's `url`; without it the `url` is a stable `urn:uuid:`.
    """

    org_name: str = ""
    org_url: str = ""
    url_prefix: str = ""

    def override(
        self,
        *,
        org_name: str | None = None,
        org_url: str | None = None,
        url_prefix: str | None = None,
    ) -> PublishOptions:
        """These options with each value that is given replaced (command line over config)."""
        options = PublishOptions(
            org_name=self.org_name if org_name is None else org_name,
            org_url=self.org_url if org_url is None else org_url,
            url_prefix=self.url_prefix if url_prefix is None else url_prefix,
        )
        options.check()
        return options

    def check(self, where: str = "") -> None:
        """Raise ConfigError when `org_url` or `url_prefix` is not an http(s) URL."""
        for key in ("org_url", "url_prefix"):
            value = getattr(self, key)
            if value and not re.fullmatch(r"https?://[^\s/?#]+\S*", value):
                shown = f"{where}: " if where else ""
                raise ConfigError(f"{shown}{key} must be an http:// or https:// URL: {value!r}")


def load_publish_options(path: str | Path | None = None) -> PublishOptions:
    """The `[export]` table of a TOML file: `path`, else `annotator.toml` here if it exists.

    Keys: `org_name`, `org_url`, `url_prefix` (strings). A named file that is missing,
    unreadable or invalid, an unknown key or a wrong type raises ConfigError.
    """
    if path is None:
        path = Path(CONFIG_FILE)
        if not path.is_file():
            return PublishOptions()
    path = Path(path)
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such configuration file") from None
    except OSError as error:
        reason = (error.strerror or type(error).__name__).lower()
        raise ConfigError(f"{path}: cannot read ({reason})") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from None
    section = data.get(CONFIG_SECTION, {})
    if not isinstance(section, dict):
        raise ConfigError(f"{path}: [{CONFIG_SECTION}] must be a table")
    known = {"org_name", "org_url", "url_prefix"}
    for key, value in section.items():
        if key not in known:
            raise ConfigError(f"{path}: unknown key {key!r} in [{CONFIG_SECTION}]")
        if not isinstance(value, str):
            raise ConfigError(f"{path}: {key} must be a string")
    options = PublishOptions(**section)
    options.check(str(path))
    return options


# Ids: stable across exports, different for each kind of thing made from one claim.
_ID_NAMESPACE = uuid.UUID("b03c4166-05e4-5980-b660-becaa8bc861b")  # uuid5(URL, "urn:annotator")


def stable_urn(kind: str, key: str) -> str:
    """A `urn:uuid:` that is always the same for the same kind of thing and key."""
    return f"urn:uuid:{uuid.uuid5(_ID_NAMESPACE, f'{kind}:{key}')}"


def rating(verdict: Verdict) -> dict[str, Any]:
    """The schema.org `Rating` of a verdict on the documented 1-3 scale."""
    return {
        "@type": "Rating",
        "ratingValue": RATING_VALUES[verdict],
        "bestRating": BEST_RATING,
        "worstRating": WORST_RATING,
        "alternateName": verdict.value.capitalize(),
    }


def group_claims(
    items: Iterable[ReviewItem], comparison: Comparison | None = None
) -> list[list[ReviewItem]]:
    """Claims grouped for review: one group per claim reported by several outlets.

    Without a comparison each claim is a group of its own. With one, a group is a set of
    claims connected through aligned sentences (`aligned_claims`) whose claims carry the
    same verdict; aligned claims with different verdicts stay apart (each verdict is its
    own review), and so do two aligned sentences that disagree on a figure or a person (a
    `quantity` or `entity` discrepancy: they are not one claim, whatever their verdicts).
    Groups are in the order of their first claim; the reviewed claim comes first in its
    group (the first claim with a note or evidence, else the first claim), then the
    others in order.
    """
    listed = list(items)
    if comparison is None or len(listed) < 2:
        return [[item] for item in listed]
    claims = [claim for claim, _ in listed]
    where = claim_sentences(claims, comparison)
    disagree = {
        frozenset({(d.article_a, d.sentence_a), (d.article_b, d.sentence_b)})
        for d in comparison.discrepancies()
        if d.kind in ("quantity", "entity")
    }
    position = {claim.id: n for n, claim in enumerate(claims)}
    parent = list(range(len(listed)))

    def root(n: int) -> int:
        while parent[n] != n:
            parent[n] = parent[parent[n]]
            n = parent[n]
        return n

    for claim_id, others in aligned_claims(claims, comparison).items():
        mine = position[claim_id]
        for other_id in others:
            theirs = position[other_id]
            if claims[mine].verdict != claims[theirs].verdict:
                continue
            if frozenset({where[claim_id], where[other_id]}) in disagree:
                continue
            parent[root(theirs)] = root(mine)
    groups: dict[int, list[ReviewItem]] = {}
    for n, item in enumerate(listed):
        groups.setdefault(root(n), []).append(item)
    result = []
    for group in groups.values():
        lead = next((item for item in group if item[0].note or item[0].evidence_url), group[0])
        result.append([lead, *(item for item in group if item is not lead)])
    return result


def _words(text: str) -> frozenset[str]:
    """The words of `text` (a table written as one string)."""
    return frozenset(text.split())


_PRONOUN_WORDS = _words(
    "i you he she it we they him her them his its our their this that these those"
)
_DETERMINERS = _words("the a an") | _PRONOUN_WORDS
_NOT_CLAIMANTS = _words(
    "report reports statement statements estimate estimates figure figures data"
)
ORGANISATION_WORDS = _words(
    """
    agency agencies observatory ministry ministries government governments council committee
    organisation organization organisations organizations group groups office department
    media news press newspaper television tv radio network channel kremlin police army
    military forces authorities officials monitor coalition party front union nations
    institute commission court company service services factions alliance movement
    administration embassy
    """
)
"""Words that make an attributed source an Organization in ClaimReview (see `claimant`)."""


def claimant(source: str | None) -> dict[str, Any] | None:
    """The schema.org author of a claim from its attribution ("according to X", "X said").

    A simple rule: the name is the source up to its first comma ("Rami Abdurrahman, head
    of the Observatory" → "Rami Abdurrahman", the rest its `description`); it is an
    Organization when a word of the name is organisation-like (`ORGANISATION_WORDS`:
    agency, observatory, ministry, media, forces, officials…) or an acronym ("HTS"), else
    a Person. None when there is no usable name: no source, a pronoun ("They", "their
    report"), a back-reference ("the officials", "The war monitor": a determiner and
    lower-case words only) or a document ("the report", "official estimates").
    """
    if not source:
        return None
    name, _, rest = source.partition(",")
    name = " ".join(name.split())
    words = re.findall(r"[^\W_](?:[\w'’.-]*\w)?", name)
    if not words:
        return None
    folded = [re.sub(r"['’]s$", "", w.casefold()) for w in words]
    if folded[0] in _PRONOUN_WORDS or folded[-1] in _NOT_CLAIMANTS:
        return None
    if folded[0] in _DETERMINERS and all(w == w.lower() for w in words[1:]):
        return None
    organisation = any(w in ORGANISATION_WORDS for w in folded) or any(
        re.fullmatch(r"(?:[A-Z]\.?){2,}", w) for w in words
    )
    author: dict[str, Any] = {"@type": "Organization" if organisation else "Person", "name": name}
    description = " ".join(rest.split())
    if description:
        author["description"] = description
    return author


def group_claimant(group: Sequence[ReviewItem], comparison: Comparison) -> dict[str, Any] | None:
    """The claimant of a group (`claimant`): the attribution of the first of its claims'
    sentences that has a usable one, the reviewed claim's first."""
    where = claim_sentences([claim for claim, _ in group], comparison)
    for claim, _ in group:
        if claim.id in where:
            author = claimant(comparison.attribution(*where[claim.id]))
            if author is not None:
                return author
    return None


def _organization(name: str, url: str = "") -> dict[str, Any]:
    organization: dict[str, Any] = {"@type": "Organization", "name": name}
    if url:
        organization["url"] = url
    return organization


def _appearance(article: Article) -> dict[str, Any]:
    work: dict[str, Any] = {"@type": "CreativeWork"}
    if article.url:
        work["url"] = article.url
    work["headline"] = article.title
    if article.outlet:
        work["publisher"] = _organization(article.outlet)
    if article.byline:
        work["author"] = {"@type": "Person", "name": article.byline}
    if article.published:
        work["datePublished"] = article.published
    return work


def claim_review(
    group: Sequence[ReviewItem],
    options: PublishOptions,
    *,
    claimant: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """One schema.org ClaimReview of a group of claims (the first one is the one reviewed).

    Its verdict, note (`reviewBody`) and evidence (`citation`) are the first claim's;
    every article of the group is an `appearance` of the reviewed `Claim`, whose
    `author` is `claimant` (the attributed source, see `group_claimant`) when given,
    else the first article's outlet (an Organization), omitted when that is unknown too.
    """
    if not group:
        raise ValueError("a ClaimReview needs at least one claim")
    claim, article = group[0]
    if claim.verdict is None:
        raise ValueError(f"claim {claim.id} has no verdict to review")
    reviewed: dict[str, Any] = {"@type": "Claim"}
    if claimant is not None:
        reviewed["author"] = dict(claimant)
    elif article.outlet:
        reviewed["author"] = _organization(article.outlet)
    if article.published:
        reviewed["datePublished"] = article.published
    seen: set[str] = set()
    appearances = []
    for _, each in group:
        if each.id not in seen:
            seen.add(each.id)
            appearances.append(_appearance(each))
    reviewed["appearance"] = appearances
    if options.org_name:
        author = _organization(options.org_name, options.org_url)
    else:
        author = {"@type": "Person", "name": claim.annotator or "anonymous"}
    latest = max((each for each, _ in group), key=lambda c: parse_timestamp(c.updated_at))
    review: dict[str, Any] = {
        "@context": SCHEMA_CONTEXT,
        "@type": "ClaimReview",
        "url": options.url_prefix + claim.id
        if options.url_prefix
        else stable_urn("claimreview", claim.id),
        "claimReviewed": claim.quote,
        "reviewRating": rating(claim.verdict),
        "itemReviewed": reviewed,
        "author": author,
        "datePublished": utc_timestamp(latest.updated_at)[:10],
    }
    if claim.note:
        review["reviewBody"] = claim.note
    if claim.evidence_url:
        review["citation"] = claim.evidence_url
    return review


def write_claimreview(
    groups: Iterable[Sequence[ReviewItem]],
    options: PublishOptions,
    stream: IO[str],
    comparison: Comparison | None = None,
) -> int:
    """A JSON array of ClaimReview objects (groups without a verdict are left out); with a
    comparison, each claim's `author` is its attributed source (`group_claimant`)."""
    reviews = [
        claim_review(
            group,
            options,
            claimant=group_claimant(group, comparison) if comparison is not None else None,
        )
        for group in groups
        if group and group[0][0].verdict
    ]
    stream.write(json_text(reviews, indent=2) + "\n")
    return len(reviews)


# --- W3C Web Annotation ----------------------------------------------------------------------

W3C_CONTEXT = "http://www.w3.org/ns/anno.jsonld"


def annotation_target_source(article: Article) -> str:
    """The article's URL, or `urn:sha256:<article id>` (the cleaned text's hash) without one."""
    return article.url or f"urn:sha256:{article.id}"


def web_annotation(claim: Claim, article: Article) -> dict[str, Any]:
    """One W3C Web Annotation (motivation `assessing`) of a claim, for embedding in a page.

    Bodies: the verdict (`purpose: assessing`), the note (`commenting`), both TextualBody
    text/plain, and the evidence URL (a SpecificResource, `linking`). The target's
    selectors are in the cleaned article text: the exact quote with its context, and the
    character offsets (Unicode code points).
    """
    body: list[dict[str, Any]] = []
    if claim.verdict is not None:
        body.append(_textual_body(claim.verdict.value, "assessing"))
    if claim.note:
        body.append(_textual_body(claim.note, "commenting"))
    if claim.evidence_url:
        body.append(
            {"type": "SpecificResource", "purpose": "linking", "source": claim.evidence_url}
        )
    quote: dict[str, Any] = {"type": "TextQuoteSelector", "exact": claim.quote}
    if claim.prefix:
        quote["prefix"] = claim.prefix
    if claim.suffix:
        quote["suffix"] = claim.suffix
    annotation: dict[str, Any] = {
        "id": stable_urn("annotation", claim.id),
        "type": "Annotation",
        "motivation": "assessing",
    }
    if claim.annotator:
        annotation["creator"] = {"type": "Person", "name": claim.annotator}
    annotation["created"] = utc_timestamp(claim.created_at)
    annotation["modified"] = utc_timestamp(claim.updated_at)
    if body:
        annotation["body"] = body
    annotation["target"] = {
        "type": "SpecificResource",
        "source": annotation_target_source(article),
        "selector": [
            quote,
            {"type": "TextPositionSelector", "start": claim.start, "end": claim.end},
        ],
    }
    return annotation


def _textual_body(value: str, purpose: str) -> dict[str, Any]:
    return {"type": "TextualBody", "purpose": purpose, "value": value, "format": "text/plain"}


def annotation_collection(items: Sequence[ReviewItem]) -> dict[str, Any]:
    """An `AnnotationCollection` holding every annotation in one embedded first page."""
    key = ",".join(claim.id for claim, _ in items)
    collection: dict[str, Any] = {
        "@context": W3C_CONTEXT,
        "id": stable_urn("collection", key),
        "type": "AnnotationCollection",
        "label": "annotator: claims assessed",
        "total": len(items),
    }
    if items:
        collection["first"] = {
            "id": stable_urn("page", key),
            "type": "AnnotationPage",
            "startIndex": 0,
            "items": [web_annotation(claim, article) for claim, article in items],
        }
    return collection


def write_w3c(items: Iterable[ReviewItem], stream: IO[str]) -> int:
    """The W3C Web Annotation JSON-LD document (`annotation_collection`); returns the count."""
    listed = list(items)
    stream.write(json_text(annotation_collection(listed), indent=2) + "\n")
    return len(listed)
