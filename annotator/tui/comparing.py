"""What the reader shows of the comparison of the outlets, as plain data for its widgets.

The main screen names articles (column number and outlet); these functions look the rest
up in a `Comparison` (every call is a lookup, cheap per keypress) and return frozen rows
that the inspector and the Discrepancies and Entities panels draw. Nothing here draws.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from annotator.service import CHECK_WORTHY
from annotator.tui.widgets.inspector import AlignedLine, ComparisonInfo, DiscrepancyLine

if TYPE_CHECKING:
    from annotator.compare import Comparison, MergedEntity

AUTO_COMPARE_SENTENCES = 2_000
"""Up to this many sentences open (some 40 articles of 1,000 words), the outlets are compared
as soon as they are read, in a few seconds; above it, the reader takes the comparison the
database has stored for the corpus, if any, and otherwise computes it on the first use of
what needs it (D, E, a, the check-worthy filter): a large corpus (one 50,000-word article
takes ~10 s, 200 articles ~1 min) never keeps a core busy unasked."""


@dataclass(frozen=True)
class Place:
    """A sentence as the reader names it: its column and outlet, and its 0-based index."""

    article_id: str
    index: int
    column: int  # 1-based column number; 0 when the article is not open
    outlet: tuple[str, str]  # (name, note) as `outlets.outlet_parts` gives them
    text: str

    @property
    def number(self) -> int:
        """The 1-based sentence number users see."""
        return self.index + 1

    @property
    def label(self) -> str:
        """E.g. "4 Worthy News · S12" or "1 000 · outlet not stated · S3"."""
        name, note = self.outlet
        outlet = f"{name} · {note}" if note else name
        column = f"{self.column} " if self.column else ""
        return f"{column}{outlet} · S{self.number}"


Namer = Callable[[str, int], Place]
"""(article id, 0-based sentence index) → the sentence's `Place`."""


@dataclass(frozen=True)
class DiscrepancyRow:
    """One discrepancy with both readings and where each is."""

    kind: str
    explanation: str
    a: Place
    reading_a: str
    b: Place
    reading_b: str


@dataclass(frozen=True)
class EntityRow:
    """One merged entity: its spellings and its mentions per open column (coverage)."""

    key: str
    name: str
    label: str
    variants: tuple[str, ...]
    counts: tuple[int, ...]  # per column, in column order
    total: int


def discrepancy_rows(comparison: Comparison, place: Namer) -> list[DiscrepancyRow]:
    """Every discrepancy of the comparison, in its order (quantities, entities, spellings)."""
    return [
        DiscrepancyRow(
            d.kind,
            d.explanation,
            place(d.article_a, d.sentence_a),
            d.reading_a,
            place(d.article_b, d.sentence_b),
            d.reading_b,
        )
        for d in comparison.discrepancies()
    ]


def entity_rows(comparison: Comparison, columns: Sequence[str]) -> list[EntityRow]:
    """The merged entities, most mentioned first, with their counts in `columns` (ids)."""
    return [
        EntityRow(
            entity.key,
            entity.name,
            entity.label,
            tuple(entity.variants),
            tuple(entity.counts.get(article_id, 0) for article_id in columns),
            entity.total,
        )
        for entity in comparison.entities()
    ]


def mention_spans(entity: MergedEntity) -> dict[str, dict[int, list[tuple[int, int]]]]:
    """The entity's mentions: article id → sentence index → (start, end) article offsets."""
    spans: dict[str, dict[int, list[tuple[int, int]]]] = defaultdict(lambda: defaultdict(list))
    for mention in entity.mentions:
        spans[mention.article_id][mention.index].append((mention.start, mention.end))
    return {article: dict(by_sentence) for article, by_sentence in spans.items()}


def check_worthy_indexes(comparison: Comparison, article_id: str, count: int) -> set[int]:
    """The sentences of an article whose check-worthiness reaches `CHECK_WORTHY`."""
    found = set()
    for index in range(count):
        item = comparison.checkworthiness(article_id, index)
        if item is not None and item.score >= CHECK_WORTHY:
            found.add(index)
    return found


def comparison_info(
    comparison: Comparison, article_id: str, index: int, place: Namer
) -> ComparisonInfo:
    """What the inspector shows about sentence `index` of an article."""
    item = comparison.checkworthiness(article_id, index)
    aligned = tuple(
        AlignedLine(
            _outlet(place(match.article_id, match.index)),
            match.number,
            place(match.article_id, match.index).text,
            match.score,
        )
        for match in comparison.aligned(article_id, index)
    )
    lines = []
    for d in comparison.discrepancies_for(article_id, index):
        mine = (d.article_a, d.sentence_a) == (article_id, index)
        other = place(d.article_b, d.sentence_b) if mine else place(d.article_a, d.sentence_a)
        here, there = (d.reading_a, d.reading_b) if mine else (d.reading_b, d.reading_a)
        if other.article_id == article_id and other.index == index:  # a spelling within it
            where = "this sentence"
        else:
            where = other.label
        lines.append(DiscrepancyLine(d.kind, here, there, where, d.explanation))
    return ComparisonInfo(
        score=item.score if item is not None else None,
        features=tuple((f.name, f.weight, f.detail) for f in item.features) if item else (),
        check_worthy=item is not None and item.score >= CHECK_WORTHY,
        attribution=comparison.attribution(article_id, index),
        aligned=aligned,
        discrepancies=tuple(lines),
    )


def _outlet(place: Place) -> str:
    name, note = place.outlet
    outlet = f"{name} · {note}" if note else name
    return f"{place.column} {outlet}" if place.column else outlet
