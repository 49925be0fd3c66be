"""Scheduled messages and the WhatsApp-Web session controls over the API."""

from b2a.inbox.service import conversation_for
from b2a.inbox.tables import Channel, Customer
from b2a.tenants.rules import TenantStatus
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp import web_relay
from tests.http.api.conftest import sandbox_channel


async def _customer(scope):
    """A customer who chatted in the sandbox (a schedule joins that conversation)."""
    channel = await sandbox_channel(scope)
    customer = scope.new(Customer, name="Ayesha", phone="923001234567")
    await customer.save()
    await conversation_for(scope, channel.id, customer.id)
    return customer.id


async def test_a_message_is_scheduled_in_the_tenant_clock_listed_and_cancelled(
    client, tokens, cast
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await Tenant.update({Tenant.time_zone: "Asia/Karachi"}).where(Tenant.id == scope.tenant_id)
    customer = await _customer(scope)
    created = await client.post(
        "/api/v1/scheduled-messages",
        json={"customer_id": str(customer), "send_at": "2030-12-01T10:00:00", "text": "Eid sale"},
        headers=tokens.acme_agent,
    )
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["status"] == "PENDING" and body["send_at"].startswith("2030-12-01T05:00:00")

    listed = await client.get("/api/v1/scheduled-messages", headers=tokens.acme_agent)
    assert [row["id"] for row in listed.json()] == [body["id"]]
    foreign = await client.delete(
        f"/api/v1/scheduled-messages/{body['id']}", headers=tokens.globex_owner
    )
    assert foreign.status_code == 404
    assert (
        await client.get("/api/v1/scheduled-messages", headers=tokens.globex_owner)
    ).json() == []

    cancelled = await client.delete(
        f"/api/v1/scheduled-messages/{body['id']}", headers=tokens.acme_agent
    )
    assert cancelled.status_code == 204
    again = await client.delete(
        f"/api/v1/scheduled-messages/{body['id']}", headers=tokens.acme_agent
    )
    assert again.status_code == 409
    pending = await client.get(
        "/api/v1/scheduled-messages", params={"status": "PENDING"}, headers=tokens.acme_agent
    )
    assert pending.json() == []


async def test_a_schedule_in_the_past_is_refused_naming_the_field(client, tokens, cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    customer = await _customer(scope)
    response = await client.post(
        "/api/v1/scheduled-messages",
        json={"customer_id": str(customer), "send_at": "2020-01-01T00:00:00Z", "text": "late"},
        headers=tokens.acme_owner,
    )
    assert response.status_code == 422
    assert "in the past" in response.text and "send_at" in response.text


async def test_session_controls_reach_the_session_process_through_redis(
    client, tokens, cast, redis
):
    tenant = str(cast.acme_owner.tenant_id)
    refused = await client.post("/api/v1/whatsapp/web/start", headers=tokens.acme_agent)
    assert refused.status_code == 403

    started = await client.post("/api/v1/whatsapp/web/start", headers=tokens.acme_owner)
    assert started.status_code == 201, started.text
    assert started.json()["state"] == "CONNECTING" and started.json()["wants_session"]
    assert tenant in await redis.lrange(web_relay.wake_key(), 0, -1)

    bad = await client.post(
        "/api/v1/whatsapp/web/pairing-code", json={"phone": "12345"}, headers=tokens.acme_owner
    )
    assert bad.status_code == 422
    code = await client.post(
        "/api/v1/whatsapp/web/pairing-code",
        json={"phone": "+92 300 1234567"},
        headers=tokens.acme_owner,
    )
    assert code.status_code == 201
    [command] = await redis.lrange(web_relay.commands_key(tenant), 0, -1)
    assert '"phone": "923001234567"' in command

    view = await client.get("/api/v1/whatsapp/web", headers=tokens.acme_agent)
    assert view.status_code == 200 and view.json()["state"] == "CONNECTING"
    other = await client.get("/api/v1/whatsapp/web", headers=tokens.globex_owner)
    assert other.json()["state"] != "CONNECTING"

    dropped = await client.post("/api/v1/whatsapp/web/drop", headers=tokens.acme_owner)
    assert dropped.json()["wants_session"] is False and dropped.json()["state"] == "NOT_SET_UP"

    await Tenant.update({Tenant.status: TenantStatus.SUSPENDED}).where(
        Tenant.id == cast.acme_owner.tenant_id
    )
    suspended = await client.post("/api/v1/whatsapp/web/start", headers=tokens.acme_owner)
    assert suspended.status_code in (401, 403)
    channel = await TenantScope(cast.acme_owner.tenant_id).objects(Channel).first()
    assert channel.wants_session is False
