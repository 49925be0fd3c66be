"""The assistant's settings row is made once, however many first turns race for it."""

import asyncio

from b2a.assistant.config import config_row
from b2a.assistant.tables import AssistantConfig
from b2a.tenants.scope import TenantScope


async def test_first_turns_racing_for_the_settings_share_one_row(cast):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await scope.delete(AssistantConfig)

    rows = await asyncio.gather(*(config_row(scope) for _ in range(5)))

    assert len({row.id for row in rows}) == 1
    assert await scope.count(AssistantConfig).run() == 1
