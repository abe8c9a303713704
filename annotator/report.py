"""Reports: Rich tables for the terminal, Markdown and HTML files.

Every cell of untrusted text goes into a table as a plain `Text`; into Markdown and HTML
only made printable and escaped.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.cells import cell_len
from rich.console import Console
from rich.table import Table
from rich.text import Text

from annotator.export import sentence_number
from annotator.model import Article, Discrepancy, Sentence
from annotator.sanitize import printable
from annotator.service import ArticleSummary, Service
from annotator.store import sqlite_status

PIPE_WIDTH = 240


def _cell(value: object, *, single_line: bool = True) -> Text:
    """Untrusted text as a Rich cell: never parsed as markup, controls and bidi controls
    made visible; one line also without U+2028/U+2029 (Rich measures them as breaks but
    does not break there, which cuts cells in the wrong places)."""
    text = _visible(value, single_line=single_line)
    if single_line:
        text = text.replace("\u2028", " ").replace("\u2029", " ")
    return Text(text)


def _console() -> Console:
    """A console for stdout; when piped, wide enough that rows are not wrapped into pieces."""
    console = Console(highlight=False, soft_wrap=False)
    if not console.is_terminal:
        console.width = PIPE_WIDTH
    return console


def _source(article: Article) -> str:
    return article.outlet or Path(article.source_path).stem or article.short_id


def articles_table(summaries: Sequence[ArticleSummary]) -> Table:
    table = Table(title="Articles", title_justify="left")
    for name, justify in (
        ("id", "left"), ("outlet", "left"), ("title", "left"), ("words", "right"),
        ("sentences", "right"), ("entities", "right"), ("✔", "right"), ("✖", "right"),
        ("?", "right"),
    ):  # fmt: skip
        table.add_column(name, justify=justify)  # type: ignore[arg-type]
    for s in summaries:
        table.add_row(
            _cell(Path(s.article.source_path).name or s.article.short_id),
            _cell(_source(s.article)),
            _cell(s.article.title),
            str(s.article.words),
            str(s.sentences),
            str(s.entities) if s.analysed_by else "–",
            str(s.confirmed),
            str(s.disputed),
            str(s.unverified),
        )
    return table


def print_articles(summaries: Sequence[ArticleSummary]) -> None:
    _console().print(articles_table(summaries))


def print_report(service: Service) -> None:
    """Articles with their counts, then verdict totals; warns when entities are missing."""
    console = _console()
    summaries = service.summaries()
    storage = Text(f"Storage: {sqlite_status()}")
    if service.store.read_only:
        storage.append(f"; read-only ({printable(service.store.read_only_reason)})")
    if not summaries:
        console.print(Text(f"No articles in {service.store.path}; try: annotator import seeds/"))
        console.print(storage)
        return
    console.print(articles_table(summaries))
    totals = Table(title="Verdicts", title_justify="left")
    for name in ("confirmed", "disputed", "unverified", "claims"):
        totals.add_column(name, justify="right")
    claims = service.claims()
    counted = [sum(1 for c in claims if c.verdict and c.verdict.value == v)
               for v in ("confirmed", "disputed", "unverified")]  # fmt: skip
    totals.add_row(*(str(n) for n in counted), str(len(claims)))
    console.print(totals)
    comparison = service.stored_comparison()  # never computed here: the report stays fast
    if comparison is None:
        console.print(Text(f"Discrepancies: {NOT_COMPARED}"))
    else:
        outlet_of = {s.article.id: _source(s.article) for s in summaries}
        console.print(discrepancies_table(comparison.discrepancies(), outlet_of))
    if any(not s.analysed_by for s in summaries):
        hint = service.analyzer_error or "run `annotator import` to find entities"
        console.print(Text(f"Some articles have no entities yet: {hint}"))
    console.print(storage)


NOT_COMPARED = "not computed; run `annotator discrepancies` to compare outlets"
"""What the report says when the comparison of outlets is not known yet."""

DISCREPANCY_HEADERS = ("kind", "A", "reading A", "B", "reading B", "explanation")


def discrepancy_rows(
    discrepancies: Sequence[Discrepancy], outlet_of: dict[str, str]
) -> list[list[str]]:
    """Each discrepancy as the report's row: kind, where A (outlet · S#), reading A, where
    B, reading B, explanation. `S#` is the 1-based number `annotator sentences` prints."""

    def where(article_id: str, index: int) -> str:
        return f"{outlet_of.get(article_id, article_id[:12])} · S{index + 1}"

    return [
        [
            d.kind,
            where(d.article_a, d.sentence_a),
            d.reading_a,
            where(d.article_b, d.sentence_b),
            d.reading_b,
            d.explanation,
        ]
        for d in discrepancies
    ]


def discrepancies_table(discrepancies: Sequence[Discrepancy], outlet_of: dict[str, str]) -> Table:
    """The report's Discrepancies table; every cell untrusted text (`_cell`)."""
    table = Table(title=f"Discrepancies ({len(discrepancies)})", title_justify="left")
    for name in DISCREPANCY_HEADERS:
        table.add_column(name, ratio=2 if name == "explanation" else None)
    for row in discrepancy_rows(discrepancies, outlet_of):
        table.add_row(*(_cell(value) for value in row))
    if not discrepancies:
        table.caption = "None found between aligned sentences."
    return table


def print_sentences(article: Article, sentences: Sequence[Sentence]) -> None:
    table = Table(title=Text(printable(article.title, single_line=True)), title_justify="left")
    table.add_column("N", justify="right")
    table.add_column("sentence", ratio=3)
    table.add_column("entities", ratio=1)
    for s in sentences:
        entities = "; ".join(f"{e.text} ({e.label})" for e in s.entities)
        table.add_row(str(s.number), _cell(s.text), _cell(entities))
    _console().print(table)


def print_claims(rows: Sequence[dict[str, Any]]) -> None:
    table = Table(title="Claims", title_justify="left")
    for name in ("article", "N", "verdict", "text", "note", "evidence", "by", "updated"):
        table.add_column(name)
    for row in rows:
        table.add_row(
            _cell(str(row["article"])[:12]),
            str(row["sentence"]),
            _cell(row["verdict"] or ""),
            _cell(row["text"]),
            _cell(row["note"]),
            _cell(row["evidence_url"]),
            _cell(row["annotator"]),
            _cell(row["updated_at"]),
        )
    _console().print(table)


# --- comparing outlets (annotator align / discrepancies / entities / triage) --------------------
# Each takes the rows the command prints as JSON, and `names`: article id → its name in tables.


def _where(names: dict[str, str], ref: dict[str, Any]) -> Text:
    return _cell(f"{names.get(ref['article'], str(ref['article'])[:12])}:{ref['sentence']}")


def print_alignments(rows: Sequence[dict[str, Any]], names: dict[str, str]) -> None:
    """Each sentence with its matches in other articles (score, where, text)."""
    table = Table(title="Aligned sentences", title_justify="left")
    for name, justify in (("sentence", "left"), ("text", "left"), ("score", "right"),
                          ("match", "left"), ("matched text", "left")):  # fmt: skip
        table.add_column(name, justify=justify, ratio=2 if "text" in name else None)  # type: ignore[arg-type]
    for row in rows:
        matches = row["matches"] or [None]
        for position, match in enumerate(matches):
            first = position == 0
            table.add_row(
                _where(names, row) if first else Text(""),
                _cell(row["text"]) if first else Text(""),
                f"{match['score']:.2f}" if match else "",
                _where(names, match) if match else Text("–"),
                _cell(match["text"]) if match else Text(""),
            )
    _console().print(table)


def print_discrepancies(rows: Sequence[dict[str, Any]], names: dict[str, str]) -> None:
    """Both readings of each discrepancy side by side, with where they come from."""
    table = Table(title=f"Discrepancies ({len(rows)})", title_justify="left")
    for name in ("kind", "A", "reading A", "B", "reading B", "why"):
        table.add_column(name, ratio=2 if name == "why" else None)
    for row in rows:
        a, b = row["a"], row["b"]
        table.add_row(
            _cell(row["kind"]),
            _where(names, a),
            _cell(a["reading"]),
            _where(names, b),
            _cell(b["reading"]),
            _cell(row["explanation"]),
        )
    _console().print(table)
    if not rows:
        _console().print(Text("No discrepancies found between aligned sentences."))


def print_entities(rows: Sequence[dict[str, Any]], names: dict[str, str]) -> None:
    """Merged entities with their variants, and the coverage matrix (mentions per article)."""
    table = Table(title="Entities and coverage", title_justify="left")
    table.add_column("entity")
    table.add_column("label")
    table.add_column("variants", ratio=1)
    articles = list(rows[0]["counts"]) if rows else []
    for article_id in articles:
        table.add_column(_cell(names.get(article_id, article_id[:12])[:12]), justify="right")
    for row in rows:
        counts = [str(row["counts"][a]) if row["counts"][a] else "·" for a in articles]
        table.add_row(
            _cell(row["name"]),
            _cell(row["label"]),
            _cell(", ".join(v for v in row["variants"] if v != row["name"])),
            *counts,
        )
    _console().print(table)


def print_triage(rows: Sequence[dict[str, Any]], names: dict[str, str]) -> None:
    """Sentences by check-worthiness with the features behind each score."""
    table = Table(title="Check-worthiness", title_justify="left")
    for name, justify in (("score", "right"), ("sentence", "left"), ("text", "left"),
                          ("why", "left")):  # fmt: skip
        table.add_column(name, justify=justify, ratio=2 if name == "text" else None)  # type: ignore[arg-type]
    for row in rows:
        why = "; ".join(
            f"{f['name']} {f['weight']:+.2f}" + (f" ({f['detail']})" if f["detail"] else "")
            for f in row["features"]
        )
        table.add_row(f"{row['score']:.2f}", _where(names, row), _cell(row["text"]), _cell(why))
    _console().print(table)


# --- Markdown and HTML reports -------------------------------------------------------------------
# Deterministic (no clock, no paths) so they can be compared byte for byte. Every untrusted
# string is first made printable, then escaped for the target format.

VERDICT_NAMES = ("confirmed", "disputed", "unverified")
VERDICT_COLOURS = {"confirmed": "#2e7d32", "disputed": "#c62828", "unverified": "#b26a00"}
TOP_ENTITIES = 10
MD_BAR_WIDTH = 30
SVG_BAR_WIDTH = 360
SVG_LABEL_CHARS = 28  # longer outlet names are cut in the chart


@dataclass(frozen=True, slots=True)
class OutletVerdicts:
    """The verdicts given to the claims of one outlet's articles."""

    outlet: str
    articles: int
    confirmed: int = 0
    disputed: int = 0
    unverified: int = 0

    def count(self, verdict: str) -> int:
        return int(getattr(self, verdict))

    @property
    def total(self) -> int:
        return self.confirmed + self.disputed + self.unverified


@dataclass(frozen=True, slots=True)
class EntityCount:
    """A named entity as written, its label, and how often / in how many articles."""

    text: str
    label: str
    mentions: int
    articles: int


@dataclass(frozen=True, slots=True)
class ClaimLine:
    """One claim as the report lists it."""

    outlet: str
    sentence: int
    verdict: str
    text: str
    note: str
    evidence_url: str


@dataclass(frozen=True, slots=True)
class ReportData:
    """Everything the Markdown and HTML reports show.

    `discrepancies` is None when the comparison of outlets is not known (`report_data`
    with `compare=False` and nothing cached); the reports then say so rather than claim
    there are none.
    """

    articles: list[ArticleSummary]
    outlets: list[OutletVerdicts]
    claims: list[ClaimLine]
    entities: list[EntityCount]
    discrepancies: list[Discrepancy] | None = None
    outlet_of: dict[str, str] = field(default_factory=dict)  # article id -> outlet shown


_CLAIM_HEADERS = ("outlet", "N", "verdict", "claim", "note", "evidence")
_ENTITY_HEADERS = ("entity", "label", "mentions", "articles")


def _claim_rows(claims: Sequence[ClaimLine]) -> list[list[object]]:
    """The rows of the Markdown and HTML reports' Claims table (`_CLAIM_HEADERS`)."""
    return [[c.outlet, c.sentence, c.verdict, c.text, c.note, c.evidence_url] for c in claims]


def _entity_rows(entities: Sequence[EntityCount]) -> list[list[object]]:
    """The rows of the Markdown and HTML reports' entities table (`_ENTITY_HEADERS`)."""
    return [[e.text, e.label, e.mentions, e.articles] for e in entities]


def report_data(service: Service, *, compare: bool = True) -> ReportData:
    """Gather the report from the service.

    With `compare` (the Markdown and HTML reports) the comparison of outlets is computed
    if it is not cached (`Service.comparison`: slow the first time); without, the
    discrepancies are those of a cached comparison, else None.
    """
    summaries = service.summaries()
    outlet_of = {s.article.id: _source(s.article) for s in summaries}
    outlets: dict[str, OutletVerdicts] = {}
    for s in summaries:
        name = outlet_of[s.article.id]
        old = outlets.get(name) or OutletVerdicts(name, 0)
        outlets[name] = OutletVerdicts(
            name,
            old.articles + 1,
            old.confirmed + s.confirmed,
            old.disputed + s.disputed,
            old.unverified + s.unverified,
        )
    mentions: Counter[tuple[str, str]] = Counter()
    spread: dict[tuple[str, str], set[str]] = {}
    sentences: dict[str, list[Sentence]] = {}
    for s in summaries:
        sentences[s.article.id] = service.sentences(s.article.id)
        for sentence in sentences[s.article.id]:
            for entity in sentence.entities:
                key = (entity.text, entity.label)
                mentions[key] += 1
                spread.setdefault(key, set()).add(s.article.id)
    ranked = sorted(mentions.items(), key=lambda item: (-item[1], item[0]))[:TOP_ENTITIES]
    claims = [
        ClaimLine(
            outlet=outlet_of.get(claim.article_id, claim.article_id[:12]),
            sentence=sentence_number(sentences.get(claim.article_id, []), claim.start),
            verdict=claim.verdict.value if claim.verdict else "",
            text=claim.quote,
            note=claim.note,
            evidence_url=claim.evidence_url,
        )
        for claim in service.claims()
    ]
    return ReportData(
        articles=summaries,
        outlets=list(outlets.values()),
        claims=claims,
        entities=[EntityCount(t, label, n, len(spread[(t, label)])) for (t, label), n in ranked],
        discrepancies=_discrepancies(service, compare=compare) if summaries else [],
        outlet_of=outlet_of,
    )


def _discrepancies(service: Service, *, compare: bool) -> list[Discrepancy] | None:
    comparison = service.comparison() if compare else service.stored_comparison()
    return comparison.discrepancies() if comparison is not None else None


_BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _visible(value: object, *, single_line: bool = False) -> str:
    """`printable`, and bidi controls shown as ``⟦U+202E⟧`` (as ingest shows them)."""
    text = printable(str(value), single_line=single_line)
    return _BIDI_CONTROLS.sub(lambda match: f"⟦U+{ord(match.group()):04X}⟧", text)


def _md(value: object) -> str:
    """Untrusted text for a Markdown table cell or line: one line, no markup, no HTML."""
    text = _visible(value, single_line=True)
    text = text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return re.sub(r"([\\`*_\[\]|~!#])", r"\\\1", text)


def _md_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_md(cell) for cell in row) + " |" for row in rows]
    return lines


def _bar_length(count: int, largest: int, width: int) -> int:
    if count <= 0 or largest <= 0:
        return 0
    return max(1, round(count / largest * width))


def _text_bars(outlets: Sequence[OutletVerdicts]) -> list[str]:
    """Verdict bars per outlet as plain text lines (for a fenced code block)."""
    largest = max((o.count(v) for o in outlets for v in VERDICT_NAMES), default=0)
    names = [_visible(o.outlet, single_line=True) for o in outlets]
    width = max((cell_len(name) for name in names), default=0)
    lines: list[str] = []
    for name, outlet in zip(names, outlets, strict=True):
        for index, verdict in enumerate(VERDICT_NAMES):
            label = name if index == 0 else ""
            count = outlet.count(verdict)
            bar = "█" * _bar_length(count, largest, MD_BAR_WIDTH)
            padding = " " * (width - cell_len(label))
            lines.append(f"{label}{padding}  {verdict:<10} {bar} {count}".rstrip())
    return lines


def _fence(lines: Sequence[str]) -> str:
    """A backtick fence longer than any backtick run in `lines`."""
    longest = max((len(run) for line in lines for run in re.findall(r"`+", line)), default=0)
    return "`" * max(3, longest + 1)


def render_markdown(data: ReportData) -> str:
    """The report as GitHub-flavoured Markdown."""
    out = ["# Fact-check report", ""]
    out += ["## Verdicts per outlet", ""]
    out += _md_table(
        ["outlet", "articles", *VERDICT_NAMES, "claims"],
        [
            [o.outlet, o.articles, o.confirmed, o.disputed, o.unverified, o.total]
            for o in data.outlets
        ],
    )
    bars = _text_bars(data.outlets)
    fence = _fence(bars)
    out += ["", fence + "text", *bars, fence, ""]
    out += ["## Discrepancies", ""]
    if data.discrepancies is None:
        out += ["Not computed: run `annotator discrepancies` to compare outlets.", ""]
    elif not data.discrepancies:
        out += ["None found between aligned sentences.", ""]
    else:
        out += _md_table(DISCREPANCY_HEADERS, discrepancy_rows(data.discrepancies, data.outlet_of))
        out.append("")
    out += ["## Claims", ""]
    if data.claims:
        out += _md_table(_CLAIM_HEADERS, _claim_rows(data.claims))
    else:
        out.append("No claims tagged yet.")
    out += ["", "## Most-cited entities", ""]
    if data.entities:
        out += _md_table(_ENTITY_HEADERS, _entity_rows(data.entities))
    else:
        out.append("No entities found yet (the NLP model has not analysed the articles).")
    return "\n".join(out) + "\n"


def _h(value: object) -> str:
    """Untrusted text for HTML: controls made visible, then escaped (quotes too)."""
    return html.escape(_visible(value), quote=True)


def _html_table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> list[str]:
    lines = ["<table>", "<thead><tr>" + "".join(f"<th>{_h(h)}</th>" for h in headers) + "</tr>"]
    lines.append("</thead><tbody>")
    for row in rows:
        cells = "".join(
            f'<td class="num">{_h(c)}</td>' if isinstance(c, int) else f"<td>{_h(c)}</td>"
            for c in row
        )
        lines.append(f"<tr>{cells}</tr>")
    lines.append("</tbody></table>")
    return lines


def _clip(text: str, limit: int) -> str:
    """`text` on one line, cut to `limit` characters with "…" (the tables show it whole)."""
    line = " ".join(text.split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"


def _svg_bars(outlets: Sequence[OutletVerdicts]) -> list[str]:
    """A stacked horizontal bar per outlet, inline SVG, with a title on every segment."""
    largest = max((o.total for o in outlets), default=0)
    label_width, row, left = 200, 28, 210
    height = row * max(1, len(outlets)) + 8
    width = left + SVG_BAR_WIDTH + 60
    lines = [
        f'<svg class="bars" role="img" aria-labelledby="bars-title" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}">',
        '<title id="bars-title">Verdicts per outlet</title>',
    ]
    for index, outlet in enumerate(outlets):
        y = 4 + index * row
        lines.append(
            f'<text x="{label_width}" y="{y + 17}" text-anchor="end">'
            f"{_h(_clip(outlet.outlet, SVG_LABEL_CHARS))}</text>"
        )
        x = left
        for verdict in VERDICT_NAMES:
            count = outlet.count(verdict)
            length = _bar_length(count, largest, SVG_BAR_WIDTH) if largest else 0
            if length:
                lines.append(
                    f'<rect x="{x}" y="{y}" width="{length}" height="22" '
                    f'fill="{VERDICT_COLOURS[verdict]}"><title>{verdict}: {count}</title></rect>'
                )
            x += length
        lines.append(f'<text x="{x + 6}" y="{y + 17}">{outlet.total}</text>')
    lines.append("</svg>")
    return lines


_HTML_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 60rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.5rem; text-align: left; vertical-align: top; }
td.num { text-align: right; }
.legend span { display: inline-block; margin-right: 1rem; }
.swatch { display: inline-block; width: 0.8rem; height: 0.8rem; margin-right: 0.3rem; }
svg.bars text { font-size: 13px; fill: #222; }
""".strip()


def render_html(data: ReportData) -> str:
    """The report as one self-contained HTML page (inline CSS and SVG, no script)."""
    out = [
        "<!DOCTYPE html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        "<title>Fact-check report</title>",
        f"<style>\n{_HTML_STYLE}\n</style>",
        "</head>",
        "<body>",
        "<h1>Fact-check report</h1>",
        "<h2>Verdicts per outlet</h2>",
    ]
    out += _html_table(
        ["outlet", "articles", *VERDICT_NAMES, "claims"],
        [
            [o.outlet, o.articles, o.confirmed, o.disputed, o.unverified, o.total]
            for o in data.outlets
        ],
    )
    legend = "".join(
        f'<span><span class="swatch" style="background:{VERDICT_COLOURS[v]}"></span>{v}</span>'
        for v in VERDICT_NAMES
    )
    out += [f'<p class="legend">{legend}</p>', *_svg_bars(data.outlets)]
    out.append("<h2>Discrepancies</h2>")
    if data.discrepancies is None:
        out.append(
            "<p>Not computed: run <code>annotator discrepancies</code> to compare outlets.</p>"
        )
    elif not data.discrepancies:
        out.append("<p>None found between aligned sentences.</p>")
    else:
        out += _html_table(
            DISCREPANCY_HEADERS, discrepancy_rows(data.discrepancies, data.outlet_of)
        )
    out.append("<h2>Claims</h2>")
    if data.claims:
        out += _html_table(_CLAIM_HEADERS, _claim_rows(data.claims))
    else:
        out.append("<p>No claims tagged yet.</p>")
    out.append("<h2>Most-cited entities</h2>")
    if data.entities:
        out += _html_table(_ENTITY_HEADERS, _entity_rows(data.entities))
    else:
        out.append("<p>No entities found yet (the NLP model has not analysed the articles).</p>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
