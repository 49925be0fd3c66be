"""``/api/v1/whatsapp/web``: connect the tenant's number through WhatsApp-Web.

The handlers only relay commands: the session itself runs in ``b2a whatsapp``
(``b2a.inbox.web_session``), which publishes state changes on the live stream.
Dropping and logging out take effect at once, whatever the session service does.
"""

from __future__ import annotations

import msgspec
from litestar import Controller, get, post
from litestar.datastructures import State
from litestar.params import JSONBody

from b2a.inbox import web_session
from b2a.inbox.web_session import WebSessionView
from b2a.server.auth import TENANT_ADMINS
from b2a.server.params import ActorDep
from b2a.tenants.rules import Area, Role


class PairingCodeIn(msgspec.Struct):
    """The phone number of the WhatsApp account to link, in international format."""

    phone: str


class WhatsAppWebController(Controller):
    """Tenant admins connect and disconnect; every member sees the state."""

    path = "/whatsapp/web"
    opt = {"area": Area.DASHBOARD}
    tags = ["whatsapp"]

    @get("/", summary="Session state, QR code and pairing code")
    async def session(self, actor: ActorDep, state: State) -> WebSessionView:
        """The state, why, and the wait's seconds left (connect 30 s, QR 60 s, code 120 s)."""
        return await web_session.session_view(actor.scope, state.redis)

    @post("/start", summary="Start the session (shows a QR code until paired)", opt=TENANT_ADMINS)
    async def start(self, actor: ActorDep, state: State) -> WebSessionView:
        """403 when the business is suspended or its WhatsApp is switched off."""
        actor.require(Role.TENANT_ADMIN)
        return await web_session.start_session(actor.scope, state.redis)

    @post("/drop", summary="Give WhatsApp-Web up at once", opt=TENANT_ADMINS)
    async def drop(self, actor: ActorDep, state: State) -> WebSessionView:
        """Back to NOT_SET_UP without waiting for the session service; the pairing is forgotten."""
        actor.require(Role.TENANT_ADMIN)
        return await web_session.drop_session(actor.scope, state.redis)

    @post("/logout", summary="Unlink this appliance from the WhatsApp account", opt=TENANT_ADMINS)
    async def logout(self, actor: ActorDep, state: State) -> WebSessionView:
        """LOGGED_OUT at once; the session service unlinks on WhatsApp's side."""
        actor.require(Role.TENANT_ADMIN)
        return await web_session.logout_session(actor.scope, state.redis)

    @post(
        "/pairing-code", summary="Pair by phone number with an 8-character code", opt=TENANT_ADMINS
    )
    async def pairing_code(
        self, actor: ActorDep, state: State, data: JSONBody[PairingCodeIn]
    ) -> WebSessionView:
        """422 unless the number has 10 to 15 digits with its country code."""
        actor.require(Role.TENANT_ADMIN)
        return await web_session.request_pairing_code(actor.scope, state.redis, data.phone)
