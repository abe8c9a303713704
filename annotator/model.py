"""The domain's value objects: frozen dataclasses shared by every layer (stdlib only)."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Verdict(StrEnum):
    """A fact-checker's assessment of a claim."""

    CONFIRMED = "confirmed"
    DISPUTED = "disputed"
    UNVERIFIED = "unverified"

    @property
    def symbol(self) -> str:
        """The gutter mark shown beside a tagged sentence."""
        return {"confirmed": "✔", "disputed": "✖", "unverified": "?"}[self.value]

    @classmethod
    def parse(cls, value: str) -> Verdict:
        """Accept a verdict name, its first letter, or its gutter mark."""
        text = value.strip().lower()
        for verdict in cls:
            if text in (verdict.value, verdict.value[0], verdict.symbol):
                return verdict
        names = ", ".join(v.value for v in cls)
        raise ValueError(f"unknown verdict {value!r}; use one of {names}")


@dataclass(frozen=True, slots=True)
class Entity:
    """A named entity; `start`/`end` are character offsets in the article text."""

    text: str
    label: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence of an article; `index` is 0-based, offsets are in the article text."""

    index: int
    start: int
    end: int
    text: str
    entities: tuple[Entity, ...] = ()

    @property
    def number(self) -> int:
        """The 1-based number users see (`annotator sentences`, CSV `sentence_index`)."""
        return self.index + 1


@dataclass(frozen=True, slots=True)
class Article:
    """A cleaned article. `id` is the SHA-256 of its normalised text."""

    id: str
    text: str
    title: str
    outlet: str = ""
    byline: str = ""
    published: str = ""
    url: str = ""
    source_path: str = ""
    dropped: tuple[str, ...] = ()
    decoded_with_replacement: bool = False

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def short_id(self) -> str:
        return self.id[:12]


@dataclass(frozen=True, slots=True)
class Claim:
    """An annotated span of an article: by default one whole sentence.

    The span is anchored twice: by character offsets and by quote + prefix +
    suffix, so that it can be found again in a lightly edited version.
    """

    id: str
    article_id: str
    start: int
    end: int
    quote: str
    prefix: str = ""
    suffix: str = ""
    verdict: Verdict | None = None
    note: str = ""
    evidence_url: str = ""
    annotator: str = ""
    created_at: str = ""
    updated_at: str = ""
    version: int = 1


@dataclass(frozen=True, slots=True)
class Annotation:
    """One entry of the append-only audit trail: a change to one field of a claim."""

    id: int
    claim_id: str
    at: str
    user: str
    action: str
    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True, slots=True)
class Alignment:
    """Sentence `a` of one article matched to sentence `b` of another, with a score in [0, 1].

    `sentence_a`/`sentence_b` are 0-based `Sentence.index`es (users see index + 1).
    """

    article_a: str
    sentence_a: int
    article_b: str
    sentence_b: int
    score: float


@dataclass(frozen=True, slots=True)
class Discrepancy:
    """Two readings of one fact that disagree (`annotator.compare`).

    `kind` is "quantity", "entity" or "spelling"; `reading_*` is the figure or name as
    written in the sentence; `sentence_*` are 0-based `Sentence.index`es.
    """

    kind: str
    explanation: str
    article_a: str
    sentence_a: int
    reading_a: str
    article_b: str
    sentence_b: int
    reading_b: str


@dataclass(frozen=True, slots=True)
class NlpResult:
    """Sentences and entities of one text, as produced by an NLP pipeline."""

    model: str
    sentences: tuple[Sentence, ...] = field(default_factory=tuple)
