"""Dead events in /admin/events and /api/v1/admin/events: listed, retried, discarded."""

import json

import pytest

from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, InboundEvent
from b2a.lib import clock
from b2a.tenants import service as tenants
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from tests.conftest import PASSWORD
from tests.http.api.conftest import OPERATOR, bearer
from tests.http.web._admin import OPERATOR_EMAIL, log_in_operator


@pytest.fixture
async def dead(cast):
    """Two events of Acme given up on: a delivery status and an account update."""
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = scope.new(Channel, transport=Transport.CLOUD)
    await channel.save()
    rows = [
        scope.new(
            InboundEvent,
            channel=channel.id,
            source=Transport.CLOUD,
            dedupe_key=key,
            payload=json.dumps(payload),
            attempts=5,
            last_error="KeyError: 'wamid'",
            dead_at=clock.now(),
        )
        for key, payload in (
            ("status:wamid.GONE:read", {"status": "read", "wamid": "wamid.GONE"}),
            ("update:account_update:1", {"field": "account_update", "waba_id": "WABA1"}),
        )
    ]
    await InboundEvent.insert(*rows)
    return scope, [row.id for row in rows]


async def test_the_operator_sees_dead_events_and_retries_or_discards_them(
    browser, dead, app, redis
):
    scope, (status, update) = dead
    await log_in_operator(browser)
    page = await browser.get("/admin/events")
    assert page.status_code == 200
    for words in ("Acme", "status read for wamid.GONE", "account_update change for account WABA1"):
        assert words in page.text
    assert "KeyError: &#39;wamid&#39;" in page.text

    retried = await browser.submit(f"/admin/events/{status}/retry", {}, page="/admin/events")
    assert retried.status_code == 303
    event = await scope.get(InboundEvent, status)
    assert (event.attempts, event.dead_at) == (0, None)
    job = await app.state.queue.job(f"apply_status:{status}")
    assert job is not None and job.kwargs["event_id"] == str(status)

    await browser.submit(f"/admin/events/{update}/discard", {}, page="/admin/events")
    assert (await scope.get(InboundEvent, update)).outcome == "discarded"
    again = await browser.submit(f"/admin/events/{update}/discard", {}, page="/admin/events")
    assert again.status_code == 303
    page = await browser.get("/admin/events")
    assert "No dead events" in page.text


async def test_the_admin_api_lists_retries_and_discards_dead_events(client, cast, dead, redis):
    scope, (status, update) = dead
    await tenants.create_user(OPERATOR, OPERATOR_EMAIL, password=PASSWORD, role=Role.SUPER_ADMIN)
    operator = await bearer(OPERATOR_EMAIL)
    listed = await client.get("/api/v1/admin/events", headers=operator)
    assert listed.status_code == 200
    rows = {row["id"]: row for row in listed.json()}
    assert rows[str(status)]["kind"] == "status" and rows[str(update)]["kind"] == "update"
    assert rows[str(status)]["tenant_id"] == str(scope.tenant_id)
    assert rows[str(status)]["attempts"] == 5

    owner = await bearer(cast.acme_owner.email)
    refused = await client.post(f"/api/v1/admin/events/{status}/retry", headers=owner)
    assert refused.status_code == 403
    retried = await client.post(f"/api/v1/admin/events/{status}/retry", headers=operator)
    assert retried.status_code == 204
    twice = await client.post(f"/api/v1/admin/events/{status}/retry", headers=operator)
    assert twice.status_code == 409 and "not a dead letter" in twice.json()["message"]
    discarded = await client.post(f"/api/v1/admin/events/{update}/discard", headers=operator)
    assert discarded.status_code == 204
    assert (await client.get("/api/v1/admin/events", headers=operator)).json() == []
