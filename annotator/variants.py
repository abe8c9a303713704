"""Entity variants: one entity written differently across articles, merged (SPEC §4.5).

Named entities (not dates or numbers) are grouped by their text without case, a leading
"the", a possessive or diacritics, then merged when they are

- one name spelt differently: equal once hyphens, spaces and the Arabic article "al-"/"el-"
  are dropped ("Bashar Assad" / "Bashar al-Assad"), or within a small edit distance
  (rapidfuzz ratio ≥ 85 and at most two edits, same first letter, neither a prefix of the
  other, so that "Syria"/"Syrian" stay apart; names of as many words must differ in one
  word only): "Saraqab"/"Saragab"/"Saraqeb", "Rami Abdul Rahman"/"Rami Abdurrahman";
- an acronym and its expansion: "HTS" = "Hayat Tahrir al-Sham", "U.S." = "United States"
  (initials without "of", "for", "the", "and" and "al-"), when only one expansion fits;
  `acronym_mentions` finds the acronyms the NER missed ("… al-Sham (HTS)");
- a surname and the one full name of a person it ends ("Assad" → "Bashar al-Assad"), or
  the leading words of one longer organisation name ("Syrian Observatory").

The merged entity is named after its most mentioned full form and labelled by the majority
of its mentions' labels (the small model calls Aleppo GPE, NORP or PERSON); a tie goes to
the label of that name, else to the first in `_LABEL_PRIORITY`.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from annotator.model import Article, Sentence
from annotator.nlp import NAMED_ENTITY_LABELS

__all__ = [
    "NAMED_LABELS",
    "Mention",
    "MergeResult",
    "MergedEntity",
    "acronym_mentions",
    "display_name",
    "fold_name",
    "merge_entities",
    "merge_mentions",
    "name_words",
]


NAMED_LABELS = frozenset(NAMED_ENTITY_LABELS)
"""Entity labels that name something (dates and numbers are quantities instead)."""

_PARTICLES = frozenset({"al", "el"})
_ACRONYM_SKIP = frozenset({"of", "for", "the", "and", "a", "an", "in", "on", "to"})


@dataclass(frozen=True, slots=True)
class Mention:
    """One mention of an entity: article, 0-based sentence index, offsets in the article."""

    article_id: str
    index: int
    start: int
    end: int
    text: str
    label: str


@dataclass(frozen=True, slots=True)
class MergedEntity:
    """One entity across articles: its name, majority label, spellings and mentions.

    `variants` lists every way it is written, most frequent first (the name first);
    `counts` maps every article id of the corpus to its number of mentions there (0 too),
    in corpus order: one row of the coverage matrix.
    """

    key: str
    name: str
    label: str
    variants: tuple[str, ...]
    counts: Mapping[str, int]
    mentions: tuple[Mention, ...] = field(repr=False)

    @property
    def total(self) -> int:
        return len(self.mentions)


def fold_name(text: str) -> str:
    """Case-folded, without diacritics, quotes unified, leading "the" and possessive dropped."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.replace("’", "'").replace("‘", "'").casefold()
    text = re.sub(r"^the\s+", "", " ".join(text.split()))
    return re.sub(r"'s$", "", text)


def display_name(text: str) -> str:
    """The entity as written, without a leading "the"/"The"."""
    return re.sub(r"^[Tt]he\s+", "", " ".join(text.split()))


def name_words(folded: str) -> list[str]:
    """Words of a folded name, with "al-"/"el-" prefixes split off and dropped."""
    words: list[str] = []
    for word in re.split(r"[\s/]+", re.sub(r"'s\b", "", folded)):  # "syria's" → "syria"
        parts = [p for p in re.split(r"[-']", word) if p]
        words.extend(p for p in parts if p not in _PARTICLES or len(parts) == 1)
    return [re.sub(r"\W", "", w) for w in words if re.sub(r"\W", "", w)]


def _letters(folded: str) -> str:
    """Only the letters and digits of a folded name ("al-assad" → "alassad")."""
    return re.sub(r"[\W_]", "", folded)


def _acronym(text: str) -> str | None:
    """ "HTS" or "U.S." → "HTS"/"US"; None if `text` is not written as an acronym."""
    compact = text.replace(".", "")
    if 2 <= len(compact) <= 6 and compact.isalpha() and compact.isupper():
        return compact
    return None


def _initials(folded: str) -> str:
    words = [w for w in name_words(folded) if w not in _ACRONYM_SKIP]
    return "".join(w[0] for w in words).upper() if len(words) >= 2 else ""


class _UnionFind:
    def __init__(self, size: int) -> None:
        self.parent = list(range(size))

    def find(self, item: int) -> int:
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def union(self, a: int, b: int) -> None:
        root_a, root_b = self.find(a), self.find(b)
        if root_a != root_b:
            self.parent[max(root_a, root_b)] = min(root_a, root_b)


@dataclass
class _Node:
    """Mentions that share one folded name."""

    folded: str
    order: int
    mentions: list[Mention] = field(default_factory=list)

    @property
    def surface(self) -> str:
        """The most common way this name is written (first seen on ties)."""
        counts = Counter(display_name(m.text) for m in self.mentions)
        return max(counts, key=lambda s: (counts[s], -self._first(s)))

    def _first(self, surface: str) -> int:
        return next(i for i, m in enumerate(self.mentions) if display_name(m.text) == surface)

    @property
    def labels(self) -> Counter[str]:
        return Counter(m.label for m in self.mentions)

    @property
    def key(self) -> str:
        """Letters without particles: equal keys are one name spelt with/without "al-"."""
        return "".join(name_words(self.folded))


@dataclass(frozen=True, slots=True)
class MergeResult:
    entities: list[MergedEntity]
    key_of: dict[tuple[str, int], str]  # (article id, mention start) → merged entity key
    spellings: list[tuple[MergedEntity, list[list[Mention]]]]  # spelling groups per entity


def merge_entities(mentions: Iterable[Mention], article_ids: Sequence[str]) -> list[MergedEntity]:
    """Named-entity mentions merged into entities with their variants (see the module doc)."""
    return merge_mentions(list(mentions), article_ids).entities


def merge_mentions(mentions: list[Mention], article_ids: Sequence[str]) -> MergeResult:
    nodes: dict[str, _Node] = {}
    for mention in mentions:
        if mention.label not in NAMED_LABELS:
            continue
        folded = fold_name(mention.text)
        if not _letters(folded):
            continue
        node = nodes.get(folded)
        if node is None:
            node = nodes[folded] = _Node(folded, len(nodes))
        node.mentions.append(mention)
    ordered = list(nodes.values())
    everything = _UnionFind(len(ordered))
    spelling = _UnionFind(len(ordered))
    by_key: dict[str, int] = {}
    for i, node in enumerate(ordered):
        if not node.key:
            continue
        if node.key in by_key:
            everything.union(by_key[node.key], i)
            spelling.union(by_key[node.key], i)
        else:
            by_key[node.key] = i
    _merge_spellings(ordered, everything, spelling)
    _merge_acronyms(ordered, everything)
    _merge_short_forms(ordered, everything)
    clusters: dict[int, list[int]] = defaultdict(list)
    for i in range(len(ordered)):
        clusters[everything.find(i)].append(i)
    entities: list[MergedEntity] = []
    key_of: dict[tuple[str, int], str] = {}
    spellings: list[tuple[MergedEntity, list[list[Mention]]]] = []
    for number, members in enumerate(sorted(clusters.values(), key=lambda m: m[0])):
        entity = _entity(f"e{number}", [ordered[i] for i in members], article_ids)
        entities.append(entity)
        for mention in entity.mentions:
            key_of[(mention.article_id, mention.start)] = entity.key
        groups: dict[int, list[Mention]] = defaultdict(list)
        for i in members:
            groups[spelling.find(i)].extend(ordered[i].mentions)
        for group in groups.values():
            by_letters: dict[str, list[Mention]] = {}
            for mention in group:
                if _acronym(mention.text) is None:
                    by_letters.setdefault(_letters(fold_name(mention.text)), []).append(mention)
            if len(by_letters) > 1:
                spellings.append((entity, list(by_letters.values())))
    entities.sort(key=lambda e: (-e.total, e.name.casefold()))
    return MergeResult(entities, key_of, spellings)


def _merge_spellings(nodes: list[_Node], everything: _UnionFind, spelling: _UnionFind) -> None:
    by_initial: dict[str, list[int]] = defaultdict(list)
    for i, node in enumerate(nodes):
        if len(node.key) >= 5 and _acronym(node.surface) is None:
            by_initial[node.key[0]].append(i)
    for members in by_initial.values():
        for position, i in enumerate(members):
            for j in members[position + 1 :]:
                if _same_name(nodes[i].folded, nodes[j].folded):
                    everything.union(i, j)
                    spelling.union(i, j)


def _same_name(a: str, b: str) -> bool:
    """Whether two folded names look like one name spelt two ways.

    Names of as many words must differ word by word in spelling only ("Syrian Observatory
    for Human Right(s)", not "Syria's / Syrian Armed Forces"); otherwise the letters of the
    whole names are compared ("Abdul Rahman" / "Abdurrahman").
    """
    words_a, words_b = name_words(a), name_words(b)
    if len(words_a) == len(words_b) and len(words_a) > 1:
        differing = [(x, y) for x, y in zip(words_a, words_b, strict=True) if x != y]
        return len(differing) == 1 and (
            _same_word(*differing[0]) or differing[0][0] + "s" in differing[0]
        )
    return _same_word("".join(words_a), "".join(words_b))


def _same_word(a: str, b: str) -> bool:
    """One word spelt two ways: same first letter, rapidfuzz ratio ≥ 85 and at most two
    edits, neither a prefix of the other (so "Syria"/"Syrian", "Iran"/"Iranian" differ)."""
    from rapidfuzz import fuzz
    from rapidfuzz.distance import Levenshtein

    if a == b or not a or not b or a[0] != b[0] or a.startswith(b) or b.startswith(a):
        return False
    if min(len(a), len(b)) < 5:
        return False
    return fuzz.ratio(a, b) >= 85 and Levenshtein.distance(a, b) <= 2


def _merge_acronyms(nodes: list[_Node], everything: _UnionFind) -> None:
    expansions: dict[str, set[int]] = defaultdict(set)
    for i, node in enumerate(nodes):
        initials = _initials(node.folded)
        if initials and _acronym(node.surface) is None:
            expansions[initials].add(i)
    for i, node in enumerate(nodes):
        acronym = _acronym(node.surface)
        if acronym is None:
            continue
        matches = {everything.find(j) for j in expansions.get(acronym, ())}
        if len(matches) == 1:
            everything.union(i, next(iter(expansions[acronym])))


_LABEL_PRIORITY = (
    "GPE",
    "PERSON",
    "ORG",
    "LOC",
    "FAC",
    "NORP",
    "EVENT",
    "LAW",
    "PRODUCT",
    "WORK_OF_ART",
    "LANGUAGE",
)
"""Ties between labels go to the earlier one here."""


def majority_label(labels: Counter[str]) -> str:
    """The most frequent label (ties: `_LABEL_PRIORITY` order)."""
    if not labels:
        return ""
    rank = {label: i for i, label in enumerate(_LABEL_PRIORITY)}
    return min(labels, key=lambda label: (-labels[label], rank.get(label, 99), label))


def _merge_short_forms(nodes: list[_Node], everything: _UnionFind) -> None:
    surnames: dict[str, set[int]] = defaultdict(set)
    prefixes: dict[tuple[str, ...], set[int]] = defaultdict(set)
    for i, node in enumerate(nodes):
        words = name_words(node.folded)
        label = majority_label(node.labels)
        if len(words) >= 2 and label == "PERSON":
            surnames[words[-1]].add(i)
        if len(words) >= 3 and label == "ORG":
            for cut in range(2, len(words)):
                prefixes[tuple(words[:cut])].add(i)
    for i, node in enumerate(nodes):
        words = name_words(node.folded)
        if len(words) == 1 and _acronym(node.surface) is None:
            candidates = surnames.get(words[0], set())
        elif len(words) >= 2:
            candidates = prefixes.get(tuple(words), set())
        else:
            continue
        roots = {everything.find(j) for j in candidates}
        if len(roots) == 1:
            everything.union(i, next(iter(candidates)))


def _entity(key: str, members: list[_Node], article_ids: Sequence[str]) -> MergedEntity:
    order = {article_id: position for position, article_id in enumerate(article_ids)}
    mentions = sorted(
        (m for node in members for m in node.mentions),
        key=lambda m: (order[m.article_id], m.start),
    )
    rank = {id(m): position for position, m in enumerate(mentions)}
    labels: Counter[str] = Counter(m.label for m in mentions)
    full = [n for n in members if _acronym(n.surface) is None and len(name_words(n.folded)) >= 2]
    candidates = full or [n for n in members if _acronym(n.surface) is None] or members
    first_seen = {id(n): min(rank[id(m)] for m in n.mentions) for n in members}
    best = max(candidates, key=lambda n: (len(n.mentions), -first_seen[id(n)]))
    name = best.surface
    written: Counter[str] = Counter(display_name(m.text) for m in mentions)
    variants: dict[str, str] = {}  # casefold → the most frequent casing
    for surface, _count in sorted(written.items(), key=lambda item: -item[1]):
        variants.setdefault(surface.casefold(), surface)
    ordered = [name] + [v for k, v in variants.items() if k != name.casefold()]
    counts = Counter(m.article_id for m in mentions)
    top = max(labels.values())
    tied = [label for label, count in labels.items() if count == top]
    own = majority_label(best.labels)
    return MergedEntity(
        key=key,
        name=name,
        label=own if len(tied) > 1 and own in tied else majority_label(labels),
        variants=tuple(ordered),
        counts={article_id: counts.get(article_id, 0) for article_id in article_ids},
        mentions=tuple(mentions),
    )


def acronym_mentions(
    corpus: Sequence[tuple[Article, Sequence[Sentence]]], mentions: Sequence[Mention]
) -> list[Mention]:
    """Mentions of acronyms the NER missed ("HTS" after "Hayat Tahrir al-Sham (HTS)").

    Every acronym that is the initials of exactly one multi-word named entity (by its
    majority label) is looked for, written in capitals as a whole word, outside the
    entities already found; each hit becomes a mention with that entity's label.
    """
    labels: dict[str, Counter[str]] = defaultdict(Counter)
    for mention in mentions:
        if mention.label in NAMED_LABELS and _acronym(mention.text) is None:
            initials = _initials(fold_name(mention.text))
            if len(initials) >= 2:
                labels[initials][mention.label] += 1
    if not labels:
        return []
    pattern = re.compile(
        r"(?<![\w.])("
        + "|".join(re.escape(a) for a in sorted(labels, key=len, reverse=True))
        + r")(?![\w])"
    )
    taken: dict[tuple[str, int], list[tuple[int, int]]] = defaultdict(list)
    for mention in mentions:
        taken[(mention.article_id, mention.index)].append((mention.start, mention.end))
    found = []
    for article, sentences in corpus:
        for sentence in sentences:
            spans = taken[(article.id, sentence.index)]
            for match in pattern.finditer(sentence.text):
                start, end = sentence.start + match.start(), sentence.start + match.end()
                if any(s < end and start < e for s, e in spans):
                    continue
                label = majority_label(labels[match.group()])
                found.append(Mention(article.id, sentence.index, start, end, match.group(), label))
    return found
