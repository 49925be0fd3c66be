"""Long ids from every transport are stored by their digest, and still deduplicate.

The Cloud API webhook has its own tests (tests/http/webhooks/test_hostile_bodies.py);
here a WhatsApp-Web message, as the session process hands it over, and a sandbox
message go through ``accept_inbound`` and the worker's own task.
"""

from datetime import UTC, datetime

import pytest

from b2a.inbox import service as inbox
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, CustomerIdentity, InboundEvent, Message
from b2a.tenants.scope import TenantScope
from b2a.whatsapp import ids
from b2a.whatsapp.inbound import Identity, InboundMessage
from b2a.worker.tasks.inbox import process_inbound
from tests.pipeline import installed_queue

LONG_ID = "3EB0" + "C0FFEE" * 60
LONG_JID = "1" * 200 + "@lid"


@pytest.mark.parametrize("source", [Transport.WEB, Transport.SANDBOX])
async def test_a_long_id_from_any_transport_is_stored_by_its_digest_once(
    cast, db, make_settings, redis, source
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = scope.new(Channel, transport=source)
    await channel.save()
    message = InboundMessage(
        wa_message_id=LONG_ID,
        identities=[Identity("lid", LONG_JID), Identity("phone", "923001234567")],
        phone="923001234567",
        profile_name="P" * 300,
        kind="text",
        text="hello",
        sent_at=datetime.now(UTC),
        reply_to=LONG_ID + "Q",
    )
    first = await inbox.accept_inbound(scope, channel.id, source, message)
    assert first is not None
    assert await inbox.accept_inbound(scope, channel.id, source, message) is None
    assert await inbox.inbound_accepted(scope, LONG_ID)
    settings = make_settings(B2A_DB_URL=db.url)
    async with installed_queue(settings):
        ctx = {"redis": redis, "settings": settings}
        await process_inbound(ctx, tenant_id=str(scope.tenant_id), event_id=str(first))
    stored = await scope.objects(Message).first()
    assert stored.wa_message_id == ids.message_id(LONG_ID)
    assert stored.reply_to == ids.message_id(LONG_ID + "Q")
    values = {i["value"] for i in await scope.select(CustomerIdentity, CustomerIdentity.value)}
    assert values == {ids.opaque_id(LONG_JID), "923001234567"}
    assert await scope.count(InboundEvent).run() == 1
