"""Attribution: who a sentence says its claim comes from.

`attribution("More than 180 combatants had been killed, according to the Syrian
Observatory for Human Rights.")` → ``"the Syrian Observatory for Human Rights"``.

Rules, tried in this order (no parser needed, so the fallback splitter gets them too):

1. "according to X" / "as reported by X" / "X, a war monitor, said" → X.
2. "..., said X" at the end of the sentence (the inverted form) → X.
3. "X said …", "X has said …", "X told MailOnline: …", "X reported that …": the subject
   before a speech verb, without leading clauses ("In a video statement, …", "But on
   Friday, …", "While …, …") and without a trailing participle ("…, reporting from Idlib").
4. "…, X said." / "…, a war monitor has said." / "‘…,’ Peskov said." at the end: the
   words after the last comma or closing quote.

Verbs that are often not about speech ("added new uncertainty", "reported capturing", "the
insurgents reported …") count only when a clause, a quote or the end of the sentence
follows them, or when their subject is a pronoun or a name. A negated verb ("has not
commented") is no attribution. `attribute` resolves "it"/"he"/"she"/"they" to the source
of one of the two sentences before, when there is one.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

__all__ = ["PRONOUNS", "attribute", "attribution"]


def _wordlist(text: str) -> list[str]:
    """The words of `text` (a table written as one string)."""
    return text.split()


_SURE_VERBS = _wordlist(
    "said says say told tells stated states declared declares explained explains "
    "commented comments urged urges insisted insists alleged alleges warned warns "
    "announced announces tweeted wrote writes"
)
_LOOSE_VERBS = _wordlist(
    "added adds reported reports claimed claims claim confirmed confirms noted notes "
    "denied denies established estimated estimates acknowledged admitted argued "
    "asserted"
)
_VERBS = "|".join(_SURE_VERBS + _LOOSE_VERBS)
_AUX = r"(?:(?:has|have|had|also|earlier|previously|later|then|repeatedly|again|reportedly)\s+)*"

PRONOUNS = frozenset({"it", "he", "she", "they"})
"""Sources that `attribute` resolves from the sentences before."""

_ACCORDING = re.compile(
    r"\b(?:according\s+to|as\s+reported\s+by|(?:was|were)\s+reported\s+by|citing)\s+"
    r"(?P<src>[^,.;:!?()“”\"‘’]+?)\s*(?:[,.;:!?()“”\"‘’]|$)",
    re.IGNORECASE,
)
_INVERTED = re.compile(rf"[,’”'\"]\s*(?:{_VERBS})\s+(?P<src>[^“”\"‘’:;]+?)\s*[.!?]?\s*$")
_VERB = re.compile(rf"(?<![\w-])(?P<aux>{_AUX})(?P<verb>{_VERBS})(?![\w-])")
"""A speech verb, lower-case only: "the United States" is no verb."""
_NEGATION = re.compile(r"(?:\bnot|n[’']t|\bnever)\s+$", re.IGNORECASE)
_TAIL_AFTER_VERB = re.compile(
    r"^(?:\s+(?:on|at|in|to|during|earlier|later|late|early|this|last|on\s+\w+day)"
    r"(?:\s+[\w’'-]+){0,5})?\s*[.!?]?[’”\"']?\s*$",
    re.IGNORECASE,
)
"""What may follow a verb that ends its sentence: "said.", "said at a press briefing."."""
_CLAUSE_AFTER_VERB = re.compile(
    r"^(?:\s+[\w’'-]+){0,4}?\s*(?:\bthat\b|:|,?\s*[“‘\"'])|^\s+(?:to\s+have\b|\w+ing\b)",
    re.IGNORECASE,
)
_INTRO = frozenset(
    _wordlist(
        "in on at by for from with after before during since while when whereas although "
        "though as if but however meanwhile additionally also and so instead separately "
        "still yet then earlier later today yesterday overnight speaking asked"
    )
)
_QUOTES = "“”\"‘’'"
_FINITE = re.compile(
    r"\b(?:is|are|was|were|came|comes|has|have|had|will|would|did|does|began|led|took|made"
    r"|went|says|said)\b"
    r"|\b\w+ed\s+(?:a|an|the|these|those|this|that|their|its|his|her|our|some|several|\d+"
    r"|one|two|three|four|five|six|seven|eight|nine|ten)\b",
    re.IGNORECASE,
)
"""A finite verb: a subject that contains one is a clause, not a source."""


def attribution(text: str) -> str | None:
    """The source a sentence attributes its claim to, as written; None when it names none."""
    text = " ".join(text.split())
    found = _ACCORDING.search(text)
    if found:
        return _clean(found.group("src"))
    inverted = _INVERTED.search(text)
    if inverted and _plausible_subject(inverted.group("src"), limit=12):
        return _clean(inverted.group("src"))
    for verb in _VERB.finditer(text):
        source = _subject(text, verb)
        if source:
            return source
    return None


def attribute(texts: Sequence[str]) -> list[str | None]:
    """`attribution` of consecutive sentences, pronouns resolved from the two before."""
    sources: list[str | None] = []
    for index, text in enumerate(texts):
        source = attribution(text)
        if source is not None and source.lower() in PRONOUNS:
            for previous in reversed(sources[max(0, index - 2) : index]):
                if previous is not None and previous.lower() not in PRONOUNS:
                    source = previous
                    break
        sources.append(source)
    return sources


def _subject(text: str, verb: re.Match[str]) -> str | None:
    """The subject of a speech verb, if the verb reports speech; else None."""
    before = text[: verb.start()]
    after = text[verb.end() :]
    if _NEGATION.search(before):
        return None
    loose = verb.group("verb").lower() in _LOOSE_VERBS
    trailing = bool(_TAIL_AFTER_VERB.match(after))
    if trailing and re.search(r"[,’”\"]\s*[^,’”\"]*$", before):
        # "…, a war monitor has said." / "‘…,’ Peskov said."
        candidate = re.split(r"[,’”\"]", before)[-1]
        if _plausible_subject(candidate):
            return _clean(candidate)
    if any(mark in before for mark in _QUOTES[:3]) and not before.rstrip().endswith(tuple(_QUOTES)):
        return None  # the verb is inside a quotation
    segments = [s for s in re.split(r",\s*", before.strip()) if s]
    while segments and segments[0].split()[0].lower().strip(_QUOTES) in _INTRO:
        segments.pop(0)
    while len(segments) > 1 and segments[-1].split()[0].lower().endswith("ing"):
        segments.pop()  # "…, reporting from Idlib, said"
    candidate = ", ".join(segments)
    if not _plausible_subject(candidate):
        return None
    if loose and not (trailing or _CLAUSE_AFTER_VERB.match(after) or candidate.lower() in PRONOUNS):
        return None
    return _clean(candidate)


def _plausible_subject(candidate: str, *, limit: int = 20) -> bool:
    """A noun phrase (with an apposition) of at most `limit` words and no finite verb."""
    words = candidate.split()
    if not words or len(words) > limit:
        return False
    first = words[0].lower().strip(_QUOTES)
    if first in ("there", "this", "that", "which", "who", "what", "these", "those"):
        return False
    if _FINITE.search(candidate):
        return False
    return any(char.isalpha() for char in candidate)


def _clean(source: str) -> str:
    return source.strip().strip(_QUOTES + " ,;:").strip()
