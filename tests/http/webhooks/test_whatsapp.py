"""A signed Cloud API webhook travels through the server, the queue and a real worker."""

import asyncio
import hashlib
import hmac
import json

import pytest
from litestar.testing import AsyncTestClient
from saq import Status

from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import DeliveryState
from b2a.inbox.tables import InboundEvent, Message
from b2a.lib.crypto import SecretBox
from b2a.server.app import create_app
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.fakes.graph_api import TOKEN, FakeGraphApi
from tests.pipeline import running_worker

SECRET = "meta-app-secret"


def delivery(messages=(), statuses=(), number="PNID1"):
    value = {
        "messaging_product": "whatsapp",
        "metadata": {"display_phone_number": "15550001111", "phone_number_id": number},
        "contacts": [{"profile": {"name": "Ayesha"}, "wa_id": "923001234567"}],
        "messages": list(messages),
        "statuses": list(statuses),
    }
    return {
        "object": "whatsapp_business_account",
        "entry": [{"id": "WABA", "changes": [{"field": "messages", "value": value}]}],
    }


def text(wamid, body="price kya hai?"):
    return {
        "from": "923001234567",
        "id": wamid,
        "timestamp": "1700000000",
        "type": "text",
        "text": {"body": body},
    }


def signed(payload, secret=SECRET):
    body = json.dumps(payload).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return body, {"X-Hub-Signature-256": signature, "Content-Type": "application/json"}


@pytest.fixture
async def cloud(cast, make_settings, db):
    settings = make_settings(B2A_DB_URL=db.url)
    scope = TenantScope(cast.acme_owner.tenant_id)
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret=SECRET, verify_token="vt")
    channel = await connect_cloud_channel(
        scope, credentials, SecretBox(settings.core.encryption_key)
    )
    return settings, scope, channel


async def _drain(settings, queue_jobs):
    async with running_worker(settings) as worker:
        for key in queue_jobs:
            for _ in range(100):
                job = await worker.queue.job(key)
                if job and job.status in (Status.COMPLETE, Status.FAILED):
                    break
                await asyncio.sleep(0.05)
            assert job is not None and job.status == Status.COMPLETE, job and job.error


async def test_the_handshake_answers_the_challenge_only_with_the_token(cloud):
    settings, _, channel = cloud
    async with AsyncTestClient(create_app(settings)) as client:
        url = f"/webhooks/whatsapp/{channel.id}"
        ok = await client.get(
            url, params={"hub.mode": "subscribe", "hub.verify_token": "vt", "hub.challenge": "42"}
        )
        assert ok.status_code == 200 and ok.text == "42"
        bad = await client.get(
            url, params={"hub.mode": "subscribe", "hub.verify_token": "x", "hub.challenge": "42"}
        )
        assert bad.status_code == 403


async def test_a_bad_signature_is_refused_before_anything_is_stored(cloud, redis):
    settings, scope, channel = cloud
    body, headers = signed(delivery([text("wamid.X")]), secret="wrong")
    async with AsyncTestClient(create_app(settings)) as client:
        response = await client.post(
            f"/webhooks/whatsapp/{channel.id}", content=body, headers=headers
        )
    assert response.status_code == 401
    assert await scope.count(InboundEvent).run() == 0


async def test_messages_are_persisted_at_ack_and_stored_once_by_the_worker(cloud, redis):
    settings, scope, channel = cloud
    body, headers = signed(delivery([text("wamid.A"), text("wamid.B", "order karna hai")]))
    async with AsyncTestClient(create_app(settings)) as client:
        first = await client.post(f"/webhooks/whatsapp/{channel.id}", content=body, headers=headers)
        replay = await client.post(
            f"/webhooks/whatsapp/{channel.id}", content=body, headers=headers
        )
    assert first.json() == {"accepted": 2, "skipped": 0}
    assert replay.json() == {"accepted": 0, "skipped": 0}
    assert await scope.count(InboundEvent).run() == 2
    events = await scope.select(InboundEvent, InboundEvent.id).run()
    await _drain(settings, [f"process_inbound:{e['id']}" for e in events])
    texts = sorted(r["text"] for r in await scope.select(Message, Message.text).run())
    assert texts == ["order karna hai", "price kya hai?"]


async def _post(settings, channel, payload):
    body, headers = signed(payload)
    async with AsyncTestClient(create_app(settings)) as client:
        response = await client.post(
            f"/webhooks/whatsapp/{channel.id}", content=body, headers=headers
        )
    assert response.status_code == 200


def _status(state, **extra):
    return {
        "id": "wamid.OUT",
        "status": state,
        "timestamp": "1700000005",
        "recipient_id": "923001234567",
        **extra,
    }


async def _event_keys(scope, task, pattern):
    rows = (
        await scope.select(InboundEvent, InboundEvent.id)
        .where(InboundEvent.dedupe_key.like(pattern))
        .run()
    )
    return [f"{task}:{row['id']}" for row in rows]


async def test_statuses_move_forward_only_and_failures_read_plainly(cloud, redis):
    settings, scope, channel = cloud
    await _post(settings, channel, delivery([text("wamid.OUT")]))
    await _drain(settings, await _event_keys(scope, "process_inbound", "msg:%"))
    await scope.update(Message, {Message.state: DeliveryState.SENT}).run()
    await _post(settings, channel, delivery(statuses=[_status("read")]))  # out of order
    await _post(settings, channel, delivery(statuses=[_status("delivered")]))
    await _drain(settings, await _event_keys(scope, "apply_status", "status:%"))
    assert (await scope.objects(Message).first()).state == DeliveryState.READ

    failure = _status("failed", errors=[{"code": 131026, "title": "Undeliverable"}])
    await _post(settings, channel, delivery(statuses=[failure]))
    await _drain(settings, await _event_keys(scope, "apply_status", "%:failed"))
    message = await scope.objects(Message).first()
    assert message.state == DeliveryState.FAILED and message.error_code == "131026"
    assert "not be on WhatsApp" in message.error_detail


async def test_an_unknown_channel_is_404(cloud):
    settings, _, _ = cloud
    body, headers = signed(delivery([text("wamid.Z")]))
    async with AsyncTestClient(create_app(settings)) as client:
        response = await client.post(
            "/webhooks/whatsapp/00000000-0000-0000-0000-000000000000", content=body, headers=headers
        )
    assert response.status_code == 404


async def test_inbound_media_is_copied_into_tenant_storage_on_receipt(
    cast, db, make_settings, tmp_path, redis
):
    with FakeGraphApi() as graph:
        graph.state.media["MEDIA9"] = (b"\xff\xd8 a photo of the cake", "image/jpeg")
        settings = make_settings(
            B2A_DB_URL=db.url, B2A_HOME=str(tmp_path), B2A_WHATSAPP_GRAPH_URL=graph.base_url
        )
        scope = TenantScope(cast.acme_owner.tenant_id)
        credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret=SECRET, verify_token="vt")
        channel = await connect_cloud_channel(
            scope, credentials, SecretBox(settings.core.encryption_key)
        )
        image = {
            "from": "923001234567",
            "id": "wamid.IMG",
            "timestamp": "1700000000",
            "type": "image",
            "image": {
                "id": "MEDIA9",
                "mime_type": "image/jpeg",
                "sha256": "x",
                "caption": "this cake",
            },
        }
        await _post(settings, channel, delivery([image]))
        await _drain(settings, await _event_keys(scope, "process_inbound", "msg:%"))
    message = await scope.objects(Message).first()
    assert message.text == "this cake" and message.media_mime == "image/jpeg"
    stored = tmp_path / "media" / str(cast.acme_owner.tenant_id) / message.media_path
    assert stored.read_bytes() == b"\xff\xd8 a photo of the cake"
    assert oct(stored.stat().st_mode & 0o777) == "0o640"


async def test_events_are_routed_to_the_tenant_of_their_phone_number_id(cloud, cast, redis):
    settings, acme, channel = cloud
    globex = TenantScope(cast.globex_owner.tenant_id)
    box = SecretBox(settings.core.encryption_key)
    same_app = CloudCredentials("PNID2", TOKEN, "WABA2", app_secret=SECRET, verify_token="vt")
    await connect_cloud_channel(globex, same_app, box)
    other_app = CloudCredentials("PNID3", TOKEN, "WABA3", app_secret="another", verify_token="x")
    initech, _ = await tenants.create_tenant(
        Actor.operator("tests"),
        "Initech",
        admin_email="o@initech.test",
        admin_password="a long initech passphrase",
    )
    await connect_cloud_channel(TenantScope(initech.id), other_app, box)
    # One Meta app posts every number's events to the callback URL it knows.
    payload = delivery(messages=[text("wamid.G")], number="PNID2")
    payload["entry"] += delivery(messages=[text("wamid.X")], number="PNID3")["entry"]
    payload["entry"] += delivery(messages=[text("wamid.U")], number="PNID9")["entry"]
    await _post(settings, channel, payload)
    assert [
        e["dedupe_key"] for e in await globex.select(InboundEvent, InboundEvent.dedupe_key)
    ] == ["msg:wamid.G"]
    assert await acme.count(InboundEvent).run() == 0
    assert await TenantScope(initech.id).count(InboundEvent).run() == 0, "another app: dropped"
