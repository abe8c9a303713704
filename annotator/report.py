"""Rich tables for the command line. Every cell of untrusted text goes in as a plain `Text`."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from annotator.model import Article, Sentence
from annotator.sanitize import printable
from annotator.service import ArticleSummary, Service

PIPE_WIDTH = 240


def _cell(value: object, *, single_line: bool = True) -> Text:
    """Untrusted text as a Rich cell: never parsed as markup, controls made visible."""
    return Text(printable(str(value), single_line=single_line))


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
    if not summaries:
        console.print(Text(f"No articles in {service.store.path}; try: annotator import seeds/"))
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
    if any(not s.analysed_by for s in summaries):
        hint = service.analyzer_error or "run `annotator import` to find entities"
        console.print(Text(f"Some articles have no entities yet: {hint}"))


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
