"""Which transport sends for a channel; the rest of the code never asks."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

import httpx

from b2a.errors import TransportError
from b2a.inbox.channels import decrypt_credentials
from b2a.inbox.rules import Transport
from b2a.lib.crypto import SecretBox
from b2a.settings import Settings
from b2a.whatsapp import transport as wa
from b2a.whatsapp.cloud_api import CloudApiClient
from b2a.whatsapp.sandbox import SandboxTransport
from b2a.whatsapp.web_relay import WebRelayTransport


@dataclass(frozen=True)
class SendingChannel:
    """What a send needs of its channel (read with the message, in one statement)."""

    id: UUID
    tenant: UUID
    transport: str
    credentials: str
    """Encrypted, as the column holds them; decrypted only for the send."""


class Transports:
    """Builds the transport of each channel from one worker's shared connections."""

    def __init__(self, settings: Settings, http: httpx.AsyncClient, redis: Any) -> None:
        self._settings = settings
        self._http = http
        self._redis = redis
        self._box = SecretBox(settings.core.encryption_key)

    async def for_channel(self, channel: SendingChannel) -> wa.Transport:
        """The channel's transport, holding its decrypted credentials only for this send."""
        kind = Transport(channel.transport)
        if kind is Transport.CLOUD:
            try:
                credentials = decrypt_credentials(channel.credentials, self._box)
            except TransportError as error:  # disconnected: its messages dead-letter with why
                return wa.Refusing(error)
            return CloudApiClient(
                self._http, credentials, base_url=self._settings.whatsapp.graph_url
            )
        if kind is Transport.SANDBOX:
            return SandboxTransport()
        return WebRelayTransport(
            self._redis, str(channel.tenant), timeout=self._settings.whatsapp.send_timeout_seconds
        )
