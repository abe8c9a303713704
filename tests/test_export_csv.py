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


CELL_ALPHABET = "=+-@\t\r\n' \u00a0a1\","
"""Formula triggers, the spaces a spreadsheet skips, line breaks, quotes and plain text."""
CELL_END = len(CELL_ALPHABET)  # a byte that maps past the alphabet ends the cell


def row_from_bytes(raw: bytes) -> dict[str, str]:
    """A row of the CSV's columns whose cells the bytes spell: each byte is a character of
    `CELL_ALPHABET` or ends the cell (1 in 15); missing cells are empty."""
    cells = [""]
    for byte in raw:
        code = byte % (CELL_END + 1)
        if code == CELL_END:
            cells.append("")
        else:
            cells[-1] += CELL_ALPHABET[code]
    cells = cells[: len(CSV_COLUMNS)] + [""] * (len(CSV_COLUMNS) - len(cells))
    return dict(zip(CSV_COLUMNS, cells, strict=True))


# One byte string per row, not one text per cell: Hypothesis pays per value drawn, and 51 texts
# per example made this test take ~25 s. Short strings give rows of a few cells, long ones
# fill every column (with empty cells 1 in 15).
rows_of_cells = st.lists(
    st.one_of(st.binary(max_size=40), st.binary(min_size=4 * len(CSV_COLUMNS), max_size=400)).map(
        row_from_bytes
    ),
    max_size=3,
)


def test_rows_from_bytes_reach_every_column_and_character() -> None:
    row = row_from_bytes(bytes(range(256)) * 2)
    assert all(row.values()) and set("".join(row.values())) == set(CELL_ALPHABET)
    assert row_from_bytes(b"") == dict.fromkeys(CSV_COLUMNS, "")


@settings(max_examples=3000, deadline=None)
@given(rows_of_cells)
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
