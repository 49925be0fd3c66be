"""The catalogue as tenant admins keep it, on PostgreSQL and SQLite; staff only read it."""

import pytest

from b2a.assistant.context import catalog_view
from b2a.audit.tables import AuditEntry
from b2a.catalog import service as catalog
from b2a.catalog.schemas import FaqIn, FaqUpdate, ServiceIn, ServiceUpdate
from b2a.catalog.tables import Service
from b2a.db.columns import json_value
from b2a.errors import Conflict, Forbidden, Invalid, NotFound
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant


@pytest.fixture
async def owner(cast):
    await Tenant.update({Tenant.currency: "PKR"}).where(Tenant.id == cast.acme_owner.tenant_id)
    return cast.acme_owner.actor


async def test_a_service_is_priced_from_a_decimal_string_in_the_tenants_currency(owner):
    made = await catalog.create_service(
        owner, ServiceIn("Haircut", "1500", synonyms=["cut", " Cut ", "baal"])
    )
    same = await catalog.create_service(owner, ServiceIn("Wig", "12.5", currency="pkr"))
    with pytest.raises(Invalid) as dollars:
        await catalog.create_service(owner, ServiceIn("Dye", "12.5", currency="usd"))

    assert (made.price_minor, made.currency, made.price, made.price_display) == (
        150000,
        "PKR",
        "1500.00",
        "PKR 1,500",
    )
    assert made.synonyms == ["cut", "baal"] and made.is_active
    assert (same.price_minor, same.currency, same.display_order) == (1250, "PKR", 1)
    assert dollars.value.field == "currency"
    assert "Settings → Currency" in dollars.value.message
    assert [s.name for s in await catalog.list_services(owner)] == ["Haircut", "Wig"]


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (ServiceIn(" ", "10"), "name"),
        (ServiceIn("x" * 121, "10"), "name"),
        (ServiceIn("Cut", "ten"), "price"),
        (ServiceIn("Cut", "10.001"), "price"),
        (ServiceIn("Cut", "10", currency="rupees"), "currency"),
        (ServiceIn("Cut", "10", synonyms=[""]), "synonyms"),
        (ServiceIn("Cut", "10", synonyms=[f"s{i}" for i in range(21)]), "synonyms"),
        (ServiceIn("Cut", "10", display_order=-1), "display_order"),
        (ServiceIn("Cut", "10", description="d" * 2001), "description"),
    ],
)
async def test_validation_errors_name_the_field(owner, data, field):
    with pytest.raises(Invalid) as info:
        await catalog.create_service(owner, data)
    assert info.value.field == field
    assert await catalog.list_services(owner) == []


async def test_names_are_unique_whatever_their_case(owner):
    first = await catalog.create_service(owner, ServiceIn("Haircut", "1500"))
    await catalog.update_service(owner, first.id, ServiceUpdate(is_active=False))
    with pytest.raises(Conflict) as taken:
        await catalog.create_service(owner, ServiceIn("HAIRCUT", "900"))
    assert taken.value.code == "SERVICE_EXISTS" and "activate it instead" in taken.value.message
    other = await catalog.create_service(owner, ServiceIn("Facial", "2500"))
    with pytest.raises(Conflict):
        await catalog.update_service(owner, other.id, ServiceUpdate(name="haircut"))
    renamed = await catalog.update_service(owner, first.id, ServiceUpdate(name="HairCut"))
    assert renamed.name == "HairCut"


async def test_edits_reach_the_assistant_and_the_audit_log(owner, cast):
    made = await catalog.create_service(owner, ServiceIn("Haircut", "1500"))
    await catalog.create_service(owner, ServiceIn("Facial", "2500"))

    await catalog.update_service(owner, made.id, ServiceUpdate(price="1800"))
    facial = (await catalog.list_services(owner))[1]
    await catalog.update_service(owner, facial.id, ServiceUpdate(is_active=False))

    view = await catalog_view(TenantScope(cast.acme_owner.tenant_id), "Acme")
    assert [(s.name, s.price_minor) for s in view.services] == [("Haircut", 180000)]
    [changed, *_] = await AuditEntry.select().where(AuditEntry.event == "service.updated")
    assert json_value(changed["detail"])["changes"] == {"price": ["1500.00", "1800.00"]}
    assert [s.name for s in await catalog.list_services(owner, active=False)] == ["Facial"]


async def test_a_service_moves_only_with_the_business_and_a_new_price_brings_a_straggler(
    owner, cast
):
    made = await catalog.create_service(owner, ServiceIn("Haircut", "1500"))
    with pytest.raises(Invalid) as info:
        await catalog.update_service(owner, made.id, ServiceUpdate(currency="JPY", price="800"))
    assert info.value.field == "currency"
    scope = TenantScope(cast.acme_owner.tenant_id)
    await scope.update(Service, {Service.currency: "USD"}).where(Service.id == made.id)
    renamed = await catalog.update_service(owner, made.id, ServiceUpdate(name="Cut"))
    assert renamed.currency == "USD", "without a price there is nothing to move it with"
    moved = await catalog.update_service(owner, made.id, ServiceUpdate(price="1600"))
    assert (moved.price_minor, moved.price_display) == (160000, "PKR 1,600")


async def test_reordering_puts_the_listed_first_and_keeps_the_rest_in_order(owner, cast):
    made = [await catalog.create_service(owner, ServiceIn(n, "10")) for n in "ABCD"]

    listed = await catalog.reorder_services(owner, [made[2].id, made[0].id])

    assert [s.name for s in listed] == ["C", "A", "B", "D"]
    assert [s.display_order for s in listed] == [0, 1, 2, 3]
    with pytest.raises(Invalid):
        await catalog.reorder_services(owner, [made[0].id, made[0].id])
    globex = await catalog.create_service(cast.globex_owner.actor, ServiceIn("G", "1"))
    with pytest.raises(NotFound):
        await catalog.reorder_services(owner, [globex.id])
    with pytest.raises(NotFound):
        await catalog.reorder_services(cast.globex_owner.actor, [made[0].id])


async def test_staff_read_the_catalogue_but_cannot_change_it(owner, cast):
    agent = cast.acme_agent.actor
    made = await catalog.create_service(owner, ServiceIn("Haircut", "1500"))
    entry = await catalog.create_faq_entry(owner, FaqIn("Do you deliver?", "No."))
    assert [s.id for s in await catalog.list_services(agent)] == [made.id]
    assert (await catalog.get_faq_entry(agent, entry.id)).answer == "No."
    for call in (
        catalog.create_service(agent, ServiceIn("Facial", "1")),
        catalog.update_service(agent, made.id, ServiceUpdate(price="1")),
        catalog.reorder_services(agent, [made.id]),
        catalog.create_faq_entry(agent, FaqIn("q", "a")),
        catalog.update_faq_entry(agent, entry.id, FaqUpdate(answer="Yes.")),
        catalog.reorder_faq(agent, [entry.id]),
    ):
        with pytest.raises(Forbidden):
            await call
    assert (await catalog.get_service(agent, made.id)).price_minor == 150000


async def test_faq_entries_are_written_deactivated_and_reordered(owner, cast):
    first = await catalog.create_faq_entry(owner, FaqIn("Do you deliver?", "Yes, in Lahore."))
    second = await catalog.create_faq_entry(owner, FaqIn("Open on Sunday?", "No."))
    with pytest.raises(Invalid) as empty:
        await catalog.create_faq_entry(owner, FaqIn("Parking?", "  "))
    assert empty.value.field == "answer"

    await catalog.update_faq_entry(owner, first.id, FaqUpdate(is_active=False))
    listed = await catalog.reorder_faq(owner, [second.id])

    assert [(e.question, e.is_active) for e in listed] == [
        ("Open on Sunday?", True),
        ("Do you deliver?", False),
    ]
    view = await catalog_view(TenantScope(cast.acme_owner.tenant_id), "Acme")
    assert [f.question for f in view.faq] == ["Open on Sunday?"]
    with pytest.raises(NotFound):
        await catalog.get_faq_entry(cast.globex_owner.actor, first.id)
