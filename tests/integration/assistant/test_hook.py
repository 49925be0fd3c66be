"""The hook queues the assistant's turn only for tenants whose assistant is on."""

from uuid import uuid4

from b2a.assistant.hook import on_customer_message
from b2a.assistant.tables import AssistantConfig
from b2a.tenants.scope import TenantScope
from tests.pipeline import installed_queue


async def test_a_turn_is_queued_by_default_and_not_once_the_tenant_switches_it_off(
    cast, db, redis, make_settings
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    first, second = uuid4(), uuid4()
    async with installed_queue(make_settings(B2A_DB_URL=db.url)) as queue:
        assert await on_customer_message(scope, uuid4(), first)
        await scope.new(AssistantConfig, enabled=False).save()
        assert not await on_customer_message(scope, uuid4(), second)
        assert await queue.job(f"assistant_reply:{first}") is not None
        assert await queue.job(f"assistant_reply:{second}") is None
