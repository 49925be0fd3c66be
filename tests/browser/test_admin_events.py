"""The operator retries a dead event from /admin/events, and the live worker processes it."""

import json
import uuid

import pytest
from playwright.async_api import expect

from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, InboundEvent
from b2a.lib import clock
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from tests.browser.conftest import PASSWORD, unique_email
from tests.pipeline import eventually

OPERATOR = Actor.operator("browser tests")
pytestmark = pytest.mark.slow  # starts b2a serve and b2a worker, and a browser


async def _dead_status(business: str):
    """A delivery status for a message b2a never sent, given up on after its attempts."""
    tenant, _ = await tenants.create_tenant(
        OPERATOR, business, admin_email=unique_email("owner"), admin_password=PASSWORD
    )
    scope = TenantScope(tenant.id)
    channel = scope.new(Channel, transport=Transport.CLOUD)
    await channel.save()
    wamid = f"wamid.{uuid.uuid4().hex[:8]}"
    event = scope.new(
        InboundEvent,
        channel=channel.id,
        source=Transport.CLOUD,
        dedupe_key=f"status:{wamid}:read",
        payload=json.dumps({"wamid": wamid, "status": "read", "errors": [], "ref": ""}),
        attempts=5,
        last_error="TimeoutError: the database did not answer",
        dead_at=clock.now(),
    )
    await event.save()
    return scope, event.id, wamid


async def test_the_operator_retries_a_dead_event_and_the_worker_processes_it(new_visitor, stack_db):
    business = f"Dairy {uuid.uuid4().hex[:6]}"
    scope, event_id, wamid = await _dead_status(business)
    email = unique_email("op")
    await tenants.create_user(OPERATOR, email, password=PASSWORD, role=Role.SUPER_ADMIN)
    tab = await new_visitor()
    await tab.log_in(email, PASSWORD)
    await tab.page.wait_for_url("**/admin")

    await tab.page.get_by_role("link", name="Dead events").click()
    await expect(tab.page.get_by_role("heading", level=1)).to_have_text("Dead events")
    row = tab.page.locator(f"#event-{event_id}")
    await expect(row).to_contain_text(business)
    await expect(row).to_contain_text(f"status read for {wamid}")
    await expect(row).to_contain_text("TimeoutError: the database did not answer")
    await tab.shot("admin-events")

    await row.get_by_role("button", name="Retry").click()
    await expect(
        tab.page.get_by_text("The event is queued again with fresh attempts.")
    ).to_be_visible()
    await expect(tab.page.locator(f"#event-{event_id}")).to_have_count(0)

    async def processed():
        event = await scope.get(InboundEvent, event_id)
        return event if event.processed_at else None

    event = await eventually(processed, timeout=30)
    assert (event.outcome, event.attempts, event.dead_at) == ("orphaned", 0, None)
    assert tab.problems == [], tab.problems
