"""A tenant's WhatsApp-Web session, as the API and the session process see it.

The API side asks (``start_session``, ``drop_session``, ``logout_session``,
``request_pairing_code``) and reads (``session_view``); the session process
(`b2a whatsapp`) does the work and reports back with ``record_state``. They meet
in the channel row (``wants_session``, ``state``, ``last_error``,
``connected_at``) and in Redis (commands, QR and pairing codes; see
``b2a.whatsapp.web_relay``). Nothing here imports the WhatsApp-Web library.

Every state change goes through ``inbox.rules.TRANSITIONS``. The tenant's own
moves (drop, log out) are written at once and never wait for the session
process: it sees the channel is no longer wanted, stops the session, and
forgets the pairing. Its moves are written only while the tenant still wants
the session, so a late report can never bring a dropped channel back. Every
wait has a bound the page counts down; a wait the session process did not end
(it is down, or busy) is ended here, on reading, with the cause in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from b2a.db.transaction import atomic
from b2a.errors import Conflict, Forbidden, NotFound
from b2a.inbox.channels import claim_transport, web_channel_or_none
from b2a.inbox.rules import (
    CONNECT_SECONDS,
    ChannelMove,
    ChannelState,
    Transport,
    is_live,
    moved,
    next_state,
    wait_seconds,
)
from b2a.inbox.tables import Channel
from b2a.lib import clock, events
from b2a.lib.phone import normalise_phone
from b2a.system import switches
from b2a.tenants.rules import TenantStatus
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp import web_relay as relay

STATE_EVENT = "whatsapp.state"
SERVICE_DOWN = (
    "The WhatsApp session service (b2a whatsapp) is not running on this appliance, so "
    "nothing could connect. Ask the operator to start it, then try again."
)
NOT_PICKED_UP = (
    "The WhatsApp session service is running but did not take this session up within "
    f"{CONNECT_SECONDS} s (it may be at its limit of sessions). Try again in a minute; if it "
    "keeps happening, tell the operator."
)
SERVICE_STOPPED = (
    "The WhatsApp session service stopped while this session was being set up. "
    "Start again for a new code."
)
LOGGED_OUT_HERE = (
    "Logged out: this appliance forgot the pairing. If the phone still lists it under "
    "Linked devices, remove it there."
)


@dataclass(frozen=True)
class WebSessionView:
    """What the connect page shows: the state, why, and the wait it is in with seconds left."""

    state: str
    last_error: str
    state_changed_at: datetime | None
    wants_session: bool
    ever_connected: bool
    """It connected once and holds a pairing: failures retry by themselves."""
    running: bool
    """A session process holds the tenant's session now."""
    service_up: bool
    """Some session process reported a heartbeat recently (``b2a whatsapp`` runs)."""
    seconds_left: int | None
    """How long the current wait (connecting, QR scan, pairing code) may still take."""
    qr: str | None
    qr_expires_in: int | None
    pairing_code: str | None
    pairing_code_expires_in: int | None
    retrying: bool
    """FAILED, and the session service tries again by itself (with growing pauses)."""


async def session_view(scope: TenantScope, redis: Any) -> WebSessionView:
    """The tenant's WhatsApp-Web session as it stands; NOT_SET_UP if never started.

    A wait the session process should have ended but did not (nobody holds the
    session) is ended here: FAILED, with whether the session service is down.
    """
    tenant_id = str(scope.tenant_id)
    running = await relay.session_owner(redis, tenant_id) is not None
    service_up = await relay.session_service_up(redis)
    channel = await web_channel_or_none(scope)
    if channel is not None and not running:
        channel = await _give_up_if_overdue(scope, redis, channel, service_up=service_up)
    qr, qr_ttl = await _live(redis, relay.qr_key(tenant_id))
    code, code_ttl = await _live(redis, relay.pairing_code_key(tenant_id))
    state = channel.state if channel else ChannelState.NOT_SET_UP
    waiting = state in (ChannelState.WAITING_FOR_QR_SCAN, ChannelState.WAITING_FOR_PAIRING_CODE)
    if not waiting:
        qr = code = None
    return WebSessionView(
        state=state,
        last_error=channel.last_error if channel else "",
        state_changed_at=channel.state_changed_at if channel else None,
        wants_session=bool(channel and channel.wants_session),
        ever_connected=bool(channel and channel.connected_at),
        running=running,
        service_up=service_up,
        seconds_left=_seconds_left(channel, code_ttl if code else qr_ttl if qr else None),
        qr=qr,
        qr_expires_in=qr_ttl if qr else None,
        pairing_code=code,
        pairing_code_expires_in=code_ttl if code else None,
        retrying=state == ChannelState.FAILED and bool(channel and channel.wants_session),
    )


def _seconds_left(channel: Channel | None, code_ttl: int | None) -> int | None:
    if channel is None or not is_live(channel.state) or channel.state == ChannelState.CONNECTED:
        return None
    if code_ttl is not None:
        return code_ttl
    bound = wait_seconds(channel.state)
    return max(0, bound - _elapsed(channel))


def _elapsed(channel: Channel) -> int:
    since = channel.state_changed_at or channel.created_at
    return int((clock.now() - since).total_seconds())


async def _give_up_if_overdue(
    scope: TenantScope, redis: Any, channel: Channel, *, service_up: bool
) -> Channel:
    """FAILED with the cause, for a wait nobody is running that outlived its bound."""
    if not channel.wants_session or not is_live(channel.state):
        return channel
    if channel.state == ChannelState.CONNECTED and service_up:
        return channel  # between two ticks of the session process; it picks it up again
    if _elapsed(channel) <= wait_seconds(channel.state):
        return channel
    if not service_up:
        reason = SERVICE_DOWN
    elif channel.state == ChannelState.CONNECTING:
        reason = NOT_PICKED_UP
    else:
        reason = SERVICE_STOPPED
    await record_state(scope, redis, ChannelMove.FAIL, error=reason, expected=channel.state)
    return await scope.get(Channel, channel.id)


async def _live(redis: Any, key: str) -> tuple[str | None, int | None]:
    value = await redis.get(key)
    if value is None:
        return None, None
    ttl = await redis.ttl(key)
    return str(value), max(0, int(ttl))


async def start_session(scope: TenantScope, redis: Any) -> WebSessionView:
    """Ask for the tenant's session to run: it connects, or shows a QR code to pair.

    Starting again while a wait is on restarts it; a connected session is left as it is.

    Raises:
        Forbidden: the tenant is suspended or its WhatsApp is switched off.
        Conflict: the number is connected through the Cloud API (disconnect it first).
    """
    await _require_allowed(scope)
    async with atomic():
        await claim_transport(scope, Transport.WEB)
        channel = await web_channel_or_none(scope)
        if channel is None:
            channel = scope.new(Channel, transport=Transport.WEB)
        channel.wants_session = True
        if channel.state != ChannelState.CONNECTED:
            channel.state = moved(channel.state, ChannelMove.START)
            channel.last_error = ""
            channel.state_changed_at = clock.now()
        await channel.save()
    tenant_id = str(scope.tenant_id)
    await redis.delete(relay.qr_key(tenant_id), relay.pairing_code_key(tenant_id))
    await relay.hurry(redis, tenant_id)
    await _announce(redis, scope, channel.state, channel.last_error)
    return await session_view(scope, redis)


async def drop_session(scope: TenantScope, redis: Any) -> WebSessionView:
    """Give WhatsApp-Web up at once: back to not set up, the pairing to be forgotten.

    Nothing waits for the session process: the row says the channel is not
    wanted, so the process stops any session it runs and deletes its pairing
    (a session that never connected holds none; see ``record_state``).
    """
    channel = await web_channel_or_none(scope)
    if channel is not None:
        await _rest(scope, redis, channel, ChannelMove.DROP, "")
    return await session_view(scope, redis)


async def logout_session(scope: TenantScope, redis: Any) -> WebSessionView:
    """Unlink this appliance from the WhatsApp account and forget the pairing, at once.

    The session process, seeing the channel logged out, unlinks on WhatsApp's
    side if it is connected and deletes the stored pairing. A channel that never
    connected has nothing to log out of: it is dropped.

    Raises:
        NotFound: the tenant never set up WhatsApp-Web.
    """
    channel = await web_channel_or_none(scope)
    if channel is None:
        raise NotFound("WhatsApp-Web was never connected for this business.")
    if channel.connected_at is None or next_state(channel.state, ChannelMove.LOG_OUT) is None:
        await _rest(scope, redis, channel, ChannelMove.DROP, "")
    else:
        await _rest(scope, redis, channel, ChannelMove.LOG_OUT, LOGGED_OUT_HERE)
    return await session_view(scope, redis)


async def _rest(
    scope: TenantScope, redis: Any, channel: Channel, move: ChannelMove, error: str
) -> None:
    """The tenant's own move to a state at rest; it takes effect whatever the session does."""
    state = moved(channel.state, move)
    await scope.update(
        Channel,
        {
            Channel.state: state,
            Channel.wants_session: False,
            Channel.last_error: error,
            Channel.connected_at: None,
            Channel.state_changed_at: clock.now(),
        },
    ).where(Channel.id == channel.id)
    tenant_id = str(scope.tenant_id)
    await redis.delete(relay.qr_key(tenant_id), relay.pairing_code_key(tenant_id))
    await relay.wake(redis, tenant_id)
    await _announce(redis, scope, state, error)


async def request_pairing_code(scope: TenantScope, redis: Any, phone: str) -> WebSessionView:
    """Pair by phone number instead of QR: an 8-character code appears for 120 s.

    Raises:
        Invalid: the phone number is not international E.164 with 10 to 15 digits.
        Forbidden: the tenant is suspended or its WhatsApp is switched off.
        Conflict: the session is already connected (log out first to pair another phone),
            or the number is connected through the Cloud API (disconnect it first).
    """
    digits = normalise_phone(phone)
    await _require_allowed(scope)
    channel = await web_channel_or_none(scope)
    if channel is not None and channel.state == ChannelState.CONNECTED:
        raise Conflict(
            "WhatsApp-Web is already connected: log out first to pair another phone.",
            code="ALREADY_CONNECTED",
        )
    await start_session(scope, redis)
    await relay.push_command(redis, str(scope.tenant_id), relay.PAIR_PHONE, phone=digits)
    return await session_view(scope, redis)


async def _require_allowed(scope: TenantScope) -> None:
    tenant = await Tenant.objects().where(Tenant.id == scope.tenant_id).first()
    if tenant is None:
        raise NotFound("Tenant not found.")
    if tenant.status != TenantStatus.ACTIVE:
        raise Forbidden(
            "This business is suspended, so WhatsApp cannot be connected; "
            "the operator can reactivate it.",
            code="TENANT_SUSPENDED",
        )
    if not await switches.whatsapp_enabled_globally():
        raise Forbidden(
            "The platform operator has switched WhatsApp off for every business for now.",
            code="WHATSAPP_DISABLED_GLOBALLY",
        )
    if not tenant.whatsapp_enabled:
        raise Forbidden(
            "WhatsApp is switched off for this business; the operator can switch it on.",
            code="WHATSAPP_DISABLED",
        )


async def _announce(redis: Any, scope: TenantScope, state: str, error: str) -> None:
    await events.publish(redis, str(scope.tenant_id), STATE_EVENT, state=state, error=error)


# The session process's side.


async def web_channel(scope: TenantScope) -> Channel:
    """The tenant's WhatsApp-Web channel.

    Raises:
        NotFound: the tenant has none (the session should not be running).
    """
    channel = await web_channel_or_none(scope)
    if channel is None:
        raise NotFound("this business has no WhatsApp-Web channel.")
    return channel


async def allows_group_chats(scope: TenantScope) -> bool:
    """Whether group chats and status broadcasts reach the inbox (off by default)."""
    row = await Tenant.select(Tenant.allow_group_chats).where(Tenant.id == scope.tenant_id).first()
    return bool(row and row["allow_group_chats"])


async def record_state(
    scope: TenantScope,
    redis: Any,
    move: ChannelMove,
    *,
    error: str = "",
    expected: str | None = None,
) -> ChannelState | None:
    """Make the session's ``move``, with ``error`` in plain words; the state it led to.

    Written only while the tenant still wants the session and the move is
    allowed from the state the row is in (``expected``, when given, must be that
    state): otherwise the tenant has moved on (dropped, logged out, chose the
    Cloud API) and the report is stale, so None and nothing changes. A failure
    keeps the session wanted only when it connected once (it holds a pairing and
    is retried with backoff); one that never connected waits for the tenant.
    """
    channel = await web_channel_or_none(scope)
    if channel is None or not channel.wants_session:
        return None
    state = next_state(channel.state, move)
    if state is None or (expected is not None and channel.state != expected):
        return None
    now = clock.now()
    values: dict[Any, Any] = {
        Channel.state: state,
        Channel.last_error: error[:500],
        Channel.state_changed_at: now,
    }
    if move is ChannelMove.CONNECT:
        values[Channel.connected_at] = now
    elif move is ChannelMove.LOG_OUT:
        values.update({Channel.wants_session: False, Channel.connected_at: None})
    elif move is ChannelMove.FAIL:
        values[Channel.wants_session] = channel.connected_at is not None
    written = (
        await scope.update(Channel, values)
        .where(
            (Channel.id == channel.id)
            & (Channel.state == channel.state)
            & (Channel.wants_session == True)  # noqa: E712
        )
        .returning(Channel.id)
    )
    if not written:
        return None
    await _announce(redis, scope, state, error)
    return state
