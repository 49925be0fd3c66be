"""Customers as CSV, without a database: which column is which, what a cell may hold.

``read_csv`` turns an uploaded file into checked rows and a line-by-line list of
problems; the caller imports nothing unless that list is empty. ``write_csv``
writes the export, which ``read_csv`` reads back to the same rows (names,
numbers, emails, addresses and tags), so a business can edit its list in a
spreadsheet and import it again.

Spreadsheets run a cell that starts with ``=``, ``+``, ``-`` or ``@`` as a
formula, so the export puts a ``'`` before such a name, email, address or tag
and the import takes it off again (OWASP, "CSV injection"); the number column
is always ``+`` and digits, which a spreadsheet reads as a number, never as code.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from b2a.errors import Invalid
from b2a.lib.phone import parse_phone
from b2a.lib.text import first_unusable

MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 10_000
MAX_TAGS = 20
LIMITS = {"name": 120, "email": 254, "address": 1000, "tag": 40}
TAG_SEPARATORS = re.compile(r"[;,]")
EXPORT_HEADER = ("name", "phone", "email", "address", "tags", "created")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

# Header spellings (lowercased, separators as spaces) → the field they fill.
HEADERS: dict[str, str] = {
    **dict.fromkeys(
        ("name", "full name", "customer", "customer name", "contact", "contact name",
         "display name", "client", "client name"),
        "name",
    ),
    **dict.fromkeys(("first name", "given name", "firstname"), "first_name"),
    **dict.fromkeys(("last name", "surname", "family name", "lastname"), "last_name"),
    **dict.fromkeys(
        ("phone", "phone number", "phone no", "number", "mobile", "mobile number", "mobile no",
         "cell", "cell phone", "whatsapp", "whatsapp number", "telephone", "tel", "msisdn",
         "contact number", "e164", "phone e164"),
        "phone",
    ),
    **dict.fromkeys(("email", "e mail", "email address", "mail"), "email"),
    **dict.fromkeys(("address", "street address", "postal address", "location"), "address"),
    **dict.fromkeys(("tags", "tag", "labels", "label", "groups", "group"), "tags"),
    **dict.fromkeys(("created", "created at", "added", "first seen"), "created"),
}  # fmt: skip


@dataclass(frozen=True)
class CustomerRow:
    """One customer as a file gives them: the number as E.164 digits, tags as written."""

    line: int
    phone: str
    name: str = ""
    email: str = ""
    address: str = ""
    tags: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """Why one line of the file cannot be imported."""

    line: int
    reason: str
    field: str = ""


@dataclass
class ParsedFile:
    """The rows that passed, each line's problems, and the columns nobody reads."""

    rows: list[CustomerRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def header_field(header: str) -> str | None:
    """The field a column heading names (``"Phone Number"`` → ``phone``), or None."""
    spelled = re.sub(r"[\s_\-.:#]+", " ", header.strip().lstrip("\ufeff").lower()).strip()
    return HEADERS.get(spelled)


def decode(data: bytes) -> str:
    """The file's text: UTF-8, with or without a byte order mark.

    Raises:
        Invalid: it is larger than ``MAX_BYTES`` or not UTF-8.
    """
    if len(data) > MAX_BYTES:
        raise Invalid(f"the file is larger than {MAX_BYTES // 2**20} MB: split it.", field="file")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Invalid(
            f"the file is not UTF-8 (byte {exc.start + 1}): save it as “CSV UTF-8”.", field="file"
        ) from None


def read_csv(data: bytes, *, region: str = "") -> ParsedFile:
    """Every row of a customers CSV checked; ``region`` reads national numbers.

    Raises:
        Invalid: the file as a whole is unusable (size, encoding, no number column, too many rows).
    """
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""), dialect=_dialect(text))
    header = next(reader, None)
    if not header or not any(cell.strip() for cell in header):
        raise Invalid("the file is empty: its first line names the columns.", field="file")
    columns = [header_field(cell) for cell in header]
    if "phone" not in columns:
        raise Invalid(
            "no column of phone numbers: name one “phone” (also: mobile, number, whatsapp).",
            field="file",
        )
    parsed = ParsedFile(ignored_columns=[h for h, c in zip(header, columns, strict=True) if not c])
    first_line: dict[str, int] = {}
    line = reader.line_num
    for cells in reader:
        start, line = line + 1, reader.line_num
        if not any(cell.strip() for cell in cells):
            continue
        if len(parsed.rows) + len(parsed.problems) >= MAX_ROWS:
            raise Invalid(f"the file has more than {MAX_ROWS:,} customers: split it.", field="file")
        _take(parsed, first_line, _row(start, columns, cells, region))
    return parsed


def _take(parsed: ParsedFile, first_line: dict[str, int], row: CustomerRow | Problem) -> None:
    if isinstance(row, Problem):
        parsed.problems.append(row)
    elif row.phone in first_line:
        parsed.problems.append(
            Problem(row.line, f"the same number as line {first_line[row.phone]}.", "phone")
        )
    else:
        first_line[row.phone] = row.line
        parsed.rows.append(row)


def _dialect(text: str) -> type[csv.Dialect]:
    """Commas, or the semicolons and tabs some spreadsheets save with, by the first line."""
    first = text.split("\n", 1)[0]
    if "," not in first:
        if ";" in first:
            return _Semicolons
        if "\t" in first:
            return csv.excel_tab
    return csv.excel


class _Semicolons(csv.excel):
    delimiter = ";"


def _row(
    line: int, columns: list[str | None], cells: list[str], region: str
) -> CustomerRow | Problem:
    values: dict[str, str] = {}
    for column, cell in zip(columns, cells, strict=False):
        if column and cell.strip() and column not in values:
            values[column] = cell.strip() if column == "tags" else _unescape(cell.strip())
    if len(cells) > len(columns) and any(c.strip() for c in cells[len(columns) :]):
        return Problem(line, f"{len(cells)} cells but {len(columns)} columns: check the commas.")
    for name, value in values.items():
        if first_unusable(value) is not None:
            return Problem(line, f"the {name} holds a control character.", name)
    if "name" not in values:
        values["name"] = " ".join(
            values[part] for part in ("first_name", "last_name") if part in values
        )
    return _checked(line, values, region)


def _checked(line: int, values: dict[str, str], region: str) -> CustomerRow | Problem:
    raw_phone = values.get("phone", "")
    if not raw_phone:
        return Problem(line, "no phone number.", "phone")
    try:
        phone = parse_phone(raw_phone, region)
    except Invalid as exc:
        return Problem(line, exc.message, "phone")
    for name in ("name", "email", "address"):
        if len(values.get(name, "")) > LIMITS[name]:
            return Problem(line, f"the {name} is longer than {LIMITS[name]} characters.", name)
    email = values.get("email", "")
    if email and not EMAIL.fullmatch(email):
        return Problem(line, f"{email!r} is not an email address.", "email")
    tags = split_tags(values.get("tags", ""))
    if isinstance(tags, str):
        return Problem(line, tags, "tags")
    return CustomerRow(line, phone, values.get("name", ""), email, values.get("address", ""), tags)


def split_tags(cell: str) -> tuple[str, ...] | str:
    """The tag names in a cell (``VIP; wholesale``), once each, or why they cannot be."""
    tags: list[str] = []
    for raw in TAG_SEPARATORS.split(cell):
        tag = _unescape(raw.strip())
        if not tag or tag.casefold() in (t.casefold() for t in tags):
            continue
        if len(tag) > LIMITS["tag"]:
            return f"the tag {tag[:20]!r}… is longer than {LIMITS['tag']} characters."
        tags.append(tag)
    if len(tags) > MAX_TAGS:
        return f"more than {MAX_TAGS} tags."
    return tuple(tags)


@dataclass(frozen=True)
class ExportRow:
    """A customer as the export writes them."""

    name: str
    phone: str
    email: str
    address: str
    tags: tuple[str, ...]
    created_at: datetime


def write_csv(rows: Iterable[ExportRow]) -> str:
    """The export: a header line, then one line per customer, the number as ``+`` and digits."""
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADER)
    for row in rows:
        writer.writerow(
            (
                _escape(row.name),
                f"+{row.phone}" if row.phone else "",
                _escape(row.email),
                _escape(row.address),
                "; ".join(_escape(tag) for tag in row.tags),
                row.created_at.isoformat(timespec="seconds"),
            )
        )
    return out.getvalue()


def _runs_as_formula(cell: str) -> bool:
    """Whether a spreadsheet would run it, or it is such a cell already quoted with ``'``."""
    return cell.startswith(FORMULA_STARTS) or (cell.startswith("'") and _runs_as_formula(cell[1:]))


def _escape(cell: str) -> str:
    return f"'{cell}" if _runs_as_formula(cell) else cell


def _unescape(cell: str) -> str:
    return cell[1:] if cell.startswith("'") and _runs_as_formula(cell[1:]) else cell
