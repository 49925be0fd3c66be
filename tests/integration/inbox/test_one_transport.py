"""One real transport per tenant: the Cloud API or WhatsApp-Web, never both; the sandbox always."""

import asyncio

import pytest

from b2a.errors import Conflict, NotFound, TransportError
from b2a.inbox import web_session
from b2a.inbox.channels import (
    channel_for_number,
    cloud_credentials,
    connect_cloud_channel,
    find_cloud_channel,
)
from b2a.inbox.cloud_setup import disconnect_cloud
from b2a.inbox.rules import (
    LIVE_STATES,
    Author,
    ChannelMove,
    ChannelState,
    DeliveryState,
    Transport,
    is_live,
)
from b2a.inbox.tables import Channel, Conversation, Message
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.outbox.delivery import deliver
from b2a.outbox.queueing import Draft, Sender, store_outbound
from b2a.outbox.transports import Transports
from b2a.tenants import service as tenants
from b2a.tenants.actor import Actor
from b2a.tenants.scope import TenantScope
from b2a.whatsapp import web_relay as relay
from b2a.whatsapp.cloud_api import CloudCredentials
from tests.conftest import PASSWORD
from tests.http.api.conftest import sandbox_channel, seed_conversation

S = ChannelState
# (state, connected before): a WhatsApp-Web channel that holds the number.
WEB_HOLDS = [
    (S.CONNECTED, True),
    (S.CONNECTING, True),  # reconnecting its pairing
    (S.WAITING_FOR_QR_SCAN, True),
]
# ... and one that never blocks: never connected, failed, logged out.
WEB_GIVES_WAY = [
    (S.NOT_SET_UP, False, False),
    (S.CONNECTING, False, True),
    (S.WAITING_FOR_QR_SCAN, False, True),
    (S.WAITING_FOR_PAIRING_CODE, False, True),
    (S.FAILED, False, False),
    (S.FAILED, True, True),  # retrying its pairing with backoff
    (S.LOGGED_OUT, False, False),
]


@pytest.fixture
def box(make_settings):
    return SecretBox(make_settings().core.encryption_key)


def credentials(number="1111"):
    return CloudCredentials(number, "t" * 30, "WABA", app_secret="secret", verify_token="vt")


async def _web(scope, state, wants_session, *, connected_before=False):
    channel = scope.new(
        Channel,
        transport=Transport.WEB,
        state=state,
        wants_session=wants_session,
        connected_at=clock.now() if connected_before else None,
    )
    await channel.save()
    return channel


async def _count(scope, transport):
    return await scope.count(Channel).where(Channel.transport == transport)


async def test_web_is_refused_while_the_cloud_api_is_connected(cast, redis, box):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await connect_cloud_channel(scope, credentials(), box, display_phone="+1 555-000-1111")
    with pytest.raises(Conflict) as started:
        await web_session.start_session(scope, redis)
    with pytest.raises(Conflict) as paired:
        await web_session.request_pairing_code(scope, redis, "+923001234567")
    for refused in (started.value, paired.value):
        assert refused.code == "CLOUD_API_CONNECTED"
        assert "DELETE /api/v1/whatsapp/cloud" in refused.message
        assert "+1 555-000-1111" in refused.message
    assert await _count(scope, Transport.WEB) == 0
    assert await redis.llen(relay.commands_key(str(scope.tenant_id))) == 0


@pytest.mark.parametrize(("state", "connected_before"), WEB_HOLDS)
async def test_the_cloud_api_is_refused_while_web_holds_the_number(
    cast, box, state, connected_before
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await _web(scope, state, True, connected_before=connected_before)
    with pytest.raises(Conflict) as refused:
        await connect_cloud_channel(scope, credentials(), box)
    assert refused.value.code == "WEB_SESSION_ACTIVE"
    fix = "logout" if state == S.CONNECTED else "drop"
    assert f"POST /api/v1/whatsapp/web/{fix}" in refused.value.message
    assert state in refused.value.message
    assert await _count(scope, Transport.CLOUD) == 0


@pytest.mark.parametrize(("state", "connected_before", "wants"), WEB_GIVES_WAY)
async def test_a_web_channel_that_never_connected_failed_or_logged_out_never_blocks(
    cast, box, state, connected_before, wants
):
    scope = TenantScope(cast.acme_owner.tenant_id)
    web = await _web(scope, state, wants, connected_before=connected_before)
    channel = await connect_cloud_channel(scope, credentials(), box)
    assert channel.state == S.CONNECTED
    after = await scope.get(Channel, web.id)
    assert not after.wants_session and not is_live(after.state), "set aside, never live again"
    if state == S.FAILED:
        assert after.state == S.FAILED, "a failure keeps its reason to read"


async def test_after_a_web_logout_the_cloud_api_connects(cast, redis, box):
    scope = TenantScope(cast.acme_owner.tenant_id)
    web = await _web(scope, S.CONNECTED, True, connected_before=True)
    view = await web_session.logout_session(scope, redis)
    assert view.state == S.LOGGED_OUT and not view.wants_session, "at once, no waiting"
    channel = await connect_cloud_channel(scope, credentials(), box)
    assert channel.state == S.CONNECTED
    # A late report from a session still winding down cannot bring WhatsApp-Web back.
    assert await web_session.record_state(scope, redis, ChannelMove.CONNECT) is None
    assert (await scope.get(Channel, web.id)).state == S.LOGGED_OUT


async def test_after_a_cloud_disconnect_web_starts_and_the_history_stays(cast, redis, box):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await connect_cloud_channel(scope, credentials(), box)
    conversation = await seed_conversation(scope, channel)
    await disconnect_cloud(cast.acme_owner.actor, box=box, base_url="https://b2a.example")
    view = await web_session.start_session(scope, redis)
    assert view.wants_session and view.state == ChannelState.CONNECTING
    assert (await scope.get(Conversation, conversation.id)).channel == channel.id


async def test_the_sandbox_coexists_with_either_transport(cast, redis, box):
    acme = TenantScope(cast.acme_owner.tenant_id)
    globex = TenantScope(cast.globex_owner.tenant_id)
    for scope in (acme, globex):
        await sandbox_channel(scope)
    await connect_cloud_channel(acme, credentials(), box)
    await web_session.start_session(globex, redis)
    await sandbox_channel(acme)  # a second sandbox channel is no second number either
    assert await _count(acme, Transport.SANDBOX) == 2
    assert await _count(globex, Transport.SANDBOX) == 1


async def test_a_disconnected_number_receives_nothing_and_sends_nothing(cast, box):
    scope = TenantScope(cast.acme_owner.tenant_id)
    channel = await connect_cloud_channel(scope, credentials(), box)
    await disconnect_cloud(cast.acme_owner.actor, box=box, base_url="https://b2a.example")
    with pytest.raises(NotFound):
        await find_cloud_channel(str(channel.id))
    assert await channel_for_number("1111") is None
    stored = await scope.get(Channel, channel.id)
    assert stored.credentials == "" and stored.phone_number_id is None
    with pytest.raises(TransportError) as refused:
        cloud_credentials(stored, box)
    assert refused.value.permanent and "PUT /api/v1/whatsapp/cloud" in refused.value.message
    again = await connect_cloud_channel(scope, credentials(), box)
    assert again.id == channel.id and (await find_cloud_channel(str(channel.id))).id == channel.id


async def test_a_reply_on_a_disconnected_number_goes_to_the_dead_letters_with_why(
    cast, redis, make_settings, db
):
    settings = make_settings(B2A_DB_URL=db.url)
    box = SecretBox(settings.core.encryption_key)
    scope = TenantScope(cast.acme_owner.tenant_id)
    conversation = await seed_conversation(
        scope, await connect_cloud_channel(scope, credentials(), box)
    )
    await disconnect_cloud(cast.acme_owner.actor, box=box, base_url="https://b2a.example")
    agent = Sender(Author.AGENT, cast.acme_owner.actor.user_id)
    message = await store_outbound(scope, conversation.id, Draft(text="still there?"), agent)
    async with create_client() as http:
        outcome = await deliver(
            scope,
            message.id,
            transports=Transports(settings, http, redis),
            redis=redis,
            pacing=settings.sending,
            media_root=settings.core.media_root,
        )
    assert outcome.state == DeliveryState.DEAD and "disconnected" in outcome.reason
    stored = await scope.get(Message, message.id)
    assert (
        stored.error_code == "DISCONNECTED" and "PUT /api/v1/whatsapp/cloud" in stored.error_detail
    )


async def test_a_number_connects_to_one_business_only(cast, box):
    await connect_cloud_channel(TenantScope(cast.acme_owner.tenant_id), credentials(), box)
    globex = TenantScope(cast.globex_owner.tenant_id)
    with pytest.raises(Conflict) as taken:
        await connect_cloud_channel(globex, credentials(), box)
    assert taken.value.code == "NUMBER_TAKEN"
    assert await _count(globex, Transport.CLOUD) == 0


async def test_concurrent_connects_of_both_transports_never_both_succeed(db, redis, box):
    """Each round races a Cloud API connect against a WhatsApp-Web start for a fresh tenant.

    Both check the other transport before writing; without the lock on the tenant
    row both checks pass and the tenant ends with two transports. When the web
    start wins, its never-connected session does not block the Cloud API (SPEC
    §11 "Channels"): the connect drops it instead of being refused.
    """
    operator = Actor.operator("tests")
    for round_ in range(8):
        tenant, _ = await tenants.create_tenant(
            operator, f"Racer {round_}", admin_email=f"r{round_}@race.test", admin_password=PASSWORD
        )
        scope = TenantScope(tenant.id)
        outcomes = await asyncio.gather(
            connect_cloud_channel(scope, credentials(f"9{round_}"), box),
            web_session.start_session(scope, redis),
            return_exceptions=True,
        )
        refused = [o for o in outcomes if isinstance(o, Conflict)]
        assert not any(isinstance(o, Exception) and o not in refused for o in outcomes), outcomes
        live = await scope.count(Channel).where(Channel.state.is_in(list(LIVE_STATES)))
        assert live == 1, outcomes
        if not refused:  # the web start came first and the Cloud API connect dropped it
            assert (
                await scope.count(Channel).where(
                    (Channel.transport == Transport.WEB)
                    & (Channel.state == ChannelState.NOT_SET_UP)
                )
                == 1
            ), outcomes


async def test_concurrent_cloud_connects_leave_one_channel(db, cast, box):
    scope = TenantScope(cast.acme_owner.tenant_id)
    await asyncio.gather(*(connect_cloud_channel(scope, credentials(), box) for _ in range(4)))
    assert await _count(scope, Transport.CLOUD) == 1
