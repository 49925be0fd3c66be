"""The orders pages: pending requests first, only the moves the state machine allows, 404s."""

from datetime import UTC, datetime

from b2a.catalog import service as catalog
from b2a.catalog.schemas import ServiceIn
from b2a.inbox.rules import Author
from b2a.inbox.tables import Message
from b2a.orders import service as orders
from b2a.orders.rules import OrdersNeed
from b2a.orders.schemas import OrderCreate, OrderItemIn
from b2a.tenants.profile import DayHours, ProfileIn, set_working_hours, update_profile
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation


async def make_order(owner, *, name="Ayesha", quantity=2, address="12 Mall Road"):
    """A PENDING_APPROVAL request (a DRAFT without an address) for a new sandbox customer."""
    scope = TenantScope(owner.tenant_id)
    services = await catalog.list_services(owner.actor)
    service = (
        services[0]
        if services
        else await catalog.create_service(owner.actor, ServiceIn(name="Haircut", price="1500"))
    )
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name=name)
    details = {"address": address} if address else {}
    request = OrderCreate(conversation.id, [OrderItemIn(service.id, quantity)], details)
    return await orders.create_order(owner.actor, request)


async def test_staff_see_pending_orders_first_and_approve_one_with_a_note(browser, cast):
    draft = await make_order(cast.acme_owner, address="")
    pending = await make_order(cast.acme_owner, name="Bilal")
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    listed = await browser.get("/app/orders")
    assert listed.status_code == 200 and 'href="/app/orders"' in listed.text
    assert listed.text.index(f"#{pending.number}") < listed.text.index(f"#{draft.number}")
    only = await browser.get("/app/orders?status=DRAFT")
    assert f"#{draft.number}<" in only.text and f"#{pending.number}<" not in only.text

    page = await browser.get(f"/app/orders/{pending.id}")
    assert "USD 3,000" in page.text and "USD 1,500" in page.text and "12 Mall Road" in page.text
    assert f'href="/app/inbox/{pending.conversation_id}"' in page.text
    assert "/approve" in page.text and "/reject" in page.text and "/complete" not in page.text
    approved = await browser.post(f"/app/orders/{pending.id}/approve", {"note": "slot at 5"})
    assert approved.status_code == 303
    after = await browser.get(f"/app/orders/{pending.id}")
    assert "approved" in after.text and "slot at 5" in after.text
    assert "/complete" in after.text and "/approve" not in after.text
    told = await Message.objects().where(Message.author == Author.SYSTEM)
    assert [m.conversation for m in told] == [pending.conversation_id]
    assert f"approved your order request #{pending.number}" in told[0].text


async def test_a_reject_needs_a_note_and_a_refused_move_shows_the_domains_message(browser, cast):
    order = await make_order(cast.acme_owner)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    await browser.get(f"/app/orders/{order.id}")
    refused = await browser.post(f"/app/orders/{order.id}/reject", {"note": " "})
    assert refused.status_code == 422 and 'id="e-note"' in refused.text
    assert "say why the order is rejected" in refused.text
    too_early = await browser.post(f"/app/orders/{order.id}/complete", {"note": ""})
    assert too_early.status_code == 409 and "PENDING_APPROVAL" in too_early.text
    rejected = await browser.post(f"/app/orders/{order.id}/reject", {"note": "fully booked"})
    assert rejected.status_code == 303
    final = await browser.get(f"/app/orders/{order.id}")
    assert "rejected" in final.text and 'formaction="' not in final.text


async def test_the_dashboard_counts_the_orders_the_list_shows_as_pending(browser, cast):
    await make_order(cast.acme_owner)
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    dashboard = await browser.get("/app")
    assert "1 order waits for approval" in dashboard.text
    listed = await browser.get("/app/orders?status=PENDING_APPROVAL")
    assert listed.text.count('href="/app/orders/') == 1


async def test_another_tenants_order_answers_404(browser, cast):
    order = await make_order(cast.globex_owner)
    await browser.log_in(cast.acme_owner.email, PASSWORD)
    assert (await browser.get(f"/app/orders/{order.id}")).status_code == 404
    await browser.get("/app/orders")
    assert (await browser.post(f"/app/orders/{order.id}/approve", {})).status_code == 404
    assert (await orders.get_order(cast.globex_owner.actor, order.id)).status == "PENDING_APPROVAL"


async def test_staff_set_a_drafts_time_on_its_page_inside_the_hours_in_the_business_zone(
    browser, cast
):
    owner = cast.acme_owner
    await orders.set_orders_need(owner.actor, OrdersNeed.TIME)
    await update_profile(owner.actor, ProfileIn(time_zone="Asia/Karachi"))
    await set_working_hours(owner.actor, [DayHours(d, "10:00", "20:00") for d in range(6)])
    draft = await make_order(owner, address="")
    await browser.log_in(cast.acme_agent.email, PASSWORD)
    page = await browser.get(f"/app/orders/{draft.id}")
    assert "No time yet" in page.text and 'type="datetime-local"' in page.text

    sunday = await browser.post(
        f"/app/orders/{draft.id}/time", {"requested_at": "2030-01-06T12:00"}
    )
    assert sunday.status_code == 422
    assert "we are closed on Sundays" in sunday.text
    late = await browser.post(f"/app/orders/{draft.id}/time", {"requested_at": "2030-01-08T21:00"})
    assert late.status_code == 422 and "Tuesday 10:00–20:00" in late.text

    saved = await browser.post(f"/app/orders/{draft.id}/time", {"requested_at": "2030-01-08T17:00"})
    assert saved.status_code == 303
    shown = await browser.get(f"/app/orders/{draft.id}")
    assert "Tuesday 08 January 2030 at 17:00 PKT" in shown.text
    assert "pending approval" in shown.text
    stored = await orders.get_order(owner.actor, draft.id)
    assert stored.requested_at == datetime(2030, 1, 8, 12, 0, tzinfo=UTC)
    listed = await browser.get("/app/orders")
    assert "Tue 08 Jan 2030 17:00 PKT" in listed.text
