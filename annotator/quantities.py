"""Quantities in a sentence, normalised: value or range, qualifier, counted noun or unit, dates.

`parse_quantities("More than 180 combatants on both sides had been killed")` gives one
`Quantity(low=180, high=None, qualifier="more than", noun="combatants", kind="count")`.

- Numbers in digits ("1,200", "2.5", "4 million") and in words ("four", "twenty-seven",
  "two million": converted by the maintained `text2num` parser); fractions of a scale
  ("half a million") and vague counts ("dozens", "thousands", "tens of thousands") come from
  the small tables below, which `text2num` does not cover, each mapped to the range the word
  means (dozens = 24–99: at least two dozen, fewer than a hundred).
- Qualifiers: exact, about ("some", "approximately", "nearly"…), at least, more than
  ("over"…), at most ("up to"…), less than ("fewer than", "under"…), vague (a vague count).
- The counted noun or unit is the head of the noun phrase after the number ("two car bombs"
  → "car bombs", "eight of them children" → "children", "50 towns and villages").
- Dates: weekdays, "27th of November", "November 29", years ("2016", "2015-16"), "today",
  "yesterday". With the article's own date a weekday or a day without a year is resolved to
  an ISO date (a weekday to the latest such day on or before the article's date); without
  one it stays normalised but unresolved ("friday", "--11-27").

`plausible_range` turns a quantity into the interval that a comparison should use, with
the conventions of news writing spelt out there; `comparable` says which counted nouns
report the same thing.

Nothing here needs spaCy: the same quantities come out whichever analyser split the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from annotator.calendar_words import MONTH_ALTERNATIVES, MONTHS, WEEKDAYS

__all__ = [
    "QUALIFIERS",
    "Quantity",
    "comparable",
    "noun_key",
    "parse_date",
    "parse_quantities",
    "plausible_range",
]

QUALIFIERS = ("exact", "about", "at least", "more than", "at most", "less than", "vague")
"""Every value of `Quantity.qualifier`."""

KINDS = ("count", "percent", "money", "measure", "date")
"""Every value of `Quantity.kind`."""


def _wordlist(text: str) -> list[str]:
    """The words of `text` (a table written as one string)."""
    return text.split()


@dataclass(frozen=True, slots=True)
class Quantity:
    """A quantity as a sentence states it.

    `low`/`high` bound the stated value (equal for a single value; `high` is None for
    "at least"/"more than", `low` None for "at most"/"less than"); `noun` is the counted
    noun or unit as written, lower-case ("" when none); `date` is set for dates: an ISO
    date ("2024-11-27"), a year ("2016"), a span of years ("2015/2016"), a day without a
    year ("--11-27") or an unresolved weekday ("friday"). `start`/`end` are offsets in the
    parsed text.
    """

    text: str
    start: int
    end: int
    low: float | None
    high: float | None
    qualifier: str = "exact"
    noun: str = ""
    kind: str = "count"
    date: str = ""

    @property
    def value(self) -> float | None:
        """The single value stated, or None for a range or an open bound."""
        return self.low if self.low is not None and self.low == self.high else None

    @property
    def normalised(self) -> str:
        """A short canonical reading: "≥277 people", "≈70 locations", "24–99 fighters"."""
        if self.kind == "date":
            return self.date
        unit = f" {self.noun}" if self.noun else ""
        if self.kind == "percent":
            unit = "%"
        symbol = {
            "about": "≈",
            "at least": "≥",
            "more than": ">",
            "at most": "≤",
            "less than": "<",
        }.get(self.qualifier, "")
        if self.qualifier in ("at least", "more than"):
            return f"{symbol}{_number(self.low)}{unit}"
        if self.qualifier in ("at most", "less than"):
            return f"{symbol}{_number(self.high)}{unit}"
        if self.low is not None and self.high is not None and self.low != self.high:
            return f"{_number(self.low)}–{_number(self.high)}{unit}"
        return f"{symbol}{_number(self.low)}{unit}"


def _number(value: float | None) -> str:
    if value is None:
        return "?"
    if value == int(value):
        return f"{int(value):,}"
    return f"{value:,.2f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- tables

_UNITS_WORDS = _wordlist(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen "
    "fourteen fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty "
    "sixty seventy eighty ninety hundred thousand million billion trillion"
)
_SCALES = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_FRACTIONS = {
    "half": 0.5,
    "a half": 0.5,
    "a quarter": 0.25,
    "quarter": 0.25,
    "three quarters": 0.75,
    "a third": 1 / 3,
}

_VAGUE: dict[str, tuple[float, float]] = {
    "tens of thousands": (2e4, 99_999),
    "hundreds of thousands": (2e5, 999_999),
    "tens of millions": (2e7, 99_999_999),
    "hundreds of millions": (2e8, 999_999_999),
    "dozens": (24, 99),
    "scores": (40, 99),
    "hundreds": (200, 999),
    "thousands": (2e3, 9999),
    "millions": (2e6, 9_999_999),
    "billions": (2e9, 9_999_999_999),
    "a dozen": (12, 12),
    "a couple of": (2, 2),
    "a handful of": (3, 6),
}
"""Vague counts and the range each one means (the lower bound is "two of them")."""

_QUALIFIER_WORDS: dict[str, str] = {
    "more than": "more than",
    "over": "more than",
    "upwards of": "more than",
    "in excess of": "more than",
    "above": "more than",
    "exceeding": "more than",
    "at least": "at least",
    "no fewer than": "at least",
    "no less than": "at least",
    "a minimum of": "at least",
    "as many as": "at least",
    "about": "about",
    "around": "about",
    "approximately": "about",
    "approx.": "about",
    "roughly": "about",
    "some": "about",
    "nearly": "about",
    "almost": "about",
    "close to": "about",
    "an estimated": "about",
    "estimated": "about",
    "circa": "about",
    "up to": "at most",
    "at most": "at most",
    "no more than": "at most",
    "a maximum of": "at most",
    "fewer than": "less than",
    "less than": "less than",
    "under": "less than",
    "below": "less than",
    "exactly": "exact",
    "precisely": "exact",
    "just": "exact",
    "only": "exact",
}

_ABBREVIATED = frozenset(_wordlist("jan feb mar apr jun jul aug sep sept oct nov dec"))

_UNITS = frozenset(
    _wordlist(
        "km kilometer kilometers kilometre kilometres mile miles meter meters metre "
        "metres kg kilogram kilograms ton tons tonne tonnes hectare hectares acre acres "
        "degree degrees second seconds minute minutes hour hours day days week weeks "
        "month months year years decade decades century centuries liter liters litre "
        "litres barrel barrels"
    )
)
"""Nouns that make a quantity a measurement rather than a count."""

_CURRENCY_SYMBOLS = {"$": "dollars", "US$": "dollars", "€": "euros", "£": "pounds"}
_CURRENCY_WORDS = frozenset(_wordlist("dollar dollars euro euros pound pounds usd eur gbp"))

_NOUN_STOP = frozenset(
    _wordlist(
        "a an the of and or but nor to in on at by for from with without into onto over "
        "under about after before during since until as than then that which who whom "
        "whose this these those it its their there they them he she his her we our you "
        "your is are was were be been being has have had having do does did will would "
        "shall should may might can could must not no also only just more most less least "
        "other others each both all any some such own same so very too per while when "
        "where why how up down out off including"
    )
)
"""Words that end the noun phrase after a number (never a counted noun)."""

_KNOWN_NOUNS = frozenset(
    _wordlist(
        "people persons person individuals civilians residents combatants fighters "
        "soldiers troops militants insurgents rebels children kids minors women men "
        "students members casualties victims deaths dead refugees families households "
        "villages towns cities locations areas positions districts neighbourhoods "
        "neighborhoods provinces countries homes houses buildings schools hospitals bombs "
        "drones missiles rockets vehicles tanks aircraft helicopters weapons journalists "
        "workers patients prisoners hostages migrants protesters voters votes seats jobs "
        "cases"
    )
)
"""Counted nouns recognised even when more words follow ("fighters swept through")."""

# Groups of counted nouns that report the same thing (keys are `noun_key` stems).
_SYNONYMS: dict[str, str] = {}
for _group, _words in {
    "people": "people person persons individual individuals death deaths casualty casualties"
    " victim victims dead life lives",
    "combatants": "combatant combatants fighter fighters militant militants soldier soldiers"
    " troop troops insurgent insurgents rebel rebels jihadist jihadists gunman gunmen",
    "civilians": "civilian civilians",
    "children": "child children kid kids minor minors",
}.items():
    for _word in _words.split():
        _SYNONYMS[_word] = _group

_TOLL_GROUPS = frozenset({"people", "combatants"})
"""Counted-noun groups that both give the headline toll of an event (see `comparable`)."""


# --------------------------------------------------------------------------- patterns

_WORD_NUMBER = r"(?:" + "|".join(_UNITS_WORDS) + r")"
_WORDS_PHRASE = rf"{_WORD_NUMBER}(?:(?:\s+and\s+|[\s-]+){_WORD_NUMBER})*"
_DIGITS = r"\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?"
_SCALE = r"(?:hundred|thousand|million|billion|trillion)"
_VAGUE_WORDS = "|".join(re.escape(w) for w in sorted(_VAGUE, key=len, reverse=True))
_FRACTION_WORDS = "|".join(re.escape(w) for w in sorted(_FRACTIONS, key=len, reverse=True))

_CORE = re.compile(
    rf"(?<![\w.,])(?:"
    rf"(?P<fraction>(?:{_FRACTION_WORDS})\s+(?:of\s+)?an?\s+(?P<fscale>{_SCALE}))"
    rf"|(?P<vague>(?:(?:two|three|four|several)\s+dozen)|{_VAGUE_WORDS})"
    rf"|(?P<ascale>an?\s+(?P<ascaleword>{_SCALE}(?:(?:\s+and\s+|[\s-]+){_WORD_NUMBER})*))"
    rf"|(?P<digits>{_DIGITS})(?:\s*(?P<dscale>{_SCALE})|(?P<dsuffix>bn|m)(?!\w))?"
    rf"|(?P<words>{_WORDS_PHRASE})"
    rf")(?![\w])",
    re.IGNORECASE,
)
_QUALIFIER = re.compile(
    r"(?:^|(?<=[\s(“\"‘'—–-]))(?P<q>"
    + "|".join(re.escape(q) for q in sorted(_QUALIFIER_WORDS, key=len, reverse=True))
    + r")\s+(?:of\s+)?(?P<money>US\$|[$€£])?\s*$",
    re.IGNORECASE,
)
_MONEY_BEFORE = re.compile(r"(?P<money>US\$|[$€£])\s*$")
_RANGE_TAIL = re.compile(rf"^\s*(?:-|–|to|and)\s*(?P<to>{_DIGITS}|{_WORDS_PHRASE})(?!\w)", re.I)
_PERCENT_TAIL = re.compile(r"^\s*(?:%|per\s*cent\b|percent\b)", re.IGNORECASE)
_HYPHEN_UNIT = re.compile(r"^-(?P<unit>[a-z]+)(?:-[a-z]+)?", re.IGNORECASE)
_NOUN_WORD = re.compile(r"\s*(?P<word>[A-Za-z][A-Za-z’'-]*)")

_DATES = re.compile(
    rf"(?<![\w])(?:"
    rf"(?P<dm_day>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<dm_month>{MONTH_ALTERNATIVES})\.?"
    rf"(?:,?\s+(?P<dm_year>(?:19|20)\d\d))?"
    rf"|(?P<md_month>{MONTH_ALTERNATIVES})\.?\s+(?P<md_day>\d{{1,2}})(?:st|nd|rd|th)?(?!\d)"
    rf"(?:,?\s+(?P<md_year>(?:19|20)\d\d))?"
    rf"|(?P<weekday>{'|'.join(WEEKDAYS)})"
    rf"|(?P<relative>today|yesterday|tomorrow)"
    rf"|(?P<year>(?:19|20)\d\d)(?:\s*[-–/]\s*(?P<year_to>(?:19|20)?\d\d))?(?![\d,.]\d)"
    rf")(?![\w])",
    re.IGNORECASE,
)


# --------------------------------------------------------------------------- parsing


def parse_quantities(text: str, *, reference: date | str | None = None) -> tuple[Quantity, ...]:
    """Every quantity in `text`, in order of appearance.

    `reference` is the date the text was published (a `date` or an ISO string); with it
    weekdays and days without a year are resolved to ISO dates.
    """
    ref = _reference_date(reference)
    found: list[Quantity] = []
    taken: list[tuple[int, int]] = []
    for match in _DATES.finditer(text):
        quantity = _date_quantity(text, match, ref)
        if quantity is not None:
            found.append(quantity)
            taken.append((quantity.start, quantity.end))
    for match in _CORE.finditer(text):
        if any(start < match.end() and match.start() < end for start, end in taken):
            continue
        quantity = _number_quantity(text, match)
        if quantity is not None:
            found.append(quantity)
            taken.append((quantity.start, quantity.end))
    found.sort(key=lambda q: q.start)
    return tuple(found)


def _reference_date(reference: date | str | None) -> date | None:
    if reference is None or isinstance(reference, date):
        return reference
    return parse_date(reference)


def parse_date(value: str) -> date | None:
    """An ISO date or date-time string as a `date` (None when it is not one)."""
    value = value.strip()
    if not value:
        return None
    try:
        return datetime.fromisoformat(value.replace("Z", "+00:00")).date()
    except ValueError:
        pass
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return None


def _date_quantity(text: str, match: re.Match[str], ref: date | None) -> Quantity | None:
    groups = match.groupdict()
    start, end = match.span()
    if groups["year"]:
        if _followed_by_count_noun(text, end):
            return None  # "2000 people" is a count, not a year
        year = int(groups["year"])
        if groups["year_to"]:
            to = groups["year_to"]
            year_to = int(to) if len(to) == 4 else year // 100 * 100 + int(to)
            if year_to <= year:
                return None
            return _date(match.group(), start, end, f"{year}/{year_to}", years=(year, year_to))
        return _date(match.group(), start, end, str(year), years=(year, year))
    if groups["weekday"] or groups["relative"]:
        word = (groups["weekday"] or groups["relative"]).lower()
        if ref is None:
            return _date(match.group(), start, end, word)  # unresolved: "friday", "today"
        when = ref + timedelta(days=_days_after(ref, word))
        return _date(match.group(), start, end, when.isoformat())
    if match.group().endswith(".") and (groups["dm_month"] or "").lower() not in _ABBREVIATED:
        end -= 1  # the full stop after "27th of November." ends the sentence
    day = int(groups["dm_day"] or groups["md_day"])
    month = MONTHS[(groups["dm_month"] or groups["md_month"]).lower()]
    year_text = groups["dm_year"] or groups["md_year"]
    month_word = groups["md_month"] or ""
    if month_word.lower() in ("may", "mar") and not year_text and not month_word[0].isupper():
        return None  # "may 5" is as likely a verb as a date: only capitalised May/Mar count
    known_year = int(year_text) if year_text else None
    if known_year is None and ref is not None:
        known_year = ref.year
        try:
            if date(known_year, month, day) > ref + timedelta(days=31):
                known_year -= 1  # "the 27th of December" read in January is last year's
        except ValueError:
            return None
    try:
        resolved = date(known_year or 2000, month, day)  # 2000, a leap year: 29 February is valid
    except ValueError:
        return None
    normalised = resolved.isoformat() if known_year else f"--{month:02d}-{day:02d}"
    return _date(text[start:end], start, end, normalised)


def _date(
    stated: str, start: int, end: int, value: str, *, years: tuple[int, int] | None = None
) -> Quantity:
    """A date `stated` at `start`–`end`: `value` as `Quantity.date` holds it; `years`, the
    first and the last year, for a year or a span of years."""
    low, high = years if years is not None else (None, None)
    return Quantity(stated, start, end, low, high, "exact", "", "date", value)


def _days_after(ref: date, word: str) -> int:
    """How many days after `ref` the day `word` names: a weekday (the last one, or `ref`
    itself), today, yesterday or tomorrow."""
    if word in WEEKDAYS:
        return -((ref.weekday() - WEEKDAYS.index(word)) % 7)
    return {"today": 0, "yesterday": -1, "tomorrow": 1}[word]


def _followed_by_count_noun(text: str, end: int) -> bool:
    word = _NOUN_WORD.match(text, end)
    return bool(word and word.group("word").lower() in _KNOWN_NOUNS)


@lru_cache(maxsize=4096)
def _words_value(phrase: str) -> float | None:
    """A number written in words ("twenty-seven", "two hundred and five") via text2num."""
    from text_to_num import text2num

    words = re.sub(r"[\s-]+", " ", phrase.lower()).strip()
    try:
        return float(text2num(words, "en"))
    except ValueError:
        return None


def _number_quantity(text: str, match: re.Match[str]) -> Quantity | None:
    groups = match.groupdict()
    start, end = match.span()
    qualifier = "exact"
    low: float | None
    high: float | None
    if groups["fraction"]:
        fraction = groups["fraction"].lower().split()
        key = " ".join(fraction[:2]) if " ".join(fraction[:2]) in _FRACTIONS else fraction[0]
        low = high = _FRACTIONS[key] * _SCALES[groups["fscale"].lower()]
    elif groups["vague"]:
        phrase = " ".join(groups["vague"].lower().split())
        if phrase.endswith("dozen") and phrase != "a dozen":
            count = phrase.split()[0]
            if count == "several":
                low, high, qualifier = 36.0, 108.0, "vague"
            else:
                low = high = (_words_value(count) or 0) * 12
        else:
            low, high = (float(bound) for bound in _VAGUE[phrase])
            qualifier = "exact" if low == high else "vague"
    elif groups["ascale"]:
        value = _words_value("one " + groups["ascaleword"])  # "a hundred and twenty"
        if value is None:
            return None
        low = high = value
    elif groups["digits"]:
        raw = groups["digits"]
        if "," in raw and not re.fullmatch(r"\d{1,3}(?:,\d{3})+(?:\.\d+)?", raw):
            return None
        low = high = float(raw.replace(",", ""))
        if groups["dscale"]:
            low = high = low * _SCALES[groups["dscale"].lower()]
        elif groups["dsuffix"]:
            low = high = low * (1e9 if groups["dsuffix"].lower() == "bn" else 1e6)
    else:
        phrase = groups["words"]
        words = re.split(r"[\s-]+", phrase.lower())
        if words in (["one"], ["zero"]) or words[0] in _SCALES or words[-1] == "and":
            return None  # "one of the largest", a lone scale word
        value = _words_value(phrase)
        if value is None:
            return None
        low = high = value
    before = text[max(0, start - 40) : start]
    money = ""
    found = _QUALIFIER.search(before)
    if found:
        qualifier = _QUALIFIER_WORDS[found.group("q").lower()]
        if qualifier == "exact" and groups["vague"]:
            qualifier = "vague"
        if groups["vague"] and qualifier != "vague":
            qualifier = "vague"  # "some dozens": still a vague count
        money = found.group("money") or ""
        start = start - len(before) + found.start()
    else:
        symbol = _MONEY_BEFORE.search(before)
        if symbol:
            money = symbol.group("money")
            start = start - len(before) + symbol.start()
    if qualifier in ("at least", "more than"):
        high = None
    elif qualifier in ("at most", "less than"):
        low = None
    rest = text[end:]
    ranged = _RANGE_TAIL.match(rest)
    between = re.search(r"\bbetween\s+$", before, re.IGNORECASE)
    if ranged and (between or not ranged.group().strip().lower().startswith("and")):
        to_text = ranged.group("to")
        to = _digits_or_words(to_text)
        if to is not None and low is not None and to > low and qualifier == "exact":
            high = to
            end += ranged.end()
            rest = text[end:]
            if between:
                start = start - len(before) + between.start()
    kind = "count"
    noun = ""
    percent = _PERCENT_TAIL.match(rest)
    if percent:
        kind, end = "percent", end + percent.end()
        noun = "percent"
    elif money:
        kind, noun = "money", _CURRENCY_SYMBOLS[money]
    else:
        hyphen = _HYPHEN_UNIT.match(rest)
        if hyphen and hyphen.group("unit").lower() in _UNITS:
            unit = hyphen.group("unit").lower()
            return Quantity(
                text[start : end + hyphen.end()],
                start,
                end + hyphen.end(),
                low,
                high,
                qualifier,
                unit,
                "measure",
            )
        noun, noun_end = _counted_noun(text, end)
        if noun:
            end = noun_end
            head = noun.split()[-1]
            if head in _CURRENCY_WORDS:
                kind, noun = "money", _CURRENCY_SYMBOLS.get(head, head)
            elif head in _UNITS:
                kind = "measure"
    return Quantity(text[start:end], start, end, low, high, qualifier, noun, kind)


def _digits_or_words(value: str) -> float | None:
    if value[0].isdigit():
        return float(value.replace(",", ""))
    return _words_value(value)


def _counted_noun(text: str, position: int) -> tuple[str, int]:
    """The counted noun after a number at `position` and where it ends ("", position if none).

    Skips "of", "of them", "of the"; takes the first known counted noun among the next
    three words (with "X and Y" when both are known: "towns and villages"), else the last
    word of a run of up to two plain lower-case words before a function word.
    """
    words: list[tuple[str, int, int]] = []
    cursor = position
    skipped_of = False
    while len(words) < 3:
        match = _NOUN_WORD.match(text, cursor)
        if match is None or "\n" in text[cursor : match.start("word")]:
            break
        gap = text[cursor : match.start("word")]
        if gap.strip():
            break  # punctuation ends the noun phrase
        word = match.group("word").rstrip("’'-")
        lower = word.lower()
        if not words and not skipped_of and lower == "of":
            skipped_of = True
            cursor = match.end()
            after = _NOUN_WORD.match(text, cursor)
            if after and after.group("word").lower() in ("them", "the", "those", "these"):
                cursor = after.end()
            continue
        if lower in _NOUN_STOP:
            break
        words.append((lower, match.start("word"), match.start("word") + len(word)))
        cursor = match.end()
    for index, (word, _, end) in enumerate(words):
        if word in _KNOWN_NOUNS or word in _UNITS or word in _CURRENCY_WORDS:
            joined = _and_known(text, end)
            if joined:
                return " ".join(w for w, _, _ in words[: index + 1]) + " and " + joined[0], joined[
                    1
                ]
            return " ".join(w for w, _, _ in words[: index + 1]), end
    plain = [
        item
        for item in words[:2]
        if item[0].isalpha() and not item[0].endswith(("ly", "ing")) and item[0] not in WEEKDAYS
    ]
    if not plain or plain[0] != words[0] or text[plain[0][1]].isupper():
        return "", position
    if len(plain) == 2 and plain[1][0].endswith("ed"):
        plain = plain[:1]  # "people killed": the verb is not part of the noun
    return " ".join(w for w, _, _ in plain), plain[-1][2]


def _and_known(text: str, position: int) -> tuple[str, int] | None:
    """A known counted noun after " and " at `position` ("towns and villages")."""
    match = re.match(r"\s+and\s+(?P<word>[A-Za-z]+)", text[position:])
    if match and match.group("word").lower() in _KNOWN_NOUNS:
        return match.group("word").lower(), position + match.end()
    return None


# --------------------------------------------------------------------------- comparing


@lru_cache(maxsize=4096)
def _stem(word: str) -> str:
    import snowballstemmer

    stemmed: str = snowballstemmer.stemmer("english").stemWord(word)
    return stemmed


@lru_cache(maxsize=4096)
def noun_key(noun: str) -> frozenset[str]:
    """The comparable keys of a counted noun: one per head noun, synonyms folded.

    "towns and villages" → {"town", "villag"}; "fighters" and "militants" → {"combatants"};
    "car bombs" → {"bomb"}. Empty when there is no noun.
    """
    keys = set()
    for part in noun.lower().split(" and "):
        words = part.split()
        if not words:
            continue
        head = words[-1]
        keys.add(_SYNONYMS.get(head) or _stem(head))
    return frozenset(keys)


def comparable(a: Quantity, b: Quantity, *, tolls: bool = False) -> bool:
    """Whether two quantities count the same thing, so that their values must agree.

    Same kind, and for counts and measures a shared counted noun after synonyms are folded
    (people = persons = deaths = casualties; combatants = fighters = militants = soldiers =
    insurgents = rebels; children = kids). With `tolls` (both sentences report deaths) a
    count of people and a count of combatants compare too: both are then the headline toll
    of one event. Civilians and children never compare with people or combatants: outlets
    report them as parts of a toll ("277 people, including 28 civilians"), and a part is not
    a rival figure for the whole.
    """
    if a.kind != b.kind:
        return False
    if a.kind == "date":
        return _date_granularity(a.date) == _date_granularity(b.date)
    if a.kind == "percent":
        return True
    keys_a, keys_b = noun_key(a.noun), noun_key(b.noun)
    if keys_a & keys_b:
        return True
    return tolls and bool(keys_a & _TOLL_GROUPS) and bool(keys_b & _TOLL_GROUPS)


@lru_cache(maxsize=4096)
def _date_granularity(value: str) -> str:
    if re.fullmatch(r"\d{4}-\d\d-\d\d", value):
        return "day"
    if re.fullmatch(r"\d{4}(?:/\d{4})?", value):
        return "year"
    if value.startswith("--"):
        return "month-day"
    return "weekday" if value in WEEKDAYS else "relative"


ABOUT_TOLERANCE = 0.10
""""about 70" means 63–77."""
OPEN_BOUND_TOLERANCE = 0.20
""""more than 180" / "at least 180" means 180–216; "up to 50" / "under 50" means 40–50."""


def plausible_range(quantity: Quantity) -> tuple[float, float] | None:
    """The interval of values consistent with how a quantity is stated (None for dates).

    Conventions of news writing, not of logic: outlets round a figure down to the
    nearest figure worth quoting, so "more than 180" and "at least 180" mean 180 up to
    20% more (an outlet that knew of 249 would not write "more than 180"), and "up to
    50" / "fewer than 50" mean 20% less up to 50; "about" / "some" / "approximately"
    mean within 10%; a vague count keeps its range ("dozens": 24–99); an exact figure is
    exact. Bounds are closed, so "more than 50" agrees with "50".
    """
    if quantity.kind == "date":
        return None
    low, high = quantity.low, quantity.high
    if quantity.qualifier in ("at least", "more than") and low is not None:
        return low, low * (1 + OPEN_BOUND_TOLERANCE)
    if quantity.qualifier in ("at most", "less than") and high is not None:
        return high * (1 - OPEN_BOUND_TOLERANCE), high
    if low is None or high is None:
        return None
    if quantity.qualifier == "about":
        return low * (1 - ABOUT_TOLERANCE), high * (1 + ABOUT_TOLERANCE)
    return low, high


def agree(a: Quantity, b: Quantity) -> bool:
    """Whether two comparable quantities can both be right (their plausible ranges meet)."""
    if a.kind == "date":
        return a.date == b.date
    range_a, range_b = plausible_range(a), plausible_range(b)
    if range_a is None or range_b is None:
        return True
    return range_a[0] <= range_b[1] and range_b[0] <= range_a[1]
