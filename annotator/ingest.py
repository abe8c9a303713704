"""Reading article files into `Article`s: decoding, text cleaning, boilerplate removal, metadata.

The pipeline, for one file::

    bytes --decode--> raw text --normalise_text--> --join hard wraps--> --drop boilerplate-->
          --take metadata lines out--> Article(id = SHA-256 of the final text)

Normalisation (`normalise_text`) is character level and idempotent:

* newlines: ``\\r\\n`` and ``\\r`` become ``\\n``; VT, FF, NEL (U+0085) and U+2028 become a
  line break, U+2029 (paragraph separator) a blank line;
* control characters are removed: C0 except ``\\n`` and ``\\t``, DEL, C1 (U+0080-U+009F).
  ESC goes too, so ANSI/OSC sequences lose their teeth and what follows stays literal
  text (``\\x1b[31m`` becomes ``[31m``);
* bidi controls (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069) are made *visible*:
  each becomes the marker ``⟦U+XXXX⟧`` (``⟦`` U+27E6, upper-case hex, four digits), e.g.
  RIGHT-TO-LEFT OVERRIDE becomes ``⟦U+202E⟧``;
* zero-width and invisible formatting characters are removed (U+200B-U+200D, U+2060,
  U+FEFF including a leading BOM, U+00AD soft hyphen, U+180E);
* NBSP and the other odd spaces (U+1680, U+2000-U+200A, U+202F, U+205F, U+3000) become a
  plain space; runs of spaces and tabs collapse to one space; every line is stripped;
* runs of blank lines collapse to one blank line (the paragraph separator); leading and
  trailing blank lines go.

Markup-like text (``[b]``, ``[@click=…]``) is never touched: it is the reader's job to
show it literally.

Cleaning (`clean_text`) then joins hard-wrapped lines (a line not ending in sentence
punctuation followed by a line starting with a lower-case letter) and drops boilerplate,
recording each dropped line, in order, in `Article.dropped`. What is dropped:

* whole-line prompts: comment forms ("Please enter your comment!"), subscription and
  paywall prompts ("Subscribe Today", "Get unlimited access …", "Exclusive content",
  "Latest article", "More article"), share/follow prompts ("Share this", "Click to share",
  "Comments", "Read more", "Sign up for …", "Follow us"), "Advertisement",
  "Copyright …" / "©" lines, and lines with no letter or digit at all ("» …", "[…]");
* everything from a tail heading to the end: "LEAVE A REPLY", "Latest Stories from …",
  "Related stories", "More from …", "You may also like" (only once the article has
  had a body line of eight words or more; before that the heading alone is dropped);
* a line of four words or more that repeats an earlier line, exactly or after
  normalising quotes (’ ‘ → ', “ ” → "): duplicated photo captions; the first copy stays;
* a bracketed image caption, a whole line in one pair of square brackets that names an
  image ("[A map of Syria showing Aleppo. Source: Pixabay]");
* a title run-on: a first line that is the next line with a site-section word glued in
  front ("NewsInsurgents Breach …" before "Insurgents Breach …").

Every line break that survives is a sentence boundary downstream, so headlines and
captions are never merged into the following sentence.

Metadata (`parse_article`) comes from explicit evidence only; lines that are pure metadata
are taken out of the body text (they are not "dropped boilerplate"):

* outlet, first match wins: a brand-like single-token first line ("London24NEWS"); a
  dateline "CITY (Outlet) –"; a "Copyright 1999-2024 Outlet." line; an institution line
  in the closing signature ("- North London Collegiate School Jeju"); a
  "Latest Stories from Outlet" heading. Otherwise "" (callers show the file stem);
* byline: a "By Name, role …" line near the top or bottom gives "Name"; a closing
  signature line "- Name / Grade 11" gives "Name" (student bylines are taken as bylines);
* published: an ISO date from a pure date line ("Published 29 November 2024") or from
  the byline line, else "";
* url: a bare http(s) URL line near the top or bottom, else "";
* title: the first body line when it reads as a headline (a "# " Markdown marker is
  removed from the title only); otherwise the first sentence without its dateline, cut
  at a word boundary to at most 120 characters with "…".

HTML (``.html``/``.htm`` files, and pages fetched from ``http(s)://`` URLs by
`annotator.fetch`) goes through trafilatura, imported only when an HTML page is read:

* decoding: a BOM, else the HTTP ``charset``, else ``<meta charset>``, else UTF-8;
  undecodable bytes become U+FFFD and set `Article.decoded_with_replacement`; binary
  and empty pages are refused as for text files, pages over `MAX_HTML_BYTES` too;
* text: the main content trafilatura finds (scripts, styles, navigation, comments and
  most ads left out), one paragraph per block, with the headline as its first line;
  fewer than `MIN_HTML_WORDS` words of it is refused as "no article in the page";
  then the same normalisation and cleaning as a text file;
* bounded: trafilatura has no timeout of its own, so on Linux it runs in a forked child
  process that is killed after `EXTRACT_TIMEOUT` seconds (the page is then refused with
  "extraction took longer than N s"); elsewhere the caller stops waiting at the deadline;
* metadata, from the page's own markup (``og:`` and ``article:`` meta tags, JSON-LD,
  ``<title>``) before anything found in the text: title, byline (the authors, each
  once, upper-case names title-cased, joined with "and"), outlet (``og:site_name``),
  published (ISO date) and url (the URL fetched, else the canonical URL, else a
  browser's "saved from url" comment).
"""

from __future__ import annotations

import codecs
import datetime as dt
import hashlib
import re
import sys
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from annotator.calendar_words import MONTH_ALTERNATIVES, MONTHS, WEEKDAYS
from annotator.model import Article
from annotator.sources import (  # re-exported: where files are found, and the error
    ARTICLE_SUFFIXES as ARTICLE_SUFFIXES,
)
from annotator.sources import (
    HTML_SUFFIXES as HTML_SUFFIXES,
)
from annotator.sources import (
    SUPPORTED_SUFFIXES as SUPPORTED_SUFFIXES,
)
from annotator.sources import (
    IngestError as IngestError,
)
from annotator.sources import (
    collect_paths as collect_paths,
)
from annotator.sources import (
    collect_sources as collect_sources,
)
from annotator.sources import (
    display_path as display_path,
)
from annotator.sources import (
    is_url as is_url,
)
from annotator.sources import (
    os_reason as os_reason,
)

MAX_CHARS = 1_000_000
MAX_HTML_BYTES = 10_000_000  # a saved or fetched page larger than this is refused
MIN_HTML_WORDS = 25  # a page with fewer words of main text has no article in it
EXTRACT_TIMEOUT = 20.0  # seconds trafilatura may spend on one page (it has no timeout of its own)

TITLE_MAX_CHARS = 120  # a title made from the first sentence is cut to this
HEADLINE_MAX_CHARS = 300  # a longer first line is body text, not a headline
BINARY_SAMPLE_BYTES = 8192
BINARY_MAX_SHARE = 0.10  # share of non-text bytes (or U+FFFD) above which a file is binary
HEADER_LINES = 6  # metadata lines are looked for among the first and ...
FOOTER_LINES = 3  # ... the last non-blank lines
DUPLICATE_MIN_WORDS = 4  # shorter repeated lines ("Q:", a subhead) are kept
TAIL_MIN_BODY_WORDS = 8  # a tail heading cuts the rest only after a real body line


# --------------------------------------------------------------------------- reading


def read_article(path: str | Path) -> Article:
    """Read, decode, clean and parse one article file.

    Raises `IngestError` (one line naming the path) for a missing, unreadable, empty,
    binary, UTF-16 or too large file (more than `MAX_CHARS` characters), or a folder.
    A leading UTF-8 BOM is dropped. Invalid UTF-8 is decoded with U+FFFD replacement
    characters and flagged in `Article.decoded_with_replacement`; a file that is mostly
    invalid UTF-8 is refused as binary. A `.html`/`.htm` file is read as a web page
    (`read_html_article`).
    """
    if Path(path).suffix.lower() in HTML_SUFFIXES:
        return read_html_article(path)
    data = _read_bytes(Path(path))
    text, replaced = _decode(data, path)
    return parse_article(text, source_path=str(path), decoded_with_replacement=replaced)


def _read_bytes(path: Path) -> bytes:
    if path.is_dir():
        raise IngestError(path, "is a folder, not a file")
    try:
        size = path.stat().st_size
        if size > 4 * MAX_CHARS:  # a UTF-8 character is at most 4 bytes
            raise IngestError(path, _too_large(f"{size:,} bytes"))
        return path.read_bytes()
    except FileNotFoundError:
        raise IngestError(path, "no such file") from None
    except OSError as error:
        raise IngestError(path, f"cannot read ({os_reason(error)})") from None


def _refuse_non_text(data: bytes, path: str | Path, utf16: str) -> None:
    """Raise `IngestError` for bytes that are no UTF-8 text to read: empty, UTF-16 (`utf16`
    says why), holding NUL bytes, or mostly non-text bytes."""
    if not data.strip():
        raise IngestError(path, "empty file")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise IngestError(path, utf16)
    if b"\x00" in data:
        raise IngestError(path, "binary file (contains NUL bytes)")
    if _non_text_share(data[:BINARY_SAMPLE_BYTES]) > BINARY_MAX_SHARE:
        raise IngestError(path, "binary file (mostly non-text bytes)")


def _decode(data: bytes, path: str | Path) -> tuple[str, bool]:
    """Checked UTF-8 bytes to text: ``(text, decoded_with_replacement)``."""
    _refuse_non_text(data, path, "UTF-16 text is not supported; save the file as UTF-8")
    text, replaced = _decode_utf8(data)
    if replaced and text.count("\ufffd") > BINARY_MAX_SHARE * len(text):
        raise IngestError(path, "binary file (mostly invalid UTF-8)")
    if len(text) > MAX_CHARS:
        raise IngestError(path, _too_large(f"{len(text):,} characters"))
    if not text.strip():
        raise IngestError(path, "empty file")
    return text, replaced


def _decode_utf8(data: bytes) -> tuple[str, bool]:
    """UTF-8 without its BOM; invalid bytes become U+FFFD and the flag is set."""
    try:
        return data.decode("utf-8-sig"), False
    except UnicodeDecodeError:
        return data.decode("utf-8-sig", errors="replace"), True


_NON_TEXT_BYTES = bytes([*(b for b in range(0x20) if b not in b"\t\n\r\f"), 0x7F])


def _non_text_share(sample: bytes) -> float:
    """The share of bytes that are C0 controls other than tab/newline/CR/FF, or DEL."""
    if not sample:
        return 0.0
    # Counted by deleting them (in C), not by a Python loop over every byte.
    return (len(sample) - len(sample.translate(None, _NON_TEXT_BYTES))) / len(sample)


def _too_large(size: str) -> str:
    return f"too large: {size}, the limit is {MAX_CHARS:,} characters"


# --------------------------------------------------------------------------- normalising

_BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_INVISIBLE = "\u00ad\u180e\u200b\u200c\u200d\u2060\ufeff"
_ODD_SPACES = "\u00a0\u1680\u202f\u205f\u3000" + "".join(map(chr, range(0x2000, 0x200B)))
_LINE_BREAKS = "\x0b\x0c\x85\u2028"


def _build_translation() -> dict[int, str | None]:
    table: dict[int, str | None] = {}
    for code in [*range(0x00, 0x20), 0x7F, *range(0x80, 0xA0)]:
        table[code] = None
    del table[ord("\n")], table[ord("\t")]
    table.update({ord(c): "\n" for c in _LINE_BREAKS})
    table[0x2029] = "\n\n"
    table.update({ord(c): None for c in _INVISIBLE})
    table.update({ord(c): " " for c in _ODD_SPACES})
    table.update({ord(c): f"⟦U+{ord(c):04X}⟧" for c in _BIDI_CONTROLS})
    return table


_TRANSLATION = _build_translation()
_TRANSLATED_RE = re.compile("[" + "".join(re.escape(chr(code)) for code in _TRANSLATION) + "]")
"""Any character `_TRANSLATION` changes: most texts have none, and `str.translate` with a
dict costs a lookup per character (milliseconds per article), a search almost nothing."""
_SPACE_RUN_RE = re.compile(r"\t[ \t]*| [ \t]+")
"""A run of spaces and tabs that is not a single space (those stay as they are: replacing
each of the text's many single spaces with a space costs seconds on a long article)."""


def normalise_text(raw: str) -> str:
    """Character-level normalisation (see the module docstring); idempotent."""
    text = raw.replace("\r\n", "\n").replace("\r", "\n")
    if _TRANSLATED_RE.search(text):
        text = text.translate(_TRANSLATION)
    # One substitution over the text (the runs never span a newline), not one per line.
    lines = [line.strip() for line in _SPACE_RUN_RE.sub(" ", text).split("\n")]
    return _join_paragraphs(lines)


def _join_paragraphs(lines: Sequence[str]) -> str:
    """Lines back to text, with blank-line runs collapsed and none at either end."""
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    while out and not out[-1]:
        out.pop()
    return "\n".join(out)


def article_id(text: str) -> str:
    """The article identity: SHA-256 (hex) of `normalise_text(text)`.

    ``article_id(article.text) == article.id`` for every parsed article, and a CRLF
    or BOM variant of a text has the same id.
    """
    return hashlib.sha256(normalise_text(text).encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------- cleaning

_SENTENCE_END = tuple('.!?:;"”’…')


def _join_hard_wraps(lines: Sequence[str]) -> list[str]:
    """Join a line to the next when the break is a hard wrap inside a sentence."""
    out: list[str] = []
    for line in lines:
        previous = out[-1] if out else ""
        if previous and line[:1].islower() and not previous.endswith(_SENTENCE_END):
            out[-1] = f"{previous} {line}"
        else:
            out.append(line)
    return out


def _fullmatch_any(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_PROMPT_RE = _fullmatch_any(
    # comment forms
    r"please enter your (?:comment|name here|email address here)\s*!?",
    r"you have entered an incorrect email address\s*!?",
    r"save my name, email, and website in this browser for the next time i comment\.?",
    # subscriptions and paywalls
    r"subscribe(?: today| now| here)?\s*[.!]?",
    r"subscribe to (?:our|the) [^.!?]{1,60}",
    r"already a subscriber\?.{0,80}",
    r"get exclusive full access to premium content",
    r"support (?:nonprofit|independent|our) journalism",
    r"get unlimited access\b.{0,200}",
    r"exclusive content",
    r"latest articles?",
    r"more articles?",
    # share, follow and comment prompts
    r"share(?: this(?: article| story| post)?| on [\w ]{1,30})?\s*:?",
    r"click to (?:share|email|print)\b.{0,80}",
    r"(?:\d+ )?comments?(?: \(\d+\))?\s*:?",
    r"(?:view|show|load|hide) comments",
    r"read more(?:\s*[:»›…].{0,120})?",
    r"sign up (?:for|to)\b[^.!?]{0,100}[.!]?",
    r"follow us\b.{0,80}",
    r"advertisement",
    r"skip to (?:main )?content",
    # copyright notices
    r"(?:copyright|\(c\))\s*(?:©|\(c\))?\s*\d{4}.*",
    r"©.*",
    r"all rights reserved\.?",
)

_TAIL_HEADING_RE = _fullmatch_any(
    r"leave a (?:reply|comment)",
    r"latest stories from [^.!?]{1,60}",
    r"related(?: stories| articles| posts| content| coverage)?\s*:?",
    r"more (?:stories )?from [^.!?]{1,60}",
    r"you (?:may|might) also like\s*:?",
    r"read next\s*:?",
)

_CAPTION_CUE_RE = re.compile(
    r"\b(?:source|photo|photograph|picture|image|map|credit|illustration|getty|afp|reuters|"
    r"pixabay|unsplash|shutterstock|file)\b",
    re.IGNORECASE,
)
_BRACKETED_RE = re.compile(r"\[([^\[\]]+)\]")

_QUOTE_FOLD = (("’", "'"), ("‘", "'"), ("‛", "'"), ("′", "'"), ("“", '"'), ("”", '"'))


def _comparison_key(line: str) -> str:
    # str.replace runs in C; str.translate with a dict looks up every character.
    if line.isascii():
        return line
    for curly, straight in _QUOTE_FOLD:
        line = line.replace(curly, straight)
    return line


def _is_decoration(line: str) -> bool:
    """A line without a single letter or digit ("» …", "[…]", "***")."""
    return not any(char.isalnum() for char in line)


def _is_bracketed_caption(line: str) -> bool:
    match = _BRACKETED_RE.fullmatch(line)
    if match is None:
        return False
    inner = match.group(1)
    return len(inner.split()) >= 3 and _CAPTION_CUE_RE.search(inner) is not None


def _is_title_run_on(line: str, following: str) -> bool:
    """`line` is `following` with a short word glued in front ("News" + "Insurgents …")."""
    line_key = _comparison_key(line).casefold()
    following_key = _comparison_key(following).casefold()
    prefix_length = len(line_key) - len(following_key)
    return (
        0 < prefix_length <= 30 and len(following.split()) >= 3 and line_key.endswith(following_key)
    )


def _is_boilerplate(line: str) -> bool:
    """A line that is never article text: a prompt, a decoration, a caption, a heading."""
    return (
        _is_decoration(line)
        or _PROMPT_RE.fullmatch(line) is not None
        or _TAIL_HEADING_RE.fullmatch(line) is not None
        or _is_bracketed_caption(line)
    )


def _run_on_title_index(lines: Sequence[str]) -> int | None:
    """The index of a run-on first line (see `_is_title_run_on`), if there is one."""
    first, second = ([index for index, line in enumerate(lines) if line] + [-1, -1])[:2]
    if second >= 0 and _is_title_run_on(lines[first], lines[second]):
        return first
    return None


def clean_text(raw: str) -> tuple[str, tuple[str, ...]]:
    """Normalise `raw`, join hard wraps and drop boilerplate.

    Returns ``(cleaned text, dropped lines in order)``; see the module docstring for
    exactly what is dropped. Paragraphs stay separated by one blank line.
    """
    lines = _join_hard_wraps(normalise_text(raw).split("\n"))
    run_on = _run_on_title_index(lines)
    drop: set[int] = set() if run_on is None else {run_on}
    seen: set[str] = set()
    body_started = False
    for index, line in enumerate(lines):
        if not line or index in drop:
            continue
        if body_started and _TAIL_HEADING_RE.fullmatch(line):
            drop.update(range(index, len(lines)))
            break
        key = _comparison_key(line)
        repeated = key in seen and len(line.split()) >= DUPLICATE_MIN_WORDS
        if repeated or _is_boilerplate(line):
            drop.add(index)
            continue
        seen.add(key)
        body_started = body_started or len(line.split()) >= TAIL_MIN_BODY_WORDS
    kept = [line for index, line in enumerate(lines) if index not in drop]
    dropped = tuple(line for index, line in enumerate(lines) if index in drop and line)
    return _join_paragraphs(kept), dropped


# --------------------------------------------------------------------------- metadata

_MONTH = r"(?P<month>" + MONTH_ALTERNATIVES + r")\.?"
_DATE_RES = (
    re.compile(r"\b(?P<year>\d{4})-(?P<mnum>\d{2})-(?P<day>\d{2})\b"),
    re.compile(
        rf"\b(?P<day>\d{{1,2}})(?:st|nd|rd|th)?(?: of)? {_MONTH},? (?P<year>\d{{4}})\b", re.I
    ),
    re.compile(rf"\b{_MONTH} (?P<day>\d{{1,2}})(?:st|nd|rd|th)?,? (?P<year>\d{{4}})\b", re.I),
)
_DATE_FILLER_RE = re.compile(
    r"\b(?:published|updated|posted|last|date|on|at|am|pm|gmt|utc|bst|cet|est|edt|et|"
    + "|".join(WEEKDAYS)
    + r")\b|\b\d{1,2}[:.]\d{2}\b",
    re.IGNORECASE,
)
_URL_RE = re.compile(r"https?://[^\s<>\"]+", re.IGNORECASE)
_BYLINE_RE = re.compile(
    r"by\s+(?P<name>[^,|/–—]+?)(?:\s*(?:[,|/–—]|\s-\s)\s*(?P<rest>.*))?", re.IGNORECASE
)
_SIGNATURE_RE = re.compile(r"[-–—]\s*(?P<body>\S.*)")
_NAME_PARTICLES = {"al", "bin", "da", "de", "del", "der", "di", "du", "la", "le", "van", "von"}
_INSTITUTION_PARTICLES = {"and", "for", "of", "the", "&"}
_NOT_NAMES = {"The", *(day.title() for day in WEEKDAYS), *(m.title() for m in MONTHS)}
_INSTITUTION_RE = re.compile(
    r"\b(?:school|college|university|academy|institute|news|times|post|press|herald|gazette|"
    r"journal|tribune|magazine|review|daily|media|radio|tv|television|network|agency)\b",
    re.IGNORECASE,
)
_DATELINE_RE = re.compile(
    r"(?P<place>[A-Z][A-Z .,/'’-]{1,60}?)\s*(?:\((?P<outlet>[A-Z][^()]{0,40})\))?\s*[–—-]\s+"
)
_COPYRIGHT_OUTLET_RE = re.compile(
    r"(?:copyright|\(c\)|©)\s*(?:©|\(c\))?\s*(?:\d{4}(?:\s*[-–]\s*\d{4})?,?\s+)?"
    r"(?P<outlet>[^.,;|]+?)\s*(?:[.,;|]|all rights reserved|$)",
    re.IGNORECASE,
)
_LATEST_FROM_RE = re.compile(r"latest stories from (?P<outlet>[^.!?]+)", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?][”\"’']?(?=\s+[“\"‘'(]?[A-Z0-9])")
_ABBREVIATION_RE = re.compile(
    r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|St|Lt|Col|Gen|Sgt|Gov|Sen|Rep|Jr|No|U\.S|U\.K))\.$"
)
_CLOSING_QUOTES = "”\"’'"
_BRAND_RE = re.compile(r"[\w.&'’!+-]*[^\W\d_][\w.&'’!+-]*")  # one token with a letter


@dataclass(slots=True)
class _Metadata:
    """What the metadata lines of one article said; the first line of each kind wins."""

    brand: str = ""
    byline: str = ""
    published: str = ""
    url: str = ""
    signature_outlet: str = ""

    def note(self, **values: str) -> None:
        for key, value in values.items():
            if value and not getattr(self, key):
                setattr(self, key, value)


def _iso_date(text: str) -> tuple[str, tuple[int, int]] | None:
    """The first valid full date (day, month and year) in `text` as ISO, with its span."""
    for pattern in _DATE_RES:
        for match in pattern.finditer(text):
            groups = match.groupdict()
            month = int(groups["mnum"]) if groups.get("mnum") else MONTHS[groups["month"].lower()]
            try:
                date = dt.date(int(groups["year"]), month, int(groups["day"]))
            except ValueError:
                continue
            return date.isoformat(), match.span()
    return None


def _date_line(line: str) -> str:
    """The ISO date of a line holding nothing but a date (with "Published", a time…), or ""."""
    found = _iso_date(line)
    if found is None or len(line.split()) > 12:
        return ""
    iso, (start, end) = found
    rest = _DATE_FILLER_RE.sub(" ", line[:start] + " " + line[end:])
    return "" if any(char.isalnum() for char in rest) else iso


def _proper_name(text: str, particles: set[str], max_words: int = 8) -> str:
    """`text` if it is 2..`max_words` capitalised words (lower-case `particles` allowed)."""
    words = text.split()
    if not 2 <= len(words) <= max_words or words[0] in _NOT_NAMES:
        return ""
    for word in words:
        if word.lower() in particles:
            continue
        if not word[0].isupper() or not all(c.isalnum() or c in ".'’-" for c in word):
            return ""
    return " ".join(words)


def _person_name(text: str) -> str:
    name = _proper_name(text, _NAME_PARTICLES | {"and"})
    return name if not any(char.isdigit() for char in name) else ""


def _byline(line: str) -> tuple[str, str]:
    """``(name, iso date)`` of a pure "By Name, role | date" line, else ``("", "")``."""
    match = _BYLINE_RE.fullmatch(line)
    if match is None or len(line.split()) > 20 or _ends_sentence(line):
        return "", ""
    name = _person_name(match.group("name"))
    found = _iso_date(match.group("rest") or "") if name else None
    return name, found[0] if found else ""


def _ends_sentence(line: str) -> bool:
    """`line` ends in a full stop that is not an abbreviation's ("Jr.", "J.")."""
    bare = line.rstrip(_CLOSING_QUOTES)
    return bare.endswith(".") and _ABBREVIATION_RE.search(bare) is None


def _is_brand_line(line: str) -> bool:
    """A single brand-like token: letters with digits, inner capitals, or a domain name."""
    if not 3 <= len(line) <= 40 or not _BRAND_RE.fullmatch(line):
        return False
    has_digit = any(char.isdigit() for char in line)
    inner_capital = re.search(r"[a-z][A-Z]", line) is not None
    domain = re.fullmatch(r"[\w-]+(?:\.[\w-]+)*\.[a-z]{2,}", line, re.IGNORECASE) is not None
    return has_digit or inner_capital or domain


def _signature(line: str) -> tuple[str, str]:
    """``(byline, outlet)`` of a closing "- Name / Grade 11" or "- Institution" line."""
    match = _SIGNATURE_RE.fullmatch(line)
    if match is None:
        return "", ""
    body = match.group("body")
    if _INSTITUTION_RE.search(body) and _proper_name(body, _INSTITUTION_PARTICLES):
        return "", body
    return _person_name(re.split(r"\s*[/,|]\s*", body)[0]), ""


def _note_common_metadata(line: str, metadata: _Metadata) -> bool:
    """Record a byline, bare URL or pure date line; whether `line` was one."""
    name, published = _byline(line)
    if name:
        metadata.note(byline=name, published=published)
    elif _URL_RE.fullmatch(line):
        metadata.note(url=line)
    elif _date_line(line):
        metadata.note(published=_date_line(line))
    else:
        return False
    return True


def _note_signature(line: str, metadata: _Metadata) -> bool:
    """Record a closing signature line (student byline, school); whether `line` was one."""
    name, outlet = _signature(line)
    metadata.note(byline=name, signature_outlet=outlet)
    return bool(name or outlet)


def _take_metadata_lines(lines: list[str]) -> _Metadata:
    """Find the pure metadata lines at the top and bottom, blank them, say what they held.

    A brand line must be the first line; bylines, URLs and date lines may be any of the
    first `HEADER_LINES` or the closing run of the last `FOOTER_LINES` non-blank lines;
    signature lines only in that closing run.
    """
    metadata = _Metadata()
    indices = [index for index, line in enumerate(lines) if line]
    if indices and _is_brand_line(lines[indices[0]]):
        metadata.note(brand=lines[indices[0]])
        lines[indices[0]] = ""
    for index in indices[:HEADER_LINES]:
        if lines[index] and _note_common_metadata(lines[index], metadata):
            lines[index] = ""
    for index in reversed(indices[-FOOTER_LINES:]):
        line = lines[index]
        if line and not (_note_common_metadata(line, metadata) or _note_signature(line, metadata)):
            break
        lines[index] = ""
    return metadata


def _dateline_outlet(lines: Sequence[str]) -> str:
    """The outlet of a dateline "CITY (Outlet) –" in the first body lines, else ""."""
    for line in [line for line in lines if line][:3]:
        match = _DATELINE_RE.match(line)
        if match and match.group("outlet"):
            return match.group("outlet").strip()
    return ""


def _dropped_line_outlet(dropped: Sequence[str], pattern: re.Pattern[str]) -> str:
    """The outlet a dropped copyright line or "Latest Stories from" heading names, else ""."""
    for line in dropped:
        match = pattern.match(line)
        if match and any(char.isalpha() for char in match.group("outlet")):
            return match.group("outlet").strip()
    return ""


def _outlet(metadata: _Metadata, lines: Sequence[str], dropped: Sequence[str]) -> str:
    """The outlet from the most explicit evidence there is (see the module docstring)."""
    return (
        metadata.brand
        or _dateline_outlet(lines)
        or _dropped_line_outlet(dropped, _COPYRIGHT_OUTLET_RE)
        or metadata.signature_outlet
        or _dropped_line_outlet(dropped, _LATEST_FROM_RE)
    )


def _first_sentence(paragraph: str) -> str:
    """The first sentence of `paragraph`, not fooled by initials and common abbreviations."""
    for match in _SENTENCE_END_RE.finditer(paragraph):
        if not _ABBREVIATION_RE.search(paragraph[: match.start() + 1]):
            return paragraph[: match.end()]
    return paragraph


def _is_headline(line: str) -> bool:
    """A line that reads as a headline: one sentence, not too long, no closing full stop."""
    return (
        len(line) <= HEADLINE_MAX_CHARS
        and not _ends_sentence(line)
        and _first_sentence(line) == line
    )


def _shorten(text: str, limit: int = TITLE_MAX_CHARS) -> str:
    """`text` cut at a word boundary to at most `limit` characters, ending in "…"."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if " " in cut:
        cut = cut[: cut.rindex(" ")]
    return cut.rstrip(" ,;:–—-") + "…"


def _title(text: str) -> str:
    """The headline (first) line, or else the first sentence without its dateline, shortened."""
    first = text.split("\n", 1)[0]
    if _is_headline(first):
        return re.sub(r"^#{1,6}\s+", "", first).rstrip(" #") or first
    dateline = _DATELINE_RE.match(first)
    sentence = _first_sentence(first[dateline.end() :] if dateline else first)
    if _ends_sentence(sentence) and sentence.endswith("."):
        sentence = sentence[:-1]
    return _shorten(sentence)


def parse_article(
    raw: str, *, source_path: str = "", decoded_with_replacement: bool = False
) -> Article:
    """Clean `raw` and build its `Article`, with the metadata the text itself gives.

    Pure metadata lines (brand, byline, URL, date, closing signature) leave the body
    text; the headline stays as its first line. Raises `IngestError` (naming
    `source_path`, or ``<text>``) when no article text is left.
    """
    cleaned, dropped = clean_text(raw)
    lines = cleaned.split("\n")
    metadata = _take_metadata_lines(lines)
    text = _join_paragraphs(lines)
    if not text:
        reason = "no article text left after cleaning" if dropped or cleaned else "empty file"
        raise IngestError(source_path or "<text>", reason)
    return Article(
        id=article_id(text),
        text=text,
        title=_title(text),
        outlet=_outlet(metadata, lines, dropped),
        byline=metadata.byline,
        published=metadata.published,
        url=metadata.url,
        source_path=source_path,
        dropped=dropped,
        decoded_with_replacement=decoded_with_replacement,
    )


# --------------------------------------------------------------------------- HTML and URLs

_META_CHARSET_RE = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)""", re.IGNORECASE
)
_SAVED_FROM_RE = re.compile(r"<!--\s*saved from url=\(\d+\)(https?://[^\s>]+?)\s*-->", re.I)
_SNIFF_BYTES = 4096


def read_source(source: Path | str) -> Article:
    """`read_url` for an http(s) URL, else `read_article`."""
    if is_url(source):
        return read_url(str(source).strip())
    return read_article(source)


def read_html_article(path: str | Path) -> Article:
    """Read a saved web page (see the module docstring); raises `IngestError`."""
    path = Path(path)
    if path.is_dir():
        raise IngestError(path, "is a folder, not a file")
    try:
        size = path.stat().st_size
        if size > MAX_HTML_BYTES:
            raise IngestError(path, _page_too_large(f"{size:,} bytes"))
        data = path.read_bytes()
    except FileNotFoundError:
        raise IngestError(path, "no such file") from None
    except OSError as error:
        raise IngestError(path, f"cannot read ({os_reason(error)})") from None
    html, replaced = decode_html(data, path)
    return parse_html(html, source_path=str(path), decoded_with_replacement=replaced)


def read_url(url: str, *, timeout: float | None = None) -> Article:
    """Fetch a web page (`annotator.fetch`: certificates checked, a timeout, a size cap).

    The article's `url` and `source_path` are `url` as given. Raises `IngestError`.
    """
    from annotator.fetch import DEFAULT_TIMEOUT, FetchError, fetch_url

    try:
        page = fetch_url(url, timeout=DEFAULT_TIMEOUT if timeout is None else timeout)
    except FetchError as error:
        raise IngestError(url, str(error)) from None
    html, replaced = decode_html(page.body, url, charset=page.charset)
    return parse_html(html, url=url, source_path=url, decoded_with_replacement=replaced)


def _page_too_large(size: str) -> str:
    return f"too large: {size}, the limit for a web page is {MAX_HTML_BYTES:,} bytes"


def _html_encoding(data: bytes, charset: str) -> str:
    """The codec to decode a page with: BOM, HTTP charset, `<meta charset>`, else UTF-8."""
    if data.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    declared = charset
    if not declared:
        match = _META_CHARSET_RE.search(data[:_SNIFF_BYTES])
        declared = match.group(1).decode("ascii") if match else ""
    try:
        name = codecs.lookup(declared).name if declared else "utf-8"
    except LookupError:
        return "utf-8"
    if name.startswith(("utf-16", "utf-32")):
        return "utf-8"  # a page whose bytes we can read says so in ASCII: it is not UTF-16
    # The WHATWG encoding standard reads Latin-1 and ASCII labels as windows-1252.
    return "cp1252" if name in ("latin-1", "iso8859-1", "ascii") else name


def decode_html(data: bytes, path: str | Path, *, charset: str = "") -> tuple[str, bool]:
    """A page's bytes as text: ``(html, decoded_with_replacement)``; raises `IngestError`.

    Empty, UTF-16, NUL-bearing and mostly non-text pages are refused like text files.
    """
    if len(data) > MAX_HTML_BYTES:
        raise IngestError(path, _page_too_large(f"{len(data):,} bytes"))
    _refuse_non_text(data, path, "UTF-16 pages are not supported; save the page as UTF-8")
    encoding = _html_encoding(data, charset)
    try:
        return data.decode(encoding), False
    except UnicodeDecodeError:
        text = data.decode(encoding, errors="replace")
    if text.count("\ufffd") > BINARY_MAX_SHARE * len(text):
        raise IngestError(path, "binary file (mostly undecodable bytes)")
    return text, True


def _one_line(text: str | None) -> str:
    """Page metadata as one clean line (normalised like article text)."""
    return " ".join(normalise_text(text or "").split())


def _authors(raw: str | None) -> str:
    """Authors once each (case-insensitively), ALL-CAPS names title-cased, joined by "and"."""
    names: list[str] = []
    seen: set[str] = set()
    for part in re.split(r"\s*;\s*", _one_line(raw)):
        name = part.title() if part.isupper() else part
        if name and name.casefold() not in seen:
            seen.add(name.casefold())
            names.append(name)
    if len(names) <= 1:
        return "".join(names)
    return ", ".join(names[:-1]) + " and " + names[-1]


def _iso_day(value: str | None) -> str:
    """The `YYYY-MM-DD` at the start of `value` if it is a real date, else ""."""
    day = (value or "")[:10]
    try:
        return dt.date.fromisoformat(day).isoformat()
    except ValueError:
        return ""


@dataclass(frozen=True, slots=True)
class _Page:
    """What trafilatura found in a page (plain strings, so it crosses a process boundary)."""

    text: str | None
    title: str | None
    sitename: str | None
    author: str | None
    date: str | None
    url: str | None


def _bare_extraction(html: str, url: str) -> tuple[str, _Page | str | None]:
    """``("ok", page or None)`` or ``("error", exception name)``; never raises."""
    import trafilatura

    try:
        document = trafilatura.bare_extraction(
            html,
            url=url or None,
            with_metadata=True,
            include_comments=False,
            include_tables=True,
            include_images=False,
            include_links=False,
            deduplicate=False,
        )
    except Exception as error:  # a third-party parser on untrusted input: report, never crash
        return "error", type(error).__name__
    if document is None:
        return "ok", None
    fields = ("text", "title", "sitename", "author", "date", "url")
    return "ok", _Page(*(getattr(document, name, None) for name in fields))


def _extraction_child(connection: Any, html: str, url: str) -> None:
    connection.send(_bare_extraction(html, url))
    connection.close()


def _extract_with_deadline(html: str, url: str) -> tuple[str, _Page | str | None] | None:
    """`_bare_extraction` given `EXTRACT_TIMEOUT` seconds; None when it took longer.

    On Linux it runs in a forked child (trafilatura already imported, so the fork is
    cheap) that is killed at the deadline; elsewhere in a thread that is abandoned.
    """
    import multiprocessing

    import trafilatura  # noqa: F401  (loaded before the fork: the child starts warm)

    if not sys.platform.startswith("linux"):
        found: list[tuple[str, _Page | str | None]] = []
        worker = threading.Thread(
            target=lambda: found.append(_bare_extraction(html, url)), daemon=True
        )
        worker.start()
        worker.join(EXTRACT_TIMEOUT)
        return found[0] if found else None
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_extraction_child, args=(sender, html, url))
    with warnings.catch_warnings():  # Python 3.12+ warns about fork with threads running
        warnings.simplefilter("ignore", DeprecationWarning)
        child.start()
    sender.close()
    try:
        if not receiver.poll(EXTRACT_TIMEOUT):
            return None
        result: tuple[str, _Page | str | None] = receiver.recv()
        return result
    except (EOFError, OSError):
        return "error", "the extractor stopped"
    finally:
        receiver.close()
        if child.is_alive():
            child.kill()
        child.join()


def _extract(html: str, url: str, path: str) -> _Page:
    """trafilatura's main text and metadata of a page, within `EXTRACT_TIMEOUT` seconds."""
    outcome = _extract_with_deadline(html, url)
    if outcome is None:
        raise IngestError(
            path,
            f"extraction took longer than {EXTRACT_TIMEOUT:g} s; the page was not imported",
        )
    status, value = outcome
    if status != "ok" or isinstance(value, str):
        raise IngestError(path, f"cannot parse the page ({value})")
    return value or _Page(None, None, None, None, None, None)


def parse_html(
    html: str, *, url: str = "", source_path: str = "", decoded_with_replacement: bool = False
) -> Article:
    """Build the `Article` of a web page (see the module docstring); raises `IngestError`."""
    shown = source_path or url or "<html>"
    document = _extract(html, url, shown)
    body = (document.text or "") if document is not None else ""
    title = _one_line(document.title) if document is not None else ""
    paragraphs = [line for line in normalise_text(body).split("\n") if line]
    words = sum(len(line.split()) for line in paragraphs if line != title)
    if words < MIN_HTML_WORDS:
        raise IngestError(
            shown,
            f"no article in the page ({words} words of main text found, at least "
            f"{MIN_HTML_WORDS} needed; a cover, consent or script-only page?)",
        )
    if title and paragraphs[0] != title:
        paragraphs.insert(0, title)
    text = "\n\n".join(paragraphs)
    if len(text) > MAX_CHARS:
        raise IngestError(shown, _too_large(f"{len(text):,} characters"))
    article = parse_article(
        text, source_path=source_path, decoded_with_replacement=decoded_with_replacement
    )
    saved_from = _SAVED_FROM_RE.search(html[:_SNIFF_BYTES])
    return replace(
        article,
        title=title or article.title,
        outlet=_one_line(document.sitename) or article.outlet,
        byline=_authors(document.author) or article.byline,
        published=_iso_day(document.date) or article.published,
        url=url
        or _one_line(document.url)
        or (saved_from.group(1) if saved_from else "")
        or article.url,
    )
