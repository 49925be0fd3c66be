"""Templates: local ones by tenant admins, Meta's synced with their approval status."""

import pytest

from b2a.inbox.channels import connect_cloud_channel
from b2a.lib.crypto import SecretBox
from b2a.outbox.tables import MessageTemplate
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.fakes.graph_api import TOKEN


def meta(name, status, body, template_id):
    return {
        "name": name,
        "language": "en_US",
        "status": status,
        "category": "UTILITY",
        "id": template_id,
        "components": [{"type": "HEADER", "text": "x"}, {"type": "BODY", "text": body}],
    }


@pytest.fixture
def settings(db, make_settings, app_home, graph):
    return make_settings(
        B2A_DB_URL=db.url, B2A_HOME=str(app_home), B2A_WHATSAPP_GRAPH_URL=graph.base_url
    )


async def _templates(client, headers):
    rows = (await client.get("/api/v1/templates", headers=headers)).json()
    return {(t["source"], t["name"]): t for t in rows}


async def test_meta_templates_are_synced_with_their_status(client, cast, tokens, settings, graph):
    h = tokens.acme_agent
    refused = await client.post("/api/v1/templates/sync", headers=h)
    assert refused.status_code == 409 and refused.json()["code"] == "NO_CLOUD_CHANNEL"

    scope = TenantScope(cast.acme_owner.tenant_id)
    credentials = CloudCredentials("PNID1", TOKEN, "WABA1", app_secret="s", verify_token="v")
    await connect_cloud_channel(scope, credentials, SecretBox(settings.core.encryption_key))
    graph.state.templates = [
        meta("order_ready", "APPROVED", "Hi {{1}}, order {{2}} is ready.", "m1"),
        meta("promo", "PENDING", "Sale!", "m2"),
        meta("old", "REJECTED", "Old", "m3"),
    ]
    first = (await client.post("/api/v1/templates/sync", headers=h)).json()
    assert first == {"created": 3, "updated": 0, "disabled": 0, "skipped": 0}
    synced = await _templates(client, h)
    ready = synced[("meta", "order_ready")]
    assert ready["meta_status"] == "APPROVED" and ready["sendable"]
    assert ready["variables"] == ["1", "2"] and ready["body"].startswith("Hi {{1}}")
    assert not synced[("meta", "promo")]["sendable"]

    graph.state.templates = [
        meta("order_ready", "PAUSED", "Hi {{1}}, order {{2}} is ready.", "m1"),
        meta("promo", "APPROVED", "Sale!", "m2"),
    ]
    second = (await client.post("/api/v1/templates/sync", headers=h)).json()
    assert second == {"created": 0, "updated": 2, "disabled": 1, "skipped": 0}
    synced = await _templates(client, h)
    assert synced[("meta", "promo")]["sendable"]
    assert synced[("meta", "order_ready")]["meta_status"] == "PAUSED"
    assert synced[("meta", "old")]["meta_status"] == "DISABLED"
    assert len(synced) == 3

    # A webhook said why it was paused; approved again at the next sync, the reason is history.
    await scope.update(MessageTemplate, {MessageTemplate.status_reason: "customers blocked it"})
    graph.state.templates = [
        meta("order_ready", "APPROVED", "Hi {{1}}, order {{2}} is ready.", "m1")
    ]
    await client.post("/api/v1/templates/sync", headers=h)
    assert (await _templates(client, h))[("meta", "order_ready")]["status_reason"] == ""


async def test_local_templates_are_written_by_tenant_admins(client, tokens):
    body = {"name": "thanks", "body": "Shukriya {{name}}, order {{order}}!"}
    assert (
        await client.post("/api/v1/templates", json=body, headers=tokens.acme_agent)
    ).status_code == 403
    made = await client.post("/api/v1/templates", json=body, headers=tokens.acme_owner)
    assert made.status_code == 201 and made.json()["variables"] == ["name", "order"]
    again = await client.post("/api/v1/templates", json=body, headers=tokens.acme_owner)
    assert again.status_code == 409 and again.json()["code"] == "TEMPLATE_EXISTS"
    assert await _templates(client, tokens.globex_owner) == {}
