"""The sends the worker's jobs make at once go out together: a few statements for the batch.

A real worker, the fake Graph API at the network boundary. The replies of process_inbound
jobs (``send_now``) meet in the worker's send coalescer (``ctx["sends"]``,
``delivery.deliver_batch``); what ``deliver`` guarantees still holds for each message.
"""

import asyncio
import logging
import re
from datetime import timedelta

import pytest

from b2a.assistant.tables import AssistantConfig
from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import Author, DeliveryState, Direction, IdentityKind, Transport
from b2a.inbox.tables import Channel, Conversation, Customer, CustomerIdentity, Message
from b2a.lib import clock, ratelimit
from b2a.lib.crypto import SecretBox
from b2a.outbox import delivery
from b2a.outbox.queueing import Draft, Sender, store_outbound
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.cloud_api import CloudCredentials
from b2a.whatsapp.inbound import Identity, InboundMessage
from b2a.worker.tasks.outbox import send_now
from bench.profile_worker import counting_statements
from tests.fakes.graph_api import TOKEN
from tests.pipeline import eventually, installed_queue, running_worker
from tests.tracing import recording

PHONES = ("923001111111", "923002222222", "923003333333", "923004444444")
SYSTEM = Sender(Author.SYSTEM)


@pytest.fixture
def settings(make_settings, db, graph, tmp_path):
    # A long gathering window, so the jobs surely meet in one batch; one message per customer
    # a day, so a customer whose slot went already is held.
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_WORKER_BATCH_WAIT_MS="500",
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
        B2A_SEND_PER_CUSTOMER="1",
        B2A_SEND_CUSTOMER_WINDOW_SECONDS="86400",
    )


@pytest.fixture
def unlimited(make_settings, db, graph, tmp_path):
    """As ``settings``, with no limit per customer: the order is the queue's alone."""
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_WORKER_BATCH_WAIT_MS="500",
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
        B2A_SEND_PER_CUSTOMER="0",
    )


async def _cloud_tenant(scope, settings):
    await scope.new(AssistantConfig, enabled=False).save()
    await Tenant.update({Tenant.greeting_message: "Welcome to Acme!"}).where(
        Tenant.id == scope.tenant_id
    )
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    return await connect_cloud_channel(scope, credentials, SecretBox(settings.core.encryption_key))


async def _accept(scope, channel_id, wamid, phone):
    identities = [Identity("wa_id", phone), Identity("phone", phone)]
    hello = InboundMessage(wamid, identities, phone, "Ayesha", "text", "hi", clock.now())
    event_id = await inbox.accept_inbound(scope, channel_id, Transport.CLOUD, hello)
    await recovery.enqueue_event("process_inbound", scope.tenant_id, event_id)


async def _conversation(scope, channel_id, phone):
    customer = scope.new(Customer, name=phone, phone=phone)
    await customer.save()
    await scope.new(
        CustomerIdentity, customer=customer.id, kind=IdentityKind.WA_ID, value=phone
    ).save()
    conversation = scope.new(
        Conversation,
        channel=channel_id,
        customer=customer.id,
        window_expires_at=clock.now() + timedelta(hours=5),
    )
    await conversation.save()
    return conversation.id


async def _queued(scope, conversation_id, text):
    """A reply stored QUEUED without a send job, as the reply step leaves it for ``send_now``."""
    return (await store_outbound(scope, conversation_id, Draft(text=text), SYSTEM)).id


async def _send_together(worker, scope, message_ids):
    """What the batch's process_inbound jobs do after their reply step: ``send_now`` at once."""
    tenant = str(scope.tenant_id)

    async def started():
        return "sends" in worker.context

    await eventually(started)
    return await asyncio.gather(*(send_now(worker.context, tenant, str(m)) for m in message_ids))


async def _replies(scope):
    return await scope.select(Message, Message.id, Message.state, Message.error_code).where(
        Message.direction == Direction.OUTBOUND
    )


async def _job_keys(redis, message_id):
    return [str(key) async for key in redis.scan_iter(f"saq:job:*send:{message_id}:*")]


def _sql(statement):
    return statement.positional(dict.fromkeys(statement.parameters))[0]


async def test_the_replies_of_a_batch_go_out_with_one_statement_of_each_kind(
    cast, settings, graph, db, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _cloud_tenant(scope, settings)
    async with installed_queue(settings):
        for n, phone in enumerate(PHONES):
            await _accept(scope, channel.id, f"wamid.{n}", phone)
    with recording() as spans, counting_statements() as counts:
        async with running_worker(settings):

            async def all_sent():
                rows = await _replies(scope)
                return len(rows) == len(PHONES) and {r["state"] for r in rows} == {"SENT"}

            await eventually(all_sent, timeout=30)
    batches = [
        s.attributes["b2a.batch.size"]
        for s in spans.get_finished_spans()
        if s.name == "outbox.send_batch"
    ]
    # Every reply went in a batch; a loaded machine may split the four, never send one twice.
    assert sum(batches) == len(PHONES) and max(batches) >= 2, batches
    assert sorted(s["to"] for s in graph.state.sent) == sorted(PHONES)
    for row in await _replies(scope):
        assert await _job_keys(redis, row["id"]) == [], "no send job"
    if db.kind == "pg":  # the driver is where statements are counted
        for bulk in (delivery._PENDING_EACH, delivery._CLAIM_EACH, delivery._SENT_EACH):
            assert counts[_sql(bulk)] == len(batches), bulk
        for single in (delivery._PENDING, delivery._CLAIM, delivery._SENT):
            assert counts[_sql(single)] == 0, single


async def test_two_replies_of_one_conversation_in_a_batch_leave_in_their_order(
    cast, unlimited, graph, redis
):
    settings = unlimited
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _cloud_tenant(scope, settings)
    ayesha = await _conversation(scope, channel.id, PHONES[0])
    bilal = await _conversation(scope, channel.id, PHONES[1])
    first = await _queued(scope, ayesha, "first")
    second = await _queued(scope, ayesha, "second")
    other = await _queued(scope, bilal, "other")
    async with running_worker(settings) as worker:
        # The later one first in the batch: the queue, not the batch, decides.
        outcomes = await _send_together(worker, scope, [second, first, other])

        async def all_sent():
            return {r["state"] for r in await _replies(scope)} == {"SENT"}

        await eventually(all_sent, timeout=30)
    assert [o["step"] for o in outcomes] == ["BEHIND", "DONE", "DONE"]
    to_ayesha = [s["text"]["body"] for s in graph.state.sent if s["to"] == PHONES[0]]
    assert to_ayesha == ["first", "second"], "woken when the first left, and sent once"


async def test_a_held_customer_gets_later_and_its_job_while_the_others_go(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _cloud_tenant(scope, settings)
    replies = [
        await _queued(scope, await _conversation(scope, channel.id, phone), f"to {phone}")
        for phone in PHONES[:3]
    ]
    # The first customer's one message of the day went already.
    key = ratelimit.limit_key("customer", str(scope.tenant_id), PHONES[0])
    assert await ratelimit.reserve_all(redis, [ratelimit.Limit(key, 1, 86400)]) == 0
    async with running_worker(settings) as worker:
        outcomes = await _send_together(worker, scope, replies)
    assert [o["step"] for o in outcomes] == ["LATER", "DONE", "DONE"]
    assert outcomes[0]["delay"] > 80000
    held = await scope.get(Message, replies[0])
    assert held.state == DeliveryState.QUEUED and held.held_until is not None
    [later] = await _job_keys(redis, replies[0])
    assert ":later-" in later, later
    assert sorted(s["to"] for s in graph.state.sent) == list(PHONES[1:3])


async def test_a_send_whatsapp_refuses_fails_alone(cast, settings, graph, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _cloud_tenant(scope, settings)
    replies = [
        await _queued(scope, await _conversation(scope, channel.id, phone), f"to {phone}")
        for phone in PHONES[:3]
    ]
    graph.state.fail_for(PHONES[1], 131000, status=500)  # transient: retried later
    async with running_worker(settings) as worker:
        outcomes = await _send_together(worker, scope, replies)
    assert [o["step"] for o in outcomes] == ["DONE", "RETRY", "DONE"]
    failed = await scope.get(Message, replies[1])
    assert (failed.state, failed.error_code, failed.attempts) == (DeliveryState.QUEUED, "131000", 1)
    [retry] = await _job_keys(redis, replies[1])
    assert ":retry-" in retry, retry
    for sent in (replies[0], replies[2]):
        assert (await scope.get(Message, sent)).state == DeliveryState.SENT
    assert sorted(s["to"] for s in graph.state.sent) == [PHONES[0], PHONES[2]]


async def test_a_batch_that_raises_sends_each_alone(cast, settings, graph, redis, caplog):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _cloud_tenant(scope, settings)
    good = [
        await _queued(scope, await _conversation(scope, channel.id, phone), f"to {phone}")
        for phone in PHONES[:2]
    ]
    # A channel whose transport this b2a does not know: the batch cannot pick its transport.
    poison_channel = scope.new(Channel, transport=Transport.SANDBOX)
    await poison_channel.save()
    poison = await _queued(scope, await _conversation(scope, poison_channel.id, PHONES[2]), "?")
    await Channel.update({Channel.transport: "pigeon"}).where(Channel.id == poison_channel.id)
    with caplog.at_level(logging.WARNING):
        async with running_worker(settings) as worker:
            outcomes = await _send_together(worker, scope, [good[0], poison, good[1]])
    assert re.search(r"a batch of 3 failed", caplog.text), caplog.text
    assert [o["step"] for o in outcomes] == ["DONE", "RETRY", "DONE"]
    for sent in good:
        assert (await scope.get(Message, sent)).state == DeliveryState.SENT
    assert sorted(s["to"] for s in graph.state.sent) == list(PHONES[:2]), "each sent once"
    # Alone, the poison fails as it did before batches: its send job takes it over.
    assert (await scope.get(Message, poison)).state == DeliveryState.QUEUED
    assert await _job_keys(redis, poison)
