"""Comparing outlets: entity variants, sentence alignment, discrepancies, coverage (SPEC §4.5).

`compare_articles(corpus)` computes everything once for a corpus and returns a `Comparison`
whose methods only look things up (a dictionary or an array slice), so that a front end can
call them on every keypress. The service caches one per corpus (`Service.comparison`), in
memory and in the database: `Comparison.to_json` writes everything it computed and
`Comparison.from_json` rebuilds it without numpy or scikit-learn (a second
`annotator discrepancies` on the same database answers in well under a second).

**Entity variants** and the coverage matrix (`Comparison.entities`, `.coverage`): named
entities merged across articles by `annotator.variants` (spellings, acronyms, short forms).

**Alignment** (`Comparison.matches`, `.aligned`). Every sentence gets four sparse
vectors: TF-IDF (scikit-learn) of its stemmed content words (snowball stemmer; stop words
dropped), TF-IDF of the merged entities it mentions (so "Saragab" and "Saraqab" are one
entity), TF-IDF of its normalised figures ("four people" = "4 people", and the counted
noun on its own), and the claims its figures make: the kind of figure, the thing counted
and its order of magnitude ("killed some 200 people" and "277 people have been killed"
both make the claim toll:people:2). With the cosines T (words), E (entities), Q (figures)
of two sentences and C = 1 when they share a claim,

    score = T + (1 - T) · (0.1·E + 0.1·Q + 0.4·C)

so entities, figures and above all a shared claim lift a pair whose wording differs,
while a pair that shares no words cannot score more than 0.6. Scores come from sparse
matrix products (one article's rows against all rows), so only pairs of sentences that
share a term are ever scored; the best sentence per other article is kept (pruned below
`MIN_SCORE`). A pair is the "same fact" when it scores at least `THRESHOLD` and is
mutual: the matched sentence's own best match back scores at most twice as much (this
keeps a sentence from being matched to a weak neighbour of the fact another sentence
reports). `THRESHOLD` is tuned on the hand-written gold facts of the seed story
(tests/data/seed_facts.json): precision 0.94 and recall 0.90 with spaCy's
en_core_web_sm; both stay at or above 0.86 for any threshold from 0.25 to 0.38.

**Discrepancies** (`Comparison.discrepancies`), each with both readings and both sources:
- quantity: the same-fact pairs whose figures for the same counted noun cannot both be
  right (see `annotator.quantities.plausible_range` for what "more than 180" allows), or
  whose dates of the same kind differ;
- entity: a same-fact pair that names a different person (each names exactly one person
  the other does not, and the two names share no word);
- spelling: one merged entity written in two spellings (not an acronym or a short form).

Without NER (the fallback splitter), alignment uses words and quantities only and there
are no entity variants or spelling discrepancies.
"""

from __future__ import annotations

import array
import base64
import binascii
import json
import re
import sys
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from annotator.attribution import attribute
from annotator.model import Alignment, Article, Discrepancy, Sentence
from annotator.quantities import Quantity, agree, comparable, parse_quantities, plausible_range
from annotator.variants import (
    NAMED_LABELS,
    Mention,
    MergedEntity,
    MergeResult,
    acronym_mentions,
    display_name,
    fold_name,
    merge_entities,
    merge_mentions,
    name_words,
)

__all__ = [
    "CACHE_FORMAT",
    "MIN_SCORE",
    "NAMED_LABELS",
    "THRESHOLD",
    "VERSION",
    "Comparison",
    "Match",
    "Mention",
    "MergedEntity",
    "compare_articles",
    "merge_entities",
]

VERSION = "1"
"""Changes whenever the results for the same corpus would change (part of the cache key)."""

CACHE_FORMAT = 1
"""The shape of `Comparison.to_json`; a cached comparison of another format is recomputed."""

THRESHOLD = 0.28
"""A pair of sentences with at least this score reports the same fact (tuned on the seeds)."""

MIN_SCORE = 0.1
"""Best matches scoring below this are not kept at all (prunes the index of large corpora)."""

ENTITY_WEIGHT = 0.1
QUANTITY_WEIGHT = 0.1
CLAIM_WEIGHT = 0.4
"""Weights of the shared-entity, shared-figure and shared-claim terms of the score."""

MUTUAL_RATIO = 0.5
"""A match is mutual when the matched sentence's best match back scores at most twice as much."""

_ROLE_LABELS = frozenset({"PERSON"})
"""Labels whose one-for-one substitution in a same-fact pair is an entity discrepancy.

Only people: two reports of one fact that name different places ("toward Aleppo" /
"through Syria's countryside") or organisations (the small model cuts "Syria's Armed
Forces" three ways) are nearly always one report at two levels of detail, not a conflict;
a different person (who said it, who was killed) is a conflict worth a look."""

_TOLL = re.compile(r"\b(?:kill\w*|dead|died|death\w*|casualt\w*|toll|lives|wounded)\b", re.I)


# ------------------------------------------------------------------------- results


@dataclass(frozen=True, slots=True)
class Match:
    """The best sentence of another article for a sentence: 0-based `index`, `score` in [0, 1]."""

    article_id: str
    index: int
    score: float

    @property
    def number(self) -> int:
        """The 1-based sentence number users see."""
        return self.index + 1


@dataclass(frozen=True, slots=True)
class Feature:
    """One reason a sentence is worth checking, with the weight it adds to the score."""

    name: str
    weight: float
    detail: str = ""


@dataclass(frozen=True, slots=True)
class TriageItem:
    """A sentence's check-worthiness: `score` in [0, 1] and the features that made it."""

    article_id: str
    index: int
    score: float
    features: tuple[Feature, ...]

    @property
    def number(self) -> int:
        return self.index + 1


# --------------------------------------------------------------------- features

_WORD = re.compile(r"\w+(?:['’]\w+)*")


def _stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


class _Stemmer:
    def __init__(self) -> None:
        import snowballstemmer

        self._stemmer = snowballstemmer.stemmer("english")
        self._cache: dict[str, str] = {}

    def __call__(self, word: str) -> str:
        stem = self._cache.get(word)
        if stem is None:
            stem = self._cache[word] = str(self._stemmer.stemWord(word))
        return stem


def _word_features(sentence: Sentence, stop: frozenset[str], stem: _Stemmer) -> list[str]:
    """Stemmed content words (stop words and bare numbers dropped; years kept)."""
    words = (w.casefold().replace("’", "'") for w in _WORD.findall(sentence.text))
    content = [stem(w) for w in words if w not in stop and len(w) > 1 and not w.isdigit()]
    return content + [w for w in _WORD.findall(sentence.text) if w.isdigit() and len(w) == 4]


def _quantity_features(quantities: Sequence[Quantity]) -> list[str]:
    from annotator.quantities import noun_key

    features = []
    for quantity in quantities:
        if quantity.kind == "date":
            features.append(f"date:{quantity.date}")
            continue
        value = f"{quantity.low}-{quantity.high}"
        features.append(f"q:{value}")
        for key in sorted(noun_key(quantity.noun)):
            # the counted thing on its own too: "some 200 people" and "277 people" count the
            # same thing, which is what makes their disagreement a discrepancy
            features += [f"q:{key}:{value}", f"n:{key}"]
    return features


_PREDICATES: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern, re.IGNORECASE))
    for name, pattern in (
        ("toll", r"\b(?:kill\w*|dead|died|die|deaths?|casualt\w*|toll|lives|massacred)\b"),
        ("injured", r"\b(?:injur\w*|wounded|hurt)\b"),
        ("displaced", r"\b(?:displac\w*|fled|flee\w*|evacuat\w*|homeless)\b"),
        ("control", r"\b(?:captur\w*|seiz\w*|took|taken|control\w*|overr[au]n\w*|held)\b"),
        ("detained", r"\b(?:arrest\w*|detain\w*|abduct\w*|kidnapp\w*|captive)\b"),
    )
)
"""What a figure can be a figure of: the nearest of these words to it names its claim."""


def _claim_keys(text: str, quantities: Sequence[Quantity]) -> tuple[frozenset[str], ...]:
    """What each figure of a sentence claims, at its order of magnitude (one set per figure).

    "killed some 200 people" → {"toll:people:2"}: the nearest of `_PREDICATES` names what
    the figure is a figure of, the counted noun what is counted (deaths of people and of
    combatants are both a "toll"), and the decades its plausible range spans, widened by a
    quarter of a decade, its magnitude ("dozens", 24–99, spans decades 1 and 2, so it can
    meet "more than 180"; "four" stays in decade 0). Two sentences that share a key report
    the same kind of figure for the same thing, whether or not the figures agree, which is
    what makes a discrepancy findable.
    """
    import math

    from annotator.quantities import noun_key

    hits = [(m.start(), name) for name, pattern in _PREDICATES for m in pattern.finditer(text)]
    result = []
    for quantity in quantities:
        keys: set[str] = set()
        bounds = plausible_range(quantity)
        if quantity.kind == "count" and bounds is not None and hits and bounds[0] > 0:
            predicate = min(hits, key=lambda hit: abs(hit[0] - quantity.start))[1]
            low = math.floor(math.log10(bounds[0]) - 0.25)
            high = math.floor(math.log10(bounds[1]) + 0.25)
            for noun in noun_key(quantity.noun):
                if predicate == "toll" and noun in ("people", "combatants"):
                    noun = "people"
                keys.update(f"{predicate}:{noun}:{decade}" for decade in range(low, high + 1))
        result.append(frozenset(keys))
    return tuple(result)


def _tfidf(documents: list[list[str]]) -> Any:
    """Row-normalised TF-IDF of pre-tokenised documents (scikit-learn), as a CSR matrix."""
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    if not any(documents):
        return sparse.csr_matrix((len(documents), 1))
    vectorizer = TfidfVectorizer(analyzer=_identity, sublinear_tf=True, norm="l2")
    return vectorizer.fit_transform(documents).tocsr()


def _identity(document: list[str]) -> list[str]:
    return document


def _binary(documents: list[list[str]]) -> Any:
    """Which features each document has, as a 0/1 CSR matrix."""
    from scipy import sparse

    vocabulary: dict[str, int] = {}
    rows, cols = [], []
    for row, document in enumerate(documents):
        for feature in set(document):
            rows.append(row)
            cols.append(vocabulary.setdefault(feature, len(vocabulary)))
    data = [1.0] * len(rows)
    shape = (len(documents), max(1, len(vocabulary)))
    return sparse.csr_matrix((data, (rows, cols)), shape=shape)


# ------------------------------------------------------------------- comparison


@dataclass(frozen=True, slots=True)
class _SentenceInfo:
    quantities: tuple[Quantity, ...]
    attribution: str | None
    entities: tuple[str, ...]  # merged entity keys, in order, repeated per mention
    toll: bool  # the sentence reports deaths
    claims: tuple[frozenset[str], ...]  # per quantity: `_claim_keys`


class Comparison:
    """Everything compared across one corpus; every method is a lookup (safe per keypress).

    Sentences are addressed by article id and 0-based `Sentence.index`; `Match.number`
    and `Discrepancy` readers add 1 for what users see.
    """

    def __init__(
        self,
        articles: Sequence[Article],
        sentences: Mapping[str, Sequence[Sentence]],
        infos: Mapping[tuple[str, int], _SentenceInfo],
        best: Any,
        merged: MergeResult,
        threshold: float,
    ) -> None:
        self.articles: tuple[str, ...] = tuple(a.id for a in articles)
        """The ids of the compared articles, in corpus order."""
        self._articles = {a.id: a for a in articles}
        self._order = {article_id: n for n, article_id in enumerate(self.articles)}
        self.threshold = threshold
        self._sentences = sentences
        self._infos = infos
        (
            self._rows,
            self._other_rows,
            self._scores,
            self._starts,
            self._mutual,
            self._claim_pairs,
            self._offsets,
        ) = best
        self._merged = merged
        # Plain lists here (not numpy), so that a comparison rebuilt from its JSON
        # (`from_json`) needs neither numpy nor scikit-learn.
        counts = [len(sentences[a]) for a in self.articles]
        self._row_article: list[int] = [n for n, count in enumerate(counts) for _ in range(count)]
        self._pairs: list[Alignment] | None = None
        self._stored_pairs: tuple[list[str], list[Any]] | None = None  # from `from_json`
        self._stored_triage: tuple[list[str], list[Any]] | None = None  # from `from_json`
        self._mentions_by_article: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for entity in merged.entities:
            for mention in entity.mentions:
                self._mentions_by_article[mention.article_id].append(
                    (mention.start, mention.end, entity.key)
                )
        self._entity_by_key = {e.key: e for e in merged.entities}
        self._discrepancies: list[Discrepancy] | None = None
        self._triage: dict[tuple[str, int], TriageItem] | None = None
        self._ranked: list[TriageItem] = []

    # -- alignment

    def _row(self, article_id: str, index: int) -> int | None:
        offset = self._offsets.get(article_id)
        if offset is None or not 0 <= index < len(self._sentences[article_id]):
            return None
        return int(offset + index)

    def _ref(self, row: int) -> tuple[str, int]:
        number = int(self._row_article[row])
        article_id = self.articles[number]
        return article_id, row - self._offsets[article_id]

    def matches(
        self, article_id: str, index: int, min_score: float = 0.0, *, mutual: bool = False
    ) -> list[Match]:
        """The best sentence in each other article (scoring ≥ `min_score`), best first.

        Articles with no sentence scoring at least `MIN_SCORE` are left out. With `mutual`,
        only matches that are also (nearly) the best match of the matched sentence in
        this sentence's article.
        """
        row = self._row(article_id, index)
        if row is None:
            return []
        result = []
        for position in range(int(self._starts[row]), int(self._starts[row + 1])):
            score = float(self._scores[position])
            if score < min_score:
                break
            if mutual and not self._mutual[position]:
                continue
            other, other_index = self._ref(int(self._other_rows[position]))
            result.append(Match(other, other_index, round(score, 4)))
        return result

    def aligned(self, article_id: str, index: int) -> list[Match]:
        """The sentences of other articles that report the same fact, best first.

        A match is the same fact when it scores at least `threshold` and is mutual: the
        matched sentence's own best match in this article scores at most 1/0.9 as much.
        """
        return self.matches(article_id, index, self.threshold, mutual=True)

    def pairs(self) -> list[Alignment]:
        """Every same-fact pair once (a before b in corpus order), in corpus order.

        Sentence indices are 0-based; `score` is the pair's score.
        """
        if self._pairs is None and self._stored_pairs is not None:
            ids, (a, sentence_a, b, sentence_b, score) = self._stored_pairs
            self._pairs = [
                Alignment(ids[a[i]], sentence_a[i], ids[b[i]], sentence_b[i], score[i])
                for i in range(len(a))
            ]
        if self._pairs is None:
            import numpy as np

            keep = (self._scores >= self.threshold) & self._mutual
            low = np.minimum(self._rows[keep], self._other_rows[keep])
            high = np.maximum(self._rows[keep], self._other_rows[keep])
            scores = self._scores[keep]
            _, first = np.unique(low * (len(self._row_article) + 1) + high, return_index=True)
            self._pairs = [
                Alignment(
                    *self._ref(int(low[i])), *self._ref(int(high[i])), round(float(scores[i]), 4)
                )
                for i in first
            ]
        return list(self._pairs)

    def _claim_pair_list(self, aligned: Sequence[Alignment]) -> list[Alignment]:
        """Pairs that share a claim (the same kind of figure for the same thing) and are not
        among the `aligned` pairs already: their figures must agree too."""
        known = {(p.article_a, p.sentence_a, p.article_b, p.sentence_b) for p in aligned}
        result = []
        for row, col in self._claim_pairs:
            a, b = sorted((self._ref(int(row)), self._ref(int(col))), key=self._position)
            if (*a, *b) not in known:
                known.add((*a, *b))
                result.append(Alignment(*a, *b, 0.0))
        return result

    def _position(self, ref: tuple[str, int]) -> tuple[int, int]:
        return self._order[ref[0]], ref[1]

    # -- per sentence

    def quantities(self, article_id: str, index: int) -> tuple[Quantity, ...]:
        """The sentence's quantities, normalised (`annotator.quantities.Quantity`)."""
        info = self._infos.get((article_id, index))
        return info.quantities if info else ()

    def attribution(self, article_id: str, index: int) -> str | None:
        """Who the sentence says its claim comes from (pronouns resolved), or None."""
        info = self._infos.get((article_id, index))
        return info.attribution if info else None

    def entities_in(self, article_id: str, index: int) -> list[MergedEntity]:
        """The merged entities a sentence mentions, in order, each once."""
        info = self._infos.get((article_id, index))
        keys = dict.fromkeys(info.entities) if info else {}
        return [self._entity_by_key[key] for key in keys]

    def entity_at(self, article_id: str, offset: int) -> MergedEntity | None:
        """The merged entity of the mention that covers character `offset` of an article."""
        for start, end, key in self._mentions_by_article.get(article_id, ()):
            if start <= offset < end:
                return self._entity_by_key[key]
        return None

    # -- entities and coverage

    def entities(self) -> list[MergedEntity]:
        """Merged entities, most mentioned first, each with its variants and coverage counts."""
        return list(self._merged.entities)

    def entity(self, key: str) -> MergedEntity | None:
        return self._entity_by_key.get(key)

    def coverage(self) -> list[tuple[MergedEntity, tuple[int, ...]]]:
        """The coverage matrix: each entity with its mention counts per article (corpus order)."""
        return [(e, tuple(e.counts[a] for a in self.articles)) for e in self._merged.entities]

    # -- discrepancies

    def discrepancies(self) -> list[Discrepancy]:
        """Every discrepancy: quantities, then entities, then spellings (computed once)."""
        if self._discrepancies is None:
            self._discrepancies = _find_discrepancies(self)
        return list(self._discrepancies)

    def discrepancies_for(self, article_id: str, index: int) -> list[Discrepancy]:
        """The discrepancies one of whose sides is this sentence."""
        return [
            d
            for d in self.discrepancies()
            if (d.article_a, d.sentence_a) == (article_id, index)
            or (d.article_b, d.sentence_b) == (article_id, index)
        ]

    # -- triage

    def _scored(self) -> dict[tuple[str, int], TriageItem]:
        if self._triage is None and self._stored_triage is not None:
            ids, stored = self._stored_triage
            self._set_triage(
                [
                    TriageItem(ids[a], index, score, tuple(Feature(*f) for f in features))
                    for a, index, score, features in stored
                ]
            )
        if self._triage is None:
            from annotator.triage import score_sentences

            self._set_triage(score_sentences(self))
        assert self._triage is not None
        return self._triage

    def _set_triage(self, items: Sequence[TriageItem]) -> None:
        self._triage = {(t.article_id, t.index): t for t in items}
        self._ranked = sorted(items, key=lambda t: (-t.score, self._order[t.article_id], t.index))

    def triage(self, top: int | None = None) -> list[TriageItem]:
        """Sentences by check-worthiness, highest first (ties in corpus order); `top` cuts.

        Computed once (with the discrepancies, which are one of its features).
        """
        self._scored()
        return self._ranked[:top] if top is not None else list(self._ranked)

    def checkworthiness(self, article_id: str, index: int) -> TriageItem | None:
        """One sentence's check-worthiness score and the features behind it."""
        return self._scored().get((article_id, index))

    def article(self, article_id: str) -> Article:
        """A compared article."""
        return self._articles[article_id]

    def sentence(self, article_id: str, index: int) -> Sentence:
        return self._sentences[article_id][index]

    def sentences(self, article_id: str) -> Sequence[Sentence]:
        return self._sentences.get(article_id, ())

    # -- serialisation (the database's comparison cache)

    def to_json(self) -> str:
        """Everything this comparison computed, as JSON text that `from_json` rebuilds from.

        Computes the discrepancies and the triage first (if not done yet), so that the
        rebuilt comparison answers every question by lookup, without numpy or scikit-learn.
        Articles and sentences are not included (the database has them): only their ids
        and counts, to check that they are the ones compared.
        """
        number = {article_id: n for n, article_id in enumerate(self.articles)}

        def mention(m: Mention) -> list[Any]:
            return [number[m.article_id], m.index, m.start, m.end, m.text, m.label]

        infos = []
        for article_id in self.articles:
            for sentence in self._sentences[article_id]:
                info = self._infos[(article_id, sentence.index)]
                infos.append(
                    [
                        [_quantity_data(q) for q in info.quantities],
                        info.attribution,
                        list(info.entities),
                        info.toll,
                        [sorted(keys) for keys in info.claims],
                    ]
                )
        pairs = self.pairs()
        data = {
            "format": CACHE_FORMAT,
            "version": VERSION,
            "threshold": self.threshold,
            "articles": list(self.articles),
            "sentences": [len(self._sentences[a]) for a in self.articles],
            "infos": infos,
            "best": {  # large (a match per sentence and other article): packed arrays
                "others": _pack("i", self._other_rows),  # (the rows follow from `starts`)
                "scores": _pack("d", self._scores),
                "starts": _pack("i", self._starts),
                "mutual": _pack("b", self._mutual),
                "claim_pairs": _pack("i", [int(x) for pair in self._claim_pairs for x in pair]),
            },
            "entities": [
                [
                    e.key,
                    e.name,
                    e.label,
                    list(e.variants),
                    [e.counts[a] for a in self.articles],
                    [mention(m) for m in e.mentions],
                ]
                for e in self._merged.entities
            ],
            "key_of": [[number[a], start, key] for (a, start), key in self._merged.key_of.items()],
            "spellings": [
                [entity.key, [[mention(m) for m in group] for group in groups]]
                for entity, groups in self._merged.spellings
            ],
            "pairs": {  # packed too, and made into `Alignment`s only when asked for
                "a": _pack("i", [number[p.article_a] for p in pairs]),
                "sentence_a": _pack("i", [p.sentence_a for p in pairs]),
                "b": _pack("i", [number[p.article_b] for p in pairs]),
                "sentence_b": _pack("i", [p.sentence_b for p in pairs]),
                "score": _pack("d", [p.score for p in pairs]),
            },
            "discrepancies": [
                [
                    d.kind,
                    d.explanation,
                    number[d.article_a],
                    d.sentence_a,
                    d.reading_a,
                    number[d.article_b],
                    d.sentence_b,
                    d.reading_b,
                ]
                for d in self.discrepancies()
            ],
            "triage": [
                [
                    number[t.article_id],
                    t.index,
                    t.score,
                    [[f.name, f.weight, f.detail] for f in t.features],
                ]
                for t in self._scored().values()
            ],
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @classmethod
    def from_json(
        cls,
        text: str,
        articles: Sequence[Article],
        sentences: Mapping[str, Sequence[Sentence]],
    ) -> Comparison:
        """Rebuild a comparison that `to_json` wrote, over the same articles and sentences.

        Raises ValueError when `text` is not such JSON, has another `CACHE_FORMAT` or
        `VERSION`, or was computed over other articles (ids, order or sentence counts):
        the caller then computes the comparison afresh. Imports neither numpy nor
        scikit-learn.
        """
        try:
            data = json.loads(text)
            if data.get("format") != CACHE_FORMAT or data.get("version") != VERSION:
                raise ValueError("the cached comparison has another format or version")
            ids: list[str] = data["articles"]
            if ids != [a.id for a in articles] or data["sentences"] != [
                len(sentences[a]) for a in ids
            ]:
                raise ValueError("the cached comparison is of other articles")
            return cls._rebuild(data, articles, sentences)
        except (KeyError, TypeError, IndexError, AttributeError, StopIteration) as error:
            raise ValueError(f"not a cached comparison: {type(error).__name__}") from error

    @classmethod
    def _rebuild(
        cls,
        data: dict[str, Any],
        articles: Sequence[Article],
        sentences: Mapping[str, Sequence[Sentence]],
    ) -> Comparison:
        ids: list[str] = data["articles"]
        best = {name: _unpack(code, data["best"][name]) for code, name in _BEST_ARRAYS}
        total = sum(len(sentences[a]) for a in ids)
        starts = best["starts"]
        matches = len(best["others"])
        rows = [row for row in range(len(starts) - 1) for _ in range(starts[row + 1] - starts[row])]
        if (
            len(data["infos"]) != total
            or len(best["starts"]) != total + 1
            or not len(rows) == len(best["scores"]) == len(best["mutual"]) == matches
            or len(best["claim_pairs"]) % 2
        ):
            raise ValueError("the cached comparison is incomplete")

        def mention(item: list[Any]) -> Mention:
            return Mention(ids[item[0]], item[1], item[2], item[3], item[4], item[5])

        infos: dict[tuple[str, int], _SentenceInfo] = {}
        offsets: dict[str, int] = {}
        rows = iter(data["infos"])
        for article_id in ids:
            offsets[article_id] = len(infos)
            for sentence in sentences[article_id]:
                quantities, attribution, entity_keys, toll, claims = next(rows)
                infos[(article_id, sentence.index)] = _SentenceInfo(
                    tuple(Quantity(*q) for q in quantities),
                    attribution,
                    tuple(entity_keys),
                    toll,
                    tuple(frozenset(keys) for keys in claims),
                )
        entities = [
            MergedEntity(
                key=key,
                name=name,
                label=label,
                variants=tuple(variants),
                counts=dict(zip(ids, counts, strict=True)),
                mentions=tuple(mention(m) for m in mentions),
            )
            for key, name, label, variants, counts, mentions in data["entities"]
        ]
        by_key = {e.key: e for e in entities}
        merged = MergeResult(
            entities,
            {(ids[a], start): key for a, start, key in data["key_of"]},
            [
                (by_key[key], [[mention(m) for m in group] for group in groups])
                for key, groups in data["spellings"]
            ],
        )
        arrays = (
            rows,
            best["others"],
            best["scores"],
            best["starts"],
            best["mutual"],
            list(zip(best["claim_pairs"][0::2], best["claim_pairs"][1::2], strict=True)),
            offsets,
        )
        comparison = cls(articles, sentences, infos, arrays, merged, data["threshold"])
        packed = data["pairs"]
        columns = [_unpack(code, packed[name]) for code, name in _PAIR_COLUMNS]
        if len({len(column) for column in columns}) != 1:
            raise ValueError("the cached comparison is incomplete")
        comparison._stored_pairs = (ids, columns)
        comparison._discrepancies = [
            Discrepancy(kind, why, ids[a], sa, ra, ids[b], sb, rb)
            for kind, why, a, sa, ra, b, sb, rb in data["discrepancies"]
        ]
        comparison._stored_triage = (ids, data["triage"])
        return comparison


def compare_articles(
    corpus: Sequence[tuple[Article, Sequence[Sentence]]], *, threshold: float = THRESHOLD
) -> Comparison:
    """Compare every article of `corpus` (articles with their sentences) with every other.

    Slow part of the comparison (imports scikit-learn, ~1-2 s the first time): call it
    from a worker; the `Comparison` it returns answers every question by lookup.
    """
    import numpy as np

    article_ids = [article.id for article, _ in corpus]
    sentences = {article.id: list(sents) for article, sents in corpus}
    mentions = [
        Mention(article.id, s.index, e.start, e.end, e.text, e.label)
        for article, sents in corpus
        for s in sents
        for e in s.entities
    ]
    mentions += acronym_mentions(corpus, mentions)
    merged = merge_mentions(mentions, article_ids)
    by_sentence: dict[tuple[str, int], list[Mention]] = defaultdict(list)
    for mention in mentions:
        by_sentence[(mention.article_id, mention.index)].append(mention)
    stop, stem = _stop_words(), _Stemmer()
    infos: dict[tuple[str, int], _SentenceInfo] = {}
    words: list[list[str]] = []
    entities: list[list[str]] = []
    figures: list[list[str]] = []
    claims: list[list[str]] = []
    offsets: dict[str, int] = {}
    article_of: list[int] = []
    for number, (article, sents) in enumerate(corpus):
        offsets[article.id] = len(words)
        sources = attribute([s.text for s in sents])
        for sentence, source in zip(sents, sources, strict=True):
            keys = {
                m.start: (m.end, merged.key_of[(article.id, m.start)])
                for m in by_sentence.get((article.id, sentence.index), ())
                if (article.id, m.start) in merged.key_of
            }
            quantities = parse_quantities(sentence.text, reference=article.published or None)
            claim_keys = _claim_keys(sentence.text, quantities)
            entity_keys = tuple(key for _, (_, key) in sorted(keys.items()))
            infos[(article.id, sentence.index)] = _SentenceInfo(
                quantities, source, entity_keys, bool(_TOLL.search(sentence.text)), claim_keys
            )
            words.append(_word_features(sentence, stop, stem))
            entities.append(list(entity_keys))
            figures.append(_quantity_features(quantities))
            claims.append(sorted(set().union(*claim_keys)) if claim_keys else [])
            article_of.append(number)
    best = _best_matches(
        _tfidf(words),
        _tfidf(entities),
        _tfidf(figures),
        _binary(claims),
        np.array(article_of, dtype=np.int64),
        len(corpus),
    )
    articles = [article for article, _ in corpus]
    return Comparison(articles, sentences, infos, (*best, offsets), merged, threshold)


def _best_matches(
    words: Any, entities: Any, figures: Any, claims: Any, article_of: Any, articles: int
) -> Any:
    """For every sentence, the best-scoring sentence of each other article (sparse).

    Returns (rows, other_rows, scores, starts, mutual, claim_pairs): the matches of
    sentence row r are positions starts[r]:starts[r+1], best first; `mutual` flags the
    mutual ones; `claim_pairs` are the (row, row) pairs of different articles that share a
    claim, whatever their rank.
    """
    import numpy as np

    total = words.shape[0]
    all_rows: list[Any] = []
    all_others: list[Any] = []
    all_scores: list[Any] = []
    claim_pairs: list[Any] = []
    bounds = np.searchsorted(article_of, np.arange(articles + 1))
    for number in range(articles):
        low, high = int(bounds[number]), int(bounds[number + 1])
        if low == high:
            continue
        text = words[low:high] @ words.T
        shared_claim = (claims[low:high] @ claims.T).minimum(1.0)
        shared = shared_claim.tocoo()
        across = (article_of[shared.col] > number) & (shared.data > 0)
        claim_pairs.append(np.stack([shared.row[across] + low, shared.col[across]], axis=1))
        bonus = (
            ENTITY_WEIGHT * (entities[low:high] @ entities.T)
            + QUANTITY_WEIGHT * (figures[low:high] @ figures.T)
            + CLAIM_WEIGHT * shared_claim
        )
        score = (text + bonus - text.multiply(bonus)).tocoo()
        rows, cols, data = score.row + low, score.col, score.data
        keep = (article_of[cols] != number) & (data >= MIN_SCORE)
        rows, cols, data = rows[keep], cols[keep], np.minimum(data[keep], 1.0)
        group = rows * articles + article_of[cols]
        order = np.lexsort((cols, -data, group))
        group, rows, cols, data = group[order], rows[order], cols[order], data[order]
        first = np.ones(len(group), dtype=bool)
        first[1:] = group[1:] != group[:-1]
        rows, cols, data = rows[first], cols[first], data[first]
        order = np.lexsort((article_of[cols], -data, rows))
        all_rows.append(rows[order])
        all_others.append(cols[order])
        all_scores.append(data[order])
    rows = np.concatenate(all_rows) if all_rows else np.zeros(0, dtype=np.int64)
    others = np.concatenate(all_others) if all_others else np.zeros(0, dtype=np.int64)
    scores = np.concatenate(all_scores) if all_scores else np.zeros(0)
    starts = np.searchsorted(rows, np.arange(total + 1))
    # The best score the matched sentence has in the matching sentence's article: a match
    # is mutual when it is (nearly) the matched sentence's best there too.
    keys = rows * articles + article_of[others]
    order = np.argsort(keys, kind="stable")
    reverse_keys = others * articles + article_of[rows]
    found = np.searchsorted(keys[order], reverse_keys)
    found = np.minimum(found, max(len(keys) - 1, 0))
    reverse = (
        np.where(keys[order][found] == reverse_keys, scores[order][found], 0.0)
        if len(keys)
        else np.zeros(0)
    )
    mutual = scores >= MUTUAL_RATIO * reverse
    pairs = np.concatenate(claim_pairs) if claim_pairs else np.zeros((0, 2), dtype=np.int64)
    return rows, others, scores, starts, mutual, pairs


_BEST_ARRAYS = (
    ("i", "others"),
    ("d", "scores"),
    ("i", "starts"),
    ("b", "mutual"),
    ("i", "claim_pairs"),
)
_PAIR_COLUMNS = (("i", "a"), ("i", "sentence_a"), ("i", "b"), ("i", "sentence_b"), ("d", "score"))


def _pack(typecode: str, values: Iterable[Any]) -> str:
    """Numbers as base64 of a little-endian `array` (C ints "i", doubles "d", bytes "b"):
    exact (scores keep every bit), and read back without parsing each number."""
    packed = array.array(typecode, (int(v) if typecode != "d" else float(v) for v in values))
    if sys.byteorder == "big":
        packed.byteswap()
    return base64.b64encode(packed.tobytes()).decode("ascii")


def _unpack(typecode: str, text: str) -> array.array[Any]:
    """What `_pack` packed (ValueError if it is not such text)."""
    values = array.array(typecode)
    try:
        values.frombytes(base64.b64decode(text.encode("ascii"), validate=True))
    except (binascii.Error, UnicodeEncodeError) as error:
        raise ValueError(f"not packed numbers: {error}") from error
    if sys.byteorder == "big":
        values.byteswap()
    return values


def _quantity_data(quantity: Quantity) -> list[Any]:
    """A quantity's fields in declaration order (what `Quantity(*fields)` takes back)."""
    return [
        quantity.text,
        quantity.start,
        quantity.end,
        quantity.low,
        quantity.high,
        quantity.qualifier,
        quantity.noun,
        quantity.kind,
        quantity.date,
    ]


# ----------------------------------------------------------------- discrepancies


def _find_discrepancies(comparison: Comparison) -> list[Discrepancy]:
    quantity: list[Discrepancy] = []
    entity: list[Discrepancy] = []
    seen: set[tuple[str, ...]] = set()
    aligned = comparison.pairs()
    for pair in aligned + comparison._claim_pair_list(aligned):
        a = comparison._infos[(pair.article_a, pair.sentence_a)]
        b = comparison._infos[(pair.article_b, pair.sentence_b)]
        same_fact = pair.score > 0
        for qa, qb, why in _quantity_conflicts(a, b, same_fact=same_fact):
            key = (pair.article_a, qa.text, pair.article_b, qb.text)
            if key in seen:
                continue
            seen.add(key)
            quantity.append(
                Discrepancy(
                    "quantity",
                    why,
                    pair.article_a,
                    pair.sentence_a,
                    qa.text,
                    pair.article_b,
                    pair.sentence_b,
                    qb.text,
                )
            )
        for name_a, name_b, why in _entity_conflicts(comparison, a, b) if same_fact else ():
            key = (pair.article_a, name_a, pair.article_b, name_b)
            if key in seen:
                continue
            seen.add(key)
            entity.append(
                Discrepancy(
                    "entity",
                    why,
                    pair.article_a,
                    pair.sentence_a,
                    name_a,
                    pair.article_b,
                    pair.sentence_b,
                    name_b,
                )
            )
    return quantity + entity + _spelling_discrepancies(comparison)


def _describe(quantity: Quantity) -> str:
    bounds = plausible_range(quantity)
    if quantity.kind == "date" or bounds is None:
        return quantity.normalised
    low, high = (f"{round(v):,}" if v >= 10 else f"{v:g}" for v in bounds)
    return f"{quantity.normalised}, i.e. {low}" + (f"–{high}" if low != high else "")


def _quantity_conflicts(
    a: _SentenceInfo, b: _SentenceInfo, *, same_fact: bool = True
) -> list[tuple[Quantity, Quantity, str]]:
    """Pairs of comparable quantities of two sentences that cannot both be right.

    Each quantity of `a` is paired with the closest comparable one of `b` that is not paired
    yet: first same-noun pairs, then (when both sentences report deaths) people against
    combatants. Dates are compared by kind (day, weekday, year…) as sets. Of two sentences
    that are not the same fact but share a claim, only the figures of that claim count.
    """
    if not a.quantities or not b.quantities:
        return []
    conflicts = []
    shared = set().union(*a.claims) & set().union(*b.claims) if a.claims and b.claims else set()
    figures_a = [
        q
        for q, keys in zip(a.quantities, a.claims, strict=True)
        if q.kind != "date" and (same_fact or keys & shared)
    ]
    figures_b = [
        q
        for q, keys in zip(b.quantities, b.claims, strict=True)
        if q.kind != "date" and (same_fact or keys & shared)
    ]
    used: set[int] = set()
    paired: set[int] = set()
    for tolls in (False, True):
        if tolls and not (a.toll and b.toll):
            break
        for i, qa in enumerate(figures_a):
            if i in paired:
                continue
            options = [
                (j, qb)
                for j, qb in enumerate(figures_b)
                if j not in used and comparable(qa, qb, tolls=tolls)
            ]
            if not options:
                continue
            j, qb = min(options, key=lambda item: _distance(qa, item[1]))
            used.add(j)
            paired.add(i)
            if not agree(qa, qb):
                conflicts.append(
                    (qa, qb, f"{_describe(qa)} vs {_describe(qb)}: the figures do not overlap")
                )
    dates_a = [q for q in a.quantities if q.kind == "date" and same_fact]
    dates_b = [q for q in b.quantities if q.kind == "date" and same_fact]
    for qa in dates_a:
        same_kind = [qb for qb in dates_b if comparable(qa, qb)]
        mine = [q for q in dates_a if comparable(qa, q)]
        disjoint = not {q.date for q in same_kind} & {q.date for q in mine}
        if same_kind and disjoint and qa is mine[0]:
            qb = same_kind[0]
            conflicts.append((qa, qb, f"{qa.date} vs {qb.date}: different dates"))
    return conflicts


def _distance(a: Quantity, b: Quantity) -> float:
    range_a, range_b = plausible_range(a), plausible_range(b)
    if range_a is None or range_b is None:
        return 0.0
    return max(0.0, range_a[0] - range_b[1], range_b[0] - range_a[1])


def _entity_conflicts(
    comparison: Comparison, a: _SentenceInfo, b: _SentenceInfo
) -> list[tuple[str, str, str]]:
    """One-for-one substitutions: each side names exactly one entity of a label (person,
    organisation, place) that the other side does not, and both name others of it in common
    or nothing else of it."""
    if not a.entities or not b.entities:
        return []
    only_a = [k for k in dict.fromkeys(a.entities) if k not in b.entities]
    only_b = [k for k in dict.fromkeys(b.entities) if k not in a.entities]
    conflicts = []
    for label in sorted(_ROLE_LABELS):
        mine = [k for k in only_a if comparison._entity_by_key[k].label == label]
        theirs = [k for k in only_b if comparison._entity_by_key[k].label == label]
        if len(mine) == 1 and len(theirs) == 1:
            name_a = comparison._entity_by_key[mine[0]].name
            name_b = comparison._entity_by_key[theirs[0]].name
            if set(name_words(fold_name(name_a))) & set(name_words(fold_name(name_b))):
                continue  # "Armed Forces" / "Syria's Armed Forces": one name cut differently
            kind = {"PERSON": "person", "ORG": "organisation"}.get(label, "place")
            conflicts.append((name_a, name_b, f"{name_a} vs {name_b}: a different {kind}"))
    return conflicts


def _spelling_discrepancies(comparison: Comparison) -> list[Discrepancy]:
    """For every name spelt two or more ways: its main spelling against each other one."""
    result = []
    for entity, groups in comparison._merged.spellings:
        ranked = sorted(groups, key=lambda g: (-len(g), comparison._position(_ref(g[0]))))
        main = ranked[0]
        for other in ranked[1:]:
            a, b = _closest_mentions(comparison, main, other)
            first, second = sorted((a, b), key=lambda m: comparison._position(_ref(m)))
            spellings = ", ".join(f"‘{display_name(g[0].text)}’" for g in ranked)
            why = (
                f"‘{display_name(first.text)}’ and ‘{display_name(second.text)}’: one name spelt "
                f"differently ({entity.name}: {spellings})"
            )
            result.append(
                Discrepancy(
                    "spelling",
                    why,
                    first.article_id,
                    first.index,
                    display_name(first.text),
                    second.article_id,
                    second.index,
                    display_name(second.text),
                )
            )
    return result


def _ref(mention: Mention) -> tuple[str, int]:
    return mention.article_id, mention.index


def _closest_mentions(
    comparison: Comparison, main: list[Mention], other: list[Mention]
) -> tuple[Mention, Mention]:
    """Two mentions to show side by side: in aligned sentences if any, else the first ones."""
    for mention in other:
        aligned = {(m.article_id, m.index) for m in comparison.aligned(*_ref(mention))}
        for candidate in main:
            if _ref(candidate) in aligned:
                return candidate, mention
    for mention in other:  # prefer another article to the same one
        for candidate in main:
            if candidate.article_id != mention.article_id:
                return candidate, mention
    return main[0], other[0]
