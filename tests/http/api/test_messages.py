"""Threads, replies (text, template, media) through the real worker, and dead letters."""

import uuid

from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import DeliveryState, Direction
from b2a.inbox.tables import Message
from b2a.lib.crypto import SecretBox
from b2a.outbox.rules import MetaTemplateStatus, TemplateSource
from b2a.outbox.tables import MessageTemplate
from b2a.server.api.messages import MEDIA_LIMIT
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from tests import samples
from tests.fakes.graph_api import TOKEN
from tests.http.api.conftest import sandbox_channel, seed_conversation
from tests.pipeline import eventually, running_worker

PNG = b"\x89PNG\r\n\x1a\n a tiny picture"


async def _cloud_conversation(scope, settings, *, window_open):
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    channel = await connect_cloud_channel(
        scope, credentials, SecretBox(settings.core.encryption_key)
    )
    return await seed_conversation(scope, channel, window_open=window_open)


async def test_a_reply_is_queued_then_sent_by_the_worker(client, cast, tokens, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    url = f"/api/v1/conversations/{conversation.id}/messages"
    response = await client.post(
        url, json={"text": "  Ji, 1500 rupay  "}, headers=tokens.acme_agent
    )
    assert response.status_code == 201, response.text
    reply = response.json()
    assert reply["state"] == "QUEUED" and reply["text"] == "Ji, 1500 rupay"
    assert reply["author"] == "AGENT" and reply["sent_by"] == str(cast.acme_agent.actor.user_id)

    async with running_worker(settings):

        async def sent():
            row = await scope.get(Message, reply["id"])
            return row.state == DeliveryState.SENT

        await eventually(sent)
    thread = (await client.get(url, headers=tokens.acme_agent)).json()
    assert [m["text"] for m in thread["items"]] == ["Ji, 1500 rupay", "price kya hai?"]
    assert thread["items"][0]["state"] == "SENT" and thread["next_cursor"] is None
    owner = await client.get(f"/api/v1/conversations/{conversation.id}", headers=tokens.acme_agent)
    assert owner.json()["owner"] == "HUMAN"
    empty = await client.post(url, json={"text": " "}, headers=tokens.acme_agent)
    assert empty.status_code == 422 and empty.json()["field"] == "text"


async def test_outside_the_window_text_is_refused_and_an_approved_template_goes(
    client, cast, tokens, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _cloud_conversation(scope, settings, window_open=False)
    url = f"/api/v1/conversations/{conversation.id}/messages"
    refused = await client.post(url, json={"text": "hello?"}, headers=tokens.acme_agent)
    assert refused.status_code == 409
    assert refused.json()["code"] == "WINDOW_CLOSED"
    assert "approved template" in refused.json()["message"]

    template = MessageTemplate(
        tenant=scope.tenant_id,
        source=TemplateSource.META,
        name="order_ready",
        language="en",
        body="Hi {{1}}, your order {{2}} is ready.",
        variables=["1", "2"],
        meta_status=MetaTemplateStatus.APPROVED,
    )
    await template.save()
    body = {"template_id": str(template.id), "variables": {"1": "Ayesha", "2": "#42"}}
    sent = await client.post(url, json=body, headers=tokens.acme_agent)
    assert sent.status_code == 201, sent.text
    assert sent.json()["kind"] == "template" and sent.json()["template_name"] == "order_ready"
    assert sent.json()["text"] == "Hi Ayesha, your order #42 is ready."
    missing = await client.post(
        url,
        json={"template_id": str(template.id), "variables": {"1": "A"}},
        headers=tokens.acme_agent,
    )
    assert missing.status_code == 422 and "missing: 2" in missing.json()["message"]


async def test_a_local_template_reply_is_rendered_text(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    created = await client.post(
        "/api/v1/templates",
        json={"name": "thanks", "body": "Shukriya {{name}}!"},
        headers=tokens.acme_owner,
    )
    assert created.status_code == 201 and created.json()["variables"] == ["name"]
    reply = await client.post(
        f"/api/v1/conversations/{conversation.id}/messages",
        json={"template_id": created.json()["id"], "variables": {"name": "Ayesha"}},
        headers=tokens.acme_agent,
    )
    assert reply.status_code == 201 and reply.json()["text"] == "Shukriya Ayesha!"


async def test_a_media_reply_is_stored_for_the_tenant_and_served_to_it_only(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    url = f"/api/v1/conversations/{conversation.id}/messages/media"
    response = await client.post(
        url,
        files={"file": ("cake.png", PNG, "image/png")},
        data={"caption": "this one?"},
        headers=tokens.acme_agent,
    )
    assert response.status_code == 201, response.text
    message = response.json()
    assert message["kind"] == "image" and message["has_media"] and message["text"] == "this one?"
    assert message["media_size"] == len(PNG)
    download = await client.get(
        f"/api/v1/messages/{message['id']}/media", headers=tokens.acme_owner
    )
    assert download.content == PNG and download.headers["content-type"] == "image/png"
    foreign = await client.get(
        f"/api/v1/messages/{message['id']}/media", headers=tokens.globex_owner
    )
    assert foreign.status_code == 404


async def test_a_file_over_the_limit_is_413_with_a_clear_code(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    response = await client.post(
        f"/api/v1/conversations/{conversation.id}/messages/media",
        files={"file": ("big.bin", b"0" * (MEDIA_LIMIT + 100_000), "application/pdf")},
        headers=tokens.acme_agent,
    )
    assert response.status_code == 413
    assert response.json()["code"] == "PAYLOAD_TOO_LARGE"
    assert await scope.count(Message).where(Message.direction == Direction.OUTBOUND) == 0


async def test_dead_letters_show_the_reason(client, cast, tokens):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope), name="Ayesha")
    await scope.new(
        Message,
        conversation=conversation.id,
        direction=Direction.OUTBOUND,
        text="your order",
        state=DeliveryState.DEAD,
        error_code="131026",
        error_detail="The customer may not be on WhatsApp.",
        attempts=3,
        wa_message_id=f"x.{uuid.uuid4().hex}",
    ).save()
    page = (await client.get("/api/v1/dead-letters", headers=tokens.acme_agent)).json()
    [letter] = page["items"]
    assert letter["message"]["error_code"] == "131026"
    assert "not be on WhatsApp" in letter["message"]["error_detail"]
    assert letter["customer"]["name"] == "Ayesha"
    other = (await client.get("/api/v1/dead-letters", headers=tokens.globex_owner)).json()
    assert other["items"] == []


async def test_an_upload_is_stored_as_what_it_is_and_a_kind_whatsapp_cannot_send_is_422(
    client, cast, tokens
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(scope, await sandbox_channel(scope))
    url = f"/api/v1/conversations/{conversation.id}/messages/media"

    async def upload(name, content, claimed):
        return await client.post(
            url, files={"file": (name, content, claimed)}, headers=tokens.acme_agent
        )

    jpeg = (await upload("cake.png", samples.JPEG, "image/png")).json()
    assert (jpeg["kind"], jpeg["media_mime"]) == ("image", "image/jpeg")
    page = (await upload("menu.png", samples.HTML, "image/png")).json()
    assert (page["kind"], page["media_mime"]) == ("document", "text/plain")
    served = await client.get(f"/api/v1/messages/{page['id']}/media", headers=tokens.acme_agent)
    assert served.headers["content-type"] == "application/octet-stream"
    assert served.headers["content-disposition"].startswith("attachment;")

    gif = await upload("dance.gif", samples.GIF, "image/gif")
    assert gif.status_code == 422 and gif.json()["field"] == "file"
    assert gif.json()["message"].startswith("WhatsApp cannot send a GIF image (send it as JPEG")
    program = await upload("setup.png", b"MZ\x90\x00\x03\x00\x00\x00\x04", "image/png")
    assert program.status_code == 422
    assert "WhatsApp sends JPEG or PNG images" in program.json()["message"]
    outbound = await scope.count(Message).where(Message.direction == Direction.OUTBOUND)
    assert outbound == 2
