"""The worker stores the events its jobs hold at once together; a poison one fails alone."""

import json
import logging
import re

import pytest

from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.recovery import EVENT_ATTEMPTS
from b2a.inbox.rules import Direction, Transport
from b2a.inbox.tables import Channel, InboundEvent, Message
from b2a.lib import clock
from b2a.lib import queue as job_queue
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.pipeline import eventually, installed_queue, running_worker


@pytest.fixture
def settings(make_settings, db, tmp_path):
    # A long gathering window, so the five jobs surely meet in one batch.
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(tmp_path), B2A_WORKER_BATCH_WAIT_MS="500")


def _message(wamid, phone):
    identities = [Identity("wa_id", phone), Identity("phone", phone)]
    return InboundMessage(wamid, identities, phone, "Ayesha", "text", "hi", clock.now())


async def _enqueue(scope, event_id):
    # As enqueue_event, with the retries due at once.
    await job_queue.enqueue(
        "process_inbound",
        key=recovery.job_key("process_inbound", event_id),
        retries=EVENT_ATTEMPTS,
        tenant_id=str(scope.tenant_id),
        event_id=str(event_id),
    )


async def test_a_poison_event_fails_alone_and_its_batch_is_stored(cast, settings, redis, caplog):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    good = [
        await inbox.accept_inbound(scope, channel.id, Transport.SANDBOX, _message(f"wamid.{n}", p))
        for n, p in enumerate(("923001111111", "923002222222", "923001111111", "923003333333"))
    ]
    # A payload this b2a cannot read at storing time: its time is not a time.
    payload = {**_message("wamid.POISON", "923004444444").to_json(), "sent_at": "yesterday-ish"}
    poison = scope.new(
        InboundEvent,
        channel=channel.id,
        source=Transport.SANDBOX,
        dedupe_key="msg:wamid.POISON",
        payload=json.dumps(payload),
    )
    await poison.save()
    async with installed_queue(settings):
        for event_id in (*good[:2], poison.id, *good[2:]):
            await _enqueue(scope, event_id)
    with caplog.at_level(logging.WARNING, logger="b2a.lib.batcher"):
        async with running_worker(settings):
            await eventually(lambda: _dead(scope, poison.id), timeout=60)
            await eventually(lambda: _answered(scope, 4))
    # The poison shared a batch with good events (a loaded machine may split the five).
    assert re.search(r"a batch of [2-5] failed", caplog.text), caplog.text
    for event_id in good:
        assert (await scope.get(InboundEvent, event_id)).processed_at is not None
    inbound = await scope.select(Message, Message.wa_message_id).where(
        Message.direction == Direction.INBOUND
    )
    assert sorted(r["wa_message_id"] for r in inbound) == [f"wamid.{n}" for n in range(4)]
    dead = await scope.get(InboundEvent, poison.id)
    assert dead.attempts == EVENT_ATTEMPTS and "yesterday-ish" in dead.last_error
    assert dead.processed_at is None


async def _dead(scope, event_id):
    return (await scope.get(InboundEvent, event_id)).dead_at is not None


async def _answered(scope, count):
    """Every good message went through the reply step (claimed once)."""
    claimed = await scope.count(Message).where(Message.replied_at.is_not_null())
    return claimed == count
