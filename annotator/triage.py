"""Check-worthiness: a score per sentence from features a fact-checker can see (SPEC §4.6).

The score is the sum of the weights of the features a sentence has, clipped to [0, 1]:

| feature | weight | why |
|---|---|---|
| quantity | 0.30 | a figure (count, money, percentage, measure) is the first thing to verify |
| more quantities | 0.05 each, at most 0.10 | several figures, more to verify |
| date | 0.05 | a date can be checked too |
| named entities | 0.05 each, at most 0.15 | who and where: the claim is concrete |
| attribution | 0.15 | "according to X", "X said": a source to check the claim against |
| hedge | 0.15 | "reportedly", "allegedly", "claimed", "unclear": the outlet itself is unsure |
| superlative | 0.15 | "largest", "first", "most intense": strong claims are often wrong |
| discrepancy | 0.25 | another outlet reports this fact differently |
| short | -0.30 | fewer than five words: a heading or a caption, rarely a claim |

The weights are a documented judgement, not a trained model: every score can be explained
by the features listed with it.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from annotator.compare import Feature, TriageItem

if TYPE_CHECKING:
    from annotator.compare import Comparison

__all__ = ["WEIGHTS", "hedges", "score_sentences", "superlatives"]

WEIGHTS: dict[str, float] = {
    "quantity": 0.30,
    "more quantities": 0.05,
    "date": 0.05,
    "named entities": 0.05,
    "attribution": 0.15,
    "hedge": 0.15,
    "superlative": 0.15,
    "discrepancy": 0.25,
    "short": -0.30,
}
"""The weight of each feature (see the module docstring)."""

MAX_EXTRA_QUANTITIES = 2
MAX_ENTITIES = 3
SHORT_WORDS = 5

_HEDGE = re.compile(
    r"\b(?:reportedly|allegedly|purportedly|apparently|supposedly|claim(?:s|ed|ing)?"
    r"|unconfirmed|unverified|(?:it\s+(?:is|was)\s+)?(?:not\s+clear|unclear)|rumou?red"
    r"|believed\s+to|said\s+to\s+be|appears?\s+to|seem(?:s|ed)?\s+to"
    r"|(?:may|might|could)\s+have)\b",
    re.IGNORECASE,
)
_SUPERLATIVE = re.compile(
    r"\b(?:(?<!\bat\s)(?:most|least)\s+(?!of\b)[a-z]\w*|largest|biggest|greatest|highest|lowest|worst|best"
    r"|deadliest|bloodiest|strongest|heaviest|fiercest|longest|fastest|smallest|oldest"
    r"|first|only|record|unprecedented)\b",
    re.IGNORECASE,
)


def hedges(text: str) -> list[str]:
    """The hedging words of a sentence ("reportedly", "claimed", "unclear"), as written."""
    return [m.group() for m in _HEDGE.finditer(text)]


def superlatives(text: str) -> list[str]:
    """The superlatives of a sentence ("largest", "first", "most intense"), as written."""
    return [m.group() for m in _SUPERLATIVE.finditer(text)]


def score_sentences(comparison: Comparison) -> list[TriageItem]:
    """Every sentence of the comparison's corpus with its score and features, corpus order."""
    disputed: dict[tuple[str, int], list[str]] = {}
    for d in comparison.discrepancies():
        disputed.setdefault((d.article_a, d.sentence_a), []).append(d.kind)
        disputed.setdefault((d.article_b, d.sentence_b), []).append(d.kind)
    items = []
    for article_id in comparison.articles:
        for sentence in comparison.sentences(article_id):
            ref = (article_id, sentence.index)
            features = _features(comparison, article_id, sentence.index, sentence.text)
            kinds = disputed.get(ref)
            if kinds:
                detail = ", ".join(dict.fromkeys(kinds))
                features.append(Feature("discrepancy", WEIGHTS["discrepancy"], detail))
            score = min(1.0, max(0.0, sum(f.weight for f in features)))
            items.append(TriageItem(article_id, sentence.index, round(score, 2), tuple(features)))
    return items


def _features(comparison: Comparison, article_id: str, index: int, text: str) -> list[Feature]:
    features: list[Feature] = []
    quantities = comparison.quantities(article_id, index)
    figures = [q.text for q in quantities if q.kind != "date"]
    dates = [q.text for q in quantities if q.kind == "date"]
    if figures:
        features.append(Feature("quantity", WEIGHTS["quantity"], "; ".join(figures)))
        extra = min(len(figures) - 1, MAX_EXTRA_QUANTITIES)
        if extra:
            features.append(
                Feature(
                    "more quantities",
                    round(extra * WEIGHTS["more quantities"], 2),
                    f"{len(figures)} figures",
                )
            )
    if dates:
        features.append(Feature("date", WEIGHTS["date"], "; ".join(dates)))
    entities = comparison.entities_in(article_id, index)
    if entities:
        weight = min(len(entities), MAX_ENTITIES) * WEIGHTS["named entities"]
        names = "; ".join(e.name for e in entities)
        features.append(Feature("named entities", round(weight, 2), names))
    source = comparison.attribution(article_id, index)
    if source:
        features.append(Feature("attribution", WEIGHTS["attribution"], source))
    found = hedges(text)
    if found:
        features.append(Feature("hedge", WEIGHTS["hedge"], "; ".join(dict.fromkeys(found))))
    found = superlatives(text)
    if found:
        detail = "; ".join(dict.fromkeys(found))
        features.append(Feature("superlative", WEIGHTS["superlative"], detail))
    if len(text.split()) < SHORT_WORDS:
        features.append(Feature("short", WEIGHTS["short"], f"{len(text.split())} words"))
    return features
