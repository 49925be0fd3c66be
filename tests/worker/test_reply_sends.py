"""The reply step's replies leave from the inbound job: a send job only for a wait."""

import contextlib
from urllib.parse import urlsplit

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError

from b2a.assistant.tables import AssistantConfig
from b2a.inbox import recovery
from b2a.inbox import service as inbox
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import DeliveryState, Direction, Transport
from b2a.inbox.tables import Channel, Message
from b2a.lib import clock, ratelimit
from b2a.lib import queue as job_queue
from b2a.lib import redis as redis_lib
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.cloud_api import CloudCredentials
from b2a.whatsapp.inbound import Identity, InboundMessage
from b2a.worker.tasks.inbox import process_inbound
from b2a.worker.tasks.outbox import send_message
from tests.fakes.graph_api import TOKEN, FakeGraphApi
from tests.pipeline import eventually, installed_queue, running_worker
from tests.tcp_cut import CutProxy

PHONES = ("923001111111", "923002222222", "923003333333")


@pytest.fixture
def settings(make_settings, db, tmp_path):
    # One message per customer a day: a customer's second message waits for its slot.
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_SEND_PER_CUSTOMER="1",
        B2A_SEND_CUSTOMER_WINDOW_SECONDS="86400",
    )


async def _tenant(scope):
    await scope.new(AssistantConfig, enabled=False).save()
    await Tenant.update({Tenant.greeting_message: "Welcome to Acme!"}).where(
        Tenant.id == scope.tenant_id
    )
    channel = scope.new(Channel, transport=Transport.SANDBOX)
    await channel.save()
    return channel.id


def _hello(wamid, phone):
    return InboundMessage(
        wamid, [Identity("phone", phone)], phone, "Ayesha", "text", "hi", clock.now()
    )


async def _accept(scope, channel_id, wamid, phone):
    message = _hello(wamid, phone)
    event_id = await inbox.accept_inbound(scope, channel_id, Transport.SANDBOX, message)
    await job_queue.enqueue(
        "process_inbound",
        key=recovery.job_key("process_inbound", event_id),
        retries=recovery.EVENT_ATTEMPTS,
        tenant_id=str(scope.tenant_id),
        event_id=str(event_id),
    )


async def _greetings(scope):
    return await scope.select(Message, Message.id, Message.state, Message.held_until).where(
        Message.direction == Direction.OUTBOUND
    )


async def _job_keys(redis, message_id):
    return [str(key) async for key in redis.scan_iter(f"saq:job:*send:{message_id}:*")]


async def test_greetings_go_from_their_inbound_jobs_without_a_send_job(cast, settings, redis):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel_id = await _tenant(scope)
    async with installed_queue(settings):
        for n, phone in enumerate(PHONES):
            await _accept(scope, channel_id, f"wamid.{n}", phone)
    async with running_worker(settings):

        async def all_sent():
            rows = await _greetings(scope)
            return len(rows) == len(PHONES) and {r["state"] for r in rows} == {"SENT"}

        await eventually(all_sent, timeout=30)
    for row in await _greetings(scope):
        assert await _job_keys(redis, row["id"]) == [], "sent by the inbound job itself"


async def test_a_greeting_the_limit_holds_gets_a_send_job_for_when_its_slot_frees(
    cast, settings, redis
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel_id = await _tenant(scope)
    # The customer's one message of the day went already.
    key = ratelimit.limit_key("customer", str(scope.tenant_id), PHONES[0])
    assert await ratelimit.reserve_all(redis, [ratelimit.Limit(key, 1, 86400)]) == 0
    async with installed_queue(settings):
        await _accept(scope, channel_id, "wamid.held", PHONES[0])
    async with running_worker(settings):

        async def held():
            rows = await _greetings(scope)
            return rows and rows[0]["held_until"] is not None and rows

        [greeting] = await eventually(held, timeout=30)
        later = await eventually(lambda: _job_keys(redis, greeting["id"]), timeout=10)
    assert greeting["state"] == DeliveryState.QUEUED
    assert len(later) == 1 and ":later-" in later[0], later


@contextlib.asynccontextmanager
async def _job_context(settings):
    """What the worker gives its jobs: settings, Redis and the HTTP client (no batchers)."""
    redis, http = redis_lib.connect(settings.redis), create_client()
    try:
        yield {"settings": settings, "redis": redis, "http": http}
    finally:
        await redis.aclose()
        await http.aclose()


async def _cloud_hello(scope, settings, wamid):
    """A Cloud API channel and a customer's first message, accepted: the event's id."""
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    channel = await connect_cloud_channel(
        scope, credentials, SecretBox(settings.core.encryption_key)
    )
    hello = _hello(wamid, PHONES[0])
    return await inbox.accept_inbound(scope, channel.id, Transport.CLOUD, hello)


def _through(proxy, redis_url, graph, make_settings, db, tmp_path):
    """Settings whose Redis is reached through ``proxy``."""
    target = urlsplit(redis_url)
    return make_settings(
        B2A_DB_URL=db.url,
        B2A_HOME=str(tmp_path),
        B2A_REDIS_URL=f"redis://127.0.0.1:{proxy.port}{target.path}",
        B2A_WHATSAPP_GRAPH_URL=graph.base_url,
    )


@pytest.mark.parametrize("back_after", [1.0, None], ids=["failover", "outage"])
async def test_a_reply_whose_retry_job_cannot_be_queued_is_sent_once_all_the_same(
    cast, make_settings, db, redis_url, redis, tmp_path, back_after
):
    """Redis goes away just as the failed send's retry job is queued.

    Back within a second (a failover), the inbound job waits for it and queues the
    retry itself; gone for longer, the job fails, and the queue's retry of it
    gives the reply its send job.
    """
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _tenant(scope)
    with FakeGraphApi() as graph:
        cut = CutProxy(urlsplit(redis_url).port, cut_on=b":retry-", back_after=back_after)
        async with cut as proxy:
            settings = _through(proxy, redis_url, graph, make_settings, db, tmp_path)
            graph.state.fail_next(131000, status=500)  # a transient failure: retried later
            event_id = await _cloud_hello(scope, settings, "wamid.cut")
            job = {"tenant_id": str(scope.tenant_id), "event_id": str(event_id)}
            async with _job_context(settings) as ctx, installed_queue(settings):
                if back_after is None:
                    with pytest.raises(RedisConnectionError):
                        await process_inbound(ctx, **job)
                    [greeting] = await _greetings(scope)
                    assert await _job_keys(redis, greeting["id"]) == [], "no retry job"
                    await proxy.restore()
                await process_inbound(ctx, **job)  # the first run, or the queue's retry
                assert proxy.was_cut
                [greeting] = await _greetings(scope)
                if greeting["state"] != DeliveryState.SENT:  # it waits for a job: run it
                    [key] = await _job_keys(redis, greeting["id"])
                    assert back_after is not None or key.endswith(":first"), key
                    message_id = str(greeting["id"])
                    await send_message(ctx, tenant_id=job["tenant_id"], message_id=message_id)
    sent = await scope.get(Message, greeting["id"])
    assert (sent.state, sent.attempts) == (DeliveryState.SENT, 2)
    assert [s["to"] for s in graph.state.sent] == [PHONES[0]], "sent once"
