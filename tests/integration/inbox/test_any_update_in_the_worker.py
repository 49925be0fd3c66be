"""Whatever well-formed update Meta sends, the worker's tasks end without raising.

Random message objects of every type (and of types b2a has never heard of), random
statuses and random business-side changes go the whole way: parsed from a webhook
body, accepted as events, then run by the worker's own task functions, which
re-raise any error when called outside the queue. Every event ends processed.
"""

from uuid import uuid4

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.inbox import service as inbox
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel, InboundEvent
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_webhook import CloudMessage, CloudStatus, parse_delivery
from b2a.whatsapp.inbound import from_cloud
from b2a.worker.tasks.inbox import apply_status, apply_update, process_inbound
from tests.pipeline import installed_queue
from tests.unit.whatsapp.test_cloud_kinds import (
    fields,
    fixture,
    json_value,
    messages,
    number,
    words,
)

PHONE = "923001234567"
statuses = fields(
    id=words,
    status=st.sampled_from(["sent", "delivered", "read", "played", "failed", "deleted", "warning"])
    | words,
    recipient_id=words,
    timestamp=number | words,
    errors=st.lists(fields(code=st.integers() | words, title=words), max_size=2),
    biz_opaque_callback_data=words,
)
changes = st.fixed_dictionaries(
    {
        "field": st.sampled_from(
            [
                "message_template_status_update",
                "message_template_quality_update",
                "template_category_update",
                "account_update",
                "account_review_update",
                "phone_number_quality_update",
                "business_capability_update",
                "phone_number_name_update",
                "user_preferences",
                "calls",
            ]
        )
        | words,
        "value": st.dictionaries(words, json_value, max_size=5),
    }
)


async def _channel(scope):
    channel = await scope.objects(Channel).first()
    if channel is None:
        channel = scope.new(Channel, transport=Transport.SANDBOX)
        await channel.save()
    return channel.id


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    batch=st.lists(messages(), min_size=1, max_size=4),
    status_batch=st.lists(statuses, max_size=3),
    other_changes=st.lists(changes, max_size=2),
)
async def test_random_well_formed_updates_never_raise_in_the_worker(
    cast, make_settings, db, redis, batch, status_batch, other_changes
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel_id = await _channel(scope)
    payload = fixture("text")
    entry = payload["entry"][0]
    value = entry["changes"][0]["value"]
    for message in batch:  # each one from a customer, under an id never seen before
        message.update({"id": f"wamid.{uuid4().hex}", "from": PHONE})
    value["messages"], value["statuses"] = batch, status_batch
    entry["changes"] += other_changes
    settings_ = make_settings(B2A_DB_URL=db.url)
    ctx = {"redis": redis, "settings": settings_}
    async with installed_queue(settings_):
        for event in parse_delivery(payload):
            if isinstance(event, CloudMessage):
                accepted = await inbox.accept_inbound(
                    scope, channel_id, Transport.SANDBOX, from_cloud(event)
                )
                task = process_inbound
            elif isinstance(event, CloudStatus):
                accepted = await inbox.accept_status(scope, channel_id, Transport.SANDBOX, event)
                task = apply_status
            else:
                accepted = await inbox.accept_update(scope, channel_id, Transport.SANDBOX, event)
                task = apply_update
            if accepted is not None:
                await task(ctx, tenant_id=str(scope.tenant_id), event_id=str(accepted))
    waiting = scope.count(InboundEvent).where(InboundEvent.processed_at.is_null())
    assert await waiting.run() == 0
    stored = scope.count(InboundEvent).where(InboundEvent.dedupe_key.like("msg:wamid.%"))
    assert await stored.run() >= len(batch)
