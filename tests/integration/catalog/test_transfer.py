"""Durations on services, and the catalogue exported to CSV and imported back (all rows or none)."""

import pytest

from b2a.assistant.context import catalog_view
from b2a.audit.tables import AuditEntry
from b2a.catalog import service as catalog
from b2a.catalog import transfer
from b2a.catalog.schemas import ServiceIn, ServiceUpdate
from b2a.catalog.tables import Service
from b2a.errors import Forbidden, Invalid
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant


@pytest.fixture
async def owner(cast):
    await Tenant.update({Tenant.currency: "PKR"}).where(Tenant.id == cast.acme_owner.tenant_id)
    return cast.acme_owner.actor


async def test_a_duration_is_kept_shown_changed_and_removed(owner):
    made = await catalog.create_service(
        owner, ServiceIn("Hair Colour", "4500", duration_minutes=90)
    )
    assert (made.duration_minutes, made.duration_display) == (90, "1 h 30 min")
    view = await catalog_view(TenantScope(owner.tenant_id), "Acme")
    assert view.services[0].duration_minutes == 90

    changed = await catalog.update_service(owner, made.id, ServiceUpdate(duration_minutes=45))
    assert changed.duration_display == "45 min"
    kept = await catalog.update_service(owner, made.id, ServiceUpdate(price="5000"))
    assert kept.duration_minutes == 45
    removed = await catalog.update_service(owner, made.id, ServiceUpdate(duration_minutes=0))
    assert (removed.duration_minutes, removed.duration_display) == (None, "")


@pytest.mark.parametrize("minutes", [0, -5, 1441, 100_000])
async def test_a_duration_outside_a_day_is_refused(owner, minutes):
    with pytest.raises(Invalid) as refused:
        await catalog.create_service(owner, ServiceIn("Facial", "3000", duration_minutes=minutes))
    assert refused.value.field == "duration_minutes"
    assert "1 to 1440" in refused.value.message
    assert await Service.count() == 0


CSV = (
    "name,price,description,duration_minutes,synonyms,sku\r\n"
    "Haircut,1500,Wash and cut,45,hair cut|cutting,\r\n"
    'Bridal Makeup,35000.00,"Complete look, with hair",180,dulhan makeup,BM-1\r\n'
    "Waxing,2000,,,,\r\n"
)


async def test_an_import_adds_services_and_an_export_reads_back_the_same(owner):
    done = await transfer.import_services(owner, CSV.encode())
    assert (done.added, done.updated) == (3, 0)
    by_name = {s.name: s for s in done.services}
    assert by_name["Haircut"].synonyms == ["hair cut", "cutting"]
    assert by_name["Bridal Makeup"].description == "Complete look, with hair"
    assert (by_name["Bridal Makeup"].price_minor, by_name["Bridal Makeup"].sku) == (3500000, "BM-1")
    assert by_name["Waxing"].duration_minutes is None
    exported = await transfer.export_services(owner)
    assert exported.splitlines()[0] == "name,price,description,duration_minutes,synonyms,sku"
    assert "Haircut,1500.00,Wash and cut,45,hair cut|cutting," in exported

    again = await transfer.import_services(owner, exported.encode())
    assert (again.added, again.updated) == (0, 3)
    assert await transfer.export_services(owner) == exported
    assert await AuditEntry.count().where(AuditEntry.event == "services.imported") == 2


async def test_a_known_name_updates_that_service_and_missing_columns_stay(owner):
    made = await catalog.create_service(
        owner, ServiceIn("Haircut", "1000", description="Old", duration_minutes=30, sku="H1")
    )
    done = await transfer.import_services(owner, b"name,price,duration_minutes\nhaircut,1800,\n")
    assert (done.added, done.updated) == (0, 1)
    after = await catalog.get_service(owner, made.id)
    # The name's spelling is a column too: the file's replaces the stored one.
    assert (after.name, after.price_minor, after.duration_minutes) == ("haircut", 180000, None)
    assert (after.description, after.sku) == ("Old", "H1")


async def test_one_wrong_row_imports_nothing_and_each_error_names_row_and_column(owner):
    await catalog.create_service(owner, ServiceIn("Facial", "3000", sku="F1"))
    bad = (
        "name,price,duration_minutes,sku\n"
        "Haircut,1500,45,\n"
        "Manicure,twelve hundred,40,\n"
        "Pedicure,1800,1.5,\n"
        "Massage,2500,2000,\n"
        "Threading,300,,F1\n"
        "haircut,1600,,\n"
        ",100,,\n"
    )
    with pytest.raises(Invalid) as refused:
        await transfer.import_services(owner, bad.encode())
    message = refused.value.message
    assert refused.value.field == "file"
    assert message.startswith("nothing was imported: 6 rows are wrong")
    for expected in (
        "row 3, price:",
        "row 4, duration_minutes:",
        "row 5, duration_minutes:",
        "row 6, sku:",
        "row 7, name: 'haircut' is also row 2",
        "row 8, name:",
    ):
        assert expected in message, (expected, message)
    assert [s.name for s in await catalog.list_services(owner)] == ["Facial"]


@pytest.mark.parametrize(
    ("data", "words"),
    [
        (b"", "empty"),
        (b"title,price\nHaircut,10\n", "unknown column 'title'"),
        (b"name,description\nHaircut,Cut\n", "no 'price' column"),
        (b"name,price,price\nHaircut,10,11\n", "named twice"),
        (b"name,price\n", "no services"),
        (b"name,price\nHaircut,10,extra\n", "row 2 has 3 cells"),
        ("name,price\nCafé,10\n".encode("latin-1"), "not UTF-8"),
    ],
)
async def test_a_file_of_the_wrong_shape_is_refused_whole(owner, data, words):
    with pytest.raises(Invalid) as refused:
        await transfer.import_services(owner, data)
    assert words in refused.value.message
    assert await Service.count() == 0


async def test_staff_cannot_import_but_may_export(owner, cast):
    with pytest.raises(Forbidden):
        await transfer.import_services(cast.acme_agent.actor, CSV.encode())
    await transfer.import_services(owner, CSV.encode())
    assert "Waxing" in await transfer.export_services(cast.acme_agent.actor)
