"""A deterministic, instantaneous stand-in for the spaCy analyser, for fast and snapshot tests.

Sentences come from the regex splitter (`annotator.nlp.split_sentences`); entities
from a small gazetteer of the seed story plus patterns for dates, numbers and
percentages. Overlaps are resolved longest match first (then leftmost), and
matches respect word boundaries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from annotator.model import Entity, NlpResult, Sentence
from annotator.nlp import split_sentences

GAZETTEER: dict[str, str] = {
    # places
    "Aleppo": "GPE",
    "New Aleppo": "GPE",
    "Syria": "GPE",
    "Idlib": "GPE",
    "Damascus": "GPE",
    "Beirut": "GPE",
    "Jerusalem": "GPE",
    "Moscow": "GPE",
    "Tehran": "GPE",
    "Russia": "GPE",
    "Iran": "GPE",
    "Turkey": "GPE",
    "Israel": "GPE",
    "Lebanon": "GPE",
    "Gaza": "GPE",
    "Ukraine": "GPE",
    "Saraqab": "GPE",
    "Saraqeb": "GPE",
    "Saragab": "GPE",
    "Kafr Halab": "GPE",
    "United States": "GPE",
    "U.S.": "GPE",
    # organisations
    "Hezbollah": "ORG",
    "Hayat Tahrir al-Sham": "ORG",
    "HTS": "ORG",
    "Syrian Observatory for Human Rights": "ORG",
    "Syrian Observatory": "ORG",
    "Syrian National Army": "ORG",
    "Anadolu Agency": "ORG",
    "Worthy News": "ORG",
    "International Crisis Group": "ORG",
    "Revolutionary Guards Corps": "ORG",
    "Islamic State": "ORG",
    "ISIS": "ORG",
    "Al Qaeda": "ORG",
    "Kremlin": "ORG",
    # people
    "Bashar al-Assad": "PERSON",
    "Bashar Assad": "PERSON",
    "Assad": "PERSON",
    "Dmitry Peskov": "PERSON",
    "Peskov": "PERSON",
    "Rami Abdul Rahman": "PERSON",
    "Rami Abdurrahman": "PERSON",
    "Stefan J. Bos": "PERSON",
    "Hassan Abdulghany": "PERSON",
    "Abdulghany": "PERSON",
    "Dareen Khalifa": "PERSON",
    # nationalities, religious and political groups
    "Syrian": "NORP",
    "Turkish": "NORP",
    "Russian": "NORP",
    "Russians": "NORP",
    "Iranian": "NORP",
    "Iranians": "NORP",
    "Kurdish": "NORP",
    "Islamist": "NORP",
    "Christians": "NORP",
    # dates
    "Monday": "DATE",
    "Tuesday": "DATE",
    "Wednesday": "DATE",
    "Thursday": "DATE",
    "Friday": "DATE",
    "Saturday": "DATE",
    "Sunday": "DATE",
}
"""Names of the seed story and their labels (case-sensitive, whole words)."""

NUMBER_WORDS = (
    "two",
    "three",
    "four",
    "five",
    "six",
    "seven",
    "eight",
    "nine",
    "ten",
    "dozens",
    "hundreds",
    "thousands",
    "millions",
    "half a million",
)
"""Counts written in words, labelled CARDINAL (case-insensitive, whole words)."""

_SCALE = " (?:hundred|thousand|million|billion)"
_MONTHS = "January|February|March|April|May|June|July|August|September|October|November|December"


def _words(names: Sequence[str]) -> str:
    ordered = sorted(names, key=lambda name: (-len(name), name))
    return "|".join(re.escape(name) for name in ordered)


_PATTERNS: tuple[tuple[re.Pattern[str], str | None], ...] = (
    (re.compile(rf"(?<!\w)(?:{_words(list(GAZETTEER))})(?!\w)"), None),
    (re.compile(rf"(?<!\w)(?:{_MONTHS})(?: \d{{1,2}})?(?:, \d{{4}})?(?!\w)"), "DATE"),
    (re.compile(r"(?<![\w.,])(?:19|20)\d\d(?:-(?:19|20)?\d\d)?(?![\w%]|[.,]\d)"), "DATE"),
    (re.compile(r"(?<![\w.,])\d+(?:[.,]\d+)*(?: ?%| percent\b)"), "PERCENT"),
    (re.compile(rf"(?<![\w.,])\d+(?:[.,]\d+)*(?:{_SCALE})?(?!\w)"), "CARDINAL"),
    (re.compile(rf"(?i)(?<!\w)(?:{_words(NUMBER_WORDS)})(?:{_SCALE})?(?!\w)"), "CARDINAL"),
)


def fake_entities(text: str, offset: int = 0) -> tuple[Entity, ...]:
    """Gazetteer and pattern entities of `text`, offsets shifted by `offset`."""
    found: list[tuple[int, int, str]] = []
    for pattern, label in _PATTERNS:
        for match in pattern.finditer(text):
            found.append((match.start(), match.end(), label or GAZETTEER[match.group()]))
    found.sort(key=lambda item: (-(item[1] - item[0]), item[0]))
    taken: list[tuple[int, int, str]] = []
    for start, end, label in found:
        if all(end <= other_start or start >= other_end for other_start, other_end, _ in taken):
            taken.append((start, end, label))
    taken.sort()
    return tuple(
        Entity(text=text[start:end], label=label, start=offset + start, end=offset + end)
        for start, end, label in taken
    )


class FakeAnalyzer:
    """Implements `annotator.nlp.Analyzer` without spaCy; counts its `analyse` calls."""

    def __init__(self, model_key: str = "fake@1") -> None:
        self._model_key = model_key
        self.calls = 0
        self.texts_analysed = 0

    @property
    def model_key(self) -> str:
        return self._model_key

    def analyse(self, texts: Sequence[str]) -> list[NlpResult]:
        self.calls += 1
        self.texts_analysed += len(texts)
        return [NlpResult(model=self._model_key, sentences=self._sentences(t)) for t in texts]

    @staticmethod
    def _sentences(text: str) -> tuple[Sentence, ...]:
        return tuple(
            Sentence(
                index=sentence.index,
                start=sentence.start,
                end=sentence.end,
                text=sentence.text,
                entities=fake_entities(sentence.text, sentence.start),
            )
            for sentence in split_sentences(text)
        )
