"""Changing the business's currency: every service and every draft move together, or nothing.

The property: whatever sequence of catalogue edits, profile changes and
currency changes a tenant admin tries, every service is always priced in the
business's currency (the assistant quotes the service's own).
"""

import contextlib

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.audit.tables import AuditEntry
from b2a.catalog import service as catalog
from b2a.catalog.rules import price_field
from b2a.catalog.schemas import ServiceIn, ServiceUpdate
from b2a.catalog.tables import Service
from b2a.errors import Conflict, Forbidden, Invalid
from b2a.orders import service as orders
from b2a.orders.currency import CurrencyChange, change_currency, repricing_plan
from b2a.orders.rules import OrderStatus
from b2a.orders.tables import Order, OrderItem
from b2a.tenants import profile
from b2a.tenants.profile import ProfileIn
from b2a.tenants.tables import Tenant
from tests.integration.orders.conftest import FACIAL, HAIRCUT


@pytest.fixture
async def rupees(salon, cast):
    await Tenant.update({Tenant.currency: "PKR"}).where(Tenant.id == cast.acme_owner.tenant_id)
    return salon


async def test_services_and_drafts_take_the_new_prices_and_submitted_requests_keep_theirs(
    rupees, cast
):
    owner, agent = cast.acme_owner.actor, cast.acme_agent.actor
    stored = await rupees.customer_says("hello")
    draft = await rupees.order_for(agent, stored.conversation_id, (rupees.haircut, 2))
    pending = await rupees.pending(agent, phone="923009999999")
    assert (draft.status, pending.status) == (OrderStatus.DRAFT, OrderStatus.PENDING_APPROVAL)

    plan = await repricing_plan(owner, "usd")
    assert (plan.currency, plan.new_currency, plan.drafts) == ("PKR", "USD", 1)
    assert [(s.name, s.price_display, s.new_price) for s in plan.services] == [
        ("Facial", "PKR 2,500", ""),
        ("Haircut", "PKR 1,500", ""),
    ]
    with pytest.raises(Invalid) as missing:
        await change_currency(owner, CurrencyChange("USD", {rupees.haircut: "15"}))
    assert missing.value.field == price_field(rupees.facial)
    assert "give Facial a price in USD" in missing.value.message
    assert {r["currency"] for r in await rupees.scope.select(Service, Service.currency)} == {"PKR"}

    done = await change_currency(
        owner, CurrencyChange("usd", {rupees.haircut: "15", rupees.facial: "25.50"})
    )
    assert (done.previous, done.currency, done.drafts_repriced) == ("PKR", "USD", 1)
    assert [(s.name, s.price_display) for s in done.services] == [
        ("Facial", "USD 25.50"),
        ("Haircut", "USD 15"),
    ]
    tenant = await Tenant.objects().where(Tenant.id == cast.acme_owner.tenant_id).first()
    assert tenant.currency == "USD"
    moved = await rupees.scope.get(Order, draft.id)
    assert (moved.currency, moved.total_minor) == ("USD", 3000)
    [line] = await rupees.scope.select(OrderItem).where(OrderItem.order == draft.id)
    assert line["unit_price_minor"] == 1500
    kept = await rupees.scope.get(Order, pending.id)
    assert (kept.currency, kept.total_minor) == ("PKR", 2 * HAIRCUT + FACIAL)
    shown = await orders.get_order(agent, pending.id)
    assert shown.total == "PKR 5,500"
    [entry] = await AuditEntry.select().where(AuditEntry.event == "settings.currency_changed")
    assert entry["tenant"] == cast.acme_owner.tenant_id

    with pytest.raises(Forbidden):
        await change_currency(agent, CurrencyChange("PKR", {}))


async def test_the_same_currency_reprices_services_left_behind_in_another(rupees, cast):
    owner = cast.acme_owner.actor
    await rupees.scope.update(Service, {Service.currency: "USD"}).where(Service.id == rupees.facial)
    plan = await repricing_plan(owner, "PKR")
    assert {s.name: s.new_price for s in plan.services} == {"Facial": "", "Haircut": "1500.00"}
    done = await change_currency(owner, CurrencyChange("PKR", {rupees.facial: "2600"}))
    assert [(s.name, s.price_display) for s in done.services] == [
        ("Facial", "PKR 2,600"),
        ("Haircut", "PKR 1,500"),
    ]


CODES = st.sampled_from(["PKR", "USD", "EUR"])
edits = st.lists(
    st.one_of(
        st.tuples(st.just("create"), st.sampled_from(["", "PKR", "USD"])),
        st.tuples(st.just("update"), st.sampled_from(["", "PKR", "USD"])),
        st.tuples(st.just("profile"), CODES),
        st.tuples(st.just("change"), CODES),
        st.tuples(st.just("change-missing"), CODES),
        st.tuples(st.just("deactivate"), st.just("")),
    ),
    min_size=1,
    max_size=8,
)


async def _edit(owner, scope, step, code, n):
    rows = await scope.select(Service, Service.id).order_by(Service.name)
    ids = [r["id"] for r in rows]
    if step == "create":
        await catalog.create_service(owner, ServiceIn(f"Service {n}", "100", currency=code))
    elif step == "update" and ids:
        await catalog.update_service(owner, ids[0], ServiceUpdate(price="120", currency=code))
    elif step == "profile":
        await profile.update_profile(owner, ProfileIn(currency=code))
    elif step == "change":
        await change_currency(owner, CurrencyChange(code, dict.fromkeys(ids, "90")))
    elif step == "change-missing" and ids:
        await change_currency(owner, CurrencyChange(code, dict.fromkeys(ids[1:], "90")))
    elif step == "deactivate" and ids:
        await catalog.update_service(owner, ids[-1], ServiceUpdate(is_active=False))


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=edits)
async def test_every_service_is_always_in_the_business_currency(rupees, cast, steps):
    owner, scope = cast.acme_owner.actor, rupees.scope
    await scope.delete(OrderItem)
    await scope.delete(Order)
    await scope.delete(Service)
    await Tenant.update({Tenant.currency: "PKR"}).where(Tenant.id == scope.tenant_id)
    for n, (step, code) in enumerate(steps):
        with contextlib.suppress(Invalid, Conflict):
            await _edit(owner, scope, step, code, n)
        tenant = await Tenant.select(Tenant.currency).where(Tenant.id == scope.tenant_id).first()
        services = await scope.select(Service, Service.currency, Service.is_active)
        assert {s["currency"] for s in services} <= {tenant["currency"]}, (step, code)
