"""Pure helpers for laying out an article's sentences: safe text, word wrap in cells, paragraphs."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from itertools import pairwise

from rich.cells import cell_len, get_character_cell_size

from annotator.model import Entity, Sentence
from annotator.tui.literal import literal

_WORD = re.compile(r"(\S+)(\s*)")

# Characters at most one cell wide: Latin, Greek, Cyrillic and general punctuation (’ — …).
# A text made only of these is measured with len(), which is much faster than cell_len();
# the few zero-width ones among them are counted as one, which only wraps a little early.
_NARROW = frozenset(
    chr(code)
    for start, end in (
        (0x20, 0x7E),
        (0xA0, 0x2FF),
        (0x370, 0x482),
        (0x2000, 0x206F),
        (0x20A0, 0x20C0),
    )
    for code in range(start, end + 1)
)


@dataclass(frozen=True, slots=True)
class SafeSentence:
    """A sentence's text made safe for the terminal, with its entities as (start, end, label).

    Offsets are in `text` (not the article): control characters shown as stand-ins can
    be longer than what they replace, so entity offsets are mapped through.
    """

    text: str
    entities: tuple[tuple[int, int, str], ...]
    starts: tuple[int, ...] | None = None  # where each raw character begins; None: the same

    def where(self, offset: int) -> int:
        """The offset in `text` of offset `offset` of the raw sentence text."""
        starts = self.starts
        if starts is None:
            return max(0, min(offset, len(self.text)))
        return starts[max(0, min(offset, len(starts) - 1))]


def safe_sentence(sentence: Sentence) -> SafeSentence:
    """`sentence` with control characters replaced, newlines and tabs as spaces, entities mapped."""
    raw = sentence.text
    text = literal(raw, single_line=True)
    starts: tuple[int, ...] | None = None
    if len(text) != len(raw):
        # starts[i] = where raw character i begins in `text`
        offsets = [0]
        for char in raw:
            offsets.append(offsets[-1] + len(literal(char, single_line=True)))
        starts = tuple(offsets)
    safe = SafeSentence(text, (), starts)
    spans = tuple(
        (safe.where(start), safe.where(end), label)
        for start, end, label in shown_entities(sentence)
    )
    return SafeSentence(text, spans, starts)


def shown_entities(sentence: Sentence) -> list[tuple[int, int, str]]:
    """The entities a column shows, as (start, end, label) in the sentence's own text: those
    that start inside it, cut at its end, in order, without overlaps or empty spans.

    (`safe_sentence` maps these offsets; every character becomes at least one, so none is
    dropped by the mapping, and counting labels needs no safe text.)
    """
    length = len(sentence.text)
    spans: list[tuple[int, int, str]] = []
    last_end = 0
    for entity in _entities_in(sentence):
        start = max(0, min(entity.start - sentence.start, length))
        end = max(0, min(entity.end - sentence.start, length))
        if start >= last_end and end > start:  # skip overlaps and empty spans
            spans.append((start, end, entity.label))
            last_end = end
    return spans


def shown_labels(sentences: Iterable[Sentence]) -> Counter[str]:
    """How many entities of each label `shown_entities` gives for `sentences` in all."""
    counts: Counter[str] = Counter()
    for sentence in sentences:
        entities = sentence.entities
        if not entities:
            continue
        if _in_order(sentence):  # (as the model gives them: then all are shown)
            counts.update([entity.label for entity in entities])
        else:
            counts.update([label for _, _, label in shown_entities(sentence)])
    return counts


def _in_order(sentence: Sentence) -> bool:
    """Whether the entities start inside the sentence, in order, none empty or overlapping."""
    last = sentence.start
    end = sentence.start + min(len(sentence.text), sentence.end - sentence.start)
    for entity in sentence.entities:
        if entity.start < last or entity.end <= entity.start or entity.start >= end:
            return False
        last = entity.end
    return True


def _entities_in(sentence: Sentence) -> list[Entity]:
    length = sentence.end - sentence.start
    return sorted(
        (e for e in sentence.entities if 0 <= e.start - sentence.start < length),
        key=lambda e: (e.start, -e.end),
    )


def _cut(text: str, start: int, end: int, width: int) -> int:
    """The offset in text[start:end] where `width` cells are used (at least one character)."""
    used = 0
    for index in range(start, end):
        size = get_character_cell_size(text[index])
        if used + size > width and index > start:
            return index
        used += size
    return end


def cell_measure(text: str) -> Callable[[str], int]:
    """A function giving the width in cells of any slice of `text`: `len` when every
    character of `text` is at most one cell wide (much faster), else rich's `cell_len`."""
    return len if _NARROW.issuperset(text) else cell_len


def wrap_spans(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of `text` into lines of at most `width` cells, as (start, end) offsets.

    Whitespace at a line break is dropped; a word longer than a line is split. Never empty:
    an empty text gives one empty line.
    """
    width = max(1, width)
    measure = cell_measure(text)
    spans: list[tuple[int, int]] = []
    start = -1  # start of the current line, -1 while it holds no word
    end = 0  # end of its last word
    used = 0  # cells from `start` to `end`
    gap = 0  # cells of whitespace after `end`
    for match in _WORD.finditer(text):
        word_start, word_end = match.span(1)
        size = measure(match.group(1))
        if start >= 0 and used + gap + size <= width:
            used += gap + size
            end = word_end
        else:
            if start >= 0:
                spans.append((start, end))
            begin = word_start
            while size > width:
                cut = _cut(text, begin, word_end, width)
                if cut >= word_end:  # one character wider than the line: let it overflow
                    break
                spans.append((begin, cut))
                size -= cell_len(text[begin:cut])
                begin = cut
            start, end, used = begin, word_end, size
        gap = measure(match.group(2))
    if start >= 0:
        spans.append((start, end))
    return spans or [(0, 0)]


def paragraph_starts(text: str, sentences: Sequence[Sentence]) -> frozenset[int]:
    """Indexes of sentences that begin a new paragraph or line of the article.

    Ingest keeps paragraph and line breaks as newlines; a headline, caption or paragraph is
    set off by a blank line on screen.
    """
    starts: set[int] = set()
    for previous, sentence in pairwise(sentences):
        if "\n" in text[previous.end : sentence.start]:
            starts.add(sentence.index)
    return frozenset(starts)
