"""``/api/v1/whatsapp/cloud``: connect the tenant's number through the official Cloud API.

Tenant admins only. ``PUT`` checks the credentials with Meta before saving
(``b2a.inbox.cloud_setup``); the answer carries the callback URL and verify
token to paste into Meta's dashboard, never the token or app secret.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar import Controller, Request, delete, get, put
from litestar.datastructures import State
from litestar.params import JSONBody

from b2a.inbox import cloud_setup
from b2a.inbox.cloud_setup import CloudConnection
from b2a.lib.crypto import SecretBox
from b2a.lib.http import create_client
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area
from b2a.whatsapp.cloud_api import CloudCredentials


class CloudConnectIn(msgspec.Struct):
    """The values Meta's app dashboard shows under WhatsApp → API Setup, plus the app secret."""

    phone_number_id: str
    waba_id: str
    access_token: str
    app_secret: str
    verify_token: str = ""


def _base_url(state: State, request: Request[Any, Any, Any]) -> str:
    """Where Meta reaches this appliance: B2A_SERVER_PUBLIC_URL, else the address asked."""
    return str(state.settings.server.public_url or request.base_url)


def _box(state: State) -> SecretBox:
    return SecretBox(state.settings.core.encryption_key)


class WhatsAppCloudController(Controller):
    """Connect, inspect and disconnect the Cloud API number."""

    path = "/whatsapp/cloud"
    opt = {"area": Area.SETTINGS}
    tags = ["whatsapp"]

    @get("/", summary="Cloud API connection, callback URL and verify token")
    async def connection(
        self, actor: ActorDep, state: State, request: Request[Any, Any, Any]
    ) -> CloudConnection:
        """The access token shows only its last four characters; the app secret never."""
        return await cloud_setup.cloud_connection(
            actor, box=_box(state), base_url=_base_url(state, request)
        )

    @put("/", summary="Connect after Meta accepts the credentials")
    async def connect(
        self,
        actor: ActorDep,
        state: State,
        request: Request[Any, Any, Any],
        data: JSONBody[CloudConnectIn],
    ) -> CloudConnection:
        """422 names the field Meta refused; 409 while WhatsApp-Web holds the number."""
        credentials = CloudCredentials(
            phone_number_id=data.phone_number_id,
            access_token=data.access_token,
            waba_id=data.waba_id,
            app_secret=data.app_secret,
            verify_token=data.verify_token,
        )
        async with create_client() as http:
            return await cloud_setup.connect_cloud(
                actor,
                credentials,
                http=http,
                box=_box(state),
                graph_url=state.settings.whatsapp.graph_url,
                base_url=_base_url(state, request),
            )

    @delete("/", status_code=200, summary="Disconnect; conversations and messages stay")
    async def disconnect(
        self, actor: ActorDep, state: State, request: Request[Any, Any, Any]
    ) -> CloudConnection:
        """The stored token and app secret are forgotten; webhooks for the number stop."""
        return await cloud_setup.disconnect_cloud(
            actor, box=_box(state), base_url=_base_url(state, request)
        )
