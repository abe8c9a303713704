"""A synthetic, reproducible corpus of news articles made from the seeds' vocabulary.

Sentences come from a word-level Markov chain (order 2, with an occasional order-1 step
for variety) trained on the cleaned sentences of `seeds/`, so that the text has the
seeds' names, places and figures for the NER to find. Each article has a headline, a
byline, a dateline naming its outlet, and paragraphs of one to four sentences separated
by blank lines, like the seeds. The same `(count, words, seed)` always gives the same
articles, byte for byte.

Long articles can be built from the paragraphs of a shorter corpus (`pool`): the text is
as varied, and the NLP results of those paragraphs can be reused (see `bench.prepare`).
"""

from __future__ import annotations

import random
import re
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

_END = "\x00"
_TERMINAL = re.compile(r"[.!?][\"'”’)]*$")

OUTLETS = (
    "Harbour Ledger", "Northern Courier", "Valley Dispatch", "Civic Monitor", "Daily Lantern",
    "Atlas Wire", "Morning Record", "Coastal Herald", "Frontier Post", "Meridian Times",
    "Open Desk", "Plain Report", "River Gazette", "Summit Press", "Town Crier",
    "Union Bulletin", "Western Echo", "Cedar Journal", "Granite Review", "Lakeside News",
)  # fmt: skip
FIRST_NAMES = ("Amira", "Jonas", "Leila", "Marco", "Nadia", "Omar", "Petra", "Samir", "Tariq")
LAST_NAMES = ("Haddad", "Keller", "Mansour", "Novak", "Rahimi", "Sabbagh", "Weiss", "Zayed")
PLACES = ("BEIRUT", "ALEPPO", "DAMASCUS", "ISTANBUL", "AMMAN", "IDLIB", "MOSCOW", "ANKARA")


@dataclass(frozen=True, slots=True)
class BenchArticle:
    """One generated article: its file name, its text, and its headline (the first line)."""

    name: str
    text: str
    headline: str

    @property
    def words(self) -> int:
        return len(self.text.split())

    @property
    def paragraphs(self) -> list[str]:
        """The body paragraphs (without headline, byline and dateline paragraph)."""
        return [part.strip() for part in self.text.split("\n\n")[3:] if part.strip()]

    @property
    def marker(self) -> str:
        """Text that is on screen once this article's column is painted: the headline's
        first two words (short enough never to be cut by word wrap in a 40-cell column)."""
        return " ".join(self.headline.split()[:2])


class SentenceModel:
    """A word-level Markov chain over sentences (order 2, falling back to order 1)."""

    def __init__(self, sentences: Sequence[Sequence[str]]) -> None:
        self.starts: list[tuple[str, str]] = []
        self.order2: dict[tuple[str, str], list[str]] = defaultdict(list)
        self.order1: dict[str, list[str]] = defaultdict(list)
        for words in sentences:
            if len(words) < 3:
                continue
            self.starts.append((words[0], words[1]))
            padded = [*words, _END]
            for i in range(len(words) - 1):
                self.order2[(padded[i], padded[i + 1])].append(padded[i + 2])
            for i in range(len(words)):
                self.order1[padded[i]].append(padded[i + 1])

    def sentence(self, rng: random.Random, min_words: int = 6, max_words: int = 40) -> str:
        """One sentence of `min_words` to `max_words` words, ending in . ! or ?."""
        for _ in range(50):
            words = list(rng.choice(self.starts))
            while len(words) < max_words:
                options = self.order2.get((words[-2], words[-1]))
                if not options or (len(options) < 3 and rng.random() < 0.15):
                    options = self.order1.get(words[-1]) or [_END]
                word = rng.choice(options)
                if word == _END:
                    break
                words.append(word)
            if len(words) >= min_words:
                break
        if not _TERMINAL.search(words[-1]):
            words[-1] = words[-1].rstrip(",;:—–-") + "."
        return " ".join(words)


@cache
def seed_model() -> SentenceModel:
    """The chain trained on the seeds' sentences (as annotator cleans and splits them)."""
    from annotator.ingest import read_article
    from annotator.nlp import split_sentences

    sentences = [
        sentence.text.split()
        for path in sorted(SEEDS.glob("*.txt"))
        for sentence in split_sentences(read_article(path).text)
    ]
    return SentenceModel(sentences)


def _paragraph(model: SentenceModel, rng: random.Random) -> str:
    return " ".join(model.sentence(rng) for _ in range(rng.randint(1, 4)))


def generate(
    count: int,
    words: int,
    *,
    seed: int = 7,
    pool: Sequence[str] = (),
    prefix: str = "bench",
) -> list[BenchArticle]:
    """`count` articles of at least `words` words each (reproducible for the same args).

    With `pool`, body paragraphs are drawn from it (with replacement) instead of being
    generated; headline, byline and dateline paragraph are always generated.
    """
    model = seed_model()
    articles = []
    for index in range(count):
        rng = random.Random(f"{prefix}:{seed}:{words}:{index}")
        headline = model.sentence(rng, 6, 14).rstrip(".!?")
        outlet = OUTLETS[index % len(OUTLETS)]
        byline = f"By {rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}, {outlet}"
        first = f"{rng.choice(PLACES)} ({outlet}) – {_paragraph(model, rng)}"
        parts = [headline, byline, first]
        total = sum(len(part.split()) for part in parts)
        while total < words:
            paragraph = rng.choice(pool) if pool else _paragraph(model, rng)
            parts.append(paragraph)
            total += len(paragraph.split())
        text = parts[0] + "\n\n" + "\n\n".join(parts[1:]) + "\n"
        articles.append(BenchArticle(f"{prefix}_{index:04d}.txt", text, headline))
    return articles


def write(articles: Sequence[BenchArticle], folder: Path) -> Path:
    """Write the articles as .txt files into `folder` (created); returns the folder."""
    folder.mkdir(parents=True, exist_ok=True)
    for article in articles:
        (folder / article.name).write_text(article.text, encoding="utf-8")
    return folder


_WORD = re.compile(r"[^\W\d_]+")


def as_stories(articles: Sequence[BenchArticle], size: int = 5) -> list[BenchArticle]:
    """The articles as separate stories of `size` articles each: every word of story k gets
    the suffix of k ("Aleppo" → "Aleppoqb"), so that no two stories share a word (outlets
    are compared within a story only, as in a newsroom's database of many stories)."""
    made = []
    for index, article in enumerate(articles):
        story = index // size
        suffix = "q" + "".join(chr(97 + int(d)) for d in str(story))

        def mark(match: re.Match[str], suffix: str = suffix) -> str:
            return match.group() + suffix

        made.append(
            BenchArticle(
                f"story_{index:04d}.txt",
                _WORD.sub(mark, article.text),
                _WORD.sub(mark, article.headline),
            )
        )
    return made


def pool_of(articles: Sequence[BenchArticle]) -> list[str]:
    """Every body paragraph of `articles`, in order (a pool for long articles)."""
    return [paragraph for article in articles for paragraph in article.paragraphs]
