"""CSV export: exact columns, BOM, quoting, formula guards that round-trip."""

from __future__ import annotations

import csv
import io

from hypothesis import given, settings
from hypothesis import strategies as st

from annotator.export import (
    CSV_COLUMNS,
    FORMULA_TRIGGERS,
    guard_cell,
    read_csv,
    unguard_cell,
    write_csv,
)

SPEC_COLUMNS = [
    "claim_id", "article_id", "outlet", "title", "url", "sentence_index", "start", "end", "text",
    "verdict", "note", "evidence_url", "annotator", "created_at", "updated_at", "entities",
    "aligned_claims",
]  # fmt: skip


def test_columns_are_exactly_the_spec() -> None:
    assert list(CSV_COLUMNS) == SPEC_COLUMNS


def test_guard_examples() -> None:
    assert guard_cell("=SUM(A1)") == "'=SUM(A1)"
    assert guard_cell("  +1") == "'  +1"
    assert guard_cell("\u00a0@cmd") == "'\u00a0@cmd"
    assert guard_cell("-5 dead") == "'-5 dead"
    assert guard_cell("'quoted") == "''quoted"
    assert guard_cell("fine\n=evil\nok") == "fine\n'=evil\nok"
    assert guard_cell("a\r=b") == "a\r'=b"
    assert guard_cell("\tx") == "'\tx"
    assert guard_cell("plain text") == "plain text"


def _row(**values: str) -> dict[str, str]:
    return {column: values.get(column, "") for column in CSV_COLUMNS}


def test_write_csv_bom_quote_all_and_newlines() -> None:
    out = io.StringIO()
    write_csv([_row(claim_id="c1", text="line one\nline two", note="=1+1")], out)
    data = out.getvalue()
    assert data.startswith('\ufeff"claim_id","article_id"')
    rows = list(csv.reader(io.StringIO(data[1:], newline="")))
    assert rows[0] == list(CSV_COLUMNS)
    assert rows[1][CSV_COLUMNS.index("text")] == "line one\nline two"
    assert rows[1][CSV_COLUMNS.index("note")] == "'=1+1"
    assert all(line.startswith('"') for line in data[1:].split("\r\n") if line)


cells = st.text(
    alphabet=st.sampled_from(
        ["=", "+", "-", "@", "\t", "\r", "\n", "'", " ", "\u00a0", "a", "1", '"', ","]
    ),
    max_size=20,
)


@settings(max_examples=3000, deadline=None)
@given(st.lists(st.fixed_dictionaries({c: cells for c in CSV_COLUMNS}), max_size=3))
def test_csv_round_trips_and_no_line_starts_with_a_trigger(rows: list[dict[str, str]]) -> None:
    out = io.StringIO()
    write_csv(rows, out)
    out.seek(0)
    raw = list(csv.reader(io.StringIO(out.getvalue()[1:], newline="")))[1:]
    for raw_row in raw:
        for cell in raw_row:
            for line in cell.replace("\r\n", "\n").replace("\r", "\n").split("\n"):
                assert not line.lstrip(" \u00a0").startswith(FORMULA_TRIGGERS), repr(cell)
    out.seek(0)
    assert read_csv(out) == rows


@given(st.text())
def test_unguard_reverses_guard(text: str) -> None:
    assert unguard_cell(guard_cell(text)) == text
