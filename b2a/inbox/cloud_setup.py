"""A tenant admin connects (and disconnects) the business's number through the Cloud API.

Connecting checks the credentials with Meta before anything is stored: the
token must read the phone number id, and that number must belong to the
business account id given; a wrong value is answered with the field to fix
and nothing is saved. The secrets are then stored encrypted
(``b2a.inbox.channels``) and never shown again: the view carries only the
token's last four characters.

Disconnecting keeps the channel row with its conversations and messages (the
history stays readable) but forgets the credentials and frees the phone number
id. Webhooks then find no connected channel (404) and no route for the number,
so nothing more is received, and sends on the old conversations dead-letter
with the reason. Connecting again reuses the same row, so the callback URL
pasted into Meta's dashboard stays valid.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime
from uuid import UUID

import httpx

from b2a.audit import service as audit
from b2a.errors import Conflict, Invalid, TransportError, Unavailable
from b2a.inbox import channels
from b2a.inbox.rules import ChannelMove, ChannelState, Transport, moved
from b2a.inbox.tables import Channel
from b2a.lib import clock
from b2a.lib.crypto import SecretBox, mask
from b2a.lib.text import is_token
from b2a.tenants.actor import Actor
from b2a.tenants.rules import Role
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudApiClient, CloudCredentials, PhoneNumber

WEBHOOK_PATH = "/webhooks/whatsapp/{channel_id}"
_META_ID = re.compile(r"[0-9]{1,32}")
_NOTHING_SAVED = "Nothing was saved."


@dataclass(frozen=True)
class CloudConnection:
    """What the Cloud API settings page shows; the secrets themselves never leave."""

    state: str
    channel_id: UUID | None
    display_phone: str
    phone_number_id: str
    waba_id: str
    access_token_hint: str
    verify_token: str
    webhook_url: str | None
    state_changed_at: datetime | None


async def cloud_connection(actor: Actor, *, box: SecretBox, base_url: str) -> CloudConnection:
    """The tenant's Cloud API connection; ``base_url`` is this appliance's public address.

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    return await _view(actor.scope, base_url, box)


async def connect_cloud(
    actor: Actor,
    credentials: CloudCredentials,
    *,
    http: httpx.AsyncClient,
    box: SecretBox,
    graph_url: str,
    base_url: str,
) -> CloudConnection:
    """Verify the credentials with Meta, then connect (or update) the tenant's Cloud API number.

    A blank verify token keeps the current one, or gets a random one: the tenant
    pastes it into Meta's dashboard with the callback URL.

    Raises:
        Forbidden: the actor is not a tenant admin.
        Invalid: a field is malformed, or Meta refused it (``field`` names which).
        Conflict: WhatsApp-Web holds the number, or another business connected it.
        Unavailable: Meta could not be asked; nothing was saved.
    """
    actor.require(Role.TENANT_ADMIN)
    scope = actor.scope
    credentials = _cleaned(credentials)
    await channels.ensure_transport_free(scope, Transport.CLOUD)
    number = await _verified(CloudApiClient(http, credentials, base_url=graph_url), credentials)
    # Only after Meta's yes: otherwise anyone could probe which numbers are connected here.
    await _ensure_number_is_free(scope, credentials.phone_number_id)
    if not credentials.verify_token:
        credentials = replace(credentials, verify_token=await _current_verify_token(scope, box))
    await channels.connect_cloud_channel(
        scope, credentials, box, display_phone=number.display_phone_number
    )
    await audit.record(
        actor,
        "whatsapp.cloud.connected",
        phone_number_id=credentials.phone_number_id,
        waba_id=credentials.waba_id,
        display_phone=number.display_phone_number,
        verified_name=number.verified_name,
    )
    return await _view(scope, base_url, box)


async def disconnect_cloud(actor: Actor, *, box: SecretBox, base_url: str) -> CloudConnection:
    """Stop receiving and sending through the Cloud API; the history stays.

    Disconnecting a tenant that is not connected changes nothing.

    Raises:
        Forbidden: the actor is not a tenant admin.
    """
    actor.require(Role.TENANT_ADMIN)
    scope = actor.scope
    channel = await channels.connected_cloud_channel(scope)
    if channel is not None:
        gone = (
            await scope.update(
                Channel,
                {
                    Channel.state: moved(channel.state, ChannelMove.DROP),
                    Channel.state_changed_at: clock.now(),
                    Channel.connected_at: None,
                    Channel.credentials: "",
                    Channel.phone_number_id: None,
                    Channel.last_error: "",
                },
            )
            .where((Channel.id == channel.id) & (Channel.state == channel.state))
            .returning(Channel.id)
        )
        if gone:
            await audit.record(
                actor,
                "whatsapp.cloud.disconnected",
                phone_number_id=channel.phone_number_id,
                display_phone=channel.display_phone,
            )
    return await _view(scope, base_url, box)


def _cleaned(credentials: CloudCredentials) -> CloudCredentials:
    """Trimmed values, each checked before Meta is asked."""
    cleaned = CloudCredentials(
        phone_number_id=credentials.phone_number_id.strip(),
        access_token=credentials.access_token.strip(),
        waba_id=credentials.waba_id.strip(),
        app_secret=credentials.app_secret.strip(),
        verify_token=credentials.verify_token.strip(),
    )
    where = "WhatsApp → API Setup in Meta's app dashboard"
    if not _META_ID.fullmatch(cleaned.phone_number_id):
        raise Invalid(
            f"the phone number id is the number Meta shows as 'Phone number ID' in {where}, "
            "not the phone number itself.",
            field="phone_number_id",
        )
    if not _META_ID.fullmatch(cleaned.waba_id):
        raise Invalid(
            f"the WhatsApp Business Account id is the number Meta shows in {where}.",
            field="waba_id",
        )
    token = cleaned.access_token
    if not 8 <= len(token) <= 1000 or not is_token(token):
        raise Invalid(
            "paste the whole access token (a System User token from Meta Business Settings "
            "lasts; the temporary one from API Setup expires within a day).",
            field="access_token",
        )
    if not 8 <= len(cleaned.app_secret) <= 200 or not is_token(cleaned.app_secret):
        raise Invalid(
            "the app secret is in App settings → Basic of the Meta app; it proves webhooks "
            "come from Meta.",
            field="app_secret",
        )
    if len(cleaned.verify_token) > 200 or not is_token(cleaned.verify_token):
        raise Invalid(
            "the verify token has at most 200 characters: letters, digits and punctuation "
            "(no spaces).",
            field="verify_token",
        )
    return cleaned


async def _ensure_number_is_free(scope: TenantScope, phone_number_id: str) -> None:
    other = await channels.channel_for_number(phone_number_id)
    if other is not None and other.tenant != scope.tenant_id:
        raise Conflict(
            "This WhatsApp number is connected to another business on this appliance; "
            "disconnect it there first.",
            code="NUMBER_TAKEN",
            field="phone_number_id",
        )


async def _current_verify_token(scope: TenantScope, box: SecretBox) -> str:
    channel = await channels.connected_cloud_channel(scope)
    if channel is not None:
        return channels.cloud_credentials(channel, box).verify_token
    return secrets.token_urlsafe(24)


async def _verified(client: CloudApiClient, credentials: CloudCredentials) -> PhoneNumber:
    """The number as Meta shows it, once Meta accepted the token, number id and account id."""
    try:
        number = await client.check_credentials()
    except TransportError as error:
        raise _refusal(error, "phone_number_id") from None
    try:
        listed = await client.business_numbers()
    except TransportError as error:
        raise _refusal(error, "waba_id") from None
    if credentials.phone_number_id not in {n.phone_number_id for n in listed}:
        raise Invalid(
            f"the phone number id {credentials.phone_number_id} does not belong to the "
            f"WhatsApp Business Account {credentials.waba_id}; copy both ids from the same "
            f"API Setup page. {_NOTHING_SAVED}",
            field="waba_id",
        )
    return number


def _refusal(error: TransportError, asked_for: str) -> Invalid | Unavailable:
    """Meta's refusal as the field to fix (Graph codes: 190 token, 10/200 permission, 100 id)."""
    if not error.permanent:
        return Unavailable(
            f"Meta's Graph API could not be asked ({error.message}). {_NOTHING_SAVED} "
            "Try again in a moment.",
            code="META_UNAVAILABLE",
        )
    if error.code in ("190", "102", "0"):
        return Invalid(
            "Meta refused the access token: it is mistyped, expired or revoked. Paste a "
            f"System User token from Meta Business Settings. {_NOTHING_SAVED}",
            field="access_token",
        )
    if error.code in ("10", "200"):
        return Invalid(
            "The access token may not manage this WhatsApp number: give its System User the "
            "WhatsApp account with the whatsapp_business_messaging and "
            f"whatsapp_business_management permissions. {_NOTHING_SAVED}",
            field="access_token",
        )
    what = "phone number id" if asked_for == "phone_number_id" else "WhatsApp Business Account id"
    if error.code == "100":
        return Invalid(
            f"Meta knows no {what} like this that the token can see; copy it again from "
            f"WhatsApp → API Setup. {_NOTHING_SAVED}",
            field=asked_for,
        )
    return Invalid(f"Meta refused the credentials: {error.message} {_NOTHING_SAVED}")


async def _view(scope: TenantScope, base_url: str, box: SecretBox) -> CloudConnection:
    channel = await scope.objects(Channel).where(Channel.transport == Transport.CLOUD).first()
    if channel is None:
        return CloudConnection(ChannelState.NOT_SET_UP, None, "", "", "", "", "", None, None)
    token = verify_token = ""
    if channel.credentials:
        credentials = channels.cloud_credentials(channel, box)
        token, verify_token = credentials.access_token, credentials.verify_token
    return CloudConnection(
        state=channel.state,
        channel_id=channel.id,
        display_phone=channel.display_phone,
        phone_number_id=channel.phone_number_id or "",
        waba_id=channel.waba_id,
        access_token_hint=mask(token) if token else "",
        verify_token=verify_token,
        webhook_url=base_url.rstrip("/") + WEBHOOK_PATH.format(channel_id=channel.id),
        state_changed_at=channel.state_changed_at,
    )
