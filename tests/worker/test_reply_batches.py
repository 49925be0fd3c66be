"""The worker runs its jobs' reply steps together in one transaction; a poison goes alone."""

import logging
import re

import pytest

from b2a.assistant.tables import AssistantConfig
from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.recovery import EVENT_ATTEMPTS
from b2a.inbox.rules import Author, DeliveryState, Direction, Transport
from b2a.inbox.tables import Channel, InboundEvent, Message
from b2a.lib import clock
from b2a.lib import queue as job_queue
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant, WorkingHours
from b2a.whatsapp.inbound import Identity, InboundMessage
from tests.pipeline import eventually, installed_queue, running_worker


@pytest.fixture
def settings(make_settings, db, tmp_path):
    # A long gathering window, so the jobs surely meet in one batch.
    return make_settings(B2A_DB_URL=db.url, B2A_HOME=str(tmp_path), B2A_WORKER_BATCH_WAIT_MS="500")


async def _tenant(scope, **texts):
    await scope.new(AssistantConfig, enabled=False).save()
    await Tenant.update({getattr(Tenant, k): v for k, v in texts.items()}).where(
        Tenant.id == scope.tenant_id
    )
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    return channel.id


async def _accept(scope, channel, wamid, phone):
    message = InboundMessage(
        wamid, [Identity("phone", phone)], phone, "Ayesha", "text", "hi", clock.now()
    )
    event_id = await inbox.accept_inbound(scope, channel, Transport.SANDBOX, message)
    # As enqueue_event, with the retries due at once.
    await job_queue.enqueue(
        "process_inbound",
        key=recovery.job_key("process_inbound", event_id),
        retries=EVENT_ATTEMPTS,
        tenant_id=str(scope.tenant_id),
        event_id=str(event_id),
    )
    return event_id


async def test_a_poison_reply_step_fails_alone_and_its_batch_is_answered(
    cast, settings, redis, caplog
):
    acme = TenantScope(cast.acme_owner.tenant_id)
    globex = TenantScope(cast.globex_owner.tenant_id)
    # Acme's step cannot tell whether it is open: its time zone is not one this server knows.
    acme_channel = await _tenant(acme, away_message="Closed.", time_zone="Mars/Olympus_Mons")
    for weekday in range(7):
        await acme.new(WorkingHours, weekday=weekday, closed=True).save()
    globex_channel = await _tenant(globex, greeting_message="Globex says hi.")
    async with installed_queue(settings):
        good = [
            await _accept(globex, globex_channel, f"wamid.{n}", f"92300{n}000000") for n in range(2)
        ]
        poison = await _accept(acme, acme_channel, "wamid.POISON", "923009999999")
        good.append(await _accept(globex, globex_channel, "wamid.2", "923002000000"))
    with caplog.at_level(logging.WARNING, logger="b2a.lib.batcher"):
        async with running_worker(settings):
            await eventually(lambda: _dead(acme, poison), timeout=60)
            await eventually(lambda: _greeted(globex, 3))
    # The poison shared a reply batch with good messages (its retries may join later ones).
    assert re.search(r"a batch of ([2-9]|\d\d+) failed", caplog.text), caplog.text
    dead = await acme.get(InboundEvent, poison)
    assert dead.attempts == EVENT_ATTEMPTS and "Mars/Olympus_Mons" in dead.last_error
    assert await acme.count(Message).where(Message.replied_at.is_not_null()) == 0
    answered = await globex.count(Message).where(
        (Message.direction == Direction.INBOUND) & Message.replied_at.is_not_null()
    )
    assert answered == 3


async def _dead(scope, event_id):
    return (await scope.get(InboundEvent, event_id)).dead_at is not None


async def _greeted(scope, count):
    """Every good message was greeted once, and the greeting sent."""
    sent = await scope.count(Message).where(
        (Message.author == Author.SYSTEM) & (Message.state == DeliveryState.SENT)
    )
    return sent == count
