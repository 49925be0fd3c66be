"""The catalogue as a CSV file: exported to edit in a spreadsheet, imported back whole.

The file has a header row naming its columns, in any order: ``name`` and
``price`` are required; ``description``, ``duration_minutes``, ``synonyms``
(separated by "|") and ``sku`` are optional. A price is a decimal in the
business's currency ("1500", "1500.00"); a duration is whole minutes (1 to
1440) or empty.

An import is all or nothing. Every row is checked first, by the same rules as
the catalogue form (``service.create_service`` / ``update_service``), inside
one transaction; if any row is wrong nothing is kept and the error names each
wrong row and column ("row 4, price: …", rows counted as a spreadsheet shows
them, the header being row 1).

A row whose name is already a service's (whatever the case) **updates** that
service rather than being refused, so an exported file edited and imported
again changes the catalogue in place: each column the file has replaces the
stored value (an empty cell clears a description, duration, synonyms or
content ID); columns the file lacks stay as they are, and so does whether the
service is offered. Other rows add services, offered, at the end of the list.
A name twice in one file is an error, since either row could win.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass

from b2a.audit import service as audit
from b2a.catalog import service as catalog
from b2a.catalog.schemas import ServiceImportOut, ServiceIn, ServiceOut, ServiceUpdate
from b2a.db.transaction import atomic
from b2a.errors import B2AError, Invalid
from b2a.lib.text import first_unusable
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role

COLUMNS = ("name", "price", "description", "duration_minutes", "synonyms", "sku")
REQUIRED = ("name", "price")
SYNONYM_SEPARATOR = "|"
MAX_BYTES = 1_000_000
MAX_ROWS = 2_000
SHOWN_ERRORS = 20
"""Errors listed in the message; a file with more says how many were left out."""


@dataclass(frozen=True)
class Row:
    """One data row of an import: its spreadsheet row number and its cells by column."""

    number: int
    cells: dict[str, str]


def export_csv(services: Sequence[ServiceOut]) -> str:
    """The services as an import file: a header and one row each, prices as plain decimals."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for s in services:
        duration = "" if s.duration_minutes is None else str(s.duration_minutes)
        synonyms = SYNONYM_SEPARATOR.join(s.synonyms)
        writer.writerow([s.name, s.price, s.description, duration, synonyms, s.sku])
    return out.getvalue()


def read_csv(data: bytes) -> list[Row]:
    """The rows of an uploaded file, each with its cells stripped.

    Raises:
        Invalid: not UTF-8 text, a control character, too large, no header, a required column
            missing, an unknown or repeated column, no rows, or a row with more
            cells than the header (``field`` is ``file``).
    """
    if len(data) > MAX_BYTES:
        raise Invalid(f"the file is larger than {MAX_BYTES // 1000} kB.", field="file")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise Invalid("the file is not UTF-8 text; save it as CSV UTF-8.", field="file") from None
    bad = first_unusable(text)
    if bad is not None:
        raise Invalid(
            f"row {text.count(chr(10), 0, bad) + 1} holds a control character (such as NUL) "
            "that text may not contain; save the file again as CSV UTF-8.",
            field="file",
        )
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [cell.strip().lower() for cell in next(reader)]
    except (StopIteration, csv.Error):
        raise Invalid("the file is empty; its first row names the columns.", field="file") from None
    _check_header(header)
    rows = []
    try:
        for number, cells in enumerate(reader, start=2):
            if not any(cell.strip() for cell in cells):
                continue
            if len(cells) > len(header):
                raise Invalid(
                    f"row {number} has {len(cells)} cells but the header names {len(header)} "
                    "columns (a comma inside a cell needs quotes).",
                    field="file",
                )
            padded = [*cells, *([""] * (len(header) - len(cells)))]
            rows.append(Row(number, {k: v.strip() for k, v in zip(header, padded, strict=True)}))
    except csv.Error as exc:
        raise Invalid(f"the file is not valid CSV: {exc}.", field="file") from None
    if not rows:
        raise Invalid("the file has a header but no services.", field="file")
    if len(rows) > MAX_ROWS:
        raise Invalid(f"a file holds at most {MAX_ROWS} services.", field="file")
    return rows


def _check_header(header: list[str]) -> None:
    unknown = [name for name in header if name not in COLUMNS]
    if unknown:
        raise Invalid(
            f"unknown column {unknown[0]!r}; the columns are {', '.join(COLUMNS)}.", field="file"
        )
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise Invalid(
            f"the header has no {missing[0]!r} column; the first row names the columns "
            f"({', '.join(COLUMNS)}).",
            field="file",
        )
    repeated = {name for name in header if header.count(name) > 1}
    if repeated:
        raise Invalid(f"the column {sorted(repeated)[0]!r} is named twice.", field="file")


def _duration(raw: str | None) -> int | None:
    """The duration cell as minutes; empty is none. 0 only ever comes from an empty cell."""
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) == 0:
        raise Invalid(
            f"a duration is whole minutes from 1 to 1440, not {raw!r}.", field="duration_minutes"
        )
    return int(raw)


def _synonyms(raw: str) -> list[str]:
    return [word.strip() for word in raw.split(SYNONYM_SEPARATOR) if word.strip()]


def _new(row: Row) -> ServiceIn:
    cells = row.cells
    return ServiceIn(
        name=cells["name"],
        price=cells["price"],
        description=cells.get("description", ""),
        synonyms=_synonyms(cells.get("synonyms", "")),
        sku=cells.get("sku", ""),
        duration_minutes=_duration(cells.get("duration_minutes")),
    )


def _change(row: Row) -> ServiceUpdate:
    cells = row.cells
    duration = cells.get("duration_minutes")
    synonyms = cells.get("synonyms")
    return ServiceUpdate(
        name=cells["name"],
        price=cells["price"],
        description=cells.get("description"),
        synonyms=None if synonyms is None else _synonyms(synonyms),
        sku=cells.get("sku"),
        duration_minutes=None if duration is None else _duration(duration) or 0,
    )


def _error(row: Row, exc: B2AError) -> str:
    return f"row {row.number}, {exc.field or 'name'}: {exc.message.rstrip('.')}"


def _repeated_names(rows: Sequence[Row]) -> dict[int, str]:
    """Each row that repeats an earlier row's name, by row number, with its error."""
    first: dict[str, int] = {}
    errors = {}
    for row in rows:
        key = row.cells["name"].casefold()
        if key and key in first:
            name = row.cells["name"]
            errors[row.number] = f"row {row.number}, name: {name!r} is also row {first[key]}"
        first.setdefault(key, row.number)
    return errors


async def import_services(actor: Actor, data: bytes) -> ServiceImportOut:
    """Add and update services from a CSV file, all rows or none (rules in the module docstring).

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: the file or any row is wrong; the message names each row and
            column, and nothing was changed.
    """
    actor.require(Role.TENANT_ADMIN)
    rows = read_csv(data)
    repeated = _repeated_names(rows)
    errors = list(repeated.values())
    added = updated = 0
    async with atomic():
        existing = {s.name.casefold(): s.id for s in await catalog.list_services(actor)}
        for row in (row for row in rows if row.number not in repeated):
            try:
                service_id = existing.get(row.cells["name"].casefold())
                if service_id is None:
                    await catalog.create_service(actor, _new(row))
                    added += 1
                else:
                    await catalog.update_service(actor, service_id, _change(row))
                    updated += 1
            except B2AError as exc:
                errors.append(_error(row, exc))
        if errors:
            raise Invalid(_summary(errors), field="file")
        await audit.record(actor, "services.imported", added=added, updated=updated)
    return ServiceImportOut(added, updated, await catalog.list_services(actor))


def _summary(errors: list[str]) -> str:
    errors.sort(key=lambda e: int(e.split(",")[0].removeprefix("row ")))
    shown = "; ".join(errors[:SHOWN_ERRORS])
    more = f"; and {len(errors) - SHOWN_ERRORS} more" if len(errors) > SHOWN_ERRORS else ""
    rows = "row is" if len(errors) == 1 else "rows are"
    return f"nothing was imported: {len(errors)} {rows} wrong: {shown}{more}."


async def export_services(actor: Actor) -> str:
    """Every service, offered or not, as a CSV file that ``import_services`` reads back."""
    return export_csv(await catalog.list_services(actor))
