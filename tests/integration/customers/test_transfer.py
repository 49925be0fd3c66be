"""Importing and exporting customers against the real stores: all or nothing, and back again."""

import csv
import io
from datetime import UTC, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.customers import rules, service, transfer
from b2a.customers.schemas import CustomerCreate
from b2a.customers.tables import CustomerLabel
from b2a.inbox.tables import Customer, Label
from tests.unit.customers.samples import BAD_CELLS, customer_rows

PROPERTY = settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
CREATED = datetime(2026, 1, 1, tzinfo=UTC)


def _file(rows, bad=None, at=0):
    text = rules.write_csv(
        rules.ExportRow(r.name, r.phone, r.email, r.address, r.tags, CREATED) for r in rows
    )
    if bad is None:
        return text.encode()
    lines = text.splitlines(keepends=True)
    field, value = bad
    cells = {"name": "Broken", "phone": "+923001234567", "email": "", "tags": ""}
    cells[field] = value
    line = ",".join(f'"{cells.get(c, "")}"' for c in rules.EXPORT_HEADER[:-1]) + ",\r\n"
    lines.insert(1 + min(at, len(lines) - 1), line)
    return "".join(lines).encode()


async def _counts(scope):
    return (
        await scope.count(Customer),
        await scope.count(CustomerLabel),
        await scope.count(Label),
    )


@PROPERTY
@given(rows=customer_rows(), bad=BAD_CELLS, at=st.integers(0, 8))
async def test_a_file_with_any_bad_line_imports_nothing(cast, rows, bad, at):
    actor = cast.acme_agent.actor
    before = await _counts(actor.scope)
    report = await transfer.import_customers(actor, _file(rows, bad, at))
    assert report.imported is False
    assert len(report.problems) >= 1
    assert await _counts(actor.scope) == before


def _as_set(text):
    """An export's customers, without the created column (the import sets its own)."""
    return {tuple(row[:-1]) for row in csv.reader(io.StringIO(text, newline=""))}


@PROPERTY
@given(rows=customer_rows())
async def test_an_import_of_an_export_is_the_same_directory(cast, rows):
    acme, globex = cast.acme_agent.actor, cast.globex_owner.actor
    first = await transfer.import_customers(acme, _file(rows))
    assert first.imported is True and first.problems == []
    exported = await transfer.export_customers(acme)
    await transfer.import_customers(globex, exported.encode())
    assert _as_set(await transfer.export_customers(globex)) == _as_set(exported)
    # Again into the same business: nothing changes, nobody is added twice.
    again = await transfer.import_customers(acme, exported.encode())
    assert again.created == 0
    assert await transfer.export_customers(acme) == exported


async def test_an_import_updates_a_known_number_and_keeps_what_the_file_leaves_empty(cast):
    actor = cast.acme_agent.actor
    known = await service.create_customer(
        actor,
        CustomerCreate(phone="+923001234567", name="Ali", email="ali@example.com", tags=["VIP"]),
    )
    report = await transfer.import_customers(
        actor, b"phone,name,email,tags\n+92 300 1234567,Ali Raza,,wholesale\n"
    )
    assert (report.created, report.updated, report.imported) == (0, 1, True)
    after = await service.get_customer(actor, known.id)
    assert (after.name, after.email) == ("Ali Raza", "ali@example.com")
    assert [t.name for t in after.tags] == ["VIP", "wholesale"]
    assert await actor.scope.count(Customer) == 1


async def test_a_check_reports_what_an_import_would_do_and_writes_nothing(cast):
    actor = cast.acme_agent.actor
    report = await transfer.import_customers(
        actor, b"phone,tags\n+923001234567,New tag\n", dry_run=True
    )
    assert (report.created, report.imported) == (1, False)
    assert await _counts(actor.scope) == (0, 0, 0)
