"""Channels, their encrypted credentials, and the rule of one real transport per tenant.

A tenant connects its WhatsApp number through one transport (SPEC §3): the
Cloud API or WhatsApp-Web, never both live at once. The sandbox is a test
bench, not a transport of the tenant's number, so it always coexists with
either. ``claim_transport`` is the one place that decides; every writer that
could give a tenant a second live transport calls it inside its transaction.
Only a connected channel (or a WhatsApp-Web pairing reconnecting) holds the
number; one that never connected, failed or was logged out is set aside by
the claim instead of blocking it (``inbox.rules.blocks_other_transport``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from b2a.db.integrity import is_unique_violation
from b2a.db.sql import Row, Statement, fetchrow
from b2a.db.transaction import atomic, lock_row
from b2a.errors import Conflict, NotFound, TransportError
from b2a.inbox.rules import (
    ChannelMove,
    ChannelState,
    Transport,
    blocks_other_transport,
    is_live,
    moved,
)
from b2a.inbox.tables import Channel
from b2a.lib import clock
from b2a.lib.crypto import SecretBox
from b2a.tenants.scope import TenantScope
from b2a.tenants.tables import Tenant
from b2a.whatsapp.cloud_api import CloudCredentials

CLOUD_ENDPOINT = "/api/v1/whatsapp/cloud"
WEB_LOGOUT_ENDPOINT = "/api/v1/whatsapp/web/logout"
WEB_DROP_ENDPOINT = "/api/v1/whatsapp/web/drop"

_CLOUD_CONNECTED = (Channel.transport == Transport.CLOUD) & (
    Channel.state == ChannelState.CONNECTED
)


@dataclass(frozen=True)
class CloudChannel:
    """What a webhook needs of the connected Cloud API channel it is for."""

    id: UUID
    tenant: UUID
    phone_number_id: str | None
    credentials: str
    """Encrypted, as the column holds them (``cloud_credentials`` decrypts)."""


# Every webhook reads its channel, across tenants (the URL or the number names it).
_CLOUD_BY_ID = Statement(
    """SELECT id, tenant, phone_number_id, credentials FROM channel
    WHERE id = :id AND transport = :cloud AND state = :connected"""
)
_CLOUD_BY_NUMBER = Statement(
    """SELECT id, tenant, phone_number_id, credentials FROM channel
    WHERE phone_number_id = :number AND transport = :cloud AND state = :connected"""
)

_CLOUD_BY_WABA = Statement(
    """SELECT id, tenant, phone_number_id, credentials FROM channel
    WHERE waba_id = :waba AND transport = :cloud AND state = :connected
    ORDER BY created_at LIMIT 1"""
)


async def connected_cloud_channel(scope: TenantScope) -> Channel | None:
    """The tenant's Cloud API channel if it is connected (a disconnected one is history)."""
    return await scope.objects(Channel).where(_CLOUD_CONNECTED).first()


async def ensure_transport_free(scope: TenantScope, wanted: Transport) -> None:
    """Refuse ``wanted`` while the tenant's number is held through the other transport.

    Raises:
        Conflict: the other real transport holds the number; the message names the fix.
    """
    if wanted is Transport.WEB:
        cloud = await connected_cloud_channel(scope)
        if cloud is not None:
            number = f" ({cloud.display_phone})" if cloud.display_phone else ""
            raise Conflict(
                f"This business is connected through the WhatsApp Cloud API{number}: "
                f"disconnect it first (DELETE {CLOUD_ENDPOINT}), then start WhatsApp-Web.",
                code="CLOUD_API_CONNECTED",
            )
    elif wanted is Transport.CLOUD:
        web = await web_channel_or_none(scope)
        if web is not None and blocks_other_transport(
            web.state, ever_connected=web.connected_at is not None
        ):
            raise _web_holds_number(web.state)


def _web_holds_number(state: str) -> Conflict:
    if state == ChannelState.CONNECTED:
        fix = f"log out of WhatsApp-Web first (POST {WEB_LOGOUT_ENDPOINT})"
    else:
        fix = f"drop WhatsApp-Web first (POST {WEB_DROP_ENDPOINT})"
    return Conflict(
        f"WhatsApp-Web holds this business's number (it is {state}): {fix}, "
        "then connect the Cloud API.",
        code="WEB_SESSION_ACTIVE",
    )


async def web_channel_or_none(scope: TenantScope) -> Channel | None:
    """The tenant's WhatsApp-Web channel, if it ever set one up."""
    return await scope.objects(Channel).where(Channel.transport == Transport.WEB).first()


async def claim_transport(scope: TenantScope, wanted: Transport) -> None:
    """``ensure_transport_free`` made race-safe: call inside ``atomic()`` before writing.

    The tenant's row is locked first, so two requests of one tenant (a Cloud API
    connect and a WhatsApp-Web start, or two of either) take turns: the second
    sees what the first committed and is refused, instead of both checking an
    empty slot and both writing. Other tenants are not held up. A WhatsApp-Web
    channel that does not hold the number is set aside in the same transaction:
    an attempt that never connected is dropped, a failed one stops retrying.

    Raises:
        Conflict: the other real transport holds the number.
    """
    await lock_row(Tenant, scope.tenant_id)
    await ensure_transport_free(scope, wanted)
    if wanted is Transport.CLOUD:
        web = await web_channel_or_none(scope)
        if web is not None and (web.wants_session or is_live(web.state)):
            await _set_aside(scope, web)


async def _set_aside(scope: TenantScope, web: Channel) -> None:
    """Stop a WhatsApp-Web channel that does not hold the number from ever going live.

    Conditional on the state read under the tenant's lock: the session process
    records its moves without that lock, so a move in between means the channel
    may hold the number now, and the claim is refused rather than guessed.

    Raises:
        Conflict: the session moved meanwhile; trying again decides on the new state.
    """
    values: dict[Any, Any] = {Channel.wants_session: False}
    if is_live(web.state):
        values.update(
            {
                Channel.state: moved(web.state, ChannelMove.DROP),
                Channel.state_changed_at: clock.now(),
                Channel.last_error: "",
            }
        )
    set_aside = (
        await scope.update(Channel, values)
        .where((Channel.id == web.id) & (Channel.state == web.state))
        .returning(Channel.id)
    )
    if not set_aside:
        raise Conflict(
            "WhatsApp-Web changed state just now; look at it again, then try once more.",
            code="WEB_SESSION_ACTIVE",
        )


async def connect_cloud_channel(
    scope: TenantScope, credentials: CloudCredentials, box: SecretBox, *, display_phone: str = ""
) -> Channel:
    """Connect the tenant's Cloud API channel with encrypted credentials (no checks with Meta).

    A tenant keeps one Cloud API channel row: connecting again, even another
    number after a disconnect, updates it, so its webhook URL never changes.
    Callers that take credentials from a person verify them first
    (``b2a.inbox.cloud_setup.connect_cloud``).

    Raises:
        Conflict: WhatsApp-Web holds the number, or another business connected this number.
    """
    try:
        async with atomic():
            await claim_transport(scope, Transport.CLOUD)
            channel = (
                await scope.objects(Channel).where(Channel.transport == Transport.CLOUD).first()
            )
            if channel is None:
                channel = scope.new(Channel, transport=Transport.CLOUD)
            channel.state = moved(channel.state, ChannelMove.CONNECT)
            channel.state_changed_at = channel.connected_at = clock.now()
            channel.last_error = ""
            channel.phone_number_id = credentials.phone_number_id
            channel.waba_id = credentials.waba_id
            channel.display_phone = display_phone[:20]
            channel.credentials = box.encrypt(json.dumps(credentials.__dict__))
            await channel.save()
    except Exception as exc:
        # Caught after the transaction rolled back, never inside it (PostgreSQL aborts it).
        if is_unique_violation(exc):
            raise Conflict(
                "This WhatsApp number is connected to another business on this appliance; "
                "disconnect it there first.",
                code="NUMBER_TAKEN",
                field="phone_number_id",
            ) from None
        raise
    return channel


def cloud_credentials(channel: Channel | CloudChannel, box: SecretBox) -> CloudCredentials:
    """The decrypted credentials of a Cloud API channel.

    Raises:
        TransportError: the channel was disconnected, so its credentials are gone (permanent).
    """
    return decrypt_credentials(channel.credentials, box)


def decrypt_credentials(encrypted: str, box: SecretBox) -> CloudCredentials:
    """``cloud_credentials`` from the column's text, for callers that read it without a row.

    Raises:
        TransportError: the channel was disconnected, so its credentials are gone (permanent).
    """
    if not encrypted:
        raise TransportError(
            "The Cloud API number was disconnected, so nothing can be sent through it; "
            f"connect it again (PUT {CLOUD_ENDPOINT}).",
            permanent=True,
            code="DISCONNECTED",
        )
    return CloudCredentials(**json.loads(box.decrypt(encrypted)))


async def find_cloud_channel(channel_id: str) -> CloudChannel:
    """The connected Cloud API channel a webhook URL names, across tenants (no session there).

    Raises:
        NotFound: no connected Cloud API channel has this id.
    """
    try:
        key = UUID(channel_id)
    except ValueError:
        raise NotFound("no such channel.") from None
    channel = await _connected_cloud(_CLOUD_BY_ID, id=key)
    if channel is None:
        raise NotFound("no such channel.")
    return channel


async def channel_for_number(phone_number_id: str) -> CloudChannel | None:
    """The connected Cloud API channel of a WhatsApp number, across tenants (webhook routing)."""
    return await _connected_cloud(_CLOUD_BY_NUMBER, number=phone_number_id)


async def channel_for_account(waba_id: str) -> CloudChannel | None:
    """The connected Cloud API channel of a WhatsApp Business Account (template, account news)."""
    if not waba_id:
        return None
    return await _connected_cloud(_CLOUD_BY_WABA, waba=waba_id)


async def _connected_cloud(statement: Statement, **params: object) -> CloudChannel | None:
    row: Row | None = await fetchrow(
        statement, cloud=Transport.CLOUD, connected=ChannelState.CONNECTED, **params
    )
    if row is None:
        return None
    return CloudChannel(row["id"], row["tenant"], row["phone_number_id"], row["credentials"])
