"""A send caught by a PostgreSQL restart waits for it and goes once, not minutes later.

On a PostgreSQL cluster of its own (``bench.faults``'s, stopped as ``systemctl
stop`` does) and its own redis-server, the real worker in this process and the
fake Graph API: a queued reply whose job runs while PostgreSQL is down spends no
attempt, and is sent once soon after PostgreSQL is back, not left for the
5-minute stranded-send sweep.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from b2a.db.engine import bind_engine, close_pool, create_engine, start_pool
from b2a.inbox.channels import connect_cloud_channel
from b2a.inbox.rules import Author, DeliveryState, IdentityKind
from b2a.inbox.tables import Conversation, Customer, CustomerIdentity, Message
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.lib.outage import unreachable
from b2a.outbox.queueing import Draft, Sender, enqueue_send, store_outbound
from b2a.schema.migrate import apply_pending
from b2a.schema.tables import all_tables
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials
from bench import faults
from tests.fakes.graph_api import TOKEN, FakeGraphApi
from tests.pipeline import eventually, running_worker

pytestmark = pytest.mark.slow  # its own PostgreSQL cluster, stopped and started

CUSTOMER = "923001234567"


async def _conversation(scope: TenantScope, settings) -> Conversation:
    credentials = CloudCredentials("PNID1", TOKEN, "WABA", app_secret="s", verify_token="v")
    channel = await connect_cloud_channel(
        scope, credentials, SecretBox(settings.core.encryption_key)
    )
    customer = scope.new(Customer, name="Ayesha", phone=CUSTOMER)
    await customer.save()
    await scope.new(
        CustomerIdentity, customer=customer.id, kind=IdentityKind.WA_ID, value=CUSTOMER
    ).save()
    conversation = scope.new(
        Conversation,
        channel=channel.id,
        customer=customer.id,
        window_expires_at=clock.now() + timedelta(hours=5),
    )
    await conversation.save()
    return conversation


async def test_a_send_that_finds_postgresql_down_goes_once_when_it_is_back(tmp_path, make_settings):
    with FakeGraphApi() as graph, faults.dependencies(tmp_path) as (postgres, redis):
        settings = make_settings(
            B2A_DB_URL=await faults._create_database(postgres.admin_url),
            B2A_REDIS_URL=redis.url,
            B2A_HOME=str(tmp_path / "home"),
            B2A_WHATSAPP_GRAPH_URL=graph.base_url,
            # Retries back to back: the old behaviour spent both attempts inside the outage.
            B2A_SEND_RETRY_DELAY_SECONDS="0",
        )
        engine = create_engine(settings.db)
        bind_engine(engine, all_tables())
        await start_pool(engine)
        try:
            await apply_pending()
            tenant, _ = await tenants.create_tenant(
                Actor.operator("test"), "Acme", admin_email="owner@acme.test"
            )
            scope = TenantScope(tenant.id)
            conversation = await _conversation(scope, settings)
            reply = await store_outbound(
                scope, conversation.id, Draft(text="Kal 5 baje"), Sender(Author.SYSTEM)
            )
            async with running_worker(settings) as worker:
                await eventually(lambda: _true("engine" in worker.context))  # connected
                await asyncio.to_thread(postgres.stop)
                await enqueue_send(tenant.id, reply.id)  # the job runs while PostgreSQL is down
                await asyncio.sleep(3)
                await asyncio.to_thread(postgres.start)

                async def sent() -> Message | None:
                    try:
                        message = await scope.get(Message, reply.id)
                    except Exception as exc:  # a pooled connection the restart cut
                        if unreachable(exc) is None:
                            raise
                        return None
                    return (
                        message
                        if message.state in (DeliveryState.SENT, DeliveryState.DEAD)
                        else None
                    )

                message = await eventually(sent, timeout=60)
                assert message.state == DeliveryState.SENT, message.error_detail
                assert message.attempts == 1, "the outage spent no attempt"
                assert [m["to"] for m in graph.state.sent] == [CUSTOMER]
        finally:
            await close_pool(engine)


async def _true(value: bool) -> bool:
    return value
