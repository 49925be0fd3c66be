"""Each kind's fixture, signed and posted to the Cloud API webhook, is accepted as parsed.

The fixtures (tests/fixtures/cloud/) are full webhook bodies, one per kind. Every
message in them becomes one InboundEvent whose payload is the InboundMessage the
parser made of it, raw message included; every status, one status event.
"""

import asyncio
import json
from pathlib import Path

import pytest
from saq import Status

from b2a.db.columns import json_value
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.tables import InboundEvent, Message
from b2a.lib.crypto import SecretBox
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from b2a.whatsapp.cloud_webhook import CloudMessage, parse_delivery
from b2a.whatsapp.inbound import InboundMessage, from_cloud
from tests.fakes.graph_api import TOKEN
from tests.http.webhooks.test_whatsapp import SECRET, signed
from tests.pipeline import running_worker

FIXTURES = Path(__file__).parents[2] / "fixtures" / "cloud"
MESSAGE_KINDS = sorted(path.stem for path in FIXTURES.glob("*.json") if path.stem != "status")


@pytest.fixture
async def channel(cast, settings):
    scope = TenantScope(cast.acme_owner.tenant_id)
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret=SECRET, verify_token="vt")
    return await connect_cloud_channel(scope, credentials, SecretBox(settings.core.encryption_key))


def _fixture(kind):
    return json.loads((FIXTURES / f"{kind}.json").read_text())


async def _post(client, channel, payload):
    body, headers = signed(payload)
    response = await client.post(f"/webhooks/whatsapp/{channel.id}", content=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["accepted"]


async def _events(scope):
    rows = await scope.select(InboundEvent, InboundEvent.dedupe_key, InboundEvent.payload).run()
    return {row["dedupe_key"]: json_value(row["payload"]) for row in rows}


async def test_each_message_of_every_kind_is_accepted_with_its_parsed_payload(
    cast, client, channel
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    seen: set[str] = set()
    for kind in MESSAGE_KINDS:
        payload = _fixture(kind)
        expected = [from_cloud(e) for e in parse_delivery(payload) if isinstance(e, CloudMessage)]
        assert {message.kind for message in expected} == {kind}
        assert await _post(client, channel, payload) == len(expected), kind
        events = await _events(scope)
        keys = {f"msg:{message.wa_message_id}" for message in expected}
        assert set(events) - seen == keys, kind
        seen |= keys
        for message in expected:
            stored = InboundMessage.from_json(events[f"msg:{message.wa_message_id}"])
            assert stored == message, kind
            assert stored.raw["id"] == message.wa_message_id
        assert await _post(client, channel, payload) == 0, f"{kind}: a redelivery is accepted once"


async def test_every_status_is_accepted_under_its_own_name_with_its_errors(cast, client, channel):
    assert await _post(client, channel, _fixture("status")) == 7
    events = await _events(TenantScope(cast.acme_owner.tenant_id))
    names = ("sent", "delivered", "read", "played", "deleted", "warning", "failed")
    assert set(events) == {f"status:wamid.out.1:{name}" for name in names}
    assert events["status:wamid.out.1:played"]["status"] == "played"
    assert events["status:wamid.out.1:failed"]["errors"][0]["code"] == 131026
    assert events["status:wamid.out.1:sent"]["ref"] == "b2a:0193b5a0-2f7c-7d41-9a4e-6b1d2c3e4f50"


async def test_texts_with_quotes_forwards_ads_and_products_are_stored_as_messages(
    cast, client, channel, settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    assert await _post(client, channel, _fixture("text")) == 5
    keys = [
        f"process_inbound:{row['id']}"
        for row in await scope.select(InboundEvent, InboundEvent.id).run()
    ]
    async with running_worker(settings) as worker:
        for key in keys:
            for _ in range(100):
                job = await worker.queue.job(key)
                if job and job.status in (Status.COMPLETE, Status.FAILED):
                    break
                await asyncio.sleep(0.05)
            assert job is not None and job.status == Status.COMPLETE, job and job.error
    rows = await scope.select(Message, Message.wa_message_id, Message.kind, Message.text).run()
    assert {row["wa_message_id"]: (row["kind"], row["text"]) for row in rows} == {
        "wamid.text.plain": ("text", "Is the chocolate cake available on Friday?"),
        "wamid.text.quote": ("text", "This one please"),
        "wamid.text.forwarded": ("text", "Sale this week only!"),
        "wamid.text.ad": ("text", "Hi, I saw your ad"),
        "wamid.text.product": ("text", "Does this come eggless?"),
    }
