"""Random sequences of channel moves against the real domain: one live transport, never blocked.

Each example is a fresh business. Its admin and WhatsApp (played here the way
the session process reports) make random moves: connect or disconnect the Cloud
API, start WhatsApp-Web, WhatsApp shows a QR code, connects, fails, times out
(nobody ran the session), drops the connection, logs the phone out; the admin
drops or logs out WhatsApp-Web. After every move, at most one transport is
live (the sandbox aside), and a refusal is only ever caused by a channel that
really holds the number: never by one that never connected, failed or logged out.
"""

import uuid
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from b2a.errors import Conflict
from b2a.inbox import web_session
from b2a.inbox.channels import connect_cloud_channel, web_channel_or_none
from b2a.inbox.cloud_setup import disconnect_cloud
from b2a.inbox.rules import ChannelMove, ChannelState, Transport, blocks_other_transport, is_live
from b2a.inbox.tables import Channel
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.cloud_api import CloudCredentials

WHATSAPP_REPORTS = {
    "web_shows_qr": ChannelMove.SHOW_QR,
    "web_shows_code": ChannelMove.SHOW_PAIRING_CODE,
    "web_connects": ChannelMove.CONNECT,
    "web_fails": ChannelMove.FAIL,
    "web_loses_connection": ChannelMove.LOSE_CONNECTION,
    "phone_logs_out": ChannelMove.LOG_OUT,
}
ADMIN = ["connect_cloud", "disconnect_cloud", "start_web", "drop_web", "logout_web"]
moves = st.lists(
    st.sampled_from([*ADMIN, *WHATSAPP_REPORTS, "web_times_out"]), min_size=1, max_size=10
)


async def _business():
    tenant = Tenant(name="Moves", slug=f"moves-{uuid.uuid4().hex[:12]}")
    await tenant.save()
    scope = TenantScope(tenant.id)
    admin = Actor(user_id=None, tenant_id=tenant.id, role=Role.TENANT_ADMIN, label="moves")
    return scope, admin


async def _channels(scope):
    cloud = await scope.objects(Channel).where(Channel.transport == Transport.CLOUD).first()
    return cloud, await web_channel_or_none(scope)


async def _live_transports(scope):
    cloud, web = await _channels(scope)
    return [
        c.transport
        for c in (cloud, web)
        if c is not None and (c.state == ChannelState.CONNECTED or is_live(c.state))
    ]


async def _move(step, scope, admin, redis, box):
    if step == "connect_cloud":
        number = str(uuid.uuid4().int)[:15]
        credentials = CloudCredentials(number, "t" * 30, "WABA", app_secret="s" * 8)
        await connect_cloud_channel(scope, credentials, box)
    elif step == "disconnect_cloud":
        await disconnect_cloud(admin, box=box, base_url="https://b2a.example")
    elif step == "start_web":
        await web_session.start_session(scope, redis)
    elif step == "drop_web":
        await web_session.drop_session(scope, redis)
    elif step == "logout_web":
        if await web_channel_or_none(scope) is not None:
            await web_session.logout_session(scope, redis)
    elif step == "web_times_out":
        await scope.update(
            Channel, {Channel.state_changed_at: clock.now() - timedelta(minutes=5)}
        ).where(Channel.transport == Transport.WEB)
        await web_session.session_view(scope, redis)  # nobody holds the session: it gives up
    else:
        await web_session.record_state(scope, redis, WHATSAPP_REPORTS[step], error="why")


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(steps=moves)
async def test_never_two_live_transports_and_never_a_blocked_one(db, redis, make_settings, steps):
    box = SecretBox(make_settings().core.encryption_key)
    scope, admin = await _business()
    for step in steps:
        cloud, web = await _channels(scope)
        try:
            await _move(step, scope, admin, redis, box)
        except Conflict as refused:
            if step == "connect_cloud":
                assert web is not None and blocks_other_transport(
                    web.state, ever_connected=web.connected_at is not None
                ), (step, web.state, refused.message)
            elif step == "start_web":
                assert cloud is not None and cloud.state == ChannelState.CONNECTED, refused.message
            else:
                raise
        assert len(await _live_transports(scope)) <= 1, (steps, step)
        _, web = await _channels(scope)
        if web is not None and not web.wants_session:
            assert not is_live(web.state), ("nobody wants it, yet it is live", steps, step)
