"""``/api/v1/conversations/unread``: the tab title's count of conversations with unread messages."""

from b2a.tenants.scope import TenantScope
from tests.http.api.conftest import sandbox_channel, seed_conversation


async def test_it_counts_the_tenants_unread_conversations_only(client, cast, tokens):
    acme = TenantScope(cast.acme_owner.tenant_id)
    channel = await sandbox_channel(acme)
    await seed_conversation(acme, channel, unread=3)
    read = await seed_conversation(acme, channel, unread=0)
    await seed_conversation(acme, channel, unread=1)
    globex = TenantScope(cast.globex_owner.tenant_id)
    await seed_conversation(globex, await sandbox_channel(globex), unread=5)

    counted = await client.get("/api/v1/conversations/unread", headers=tokens.acme_agent)
    assert counted.status_code == 200 and counted.json() == {"conversations": 2}

    await client.post(f"/api/v1/conversations/{read.id}/read", headers=tokens.acme_agent)
    theirs = await client.get("/api/v1/conversations/unread", headers=tokens.globex_owner)
    assert theirs.json() == {"conversations": 1}


async def test_it_needs_a_token(client):
    assert (await client.get("/api/v1/conversations/unread")).status_code == 401
