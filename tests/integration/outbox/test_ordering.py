"""Pacing never reorders: a conversation's replies reach WhatsApp in the order they were made.

Through two real workers (so jobs of one conversation run in two processes' worth
of concurrency), our httpx client and the fake Graph API, with a small limit of
3 messages per customer per 2 seconds.
"""

import contextlib
from datetime import timedelta

import pytest

from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import Author, DeliveryState, IdentityKind
from b2a.inbox.tables import Conversation, Customer, CustomerIdentity, Message
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.outbox.queueing import Draft, Sender, enqueue_send, queue_message, store_outbound
from b2a.outbox.sweep import stranded_sends
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from b2a.worker.tasks.outbox import requeue_stranded_sends
from tests.fakes.graph_api import TOKEN
from tests.pipeline import eventually, running_worker

SYSTEM = Sender(Author.SYSTEM)


@pytest.fixture
def settings(make_settings, db, graph, tmp_path):
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
        B2A_SEND_RETRY_DELAY_SECONDS="0",
        B2A_SEND_PER_CUSTOMER="3",
        B2A_SEND_CUSTOMER_WINDOW_SECONDS="2",
        B2A_WORKER_CONCURRENCY="4",
    )


async def _channel(scope, settings):
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    return await connect_cloud_channel(scope, credentials, SecretBox(settings.core.encryption_key))


async def _conversation(scope, channel, phone):
    customer = scope.new(Customer, name=phone, phone=phone)
    await customer.save()
    await scope.new(
        CustomerIdentity, customer=customer.id, kind=IdentityKind.WA_ID, value=phone
    ).save()
    conversation = scope.new(
        Conversation,
        channel=channel.id,
        customer=customer.id,
        window_expires_at=clock.now() + timedelta(hours=5),
    )
    await conversation.save()
    return conversation


def _bodies(graph, to=None):
    return [s["text"]["body"] for s in graph.state.sent if to is None or s["to"] == to]


async def _all_left(scope, ids):
    rows = await scope.select(Message, Message.state).where(Message.id.is_in(ids))
    return all(r["state"] in (DeliveryState.SENT, DeliveryState.DEAD) for r in rows)


@contextlib.asynccontextmanager
async def _two_workers(settings):
    """Two workers on one queue: the same conversation's jobs run side by side."""
    async with running_worker(settings), running_worker(settings):
        yield


async def test_twelve_paced_replies_reach_whatsapp_in_the_order_they_were_made(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, await _channel(scope, settings), "923001111111")
    async with _two_workers(settings):
        ids = []
        for n in range(12):
            queued = await queue_message(scope, conversation.id, Draft(text=f"m{n:02d}"), SYSTEM)
            ids.append(queued.id)
        await eventually(lambda: _all_left(scope, ids), timeout=90)
    assert _bodies(graph) == [f"m{n:02d}" for n in range(12)], "in order, none twice, none lost"
    rows = await scope.select(Message, Message.state, Message.held_until, Message.attempts).where(
        Message.id.is_in(ids)
    )
    assert all(r["state"] == DeliveryState.SENT and r["held_until"] is None for r in rows)
    assert all(r["attempts"] == 1 for r in rows)


async def test_two_interleaved_conversations_each_keep_their_order_and_do_not_wait_for_each_other(
    cast, settings, graph, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope, settings)
    ayesha = await _conversation(scope, channel, "923002222222")
    bilal = await _conversation(scope, channel, "923003333333")
    async with _two_workers(settings):
        ids = []
        for n in range(6):
            for who, conversation in (("a", ayesha), ("b", bilal)):
                queued = await queue_message(
                    scope, conversation.id, Draft(text=f"{who}{n}"), SYSTEM
                )
                ids.append(queued.id)
        await eventually(lambda: _all_left(scope, ids), timeout=90)
    assert _bodies(graph, "923002222222") == [f"a{n}" for n in range(6)]
    assert _bodies(graph, "923003333333") == [f"b{n}" for n in range(6)]


async def test_a_conversation_held_by_the_limit_does_not_hold_another(
    cast, make_settings, db, graph, tmp_path, redis
):
    # An hour's window: what the limit holds stays held for the whole test, whatever the load.
    settings = make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
        B2A_SEND_PER_CUSTOMER="2",
        B2A_SEND_CUSTOMER_WINDOW_SECONDS="3600",
    )
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await _channel(scope, settings)
    ayesha = await _conversation(scope, channel, "923002222222")
    bilal = await _conversation(scope, channel, "923003333333")
    async with running_worker(settings):
        held = [
            (await queue_message(scope, ayesha.id, Draft(text=f"a{n}"), SYSTEM)).id
            for n in range(3)
        ]
        free = [
            (await queue_message(scope, bilal.id, Draft(text=f"b{n}"), SYSTEM)).id for n in range(2)
        ]
        await eventually(lambda: _all_left(scope, [*held[:2], *free]), timeout=60)
    assert _bodies(graph, "923002222222") == ["a0", "a1"]
    assert _bodies(graph, "923003333333") == ["b0", "b1"]
    third = await scope.get(Message, held[2])
    assert third.state == DeliveryState.QUEUED and third.held_until is not None


async def test_a_reply_in_retry_backoff_keeps_its_place(cast, settings, graph, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, await _channel(scope, settings), "923004444444")
    graph.state.fail_next(131000, status=500, times=1)
    async with running_worker(settings):
        ids = [
            (await queue_message(scope, conversation.id, Draft(text=f"r{n}"), SYSTEM)).id
            for n in range(3)
        ]
        await eventually(lambda: _all_left(scope, ids), timeout=60)
    assert _bodies(graph) == ["r0", "r1", "r2"], "WhatsApp took the first only on its retry"
    first = await scope.get(Message, ids[0])
    assert first.state == DeliveryState.SENT and first.attempts == 2


async def test_a_dead_head_releases_the_replies_behind_it(cast, settings, graph, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, await _channel(scope, settings), "923005555555")
    graph.state.fail_next(131026)
    async with running_worker(settings):
        ids = [
            (await queue_message(scope, conversation.id, Draft(text=f"d{n}"), SYSTEM)).id
            for n in range(5)
        ]
        await eventually(lambda: _all_left(scope, ids), timeout=60)
    dead = await scope.get(Message, ids[0])
    assert dead.state == DeliveryState.DEAD and dead.error_code == "131026"
    assert _bodies(graph) == ["d1", "d2", "d3", "d4"]


async def test_jobs_racing_for_one_conversation_send_each_reply_once(cast, settings, graph, redis):
    """Each reply also gets three extra jobs (as from a sweep): still once each, in order."""
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, await _channel(scope, settings), "923006666666")
    async with _two_workers(settings):
        ids = []
        for n in range(4):
            queued = await queue_message(scope, conversation.id, Draft(text=f"x{n}"), SYSTEM)
            ids.append(queued.id)
            for extra in range(3):
                assert await enqueue_send(scope.tenant_id, queued.id, tag=f"extra-{extra}")
        await eventually(lambda: _all_left(scope, ids), timeout=60)
    assert _bodies(graph) == ["x0", "x1", "x2", "x3"]
    rows = await scope.select(Message, Message.state, Message.attempts).where(Message.id.is_in(ids))
    assert all(r["state"] == DeliveryState.SENT and r["attempts"] == 1 for r in rows)


async def test_the_sweep_wakes_a_stalled_queue_at_its_head(cast, settings, graph, redis):
    """Both replies lost their jobs (a crash); the sweep gives one to the head, the rest follow."""
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await _conversation(scope, await _channel(scope, settings), "923007777777")
    long_ago = clock.now() - timedelta(minutes=30)
    ids = []
    for n in range(3):
        stored = await store_outbound(scope, conversation.id, Draft(text=f"s{n}"), SYSTEM)
        at = long_ago + timedelta(seconds=n)
        await scope.update(Message, {Message.state_changed_at: at, Message.created_at: at}).where(
            Message.id == stored.id
        )
        ids.append(stored.id)
    assert [s.message_id for s in await stranded_sends(older_than=timedelta(minutes=5))] == [ids[0]]
    async with running_worker(settings):
        assert await requeue_stranded_sends({"settings": settings}) == {"requeued": 1}
        await eventually(lambda: _all_left(scope, ids), timeout=60)
    assert _bodies(graph) == ["s0", "s1", "s2"]
