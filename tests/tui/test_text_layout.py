"""The pure layout helpers of the article column (`widgets/text_layout.py`)."""

from __future__ import annotations

from collections import Counter

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.model import Entity, Sentence
from annotator.tui.widgets.text_layout import shown_entities, shown_labels

LABELS = ("PERSON", "GPE", "ORG")


@st.composite
def sentences(draw: st.DrawFn) -> Sentence:
    """A sentence at some offset of its article, with entities that may be out of order,
    overlapping, empty, outside it, or beyond its text (whose length may differ from
    end - start)."""
    start = draw(st.integers(0, 50))
    length = draw(st.integers(0, 30))
    text = "x" * draw(st.integers(max(0, length - 3), length + 3))
    spans = st.tuples(st.integers(start - 5, start + length + 5), st.integers(0, 12))
    entities = tuple(
        Entity("e", draw(st.sampled_from(LABELS)), at, at + size)
        for at, size in draw(st.lists(spans, max_size=6))
    )
    return Sentence(0, start, start + length, text, entities)


@settings(max_examples=150, deadline=None)
@given(st.lists(sentences(), max_size=4))
def test_shown_labels_counts_what_the_column_shows(drawn: list[Sentence]) -> None:
    expected = Counter(label for s in drawn for _, _, label in shown_entities(s))
    assert shown_labels(drawn) == expected


def test_shown_labels_counts_ordinary_entities_directly() -> None:
    text = "Putin met Erdogan in Ankara."
    entities = (Entity("Putin", "PERSON", 10, 15), Entity("Ankara", "GPE", 31, 37))
    sentence = Sentence(0, 10, 10 + len(text), text, entities)
    assert shown_labels([sentence, Sentence(1, 40, 41, "x")]) == {"PERSON": 1, "GPE": 1}
