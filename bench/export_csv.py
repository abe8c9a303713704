"""Export: many claims to CSV, the app's exporter against a plain sqlite3 + csv script.

The claims are inserted straight into a copy of a prepared database (one transaction,
`executemany`), several per sentence on different spans, with verdicts, notes (some of
them formula-like, some on several lines) and evidence URLs. The app side is
`Service.export_to_file("csv", …)`, what the reader's export (ctrl+e) and `annotator
export -o FILE` run; the baseline is the script a programmer would write with the standard
library: three queries (claims with their articles, sentences, entities), bisect for the
sentence number and the entities in a span, the same formula guard, `csv.writer`. Both
write a file and fsync it; the outputs are compared byte for byte.

The `aligned_claims` column needs the comparison of the outlets: it is computed once
before the timed runs and then in memory for both sides (the app's service keeps it; the
baseline gets its same-fact pairs), so the figure is the export's, not the alignment's
(see the comparison section for that).
"""

from __future__ import annotations

import bisect
import csv
import hashlib
import os
import random
import re
import sqlite3
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path

from annotator.service import Service
from annotator.store import Store
from bench.common import Figure, Settings, timed
from bench.prepare import Workspace, copy_db

EXPORT_TARGET = 2.0
NOTES = (
    "Checked against the monitor's figures.",
    '=HYPERLINK("http://example.com")',
    "-3 compared with the first report",
    "Two sources.\nSecond line: +1 since Friday",
    "@desk please verify",
    "'quoted' on purpose",
    "  =still a formula after spaces",
)


def _claim_id(article_id: str, start: int, end: int) -> str:
    return hashlib.sha256(f"{article_id}:{start}:{end}".encode()).hexdigest()[:20]


def add_claims(db: Path, count: int, *, seed: int = 11) -> int:
    """Insert `count` claims over the sentences of `db` (a few per sentence); returns how many."""
    rng = random.Random(seed)
    conn = sqlite3.connect(db)
    try:
        texts = dict(conn.execute("SELECT id, text FROM articles"))
        sentences = [
            row
            for row in conn.execute('SELECT article_id, start, "end" FROM sentences ORDER BY rowid')
            if row[2] - row[1] > 20
        ]
        rows = []
        shift = 0
        while len(rows) < count:
            for article_id, start, end in sentences:
                if len(rows) >= count:
                    break
                begin = start + shift
                text = texts[article_id]
                verdict = rng.choice(("confirmed", "disputed", "unverified", None))
                note = rng.choice(NOTES) if rng.random() < 0.3 else ""
                evidence = f"https://example.org/e/{len(rows)}" if rng.random() < 0.2 else ""
                if verdict is None and not note and not evidence:
                    verdict = "unverified"
                stamp = f"2024-11-{1 + len(rows) % 28:02d}T12:00:00Z"
                rows.append((
                    _claim_id(article_id, begin, end), article_id, begin, end, text[begin:end],
                    text[max(0, begin - 32) : begin], text[end : end + 32], verdict, note,
                    evidence, "bench", stamp, stamp,
                ))  # fmt: skip
            shift += 1
        with conn:
            conn.executemany(
                'INSERT INTO claims (id, article_id, start, "end", quote, prefix, suffix, verdict, '
                "note, evidence_url, annotator, created_at, updated_at, version) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)",
                rows,
            )
    finally:
        conn.close()
    return len(rows)


# --------------------------------------------------------------------------- the baseline

COLUMNS = (
    "claim_id", "article_id", "outlet", "title", "url", "sentence_index", "start", "end",
    "text", "verdict", "note", "evidence_url", "annotator", "created_at", "updated_at",
    "entities", "aligned_claims",
)  # fmt: skip
_BREAK = re.compile(r"(\r\n|\n|\r)")
_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


_FIRST = frozenset("'=+-@\t\r \u00a0")


def _guard(value: str) -> str:
    if "\n" not in value and "\r" not in value:
        if value[:1] in _FIRST and (
            value.startswith("'") or value.lstrip(" \u00a0").startswith(_TRIGGERS)
        ):
            return "'" + value
        return value
    parts = _BREAK.split(value)
    return "".join(
        "'" + part
        if i % 2 == 0 and (part.startswith("'") or part.lstrip(" \u00a0").startswith(_TRIGGERS))
        else part
        for i, part in enumerate(parts)
    )


Pair = tuple[str, int, str, int]  # article a, sentence a, article b, sentence b


def plain_export(db: Path, path: Path, pairs: Sequence[Pair] = ()) -> int:
    """The baseline: the same CSV with nothing but sqlite3, bisect and csv (`pairs`: the
    same-fact sentence pairs, for `aligned_claims`)."""
    conn = sqlite3.connect(db)
    try:
        starts: dict[str, list[int]] = defaultdict(list)
        sentences: dict[str, list[tuple[int, int, int]]] = defaultdict(list)
        for article_id, idx, start, end in conn.execute(
            'SELECT article_id, idx, start, "end" FROM sentences ORDER BY article_id, idx'
        ):
            starts[article_id].append(start)
            sentences[article_id].append((idx, start, end))
        entity_starts: dict[str, list[int]] = defaultdict(list)
        entities: dict[str, list[tuple[int, int, str]]] = defaultdict(list)
        for article_id, start, end, label, text in conn.execute(
            'SELECT article_id, start, "end", label, text FROM entities '
            "ORDER BY article_id, sentence_idx, start"
        ):
            entity_starts[article_id].append(start)
            entities[article_id].append((end, start, f"{text} ({label})"))
        rows = conn.execute(
            'SELECT c.id, c.article_id, a.outlet, a.title, a.url, c.start, c."end", c.quote, '
            "c.verdict, c.note, c.evidence_url, c.annotator, c.created_at, c.updated_at "
            "FROM claims c JOIN articles a ON a.id = c.article_id "
            "WHERE c.verdict IS NOT NULL OR c.note != '' OR c.evidence_url != '' "
            "ORDER BY a.position, c.start, c.id"
        ).fetchall()
        # The sentence of each claim, the claims on each sentence, and aligned sentences.
        where: dict[str, tuple[str, int]] = {}
        on: dict[tuple[str, int], list[str]] = defaultdict(list)
        for row in rows:
            claim_id, article_id, start = row[0], row[1], row[5]
            at = bisect.bisect_right(starts[article_id], start) - 1
            if at >= 0 and start < sentences[article_id][at][2]:
                where[claim_id] = (article_id, sentences[article_id][at][0])
                on[where[claim_id]].append(claim_id)
        near: dict[tuple[str, int], list[tuple[str, int]]] = defaultdict(list)
        for article_a, index_a, article_b, index_b in pairs:
            a, b = (article_a, index_a), (article_b, index_b)
            if a in on and b in on:
                near[a].append(b)
                near[b].append(a)
        rank = {row[0]: position for position, row in enumerate(rows)}
        count = 0
        with open(path, "w", encoding="utf-8", newline="") as stream:
            stream.write("\ufeff")
            writer = csv.writer(stream, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
            writer.writerow(COLUMNS)
            for row in rows:
                claim_id, article_id, outlet, title, url, start, end, quote = row[:8]
                verdict, note, evidence, annotator, created, updated = row[8:]
                number = 0
                at = bisect.bisect_right(starts[article_id], start) - 1
                if at >= 0:
                    idx, s_start, s_end = sentences[article_id][at]
                    number = idx + 1 if s_start <= start < s_end else 0
                first = bisect.bisect_left(entity_starts[article_id], start)
                found = []
                for e_end, _e_start, shown in entities[article_id][first:]:
                    if _e_start >= end:
                        break
                    if e_end <= end:
                        found.append(shown)
                ref = where.get(claim_id)
                others = {other for sentence in near.get(ref, ()) for other in on[sentence]}
                aligned = ";".join(sorted(others, key=rank.__getitem__))
                values = (
                    claim_id, article_id, outlet, title, url, str(number), str(start), str(end),
                    quote, verdict or "", note, evidence, annotator, created, updated,
                    "; ".join(found), aligned,
                )  # fmt: skip
                writer.writerow([_guard(value) for value in values])
                count += 1
            stream.flush()
            os.fsync(stream.fileno())
    finally:
        conn.close()
    return count


# --------------------------------------------------------------------------- the section


def run_export(settings: Settings, workspace: Workspace) -> list[Figure]:
    db = copy_db(workspace.db("stories"), settings.workdir / "export.db")
    inserted = add_claims(db, settings.claims)
    app_path = settings.workdir / "export-app.csv"
    plain_path = settings.workdir / "export-plain.csv"
    store = Store(db)
    try:
        service = Service(store, None, user="bench")
        began = time.perf_counter()
        comparison = service.comparison()  # computed (and cached) once, outside the timing
        compared = time.perf_counter() - began
        pairs = [(p.article_a, p.sentence_a, p.article_b, p.sentence_b) for p in comparison.pairs()]
        app_times: list[float] = []
        plain_times: list[float] = []
        for run in range(max(3, settings.repeats // 2)):
            for side in ("app", "plain") if run % 2 == 0 else ("plain", "app"):
                if side == "app":
                    app_times.append(timed(lambda: service.export_to_file("csv", app_path)))
                else:
                    plain_times.append(timed(lambda: plain_export(db, plain_path, pairs)))
    finally:
        store.close()
    identical = app_path.read_bytes() == plain_path.read_bytes()
    figure = Figure(
        "export",
        f"{inserted:,} claims to CSV",
        "s",
        app_times,
        baseline="plain sqlite3 + csv script, same columns",
        baseline_samples=plain_times,
        target=f"ratio ≤ {EXPORT_TARGET}",
        note="outputs byte-identical" if identical else "OUTPUTS DIFFER",
        extra={
            "identical_output": identical,
            "bytes": app_path.stat().st_size,
            "same_fact_pairs": len(pairs),
            "comparison_seconds_before_timing": compared,
        },
    )
    figure.met = identical and (figure.ratio or 0) <= EXPORT_TARGET
    return [figure]
