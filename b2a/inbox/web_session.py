"""A tenant's WhatsApp-Web session, as the API and the session process see it.

The API side asks (``start_session``, ``stop_session``, ``logout_session``,
``request_pairing_code``) and reads (``session_view``); the session process
(`b2a whatsapp`) does the work and reports back with ``record_state``. They meet
in the channel row (``wants_session``, ``state``, ``last_error``) and in Redis
(commands, QR and pairing codes; see ``b2a.whatsapp.web_relay``). Nothing here
imports the WhatsApp-Web library.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from b2a.db.transaction import atomic
from b2a.errors import Conflict, Forbidden, NotFound
from b2a.inbox.channels import claim_transport
from b2a.inbox.rules import ChannelState, Transport, web_holds_number
from b2a.inbox.tables import Channel
from b2a.lib import clock, events
from b2a.lib.phone import normalise_phone
from b2a.system import switches
from b2a.tenants.rules import TenantStatus
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp import web_relay as relay

STATE_EVENT = "whatsapp.state"


@dataclass(frozen=True)
class WebSessionView:
    """What the connect page shows: state, the last error, and any live code with its TTL."""

    state: str
    last_error: str
    state_changed_at: datetime | None
    wants_session: bool
    running: bool
    qr: str | None
    qr_expires_in: int | None
    pairing_code: str | None
    pairing_code_expires_in: int | None


async def session_view(scope: TenantScope, redis: Any) -> WebSessionView:
    """The tenant's WhatsApp-Web session as it stands; DISCONNECTED if never started."""
    channel = await _web_channel_or_none(scope)
    tenant_id = str(scope.tenant_id)
    qr, qr_ttl = await _live(redis, relay.qr_key(tenant_id))
    code, code_ttl = await _live(redis, relay.pairing_code_key(tenant_id))
    return WebSessionView(
        state=channel.state if channel else ChannelState.DISCONNECTED,
        last_error=channel.last_error if channel else "",
        state_changed_at=channel.state_changed_at if channel else None,
        wants_session=bool(channel and channel.wants_session),
        running=await relay.session_owner(redis, tenant_id) is not None,
        qr=qr,
        qr_expires_in=qr_ttl,
        pairing_code=code,
        pairing_code_expires_in=code_ttl,
    )


async def _live(redis: Any, key: str) -> tuple[str | None, int | None]:
    value = await redis.get(key)
    if value is None:
        return None, None
    ttl = await redis.ttl(key)
    return str(value), max(0, int(ttl))


async def start_session(scope: TenantScope, redis: Any) -> WebSessionView:
    """Ask for the tenant's session to run: it connects, or shows a QR code to pair.

    Raises:
        Forbidden: the tenant is suspended or its WhatsApp is switched off.
        Conflict: the number is connected through the Cloud API (disconnect it first).
    """
    await _require_allowed(scope)
    async with atomic():
        await claim_transport(scope, Transport.WEB)
        channel = await _web_channel_or_none(scope)
        if channel is None:
            channel = scope.new(Channel, transport=Transport.WEB)
        channel.wants_session = True
        if channel.state != ChannelState.CONNECTED:
            channel.state = ChannelState.CONNECTING
            channel.last_error = ""
            channel.state_changed_at = clock.now()
        await channel.save()
    await relay.wake(redis, str(scope.tenant_id))
    await _announce(redis, scope, channel.state, channel.last_error)
    return await session_view(scope, redis)


async def stop_session(scope: TenantScope, redis: Any) -> WebSessionView:
    """Disconnect, keeping the pairing: starting again reconnects without a new QR code."""
    channel = await _web_channel_or_none(scope)
    if channel is None:
        return await session_view(scope, redis)
    updates: dict[Any, Any] = {Channel.wants_session: False}
    if await relay.session_owner(redis, str(scope.tenant_id)) is None:
        # Nobody runs it, so nobody else will say it stopped.
        updates.update(
            {Channel.state: ChannelState.DISCONNECTED, Channel.state_changed_at: clock.now()}
        )
        await _announce(redis, scope, ChannelState.DISCONNECTED, channel.last_error)
    await scope.update(Channel, updates).where(Channel.id == channel.id)
    await relay.wake(redis, str(scope.tenant_id))
    return await session_view(scope, redis)


async def logout_session(scope: TenantScope, redis: Any) -> WebSessionView:
    """Unlink this appliance from the WhatsApp account and forget the pairing.

    The session owner logs out on WhatsApp's side when it is connected; if no
    session runs, one is started just long enough to forget the stored pairing.
    A channel already logged out holds no pairing, so nothing is started (a
    session started for nothing would show a QR code, perhaps beside a Cloud API
    number).

    Raises:
        NotFound: the tenant never set up WhatsApp-Web.
    """
    channel = await _web_channel_or_none(scope)
    if channel is None:
        raise NotFound("WhatsApp-Web was never connected for this business.")
    if not web_holds_number(channel.state, wants_session=channel.wants_session):
        return await session_view(scope, redis)
    await scope.update(Channel, {Channel.wants_session: True}).where(Channel.id == channel.id)
    await relay.push_command(redis, str(scope.tenant_id), relay.LOGOUT)
    return await session_view(scope, redis)


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
    channel = await _web_channel_or_none(scope)
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


async def _web_channel_or_none(scope: TenantScope) -> Channel | None:
    return await scope.objects(Channel).where(Channel.transport == Transport.WEB).first()


async def _announce(redis: Any, scope: TenantScope, state: str, error: str) -> None:
    await events.publish(redis, str(scope.tenant_id), STATE_EVENT, state=state, error=error)


# The session process's side.


async def web_channel(scope: TenantScope) -> Channel:
    """The tenant's WhatsApp-Web channel.

    Raises:
        NotFound: the tenant has none (the session should not be running).
    """
    channel = await _web_channel_or_none(scope)
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
    state: ChannelState,
    *,
    error: str = "",
    wants_session: bool | None = None,
) -> None:
    """Store and announce where the session stands; ``error`` is in plain words."""
    values: dict[Any, Any] = {
        Channel.state: state,
        Channel.last_error: error[:500],
        Channel.state_changed_at: clock.now(),
    }
    if wants_session is not None:
        values[Channel.wants_session] = wants_session
    await scope.update(Channel, values).where(Channel.transport == Transport.WEB)
    await _announce(redis, scope, state, error)
