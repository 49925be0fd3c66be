"""Channels and their credentials, which are stored encrypted."""

from __future__ import annotations

import json
from uuid import UUID

from b2a.errors import NotFound
from b2a.inbox.rules import Transport
from b2a.inbox.tables import Channel
from b2a.lib.crypto import SecretBox
from b2a.tenants.scope import TenantScope
from b2a.whatsapp.cloud_api import CloudCredentials


async def connect_cloud_channel(
    scope: TenantScope, credentials: CloudCredentials, box: SecretBox, *, display_phone: str = ""
) -> Channel:
    """Create or update the tenant's Cloud API channel with encrypted credentials."""
    channel = await scope.objects(Channel).where(Channel.transport == Transport.CLOUD).first()
    if channel is None:
        channel = scope.new(Channel, transport=Transport.CLOUD)
    channel.phone_number_id = credentials.phone_number_id
    channel.waba_id = credentials.waba_id
    channel.display_phone = display_phone
    channel.credentials = box.encrypt(json.dumps(credentials.__dict__))
    await channel.save()
    return channel


def cloud_credentials(channel: Channel, box: SecretBox) -> CloudCredentials:
    """The decrypted credentials of a Cloud API channel."""
    return CloudCredentials(**json.loads(box.decrypt(channel.credentials)))


async def find_cloud_channel(channel_id: str) -> Channel:
    """The Cloud API channel a webhook URL names, across tenants (webhooks carry no session).

    Raises:
        NotFound: no Cloud API channel has this id.
    """
    try:
        key = UUID(channel_id)
    except ValueError:
        raise NotFound("no such channel.") from None
    channel = (
        await Channel.objects()
        .where((Channel.id == key) & (Channel.transport == Transport.CLOUD))
        .first()
    )
    if channel is None:
        raise NotFound("no such channel.")
    return channel


async def channel_for_number(phone_number_id: str) -> Channel | None:
    """The Cloud API channel of a WhatsApp number, across tenants (webhook routing)."""
    return (
        await Channel.objects()
        .where(
            (Channel.phone_number_id == phone_number_id) & (Channel.transport == Transport.CLOUD)
        )
        .first()
    )
