"""The customers CSV: what the export writes the import reads back, and a bad line is named."""

import csv
import io
from datetime import UTC, datetime

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.customers import rules
from b2a.errors import Invalid
from tests.unit.customers.samples import BAD_CELLS, customer_rows

AT = datetime(2026, 12, 7, 9, 30, tzinfo=UTC)


def _export(rows):
    return rules.write_csv(
        rules.ExportRow(r.name, r.phone, r.email, r.address, r.tags, AT) for r in rows
    ).encode()


def _lines(rows):
    """The file as a list of cell lists, header first (the import's column names)."""
    return list(csv.reader(io.StringIO(_export(rows).decode(), newline="")))


def _file(table):
    out = io.StringIO(newline="")
    csv.writer(out).writerows(table)
    return out.getvalue().encode()


# Drawing whole files is slow on a busy machine: no deadline, no speed check.
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(rows=customer_rows())
def test_the_export_reads_back_as_the_same_customers(rows):
    parsed = rules.read_csv(_export(rows))
    assert parsed.problems == []
    assert [(r.phone, r.name, r.email, r.address, r.tags) for r in parsed.rows] == [
        (r.phone, r.name, r.email, r.address, r.tags) for r in rows
    ]
    assert parsed.ignored_columns == []


@PROPERTY
@given(rows=customer_rows(max_size=6), bad=BAD_CELLS, where=st.integers(0, 6), bom=st.booleans())
def test_any_bad_line_is_reported_by_its_line_and_field(rows, bad, where, bom):
    field, value = bad
    table = [row for row in _lines(rows) if row]
    header = table[0]
    broken = ["Broken", "+923001234567", "", "", "", ""]
    broken[header.index(field)] = value
    position = 1 + min(where, len(table) - 1)
    table.insert(position, broken)
    data = _file(table)
    if any("\n" in cell for row in table for cell in row):
        return  # line numbers count the line breaks inside cells; checked below without them
    parsed = rules.read_csv(("\ufeff" if bom else "").encode() + data)
    assert [(p.line, p.field) for p in parsed.problems] == [(position + 1, field)]
    assert len(parsed.rows) == len(rows)


def test_a_line_break_inside_a_cell_still_names_the_line_the_row_starts_on():
    data = b'name,phone\n"Ali\nRaza",+923001234567\nSara,12345\n'
    parsed = rules.read_csv(data)
    assert [(p.line, p.field) for p in parsed.problems] == [(4, "phone")]


def test_common_header_spellings_semicolons_and_national_numbers_are_understood():
    data = (
        "\ufeffFirst Name;Last Name;Mobile No.;E-Mail;Labels;Notes\n"
        "Ali;Raza;0300 1234567;a@b.co;VIP, Gold;x\n"
    )
    parsed = rules.read_csv(data.encode(), region="PK")
    [row] = parsed.rows
    assert (row.name, row.phone, row.email, row.tags) == (
        "Ali Raza",
        "923001234567",
        "a@b.co",
        ("VIP", "Gold"),
    )
    assert parsed.ignored_columns == ["Notes"]


def test_without_a_country_a_national_number_needs_its_code():
    parsed = rules.read_csv(b"phone\n0300 1234567\n+923001234568\n923001234569\n")
    assert [p.line for p in parsed.problems] == [2]
    assert "country code" in parsed.problems[0].reason
    assert [r.phone for r in parsed.rows] == ["923001234568", "923001234569"]


def test_the_same_number_twice_names_its_first_line():
    parsed = rules.read_csv(b"phone\n+92 300 1234567\n0092-300-1234567\n")
    assert parsed.problems[0].reason == "the same number as line 2."


def test_formula_cells_are_quoted_in_the_export_and_unquoted_by_the_import():
    [row] = rules.read_csv(b"name,phone,tags\n'=HYPERLINK(1),+923001234567,'-x; '@y\n").rows
    assert (row.name, row.tags) == ("=HYPERLINK(1)", ("-x", "@y"))
    written = _export([row]).decode().splitlines()[1]
    assert written.startswith("'=HYPERLINK(1),+923001234567,,,'-x; '@y,")


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"name,email\nAli,a@b.co\n", "no column of phone numbers"),
        ("phone\n+92300\xe9\n".encode("latin-1"), "not UTF-8"),
        (b"phone\n" + b"+923001234567\n" * (rules.MAX_BYTES // 14 + 1), "larger than"),
        (b"phone\n" + b"1\n" * (rules.MAX_ROWS + 1), "more than"),
    ],
)
def test_a_file_that_cannot_be_read_at_all_is_refused_whole(data, words):
    with pytest.raises(Invalid) as refused:
        rules.read_csv(data)
    assert words in refused.value.message and refused.value.field == "file"
