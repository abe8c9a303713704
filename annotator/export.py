"""Writers (and readers) of exported annotations: CSV now; JSONL, ClaimReview, W3C to come."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from typing import IO

from annotator.model import Article, Claim, Sentence

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


def _needs_guard(line: str) -> bool:
    return line.startswith("'") or line.lstrip(_LEADING_BLANKS).startswith(FORMULA_TRIGGERS)


def guard_cell(value: str) -> str:
    """Prefix `'` to every line a spreadsheet would run as a formula, or that starts with `'`.

    Lines that already start with `'` get one more, so `unguard_cell` reverses this exactly.
    """
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


def entities_in(sentences: Iterable[Sentence], start: int, end: int) -> list[str]:
    """Entity mentions that fall inside [start, end), as `text (LABEL)`."""
    return [
        f"{e.text} ({e.label})"
        for s in sentences
        for e in s.entities
        if e.start >= start and e.end <= end
    ]


def sentence_number(sentences: Sequence[Sentence], offset: int) -> int:
    """The 1-based number of the sentence holding `offset` (0 if none does)."""
    for sentence in sentences:
        if sentence.start <= offset < sentence.end:
            return sentence.number
    return 0


def claim_row(claim: Claim, article: Article, sentences: Sequence[Sentence]) -> dict[str, str]:
    """The CSV row of one claim (every value a string)."""
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
        "aligned_claims": "",
    }


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
